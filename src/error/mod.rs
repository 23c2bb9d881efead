//! Errors: one [`Error`] enum for everything that can end a stream, and [`ApiError`] for the errors the API
//! itself reports, whether as an `error` event after HTTP 200 or as a non-2xx response.

use std::fmt;

use serde_json::Value;

use crate::framing::sse::DecodeError;
use crate::model::message::Message;
use crate::text::excerpt;

/// A boxed error of the byte stream underneath (e.g. `reqwest::Error`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The message an error carries: shared, so that handing the same error out again copies nothing.
pub type PartialMessage = std::sync::Arc<Message>;

/// A shared error of the byte stream underneath: shared, so that an [`Error`] can be cloned and the first
/// error of a stream handed out again, the same, when it is asked for again.
pub type SharedError = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can end a stream early.
///
/// Errors that end a stream after `message_start` carry the message accumulated so far when they come from
/// [`EventStream::final_message`](crate::EventStream::final_message) or the
/// [`MessageAccumulator`](crate::MessageAccumulator): see [`Error::partial_message`]. Nothing the stream
/// delivered is lost. Errors can be cloned (the sources that cannot are shared), so that a stream's first
/// error is the answer every time it is asked for.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API reported an error: an `error` event after HTTP 200, or a non-2xx response.
    #[error("{error}")]
    Api {
        /// The API's error.
        error: Box<ApiError>,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// The underlying byte stream failed (network, TLS, HTTP body).
    #[error("reading the response body failed: {source}")]
    Transport {
        /// The byte stream's error.
        source: SharedError,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// An event's data was not valid JSON.
    #[error("{source}")]
    Json {
        /// Where and why.
        source: JsonError,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// The events broke the protocol (e.g. a delta for a block that does not exist).
    #[error("protocol error: {message}")]
    Protocol {
        /// What was wrong.
        message: String,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// The stream ended before `message_stop`.
    #[error("the stream ended before message_stop: {detail}")]
    Incomplete {
        /// What was seen last.
        detail: String,
        /// The message so far (`None` when no `message_start` arrived).
        partial: Option<PartialMessage>,
    },
    /// The input JSON of a tool call is not JSON (not even cut-off JSON). The rest of the stream was still
    /// read and applied: `partial` holds the complete message (or, when the stream also broke, never this
    /// error but that one, with the block marked the same way). The block keeps the input of its
    /// `content_block_start`, marked by [`ToolInput::invalid`](crate::ToolInput::invalid) with the raw text.
    #[error(
        "the input of the tool call `{name}` in content block {index} is not valid JSON: {source} (raw input: {:?}); \
         the rest of the message was read",
        excerpt(raw)
    )]
    ToolInput {
        /// Index of the content block.
        index: usize,
        /// The tool's name.
        name: String,
        /// The raw input text as received.
        raw: String,
        /// Where and why parsing failed.
        source: crate::fold::partial_json::PartialJsonError,
        /// The message, complete but for this block's input, when known.
        partial: Option<PartialMessage>,
    },
    /// A tool call's input grew past the accumulator's limit
    /// ([`MessageAccumulator::with_max_tool_input_bytes`](crate::MessageAccumulator::with_max_tool_input_bytes)).
    #[error(
        "the input of the tool call in content block {index} grew past the limit of {limit} bytes; if such input \
         is expected, raise it with `MessageAccumulator::with_max_tool_input_bytes`"
    )]
    ToolInputTooLarge {
        /// Index of the content block.
        index: usize,
        /// The limit in force.
        limit: usize,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// A line or an event exceeded the decoder's limits.
    #[error("{source}")]
    Limit {
        /// The limit and where it was exceeded.
        source: DecodeError,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
    /// Reading the input failed.
    #[error("I/O error: {source}")]
    Io {
        /// The I/O error.
        source: std::sync::Arc<std::io::Error>,
        /// The message so far, when known.
        partial: Option<PartialMessage>,
    },
}

impl Error {
    pub(crate) fn api(error: ApiError) -> Self {
        Error::Api { error: Box::new(error), partial: None }
    }

    pub(crate) fn json(source: JsonError) -> Self {
        Error::Json { source, partial: None }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Error::Protocol { message: message.into(), partial: None }
    }

    /// The error of the byte stream underneath (e.g. a `reqwest::Error`), as the adapters report it.
    pub fn transport(source: impl Into<BoxError>) -> Self {
        Error::Transport { source: SharedError::from(source.into()), partial: None }
    }

    /// A short name of the kind of error: the API error type for [`Error::Api`] (e.g. `overloaded_error`),
    /// else one of `transport`, `json`, `protocol`, `incomplete`, `limit`, `io`.
    pub fn kind(&self) -> &str {
        match self {
            Error::Api { error, .. } => error.kind().as_str(),
            Error::Transport { .. } => "transport",
            Error::Json { .. } | Error::ToolInput { .. } => "json",
            Error::Protocol { .. } => "protocol",
            Error::Incomplete { .. } => "incomplete",
            Error::Limit { .. } | Error::ToolInputTooLarge { .. } => "limit",
            Error::Io { .. } => "io",
        }
    }

    /// The API error, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether sending the request again may succeed: API errors that are retryable (see
    /// [`ApiError::is_retryable`]), transport errors, I/O errors and streams cut short.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.is_retryable(),
            Error::Transport { .. } | Error::Io { .. } | Error::Incomplete { .. } => true,
            _ => false,
        }
    }

    fn partial_slot(&mut self) -> &mut Option<PartialMessage> {
        match self {
            Error::Api { partial, .. }
            | Error::Transport { partial, .. }
            | Error::Json { partial, .. }
            | Error::ToolInput { partial, .. }
            | Error::ToolInputTooLarge { partial, .. }
            | Error::Protocol { partial, .. }
            | Error::Incomplete { partial, .. }
            | Error::Limit { partial, .. }
            | Error::Io { partial, .. } => partial,
        }
    }

    /// The message accumulated before the error, when the error came from folding a stream that had started.
    pub fn partial_message(&self) -> Option<&Message> {
        match self {
            Error::Api { partial, .. }
            | Error::Transport { partial, .. }
            | Error::Json { partial, .. }
            | Error::ToolInput { partial, .. }
            | Error::ToolInputTooLarge { partial, .. }
            | Error::Protocol { partial, .. }
            | Error::Incomplete { partial, .. }
            | Error::Limit { partial, .. }
            | Error::Io { partial, .. } => partial.as_deref(),
        }
    }

    /// Takes the message accumulated before the error out of it.
    pub fn take_partial_message(&mut self) -> Option<Message> {
        self.partial_slot()
            .take()
            .map(|m| std::sync::Arc::try_unwrap(m).unwrap_or_else(|shared| Message::clone(&shared)))
    }

    /// Attaches the message accumulated so far.
    pub fn with_partial_message(mut self, message: Option<Message>) -> Self {
        *self.partial_slot() = message.map(std::sync::Arc::new);
        self
    }
}

