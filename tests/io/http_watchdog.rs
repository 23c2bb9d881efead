//! The HTTP edge never hangs, spins or panics (issue 23): an error body that stalls, bodies of endless empty
//! frames or trailers, `Duration::MAX`, a connection left open after `message_stop`, bodies without a content
//! type, and a JSON message where a stream was expected. Over loopback sockets (axum server, reqwest client)
//! where a socket can carry the case; in process, with bodies of the test's own, where only a misbehaving
//! `http_body::Body` can (a socket never carries an empty data frame). Every wait is bounded, and no sleep is
//! longer than the timeout under test.

#![cfg(all(feature = "reqwest", feature = "tokio"))]

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anthropic_sse::error::ErrorKind;
use anthropic_sse::framing::Format;
use anthropic_sse::http::{Options, events_with};
use anthropic_sse::{BlockingEvents, SAMPLE_STREAM};
use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;

/// The bound on every wait of these tests.
const LIMIT: Duration = Duration::from_secs(10);
/// The idle timeout under test.
const IDLE: Duration = Duration::from_millis(300);

fn response(status: u16, headers: &[(&str, &str)], body: Body) -> Response {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).expect("a response")
}

/// `first` and then nothing, the connection left open.
fn then_silence(first: &'static [u8]) -> Body {
    Body::from_stream(
        futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(first))]).chain(futures::stream::pending()),
    )
}

/// A message the API returns for a request without `"stream": true`.
const MESSAGE_JSON: &str = r#"{"id":"msg_whole","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hi."},{"type":"tool_use","id":"t","name":"f","input":{"n": 0.09158478740507359, "big": 123456789012345678901234567890}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":4}}"#;

