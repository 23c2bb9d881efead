//! The Server-Sent Events layer: [`Decoder`] and the [`Frame`]s it reads.

mod decoder;
mod fields;
mod frame;
mod take;
mod text;

pub use decoder::Decoder;
pub use frame::{Frame, FrameRef, Unterminated};
pub use text::BytesStr;
