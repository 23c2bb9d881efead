//! The gateway tap in process: what it forwards is what came (every recording, every chunking), what it reports
//! is what the SDK folds; how it ends (client gone, upstream error, stall, `event: error`, non-2xx, not a
//! stream); its figures under an injected clock. Every wait is bounded.

#![cfg(all(feature = "http", feature = "tokio"))]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anthropic_sse::error::ErrorKind;
use anthropic_sse::framing::Format;
use anthropic_sse::{Events, SAMPLE_STREAM, StreamEvent, Tap, TapReport};
use anthropic_sse_kit::corpus;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};

const LIMIT: Duration = Duration::from_secs(10);

/// `body` cut into `size`-byte chunks.
fn chunks(body: &[u8], size: usize) -> Vec<Bytes> {
    anthropic_sse_kit::streams::chunked(&Bytes::copy_from_slice(body), size.max(1))
}

/// A stream of the chunks that says when it is dropped.
fn upstream(
    chunks: Vec<Bytes>,
    dropped: Arc<AtomicBool>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let flag = Flag(dropped);
    futures::stream::iter(chunks).map(move |chunk| {
        let _ = &flag;
        Ok(chunk)
    })
}

/// The report as the fold's result, for the SDK comparison.
pub fn as_result(report: &TapReport) -> Result<anthropic_sse::Message, anthropic_sse::Error> {
    match &report.error {
        Some(error) => Err(error.clone()),
        None => Ok(report.message.clone().expect("a complete report has its message")),
    }
}

/// Checks one tapped run of `body` against the SDK's final message and against the crate's own reading.
pub fn check_report(name: &str, how: &str, body: &[u8], report: &TapReport, expected: &serde_json::Value) {
    let direct = futures::executor::block_on(
        Events::new(futures::stream::iter([Ok::<_, std::io::Error>(Bytes::copy_from_slice(body))]))
            .with_format(Format::detect(body, true).expect("a format"))
            .final_message(),
    );
    let expected = expected.get("ok").unwrap_or_else(|| panic!("{name}: no `ok` in final.json"));
    corpus::assert_final_equals_sdk(name, how, as_result(report), Some(direct.is_ok()), expected);
    assert_eq!(report.complete, direct.is_ok(), "{name} ({how}): complete");
    assert!(!report.client_gone, "{name} ({how})");
    let usage = serde_json::to_value(report.usage().expect("usage")).unwrap();
    let expected_usage = corpus::without_nulls(&expected["usage"]);
    assert_eq!(corpus::difference(&expected_usage, &usage), None, "{name} ({how}): usage");
    assert_eq!(report.bytes_forwarded, body.len() as u64, "{name} ({how})");
    assert_eq!(report.bytes_received, body.len() as u64, "{name} ({how})");
}

#[test]
fn every_recording_in_every_chunking_is_forwarded_untouched_and_reported_as_the_sdk_folds_it() {
    let cases: Vec<_> = corpus::corpus().into_iter().chain(corpus::bedrock()).collect();
    let mut runs = 0;
    for (name, body, expected) in &cases {
        for size in [1, 7, 130, 4096, 16 * 1024, body.len()] {
            if size == 1 && body.len() > 64 * 1024 {
                continue;
            }
            let how = format!("{size}-byte chunks");
            let tap = Tap::new(upstream(chunks(body, size), Arc::default()));
            let observer = tap.observer();
            let forwarded: Vec<Bytes> = futures::executor::block_on(tap.map(Result::unwrap).collect());
            assert_eq!(forwarded.concat(), *body, "{name} ({how}): forwarded bytes");
            assert!(forwarded.iter().all(|c| c.len() <= size.max(1)), "{name} ({how}): never gathered");
            let report = observer.now_or_never().expect("resolved at the end of the body");
            check_report(name, &how, body, &report, expected);
            let format = if name.ends_with(".bin") || body.first() == Some(&0) { Format::Bedrock } else { Format::Sse };
            assert_eq!(report.format, Some(format), "{name}");
            runs += 1;
        }
    }
    assert!(runs > 300, "{runs} runs");
}

