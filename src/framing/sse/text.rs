//! [`BytesStr`]: an immutable UTF-8 string that can share its bytes with the chunk it was read from.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// An immutable, cheaply clonable UTF-8 string backed by [`Bytes`].
///
/// Invariant: the bytes are valid UTF-8. Every constructor establishes it (by checking, or by starting from
/// a `str`), and nothing mutates the bytes afterwards.
///
/// The decoder hands out field values as `BytesStr` so that a value lying inside one input chunk is not
/// copied: it is a reference-counted view of that chunk. It dereferences to [`str`].
///
/// ```
/// use anthropic_sse::framing::BytesStr;
/// let s = BytesStr::from("hello");
/// assert_eq!(&*s, "hello");
/// assert_eq!(s.len(), 5);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct BytesStr(Bytes);

/// Hashed as the `str` it is, as `Borrow<str>` requires (so that a set of `BytesStr` finds a `&str`).
impl std::hash::Hash for BytesStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl BytesStr {
    /// An empty string (no allocation).
    pub const fn new() -> Self {
        BytesStr(Bytes::new())
    }

    /// A string pointing at static text (no allocation).
    pub const fn from_static(s: &'static str) -> Self {
        BytesStr(Bytes::from_static(s.as_bytes()))
    }

    /// Shares `bytes` as a string when they are valid UTF-8; gives them back when they are not.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        if is_ascii(&bytes) || std::str::from_utf8(&bytes).is_ok() { Ok(BytesStr(bytes)) } else { Err(bytes) }
    }

    /// Decodes `bytes` as UTF-8, sharing them when they are valid and replacing invalid sequences with
    /// U+FFFD (a copy) when they are not.
    pub fn from_utf8_lossy(bytes: Bytes) -> Self {
        // Most lines are ASCII: an OR over the bytes, eight at a time, proves that far faster than the general
        // check, which runs only for the rest.
        if is_ascii(&bytes) {
            return BytesStr(bytes);
        }
        match std::str::from_utf8(&bytes) {
            Ok(_) => BytesStr(bytes),
            Err(_) => BytesStr::from(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// The text.
    #[allow(unsafe_code)]
    pub fn as_str(&self) -> &str {
        // One of the crate's four audited `unsafe` blocks, for speed: checking the bytes again on every
        // access was a quarter of the decoder's time (measured with perf on the 100,000-delta benchmark
        // stream). The type's invariant makes the check redundant; debug builds (and so the tests and fuzzers)
        // verify it.
        debug_assert!(std::str::from_utf8(&self.0).is_ok());
        // SAFETY: every constructor of `BytesStr` guarantees that `self.0` is valid UTF-8 (see the type's
        // invariant), and `Bytes` is immutable.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The underlying bytes (shared, not copied).
    pub fn as_bytes_shared(&self) -> &Bytes {
        &self.0
    }

    /// Turns the string into its underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

/// An input chunk with the length of its longest prefix that is valid UTF-8, found once when the chunk is
/// fed. Values cut from that prefix at character boundaries need no check of their own, which spares a
/// second look at nearly every byte of a stream.
#[derive(Debug, Clone)]
pub(crate) struct CheckedChunk {
    bytes: Bytes,
    valid: usize,
}

impl CheckedChunk {
    pub(crate) fn new(bytes: Bytes) -> Self {
        let valid = valid_up_to(&bytes);
        CheckedChunk { bytes, valid }
    }

    /// A chunk whose first `checked` bytes are known to be valid UTF-8 ending at a character boundary (a
    /// prefix of another checked chunk's valid prefix): only the rest is checked.
    pub(crate) fn with_valid_prefix(bytes: Bytes, checked: usize) -> Self {
        let valid = checked + valid_up_to(&bytes[checked..]);
        CheckedChunk { bytes, valid }
    }

    /// A chunk whose first `valid` bytes are known to be valid UTF-8 ending at a character boundary (the rest
    /// of a checked chunk cut at a character boundary): no check. A shorter `valid` than the longest valid
    /// prefix only sends more values through the checked route.
    pub(crate) fn with_valid_len(bytes: Bytes, valid: usize) -> Self {
        let valid = valid.min(bytes.len());
        CheckedChunk { bytes, valid }
    }

    /// The chunk's bytes.
    pub(crate) fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// How long the chunk's prefix of valid UTF-8 is.
    pub(crate) fn valid_len(&self) -> usize {
        self.valid
    }

    /// `self[range]` as text, shared with the chunk; invalid UTF-8 is replaced by U+FFFD (a copy).
    pub(crate) fn text(&self, range: std::ops::Range<usize>) -> BytesStr {
        if self.is_text(range.clone()) {
            BytesStr(self.bytes.slice(range))
        } else {
            BytesStr::from_utf8_lossy(self.bytes.slice(range))
        }
    }

    /// Whether `self[range]` is known to be valid UTF-8: it lies inside the valid prefix and its ends fall on
    /// character boundaries (a range of valid UTF-8 cut at character boundaries is valid UTF-8 itself).
    pub(crate) fn is_text(&self, range: std::ops::Range<usize>) -> bool {
        range.start <= range.end
            && range.end <= self.valid
            && is_char_boundary(&self.bytes, range.start)
            && is_char_boundary(&self.bytes, range.end)
    }

    /// `self[range]` borrowed as text, when [`is_text`](Self::is_text) says it is valid UTF-8.
    #[allow(unsafe_code)]
    pub(crate) fn str(&self, range: std::ops::Range<usize>) -> Option<&str> {
        if !self.is_text(range.clone()) {
            return None;
        }
        let bytes = &self.bytes[range];
        // Another audited `unsafe` of the crate, for the same reason as `BytesStr::as_str`: the check was
        // done once, for the whole chunk, in `new`. Debug builds (the tests, the fuzzers) verify it.
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: `is_text` established that `bytes` lies inside `self.bytes[..self.valid]`, which `new` checked
        // to be valid UTF-8 (and `Bytes` is immutable), with both ends on character boundaries; such a
        // sub-slice of valid UTF-8 is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    }
}

impl Deref for CheckedChunk {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Whether `at` is a character boundary of the bytes (which must be valid UTF-8 up to it): not a
/// continuation byte.
fn is_char_boundary(bytes: &[u8], at: usize) -> bool {
    bytes.get(at).is_none_or(|&b| (b as i8) >= -0x40)
}

impl Deref for BytesStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for BytesStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for BytesStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for BytesStr {
    fn from(s: String) -> Self {
        BytesStr(Bytes::from(s.into_bytes()))
    }
}

impl From<&str> for BytesStr {
    fn from(s: &str) -> Self {
        BytesStr(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<BytesStr> for String {
    fn from(s: BytesStr) -> Self {
        s.as_str().to_owned()
    }
}

impl PartialEq<str> for BytesStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for BytesStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for BytesStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for BytesStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long the longest prefix of `bytes` that is valid UTF-8 is. Most chunks are ASCII, which the standard
/// library's ASCII check proves faster than its UTF-8 check does on short chunks; that one runs for the rest.
#[inline]
fn valid_up_to(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    }
}

/// Whether every byte is ASCII: ORs the bytes eight at a time and looks at the high bits once.
fn is_ascii(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut acc = 0u64;
    for word in &mut words {
        acc |= <[u8; 8]>::try_from(word).map_or(u64::MAX, u64::from_ne_bytes);
    }
    for &b in words.remainder() {
        acc |= u64::from(b);
    }
    acc & 0x8080_8080_8080_8080 == 0
}
