//! Physical lines of an input, each held only up to a byte limit.
//!
//! CSV and JSON Lines both keep one record to a line, so a line is the unit they
//! resynchronise on: whatever is wrong with one line, the next starts afresh. A line
//! longer than the limit is skipped to its end without being buffered, so no input,
//! however malformed (a quote never closed, a file without line breaks), makes a
//! reader hold more than the limit.

use std::io::{self, BufRead};

/// Reads lines, counting them and the bytes before each.
pub(crate) struct Lines<R> {
    reader: R,
    /// The current line without its line end, or as much of it as the limit allows.
    buf: Vec<u8>,
    limit: usize,
    /// 1-based number of the current line (0 before the first).
    line: u64,
    /// Offset in the input of the current line's first byte.
    start: u64,
    /// Offset of the next unread byte.
    next: u64,
}

/// What [`Lines::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// A whole line, in [`Lines::text`].
    Read,
    /// A line longer than the limit, skipped to its end; [`Lines::text`] is empty.
    TooLong,
    /// The end of the input.
    End,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`, whose first byte is at `offset` in the input (after a byte order mark).
    pub(crate) fn new(reader: R, limit: usize, offset: u64) -> Self {
        Lines {
            reader,
            buf: Vec::new(),
            limit,
            line: 0,
            start: offset,
            next: offset,
        }
    }

    /// Reads the next line. On an I/O error the line and offset stay those of the line
    /// that could not be read, so the caller can say where reading stopped.
    pub(crate) fn next(&mut self) -> io::Result<Line> {
        self.buf.clear();
        self.start = self.next;
        self.line += 1;
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = fill(&mut self.reader)?;
            if available.is_empty() {
                return Ok(match (any, too_long) {
                    (false, _) => Line::End,
                    (true, true) => {
                        self.buf.clear();
                        Line::TooLong
                    }
                    (true, false) => self.ended(),
                });
            }
            any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            too_long |= self.buf.len() + chunk.len() > self.limit;
            if !too_long {
                push_bounded(&mut self.buf, chunk, self.limit);
            }
            let used = newline.map_or(chunk.len(), |i| i + 1);
            self.reader.consume(used);
            self.next += used as u64;
            if newline.is_some() {
                if too_long {
                    self.buf.clear();
                    return Ok(Line::TooLong);
                }
                return Ok(self.ended());
            }
        }
    }

    /// A line read whole: drops the CR of a CRLF line end.
    fn ended(&mut self) -> Line {
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Line::Read
    }

    /// The current line, without its line end (LF or CRLF).
    pub(crate) fn text(&self) -> &[u8] {
        &self.buf
    }

    /// 1-based number of the current line.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Offset in the input of the current line's first byte.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// The longest line kept, in bytes.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes held for the current line (its allocation, not only its length).
    pub(crate) fn buffered(&self) -> usize {
        self.buf.capacity()
    }
}

/// Appends `chunk`, growing the buffer no further than `limit` (callers check that the
/// result fits): a plain `extend` may double the allocation past it.
pub(crate) fn push_bounded(buf: &mut Vec<u8>, chunk: &[u8], limit: usize) {
    let needed = buf.len() + chunk.len();
    if needed > buf.capacity() {
        let grown = (buf.capacity() * 2).max(needed).min(limit.max(needed));
        buf.reserve_exact(grown - buf.len());
    }
    buf.extend_from_slice(chunk);
}

/// Fills the reader's buffer, retrying on interruption; empty at the end of the input.
pub(crate) fn fill<R: BufRead>(reader: &mut R) -> io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    reader.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>, u64, u64)> {
        let mut lines = Lines::new(input, limit, 0);
        let mut out = Vec::new();
        loop {
            let found = lines.next().expect("reads from memory");
            if found == Line::End {
                return out;
            }
            assert!(lines.buffered() <= limit);
            out.push((found, lines.text().to_vec(), lines.line(), lines.start()));
        }
    }

    #[test]
    fn lines_lose_their_ends_and_know_where_they_start() {
        let found = all(b"ab\r\ncd\n\nef", 10);
        let read = |text: &[u8], line, start| (Line::Read, text.to_vec(), line, start);
        assert_eq!(
            found,
            [
                read(b"ab", 1, 0),
                read(b"cd", 2, 4),
                read(b"", 3, 7),
                read(b"ef", 4, 8)
            ]
        );
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_without_being_held() {
        let found = all(b"0123456789abc\nok\n0123456789abc", 10);
        assert_eq!(found[0], (Line::TooLong, Vec::new(), 1, 0));
        assert_eq!(found[1], (Line::Read, b"ok".to_vec(), 2, 14));
        assert_eq!(found[2], (Line::TooLong, Vec::new(), 3, 17));
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_kept() {
        assert_eq!(all(b"0123456789\n", 10)[0].1, b"0123456789");
    }
}
