//! Folding events into the final [`Message`], exactly as the official Python SDK's `get_final_message()`.

use crate::error::Error;
use crate::limits::{LimitError, Limits};
use crate::model::event::{ContentBlockDelta, Delta, InvocationMetrics, MessageDelta, StreamEvent};
use crate::model::message::{Citation, ContentBlock, Message};
use crate::model::object::{JsonObject, RawJson};
use crate::model::tool_input::{ToolInput, ToolInputView};
use crate::partial_json::tool_input::ToolInputError;
use crate::partial_json::{PartialJsonError, PartialJsonParser, PartialMode};
use crate::typing::fast::FastDelta;

/// The `input_json_delta` pieces of one tool-use block while it streams, scanned as they arrive.
#[derive(Debug, Clone, Default)]
struct ToolState {
    parser: PartialJsonParser,
    /// At least one non-empty piece arrived: only then does the input replace the start's `input`.
    received: bool,
}

/// Folds [`StreamEvent`]s into a [`Message`]: a snapshot at any point, the final message at the end.
///
/// Time is linear in the input: text is appended in place, and tool input is scanned once, piece by piece
/// as it arrives, so that neither the final input nor a snapshot after every delta reads it twice.
///
/// Tool input that is not JSON does not cost the message: the stream is read to its end, every later event
/// applied, and the block keeps its `content_block_start` input, marked by [`ToolInput::error`] with the
/// raw text. [`finish`](Self::finish) then fails with an error of kind [`Json`](crate::error::ErrorKind::Json)
/// whose [`Error::tool_input_error`] names the first such block and carries the complete message. If the stream fails otherwise (an error event, a cut), that error is the
/// one returned, with the invalid block marked in its partial message.
///
/// ```
/// use anthropic_sse::{MessageAccumulator, StreamEvent};
///
/// let mut acc = MessageAccumulator::new();
/// for (name, data) in [
///     ("message_start", r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#),
///     ("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
///     ("content_block_delta", r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#),
///     ("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
///     ("message_delta", r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#),
///     ("message_stop", r#"{"type":"message_stop"}"#),
/// ] {
///     if let Some(event) = StreamEvent::from_json(data, Some(name))? {
///         acc.apply(&event)?;
///     }
/// }
/// let message = acc.finish()?;
/// assert_eq!(message.text(), "Hi");
/// assert_eq!(message.usage.output_tokens, Some(2));
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageAccumulator {
    message: Option<Message>,
    /// Per content block, the state of a tool-use block's streaming input (`None` for other blocks, and for a
    /// tool block once its input is final).
    tool_inputs: Vec<Option<Box<ToolState>>>,
    /// The error of the first block whose tool input was not JSON.
    invalid_tool_input: Option<Box<ToolInputError>>,
    stopped: bool,
    events: usize,
    /// Content deltas applied (text, thinking, tool input, citations, signatures, unknown): the gateway tap's
    /// time to the first content.
    content_deltas: usize,
    limits: Limits,
    mode: PartialMode,
    /// Amazon Bedrock's metrics from `message_stop`.
    invocation_metrics: Option<Box<InvocationMetrics>>,
}

impl MessageAccumulator {
    /// An empty accumulator, waiting for `message_start`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits; the fold uses [`Limits::max_tool_input_bytes`], the most raw tool-input text one
    /// block may gather (default 64 MiB): a stream that sends more fails with a limit error instead of taking
    /// unbounded memory. On an [`EventDecoder`](crate::EventDecoder), set them there, once, for every layer.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// How a string cut off at the end of a tool input is read. The Python SDK keeps it
    /// ([`PartialMode::TrailingStrings`]) for requests that send the `fine-grained-tool-streaming-2025-05-14`
    /// beta and drops it otherwise (the default here). The stream does not say which the request sent.
    pub fn with_partial_mode(mut self, mode: PartialMode) -> Self {
        self.mode = mode;
        self
    }

    /// The message so far (`None` before `message_start`). The `input` of a tool-use block that is still
    /// streaming is its `content_block_start` value until the block stops; see
    /// [`partial_tool_input`](Self::partial_tool_input) for the input so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    /// Amazon Bedrock's metrics from `message_stop` (`amazon-bedrock-invocationMetrics`), once it has arrived
    /// with them; they are not part of the message.
    pub fn invocation_metrics(&self) -> Option<&InvocationMetrics> {
        self.invocation_metrics.as_deref()
    }

