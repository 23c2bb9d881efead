//! A tokio `AsyncRead` as a stream of byte chunks, for [`EventStream::from_async_read`].

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use tokio::io::{AsyncRead, ReadBuf};

use super::READ_SIZE;
use crate::io::stream::EventStream;

/// The chunks of a tokio `AsyncRead`, read 64 KiB at a time (the source of
/// [`EventStream::from_async_read`]).
#[derive(Debug)]
pub struct ReaderChunks<R> {
    reader: R,
    buf: BytesMut,
}

impl<R: AsyncRead + Unpin> Stream for ReaderChunks<R> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.buf.capacity() < READ_SIZE {
            this.buf.reserve(READ_SIZE);
        }
        let spare = this.buf.spare_capacity_mut();
        let mut read = ReadBuf::uninit(spare);
        match Pin::new(&mut this.reader).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                if n == 0 {
                    return Poll::Ready(None);
                }
                // `filled` was written through `ReadBuf`; copy it out rather than trust `set_len`.
                let chunk = Bytes::copy_from_slice(read.filled());
                Poll::Ready(Some(Ok(chunk)))
            }
        }
    }
}

impl<R: AsyncRead + Unpin> EventStream<ReaderChunks<R>> {
    /// Typed events from a tokio `AsyncRead` (a file, a socket, a child's stdout).
    pub fn from_async_read(reader: R) -> Self {
        EventStream::new(ReaderChunks { reader, buf: BytesMut::new() })
    }
}
