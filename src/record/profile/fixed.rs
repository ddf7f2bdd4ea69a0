//! Fixed-width (固定長) records: each field at a byte offset and length, in CP932 (or UTF-8),
//! with a line end after each record (LF, or CRLF), or none at all.
//!
//! CP932 is decoded column by column, as the host wrote it. A double-byte character cut by a
//! column's byte range (a wrong start or length in the profile, or a host that truncated a
//! name mid-character) is an error naming the record, its byte offset and the field, never a
//! value with a stray half character. The user-defined area (0xF040–0xF9FC) decodes to
//! private use (U+E000–U+E757, as the WHATWG Encoding Standard maps it), where the 外字
//! checks find it.
//!
//! Nothing is lost and memory stays bounded, as for the other readers: with line ends, a
//! record of the wrong length costs only its line, and at most the record length + 1 bytes
//! of a line are held; without them every record is exactly the record length, so a bad one
//! costs only itself and a short last one is reported as a record. An I/O error ends the
//! input, and [`FixedRecords::stopped`] says at which line and byte. A profile whose line
//! ends do not match the file would misread every record, so the first bytes are checked
//! when the file is opened.

use std::io::{self, BufRead};
use std::ops::Range;
use std::sync::Arc;

use super::super::assemble::{Batch, Problem};
use super::super::lines::fill;
use super::super::{
    Encoding, Field, OpenError, OpenErrorKind, Origin, Record, RecordError, RecordErrorKind, Unread,
};
use super::convert::Trim;
use super::{decode_into, finish, Layout, LineEnd, Place, Profile, Values};
use crate::record::error::SourceRef;

/// DOS's end-of-file mark, which some exports still append.
const EOF_MARK: u8 = 0x1A;

/// The records of a fixed-width input.
pub(crate) struct FixedRecords<R> {
    reader: R,
    profile: Arc<Profile>,
    encoding: Encoding,
    record_length: usize,
    line_end: LineEnd,
    /// Each column's byte range within a record.
    ranges: Vec<Range<usize>>,
    record: Vec<u8>,
    values: Values,
    /// Byte offset in the file of the next record.
    offset: u64,
    /// Line of the next record (1 throughout without line ends).
    line: u64,
    index: u64,
    done: bool,
    /// Where reading stopped after an I/O error.
    stopped: Option<Unread>,
}

/// What one read found.
enum Read {
    /// A record in `record`, starting at this offset and line.
    Record { offset: u64, line: u64 },
    /// A line of the wrong length, or a short last record without line ends.
    WrongLength {
        offset: u64,
        line: u64,
        found: usize,
    },
    /// The end of the input.
    End,
}

impl<R: BufRead> FixedRecords<R> {
    /// A reader whose first byte is at file offset `start` (after a byte order mark). Looks
    /// at the first bytes to see that the file's line ends are the profile's.
    pub(crate) fn open(
        mut reader: R,
        file: &str,
        profile: Arc<Profile>,
        max_record_bytes: usize,
        start: u64,
    ) -> Result<Self, OpenError> {
        let Layout::Fixed {
            encoding,
            record_length,
            line_end,
        } = profile.layout
        else {
            unreachable!("a fixed-width reader is made for fixed-width profiles only")
        };
        let open_error = |why: String, hint: String| OpenError {
            file: file.to_owned(),
            line: None,
            kind: OpenErrorKind::FixedWidth(why),
            hint: Some(hint),
        };
        if record_length > max_record_bytes {
            return Err(open_error(
                format!("record_length {record_length} is longer than the record size limit of {max_record_bytes} bytes"),
                "check record_length in the input profile".into(),
            ));
        }
        let first = fill(&mut reader).map_err(|e| OpenError::io(file.to_owned(), e))?;
        if let Some((why, hint)) = line_end_mismatch(first, record_length, line_end) {
            return Err(open_error(why.into(), hint));
        }
        let ranges = profile
            .columns
            .iter()
            .map(|c| match c.place {
                Place::Bytes { start, length } => start..start + length,
                // The parser gives every column of a fixed-width profile a byte range.
                _ => 0..0,
            })
            .collect();
        Ok(FixedRecords {
            reader,
            encoding,
            record_length,
            line_end,
            ranges,
            record: Vec::with_capacity(record_length + 1),
            values: Values::new(),
            profile,
            offset: start,
            line: 1,
            index: 0,
            done: false,
            stopped: None,
        })
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next(
        &mut self,
        batch: &mut Batch,
    ) -> Option<Result<(Origin, Record), RecordError>> {
        if self.done {
            return None;
        }
        let read = match self.line_end {
            LineEnd::None => self.read_exact(),
            LineEnd::Lines => self.read_line(),
        };
        match read {
            Ok(Read::End) => {
                self.done = true;
                None
            }
            Ok(Read::Record { offset, line }) => {
                self.index += 1;
                Some(self.record(batch, offset, line))
            }
            Ok(Read::WrongLength {
                offset,
                line,
                found,
            }) => {
                self.index += 1;
                let kind = RecordErrorKind::RecordLength {
                    expected: self.record_length,
                    found,
                };
                let mut problem = Problem::record(kind);
                if self.line_end == LineEnd::None {
                    problem = problem.with_hint("the file ends inside a record: was it cut short?");
                }
                let origin = batch.origin(line, self.index);
                let mut error = problem.at(origin, None, false);
                error.source = Some(Box::new(SourceRef {
                    columns: Vec::new(),
                    byte: Some(offset),
                }));
                Some(Err(error))
            }
            Err(e) => {
                self.done = true;
                self.stopped = Some(Unread {
                    line: self.line,
                    byte: self.offset,
                });
                let origin = batch.origin(self.line, self.index + 1);
                let mut error =
                    Problem::record(RecordErrorKind::Read(e.to_string())).at(origin, None, true);
                error.source = Some(Box::new(SourceRef {
                    columns: Vec::new(),
                    byte: Some(self.offset),
                }));
                Some(Err(error))
            }
        }
    }

    /// Where reading stopped before the end of the input, if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        self.stopped
    }

