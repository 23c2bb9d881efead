//! The integration tests, as one test binary: each module is what was a separate file of `tests/` (and a
//! separate binary to link). Linking dominated a fresh `cargo test`; one binary links once.
//!
//! Not here: `tests/memory.rs` and `tests/allocations.rs`, which install a counting `#[global_allocator]`
//! whose counters are process-wide, so they keep a process of their own (one each: their measurements must
//! not see each other's allocations, nor those of unrelated tests running beside them).
//!
//! Proptest keeps the seeds of past failures of these modules in `tests/proptest-regressions/<module>.txt`.

mod adapters;
mod bedrock;
mod cli_events;
mod cli_formats;
mod cli_frames;
mod cli_kinds;
mod cli_memory;
mod cli_pipe;
mod common;
mod corpus;
mod events;
mod fixtures;
mod fold_chunking;
mod framing;
mod fused_deltas;
mod fuzz_regressions;
mod http_e2e;
mod http_edge;
mod partial_json;
mod retry;
mod sdk_events;
mod sse_chunking;
mod sse_conformance;
mod tool_input;
mod tool_input_oracle;
