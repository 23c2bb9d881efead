//! What a reading of tool input is: its [`PartialMode`], its depth limit and its [`PartialJsonError`].

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

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
/// ([`set_member`]), and an event's `type` and a Bedrock chunk's `bytes` are read by their last value
/// ([`last_member`]); the scanner and the check of complete
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

/// The raw value of the last member named `key` of the JSON object `text`, by [`repeated_key`] (for one value
/// the place does not matter): what the SDK's `dict` holds for `key`. `None` when `text` is not one JSON object;
/// `Some(None)` when it has no such member. Every other value is checked and skipped, no tree built, no key
/// copied (an escaped key is decoded to be compared).
pub(crate) fn last_member<'a>(text: &'a str, key: &str) -> Option<Option<&'a RawValue>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let last = LastMember(key).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(last)
}

/// [`last_member`]'s reading of the object, for the key it holds.
struct LastMember<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for LastMember<'_> {
    type Value = Option<&'de RawValue>;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LastMember<'_> {
    type Value = Option<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut last = None;
        while let Some(is_key) = map.next_key_seed(IsKey(self.0))? {
            if is_key {
                last = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(last)
    }
}

/// Whether an object key is the one wanted.
struct IsKey<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for IsKey<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for IsKey<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}