#[test]
fn forwarded_chunks_are_the_upstream_s_own_bytes() {
    let sent = chunks(SAMPLE_STREAM, 100);
    let tap = Tap::new(upstream(sent.clone(), Arc::default()));
    let forwarded: Vec<Bytes> = futures::executor::block_on(tap.map(Result::unwrap).collect());
    assert_eq!(forwarded.len(), sent.len());
    for (a, b) in forwarded.iter().zip(&sent) {
        assert_eq!(a.as_ptr(), b.as_ptr(), "the same Bytes, not a copy");
    }
}

#[test]
fn a_client_gone_completes_the_report_at_once_with_the_message_so_far_and_drops_the_upstream() {
    for n in [0, 1, 200, 700, 1500, SAMPLE_STREAM.len() - 20] {
        let dropped = Arc::new(AtomicBool::new(false));
        let mut tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 50), dropped.clone()));
        let observer = tap.observer();
        let mut got = 0;
        while got < n {
            got += futures::executor::block_on(tap.next()).expect("more").unwrap().len();
        }
        assert!(observer.snapshot().error.is_none());
        drop(tap);
        assert!(dropped.load(Ordering::SeqCst), "{n}: the upstream is dropped at once");
        let report = observer.now_or_never().expect("complete at once");
        assert!(report.client_gone && !report.complete, "{n}");
        assert_eq!(report.outcome(), "client_gone");
        assert_eq!(report.bytes_forwarded, got as u64);
        // The message so far is what the fold gives for the bytes that went out.
        let mut decoder = anthropic_sse::EventDecoder::new();
        decoder.feed(&SAMPLE_STREAM[..got]);
        let _ = decoder.fold_buffered();
        let so_far = decoder.into_partial_message();
        assert_eq!(
            report.message.as_ref().map(|m| serde_json::to_value(m).unwrap()),
            so_far.map(|m| serde_json::to_value(m).unwrap()),
            "{n}"
        );
    }
}

#[tokio::test]
async fn keep_reading_after_the_client_went_learns_the_final_usage_within_its_bounds() {
    let full =
        futures::executor::block_on(Events::new(upstream(chunks(SAMPLE_STREAM, 64), Arc::default())).final_message())
            .unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let mut tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 64), dropped.clone()))
        .with_keep_reading(Duration::from_secs(5), 1 << 20);
    let observer = tap.observer();
    let first = tap.next().await.unwrap().unwrap();
    drop(tap);
    assert!(!dropped.load(Ordering::SeqCst), "kept for the observer");
    let report = tokio::time::timeout(LIMIT, observer).await.expect("bounded");
    assert!(report.client_gone && report.complete && report.error.is_none(), "{report:?}");
    assert_eq!(report.usage(), Some(&full.usage));
    assert_eq!(report.bytes_forwarded, first.len() as u64);
    assert_eq!(report.bytes_received, SAMPLE_STREAM.len() as u64);

    // The byte bound stops the reading: the usage is then not final.
    let mut tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 64), Arc::default())).with_keep_reading(LIMIT, 128);
    let observer = tap.observer();
    tap.next().await.unwrap().unwrap();
    drop(tap);
    let report = tokio::time::timeout(LIMIT, observer).await.expect("bounded");
    assert!(report.client_gone && !report.complete);
    assert_eq!(report.bytes_received, 64 + 128);

    // The time bound: an upstream that goes silent.
    let silent = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(&SAMPLE_STREAM[..300]))])
        .chain(futures::stream::pending());
    let mut tap = Tap::new(silent).with_keep_reading(Duration::from_millis(50), 1 << 20);
    let observer = tap.observer();
    tap.next().await.unwrap().unwrap();
    drop(tap);
    let report = tokio::time::timeout(LIMIT, observer).await.expect("the time bound ends it");
    assert!(report.client_gone && !report.complete);

    // With no observer left, nothing is read.
    let dropped = Arc::new(AtomicBool::new(false));
    let tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 64), dropped.clone())).with_keep_reading(LIMIT, 1 << 20);
    drop(tap);
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn an_upstream_error_is_forwarded_as_it_is_and_recorded_with_the_message_so_far() {
    let head = Bytes::from_static(&SAMPLE_STREAM[..900]);
    let failing = futures::stream::iter([
        Ok(head.clone()),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "upstream reset")),
    ]);
    let tap = Tap::new(failing);
    let observer = tap.observer();
    let items: Vec<_> = futures::executor::block_on(tap.collect());
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].as_ref().unwrap_err().kind(), std::io::ErrorKind::ConnectionReset, "as it came");
    let report = observer.now_or_never().unwrap();
    let error = report.error.as_ref().expect("recorded");
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.to_string().contains("upstream reset"), "{error}");
    assert_eq!(report.outcome(), "cut_short");
    assert!(report.message.as_ref().is_some_and(|m| !m.content.is_empty()));

    // Ended early: incomplete, forwarded whole.
    let tap = Tap::new(upstream(vec![head.clone()], Arc::default()));
    let observer = tap.observer();
    let forwarded: Vec<_> = futures::executor::block_on(tap.map(Result::unwrap).collect());
    assert_eq!(forwarded.concat(), head);
    let report = observer.now_or_never().unwrap();
    assert_eq!(report.error.as_ref().map(|e| e.kind()), Some(ErrorKind::Incomplete));
    assert_eq!(report.outcome(), "cut_short");
}

