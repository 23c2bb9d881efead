//! The AWS event-stream wire format: [`Decoder`] and the [`Message`]s it reads.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

mod headers;

use super::sse::BytesStr;
use crate::error::Error;
use crate::limits::{LimitError, Limits};
pub use headers::HeaderValue;
use headers::{Dispatch, HeaderWalk, check_headers, fixed_value};

/// The prelude: total length, headers length, and their CRC.
const PRELUDE: usize = 12;
/// The prelude and the message CRC: a message without headers or payload.
const MIN_MESSAGE: usize = PRELUDE + 4;

/// One message of the stream, both CRCs checked and its headers well-formed. It shares the input's bytes
/// (no copy when the message lay whole in a chunk fed with [`Decoder::feed_bytes`]); its headers are read
/// from them by position when asked for, not built ahead.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// The message without its trailing CRC: prelude, headers, payload.
    bytes: Bytes,
    /// Where the headers end and the payload begins, in `bytes`.
    headers_end: usize,
    offset: u64,
}

impl Message {
    fn view(&self) -> MessageRef<'_> {
        MessageRef {
            bytes: &self.bytes,
            headers_end: self.headers_end,
            offset: self.offset,
            dispatch: Dispatch::default(),
        }
    }

    /// The headers, name and value, in wire order (no name appears twice; string and bytes values share the
    /// message's bytes, they are not copies).
    pub fn headers(&self) -> impl Iterator<Item = (&str, HeaderValue)> + '_ {
        HeaderWalk::new(self.view().raw_headers()).map(|header| {
            let value = match header.kind {
                6 | 7 => {
                    let shared = self.bytes.slice_ref(header.value);
                    if header.kind == 6 {
                        HeaderValue::Bytes(shared)
                    } else {
                        HeaderValue::String(BytesStr::from_utf8(shared).expect("checked when the message was read"))
                    }
                }
                kind => fixed_value(kind, header.value),
            };
            (header.name_str(), value)
        })
    }

    /// The value of the header `name`.
    pub fn header(&self, name: &str) -> Option<HeaderValue> {
        self.headers().find(|(n, _)| *n == name).map(|(_, value)| value)
    }

    /// The value of the header `name` when it is a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.view().header_str(name)
    }

    /// The payload.
    pub fn payload(&self) -> &[u8] {
        self.view().payload()
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
            .field("headers", &self.headers().collect::<Vec<_>>())
            .field("payload", &String::from_utf8_lossy(self.payload()))
            .finish()
    }
}

/// A message read in place, lent by [`Decoder::next_in_place`] until the next call: what the Bedrock framing
/// reads, without a reference count or an allocation per message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageRef<'a> {
    /// The message without its trailing CRC.
    bytes: &'a [u8],
    headers_end: usize,
    offset: u64,
    dispatch: Dispatch,
}

impl<'a> MessageRef<'a> {
    fn raw_headers(&self) -> &'a [u8] {
        &self.bytes[PRELUDE..self.headers_end]
    }

    /// The value of `:message-type` when it is a string, as bytes (found when the message was read).
    pub(crate) fn message_type(&self) -> Option<&'a [u8]> {
        self.dispatch.message_type.map(|(start, end)| &self.raw_headers()[start as usize..end as usize])
    }

    /// The value of `:event-type` when it is a string, as bytes (found when the message was read).
    pub(crate) fn event_type(&self) -> Option<&'a [u8]> {
        self.dispatch.event_type.map(|(start, end)| &self.raw_headers()[start as usize..end as usize])
    }

    /// The bytes of the header `name` when it is a string.
    fn string_header(&self, name: &str) -> Option<&'a [u8]> {
        let header = HeaderWalk::new(self.raw_headers()).find(|h| h.name == name.as_bytes())?;
        (header.kind == 7).then_some(header.value)
    }

    /// The value of the header `name` when it is a string.
    pub(crate) fn header_str(&self, name: &str) -> Option<&'a str> {
        // Checked when the message was read; checking it again costs less than an `unsafe`.
        self.string_header(name).and_then(|value| std::str::from_utf8(value).ok())
    }

    pub(crate) fn payload(&self) -> &'a [u8] {
        &self.bytes[self.headers_end..]
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
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
/// assert_eq!(message.header(":message-type"), Some(HeaderValue::String("event".into())));
/// assert_eq!(&message.payload()[..], b"{}");
/// assert!(decoder.finish().is_none());
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    /// Input read before `chunk`: the start of a message that an earlier chunk began (at most one message,
    /// within the limits), or input fed by copy.
    gathered: BytesMut,
    /// The rest of the last chunk fed with [`feed_bytes`](Self::feed_bytes), read in place.
    chunk: Bytes,
    /// The length of the message lent last by `next_in_place`, still at the front of the input: it is
    /// dropped on the next call.
    lent: usize,
    /// Where the input not yet handed out starts in the stream.
    offset: u64,
    /// The header block of the last message, when short, and what it said: a message with the same block
    /// (Bedrock repeats one on every chunk) is not read again.
    last_headers: Vec<u8>,
    last_dispatch: Option<Dispatch>,
    limits: Limits,
    /// The error that stopped the decoder, handed out again on every later call.
    failed: Option<Error>,
}

