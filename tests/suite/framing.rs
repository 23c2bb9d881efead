//! The framing seam: the same events through any framing, chosen at compile time or at run time, give the
//! same events and the same final message; typing needs no SSE name; already-split events fold through
//! `push_json` as through a framing.

use anthropic_sse::framing::{Format, Framing, RawEvent, SseDecoder as Decoder};
use anthropic_sse::{BlockingEvents, Error, EventDecoder, Events, Limits, Message, SAMPLE_STREAM, StreamEvent};
use bytes::Bytes;

/// The SSE frames of `bytes`: (event name, data), in order.
fn frames(bytes: &[u8]) -> Vec<(String, String)> {
    let mut decoder = Decoder::new();
    decoder.feed(bytes);
    decoder
        .frames()
        .map(|f| f.expect("within the limits"))
        .map(|f| (f.event().to_owned(), f.data().to_owned()))
        .collect()
}

/// The final message, or the error's kind and the message it carries (an incomplete stream's error says in
/// words what the framing left over, which differs between framings).
type Outcome = Result<Message, (String, Option<Box<Message>>)>;

fn outcome(result: Result<Message, Error>) -> Outcome {
    result.map_err(|e| (e.error_type().to_owned(), e.partial_message().cloned().map(Box::new)))
}

/// What a decoder makes of its input: every event (or the error that ended it), then the final message.
fn run(mut decoder: EventDecoder) -> (Vec<Result<StreamEvent, String>>, Outcome) {
    let mut events = Vec::new();
    while let Some(item) = decoder.next_event() {
        events.push(item.map_err(|e| e.to_string()));
    }
    (events, outcome(decoder.into_final_message()))
}

fn sse(bytes: &[u8]) -> (Vec<Result<StreamEvent, String>>, Outcome) {
    let mut decoder = EventDecoder::new();
    decoder.feed(bytes);
    run(decoder)
}

/// Every stream we hold: the embedded sample and the real corpus.
fn streams() -> Vec<(String, Vec<u8>)> {
    let mut all = vec![("sample".to_owned(), SAMPLE_STREAM.to_vec())];
    all.extend(anthropic_sse_kit::corpus::corpus().into_iter().map(|(name, bytes, _)| (name, bytes)));
    all
}

#[test]
fn already_split_events_give_what_sse_gives() {
    for (name, bytes) in streams() {
        let expected = sse(&bytes);
        // Unnamed JSON chunks, as the AWS SDK's payloads arrive (the corpus writes pings and errors with the
        // data their names say).
        let mut unnamed = EventDecoder::for_format(Format::JsonEvents);
        for (_, data) in frames(&bytes) {
            unnamed.feed_bytes(Bytes::from(data));
        }
        assert_eq!(run(unnamed).1, expected.1, "{name}: unnamed");
        // One by one through `push_json`, with no framing at all.
        let mut pushed = EventDecoder::new();
        let mut events = Vec::new();
        for (_, data) in frames(&bytes) {
            if let Some(item) = pushed.push_json(&data) {
                events.push(item.map_err(|e| e.to_string()));
            }
        }
        assert_eq!(outcome(pushed.into_final_message()), expected.1, "{name}: push_json");
        assert_eq!(events, expected.0, "{name}: push_json events");
        // The adapters' own constructors for already-split events, async and blocking: the same events, then
        // the same final message.
        // An adapter also hands out the error the end of the input gives, which `run` keeps for the outcome.
        let same_events = |events: Vec<Result<StreamEvent, Error>>, what: &str| {
            let mut events: Vec<_> = events.into_iter().map(|item| item.map_err(|e| e.to_string())).collect();
            if events.len() == expected.0.len() + 1 {
                assert!(events.pop().is_some_and(|end| end.is_err()) && expected.1.is_err(), "{name}: {what} ends");
            }
            assert_eq!(events, expected.0, "{name}: {what}");
        };
        let items = || frames(&bytes).into_iter().map(|(_, data)| Ok::<_, std::io::Error>(data));
        let json_events = || Events::new(futures::stream::iter(items())).with_format(Format::JsonEvents);
        same_events(futures::executor::block_on_stream(json_events()).collect(), "Format::JsonEvents");
        let message = futures::executor::block_on(json_events().final_message());
        assert_eq!(outcome(message), expected.1, "{name}: Format::JsonEvents, final message");
        // Named, as eventsource frames arrive.
        #[cfg(feature = "eventsource-stream")]
        {
            let named = || {
                let frames = frames(&bytes).into_iter().map(|(event, data)| {
                    Ok::<_, std::io::Error>(eventsource_stream::Event { event, data, ..Default::default() })
                });
                futures::stream::iter(frames.collect::<Vec<_>>())
            };
            let stream = Events::from_eventsource(named());
            same_events(futures::executor::block_on_stream(stream).collect(), "Events::from_eventsource");
            let message = futures::executor::block_on(Events::from_eventsource(named()).final_message());
            assert_eq!(outcome(message), expected.1, "{name}: Events::from_eventsource, final message");
        }
    }
}

