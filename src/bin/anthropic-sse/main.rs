//! `anthropic-sse`: decode an Anthropic Messages API stream from a file, standard input or the embedded
//! sample. Run `anthropic-sse --help` for the contract. `args` reads the command line, `input` the bytes;
//! the writers for each mode are below.

mod args;
mod input;

use std::fmt::Display;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use anthropic_sse::framing::{EventStreamDecoder, EventStreamMessage, Frame, Framing, HeaderValue, SseDecoder};
use anthropic_sse::{BlockingEvents, Delta, EventDecoder, PartialMode, RawJson, StreamEvent};

use args::{Format, Mode, Options, Parsed, USAGE};
use input::{FullReads, Recorder};

const DEFAULT_READ: usize = 64 * 1024;

/// The failure kind of a write to a reader that went away: not reported, and the exit status is 0.
const BROKEN_PIPE: &str = "broken_pipe";

/// A failure to report as `error[KIND]: MESSAGE`.
pub struct Failure {
    kind: String,
    message: String,
    /// The stream ended before any `message_start`: the input may not be an event stream at all.
    no_message: bool,
}

impl Failure {
    fn new(kind: &str, message: impl Display) -> Self {
        Failure { kind: kind.to_owned(), message: message.to_string(), no_message: false }
    }

    /// A failure of the library, its kind not said twice (`error[overloaded_error]: Overloaded`).
    fn of(error: &anthropic_sse::Error) -> Self {
        // The tool reads files and pipes: a failing read is an I/O error whatever layer saw it.
        let kind = match error.kind() {
            anthropic_sse::error::ErrorKind::Transport => "io",
            _ => error.error_type(),
        };
        let mut failure = Failure::new(kind, without_kind(kind, error.to_string()));
        failure.no_message = kind == "incomplete" && error.partial_message().is_none();
        failure
    }

    fn of_api(error: &anthropic_sse::ApiError) -> Self {
        let kind = error.error_type();
        Failure::new(kind, without_kind(kind, error.to_string()))
    }

    fn write(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            return Failure::new(BROKEN_PIPE, error);
        }
        Failure::new("io", format_args!("writing the output failed: {error}"))
    }
}

fn without_kind(kind: &str, message: String) -> String {
    match message.strip_prefix(kind).and_then(|rest| rest.strip_prefix(": ")) {
        Some(rest) => rest.to_owned(),
        None => message,
    }
}

fn main() -> ExitCode {
    let options = match args::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("anthropic-sse {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("anthropic-sse: {message}\nRun 'anthropic-sse --help' for usage.");
            return ExitCode::from(2);
        }
    };
    // A closed standard output (EBADF) takes every write without a word (Rust's standard library ignores
    // that error on its standard streams): say so, rather than exit 0 having written nothing.
    if !input::stdout_is_open() {
        eprintln!("error[io]: standard output is closed; nothing can be written");
        return ExitCode::from(1);
    }
    // A pipe's capacity: a large message or a read's many events go out in few writes.
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let result = run(&options, &mut out).and_then(|()| out.flush().map_err(Failure::write));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.kind == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(failure) => {
            // What was written goes out before the report (a reader that left is no reason to fail twice).
            let _ = out.flush();
            eprintln!("error[{}]: {}", printable(&failure.kind), printable(&failure.message));
            ExitCode::from(1)
        }
    }
}

