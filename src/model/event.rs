//! The events of a Messages API stream as types: [`StreamEvent`] and what it carries. How a wire event
//! becomes one of these is the typing layer's business (`StreamEvent::from_json`).

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use crate::model::macros::{inline_tagged_enum, model_struct};
use crate::model::message::{Citation, ContentBlock, Message, StopReason, Usage};
use crate::model::object::RawJson;

/// One event of a Messages API stream. `error` events are not events: they arrive as
/// an error of kind [`Api`](crate::error::ErrorKind::Api).
///
/// Typed from its JSON ([`StreamEvent::from_json`]); serializing writes the JSON back, every field that
/// arrived included, in its order (what this version does not know is kept as text, never rebuilt).
///
/// ```
/// use anthropic_sse::{Delta, StreamEvent};
///
/// let data = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"},"new":1}"#;
/// let event = StreamEvent::from_json(data, Some("content_block_delta"))?.expect("an event");
/// let StreamEvent::ContentBlockDelta(delta) = &event else { panic!("a delta") };
/// assert_eq!(delta.index, 0);
/// assert!(matches!(&delta.delta, Delta::Text { text, .. } if text == "Hi"));
/// assert_eq!(event.type_name(), "content_block_delta");
/// assert_eq!(serde_json::to_string(&event).unwrap(), data, "written back as it came");
///
/// // A type this version does not know is passed through, never an error.
/// let future = StreamEvent::from_json(r#"{"type":"future_event","x":[1,2]}"#, None)?.expect("an event");
/// assert!(matches!(future, StreamEvent::Unknown { .. }));
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// The message starts; its content is usually empty.
    MessageStart(MessageStart),
    /// A content block starts at `index`.
    ContentBlockStart(ContentBlockStart),
    /// A piece of the content block at `index`.
    ContentBlockDelta(ContentBlockDelta),
    /// The content block at `index` is complete.
    ContentBlockStop(ContentBlockStop),
    /// Top-level changes: stop reason, cumulative usage.
    MessageDelta(MessageDelta),
    /// The message is complete.
    MessageStop(MessageStop),
    /// Keep-alive; carries nothing.
    Ping,
    /// An event type this version does not know: the SSE event name and the data, kept as JSON text
    /// (validated, never built into a tree, so that neither its size nor its nesting costs more than its
    /// bytes).
    Unknown {
        /// The SSE event name (`message` when the frame had none).
        event: String,
        /// The data's `type`, when it is an object with a string `type`.
        kind: Option<String>,
        /// The data as it arrived.
        data: RawJson,
    },
}

model_struct! {
    /// The payload of `message_start`.
    pub struct MessageStart {
        req
        /// The message as it starts (boxed: it is large, and events move through the stream by value).
        message: Box<Message>,
    }
}

model_struct! {
    /// The payload of `content_block_start`.
    pub struct ContentBlockStart {
        req
        /// Position of the block in `content`.
        index: usize,
        req
        /// The block as it starts (complete for blocks that do not stream, such as tool results).
        content_block: ContentBlock,
    }
}

model_struct! {
    /// The payload of `content_block_delta`.
    pub struct ContentBlockDelta {
        req
        /// Position of the block in `content`.
        index: usize,
        req
        /// The change.
        delta: Delta,
    }
}

model_struct! {
    /// The payload of `content_block_stop`.
    pub struct ContentBlockStop {
        req
        /// Position of the block in `content`.
        index: usize,
    }
}

model_struct! {
    /// The payload of `message_delta`.
    pub struct MessageDelta {
        req
        /// The top-level fields that changed.
        delta: MessageDeltaBody,
        opt
        /// Cumulative usage (totals, not increments). Absent in some streams. Boxed to keep events small.
        usage: Box<Usage>,
        opt
        /// Context management applied, kept as JSON.
        context_management: RawJson,
    }
}

model_struct! {
    /// The `delta` object of `message_delta`.
    pub struct MessageDeltaBody {
        opt
        /// Why generation stopped.
        stop_reason: StopReason,
        opt
        /// The stop sequence that matched.
        stop_sequence: String,
        opt
        /// Details of the stop, kept as JSON.
        stop_details: RawJson,
        opt
        /// The code-execution container, kept as JSON.
        container: RawJson,
    }
}

model_struct! {
    /// The payload of `message_stop`.
    pub struct MessageStop {
    }
}

/// The key under which Amazon Bedrock adds its metrics to `message_stop`.
const BEDROCK_METRICS: &str = "amazon-bedrock-invocationMetrics";

impl MessageStop {
    /// The metrics Amazon Bedrock adds to `message_stop` (`amazon-bedrock-invocationMetrics`), when present.
    /// They are not part of the [`Message`] (the SDK does not merge them either); the pipeline keeps those of the
    /// `message_stop` that completed the message ([`EventDecoder::invocation_metrics`](crate::EventDecoder::invocation_metrics)).
    pub fn invocation_metrics(&self) -> Option<InvocationMetrics> {
        self.extra.get(BEDROCK_METRICS)?.deserialize().ok()
    }
}

