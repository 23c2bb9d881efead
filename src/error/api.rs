//! [`ApiError`]: the errors the API itself reports, as an `error` event after HTTP 200 or as a non-2xx
//! response, with the kinds of error in one table.

use std::fmt;

use serde_json::Value;

use super::retry_after::{RetryAfter, RetryHeaders, status_says_retry};
use crate::text::excerpt;

/// The type of an API error (`error.type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub(crate) enum ApiErrorKind {
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
    /// 409: a conflict (e.g. a lock timeout); worth retrying.
    Conflict,
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

/// The one table of the API's error types: each known kind, its name on the wire, and the HTTP status it
/// stands for.
const KINDS: [(ApiErrorKind, &str, u16); 11] = [
    (ApiErrorKind::InvalidRequest, "invalid_request_error", 400),
    (ApiErrorKind::Authentication, "authentication_error", 401),
    (ApiErrorKind::Billing, "billing_error", 402),
    (ApiErrorKind::Permission, "permission_error", 403),
    (ApiErrorKind::NotFound, "not_found_error", 404),
    (ApiErrorKind::Conflict, "conflict_error", 409),
    (ApiErrorKind::RequestTooLarge, "request_too_large", 413),
    (ApiErrorKind::RateLimit, "rate_limit_error", 429),
    (ApiErrorKind::Api, "api_error", 500),
    (ApiErrorKind::Timeout, "timeout_error", 504),
    (ApiErrorKind::Overloaded, "overloaded_error", 529),
];

/// Amazon Bedrock's exceptions, as `:exception-type` names them, and the HTTP status each stands for.
const BEDROCK_EXCEPTIONS: [(&str, u16); 6] = [
    ("throttlingException", 429),
    ("serviceUnavailableException", 503),
    ("internalServerException", 500),
    ("modelTimeoutException", 408),
    ("validationException", 400),
    ("modelStreamErrorException", 424),
];

impl ApiErrorKind {
    fn entry(&self) -> Option<&'static (ApiErrorKind, &'static str, u16)> {
        KINDS.iter().find(|(kind, ..)| kind == self)
    }

    /// The type as the API spells it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            ApiErrorKind::Other(s) => s,
            known => known.entry().map_or("", |(_, name, _)| name),
        }
    }

    /// The HTTP status this type stands for when it comes as a normal response (for a Bedrock exception, the
    /// status Bedrock gives it: 429 for `throttlingException`, 503, 500, 408, 400, 424).
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ApiErrorKind::Other(name) => {
                BEDROCK_EXCEPTIONS.iter().find(|(known, _)| known == name).map(|(_, status)| *status)
            }
            known => known.entry().map(|(_, _, status)| *status),
        }
    }

    /// The kind a status stands for, for responses whose body names no type.
    pub(crate) fn from_status(status: u16) -> Self {
        KINDS
            .iter()
            .find(|(_, _, s)| *s == status)
            .map_or_else(|| ApiErrorKind::Other(format!("http_{status}")), |(kind, ..)| kind.clone())
    }
}

impl From<&str> for ApiErrorKind {
    fn from(s: &str) -> Self {
        KINDS
            .iter()
            .find(|(_, name, _)| *name == s)
            .map_or_else(|| ApiErrorKind::Other(s.to_owned()), |(kind, ..)| kind.clone())
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
/// use anthropic_sse::ApiError;
/// let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#;
/// let err = ApiError::from_event_data(body, None);
/// assert_eq!(err.error_type(), "overloaded_error");
/// assert_eq!(err.status(), Some(529));
/// assert!(err.should_retry());
/// assert_eq!(err.to_string(), "overloaded_error: Overloaded (request_id req_1)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    kind: ApiErrorKind,
    message: String,
    details: Option<Value>,
    request_id: Option<String>,
    /// `x-amzn-requestid` (Bedrock; Claude Platform on AWS sends it beside `request-id`, as the primary id).
    aws_request_id: Option<String>,
    http_status: Option<u16>,
    body: Option<Value>,
    retry: RetryHeaders,
    /// The body stopped before its end (a stall or a broken connection): the error is built from what arrived.
    body_cut_short: bool,
}

impl ApiError {
    /// The error of an `error` event, from its data. `request_id` is the value of the HTTP `request-id`
    /// response header when the caller has it; otherwise the body's `request_id` is used. Data that is empty
    /// or not the documented JSON still gives an error (of type `unknown`, the data as its message).
    pub fn from_event_data(data: &[u8], request_id: Option<&str>) -> Self {
        let mut error = Self::from_body(data, None);
        if let Some(id) = request_id {
            error.request_id = Some(id.to_owned());
        }
        error
    }

