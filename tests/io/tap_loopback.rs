//! The gateway example (`examples/gateway.rs`, this same code) over loopback without TLS: an upstream axum
//! server plays the recordings in the chunking a request asks for; a client posts to the gateway and reads the
//! body; the gateway's report must match what went through. Every wait is bounded.

#![cfg(all(feature = "http", feature = "tokio"))]

use std::sync::Arc;
use std::time::Duration;

use anthropic_sse::TapReport;
use anthropic_sse_kit::corpus;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;

#[allow(dead_code)]
#[path = "../../examples/gateway.rs"]
mod gateway;

const LIMIT: Duration = Duration::from_secs(20);

/// The recordings the upstream plays, by name, and a channel told when a body is dropped before its end.
#[derive(Clone)]
struct Upstream {
    recordings: Arc<Vec<(String, Vec<u8>, serde_json::Value)>>,
    dropped: mpsc::UnboundedSender<String>,
}

/// Tells the test when the body it guards is dropped before it was sent to the end.
struct Guard(Option<(String, mpsc::UnboundedSender<String>)>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some((name, tx)) = self.0.take() {
            let _ = tx.send(name);
        }
    }
}

/// Plays the recording named by `x-recording` in chunks of `x-chunk` bytes (a pause after the first `x-pause-after`
/// bytes, to let a client go away).
async fn messages(State(upstream): State<Upstream>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let name = header("x-recording");
    if name == "529" {
        let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let headers = [("content-type", "application/json"), ("request-id", "req_529"), ("retry-after", "2")];
        return (axum::http::StatusCode::from_u16(529).unwrap(), headers, body).into_response();
    }
    let size: usize = header("x-chunk").parse().unwrap_or(usize::MAX);
    let pause_after: usize = header("x-pause-after").parse().unwrap_or(usize::MAX);
    let (_, body, _) = upstream.recordings.iter().find(|(n, ..)| *n == name).expect("a known recording");
    let body = Bytes::from(body.clone());
    let content_type = if name.ends_with(".bin") { "application/vnd.amazon.eventstream" } else { "text/event-stream" };
    let mut guard = Guard(Some((name.clone(), upstream.dropped.clone())));
    let pieces: Vec<Bytes> = anthropic_sse_kit::streams::chunked(&body, size.clamp(1, body.len().max(1)));
    let mut sent = 0;
    let stream = futures::stream::iter(pieces).then(move |piece| {
        sent += piece.len();
        let pause = sent >= pause_after;
        async move {
            if pause {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok::<_, std::io::Error>(piece)
        }
    });
    let stream = stream.chain(futures::stream::once(async move {
        guard.0.take();
        Ok(Bytes::new())
    }));
    ([("content-type", content_type), ("request-id", "req_loopback")], Body::from_stream(stream)).into_response()
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("server runs") });
    format!("http://{addr}")
}

struct Setup {
    gateway: String,
    reports: mpsc::UnboundedReceiver<TapReport>,
    dropped: mpsc::UnboundedReceiver<String>,
    recordings: Arc<Vec<(String, Vec<u8>, serde_json::Value)>>,
}

async fn setup() -> Setup {
    let mut recordings = corpus::corpus();
    for (name, body, expected) in corpus::bedrock() {
        recordings.push((format!("{name}.bin"), body, expected));
    }
    let recordings = Arc::new(recordings);
    let (dropped_tx, dropped) = mpsc::unbounded_channel();
    let upstream = serve(
        axum::Router::new()
            .route("/v1/messages", axum::routing::post(messages))
            .with_state(Upstream { recordings: recordings.clone(), dropped: dropped_tx }),
    )
    .await;
    let (tx, reports) = mpsc::unbounded_channel();
    let log = Arc::new(move |report: TapReport| {
        let _ = tx.send(report);
    });
    let gateway = serve(gateway::router(gateway::Gateway { upstream, client: reqwest::Client::new(), log })).await;
    Setup { gateway, reports, dropped, recordings }
}

fn post(setup: &Setup, name: &str, chunk: usize) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{}/v1/messages", setup.gateway))
        .header("x-recording", name)
        .header("x-chunk", chunk.to_string())
        .body(r#"{"stream":true}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recording_reaches_the_client_byte_for_byte_and_the_report_matches_the_sdk() {
    let mut setup = setup().await;
    let recordings = setup.recordings.clone();
    let mut runs = 0;
    for (name, body, expected) in recordings.iter() {
        for size in [1, 130, 16 * 1024, body.len()] {
            if size == 1 && body.len() > 8 * 1024 {
                continue;
            }
            let how = format!("loopback, {size}-byte chunks");
            let response = tokio::time::timeout(LIMIT, post(&setup, name, size).send()).await.unwrap().unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers().get("request-id").unwrap(), "req_loopback");
            let received = tokio::time::timeout(LIMIT, response.bytes()).await.unwrap().unwrap();
            assert!(received == body[..], "{name} ({how}): the client received other bytes");
            let report = tokio::time::timeout(LIMIT, setup.reports.recv()).await.unwrap().unwrap();
            super::tap::check_report(name, &how, body, &report, expected);
            assert_eq!(report.request_id.as_deref(), Some("req_loopback"));
            assert_eq!(report.status, Some(200));
            assert!(report.time_to_first_chunk.is_some());
            runs += 1;
        }
    }
    assert!(runs > 250, "{runs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_ends_the_upstream_and_the_report_at_once() {
    let mut setup = setup().await;
    let (name, body, _) = setup.recordings.iter().max_by_key(|(_, b, _)| b.len()).unwrap().clone();
    assert!(body.len() > 64 * 1024);
    for n in [1, 1000, 40_000] {
        let response = post(&setup, &name, 512).header("x-pause-after", n.to_string()).send().await.unwrap();
        let mut stream = response.bytes_stream();
        let mut got = 0;
        while got < n {
            got += tokio::time::timeout(LIMIT, stream.next()).await.unwrap().unwrap().unwrap().len();
        }
        drop(stream);
        let report = tokio::time::timeout(LIMIT, setup.reports.recv()).await.expect("the report comes").unwrap();
        assert!(report.client_gone && !report.complete, "{n}: {}", report.to_json());
        assert!(report.bytes_forwarded >= got as u64 && report.bytes_forwarded < body.len() as u64, "{n}");
        let dropped = tokio::time::timeout(LIMIT, setup.dropped.recv()).await.expect("the upstream is dropped");
        assert_eq!(dropped.as_deref(), Some(name.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_2xx_reaches_the_client_untouched_and_its_api_error_is_reported() {
    let mut setup = setup().await;
    let response = tokio::time::timeout(LIMIT, post(&setup, "529", 0).send()).await.unwrap().unwrap();
    assert_eq!(response.status(), 529);
    assert_eq!(response.headers().get("retry-after").unwrap(), "2");
    let body = response.bytes().await.unwrap();
    assert_eq!(body, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
    let report = tokio::time::timeout(LIMIT, setup.reports.recv()).await.unwrap().unwrap();
    assert!(!report.client_gone, "{}", report.to_json());
    let error = report.error.as_ref().expect("recorded");
    assert_eq!(error.api_error().map(|a| (a.error_type(), a.status())), Some(("overloaded_error", Some(529))));
    assert_eq!(error.request_id(), Some("req_529"));
    assert_eq!(report.outcome(), "api_error");
    assert_eq!(report.bytes_forwarded, body.len() as u64);
}
