//! Reading tool input, whole or piece by piece: [`parse`], [`PartialJsonParser`], and
//! [`ToolInput::from_json`] for complete text.

use super::plain;
use super::reading::{PartialJsonError, PartialMode};
use super::scanner::Scanner;
use super::tool_input::{ToolInput, ToolInputView};

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
    if let Some(arrived) = crate::text::non_finite::restore_non_finite(text) {
        return read_whole(&arrived);
    }
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

impl ToolInput {
    /// Reads complete JSON text as the SDK does (a repeated key keeps its first place with the last value;
    /// `-0` is the integer 0). Text that is cut off or not JSON is an error.
    ///
    /// ```
    /// use anthropic_sse::ToolInput;
    /// assert_eq!(ToolInput::from_json(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap().as_str(), r#"{"b":3,"a":2}"#);
    /// assert!(ToolInput::from_json(r#"{"b": 1"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<ToolInput, PartialJsonError> {
        read_whole(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
