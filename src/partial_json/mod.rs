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

mod normalize;
pub(crate) mod plain;
mod scanner;
pub(crate) mod tool_input;

use std::fmt;

pub(crate) use normalize::normalize;
pub(crate) use scanner::RepeatsView;
use scanner::Scanner;

use tool_input::{ToolInput, ToolInputView};

/// The names of an object with many keys, as a set of their hashes (keyed at random, so that no input can
/// be built to collide): eight bytes a key and the set's spare room, where a set of the names themselves
/// costs an allocation each. What a hash's match means is each reader's business: the scanner has the text
/// rewritten, the rewrite compares the names themselves.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyHashes {
    hashes: HashSet64,
    state: std::hash::RandomState,
}

impl KeyHashes {
    /// Records `name`; `false` when a name with its hash was recorded before.
    pub(crate) fn insert(&mut self, name: &[u8]) -> bool {
        use std::hash::BuildHasher;
        self.hashes.insert(self.state.hash_one(name))
    }
}

/// A set of hashes keyed at random that grows in parts. Below [`HashSet64::SPLIT_AT`] hashes it is one set,
/// which holds its old and new tables while it grows (for that moment, up to about 31 bytes a hash, under a
/// megabyte in all). Once that set is full past that size it stops growing: later hashes go to
/// [`HashSet64::PARTS`] sets, by six bits of the hash that no set uses for itself, each growing on its own, one
/// at a time. Nothing is copied at the change, and the whole costs at most about 21 bytes a hash (every part
/// just grown, at 16 bytes a slot for nine bytes a hash).
#[derive(Debug, Clone, Default)]
pub(crate) struct HashSet64 {
    one: std::collections::HashSet<u64, Prehashed>,
    parts: Vec<std::collections::HashSet<u64, Prehashed>>,
}

impl HashSet64 {
    const SPLIT_AT: usize = 1 << 14;
    const PARTS: usize = 64;

    /// Records `hash`; `false` when it was recorded before.
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        if self.parts.is_empty() {
            // Not yet full past the size: the one set takes it (and may grow).
            if self.one.len() < Self::SPLIT_AT || self.one.len() < self.one.capacity() {
                return self.one.insert(hash);
            }
            self.parts = (0..Self::PARTS).map(|_| std::collections::HashSet::with_hasher(Prehashed)).collect();
        }
        if self.one.contains(&hash) {
            return false;
        }
        let part = Self::part(hash);
        self.parts[part].insert(hash)
    }

    /// The part of `hash`: bits the sets leave alone (they take a bucket from the lowest bits and a tag from
    /// the highest seven).
    fn part(hash: u64) -> usize {
        (hash >> 40) as usize % Self::PARTS
    }
}

/// Hashing for sets and maps whose keys are already hashes keyed at random: the key is its own hash, not
/// hashed a second time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prehashed;

/// The hasher of [`Prehashed`].
#[derive(Debug, Default)]
pub(crate) struct PrehashedHasher(u64);

impl std::hash::BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

impl std::hash::Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
    /// Only `u64`s are hashed here; anything else is folded in all the same rather than refused.
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

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

/// Reads complete or cut-off JSON in the default mode.
///
/// ```
/// use anthropic_sse::__private::parse;
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
/// use anthropic_sse::__private::PartialJsonParser;
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

