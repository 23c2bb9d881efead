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

use crate::json_text;

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
        // A small non-negative integer, the commonest number, needs no general parse: the same `PosInt`.
        if i - start <= 18 && bytes[start..i].iter().all(u8::is_ascii_digit) {
            let n = bytes[start..i].iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            return Ok(Parsed::Complete(Value::Number(Number::from(n))));
        }
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
            let j = i + json_text::plain_len(&bytes[i..]);
            let Some(&stop) = bytes.get(j) else {
                self.pos = bytes.len();
                return Ok(None);
            };
            if stop < 0x20 {
                self.pos = j;
                return Err(self.error("control character in string"));
            }
            if stop == b'"' {
                self.pos = j + 1;
                let body = &self.text[start + 1..j];
                if !escaped {
                    return Ok(Some(body.to_owned()));
                }
                let mut text = String::with_capacity(j - start);
                return match json_text::decode_body(body, &mut text) {
                    Some(()) => Ok(Some(text)),
                    None => {
                        Err(PartialJsonError { offset: start, reason: "invalid escape in string (a lone surrogate?)" })
                    }
                };
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

/// Where a container sits in its parent.
#[derive(Debug, Clone)]
enum Slot {
    Key(String),
    Index(usize),
}

/// What the incremental parser expects next.
#[derive(Debug, Clone)]
enum Expect {
    /// A value (top level, after `:` in an object, after `,` in an array).
    Value { after_comma: bool },
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a member: `,` or the closing bracket.
    After,
    /// Inside a string (`key`: an object key); the raw text since the opening quote is in `token`.
    Str { key: bool, escaped: bool, pending: Escape },
    /// Inside a number; its text so far is in `token`.
    Num(NumPart),
    /// Inside `true`, `false` or `null`.
    Lit { word: &'static [u8], matched: usize },
    /// The top-level value is complete, or a container stopped early: the rest is ignored.
    Done,
}

/// Progress inside an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Escape {
    None,
    Backslash,
    Hex(u8),
}

/// Where a number's text has got to, following the JSON grammar exactly as [`parse`] does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NumPart {
    Sign,
    Zero,
    Int,
    Dot,
    Frac,
    E,
    ESign,
    Exp,
}

impl NumPart {
    /// Whether the number read so far is complete (it may still grow).
    fn complete(self) -> bool {
        matches!(self, NumPart::Zero | NumPart::Int | NumPart::Frac | NumPart::Exp)
    }

    /// The next part after `b`; `None` when `b` does not continue the number.
    fn next(self, b: u8) -> Option<NumPart> {
        use NumPart::*;
        Some(match (self, b) {
            (Sign, b'0') => Zero,
            (Sign, b'1'..=b'9') => Int,
            (Int, b'0'..=b'9') => Int,
            (Zero | Int, b'.') => Dot,
            (Dot | Frac, b'0'..=b'9') => Frac,
            (Zero | Int | Frac, b'e' | b'E') => E,
            (E, b'+' | b'-') => ESign,
            (E | ESign | Exp, b'0'..=b'9') => Exp,
            _ => return None,
        })
    }
}

/// The cut-off-JSON parser fed piece by piece: after every [`push`](Self::push), [`value`](Self::value)
/// is exactly what [`parse`] would return for everything pushed so far, at a cost linear in the pieces
/// (each byte is looked at once; each member is inserted once, with a walk down the open containers).
///
/// ```
/// use anthropic_sse::partial_json::PartialJsonParser;
/// let mut parser = PartialJsonParser::new();
/// parser.push(r#"{"city": "Lis"#);
/// assert_eq!(parser.value().unwrap(), &serde_json::json!({}));
/// parser.push(r#"bon", "days": 1"#);
/// assert_eq!(parser.value().unwrap(), &serde_json::json!({"city": "Lisbon", "days": 1}));
/// parser.push(r#"4}"#);
/// assert_eq!(parser.value().unwrap(), &serde_json::json!({"city": "Lisbon", "days": 14}));
/// ```
#[derive(Debug, Clone)]
pub struct PartialJsonParser {
    root: Option<Value>,
    /// Path from the root to the innermost open container, and each open container's kind (`true`: object).
    path: Vec<Slot>,
    open: Vec<bool>,
    expect: Expect,
    token: Vec<u8>,
    key: Option<String>,
    /// A number still being read, shown as it stands until the next piece: what it replaced (a duplicate
    /// key's value), to be put back when it is taken out.
    provisional: Option<Option<Value>>,
    /// The number at the end of the text so far is out of `f64`'s range: `parse` fails there, though more
    /// text (say, a negative exponent) may still bring it back in range.
    out_of_range: bool,
    seen_value: bool,
    offset: usize,
    failed: Option<PartialJsonError>,
}

impl Default for PartialJsonParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialJsonParser {
    /// A parser that has seen nothing.
    pub fn new() -> Self {
        PartialJsonParser {
            root: None,
            path: Vec::new(),
            open: Vec::new(),
            expect: Expect::Value { after_comma: false },
            token: Vec::new(),
            key: None,
            provisional: None,
            out_of_range: false,
            seen_value: false,
            offset: 0,
            failed: None,
        }
    }

