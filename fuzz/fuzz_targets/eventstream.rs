#![no_main]
//! Fuzz target `eventstream`: see `anthropic_sse_kit::checks::eventstream` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::eventstream(data));
