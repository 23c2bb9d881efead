//! Typed stream events: what each SSE frame of a Messages API stream means.
//!
//! [`StreamEvent::from_frame`] turns a frame into an event. It dispatches on the JSON `type` (the SSE event
//! name is advisory), skips `ping` frames without reading them, turns a frame named `error` into an
//! [`ApiError`], and keeps anything it does not know as raw JSON. The commonest frames, text,
//! thinking and tool-input deltas, take a fast path that reads the payload in place without building a
//! `serde_json::Value`; anything unexpected falls back to the full parser, which gives the same result.

use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{ApiError, Error, JsonError};
use crate::json_text;
use crate::message::{Citation, ContentBlock, Message, StopReason, Usage};
use crate::object::{model_struct, tagged_enum, JsonObject};
use crate::sse::Frame;

/// One event of a Messages API stream. `error` events are not events: they arrive as
/// [`Error::Api`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// The message starts; its content is usually empty.
    MessageStart(MessageStart),
    /// A content block starts at `index`.
    ContentBlockStart(ContentBlockStart),
    /// A piece of the content block at `index`.
    ContentBlockDelta(ContentBlockDelta),
    /// The content block at `index` is complete.
    ContentBlockStop(ContentBlockStop),
    /// Top-level changes: stop reason, cumulative usage.
    MessageDelta(MessageDelta),
    /// The message is complete.
    MessageStop(MessageStop),
    /// Keep-alive; carries nothing.
    Ping,
    /// An event type this version does not know: the SSE event name and the data, kept as JSON text
    /// (validated, never built into a tree, so that neither its size nor its nesting costs more than its
    /// bytes).
    Unknown {
        /// The SSE event name (`message` when the frame had none).
        event: String,
        /// The data's `type`, when it is an object with a string `type`.
        kind: Option<String>,
        /// The data as it arrived.
        data: RawJson,
    },
}

