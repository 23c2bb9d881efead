//! Tool input against the official Python SDK, exactly: `tests/tool_input/cases.json` holds, for 736 tool
//! inputs cut into pieces (number forms, random doubles, long decimals, big integers, unicode keys in random
//! order, repeated keys, escapes cut anywhere, truncated and invalid inputs, in both partial modes), the SDK's
//! final input and its `input_json` snapshot after every delta, written by `make_cases.py` with the oracle.
//!
//! Values are compared exactly from the text: the same key order, integers as the same digits, floats as the
//! same `f64` bits (both sides correctly rounded: Python's `float` and Rust's `str::parse`), int and float
//! told apart as the SDK tells them apart.

use anthropic_sse::{ContentBlock, Error, EventDecoder, PartialMode, StreamEvent};
use serde_json::Value;

/// A JSON value as the SDK holds it, order kept; numbers exact.
#[derive(Debug, PartialEq)]
enum Exact {
    Null,
    Bool(bool),
    /// An integer's digits, sign included.
    Int(String),
    /// A float's bits.
    Float(u64),
    Str(String),
    Array(Vec<Exact>),
    Object(Vec<(String, Exact)>),
}

/// Reads JSON text (plus Python's `Infinity` and `-Infinity`) into [`Exact`], a reader of this test's own so
/// that the crate is not checked against itself.
fn exact(text: &str) -> Exact {
    let mut reader = Reader { s: text.as_bytes(), i: 0 };
    let value = reader.value();
    reader.ws();
    assert_eq!(reader.i, text.len(), "trailing text in {text:?}");
    value
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && b" \t\n\r".contains(&self.s[self.i]) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            return true;
        }
        false
    }

    fn value(&mut self) -> Exact {
        self.ws();
        if self.eat("null") {
            return Exact::Null;
        }
        if self.eat("true") {
            return Exact::Bool(true);
        }
        if self.eat("false") {
            return Exact::Bool(false);
        }
        if self.eat("Infinity") {
            return Exact::Float(f64::INFINITY.to_bits());
        }
        if self.eat("-Infinity") {
            return Exact::Float(f64::NEG_INFINITY.to_bits());
        }
        match self.s[self.i] {
            b'"' => Exact::Str(self.string()),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eat("]") {
                        return Exact::Array(items);
                    }
                    self.eat(",");
                    items.push(self.value());
                }
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    if self.eat("}") {
                        return Exact::Object(members);
                    }
                    self.eat(",");
                    self.ws();
                    let key = self.string();
                    self.ws();
                    assert!(self.eat(":"));
                    members.push((key, self.value()));
                }
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && b"+-.0123456789eE".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let token = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                if token.contains(['.', 'e', 'E']) {
                    Exact::Float(token.parse::<f64>().unwrap().to_bits())
                } else {
                    // Kept as written: the SDK's `-0` is the integer 0, which Python writes `0`, and ours must be
                    // written so too, or serde_json would read a float `-0.0`.
                    Exact::Int(token.to_owned())
                }
            }
        }
    }

    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        while self.s[self.i] != b'"' {
            self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i += 1;
        serde_json::from_slice(&self.s[start..self.i]).unwrap()
    }
}

