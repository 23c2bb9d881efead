//! The command-line tool's peak memory on a 100 MB stream stays within twice the final message's size plus
//! one chunk: it streams the input (64 KiB reads) and folds text in place, never holding the input.
//!
//! Peak resident memory comes from the kernel (`wait4`'s `ru_maxrss`), measured above the tool's own
//! footprint, which is the peak of the same binary on the embedded sample (and includes this test process's
//! size at the spawn, which the kernel counts in too).

#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anthropic_sse_kit::streams as support;

const CHUNK: usize = 64 * 1024;

/// Runs the tool on `input` (or on its embedded sample), its output going to `output`; returns the exit
/// status and the peak resident size in bytes.
fn run_measured(input: Option<&Path>, output: &Path) -> (i32, usize) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_anthropic-sse"));
    if let Some(input) = input {
        command.arg(input);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(File::create(output).expect("output file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; the pid is our own child, waited for once here
    // (the `Child` handle is dropped without waiting).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    drop(child);
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    // Linux reports ru_maxrss in KiB.
    (code, usage.ru_maxrss as usize * 1024)
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("anthropic-sse-cli-memory-{}-{name}", std::process::id()))
}

#[test]
fn peak_memory_on_a_100_mb_stream_is_within_twice_the_message_plus_one_chunk() {
    let input = temp("input.sse");
    let output = temp("output.json");
    let baseline_output = temp("baseline.json");
    {
        // ~100 MB in the benchmark stream's shape: its start and 1,000 deltas, the same deltas again until the
        // size is reached, then its end. Written piece by piece: this process must stay small, because a
        // child's peak counts its parent's resident size up to the exec (Linux carries the old memory's
        // high-water mark over).
        let piece = support::text_stream(1_000);
        let first_delta = piece.windows(26).position(|w| w == b"event: content_block_delta").expect("deltas");
        let end = piece.windows(25).rposition(|w| w == b"event: content_block_stop").expect("stop");
        let mut file = BufWriter::new(File::create(&input).expect("input file"));
        file.write_all(&piece[..end]).expect("write");
        let mut written = piece.len();
        while written < 100_000_000 {
            file.write_all(&piece[first_delta..end]).expect("write");
            written += end - first_delta;
        }
        file.write_all(&piece[end..]).expect("write");
        file.flush().expect("flush");
    }
    let input_size = std::fs::metadata(&input).expect("input").len() as usize;
    assert!(input_size >= 100_000_000, "{input_size}");

    let (code, baseline) = run_measured(None, &baseline_output);
    assert_eq!(code, 0, "the tool runs on its sample");
    let (code, peak) = run_measured(Some(&input), &output);
    assert_eq!(code, 0, "the tool reads the 100 MB stream");

    let message_size = std::fs::metadata(&output).expect("output").len() as usize;
    let message: serde_json::Value =
        serde_json::from_reader(std::io::BufReader::new(File::open(&output).expect("output"))).expect("JSON");
    let text_len = message["content"][0]["text"].as_str().expect("a text block").len();
    assert!(text_len > 10_000_000, "the final message holds the text ({text_len} bytes)");

    let above = peak.saturating_sub(baseline);
    let bound = 2 * message_size + CHUNK;
    eprintln!(
        "input {input_size} B; final message {message_size} B; peak {peak} B, of which {baseline} B the tool's own \
         footprint; {above} B above it; bound {bound} B"
    );
    for path in [&input, &output, &baseline_output] {
        let _ = std::fs::remove_file(path);
    }
    assert!(above <= bound, "peak {above} B above the footprint, more than 2 x {message_size} + {CHUNK}");
}
