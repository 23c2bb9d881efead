//! Bounded memory on hostile input: up to 1 GiB of one endless line, endless data lines, or endless nested
//! tool input is fed (the same 64 KiB chunk again and again); each ends in a clear limit error, and the peak
//! of allocated memory, counted by a global allocator, stays within the configured limits. The allocator counts
//! each thread's own memory, so the tests run side by side.

use anthropic_sse::error::ErrorKind;
use anthropic_sse::{Error, EventDecoder};
use anthropic_sse::{LimitError, Limits};
use bytes::Bytes;

use anthropic_sse_kit::counting;
use counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GIB: usize = 1 << 30;
const LIMIT: usize = 1 << 20;

/// Feeds `chunk` again and again, up to 1 GiB, until an error; returns it, the bytes fed, and the peak of
/// memory allocated meanwhile above what was allocated before.
fn feed_until_error(mut decoder: EventDecoder, chunk: Bytes) -> (Error, usize, usize) {
    let base = counting::reset_peak();
    let mut fed = 0;
    while fed < GIB {
        decoder.feed_bytes(chunk.clone());
        fed += chunk.len();
        while let Some(event) = decoder.next_event() {
            if let Err(e) = event {
                return (e, fed, counting::peak() - base);
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
    let limits = Limits::default().with_max_line_bytes(LIMIT).with_max_event_bytes(LIMIT);
    // Buffers grow by doubling (for linear time): at the limit one holds at most twice the limit, and while
    // it moves to its larger home the old one is still there: three times the limit, plus the chunks.
    let bound = 3 * LIMIT + 4 * 65536 + 256 * 1024;

    // One endless line.
    let (err, fed, peak) = feed_until_error(EventDecoder::new().with_limits(limits), Bytes::from(vec![b'a'; 65536]));
    assert_eq!(err.kind(), ErrorKind::Limit, "{err:?}");
    assert!(err.to_string().contains("max_line_bytes"), "{err}");
    assert!(fed <= LIMIT + 65536, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless line: peak {peak} bytes");

    // Endless data lines of one event.
    let mut line = b"data: ".to_vec();
    line.extend(std::iter::repeat_n(b'x', 1000));
    line.push(b'\n');
    let chunk: Vec<u8> = line.iter().copied().cycle().take(line.len() * 64).collect();
    let (err, fed, peak) = feed_until_error(EventDecoder::new().with_limits(limits), Bytes::from(chunk));
    assert!(err.to_string().contains("max_event_bytes"), "{err}");
    assert!(fed <= LIMIT + 2 * 65536, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless data lines: peak {peak} bytes");

    // Endless nesting in tool input, one event at a time.
    let event = format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}}}\n\n",
        "[".repeat(1000)
    );
    let mut chunk = start().to_vec();
    let decoder = EventDecoder::new().with_limits(limits.with_max_tool_input_bytes(LIMIT));
    let mut decoder = decoder;
    decoder.feed(&chunk);
    while let Some(e) = decoder.next_event() {
        e.expect("the start is valid");
    }
    chunk = event.repeat(60).into_bytes();
    let (err, fed, peak) = feed_until_error(decoder, Bytes::from(chunk));
    assert!(matches!(err.limit_error(), Some(LimitError::ToolInputTooLarge { .. })), "{err:?}");
    assert!(fed <= 2 * LIMIT + 65536 * 2, "noticed after {fed} bytes");
    assert!(peak <= bound, "endless nesting: peak {peak} bytes");
}

/// Folds `body` (fed in 64 KiB chunks) to the end; returns the outcome, the peak of memory allocated above
/// what was allocated before, and the memory the outcome's message holds.
fn fold_peak(body: &[u8]) -> (Result<anthropic_sse::Message, Error>, usize, usize) {
    let base = counting::reset_peak();
    let mut decoder = EventDecoder::new();
    for chunk in body.chunks(65536) {
        decoder.feed(chunk);
        if decoder.fold_buffered().is_err() {
            break;
        }
    }
    let result = decoder.into_final_message();
    let peak = counting::peak() - base;
    let held = counting::current() - base;
    (result, peak, held)
}

const START: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n";
const STOP: &str = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

/// Peak memory on every path stays within three times the largest event plus the final message's own size.
#[test]
fn the_whole_pipeline_stays_within_three_times_the_largest_event() {
    const EVENT: usize = 16 << 20;
    // An unknown event of small objects: kept as text, never built into a tree.
    let mut unknown = String::from("event: future\ndata: {\"type\":\"future\",\"items\":[");
    while unknown.len() < EVENT {
        unknown.push_str("{\"a\":1},");
    }
    unknown.push_str("{}]}\n\n");
    let body = format!("{START}{unknown}{STOP}");
    let (result, peak, held) = fold_peak(body.as_bytes());
    result.expect("a complete message");
    assert!(peak <= 3 * unknown.len() + held, "unknown event: peak {peak} for an event of {}", unknown.len());

    // An error event of words: the excerpt comes from its start.
    let mut words = String::from("event: error\ndata: ");
    while words.len() < EVENT {
        words.push_str("overloaded please retry ");
    }
    words.push_str("\n\n");
    let body = format!("{START}{words}");
    let (result, peak, held) = fold_peak(body.as_bytes());
    let err = result.expect_err("an error event");
    assert!(err.to_string().len() < 1000, "the message is an excerpt");
    assert!(peak <= 3 * words.len() + held, "error event of words: peak {peak}");

    // A message_start with a great many empty blocks.
    let blocks = 1_000_000;
    let content = vec!["{\"type\":\"text\",\"text\":\"\"}"; blocks].join(",");
    let start = START.replace("\"content\":[]", &format!("\"content\":[{content}]"));
    let body = format!("{start}{STOP}");
    let (result, peak, held) = fold_peak(body.as_bytes());
    let message = result.expect("a complete message");
    assert_eq!(message.content.len(), blocks);
    assert!(peak <= 3 * start.len() + held, "many blocks: peak {peak}, message {held}, event {}", start.len());
}

/// Bytes to typed events, every event dropped once handed out: the peak while any one event is typed.
fn events_peak(body: &[u8]) -> usize {
    let base = counting::reset_peak();
    let mut decoder = EventDecoder::new();
    for chunk in body.chunks(65536) {
        decoder.feed(chunk);
        while let Some(event) = decoder.next_event() {
            drop(event.expect("a valid event"));
        }
    }
    counting::peak() - base
}

/// `{"a":1},` repeated to `size` bytes, between `prefix` and `suffix`: an array member whose tree (a map per
/// eight bytes) would cost a hundred times its text.
fn small_objects(prefix: &str, suffix: &str, size: usize) -> String {
    let mut out = String::from(prefix);
    while out.len() < size {
        out.push_str("{\"a\":1},");
    }
    out.push_str("{}");
    out.push_str(suffix);
    out
}

/// What a known event does not know (an unknown delta, an unknown block, an unknown member of a known
/// object) is kept as its text or dropped, never built into a tree, and the event's members are read from
/// its text without a copy: folding stays within three times the largest event plus the final message (the
/// line buffer's spare capacity counts), typing each event within four times the event (with the copy
/// handed out).
#[test]
fn unknown_parts_of_known_events_cost_their_bytes() {
    const EVENT: usize = 16 << 20;
    let text_start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    let block_stop = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
    let unknown_delta = small_objects(
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"future_delta\",\"items\":[",
        "]}}\n\n",
        EVENT,
    );
    let unknown_block = small_objects(
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"future_block\",\"items\":[",
        "]}}\n\n",
        EVENT,
    );
    let known_block_extra = small_objects(
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\",\"items\":[",
        "]}}\n\n",
        EVENT,
    );
    let message_delta = small_objects(
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2},\"items\":[",
        "]}\n\n",
        EVENT,
    );
    let start_extra = START.replace("\"content\":[]", &small_objects("\"content\":[],\"items\":[", "]", EVENT));
    let cases = [
        (
            "an unknown delta",
            format!("{START}{text_start}{unknown_delta}{block_stop}{STOP}"),
            unknown_delta.len(),
            false,
        ),
        ("an unknown block", format!("{START}{unknown_block}{block_stop}{STOP}"), unknown_block.len(), true),
        (
            "an unknown member of a block",
            format!("{START}{known_block_extra}{block_stop}{STOP}"),
            known_block_extra.len(),
            true,
        ),
        ("an unknown member of message_delta", format!("{START}{message_delta}{STOP}"), message_delta.len(), false),
        ("an unknown member of the message", format!("{start_extra}{STOP}"), start_extra.len(), true),
    ];
    for (what, body, event, kept) in cases {
        let (result, peak, held) = fold_peak(body.as_bytes());
        let message = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        // Kept text is the message's own size: about the event, never a tree of it.
        let json = serde_json::to_string(&message).expect("serializes");
        assert_eq!(json.len() > event / 2, kept, "{what}: kept or dropped as the SDK does");
        assert!(
            held <= 2 * json.len() + (1 << 20),
            "{what}: the message holds {held} bytes for {} of JSON",
            json.len()
        );
        assert!(peak <= 3 * event + held, "{what}, folded: peak {peak} for an event of {event} (message {held})");
        // A typed event hands the unknown part out (one more copy than folding, which drops or keeps it);
        // the line buffer's spare capacity counts here too.
        let peak = events_peak(body.as_bytes());
        assert!(peak <= 4 * event + (1 << 20), "{what}, typed events: peak {peak} for an event of {event}");
    }
}

