//! The official SDKs' helper events ([`SdkEvent`]), item for item what the Python SDK's stream iteration yields
//! (`build_events` in `lib/streaming/_beta_messages.py`), in linear time.

use crate::fold::accumulate::MessageAccumulator;
use crate::model::event::{Delta, StreamEvent};
use crate::model::message::{Citation, ContentBlock, Message};

/// One item of the SDK's stream iteration: the raw events (ping skipped, unknown types passed through), each
/// delta followed by its helper event, and `content_block_stop` and `message_stop` standing for the SDK's
/// versions that carry the block and the message.
///
/// Why an item carries an index and a length, not its snapshot: a `Stream` or `Iterator` item cannot borrow
/// from its stream, and copying the text so far into every item would make iteration quadratic. So an item
/// carries the block's index and, for a delta, only the length of what was appended (the raw
/// `content_block_delta` just before it carries the delta itself); the delta and the snapshot (the text so far,
/// the tool input so far, the citations, the finished block, the message) are read from the decoder that
/// handed the item out (on a driver, through `decoder()` and `decoder_mut()`), at that moment, as views:
/// [`EventDecoder::sdk_text`], [`EventDecoder::sdk_piece`], [`EventDecoder::partial_tool_input`],
/// [`EventDecoder::snapshot`]. [`EventDecoder::sdk_event_json`] writes an item with its snapshot as the SDK's
/// `to_dict()` does, for those who want that (it copies, by nature).
/// ```
/// use anthropic_sse::{EventDecoder, SdkEvent};
///
/// let mut decoder = EventDecoder::new();
/// decoder.feed(anthropic_sse::SAMPLE_STREAM);
/// while let Some(item) = decoder.next_sdk_event() {
///     match item? {
///         // The text appended and the text so far: views of the block, no copy.
///         item @ SdkEvent::Text { .. } => {
///             let (appended, so_far) = decoder.sdk_text(&item).expect("a text item");
///             assert!(so_far.ends_with(appended));
///         }
///         // The tool input parsed so far, read incrementally.
///         SdkEvent::InputJson { index, .. } => {
///             let input = decoder.partial_tool_input(index).expect("a tool block")?;
///             assert!(input.to_value().is_object());
///         }
///         // Or the item as the SDK's `to_dict()` writes it, snapshot included (a copy, by nature).
///         item => println!("{}", decoder.sdk_event_json(&item)),
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`EventDecoder::snapshot`]: crate::EventDecoder::snapshot
/// [`EventDecoder::sdk_text`]: crate::EventDecoder::sdk_text
/// [`EventDecoder::sdk_piece`]: crate::EventDecoder::sdk_piece
/// [`EventDecoder::partial_tool_input`]: crate::EventDecoder::partial_tool_input
/// [`EventDecoder::sdk_event_json`]: crate::EventDecoder::sdk_event_json
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SdkEvent {
    /// A raw event as it arrived: `message_start`, `message_delta`, `content_block_start`,
    /// `content_block_delta`, or a type this version does not know.
    Event(StreamEvent),
    /// Text was appended to the text block at `index`: its last `len` bytes (the delta that the event before
    /// this item carried); the block's text so far is the snapshot ([`EventDecoder::sdk_text`]).
    ///
    /// [`EventDecoder::sdk_text`]: crate::EventDecoder::sdk_text
    Text {
        /// The block's index.
        index: usize,
        /// The length of the text appended, in bytes.
        len: usize,
    },
    /// A piece of the tool input of the block at `index`: the last `len` bytes of the input received so far;
    /// the input parsed so far is the snapshot ([`EventDecoder::partial_tool_input`]).
    ///
    /// [`EventDecoder::partial_tool_input`]: crate::EventDecoder::partial_tool_input
    InputJson {
        /// The block's index.
        index: usize,
        /// The length of the piece, in bytes.
        len: usize,
    },
    /// A citation was added to the text block at `index` (its citations so far are the snapshot).
    Citation {
        /// The block's index.
        index: usize,
        /// The citation added.
        citation: Box<Citation>,
    },
    /// Thinking was appended to the thinking block at `index`: its last `len` bytes ([`EventDecoder::sdk_text`]
    /// gives them and the thinking so far).
    ///
    /// [`EventDecoder::sdk_text`]: crate::EventDecoder::sdk_text
    Thinking {
        /// The block's index.
        index: usize,
        /// The length of the thinking appended, in bytes.
        len: usize,
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
                (Delta::Text { text, .. }, Some(ContentBlock::Text(_))) => {
                    Some(SdkEvent::Text { index, len: text.len() })
                }
                (Delta::InputJson { partial_json, .. }, Some(b)) if b.is_tool_call() => {
                    Some(SdkEvent::InputJson { index, len: partial_json.len() })
                }
                (Delta::Citations { citation, .. }, Some(ContentBlock::Text(_))) => {
                    Some(SdkEvent::Citation { index, citation: citation.clone() })
                }
                (Delta::Thinking { thinking, .. }, Some(ContentBlock::Thinking(_))) => {
                    Some(SdkEvent::Thinking { index, len: thinking.len() })
                }
                (Delta::Signature { .. }, Some(b)) if b.type_tag().as_deref() == Some("thinking") => {
                    Some(SdkEvent::Signature { index })
                }
                // A signature_delta without a string `signature` sets the signature all the same (to what came).
                (Delta::Other(d), Some(ContentBlock::Thinking(_)))
                    if d.get("type").and_then(crate::model::object::RawJson::as_string).as_deref()
                        == Some("signature_delta") =>
                {
                    Some(SdkEvent::Signature { index })
                }
                (Delta::Compaction { .. }, Some(ContentBlock::Compaction(_))) => Some(SdkEvent::Compaction { index }),
                _ => None,
            };
            (Some(SdkEvent::Event(StreamEvent::ContentBlockDelta(delta))), helper)
        }
        other => (Some(SdkEvent::Event(other)), None),
    }
}

