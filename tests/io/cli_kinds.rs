//! Every error kind this crate defines (what `Error::kind()` and the tool print that is not an API or Bedrock
//! error type passed through from the server) is listed in `--help` and in the README; the tool prints each
//! one it can meet on a real input, and the library gives the others; and the error line says its kind once.

use crate::common;

use std::process::Output;

use anthropic_sse::framing::HeaderValue;
use anthropic_sse::{ApiError, BlockingEvents, Error, Events};

/// Where a kind comes from: the tool, on these arguments and this standard input; or the library only.
enum Source {
    Tool(&'static [&'static str], Vec<u8>),
    Library(fn() -> Error),
}

const MESSAGE_START: &[u8] = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n";

fn then(tail: &[u8]) -> Vec<u8> {
    [MESSAGE_START, tail].concat()
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::String(value.into())
}

/// The kinds this crate defines, each with the input that gives it. The name is the one `--help` and the
/// README list (`http_NNN` stands for `http_` and a status).
fn kinds() -> Vec<(&'static str, Source)> {
    // An AWS event-stream prelude that announces a 100 MiB message: over the 64 MiB payload limit at once.
    let mut huge = Vec::new();
    huge.extend_from_slice(&(100u32 << 20).to_be_bytes());
    huge.extend_from_slice(&0u32.to_be_bytes());
    huge.extend_from_slice(&crc32fast::hash(&huge).to_be_bytes());
    vec![
        ("unknown", Source::Tool(&["-"], b"event: error\ndata: upstream connect error\n\n".to_vec())),
        (
            "unknownException",
            Source::Tool(
                &["-"],
                anthropic_sse_kit::bedrock::message(
                    &[(":message-type", header("exception")), (":content-type", header("application/json"))],
                    br#"{"message":"an exception of no type"}"#,
                ),
            ),
        ),
        (
            "unknownError",
            Source::Tool(
                &["-"],
                anthropic_sse_kit::bedrock::message(
                    &[(":message-type", header("error")), (":error-message", header("an error of no code"))],
                    b"",
                ),
            ),
        ),
        ("incomplete", Source::Tool(&["-"], then(b""))),
        (
            "protocol",
            Source::Tool(
                &["-"],
                then(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":5,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n"),
            ),
        ),
        ("json", Source::Tool(&["-"], then(b"event: content_block_start\ndata: {not json\n\n"))),
        ("limit", Source::Tool(&["-"], huge)),
        ("corrupt", Source::Tool(&["--format", "bedrock", "-"], b"this is not an AWS event stream".to_vec())),
        ("io", Source::Tool(&["--", "/nonexistent/stream.sse"], Vec::new())),
        ("empty", Source::Tool(&["-"], Vec::new())),
        ("not_a_stream", Source::Tool(&["-"], b"<html><body>502 Bad Gateway</body></html>".to_vec())),
        ("transport", Source::Library(transport)),
        ("stalled", Source::Library(stalled)),
        ("http_NNN", Source::Library(|| ApiError::from_response(502, None, b"<html>Bad Gateway</html>").into())),
    ]
}

/// A byte stream that fails after the first event.
fn transport() -> Error {
    let chunks = [Ok(MESSAGE_START), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset"))];
    futures::executor::block_on(Events::new(futures::stream::iter(chunks)).final_message()).unwrap_err()
}

/// A byte stream that sends the first event and then nothing, watched for 20 ms.
#[cfg(feature = "tokio")]
fn stalled() -> Error {
    let silent = futures::StreamExt::chain(
        futures::stream::iter([Ok::<_, std::io::Error>(MESSAGE_START)]),
        futures::stream::pending(),
    );
    let events = Events::new(silent).with_idle_timeout(std::time::Duration::from_millis(20));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    runtime.block_on(events.final_message()).unwrap_err()
}

/// Without tokio there is no stall watchdog, so nothing gives `stalled` (still listed: other builds have it).
#[cfg(not(feature = "tokio"))]
fn stalled() -> Error {
    unreachable!("checked only with the tokio feature")
}

/// The name a kind has in the list: `http_502` is `http_NNN`.
fn listed(kind: &str) -> String {
    match kind.strip_prefix("http_") {
        Some(status) if status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) => "http_NNN".to_owned(),
        _ => kind.to_owned(),
    }
}

/// Whether `text` has `word` as a whole word (not inside a longer name: `unknown` is not in
/// `unknownException`).
fn has_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_name)
            && !text[at + word.len()..].chars().next().is_some_and(is_name)
    })
}

/// Whether `message` opens by saying its kind again, as `protocol error: ...` or `I/O error: ...` did after
/// `error[protocol]: ` and `error[io]: `: the kind itself, in words, as "<kind> error", or a phrase these
/// kinds' messages used to open with.
fn restates(kind: &str, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    let kind = kind.to_ascii_lowercase();
    let words = kind.replace('_', " ");
    let mut openings = vec![kind.clone(), words.clone(), format!("{words} error")];
    let said_before: &[&str] = match kind.as_str() {
        "io" => &["i/o"],
        "not_a_stream" => &["not an event stream", "the input is not an event stream"],
        "incomplete" => &["the stream ended before message_stop:"],
        "corrupt" => &["a corrupt"],
        "stalled" => &["the stream stalled"],
        "empty" => &["the input is empty"],
        _ => &[],
    };
    openings.extend(said_before.iter().map(|s| s.to_string()));
    openings.iter().any(|opening| message.starts_with(opening.as_str()))
}

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or_default().to_owned()
}

