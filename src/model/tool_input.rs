//! Tool input's types, as the model sees them: they live with their reader in `partial_json`, below the model.

pub use crate::partial_json::tool_input::{ToolInput, ToolInputView};
