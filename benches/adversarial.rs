//! No super-linear time: each adversarial workload at size N and 2N (among them a message of N unknown members
//! followed by N/100 message_deltas, each of which asks the members for keys, and tool input to be rewritten
//! with repeated keys at 98 levels of nesting). Throughput (bytes per second) that stays
//! flat from N to 2N means time linear in the input. Also: the tool input's incremental snapshot asked for
//! after every delta, for 1 MB in 5,000 and in 20,000 pieces.

use anthropic_sse_benches as support;

use anthropic_sse::framing::SseDecoder as Decoder;
use anthropic_sse::{Delta, EventDecoder, StreamEvent};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn frames(chunks: &[Bytes]) -> usize {
    let mut decoder = Decoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(frame)) = decoder.next_frame() {
            n += frame.data().len();
        }
    }
    n
}

fn final_message(chunks: &[Bytes]) -> usize {
    let mut decoder = EventDecoder::new();
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(event) = decoder.next_event() {
            event.expect("valid stream");
        }
    }
    decoder.into_final_message().expect("complete").content.len()
}

/// Folds the stream asking for the tool input's snapshot after every input_json_delta.
fn snapshot_every_delta(chunks: &[Bytes]) -> usize {
    let mut decoder = EventDecoder::new();
    let mut members = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Some(event) = decoder.next_event() {
            if let StreamEvent::ContentBlockDelta(d) = event.expect("valid stream") {
                if matches!(d.delta, Delta::InputJson { .. }) {
                    if let Some(Ok(view)) = decoder.partial_tool_input(d.index) {
                        members += view.received().len();
                    }
                }
            }
        }
    }
    members
}

fn long_line(len: usize) -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.extend(std::iter::repeat_n(b'x', len));
    out.extend_from_slice(b"\n\n");
    out
}

fn tiny_events(len: usize) -> Vec<u8> {
    b"data:x\n\n".iter().copied().cycle().take(len).collect()
}

fn deep_tool_input(len: usize) -> Vec<u8> {
    // As deep as tool input may nest (partial_json::MAX_DEPTH is 100, and the object and array around it
    // take two levels).
    let nested = format!("{}1{}", "[".repeat(98), "]".repeat(98));
    let mut input = String::from("{\"v\": [");
    while input.len() < len {
        input.push_str(&nested);
        input.push(',');
    }
    input.push_str("0]}");
    tool_input_stream(&input)
}

/// Tool input the SDK reads differently from its text, so that it is rewritten: 97 objects nested inside each
/// other, each with a repeated key, around one object of many keys of which one repeats.
fn repeated_keys_tool_input(len: usize) -> Vec<u8> {
    let mut inner = String::from("{\"k0\":\"first\"");
    let mut k = 1;
    while inner.len() < len {
        inner.push_str(&format!(",\"k{k}\":{k}"));
        k += 1;
    }
    inner.push_str(",\"k0\":\"again\"}");
    let mut input = inner;
    for _ in 0..97 {
        input = format!("{{\"r\":0,\"v\":{input},\"r\":1}}");
    }
    tool_input_stream(&input)
}

