//! [`Events`], the async driver: typed events, the SDK's helper events or text from any `Stream` of byte
//! chunks (an HTTP body), a tokio `AsyncRead`, or `eventsource-stream` frames.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use super::{Run, decoder_options, next_text};
use crate::error::{BoxError, Error};
use crate::fold::helpers::SdkEvent;
use crate::model::event::{InvocationMetrics, StreamEvent};
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

/// How many times one `poll` may take from the source without handing anything out before it yields back to
/// the executor (waking itself first), as tokio's cooperative budget does: a source that is always ready with
/// empty chunks, comments or nothing but folded deltas must not keep a task, and a `timeout` around it, from
/// ever running on.
const POLL_BUDGET: usize = 128;

/// Chunks smaller than this are gathered, while more are ready at once, into one of up to [`GATHER_SIZE`]
/// bytes: events can then be read in place, where split over many tiny chunks each would be pieced together
/// line by line. Nothing waits: gathering stops as soon as the source has nothing ready.
const SMALL_CHUNK: usize = 4 * 1024;
const GATHER_SIZE: usize = 64 * 1024;

/// What one step of a source did.
pub(crate) enum Fed {
    /// It fed the decoder some input (possibly none that completes an event).
    Input,
    /// It gave nothing that counts as input (empty chunks) for a whole budget: yield, the silence goes on.
    Idle,
    /// It ended: cleanly (`None`) or with the transport's error.
    End(Option<BoxError>),
}

/// Where the async driver's input comes from (boxed, so that [`Events`] names no source type).
pub(crate) trait Source: Send {
    /// Feeds the decoder the source's next input, or reports its end; `Pending` when nothing is ready.
    fn poll_feed(&mut self, decoder: &mut EventDecoder, cx: &mut Context<'_>) -> Poll<Fed>;
}

/// A stream of byte chunks as a driver's source.
struct ByteSource<S> {
    stream: Pin<Box<S>>,
    /// Small chunks gathered and not yet fed.
    gathered: BytesMut,
    /// How the stream ended (`Some(None)`: cleanly), held back while gathered bytes were still to be read.
    held_end: Option<Option<BoxError>>,
}

impl<S, B, E> Source for ByteSource<S>
where
    S: Stream<Item = Result<B, E>> + Send,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    fn poll_feed(&mut self, decoder: &mut EventDecoder, cx: &mut Context<'_>) -> Poll<Fed> {
        if let Some(end) = self.held_end.take() {
            return Poll::Ready(Fed::End(end));
        }
        // Empty chunks count against the budget; chunks with bytes are gathered up to GATHER_SIZE, which
        // bounds this loop for them.
        let mut empty = 0;
        while empty < POLL_BUDGET {
            let end = match self.stream.as_mut().poll_next(cx) {
                Poll::Pending if self.gathered.is_empty() => return Poll::Pending,
                Poll::Pending => return Poll::Ready(self.feed_gathered(decoder)),
                Poll::Ready(Some(Ok(chunk))) => {
                    let chunk: Bytes = chunk.into();
                    if chunk.is_empty() {
                        empty += 1;
                        continue;
                    }
                    let whole = chunk.len() >= SMALL_CHUNK || decoder.keeps_chunks_whole();
                    if whole && self.gathered.is_empty() {
                        decoder.feed_bytes(chunk);
                        return Poll::Ready(Fed::Input);
                    }
                    if self.gathered.is_empty() {
                        // One allocation per gathered chunk (reclaimed once the decoder has let go of the last).
                        self.gathered.reserve(GATHER_SIZE + SMALL_CHUNK);
                    }
                    self.gathered.extend_from_slice(&chunk);
                    if self.gathered.len() >= GATHER_SIZE || chunk.len() >= SMALL_CHUNK {
                        return Poll::Ready(self.feed_gathered(decoder));
                    }
                    continue;
                }
                Poll::Ready(Some(Err(e))) => Some(e.into()),
                Poll::Ready(None) => None,
            };
            if self.gathered.is_empty() {
                return Poll::Ready(Fed::End(end));
            }
            // The events in the gathered bytes come first.
            self.held_end = Some(end);
            return Poll::Ready(self.feed_gathered(decoder));
        }
        // The budget is spent on small (or empty) chunks: hand over what was gathered, or yield.
        if !self.gathered.is_empty() {
            return Poll::Ready(self.feed_gathered(decoder));
        }
        Poll::Ready(Fed::Idle)
    }
}

