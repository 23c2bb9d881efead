//! The one async driver: a source feeds an [`EventDecoder`], and the driver hands out events or folds them,
//! under a poll budget, ending on the first error. [`EventStream`](crate::EventStream) (byte chunks, and a
//! tokio `AsyncRead` through them) and [`EventsourceEvents`](crate::EventsourceEvents) (frames decoded
//! elsewhere) differ only in their source.

use std::task::{Context, Poll};

use crate::error::{BoxError, Error};
use crate::framing::Framing;
use crate::model::event::StreamEvent;
use crate::pipeline::EventDecoder;

/// How many times one `poll` may take from the source without handing anything out before it yields back to
/// the executor (waking itself first), as tokio's cooperative budget does: a source that is always ready with
/// empty chunks, comments or nothing but folded deltas must not keep a task, and a `timeout` around it, from
/// ever running on.
pub(crate) const POLL_BUDGET: usize = 128;

/// What one step of a source did.
pub(crate) enum Fed {
    /// It fed the decoder some input (possibly none that completes an event).
    Input,
    /// Nothing arrived for the idle timeout it was given (the watchdog needs tokio's timer).
    #[cfg(feature = "tokio")]
    Stalled(std::time::Duration),
    /// It ended: cleanly (`None`) or with the transport's error.
    End(Option<BoxError>),
}

/// Where a driver's input comes from.
pub(crate) trait Source<F> {
    /// Feeds the decoder the source's next input, or reports its end; `Pending` when nothing is ready.
    fn poll_feed(&mut self, decoder: &mut EventDecoder<F>, cx: &mut Context<'_>) -> Poll<Fed>;
}

/// A source and the decoder it feeds.
pub(crate) struct Driver<S, F> {
    /// `None` once the source has ended or failed (dropped at once: for an HTTP body, the connection closes).
    source: Option<S>,
    pub(crate) decoder: EventDecoder<F>,
    /// The source ended cleanly; `finish` is still to be called.
    ending: bool,
    done: bool,
}

impl<S: Source<F>, F: Framing> Driver<S, F> {
    /// The source, while it has not ended (to set the idle timeout, which needs tokio's timer).
    #[cfg(feature = "tokio")]
    pub(crate) fn source_mut(&mut self) -> Option<&mut S> {
        self.source.as_mut()
    }

    pub(crate) fn new(source: S, decoder: EventDecoder<F>) -> Self {
        Driver { source: Some(source), decoder, ending: false, done: false }
    }

    /// The next event: `Ready(None)` once the stream has ended (after a clean end or its first error).
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<StreamEvent, Error>>> {
        self.poll_item(cx, EventDecoder::next_event)
    }

    /// The next item that `next` takes from the decoder (an event, an SDK helper event), feeding it from the
    /// source as needed.
    pub(crate) fn poll_item<T>(
        &mut self,
        cx: &mut Context<'_>,
        next: fn(&mut EventDecoder<F>) -> Option<Result<T, Error>>,
    ) -> Poll<Option<Result<T, Error>>> {
        for _ in 0..POLL_BUDGET {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(item) = next(&mut self.decoder) {
                if item.is_err() {
                    self.stop();
                }
                return Poll::Ready(Some(item));
            }
            if let Err(error) = std::task::ready!(self.poll_feed(cx)) {
                return Poll::Ready(Some(Err(error)));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Folds the source to its end without handing events out: `Ready(None)` when it ended cleanly (or had
    /// already ended), else the error that ended it.
    pub(crate) fn poll_fold(&mut self, cx: &mut Context<'_>) -> Poll<Option<Error>> {
        for _ in 0..POLL_BUDGET {
            if self.done {
                return Poll::Ready(None);
            }
            if let Err(error) = self.decoder.fold_buffered() {
                self.stop();
                return Poll::Ready(Some(error));
            }
            if let Err(error) = std::task::ready!(self.poll_feed(cx)) {
                return Poll::Ready(Some(error));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Reads the source to its end and returns the final message (the first error, if one ended the stream).
    pub(crate) async fn final_message(self) -> Result<crate::Message, Error> {
        self.final_message_with_metrics().await.map(|(message, _)| message)
    }

    /// [`final_message`](Self::final_message), with Amazon Bedrock's invocation metrics when they came.
    pub(crate) async fn final_message_with_metrics(
        mut self,
    ) -> Result<(crate::Message, Option<crate::InvocationMetrics>), Error> {
        let end = std::future::poll_fn(|cx| self.poll_fold(cx)).await;
        let metrics = self.decoder.invocation_metrics().cloned();
        self.decoder.into_final_message(end).map(|message| (message, metrics))
    }

    /// One step of the source. `Err` is the error that ends the stream.
    fn poll_feed(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Some(source) = self.source.as_mut() else {
            // The source ended cleanly and the events its end completed were taken: the verdict.
            if std::mem::take(&mut self.ending) {
                if let Some(error) = self.decoder.finish() {
                    self.stop();
                    return Poll::Ready(Err(error));
                }
            }
            self.done = true;
            return Poll::Ready(Ok(()));
        };
        let end = match std::task::ready!(source.poll_feed(&mut self.decoder, cx)) {
            Fed::Input => return Poll::Ready(Ok(())),
            #[cfg(feature = "tokio")]
            Fed::Stalled(waited) => {
                let delivered = self.decoder.snapshot().is_some_and(|m| !m.content.is_empty());
                let error = self.decoder.fail(Error::stalled(waited, delivered));
                self.stop();
                return Poll::Ready(Err(error));
            }
            Fed::End(end) => end,
        };
        self.source = None;
        match end {
            Some(e) => {
                let error = self.decoder.fail(Error::transport(e));
                self.stop();
                Poll::Ready(Err(error))
            }
            None => {
                // The events the end completes are taken before the verdict.
                self.decoder.end_input();
                self.ending = true;
                Poll::Ready(Ok(()))
            }
        }
    }

    /// Ends the stream after an error: the source is dropped at once.
    fn stop(&mut self) {
        self.done = true;
        self.source = None;
    }
}
