//! Every line the tool writes as JSON is one standard JSON value (issue 22): `--events`, `--sdk-events`,
//! `--frames` and `--final`, on every real recording (SSE and Bedrock) and every fixture, whatever whitespace
//! the stream's own JSON holds between its tokens; and what the lines hold is what the SDK gives.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::run_cli;

const MODES: [&str; 4] = ["--events", "--sdk-events", "--frames", "--final"];

/// The lines of `stdout`, each read as one JSON value; panics naming the line that is not one.
fn json_lines(stdout: &[u8], what: &str) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).unwrap_or_else(|e| panic!("{what}: stdout is not UTF-8: {e}"));
    assert!(text.is_empty() || text.ends_with('\n'), "{what}: the last line has no line end");
    text.split('\n')
        .filter(|line| !line.is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{what}: line {} is not one JSON value ({e}): {line}", i + 1))
        })
        .collect()
}

/// Every stream of `dir` ending in `.extension` (sorted), with its path.
fn streams(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some(extension))
        .collect();
    paths.sort();
    paths
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn every_json_mode_writes_one_json_value_per_line_on_every_stream() {
    let mut inputs: Vec<(PathBuf, &str)> = Vec::new();
    inputs.extend(streams(&anthropic_sse_kit::corpus::corpus_dir(), "sse").into_iter().map(|p| (p, "sse")));
    inputs.extend(streams(&anthropic_sse_kit::corpus::bedrock_dir(), "bin").into_iter().map(|p| (p, "bedrock")));
    inputs.extend(streams(&fixtures_dir(), "sse").into_iter().map(|p| (p, "sse")));
    inputs.extend(streams(&fixtures_dir().join("bedrock"), "bin").into_iter().map(|p| (p, "bedrock")));
    assert!(inputs.len() > 100, "only {} streams found", inputs.len());
    let mut lines = 0;
    for (path, format) in &inputs {
        let file = path.to_str().expect("a UTF-8 path");
        for mode in MODES {
            let output = run_cli(&[mode, "--format", format, file], None);
            let what = format!("{mode} {file}");
            let values = json_lines(&output.stdout, &what);
            if mode == "--final" {
                assert!(values.len() <= 1, "{what}: {} lines", values.len());
            }
            lines += values.len();
        }
    }
    assert!(lines > 10_000, "only {lines} lines written");
}

/// The new fixture's JSON holds line feeds, tabs and CR LF between tokens (SSE data over several `data:`
/// lines, tool input, unknown members and an unknown event): each `--sdk-events` line is the SDK's item, and
/// `--final` is the SDK's message, from the oracle's outputs beside the fixture.
#[test]
fn whitespace_between_tokens_is_dropped_and_the_values_are_the_sdks() {
    let stream = fixtures_dir().join("whitespace_between_tokens.sse");
    let file = stream.to_str().expect("a UTF-8 path");
    let iteration: Value = serde_json::from_slice(
        &std::fs::read(fixtures_dir().join("whitespace_between_tokens.iteration.json")).unwrap(),
    )
    .unwrap();
    let expected = iteration["iteration"].as_array().expect("the SDK's items");
    for chunk in ["1", "7", "65536"] {
        let output = run_cli(&["--sdk-events", "--chunk", chunk, file], None);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let ours = json_lines(&output.stdout, "--sdk-events");
        assert_eq!(ours.len(), expected.len());
        for (i, (a, b)) in ours.iter().zip(expected).enumerate() {
            assert!(anthropic_sse_kit::corpus::difference(b, a).is_none(), "item {i}: ours {a}, the SDK {b}");
        }
        let text = String::from_utf8(output.stdout).unwrap();
        // The tool input's text kept its line breaks as it arrived; none reached the output.
        assert!(text.contains(r#""input":{"city":"Lis\n bon","days":[1,2],"unit":"c"}"#), "{text}");
    }
    let sdk: Value =
        serde_json::from_slice(&std::fs::read(fixtures_dir().join("whitespace_between_tokens.expected.json")).unwrap())
            .unwrap();
    let output = run_cli(&["--final", file], None);
    let ours = json_lines(&output.stdout, "--final");
    assert_eq!(ours.len(), 1);
    assert!(
        anthropic_sse_kit::corpus::difference(&sdk["ok"], &ours[0]).is_none(),
        "ours {}, the SDK {}",
        ours[0],
        sdk["ok"]
    );
    // The unknown member kept its digits as they arrived (2.50, -1e+3), only without the whitespace.
    assert!(String::from_utf8(output.stdout).unwrap().contains(r#""future_member":{"b":[1,2.50,-1e+3],"a":"x\ny z"}"#));
}

/// The events of a Bedrock body (each message's `bytes`, decoded), written as SSE: `--sdk-events` gives the same
/// lines for both wires, on every recording of the Bedrock corpus.
#[test]
fn bedrock_sdk_events_equal_the_same_events_read_as_sse() {
    let mut compared = 0;
    for path in streams(&anthropic_sse_kit::corpus::bedrock_dir(), "bin") {
        let body = std::fs::read(&path).unwrap();
        let mut decoder = anthropic_sse::framing::EventStreamDecoder::new();
        decoder.feed(&body);
        let mut sse = String::new();
        while let Ok(Some(message)) = decoder.next_message() {
            let Ok(payload) = serde_json::from_slice::<Value>(message.payload()) else { break };
            let Some(bytes) = payload["bytes"].as_str() else { break };
            let event = base64_simd::STANDARD.decode_to_vec(bytes).expect("base64");
            let event = String::from_utf8(event).expect("UTF-8");
            let name = serde_json::from_str::<Value>(&event).expect("JSON")["type"].as_str().unwrap_or("").to_owned();
            sse.push_str(&format!("event: {name}\ndata: {event}\n\n"));
        }
        let file = path.to_str().expect("a UTF-8 path");
        let bedrock = run_cli(&["--sdk-events", "--format", "bedrock", file], None);
        let from_sse = run_cli(&["--sdk-events", "--format", "sse"], Some(sse.as_bytes()));
        let what = path.display().to_string();
        assert_eq!(json_lines(&bedrock.stdout, &what), json_lines(&from_sse.stdout, &what), "{what}");
        compared += 1;
    }
    assert!(compared >= 20, "compared {compared} bodies");
}
