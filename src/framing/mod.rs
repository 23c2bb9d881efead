//! Framing, the first layer: bytes in, one raw event at a time out ([`RawEvent`]: the event's JSON text, and a
//! name where the wire gives one).
//!
//! Every wire format is one implementation of [`Framing`]; the pipeline ([`EventDecoder`](crate::EventDecoder))
//! and its drivers take the built-in ones by [`Format`], and any other through
//! [`EventDecoder::with_framing`](crate::EventDecoder::with_framing):
//!
//! * [`Format::Sse`], read by [`SseDecoder`]: Server-Sent Events, the wire of the first-party API and Vertex
//!   AI;
//! * [`Format::Bedrock`]: Amazon Bedrock's AWS event stream ([`EventStreamDecoder`]),
//!   each message one event in base64;
//! * [`Format::JsonLines`]: newline-delimited JSON events, one per line (a gateway's, the TypeScript SDK's
//!   `toReadableStream()`);
//! * [`Format::JsonEvents`]: events that arrive already split, each chunk one event's JSON text (the AWS SDK's
//!   `PayloadPart`, a gateway's messages).
//!
//! As in tokio-util's codecs and `httparse`, a framing never waits and never fails for lack of input:
//! [`Framing::next_event`] returns `Ok(None)` when it needs more, and [`Framing::finish`] says at the end of
//! input whether an event was left unfinished.

use std::collections::VecDeque;
use std::fmt;

use bytes::Bytes;

use crate::error::Error;
use crate::limits::{LimitError, Limits};

mod bedrock;
mod eventstream;
mod json_lines;
pub(crate) mod sse;

pub(crate) use bedrock::Bedrock;
pub use eventstream::{Decoder as EventStreamDecoder, HeaderValue, Message as EventStreamMessage};
pub(crate) use json_lines::JsonLines;
pub use sse::{BytesStr, Decoder as SseDecoder, Frame, FrameRef};

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
    /// (`application/vnd.amazon.eventstream`): event-stream messages ([`EventStreamDecoder`]), each
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

    #[inline]
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

/// One event as the wire delivers it, before it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent<'a> {
    /// The event's JSON text (for SSE, the `data` lines joined).
    pub json: &'a str,
    /// The name the wire gives the event beside its JSON (SSE's `event:` field, `message` when absent), `None`
    /// where the wire has none. Typing dispatches on the JSON's `type`; only the names `ping` and `error`
    /// decide an event by themselves, as the SDKs read them.
    pub name: Option<&'a str>,
}

/// A wire format: bytes in, [`RawEvent`]s out, sans I/O.
///
/// The same bytes must give the same events however they are split into chunks, and memory must stay
/// bounded by the [`Limits`] given to [`set_limits`](Self::set_limits). The built-in framings are chosen by
/// [`Format`]; implement this trait for another wire and hand it to
/// [`EventDecoder::with_framing`](crate::EventDecoder::with_framing): the typing, fold and errors are the same.
///
/// ```
/// use anthropic_sse::framing::{Framing, RawEvent, SseDecoder};
/// use anthropic_sse::{EventDecoder, Error, Limits};
///
/// /// SSE whose events are counted as they pass.
/// #[derive(Debug, Default)]
/// struct Counted { sse: SseDecoder, seen: usize }
///
/// impl Framing for Counted {
///     fn feed(&mut self, chunk: bytes::Bytes) { Framing::feed(&mut self.sse, chunk) }
///     fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
///         let event = self.sse.next_event()?;
///         self.seen += event.is_some() as usize;
///         Ok(event)
///     }
///     fn finish(&mut self) -> Option<String> { Framing::finish(&mut self.sse) }
///     fn set_limits(&mut self, limits: Limits) { Framing::set_limits(&mut self.sse, limits) }
/// }
///
/// let mut decoder = EventDecoder::with_framing(Counted::default());
/// decoder.feed(anthropic_sse::SAMPLE_STREAM);
/// decoder.fold_buffered()?;
/// decoder.finish()?;
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
pub trait Framing: fmt::Debug {
    /// Adds input without copying it.
    fn feed(&mut self, chunk: Bytes);

    /// The next event the input fed so far completes; `Ok(None)` when it needs more input. An error (a limit
    /// exceeded, a corrupt frame) ends the stream: the pipeline asks for no further events.
    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error>;

