#![no_main]
//! Fuzz target `events`: see `checks::events` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::events(data));
