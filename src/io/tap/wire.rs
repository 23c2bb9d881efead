//! How a tapped body is read: from its status and content type, or from its first bytes.

use bytes::BytesMut;

#[cfg(feature = "http")]
use crate::error::Error;
use crate::framing::Format;

/// How the body is read.
pub(super) enum Wire {
    /// Events in this format (set on the decoder).
    Events(Format),
    /// The format is read from the first bytes, held here until it is known.
    Detect { held: BytesMut, blank: usize },
    /// A non-2xx response: its body (up to 1 MiB) becomes the report's `ApiError`.
    #[cfg(feature = "http")]
    ErrorBody { status: u16, headers: Vec<(String, String)>, body: BytesMut },
    /// A 2xx JSON body (up to the event limit): not a stream, the message it holds if it is one.
    #[cfg(feature = "http")]
    Json { status: u16, body: BytesMut, whole: bool },
    /// Not a stream, and the error that says so.
    #[cfg(feature = "http")]
    Other(Error),
}

impl Wire {
    pub(super) fn detect() -> Wire {
        Wire::Detect { held: BytesMut::new(), blank: 0 }
    }

    /// The body of a response of `status`, `content_type` and `headers`.
    #[cfg(feature = "http")]
    pub(super) fn of_response(status: u16, content_type: &str, headers: Vec<(String, String)>) -> Wire {
        use crate::io::http::Wire as Http;
        match Http::of(status, content_type, None) {
            Http::ErrorBody => Wire::ErrorBody { status, headers, body: BytesMut::new() },
            Http::Stream(format) => Wire::Events(format),
            Http::Detect => Wire::detect(),
            Http::Json => Wire::Json { status, body: BytesMut::new(), whole: true },
            Http::Other(error) => Wire::Other(error),
        }
    }
}
