#![no_main]
//! Fuzz target `fold`: see `anthropic_sse_kit::checks::fold` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::fold(data));
