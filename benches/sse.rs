//! Bytes to SSE frames on the 100,000-delta text stream: this crate's decoder (owned frames, `next_frame`,
//! and borrowed ones, `next_frame_ref`) against `sse-core`, `eventsource-stream` and `sseer`, on the same
//! chunks, in the same run. A floor too: `memchr` counting the line ends of the same
//! chunks, which looks at every byte once and builds nothing.

use anthropic_sse_benches as support;

use std::convert::Infallible;

use anthropic_sse::framing::SseDecoder as Decoder;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures::StreamExt;

fn ours(chunks: &[Bytes]) -> usize {
    let mut decoder = Decoder::new();
    let mut n = 0usize;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(frame)) = decoder.next_frame() {
            n += frame.data().len();
        }
    }
    n
}

/// The same frames borrowed (`next_frame_ref`): no reference count per value.
fn ours_borrowed(chunks: &[Bytes]) -> usize {
    let mut decoder = Decoder::new();
    let mut n = 0usize;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(frame)) = decoder.next_frame_ref() {
            n += frame.data().len();
        }
    }
    n
}

fn memchr_scan(chunks: &[Bytes]) -> usize {
    chunks.iter().map(|c| memchr::memchr_iter(b'\n', c).count()).sum()
}

fn eventsource_stream(chunks: &[Bytes]) -> usize {
    let stream = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>)).eventsource();
    futures::executor::block_on(stream.fold(0usize, |n, ev| async move { n + ev.map_or(0, |e| e.data.len()) }))
}

/// `sse-core` 0.2.3 as its README uses it: its sans-IO `SseDecoder` reading each chunk (a `Bytes`, a `Buf`)
/// until it has used it up. It keeps no unread bytes of its own: what a chunk leaves unfinished stays in its
/// state machine and buffers. Each event's data comes out as an owned `String`.
fn sse_core(chunks: &[Bytes]) -> usize {
    let mut decoder = sse_core::SseDecoder::new();
    let mut n = 0usize;
    for chunk in chunks {
        let mut buf = chunk.clone();
        while let Some(event) = decoder.next(&mut buf) {
            if let Ok(sse_core::SseEvent::Message(message)) = event {
                n += message.data.len();
            }
        }
    }
    n
}

fn sseer(chunks: &[Bytes]) -> usize {
    let stream =
        sseer::event_stream::EventStream::new(futures::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>)));
    futures::executor::block_on(stream.fold(0usize, |n, ev| async move { n + ev.map_or(0, |e| e.data.len()) }))
}

fn frames(c: &mut Criterion) {
    let input = Bytes::from(support::text_stream(100_000));
    let mut group = c.benchmark_group("frames");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    for (name, size) in support::chunkings(input.len()) {
        let chunks = support::chunked(&input, size);
        assert_eq!(ours(&chunks), sseer(&chunks), "implementations disagree");
        assert_eq!(ours(&chunks), ours_borrowed(&chunks), "owned and borrowed frames disagree");
        assert_eq!(ours(&chunks), sse_core(&chunks), "sse-core reads other frames");
        group.bench_with_input(BenchmarkId::new("anthropic-sse", name), &chunks, |b, c| b.iter(|| ours(c)));
        group.bench_with_input(BenchmarkId::new("anthropic-sse borrowed (next_frame_ref)", name), &chunks, |b, c| {
            b.iter(|| ours_borrowed(c))
        });
        group.bench_with_input(BenchmarkId::new("sse-core", name), &chunks, |b, c| b.iter(|| sse_core(c)));
        // eventsource-stream copies the rest of its buffer after every line: on one 13 MB chunk that is
        // quadratic (over a minute a pass), too slow to sample; `frames-one-chunk-small` shows the effect.
        if name != "one-chunk" {
            group.bench_with_input(BenchmarkId::new("eventsource-stream", name), &chunks, |b, c| {
                b.iter(|| eventsource_stream(c))
            });
        }
        group.bench_with_input(BenchmarkId::new("sseer", name), &chunks, |b, c| b.iter(|| sseer(c)));
        group.bench_with_input(BenchmarkId::new("floor: memchr line-end scan", name), &chunks, |b, c| {
            b.iter(|| memchr_scan(c))
        });
    }
    group.finish();

    // The one-chunk case at a size eventsource-stream can finish: 5,000 deltas (~0.65 MB) in one chunk.
    let small = Bytes::from(support::text_stream(5_000));
    let chunks = vec![small.clone()];
    let mut group = c.benchmark_group("frames-one-chunk-small");
    group.throughput(Throughput::Bytes(small.len() as u64));
    group.sample_size(10);
    group.bench_function("anthropic-sse", |b| b.iter(|| ours(&chunks)));
    group.bench_function("eventsource-stream", |b| b.iter(|| eventsource_stream(&chunks)));
    group.bench_function("sse-core", |b| b.iter(|| sse_core(&chunks)));
    group.bench_function("sseer", |b| b.iter(|| sseer(&chunks)));
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
