//! Claude on Amazon Bedrock: the 100,000-delta text stream as a Bedrock body, to the final message, against
//! the SSE path on the same events (throughput in events), at 16 KiB and 130-byte chunks; and event-stream frame decoding against
//! `aws-smithy-eventstream`'s `MessageFrameDecoder` on the same bytes (throughput in bytes). Same chunks,
//! same run.

use anthropic_sse::framing::Format;
use anthropic_sse::EventDecoder;
use anthropic_sse_benches as support;
use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn fold(mut decoder: EventDecoder, chunks: &[Bytes]) -> anthropic_sse::Message {
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        decoder.fold_buffered().expect("a valid stream");
    }
    decoder.into_final_message().expect("a complete message")
}

/// Each side reads every message (both CRCs checked), and one header of each (`:event-type`) as a user
/// routing the messages would; the payload bytes and the header's length are counted.
fn ours(chunks: &[Bytes]) -> usize {
    let mut decoder = anthropic_sse::framing::EventStreamDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(message) = decoder.next_message().expect("valid messages") {
            n += message.payload().len() + message.header_str(":event-type").map_or(0, str::len);
        }
    }
    n
}

fn smithy(chunks: &[Bytes]) -> usize {
    let mut decoder = MessageFrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut n = 0;
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let DecodedFrame::Complete(message) = decoder.decode_frame(&mut buf).expect("valid messages") {
            let event_type = message.headers().iter().find(|h| h.name().as_str() == ":event-type");
            n += message.payload().len()
                + event_type.and_then(|h| h.value().as_string().ok()).map_or(0, |s| s.as_str().len());
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let sse = Bytes::from(support::text_stream(100_000));
    let body = Bytes::from(anthropic_sse_kit::bedrock::encode(&sse, false));
    let events = support::frame_count(std::slice::from_ref(&sse)) as u64;
    let mut group = c.benchmark_group("bedrock-text-stream");
    group.sample_size(20).throughput(Throughput::Elements(events));
    for (name, size) in [("16KiB", 16 * 1024), ("130B", 130)] {
        let (sse_chunks, body_chunks) = (support::chunked(&sse, size), support::chunked(&body, size));
        assert_eq!(
            fold(EventDecoder::new(), &sse_chunks),
            fold(EventDecoder::for_format(Format::Bedrock), &body_chunks)
        );
        group.bench_with_input(BenchmarkId::new("anthropic-sse/sse", name), &sse_chunks, |b, c| {
            b.iter(|| fold(EventDecoder::new(), c))
        });
        group.bench_with_input(BenchmarkId::new("anthropic-sse/bedrock", name), &body_chunks, |b, c| {
            b.iter(|| fold(EventDecoder::for_format(Format::Bedrock), c))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("eventstream-frames");
    group.sample_size(20).throughput(Throughput::Bytes(body.len() as u64));
    for (name, size) in [("16KiB", 16 * 1024), ("130B", 130)] {
        let chunks = support::chunked(&body, size);
        assert_eq!(ours(&chunks), smithy(&chunks));
        group.bench_with_input(BenchmarkId::new("anthropic-sse", name), &chunks, |b, c| b.iter(|| ours(c)));
        group.bench_with_input(BenchmarkId::new("aws-smithy-eventstream", name), &chunks, |b, c| b.iter(|| smithy(c)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