/// Amazon Bedrock's metrics of one invocation, from `message_stop`. Latencies are in milliseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct InvocationMetrics {
    /// `inputTokenCount`.
    #[serde(rename = "inputTokenCount", default, skip_serializing_if = "Option::is_none")]
    pub input_token_count: Option<u64>,
    /// `outputTokenCount`.
    #[serde(rename = "outputTokenCount", default, skip_serializing_if = "Option::is_none")]
    pub output_token_count: Option<u64>,
    /// `invocationLatency`, from the request to the last byte.
    #[serde(rename = "invocationLatency", default, skip_serializing_if = "Option::is_none")]
    pub invocation_latency: Option<u64>,
    /// `firstByteLatency`.
    #[serde(rename = "firstByteLatency", default, skip_serializing_if = "Option::is_none")]
    pub first_byte_latency: Option<u64>,
    /// `cacheReadInputTokenCount`, when prompt caching was used.
    #[serde(rename = "cacheReadInputTokenCount", default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_token_count: Option<u64>,
    /// `cacheWriteInputTokenCount`, when prompt caching was used.
    #[serde(rename = "cacheWriteInputTokenCount", default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_token_count: Option<u64>,
    /// Every other member, as `serde_json` reads it (a small object of counts: keys sorted, numbers as
    /// `serde_json` reads them).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

inline_tagged_enum! {
    /// A change to one content block, by the delta's `type`.
    ///
    /// ```
    /// use anthropic_sse::Delta;
    /// let delta: Delta = serde_json::from_str(r#"{"type":"text_delta","text":"Hi","x":1}"#).unwrap();
    /// let Delta::Text { text, extra, .. } = &delta else { panic!("a text delta") };
    /// assert_eq!((text.as_str(), extra.len()), ("Hi", 1));
    /// assert_eq!(serde_json::to_string(&delta).unwrap(), r#"{"type":"text_delta","text":"Hi","x":1}"#);
    /// ```
    pub enum Delta {
        /// `text_delta`: text to append to a `text` block.
        Text = "text_delta" {
            req
            /// The text to append.
            text: String,
        },
        /// `input_json_delta`: a piece of a tool call's input JSON.
        InputJson = "input_json_delta" {
            req
            /// The next piece of the input JSON (may be empty, and may end anywhere, even inside a string).
            partial_json: String,
        },
        /// `citations_delta`: a citation to append to a `text` block.
        Citations = "citations_delta" {
            req
            /// The citation to append (boxed: citations are large next to the other deltas).
            citation: Box<Citation>,
        },
        /// `thinking_delta`: thinking to append to a `thinking` block.
        Thinking = "thinking_delta" {
            req
            /// The thinking to append.
            thinking: String,
        },
        /// `signature_delta`: the signature of a `thinking` block (replaces any earlier one).
        Signature = "signature_delta" {
            req
            /// The signature.
            signature: String,
        },
        /// `compaction_delta`: the content of a `compaction` block.
        Compaction = "compaction_delta" {
            opt
            /// The summary (`None` when `null` or absent).
            content: String,
            opt
            /// The encrypted summary.
            encrypted_content: String,
        },
    }
}

impl StreamEvent {
    /// The event's `type` as the API names it (for `Unknown`, the JSON `type` or else the SSE event name).
    pub fn type_name(&self) -> &str {
        match self {
            StreamEvent::MessageStart(_) => "message_start",
            StreamEvent::ContentBlockStart(_) => "content_block_start",
            StreamEvent::ContentBlockDelta(_) => "content_block_delta",
            StreamEvent::ContentBlockStop(_) => "content_block_stop",
            StreamEvent::MessageDelta(_) => "message_delta",
            StreamEvent::MessageStop(_) => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Unknown { event, kind, .. } => kind.as_deref().unwrap_or(event),
        }
    }

    /// Writes the event as the first-party API writes it on the SSE wire: `event: NAME`, `data: JSON` on one
    /// line (the JSON as the crate writes it: [`RawJson`](crate::RawJson)), a blank line. For a gateway that
    /// re-emits Bedrock or JSON-lines events to clients that speak SSE; reading the bytes back gives the same
    /// events.
    ///
    /// ```
    /// use anthropic_sse::StreamEvent;
    /// let event = StreamEvent::from_json(r#"{"type": "message_stop",
    ///     "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12}}"#, None)?.unwrap();
    /// let mut sse = Vec::new();
    /// event.write_sse(&mut sse)?;
    /// assert_eq!(sse, b"event: message_stop\ndata: {\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":12}}\n\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_sse(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        // One buffer, one write: the event reaches `out` whole or not at all.
        let mut event = Vec::with_capacity(64);
        event.extend_from_slice(b"event: ");
        event.extend_from_slice(self.type_name().as_bytes());
        event.extend_from_slice(b"\ndata: ");
        serde_json::to_writer(&mut event, self)?;
        event.extend_from_slice(b"\n\n");
        out.write_all(&event)
    }

    /// The event as the JSON payload it came from (the SSE data; `{"type":"ping"}` for a ping), as a
    /// `serde_json::Value`: an error when it holds what a `Value` cannot (see [`Message::to_value`]).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

impl Serialize for StreamEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        macro_rules! tagged {
            ($tag:literal, $payload:expr) => {{
                let mut out = serializer.serialize_map(None)?;
                out.serialize_entry("type", $tag)?;
                $payload.write_fields(&mut out)?;
                out.end()
            }};
        }
        match self {
            StreamEvent::MessageStart(p) => tagged!("message_start", p),
            StreamEvent::ContentBlockStart(p) => tagged!("content_block_start", p),
            StreamEvent::ContentBlockDelta(p) => tagged!("content_block_delta", p),
            StreamEvent::ContentBlockStop(p) => tagged!("content_block_stop", p),
            StreamEvent::MessageDelta(p) => tagged!("message_delta", p),
            StreamEvent::MessageStop(p) => tagged!("message_stop", p),
            StreamEvent::Ping => {
                let mut out = serializer.serialize_map(Some(1))?;
                out.serialize_entry("type", "ping")?;
                out.end()
            }
            StreamEvent::Unknown { data, .. } => data.serialize(serializer),
        }
    }
}
