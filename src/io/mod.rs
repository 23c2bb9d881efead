//! The I/O adapters: byte streams, readers and frame streams driven through an [`EventDecoder`](crate::EventDecoder).

#[cfg(feature = "eventsource-stream")]
pub(crate) mod eventsource;
pub(crate) mod stream;
