//! The escapes of JSON strings, decoded in one place for the delta fast path and the partial-JSON parser.
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

#[cfg(test)]
mod tests {
    use super::*;

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
