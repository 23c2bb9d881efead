//! Tool input while it streams: the incremental snapshot equals the one-shot parse of the pieces so far after
//! every delta, and the raw input is bounded by a limit.

use anthropic_sse_kit::checks;

use anthropic_sse::__private::parse;
use anthropic_sse::{Delta, EventDecoder, LimitError, Limits, PartialMode, StreamEvent, ToolInput};
use checks::same_json;
use proptest::prelude::*;
use serde_json::Value;

fn tool_stream(pieces: &[&str]) -> Vec<u8> {
    anthropic_sse_kit::streams::tool_call("n", "{}", pieces)
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
            if let Delta::InputJson { partial_json, .. } = &d.delta {
                so_far.push_str(partial_json);
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
    let message = decoder.into_final_message().expect("complete");
    assert_eq!(message.content[0].tool_input(), Some(&parse(&so_far).expect("complete JSON")));
    assert_eq!(message.content[0].tool_input().unwrap().as_str(), so_far, "complete input is kept as written");
}

#[test]
fn raw_tool_input_is_bounded() {
    let big = "[".repeat(1000);
    let pieces: Vec<&str> = std::iter::repeat_n(big.as_str(), 50).collect();
    let mut decoder = EventDecoder::new().with_limits(Limits::default().with_max_tool_input_bytes(10_000));
    decoder.feed(&tool_stream(&pieces));
    let err = std::iter::from_fn(|| decoder.next_event()).find_map(Result::err).expect("the limit is hit");
    assert!(matches!(err.limit_error(), Some(LimitError::ToolInputTooLarge { index: 0, limit: 10_000 })), "{err:?}");
    assert_eq!(err.error_type(), "limit");
    assert!(err.to_string().contains("with_max_tool_input_bytes"));
}

/// JSON text as a model writes it: numbers of every form (big integers, shortest-form doubles, exponents,
/// `-0`), keys that may repeat, escapes, optional whitespace.
fn json_text() -> impl Strategy<Value = String> {
    let ws = prop_oneof![Just(""), Just(" "), Just("\n  ")];
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        "-?[1-9][0-9]{18,40}",
        "-?[1-9]\\.[0-9]{1,30}[eE][+-]?[0-9]{1,3}",
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
    ];
    let leaf = prop_oneof![
        number,
        Just("true".to_owned()),
        Just("null".to_owned()),
        "[a-zé🦅 ]{0,6}".prop_map(|s| format!("\"{s}\"")),
        Just(r#""tab\t quote\" \u00e9 \ud83d\ude00""#.to_owned()),
    ];
    leaf.prop_recursive(4, 40, 5, move |inner| {
        let ws = ws.clone();
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..5), ws.clone())
                .prop_map(|(items, ws)| format!("[{ws}{}{ws}]", items.join(&format!(",{ws}")))),
            (proptest::collection::vec(("[a-d]|é|\\\\u0061", inner), 0..5), ws).prop_map(|(members, ws)| {
                let members: Vec<String> = members.into_iter().map(|(k, v)| format!("\"{k}\":{ws}{v}")).collect();
                format!("{{{ws}{}{ws}}}", members.join(","))
            }),
        ]
    })
    .prop_map(|v| format!("{{\"v\": {v}}}"))
}

/// The final input of `pieces` through the decoder, in `mode`.
fn final_input(pieces: &[&str], mode: PartialMode) -> ToolInput {
    let mut decoder = EventDecoder::new().with_partial_mode(mode);
    decoder.feed(&tool_stream(pieces));
    while decoder.next_event().is_some() {}
    let message = decoder.into_final_message().expect("valid JSON");
    message.content[0].tool_input().expect("tool block").clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_final_input(text in json_text(), cuts in proptest::collection::vec(any::<usize>(), 0..30)) {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).filter(|&c| text.is_char_boundary(c)).collect();
        bounds.extend([0, text.len()]);
        bounds.sort_unstable();
        bounds.dedup();
        let pieces: Vec<&str> = bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect();
        for mode in [PartialMode::DropUnfinishedStrings, PartialMode::TrailingStrings] {
            let whole = final_input(&[&text], mode);
            prop_assert_eq!(&final_input(&pieces, mode), &whole);
            // Valid JSON reads back to the value of the assembled text (serde_json on both sides, so that
            // both round alike; `-0` is the integer 0 in ours, `-0.0` in serde_json's reading of the text).
            // serde_json rejects numbers beyond f64 (`1e400`), which we keep.
            if let Ok(theirs) = serde_json::from_str::<Value>(&text) {
                let ours: Value = serde_json::from_str(whole.as_str()).unwrap();
                prop_assert!(same_json(&ours, &theirs), "{} vs {}", whole, text);
            }
            // Without a rewrite (a repeated key, `-0`), the text is kept byte for byte.
            if !text.contains("-0") && serde_json::from_str::<checks::NoDuplicateKeys>(&text).is_ok() {
                prop_assert_eq!(whole.as_str(), text.as_str());
            }
        }
    }
}

