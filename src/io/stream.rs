//! [`EventStream`]: typed events from any `futures::Stream` of byte chunks, and [`TextStream`], its text.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use futures_core::Stream;

use super::driver::{Driver, Fed, Source, POLL_BUDGET};
use super::Chunk;
use crate::error::{BoxError, Error};
use crate::fold::helpers::SdkEvent;
use crate::framing::sse::Decoder;
use crate::framing::{Framing, WholeEvents};
use crate::model::event::{Delta, InvocationMetrics, StreamEvent};
use crate::model::message::Message;
use crate::model::tool_input::ToolInputView;
use crate::partial_json::PartialJsonError;
use crate::pipeline::EventDecoder;

/// Chunks smaller than this are gathered, while more are ready at once, into one of up to [`GATHER_SIZE`]
/// bytes: events can then be read in place, where split over many tiny chunks each would be pieced together
/// line by line. Nothing waits: gathering stops as soon as the source has nothing ready.
const SMALL_CHUNK: usize = 4 * 1024;
const GATHER_SIZE: usize = 64 * 1024;

/// A stream of byte chunks as a driver's source.
pub(crate) struct ByteSource<S> {
    stream: Pin<Box<S>>,
    /// Small chunks gathered and not yet fed.
    gathered: BytesMut,
    /// How the stream ended (`Some(None)`: cleanly), held back while gathered bytes were still to be read.
    held_end: Option<Option<BoxError>>,
    /// The stall watchdog: how long the source may stay silent, and its timer (made at the first wait).
    #[cfg(feature = "tokio")]
    idle: Option<(std::time::Duration, Option<Pin<Box<tokio::time::Sleep>>>)>,
}

impl<S> std::fmt::Debug for ByteSource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteSource").field("gathered", &self.gathered.len()).finish_non_exhaustive()
    }
}

impl<S, B, E, F> Source<F> for ByteSource<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing,
{
    fn poll_feed(&mut self, decoder: &mut EventDecoder<F>, cx: &mut Context<'_>) -> Poll<Fed> {
        if let Some(end) = self.held_end.take() {
            return Poll::Ready(Fed::End(end));
        }
        // Empty chunks count against the budget; chunks with bytes are gathered up to GATHER_SIZE, which
        // bounds this loop for them.
        let mut empty = 0;
        while empty < POLL_BUDGET {
            let end = match self.stream.as_mut().poll_next(cx) {
                Poll::Pending if self.gathered.is_empty() => return self.poll_idle(cx),
                Poll::Pending => return Poll::Ready(self.feed_gathered(decoder)),
                Poll::Ready(Some(Ok(chunk))) => {
                    let chunk = chunk.into_bytes();
                    if chunk.is_empty() {
                        empty += 1;
                        continue;
                    }
                    self.heard();
                    if (chunk.len() >= SMALL_CHUNK || decoder.framing().keeps_chunks_whole())
                        && self.gathered.is_empty()
                    {
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
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<S> ByteSource<S> {
    /// The source has nothing ready: `Pending`, unless the watchdog's time is up.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Fed> {
        #[cfg(feature = "tokio")]
        if let Some((waited, timer)) = &mut self.idle {
            let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(*waited)));
            if std::future::Future::poll(timer.as_mut(), cx).is_ready() {
                return Poll::Ready(Fed::Stalled(*waited));
            }
        }
        let _ = cx;
        Poll::Pending
    }

    /// Bytes arrived: the watchdog starts again.
    fn heard(&mut self) {
        #[cfg(feature = "tokio")]
        if let Some((waited, Some(timer))) = &mut self.idle {
            timer.as_mut().reset(tokio::time::Instant::now() + *waited);
        }
    }

    fn feed_gathered<F: Framing>(&mut self, decoder: &mut EventDecoder<F>) -> Fed {
        decoder.feed_bytes(self.gathered.split().freeze());
        Fed::Input
    }
}

/// Typed events from any stream of byte chunks, e.g. `reqwest::Response::bytes_stream()`.
///
/// It is a `Stream<Item = Result<StreamEvent, Error>>`: each item is an event, in order, already folded into
/// the message ([`snapshot`](Self::snapshot)); the first error (an API `error` event, a transport error,
/// invalid JSON, a protocol violation, a stream cut before `message_stop`) is the last item. It holds at most
/// the current chunk and the bytes of an unfinished event; dropping it stops reading (and drops the source,
/// which for an HTTP body closes the connection). The bytes are SSE unless the decoder given to
/// [`with_decoder`](Self::with_decoder) has another [`Framing`].
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
pub struct EventStream<S, F = Decoder> {
    driver: Driver<ByteSource<S>, F>,
}

impl<S, F: Framing> std::fmt::Debug for EventStream<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("decoder", &self.driver.decoder).finish_non_exhaustive()
    }
}

impl<S, B, E> EventStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    /// Wraps a stream of SSE byte chunks.
    pub fn new(source: S) -> Self {
        Self::with_decoder(source, EventDecoder::new())
    }
}

