//! Allocations per text delta in steady state, counted by a global allocator: the difference between a
//! 30,000-delta and a 10,000-delta stream, divided by the 20,000 extra deltas, so that setup does not count.
//! Folding to the final message must not allocate per delta; handing events out costs at most the one
//! `String` of each text delta. (`benches/allocations.rs` prints the same figures next to the baselines.)

use std::convert::Infallible;

use anthropic_sse::{BlockingEvents, Events};
use bytes::Bytes;
use futures::StreamExt;

use anthropic_sse_kit::counting;
use anthropic_sse_kit::streams as support;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Allocations (and reallocations) per delta of `path` on the stream cut in `chunk`-byte chunks.
fn per_delta(chunk: usize, path: impl Fn(&[Bytes]) -> usize) -> f64 {
    per_delta_of(chunk, support::text_stream, path)
}

/// The same on the stream `wire` writes for so many deltas.
fn per_delta_of(chunk: usize, wire: impl Fn(usize) -> Vec<u8>, path: impl Fn(&[Bytes]) -> usize) -> f64 {
    let small = support::chunked(&Bytes::from(wire(10_000)), chunk);
    let large = support::chunked(&Bytes::from(wire(30_000)), chunk);
    let (n_small, a_small, r_small) = counting::count(|| path(&small));
    let (n_large, a_large, r_large) = counting::count(|| path(&large));
    assert!(n_large > n_small, "the larger stream gives more");
    ((a_large + r_large) as f64 - (a_small + r_small) as f64) / 20_000.0
}

/// The chunks as a stream the driver owns (a list of shared `Bytes`, one allocation for the whole stream).
fn source(chunks: &[Bytes]) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send + use<> {
    futures::StreamExt::map(futures::stream::iter(Vec::from(chunks)), Ok)
}

fn final_message(chunks: &[Bytes]) -> usize {
    futures::executor::block_on(Events::new(source(chunks)).final_message()).expect("complete").text().len()
}

#[test]
fn folding_to_the_final_message_does_not_allocate_per_delta() {
    for chunk in [16 * 1024, 64 * 1024, 130] {
        let cost = per_delta(chunk, final_message);
        assert!(cost < 0.01, "Events::final_message, {chunk}-byte chunks: {cost} allocations per delta");
    }
    let blocking = per_delta(64 * 1024, |chunks| {
        let bytes: Vec<u8> = chunks.concat();
        let (message, ..) = counting::count(|| BlockingEvents::new(&bytes[..]).final_message());
        message.expect("complete").text().len()
    });
    assert!(blocking < 0.01, "BlockingEvents::final_message: {blocking} allocations per delta");
}

#[test]
fn handing_events_out_costs_at_most_the_text_of_each_delta() {
    let cost = per_delta(16 * 1024, |chunks| {
        futures::executor::block_on(Events::new(source(chunks)).filter(|e| futures::future::ready(e.is_ok())).count())
    });
    assert!(cost <= 1.01, "Events events: {cost} allocations per delta");
    let frames = per_delta(16 * 1024, support::frame_count);
    assert!(frames < 0.01, "sse::Decoder frames: {frames} allocations per delta");
}

/// The gateway tap forwarding the chunks (and folding them on the way) to the end, then its report.
fn tapped(chunks: &[Bytes]) -> usize {
    let tap = anthropic_sse::Tap::new(source(chunks));
    let observer = tap.observer();
    let forwarded = futures::executor::block_on(tap.fold(0, |n, c| futures::future::ready(n + c.unwrap().len())));
    let report = futures::executor::block_on(observer);
    assert!(report.complete);
    forwarded
}

/// Allocations (and reallocations) that `path` makes on the larger stream beyond the smaller one, both cut in
/// `chunk`-byte chunks, and how many more chunks the larger one has.
fn growth(chunk: usize, path: impl Fn(&[Bytes]) -> usize) -> (f64, f64) {
    let small = support::chunked(&Bytes::from(support::text_stream(10_000)), chunk);
    let large = support::chunked(&Bytes::from(support::text_stream(30_000)), chunk);
    let (_, a_small, r_small) = counting::count(|| path(&small));
    let (_, a_large, r_large) = counting::count(|| path(&large));
    ((a_large + r_large) as f64 - (a_small + r_small) as f64, (large.len() - small.len()) as f64)
}

#[test]
fn the_tap_does_not_allocate_per_forwarded_chunk() {
    for chunk in [130, 16 * 1024] {
        // The message's text grows by doubling, a few reallocations that the fold makes on any route: counted
        // out by the fold alone on the same chunks.
        let (tap, chunks) = growth(chunk, tapped);
        let (fold, _) = growth(chunk, final_message);
        let cost = (tap - fold) / chunks;
        assert!(cost < 0.01, "Tap, {chunk}-byte chunks: {cost} allocations per forwarded chunk ({tap} vs {fold})");
    }
}

/// The text stream as a Bedrock body.
fn bedrock_body(deltas: usize) -> Vec<u8> {
    anthropic_sse_kit::bedrock::encode(&support::text_stream(deltas), true)
}

#[test]
fn bedrock_bodies_are_read_without_allocating_per_message() {
    for chunk in [16 * 1024, 130] {
        let fold = per_delta_of(chunk, bedrock_body, |chunks| {
            let events = Events::new(source(chunks)).with_format(anthropic_sse::framing::Format::Bedrock);
            futures::executor::block_on(events.final_message()).expect("complete").text().len()
        });
        assert!(fold < 0.01, "a Bedrock body to the final message, {chunk}-byte chunks: {fold} allocations per delta");
        let messages = per_delta_of(chunk, bedrock_body, |chunks| {
            let mut decoder = anthropic_sse::framing::EventStreamDecoder::new();
            let mut n = 0;
            for chunk in chunks {
                decoder.feed_bytes(chunk.clone());
                while let Some(message) = decoder.next_message().expect("valid") {
                    n += message.header_str(":event-type").map_or(0, str::len) + message.payload().len();
                }
            }
            n
        });
        assert!(messages < 0.01, "event-stream messages, {chunk}-byte chunks: {messages} allocations per message");
    }
}

/// A reader that hands out at most 100 bytes per read.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(100).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn short_reads_into_a_large_read_buffer_do_not_allocate_it_again() {
    let stream = support::text_stream(300);
    let fold = |reader: &mut dyn std::io::Read| {
        let (message, allocations, reallocations) =
            counting::count(|| BlockingEvents::new(reader).with_read_size(16 << 20).final_message().expect("complete"));
        assert!(message.text().len() > 1000);
        allocations + reallocations
    };
    let whole = fold(&mut &stream[..]);
    let trickled = fold(&mut Trickle(&stream));
    let reads = stream.len() / 100;
    assert!(trickled <= whole + 16, "{trickled} allocations for {reads} short reads, {whole} for one read");
}
