//! Tool input that may have been cut off, read as the Python SDK reads it (`jiter` in partial mode), kept as
//! exact JSON text.
//!
//! One incremental scanner serves every use: the final input of a block, the snapshot after any delta, and
//! [`parse`] on a whole text. It never builds a tree: it validates the text, remembers where the last complete
//! member of each open container ends, and gives back the text up to there plus the closing brackets. Numbers,
//! strings and key order therefore stay exactly as the model wrote them.
//!
//! * Complete JSON is read whole; bytes after a complete top-level value are ignored.
//! * Input that ends early keeps every complete member and drops the incomplete tail, however deep:
//!   `{"a": 1, "b": "hel` gives `{"a": 1}`, `{"a": [1, 2` gives `{"a": [1, 2]}`, `{"a": tr` gives `{}`.
//!   A number at the very end counts as complete if it is a valid number (`{"a": 12` gives `{"a": 12}`).
//!   With [`PartialMode::TrailingStrings`] an unfinished string value is kept (`{"a": 1, "b": "hel` gives
//!   `{"a": 1, "b": "hel"}`), minus an escape cut in the middle.
//! * Inside an object or array, something other than `,` or the closing bracket after a complete member
//!   ends the parse there, as if the input had been cut (`[1 2]` gives `[1]`), as `jiter` does.
//! * Where the SDK's reading differs from the text, the text is rewritten: a repeated key keeps its first
//!   place with the last value (`{"a":1,"b":2,"a":3}` gives `{"a":3,"b":2}`), and the integer `-0` becomes `0`.
//! * Errors: empty or whitespace-only input, a top-level scalar that is cut off, invalid tokens, bad
//!   escapes and lone surrogates, raw control characters in strings, trailing commas, non-string keys, and
//!   nesting deeper than [`MAX_DEPTH`].
//!
//! Differences from `jiter` that remain: it accepts `NaN`, `Infinity` and `-Infinity`, which are not JSON;
//! here they are errors.

use std::collections::HashSet;
use std::fmt;

use crate::fold::tool_input::{ToolInput, ToolInputView};
use crate::text as json_text;

/// The deepest nesting of arrays and objects accepted in tool input. A message holding such input stays
/// readable by `serde_json`'s default recursion limit of 128 (which counts the message's own levels too).
pub const MAX_DEPTH: usize = 100;

/// How a string that is still open at the end of the text is treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartialMode {
    /// Dropped with its member, as the Python SDK does by default (`jiter`'s `partial_mode=True`).
    #[default]
    DropUnfinishedStrings,
    /// Kept as far as it goes, as the Python SDK does for requests that send the
    /// `fine-grained-tool-streaming-2025-05-14` beta (`partial_mode="trailing-strings"`).
    TrailingStrings,
}

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

/// Reads complete or cut-off JSON (see the [module documentation](self)) in the default mode.
///
/// ```
/// use anthropic_sse::fold::partial_json::parse;
/// assert_eq!(parse(r#"{"city": "Lisbon", "days": 3, "unit": "cel"#).unwrap().as_str(), r#"{"city": "Lisbon", "days": 3}"#);
/// assert_eq!(parse(r#"{"a": [1, 2"#).unwrap().as_str(), r#"{"a": [1, 2]}"#);
/// assert_eq!(parse(r#"{"n": 0.09158478740507359}"#).unwrap().as_str(), r#"{"n": 0.09158478740507359}"#);
/// assert!(parse("   ").is_err());
/// ```
pub fn parse(input: &str) -> Result<ToolInput, PartialJsonError> {
    parse_with(input, PartialMode::default())
}

/// [`parse`] with a choice of [`PartialMode`].
pub fn parse_with(input: &str, mode: PartialMode) -> Result<ToolInput, PartialJsonError> {
    let mut scanner = Scanner::new(mode);
    scanner.advance(input);
    scanner.view(input).map(|view| view.to_tool_input())
}