#[tokio::test]
async fn a_stalled_upstream_ends_the_forwarded_body_when_an_idle_timeout_is_set() {
    let silent = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(&SAMPLE_STREAM[..900]))])
        .chain(futures::stream::pending());
    let tap = Tap::new(silent).with_idle_timeout(Duration::from_millis(50));
    let observer = tap.observer();
    let forwarded: Vec<_> = tokio::time::timeout(LIMIT, tap.collect::<Vec<_>>()).await.expect("ends");
    assert_eq!(forwarded.len(), 1);
    let report = observer.now_or_never().unwrap();
    assert_eq!(report.error.as_ref().map(|e| e.kind()), Some(ErrorKind::Stalled));
    assert_eq!(report.outcome(), "stalled");
    assert!(report.error.unwrap().content_delivered());
}

#[test]
fn an_error_event_is_forwarded_and_recorded_and_forwarding_goes_on() {
    let cut = SAMPLE_STREAM.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let error = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let body = [&SAMPLE_STREAM[..cut], &error[..], &SAMPLE_STREAM[cut..]].concat();
    let tap = Tap::new(upstream(chunks(&body, 37), Arc::default())).with_request_ids(Some("req_1"), None);
    let observer = tap.observer();
    let forwarded: Vec<_> = futures::executor::block_on(tap.map(Result::unwrap).collect());
    assert_eq!(forwarded.concat(), body, "everything, after the error too");
    let report = observer.now_or_never().unwrap();
    let api = report.error.as_ref().and_then(|e| e.api_error()).expect("an API error");
    assert_eq!(api.error_type(), "overloaded_error");
    assert!(report.error.as_ref().unwrap().should_retry());
    assert_eq!(report.error.as_ref().unwrap().request_id(), Some("req_1"));
    assert_eq!(report.outcome(), "api_error");
    assert_eq!(report.bytes_forwarded, body.len() as u64);
}

