//! Claude on Amazon Bedrock: every real body of `tests/corpus/bedrock` folds to what the official Python
//! SDK's `AnthropicBedrock` returned (`X.final.json`), whole, in 1-byte and 7-byte pieces and through the async
//! adapter; and the SSE corpus re-encoded as Bedrock bodies folds to the SSE path's message.

use anthropic_sse::error::ErrorKind;
use anthropic_sse::framing::Format;
use anthropic_sse::{BlockingEvents, Error, EventDecoder, Events, Limits, Message};

fn check(name: &str, how: &str, result: Result<Message, Error>, expected: &serde_json::Value) {
    anthropic_sse_kit::corpus::assert_final_equals_sdk(name, how, result, None, expected);
}

fn bedrock_decoder() -> EventDecoder {
    EventDecoder::for_format(Format::Bedrock)
}

#[test]
fn every_real_bedrock_body_folds_to_the_python_sdk_result() {
    let cases = anthropic_sse_kit::corpus::bedrock();
    for (name, bytes, expected) in &cases {
        let expected = expected.get("ok").unwrap_or_else(|| panic!("{name}: no `ok` in final.json"));
        for (how, read) in [("whole", bytes.len().max(1)), ("1-byte pieces", 1), ("7-byte pieces", 7)] {
            let events = BlockingEvents::new(&bytes[..]).with_format(Format::Bedrock).with_read_size(read);
            check(name, how, events.final_message(), expected);
        }
        let chunks: Vec<_> = bytes.chunks(13).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
        let stream = Events::new(futures::stream::iter(chunks)).with_format(Format::Bedrock);
        check(name, "async, 13-byte chunks", futures::executor::block_on(stream.final_message()), expected);
    }
    assert!(cases.len() >= 26, "{} cases", cases.len());
}

#[test]
fn bedrock_metrics_are_kept_beside_the_message() {
    let mut seen = 0;
    for (name, bytes, _) in anthropic_sse_kit::corpus::bedrock() {
        let mut decoder = bedrock_decoder();
        decoder.feed(&bytes);
        decoder.fold_buffered().unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(metrics) = decoder.invocation_metrics() {
            seen += 1;
            assert!(metrics.output_token_count.is_some(), "{name}: {metrics:?}");
            let expected = metrics.clone();
            let message = decoder.into_final_message().unwrap();
            let json = serde_json::to_string(&message).unwrap();
            assert!(!json.contains("invocationMetrics"), "{name}: the metrics are not part of the message");
            // Beside the final message, from both drivers.
            let (_, blocking) =
                BlockingEvents::new(&bytes[..]).with_format(Format::Bedrock).final_message_with_metrics().unwrap();
            assert_eq!(blocking.as_ref(), Some(&expected), "{name}");
            let chunks: Vec<_> = bytes.chunks(100).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
            let chunks = futures::stream::iter(chunks);
            let stream = Events::new(chunks).with_format(Format::Bedrock);
            let (_, streamed) = futures::executor::block_on(stream.final_message_with_metrics()).unwrap();
            assert_eq!(streamed, Some(expected), "{name}");
        }
    }
    assert!(seen > 0, "no body had invocation metrics");
}

