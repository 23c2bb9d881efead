//! The fold: events into the [`Message`](crate::Message) ([`MessageAccumulator`]), text appended in place and
//! tool input kept as exact JSON text ([`ToolInput`](crate::ToolInput)) read incrementally
//! ([`partial_json`](crate::partial_json)).

pub(crate) mod accumulate;
pub(crate) mod helpers;

pub use accumulate::MessageAccumulator;
pub use helpers::SdkEvent;
