//! [`EventDecoder`]: the sans-IO core of the adapters. Bytes in; typed events out, folded into the message as
//! they pass.

use bytes::Bytes;

use crate::error::Error;
use crate::fold::accumulate::MessageAccumulator;
use crate::framing::sse::{Decoder, Limits};
use crate::model::event::StreamEvent;
use crate::model::message::Message;
use crate::typing::fast::{self, FastDelta};

/// Bytes in, typed events out, with the message folded as events pass; no I/O of its own.
///
/// The stream adapters ([`EventStream`](crate::EventStream), [`BlockingEvents`](crate::BlockingEvents)) are
/// thin loops around it; use it directly to drive your own I/O.
///
/// ```
/// use anthropic_sse::{EventDecoder, StreamEvent};
/// let mut decoder = EventDecoder::new();
/// decoder.feed(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",");
/// decoder.feed(b"\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n");
/// let event = decoder.next_event().unwrap().unwrap();
/// assert!(matches!(event, StreamEvent::MessageStart(_)));
/// assert!(decoder.next_event().is_none());
/// assert!(decoder.end().is_some(), "no message_stop: the stream is incomplete");
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventDecoder {
    frames: Decoder,
    accumulator: MessageAccumulator,
    request_id: Option<String>,
    /// The error that ended the stream, with the message as it was then: the answer from then on.
    failure: Option<Error>,
}

impl EventDecoder {
    /// A decoder with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given SSE limits.
    pub fn with_limits(limits: Limits) -> Self {
        EventDecoder { frames: Decoder::with_limits(limits), ..Self::default() }
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn set_request_id(&mut self, request_id: impl Into<String>) {
        self.request_id = Some(request_id.into());
    }

    /// The request id given with [`set_request_id`](Self::set_request_id).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Adds input (copied once).
    pub fn feed(&mut self, chunk: &[u8]) {
        self.frames.feed(chunk);
    }

    /// Adds input without copying it.
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        self.frames.feed_bytes(chunk);
    }

