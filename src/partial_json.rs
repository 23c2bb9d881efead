//! A JSON parser for tool input that may have been cut off: the Python SDK's "partial mode" (`jiter`'s
//! `partial_mode=True`), written for this crate.
//!
//! * Complete JSON parses normally; bytes after a complete top-level value are ignored.
//! * Input that ends early keeps every complete member and drops the incomplete tail, however deep:
//!   `{"a": 1, "b": "hel` gives `{"a":1}`, `{"a": [1, 2` gives `{"a":[1,2]}`, `{"a": tr` gives `{}`.
//!   A number at the very end counts as complete if it is a valid number (`{"a": 12` gives `{"a":12}`).
//! * Inside an object or array, something other than `,` or the closing bracket after a complete member
//!   ends the parse there, as if the input had been cut (`[1 2]` gives `[1]`), as `jiter` does.
//! * Errors: empty or whitespace-only input, a top-level scalar that is cut off, invalid tokens, bad
//!   escapes, raw control characters in strings, trailing commas, non-string keys, and nesting deeper than
//!   [`MAX_DEPTH`] (so that hostile input cannot overflow the stack).
//! * Numbers keep their written form as far as `serde_json` can: `125.0` stays a float and prints as `125.0`.

use std::fmt;

use serde_json::{Map, Number, Value};

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 200;

/// Why the input is not (partial) JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialJsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for PartialJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for PartialJsonError {}

/// Parses complete or cut-off JSON (see the [module documentation](self)).
///
/// ```
/// use anthropic_sse::partial_json::parse;
/// assert_eq!(parse(r#"{"city": "Lisbon", "days": 3, "unit": "cel"#).unwrap(), serde_json::json!({"city": "Lisbon", "days": 3}));
/// assert_eq!(parse(r#"{"a": [1, 2"#).unwrap(), serde_json::json!({"a": [1, 2]}));
/// assert!(parse("   ").is_err());
/// ```
pub fn parse(input: &str) -> Result<Value, PartialJsonError> {
    let mut parser = Parser { input: input.as_bytes(), text: input, pos: 0 };
    match parser.value(0)? {
        Parsed::Complete(v) | Parsed::Cut(Some(v @ (Value::Object(_) | Value::Array(_)))) => Ok(v),
        Parsed::Cut(_) if input.trim_start_matches([' ', '\t', '\n', '\r']).is_empty() => {
            Err(parser.error("no JSON value, only whitespace"))
        }
        Parsed::Cut(_) => Err(parser.error("the JSON value is cut off")),
    }
}

/// The outcome of parsing one value.
enum Parsed {
    /// The value is complete and the parse goes on.
    Complete(Value),
    /// The input ended inside the value (or the value's container stopped early): the parse ends here. The
    /// value is kept if it can be shown in part (objects and arrays), dropped otherwise.
    Cut(Option<Value>),
}

