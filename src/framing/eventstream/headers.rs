//! The headers of an event-stream message: their values, how they are checked once when the message is read,
//! and how they are walked by position afterwards.

use bytes::Bytes;

use crate::error::Error;
use crate::framing::sse::BytesStr;

/// The value of one header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Types 0 (true) and 1 (false).
    Bool(bool),
    /// Type 2.
    Byte(i8),
    /// Type 3.
    Short(i16),
    /// Type 4.
    Int(i32),
    /// Type 5.
    Long(i64),
    /// Type 6.
    Bytes(Bytes),
    /// Type 7 (a view of the message's bytes, not a copy).
    String(BytesStr),
    /// Type 8: milliseconds since the Unix epoch.
    Timestamp(i64),
    /// Type 9.
    Uuid([u8; 16]),
}

impl HeaderValue {
    /// The value when it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// One header as it lies in the message: the name, the type byte and the value's bytes (for strings and
/// bytes, without their length).
pub(super) struct RawHeader<'a> {
    pub(super) name: &'a [u8],
    pub(super) kind: u8,
    pub(super) value: &'a [u8],
}

impl<'a> RawHeader<'a> {
    pub(super) fn name_str(&self) -> &'a str {
        std::str::from_utf8(self.name).expect("checked when the message was read")
    }
}

/// Where the value of type `kind` whose encoding starts at `rest` begins (after a length, for strings and
/// bytes) and how long it is: `None` when its length is cut off, `Err` with the type when it is unknown.
fn value_span(kind: u8, rest: &[u8]) -> Option<Result<(usize, usize), u8>> {
    let fixed = match kind {
        0 | 1 => 0,
        2 => 1,
        3 => 2,
        4 => 4,
        5 | 8 => 8,
        9 => 16,
        6 | 7 => {
            let len = rest.get(..2)?;
            return Some(Ok((2, usize::from(u16::from_be_bytes([len[0], len[1]])))));
        }
        other => return Some(Err(other)),
    };
    Some(Ok((0, fixed)))
}

/// A fixed-size value from its bytes (the types other than 6 and 7).
pub(super) fn fixed_value(kind: u8, b: &[u8]) -> HeaderValue {
    match kind {
        0 => HeaderValue::Bool(true),
        1 => HeaderValue::Bool(false),
        2 => HeaderValue::Byte(b[0] as i8),
        3 => HeaderValue::Short(i16::from_be_bytes([b[0], b[1]])),
        4 => HeaderValue::Int(i32::from_be_bytes(b[..4].try_into().expect("4 bytes"))),
        5 => HeaderValue::Long(i64::from_be_bytes(b[..8].try_into().expect("8 bytes"))),
        8 => HeaderValue::Timestamp(i64::from_be_bytes(b[..8].try_into().expect("8 bytes"))),
        _ => HeaderValue::Uuid(b[..16].try_into().expect("16 bytes")),
    }
}

/// The headers of a message whose headers were checked ([`check_headers`]), in wire order.
pub(super) struct HeaderWalk<'a> {
    raw: &'a [u8],
}

impl<'a> HeaderWalk<'a> {
    pub(super) fn new(raw: &'a [u8]) -> Self {
        HeaderWalk { raw }
    }
}

impl<'a> Iterator for HeaderWalk<'a> {
    type Item = RawHeader<'a>;

    fn next(&mut self) -> Option<RawHeader<'a>> {
        let (header, rest) = split_header(self.raw).ok()?;
        self.raw = rest;
        Some(header)
    }
}