    /// How many events were folded, and how many of them were content deltas (for the gateway tap's figures).
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.events, self.content_deltas)
    }

    /// Whether `message_stop` has arrived (later events are ignored).
    pub fn is_complete(&self) -> bool {
        self.stopped
    }

    /// The raw `input_json_delta` text received so far for the tool-use block at `index`, while it streams
    /// (once the block stops, its input is in the message).
    pub fn raw_tool_input(&self, index: usize) -> Option<&str> {
        self.tool_inputs.get(index)?.as_ref().map(|t| t.parser.text())
    }

    /// The tool input of the block at `index` so far: what the Python SDK's `input_json` snapshot holds at
    /// this point, exact (see [`ToolInput`]). Before any non-empty piece it is the `content_block_start`
    /// input; once the block stopped, its final input. `None` when the block is not a tool call; an error when
    /// the text so far is not JSON.
    ///
    /// A view of the text received, not a copy: asking after every delta costs time linear in the whole input.
    pub fn partial_tool_input(&mut self, index: usize) -> Option<Result<ToolInputView<'_>, PartialJsonError>> {
        let block = self.message.as_ref()?.content.get(index)?;
        if !block.is_tool_call() {
            return None;
        }
        match self.tool_inputs.get_mut(index).and_then(Option::as_deref_mut) {
            Some(tool) if tool.received => Some(tool.parser.snapshot()),
            // A tool call without a typed input (no `input`, or no `id`) has no snapshot before its pieces.
            _ => {
                let input = self.message.as_ref()?.content.get(index)?.tool_input()?;
                Some(match input.error() {
                    Some(invalid) => Err(invalid.parse_error().clone()),
                    None => Ok(ToolInputView::of(input)),
                })
            }
        }
    }

    /// Applies one event. Errors are protocol violations (an event before `message_start`, a second
    /// `message_start`, an index with no block) and tool input past its limit; the accumulator keeps
    /// everything applied before the error (see [`into_partial`](Self::into_partial)). Tool input that is not
    /// JSON is not an error here: the block is marked and [`finish`](Self::finish) reports it.
    pub fn apply(&mut self, event: &StreamEvent) -> Result<(), Error> {
        if self.stopped {
            return Ok(());
        }
        self.events += 1;
        let mode = self.mode;
        let Some(message) = self.message.as_mut() else {
            return match event {
                StreamEvent::MessageStart(start) => {
                    self.tool_inputs = start.message.content.iter().map(|b| tool_state(b, mode)).collect();
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
                ));
            }
            StreamEvent::ContentBlockStart(start) => {
                start_block(message, &mut self.tool_inputs, start.content_block.clone(), mode);
            }
            StreamEvent::ContentBlockDelta(delta) => {
                let block = block_at(&mut message.content, "content_block_delta", delta.index)?;
                let tool = self.tool_inputs.get_mut(delta.index).and_then(Option::as_deref_mut);
                apply_delta(block, delta, tool)?;
                self.content_deltas += 1;
                if let Delta::InputJson { .. } = &delta.delta {
                    self.check_tool_input_size(delta.index)?;
                }
            }
            StreamEvent::ContentBlockStop(stop) => {
                block_at(&mut message.content, "content_block_stop", stop.index)?;
                self.finish_tool_input(stop.index);
            }
            StreamEvent::MessageDelta(delta) => merge_message_delta(message, delta),
            StreamEvent::MessageStop(stop) => {
                self.stopped = true;
                self.invocation_metrics = stop.invocation_metrics().map(Box::new);
                self.finish_tool_inputs();
            }
            StreamEvent::Ping | StreamEvent::Unknown { .. } => {}
        }
        Ok(())
    }

    /// [`apply`](Self::apply) for an event the caller no longer needs: the message of `message_start` and the
    /// block of `content_block_start` are moved into the message, not copied.
    pub(crate) fn apply_owned(&mut self, event: StreamEvent) -> Result<(), Error> {
        if self.stopped {
            return Ok(());
        }
        match (event, self.message.as_mut()) {
            (StreamEvent::MessageStart(start), None) => {
                self.events += 1;
                self.tool_inputs = start.message.content.iter().map(|b| tool_state(b, self.mode)).collect();
                self.message = Some(*start.message);
                Ok(())
            }
            (StreamEvent::ContentBlockStart(start), Some(message)) => {
                self.events += 1;
                start_block(message, &mut self.tool_inputs, start.content_block, self.mode);
                Ok(())
            }
            (event, _) => self.apply(&event),
        }
    }

    fn check_tool_input_size(&self, index: usize) -> Result<(), Error> {
        let limit = self.limits.max_tool_input_bytes();
        match self.raw_tool_input(index) {
            Some(raw) if raw.len() > limit => Err(LimitError::ToolInputTooLarge { index, limit }.into()),
            _ => Ok(()),
        }
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
        let written = match (kind, block) {
            (FastDelta::Text, ContentBlock::Text(b)) => write_checked(&mut b.text, write),
            (FastDelta::Thinking, ContentBlock::Thinking(b)) => write_checked(&mut b.thinking, write),
            (
                FastDelta::InputJson,
                ContentBlock::ToolUse(_) | ContentBlock::ServerToolUse(_) | ContentBlock::McpToolUse(_),
            ) => match self.tool_inputs.get_mut(index).and_then(Option::as_deref_mut) {
                Some(tool) => {
                    let before = tool.parser.text().len();
                    let written = tool.parser.push_with(write);
                    tool.received |= tool.parser.text().len() > before;
                    written
                }
                None => return Ok(false),
            },
            _ => return Ok(false),
        };
        if !written {
            return Ok(false);
        }
        self.events += 1;
        self.content_deltas += 1;
        if kind == FastDelta::InputJson {
            self.check_tool_input_size(index)?;
        }
        Ok(true)
    }

    /// Sets the final input of the tool block at `index` from the pieces it received, or marks the block when
    /// they are not JSON. Nothing to do for other blocks and for a block already finished.
    fn finish_tool_input(&mut self, index: usize) {
        let Some(slot) = self.tool_inputs.get_mut(index) else { return };
        let Some(tool) = slot.take() else { return };
        let Some(block) = self.message.as_mut().and_then(|m| m.content.get_mut(index)) else { return };
        if !tool.received {
            return;
        }
        match tool.parser.finish_or_text() {
            Ok(parsed) => set_tool_input(block, parsed),
            Err((error, raw)) => {
                let error = ToolInputError::new(index, block.tool_name(), raw, error);
                if let Some(input) = block.tool_input_mut() {
                    input.mark_invalid(error.clone());
                }
                self.invalid_tool_input.get_or_insert_with(|| Box::new(error));
            }
        }
    }

    /// The message so far, as [`into_partial`](Self::into_partial) would give it, leaving the accumulator as
    /// it is: one copy of the message (and of the tool input still streaming), nothing more.
    pub(crate) fn partial_message(&mut self) -> Option<Message> {
        let mut message = self.message.clone()?;
        for (index, tool) in self.tool_inputs.iter_mut().enumerate() {
            let (Some(tool), Some(block)) = (tool, message.content.get_mut(index)) else { continue };
            if !tool.received {
                continue;
            }
            match tool.parser.snapshot() {
                Ok(view) => set_tool_input(block, view.to_tool_input()),
                Err(error) => {
                    let error = ToolInputError::new(index, block.tool_name(), tool.parser.text().to_owned(), error);
                    if let Some(input) = block.tool_input_mut() {
                        input.mark_invalid(error);
                    }
                }
            }
        }
        Some(message)
    }

    /// Finishes the tool input of blocks that never stopped.
    fn finish_tool_inputs(&mut self) {
        for index in 0..self.tool_inputs.len() {
            self.finish_tool_input(index);
        }
    }

    /// The final message. Fails with an [`Incomplete`](crate::error::ErrorKind::Incomplete) error (carrying the message so far) if `message_stop`
    /// never arrived, including when no `message_start` did; with a tool-input error ([`Error::tool_input_error`]; carrying the complete
    /// message) when a tool input was not JSON.
    pub fn finish(mut self) -> Result<Message, Error> {
        self.finish_tool_inputs();
        match (self.message, self.stopped) {
            (Some(message), true) => match self.invalid_tool_input {
                None => Ok(message),
                Some(error) => Err(Error::tool_input(*error).with_partial_message(Some(message))),
            },
            (Some(message), false) => Err(Error::incomplete(format!(
                "the stream ended after {} events without message_stop; the message so far is attached",
                self.events
            ))
            .with_partial_message(Some(message))),
            (None, _) => Err(Error::incomplete(if self.events == 0 {
                "no events arrived (no message_start)"
            } else {
                "no message_start arrived"
            })),
        }
    }

    /// The message so far with the tool input of unfinished blocks read as far as it goes (or marked, when it
    /// is not JSON); `None` before `message_start`. Use it to keep what a broken stream delivered.
    pub fn into_partial(mut self) -> Option<Message> {
        self.finish_tool_inputs();
        self.message
    }
}

