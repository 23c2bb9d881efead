//! The rewrite of tool input where the SDK's reading differs from the text (a repeated key, `-0`).
//!
//! The rewrite walks the text once, writing as it goes. Only the objects in which the scanner saw a repeated
//! key (or a repeated key's hash) are read ahead of the writing, to learn which names repeat and where each
//! one's last value is. What the read ahead keeps: for an object of at most 16 keys, its members; for a larger
//! one, a hash of each key while it is read (8 bytes and the set's spare room), then for each repeated name
//! its hash and where its first key and last value start (16 bytes and the map's spare room). The read ahead
//! skips over values; the end of an object with a repeated key inside another one is remembered once
//! skipped, so that nested such objects are not skipped again level after level.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use super::hashing::{HashSet64, LIST_KEYS, Prehashed};
use super::reading::repeated_key;
use super::repeats::RepeatsView;
use crate::text::{self as json_text, is_json_ws};

/// Rewrites `text` followed by `tail` (the closing quote and brackets of a cut-off text, which the scanner
/// accepted) where the SDK's reading differs from it: a repeated key keeps its first place with the last
/// value, and the integer `-0` becomes `0`. Whitespace between tokens is dropped. `repeats` says in which
/// objects a key may repeat.
pub(crate) fn normalize(text: &str, tail: &[u8], repeats: RepeatsView<'_>) -> String {
    // Allocated at the first write: after the read ahead when the text is one object with a repeated key,
    // so that what that read ahead keeps is not held together with the text written.
    let mut out = String::new();
    let mut normalizer = Normalizer { text, tail, pos: 0, repeats, ends: Vec::new() };
    normalizer.value(&mut out);
    out
}

/// Walks text that the scanner accepted (so valid JSON, nested at most [`MAX_DEPTH`](super::MAX_DEPTH)
/// deep). A position at or past `text.len()` is in `tail`.
struct Normalizer<'a> {
    text: &'a str,
    tail: &'a [u8],
    pos: usize,
    repeats: RepeatsView<'a>,
    /// Where each object of `repeats` ends, once skipped (0 until then); empty until first needed.
    ends: Vec<u32>,
}

/// A member of an object, as read ahead: its key's body (between the quotes, as written), where that body
/// starts, and where its value starts.
#[derive(Clone, Copy)]
struct Member<'a> {
    key: Name<'a>,
    key_at: usize,
    value: usize,
}

/// A key's body as written, compared and hashed as the name it decodes to.
#[derive(Clone, Copy)]
struct Name<'a>(&'a str);

impl Name<'_> {
    fn with_decoded<R>(self, f: impl FnOnce(&str) -> R) -> R {
        if memchr::memchr(b'\\', self.0.as_bytes()).is_none() {
            return f(self.0);
        }
        let mut decoded = String::with_capacity(self.0.len());
        json_text::decode_body(self.0, &mut decoded);
        f(&decoded)
    }
}

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Self) -> bool {
        let escaped = |name: &str| memchr::memchr(b'\\', name.as_bytes()).is_some();
        if !escaped(self.0) && !escaped(other.0) {
            return self.0 == other.0;
        }
        self.with_decoded(|a| other.with_decoded(|b| a == b))
    }
}

impl Eq for Name<'_> {}

impl Hash for Name<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.with_decoded(|name| state.write(name.as_bytes()));
    }
}