/// An item that fails ends the events with a transport error that keeps the message so far, in both
/// adapters; an `error` event among the items is the API error, with the request id set on the adapter.
#[test]
fn already_split_events_end_on_a_failed_item_or_an_error_event() {
    let data: Vec<String> = frames(SAMPLE_STREAM).into_iter().map(|(_, data)| data).collect();
    let cut = data.len() / 2;
    let failing = || {
        let items = data[..cut]
            .iter()
            .cloned()
            .map(Ok)
            .chain(std::iter::once(Err(std::io::Error::other("connection reset"))))
            .chain(data[cut..].iter().cloned().map(Ok));
        items.collect::<Vec<_>>()
    };
    let json_events = || Events::new(futures::stream::iter(failing())).with_format(Format::JsonEvents);
    let err = futures::executor::block_on(json_events().final_message()).expect_err("the item failed");
    assert_eq!(err.error_type(), "transport", "{err}");
    assert!(err.to_string().contains("connection reset"), "{err}");
    assert!(err.partial_message().is_some(), "the message so far is kept: {err}");
    // The stream ends after the error item.
    let items: Vec<_> = futures::executor::block_on_stream(json_events()).collect();
    assert!(items.last().is_some_and(Result::is_err));
    assert_eq!(items.len(), cut + 1);

    let overloaded = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.to_owned();
    let with_error: Vec<_> =
        data[..cut].iter().cloned().chain(std::iter::once(overloaded)).map(Ok::<_, std::io::Error>).collect();
    let events =
        Events::new(futures::stream::iter(with_error)).with_format(Format::JsonEvents).with_request_id("req_1");
    let err = futures::executor::block_on(events.final_message()).expect_err("an error event");
    let api = err.api_error().expect("an API error");
    assert_eq!(api.error_type(), "overloaded_error");
    assert_eq!(api.request_id(), Some("req_1"));
    assert!(api.should_retry());
    assert!(err.partial_message().is_some());
}

#[test]
fn a_framing_chosen_at_run_time_is_the_same_pipeline() {
    let choose = |content_type: &str| match content_type {
        "text/event-stream" => Format::Sse,
        _ => Format::JsonEvents,
    };
    let mut decoder = EventDecoder::for_format(choose("text/event-stream"));
    assert_eq!(decoder.format(), Some(Format::Sse));
    decoder.feed(SAMPLE_STREAM);
    assert_eq!(run(decoder), sse(SAMPLE_STREAM));

    // The same through the async driver and the blocking one.
    let chunks = futures::stream::iter(SAMPLE_STREAM.chunks(50).map(Ok::<_, std::io::Error>));
    let events = Events::new(chunks).with_format(choose("text/event-stream"));
    let message = futures::executor::block_on(events.final_message()).unwrap();
    assert_eq!(Ok(message.clone()), sse(SAMPLE_STREAM).1);
    let blocking = BlockingEvents::new(SAMPLE_STREAM).with_format(choose("text/event-stream")).final_message().unwrap();
    assert_eq!(blocking, message);

    // A framing of the user's own, here SSE wrapped: the same pipeline, nothing lost.
    #[derive(Debug, Default)]
    struct Wrapped(Decoder);
    impl Framing for Wrapped {
        fn feed(&mut self, chunk: Bytes) {
            Framing::feed(&mut self.0, chunk)
        }
        fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
            Framing::next_event(&mut self.0)
        }
        fn finish(&mut self) -> Option<String> {
            Framing::finish(&mut self.0)
        }
        fn set_limits(&mut self, limits: Limits) {
            Framing::set_limits(&mut self.0, limits)
        }
    }
    let mut decoder = EventDecoder::with_framing(Wrapped::default());
    assert_eq!(decoder.format(), None);
    decoder.feed(SAMPLE_STREAM);
    assert_eq!(run(decoder), sse(SAMPLE_STREAM));
}

