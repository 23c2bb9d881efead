//! The machinery behind every typed JSON object of the model: known keys go to typed fields, every other key
//! (and a known key whose value is `null` or not of the expected shape) stays in `extra`, so that nothing on
//! the wire is lost and re-serializing gives back the same object.

use std::collections::HashMap;

use serde::ser::SerializeMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::partial_json::reading::set_member;
use crate::text::JSON_WS;

/// The string that the JSON text `raw` holds, when it is a string.
pub(crate) fn json_string(raw: &str) -> Option<String> {
    if !raw.trim_start_matches(JSON_WS).starts_with('"') {
        return None;
    }
    serde_json::from_str(raw).ok()
}

/// JSON kept as the text that arrived: validated, not parsed into a tree, so that neither its size nor its
/// nesting costs more than its bytes, and no digit or key order is lost. [`to_value`](Self::to_value) builds
/// a `serde_json::Value` when wanted.
///
/// Deserialized (as every member of the model is), the text is read as the SDK reads it: a repeated key keeps
/// its first place with its last value and `-0` is the integer 0 (a value so rewritten also loses the
/// whitespace between its tokens; one nested deeper than the tool-input limit of 100 is kept as it arrived).
/// [`from_text`](Self::from_text) keeps the text exactly as given (an unknown event's data). It deserializes from
/// `serde_json`'s own deserializers (text, slices, readers and `Value`s); other formats cannot carry it.
///
/// `NaN`, `Infinity` and `-Infinity`, which the SDK's reader takes, are accepted and kept as written;
/// [`get`](Self::get) and [`Display`](std::fmt::Display) give the text as kept.
///
/// Serialized, the text is written as standard JSON on one line: without the whitespace between its tokens,
/// and with a non-finite number written `null` (as `serde_json` writes an `f64` NaN). Nothing else changes.
///
/// ```
/// use anthropic_sse::RawJson;
/// let raw = RawJson::from_text("{\n  \"b\": 1.50,\n  \"a\": NaN\n}").unwrap();
/// assert_eq!(raw.get(), "{\n  \"b\": 1.50,\n  \"a\": NaN\n}");
/// assert_eq!(serde_json::to_string(&raw).unwrap(), r#"{"b":1.50,"a":null}"#);
/// assert_eq!(raw.to_value().unwrap(), serde_json::json!({"b": 1.5, "a": null}));
/// ```
#[derive(Debug, Clone)]
pub struct RawJson(Box<str>);

impl RawJson {
    /// Checks that `text` is JSON (or JSON with the SDK's non-finite numbers) and keeps it as it is, but for
    /// the whitespace around the value.
    pub fn from_text(text: &str) -> Result<RawJson, serde_json::Error> {
        if let Some(arrived) = crate::text::non_finite::restore_non_finite(text) {
            return RawJson::from_text(&arrived);
        }
        // Kept without the whitespace around the value (as `serde_json` keeps a `RawValue`).
        match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) => Ok(RawJson(raw.get().into())),
            // Not JSON to `serde_json`: JSON all the same to the SDK's reader when it holds `NaN` or an
            // infinity, and is JSON once each is a number.
            Err(error) => {
                let standard = crate::text::non_finite::with_non_finite_as_numbers(text, |standard| {
                    serde_json::from_str::<&RawValue>(standard).is_ok()
                });
                match standard {
                    Some(true) => Ok(RawJson(text.trim_matches(JSON_WS).into())),
                    _ => Err(error),
                }
            }
        }
    }

    /// The JSON text of `value`.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<RawJson, serde_json::Error> {
        serde_json::to_string(value).map(|text| RawJson(text.into()))
    }

    /// `null`.
    pub(crate) fn null() -> RawJson {
        RawJson("null".into())
    }

    /// The JSON string holding `text`.
    pub(crate) fn from_string(text: &str) -> RawJson {
        RawJson(serde_json::Value::from(text).to_string().into_boxed_str())
    }

    /// The text of a tool input (JSON, or JSON with the non-finite numbers the SDK reads).
    pub(crate) fn from_tool_input(input: crate::model::tool_input::ToolInput) -> RawJson {
        RawJson(input.into_json().into_boxed_str())
    }

    /// The JSON text, as it arrived.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// Whether the JSON is `null`.
    pub fn is_null(&self) -> bool {
        self.get().trim_matches(JSON_WS) == "null"
    }

    /// The string, when the JSON is a string.
    pub fn as_string(&self) -> Option<String> {
        json_string(self.get())
    }

    /// Reads the JSON into `T` (through `serde_json`, which takes no non-finite number).
    pub fn deserialize<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.get())
    }

    /// The JSON as a `serde_json::Value` (which fails on nesting deeper than `serde_json`'s limit of 128); a
    /// non-finite number is `null` there.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&crate::text::compact_json(self.get()))
    }
}