#[test]
fn api_errors_from_big_bodies_cost_little() {
    use anthropic_sse::ApiError;
    let html = "<html><body>Bad gateway</body></html>".repeat(2 << 20);
    let base = counting::reset_peak();
    let error = ApiError::from_response(502, None, html.as_bytes());
    let peak = counting::peak() - base;
    assert!(error.message().contains("Bad gateway"));
    assert!(peak < 64 * 1024, "an excerpt of a {} byte page took {peak} bytes", html.len());
}

#[test]
fn a_big_json_error_event_keeps_its_type_without_a_tree() {
    let mut details = String::from("[");
    while details.len() < 16 << 20 {
        details.push_str("{\"a\":1},");
    }
    details.push_str("{}]");
    let data = format!(
        r#"{{"type":"error","error":{{"type":"overloaded_error","message":"Overloaded","details":{details}}}}}"#
    );
    let base = counting::reset_peak();
    let error = anthropic_sse::ApiError::from_event_data(data.as_bytes(), None);
    let peak = counting::peak() - base;
    assert_eq!(error.error_type(), "overloaded_error");
    assert!(error.should_retry());
    assert!(error.body().is_none(), "a body over MAX_ERROR_BODY is not built into a tree");
    assert!(peak <= 3 * data.len(), "peak {peak} for {} bytes", data.len());
}

