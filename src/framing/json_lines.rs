//! [`JsonLines`]: newline-delimited JSON events.

use bytes::{Buf, Bytes, BytesMut};

use super::raw::{Framing, RawEvent};
use crate::error::{Error, JsonError};
use crate::limits::{LimitError, Limits};
use crate::text::is_json_ws;

/// Newline-delimited JSON events (a gateway's output, the TypeScript SDK's `toReadableStream()`): one JSON value
/// per line, each ended by `\n` (a `\r` before it is dropped), blank lines ignored. A line is an event once its
/// `\n` arrives, or, for the last line, once the input ends ([`Framing::end_input`]; the final line end is
/// optional, as JSON Lines says; the drivers and [`EventDecoder::finish`](crate::EventDecoder::finish) end
/// the input for you). A line that is not one complete JSON value is a JSON error naming its line
/// number; a line longer than [`Limits::with_max_line_bytes`] a limit error. Invalid UTF-8 becomes U+FFFD, as on
/// SSE.
#[derive(Debug, Clone, Default)]
pub struct JsonLines {
    buf: BytesMut,
    /// How much of `buf` is known to hold no line end, so that a long line is searched once.
    searched: usize,
    /// How many bytes at the start of `buf` the line handed out last takes (its line end included): lent from
    /// `buf` until the next call, then dropped.
    lent: usize,
    /// Where `buf` starts in the stream, and the number of the line it starts.
    offset: u64,
    line: u64,
    limits: Limits,
    /// A line handed out that was not UTF-8, with U+FFFD in place of what was not.
    repaired: String,
    /// No more input will come: what is left is the last line.
    ended: bool,
}

impl JsonLines {
    /// An empty reader of JSON lines with the default limits.
    pub fn new() -> Self {
        JsonLines { line: 1, ..Self::default() }
    }

    /// The next line that is not blank (its range in `buf`, without its line end, and its number), when one is
    /// complete; the bytes up to and including its line end are `lent`.
    fn next_line(&mut self) -> Result<Option<(std::ops::Range<usize>, u64)>, Error> {
        self.buf.advance(std::mem::take(&mut self.lent));
        loop {
            let end = match memchr::memchr(b'\n', &self.buf[self.searched..]) {
                Some(i) => self.searched + i,
                None if self.ended && !self.buf.is_empty() => self.buf.len(),
                None => {
                    self.searched = self.buf.len();
                    if self.buf.len() > self.limits.max_line_bytes() {
                        return Err(LimitError::LineTooLong {
                            limit: self.limits.max_line_bytes(),
                            offset: self.offset,
                        }
                        .into());
                    }
                    return Ok(None);
                }
            };
            if end > self.limits.max_line_bytes() {
                return Err(LimitError::LineTooLong { limit: self.limits.max_line_bytes(), offset: self.offset }.into());
            }
            let taken = (end + 1).min(self.buf.len());
            self.searched = 0;
            let number = self.line;
            self.line += 1;
            self.offset += end as u64 + 1;
            let mut line = 0..end;
            if self.buf[line.clone()].last() == Some(&b'\r') {
                line.end -= 1;
            }
            // A byte order mark before the first line is skipped, as on SSE.
            if number == 1 && self.buf[line.clone()].starts_with(b"\xEF\xBB\xBF") {
                line.start += 3;
            }
            if self.buf[line.clone()].iter().all(|&b| is_json_ws(b)) {
                self.buf.advance(taken);
                continue;
            }
            self.lent = taken;
            return Ok(Some((line, number)));
        }
    }
}

impl Framing for JsonLines {
    fn feed(&mut self, chunk: Bytes) {
        self.buf.extend_from_slice(&chunk);
    }

    fn next_event(&mut self) -> Result<Option<RawEvent<'_>>, Error> {
        let Some((line, number)) = self.next_line()? else { return Ok(None) };
        // Lent from the buffer, not copied (a copy only for a line that is not UTF-8).
        let json = match std::str::from_utf8(&self.buf[line.clone()]) {
            Ok(json) => json,
            Err(_) => {
                self.repaired = String::from_utf8_lossy(&self.buf[line]).into_owned();
                &self.repaired
            }
        };
        // One complete JSON value, checked here where the line number is known (typing would only say which
        // event failed).
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(json) {
            // JSON all the same to the SDK's `json.loads` when it holds `NaN` or an infinity (typing reads it).
            let with_non_finite = crate::text::non_finite::with_non_finite_as_numbers(json, |standard| {
                serde_json::from_str::<serde::de::IgnoredAny>(standard).is_ok()
            });
            if with_non_finite != Some(true) {
                return Err(Error::json(JsonError::on_line(number, json, e)));
            }
        }
        Ok(Some(RawEvent { json, name: None }))
    }

    fn end_input(&mut self) {
        self.ended = true;
    }

    fn finish(&mut self) -> Option<String> {
        self.buf.advance(std::mem::take(&mut self.lent));
        let left = self.buf.len();
        *self = JsonLines { limits: self.limits, ..JsonLines::new() };
        (left > 0).then(|| format!("{left} bytes of an unfinished line were left"))
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }
}
