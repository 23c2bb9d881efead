//! `anthropic-sse --final` (the default), `--events`, `--text` and their error reports, run as a user would.

use crate::common;

use std::process::Output;

fn run(args: &[&str], stdin: &[u8]) -> Output {
    common::run_cli(args, Some(stdin))
}

fn run_without_input(args: &[&str]) -> Output {
    common::run_cli(args, None)
}

fn stderr_first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or_default().to_owned()
}

const SAMPLE: &[u8] = anthropic_sse::SAMPLE_STREAM;

#[test]
fn default_is_the_final_message_of_the_embedded_sample() {
    let out = run_without_input(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let message: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(message["content"][0]["text"], "Let me check the weather in Lisbon for you.");
    assert_eq!(message["content"][1]["input"], serde_json::json!({"city": "Lisbon", "unit": "celsius", "days": 3}));
    assert_eq!(message["usage"]["output_tokens"], 57);
    assert_eq!(message["stop_reason"], "tool_use");
}

#[test]
fn final_matches_the_sdk_on_a_fixture_at_any_chunk_size() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let file = dir.join("tool_inputs.sse");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("tool_inputs.expected.json")).unwrap()).unwrap();
    for chunk in ["1", "7", "65536"] {
        let out = run(&["--final", "--chunk", chunk, file.to_str().unwrap()], b"");
        assert!(out.status.success());
        let actual: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(actual["content"], expected["ok"]["content"], "--chunk {chunk}");
    }
}

#[test]
fn events_are_json_lines_in_arrival_order_with_ping() {
    let out = run(&["--events", "-"], SAMPLE);
    assert!(out.status.success());
    let types: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "ping").count(), 1);
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert_eq!(types.len(), 14);
}

#[test]
fn text_prints_the_deltas() {
    let out = run(&["--text", "--chunk", "3", "-"], SAMPLE);
    assert!(out.status.success());
    // The text ends with a newline, so that a shell prompt does not follow it on the same line.
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "Let me check the weather in Lisbon for you.\n");
}

fn head_then(tail: &[u8]) -> Vec<u8> {
    let cut = SAMPLE.windows(20).position(|w| w == b"event: content_block").expect("blocks");
    let second = cut + 20 + SAMPLE[cut + 20..].windows(20).position(|w| w == b"event: content_block").unwrap();
    let mut body = SAMPLE[..second].to_vec();
    body.extend_from_slice(tail);
    body
}

#[test]
fn error_event_is_reported_with_kind_and_request_id_after_the_partial_message() {
    let body = head_then(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    let out = run(&["--request-id", "req_cli_1", "-"], &body);
    assert_eq!(out.status.code(), Some(1));
    // The kind is said once.
    assert_eq!(stderr_first_line(&out), "error[overloaded_error]: Overloaded (request_id req_cli_1)");
    let partial: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the message so far on stdout");
    assert_eq!(partial["id"], "msg_sample_0001");

    for mode in ["--events", "--text"] {
        let out = run(&[mode, "--request-id", "req_cli_1", "-"], &body);
        assert_eq!(out.status.code(), Some(1), "{mode}");
        assert!(stderr_first_line(&out).starts_with("error[overloaded_error]: "), "{mode}");
        assert!(stderr_first_line(&out).contains("req_cli_1"), "{mode}");
    }
}

#[test]
fn failure_kinds() {
    let cases: [(&[u8], &str); 4] = [
        (&head_then(b"")[..], "incomplete"),
        (b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n", "protocol"),
        (b"data: {not json\n\n", "json"),
        (b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"brand_new_error\",\"message\":\"m\"}}\n\n", "brand_new_error"),
    ];
    for (body, kind) in cases {
        for mode in ["--final", "--events", "--text"] {
            let out = run(&[mode, "-"], body);
            assert_eq!(out.status.code(), Some(1), "{kind} {mode}");
            let line = stderr_first_line(&out);
            assert!(line.starts_with(&format!("error[{kind}]: ")), "{kind} {mode}: {line}");
        }
    }
}

/// A tool call whose input arrives in `pieces`, then the stop reason and usage.
fn tool_call(pieces: &[&str]) -> Vec<u8> {
    anthropic_sse_kit::streams::tool_call("record", "{}", pieces)
}

/// The raw JSON text of the first block's `input` in `--final`'s output.
fn printed_input(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let start = text.find("\"input\":").expect("an input") + "\"input\":".len();
    let raw: &serde_json::value::RawValue =
        serde_json::Deserializer::from_str(&text[start..]).into_iter().next().expect("a value").expect("JSON");
    raw.get().to_owned()
}

#[test]
fn final_writes_tool_input_exactly_as_the_sdk_reads_it() {
    // Printed as one line: the whitespace between tokens dropped, every digit and the key order kept.
    for (input, printed) in [
        (r#"{"x": 0.09158478740507359}"#, r#"{"x":0.09158478740507359}"#),
        (r#"{"a": [5e-29, 1.25e+28, 9.999e-22]}"#, r#"{"a":[5e-29,1.25e+28,9.999e-22]}"#),
        (
            r#"{"a": 123456789012345678901234567890, "b": 18446744073709551616}"#,
            r#"{"a":123456789012345678901234567890,"b":18446744073709551616}"#,
        ),
        (r#"{"a": -0, "b": 1.0}"#, r#"{"a":0,"b":1.0}"#),
        (r#"{"a": 1e400}"#, r#"{"a":1e400}"#),
        (r#"{"name": "n", "age": 3, "bio": "b"}"#, r#"{"name":"n","age":3,"bio":"b"}"#),
        (r#"{"a": 1, "b": 2, "a": 3}"#, r#"{"a":3,"b":2}"#),
        (r#"{"a": NaN, "b": [Infinity, -Infinity]}"#, r#"{"a":null,"b":[null,null]}"#),
        ("{\n\t\"s\": \"a b\\n\",\r\n \"t\": [ 1 ]\n}", r#"{"s":"a b\n","t":[1]}"#),
    ] {
        let pieces: Vec<&str> = input.as_bytes().chunks(3).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let out = run(&["--final", "-"], &tool_call(&pieces));
        assert!(out.status.success(), "{input}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(printed_input(&out.stdout), printed, "{input}");
        // The message after the tool call is applied.
        assert!(String::from_utf8_lossy(&out.stdout).contains("\"stop_reason\":\"tool_use\""));
    }
}

#[test]
fn invalid_tool_input_prints_the_complete_message_and_names_the_block() {
    let out = run(&["--final", "-"], &tool_call(&["{\"a\": ", "x}"]));
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_first_line(&out);
    assert!(line.starts_with("error[json]: ") && line.contains("`record`") && line.contains("block 0"), "{line}");
    let message: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the complete message");
    assert_eq!(message["stop_reason"], "tool_use");
    assert_eq!(message["usage"]["output_tokens"], 9);
}

#[test]
fn trailing_strings_keeps_a_cut_string() {
    let cut = tool_call(&["{\"a\": 1, \"b\": \"hel"]);
    let out = run(&["--final", "-"], &cut);
    assert_eq!(printed_input(&out.stdout), r#"{"a":1}"#);
    let out = run(&["--final", "--trailing-strings", "-"], &cut);
    assert_eq!(printed_input(&out.stdout), r#"{"a":1,"b":"hel"}"#);
}
