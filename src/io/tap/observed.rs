//! What the tap has seen: the decoder that folds the message, the figures, the final report once there is one,
//! and the observers waiting for it.

#[cfg(feature = "tokio")]
use std::future::Future as _;
use std::sync::{Arc, Mutex};
#[cfg(feature = "tokio")]
use std::task::Waker;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::lines::{Lines, SMALL_CHUNK};
use super::report::TapReport;
#[cfg(feature = "tokio")]
use super::upstream::{Piece, Upstream};
#[cfg(feature = "tokio")]
use super::wakers::FanOut;
use super::wakers::{Wakers, lock};
use super::wire::Wire;
use crate::error::Error;
use crate::framing::Format;
use crate::io::gaps::Gaps;
use crate::limits::Limits;
use crate::model::event::StreamEvent;
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

/// How the upstream ended, for the report.
pub(super) enum End {
    /// It ended.
    Clean,
    /// It failed, with this text.
    Upstream(String),
    /// Nothing arrived for this long.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    Stalled(Duration),
    /// The client went away (or the reading after it did reached its bound).
    ClientGone,
}

/// The upstream read on after the client has gone.
#[cfg(feature = "tokio")]
pub(super) struct KeptReading {
    upstream: Box<dyn Upstream<String>>,
    bytes_left: u64,
    /// The time bound, from when the client went.
    until: tokio::time::Instant,
    /// Its timer, made at the first poll of an observer (which runs in the runtime whose timer it needs).
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

/// How many pieces an observer reads from a kept upstream in one poll before it yields.
#[cfg(feature = "tokio")]
const READ_BUDGET: usize = 64;

pub(super) struct Observed {
    decoder: EventDecoder,
    /// SSE bytes read and not yet fed: the start of a line whose end has not arrived, or small chunks gathered.
    lines: Lines,
    wire: Wire,
    /// The format read, once known.
    format: Option<Format>,
    pub(super) clock: Clock,
    pub(super) start: Instant,
    /// The start was given (`with_start`): a clock given later does not move it.
    pub(super) start_given: bool,
    pub(super) status: Option<u16>,
    pub(super) on_event: Option<OnEvent>,
    request_ids: (Option<String>, Option<String>),
    last_chunk: Option<Instant>,
    first_chunk: Option<Duration>,
    first_event: Option<Duration>,
    first_content: Option<Duration>,
    gaps: Gaps,
    chunks: u64,
    bytes_received: u64,
    bytes_forwarded: u64,
    /// Events read so far (kept here: the decoder is consumed by the final message).
    events: u64,
    /// Bedrock's invocation metrics, once `message_stop` brought them.
    metrics: Option<crate::model::event::InvocationMetrics>,
    client_gone: bool,
    /// The final report, once the upstream has ended or the client has gone.
    ended: Option<TapReport>,
    /// Shared with the waker that a kept upstream is polled with, which wakes every waiting observer.
    wakers: Arc<Mutex<Wakers>>,
    observers: usize,
    next_id: usize,
    #[cfg(feature = "tokio")]
    kept: Option<KeptReading>,
    /// A kept upstream whose reading ended, to be dropped once the lock is released (its drop is user code).
    #[cfg(feature = "tokio")]
    pub(super) released: Option<KeptReading>,
}

impl Observed {
    pub(super) fn new(wire: Wire) -> Self {
        let mut decoder = EventDecoder::new();
        let format = match wire {
            Wire::Events(format) => Some(format),
            _ => None,
        };
        if let Some(format) = format {
            decoder.set_format(format);
        }
        Observed {
            decoder,
            lines: Lines::default(),
            wire,
            format,
            clock: Box::new(Instant::now),
            start: Instant::now(),
            start_given: false,
            status: None,
            on_event: None,
            request_ids: (None, None),
            last_chunk: None,
            first_chunk: None,
            first_event: None,
            first_content: None,
            gaps: Gaps::default(),
            chunks: 0,
            bytes_received: 0,
            bytes_forwarded: 0,
            events: 0,
            metrics: None,
            client_gone: false,
            ended: None,
            wakers: Arc::default(),
            observers: 0,
            next_id: 0,
            #[cfg(feature = "tokio")]
            kept: None,
            #[cfg(feature = "tokio")]
            released: None,
        }
    }

