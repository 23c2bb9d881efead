//! End to end over real sockets: an axum HTTP/1.1 server on 127.0.0.1 (ephemeral port) streams SSE bodies
//! with chunked transfer encoding, random chunk boundaries and small delays; the client is reqwest's
//! `bytes_stream()` fed into `Events`. Nothing leaves 127.0.0.1, and every wait is bounded.

use std::sync::Arc;
use std::time::Duration;

use anthropic_sse::error::ErrorKind;
use anthropic_sse::{ApiError, BlockingEvents, Delta, Events, SAMPLE_STREAM, StreamEvent};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::{Notify, mpsc};

const LIMIT: Duration = Duration::from_secs(10);

/// Shared between the test and its server.
#[derive(Clone, Default)]
struct Shared {
    /// The server waits on this before sending the rest of `/incremental`.
    go_on: Arc<Notify>,
    /// Told when a response body is dropped before it was sent to the end (the client went away).
    dropped: Option<mpsc::UnboundedSender<&'static str>>,
}

/// Sends `body` in pieces of 1 to 97 bytes with a short pause now and then.
fn pieces(body: Vec<u8>, seed: u64) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let mut state = seed | 1;
    let mut cuts = Vec::new();
    let mut at = 0;
    while at < body.len() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let next = (at + 1 + (state % 97) as usize).min(body.len());
        cuts.push((at, next, state % 5 == 0));
        at = next;
    }
    let body = Bytes::from(body);
    futures::stream::iter(cuts).then(move |(a, b, pause)| {
        let piece = body.slice(a..b);
        async move {
            if pause {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Ok(piece)
        }
    })
}

/// Reports to the test when dropped before `finished` is set.
struct DropGuard {
    name: &'static str,
    tx: Option<mpsc::UnboundedSender<&'static str>>,
    finished: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.finished {
            if let Some(tx) = &self.tx {
                let _ = tx.send(self.name);
            }
        }
    }
}

/// The sample up to and including its first text delta, and the rest.
fn sample_split() -> (Vec<u8>, Vec<u8>) {
    let at = SAMPLE_STREAM.windows(10).position(|w| w == b"text_delta").expect("a text delta");
    let end = at + SAMPLE_STREAM[at..].windows(2).position(|w| w == b"\n\n").expect("event end") + 2;
    (SAMPLE_STREAM[..end].to_vec(), SAMPLE_STREAM[end..].to_vec())
}

fn sse(body: Body, request_id: &str) -> Response {
    ([("content-type", "text/event-stream"), ("request-id", request_id)], body).into_response()
}

async fn whole() -> Response {
    sse(Body::from_stream(pieces(SAMPLE_STREAM.to_vec(), 11)), "req_e2e_whole")
}

async fn incremental(State(shared): State<Shared>) -> Response {
    let (head, tail) = sample_split();
    let go_on = shared.go_on.clone();
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }).chain(
        futures::stream::once(async move {
            go_on.notified().await;
            Ok(Bytes::from(tail))
        }),
    );
    sse(Body::from_stream(stream), "req_e2e_incr")
}

async fn overloaded() -> Response {
    let (mut body, _) = sample_split();
    body.extend_from_slice(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_in_body\"}\n\n");
    sse(Body::from_stream(pieces(body, 5)), "req_e2e_overloaded")
}

async fn cut_clean() -> Response {
    sse(Body::from_stream(pieces(sample_split().0, 3)), "req_e2e_cut")
}

async fn cut_abort() -> Response {
    let stream = pieces(sample_split().0, 9).chain(futures::stream::once(async {
        // Let hyper flush what was sent before the connection is torn down.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "server gave up"))
    }));
    sse(Body::from_stream(stream), "req_e2e_abort")
}

async fn status_529() -> Response {
    let body =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_body_529"}"#;
    (
        StatusCode::from_u16(529).expect("529"),
        [("request-id", "req_e2e_529"), ("content-type", "application/json")],
        body,
    )
        .into_response()
}

async fn status_502() -> Response {
    (StatusCode::BAD_GATEWAY, [("content-type", "text/html")], "<html><body><h1>502 Bad Gateway</h1></body></html>")
        .into_response()
}

async fn endless(State(shared): State<Shared>) -> Response {
    let (head, _) = sample_split();
    let mut guard = DropGuard { name: "endless", tx: shared.dropped.clone(), finished: false };
    let ping = Bytes::from_static(b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }).chain(
        futures::stream::unfold(0u32, move |n| {
            let ping = ping.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                // Bounded: stops by itself after 2,000 pings (10 s).
                (n < 2_000).then_some((Ok(ping), n + 1))
            }
        })
        .chain(futures::stream::once(async move {
            guard.finished = true;
            drop(guard);
            Ok(Bytes::new())
        })),
    );
    sse(Body::from_stream(stream), "req_e2e_endless")
}

