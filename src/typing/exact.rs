//! Tool input that arrives whole, in `content_block_start` or `message_start`, read from the event's text: the
//! typed event went through a `serde_json::Value`, whose maps are sorted and whose numbers may round.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::message::ContentBlock;
use crate::model::tool_input::ToolInput;

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
pub(crate) fn block_start(data: &str, block: &mut ContentBlock) {
    if block.tool_input().is_some() {
        if let Ok(raw) = serde_json::from_str::<BlockStart<'_>>(data) {
            set(block, &raw.content_block);
        }
    }
}

/// The exact inputs of the tool blocks that `message_start` (`data`) carries.
pub(crate) fn message_start(data: &str, content: &mut [ContentBlock]) {
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
        let map = serde_json::from_str::<crate::model::object::JsonObject>(element.get()).ok()?;
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
