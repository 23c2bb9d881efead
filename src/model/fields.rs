//! How the model's typed objects are read from JSON text and written back: the members an object is read
//! from ([`Members`], owned or [`Borrowed`] from the event's text), each field's type read from its value's
//! text ([`FromJsonText`], integers as the SDK types them), and the untyped rest written after the typed
//! fields.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde_json::value::RawValue;

use super::object::{Entries, JsonObject, RawJson};
use crate::text::JSON_WS;

/// What a model object is read from: an owned [`JsonObject`], or the members of an event's text, borrowed
/// from it ([`Borrowed`]), so that a member is copied only when the model keeps it as text.
pub(crate) trait Members: Sized {
    /// The JSON text of `key`'s value.
    fn raw(&self, key: &str) -> Option<&str>;
    /// Takes `key` out.
    fn take(&mut self, key: &str);
    /// What is left, as an object's `extra`.
    fn into_object(self) -> JsonObject;
}

impl Members for JsonObject {
    fn raw(&self, key: &str) -> Option<&str> {
        self.get(key).map(RawJson::get)
    }
    fn take(&mut self, key: &str) {
        self.remove(key);
    }
    fn into_object(self) -> JsonObject {
        // A map emptied by taking its keys out still holds its storage, which a million small blocks would
        // keep for nothing.
        if self.is_empty() { JsonObject::new() } else { self }
    }
}

/// The members of an object in a text that outlives them: keys and values borrowed (a key with an escape is
/// decoded), repeated keys resolved as in [`JsonObject`].
pub(crate) struct Borrowed<'a> {
    entries: Entries<Cow<'a, str>, &'a RawValue>,
}

impl Members for Borrowed<'_> {
    fn raw(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(|v| v.get())
    }
    fn take(&mut self, key: &str) {
        if let Some(at) = self.entries.position(key) {
            self.entries.remove_at(at);
        }
    }
    fn into_object(self) -> JsonObject {
        // The keys are already each other's distinct.
        let list =
            self.entries.list.into_iter().map(|(k, v)| (k.into_owned(), RawJson::read_as_the_sdk(v.get()))).collect();
        JsonObject::from_distinct(list)
    }
}

impl<'de> serde::Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A key, borrowed when the text holds it as it is.
        struct Key<'de>(Cow<'de, str>);
        impl<'de> serde::Deserialize<'de> for Key<'de> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = Key<'de>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a key")
                    }
                    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                        Ok(Key(Cow::Borrowed(v)))
                    }
                    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                        Ok(Key(Cow::Owned(v.to_owned())))
                    }
                    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                        Ok(Key(Cow::Owned(v)))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Borrowed<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Borrowed<'de>, A::Error> {
                let mut entries = Entries::default();
                while let Some(Key(key)) = map.next_key()? {
                    entries.set(key, map.next_value::<&'de RawValue>()?);
                }
                Ok(Borrowed { entries })
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// A field's type, read from the JSON text of its value. Model objects read their members borrowed from that
/// text ([`Borrowed`]), so that a member kept as text (an unknown key of a message) is copied once, from the
/// event, rather than first into a value of its own; every other type reads through `serde_json`.
pub(crate) trait FromJsonText: Sized {
    /// The value, or `None` when the text does not hold one of this type.
    fn from_json_text(raw: &str) -> Option<Self>;
}

impl<T: FromJsonText> FromJsonText for Box<T> {
    fn from_json_text(raw: &str) -> Option<Self> {
        T::from_json_text(raw).map(Box::new)
    }
}

impl FromJsonText for RawJson {
    fn from_json_text(raw: &str) -> Option<Self> {
        serde_json::from_str::<&RawValue>(raw).ok().map(|raw| RawJson::read_as_the_sdk(raw.get()))
    }
}

/// [`FromJsonText`] through the type's `Deserialize`.
///
/// ```text
/// from_json_text_by_serde!(String, StopReason);
/// // Expands to, for each type:
/// impl FromJsonText for String {
///     fn from_json_text(raw: &str) -> Option<Self> { serde_json::from_str(raw).ok() }
/// }
/// ```
macro_rules! from_json_text_by_serde {
    ($($ty:ty),* $(,)?) => {
        $(
            impl $crate::model::fields::FromJsonText for $ty {
                fn from_json_text(raw: &str) -> Option<Self> {
                    serde_json::from_str(raw).ok()
                }
            }
        )*
    };
}
pub(crate) use from_json_text_by_serde;

from_json_text_by_serde!(String);

/// An integer as Python's `json` reads it: `-0` is the integer 0 (`serde_json` reads a float).
pub(crate) fn json_integer<T: serde::de::DeserializeOwned + Default>(raw: &str) -> Option<T> {
    match serde_json::from_str(raw) {
        Ok(n) => Some(n),
        Err(_) if raw.trim_matches(JSON_WS) == "-0" => Some(T::default()),
        Err(_) => None,
    }
}

/// Integers of the model as the SDK types them: Python's `json` reads `-0` as 0, and pydantic takes a float
/// with no fractional part (`1.0`, `1e0`, `-0.0`) as the integer it equals; anything else (a fraction, a
/// negative count, a value past the type) stays as it arrived, in `extra`.
///
/// ```text
/// from_json_text_integer!(u64);
/// // Expands to `impl FromJsonText for u64`, whose `from_json_text` gives `Some(3)` for `3`, `3.0` or
/// // `3e0`, `Some(0)` for `-0`, and `None` for `3.5`, `-1` or `"3"`.
/// ```
macro_rules! from_json_text_integer {
    ($($ty:ty),*) => {
        $(
            impl FromJsonText for $ty {
                fn from_json_text(raw: &str) -> Option<Self> {
                    if let Some(n) = json_integer(raw) {
                        return Some(n);
                    }
                    let float: f64 = serde_json::from_str(raw).ok()?;
                    // Below 2^64 and whole: exactly an integer, which `as` keeps.
                    let whole = float.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&float);
                    if !whole {
                        return None;
                    }
                    <$ty>::try_from(float as u64).ok()
                }
            }
        )*
    };
}

from_json_text_integer!(usize, u64);

/// `key`'s value if it is a non-null value of type `T` (taken out of `map`); otherwise `None`, the member
/// left where it is.
pub(crate) fn take_optional<T: FromJsonText, M: Members>(map: &mut M, key: &str) -> Option<T> {
    let raw = map.raw(key)?;
    if raw.trim_matches(JSON_WS) == "null" {
        return None;
    }
    let typed = T::from_json_text(raw)?;
    map.take(key);
    Some(typed)
}

/// Whether `map` holds `key` with a value of type `T` (required fields are checked before any is taken).
pub(crate) fn check_required<T: FromJsonText, M: Members>(map: &M, key: &str) -> Option<T> {
    T::from_json_text(map.raw(key)?)
}

/// Writes the entries of `extra` whose keys were not already written from typed fields.
pub(crate) fn serialize_extra<S: SerializeMap>(
    out: &mut S,
    extra: &JsonObject,
    written: impl Fn(&str) -> bool,
) -> Result<(), S::Error> {
    for (key, value) in extra {
        if !written(key) {
            out.serialize_entry(key, value)?;
        }
    }
    Ok(())
}

/// The text of a JSON string as written between its quotes (escapes left as they are); `""` for any other
/// JSON. Type tags hold no escapes.
pub(crate) fn plain_string(raw: &RawJson) -> &str {
    let text = raw.get().trim_matches(JSON_WS);
    text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or_default()
}