impl<S> ByteSource<S> {
    fn feed_gathered(&mut self, decoder: &mut EventDecoder) -> Fed {
        decoder.feed_bytes(self.gathered.split().freeze());
        Fed::Input
    }
}

/// A stream of `eventsource_stream::Event`s as a driver's source: each frame is one whole event.
#[cfg(feature = "eventsource-stream")]
struct FrameSource<S> {
    stream: Pin<Box<S>>,
}

#[cfg(feature = "eventsource-stream")]
impl<S, E> Source for FrameSource<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>> + Send,
    E: Into<BoxError>,
{
    fn poll_feed(&mut self, decoder: &mut EventDecoder, cx: &mut Context<'_>) -> Poll<Fed> {
        Poll::Ready(match std::task::ready!(self.stream.as_mut().poll_next(cx)) {
            Some(Ok(frame)) => {
                decoder.push_named_event(Some(frame.event), frame.data);
                Fed::Input
            }
            Some(Err(e)) => Fed::End(Some(e.into())),
            None => Fed::End(None),
        })
    }
}

/// The stall watchdog's state (feature `tokio`).
#[cfg(feature = "tokio")]
struct Idle {
    limit: std::time::Duration,
    /// Made at the first wait; reset whenever input arrives.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// The async driver: from any stream of byte chunks (`reqwest::Response::bytes_stream()`, a hyper body, a
/// file), a tokio `AsyncRead` or `eventsource-stream` frames to a `Stream` of what `T` names:
///
/// * [`StreamEvent`] (the default): the typed events, in order, each already folded into the message
///   ([`decoder`](Self::decoder)`().snapshot()`);
/// * [`SdkEvent`], from [`sdk_events`](Self::sdk_events): the official SDK's stream iteration, helper events
///   included;
/// * `String`, from [`text`](Self::text): the text deltas only, as they arrive.
///
/// Every item type passes every event through the fold, so [`final_message`](Self::final_message) and the
/// snapshot are the same whichever is iterated. The first error (an API `error` event, a transport error,
/// invalid JSON, a protocol violation, a stream cut before `message_stop`) is the last item. It holds at most
/// the current chunk and the bytes of an unfinished event; dropping it stops reading (and drops the source,
/// which for an HTTP body closes the connection). The bytes are SSE unless [`with_format`](Self::with_format)
/// says otherwise. The source is boxed, so `Events` names no source type: a struct field, a function's
/// return type or a hyper and a reqwest body alike are all `Events`. It must be `Send + 'static` (as an HTTP
/// body is), so that `Events` is `Send` too and can be moved into a spawned task; a stream that borrows local
/// data is collected into owned chunks first.
///
/// ```
/// # futures::executor::block_on(async {
/// use anthropic_sse::{Delta, Events, StreamEvent};
/// use futures::StreamExt;
///
/// // With reqwest: `Events::new(response.bytes_stream())` (or `anthropic_sse::reqwest::events(response)`,
/// // which also reads the request ids and the error statuses). Here, a recorded stream in 64-byte chunks:
/// let body = futures::stream::iter(anthropic_sse::SAMPLE_STREAM.chunks(64).map(Ok::<_, std::io::Error>));
/// let mut events = Events::new(body).with_request_id("req_011CXYZ");
/// while let Some(event) = events.next().await {
///     if let StreamEvent::ContentBlockDelta(d) = event? {
///         if let Delta::Text { text, .. } = &d.delta {
///             print!("{text}"); // text as it arrives
///         }
///     }
/// }
/// let message = events.decoder().snapshot().expect("the message started");
/// assert_eq!(message.usage.output_tokens, Some(57));
/// # Ok::<(), anthropic_sse::Error>(())
/// # }).unwrap();
/// ```
pub struct Events<T = StreamEvent> {
    /// `None` once the stream has ended or its end was seen (dropped at once: for an HTTP body, the
    /// connection closes).
    source: Option<Box<dyn Source>>,
    run: Run,
    #[cfg(feature = "tokio")]
    idle: Option<Idle>,
    item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("decoder", &self.run.decoder).finish_non_exhaustive()
    }
}

