//! The HTTP edge over real sockets: an axum HTTP/1.1 server on 127.0.0.1 answers with every kind of response
//! (statuses with and without retry headers, an HTML 502, a JSON message, an unknown content type, SSE, a
//! Bedrock body with `x-amzn-requestid`); the client is reqwest, through `anthropic_sse::reqwest::events` and
//! through `http::Response::from` into `anthropic_sse::http::events`, and a hyper 1 client. Every wait is bounded.

#![cfg(all(feature = "reqwest", feature = "tokio"))]

use std::time::Duration;

use anthropic_sse::error::{ErrorKind, RetryAfter};
use anthropic_sse::{BlockingEvents, Error, SAMPLE_STREAM};
use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;

const LIMIT: Duration = Duration::from_secs(10);

fn response(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).expect("a response")
}

async fn route(Path(case): Path<String>) -> Response {
    let error =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_body"}"#;
    match case.as_str() {
        "sse" => response(
            200,
            &[("content-type", "text/event-stream; charset=utf-8"), ("request-id", "req_sse")],
            SAMPLE_STREAM,
        ),
        "bedrock" => response(
            200,
            &[
                ("content-type", "application/vnd.amazon.eventstream"),
                ("x-amzn-requestid", "amzn-1"),
                ("request-id", "req_b"),
            ],
            anthropic_sse_kit::bedrock::encode(SAMPLE_STREAM, true),
        ),
        "bedrock-throttled" => {
            let mut body = anthropic_sse_kit::bedrock::encode(&SAMPLE_STREAM[..600], false);
            body.extend(anthropic_sse_kit::bedrock::exception("throttlingException", "Too many requests"));
            response(
                200,
                &[("content-type", "application/vnd.amazon.eventstream"), ("x-amzn-requestid", "amzn-2")],
                body,
            )
        }
        "529" => response(529, &[("content-type", "application/json"), ("request-id", "req_529")], error),
        "529-no-retry" => response(529, &[("x-should-retry", "false")], error),
        "400-retry" => response(
            400,
            &[("x-should-retry", "true")],
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#,
        ),
        "429-ms" => response(429, &[("retry-after-ms", "1500"), ("retry-after", "9")], ""),
        "429-float" => response(429, &[("retry-after", "2.5")], ""),
        "429-date" => response(429, &[("retry-after", "Sun, 15 Jun 2025 15:07:00 GMT")], ""),
        "502-html" => {
            response(502, &[("content-type", "text/html")], "<html><body><h1>502 Bad Gateway</h1></body></html>")
        }
        "json-message" => {
            response(200, &[("content-type", "application/json")], r#"{"type":"message","id":"m","content":[]}"#)
        }
        "plain" => response(200, &[("content-type", "text/plain")], "hello"),
        _ => response(404, &[], "no such case"),
    }
}

async fn serve() -> String {
    let app = Router::new().route("/{case}", get(route));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("server runs") });
    format!("http://{addr}")
}

/// The outcome for a case, through both doors: the final message, or the error.
async fn both(base: &str, case: &str) -> [Result<anthropic_sse::Message, Error>; 2] {
    let url = format!("{base}/{case}");
    let one = async {
        let response = reqwest::get(&url).await?;
        anthropic_sse::reqwest::events(response).await?.final_message().await
    };
    let two = async {
        let response = reqwest::get(&url).await?;
        anthropic_sse::http::events(http::Response::from(response)).await?.final_message().await
    };
    let one = tokio::time::timeout(LIMIT, one).await.expect("in time");
    let two = tokio::time::timeout(LIMIT, two).await.expect("in time");
    [one, two]
}

#[tokio::test]
async fn streams_in_one_call() {
    let base = serve().await;
    let expected = BlockingEvents::new(SAMPLE_STREAM).final_message().unwrap();
    for case in ["sse", "bedrock"] {
        for result in both(&base, case).await {
            assert_eq!(result.unwrap(), expected, "{case}");
        }
    }
    // The request ids reach the stream's decoder.
    let response = reqwest::get(format!("{base}/bedrock")).await.unwrap();
    let events = anthropic_sse::reqwest::events(response).await.unwrap();
    assert_eq!(events.decoder().aws_request_id(), Some("amzn-1"));
    assert_eq!(events.decoder().request_id(), Some("req_b"));
    // A Bedrock exception after the 200: its type, its status' advice, the AWS id as the primary one.
    for result in both(&base, "bedrock-throttled").await {
        let err = result.unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(
            (api.error_type(), api.status(), api.request_id()),
            ("throttlingException", Some(429), Some("amzn-2"))
        );
        assert!(err.should_retry());
        assert!(err.partial_message().is_some(), "the message so far");
        assert!(err.content_delivered());
    }
}

