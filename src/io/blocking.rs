//! [`BlockingEvents`]: the blocking driver, typed events from a `std::io::Read`; and [`BlockingText`], its
//! text.

use std::io::Read;

use bytes::Bytes;

use super::{Chunk, MAX_READ_SIZE, READ_SIZE};
use crate::error::{BoxError, Error};
use crate::fold::helpers::SdkEvent;
use crate::framing::sse::Decoder;
use crate::framing::{Framing, WholeEvents};
use crate::io::stream::text_of;
use crate::model::event::{InvocationMetrics, StreamEvent};
use crate::model::message::Message;
use crate::model::tool_input::ToolInputView;
use crate::partial_json::PartialJsonError;
use crate::pipeline::EventDecoder;

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
///
/// Events that arrive already split, one JSON text each, are read with
/// [`from_json_events`](BlockingEvents::from_json_events).
#[derive(Debug)]
pub struct BlockingEvents<R, F = Decoder> {
    reader: Option<R>,
    decoder: EventDecoder<F>,
    buf: Vec<u8>,
    /// The input ended; `finish` is still to be called.
    ending: bool,
    done: bool,
}

mod sealed {
    use super::{Bytes, Error};

    /// How a [`BlockingEvents`](super::BlockingEvents) takes its next input: the method of
    /// [`BlockingSource`](super::BlockingSource), out of reach so that the trait stays sealed.
    pub trait Source {
        /// Takes the next input into `buf`, or as one item.
        fn pull(&mut self, buf: &mut [u8]) -> Pulled;
    }

    /// What a source gave.
    #[derive(Debug)]
    pub enum Pulled {
        /// This many bytes were read into the buffer.
        Read(usize),
        /// One event's text.
        Item(Bytes),
        /// Nothing this time (an interrupted read).
        Again,
        /// The input ended.
        End,
        /// The input failed.
        Failed(Error),
    }
}

use sealed::{Pulled, Source};

/// What a [`BlockingEvents`] reads: any [`std::io::Read`] (bytes, which the decoder's framing splits into
/// events), or [`JsonEventItems`] (events already split). Sealed: these are the sources there are.
pub trait BlockingSource: Source {}

impl<T: Source> BlockingSource for T {}

impl<R: Read> Source for R {
    fn pull(&mut self, buf: &mut [u8]) -> Pulled {
        match self.read(buf) {
            Ok(0) => Pulled::End,
            Ok(n) => Pulled::Read(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Pulled::Again,
            Err(e) => Pulled::Failed(Error::from(e)),
        }
    }
}

/// Items that are each one event's JSON, as [`BlockingEvents::from_json_events`] reads them.
#[derive(Debug)]
pub struct JsonEventItems<I> {
    items: I,
}

impl<I, B, E> Source for JsonEventItems<I>
where
    I: Iterator<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    fn pull(&mut self, _: &mut [u8]) -> Pulled {
        match self.items.next() {
            Some(Ok(item)) => Pulled::Item(item.into_bytes()),
            Some(Err(e)) => Pulled::Failed(Error::transport(e)),
            None => Pulled::End,
        }
    }
}

impl<R: Read> BlockingEvents<R> {
    /// Reads SSE events from `reader`, 64 KiB at a time.
    pub fn new(reader: R) -> Self {
        Self::with_decoder(reader, EventDecoder::new())
    }
}

impl<I, B, E> BlockingEvents<JsonEventItems<I>, WholeEvents>
where
    I: Iterator<Item = Result<B, E>>,
    B: Chunk,
    E: Into<BoxError>,
{
    /// Reads items that are each one event's JSON, already split (the AWS SDK's `PayloadPart` bytes, a
    /// gateway's messages, lines read elsewhere): the blocking twin of
    /// [`EventStream::from_json_events`](crate::EventStream::from_json_events), with the same typing, fold and
    /// errors as SSE. An `Err` item ends the events with a transport error.
    ///
    /// ```
    /// use anthropic_sse::BlockingEvents;
    ///
    /// let events = [
    ///     r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{}}}"#,
    ///     r#"{"type":"message_stop"}"#,
    /// ];
    /// let message = BlockingEvents::from_json_events(events.map(Ok::<_, std::io::Error>)).final_message()?;
    /// assert_eq!(message.id, "m");
    /// # Ok::<(), anthropic_sse::Error>(())
    /// ```
    pub fn from_json_events(items: impl IntoIterator<IntoIter = I>) -> Self {
        let decoder = EventDecoder::with_framing(WholeEvents::new(), Default::default());
        BlockingEvents {
            reader: Some(JsonEventItems { items: items.into_iter() }),
            decoder,
            buf: Vec::new(),
            ending: false,
            done: false,
        }
    }
}

