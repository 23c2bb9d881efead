//! Errors: one [`Error`] for everything that can end a stream, a small struct with a private kind that a
//! caller matches through [`Error::kind`] and typed accessors, so it can grow without breaking anyone;
//! and [`ApiError`] for the errors the API itself reports, whether as an `error` event after HTTP 200 or as a
//! non-2xx response.

mod api;
mod retry;
mod retry_after;
mod stream;

pub use crate::partial_json::tool_input::ToolInputError;
pub use api::ApiError;
#[cfg(feature = "http")]
pub(crate) use api::MAX_ERROR_BODY;
pub use retry::RetryPolicy;
pub use retry_after::RetryAfter;
pub(crate) use stream::BoxError;
pub use stream::{CorruptError, Error, ErrorKind, JsonError};
