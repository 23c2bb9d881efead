//! A fast reader of complete JSON, for the commonest case: a tool input whole at its block's stop. It only
//! says yes to text that the scanner would keep byte for byte (one complete value from the first byte to the
//! last, no repeated key, no `-0`, within [`MAX_DEPTH`]); for anything else (whitespace around the value, a
//! cut, an error, a rewrite, an escaped key) it says no and the scanner, the reference,
//! decides. The `partial_json` and `fast_paths` fuzz targets and the tool-input tests hold the two to the
//! same result.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use super::scanner::{is_ws, LIST_KEYS};
use super::{Prehashed, MAX_DEPTH};
use crate::text as json_text;

/// Whether `text` is one complete JSON value that the scanner would keep exactly as it is.
pub(crate) fn is_plain_json(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first().is_none_or(|&b| is_ws(b)) || bytes.last().is_some_and(|&b| is_ws(b)) {
        return false;
    }
    let mut reader = Reader { b: bytes, keys: Vec::new(), many: None };
    if reader.value(0, 0) != Some(bytes.len()) {
        return false;
    }
    // Objects of many keys went through the filter: keys that may repeat are read again, exactly.
    let Some(many) = reader.many else { return true };
    let Some(exact) = (*many).exact() else { return true };
    let mut reader = Reader { b: bytes, keys: Vec::new(), many: Some(exact) };
    reader.value(0, 0) == Some(bytes.len())
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

/// [`ManyKeys::note`] on the reader's filter, made at the first object of many keys.
fn note(many: &mut Option<Box<ManyKeys>>, text: &[u8], object: usize, name: &[u8]) -> bool {
    many.get_or_insert_with(|| ManyKeys::filter(text.len())).note(object, name)
}

/// Keys an object compares with each other directly, before it keeps a list.
const FEW_KEYS: usize = 4;

/// A key of an open object: where its text starts, how long it is, and its first eight bytes (zero
/// padded) as one word, which tells most keys apart with one comparison.
#[derive(Clone, Copy)]
struct Key {
    start: usize,
    len: usize,
    head: u64,
}

/// Every method takes the position of the first byte of what it reads and returns the position after it;
/// `None` for anything the scanner must decide.
struct Reader<'a> {
    b: &'a [u8],
    /// The keys of the open objects (they hold no escape, so the text is the key).
    keys: Vec<Key>,
    /// What finds a repeated key in objects of many keys, from the first such object on.
    many: Option<Box<ManyKeys>>,
}