impl<R: BlockingSource, F: Framing> BlockingEvents<R, F> {
    /// Reads events from `reader` with the given decoder (framing, limits, request id).
    pub fn with_decoder(reader: R, decoder: EventDecoder<F>) -> Self {
        BlockingEvents { reader: Some(reader), decoder, buf: vec![0; READ_SIZE], ending: false, done: false }
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
    pub fn decoder(&self) -> &EventDecoder<F> {
        &self.decoder
    }

    /// The tool input of the block at `index` so far (see [`EventStream::partial_tool_input`](crate::EventStream::partial_tool_input)).
    pub fn partial_tool_input(&mut self, index: usize) -> Option<Result<ToolInputView<'_>, PartialJsonError>> {
        self.decoder.partial_tool_input(index)
    }

    /// Reads to the end and returns the text of its text blocks, joined with `""`.
    pub fn final_text(self) -> Result<String, Error> {
        self.final_message().map(|m| m.text())
    }

    /// The text deltas only, as they arrive.
    pub fn text(self) -> BlockingText<R, F> {
        BlockingText { events: self }
    }

    /// Reads to the end and returns the final message (see [`EventStream::final_message`](crate::EventStream::final_message)).
    pub fn final_message(self) -> Result<Message, Error> {
        self.final_message_with_metrics().map(|(message, _)| message)
    }

    /// [`final_message`](Self::final_message), with the invocation metrics Amazon Bedrock adds to
    /// `message_stop` when they came (see [`EventDecoder::invocation_metrics`]).
    pub fn final_message_with_metrics(mut self) -> Result<(Message, Option<InvocationMetrics>), Error> {
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
        let metrics = self.decoder.invocation_metrics().cloned();
        self.decoder.into_final_message(end).map(|message| (message, metrics))
    }

    /// Feeds the decoder the reader's next chunk, or its end. `Err` is the error that ends the stream.
    fn read_chunk(&mut self) -> Result<(), Error> {
        let Some(reader) = self.reader.as_mut() else {
            // The input ended and the events its end completed were taken: the verdict.
            if std::mem::take(&mut self.ending) {
                if let Some(error) = self.decoder.finish() {
                    self.finish_with_error();
                    return Err(error);
                }
            }
            self.done = true;
            return Ok(());
        };
        match reader.pull(&mut self.buf) {
            Pulled::End => {
                // The events the end completes are taken before the verdict.
                self.reader = None;
                self.decoder.end_input();
                self.ending = true;
            }
            Pulled::Read(n) => self.decoder.feed(&self.buf[..n]),
            Pulled::Item(item) => self.decoder.feed_bytes(item),
            Pulled::Again => {}
            Pulled::Failed(e) => {
                let error = self.decoder.fail(e);
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

impl<R: BlockingSource, F: Framing> BlockingEvents<R, F> {
    /// The next item that `next` takes from the decoder (an event, an SDK helper event), reading as needed.
    fn next_item<T>(&mut self, next: fn(&mut EventDecoder<F>) -> Option<Result<T, Error>>) -> Option<Result<T, Error>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(item) = next(&mut self.decoder) {
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

    /// The official SDK's stream iteration ([`SdkEvent`]): raw events and helper events, their snapshots read
    /// from [`BlockingSdkEvents::decoder_mut`](crate::BlockingSdkEvents::decoder_mut) when each item arrives.
    pub fn sdk_events(self) -> BlockingSdkEvents<R, F> {
        BlockingSdkEvents { events: self }
    }
}

impl<R: BlockingSource, F: Framing> Iterator for BlockingEvents<R, F> {
    type Item = Result<StreamEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item(EventDecoder::next_event)
    }
}

/// The official SDK's stream iteration over a [`BlockingEvents`] (see [`BlockingEvents::sdk_events`]).
#[derive(Debug)]
pub struct BlockingSdkEvents<R, F = Decoder> {
    events: BlockingEvents<R, F>,
}

impl<R: BlockingSource, F: Framing> BlockingSdkEvents<R, F> {
    /// The decoder underneath, for the snapshots of the items.
    pub fn decoder_mut(&mut self) -> &mut EventDecoder<F> {
        &mut self.events.decoder
    }
}

impl<R: BlockingSource, F: Framing> Iterator for BlockingSdkEvents<R, F> {
    type Item = Result<SdkEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.events.next_item(EventDecoder::next_sdk_event)
    }
}

/// The text deltas of a [`BlockingEvents`], as they arrive, with the same access to the snapshot and the final
/// message. Errors end it as they end the events.
#[derive(Debug)]
pub struct BlockingText<R, F = Decoder> {
    events: BlockingEvents<R, F>,
}

impl<R: BlockingSource, F: Framing> BlockingText<R, F> {
    /// The message folded from the events so far.
    pub fn snapshot(&self) -> Option<&Message> {
        self.events.snapshot()
    }

    /// The decoder underneath.
    pub fn decoder(&self) -> &EventDecoder<F> {
        self.events.decoder()
    }

    /// Reads the rest and returns the final message, usage included; after an error item, that error.
    pub fn final_message(self) -> Result<Message, Error> {
        self.events.final_message()
    }
}

impl<R: BlockingSource, F: Framing> Iterator for BlockingText<R, F> {
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
