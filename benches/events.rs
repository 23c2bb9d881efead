//! Bytes to typed events on the 100,000-delta text stream: this crate (SSE decoder + `StreamEvent`) against
//! `eventsource-stream` + `serde_json::from_str::<Value>` per event, on the same chunks, in the same run.

use anthropic_sse_benches as support;

use anthropic_sse::framing::SseDecoder as Decoder;
use anthropic_sse::StreamEvent;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn ours(chunks: &[Bytes]) -> usize {
    let mut decoder = Decoder::new();
    let mut n = 0usize;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(frame)) = decoder.next_frame() {
            if let Ok(Some(event)) = StreamEvent::from_frame(&frame) {
                n += usize::from(!matches!(event, StreamEvent::Ping));
            }
        }
    }
    n
}

fn events(c: &mut Criterion) {
    let input = Bytes::from(support::text_stream(100_000));
    let mut group = c.benchmark_group("events");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    for (name, size) in support::chunkings(input.len()) {
        let chunks = support::chunked(&input, size);
        assert_eq!(ours(&chunks), 100_005);
        group.bench_with_input(BenchmarkId::new("anthropic-sse", name), &chunks, |b, c| b.iter(|| ours(c)));
        // Quadratic on one 13 MB chunk (see benches/sse.rs); left out there.
        if name != "one-chunk" {
            assert_eq!(support::eventsource_stream_serde_value(&chunks), 100_005);
            group.bench_with_input(BenchmarkId::new("eventsource-stream+serde_json::Value", name), &chunks, |b, c| {
                b.iter(|| support::eventsource_stream_serde_value(c))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, events);
criterion_main!(benches);
