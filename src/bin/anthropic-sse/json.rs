//! The tool's output and its JSON writer: serde's data model written byte for byte as `serde_json::to_writer`
//! writes it (compact, the same escapes, numbers written by `serde_json` itself, its raw values verbatim), straight
//! into the output's one buffer, with strings escaped in bulk: a run of bytes that needs no escape is found eight
//! bytes at a time and copied at once, where `serde_json` looks up every byte in a table and hands each run to an
//! `io::Write`. Strings are most of what the tool writes (the text of every delta, the final message's text), and
//! `serde_json`'s byte loop was a fifth of `--final`'s instructions and a third of `--events`'. The unit tests
//! hold it to `serde_json`'s bytes.

use std::io::{self, Write};

use serde::ser::{self, Serialize};

type Error = serde_json::Error;
type Result<T = ()> = std::result::Result<T, Error>;

/// How much output is gathered before it is written: a pipe's capacity. A longer string goes out in pieces, so
/// that the buffer never holds much more than this (a final message of 15 MB is not copied whole).
const CAP: usize = 64 * 1024;

/// The tool's output: one buffer, that the JSON writer writes into directly (no `io::Write` call per piece),
/// written to `inner` when it is full and at each [`flush`](Write::flush).
pub struct Out<W: Write> {
    buf: Vec<u8>,
    inner: W,
}

impl<W: Write> Out<W> {
    pub fn new(inner: W) -> Self {
        Out { buf: Vec::with_capacity(CAP), inner }
    }

    /// Appends `bytes`, writing out what was gathered first when they do not fit.
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() <= CAP.saturating_sub(self.buf.len()) {
            self.buf.extend_from_slice(bytes);
            Ok(())
        } else {
            self.put_cold(bytes)
        }
    }

    #[cold]
    fn put_cold(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_out()?;
        if bytes.len() >= CAP {
            return self.inner.write_all(bytes);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes what was gathered to `inner` (not flushing `inner`).
    fn write_out(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = self.inner.write_all(&self.buf);
        self.buf.clear();
        written
    }

    /// `text` as a JSON string, quotes included, escaped as `serde_json` escapes it: `\"`, `\\`, the five short
    /// escapes of control characters, `\u00XX` (lowercase) for the others; everything else as it is.
    fn string(&mut self, text: &str) -> io::Result<()> {
        let bytes = text.as_bytes();
        // The usual case: no escape, room in the buffer.
        if bytes.len() + 2 <= CAP.saturating_sub(self.buf.len()) && first_escape(bytes).is_none() {
            self.buf.push(b'"');
            self.buf.extend_from_slice(bytes);
            self.buf.push(b'"');
            return Ok(());
        }
        self.put(b"\"")?;
        let mut start = 0;
        while let Some(found) = first_escape(&bytes[start..]) {
            let at = start + found;
            self.put(&bytes[start..at])?;
            let byte = bytes[at];
            let short = match byte {
                b'"' => b'"',
                b'\\' => b'\\',
                0x08 => b'b',
                0x0C => b'f',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                _ => 0,
            };
            if short != 0 {
                self.put(&[b'\\', short])?;
            } else {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.put(&[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]])?;
            }
            start = at + 1;
        }
        self.put(&bytes[start..])?;
        self.put(b"\"")
    }
}

impl<W: Write> Write for Out<W> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.put(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.put(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.inner.flush()
    }
}

/// `value` written as compact JSON, as `serde_json::to_writer` writes it.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(out: &mut Out<W>, value: &T) -> Result {
    value.serialize(&mut Serializer { out })
}

/// `serde_json`'s name for its raw value (`serde_json::raw::TOKEN`): a struct of that name with one field of that
/// name, a string, is JSON text written as it is.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

struct Serializer<'a, W: Write> {
    out: &'a mut Out<W>,
}

