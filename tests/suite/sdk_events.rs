//! The official SDK's helper events: for every real stream, `X.iteration.json` (the Python SDK's stream
//! iteration, `final_message.py --iteration`) must be what our `SdkEvent`s give, item for item, whole and in
//! 7-byte pieces, through the blocking and the async driver and the sans-IO decoder.

use anthropic_sse::{BlockingEvents, EventDecoder, Events, SdkEvent};
use serde_json::Value;

/// The items as JSON, with their snapshots; an error ends the list as `{"error": kind}`.
fn items_blocking(bytes: &[u8], read: usize) -> Vec<Value> {
    let mut items = BlockingEvents::new(bytes).with_read_size(read).sdk_events();
    let mut out = Vec::new();
    while let Some(item) = items.next() {
        match item {
            Ok(item) => out.push(serde_json::from_str(&items.decoder_mut().sdk_event_json(&item)).unwrap()),
            Err(e) => out.push(serde_json::json!({ "error": e.error_type() })),
        }
    }
    out
}

fn items_async(bytes: &[u8], chunk: usize) -> Vec<Value> {
    use futures::StreamExt;
    let chunks: Vec<_> = bytes.chunks(chunk).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect();
    let body = futures::stream::iter(chunks);
    let mut items = Events::new(body).sdk_events();
    futures::executor::block_on(async {
        let mut out = Vec::new();
        while let Some(item) = items.next().await {
            match item {
                Ok(item) => out.push(serde_json::from_str(&items.decoder_mut().sdk_event_json(&item)).unwrap()),
                Err(e) => out.push(serde_json::json!({ "error": e.error_type() })),
            }
        }
        out
    })
}

fn items_sans_io(bytes: &[u8]) -> Vec<Value> {
    let mut decoder = EventDecoder::new();
    let mut out = Vec::new();
    for piece in bytes.chunks(3) {
        decoder.feed(piece);
        while let Some(item) = decoder.next_sdk_event() {
            match item {
                Ok(item) => out.push(serde_json::from_str(&decoder.sdk_event_json(&item)).unwrap()),
                Err(e) => out.push(serde_json::json!({ "error": e.error_type() })),
            }
        }
    }
    out
}

/// Whether the stream has frames without an `event:` line (read under our policy, skipped by the SDK).
fn unnamed_frames(bytes: &[u8]) -> bool {
    let mut decoder = anthropic_sse::framing::SseDecoder::new();
    decoder.feed(bytes);
    decoder.frames().any(|f| f.is_ok_and(|f| f.event_field().is_none()))
}