/// Our own Bedrock fixtures (`tests/fixtures/bedrock`, expected outputs made by the oracle): exceptions of
/// every type, an error message, an Anthropic error inside a chunk, padding, a truncated last message and an
/// event of another type, each whole and in 1-byte pieces.
#[test]
fn fixtures_match_the_python_sdk_where_policy_agrees() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bedrock");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("the fixtures exist") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("bin") {
            continue;
        }
        let name = path.file_stem().and_then(|s| s.to_str()).expect("a name").to_owned();
        let body = std::fs::read(&path).expect("readable");
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.final.json"))).expect("its final.json"))
                .expect("JSON");
        for read in [body.len(), 1] {
            let result =
                BlockingEvents::new(&body[..]).with_format(Format::Bedrock).with_read_size(read).final_message();
            let how = format!("{name}, reads of {read}");
            match (expected.get("ok"), expected.get("error"), &result) {
                (Some(ok), None, Ok(_)) => check(&name, &how, result, ok),
                // Our policy: a last message cut short is an incomplete stream, carrying the SDK's message.
                (Some(ok), None, Err(e)) if name == "truncated_last_message" => {
                    assert_eq!(e.kind(), ErrorKind::Incomplete, "{how}: {e}");
                    assert!(e.to_string().contains("bytes into an event-stream message"), "{how}: {e}");
                    check(&name, &how, result, ok);
                }
                (None, Some(error), Err(e)) => {
                    let api = e.api_error().unwrap_or_else(|| panic!("{how}: not an API error: {e}"));
                    // The SDK loses the type and message of an exception it does not model; we keep them.
                    if name == "exception_unknown_type" {
                        assert_eq!(api.error_type(), "someNewException", "{how}");
                        assert_eq!(api.message(), "A new kind of Bedrock failure.", "{how}");
                    } else {
                        assert_eq!(Some(api.error_type()), error["type"].as_str(), "{how}");
                        assert!(
                            api.message().starts_with(error["api_message"].as_str().unwrap_or("?")),
                            "{how}: {api}"
                        );
                    }
                    let partial = serde_json::to_value(e.partial_message().expect("the message so far")).unwrap();
                    if let Some(d) = anthropic_sse_kit::corpus::difference(&expected["snapshot"], &partial) {
                        panic!("{how}: the message so far differs from the SDK's snapshot: {d}");
                    }
                }
                (ok, error, result) => panic!("{how}: expected ok {ok:?} / error {error:?}, got {result:?}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 24, "checked {checked}");
}

/// Each Bedrock exception stands for the status Bedrock gives it, and retrying follows from that status; the
/// model's own status and message of `modelStreamErrorException` are kept.
#[test]
fn exceptions_carry_their_status_and_retry_advice() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bedrock");
    for (name, status, retry) in [
        ("exception_throttling", Some(429), true),
        ("exception_service_unavailable", Some(503), true),
        ("exception_internal_server", Some(500), true),
        ("exception_model_timeout", Some(408), true),
        ("exception_validation", Some(400), false),
        ("exception_model_stream_error", Some(424), false),
        ("exception_unknown_type", None, false),
        ("chunk_error_overloaded", Some(529), true),
    ] {
        let body = std::fs::read(dir.join(format!("{name}.bin"))).expect("the fixture");
        let err = BlockingEvents::new(&body[..])
            .with_format(Format::Bedrock)
            .with_request_id("amzn-req-1")
            .final_message()
            .unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(api.status(), status, "{name}");
        assert_eq!(api.http_status(), None, "{name}: the HTTP status was 200");
        assert_eq!(err.should_retry(), retry, "{name}");
        assert_eq!(api.request_id(), Some("amzn-req-1"), "{name}");
        if name == "exception_model_stream_error" {
            assert_eq!(api.details().and_then(|d| d.get("originalStatusCode")), Some(&serde_json::json!(500)));
            assert!(api.message().contains("Internal server error from the model provider."), "{api}");
        }
    }
}

/// Any chunking of a Bedrock body gives the same events; the SSE corpus re-encoded as Bedrock bodies (with and
/// without padding) folds to the SSE path's outcome.
#[test]
fn re_encoded_sse_streams_fold_as_on_sse() {
    let mut streams = vec![("sample".to_owned(), anthropic_sse::SAMPLE_STREAM.to_vec())];
    streams.extend(anthropic_sse_kit::corpus::corpus().into_iter().map(|(name, bytes, _)| (name, bytes)));
    for (name, sse) in streams {
        let expected = BlockingEvents::new(&sse[..]).final_message().map_err(|e| e.kind().to_owned());
        for pad in [false, true] {
            let body = anthropic_sse_kit::bedrock::encode(&sse, pad);
            for read in [body.len().max(1), 1, 7, 4096] {
                let got =
                    BlockingEvents::new(&body[..]).with_format(Format::Bedrock).with_read_size(read).final_message();
                let got = got.map_err(|e| e.kind().to_owned());
                // An SSE stream cut inside an event says so in words only SSE has; the kind and message agree.
                assert_eq!(got.is_ok(), expected.is_ok(), "{name} pad={pad} read={read}: {got:?}");
                match (&got, &expected) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{name} pad={pad} read={read}"),
                    (Err(a), Err(b)) => assert_eq!(a, b, "{name} pad={pad} read={read}"),
                    _ => unreachable!(),
                }
            }
            let events = |read: usize| -> Vec<String> {
                BlockingEvents::new(&body[..])
                    .with_format(Format::Bedrock)
                    .with_read_size(read)
                    .map(|item| item.map(|e| serde_json::to_string(&e).unwrap()).unwrap_or_else(|e| e.to_string()))
                    .collect()
            };
            let whole = events(body.len().max(1));
            for read in [1, 3, 13, 100] {
                assert_eq!(events(read), whole, "{name} pad={pad}: the events depend on the chunking ({read})");
            }
        }
    }
}

