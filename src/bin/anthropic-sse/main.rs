//! `anthropic-sse`: decode an Anthropic Messages API stream from a file, standard input or the embedded
//! sample. Run `anthropic-sse --help` for the contract. `args` reads the command line, `input` the bytes;
//! the writers for each mode are below.

mod args;
mod input;
mod json;

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use anthropic_sse::framing::{EventStreamDecoder, EventStreamMessage, Frame, Framing, HeaderValue, SseDecoder};
use anthropic_sse::{BlockingEvents, Delta, EventDecoder, PartialMode, RawJson, StreamEvent};

use args::{Format, Mode, Options, Parsed, USAGE};
use input::{FullReads, Recorder};

/// The tool's output: standard output, through one buffer (see [`json::Out`]).
type Out = json::Out<io::StdoutLock<'static>>;

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
    let mut out = Out::new(io::stdout().lock());
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

fn run(options: &Options, out: &mut Out) -> Result<(), Failure> {
    let opened = input::open(&options.input)?;
    let mut input = match &opened.file {
        Some(file) => Recorder::of_file(opened.reader, file),
        None => Recorder::new(opened.reader),
    };
    let (format, start) = match options.format {
        Some(format) => (format, Vec::new()),
        None => {
            input::detect(&mut input).map_err(|e| Failure::new("io", format_args!("reading the input failed: {e}")))?
        }
    };
    let result = match (options.mode, opened.file) {
        // A regular file is read in large pieces handed to the decoder as they are (unless `--chunk` sets the
        // pieces).
        (Mode::Final, Some(file)) if options.chunk.is_none() => {
            final_message_of_file(options, format, &mut Feeder::file(file, start, &mut input, true), out)
        }
        (Mode::Events | Mode::Text | Mode::SdkEvents | Mode::ToSse | Mode::ToJsonl, Some(file))
            if options.chunk.is_none() =>
        {
            events(options, format, &mut Feeder::file(file, start, &mut input, false), out)
        }
        (mode, _) => {
            let mut reader = io::Cursor::new(start).chain(&mut input);
            match mode {
                Mode::Frames => return frames(options, format, &mut reader, out),
                Mode::Final => final_message(options, format, &mut reader, out),
                Mode::Events | Mode::Text | Mode::SdkEvents | Mode::ToSse | Mode::ToJsonl => {
                    events(options, format, &mut Feeder::reads(options, &mut reader), out)
                }
            }
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

/// How much of a regular file each read takes. Each piece is read into a buffer of its own that the decoder
/// takes without a copy (and frees once read, for the next piece to reuse). Larger pieces were measured and
/// were slower on the 14.4 MB text stream (256 KiB to 4 MiB: the pieces leave the cache before they are read,
/// and new ones come from fresh pages), so a regular file is read as a pipe is, only without the copy.
const FILE_READ: usize = DEFAULT_READ;

/// Where the decoder's input comes from.
enum Feeder<'a> {
    /// A regular file: pieces of [`FILE_READ`] bytes, each read into a buffer that the decoder takes without a
    /// copy; the bytes read to detect the format go first. The recorder sees them all, as it sees what is read
    /// through it.
    File {
        file: std::fs::File,
        buf: bytes::BytesMut,
        start: Vec<u8>,
        recorder: &'a mut Recorder<Box<dyn Read>>,
        stop: Option<Box<StopWatch>>,
    },
    /// Anything else: reads of up to 64 KiB, or of exactly `--chunk` bytes, copied into the decoder.
    Reads { reader: Box<dyn Read + 'a>, buf: Vec<u8> },
}

impl<'a> Feeder<'a> {
    /// `watch`: whether to watch for `message_stop` (`--final`, which stops reading there; see [`StopWatch`]).
    fn file(file: std::fs::File, start: Vec<u8>, recorder: &'a mut Recorder<Box<dyn Read>>, watch: bool) -> Self {
        let stop = watch.then(Box::default);
        Feeder::File { file, buf: bytes::BytesMut::new(), start, recorder, stop }
    }

    fn reads(options: &Options, input: &'a mut dyn Read) -> Self {
        Feeder::Reads { reader: reads(options, input), buf: vec![0u8; options.chunk.unwrap_or(DEFAULT_READ)] }
    }

    /// Feeds the decoder the input's next piece; `Ok(0)` at its end. A failed read after some bytes feeds
    /// those, and fails on the next call.
    fn feed(&mut self, decoder: &mut EventDecoder) -> io::Result<usize> {
        match self {
            Feeder::Reads { reader, buf } => {
                let n = reader.read(buf)?;
                decoder.feed(&buf[..n]);
                Ok(n)
            }
            Feeder::File { file, buf, start, recorder, stop } => {
                if !start.is_empty() {
                    let start = std::mem::take(start);
                    if let Some(stop) = stop {
                        stop.watch(&start);
                    }
                    decoder.feed(&start);
                    return Ok(start.len());
                }
                // The buffer the previous piece was read into, once the decoder has let go of it (else a new
                // one).
                buf.reserve(FILE_READ);
                buf.resize(FILE_READ, 0);
                let n = file.read(buf)?;
                buf.truncate(n);
                let piece = buf.split().freeze();
                recorder.record(&piece);
                if let Some(stop) = stop {
                    stop.watch(&piece);
                }
                decoder.feed_bytes(piece);
                Ok(n)
            }
        }
    }

    /// Whether `message_stop` may have been fed: the bytes `message_stop` were (see [`StopWatch`]).
    fn may_have_stopped(&self) -> bool {
        matches!(self, Feeder::File { stop: Some(stop), .. } if stop.seen)
    }
}

/// Watches the bytes fed for the name `message_stop`, within a piece or across two. `--final` on a file folds
/// whole pieces at a time, and the decoder does not say when the message is complete; once these bytes have
/// come, it types the events one at a time instead, to stop reading at `message_stop` as the library's own
/// readers do (an event written with an escape in its type is still read to the file's end, and gives the
/// same message).
struct StopWatch {
    seen: bool,
    /// The last bytes fed, to find the name across two pieces.
    tail: Vec<u8>,
    finder: memchr::memmem::Finder<'static>,
}

impl Default for StopWatch {
    fn default() -> Self {
        let finder = memchr::memmem::Finder::new(Self::NAME);
        StopWatch { seen: false, tail: Vec::new(), finder }
    }
}

impl StopWatch {
    const NAME: &'static [u8] = b"message_stop";

    fn watch(&mut self, piece: &[u8]) {
        const KEPT: usize = StopWatch::NAME.len() - 1;
        if self.seen {
            return;
        }
        // The last bytes fed before this piece, then its first ones.
        let mut joint = std::mem::take(&mut self.tail);
        joint.extend_from_slice(&piece[..piece.len().min(KEPT)]);
        self.seen = self.finder.find(&joint).is_some() || self.finder.find(piece).is_some();
        if piece.len() >= KEPT {
            joint.clear();
            joint.extend_from_slice(&piece[piece.len() - KEPT..]);
        } else {
            joint.drain(..joint.len().saturating_sub(KEPT));
        }
        self.tail = joint;
    }
}

/// One JSON value and its line end: every line the tool writes is one standard JSON value, the library's
/// model and raw JSON serializing on one line.
fn write_json(out: &mut Out, value: &impl serde::Serialize) -> Result<(), Failure> {
    json::to_writer(out, value).map_err(|e| Failure::write(e.into()))?;
    out.write_all(b"\n").map_err(Failure::write)
}

/// `--final`: the events folded without being handed out.
fn final_message(options: &Options, format: Format, input: &mut dyn Read, out: &mut Out) -> Result<(), Failure> {
    let mode = if options.trailing_strings { PartialMode::TrailingStrings } else { PartialMode::default() };
    let mut events = BlockingEvents::new(reads(options, input))
        .with_format(library_format(format))
        .with_partial_mode(mode)
        .with_read_size(options.chunk.unwrap_or(DEFAULT_READ));
    if let Some(id) = &options.request_id {
        events = events.with_request_id(id.clone());
    }
    write_final(events.final_message(), out)
}

/// `--final` on a regular file: [`final_message`]'s answer, from pieces read by [`Feeder::File`], folded
/// whole (with no event built) until `message_stop` may have come, then typed one event at a time to stop
/// reading at it.
fn final_message_of_file(options: &Options, format: Format, input: &mut Feeder, out: &mut Out) -> Result<(), Failure> {
    let mut decoder = decoder(options, format);
    'reading: loop {
        if input.may_have_stopped() {
            while let Some(event) = decoder.next_event() {
                if let Ok(StreamEvent::MessageStop(_)) = event {
                    break 'reading;
                }
            }
        } else {
            // An error is kept by the decoder, and is its final answer.
            let _ = decoder.fold_buffered();
        }
        if decoder.failure().is_some() {
            break;
        }
        match input.feed(&mut decoder) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                decoder.fail(e.into());
                break;
            }
        }
    }
    write_final(decoder.into_final_message(), out)
}