/// The crate's own reader ([`ToolInput::deserialize`]) gives the same tree, but for integers beyond 64 bits,
/// which `deserialize_any` hands out as (correctly rounded) floats, as serde_json does.
impl<'de> serde::Deserialize<'de> for Exact {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Exact;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Exact, E> {
                Ok(Exact::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Exact, E> {
                Ok(Exact::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Exact, E> {
                Ok(Exact::Int(n.to_string()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Exact, E> {
                Ok(Exact::Int(n.to_string()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Exact, E> {
                Ok(Exact::Float(n.to_bits()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Exact, E> {
                Ok(Exact::Str(s.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Exact, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Exact::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Exact, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Exact::Object(members))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// `read` (from the crate's reader) equals `text` (from this test's), an integer beyond 64 bits being its
/// correctly rounded float.
fn same_reading(read: &Exact, text: &Exact) -> bool {
    match (read, text) {
        (Exact::Float(bits), Exact::Int(digits)) => digits.parse::<f64>().unwrap().to_bits() == *bits,
        (Exact::Int(a), Exact::Int(b)) => a == b || (b == "-0" && a == "0"),
        (Exact::Array(a), Exact::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_reading(x, y)),
        (Exact::Object(a), Exact::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((k, x), (l, y))| k == l && same_reading(x, y))
        }
        _ => read == text,
    }
}

struct Case {
    name: String,
    mode: PartialMode,
    pieces: Vec<String>,
    start_input: String,
    final_input: Option<String>,
    snapshots: Vec<Option<String>>,
}

fn cases() -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tool_input/cases.json");
    let cases: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).expect("cases.json")).expect("JSON");
    let text = |v: &Value| v.as_str().map(str::to_owned);
    cases
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            mode: match c["mode"].as_str() {
                Some("on") => PartialMode::DropUnfinishedStrings,
                Some("trailing-strings") => PartialMode::TrailingStrings,
                other => panic!("mode {other:?}"),
            },
            pieces: c["pieces"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect(),
            start_input: c["start_input"].as_str().unwrap().to_owned(),
            final_input: text(&c["final"]),
            snapshots: c["snapshots"].as_array().unwrap().iter().map(text).collect(),
        })
        .collect()
}

/// Runs one case through the SSE decoder, asking for the snapshot after every delta; returns the snapshots
/// (`None` where ours is an error) and the final message's result.
fn run(case: &Case, chunk: usize) -> (Vec<Option<String>>, Result<String, Error>) {
    let check_reader = |view: &anthropic_sse::ToolInputView<'_>| {
        let read: Exact = view.deserialize().expect("the crate's reader reads what the scanner kept");
        assert!(same_reading(&read, &exact(&view.to_string())), "{}: reader disagrees on {view}", case.name);
    };
    let bytes = anthropic_sse_kit::streams::tool_call("calc", &case.start_input, &case.pieces);
    let mut decoder = EventDecoder::new().with_partial_mode(case.mode);
    let mut snapshots = Vec::new();
    for piece in bytes.chunks(chunk) {
        decoder.feed(piece);
        while let Some(event) = decoder.next_event() {
            if let StreamEvent::ContentBlockDelta(_) = event.expect("the stream is valid SSE") {
                let view = decoder.partial_tool_input(0).expect("a tool block");
                if let Ok(view) = &view {
                    check_reader(view);
                }
                snapshots.push(view.ok().map(|v| v.to_string()));
            }
        }
    }
    let end = decoder.finish();
    let result = decoder.into_final_message(end).map(|m| match &m.content[0] {
        ContentBlock::ToolUse(b) => {
            let read: Exact = b.input.deserialize().expect("the crate's reader reads the final input");
            assert!(same_reading(&read, &exact(b.input.as_str())), "{}: reader disagrees on {}", case.name, b.input);
            b.input.as_str().to_owned()
        }
        other => panic!("{other:?}"),
    });
    (snapshots, result)
}

#[test]
fn final_input_and_every_snapshot_equal_the_sdk() {
    let cases = cases();
    assert_eq!(cases.len(), 736, "the case table is whole");
    let mut failures = Vec::new();
    for case in &cases {
        for chunk in [usize::MAX, 7] {
            let (snapshots, result) = run(case, chunk);
            // Snapshots up to the SDK's first error (it stops there; so do its recorded snapshots).
            for (k, expected) in case.snapshots.iter().enumerate() {
                let ours = snapshots[k].as_deref().map(exact);
                let theirs = expected.as_deref().map(exact);
                if ours != theirs {
                    failures.push(format!(
                        "{} ({:?}): snapshot after delta {k} ({:?}): ours {:?}, SDK {:?}",
                        case.name,
                        case.mode,
                        case.pieces[..=k].concat(),
                        snapshots[k],
                        expected
                    ));
                    break;
                }
            }
            match (&case.final_input, &result) {
                (Some(expected), Ok(ours)) => {
                    if exact(ours) != exact(expected) {
                        failures.push(format!("{} ({:?}): final: ours {ours}, SDK {expected}", case.name, case.mode));
                    }
                }
                (None, Err(err)) if err.tool_input_error().is_some_and(|e| e.index() == 0) => {
                    // The SDK raised on a delta; we read on, and the message is complete but for the input.
                    assert_eq!(err.tool_input_error().unwrap().name(), "calc");
                    let message = err.partial_message().expect("the complete message");
                    assert_eq!(message.stop_reason.as_ref().map(|s| s.as_str()), Some("tool_use"), "{}", case.name);
                    assert!(message.content[0].tool_input().unwrap().invalid().is_some());
                }
                (None, Ok(ours)) => {
                    // The one case where we read on: the SDK fails on a first piece of only whitespace (its parse
                    // of the text so far), where the whole text is JSON.
                    let failed_at = case.snapshots.len() - 1;
                    let so_far = case.pieces[..=failed_at].concat();
                    if !so_far.trim().is_empty() {
                        failures.push(format!("{} ({:?}): the SDK raised, we gave {ours}", case.name, case.mode));
                    }
                }
                (_, Err(e)) => failures.push(format!("{} ({:?}): {e}", case.name, case.mode)),
            }
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}
