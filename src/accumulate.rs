//! Folding events into the final [`Message`], exactly as the official Python SDK's `get_final_message()`.
//!
//! ```
//! use anthropic_sse::{MessageAccumulator, StreamEvent};
//!
//! let mut acc = MessageAccumulator::new();
//! for (name, data) in [
//!     ("message_start", r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#),
//!     ("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
//!     ("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#),
//!     ("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
//!     ("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#),
//!     ("message_stop", r#"{"type":"message_stop"}"#),
//! ] {
//!     if let Some(event) = StreamEvent::from_parts(name, data)? {
//!         acc.apply(&event)?;
//!     }
//! }
//! let message = acc.finish()?;
//! assert_eq!(message.text(), "Hi");
//! assert_eq!(message.usage.output_tokens, Some(2));
//! # Ok::<(), anthropic_sse::Error>(())
//! ```

use serde_json::Value;

use crate::error::Error;
use crate::event::{ContentBlockDelta, Delta, FastDelta, MessageDelta, StreamEvent};
use crate::message::{Citation, ContentBlock, Message};
use crate::object::JsonObject;
use crate::partial_json::{self, PartialJsonParser};

/// The default for [`MessageAccumulator::with_max_tool_input_bytes`]: 64 MiB.
pub const DEFAULT_MAX_TOOL_INPUT: usize = 64 * 1024 * 1024;

/// The raw `input_json_delta` pieces of one tool-use block, parsed once when the block stops.
#[derive(Debug, Clone, Default)]
struct ToolInput {
    raw: String,
    /// At least one non-empty piece arrived: only then does the parse replace the start's `input`.
    received: bool,
    /// The current `raw` has been parsed into the block.
    parsed: bool,
    /// Started when the input so far is first asked for; from then on fed every piece.
    incremental: Option<PartialJsonParser>,
}

/// Folds [`StreamEvent`]s into a [`Message`]: a snapshot at any point, the final message at the end.
///
/// Time is linear in the input: text is appended in place and tool input is parsed once per block, when
/// the block stops (or at the end for a block never stopped), never once per delta.
#[derive(Debug, Clone, Default)]
pub struct MessageAccumulator {
    message: Option<Message>,
    /// Per content block, its tool-input buffer (for `tool_use`, `server_tool_use`, `mcp_tool_use`).
    tool_inputs: Vec<Option<ToolInput>>,
    stopped: bool,
    events: usize,
    max_tool_input: Option<usize>,
}

impl MessageAccumulator {
    /// An empty accumulator, waiting for `message_start`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the most raw tool-input text one block may gather (default 64 MiB): a stream that sends more
    /// fails with [`Error::ToolInputTooLarge`] instead of taking unbounded memory.
    pub fn with_max_tool_input_bytes(mut self, bytes: usize) -> Self {
        self.max_tool_input = Some(bytes);
        self
    }

    /// The message so far (`None` before `message_start`). The `input` of a tool-use block that is still
    /// streaming is its `content_block_start` value until the block stops; see
    /// [`partial_tool_input`](Self::partial_tool_input) for the input so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    /// Whether `message_stop` has arrived (later events are ignored).
    pub fn is_complete(&self) -> bool {
        self.stopped
    }

    /// The raw `input_json_delta` text received so far for the block at `index`.
    pub fn raw_tool_input(&self, index: usize) -> Option<&str> {
        self.tool_inputs.get(index)?.as_ref().map(|t| t.raw.as_str())
    }

    /// The tool input of the block at `index` as parsed from the pieces received so far, with the partial
    /// rules (complete members kept, the cut-off tail dropped): what the Python SDK's `input_json` snapshot
    /// holds. `None` when the block is not a tool call or no non-empty piece has arrived yet.
    ///
    /// Incremental: the first call parses the text so far; from then on every piece is parsed as it
    /// arrives, once, so asking after every delta costs time linear in the whole input.
    pub fn partial_tool_input(&mut self, index: usize) -> Option<Result<&Value, partial_json::PartialJsonError>> {
        let tool = self.tool_inputs.get_mut(index)?.as_mut()?;
        if !tool.received {
            return None;
        }
        let parser = tool.incremental.get_or_insert_with(|| {
            let mut parser = PartialJsonParser::new();
            parser.push(&tool.raw);
            parser
        });
        Some(parser.value())
    }

