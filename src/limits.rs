//! [`Limits`]: every bound on what a stream may make the crate hold, in one value set once on the
//! [`EventDecoder`](crate::EventDecoder) (or on a layer used alone).

use crate::partial_json::MAX_DEPTH;

/// The default of the byte limits: 64 MiB.
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024 * 1024;

/// Upper bounds on what a stream can make the crate buffer, so that hostile or broken input cannot take
/// unbounded memory. Every limit that is exceeded ends the stream with an error of category
/// [`ErrorKind::Limit`](crate::error::ErrorKind::Limit) that names the limit and the setter that raises it.
///
/// ```
/// use anthropic_sse::{EventDecoder, Limits};
/// let limits = Limits::default().with_max_line_bytes(1 << 20).with_max_event_bytes(8 << 20);
/// assert_eq!(limits.max_line_bytes(), 1 << 20);
/// assert_eq!(limits.max_tool_input_bytes(), 64 << 20);
/// let decoder = EventDecoder::new().with_limits(limits);
/// assert_eq!(decoder.limits(), limits);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_line: usize,
    max_event: usize,
    max_tool_input: usize,
    max_payload: usize,
    max_header: usize,
}

/// The default payload limit of one AWS event-stream message: 24 MiB, as botocore.
pub(crate) const DEFAULT_PAYLOAD_LIMIT: usize = 24 * 1024 * 1024;

/// The default header limit of one AWS event-stream message: 128 KiB, as botocore.
pub(crate) const DEFAULT_HEADER_LIMIT: usize = 128 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: DEFAULT_LIMIT,
            max_event: DEFAULT_LIMIT,
            max_tool_input: DEFAULT_LIMIT,
            max_payload: DEFAULT_PAYLOAD_LIMIT,
            max_header: DEFAULT_HEADER_LIMIT,
        }
    }
}

impl Limits {
    /// The longest line accepted (of SSE, or of JSON lines), in bytes, not counting its line ending (default
    /// 64 MiB).
    pub fn with_max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// The largest data of one event accepted, in bytes (for SSE, after joining its `data` lines; for events
    /// that arrive already split, each whole event; default 64 MiB).
    pub fn with_max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event = bytes;
        self
    }

    /// The largest input text of one tool call, in bytes, gathered from its pieces (default 64 MiB).
    pub fn with_max_tool_input_bytes(mut self, bytes: usize) -> Self {
        self.max_tool_input = bytes;
        self
    }

    /// The largest payload of one AWS event-stream message, in bytes (default 24 MiB, as botocore).
    pub fn with_max_payload_bytes(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }

    /// The largest headers of one AWS event-stream message, in bytes (default 128 KiB, as botocore).
    pub fn with_max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header = bytes;
        self
    }

    /// The AWS event-stream payload limit in bytes.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload
    }

    /// The AWS event-stream header limit in bytes.
    pub fn max_header_bytes(&self) -> usize {
        self.max_header
    }

    /// The SSE line limit in bytes.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line
    }

    /// The event data limit in bytes.
    pub fn max_event_bytes(&self) -> usize {
        self.max_event
    }

    /// The tool input limit in bytes.
    pub fn max_tool_input_bytes(&self) -> usize {
        self.max_tool_input
    }

    /// How deep tool input may nest (arrays and objects): 100, fixed. Deeper input is invalid tool input.
    /// It is not settable: `serde_json` reads at most 128 levels, and a message (2 levels) around a tool input
    /// the crate accepted must always read back.
    pub fn max_depth(&self) -> usize {
        MAX_DEPTH
    }
}

/// A limit was exceeded: which, where, and the setter that raises it. The layer that hit it stops there (an
/// SSE decoder returns the same error from then on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// A line was longer than [`Limits::with_max_line_bytes`].
    #[error(
        "a line starting at byte {offset} (of an SSE stream or JSON lines) is longer than the limit of {limit} bytes; if such lines are \
         expected, raise it with `Limits::with_max_line_bytes`"
    )]
    LineTooLong {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream of the first byte of the line.
        offset: u64,
    },
    /// One event's data grew larger than [`Limits::with_max_event_bytes`].
    #[error(
        "the data of an event grew past the limit of {limit} bytes at byte {offset} (for SSE, the start of the \
         line that went over); if such events are expected, raise it with `Limits::with_max_event_bytes`"
    )]
    EventTooLarge {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream of the first byte of the `data` line that went over the limit.
        offset: u64,
    },
    /// An AWS event-stream message announced a payload larger than [`Limits::with_max_payload_bytes`].
    #[error(
        "an event-stream message at byte {offset} announces a payload over the limit of {limit} bytes; if such \
         messages are expected, raise it with `Limits::with_max_payload_bytes`"
    )]
    PayloadTooLarge {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream of the message.
        offset: u64,
    },
    /// An AWS event-stream message announced headers larger than [`Limits::with_max_header_bytes`].
    #[error(
        "an event-stream message at byte {offset} announces headers over the limit of {limit} bytes; if such \
         messages are expected, raise it with `Limits::with_max_header_bytes`"
    )]
    HeadersTooLarge {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream of the message.
        offset: u64,
    },
    /// A tool call's input grew past [`Limits::with_max_tool_input_bytes`].
    #[error(
        "the input of the tool call in content block {index} grew past the limit of {limit} bytes; if such input \
         is expected, raise it with `Limits::with_max_tool_input_bytes`"
    )]
    ToolInputTooLarge {
        /// Index of the content block.
        index: usize,
        /// The limit in force.
        limit: usize,
    },
}