#[test]
fn typing_needs_no_name_but_honours_one() {
    for (_, bytes) in streams() {
        for (event, data) in frames(&bytes) {
            let named = StreamEvent::from_json(&data, Some(&event)).map_err(|e| e.to_string());
            let unnamed = StreamEvent::from_json(&data, None).map_err(|e| e.to_string());
            // Only `ping` and `error` are decided by their name; the corpus writes their data to match.
            assert_eq!(named, unnamed, "{event}: {data}");
        }
    }
    // The name decides a ping without reading its data, and an error whatever its data.
    assert_eq!(StreamEvent::from_json("not json", Some("ping")).unwrap(), Some(StreamEvent::Ping));
    assert!(StreamEvent::from_json("{}", Some("error")).unwrap_err().api_error().is_some());
    assert!(StreamEvent::from_json("{}", None).unwrap().is_some_and(|e| matches!(e, StreamEvent::Unknown { .. })));
}

#[test]
fn the_limits_set_once_reach_every_layer() {
    let limits = Limits::default().with_max_line_bytes(64).with_max_tool_input_bytes(8);
    let mut decoder = EventDecoder::new().with_limits(limits);
    assert_eq!(decoder.limits(), limits);
    // The framing's limit.
    decoder.feed(&[b'x'; 100]);
    let err: Error = decoder.next_event().expect("an error").unwrap_err();
    assert!(err.to_string().contains("with_max_line_bytes"), "{err}");
    // The fold's limit, through a framing that has none of its own.
    let stream = anthropic_sse_kit::streams::tool_call("f", "{}", &["{\"a\": ", "123456789}"]);
    let mut whole = EventDecoder::for_format(Format::JsonEvents).with_limits(limits);
    for (_, data) in frames(&stream) {
        whole.feed_bytes(Bytes::from(data));
    }
    let err = whole.fold_buffered().expect_err("the tool input is over the limit");
    assert!(err.to_string().contains("with_max_tool_input_bytes"), "{err}");
}

#[test]
fn a_raw_event_is_the_json_and_the_name() {
    let mut decoder = Decoder::new();
    Framing::feed(&mut decoder, Bytes::from_static(b"event: ping\ndata: {}\n\ndata: {\"a\":1}\n\n"));
    assert_eq!(decoder.next_event().unwrap(), Some(RawEvent { json: "{}", name: Some("ping") }));
    assert_eq!(decoder.next_event().unwrap(), Some(RawEvent { json: "{\"a\":1}", name: Some("message") }));
    assert_eq!(decoder.next_event().unwrap(), None);
    assert_eq!(Framing::finish(&mut decoder), None);
    Framing::feed(&mut decoder, Bytes::from_static(b"event: cut\ndata: {"));
    assert_eq!(decoder.next_event().unwrap(), None);
    let left = Framing::finish(&mut decoder).expect("an unfinished event");
    assert!(left.contains("(cut)"), "{left}");

    let mut whole = Format::JsonEvents.framing();
    whole.feed(Bytes::from_static(b"{\"type\":\"ping\"}"));
    assert_eq!(whole.next_event().unwrap(), Some(RawEvent { json: "{\"type\":\"ping\"}", name: None }));
    assert_eq!(whole.next_event().unwrap(), None);
}