    /// Bytes held for the current record and its values.
    pub(crate) fn buffered(&self) -> usize {
        self.record.capacity() + self.values.buffered()
    }

    /// Reads one record without line ends: exactly `record_length` bytes. On an I/O error
    /// the offset stays the record's, so the caller can say where reading stopped.
    fn read_exact(&mut self) -> io::Result<Read> {
        self.record.clear();
        while self.record.len() < self.record_length {
            let buf = fill(&mut self.reader)?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min(self.record_length - self.record.len());
            self.record.extend_from_slice(&buf[..n]);
            self.reader.consume(n);
        }
        let offset = self.offset;
        self.offset += self.record.len() as u64;
        if self.record.len() < self.record_length {
            // What follows the last record: nothing, a line end, or DOS's end-of-file mark.
            // A whole record of these mid-file is read (and refused) like any other.
            let trailing = |b: &u8| matches!(*b, EOF_MARK | b'\r' | b'\n');
            if self.record.iter().all(trailing) {
                return Ok(Read::End);
            }
            return Ok(Read::WrongLength {
                offset,
                line: 1,
                found: self.record.len(),
            });
        }
        Ok(Read::Record { offset, line: 1 })
    }

    /// Reads one line, keeping at most `record_length + 1` bytes of it: a longer line is
    /// the wrong length whatever it holds, and memory stays bounded. A CR before the LF is
    /// the line end's (CP932 and UTF-8 text never hold one). On an I/O error the line and
    /// offset stay those of the line that could not be read.
    fn read_line(&mut self) -> io::Result<Read> {
        loop {
            self.record.clear();
            let keep = self.record_length + 1;
            let (mut length, mut ended, mut last) = (0u64, false, None);
            while !ended {
                let buf = fill(&mut self.reader)?;
                if buf.is_empty() {
                    break;
                }
                let (take, used) = match memchr::memchr(b'\n', buf) {
                    Some(at) => {
                        ended = true;
                        (at, at + 1)
                    }
                    None => (buf.len(), buf.len()),
                };
                if take > 0 {
                    last = Some(buf[take - 1]);
                }
                let room = keep.saturating_sub(self.record.len());
                self.record.extend_from_slice(&buf[..take.min(room)]);
                length += take as u64;
                self.reader.consume(used);
            }
            let (offset, line) = (self.offset, self.line);
            self.offset += length + u64::from(ended);
            self.line += 1;
            let found = length - u64::from(last == Some(b'\r'));
            let eof_marks = length <= keep as u64 && self.record.iter().all(|&b| b == EOF_MARK);
            if found == 0 || (!ended && eof_marks) {
                if ended {
                    continue; // a blank line
                }
                return Ok(Read::End);
            }
            if found != self.record_length as u64 {
                return Ok(Read::WrongLength {
                    offset,
                    line,
                    found: usize::try_from(found).unwrap_or(usize::MAX),
                });
            }
            self.record.truncate(self.record_length);
            return Ok(Read::Record { offset, line });
        }
    }

