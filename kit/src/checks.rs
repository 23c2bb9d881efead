//! The properties the fuzz targets check, as plain functions: the cargo-fuzz targets call them, and
//! `tests/suite/fuzz_regressions.rs` replays every committed corpus and artifact file through them on stable.
//! Each panics when a property fails.

use anthropic_sse::__private as partial_json;
use anthropic_sse::framing::Format;
use anthropic_sse::framing::SseDecoder as Decoder;
use anthropic_sse::framing::{EventStreamMessage, HeaderValue};
use anthropic_sse::Limits;
use anthropic_sse::{BlockingEvents, EventDecoder, StreamEvent};
use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;

use crate::sse::{decode, Feeding};

/// Cut points derived from a seed: a tiny deterministic generator, so that a failing input replays exactly.
fn cuts(seed: u32, len: usize) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    let mut state = seed | 1;
    // One byte at a time only on short inputs: on long ones it would spend the fuzzer's time on copying.
    let mode = if len > 2048 && seed.is_multiple_of(4) { 1 } else { seed % 4 };
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let step = match mode {
            0 => 1,
            1 => 1 + (state as usize % 7),
            2 => 1 + (state as usize % 64),
            _ => 1 + (state as usize % 4096),
        };
        at += step;
        out.push(at.min(len));
    }
    out
}

fn split(input: &[u8]) -> (u32, &[u8]) {
    if input.len() < 4 {
        return (0, input);
    }
    (u32::from_le_bytes([input[0], input[1], input[2], input[3]]), &input[4..])
}

/// `sse_decoder`: frames from the chunked input equal frames from the whole input (with default and with
/// small limits) and, with the default limits, the naive reference's; borrowed frames equal owned ones; no
/// panic.
pub fn sse_decoder(data: &[u8]) {
    let (seed, input) = split(data);
    let ends = cuts(seed, input.len());
    for limits in [
        Limits::default(),
        Limits::default()
            .with_max_line_bytes((seed >> 8) as usize % 64)
            .with_max_event_bytes((seed >> 16) as usize % 128),
    ] {
        let whole = decode(input, &[], limits, Feeding::default());
        if limits == Limits::default() {
            // The one naive reference reading of the standard judges the fast paths too.
            let (frames, leftover) = crate::reference::sse(input);
            assert_eq!(whole.frames, frames, "the decoder and the naive reference disagree");
            // The reference cannot see an empty `event:` line, which the decoder reports as left over.
            assert!(whole.leftover.is_some() || !leftover, "the reference saw a leftover the decoder did not");
        }
        let chunked = decode(input, &ends, limits, Feeding::default());
        assert_eq!(whole, chunked, "chunking changed the frames");
        let borrowed = Feeding { shared: true, borrowed: true };
        assert_eq!(whole, decode(input, &ends, limits, borrowed), "borrowed frames differ from owned ones");
    }
}

/// `events`: an arbitrary frame (event name + data) typed: no panic; an event that parses re-serializes to
/// the same JSON; the fast path and the full parser agree.
pub fn events(data: &[u8]) {
    let Some((&len, rest)) = data.split_first() else { return };
    let (name, payload) = rest.split_at(usize::from(len % 32).min(rest.len()));
    let name = String::from_utf8_lossy(name).into_owned();
    let payload = String::from_utf8_lossy(payload).into_owned();
    let typed = StreamEvent::from_json(&payload, Some(&name));
    // The same payload with a leading space cannot take the fast path.
    let full = StreamEvent::from_json(&format!(" {payload}"), Some(&name));
    if !payload.is_empty() {
        assert_eq!(typed.as_ref().ok(), full.as_ref().ok(), "fast path and full parser disagree");
        assert_eq!(typed.as_ref().err().map(|e| e.kind().to_owned()), full.as_ref().err().map(|e| e.kind().to_owned()));
    }
    if let Ok(Some(event)) = typed {
        if event != StreamEvent::Ping {
            // What the crate writes for the data: the same JSON without whitespace between tokens and with
            // `NaN` and the infinities (which it reads, as the SDK does) written `null`.
            let standard = crate::reference::compact_json(&payload);
            let again = serde_json::to_string(&event).expect("events serialize");
            assert!(!again.contains(['\n', '\r']), "a line break written: {again:?}");
            // The payload must be JSON as it is (whitespace between tokens kept), or the event is no event.
            let read = serde_json::from_str::<serde::de::IgnoredAny>(&crate::reference::non_finite_as_null(&payload));
            if let Err(e) = read {
                assert!(
                    e.to_string().contains("number out of range"),
                    "an event from what is not JSON: {payload:?}: {e}"
                );
            }
            match serde_json::from_str::<Value>(&standard) {
                Ok(original) => {
                    // The same JSON, but that a member's `-0` is read as the SDK reads it (the integer 0),
                    // where a `Value` holds -0.0 (found by this target).
                    let again = serde_json::to_value(&event).expect("events serialize");
                    assert!(
                        same_json(&again, &original),
                        "re-serialized event differs from its data: {again} vs {original}"
                    );
                }
                // JSON that a `Value` cannot hold (a number beyond f64, found by this target): only an unknown
                // event, kept as the text that arrived, can carry it.
                Err(_) => {
                    assert!(matches!(event, StreamEvent::Unknown { .. }), "a typed event from {payload:?}");
                    assert_eq!(again, standard, "the text is kept as it arrived");
                }
            }
        }
    }
}