    /// What [`parse`] gives for all the text pushed so far.
    pub fn value(&self) -> Result<&Value, PartialJsonError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.out_of_range {
            return Err(PartialJsonError { offset: self.offset, reason: "number out of range" });
        }
        // The root is set only by a complete value, an opened container or a number shown as it stands.
        self.root.as_ref().ok_or(PartialJsonError {
            offset: self.offset,
            reason: if self.seen_value { "the JSON value is cut off" } else { "no JSON value, only whitespace" },
        })
    }

    /// Takes the next piece of the text.
    pub fn push(&mut self, piece: &str) {
        if self.failed.is_some() {
            return;
        }
        self.retract_provisional();
        self.out_of_range = false;
        let bytes = piece.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match self.step(bytes, i) {
                Ok(next) => i = next,
                Err(reason) => {
                    self.failed = Some(PartialJsonError { offset: self.offset + i, reason });
                    return;
                }
            }
        }
        self.offset += bytes.len();
        if let Expect::Num(part) = self.expect {
            if part.complete() {
                match self.number_value() {
                    Some(number) => {
                        let replaced = self.insert(number);
                        self.provisional = Some(replaced);
                    }
                    None => self.out_of_range = true,
                }
            }
        }
    }

    /// Takes out the number shown at the end of the last piece: it is read on.
    fn retract_provisional(&mut self) {
        let Some(replaced) = self.provisional.take() else { return };
        if self.open.is_empty() {
            self.root = None;
            return;
        }
        let key = self.key.clone().unwrap_or_default();
        match self.innermost() {
            Some(Value::Object(map)) => match replaced {
                Some(old) => {
                    map.insert(key, old);
                }
                None => {
                    map.remove(&key);
                }
            },
            Some(Value::Array(items)) => {
                items.pop();
            }
            _ => {}
        }
    }

    fn innermost(&mut self) -> Option<&mut Value> {
        let mut node = self.root.as_mut()?;
        for slot in &self.path {
            node = match (node, slot) {
                (Value::Object(map), Slot::Key(k)) => map.get_mut(k)?,
                (Value::Array(items), Slot::Index(i)) => items.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Puts a complete value where the parse stands; returns what it replaced (a duplicate key's value).
    fn insert(&mut self, value: Value) -> Option<Value> {
        if self.open.is_empty() {
            return self.root.replace(value);
        }
        let key = self.key.clone();
        match self.innermost() {
            Some(Value::Object(map)) => map.insert(key.unwrap_or_default(), value),
            Some(Value::Array(items)) => {
                items.push(value);
                None
            }
            _ => None,
        }
    }

    fn number_value(&self) -> Option<Value> {
        std::str::from_utf8(&self.token).ok()?.parse::<Number>().ok().map(Value::Number)
    }

    /// A complete value was read: insert it and expect what follows.
    fn complete(&mut self, value: Value) {
        self.insert(value);
        self.expect = if self.open.is_empty() { Expect::Done } else { Expect::After };
    }

    fn open_container(&mut self, object: bool) -> Result<(), &'static str> {
        if self.open.len() + 1 > MAX_DEPTH {
            return Err("nesting deeper than the limit of 200");
        }
        let empty = if object { Value::Object(Map::new()) } else { Value::Array(Vec::new()) };
        if self.open.is_empty() {
            self.root = Some(empty);
        } else {
            let key = self.key.clone().unwrap_or_default();
            let slot = match self.innermost() {
                Some(Value::Object(map)) => {
                    map.insert(key.clone(), empty);
                    Slot::Key(key)
                }
                Some(Value::Array(items)) => {
                    items.push(empty);
                    Slot::Index(items.len() - 1)
                }
                _ => return Err("internal: no open container"),
            };
            self.path.push(slot);
        }
        self.open.push(object);
        self.expect = if object { Expect::ObjectFirst } else { Expect::ArrayFirst };
        Ok(())
    }

    fn close_container(&mut self) {
        self.open.pop();
        if self.open.is_empty() {
            self.expect = Expect::Done;
        } else {
            self.path.pop();
            self.expect = Expect::After;
        }
    }

    fn start_string(&mut self, key: bool) {
        self.token.clear();
        self.token.push(b'"');
        self.expect = Expect::Str { key, escaped: false, pending: Escape::None };
    }

    /// Reads from `bytes[i]` on; returns where to go on.
    fn step(&mut self, bytes: &[u8], i: usize) -> Result<usize, &'static str> {
        let b = bytes[i];
        let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.expect.clone() {
            Expect::Done => Ok(bytes.len()),
            Expect::Value { after_comma } => {
                if ws {
                    return Ok(i + 1);
                }
                if after_comma && b == b']' {
                    return Err("trailing comma in array");
                }
                self.seen_value = true;
                match b {
                    b'{' => self.open_container(true)?,
                    b'[' => self.open_container(false)?,
                    b'"' => self.start_string(false),
                    b't' => self.expect = Expect::Lit { word: b"true", matched: 1 },
                    b'f' => self.expect = Expect::Lit { word: b"false", matched: 1 },
                    b'n' => self.expect = Expect::Lit { word: b"null", matched: 1 },
                    b'-' | b'0'..=b'9' => {
                        self.token.clear();
                        self.token.push(b);
                        self.expect = Expect::Num(match b {
                            b'-' => NumPart::Sign,
                            b'0' => NumPart::Zero,
                            _ => NumPart::Int,
                        });
                    }
                    _ => return Err("expected a JSON value"),
                }
                Ok(i + 1)
            }
            Expect::ArrayFirst => {
                if ws {
                    return Ok(i + 1);
                }
                if b == b']' {
                    self.close_container();
                    return Ok(i + 1);
                }
                self.expect = Expect::Value { after_comma: false };
                Ok(i)
            }
            Expect::ObjectFirst | Expect::Key => {
                if ws {
                    return Ok(i + 1);
                }
                match b {
                    b'}' if matches!(self.expect, Expect::ObjectFirst) => {
                        self.close_container();
                        Ok(i + 1)
                    }
                    b'}' => Err("trailing comma in object"),
                    b'"' => {
                        self.start_string(true);
                        Ok(i + 1)
                    }
                    _ => Err("object key must be a string"),
                }
            }
            Expect::Colon => match b {
                _ if ws => Ok(i + 1),
                b':' => {
                    self.expect = Expect::Value { after_comma: false };
                    Ok(i + 1)
                }
                _ => Err("expected `:` after an object key"),
            },
            Expect::After => {
                if ws {
                    return Ok(i + 1);
                }
                let object = self.open.last().copied().unwrap_or(false);
                match b {
                    b',' => self.expect = if object { Expect::Key } else { Expect::Value { after_comma: true } },
                    b'}' if object => self.close_container(),
                    b']' if !object => self.close_container(),
                    // Anything else where `,` or the closing bracket belongs: the parse stops here.
                    _ => self.expect = Expect::Done,
                }
                Ok(i + 1)
            }
            Expect::Str { key, escaped, pending } => self.string_step(bytes, i, key, escaped, pending),
            Expect::Num(part) => match part.next(b) {
                _ if part == NumPart::Zero && b.is_ascii_digit() => Err("invalid number: leading zero"),
                Some(next) => {
                    self.token.push(b);
                    self.expect = Expect::Num(next);
                    Ok(i + 1)
                }
                None if part.complete() => {
                    let number = self.number_value().ok_or("number out of range")?;
                    self.complete(number);
                    Ok(i)
                }
                None => Err("invalid number"),
            },
            Expect::Lit { word, matched } => {
                if b != word[matched] {
                    return Err("invalid literal");
                }
                if matched + 1 == word.len() {
                    self.complete(match word {
                        b"true" => Value::Bool(true),
                        b"false" => Value::Bool(false),
                        _ => Value::Null,
                    });
                } else {
                    self.expect = Expect::Lit { word, matched: matched + 1 };
                }
                Ok(i + 1)
            }
        }
    }

    /// Reads string text from `bytes[i]` on, runs without escapes at a time.
    fn string_step(
        &mut self,
        bytes: &[u8],
        i: usize,
        key: bool,
        mut escaped: bool,
        mut pending: Escape,
    ) -> Result<usize, &'static str> {
        let mut j = i;
        while j < bytes.len() {
            let c = bytes[j];
            match pending {
                Escape::Backslash => {
                    pending = match c {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Escape::None,
                        b'u' => Escape::Hex(0),
                        _ => return Err("invalid escape in string"),
                    };
                }
                Escape::Hex(n) => {
                    if !c.is_ascii_hexdigit() {
                        return Err("invalid \\u escape in string");
                    }
                    pending = if n == 3 { Escape::None } else { Escape::Hex(n + 1) };
                }
                Escape::None => {
                    let run = memchr::memchr2(b'"', b'\\', &bytes[j..]).map_or(bytes.len(), |k| j + k);
                    if bytes[j..run].iter().any(|&c| c < 0x20) {
                        return Err("control character in string");
                    }
                    self.token.extend_from_slice(&bytes[j..run]);
                    if run == bytes.len() {
                        j = run;
                        break;
                    }
                    if bytes[run] == b'"' {
                        self.token.push(b'"');
                        let text = if escaped {
                            let body = String::from_utf8_lossy(&self.token[1..self.token.len() - 1]);
                            let mut text = String::with_capacity(body.len());
                            json_text::decode_body(&body, &mut text)
                                .ok_or("invalid escape in string (a lone surrogate?)")?;
                            text
                        } else {
                            String::from_utf8_lossy(&self.token[1..self.token.len() - 1]).into_owned()
                        };
                        if key {
                            self.key = Some(text);
                            self.expect = Expect::Colon;
                        } else {
                            self.complete(Value::String(text));
                        }
                        return Ok(run + 1);
                    }
                    escaped = true;
                    pending = Escape::Backslash;
                    self.token.push(b'\\');
                    j = run + 1;
                    continue;
                }
            }
            self.token.push(c);
            j += 1;
        }
        self.expect = Expect::Str { key, escaped, pending };
        Ok(j)
    }
}
