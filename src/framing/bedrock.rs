//! [`Bedrock`]: the framing of Claude on Amazon Bedrock, Messages API events inside AWS event-stream messages.

use std::borrow::Cow;

use crate::partial_json::reading::last_member;
use base64::Engine;
use bytes::Bytes;

use super::eventstream::{Decoder, Message};
use super::raw::{Framing, RawEvent};
use crate::error::{ApiError, Error};
use crate::limits::Limits;

/// The framing of [`Format::Bedrock`](super::Format::Bedrock), documented there.
#[derive(Debug, Clone, Default)]
pub struct Bedrock {
    messages: Decoder,
    /// The event handed out last, kept so that its text can be lent.
    current: String,
}

impl Bedrock {
    /// A Bedrock framing with the default limits.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

impl Framing for Bedrock {
    fn feed(&mut self, chunk: Bytes) {
        self.messages.feed(&chunk);
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        loop {
            let Some(message) = self.messages.next_message()? else { return Ok(None) };
            match message.header_str(":message-type") {
                Some("exception") => {
                    let kind = message.header_str(":exception-type");
                    return Err(Error::api(ApiError::from_bedrock_exception(kind, message.payload())));
                }
                Some("error") => {
                    let (code, text) = (message.header_str(":error-code"), message.header_str(":error-message"));
                    return Err(Error::api(ApiError::from_bedrock_error(code, text, message.payload())));
                }
                // `event`, and (as botocore reads them, with the status 200 it gives any message but an
                // exception or an error) a message without `:message-type` or of another type.
                _ => {
                    if message.header_str(":event-type") != Some("chunk") {
                        continue;
                    }
                    self.current = chunk_event(&message)?;
                    return Ok(Some(RawEvent { json: &self.current, name: None }));
                }
            }
        }
    }

    fn finish(&mut self) -> Option<String> {
        let left = self.messages.finish()?;
        Some(format!("the input ended {left} bytes into an event-stream message"))
    }

    fn set_limits(&mut self, limits: Limits) {
        self.messages.set_limits(limits);
    }
}

/// The event JSON a chunk message carries.
fn chunk_event(message: &Message) -> Result<String, Error> {
    let engine = &base64::engine::general_purpose::STANDARD;
    // The usual payload, read without a JSON parser; anything else (or anything that fails) takes the full
    // route, which judges it.
    if let Some(json) = usual_chunk(message.payload()).and_then(|b64| engine.decode(b64).ok()) {
        return Ok(text(json));
    }
    let bad = |what: &str| Error::corrupt(message.offset(), format!("a Bedrock chunk whose payload {what}"));
    // The event JSON in base64: the last `bytes` when the key repeats (as Python's `json` keeps it); other
    // members (Bedrock's padding `"p"`) are skipped unread.
    let not_json = || bad("is not JSON with a string `bytes`");
    let payload = std::str::from_utf8(message.payload()).map_err(|_| not_json())?;
    let raw = last_member(payload, "bytes").flatten().ok_or_else(not_json)?;
    let b64: Cow<'_, str> = serde_json::from_str(raw.get()).map_err(|_| not_json())?;
    let json = match engine.decode(b64.as_bytes()) {
        Ok(json) => json,
        Err(_) => base64_as_python_reads_it(b64.as_bytes())
            .map_err(|why| bad(&format!("has `bytes` that are not base64: {why}")))?,
    };
    Ok(text(json))
}

/// Base64 as botocore reads a chunk's `bytes`: Python's `base64.b64decode` with `validate=False`, that is
/// `binascii.a2b_base64` in its lenient mode. Bytes outside the alphabet (line breaks, spaces) are skipped; a
/// `=` that completes a group of four ends the text (what follows is ignored), one before the third character
/// of a group is skipped; a last group of one character, or of two or three without their padding, is an
/// error, as is a character outside ASCII (botocore hands Python's decoder the JSON string, which it refuses
/// then). Strict base64, nearly every chunk, is read by the `base64` crate before this is tried.
fn base64_as_python_reads_it(input: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut group, mut pads, mut bits) = (0u8, 0u8, 0u32);
    for &b in input {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            // botocore decodes the JSON string, and Python's b64decode refuses a string that is not ASCII.
            0x80.. => return Err("a character outside ASCII"),
            b'=' => {
                if group >= 2 {
                    pads += 1;
                    if group + pads >= 4 {
                        group = 0;
                        break;
                    }
                }
                continue;
            }
            _ => continue,
        };
        pads = 0;
        bits = (bits << 6) | u32::from(value);
        group += 1;
        match group {
            2 => out.push((bits >> 4) as u8),
            3 => out.push((bits >> 2) as u8),
            4 => {
                out.push(bits as u8);
                group = 0;
                bits = 0;
            }
            _ => {}
        }
    }
    match group {
        0 => Ok(out),
        1 => Err("a last group of one character"),
        _ => Err("incorrect padding"),
    }
}

/// The base64 of a payload of the shape Bedrock writes, `{"bytes":"..."}` or `{"bytes":"...","p":"..."}`,
/// with nothing escaped.
fn usual_chunk(payload: &[u8]) -> Option<&[u8]> {
    let rest = payload.strip_prefix(b"{\"bytes\":\"")?;
    let end = memchr::memchr(b'"', rest)?;
    let (b64, tail) = (&rest[..end], &rest[end + 1..]);
    if tail != b"}" {
        let pad = tail.strip_prefix(b",\"p\":\"")?.strip_suffix(b"\"}")?;
        if pad.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20) {
            return None;
        }
    }
    Some(b64)
}

/// Decoded event JSON as text: invalid UTF-8 becomes U+FFFD, as on SSE; no copy when it is valid.
fn text(json: Vec<u8>) -> String {
    String::from_utf8(json).unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::base64_as_python_reads_it;

    /// What Python 3.11's `base64.b64decode(s)` (validate=False) gives for each input, as run by the oracle's
    /// Python: the bytes, or an error.
    #[test]
    fn base64_is_read_as_python_reads_it() {
        let cases: [(&[u8], Option<&[u8]>); 22] = [
            ("QUJD é".as_bytes(), None),
            (b"QQ==", Some(b"A")),
            (b"QQ", None),
            (b"QUJD", Some(b"ABC")),
            (b"QU JD", Some(b"ABC")),
            (b"QU\nJD\r\n", Some(b"ABC")),
            (b"QQ==QQ==", Some(b"A")),
            (b"QUI=QUJD", Some(b"AB")),
            (b"Q=Q=", None),
            (b"QQ=", None),
            (b"QQ===", Some(b"A")),
            (b"=QQ==", Some(b"A")),
            (b"QUJD=", Some(b"ABC")),
            (b"QUJD====", Some(b"ABC")),
            (b"Q", None),
            (b"QUJDQ", None),
            (b"Q-_Q", None),
            (b"QUJ$D", Some(b"ABC")),
            (b"Q=QQ", None),
            (b"QQ=x=", Some(b"A\x0c")),
            (b"QUJDRA==RQ==", Some(b"ABCD")),
            (b"QUJD=QUJD", Some(b"ABCABC")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                base64_as_python_reads_it(input).ok().as_deref(),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