    /// Applies one event. Errors are protocol violations (an event before `message_start`, a second
    /// `message_start`, an index with no block) and tool input that is not JSON; the accumulator keeps
    /// everything applied before the error (see [`into_partial`](Self::into_partial)).
    pub fn apply(&mut self, event: &StreamEvent) -> Result<(), Error> {
        if self.stopped {
            return Ok(());
        }
        self.events += 1;
        let Some(message) = self.message.as_mut() else {
            return match event {
                StreamEvent::MessageStart(start) => {
                    self.tool_inputs = start.message.content.iter().map(tool_input_slot).collect();
                    self.message = Some(Message::clone(&start.message));
                    Ok(())
                }
                StreamEvent::Ping | StreamEvent::Unknown { .. } => Ok(()),
                other => Err(Error::protocol(format!(
                    "{} arrived before message_start; a stream must begin with message_start",
                    other.type_name()
                ))),
            };
        };
        match event {
            StreamEvent::MessageStart(_) => {
                return Err(Error::protocol(
                    "a second message_start arrived; one stream carries one message".to_owned(),
                ))
            }
            StreamEvent::ContentBlockStart(start) => {
                if let ContentBlock::Fallback(fallback) = &start.content_block {
                    if let Some(model) = fallback.to.as_ref().and_then(|to| to.get("model")).and_then(Value::as_str) {
                        message.model = model.to_owned();
                    }
                }
                self.tool_inputs.push(tool_input_slot(&start.content_block));
                message.content.push(start.content_block.clone());
            }
            StreamEvent::ContentBlockDelta(delta) => {
                let block = block_at(&mut message.content, "content_block_delta", delta.index)?;
                let tool = self.tool_inputs.get_mut(delta.index).and_then(Option::as_mut);
                apply_delta(block, delta, tool);
                if let (Delta::InputJson(_), Some(Some(tool))) = (&delta.delta, self.tool_inputs.get(delta.index)) {
                    let limit = self.max_tool_input.unwrap_or(DEFAULT_MAX_TOOL_INPUT);
                    if tool.raw.len() > limit {
                        return Err(Error::ToolInputTooLarge { index: delta.index, limit, partial: None });
                    }
                }
            }
            StreamEvent::ContentBlockStop(stop) => {
                let block = block_at(&mut message.content, "content_block_stop", stop.index)?;
                if let Some(Some(tool)) = self.tool_inputs.get_mut(stop.index) {
                    parse_tool_input(block, tool, stop.index)?;
                }
            }
            StreamEvent::MessageDelta(delta) => merge_message_delta(message, delta),
            StreamEvent::MessageStop(_) => {
                self.stopped = true;
                self.parse_pending()?;
            }
            StreamEvent::Ping | StreamEvent::Unknown { .. } => {}
        }
        Ok(())
    }

    /// Appends a text, thinking or tool-input delta straight into its block's buffer: `write` appends the
    /// decoded piece and says whether the payload was of the fast shape. `Ok(false)` means nothing changed
    /// (the delta does not fit this fast route, or `write` refused it): apply it as a typed event instead,
    /// which covers every other case with the same rules.
    pub(crate) fn append_in_place(
        &mut self,
        index: usize,
        kind: FastDelta,
        write: impl FnOnce(&mut String) -> bool,
    ) -> Result<bool, Error> {
        if self.stopped {
            return Ok(false);
        }
        let Some(block) = self.message.as_mut().and_then(|m| m.content.get_mut(index)) else {
            return Ok(false);
        };
        let buffer = match (kind, block) {
            (FastDelta::Text, ContentBlock::Text(b)) => &mut b.text,
            (FastDelta::Thinking, ContentBlock::Thinking(b)) => &mut b.thinking,
            (
                FastDelta::InputJson,
                ContentBlock::ToolUse(_) | ContentBlock::ServerToolUse(_) | ContentBlock::McpToolUse(_),
            ) => match self.tool_inputs.get_mut(index) {
                // The incremental parser must see every piece: that case takes the typed route.
                Some(Some(tool)) if tool.incremental.is_none() => &mut tool.raw,
                _ => return Ok(false),
            },
            _ => return Ok(false),
        };
        let before = buffer.len();
        if !write(buffer) {
            buffer.truncate(before);
            return Ok(false);
        }
        let grew = buffer.len() > before;
        self.events += 1;
        if let (FastDelta::InputJson, Some(Some(tool))) = (kind, self.tool_inputs.get_mut(index)) {
            tool.received |= grew;
            tool.parsed = false;
            let limit = self.max_tool_input.unwrap_or(DEFAULT_MAX_TOOL_INPUT);
            if tool.raw.len() > limit {
                return Err(Error::ToolInputTooLarge { index, limit, partial: None });
            }
        }
        Ok(true)
    }

