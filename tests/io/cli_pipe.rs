//! The command-line tool in a pipe: which input it reads with no FILE, what it says about input that is not
//! an event stream, live output, a reader that goes away, and `--chunk=N` / `--`.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

const SAMPLE: &[u8] = anthropic_sse::SAMPLE_STREAM;

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or_default().to_owned()
}

#[test]
fn with_no_file_a_pipe_is_read_and_a_terminal_or_dev_null_gives_the_sample() {
    let head = &SAMPLE[..SAMPLE.windows(2).position(|w| w == b"\n\n").unwrap() + 2];
    let piped = common::run_cli(&["--events"], Some(head));
    assert!(String::from_utf8_lossy(&piped.stdout).lines().count() == 1, "the pipe was read, not the sample");
    let sample = common::run_cli(&["--events"], None);
    assert!(sample.status.success());
    assert!(String::from_utf8_lossy(&sample.stdout).lines().count() > 10, "the sample");
    // A regular file as standard input is read too.
    let dir = std::env::temp_dir().join(format!("anthropic-sse-stdin-{}", std::process::id()));
    std::fs::write(&dir, SAMPLE).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
        .arg("--text")
        .stdin(std::fs::File::open(&dir).unwrap())
        .output()
        .unwrap();
    std::fs::remove_file(&dir).ok();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Let me check the weather in Lisbon for you.\n");
}

#[test]
fn input_that_is_not_an_event_stream_says_what_it_is() {
    let cases: [(&[u8], &str, &str); 11] = [
        (b"", "error[empty]: ", "the input has no bytes"),
        (b"  \n", "error[empty]: ", "bytes are all blank"),
        (b"\xEF\xBB\xBF\n", "error[empty]: ", "bytes are all blank"),
        (
            b"{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},\"request_id\":\"req_1\"}",
            "error[authentication_error]: invalid x-api-key",
            "request_id req_1",
        ),
        (
            b"{\n  \"type\": \"error\",\n  \"error\": {\n    \"type\": \"overloaded_error\",\n    \"message\": \"Overloaded\"\n  }\n}\n",
            "error[overloaded_error]: Overloaded",
            "",
        ),
        // A byte order mark before the body (an editor's, a proxy's) is skipped before judging it, with the
        // whitespace after it.
        (
            b"\xEF\xBB\xBF{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
            "error[overloaded_error]: Overloaded",
            "",
        ),
        (
            b"\xEF\xBB\xBF\r\n{\n  \"type\": \"error\",\n  \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}\n}\n",
            "error[overloaded_error]: Overloaded",
            "",
        ),
        (
            b"\xEF\xBB\xBF{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
            "error[RESOURCE_EXHAUSTED]: HTTP 429: Resource has been exhausted",
            "",
        ),
        (
            b"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
            "error[RESOURCE_EXHAUSTED]: HTTP 429: Resource has been exhausted",
            "Google",
        ),
        (
            b"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"usage\":{}}",
            "error[not_a_stream]: ",
            "\"stream\": true",
        ),
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "error[not_a_stream]: ", "502 Bad Gateway"),
    ];
    for (input, start, contains) in cases {
        for mode in ["--final", "--events", "--text"] {
            let out = common::run_cli(&[mode, "-"], Some(input));
            assert_eq!(out.status.code(), Some(1), "{mode} {input:?}");
            let line = first_line(&out);
            assert!(line.starts_with(start) && line.contains(contains), "{mode} {input:?}: {line}");
        }
    }
    // An event stream that stops before message_start is still incomplete, not "not a stream".
    let out = common::run_cli(&["-"], Some(b"event: ping\ndata: {\"type\":\"ping\"}\n\n"));
    assert!(first_line(&out).starts_with("error[incomplete]: "), "{}", first_line(&out));
}