impl<W: Write> Serializer<'_, W> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result {
        self.out.put(bytes).map_err(Error::io)
    }

    /// A number or another scalar as `serde_json` writes it.
    #[inline]
    fn scalar<T: Serialize>(&mut self, value: T) -> Result {
        serde_json::to_writer(&mut *self.out, &value)
    }

    #[inline]
    fn string(&mut self, text: &str) -> Result {
        self.out.string(text).map_err(Error::io)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that JSON must escape (a quote, a backslash, a control character below
/// 0x20), and maybe of bytes after the first such byte: the lowest bit set is always the first such byte.
#[inline]
fn escapes_in(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    // A byte is zero when subtracting one borrows into its high bit, which was clear; a byte is below 0x20 when
    // subtracting 0x20 does. A borrow only carries upward from a byte that matched.
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_quote | zero_backslash | control) & HIGHS
}

#[inline]
fn must_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

/// Where the first byte that JSON must escape is in `bytes`: eight bytes at a time, the last word read where it
/// overlaps the one before (its bytes already seen masked off, which matched nothing and so borrow nothing).
#[inline]
fn first_escape(bytes: &[u8]) -> Option<usize> {
    let len = bytes.len();
    if len < 8 {
        if len >= 4 {
            // Both halves, overlapping, in one word: no bit set, no escape.
            let low = u32::from_le_bytes(bytes[..4].try_into().expect("four bytes"));
            let high = u32::from_le_bytes(bytes[len - 4..].try_into().expect("four bytes"));
            if escapes_in(u64::from(low) | u64::from(high) << 32) == 0 {
                return None;
            }
        }
        return bytes.iter().position(|&b| must_escape(b));
    }
    let mut at = 0;
    while at + 8 <= len {
        let found = escapes_in(word_at(bytes, at));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at < len {
        let seen = 8 - (len - at);
        let found = escapes_in(word_at(bytes, len - 8)) & (u64::MAX << (8 * seen));
        if found != 0 {
            return Some(len - 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    None
}

impl<'a, 'b, W: Write> ser::Serializer for &'a mut Serializer<'b, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b, W>;
    type SerializeTuple = Compound<'a, 'b, W>;
    type SerializeTupleStruct = Compound<'a, 'b, W>;
    type SerializeTupleVariant = Compound<'a, 'b, W>;
    type SerializeMap = Compound<'a, 'b, W>;
    type SerializeStruct = Compound<'a, 'b, W>;
    type SerializeStructVariant = Compound<'a, 'b, W>;

    fn serialize_bool(self, v: bool) -> Result {
        self.put(if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.scalar(v)
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.scalar(v)
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.scalar(v)
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.scalar(v)
    }
    fn serialize_i128(self, v: i128) -> Result {
        self.scalar(v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.scalar(v)
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.scalar(v)
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.scalar(v)
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.scalar(v)
    }
    fn serialize_u128(self, v: u128) -> Result {
        self.scalar(v)
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.scalar(v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.scalar(v)
    }
    fn serialize_char(self, v: char) -> Result {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.scalar(v)
    }
    fn serialize_none(self) -> Result {
        self.put(b"null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.put(b"null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.put(b"null")
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.put(b"{")?;
        self.string(variant)?;
        self.put(b":")?;
        value.serialize(&mut *self)?;
        self.put(b"}")
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        self.put(b"[")?;
        if len == Some(0) {
            self.put(b"]")?;
            return Ok(Compound { ser: self, state: State::Empty });
        }
        Ok(Compound { ser: self, state: State::First })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        self.put(b"{")?;
        self.string(variant)?;
        self.put(b":")?;
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        self.put(b"{")?;
        if len == Some(0) {
            self.put(b"}")?;
            return Ok(Compound { ser: self, state: State::Empty });
        }
        Ok(Compound { ser: self, state: State::First })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        if name == RAW_VALUE {
            return Ok(Compound { ser: self, state: State::Raw });
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.put(b"{")?;
        self.string(variant)?;
        self.put(b":")?;
        self.serialize_map(Some(len))
    }
}

#[derive(PartialEq)]
enum State {
    /// Nothing written yet (the opening bracket is).
    First,
    /// An element written: the next needs a comma.
    Rest,
    /// Closed already: it was declared empty.
    Empty,
    /// `serde_json`'s raw value: its one field written as it is.
    Raw,
}

struct Compound<'a, 'b, W: Write> {
    ser: &'a mut Serializer<'b, W>,
    state: State,
}

impl<W: Write> Compound<'_, '_, W> {
    #[inline]
    fn comma(&mut self) -> Result {
        if self.state == State::First {
            self.state = State::Rest;
            Ok(())
        } else {
            self.ser.put(b",")
        }
    }

    fn close(self, end: &[u8]) -> Result {
        match self.state {
            State::Empty | State::Raw => Ok(()),
            _ => self.ser.put(end),
        }
    }
}

impl<W: Write> ser::SerializeSeq for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.comma()?;
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.close(b"]")
    }
}

impl<W: Write> ser::SerializeTuple for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        self.close(b"]")
    }
}

impl<W: Write> ser::SerializeTupleStruct for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        self.close(b"]")
    }
}

impl<W: Write> ser::SerializeTupleVariant for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        let ser = &mut *self.ser;
        if self.state != State::Empty {
            ser.put(b"]")?;
        }
        ser.put(b"}")
    }
}

impl<W: Write> ser::SerializeMap for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.comma()?;
        key.serialize(MapKey { ser: &mut *self.ser })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.ser.put(b":")?;
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.close(b"}")
    }
}

