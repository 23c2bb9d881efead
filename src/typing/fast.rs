//! The fast path for the commonest payload, exactly as the API writes it:
//! `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}` (and the same for
//! `input_json_delta`, `thinking_delta` and `signature_delta`), with optional whitespace before the closing
//! braces. Anything else, including any escape the fast path cannot prove harmless, returns `None` and goes
//! to the full parser, which would produce the same event.
//!
//! It comes in pieces so that the string can be decoded straight into its destination: a new `String` for a
//! [`StreamEvent`], or the block's own buffer when the decoder folds without handing events out.

use crate::model::event::{ContentBlockDelta, Delta, StreamEvent};
use crate::model::object::JsonObject;
use crate::text::{self as json_text, is_json_ws};

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
            FastDelta::Text => Delta::Text { text, extra },
            FastDelta::InputJson => Delta::InputJson { partial_json: text, extra },
            FastDelta::Thinking => Delta::Thinking { thinking: text, extra },
            FastDelta::Signature => Delta::Signature { signature: text, extra },
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
    after_prefix(strip(data, PREFIX)?)
}

/// [`delta_head`] after its constant start: from the index on.
#[inline(always)]
fn after_prefix(rest: &str) -> Option<(usize, FastDelta, &str)> {
    // The index, read as `usize::from_str` reads it, with at most 15 digits and no leading zero.
    let mut index: u64 = 0;
    let mut digits = 0;
    for &b in rest.as_bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if digits == 15 {
            return None;
        }
        index = index * 10 + u64::from(digit);
        digits += 1;
    }
    if digits == 0 || (digits > 1 && rest.starts_with('0')) {
        return None;
    }
    let index = usize::try_from(index).ok()?;
    let rest = strip(&rest[digits..], DELTA)?;
    // The first letter tells the kinds apart (but text from thinking).
    let (kind, rest) = match rest.as_bytes().first() {
        Some(b'i') => (FastDelta::InputJson, strip(rest, "input_json_delta\",\"partial_json\":\"")?),
        Some(b't') => {
            if let Some(r) = strip(rest, "text_delta\",\"text\":\"") {
                (FastDelta::Text, r)
            } else {
                (FastDelta::Thinking, strip(rest, "thinking_delta\",\"thinking\":\"")?)
            }
        }
        Some(b's') => (FastDelta::Signature, strip(rest, "signature_delta\",\"signature\":\"")?),
        _ => return None,
    };
    Some((index, kind, rest))
}

/// How the API writes a delta's event on the SSE wire, up to its index: the `event:` line, the `data:`
/// field's name and [`PREFIX`].
const SSE_DELTA: &str = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":";

/// How far [`decode_sse_delta_body`] looks for the end of a delta's string: deltas are tens of bytes.
const SSE_DELTA_WINDOW: usize = 256;

/// [`delta_head`] for a whole SSE event at the start of `text` (the wire, at an event's start), written as the
/// API writes it: `event: content_block_delta`, then `data: ` and the fast shape. The body runs on to the end
/// of `text`; [`decode_sse_delta_body`] finds where the event ends.
#[inline]
pub(crate) fn sse_delta_head(text: &str) -> Option<(usize, FastDelta, &str)> {
    after_prefix(strip(text, SSE_DELTA)?)
}

/// Decodes the string body that [`sse_delta_head`] left, appending it to `out`, and checks that the event ends
/// right after it: `}}` (with spaces or tabs between and after, which the SSE line keeps and the JSON reading
/// skips), the line's LF and the blank line's. Returns how many bytes of `body` the event takes; `None` for
/// any other shape (a CR, another member, a string the decoder refuses), when `out` holds unspecified extra
/// text the caller must truncate back. A string never holds a raw LF or CR (the decoder refuses control
/// characters), so the first LF after it is where the SSE line ends, as the layered reading finds it.
///
/// Only a string that ends within [`SSE_DELTA_WINDOW`] bytes is read so (the decoder makes room for as much
/// as it is given); a longer one is `None`, and the layered route reads it.
#[inline]
pub(crate) fn decode_sse_delta_body(body: &str, out: &mut String) -> Option<usize> {
    let mut window = body.len().min(SSE_DELTA_WINDOW);
    while !body.is_char_boundary(window) {
        window -= 1;
    }
    let end = json_text::decode_until_quote(&body[..window], out)?;
    let tail = body.as_bytes();
    let mut i = end;
    // JSON whitespace within one SSE line: `\r` and `\n` end the line here, so they are not skipped.
    let spaces = |mut i: usize| {
        while let Some(b' ' | b'\t') = tail.get(i) {
            i += 1;
        }
        i
    };
    for _ in 0..2 {
        i = spaces(i);
        if tail.get(i) != Some(&b'}') {
            return None;
        }
        i += 1;
    }
    i = spaces(i);
    (tail.get(i..i + 2)? == b"\n\n").then_some(i + 2)
}

/// `s.strip_prefix(prefix)` for a constant `prefix` of eight bytes or more, compared eight bytes at a time
/// (the last eight overlapping) rather than by a call to `memcmp`.
#[inline(always)]
fn strip<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (s_bytes, p) = (s.as_bytes(), prefix.as_bytes());
    let n = p.len();
    if n < 8 {
        return s.strip_prefix(prefix);
    }
    let head = s_bytes.get(..n)?;
    let word = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
    let mut at = 0;
    while at + 8 < n {
        if word(head, at) != word(p, at) {
            return None;
        }
        at += 8;
    }
    // The prefix is ASCII, so `n` is a character boundary of `s` once it matched.
    (word(head, n - 8) == word(p, n - 8)).then(|| &s[n..])
}

/// Decodes the string body that [`delta_head`] left, appending it to `out`, and checks that the payload
/// ends right after it. On `false` the payload is not of the fast shape and `out` holds unspecified extra
/// text: the caller must truncate it back.
pub(crate) fn decode_delta_body(body: &str, out: &mut String) -> bool {
    let Some(rest) = json_string_body(body, out) else { return false };
    if rest == "}}" {
        return true;
    }
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

/// Reads the body of a JSON string up to its closing quote (which `s` must contain), appending the
/// decoded text to `out`; returns what follows the quote. `None` for anything the full parser should judge
/// (raw control characters, bad escapes, lone surrogates).
fn json_string_body<'a>(s: &'a str, out: &mut String) -> Option<&'a str> {
    let end = json_text::decode_until_quote(s, out)?;
    Some(&s[end..])
}
