//! The real corpora beside the project (`../shared/corpus/real`, `../shared/corpus/bedrock`), and the comparison rules of spec §5 (sorted
//! keys, `null` equal to an absent key, numbers by value).

use std::path::PathBuf;

use serde_json::Value;

/// The directory of real recorded streams: `$ANTHROPIC_SSE_CORPUS`, else `../shared/corpus/real`. `None`
/// (after a printed notice) when it is absent, unless `ANTHROPIC_SSE_REQUIRE_CORPUS` is set, as CI does:
/// then its absence fails the test.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ANTHROPIC_SSE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/real"));
    present(dir)
}

/// `dir` when it exists; else `None` after a notice, or a panic under `ANTHROPIC_SSE_REQUIRE_CORPUS`.
fn present(dir: PathBuf) -> Option<PathBuf> {
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("ANTHROPIC_SSE_REQUIRE_CORPUS").is_some() {
        panic!("the corpus {} is missing and ANTHROPIC_SSE_REQUIRE_CORPUS is set", dir.display());
    }
    // Written to the process's stderr itself, which the test harness does not capture: a skip is seen
    // without --nocapture.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: corpus {} not found: this test skipped all of its corpus cases (set ANTHROPIC_SSE_CORPUS to \
         point at it; ANTHROPIC_SSE_REQUIRE_CORPUS=1 makes this a failure)",
        dir.display()
    );
    None
}

/// Every `X.sse` of the corpus with the parsed `X.final.json`, sorted by name.
pub fn corpus() -> Vec<(String, Vec<u8>, Value)> {
    let Some(dir) = corpus_dir() else { return Vec::new() };
    read_cases(&dir, "sse")
}

/// The directory of real Bedrock bodies: `$ANTHROPIC_SSE_BEDROCK_CORPUS`, else `../shared/corpus/bedrock`,
/// under the same rules as [`corpus_dir`].
pub fn bedrock_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ANTHROPIC_SSE_BEDROCK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/bedrock"));
    present(dir)
}

/// Every `X.bin` of the Bedrock corpus with the parsed `X.final.json`, sorted by name.
pub fn bedrock() -> Vec<(String, Vec<u8>, Value)> {
    let Some(dir) = bedrock_dir() else { return Vec::new() };
    read_cases(&dir, "bin")
}

/// Every `X.<extension>` of `dir` with the parsed `X.final.json`, sorted by name.
fn read_cases(dir: &std::path::Path, extension: &str) -> Vec<(String, Vec<u8>, Value)> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some(extension) {
            continue;
        }
        let name = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_owned();
        let expected_path = dir.join(format!("{name}.final.json"));
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&expected_path).expect("X.final.json beside X.sse"))
                .expect("X.final.json is JSON");
        cases.push((name, std::fs::read(&path).expect("X.sse is readable"), expected));
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!cases.is_empty(), "the corpus {} holds no .sse files", dir.display());
    cases
}

/// Drops `null` members of objects, at any depth.
pub fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The first difference between `expected` and `actual` under the spec §5 rules, with its JSON path.
pub fn difference(expected: &Value, actual: &Value) -> Option<String> {
    diff(&without_nulls(expected), &without_nulls(actual), "$")
}

/// The first difference with numbers compared by value but `null` members significant.
pub fn strict_difference(expected: &Value, actual: &Value) -> Option<String> {
    diff(expected, actual, "$")
}

fn diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            };
            (!same).then(|| format!("{path}: {x} != {y}"))
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => diff(p, q, &format!("{path}.{k}")),
                (Some(p), None) => Some(format!("{path}.{k}: missing in actual (expected {p})")),
                (None, Some(q)) => Some(format!("{path}.{k}: not expected (actual {q})")),
                (None, None) => None,
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: length {} != {}", x.len(), y.len()));
            }
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| diff(p, q, &format!("{path}[{i}]")))
        }
        _ => (a != b).then(|| format!("{path}: {a} != {b}")),
    }
}

/// Checks a stream's outcome against the SDK's final message (`expected`, the `ok` of `X.final.json`): the
/// final message, or, for a stream cut before `message_stop` (which the SDK returns as if complete), the
/// message that our incomplete-stream error carries. `complete`, when known, says which of the two it must be.
pub fn assert_final_equals_sdk(
    name: &str,
    how: &str,
    result: Result<anthropic_sse::Message, anthropic_sse::Error>,
    complete: Option<bool>,
    expected: &Value,
) {
    use anthropic_sse::error::ErrorKind;
    let message = match result {
        Ok(message) => {
            assert_ne!(complete, Some(false), "{name} ({how}): a stream without message_stop reported complete");
            message
        }
        Err(mut e) if complete != Some(true) && e.kind() == ErrorKind::Incomplete => e
            .take_partial_message()
            .unwrap_or_else(|| panic!("{name} ({how}): incomplete error without the partial message")),
        Err(e) => panic!("{name} ({how}): {e}"),
    };
    let actual = serde_json::to_value(&message).expect("a message serializes");
    if let Some(d) = difference(expected, &actual) {
        panic!("{name} ({how}): differs from the SDK: {d}");
    }
}
