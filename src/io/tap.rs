//! The gateway tap: a stream forwarded untouched, and a report of what it carried (usage, message, errors,
//! latency) for whoever observes it.
//!
//! The [`Tap`] is the pass-through: it yields each chunk of its upstream as it came (the same `Bytes`) and, on
//! the way, feeds it to an [`EventDecoder`] that folds the message. The decoder and the figures sit behind a
//! mutex that the [`TapObserver`]s share: one lock per chunk on the forwarding side, none held across a wait.

use std::fmt::Display;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
#[cfg(feature = "tokio")]
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use futures_core::Stream;

use crate::framing::Format;
use crate::limits::Limits;
use crate::model::event::StreamEvent;

mod lines;
mod observed;
mod report;
mod upstream;
mod wakers;
mod wire;

use observed::{End, Observed};
pub use report::TapReport;
#[cfg(feature = "http")]
use upstream::BodyUpstream;
use upstream::{Piece, StreamUpstream, Upstream, error_text};
use wire::Wire;

/// How long, and how much, the upstream is read after the client has gone (feature `tokio`).
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy)]
struct KeepReading {
    time: Duration,
    bytes: u64,
}

/// The state that the tap and its observers share.
struct Shared {
    observed: Mutex<Observed>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Observed> {
        // A callback that panicked leaves figures that are still figures: read on.
        self.observed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state, and hands back with its result a kept upstream whose reading ended, to be dropped
    /// by the caller once the lock is released.
    fn with_released<T>(&self, f: impl FnOnce(&mut Observed) -> T) -> (T, Released) {
        let mut observed = self.lock();
        let result = f(&mut observed);
        #[cfg(feature = "tokio")]
        let released = Released(observed.released.take());
        #[cfg(not(feature = "tokio"))]
        let released = Released;
        (result, released)
    }
}

/// A kept upstream to drop after the lock (nothing without the `tokio` feature).
#[cfg(feature = "tokio")]
struct Released(#[allow(dead_code)] Option<observed::KeptReading>);
#[cfg(not(feature = "tokio"))]
struct Released;

/// The gateway tap: forwards a stream of byte chunks untouched, and reads on the way what it carries, for a
/// [`TapObserver`] (the usage, the message, the error that ended it, the latency; see [`TapReport`]).
///
/// * What the tap yields is what the upstream yields: every chunk, the same `Bytes` (no copy), in order, at
///   once (never held for a later one), to the end of the body (what follows `message_stop` too); an upstream
///   error is passed on as it is, and ends the tap. Reading never changes what is forwarded: a parse error, a
///   limit or an `event: error` is recorded for the observer, and forwarding goes on (the fold stops at its
///   first error).
/// * It is a `Stream` of `Result<Bytes, E>` ([`Tap::new`]) and, with the `http` feature, an
///   `http_body::Body` ([`Tap::from_body`]; [`Tap::response`] taps an `http::Response` and reads its status and
///   headers), to hand to the client: an axum or hyper handler returns it as the response body.
/// * The wire is read from the response's content type, else detected from the first bytes
///   ([`Format::detect`]), unless [`with_format`](Self::with_format) says.
/// * Dropped before the upstream ended (the client went away), it drops the upstream at once (for an HTTP
///   body the connection closes: no more tokens are generated), and the report completes with the message so
///   far, [`client_gone`](TapReport::client_gone) set. [`with_keep_reading`](Self::with_keep_reading) reads on
///   instead, within bounds, to learn the final usage.
///
/// The figures read the clock once per chunk that holds bytes (an empty chunk is forwarded and not counted).
///
/// ```
/// # futures::executor::block_on(async {
/// use anthropic_sse::Tap;
/// use futures::StreamExt;
///
/// // A gateway's upstream body (here a recorded stream in 100-byte chunks).
/// let upstream = futures::stream::iter(anthropic_sse::SAMPLE_STREAM.chunks(100).map(Ok::<_, std::io::Error>));
/// let tap = Tap::new(upstream);
/// let observer = tap.observer();
/// // The client receives exactly what the upstream sent.
/// let forwarded: Vec<bytes::Bytes> = tap.map(Result::unwrap).collect().await;
/// assert_eq!(forwarded.concat(), anthropic_sse::SAMPLE_STREAM);
/// // And the gateway knows what it carried.
/// let report = observer.await;
/// assert!(report.error.is_none() && report.complete);
/// assert_eq!(report.usage().and_then(|u| u.output_tokens), Some(57));
/// assert_eq!(report.bytes_forwarded, anthropic_sse::SAMPLE_STREAM.len() as u64);
/// # });
/// ```
pub struct Tap<E = Box<dyn std::error::Error + Send + Sync>> {
    /// `None` once the upstream has ended (or failed, or stalled): the tap has nothing more to forward.
    upstream: Option<Box<dyn Upstream<E>>>,
    shared: Arc<Shared>,
    /// How the upstream is kept after the client has gone.
    erase: Erase<E>,
    #[cfg(feature = "tokio")]
    keep_reading: Option<KeepReading>,
    #[cfg(feature = "tokio")]
    idle: Option<(Duration, Option<Pin<Box<tokio::time::Sleep>>>)>,
}

impl<E> std::fmt::Debug for Tap<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").field("forwarding", &self.upstream.is_some()).finish_non_exhaustive()
    }
}

