//! The integration tests of decoding, folding and their data (the corpus, the fixtures, the oracle's tables),
//! as one test binary: each module is what was a separate file of `tests/` (and a separate binary to link).
//! Linking dominated a fresh `cargo test`, so the tests are grouped into a few binaries:
//!
//! - this one;
//! - `tests/io/main.rs`: the async adapters, the HTTP edge, the retry advice and the command-line tool, built
//!   beside this one (two binaries keep both cores of a small machine busy while they compile);
//! - `tests/memory.rs` and `tests/allocations.rs`, which install a counting `#[global_allocator]` whose counters
//!   are process-wide, so they keep a process each: their measurements must not see each other's allocations,
//!   nor those of unrelated tests running beside them.
//!
//! Proptest keeps the seeds of past failures of these modules in `tests/proptest-regressions/<module>.txt`.

mod bedrock;
mod corpus;
mod events;
mod fixtures;
mod fold_chunking;
mod framing;
mod fused_deltas;
mod fuzz_regressions;
mod partial_json;
mod sdk_events;
mod sse_chunking;
mod sse_conformance;
mod tool_input;
mod tool_input_oracle;
mod writing;
