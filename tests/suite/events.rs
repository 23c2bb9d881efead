//! Typed events: every type, unknown kinds kept, round trips, the fast path against the full parser, and the
//! errors: API errors (event and non-2xx), invalid JSON, protocol violations, transport failures.

use anthropic_sse::error::ErrorKind;
use anthropic_sse::framing::{BytesStr, Frame};
use anthropic_sse::{ApiError, Citation, ContentBlock, Delta, StopReason, StreamEvent};
use proptest::prelude::*;
use serde_json::{Value, json};

fn event(name: &str, data: &Value) -> StreamEvent {
    StreamEvent::from_json(&data.to_string(), Some(name)).expect("parses").expect("is an event")
}

fn round_trips(name: &str, data: Value) -> StreamEvent {
    let ev = event(name, &data);
    assert_eq!(serde_json::to_value(&ev).expect("serializes"), data, "{name} does not round-trip");
    ev
}

#[test]
fn every_event_type() {
    let start = round_trips(
        "message_start",
        json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}),
    );
    let StreamEvent::MessageStart(start) = start else { panic!("{start:?}") };
    assert_eq!((start.message.id.as_str(), start.message.usage.input_tokens), ("msg_1", Some(3)));

    let ev = round_trips(
        "content_block_start",
        json!({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}),
    );
    assert!(
        matches!(ev, StreamEvent::ContentBlockStart(s) if s.index == 2 && matches!(s.content_block, ContentBlock::Text(_)))
    );

    let ev = round_trips("content_block_stop", json!({"type":"content_block_stop","index":7}));
    assert!(matches!(ev, StreamEvent::ContentBlockStop(s) if s.index == 7));

    let ev = round_trips(
        "message_delta",
        json!({"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9}}),
    );
    let StreamEvent::MessageDelta(d) = ev else { panic!() };
    assert_eq!(d.delta.stop_reason, Some(StopReason::MaxTokens));
    assert_eq!(d.usage.and_then(|u| u.output_tokens), Some(9));

    assert!(matches!(round_trips("message_stop", json!({"type":"message_stop"})), StreamEvent::MessageStop(_)));
}

#[test]
fn every_block_type() {
    let blocks = [
        (json!({"type":"text","text":"hi","citations":[]}), "text"),
        (json!({"type":"thinking","thinking":"","signature":""}), "thinking"),
        (json!({"type":"redacted_thinking","data":"abc"}), "redacted_thinking"),
        (json!({"type":"tool_use","id":"t","name":"n","input":{},"caller":{"type":"direct"}}), "tool_use"),
        (json!({"type":"server_tool_use","id":"t","name":"web_search","input":{}}), "server_tool_use"),
        (json!({"type":"mcp_tool_use","id":"t","name":"n","server_name":"s","input":{}}), "mcp_tool_use"),
        (json!({"type":"compaction","content":null,"encrypted_content":"e"}), "compaction"),
        (json!({"type":"fallback","from":{"model":"a"},"to":{"model":"b"},"trigger":{"type":"x"}}), "fallback"),
        (json!({"type":"web_search_tool_result","tool_use_id":"t","content":[]}), "web_search_tool_result"),
        (json!({"type":"brand_new_block","anything":[1,{"x":null}]}), "brand_new_block"),
    ];
    for (block, name) in blocks {
        let ev =
            round_trips("content_block_start", json!({"type":"content_block_start","index":0,"content_block":block}));
        let StreamEvent::ContentBlockStart(s) = ev else { panic!() };
        assert_eq!(s.content_block.type_name(), name);
        let typed = !matches!(s.content_block, ContentBlock::Other(_));
        assert_eq!(typed, !name.ends_with("_result") && name != "brand_new_block", "{name}");
    }
}

#[test]
fn every_delta_type() {
    let deltas = [
        json!({"type":"text_delta","text":"a"}),
        json!({"type":"input_json_delta","partial_json":"{\"a\""}),
        json!({"type":"citations_delta","citation":{"type":"char_location","cited_text":"x","document_index":0,"document_title":null,"start_char_index":0,"end_char_index":1}}),
        json!({"type":"citations_delta","citation":{"type":"web_search_result_location","cited_text":"x","url":"u","title":"t","encrypted_index":"e"}}),
        json!({"type":"citations_delta","citation":{"type":"page_location","cited_text":"x","document_index":0,"start_page_number":1,"end_page_number":2}}),
        json!({"type":"citations_delta","citation":{"type":"search_result_location","cited_text":"x","search_result_index":0,"source":"s","title":"t","start_block_index":0,"end_block_index":1}}),
        json!({"type":"citations_delta","citation":{"type":"future_location","cited_text":"x"}}),
        json!({"type":"thinking_delta","thinking":"hm"}),
        json!({"type":"signature_delta","signature":"sig"}),
        json!({"type":"compaction_delta","content":"c","encrypted_content":null}),
        json!({"type":"future_delta","x":1}),
    ];
    for d in deltas {
        let ev = round_trips("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":d}));
        let StreamEvent::ContentBlockDelta(cbd) = ev else { panic!() };
        let name = d["type"].as_str().unwrap_or_default();
        assert_eq!(cbd.delta.type_name(), name);
        assert_eq!(matches!(cbd.delta, Delta::Other(_)), name == "future_delta");
        if let Delta::Citations { citation, .. } = &cbd.delta {
            assert_eq!(matches!(**citation, Citation::Other(_)), d["citation"]["type"] == "future_location");
        }
    }
}

