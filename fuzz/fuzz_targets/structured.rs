#![no_main]
//! Fuzz target `structured`: see `checks::structured` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::structured(data));
