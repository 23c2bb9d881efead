//! The official SDKs' helper events ([`SdkEvent`]), item for item what the Python SDK's stream iteration yields
//! (`build_events` in `lib/streaming/_beta_messages.py`), in linear time.
//!
//! The choice for snapshots: an item carries only what is new (the delta) and the block's index; the snapshot
//! (the text so far, the tool input so far, the citations, the finished block, the message) is read from the
//! stream or decoder that handed the item out, at that moment, as a view ([`EventDecoder::snapshot`],
//! [`EventDecoder::partial_tool_input`]), never copied per event. [`EventDecoder::sdk_event_json`] writes an item
//! with its snapshot as the SDK's `to_dict()` does, for those who want that (it copies, by nature).
//!
//! [`EventDecoder::snapshot`]: crate::EventDecoder::snapshot
//! [`EventDecoder::partial_tool_input`]: crate::EventDecoder::partial_tool_input
//! [`EventDecoder::sdk_event_json`]: crate::EventDecoder::sdk_event_json

use crate::model::event::{Delta, StreamEvent};
use crate::model::message::{Citation, ContentBlock, Message};

/// One item of the SDK's stream iteration: the raw events (ping skipped, unknown types passed through), each
/// delta followed by its helper event, and `content_block_stop` and `message_stop` standing for the SDK's
/// versions that carry the block and the message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SdkEvent {
    /// A raw event as it arrived: `message_start`, `message_delta`, `content_block_start`,
    /// `content_block_delta`, or a type this version does not know.
    Event(StreamEvent),
    /// Text was appended to the text block at `index` (its text so far is the snapshot).
    Text {
        /// The block's index.
        index: usize,
        /// The text appended.
        text: String,
    },
    /// A piece of the tool input of the block at `index` (the input parsed so far is the snapshot).
    InputJson {
        /// The block's index.
        index: usize,
        /// The piece of JSON text.
        partial_json: String,
    },
    /// A citation was added to the text block at `index` (its citations so far are the snapshot).
    Citation {
        /// The block's index.
        index: usize,
        /// The citation added.
        citation: Box<Citation>,
    },
    /// Thinking was appended to the thinking block at `index`.
    Thinking {
        /// The block's index.
        index: usize,
        /// The thinking appended.
        thinking: String,
    },
    /// The thinking block at `index` got its signature (the block's signature).
    Signature {
        /// The block's index.
        index: usize,
    },
    /// The compaction block at `index` changed (its content and encrypted content).
    Compaction {
        /// The block's index.
        index: usize,
    },
    /// The block at `index` is complete (the block is the snapshot's `content[index]`).
    ContentBlockStop {
        /// The block's index.
        index: usize,
    },
    /// The message is complete (the snapshot).
    MessageStop,
}

/// What one raw event gives: the item to hand out now, and a helper event to hand out after it.
pub(crate) fn items(event: StreamEvent, message: Option<&Message>) -> (Option<SdkEvent>, Option<SdkEvent>) {
    match event {
        StreamEvent::Ping => (None, None),
        StreamEvent::MessageStop(_) => (Some(SdkEvent::MessageStop), None),
        StreamEvent::ContentBlockStop(stop) => (Some(SdkEvent::ContentBlockStop { index: stop.index }), None),
        StreamEvent::ContentBlockDelta(delta) => {
            let index = delta.index;
            let block = message.and_then(|m| m.content.get(index));
            let helper = match (&delta.delta, block) {
                (Delta::Text(t), Some(ContentBlock::Text(_))) => Some(SdkEvent::Text { index, text: t.text.clone() }),
                (Delta::InputJson(j), Some(b)) if b.tool_input().is_some() => {
                    Some(SdkEvent::InputJson { index, partial_json: j.partial_json.clone() })
                }
                (Delta::Citations(c), Some(ContentBlock::Text(_))) => {
                    Some(SdkEvent::Citation { index, citation: c.citation.clone() })
                }
                (Delta::Thinking(t), Some(ContentBlock::Thinking(_))) => {
                    Some(SdkEvent::Thinking { index, thinking: t.thinking.clone() })
                }
                (Delta::Signature(_), Some(ContentBlock::Thinking(_))) => Some(SdkEvent::Signature { index }),
                (Delta::Compaction(_), Some(ContentBlock::Compaction(_))) => Some(SdkEvent::Compaction { index }),
                _ => None,
            };
            (Some(SdkEvent::Event(StreamEvent::ContentBlockDelta(delta))), helper)
        }
        other => (Some(SdkEvent::Event(other)), None),
    }
}

/// The SDK's `to_dict()` of an item, with its snapshot from `decoder`.
pub(crate) fn to_json<F: crate::framing::Framing>(item: &SdkEvent, decoder: &mut crate::EventDecoder<F>) -> String {
    use serde_json::json;
    let json = |value: &dyn erased::Json| value.text();
    let block =
        |decoder: &crate::EventDecoder<F>, index: usize| decoder.snapshot().and_then(|m| m.content.get(index)).cloned();
    match item {
        SdkEvent::Event(event) => json(event),
        SdkEvent::Text { index, text } => {
            let snapshot = match block(decoder, *index) {
                Some(ContentBlock::Text(b)) => b.text,
                _ => String::new(),
            };
            json(&json!({"type": "text", "text": text, "snapshot": snapshot}))
        }
        SdkEvent::InputJson { index, partial_json } => {
            let snapshot = match decoder.partial_tool_input(*index) {
                Some(Ok(view)) => view.to_string(),
                _ => block(decoder, *index)
                    .and_then(|b| b.tool_input().map(|input| input.as_str().to_owned()))
                    .unwrap_or_else(|| "{}".to_owned()),
            };
            format!(
                r#"{{"type":"input_json","partial_json":{},"snapshot":{snapshot}}}"#,
                serde_json::to_string(partial_json).unwrap_or_default()
            )
        }
        SdkEvent::Citation { index, citation } => {
            let snapshot = match block(decoder, *index) {
                Some(ContentBlock::Text(b)) => b.citations.unwrap_or_default(),
                _ => Vec::new(),
            };
            json(&json!({"type": "citation", "citation": citation, "snapshot": snapshot}))
        }
        SdkEvent::Thinking { index, thinking } => {
            let snapshot = match block(decoder, *index) {
                Some(ContentBlock::Thinking(b)) => b.thinking,
                _ => String::new(),
            };
            json(&json!({"type": "thinking", "thinking": thinking, "snapshot": snapshot}))
        }
        SdkEvent::Signature { index } => {
            let signature = match block(decoder, *index) {
                Some(ContentBlock::Thinking(b)) => b.signature,
                _ => None,
            };
            json(&json!({"type": "signature", "signature": signature}))
        }
        SdkEvent::Compaction { index } => {
            let (content, encrypted_content) = match block(decoder, *index) {
                Some(ContentBlock::Compaction(b)) => (b.content, b.encrypted_content),
                _ => (None, None),
            };
            json(&json!({"type": "compaction", "content": content, "encrypted_content": encrypted_content}))
        }
        // Written around the block's and the message's own serialization, which keeps tool input exact (a
        // `serde_json::Value` would round it).
        SdkEvent::ContentBlockStop { index } => format!(
            r#"{{"type":"content_block_stop","index":{index},"content_block":{}}}"#,
            json(&block(decoder, *index))
        ),
        SdkEvent::MessageStop => format!(r#"{{"type":"message_stop","message":{}}}"#, json(&decoder.snapshot())),
    }
}

/// Anything serializable, written as JSON text.
mod erased {
    pub(crate) trait Json {
        fn text(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}