/// JSON kept as the text that arrived: validated, not parsed into a tree. Serializing writes it verbatim
/// (through `serde_json`); [`to_value`](Self::to_value) builds a `serde_json::Value` when wanted.
#[derive(Debug, Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Checks that `text` is JSON and keeps it.
    pub fn from_text(text: &str) -> Result<RawJson, serde_json::Error> {
        serde_json::from_str::<&RawValue>(text).map(|raw| RawJson(raw.to_owned()))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The JSON as a `serde_json::Value` (which fails on nesting deeper than `serde_json`'s limit of 128).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl PartialEq for RawJson {
    /// Equal text.
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl std::fmt::Display for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

model_struct! {
    /// The payload of `message_start`.
    pub struct MessageStart {
        req
        /// The message as it starts (boxed: it is large, and events move through the stream by value).
        message: Box<Message>,
    }
}

model_struct! {
    /// The payload of `content_block_start`.
    pub struct ContentBlockStart {
        req
        /// Position of the block in `content`.
        index: usize,
        req
        /// The block as it starts (complete for blocks that do not stream, such as tool results).
        content_block: ContentBlock,
    }
}

model_struct! {
    /// The payload of `content_block_delta`.
    pub struct ContentBlockDelta {
        req
        /// Position of the block in `content`.
        index: usize,
        req
        /// The change.
        delta: Delta,
    }
}

model_struct! {
    /// The payload of `content_block_stop`.
    pub struct ContentBlockStop {
        req
        /// Position of the block in `content`.
        index: usize,
    }
}

model_struct! {
    /// The payload of `message_delta`.
    pub struct MessageDelta {
        req
        /// The top-level fields that changed.
        delta: MessageDeltaBody,
        opt
        /// Cumulative usage (totals, not increments). Absent in some streams. Boxed to keep events small.
        usage: Box<Usage>,
        opt
        /// Context management applied, kept as JSON.
        context_management: Value,
    }
}

model_struct! {
    /// The `delta` object of `message_delta`.
    pub struct MessageDeltaBody {
        opt
        /// Why generation stopped.
        stop_reason: StopReason,
        opt
        /// The stop sequence that matched.
        stop_sequence: String,
        opt
        /// Details of the stop, kept as JSON.
        stop_details: Value,
        opt
        /// The code-execution container, kept as JSON.
        container: Value,
    }
}

model_struct! {
    /// The payload of `message_stop`.
    pub struct MessageStop {
    }
}

tagged_enum! {
    /// A change to one content block.
    pub enum Delta {
        /// Text to append to a `text` block.
        Text(TextDelta) = "text_delta",
        /// A piece of a tool call's input JSON.
        InputJson(InputJsonDelta) = "input_json_delta",
        /// A citation to append to a `text` block.
        Citations(CitationsDelta) = "citations_delta",
        /// Thinking to append to a `thinking` block.
        Thinking(ThinkingDelta) = "thinking_delta",
        /// The signature of a `thinking` block (replaces any earlier one).
        Signature(SignatureDelta) = "signature_delta",
        /// The content of a `compaction` block.
        Compaction(CompactionDelta) = "compaction_delta",
    }
}

model_struct! {
    /// `text_delta`.
    pub struct TextDelta {
        req
        /// The text to append.
        text: String,
    }
}

model_struct! {
    /// `input_json_delta`.
    pub struct InputJsonDelta {
        req
        /// The next piece of the input JSON (may be empty, and may end anywhere, even inside a string).
        partial_json: String,
    }
}

model_struct! {
    /// `citations_delta`.
    pub struct CitationsDelta {
        req
        /// The citation to append (boxed: citations are large next to the other deltas).
        citation: Box<Citation>,
    }
}

model_struct! {
    /// `thinking_delta`.
    pub struct ThinkingDelta {
        req
        /// The thinking to append.
        thinking: String,
    }
}

model_struct! {
    /// `signature_delta`.
    pub struct SignatureDelta {
        req
        /// The signature.
        signature: String,
    }
}

model_struct! {
    /// `compaction_delta`.
    pub struct CompactionDelta {
        opt
        /// The summary (`None` when `null` or absent).
        content: String,
        opt
        /// The encrypted summary.
        encrypted_content: String,
    }
}

impl Delta {
    fn simple(kind: FastDelta, text: String) -> Delta {
        let extra = JsonObject::new();
        match kind {
            FastDelta::Text => Delta::Text(TextDelta { text, extra }),
            FastDelta::InputJson => Delta::InputJson(InputJsonDelta { partial_json: text, extra }),
            FastDelta::Thinking => Delta::Thinking(ThinkingDelta { thinking: text, extra }),
            FastDelta::Signature => Delta::Signature(SignatureDelta { signature: text, extra }),
        }
    }
}

impl StreamEvent {
    /// The event's `type` as the API names it (for `Unknown`, the JSON `type` or else the SSE event name).
    pub fn type_name(&self) -> &str {
        match self {
            StreamEvent::MessageStart(_) => "message_start",
            StreamEvent::ContentBlockStart(_) => "content_block_start",
            StreamEvent::ContentBlockDelta(_) => "content_block_delta",
            StreamEvent::ContentBlockStop(_) => "content_block_stop",
            StreamEvent::MessageDelta(_) => "message_delta",
            StreamEvent::MessageStop(_) => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Unknown { event, kind, .. } => kind.as_deref().unwrap_or(event),
        }
    }

    /// Types one SSE frame.
    ///
    /// Returns `Ok(None)` for frames that carry no event (a frame with empty data). A frame named `error`
    /// gives `Err(Error::Api)`, whatever its data; invalid JSON gives `Err(Error::Json)` naming the event and
    /// where the JSON broke; a known type with missing or mistyped required fields gives `Err(Error::Protocol)`.
    ///
    /// ```
    /// use anthropic_sse::sse::{BytesStr, Frame};
    /// use anthropic_sse::{Delta, StreamEvent};
    ///
    /// let data = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#;
    /// let frame = Frame::new(Some("content_block_delta".into()), data.into(), BytesStr::new(), None);
    /// match StreamEvent::from_frame(&frame).unwrap() {
    ///     Some(StreamEvent::ContentBlockDelta(d)) => assert!(matches!(d.delta, Delta::Text(t) if t.text == "Hi")),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn from_frame(frame: &Frame) -> Result<Option<StreamEvent>, Error> {
        Self::from_parts(frame.event(), frame.data())
    }

    /// Types an event given by its SSE event name and data (see [`from_frame`](Self::from_frame)).
    pub fn from_parts(event: &str, data: &str) -> Result<Option<StreamEvent>, Error> {
        Self::typed(event, data, Unknowns::Keep)
    }

    /// [`from_parts`](Self::from_parts) for a caller that only folds: an event of an unknown type is checked
    /// to be JSON and then dropped (`Ok(None)`), never copied.
    pub(crate) fn for_fold(event: &str, data: &str) -> Result<Option<StreamEvent>, Error> {
        Self::typed(event, data, Unknowns::Drop)
    }

    fn typed(event: &str, data: &str, unknowns: Unknowns) -> Result<Option<StreamEvent>, Error> {
        match event {
            "ping" => return Ok(Some(StreamEvent::Ping)),
            "error" => return Err(Error::api(ApiError::from_event_data(data.as_bytes(), None))),
            _ => {}
        }
        if data.is_empty() {
            return Ok(None);
        }
        if let Some(event) = fast::content_block_delta(data) {
            return Ok(Some(event));
        }
        Self::from_json(event, data, unknowns)
    }

    fn from_json(event: &str, data: &str, unknowns: Unknowns) -> Result<Option<StreamEvent>, Error> {
        let json_error = |e| Error::json(JsonError::new(event, data, e));
        // Only the events this version knows are built into a tree; any other is kept as text.
        let tag = type_tag(data);
        if !tag.as_deref().is_some_and(|tag| KNOWN.contains(&tag)) {
            if unknowns == Unknowns::Drop {
                serde_json::from_str::<serde::de::IgnoredAny>(data).map_err(json_error)?;
                return Ok(None);
            }
            let raw = RawJson::from_text(data).map_err(json_error)?;
            return Ok(Some(StreamEvent::Unknown { event: event.to_owned(), kind: tag, data: raw }));
        }
        if tag.as_deref() == Some("message_start") {
            // The blocks are typed one by one from their own text: a tree of the whole content (hundreds of
            // bytes per block) is never built.
            if let Some((without_content, blocks)) = exact::split_content(data) {
                let mut event = Self::from_json(event, &without_content, unknowns)?;
                if let Some(StreamEvent::MessageStart(start)) = &mut event {
                    start.message.content = blocks;
                }
                return Ok(event);
            }
        }
        let value: Value = serde_json::from_str(data).map_err(json_error)?;
        let Value::Object(mut map) = value else {
            return Err(Error::protocol(format!("{event}: the data is not a JSON object")));
        };
        // Reached only through a known first `type`; a repeated `type` whose last value is not a string makes
        // the event unknown, as `type_tag` judges it.
        let tag = match map.get("type") {
            Some(Value::String(tag)) => tag.clone(),
            _ if unknowns == Unknowns::Drop => return Ok(None),
            _ => {
                let data = RawJson::from_text(data).map_err(json_error)?;
                return Ok(Some(StreamEvent::Unknown { event: event.to_owned(), kind: None, data }));
            }
        };
        macro_rules! typed {
            ($variant:ident, $ty:ty) => {{
                let ty = map.remove("type");
                match <$ty>::from_map(map) {
                    Ok(payload) => Ok(StreamEvent::$variant(payload)),
                    Err(mut map) => {
                        if let Some(ty) = ty {
                            map.insert("type".to_owned(), ty);
                        }
                        Err(Error::protocol(format!(
                            "{tag} event without valid required fields: {}",
                            excerpt(&Value::Object(map).to_string())
                        )))
                    }
                }
            }};
        }
        let event = match tag.as_str() {
            "message_start" => typed!(MessageStart, MessageStart).map(|mut event| {
                if let StreamEvent::MessageStart(start) = &mut event {
                    exact::message_start(data, &mut start.message.content);
                }
                event
            }),
            "content_block_start" => typed!(ContentBlockStart, ContentBlockStart).map(|mut event| {
                if let StreamEvent::ContentBlockStart(start) = &mut event {
                    exact::block_start(data, &mut start.content_block);
                }
                event
            }),
            "content_block_delta" => typed!(ContentBlockDelta, ContentBlockDelta),
            "content_block_stop" => typed!(ContentBlockStop, ContentBlockStop),
            "message_delta" => typed!(MessageDelta, MessageDelta),
            "message_stop" => typed!(MessageStop, MessageStop),
            "ping" => Ok(StreamEvent::Ping),
            "error" => Err(Error::api(ApiError::from_event_data(data.as_bytes(), None))),
            // The data's first `type` is known but its last is not (a repeated key): unknown after all.
            _ if unknowns == Unknowns::Drop => return Ok(None),
            _ => Ok(StreamEvent::Unknown {
                event: event.to_owned(),
                kind: Some(tag),
                data: RawJson::from_text(data).map_err(json_error)?,
            }),
        };
        event.map(Some)
    }

    /// The event as the JSON payload it came from (the SSE data; `{"type":"ping"}` for a ping).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for StreamEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        macro_rules! tagged {
            ($tag:literal, $payload:expr) => {{
                let mut out = serializer.serialize_map(None)?;
                out.serialize_entry("type", $tag)?;
                $payload.write_fields(&mut out)?;
                out.end()
            }};
        }
        match self {
            StreamEvent::MessageStart(p) => tagged!("message_start", p),
            StreamEvent::ContentBlockStart(p) => tagged!("content_block_start", p),
            StreamEvent::ContentBlockDelta(p) => tagged!("content_block_delta", p),
            StreamEvent::ContentBlockStop(p) => tagged!("content_block_stop", p),
            StreamEvent::MessageDelta(p) => tagged!("message_delta", p),
            StreamEvent::MessageStop(p) => tagged!("message_stop", p),
            StreamEvent::Ping => {
                let mut out = serializer.serialize_map(Some(1))?;
                out.serialize_entry("type", "ping")?;
                out.end()
            }
            StreamEvent::Unknown { data, .. } => data.serialize(serializer),
        }
    }
}

