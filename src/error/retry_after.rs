//! What a response says about retrying, read as the official Python SDK reads it (`_parse_retry_after_header`
//! and `_should_retry` of `anthropic` 2.13's `_base_client.py`): `x-should-retry`, `retry-after-ms`,
//! `retry-after` (seconds or an HTTP date), and the statuses worth retrying.

use std::time::{SystemTime, UNIX_EPOCH};

/// What a response's headers say about retrying, kept on the [`ApiError`] made from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RetryHeaders {
    /// `x-should-retry`, when it is exactly `true` or `false`.
    pub(crate) should_retry: Option<bool>,
    /// `retry-after-ms`, `retry-after`, as the SDK reads them.
    pub(crate) after: Option<RetryAfter>,
}

impl RetryHeaders {
    /// Reads the headers that matter (names compared without case; a repeated header's values are joined with
    /// `", "`, as the SDK's HTTP library does).
    pub(crate) fn read<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> RetryHeaders {
        let (mut should, mut after_ms, mut after) = (None::<String>, None::<String>, None::<String>);
        for (name, value) in headers {
            let slot = match name.to_ascii_lowercase().as_str() {
                "x-should-retry" => &mut should,
                "retry-after-ms" => &mut after_ms,
                "retry-after" => &mut after,
                _ => continue,
            };
            match slot {
                Some(joined) => {
                    joined.push_str(", ");
                    joined.push_str(value);
                }
                None => *slot = Some(value.to_owned()),
            }
        }
        let should_retry = match should.as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        // `retry-after-ms` first, in milliseconds; then `retry-after` in seconds (a float is accepted); then
        // `retry-after` as an HTTP date.
        let after = if let Some(ms) = after_ms.as_deref().and_then(python_float) {
            Some(RetryAfter::Seconds(ms / 1000.0))
        } else if let Some(seconds) = after.as_deref().and_then(python_float) {
            Some(RetryAfter::Seconds(seconds))
        } else {
            after.as_deref().and_then(http_date).map(RetryAfter::At)
        };
        RetryHeaders { should_retry, after }
    }
}

/// How long a server asked to wait before a retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetryAfter {
    /// A number of seconds (`retry-after-ms` / 1000, or `retry-after` as a number; may be zero, negative or
    /// not finite, as sent: only a positive wait is used).
    Seconds(f64),
    /// A moment (`retry-after` as an HTTP date), in seconds since the Unix epoch.
    At(i64),
}

impl RetryAfter {
    /// The wait in seconds, counted from `now` for a date.
    pub fn seconds_from(&self, now: SystemTime) -> f64 {
        match *self {
            RetryAfter::Seconds(seconds) => seconds,
            RetryAfter::At(at) => {
                let now = match now.duration_since(UNIX_EPOCH) {
                    Ok(since) => since.as_secs_f64(),
                    Err(before) => -before.duration().as_secs_f64(),
                };
                at as f64 - now
            }
        }
    }
}

/// The SDK's retry rule on a status: 408, 409, 429 and every status from 500.
pub(crate) fn status_says_retry(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// Python's `float(text)`: surrounding whitespace, a sign, digits with single underscores between them, a
/// fraction, an exponent, `inf`, `infinity`, `nan` in any case.
fn python_float(text: &str) -> Option<f64> {
    let text = text.trim_matches(|c: char| c.is_whitespace());
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let digit = |j: Option<usize>| j.and_then(|j| bytes.get(j)).is_some_and(u8::is_ascii_digit);
            if !digit(i.checked_sub(1)) || !digit(Some(i + 1)) {
                return None;
            }
        }
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    // Rust reads the same grammar, but also `infinity` spelled other ways and a lone sign never: check the
    // alphabetic forms by hand.
    let unsigned = plain.trim_start_matches(['+', '-']);
    if unsigned.len() + 1 < plain.len() {
        return None;
    }
    if unsigned.chars().any(|c| c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E')) {
        let word = unsigned.to_ascii_lowercase();
        if !matches!(word.as_str(), "inf" | "infinity" | "nan") {
            return None;
        }
    }
    plain.parse().ok()
}

