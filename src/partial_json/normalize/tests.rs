//! The rewrite held against the SDK's reading written the plain way, on every cut of text whose keys repeat.

use proptest::prelude::*;

use crate::partial_json::reading::PartialMode;
use crate::partial_json::scanner::Scanner;
use crate::text as json_text;

thread_local! {
    /// Makes the rewrite's name hashes collide, to test what it does when two names share a hash.
    pub(super) static COARSE_HASHES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The SDK's reading written the plain way, to hold the rewrite against: a tree of members where a
/// repeated name replaces the value at its first place, every member kept until the end. Without
/// `resolve`, only the whitespace between tokens is dropped.
fn reference(text: &str, resolve: bool) -> String {
    fn value(bytes: &[u8], text: &str, at: &mut usize, resolve: bool) -> String {
        skip_ws(bytes, at);
        match bytes[*at] {
            b'{' => {
                *at += 1;
                let mut members: Vec<(String, String, String)> = Vec::new();
                loop {
                    skip_ws(bytes, at);
                    match bytes[*at] {
                        b'}' => break,
                        b',' => *at += 1,
                        _ => {
                            let key = string(bytes, text, at);
                            let mut name = String::new();
                            json_text::decode_body(&key[1..key.len() - 1], &mut name);
                            skip_ws(bytes, at);
                            *at += 1;
                            let v = value(bytes, text, at, resolve);
                            match members.iter_mut().find(|m| resolve && m.1 == name) {
                                Some(member) => member.2 = v,
                                None => members.push((key, name, v)),
                            }
                        }
                    }
                }
                *at += 1;
                let members: Vec<String> = members.into_iter().map(|(k, _, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }
            b'[' => {
                *at += 1;
                let mut items = Vec::new();
                loop {
                    skip_ws(bytes, at);
                    match bytes[*at] {
                        b']' => break,
                        b',' => *at += 1,
                        _ => items.push(value(bytes, text, at, resolve)),
                    }
                }
                *at += 1;
                format!("[{}]", items.join(","))
            }
            b'"' => string(bytes, text, at),
            _ => {
                let start = *at;
                while *at < bytes.len() && !b",]} \t\r\n".contains(&bytes[*at]) {
                    *at += 1;
                }
                let token = &text[start..*at];
                if resolve && token == "-0" { "0" } else { token }.to_owned()
            }
        }
    }
    fn skip_ws(bytes: &[u8], at: &mut usize) {
        while b" \t\r\n".contains(&bytes[*at]) {
            *at += 1;
        }
    }
    fn string(bytes: &[u8], text: &str, at: &mut usize) -> String {
        let start = *at;
        *at += 1;
        while bytes[*at] != b'"' {
            *at += if bytes[*at] == b'\\' { 2 } else { 1 };
        }
        *at += 1;
        text[start..*at].to_owned()
    }
    value(text.as_bytes(), text, &mut 0, resolve)
}

/// JSON text whose keys repeat often (some written with an escape), with `-0`, whitespace, nesting, and
/// objects of more keys than a list compares.
fn repeating_json() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("a"),
        Just("b"),
        Just(r"\u0061"),
        Just("k1"),
        Just("k2"),
        Just("k3"),
        Just("k4"),
        Just("k5"),
        Just("k6"),
        Just("k7"),
        Just("k8"),
        Just("k9"),
        Just(r#"\""#),
        Just(r"\u0022"),
        Just(r"\\"),
        Just(r"\u005c"),
        Just(r"\ud83d\ude00"),
        Just("\u{1F600}"),
    ];
    let leaf = prop_oneof![
        Just("-0".to_owned()),
        Just("1".to_owned()),
        Just("\"x y\"".to_owned()),
        Just(r#""a\"b\\""#.to_owned()),
        Just(r#""\u00e9 \n""#.to_owned()),
        Just("null".to_owned())
    ];
    leaf.prop_recursive(5, 200, 24, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[ {} ]", items.join(" ,\t"))),
            proptest::collection::vec((key.clone(), inner), 0..24).prop_map(|members| {
                let members: Vec<String> = members.into_iter().map(|(k, v)| format!("\"{k}\"\r\n: {v}")).collect();
                format!("{{ {} }}", members.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// On every cut of such text, in both modes, the rewrite writes what the plain reading gives for the
    /// kept text and its closing tail; so it does when the names' hashes collide.
    #[test]
    fn the_rewrite_equals_the_plain_reading(text in repeating_json()) {
        for (mode, coarse) in [
            (PartialMode::DropUnfinishedStrings, false),
            (PartialMode::TrailingStrings, false),
            (PartialMode::DropUnfinishedStrings, true),
        ] {
            COARSE_HASHES.set(coarse);
            for cut in (0..=text.len()).filter(|&cut| text.is_char_boundary(cut)) {
                let part = &text[..cut];
                let mut scanner = Scanner::new(mode);
                scanner.advance(part);
                let Ok(view) = scanner.view(part) else { continue };
                let completed = format!("{}{}", view.received(), String::from_utf8(view.tail()).unwrap());
                let read = view.to_tool_input();
                let expected = reference(&completed, true);
                if read.as_str() == completed {
                    prop_assert_eq!(reference(&completed, false), expected, "{:?} cut at {} not rewritten", text, cut);
                } else {
                    prop_assert_eq!(read.as_str(), expected, "{:?} cut at {}", text, cut);
                }
            }
        }
    }
}
