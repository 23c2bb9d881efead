#![no_main]
//! Fuzz target `eventstream_structured`: see `anthropic_sse_kit::checks::eventstream_structured` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::eventstream_structured(data));
