//! The SSE [`Decoder`].

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::fields::{DataBuf, Fields, KEEP_LINE_BUFFER, line_too_long};
use super::fields::{EventName, InChunk};
use super::frame::{Frame, FrameRef, Unterminated};
use super::take::{Found, Lent, Owned, Take};
use super::text::{BytesStr, CheckedChunk};

use crate::error::Error;
use crate::framing::raw::{Framing, RawEvent};
use crate::limits::{LimitError, Limits};

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A chunk up to this long is joined whole to the start of an event that the chunk before it cut off: one
/// small copy, rather than a search for that event's end and a second chunk for the rest.
const JOIN_WHOLE: usize = 4096;

/// The size of the first buffer joined chunks are written to, and of the largest (see `Decoder::join`).
const JOIN_BUFFER: (usize, usize) = (8 * 1024, 64 * 1024);

/// The Server-Sent Events decoder: sans-IO and incremental, from bytes to [`Frame`]s.
///
/// It implements the WHATWG HTML "event stream" interpretation rules exactly and knows nothing of
/// Anthropic: any SSE stream can be decoded with it.
///
/// * Feed bytes as they arrive with [`feed`](Self::feed) (`&[u8]`) or [`feed_bytes`](Self::feed_bytes) ([`Bytes`],
///   whose field values are then shared rather than copied), and take frames with [`next_frame`](Self::next_frame)
///   or the [`frames`](Self::frames) iterator.
/// * At end of input call [`Framing::finish`]: an event not ended by a blank line is
///   not dispatched (as the standard says) but reported, in words, so a caller can tell that a stream was cut
///   short.
/// * The same bytes give the same frames however they are split into chunks, down to one byte at a time.
/// * Time is linear in the input: every byte is looked at once (line ends are found with `memchr`), and
///   memory is bounded by [`Limits`].
///
/// ```
/// use anthropic_sse::framing::SseDecoder;
///
/// let mut decoder = SseDecoder::new();
/// decoder.feed(b"event: ping\ndata: {\"type\": \"ping\"}\n\nid: 7\nda");
/// decoder.feed(b"ta: hello\r\n\r\n");
/// let frames: Vec<_> = decoder.frames().collect::<Result<_, _>>().unwrap();
/// assert_eq!(frames.len(), 2);
/// assert_eq!(frames[0].event(), "ping");
/// assert_eq!(frames[1].event(), "message");
/// assert_eq!(frames[1].data(), "hello");
/// assert_eq!(frames[1].id(), "7");
/// assert!(anthropic_sse::framing::Framing::finish(&mut decoder).is_none());
/// ```
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
    /// The front chunk, the only one queued, ends with the start of an event of the common shape, cut off,
    /// from `pos` on: it is held there, not yet read, until the next chunk brings the rest (see
    /// [`join_len`]).
    held: bool,
    /// Set by `finish`: read a cut event line by line rather than hold it.
    no_hold: bool,
    /// Where joined chunks are written: one buffer, taken again once the chunks cut from it are dropped (as
    /// they are when frames are borrowed), so that a join costs no allocation.
    joins: BytesMut,
    /// The size of the next buffer for joins.
    join_size: usize,
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
            held: false,
            no_hold: false,
            joins: BytesMut::new(),
            join_size: JOIN_BUFFER.0,
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
    /// (An event that the previous chunk cut off is completed in a small copy, read whole from there.)
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if self.held {
            return self.feed_held(chunk);
        }
        self.queue.push_back(CheckedChunk::new(chunk));
    }

    /// Feeds `chunk` after the start of a cut event was held: joined to it when [`join_len`] says so.
    fn feed_held(&mut self, chunk: Bytes) {
        self.held = false;
        let room = self.join_room();
        if let Some(take) = self.queue.front().and_then(|front| join_len(&front[self.pos..], &chunk, room)) {
            let Some(front) = self.queue.pop_front() else { unreachable!("the held chunk") };
            self.join(front, chunk, None, take);
        } else {
            self.queue.push_back(CheckedChunk::new(chunk));
        }
    }

    /// Puts at the front of the queue, in place of `front`, one chunk made of the rest of `front` (the start
    /// of a cut event) and the first `take` bytes of `next`, then the rest of `next`.
    /// `next_valid`, when known, is the length of `next`'s valid UTF-8 prefix (`next` was checked when fed).
    fn join(&mut self, front: CheckedChunk, next: Bytes, next_valid: Option<usize>, take: usize) {
        let tail_len = front.len() - self.pos;
        // The tail's valid UTF-8 (up to a character that the chunk's end cut, if any) is not checked again.
        let checked = front.valid_len().saturating_sub(self.pos).min(tail_len);
        let need = tail_len + take;
        let front = if self.joins.capacity() < need { self.make_room(front, need) } else { Some(front) };
        if let Some(front) = &front {
            self.joins.extend_from_slice(&front[self.pos..]);
        }
        self.joins.extend_from_slice(&next[..take]);
        let joined = self.joins.split().freeze();
        self.front_offset += self.pos as u64;
        self.pos = 0;
        if take < next.len() {
            let rest = next.slice(take..);
            // `take` ends at a line end: a character boundary, so what was checked of `next` past it need not be
            // checked again.
            self.queue.push_front(match next_valid {
                Some(valid) => CheckedChunk::with_valid_len(rest, valid.saturating_sub(take)),
                None => CheckedChunk::new(rest),
            });
        }
        self.queue.push_front(CheckedChunk::with_valid_prefix(joined, checked));
    }

    /// Room for `need` bytes in the buffer for joins: the same buffer taken again when nothing else uses it,
    /// else a new one, each twice as large as the last up to a bound (so that a buffer that frames or values
    /// the caller keeps hold on to costs an allocation less and less often). A short tail of `front` is
    /// written first (and `None` given back), so that `front`, often cut from that buffer itself, lets it go.
    #[cold]
    fn make_room(&mut self, front: CheckedChunk, need: usize) -> Option<CheckedChunk> {
        let mut copy = [0u8; 256];
        let tail_len = front.len() - self.pos;
        let front = if tail_len <= copy.len() {
            copy[..tail_len].copy_from_slice(&front[self.pos..]);
            drop(front);
            None
        } else {
            Some(front)
        };
        if !self.joins.try_reclaim(need) {
            self.joins = BytesMut::with_capacity(need.max(self.join_size));
            self.join_size = (self.join_size * 2).min(JOIN_BUFFER.1);
        }
        if front.is_none() {
            self.joins.extend_from_slice(&copy[..tail_len]);
        }
        front
    }

    /// The last event id in force (persists across events).
    pub fn last_event_id(&self) -> &str {
        &self.fields.last_id
    }

    /// The reconnection time set by the last valid `retry:` field, if any.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.fields.reconnection_time
    }

    /// Where in the stream the decoder stands, in bytes: the input read so far. The start of an event cut off
    /// by the end of the input fed may be held, not yet read, until the rest comes (when it is of the usual
    /// shape and within the limits): until then it is not counted, so the figure can depend on the chunking.
    pub fn offset(&self) -> u64 {
        self.front_offset + self.pos as u64
    }

    /// An iterator over the frames the input fed so far completes. It ends when that input is used up or
    /// after the first error.
    pub fn frames(&mut self) -> impl Iterator<Item = Result<Frame, LimitError>> + '_ {
        std::iter::from_fn(move || if self.failed.is_some() { None } else { self.next_frame().transpose() })
    }

    /// The rest of the front chunk as text, when the decoder stands at the start of a line with nothing
    /// pending (no line begun in an earlier chunk, no field of an event begun, past the stream's start, no
    /// error) and that rest is valid UTF-8 up to where it stops being so: where a caller may read a whole event
    /// ahead of the decoder and then step over it with [`skip_event`](Self::skip_event). At most as much text
    /// as the line and event limits allow an event to have, so that whatever is read from it is within them.
    pub(crate) fn text_at_event_start(&self) -> Option<&str> {
        if self.failed.is_some() || self.held || self.skip_lf || self.bom.is_some() || !self.line.is_empty() {
            return None;
        }
        if !self.fields.is_clear() {
            return None;
        }
        let chunk = self.queue.front()?;
        let limit = self.fields.whole_event_limit();
        let end = chunk.valid_len().min(self.pos.saturating_add(limit));
        chunk.str(self.pos..end).filter(|text| !text.is_empty())
    }

    /// Steps over the first `len` bytes of [`text_at_event_start`](Self::text_at_event_start), which the caller
    /// read as whole events (each an `event:` line, one `data:` line, the blank line; every line within the
    /// limits): the decoder is where reading those events would have left it.
    pub(crate) fn skip_event(&mut self, len: usize) {
        self.pos += len;
        self.line_start = self.front_offset + self.pos as u64;
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
        // A held start waits for the next chunk: reading it again before then would find the same cut event
        // (and cost its length on every call).
        if self.held {
            return Ok(None);
        }
        let result = self.advance::<T>();
        if let Err(err) = &result {
            self.failed = Some(err.clone());
            self.held = false;
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
        'chunks: while let Some(chunk) = self.queue.front() {
            let len = chunk.len();
            if self.skip_lf && self.pos < len {
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
                    let mut cut = false;
                    if let Some(event) = self.fields.whole_event(chunk, self.pos, &mut cut) {
                        self.pos = event.next;
                        self.line_start = self.front_offset + event.next as u64;
                        // For a borrowed frame, the chunk stays at the front of the queue until the next call:
                        // the event is read from it.
                        return Ok(Some(T::whole(&self.fields, chunk, event)));
                    }
                    // An event cut off by the chunk's end, small enough that reading it line by line could not
                    // have failed yet: rather than piece its lines together (a copy and an allocation per
                    // value), it is held until more input comes, or completed with the start of the next chunk
                    // in one small chunk and read whole from there, in place.
                    if cut && len - self.pos <= self.fields.whole_event_limit() && !self.no_hold {
                        let Some(next) = self.queue.get(1) else {
                            self.held = true;
                            return Ok(None);
                        };
                        if let Some(take) = join_len(&chunk[self.pos..], next, self.join_room()) {
                            let (Some(front), Some(next)) = (self.queue.pop_front(), self.queue.pop_front()) else {
                                unreachable!("two chunks queued")
                            };
                            let next_valid = next.valid_len();
                            self.join(front, next.into_bytes(), Some(next_valid), take);
                            continue 'chunks;
                        }
                    }
                }
                let rest = &chunk[self.pos..];
                // A blank line (the end of every event) needs no search.
                let line_end = match rest[0] {
                    b'\n' | b'\r' => Some(0),
                    // A few bytes (a line fed in small pieces) are looked at one by one, cheaper than setting
                    // up the vector search.
                    _ if rest.len() < 16 => rest.iter().position(|&b| b == b'\n' || b == b'\r'),
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
                    // A long line's buffer grew by doubling: what it did not fill is handed back before the
                    // event is read from it (in place for a big block), so that the event costs its length.
                    if self.line.capacity() > KEEP_LINE_BUFFER {
                        self.line.shrink_to_fit();
                    }
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
    pub(crate) fn finish(&mut self) -> Option<Unterminated> {
        if self.held {
            // The held start of a cut event is read line by line, as it would have been without the hold: it
            // holds no blank line, so no frame, and no error (it is within the limits).
            self.held = false;
            self.no_hold = true;
            while let Ok(Some(_)) = self.next_found::<Owned>() {}
        }
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

    /// How many bytes a join may take from the next chunk: the held start and what is joined to it stay
    /// within the line and event limits, so that a join never holds more than reading line by line would.
    fn join_room(&self) -> usize {
        let cap = self.fields.whole_event_limit();
        let tail = self.queue.front().map_or(0, |front| front.len().saturating_sub(self.pos));
        cap.saturating_sub(tail)
    }

    fn queue_front_len(&self) -> usize {
        self.queue.front().map_or(0, |c| c.len())
    }
}

/// How much of `next` to join to `tail`, the start of an event cut off by its chunk's end: all of a small
/// `next` (no search), else up to the end of the event's blank line (the first blank line: that event's
/// shape has no other), or all of `next` when the event does not end there either; all of `next` only when
/// `tail` is no longer than it. `None` (read `tail` line by line) otherwise, and whenever the join would take
/// more than `room` bytes (the limits' bound on what may be held). So each join copies at most twice the bytes
/// it takes from `next`, or the bytes up to an event's end once: time stays linear, memory within the limits.
fn join_len(tail: &[u8], next: &[u8], room: usize) -> Option<usize> {
    if next.len() <= JOIN_WHOLE.min(room) && tail.len() <= next.len() {
        return Some(next.len());
    }
    if tail.last() == Some(&b'\n') && next.first() == Some(&b'\n') {
        return (room >= 1).then_some(1);
    }
    // The blank line is looked for only as far as the join may take.
    let within = &next[..next.len().min(room)];
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\n', &within[from..]) {
        let at = from + i;
        if next.get(at + 1) == Some(&b'\n') {
            return (at + 2 <= room).then_some(at + 2);
        }
        from = at + 1;
    }
    (tail.len() <= next.len() && next.len() <= room).then_some(next.len())
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

// `#[inline]` on these small impls: the pipeline is generic, so it is compiled in the user's crate, where a
// call that is not inlined costs a few percent per event (measured with callgrind).
impl Framing for Decoder {
    #[inline]
    fn feed(&mut self, chunk: Bytes) {
        self.feed_bytes(chunk);
    }

    #[inline]
    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        match self.next_frame_ref()? {
            Some(frame) => Ok(Some(RawEvent { json: frame.data(), name: Some(frame.event()) })),
            None => Ok(None),
        }
    }

    fn finish(&mut self) -> Option<String> {
        let rest = Decoder::finish(self)?;
        Some(format!(
            "an unterminated event{} was left undispatched ({} bytes of an unfinished line)",
            rest.event.map(|e| format!(" ({e})")).unwrap_or_default(),
            rest.partial_line_bytes
        ))
    }

    fn set_limits(&mut self, limits: Limits) {
        Decoder::set_limits(self, limits);
    }
}
