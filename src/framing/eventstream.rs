//! The AWS event-stream wire format: [`Decoder`] and the [`Message`]s it reads.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::sse::BytesStr;
use crate::error::Error;
use crate::limits::{LimitError, Limits};

/// The prelude: total length, headers length, and their CRC.
const PRELUDE: usize = 12;
/// The prelude and the message CRC: a message without headers or payload.
const MIN_MESSAGE: usize = PRELUDE + 4;

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

/// One header: its name and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The name (e.g. `:message-type`; a view of the message's bytes, not a copy).
    pub name: BytesStr,
    /// The value.
    pub value: HeaderValue,
}

/// One message of the stream, both CRCs checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    headers: Vec<Header>,
    payload: Bytes,
    offset: u64,
}

impl Message {
    /// The headers, name and value, in wire order (no name appears twice; the names are views of the
    /// message's bytes, not copies).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &HeaderValue)> + '_ {
        self.headers.iter().map(|h| (h.name.as_str(), &h.value))
    }

    /// The value of the header `name`.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|h| h.name == name).map(|h| &h.value)
    }

    /// The value of the header `name` when it is a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(HeaderValue::as_str)
    }

    /// The payload (a view of the input, not a copy).
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// Where the message starts in the stream, in bytes.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("offset", &self.offset)
            .field("headers", &self.headers)
            .field("payload", &String::from_utf8_lossy(&self.payload))
            .finish()
    }
}

/// The AWS event-stream wire format (`application/vnd.amazon.eventstream`), sans-IO: bytes in, [`EventStreamMessage`](super::EventStreamMessage)s
/// out, each checked against both of its CRCs. Amazon Bedrock's `InvokeModelWithResponseStream` answers in it;
/// [`Format::Bedrock`](super::Format::Bedrock) reads the Messages API events inside.
///
/// A message is
///
/// ```text
/// total length (u32 BE) | headers length (u32 BE) | CRC-32 of those 8 bytes | headers | payload | CRC-32 of all before
/// ```
///
/// and each header is a name (a length byte and UTF-8), a type byte and a value of that type (bool, byte,
/// short, int, long, bytes, string, timestamp, uuid).
///
/// * The same bytes give the same messages however they are split into chunks.
/// * A bad prelude or CRC, a malformed or repeated header is an error of category
///   [`Corrupt`](crate::error::ErrorKind::Corrupt) naming the offset of the message in the stream; a message
///   whose headers or payload pass the [`Limits`] is a limit error, raised from the prelude, before any of it
///   is buffered. The decoder stops at the first error.
/// * [`finish`](Self::finish) tells a stream cut inside a message from one that ended between messages.
///
/// ```
/// use anthropic_sse::framing::{EventStreamDecoder, HeaderValue};
///
/// // One message with the header `:message-type: event` and the payload `{}`.
/// let mut wire = Vec::new();
/// let headers = b"\x0d:message-type\x07\x00\x05event";
/// let total = 12 + headers.len() + 2 + 4;
/// wire.extend_from_slice(&(total as u32).to_be_bytes());
/// wire.extend_from_slice(&(headers.len() as u32).to_be_bytes());
/// wire.extend_from_slice(&crc32fast::hash(&wire).to_be_bytes());
/// wire.extend_from_slice(headers);
/// wire.extend_from_slice(b"{}");
/// wire.extend_from_slice(&crc32fast::hash(&wire).to_be_bytes());
///
/// let mut decoder = EventStreamDecoder::new();
/// decoder.feed(&wire[..10]);
/// assert!(decoder.next_message()?.is_none(), "not complete yet");
/// decoder.feed(&wire[10..]);
/// let message = decoder.next_message()?.expect("one message");
/// assert_eq!(message.header(":message-type"), Some(&HeaderValue::String("event".into())));
/// assert_eq!(&message.payload()[..], b"{}");
/// assert!(decoder.finish().is_none());
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    /// The input not yet decoded: at most one message, within the limits.
    buf: BytesMut,
    /// Where `buf` starts in the stream.
    offset: u64,
    limits: Limits,
    /// The error that stopped the decoder, handed out again on every later call.
    failed: Option<Error>,
}

