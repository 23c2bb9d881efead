#![no_main]
//! Fuzz target `sse_decoder`: see `anthropic_sse_kit::checks::sse_decoder` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::sse_decoder(data));
