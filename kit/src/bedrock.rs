//! Bedrock bodies built for tests: AWS event-stream messages with headers of every type, and an SSE stream
//! re-encoded as the body Bedrock would send for the same events. (Expected outputs still come from the
//! oracle or from the SSE path; this only builds inputs.)

use base64::Engine;

use anthropic_sse::framing::HeaderValue;

/// One header value's wire form: its type byte and bytes.
fn header_bytes(name: &str, value: &HeaderValue, out: &mut Vec<u8>) {
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    match value {
        HeaderValue::Bool(true) => out.push(0),
        HeaderValue::Bool(false) => out.push(1),
        HeaderValue::Byte(v) => {
            out.push(2);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Short(v) => {
            out.push(3);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int(v) => {
            out.push(4);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Long(v) => {
            out.push(5);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Bytes(v) => {
            out.push(6);
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v);
        }
        HeaderValue::String(v) => {
            out.push(7);
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        HeaderValue::Timestamp(v) => {
            out.push(8);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Uuid(v) => {
            out.push(9);
            out.extend_from_slice(v);
        }
    }
}

/// One event-stream message with the given headers and payload, both CRCs right.
pub fn message(headers: &[(&str, HeaderValue)], payload: &[u8]) -> Vec<u8> {
    let mut head = Vec::new();
    for (name, value) in headers {
        header_bytes(name, value, &mut head);
    }
    let total = 12 + head.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&crc32fast::hash(&out).to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32fast::hash(&out).to_be_bytes());
    out
}

fn string(value: &str) -> HeaderValue {
    HeaderValue::String(value.into())
}

/// The `chunk` message that carries one event's JSON, with Bedrock's padding member when `pad` is given.
pub fn chunk(event_json: &str, pad: Option<&str>) -> Vec<u8> {
    let bytes = base64::engine::general_purpose::STANDARD.encode(event_json);
    let mut payload = serde_json::json!({ "bytes": bytes });
    if let Some(pad) = pad {
        payload["p"] = serde_json::Value::String(pad.to_owned());
    }
    let headers = [
        (":event-type", string("chunk")),
        (":content-type", string("application/json")),
        (":message-type", string("event")),
    ];
    message(&headers, payload.to_string().as_bytes())
}

/// An `exception` message of the given type.
pub fn exception(kind: &str, text: &str) -> Vec<u8> {
    let headers = [
        (":exception-type", string(kind)),
        (":content-type", string("application/json")),
        (":message-type", string("exception")),
    ];
    message(&headers, serde_json::json!({ "message": text }).to_string().as_bytes())
}

/// The Bedrock body for the events of an SSE stream: each frame with data becomes a chunk, in order (with a
/// padding member of a length that varies when `pad` is set). Frames named `error` become chunks too (their
/// JSON is the first-party error), so the body folds exactly as the SSE stream does.
pub fn encode(sse: &[u8], pad: bool) -> Vec<u8> {
    let mut decoder = anthropic_sse::framing::SseDecoder::new();
    decoder.feed(sse);
    let mut out = Vec::new();
    for (i, frame) in decoder.frames().map_while(Result::ok).enumerate() {
        if frame.data().is_empty() {
            continue;
        }
        let padding = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        out.extend(chunk(frame.data(), pad.then(|| &padding[..i % padding.len()])));
    }
    out
}
