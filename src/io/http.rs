//! From an HTTP response to events in one call (feature `http`): any `http::Response` whose body is an
//! `http_body::Body` (hyper 1, axum, tower, reqwest 0.12 through `http::Response::from`, the AWS SDK).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use http_body::Body;

use crate::error::{ApiError, BoxError, Error, MAX_ERROR_BODY};
use crate::framing::Format;
use crate::io::stream::Events;
use crate::limits::Limits;

/// How [`events_with`] reads a response: the [`Limits`], an idle timeout (feature `tokio`) and the wire format
/// when the content type should not decide. [`events`] reads with the defaults: the default limits, no
/// timeout, the format from the content type.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), anthropic_sse::Error> {
/// use std::time::Duration;
/// use anthropic_sse::http::{events_with, Options};
///
/// # let response = http::Response::builder()
/// #     .header("content-type", "text/event-stream")
/// #     .body(http_body_util::Full::new(bytes::Bytes::from_static(anthropic_sse::SAMPLE_STREAM)))
/// #     .unwrap();
/// // Set before the call: the timeout runs from the headers on, over the body, an error body included.
/// let options = Options::new().with_idle_timeout(Duration::from_secs(90));
/// let message = events_with(response, options).await?.final_message().await?;
/// # assert_eq!(message.content.len(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Options {
    limits: Limits,
    format: Option<Format>,
    #[cfg(feature = "tokio")]
    idle_timeout: Option<std::time::Duration>,
}

impl Options {
    /// The defaults: the default limits, no idle timeout, the format from the content type.
    pub fn new() -> Self {
        Self::default()
    }

    /// The limits of the stream's decoder (and of a JSON body read whole: [`Limits::max_event_bytes`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads a 2xx body as `format`, whatever its content type says (the Python SDK ignores a stream's
    /// content type). Without it: `text/event-stream` is SSE, `application/vnd.amazon.eventstream` Bedrock,
    /// no content type or `application/octet-stream` is detected from the first bytes
    /// ([`Format::detect`]); JSON and any other type are an error of kind
    /// [`NotAStream`](crate::error::ErrorKind::NotAStream).
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// The stall watchdog (feature `tokio`, in a tokio runtime with its timer): if no byte arrives for `idle`,
    /// counted from when the call got the response's headers, over the whole body (empty data frames and
    /// trailers count as silence), the call or the stream ends. A non-2xx response's body that stalls gives its
    /// [`ApiError`] from what arrived ([`ApiError::body_cut_short`]); a 2xx stream ends with an error of kind
    /// [`Stalled`](crate::error::ErrorKind::Stalled), as [`Events::with_idle_timeout`]. At `message_stop` the
    /// watchdog disarms. Any duration is taken; one too large to add to the clock means "never".
    #[cfg(feature = "tokio")]
    pub fn with_idle_timeout(mut self, idle: std::time::Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }
}

/// How many frames without data (trailers) the body is polled for in one go before the task yields: a body
/// that sends nothing else forever must not hold a runtime's thread.
const FRAME_BUDGET: usize = 64;

/// The body of an HTTP response as a stream of byte chunks: its data frames (empty ones included, which the
/// drivers count as silence); trailers are skipped, a bounded number per poll.
struct BodyChunks<B> {
    body: Pin<Box<B>>,
    /// The body has ended: it is not polled again (a body need not be polled after its end).
    ended: bool,
}

impl<B> Stream for BodyChunks<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        for _ in 0..FRAME_BUDGET {
            return Poll::Ready(match std::task::ready!(self.body.as_mut().poll_frame(cx)) {
                None => {
                    self.ended = true;
                    None
                }
                Some(Err(e)) => Some(Err(e.into())),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => Some(Ok(data.copy_to_bytes(data.remaining()))),
                    Err(_) => continue,
                },
            });
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The idle deadline of the call, from the headers on (a timer only with the `tokio` feature and a timeout).
struct Watchdog {
    #[cfg(feature = "tokio")]
    timer: Option<(std::time::Duration, Pin<Box<tokio::time::Sleep>>)>,
}

