//! [`Error`]: everything that can end a stream, and its [`ErrorKind`].

use std::fmt;
use std::sync::Arc;

use super::api::ApiError;
use crate::limits::LimitError;
use crate::model::message::Message;
use crate::partial_json::tool_input::ToolInputError;
use crate::text::excerpt;

/// A boxed error of the byte stream underneath (e.g. `reqwest::Error`).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The message an error carries: shared, so that handing the same error out again copies nothing.
pub(crate) type PartialMessage = Arc<Message>;

/// A shared error of the byte stream underneath: shared, so that an [`Error`] can be cloned and the first
/// error of a stream handed out again, the same, when it is asked for again.
pub(crate) type SharedError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can end a stream early: what went wrong ([`kind`](Self::kind) and the typed
/// accessors), and the message so far.
///
/// Errors that end a stream after `message_start` carry the message accumulated so far (see
/// [`Error::partial_message`]): nothing the stream delivered is lost. Errors can be cloned (the sources that
/// cannot are shared), so that a stream's first error is the answer every time it is asked for.
///
/// ```
/// use anthropic_sse::{error::ErrorKind, BlockingEvents};
///
/// let body = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
/// let err = BlockingEvents::new(&body[..]).final_message().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Api);
/// assert_eq!(err.api_error().map(|e| e.status()), Some(Some(529)));
/// assert!(err.should_retry());
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: Kind,
    partial: Option<PartialMessage>,
    /// The response's request ids (`request-id`, `x-amzn-requestid`), for an error that is not an API error
    /// (which keeps its own).
    ids: Option<Box<RequestIds>>,
}

/// A response's request ids.
#[derive(Debug, Clone, Default)]
struct RequestIds {
    anthropic: Option<String>,
    aws: Option<String>,
}

/// What went wrong; private, so that it can grow. Callers see it through [`ErrorKind`] and the accessors.
#[derive(Debug, Clone)]
enum Kind {
    Api(ApiError),
    Transport(SharedError),
    Json(JsonError),
    Protocol(String),
    Incomplete(String),
    ToolInput(ToolInputError),
    Limit(LimitError),
    Corrupt(CorruptError),
    // Made by the HTTP edge only.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    NotAStream {
        detail: String,
        body: Option<bytes::Bytes>,
    },
    // Made by the stall watchdog, which needs tokio's timer.
    #[cfg(feature = "tokio")]
    Stalled {
        waited: std::time::Duration,
        delivered: bool,
    },
    Io(Arc<std::io::Error>),
}

/// The kind of an [`Error`] ([`Error::kind`]), for deciding what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API reported an error: an `error` event after HTTP 200, or a non-2xx response
    /// ([`Error::api_error`]).
    Api,
    /// The byte stream underneath failed (network, TLS, HTTP body).
    Transport,
    /// JSON that is not JSON: an event's data ([`Error::json_error`]), or a tool call's input
    /// ([`Error::tool_input_error`]).
    Json,
    /// The events broke the protocol (e.g. a delta for a block that does not exist).
    Protocol,
    /// The stream ended before `message_stop`.
    Incomplete,
    /// A [`Limits`](crate::Limits) bound was exceeded ([`Error::limit_error`]).
    Limit,
    /// The bytes are not a valid frame of their wire format (e.g. an AWS event-stream message whose CRC does
    /// not match) ([`Error::corrupt_error`]).
    Corrupt,
    /// What arrived is not a stream: an HTTP response whose content type is neither SSE nor an AWS event
    /// stream (e.g. a whole JSON message: the request did not ask to stream).
    NotAStream,
    /// No byte arrived for the idle timeout ([`Events::with_idle_timeout`](crate::Events::with_idle_timeout)): the
    /// stream stalled ([`Error::content_delivered`] says whether content had been delivered).
    Stalled,
    /// Reading the input failed.
    Io,
}

impl ErrorKind {
    /// The kind's name: `api`, `transport`, `json`, `protocol`, `incomplete`, `limit`, `corrupt`,
    /// `not_a_stream`, `stalled`, `io` (for an API error, [`Error::error_type`] gives the server's type).
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::Api => "api",
            ErrorKind::Transport => "transport",
            ErrorKind::Json => "json",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::Limit => "limit",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::NotAStream => "not_a_stream",
            ErrorKind::Stalled => "stalled",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bytes that are not a valid frame of their wire format: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptError {
    offset: u64,
    detail: String,
}

impl CorruptError {
    /// Where the bad frame starts in the stream, in bytes.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What is wrong, in words.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for CorruptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.detail)
    }
}

