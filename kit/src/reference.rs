//! The naive references that fast paths are checked against, written straight from the standard's text with
//! no thought for speed.

/// A frame as plain values: event type, data, last event id, retry.
pub type Plain = (String, String, String, Option<u64>);

/// A deliberately naive reading of the WHATWG rules, written straight from the text (whole input, decoded
/// to a string first, split into lines), to check the incremental decoder against. Returns the frames and
/// whether anything was left undispatched at the end.
pub fn sse(input: &[u8]) -> (Vec<Plain>, bool) {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = String::from_utf8_lossy(input);
    let mut lines = Vec::new();
    let mut rest = &*text;
    let mut ended_cleanly = true;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                ended_cleanly = false;
                break;
            }
        }
    }
    let (mut frames, mut event, mut data, mut id, mut retry) =
        (Vec::new(), String::new(), String::new(), String::new(), None);
    let mut has_data = false;
    for line in lines {
        if line.is_empty() {
            if has_data {
                data.pop();
                let ty = if event.is_empty() { "message".to_owned() } else { event.clone() };
                frames.push((ty, std::mem::take(&mut data), id.clone(), retry));
            }
            data.clear();
            event.clear();
            has_data = false;
            retry = None;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((n, v)) => (n, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match name {
            "event" => event = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
                has_data = true;
            }
            "id" if !value.contains('\0') => id = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => retry = value.parse().ok(),
            _ => {}
        }
    }
    let leftover = !ended_cleanly || has_data || !event.is_empty();
    (frames, leftover)
}

/// JSON text as the crate writes what it keeps as text, character by character: outside strings, whitespace
/// dropped and `NaN`, `Infinity`, `-Infinity` written `null`; everything else copied.
pub fn compact_json(text: &str) -> String {
    rewrite_json(text, true)
}

/// `text` with `NaN`, `Infinity` and `-Infinity` outside strings written `null`, whitespace kept: standard JSON
/// exactly when `text` is JSON to the SDK's reader.
pub fn non_finite_as_null(text: &str) -> String {
    rewrite_json(text, false)
}

fn rewrite_json(text: &str, drop_whitespace: bool) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string {
            if let Some(token) = ["NaN", "Infinity", "-Infinity"].into_iter().find(|t| rest.starts_with(t)) {
                out.push_str("null");
                rest = &rest[token.len()..];
                continue;
            }
        }
        rest = &rest[c.len_utf8()..];
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !drop_whitespace || !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
            in_string = c == '"';
        }
    }
    out
}
