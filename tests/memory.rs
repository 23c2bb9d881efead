//! Bounded memory on hostile input: up to 1 GiB of one endless line, endless data lines, or endless nested
//! tool input is fed (the same 64 KiB chunk again and again); each ends in a clear limit error, and the peak
//! of allocated memory, counted by a global allocator, stays within the configured limits.

use std::sync::atomic::Ordering;

use anthropic_sse::sse::Limits;
use anthropic_sse::{Error, EventDecoder, MessageAccumulator};
use bytes::Bytes;

#[path = "common/counting.rs"]
mod counting;
use counting::{Counting, CURRENT, PEAK};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GIB: usize = 1 << 30;
const LIMIT: usize = 1 << 20;

/// Feeds `chunk` again and again, up to 1 GiB, until an error; returns it, the bytes fed, and the peak of
/// memory allocated meanwhile above what was allocated before.
fn feed_until_error(mut decoder: EventDecoder, chunk: Bytes) -> (Error, usize, usize) {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let mut fed = 0;
    while fed < GIB {
        decoder.feed_bytes(chunk.clone());
        fed += chunk.len();
        while let Some(event) = decoder.next_event() {
            if let Err(e) = event {
                return (e, fed, PEAK.load(Ordering::SeqCst) - base);
            }
        }
    }
    panic!("1 GiB of hostile input was taken without an error");
}

fn start() -> &'static [u8] {
    b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n"
}

#[test]
fn hostile_input_ends_in_a_limit_error_within_bounded_memory() {
    let limits = Limits::default().max_line_bytes(LIMIT).max_event_bytes(LIMIT);
    // Buffers grow by doubling (for linear time): at the limit one holds at most twice the limit, and while
    // it moves to its larger home the old one is still there: three times the limit, plus the chunks.
    let bound = 3 * LIMIT + 4 * 65536 + 256 * 1024;

    // One endless line.
    let (err, fed, peak) = feed_until_error(EventDecoder::with_limits(limits), Bytes::from(vec![b'a'; 65536]));
    assert!(matches!(err, Error::Limit { .. }), "{err:?}");
    assert!(err.to_string().contains("max_line_bytes"), "{err}");
    assert!(fed <= LIMIT + 65536, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless line: peak {peak} bytes");

    // Endless data lines of one event.
    let mut line = b"data: ".to_vec();
    line.extend(std::iter::repeat_n(b'x', 1000));
    line.push(b'\n');
    let chunk: Vec<u8> = line.iter().copied().cycle().take(line.len() * 64).collect();
    let (err, fed, peak) = feed_until_error(EventDecoder::with_limits(limits), Bytes::from(chunk));
    assert!(err.to_string().contains("max_event_bytes"), "{err}");
    assert!(fed <= LIMIT + 2 * 65536, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless data lines: peak {peak} bytes");

    // Endless nesting in tool input, one event at a time.
    let event = format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}}}\n\n",
        "[".repeat(1000)
    );
    let mut chunk = start().to_vec();
    let decoder =
        EventDecoder::with_limits(limits).with_accumulator(MessageAccumulator::new().with_max_tool_input_bytes(LIMIT));
    let mut decoder = decoder;
    decoder.feed(&chunk);
    while let Some(e) = decoder.next_event() {
        e.expect("the start is valid");
    }
    chunk = event.repeat(60).into_bytes();
    let (err, fed, peak) = feed_until_error(decoder, Bytes::from(chunk));
    assert!(matches!(err, Error::ToolInputTooLarge { .. }), "{err:?}");
    assert!(fed <= 2 * LIMIT + 65536 * 2, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless nesting: peak {peak} bytes");
}
