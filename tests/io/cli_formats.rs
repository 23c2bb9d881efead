//! The command-line tool on every format: SSE, an Amazon Bedrock body and JSON events, detected from the
//! first bytes or forced with `--format`, in every mode.

use crate::common;

use std::path::Path;

use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("the fixture")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The embedded sample as JSON events, one per line.
fn sample_as_json_lines() -> Vec<u8> {
    let frames = common::run_cli(&["--frames"], None);
    let mut out = String::new();
    for line in stdout(&frames).lines() {
        let frame: Value = serde_json::from_str(line).unwrap();
        out.push_str(frame["data"].as_str().unwrap());
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn every_format_gives_the_same_final_message_and_text() {
    let sse = common::run_cli(&[], None);
    assert!(sse.status.success(), "{}", stderr(&sse));
    let bedrock = anthropic_sse_kit::bedrock::encode(anthropic_sse::SAMPLE_STREAM, true);
    let json = sample_as_json_lines();
    for (name, input) in [("bedrock", bedrock), ("json", json)] {
        for args in [&[][..], &["--format", name][..]] {
            let output = common::run_cli(args, Some(&input));
            assert!(output.status.success(), "{name} {args:?}: {}", stderr(&output));
            assert_eq!(stdout(&output), stdout(&sse), "{name} {args:?}");
        }
        let text = common::run_cli(&["--text", "--chunk", "5"], Some(&input));
        assert_eq!(stdout(&text), "Let me check the weather in Lisbon for you.\n", "{name}");
        let events = common::run_cli(&["--events"], Some(&input));
        assert_eq!(stdout(&events), stdout(&common::run_cli(&["--events"], None)), "{name}");
    }
}

#[test]
fn frames_of_each_wire() {
    // Bedrock: one line per message, headers in wire order, the payload as text.
    let body = fixture("bedrock/exception_throttling.bin");
    let output = common::run_cli(&["--frames"], Some(&body));
    assert!(output.status.success(), "{}", stderr(&output));
    let last: Value = serde_json::from_str(stdout(&output).lines().last().unwrap()).unwrap();
    assert_eq!(last["headers"][":exception-type"], "throttlingException");
    assert_eq!(last["headers"][":message-type"], "exception");
    let payload: Value = serde_json::from_str(last["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["message"], "Too many requests, please wait before trying again.");
    // Every header type, and a payload that is not UTF-8.
    use anthropic_sse::framing::HeaderValue;
    let message = anthropic_sse_kit::bedrock::message(
        &[
            ("t", HeaderValue::Bool(true)),
            ("f", HeaderValue::Bool(false)),
            ("b", HeaderValue::Byte(-1)),
            ("s", HeaderValue::Short(300)),
            ("i", HeaderValue::Int(-70000)),
            ("l", HeaderValue::Long(1 << 40)),
            ("bytes", HeaderValue::Bytes(bytes::Bytes::from_static(b"\x00\xff"))),
            ("str", HeaderValue::String("x".into())),
            ("ts", HeaderValue::Timestamp(1_700_000_000_000)),
            ("id", HeaderValue::Uuid(*b"\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78\x9a\xbc\xde\xf0")),
        ],
        b"\xff\xfe",
    );
    let output = common::run_cli(&["--frames", "--format", "bedrock"], Some(&message));
    let line: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(
        line,
        serde_json::json!({"headers": {"t": true, "f": false, "b": -1, "s": 300, "i": -70000, "l": 1099511627776_i64,
            "bytes": "AP8=", "str": "x", "ts": 1700000000000_i64, "id": "12345678-9abc-def0-1234-56789abcdef0"},
            "payload": {"base64": "//4="}})
    );
    // JSON events: each as it came.
    let json = sample_as_json_lines();
    let output = common::run_cli(&["--frames"], Some(&json));
    assert_eq!(output.stdout, json);
}

#[test]
fn bedrock_errors_print_their_exception_type_and_keep_the_message() {
    let output = common::run_cli(&[], Some(&fixture("bedrock/exception_throttling.bin")));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "error[throttlingException]: Too many requests, please wait before trying again.\n");
    let partial: Value = serde_json::from_str(&stdout(&output)).expect("the message so far on stdout");
    assert_eq!(partial["content"][0]["text"], "Partial answer, so far");

    let output = common::run_cli(&[], Some(&fixture("bedrock/truncated_last_message.bin")));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error[incomplete]:"), "{}", stderr(&output));
    assert!(stderr(&output).contains("bytes into an event-stream message"), "{}", stderr(&output));

    let mut damaged = fixture("bedrock/padded_text_and_tool.bin");
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let output = common::run_cli(&[], Some(&damaged));
    assert!(stderr(&output).starts_with("error[corrupt]: at byte "), "{}", stderr(&output));
}

#[test]
fn json_input_is_events_or_one_document() {
    // One pretty-printed error body of Google's front end.
    let body = b"{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Quota exceeded\",\n    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n";
    let output = common::run_cli(&[], Some(body));
    assert_eq!(
        stderr(&output),
        "error[RESOURCE_EXHAUSTED]: HTTP 429: Quota exceeded (an error body of Google's front end, not an event stream)\n"
    );
    // A line that is not JSON, named by its number.
    let output = common::run_cli(&[], Some(b"{\"type\":\"ping\"}\n{\"type\":\n"));
    assert!(stderr(&output).starts_with("error[json]: line 2 is not one complete JSON value"), "{}", stderr(&output));
    // SSE forced on JSON, and an unknown format.
    let output = common::run_cli(&["--format", "sse"], Some(b"{\"type\":\"ping\"}\n"));
    assert!(stderr(&output).starts_with("error[not_a_stream]"), "{}", stderr(&output));
    let output = common::run_cli(&["--format", "xml"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--format takes sse, bedrock or json"), "{}", stderr(&output));
}

/// `--sdk-events` prints the items of the SDK's iteration with their snapshots, as the oracle recorded them.
#[test]
fn sdk_events_mode_prints_the_sdk_iteration() {
    let stream = fixture("tool_inputs.sse");
    let expected: Value = serde_json::from_slice(&fixture("tool_inputs.iteration.json")).unwrap();
    let output = common::run_cli(&["--sdk-events", "--chunk", "7"], Some(&stream));
    assert!(output.status.success(), "{}", stderr(&output));
    let ours: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected = expected["iteration"].as_array().unwrap();
    assert_eq!(ours.len(), expected.len());
    for (i, (a, b)) in ours.iter().zip(expected).enumerate() {
        assert!(anthropic_sse_kit::corpus::difference(b, a).is_none(), "item {i}: ours {a}, the SDK {b}");
    }
}

/// Format detection (the library's `Format::detect`): a Bedrock body cut inside its first message, even before
/// its 12-byte prelude, is `incomplete` in every mode; JSON lines after more than 64 KiB of blank lines are
/// JSON lines; Google's error body written as an array gives its status as the kind, as the object does.
#[test]
fn detection_of_cut_bedrock_bodies_long_blank_starts_and_google_arrays() {
    let body = anthropic_sse_kit::bedrock::encode(anthropic_sse::SAMPLE_STREAM, false);
    for cut in [1, 5, 11, 12, 40] {
        for mode in ["--final", "--events", "--sdk-events", "--frames", "--text"] {
            let out = common::run_cli(&[mode], Some(&body[..cut]));
            assert_eq!(out.status.code(), Some(1), "{mode}, {cut} bytes");
            let line = stderr(&out);
            assert!(
                line.starts_with("error[incomplete]") && line.contains("event-stream message"),
                "{mode}, {cut}: {line}"
            );
            assert!(out.stdout.iter().all(|&b| b != 0), "{mode}, {cut}: raw binary on stdout");
        }
    }
    let mut blank_first = vec![b'\n'; 100_000];
    blank_first.extend_from_slice(b"  \r\n\t");
    blank_first.extend_from_slice(&sample_as_json_lines());
    let out = common::run_cli(&["--final"], Some(&blank_first));
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = common::run_cli(&["--final"], Some(&sample_as_json_lines()));
    assert_eq!(out.stdout, expected.stdout);
    let google = br#"[{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}]"#;
    let out = common::run_cli(&[], Some(google));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error[RESOURCE_EXHAUSTED]: HTTP 429: Resource exhausted"), "{}", stderr(&out));
}

/// `--to sse` and `--to jsonl` transcode any input the tool reads: piped into `--final`, they give what
/// `--final` gives on the input itself (message, error line's kind, exit status), on every real recording and
/// every fixture. Where the input breaks the protocol or its wire, the transcoder itself reports the error
/// `--final` reports, having written what came before it. Known differences, by design: an incomplete stream's
/// message may say less of what the original wire left unfinished, and a `NaN` count arrives as `null` (the
/// writing rule), which the fold then treats as absent.
#[test]
fn to_sse_and_to_jsonl_transcode_what_final_reads() {
    fn run(args: &[&str], stdin: Option<&[u8]>) -> (String, String, Option<i32>) {
        let out = common::run_cli(args, stdin);
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr(&out), out.status.code())
    }
    let kind = |line: &str| line.split(']').next().unwrap_or_default().to_owned();
    let dirs = [
        (anthropic_sse_kit::corpus::corpus_dir(), "sse"),
        (anthropic_sse_kit::corpus::bedrock_dir(), "bin"),
        (std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), "sse"),
        (std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bedrock"), "bin"),
    ];
    let mut checked = 0;
    for (dir, extension) in dirs {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().into_owned();
            if !name.ends_with(extension) || name.ends_with(".oracle.sse") || name.contains("non_finite") {
                continue;
            }
            let (message, error, status) = run(&["--final", &name], None);
            for to in ["sse", "jsonl"] {
                let (transcoded, transcoder_error, transcoder_status) = run(&["--to", to, &name], None);
                let (again, again_error, again_status) = run(&["--final"], Some(transcoded.as_bytes()));
                let what = format!("--to {to} {name}");
                // The transcoder stops where --final does, with the same kind of error.
                assert_eq!(transcoder_status, status, "{what}: {transcoder_error}");
                assert_eq!(kind(&transcoder_error), kind(&error), "{what}");
                if error.starts_with("error[protocol]") || error.starts_with("error[corrupt]") {
                    continue;
                }
                assert_eq!(again, message, "{what}");
                assert_eq!(again_status, status, "{what}: {again_error}");
                if error.starts_with("error[incomplete]") {
                    assert!(again_error.starts_with("error[incomplete]"), "{what}: {again_error}");
                } else {
                    assert_eq!(again_error, error, "{what}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "checked {checked}");
}