impl Watchdog {
    fn new(options: &Options) -> Self {
        let _ = options;
        Watchdog {
            #[cfg(feature = "tokio")]
            timer: options.idle_timeout.map(|idle| {
                let idle = idle.min(crate::io::FAR_FUTURE);
                let deadline = tokio::time::Instant::now().checked_add(idle);
                // A deadline too far to reach: a sleep tokio clamps to its own far future.
                let sleep = deadline.map_or_else(|| tokio::time::sleep(idle), tokio::time::sleep_until);
                (idle, Box::pin(sleep))
            }),
        }
    }

    /// Bytes arrived: the deadline moves.
    fn heard(&mut self) {
        #[cfg(feature = "tokio")]
        if let Some((idle, sleep)) = &mut self.timer {
            if let Some(deadline) = tokio::time::Instant::now().checked_add(*idle) {
                sleep.as_mut().reset(deadline);
            }
        }
    }

    /// `Ready` once the deadline has passed.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        #[cfg(feature = "tokio")]
        if let Some((_, sleep)) = &mut self.timer {
            return std::future::Future::poll(sleep.as_mut(), cx);
        }
        let _ = cx;
        Poll::Pending
    }

    /// Hands the timeout on to the stream's own watchdog, its clock already running.
    fn arm(&self, events: Events) -> Events {
        #[cfg(feature = "tokio")]
        if let Some((idle, sleep)) = &self.timer {
            // The stream's deadline is where this one stands (the last byte of the start, plus the timeout).
            return match sleep.deadline().checked_sub(*idle) {
                Some(since) => events.with_idle_timeout_since(*idle, since),
                None => events.with_idle_timeout(*idle),
            };
        }
        events
    }

    #[cfg(feature = "tokio")]
    fn limit(&self) -> std::time::Duration {
        self.timer.as_ref().map_or(std::time::Duration::ZERO, |(idle, _)| *idle)
    }
}

/// How reading the start of a body ended.
#[derive(Debug)]
enum Read {
    /// `enough` said so, or the body ended.
    Done,
    /// The bound was reached.
    Full,
    /// The body broke: what arrived is all there is.
    Broken(BoxError),
    /// No byte came within the idle timeout.
    Stalled,
}