    fn record(
        &mut self,
        batch: &mut Batch,
        offset: u64,
        line: u64,
    ) -> Result<(Origin, Record), RecordError> {
        let origin = batch.origin(line, self.index);
        let (record, ranges, encoding) = (&self.record, &self.ranges, self.encoding);
        let problem = self.values.fill(&self.profile, |column, field, trim, out| {
            cell(record, ranges[column].clone(), encoding, field, trim, out)
        });
        let ranges = &self.ranges;
        finish(
            &self.profile,
            batch,
            origin,
            &self.values,
            problem,
            Some(offset),
            |column| Some(offset + ranges[column].start as u64),
        )
    }
}

/// Why the file's first bytes say the profile's line ends are wrong, with a hint; `None`
/// when they fit, or when too little is buffered to tell. Every record would be misread
/// otherwise: a file without line ends read by lines is one long line, and line ends read
/// as data shift each record by one or two bytes more than the last.
fn line_end_mismatch(
    first: &[u8],
    record_length: usize,
    line_end: LineEnd,
) -> Option<(&'static str, String)> {
    let after_record = first.get(record_length..)?;
    let line_end_bytes = match after_record {
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => 0,
    };
    match line_end {
        // More after the line end: a file of one record may end in a line break.
        LineEnd::None if line_end_bytes > 0 && after_record.len() > line_end_bytes => Some((
            "the first record is followed by a line end, but the profile says line_end = \"none\"",
            "set line_end = \"crlf\" (or \"lf\") in the input profile".into(),
        )),
        // Two records' worth without a single LF: not a file of lines, unless its first
        // record alone is wildly long, which one bad record does not make likely.
        LineEnd::Lines if first.len() > 2 * (record_length + 2) && memchr::memchr(b'\n', first).is_none() => Some((
            "no line end in the first records, but the profile says the records end in one",
            format!(
                "if the records follow each other without line ends, set line_end = \"none\"; otherwise check record_length ({record_length})"
            ),
        )),
        _ => None,
    }
}

/// Appends one column of a record as text to `out`, or says why it is not text: a character
/// cut at either end of the range, or bytes invalid in the encoding.
fn cell(
    record: &[u8],
    range: Range<usize>,
    encoding: Encoding,
    field: Field,
    trim: Trim,
    out: &mut String,
) -> Result<(), Problem> {
    let cut = |end: bool| {
        Problem::field(field, RecordErrorKind::SplitCharacter { end }).with_hint(
            "check the column's start and length in the input profile against the record layout",
        )
    };
    if range.start > 0 && starts_inside_character(record, range.start, encoding) {
        return Err(cut(false));
    }
    let bytes = match trim {
        Trim::None => &record[range],
        Trim::Both | Trim::End => without_padding(&record[range], encoding),
    };
    decode_into(bytes, encoding, out).map_err(|(offset, byte)| {
        if ends_inside_character(bytes, offset, encoding) {
            return cut(true);
        }
        let lossy = match encoding {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Cp932 => encoding_rs::SHIFT_JIS
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        };
        let kind = RecordErrorKind::Encoding {
            encoding: encoding.name(),
            offset,
            byte,
        };
        Problem::field(field, kind).with_value(Some(lossy))
    })
}

/// The column's bytes without trailing padding (half-width spaces, tabs, full-width spaces),
/// cut before decoding: padding is most of a fixed-width file, and decoding it only to trim it
/// was a fifth of the reading time. Read from the end, so a column's padding costs only
/// itself: in CP932 a full-width space's bytes (0x81 0x40) can also end another character
/// followed by `@`, so they are padding only where a character starts (see
/// [`ends_on_boundary`]).
fn without_padding(bytes: &[u8], encoding: Encoding) -> &[u8] {
    // Most cells (codes, numbers, dates) end in neither padding byte: the last byte settles it.
    let pad_end = match encoding {
        Encoding::Cp932 => 0x40,
        Encoding::Utf8 => 0x80,
    };
    if !matches!(bytes.last(), Some(&b) if b == b' ' || b == b'\t' || b == pad_end) {
        return bytes;
    }
    let mut end = bytes.len();
    loop {
        let before = end;
        end -= bytes[..end]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        match encoding {
            Encoding::Utf8 => {
                while let [.., 0xE3, 0x80, 0x80] = bytes[..end] {
                    end -= 3;
                }
            }
            Encoding::Cp932 => {
                let pairs = bytes[..end].rchunks_exact(2);
                let run = end - 2 * pairs.take_while(|&pair| pair == [0x81, 0x40]).count();
                // Each pair after the run's first follows an `@` (0x40 leads nothing), so
                // starts a character; the first does where the bytes before it end one.
                if run < end {
                    end = if ends_on_boundary(&bytes[..run]) {
                        run
                    } else {
                        run + 2
                    };
                }
            }
        }
        if end == before {
            break;
        }
    }
    // A lead byte whose second byte was a space keeps it, for the decoder to report the pair.
    if encoding == Encoding::Cp932 && end < bytes.len() && !ends_on_boundary(&bytes[..end]) {
        end += 1;
    }
    &bytes[..end]
}