/// `fold`: bytes through the whole pipeline to a final message or an error; the outcome does not depend on
/// the chunking, nor on whether deltas are folded in place or as typed events.
pub fn fold(data: &[u8]) {
    let (seed, input) = split(data);
    let whole = outcome(BlockingEvents::new(input).final_message());
    let reads = 1 + (seed as usize % 97);
    let chunked = outcome(BlockingEvents::new(input).with_read_size(reads).final_message());
    assert_eq!(whole, chunked, "chunking changed the outcome");
    assert_eq!(whole, typed_route(input), "folding in place and folding typed events disagree");
}

/// `tap`: the gateway tap forwards exactly the chunks it is given, the same bytes in the same order, and its
/// report, ready at the body's end (never pending), has the outcome the blocking driver gives for the same bytes;
/// snapshots along the way do not disturb it; a client gone after a number of chunks the seed picks
/// completes the report at once, marked, with what was forwarded counted.
pub fn tap(data: &[u8]) {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use futures_core::Stream;

    /// The chunks as a stream that is always ready.
    struct Chunks(std::vec::IntoIter<bytes::Bytes>);
    impl Stream for Chunks {
        type Item = Result<bytes::Bytes, std::convert::Infallible>;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.next().map(Ok))
        }
    }

    let (seed, input) = split(data);
    let whole = bytes::Bytes::copy_from_slice(input);
    let mut chunks = Vec::new();
    let mut start = 0;
    for end in cuts(seed, input.len()) {
        chunks.push(whole.slice(start..end));
        start = end;
    }
    let expected = outcome(BlockingEvents::new(input).final_message());
    let mut cx = Context::from_waker(Waker::noop());
    let gone_after = (seed as usize >> 8) % (chunks.len() + 2);
    for client_leaves in [false, true] {
        let mut tap = anthropic_sse::Tap::new(Chunks(chunks.clone().into_iter())).with_format(Format::Sse);
        let mut observer = tap.observer();
        let mut forwarded = Vec::new();
        loop {
            if client_leaves && forwarded.len() == gone_after {
                drop(tap);
                break;
            }
            match std::pin::Pin::new(&mut tap).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(chunk))) => forwarded.push(chunk),
                Poll::Ready(None) => break,
                other => panic!("a ready source gives {other:?}"),
            }
            // A snapshot copies the message: taken at about 16 points, not at every chunk (which would make the
            // check quadratic in the input and the fuzzer slow).
            if forwarded.len() % (chunks.len() / 16 + 1) == 0 {
                serde_json::to_string(&observer.snapshot()).expect("a report serializes");
            }
        }
        let Poll::Ready(report) = std::pin::Pin::new(&mut observer).poll(&mut cx) else {
            panic!("the report is pending after the body's end or the client's leaving")
        };
        let sent: usize = forwarded.iter().map(|c| c.len()).sum();
        assert_eq!(report.bytes_forwarded, sent as u64);
        if !report.client_gone {
            assert!(forwarded.iter().zip(&chunks).all(|(a, b)| a.as_ptr() == b.as_ptr() && a.len() == b.len()));
            assert_eq!(forwarded.len(), chunks.len(), "every chunk forwarded");
            let got = match (&report.error, &report.message) {
                (None, message) => (None, message.as_ref().map(|m| serde_json::to_string(m).expect("serializes"))),
                (Some(e), _) => (
                    Some(e.error_type().to_owned()),
                    e.partial_message().map(|m| serde_json::to_string(m).expect("serializes")),
                ),
            };
            assert_eq!(got, expected, "the tap's report and the driver disagree");
        } else {
            assert!(client_leaves && forwarded.len() < chunks.len() + 1);
        }
    }
}

