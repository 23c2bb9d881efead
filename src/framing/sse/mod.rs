//! The Server-Sent Events layer: a sans-IO, incremental decoder from bytes to [`Frame`]s.
//!
//! It implements the WHATWG HTML "event stream" interpretation rules exactly and knows nothing of
//! Anthropic: any SSE stream can be decoded with it.
//!
//! * Feed bytes as they arrive with [`Decoder::feed`] (`&[u8]`) or [`Decoder::feed_bytes`] ([`Bytes`],
//!   whose field values are then shared rather than copied), and take frames with [`Decoder::next_frame`]
//!   or the [`Decoder::frames`] iterator.
//! * At end of input call [`Decoder::finish`]: an event not ended by a blank line is not dispatched (as the
//!   standard says) but reported as [`Unterminated`], so a caller can tell that a stream was cut short.
//! * The same bytes give the same frames however they are split into chunks, down to one byte at a time.
//! * Time is linear in the input: every byte is looked at once (line ends are found with `memchr`), and
//!   memory is bounded by [`Limits`].
//!
//! ```
//! use anthropic_sse::framing::sse::Decoder;
//!
//! let mut decoder = Decoder::new();
//! decoder.feed(b"event: ping\ndata: {\"type\": \"ping\"}\n\nid: 7\nda");
//! decoder.feed(b"ta: hello\r\n\r\n");
//! let frames: Vec<_> = decoder.frames().collect::<Result<_, _>>().unwrap();
//! assert_eq!(frames.len(), 2);
//! assert_eq!(frames[0].event(), "ping");
//! assert_eq!(frames[1].event(), "message");
//! assert_eq!(frames[1].data(), "hello");
//! assert_eq!(frames[1].id(), "7");
//! assert!(decoder.finish().is_none());
//! ```

mod text;

use std::collections::VecDeque;
use std::fmt;

use bytes::Bytes;

pub use text::BytesStr;
use text::CheckedChunk;

pub use crate::limits::{LimitError, Limits};

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One dispatched server-sent event.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    event: Option<BytesStr>,
    data: BytesStr,
    id: BytesStr,
    retry: Option<u64>,
}

impl Frame {
    /// Builds a frame; `event` `None` (or empty) means the default type `message`.
    pub fn new(event: Option<BytesStr>, data: BytesStr, id: BytesStr, retry: Option<u64>) -> Self {
        let event = event.filter(|e| !e.is_empty());
        Frame { event, data, id, retry }
    }

    /// The event type: the last `event:` field of the event, or `message` when it had none.
    pub fn event(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }

    /// The `event:` field as sent, `None` when the event had no (or an empty) `event:` line.
    pub fn event_field(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The data: the `data:` lines joined with `\n`.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The data as shared bytes (no copy).
    pub fn data_shared(&self) -> &BytesStr {
        &self.data
    }

    /// The last event id in force when this frame was dispatched (empty if none was ever set).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The reconnection time in milliseconds, when this event set one with a valid `retry:` field.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Frame");
        d.field("event", &self.event()).field("data", &self.data()).field("id", &self.id());
        if let Some(retry) = self.retry {
            d.field("retry", &retry);
        }
        d.finish()
    }
}

/// A dispatched event borrowed from the [`Decoder`] ([`Decoder::next_frame_ref`]): the same fields as a
/// [`Frame`], read in place from the input, valid until the decoder is next used. Taking frames this way
/// spares the reference count that an owned frame's shared data costs.
///
/// ```
/// use anthropic_sse::framing::sse::Decoder;
/// let mut decoder = Decoder::new();
/// decoder.feed(b"event: ping\ndata: {}\n\n");
/// let frame = decoder.next_frame_ref().unwrap().unwrap();
/// assert_eq!((frame.event(), frame.data()), ("ping", "{}"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    event: Option<&'a str>,
    data: &'a str,
    id: &'a str,
    retry: Option<u64>,
}

impl<'a> FrameRef<'a> {
    /// The event type: the last `event:` field of the event, or `message` when it had none.
    pub fn event(&self) -> &'a str {
        self.event.unwrap_or("message")
    }

    /// The `event:` field as sent, `None` when the event had no (or an empty) `event:` line.
    pub fn event_field(&self) -> Option<&'a str> {
        self.event
    }

    /// The data: the `data:` lines joined with `\n`.
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event id in force when this frame was dispatched (empty if none was ever set).
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time in milliseconds, when this event set one with a valid `retry:` field.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }
}

impl<'a> From<&'a Frame> for FrameRef<'a> {
    fn from(frame: &'a Frame) -> Self {
        FrameRef { event: frame.event_field(), data: frame.data(), id: frame.id(), retry: frame.retry() }
    }
}

