#![no_main]
//! Fuzz target `partial_json`: see `checks::partial_json` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::partial_json(data));
