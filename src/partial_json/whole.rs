//! A fast reader of complete JSON, for the commonest case: a tool input whole at its block's stop. It only
//! says yes to text that the scanner would keep byte for byte (one complete value from the first byte to the
//! last, no repeated key, no `-0`, within [`MAX_DEPTH`]); for anything else (whitespace around the value, a
//! cut, an error, a rewrite, a long object with escaped keys) it says no and the scanner, the reference,
//! decides. The `partial_json` and `fast_paths` fuzz targets and the tool-input tests hold the two to the
//! same result.

use super::scanner::is_ws;
use super::MAX_DEPTH;
use crate::text as json_text;

/// Whether `text` is one complete JSON value that the scanner would keep exactly as it is.
pub(crate) fn is_plain_json(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first().is_none_or(|&b| is_ws(b)) || bytes.last().is_some_and(|&b| is_ws(b)) {
        return false;
    }
    let mut reader = Reader { b: bytes, i: 0, keys: Vec::new() };
    reader.value(0).is_some() && reader.i == bytes.len()
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// The keys of the open objects, as spans of unescaped text.
    keys: Vec<(usize, usize)>,
}

impl Reader<'_> {
    fn ws(&mut self) {
        // Most calls find a token at once: one comparison says so.
        while let Some(&b) = self.b.get(self.i) {
            if b > b' ' || !is_ws(b) {
                break;
            }
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match *self.b.get(self.i)? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.b[self.i..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<()> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        let int = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.b[int] == b'0') {
            return None;
        }
        let mut plain_integer = true;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
            plain_integer = false;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            plain_integer = false;
        }
        // The integer `-0` is rewritten to `0`: the scanner's business.
        if plain_integer && &self.b[start..self.i] == b"-0" {
            return None;
        }
        Some(())
    }

    /// Reads a string; says whether it held an escape.
    fn string(&mut self) -> Option<bool> {
        let b = self.b;
        let mut i = self.i + 1;
        let mut escaped = false;
        loop {
            i += json_text::plain_len(&b[i..]);
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        // A `\u` escape, with its pair for a surrogate: the same check as the decoder's.
                        b'u' => {
                            let (_, used) = json_text::unescape(&b[i + 1..])?;
                            i += 1 + used;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            self.value(depth)?;
            self.ws();
            match *self.b.get(self.i)? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(());
        }
        let from = self.keys.len();
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return None;
            }
            let start = self.i + 1;
            // An escaped key, or an object longer than a list compares quickly: the scanner's business.
            if self.string()? || self.keys.len() - from >= super::scanner::LIST_KEYS {
                return None;
            }
            let key = &self.b[start..self.i - 1];
            // Keys are short: a byte loop beats a call to memcmp.
            if self.keys[from..]
                .iter()
                .any(|&(s, e)| e - s == key.len() && self.b[s..e].iter().zip(key).all(|(a, b)| a == b))
            {
                return None;
            }
            self.keys.push((start, self.i - 1));
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return None;
            }
            self.i += 1;
            self.ws();
            self.value(depth)?;
            self.ws();
            match *self.b.get(self.i)? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    self.keys.truncate(from);
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}