/// What a message's prelude says, checked.
#[derive(Clone, Copy)]
struct Prelude {
    total: usize,
    headers_end: usize,
    /// Filled in once the message is checked.
    dispatch: Dispatch,
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

    /// Adds input, copied once.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.release();
        if !self.chunk.is_empty() {
            self.gathered.extend_from_slice(&self.chunk);
            self.chunk = Bytes::new();
        }
        self.gathered.extend_from_slice(chunk);
    }

    /// Adds input without copying it: the messages that lie whole in `chunk` are read in place and share its
    /// bytes; only a message cut between two chunks is gathered (copied) until complete.
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        self.release();
        if !self.chunk.is_empty() {
            self.gathered.extend_from_slice(&self.chunk);
        }
        self.chunk = chunk;
    }

    /// Bytes taken in so far.
    pub fn offset(&self) -> u64 {
        self.offset + (self.gathered.len() + self.chunk.len()) as u64
    }

    /// The next complete message, `Ok(None)` when the input fed so far holds none. An error stops the decoder:
    /// every later call returns it again.
    pub fn next_message(&mut self) -> Result<Option<Message>, Error> {
        let Some(prelude) = self.next_prelude()? else { return Ok(None) };
        let total = prelude.total;
        let mut bytes =
            if self.gathered.is_empty() { self.chunk.split_to(total) } else { self.gathered.split_to(total).freeze() };
        bytes.truncate(total - 4);
        let offset = self.offset;
        self.offset += total as u64;
        Ok(Some(Message { bytes, headers_end: prelude.headers_end, offset }))
    }

    /// The next complete message, read in place and lent until the next call; as [`next_message`](Self::next_message)
    /// otherwise.
    pub(crate) fn next_in_place(&mut self) -> Result<Option<MessageRef<'_>>, Error> {
        let Some(prelude) = self.next_prelude()? else { return Ok(None) };
        self.lent = prelude.total;
        let input = if self.gathered.is_empty() { &self.chunk[..] } else { &self.gathered[..] };
        Ok(Some(MessageRef {
            bytes: &input[..prelude.total - 4],
            headers_end: prelude.headers_end,
            offset: self.offset,
            dispatch: prelude.dispatch,
        }))
    }

    /// Drops the message lent last.
    fn release(&mut self) {
        if self.lent > 0 {
            if self.gathered.is_empty() {
                self.chunk.advance(self.lent);
            } else {
                self.gathered.advance(self.lent);
            }
            self.offset += self.lent as u64;
            self.lent = 0;
        }
    }

    /// The prelude of the next message, once the message is complete and checked at the front of the input
    /// (`gathered` when it holds anything, else `chunk`).
    fn next_prelude(&mut self) -> Result<Option<Prelude>, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        self.release();
        match self.locate() {
            Err(error) => {
                self.failed = Some(error.clone());
                Err(error)
            }
            ok => ok,
        }
    }

    fn locate(&mut self) -> Result<Option<Prelude>, Error> {
        let (offset, limits) = (self.offset, self.limits);
        if self.gathered.is_empty() {
            // The usual case: the message lies whole in the chunk, read where it is.
            if let Some(start) = self.chunk.get(..PRELUDE) {
                let mut prelude = read_prelude(start, offset, limits)?;
                if let Some(message) = self.chunk.get(..prelude.total) {
                    prelude.dispatch =
                        check_message(message, prelude, offset, &mut self.last_headers, &mut self.last_dispatch)?;
                    return Ok(Some(prelude));
                }
            }
            // The start of a message that a later chunk completes.
            self.gathered.extend_from_slice(&self.chunk);
            self.chunk = Bytes::new();
            return Ok(None);
        }
        self.gather(PRELUDE);
        let Some(start) = self.gathered.get(..PRELUDE) else { return Ok(None) };
        let mut prelude = read_prelude(start, offset, limits)?;
        self.gather(prelude.total);
        let Some(message) = self.gathered.get(..prelude.total) else { return Ok(None) };
        prelude.dispatch = check_message(message, prelude, offset, &mut self.last_headers, &mut self.last_dispatch)?;
        Ok(Some(prelude))
    }

    /// Moves from `chunk` to `gathered` what it takes for `gathered` to hold `len` bytes, or all there is.
    fn gather(&mut self, len: usize) {
        let wanted = len.saturating_sub(self.gathered.len()).min(self.chunk.len());
        if wanted > 0 {
            self.gathered.extend_from_slice(&self.chunk[..wanted]);
            self.chunk.advance(wanted);
        }
    }

    /// Ends the input: `None` when it ended between messages, else how many bytes of an unfinished message
    /// were left. The decoder is reset, keeping its limits.
    pub fn finish(&mut self) -> Option<usize> {
        self.release();
        let left = self.gathered.len() + self.chunk.len();
        let failed = self.failed.is_some();
        *self = Decoder::with_limits(self.limits);
        (left > 0 && !failed).then_some(left)
    }
}

