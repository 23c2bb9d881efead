//! The rewrite of complete tool input where the SDK's reading differs from the text (a repeated key, `-0`).

use std::borrow::Cow;

use super::scanner::{is_ws, LIST_KEYS};
use super::KeyHashes;
use crate::text as json_text;

/// Rewrites complete JSON text where the SDK's reading differs from it: a repeated key keeps its first place
/// with the last value, and the integer `-0` becomes `0`. Whitespace between tokens is dropped.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut normalizer = Normalizer { text, pos: 0 };
    normalizer.value(&mut out);
    out
}

/// Walks text that the scanner accepted (so valid JSON, nested at most [`MAX_DEPTH`] deep).
struct Normalizer<'a> {
    text: &'a str,
    pos: usize,
}

impl Normalizer<'_> {
    fn peek(&mut self) -> u8 {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && is_ws(bytes[self.pos]) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied().unwrap_or(b'}')
    }

    /// The end of the string whose opening quote is at `self.pos`.
    fn string_end(&self) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = self.pos + 1;
        loop {
            i += json_text::plain_len(&bytes[i..]);
            match bytes.get(i) {
                Some(b'\\') => i += 2,
                Some(b'"') => return i + 1,
                Some(_) => i += 1,
                None => return bytes.len(),
            }
        }
    }

    fn value(&mut self, out: &mut String) {
        match self.peek() {
            b'{' => self.object(out),
            b'[' => {
                self.pos += 1;
                out.push('[');
                let mut first = true;
                while self.peek() != b']' {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    self.value(out);
                    if self.peek() == b',' {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                out.push(']');
            }
            b'"' => {
                let end = self.string_end();
                out.push_str(&self.text[self.pos..end]);
                self.pos = end;
            }
            _ => {
                let bytes = self.text.as_bytes();
                let start = self.pos;
                while self.pos < bytes.len()
                    && !matches!(bytes[self.pos], b',' | b']' | b'}')
                    && !is_ws(bytes[self.pos])
                {
                    self.pos += 1;
                }
                let token = &self.text[start..self.pos];
                out.push_str(if token == "-0" { "0" } else { token });
            }
        }
    }

    fn object(&mut self, out: &mut String) {
        self.pos += 1;
        let at = out.len();
        out.push('{');
        // Each member as written to `out`: where its key starts, where its value starts and ends. Positions,
        // not names: a name is read back from `out` only where two keys may be the same.
        let mut members: Vec<[usize; 3]> = Vec::new();
        let mut hashes: Option<KeyHashes> = None;
        let mut maybe_repeated = false;
        while self.peek() != b'}' {
            if !members.is_empty() {
                out.push(',');
            }
            let key_end = self.string_end();
            let key_at = out.len();
            out.push_str(&self.text[self.pos..key_end]);
            self.pos = key_end;
            self.peek();
            self.pos += 1; // the colon
            out.push(':');
            let value_at = out.len();
            self.value(out);
            let member = [key_at, value_at, out.len()];
            // A list compares few keys by name; past it, their hashes say where two may be the same.
            if !maybe_repeated {
                let name = name(out, member);
                maybe_repeated = match &mut hashes {
                    Some(set) => !set.insert(name.as_bytes()),
                    None => members.iter().any(|&m| self::name(out, m) == name),
                };
                if hashes.is_none() && members.len() >= LIST_KEYS {
                    let mut set = KeyHashes::default();
                    for &m in &members {
                        set.insert(self::name(out, m).as_bytes());
                    }
                    set.insert(name.as_bytes());
                    hashes = Some(set);
                }
            }
            members.push(member);
            if self.peek() == b',' {
                self.pos += 1;
            }
        }
        self.pos += 1;
        out.push('}');
        if maybe_repeated {
            rewrite_repeated(out, at, &members);
        }
    }
}

/// A member's key as a name (decoded when it holds an escape).
fn name(out: &str, [key_at, value_at, _]: [usize; 3]) -> Cow<'_, str> {
    // The key's text runs from its opening quote to the colon before the value.
    let body = &out[key_at + 1..value_at - 2];
    if !body.contains('\\') {
        return Cow::Borrowed(body);
    }
    let mut decoded = String::with_capacity(body.len());
    json_text::decode_body(body, &mut decoded);
    Cow::Owned(decoded)
}

/// Rewrites the object written at `out[at..]` so that each key appears once, in its first place, with its
/// last value. Names are compared exactly; only keys whose hash repeats are held by name.
fn rewrite_repeated(out: &mut String, at: usize, members: &[[usize; 3]]) {
    use std::collections::HashMap;
    let written = out[at..].to_owned();
    let shift = |m: [usize; 3]| [m[0] - at, m[1] - at, m[2] - at];
    let state = std::hash::RandomState::new();
    let hash = |m: [usize; 3]| std::hash::BuildHasher::hash_one(&state, name(&written, shift(m)).as_bytes());
    // The hashes met more than once, then the members that carry one of them, grouped by exact name: for
    // each such name, its first member and its last.
    let mut seen = std::collections::HashSet::new();
    let mut again = std::collections::HashSet::new();
    for &m in members {
        let h = hash(m);
        if !seen.insert(h) {
            again.insert(h);
        }
    }
    drop(seen);
    let mut by_name: HashMap<Cow<'_, str>, (usize, usize)> = HashMap::new();
    for (index, &m) in members.iter().enumerate() {
        if again.contains(&hash(m)) {
            by_name.entry(name(&written, shift(m))).and_modify(|(_, last)| *last = index).or_insert((index, index));
        }
    }
    // Every member of a repeated name but its first is written at the first's place.
    let mut later = vec![false; members.len()];
    for (index, &m) in members.iter().enumerate() {
        if again.contains(&hash(m)) && by_name.get(&name(&written, shift(m))).is_some_and(|&(first, _)| first != index)
        {
            later[index] = true;
        }
    }
    let last_of_first: HashMap<usize, usize> = by_name.into_values().filter(|(first, last)| first != last).collect();
    out.truncate(at);
    out.push('{');
    let mut first_member = true;
    for (index, &m) in members.iter().enumerate() {
        if later[index] {
            continue;
        }
        if !first_member {
            out.push(',');
        }
        first_member = false;
        let [key_at, value_at, _] = shift(m);
        out.push_str(&written[key_at..value_at]);
        let [_, value_at, end] = shift(members[last_of_first.get(&index).copied().unwrap_or(index)]);
        out.push_str(&written[value_at..end]);
    }
    out.push('}');
}