impl From<FrameRef<'_>> for Frame {
    /// Copies the borrowed fields.
    fn from(frame: FrameRef<'_>) -> Self {
        Frame::new(frame.event.map(BytesStr::from), frame.data.into(), frame.id.into(), frame.retry)
    }
}

/// An event read whole from the front chunk by `Fields::whole_event`: where its parts lie in the chunk.
struct InChunk {
    event: EventName,
    data: std::ops::Range<usize>,
    /// The offset after the event's blank line.
    next: usize,
}

/// The `event:` field of an [`InChunk`] event.
enum EventName {
    Absent,
    Known(&'static str),
    At(std::ops::Range<usize>),
}

/// For a borrowed frame, what the decoder found next: a frame built line by line, or where an event lies
/// whole in the front chunk.
enum Found {
    Frame(Frame),
    InChunk(InChunk),
}

/// What `Decoder::advance` hands back for each kind of frame: an owned [`Frame`] built at once (the
/// commonest use, kept to one step), or a [`Found`] for a borrowed frame. A type parameter rather than a
/// flag, so that each use gets its own compiled loop with nothing to pass around but its result.
trait Take {
    type Out;
    fn whole(fields: &Fields, chunk: &CheckedChunk, event: InChunk) -> Self::Out;
    fn built(frame: Frame) -> Self::Out;
}

struct Owned;

impl Take for Owned {
    type Out = Frame;
    fn whole(fields: &Fields, chunk: &CheckedChunk, event: InChunk) -> Frame {
        fields.build(chunk, event)
    }
    fn built(frame: Frame) -> Frame {
        frame
    }
}

struct Lent;

impl Take for Lent {
    type Out = Found;
    fn whole(_: &Fields, _: &CheckedChunk, event: InChunk) -> Found {
        Found::InChunk(event)
    }
    fn built(frame: Frame) -> Found {
        Found::Frame(frame)
    }
}

/// What was left over when the input ended in the middle of an event: the standard drops it, and the
/// decoder reports it so that a truncated stream can be told from a complete one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unterminated {
    /// The `event:` field of the unfinished event, if it had one.
    pub event: Option<String>,
    /// The data gathered so far from complete `data:` lines (`None` when there were none).
    pub data: Option<String>,
    /// Bytes of a last line that had no line ending.
    pub partial_line_bytes: usize,
}

/// The data buffer of the event being read. `One` keeps a single data line without copying; a second line
/// switches to an owned string. `Empty` and `One("")` differ: a `data:` line with an empty value still makes
/// the event dispatch.
#[derive(Debug, Clone, Default)]
enum DataBuf {
    #[default]
    Empty,
    One(BytesStr),
    Many(String),
}

impl DataBuf {
    fn len(&self) -> usize {
        match self {
            DataBuf::Empty => 0,
            DataBuf::One(s) => s.len(),
            DataBuf::Many(s) => s.len(),
        }
    }

    fn push_line(&mut self, value: BytesStr) {
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

    fn into_text(self) -> Option<BytesStr> {
        match self {
            DataBuf::Empty => None,
            DataBuf::One(s) => Some(s),
            DataBuf::Many(s) => Some(BytesStr::from(s)),
        }
    }
}

/// The largest buffer for lines pieced together from several chunks that the decoder keeps between lines.
const KEEP_LINE_BUFFER: usize = 64 * 1024;

/// The incremental SSE decoder. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Decoder {
    /// Input not yet looked at; `pos` is the read position in the front chunk.
    queue: VecDeque<CheckedChunk>,
    pos: usize,
    /// Bytes of a line that started in an earlier chunk and has not ended yet.
    line: Vec<u8>,
    /// Stream offset of the first byte of the current line (for error messages).
    line_start: u64,
    /// Stream offset of `queue.front()[0]`.
    front_offset: u64,
    /// The previous line ended with a CR that was the last byte of its chunk: an LF first in the next chunk
    /// belongs to that line ending.
    skip_lf: bool,
    /// `Some(n)`: still at stream start, the first `n` bytes of a BOM seen; `None`: past the start.
    bom: Option<usize>,
    fields: Fields,
    failed: Option<LimitError>,
    /// The frame [`next_frame_ref`](Decoder::next_frame_ref) lent out last, when it had to be built.
    lent: Option<Frame>,
}