/// JSON lines: the last line's end is optional (as JSON Lines says); the event it holds comes out of every
/// driver, handed out or folded.
#[test]
fn the_last_json_line_needs_no_line_end() {
    let mut json = String::new();
    for (_, data) in frames(SAMPLE_STREAM) {
        json.push_str(&data);
        json.push('\n');
    }
    let unended = json.trim_end().to_owned();
    let expected = sse(SAMPLE_STREAM);
    // Sans-IO: `finish` folds what the end completes; `end_input` hands it out first.
    let mut decoder = EventDecoder::for_format(Format::JsonLines);
    decoder.feed(unended.as_bytes());
    decoder.fold_buffered().unwrap();
    assert!(decoder.finish().is_ok());
    assert_eq!(outcome(decoder.into_final_message()), expected.1);
    let mut decoder = EventDecoder::for_format(Format::JsonLines);
    decoder.feed(unended.as_bytes());
    let mut events: Vec<_> = std::iter::from_fn(|| decoder.next_event()).collect();
    decoder.end_input();
    events.extend(std::iter::from_fn(|| decoder.next_event()));
    assert_eq!(events.into_iter().map(|e| e.map_err(|e| e.to_string())).collect::<Vec<_>>(), expected.0);
    // Both drivers, handing events out.
    for read in [1, 7, unended.len()] {
        let blocking: Vec<_> = BlockingEvents::new(unended.as_bytes())
            .with_format(Format::JsonLines)
            .with_read_size(read)
            .map(|e| e.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(blocking, expected.0, "reads of {read}");
    }
    let chunks: Vec<_> = unended.as_bytes().chunks(5).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
    let events = Events::new(futures::stream::iter(chunks)).with_format(Format::JsonLines);
    let streamed: Vec<_> = futures::executor::block_on(futures::StreamExt::collect::<Vec<_>>(events));
    assert_eq!(streamed.into_iter().map(|e| e.map_err(|e| e.to_string())).collect::<Vec<_>>(), expected.0);
}

/// Events that arrive whole are held to the event limit, as SSE events are.
#[test]
fn whole_events_keep_to_the_event_limit() {
    let limits = Limits::default().with_max_event_bytes(16);
    let mut decoder = EventDecoder::for_format(Format::JsonEvents).with_limits(limits);
    decoder.feed_bytes(Bytes::from_static(br#"{"type":"ping"}"#));
    decoder.feed_bytes(Bytes::from_static(br#"{"type":"message_stop"}"#));
    assert!(decoder.next_event().unwrap().is_ok());
    let err = decoder.next_event().unwrap().unwrap_err();
    assert!(err.to_string().contains("with_max_event_bytes"), "{err}");
    let mut decoder = EventDecoder::new().with_limits(limits);
    let err = decoder.push_json(r#"{"type":"message_stop"}"#).unwrap().unwrap_err();
    assert!(err.limit_error().is_some(), "{err}");
}

/// A `BytesStr` hashes as the `str` it is, so a set of them finds a `&str`.
#[test]
fn bytes_str_hashes_as_str() {
    use anthropic_sse::framing::BytesStr;
    let set: std::collections::HashSet<BytesStr> = [BytesStr::from(":message-type"), BytesStr::from("x")].into();
    assert!(set.contains(":message-type"));
    assert!(!set.contains("y"));
}

/// A byte order mark before the first JSON line is skipped, as on SSE.
#[test]
fn a_byte_order_mark_before_json_lines_is_skipped() {
    let mut decoder = EventDecoder::for_format(Format::JsonLines);
    decoder.feed(b"\xEF\xBB\xBF{\"type\":\"ping\"}\n");
    assert_eq!(decoder.next_event().map(|e| e.map_err(|e| e.to_string())), Some(Ok(StreamEvent::Ping)));
}
