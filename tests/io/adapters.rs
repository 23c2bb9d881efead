//! The adapters as users hold them: any `futures::Stream` of byte chunks, a tokio `AsyncRead`, a blocking
//! `Read`, and `eventsource-stream` frames; transport errors in the middle; request ids; text helpers.

use std::io::Read;

use anthropic_sse::error::ErrorKind;
use anthropic_sse::{BlockingEvents, Error, Events, SAMPLE_STREAM, StreamEvent};
use futures::StreamExt;

const OVERLOADED: &[u8] = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_body\"}\n\n";

/// The sample cut after its first text delta.
fn sample_head() -> &'static [u8] {
    let cut = SAMPLE_STREAM.windows(11).position(|w| w == b" in Lisbon ").expect("the sample has its text");
    let end = cut + SAMPLE_STREAM[cut..].windows(2).position(|w| w == b"\n\n").expect("event end") + 2;
    &SAMPLE_STREAM[..end]
}

#[test]
fn any_chunk_type_works() {
    let expected = BlockingEvents::new(SAMPLE_STREAM).final_message().expect("sample is complete");
    let as_vec =
        futures::stream::iter(SAMPLE_STREAM.chunks(9).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>());
    let as_bytes = futures::stream::iter(
        SAMPLE_STREAM.chunks(9).map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c))),
    );
    let as_slices = futures::stream::iter(SAMPLE_STREAM.chunks(9).map(Ok::<_, std::io::Error>));
    let as_strings = futures::stream::iter(
        std::str::from_utf8(SAMPLE_STREAM).unwrap().lines().map(|l| Ok::<_, std::io::Error>(format!("{l}\n"))),
    );
    futures::executor::block_on(async {
        assert_eq!(Events::new(as_vec).final_message().await.unwrap(), expected);
        assert_eq!(Events::new(as_bytes).final_message().await.unwrap(), expected);
        assert_eq!(Events::new(as_slices).final_message().await.unwrap(), expected);
        assert_eq!(Events::new(as_strings).final_message().await.unwrap(), expected);
    });
}

#[test]
fn transport_error_mid_stream_ends_the_stream_and_keeps_the_message() {
    let chunks = vec![
        Ok(sample_head().to_vec()),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset")),
        Ok(b"never read".to_vec()),
    ];
    let items: Vec<_> = futures::executor::block_on(Events::new(futures::stream::iter(chunks)).collect());
    let last = items.last().expect("items");
    let Err(err) = last else { panic!("{last:?}") };
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.error_type(), "transport");
    assert!(err.should_retry());
    let source = std::error::Error::source(err).expect("the transport error is the source");
    assert!(source.to_string().contains("peer reset"));
    assert!(items[..items.len() - 1].iter().all(Result::is_ok), "events before the failure are delivered");

    let chunks = vec![Ok(sample_head().to_vec()), Err(std::io::Error::other("boom"))];
    let err =
        futures::executor::block_on(Events::new(futures::stream::iter(chunks)).final_message()).expect_err("fails");
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.partial_message().map(|m| m.text()).as_deref(), Some("Let me check the weather in Lisbon for you."));
}

