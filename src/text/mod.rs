//! Text helpers under every layer (a leaf: it imports nothing from the crate): the escapes of JSON strings,
//! decoded in one place for the delta fast path and the partial-JSON parser, and excerpts for error messages.
//!
//! Both used to hand escaped strings to `serde_json`; decoding here gives the same text and the same
//! rejections (invalid escapes, lone surrogates) without building a deserializer per string.

pub(crate) mod non_finite;

/// What JSON counts as whitespace between tokens: space, tab, line feed, carriage return. The one test of it
/// in the crate.
#[inline(always)]
pub(crate) fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The JSON whitespace characters, for `str::trim_matches` and its kind.
pub(crate) const JSON_WS: [char; 4] = [' ', '\t', '\n', '\r'];

/// Decodes the escape after a backslash; returns the character and how many bytes it took. `None` for an
/// invalid or cut-off escape and for a lone surrogate, which `serde_json` rejects too.
pub(crate) fn unescape(after: &[u8]) -> Option<(char, usize)> {
    let c = match *after.first()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let high = hex4(after.get(1..5)?)?;
            if (0xD800..0xDC00).contains(&high) {
                if after.get(5..7)? != b"\\u" {
                    return None;
                }
                let low = hex4(after.get(7..11)?)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return Some((char::from_u32(code)?, 11));
            }
            return Some((char::from_u32(high)?, 5));
        }
        _ => return None,
    };
    Some((c, 1))
}

/// The value of each ASCII hex digit; `0xFF` for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let mut d = 0;
    while d < 6 {
        table[b'a' as usize + d] = 10 + d as u8;
        table[b'A' as usize + d] = 10 + d as u8;
        d += 1;
    }
    table
};

/// The value of four hex digits; `None` unless `digits` is exactly four of them.
#[inline]
pub(crate) fn hex4(digits: &[u8]) -> Option<u32> {
    let &[a, b, c, d] = digits else { return None };
    let [a, b, c, d] = [HEX[a as usize], HEX[b as usize], HEX[c as usize], HEX[d as usize]];
    if (a | b | c | d) & 0xF0 != 0 {
        return None;
    }
    Some((u32::from(a) << 12) | (u32::from(b) << 8) | (u32::from(c) << 4) | u32::from(d))
}

/// How many leading bytes of `bytes` need no attention inside a JSON string: the length of the run before
/// the first quote, backslash or control character (or of all of `bytes`). Eight bytes at a time: strings in
/// JSON are mostly short, where a `memchr` call costs more to set up than this takes.
pub(crate) fn plain_len(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let special = special_mask(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..].iter().take_while(|&&b| !matches!(b, b'"' | b'\\' | 0..0x20)).count()
}

/// The bytes [`plain_len`] stops at, as a mask with the high bit of each such byte of `v` set (exact for the
/// lowest one, which is the one wanted).
#[inline(always)]
pub(crate) fn special_mask(v: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For each byte of `v`: its high bit set in the result when the byte is below `n` (n <= 0x80), exact for
    // the lowest such byte.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    below(v ^ (ONES * u64::from(b'"')), 1) | below(v ^ (ONES * u64::from(b'\\')), 1) | below(v, 0x20)
}

/// The bytes [`plain_len`] stops at among the sixteen of `block`, one bit each (bit `k` for `block[k]`); only
/// the lowest set bit is meaningful.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn special_mask16(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: the `cfg` above guarantees SSE2 (part of the x86_64 baseline), so the intrinsics are
    // available; the unaligned load reads exactly the sixteen bytes `block` refers to.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Below 0x20 (unsigned) exactly when the larger of the byte and 0x1F is 0x1F.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
}

/// [`special_mask16`] for other targets, two words at a time.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
pub(crate) fn special_mask16(block: &[u8; 16]) -> u32 {
    let word = |k: usize| u64::from_le_bytes(block[k..k + 8].try_into().unwrap_or_default());
    let low = special_mask(word(0));
    if low != 0 {
        return 1 << (low.trailing_zeros() / 8);
    }
    let high = special_mask(word(8));
    if high != 0 {
        return 1 << (8 + high.trailing_zeros() / 8);
    }
    0
}

