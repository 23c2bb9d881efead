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

mod bedrock;
mod eventstream;
mod format;
mod json_lines;
mod raw;
pub(crate) mod sse;
mod whole_events;

pub use eventstream::{Decoder as EventStreamDecoder, HeaderValue, Message as EventStreamMessage};
pub(crate) use format::AnyFraming;
pub use format::Format;
pub use raw::{Framing, RawEvent};
pub use sse::{BytesStr, Decoder as SseDecoder, Frame, FrameRef};
