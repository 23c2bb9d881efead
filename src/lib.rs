//! Read the streaming responses of the Anthropic Messages API: typed events, typed errors after an HTTP 200,
//! and the final [`Message`], equal field for field to what the official Python SDK's
//! `get_final_message()` returns for the same bytes.
//!
//! # Layers
//!
//! Data flows one way. Each layer is a folder (or a file) of `src/` that imports only from the layers listed
//! before it; everything up to the pipeline is sans-IO and can be used, tested and fuzzed alone.
//!
//! 1. `text`: the leaf helpers (JSON whitespace, string escapes, excerpts for messages).
//! 2. `partial_json` and `model`: tool input as exact JSON text ([`ToolInput`]) and its reader, the
//!    incremental partial-JSON scanner; the [`Message`], its blocks and the [`StreamEvent`]s, each keeping the
//!    fields this version does not know.
//! 3. [`Limits`] and [`error`]: every bound in one value, and one [`Error`] that every later layer returns.
//! 4. [`framing`]: bytes in, one raw event (its JSON text, and a name where the wire gives one) out, behind
//!    the [`Framing`](framing::Framing) trait, one implementation per [`Format`](framing::Format):
//!    [`SseDecoder`](framing::SseDecoder) reads Server-Sent Events exactly by the WHATWG rules, in time linear
//!    in the input and memory bounded by the limits; [`Format::Bedrock`](framing::Format::Bedrock) reads Amazon Bedrock's AWS
//!    event stream ([`EventStreamDecoder`](framing::EventStreamDecoder)); JSON lines and whole JSON events
//!    read events that arrive already split.
//! 5. typing: each raw event typed as a [`StreamEvent`] ([`StreamEvent::from_json`]); types, blocks, deltas
//!    and fields this version does not know are kept as raw JSON, never an error. The commonest deltas take
//!    a fast path that the full parser checks (a differential fuzz target holds them to the same result).
//! 6. fold: events folded into the [`Message`] ([`MessageAccumulator`]), with a snapshot at any point, and
//!    the SDK's helper events ([`SdkEvent`]).
//! 7. The pipeline, [`EventDecoder`]: a framing (SSE by default, or any chosen at run time), typing and the
//!    fold in one sans-IO value. Bytes in, events (or only the folded message) out;
//!    [`push_json`](EventDecoder::push_json) for events already split.
//! 8. I/O, two drivers over the pipeline, with the same methods: [`Events`] (async: any `futures::Stream` of
//!    byte chunks, such as a `reqwest` or `hyper` body, a tokio `AsyncRead`, `eventsource-stream` frames; the
//!    HTTP edge, [`http::events`](crate::http) and `reqwest::events`, builds one from a response) and
//!    [`BlockingEvents`] (a `std::io::Read`). Each yields typed events, the SDK's helper events
//!    ([`Events::sdk_events`]) or text ([`Events::text`]). Beside them, for gateways, the [`Tap`]: a stream
//!    (or an HTTP response) forwarded untouched, and a [`TapReport`] of what it carried (usage, message,
//!    errors, latency) for its [`TapObserver`].
//!
//! # Example
//!
//! ```
//! use anthropic_sse::{Events, StreamEvent, Delta};
//! use futures::StreamExt;
//!
//! # futures::executor::block_on(async {
//! // With reqwest: `Events::new(response.bytes_stream())`, plus `.with_request_id(..)` from the
//! // response's `request-id` header. Here, a recorded stream in 64-byte chunks:
//! let body = futures::stream::iter(anthropic_sse::SAMPLE_STREAM.chunks(64).map(Ok::<_, std::io::Error>));
//! let mut events = Events::new(body).with_request_id("req_011CXYZ");
//! while let Some(event) = events.next().await {
//!     match event? {
//!         StreamEvent::ContentBlockDelta(d) => {
//!             if let Delta::Text { text, .. } = &d.delta {
//!                 print!("{text}"); // text as it arrives
//!             }
//!         }
//!         StreamEvent::MessageStop(_) => println!(),
//!         _ => {}
//!     }
//! }
//! let message = events.decoder().snapshot().expect("the message started");
//! assert_eq!(message.usage.output_tokens, Some(57));
//! # Ok::<(), anthropic_sse::Error>(())
//! # }).unwrap();
//! ```
//!
//! [`Events::final_message`] reads up to `message_stop` and returns the message; [`Events::text`] yields only the
//! text.
//!
//! # Speed and memory
//!
//! Time is linear in the input and, on ordinary chunk sizes, a small factor of scanning the bytes:
//!
//! * An event of the usual shape (`event:` line, one `data:` line, blank line) inside one chunk becomes a
//!   frame in one step, its data a shared view of the chunk (no copy); UTF-8 is checked once per chunk.
//! * [`Events::final_message`] (and [`EventDecoder::fold_buffered`] underneath) folds text, thinking and
//!   tool-input deltas straight into their block: no event is built and, on SSE, nothing is allocated per
//!   delta.
//!   Handing events out costs one `String` per text delta.
//! * [`Events`] gathers small chunks that the source has ready at once, so a stream in tiny network
//!   reads decodes as fast as one in large chunks, without waiting for data that is not there yet.
//! * Every fast path falls back to the full parser on anything unexpected, and a differential fuzz target
//!   holds the two to the same result. `benches/README.md` has the figures and a profile.
//!
//! # Errors, and when to retry
//!
//! Every failure is an [`Error`]; the first one ends the stream. The API can send an `error` event after the
//! HTTP status was already 200 (e.g. `overloaded_error`): it arrives as an [`Error`] of category
//! [`Api`](error::ErrorKind::Api) whose [`ApiError`] has the error type, message, request id and
//! [`ApiError::should_retry`]. A non-2xx response becomes the same [`ApiError`] through
//! [`ApiError::from_response`]. [`Error::kind`] gives the category to match on; the typed accessors
//! ([`Error::api_error`], [`Error::json_error`], [`Error::limit_error`], ...) give the details.
//!
//! ```
//! use anthropic_sse::{BlockingEvents, Error};
//!
//! let body = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
//! match BlockingEvents::new(&body[..]).with_request_id("req_1").final_message() {
//!     Ok(message) => println!("{}", message.text()),
//!     Err(e) if e.should_retry() => eprintln!("retry later: {e}"), // overloaded_error: Overloaded (request_id req_1)
//!     Err(e) => {
//!         eprintln!("failed: {e}");
//!         if let Some(partial) = e.partial_message() {
//!             eprintln!("kept {} blocks", partial.content.len()); // nothing delivered is lost
//!         }
//!     }
//! }
//! ```
//!
//! [`Error::should_retry`] follows the official Python SDK: a response's `x-should-retry` header decides when
//! present; otherwise the statuses 408, 409, 429 and 5xx are retried (for an error after HTTP 200, the status
//! its type stands for: `rate_limit_error`, `api_error`, `timeout_error`, `overloaded_error`, `conflict_error`,
//! Bedrock's `throttlingException` and `serviceUnavailableException`), as are transport and I/O failures and
//! streams cut short. [`error::RetryPolicy`] gives the SDK's wait before each retry (`retry-after-ms`,
//! `retry-after`, else its backoff with jitter) for your own loop: the crate never sends a request itself.
//!
//! # Where we differ from the SDKs, and why
//!
//! The Python SDK is the reference; where it crashes or silently loses information, this crate keeps the
//! information and says what happened:
//!
//! * a stream that ends before `message_stop` is an [`Incomplete`](error::ErrorKind::Incomplete) error carrying the message so far (the
//!   Python SDK returns the partial message as if it were complete);
//! * an event before `message_start`, a second `message_start`, or an index with no block is
//!   a [`Protocol`](error::ErrorKind::Protocol) error naming it (the SDK raises `IndexError`, or silently ignores the second start);
//! * a `message_delta` without `usage` leaves usage unchanged (both SDKs crash);
//! * events after `message_stop` do not change the message (the SDK keeps applying them);
//! * a frame without an `event:` line whose JSON has a known `type` is processed (gateways drop `event:`
//!   lines; the SDKs skip such frames);
//! * a leading byte order mark is skipped and invalid UTF-8 becomes U+FFFD, as the SSE standard says;
//! * tool input is scanned once, piece by piece, not re-parsed on every delta: linear time where the Python
//!   SDK is quadratic, for the final input and for a snapshot after every delta alike;
//! * tool input that is not JSON is reported once the stream is read to its end, with the complete message
//!   ([`Error::tool_input_error`]; the SDK raises at the failing delta and loses the rest);
//! * a `text` or `thinking` block started without its text (or with `null`) starts from `""` (the SDK raises
//!   a `TypeError` at its first delta);
//! * a delta the SDK applies but cannot (a `text_delta` or `thinking_delta` without a string, an
//!   `input_json_delta` whose `partial_json` is not a string, a block whose `text` is a number) is a
//!   [`Protocol`](error::ErrorKind::Protocol) error naming the block and the field, with the message so far (the
//!   SDK raises a `TypeError`). Every other delta is folded by its block's `type` as the SDK folds it, typed or
//!   not: a tool call that started without `input`, `id` or `name` still gets its input.
//!
//! # Tool input, exactly
//!
//! A block's input is a [`ToolInput`]: the JSON text the model wrote, completed and normalized as the SDK's
//! parser (`jiter`, partial mode) reads it, never rounded through a `serde_json::Value`. Integers of any size
//! are exact, floats correctly rounded, keys in the model's order; [`ToolInput::deserialize`] reads it into
//! your own types with the same exactness. See [`ToolInput`].
//!
//! What this version does not know (an unknown member of a known object, a block or delta of an unknown
//! type, a loosely typed field such as `stop_details`) is kept the same way: as the JSON text that arrived
//! ([`RawJson`], in a [`JsonObject`] that keeps the keys' order), never built into a tree, with every digit.
//!
//! Differences that remain:
//! * `NaN`, `Infinity` and `-Infinity`, which the SDK reads in tool input and in events, are read too, kept as
//!   written and written `null` (every line the crate writes is standard JSON);
//! * a number beyond `f64` (`1e400`), in tool input or in a member this version does not know, is kept as
//!   written where the SDK holds infinity (and writes `Infinity`); `serde_json` cannot read a `Value` of it;
//! * the SDK fails on a tool-input delta whose text so far is only whitespace; we read on, and only fail the
//!   block if the whole input is not JSON.
#![deny(missing_docs)]
// Four audited exceptions opt in with `#[allow(unsafe_code)]`, each with its `SAFETY` comment: two in
// `framing::sse::text` (`BytesStr::as_str`, `CheckedChunk::str`) and two in `text` (`special_mask16`, SSE2
// on x86_64; `decode_until_quote`, 4 to 15% fewer instructions than checked: `benches/README.md`).
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod text;

