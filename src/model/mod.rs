//! The model: the [`Message`] a stream folds into, its content blocks, and the [`StreamEvent`]s that build it.
//! Every type keeps the fields this version does not know in an `extra` map, so nothing that arrived is lost.

pub(crate) mod event;
pub(crate) mod fields;
pub(crate) mod macros;
pub(crate) mod message;
pub(crate) mod object;
pub mod tool_input;

pub use event::*;
pub use message::*;
pub use object::{JsonObject, RawJson};
