//! A tool call's input as exact JSON text: [`ToolInput`] for a finished block, [`ToolInputView`] for the
//! input so far while the block streams.
//!
//! The Python SDK reads tool input with `jiter`: integers of any size stay exact, floats are correctly
//! rounded, `1.0` stays a float, keys keep the model's order. A `serde_json::Value` (without crate features
//! that would change `serde_json` for a whole build) cannot hold that: its maps are sorted, its integers stop
//! at 64 bits, and its float parsing can be one unit in the last place off. So the input is kept as the text
//! the model wrote, completed and normalized as the SDK reads it (see [`crate::partial_json`]),
//! and read into the caller's own types by a deserializer of this crate that parses numbers exactly.
//!
//! ```
//! use anthropic_sse::partial_json::parse;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Order { id: u128, price: f64, items: Vec<String> }
//!
//! let input = parse(r#"{"id": 123456789012345678901234567890, "price": 0.09158478740507359, "items": ["a", "b"#).unwrap();
//! let order: Order = input.deserialize().unwrap();
//! assert_eq!(order.id, 123456789012345678901234567890);
//! assert_eq!(order.price, 0.09158478740507359);
//! assert_eq!(order.items, ["a"]);
//! // Serialized, it is the text as written, completed: the key order and every digit kept.
//! assert_eq!(serde_json::to_string(&input).unwrap(), r#"{"id": 123456789012345678901234567890, "price": 0.09158478740507359, "items": ["a"]}"#);
//! ```

pub use crate::partial_json::tool_input::{InvalidToolInput, ToolInput, ToolInputView};
