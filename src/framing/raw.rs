//! The seam every wire format implements: [`Framing`], and the [`RawEvent`] it hands out.

use std::fmt;

use bytes::Bytes;

use crate::error::Error;
use crate::limits::Limits;

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
/// [`Format`](super::Format); implement this trait for another wire and hand it to
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
    /// [`Format::JsonEvents`](super::Format::JsonEvents)): the drivers then never gather small chunks into one. `false` for byte streams.
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