#[test]
fn a_non_2xx_response_is_forwarded_and_its_api_error_recorded() {
    let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_9"}"#;
    let response = http::Response::builder()
        .status(529)
        .header("content-type", "application/json")
        .header("request-id", "req_9")
        .header("retry-after", "3")
        .body(http_body_util::Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    let tapped = Tap::response(response);
    assert_eq!(tapped.status(), 529);
    let observer = tapped.body().observer();
    let bytes = futures::executor::block_on(http_body_util::BodyExt::collect(tapped.into_body())).unwrap().to_bytes();
    assert_eq!(bytes, body.as_bytes());
    let report = observer.now_or_never().unwrap();
    let error = report.error.as_ref().expect("recorded");
    let api = error.api_error().expect("an API error");
    assert_eq!((api.error_type(), api.status()), ("overloaded_error", Some(529)));
    assert_eq!(error.request_id(), Some("req_9"));
    assert!(error.retry_after().is_some());
    assert_eq!((report.status, report.request_id.as_deref()), (Some(529), Some("req_9")));
    assert_eq!(report.outcome(), "api_error");
}

#[test]
fn a_body_that_is_not_a_stream_is_forwarded_and_recorded_as_such() {
    let message = r#"{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#;
    for (content_type, body, with_message) in
        [("application/json", message, true), ("text/html", "<html>not here</html>", false)]
    {
        let response = http::Response::builder()
            .header("content-type", content_type)
            .body(http_body_util::Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap();
        let tapped = Tap::response(response);
        let observer = tapped.body().observer();
        let bytes =
            futures::executor::block_on(http_body_util::BodyExt::collect(tapped.into_body())).unwrap().to_bytes();
        assert_eq!(bytes, body.as_bytes(), "{content_type}");
        let report = observer.now_or_never().unwrap();
        assert_eq!(report.error.as_ref().map(|e| e.kind()), Some(ErrorKind::NotAStream), "{content_type}");
        assert_eq!(report.outcome(), "not_a_stream");
        assert_eq!(report.usage().and_then(|u| u.input_tokens), with_message.then_some(3), "{content_type}");
    }
    // A 2xx stream read by its content type, trailers passed on.
    let response = http::Response::builder()
        .header("content-type", "text/event-stream")
        .body(http_body_util::StreamBody::new(futures::stream::iter([
            Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(SAMPLE_STREAM))),
            Ok(http_body::Frame::trailers(http::HeaderMap::from_iter([(
                http::header::HeaderName::from_static("x-done"),
                http::HeaderValue::from_static("1"),
            )]))),
        ])))
        .unwrap();
    let tapped = Tap::response(response);
    let observer = tapped.body().observer();
    let collected = futures::executor::block_on(http_body_util::BodyExt::collect(tapped.into_body())).unwrap();
    assert_eq!(collected.trailers().and_then(|t| t.get("x-done")).map(|v| v.as_bytes()), Some(&b"1"[..]));
    assert_eq!(collected.to_bytes(), SAMPLE_STREAM);
    let report = observer.now_or_never().unwrap();
    assert!(report.complete && report.error.is_none());
    assert_eq!(report.format, Some(Format::Sse));
}

#[test]
fn the_figures_follow_the_injected_clock() {
    // The clock moves 10 ms at each reading: the start is reading 0, chunk k is reading k + 1.
    let base = Instant::now();
    let ticks = Arc::new(AtomicU64::new(0));
    let clock = {
        let ticks = ticks.clone();
        move || base + Duration::from_millis(10 * ticks.fetch_add(1, Ordering::SeqCst))
    };
    let sent = chunks(SAMPLE_STREAM, 100);
    let tap = Tap::new(upstream(sent.clone(), Arc::default())).with_clock(clock);
    let observer = tap.observer();
    let _: Vec<_> = futures::executor::block_on(tap.collect());
    let report = observer.now_or_never().unwrap();
    assert_eq!(ticks.load(Ordering::SeqCst), 1 + sent.len() as u64, "read once per chunk");
    // The chunk that completes the first event, and the first content delta.
    let ends_by = |needle: &[u8]| {
        let at = SAMPLE_STREAM.windows(needle.len()).position(|w| w == needle).unwrap();
        let end = at + SAMPLE_STREAM[at..].windows(2).position(|w| w == b"\n\n").unwrap() + 2;
        Duration::from_millis(10 * end.div_ceil(100) as u64)
    };
    assert_eq!(report.time_to_first_chunk, Some(Duration::from_millis(10)));
    assert_eq!(report.time_to_first_event, Some(ends_by(b"message_start")));
    assert_eq!(report.time_to_first_content, Some(ends_by(b"content_block_delta")));
    assert_eq!(report.time_to_last_chunk, Some(Duration::from_millis(10 * sent.len() as u64)));
    assert_eq!(report.chunk_gap_max, Some(Duration::from_millis(10)));
    for gap in [report.chunk_gap_median, report.chunk_gap_p99] {
        let ms = gap.unwrap().as_secs_f64() * 1e3;
        assert!((ms - 10.0).abs() <= 10.0 / 32.0, "{ms}");
    }
    assert_eq!(report.chunks, sent.len() as u64);
    // A start given by the caller counts from there.
    let tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 100), Arc::default()))
        .with_clock(move || base + Duration::from_secs(1))
        .with_start(base);
    let observer = tap.observer();
    let _: Vec<_> = futures::executor::block_on(tap.collect());
    assert_eq!(observer.now_or_never().unwrap().time_to_first_chunk, Some(Duration::from_secs(1)));
}