/// Tool input that arrives whole, in `content_block_start` or `message_start`, read from the event's text: the
/// typed event went through a `serde_json::Value`, whose maps are sorted and whose numbers may round.
mod exact {
    use serde::Deserialize;
    use serde_json::value::RawValue;

    use crate::message::ContentBlock;
    use crate::tool_input::ToolInput;

    #[derive(Deserialize)]
    struct BlockStart<'a> {
        #[serde(borrow)]
        content_block: RawBlock<'a>,
    }

    #[derive(Deserialize)]
    struct MessageStart<'a> {
        #[serde(borrow)]
        message: RawMessage<'a>,
    }

    #[derive(Deserialize)]
    struct RawMessage<'a> {
        #[serde(borrow, default)]
        content: Vec<RawBlock<'a>>,
    }

    #[derive(Deserialize)]
    struct RawBlock<'a> {
        #[serde(borrow, default)]
        input: Option<&'a RawValue>,
    }

    /// The exact input of the block that `content_block_start` (`data`) starts.
    pub(super) fn block_start(data: &str, block: &mut ContentBlock) {
        if block.tool_input().is_some() {
            if let Ok(raw) = serde_json::from_str::<BlockStart<'_>>(data) {
                set(block, &raw.content_block);
            }
        }
    }

    /// The exact inputs of the tool blocks that `message_start` (`data`) carries.
    pub(super) fn message_start(data: &str, content: &mut [ContentBlock]) {
        if content.iter().any(|b| b.tool_input().is_some()) {
            if let Ok(raw) = serde_json::from_str::<MessageStart<'_>>(data) {
                if raw.message.content.len() == content.len() {
                    for (block, raw) in content.iter_mut().zip(&raw.message.content) {
                        set(block, raw);
                    }
                }
            }
        }
    }

    #[derive(Deserialize)]
    struct ContentOfStart<'a> {
        #[serde(borrow)]
        message: ContentOfMessage<'a>,
    }

    #[derive(Deserialize)]
    struct ContentOfMessage<'a> {
        #[serde(borrow)]
        content: &'a RawValue,
    }

    /// A `message_start` whose message has content: the event's text with `content` emptied, and the blocks,
    /// each typed from its own text (with its exact tool input). `None` when there is no content to split, or
    /// anything is unexpected (the typed route then judges the event as a whole).
    pub(super) fn split_content(data: &str) -> Option<(String, Vec<ContentBlock>)> {
        if !data.contains("\"content\":[{") && !data.contains("\"content\": [{") {
            return None;
        }
        let start: ContentOfStart<'_> = serde_json::from_str(data).ok()?;
        let raw = start.message.content.get();
        let at = (raw.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
        if data.get(at..at + raw.len()) != Some(raw) {
            return None;
        }
        let elements: Vec<&RawValue> = serde_json::from_str(raw).ok()?;
        let mut blocks = Vec::with_capacity(elements.len());
        for element in elements {
            let map = serde_json::from_str::<crate::object::JsonObject>(element.get()).ok()?;
            let mut block = ContentBlock::from_map(map);
            if block.tool_input().is_some() {
                if let Ok(raw) = serde_json::from_str::<RawBlock<'_>>(element.get()) {
                    set(&mut block, &raw);
                }
            }
            blocks.push(block);
        }
        let mut without_content = String::with_capacity(data.len() - raw.len() + 2);
        without_content.push_str(&data[..at]);
        without_content.push_str("[]");
        without_content.push_str(&data[at + raw.len()..]);
        Some((without_content, blocks))
    }

    /// Anything unexpected (a repeated key that the typed route resolved, an input nested deeper than the
    /// tool-input limit) keeps what the typed route gave.
    fn set(block: &mut ContentBlock, raw: &RawBlock<'_>) {
        if let (Some(input), Some(raw)) = (block.tool_input_mut(), raw.input) {
            if let Ok(exact) = ToolInput::from_json(raw.get()) {
                *input = exact;
            }
        }
    }
}

