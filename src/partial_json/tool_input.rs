//! The types of [`crate::model::tool_input`], next to the reader that makes them (so that the model imports
//! this module and not the other way round), and the deserializer of exact numbers that reads them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{PartialJsonError, RepeatsView, normalize, read_whole};
use crate::text as json_text;

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
/// // Serialized, it is the text as written: the key order and every digit kept.
/// assert_eq!(serde_json::to_string(&input).unwrap(), r#"{"id": 123456789012345678901234567890, "price": 0.09158478740507359, "items": ["a"]}"#);
/// ```
///
/// * [`as_str`](Self::as_str) gives the text; serializing writes it verbatim (through `serde_json`).
/// * [`deserialize`](Self::deserialize) reads it into your type: integers exact up to `u128`/`i128`, floats
///   correctly rounded, a number beyond `f64` (`1e400`) infinite rather than an error.
/// * [`to_value`](Self::to_value) gives a `serde_json::Value`, with that type's losses: keys sorted, integers
///   beyond 64 bits rounded to `f64`, infinite numbers `null`.
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
    /// Writes the text verbatim through `serde_json` (as a `RawValue`); other serializers see `serde_json`'s
    /// `RawValue` form.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(&self.json).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
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

type DeResult<T> = std::result::Result<T, serde_json::Error>;

/// Reads JSON text that the scanner accepted, followed by `tail` (the closing quote and brackets that
/// complete a cut-off input), with exact numbers.
struct Deserializer<'de> {
    text: &'de str,
    tail: Vec<u8>,
    pos: usize,
}

impl<'de> Deserializer<'de> {
    fn new(text: &'de str, tail: Vec<u8>) -> Self {
        Deserializer { text, tail, pos: 0 }
    }

    fn byte(&self, i: usize) -> Option<u8> {
        match self.text.as_bytes().get(i) {
            Some(&b) => Some(b),
            None => self.tail.get(i - self.text.len()).copied(),
        }
    }

    /// The next byte after whitespace.
    fn peek(&mut self) -> Option<u8> {
        while self.byte(self.pos).is_some_and(json_text::is_json_ws) {
            self.pos += 1;
        }
        self.byte(self.pos)
    }

    fn error(&self, what: &str) -> serde_json::Error {
        de::Error::custom(format_args!("{what} at byte {}", self.pos))
    }

    fn expect(&mut self, b: u8, what: &str) -> DeResult<()> {
        if self.peek() != Some(b) {
            return Err(self.error(what));
        }
        self.pos += 1;
        Ok(())
    }

    /// The string whose opening quote is next.
    fn string(&mut self) -> DeResult<Cow<'de, str>> {
        self.expect(b'"', "expected a string")?;
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start;
        let mut escaped = false;
        let end = loop {
            i += json_text::plain_len(&bytes[i..]);
            match bytes.get(i) {
                // The text ends inside the string: its closing quote is the first byte of the tail.
                None => break i,
                Some(b'"') => break i,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        };
        self.pos = end + 1;
        let body = &self.text[start..end.min(self.text.len())];
        if !escaped {
            return Ok(Cow::Borrowed(body));
        }
        let mut out = String::with_capacity(body.len());
        json_text::decode_body(body, &mut out).ok_or_else(|| self.error("invalid escape in string"))?;
        Ok(Cow::Owned(out))
    }

