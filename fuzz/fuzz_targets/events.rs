#![no_main]
//! Fuzz target `events`: see `anthropic_sse_kit::checks::events` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::events(data));