    pub(super) fn next_observer_id(&mut self) -> usize {
        self.next_id += 1;
        self.observers += 1;
        self.next_id
    }

    /// An observer is gone; with none left, an upstream kept for them is dropped and the report completed.
    pub(super) fn forget_observer(&mut self, id: usize) {
        lock(&self.wakers).forget(id);
        self.observers -= 1;
        #[cfg(feature = "tokio")]
        if self.observers == 0 && self.kept.is_some() {
            self.released = self.kept.take();
            self.end(End::ClientGone, true);
        }
    }

    pub(super) fn set_format(&mut self, format: Format) {
        match &mut self.wire {
            #[cfg(feature = "http")]
            Wire::ErrorBody { .. } => {}
            _ => self.start_reading(format),
        }
    }

    pub(super) fn set_limits(&mut self, limits: Limits) {
        self.decoder = std::mem::take(&mut self.decoder).with_limits(limits);
    }

    pub(super) fn set_request_ids(&mut self, anthropic: Option<&str>, aws: Option<&str>) {
        let mut decoder = std::mem::take(&mut self.decoder);
        if let Some(id) = anthropic {
            decoder = decoder.with_request_id(id);
        }
        if let Some(id) = aws {
            decoder = decoder.with_aws_request_id(id);
        }
        self.decoder = decoder;
        self.request_ids = (anthropic.map(str::to_owned), aws.map(str::to_owned));
    }