impl Decoder {
    /// A decoder with the default [`Limits`] (24 MiB of payload and 128 KiB of headers per message, as
    /// botocore).
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder { limits, ..Self::default() }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Changes the limits; they apply from the next message on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Adds input (copied once).
    pub fn feed(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes taken in so far.
    pub fn offset(&self) -> u64 {
        self.offset + self.buf.len() as u64
    }

    /// The next complete message, `Ok(None)` when the input fed so far holds none. An error stops the decoder:
    /// every later call returns it again.
    pub fn next_message(&mut self) -> Result<Option<Message>, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        match self.decode() {
            Err(error) => {
                self.failed = Some(error.clone());
                Err(error)
            }
            ok => ok,
        }
    }

    fn decode(&mut self) -> Result<Option<Message>, Error> {
        if self.buf.len() < PRELUDE {
            return Ok(None);
        }
        let offset = self.offset;
        let total = u32::from_be_bytes(self.buf[0..4].try_into().expect("4 bytes")) as usize;
        let headers_len = u32::from_be_bytes(self.buf[4..8].try_into().expect("4 bytes")) as usize;
        let prelude_crc = u32::from_be_bytes(self.buf[8..12].try_into().expect("4 bytes"));
        if crc32fast::hash(&self.buf[..8]) != prelude_crc {
            return Err(Error::corrupt(
                offset,
                "the prelude's CRC does not match: this is not an AWS event stream, or it is damaged (check the \
                 response's content type: `text/event-stream` is read as SSE, and an error body with \
                 `ApiError::from_response`)",
            ));
        }
        if total < MIN_MESSAGE || headers_len > total - MIN_MESSAGE {
            return Err(Error::corrupt(
                offset,
                format!("the prelude announces {total} bytes in all with {headers_len} of headers, which cannot be"),
            ));
        }
        if headers_len > self.limits.max_header_bytes() {
            return Err(LimitError::HeadersTooLarge { limit: self.limits.max_header_bytes(), offset }.into());
        }
        let payload_len = total - MIN_MESSAGE - headers_len;
        if payload_len > self.limits.max_payload_bytes() {
            return Err(LimitError::PayloadTooLarge { limit: self.limits.max_payload_bytes(), offset }.into());
        }
        if self.buf.len() < total {
            // Room for the rest grows with the data: a prelude alone (12 bytes) must not make the decoder
            // allocate the message's whole announced size.
            self.buf.reserve((total - self.buf.len()).min(64 * 1024));
            return Ok(None);
        }
        let mut bytes = self.buf.split_to(total).freeze();
        self.offset += total as u64;
        let message_crc = u32::from_be_bytes(bytes[total - 4..].try_into().expect("4 bytes"));
        if crc32fast::hash(&bytes[..total - 4]) != message_crc {
            return Err(Error::corrupt(offset, "the message's CRC does not match: the message is damaged"));
        }
        let headers = read_headers(&bytes.slice(PRELUDE..PRELUDE + headers_len), offset)?;
        bytes.truncate(total - 4);
        let payload = bytes.split_off(PRELUDE + headers_len);
        Ok(Some(Message { headers, payload, offset }))
    }

    /// Ends the input: `None` when it ended between messages, else how many bytes of an unfinished message
    /// were left. The decoder is reset, keeping its limits.
    pub fn finish(&mut self) -> Option<usize> {
        let left = self.buf.len();
        let failed = self.failed.is_some();
        *self = Decoder::with_limits(self.limits);
        (left > 0 && !failed).then_some(left)
    }
}