/// What typing does with an event of a type this version does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unknowns {
    /// Hand it out as [`StreamEvent::Unknown`].
    Keep,
    /// Check that it is JSON and drop it (nothing folds it).
    Drop,
}

/// The `type` values this version builds into typed events.
const KNOWN: [&str; 8] = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
];

/// The `type` of an event's data, when the data is an object whose `type` is a string. A repeated `type` key
/// counts by its last value, as in `serde_json::Value` and Python's `json` (what the SDK reads). The usual
/// `{"type":"<known>"` start is taken without a pass over the rest: the typed route that follows reads the
/// last value again and turns the event unknown if that differs. Anything else is read by a pass that builds
/// nothing (and so has no nesting limit). `None` for anything else, including text that is not JSON.
fn type_tag(data: &str) -> Option<String> {
    if let Some(rest) = data.strip_prefix("{\"type\":\"") {
        if let Some(end) = rest.find(['"', '\\']) {
            let tag = &rest[..end];
            if rest.as_bytes()[end] == b'"' && KNOWN.contains(&tag) {
                return Some(tag.to_owned());
            }
        }
    }
    let LastType(raw) = serde_json::from_str(data).ok()?;
    serde_json::from_str(raw?.get()).ok()
}

/// The raw value of an object's last `type` key; every other value is checked and skipped.
struct LastType<'a>(Option<&'a RawValue>);