#[test]
fn every_real_stream_iterates_as_the_python_sdk() {
    let dir = anthropic_sse_kit::corpus::corpus_dir();
    let mut checked = 0;
    for (name, bytes, _) in anthropic_sse_kit::corpus::corpus() {
        let path = dir.join(format!("{name}.iteration.json"));
        let Ok(text) = std::fs::read(&path) else { continue };
        let file: Value = serde_json::from_slice(&text).unwrap();
        let Some(expected) = file["iteration"].as_array() else { continue };
        // Where the SDK crashed (e.g. on a `message_delta` without usage), our policy goes on.
        let sdk_crashed = file["error"]["class"].as_str().is_some_and(|class| class != "APIStatusError");
        for (how, ours) in [
            ("whole", items_blocking(&bytes, bytes.len().max(1))),
            ("7-byte reads", items_blocking(&bytes, 7)),
            ("async, 7-byte chunks", items_async(&bytes, 7)),
            ("sans-IO, 3-byte pieces", items_sans_io(&bytes)),
        ] {
            // Our policy ends a stream cut before message_stop with an error after the SDK's items, reads frames
            // without an `event:` line, which the SDK skips, and goes on where the SDK crashes (so ours may go on
            // after the SDK's last item).
            let ours: Vec<&Value> = ours.iter().filter(|v| v.get("error").is_none()).collect();
            if ours.len() != expected.len() {
                assert!(
                    ours.len() > expected.len() && (unnamed_frames(&bytes) || sdk_crashed),
                    "{name} ({how}): {} items, the SDK {}",
                    ours.len(),
                    expected.len()
                );
            }
            for (i, (a, b)) in ours.iter().zip(expected).enumerate() {
                if let Some(d) = anthropic_sse_kit::corpus::difference(b, a) {
                    panic!("{name} ({how}): item {i} differs from the SDK's: {d}\nours: {a}\nSDK: {b}");
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 5, "checked {checked} streams");
}

/// Helper events follow the event's index, not the last block: with two blocks open at once, each text
/// event's snapshot is its own block's.
#[test]
fn helpers_follow_the_events_index() {
    let start = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{}}}"#;
    let events = [
        start.to_owned(),
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#.to_owned(),
        r#"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#.to_owned(),
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"zero"}}"#.to_owned(),
        r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"one"}}"#.to_owned(),
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}"#.to_owned(),
    ];
    let mut decoder = EventDecoder::new();
    let mut snapshots = Vec::new();
    for event in events {
        decoder.feed(format!("data: {event}\n\n").as_bytes());
        while let Some(item) = decoder.next_sdk_event() {
            let item = item.unwrap();
            if let SdkEvent::Text { index, .. } = item {
                let json: Value = serde_json::from_str(&decoder.sdk_event_json(&item)).unwrap();
                assert_eq!(decoder.sdk_text(&item).map(|(_, so_far)| so_far), json["snapshot"].as_str());
                snapshots.push((index, json["snapshot"].as_str().unwrap().to_owned()));
            }
        }
    }
    assert_eq!(snapshots, [(0, "zero".to_owned()), (1, "one".to_owned()), (0, "zero!".to_owned())]);
}

/// Our own fixtures, with the SDK's iteration made by the oracle beside each (`X.iteration.json`, from the
/// fixture or its `.oracle.sse` twin): the same items; where our policy ends the stream with an error or
/// reads the stream otherwise (the twins), the items up to there.
#[test]
fn every_fixture_iterates_as_the_python_sdk() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(stem) = name.strip_suffix(".iteration.json") else { continue };
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let expected = file["iteration"].as_array().expect("an iteration");
        let bytes = std::fs::read(dir.join(format!("{stem}.sse"))).unwrap();
        let policy = dir.join(format!("{stem}.oracle.sse")).exists();
        // The SDK's model fills in a `text` block's missing `text` in the raw event it yields (and then raises
        // TypeError); ours are as on the wire, and the block starts from "" (spec §4 policy).
        if stem == "text_block_without_text" {
            continue;
        }
        for (how, ours) in
            [("whole", items_blocking(&bytes, bytes.len().max(1))), ("7-byte reads", items_blocking(&bytes, 7))]
        {
            let failed = ours.last().is_some_and(|v| v.get("error").is_some());
            // A policy fixture's twin differs from it in its raw events by design (that is the policy): there
            // the helper events are compared.
            let helper = |v: &&Value| {
                !policy
                    || [
                        "text",
                        "input_json",
                        "citation",
                        "thinking",
                        "signature",
                        "compaction",
                        "content_block_stop",
                        "message_stop",
                    ]
                    .contains(&v["type"].as_str().unwrap_or_default())
            };
            let expected: Vec<&Value> = expected.iter().filter(helper).collect();
            let ours: Vec<&Value> = ours.iter().filter(|v| v.get("error").is_none()).filter(helper).collect();
            if !failed && !policy {
                assert_eq!(ours.len(), expected.len(), "{stem} ({how})");
            }
            let common = ours.len().min(expected.len());
            assert!(common > 0 || stem == "content_before_message_start", "{stem}: nothing to compare");
            for (i, (a, b)) in ours.iter().zip(&expected).take(common).enumerate() {
                if let Some(d) = anthropic_sse_kit::corpus::difference(b, a) {
                    panic!("{stem} ({how}): item {i} differs from the SDK's: {d}\nours: {a}\nSDK: {b}");
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 19, "checked {checked}");
}
