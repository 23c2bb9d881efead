//! The real corpora, kept in the repository (`tests/corpus/real`, `tests/corpus/bedrock`), and the comparison
//! rules of spec §5 (sorted keys, `null` equal to an absent key, numbers by value).

use std::path::PathBuf;

use serde_json::Value;

/// The repository's corpus directory `tests/corpus/<name>`. Panics when it is missing: a test that finds
/// nothing to check fails.
fn corpus_subdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("corpus").join(name);
    assert!(
        dir.is_dir(),
        "the corpus directory {} is missing: the real recordings are part of the repository (tests/corpus/README.md)",
        dir.display()
    );
    dir
}

/// The directory of real recorded streams: `tests/corpus/real`. Panics when it is missing.
pub fn corpus_dir() -> PathBuf {
    corpus_subdir("real")
}

/// Every `X.sse` of the corpus with the parsed `X.final.json`, sorted by name. Never empty.
pub fn corpus() -> Vec<(String, Vec<u8>, Value)> {
    read_cases(&corpus_dir(), "sse")
}

/// The directory of real Bedrock bodies: `tests/corpus/bedrock`. Panics when it is missing.
pub fn bedrock_dir() -> PathBuf {
    corpus_subdir("bedrock")
}

/// Every `X.bin` of the Bedrock corpus with the parsed `X.final.json`, sorted by name. Never empty.
pub fn bedrock() -> Vec<(String, Vec<u8>, Value)> {
    read_cases(&bedrock_dir(), "bin")
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
        let expected: Value = serde_json::from_slice(
            &std::fs::read(&expected_path)
                .unwrap_or_else(|e| panic!("{}: X.final.json beside X.{extension}: {e}", expected_path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", expected_path.display()));
        cases.push((name, std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())), expected));
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!cases.is_empty(), "the corpus {} holds no .{extension} files: nothing to check", dir.display());
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