/// Decodes the body of a JSON string up to its closing quote, appending the text to `out`; returns where the
/// byte after the quote sits in `s`. `None` when there is no closing quote, for a raw control character and
/// for a bad escape or lone surrogate (what [`unescape`] refuses); `out` then holds what it held before.
///
/// Plain runs are copied sixteen bytes at a time into room made up front (the decoded text is never longer
/// than `s`): a block is stored whole and the write position moves on by as much of it as is plain, so runs
/// between escapes cost no call and no per-run length check.
#[allow(unsafe_code)]
pub(crate) fn decode_until_quote(s: &str, out: &mut String) -> Option<usize> {
    let bytes = s.as_bytes();
    // Worked on as bytes, away from `out`: a panic leaves `out` empty, never holding broken UTF-8.
    let mut buf = std::mem::take(out).into_bytes();
    let base = buf.len();
    buf.resize(base + bytes.len(), 0);
    let result = decode_into(bytes, &mut buf[base..]);
    buf.truncate(base + result.map_or(0, |(_, written)| written));
    debug_assert!(std::str::from_utf8(&buf[base..]).is_ok());
    // SAFETY: `buf` held a `String`'s bytes up to `base`; after it come whole runs of `s` (a `str`) cut only
    // before ASCII bytes (quote, backslash, control) or at its end, each escape's ASCII byte or the UTF-8 of
    // the `char` it encodes, so every byte kept is part of valid UTF-8. On `None` it is cut back to `base`.
    *out = unsafe { String::from_utf8_unchecked(buf) };
    result.map(|(end, _)| end)
}