#[test]
fn snapshots_and_the_event_callback_see_the_stream_as_it_goes() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 200), Arc::default())).with_event_callback({
        let seen = seen.clone();
        move |event: &StreamEvent| seen.lock().unwrap().push(event.type_name().to_owned())
    });
    let observer = tap.observer();
    let second = observer.clone();
    let mut last_text = 0;
    while let Some(chunk) = futures::executor::block_on(tap.next()) {
        chunk.unwrap();
        let snapshot = observer.snapshot();
        assert!(snapshot.error.is_none() && !snapshot.client_gone);
        let text = snapshot.message.as_ref().map_or(0, |m| m.text().len());
        assert!(text >= last_text, "the message only grows");
        last_text = text;
    }
    let report = futures::executor::block_on(observer);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first().map(String::as_str), Some("message_start"));
    assert_eq!(seen.last().map(String::as_str), Some("message_stop"));
    assert_eq!(report.events, seen.len() as u64);
    let again = second.now_or_never().expect("every observer sees the report");
    assert_eq!(again.to_json(), report.to_json());
    let line: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(line["outcome"], "complete");
    assert_eq!(line["usage"]["output_tokens"], 57);
}

#[test]
fn reading_stops_at_its_first_error_and_forwarding_does_not() {
    let body = [SAMPLE_STREAM, b"event: content_block_delta\ndata: {not json\n\n", SAMPLE_STREAM].concat();
    let bad = [b"event: message_start\ndata: {not json\n\n".as_slice(), SAMPLE_STREAM].concat();
    for (input, complete) in [(body, true), (bad, false)] {
        let tap = Tap::new(upstream(chunks(&input, 64), Arc::default()));
        let observer = tap.observer();
        let forwarded: Vec<_> = futures::executor::block_on(tap.map(Result::unwrap).collect());
        assert_eq!(forwarded.concat(), input);
        let report = observer.now_or_never().unwrap();
        assert_eq!(report.complete, complete);
        if !complete {
            assert_eq!(report.error.as_ref().map(|e| e.kind()), Some(ErrorKind::Json));
            assert_eq!(report.outcome(), "unreadable");
        }
    }
}

#[test]
fn every_line_ending_in_every_chunking_is_read_as_the_driver_reads_it() {
    let lf = SAMPLE_STREAM.to_vec();
    let crlf = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r\n").into_bytes();
    let cr = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r").into_bytes();
    for (ending, body) in [("LF", lf), ("CRLF", crlf), ("CR", cr)] {
        let direct = futures::executor::block_on(
            Events::new(upstream(vec![Bytes::from(body.clone())], Arc::default())).final_message(),
        )
        .unwrap();
        for size in [1, 2, 3, 7, 64, 130, body.len()] {
            let sent = chunks(&body, size);
            let mut tap = Tap::new(upstream(sent.clone(), Arc::default()));
            let observer = tap.observer();
            let mut forwarded = Vec::new();
            for _ in 0..sent.len() {
                forwarded.push(futures::executor::block_on(tap.next()).unwrap().unwrap());
            }
            assert_eq!(forwarded.concat(), body);
            // Every byte forwarded, the end not yet seen: the message is read, in whatever line ends.
            let so_far = observer.snapshot();
            assert!(so_far.complete && so_far.time_to_first_content.is_some(), "{ending}, {size}");
            assert_eq!(so_far.message.as_ref(), Some(&direct), "{ending}, {size}");
            // The client leaves then: the outcome is complete.
            drop(tap);
            let report = observer.now_or_never().unwrap();
            assert!(report.error.is_none(), "{ending}, {size}: {:?}", report.error);
            assert_eq!(report.outcome(), "complete", "{ending}, {size}");
            assert_eq!(report.message.as_ref(), Some(&direct), "{ending}, {size}");
        }
    }
}