/// `text` as one line of printable text: control characters (line breaks, the escape that starts an ANSI or
/// OSC sequence, C1 controls) written as Rust escapes (`\n`, `\u{1b}`), so that what a stream says of its own
/// error can neither break the `error[KIND]: MESSAGE` line nor drive the terminal.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn run(options: &Options, out: &mut impl Write) -> Result<(), Failure> {
    let mut input = Recorder::new(input::open(&options.input)?);
    let (format, start) = match options.format {
        Some(format) => (format, Vec::new()),
        None => {
            input::detect(&mut input).map_err(|e| Failure::new("io", format_args!("reading the input failed: {e}")))?
        }
    };
    let mut reader = io::Cursor::new(start).chain(&mut input);
    let result = match options.mode {
        Mode::Frames => return frames(options, format, &mut reader, out),
        Mode::Final => final_message(options, format, &mut reader, out),
        Mode::Events | Mode::Text | Mode::SdkEvents | Mode::ToSse | Mode::ToJsonl => {
            events(options, format, &mut reader, out)
        }
    };
    match result {
        // No message ever started: say what the input was, when it was not an event stream at all (for
        // JSON, one document such as an error body, read to its end first).
        Err(failure) if format == Format::Json && (failure.no_message || failure.kind == "json") => {
            input.read_rest();
            Err(input.one_json_document(options.request_id.as_deref()).unwrap_or(failure))
        }
        // A Bedrock body is binary: its framing's own failure (a body cut inside its first message) stands.
        Err(failure) if failure.no_message && format != Format::Bedrock => {
            Err(input.not_an_event_stream(options.request_id.as_deref()).unwrap_or(failure))
        }
        other => other,
    }
}

/// The library's format for the tool's.
fn library_format(format: Format) -> anthropic_sse::framing::Format {
    match format {
        Format::Sse => anthropic_sse::framing::Format::Sse,
        Format::Bedrock => anthropic_sse::framing::Format::Bedrock,
        Format::Json => anthropic_sse::framing::Format::JsonLines,
    }
}

fn decoder(options: &Options, format: Format) -> EventDecoder {
    let mode = if options.trailing_strings { PartialMode::TrailingStrings } else { PartialMode::default() };
    let mut decoder = EventDecoder::for_format(library_format(format)).with_partial_mode(mode);
    if let Some(id) = &options.request_id {
        decoder = decoder.with_request_id(id.clone());
    }
    decoder
}

/// The input in reads of up to 64 KiB, or of exactly `--chunk` bytes (the last may be shorter).
fn reads<'a>(options: &Options, input: &'a mut dyn Read) -> Box<dyn Read + 'a> {
    match options.chunk {
        Some(_) => Box::new(FullReads(input)),
        None => Box::new(input),
    }
}

/// One JSON value and its line end: every line the tool writes is one standard JSON value, the library's
/// model and raw JSON serializing on one line.
fn write_json(out: &mut (impl Write + ?Sized), value: &impl serde::Serialize) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, value).map_err(|e| Failure::write(e.into()))?;
    out.write_all(b"\n").map_err(Failure::write)
}

/// `--final`: the events folded without being handed out.
fn final_message(options: &Options, format: Format, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    let mode = if options.trailing_strings { PartialMode::TrailingStrings } else { PartialMode::default() };
    let mut events = BlockingEvents::new(reads(options, input))
        .with_format(library_format(format))
        .with_partial_mode(mode)
        .with_read_size(options.chunk.unwrap_or(DEFAULT_READ));
    if let Some(id) = &options.request_id {
        events = events.with_request_id(id.clone());
    }
    match events.final_message() {
        Ok(message) => write_json(out, &message),
        Err(error) => {
            // Nothing is lost: the message so far (complete, for invalid tool input) goes out first.
            if let Some(partial) = error.partial_message() {
                write_json(out, partial)?;
            }
            Err(Failure::of(&error))
        }
    }
}

/// `--events` and `--text`: each read's events written, then flushed.
fn events(options: &Options, format: Format, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    let mut reader = reads(options, input);
    let mut decoder = decoder(options, format);
    let mut buf = vec![0u8; options.chunk.unwrap_or(DEFAULT_READ)];
    let mut wrote_text = false;
    let result = loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => {
                // What the end completes (a last JSON line without its line end) is written too.
                decoder.end_input();
                write_ready(options.mode, &mut decoder, out, &mut wrote_text)?;
                break decoder.finish();
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(decoder.fail(e.into())),
        };
        decoder.feed(&buf[..n]);
        let wrote = write_ready(options.mode, &mut decoder, out, &mut wrote_text)?;
        if let Some(error) = decoder.failure() {
            break Err(error.clone());
        }
        if wrote {
            out.flush().map_err(Failure::write)?;
        }
    };
    if wrote_text {
        out.write_all(b"\n").map_err(Failure::write)?;
    }
    // Transcoding: an error from the stream itself goes on as the error event that stands for it.
    if let (Err(error), Mode::ToSse | Mode::ToJsonl) = (&result, options.mode) {
        if let Some(api) = error.api_error() {
            let json = api.to_event_json();
            let written = match options.mode {
                Mode::ToSse => write!(out, "event: error\ndata: {json}\n\n"),
                _ => writeln!(out, "{json}"),
            };
            written.map_err(Failure::write)?;
        }
    }
    match result {
        // The stream ended cleanly: what the final message says (a tool call whose input is not JSON).
        Ok(()) => decoder.into_final_message().map(drop).map_err(|e| Failure::of(&e)),
        Err(error) => Err(Failure::of(&error)),
    }
}