impl<E: Display + Send + 'static> Tap<E> {
    /// Taps a stream of byte chunks (a chunk is anything that converts into `Bytes` without a copy); the wire is
    /// detected from the first bytes unless [`with_format`](Self::with_format) says.
    pub fn new<S, B>(upstream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
    {
        Self::with_upstream(Box::new(StreamUpstream(Box::pin(upstream))), Wire::detect())
    }

    /// Taps an HTTP body (feature `http`): its data frames are forwarded as `Bytes` (the same ones when the
    /// body's data is `Bytes`, as hyper's, axum's and reqwest's are), its trailers as they are. The wire is
    /// detected from the first bytes; [`Tap::response`] reads it from the content type.
    #[cfg(feature = "http")]
    pub fn from_body<B>(body: B) -> Self
    where
        B: http_body::Body<Error = E> + Send + 'static,
    {
        Self::with_upstream(Box::new(BodyUpstream(Box::pin(body))), Wire::detect())
    }

    /// Taps an HTTP response (feature `http`): the same response, its body tapped, ready to return from an axum
    /// or hyper handler; [`observer`](Self::observer) on its body (`response.body().observer()`).
    ///
    /// * The request ids (`request-id`, `x-amzn-requestid`) go into the report and its errors.
    /// * A 2xx is read by its content type as [`crate::http::events`] reads it: `text/event-stream` is SSE,
    ///   `application/vnd.amazon.eventstream` Bedrock, none or `application/octet-stream` is detected; a JSON
    ///   body or any other type is forwarded and recorded as an error of kind
    ///   [`NotAStream`](crate::error::ErrorKind::NotAStream) (with the message a JSON body holds, if it is one).
    /// * A non-2xx is forwarded untouched, and its body (the first 1 MiB) read into the report's
    ///   [`ApiError`](crate::ApiError), with the status and what the headers say about retrying.
    ///
    /// Configure the tap with `http::Response::map`: `Tap::response(r).map(|tap| tap.with_start(sent))`.
    #[cfg(feature = "http")]
    pub fn response<B>(response: ::http::Response<B>) -> ::http::Response<Self>
    where
        B: http_body::Body<Error = E> + Send + 'static,
    {
        let (parts, body) = response.into_parts();
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let status = parts.status.as_u16();
        // Kept only for an error body, whose `ApiError` reads them (the retry advice).
        let headers = match parts.status.is_success() {
            true => Vec::new(),
            false => parts
                .headers
                .iter()
                .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
                .collect(),
        };
        let wire = Wire::of_response(status, header("content-type").unwrap_or_default(), headers);
        let tap = Self::with_upstream(Box::new(BodyUpstream(Box::pin(body))), wire);
        {
            let mut observed = tap.shared.lock();
            observed.status = Some(status);
            observed.set_request_ids(header("request-id"), header("x-amzn-requestid"));
        }
        ::http::Response::from_parts(parts, tap)
    }

    fn with_upstream(upstream: Box<dyn Upstream<E>>, wire: Wire) -> Self {
        Tap {
            upstream: Some(upstream),
            shared: Arc::new(Shared { observed: Mutex::new(Observed::new(wire)) }),
            erase: error_text::<E>,
            #[cfg(feature = "tokio")]
            keep_reading: None,
            #[cfg(feature = "tokio")]
            idle: None,
        }
    }
}

