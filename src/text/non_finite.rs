//! `NaN`, `Infinity` and `-Infinity`, which the SDK's readers take and `serde_json` refuses: an event that
//! holds them is read through `serde_json` with a stand-in number in place of each, and the JSON kept from it
//! gets the tokens back.

use super::{non_finite_len, string_end};

/// The numbers that stand for `NaN`, `Infinity` and `-Infinity` while `serde_json` reads text that holds them
/// (see [`with_non_finite_as_numbers`]): negative fractions, which no count or index of the model takes, so a
/// member holding one stays in the model's raw JSON, where [`restore_non_finite`] gives the token back.
/// (A tiny exponent would not do: such a number reads as `-0.0`, which counts take as 0.)
const STAND_INS: [(&str, &str); 3] =
    [("NaN", "-0.79528013091"), ("Infinity", "-0.79528013092"), ("-Infinity", "-0.79528013093")];

/// What every stand-in starts with; text that holds it already is not read this way.
const STAND_IN_PREFIX: &str = "-0.7952801309";

thread_local! {
    /// Set while [`with_non_finite_as_numbers`] runs its reader.
    static STANDING_IN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read` (a reader through `serde_json`, which refuses them) on `text` with each `NaN`, `Infinity` and
/// `-Infinity` outside strings replaced by a stand-in number; JSON kept from that text during `read` gives the
/// tokens back through [`restore_non_finite`]. `None` when `text` holds no non-finite number (or already holds
/// a stand-in). This is how an event holding them is read as the SDK reads it, at no cost to any other event.
pub(crate) fn with_non_finite_as_numbers<R>(text: &str, read: impl FnOnce(&str) -> R) -> Option<R> {
    if text.contains(STAND_IN_PREFIX) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut at) = (0, 0);
    while let Some(&b) = bytes.get(at) {
        if b == b'"' {
            at = string_end(bytes, at + 1);
            continue;
        }
        match non_finite_len(&bytes[at..]) {
            // A token run on into a number or a word (`NaN5`) is no token: left as it is, the read fails.
            Some(len) if !bytes.get(at + len).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.') => {
                out.push_str(&text[copied..at]);
                let token = &text[at..at + len];
                out.push_str(STAND_INS.iter().find(|(name, _)| *name == token).map_or(token, |(_, number)| number));
                at += len;
                copied = at;
            }
            _ => at += 1,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    /// Clears the flag however `read` returns.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            STANDING_IN.set(false);
        }
    }
    STANDING_IN.set(true);
    let _reset = Reset;
    Some(read(&out))
}

/// `text` (JSON kept from what [`with_non_finite_as_numbers`] hands its reader) with the stand-ins turned back
/// into the tokens that arrived; `None` outside such a read, or when `text` holds none.
pub(crate) fn restore_non_finite(text: &str) -> Option<String> {
    if !STANDING_IN.get() || !text.contains(STAND_IN_PREFIX) {
        return None;
    }
    let mut restored = text.to_owned();
    for (token, number) in STAND_INS {
        restored = restored.replace(number, token);
    }
    Some(restored)
}