impl std::error::Error for CorruptError {}

impl Error {
    fn new(kind: Kind) -> Self {
        Error { inner: Box::new(Inner { kind, partial: None, ids: None }) }
    }

    pub(crate) fn api(error: ApiError) -> Self {
        Self::new(Kind::Api(error))
    }

    pub(crate) fn json(source: JsonError) -> Self {
        Self::new(Kind::Json(source))
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(Kind::Protocol(message.into()))
    }

    pub(crate) fn corrupt(offset: u64, detail: impl Into<String>) -> Self {
        Self::new(Kind::Corrupt(CorruptError { offset, detail: detail.into() }))
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn not_a_stream(detail: impl Into<String>) -> Self {
        Self::new(Kind::NotAStream { detail: detail.into(), body: None })
    }

    /// A body that is not a stream, kept for [`response_body`](Self::response_body).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn not_a_stream_with_body(detail: impl Into<String>, body: bytes::Bytes) -> Self {
        Self::new(Kind::NotAStream { detail: detail.into(), body: Some(body) })
    }

    #[cfg(feature = "tokio")]
    pub(crate) fn stalled(waited: std::time::Duration, delivered: bool) -> Self {
        Self::new(Kind::Stalled { waited, delivered })
    }

    /// Whether content had been delivered before the error (a content block had started): a retry then bills
    /// that output again. Worth knowing before retrying a stream cut short or stalled.
    pub fn content_delivered(&self) -> bool {
        match &self.inner.kind {
            #[cfg(feature = "tokio")]
            Kind::Stalled { delivered, .. } => *delivered,
            _ => self.partial_message().is_some_and(|m| !m.content.is_empty()),
        }
    }

    pub(crate) fn incomplete(detail: impl Into<String>) -> Self {
        Self::new(Kind::Incomplete(detail.into()))
    }

    pub(crate) fn tool_input(error: ToolInputError) -> Self {
        Self::new(Kind::ToolInput(error))
    }

    /// The error of the byte stream underneath (e.g. a `reqwest::Error`), as the adapters report it.
    pub fn transport(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::new(Kind::Transport(SharedError::from(source.into())))
    }

    /// What kind of error this is, for deciding what to do about it.
    pub fn kind(&self) -> ErrorKind {
        match &self.inner.kind {
            Kind::Api(_) => ErrorKind::Api,
            Kind::Transport(_) => ErrorKind::Transport,
            Kind::Json(_) | Kind::ToolInput(_) => ErrorKind::Json,
            Kind::Protocol(_) => ErrorKind::Protocol,
            Kind::Incomplete(_) => ErrorKind::Incomplete,
            Kind::Limit(_) => ErrorKind::Limit,
            Kind::Corrupt(_) => ErrorKind::Corrupt,
            Kind::NotAStream { .. } => ErrorKind::NotAStream,
            #[cfg(feature = "tokio")]
            Kind::Stalled { .. } => ErrorKind::Stalled,
            Kind::Io(_) => ErrorKind::Io,
        }
    }

    /// A short name of the kind of error: the API error type for an API error (e.g. `overloaded_error`, as
    /// the server wrote it; Bedrock's exception type, e.g. `throttlingException`; or one this crate names:
    /// `unknown` for error data that is not the API's error JSON or names no type, `http_NNN` for a non-2xx
    /// response whose body names no type at a status no API type stands for, `unknownException` and
    /// `unknownError` for a Bedrock exception or error message without its type header), else one of
    /// `transport`, `json`, `protocol`, `incomplete`, `limit`, `corrupt`, `not_a_stream`, `stalled`, `io` (the
    /// kind's name). The README's table says what each means.
    pub fn error_type(&self) -> &str {
        match &self.inner.kind {
            Kind::Api(error) => error.error_type(),
            _ => self.kind().as_str(),
        }
    }