impl<E> Tap<E> {
    /// An observer of this tap: a future of the [`TapReport`], resolved when the upstream has ended (or the
    /// client has gone), and a [`snapshot`](TapObserver::snapshot) of the report so far at any time. Call it as
    /// often as needed: every observer sees the same report.
    pub fn observer(&self) -> TapObserver {
        TapObserver { shared: self.shared.clone(), id: self.shared.lock().next_observer_id() }
    }

    /// Reads the given wire format, whatever the content type says (for a 2xx; a non-2xx body is an error
    /// body).
    pub fn with_format(self, format: Format) -> Self {
        self.shared.lock().set_format(format);
        self
    }

    /// The limits of the decoder that reads the stream (see [`Limits`]): memory stays bounded whatever the
    /// upstream sends; past a limit the reading stops, recorded, and forwarding goes on.
    pub fn with_limits(self, limits: Limits) -> Self {
        self.shared.lock().set_limits(limits);
        self
    }

    /// The request ids to record (and put on errors), when the tap was not made by [`Tap::response`], which
    /// reads them from the headers: `request-id`, and `x-amzn-requestid` (Bedrock), the primary one when given.
    pub fn with_request_ids(self, request_id: Option<&str>, aws_request_id: Option<&str>) -> Self {
        self.shared.lock().set_request_ids(request_id, aws_request_id);
        self
    }

    /// The instant the times to the first chunk, event and content count from (e.g. when the request was
    /// sent upstream); by default, when the tap was made.
    pub fn with_start(self, start: Instant) -> Self {
        {
            let mut observed = self.shared.lock();
            observed.start = start;
            observed.start_given = true;
        }
        self
    }

    /// The clock the figures read, once per chunk (tests pass one they move by hand); unless
    /// [`with_start`](Self::with_start) gave the start, it is read from this clock, now.
    pub fn with_clock(self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        {
            let mut observed = self.shared.lock();
            if !observed.start_given {
                observed.start = clock();
            }
            observed.clock = Box::new(clock);
        }
        self
    }

    /// A callback for each event read (for metrics), in order: it sees the events, it cannot change what is
    /// forwarded. It runs where the reading happens: on the task that forwards, on an observer's task when the
    /// tap keeps reading after the client went, or in the tap's drop. Keep it quick, and do not hold or call a
    /// [`TapObserver`] in it: it runs while the report is locked, which the observer would wait for. If it
    /// panics, the panic is caught and it is not called again. Without one the events are folded without being
    /// built, which is faster.
    pub fn with_event_callback(self, callback: impl FnMut(&StreamEvent) + Send + 'static) -> Self {
        self.shared.lock().on_event = Some(Box::new(callback));
        self
    }