/// Why a header could not be read.
enum Malformed<'a> {
    /// Nothing left: not an error.
    End,
    NoName,
    NoType(&'a [u8]),
    UnknownType(&'a [u8], u8),
    Cut(&'a [u8]),
}

/// The first header of `raw` and what follows it.
#[inline]
fn split_header(raw: &[u8]) -> Result<(RawHeader<'_>, &[u8]), Malformed<'_>> {
    let (&name_len, rest) = raw.split_first().ok_or(Malformed::End)?;
    let name_len = usize::from(name_len);
    if name_len == 0 || rest.len() < name_len {
        return Err(Malformed::NoName);
    }
    let (name, rest) = rest.split_at(name_len);
    let (&kind, rest) = rest.split_first().ok_or(Malformed::NoType(name))?;
    let (skip, len) = match value_span(kind, rest) {
        Some(Ok(span)) => span,
        Some(Err(kind)) => return Err(Malformed::UnknownType(name, kind)),
        None => return Err(Malformed::Cut(name)),
    };
    let end = skip + len;
    if rest.len() < end {
        return Err(Malformed::Cut(name));
    }
    Ok((RawHeader { name, kind, value: &rest[skip..end] }, &rest[end..]))
}

/// Names beyond this many are checked for repeats with a set, so that a message of many tiny headers costs
/// linear time; up to it, by comparing with the few before (no allocation).
const FEW_HEADERS: usize = 16;

/// Where the string values of the two headers that route a message lie in its header block: `:message-type`
/// and `:event-type` (`None` when absent or not strings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Dispatch {
    pub(super) message_type: Option<(u32, u32)>,
    pub(super) event_type: Option<(u32, u32)>,
}

/// Checks the headers of the message at `offset`: each well-formed, names and string values UTF-8, no name
/// twice. Says where the headers that route the message are.
pub(super) fn check_headers(raw: &[u8], offset: u64) -> Result<Dispatch, Error> {
    let corrupt = |what: &str| Error::corrupt(offset, format!("a malformed header: {what}"));
    let lossy = |name: &[u8]| String::from_utf8_lossy(name).into_owned();
    let mut few: [&[u8]; FEW_HEADERS] = [&[]; FEW_HEADERS];
    let mut count = 0;
    let mut many: Option<std::collections::HashSet<&[u8]>> = None;
    // Headers that are ASCII throughout (lengths and types included, as Bedrock's are) hold ASCII names and
    // strings: one check of the block instead of one per string.
    let ascii = raw.is_ascii();
    let mut dispatch = Dispatch::default();
    let mut rest = raw;
    loop {
        let (header, after) = match split_header(rest) {
            Ok(split) => split,
            Err(Malformed::End) => return Ok(dispatch),
            Err(Malformed::NoName) => return Err(corrupt("its name is empty or cut off")),
            Err(Malformed::NoType(name)) => {
                return Err(corrupt(&format!("`{}` has no value type", text_or(name, &corrupt)?)));
            }
            Err(Malformed::UnknownType(name, kind)) => {
                let name = text_or(name, &corrupt)?;
                return Err(corrupt(&format!("`{name}` has the unknown value type {kind}")));
            }
            Err(Malformed::Cut(name)) => {
                return Err(corrupt(&format!("the value of `{}` is cut off", text_or(name, &corrupt)?)));
            }
        };
        rest = after;
        let name = header.name;
        if !ascii && std::str::from_utf8(name).is_err() {
            return Err(corrupt("its name is not UTF-8"));
        }
        if header.kind == 7 && !ascii && std::str::from_utf8(header.value).is_err() {
            return Err(corrupt(&format!("the string value of `{}` is not UTF-8", lossy(name))));
        }
        let repeated = match &mut many {
            Some(seen) => !seen.insert(name),
            None => few[..count].contains(&name),
        };
        if repeated {
            return Err(corrupt(&format!("`{}` appears twice", lossy(name))));
        }
        if header.kind == 7 {
            // Within the block, whose length came from a u32.
            let start = (header.value.as_ptr() as usize - raw.as_ptr() as usize) as u32;
            let span = Some((start, start + header.value.len() as u32));
            match name {
                b":message-type" => dispatch.message_type = span,
                b":event-type" => dispatch.event_type = span,
                _ => {}
            }
        }
        if count < FEW_HEADERS {
            few[count] = name;
            count += 1;
        } else if many.is_none() {
            let mut seen: std::collections::HashSet<&[u8]> = few.iter().copied().collect();
            seen.insert(name);
            many = Some(seen);
        }
    }
}

/// A name as text for an error message: an error of its own when it is not UTF-8 (as the name is read first).
fn text_or<'a>(name: &'a [u8], corrupt: &impl Fn(&str) -> Error) -> Result<&'a str, Error> {
    std::str::from_utf8(name).map_err(|_| corrupt("its name is not UTF-8"))
}