impl<W: Write> ser::SerializeStruct for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        if self.state == State::Raw {
            if key != RAW_VALUE {
                return Err(ser::Error::custom("invalid raw value"));
            }
            return value.serialize(RawText { ser: &mut *self.ser });
        }
        ser::SerializeMap::serialize_entry(self, key, value)
    }
    fn end(self) -> Result {
        self.close(b"}")
    }
}

impl<W: Write> ser::SerializeStructVariant for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        ser::SerializeMap::serialize_entry(self, key, value)
    }
    fn end(self) -> Result {
        let ser = &mut *self.ser;
        if self.state != State::Empty {
            ser.put(b"}")?;
        }
        ser.put(b"}")
    }
}

/// A map's key, as `serde_json` writes it: a string as it is, a number or a boolean in quotes; anything else is
/// an error.
struct MapKey<'a, 'b, W: Write> {
    ser: &'a mut Serializer<'b, W>,
}

impl<W: Write> MapKey<'_, '_, W> {
    fn quoted<T: Serialize>(self, value: T) -> Result {
        self.ser.put(b"\"")?;
        self.ser.scalar(value)?;
        self.ser.put(b"\"")
    }
}

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl<W: Write> ser::Serializer for MapKey<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result {
        self.ser.string(v)
    }
    fn serialize_char(self, v: char) -> Result {
        self.ser.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.ser.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result {
        self.quoted(v)
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.quoted(v)
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.quoted(v)
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.quoted(v)
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.quoted(v)
    }
    fn serialize_i128(self, v: i128) -> Result {
        self.quoted(v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.quoted(v)
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.quoted(v)
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.quoted(v)
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.quoted(v)
    }
    fn serialize_u128(self, v: u128) -> Result {
        self.quoted(v)
    }
    fn serialize_f32(self, v: f32) -> Result {
        if !v.is_finite() {
            return Err(ser::Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        if !v.is_finite() {
            return Err(ser::Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

/// The one field of a raw value: its text, written as it is (only a string is accepted, as `serde_json`
/// accepts only a string there).
struct RawText<'a, 'b, W: Write> {
    ser: &'a mut Serializer<'b, W>,
}

fn invalid_raw_value() -> Error {
    ser::Error::custom("invalid raw value")
}

impl<W: Write> ser::Serializer for RawText<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result {
        self.ser.put(v.as_bytes())
    }
    fn serialize_bool(self, _v: bool) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_i8(self, _v: i8) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_i16(self, _v: i16) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_i32(self, _v: i32) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_i64(self, _v: i64) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_u8(self, _v: u8) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_u16(self, _v: u16) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_u32(self, _v: u32) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_u64(self, _v: u64) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_f32(self, _v: f32) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_f64(self, _v: f64) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_char(self, _v: char) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_none(self) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_unit(self) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, _variant: &'static str) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, _value: &T) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(invalid_raw_value())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(invalid_raw_value())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(invalid_raw_value())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(invalid_raw_value())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(invalid_raw_value())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(invalid_raw_value())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(invalid_raw_value())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(invalid_raw_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
        let mut out = Out::new(Vec::new());
        to_writer(&mut out, value).expect("written");
        out.flush().expect("flushed");
        out.inner
    }

    fn same<T: Serialize + ?Sized>(value: &T) {
        let theirs = serde_json::to_vec(value).expect("serde_json writes it");
        assert_eq!(String::from_utf8_lossy(&ours(value)), String::from_utf8_lossy(&theirs));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every byte below 0x80 at every offset within a word, and runs of every length around escapes.
        for byte in 0u8..0x80 {
            let c = char::from(byte);
            for before in 0..18 {
                for after in [0, 1, 7, 8, 9] {
                    let text: String = "a".repeat(before) + &c.to_string() + &"é".repeat(after);
                    same(&text);
                }
            }
        }
        for text in ["", "\"", "\\\\", "\u{7f}\u{2028}\u{10ffff}", "\u{1}\u{1f}\u{0}x", "quotes \"and\" accents é "] {
            same(text);
        }
        same(&'"');
        same(&'\u{1b}');
        // Longer than the buffer, with escapes at its edges, and after other output.
        for len in [CAP - 3, CAP - 2, CAP, CAP + 1, 3 * CAP + 5] {
            let text: String = (0..len).map(|i| if i % 1000 == 0 { '"' } else { 'é' }).collect();
            same(&text);
            same(&vec![text.clone(), text]);
        }
    }

    #[test]
    fn the_data_model_is_written_as_serde_json_writes_it() {
        let value: serde_json::Value = serde_json::from_str(
            r#"{"a":[1,-2,3.5,1e300,-0.0,null,true,false,{},[],"x\n"],"b":{"c":{"d":[{"e":"\u0000"}]}},"":""}"#,
        )
        .expect("JSON");
        same(&value);
        same(&(1u8, -1i128, u128::MAX, f32::NAN, f64::INFINITY, 0.1f64, 1.5f32, 'x', ()));
        same(&Some(Vec::<u8>::new()));
        same(&None::<u8>);
        same(&b"bytes"[..]);
        let mut map = std::collections::BTreeMap::new();
        map.insert(3u64, "three");
        map.insert(4u64, "four");
        same(&map);
        let mut map = std::collections::BTreeMap::new();
        map.insert(true, vec![(); 2]);
        same(&map);
        let mut map = std::collections::BTreeMap::new();
        map.insert('k', std::collections::BTreeMap::<String, u8>::new());
        same(&map);
        let raw = serde_json::value::RawValue::from_string(r#"{"kept" : [1 , 2]}"#.to_owned()).expect("raw");
        same(&raw);
        same(&vec![raw.clone(), raw]);
    }

    #[test]
    fn enums_and_structs_are_written_as_serde_json_writes_them() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            Newtype(u8),
            Tuple(u8, String),
            Empty(),
            Struct { a: u8, b: Option<String> },
            EmptyStruct {},
        }
        #[derive(serde::Serialize)]
        struct S<'a> {
            e: Vec<E>,
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            unit: (),
        }
        #[derive(serde::Serialize)]
        struct Unit;
        #[derive(serde::Serialize)]
        struct Newtype(String);
        #[derive(serde::Serialize)]
        struct Tuple(u8, u8);
        same(&S {
            e: vec![
                E::Unit,
                E::Newtype(1),
                E::Tuple(2, "t".into()),
                E::Empty(),
                E::Struct { a: 3, b: None },
                E::Struct { a: 4, b: Some("\"".into()) },
                E::EmptyStruct {},
            ],
            name: "n\u{8}",
            skipped: None,
            unit: (),
        });
        same(&(Unit, Newtype("x".into()), Tuple(1, 2)));
    }

    #[test]
    fn the_models_events_and_message_are_written_as_serde_json_writes_them() {
        for stream in [anthropic_sse::SAMPLE_STREAM, &anthropic_sse_kit::streams::text_stream(200)[..]] {
            let mut decoder = anthropic_sse::EventDecoder::new();
            decoder.feed(stream);
            while let Some(event) = decoder.next_event() {
                same(&event.expect("an event"));
            }
            same(&decoder.into_final_message().expect("a message"));
        }
    }
}