/// The final message the slow way: every event built as a `StreamEvent` and applied, none folded in place.
fn typed_route(input: &[u8]) -> (Option<String>, Option<String>) {
    let mut decoder = EventDecoder::new();
    decoder.feed(input);
    while let Some(item) = decoder.next_event() {
        // The fold stops at message_stop (what follows is not read), and so does this route.
        if item.as_ref().is_ok_and(|e| matches!(e, StreamEvent::MessageStop(_))) || item.is_err() {
            break;
        }
    }
    outcome(decoder.into_final_message())
}

/// `fast_paths`: the differential target for every fast path. A stream is built whose deltas start with
/// exactly the shape the fast paths read and go on with arbitrary bytes; it must fold to the same outcome
/// three ways: in place (`final_message`), as typed events (`next_event`, which takes the event fast
/// path), and through the full JSON parser (the same stream with a space before each payload, which no fast
/// path takes). The SSE decoder's whole-event path is checked against reading the same bytes one at a time,
/// which never takes it.
pub fn fast_paths(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let block = [
        r#"{"type":"text","text":""}"#,
        r#"{"type":"thinking","thinking":"","signature":""}"#,
        r#"{"type":"tool_use","id":"t","name":"n","input":{}}"#,
    ][usize::from(selector % 3)];
    const KINDS: [&str; 4] = [
        r#"text_delta","text":""#,
        r#"input_json_delta","partial_json":""#,
        r#"thinking_delta","thinking":""#,
        r#"signature_delta","signature":""#,
    ];
    let build = |pad: &str| -> Vec<u8> {
        let mut out = String::from(concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",",
            "\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n",
        ));
        out.push_str(&format!(
            "event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{block}}}\n\n"
        ));
        // Pieces separated by U+0001; the selector's high bits pick each piece's kind, and sometimes index 1,
        // which names no block.
        for (i, piece) in text.split('\u{1}').take(16).enumerate() {
            let kind = KINDS[(usize::from(selector >> 2) + i) % KINDS.len()];
            let index = usize::from(selector & 0x80 != 0 && i == 3);
            out.push_str(&format!(
                "event: content_block_delta\ndata: {pad}{{\"type\":\"content_block_delta\",\"index\":{index},\"delta\":{{\"type\":\"{kind}{piece}\n\n"
            ));
        }
        out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        out.into_bytes()
    };
    let stream = build("");
    let in_place = outcome(BlockingEvents::new(&stream[..]).final_message());
    assert_eq!(in_place, typed_route(&stream), "folding in place and the event fast path disagree");
    let padded = build(" ");
    let full = outcome(BlockingEvents::new(&padded[..]).final_message());
    assert_eq!(in_place, full, "the fast paths and the full parser disagree");

    let whole = decode(&stream, &[], Limits::default(), Feeding::default());
    // Every event here is longer than 7 bytes, so no 7-byte chunk holds a whole one.
    let ends: Vec<usize> = (7..stream.len()).step_by(7).collect();
    let pieces = decode(&stream, &ends, Limits::default(), Feeding::default());
    assert_eq!(whole, pieces, "whole-event and line-by-line SSE disagree");
}

