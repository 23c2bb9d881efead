#![no_main]
//! Fuzz target `partial_json`: see `anthropic_sse_kit::checks::partial_json` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::partial_json(data));