impl<'de> serde::Deserialize<'de> for LastType<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = LastType<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut last = None;
                while let Some(IsType(is_type)) = map.next_key()? {
                    if is_type {
                        last = Some(map.next_value::<&'de RawValue>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(LastType(last))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Whether an object key is `type` (escaped or not), read without an allocation.
struct IsType(bool);

impl<'de> serde::Deserialize<'de> for IsType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IsType;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<IsType, E> {
                Ok(IsType(key == "type"))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// At most 80 characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Internals that the crate's own tests and fuzz targets check directly; not part of the API.
#[doc(hidden)]
pub mod __private {
    use super::StreamEvent;

    /// The fast path's event for `data`, `None` when `data` is not of the fast shape.
    pub fn fast_content_block_delta(data: &str) -> Option<StreamEvent> {
        super::fast::content_block_delta(data)
    }
}

/// The deltas the fast path reads: each appends (or, for a signature, sets) one string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FastDelta {
    Text,
    InputJson,
    Thinking,
    Signature,
}

/// The fast path for the commonest payload, exactly as the API writes it:
/// `{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}` (and the same for
/// `input_json_delta`, `thinking_delta` and `signature_delta`), with optional whitespace before the closing
/// braces. Anything else, including any escape the fast path cannot prove harmless, returns `None` and goes
/// to the full parser, which would produce the same event.
///
/// It comes in pieces so that the string can be decoded straight into its destination: a new `String` for a
/// [`StreamEvent`], or the block's own buffer when the decoder folds without handing events out.
pub(crate) mod fast {
    use super::*;

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
}
