//! anthropic-sse: read the streaming responses of the Anthropic Messages API.
#![deny(missing_docs)]
// One audited exception, `sse::BytesStr::as_str`, opts in with `#[allow(unsafe_code)]`.
#![deny(unsafe_code)]

pub mod sse;
