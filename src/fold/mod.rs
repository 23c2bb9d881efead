//! The fold: events into the [`Message`](crate::Message) ([`MessageAccumulator`]), with tool input kept as
//! exact JSON text ([`tool_input`]) read incrementally ([`partial_json`]).

pub(crate) mod accumulate;
pub mod partial_json;
pub mod tool_input;

pub use accumulate::MessageAccumulator;