impl Events {
    /// Typed events from a stream of byte chunks (SSE unless [`with_format`](Self::with_format) says
    /// otherwise). A chunk is anything that converts into `Bytes` without a copy (`Bytes`, `Vec<u8>`,
    /// `String`, `&'static [u8]`, ...); small chunks that are ready at once are gathered, never waited for.
    pub fn new<S, B, E>(source: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Self::from_source(Box::new(ByteSource { stream: Box::pin(source), gathered: BytesMut::new(), held_end: None }))
    }

    /// Typed events from a tokio `AsyncRead` (a file, a socket, a child's stdout), read 64 KiB at a time
    /// through `tokio_util::io::ReaderStream`.
    #[cfg(feature = "tokio")]
    pub fn from_async_read<R>(reader: R) -> Self
    where
        R: tokio::io::AsyncRead + Send + 'static,
    {
        Self::new(tokio_util::io::ReaderStream::with_capacity(reader, super::READ_SIZE))
    }

    /// Typed events from the `eventsource_stream::Event` frames that `reqwest-eventsource` and
    /// `eventsource-stream` users hold (e.g. `bytes_stream().eventsource()`), without changing their transport:
    /// each frame is one whole event with its name (feature `eventsource-stream`).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use anthropic_sse::Events;
    /// use eventsource_stream::Eventsource;
    ///
    /// let chunks = futures::stream::iter([Ok::<_, std::io::Error>(anthropic_sse::SAMPLE_STREAM)]);
    /// let message = Events::from_eventsource(chunks.eventsource()).final_message().await?;
    /// assert_eq!(message.content.len(), 2);
    /// # Ok::<(), anthropic_sse::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "eventsource-stream")]
    pub fn from_eventsource<S, E>(source: S) -> Self
    where
        S: Stream<Item = Result<eventsource_stream::Event, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self::from_source(Box::new(FrameSource { stream: Box::pin(source) }))
            .with_format(crate::framing::Format::JsonEvents)
    }

    fn from_source(source: Box<dyn Source>) -> Self {
        Events {
            source: Some(source),
            run: Run::new(EventDecoder::new()),
            #[cfg(feature = "tokio")]
            idle: None,
            item: PhantomData,
        }
    }
}

impl<T> Events<T> {
    decoder_options!();

    /// A stall watchdog (feature `tokio`; it needs a tokio runtime with its timer, as `#[tokio::main]`
    /// gives): if no byte arrives for `idle` (pings and comments count; empty chunks do not), the stream ends
    /// with an error of kind [`Stalled`](crate::error::ErrorKind::Stalled) that says how long it waited and
    /// whether content had been delivered, with the message so far. Off by default. The API pings about every
    /// 15 s when it has nothing else to send, so a minute or two is a safe value (long extended thinking
    /// included). A duration too large to add to the clock means "never".
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use anthropic_sse::{error::ErrorKind, Events};
    /// use futures::StreamExt;
    ///
    /// // A source that sends the start of a stream and then nothing.
    /// let head = &anthropic_sse::SAMPLE_STREAM[..400];
    /// let silent = futures::stream::iter([Ok::<_, std::io::Error>(head)]).chain(futures::stream::pending());
    /// let events = Events::new(silent).with_idle_timeout(Duration::from_millis(50));
    /// let err = events.final_message().await.unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Stalled);
    /// assert!(err.partial_message().is_some(), "the message so far");
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    pub fn with_idle_timeout(mut self, idle: std::time::Duration) -> Self {
        self.idle = Some(Idle { limit: idle.min(super::FAR_FUTURE), timer: None });
        self
    }

