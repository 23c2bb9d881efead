//! Where the bytes come from, and what to say when they are not an event stream.

use std::io::{self, Read};

use crate::Failure;
use crate::args::{Format, Input};

/// Opens the input. With no FILE, standard input is read unless it is a terminal, `/dev/null` or closed, which
/// give the embedded sample (so that `anthropic-sse` alone, or `< /dev/null`, shows it): a pipe, a FIFO, a
/// socket, a regular file or a character device such as `/dev/zero` is read.
pub fn open(input: &Input) -> Result<Box<dyn Read>, Failure> {
    Ok(match input {
        Input::Default if !stdin_has_input() => Box::new(anthropic_sse::SAMPLE_STREAM),
        Input::Default | Input::Stdin => Box::new(io::stdin().lock()),
        Input::File(path) => Box::new(
            std::fs::File::open(path)
                .map_err(|e| Failure::new("io", format_args!("cannot open {}: {e}", path.to_string_lossy())))?,
        ),
    })
}

#[cfg(unix)]
fn stdin_has_input() -> bool {
    use std::io::IsTerminal;
    use std::os::fd::AsFd;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    if io::stdin().is_terminal() {
        return false;
    }
    // A closed standard input cannot be duplicated.
    let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() else { return false };
    let Ok(meta) = std::fs::File::from(fd).metadata() else { return false };
    let kind = meta.file_type();
    if kind.is_char_device() {
        let null = std::fs::metadata("/dev/null").ok();
        return null.is_none_or(|null| (null.dev(), null.ino(), null.rdev()) != (meta.dev(), meta.ino(), meta.rdev()));
    }
    kind.is_fifo() || kind.is_socket() || kind.is_file()
}

#[cfg(not(unix))]
fn stdin_has_input() -> bool {
    use std::io::IsTerminal;
    !io::stdin().is_terminal()
}

/// Whether standard output was open when the process started. Rust's runtime, before `main`, opens
/// `/dev/null` in place of a standard stream that was closed, so that every write to a closed standard output
/// would vanish and the tool would exit 0 having written nothing. So the check runs before the runtime does: a
/// function in the ELF `.init_array`, which the loader calls before `main`, tries to duplicate descriptor 1.
/// Output discarded on purpose (`> /dev/null`, Python's `subprocess.DEVNULL`, systemd's `null`) is open, and is
/// no failure.
#[cfg(target_os = "linux")]
pub fn stdout_is_open() -> bool {
    !stdout_at_start::CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(target_os = "linux")]
mod stdout_at_start {
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set before `main` when descriptor 1 was closed.
    pub static CLOSED: AtomicBool = AtomicBool::new(false);

    extern "C" fn check() {
        // SAFETY: descriptor 1 is only borrowed for the duration of this call, to try to duplicate it; a closed
        // descriptor makes the duplication fail (EBADF), which is what is asked.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(1) };
        CLOSED.store(fd.try_clone_to_owned().is_err(), Ordering::Relaxed);
    }

    /// Called by the loader before `main` (and so before Rust's runtime replaces a closed descriptor).
    // SAFETY: `.init_array` holds pointers to functions the loader calls once, with the C ABI, before `main`;
    // `check` is such a function and takes no arguments it would read.
    #[used]
    #[unsafe(link_section = ".init_array")]
    static CHECK: extern "C" fn() = check;
}

#[cfg(not(target_os = "linux"))]
pub fn stdout_is_open() -> bool {
    true
}

/// The UTF-8 byte order mark, which editors and some proxies put before a body.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input's text from its first byte that is neither a leading byte order mark nor whitespace.
fn content(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes).trim_ascii_start()
}

