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

/// The body of an HTTP response as a stream of byte chunks: its data frames (trailers are skipped).
struct BodyChunks<B> {
    body: Pin<Box<B>>,
}

impl<B> std::fmt::Debug for BodyChunks<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyChunks").finish_non_exhaustive()
    }
}

impl<B> Stream for BodyChunks<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return Poll::Ready(match std::task::ready!(self.body.as_mut().poll_frame(cx)) {
                None => None,
                Some(Err(e)) => Some(Err(e.into())),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(mut data) => Some(Ok(data.copy_to_bytes(data.remaining()))),
                    Err(_) => continue,
                },
            });
        }
    }
}

/// The events of a streaming response, or the error it is, in one call:
///
/// * a non-2xx status: its body is read (at most 1 MiB) into an [`ApiError`] with the
///   status, the request ids and what the headers say about retrying ([`ApiError::from_response_with_headers`]);
///   a body that is not the API's error JSON (a proxy's HTML page, Google's front end) still gives the status and
///   an excerpt;
/// * a 2xx status: the framing from the content type (`text/event-stream`: SSE, for the first-party API and
///   Vertex AI; `application/vnd.amazon.eventstream`: Bedrock); a JSON body or any other type is an error of
///   category [`NotAStream`](crate::error::ErrorKind::NotAStream) that says what arrived;
/// * the request ids (`request-id`, and `x-amzn-requestid`, the primary one when present) on the stream's
///   decoder and on every error.
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
/// let message = events(response).await?.final_message().await?;
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
    events_with_limits(response, Limits::default()).await
}

/// [`events`] with the given limits.
pub async fn events_with_limits<B>(response: ::http::Response<B>, limits: Limits) -> Result<Events, Error>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (parts, body) = response.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let status = parts.status.as_u16();
    let mut body = BodyChunks { body: Box::pin(body) };
    if !parts.status.is_success() {
        let bytes = read_bounded(&mut body, MAX_ERROR_BODY).await;
        let headers: Vec<(&str, &str)> =
            parts.headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))).collect();
        return Err(Error::api(ApiError::from_response_with_headers(status, headers.iter().copied(), &bytes)));
    }
    let content_type = header("content-type").unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let format = match essence.as_str() {
        "text/event-stream" => Format::Sse,
        "application/vnd.amazon.eventstream" => Format::Bedrock,
        "application/json" => {
            return Err(Error::not_a_stream(format!(
                "HTTP {status} came with a JSON body (application/json), not a stream: did the request set \
                 \"stream\": true (on Bedrock, call InvokeModelWithResponseStream)?"
            )));
        }
        _ => {
            return Err(Error::not_a_stream(format!(
                "HTTP {status} came with the content type {content_type:?}; a stream is text/event-stream (the \
                 Messages API, Vertex AI) or application/vnd.amazon.eventstream (Bedrock): check the URL and the \
                 request"
            )));
        }
    };
    let mut events = Events::new(body).with_format(format).with_limits(limits);
    if let Some(id) = header("request-id") {
        events = events.with_request_id(id);
    }
    if let Some(id) = header("x-amzn-requestid") {
        events = events.with_aws_request_id(id);
    }
    Ok(events)
}

/// The body's first `limit` bytes (a transport error ends it early: what came is what there is).
async fn read_bounded<B>(body: &mut BodyChunks<B>, limit: usize) -> Bytes
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut out = BytesMut::new();
    while out.len() < limit {
        match std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await {
            Some(Ok(chunk)) => out.extend_from_slice(&chunk[..chunk.len().min(limit - out.len())]),
            Some(Err(_)) | None => break,
        }
    }
    out.freeze()
}

#[cfg(feature = "reqwest")]
impl From<::reqwest::Error> for Error {
    fn from(error: ::reqwest::Error) -> Self {
        Error::transport(error)
    }
}