    /// The API error, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.inner.kind {
            Kind::Api(error) => Some(error),
            _ => None,
        }
    }

    pub(crate) fn api_error_mut(&mut self) -> Option<&mut ApiError> {
        match &mut self.inner.kind {
            Kind::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Where an event's JSON broke, if that is the error.
    pub fn json_error(&self) -> Option<&JsonError> {
        match &self.inner.kind {
            Kind::Json(error) => Some(error),
            _ => None,
        }
    }

    /// The tool call whose input is not JSON, if that is the error.
    pub fn tool_input_error(&self) -> Option<&ToolInputError> {
        match &self.inner.kind {
            Kind::ToolInput(error) => Some(error),
            _ => None,
        }
    }

    /// The limit exceeded, if that is the error.
    pub fn limit_error(&self) -> Option<&LimitError> {
        match &self.inner.kind {
            Kind::Limit(error) => Some(error),
            _ => None,
        }
    }

    /// The corrupt frame, if that is the error.
    pub fn corrupt_error(&self) -> Option<&CorruptError> {
        match &self.inner.kind {
            Kind::Corrupt(error) => Some(error),
            _ => None,
        }
    }

    /// The I/O error, if that is the error.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match &self.inner.kind {
            Kind::Io(error) => Some(error),
            _ => None,
        }
    }

    /// The byte stream's error, if that is the error (shared: every clone of this error holds the same one).
    pub fn transport_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match &self.inner.kind {
            Kind::Transport(error) => Some(&**error),
            _ => None,
        }
    }

    /// The request id of the response the error came from, whatever the error (an API error, a stall, a
    /// transport failure, a limit, a body that is not a stream): `x-amzn-requestid` when the response had one
    /// (Bedrock, Claude Platform on AWS), else `request-id` (or an error body's `request_id`). The error's
    /// `Display` shows this id.
    pub fn request_id(&self) -> Option<&str> {
        match (&self.inner.kind, &self.inner.ids) {
            (Kind::Api(api), _) => api.request_id(),
            (_, Some(ids)) => ids.aws.as_deref().or(ids.anthropic.as_deref()),
            _ => None,
        }
    }

    /// Sets the response's request ids (an API error takes them into its own).
    pub(crate) fn set_request_ids(&mut self, anthropic: Option<&str>, aws: Option<&str>) {
        if anthropic.is_none() && aws.is_none() {
            return;
        }
        if let Some(api) = self.api_error_mut() {
            if let Some(id) = anthropic {
                api.set_request_id(id.to_owned());
            }
            if let Some(id) = aws {
                api.set_aws_request_id(id.to_owned());
            }
            return;
        }
        let ids = self.inner.ids.get_or_insert_with(Default::default);
        if let Some(id) = anthropic {
            ids.anthropic = Some(id.to_owned());
        }
        if let Some(id) = aws {
            ids.aws = Some(id.to_owned());
        }
    }

    /// The body of a 2xx response that was not a stream (a JSON body that is not a message), as far as it was
    /// read (up to [`Limits::max_event_bytes`](crate::Limits::max_event_bytes)): nothing is lost.
    pub fn response_body(&self) -> Option<&[u8]> {
        match &self.inner.kind {
            Kind::NotAStream { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// How long no byte had arrived, for a [`Stalled`](ErrorKind::Stalled) error.
    pub fn stalled_for(&self) -> Option<std::time::Duration> {
        match &self.inner.kind {
            #[cfg(feature = "tokio")]
            Kind::Stalled { waited, .. } => Some(*waited),
            _ => None,
        }
    }

    /// The message accumulated before the error, when the error came from folding a stream that had started.
    pub fn partial_message(&self) -> Option<&Message> {
        self.inner.partial.as_deref()
    }

    /// Takes the message accumulated before the error out of it.
    pub fn take_partial_message(&mut self) -> Option<Message> {
        self.inner.partial.take().map(|m| Arc::try_unwrap(m).unwrap_or_else(|shared| Message::clone(&shared)))
    }

    /// Attaches the message accumulated so far.
    pub fn with_partial_message(mut self, message: Option<Message>) -> Self {
        self.inner.partial = message.map(Arc::new);
        self
    }
}

/// What went wrong, in words that do not restate the kind, so that a report that prints [`Error::error_type`] beside
/// it (as the command-line tool does: `error[protocol]: content_block_delta for index 5, ...`) says the kind
/// once; each reads on its own (`the input ended without message_stop`, `no byte arrived for 30.0 s; ...`,
/// `at byte 12: the message's CRC does not match: ...`). An API error displays as [`ApiError`] does, its type
/// and its message (`overloaded_error: Overloaded`): beside the kind, print [`ApiError::message`].
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_kind(f)?;
        match (&self.inner.kind, self.request_id()) {
            (Kind::Api(_), _) | (_, None) => Ok(()),
            (_, Some(id)) => write!(f, " (request_id {id})"),
        }
    }
}