impl From<DecodeError> for Error {
    fn from(source: DecodeError) -> Self {
        Error::Limit { source, partial: None }
    }
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io { source: std::sync::Arc::new(source), partial: None }
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
    offset: usize,
    excerpt: String,
    source: std::sync::Arc<serde_json::Error>,
}

impl JsonError {
    pub(crate) fn new(event: &str, data: &str, source: serde_json::Error) -> Self {
        let offset = byte_offset(data, source.line(), source.column());
        let start = data.floor_char_boundary_compat(offset.saturating_sub(30));
        JsonError { event: event.to_owned(), offset, excerpt: excerpt(&data[start..]), source: source.into() }
    }

    /// The SSE event name of the frame.
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

/// The type of an API error (`error.type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request was malformed.
    InvalidRequest,
    /// 401: the API key is missing or wrong.
    Authentication,
    /// 402: a billing problem.
    Billing,
    /// 403: the key may not use this resource.
    Permission,
    /// 404: no such resource.
    NotFound,
    /// 413: the request is too large.
    RequestTooLarge,
    /// 429: rate limited.
    RateLimit,
    /// 500: an unexpected error inside the API.
    Api,
    /// 504: the request timed out.
    Timeout,
    /// 529: the API is temporarily overloaded.
    Overloaded,
    /// A type this version does not know (e.g. `conflict_error`), as sent; `unknown` when the error carried
    /// no type at all.
    Other(String),
}