#[test]
fn error_event_carries_the_request_id_header_and_ends_the_stream() {
    let mut body = sample_head().to_vec();
    body.extend_from_slice(OVERLOADED);
    body.extend_from_slice(b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    let stream =
        Events::new(futures::stream::iter([Ok::<_, std::io::Error>(body.clone())])).with_request_id("req_header");
    let items: Vec<_> = futures::executor::block_on(stream.collect());
    let Some(Err(err)) = items.last() else { panic!() };
    assert_eq!(err.api_error().and_then(|e| e.request_id()), Some("req_header"));
    assert_eq!(err.to_string(), "overloaded_error: Overloaded (request_id req_header)");
    assert!(items.iter().filter(|i| i.is_err()).count() == 1, "nothing after the error");

    let err = BlockingEvents::new(&body[..]).final_message().expect_err("error event");
    assert_eq!(err.api_error().and_then(|e| e.request_id()), Some("req_body"));
    assert!(err.partial_message().is_some());
}

#[test]
fn cut_stream_is_incomplete_with_the_partial_message() {
    let err = BlockingEvents::new(sample_head()).final_message().expect_err("no message_stop");
    assert_eq!(err.kind(), ErrorKind::Incomplete, "{err:?}");
    assert_eq!(err.error_type(), "incomplete");
    assert_eq!(err.partial_message().map(|m| m.content.len()), Some(1));

    let items: Vec<_> = BlockingEvents::new(&b""[..]).collect();
    assert!(
        matches!(items.as_slice(), [Err(e)] if e.kind() == ErrorKind::Incomplete && e.partial_message().is_none()),
        "{items:?}"
    );
}

#[test]
fn text_stream_and_final_text() {
    let chunks = || futures::stream::iter(SAMPLE_STREAM.chunks(17).map(Ok::<_, std::io::Error>));
    let pieces: Vec<String> = futures::executor::block_on(Events::new(chunks()).text().map(|t| t.unwrap()).collect());
    assert_eq!(pieces, ["Let me check the weather", " in Lisbon for you."]);
    let text = futures::executor::block_on(Events::new(chunks()).final_message()).map(|m| m.text()).unwrap();
    assert_eq!(text, pieces.concat());
}

#[test]
fn snapshot_grows_as_events_pass() {
    let mut stream = Events::new(futures::stream::iter(SAMPLE_STREAM.chunks(5).map(Ok::<_, std::io::Error>)));
    let mut texts = Vec::new();
    futures::executor::block_on(async {
        while let Some(event) = stream.next().await {
            if matches!(event.unwrap(), StreamEvent::ContentBlockDelta(_)) {
                texts.push(stream.decoder().snapshot().map(|m| m.text()).unwrap_or_default());
            }
        }
    });
    assert_eq!(
        texts[..2],
        ["Let me check the weather".to_owned(), "Let me check the weather in Lisbon for you.".to_owned()]
    );
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn tokio_async_read() {
    let message = Events::from_async_read(SAMPLE_STREAM).final_message().await.expect("complete");
    assert_eq!(message.content.len(), 2);
    let path = std::env::temp_dir().join(format!("anthropic-sse-async-{}.sse", std::process::id()));
    tokio::fs::write(&path, SAMPLE_STREAM).await.unwrap();
    let file = tokio::fs::File::open(&path).await.unwrap();
    let from_file = Events::from_async_read(file).final_message().await.expect("complete");
    tokio::fs::remove_file(&path).await.ok();
    assert_eq!(from_file, message);
}

/// A reader that fails after giving `good` bytes.
struct FailingReader<'a> {
    good: &'a [u8],
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.good.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "disk gone"));
        }
        let n = buf.len().min(self.good.len()).min(10);
        buf[..n].copy_from_slice(&self.good[..n]);
        self.good = &self.good[n..];
        Ok(n)
    }
}

#[test]
fn blocking_iterator_and_io_errors() {
    let events: Vec<_> = BlockingEvents::new(SAMPLE_STREAM).collect::<Result<_, _>>().expect("complete");
    assert_eq!(events.first().map(StreamEvent::type_name), Some("message_start"));
    assert_eq!(events.last().map(StreamEvent::type_name), Some("message_stop"));
    assert!(events.iter().any(|e| matches!(e, StreamEvent::Ping)));

    let err = BlockingEvents::new(FailingReader { good: sample_head() }).final_message().expect_err("read fails");
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    assert!(err.partial_message().is_some());
}