    /// Parses the tool input of blocks that never stopped.
    fn parse_pending(&mut self) -> Result<(), Error> {
        let Some(message) = self.message.as_mut() else { return Ok(()) };
        for (index, (block, tool)) in message.content.iter_mut().zip(self.tool_inputs.iter_mut()).enumerate() {
            if let Some(tool) = tool {
                parse_tool_input(block, tool, index)?;
            }
        }
        Ok(())
    }

    /// The final message. Fails with [`Error::Incomplete`] (carrying the message so far) if `message_stop`
    /// never arrived, including when no `message_start` did.
    pub fn finish(mut self) -> Result<Message, Error> {
        if let Err(error) = self.parse_pending() {
            let partial = self.message.take();
            return Err(error.with_partial_message(partial));
        }
        match (self.message, self.stopped) {
            (Some(message), true) => Ok(message),
            (Some(message), false) => Err(Error::Incomplete {
                detail: format!(
                    "the stream ended after {} events without message_stop; the message so far is attached",
                    self.events
                ),
                partial: Some(Box::new(message)),
            }),
            (None, _) => Err(Error::Incomplete {
                detail: if self.events == 0 {
                    "no events arrived (no message_start)".to_owned()
                } else {
                    "no message_start arrived".to_owned()
                },
                partial: None,
            }),
        }
    }

    /// The message so far with the tool input of unfinished blocks parsed as far as it goes; `None` before
    /// `message_start`. Use it to keep what a broken stream delivered.
    pub fn into_partial(mut self) -> Option<Message> {
        if let Some(message) = self.message.as_mut() {
            for (block, tool) in message.content.iter_mut().zip(self.tool_inputs.iter_mut()) {
                if let Some(tool) = tool {
                    if tool.received && !tool.parsed {
                        if let (Ok(value), Some(input)) = (partial_json::parse(&tool.raw), tool_input_mut(block)) {
                            *input = value;
                        }
                    }
                }
            }
        }
        self.message
    }
}

/// The block an `event` names by `index`, or the protocol error that says there is none.
fn block_at<'a>(content: &'a mut [ContentBlock], event: &str, index: usize) -> Result<&'a mut ContentBlock, Error> {
    let count = content.len();
    content.get_mut(index).ok_or_else(|| {
        Error::protocol(format!("{event} for index {index}, but the message has {count} content blocks (0..{count})"))
    })
}

fn tool_input_slot(block: &ContentBlock) -> Option<ToolInput> {
    matches!(block, ContentBlock::ToolUse(_) | ContentBlock::ServerToolUse(_) | ContentBlock::McpToolUse(_))
        .then(ToolInput::default)
}

fn tool_input_mut(block: &mut ContentBlock) -> Option<&mut Value> {
    match block {
        ContentBlock::ToolUse(b) | ContentBlock::ServerToolUse(b) => Some(&mut b.input),
        ContentBlock::McpToolUse(b) => Some(&mut b.input),
        _ => None,
    }
}

fn parse_tool_input(block: &mut ContentBlock, tool: &mut ToolInput, index: usize) -> Result<(), Error> {
    if !tool.received || tool.parsed {
        return Ok(());
    }
    tool.parsed = true;
    let value = partial_json::parse(&tool.raw).map_err(|source| Error::ToolInput {
        index,
        raw: tool.raw.clone(),
        source,
        partial: None,
    })?;
    if let Some(input) = tool_input_mut(block) {
        *input = value;
    }
    Ok(())
}