/// The kinds the source defines, read from it: the names `Error::kind()` gives (src/error/mod.rs), the types
/// the API error reader makes up when the input names none (src/error/api.rs) and the tool's own
/// (src/bin/anthropic-sse). A kind added there and not to `kinds()` fails the test below.
fn kinds_in_the_source() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    // The string literals right after each of `openers`, when they are names (no spaces).
    let names_after = |text: &str, openers: &[&str]| -> Vec<String> {
        let mut names = Vec::new();
        for opener in openers {
            for (at, _) in text.match_indices(opener) {
                let rest = &text[at + opener.len()..];
                let name = &rest[..rest.find('"').unwrap_or(0)];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    names.push(name.to_owned());
                }
            }
        }
        names
    };
    let mut found = Vec::new();
    let error = read("src/error/stream.rs");
    let start = error.find("pub fn as_str(&self) -> &'static str").expect("ErrorKind::as_str in src/error/stream.rs");
    let body = &error[start..start + error[start..].find("\n    }\n").expect("the end of ErrorKind::as_str")];
    // `api` is the kind's name of every API error, which is never printed: an API error prints its type.
    found.extend(names_after(body, &["=> \""]).into_iter().filter(|name| name != "api"));
    let api = read("src/error/api.rs");
    found.extend(names_after(&api, &["unwrap_or(\"", "Other(\""]));
    if api.contains("\"http_{") {
        found.push("http_NNN".to_owned());
    }
    for file in ["src/bin/anthropic-sse/main.rs", "src/bin/anthropic-sse/input.rs"] {
        found.extend(names_after(&read(file), &["Failure::new(\""]));
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_kind_the_crate_defines_is_listed_and_each_comes_from_a_real_input() {
    // Where each text lists the kinds (`unknown` is elsewhere too: "ping and unknown types included").
    let section = |text: &str, from: &str, to: Option<&str>| -> String {
        let start = text.find(from).unwrap_or_else(|| panic!("{from:?} not found"));
        let end = to.map_or(text.len(), |to| start + text[start..].find(to).unwrap_or_else(|| panic!("{to:?}")));
        text[start..end].to_owned()
    };
    let help = String::from_utf8(common::run_cli(&["--help"], None).stdout).unwrap();
    let help = section(&help, "Exit status:", None);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let readme = section(&readme, "Failures exit 1 with `error[KIND]: MESSAGE`", Some("In `--final` mode"));
    let kinds = kinds();
    let names: Vec<&str> = kinds.iter().map(|(name, _)| *name).collect();

    // The list is complete: the source defines no kind it leaves out (and the scan still finds the ones
    // that the API error reader names, so it has not gone blind).
    let in_source = kinds_in_the_source();
    for kind in ["unknown", "unknownException", "unknownError", "http_NNN", "protocol", "empty"] {
        assert!(in_source.iter().any(|k| k == kind), "the scan of the source no longer finds {kind}: {in_source:?}");
    }
    for kind in &in_source {
        assert!(names.contains(&kind.as_str()), "{kind} is defined in the source but not in this test's list");
    }

    for (name, source) in kinds {
        assert!(has_word(&help, name), "--help does not list {name}");
        assert!(readme.contains(&format!("`{name}`")), "README.md does not list `{name}`");
        match source {
            Source::Tool(args, stdin) => {
                for mode in ["--final", "--events"] {
                    let out = common::run_cli(&[&[mode], args].concat(), Some(&stdin));
                    let line = first_line(&out);
                    assert_eq!(out.status.code(), Some(1), "{name} {mode}: {line}");
                    let message = line
                        .strip_prefix(&format!("error[{name}]: "))
                        .unwrap_or_else(|| panic!("{name} {mode}: {line}"));
                    assert!(!restates(name, message), "{name} {mode}: the kind is said twice: {line}");
                }
            }
            Source::Library(_) if name == "stalled" && cfg!(not(feature = "tokio")) => {}
            Source::Library(make) => {
                let error = make();
                assert_eq!(listed(error.error_type()), name, "{error:?}");
                // What a library user who prints `error[KIND]: {error}` as the tool does sees. (An API error
                // displays as `ApiError` does, its type then its message, for `ApiError::message` to be
                // printed beside the kind; the tool never meets `http_NNN`, whose message opens with the
                // status it names.)
                if error.api_error().is_none() {
                    assert!(
                        !restates(error.error_type(), &error.to_string()),
                        "{name}: the kind is said twice: {error}"
                    );
                }
            }
        }
    }
}

/// `error[protocol]: protocol error: ...` and `error[io]: I/O error: ...` said the kind twice.
#[test]
fn the_error_line_says_the_kind_once() {
    let delta_for_no_block = then(
        b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":5,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
    );
    for mode in ["--final", "--events", "--text"] {
        let out = common::run_cli(&[mode, "-"], Some(&delta_for_no_block));
        assert_eq!(
            first_line(&out),
            "error[protocol]: content_block_delta for index 5, but the message has 0 content blocks (0..0)",
            "{mode}"
        );
    }
    // A read that fails inside the library (a directory opens, but does not read).
    #[cfg(unix)]
    {
        let dir = env!("CARGO_MANIFEST_DIR");
        let out = common::run_cli(&["--format", "sse", "--", dir], None);
        assert!(first_line(&out).starts_with("error[io]: reading the input failed: "), "{}", first_line(&out));
    }
    // The library's words for a stream cut short say what happened, once (they were `the stream ended before
    // message_stop: the input ended without message_stop`).
    let incomplete = BlockingEvents::new(MESSAGE_START).final_message().unwrap_err();
    assert_eq!(incomplete.error_type(), "incomplete");
    assert_eq!(incomplete.to_string(), "the input ended without message_stop");
}
