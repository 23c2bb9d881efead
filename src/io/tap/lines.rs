//! SSE fed to the decoder by whole lines, and small chunks gathered: the tap's reading at the speed of the
//! drivers' (see `Observed::read`).

use bytes::{Bytes, BytesMut};

use crate::pipeline::EventDecoder;

/// The bytes held are gathered in buffers of this size.
const STAGE_SIZE: usize = 64 * 1024;

/// Chunks smaller than this are gathered once the first content has been read...
pub(super) const SMALL_CHUNK: usize = 4 * 1024;
/// ... and fed from this many bytes on.
pub(super) const BATCH: usize = 32 * 1024;

/// The last line end (`\n` or `\r`) in `bytes`: the index after it.
fn last_line_end(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr2(b'\n', b'\r', bytes).map(|at| at + 1)
}

/// SSE bytes read and not yet fed: the start of a line whose end has not arrived, or small chunks gathered.
#[derive(Default)]
pub(super) struct Lines {
    held: BytesMut,
    /// How much of `held` is known to hold no line end.
    clean: usize,
}

impl Lines {
    /// Feeds `chunk` by whole lines: the line held from before completed by the chunk's start, then the chunk
    /// up to its last line end (`\n` or `\r`); the rest is held for the next chunk. The decoder reads a line
    /// that lies whole in one chunk in place, where one split between chunks is copied into an allocation of
    /// its own; holding its start here costs a copy of a few bytes and one allocation per [`STAGE_SIZE`]. An
    /// event is read in the chunk that brings its blank line, whatever the line ends. A line is held up to the
    /// line limit, past which the decoder sees it (and says so).
    pub(super) fn feed(&mut self, mut chunk: Bytes, decoder: &mut EventDecoder) {
        let limit = decoder.limits().max_line_bytes();
        if !self.held.is_empty() {
            let Some(at) = memchr::memchr2(b'\n', b'\r', &chunk) else {
                self.hold(&chunk);
                if self.held.len() > limit {
                    decoder.feed_bytes(self.held.split().freeze());
                    self.clean = 0;
                }
                return;
            };
            self.hold(&chunk[..=at]);
            decoder.feed_bytes(self.held.split().freeze());
            chunk = chunk.slice(at + 1..);
        }
        self.clean = 0;
        match last_line_end(&chunk) {
            Some(end) if end == chunk.len() => decoder.feed_bytes(chunk),
            Some(end) => {
                self.hold(&chunk[end..]);
                self.clean = self.held.len();
                decoder.feed_bytes(chunk.slice(..end));
            }
            None if chunk.len() > limit => decoder.feed_bytes(chunk),
            None => {
                self.hold(&chunk);
                self.clean = self.held.len();
            }
        }
    }

    /// Gathers a small chunk; from [`BATCH`] bytes on, feeds the whole lines gathered. Returns whether it fed.
    pub(super) fn gather(&mut self, chunk: &[u8], decoder: &mut EventDecoder) -> bool {
        let before = self.held.len();
        self.hold(chunk);
        if self.held.len() < BATCH {
            return false;
        }
        // Only the bytes just gathered are searched: each byte is looked at once.
        match last_line_end(&self.held[before..]) {
            Some(end) => decoder.feed_bytes(self.held.split_to(before + end).freeze()),
            None if self.held.len() > decoder.limits().max_line_bytes() => {
                decoder.feed_bytes(self.held.split().freeze());
            }
            None => return false,
        }
        // What is left follows the last line end.
        self.clean = self.held.len();
        true
    }

    /// Feeds every whole line held (for whatever reads the fold). Returns whether it fed.
    pub(super) fn feed_whole_lines(&mut self, decoder: &mut EventDecoder) -> bool {
        if self.held.len() <= self.clean {
            return false;
        }
        // What is held before `clean` has no line end: searched once.
        let fed = match last_line_end(&self.held[self.clean..]) {
            Some(end) => {
                decoder.feed_bytes(self.held.split_to(self.clean + end).freeze());
                true
            }
            None => false,
        };
        self.clean = self.held.len();
        fed
    }

    /// Feeds everything held: the input has ended (a last line without its line end). Returns whether it fed.
    pub(super) fn feed_rest(&mut self, decoder: &mut EventDecoder) -> bool {
        self.clean = 0;
        if self.held.is_empty() {
            return false;
        }
        decoder.feed_bytes(self.held.split().freeze());
        true
    }

    fn hold(&mut self, bytes: &[u8]) {
        if self.held.capacity() - self.held.len() < bytes.len() {
            self.held.reserve(STAGE_SIZE.max(bytes.len()));
        }
        self.held.extend_from_slice(bytes);
    }
}
