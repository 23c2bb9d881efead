//! The incremental scanner, the reference reading of tool input: it reads each piece once as it arrives,
//! keeps where the complete prefix ends and what closes it, and says whether the text must be rewritten.

use super::hashing::{KeyHashes, LIST_KEYS};
use super::reading::{MAX_DEPTH, PartialJsonError, PartialMode};
use super::repeats::Repeats;
use super::tool_input::ToolInputView;
use crate::text::{self as json_text, is_json_ws};

/// An open object or array.
#[derive(Debug, Clone)]
struct Frame {
    object: bool,
    /// Where the container's opening bracket is.
    start: usize,
    /// A repeated key was seen in this object (its start is in [`Scanner::repeats`]).
    flagged: bool,
    /// Where the last complete member ends (just after the opening bracket while there is none).
    kept: usize,
    /// Where this object's keys start in [`Scanner::keys`].
    keys_from: usize,
    /// The hashes of the decoded keys of an object with many, to see a repeated key in constant time (a
    /// match only asks for the rewrite, which compares the names themselves).
    key_set: Option<KeyHashes>,
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

/// Records `key` for the innermost object; says whether the object already had it.
fn repeated(frame: &mut Frame, keys: &mut Vec<Key>, key: Key, text: &str) -> bool {
    if let Some(set) = &mut frame.key_set {
        return !set.insert(key.name(text).as_bytes());
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
        let mut set = KeyHashes::default();
        let mut repeated = false;
        for k in keys.drain(frame.keys_from..) {
            repeated |= !set.insert(k.name(text).as_bytes());
        }
        frame.key_set = Some(set);
        return repeated;
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
    pub(super) pos: usize,
    /// A repeated key or an integer `-0` was seen: the kept text must be rewritten.
    rewrite: bool,
    /// Where the objects that may hold a repeated key start, in order: the rewrite looks for the repeated
    /// names only in these.
    repeats: Repeats,
    error: Option<PartialJsonError>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new(PartialMode::default())
    }
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
            repeats: Repeats::default(),
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
        self.frames.push(Frame {
            object,
            start: at,
            flagged: false,
            kept: at + 1,
            keys_from: self.keys.len(),
            key_set: None,
        });
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
            while i < bytes.len() && is_json_ws(bytes[i]) {
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
                    // Not JSON, but the SDK's reader takes them (as Python's `json` does).
                    b'N' => self.state = State::Lit { word: b"NaN", matched: 1 },
                    b'I' => self.state = State::Lit { word: b"Infinity", matched: 1 },
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
            if part == NumPart::Sign && b == b'I' {
                self.state = State::Lit { word: b"-Infinity", matched: 1 };
                return self.literal(text.as_bytes(), i);
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
                            return Err((i, "lone surrogate in string"));
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
            if repeated(frame, &mut self.keys, key, text) {
                self.rewrite = true;
                if !frame.flagged {
                    frame.flagged = true;
                    self.repeats.insert(frame.start);
                }
            }
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
                    });
                }
            },
        };
        let closers: &[u8] = match self.state {
            // A value that completed at the top level has nothing left open.
            State::Done { .. } if self.frames.is_empty() => &[],
            _ => &self.closers,
        };
        Ok(ToolInputView::new(&text[start..end], quote, closers, rewrite, self.repeats.from(start)))
    }
}