/// Whether CP932 bytes that begin at a character's start also end at one. A byte that cannot
/// lead a character ends one (it is a single-byte character or a second byte), and what
/// follows the last such byte pairs up from its start: so the end is a character's end when
/// the bytes after it, all possible lead bytes, are even in number.
fn ends_on_boundary(bytes: &[u8]) -> bool {
    bytes.iter().rev().take_while(|&&b| is_lead(b)).count() % 2 == 0
}

/// CP932 lead bytes: the first of a double-byte character.
fn is_lead(byte: u8) -> bool {
    matches!(byte, 0x81..=0x9F | 0xE0..=0xFC)
}

/// Whether byte `at` of the record is the second byte of a character begun before it.
/// CP932 cannot be read backwards (a trail byte may look like a lead byte), so this reads
/// from the record's start, and only when the byte before could be a lead byte at all.
fn starts_inside_character(record: &[u8], at: usize, encoding: Encoding) -> bool {
    match encoding {
        Encoding::Utf8 => matches!(record[at], 0x80..=0xBF),
        Encoding::Cp932 if !is_lead(record[at - 1]) => false,
        Encoding::Cp932 => {
            let mut i = 0;
            while i < at {
                i += if is_lead(record[i]) { 2 } else { 1 };
            }
            i > at
        }
    }
}