    /// [`with_idle_timeout`](Self::with_idle_timeout) with the clock started at `since` (the HTTP edge: when the
    /// response's headers arrived), not at the first poll.
    #[cfg(feature = "tokio")]
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn with_idle_timeout_since(mut self, idle: std::time::Duration, since: tokio::time::Instant) -> Self {
        let idle = idle.min(super::FAR_FUTURE);
        let timer = since.checked_add(idle).map(|deadline| Box::pin(tokio::time::sleep_until(deadline)));
        // A deadline too far to reach: never.
        let timer = timer.or_else(|| Some(Box::pin(tokio::time::sleep(idle))));
        self.idle = Some(Idle { limit: idle, timer });
        self
    }

    /// The text deltas only, as they arrive (every event still passes through the fold).
    pub fn text(self) -> Events<String> {
        self.into_items()
    }

    /// The official SDK's stream iteration ([`SdkEvent`]): raw events and helper events, their snapshots read
    /// from [`decoder_mut`](Self::decoder_mut) when each item arrives.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use anthropic_sse::{Events, SdkEvent};
    /// use futures::StreamExt;
    ///
    /// let body = futures::stream::iter([Ok::<_, std::io::Error>(anthropic_sse::SAMPLE_STREAM)]);
    /// let mut items = Events::new(body).sdk_events();
    /// while let Some(item) = items.next().await {
    ///     if let SdkEvent::InputJson { index, .. } = item? {
    ///         let so_far = items.decoder_mut().partial_tool_input(index).expect("a tool block");
    ///         assert!(so_far.expect("JSON so far").to_value().is_object());
    ///     }
    /// }
    /// # Ok::<(), anthropic_sse::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn sdk_events(self) -> Events<SdkEvent> {
        self.into_items()
    }

    fn into_items<U>(self) -> Events<U> {
        Events {
            source: self.source,
            run: self.run,
            #[cfg(feature = "tokio")]
            idle: self.idle,
            item: PhantomData,
        }
    }

    /// Reads the stream up to `message_stop` (or its end) and returns the final message, equal to the official
    /// Python SDK's `get_final_message()` for the same bytes. What follows `message_stop` is not waited for nor
    /// read (a connection left open after it is no stall; the SDK would also apply an error event that came
    /// after it, which the crate ignores as it ignores every later event). On failure the error carries the message so far
    /// ([`Error::partial_message`]); if the stream already ended with an error that was handed out as an item,
    /// that same error.
    ///
    /// Events are folded without being built: text and tool input go straight from the chunk into the message.
    pub async fn final_message(self) -> Result<Message, Error> {
        self.final_message_with_metrics().await.map(|(message, _)| message)
    }

    /// [`final_message`](Self::final_message), with the invocation metrics Amazon Bedrock adds to
    /// `message_stop` when they came (they are not part of the message; see
    /// [`EventDecoder::invocation_metrics`]).
    pub async fn final_message_with_metrics(mut self) -> Result<(Message, Option<InvocationMetrics>), Error> {
        std::future::poll_fn(|cx| self.poll_fold(cx)).await;
        self.run.final_message()
    }

    /// Folds the source up to `message_stop` (or its end) without handing events out (the outcome is the
    /// decoder's).
    fn poll_fold(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..POLL_BUDGET {
            match self.run.fold() {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    self.source = None;
                    return Poll::Ready(());
                }
            }
            if std::task::ready!(self.poll_feed(cx)).is_err() {
                return Poll::Ready(());
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// The next item that `next` takes from the decoder, feeding it from the source as needed.
    fn poll_item<U>(
        &mut self,
        cx: &mut Context<'_>,
        next: fn(&mut EventDecoder) -> Option<Result<U, Error>>,
    ) -> Poll<Option<Result<U, Error>>> {
        for _ in 0..POLL_BUDGET {
            let item = self.run.take(next);
            if item.is_some() || !self.run.is_reading() {
                if !self.run.is_reading() {
                    self.source = None;
                }
                return Poll::Ready(item);
            }
            if let Err(error) = std::task::ready!(self.poll_feed(cx)) {
                return Poll::Ready(Some(Err(error)));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// One step of the source. `Err` is the error that ends the stream (a transport failure, a stall).
    fn poll_feed(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Some(source) = self.source.as_mut() else { return Poll::Ready(Ok(())) };
        let fed = match source.poll_feed(&mut self.run.decoder, cx) {
            Poll::Ready(Fed::Idle) => {
                // Empty chunks are silence: the watchdog runs on; yield so that others (and a timeout) can run.
                if let Poll::Ready(stalled) = self.poll_idle(cx) {
                    return Poll::Ready(Err(stalled));
                }
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Pending => return self.poll_idle(cx).map(Err),
            Poll::Ready(fed) => fed,
        };
        let end = match fed {
            Fed::Input => {
                self.heard();
                return Poll::Ready(Ok(()));
            }
            Fed::Idle => unreachable!("handled above"),
            Fed::End(end) => end,
        };
        self.source = None;
        match self.run.source_ended(end.map(Error::transport)) {
            None => Poll::Ready(Ok(())),
            Some(error) => Poll::Ready(Err(error)),
        }
    }

    /// The source has given nothing: `Pending`, unless the watchdog's time is up, which ends the stream with
    /// the error returned (recorded in the decoder; the source is dropped).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Error> {
        #[cfg(feature = "tokio")]
        if let Some(idle) = self.idle.as_mut().filter(|_| !self.run.decoder.is_complete()) {
            // Disarmed at `message_stop`: what follows the message is read to the end, however slow.
            let limit = idle.limit;
            let timer = idle.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
            if std::future::Future::poll(timer.as_mut(), cx).is_ready() {
                let delivered = self.run.decoder.snapshot().is_some_and(|m| !m.content.is_empty());
                self.source = None;
                let stalled = Error::stalled(limit, delivered);
                return Poll::Ready(self.run.source_ended(Some(stalled.clone())).unwrap_or(stalled));
            }
        }
        let _ = cx;
        Poll::Pending
    }

    /// Bytes arrived: the watchdog starts again.
    fn heard(&mut self) {
        #[cfg(feature = "tokio")]
        if let Some(Idle { limit, timer: Some(timer) }) = &mut self.idle {
            // A duration too large to add to the clock means "never": the timer is left where it was, far ahead.
            if let Some(deadline) = tokio::time::Instant::now().checked_add(*limit) {
                timer.as_mut().reset(deadline);
            }
        }
    }
}

impl Stream for Events<StreamEvent> {
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx, EventDecoder::next_event)
    }
}

impl Stream for Events<SdkEvent> {
    type Item = Result<SdkEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx, EventDecoder::next_sdk_event)
    }
}

impl Stream for Events<String> {
    type Item = Result<String, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx, next_text)
    }
}

#[cfg(feature = "eventsource-stream")]
impl StreamEvent {
    /// Types one `eventsource_stream::Event` (see [`StreamEvent::from_json`]; feature `eventsource-stream`).
    pub fn from_eventsource(event: &eventsource_stream::Event) -> Result<Option<StreamEvent>, Error> {
        StreamEvent::from_json(&event.data, Some(&event.event))
    }
}