/// Starts the server on an ephemeral loopback port; returns its base URL.
async fn serve(shared: Shared) -> String {
    let app = Router::new()
        .route("/whole", get(whole))
        .route("/incremental", get(incremental))
        .route("/overloaded", get(overloaded))
        .route("/cut-clean", get(cut_clean))
        .route("/cut-abort", get(cut_abort))
        .route("/529", get(status_529))
        .route("/502", get(status_502))
        .route("/endless", get(endless))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("server runs") });
    format!("http://{addr}")
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// What a client does: the typed error for a non-2xx status, else the event stream with the request id.
async fn open(url: &str) -> Result<Events, ApiError> {
    let response = reqwest::get(url).await.expect("the loopback server answers");
    let id = request_id(response.headers());
    let status = response.status().as_u16();
    if !response.status().is_success() {
        let body = response.bytes().await.expect("error body");
        return Err(ApiError::from_response(status, id.as_deref(), &body));
    }
    let mut events = Events::new(response.bytes_stream());
    if let Some(id) = id {
        events = events.with_request_id(id);
    }
    Ok(events)
}

#[tokio::test]
async fn normal_stream_gives_the_same_message_as_from_memory() {
    let base = serve(Shared::default()).await;
    let events = open(&format!("{base}/whole")).await.expect("200");
    let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect("complete");
    assert_eq!(message, BlockingEvents::new(SAMPLE_STREAM).final_message().expect("complete"));
}

#[tokio::test]
async fn first_text_delta_arrives_before_the_server_sends_the_rest() {
    let shared = Shared::default();
    let base = serve(shared.clone()).await;
    let mut events = open(&format!("{base}/incremental")).await.expect("200");
    let first_text = tokio::time::timeout(LIMIT, async {
        while let Some(event) = events.next().await {
            if let StreamEvent::ContentBlockDelta(d) = event.expect("no error") {
                if let Delta::Text { text, .. } = d.delta {
                    return text;
                }
            }
        }
        panic!("the stream ended before a text delta");
    })
    .await
    .expect("the first delta must arrive while the server still holds the rest");
    assert_eq!(first_text, "Let me check the weather");
    shared.go_on.notify_one();
    let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time");
    assert!(message.is_ok(), "{message:?}");
}

#[tokio::test]
async fn error_event_after_200_is_typed_with_the_header_request_id() {
    let base = serve(Shared::default()).await;
    let events = open(&format!("{base}/overloaded")).await.expect("200");
    let err = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect_err("error event");
    let api = err.api_error().expect("an API error");
    assert_eq!(api.error_type(), "overloaded_error");
    assert_eq!(api.request_id(), Some("req_e2e_overloaded"));
    assert!(api.should_retry());
    assert_eq!(err.partial_message().map(|m| m.text()).as_deref(), Some("Let me check the weather"));
}

#[tokio::test]
async fn server_closing_mid_stream_is_an_error_with_the_partial_message() {
    let base = serve(Shared::default()).await;
    for path in ["cut-clean", "cut-abort"] {
        let events = open(&format!("{base}/{path}")).await.expect("200");
        let err = tokio::time::timeout(LIMIT, events.final_message()).await.expect("never a hang").expect_err("cut");
        assert!(matches!(err.kind(), ErrorKind::Incomplete | ErrorKind::Transport), "{path}: {err:?}");
        if path == "cut-clean" {
            assert_eq!(err.kind(), ErrorKind::Incomplete, "a clean end before message_stop is incomplete");
        }
        assert_eq!(err.partial_message().map(|m| m.text()).as_deref(), Some("Let me check the weather"), "{path}");
    }
}

#[tokio::test]
async fn non_2xx_responses_become_api_errors() {
    let base = serve(Shared::default()).await;
    let err = open(&format!("{base}/529")).await.expect_err("529");
    assert_eq!(
        (err.error_type(), err.http_status(), err.request_id()),
        ("overloaded_error", Some(529), Some("req_e2e_529"))
    );
    assert!(err.should_retry());
    let err = open(&format!("{base}/502")).await.expect_err("502");
    assert_eq!(err.http_status(), Some(502));
    assert!(err.message().contains("502 Bad Gateway"), "{}", err.message());
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let base = serve(Shared { dropped: Some(tx), ..Shared::default() }).await;
    let mut events = open(&format!("{base}/endless")).await.expect("200");
    let first = tokio::time::timeout(LIMIT, events.next()).await.expect("in time");
    assert!(matches!(first, Some(Ok(StreamEvent::MessageStart(_)))));
    drop(events);
    let seen = tokio::time::timeout(LIMIT, rx.recv()).await.expect("the server sees the disconnect in time");
    assert_eq!(seen, Some("endless"));
}
