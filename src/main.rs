//! `anthropic-sse`: decode a recorded Anthropic Messages API stream from a file, stdin or the embedded sample.
//! Run `anthropic-sse --help` for the contract.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use anthropic_sse::sse::{Decoder, Frame};
use anthropic_sse::{BlockingEvents, Delta, EventDecoder, MessageAccumulator, PartialMode, StreamEvent};

const USAGE: &str = "\
usage: anthropic-sse [--final | --events | --frames | --text] [--chunk N] [--request-id ID] [--trailing-strings]
                     [FILE | -]

Decode an Anthropic Messages API server-sent event stream.

  FILE            the recorded stream; omitted: an embedded sample stream; \"-\": read stdin
  --final         (default) one JSON object: the final message, as the official Python SDK's
                  get_final_message() gives it; on a failure after message_start, the message so far
  --events        JSON Lines, one per typed event in arrival order (ping and unknown types included)
  --frames        JSON Lines, one per SSE frame: {\"event\", \"data\", \"id\"} plus \"retry\" when set
  --text          the text of the text deltas, written as they arrive
  --chunk N       feed the input to the decoder in N-byte pieces (default: 64 KiB reads)
  --request-id ID the value of the HTTP request-id header, for error reports
  --trailing-strings
                  keep a tool-input string cut off at the end, as the Python SDK does for requests that send
                  the fine-grained-tool-streaming-2025-05-14 beta (default: drop it, as for other requests)
  -h, --help      print this help

Exit status: 0 on success; 1 on a failure, reported on stderr as `error[KIND]: MESSAGE`, KIND being the API
error type for an error event (e.g. overloaded_error), else one of incomplete, protocol, json, limit, io;
2 on bad usage. A tool call whose input is not JSON is error[json], naming the block and the tool, after the
complete message was printed.
";

/// The stream used when no FILE is given: written for this crate in the documented wire format.
const SAMPLE: &[u8] = anthropic_sse::SAMPLE_STREAM;

const DEFAULT_READ: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Final,
    Events,
    Frames,
    Text,
}

#[derive(Debug)]
struct Options {
    mode: Mode,
    chunk: Option<usize>,
    request_id: Option<String>,
    trailing_strings: bool,
    input: Input,
}

#[derive(Debug)]
enum Input {
    Sample,
    Stdin,
    File(String),
}

/// A failure to report as `error[KIND]: MESSAGE`.
struct Failure {
    kind: String,
    message: String,
}

impl Failure {
    fn new(kind: &str, message: impl std::fmt::Display) -> Self {
        Failure { kind: kind.to_owned(), message: message.to_string() }
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut mode = None;
    let mut chunk = None;
    let mut request_id = None;
    let mut trailing_strings = false;
    let mut input = None;
    let mut args = args.peekable();
    let set_mode = |m: Mode, mode: &mut Option<Mode>| match mode {
        Some(old) if *old != m => Err("choose one of --final, --events, --frames, --text".to_owned()),
        _ => {
            *mode = Some(m);
            Ok(())
        }
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--final" => set_mode(Mode::Final, &mut mode)?,
            "--events" => set_mode(Mode::Events, &mut mode)?,
            "--frames" => set_mode(Mode::Frames, &mut mode)?,
            "--text" => set_mode(Mode::Text, &mut mode)?,
            "--chunk" => {
                let value = args.next().ok_or("--chunk needs a number of bytes")?;
                let n: usize =
                    value.parse().map_err(|_| format!("--chunk needs a positive number of bytes, not {value:?}"))?;
                if n == 0 {
                    return Err("--chunk needs a positive number of bytes, not 0".to_owned());
                }
                chunk = Some(n);
            }
            "--request-id" => {
                request_id = Some(args.next().ok_or("--request-id needs a value")?);
            }
            "--trailing-strings" => trailing_strings = true,
            "-" => set_input(&mut input, Input::Stdin)?,
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}")),
            file => set_input(&mut input, Input::File(file.to_owned()))?,
        }
    }
    Ok(Some(Options {
        mode: mode.unwrap_or(Mode::Final),
        chunk,
        request_id,
        trailing_strings,
        input: input.unwrap_or(Input::Sample),
    }))
}

fn set_input(slot: &mut Option<Input>, input: Input) -> Result<(), String> {
    if slot.is_some() {
        return Err("give at most one FILE (or - for stdin)".to_owned());
    }
    *slot = Some(input);
    Ok(())
}

fn open_input(input: &Input) -> Result<Box<dyn Read>, Failure> {
    Ok(match input {
        Input::Sample => Box::new(SAMPLE),
        Input::Stdin => Box::new(io::stdin().lock()),
        Input::File(path) => Box::new(
            std::fs::File::open(path).map_err(|e| Failure::new("io", format_args!("cannot open {path}: {e}")))?,
        ),
    })
}