/// Whether a decoding error at `offset` is a character whose bytes run past the column.
fn ends_inside_character(bytes: &[u8], offset: usize, encoding: Encoding) -> bool {
    let Some(&byte) = bytes.get(offset) else {
        return false;
    };
    let needs = match encoding {
        Encoding::Cp932 if is_lead(byte) => 2,
        Encoding::Utf8 => match byte {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return false,
        },
        Encoding::Cp932 => return false,
    };
    offset + needs > bytes.len()
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::{error, record};
    use super::super::super::{from_reader, Format, ReadOptions};
    use super::super::convert::{Conversion, DateForm};
    use super::super::testing::*;
    use super::*;

    fn profile(text: &str) -> Arc<Profile> {
        Arc::new(Profile::from_toml(text, "profile.toml").expect("valid profile"))
    }

    fn read(profile: Arc<Profile>, bytes: &[u8]) -> Vec<Result<(Origin, Record), RecordError>> {
        let options = ReadOptions {
            profile: Some(profile),
            ..ReadOptions::default()
        };
        from_reader(bytes, "members.dat", Format::FixedWidth, &options)
            .expect("opens")
            .collect()
    }

    fn lines(records: &[Vec<u8>], end: &[u8]) -> Vec<u8> {
        records
            .iter()
            .flat_map(|r| [r.as_slice(), end].concat())
            .collect()
    }

    fn sample() -> Vec<u8> {
        fixed_record("12345678", "鈴木", "花子", "ｽｽﾞｷ ﾊﾅｺ")
    }

    #[test]
    fn reads_fields_by_byte_range_with_conversions() {
        let results = read(profile(FIXED), &lines(&[sample()], b"\r\n"));
        let r = record(&results[0]);
        assert_eq!(r.record_id, "12345678");
        assert_eq!(r.name, "鈴木 花子");
        assert_eq!(r.name_kana.as_deref(), Some("スズキ ハナコ"));
        assert_eq!(r.sex, crate::record::Sex::Female);
        assert_eq!(r.birth_date.to_string(), "1948-11-03");
        assert_eq!(r.qualified_date.to_string(), "2023-11-03");
        assert!(r.has_myna_hoken);
        assert_eq!(r.household_id.as_deref(), Some("H0452"));
    }

    #[test]
    fn line_ends_crlf_lf_or_none_and_an_eof_mark() {
        let crlf = profile(FIXED);
        let lf = profile(&FIXED.replace(
            "record_length = 60",
            "record_length = 60\nline_end = \"lf\"",
        ));
        let none = profile(&FIXED.replace(
            "record_length = 60",
            "record_length = 60\nline_end = \"none\"",
        ));
        let two = [sample(), fixed_record("12345679", "鈴木", "一郎", "ｽｽﾞｷ")];
        for (profile, bytes) in [
            (crlf, [lines(&two, b"\r\n"), vec![EOF_MARK]].concat()),
            (lf, lines(&two, b"\n")),
            (none, [two.concat(), vec![EOF_MARK]].concat()),
        ] {
            let results = read(profile, &bytes);
            assert_eq!(results.len(), 2);
            assert_eq!(record(&results[1]).name, "鈴木 一郎");
        }
    }

    #[test]
    fn a_wrong_length_costs_one_line_and_names_its_byte_offset() {
        let mut short = sample();
        short.truncate(57);
        let bytes = lines(&[sample(), short, sample()], b"\r\n");
        let results = read(profile(FIXED), &bytes);
        let err = error(&results[1]);
        assert_eq!(
            err.to_string(),
            "members.dat:2 (record 2, byte 62): failed to read fixed-width record (found 57 instead of 60 bytes)"
        );
        assert!(!err.ends_input());
        assert!(error(&results[2])
            .to_string()
            .contains("duplicate record_id"));
    }

    #[test]
    fn crlf_and_lf_both_end_a_line_whichever_the_profile_names() {
        let lf = profile(&FIXED.replace(
            "record_length = 60",
            "record_length = 60\nline_end = \"lf\"",
        ));
        let mixed = [lines(&[sample()], b"\r\n"), lines(&[sample()], b"\n")].concat();
        for profile in [lf, profile(FIXED)] {
            let results = read(profile, &mixed);
            assert!(results[0].is_ok());
            assert!(error(&results[1])
                .to_string()
                .contains("duplicate record_id"));
        }
    }

    #[test]
    fn line_ends_that_are_not_the_profiles_stop_before_the_first_record() {
        let none = profile(&FIXED.replace(
            "record_length = 60",
            "record_length = 60\nline_end = \"none\"",
        ));
        let options = |profile| ReadOptions {
            profile: Some(profile),
            ..ReadOptions::default()
        };
        let open = |profile, bytes: &[u8]| {
            from_reader(bytes, "members.dat", Format::FixedWidth, &options(profile))
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            open(none, &lines(&[sample(), sample()], b"\r\n")),
            "members.dat: failed to read fixed-width input (the first record is followed by a line end, but the profile says line_end = \"none\")\n  hint: set line_end = \"crlf\" (or \"lf\") in the input profile"
        );
        assert_eq!(
            open(profile(FIXED), &[sample(), sample(), sample()].concat()),
            "members.dat: failed to read fixed-width input (no line end in the first records, but the profile says the records end in one)\n  hint: if the records follow each other without line ends, set line_end = \"none\"; otherwise check record_length (60)"
        );
        // One record without its line end is a file of one line.
        assert_eq!(read(profile(FIXED), &sample()).len(), 1);
    }

    #[test]
    fn a_line_of_a_megabyte_is_one_wrong_length_held_to_the_record_length() {
        // After a good first record: a file that starts with no line end at all is refused
        // at open (see line_ends_that_are_not_the_profiles_stop_before_the_first_record).
        let huge = vec![b'x'; 1 << 20];
        let next = fixed_record("12345679", "鈴木", "一郎", "ｽｽﾞｷ");
        let bytes = [lines(&[sample()], b"\r\n"), huge, b"\r\n".to_vec()]
            .concat()
            .into_iter()
            .chain(lines(&[next], b"\r\n"))
            .collect::<Vec<u8>>();
        let options = ReadOptions {
            profile: Some(profile(FIXED)),
            ..ReadOptions::default()
        };
        let mut records =
            from_reader(&bytes[..], "members.dat", Format::FixedWidth, &options).expect("opens");
        assert!(records.next().expect("a result").is_ok());
        let first = records.next().expect("a result");
        assert_eq!(
            error(&first).kind(),
            &RecordErrorKind::RecordLength {
                expected: 60,
                found: 1 << 20
            }
        );
        // The line buffer, and the values of the record before.
        assert!(records.buffered_bytes() <= 61 + Field::ALL.len() * 4 * 60);
        assert_eq!(record(&records.next().expect("a result")).name, "鈴木 一郎");
        assert!(records.next().is_none());
    }

    #[test]
    fn a_record_length_past_the_size_limit_stops() {
        let options = ReadOptions {
            profile: Some(profile(FIXED)),
            max_record_bytes: 50,
            ..ReadOptions::default()
        };
        let err = from_reader(&b""[..], "members.dat", Format::FixedWidth, &options)
            .expect_err("refused");
        assert_eq!(err.to_string(), "members.dat: failed to read fixed-width input (record_length 60 is longer than the record size limit of 50 bytes)\n  hint: check record_length in the input profile");
    }

    #[test]
    fn a_truncated_last_record_without_line_ends_is_a_record_error() {
        let none = profile(&FIXED.replace(
            "record_length = 60",
            "record_length = 60\nline_end = \"none\"",
        ));
        let bytes = [sample(), sample()[..30].to_vec()].concat();
        let results = read(none, &bytes);
        assert_eq!(results.len(), 2);
        let err = error(&results[1]);
        assert!(!err.ends_input(), "nothing after it is left unread");
        assert_eq!(
            err.to_string(),
            "members.dat:1 (record 2, byte 60): failed to read fixed-width record (found 30 instead of 60 bytes)\n  hint: the file ends inside a record: was it cut short?"
        );
    }

    #[test]
    fn utf8_records_count_byte_offsets_from_the_byte_order_mark() {
        let utf8 = FIXED.replace(
            "record_length = 60",
            "record_length = 60\nencoding = \"utf-8\"",
        );
        // 氏 holds 10 bytes: 鈴木木 is 9 in UTF-8, and the 10th is the first of another 木.
        let mut record = fixed_record("12345678", "", "", "ｽｽﾞｷ");
        record[8..18].copy_from_slice(&"鈴木木木".as_bytes()[..10]);
        let bytes = [b"\xEF\xBB\xBF".to_vec(), record, b"\r\n".to_vec()].concat();
        let results = read(profile(&utf8), &bytes);
        let err = error(&results[0]);
        assert_eq!(err.kind(), &RecordErrorKind::SplitCharacter { end: true });
        assert!(
            err.to_string().contains("(record 1, byte 11, field `name`"),
            "{err}"
        );
    }

    #[test]
    fn padding_is_cut_before_decoding_but_never_inside_a_character() {
        let cp932 = |t: &str| encoding_rs::SHIFT_JIS.encode(t).0.into_owned();
        let cut = |b: &[u8]| without_padding(b, Encoding::Cp932).to_vec();
        assert_eq!(cut(&cp932("佐藤\u{3000}\u{3000} ")), cp932("佐藤"));
        // ＝ is 0x81 0x81: followed by @ its bytes end in 0x81 0x40, a full-width space's.
        assert_eq!(cut(&cp932("＝@ ")), cp932("＝@"));
        assert_eq!(cut(&cp932("\u{3000}a\u{3000}")), cp932("\u{3000}a"));
        // A lead byte at the end stays, for the decoder to report the cut character.
        assert_eq!(cut(&[b'a', 0x82]), [b'a', 0x82]);
        let utf8 = without_padding("佐藤\u{3000} \t".as_bytes(), Encoding::Utf8);
        assert_eq!(utf8, "佐藤".as_bytes());
    }

    /// The forward scan `without_padding` replaced: every byte from the column's start,
    /// pairing each lead byte with the byte after it.
    fn padding_by_forward_scan(bytes: &[u8]) -> &[u8] {
        let (mut end, mut i) = (0, 0);
        while i < bytes.len() {
            if is_lead(bytes[i]) && i + 1 < bytes.len() {
                if bytes[i..i + 2] != [0x81, 0x40] {
                    end = i + 2;
                }
                i += 2;
            } else {
                if !matches!(bytes[i], b' ' | b'\t') {
                    end = i + 1;
                }
                i += 1;
            }
        }
        &bytes[..end]
    }

    proptest::proptest! {
        /// Reading the padding from the end cuts exactly what the scan from the start cut,
        /// whatever the bytes: padding, lead bytes, `@` and invalid pairs mixed.
        #[test]
        fn padding_read_from_the_end_is_the_forward_scans(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(0x81u8),
                    proptest::strategy::Just(0x40u8),
                    proptest::strategy::Just(b' '),
                    proptest::strategy::Just(b'\t'),
                    0x80u8..=0xFF,
                    proptest::arbitrary::any::<u8>(),
                ],
                0..16,
            )
        ) {
            proptest::prop_assert_eq!(
                without_padding(&bytes, Encoding::Cp932),
                padding_by_forward_scan(&bytes)
            );
        }
    }

    #[test]
    fn an_empty_file_has_no_records() {
        assert!(read(profile(FIXED), b"").is_empty());
        assert!(read(profile(FIXED), b"\r\n\r\n").is_empty());
    }

    #[test]
    fn a_character_cut_by_a_column_end_names_record_byte_and_field() {
        // 氏 is 10 bytes: a five-character name fills it, and a sixth cannot fit. Here the
        // host wrote 11 bytes of name: the column's last byte is a lead byte.
        let mut bytes = sample();
        let long = encoding_rs::SHIFT_JIS.encode("a勅使河原左").0;
        bytes[8..18].copy_from_slice(&long[..10]);
        let results = read(profile(FIXED), &lines(&[bytes], b"\r\n"));
        let err = error(&results[0]);
        assert_eq!(err.kind(), &RecordErrorKind::SplitCharacter { end: true });
        assert_eq!(err.value(), None);
        assert!(
            err.to_string()
                .starts_with("members.dat:1 (record 1, byte 8, field `name` from column `氏`): "),
            "{err}"
        );
    }

    #[test]
    fn a_column_starting_inside_a_character_is_refused() {
        // 名 starts at byte 19; shift it one byte left so it begins inside 鈴木's last character.
        let shifted = FIXED.replace(
            "\"名\" = { start = 19, length = 10 }",
            "\"名\" = { start = 18, length = 10 }",
        );
        let results = read(
            profile(&shifted),
            &lines(
                &[fixed_record("12345678", "鈴木鈴木鈴", "花子", "ｽｽﾞｷ")],
                b"\r\n",
            ),
        );
        let err = error(&results[0]);
        assert_eq!(err.kind(), &RecordErrorKind::SplitCharacter { end: false });
        assert_eq!(
            err.to_string(),
            "members.dat:1 (record 1, byte 17, field `name` from column `名`): failed to decode value (a double-byte character is cut by the column's start)\n  hint: check the column's start and length in the input profile against the record layout"
        );
    }

    #[test]
    fn trailing_0x5c_bytes_decode_as_the_kana_and_kanji_they_end() {
        // ソ is 0x83 0x5C and 表 0x95 0x5C: the second byte is ASCII's backslash.
        let bytes = fixed_record("12345678", "表", "ソノ", "ｿﾉ");
        let results = read(profile(FIXED), &lines(&[bytes], b"\r\n"));
        let r = record(&results[0]);
        assert_eq!(r.name, "表 ソノ");
        assert_eq!(r.name_kana.as_deref(), Some("ソノ"));
    }

    #[test]
    fn user_defined_area_bytes_become_private_use_for_the_gaiji_map() {
        // CP932's user-defined area (0xF040…) is the municipality's 外字: it decodes to the
        // private-use code point the issuer's 外字 map converts when the record is filled.
        let mut bytes = sample();
        bytes[8..10].copy_from_slice(&[0xF0, 0x40]);
        let results = read(profile(FIXED), &lines(&[bytes], b"\r\n"));
        assert!(record(&results[0]).name.starts_with('\u{E000}'));
    }

    #[test]
    fn invalid_bytes_name_their_offset_and_go_to_the_report() {
        let mut bytes = sample();
        bytes[28] = 0xFF;
        let results = read(profile(FIXED), &lines(&[bytes], b"\r\n"));
        let err = error(&results[0]);
        assert_eq!(
            err.to_string(),
            "members.dat:1 (record 1, byte 28, field `name_kana` from column `カナ`): failed to decode value (byte 0xFF at offset 0 is not valid CP932)"
        );
    }

    #[test]
    fn unknown_codes_name_the_column_but_not_the_value() {
        let mut bytes = sample();
        bytes[38] = b'9';
        let results = read(profile(FIXED), &lines(&[bytes], b"\r\n"));
        let err = error(&results[0]);
        assert_eq!(
            err.to_string(),
            "members.dat:1 (record 1, byte 38, field `sex` from column `性別`): unknown code (not in the profile's code table: `1`, `2`)\n  hint: add the code to the field's `codes` in the input profile"
        );
        assert_eq!(err.value(), Some("9"));
        let entry = err.report_entry();
        assert_eq!(
            (entry.source.as_deref(), entry.byte),
            (Some("性別"), Some(38))
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// A valid record whose record_id is `n`, so that records never duplicate each other.
        fn valid(n: usize, kanji: bool) -> Vec<u8> {
            let id = format!("{:08}", 10_000_000 + n);
            match kanji {
                false => fixed_record(&id, "鈴木", "花子", "ｽｽﾞｷ ﾊﾅｺ"),
                true => fixed_record(&id, "表", "ソノ", "ｿﾉ"),
            }
        }

        /// Bytes that look like a host export: valid records and any bytes, each followed by
        /// CRLF, LF or nothing; and the valid records in it.
        fn export() -> impl Strategy<Value = (Vec<u8>, Vec<Vec<u8>>)> {
            let part = (
                0..3u8,
                proptest::collection::vec(any::<u8>(), 0..70),
                prop_oneof![Just(&b"\r\n"[..]), Just(&b""[..]), Just(&b"\n"[..])],
            );
            proptest::collection::vec(part, 0..8).prop_map(|parts| {
                let (mut bytes, mut good) = (Vec::new(), Vec::new());
                for (i, (kind, garbage, end)) in parts.into_iter().enumerate() {
                    let record = match kind {
                        0 | 1 => valid(i, kind == 1),
                        _ => garbage,
                    };
                    if kind < 2 {
                        good.push(record.clone());
                    }
                    bytes.extend_from_slice(&record);
                    bytes.extend_from_slice(end);
                }
                (bytes, good)
            })
        }

        /// The lines the reader must account for: every line but blank ones (a CR before the
        /// LF is the line end's) and a last line of DOS end-of-file marks.
        fn counted_lines(bytes: &[u8]) -> Vec<&[u8]> {
            let mut segments: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
            let last = segments.pop().unwrap_or_default();
            let mut lines: Vec<&[u8]> = segments
                .into_iter()
                .map(|s| s.strip_suffix(b"\r").unwrap_or(s))
                .filter(|s| !s.is_empty())
                .collect();
            let last = last.strip_suffix(b"\r").unwrap_or(last);
            if !last.is_empty() && !last.iter().all(|&b| b == EOF_MARK) {
                lines.push(last);
            }
            lines
        }

        /// The records of a file without line ends: 60-byte chunks, and a last short one
        /// unless it holds only what may follow the last record.
        fn counted_chunks(bytes: &[u8]) -> Vec<&[u8]> {
            let mut chunks: Vec<&[u8]> = bytes.chunks(60).collect();
            if chunks.last().is_some_and(|c| {
                c.len() < 60 && c.iter().all(|b| matches!(*b, EOF_MARK | b'\r' | b'\n'))
            }) {
                chunks.pop();
            }
            chunks
        }

        proptest! {
            /// Nothing lost, bounded memory, and a bad record costs only itself: every line (or
            /// chunk) is one result in order, each error names its record and byte, the reader
            /// never holds more than a record's worth, and a valid record on its own line (or at
            /// a chunk boundary) is read whatever surrounds it.
            #[test]
            fn every_record_is_read_or_refused_alone_in_bounded_memory((bytes, good) in export()) {
                let none = FIXED.replace("record_length = 60", "record_length = 60\nline_end = \"none\"");
                for (profile, units) in [
                    (profile(FIXED), counted_lines(&bytes)),
                    (profile(&none), counted_chunks(&bytes)),
                ] {
                    let options = ReadOptions { profile: Some(profile), ..ReadOptions::default() };
                    let mut records = match from_reader(&bytes[..], "members.dat", Format::FixedWidth, &options) {
                        Ok(records) => records,
                        Err(e) => {
                            // Only the line-end check may refuse a file, before any record.
                            prop_assert!(matches!(e.kind(), OpenErrorKind::FixedWidth(_)), "{}", e);
                            continue;
                        }
                    };
                    let mut results = Vec::new();
                    while let Some(result) = records.next() {
                        prop_assert!(records.buffered_bytes() <= 61 + Field::ALL.len() * 4 * 60);
                        results.push(result);
                    }
                    prop_assert!(records.stopped().is_none());
                    prop_assert_eq!(results.len(), units.len());
                    for (i, (result, unit)) in results.iter().zip(&units).enumerate() {
                        let index = i as u64 + 1;
                        match result {
                            Ok((origin, _)) => prop_assert_eq!(origin.index, index),
                            Err(e) => {
                                prop_assert_eq!(e.origin().index, index);
                                prop_assert!(!e.ends_input());
                                let byte = e.report_entry().byte;
                                prop_assert!(byte.is_some_and(|b| b <= bytes.len() as u64), "no byte offset: {}", e);
                                let message = e.to_string();
                                prop_assert!(message.contains(&format!("(record {index}, byte ")), "{}", message);
                            }
                        }
                        if good.iter().any(|g| g.as_slice() == *unit) {
                            prop_assert!(result.is_ok(), "a valid record was refused: {:?}", result);
                        }
                    }
                }
            }

            #[test]
            fn conversions_never_panic(text in "\\PC{0,12}") {
                for form in [DateForm::Yyyymmdd, DateForm::Wareki, DateForm::EraCode(super::super::super::convert::default_era_codes())] {
                    let _ = Conversion::Date(form).write(&text, &mut String::new());
                }
            }
        }
    }
}
