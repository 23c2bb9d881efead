//! Framing, the first layer: bytes in, one raw event at a time out ([`RawEvent`]: the event's JSON text, and a
//! name where the wire gives one).
//!
//! Every wire format is one implementation of [`Framing`]; the layers above (typing, the fold, the
//! [`EventDecoder`](crate::EventDecoder) and its I/O drivers) take any of them:
//!
//! * [`sse::Decoder`]: Server-Sent Events, the wire of the first-party API and Vertex AI;
//! * [`Bedrock`]: Amazon Bedrock's AWS event stream ([`eventstream`]), each message one event in base64;
//! * [`JsonLines`]: newline-delimited JSON events, one per line (a gateway's, the TypeScript SDK's
//!   `toReadableStream()`);
//! * [`WholeEvents`]: events that arrive already split, one JSON text each (the AWS SDK's `PayloadPart`, an
//!   `eventsource-stream` frame).
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
pub mod eventstream;
mod json_lines;
pub mod sse;

pub use bedrock::Bedrock;
pub use json_lines::JsonLines;

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
/// bounded by the [`Limits`] given to [`set_limits`](Self::set_limits). A framing is chosen at compile time
/// (`EventDecoder<sse::Decoder>`) or at run time (`EventDecoder<Box<dyn Framing + Send>>`), through the same
/// pipeline.
///
/// ```
/// use anthropic_sse::framing::{sse, Framing, WholeEvents};
/// use anthropic_sse::EventDecoder;
///
/// // Chosen at run time, e.g. from a content type.
/// let framing: Box<dyn Framing + Send> = match "text/event-stream" {
///     "text/event-stream" => Box::new(sse::Decoder::new()),
///     _ => Box::new(WholeEvents::new()),
/// };
/// let mut decoder = EventDecoder::with_framing(framing, Default::default());
/// decoder.feed(anthropic_sse::SAMPLE_STREAM);
/// decoder.fold_buffered()?;
/// assert!(decoder.finish().is_none());
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
    /// [`WholeEvents`]): the drivers then never gather small chunks into one. `false` for byte streams.
    fn keeps_chunks_whole(&self) -> bool {
        false
    }

    /// For the pipeline's fold of SSE deltas in one pass (`EventDecoder::fold_buffered`): the input at hand
    /// from the read position, as text, when the framing stands between events with nothing pending; `None`
    /// otherwise, and always for framings other than SSE. Not for other callers.
    #[doc(hidden)]
    fn text_between_events(&self) -> Option<&str> {
        None
    }

    /// Steps over the first `len` bytes of [`text_between_events`](Self::text_between_events), which the
    /// caller read as whole events, each ended by its blank line. Not for other callers.
    #[doc(hidden)]
    fn skip_whole_event(&mut self, len: usize) {
        let _ = len;
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

    #[inline]
    fn text_between_events(&self) -> Option<&str> {
        (**self).text_between_events()
    }

    #[inline]
    fn skip_whole_event(&mut self, len: usize) {
        (**self).skip_whole_event(len);
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

    #[inline]
    fn text_between_events(&self) -> Option<&str> {
        self.text_at_event_start()
    }

    #[inline]
    fn skip_whole_event(&mut self, len: usize) {
        self.skip_event(len);
    }
}

/// Events that arrive already split: each chunk fed is one whole event's JSON text (the `bytes` of the AWS
/// SDK's `PayloadPart`, a gateway's message), and [`push`](Self::push) takes one with a name (an
/// `eventsource_stream::Event`). Invalid UTF-8 becomes U+FFFD, as on SSE. An event larger than
/// [`Limits::with_max_event_bytes`] is a limit error, as on SSE; events fed and not yet taken are held as they
/// came (take them as you feed them). The drivers never merge items for it
/// ([`EventStream::from_json_events`](crate::EventStream::from_json_events),
/// [`BlockingEvents::from_json_events`](crate::BlockingEvents::from_json_events)); a blocking reader's reads
/// are not events, so over a `std::io::Read` use [`JsonLines`] instead.
#[derive(Debug, Clone, Default)]
pub struct WholeEvents {
    queue: VecDeque<(Option<String>, Bytes)>,
    /// The event handed out last, kept so that its text can be lent.
    current: (Option<String>, String),
    /// Bytes handed out so far, for the offset a limit error names.
    offset: u64,
    limits: Limits,
}

impl WholeEvents {
    /// An empty queue of events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one event with the name its wire gave it (see [`RawEvent::name`]).
    pub fn push(&mut self, name: Option<String>, json: impl Into<Bytes>) {
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