/// Python's `int(text)` on a piece of a date: a sign, digits with single underscores between them.
fn python_int(text: &str) -> Option<i64> {
    let f = python_float(text)?;
    let unsigned = text.trim_start_matches(['+', '-']);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    (f.abs() < 1e15).then_some(f as i64)
}

const MONTHS: [&str; 24] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ZONES: [(&str, i64); 14] = [
    ("UT", 0),
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("AST", -400),
    ("ADT", -300),
    ("EST", -500),
    ("EDT", -400),
    ("CST", -600),
    ("CDT", -500),
    ("MST", -700),
    ("MDT", -600),
    ("PST", -800),
    ("PDT", -700),
];

/// An HTTP date as Python's `email.utils.parsedate_tz` then `mktime_tz` read it (lenient RFC 2822, the forms
/// the SDK accepts), in seconds since the Unix epoch.
fn http_date(text: &str) -> Option<i64> {
    let mut data: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if data.is_empty() {
        return None;
    }
    if data[0].ends_with(',') || DAYS.contains(&data[0].to_lowercase().as_str()) {
        data.remove(0);
    } else if let Some(i) = data[0].rfind(',') {
        data[0] = data[0][i + 1..].to_owned();
    }
    if data.len() == 3 {
        let stuff: Vec<String> = data[0].split('-').map(str::to_owned).collect();
        if stuff.len() == 3 {
            data = stuff.into_iter().chain(data[1..].iter().cloned()).collect();
        }
    }
    if data.len() == 4 {
        let s = data[3].clone();
        let i = s.find('+').or_else(|| s.find('-'));
        match i {
            Some(i) if i > 0 => {
                data.truncate(3);
                data.push(s[..i].to_owned());
                data.push(s[i..].to_owned());
            }
            _ => data.push(String::new()),
        }
    }
    if data.len() < 5 {
        return None;
    }
    let [mut dd, mut mm, mut yy, mut tm, mut tz] =
        [data[0].clone(), data[1].clone(), data[2].clone(), data[3].clone(), data[4].clone()];
    if dd.is_empty() || mm.is_empty() || yy.is_empty() {
        return None;
    }
    mm = mm.to_lowercase();
    if !MONTHS.contains(&mm.as_str()) {
        std::mem::swap(&mut dd, &mut mm);
        mm = mm.to_lowercase();
        if !MONTHS.contains(&mm.as_str()) {
            return None;
        }
    }
    let mut month = MONTHS.iter().position(|m| *m == mm)? as i64 + 1;
    if month > 12 {
        month -= 12;
    }
    if dd.ends_with(',') {
        dd.pop();
    }
    if yy.find(':').is_some_and(|i| i > 0) {
        std::mem::swap(&mut yy, &mut tm);
    }
    if yy.ends_with(',') {
        yy.pop();
        if yy.is_empty() {
            return None;
        }
    }
    if !yy.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        std::mem::swap(&mut yy, &mut tz);
    }
    if tm.ends_with(',') {
        tm.pop();
    }
    let parts: Vec<&str> = tm.split(':').collect();
    let (hh, mi, ss) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        [one] if one.contains('.') => match one.split('.').collect::<Vec<_>>().as_slice() {
            [h, m] => (*h, *m, "0"),
            [h, m, s] => (*h, *m, *s),
            _ => return None,
        },
        _ => return None,
    };
    let (mut year, day, hour, minute, second) =
        (python_int(&yy)?, python_int(&dd)?, python_int(hh)?, python_int(mi)?, python_int(ss)?);
    if year < 100 {
        year += if year > 68 { 1900 } else { 2000 };
    }
    let tz = tz.to_uppercase();
    let mut offset = match ZONES.iter().find(|(name, _)| *name == tz) {
        Some((_, offset)) => *offset,
        None => python_int(&tz).unwrap_or(0),
    };
    if offset != 0 {
        let sign = offset.signum();
        offset = offset.abs();
        offset = sign * ((offset / 100) * 3600 + (offset % 100) * 60);
    }
    // `calendar.timegm`: the days from the epoch to the first of the month (a date Python can make: years 1 to
    // 9999), plus the rest, unchecked.
    if !(1..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, 1) + day - 1;
    Some(((days * 24 + hour) * 60 + minute) * 60 + second - offset)
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