/// `"k0":0,"k1":1,...` to `size` bytes: the members of one object of many keys.
fn many_members(size: usize) -> String {
    let mut out = String::new();
    let mut k = 0;
    while out.len() < size {
        out.push_str(&format!("\"k{k}\":{k},"));
        k += 1;
    }
    out.push_str("\"last\":0");
    out
}

/// Keys of five letters, `"aaaaa":0,"aaaab":0,...` to `size` bytes, each written `times` times in a row (the
/// last time with the value 1): the most keys a text of that size holds without a repeat it does not ask for.
fn short_keys(size: usize, times: usize) -> (String, usize) {
    let mut out = String::from("{");
    let mut k = 0usize;
    while out.len() < size {
        let name: String = (0..5).rev().map(|d| char::from(b'a' + (k / 26usize.pow(d) % 26) as u8)).collect();
        for time in 1..=times {
            out.push_str(&format!("\"{name}\":{},", usize::from(time == times)));
        }
        k += 1;
    }
    out.push_str("\"last\":0}");
    (out, k * times + 1)
}

/// What the SDK reads differently from the text (a repeated key, an integer `-0`) is rewritten within the
/// bound: one object of a great many keys, short or not, with one repeat or with every key repeated, millions
/// of small objects that each repeat a key, and objects with a repeated key nested inside each other, as
/// members of the message and as the input of a tool call that arrives in one delta. A tool call's input
/// streamed in small deltas, whose largest event is small, costs what the README states: kept as it is, its
/// text and at most a quarter of it; rewritten, its text and the larger of the text rewritten and what
/// finding a repeated key costs per key of an object of more than 16 keys (also checked at sizes where the
/// rewrite's sets of repeated names have just grown).
/// The shapes whose rewrite `rewritten_objects_cost_their_bytes` checks, split in three tests that run side by
/// side (the allocator counts each thread's own memory).
#[test]
fn rewritten_objects_cost_their_bytes_many_keys() {
    rewritten_objects_cost_their_bytes(0..3);
}