/// The names and values that every Bedrock message repeats, handed out as static text: no check, no count.
const KNOWN: [&str; 9] = [
    ":message-type",
    "event",
    ":event-type",
    "chunk",
    ":content-type",
    "application/json",
    "exception",
    ":exception-type",
    "error",
];

/// A header's name or string value (`bytes[range]`) as text: a known one as static text, any other checked
/// and shared.
fn text(bytes: &Bytes, range: std::ops::Range<usize>) -> Option<BytesStr> {
    let slice = &bytes[range.clone()];
    if let Some(known) = KNOWN.iter().find(|k| k.as_bytes() == slice) {
        return Some(BytesStr::from_static(known));
    }
    BytesStr::from_utf8(bytes.slice(range)).ok()
}

/// The headers of the message at `offset`, from their bytes.
fn read_headers(bytes: &Bytes, offset: u64) -> Result<Vec<Header>, Error> {
    let corrupt = |what: &str| Error::corrupt(offset, format!("a malformed header: {what}"));
    // Read from the slice by position; a `Bytes` view is made only for a value that is kept as bytes or as
    // text that is not one of the known names.
    let b = &bytes[..];
    let mut at = 0;
    let take = |at: &mut usize, n: usize| -> Option<std::ops::Range<usize>> {
        let range = *at..at.checked_add(n).filter(|&end| end <= b.len())?;
        *at = range.end;
        Some(range)
    };
    let mut headers: Vec<Header> = Vec::with_capacity(4);
    let mut seen: Option<std::collections::HashSet<BytesStr>> = None;
    while at < b.len() {
        let name_len = usize::from(b[at]);
        at += 1;
        let name = match take(&mut at, name_len).filter(|_| name_len > 0) {
            Some(range) => text(bytes, range).ok_or_else(|| corrupt("its name is not UTF-8"))?,
            None => return Err(corrupt("its name is empty or cut off")),
        };
        let Some(&kind) = b.get(at) else { return Err(corrupt(&format!("`{name}` has no value type"))) };
        at += 1;
        let cut = || corrupt(&format!("the value of `{name}` is cut off"));
        let mut fixed = |n: usize| take(&mut at, n).map(|r| &b[r]).ok_or_else(cut);
        let value = match kind {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(i8::from_be_bytes(fixed(1)?.try_into().expect("1 byte"))),
            3 => HeaderValue::Short(i16::from_be_bytes(fixed(2)?.try_into().expect("2 bytes"))),
            4 => HeaderValue::Int(i32::from_be_bytes(fixed(4)?.try_into().expect("4 bytes"))),
            5 => HeaderValue::Long(i64::from_be_bytes(fixed(8)?.try_into().expect("8 bytes"))),
            8 => HeaderValue::Timestamp(i64::from_be_bytes(fixed(8)?.try_into().expect("8 bytes"))),
            9 => HeaderValue::Uuid(fixed(16)?.try_into().expect("16 bytes")),
            6 | 7 => {
                let len = usize::from(u16::from_be_bytes(fixed(2)?.try_into().expect("2 bytes")));
                let range = take(&mut at, len).ok_or_else(cut)?;
                if kind == 6 {
                    HeaderValue::Bytes(bytes.slice(range))
                } else {
                    let value = text(bytes, range)
                        .ok_or_else(|| corrupt(&format!("the string value of `{name}` is not UTF-8")))?;
                    HeaderValue::String(value)
                }
            }
            other => return Err(corrupt(&format!("`{name}` has the unknown value type {other}"))),
        };
        // A set beyond a few headers, so that a message of many tiny headers costs linear time.
        let repeated = match &mut seen {
            Some(seen) => !seen.insert(name.clone()),
            None => headers.iter().any(|h| h.name == name),
        };
        if repeated {
            return Err(corrupt(&format!("`{name}` appears twice")));
        }
        headers.push(Header { name, value });
        if seen.is_none() && headers.len() >= 16 {
            seen = Some(headers.iter().map(|h| h.name.clone()).collect());
        }
    }
    Ok(headers)
}
