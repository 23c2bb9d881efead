//! The types of [`crate::model::tool_input`], next to the reader that makes them (so that the model imports
//! this module and not the other way round), and the deserializer of exact numbers that reads them.

use std::fmt;

use serde::de;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::exact::Deserializer;
use super::normalize::normalize;
use super::reading::PartialJsonError;
use super::repeats::RepeatsView;

/// The input of a `tool_use`, `server_tool_use` or `mcp_tool_use` block: complete JSON text, exactly as the
/// model wrote it where the SDK reads it the same way.
///
/// The Python SDK reads tool input with `jiter`: integers of any size stay exact, floats are correctly
/// rounded, `1.0` stays a float, keys keep the model's order. A `serde_json::Value` (without crate features
/// that would change `serde_json` for a whole build) cannot hold that: its maps are sorted, its integers stop
/// at 64 bits, and its float parsing can be one unit in the last place off. So the input is kept as the text
/// the model wrote, completed and normalized as the SDK reads it,
/// and read into the caller's own types by a deserializer of this crate that parses numbers exactly.
///
/// ```
/// use anthropic_sse::ToolInput;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Order { id: u128, price: f64, items: Vec<String> }
///
/// let input = ToolInput::from_json(r#"{"id": 123456789012345678901234567890, "price": 0.09158478740507359, "items": ["a"]}"#).unwrap();
/// let order: Order = input.deserialize().unwrap();
/// assert_eq!(order.id, 123456789012345678901234567890);
/// assert_eq!(order.price, 0.09158478740507359);
/// assert_eq!(order.items, ["a"]);
/// // Serialized, it is the text as written, on one line: the key order and every digit kept.
/// assert_eq!(serde_json::to_string(&input).unwrap(), r#"{"id":123456789012345678901234567890,"price":0.09158478740507359,"items":["a"]}"#);
/// ```
///
/// * [`as_str`](Self::as_str) gives the text; serializing writes it as standard JSON on one line (through
///   `serde_json`): the whitespace between tokens dropped and nothing else changed, but for `NaN`, `Infinity`
///   and `-Infinity`, which the SDK's reader takes and are kept in the text, written `null` (as `serde_json`
///   writes an `f64` NaN).
/// * [`deserialize`](Self::deserialize) reads it into your type: integers exact up to `u128`/`i128`, floats
///   correctly rounded, a number beyond `f64` (`1e400`) infinite rather than an error, `NaN` and `Infinity`
///   the non-finite floats.
/// * [`to_value`](Self::to_value) gives a `serde_json::Value`, with that type's losses: keys sorted, integers
///   beyond 64 bits rounded to `f64`, a non-finite number (`NaN`, `1e400`) `null`; `null` for the whole input when an object's first
///   key is `$serde_json::private::RawValue`, which `serde_json` reserves (its own reader fails there too).
/// * [`error`](Self::error) says whether the streamed text was not JSON at all; the text is then the
///   block's input from `content_block_start`, and the error keeps the raw text.
///
/// Two inputs are equal when their text and validity are; `{"a":1}` and `{"a": 1}` are not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInput {
    json: String,
    invalid: Option<Box<ToolInputError>>,
}

/// A tool call whose input is not JSON (not even cut-off JSON). The rest of the stream was still read and
/// applied: the error's partial message is the complete message (or, when the stream also broke, the error is
/// that one instead, with the block marked the same way). The block keeps the input of its
/// `content_block_start`, marked by [`ToolInput::error`], which holds this error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInputError {
    index: usize,
    name: String,
    raw: String,
    source: PartialJsonError,
}

impl ToolInputError {
    /// The index of the content block.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw input text as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Where and why parsing failed.
    pub fn parse_error(&self) -> &PartialJsonError {
        &self.source
    }
}

impl fmt::Display for ToolInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the input of the tool call `{}` in content block {} is not valid JSON: {} (raw input: {:?}); the rest \
             of the message was read",
            self.name,
            self.index,
            self.source,
            crate::text::excerpt(&self.raw)
        )
    }
}

impl std::error::Error for ToolInputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl ToolInputError {
    pub(crate) fn new(index: usize, name: String, raw: String, source: PartialJsonError) -> Self {
        ToolInputError { index, name, raw, source }
    }
}

impl Default for ToolInput {
    /// `{}`, the input a tool call starts with.
    fn default() -> Self {
        ToolInput::from_checked("{}".to_owned())
    }
}

impl ToolInput {
    /// The JSON text, taken out.
    pub(crate) fn into_json(self) -> String {
        self.json
    }