#[test]
fn rewritten_objects_cost_their_bytes_short_keys() {
    rewritten_objects_cost_their_bytes(3..6);
}

#[test]
fn rewritten_objects_cost_their_bytes_small_and_nested_objects() {
    rewritten_objects_cost_their_bytes(6..9);
}

/// Every key twice, at sizes where the rewrite's set and map of the repeated names have just grown.
#[test]
fn rewritten_objects_cost_their_bytes_where_sets_grow() {
    for size in [4_588_100, 9_176_100] {
        let (twice, keys) = short_keys(size, 2);
        streamed_cost(&format!("short keys, each twice, {size} bytes"), &twice, keys, 1);
    }
}

/// Each shape of `which`, as a member of the message, as a tool call's input in one delta, and streamed.
fn rewritten_objects_cost_their_bytes(which: std::ops::Range<usize>) {
    const EVENT: usize = 16 << 20;
    let members = many_members(EVENT);
    let many = members.matches("\":").count() + 2;
    let mut tiny = String::from("[");
    while tiny.len() < EVENT {
        tiny.push_str("{\"a\":0,\"a\":1},");
    }
    tiny.push_str("{}]");
    let mut nested = small_objects("[", "]", EVENT);
    for _ in 0..90 {
        nested = format!("{{\"k\":0,\"k\":1,\"v\":{nested}}}");
    }
    let (short, short_count) = short_keys(EVENT, 1);
    let short_repeat = format!("{{\"aaaab\":\"first\",{}", &short[1..]);
    let (twice, twice_count) = short_keys(EVENT, 2);
    let wrapped_tiny = format!("{{\"x\":0,\"x\":{tiny}}}");
    // Each shape, the keys of its objects of more than 16 keys, and how its text must read once rewritten.
    type Reads = fn(&str) -> bool;
    let objects: [(&str, String, usize, Reads); 9] = [
        ("many keys", format!("{{{members}}}"), many, |t| t.starts_with("{\"k0\":0,\"k1\":1,")),
        ("a repeated key among many", format!("{{\"k7\":\"first\",{members},\"k7\":\"again\"}}"), many, |t| {
            t.starts_with("{\"k7\":\"again\",\"k0\":0,") && t.matches("\"k7\"").count() == 1
        }),
        ("-0 among many keys", format!("{{{members},\"zero\":-0}}"), many, |t| t.ends_with(",\"zero\":0}")),
        ("short keys", short, short_count, |t| t.starts_with("{\"aaaaa\":1,\"aaaab\":1,")),
        ("short keys, one repeated", short_repeat, short_count + 1, |t| {
            t.starts_with("{\"aaaab\":1,\"aaaaa\":1,\"aaaac\":1,") && t.matches("\"aaaab\"").count() == 1
        }),
        ("short keys, each twice", twice, twice_count, |t| {
            t.starts_with("{\"aaaaa\":1,\"aaaab\":1,") && t.matches("\"aaaaa\"").count() == 1
        }),
        ("small objects that each repeat a key", tiny, 0, |t| t.starts_with("[{\"a\":1},{\"a\":1},")),
        ("small objects that each repeat a key, in such an object", wrapped_tiny, 0, |t| {
            t.starts_with("{\"x\":[{\"a\":1},{\"a\":1},")
        }),
        ("objects with a repeated key, nested", nested, 0, |t| t.starts_with("{\"k\":1,\"v\":{\"k\":1,\"v\":")),
    ];
    for (what, object, keys, reads) in objects.into_iter().skip(which.start).take(which.len()) {
        // The objects in which a key repeats (an upper bound: in some shapes, none does).
        let flagged = object.matches(",\"a\":1}").count() + object.matches("\"k\":1,").count() + 1;
        let start = START.replace("\"content\":[]", &format!("\"content\":[],\"future\":{object}"));
        let body = format!("{start}{STOP}");
        let (result, peak, held) = fold_peak(body.as_bytes());
        let message = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let kept = message.extra.get("future").unwrap_or_else(|| panic!("{what}: the member is kept"));
        assert!(reads(kept.get()), "{what}: the member reads {:?}...", &kept.get()[..60]);
        let event = start.len();
        assert!(peak <= 3 * event + held, "{what}, a member: peak {peak} for an event of {event} (message {held})");

        let tool_start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n";
        let delta = format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{}}}}}\n\n",
            serde_json::to_string(&object).expect("a string")
        );
        let block_stop = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
        let body = format!("{START}{tool_start}{delta}{block_stop}{STOP}");
        let (result, peak, held) = fold_peak(body.as_bytes());
        let message = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let input = match &message.content[..] {
            [anthropic_sse::ContentBlock::ToolUse(block)] => block.input.as_str().to_owned(),
            other => panic!("{what}: the tool call is kept, not {} blocks", other.len()),
        };
        assert!(reads(&input), "{what}: the tool input reads {:?}...", &input[..60]);
        let event = delta.len();
        assert!(peak <= 3 * event + held, "{what}, tool input: peak {peak} for an event of {event} (message {held})");

        streamed_cost(what, &object, keys, flagged);
    }
}

