//! The official SDK's helper events against plain typed events, in the same run: the 100,000-delta text
//! stream and 1 MB of tool input in 20,000 pieces, each item handed out and its snapshot looked at (the text
//! so far by length; the tool input so far as a view), without copying the snapshot.

use anthropic_sse::{EventDecoder, SdkEvent};
use anthropic_sse_benches as support;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn typed(chunks: &[Bytes]) -> usize {
    let mut decoder = EventDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(event) = decoder.next_event() {
            event.expect("a valid stream");
            n += 1;
        }
    }
    n
}

fn helpers(chunks: &[Bytes]) -> usize {
    let mut decoder = EventDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(item) = decoder.next_sdk_event() {
            match item.expect("a valid stream") {
                SdkEvent::Text { index, .. } => {
                    n += decoder.snapshot().and_then(|m| m.content[index].text()).map_or(0, str::len);
                }
                SdkEvent::InputJson { index, .. } => {
                    n += decoder.partial_tool_input(index).and_then(Result::ok).map_or(0, |view| view.received().len());
                }
                _ => n += 1,
            }
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    for (name, stream) in [
        ("text-100k-deltas", support::text_stream(100_000)),
        ("tool-input-1MB-20k-pieces", support::tool_stream(1_000_000, 20_000)),
    ] {
        let input = Bytes::from(stream);
        let chunks = support::chunked(&input, 16 * 1024);
        let mut group = c.benchmark_group(format!("sdk-events/{name}"));
        group.sample_size(20).throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("typed events", |b| b.iter(|| typed(&chunks)));
        group.bench_function("SDK helper events", |b| b.iter(|| helpers(&chunks)));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
