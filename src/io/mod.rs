//! The I/O drivers over an [`EventDecoder`]: [`Events`](crate::Events) (async: any `Stream` of byte chunks, a
//! tokio `AsyncRead`, `eventsource-stream` frames, an HTTP body) and [`BlockingEvents`](crate::BlockingEvents)
//! (a `std::io::Read`). Both hand out what their item type names (typed events, the SDK's helper events, or
//! text) and share [`Run`]: where the input stands, and how its end becomes the stream's verdict.

use crate::error::Error;
use crate::model::event::{Delta, InvocationMetrics, StreamEvent};
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

pub(crate) mod blocking;
mod gaps;
#[cfg(feature = "http")]
pub(crate) mod http;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest;
pub(crate) mod stream;
pub(crate) mod tap;

/// The longest idle timeout taken as it is: about thirty years, as tokio clamps its own deadlines (a longer
/// one, `Duration::MAX` included, means the same: never).
#[cfg(feature = "tokio")]
pub(crate) const FAR_FUTURE: std::time::Duration = std::time::Duration::from_secs(30 * 365 * 86_400);

/// The size of each read from a reader.
const READ_SIZE: usize = 64 * 1024;

/// The largest read size [`BlockingEvents::with_read_size`](crate::BlockingEvents::with_read_size) takes
/// (larger values are capped): 16 MiB.
pub(crate) const MAX_READ_SIZE: usize = 16 * 1024 * 1024;

/// Where a driver's input stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// The source may give more.
    #[default]
    Reading,
    /// The source ended cleanly; the events its end completes are taken, then the verdict.
    Ending,
    /// The stream has ended (cleanly, or with the error handed out).
    Done,
}

/// The decoder a driver feeds, and where its input stands: the end of stream is handled here, once, for both
/// drivers.
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub(crate) decoder: EventDecoder,
    state: State,
}

impl Run {
    pub(crate) fn new(decoder: EventDecoder) -> Self {
        Run { decoder, state: State::Reading }
    }

    /// Whether the source is still wanted (it is dropped once the stream ends or its end was seen: for an
    /// HTTP body, the connection closes).
    pub(crate) fn is_reading(&self) -> bool {
        self.state == State::Reading
    }

    /// The next item `next` takes from what was fed; at the source's end, the verdict. `None` when there is
    /// none: the source must give more while [`is_reading`](Self::is_reading), else the stream has ended.
    /// (An `Option` rather than an enum of three: the item goes out as it came, with no move in between.)
    #[inline]
    pub(crate) fn take<T>(
        &mut self,
        next: fn(&mut EventDecoder) -> Option<Result<T, Error>>,
    ) -> Option<Result<T, Error>> {
        if self.state == State::Done {
            return None;
        }
        let item = next(&mut self.decoder);
        match &item {
            Some(Ok(_)) => {}
            Some(Err(_)) => self.state = State::Done,
            None if self.state == State::Ending => {
                self.state = State::Done;
                return self.decoder.finish().err().map(Err);
            }
            None => {}
        }
        item
    }

    /// Folds what was fed without handing events out: `Ok(true)` when the source must give more, `Ok(false)`
    /// at the stream's end, `Err` for the error that ended it.
    pub(crate) fn fold(&mut self) -> Result<bool, Error> {
        match self.state {
            State::Done => Ok(false),
            State::Reading => {
                if let Err(error) = self.decoder.fold_buffered() {
                    self.state = State::Done;
                    return Err(error);
                }
                // The message is complete at `message_stop`: the rest of the source is not waited for (a
                // connection left open after it is no stall), whatever chunk it would come in.
                if self.decoder.is_complete() {
                    self.state = State::Done;
                    return Ok(false);
                }
                Ok(true)
            }
            State::Ending => {
                self.state = State::Done;
                self.decoder.finish().map(|()| false)
            }
        }
    }

    /// The source ended: cleanly (`None`), or with the error given (a transport failure, a stall), which ends
    /// the stream and is returned with the message so far.
    pub(crate) fn source_ended(&mut self, error: Option<Error>) -> Option<Error> {
        match error {
            None => {
                self.decoder.end_input();
                self.state = State::Ending;
                None
            }
            Some(error) => {
                self.state = State::Done;
                Some(self.decoder.fail(error))
            }
        }
    }

    /// The final message once the stream has ended, with Amazon Bedrock's invocation metrics when they came.
    pub(crate) fn final_message(self) -> Result<(Message, Option<InvocationMetrics>), Error> {
        let metrics = self.decoder.invocation_metrics().cloned();
        self.decoder.into_final_message().map(|message| (message, metrics))
    }
}

/// The next text delta's text, for the drivers' text items.
pub(crate) fn next_text(decoder: &mut EventDecoder) -> Option<Result<String, Error>> {
    loop {
        match decoder.next_event()? {
            Ok(StreamEvent::ContentBlockDelta(d)) => {
                if let Delta::Text { text, .. } = d.delta {
                    return Some(Ok(text));
                }
            }
            Ok(_) => {}
            Err(e) => return Some(Err(e)),
        }
    }
}

/// The configuration methods every driver has, forwarded to its decoder.
macro_rules! decoder_options {
    () => {
        /// Reads the given wire format instead of SSE (see [`Format`](crate::framing::Format)).
        pub fn with_format(mut self, format: crate::framing::Format) -> Self {
            self.run.decoder.set_format(format);
            self
        }

        /// Sets the limits of every layer (see [`EventDecoder::with_limits`](crate::EventDecoder::with_limits)).
        pub fn with_limits(mut self, limits: crate::Limits) -> Self {
            self.run.decoder = std::mem::take(&mut self.run.decoder).with_limits(limits);
            self
        }

        /// How a string cut off at the end of a tool input is read (see
        /// [`EventDecoder::with_partial_mode`](crate::EventDecoder::with_partial_mode)).
        pub fn with_partial_mode(mut self, mode: crate::PartialMode) -> Self {
            self.run.decoder = std::mem::take(&mut self.run.decoder).with_partial_mode(mode);
            self
        }

        /// Sets the value of the HTTP `request-id` response header, so that API errors carry it.
        pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
            self.run.decoder = std::mem::take(&mut self.run.decoder).with_request_id(request_id);
            self
        }

        /// Sets the value of the `x-amzn-requestid` response header (Bedrock; Claude Platform on AWS sends it
        /// beside `request-id`), so that API errors carry it as their primary id.
        pub fn with_aws_request_id(mut self, request_id: impl Into<String>) -> Self {
            self.run.decoder = std::mem::take(&mut self.run.decoder).with_aws_request_id(request_id);
            self
        }

        /// The decoder underneath: the message so far ([`EventDecoder::snapshot`](crate::EventDecoder::snapshot)),
        /// the request ids, the error that ended the stream.
        pub fn decoder(&self) -> &crate::EventDecoder {
            &self.run.decoder
        }

        /// The decoder underneath, for the snapshots that are read in place: the tool input so far
        /// ([`EventDecoder::partial_tool_input`](crate::EventDecoder::partial_tool_input)), an SDK item's JSON
        /// ([`EventDecoder::sdk_event_json`](crate::EventDecoder::sdk_event_json)).
        pub fn decoder_mut(&mut self) -> &mut crate::EventDecoder {
            &mut self.run.decoder
        }
    };
}
pub(crate) use decoder_options;