/// What a tool call's input costs streamed in 1000-byte deltas (whose largest event is small), as the README
/// states it: kept as it is, its text and at most a quarter of it; rewritten, its text and the larger of the
/// text rewritten and what finding a repeated key costs (the scanner's hash per key of an object of more than
/// 16 keys, or the rewrite's read ahead of the repeated names).
fn streamed_cost(what: &str, object: &str, keys: usize, flagged: usize) {
    // What the README states a key of an object of more than 16 keys may cost (measured: up to 30, the sets'
    // spare room included, where a set has just grown).
    const PER_KEY: usize = 32;
    // And what an object in which a key repeats may cost (the scanner's record of it, as it grows, and the
    // rewrite's record of its end).
    const PER_OBJECT: usize = 12;
    let tool_start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n";
    let block_stop = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
    let mut body = format!("{START}{tool_start}");
    let mut piece_start = 0;
    while piece_start < object.len() {
        let mut end = (piece_start + 1000).min(object.len());
        while !object.is_char_boundary(end) {
            end += 1;
        }
        body.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{}}}}}\n\n",
            serde_json::to_string(&object[piece_start..end]).expect("a string")
        ));
        piece_start = end;
    }
    body.push_str(block_stop);
    body.push_str(STOP);
    let (result, peak, held) = fold_peak(body.as_bytes());
    let message = result.unwrap_or_else(|e| panic!("{what}: {e}"));
    let rewritten = match &message.content[..] {
        [anthropic_sse::ContentBlock::ToolUse(block)] => block.input.as_str() != object,
        other => panic!("{what}: the tool call is kept, not {} blocks", other.len()),
    };
    if rewritten {
        // The text received, and the larger of the text rewritten and the set that finds a repeated key
        // in an object of many keys as the scanner reads it.
        assert!(
            peak <= held + held.max(PER_KEY * keys) + PER_OBJECT * flagged + (1 << 16),
            "{what}, tool input in deltas: peak {peak} for a message of {held} with {keys} keys"
        );
    } else {
        // The text, and the filter (an eighth of it) and the candidates of the fast reader.
        assert!(
            peak <= held + held / 4 + (1 << 16),
            "{what}, tool input in deltas, kept as it is: peak {peak} for a message of {held}"
        );
    }
}

