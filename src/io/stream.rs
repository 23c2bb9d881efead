//! Adapters from byte streams to typed events: [`EventStream`] for any `futures::Stream` of byte chunks (and
//! a tokio `AsyncRead`), [`BlockingEvents`] for a `std::io::Read`.

use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use crate::error::{BoxError, Error};
use crate::model::event::{Delta, StreamEvent};
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

const READ_SIZE: usize = 64 * 1024;

/// Chunks smaller than this are gathered, while more are ready at once, into one of up to [`GATHER_SIZE`]
/// bytes: events can then be read in place, where split over many tiny chunks each would be pieced together
/// line by line. Nothing waits: gathering stops as soon as the source has nothing ready.
const SMALL_CHUNK: usize = 4 * 1024;
const GATHER_SIZE: usize = 64 * 1024;

/// How many times one `poll` may take from the source without handing anything out before it yields back to
/// the executor (waking itself first), as tokio's cooperative budget does: a source that is always ready with
/// empty chunks, comments or nothing but folded deltas must not keep a task, and a `timeout` around it, from
/// ever running on.
const POLL_BUDGET: usize = 128;

/// The largest read size [`BlockingEvents::with_read_size`] takes (larger values are capped): 16 MiB.
pub const MAX_READ_SIZE: usize = 16 * 1024 * 1024;

/// A chunk of bytes an adapter can take: `Bytes`, `BytesMut`, `Vec<u8>`, `Box<[u8]>`, `String` are taken
/// without copying; `&[u8]` and `&str` are copied once.
pub trait Chunk {
    /// The chunk as `Bytes`.
    fn into_bytes(self) -> Bytes;
}

impl Chunk for Bytes {
    fn into_bytes(self) -> Bytes {
        self
    }
}

impl Chunk for BytesMut {
    fn into_bytes(self) -> Bytes {
        self.freeze()
    }
}

impl Chunk for Vec<u8> {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl Chunk for Box<[u8]> {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl Chunk for String {
    fn into_bytes(self) -> Bytes {
        Bytes::from(self)
    }
}

impl Chunk for &[u8] {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl Chunk for &str {
    fn into_bytes(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
}

/// Typed events from any stream of byte chunks, e.g. `reqwest::Response::bytes_stream()`.
///
/// It is a `Stream<Item = Result<StreamEvent, Error>>`: each item is an event, in order, already folded into
/// the message ([`snapshot`](Self::snapshot)); the first error (an API `error` event, a transport error,
/// invalid JSON, a protocol violation, a stream cut before `message_stop`) is the last item. It holds at most
/// the current chunk and the bytes of an unfinished event; dropping it stops reading (and drops the source,
/// which for an HTTP body closes the connection).
///
/// ```
/// # futures::executor::block_on(async {
/// use anthropic_sse::EventStream;
/// use futures::StreamExt;
///
/// let body = anthropic_sse::SAMPLE_STREAM;
/// let chunks = futures::stream::iter(body.chunks(100).map(Ok::<_, std::io::Error>));
/// let message = EventStream::new(chunks).final_message().await?;
/// assert_eq!(message.text(), "Let me check the weather in Lisbon for you.");
/// # Ok::<(), anthropic_sse::Error>(())
/// # }).unwrap();
/// ```
pub struct EventStream<S> {
    source: Option<Pin<Box<S>>>,
    decoder: EventDecoder,
    done: bool,
    /// Small chunks gathered and not yet fed.
    gathered: BytesMut,
    /// How the source ended (`Some(None)`: cleanly), held back while gathered bytes were still to be read.
    held_end: Option<Option<BoxError>>,
}

impl<S> std::fmt::Debug for EventStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("decoder", &self.decoder).field("done", &self.done).finish()
    }
}

impl<S, B, E> EventStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    /// Wraps a stream of byte chunks.
    pub fn new(source: S) -> Self {
        Self::with_decoder(source, EventDecoder::new())
    }