    /// Says that no more input will come, so that `next_event` hands out what the end completes (a last JSON
    /// line without its line end). Most wire formats have nothing to do: an event is complete only when its
    /// end arrives.
    fn end_input(&mut self) {}

    /// Ends the input: `None` when it ended cleanly between events, else what was left unfinished, in words
    /// (the pipeline puts it in its incomplete-stream error). Call it after `next_event` returned `Ok(None)`.
    fn finish(&mut self) -> Option<String>;

    /// Sets the limits the framing enforces.
    fn set_limits(&mut self, limits: Limits);

    /// Whether each chunk fed is a unit that must reach the framing as it came (one event each, as for
    /// [`Format::JsonEvents`]): the drivers then never gather small chunks into one. `false` for byte streams.
    fn keeps_chunks_whole(&self) -> bool {
        false
    }
}

impl<F: Framing + ?Sized> Framing for Box<F> {
    fn feed(&mut self, chunk: Bytes) {
        (**self).feed(chunk);
    }

    #[inline]
    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        (**self).next_event()
    }

    fn end_input(&mut self) {
        (**self).end_input();
    }

    fn finish(&mut self) -> Option<String> {
        (**self).finish()
    }

    fn set_limits(&mut self, limits: Limits) {
        (**self).set_limits(limits);
    }

    fn keeps_chunks_whole(&self) -> bool {
        (**self).keeps_chunks_whole()
    }
}

// `#[inline]` on these small impls: the pipeline is generic, so it is compiled in the user's crate, where a
// call that is not inlined costs a few percent per event (measured with callgrind).
impl Framing for sse::Decoder {
    #[inline]
    fn feed(&mut self, chunk: Bytes) {
        self.feed_bytes(chunk);
    }

    #[inline]
    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        match self.next_frame_ref()? {
            Some(frame) => Ok(Some(RawEvent { json: frame.data(), name: Some(frame.event()) })),
            None => Ok(None),
        }
    }

    fn finish(&mut self) -> Option<String> {
        let rest = sse::Decoder::finish(self)?;
        Some(format!(
            "an unterminated event{} was left undispatched ({} bytes of an unfinished line)",
            rest.event.map(|e| format!(" ({e})")).unwrap_or_default(),
            rest.partial_line_bytes
        ))
    }

    fn set_limits(&mut self, limits: Limits) {
        sse::Decoder::set_limits(self, limits);
    }
}

/// [`Format::JsonEvents`]: each chunk fed is one whole event's JSON text, and [`push`](Self::push) takes one
/// with a name (an `eventsource_stream::Event`). Invalid UTF-8 becomes U+FFFD, as on SSE. An event larger than
/// [`Limits::with_max_event_bytes`] is a limit error, as on SSE; events fed and not yet taken are held as they
/// came. The drivers never merge chunks for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct WholeEvents {
    queue: VecDeque<(Option<String>, Bytes)>,
    /// The event handed out last, kept so that its text can be lent.
    current: (Option<String>, String),
    /// Bytes handed out so far, for the offset a limit error names.
    offset: u64,
    limits: Limits,
}

impl WholeEvents {
    /// An empty queue of events.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds one event with the name its wire gave it (see [`RawEvent::name`]).
    #[cfg(feature = "eventsource-stream")]
    pub(crate) fn push(&mut self, name: Option<String>, json: impl Into<Bytes>) {
        self.queue.push_back((name, json.into()));
    }
}

impl Framing for WholeEvents {
    fn feed(&mut self, chunk: Bytes) {
        self.queue.push_back((None, chunk));
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        let Some((name, json)) = self.queue.pop_front() else { return Ok(None) };
        let offset = self.offset;
        self.offset += json.len() as u64;
        if json.len() > self.limits.max_event_bytes() {
            return Err(LimitError::EventTooLarge { limit: self.limits.max_event_bytes(), offset }.into());
        }
        // No copy when the bytes are not shared and are UTF-8.
        let json = String::from_utf8(Vec::from(json))
            .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned());
        self.current = (name, json);
        Ok(Some(RawEvent { json: &self.current.1, name: self.current.0.as_deref() }))
    }

    fn finish(&mut self) -> Option<String> {
        let left = self.queue.len();
        self.queue.clear();
        (left > 0).then(|| format!("{left} events were fed but not read"))
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    fn keeps_chunks_whole(&self) -> bool {
        true
    }
}
