//! anthropic-sse: read the streaming responses of the Anthropic Messages API.
#![deny(missing_docs)]
// One audited exception, `sse::BytesStr::as_str`, opts in with `#[allow(unsafe_code)]`.
#![deny(unsafe_code)]

mod object;

mod accumulate;
#[cfg(feature = "eventsource-stream")]
mod compat;
mod decode;
pub mod error;
pub mod event;
pub mod message;
pub mod partial_json;
pub mod sse;
mod stream;

pub use accumulate::MessageAccumulator;
#[cfg(feature = "eventsource-stream")]
pub use compat::EventsourceEvents;
pub use decode::EventDecoder;
pub use error::{ApiError, ApiErrorKind, BoxError, Error, JsonError};
pub use event::{
    ContentBlockDelta, ContentBlockStart, ContentBlockStop, Delta, MessageDelta, MessageDeltaBody, MessageStart,
    MessageStop, StreamEvent,
};
pub use message::{Citation, ContentBlock, Message, StopReason, Usage};
pub use object::JsonObject;
#[cfg(feature = "tokio")]
pub use stream::ReaderChunks;
pub use stream::{BlockingEvents, Chunk, EventStream, TextStream};

/// A complete sample stream, written for this crate in the documented wire format: a text block, a tool
/// call whose input arrives in several pieces, and usage. The command-line tool reads it when given no file.
pub const SAMPLE_STREAM: &[u8] = include_bytes!("sample.sse");