/// Appends a block that `content_block_start` started (a `fallback` block changes the message's model).
fn start_block(message: &mut Message, tools: &mut Vec<Option<Box<ToolState>>>, block: ContentBlock, mode: PartialMode) {
    if let ContentBlock::Fallback(fallback) = &block {
        let to = fallback.to.as_ref().and_then(|to| to.deserialize::<JsonObject>().ok());
        if let Some(model) = to.as_ref().and_then(|to| to.get("model")).and_then(RawJson::as_string) {
            message.model = model;
        }
    }
    tools.push(tool_state(&block, mode));
    message.content.push(block);
}

/// Appends through `write`, putting the buffer back as it was when `write` refuses.
fn write_checked(buffer: &mut String, write: impl FnOnce(&mut String) -> bool) -> bool {
    let before = buffer.len();
    if write(buffer) {
        return true;
    }
    buffer.truncate(before);
    false
}

/// The block an `event` names by `index`, or the protocol error that says there is none.
fn block_at<'a>(content: &'a mut [ContentBlock], event: &str, index: usize) -> Result<&'a mut ContentBlock, Error> {
    let count = content.len();
    content.get_mut(index).ok_or_else(|| {
        Error::protocol(format!("{event} for index {index}, but the message has {count} content blocks (0..{count})"))
    })
}