impl ApiErrorKind {
    /// The type as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorKind::InvalidRequest => "invalid_request_error",
            ApiErrorKind::Authentication => "authentication_error",
            ApiErrorKind::Billing => "billing_error",
            ApiErrorKind::Permission => "permission_error",
            ApiErrorKind::NotFound => "not_found_error",
            ApiErrorKind::RequestTooLarge => "request_too_large",
            ApiErrorKind::RateLimit => "rate_limit_error",
            ApiErrorKind::Api => "api_error",
            ApiErrorKind::Timeout => "timeout_error",
            ApiErrorKind::Overloaded => "overloaded_error",
            ApiErrorKind::Other(s) => s,
        }
    }

    /// The HTTP status this type stands for when it comes as a normal response.
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            ApiErrorKind::InvalidRequest => 400,
            ApiErrorKind::Authentication => 401,
            ApiErrorKind::Billing => 402,
            ApiErrorKind::Permission => 403,
            ApiErrorKind::NotFound => 404,
            ApiErrorKind::RequestTooLarge => 413,
            ApiErrorKind::RateLimit => 429,
            ApiErrorKind::Api => 500,
            ApiErrorKind::Timeout => 504,
            ApiErrorKind::Overloaded => 529,
            ApiErrorKind::Other(_) => return None,
        })
    }

    /// The kind a status stands for, for responses whose body names no type.
    fn from_status(status: u16) -> Self {
        match status {
            400 => ApiErrorKind::InvalidRequest,
            401 => ApiErrorKind::Authentication,
            402 => ApiErrorKind::Billing,
            403 => ApiErrorKind::Permission,
            404 => ApiErrorKind::NotFound,
            413 => ApiErrorKind::RequestTooLarge,
            429 => ApiErrorKind::RateLimit,
            500 => ApiErrorKind::Api,
            504 => ApiErrorKind::Timeout,
            529 => ApiErrorKind::Overloaded,
            _ => ApiErrorKind::Other(format!("http_{status}")),
        }
    }
}

impl From<&str> for ApiErrorKind {
    fn from(s: &str) -> Self {
        match s {
            "invalid_request_error" => ApiErrorKind::InvalidRequest,
            "authentication_error" => ApiErrorKind::Authentication,
            "billing_error" => ApiErrorKind::Billing,
            "permission_error" => ApiErrorKind::Permission,
            "not_found_error" => ApiErrorKind::NotFound,
            "request_too_large" => ApiErrorKind::RequestTooLarge,
            "rate_limit_error" => ApiErrorKind::RateLimit,
            "api_error" => ApiErrorKind::Api,
            "timeout_error" => ApiErrorKind::Timeout,
            "overloaded_error" => ApiErrorKind::Overloaded,
            other => ApiErrorKind::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error reported by the API: after HTTP 200 as an `error` event, or as a non-2xx response.
///
/// ```
/// use anthropic_sse::{ApiError, ApiErrorKind};
/// let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#;
/// let err = ApiError::from_event_data(body, None);
/// assert_eq!(err.kind(), &ApiErrorKind::Overloaded);
/// assert_eq!(err.status(), Some(529));
/// assert!(err.is_retryable());
/// assert_eq!(err.to_string(), "overloaded_error: Overloaded (request_id req_1)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    kind: ApiErrorKind,
    message: String,
    details: Option<Value>,
    request_id: Option<String>,
    http_status: Option<u16>,
    body: Option<Value>,
}

impl ApiError {
    /// The error of an `error` event, from its data. `request_id` is the value of the HTTP `request-id`
    /// response header when the caller has it; otherwise the body's `request_id` is used. Data that is empty
    /// or not the documented JSON still gives an error (of kind `unknown`, the data as its message).
    pub fn from_event_data(data: &[u8], request_id: Option<&str>) -> Self {
        let mut error = Self::from_body(data, None);
        if let Some(id) = request_id {
            error.request_id = Some(id.to_owned());
        }
        error
    }

    /// The error of a non-2xx HTTP response: its status, its `request-id` header (if any) and its body.
    /// Parses the documented error JSON; for any other body (an HTML page from a proxy, an empty body) the
    /// error keeps the status, takes its kind from the status, and its message from the start of the body.
    ///
    /// ```
    /// use anthropic_sse::{ApiError, ApiErrorKind};
    /// let err = ApiError::from_response(502, Some("req_9"), b"<html>Bad Gateway</html>");
    /// assert_eq!(err.http_status(), Some(502));
    /// assert_eq!(err.request_id(), Some("req_9"));
    /// assert!(err.message().contains("Bad Gateway"));
    /// ```
    pub fn from_response(status: u16, request_id: Option<&str>, body: &[u8]) -> Self {
        let mut error = Self::from_body(body, Some(status));
        error.http_status = Some(status);
        if let Some(id) = request_id {
            error.request_id = Some(id.to_owned());
        }
        error
    }

    fn from_body(body: &[u8], status: Option<u16>) -> Self {
        let fallback_kind =
            || status.map_or_else(|| ApiErrorKind::Other("unknown".to_owned()), ApiErrorKind::from_status);
        if let Some(parts) = ErrorBodyParts::read(body) {
            return ApiError {
                kind: parts.kind.map_or_else(fallback_kind, |kind| ApiErrorKind::from(kind.as_str())),
                message: parts.message.unwrap_or_default(),
                details: parts.details,
                request_id: parts.request_id,
                http_status: status,
                // The whole body as a tree, when serde_json can build one (not past its nesting limit).
                body: body_tree(body),
            };
        }
        // Only the start of the body is looked at for the message: it is for people, and the body may be big.
        const SHOWN: usize = 4096;
        let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]);
        let text = text.trim();
        let message = if text.is_empty() {
            match status {
                Some(s) => format!("HTTP {s} with an empty body"),
                None => "an error event with empty data".to_owned(),
            }
        } else {
            let shown = excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "));
            match status {
                Some(s) => format!("HTTP {s} with a body that is not the API's error JSON: {shown}"),
                None => format!("an error event whose data is not the API's error JSON: {shown}"),
            }
        };
        let body = body_tree(body);
        ApiError { kind: fallback_kind(), message, details: None, request_id: None, http_status: status, body }
    }