/// Writes what the input fed so far completes, as the mode asks (an error ends the stream: the decoder keeps
/// it); says whether anything was written.
fn write_ready(
    mode: Mode,
    decoder: &mut EventDecoder,
    out: &mut impl Write,
    wrote_text: &mut bool,
) -> Result<bool, Failure> {
    let mut wrote = false;
    if mode == Mode::SdkEvents {
        while let Some(Ok(item)) = decoder.next_sdk_event() {
            let line = decoder.sdk_event_json(&item);
            out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(Failure::write)?;
            wrote = true;
        }
        return Ok(wrote);
    }
    while let Some(Ok(event)) = decoder.next_event() {
        wrote |= write_event(mode, &event, out, wrote_text)?;
    }
    Ok(wrote)
}

/// Writes one event as `--events` or `--text` does; says whether anything was written.
fn write_event(mode: Mode, event: &StreamEvent, out: &mut impl Write, wrote_text: &mut bool) -> Result<bool, Failure> {
    match mode {
        Mode::Events | Mode::ToJsonl => {
            write_json(out, event)?;
            return Ok(true);
        }
        Mode::ToSse => {
            event.write_sse(out).map_err(Failure::write)?;
            return Ok(true);
        }
        _ => {}
    }
    if let StreamEvent::ContentBlockDelta(delta) = event {
        if let Delta::Text { text, .. } = &delta.delta {
            out.write_all(text.as_bytes()).map_err(Failure::write)?;
            *wrote_text = true;
            return Ok(true);
        }
    }
    Ok(false)
}

fn write_frame(out: &mut impl Write, frame: &Frame) -> io::Result<()> {
    // Written field by field to keep the documented key order and avoid building a map per frame.
    out.write_all(b"{\"event\":")?;
    serde_json::to_writer(&mut *out, frame.event())?;
    out.write_all(b",\"data\":")?;
    serde_json::to_writer(&mut *out, frame.data())?;
    out.write_all(b",\"id\":")?;
    serde_json::to_writer(&mut *out, frame.id())?;
    if let Some(retry) = frame.retry() {
        write!(out, ",\"retry\":{retry}")?;
    }
    out.write_all(b"}\n")
}

/// `--frames`: the framing layer alone, for each format; each read's frames written, then flushed.
fn frames(options: &Options, format: Format, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    match format {
        Format::Sse => sse_frames(options, input, out),
        Format::Bedrock => bedrock_frames(options, input, out),
        Format::Json => json_frames(options, input, out),
    }
}

/// Feeds each read to `feed`, which writes what it completes and says whether it wrote; flushes after those.
fn each_read(
    options: &Options,
    input: &mut dyn Read,
    out: &mut impl Write,
    mut feed: impl FnMut(&[u8], &mut dyn Write) -> Result<bool, Failure>,
) -> Result<(), Failure> {
    let mut reader = reads(options, input);
    let mut buf = vec![0u8; options.chunk.unwrap_or(DEFAULT_READ)];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::new("io", format_args!("reading the input failed: {e}"))),
        };
        if feed(&buf[..n], out)? {
            out.flush().map_err(Failure::write)?;
        }
    }
}