fn apply_delta(block: &mut ContentBlock, event: &ContentBlockDelta, tool: Option<&mut ToolInput>) {
    match (&event.delta, block) {
        (Delta::Text(d), ContentBlock::Text(b)) => b.text.push_str(&d.text),
        (Delta::Text(d), block @ ContentBlock::Other(_)) if block.type_name() == "text" => {
            // A text block that arrived without `text` (or with `null`) starts from "".
            if let ContentBlock::Other(map) = block {
                if map.get("text").is_none_or(Value::is_null) {
                    let mut map = std::mem::take(map);
                    map.insert("text".to_owned(), Value::String(d.text.clone()));
                    *block = ContentBlock::from_map(map);
                }
            }
        }
        (Delta::Citations(d), ContentBlock::Text(b)) => {
            b.citations.get_or_insert_with(Vec::new).push(Citation::clone(&d.citation));
            b.extra.remove("citations");
        }
        (Delta::Thinking(d), ContentBlock::Thinking(b)) => b.thinking.push_str(&d.thinking),
        (Delta::Signature(d), ContentBlock::Thinking(b)) => {
            b.signature = Some(d.signature.clone());
            b.extra.remove("signature");
        }
        (
            Delta::InputJson(d),
            ContentBlock::ToolUse(_) | ContentBlock::ServerToolUse(_) | ContentBlock::McpToolUse(_),
        ) => {
            if let Some(tool) = tool {
                tool.raw.push_str(&d.partial_json);
                tool.received |= !d.partial_json.is_empty();
                tool.parsed = false;
                if let Some(parser) = tool.incremental.as_mut() {
                    parser.push(&d.partial_json);
                }
            }
        }
        (Delta::Compaction(d), ContentBlock::Compaction(b)) => {
            b.content = d.content.clone();
            b.encrypted_content = d.encrypted_content.clone();
            b.extra.remove("content");
            b.extra.remove("encrypted_content");
        }
        // A delta that does not fit its block, or an unknown delta: no effect (as the SDK).
        _ => {}
    }
}

/// The `message_delta` merge rules of the Python SDK.
fn merge_message_delta(message: &mut Message, event: &MessageDelta) {
    let delta = &event.delta;
    message.stop_reason = delta.stop_reason.clone();
    message.stop_sequence = delta.stop_sequence.clone();
    message.stop_details = delta.stop_details.clone();
    for key in ["stop_reason", "stop_sequence", "stop_details"] {
        message.extra.remove(key);
    }
    if let Some(container) = &delta.container {
        message.container = Some(container.clone());
        message.extra.remove("container");
    }
    if let Some(cm) = &event.context_management {
        message.context_management = Some(cm.clone());
        message.extra.remove("context_management");
    }
    // Sent only after a mid-stream fallback, replacing the message_start value.
    copy_if_present(&event.extra, &mut message.extra, "input_transformations");
    // Usage counts are cumulative totals: replace, never add. No usage at all leaves usage as it is.
    let Some(new) = &event.usage else { return };
    let usage = &mut message.usage;
    usage.output_tokens = new.output_tokens;
    usage.extra.remove("output_tokens");
    macro_rules! overwrite_if_present {
        ($($field:ident),*) => {$(
            if new.$field.is_some() {
                usage.$field = new.$field.clone();
                usage.extra.remove(stringify!($field));
            }
        )*};
    }
    overwrite_if_present!(
        input_tokens,
        cache_creation_input_tokens,
        cache_read_input_tokens,
        server_tool_use,
        output_tokens_details,
        iterations
    );
    copy_if_present(&new.extra, &mut usage.extra, "fallback_credit");
}

fn copy_if_present(from: &JsonObject, to: &mut JsonObject, key: &str) {
    if let Some(value) = from.get(key).filter(|v| !v.is_null()) {
        to.insert(key.to_owned(), value.clone());
    }
}
