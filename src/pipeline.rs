//! The pipeline, [`EventDecoder`]: framing, typing and the fold in one sans-IO value, under the I/O drivers.

use bytes::Bytes;

use crate::error::Error;
use crate::fold::accumulate::MessageAccumulator;
use crate::fold::helpers::{self, SdkEvent};
use crate::framing::{AnyFraming, Format, Framing, RawEvent};
use crate::limits::Limits;
use crate::model::event::StreamEvent;
use crate::model::message::Message;
use crate::model::tool_input::ToolInputView;
use crate::partial_json::{PartialJsonError, PartialMode};
use crate::typing::fast::{self, FastDelta};

/// The pipeline: a framing (SSE unless chosen otherwise), typing and the fold in one sans-IO value. Bytes
/// in; typed events out, folded into the message as they pass.
///
/// The I/O drivers ([`Events`](crate::Events), [`BlockingEvents`](crate::BlockingEvents)) feed it; use it
/// directly to drive your own I/O, or to fold events you already hold ([`push_json`](Self::push_json)). It is
/// configured the way the drivers are: [`for_format`](Self::for_format) (or
/// [`with_framing`](Self::with_framing) for a wire of your own), then [`with_limits`](Self::with_limits),
/// [`with_partial_mode`](Self::with_partial_mode), [`with_request_id`](Self::with_request_id) and
/// [`with_aws_request_id`](Self::with_aws_request_id).
///
/// ```
/// use anthropic_sse::{EventDecoder, StreamEvent};
/// let mut decoder = EventDecoder::new();
/// decoder.feed(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",");
/// decoder.feed(b"\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n");
/// let event = decoder.next_event().unwrap().unwrap();
/// assert!(matches!(event, StreamEvent::MessageStart(_)));
/// assert!(decoder.next_event().is_none());
/// assert!(decoder.finish().is_err(), "no message_stop: the stream is incomplete");
/// ```
#[derive(Debug)]
pub struct EventDecoder {
    framing: AnyFraming,
    accumulator: MessageAccumulator,
    limits: Limits,
    request_id: Option<String>,
    /// `x-amzn-requestid` (Bedrock, Claude Platform on AWS).
    aws_request_id: Option<String>,
    /// The error that ended the stream, with the message as it was then: the answer from then on.
    failure: Option<Error>,
    /// The SDK helper event that follows the item handed out last.
    pending_helper: Option<SdkEvent>,
}

impl Default for EventDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl EventDecoder {
    /// An SSE decoder with the default limits.
    pub fn new() -> Self {
        Self::for_format(Format::Sse)
    }

    /// A decoder of the given wire format with the default limits.
    pub fn for_format(format: Format) -> Self {
        Self::from_framing(AnyFraming::new(format))
    }

    /// A decoder over a framing of your own (see [`Framing`]), with the default limits.
    pub fn with_framing(framing: impl Framing + Send + 'static) -> Self {
        Self::from_framing(AnyFraming::Other(Box::new(framing)))
    }

    fn from_framing(framing: AnyFraming) -> Self {
        let limits = Limits::default();
        let mut decoder = EventDecoder {
            framing,
            accumulator: MessageAccumulator::new(),
            limits,
            request_id: None,
            aws_request_id: None,
            failure: None,
            pending_helper: None,
        };
        decoder.set_limits(limits);
        decoder
    }

