//! The field rules of the standard: what each line of an event does, the data buffer, the event names read
//! without a copy, and the whole-event fast path.

use bytes::Bytes;

use super::frame::Frame;
use super::text::{BytesStr, CheckedChunk};
use crate::limits::{LimitError, Limits};

/// The largest buffer for lines pieced together from several chunks that the decoder keeps between lines.
pub(super) const KEEP_LINE_BUFFER: usize = 64 * 1024;

/// The data buffer of the event being read. `One` keeps a single data line without copying; a second line
/// switches to an owned string. `Empty` and `One("")` differ: a `data:` line with an empty value still makes
/// the event dispatch.
#[derive(Debug, Clone, Default)]
pub(super) enum DataBuf {
    #[default]
    Empty,
    One(BytesStr),
    Many(String),
}

impl DataBuf {
    pub(super) fn len(&self) -> usize {
        match self {
            DataBuf::Empty => 0,
            DataBuf::One(s) => s.len(),
            DataBuf::Many(s) => s.len(),
        }
    }

    pub(super) fn push_line(&mut self, value: BytesStr) {
        *self = match std::mem::take(self) {
            DataBuf::Empty => DataBuf::One(value),
            DataBuf::One(first) => {
                let mut s = String::with_capacity(first.len() + 1 + value.len());
                s.push_str(&first);
                s.push('\n');
                s.push_str(&value);
                DataBuf::Many(s)
            }
            DataBuf::Many(mut s) => {
                s.push('\n');
                s.push_str(&value);
                DataBuf::Many(s)
            }
        }
    }

    pub(super) fn into_text(self) -> Option<BytesStr> {
        match self {
            DataBuf::Empty => None,
            DataBuf::One(s) => Some(s),
            DataBuf::Many(s) => Some(BytesStr::from(s)),
        }
    }
}

/// The buffers the field lines of an event fill. Kept apart from the input queue so that a line can be read
/// in place from the queued chunk while these are updated.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    pub(super) event: Option<BytesStr>,
    pub(super) data: DataBuf,
    pub(super) last_id: BytesStr,
    pub(super) retry: Option<u64>,
    pub(super) reconnection_time: Option<u64>,
    pub(super) limits: Limits,
}

impl Fields {
    /// Interprets one line. `owner`, when given, is the chunk that holds `line` at the given offset, so that
    /// values can share its bytes instead of being copied.
    pub(super) fn process_line(
        &mut self,
        line: &[u8],
        owner: Option<(&CheckedChunk, usize)>,
        line_offset: u64,
    ) -> Result<Option<Frame>, LimitError> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(None);
        }
        // The field name: the two that make up nearly every line are recognised without searching for the
        // colon or comparing the name again.
        let (field, colon) = if line.starts_with(b"data:") {
            (Field::Data, 4)
        } else if line.starts_with(b"event:") {
            (Field::Event, 5)
        } else {
            let colon = memchr::memchr(b':', line).unwrap_or(line.len());
            let field = match &line[..colon] {
                b"data" => Field::Data,
                b"event" => Field::Event,
                b"id" => Field::Id,
                b"retry" => Field::Retry,
                _ => return Ok(None),
            };
            (field, colon)
        };
        let mut value = (colon + 1).min(line.len());
        if line.get(value) == Some(&b' ') {
            value += 1;
        }
        let text = |start: usize| -> BytesStr {
            match owner {
                Some((chunk, base)) => chunk.text(base + start..base + line.len()),
                None => BytesStr::from_utf8_lossy(Bytes::copy_from_slice(&line[start..])),
            }
        };
        match field {
            Field::Data => {
                let added = line.len() - value + usize::from(!matches!(self.data, DataBuf::Empty));
                if self.data.len() + added > self.limits.max_event_bytes() {
                    return Err(LimitError::EventTooLarge {
                        limit: self.limits.max_event_bytes(),
                        offset: line_offset,
                    });
                }
                self.data.push_line(text(value));
            }
            Field::Event => self.event = Some(known_event_name(&line[value..]).unwrap_or_else(|| text(value))),
            Field::Id => {
                if memchr::memchr(0, &line[value..]).is_none() {
                    self.last_id = text(value);
                }
            }
            Field::Retry => {
                if let Some(ms) = parse_retry(&line[value..]) {
                    self.retry = Some(ms);
                    self.reconnection_time = Some(ms);
                }
            }
        }
        Ok(None)
    }

    /// A line pieced together from several chunks. A long first `data:` line of an event (a big event is
    /// usually one long line) takes the line's buffer as its value without a copy; any other line is read as
    /// usual and its buffer given back, to be used again.
    pub(super) fn process_pieced_line(
        &mut self,
        line: Vec<u8>,
        line_offset: u64,
    ) -> (Result<Option<Frame>, LimitError>, Option<Vec<u8>>) {
        if line.len() > KEEP_LINE_BUFFER && line.starts_with(b"data:") && matches!(self.data, DataBuf::Empty) {
            let value = if line.get(5) == Some(&b' ') { 6 } else { 5 };
            if line.len() - value > self.limits.max_event_bytes() {
                return (
                    Err(LimitError::EventTooLarge { limit: self.limits.max_event_bytes(), offset: line_offset }),
                    None,
                );
            }
            self.data = DataBuf::One(BytesStr::from_utf8_lossy(Bytes::from(line).slice(value..)));
            return (Ok(None), None);
        }
        let frame = self.process_line(&line, None, line_offset);
        (frame, Some(line))
    }

    /// Whether no field of an event has been read yet: the decoder stands between events.
    pub(super) fn is_clear(&self) -> bool {
        self.event.is_none() && matches!(self.data, DataBuf::Empty) && self.retry.is_none()
    }

    /// The most a whole event read in one piece may span: within both the line and the event limits, so that
    /// reading it line by line could not have failed.
    pub(super) fn whole_event_limit(&self) -> usize {
        self.limits.max_line_bytes().min(self.limits.max_event_bytes())
    }

    /// The whole event at `chunk[start..]`, with the offset after it, when it has the shape nearly every
    /// event has: an optional `event:` line, one `data:` line and a blank line, all ended by `\n` and within
    /// the limits. It gives exactly the frame that reading it line by line gives, which happens for every
    /// other shape (comments, ids, several data lines, CR line ends); each byte is searched at most once more
    /// than on that path, so time stays linear. `None` with `cut` set when what the chunk holds is the start
    /// of an event of that shape, cut off by the chunk's end.
    pub(super) fn whole_event(&self, chunk: &CheckedChunk, start: usize, cut: &mut bool) -> Option<InChunk> {
        let rest = &chunk[start..];
        let (event, data_line) = if rest.starts_with(b"event:") {
            let value = 6 + usize::from(rest.get(6) == Some(&b' '));
            match known_event_line(&rest[value..]) {
                // A name streams repeat, ended by LF: no search for the line end.
                Some((name, len)) => (EventName::Known(name), value + len + 1),
                None => {
                    let (value, end) = field_value(rest, 6, cut)?;
                    (EventName::At(start + value..start + end), end + 1)
                }
            }
        } else {
            (EventName::Absent, 0)
        };
        if !rest[data_line..].starts_with(b"data:") {
            *cut = b"data:".starts_with(&rest[data_line..]) || (data_line == 0 && b"event:".starts_with(rest));
            return None;
        }
        let (value, end) = field_value(rest, data_line + 5, cut)?;
        let limit = self.whole_event_limit();
        if rest.get(end + 1) != Some(&b'\n') || data_line > self.limits.max_line_bytes() || end - data_line > limit {
            *cut = end + 1 == rest.len();
            return None;
        }
        Some(InChunk { event, data: start + value..start + end, next: start + end + 2 })
    }

    /// The owned frame of an event that `whole_event` found in `chunk`.
    pub(super) fn build(&self, chunk: &CheckedChunk, event: InChunk) -> Frame {
        let name = match event.event {
            EventName::Absent => None,
            // Never empty: no check.
            EventName::Known(name) => Some(BytesStr::from_static(name)),
            EventName::At(range) => Some(chunk.text(range)).filter(|name| !name.is_empty()),
        };
        Frame::named(name, chunk.text(event.data), self.id())
    }

    /// The id a frame dispatched now carries.
    pub(super) fn id(&self) -> BytesStr {
        // An empty id (the usual case) needs no reference count.
        if self.last_id.is_empty() { BytesStr::new() } else { self.last_id.clone() }
    }

    pub(super) fn dispatch(&mut self) -> Option<Frame> {
        let event = self.event.take();
        let retry = self.retry.take();
        let data = std::mem::take(&mut self.data).into_text()?;
        Some(Frame::new(event, data, self.id(), retry))
    }
}

