//! [`BlockingEvents`], the blocking driver: typed events, the SDK's helper events or text from a
//! `std::io::Read`.

use std::io::Read;
use std::marker::PhantomData;

use bytes::BytesMut;

use super::{MAX_READ_SIZE, READ_SIZE, Run, decoder_options, next_text};
use crate::error::Error;
use crate::fold::helpers::SdkEvent;
use crate::model::event::{InvocationMetrics, StreamEvent};
use crate::model::message::Message;
use crate::pipeline::EventDecoder;

/// The blocking driver, for synchronous clients: from a `std::io::Read` (a file, stdin, a blocking HTTP
/// body) to an `Iterator` of what `T` names, as for [`Events`](crate::Events): [`StreamEvent`] (the
/// default), [`SdkEvent`] ([`sdk_events`](Self::sdk_events)) or `String` ([`text`](Self::text)). It ends
/// after the first error, and has the same methods as the async driver.
///
/// ```
/// use anthropic_sse::BlockingEvents;
/// let events = BlockingEvents::new(anthropic_sse::SAMPLE_STREAM);
/// let message = events.final_message()?;
/// assert_eq!(message.content.len(), 2);
///
/// let text: String = BlockingEvents::new(anthropic_sse::SAMPLE_STREAM).text().collect::<Result<_, _>>()?;
/// assert_eq!(text, message.text());
/// # Ok::<(), anthropic_sse::Error>(())
/// ```
///
/// Events that you hold already split, one JSON text each, need no reader: feed them to an
/// [`EventDecoder`] with [`push_json`](EventDecoder::push_json).
#[derive(Debug)]
pub struct BlockingEvents<R, T = StreamEvent> {
    /// `None` once the input has ended or failed.
    reader: Option<R>,
    run: Run,
    /// Reads go into this buffer of two read sizes, and what each read filled is split off for the decoder to
    /// take as it is (no copy); the rest stays for the next reads. It is made (zeroed) afresh only once less
    /// than a read size is left, so zeroing costs at most twice the bytes read, however short the reads, and
    /// the allocation comes back once the decoder has let go of the bytes.
    buf: BytesMut,
    read_size: usize,
    item: PhantomData<fn() -> T>,
}

impl<R: Read> BlockingEvents<R> {
    /// Reads events from `reader`, 64 KiB at a time (SSE unless [`with_format`](Self::with_format) says
    /// otherwise).
    pub fn new(reader: R) -> Self {
        BlockingEvents {
            reader: Some(reader),
            run: Run::new(EventDecoder::new()),
            buf: BytesMut::new(),
            read_size: READ_SIZE,
            item: PhantomData,
        }
    }
}

impl<R: Read, T> BlockingEvents<R, T> {
    decoder_options!();

    /// Sets the size of each read: at least 1 byte, at most 16 MiB (larger values are capped, so that a size
    /// from user input cannot ask for an impossible allocation). The read buffer holds two.
    pub fn with_read_size(mut self, read_size: usize) -> Self {
        self.read_size = read_size.clamp(1, MAX_READ_SIZE);
        self
    }

    /// The text deltas only, as they arrive (every event still passes through the fold).
    pub fn text(self) -> BlockingEvents<R, String> {
        self.into_items()
    }

    /// The official SDK's stream iteration ([`SdkEvent`]): raw events and helper events, their snapshots read
    /// from [`decoder_mut`](Self::decoder_mut) when each item arrives.
    pub fn sdk_events(self) -> BlockingEvents<R, SdkEvent> {
        self.into_items()
    }

    fn into_items<U>(self) -> BlockingEvents<R, U> {
        BlockingEvents {
            reader: self.reader,
            run: self.run,
            buf: self.buf,
            read_size: self.read_size,
            item: PhantomData,
        }
    }

    /// Reads up to `message_stop` (or the end) and returns the final message (see
    /// [`Events::final_message`](crate::Events::final_message)).
    pub fn final_message(self) -> Result<Message, Error> {
        self.final_message_with_metrics().map(|(message, _)| message)
    }

    /// [`final_message`](Self::final_message), with the invocation metrics Amazon Bedrock adds to
    /// `message_stop` when they came (see [`EventDecoder::invocation_metrics`]).
    pub fn final_message_with_metrics(mut self) -> Result<(Message, Option<InvocationMetrics>), Error> {
        while let Ok(true) = self.run.fold() {
            if self.read_chunk().is_err() {
                break;
            }
        }
        self.reader = None;
        self.run.final_message()
    }

    /// Feeds the decoder the reader's next chunk, or its end. `Err` is the error that ends the stream.
    fn read_chunk(&mut self) -> Result<(), Error> {
        let Some(reader) = self.reader.as_mut() else { return Ok(()) };
        if self.buf.len() < self.read_size {
            self.buf.clear();
            self.buf.reserve(2 * self.read_size);
            self.buf.resize(2 * self.read_size, 0);
        }
        let end = match reader.read(&mut self.buf[..self.read_size]) {
            Ok(0) => None,
            Ok(n) => {
                self.run.decoder.feed_bytes(self.buf.split_to(n).freeze());
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => Some(Error::from(e)),
        };
        self.reader = None;
        match self.run.source_ended(end) {
            None => Ok(()),
            Some(error) => Err(error),
        }
    }

    /// The next item that `next` takes from the decoder, reading as needed.
    fn next_item<U>(&mut self, next: fn(&mut EventDecoder) -> Option<Result<U, Error>>) -> Option<Result<U, Error>> {
        loop {
            let item = self.run.take(next);
            if item.is_some() || !self.run.is_reading() {
                if !self.run.is_reading() {
                    self.reader = None;
                }
                return item;
            }
            if let Err(error) = self.read_chunk() {
                return Some(Err(error));
            }
        }
    }
}

impl<R: Read> Iterator for BlockingEvents<R, StreamEvent> {
    type Item = Result<StreamEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item(EventDecoder::next_event)
    }
}

impl<R: Read> Iterator for BlockingEvents<R, SdkEvent> {
    type Item = Result<SdkEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item(EventDecoder::next_sdk_event)
    }
}

impl<R: Read> Iterator for BlockingEvents<R, String> {
    type Item = Result<String, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item(next_text)
    }
}