/// [`decode_until_quote`] into `dst` (as long as `src`): where the text after the closing quote starts, and
/// how many bytes were written.
#[inline(always)]
fn decode_into(src: &[u8], dst: &mut [u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut d = 0;
    loop {
        // `d <= i` throughout (escapes never grow), so `dst[d..d + 16]` is in bounds when `src[i..i + 16]` is.
        let mut special = 0;
        while let (Some(block), Some(to)) = (src.get(i..i + 16), dst.get_mut(d..d + 16)) {
            // The whole block is stored; only its plain run counts.
            to.copy_from_slice(block);
            special = special_mask16(block.try_into().unwrap_or(&[0; 16]));
            if special != 0 {
                break;
            }
            i += 16;
            d += 16;
        }
        let b = if special != 0 {
            let k = special.trailing_zeros() as usize;
            i += k;
            d += k;
            *src.get(i)?
        } else {
            // Fewer than sixteen bytes left: one at a time.
            let mut b = *src.get(i)?;
            while !matches!(b, b'"' | b'\\' | 0..0x20) {
                *dst.get_mut(d)? = b;
                d += 1;
                i += 1;
                b = *src.get(i)?;
            }
            b
        };
        match b {
            b'"' => return Some((i + 1, d)),
            b'\\' => {
                let e = *src.get(i + 1)?;
                if let b'"' | b'\\' | b'/' = e {
                    *dst.get_mut(d)? = e;
                    d += 1;
                    i += 2;
                } else {
                    let (c, used) = unescape(&src[i + 1..])?;
                    let n = c.len_utf8();
                    c.encode_utf8(dst.get_mut(d..d + n)?);
                    d += n;
                    i += 1 + used;
                }
            }
            _ => return None,
        }
    }
}

/// Decodes a whole string body (the text between the quotes, known to hold no raw control character and no
/// unescaped quote), appending it to `out`. `None` on an invalid escape.
pub(crate) fn decode_body(body: &str, out: &mut String) -> Option<()> {
    let bytes = body.as_bytes();
    let mut start = 0;
    while let Some(k) = memchr::memchr(b'\\', &bytes[start..]) {
        let at = start + k;
        out.push_str(&body[start..at]);
        let (c, used) = unescape(&bytes[at + 1..])?;
        out.push(c);
        start = at + 1 + used;
    }
    out.push_str(&body[start..]);
    Some(())
}

/// JSON text as the crate writes it: `text` (JSON the crate validated, kept as it arrived) with the whitespace
/// between tokens dropped and each `NaN`, `Infinity` and `-Infinity` (which the SDK reads and standard JSON
/// has no room for) written `null`, as `serde_json` and `JSON.stringify` write a non-finite float. Nothing else
/// changes: strings (escapes included), digits, exponents and key order are copied byte for byte, so every
/// line the crate writes is one standard JSON value. A lexer, not a parser: it tells strings from the rest and
/// trusts the text to be JSON. Borrowed when nothing changes; else one buffer, whatever the text holds.
pub(crate) fn compact_json(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // Up to the first change nothing is written; most text the API sends has a space after each `:` and `,`.
    let mut at = 0;
    let first = loop {
        let Some(&b) = bytes.get(at) else { return std::borrow::Cow::Borrowed(text) };
        match b {
            b'"' => at = string_end(bytes, at + 1),
            b' ' | b'\t' | b'\n' | b'\r' => break at,
            b'N' | b'I' | b'-' if non_finite_len(&bytes[at..]).is_some() => break at,
            _ => at += 1,
        }
    };
    // Room for the worst case, every `NaN` (3 bytes) written `null` (4).
    let mut out = vec![0u8; bytes.len() + bytes.len() / 3 + 1];
    out[..first].copy_from_slice(&bytes[..first]);
    let (mut read, mut written) = (first, first);
    while let Some(&b) = bytes.get(read) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => read += 1,
            b'"' => {
                let end = string_end(bytes, read + 1);
                out[written..written + end - read].copy_from_slice(&bytes[read..end]);
                written += end - read;
                read = end;
            }
            b'N' | b'I' | b'-' if non_finite_len(&bytes[read..]).is_some() => {
                out[written..written + 4].copy_from_slice(b"null");
                written += 4;
                read += non_finite_len(&bytes[read..]).unwrap_or(1);
            }
            _ => {
                out[written] = b;
                written += 1;
                read += 1;
            }
        }
    }
    out.truncate(written);
    // Cut only before or after ASCII bytes, so still UTF-8; the check is the cost of not trusting that.
    match String::from_utf8(out) {
        Ok(out) => std::borrow::Cow::Owned(out),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

/// Serializes `json`, JSON text the crate validated when it kept it, as [`compact_json`] writes it: through
/// `serde_json`'s raw-value form (a one-field struct under `serde_json`'s own raw-value name, as
/// `serde_json::value::RawValue` serializes itself), which `serde_json`'s serializers write verbatim, so the text
/// is not read again: a `&RawValue` would cost a second walk of the whole text, as much as writing it. Other
/// serializers see that struct, as they see a `RawValue`. The tests hold `serde_json` to writing it verbatim.
pub(crate) fn serialize_json_text<S: serde::Serializer>(json: &str, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    /// `serde_json`'s name for its raw value (`serde_json::raw::TOKEN`, the one `RawValue` serializes under).
    const RAW_VALUE: &str = "$serde_json::private::RawValue";
    let text = compact_json(json);
    let mut raw = serializer.serialize_struct(RAW_VALUE, 1)?;
    raw.serialize_field(RAW_VALUE, &*text)?;
    raw.end()
}

/// The length of the non-finite number (`NaN`, `Infinity`, `-Infinity`) that `bytes` starts with, if any.
pub(crate) fn non_finite_len(bytes: &[u8]) -> Option<usize> {
    [&b"NaN"[..], b"Infinity", b"-Infinity"].into_iter().find(|token| bytes.starts_with(token)).map(<[u8]>::len)
}

/// Where the string whose body starts at `from` ends: the byte after its closing quote (or the end of
/// `bytes`, for a cut-off string).
pub(crate) fn string_end(bytes: &[u8], mut from: usize) -> usize {
    // Word by word ([`plain_len`]): most strings are short, where a `memchr` call costs more to set up.
    loop {
        from += plain_len(bytes.get(from..).unwrap_or_default());
        match bytes.get(from) {
            None => return bytes.len(),
            Some(b'"') => return from + 1,
            Some(b'\\') => from += 2,
            // A control character, which JSON text does not hold in a string: stepped over.
            Some(_) => from += 1,
        }
    }
}

/// At most 80 characters of `text`, for error messages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte test and the characters for `trim_matches` are the same set.
    #[test]
    fn json_whitespace_is_one_set() {
        let from_test: Vec<char> = (0..=u8::MAX).filter(|&b| is_json_ws(b)).map(char::from).collect();
        assert_eq!(from_test, {
            let mut set = JSON_WS;
            set.sort();
            set
        });
    }

    /// The writer drops whitespace between tokens and writes non-finite numbers `null`, and changes nothing
    /// else: not inside strings (whitespace, escapes, `NaN` as text), not digits or exponents.
    #[test]
    fn compact_json_drops_whitespace_between_tokens_only() {
        use std::borrow::Cow;
        for (text, written) in [
            ("{\n\t\"a\" : [1 ,\r\n 2.50e+3 ] }", r#"{"a":[1,2.50e+3]}"#),
            (r#"{"s": " a \" b\\", "t" :"NaN Infinity"}"#, r#"{"s":" a \" b\\","t":"NaN Infinity"}"#),
            ("[NaN, Infinity, -Infinity, -1, 1e400]", "[null,null,null,-1,1e400]"),
            ("NaN", "null"),
            (" 1 ", "1"),
            ("\"\\\"\"", "\"\\\"\""),
        ] {
            assert_eq!(compact_json(text), written, "{text}");
        }
        for already in [r#"{"a":[1,2]}"#, r#""x y""#, "", r#"{"k":"\" \n"}"#] {
            assert!(matches!(compact_json(already), Cow::Borrowed(_)), "{already}");
        }
    }

    /// `serde_json` writes the raw-value form verbatim (compacted), to text and to a `Value`: were its private
    /// name ever to change, this fails rather than the crate writing `{"$serde_json::private::RawValue": ..}`.
    #[test]
    fn serde_json_writes_json_text_verbatim() {
        struct Text(&'static str);
        impl serde::Serialize for Text {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_json_text(self.0, serializer)
            }
        }
        let text = Text("{ \"b\" : [1.50, NaN, 123456789012345678901234567890] ,\n\"a\":\"x y\" }");
        let written = r#"{"b":[1.50,null,123456789012345678901234567890],"a":"x y"}"#;
        assert_eq!(serde_json::to_string(&text).unwrap(), written);
        assert_eq!(serde_json::to_string(&[&text, &text]).unwrap(), format!("[{written},{written}]"));
        assert_eq!(serde_json::to_string_pretty(&text).unwrap(), written);
        let value = serde_json::to_value(&text).unwrap();
        assert_eq!(value["a"], "x y");
        assert_eq!(value["b"][1], serde_json::Value::Null);
    }

    proptest::proptest! {
        /// Any JSON value written with indentation comes out as `serde_json` writes it on one line.
        #[test]
        fn compact_json_of_pretty_json_is_serde_json_compact(value in kit_json()) {
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            proptest::prop_assert_eq!(compact_json(&pretty), serde_json::to_string(&value).unwrap());
        }
    }

    fn kit_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
            "[ \t\n\r\"\\a-zé\u{2028}\u{1}]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[ a-z\"\n]{0,4}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The word-at-a-time scan stops exactly where a byte-by-byte one does, wherever the byte sits.
    #[test]
    fn plain_len_agrees_with_a_byte_loop() {
        let slow = |b: &[u8]| b.iter().take_while(|&&c| !matches!(c, b'"' | b'\\' | 0..0x20)).count();
        for len in 0..40 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0, 0x1f, 0x20, b'!', b'[', b']', 0x7f, 0x80, 0xff, 0xa2, 0xdc] {
                    let mut bytes: Vec<u8> = (0..len).map(|k| b'a' + (k % 26) as u8).collect();
                    if at < len {
                        bytes[at] = special;
                    }
                    // A second special byte further on must not hide the first.
                    if at + 3 < len {
                        bytes[at + 3] = b'"';
                    }
                    assert_eq!(plain_len(&bytes), slow(&bytes), "{bytes:?}");
                }
            }
        }
    }

    /// The same text as serde_json, and a rejection where it rejects, for every escape form.
    #[test]
    fn agrees_with_serde_json() {
        for body in [
            "plain",
            r#"a\"b\\c\/d\be\ff\ng\rh\ti"#,
            r"\u00e9\u4e2d\ud83d\ude00 end",
            r"\ud83d",
            r"\ude00",
            r"\ud83dx",
            r"\ud83d\u0041",
            r"\u12",
            r"\x",
            r"trailing\",
            "",
        ] {
            let mut out = String::new();
            let ours = decode_body(body, &mut out).map(|()| out);
            let theirs = serde_json::from_str::<String>(&format!("\"{body}\"")).ok();
            assert_eq!(ours, theirs, "{body}");
        }
    }

    /// [`decode_until_quote`] gives serde_json's text and rejections, with escapes, multi-byte characters and
    /// the closing quote at every offset around the sixteen-byte blocks, and leaves `out` as it was on `None`.
    #[test]
    fn decode_until_quote_agrees_with_serde_json() {
        let specials = [
            r#"\""#,
            r"\\",
            r"\/",
            r"\n",
            r"\t",
            r"\u00e9",
            r"\ud83d\ude00",
            "é",
            "🦅",
            r"\ud83d",
            r"\ude00",
            r"\ud83dx",
            r"\x",
            r"\u12",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            " ",
        ];
        for len in 0..40 {
            for at in 0..=len {
                for special in specials {
                    for second in ["", r#"\""#, "é"] {
                        let body = format!(
                            "{}{special}{}{second}{}",
                            "a".repeat(at),
                            "b".repeat(len - at),
                            "c".repeat(at % 5)
                        );
                        let expected = serde_json::from_str::<String>(&format!("\"{body}\"")).ok();
                        for tail in ["\"}}", "\"", ""] {
                            let s = format!("{body}{tail}");
                            let mut out = String::from("kept");
                            let end = decode_until_quote(&s, &mut out);
                            if tail.is_empty() {
                                assert_eq!(end, None, "{s:?}");
                            } else {
                                assert_eq!(end.map(|e| &s[e..]), expected.as_ref().map(|_| &tail[1..]), "{s:?}");
                            }
                            match (&expected, end) {
                                (Some(text), Some(_)) => assert_eq!(out, format!("kept{text}"), "{s:?}"),
                                _ => assert_eq!(out, "kept", "{s:?}"),
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sixteen bytes at a time, the first byte that needs attention is where a byte loop finds it.
    #[test]
    fn special_mask16_finds_the_first_special_byte() {
        for at in 0..16 {
            for special in [b'"', b'\\', 0, 0x1f, 0x20, b'!', 0x7f, 0x80, 0xff, 0xdc] {
                let mut block = [b'a'; 16];
                block[at] = special;
                if at + 3 < 16 {
                    block[at + 3] = b'"';
                }
                let slow = block.iter().position(|&c| matches!(c, b'"' | b'\\' | 0..0x20)).map_or(32, |k| k as u32);
                assert_eq!(special_mask16(&block).trailing_zeros(), slow, "{block:?}");
            }
        }
    }
}
