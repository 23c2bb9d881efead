//! [`Bedrock`]: the framing of Claude on Amazon Bedrock, Messages API events inside AWS event-stream messages.

use std::borrow::Cow;

use crate::partial_json::reading::last_member;
use bytes::Bytes;

use super::eventstream::{Decoder, MessageRef};
use super::raw::{Framing, RawEvent};
use crate::error::{ApiError, Error};
use crate::limits::Limits;

/// The framing of [`Format::Bedrock`](super::Format::Bedrock), documented there.
#[derive(Debug, Clone, Default)]
pub struct Bedrock {
    messages: Decoder,
    /// The JSON of the event handed out last, decoded from base64 into the same buffer each time.
    json: Vec<u8>,
    /// `json` as text where it is not UTF-8: U+FFFD for each invalid sequence, as on SSE.
    lossy: String,
}

impl Bedrock {
    /// A Bedrock framing with the default limits.
    pub(crate) fn new() -> Self {
        Self::default()
    }
}

impl Framing for Bedrock {
    fn feed(&mut self, chunk: Bytes) {
        self.messages.feed_bytes(chunk);
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        loop {
            let Some(message) = self.messages.next_in_place()? else { return Ok(None) };
            match message.message_type() {
                Some(b"exception") => {
                    let kind = message.header_str(":exception-type");
                    return Err(Error::api(ApiError::from_bedrock_exception(kind, message.payload())));
                }
                Some(b"error") => {
                    let (code, text) = (message.header_str(":error-code"), message.header_str(":error-message"));
                    return Err(Error::api(ApiError::from_bedrock_error(code, text, message.payload())));
                }
                // `event`, and (as botocore reads them, with the status 200 it gives any message but an
                // exception or an error) a message without `:message-type` or of another type.
                _ => {
                    if message.event_type() != Some(b"chunk") {
                        continue;
                    }
                    chunk_event(&message, &mut self.json)?;
                    let json = match std::str::from_utf8(&self.json) {
                        Ok(json) => json,
                        Err(_) => {
                            self.lossy = String::from_utf8_lossy(&self.json).into_owned();
                            &self.lossy
                        }
                    };
                    return Ok(Some(RawEvent { json, name: None }));
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

/// Decodes into `json` the event JSON a chunk message carries.
fn chunk_event(message: &MessageRef<'_>, json: &mut Vec<u8>) -> Result<(), Error> {
    let strict = &base64_simd::STANDARD;
    json.clear();
    // The usual payload, read without a JSON parser; anything else (or anything that fails) takes the full
    // route, which judges it.
    if let Some(b64) = usual_chunk(message.payload()) {
        if strict.decode_append(b64, json).is_ok() {
            return Ok(());
        }
        json.clear();
    }
    let bad = |what: &str| Error::corrupt(message.offset(), format!("a Bedrock chunk whose payload {what}"));
    // The event JSON in base64: the last `bytes` when the key repeats (as Python's `json` keeps it); other
    // members (Bedrock's padding `"p"`) are skipped unread.
    let not_json = || bad("is not JSON with a string `bytes`");
    let payload = std::str::from_utf8(message.payload()).map_err(|_| not_json())?;
    let raw = last_member(payload, "bytes").flatten().ok_or_else(not_json)?;
    let b64: Cow<'_, str> = serde_json::from_str(raw.get()).map_err(|_| not_json())?;
    if strict.decode_append(b64.as_bytes(), json).is_ok() {
        return Ok(());
    }
    json.clear();
    base64_as_python_reads_it(b64.as_bytes(), json)
        .map_err(|why| bad(&format!("has `bytes` that are not base64: {why}")))
}

/// Base64 as botocore reads a chunk's `bytes`: Python's `base64.b64decode` with `validate=False`, that is
/// `binascii.a2b_base64` in its lenient mode. Bytes outside the alphabet (line breaks, spaces) are skipped; a
/// `=` that completes a group of four ends the text (what follows is ignored), one before the third character
/// of a group is skipped; a last group of one character, or of two or three without their padding, is an
/// error, as is a character outside ASCII (botocore hands Python's decoder the JSON string, which it refuses
/// then). Strict base64, nearly every chunk, is read by `base64-simd` before this is tried.
fn base64_as_python_reads_it(input: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.reserve(input.len() / 4 * 3);
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
        0 => Ok(()),
        1 => Err("a last group of one character"),
        _ => Err("incorrect padding"),
    }
}

/// The base64 of a payload of the shape Bedrock writes, `{"bytes":"..."}` or `{"bytes":"...","p":"..."}`, with
/// nothing escaped, found without scanning it: the base64 is not looked at here, so a payload whose `bytes`
/// hold a quote or an escape is taken for this shape only if the strict decoder then refuses it (it refuses
/// any byte outside the alphabet), and goes the full route.
fn usual_chunk(payload: &[u8]) -> Option<&[u8]> {
    let inner = payload.strip_prefix(b"{\"bytes\":\"")?.strip_suffix(b"\"}")?;
    // The padding, when there is one, is the text after the last quote: `bytes` cannot hold a quote.
    let Some(quote) = memchr::memrchr(b'"', inner) else { return Some(inner) };
    let b64 = inner[..quote].strip_suffix(b"\",\"p\":")?;
    let pad = &inner[quote + 1..];
    let plain = pad.iter().all(|&c| c != b'\\' && c >= 0x20) && std::str::from_utf8(pad).is_ok();
    plain.then_some(b64)
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
            let mut out = Vec::new();
            assert_eq!(
                base64_as_python_reads_it(input, &mut out).ok().map(|()| &out[..]),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
