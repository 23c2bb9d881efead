//! The real corpus: for every `tests/corpus/real/X.sse`, the final message equals `ok` of
//! `X.final.json` (what the official Python SDK's get_final_message() returned), fed whole, in 1-byte and in
//! 7-byte pieces, through the blocking and the async adapter.

use anthropic_sse::{BlockingEvents, Error, Events, Message};
use futures::StreamExt;

/// Whether the stream dispatches a `message_stop` (a stream cut before it is incomplete under our policy,
/// and the partial message we hand back must still equal the SDK's result).
fn has_message_stop(bytes: &[u8]) -> bool {
    let mut decoder = anthropic_sse::framing::SseDecoder::new();
    decoder.feed(bytes);
    decoder.frames().any(|f| f.is_ok_and(|f| f.event() == "message_stop"))
}

fn check(name: &str, how: &str, result: Result<Message, Error>, complete: bool, expected: &serde_json::Value) {
    anthropic_sse_kit::corpus::assert_final_equals_sdk(name, how, result, Some(complete), expected);
}

#[test]
fn final_message_equals_the_python_sdk_on_every_real_stream() {
    let cases = anthropic_sse_kit::corpus::corpus();
    for (name, bytes, expected) in &cases {
        let expected = expected.get("ok").unwrap_or_else(|| panic!("{name}: no `ok` in final.json"));
        let complete = has_message_stop(bytes);
        for (how, read) in [("whole", bytes.len().max(1)), ("1-byte pieces", 1), ("7-byte pieces", 7)] {
            let result = BlockingEvents::new(&bytes[..]).with_read_size(read).final_message();
            check(name, how, result, complete, expected);
        }
        let chunks: Vec<_> = bytes.chunks(13).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
        let chunks = futures::stream::iter(chunks);
        let result = futures::executor::block_on(Events::new(chunks).final_message());
        check(name, "async, 13-byte pieces", result, complete, expected);
    }
    eprintln!("{} real streams checked", cases.len());
}

#[test]
fn events_of_every_real_stream_round_trip_to_their_json() {
    for (name, bytes, _) in anthropic_sse_kit::corpus::corpus() {
        let mut decoder = anthropic_sse::framing::SseDecoder::new();
        decoder.feed(&bytes);
        for frame in decoder.frames() {
            let frame = frame.expect("corpus frames decode");
            if frame.event() == "ping" {
                continue;
            }
            let Some(event) = anthropic_sse::StreamEvent::from_frame(&frame).unwrap_or_else(|e| panic!("{name}: {e}"))
            else {
                continue;
            };
            let original: serde_json::Value = serde_json::from_str(frame.data()).expect("corpus data is JSON");
            let again = serde_json::to_value(&event).expect("an event serializes");
            assert_eq!(again, original, "{name}: {} does not round-trip", frame.event());
        }
    }
}

#[test]
fn the_async_stream_yields_the_same_events_as_the_blocking_iterator() {
    for (name, bytes, _) in anthropic_sse_kit::corpus::corpus() {
        let blocking: Vec<_> =
            BlockingEvents::new(&bytes[..]).with_read_size(5).map(|e| e.map_err(|e| e.to_string())).collect();
        let chunks: Vec<_> = bytes.chunks(3).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
        let chunks = futures::stream::iter(chunks);
        let streamed: Vec<_> =
            futures::executor::block_on(Events::new(chunks).map(|e| e.map_err(|e| e.to_string())).collect());
        assert_eq!(streamed, blocking, "{name}");
    }
}