    /// Sets the limits of every layer (framing, fold, tool input).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.set_limits(limits);
        self
    }

    /// Replaces the framing with a built-in one of `format` (the drivers' `with_format`), keeping the limits.
    pub(crate) fn set_format(&mut self, format: Format) {
        self.framing = AnyFraming::new(format);
        self.framing.set_limits(self.limits);
    }

    fn set_limits(&mut self, limits: Limits) {
        self.framing.set_limits(limits);
        self.accumulator = std::mem::take(&mut self.accumulator).with_limits(limits);
        self.limits = limits;
    }

    /// How a string cut off at the end of a tool input is read (see
    /// [`MessageAccumulator::with_partial_mode`]).
    pub fn with_partial_mode(mut self, mode: PartialMode) -> Self {
        self.accumulator = self.accumulator.with_partial_mode(mode);
        self
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the value of the `x-amzn-requestid` response header (Bedrock; Claude Platform on AWS sends it beside
    /// `request-id`), so that API errors carry it as their primary id.
    pub fn with_aws_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.aws_request_id = Some(request_id.into());
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The wire format, `None` for a framing of your own.
    pub fn format(&self) -> Option<Format> {
        self.framing.format()
    }

    /// The `request-id` given with [`with_request_id`](Self::with_request_id).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `x-amzn-requestid` given with [`with_aws_request_id`](Self::with_aws_request_id).
    pub fn aws_request_id(&self) -> Option<&str> {
        self.aws_request_id.as_deref()
    }

    /// The SSE decoder underneath, when the format is SSE (its last event id, reconnection time and offset).
    pub(crate) fn sse(&self) -> Option<&crate::framing::SseDecoder> {
        self.framing.sse()
    }

    /// Whether each chunk fed must reach the framing as it came (see [`Framing::keeps_chunks_whole`]).
    pub(crate) fn keeps_chunks_whole(&self) -> bool {
        self.framing.keeps_chunks_whole()
    }

    /// Feeds one event decoded elsewhere with the name its wire gave it (an `eventsource_stream::Event`): queued
    /// as a whole event for [`Format::JsonEvents`], else fed as its JSON text.
    #[cfg(feature = "eventsource-stream")]
    pub(crate) fn push_named_event(&mut self, name: Option<String>, json: String) {
        match self.framing.json_events_mut() {
            Some(queue) => queue.push(name, json),
            None => self.feed_bytes(json.into()),
        }
    }

    /// Adds input (copied once here; a framing that assembles whole messages, Bedrock's or JSON lines', copies
    /// them again).
    pub fn feed(&mut self, chunk: &[u8]) {
        if !chunk.is_empty() {
            self.framing.feed(Bytes::copy_from_slice(chunk));
        }
    }

    /// Adds input without copying it.
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.framing.feed(chunk);
        }
    }

    /// The message folded so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.accumulator.snapshot()
    }

    /// The tool input of the block at `index` parsed from the pieces so far, incrementally (see
    /// [`MessageAccumulator::partial_tool_input`]).
    pub fn partial_tool_input(&mut self, index: usize) -> Option<Result<ToolInputView<'_>, PartialJsonError>> {
        self.accumulator.partial_tool_input(index)
    }

    /// Amazon Bedrock's metrics from `message_stop`, once it has arrived with them (see
    /// [`MessageStop::invocation_metrics`](crate::MessageStop::invocation_metrics)).
    pub fn invocation_metrics(&self) -> Option<&crate::model::InvocationMetrics> {
        self.accumulator.invocation_metrics()
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
            let raw = match self.framing.next_event() {
                Ok(Some(raw)) => raw,
                Ok(None) => return None,
                Err(e) => return Some(Err(self.fail(e))),
            };
            match type_and_fold(&mut self.accumulator, raw) {
                Some(Ok(event)) => return Some(Ok(event)),
                Some(Err(e)) => return Some(Err(self.fail(e))),
                None => {}
            }
        }
    }

    /// The next item of the official SDK's stream iteration ([`SdkEvent`]): the raw events (ping skipped), each
    /// delta followed by its helper event; the snapshots are this decoder's, read when the item is handed out
    /// ([`snapshot`](Self::snapshot), [`partial_tool_input`](Self::partial_tool_input),
    /// [`sdk_event_json`](Self::sdk_event_json)). `None` as for [`next_event`](Self::next_event).
    ///
    /// ```
    /// use anthropic_sse::{EventDecoder, SdkEvent};
    /// let mut decoder = EventDecoder::new();
    /// decoder.feed(anthropic_sse::SAMPLE_STREAM);
    /// let mut texts = Vec::new();
    /// while let Some(item) = decoder.next_sdk_event() {
    ///     let item = item?;
    ///     if let Some((text, so_far)) = decoder.sdk_text(&item) {
    ///         texts.push((text.to_owned(), so_far.len()));
    ///     }
    /// }
    /// assert_eq!(texts, [("Let me check the weather".to_owned(), 24), (" in Lisbon for you.".to_owned(), 43)]);
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn next_sdk_event(&mut self) -> Option<Result<SdkEvent, Error>> {
        if let Some(helper) = self.pending_helper.take() {
            return Some(Ok(helper));
        }
        loop {
            let event = match self.next_event()? {
                Ok(event) => event,
                Err(error) => return Some(Err(error)),
            };
            let (now, later) = helpers::items(event, self.accumulator.snapshot());
            self.pending_helper = later;
            if let Some(item) = now {
                return Some(Ok(item));
            }
        }
    }

    /// For a [`SdkEvent::Text`] or [`SdkEvent::Thinking`] item just handed out: the text appended, and the
    /// block's text so far (the snapshot), both views of the block (no copy).
    pub fn sdk_text(&self, item: &SdkEvent) -> Option<(&str, &str)> {
        helpers::text_of(&self.accumulator, item)
    }

    /// For a [`SdkEvent::InputJson`] item just handed out: the piece of JSON text, a view of the tool input
    /// received so far (the parsed snapshot is [`partial_tool_input`](Self::partial_tool_input)). `None` once
    /// the block has stopped.
    pub fn sdk_piece(&self, item: &SdkEvent) -> Option<&str> {
        helpers::piece_of(&self.accumulator, item)
    }

    /// An item of [`next_sdk_event`](Self::next_sdk_event) with its snapshot, as JSON text the way the SDK's
    /// `to_dict()` writes it (`{"type":"text","text":..,"snapshot":..}`, `{"type":"input_json",
    /// "partial_json":..,"snapshot":{..}}`, `{"type":"content_block_stop","index":..,"content_block":{..}}`,
    /// `{"type":"message_stop","message":{..}}`, raw events as on the wire). Call it before the next item:
    /// the snapshot is the decoder's state now. It copies the snapshot, by nature.
    pub fn sdk_event_json(&mut self, item: &SdkEvent) -> String {
        helpers::to_json(item, &mut self.accumulator)
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
    /// let message = decoder.into_final_message()?;
    /// assert_eq!(message.text(), "Let me check the weather in Lisbon for you.");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn fold_buffered(&mut self) -> Result<(), Error> {
        // After `message_stop` the message is final: what follows is not read (whatever chunk it came in).
        if self.failure.is_some() || self.accumulator.is_complete() {
            return Ok(());
        }
        loop {
            // A delta event as the API writes it, read straight from the wire into its block: its string's
            // closing quote is where the SSE line ends, so the line is not searched first.
            if let Some(text) = self.framing.text_between_events() {
                // The deltas that follow each other in the text at hand, read one after the other, then
                // stepped over at once.
                let mut taken = 0;
                let mut failed = None;
                while let Some((len, folded)) = fold_whole_sse_delta(&mut self.accumulator, &text[taken..]) {
                    taken += len;
                    if let Err(e) = folded {
                        failed = Some(e);
                        break;
                    }
                }
                if taken > 0 {
                    self.framing.skip_whole_event(taken);
                    match failed {
                        None => continue,
                        Some(e) => return Err(self.fail(e)),
                    }
                }
            }
            let raw = match self.framing.next_event() {
                Ok(Some(raw)) => raw,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(e)),
            };
            if let Err(e) = fold(&mut self.accumulator, raw) {
                return Err(self.fail(e));
            }
            if self.accumulator.is_complete() {
                return Ok(());
            }
        }
    }

    /// Types and folds one event that arrived already split (a gateway's message, the AWS SDK's payload), given
    /// by its JSON text: the same as feeding it through a framing (events already fed to the framing and not
    /// yet taken come after it). `None` when it carries no event or the stream has already failed.
    ///
    /// ```
    /// use anthropic_sse::{EventDecoder, StreamEvent};
    /// let mut decoder = EventDecoder::new();
    /// let start = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{"output_tokens":1}}}"#;
    /// assert!(matches!(decoder.push_json(start), Some(Ok(StreamEvent::MessageStart(_)))));
    /// assert!(matches!(decoder.push_json(r#"{"type":"message_stop"}"#), Some(Ok(StreamEvent::MessageStop(_)))));
    /// assert_eq!(decoder.into_final_message()?.id, "m");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn push_json(&mut self, json: &str) -> Option<Result<StreamEvent, Error>> {
        self.push_named(None, json)
    }

    fn push_named(&mut self, name: Option<&str>, json: &str) -> Option<Result<StreamEvent, Error>> {
        if self.failure.is_some() {
            return None;
        }
        if json.len() > self.limits.max_event_bytes() {
            let limit = crate::limits::LimitError::EventTooLarge { limit: self.limits.max_event_bytes(), offset: 0 };
            return Some(Err(self.fail(limit.into())));
        }
        match type_and_fold(&mut self.accumulator, RawEvent { json, name })? {
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
        error.set_request_ids(self.request_id.as_deref(), self.aws_request_id.as_deref());
        if error.partial_message().is_none() {
            error = error.with_partial_message(self.accumulator.partial_message());
        }
        self.failure = Some(error.clone());
        error
    }

    /// Says that no more input will come, so that [`next_event`](Self::next_event) hands out the events the
    /// end completes (for [`Format::JsonLines`], a last line without its line end; nothing for SSE or
    /// Bedrock). [`finish`](Self::finish) does it too, folding such events without handing them out.
    pub fn end_input(&mut self) {
        self.framing.end_input();
    }

    /// Ends the input: `Ok` when the stream ended cleanly after `message_stop`; otherwise the error that ended
    /// it, or the incomplete-stream error that says what was missing, with the message so far. Call it after
    /// [`next_event`](Self::next_event) has returned `None`; what the end of input completes (a last JSON line
    /// without its line end) is folded first (to hand it out as events, call [`end_input`](Self::end_input)
    /// and take them with `next_event` before this).
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(first) = &self.failure {
            return Err(first.clone());
        }
        self.end_input();
        self.fold_buffered()?;
        let leftover = self.framing.finish();
        if self.accumulator.is_complete() {
            return Ok(());
        }
        let mut detail = if self.accumulator.snapshot().is_some() {
            "the input ended without message_stop".to_owned()
        } else {
            "the input ended without message_start".to_owned()
        };
        if let Some(rest) = leftover {
            detail.push_str("; ");
            detail.push_str(&rest);
        }
        Err(self.fail(Error::incomplete(detail)))
    }

    /// How many events were folded so far, and how many of them were content deltas.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.accumulator.counts()
    }

    /// The message so far with the tool input still streaming parsed as far as it goes, the decoder left as
    /// it is.
    pub(crate) fn partial_message(&mut self) -> Option<Message> {
        self.accumulator.partial_message()
    }

    /// Whether `message_stop` has arrived (the message is complete; later events change nothing).
    pub(crate) fn is_complete(&self) -> bool {
        self.accumulator.is_complete()
    }

    /// Ends the input ([`finish`](Self::finish)) and returns the final message: `Ok` after `message_stop`,
    /// else the error that ended the stream (the first one stays the answer), with the message so far.
    pub fn into_final_message(mut self) -> Result<Message, Error> {
        self.finish()?;
        let (anthropic, aws) = (self.request_id, self.aws_request_id);
        self.accumulator.finish().map_err(|mut error| {
            error.set_request_ids(anthropic.as_deref(), aws.as_deref());
            error
        })
    }

    /// The message so far with cut-off tool input parsed as far as it goes.
    pub fn into_partial_message(self) -> Option<Message> {
        self.accumulator.into_partial()
    }
}

