//! Whether complete JSON text needs the scanner at all, for the commonest case: a tool input whole at its
//! block's stop, or a member of the model this version does not know. It says yes only to text that the
//! scanner would keep byte for byte: one complete value from the first byte to the last, no repeated key, no
//! integer `-0`, nested at most [`MAX_DEPTH`] deep. For anything else (whitespace around the value, a cut, an
//! error, a rewrite, an escaped key, a number beyond `f64`) it says no and the scanner, the reference,
//! decides. The `partial_json` and `fast_paths` fuzz targets and the tool-input tests hold the two to the same
//! result.
//!
//! It is no walk of the JSON grammar of its own: `serde_json` reads the text (checking strings, escapes and
//! numbers), and a visitor counts the depth and looks for a repeated key in each object; a text search finds
//! where an integer `-0` may be.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::hashing::{LIST_KEYS, Prehashed};
use super::reading::MAX_DEPTH;
use crate::text::is_json_ws;

/// Whether `text` is one complete JSON value that the scanner would keep exactly as it is.
pub(crate) fn is_plain_json(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first().is_none_or(|&b| is_json_ws(b)) || bytes.last().is_some_and(|&b| is_json_ws(b)) {
        return false;
    }
    if may_hold_integer_minus_zero(bytes) {
        return false;
    }
    let mut check = Check { text_len: text.len(), objects: 0, many: None };
    if !check.read(text) {
        return false;
    }
    // Objects of many keys went through the filter: keys that may repeat are read again, exactly.
    let Some(many) = check.many else { return true };
    let Some(exact) = (*many).exact() else { return true };
    Check { text_len: text.len(), objects: 0, many: Some(exact) }.read(text)
}

/// Whether `bytes` may hold the integer `-0` (which the scanner rewrites to `0`): a `-0` followed by
/// anything but a digit, `.`, `e` or `E`. In valid JSON a `-0` followed by a digit can only be inside a
/// string; one inside a string followed by anything else is a false alarm, and the scanner decides.
fn may_hold_integer_minus_zero(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"-0")
        .any(|at| !matches!(bytes.get(at + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E')))
}

/// What one read of the text keeps across objects.
struct Check {
    /// The text's length, which sizes the filter of [`ManyKeys`].
    text_len: usize,
    /// How many objects were opened so far: an object's number tells it from any other, and both reads
    /// number them alike.
    objects: usize,
    /// What finds a repeated key in objects of many keys, from the first such object on.
    many: Option<Box<ManyKeys>>,
}

impl Check {
    /// `serde_json` reads `text` through [`Value`]: `false` when it refuses it, or a check does.
    fn read(&mut self, text: &str) -> bool {
        let mut de = serde_json::Deserializer::from_str(text);
        Value { check: self, depth: 0 }.deserialize(&mut de).is_ok() && de.end().is_ok()
    }
}

/// A value at `depth` (the number of containers around it).
struct Value<'c> {
    check: &'c mut Check,
    depth: usize,
}

/// Why a check refused the text (`serde_json`'s own errors carry the rest).
fn refused<E: de::Error>() -> E {
    E::custom("left to the scanner")
}

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(refused());
        }
        while seq.next_element_seed(Value { check: &mut *self.check, depth })?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(refused());
        }
        let check = self.check;
        let object = check.objects;
        check.objects += 1;
        // The first keys (most objects have no more) are compared with each other directly.
        let mut few: [&'de str; LIST_KEYS] = [""; LIST_KEYS];
        let mut count = 0;
        while let Some(key) = map.next_key_seed(Key)? {
            if count < LIST_KEYS {
                if few[..count].contains(&key) {
                    return Err(refused());
                }
                few[count] = key;
                count += 1;
            } else {
                let many = check.many.get_or_insert_with(|| ManyKeys::filter(check.text_len));
                if count == LIST_KEYS {
                    // More keys: the first ones go to the filter too.
                    if !few.iter().all(|name| many.note(object, name.as_bytes())) {
                        return Err(refused());
                    }
                    count += 1;
                }
                if !many.note(object, key.as_bytes()) {
                    return Err(refused());
                }
            }
            map.next_value_seed(Value { check: &mut *check, depth })?;
        }
        Ok(())
    }
}

/// An object's key, borrowed from the text; an escaped key is left to the scanner.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = &'de str;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<&'de str, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = &'de str;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key without an escape")
    }
    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<&'de str, E> {
        Ok(key)
    }
}