#[test]
fn a_line_past_the_limit_is_recorded_and_forwarded() {
    let limits = anthropic_sse::Limits::default().with_max_line_bytes(1024);
    let mut body = b"event: message_start\ndata: ".to_vec();
    body.extend(std::iter::repeat_n(b'x', 100_000));
    let tap = Tap::new(upstream(chunks(&body, 100), Arc::default())).with_limits(limits);
    let observer = tap.observer();
    let forwarded: Vec<_> = futures::executor::block_on(tap.map(Result::unwrap).collect());
    assert_eq!(forwarded.concat(), body);
    let report = observer.now_or_never().unwrap();
    assert_eq!(report.error.as_ref().map(|e| e.kind()), Some(ErrorKind::Limit), "{:?}", report.error);
    assert_eq!(report.outcome(), "unreadable");
}

#[tokio::test]
async fn the_idle_timeout_no_longer_applies_after_message_stop_even_when_small_chunks_were_gathered() {
    // Small chunks after the first content are gathered before they are folded: the timer's check for
    // `message_stop` folds them first, and the connection left open after it is no stall (CRLF line ends too).
    let crlf = String::from_utf8(SAMPLE_STREAM.to_vec()).unwrap().replace('\n', "\r\n");
    for body in [SAMPLE_STREAM.to_vec(), crlf.into_bytes()] {
        idle_after_message_stop(&body).await;
    }
}

async fn idle_after_message_stop(body: &[u8]) {
    let open = futures::stream::iter(chunks(body, 20).into_iter().map(Ok::<_, std::io::Error>))
        .chain(futures::stream::pending());
    let mut tap = Tap::new(open).with_idle_timeout(Duration::from_millis(30));
    let observer = tap.observer();
    let mut forwarded = Vec::new();
    let waited = tokio::time::timeout(Duration::from_millis(300), async {
        while let Some(chunk) = tap.next().await {
            forwarded.push(chunk.unwrap());
        }
    })
    .await;
    assert!(waited.is_err(), "the tap ended the body after message_stop");
    assert_eq!(forwarded.concat(), body);
    let report = observer.snapshot();
    assert!(report.complete && report.error.is_none(), "{:?}", report.error);
    drop(tap);
    let report = observer.now_or_never().unwrap();
    assert!(report.complete && report.client_gone && report.error.is_none());
    assert_eq!(report.outcome(), "complete", "the client left after the whole message");
}