#[cfg(feature = "eventsource-stream")]
#[test]
fn eventsource_stream_frames() {
    use eventsource_stream::Eventsource;
    let expected = BlockingEvents::new(SAMPLE_STREAM).final_message().unwrap();
    let chunks = futures::stream::iter(
        SAMPLE_STREAM.chunks(11).map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c))),
    );
    let message = futures::executor::block_on(Events::from_eventsource(chunks.eventsource()).final_message()).unwrap();
    assert_eq!(message, expected);

    let frame = eventsource_stream::Event { event: "ping".into(), data: String::new(), id: String::new(), retry: None };
    assert_eq!(StreamEvent::from_eventsource(&frame).unwrap(), Some(StreamEvent::Ping));

    let mut body = sample_head().to_vec();
    body.extend_from_slice(OVERLOADED);
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]);
    let err = futures::executor::block_on(
        Events::from_eventsource(chunks.eventsource()).with_request_id("req_h").final_message(),
    )
    .unwrap_err();
    assert_eq!(err.api_error().and_then(|e| e.request_id()), Some("req_h"));
    assert!(err.partial_message().is_some());
}

#[test]
fn small_chunks_ready_together_give_every_event_before_a_transport_error() {
    let head = sample_head();
    let expected: Vec<_> = BlockingEvents::new(head).take_while(Result::is_ok).map(Result::unwrap).collect();
    assert!(expected.len() >= 4, "the head holds several events");
    let mut chunks: Vec<Result<Vec<u8>, std::io::Error>> = head.chunks(7).map(|c| Ok(c.to_vec())).collect();
    chunks.push(Err(std::io::Error::other("reset")));
    let items: Vec<_> = futures::executor::block_on(Events::new(futures::stream::iter(chunks)).collect());
    let (last, events) = items.split_last().expect("items");
    assert!(matches!(last, Err(e) if e.kind() == ErrorKind::Transport), "{last:?}");
    let events: Vec<_> = events.iter().map(|e| e.as_ref().expect("events before the error").clone()).collect();
    assert_eq!(events, expected);
}

#[test]
fn a_small_chunk_is_read_at_once_when_no_more_is_ready() {
    // One chunk with a whole event, then a source that never has more: the event must come out on the first
    // poll, not wait for more small chunks to gather.
    let mut first = Some(bytes::Bytes::from_static(b"event: ping\ndata: {\"type\": \"ping\"}\n\n"));
    let source = futures::stream::poll_fn(move |_| match first.take() {
        Some(chunk) => std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(chunk))),
        None => std::task::Poll::Pending,
    });
    let mut events = Events::new(source);
    let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
    let polled = events.poll_next_unpin(&mut cx);
    assert!(matches!(polled, std::task::Poll::Ready(Some(Ok(StreamEvent::Ping)))), "{polled:?}");
    assert!(events.poll_next_unpin(&mut cx).is_pending());
}

/// A tool call whose input is not JSON, then a text block, the stop reason and usage.
fn invalid_tool_then_text(tail: &str) -> Vec<u8> {
    let mut out = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n",
    );
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"get_weather\",\"input\":{}}}\n\n");
    for piece in ["{\"city\": ", "Lisbon}"] {
        out.push_str(&format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{}}}}}\n\n", serde_json::to_string(piece).unwrap()));
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"after\"}}\n\n");
    out.push_str(tail);
    out.into_bytes()
}

const CLEAN_END: &str = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":7}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