/// The prelude at the start of the message at `offset`, its CRC checked before its lengths are trusted, and
/// the lengths within `limits`: raised from the prelude, before the rest of the message is buffered.
fn read_prelude(start: &[u8], offset: u64, limits: Limits) -> Result<Prelude, Error> {
    let word = |at: usize| u32::from_be_bytes([start[at], start[at + 1], start[at + 2], start[at + 3]]);
    let (total, headers_len, prelude_crc) = (word(0) as usize, word(4) as usize, word(8));
    if crc32fast::hash(&start[..8]) != prelude_crc {
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
    if headers_len > limits.max_header_bytes() {
        return Err(LimitError::HeadersTooLarge { limit: limits.max_header_bytes(), offset }.into());
    }
    if total - MIN_MESSAGE - headers_len > limits.max_payload_bytes() {
        return Err(LimitError::PayloadTooLarge { limit: limits.max_payload_bytes(), offset }.into());
    }
    Ok(Prelude { total, headers_end: PRELUDE + headers_len, dispatch: Dispatch::default() })
}

/// The longest header block kept to compare the next message's with: Bedrock's are under 100 bytes.
const KEPT_HEADERS: usize = 1024;

/// Checks a whole message (`prelude.total` bytes) against its CRC, and its headers unless they are the same
/// bytes as the last message's (`last`, what they said in `said`).
fn check_message(
    message: &[u8],
    prelude: Prelude,
    offset: u64,
    last: &mut Vec<u8>,
    said: &mut Option<Dispatch>,
) -> Result<Dispatch, Error> {
    let (body, crc) = message.split_at(prelude.total - 4);
    if crc32fast::hash(body) != u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        return Err(Error::corrupt(offset, "the message's CRC does not match: the message is damaged"));
    }
    let raw = &body[PRELUDE..prelude.headers_end];
    if let Some(dispatch) = *said {
        if raw == &last[..] {
            return Ok(dispatch);
        }
    }
    let dispatch = check_headers(raw, offset)?;
    if raw.len() <= KEPT_HEADERS {
        last.clear();
        last.extend_from_slice(raw);
        *said = Some(dispatch);
    }
    Ok(dispatch)
}
