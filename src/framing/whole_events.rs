//! [`WholeEvents`], the framing of [`Format::JsonEvents`](super::Format::JsonEvents).

use std::collections::VecDeque;

use bytes::Bytes;

use super::raw::{Framing, RawEvent};
use crate::error::Error;
use crate::limits::{LimitError, Limits};

/// [`Format::JsonEvents`]: each chunk fed is one whole event's JSON text, and [`push`](Self::push) takes one
/// with a name (an `eventsource_stream::Event`). Invalid UTF-8 becomes U+FFFD, as on SSE. An event larger than
/// [`Limits::with_max_event_bytes`] is a limit error, as on SSE; events fed and not yet taken are held as they
/// came. The drivers never merge chunks for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct WholeEvents {
    queue: VecDeque<(Option<String>, Bytes)>,
    /// The event handed out last, kept so that its text can be lent.
    current: (Option<String>, String),
    /// Bytes handed out so far, for the offset a limit error names.
    offset: u64,
    limits: Limits,
}

impl WholeEvents {
    /// An empty queue of events.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds one event with the name its wire gave it (see [`RawEvent::name`]).
    #[cfg(feature = "eventsource-stream")]
    pub(crate) fn push(&mut self, name: Option<String>, json: impl Into<Bytes>) {
        self.queue.push_back((name, json.into()));
    }
}

impl Framing for WholeEvents {
    fn feed(&mut self, chunk: Bytes) {
        self.queue.push_back((None, chunk));
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        let Some((name, json)) = self.queue.pop_front() else { return Ok(None) };
        let offset = self.offset;
        self.offset += json.len() as u64;
        if json.len() > self.limits.max_event_bytes() {
            return Err(LimitError::EventTooLarge { limit: self.limits.max_event_bytes(), offset }.into());
        }
        // No copy when the bytes are not shared and are UTF-8.
        let json = String::from_utf8(Vec::from(json))
            .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned());
        self.current = (name, json);
        Ok(Some(RawEvent { json: &self.current.1, name: self.current.0.as_deref() }))
    }

    fn finish(&mut self) -> Option<String> {
        let left = self.queue.len();
        self.queue.clear();
        (left > 0).then(|| format!("{left} events were fed but not read"))
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    fn keeps_chunks_whole(&self) -> bool {
        true
    }
}
