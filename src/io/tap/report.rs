//! [`TapReport`]: what a tapped stream carried.

use std::time::Duration;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::error::{Error, ErrorKind};
use crate::framing::Format;
use crate::model::event::InvocationMetrics;
use crate::model::message::{Message, StopReason, Usage};

/// What a tapped stream carried: how it ended, the message, the usage, the ids, and the latency figures (see
/// [`Tap`](crate::Tap)). A [`TapObserver`](crate::TapObserver) gives the final one when the upstream has ended
/// (or the client has gone), and one so far at any time.
///
/// **How it ended** is [`error`](Self::error) and [`client_gone`](Self::client_gone):
///
/// | outcome | `error` | `client_gone` |
/// |---|---|---|
/// | in progress (a snapshot before the end: [`finished`](Self::finished) is false) | `None` | `false` |
/// | complete | `None` | `false` |
/// | ended by an API error (an `error` event after the 200, a Bedrock exception, a non-2xx status) | kind [`Api`](ErrorKind::Api) | `false` |
/// | cut short upstream (a transport error, or the body ended before `message_stop`) | kind [`Transport`](ErrorKind::Transport) or [`Incomplete`](ErrorKind::Incomplete) | `false` |
/// | stalled (the tap's idle timeout) | kind [`Stalled`](ErrorKind::Stalled) | `false` |
/// | client gone before `message_stop` (after it, the outcome is complete, the flag set) | `None` (or what had failed before) | `true` |
/// | not a stream (a JSON body, another content type) | kind [`NotAStream`](ErrorKind::NotAStream) | `false` |
///
/// Other kinds (invalid JSON, a protocol violation, a limit) mean the stream could not be read to its end:
/// it was still forwarded whole. [`outcome`](Self::outcome) names the row, for logs.
///
/// **The message and the usage** are exactly what the fold gives ([`Events::final_message`](crate::Events::final_message)
/// for the same bytes), partial when the stream did not complete; [`complete`](Self::complete) says whether
/// `message_stop` was folded, that is whether the usage is final. Usage that arrives in `message_delta` (the
/// output tokens, and the input and cache counts some gateways send there) is folded in as the SDK folds it.
///
/// **Times** count from the tap's start (when it was made, or [`Tap::with_start`](crate::Tap::with_start)), read
/// from its clock once per chunk that holds bytes. The gaps between such chunks are kept in a histogram of fixed
/// size (about 600 counters, no memory per chunk), at microsecond resolution: the median and the 99th percentile
/// (nearest rank) are each within 1/32 (3.2%) of a gap seen at that rank, never above the maximum, which is
/// exact.
///
/// Serialized (`serde_json::to_string(&report)`, or [`to_json`](Self::to_json)), it is one JSON object for a log
/// line: the outcome, the error's kind, type and message, the ids, model, stop reason and usage, the figures in
/// milliseconds, Bedrock's invocation metrics, and the message.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TapReport {
    /// The final report: the upstream has ended (or failed, or stalled) or the client has gone. A snapshot
    /// before that is a report in progress.
    pub finished: bool,
    /// What ended the stream otherwise than complete, with the message so far (see the table above); `None`
    /// for a complete stream and for a client gone before anything failed.
    pub error: Option<Error>,
    /// The client went away (the tap was dropped) before the upstream ended.
    pub client_gone: bool,
    /// `message_stop` was folded: the message and its usage are final.
    pub complete: bool,
    /// The message as folded: final when [`complete`](Self::complete), else the message so far (tool input
    /// still streaming parsed as far as it goes). `None` before `message_start`, or for a body that is not a
    /// stream (a JSON body holding a message gives that message).
    pub message: Option<Message>,
    /// Amazon Bedrock's metrics from `message_stop`, when they came.
    pub invocation_metrics: Option<InvocationMetrics>,
    /// The `request-id` response header.
    pub request_id: Option<String>,
    /// The `x-amzn-requestid` response header (Bedrock, Claude Platform on AWS).
    pub aws_request_id: Option<String>,
    /// The HTTP status, when the tap was made from a response.
    pub status: Option<u16>,
    /// The wire read, once known.
    pub format: Option<Format>,
    /// From the start to the first chunk with bytes.
    pub time_to_first_chunk: Option<Duration>,
    /// From the start to the chunk that completed the first event.
    pub time_to_first_event: Option<Duration>,
    /// From the start to the chunk that completed the first content delta (text, thinking, tool input, ...).
    pub time_to_first_content: Option<Duration>,
    /// From the start to the last chunk with bytes.
    pub time_to_last_chunk: Option<Duration>,
    /// The median gap between chunks (see the histogram's error above).
    pub chunk_gap_median: Option<Duration>,
    /// The 99th percentile of the gaps between chunks.
    pub chunk_gap_p99: Option<Duration>,
    /// The largest gap between chunks, exact.
    pub chunk_gap_max: Option<Duration>,
    /// Chunks with bytes received from the upstream.
    pub chunks: u64,
    /// Bytes received from the upstream (more than forwarded when the tap kept reading after the client went).
    pub bytes_received: u64,
    /// Bytes handed to the client: an upper bound of what it received.
    pub bytes_forwarded: u64,
    /// Events read (up to `message_stop`, or to the error that stopped the reading).
    pub events: u64,
}