pub mod error;
mod fold;
pub mod framing;
mod io;
mod limits;
mod model;
mod partial_json;
mod pipeline;
mod typing;

pub use error::{ApiError, Error, JsonError};
pub use fold::{MessageAccumulator, SdkEvent};
pub use io::blocking::BlockingEvents;
pub use io::stream::Events;
pub use io::tap::{Tap, TapObserver, TapReport};

/// From an HTTP response to events in one call (feature `http`).
#[cfg(feature = "http")]
pub mod http {
    pub use crate::io::http::{Options, events, events_with};
}

/// From a `reqwest::Response` to events in one call (feature `reqwest`).
#[cfg(feature = "reqwest")]
pub mod reqwest {
    pub use crate::io::reqwest::events;
}
pub use limits::{LimitError, Limits};
pub use model::tool_input::{ToolInput, ToolInputView};
pub use model::{
    Citation, CompactionBlock, ContentBlock, ContentBlockDelta, ContentBlockStart, ContentBlockStop, Delta,
    DocumentCitation, FallbackBlock, InvocationMetrics, JsonObject, McpToolUseBlock, Message, MessageDelta,
    MessageDeltaBody, MessageStart, MessageStop, RawJson, RedactedThinkingBlock, SearchResultCitation, StopReason,
    StreamEvent, TextBlock, ThinkingBlock, ToolUseBlock, Usage, WebSearchCitation,
};
pub use partial_json::{PartialJsonError, PartialMode};
pub use pipeline::EventDecoder;