impl PartialEq for RawJson {
    /// Equal text.
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl serde::Serialize for RawJson {
    /// The text as standard JSON on one line (see the [type documentation](Self)), in `serde_json`'s raw-value
    /// form.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::text::serialize_json_text(self.get(), serializer)
    }
}

impl<'de> serde::Deserialize<'de> for RawJson {
    /// The text as the SDK reads it: a repeated key keeps its first place with its last value, and `-0` is
    /// the integer 0 (the same reading as tool input's). Text that needs neither, nearly all, is kept as it is.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(|raw| RawJson::read_as_the_sdk(raw.get()))
    }
}

impl RawJson {
    /// The JSON text `text` (JSON, or JSON with non-finite numbers) as the SDK reads it: only what is kept is
    /// copied, once (a rewritten value is written from `text` directly).
    pub(crate) fn read_as_the_sdk(text: &str) -> RawJson {
        if let Some(arrived) = crate::text::non_finite::restore_non_finite(text) {
            return RawJson::read_as_the_sdk(&arrived);
        }
        if crate::partial_json::plain::is_plain_json(text) {
            return RawJson(text.into());
        }
        // Anything the tool-input reader refuses (nesting past its limit) stays as it arrived.
        match crate::model::tool_input::ToolInput::from_json(text) {
            Ok(read) if read.as_str() != text => RawJson(read.into_json().into_boxed_str()),
            _ => RawJson(text.into()),
        }
    }
}
impl TryFrom<Value> for RawJson {
    type Error = serde_json::Error;
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        RawJson::from_serialize(&value)
    }
}

impl std::fmt::Display for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

/// A JSON object's keys in the order they arrived, each value kept as the JSON text that arrived
/// ([`RawJson`]): what the model keeps of keys it does not know, exact and never built into a tree (each key
/// costs its text and about a hundred bytes). A key that arrives twice keeps its first place and its last
/// value, as the SDK's Python dict does. Past a few keys, a key is found through an index built when first
/// asked for.
#[derive(Clone, Default)]
pub struct JsonObject {
    entries: Entries<String, RawJson>,
}

impl PartialEq for JsonObject {
    /// The same keys in the same order with equal values (equal text).
    fn eq(&self, other: &Self) -> bool {
        self.entries.list == other.entries.list
    }
}

impl std::fmt::Debug for JsonObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl JsonObject {
    /// An object of `list`, whose keys are each other's distinct: no search, no index.
    pub(super) fn from_distinct(list: Vec<(String, RawJson)>) -> JsonObject {
        JsonObject { entries: Entries { list, index: std::sync::OnceLock::new() } }
    }

    /// An empty object.
    pub fn new() -> Self {
        JsonObject::default()
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.entries.list.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.list.is_empty()
    }

    /// The value of `key` (in constant time past a few keys).
    pub fn get(&self, key: &str) -> Option<&RawJson> {
        self.entries.get(key)
    }

    /// Whether it holds `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, in the key's place if it was there (giving the old value back), else last.
    pub fn insert(&mut self, key: String, value: RawJson) -> Option<RawJson> {
        self.entries.set(key, value)
    }

