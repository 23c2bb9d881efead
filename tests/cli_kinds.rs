//! The error line says its kind once: `error[KIND]: MESSAGE`, where the message does not open with the kind
//! again (as `error[protocol]: protocol error: ...` and `error[io]: I/O error: ...` did).

mod common;

use std::process::Output;

use anthropic_sse::BlockingEvents;

const MESSAGE_START: &[u8] = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n";

fn then(tail: &[u8]) -> Vec<u8> {
    [MESSAGE_START, tail].concat()
}

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or_default().to_owned()
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
    assert_eq!(incomplete.kind(), "incomplete");
    assert_eq!(incomplete.to_string(), "the input ended without message_stop");
}
