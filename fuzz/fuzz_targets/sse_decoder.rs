#![no_main]
//! Fuzz target `sse_decoder`: see `checks::sse_decoder` for the property it checks.

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sse_decoder(data));
