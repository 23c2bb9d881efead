#![no_main]
//! Fuzz target `structured`: see `anthropic_sse_kit::checks::structured` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::structured(data));