impl<S, B, E> EventStream<S, WholeEvents>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    /// Wraps a stream whose items are each one event's JSON, already split: the AWS SDK for Rust's
    /// `PayloadPart` bytes (`ResponseStream::Chunk`), a gateway's messages. The same typing, fold and errors
    /// as SSE; items are never gathered together.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use anthropic_sse::EventStream;
    ///
    /// let events = [
    ///     r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{}}}"#,
    ///     r#"{"type":"message_stop"}"#,
    /// ];
    /// let items = futures::stream::iter(events.map(Ok::<_, std::io::Error>));
    /// let message = EventStream::from_json_events(items).final_message().await?;
    /// assert_eq!(message.id, "m");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_json_events(source: S) -> Self {
        Self::with_decoder(source, EventDecoder::with_framing(WholeEvents::new(), Default::default()))
    }
}

impl<S, B, E, F> EventStream<S, F>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing,
{
    /// Wraps a stream of byte chunks, decoding with the given decoder (framing, limits, request id).
    pub fn with_decoder(source: S, decoder: EventDecoder<F>) -> Self {
        let source = ByteSource {
            stream: Box::pin(source),
            gathered: BytesMut::new(),
            held_end: None,
            #[cfg(feature = "tokio")]
            idle: None,
        };
        EventStream { driver: Driver::new(source, decoder) }
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.driver.decoder.set_request_id(request_id);
        self
    }

    /// A stall watchdog (feature `tokio`; it needs a tokio runtime with its timer, as `#[tokio::main]`
    /// gives): if no byte arrives for `idle` (pings and comments count), the stream ends with an error of
    /// category [`Stalled`](crate::error::Category::Stalled) that says how long it waited and whether content
    /// had been delivered, with the message so far. Off by default. The API pings about every 15 s when it
    /// has nothing else to send, so a minute or two is a safe value (long extended thinking included).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use anthropic_sse::{error::Category, EventStream};
    /// use futures::StreamExt;
    ///
    /// // A source that sends the start of a stream and then nothing.
    /// let head = &anthropic_sse::SAMPLE_STREAM[..400];
    /// let silent = futures::stream::iter([Ok::<_, std::io::Error>(head)]).chain(futures::stream::pending());
    /// let events = EventStream::new(silent).with_idle_timeout(Duration::from_millis(50));
    /// let err = events.final_message().await.unwrap_err();
    /// assert_eq!(err.classify(), Category::Stalled);
    /// assert!(err.partial_message().is_some(), "the message so far");
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    pub fn with_idle_timeout(mut self, idle: std::time::Duration) -> Self {
        if let Some(source) = self.driver.source_mut() {
            source.idle = Some((idle, None));
        }
        self
    }

    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.driver.decoder.snapshot()
    }

    /// The decoder underneath: the accumulator, the request id, the error that ended the stream.
    pub fn decoder(&self) -> &EventDecoder<F> {
        &self.driver.decoder
    }

    /// The tool input of the block at `index` parsed from the pieces so far, as the SDKs' `input_json`
    /// snapshot, but incremental: asking after every delta costs time linear in the whole input.
    pub fn partial_tool_input(&mut self, index: usize) -> Option<Result<ToolInputView<'_>, PartialJsonError>> {
        self.driver.decoder.partial_tool_input(index)
    }

    /// Reads the stream to its end and returns the final message, equal to the official Python SDK's
    /// `get_final_message()` for the same bytes. On failure the error carries the message so far
    /// ([`Error::partial_message`]); if the stream already ended with an error that was handed out as an item,
    /// that same error.
    ///
    /// Events are folded without being built: text and tool input go straight from the chunk into the message.
    pub async fn final_message(self) -> Result<Message, Error> {
        self.driver.final_message().await
    }

    /// [`final_message`](Self::final_message), with the invocation metrics Amazon Bedrock adds to
    /// `message_stop` when they came (they are not part of the message; see
    /// [`EventDecoder::invocation_metrics`]).
    pub async fn final_message_with_metrics(self) -> Result<(Message, Option<InvocationMetrics>), Error> {
        self.driver.final_message_with_metrics().await
    }

    /// Reads the stream to its end and returns the text of its text blocks, joined with `""`.
    pub async fn final_text(self) -> Result<String, Error> {
        self.final_message().await.map(|m| m.text())
    }

    /// The text deltas only, as they arrive.
    pub fn text_stream(self) -> TextStream<S, F> {
        TextStream { events: self }
    }

    /// The official SDK's stream iteration ([`SdkEvent`]): raw events and helper events, their snapshots read
    /// from [`SdkEvents::decoder_mut`](crate::SdkEvents::decoder_mut) when each item arrives.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use anthropic_sse::{EventStream, SdkEvent};
    /// use futures::StreamExt;
    ///
    /// let body = futures::stream::iter([Ok::<_, std::io::Error>(anthropic_sse::SAMPLE_STREAM)]);
    /// let mut items = EventStream::new(body).sdk_events();
    /// while let Some(item) = items.next().await {
    ///     if let SdkEvent::InputJson { index, .. } = item? {
    ///         let so_far = items.decoder_mut().partial_tool_input(index).expect("a tool block");
    ///         assert!(so_far.expect("JSON so far").to_value().is_object());
    ///     }
    /// }
    /// # Ok::<(), anthropic_sse::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn sdk_events(self) -> SdkEvents<S, F> {
        SdkEvents { events: self }
    }
}

