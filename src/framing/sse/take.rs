//! The machinery that lets one decoding loop hand out owned frames or borrowed ones.

use super::fields::{Fields, InChunk};
use super::frame::Frame;
use super::text::CheckedChunk;

/// For a borrowed frame, what the decoder found next: a frame built line by line, or where an event lies
/// whole in the front chunk.
pub(super) enum Found {
    Frame(Frame),
    InChunk(InChunk),
}

/// What `Decoder::advance` hands back for each kind of frame: an owned [`Frame`] built at once (the
/// commonest use, kept to one step), or a [`Found`] for a borrowed frame. A type parameter rather than a
/// flag, so that each use gets its own compiled loop with nothing to pass around but its result.
pub(super) trait Take {
    type Out;
    fn whole(fields: &Fields, chunk: &CheckedChunk, event: InChunk) -> Self::Out;
    fn built(frame: Frame) -> Self::Out;
}

pub(super) struct Owned;

impl Take for Owned {
    type Out = Frame;
    fn whole(fields: &Fields, chunk: &CheckedChunk, event: InChunk) -> Frame {
        fields.build(chunk, event)
    }
    fn built(frame: Frame) -> Frame {
        frame
    }
}

pub(super) struct Lent;

impl Take for Lent {
    type Out = Found;
    fn whole(_: &Fields, _: &CheckedChunk, event: InChunk) -> Found {
        Found::InChunk(event)
    }
    fn built(frame: Frame) -> Found {
        Found::Frame(frame)
    }
}