/// Writes the final message, or the message so far and then fails.
fn write_final(result: Result<anthropic_sse::Message, anthropic_sse::Error>, out: &mut Out) -> Result<(), Failure> {
    match result {
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
fn events(options: &Options, format: Format, input: &mut Feeder, out: &mut Out) -> Result<(), Failure> {
    let mut decoder = decoder(options, format);
    let mut wrote_text = false;
    let result = loop {
        match input.feed(&mut decoder) {
            Ok(0) => {
                // What the end completes (a last JSON line without its line end) is written too.
                decoder.end_input();
                write_ready(options.mode, &mut decoder, out, &mut wrote_text)?;
                break decoder.finish();
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(decoder.fail(e.into())),
        }
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
fn write_ready(mode: Mode, decoder: &mut EventDecoder, out: &mut Out, wrote_text: &mut bool) -> Result<bool, Failure> {
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
fn write_event(mode: Mode, event: &StreamEvent, out: &mut Out, wrote_text: &mut bool) -> Result<bool, Failure> {
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

fn write_frame(out: &mut Out, frame: &Frame) -> io::Result<()> {
    // Written field by field to keep the documented key order and avoid building a map per frame.
    out.write_all(b"{\"event\":")?;
    json::to_writer(out, frame.event())?;
    out.write_all(b",\"data\":")?;
    json::to_writer(out, frame.data())?;
    out.write_all(b",\"id\":")?;
    json::to_writer(out, frame.id())?;
    if let Some(retry) = frame.retry() {
        write!(out, ",\"retry\":{retry}")?;
    }
    out.write_all(b"}\n")
}

/// `--frames`: the framing layer alone, for each format; each read's frames written, then flushed.
fn frames(options: &Options, format: Format, input: &mut dyn Read, out: &mut Out) -> Result<(), Failure> {
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
    out: &mut Out,
    mut feed: impl FnMut(&[u8], &mut Out) -> Result<bool, Failure>,
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
fn write_message(out: &mut Out, message: &EventStreamMessage) -> io::Result<()> {
    let b64 = |bytes: &[u8]| base64_simd::STANDARD.encode_to_string(bytes);
    out.write_all(b"{\"headers\":{")?;
    for (i, (name, value)) in message.headers().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        json::to_writer(out, name)?;
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
        json::to_writer(out, &value)?;
    }
    out.write_all(b"},\"payload\":")?;
    match std::str::from_utf8(message.payload()) {
        Ok(text) => json::to_writer(out, text)?,
        Err(_) => json::to_writer(out, &serde_json::json!({ "base64": b64(message.payload()) }))?,
    }
    out.write_all(b"}\n")
}

fn bedrock_frames(options: &Options, input: &mut dyn Read, out: &mut Out) -> Result<(), Failure> {
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
fn write_json_event(out: &mut Out, json: &str) -> Result<(), Failure> {
    let raw = RawJson::from_text(json).map_err(|e| Failure::new("json", format_args!("a line is not JSON: {e}")))?;
    write_json(out, &raw)
}

fn json_frames(options: &Options, input: &mut dyn Read, out: &mut Out) -> Result<(), Failure> {
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
fn sse_frames(options: &Options, input: &mut dyn Read, out: &mut Out) -> Result<(), Failure> {
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

#[cfg(test)]
mod tests {
    use super::StopWatch;

    /// Whether the watch sees `message_stop` in `text` fed in pieces of `size` bytes.
    fn sees(text: &[u8], size: usize) -> bool {
        let mut watch = StopWatch::default();
        text.chunks(size).for_each(|piece| watch.watch(piece));
        watch.seen
    }

    #[test]
    fn the_stop_watch_sees_the_name_in_any_pieces() {
        let text = b"data: {\"type\":\"message_stop\"}\n\n";
        for size in 1..=text.len() {
            assert!(sees(text, size), "pieces of {size}");
            // Cut anywhere else, it is not there.
            assert!(!sees(b"data: {\"type\":\"message_sto\"}p", size), "pieces of {size}");
            assert!(!sees(b"message_", size) && !sees(b"", size.max(1)));
        }
    }
}