/// How the reader finds a repeated key among the keys of objects of more than [`LIST_KEYS`] keys, at a
/// small part of a set of them all: a first read sets, for each key and its object, three bits of a filter
/// of one bit per byte of the text, and notes the hash of each key whose bits were all set already. A key
/// that repeats is always among these candidates, and few others are: with members of `b` bytes, a share of
/// `(1 - e^(-3/b))^3` (2% for keys of five letters, 10 bytes a member; 9% at the fewest bytes a member can
/// take, 5). When there are any, a second read compares the candidates alone, by their hashes (keyed at
/// random, so that no input can be built to collide).
struct ManyKeys {
    state: RandomState,
    pass: Pass,
}

enum Pass {
    /// The first read.
    Filter { bits: Vec<u64>, candidates: Vec<u64>, keys: usize },
    /// The second: the candidates, and those met so far.
    Exact { candidates: HashSet<u64, Prehashed>, met: HashSet<u64, Prehashed> },
}

/// Multipliers that spread one hash into a filter's three positions.
const SPREAD: [u64; 3] = [0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9];

impl ManyKeys {
    fn filter(text_len: usize) -> Box<ManyKeys> {
        let pass = Pass::Filter { bits: vec![0; text_len.div_ceil(64).max(1)], candidates: Vec::new(), keys: 0 };
        Box::new(ManyKeys { state: RandomState::new(), pass })
    }

    /// Notes `name`, a key of the object that opens at `object`; `false` when it repeats (in the exact
    /// pass), or when so many keys are candidates that a repeat is as good as sure (in the first).
    fn note(&mut self, object: usize, name: &[u8]) -> bool {
        let hash = self.state.hash_one((object, name));
        match &mut self.pass {
            Pass::Filter { bits, candidates, keys } => {
                *keys += 1;
                let len = bits.len() as u128 * 64;
                let mut all_set = true;
                for spread in SPREAD {
                    let at = ((u128::from(hash.wrapping_mul(spread)) * len) >> 64) as usize;
                    if let Some(word) = bits.get_mut(at / 64) {
                        let bit = 1u64 << (at % 64);
                        all_set &= *word & bit != 0;
                        *word |= bit;
                    }
                }
                if all_set {
                    candidates.push(hash);
                    return candidates.len() <= *keys / 4 + 64;
                }
                true
            }
            Pass::Exact { candidates, met } => !candidates.contains(&hash) || met.insert(hash),
        }
    }

    /// The exact pass that follows the first, when it found candidates.
    fn exact(self) -> Option<Box<ManyKeys>> {
        let ManyKeys { state, pass: Pass::Filter { candidates, .. } } = self else { return None };
        if candidates.is_empty() {
            return None;
        }
        #[cfg(test)]
        tests::EXACT_PASSES.set(tests::EXACT_PASSES.get() + 1);
        let candidates: HashSet<u64, Prehashed> = candidates.into_iter().collect();
        let met = HashSet::with_capacity_and_hasher(candidates.len(), Prehashed);
        Some(Box::new(ManyKeys { state, pass: Pass::Exact { candidates, met } }))
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_json;

    thread_local! {
        /// How many exact passes [`ManyKeys`](super::ManyKeys) ran, so that a test knows it tested one.
        pub(super) static EXACT_PASSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn object(keys: impl Iterator<Item = String>) -> String {
        format!("{{{}}}", keys.collect::<Vec<_>>().join(","))
    }

    /// Objects of thousands of keys, where the filter surely gives candidates that do not repeat: the exact
    /// pass runs, tells a repeat (first, middle or last, at any depth) from keys that only share a name with a
    /// key of another object, and accepts what has none.
    #[test]
    fn objects_of_many_keys_are_plain_unless_a_key_repeats_in_one() {
        let keys = |n: usize| (0..n).map(|k| format!(r#""k{k}":{k}"#));
        let big = object(keys(5000));
        EXACT_PASSES.set(0);
        assert!(is_plain_json(&big));
        assert!(EXACT_PASSES.get() > 0, "no key of 5000 was a candidate: the exact pass went untested");
        // The same names in sibling and nested objects are no repeat.
        assert!(is_plain_json(&format!("[{big},{big},{big}]")));
        let nested = object(keys(3000).chain([format!(r#""inner":{big}"#)]));
        assert!(is_plain_json(&nested));
        for at in [0, 1, 16, 17, 2500, 4999] {
            let repeated = object(keys(5000).chain([format!(r#""k{at}":"again""#)]));
            assert!(!is_plain_json(&repeated), "k{at} repeats");
            assert!(!is_plain_json(&format!("[{big},{repeated}]")), "k{at} repeats in the second object");
            let deep = object(keys(3000).chain([format!(r#""inner":{repeated}"#)]));
            assert!(!is_plain_json(&deep), "k{at} repeats in the inner object");
        }
        // Short keys, every one repeated: refused, whether the first read gives up or the exact pass decides.
        let twice = object((0..4000).flat_map(|k| [format!(r#""{k}":1"#), format!(r#""{k}":2"#)]));
        assert!(!is_plain_json(&twice));
    }
}