    #[cfg(feature = "tokio")]
    pub(super) fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Records a chunk (`forwarded`: handed to the client) and reads it. Returns whether the message is
    /// complete (`message_stop` folded).
    pub(super) fn chunk(&mut self, chunk: &Bytes, forwarded: bool) -> bool {
        if chunk.is_empty() || self.ended.is_some() {
            return self.decoder.is_complete();
        }
        let now = (self.clock)();
        let start = self.start;
        let since = || now.saturating_duration_since(start);
        self.chunks += 1;
        self.bytes_received += chunk.len() as u64;
        if forwarded {
            self.bytes_forwarded += chunk.len() as u64;
        }
        self.first_chunk.get_or_insert_with(since);
        if let Some(last) = self.last_chunk {
            self.gaps.record(now.saturating_duration_since(last));
        }
        self.last_chunk = Some(now);
        match &mut self.wire {
            Wire::Events(_) => self.read(chunk.clone(), !forwarded),
            Wire::Detect { held, blank } => {
                held.extend_from_slice(chunk);
                // Leading whitespace is looked at once, not again with every chunk that adds to it.
                *blank += held[*blank..].iter().take_while(|&&b| crate::text::is_json_ws(b)).count();
                let only_blank = *blank == held.len() && held.len() >= 12;
                let detected = match if only_blank { None } else { Format::detect(held, false) } {
                    // More leading whitespace than a line may hold: SSE, whose decoder says so.
                    None if held.len() > self.decoder.limits().max_line_bytes() => Some(Format::Sse),
                    detected => detected,
                };
                if let Some(format) = detected {
                    self.start_reading(format);
                }
            }
            #[cfg(feature = "http")]
            Wire::ErrorBody { body, .. } => {
                let room = crate::error::MAX_ERROR_BODY.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            #[cfg(feature = "http")]
            Wire::Json { body, whole, .. } => {
                let room = self.decoder.limits().max_event_bytes().saturating_sub(body.len());
                *whole &= chunk.len() <= room;
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            #[cfg(feature = "http")]
            Wire::Other(_) => {}
        }
        let deltas = self.note_counts();
        if self.events > 0 {
            self.first_event.get_or_insert_with(since);
        }
        if deltas > 0 {
            self.first_content.get_or_insert_with(since);
        }
        self.decoder.is_complete()
    }

    /// Keeps the decoder's counts and metrics (it is consumed by the final message); returns the content
    /// deltas read.
    fn note_counts(&mut self) -> usize {
        let (events, deltas) = self.decoder.counts();
        self.events = events as u64;
        if self.metrics.is_none() && self.decoder.is_complete() {
            self.metrics = self.decoder.invocation_metrics().cloned();
        }
        deltas
    }

    /// The format is known: the bytes held while detecting it are read.
    fn start_reading(&mut self, format: Format) {
        let held = match std::mem::replace(&mut self.wire, Wire::Events(format)) {
            Wire::Detect { held, .. } => held.freeze(),
            _ => Bytes::new(),
        };
        self.decoder.set_format(format);
        self.format = Some(format);
        self.read(held, true);
    }

    /// Feeds the decoder and folds, until `message_stop` or the first error (then nothing more is read).
    ///
    /// SSE is fed by whole lines ([`Lines::feed`]). Small SSE chunks, once the first content delta has been
    /// read (its time is taken), are gathered and fed [`BATCH`](super::lines::BATCH) bytes at a time
    /// ([`Lines::gather`]), as the drivers gather what a source has ready: the fold's fast path reads whole
    /// events in place, where folding every small chunk on its own costs three times as much
    /// (`benches/tap.rs`). Whatever reads the fold (a snapshot, the report, the idle timeout's check for
    /// `message_stop`, the tap's drop) folds the whole lines gathered first. With a per-event callback, every
    /// chunk is folded at once.
    fn read(&mut self, chunk: Bytes, eager: bool) {
        if self.decoder.failure().is_some() || self.decoder.is_complete() {
            return;
        }
        match self.format {
            Some(Format::Sse)
                if !eager && chunk.len() < SMALL_CHUNK && self.first_content.is_some() && self.on_event.is_none() =>
            {
                if !self.lines.gather(&chunk, &mut self.decoder) {
                    return;
                }
            }
            Some(Format::Sse) => self.lines.feed(chunk, &mut self.decoder),
            _ => self.decoder.feed_bytes(chunk),
        }
        self.fold();
    }

    /// Folds the whole lines gathered, so that every event whose end was forwarded is read.
    fn fold_gathered(&mut self) {
        if self.decoder.failure().is_some() || self.decoder.is_complete() {
            return;
        }
        if self.lines.feed_whole_lines(&mut self.decoder) {
            self.fold();
            self.note_counts();
        }
    }

    /// Whether `message_stop` has been folded, what was gathered folded first.
    #[cfg(feature = "tokio")]
    pub(super) fn is_complete_now(&mut self) -> bool {
        self.fold_gathered();
        self.decoder.is_complete()
    }

    /// Folds what the decoder holds (handing each event to the callback when there is one).
    fn fold(&mut self) {
        match &mut self.on_event {
            None => {
                let _ = self.decoder.fold_buffered();
            }
            Some(callback) => {
                while let Some(Ok(event)) = self.decoder.next_event() {
                    // A callback that panics is not called again; the panic stops there, and the reading and the
                    // forwarding go on (it must not take the stream, nor abort the process from a drop).
                    let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&event)));
                    if called.is_err() {
                        self.on_event = None;
                        let _ = self.decoder.fold_buffered();
                        return;
                    }
                }
            }
        }
    }

