//! Interoperability with `eventsource-stream` (feature `eventsource-stream`): typed events from the
//! `eventsource_stream::Event` frames that `reqwest-eventsource` and `eventsource-stream` users hold today,
//! without changing their transport. The frames go through the same driver and pipeline as bytes do, framed
//! as [`WholeEvents`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::driver::{Driver, Fed, Source};
use crate::error::{BoxError, Error};
use crate::framing::WholeEvents;
use crate::model::event::StreamEvent;
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

impl StreamEvent {
    /// Types one `eventsource_stream::Event` (see [`StreamEvent::from_json`]).
    pub fn from_eventsource(event: &eventsource_stream::Event) -> Result<Option<StreamEvent>, Error> {
        StreamEvent::from_json(&event.data, Some(&event.event))
    }
}

/// A stream of `eventsource_stream::Event`s as a driver's source: each frame is one whole event.
struct FrameSource<S> {
    stream: Pin<Box<S>>,
}

impl<S, E> Source<WholeEvents> for FrameSource<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>>,
    E: Into<BoxError>,
{
    fn poll_feed(&mut self, decoder: &mut EventDecoder<WholeEvents>, cx: &mut Context<'_>) -> Poll<Fed> {
        Poll::Ready(match std::task::ready!(self.stream.as_mut().poll_next(cx)) {
            Some(Ok(frame)) => {
                decoder.framing_mut().push(Some(frame.event), frame.data);
                Fed::Input
            }
            Some(Err(e)) => Fed::End(Some(e.into())),
            None => Fed::End(None),
        })
    }
}

/// Typed events, folded into the message as they pass, from a stream of `eventsource_stream::Event`s (for
/// example `bytes_stream().eventsource()`). Like [`EventStream`](crate::EventStream), the first error ends it.
///
/// ```
/// # futures::executor::block_on(async {
/// use anthropic_sse::EventsourceEvents;
/// use eventsource_stream::Eventsource;
///
/// let chunks = futures::stream::iter([Ok::<_, std::io::Error>(anthropic_sse::SAMPLE_STREAM)]);
/// let message = EventsourceEvents::new(chunks.eventsource()).final_message().await?;
/// assert_eq!(message.content.len(), 2);
/// # Ok::<(), anthropic_sse::Error>(())
/// # }).unwrap();
/// ```
pub struct EventsourceEvents<S> {
    driver: Driver<FrameSource<S>, WholeEvents>,
}

impl<S> std::fmt::Debug for EventsourceEvents<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsourceEvents").field("decoder", &self.driver.decoder).finish_non_exhaustive()
    }
}

impl<S, E> EventsourceEvents<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>>,
    E: Into<BoxError>,
{
    /// Wraps a stream of `eventsource_stream::Event`s.
    pub fn new(source: S) -> Self {
        let decoder = EventDecoder::with_framing(WholeEvents::new(), Default::default());
        EventsourceEvents { driver: Driver::new(FrameSource { stream: Box::pin(source) }, decoder) }
    }

    /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.driver.decoder.set_request_id(request_id);
        self
    }

    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.driver.decoder.snapshot()
    }

    /// The decoder underneath.
    pub fn decoder(&self) -> &EventDecoder<WholeEvents> {
        &self.driver.decoder
    }

    /// Reads to the end and returns the final message (see
    /// [`EventStream::final_message`](crate::EventStream::final_message)).
    pub async fn final_message(self) -> Result<Message, Error> {
        self.driver.final_message().await
    }
}

impl<S, E> Stream for EventsourceEvents<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>>,
    E: Into<BoxError>,
{
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().driver.poll_event(cx)
    }
}