/// For a line at the start of `rest` whose field name and colon take `after_colon` bytes: where its value
/// starts (after one optional space) and where it ends, at a `\n`. `None` when the line ends with a CR, or
/// not at all in `rest` (then `cut` is set).
pub(super) fn field_value(rest: &[u8], after_colon: usize, cut: &mut bool) -> Option<(usize, usize)> {
    let value = after_colon + usize::from(rest.get(after_colon) == Some(&b' '));
    let end = value
        + memchr::memchr2(b'\n', b'\r', &rest[value..]).or_else(|| {
            *cut = true;
            None
        })?;
    (rest[end] == b'\n').then_some((value, end))
}

pub(super) fn line_too_long(limits: &Limits, offset: u64) -> LimitError {
    LimitError::LineTooLong { limit: limits.max_line_bytes(), offset }
}

/// Event names that streams repeat thousands of times are handed out as static strings: no UTF-8 check, no
/// reference count. The commonest comes first.
pub(super) const KNOWN: [&str; 9] = [
    "content_block_delta",
    "message_start",
    "content_block_start",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
    "message",
];

pub(super) fn known_event_name(value: &[u8]) -> Option<BytesStr> {
    KNOWN.iter().find(|name| name.as_bytes() == value).map(|name| BytesStr::from_static(name))
}

/// A known event name at the start of `rest` followed by LF, and its length.
pub(super) fn known_event_line(rest: &[u8]) -> Option<(&'static str, usize)> {
    KNOWN
        .iter()
        .find(|name| rest.starts_with(name.as_bytes()) && rest.get(name.len()) == Some(&b'\n'))
        .map(|name| (*name, name.len()))
}

/// The fields the standard defines; every other name is ignored.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    Data,
    Event,
    Id,
    Retry,
}

/// `retry` takes ASCII digits only: no sign, no spaces, no fraction. A value too large for `u64` is ignored.
pub(super) fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() { acc.checked_mul(10)?.checked_add(u64::from(b - b'0')) } else { None }
    })
}

/// An event read whole from the front chunk by `Fields::whole_event`: where its parts lie in the chunk.
pub(super) struct InChunk {
    pub(super) event: EventName,
    pub(super) data: std::ops::Range<usize>,
    /// The offset after the event's blank line.
    pub(super) next: usize,
}

/// The `event:` field of an [`InChunk`] event.
pub(super) enum EventName {
    Absent,
    Known(&'static str),
    At(std::ops::Range<usize>),
}