/// Reads `reader` in pieces of exactly `chunk` bytes (the last may be shorter), or in reads of up to 64 KiB
/// when no size is given, calling `sink` with each piece. The input is never held whole.
fn for_each_piece(
    reader: &mut dyn Read,
    chunk: Option<usize>,
    mut sink: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut buf = vec![0u8; chunk.unwrap_or(DEFAULT_READ)];
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    if chunk.is_none() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::new("io", format_args!("reading the input failed: {e}"))),
            }
        }
        if filled == 0 {
            return Ok(());
        }
        sink(&buf[..filled])?;
    }
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

fn run_frames(options: &Options, out: &mut impl Write) -> Result<(), Failure> {
    let mut reader = open_input(&options.input)?;
    let mut decoder = Decoder::new();
    let io_failure = |e: io::Error| Failure::new("io", format_args!("writing the output failed: {e}"));
    for_each_piece(&mut reader, options.chunk, |piece| {
        decoder.feed(piece);
        for frame in decoder.frames() {
            let frame = frame.map_err(|e| Failure::new("limit", e))?;
            write_frame(out, &frame).map_err(io_failure)?;
        }
        Ok(())
    })?;
    if let Some(rest) = decoder.finish() {
        return Err(Failure::new(
            "incomplete",
            format_args!(
                "the stream ended inside an event that was never dispatched (no blank line after it{}{})",
                rest.event.map(|e| format!("; event {e:?}")).unwrap_or_default(),
                if rest.partial_line_bytes > 0 {
                    format!("; {} bytes of an unfinished line", rest.partial_line_bytes)
                } else {
                    String::new()
                },
            ),
        ));
    }
    Ok(())
}

/// A reader whose reads fill the whole buffer unless the input ends, so that `--chunk N` feeds exactly
/// N-byte pieces even from a pipe.
struct FullReads<R>(R);

impl<R: Read> Read for FullReads<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.0.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled > 0 => {
                    // Report what was read; the error comes back on the next call.
                    let _ = e;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

fn failure_of(error: &anthropic_sse::Error) -> Failure {
    // The CLI reads files and pipes: a failing read is an I/O error whatever layer saw it.
    let kind = match error {
        anthropic_sse::Error::Transport { .. } => "io",
        other => other.kind(),
    };
    Failure::new(kind, error)
}

/// `--final`, `--events` and `--text`: typed events through the blocking adapter.
fn run_events(options: &Options, out: &mut impl Write) -> Result<(), Failure> {
    let reader = open_input(&options.input)?;
    let reader: Box<dyn Read> = match options.chunk {
        Some(_) => Box::new(FullReads(reader)),
        None => reader,
    };
    let mode = if options.trailing_strings { PartialMode::TrailingStrings } else { PartialMode::default() };
    let mut decoder = EventDecoder::new().with_accumulator(MessageAccumulator::new().with_partial_mode(mode));
    if let Some(id) = &options.request_id {
        decoder.set_request_id(id.clone());
    }
    let events = BlockingEvents::with_decoder(reader, decoder).with_read_size(options.chunk.unwrap_or(DEFAULT_READ));
    let io_failure = |e: io::Error| Failure::new("io", format_args!("writing the output failed: {e}"));
    match options.mode {
        Mode::Final => match events.final_message() {
            Ok(message) => {
                serde_json::to_writer(&mut *out, &message).map_err(|e| io_failure(e.into()))?;
                out.write_all(b"\n").map_err(io_failure)
            }
            Err(error) => {
                // Nothing is lost: the message so far goes to stdout before the error is reported.
                if let Some(partial) = error.partial_message() {
                    serde_json::to_writer(&mut *out, partial).map_err(|e| io_failure(e.into()))?;
                    out.write_all(b"\n").map_err(io_failure)?;
                }
                Err(failure_of(&error))
            }
        },
        Mode::Events | Mode::Text => {
            for event in events {
                let event = event.map_err(|e| failure_of(&e))?;
                if options.mode == Mode::Events {
                    serde_json::to_writer(&mut *out, &event).map_err(|e| io_failure(e.into()))?;
                    out.write_all(b"\n").map_err(io_failure)?;
                } else if let StreamEvent::ContentBlockDelta(delta) = &event {
                    if let Delta::Text(text) = &delta.delta {
                        out.write_all(text.text.as_bytes()).map_err(io_failure)?;
                        // Written as it arrives: a reader on the other end of a pipe sees each piece.
                        out.flush().map_err(io_failure)?;
                    }
                }
            }
            Ok(())
        }
        Mode::Frames => run_frames(options, out),
    }
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("anthropic-sse: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let result = match options.mode {
        Mode::Frames => run_frames(&options, &mut out),
        Mode::Final | Mode::Events | Mode::Text => run_events(&options, &mut out),
    };
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(failure), _) => {
            eprintln!("error[{}]: {}", failure.kind, failure.message);
            ExitCode::from(1)
        }
        (Ok(()), Err(e)) => {
            eprintln!("error[io]: writing the output failed: {e}");
            ExitCode::from(1)
        }
    }
}
