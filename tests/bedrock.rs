//! Claude on Amazon Bedrock: every real body of `../shared/corpus/bedrock` folds to what the official Python
//! SDK's `AnthropicBedrock` returned (`X.final.json`), whole, in 1-byte and 7-byte pieces and through the async
//! adapter; and the SSE corpus re-encoded as Bedrock bodies folds to the SSE path's message.

use anthropic_sse::error::Category;
use anthropic_sse::framing::Bedrock;
use anthropic_sse::{BlockingEvents, Error, EventDecoder, EventStream, Limits, Message};

fn check(name: &str, how: &str, result: Result<Message, Error>, expected: &serde_json::Value) {
    let message = match result {
        Ok(message) => message,
        // The SDK returns a stream cut before message_stop as complete; we say it is incomplete, with that
        // message.
        Err(mut e) if e.classify() == Category::Incomplete => e
            .take_partial_message()
            .unwrap_or_else(|| panic!("{name} ({how}): incomplete error without the partial message")),
        Err(e) => panic!("{name} ({how}): {e}"),
    };
    let actual = serde_json::to_value(&message).expect("a message serializes");
    if let Some(d) = anthropic_sse_kit::corpus::difference(expected, &actual) {
        panic!("{name} ({how}): differs from the SDK: {d}");
    }
}

fn bedrock_decoder() -> EventDecoder<Bedrock> {
    EventDecoder::with_framing(Bedrock::new(), Limits::default())
}

#[test]
fn every_real_bedrock_body_folds_to_the_python_sdk_result() {
    let cases = anthropic_sse_kit::corpus::bedrock();
    for (name, bytes, expected) in &cases {
        let expected = expected.get("ok").unwrap_or_else(|| panic!("{name}: no `ok` in final.json"));
        for (how, read) in [("whole", bytes.len().max(1)), ("1-byte pieces", 1), ("7-byte pieces", 7)] {
            let events = BlockingEvents::with_decoder(&bytes[..], bedrock_decoder()).with_read_size(read);
            check(name, how, events.final_message(), expected);
        }
        let chunks = futures::stream::iter(bytes.chunks(13).map(Ok::<_, std::io::Error>));
        let stream = EventStream::with_decoder(chunks, bedrock_decoder());
        check(name, "async, 13-byte chunks", futures::executor::block_on(stream.final_message()), expected);
    }
    assert!(cases.len() >= 26 || anthropic_sse_kit::corpus::bedrock_dir().is_none(), "{} cases", cases.len());
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
            let message = decoder.into_final_message(None).unwrap();
            let json = serde_json::to_string(&message).unwrap();
            assert!(!json.contains("invocationMetrics"), "{name}: the metrics are not part of the message");
        }
    }
    assert!(seen > 0 || anthropic_sse_kit::corpus::bedrock_dir().is_none(), "no body had invocation metrics");
}
