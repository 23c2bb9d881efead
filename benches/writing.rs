//! Writing what the tool writes (issue 22): `--events` (every typed event as a JSON line) and `--final` (the
//! folded message as one JSON line) of the 100,000-delta text stream and of 1 MB of tool input in 20,000
//! pieces, bytes in per second, in process (the tool's own writer path: `serde_json::to_writer` into a buffer,
//! the JSON that the crate keeps as text written on one line by the crate's writer). Baseline in the same
//! run: the same events read as `serde_json::Value`s by `eventsource-stream` and written back with
//! `serde_json::to_writer` (which neither types nor folds).

use anthropic_sse_benches as support;

use anthropic_sse::EventDecoder;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// `--events`: each event typed and written as a line.
fn events(chunks: &[Bytes]) -> usize {
    let mut out = Vec::with_capacity(1 << 20);
    let mut decoder = EventDecoder::new();
    let mut written = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(event) = decoder.next_event() {
            serde_json::to_writer(&mut out, &event.expect("an event")).expect("written");
            out.push(b'\n');
        }
        // A pipe's worth at a time, as the tool flushes.
        written += out.len();
        out.clear();
    }
    written
}

/// `--final`: the events folded, the message written as one line.
fn final_message(chunks: &[Bytes]) -> usize {
    let mut decoder = EventDecoder::new();
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        decoder.fold_buffered().expect("no error");
    }
    let message = decoder.into_final_message().expect("complete");
    let mut out = Vec::new();
    serde_json::to_writer(&mut out, &message).expect("written");
    out.push(b'\n');
    out.len()
}

/// The baseline: each event's data read as a `serde_json::Value` and written back.
fn values(chunks: &[Bytes]) -> usize {
    use eventsource_stream::Eventsource;
    use futures::StreamExt;
    let stream = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, std::convert::Infallible>)).eventsource();
    futures::executor::block_on(async {
        let mut out = Vec::with_capacity(1 << 20);
        let mut written = 0;
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            let value: serde_json::Value = serde_json::from_str(&event.expect("an event").data).expect("JSON");
            serde_json::to_writer(&mut out, &value).expect("written");
            out.push(b'\n');
            written += out.len();
            out.clear();
        }
        written
    })
}

fn writing(c: &mut Criterion) {
    let mut group = c.benchmark_group("writing");
    group.sample_size(10);
    for (name, input) in [
        ("text", Bytes::from(support::text_stream(100_000))),
        ("tool-20000", Bytes::from(support::tool_stream(1_000_000, 20_000))),
    ] {
        let chunks = support::chunked(&input, 16 * 1024);
        group.throughput(Throughput::Bytes(input.len() as u64));
        assert!(events(&chunks) > 0 && final_message(&chunks) > 0);
        group.bench_with_input(BenchmarkId::new("anthropic-sse --events", name), &chunks, |b, c| b.iter(|| events(c)));
        group.bench_with_input(BenchmarkId::new("anthropic-sse --final", name), &chunks, |b, c| {
            b.iter(|| final_message(c))
        });
        group.bench_with_input(BenchmarkId::new("eventsource-stream+Value, written", name), &chunks, |b, c| {
            b.iter(|| values(c))
        });
    }
    group.finish();
}

criterion_group!(benches, writing);
criterion_main!(benches);