/// The message (or the error's kind and partial message) as JSON text: a message may hold what a `Value`
/// cannot (a number beyond f64 in a member, kept as written), and the routes compared must agree on the text.
fn outcome(result: Result<anthropic_sse::Message, anthropic_sse::Error>) -> (Option<String>, Option<String>) {
    match result {
        Ok(m) => (None, Some(serde_json::to_string(&m).expect("messages serialize"))),
        Err(e) => (
            Some(e.error_type().to_owned()),
            e.partial_message().map(|m| serde_json::to_string(m).expect("messages serialize")),
        ),
    }
}

/// `partial_json`: no panic on any input; on complete JSON it keeps the text as it is (but for the rewrites the
/// SDK's reading asks for) and reads as serde_json does; every prefix of a valid object or array parses to a
/// value consistent with the whole document; the exact reader agrees with the text.
pub fn partial_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ours = partial_json::parse(&text);
    incremental_agrees(&text, data.first().copied().unwrap_or(0));
    // The one-pass reader of whole JSON (taken by `finish` and `ToolInput::from_json` when it can) gives what
    // the scanner gives.
    let mut whole = partial_json::PartialJsonParser::new();
    whole.push(&text);
    assert_eq!(whole.finish(), ours, "the fast reader of whole JSON and the scanner differ on {text:?}");
    if let Ok(exact) = anthropic_sse::ToolInput::from_json(&text) {
        assert_eq!(Some(&exact), ours.as_ref().ok(), "from_json and the scanner differ on {text:?}");
    }
    // serde_json (with `raw_value`, which the crate needs) reserves one object key: a `Value` read of an object
    // whose first key is its raw-value token takes the member for a raw value and fails, from any reader, its
    // own included. The crate keeps such input exactly; only the `Value` read-back below cannot hold for it.
    let reserved = text.contains("$serde_json::private::RawValue");
    if let (Ok(input), false) = (&ours, reserved) {
        // Whatever was accepted reads back through the crate's own reader, and, as the crate writes it (with
        // `NaN` and the infinities, which the SDK takes, written `null`), through serde_json but for a number
        // beyond f64, which is kept as written and which serde_json rejects.
        let _: Value = input.deserialize().expect("the exact reader reads the kept text");
        let written = serde_json::to_string(input).expect("accepted input is written");
        assert!(!written.contains(['\n', '\r']), "a line break written: {written:?}");
        if let Err(e) = serde_json::from_str::<Value>(&written) {
            assert!(
                e.to_string().contains("number out of range"),
                "{:?} is written {written:?}, not JSON: {e}",
                input.as_str()
            );
        }
    }
    let Ok(expected) = serde_json::from_str::<Value>(&text) else { return };
    let ours = ours.expect("complete JSON is accepted");
    let reread: Value = serde_json::from_str(ours.as_str()).expect("the kept text is JSON");
    assert!(same_json(&reread, &expected), "complete JSON read differently: {} vs {expected}", ours.as_str());
    // In order too: the kept text holds each key once, in the place the SDK's dict gives it, with its value.
    let kept = crate::exact::exact(ours.as_str());
    let sdk = crate::exact::as_the_sdk_reads(crate::exact::exact(&text));
    assert_eq!(kept, sdk, "complete JSON {text:?} kept as {:?}, not as the SDK reads it", ours.as_str());
    // With a duplicate key, a prefix may hold the first value where the whole has the last: the prefix
    // property holds only for documents without duplicates.
    if serde_json::from_str::<NoDuplicateKeys>(&text).is_err() {
        return;
    }
    if !text.contains("-0") {
        assert_eq!(ours.as_str(), text.trim_matches([' ', '\t', '\n', '\r']), "complete JSON is kept as written");
    }
    if !matches!(expected, Value::Object(_) | Value::Array(_)) {
        return;
    }
    let step = (text.len() / 64).max(1);
    for end in (1..text.len()).step_by(step).filter(|&i| text.is_char_boundary(i)) {
        let prefix = &text[..end];
        if prefix.trim_start().is_empty() {
            continue;
        }
        let part =
            partial_json::parse(prefix).unwrap_or_else(|e| panic!("prefix {prefix:?} of valid JSON failed: {e}"));
        let part: Value = serde_json::from_str(part.as_str()).expect("the kept text is JSON");
        assert!(consistent(&part, &expected), "prefix {prefix:?} gave {part}, not a part of {expected}");
    }
}