/// Reads the start of the input and says its format, by the library's detection
/// ([`Format::detect`](anthropic_sse::framing::Format::detect)). Returns the bytes read, which the caller reads
/// first. Whitespace before the first token is read however long it is, holding at most 64 KiB of it: whole
/// lines of whitespace are dropped (blank lines to SSE and to JSON lines alike), a byte order mark kept.
pub fn detect(input: &mut impl Read) -> io::Result<(Format, Vec<u8>)> {
    use anthropic_sse::framing::Format as Wire;
    const HELD: usize = 64 * 1024;
    let mut start: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    let mut ended = false;
    let wire = loop {
        if let Some(wire) = Wire::detect(&start, ended) {
            break wire;
        }
        // One line of whitespace longer than a line may be: the decoder says so.
        if start.len() > anthropic_sse::Limits::default().max_line_bytes() {
            break Wire::Sse;
        }
        if start.len() > HELD {
            let bom = if start.starts_with(BOM) { BOM.len() } else { 0 };
            if let Some(last_line_end) = start.iter().rposition(|&b| b == b'\n') {
                start.drain(bom..=last_line_end);
            }
        }
        match input.read(&mut buf) {
            Ok(0) => ended = true,
            Ok(n) => start.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    let format = match wire {
        Wire::Bedrock => Format::Bedrock,
        Wire::JsonLines | Wire::JsonEvents => Format::Json,
        _ => Format::Sse,
    };
    Ok((format, start))
}

/// How much of the input's start is kept, to say what the input was when it held no event: an error body of
/// the API or of a proxy is far smaller.
const KEPT: usize = 1 << 20;

/// A reader that keeps the first bytes it reads (up to 1 MiB) and counts the rest.
pub struct Recorder<R> {
    inner: R,
    start: Vec<u8>,
    total: u64,
}

impl<R: Read> Recorder<R> {
    pub fn new(inner: R) -> Self {
        Recorder { inner, start: Vec::new(), total: 0 }
    }

    /// Reads on to the end of the input, or as far as is kept (to judge it as one document).
    pub fn read_rest(&mut self) {
        let _ = io::copy(&mut self.by_ref().take(KEPT as u64 + 1), &mut io::sink());
    }

    /// The failure to report for an input that held no event at all, when that is what it was (judged from
    /// its start: no line of it is an SSE field). `None` when the input looks like an event stream.
    pub fn not_an_event_stream(&self, request_id: Option<&str>) -> Option<Failure> {
        let text = content(&self.start);
        if text.is_empty() {
            return Some(self.empty());
        }
        if text
            .split(|&b| b == b'\n')
            .any(|line| [&b"data:"[..], b"event:", b"id:", b"retry:", b":"].iter().any(|field| line.starts_with(field)))
        {
            return None;
        }
        if self.total as usize == self.start.len() {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) {
                if let Some(failure) = json_document(text, &value, request_id) {
                    return Some(failure);
                }
            }
        }
        let shown: String =
            String::from_utf8_lossy(&text[..text.len().min(200)]).split_whitespace().collect::<Vec<_>>().join(" ");
        Some(Failure::new(
            "not_a_stream",
            format_args!(
                "no event in the input's {} bytes; it starts with: {}",
                self.total,
                shown.chars().take(80).collect::<String>()
            ),
        ))
    }
}

impl<R> Recorder<R> {
    /// For JSON input that held no event: the failure its one JSON document stands for (an error body, a
    /// whole message), or `empty`; `None` when it is not one such document (the failure found stands).
    pub fn one_json_document(&self, request_id: Option<&str>) -> Option<Failure> {
        let text = content(&self.start).trim_ascii_end();
        if text.is_empty() {
            return Some(self.empty());
        }
        if self.total as usize != self.start.len() {
            return None;
        }
        let value = serde_json::from_slice::<serde_json::Value>(text).ok()?;
        json_document(text, &value, request_id)
    }

    /// The failure of an input with nothing in it but whitespace (or a byte order mark).
    fn empty(&self) -> Failure {
        if self.total == 0 {
            Failure::new("empty", "no event stream arrived: the input has no bytes")
        } else {
            Failure::new(
                "empty",
                format_args!("no event stream arrived: the input's {} bytes are all blank", self.total),
            )
        }
    }
}

/// A JSON document instead of an event stream: the API's error body, Google's front end's, or a whole message.
fn json_document(text: &[u8], value: &serde_json::Value, request_id: Option<&str>) -> Option<Failure> {
    if value["type"] == "error" && value["error"].is_object() {
        let error = anthropic_sse::ApiError::from_event_data(text, request_id);
        return Some(Failure::of_api(&error));
    }
    // Google's front end also writes its error body as an array of one such object.
    let google = match value {
        serde_json::Value::Array(items) => &items.first().unwrap_or(&serde_json::Value::Null)["error"],
        _ => &value["error"],
    };
    if google["message"].is_string() && (google["code"].is_number() || google["status"].is_string()) {
        let kind = google["status"].as_str().unwrap_or("api_error");
        let code = google["code"].as_u64().map(|c| format!("HTTP {c}: ")).unwrap_or_default();
        return Some(Failure::new(
            kind,
            format_args!(
                "{code}{} (an error body of Google's front end, not an event stream)",
                google["message"].as_str().unwrap_or_default()
            ),
        ));
    }
    if value["type"] == "message" {
        return Some(Failure::new(
            "not_a_stream",
            "the input is one complete message: did the request set \"stream\": true?",
        ));
    }
    None
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let keep = n.min(KEPT.saturating_sub(self.start.len()));
        self.start.extend_from_slice(&buf[..keep]);
        self.total += n as u64;
        Ok(n)
    }
}

/// A reader whose reads fill the whole buffer unless the input ends, so that `--chunk N` feeds exactly
/// N-byte pieces even from a pipe.
pub struct FullReads<R>(pub R);

impl<R: Read> Read for FullReads<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.0.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Report what was read; the error comes back on the next call.
                Err(_) if filled > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}
