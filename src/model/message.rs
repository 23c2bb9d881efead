//! The message model: [`Message`], its [`ContentBlock`]s, [`Citation`]s, [`Usage`] and [`StopReason`].
//!
//! Every type keeps what it does not know: unknown keys in `extra`, unknown block and citation types in an
//! `Other` variant holding the object as it arrived. Serializing gives back the JSON that arrived, with the
//! changes the fold made.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::fields::from_json_text_by_serde;
use crate::model::macros::{model_struct, tagged_enum};
use crate::model::object::{JsonObject, RawJson};
use crate::model::tool_input::ToolInput;

model_struct! {
    /// A message as the Messages API returns it (`type: "message"` stays in `extra`): what
    /// [`Events::final_message`](crate::Events::final_message) returns, equal field for field to the Python
    /// SDK's `get_final_message()`. Every key that arrived is kept, in its order: unknown keys in `extra`,
    /// unknown block types in [`ContentBlock::Other`], tool input as exact text ([`ToolInput`]).
    ///
    /// ```
    /// use anthropic_sse::{BlockingEvents, ContentBlock, StopReason};
    ///
    /// let message = BlockingEvents::new(anthropic_sse::SAMPLE_STREAM).final_message()?;
    /// assert_eq!(message.text(), "Let me check the weather in Lisbon for you.");
    /// assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
    /// for block in &message.content {
    ///     if let ContentBlock::ToolUse(call) = block {
    ///         let args: serde_json::Value = call.input.deserialize().expect("JSON");
    ///         assert_eq!((call.name.as_str(), &args["city"]), ("get_weather", &serde_json::json!("Lisbon")));
    ///     }
    /// }
    /// // Written back as the API wrote it: the same JSON the SDK's `to_dict()` gives.
    /// assert!(serde_json::to_string(&message).unwrap().starts_with(r#"{"id":"#));
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub struct Message {
        req
        /// Unique id, e.g. `msg_01...`.
        id: String,
        req
        /// Always `assistant` for responses.
        role: String,
        req
        /// The model that answered (a `fallback` block changes it to the model that took over).
        model: String,
        req
        /// The content blocks, in order.
        content: Vec<ContentBlock>,
        req
        /// Token counts.
        usage: Usage,
        opt
        /// Why generation stopped; `None` until `message_delta` says.
        stop_reason: StopReason,
        opt
        /// The stop sequence that matched, when `stop_reason` is `stop_sequence`.
        stop_sequence: String,
        opt
        /// Details of the stop (e.g. for `refusal`), kept as JSON.
        stop_details: RawJson,
        opt
        /// The code-execution container the request used, kept as JSON.
        container: RawJson,
        opt
        /// Context management applied to the request (edits, compaction), kept as JSON.
        context_management: RawJson,
    }
}

impl Message {
    /// The text of all `text` blocks, joined with `""` (as the Python SDK's `get_final_text()` does).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for block in &self.content {
            if let ContentBlock::Text(text) = block {
                out.push_str(&text.text);
            }
        }
        out
    }

    /// The message as a `serde_json::Value`, with that type's losses (keys sorted, numbers as `serde_json`
    /// reads them). An error when a member holds what a `Value` cannot: a number beyond `f64` (kept as
    /// written, as the SDK keeps it as infinity), or nesting past `serde_json`'s limit of 128. Serializing
    /// the message (`serde_json::to_string`) has neither loss nor limit.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

impl TryFrom<Value> for Message {
    type Error = serde_json::Error;
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        serde_json::from_value(value)
    }
}

model_struct! {
    /// Token counts. Every field is optional because streams send partial usage objects.
    pub struct Usage {
        opt
        /// Input tokens (not counting cache reads and writes).
        input_tokens: u64,
        opt
        /// Output tokens so far (cumulative, not a delta).
        output_tokens: u64,
        opt
        /// Input tokens written to the prompt cache.
        cache_creation_input_tokens: u64,
        opt
        /// Input tokens read from the prompt cache.
        cache_read_input_tokens: u64,
        opt
        /// Cache writes by time to live, kept as JSON.
        cache_creation: RawJson,
        opt
        /// Server tool use counts (e.g. `web_search_requests`), kept as JSON.
        server_tool_use: RawJson,
        opt
        /// The service tier that served the request.
        service_tier: String,
        opt
        /// Breakdown of output tokens, kept as JSON.
        output_tokens_details: RawJson,
        opt
        /// Per-iteration usage (compaction), kept as JSON.
        iterations: RawJson,
    }
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            input_tokens: None,
            output_tokens: None,
            cache_creation_input_tokens: None,
            cache_read_input_tokens: None,
            cache_creation: None,
            server_tool_use: None,
            service_tier: None,
            output_tokens_details: None,
            iterations: None,
            extra: JsonObject::new(),
        }
    }
}

