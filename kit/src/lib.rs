//! The test kit of `anthropic-sse`, in one place for its integration tests, benchmarks and fuzz targets.
//!
//! A crate that depends on `anthropic-sse` cannot serve the unit tests inside its `src/` (they would see a
//! second copy of the crate); those stay self-contained.

pub mod bedrock;
pub mod checks;
pub mod corpus;
pub mod counting;
pub mod exact;
pub mod reference;
pub mod sse;
pub mod streams;