/// The buffers the field lines of an event fill. Kept apart from the input queue so that a line can be read
/// in place from the queued chunk while these are updated.
#[derive(Debug, Clone)]
struct Fields {
    event: Option<BytesStr>,
    data: DataBuf,
    last_id: BytesStr,
    retry: Option<u64>,
    reconnection_time: Option<u64>,
    limits: Limits,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            queue: VecDeque::new(),
            pos: 0,
            line: Vec::new(),
            line_start: 0,
            front_offset: 0,
            skip_lf: false,
            bom: Some(0),
            fields: Fields {
                event: None,
                data: DataBuf::Empty,
                last_id: BytesStr::new(),
                retry: None,
                reconnection_time: None,
                limits,
            },
            failed: None,
            lent: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.fields.limits
    }

    /// Changes the limits; they apply from the next line on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.fields.limits = limits;
    }

    /// Adds input (copied once into shared storage). Take the frames it completes with
    /// [`next_frame`](Self::next_frame).
    pub fn feed(&mut self, chunk: &[u8]) {
        if !chunk.is_empty() {
            self.feed_bytes(Bytes::copy_from_slice(chunk));
        }
    }

    /// Adds input without copying it: field values that lie inside this chunk are handed out as views of it.
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.queue.push_back(CheckedChunk::new(chunk));
        }
    }

    /// The last event id in force (persists across events).
    pub fn last_event_id(&self) -> &str {
        &self.fields.last_id
    }

    /// The reconnection time set by the last valid `retry:` field, if any.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.fields.reconnection_time
    }

    /// Bytes taken in so far (fed and looked at).
    pub fn offset(&self) -> u64 {
        self.front_offset + self.pos as u64
    }

    /// An iterator over the frames the input fed so far completes.
    pub fn frames(&mut self) -> Frames<'_> {
        Frames { decoder: self }
    }

    /// The next complete frame, `Ok(None)` when the input fed so far holds no further complete event.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, LimitError> {
        self.next_found::<Owned>()
    }

    /// The next complete frame, borrowed: the same as [`next_frame`](Self::next_frame), but read in place from
    /// the input where it can be, without the reference counting of an owned [`Frame`]. The frame is valid
    /// until the decoder is used again.
    pub fn next_frame_ref(&mut self) -> Result<Option<FrameRef<'_>>, LimitError> {
        let event = match self.next_found::<Lent>()? {
            None => return Ok(None),
            Some(Found::Frame(frame)) => frame,
            Some(Found::InChunk(event)) => {
                let Some(chunk) = self.queue.front() else { unreachable!("an event in the chunk") };
                let name_is_text = match &event.event {
                    EventName::At(range) => chunk.is_text(range.clone()),
                    EventName::Absent | EventName::Known(_) => true,
                };
                if name_is_text && chunk.is_text(event.data.clone()) {
                    let name = match event.event {
                        EventName::Absent => None,
                        EventName::Known(name) => Some(name),
                        EventName::At(range) => chunk.str(range).filter(|name| !name.is_empty()),
                    };
                    return Ok(Some(FrameRef {
                        event: name,
                        data: chunk.str(event.data).unwrap_or_default(),
                        id: &self.fields.last_id,
                        retry: None,
                    }));
                }
                // Invalid UTF-8 to replace: the owned frame holds the replaced text.
                self.build(event)
            }
        };
        Ok(Some(FrameRef::from(&*self.lent.insert(event))))
    }

    /// Advances, recording an error: every later call returns it.
    fn next_found<T: Take>(&mut self) -> Result<Option<T::Out>, LimitError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.advance::<T>();
        if let Err(err) = &result {
            self.failed = Some(err.clone());
            self.queue.clear();
            self.line = Vec::new();
            self.fields.data = DataBuf::Empty;
        }
        result
    }

    /// The owned frame of an event that `advance` found whole in the front chunk.
    fn build(&self, event: InChunk) -> Frame {
        let Some(chunk) = self.queue.front() else { unreachable!("an event in the chunk") };
        self.fields.build(chunk, event)
    }

    /// Reads up to the next frame, handed back as `T` says.
    fn advance<T: Take>(&mut self) -> Result<Option<T::Out>, LimitError> {
        while let Some(chunk) = self.queue.front() {
            let len = chunk.len();
            if self.pos < len && self.skip_lf {
                self.skip_lf = false;
                if chunk[self.pos] == b'\n' {
                    self.pos += 1;
                    self.line_start += 1;
                }
            }
            if let Some(matched) = self.bom {
                let (pos, bom) = match_bom(chunk, self.pos, matched, &mut self.line);
                self.pos = pos;
                self.bom = bom;
                if bom.is_none() && self.line.is_empty() {
                    self.line_start = self.front_offset + pos as u64;
                }
            }
            while self.pos < len {
                if self.line.is_empty() && self.fields.is_clear() {
                    if let Some(event) = self.fields.whole_event(chunk, self.pos) {
                        self.pos = event.next;
                        self.line_start = self.front_offset + event.next as u64;
                        // For a borrowed frame, the chunk stays at the front of the queue until the next call:
                        // the event is read from it.
                        return Ok(Some(T::whole(&self.fields, chunk, event)));
                    }
                }
                let rest = &chunk[self.pos..];
                // A blank line (the end of every event) needs no search.
                let line_end = match rest[0] {
                    b'\n' | b'\r' => Some(0),
                    _ => memchr::memchr2(b'\n', b'\r', rest),
                };
                let Some(i) = line_end else {
                    // No line end in this chunk: keep the partial line for the next one.
                    if self.line.len() + rest.len() > self.fields.limits.max_line_bytes() {
                        return Err(line_too_long(&self.fields.limits, self.line_start));
                    }
                    self.line.extend_from_slice(rest);
                    self.pos = len;
                    break;
                };
                let end = self.pos + i;
                let mut next = end + 1;
                if rest[i] == b'\r' {
                    if next < len {
                        if chunk[next] == b'\n' {
                            next += 1;
                        }
                    } else {
                        self.skip_lf = true;
                    }
                }
                let line_offset = self.line_start;
                if self.line.len() + i > self.fields.limits.max_line_bytes() {
                    return Err(line_too_long(&self.fields.limits, line_offset));
                }
                self.line_start = self.front_offset + next as u64;
                let frame = if self.line.is_empty() {
                    let start = self.pos;
                    self.pos = next;
                    self.fields.process_line(&chunk[start..end], Some((chunk, start)), line_offset)?
                } else {
                    self.line.extend_from_slice(&rest[..i]);
                    self.pos = next;
                    let (frame, spare) = self.fields.process_pieced_line(std::mem::take(&mut self.line), line_offset);
                    // A small buffer is kept for the next line pieced together; a big one goes back at once,
                    // rather than staying with the decoder for the rest of the stream.
                    if let Some(mut spare) = spare.filter(|l| l.capacity() <= KEEP_LINE_BUFFER) {
                        spare.clear();
                        self.line = spare;
                    }
                    frame?
                };
                if let Some(frame) = frame {
                    return Ok(Some(T::built(frame)));
                }
            }
            if self.pos >= len {
                self.front_offset += len as u64;
                self.pos = 0;
                self.queue.pop_front();
            }
        }
        Ok(None)
    }

    /// Ends the input. Returns what an event not ended by a blank line had gathered, which the standard
    /// drops; `None` when the stream ended cleanly between events. Call it after
    /// [`next_frame`](Self::next_frame) has returned `Ok(None)`: input not yet decoded counts as left over.
    ///
    /// The decoder is reset to the start of a new stream, keeping its limits.
    pub fn finish(&mut self) -> Option<Unterminated> {
        let queued: usize = self.queue.iter().map(|c| c.len()).sum::<usize>() - self.pos.min(self.queue_front_len());
        let partial_line_bytes = self.line.len() + queued + self.bom.unwrap_or(0);
        let event = self.fields.event.take().map(String::from);
        let data = std::mem::take(&mut self.fields.data).into_text().map(String::from);
        let failed = self.failed.is_some();
        *self = Decoder::with_limits(self.fields.limits);
        if failed || (event.is_none() && data.is_none() && partial_line_bytes == 0) {
            return None;
        }
        Some(Unterminated { event, data, partial_line_bytes })
    }

    fn queue_front_len(&self) -> usize {
        self.queue.front().map_or(0, |c| c.len())
    }
}

