#![no_main]
//! Fuzz target `tap`: see `anthropic_sse_kit::checks::tap` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::tap(data));
