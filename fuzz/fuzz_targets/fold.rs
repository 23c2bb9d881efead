#![no_main]
//! Fuzz target `fold`: see `checks::fold` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::fold(data));
