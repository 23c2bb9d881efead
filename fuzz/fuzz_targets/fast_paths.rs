#![no_main]
//! Fuzz target `fast_paths`: see `checks::fast_paths` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::fast_paths(data));
