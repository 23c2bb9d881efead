//! What a reading of tool input is: its [`PartialMode`], its depth limit and its [`PartialJsonError`].

use std::fmt;

/// The deepest nesting of arrays and objects accepted in tool input. A message holding such input stays
/// readable by `serde_json`'s default recursion limit of 128 (which counts the message's own levels too).
pub const MAX_DEPTH: usize = 100;

/// How a string that is still open at the end of the text is treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartialMode {
    /// Dropped with its member, as the Python SDK does by default (`jiter`'s `partial_mode=True`).
    #[default]
    DropUnfinishedStrings,
    /// Kept as far as it goes, as the Python SDK does for requests that send the
    /// `fine-grained-tool-streaming-2025-05-14` beta (`partial_mode="trailing-strings"`).
    TrailingStrings,
}

/// Why the input is not (partial) JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialJsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for PartialJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for PartialJsonError {}