/// The event-stream decoder's limits act on the prelude, before anything is buffered; a bad prelude or CRC is
/// a corrupt-frame error naming the message's offset; the decoder stops at the first error.
#[test]
fn limits_and_corruption_are_named_by_offset() {
    use anthropic_sse::LimitError;
    use anthropic_sse::framing::EventStreamDecoder as Decoder;
    let good = anthropic_sse_kit::bedrock::chunk(r#"{"type":"ping"}"#, None);
    // A prelude that announces a 1 GiB payload: refused at once, with nothing of it read.
    let mut huge = Vec::new();
    huge.extend_from_slice(&(1u32 << 30).to_be_bytes());
    huge.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32(&huge);
    huge.extend_from_slice(&crc.to_be_bytes());
    let mut decoder = Decoder::new();
    decoder.feed(&good);
    decoder.feed(&huge);
    assert!(decoder.next_message().unwrap().is_some());
    let err = decoder.next_message().unwrap_err();
    assert!(
        matches!(err.limit_error(), Some(LimitError::PayloadTooLarge { limit, offset }) if *limit == 24 << 20 && *offset == good.len() as u64),
        "{err}"
    );
    assert_eq!(decoder.next_message().unwrap_err().to_string(), err.to_string(), "the decoder stops there");
    // Headers over a lowered limit.
    let mut decoder = Decoder::with_limits(Limits::default().with_max_header_bytes(16));
    decoder.feed(&good);
    let err = decoder.next_message().unwrap_err();
    assert!(matches!(err.limit_error(), Some(LimitError::HeadersTooLarge { limit: 16, offset: 0 })), "{err}");
    assert!(err.to_string().contains("with_max_header_bytes"), "{err}");
    // A damaged prelude, then a damaged message, each named by its offset.
    for (at, what) in [(9, "prelude"), (good.len() - 1, "message")] {
        let mut body = good.clone();
        let mut damaged = good.clone();
        damaged[at] ^= 0x40;
        body.extend_from_slice(&damaged);
        let mut decoder = Decoder::new();
        decoder.feed(&body);
        assert!(decoder.next_message().unwrap().is_some());
        let err = decoder.next_message().unwrap_err();
        let corrupt = err.corrupt_error().unwrap_or_else(|| panic!("{what}: {err}"));
        assert_eq!(corrupt.offset(), good.len() as u64, "{what}");
        assert!(corrupt.detail().contains(what), "{what}: {err}");
        assert_eq!(err.kind(), ErrorKind::Corrupt);
    }
    // Cut inside a message: `finish` says how much was left.
    let mut decoder = Decoder::new();
    decoder.feed(&good[..good.len() - 3]);
    assert!(decoder.next_message().unwrap().is_none());
    assert_eq!(decoder.finish(), Some(good.len() - 3));
}

fn crc32(bytes: &[u8]) -> u32 {
    // The standard CRC-32 (IEEE), bit by bit: a reference apart from the crate's.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