    /// The error of a non-2xx HTTP response: its status, its `request-id` header (if any) and its body.
    /// Parses the documented error JSON; for any other body (an HTML page from a proxy, an empty body) the
    /// error keeps the status, takes its type from the status, and its message from the start of the body.
    ///
    /// ```
    /// use anthropic_sse::ApiError;
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

    /// [`from_response`](Self::from_response) with the response's headers (name, value; names compared without
    /// case): the request ids (`request-id`, and `x-amzn-requestid`, which is the primary one when present) and
    /// what the server said about retrying (`x-should-retry`, `retry-after-ms`, `retry-after`; see
    /// [`should_retry`](Self::should_retry) and [`retry_after`](Self::retry_after)).
    ///
    /// ```
    /// use anthropic_sse::ApiError;
    /// let headers = [("request-id", "req_1"), ("x-should-retry", "false"), ("retry-after", "3")];
    /// let err = ApiError::from_response_with_headers(503, headers, b"<html>Service Unavailable</html>");
    /// assert_eq!(err.request_id(), Some("req_1"));
    /// assert!(!err.should_retry(), "the server said not to, whatever the status");
    /// ```
    pub fn from_response_with_headers<'a>(
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
        body: &[u8],
    ) -> Self {
        let header = |wanted: &str| {
            headers.clone().into_iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, value)| value)
        };
        let mut error = Self::from_response(status, header("request-id"), body);
        error.aws_request_id = header("x-amzn-requestid").map(str::to_owned);
        error.retry = RetryHeaders::read(headers);
        error
    }

    /// The error of an Amazon Bedrock `exception` message: its type ([`error_type`](Self::error_type)) is the `:exception-type` as the wire has it
    /// (`throttlingException`, `serviceUnavailableException`, `internalServerException`,
    /// `modelTimeoutException`, `validationException`, `modelStreamErrorException`, or any other), its message
    /// the payload's `message`, its status the one Bedrock gives the type. For `modelStreamErrorException`,
    /// the model's own `originalStatusCode` and `originalMessage` are kept in [`details`](Self::details) and
    /// said in the message.
    pub fn from_bedrock_exception(exception_type: Option<&str>, payload: &[u8]) -> Self {
        let kind = exception_type.unwrap_or("unknownException");
        let body: Option<Value> = body_tree(payload);
        let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).cloned();
        let mut text = field("message").and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_else(|| {
            let shown = String::from_utf8_lossy(&payload[..payload.len().min(4096)]).into_owned();
            excerpt(shown.trim())
        });
        let mut details = serde_json::Map::new();
        for name in ["originalStatusCode", "originalMessage"] {
            if let Some(value) = field(name) {
                details.insert(name.to_owned(), value);
            }
        }
        if let (Some(code), Some(original)) = (field("originalStatusCode"), field("originalMessage")) {
            text.push_str(&format!(" (the model's status {code}: {})", original.as_str().unwrap_or_default()));
        }
        ApiError {
            kind: ApiErrorKind::Other(kind.to_owned()),
            message: text,
            details: (!details.is_empty()).then_some(Value::Object(details)),
            request_id: None,
            aws_request_id: None,
            http_status: None,
            body,
            retry: RetryHeaders::default(),
            body_cut_short: false,
        }
    }

    /// The error of an AWS event-stream `error` message: its type is the `:error-code` header, its message
    /// the `:error-message` header.
    pub fn from_bedrock_error(error_code: Option<&str>, error_message: Option<&str>, payload: &[u8]) -> Self {
        ApiError {
            kind: ApiErrorKind::Other(error_code.unwrap_or("unknownError").to_owned()),
            message: error_message.unwrap_or("an AWS event-stream error message without :error-message").to_owned(),
            details: None,
            request_id: None,
            aws_request_id: None,
            http_status: None,
            body: body_tree(payload),
            retry: RetryHeaders::default(),
            body_cut_short: false,
        }
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
                aws_request_id: None,
                http_status: status,
                // The whole body as a tree, when serde_json can build one (not past its nesting limit).
                body: body_tree(body),
                retry: RetryHeaders::default(),
                body_cut_short: false,
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
        ApiError {
            kind: fallback_kind(),
            message,
            details: None,
            request_id: None,
            aws_request_id: None,
            http_status: status,
            body,
            retry: RetryHeaders::default(),
            body_cut_short: false,
        }
    }

    /// The error's type as the server wrote it: the API's `error.type` (e.g. `overloaded_error`,
    /// `rate_limit_error`), Bedrock's exception type (e.g. `throttlingException`), or one this crate names:
    /// `unknown` for error data that names no type, `http_NNN` for a non-2xx response whose body names no type
    /// at a status no API type stands for, `unknownException` and `unknownError` for a Bedrock exception or
    /// error message without its type header.
    pub fn error_type(&self) -> &str {
        self.kind.as_str()
    }

    /// The API's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's `details`, when the API sent any (of at most 1 MiB).
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }

    /// The request id: `x-amzn-requestid` when the response had one (Bedrock, Claude Platform on AWS), else
    /// the `request-id` header's value if the caller passed it, else the body's.
    pub fn request_id(&self) -> Option<&str> {
        self.aws_request_id.as_deref().or(self.request_id.as_deref())
    }

    /// Anthropic's request id (`request-id`, or the body's `request_id`), beside an AWS one.
    pub fn anthropic_request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The AWS request id (`x-amzn-requestid`), when there was one.
    pub fn aws_request_id(&self) -> Option<&str> {
        self.aws_request_id.as_deref()
    }

    /// Sets the AWS request id (the `x-amzn-requestid` response header).
    pub(crate) fn set_aws_request_id(&mut self, request_id: impl Into<String>) {
        self.aws_request_id = Some(request_id.into());
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

    /// Whether retrying the request makes sense, by the official Python SDK's rule: the response's
    /// `x-should-retry` header when it said `true` or `false`; else the status it stands for: 408, 409, 429 and
    /// every status from 500 (`overloaded_error`, `rate_limit_error`, `api_error`, `timeout_error`,
    /// `conflict_error`, a proxy's 502, Bedrock's `throttlingException`); no for the other 4xx.
    pub fn should_retry(&self) -> bool {
        self.retry.should_retry.unwrap_or_else(|| self.status().is_some_and(status_says_retry))
    }

    /// How long the server asked to wait before a retry (`retry-after-ms`, else `retry-after` in seconds or
    /// as an HTTP date), read as the Python SDK reads them. [`RetryPolicy`](super::RetryPolicy) turns it into
    /// a wait.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.retry.after
    }

    /// The `error` event that stands for this error, as the API writes one mid-stream, on one line:
    /// `{"type":"error","error":{"type":..,"message":..}}` (and the `request_id` the body had). For a gateway or
    /// a transcoder that re-emits a stream: an error that arrived as a Bedrock exception or a non-2xx response
    /// reads back as the same error (type, message, status and retry advice).
    ///
    /// ```
    /// use anthropic_sse::ApiError;
    /// let error = ApiError::from_bedrock_exception(Some("throttlingException"), br#"{"message":"Too many requests"}"#);
    /// let json = error.to_event_json();
    /// assert_eq!(json, r#"{"type":"error","error":{"type":"throttlingException","message":"Too many requests"}}"#);
    /// let again = ApiError::from_event_data(json.as_bytes(), None);
    /// assert_eq!((again.error_type(), again.message(), again.status()), (error.error_type(), error.message(), error.status()));
    /// ```
    pub fn to_event_json(&self) -> String {
        // Written field by field, in the API's order (a `json!` map would sort the keys).
        let string = |text: &str| Value::from(text).to_string();
        let error = format!(r#"{{"type":{},"message":{}}}"#, string(self.error_type()), string(&self.message));
        match &self.request_id {
            Some(id) => format!(r#"{{"type":"error","error":{error},"request_id":{}}}"#, string(id)),
            None => format!(r#"{{"type":"error","error":{error}}}"#),
        }
    }

    /// Whether the response's body stopped before its end (no byte within the HTTP edge's idle timeout, or a
    /// broken connection): the error is built from what arrived, and its message may say less than the
    /// server meant to.
    pub fn body_cut_short(&self) -> bool {
        self.body_cut_short
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn set_body_cut_short(&mut self, cut_short: bool) {
        self.body_cut_short = cut_short;
    }

    /// The whole error body as JSON, when it was JSON of at most 1 MiB.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// Sets the request id (e.g. from the `request-id` response header).
    pub(crate) fn set_request_id(&mut self, request_id: impl Into<String>) {
        self.request_id = Some(request_id.into());
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        // The primary id, the one `request_id()` returns.
        if let Some(id) = self.request_id() {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The most of an error body that [`ApiError`] builds into a tree for [`ApiError::body`]: 1 MiB. The API's
/// error bodies are a few hundred bytes; a larger one keeps its type, message and request id, and an excerpt
/// of the rest, but is not built (a tree of small JSON values costs many times the bytes).
pub(crate) const MAX_ERROR_BODY: usize = 1 << 20;

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
