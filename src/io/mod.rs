//! The I/O adapters: one driver per I/O style over an [`EventDecoder`](crate::EventDecoder). The async driver
//! (`driver`) serves [`EventStream`](crate::EventStream) over byte chunks (and a tokio `AsyncRead` through
//! `ReaderChunks`) and `EventsourceEvents` over frames decoded elsewhere; [`BlockingEvents`](crate::BlockingEvents)
//! is the blocking one.

use bytes::{Bytes, BytesMut};

pub(crate) mod blocking;
pub(crate) mod driver;
#[cfg(feature = "eventsource-stream")]
pub(crate) mod eventsource;
#[cfg(feature = "http")]
pub(crate) mod http;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest;
pub(crate) mod stream;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;

/// The size of each read from a reader.
const READ_SIZE: usize = 64 * 1024;

/// The largest read size [`BlockingEvents::with_read_size`](crate::BlockingEvents::with_read_size) takes
/// (larger values are capped): 16 MiB.
pub const MAX_READ_SIZE: usize = 16 * 1024 * 1024;

mod sealed {
    pub trait Sealed {}
}

/// A chunk of bytes an adapter can take: `Bytes`, `BytesMut`, `Vec<u8>`, `Box<[u8]>`, `String` are taken
/// without copying; `&[u8]` and `&str` are copied once. Sealed: these are the types there are.
pub trait Chunk: sealed::Sealed {
    /// The chunk as `Bytes`.
    fn into_bytes(self) -> Bytes;
}

macro_rules! chunk {
    ($($ty:ty => |$c:ident| $into:expr;)*) => {$(
        impl sealed::Sealed for $ty {}
        impl Chunk for $ty {
            fn into_bytes(self) -> Bytes {
                let $c = self;
                $into
            }
        }
    )*};
}

chunk! {
    Bytes => |c| c;
    BytesMut => |c| c.freeze();
    Vec<u8> => |c| Bytes::from(c);
    Box<[u8]> => |c| Bytes::from(c);
    String => |c| Bytes::from(c);
    &[u8] => |c| Bytes::copy_from_slice(c);
    &str => |c| Bytes::copy_from_slice(c.as_bytes());
}