    /// The message folded so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.accumulator.snapshot()
    }

    /// The accumulator (for the raw tool input of a block still streaming).
    pub fn accumulator(&self) -> &MessageAccumulator {
        &self.accumulator
    }

    /// The tool input of the block at `index` parsed from the pieces so far, incrementally (see
    /// [`MessageAccumulator::partial_tool_input`]).
    pub fn partial_tool_input(
        &mut self,
        index: usize,
    ) -> Option<Result<crate::ToolInputView<'_>, crate::fold::partial_json::PartialJsonError>> {
        self.accumulator.partial_tool_input(index)
    }

    /// Replaces the accumulator, e.g. with one that has other limits.
    pub fn with_accumulator(mut self, accumulator: MessageAccumulator) -> Self {
        self.accumulator = accumulator;
        self
    }

    /// Whether an error has ended the stream.
    pub fn has_failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The error that ended the stream, if one did, with the message as it was then.
    pub fn failure(&self) -> Option<&Error> {
        self.failure.as_ref()
    }

    /// The next event the input fed so far completes, `None` when it holds no further complete event or
    /// after an error. An error ends the stream: every later call returns `None`.
    pub fn next_event(&mut self) -> Option<Result<StreamEvent, Error>> {
        if self.failure.is_some() {
            return None;
        }
        loop {
            let frame = match self.frames.next_frame_ref() {
                Ok(Some(frame)) => frame,
                Ok(None) => return None,
                Err(e) => return Some(Err(self.fail(e.into()))),
            };
            match type_and_fold(&mut self.accumulator, frame.event(), frame.data()) {
                Some(Ok(event)) => return Some(Ok(event)),
                Some(Err(e)) => return Some(Err(self.fail(e))),
                None => {}
            }
        }
    }

    /// Folds every event the input fed so far completes into the message, without handing the events out:
    /// the same as calling [`next_event`](Self::next_event) until it returns `None`, but text, thinking and
    /// tool-input deltas are decoded straight into their block, with no event built and nothing allocated.
    /// `Err` is the error that ended the stream (every later call returns `Ok`).
    ///
    /// ```
    /// use anthropic_sse::EventDecoder;
    /// let mut decoder = EventDecoder::new();
    /// decoder.feed(anthropic_sse::SAMPLE_STREAM);
    /// decoder.fold_buffered()?;
    /// assert!(decoder.end().is_none());
    /// let message = decoder.into_final_message(None)?;
    /// assert_eq!(message.text(), "Let me check the weather in Lisbon for you.");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn fold_buffered(&mut self) -> Result<(), Error> {
        if self.failure.is_some() {
            return Ok(());
        }
        loop {
            let frame = match self.frames.next_frame_ref() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(e.into())),
            };
            let folded = match fold_in_place(&mut self.accumulator, frame.event(), frame.data()) {
                Ok(true) => Ok(()),
                Ok(false) => match StreamEvent::for_fold(frame.event(), frame.data()) {
                    Ok(Some(event)) => self.accumulator.apply_owned(event),
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = folded {
                return Err(self.fail(e));
            }
        }
    }

    /// Types and folds one frame that was decoded elsewhere (e.g. by `eventsource-stream`), given by its
    /// event name and data. `None` when the frame carries no event or the stream has already failed.
    pub fn push_frame(&mut self, event: &str, data: &str) -> Option<Result<StreamEvent, Error>> {
        if self.failure.is_some() {
            return None;
        }
        match type_and_fold(&mut self.accumulator, event, data)? {
            Ok(event) => Some(Ok(event)),
            Err(e) => Some(Err(self.fail(e))),
        }
    }

    /// Records an error from outside (e.g. the transport), ending the stream. The error comes back with the
    /// request id and the message so far attached; from then on it is the stream's answer (see
    /// [`into_final_message`](Self::into_final_message)). If the stream had already failed, the first error is
    /// returned instead.
    pub fn fail(&mut self, mut error: Error) -> Error {
        if let Some(first) = &self.failure {
            return first.clone();
        }
        if let (Error::Api { error, .. }, Some(id)) = (&mut error, &self.request_id) {
            error.set_request_id(id.clone());
        }
        if error.partial_message().is_none() {
            error = error.with_partial_message(self.accumulator.partial_message());
        }
        self.failure = Some(error.clone());
        error
    }

    /// Ends the input. `None` when the stream ended cleanly after `message_stop`; otherwise the
    /// [`Error::Incomplete`] that says what was missing. Call it after [`next_event`](Self::next_event) has
    /// returned `None`.
    pub fn end(&mut self) -> Option<Error> {
        if self.failure.is_some() {
            return None;
        }
        let leftover = self.frames.finish();
        if self.accumulator.is_complete() {
            return None;
        }
        let mut detail = if self.accumulator.snapshot().is_some() {
            "the input ended without message_stop".to_owned()
        } else {
            "the input ended without message_start".to_owned()
        };
        if let Some(rest) = leftover {
            detail.push_str(&format!(
                "; an unterminated event{} was left undispatched ({} bytes of an unfinished line)",
                rest.event.map(|e| format!(" ({e})")).unwrap_or_default(),
                rest.partial_line_bytes
            ));
        }
        Some(self.fail(Error::Incomplete { detail, partial: None }))
    }

    /// The final message, once the stream has ended: `Ok` after `message_stop`, else the error that ended it
    /// with the message so far attached. The first error that ended the stream stays the answer; `end_error`
    /// (what [`end`](Self::end) or the last event returned) counts only when the decoder has not recorded one.
    pub fn into_final_message(self, end_error: Option<Error>) -> Result<Message, Error> {
        match self.failure.or(end_error) {
            None => self.accumulator.finish(),
            Some(error) if error.partial_message().is_some() => Err(error),
            Some(error) => Err(error.with_partial_message(self.accumulator.into_partial())),
        }
    }

    /// The message so far with cut-off tool input parsed as far as it goes.
    pub fn into_partial_message(self) -> Option<Message> {
        self.accumulator.into_partial()
    }
}

/// Types one frame and folds the event: `None` for a frame that carries no event.
fn type_and_fold(accumulator: &mut MessageAccumulator, event: &str, data: &str) -> Option<Result<StreamEvent, Error>> {
    Some(match StreamEvent::from_parts(event, data) {
        Ok(Some(event)) => accumulator.apply(&event).map(|()| event),
        Ok(None) => return None,
        Err(e) => Err(e),
    })
}

/// The in-place route of [`EventDecoder::fold_buffered`]: `Ok(true)` when the frame was a delta of the fast
/// shape and is now folded; `Ok(false)` when it must take the typed route.
fn fold_in_place(accumulator: &mut MessageAccumulator, event: &str, data: &str) -> Result<bool, Error> {
    // As in `StreamEvent::from_parts`, these names decide the event whatever the data holds.
    if event == "ping" || event == "error" {
        return Ok(false);
    }
    let Some((index, kind, body)) = fast::delta_head(data) else { return Ok(false) };
    if kind == FastDelta::Signature {
        return Ok(false);
    }
    accumulator.append_in_place(index, kind, |buffer| fast::decode_delta_body(body, buffer))
}
