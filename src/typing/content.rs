//! `message_start` with content: its blocks typed one by one from the event's text. Typing the event as a
//! whole would copy the content's text once per level (event, message, content) before the blocks are
//! built; a million small blocks then cost three copies of the event on top of the message.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::message::ContentBlock;
use crate::model::object::JsonObject;

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
/// each typed from its own text. `None` when there is no content to split, or
/// anything is unexpected (the typed route then judges the event as a whole).
pub(crate) fn split_content(data: &str) -> Option<(String, Vec<ContentBlock>)> {
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
        let map = serde_json::from_str::<JsonObject>(element.get()).ok()?;
        blocks.push(ContentBlock::from_map(map));
    }
    let mut without_content = String::with_capacity(data.len() - raw.len() + 2);
    without_content.push_str(&data[..at]);
    without_content.push_str("[]");
    without_content.push_str(&data[at + raw.len()..]);
    Some((without_content, blocks))
}
