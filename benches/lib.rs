//! What the benchmarks share beyond the test kit: the baselines' own loops.

use std::convert::Infallible;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::StreamExt;

pub use anthropic_sse_kit::streams::*;

/// The usual hand-written baseline: `eventsource-stream` frames, each non-ping data parsed into a
/// `serde_json::Value`. Returns how many parsed.
pub fn eventsource_stream_serde_value(chunks: &[Bytes]) -> usize {
    let stream = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>)).eventsource();
    futures::executor::block_on(stream.fold(0usize, |n, ev| async move {
        match ev {
            Ok(ev) if ev.event != "ping" => {
                n + usize::from(serde_json::from_str::<serde_json::Value>(&ev.data).is_ok())
            }
            _ => n,
        }
    }))
}