impl Error {
    fn fmt_kind(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.kind {
            Kind::Api(error) => write!(f, "{error}"),
            Kind::Transport(source) => write!(f, "reading the response body failed: {source}"),
            Kind::Json(source) => write!(f, "{source}"),
            Kind::Protocol(message) => f.write_str(message),
            Kind::Incomplete(detail) => f.write_str(detail),
            Kind::ToolInput(error) => write!(f, "{error}"),
            Kind::Limit(source) => write!(f, "{source}"),
            Kind::Corrupt(source) => write!(f, "{source}"),
            Kind::NotAStream { detail, .. } => f.write_str(detail),
            #[cfg(feature = "tokio")]
            Kind::Stalled { waited, delivered } => write!(
                f,
                "no byte arrived for {:.1} s{}",
                waited.as_secs_f64(),
                if *delivered {
                    "; content had been delivered (a retry bills that output again)"
                } else {
                    "; no content had been delivered yet"
                }
            ),
            Kind::Io(source) => write!(f, "reading the input failed: {source}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message so far can be large: it is summed up, not printed.
        let partial =
            self.inner.partial.as_ref().map(|m| format!("Message {{ id: {:?}, {} blocks }}", m.id, m.content.len()));
        f.debug_struct("Error").field("kind", &self.inner.kind).field("partial", &partial).finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            Kind::Transport(source) => Some(&**source),
            Kind::Json(source) => Some(source),
            Kind::ToolInput(error) => Some(error.parse_error()),
            Kind::Limit(source) => Some(source),
            Kind::Corrupt(source) => Some(source),
            Kind::Io(source) => Some(&**source),
            Kind::Api(_) | Kind::Protocol(_) | Kind::Incomplete(_) | Kind::NotAStream { .. } => None,
            #[cfg(feature = "tokio")]
            Kind::Stalled { .. } => None,
        }
    }
}

impl From<LimitError> for Error {
    fn from(source: LimitError) -> Self {
        Self::new(Kind::Limit(source))
    }
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Self::new(Kind::Io(Arc::new(source)))
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::api(error)
    }
}

/// An event's data that is not valid JSON: which event, where, and what was there.
#[derive(Debug, Clone)]
pub struct JsonError {
    event: String,
    /// The line of newline-delimited JSON the event was on, for that framing.
    line: Option<u64>,
    offset: usize,
    excerpt: String,
    source: std::sync::Arc<serde_json::Error>,
}

impl JsonError {
    pub(crate) fn new(event: &str, data: &str, source: serde_json::Error) -> Self {
        let offset = byte_offset(data, source.line(), source.column());
        let start = data.floor_char_boundary_compat(offset.saturating_sub(30));
        JsonError {
            event: event.to_owned(),
            line: None,
            offset,
            excerpt: excerpt(&data[start..]),
            source: source.into(),
        }
    }

    /// The error of line `line` of newline-delimited JSON.
    pub(crate) fn on_line(line: u64, data: &str, source: serde_json::Error) -> Self {
        JsonError { line: Some(line), ..Self::new("", data, source) }
    }

    /// The line of newline-delimited JSON the event was on, when it came that way.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The SSE event name of the frame (empty for an event that had none, e.g. a JSON line).
    pub fn event(&self) -> &str {
        &self.event
    }

    /// Byte offset in the event's data where parsing failed.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The data around the failure.
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            // serde_json's own position counts lines of the line: only its reason is said.
            let reason = self.source.to_string();
            let reason = reason.split(" at line ").next().unwrap_or_default();
            return write!(
                f,
                "line {line} is not one complete JSON value: {reason} at byte {} of the line (near {:?})",
                self.offset, self.excerpt
            );
        }
        write!(
            f,
            "invalid JSON in the data of a {:?} event at byte {}: {} (near {:?})",
            self.event, self.offset, self.source, self.excerpt
        )
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// serde_json reports line and column (1-based, column in bytes); turns them into a byte offset.
fn byte_offset(data: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in data.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(data.len());
        }
        offset += l.len();
    }
    data.len()
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        index = index.min(self.len());
        while !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}