/// Equal JSON, with numbers equal by value (`-0.0 == 0`).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// The incremental parser, fed the text in pieces, gives after each piece what `parse` gives for the text
/// so far.
fn incremental_agrees(text: &str, seed: u8) {
    let mut parser = partial_json::PartialJsonParser::new();
    let step = 1 + usize::from(seed % 16);
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + step).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        parser.push(&text[start..end]);
        start = end;
        let whole = partial_json::parse(&text[..end]);
        let pieces = parser.snapshot().map(|view| view.to_tool_input());
        assert_eq!(pieces, whole, "{:?}", &text[..end]);
    }
}

/// Deserializes any JSON, failing on an object with a duplicate key.
pub struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = NoDuplicateKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !keys.insert(key) {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                    map.next_value::<NoDuplicateKeys>()?;
                }
                Ok(NoDuplicateKeys)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
                Ok(NoDuplicateKeys)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// A value parsed from a prefix is a part of the whole: containers hold members equal to the whole's or
/// themselves parts; a number cut at the end counts as a part of the whole number.
pub fn consistent(part: &Value, full: &Value) -> bool {
    match (part, full) {
        (Value::Object(p), Value::Object(f)) => {
            p.iter().all(|(k, v)| f.get(k).is_some_and(|fv| v == fv || consistent(v, fv)))
        }
        (Value::Array(p), Value::Array(f)) => {
            p.len() <= f.len()
                // Complete elements are equal by value (the prefix reads `-0` as `0`, as the SDK does; serde_json
                // as `-0.0`: found by the partial_json target); only the last may be cut.
                && p.iter().zip(f).enumerate().all(|(i, (a, b))| same_json(a, b) || (i + 1 == p.len() && consistent(a, b)))
        }
        (Value::Number(_), Value::Number(_)) => true,
        _ => part == full,
    }
}

/// Structure-aware input: a plausible sequence of events rendered to SSE bytes with chosen line endings and
/// chunking, so the fuzzer reaches deep states of the fold that random bytes rarely hit.
#[derive(Debug, Arbitrary)]
pub struct Script {
    events: Vec<Ev>,
    ending: Ending,
    with_event_lines: bool,
    read_size: u8,
    bom: bool,
    cut_at_end: u8,
}

#[derive(Debug, Arbitrary)]
enum Ending {
    Lf,
    Crlf,
    Cr,
}

