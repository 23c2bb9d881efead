//! Interoperability with `eventsource-stream` (feature `eventsource-stream`): typed events from the
//! `eventsource_stream::Event` frames that `reqwest-eventsource` and `eventsource-stream` users hold today,
//! without changing their transport.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::{BoxError, Error};
use crate::model::event::StreamEvent;
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

impl StreamEvent {
    /// Types one `eventsource_stream::Event` (see [`StreamEvent::from_frame`]).
    pub fn from_eventsource(event: &eventsource_stream::Event) -> Result<Option<StreamEvent>, Error> {
        StreamEvent::from_json(&event.data, Some(&event.event))
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
    source: Option<Pin<Box<S>>>,
    decoder: EventDecoder,
    done: bool,
}

impl<S> std::fmt::Debug for EventsourceEvents<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsourceEvents").field("decoder", &self.decoder).field("done", &self.done).finish()
    }
}

impl<S, E> EventsourceEvents<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>>,
    E: Into<BoxError>,
{
    /// Wraps a stream of `eventsource_stream::Event`s.
    pub fn new(source: S) -> Self {
        EventsourceEvents { source: Some(Box::pin(source)), decoder: EventDecoder::new(), done: false }
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

    /// Reads to the end and returns the final message (see [`EventStream::final_message`](crate::EventStream::final_message)).
    pub async fn final_message(mut self) -> Result<Message, Error> {
        while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            if let Err(error) = item {
                return self.decoder.into_final_message(Some(error));
            }
        }
        self.decoder.into_final_message(None)
    }
}

impl<S, E> Stream for EventsourceEvents<S>
where
    S: Stream<Item = Result<eventsource_stream::Event, E>>,
    E: Into<BoxError>,
{
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let Some(source) = this.source.as_mut() else {
                this.done = true;
                return Poll::Ready(None);
            };
            let item = match source.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => match this.decoder.push_frame(&frame.event, &frame.data) {
                    Some(item) => item,
                    None => continue,
                },
                Poll::Ready(Some(Err(e))) => Err(this.decoder.fail(Error::transport(e))),
                Poll::Ready(None) => match this.decoder.finish() {
                    Some(error) => Err(error),
                    None => {
                        this.done = true;
                        return Poll::Ready(None);
                    }
                },
            };
            if item.is_err() {
                this.done = true;
                this.source = None;
            }
            return Poll::Ready(Some(item));
        }
    }
}
