//! Tool input while it streams: the incremental snapshot equals the one-shot parse of the pieces so far after
//! every delta, and the raw input is bounded by a limit.

use anthropic_sse::partial_json::parse;
use anthropic_sse::{Delta, Error, EventDecoder, MessageAccumulator, StreamEvent};

fn tool_stream(pieces: &[&str]) -> Vec<u8> {
    let mut out = String::from("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n");
    for piece in pieces {
        let delta = serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":piece}});
        out.push_str(&format!("event: content_block_delta\ndata: {delta}\n\n"));
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

#[test]
fn snapshot_after_every_delta_equals_the_parse_of_the_text_so_far() {
    let pieces = [
        "",
        "{\"ci",
        "ty\": \"Lis",
        "bon\", \"temps\": [1",
        "2.5, -3",
        "], \"deep\": {\"a\": {\"b\": tr",
        "ue}}, \"n\": 1",
        "0}",
    ];
    let mut decoder = EventDecoder::new();
    decoder.feed(&tool_stream(&pieces));
    let mut so_far = String::new();
    let mut asked = 0;
    while let Some(event) = decoder.next_event() {
        if let StreamEvent::ContentBlockDelta(d) = event.expect("valid stream") {
            if let Delta::InputJson(j) = &d.delta {
                so_far.push_str(&j.partial_json);
                let snapshot = decoder.partial_tool_input(0).map(|r| r.map(|view| view.to_tool_input()));
                if so_far.is_empty() {
                    // As the SDK: the start's input until a non-empty piece arrives.
                    assert_eq!(snapshot.expect("a tool block").expect("JSON").as_str(), "{}");
                } else {
                    assert_eq!(snapshot, Some(parse(&so_far)), "after {so_far:?}");
                    asked += 1;
                }
            }
        }
    }
    assert_eq!(asked, pieces.len() - 1);
    let message = decoder.into_final_message(None).expect("complete");
    assert_eq!(message.content[0].tool_input(), Some(&parse(&so_far).expect("complete JSON")));
    assert_eq!(message.content[0].tool_input().unwrap().as_str(), so_far, "complete input is kept as written");
}

#[test]
fn raw_tool_input_is_bounded() {
    let big = "[".repeat(1000);
    let pieces: Vec<&str> = std::iter::repeat_n(big.as_str(), 50).collect();
    let mut decoder = EventDecoder::new().with_accumulator(MessageAccumulator::new().with_max_tool_input_bytes(10_000));
    decoder.feed(&tool_stream(&pieces));
    let err = std::iter::from_fn(|| decoder.next_event()).find_map(Result::err).expect("the limit is hit");
    assert!(matches!(err, Error::ToolInputTooLarge { index: 0, limit: 10_000, .. }), "{err:?}");
    assert_eq!(err.kind(), "limit");
    assert!(err.to_string().contains("with_max_tool_input_bytes"));
}