impl TapReport {
    /// The message's usage (`None` before `message_start`).
    pub fn usage(&self) -> Option<&Usage> {
        self.message.as_ref().map(|m| &m.usage)
    }

    /// The message's id.
    pub fn message_id(&self) -> Option<&str> {
        self.message.as_ref().map(|m| m.id.as_str())
    }

    /// The model that answered.
    pub fn model(&self) -> Option<&str> {
        self.message.as_ref().map(|m| m.model.as_str())
    }

    /// Why the model stopped, once `message_delta` said.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.message.as_ref()?.stop_reason.as_ref()
    }

    /// The outcome's name, for logs: `complete`, `api_error`, `cut_short`, `stalled`, `client_gone`,
    /// `not_a_stream`, `unreadable` (the stream was forwarded but could not be read to its end: invalid JSON,
    /// a protocol violation, a limit), or `in_progress` (a snapshot before the end, nothing failed yet).
    pub fn outcome(&self) -> &'static str {
        match self.error.as_ref().map(Error::kind) {
            Some(ErrorKind::Api) => "api_error",
            Some(ErrorKind::Transport | ErrorKind::Incomplete | ErrorKind::Io) => "cut_short",
            #[cfg(feature = "tokio")]
            Some(ErrorKind::Stalled) => "stalled",
            Some(ErrorKind::NotAStream) => "not_a_stream",
            _ if self.client_gone && !self.complete => "client_gone",
            None if !self.finished => "in_progress",
            None => "complete",
            Some(_) => "unreadable",
        }
    }

    /// The report as one line of JSON (see the type's docs).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report is always JSON")
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Sse => "sse",
        Format::Bedrock => "bedrock",
        Format::JsonLines => "json_lines",
        Format::JsonEvents => "json_events",
    }
}

fn millis(duration: Option<Duration>) -> Option<f64> {
    duration.map(|d| d.as_secs_f64() * 1e3)
}

impl Serialize for TapReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct ErrorJson<'a> {
            kind: &'a str,
            #[serde(rename = "type")]
            error_type: &'a str,
            message: String,
        }
        let error = self.error.as_ref().map(|e| ErrorJson {
            kind: e.kind().as_str(),
            error_type: e.error_type(),
            message: e.to_string(),
        });
        let mut s = serializer.serialize_struct("TapReport", 26)?;
        s.serialize_field("outcome", self.outcome())?;
        s.serialize_field("error", &error)?;
        s.serialize_field("finished", &self.finished)?;
        s.serialize_field("client_gone", &self.client_gone)?;
        s.serialize_field("complete", &self.complete)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("request_id", &self.request_id)?;
        s.serialize_field("aws_request_id", &self.aws_request_id)?;
        s.serialize_field("format", &self.format.map(format_name))?;
        s.serialize_field("message_id", &self.message_id())?;
        s.serialize_field("model", &self.model())?;
        s.serialize_field("stop_reason", &self.stop_reason())?;
        s.serialize_field("usage", &self.usage())?;
        s.serialize_field("time_to_first_chunk_ms", &millis(self.time_to_first_chunk))?;
        s.serialize_field("time_to_first_event_ms", &millis(self.time_to_first_event))?;
        s.serialize_field("time_to_first_content_ms", &millis(self.time_to_first_content))?;
        s.serialize_field("time_to_last_chunk_ms", &millis(self.time_to_last_chunk))?;
        s.serialize_field("chunk_gap_median_ms", &millis(self.chunk_gap_median))?;
        s.serialize_field("chunk_gap_p99_ms", &millis(self.chunk_gap_p99))?;
        s.serialize_field("chunk_gap_max_ms", &millis(self.chunk_gap_max))?;
        s.serialize_field("chunks", &self.chunks)?;
        s.serialize_field("bytes_received", &self.bytes_received)?;
        s.serialize_field("bytes_forwarded", &self.bytes_forwarded)?;
        s.serialize_field("events", &self.events)?;
        s.serialize_field("invocation_metrics", &self.invocation_metrics)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
}
