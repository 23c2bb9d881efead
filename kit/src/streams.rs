//! Streams built for tests and benchmarks, in the documented wire format (never taken from the corpus), and
//! the ways of cutting them into chunks.

use bytes::Bytes;

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
    let pieces: Vec<String> = chars.chunks(per.max(1)).map(|piece| piece.iter().collect()).collect();
    tool_call("store", "{}", &pieces)
}

/// A stream with one tool call named `name`, starting with `start_input` (JSON text), whose input arrives in
/// `pieces`; then the block's stop, a `message_delta` (stop reason `tool_use`, 9 output tokens) and
/// `message_stop`.
pub fn tool_call<P: AsRef<str>>(name: &str, start_input: &str, pieces: &[P]) -> Vec<u8> {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.as_ref().len() * 2 + 120).sum::<usize>() + 1024);
    out.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n");
    out.push_str(&format!("event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"{name}\",\"input\":{start_input}}}}}\n\n"));
    for piece in pieces {
        out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":");
        out.push_str(&serde_json::to_string(piece.as_ref()).expect("a string serializes"));
        out.push_str("}}\n\n");
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// `input` cut into `size`-byte chunks (shared, not copied).
pub fn chunked(input: &Bytes, size: usize) -> Vec<Bytes> {
    (0..input.len()).step_by(size.max(1)).map(|start| input.slice(start..(start + size).min(input.len()))).collect()
}

/// The chunkings every benchmark uses: name and chunk size.
pub fn chunkings(len: usize) -> [(&'static str, usize); 4] {
    [("64KiB", 64 * 1024), ("16KiB", 16 * 1024), ("130B", 130), ("one-chunk", len)]
}

/// How many owned frames `anthropic_sse::framing::SseDecoder` reads from the chunks.
pub fn frame_count(chunks: &[Bytes]) -> usize {
    let mut decoder = anthropic_sse::framing::SseDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        decoder.feed_bytes(chunk.clone());
        while let Ok(Some(_)) = decoder.next_frame() {
            n += 1;
        }
    }
    n
}