#[derive(Debug, Arbitrary)]
enum Ev {
    Start { content: u8 },
    BlockStart { index: u8, kind: BlockKind },
    Text { index: u8, text: String },
    Json { index: u8, piece: JsonPiece },
    Thinking { index: u8, text: String },
    Signature { index: u8, sig: String },
    Citation { index: u8, text: String },
    Compaction { index: u8, content: Option<String> },
    UnknownDelta { index: u8 },
    Stop { index: u8 },
    Delta { reason: u8, usage: Option<(u16, Option<u16>)>, container: bool },
    MessageStop,
    Ping,
    Error { kind: u8 },
    Unknown { name: String },
    Comment,
    Garbage(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum BlockKind {
    Text,
    Thinking,
    ToolUse,
    ServerToolUse,
    McpToolUse,
    Compaction,
    Fallback,
    WebSearchResult,
    TextWithoutText,
    Future,
}

#[derive(Debug, Arbitrary)]
enum JsonPiece {
    Empty,
    Open,
    Key(String),
    Number(i32),
    Float(u16),
    Str(String),
    Close,
    Comma,
    Raw(String),
}

impl Script {
    /// The SSE bytes of the script.
    pub fn render(&self) -> Vec<u8> {
        let nl = match self.ending {
            Ending::Lf => "\n",
            Ending::Crlf => "\r\n",
            Ending::Cr => "\r",
        };
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        for ev in &self.events {
            let (name, data) = ev.payload();
            if let Some(raw) = data.strip_prefix("RAW:") {
                out.push_str(raw);
                out.push_str(nl);
                continue;
            }
            if self.with_event_lines {
                out.push_str(&format!("event: {name}{nl}"));
            }
            out.push_str(&format!("data: {data}{nl}{nl}"));
        }
        let mut bytes = out.into_bytes();
        let cut = usize::from(self.cut_at_end).min(bytes.len());
        bytes.truncate(bytes.len() - cut);
        bytes
    }
}

fn j<T: serde::Serialize>(v: T) -> String {
    serde_json::to_string(&v).expect("serializes")
}

impl Ev {
    fn payload(&self) -> (String, String) {
        let delta = |index: &u8, d: Value| {
            (
                "content_block_delta".to_owned(),
                j(serde_json::json!({"type":"content_block_delta","index":index % 6,"delta":d})),
            )
        };
        match self {
            Ev::Start { content } => {
                let content: Vec<Value> =
                    (0..content % 3).map(|i| serde_json::json!({"type":"text","text":format!("pre{i}")})).collect();
                (
                    "message_start".into(),
                    j(
                        serde_json::json!({"type":"message_start","message":{"id":"msg_f","type":"message","role":"assistant","model":"m","content":content,"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}),
                    ),
                )
            }
            Ev::BlockStart { index, kind } => {
                let block = match kind {
                    BlockKind::Text => serde_json::json!({"type":"text","text":""}),
                    BlockKind::Thinking => serde_json::json!({"type":"thinking","thinking":"","signature":""}),
                    BlockKind::ToolUse => serde_json::json!({"type":"tool_use","id":"t","name":"n","input":{}}),
                    BlockKind::ServerToolUse => {
                        serde_json::json!({"type":"server_tool_use","id":"s","name":"web_search","input":{}})
                    }
                    BlockKind::McpToolUse => {
                        serde_json::json!({"type":"mcp_tool_use","id":"m","name":"n","server_name":"x","input":{}})
                    }
                    BlockKind::Compaction => serde_json::json!({"type":"compaction","content":null}),
                    BlockKind::Fallback => {
                        serde_json::json!({"type":"fallback","from":{"model":"a"},"to":{"model":"b"}})
                    }
                    BlockKind::WebSearchResult => {
                        serde_json::json!({"type":"web_search_tool_result","tool_use_id":"s","content":[]})
                    }
                    BlockKind::TextWithoutText => serde_json::json!({"type":"text"}),
                    BlockKind::Future => serde_json::json!({"type":"future_block","x":[1]}),
                };
                (
                    "content_block_start".into(),
                    j(serde_json::json!({"type":"content_block_start","index":index % 6,"content_block":block})),
                )
            }
            Ev::Text { index, text } => delta(index, serde_json::json!({"type":"text_delta","text":text})),
            Ev::Json { index, piece } => {
                let piece = match piece {
                    JsonPiece::Empty => String::new(),
                    JsonPiece::Open => "{".into(),
                    JsonPiece::Key(k) => format!("{}: ", j(k)),
                    JsonPiece::Number(n) => n.to_string(),
                    JsonPiece::Float(f) => format!("{}.{}", f / 100, f % 100),
                    JsonPiece::Str(s) => j(s),
                    JsonPiece::Close => "}".into(),
                    JsonPiece::Comma => ", ".into(),
                    JsonPiece::Raw(r) => r.clone(),
                };
                delta(index, serde_json::json!({"type":"input_json_delta","partial_json":piece}))
            }
            Ev::Thinking { index, text } => delta(index, serde_json::json!({"type":"thinking_delta","thinking":text})),
            Ev::Signature { index, sig } => delta(index, serde_json::json!({"type":"signature_delta","signature":sig})),
            Ev::Citation { index, text } => delta(
                index,
                serde_json::json!({"type":"citations_delta","citation":{"type":"char_location","cited_text":text,"document_index":0,"start_char_index":0,"end_char_index":1}}),
            ),
            Ev::Compaction { index, content } => {
                delta(index, serde_json::json!({"type":"compaction_delta","content":content}))
            }
            Ev::UnknownDelta { index } => delta(index, serde_json::json!({"type":"future_delta","v":1})),
            Ev::Stop { index } => {
                ("content_block_stop".into(), j(serde_json::json!({"type":"content_block_stop","index":index % 6})))
            }
            Ev::Delta { reason, usage, container } => {
                let reasons =
                    ["end_turn", "max_tokens", "tool_use", "pause_turn", "stop_sequence", "refusal", "future_reason"];
                let mut d = serde_json::json!({"type":"message_delta","delta":{"stop_reason":reasons[usize::from(*reason) % reasons.len()],"stop_sequence":null}});
                if *container {
                    d["delta"]["container"] = serde_json::json!({"id":"c"});
                }
                if let Some((out, input)) = usage {
                    d["usage"] = serde_json::json!({"output_tokens":out,"input_tokens":input});
                }
                ("message_delta".into(), j(d))
            }
            Ev::MessageStop => ("message_stop".into(), j(serde_json::json!({"type":"message_stop"}))),
            Ev::Ping => ("ping".into(), j(serde_json::json!({"type":"ping"}))),
            Ev::Error { kind } => {
                let kinds = ["overloaded_error", "api_error", "rate_limit_error", "future_error"];
                (
                    "error".into(),
                    j(
                        serde_json::json!({"type":"error","error":{"type":kinds[usize::from(*kind) % kinds.len()],"message":"m"}}),
                    ),
                )
            }
            Ev::Unknown { name } => {
                (format!("x{}", name.replace(['\r', '\n'], "")), j(serde_json::json!({"type":"future_event"})))
            }
            Ev::Comment => ("comment".into(), "RAW:: keep-alive".into()),
            Ev::Garbage(bytes) => ("garbage".into(), format!("RAW:{}", String::from_utf8_lossy(bytes))),
        }
    }
}

/// `structured`: a rendered script folds to the same outcome whole and chunked, never panicking.
pub fn structured(data: &[u8]) {
    let Ok(script) = Script::arbitrary(&mut Unstructured::new(data)) else { return };
    let bytes = script.render();
    let whole = outcome(BlockingEvents::new(&bytes[..]).final_message());
    let reads = 1 + usize::from(script.read_size % 64);
    let chunked = outcome(BlockingEvents::new(&bytes[..]).with_read_size(reads).final_message());
    assert_eq!(whole, chunked, "chunking changed the outcome");
    assert_eq!(whole, typed_route(&bytes), "folding in place and folding typed events disagree");
    // Every event that comes out re-serializes to the JSON it came from.
    let mut decoder = Decoder::new();
    decoder.feed(&bytes);
    for frame in decoder.frames().flatten() {
        if frame.event() != "ping" {
            events(
                &[frame.event().len().min(31) as u8]
                    .iter()
                    .copied()
                    .chain(frame.event().bytes().take(31))
                    .chain(frame.data().bytes())
                    .collect::<Vec<_>>(),
            );
        }
    }
}

/// What an event-stream decoder made of an input: the messages (offset, headers, payload), the error that
/// stopped it, and what `finish` reported left over.
/// A message's headers as owned pairs, to compare.
fn headers_of(message: &EventStreamMessage) -> Vec<(String, HeaderValue)> {
    message.headers().map(|(name, value)| (name.to_owned(), value)).collect()
}

type Messages = (Vec<(u64, Vec<(String, HeaderValue)>, Vec<u8>)>, Option<String>, Option<usize>);

fn messages(input: &[u8], ends: &[usize], limits: Limits) -> Messages {
    let mut decoder = anthropic_sse::framing::EventStreamDecoder::with_limits(limits);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &end) in ends.iter().chain(std::iter::once(&input.len())).enumerate() {
        // Chunks fed by copy and chunks read in place, in turn, so that both paths and their meeting are held
        // to the same messages.
        let chunk = &input[start..end.max(start)];
        if i % 2 == 0 {
            decoder.feed_bytes(bytes::Bytes::copy_from_slice(chunk));
        } else {
            decoder.feed(chunk);
        }
        start = end.max(start);
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => out.push((m.offset(), headers_of(&m), m.payload().to_vec())),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string()), None),
            }
        }
    }
    let left = decoder.finish();
    (out, None, left)
}