#[tokio::test]
async fn error_responses_with_their_status_ids_and_retry_advice() {
    let base = serve().await;
    for result in both(&base, "529").await {
        let err = result.unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(
            (api.http_status(), api.error_type(), api.request_id()),
            (Some(529), "overloaded_error", Some("req_529"))
        );
        assert!(err.should_retry());
    }
    for result in both(&base, "529-no-retry").await {
        assert!(!result.unwrap_err().should_retry(), "x-should-retry: false wins");
    }
    for result in both(&base, "400-retry").await {
        assert!(result.unwrap_err().should_retry(), "x-should-retry: true wins");
    }
    for (case, after) in [
        ("429-ms", RetryAfter::Seconds(1.5)),
        ("429-float", RetryAfter::Seconds(2.5)),
        ("429-date", RetryAfter::At(1_750_000_020)),
    ] {
        for result in both(&base, case).await {
            let err = result.unwrap_err();
            assert_eq!(err.api_error().and_then(|api| api.retry_after()), Some(after), "{case}");
        }
    }
    for result in both(&base, "502-html").await {
        let err = result.unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(api.http_status(), Some(502));
        assert!(api.message().contains("502 Bad Gateway"), "{api}");
        assert!(err.should_retry(), "a proxy's 502 is worth retrying");
    }
}

#[tokio::test]
async fn what_is_not_a_stream_says_so() {
    let base = serve().await;
    for result in both(&base, "json-message").await {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotAStream);
        assert!(err.to_string().contains("\"stream\": true"), "{err}");
    }
    for result in both(&base, "plain").await {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotAStream);
        assert!(err.to_string().contains("text/plain"), "{err}");
        assert_eq!(err.error_type(), "not_a_stream");
    }
}

/// The stall watchdog over a real socket: a server that sends three events and then nothing trips it, with the
/// message so far; one that is slow but alive (a ping every 100 ms) never does.
#[tokio::test]
async fn the_stall_watchdog() {
    async fn stalls() -> Response {
        let head: Vec<u8> = SAMPLE_STREAM.split(|&b| b == b'\n').take(9).flat_map(|l| [l, b"\n"].concat()).collect();
        let body = futures::StreamExt::chain(
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(head))]),
            futures::stream::pending(),
        );
        response(200, &[("content-type", "text/event-stream")], Body::from_stream(body))
    }
    async fn slow() -> Response {
        let pings = futures::stream::unfold(0u32, |n| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let chunk: &'static [u8] =
                if n < 8 { b"event: ping\ndata: {\"type\":\"ping\"}\n\n" } else { SAMPLE_STREAM };
            (n <= 8).then_some((Ok::<_, std::io::Error>(bytes::Bytes::from_static(chunk)), n + 1))
        });
        response(200, &[("content-type", "text/event-stream")], Body::from_stream(pings))
    }
    let app = Router::new().route("/stalls", get(stalls)).route("/slow", get(slow));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let response = reqwest::get(format!("{base}/stalls")).await.unwrap();
    let events = anthropic_sse::reqwest::events(response).await.unwrap().with_idle_timeout(Duration::from_millis(300));
    let err = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stalled, "{err}");
    assert!(err.content_delivered(), "{err}");
    assert!(err.to_string().contains("0.3 s"), "{err}");
    assert!(err.should_retry());
    assert!(err.partial_message().is_some_and(|m| !m.content.is_empty()));

    let response = reqwest::get(format!("{base}/slow")).await.unwrap();
    let events = anthropic_sse::reqwest::events(response).await.unwrap().with_idle_timeout(Duration::from_millis(300));
    let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").expect("no false alarm");
    assert_eq!(message, BlockingEvents::new(SAMPLE_STREAM).final_message().unwrap());
}

/// The same through a hyper 1 client: its `Response<Incoming>` goes to `http::events` as it is.
#[tokio::test]
async fn through_a_hyper_client() {
    let base = serve().await;
    let addr = base.trim_start_matches("http://").to_owned();
    let get = |path: &'static str| {
        let addr = addr.clone();
        async move {
            let stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
            tokio::spawn(connection);
            let request = http::Request::get(path)
                .header("host", addr.as_str())
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .expect("a request");
            sender.send_request(request).await.expect("a response")
        }
    };
    let expected = BlockingEvents::new(SAMPLE_STREAM).final_message().unwrap();
    for path in ["/sse", "/bedrock"] {
        let events = anthropic_sse::http::events(get(path).await).await.expect("a stream");
        let message = tokio::time::timeout(LIMIT, events.final_message()).await.expect("in time").unwrap();
        assert_eq!(message, expected, "{path}");
    }
    let err = anthropic_sse::http::events(get("/529").await).await.unwrap_err();
    assert_eq!(err.api_error().and_then(|api| api.http_status()), Some(529));
    assert_eq!(err.api_error().and_then(|api| api.request_id()), Some("req_529"));
    let err = anthropic_sse::http::events(get("/plain").await).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAStream);
}
