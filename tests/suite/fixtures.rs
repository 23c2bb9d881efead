//! Our own fixtures (tests/fixtures, written by `make_fixtures.py`), one per rule and policy of spec §4.
//! Each expected output was produced by the official Python SDK through tests/oracle
//! (`regenerate.sh`); where our policy differs from the SDK, the test says how, and the SDK was run on the
//! `.oracle.sse` twin described in `make_fixtures.py`.

use anthropic_sse::error::ErrorKind;
use anthropic_sse::{BlockingEvents, Error, Message};
use serde_json::Value;

/// What a fixture must give.
enum Outcome {
    /// The final message equals the SDK's `ok`.
    Final,
    /// The SDK raises on this stream too: our error, and the partial message equals the SDK's `snapshot`.
    ErrorWithSnapshot(fn(&Error) -> bool),
    /// Policy: an error where the SDK returns a message; the partial message equals the SDK's `ok`.
    ErrorWithOk(fn(&Error) -> bool),
    /// Policy: an error with no message at all.
    ErrorWithoutMessage(fn(&Error) -> bool),
}

fn cases() -> Vec<(&'static str, Outcome)> {
    use Outcome::*;
    vec![
        ("text_and_citations", Final),
        ("thinking_signature", Final),
        ("tool_inputs", Final),
        ("tool_input_cut_by_max_tokens", Final),
        ("compaction", Final),
        ("fallback_model", Final),
        ("message_delta_merge", Final),
        ("mismatched_and_unknown", Final),
        ("message_start_with_content", Final),
        // Google Vertex AI's `vertex_event`s pass through as unknown events.
        ("vertex_event", Final),
        // Blocks open at once, their deltas interleaved.
        ("interleaved_blocks", Final),
        ("unknown_members_exact", Final),
        ("escaped_type_tag", Final),
        // Integers written `-0` (indices, usage counts) are the integer 0, as Python's `json` reads them.
        ("negative_zero_integers_exact", Final),
        // Whole floats are the integers they equal; a count of another shape replaces the count as it arrived.
        ("integral_floats", Final),
        ("whitespace_between_tokens", Final),
        ("non_finite_numbers", Final),
        // Deltas folded by their block's `type`, typed or not (tool calls without `input`, `id` or `name`).
        ("deltas_folded_by_block_type", Final),
        // Policy, as for `text_block_without_text`: a thinking block without `thinking` starts from "".
        ("thinking_block_without_thinking", Final),
        ("citations_on_a_block_without_text", Final),
        // Deltas the SDK applies but cannot (a TypeError): a protocol error naming the block and the field.
        (
            "text_delta_without_text",
            ErrorWithSnapshot(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("block 0 (text)")),
        ),
        (
            "input_json_delta_without_partial_json",
            ErrorWithSnapshot(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("`partial_json`")),
        ),
        (
            "text_block_with_a_number",
            ErrorWithSnapshot(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("`text` is not a string")),
        ),
        // Policy: later events are ignored (the SDK applies them); expected from the stream up to message_stop.
        ("events_after_message_stop", Final),
        // Policy: a text block without `text` starts from "" (the SDK raises TypeError).
        ("text_block_without_text", Final),
        // Policy: frames without `event:` lines are processed (the SDK skips them).
        ("no_event_lines", Final),
        // Policy: a message_delta without usage leaves usage unchanged (the SDKs crash).
        ("message_delta_without_usage", Final),
        // Policy: a leading BOM is skipped and invalid UTF-8 replaced (the SDK does neither).
        ("bom_and_invalid_utf8", Final),
        (
            "error_event_overloaded",
            ErrorWithSnapshot(|e| {
                let api = e.api_error().expect("an API error");
                api.error_type() == "overloaded_error"
                    && api.message() == "Overloaded"
                    && api.request_id() == Some("req_header_1")
                    && api.should_retry()
                    && e.error_type() == "overloaded_error"
            }),
        ),
        // Policy: a protocol error naming the index (the SDK raises IndexError).
        (
            "delta_for_missing_index",
            ErrorWithSnapshot(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("index 5")),
        ),
        // Policy: incomplete, with the message the SDK returns as if complete.
        ("truncated_before_message_stop", ErrorWithOk(|e| e.kind() == ErrorKind::Incomplete)),
        // Policy: a protocol error (the SDK ignores the second message_start); expected from the stream before it.
        (
            "second_message_start",
            ErrorWithOk(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("second message_start")),
        ),
        // Policy: content before message_start is a protocol error with no message.
        (
            "content_before_message_start",
            ErrorWithoutMessage(|e| e.kind() == ErrorKind::Protocol && e.to_string().contains("before message_start")),
        ),
    ]
}