/// One event-stream message as a JSON line: its headers in wire order, values as JSON (bytes in base64,
/// timestamps in milliseconds, UUIDs as text), and the payload as a string when it is UTF-8.
fn write_message(out: &mut dyn Write, message: &EventStreamMessage) -> io::Result<()> {
    let b64 = |bytes: &[u8]| base64_simd::STANDARD.encode_to_string(bytes);
    out.write_all(b"{\"headers\":{")?;
    for (i, (name, value)) in message.headers().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, name)?;
        out.write_all(b":")?;
        let value = match value {
            HeaderValue::Bool(v) => serde_json::json!(v),
            HeaderValue::Byte(v) => serde_json::json!(v),
            HeaderValue::Short(v) => serde_json::json!(v),
            HeaderValue::Int(v) => serde_json::json!(v),
            HeaderValue::Long(v) | HeaderValue::Timestamp(v) => serde_json::json!(v),
            HeaderValue::Bytes(v) => serde_json::json!(b64(&v)),
            HeaderValue::String(v) => serde_json::json!(v.as_str()),
            HeaderValue::Uuid(v) => {
                let hex: String = v.iter().map(|b| format!("{b:02x}")).collect();
                serde_json::json!(format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                ))
            }
        };
        serde_json::to_writer(&mut *out, &value)?;
    }
    out.write_all(b"},\"payload\":")?;
    match std::str::from_utf8(message.payload()) {
        Ok(text) => serde_json::to_writer(&mut *out, text)?,
        Err(_) => serde_json::to_writer(&mut *out, &serde_json::json!({ "base64": b64(message.payload()) }))?,
    }
    out.write_all(b"}\n")
}

fn bedrock_frames(options: &Options, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    let mut decoder = EventStreamDecoder::new();
    each_read(options, input, out, |bytes, out| {
        decoder.feed(bytes);
        let mut wrote = false;
        while let Some(message) = decoder.next_message().map_err(|e| Failure::of(&e))? {
            write_message(out, &message).map_err(Failure::write)?;
            wrote = true;
        }
        Ok(wrote)
    })?;
    match decoder.finish() {
        Some(left) => {
            Err(Failure::new("incomplete", format_args!("the input ended {left} bytes into an event-stream message")))
        }
        None => Ok(()),
    }
}

/// A JSON event as it came, on one line (see [`write_json`]); a line that is not JSON ends the output.
fn write_json_event(out: &mut (impl Write + ?Sized), json: &str) -> Result<(), Failure> {
    let raw = RawJson::from_text(json).map_err(|e| Failure::new("json", format_args!("a line is not JSON: {e}")))?;
    write_json(out, &raw)
}

fn json_frames(options: &Options, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    let mut lines = anthropic_sse::framing::Format::JsonLines.framing();
    each_read(options, input, out, |bytes, out| {
        lines.feed(bytes::Bytes::copy_from_slice(bytes));
        let mut wrote = false;
        while let Some(event) = lines.next_event().map_err(|e| Failure::of(&e))? {
            write_json_event(out, event.json)?;
            wrote = true;
        }
        Ok(wrote)
    })?;
    lines.end_input();
    while let Some(event) = lines.next_event().map_err(|e| Failure::of(&e))? {
        write_json_event(out, event.json)?;
    }
    match lines.finish() {
        Some(left) => Err(Failure::new("incomplete", format_args!("the input ended inside a line: {left}"))),
        None => Ok(()),
    }
}

/// `--frames` on SSE: the SSE layer alone.
fn sse_frames(options: &Options, input: &mut dyn Read, out: &mut impl Write) -> Result<(), Failure> {
    let mut reader = reads(options, input);
    let mut decoder = SseDecoder::new();
    let mut buf = vec![0u8; options.chunk.unwrap_or(DEFAULT_READ)];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::new("io", format_args!("reading the input failed: {e}"))),
        };
        decoder.feed(&buf[..n]);
        let mut wrote = false;
        for frame in decoder.frames() {
            let frame = frame.map_err(|e| Failure::new("limit", e))?;
            write_frame(out, &frame).map_err(Failure::write)?;
            wrote = true;
        }
        if wrote {
            out.flush().map_err(Failure::write)?;
        }
    }
    if let Some(rest) = Framing::finish(&mut decoder) {
        return Err(Failure::new("incomplete", format_args!("the stream ended inside an event: {rest}")));
    }
    Ok(())
}