/// Complete JSON text read as the SDK reads it (see [`ToolInput::from_json`]), without copying `text` into a
/// parser first: only what is kept is written.
pub(crate) fn read_whole(text: &str) -> Result<ToolInput, PartialJsonError> {
    if plain::is_plain_json(text) {
        return Ok(ToolInput::from_checked(text.to_owned()));
    }
    let mut scanner = Scanner::new(PartialMode::DropUnfinishedStrings);
    scanner.advance(text);
    if !scanner.is_complete() {
        scanner.view(text)?;
        return Err(PartialJsonError { offset: text.len(), reason: "the JSON value is cut off" });
    }
    let view = scanner.view(text)?;
    if view.is_whole(text) {
        return Ok(ToolInput::from_checked(text.to_owned()));
    }
    Ok(view.to_tool_input())
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
        // The text grew piece by piece: what it did not fill is handed back (in place for a big block) before
        // it becomes the input the message keeps.
        self.text.shrink_to_fit();
        if self.scanner.pos == 0 && plain::is_plain_json(&self.text) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The set in parts says what one set says: each hash new once, before and after the parts begin,
    /// whichever part a hash falls in.
    #[test]
    fn a_set_in_parts_finds_every_hash_again() {
        use std::hash::BuildHasher;
        let state = std::hash::RandomState::new();
        let hashes: Vec<u64> = (0..3 * HashSet64::SPLIT_AT as u64).map(|n| state.hash_one(n)).collect();
        let mut set = HashSet64::default();
        for (n, &hash) in hashes.iter().enumerate() {
            assert!(set.insert(hash), "hash {n} is new");
            if n % 97 == 0 {
                // Something recorded long ago, and something just recorded.
                assert!(!set.insert(hashes[n / 2]) && !set.insert(hash), "hash {n} was recorded");
            }
        }
        assert!(!set.parts.is_empty(), "the parts began");
        assert!(set.parts.iter().all(|part| !part.is_empty()), "every part took hashes");
        assert!(hashes.iter().all(|&hash| !set.insert(hash)), "every hash is found again");
        assert_eq!(set.one.len() + set.parts.iter().map(|part| part.len()).sum::<usize>(), hashes.len());
    }

    /// The fast reader says yes only where the scanner keeps the text as it is, and says it for the usual
    /// cases, here with keys around the eight bytes its key comparison reads at once, repeated keys that share
    /// those eight bytes or not, escapes at every offset of a string, and text that ends right after a key.
    #[test]
    fn fast_reader_agrees_with_the_scanner_on_keys_and_escapes() {
        let keys = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefgx", "abcdefghiX", "ba"];
        let mut texts = Vec::new();
        for a in keys {
            for b in keys {
                texts.push(format!(r#"{{"{a}":1,"{b}":2}}"#));
                texts.push(format!(r#"{{"{a}":{{"{b}":[{{"{a}":1}}],"{a}":0}},"{b}":2}}"#));
                texts.push(format!(r#"[{{"{a}":1}},{{"{b}":2,"{a}":3}}]"#));
                texts.push(format!(r#"{{"x":{{"{a}":1}},"{b}":2}}"#));
            }
        }
        let many: Vec<String> = (0..20).map(|k| format!(r#""key{k}":{k}"#)).collect();
        texts.push(format!("{{{}}}", many[..16].join(",")));
        texts.push(format!("{{{}}}", many[..17].join(",")));
        texts.push(format!("{{{},\"key3\":0}}", many[..15].join(",")));
        for escape in
            [r#"\""#, r"\\", r"\/", r"\n", r"\u00e9", r"\ud83d\ude00", r"\ud83d", r"\ude00", r"\x", r"\u12g4", "\u{1}"]
        {
            for at in 0..20 {
                let body = format!("{}{escape}{}", "é".repeat(at % 3) + &"a".repeat(at), "b".repeat(20 - at));
                texts.push(format!(r#"{{"k":"{body}","n":[-0.5,-0,0,1e5,-1E-2,01,1.,.5,true,false,null]}}"#));
                texts.push(format!(r#"["{body}",-0]"#));
                texts.push(format!(r#"["{body}"]"#));
                texts.push(format!(r#"{{"{body}":1}}"#));
            }
        }
        for number in ["0", "-0", "-0.0", "-0e1", "12", "012", "-", "1.", "1e", "1e+", "1E-7", "-12.5e+3", "2.50"] {
            texts.push(number.to_owned());
            texts.push(format!("[{number}]"));
            texts.push(format!(r#"{{"a": {number} }}"#));
        }
        for literal in ["true", "false", "null", "tru", "nul", "falsey", "[true ,false, null]"] {
            texts.push(literal.to_owned());
        }
        let mut yes = 0;
        for text in &texts {
            let verbatim = parse(text).is_ok_and(|input| input.as_str() == text.as_str());
            if plain::is_plain_json(text) {
                yes += 1;
                assert!(verbatim, "the fast reader accepts {text:?}, which the scanner does not keep as it is");
            } else if verbatim && !text.contains('\\') && !text.contains("-0") && text.len() < 60 {
                panic!("the fast reader leaves {text:?} to the scanner");
            }
        }
        assert!(yes > texts.len() / 3, "{yes} of {}", texts.len());
    }
}