/// What this version does not know is kept as it arrived: in `unknown_members_exact`, an unknown member of
/// the message, an unknown block and an unknown member of a text block equal the SDK's (read in its own key
/// order from `X.ordered.json`), digit for digit and key for key, in any chunking.
#[test]
fn unknown_members_keep_every_digit_and_their_key_order() {
    use anthropic_sse_kit::exact::{Exact, exact};
    fn member<'a>(object: &'a Exact, key: &str) -> &'a Exact {
        let Exact::Object(entries) = object else { panic!("not an object: {object:?}") };
        &entries.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {object:?}")).1
    }
    fn element(array: &Exact, at: usize) -> &Exact {
        let Exact::Array(items) = array else { panic!("not an array: {array:?}") };
        &items[at]
    }
    let (bytes, _) = read_case("unknown_members_exact");
    let ordered = std::fs::read_to_string(dir().join("unknown_members_exact.ordered.json")).expect("the SDK's result");
    let sdk = exact(&ordered);
    let sdk = member(&sdk, "ok");
    for read in [bytes.len(), 1, 7] {
        let message = BlockingEvents::new(&bytes[..]).with_read_size(read).final_message().expect("a message");
        let ours = exact(&serde_json::to_string(&message).expect("serializes"));
        assert_eq!(member(&ours, "future_member"), member(sdk, "future_member"), "an unknown member of the message");
        let (ours_content, sdk_content) = (member(&ours, "content"), member(sdk, "content"));
        assert_eq!(element(ours_content, 0), element(sdk_content, 0), "an unknown block");
        assert_eq!(
            member(element(ours_content, 1), "annotations"),
            member(element(sdk_content, 1), "annotations"),
            "an unknown member of a text block"
        );
    }
}

/// An integer written `-0` is the integer 0 in its typed field, not an unknown member: the usage of
/// `negative_zero_integers_exact` equals the SDK's in its key order, in any chunking.
#[test]
fn negative_zero_integers_keep_their_fields_and_order() {
    use anthropic_sse_kit::exact::{Exact, exact};
    fn member<'a>(object: &'a Exact, key: &str) -> &'a Exact {
        let Exact::Object(entries) = object else { panic!("not an object: {object:?}") };
        &entries.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {object:?}")).1
    }
    let (bytes, _) = read_case("negative_zero_integers_exact");
    let ordered =
        std::fs::read_to_string(dir().join("negative_zero_integers_exact.ordered.json")).expect("the SDK's result");
    let sdk = exact(&ordered);
    for read in [bytes.len(), 1, 7] {
        let message = BlockingEvents::new(&bytes[..]).with_read_size(read).final_message().expect("a message");
        assert_eq!((message.usage.input_tokens, message.usage.output_tokens), (Some(0), Some(0)), "typed counts");
        let ours = exact(&serde_json::to_string(&message).expect("serializes"));
        assert_eq!(member(&ours, "usage"), member(member(&sdk, "ok"), "usage"), "the usage, key for key");
    }
}

/// In `integral_floats`, whole floats are typed as the integers they equal (as pydantic types them for the
/// SDK), and counts of another shape in `message_delta` replace the counts as they arrived, untyped.
#[test]
fn whole_floats_are_integers_and_other_counts_are_kept() {
    let (bytes, _) = read_case("integral_floats");
    let message = BlockingEvents::new(&bytes[..]).final_message().expect("a message");
    assert_eq!(message.content.len(), 1, "indices 0.0, -0e0 and 0E0 are block 0");
    let usage = &message.usage;
    assert_eq!(usage.cache_read_input_tokens, Some(1), "1e0");
    assert_eq!((usage.input_tokens, usage.output_tokens), (None, None), "2.5 and -1 are not counts");
    let raw = |key: &str| usage.extra.get(key).map(|raw| raw.get().to_owned());
    assert_eq!((raw("input_tokens"), raw("output_tokens")), (Some("2.5".to_owned()), Some("-1".to_owned())));
}

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_case(name: &str) -> (Vec<u8>, Value) {
    let bytes = std::fs::read(dir().join(format!("{name}.sse"))).expect("fixture stream");
    let expected =
        serde_json::from_slice(&std::fs::read(dir().join(format!("{name}.expected.json"))).expect("expected"))
            .expect("expected output is JSON");
    (bytes, expected)
}

fn assert_same(name: &str, how: &str, expected: &Value, message: &Message) {
    let actual = serde_json::to_value(message).expect("a message serializes");
    if let Some(d) = anthropic_sse_kit::corpus::difference(expected, &actual) {
        panic!("{name} ({how}): differs from the SDK: {d}\nactual: {actual}");
    }
}