tagged_enum! {
    /// One block of a message's `content`.
    pub enum ContentBlock {
        /// Text, possibly with citations.
        Text(TextBlock) = "text",
        /// Extended thinking.
        Thinking(ThinkingBlock) = "thinking",
        /// Thinking the API returns encrypted.
        RedactedThinking(RedactedThinkingBlock) = "redacted_thinking",
        /// A call of a client tool.
        ToolUse(ToolUseBlock) = "tool_use",
        /// A call of a server tool (web search, code execution, ...).
        ServerToolUse(ToolUseBlock) = "server_tool_use",
        /// A call of a tool on an MCP server.
        McpToolUse(McpToolUseBlock) = "mcp_tool_use",
        /// A summary replacing earlier context.
        Compaction(CompactionBlock) = "compaction",
        /// The request fell back to another model.
        Fallback(FallbackBlock) = "fallback",
    }
}

impl ContentBlock {
    /// The text of a `text` block (the helper events' text snapshot).
    pub fn text(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(b) => Some(&b.text),
            _ => None,
        }
    }

    /// The tool input of a `tool_use`, `server_tool_use` or `mcp_tool_use` block.
    pub fn tool_input(&self) -> Option<&ToolInput> {
        match self {
            ContentBlock::ToolUse(b) | ContentBlock::ServerToolUse(b) => Some(&b.input),
            ContentBlock::McpToolUse(b) => Some(&b.input),
            _ => None,
        }
    }

    /// The tool's name, for a tool call (`""` for other blocks, and for a call without a string `name`).
    pub(crate) fn tool_name(&self) -> String {
        match self {
            ContentBlock::ToolUse(b) | ContentBlock::ServerToolUse(b) => b.name.clone(),
            ContentBlock::McpToolUse(b) => b.name.clone(),
            ContentBlock::Other(map) => map.get("name").and_then(RawJson::as_string).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Whether the block is a tool call by its `type` (`tool_use`, `server_tool_use`, `mcp_tool_use`), typed or
    /// not: the SDK folds `input_json_delta` into such a block whatever else it lacks.
    pub(crate) fn is_tool_call(&self) -> bool {
        match self {
            ContentBlock::ToolUse(_) | ContentBlock::ServerToolUse(_) | ContentBlock::McpToolUse(_) => true,
            ContentBlock::Other(_) => {
                matches!(self.type_tag().as_deref(), Some("tool_use" | "server_tool_use" | "mcp_tool_use"))
            }
            _ => false,
        }
    }

    pub(crate) fn tool_input_mut(&mut self) -> Option<&mut ToolInput> {
        match self {
            ContentBlock::ToolUse(b) | ContentBlock::ServerToolUse(b) => Some(&mut b.input),
            ContentBlock::McpToolUse(b) => Some(&mut b.input),
            _ => None,
        }
    }
}

model_struct! {
    /// A `text` block.
    pub struct TextBlock {
        req
        /// The text.
        text: String,
        opt
        /// Citations supporting the text.
        citations: Vec<Citation>,
    }
}

impl TextBlock {
    /// A text block holding `text`.
    pub fn new(text: impl Into<String>) -> Self {
        TextBlock { text: text.into(), citations: None, extra: JsonObject::new() }
    }
}

model_struct! {
    /// A `thinking` block.
    pub struct ThinkingBlock {
        req
        /// The thinking text.
        thinking: String,
        opt
        /// The signature that lets the block be sent back.
        signature: String,
    }
}

model_struct! {
    /// A `redacted_thinking` block.
    pub struct RedactedThinkingBlock {
        req
        /// The encrypted thinking.
        data: String,
    }
}

model_struct! {
    /// A `tool_use` or `server_tool_use` block.
    pub struct ToolUseBlock {
        req
        /// The call's id, to answer with a `tool_result`.
        id: String,
        req
        /// The tool's name.
        name: String,
        req
        /// The tool input, as exact JSON text. While streaming it is the `content_block_start` value; the fold
        /// replaces it with the `input_json_delta` pieces read as the SDK reads them.
        input: ToolInput,
        opt
        /// Who called the tool (programmatic tool calling), kept as JSON.
        caller: RawJson,
    }
}

model_struct! {
    /// An `mcp_tool_use` block.
    pub struct McpToolUseBlock {
        req
        /// The call's id.
        id: String,
        req
        /// The tool's name.
        name: String,
        req
        /// The tool input (see [`ToolUseBlock::input`]).
        input: ToolInput,
        opt
        /// The MCP server's name.
        server_name: String,
    }
}

model_struct! {
    /// A `compaction` block: a summary that replaces earlier context.
    pub struct CompactionBlock {
        opt
        /// The summary (`None` when `null`).
        content: String,
        opt
        /// The encrypted form of the summary.
        encrypted_content: String,
    }
}

model_struct! {
    /// A `fallback` block: the request moved from one model to another.
    pub struct FallbackBlock {
        opt
        /// The model fallen back from, kept as JSON.
        from: RawJson,
        opt
        /// The model fallen back to, kept as JSON (its `model` becomes the message's `model`).
        to: RawJson,
        opt
        /// What triggered the fallback, kept as JSON.
        trigger: RawJson,
    }
}

tagged_enum! {
    /// A citation in a text block.
    pub enum Citation {
        /// A character range of a plain-text document.
        CharLocation(DocumentCitation) = "char_location",
        /// A page range of a PDF document.
        PageLocation(DocumentCitation) = "page_location",
        /// A block range of a custom-content document.
        ContentBlockLocation(DocumentCitation) = "content_block_location",
        /// A web search result.
        WebSearchResultLocation(WebSearchCitation) = "web_search_result_location",
        /// A search result given as a content block.
        SearchResultLocation(SearchResultCitation) = "search_result_location",
    }
}

model_struct! {
    /// A citation of a document (`char_location`, `page_location`, `content_block_location`).
    pub struct DocumentCitation {
        req
        /// The cited text.
        cited_text: String,
        opt
        /// Index of the document in the request.
        document_index: u64,
        opt
        /// The document's title.
        document_title: String,
        opt
        /// First character (for `char_location`).
        start_char_index: u64,
        opt
        /// End character, exclusive (for `char_location`).
        end_char_index: u64,
        opt
        /// First page (for `page_location`).
        start_page_number: u64,
        opt
        /// End page, exclusive (for `page_location`).
        end_page_number: u64,
        opt
        /// First block (for `content_block_location`).
        start_block_index: u64,
        opt
        /// End block, exclusive (for `content_block_location`).
        end_block_index: u64,
        opt
        /// The file id, when the document came from the Files API.
        file_id: String,
    }
}

model_struct! {
    /// A citation of a web search result.
    pub struct WebSearchCitation {
        req
        /// The cited text.
        cited_text: String,
        opt
        /// The page's URL.
        url: String,
        opt
        /// The page's title.
        title: String,
        opt
        /// Opaque reference to the result.
        encrypted_index: String,
    }
}

model_struct! {
    /// A citation of a search result content block.
    pub struct SearchResultCitation {
        req
        /// The cited text.
        cited_text: String,
        opt
        /// Index of the search result.
        search_result_index: u64,
        opt
        /// The result's source.
        source: String,
        opt
        /// The result's title.
        title: String,
        opt
        /// First block cited.
        start_block_index: u64,
        opt
        /// End block, exclusive.
        end_block_index: u64,
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The model finished its turn.
    EndTurn,
    /// `max_tokens` was reached.
    MaxTokens,
    /// A stop sequence matched.
    StopSequence,
    /// The model called a tool.
    ToolUse,
    /// A long-running turn was paused; send the response back to continue.
    PauseTurn,
    /// The model refused (see `stop_details`).
    Refusal,
    /// The model's context window was exceeded.
    ModelContextWindowExceeded,
    /// A reason this version does not know, as sent.
    Other(String),
}

impl StopReason {
    /// The reason as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::ToolUse => "tool_use",
            StopReason::PauseTurn => "pause_turn",
            StopReason::Refusal => "refusal",
            StopReason::ModelContextWindowExceeded => "model_context_window_exceeded",
            StopReason::Other(s) => s,
        }
    }
}

impl From<&str> for StopReason {
    fn from(s: &str) -> Self {
        match s {
            "end_turn" => StopReason::EndTurn,
            "max_tokens" => StopReason::MaxTokens,
            "stop_sequence" => StopReason::StopSequence,
            "tool_use" => StopReason::ToolUse,
            "pause_turn" => StopReason::PauseTurn,
            "refusal" => StopReason::Refusal,
            "model_context_window_exceeded" => StopReason::ModelContextWindowExceeded,
            other => StopReason::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StopReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(StopReason::from(&*s))
    }
}

from_json_text_by_serde!(StopReason, ToolInput, Vec<Citation>, Vec<ContentBlock>);