/// The last `len` bytes of `text` (all of it if shorter; never inside a character, since `len` is the length
/// of a whole piece appended last).
pub(crate) fn tail(text: &str, len: usize) -> &str {
    let start = text.len().saturating_sub(len);
    text.get(start..).unwrap_or(text)
}

/// For a [`SdkEvent::Text`] or [`SdkEvent::Thinking`] item: the text appended and the block's text so far.
pub(crate) fn text_of<'a>(accumulator: &'a MessageAccumulator, item: &SdkEvent) -> Option<(&'a str, &'a str)> {
    let (index, len) = match item {
        SdkEvent::Text { index, len } | SdkEvent::Thinking { index, len } => (*index, *len),
        _ => return None,
    };
    let so_far = match accumulator.snapshot()?.content.get(index)? {
        ContentBlock::Text(b) => b.text.as_str(),
        ContentBlock::Thinking(b) => b.thinking.as_str(),
        _ => return None,
    };
    Some((tail(so_far, len), so_far))
}

/// For a [`SdkEvent::InputJson`] item: the piece of JSON text, a view of the tool input received so far.
pub(crate) fn piece_of<'a>(accumulator: &'a MessageAccumulator, item: &SdkEvent) -> Option<&'a str> {
    let SdkEvent::InputJson { index, len } = item else { return None };
    Some(tail(accumulator.raw_tool_input(*index)?, *len))
}

/// The SDK's `to_dict()` of an item, with its snapshot from `accumulator`.
pub(crate) fn to_json(item: &SdkEvent, accumulator: &mut MessageAccumulator) -> String {
    use serde_json::json;
    let json = |value: &dyn erased::Json| value.text();
    // Borrowed, never cloned: an item per citation must not copy the block's text each time.
    fn block(accumulator: &MessageAccumulator, index: usize) -> Option<&ContentBlock> {
        accumulator.snapshot().and_then(|m| m.content.get(index))
    }
    let decoder = accumulator;
    match item {
        SdkEvent::Event(event) => json(event),
        SdkEvent::Text { .. } => {
            let (text, snapshot) = text_of(decoder, item).unwrap_or_default();
            json(&json!({"type": "text", "text": text, "snapshot": snapshot}))
        }
        SdkEvent::InputJson { index, .. } => {
            let piece = piece_of(decoder, item).unwrap_or_default().to_owned();
            let snapshot = match decoder.partial_tool_input(*index) {
                Some(Ok(view)) => view.to_string(),
                _ => block(decoder, *index)
                    .and_then(|b| b.tool_input().map(|i| i.as_str().to_owned()))
                    .unwrap_or_else(|| "{}".to_owned()),
            };
            let snapshot = crate::text::compact_json(&snapshot);
            format!(
                r#"{{"type":"input_json","partial_json":{},"snapshot":{snapshot}}}"#,
                serde_json::to_string(&piece).unwrap_or_default()
            )
        }
        SdkEvent::Citation { index, citation } => {
            let snapshot = match block(decoder, *index) {
                Some(ContentBlock::Text(b)) => b.citations.as_deref().unwrap_or_default(),
                _ => &[],
            };
            json(&json!({"type": "citation", "citation": citation, "snapshot": snapshot}))
        }
        SdkEvent::Thinking { .. } => {
            let (thinking, snapshot) = text_of(decoder, item).unwrap_or_default();
            json(&json!({"type": "thinking", "thinking": thinking, "snapshot": snapshot}))
        }
        SdkEvent::Signature { index } => {
            let signature = match block(decoder, *index) {
                Some(ContentBlock::Thinking(b)) => b.signature.clone(),
                Some(ContentBlock::Other(map)) => {
                    map.get("signature").and_then(crate::model::object::RawJson::as_string)
                }
                _ => None,
            };
            json(&json!({"type": "signature", "signature": signature}))
        }
        SdkEvent::Compaction { index } => {
            let (content, encrypted_content) = match block(decoder, *index) {
                Some(ContentBlock::Compaction(b)) => (b.content.as_deref(), b.encrypted_content.as_deref()),
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
