//! What only the integration tests of this package can do: run the built binary. Everything else the tests
//! share is in the `anthropic-sse-kit` crate.
#![allow(dead_code)]

/// Runs the built `anthropic-sse` binary with `args`, writing `stdin` (if any) to it.
pub fn run_cli(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    // Standard input is always set: a pipe with `stdin`, else /dev/null (which, like a terminal, makes the
    // tool read its embedded sample when no FILE is given).
    let mut child = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // The tool may stop reading early (an error, a usage message): a closed pipe is not the test's failure.
        let _ = pipe.write_all(input);
    }
    child.wait_with_output().expect("the binary finishes")
}