fn tool_state(block: &ContentBlock, mode: PartialMode) -> Option<Box<ToolState>> {
    block.is_tool_call().then(|| Box::new(ToolState { parser: PartialJsonParser::with_mode(mode), received: false }))
}

/// Sets the input of a tool call: a typed one's field, or the `input` member of one the model could not type
/// (no `input`, `id` or `name` at its start), which may then type (as the SDK's block gets its `input`).
fn set_tool_input(block: &mut ContentBlock, parsed: ToolInput) {
    if let Some(input) = block.tool_input_mut() {
        *input = parsed;
        return;
    }
    if let ContentBlock::Other(map) = block {
        let mut map = std::mem::take(map);
        map.insert("input".to_owned(), RawJson::from_tool_input(parsed));
        *block = ContentBlock::from_map(map);
    }
}

/// Applies a delta to its block as the SDK does: by the block's `type`, typed or not. A delta the SDK ignores
/// (one that does not fit its block, of a type this version does not know) changes nothing; one it applies
/// but cannot (a `text_delta` without a string `text`, a block whose `text` is a number, ...) is a protocol
/// error naming the block and the field, where the SDK raises a `TypeError`.
fn apply_delta(block: &mut ContentBlock, event: &ContentBlockDelta, tool: Option<&mut ToolState>) -> Result<(), Error> {
    let index = event.index;
    match (&event.delta, &mut *block) {
        (Delta::Text { text, .. }, ContentBlock::Text(b)) => b.text.push_str(text),
        (Delta::Thinking { thinking, .. }, ContentBlock::Thinking(b)) => b.thinking.push_str(thinking),
        // A text or thinking block that arrived without its text (or with `null`) starts from "" (a policy: the
        // SDK raises); one whose text is of another type cannot take the delta.
        (Delta::Text { text: piece, .. } | Delta::Thinking { thinking: piece, .. }, ContentBlock::Other(map)) => {
            let field = if matches!(event.delta, Delta::Text { .. }) { "text" } else { "thinking" };
            if is_type(map, field) {
                if !map.get(field).is_none_or(RawJson::is_null) {
                    return Err(cannot_apply(index, field, format_args!("its `{field}` is not a string")));
                }
                let mut map = std::mem::take(map);
                map.insert(field.to_owned(), RawJson::from_string(piece));
                *block = ContentBlock::from_map(map);
            }
        }
        (Delta::Citations { citation, .. }, ContentBlock::Text(b)) => {
            b.citations.get_or_insert_with(Vec::new).push(Citation::clone(citation));
            b.extra.remove("citations");
        }
        // A text block that arrived without `text` (or with `null`) starts from "" (the policy above) and
        // takes its citations, as the SDK's does.
        (Delta::Citations { citation, .. }, ContentBlock::Other(map))
            if is_type(map, "text") && map.get("text").is_none_or(RawJson::is_null) =>
        {
            let mut map = std::mem::take(map);
            map.insert("text".to_owned(), RawJson::from_string(""));
            *block = ContentBlock::from_map(map);
            if let ContentBlock::Text(b) = block {
                b.citations.get_or_insert_with(Vec::new).push(Citation::clone(citation));
                b.extra.remove("citations");
            }
        }
        (Delta::Signature { signature, .. }, ContentBlock::Thinking(b)) => {
            b.signature = Some(signature.clone());
            b.extra.remove("signature");
        }
        (Delta::Signature { signature, .. }, ContentBlock::Other(map)) if is_type(map, "thinking") => {
            let mut map = std::mem::take(map);
            map.insert("signature".to_owned(), RawJson::from_string(signature));
            *block = ContentBlock::from_map(map);
        }
        (Delta::InputJson { partial_json, .. }, block) if block.is_tool_call() => {
            if let Some(tool) = tool {
                tool.parser.push(partial_json);
                tool.received |= !partial_json.is_empty();
            }
        }
        (Delta::Compaction { content, encrypted_content, .. }, ContentBlock::Compaction(b)) => {
            b.content = content.clone();
            b.encrypted_content = encrypted_content.clone();
            b.extra.remove("content");
            b.extra.remove("encrypted_content");
        }
        // A delta of a known type whose field is missing or of another type: what the SDK does with it.
        (Delta::Other(delta), block) => {
            let kind = block.type_tag();
            match (delta.get("type").and_then(RawJson::as_string).as_deref(), kind.as_deref()) {
                (Some("text_delta"), Some("text")) => {
                    return Err(cannot_apply(index, "text", "a text_delta without a string `text`"));
                }
                (Some("thinking_delta"), Some("thinking")) => {
                    return Err(cannot_apply(index, "thinking", "a thinking_delta without a string `thinking`"));
                }
                (Some("input_json_delta"), _) if block.is_tool_call() => {
                    let kind = kind.unwrap_or_default();
                    return Err(cannot_apply(index, &kind, "an input_json_delta without a string `partial_json`"));
                }
                // The SDK sets the signature to whatever arrived (`None` when absent).
                (Some("signature_delta"), Some("thinking")) => {
                    let arrived = delta.get("signature").cloned().unwrap_or_else(RawJson::null);
                    match block {
                        ContentBlock::Thinking(b) => {
                            b.signature = None;
                            b.extra.insert("signature".to_owned(), arrived);
                        }
                        ContentBlock::Other(map) => _ = map.insert("signature".to_owned(), arrived),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        // A delta that does not fit its block: no effect (as the SDK).
        _ => {}
    }
    Ok(())
}

/// Whether an untyped block's `type` is `kind`.
fn is_type(map: &JsonObject, kind: &str) -> bool {
    map.get("type").and_then(RawJson::as_string).as_deref() == Some(kind)
}

/// The protocol error for a delta that the block at `index` (of type `kind`) cannot take.
fn cannot_apply(index: usize, kind: &str, why: impl std::fmt::Display) -> Error {
    Error::protocol(format!(
        "content_block_delta for block {index} ({kind}) cannot be applied: {why} (the Python SDK raises a TypeError \
         here); the message so far is attached"
    ))
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
    // A count of another shape (negative, a fraction, past u64) stays in the delta's `extra`; the SDK copies
    // it all the same, so it replaces the count, as it arrived.
    let mistyped = |key: &str| new.extra.get(key).filter(|raw| !raw.is_null()).cloned();
    usage.output_tokens = new.output_tokens;
    match mistyped("output_tokens") {
        Some(raw) => _ = usage.extra.insert("output_tokens".to_owned(), raw),
        None => _ = usage.extra.remove("output_tokens"),
    }
    macro_rules! overwrite_if_present {
        ($($field:ident),*) => {$(
            if new.$field.is_some() {
                usage.$field = new.$field.clone();
                usage.extra.remove(stringify!($field));
            } else if let Some(raw) = mistyped(stringify!($field)) {
                usage.$field = None;
                usage.extra.insert(stringify!($field).to_owned(), raw);
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