impl<S, B, E, F> Stream for EventStream<S, F>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing + Unpin,
{
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().driver.poll_event(cx)
    }
}

/// The official SDK's stream iteration over an [`EventStream`] (see [`EventStream::sdk_events`]).
pub struct SdkEvents<S, F = Decoder> {
    events: EventStream<S, F>,
}

impl<S, F: Framing> std::fmt::Debug for SdkEvents<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkEvents").field("events", &self.events).finish()
    }
}

impl<S, F: Framing> SdkEvents<S, F> {
    /// The decoder underneath, for the snapshots of the items ([`EventDecoder::snapshot`],
    /// [`EventDecoder::partial_tool_input`], [`EventDecoder::sdk_event_json`]).
    pub fn decoder_mut(&mut self) -> &mut EventDecoder<F> {
        &mut self.events.driver.decoder
    }
}

impl<S, B, E, F> Stream for SdkEvents<S, F>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing + Unpin,
{
    type Item = Result<SdkEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().events.driver.poll_item(cx, EventDecoder::next_sdk_event)
    }
}

/// The text deltas of an [`EventStream`], as they arrive. Errors end it as they end the event stream.
pub struct TextStream<S, F = Decoder> {
    events: EventStream<S, F>,
}

impl<S, F: Framing> std::fmt::Debug for TextStream<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextStream").field("events", &self.events).finish()
    }
}

impl<S, B, E, F> Stream for TextStream<S, F>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing + Unpin,
{
    type Item = Result<String, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let driver = &mut self.get_mut().events.driver;
        for _ in 0..POLL_BUDGET {
            match std::task::ready!(driver.poll_event(cx)) {
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
pub(crate) fn text_of(event: StreamEvent) -> Option<String> {
    match event {
        StreamEvent::ContentBlockDelta(d) => match d.delta {
            Delta::Text(t) => Some(t.text),
            _ => None,
        },
        _ => None,
    }
}

impl<S, B, E, F> TextStream<S, F>
where
    S: Stream<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
    F: Framing,
{
    /// The message folded from the events so far (every event passes through the fold, text or not).
    pub fn snapshot(&self) -> Option<&Message> {
        self.events.snapshot()
    }

    /// The decoder underneath: the accumulator, the tool input so far, the error that ended the stream.
    pub fn decoder(&self) -> &EventDecoder<F> {
        self.events.decoder()
    }

    /// Reads the rest of the stream and returns the final message, usage included (see
    /// [`EventStream::final_message`]); after an error item, that error.
    pub async fn final_message(self) -> Result<Message, Error> {
        self.events.final_message().await
    }
}