async fn serve() -> String {
    let app = Router::new()
        .route(
            "/error-stalls",
            get(|| async {
                let headers =
                    [("content-type", "application/json"), ("request-id", "req_stall"), ("x-should-retry", "true")];
                response(529, &headers, then_silence(b"{\"type\":\"err"))
            }),
        )
        .route(
            "/open-after-stop",
            get(|| async {
                response(
                    200,
                    &[("content-type", "text/event-stream"), ("request-id", "req_open")],
                    then_silence(SAMPLE_STREAM),
                )
            }),
        )
        .route(
            "/stalls",
            get(|| async {
                response(
                    200,
                    &[
                        ("content-type", "text/event-stream"),
                        ("x-amzn-requestid", "amzn-stall"),
                        ("request-id", "req_stall2"),
                    ],
                    then_silence(&SAMPLE_STREAM[..400]),
                )
            }),
        )
        .route(
            "/slow-pieces",
            get(|| async {
                let pieces =
                    futures::stream::iter(SAMPLE_STREAM.chunks(300).map(Bytes::from_static)).then(|piece| async move {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, std::io::Error>(piece)
                    });
                response(200, &[("content-type", "text/event-stream")], Body::from_stream(pieces))
            }),
        )
        .route("/untyped-sse", get(|| async { response(200, &[], Body::from(SAMPLE_STREAM)) }))
        .route(
            "/untyped-bedrock",
            get(|| async {
                response(
                    200,
                    &[("content-type", "application/octet-stream")],
                    Body::from(anthropic_sse_kit::bedrock::encode(SAMPLE_STREAM, true)),
                )
            }),
        )
        .route("/untyped-json-lines", get(|| async { response(200, &[], Body::from(json_lines())) }))
        .route(
            "/json-message",
            get(|| async {
                response(
                    200,
                    &[("content-type", "application/json"), ("request-id", "req_json")],
                    Body::from(MESSAGE_JSON),
                )
            }),
        )
        .route(
            "/json-other",
            get(|| async { response(200, &[("content-type", "application/json")], Body::from(r#"{"ok":true}"#)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("server runs") });
    base
}

fn json_lines() -> Vec<u8> {
    let mut decoder = anthropic_sse::framing::SseDecoder::new();
    decoder.feed(SAMPLE_STREAM);
    decoder.frames().map(|f| format!("{}\n", f.expect("a frame").data())).collect::<String>().into_bytes()
}

async fn fetch(url: String) -> http::Response<reqwest::Body> {
    http::Response::from(reqwest::get(url).await.expect("a response"))
}

fn sample() -> anthropic_sse::Message {
    BlockingEvents::new(SAMPLE_STREAM).final_message().expect("the sample")
}

/// A 529 whose body stops after a few bytes: the call returns within the timeout with the status, the ids and
/// the retry advice, its body marked cut short.
#[tokio::test]
async fn an_error_body_that_stalls_returns_within_the_timeout() {
    let base = serve().await;
    let started = Instant::now();
    let call = events_with(fetch(format!("{base}/error-stalls")).await, Options::new().with_idle_timeout(IDLE));
    let err = tokio::time::timeout(LIMIT, call).await.expect("in time").unwrap_err();
    assert!(started.elapsed() < IDLE * 4, "took {:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Api, "{err}");
    let api = err.api_error().unwrap();
    assert_eq!(api.http_status(), Some(529));
    assert_eq!(err.request_id(), Some("req_stall"));
    assert!(api.body_cut_short());
    assert!(err.should_retry());
}

/// A stall of a 2xx stream carries the response's ids (the primary one, `x-amzn-requestid`, in its message
/// too) and how long it waited.
#[tokio::test]
async fn a_stall_carries_the_request_ids() {
    let base = serve().await;
    let events =
        events_with(fetch(format!("{base}/stalls")).await, Options::new().with_idle_timeout(IDLE)).await.unwrap();
    let err = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stalled);
    assert_eq!(err.stalled_for(), Some(IDLE));
    assert_eq!(err.request_id(), Some("amzn-stall"));
    assert!(err.to_string().ends_with("(request_id amzn-stall)"), "{err}");
}

/// A complete message on a connection left open is no stall: `final_message` returns at `message_stop`; events
/// read on, the watchdog disarmed (no `Stalled` after the timeout).
#[tokio::test]
async fn a_finished_message_is_not_a_stall() {
    let base = serve().await;
    let events = events_with(fetch(format!("{base}/open-after-stop")).await, Options::new().with_idle_timeout(IDLE))
        .await
        .unwrap();
    let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect("no stall");
    assert_eq!(message, sample());

    let mut events =
        events_with(fetch(format!("{base}/open-after-stop")).await, Options::new().with_idle_timeout(IDLE))
            .await
            .unwrap();
    loop {
        let event =
            tokio::time::timeout(LIMIT, events.next()).await.expect("in time").expect("an event").expect("no error");
        if matches!(event, anthropic_sse::StreamEvent::MessageStop(_)) {
            break;
        }
    }
    // The body stays open: iterating waits for its end, and the disarmed watchdog says nothing.
    assert!(tokio::time::timeout(IDLE * 3, events.next()).await.is_err(), "no stall after message_stop");
}

/// `Duration::MAX` (and any duration too large to add to the clock) means "never": a whole stream whose pieces
/// come after waits, with no panic.
#[tokio::test]
async fn duration_max_runs_a_whole_stream() {
    let base = serve().await;
    let events =
        events_with(fetch(format!("{base}/slow-pieces")).await, Options::new().with_idle_timeout(Duration::MAX))
            .await
            .unwrap();
    let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").unwrap();
    assert_eq!(message, sample());
    let response = reqwest::get(format!("{base}/slow-pieces")).await.unwrap();
    let events = anthropic_sse::reqwest::events(response).await.unwrap().with_idle_timeout(Duration::MAX);
    assert_eq!(tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").unwrap(), sample());
}

/// A 2xx without a content type (or `application/octet-stream`) is read by the library's format detection:
/// SSE, Bedrock and JSON lines all give the message.
#[tokio::test]
async fn a_2xx_without_a_content_type_is_detected() {
    let base = serve().await;
    for (case, format) in
        [("untyped-sse", Format::Sse), ("untyped-bedrock", Format::Bedrock), ("untyped-json-lines", Format::JsonLines)]
    {
        let events = events_with(fetch(format!("{base}/{case}")).await, Options::new()).await.expect(case);
        assert_eq!(events.decoder().format(), Some(format), "{case}");
        let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect(case);
        assert_eq!(message, sample(), "{case}");
    }
}

/// A JSON 200 that is a whole message (a request without `"stream": true`) is not lost: the error carries the
/// message, exact; a JSON body that is no message is carried as it came.
#[tokio::test]
async fn a_json_message_is_reachable_from_the_error() {
    let base = serve().await;
    let err = events_with(fetch(format!("{base}/json-message")).await, Options::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAStream);
    assert_eq!(err.request_id(), Some("req_json"));
    let message = err.partial_message().expect("the message");
    assert_eq!(message.id, "msg_whole");
    let input = message.content[1].tool_input().expect("a tool call");
    assert_eq!(input.as_str(), r#"{"n": 0.09158478740507359, "big": 123456789012345678901234567890}"#);
    let err = events_with(fetch(format!("{base}/json-other")).await, Options::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAStream);
    assert_eq!(err.response_body(), Some(&br#"{"ok":true}"#[..]));
    assert!(err.partial_message().is_none());
}

/// A body that is not a socket's: each poll gives a frame at once, forever.
struct Endless {
    trailers: bool,
}

impl http_body::Body for Endless {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Ok(if self.trailers {
            http_body::Frame::trailers(http::HeaderMap::new())
        } else {
            http_body::Frame::data(Bytes::new())
        })))
    }
}

/// The CPU time the calling thread has used so far.
fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one `timespec` into the pointer given, which points at one.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Empty data frames and trailers forever are silence: the error body's read and the stream end at the
/// timeout, and the driver returns to the runtime between bounded amounts of work, so that a timeout around
/// it fires too. The stated bound: during the wait, at most one core's worth of CPU time (the body is polled
/// again as soon as the task yields). The runtime runs on a thread of its own, so that a driver that spins
/// without yielding fails the test at its bound instead of hanging it.
#[test]
fn endless_empty_frames_and_trailers_end_at_the_timeout() {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        done.send(runtime.block_on(endless_bodies())).unwrap();
    });
    match outcome.recv_timeout(LIMIT) {
        Ok(checked) => assert_eq!(checked, 4),
        Err(_) => panic!("the driver did not end within {LIMIT:?}: it spins without yielding to the timer"),
    }
}

async fn endless_bodies() -> usize {
    let mut checked = 0;
    for (status, trailers) in [(500, false), (500, true), (200, false), (200, true)] {
        let response = http::Response::builder()
            .status(status)
            .header("content-type", "text/event-stream")
            .header("request-id", "req_endless")
            .body(Endless { trailers })
            .unwrap();
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        let outcome = async {
            let events = events_with(response, Options::new().with_idle_timeout(IDLE)).await?;
            events.final_message().await
        }
        .await;
        let (wall, cpu) = (wall.elapsed(), thread_cpu_time() - cpu);
        let err = outcome.unwrap_err();
        let what = format!("HTTP {status}, trailers: {trailers}");
        match status {
            500 => assert!(err.api_error().is_some_and(|api| api.body_cut_short()), "{what}: {err}"),
            _ => assert_eq!(err.kind(), ErrorKind::Stalled, "{what}: {err}"),
        }
        assert_eq!(err.request_id(), Some("req_endless"), "{what}");
        assert!(wall >= IDLE && wall < IDLE * 5, "{what}: {wall:?}");
        assert!(cpu <= wall + Duration::from_millis(100), "{what}: {cpu:?} of CPU in {wall:?}");
        // And a plain tokio timeout around the call fires, the task yielding.
        let response = http::Response::builder().status(status).body(Endless { trailers }).unwrap();
        let fired = tokio::time::timeout(IDLE, async {
            let events = events_with(response, Options::new().with_format(Format::Sse)).await?;
            events.final_message().await
        })
        .await;
        assert!(fired.is_err(), "{what}: the timeout around the call fired");
        checked += 1;
    }
    checked
}

/// The bytes read to detect a body's format are all fed to the decoder, whatever the chunk sizes and the line
/// limit (a chunk larger than the limit is not cut).
#[tokio::test]
async fn detection_loses_no_byte() {
    let body = anthropic_sse_kit::streams::text_stream(200);
    let expected = BlockingEvents::new(&body[..]).final_message().unwrap();
    for (content_type, bytes) in
        [("", body.clone()), ("application/octet-stream", anthropic_sse_kit::bedrock::encode(&body, true))]
    {
        let mut builder = http::Response::builder();
        if !content_type.is_empty() {
            builder = builder.header("content-type", content_type);
        }
        let response = builder.body(http_body_util::Full::new(Bytes::from(bytes))).unwrap();
        let options = Options::new().with_limits(anthropic_sse::Limits::default().with_max_line_bytes(4096));
        let events = events_with(response, options).await.expect("a stream");
        let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect("the message");
        assert_eq!(message, expected, "{content_type:?}");
    }
}

/// `final_message` stops at `message_stop` in every chunking: an error event after it, in the same chunk or a
/// later one, changes nothing (as every later event), through both drivers.
#[tokio::test]
async fn final_message_stops_at_message_stop_in_any_chunking() {
    let after = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let whole: Vec<u8> = [SAMPLE_STREAM, &after[..]].concat();
    for split in [whole.len(), SAMPLE_STREAM.len(), 100] {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            whole.chunks(split).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let message = anthropic_sse::Events::new(futures::stream::iter(chunks)).final_message().await;
        assert_eq!(message.expect("the message"), sample(), "chunks of {split}");
        let blocking = BlockingEvents::new(&whole[..]).with_read_size(split).final_message();
        assert_eq!(blocking.expect("the message"), sample(), "reads of {split}");
    }
}