/// Types one raw event and folds it: `None` for one that carries no event.
#[inline]
fn type_and_fold(accumulator: &mut MessageAccumulator, raw: RawEvent<'_>) -> Option<Result<StreamEvent, Error>> {
    Some(match StreamEvent::from_json(raw.json, raw.name) {
        Ok(Some(event)) => accumulator.apply(&event).map(|()| event),
        Ok(None) => return None,
        Err(e) => Err(e),
    })
}

/// The route of [`EventDecoder::fold_buffered`]: a delta of the fast shape is decoded straight into its
/// block; any other event is typed (an unknown one only checked) and applied.
#[inline]
fn fold(accumulator: &mut MessageAccumulator, raw: RawEvent<'_>) -> Result<(), Error> {
    if fold_in_place(accumulator, raw)? {
        return Ok(());
    }
    match StreamEvent::for_fold(raw.json, raw.name)? {
        Some(event) => accumulator.apply_owned(event),
        None => Ok(()),
    }
}

/// A whole SSE delta event of the fast shape at the start of `text`, decoded into its block: how many bytes it
/// took, and the fold's result (an error only from a limit the block's growth crossed). `None` when the
/// event is of another shape or the fold declines it (no such block, another kind of block, after
/// `message_stop`): nothing was written, and the layered route reads it as usual.
#[inline]
fn fold_whole_sse_delta(accumulator: &mut MessageAccumulator, text: &str) -> Option<(usize, Result<(), Error>)> {
    let (index, kind, body) = fast::sse_delta_head(text)?;
    if kind == FastDelta::Signature {
        return None;
    }
    let head = text.len() - body.len();
    let mut taken = 0;
    let folded = accumulator.append_in_place(index, kind, |buffer| match fast::decode_sse_delta_body(body, buffer) {
        Some(len) => {
            taken = len;
            true
        }
        None => false,
    });
    match folded {
        Ok(true) => Some((head + taken, Ok(()))),
        Ok(false) => None,
        // Only a limit checked after the piece was written: the event was read.
        Err(e) => (taken > 0).then_some((head + taken, Err(e))),
    }
}

/// `Ok(true)` when the event was a delta of the fast shape and is now folded; `Ok(false)` when it must take
/// the typed route.
#[inline]
fn fold_in_place(accumulator: &mut MessageAccumulator, raw: RawEvent<'_>) -> Result<bool, Error> {
    // As in typing, these names decide the event whatever the data holds.
    if matches!(raw.name, Some("ping" | "error")) {
        return Ok(false);
    }
    let Some((index, kind, body)) = fast::delta_head(raw.json) else { return Ok(false) };
    if kind == FastDelta::Signature {
        return Ok(false);
    }
    accumulator.append_in_place(index, kind, |buffer| fast::decode_delta_body(body, buffer))
}