    /// An idle timeout (feature `tokio`, in a tokio runtime with its timer): when no byte arrives for `idle`
    /// (counted from the first wait), the tap ends the forwarded body and drops the upstream, and the report
    /// records an error of kind [`Stalled`](crate::error::ErrorKind::Stalled). The body ends as a body ends:
    /// a client sees a stream without `message_stop` (which the crate's readers, unlike the Python SDK, report
    /// as incomplete), not a transport error. None by default: a gateway usually has its own. After
    /// `message_stop` it no longer applies. Resetting the timer reads tokio's clock once more per chunk.
    #[cfg(feature = "tokio")]
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = Some((idle.min(super::FAR_FUTURE), None));
        self
    }

    /// When the client goes before the end, keeps reading the upstream (nothing is forwarded) until
    /// `message_stop`, its end, `time` after the client went or `bytes` more, to learn the final usage (feature
    /// `tokio`: the time bound needs its timer). The reading is done by whoever awaits a [`TapObserver`]
    /// (every waiting observer is woken when there is more); a snapshot after the time bound ends it; with no
    /// observer left, the upstream is dropped. The report still says [`client_gone`](TapReport::client_gone);
    /// [`complete`](TapReport::complete) says whether the usage is final.
    ///
    /// The observer that reads must be awaited in a tokio runtime with its timer.
    #[cfg(feature = "tokio")]
    pub fn with_keep_reading(mut self, time: Duration, bytes: u64) -> Self {
        self.keep_reading = Some(KeepReading { time: time.min(super::FAR_FUTURE), bytes });
        self
    }

    /// One step of the upstream: a piece to forward, recorded on the way; `None` at the end.
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Piece, E>>>
    where
        E: Display,
    {
        let Some(upstream) = self.upstream.as_mut() else { return Poll::Ready(None) };
        match upstream.poll_piece(cx) {
            Poll::Ready(Some(Ok(Piece::Data(chunk)))) => {
                let complete = self.shared.lock().chunk(&chunk, true);
                if !chunk.is_empty() {
                    self.heard(complete);
                }
                Poll::Ready(Some(Ok(Piece::Data(chunk))))
            }
            #[cfg(feature = "http")]
            Poll::Ready(Some(Ok(piece))) => Poll::Ready(Some(Ok(piece))),
            Poll::Ready(Some(Err(error))) => {
                self.upstream = None;
                self.shared.lock().end(End::Upstream(error.to_string()), false);
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) => {
                self.upstream = None;
                self.shared.lock().end(End::Clean, false);
                Poll::Ready(None)
            }
            Poll::Pending => {
                if self.poll_stalled(cx) {
                    self.upstream = None;
                    return Poll::Ready(None);
                }
                Poll::Pending
            }
        }
    }

    /// Bytes arrived: the idle timeout starts again (and no longer applies after `message_stop`).
    fn heard(&mut self, complete: bool) {
        let _ = complete;
        #[cfg(feature = "tokio")]
        if let Some((idle, timer)) = &mut self.idle {
            if complete {
                self.idle = None;
            } else if let (Some(timer), Some(deadline)) = (timer, tokio::time::Instant::now().checked_add(*idle)) {
                timer.as_mut().reset(deadline);
            }
        }
    }

    /// Whether the idle timeout has passed (recorded when it has).
    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> bool {
        let _ = cx;
        #[cfg(feature = "tokio")]
        if let Some((idle, timer)) = &mut self.idle {
            let limit = *idle;
            let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
            if std::future::Future::poll(timer.as_mut(), cx).is_ready() {
                let mut observed = self.shared.lock();
                // After `message_stop` the timeout no longer applies (the fold may not have read it yet).
                if observed.is_complete_now() {
                    drop(observed);
                    self.idle = None;
                    return false;
                }
                observed.end(End::Stalled(limit), false);
                return true;
            }
        }
        false
    }
}

