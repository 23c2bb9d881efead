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
    /// Where `buf` starts in the stream, and the number of the line it starts.
    offset: u64,
    line: u64,
    limits: Limits,
    /// The line handed out last, kept so that its text can be lent.
    current: String,
    /// No more input will come: what is left is the last line.
    ended: bool,
}

impl JsonLines {
    /// An empty reader of JSON lines with the default limits.
    pub fn new() -> Self {
        JsonLines { line: 1, ..Self::default() }
    }

    /// The next line that is not blank (without its line end), when one is complete.
    fn next_line(&mut self) -> Result<Option<(Bytes, u64)>, Error> {
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
            let mut line = self.buf.split_to(end).freeze();
            if !self.buf.is_empty() {
                self.buf.advance(1);
            }
            self.searched = 0;
            let number = self.line;
            self.line += 1;
            self.offset += end as u64 + 1;
            if line.last() == Some(&b'\r') {
                line.truncate(line.len() - 1);
            }
            // A byte order mark before the first line is skipped, as on SSE.
            if number == 1 && line.starts_with(b"\xEF\xBB\xBF") {
                line = line.slice(3..);
            }
            if line.iter().all(|&b| is_json_ws(b)) {
                continue;
            }
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
        self.current = String::from_utf8(Vec::from(line))
            .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned());
        // One complete JSON value, checked here where the line number is known (typing would only say which
        // event failed).
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&self.current) {
            // JSON all the same to the SDK's `json.loads` when it holds `NaN` or an infinity (typing reads it).
            let with_non_finite = crate::text::with_non_finite_as_numbers(&self.current, |standard| {
                serde_json::from_str::<serde::de::IgnoredAny>(standard).is_ok()
            });
            if with_non_finite != Some(true) {
                return Err(Error::json(JsonError::on_line(number, &self.current, e)));
            }
        }
        Ok(Some(RawEvent { json: &self.current, name: None }))
    }

    fn end_input(&mut self) {
        self.ended = true;
    }

    fn finish(&mut self) -> Option<String> {
        let left = self.buf.len();
        *self = JsonLines { limits: self.limits, ..JsonLines::new() };
        (left > 0).then(|| format!("{left} bytes of an unfinished line were left"))
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }
}
