//! Tool input against the official Python SDK, exactly: `tests/tool_input/cases.json` holds, for 736 tool
//! inputs cut into pieces (number forms, random doubles, long decimals, big integers, unicode keys in random
//! order, repeated keys, escapes cut anywhere, truncated and invalid inputs, in both partial modes), the SDK's
//! final input and its `input_json` snapshot after every delta, written by `make_cases.py` with the oracle.
//!
//! Values are compared exactly from the text: the same key order, integers as the same digits, floats as the
//! same `f64` bits (both sides correctly rounded: Python's `float` and Rust's `str::parse`), int and float
//! told apart as the SDK tells them apart.

use anthropic_sse::{ContentBlock, Error, EventDecoder, PartialMode, StreamEvent};
use anthropic_sse_kit::exact::{Exact, exact};
use serde_json::Value;

/// `read` (from the crate's reader) equals `text` (from this test's), an integer beyond 64 bits being its
/// correctly rounded float.
fn same_reading(read: &Exact, text: &Exact) -> bool {
    match (read, text) {
        (Exact::Float(bits), Exact::Int(digits)) => digits.parse::<f64>().unwrap().to_bits() == *bits,
        (Exact::Int(a), Exact::Int(b)) => a == b || (b == "-0" && a == "0"),
        (Exact::Array(a), Exact::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_reading(x, y)),
        (Exact::Object(a), Exact::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((k, x), (l, y))| k == l && same_reading(x, y))
        }
        _ => read == text,
    }
}

struct Case {
    name: String,
    mode: PartialMode,
    pieces: Vec<String>,
    start_input: String,
    final_input: Option<String>,
    snapshots: Vec<Option<String>>,
}

fn cases() -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tool_input/cases.json");
    let cases: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).expect("cases.json")).expect("JSON");
    let text = |v: &Value| v.as_str().map(str::to_owned);
    cases
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            mode: match c["mode"].as_str() {
                Some("on") => PartialMode::DropUnfinishedStrings,
                Some("trailing-strings") => PartialMode::TrailingStrings,
                other => panic!("mode {other:?}"),
            },
            pieces: c["pieces"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect(),
            start_input: c["start_input"].as_str().unwrap().to_owned(),
            final_input: text(&c["final"]),
            snapshots: c["snapshots"].as_array().unwrap().iter().map(text).collect(),
        })
        .collect()
}

/// Runs one case through the SSE decoder, asking for the snapshot after every delta; returns the snapshots
/// (`None` where ours is an error) and the final message's result.
fn run(case: &Case, chunk: usize) -> (Vec<Option<String>>, Result<String, Error>) {
    let check_reader = |view: &anthropic_sse::ToolInputView<'_>| {
        let read: Exact = view.deserialize().expect("the crate's reader reads what the scanner kept");
        assert!(same_reading(&read, &exact(&view.to_string())), "{}: reader disagrees on {view}", case.name);
    };
    let bytes = anthropic_sse_kit::streams::tool_call("calc", &case.start_input, &case.pieces);
    let mut decoder = EventDecoder::new().with_partial_mode(case.mode);
    let mut snapshots = Vec::new();
    for piece in bytes.chunks(chunk) {
        decoder.feed(piece);
        while let Some(event) = decoder.next_event() {
            if let StreamEvent::ContentBlockDelta(_) = event.expect("the stream is valid SSE") {
                let view = decoder.partial_tool_input(0).expect("a tool block");
                if let Ok(view) = &view {
                    check_reader(view);
                }
                snapshots.push(view.ok().map(|v| v.to_string()));
            }
        }
    }
    let result = decoder.into_final_message().map(|m| match &m.content[0] {
        ContentBlock::ToolUse(b) => {
            let read: Exact = b.input.deserialize().expect("the crate's reader reads the final input");
            assert!(same_reading(&read, &exact(b.input.as_str())), "{}: reader disagrees on {}", case.name, b.input);
            b.input.as_str().to_owned()
        }
        other => panic!("{other:?}"),
    });
    (snapshots, result)
}

#[test]
fn final_input_and_every_snapshot_equal_the_sdk() {
    let cases = cases();
    assert_eq!(cases.len(), 736, "the case table is whole");
    let mut failures = Vec::new();
    for case in &cases {
        for chunk in [usize::MAX, 7] {
            let (snapshots, result) = run(case, chunk);
            // Snapshots up to the SDK's first error (it stops there; so do its recorded snapshots).
            for (k, expected) in case.snapshots.iter().enumerate() {
                let ours = snapshots[k].as_deref().map(exact);
                let theirs = expected.as_deref().map(exact);
                if ours != theirs {
                    failures.push(format!(
                        "{} ({:?}): snapshot after delta {k} ({:?}): ours {:?}, SDK {:?}",
                        case.name,
                        case.mode,
                        case.pieces[..=k].concat(),
                        snapshots[k],
                        expected
                    ));
                    break;
                }
            }
            match (&case.final_input, &result) {
                (Some(expected), Ok(ours)) => {
                    if exact(ours) != exact(expected) {
                        failures.push(format!("{} ({:?}): final: ours {ours}, SDK {expected}", case.name, case.mode));
                    }
                }
                (None, Err(err)) if err.tool_input_error().is_some_and(|e| e.index() == 0) => {
                    // The SDK raised on a delta; we read on, and the message is complete but for the input.
                    assert_eq!(err.tool_input_error().unwrap().name(), "calc");
                    let message = err.partial_message().expect("the complete message");
                    assert_eq!(message.stop_reason.as_ref().map(|s| s.as_str()), Some("tool_use"), "{}", case.name);
                    assert!(message.content[0].tool_input().unwrap().error().is_some());
                }
                (None, Ok(ours)) => {
                    // The one case where we read on: the SDK fails on a first piece of only whitespace (its parse
                    // of the text so far), where the whole text is JSON.
                    let failed_at = case.snapshots.len() - 1;
                    let so_far = case.pieces[..=failed_at].concat();
                    if !so_far.trim().is_empty() {
                        failures.push(format!("{} ({:?}): the SDK raised, we gave {ours}", case.name, case.mode));
                    }
                }
                (_, Err(e)) => failures.push(format!("{} ({:?}): {e}", case.name, case.mode)),
            }
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}
