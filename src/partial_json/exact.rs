//! The exact deserializer of tool input: JSON text the scanner accepted read into the caller's types, with
//! integers exact up to 128 bits and floats correctly rounded.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::text as json_text;

type DeResult<T> = std::result::Result<T, serde_json::Error>;

/// Reads JSON text that the scanner accepted, followed by `tail` (the closing quote and brackets that
/// complete a cut-off input), with exact numbers.
pub(super) struct Deserializer<'de> {
    text: &'de str,
    tail: Vec<u8>,
    pos: usize,
}

impl<'de> Deserializer<'de> {
    pub(super) fn new(text: &'de str, tail: Vec<u8>) -> Self {
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

    /// Whether a number of the JSON grammar is next (`-Infinity` is read as a literal).
    fn number_next(&mut self) -> bool {
        match self.peek() {
            Some(b'0'..=b'9') => true,
            Some(b'-') => self.byte(self.pos + 1) != Some(b'I'),
            _ => false,
        }
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
            // The non-finite numbers the SDK's reader takes (the scanner accepted them).
            Some(b'N') => {
                self.literal("NaN")?;
                visitor.visit_f64(f64::NAN)
            }
            Some(b'I') => {
                self.literal("Infinity")?;
                visitor.visit_f64(f64::INFINITY)
            }
            Some(b'-') if self.byte(self.pos + 1) == Some(b'I') => {
                self.literal("-Infinity")?;
                visitor.visit_f64(f64::NEG_INFINITY)
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
        if self.number_next() {
            let token = self.number();
            if let Ok(n) = token.parse::<i128>() {
                return visitor.visit_i128(n);
            }
            return Deserializer::visit_number(token, visitor);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if self.number_next() {
            let token = self.number();
            let token = if token == "-0" { "0" } else { token };
            return visitor.visit_f64(token.parse::<f64>().map_err(de::Error::custom)?);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if self.number_next() {
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
