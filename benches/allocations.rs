//! Allocations per text delta in steady state, counted by a global allocator, for each way of reading the
//! 100,000-delta text stream and for the baselines, printed as a Markdown table. Steady state: the count for
//! 150,000 deltas minus the count for 50,000, divided by 100,000. Run with
//! `cargo bench -p anthropic-sse-benches --bench allocations`. (`tests/allocations.rs` holds this crate to its figures.)

use anthropic_sse_benches as support;

use std::convert::Infallible;

use anthropic_sse::framing::SseDecoder as Decoder;
use anthropic_sse::{BlockingEvents, Events, StreamEvent};
use bytes::Bytes;
use futures::StreamExt;

use anthropic_sse_kit::counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

type Path = fn(&[Bytes]) -> usize;

/// The chunks as a stream the driver owns (a list of shared `Bytes`, one allocation for the whole stream).
fn source(chunks: &[Bytes]) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    futures::StreamExt::map(futures::stream::iter(Vec::from(chunks)), Ok)
}

fn final_message(chunks: &[Bytes]) -> usize {
    futures::executor::block_on(Events::new(source(chunks)).final_message()).expect("complete").content.len()
}

fn blocking_final_message(chunks: &[Bytes]) -> usize {
    let bytes = chunks.concat();
    // The concatenation above is the harness's, not the reader's: count only the read.
    let (message, ..) = counting::count(|| BlockingEvents::new(&bytes[..]).final_message());
    message.expect("complete").content.len()
}

fn events(chunks: &[Bytes]) -> usize {
    futures::executor::block_on(Events::new(source(chunks)).filter(|e| futures::future::ready(e.is_ok())).count())
}

fn typed_events(chunks: &[Bytes]) -> usize {
    let mut decoder = Decoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(frame)) = decoder.next_frame() {
            n += usize::from(matches!(StreamEvent::from_frame(&frame), Ok(Some(_))));
        }
    }
    n
}

fn crimson_crab(chunks: &[Bytes]) -> usize {
    let stream = crimson_crab::streaming::MessageStream::from_byte_stream(futures::stream::iter(
        chunks.iter().cloned().map(Ok::<_, crimson_crab::Error>).collect::<Vec<_>>(),
    ));
    futures::executor::block_on(stream.collect_final()).map(|m| m.content.len()).expect("complete stream")
}

/// Allocations and reallocations per delta of `path`.
fn per_delta(chunk: usize, path: Path) -> (f64, f64) {
    let small = support::chunked(&Bytes::from(support::text_stream(50_000)), chunk);
    let large = support::chunked(&Bytes::from(support::text_stream(150_000)), chunk);
    let (_, a_small, r_small) = counting::count(|| path(&small));
    let (_, a_large, r_large) = counting::count(|| path(&large));
    ((a_large as f64 - a_small as f64) / 100_000.0, (r_large as f64 - r_small as f64) / 100_000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument, if any, is ignored: this runs in seconds.
    let rows: [(&str, usize, Path); 10] = [
        ("anthropic-sse `Events::final_message`", 16 * 1024, final_message),
        ("anthropic-sse `Events::final_message`", 130, final_message),
        ("anthropic-sse `BlockingEvents::final_message` (64 KiB reads)", 64 * 1024, blocking_final_message),
        ("anthropic-sse `Events` (every event handed out)", 16 * 1024, events),
        ("anthropic-sse `SseDecoder` + `StreamEvent::from_frame`", 16 * 1024, typed_events),
        ("anthropic-sse `SseDecoder` (frames only)", 16 * 1024, support::frame_count),
        ("crimson-crab 0.3 `collect_final`", 16 * 1024, crimson_crab),
        ("eventsource-stream + `serde_json::Value` per event", 16 * 1024, support::eventsource_stream_serde_value),
        ("eventsource-stream + `serde_json::Value` per event", 130, support::eventsource_stream_serde_value),
        ("crimson-crab 0.3 `collect_final`", 130, crimson_crab),
    ];
    println!("| reader | chunks | allocations per delta | reallocations per delta |");
    println!("|---|---|---|---|");
    for (name, chunk, path) in rows {
        let (allocs, reallocs) = per_delta(chunk, path);
        let chunk = if chunk >= 1024 { format!("{} KiB", chunk / 1024) } else { format!("{chunk} B") };
        println!("| {name} | {chunk} | {allocs:.3} | {reallocs:.3} |");
    }
}