    /// Wraps a stream of byte chunks, decoding with the given decoder (limits, request id).
    pub fn with_decoder(source: S, decoder: EventDecoder) -> Self {
        EventStream { source: Some(Box::pin(source)), decoder, done: false, gathered: BytesMut::new(), held_end: None }
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.decoder.set_request_id(request_id);
        self
    }

    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.decoder.snapshot()
    }

    /// The decoder underneath.
    pub fn decoder(&self) -> &EventDecoder {
        &self.decoder
    }

    /// The tool input of the block at `index` parsed from the pieces so far, as the SDKs' `input_json`
    /// snapshot, but incremental: asking after every delta costs time linear in the whole input.
    pub fn partial_tool_input(
        &mut self,
        index: usize,
    ) -> Option<Result<crate::ToolInputView<'_>, crate::fold::partial_json::PartialJsonError>> {
        self.decoder.partial_tool_input(index)
    }

    /// Reads the stream to its end and returns the final message, equal to the official Python SDK's
    /// `get_final_message()` for the same bytes. On failure the error carries the message so far
    /// ([`Error::partial_message`]).
    /// If the stream already ended with an error that was handed out as an item, the result is
    /// an [`Incomplete`](crate::error::Category::Incomplete) error with the message so far.
    ///
    /// Events are folded without being built: text and tool input go straight from the chunk into the message.
    pub async fn final_message(mut self) -> Result<Message, Error> {
        let end = std::future::poll_fn(|cx| self.poll_fold(cx)).await;
        self.decoder.into_final_message(end)
    }

    /// Folds the source to its end: `Ready(None)` when it ended cleanly (or had already ended), else the
    /// error that ended it.
    fn poll_fold(&mut self, cx: &mut Context<'_>) -> Poll<Option<Error>> {
        for _ in 0..POLL_BUDGET {
            if self.done {
                return Poll::Ready(None);
            }
            if let Err(error) = self.decoder.fold_buffered() {
                self.finish_with_error();
                return Poll::Ready(Some(error));
            }
            if let Err(error) = std::task::ready!(self.poll_feed(cx)) {
                return Poll::Ready(Some(error));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Feeds the decoder the source's next chunk (or several small ones gathered), or its end. `Err` is the
    /// error that ends the stream.
    fn poll_feed(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Some(end) = self.held_end.take() {
            return Poll::Ready(self.end_source(end));
        }
        // Empty chunks count against the budget; chunks with bytes are gathered up to GATHER_SIZE, which
        // bounds this loop for them.
        let mut empty = 0;
        while empty < POLL_BUDGET {
            let Some(source) = self.source.as_mut() else {
                self.done = true;
                return Poll::Ready(Ok(()));
            };
            let end = match source.as_mut().poll_next(cx) {
                Poll::Pending if self.gathered.is_empty() => return Poll::Pending,
                Poll::Pending => {
                    self.feed_gathered();
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    let chunk = chunk.into_bytes();
                    if chunk.is_empty() {
                        empty += 1;
                        continue;
                    }
                    if chunk.len() >= SMALL_CHUNK && self.gathered.is_empty() {
                        self.decoder.feed_bytes(chunk);
                        return Poll::Ready(Ok(()));
                    }
                    if self.gathered.is_empty() {
                        // One allocation per gathered chunk (reclaimed once the decoder has let go of the last).
                        self.gathered.reserve(GATHER_SIZE + SMALL_CHUNK);
                    }
                    self.gathered.extend_from_slice(&chunk);
                    if self.gathered.len() >= GATHER_SIZE || chunk.len() >= SMALL_CHUNK {
                        self.feed_gathered();
                        return Poll::Ready(Ok(()));
                    }
                    continue;
                }
                Poll::Ready(Some(Err(e))) => Some(e.into()),
                Poll::Ready(None) => None,
            };
            self.source = None;
            if self.gathered.is_empty() {
                return Poll::Ready(self.end_source(end));
            }
            // The events in the gathered bytes come first.
            self.feed_gathered();
            self.held_end = Some(end);
            return Poll::Ready(Ok(()));
        }
        // The budget is spent on small (or empty) chunks: hand over what was gathered, or yield.
        if !self.gathered.is_empty() {
            self.feed_gathered();
            return Poll::Ready(Ok(()));
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn feed_gathered(&mut self) {
        self.decoder.feed_bytes(self.gathered.split().freeze());
    }

    /// The source has ended, cleanly (`None`) or with a transport error.
    fn end_source(&mut self, end: Option<BoxError>) -> Result<(), Error> {
        self.source = None;
        let error = match end {
            Some(e) => self.decoder.fail(Error::transport(e)),
            None => match self.decoder.finish() {
                Some(error) => error,
                None => return Ok(()),
            },
        };
        self.finish_with_error();
        Err(error)
    }

    /// Reads the stream to its end and returns the text of its text blocks, joined with `""`.
    pub async fn final_text(self) -> Result<String, Error> {
        self.final_message().await.map(|m| m.text())
    }

    /// The text deltas only, as they arrive.
    pub fn text_stream(self) -> TextStream<S> {
        TextStream { events: self }
    }
}

impl<S, B, E> Stream for EventStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        for _ in 0..POLL_BUDGET {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(item) = this.decoder.next_event() {
                if item.is_err() {
                    this.finish_with_error();
                }
                return Poll::Ready(Some(item));
            }
            if let Err(error) = std::task::ready!(this.poll_feed(cx)) {
                return Poll::Ready(Some(Err(error)));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<S> EventStream<S> {
    /// Ends the stream after an error: the source is dropped at once (closing an HTTP connection).
    fn finish_with_error(&mut self) {
        self.done = true;
        self.source = None;
    }
}

/// The text deltas of an [`EventStream`], as they arrive. Errors end it as they end the event stream.
#[derive(Debug)]
pub struct TextStream<S> {
    events: EventStream<S>,
}

impl<S, B, E> Stream for TextStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    type Item = Result<String, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let events = &mut self.get_mut().events;
        for _ in 0..POLL_BUDGET {
            match std::task::ready!(Pin::new(&mut *events).poll_next(cx)) {
                Some(Ok(event)) => {
                    if let Some(text) = text_of(event) {
                        return Poll::Ready(Some(Ok(text)));
                    }
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The text of a text delta.
fn text_of(event: StreamEvent) -> Option<String> {
    match event {
        StreamEvent::ContentBlockDelta(d) => match d.delta {
            Delta::Text(t) => Some(t.text),
            _ => None,
        },
        _ => None,
    }
}

impl<S, B, E> TextStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    /// The message folded from the events so far (every event passes through the fold, text or not).
    pub fn snapshot(&self) -> Option<&Message> {
        self.events.snapshot()
    }

    /// The decoder underneath: the accumulator, the tool input so far, the error that ended the stream.
    pub fn decoder(&self) -> &EventDecoder {
        self.events.decoder()
    }

    /// Reads the rest of the stream and returns the final message, usage included (see
    /// [`EventStream::final_message`]); after an error item, that error.
    pub async fn final_message(self) -> Result<Message, Error> {
        self.events.final_message().await
    }
}

#[cfg(feature = "tokio")]
mod async_read {
    use super::*;
    use tokio::io::{AsyncRead, ReadBuf};

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
}

#[cfg(feature = "tokio")]
pub use async_read::ReaderChunks;

/// Typed events from a blocking `std::io::Read`, for synchronous clients: an `Iterator` of
/// `Result<StreamEvent, Error>` that ends after the first error.
///
/// ```
/// use anthropic_sse::BlockingEvents;
/// let events = BlockingEvents::new(anthropic_sse::SAMPLE_STREAM);
/// let message = events.final_message()?;
/// assert_eq!(message.content.len(), 2);
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
#[derive(Debug)]
pub struct BlockingEvents<R> {
    reader: Option<R>,
    decoder: EventDecoder,
    buf: Vec<u8>,
    done: bool,
}

impl<R: Read> BlockingEvents<R> {
    /// Reads events from `reader`, 64 KiB at a time.
    pub fn new(reader: R) -> Self {
        Self::with_decoder(reader, EventDecoder::new())
    }

    /// Reads events from `reader` with the given decoder (limits, request id).
    pub fn with_decoder(reader: R, decoder: EventDecoder) -> Self {
        BlockingEvents { reader: Some(reader), decoder, buf: vec![0; READ_SIZE], done: false }
    }

    /// Sets the size of each read: at least 1 byte, at most [`MAX_READ_SIZE`] (larger values are capped, so
    /// that a size from user input cannot ask for an impossible allocation).
    pub fn with_read_size(mut self, read_size: usize) -> Self {
        self.buf = vec![0; read_size.clamp(1, MAX_READ_SIZE)];
        self
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.decoder.set_request_id(request_id);
        self
    }

    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.decoder.snapshot()
    }

    /// The decoder underneath: the accumulator, the request id, the error that ended the stream.
    pub fn decoder(&self) -> &EventDecoder {
        &self.decoder
    }

    /// The tool input of the block at `index` so far (see [`EventStream::partial_tool_input`]).
    pub fn partial_tool_input(
        &mut self,
        index: usize,
    ) -> Option<Result<crate::ToolInputView<'_>, crate::fold::partial_json::PartialJsonError>> {
        self.decoder.partial_tool_input(index)
    }

    /// Reads to the end and returns the text of its text blocks, joined with `""`.
    pub fn final_text(self) -> Result<String, Error> {
        self.final_message().map(|m| m.text())
    }

    /// The text deltas only, as they arrive.
    pub fn text(self) -> BlockingText<R> {
        BlockingText { events: self }
    }

    /// Reads to the end and returns the final message (see [`EventStream::final_message`]).
    pub fn final_message(mut self) -> Result<Message, Error> {
        let end = loop {
            if self.done {
                break None;
            }
            if let Err(error) = self.decoder.fold_buffered() {
                self.finish_with_error();
                break Some(error);
            }
            if let Err(error) = self.read_chunk() {
                break Some(error);
            }
        };
        self.decoder.into_final_message(end)
    }

    /// Feeds the decoder the reader's next chunk, or its end. `Err` is the error that ends the stream.
    fn read_chunk(&mut self) -> Result<(), Error> {
        let Some(reader) = self.reader.as_mut() else {
            self.done = true;
            return Ok(());
        };
        match reader.read(&mut self.buf) {
            Ok(0) => {
                self.reader = None;
                if let Some(error) = self.decoder.finish() {
                    self.finish_with_error();
                    return Err(error);
                }
            }
            Ok(n) => self.decoder.feed(&self.buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let error = self.decoder.fail(Error::from(e));
                self.finish_with_error();
                return Err(error);
            }
        }
        Ok(())
    }

    fn finish_with_error(&mut self) {
        self.done = true;
        self.reader = None;
    }
}

impl<R: Read> Iterator for BlockingEvents<R> {
    type Item = Result<StreamEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(item) = self.decoder.next_event() {
                if item.is_err() {
                    self.finish_with_error();
                }
                return Some(item);
            }
            if let Err(error) = self.read_chunk() {
                return Some(Err(error));
            }
        }
    }
}

/// The text deltas of a [`BlockingEvents`], as they arrive, with the same access to the snapshot and the final
/// message. Errors end it as they end the events.
#[derive(Debug)]
pub struct BlockingText<R> {
    events: BlockingEvents<R>,
}

impl<R: Read> BlockingText<R> {
    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.events.snapshot()
    }

    /// The decoder underneath.
    pub fn decoder(&self) -> &EventDecoder {
        self.events.decoder()
    }

    /// Reads the rest and returns the final message, usage included; after an error item, that error.
    pub fn final_message(self) -> Result<Message, Error> {
        self.events.final_message()
    }
}

impl<R: Read> Iterator for BlockingText<R> {
    type Item = Result<String, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.events.next()? {
                Ok(event) => {
                    if let Some(text) = text_of(event) {
                        return Some(Ok(text));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