fn bedrock_outcome(input: &[u8], read_size: usize) -> (Option<String>, Option<String>) {
    outcome(BlockingEvents::new(input).with_format(Format::Bedrock).with_read_size(read_size).final_message())
}

/// `eventstream`: arbitrary bytes as an AWS event stream, whole and chunked (default and small limits), give
/// the same messages, error and leftover; folded as a Bedrock body, the same outcome; no panic.
pub fn eventstream(data: &[u8]) {
    let (seed, input) = split(data);
    let ends = cuts(seed, input.len());
    for limits in [
        Limits::default(),
        Limits::default()
            .with_max_payload_bytes((seed >> 8) as usize % 64)
            .with_max_header_bytes((seed >> 16) as usize % 64),
    ] {
        assert_eq!(messages(input, &[], limits), messages(input, &ends, limits), "chunking changed the messages");
    }
    let whole = bedrock_outcome(input, input.len().max(1));
    assert_eq!(whole, bedrock_outcome(input, 1 + seed as usize % 97), "chunking changed the Bedrock outcome");
}

/// A header value for the structure-aware target.
#[derive(Debug, Arbitrary)]
enum AnyValue {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(Vec<u8>),
    String(String),
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// One message for the structure-aware target, and how to damage it.
#[derive(Debug, Arbitrary)]
struct AnyMessage {
    headers: Vec<(String, AnyValue)>,
    payload: Vec<u8>,
    /// 0: intact; 1: the prelude's CRC wrong; 2: the message's CRC wrong; else intact.
    damage: u8,
}

/// `eventstream_structured`: valid messages with arbitrary headers of every type and payloads, some damaged,
/// decode to exactly what was built, up to the first damaged (or repeated-header) message, which is a corrupt
/// error naming its offset; in any chunking.
pub fn eventstream_structured(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(built) = Vec::<AnyMessage>::arbitrary(&mut u) else { return };
    let read = 1 + usize::from(u8::arbitrary(&mut u).unwrap_or(0) % 64);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    let mut first_bad = None;
    for m in &built {
        let headers: Vec<(String, HeaderValue)> = m
            .headers
            .iter()
            .filter(|(name, _)| !name.is_empty() && name.len() < 256)
            .map(|(name, value)| {
                let value = match value {
                    AnyValue::Bool(v) => HeaderValue::Bool(*v),
                    AnyValue::Byte(v) => HeaderValue::Byte(*v),
                    AnyValue::Short(v) => HeaderValue::Short(*v),
                    AnyValue::Int(v) => HeaderValue::Int(*v),
                    AnyValue::Long(v) => HeaderValue::Long(*v),
                    AnyValue::Bytes(v) => HeaderValue::Bytes(v[..v.len().min(1000)].to_vec().into()),
                    AnyValue::String(v) => HeaderValue::String(v.chars().take(200).collect::<String>().into()),
                    AnyValue::Timestamp(v) => HeaderValue::Timestamp(*v),
                    AnyValue::Uuid(v) => HeaderValue::Uuid(*v),
                };
                (name.clone(), value)
            })
            .collect();
        let pairs: Vec<(&str, HeaderValue)> =
            headers.iter().map(|(name, value)| (name.as_str(), value.clone())).collect();
        let mut bytes = crate::bedrock::message(&pairs, &m.payload);
        let offset = wire.len() as u64;
        let repeated = headers.iter().enumerate().any(|(i, h)| headers[..i].iter().any(|g| g.0 == h.0));
        match m.damage % 4 {
            1 => bytes[8] ^= 1,
            2 => *bytes.last_mut().expect("a CRC") ^= 1,
            _ => {}
        }
        wire.extend_from_slice(&bytes);
        if first_bad.is_none() {
            if matches!(m.damage % 4, 1 | 2) || repeated {
                first_bad = Some(offset);
            } else {
                expected.push((offset, headers, m.payload.clone()));
            }
        }
    }
    let ends: Vec<usize> = (read..wire.len()).step_by(read).collect();
    let (got, error, left) = messages(&wire, &ends, Limits::default());
    assert_eq!(got, expected, "the messages built and the messages decoded differ");
    match first_bad {
        Some(offset) => {
            let error = error.expect("a damaged message is an error");
            assert!(error.contains(&format!("at byte {offset}")), "{error} (expected at byte {offset})");
        }
        None => assert_eq!((error, left), (None, None)),
    }
}