#[test]
fn every_fixture_gives_the_sdk_result_or_the_stated_policy() {
    let cases = cases();
    let on_disk = std::fs::read_dir(dir())
        .expect("fixtures dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".sse") && !n.ends_with(".oracle.sse"))
        .count();
    assert_eq!(on_disk, cases.len(), "every fixture stream needs a row in the table");
    for (name, outcome) in cases {
        let (bytes, expected) = read_case(name);
        for (how, read) in [("whole", bytes.len()), ("1-byte pieces", 1), ("7-byte pieces", 7)] {
            let result =
                BlockingEvents::new(&bytes[..]).with_read_size(read).with_request_id("req_header_1").final_message();
            match (&outcome, result) {
                (Outcome::Final, Ok(message)) => assert_same(name, how, &expected["ok"], &message),
                (Outcome::ErrorWithSnapshot(check), Err(mut e)) => {
                    assert!(check(&e), "{name} ({how}): unexpected error {e:?}");
                    let partial = e.take_partial_message().unwrap_or_else(|| panic!("{name}: no partial message"));
                    assert_same(name, how, &expected["snapshot"], &partial);
                }
                (Outcome::ErrorWithOk(check), Err(mut e)) => {
                    assert!(check(&e), "{name} ({how}): unexpected error {e:?}");
                    let partial = e.take_partial_message().unwrap_or_else(|| panic!("{name}: no partial message"));
                    assert_same(name, how, &expected["ok"], &partial);
                }
                (Outcome::ErrorWithoutMessage(check), Err(e)) => {
                    assert!(check(&e), "{name} ({how}): unexpected error {e:?}");
                    assert!(e.partial_message().is_none(), "{name}: no message was started");
                }
                (_, other) => panic!("{name} ({how}): unexpected outcome {other:?}"),
            }
        }
    }
}

/// Vertex AI's own events come out as unknown events, in order, their JSON kept; the message is unchanged.
#[test]
fn vertex_events_pass_through() {
    let (bytes, expected) = read_case("vertex_event");
    let kinds: Vec<String> =
        BlockingEvents::new(&bytes[..]).map(|e| e.expect("an event").type_name().to_owned()).collect();
    assert_eq!(kinds, expected["events"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect::<Vec<_>>());
    let unknown = BlockingEvents::new(&bytes[..])
        .find_map(|e| match e.expect("an event") {
            anthropic_sse::StreamEvent::Unknown { kind, data, .. } => Some((kind, data.to_value().unwrap())),
            _ => None,
        })
        .expect("a vertex_event");
    assert_eq!(unknown.0.as_deref(), Some("vertex_event"));
    assert_eq!(unknown.1["vertex_event"]["region"], "us-east5");
}

#[test]
fn error_event_without_a_header_takes_the_body_request_id() {
    let (bytes, _) = read_case("error_event_overloaded");
    let err = BlockingEvents::new(&bytes[..]).final_message().expect_err("an error event");
    let api = err.api_error().expect("API error");
    assert_eq!(api.request_id(), Some("req_body_1"));
    assert_eq!(api.to_string(), "overloaded_error: Overloaded (request_id req_body_1)");
    assert_eq!(api.status(), Some(529));
    assert_eq!(err.partial_message().map(Message::text).as_deref(), Some("Partial ans"));
}

/// The same outcome, message and error, on every route a fixture's events can take: SSE folded in place (the
/// fused path), SSE as typed events applied one by one, JSON lines, and a Bedrock body (issue 22: no route
/// drops a delta another applies). Fixtures whose frames have no `event:` line, or whose bytes are not UTF-8,
/// are read under SSE's own rules and are left out of the other wires.
#[test]
fn every_fixture_folds_the_same_on_every_route() {
    use anthropic_sse::EventDecoder;
    use anthropic_sse::framing::Format;
    /// The error's type and message (or none), and the message.
    fn outcome(result: Result<Message, Error>) -> (Option<(String, String)>, Option<String>) {
        match result {
            Ok(message) => (None, Some(serde_json::to_string(&message).unwrap())),
            Err(e) => (
                Some((e.error_type().to_owned(), e.to_string())),
                e.partial_message().map(|m| serde_json::to_string(m).unwrap()),
            ),
        }
    }
    let mut checked = 0;
    for (name, _) in cases() {
        let (bytes, _) = read_case(name);
        let fused = outcome(BlockingEvents::new(&bytes[..]).final_message());
        let mut typed = EventDecoder::new();
        typed.feed(&bytes);
        while let Some(Ok(_)) = typed.next_event() {}
        assert_eq!(outcome(typed.into_final_message()), fused, "{name}: typed events");
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        if text.split("\n\n").any(|frame| frame.starts_with("data:")) {
            continue;
        }
        // Each frame's data on one line (a line break in JSON data is whitespace between tokens).
        let mut frames = anthropic_sse::framing::SseDecoder::new();
        frames.feed(text.as_bytes());
        let lines: String =
            frames.frames().map_while(Result::ok).map(|f| format!("{}\n", f.data().replace('\n', " "))).collect();
        let json_lines = outcome(BlockingEvents::new(lines.as_bytes()).with_format(Format::JsonLines).final_message());
        let bedrock = anthropic_sse_kit::bedrock::encode(&bytes, true);
        let bedrock = outcome(BlockingEvents::new(&bedrock[..]).with_format(Format::Bedrock).final_message());
        // The wires differ in what an error's message says of where it arose, not in its type nor in the message.
        let error_type = |o: &(Option<(String, String)>, Option<String>)| o.0.as_ref().map(|(t, _)| t.clone());
        assert_eq!(json_lines.1, fused.1, "{name}: JSON lines");
        assert_eq!(bedrock.1, fused.1, "{name}: Bedrock");
        assert_eq!(error_type(&json_lines), error_type(&fused), "{name}: JSON lines: {json_lines:?}");
        assert_eq!(error_type(&bedrock), error_type(&fused), "{name}: Bedrock: {bedrock:?}");
        checked += 1;
    }
    assert!(checked >= 25, "checked {checked} fixtures");
}
