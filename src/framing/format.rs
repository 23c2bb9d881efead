//! The wire formats the crate reads ([`Format`]), and the framing an [`EventDecoder`](crate::EventDecoder)
//! holds for one (`AnyFraming`).

use bytes::Bytes;

use super::bedrock::Bedrock;
use super::json_lines::JsonLines;
use super::raw::{Framing, RawEvent};
use super::sse::Decoder as SseDecoder;
use super::whole_events::WholeEvents;
use crate::error::Error;
use crate::limits::Limits;

/// A wire format the crate reads: how the bytes of a stream are split into events.
///
/// The HTTP edge chooses one from a response's content type;
/// [`EventDecoder::for_format`](crate::EventDecoder::for_format) and the drivers' `with_format` take one
/// chosen by you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// Server-Sent Events (`text/event-stream`): the Messages API, Vertex AI.
    #[default]
    Sse,
    /// Amazon Bedrock's AWS event stream, the body of `InvokeModelWithResponseStream`
    /// (`application/vnd.amazon.eventstream`): event-stream messages ([`EventStreamDecoder`](super::EventStreamDecoder)), each
    /// `event`/`chunk` message carrying one Messages API event as `{"bytes": "<base64 of the event JSON>"}`
    /// (Bedrock may add a padding member `"p"`, ignored, as is any other).
    ///
    /// * An `exception` message (`:exception-type`, e.g. `throttlingException`, and a `{"message": ...}`
    ///   payload) or an `error` message (`:error-code`, `:error-message`) is an API error: its type is the one
    ///   the wire has, with the HTTP status it stands for and the retry advice that status gives (see
    ///   [`ApiError::from_bedrock_exception`](crate::ApiError::from_bedrock_exception)).
    /// * An event of another `:event-type` is skipped: it carries no Messages API event.
    /// * The input ending inside a message is reported by [`Framing::finish`], so that the pipeline's
    ///   error says so (the Python SDK drops a truncated last message silently).
    ///
    /// ```
    /// use anthropic_sse::{framing::Format, EventDecoder};
    ///
    /// let mut decoder = EventDecoder::for_format(Format::Bedrock)
    ///     .with_aws_request_id("d9c1b5a8-0000-4000-8000-000000000000"); // the `x-amzn-requestid` header
    /// # let body: &[u8] = &[];
    /// decoder.feed(body);
    /// decoder.fold_buffered()?;
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    Bedrock,
    /// Newline-delimited JSON events, one per line: one JSON value per line, each ended by `\n` (a `\r` before
    /// it is dropped), blank lines ignored, the last line end optional. A line that is not one complete JSON
    /// value is a JSON error naming its line number; a line longer than [`Limits::with_max_line_bytes`] a limit
    /// error.
    ///
    /// ```
    /// use anthropic_sse::framing::Format;
    /// use anthropic_sse::EventDecoder;
    ///
    /// let mut decoder = EventDecoder::for_format(Format::JsonLines);
    /// decoder.feed(b"{\"type\":\"ping\"}\n\n{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",");
    /// decoder.feed(b"\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{}}}\n{\"type\":\"message_stop\"}\n");
    /// decoder.fold_buffered()?;
    /// assert_eq!(decoder.into_final_message()?.id, "m");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    JsonLines,
    /// Events that arrive already split: each chunk is one whole event's JSON text (the `bytes` of the AWS SDK's
    /// `PayloadPart`, a gateway's message). The drivers never gather such chunks together; an event larger
    /// than [`Limits::with_max_event_bytes`] is a limit error.
    JsonEvents,
}

impl Format {
    /// The format of a body from its first bytes, as `anthropic-sse` detects it (and the HTTP edge, for a body
    /// whose content type does not say): `None` while `start` is too short to tell and more may come
    /// (`ended` is `false`).
    ///
    /// * An AWS event-stream prelude whose CRC checks (12 bytes) is [`Bedrock`](Format::Bedrock); so is a body
    ///   that ended before 12 bytes with a first byte 0 (a message's length: text never starts so), which
    ///   its framing then reports as cut inside its first message.
    /// * A first `{` or `[`, after a UTF-8 byte order mark and JSON whitespace if any, is
    ///   [`JsonLines`](Format::JsonLines) (events one per line, or one JSON document such as an error body);
    ///   however much whitespace comes first.
    /// * Anything else is [`Sse`](Format::Sse).
    ///
    /// ```
    /// use anthropic_sse::framing::Format;
    /// assert_eq!(Format::detect(b"event: ping\n", false), Some(Format::Sse));
    /// assert_eq!(Format::detect(b"\n\n  {\"type\":\"ping\"}\n", false), Some(Format::JsonLines));
    /// assert_eq!(Format::detect(b"\n\n  ", false), None); // whitespace so far: wait for more
    /// assert_eq!(Format::detect(b"\0\0\0\x10", false), None); // a prelude's start
    /// assert_eq!(Format::detect(b"\0\0\0\x10", true), Some(Format::Bedrock));
    /// ```
    pub fn detect(start: &[u8], ended: bool) -> Option<Format> {
        const PRELUDE: usize = 12;
        if let Some(prelude) = start.get(..PRELUDE) {
            if crc32fast::hash(&prelude[..8]).to_be_bytes() == prelude[8..] {
                return Some(Format::Bedrock);
            }
        } else if start.first() == Some(&0) {
            return ended.then_some(Format::Bedrock);
        }
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        if !ended && start.len() < BOM.len() && BOM.starts_with(start) {
            return None;
        }
        let text = start.strip_prefix(BOM).unwrap_or(start);
        match text.iter().find(|&&b| !crate::text::is_json_ws(b)) {
            Some(b'{' | b'[') => Some(Format::JsonLines),
            Some(_) => Some(Format::Sse),
            None if ended => Some(Format::Sse),
            // Nothing but whitespace so far, or the start of a byte order mark.
            None => None,
        }
    }