/// The cut-off-JSON parser fed piece by piece. After every [`push`](Self::push), [`snapshot`](Self::snapshot)
/// is what [`parse`] gives for everything pushed so far, as a view (no copy). The text is scanned when a
/// snapshot is asked for, from where the last one stopped: each byte is looked at once, so asking after every
/// piece costs time linear in the whole text, and never asking costs nothing until [`finish`](Self::finish),
/// which reads complete JSON in one fast pass.
///
/// ```
/// use anthropic_sse::fold::partial_json::PartialJsonParser;
/// let mut parser = PartialJsonParser::new();
/// parser.push(r#"{"city": "Lis"#);
/// assert_eq!(parser.snapshot().unwrap().to_string(), "{}");
/// parser.push(r#"bon", "days": 1"#);
/// assert_eq!(parser.snapshot().unwrap().to_string(), r#"{"city": "Lisbon", "days": 1}"#);
/// parser.push(r#"4}"#);
/// let input: serde_json::Value = parser.snapshot().unwrap().deserialize().unwrap();
/// assert_eq!(input, serde_json::json!({"city": "Lisbon", "days": 14}));
/// ```
#[derive(Debug, Clone, Default)]
pub struct PartialJsonParser {
    text: String,
    scanner: Scanner,
}

impl PartialJsonParser {
    /// A parser in the default mode that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser in `mode` that has seen nothing.
    pub fn with_mode(mode: PartialMode) -> Self {
        PartialJsonParser { text: String::new(), scanner: Scanner::new(mode) }
    }

    /// Takes the next piece of the text.
    pub fn push(&mut self, piece: &str) {
        self.text.push_str(piece);
    }

    /// Appends to the text through `write`, which says whether it wrote what it meant to; on `false` the text
    /// is put back as it was.
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut String) -> bool) -> bool {
        let before = self.text.len();
        if !write(&mut self.text) {
            self.text.truncate(before);
            return false;
        }
        true
    }

    /// Whether the text so far holds a complete JSON value (what follows it is ignored).
    pub fn is_complete(&mut self) -> bool {
        self.scanner.advance(&self.text);
        self.scanner.is_complete()
    }

    /// All the text pushed so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What [`parse`] gives for the text so far, as a view of it.
    pub fn snapshot(&mut self) -> Result<ToolInputView<'_>, PartialJsonError> {
        self.scanner.advance(&self.text);
        self.scanner.view(&self.text)
    }

    /// The input as [`parse`] gives it, taking the text without a copy when it needs no change.
    pub fn finish(self) -> Result<ToolInput, PartialJsonError> {
        self.finish_or_text().map_err(|(error, _)| error)
    }

    /// [`finish`](Self::finish), giving the text back with the error.
    pub(crate) fn finish_or_text(mut self) -> Result<ToolInput, (PartialJsonError, String)> {
        // Complete JSON that needs no rewrite, never scanned yet: one pass of the fast reader decides.
        if self.scanner.pos == 0 && whole::is_plain_json(&self.text) {
            return Ok(ToolInput::from_checked(self.text));
        }
        self.scanner.advance(&self.text);
        let whole = match self.scanner.view(&self.text) {
            Err(error) => return Err((error, self.text)),
            Ok(view) if !view.is_whole(&self.text) => return Ok(view.to_tool_input()),
            Ok(_) => self.text,
        };
        Ok(ToolInput::from_checked(whole))
    }
}

/// A fast reader of complete JSON, for the commonest case: a tool input whole at its block's stop. It only
/// says yes to text that the scanner would keep byte for byte (one complete value from the first byte to the
/// last, no repeated key, no `-0`, within [`MAX_DEPTH`]); for anything else (whitespace around the value, a
/// cut, an error, a rewrite, a long object with escaped keys) it says no and the scanner, the reference,
/// decides. The `partial_json` and `fast_paths` fuzz targets and the tool-input tests hold the two to the
/// same result.
pub(crate) mod whole {
    use super::{is_ws, MAX_DEPTH};
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
                if self.string()? || self.keys.len() - from >= super::LIST_KEYS {
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
}

/// An open object or array.
#[derive(Debug, Clone)]
struct Frame {
    object: bool,
    /// Where the last complete member ends (just after the opening bracket while there is none).
    kept: usize,
    /// Where this object's keys start in [`Scanner::keys`].
    keys_from: usize,
    /// The decoded keys of an object with many, to see a repeated key in constant time.
    key_set: Option<HashSet<String>>,
}

/// A key of an open object: the span of its body in the text, and whether it holds an escape.
#[derive(Debug, Clone, Copy)]
struct Key {
    start: usize,
    end: usize,
    escaped: bool,
}

impl Key {
    /// The key's text, decoded (without a copy when it has no escape).
    fn name(self, text: &str) -> std::borrow::Cow<'_, str> {
        let body = &text[self.start..self.end];
        if !self.escaped {
            return std::borrow::Cow::Borrowed(body);
        }
        let mut name = String::with_capacity(body.len());
        json_text::decode_body(body, &mut name);
        std::borrow::Cow::Owned(name)
    }
}