/// Every adapter's final message under one rule: invalid tool input is reported once the stream is read to its
/// end, with the complete message; another error wins, with the invalid block still marked.
#[test]
fn invalid_tool_input_costs_no_message_in_any_adapter() {
    let check_complete = |result: Result<anthropic_sse::Message, Error>| {
        let err = result.expect_err("invalid tool input is reported");
        assert!(
            err.tool_input_error()
                .is_some_and(|e| e.index() == 0 && e.name() == "get_weather" && e.raw() == "{\"city\": Lisbon}"),
            "{err:?}"
        );
        assert_eq!(err.error_type(), "json");
        let message = err.partial_message().expect("the complete message");
        assert_eq!(message.text(), "after");
        assert_eq!(message.stop_reason.as_ref().map(|s| s.as_str()), Some("tool_use"));
        assert_eq!(message.usage.output_tokens, Some(7));
        let input = message.content[0].tool_input().expect("tool block");
        assert_eq!(input.as_str(), "{}", "the block keeps its start input");
        assert_eq!(input.error().expect("marked").parse_error().offset, 9);
    };
    let body = invalid_tool_then_text(CLEAN_END);
    check_complete(BlockingEvents::new(&body[..]).final_message());
    let chunks =
        || futures::stream::iter(body.chunks(5).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>());
    check_complete(futures::executor::block_on(Events::new(chunks()).final_message()));
    // Iterating hands every event out, with no error item; the final message says what was wrong.
    let mut events = Events::new(chunks());
    let items: Vec<_> = futures::executor::block_on(async { (&mut events).collect::<Vec<_>>().await });
    assert!(items.iter().all(Result::is_ok), "no error item for invalid tool input");
    assert_eq!(items.len(), 9);
    assert!(events.decoder_mut().partial_tool_input(0).expect("tool block").is_err());
    check_complete(futures::executor::block_on(events.final_message()));
    let iterated = BlockingEvents::new(&body[..]).collect::<Vec<_>>();
    assert!(iterated.iter().all(Result::is_ok));
    #[cfg(feature = "eventsource-stream")]
    {
        use eventsource_stream::Eventsource;
        let frames = futures::stream::iter(vec![Ok::<_, std::io::Error>(body.clone())]).eventsource();
        check_complete(futures::executor::block_on(Events::from_eventsource(frames).final_message()));
    }

    // An error event afterwards is the error returned; the invalid block is still marked in its message.
    let body = invalid_tool_then_text(std::str::from_utf8(OVERLOADED).unwrap());
    let err = BlockingEvents::new(&body[..]).final_message().expect_err("overloaded");
    assert_eq!(err.error_type(), "overloaded_error");
    let partial = err.partial_message().expect("message so far");
    assert!(partial.content[0].tool_input().unwrap().error().is_some());
    // A cut likewise.
    let body = invalid_tool_then_text("");
    let err = BlockingEvents::new(&body[..]).final_message().expect_err("cut");
    assert_eq!(err.error_type(), "incomplete");
    assert!(err.partial_message().unwrap().content[0].tool_input().unwrap().error().is_some());
}

/// The first error stays the answer: the item handed out and `final_message` afterwards give the same error
/// (kind, API error, request id) with the message so far, in every adapter.
#[test]
fn the_first_error_is_the_answer_every_time_it_is_asked_for() {
    let mut body = sample_head().to_vec();
    body.extend_from_slice(OVERLOADED);
    let check = |item: &Error, last: &Error| {
        assert_eq!(item.error_type(), "overloaded_error");
        assert_eq!(last.error_type(), "overloaded_error");
        assert_eq!(item.api_error(), last.api_error());
        assert_eq!(last.api_error().and_then(|e| e.request_id()), Some("req_h"));
        let (a, b) = (item.partial_message().expect("the item carries the message"), last.partial_message());
        assert_eq!(Some(a), b);
        assert!(a.text().contains("Lisbon"), "{a:?}");
    };
    // Blocking.
    let mut events = BlockingEvents::new(&body[..]).with_request_id("req_h");
    let item = events.by_ref().find_map(Result::err).expect("an error item");
    assert_eq!(events.decoder().failure().map(Error::error_type), Some("overloaded_error"));
    check(&item, &events.final_message().expect_err("the same error"));
    // Async.
    futures::executor::block_on(async {
        let chunks =
            futures::stream::iter(body.chunks(17).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>());
        let mut events = Events::new(chunks).with_request_id("req_h");
        let mut item = None;
        while let Some(next) = events.next().await {
            if let Err(e) = next {
                item = Some(e);
            }
        }
        check(&item.expect("an error item"), &events.final_message().await.expect_err("the same error"));
    });
    // A transport error is shared, not lost, when asked for again.
    let chunks = vec![Ok(sample_head().to_vec()), Err(std::io::Error::other("connection reset"))];
    let mut events = Events::new(futures::stream::iter(chunks));
    let item = futures::executor::block_on(async {
        let mut item = None;
        while let Some(next) = events.next().await {
            item = next.err().or(item);
        }
        item.expect("a transport error")
    });
    let last = futures::executor::block_on(events.final_message()).expect_err("the same error");
    assert!(matches!((item.transport_error(), last.transport_error()), (Some(a), Some(b)) if std::ptr::addr_eq(a, b)));
    assert_eq!(std::error::Error::source(&last).map(|s| s.to_string()), Some("connection reset".to_owned()));
}

