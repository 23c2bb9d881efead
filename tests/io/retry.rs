//! Retry advice equal to the official Python SDK's: every row of `tests/retry/table.json` (made by
//! `make_table.py` with the SDK's own `_should_retry`, `_parse_retry_after_header` and
//! `_calculate_retry_timeout`, the clock and the jitter fixed) must come out the same here; and the rule for
//! errors that no response headers come with.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anthropic_sse::error::{RetryAfter, RetryPolicy};
use anthropic_sse::{ApiError, BlockingEvents, Error};
use serde_json::Value;

/// The table's fixed clock and jitter (`now`, `random` in the file; checked below).
const NOW: f64 = 1_750_000_000.25;
const RANDOM: f64 = 0.375;

/// The SDK's policy with the table's "now" and random number, injected as closures that capture them (no
/// global).
fn policy() -> RetryPolicy {
    let (now, random) = (UNIX_EPOCH + Duration::from_secs_f64(NOW), RANDOM);
    RetryPolicy::sdk_default().with_jitter(move || random).with_clock(move || now)
}

#[test]
fn the_python_sdk_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/retry/table.json");
    let table: Value = serde_json::from_slice(&std::fs::read(path).expect("the table")).expect("JSON");
    assert_eq!((table["now"].as_f64(), table["random"].as_f64()), (Some(NOW), Some(RANDOM)));
    let now = UNIX_EPOCH + Duration::from_secs_f64(NOW);
    let rows = table["rows"].as_array().expect("rows");
    assert!(rows.len() > 500, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in rows {
        let status = row["status"].as_u64().unwrap() as u16;
        let headers: Vec<(&str, &str)> = row["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect();
        let error = ApiError::from_response_with_headers(status, headers.iter().copied(), b"");
        let case = format!("{status} {headers:?}");
        if error.should_retry() != row["should_retry"].as_bool().unwrap() {
            failures.push(format!("{case}: should_retry {} (SDK {})", error.should_retry(), row["should_retry"]));
        }
        let ours = error.retry_after().map(|after| after.seconds_from(now));
        let same = match (&row["retry_after"], ours) {
            (Value::Null, None) => true,
            (Value::Number(n), Some(s)) => (n.as_f64().unwrap() - s).abs() < 1e-6,
            (Value::String(word), Some(s)) => match word.as_str() {
                "inf" => s == f64::INFINITY,
                "-inf" => s == f64::NEG_INFINITY,
                "nan" => s.is_nan(),
                _ => false,
            },
            _ => false,
        };
        if !same {
            failures.push(format!("{case}: retry_after {ours:?} (SDK {})", row["retry_after"]));
        }
        for (n, expected) in row["timeouts"].as_array().unwrap().iter().enumerate() {
            let wait = policy().wait(n as u32, error.retry_after()).as_secs_f64();
            if (wait - expected.as_f64().unwrap()).abs() > 1e-6 {
                failures.push(format!("{case}: wait before retry {n} {wait} (SDK {expected})"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} rows differ:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

/// After HTTP 200 there are no headers: the status the error's type stands for decides, and Bedrock's
/// exceptions by theirs. Transport failures and cut streams are retried; protocol and JSON errors are not.
#[test]
fn errors_without_headers() {
    let event = |kind: &str| {
        let data = format!(r#"{{"type":"error","error":{{"type":"{kind}","message":"m"}}}}"#);
        ApiError::from_event_data(data.as_bytes(), None)
    };
    for (kind, retry) in [
        ("overloaded_error", true),
        ("rate_limit_error", true),
        ("api_error", true),
        ("timeout_error", true),
        ("conflict_error", true),
        ("invalid_request_error", false),
        ("authentication_error", false),
        ("permission_error", false),
        ("not_found_error", false),
        ("request_too_large", false),
        ("billing_error", false),
        ("some_future_error", false),
    ] {
        assert_eq!(event(kind).should_retry(), retry, "{kind}");
        assert_eq!(Error::from(event(kind)).should_retry(), retry, "{kind}");
    }
    let cut = BlockingEvents::new(&b"event: ping\ndata: {}\n\n"[..]).final_message().unwrap_err();
    assert!(cut.should_retry());
    assert!(Error::transport(std::io::Error::other("reset")).should_retry());
    let protocol = BlockingEvents::new(&b"data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"[..])
        .final_message()
        .unwrap_err();
    assert!(!protocol.should_retry(), "{protocol}");
    // The policy: no delay for what is not retried; the backoff, doubling to 8 s, for what is.
    assert_eq!(policy().delay(0, &Error::from(event("invalid_request_error"))), None);
    let waits: Vec<f64> = (0..6).map(|n| policy().delay(n, &cut).unwrap().as_secs_f64()).collect();
    let jitter = 1.0 - 0.25 * RANDOM;
    assert_eq!(waits, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0].map(|s| s * jitter));
    // A date in the past, a zero or a negative ask: the backoff.
    for after in [RetryAfter::At(0), RetryAfter::Seconds(0.0), RetryAfter::Seconds(-3.0), RetryAfter::Seconds(f64::NAN)]
    {
        assert_eq!(policy().wait(1, Some(after)).as_secs_f64(), 1.0 * jitter, "{after:?}");
    }
    assert_eq!(policy().wait(0, Some(RetryAfter::Seconds(f64::INFINITY))).as_secs_f64(), 4_294_967.0);
    let _ = SystemTime::now();
}