struct Parser<'a> {
    input: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> PartialJsonError {
        PartialJsonError { offset: self.pos, reason }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Parsed, PartialJsonError> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Ok(Parsed::Cut(None));
        };
        match b {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => Ok(match self.string()? {
                Some(s) => Parsed::Complete(Value::String(s)),
                None => Parsed::Cut(None),
            }),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Parsed, PartialJsonError> {
        let rest = &self.input[self.pos..];
        let n = rest.len().min(word.len());
        if rest[..n] != word[..n] {
            return Err(self.error("invalid literal"));
        }
        self.pos += n;
        Ok(if n == word.len() { Parsed::Complete(value) } else { Parsed::Cut(None) })
    }

    fn number(&mut self) -> Result<Parsed, PartialJsonError> {
        let start = self.pos;
        let bytes = self.input;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        // Each part that stops at the end of the input makes the number incomplete.
        let cut = |i: usize| i >= bytes.len();
        let int_start = i;
        if digits(&mut i) == 0 {
            self.pos = i;
            return if cut(i) { Ok(Parsed::Cut(None)) } else { Err(self.error("invalid number")) };
        }
        if bytes[int_start] == b'0' && i - int_start > 1 {
            self.pos = int_start + 1;
            return Err(self.error("invalid number: leading zero"));
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                self.pos = i;
                return if cut(i) { Ok(Parsed::Cut(None)) } else { Err(self.error("invalid number")) };
            }
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.pos = i;
                return if cut(i) { Ok(Parsed::Cut(None)) } else { Err(self.error("invalid number")) };
            }
        }
        self.pos = i;
        let number: Number = self.text[start..i]
            .parse()
            .map_err(|_| PartialJsonError { offset: start, reason: "number out of range" })?;
        Ok(Parsed::Complete(Value::Number(number)))
    }

    /// Reads a string; `None` when the input ends inside it.
    fn string(&mut self) -> Result<Option<String>, PartialJsonError> {
        let start = self.pos;
        let bytes = self.input;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[i..]) else {
                self.check_controls(i, bytes.len())?;
                self.pos = bytes.len();
                return Ok(None);
            };
            let j = i + found;
            self.check_controls(i, j)?;
            if bytes[j] == b'"' {
                self.pos = j + 1;
                let body = &self.text[start + 1..j];
                if !escaped {
                    return Ok(Some(body.to_owned()));
                }
                return serde_json::from_str::<String>(&self.text[start..=j]).map(Some).map_err(|_| PartialJsonError {
                    offset: start,
                    reason: "invalid escape in string (a lone surrogate?)",
                });
            }
            escaped = true;
            let Some(&e) = bytes.get(j + 1) else {
                self.pos = bytes.len();
                return Ok(None);
            };
            i = j + 2;
            match e {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    for k in 0..4 {
                        match bytes.get(i + k) {
                            None => {
                                self.pos = bytes.len();
                                return Ok(None);
                            }
                            Some(h) if h.is_ascii_hexdigit() => {}
                            Some(_) => {
                                self.pos = i + k;
                                return Err(self.error("invalid \\u escape in string"));
                            }
                        }
                    }
                    i += 4;
                }
                _ => {
                    self.pos = j + 1;
                    return Err(self.error("invalid escape in string"));
                }
            }
        }
    }

    fn check_controls(&mut self, from: usize, to: usize) -> Result<(), PartialJsonError> {
        if let Some(k) = self.input[from..to].iter().position(|&b| b < 0x20) {
            self.pos = from + k;
            return Err(self.error("control character in string"));
        }
        Ok(())
    }

    fn enter(&mut self, depth: usize) -> Result<(), PartialJsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting deeper than the limit of 200"));
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Parsed, PartialJsonError> {
        self.enter(depth)?;
        let mut map = Map::new();
        self.skip_ws();
        match self.peek() {
            None => return Ok(Parsed::Cut(Some(Value::Object(map)))),
            Some(b'}') => {
                self.pos += 1;
                return Ok(Parsed::Complete(Value::Object(map)));
            }
            _ => {}
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("object key must be a string"));
            }
            let Some(key) = self.string()? else {
                return Ok(Parsed::Cut(Some(Value::Object(map))));
            };
            self.skip_ws();
            match self.peek() {
                None => return Ok(Parsed::Cut(Some(Value::Object(map)))),
                Some(b':') => self.pos += 1,
                Some(_) => return Err(self.error("expected `:` after an object key")),
            }
            match self.value(depth)? {
                Parsed::Complete(v) => {
                    map.insert(key, v);
                }
                Parsed::Cut(v) => {
                    if let Some(v) = v {
                        map.insert(key, v);
                    }
                    return Ok(Parsed::Cut(Some(Value::Object(map))));
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        None => return Ok(Parsed::Cut(Some(Value::Object(map)))),
                        Some(b'}') => return Err(self.error("trailing comma in object")),
                        _ => {}
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Parsed::Complete(Value::Object(map)));
                }
                // End of input, or anything else where `,` or `}` belongs: the parse stops here.
                _ => return Ok(Parsed::Cut(Some(Value::Object(map)))),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Parsed, PartialJsonError> {
        self.enter(depth)?;
        let mut items = Vec::new();
        self.skip_ws();
        match self.peek() {
            None => return Ok(Parsed::Cut(Some(Value::Array(items)))),
            Some(b']') => {
                self.pos += 1;
                return Ok(Parsed::Complete(Value::Array(items)));
            }
            _ => {}
        }
        loop {
            match self.value(depth)? {
                Parsed::Complete(v) => items.push(v),
                Parsed::Cut(v) => {
                    items.extend(v);
                    return Ok(Parsed::Cut(Some(Value::Array(items))));
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        None => return Ok(Parsed::Cut(Some(Value::Array(items)))),
                        Some(b']') => return Err(self.error("trailing comma in array")),
                        _ => {}
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Parsed::Complete(Value::Array(items)));
                }
                _ => return Ok(Parsed::Cut(Some(Value::Array(items)))),
            }
        }
    }
}
