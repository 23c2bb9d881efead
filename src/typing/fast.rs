//! The fast path for the commonest payload, exactly as the API writes it:
//! `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}` (and the same for
//! `input_json_delta`, `thinking_delta` and `signature_delta`), with optional whitespace before the closing
//! braces. Anything else, including any escape the fast path cannot prove harmless, returns `None` and goes
//! to the full parser, which would produce the same event.
//!
//! It comes in pieces so that the string can be decoded straight into its destination: a new `String` for a
//! [`StreamEvent`], or the block's own buffer when the decoder folds without handing events out.

use crate::model::event::{
    ContentBlockDelta, Delta, InputJsonDelta, SignatureDelta, StreamEvent, TextDelta, ThinkingDelta,
};
use crate::model::object::JsonObject;
use crate::text as json_text;

/// The deltas the fast path reads: each appends (or, for a signature, sets) one string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FastDelta {
    Text,
    InputJson,
    Thinking,
    Signature,
}

impl Delta {
    pub(crate) fn simple(kind: FastDelta, text: String) -> Delta {
        let extra = JsonObject::new();
        match kind {
            FastDelta::Text => Delta::Text(TextDelta { text, extra }),
            FastDelta::InputJson => Delta::InputJson(InputJsonDelta { partial_json: text, extra }),
            FastDelta::Thinking => Delta::Thinking(ThinkingDelta { thinking: text, extra }),
            FastDelta::Signature => Delta::Signature(SignatureDelta { signature: text, extra }),
        }
    }
}

const PREFIX: &str = "{\"type\":\"content_block_delta\",\"index\":";
const DELTA: &str = ",\"delta\":{\"type\":\"";

/// The typed event, when `data` has the fast shape.
pub(crate) fn content_block_delta(data: &str) -> Option<StreamEvent> {
    let (index, kind, body) = delta_head(data)?;
    // The decoded text is never longer than the rest of the payload: one allocation, no growth.
    let mut text = String::with_capacity(body.len());
    if !decode_delta_body(body, &mut text) {
        return None;
    }
    let delta = Delta::simple(kind, text);
    Some(StreamEvent::ContentBlockDelta(ContentBlockDelta { index, delta, extra: JsonObject::new() }))
}

/// Reads the start of a fast-shaped delta up to the opening quote of its string: the block index, the
/// kind of delta, and the rest of `data` from the first byte of the string's body.
pub(crate) fn delta_head(data: &str) -> Option<(usize, FastDelta, &str)> {
    let rest = data.strip_prefix(PREFIX)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 15 || (digits > 1 && rest.starts_with('0')) {
        return None;
    }
    let index: usize = rest[..digits].parse().ok()?;
    let rest = rest[digits..].strip_prefix(DELTA)?;
    let (kind, rest) = if let Some(r) = rest.strip_prefix("text_delta\",\"text\":\"") {
        (FastDelta::Text, r)
    } else if let Some(r) = rest.strip_prefix("input_json_delta\",\"partial_json\":\"") {
        (FastDelta::InputJson, r)
    } else if let Some(r) = rest.strip_prefix("thinking_delta\",\"thinking\":\"") {
        (FastDelta::Thinking, r)
    } else if let Some(r) = rest.strip_prefix("signature_delta\",\"signature\":\"") {
        (FastDelta::Signature, r)
    } else {
        return None;
    };
    Some((index, kind, rest))
}

/// Decodes the string body that [`delta_head`] left, appending it to `out`, and checks that the payload
/// ends right after it. On `false` the payload is not of the fast shape and `out` holds unspecified extra
/// text: the caller must truncate it back.
pub(crate) fn decode_delta_body(body: &str, out: &mut String) -> bool {
    let Some(rest) = json_string_body(body, out) else { return false };
    // What is left closes the two objects, with whitespace anywhere between the tokens (the API pads text
    // deltas with spaces before the last brace).
    let mut tail = rest.as_bytes();
    while let [first, inner @ ..] = tail {
        if !is_json_ws(*first) {
            break;
        }
        tail = inner;
    }
    while let [inner @ .., last] = tail {
        if !is_json_ws(*last) {
            break;
        }
        tail = inner;
    }
    match tail {
        [b'}', between @ .., b'}'] => between.iter().all(|&b| is_json_ws(b)),
        _ => false,
    }
}

fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Reads the body of a JSON string up to its closing quote (which `s` must contain), appending the
/// decoded text to `out`; returns what follows the quote. `None` for anything the full parser should judge
/// (raw control characters, bad escapes, lone surrogates).
fn json_string_body<'a>(s: &'a str, out: &mut String) -> Option<&'a str> {
    let bytes = s.as_bytes();
    // `out` gets `s[start..i]` at each escape; an escaped quote, backslash or slash is the byte after the
    // backslash, so it starts the next run instead of being pushed alone (JSON inside a JSON string, as
    // tool input is, escapes a quote every few bytes).
    let mut start = 0;
    let mut i = 0;
    loop {
        i += json_text::plain_len(&bytes[i..]);
        match bytes.get(i)? {
            b'"' => {
                out.push_str(&s[start..i]);
                return Some(&s[i + 1..]);
            }
            b'\\' => {
                out.push_str(&s[start..i]);
                match bytes.get(i + 1)? {
                    b'"' | b'\\' | b'/' => {
                        start = i + 1;
                        i += 2;
                    }
                    _ => {
                        let (c, used) = json_text::unescape(&bytes[i + 1..])?;
                        out.push(c);
                        i += 1 + used;
                        start = i;
                    }
                }
            }
            // A raw control character: the full parser reports it.
            _ => return None,
        }
    }
}
