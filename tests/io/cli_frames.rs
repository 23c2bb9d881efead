//! The `anthropic-sse` command as a user runs it: `--frames`, `--chunk`, FILE and stdin, `--help`, bad usage.

use crate::common;

use std::process::Output;

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    common::run_cli(args, stdin)
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

const STREAM: &[u8] = b"\xEF\xBB\xBFevent: ping\r\ndata: {}\r\n\r\n: comment\nid: 42\nretry: 1500\ndata: line one\ndata: line two\n\ndata: caf\xC3\xA9\n\n";

#[test]
fn frames_from_stdin() {
    let out = run(&["--frames", "-"], Some(STREAM));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = lines(&out);
    assert_eq!(
        got,
        vec![
            serde_json::json!({"event": "ping", "data": "{}", "id": ""}),
            serde_json::json!({"event": "message", "data": "line one\nline two", "id": "42", "retry": 1500}),
            serde_json::json!({"event": "message", "data": "café", "id": "42"}),
        ]
    );
    // The documented key order.
    let first = String::from_utf8_lossy(&out.stdout).lines().next().map(str::to_owned).unwrap_or_default();
    assert!(first.starts_with("{\"event\":\"ping\",\"data\":"), "{first}");
}

#[test]
fn chunk_sizes_do_not_change_the_output() {
    let whole = run(&["--frames", "-"], Some(STREAM)).stdout;
    for n in ["1", "2", "3", "7", "64"] {
        let out = run(&["--frames", "--chunk", n, "-"], Some(STREAM));
        assert!(out.status.success());
        assert_eq!(out.stdout, whole, "--chunk {n}");
    }
}

#[test]
fn frames_from_a_file() {
    let path = std::env::temp_dir().join(format!("anthropic-sse-cli-{}.sse", std::process::id()));
    std::fs::write(&path, STREAM).expect("temp file");
    let out = run(&["--frames", path.to_str().expect("utf-8 path")], None);
    std::fs::remove_file(&path).ok();
    assert!(out.status.success());
    assert_eq!(lines(&out).len(), 3);
}

#[test]
fn embedded_sample_when_no_file() {
    let out = run(&["--frames"], None);
    assert!(out.status.success());
    let got = lines(&out);
    assert_eq!(got.first().and_then(|f| f["event"].as_str()), Some("message_start"));
    assert_eq!(got.last().and_then(|f| f["event"].as_str()), Some("message_stop"));
}

#[test]
fn truncated_stream_is_an_incomplete_error_after_the_frames() {
    let out = run(&["--frames", "-"], Some(b"data: a\n\ndata: b"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 1, "frames before the cut are still printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().next().unwrap_or("").starts_with("error[incomplete]: "), "{stderr}");
}

#[test]
fn missing_file_is_an_io_error() {
    let out = run(&["--frames", "/nonexistent/anthropic-sse/file.sse"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[io]: cannot open /nonexistent"));
}

#[test]
fn help_and_bad_usage() {
    let help = run(&["--help"], None);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: anthropic-sse"));
    let bad_usage: [&[&str]; 9] = [
        &["--chunk"],
        &["--chunk", "0"],
        &["--chunk", "x"],
        &["--chunk", "18446744073709551615"],
        &["--chunk=200000000000"],
        &["--bogus"],
        &["a", "b"],
        &["--final", "--events"],
        &["--text=yes"],
    ];
    for bad in bad_usage {
        let out = run(bad, None);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        // One line that says what is wrong, and a hint; not the whole help.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{bad:?}: {stderr}");
        assert!(lines[0].starts_with("anthropic-sse: "), "{bad:?}: {stderr}");
        assert_eq!(lines[1], "Run 'anthropic-sse --help' for usage.");
    }
    let version = run(&["--version"], None);
    assert!(version.status.success());
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("anthropic-sse {}", env!("CARGO_PKG_VERSION")));
}