#[test]
fn text_streams_lead_on_to_usage_and_the_final_message() {
    futures::executor::block_on(async {
        let chunks = futures::stream::iter(SAMPLE_STREAM.chunks(13).map(Ok::<_, std::io::Error>));
        let mut text = Events::new(chunks).text();
        let mut joined = String::new();
        while let Some(piece) = text.next().await {
            joined.push_str(&piece.expect("text"));
        }
        assert_eq!(text.decoder().snapshot().map(|m| m.text()), Some(joined.clone()));
        let message = text.final_message().await.expect("complete");
        assert_eq!(message.usage.output_tokens, Some(57));
        assert_eq!(message.text(), joined);
    });
    let mut text = BlockingEvents::new(SAMPLE_STREAM).with_read_size(5).text();
    let first = text.next().expect("a piece").expect("text");
    assert!(!first.is_empty());
    let message = text.final_message().expect("complete");
    assert_eq!(message.usage.output_tokens, Some(57));
    assert!(message.text().starts_with(&first));
    // The blocking adapter offers what the async one does.
    let events = BlockingEvents::new(SAMPLE_STREAM);
    assert_eq!(
        events.final_message().map(|m| m.text()).expect("complete"),
        "Let me check the weather in Lisbon for you."
    );
    let mut events = BlockingEvents::new(SAMPLE_STREAM).with_read_size(usize::MAX);
    for _ in events.by_ref() {}
    assert!(events.decoder_mut().partial_tool_input(1).expect("a tool block").is_ok());
}

/// A source that is always ready with nothing that makes progress (empty chunks, comments) does not keep
/// one `poll` running: the stream yields back, so a timeout around it fires.
#[tokio::test]
async fn a_source_always_ready_with_nothing_yields_back() {
    let empty = futures::stream::repeat_with(|| Ok::<_, std::io::Error>(Vec::<u8>::new()));
    let mut events = Events::new(empty);
    assert!(tokio::time::timeout(std::time::Duration::from_millis(50), events.next()).await.is_err());
    let comments = futures::stream::repeat_with(|| Ok::<_, std::io::Error>(b": keep-alive\n\n".to_vec()));
    let events = Events::new(comments);
    assert!(tokio::time::timeout(std::time::Duration::from_millis(50), events.final_message()).await.is_err());
    let pings = futures::stream::repeat_with(|| Ok::<_, std::io::Error>(b"event: ping\ndata: {}\n\n".to_vec()));
    let mut text = Events::new(pings).text();
    assert!(tokio::time::timeout(std::time::Duration::from_millis(50), text.next()).await.is_err());
}

/// The drivers can move into a spawned task (an axum or hyper handler needs it), whatever they yield.
#[test]
fn the_drivers_are_send() {
    fn send<T: Send>() {}
    send::<anthropic_sse::Events>();
    send::<anthropic_sse::Events<anthropic_sse::SdkEvent>>();
    send::<anthropic_sse::Events<String>>();
    send::<anthropic_sse::EventDecoder>();
    send::<BlockingEvents<std::fs::File>>();
}
