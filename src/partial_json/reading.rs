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

/// The SDK's reading of an object whose key repeats, the one rule every reader here follows: Python's `dict`,
/// which `json.loads` and `jiter` fill member by member, keeps the key in the place of its first occurrence
/// and gives it the value of its last. So for the member at `at` of a key whose first member is at `first` and
/// whose last value is `last`: write `last` there when it is the first member, and nothing for a later one.
///
/// The rewrite of tool input (`normalize`) writes by it, a model object's members are set by it
/// ([`set_member`]), and an event's `type` is read by its last value; the scanner and the check of complete
/// JSON only detect a repeat, to leave such text to the rewrite.
#[inline]
pub(crate) fn repeated_key<T>(at: usize, first: usize, last: T) -> Option<T> {
    (at == first).then_some(last)
}

/// [`repeated_key`] for members set one after the other into a list: the value of a key already listed (at
/// `first`) replaces the earlier one in its place, and is given back; a new key goes last.
#[inline]
pub(crate) fn set_member<K, V>(list: &mut Vec<(K, V)>, first: Option<usize>, key: K, value: V) -> Option<V> {
    match first {
        Some(first) => Some(std::mem::replace(&mut list[first].1, value)),
        None => {
            list.push((key, value));
            None
        }
    }
}