#[test]
fn usage_counts_that_arrive_in_message_delta_are_reported() {
    // A compatible gateway that reports input and cache counts at the end, not in message_start.
    let body = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,\"output_tokens\":7,\"server_tool_use\":{\"web_search_requests\":1}}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    let tap = Tap::new(upstream(chunks(body.as_bytes(), 16), Arc::default()));
    let observer = tap.observer();
    let _: Vec<_> = futures::executor::block_on(tap.collect());
    let report = observer.now_or_never().unwrap();
    let usage = report.usage().unwrap();
    assert_eq!(
        (usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens, usage.output_tokens),
        (Some(12), Some(3), Some(5), Some(7))
    );
    assert_eq!(usage.server_tool_use.as_ref().map(|r| r.get()), Some(r#"{"web_search_requests":1}"#));
    assert_eq!((report.message_id(), report.model()), (Some("msg_1"), Some("m")));
    assert_eq!(report.stop_reason().map(|r| r.as_str()), Some("end_turn"));
}

#[test]
fn a_body_that_says_it_has_ended_and_is_dropped_is_an_end_not_a_client_gone() {
    // hyper stops at `is_end_stream()` and drops the body without polling it to `None`.
    let response = http::Response::builder()
        .header("content-type", "text/event-stream")
        .body(http_body_util::Full::new(Bytes::from_static(SAMPLE_STREAM)))
        .unwrap();
    let mut tapped = Tap::response(response).into_body();
    let observer = tapped.observer();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let frame = http_body::Body::poll_frame(std::pin::Pin::new(&mut tapped), &mut cx);
    assert!(matches!(frame, std::task::Poll::Ready(Some(Ok(_)))));
    assert!(http_body::Body::is_end_stream(&tapped));
    drop(tapped);
    let report = observer.now_or_never().unwrap();
    assert!(report.complete && !report.client_gone && report.error.is_none(), "{}", report.to_json());
}

#[test]
fn a_callback_that_panics_is_not_called_again_and_forwarding_and_reading_go_on() {
    let calls = Arc::new(AtomicU64::new(0));
    let tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 400), Arc::default())).with_event_callback({
        let calls = calls.clone();
        move |_: &StreamEvent| {
            if calls.fetch_add(1, Ordering::SeqCst) == 1 {
                panic!("a metrics bug");
            }
        }
    });
    let observer = tap.observer();
    let forwarded: Vec<_> = futures::executor::block_on(tap.map(Result::unwrap).collect());
    assert_eq!(forwarded.concat(), SAMPLE_STREAM, "every chunk, the one that panicked included");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "not called after its panic");
    let report = observer.now_or_never().unwrap();
    assert!(report.complete && report.error.is_none() && report.finished);
    // And dropped mid-stream after a panic: no abort from the drop.
    let tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 400), Arc::default()))
        .with_event_callback(|_: &StreamEvent| panic!("always"));
    let observer = tap.observer();
    let mut tap = tap;
    futures::executor::block_on(tap.next()).unwrap().unwrap();
    drop(tap);
    assert!(observer.now_or_never().unwrap().client_gone);
}

#[test]
fn a_snapshot_before_the_end_is_in_progress_and_the_start_given_stays() {
    let mut tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 300), Arc::default()));
    let observer = tap.observer();
    futures::executor::block_on(tap.next()).unwrap().unwrap();
    let so_far = observer.snapshot();
    assert!(!so_far.finished);
    assert_eq!(so_far.outcome(), "in_progress");
    let _: Vec<_> = futures::executor::block_on(tap.collect());
    assert_eq!(observer.snapshot().outcome(), "complete");

    let base = Instant::now();
    let tap = Tap::new(upstream(chunks(SAMPLE_STREAM, 300), Arc::default()))
        .with_start(base)
        .with_clock(move || base + Duration::from_secs(2));
    let observer = tap.observer();
    let _: Vec<_> = futures::executor::block_on(tap.collect());
    assert_eq!(observer.now_or_never().unwrap().time_to_first_chunk, Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn keep_reading_wakes_every_waiting_observer() {
    // An observer polled once and left behind must not take the wake-ups from the one that waits.
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, std::io::Error>>();
    let mut tap = Tap::new(rx).with_keep_reading(Duration::from_secs(5), 1 << 20);
    let waiting = tap.observer();
    let mut other = tap.observer();
    tx.unbounded_send(Ok(Bytes::from_static(&SAMPLE_STREAM[..200]))).unwrap();
    tap.next().await.unwrap().unwrap();
    drop(tap);
    let logger = tokio::spawn(waiting);
    tokio::task::yield_now().await;
    assert!((&mut other).now_or_never().is_none(), "still reading");
    // The rest arrives while only `logger` waits.
    tx.unbounded_send(Ok(Bytes::from_static(&SAMPLE_STREAM[200..]))).unwrap();
    drop(tx);
    let report = tokio::time::timeout(LIMIT, logger).await.expect("woken").unwrap();
    assert!(report.complete && report.client_gone, "{}", report.to_json());
}