    /// The error type.
    pub fn kind(&self) -> &ApiErrorKind {
        &self.kind
    }

    /// The API's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's `details`, when the API sent any (of at most [`MAX_ERROR_BODY`] bytes).
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }

    /// The request id: the `request-id` header's value if the caller passed it, else the body's.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the response, for errors made from a non-2xx response.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The HTTP status this error stands for: the response's status, or for an error event after HTTP 200,
    /// the status its type stands for (429 for `rate_limit_error`, 529 for `overloaded_error`, ...).
    pub fn status(&self) -> Option<u16> {
        self.http_status.or_else(|| self.kind.status())
    }

    /// Whether retrying the request makes sense: statuses 429, 500, 504 and 529.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status(), Some(429 | 500 | 504 | 529))
    }

    /// The whole error body as JSON, when it was JSON of at most [`MAX_ERROR_BODY`] bytes.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// Sets the request id (e.g. from the `request-id` response header).
    pub fn set_request_id(&mut self, request_id: impl Into<String>) {
        self.request_id = Some(request_id.into());
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The most of an error body that [`ApiError`] builds into a tree for [`ApiError::body`]: 1 MiB. The API's
/// error bodies are a few hundred bytes; a larger one keeps its type, message and request id, and an excerpt
/// of the rest, but is not built (a tree of small JSON values costs many times the bytes).
pub const MAX_ERROR_BODY: usize = 1 << 20;

fn body_tree(body: &[u8]) -> Option<Value> {
    if body.len() > MAX_ERROR_BODY {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// The parts of the API's error JSON (`{"type":"error","error":{"type":..,"message":..},"request_id":..}`),
/// read without building the rest, so that neither the body's size nor its nesting can lose the error's type.
struct ErrorBodyParts {
    kind: Option<String>,
    message: Option<String>,
    details: Option<Value>,
    request_id: Option<String>,
}

impl ErrorBodyParts {
    /// `None` when `body` is not a JSON object with an object `error`.
    fn read(body: &[u8]) -> Option<ErrorBodyParts> {
        use serde_json::value::RawValue;
        #[derive(serde::Deserialize)]
        struct Body<'a> {
            #[serde(borrow, default)]
            error: Option<&'a RawValue>,
            #[serde(borrow, default)]
            request_id: Option<&'a RawValue>,
        }
        #[derive(serde::Deserialize)]
        struct ErrorObject<'a> {
            #[serde(rename = "type", borrow, default)]
            kind: Option<&'a RawValue>,
            #[serde(borrow, default)]
            message: Option<&'a RawValue>,
            #[serde(borrow, default)]
            details: Option<&'a RawValue>,
        }
        fn string(raw: Option<&RawValue>) -> Option<String> {
            serde_json::from_str(raw?.get()).ok()
        }
        let root: Body<'_> = serde_json::from_slice(body).ok()?;
        let error: ErrorObject<'_> = serde_json::from_str(root.error?.get()).ok()?;
        Some(ErrorBodyParts {
            kind: string(error.kind),
            message: string(error.message),
            details: error.details.and_then(|d| body_tree(d.get().as_bytes())).filter(|d| !d.is_null()),
            request_id: string(root.request_id),
        })
    }
}
