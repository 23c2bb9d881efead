//! The command line: what to print, how to read, and from where.

use std::ffi::OsString;

/// The largest `--chunk` accepted: the library's cap on a read.
pub const MAX_CHUNK: usize = 16 * 1024 * 1024;

pub const USAGE: &str = "\
usage: anthropic-sse [--final | --events | --sdk-events | --frames | --text | --to sse|jsonl] [--format sse|bedrock|json]
                     [--chunk N] [--request-id ID] [--trailing-strings] [--] [FILE | -]

Decode an Anthropic Messages API stream: server-sent events (the API, Vertex AI), an Amazon Bedrock body
(AWS event stream), or JSON events one per line.

  FILE            the recorded stream; \"-\": standard input. Omitted: standard input when it is a pipe, a
                  file or a socket, else (a terminal) an embedded sample stream
  --final         (default) one JSON object: the final message, as the official Python SDK's
                  get_final_message() gives it; on a failure after message_start, the message so far
  --events        JSON Lines, one per typed event in arrival order (ping and unknown types included)
  --sdk-events    JSON Lines, one per item of the official SDK's stream iteration: the raw events (ping
                  skipped), each delta followed by its helper event with its snapshot ({\"type\":\"text\",
                  \"text\", \"snapshot\"}, {\"type\":\"input_json\", ...}), content_block_stop with the block,
                  message_stop with the message (a snapshot per delta: the output grows with the text squared)
  --frames        JSON Lines, one per frame of the wire: for SSE {\"event\", \"data\", \"id\"} plus \"retry\"
                  when set; for Bedrock {\"headers\": {NAME: VALUE}, \"payload\"} (the payload as a string
                  when it is UTF-8, else {\"base64\": ...}); for JSON events each event as it came
  --format F      how to read the input: sse, bedrock or json (JSON events, one per line). Default:
                  detected from its first bytes (an AWS event-stream prelude whose CRC checks: bedrock;
                  a first `{` after whitespace and a byte order mark, if any: json, or one JSON document
                  such as an error body; else sse)
  --text          the text of the text deltas, written as they arrive, and a newline at the end
  --to sse        the stream again as the first-party API's SSE (event: NAME, data: JSON, a blank line), from
                  any input: a Bedrock body or JSON lines to SSE; an error from the stream (an error event, a
                  Bedrock exception) is written as an error event before the tool reports it, so that
                  `anthropic-sse --to sse body.bin | anthropic-sse --final` prints what --final prints
  --to jsonl      the same as JSON events one per line (read back with --format json)
  --chunk N       feed the input to the decoder in N-byte pieces, 1 to 16777216 (default: 64 KiB reads)
  --request-id ID the value of the HTTP request-id header, for error reports
  --trailing-strings
                  keep a tool-input string cut off at the end, as the Python SDK does for requests that send
                  the fine-grained-tool-streaming-2025-05-14 beta (default: drop it, as for other requests)
  -h, --help      print this help
  -V, --version   print the version

Output is written as the input is read: each read that completes events is flushed, so that
`curl ... | anthropic-sse --events | jq` is live. When the reader of the output goes away (`| head`), the
tool stops quietly.

Exit status: 0 on success; 2 on bad usage; 1 on a failure, reported on stderr as `error[KIND]: MESSAGE`
(the message does not say the kind again). KIND is, as the server wrote it:
  - for an error event or the API's error body, its type (e.g. overloaded_error, authentication_error);
  - for a Bedrock exception, its type (e.g. throttlingException);
  - for an error body of Google's front end (Vertex AI), e.g.
    {\"error\":{\"code\":429,\"message\":\"Resource exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}, its
    status, with the code in the message: `error[RESOURCE_EXHAUSTED]: HTTP 429: Resource exhausted ...`
    (api_error when the body has no status);
else one of the kinds this crate defines:
  unknown           an error event (or error body) whose data is not the API's error JSON, or names no
                    error type
  unknownException  a Bedrock exception message without an :exception-type header
  unknownError      an event-stream error message without an :error-code header
  incomplete        the stream ended before message_stop (the message so far is printed)
  protocol          the events broke the protocol (e.g. a delta for a block that does not exist)
  json              an event's data is not JSON, or a tool call's input is not (the complete message is
                    printed; the error names the block and the tool)
  limit             a line, an event, an event-stream message or a tool input grew past its limit
  corrupt           a Bedrock body whose bytes are not valid event-stream messages (a CRC that does not
                    match), or a chunk that is not base64 JSON
  io                reading the input or writing the output failed
  empty             the input is empty (or only whitespace)
  not_a_stream      the input holds no event: a complete non-streaming message, or anything else (its
                    first bytes are shown)
The library's Error::error_type() has three more, which this tool never prints: transport (the byte stream
underneath failed; here a failed read is io), stalled (no byte came for the idle timeout, which the tool
does not set) and http_NNN (a non-2xx response whose body names no error type, at a status that no API
error type stands for, e.g. http_502; the tool sees no HTTP status).
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Final,
    Events,
    SdkEvents,
    Frames,
    Text,
    /// `--to sse`.
    ToSse,
    /// `--to jsonl`.
    ToJsonl,
}

/// How to read the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sse,
    Bedrock,
    Json,
}

#[derive(Debug)]
pub enum Input {
    /// No FILE: standard input if it is a pipe, a file or a socket, else the embedded sample.
    Default,
    Stdin,
    File(OsString),
}

#[derive(Debug)]
pub struct Options {
    pub mode: Mode,
    pub chunk: Option<usize>,
    pub request_id: Option<String>,
    pub trailing_strings: bool,
    /// `None`: detected from the first bytes.
    pub format: Option<Format>,
    pub input: Input,
}

/// What the command line asks for.
pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

/// Parses the arguments (without the program name). `Err` is a one-line usage error.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut mode = None;
    let mut chunk = None;
    let mut request_id = None;
    let mut trailing_strings = false;
    let mut format = None;
    let mut input = None;
    let mut args = args.into_iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        if only_files || text == "-" || !text.starts_with('-') {
            let next = if text == "-" && !only_files { Input::Stdin } else { Input::File(arg) };
            if input.replace(next).is_some() {
                return Err("give at most one FILE (or - for standard input)".to_owned());
            }
            continue;
        }
        // `--name=value` and `--name value` alike.
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.to_owned())),
            _ => (text.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().map(|v| v.to_string_lossy().into_owned()).ok_or(format!("{name} needs {what}")),
            }
        };
        let chosen = match name.as_str() {
            "--" => {
                only_files = true;
                None
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--final" => Some(Mode::Final),
            "--events" => Some(Mode::Events),
            "--sdk-events" => Some(Mode::SdkEvents),
            "--frames" => Some(Mode::Frames),
            "--text" => Some(Mode::Text),
            "--to" => {
                let v = value("sse or jsonl")?;
                Some(match v.as_str() {
                    "sse" => Mode::ToSse,
                    "jsonl" => Mode::ToJsonl,
                    _ => return Err(format!("--to takes sse or jsonl, not {v:?}")),
                })
            }
            "--chunk" => {
                let v = value("a number of bytes")?;
                let n: usize = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_CHUNK).contains(n))
                    .ok_or(format!("--chunk takes a number of bytes from 1 to {MAX_CHUNK}, not {v:?}"))?;
                chunk = Some(n);
                None
            }
            "--request-id" => {
                request_id = Some(value("a value")?);
                None
            }
            "--format" => {
                let v = value("sse, bedrock or json")?;
                format = Some(match v.as_str() {
                    "sse" => Format::Sse,
                    "bedrock" => Format::Bedrock,
                    "json" => Format::Json,
                    _ => return Err(format!("--format takes sse, bedrock or json, not {v:?}")),
                });
                None
            }
            "--trailing-strings" => {
                trailing_strings = true;
                None
            }
            _ => return Err(format!("unknown option {text:?}")),
        };
        if inline.is_some() && !matches!(name.as_str(), "--chunk" | "--request-id" | "--format" | "--to") {
            return Err(format!("{name} takes no value"));
        }
        if let Some(m) = chosen {
            if mode.is_some_and(|old| old != m) {
                return Err("choose one of --final, --events, --sdk-events, --frames, --text, --to".to_owned());
            }
            mode = Some(m);
        }
    }
    Ok(Parsed::Run(Options {
        mode: mode.unwrap_or(Mode::Final),
        chunk,
        request_id,
        trailing_strings,
        format,
        input: input.unwrap_or(Input::Default),
    }))
}
