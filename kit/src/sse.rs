//! The SSE decoder driven over an input cut into pieces, its outcome as plain values: what the properties
//! compare between ways of cutting and feeding the same bytes.

use anthropic_sse::__private::{sse_finish, Unterminated};
use anthropic_sse::framing::SseDecoder as Decoder;
use anthropic_sse::{LimitError, Limits};
use bytes::Bytes;

use crate::reference::Plain;

/// Everything a decoder made of an input.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The frames, in order.
    pub frames: Vec<Plain>,
    /// The error that stopped it, if one did.
    pub error: Option<LimitError>,
    /// What `finish` reported left over (when no error stopped it first).
    pub leftover: Option<Unterminated>,
    /// The last event id in force at the end.
    pub last_id: String,
}

/// How the pieces go in and the frames come out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Feeding {
    /// Pieces fed as shared `Bytes` (`feed_bytes`) rather than copied (`feed`).
    pub shared: bool,
    /// Frames taken borrowed (`next_frame_ref`) rather than owned (`next_frame`).
    pub borrowed: bool,
}

/// Decodes `input` cut at `cuts` (any positions: each is taken modulo `len + 1`, and they are sorted).
pub fn decode(input: &[u8], cuts: &[usize], limits: Limits, feeding: Feeding) -> Decoded {
    let mut decoder = Decoder::with_limits(limits);
    let mut frames = Vec::new();
    let mut error = None;
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    'outer: for end in bounds {
        let piece = &input[start..end];
        start = end;
        if feeding.shared {
            decoder.feed_bytes(Bytes::copy_from_slice(piece));
        } else {
            decoder.feed(piece);
        }
        loop {
            let next = if feeding.borrowed {
                decoder.next_frame_ref().map(|f| f.map(|f| plain(f.event(), f.data(), f.id(), f.retry())))
            } else {
                decoder.next_frame().map(|f| f.map(|f| plain(f.event(), f.data(), f.id(), f.retry())))
            };
            match next {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break 'outer;
                }
            }
        }
    }
    let last_id = decoder.last_event_id().to_owned();
    let leftover = if error.is_none() { sse_finish(&mut decoder) } else { None };
    Decoded { frames, error, leftover, last_id }
}

fn plain(event: &str, data: &str, id: &str, retry: Option<u64>) -> Plain {
    (event.to_owned(), data.to_owned(), id.to_owned(), retry)
}