    /// Takes `key` out (the keys after it move up: time linear in the object when it was there).
    pub fn remove(&mut self, key: &str) -> Option<RawJson> {
        let at = self.entries.position(key)?;
        Some(self.entries.remove_at(at).1)
    }

    /// Takes `key` out, with the place it held.
    pub(crate) fn take_at(&mut self, key: &str) -> Option<(usize, RawJson)> {
        let at = self.entries.position(key)?;
        Some((at, self.entries.remove_at(at).1))
    }

    /// Puts back what [`take_at`](Self::take_at) took, in its place.
    pub(crate) fn put_back(&mut self, at: usize, key: &str, value: RawJson) {
        self.entries.insert_at(at, key.to_owned(), value);
    }

    /// The keys and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawJson)> {
        self.entries.list.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The object as a `serde_json` map (keys sorted, numbers as `serde_json` reads them).
    pub fn to_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        self.iter().map(|(k, v)| Ok((k.to_owned(), v.to_value()?))).collect()
    }
}

impl<'a> IntoIterator for &'a JsonObject {
    type Item = (&'a str, &'a RawJson);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (String, RawJson)>, fn(&'a (String, RawJson)) -> (&'a str, &'a RawJson)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.list.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl serde::Serialize for JsonObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            out.serialize_entry(key, value)?;
        }
        out.end()
    }
}

impl<'de> serde::Deserialize<'de> for JsonObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonObject, A::Error> {
                let mut entries = Entries::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value: RawJson = map.next_value()?;
                    entries.set(key, value);
                }
                Ok(JsonObject { entries: entries.parsed() })
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl TryFrom<Map<String, Value>> for JsonObject {
    type Error = serde_json::Error;
    fn try_from(map: Map<String, Value>) -> Result<Self, Self::Error> {
        let mut object = JsonObject::new();
        for (key, value) in map {
            object.insert(key, RawJson::try_from(value)?);
        }
        Ok(object)
    }
}

/// Objects with more keys than this find a key through an index rather than a search.
const INDEXED_FROM: usize = 16;

/// An object's members in the order they arrived: a key that arrives twice keeps its first place and its last
/// value. Past [`INDEXED_FROM`] keys, an index from a hash of each key to its place, built when first asked
/// for, finds a key in constant time (so that a fold asking a many-keyed object for a key on every event
/// stays linear), without a copy of the keys. A parsed object drops the index that found its repeated keys:
/// one never asked for a key (an unknown block, written out as it came) costs nothing for it.
#[derive(Clone)]
pub(super) struct Entries<K, V> {
    pub(super) list: Vec<(K, V)>,
    index: std::sync::OnceLock<Box<KeyIndex>>,
}

/// Where each key sits, by a hash keyed at random (no input can be made to collide). Should two keys share a
/// hash all the same, the index is given up for a search.
#[derive(Clone)]
struct KeyIndex {
    state: std::hash::RandomState,
    at: HashMap<u64, usize>,
    collided: bool,
}

impl KeyIndex {
    fn of<K: AsRef<str>, V>(list: &[(K, V)]) -> KeyIndex {
        let mut index =
            KeyIndex { state: std::hash::RandomState::new(), at: HashMap::with_capacity(list.len()), collided: false };
        for (at, (key, _)) in list.iter().enumerate() {
            index.add(key.as_ref(), at);
        }
        index
    }

    fn hash(&self, key: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.state, key.as_bytes())
    }

    fn add(&mut self, key: &str, at: usize) {
        let hash = self.hash(key);
        self.collided |= self.at.insert(hash, at).is_some();
    }
}

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries { list: Vec::new(), index: std::sync::OnceLock::new() }
    }
}

