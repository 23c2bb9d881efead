//! Text helpers under every layer (a leaf: it imports nothing from the crate): the escapes of JSON strings,
//! decoded in one place for the delta fast path and the partial-JSON parser, and excerpts for error messages.
//!
//! Both used to hand escaped strings to `serde_json`; decoding here gives the same text and the same
//! rejections (invalid escapes, lone surrogates) without building a deserializer per string.

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

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| Some(acc * 16 + (d as char).to_digit(16)?))
}

/// How many leading bytes of `bytes` need no attention inside a JSON string: the length of the run before
/// the first quote, backslash or control character (or of all of `bytes`). Eight bytes at a time: strings in
/// JSON are mostly short, where a `memchr` call costs more to set up than this takes.
pub(crate) fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For each byte of `v`: its high bit set in the result when the byte is below `n` (n <= 0x80), exact for
    // the lowest such byte, which is the one wanted.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let v = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let special = below(v ^ (ONES * u64::from(b'"')), 1) | below(v ^ (ONES * u64::from(b'\\')), 1) | below(v, 0x20);
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..].iter().take_while(|&&b| !matches!(b, b'"' | b'\\' | 0..0x20)).count()
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
}