    /// The upstream has ended (or failed, stalled, or the client has gone): the final report, for every
    /// observer.
    pub(super) fn end(&mut self, how: End, client_gone: bool) {
        if self.ended.is_some() {
            return;
        }
        self.client_gone |= client_gone;
        // What was forwarded is read, whatever ended the stream.
        self.fold_gathered();
        if let (Wire::Detect { held, .. }, End::Clean) = (&self.wire, &how) {
            let format = Format::detect(held, true).unwrap_or(Format::Sse);
            self.start_reading(format);
        }
        // The last line, without its line end.
        if matches!(how, End::Clean) && !self.decoder.is_complete() && self.lines.feed_rest(&mut self.decoder) {
            self.fold();
        }
        let complete = self.decoder.is_complete();
        let (error, message) = match std::mem::replace(&mut self.wire, Wire::detect()) {
            Wire::Events(_) | Wire::Detect { .. } => self.verdict(how),
            #[cfg(feature = "http")]
            Wire::ErrorBody { status, headers, body } => {
                let headers = headers.iter().map(|(name, value)| (name.as_str(), value.as_str()));
                let mut api = crate::ApiError::from_response_with_headers(status, headers, &body);
                api.set_body_cut_short(!matches!(how, End::Clean));
                (Some(self.with_ids(Error::api(api))), None)
            }
            #[cfg(feature = "http")]
            Wire::Json { status, body, whole } => {
                let error = crate::io::http::json_body(status, body.freeze(), whole && matches!(how, End::Clean));
                let message = error.partial_message().cloned();
                (Some(self.with_ids(error)), message)
            }
            #[cfg(feature = "http")]
            Wire::Other(error) => (Some(self.with_ids(error)), None),
        };
        let report = self.build(error, message, complete, true);
        self.ended = Some(report);
        #[cfg(feature = "tokio")]
        if self.kept.is_some() {
            self.released = self.kept.take();
        }
        lock(&self.wakers).wake_all();
    }

    /// The error and the message of a stream that ended `how`.
    fn verdict(&mut self, how: End) -> (Option<Error>, Option<Message>) {
        if !self.decoder.is_complete() {
            let error = match how {
                End::Clean => self.decoder.finish().err(),
                End::Upstream(text) => Some(self.decoder.fail(Error::transport(text))),
                #[cfg(feature = "tokio")]
                End::Stalled(limit) => {
                    let delivered = self.decoder.snapshot().is_some_and(|m| !m.content.is_empty());
                    Some(self.decoder.fail(Error::stalled(limit, delivered)))
                }
                #[cfg(not(feature = "tokio"))]
                End::Stalled(_) => None,
                End::ClientGone => self.decoder.failure().cloned(),
            };
            if let Some(error) = error {
                let message = error.partial_message().cloned();
                return (Some(error), message);
            }
            self.note_counts();
            if !self.decoder.is_complete() {
                return (None, self.decoder.partial_message());
            }
        }
        // `message_stop` was folded: the message is final, whatever happened to the bytes after it.
        self.note_counts();
        match std::mem::take(&mut self.decoder).into_final_message() {
            Ok(message) => (None, Some(message)),
            Err(error) => {
                let message = error.partial_message().cloned();
                (Some(error), message)
            }
        }
    }

    #[cfg(feature = "http")]
    fn with_ids(&self, mut error: Error) -> Error {
        error.set_request_ids(self.request_ids.0.as_deref(), self.request_ids.1.as_deref());
        error
    }

    /// The report so far (the final one once there is one).
    pub(super) fn report(&mut self) -> TapReport {
        // An upstream kept past its time bound, which no observer awaited: the reading ends here.
        #[cfg(feature = "tokio")]
        if self.kept.as_ref().is_some_and(|kept| tokio::time::Instant::now() >= kept.until) {
            self.released = self.kept.take();
            self.end(End::ClientGone, true);
        }
        if let Some(report) = &self.ended {
            return report.clone();
        }
        self.fold_gathered();
        let error = match &self.wire {
            #[cfg(feature = "http")]
            Wire::Other(error) => Some(error.clone()),
            _ => self.decoder.failure().cloned(),
        };
        let message = self.decoder.partial_message();
        self.build(error, message, self.decoder.is_complete(), false)
    }

    fn build(&self, error: Option<Error>, message: Option<Message>, complete: bool, finishing: bool) -> TapReport {
        TapReport {
            finished: self.ended.is_some() || finishing,
            error,
            client_gone: self.client_gone,
            complete: complete && message.is_some(),
            message,
            invocation_metrics: self.metrics.clone(),
            request_id: self.request_ids.0.clone(),
            aws_request_id: self.request_ids.1.clone(),
            status: self.status,
            format: self.format,
            time_to_first_chunk: self.first_chunk,
            time_to_first_event: self.first_event,
            time_to_first_content: self.first_content,
            time_to_last_chunk: self.last_chunk.map(|last| last.saturating_duration_since(self.start)),
            chunk_gap_median: self.gaps.quantile(0.5),
            chunk_gap_p99: self.gaps.quantile(0.99),
            chunk_gap_max: self.gaps.max(),
            chunks: self.chunks,
            bytes_received: self.bytes_received,
            bytes_forwarded: self.bytes_forwarded,
            events: self.events,
        }
    }

