//! Typing: one wire event (its JSON text, and a name where the wire gives one) to a [`StreamEvent`].
//!
//! [`StreamEvent::from_frame`] turns a frame into an event. It dispatches on the JSON `type` (the SSE event
//! name is advisory), skips `ping` frames without reading them, turns a frame named `error` into an
//! [`ApiError`], and keeps anything it does not know as raw JSON. The commonest frames, text,
//! thinking and tool-input deltas, take a fast path that reads the payload in place without building a
//! `serde_json::Value`; anything unexpected falls back to the full parser, which gives the same result.

mod content;
pub(crate) mod fast;

use crate::error::{ApiError, Error, JsonError};
use crate::framing::Frame;
use crate::model::event::*;
use crate::model::fields::{Borrowed, Members, json_integer};
use crate::model::object::{JsonObject, RawJson, json_string};
use crate::partial_json::reading::last_member;
use crate::text::excerpt;

impl StreamEvent {
    /// Types one event from its JSON text, and the name its wire gave it where there is one (SSE's `event:`
    /// field; see [`RawEvent::name`](crate::framing::RawEvent::name)). This is the whole of typing, whatever
    /// the wire.
    ///
    /// It dispatches on the JSON `type` (a repeated `type` counts by its last value, as the SDK reads it).
    /// The name decides only for `ping` (a ping, its data unread) and `error` (an API error, whatever its data).
    /// Returns `Ok(None)` for empty text, which carries no event. An API `error` event gives an error of
    /// category [`Api`](crate::error::ErrorKind::Api); invalid JSON one of category
    /// [`Json`](crate::error::ErrorKind::Json) naming the event and where the JSON broke; a known type with
    /// missing or mistyped required fields one of category [`Protocol`](crate::error::ErrorKind::Protocol). A
    /// type this version does not know is [`StreamEvent::Unknown`], its JSON kept as text.
    ///
    /// ```
    /// use anthropic_sse::{Delta, StreamEvent};
    ///
    /// let json = r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#;
    /// match StreamEvent::from_json(json, None)? {
    ///     Some(StreamEvent::ContentBlockDelta(d)) => assert!(matches!(d.delta, Delta::Text { text, .. } if text == "Hi")),
    ///     other => panic!("{other:?}"),
    /// }
    /// let future = StreamEvent::from_json(r#"{"type":"future_event","x":1}"#, None)?.unwrap();
    /// assert_eq!(future.type_name(), "future_event");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn from_json(json: &str, name: Option<&str>) -> Result<Option<StreamEvent>, Error> {
        Self::typed(name.unwrap_or("message"), json, Unknowns::Keep)
    }

    /// Types one SSE frame (see [`from_json`](Self::from_json)).
    ///
    /// ```
    /// use anthropic_sse::framing::{BytesStr, Frame};
    /// use anthropic_sse::StreamEvent;
    ///
    /// let frame = Frame::new(Some("ping".into()), BytesStr::from("{}"), BytesStr::new(), None);
    /// assert_eq!(StreamEvent::from_frame(&frame)?, Some(StreamEvent::Ping));
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn from_frame(frame: &Frame) -> Result<Option<StreamEvent>, Error> {
        Self::from_json(frame.data(), Some(frame.event()))
    }

    /// [`from_json`](Self::from_json) for a caller that only folds: an event of an unknown type is checked
    /// to be JSON and then dropped (`Ok(None)`), never copied.
    pub(crate) fn for_fold(json: &str, name: Option<&str>) -> Result<Option<StreamEvent>, Error> {
        Self::typed(name.unwrap_or("message"), json, Unknowns::Drop)
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
        match Self::from_tagged(event, data, unknowns, true) {
            // `NaN`, `Infinity` and `-Infinity`, which `serde_json` refuses and the SDK's `json.loads` reads:
            // the event is read again with stand-ins, the members that hold them kept as they arrived.
            Err(error) if error.kind() == crate::error::ErrorKind::Json => {
                crate::text::non_finite::with_non_finite_as_numbers(data, |standard| {
                    Self::from_tagged(event, standard, unknowns, true)
                })
                // Still not JSON: the first error says where the text broke.
                .filter(|read| read.as_ref().err().is_none_or(|e| e.kind() != crate::error::ErrorKind::Json))
                .unwrap_or(Err(error))
            }
            read => read,
        }
    }

    /// Types the event by its `type`; `split_blocks`: a `message_start`'s blocks may be split off first (once:
    /// the text without them may still hold a `content` deeper down, which must not be split again).
    fn from_tagged(
        event: &str,
        data: &str,
        unknowns: Unknowns,
        split_blocks: bool,
    ) -> Result<Option<StreamEvent>, Error> {
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
        if split_blocks && tag.as_deref() == Some("message_start") {
            // The blocks are typed one by one from their own text: the content's text is never copied whole.
            if let Some((without_content, blocks)) = content::split_content(data) {
                let mut typed = Self::from_tagged(event, &without_content, unknowns, false)?;
                match &mut typed {
                    Some(StreamEvent::MessageStart(start)) => start.message.content = blocks,
                    // Unknown after all (a repeated `type`): handed out as it arrived, content and all.
                    Some(StreamEvent::Unknown { data: kept, .. }) => {
                        *kept = RawJson::from_text(data).map_err(json_error)?
                    }
                    _ => {}
                }
                return Ok(typed);
            }
        }
        // The event's members, borrowed from its text: only what the model knows is read further, and only
        // what it keeps as text is copied, so an unknown member costs its bytes, never a tree.
        let mut map: Borrowed<'_> = match serde_json::from_str(data) {
            Ok(map) => map,
            Err(e) if e.is_data() => return Err(Error::protocol(format!("{event}: the data is not a JSON object"))),
            Err(e) => return Err(json_error(e)),
        };
        // Reached only through a known first `type`; a repeated `type` whose last value is not a string makes
        // the event unknown, as `type_tag` judges it.
        let tag = match map.raw("type").and_then(json_string) {
            Some(tag) => tag,
            _ if unknowns == Unknowns::Drop => return Ok(None),
            _ => {
                let data = RawJson::from_text(data).map_err(json_error)?;
                return Ok(Some(StreamEvent::Unknown { event: event.to_owned(), kind: None, data }));
            }
        };
        if unknowns == Unknowns::Drop && tag == "content_block_delta" {
            // The fold ignores a delta of a type this version does not know (as the SDK does), but still
            // checks its index: the delta is not read beyond its `type`.
            if let Some(kind) = map.raw("delta").and_then(type_tag).filter(|kind| !Delta::knows(kind)) {
                if let Some(index) = map.raw("index").and_then(json_integer::<usize>) {
                    let mut delta = JsonObject::new();
                    if let Ok(kind) = RawJson::from_serialize(&kind) {
                        delta.insert("type".to_owned(), kind);
                    }
                    let delta = Delta::Other(delta);
                    return Ok(Some(StreamEvent::ContentBlockDelta(ContentBlockDelta {
                        index,
                        delta,
                        extra: JsonObject::new(),
                    })));
                }
            }
        }
        map.take("type");
        macro_rules! typed {
            ($variant:ident, $ty:ty) => {{
                match <$ty>::from_map(map) {
                    Ok(payload) => Ok(StreamEvent::$variant(payload)),
                    Err(_) => {
                        Err(Error::protocol(format!("{tag} event without valid required fields: {}", excerpt(data))))
                    }
                }
            }};
        }
        let event = match tag.as_str() {
            "message_start" => typed!(MessageStart, MessageStart),
            "content_block_start" => typed!(ContentBlockStart, ContentBlockStart),
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
    // `Some(tag)` when `text` is an object (its tag `None` when it has no string `type`).
    let read = |text: &str| -> Option<Option<String>> {
        let raw = last_member(text, "type")?;
        Some(raw.and_then(|raw| serde_json::from_str(raw.get()).ok()))
    };
    match read(data) {
        Some(tag) => tag,
        // An object that holds `NaN` or an infinity is an object all the same, as the SDK reads it.
        None => crate::text::non_finite::with_non_finite_as_numbers(data, read).flatten().flatten(),
    }
}