#[test]
fn input_that_arrives_whole_is_exact_too() {
    let input = r#"{"zeta": 0.09158478740507359, "alpha": 123456789012345678901234567890, "big": 1e400, "n": -0}"#;
    let start = format!(
        "event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[{{\"type\":\"text\",\"text\":\"\"}},{{\"type\":\"tool_use\",\"id\":\"t0\",\"name\":\"a\",\"input\":{input}}}],\"usage\":{{\"output_tokens\":1}}}}}}\n\n"
    );
    let block = format!(
        "event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{{\"type\":\"mcp_tool_use\",\"id\":\"t1\",\"name\":\"b\",\"server_name\":\"s\",\"input\":{input}}}}}\n\n"
    );
    let stop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    // serde_json's Value cannot hold 1e400: the typed event is built without it, then the exact text is read
    // from the event's own text.
    let without_inf = input.replace("1e400", "1");
    for input_text in [input, without_inf.as_str()] {
        let body = format!("{}{}{stop}", start.replace(input, input_text), block.replace(input, input_text));
        let mut decoder = EventDecoder::new();
        decoder.feed(body.as_bytes());
        while let Some(event) = decoder.next_event() {
            if let Err(e) = event {
                // A number beyond f64 in a whole start event is a JSON error of serde_json's: say so plainly.
                assert!(input_text.contains("1e400"), "{e}");
                assert_eq!(e.error_type(), "json");
                break;
            }
        }
        if input_text.contains("1e400") {
            continue;
        }
        let message = decoder.into_final_message().expect("complete");
        let normalized = input_text.replace(", \"n\": -0", ",\"n\":0").replace(": ", ":").replace(", ", ",");
        for index in [1, 2] {
            assert_eq!(message.content[index].tool_input().expect("tool block").as_str(), normalized);
        }
    }
}

#[test]
fn whatever_tool_input_is_accepted_reads_back_in_the_message() {
    use anthropic_sse::__private::MAX_DEPTH;
    let deepest = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    let message = {
        let mut decoder = EventDecoder::new();
        decoder.feed(&tool_stream(&[&deepest]));
        while decoder.next_event().is_some() {}
        decoder.into_final_message().expect("the deepest accepted input")
    };
    let text = serde_json::to_string(&message).expect("serializes");
    let back: anthropic_sse::Message = serde_json::from_str(&text).expect("reads back with serde_json's limit");
    assert_eq!(
        back.content[0].tool_input().expect("tool").to_value(),
        message.content[0].tool_input().unwrap().to_value()
    );
    // One level deeper is invalid tool input: the message is complete and the block is marked.
    let deeper = format!("[{deepest}]");
    let mut decoder = EventDecoder::new();
    decoder.feed(&tool_stream(&[&deeper]));
    while decoder.next_event().is_some() {}
    let err = decoder.into_final_message().expect_err("too deep");
    assert!(err.to_string().contains("nesting deeper than the limit"), "{err}");
    let partial = err.partial_message().expect("the complete message");
    assert_eq!(partial.usage.output_tokens, Some(9), "events after the block were applied");
    assert_eq!(partial.content[0].tool_input().unwrap().error().unwrap().raw(), deeper);
}

#[test]
fn tool_input_reads_into_the_callers_types_exactly() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    enum Unit {
        Celsius,
        Kelvin { offset: i8 },
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Args<'a> {
        big: u128,
        negative: i128,
        max: u64,
        min: i64,
        float: f64,
        zero: i32,
        maybe: Option<u8>,
        missing: Option<u8>,
        unit: Unit,
        other: Unit,
        #[serde(borrow)]
        plain: &'a str,
        escaped: String,
        list: Vec<f32>,
        tuple: (bool, ()),
        map: std::collections::BTreeMap<String, u8>,
    }
    let input = ToolInput::from_json(
        r#"{"big": 123456789012345678901234567890, "negative": -170141183460469231731687303715884105728,
            "max": 18446744073709551615, "min": -9223372036854775808, "float": 0.09158478740507359, "zero": -0,
            "maybe": null, "unit": "Celsius", "other": {"Kelvin": {"offset": -3}}, "plain": "no escapes",
            "escaped": "tab\t\u00e9\ud83d\ude00", "list": [1, 2.5e-3], "tuple": [true, null], "map": {"b": 1, "a": 2},
            "ignored": [{"deep": [1, {"x": null}]}]}"#,
    )
    .unwrap();
    let args: Args<'_> = input.deserialize().unwrap();
    assert_eq!(
        args,
        Args {
            big: 123456789012345678901234567890,
            negative: i128::MIN,
            max: u64::MAX,
            min: i64::MIN,
            float: 0.09158478740507359,
            zero: 0,
            maybe: None,
            missing: None,
            unit: Unit::Celsius,
            other: Unit::Kelvin { offset: -3 },
            plain: "no escapes",
            escaped: "tab\t\u{e9}\u{1f600}".to_owned(),
            list: vec![1.0, 2.5e-3],
            tuple: (true, ()),
            map: [("a".to_owned(), 2), ("b".to_owned(), 1)].into_iter().collect(),
        }
    );
    // Mismatches are errors that say where, never panics.
    let err = ToolInput::from_json(r#"{"n": 1.5}"#).unwrap().deserialize::<std::collections::HashMap<String, u8>>();
    assert!(err.is_err());
    let err = ToolInput::from_json("[1, 2, 3]").unwrap().deserialize::<(u8, u8)>().unwrap_err();
    assert!(err.to_string().contains("byte"), "{err}");
    // serde_json's Value reads the float exactly where serde_json's own parser (without float_roundtrip) may
    // be one unit in the last place off.
    let value = ToolInput::from_json("[0.09158478740507359]").unwrap().to_value();
    assert_eq!(value[0].as_f64(), Some(0.09158478740507359));
}