    /// The number token that starts here.
    fn number(&mut self) -> &'de str {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        while self.pos < bytes.len() && matches!(bytes[self.pos], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn literal(&mut self, word: &str) -> DeResult<()> {
        if self.text.get(self.pos..self.pos + word.len()) != Some(word) {
            return Err(self.error("invalid literal"));
        }
        self.pos += word.len();
        Ok(())
    }

    fn visit_number<V: Visitor<'de>>(token: &str, visitor: V) -> DeResult<V::Value> {
        let integer = !token.contains(['.', 'e', 'E']);
        if integer {
            if token == "-0" {
                return visitor.visit_u64(0);
            }
            if let Ok(n) = token.parse::<u64>() {
                return visitor.visit_u64(n);
            }
            if let Ok(n) = token.parse::<i64>() {
                return visitor.visit_i64(n);
            }
        }
        // Correctly rounded (the standard library's parse), infinite beyond f64's range.
        visitor.visit_f64(token.parse::<f64>().map_err(de::Error::custom)?)
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        match self.peek() {
            Some(b'n') => {
                self.literal("null")?;
                visitor.visit_unit()
            }
            Some(b't') => {
                self.literal("true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.literal("false")?;
                visitor.visit_bool(false)
            }
            Some(b'"') => match self.string()? {
                Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                Cow::Owned(s) => visitor.visit_string(s),
            },
            Some(b'[') => {
                self.pos += 1;
                let value = visitor.visit_seq(Elements { de: self, first: true })?;
                self.expect(b']', "expected `]` (more items than the type takes)")?;
                Ok(value)
            }
            Some(b'{') => {
                self.pos += 1;
                let value = visitor.visit_map(Elements { de: self, first: true })?;
                self.expect(b'}', "expected `}`")?;
                Ok(value)
            }
            Some(b'-' | b'0'..=b'9') => {
                let token = self.number();
                Deserializer::visit_number(token, visitor)
            }
            _ => Err(self.error("expected a JSON value")),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if let Some(b'0'..=b'9') = self.peek() {
            let token = self.number();
            if let Ok(n) = token.parse::<u128>() {
                return visitor.visit_u128(n);
            }
            return Deserializer::visit_number(token, visitor);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if let Some(b'-' | b'0'..=b'9') = self.peek() {
            let token = self.number();
            if let Ok(n) = token.parse::<i128>() {
                return visitor.visit_i128(n);
            }
            return Deserializer::visit_number(token, visitor);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if let Some(b'-' | b'0'..=b'9') = self.peek() {
            let token = self.number();
            let token = if token == "-0" { "0" } else { token };
            return visitor.visit_f64(token.parse::<f64>().map_err(de::Error::custom)?);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if let Some(b'-' | b'0'..=b'9') = self.peek() {
            let token = self.number();
            let token = if token == "-0" { "0" } else { token };
            return visitor.visit_f32(token.parse::<f32>().map_err(de::Error::custom)?);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> DeResult<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> DeResult<V::Value> {
        match self.peek() {
            Some(b'"') => visitor.visit_enum(self.string()?.into_owned().into_deserializer()),
            Some(b'{') => {
                self.pos += 1;
                let value = visitor.visit_enum(Variant { de: self })?;
                self.expect(b'}', "expected `}` after the enum's one key")?;
                Ok(value)
            }
            _ => Err(self.error("expected a string or an object of one key for an enum")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// The items of an array or the members of an object.
struct Elements<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl Elements<'_, '_> {
    /// Whether another item follows (reading the comma before it); `close` ends the container.
    fn more(&mut self, close: u8) -> DeResult<bool> {
        match self.de.peek() {
            Some(b) if b == close => Ok(false),
            Some(b',') if !self.first => {
                self.de.pos += 1;
                Ok(true)
            }
            _ if self.first => {
                self.first = false;
                Ok(true)
            }
            _ => Err(self.de.error("expected `,`")),
        }
    }
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> DeResult<Option<T::Value>> {
        if !self.more(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl<'de> de::MapAccess<'de> for Elements<'_, 'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DeResult<Option<K::Value>> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        match self.de.string()? {
            Cow::Borrowed(key) => seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some),
            Cow::Owned(key) => seed.deserialize(key.into_deserializer()).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> DeResult<V::Value> {
        self.de.expect(b':', "expected `:`")?;
        seed.deserialize(&mut *self.de)
    }
}

/// An enum written as an object of one key: the variant's name, then its content.
struct Variant<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = serde_json::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> DeResult<(S::Value, Self)> {
        let name = self.de.string()?.into_owned();
        let variant = seed.deserialize(name.into_deserializer())?;
        self.de.expect(b':', "expected `:`")?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> DeResult<()> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> DeResult<T::Value> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> DeResult<V::Value> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> DeResult<V::Value> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}
