//! Framing: bytes in, one raw event at a time out.

pub mod sse;