impl<K: AsRef<str>, V> Entries<K, V> {
    pub(super) fn position(&self, key: &str) -> Option<usize> {
        if self.list.len() <= INDEXED_FROM {
            return self.list.iter().position(|(k, _)| k.as_ref() == key);
        }
        let index = self.index.get_or_init(|| Box::new(KeyIndex::of(&self.list)));
        if index.collided {
            return self.list.iter().position(|(k, _)| k.as_ref() == key);
        }
        index.at.get(&index.hash(key)).copied().filter(|&at| self.list[at].0.as_ref() == key)
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|at| &self.list[at].1)
    }

    /// Sets `key` to `value` in the key's place (giving the old value back), else last: a repeated key as the
    /// SDK reads it ([`set_member`]: the first place, the last value).
    pub(super) fn set(&mut self, key: K, value: V) -> Option<V> {
        let first = self.position(key.as_ref());
        if first.is_none() {
            if let Some(index) = self.index.get_mut() {
                index.add(key.as_ref(), self.list.len());
            }
        }
        set_member(&mut self.list, first, key, value)
    }

    /// Takes out the member at `at` (the places after it move, and the index goes: time linear in the
    /// object, as the move itself).
    pub(super) fn remove_at(&mut self, at: usize) -> (K, V) {
        self.index = std::sync::OnceLock::new();
        self.list.remove(at)
    }

    fn insert_at(&mut self, at: usize, key: K, value: V) {
        self.index = std::sync::OnceLock::new();
        self.list.insert(at.min(self.list.len()), (key, value));
    }

    /// Drops the index (a parsed object keeps none until asked for a key).
    fn parsed(mut self) -> Self {
        self.index = std::sync::OnceLock::new();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys stay in their order; a repeated key keeps its first place and its last value, below and above
    /// the size where an index takes over; values keep their text, as the SDK reads it.
    #[test]
    fn an_object_keeps_its_order_and_resolves_repeated_keys_as_the_sdk() {
        let object: JsonObject = serde_json::from_str(r#"{"z": 1, "a": [1.0, -0], "z": {"b": 2, "b": 3}}"#).unwrap();
        let entries: Vec<(&str, &str)> = object.iter().map(|(k, v)| (k, v.get())).collect();
        assert_eq!(entries, [("z", r#"{"b":3}"#), ("a", "[1.0,0]")]);
        for keys in [3, 16, 17, 40] {
            let mut text: Vec<String> = (0..keys).rev().map(|k| format!("\"k{k}\":{k}")).collect();
            text.push("\"k1\":\"last\"".to_owned());
            text.push(format!("\"k{}\":0.30000000000000004", keys - 1));
            let object: JsonObject = serde_json::from_str(&format!("{{{}}}", text.join(","))).unwrap();
            let order: Vec<String> = object.iter().map(|(k, _)| k.to_owned()).collect();
            let expected: Vec<String> = (0..keys).rev().map(|k| format!("k{k}")).collect();
            assert_eq!(order, expected, "{keys} keys");
            assert_eq!(object.get("k1").map(RawJson::get), Some("\"last\""));
            assert_eq!(object.get(&format!("k{}", keys - 1)).map(RawJson::get), Some("0.30000000000000004"));
            // Written back, it is the same object.
            let again: JsonObject = serde_json::from_str(&serde_json::to_string(&object).unwrap()).unwrap();
            assert_eq!(again, object);
        }
    }

    #[test]
    fn insert_replaces_in_place_and_remove_takes_out() {
        let mut object: JsonObject = serde_json::from_str(r#"{"a":1,"b":2,"c":3}"#).unwrap();
        let old = object.insert("b".to_owned(), RawJson::from_text("\"two\"").unwrap());
        assert_eq!(old.map(|v| v.get().to_owned()), Some("2".to_owned()));
        assert_eq!(object.insert("d".to_owned(), RawJson::from_text("4").unwrap()), None);
        assert_eq!(object.remove("a").map(|v| v.get().to_owned()), Some("1".to_owned()));
        assert_eq!(serde_json::to_string(&object).unwrap(), r#"{"b":"two","c":3,"d":4}"#);
        assert!(object.get("a").is_none() && object.contains_key("c") && object.len() == 3);
    }
}