    /// The framing of this format with the default limits, alone (to read a wire's raw events without typing
    /// them, as `anthropic-sse --frames` does); [`EventDecoder::for_format`](crate::EventDecoder::for_format)
    /// puts it under the typing and the fold.
    pub fn framing(self) -> Box<dyn Framing + Send> {
        match AnyFraming::new(self) {
            AnyFraming::Sse(f) => Box::new(f),
            AnyFraming::Bedrock(f) => Box::new(f),
            AnyFraming::JsonLines(f) => Box::new(f),
            AnyFraming::JsonEvents(f) => Box::new(f),
            AnyFraming::Other(f) => f,
        }
    }
}

/// The framing an [`EventDecoder`](crate::EventDecoder) holds: the built-in ones by value (so that the SSE fast
/// path and every call inline), any other boxed.
// SSE, the common wire, stays inline: boxing it would add an indirection to every call of the fast path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum AnyFraming {
    Sse(SseDecoder),
    Bedrock(Bedrock),
    JsonLines(JsonLines),
    JsonEvents(WholeEvents),
    Other(Box<dyn Framing + Send>),
}

impl AnyFraming {
    pub(crate) fn new(format: Format) -> Self {
        match format {
            Format::Sse => AnyFraming::Sse(SseDecoder::new()),
            Format::Bedrock => AnyFraming::Bedrock(Bedrock::new()),
            Format::JsonLines => AnyFraming::JsonLines(JsonLines::new()),
            Format::JsonEvents => AnyFraming::JsonEvents(WholeEvents::new()),
        }
    }

    /// The format of a built-in framing; `None` for one of the user's.
    pub(crate) fn format(&self) -> Option<Format> {
        Some(match self {
            AnyFraming::Sse(_) => Format::Sse,
            AnyFraming::Bedrock(_) => Format::Bedrock,
            AnyFraming::JsonLines(_) => Format::JsonLines,
            AnyFraming::JsonEvents(_) => Format::JsonEvents,
            AnyFraming::Other(_) => return None,
        })
    }

    /// The SSE decoder, when that is the framing.
    pub(crate) fn sse(&self) -> Option<&SseDecoder> {
        match self {
            AnyFraming::Sse(d) => Some(d),
            _ => None,
        }
    }

    /// The queue of whole events, when that is the framing.
    #[cfg(feature = "eventsource-stream")]
    pub(crate) fn json_events_mut(&mut self) -> Option<&mut WholeEvents> {
        match self {
            AnyFraming::JsonEvents(w) => Some(w),
            _ => None,
        }
    }

    /// For the pipeline's fold of SSE deltas in one pass: the input at hand from the read position, as text,
    /// when the framing is SSE and stands between events with nothing pending.
    #[inline]
    pub(crate) fn text_between_events(&self) -> Option<&str> {
        match self {
            AnyFraming::Sse(d) => d.text_at_event_start(),
            _ => None,
        }
    }

    /// Steps over the first `len` bytes of [`text_between_events`](Self::text_between_events), which the
    /// caller read as whole events, each ended by its blank line.
    #[inline]
    pub(crate) fn skip_whole_event(&mut self, len: usize) {
        if let AnyFraming::Sse(d) = self {
            d.skip_event(len);
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $f:ident => $e:expr) => {
        match $self {
            AnyFraming::Sse($f) => $e,
            AnyFraming::Bedrock($f) => $e,
            AnyFraming::JsonLines($f) => $e,
            AnyFraming::JsonEvents($f) => $e,
            AnyFraming::Other($f) => $e,
        }
    };
}

impl Framing for AnyFraming {
    #[inline]
    fn feed(&mut self, chunk: Bytes) {
        dispatch!(self, f => Framing::feed(f, chunk))
    }

    // Always inlined: it is one match in front of the SSE decoder's own method, on every event.
    #[inline(always)]
    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        dispatch!(self, f => Framing::next_event(f))
    }

    fn end_input(&mut self) {
        dispatch!(self, f => Framing::end_input(f))
    }

    fn finish(&mut self) -> Option<String> {
        dispatch!(self, f => Framing::finish(f))
    }

    fn set_limits(&mut self, limits: Limits) {
        dispatch!(self, f => Framing::set_limits(f, limits))
    }

    fn keeps_chunks_whole(&self) -> bool {
        dispatch!(self, f => Framing::keeps_chunks_whole(f))
    }
}