/// A message with one tool call whose input arrives in pieces of 100 bytes.
fn tool_input_stream(input: &str) -> Vec<u8> {
    let mut out = String::from("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n");
    for piece in input.as_bytes().chunks(100) {
        let piece = serde_json::to_string(std::str::from_utf8(piece).expect("ASCII")).expect("a string");
        out.push_str(&format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{piece}}}}}\n\n"));
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// A message_start whose message has `keys` members this version does not know, then a message_delta per
/// hundred of them: the fold asks the message's members for the keys a delta replaces on every one.
fn many_keys_then_deltas(keys: usize) -> Vec<u8> {
    let members: Vec<String> = (0..keys).map(|k| format!("\"x{k}\":{k}")).collect();
    let mut out = format!("event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{{\"output_tokens\":1}},{}}}}}\n\n", members.join(","));
    for _ in 0..keys / 100 {
        out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n");
    }
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

fn adversarial(c: &mut Criterion) {
    let mut group = c.benchmark_group("adversarial");
    group.sample_size(10);
    for size in [1 << 20, 2 << 20] {
        let label = format!("{}MiB", size >> 20);
        let line = Bytes::from(long_line(size));
        group.throughput(Throughput::Bytes(line.len() as u64));
        let one_byte = support::chunked(&line, 1);
        group.bench_with_input(BenchmarkId::new("long-line-1-byte-chunks", &label), &one_byte, |b, c| {
            b.iter(|| frames(c))
        });

        let tiny = Bytes::from(tiny_events(size));
        group.throughput(Throughput::Bytes(tiny.len() as u64));
        let chunks = support::chunked(&tiny, 64 * 1024);
        group.bench_with_input(BenchmarkId::new("tiny-events", &label), &chunks, |b, c| b.iter(|| frames(c)));

        let deep = Bytes::from(deep_tool_input(size));
        group.throughput(Throughput::Bytes(deep.len() as u64));
        let chunks = support::chunked(&deep, 16 * 1024);
        group
            .bench_with_input(BenchmarkId::new("deep-tool-input", &label), &chunks, |b, c| b.iter(|| final_message(c)));

        let repeated = Bytes::from(repeated_keys_tool_input(size));
        group.throughput(Throughput::Bytes(repeated.len() as u64));
        let chunks = support::chunked(&repeated, 16 * 1024);
        group.bench_with_input(BenchmarkId::new("nested-repeated-keys-tool-input", &label), &chunks, |b, c| {
            b.iter(|| final_message(c))
        });
    }
    // N keys, N/100 deltas: flat throughput from N to 2N means each delta's lookups do not grow with N.
    for keys in [100_000, 200_000] {
        let stream = Bytes::from(many_keys_then_deltas(keys));
        group.throughput(Throughput::Bytes(stream.len() as u64));
        let chunks = support::chunked(&stream, 16 * 1024);
        group.bench_with_input(BenchmarkId::new("many-keys-then-deltas", keys), &chunks, |b, c| {
            b.iter(|| final_message(c))
        });
    }
    group.finish();

    // The snapshot asked for after every delta, at N and 2N: flat throughput is linear time.
    let mut group = c.benchmark_group("tool-input-snapshot-every-delta");
    group.sample_size(10);
    for (label, size, pieces) in [("1MB", 1_000_000, 5_000), ("1MB", 1_000_000, 20_000), ("2MB", 2_000_000, 40_000)] {
        let input = Bytes::from(support::tool_stream(size, pieces));
        group.throughput(Throughput::Bytes(input.len() as u64));
        let chunks = support::chunked(&input, 16 * 1024);
        group.bench_with_input(BenchmarkId::new(format!("rows-{label}"), pieces), &chunks, |b, c| {
            b.iter(|| snapshot_every_delta(c))
        });
    }
    // One number of N digits in 4-byte pieces: every snapshot ends inside the number.
    for digits in [400_000, 800_000] {
        let input = format!("{{\"n\": 1{}}}", "7".repeat(digits));
        let stream = Bytes::from(support::tool_stream_of(&input, 4));
        group.throughput(Throughput::Bytes(stream.len() as u64));
        let chunks = support::chunked(&stream, 16 * 1024);
        group.bench_with_input(BenchmarkId::new("digits-4-byte-pieces", digits), &chunks, |b, c| {
            b.iter(|| snapshot_every_delta(c))
        });
    }
    // A long key, then many array items: the key must not be copied per snapshot.
    for (key, items) in [(512 * 1024, 50_000), (1024 * 1024, 100_000)] {
        let input = format!("{{\"{}\": [{}0]}}", "k".repeat(key), "0,".repeat(items));
        let stream = Bytes::from(support::tool_stream_of(&input, 8));
        group.throughput(Throughput::Bytes(stream.len() as u64));
        let chunks = support::chunked(&stream, 16 * 1024);
        group.bench_with_input(BenchmarkId::new("long-key-then-items", key), &chunks, |b, c| {
            b.iter(|| snapshot_every_delta(c))
        });
    }
    group.finish();
}

criterion_group!(benches, adversarial);
criterion_main!(benches);