/// What the read ahead learnt of an object with a repeated name.
enum Repeated<'a> {
    /// At most [`LIST_KEYS`] members, compared by name.
    Few(Vec<Member<'a>>),
    /// More, in a text of less than 4 GiB: for each repeated name, by its hash (no two of the object's names
    /// share one, checked), where its first member's key starts and where its last value starts.
    ByHash(HashMap<u64, (u32, u32), Prehashed>, RandomState),
    /// More, in a longer text or where two names shared a hash: for each name whose hash was met more than
    /// once, the index of its first member and where its last value starts.
    Many(HashMap<Name<'a>, (usize, usize)>),
}

/// In [`Repeated::ByHash`], a name whose first member is not met yet.
const NOT_MET: u32 = u32::MAX;

impl<'a> Repeated<'a> {
    /// Where the value written for the `index`th member, `member`, starts; `None` when the member is a later
    /// one of a repeated name, which is not written.
    fn source(&self, index: usize, member: Member<'a>) -> Option<usize> {
        match self {
            Repeated::Few(members) => {
                let first = members.iter().position(|m| m.key == member.key)?;
                let last = members.iter().rev().find(|m| m.key == member.key).map_or(member.value, |m| m.value);
                repeated_key(index, first, last)
            }
            Repeated::ByHash(names, state) => match names.get(&hash(state, member.key)) {
                Some(&(first, last)) => repeated_key(member.key_at, first as usize, last as usize),
                None => Some(member.value),
            },
            Repeated::Many(names) => match names.get(&member.key) {
                Some(&(first, last)) => repeated_key(index, first, last),
                None => Some(member.value),
            },
        }
    }
}

fn hash(state: &RandomState, name: Name<'_>) -> u64 {
    let hash = state.hash_one(name);
    #[cfg(test)]
    if tests::COARSE_HASHES.get() {
        // Four hashes in all: names share them, as they as good as never do otherwise.
        return hash & 3;
    }
    hash
}

impl<'a> Normalizer<'a> {
    fn byte(&self, at: usize) -> Option<u8> {
        match self.text.as_bytes().get(at) {
            Some(&b) => Some(b),
            None => self.tail.get(at - self.text.len()).copied(),
        }
    }

    fn skip_ws(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        while at < bytes.len() && is_json_ws(bytes[at]) {
            at += 1;
        }
        at
    }

    /// The next byte after whitespace, moving to it; `None` at the end.
    fn peek(&mut self) -> Option<u8> {
        self.pos = self.skip_ws(self.pos);
        self.byte(self.pos)
    }

    /// Writes the text from `from` to `to`, tail included.
    fn push_range(&self, out: &mut String, from: usize, to: usize) {
        let len = self.text.len();
        out.push_str(&self.text[from.min(len)..to.min(len)]);
        for at in from.max(len)..to {
            if let Some(&b) = self.tail.get(at - len) {
                out.push(char::from(b));
            }
        }
    }

    /// The end of the string whose opening quote is at `at` (past the tail's quote when the text cuts it).
    fn string_end(&self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = at + 1;
        loop {
            i += json_text::plain_len(bytes.get(i..).unwrap_or_default());
            match bytes.get(i) {
                Some(b'\\') => i += 2,
                Some(b'"') => return i + 1,
                Some(_) => i += 1,
                None if self.tail.first() == Some(&b'"') => return bytes.len() + 1,
                None => return bytes.len(),
            }
        }
    }

    /// The end of a number or literal starting at `at`.
    fn token_end(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        while at < bytes.len() && !matches!(bytes[at], b',' | b']' | b'}' | b':') && !is_json_ws(bytes[at]) {
            at += 1;
        }
        at
    }

    /// The end of the value starting at `at`, without writing it.
    fn skip_value(&mut self, at: usize) -> usize {
        match self.byte(at) {
            Some(b'"') => self.string_end(at),
            Some(open @ (b'{' | b'[')) => {
                let slot = if open == b'{' { self.repeats.find(at).flatten() } else { None };
                if let Some(slot) = slot {
                    if let Some(&end) = self.ends.get(slot).filter(|&&end| end != 0) {
                        return end as usize;
                    }
                }
                let mut i = at + 1;
                loop {
                    i = self.skip_ws(i);
                    match self.byte(i) {
                        Some(b'}' | b']') => {
                            i += 1;
                            break;
                        }
                        Some(b',' | b':') => i += 1,
                        None => break,
                        Some(_) => {
                            let next = self.skip_value(i);
                            // Every value is at least a byte long: a step that did not move would loop.
                            debug_assert!(next > i, "no progress skipping the value at {i}");
                            i = next.max(i + 1);
                        }
                    }
                }
                if let (Some(slot), Ok(end)) = (slot, u32::try_from(i)) {
                    if self.ends.is_empty() {
                        self.ends = vec![0; self.repeats.len()];
                    }
                    self.ends[slot] = end;
                }
                i
            }
            Some(_) => self.token_end(at),
            None => at,
        }
    }

    /// The member of an object that starts at or after `at` (just past the opening bracket or a previous
    /// member), as read ahead, with where the next one may start; `None` at the object's end.
    fn next_member(&mut self, mut at: usize) -> Option<(Member<'a>, usize)> {
        loop {
            at = self.skip_ws(at);
            match self.byte(at) {
                Some(b',') => at += 1,
                Some(b'"') => break,
                _ => return None,
            }
        }
        let key_end = self.string_end(at);
        let text: &'a str = self.text;
        let key = Name(&text[at + 1..key_end - 1]);
        let colon = self.skip_ws(key_end);
        let value = self.skip_ws(colon + 1);
        let next = self.skip_value(value);
        Some((Member { key, key_at: at + 1, value }, next))
    }

    /// Reads ahead the object whose opening bracket is at `at`, in which a key may repeat; `None` when none
    /// does after all (a hash that matched, or a repeat in a part the text no longer keeps).
    fn read_ahead(&mut self, at: usize) -> Option<Repeated<'a>> {
        let mut few = Vec::new();
        let mut next = at + 1;
        while let Some((member, after)) = self.next_member(next) {
            next = after;
            few.push(member);
            if few.len() > LIST_KEYS {
                return self.read_ahead_many(at);
            }
        }
        let repeated = few.iter().enumerate().any(|(i, m)| few[..i].iter().any(|earlier| earlier.key == m.key));
        repeated.then_some(Repeated::Few(few))
    }

    fn read_ahead_many(&mut self, at: usize) -> Option<Repeated<'a>> {
        let state = RandomState::new();
        let again = self.repeated_hashes(at, &state)?;
        if u32::try_from(self.text.len() + self.tail.len()).is_ok_and(|len| len < NOT_MET) {
            if let Some(names) = self.names_by_hash(at, &state, again) {
                return Some(Repeated::ByHash(names, state));
            }
            // Two names shared a hash (keyed at random: as good as never): read again, by name.
            let again = self.repeated_hashes(at, &state)?;
            return Some(Repeated::Many(self.names_by_name(at, &state, &again)));
        }
        Some(Repeated::Many(self.names_by_name(at, &state, &again)))
    }

    /// The hashes met more than once among the names of the object whose opening bracket is at `at`; `None`
    /// when there is none.
    fn repeated_hashes(&mut self, at: usize, state: &RandomState) -> Option<HashSet<u64, Prehashed>> {
        let mut seen = HashSet64::default();
        let mut again = HashSet::with_hasher(Prehashed);
        let mut next = at + 1;
        while let Some((member, after)) = self.next_member(next) {
            next = after;
            let h = hash(state, member.key);
            if !seen.insert(h) {
                again.insert(h);
            }
        }
        (!again.is_empty()).then_some(again)
    }

    /// For each hash of `again`, where its name's first key and last value start (positions that fit in a
    /// `u32` below [`NOT_MET`], checked by the caller); `None` when two of the object's names share a hash.
    fn names_by_hash(
        &mut self,
        at: usize,
        state: &RandomState,
        again: HashSet<u64, Prehashed>,
    ) -> Option<HashMap<u64, (u32, u32), Prehashed>> {
        // Every repeated hash has its place before the second pass, so that the set goes first.
        let mut names = HashMap::with_capacity_and_hasher(again.len(), Prehashed);
        names.extend(again.iter().map(|&h| (h, (NOT_MET, 0))));
        drop(again);
        let mut next = at + 1;
        while let Some((member, after)) = self.next_member(next) {
            next = after;
            let Some(place) = names.get_mut(&hash(state, member.key)) else { continue };
            let value = member.value as u32;
            if place.0 == NOT_MET {
                *place = (member.key_at as u32, value);
                continue;
            }
            let first_at = place.0 as usize;
            let first = Name(&self.text[first_at..self.string_end(first_at - 1) - 1]);
            if first != member.key {
                return None;
            }
            place.1 = value;
        }
        Some(names)
    }

    /// For each name whose hash is in `again`, the index of its first member and where its last value starts.
    fn names_by_name(
        &mut self,
        at: usize,
        state: &RandomState,
        again: &HashSet<u64, Prehashed>,
    ) -> HashMap<Name<'a>, (usize, usize)> {
        let mut names: HashMap<Name<'a>, (usize, usize)> = HashMap::with_capacity(again.len());
        let mut next = at + 1;
        let mut index = 0;
        while let Some((member, after)) = self.next_member(next) {
            next = after;
            if again.contains(&hash(state, member.key)) {
                names.entry(member.key).and_modify(|(_, last)| *last = member.value).or_insert((index, member.value));
            }
            index += 1;
        }
        names
    }

    /// Makes room for the whole text at the first write.
    fn reserve(&self, out: &mut String) {
        if out.capacity() == 0 {
            out.reserve_exact(self.text.len() + self.tail.len());
        }
    }

    fn value(&mut self, out: &mut String) {
        if !matches!(self.peek(), Some(b'{')) {
            self.reserve(out);
        }
        match self.peek() {
            Some(b'{') => self.object(out),
            Some(b'[') => {
                self.pos += 1;
                out.push('[');
                let mut first = true;
                while !matches!(self.peek(), Some(b']') | None) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    self.value(out);
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                out.push(']');
            }
            Some(b'"') => {
                let end = self.string_end(self.pos);
                self.push_range(out, self.pos, end);
                self.pos = end;
            }
            Some(_) => {
                let end = self.token_end(self.pos);
                let token = &self.text[self.pos..end];
                out.push_str(if token == "-0" { "0" } else { token });
                self.pos = end;
            }
            None => {}
        }
    }

    fn object(&mut self, out: &mut String) {
        let at = self.pos;
        let repeated = match self.repeats.find(at) {
            Some(_) => self.read_ahead(at),
            None => None,
        };
        self.reserve(out);
        self.pos += 1;
        out.push('{');
        let mut first = true;
        let mut index = 0;
        while let Some(b'"') = self.peek() {
            let key_at = self.pos;
            let key_end = self.string_end(key_at);
            let text: &'a str = self.text;
            let key = Name(&text[key_at + 1..key_end - 1]);
            self.pos = self.skip_ws(key_end) + 1; // past the colon
            let value_at = self.skip_ws(self.pos);
            let source = match &repeated {
                Some(repeated) => repeated.source(index, Member { key, key_at: key_at + 1, value: value_at }),
                None => Some(value_at),
            };
            index += 1;
            if source.is_some() {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&text[key_at..key_end]);
                out.push(':');
            }
            match source {
                Some(source) if source == value_at => {
                    self.pos = value_at;
                    self.value(out);
                }
                Some(source) => {
                    let resume = self.skip_value(value_at);
                    self.pos = source;
                    self.value(out);
                    self.pos = resume;
                }
                None => self.pos = self.skip_value(value_at),
            }
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
        // The closing bracket, from the text or the tail.
        self.pos += 1;
        out.push('}');
    }
}

#[cfg(test)]
mod tests;