/// Each line of `--events` and `--frames` comes out as soon as its event is read, while the input is still open.
#[test]
fn events_and_frames_are_written_as_they_are_read() {
    let first_event = &SAMPLE[..SAMPLE.windows(2).position(|w| w == b"\n\n").unwrap() + 2];
    for mode in ["--events", "--frames", "--text"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
            .args([mode, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let input: &[u8] = if mode == "--text" {
            let cut = SAMPLE.windows(11).position(|w| w == b" in Lisbon ").unwrap();
            &SAMPLE[..cut + SAMPLE[cut..].windows(2).position(|w| w == b"\n\n").unwrap() + 2]
        } else {
            first_event
        };
        stdin.write_all(input).unwrap();
        stdin.flush().unwrap();
        // Read before closing the input: this blocks forever unless the tool flushed.
        let mut got = Vec::new();
        if mode == "--text" {
            let mut buf = [0u8; 5];
            std::io::Read::read_exact(&mut stdout, &mut buf).unwrap();
            got.extend_from_slice(&buf);
        } else {
            stdout.read_until(b'\n', &mut got).unwrap();
        }
        assert!(!got.is_empty(), "{mode}");
        drop(stdin);
        child.wait().unwrap();
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_tool_quietly() {
    // 200,000 events, far more than a pipe holds: `head -c 100` leaves after the first bytes.
    let mut body = Vec::new();
    for _ in 0..200_000 {
        body.extend_from_slice(b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
        .args(["--frames", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut some = [0u8; 100];
    std::io::Read::read_exact(&mut stdout, &mut some).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn option_values_with_equals_and_files_after_double_dash() {
    let out = common::run_cli(&["--text", "--chunk=7", "--", "-"], Some(SAMPLE));
    // After `--`, "-" is a file named "-", which does not exist.
    assert!(first_line(&out).starts_with("error[io]: cannot open -"), "{}", first_line(&out));
    let out = common::run_cli(&["--text", "--chunk=7", "-"], Some(SAMPLE));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Let me check the weather in Lisbon for you.\n");
}

/// Standard input that is a character device other than `/dev/null` (here `/dev/zero`) is read, not replaced
/// by the sample; a closed standard input gives the sample, as `/dev/null` does.
#[cfg(target_os = "linux")]
#[test]
fn a_character_device_is_read_and_a_closed_stdin_gives_the_sample() {
    let zero = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
        .args(["--events"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(1));
    assert!(first_line(&zero).starts_with("error[limit]"), "{}", first_line(&zero));
    let closed = Command::new("/bin/sh")
        .args(["-c", "exec \"$0\" --text <&-", env!("CARGO_BIN_EXE_anthropic-sse")])
        .output()
        .unwrap();
    assert!(closed.status.success(), "{}", first_line(&closed));
    assert!(String::from_utf8_lossy(&closed.stdout).starts_with("Let me check"), "the sample's text");
}

/// A closed standard output is a failure said on stderr (status 1), not a silent success; `> /dev/null` of
/// the user's is no failure.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_is_a_failure_and_dev_null_is_not() {
    let closed = Command::new("/bin/sh")
        .args(["-c", "exec \"$0\" --final >&-", env!("CARGO_BIN_EXE_anthropic-sse")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(1));
    assert!(first_line(&closed).starts_with("error[io]: standard output is closed"), "{}", first_line(&closed));
    let null = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
        .arg("--final")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(null.status.success(), "{}", first_line(&null));
}

/// The error line is one line of printable text whatever the stream's own error type and message hold: line
/// breaks, an ANSI colour sequence and a bell are escaped.
#[test]
fn the_error_line_escapes_control_characters() {
    let body = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"x\\u001b[31mred\\nline\",\"message\":\"m\\u0007\\r\\n\\u009b2J\"}}\n\n";
    let out = common::run_cli(&[], Some(body));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(!stderr.trim_end_matches('\n').chars().any(char::is_control), "{stderr:?}");
    assert!(stderr.starts_with(r"error[x\u{1b}[31mred\nline]: m\u{7}\r\n\u{9b}2J"), "{stderr:?}");
}

/// Output discarded on purpose through a read-write `/dev/null` (Python's `subprocess.DEVNULL`, systemd's
/// `null`) is open: no failure (only a standard output closed when the tool started is one).
#[cfg(target_os = "linux")]
#[test]
fn a_read_write_dev_null_stdout_is_no_failure() {
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_anthropic-sse")).stdin(Stdio::null()).stdout(null).output().unwrap();
    assert!(out.status.success(), "{}", first_line(&out));
}