impl Fields {
    /// Interprets one line. `owner`, when given, is the chunk that holds `line` at the given offset, so that
    /// values can share its bytes instead of being copied.
    fn process_line(
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
    fn process_pieced_line(
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
    fn is_clear(&self) -> bool {
        self.event.is_none() && matches!(self.data, DataBuf::Empty) && self.retry.is_none()
    }

    /// The whole event at `chunk[start..]`, with the offset after it, when it has the shape nearly every
    /// event has: an optional `event:` line, one `data:` line and a blank line, all ended by `\n` and within
    /// the limits. It gives exactly the frame that reading it line by line gives, which happens for every
    /// other shape (comments, ids, several data lines, CR line ends, an event the chunk cuts off); each byte
    /// is searched at most once more than on that path, so time stays linear.
    fn whole_event(&self, chunk: &CheckedChunk, start: usize) -> Option<InChunk> {
        let rest = &chunk[start..];
        let (event, data_line) = if rest.starts_with(b"event:") {
            let value = 6 + usize::from(rest.get(6) == Some(&b' '));
            match known_event_line(&rest[value..]) {
                // A name streams repeat, ended by LF: no search for the line end.
                Some((name, len)) => (EventName::Known(name), value + len + 1),
                None => {
                    let (value, end) = field_value(rest, 6)?;
                    (EventName::At(start + value..start + end), end + 1)
                }
            }
        } else {
            (EventName::Absent, 0)
        };
        if !rest[data_line..].starts_with(b"data:") {
            return None;
        }
        let (value, end) = field_value(rest, data_line + 5)?;
        let limit = self.limits.max_line_bytes().min(self.limits.max_event_bytes());
        if rest.get(end + 1) != Some(&b'\n') || data_line > self.limits.max_line_bytes() || end - data_line > limit {
            return None;
        }
        Some(InChunk { event, data: start + value..start + end, next: start + end + 2 })
    }

    /// The owned frame of an event that `whole_event` found in `chunk`.
    fn build(&self, chunk: &CheckedChunk, event: InChunk) -> Frame {
        let name = match event.event {
            EventName::Absent => None,
            EventName::Known(name) => Some(BytesStr::from_static(name)),
            EventName::At(range) => Some(chunk.text(range)),
        };
        Frame::new(name, chunk.text(event.data), self.id(), None)
    }

    /// The id a frame dispatched now carries.
    fn id(&self) -> BytesStr {
        // An empty id (the usual case) needs no reference count.
        if self.last_id.is_empty() {
            BytesStr::new()
        } else {
            self.last_id.clone()
        }
    }

    fn dispatch(&mut self) -> Option<Frame> {
        let event = self.event.take();
        let retry = self.retry.take();
        let data = std::mem::take(&mut self.data).into_text()?;
        Some(Frame::new(event, data, self.id(), retry))
    }
}

/// Skips a byte order mark at the very start of the stream, which may arrive split across chunks. Returns
/// the new read position and the new BOM state (`None` once past the stream start). Bytes that looked like
/// the start of a BOM but were not go to `line`: they belong to the first line.
fn match_bom(chunk: &[u8], mut pos: usize, mut matched: usize, line: &mut Vec<u8>) -> (usize, Option<usize>) {
    while pos < chunk.len() {
        if chunk[pos] != BOM[matched] {
            line.extend_from_slice(&BOM[..matched]);
            return (pos, None);
        }
        matched += 1;
        pos += 1;
        if matched == BOM.len() {
            return (pos, None);
        }
    }
    (pos, Some(matched))
}

/// For a line at the start of `rest` whose field name and colon take `after_colon` bytes: where its value
/// starts (after one optional space) and where it ends, at a `\n`. `None` when the line ends with a CR or
/// not at all in `rest`.
fn field_value(rest: &[u8], after_colon: usize) -> Option<(usize, usize)> {
    let value = after_colon + usize::from(rest.get(after_colon) == Some(&b' '));
    let end = value + memchr::memchr2(b'\n', b'\r', rest.get(value..)?)?;
    (rest[end] == b'\n').then_some((value, end))
}

fn line_too_long(limits: &Limits, offset: u64) -> LimitError {
    LimitError::LineTooLong { limit: limits.max_line_bytes(), offset }
}

/// Event names that streams repeat thousands of times are handed out as static strings: no UTF-8 check, no
/// reference count. The commonest comes first.
const KNOWN: [&str; 9] = [
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

fn known_event_name(value: &[u8]) -> Option<BytesStr> {
    KNOWN.iter().find(|name| name.as_bytes() == value).map(|name| BytesStr::from_static(name))
}

/// A known event name at the start of `rest` followed by LF, and its length.
fn known_event_line(rest: &[u8]) -> Option<(&'static str, usize)> {
    KNOWN
        .iter()
        .find(|name| rest.starts_with(name.as_bytes()) && rest.get(name.len()) == Some(&b'\n'))
        .map(|name| (*name, name.len()))
}

/// The fields the standard defines; every other name is ignored.
#[derive(Debug, Clone, Copy)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
}

/// `retry` takes ASCII digits only: no sign, no spaces, no fraction. A value too large for `u64` is ignored.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Iterator over decoded frames; see [`Decoder::frames`]. It ends when the input fed so far is used up or
/// after the first error.
#[derive(Debug)]
pub struct Frames<'a> {
    decoder: &'a mut Decoder,
}

impl Iterator for Frames<'_> {
    type Item = Result<Frame, LimitError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.decoder.failed.is_some() {
            return None;
        }
        self.decoder.next_frame().transpose()
    }
}
