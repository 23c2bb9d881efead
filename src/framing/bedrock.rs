//! [`Bedrock`]: the framing of Claude on Amazon Bedrock, Messages API events inside AWS event-stream messages.

use std::borrow::Cow;

use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;

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

/// A chunk's payload: the event JSON in base64; other members (Bedrock's padding `"p"`) are skipped unread.
#[derive(Deserialize)]
struct ChunkPayload<'a> {
    #[serde(borrow)]
    bytes: Cow<'a, str>,
}

impl Framing for Bedrock {
    fn feed(&mut self, chunk: Bytes) {
        self.messages.feed(&chunk);
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        loop {
            let Some(message) = self.messages.next_message()? else { return Ok(None) };
            match message.header_str(":message-type") {
                Some("event") => {
                    if message.header_str(":event-type") != Some("chunk") {
                        continue;
                    }
                    self.current = chunk_event(&message)?;
                    return Ok(Some(RawEvent { json: &self.current, name: None }));
                }
                Some("exception") => {
                    let kind = message.header_str(":exception-type");
                    return Err(Error::api(ApiError::from_bedrock_exception(kind, message.payload())));
                }
                Some("error") => {
                    let (code, text) = (message.header_str(":error-code"), message.header_str(":error-message"));
                    return Err(Error::api(ApiError::from_bedrock_error(code, text, message.payload())));
                }
                other => {
                    return Err(Error::corrupt(
                        message.offset(),
                        format!(
                            "an event-stream message whose `:message-type` is {}, not event, exception or error",
                            other.map_or("missing".to_owned(), |t| format!("`{t}`"))
                        ),
                    ));
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
    let payload: ChunkPayload<'_> =
        serde_json::from_slice(message.payload()).map_err(|_| bad("is not JSON with a string `bytes`"))?;
    let json = engine.decode(payload.bytes.as_bytes()).map_err(|_| bad("has `bytes` that are not base64"))?;
    Ok(text(json))
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
