//! What the decoder hands out: owned [`Frame`]s, borrowed [`FrameRef`]s, and what was left [`Unterminated`].

use std::fmt;

use super::text::BytesStr;

/// One dispatched server-sent event.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    event: Option<BytesStr>,
    data: BytesStr,
    id: BytesStr,
    retry: Option<u64>,
}

impl Frame {
    /// Builds a frame; `event` `None` (or empty) means the default type `message`.
    pub fn new(event: Option<BytesStr>, data: BytesStr, id: BytesStr, retry: Option<u64>) -> Self {
        let event = event.filter(|e| !e.is_empty());
        Frame { event, data, id, retry }
    }

    /// A frame whose `event`, when given, is not empty (no check needed).
    pub(super) fn named(event: Option<BytesStr>, data: BytesStr, id: BytesStr) -> Self {
        debug_assert!(event.as_ref().is_none_or(|e| !e.is_empty()));
        Frame { event, data, id, retry: None }
    }

    /// The event type: the last `event:` field of the event, or `message` when it had none.
    pub fn event(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }

    /// The `event:` field as sent, `None` when the event had no (or an empty) `event:` line.
    pub fn event_field(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The data: the `data:` lines joined with `\n`.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The data as shared bytes (no copy).
    pub fn data_shared(&self) -> &BytesStr {
        &self.data
    }

    /// The last event id in force when this frame was dispatched (empty if none was ever set).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The reconnection time in milliseconds, when this event set one with a valid `retry:` field.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Frame");
        d.field("event", &self.event()).field("data", &self.data()).field("id", &self.id());
        if let Some(retry) = self.retry {
            d.field("retry", &retry);
        }
        d.finish()
    }
}

/// A dispatched event borrowed from the [`SseDecoder`](super::Decoder) ([`SseDecoder::next_frame_ref`](super::Decoder::next_frame_ref)): the same fields as a
/// [`Frame`], read in place from the input, valid until the decoder is next used. Taking frames this way
/// spares the reference count that an owned frame's shared data costs.
///
/// ```
/// use anthropic_sse::framing::SseDecoder;
/// let mut decoder = SseDecoder::new();
/// decoder.feed(b"event: ping\ndata: {}\n\n");
/// let frame = decoder.next_frame_ref().unwrap().unwrap();
/// assert_eq!((frame.event(), frame.data()), ("ping", "{}"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    pub(super) event: Option<&'a str>,
    pub(super) data: &'a str,
    pub(super) id: &'a str,
    pub(super) retry: Option<u64>,
}

impl<'a> FrameRef<'a> {
    /// The event type: the last `event:` field of the event, or `message` when it had none.
    pub fn event(&self) -> &'a str {
        self.event.unwrap_or("message")
    }

    /// The `event:` field as sent, `None` when the event had no (or an empty) `event:` line.
    pub fn event_field(&self) -> Option<&'a str> {
        self.event
    }

    /// The data: the `data:` lines joined with `\n`.
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event id in force when this frame was dispatched (empty if none was ever set).
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time in milliseconds, when this event set one with a valid `retry:` field.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }
}

impl<'a> From<&'a Frame> for FrameRef<'a> {
    fn from(frame: &'a Frame) -> Self {
        FrameRef { event: frame.event_field(), data: frame.data(), id: frame.id(), retry: frame.retry() }
    }
}

impl From<FrameRef<'_>> for Frame {
    /// Copies the borrowed fields.
    fn from(frame: FrameRef<'_>) -> Self {
        Frame::new(frame.event.map(BytesStr::from), frame.data.into(), frame.id.into(), frame.retry)
    }
}

/// What was left over when the input ended in the middle of an event: the standard drops it, and the
/// decoder reports it so that a truncated stream can be told from a complete one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unterminated {
    /// The `event:` field of the unfinished event, if it had one.
    pub event: Option<String>,
    /// The data gathered so far from complete `data:` lines (`None` when there were none).
    pub data: Option<String>,
    /// Bytes of a last line that had no line ending.
    pub partial_line_bytes: usize,
}
