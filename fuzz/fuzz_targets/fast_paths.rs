#![no_main]
//! Fuzz target `fast_paths`: see `anthropic_sse_kit::checks::fast_paths` for the property it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| anthropic_sse_kit::checks::fast_paths(data));