/// Objects with at most this many keys look for a repeated key in a list; larger ones use a set.
const LIST_KEYS: usize = 16;

/// Records `key` for the innermost object; says whether the object already had it.
fn repeated(frame: &mut Frame, keys: &mut Vec<Key>, key: Key, text: &str) -> bool {
    if let Some(set) = &mut frame.key_set {
        return !set.insert(key.name(text).into_owned());
    }
    let bytes = text.as_bytes();
    let raw = &bytes[key.start..key.end];
    let seen = keys[frame.keys_from..].iter().any(|k| {
        if !k.escaped && !key.escaped {
            k.end - k.start == raw.len() && &bytes[k.start..k.end] == raw
        } else {
            k.name(text) == key.name(text)
        }
    });
    if seen {
        return true;
    }
    keys.push(key);
    if keys.len() - frame.keys_from > LIST_KEYS {
        frame.key_set = Some(keys.drain(frame.keys_from..).map(|k| k.name(text).into_owned()).collect());
    }
    false
}

/// Progress inside an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    /// Inside `\u`: how many hex digits so far and their value.
    Hex(u8, u32),
}

/// Where a number's text has got to, following the JSON grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What the scanner expects next.
#[derive(Debug, Clone, Copy)]
enum State {
    /// A value (top level, after `:`, after `,` in an array).
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
    /// Inside a string that opened at `start`. `complete` is where its complete text ends (before an escape
    /// under way or a high surrogate still waiting for its pair); `high` is set right after a high surrogate.
    Str { start: usize, key: bool, escaped: bool, escape: Escape, complete: usize, high: bool },
    /// Inside a number that began at `start`.
    Num { start: usize, part: NumPart },
    /// Inside `true`, `false` or `null`.
    Lit { word: &'static [u8], matched: usize },
    /// The top-level value is complete, or a container stopped early: the rest is ignored. The text kept
    /// ends at `end`.
    Done { end: usize },
}

/// The incremental scanner over a text that only grows (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    mode: PartialMode,
    state: State,
    frames: Vec<Frame>,
    /// The closing bracket of each open container, innermost last.
    closers: Vec<u8>,
    /// The keys of the open objects, outermost first (each frame knows where its own start).
    keys: Vec<Key>,
    /// Where the top-level value starts (its first byte), once seen.
    start: Option<usize>,
    /// How far the text has been scanned.
    pos: usize,
    /// A repeated key or an integer `-0` was seen: the kept text must be rewritten.
    rewrite: bool,
    error: Option<PartialJsonError>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new(PartialMode::default())
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Scanner {
    pub(crate) fn new(mode: PartialMode) -> Self {
        Scanner {
            mode,
            state: State::Value { after_comma: false },
            frames: Vec::new(),
            closers: Vec::new(),
            keys: Vec::new(),
            start: None,
            pos: 0,
            rewrite: false,
            error: None,
        }
    }

    /// Scans what `text` has beyond what was scanned before (`text` must extend the earlier text).
    pub(crate) fn advance(&mut self, text: &str) {
        let bytes = text.as_bytes();
        if self.error.is_none() && !matches!(self.state, State::Done { .. }) {
            let mut i = self.pos;
            while i < bytes.len() {
                match self.step(text, i) {
                    Ok(next) => i = next,
                    Err((offset, reason)) => {
                        self.error = Some(PartialJsonError { offset, reason });
                        break;
                    }
                }
            }
        }
        self.pos = bytes.len();
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.error.is_none()
            && self.frames.is_empty()
            && match self.state {
                State::Done { .. } => true,
                State::Num { part, .. } => part.complete(),
                _ => false,
            }
    }

    /// A complete value ends at `end`.
    fn complete(&mut self, end: usize) {
        match self.frames.last_mut() {
            Some(frame) => {
                frame.kept = end;
                self.state = State::After;
            }
            None => self.state = State::Done { end },
        }
    }

    fn open(&mut self, object: bool, at: usize) -> Result<(), (usize, &'static str)> {
        if self.frames.len() >= MAX_DEPTH {
            return Err((at, "nesting deeper than the limit of 100"));
        }
        self.frames.push(Frame { object, kept: at + 1, keys_from: self.keys.len(), key_set: None });
        self.closers.push(if object { b'}' } else { b']' });
        self.state = if object { State::ObjectFirst } else { State::ArrayFirst };
        Ok(())
    }

    fn close(&mut self, at: usize) {
        if let Some(frame) = self.frames.pop() {
            self.keys.truncate(frame.keys_from);
        }
        self.closers.pop();
        self.complete(at + 1);
    }

    /// Reads from `text[i]` on; returns where to go on.
    fn step(&mut self, text: &str, mut i: usize) -> Result<usize, (usize, &'static str)> {
        let bytes = text.as_bytes();
        // Whitespace between tokens, in every state that is not inside a token.
        if matches!(
            self.state,
            State::Value { .. } | State::ArrayFirst | State::ObjectFirst | State::Key | State::Colon | State::After
        ) {
            while i < bytes.len() && is_ws(bytes[i]) {
                i += 1;
            }
            if i == bytes.len() {
                return Ok(i);
            }
        }
        match self.state {
            State::Done { .. } => Ok(bytes.len()),
            State::ArrayFirst if bytes[i] == b']' => {
                self.close(i);
                Ok(i + 1)
            }
            State::Value { .. } | State::ArrayFirst => {
                let b = bytes[i];
                if b == b']' && matches!(self.state, State::Value { after_comma: true }) {
                    return Err((i, "trailing comma in array"));
                }
                self.start.get_or_insert(i);
                match b {
                    b'{' => self.open(true, i)?,
                    b'[' => self.open(false, i)?,
                    b'"' => self.open_string(i, false),
                    b't' => self.state = State::Lit { word: b"true", matched: 1 },
                    b'f' => self.state = State::Lit { word: b"false", matched: 1 },
                    b'n' => self.state = State::Lit { word: b"null", matched: 1 },
                    b'-' => self.state = State::Num { start: i, part: NumPart::Sign },
                    b'0' => self.state = State::Num { start: i, part: NumPart::Zero },
                    b'1'..=b'9' => self.state = State::Num { start: i, part: NumPart::Int },
                    _ => return Err((i, "expected a JSON value")),
                }
                if let State::Lit { .. } = self.state {
                    return self.literal(bytes, i + 1);
                }
                if let State::Num { .. } = self.state {
                    return self.number(text, i + 1);
                }
                if let State::Str { .. } = self.state {
                    return self.string(text, i + 1);
                }
                Ok(i + 1)
            }
            State::ObjectFirst | State::Key => match bytes[i] {
                b'}' if matches!(self.state, State::ObjectFirst) => {
                    self.close(i);
                    Ok(i + 1)
                }
                b'}' => Err((i, "trailing comma in object")),
                b'"' => {
                    self.open_string(i, true);
                    self.string(text, i + 1)
                }
                _ => Err((i, "object key must be a string")),
            },
            State::Colon => match bytes[i] {
                b':' => {
                    self.state = State::Value { after_comma: false };
                    Ok(i + 1)
                }
                _ => Err((i, "expected `:` after an object key")),
            },
            State::After => {
                let object = self.frames.last().is_some_and(|f| f.object);
                match bytes[i] {
                    b',' => self.state = if object { State::Key } else { State::Value { after_comma: true } },
                    b'}' if object => self.close(i),
                    b']' if !object => self.close(i),
                    // Anything else where `,` or the closing bracket belongs: the parse stops here.
                    _ => self.state = State::Done { end: self.frames.last().map_or(i, |f| f.kept) },
                }
                Ok(i + 1)
            }
            State::Str { .. } => self.string(text, i),
            State::Num { .. } => self.number(text, i),
            State::Lit { .. } => self.literal(bytes, i),
        }
    }

    fn open_string(&mut self, at: usize, key: bool) {
        self.state = State::Str { start: at, key, escaped: false, escape: Escape::None, complete: at + 1, high: false };
    }

    fn literal(&mut self, bytes: &[u8], mut i: usize) -> Result<usize, (usize, &'static str)> {
        let State::Lit { word, mut matched } = self.state else { return Ok(i) };
        while i < bytes.len() && matched < word.len() {
            if bytes[i] != word[matched] {
                return Err((i, "invalid literal"));
            }
            matched += 1;
            i += 1;
        }
        if matched == word.len() {
            self.complete(i);
        } else {
            self.state = State::Lit { word, matched };
        }
        Ok(i)
    }

    fn number(&mut self, text: &str, mut i: usize) -> Result<usize, (usize, &'static str)> {
        let State::Num { start, mut part } = self.state else { return Ok(i) };
        let bytes = text.as_bytes();
        while i < bytes.len() {
            let b = bytes[i];
            if part == NumPart::Zero && b.is_ascii_digit() {
                return Err((i, "invalid number: leading zero"));
            }
            match part.next(b) {
                Some(next) => part = next,
                None if part.complete() => {
                    if &text[start..i] == "-0" {
                        self.rewrite = true;
                    }
                    self.complete(i);
                    return Ok(i);
                }
                None => return Err((i, "invalid number")),
            }
            i += 1;
        }
        self.state = State::Num { start, part };
        Ok(i)
    }

    /// Reads string text from `text[i]` on: plain runs at a time, escapes byte by byte (they may be cut
    /// between pieces), surrogate pairs checked as they complete.
    fn string(&mut self, text: &str, mut i: usize) -> Result<usize, (usize, &'static str)> {
        let State::Str { start, key, mut escaped, mut escape, mut complete, mut high } = self.state else {
            return Ok(i);
        };
        let bytes = text.as_bytes();
        while i < bytes.len() {
            match escape {
                Escape::None => {
                    let run = json_text::plain_len(&bytes[i..]);
                    if run > 0 {
                        if high {
                            return Err((i, "lone surrogate in string"));
                        }
                        i += run;
                        complete = i;
                        continue;
                    }
                    match bytes[i] {
                        b'"' => {
                            if high {
                                return Err((i, "lone surrogate in string"));
                            }
                            self.end_string(text, start, i, key, escaped)?;
                            return Ok(i + 1);
                        }
                        b'\\' => {
                            escaped = true;
                            escape = Escape::Backslash;
                        }
                        _ => return Err((i, "control character in string")),
                    }
                }
                Escape::Backslash => {
                    escape = match bytes[i] {
                        b'u' => Escape::Hex(0, 0),
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' if !high => {
                            complete = i + 1;
                            Escape::None
                        }
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                            return Err((i, "lone surrogate in string"))
                        }
                        _ => return Err((i, "invalid escape in string")),
                    };
                }
                Escape::Hex(n, value) => {
                    let Some(digit) = (bytes[i] as char).to_digit(16) else {
                        return Err((i, "invalid \\u escape in string"));
                    };
                    let value = value * 16 + digit;
                    if n < 3 {
                        escape = Escape::Hex(n + 1, value);
                    } else {
                        escape = Escape::None;
                        let is_high = (0xD800..0xDC00).contains(&value);
                        let is_low = (0xDC00..0xE000).contains(&value);
                        if (high && !is_low) || (!high && is_low) {
                            return Err((i, "lone surrogate in string"));
                        }
                        high = is_high;
                        if !is_high {
                            complete = i + 1;
                        }
                    }
                }
            }
            i += 1;
        }
        self.state = State::Str { start, key, escaped, escape, complete, high };
        Ok(i)
    }

    fn end_string(
        &mut self,
        text: &str,
        start: usize,
        quote: usize,
        key: bool,
        escaped: bool,
    ) -> Result<(), (usize, &'static str)> {
        if !key {
            self.complete(quote + 1);
            return Ok(());
        }
        // The escapes were checked as the string was read.
        let key = Key { start: start + 1, end: quote, escaped };
        if let Some(frame) = self.frames.last_mut() {
            self.rewrite |= repeated(frame, &mut self.keys, key, text);
        }
        self.state = State::Colon;
        Ok(())
    }

    /// What the text scanned so far reads as.
    pub(crate) fn view<'a>(&'a self, text: &'a str) -> Result<ToolInputView<'a>, PartialJsonError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let start = self.start.unwrap_or(0);
        let mut quote = false;
        let mut rewrite = self.rewrite;
        let end = match self.state {
            State::Done { end } => end,
            State::Num { start: number, part } if part.complete() => {
                rewrite |= &text[number..] == "-0";
                text.len()
            }
            State::Str { key: false, complete, .. } if self.mode == PartialMode::TrailingStrings => {
                quote = true;
                complete
            }
            _ => match self.frames.last() {
                Some(frame) => frame.kept,
                None => {
                    return Err(PartialJsonError {
                        offset: text.len(),
                        reason: if self.start.is_some() {
                            "the JSON value is cut off"
                        } else {
                            "no JSON value, only whitespace"
                        },
                    })
                }
            },
        };
        let closers: &[u8] = match self.state {
            // A value that completed at the top level has nothing left open.
            State::Done { .. } if self.frames.is_empty() => &[],
            _ => &self.closers,
        };
        Ok(ToolInputView::new(&text[start..end], quote, closers, rewrite))
    }
}

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