#[test]
fn unknown_events_and_fields_survive() {
    let data = json!({"type":"future_event","payload":{"a":[1,2]}});
    let ev = round_trips("future_event", data.clone());
    assert!(
        matches!(&ev, StreamEvent::Unknown { event, data: d, .. } if event == "future_event" && d.to_value().unwrap() == data)
    );
    assert_eq!(ev.type_name(), "future_event");
    // Extra fields everywhere, including null-valued known fields, come back as they were.
    round_trips(
        "content_block_delta",
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","new":true},"trace":{"id":1}}),
    );
    round_trips(
        "message_start",
        json!({"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[{"type":"text","text":"","citations":null}],"stop_reason":"brand_new_reason","stop_sequence":null,"stop_details":null,"usage":{"input_tokens":1,"output_tokens":1,"cache_creation":{"ephemeral_5m_input_tokens":0},"future_tokens":5}},"x":1}),
    );
    // JSON that is not an object, or has no type, is an unknown event too.
    assert!(matches!(event("message", &json!([1, 2])), StreamEvent::Unknown { .. }));
    assert!(matches!(event("message", &json!({"no_type": 1})), StreamEvent::Unknown { .. }));
}

/// A repeated `type` counts by its last value (as in `serde_json::Value` and the SDK's `json.loads`), whether or
/// not the data starts the usual way (the fast start and the full reading agree; found by the `events` fuzz
/// target).
#[test]
fn a_repeated_type_counts_by_its_last_value() {
    let kind = |data: &str| {
        let usual = StreamEvent::from_json(data, Some("x")).unwrap().unwrap();
        let spaced = StreamEvent::from_json(&format!(" {data}"), Some("x")).unwrap().unwrap();
        assert_eq!(usual, spaced, "{data}");
        match usual {
            StreamEvent::Unknown { kind, .. } => kind,
            typed => Some(format!("typed {}", typed.type_name())),
        }
    };
    assert_eq!(kind(r#"{"type":"message_start","type":"message"}"#), Some("message".to_owned()));
    assert_eq!(
        kind(r#"{"type":"future","index":1,"type":"content_block_stop"}"#),
        Some("typed content_block_stop".to_owned())
    );
    assert_eq!(kind(r#"{"type":"message_stop","t\u0079pe":"later"}"#), Some("later".to_owned()));
    assert_eq!(kind(r#"{"type":"message_stop","type":1}"#), None);
    assert_eq!(kind(r#"{"type":"message_stop","type":null}"#), None);
    // A message_start with content whose last `type` is unknown is handed out as it arrived, content and all.
    let data = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[{"type":"text","text":"A"}],"usage":{}},"type":"future"}"#;
    match StreamEvent::from_json(data, Some("message_start")).unwrap().unwrap() {
        StreamEvent::Unknown { kind, data: kept, .. } => {
            assert_eq!(kind.as_deref(), Some("future"));
            assert_eq!(kept.get(), data);
        }
        other => panic!("typed: {other:?}"),
    }
}

#[test]
fn ping_is_skipped_unread_and_empty_data_is_no_event() {
    assert_eq!(StreamEvent::from_json("not json at all", Some("ping")).ok().flatten(), Some(StreamEvent::Ping));
    assert_eq!(StreamEvent::from_json("", Some("content_block_delta")).ok().flatten(), None);
}

#[test]
fn frames_without_event_line_are_dispatched_on_type() {
    let frame = Frame::new(None, BytesStr::from(r#"{"type":"content_block_stop","index":3}"#), BytesStr::new(), None);
    assert!(matches!(StreamEvent::from_frame(&frame), Ok(Some(StreamEvent::ContentBlockStop(s))) if s.index == 3));
}

#[test]
fn invalid_json_names_the_event_offset_and_excerpt() {
    let data = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"} , ]"#;
    let err = StreamEvent::from_json(data, Some("content_block_delta")).expect_err("broken JSON");
    let Some(source) = err.json_error() else { panic!("{err:?}") };
    assert_eq!(source.event(), "content_block_delta");
    assert_eq!(source.offset(), data.find(']').expect("the bad byte"));
    assert!(source.excerpt().contains("text_delta"), "{}", source.excerpt());
    let text = err.to_string();
    assert!(text.contains("content_block_delta") && text.contains(&format!("byte {}", source.offset())), "{text}");
    assert!(std::error::Error::source(&err).is_some(), "the serde_json error is the source");
    assert_eq!(err.error_type(), "json");
}

#[test]
fn known_type_with_broken_required_fields_is_a_protocol_error() {
    let err = StreamEvent::from_json(
        r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}"#,
        Some("content_block_delta"),
    )
    .expect_err("no index");
    assert!(err.kind() == ErrorKind::Protocol && err.to_string().contains("content_block_delta"), "{err}");
}

#[test]
fn every_documented_error_type_and_an_unknown_one() {
    let table = [
        ("invalid_request_error", "invalid_request_error", Some(400), false),
        ("authentication_error", "authentication_error", Some(401), false),
        ("billing_error", "billing_error", Some(402), false),
        ("permission_error", "permission_error", Some(403), false),
        ("not_found_error", "not_found_error", Some(404), false),
        ("request_too_large", "request_too_large", Some(413), false),
        ("rate_limit_error", "rate_limit_error", Some(429), true),
        ("api_error", "api_error", Some(500), true),
        ("timeout_error", "timeout_error", Some(504), true),
        ("overloaded_error", "overloaded_error", Some(529), true),
        ("conflict_error", "conflict_error", Some(409), true),
        ("some_future_error", "some_future_error", None, false),
    ];
    for (name, kind, status, retry) in table {
        let data = json!({"type":"error","error":{"type":name,"message":"msg","details":{"k":1}},"request_id":"req_b"})
            .to_string();
        let err = StreamEvent::from_json(&data, Some("error")).expect_err("an error event");
        let api = err.api_error().expect("API error");
        assert_eq!(api.error_type(), kind);
        assert_eq!(api.error_type(), name);
        assert_eq!(api.status(), status, "{name}");
        assert_eq!(api.should_retry(), retry, "{name}");
        assert_eq!(api.details(), Some(&json!({"k":1})));
        assert_eq!(api.request_id(), Some("req_b"));
        assert_eq!(err.error_type(), name);
        assert_eq!(err.to_string(), format!("{name}: msg (request_id req_b)"));
    }
}

#[test]
fn error_event_data_that_is_not_json_or_empty() {
    for data in ["", "upstream exploded", "{\"type\":\"error\"}"] {
        let err = StreamEvent::from_json(data, Some("error")).expect_err("an error event whatever its data");
        let api = err.api_error().expect("API error");
        assert_eq!(api.error_type(), "unknown", "{data:?}");
        assert!(!api.message().is_empty());
        if !data.is_empty() && !data.starts_with('{') {
            assert!(api.message().contains(data), "{}", api.message());
        }
    }
}

#[test]
fn request_id_from_header_wins_over_body() {
    let body = br#"{"type":"error","error":{"type":"api_error","message":"boom"},"request_id":"req_body"}"#;
    assert_eq!(ApiError::from_event_data(body, None).request_id(), Some("req_body"));
    assert_eq!(ApiError::from_event_data(body, Some("req_header")).request_id(), Some("req_header"));
}

#[test]
fn non_2xx_responses_json_html_and_empty() {
    let json_body =
        br#"{"type":"error","error":{"type":"not_found_error","message":"model: nope"},"request_id":"req_x"}"#;
    let e = ApiError::from_response(404, None, json_body);
    assert_eq!(
        (e.error_type(), e.message(), e.request_id(), e.http_status()),
        ("not_found_error", "model: nope", Some("req_x"), Some(404))
    );
    assert!(!e.should_retry());

    let e = ApiError::from_response(
        529,
        Some("req_h"),
        br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert!(e.should_retry());
    assert_eq!(e.to_string(), "overloaded_error: Overloaded (HTTP 529) (request_id req_h)");

    let e = ApiError::from_response(502, Some("req_p"), b"<html><body><h1>502 Bad Gateway</h1></body></html>");
    assert_eq!(e.http_status(), Some(502));
    assert_eq!(e.status(), Some(502));
    assert!(e.message().contains("502 Bad Gateway"), "{}", e.message());
    assert_eq!(e.request_id(), Some("req_p"));

    let e = ApiError::from_response(503, None, b"");
    assert!(e.message().contains("empty body"));
    assert_eq!(e.http_status(), Some(503));

    let e = ApiError::from_response(429, None, b"slow down");
    assert_eq!(e.error_type(), "rate_limit_error", "a non-JSON body takes its kind from the status");
    assert!(e.should_retry());
}

/// Text that exercises the fast path's string reader: escapes, unicode, quotes, control escapes.
fn delta_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 .,]{0,8}",
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\n\t\r\u{8}\u{c}".to_owned()),
            Just("é🦅\u{2028}".to_owned()),
            Just("\u{1}".to_owned()),
            Just("/".to_owned()),
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The fast path gives exactly what the full parser gives: the same payload with a space after its first
    /// brace cannot take the fast path.
    #[test]
    fn fast_path_equals_full_parser(
        text in delta_text(),
        index in 0usize..100_000,
        kind in prop_oneof![Just(("text_delta", "text")), Just(("input_json_delta", "partial_json")), Just(("thinking_delta", "thinking")), Just(("signature_delta", "signature"))],
        ascii_escapes in any::<bool>(),
        pad in "[ ]{0,3}",
    ) {
        let string = if ascii_escapes {
            // serde_json's ASCII-only escaping produces \uXXXX (and surrogate pairs) for the fast path to read.
            text.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c.to_string() } else {
                let mut buf = [0u16; 2];
                c.encode_utf16(&mut buf).iter().map(|u| format!("\\u{u:04x}")).collect()
            }).collect::<String>()
        } else {
            let quoted = serde_json::to_string(&text).unwrap();
            quoted[1..quoted.len() - 1].to_owned()
        };
        let fast = format!(r#"{{"type":"content_block_delta","index":{index},"delta":{{"type":"{}","{}":"{string}"}}{pad}}}"#, kind.0, kind.1);
        let full = format!(" {fast}");
        // The one takes the fast path, the other (a leading space) cannot: the test compares the two paths.
        prop_assert!(anthropic_sse::__private::fast_content_block_delta(&fast).is_some(), "fast path not taken: {}", fast);
        prop_assert!(anthropic_sse::__private::fast_content_block_delta(&full).is_none());
        let a = StreamEvent::from_json(&fast, Some("content_block_delta")).map_err(|e| e.kind().to_owned());
        let b = StreamEvent::from_json(&full, Some("content_block_delta")).map_err(|e| e.kind().to_owned());
        prop_assert!(a.is_ok(), "valid JSON: {}", fast);
        prop_assert_eq!(&a, &b);
        if let Ok(Some(StreamEvent::ContentBlockDelta(d))) = &a {
            let got = match &d.delta {
                Delta::Text { text, .. }
                | Delta::InputJson { partial_json: text, .. }
                | Delta::Thinking { thinking: text, .. }
                | Delta::Signature { signature: text, .. } => text,
                _ => unreachable!(),
            };
            prop_assert_eq!(got, &text);
        }
    }

    /// Raw control characters and broken escapes are left to the full parser, which rejects them.
    #[test]
    fn fast_path_rejects_what_json_rejects(body in "[a-z\\\\\"\u{0}-\u{1f}]{0,6}") {
        let data = format!(r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":"{body}"}}}}"#);
        let fast = StreamEvent::from_json(&data, Some("content_block_delta")).map_err(|e| e.kind().to_owned());
        let full = StreamEvent::from_json(&format!(" {data}"), Some("content_block_delta")).map_err(|e| e.kind().to_owned());
        prop_assert_eq!(fast, full);
    }
}

#[test]
fn nesting_depth_never_ends_the_stream_for_unknown_events_nor_loses_an_error_type() {
    // An unknown event nested far beyond serde_json's limit of 128 is kept as text.
    let deep = format!(r#"{{"type":"future","x":{}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    match StreamEvent::from_json(&deep, Some("future")) {
        Ok(Some(StreamEvent::Unknown { kind, data, .. })) => {
            assert_eq!(kind.as_deref(), Some("future"));
            assert_eq!(data.get(), deep);
        }
        other => panic!("{other:?}"),
    }
    // So is one whose type is not its first key.
    let deep_late_type = format!(r#"{{"x":{}1{},"type":"future"}}"#, "[".repeat(500), "]".repeat(500));
    assert!(matches!(
        StreamEvent::from_json(&deep_late_type, Some("message")),
        Ok(Some(StreamEvent::Unknown { kind: Some(k), .. })) if k == "future"
    ));
    // An error event whose details nest deep keeps its type, message and retry advice.
    let error = format!(
        r#"{{"type":"error","error":{{"type":"overloaded_error","message":"Overloaded","details":{}1{}}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let Err(e) = StreamEvent::from_json(&error, Some("error")) else { panic!("an error event is an error") };
    assert_eq!(e.error_type(), "overloaded_error");
    assert!(e.should_retry());
    assert!(e.to_string().contains("Overloaded"), "{e}");
    // Text that is not JSON is still a JSON error naming the event.
    let err = StreamEvent::from_json("{\"type\":\"future\",", Some("future")).unwrap_err();
    assert_eq!(err.error_type(), "json");
}

/// A `message_start` whose message holds another `content` list deeper down (here in a member this version
/// does not know): the message's own blocks are split off once, and the deeper list stays in the member.
/// (A fuzz finding: the text without the blocks was split again, without end.)
#[test]
fn a_content_list_deeper_in_message_start_is_left_in_place() {
    let data = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[{"type":"text","text":"a"}],"other":{"content":[{"type":"text","text":"b"}]},"usage":{}}}"#;
    let event = anthropic_sse::StreamEvent::from_json(data, None).expect("valid").expect("an event");
    let anthropic_sse::StreamEvent::MessageStart(start) = event else { panic!("a message_start: {event:?}") };
    assert_eq!(start.message.content.len(), 1);
    assert_eq!(start.message.text(), "a");
    let other = start.message.extra.get("other").expect("the unknown member is kept");
    assert_eq!(other.get(), r#"{"content":[{"type":"text","text":"b"}]}"#);
}
