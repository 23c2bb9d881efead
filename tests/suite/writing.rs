//! What the library writes as JSON (events, `sdk_event_json`, the message) is one standard JSON value on one
//! line, whatever whitespace the stream's own JSON holds between its tokens, and the same as for the stream
//! written without it (issue 22). Generated streams: tool input and an unknown member holding line feeds,
//! tabs and CR LF between tokens, an event whose SSE data spans several `data:` lines, and non-finite numbers
//! in tool input.

use anthropic_sse::{EventDecoder, Message};
use proptest::prelude::*;
use serde_json::Value;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[ a-z\"\\\\\n\t\u{2028}é]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map("[a-z ]{0,3}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `value` written with whitespace between its tokens: indented, with each line break `\n`, `\r\n` or `\n\t`
/// (`spread` picks; `cr` allows `\r`, which ends an SSE line and so cannot be in SSE data).
fn spread_out(value: &Value, spread: u8, cr: bool) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap();
    // A pretty string holds no raw line feed inside a string: each one is between tokens.
    match spread % 3 {
        0 => pretty,
        1 if cr => pretty.replace('\n', "\r\n"),
        _ => pretty.replace('\n', "\n\t"),
    }
}

/// A stream: a message_start with an unknown member (its data over several `data:` lines when `spread`), a
/// tool call whose input arrives in `cuts` pieces, an unknown event, the end.
fn stream(input: &str, member: &str, cuts: &[usize], spread: bool) -> Vec<u8> {
    let start = format!(
        "{{\"type\":\"message_start\",\"message\":{{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\
         \"model\":\"x\",\"content\":[],\"usage\":{{\"input_tokens\":1,\"output_tokens\":1}},\"future\":{member}}}}}"
    );
    let future = format!("{{\"type\":\"future_event\",\"payload\":{member}}}");
    let data = |json: &str| -> String {
        if spread {
            json.split('\n').map(|line| format!("data: {line}\n")).collect()
        } else {
            format!("data: {json}\n")
        }
    };
    let mut out = format!("event: message_start\n{}\n", data(&start));
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n");
    let chars: Vec<char> = input.chars().collect();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (chars.len() + 1)).collect();
    bounds.extend([0, chars.len()]);
    bounds.sort_unstable();
    bounds.dedup();
    for pair in bounds.windows(2) {
        let piece: String = chars[pair[0]..pair[1]].iter().collect();
        let piece = serde_json::to_string(&piece).unwrap();
        out.push_str(&format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{piece}}}}}\n\n"));
    }
    out.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.push_str(&format!("event: future_event\n{}\n", data(&future)));
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":2}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// Every line written for `bytes` (each event, each SDK item, the message), each checked to be one JSON value
/// on one line, and the message.
fn written(bytes: &[u8]) -> (Vec<String>, Message) {
    let mut lines = Vec::new();
    let mut events = EventDecoder::new();
    events.feed(bytes);
    while let Some(event) = events.next_event() {
        lines.push(serde_json::to_string(&event.expect("an event")).unwrap());
    }
    let mut items = EventDecoder::new();
    items.feed(bytes);
    while let Some(item) = items.next_sdk_event() {
        let item = item.expect("an item");
        lines.push(items.sdk_event_json(&item));
    }
    let message = events.into_final_message().expect("the message");
    lines.push(serde_json::to_string(&message).unwrap());
    for line in &lines {
        assert!(!line.contains('\n'), "a line break in {line}");
        // Read as JSON text (a `Value` would also refuse a number beyond `f64`, such as `1e400`, valid JSON).
        serde_json::from_str::<serde::de::IgnoredAny>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    (lines, message)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// With or without whitespace between tokens, the same lines; the tool input keeps its text as it
    /// arrived; the whole text read back is the value.
    #[test]
    fn whitespace_between_tokens_never_reaches_a_written_line(
        input in proptest::collection::btree_map("[a-z]{1,3}", json(), 0..5),
        member in json(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        spread in any::<u8>(),
    ) {
        let input = Value::Object(input.into_iter().collect());
        let (input_text, member_text) = (spread_out(&input, spread, true), spread_out(&member, spread / 3, false));
        let (spaced, spaced_message) = written(&stream(&input_text, &member_text, &cuts, true));
        let compact = serde_json::to_string(&input).unwrap();
        let (plain, _) = written(&stream(&compact, &serde_json::to_string(&member).unwrap(), &cuts, false));
        // The delta events carry the pieces as strings, which differ; everything else is the same text.
        let same = |lines: &[String]| -> Vec<String> {
            lines.iter().filter(|l| !l.contains("input_json")).cloned().collect()
        };
        prop_assert_eq!(same(&spaced), same(&plain));
        let tool_input = spaced_message.content[0].tool_input().expect("a tool call");
        prop_assert_eq!(tool_input.as_str(), input_text.as_str());
        prop_assert_eq!(tool_input.to_value(), input);
    }
}

/// `NaN`, `Infinity` and `-Infinity` in tool input, which the SDK's reader takes: kept in the text, `null`
/// where written and in `to_value` (for that member only), the float when read into an `f64`; `1e400` stays
/// as written.
#[test]
fn non_finite_numbers_in_tool_input_are_kept_and_written_null() {
    let input = r#"{"a": NaN, "b": [Infinity, -Infinity], "c": 1e400, "d": 2}"#;
    let (lines, message) = written(&stream(input, "{}", &[3, 17, 30], false));
    let tool_input = message.content[0].tool_input().expect("a tool call");
    assert!(tool_input.error().is_none());
    assert_eq!(tool_input.as_str(), input);
    assert_eq!(tool_input.to_value(), serde_json::json!({"a": null, "b": [null, null], "c": null, "d": 2}));
    assert!(tool_input.deserialize::<f64>().is_err());
    #[derive(serde::Deserialize)]
    struct Numbers {
        a: f64,
        b: Vec<f64>,
        c: f64,
        d: u8,
    }
    let numbers: Numbers = tool_input.deserialize().unwrap();
    assert!(numbers.a.is_nan());
    assert_eq!(numbers.b, [f64::INFINITY, f64::NEG_INFINITY]);
    assert_eq!((numbers.c, numbers.d), (f64::INFINITY, 2));
    let final_line = lines.last().unwrap();
    assert!(final_line.contains(r#""input":{"a":null,"b":[null,null],"c":1e400,"d":2}"#), "{final_line}");
    // A snapshot taken mid-stream is written the same way.
    assert!(lines.iter().any(|l| l.contains(r#""snapshot":{"a":null,"b":[null]}"#)), "{lines:?}");
}

/// `NaN`, `Infinity` and `-Infinity` in an event's members, which the SDK's `json.loads` reads: the event is
/// typed, the members holding them kept as they arrived and written `null`, on SSE, JSON lines and Bedrock
/// alike; anything that is still not JSON stays a JSON error, and a non-finite index a protocol error.
#[test]
fn non_finite_numbers_in_event_members_are_read_as_the_sdk_reads_them() {
    use anthropic_sse::framing::Format;
    let delta = r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","x":[NaN, -Infinity]},"usage":{"output_tokens":NaN,"y":Infinity}}"#;
    let sse = format!(
        "event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{{\"input_tokens\":1,\"output_tokens\":1}}}}}}\n\nevent: message_delta\ndata: {delta}\n\nevent: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n"
    );
    let json_lines: String = sse.lines().filter_map(|l| l.strip_prefix("data: ")).map(|l| format!("{l}\n")).collect();
    let bedrock = anthropic_sse_kit::bedrock::encode(sse.as_bytes(), false);
    let mut written = Vec::new();
    for (format, bytes) in
        [(Format::Sse, sse.as_bytes()), (Format::JsonLines, json_lines.as_bytes()), (Format::Bedrock, &bedrock[..])]
    {
        let mut decoder = EventDecoder::for_format(format);
        decoder.feed(bytes);
        decoder.end_input();
        let mut lines = Vec::new();
        while let Some(event) = decoder.next_event() {
            let event = event.unwrap_or_else(|e| panic!("{format:?}: {e}"));
            if let anthropic_sse::StreamEvent::MessageDelta(d) = &event {
                assert_eq!(d.delta.extra.get("x").map(|x| x.get()), Some("[NaN, -Infinity]"), "{format:?}");
            }
            lines.push(serde_json::to_string(&event).unwrap());
        }
        let message = decoder.into_final_message().unwrap_or_else(|e| panic!("{format:?}: {e}"));
        lines.push(serde_json::to_string(&message).unwrap());
        written.push(lines);
    }
    assert_eq!(written[0], written[1]);
    assert_eq!(written[0], written[2]);
    assert!(written[0][1].contains(r#""x":[null,null]"#), "{}", written[0][1]);
    assert!(written[0][1].contains(r#""output_tokens":null,"y":null"#), "{}", written[0][1]);
    for line in &written[0] {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    // Still not JSON, as to Python's `json`: a token run on, a sign before NaN, a lower-case `nan`.
    for bad in ["NaN5", "-NaN", "nan", "Infinityx"] {
        let data = format!(r#"{{"type":"message_delta","delta":{{}},"usage":{{"output_tokens":{bad}}}}}"#);
        let error = anthropic_sse::StreamEvent::from_json(&data, None).expect_err(bad);
        assert_eq!(error.error_type(), "json", "{bad}: {error}");
    }
    let data = r#"{"type":"content_block_stop","index":NaN}"#;
    let error = anthropic_sse::StreamEvent::from_json(data, None).expect_err("a non-finite index");
    assert_eq!(error.error_type(), "protocol", "{error}");
}