    /// Text the scanner accepted as it is.
    pub(crate) fn from_checked(json: String) -> ToolInput {
        ToolInput { json, invalid: None }
    }

    /// The input as JSON text.
    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// Reads the input into `T`, with exact numbers (see the [type documentation](Self)).
    pub fn deserialize<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        T::deserialize(&mut Deserializer::new(&self.json, Vec::new()))
    }

    /// The input as a `serde_json::Value`, with that type's losses (see the [type documentation](Self)).
    pub fn to_value(&self) -> Value {
        self.deserialize().unwrap_or(Value::Null)
    }

    /// Set when the streamed text was not JSON: the block, the tool, the raw text and where it broke (the
    /// input is then the block's input from `content_block_start`).
    pub fn error(&self) -> Option<&ToolInputError> {
        self.invalid.as_deref()
    }

    pub(crate) fn mark_invalid(&mut self, error: ToolInputError) {
        self.invalid = Some(Box::new(error));
    }
}

impl fmt::Display for ToolInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json)
    }
}

impl From<&Value> for ToolInput {
    /// The value's JSON text (a `Value`'s keys are already sorted: build from text to keep an order).
    fn from(value: &Value) -> Self {
        ToolInput::from_checked(value.to_string())
    }
}

impl Serialize for ToolInput {
    /// Writes the text as standard JSON on one line (see the [type documentation](Self)) through
    /// `serde_json` (as a `RawValue`); other serializers see `serde_json`'s `RawValue` form.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::text::serialize_json_text(&self.json, serializer)
    }
}

impl<'de> Deserialize<'de> for ToolInput {
    /// Exact when read from JSON text by `serde_json`; from a `serde_json::Value` it has the value's order.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        ToolInput::from_json(raw.get()).map_err(de::Error::custom)
    }
}

/// The input of a streaming tool call so far, as the SDK's `input_json` snapshot holds it: a view of the
/// text received (no copy), completed by the partial rules. Asking for one after every delta costs time
/// linear in the whole input.
#[derive(Debug, Clone, Copy)]
pub struct ToolInputView<'a> {
    text: &'a str,
    quote: bool,
    closers: &'a [u8],
    rewrite: bool,
    /// The objects in which the rewrite looks for repeated keys.
    repeats: RepeatsView<'a>,
}

impl<'a> ToolInputView<'a> {
    pub(crate) fn new(text: &'a str, quote: bool, closers: &'a [u8], rewrite: bool, repeats: RepeatsView<'a>) -> Self {
        ToolInputView { text, quote, closers, rewrite, repeats }
    }

    pub(crate) fn of(input: &'a ToolInput) -> Self {
        ToolInputView { text: &input.json, quote: false, closers: &[], rewrite: false, repeats: Default::default() }
    }

    /// Whether the view is all of `whole`, unchanged.
    pub(crate) fn is_whole(&self, whole: &str) -> bool {
        !self.quote && self.closers.is_empty() && !self.rewrite && self.text.len() == whole.len()
    }

    /// The text received that the input keeps, as it arrived (before the closing quote and brackets).
    pub fn received(&self) -> &'a str {
        self.text
    }

    pub(crate) fn tail(&self) -> Vec<u8> {
        let mut tail = Vec::with_capacity(self.closers.len() + 1);
        if self.quote {
            tail.push(b'"');
        }
        tail.extend(self.closers.iter().rev());
        tail
    }

    /// The input so far as a [`ToolInput`] (a copy of the text).
    pub fn to_tool_input(&self) -> ToolInput {
        if self.rewrite {
            return ToolInput::from_checked(normalize(self.text, &self.tail(), self.repeats));
        }
        let mut json = String::with_capacity(self.text.len() + self.closers.len() + 1);
        json.push_str(self.text);
        json.extend(self.tail().into_iter().map(char::from));
        ToolInput::from_checked(json)
    }

    /// Reads the input so far into `T`, as [`ToolInput::deserialize`] does.
    pub fn deserialize<T: de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        if self.rewrite {
            return self.to_tool_input().deserialize();
        }
        T::deserialize(&mut Deserializer::new(self.text, self.tail()))
    }

    /// The input so far as a `serde_json::Value` (see [`ToolInput::to_value`]).
    pub fn to_value(&self) -> Value {
        self.deserialize().unwrap_or(Value::Null)
    }
}

impl fmt::Display for ToolInputView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rewrite {
            return f.write_str(self.to_tool_input().as_str());
        }
        f.write_str(self.text)?;
        for b in self.tail() {
            fmt::Write::write_char(f, char::from(b))?;
        }
        Ok(())
    }
}

impl PartialEq for ToolInputView<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}