/// A complete sample stream, written for this crate in the documented wire format: a text block, a tool
/// call whose input arrives in several pieces, and usage. The command-line tool reads it when given no file.
pub const SAMPLE_STREAM: &[u8] = include_bytes!("sample.sse");

/// Internals that the crate's own tests and fuzz targets check directly; not part of the API.
#[doc(hidden)]
pub mod __private {
    use crate::model::StreamEvent;

    pub use crate::framing::sse::Unterminated;
    pub use crate::partial_json::{MAX_DEPTH, PartialJsonParser, parse, parse_with};

    /// Ends the SSE decoder's input: what an event not ended by a blank line had gathered (the standard drops
    /// it), `None` when the stream ended cleanly between events.
    pub fn sse_finish(decoder: &mut crate::framing::SseDecoder) -> Option<Unterminated> {
        decoder.finish()
    }

    /// The SSE decoder's last event id, reconnection time and offset, when the decoder reads SSE.
    pub fn sse_state(decoder: &crate::EventDecoder) -> Option<(String, Option<u64>, u64)> {
        let sse = decoder.sse()?;
        Some((sse.last_event_id().to_owned(), sse.reconnection_time(), sse.offset()))
    }

    /// The fast path's event for `data`, `None` when `data` is not of the fast shape.
    pub fn fast_content_block_delta(data: &str) -> Option<StreamEvent> {
        crate::typing::fast::content_block_delta(data)
    }

    /// How many bytes of `text` (the SSE wire at an event's start) the fold's fused path takes as one delta
    /// event, `None` when it leaves the event to the layered route (as it does every signature delta).
    pub fn fused_sse_delta_len(text: &str) -> Option<usize> {
        let (_, kind, body) = crate::typing::fast::sse_delta_head(text)?;
        if kind == crate::typing::fast::FastDelta::Signature {
            return None;
        }
        let mut scratch = String::new();
        let len = crate::typing::fast::decode_sse_delta_body(body, &mut scratch)?;
        Some(text.len() - body.len() + len)
    }
}