/// Reads the body into `out` until `enough(out, ended)` says so, the body ends, at least `bound` bytes are held
/// (whole chunks: one chunk more at most), or it is cut short (a transport error, the watchdog). Returns to the runtime after a bounded amount of work, so that a
/// body of endless empty frames neither spins inside one poll nor starves the timer.
async fn read_start<B>(
    body: &mut BodyChunks<B>,
    out: &mut BytesMut,
    bound: usize,
    watchdog: &mut Watchdog,
    mut enough: impl FnMut(&[u8], bool) -> bool,
) -> Read
where
    B: Body,
    B::Error: Into<BoxError>,
{
    std::future::poll_fn(|cx| {
        for _ in 0..FRAME_BUDGET {
            if enough(out, false) {
                return Poll::Ready(Read::Done);
            }
            if out.len() >= bound {
                return Poll::Ready(Read::Full);
            }
            match Pin::new(&mut *body).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    if !chunk.is_empty() {
                        watchdog.heard();
                    }
                    // Whole chunks: the bound stops the reading, never cuts a chunk (the bytes read while
                    // detecting the format are all fed to the decoder).
                    out.extend_from_slice(&chunk);
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Read::Broken(e)),
                Poll::Ready(None) => {
                    enough(out, true);
                    return Poll::Ready(Read::Done);
                }
                Poll::Pending => {
                    return match watchdog.poll_expired(cx) {
                        Poll::Ready(()) => Poll::Ready(Read::Stalled),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
        // The budget is spent (empty frames, small chunks): the timer is checked, then the task yields.
        if watchdog.poll_expired(cx).is_ready() {
            return Poll::Ready(Read::Stalled);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// The events of a streaming response, or the error it is, in one call: [`events_with`] with the default
/// [`Options`].
///
/// * a non-2xx status: its body is read (at most 1 MiB) into an [`ApiError`] with the status, the request ids
///   and what the headers say about retrying ([`ApiError::from_response_with_headers`]); a body that is not
///   the API's error JSON (a proxy's HTML page, Google's front end) still gives the status and an excerpt;
/// * a 2xx status: the framing from the content type (`text/event-stream`: SSE, for the first-party API and
///   Vertex AI; `application/vnd.amazon.eventstream`: Bedrock; none or `application/octet-stream`: detected
///   from the first bytes); a JSON body is an error of kind [`NotAStream`](crate::error::ErrorKind::NotAStream)
///   that carries the [`Message`](crate::Message) when the body is one (a request without `"stream": true`:
///   [`Error::partial_message`]), else the body ([`Error::response_body`]); any other type is that error too;
/// * the request ids (`request-id`, and `x-amzn-requestid`, the primary one when present) on the stream's
///   decoder and on every error ([`Error::request_id`]).
///
/// The framing chosen is `events.decoder().format()`.
///
/// ```
/// # futures::executor::block_on(async {
/// use anthropic_sse::http::events;
///
/// // With hyper or axum, the response as it comes; with reqwest, `http::Response::from(response)` (or the
/// // `reqwest` feature's `anthropic_sse::reqwest::events`). Here, a recorded body:
/// let response = http::Response::builder()
///     .header("content-type", "text/event-stream")
///     .header("request-id", "req_1")
///     .body(http_body_util::Full::new(bytes::Bytes::from_static(anthropic_sse::SAMPLE_STREAM)))
///     .unwrap();
/// let events = events(response).await?;
/// assert_eq!(events.decoder().format(), Some(anthropic_sse::framing::Format::Sse));
/// let message = events.final_message().await?;
/// assert_eq!(message.content.len(), 2);
/// # Ok::<(), anthropic_sse::Error>(())
/// # }).unwrap();
/// ```
pub async fn events<B>(response: ::http::Response<B>) -> Result<Events, Error>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    events_with(response, Options::default()).await
}

/// [`events`] with the given [`Options`]: limits, an idle timeout that runs from the headers on, a format.
pub async fn events_with<B>(response: ::http::Response<B>, options: Options) -> Result<Events, Error>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let mut watchdog = Watchdog::new(&options);
    let (parts, body) = response.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (anthropic_id, aws_id) = (header("request-id"), header("x-amzn-requestid"));
    let with_ids = |mut error: Error| {
        error.set_request_ids(anthropic_id, aws_id);
        error
    };
    let status = parts.status.as_u16();
    let mut body = BodyChunks { body: Box::pin(body), ended: false };
    let mut start = BytesMut::new();
    if !parts.status.is_success() {
        let read = read_start(&mut body, &mut start, MAX_ERROR_BODY, &mut watchdog, |_, _| false).await;
        start.truncate(MAX_ERROR_BODY);
        let headers: Vec<(&str, &str)> =
            parts.headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))).collect();
        let mut error = ApiError::from_response_with_headers(status, headers.iter().copied(), &start);
        error.set_body_cut_short(matches!(read, Read::Broken(_) | Read::Stalled));
        return Err(Error::api(error));
    }
    let content_type = header("content-type").unwrap_or_default();
    let format = match Wire::of(status, content_type, options.format) {
        Wire::Stream(format) => format,
        Wire::Detect => {
            let mut detected = None;
            // Leading whitespace is looked at once, not again with every chunk that adds to it.
            let mut blank = 0;
            let read = read_start(&mut body, &mut start, options.limits.max_line_bytes(), &mut watchdog, |s, ended| {
                blank += s[blank..].iter().take_while(|&&b| crate::text::is_json_ws(b)).count();
                if blank == s.len() && s.len() >= 12 && !ended {
                    return false;
                }
                detected = Format::detect(s, ended);
                detected.is_some()
            })
            .await;
            match (detected, read) {
                (Some(format), _) => format,
                (None, Read::Broken(e)) => return Err(with_ids(Error::transport(e))),
                #[cfg(feature = "tokio")]
                (None, Read::Stalled) => return Err(with_ids(Error::stalled(watchdog.limit(), false))),
                // More leading whitespace than a line may hold: SSE, whose decoder says so.
                _ => Format::Sse,
            }
        }
        Wire::Json => {
            let bound = options.limits.max_event_bytes();
            let read = read_start(&mut body, &mut start, bound, &mut watchdog, |_, _| false).await;
            start.truncate(bound);
            return Err(with_ids(json_body(status, start.freeze(), matches!(read, Read::Done))));
        }
        Wire::Other(error) => return Err(with_ids(error)),
        Wire::ErrorBody => unreachable!("a non-2xx status was answered above"),
    };
    let mut events = Events::new(body).with_format(format).with_limits(options.limits);
    if !start.is_empty() {
        events.decoder_mut().feed_bytes(start.freeze());
    }
    if let Some(id) = anthropic_id {
        events = events.with_request_id(id);
    }
    if let Some(id) = aws_id {
        events = events.with_aws_request_id(id);
    }
    Ok(watchdog.arm(events))
}

/// What a response's status and content type say its body is.
pub(crate) enum Wire {
    /// A non-2xx status: the API's error JSON (or a proxy's page).
    ErrorBody,
    /// A stream in this format.
    Stream(Format),
    /// A stream whose format is read from its first bytes ([`Format::detect`]).
    Detect,
    /// A JSON body: a message when the request did not ask for a stream.
    Json,
    /// Anything else: not a stream, and the error that says so.
    Other(Error),
}

impl Wire {
    /// The body of a response of `status` with `content_type` (`""` when there is none); `format`, when given,
    /// decides for a 2xx whatever the content type says.
    pub(crate) fn of(status: u16, content_type: &str, format: Option<Format>) -> Wire {
        if !(200..300).contains(&status) {
            return Wire::ErrorBody;
        }
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match (format, essence.as_str()) {
            (Some(format), _) => Wire::Stream(format),
            (None, "text/event-stream") => Wire::Stream(Format::Sse),
            (None, "application/vnd.amazon.eventstream") => Wire::Stream(Format::Bedrock),
            (None, "" | "application/octet-stream") => Wire::Detect,
            (None, "application/json") => Wire::Json,
            (None, _) => Wire::Other(Error::not_a_stream(format!(
                "HTTP {status} came with the content type {content_type:?}; a stream is text/event-stream (the \
                 Messages API, Vertex AI) or application/vnd.amazon.eventstream (Bedrock): check the URL and the \
                 request"
            ))),
        }
    }
}

/// The error for a 2xx JSON body: the message it holds when it is one (a request without `"stream": true`) and
/// the body was read whole, else the body itself, beside what to check.
pub(crate) fn json_body(status: u16, body: Bytes, whole: bool) -> Error {
    let detail = format!(
        "HTTP {status} came with a JSON body (application/json), not a stream: did the request set \"stream\": true \
         (on Bedrock, call InvokeModelWithResponseStream)?"
    );
    let message = match whole {
        true => serde_json::from_slice::<crate::Message>(&body).ok().filter(|m| !m.id.is_empty()),
        false => None,
    };
    match message {
        Some(message) => Error::not_a_stream(format!("{detail} The message it holds is attached."))
            .with_partial_message(Some(message)),
        None => Error::not_a_stream_with_body(detail, body),
    }
}

#[cfg(feature = "reqwest")]
impl From<::reqwest::Error> for Error {
    fn from(error: ::reqwest::Error) -> Self {
        Error::transport(error)
    }
}
