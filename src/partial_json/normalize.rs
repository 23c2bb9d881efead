//! The rewrite of complete tool input where the SDK's reading differs from the text (a repeated key, `-0`).

use std::collections::HashSet;

use super::scanner::is_ws;
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
        // Each member's key (decoded), and where its key text and its value sit in `out`.
        let mut members: Vec<(String, std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut repeated = false;
        while self.peek() != b'}' {
            if !members.is_empty() {
                out.push(',');
            }
            let key_end = self.string_end();
            let raw_key = &self.text[self.pos..key_end];
            let mut name = String::with_capacity(raw_key.len());
            json_text::decode_body(&raw_key[1..raw_key.len() - 1], &mut name);
            let key_at = out.len();
            out.push_str(raw_key);
            let key_range = key_at..out.len();
            self.pos = key_end;
            self.peek();
            self.pos += 1; // the colon
            out.push(':');
            let value_at = out.len();
            self.value(out);
            repeated |= !seen.insert(name.clone());
            members.push((name, key_range, value_at..out.len()));
            if self.peek() == b',' {
                self.pos += 1;
            }
        }
        self.pos += 1;
        out.push('}');
        if repeated {
            let written = out[at..].to_owned();
            let shift = |r: &std::ops::Range<usize>| r.start - at..r.end - at;
            let mut order: Vec<usize> = Vec::new();
            let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            for (index, (name, _, _)) in members.iter().enumerate() {
                if last.insert(name.as_str(), index).is_none() {
                    order.push(index);
                }
            }
            out.truncate(at);
            out.push('{');
            for (n, &first) in order.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                let (name, key, _) = &members[first];
                out.push_str(&written[shift(key)]);
                out.push(':');
                let (_, _, value) = &members[last[name.as_str()]];
                out.push_str(&written[shift(value)]);
            }
            out.push('}');
        }
    }
}
