//! The gateway tap (issue 25): forwarding a stream through `Tap` (which folds it on the way) against forwarding
//! the same chunks plainly plus `Events::final_message` over them, the text stream at 130-byte and 16 KiB chunks,
//! bytes in per second. Target: the tap at most 1.1x the time of the two together. No per-event callback.

use anthropic_sse_benches as support;

use anthropic_sse::{Events, Tap};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::StreamExt;

fn source(chunks: &[Bytes]) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static {
    futures::stream::iter(chunks.to_vec()).map(Ok)
}

/// The tap: every chunk forwarded (summed, as a client would take it), then the report.
fn tapped(chunks: &[Bytes]) -> u64 {
    let tap = Tap::new(source(chunks));
    let observer = tap.observer();
    futures::executor::block_on(async {
        let forwarded = tap.fold(0usize, |n, c| futures::future::ready(n + c.expect("a chunk").len())).await;
        let report = observer.await;
        assert!(report.complete);
        forwarded as u64 + report.usage().and_then(|u| u.output_tokens).unwrap_or(0)
    })
}

/// The baseline: the chunks forwarded plainly, and folded by `Events::final_message` on the side.
fn forwarded_and_folded(chunks: &[Bytes]) -> u64 {
    futures::executor::block_on(async {
        let forwarded = source(chunks).fold(0usize, |n, c| futures::future::ready(n + c.expect("a chunk").len())).await;
        let message = Events::new(source(chunks)).final_message().await.expect("complete");
        forwarded as u64 + message.usage.output_tokens.unwrap_or(0)
    })
}

fn tap(c: &mut Criterion) {
    let mut group = c.benchmark_group("tap");
    group.sample_size(20);
    let input = Bytes::from(support::text_stream(20_000));
    for size in [130, 16 * 1024] {
        let chunks = support::chunked(&input, size);
        group.throughput(Throughput::Bytes(input.len() as u64));
        assert_eq!(tapped(&chunks), forwarded_and_folded(&chunks));
        group.bench_with_input(BenchmarkId::new("Tap", size), &chunks, |b, c| b.iter(|| tapped(c)));
        group.bench_with_input(BenchmarkId::new("forwarding + Events::final_message", size), &chunks, |b, c| {
            b.iter(|| forwarded_and_folded(c))
        });
    }
    group.finish();
}

criterion_group!(benches, tap);
criterion_main!(benches);