/// `sdk_event_json` of a citation item writes the citations so far, and copies nothing else: a text block of
/// 8 MiB with citations after it costs, per citation item, the citations (not the text, as a clone of the block
/// per item did: 2,000 citations over 32 MB of text took 7 s).
#[test]
fn citation_items_do_not_copy_their_block() {
    let text = "x".repeat(8 << 20);
    let mut body = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    );
    body.push_str(&format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{text}\"}}}}\n\n"
    ));
    for i in 0..50 {
        body.push_str(&format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"citations_delta\",\"citation\":{{\"type\":\"char_location\",\"cited_text\":\"c{i}\",\"document_index\":0,\"start_char_index\":{i},\"end_char_index\":{}}}}}}}\n\n", i + 1));
    }
    let mut decoder = EventDecoder::new();
    decoder.feed(body.as_bytes());
    let mut citations = 0;
    while let Some(item) = decoder.next_sdk_event() {
        let item = item.expect("an item");
        if let anthropic_sse::SdkEvent::Citation { .. } = item {
            let (line, peak) = counting::peak_above_start(|| decoder.sdk_event_json(&item));
            assert!(line.contains("\"snapshot\":["), "{line}");
            assert!(peak < 1 << 20, "a citation item held {peak} bytes at its peak, beside an 8 MiB text");
            citations += 1;
        }
    }
    assert_eq!(citations, 50);
}

/// JSON lines costs what SSE costs: a line is lent from the reader's buffer, not copied (it held each line
/// twice: 126 MB for a 60 MiB event, against 65 MB on SSE).
#[test]
fn json_lines_cost_what_sse_costs() {
    use anthropic_sse::framing::Format;
    const EVENT: usize = 32 << 20;
    let mut unknown = String::from("{\"type\":\"future\",\"items\":[");
    while unknown.len() < EVENT {
        unknown.push_str("{\"a\":1},");
    }
    unknown.push_str("{}]}");
    let start = START.strip_prefix("event: message_start\ndata: ").unwrap().trim_end();
    let peak = |format: Format, body: &[u8]| {
        let base = counting::reset_peak();
        let mut decoder = EventDecoder::for_format(format);
        for chunk in body.chunks(65536) {
            decoder.feed(chunk);
            decoder.fold_buffered().expect("no error");
        }
        decoder.end_input();
        decoder.fold_buffered().expect("no error");
        drop(decoder);
        counting::peak() - base
    };
    let sse = peak(Format::Sse, format!("{START}event: future\ndata: {unknown}\n\n{STOP}").as_bytes());
    let lines = peak(Format::JsonLines, format!("{start}\n{unknown}\n{{\"type\":\"message_stop\"}}\n").as_bytes());
    assert!(lines <= sse + sse / 10, "JSON lines: peak {lines}, SSE: {sse}, for an event of {}", unknown.len());
}

/// The start of an event held at a chunk's end (to be read whole with the next chunk) is joined with that
/// chunk only as far as the limits allow: a huge next chunk without a line end is a line-limit error, not a
/// copy of the chunk.
#[test]
fn a_held_event_start_is_not_joined_beyond_the_limits() {
    let limits = Limits::default().with_max_line_bytes(1024).with_max_event_bytes(1024);
    let huge = Bytes::from(vec![b'a'; 64 << 20]);
    let mut decoder = anthropic_sse::framing::SseDecoder::with_limits(limits);
    decoder.feed_bytes(Bytes::from_static(b"data: a"));
    assert!(decoder.next_frame().expect("no error yet").is_none(), "the cut event waits for more input");
    let base = counting::reset_peak();
    decoder.feed_bytes(huge.clone());
    let error = decoder.next_frame().expect_err("a line over the limit");
    let peak = counting::peak() - base;
    assert!(matches!(error, LimitError::LineTooLong { .. }), "{error:?}");
    assert!(peak < 1 << 20, "{peak} bytes allocated for a 1 KiB limit");
}
