//! Workloads shared by the benchmarks: generated in the documented wire format, never taken from the corpus.
#![allow(dead_code)]

use std::convert::Infallible;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::StreamExt;

const WORDS: [&str; 16] = [
    "the ",
    "stream ",
    "carries ",
    "a few ",
    "words ",
    "per ",
    "delta, ",
    "like ",
    "a model ",
    "writing ",
    "prose; ",
    "quotes \\\"and\\\" ",
    "accents é ",
    "and ",
    "numbers 42 ",
    "here. ",
];

/// A `message_start`, a text block with `deltas` `text_delta` events of a few words each, its stop, a
/// `message_delta` and `message_stop`: ~13 MB for 100,000 deltas, shaped like the API's own streams.
pub fn text_stream(deltas: usize) -> Vec<u8> {
    let mut out = String::with_capacity(deltas * 140 + 1024);
    out.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-bench\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for i in 0..deltas {
        let text: String = (0..3).map(|k| WORDS[(i * 7 + k * 5) % WORDS.len()]).collect();
        out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"");
        out.push_str(&text);
        out.push_str("\"}       }\n\n");
        if i % 5000 == 0 {
            out.push_str("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        }
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str(&format!("event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"end_turn\",\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{}}}}}\n\n", deltas * 3));
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// A tool call whose input JSON (~`bytes` long) arrives in `pieces` `input_json_delta` events.
pub fn tool_stream(bytes: usize, pieces: usize) -> Vec<u8> {
    let mut input = String::from("{\"rows\": [");
    let mut i = 0;
    while input.len() < bytes {
        if i > 0 {
            input.push_str(", ");
        }
        input.push_str(&format!(
            "{{\"id\": {i}, \"name\": \"row {i} \\u00e9\", \"score\": {}.5, \"ok\": true}}",
            i % 97
        ));
        i += 1;
    }
    input.push_str("]}");
    tool_stream_of(&input, input.chars().count().div_ceil(pieces))
}

/// A stream with one tool call whose input is `input`, sent in pieces of `per` characters.
pub fn tool_stream_of(input: &str, per: usize) -> Vec<u8> {
    let chars: Vec<char> = input.chars().collect();
    let pieces = chars.len().div_ceil(per);
    let mut out = String::with_capacity(input.len() * 2 + pieces * 120);
    out.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench_tool\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-bench\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_bench\",\"name\":\"store\",\"input\":{}}}\n\n");
    for piece in chars.chunks(per) {
        let piece: String = piece.iter().collect();
        let escaped = serde_json::to_string(&piece).expect("a string serializes");
        out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":");
        out.push_str(&escaped);
        out.push_str("}}\n\n");
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5000}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// How many owned frames `anthropic_sse::framing::sse::Decoder` reads from the chunks.
pub fn frame_count(chunks: &[Bytes]) -> usize {
    let mut decoder = anthropic_sse::framing::sse::Decoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(_)) = decoder.next_frame() {
            n += 1;
        }
    }
    n
}

/// `input` cut into `size`-byte chunks (shared, not copied).
pub fn chunked(input: &Bytes, size: usize) -> Vec<Bytes> {
    (0..input.len()).step_by(size.max(1)).map(|start| input.slice(start..(start + size).min(input.len()))).collect()
}

/// The chunkings every benchmark uses: name and chunk size.
pub fn chunkings(len: usize) -> [(&'static str, usize); 4] {
    [("64KiB", 64 * 1024), ("16KiB", 16 * 1024), ("130B", 130), ("one-chunk", len)]
}

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