impl Reader<'_> {
    #[inline(always)]
    fn ws(&self, mut i: usize) -> usize {
        // Most calls find a token at once: one comparison says so.
        while let Some(&b) = self.b.get(i) {
            if b > b' ' || !is_ws(b) {
                break;
            }
            i += 1;
        }
        i
    }

    /// Inlined in the loops of [`object`](Self::object) and [`array`](Self::array): scalars are read
    /// without a call, containers with one.
    #[inline(always)]
    fn value(&mut self, i: usize, depth: usize) -> Option<usize> {
        match *self.b.get(i)? {
            b'{' => self.object(i, depth + 1),
            b'[' => self.array(i, depth + 1),
            b'"' => self.string(i).map(|(end, _)| end),
            b't' => self.literal(i, b"true"),
            b'f' => self.literal(i, b"false"),
            b'n' => self.literal(i, b"null"),
            b'-' | b'0'..=b'9' => self.number(i),
            _ => None,
        }
    }

    #[inline(always)]
    fn literal(&self, i: usize, word: &[u8]) -> Option<usize> {
        let end = i + word.len();
        (self.b.get(i..end)? == word).then_some(end)
    }

    #[inline(always)]
    fn digits(&self, mut i: usize) -> usize {
        while let Some(&b) = self.b.get(i) {
            if b.wrapping_sub(b'0') > 9 {
                break;
            }
            i += 1;
        }
        i
    }

    #[inline(always)]
    fn number(&self, start: usize) -> Option<usize> {
        let b = self.b;
        let int = start + usize::from(b[start] == b'-');
        let mut i = self.digits(int);
        let n = i - int;
        if n == 0 || (n > 1 && b[int] == b'0') {
            return None;
        }
        let mut plain_integer = true;
        if b.get(i) == Some(&b'.') {
            let fraction = i + 1;
            i = self.digits(fraction);
            if i == fraction {
                return None;
            }
            plain_integer = false;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let exponent = i;
            i = self.digits(exponent);
            if i == exponent {
                return None;
            }
            plain_integer = false;
        }
        // The integer `-0` is rewritten to `0`: the scanner's business.
        if plain_integer && i - start == 2 && b[start] == b'-' && b[int] == b'0' {
            return None;
        }
        Some(i)
    }

    /// Reads the string whose opening quote is at `i`; also says whether it held an escape.
    #[inline(always)]
    fn string(&self, i: usize) -> Option<(usize, bool)> {
        let b = self.b;
        let mut i = i + 1;
        let mut escaped = false;
        loop {
            // The plain run, sixteen bytes at a time while there are sixteen.
            let mut special = 0;
            while let Some(block) = b.get(i..i + 16) {
                special = json_text::special_mask16(block.try_into().unwrap_or(&[0; 16]));
                if special != 0 {
                    break;
                }
                i += 16;
            }
            if special != 0 {
                i += special.trailing_zeros() as usize;
            } else {
                while let Some(&c) = b.get(i) {
                    if matches!(c, b'"' | b'\\' | 0..0x20) {
                        break;
                    }
                    i += 1;
                }
            }
            match *b.get(i)? {
                b'"' => return Some((i + 1, escaped)),
                b'\\' => {
                    escaped = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => match json_text::hex4(b.get(i + 2..i + 6)?)? {
                            // Neither half of a surrogate pair: a character of its own.
                            0..0xD800 | 0xE000.. => i += 6,
                            // A surrogate, with its pair: the same check as the decoder's.
                            _ => {
                                let (_, used) = json_text::unescape(&b[i + 1..])?;
                                i += 1 + used;
                            }
                        },
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    #[inline(never)]
    fn array(&mut self, i: usize, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut i = self.ws(i + 1);
        if self.b.get(i) == Some(&b']') {
            return Some(i + 1);
        }
        loop {
            i = self.value(i, depth)?;
            i = self.ws(i);
            match *self.b.get(i)? {
                b',' => i = self.ws(i + 1),
                b']' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    /// The first eight bytes of the key `b[start..start + len]`, zero padded.
    #[inline(always)]
    fn head(&self, start: usize, len: usize) -> u64 {
        match self.b.get(start..start + 8) {
            Some(word) => {
                let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                if len >= 8 {
                    word
                } else {
                    word & ((1u64 << (8 * len)) - 1)
                }
            }
            None => self.b[start..start + len.min(8)].iter().rev().fold(0, |acc, &c| (acc << 8) | u64::from(c)),
        }
    }

    /// The rest of an object, from its key at `i`, once it has more keys than a list compares quickly: its
    /// keys so far (from `from` on) and the rest go to [`ManyKeys`], and a repeat is the scanner's business.
    #[cold]
    #[inline(never)]
    fn many_keys(&mut self, mut i: usize, depth: usize, from: usize) -> Option<usize> {
        let b = self.b;
        // Where the first key starts tells the object from any other.
        let object = self.keys.get(from)?.start;
        for k in self.keys.drain(from..) {
            if !note(&mut self.many, b, object, &b[k.start..k.start + k.len]) {
                return None;
            }
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let (end, escaped) = self.string(i)?;
            if escaped || !note(&mut self.many, b, object, &b[i + 1..end - 1]) {
                return None;
            }
            i = self.ws(end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = self.value(self.ws(i + 1), depth)?;
            i = self.ws(i);
            match *b.get(i)? {
                b',' => i = self.ws(i + 1),
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    #[inline(never)]
    fn object(&mut self, i: usize, depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let b = self.b;
        let mut i = self.ws(i + 1);
        if b.get(i) == Some(&b'}') {
            return Some(i + 1);
        }
        let from = self.keys.len();
        let mut seen = 0u64;
        // The first few keys (most objects have no more) are compared with each other directly, those of
        // the same length only: no record beyond where they are.
        let mut few = [(0usize, 0usize); FEW_KEYS];
        let mut count = 0;
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let start = i + 1;
            let (end, escaped) = self.string(i)?;
            // An escaped key: the scanner's business.
            if escaped {
                return None;
            }
            let len = end - 1 - start;
            if count < FEW_KEYS {
                let key = &b[start..start + len];
                if few[..count].iter().any(|&(s, l)| l == len && &b[s..s + l] == key) {
                    return None;
                }
                few[count] = (start, len);
                count += 1;
                i = self.ws(end);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = self.value(self.ws(i + 1), depth)?;
                i = self.ws(i);
                match *b.get(i)? {
                    b',' => i = self.ws(i + 1),
                    b'}' => return Some(i + 1),
                    _ => return None,
                }
                continue;
            }
            if count == FEW_KEYS {
                // More keys: the few go to the list, with their heads and bits.
                for (s, l) in few {
                    let head = self.head(s, l);
                    seen |= 1u64 << ((head ^ l as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
                    self.keys.push(Key { start: s, len: l, head });
                }
                count += 1;
            }
            if self.keys.len() - from >= LIST_KEYS {
                return self.many_keys(i, depth, from);
            }
            let head = self.head(start, len);
            // One bit per key, from its head and length: the keys are compared only when the bit was
            // already set.
            let bit = 1u64 << ((head ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
            if seen & bit != 0
                && self.keys[from..].iter().any(|k| {
                    k.head == head
                        && k.len == len
                        && (len <= 8 || b[k.start + 8..k.start + len] == b[start + 8..start + len])
                })
            {
                return None;
            }
            seen |= bit;
            self.keys.push(Key { start, len, head });
            i = self.ws(end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = self.value(self.ws(i + 1), depth)?;
            i = self.ws(i);
            match *b.get(i)? {
                b',' => i = self.ws(i + 1),
                b'}' => {
                    self.keys.truncate(from);
                    return Some(i + 1);
                }
                _ => return None,
            }
        }
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