impl<E: Display> Stream for Tap<E> {
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // A stream has no trailers to give: a body's are skipped (tap it as a body to keep them), a bounded
        // number per poll.
        #[cfg_attr(not(feature = "http"), allow(clippy::never_loop))]
        for _ in 0..TRAILERS_BUDGET {
            match std::task::ready!(this.poll_piece(cx)) {
                Some(Ok(Piece::Data(chunk))) => return Poll::Ready(Some(Ok(chunk))),
                #[cfg(feature = "http")]
                Some(Ok(Piece::Trailers(_))) => {}
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// How many trailer frames one poll of the tap as a `Stream` skips before it yields.
const TRAILERS_BUDGET: usize = 64;

#[cfg(feature = "http")]
impl<E: Display> http_body::Body for Tap<E> {
    type Data = Bytes;
    type Error = E;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, E>>> {
        self.get_mut().poll_piece(cx).map(|piece| {
            piece.map(|piece| {
                piece.map(|piece| match piece {
                    Piece::Data(chunk) => http_body::Frame::data(chunk),
                    Piece::Trailers(trailers) => http_body::Frame::trailers(trailers),
                })
            })
        })
    }

    fn is_end_stream(&self) -> bool {
        self.upstream.as_ref().is_none_or(|upstream| upstream.is_end_stream())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.upstream.as_ref().map_or_else(|| http_body::SizeHint::with_exact(0), |u| u.size_hint())
    }
}

impl<E> Drop for Tap<E> {
    fn drop(&mut self) {
        let Some(upstream) = self.upstream.take() else { return };
        {
            let mut observed = self.shared.lock();
            if upstream.is_end_stream() {
                // A body that said it had ended (hyper does not poll it again, and drops it): the end, not a
                // client gone.
                observed.end(End::Clean, false);
            } else {
                #[cfg(feature = "tokio")]
                if let Some(keep) = self.keep_reading {
                    if !observed.is_ended() && !observed.is_complete_now() {
                        observed.keep_reading((self.erase)(upstream), keep.time, keep.bytes);
                        return;
                    }
                }
                observed.end(End::ClientGone, true);
            }
        }
        // Dropped once the lock is released: an upstream's drop is code of its own.
        let _ = self.erase;
        drop(upstream);
    }
}

/// The observer of a [`Tap`]: a future of its [`TapReport`], resolved when the upstream has ended, failed or
/// stalled, or the client has gone, and a [`snapshot`](Self::snapshot) of the report so far at any time. It
/// never waits on a stream nobody polls: when the tap is dropped, the report is complete at once (unless the
/// tap keeps reading, [`Tap::with_keep_reading`], which this future then does, within its bounds).
///
/// Await it in a task of its own (`tokio::spawn(async move { log(observer.await) })`), or after the response
/// was served; `&mut observer` can be awaited too, and polled again after it resolved.
#[derive(Debug)]
pub struct TapObserver {
    shared: Arc<Shared>,
    id: usize,
}

impl Clone for TapObserver {
    fn clone(&self) -> Self {
        TapObserver { shared: self.shared.clone(), id: self.shared.lock().next_observer_id() }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl TapObserver {
    /// The report so far: the message as folded up to the last chunk (tool input still streaming parsed as far
    /// as it goes), the figures up to now, the error if one was recorded; the final report once there is one.
    /// It copies the message, so asking after every chunk costs time in the message's size.
    pub fn snapshot(&self) -> TapReport {
        let (report, _released) = self.shared.with_released(Observed::report);
        report
    }
}

impl std::future::Future for TapObserver {
    type Output = TapReport;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<TapReport> {
        let id = self.id;
        let (poll, _released) = self.shared.with_released(|observed| observed.poll_report(id, cx));
        poll
    }
}

impl Drop for TapObserver {
    fn drop(&mut self) {
        let id = self.id;
        let ((), _released) = self.shared.with_released(|observed| observed.forget_observer(id));
    }
}

/// Turns an upstream into one whose errors are text (built where the error type's bounds are known).
type Erase<E> = fn(Box<dyn Upstream<E>>) -> Box<dyn Upstream<String>>;