    /// An observer's poll: the final report, or `Pending` (its waker kept) until there is one. An upstream kept
    /// after the client went is read here.
    pub(super) fn poll_report(&mut self, id: usize, cx: &mut Context<'_>) -> Poll<TapReport> {
        if let Some(report) = &self.ended {
            return Poll::Ready(report.clone());
        }
        lock(&self.wakers).register(id, cx.waker());
        #[cfg(feature = "tokio")]
        if self.kept.is_some() {
            // Polled with a waker that wakes every waiting observer: whichever runs next reads on, and an
            // observer polled once and left (a `select!`, a timeout) cannot take the wake-ups away.
            let fan_out = Waker::from(Arc::new(FanOut(self.wakers.clone())));
            self.read_kept(&mut Context::from_waker(&fan_out));
            if let Some(report) = &self.ended {
                return Poll::Ready(report.clone());
            }
        }
        Poll::Pending
    }

    /// Keeps the upstream after the client went, for the observers to read on (see
    /// [`Tap::with_keep_reading`](super::Tap::with_keep_reading)).
    #[cfg(feature = "tokio")]
    pub(super) fn keep_reading(&mut self, upstream: Box<dyn Upstream<String>>, time: Duration, bytes: u64) {
        self.client_gone = true;
        if self.observers == 0 || bytes == 0 {
            drop(upstream);
            self.end(End::ClientGone, true);
            return;
        }
        let now = tokio::time::Instant::now();
        let until = now.checked_add(time).unwrap_or_else(|| now + crate::io::FAR_FUTURE);
        self.kept = Some(KeptReading { upstream, bytes_left: bytes, until, timer: None });
        // An observer may be waiting already: it is the one to read.
        lock(&self.wakers).wake_all();
    }

    /// Reads the kept upstream, a bounded amount per poll, until `message_stop`, its end or a bound.
    #[cfg(feature = "tokio")]
    fn read_kept(&mut self, cx: &mut Context<'_>) {
        let Some(mut kept) = self.kept.take() else { return };
        // Made here, in the runtime of the task that awaits the observer (the tap may be dropped anywhere).
        let until = kept.until;
        let timer = kept.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(until)));
        if timer.as_mut().poll(cx).is_ready() {
            self.released = Some(kept);
            return self.end(End::ClientGone, true);
        }
        for _ in 0..READ_BUDGET {
            match kept.upstream.poll_piece(cx) {
                Poll::Ready(Some(Ok(Piece::Data(chunk)))) => {
                    kept.bytes_left = kept.bytes_left.saturating_sub(chunk.len() as u64);
                    if self.chunk(&chunk, false) || kept.bytes_left == 0 {
                        self.released = Some(kept);
                        return self.end(End::ClientGone, true);
                    }
                }
                #[cfg(feature = "http")]
                Poll::Ready(Some(Ok(Piece::Trailers(_)))) => {}
                Poll::Ready(Some(Err(text))) => {
                    self.released = Some(kept);
                    return self.end(End::Upstream(text), true);
                }
                Poll::Ready(None) => {
                    self.released = Some(kept);
                    return self.end(End::Clean, true);
                }
                Poll::Pending => {
                    self.kept = Some(kept);
                    return;
                }
            }
        }
        self.kept = Some(kept);
        cx.waker().wake_by_ref();
    }
}

/// The clock the figures read.
type Clock = Box<dyn Fn() -> Instant + Send + Sync>;

/// The per-event callback.
type OnEvent = Box<dyn FnMut(&StreamEvent) + Send>;
