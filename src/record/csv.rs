//! CSV with a header row, in UTF-8 or CP932 (Shift_JIS as Windows writes it).
//!
//! A record is one line. RFC 4180 lets a quoted value hold line breaks, but no field
//! of the schema may hold one, so a quote still open at the end of a line can only be
//! a mistake, and treating it as one is what keeps one bad record from costing the
//! others: the line is reported and reading goes on at the next line. (A reader that
//! followed the quote would swallow every line up to the next stray quote, or the
//! whole rest of the file, and then either lose those records or join two of them into
//! one.) Lines are read through [`Lines`], which holds at most
//! [`ReadOptions::max_record_bytes`](super::ReadOptions::max_record_bytes) of a line.
//!
//! CP932 is decoded cell by cell rather than as a stream: its trail bytes (0x40–0xFC)
//! never collide with `"`, `,`, CR or LF, so the raw bytes can be split safely, and a
//! byte sequence that is invalid in CP932 then becomes an error naming its record,
//! line and field instead of a silent U+FFFD or an aborted read.

use std::borrow::Cow;
use std::io::BufRead;

use encoding_rs::{DecoderResult, SHIFT_JIS};

use super::assemble::{empty_slots, Batch, Problem};
use super::lines::{Line, Lines};
use super::value::Raw;
use super::{
    Encoding, Field, OpenError, OpenErrorKind, Origin, Record, RecordError, RecordErrorKind, Unread,
};

/// Rows of a CSV input after its header.
pub(crate) struct CsvRecords<R> {
    rows: Rows<R>,
    /// The field of each column, in column order.
    columns: Vec<Field>,
    encoding: Encoding,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads and checks the header: an unknown, duplicated or missing column would fail
    /// every record, so it stops the input before the first one. `offset` is where the
    /// reader starts in the input (after a byte order mark).
    pub(crate) fn open(
        reader: R,
        file: &str,
        encoding: Encoding,
        max_record_bytes: usize,
        offset: u64,
    ) -> Result<Self, OpenError> {
        let mut lines = Lines::new(reader, max_record_bytes, offset);
        let open_error = |line, kind| OpenError {
            file: file.to_owned(),
            line,
            kind,
            hint: None,
        };
        let found = loop {
            match lines.next() {
                Ok(Line::Read) if is_blank(lines.text()) => continue,
                Ok(found) => break found,
                Err(e) => return Err(open_error(None, OpenErrorKind::Io(e.to_string()))),
            }
        };
        let line = Some(lines.line());
        let mut cells = Cells::default();
        match found {
            Line::End => return Err(open_error(None, OpenErrorKind::MissingHeader)),
            Line::TooLong => {
                let why = format!("longer than the limit of {max_record_bytes} bytes");
                return Err(open_error(line, OpenErrorKind::MalformedHeader(why)));
            }
            Line::Read => {}
        }
        // One span more than there are fields: a longer header must repeat or misname
        // one of those, which is the error reported.
        if let Err(Unclosed { column }) = cells.split(lines.text(), Field::ALL.len() + 1) {
            let why = format!("the quote opened in column {column} is not closed on the line");
            return Err(open_error(line, OpenErrorKind::MalformedHeader(why)));
        }
        let header: Vec<Cow<[u8]>> = cells.unquoted(lines.text()).collect();
        let columns = header_fields(&header, encoding).map_err(|(kind, hint)| OpenError {
            hint,
            ..open_error(line, kind)
        })?;
        Ok(CsvRecords {
            rows: Rows::new(lines, cells),
            columns,
            encoding,
        })
    }

    /// The next row as a record, or `None` at the end of the input.
    pub(crate) fn next(
        &mut self,
        batch: &mut Batch,
    ) -> Option<Result<(Origin, Record), RecordError>> {
        Some(match self.rows.next(batch)? {
            Ok(origin) => self.record(origin, batch),
            Err(e) => Err(e),
        })
    }

    /// Where reading stopped before the end of the input, if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        self.rows.stopped()
    }

    /// Bytes held for the current line.
    pub(crate) fn buffered(&self) -> usize {
        self.rows.buffered()
    }

    fn record(
        &mut self,
        origin: Origin,
        batch: &mut Batch,
    ) -> Result<(Origin, Record), RecordError> {
        let columns = self.columns.len();
        let quote_hint = "a value cannot continue onto the next line: close the quote, and write a quote inside a quoted value as \"\"";
        if let Err(problem) = self.rows.split(columns, columns, true, quote_hint) {
            return Err(problem.at(origin, None, false));
        }
        let line = self.rows.lines.text();
        let raw: Vec<Cow<[u8]>> = self.rows.cells.unquoted(line).collect();
        let mut problem = None;
        let mut texts = Vec::with_capacity(columns);
        for (bytes, &field) in raw.iter().zip(&self.columns) {
            match decode_cell(bytes, field, self.encoding) {
                Ok(text) => texts.push((field, text)),
                Err(p) => {
                    problem.get_or_insert(p);
                }
            }
        }
        let mut slots = empty_slots();
        for (field, text) in &texts {
            slots[*field as usize] = Some(Raw::Text(text));
        }
        batch.finish(origin, &slots, problem)
    }
}

/// The lines of a delimited input as rows of cells, one record a line: what the contract's
/// CSV reader and an input profile's delimited reader share. A bad line costs only itself;
/// an I/O error ends the input, and says where.
pub(crate) struct Rows<R> {
    pub(crate) lines: Lines<R>,
    pub(crate) cells: Cells,
    /// Rows read so far, not counting the header and blank lines.
    index: u64,
    /// Where reading stopped after an I/O error.
    stopped: Option<Unread>,
    /// The last line read ended inside quotes: this one may be the rest of its value.
    after_unclosed: bool,
}

impl<R: BufRead> Rows<R> {
    /// Rows from the line after the header (if any) that `lines` has read.
    pub(crate) fn new(lines: Lines<R>, cells: Cells) -> Self {
        Rows {
            lines,
            cells,
            index: 0,
            stopped: None,
            after_unclosed: false,
        }
    }

    /// Moves to the next line that is not blank: its origin, ready to [`Rows::split`]; an
    /// error for a line over the size limit or an I/O error; `None` at the end of the input.
    pub(crate) fn next(&mut self, batch: &Batch) -> Option<Result<Origin, RecordError>> {
        if self.stopped.is_some() {
            return None;
        }
        loop {
            let found = match self.lines.next() {
                Ok(Line::End) => return None,
                Ok(Line::Read) if is_blank(self.lines.text()) => continue,
                Ok(found) => found,
                Err(e) => return Some(Err(self.stop(batch, e))),
            };
            self.index += 1;
            let origin = batch.origin(self.lines.line(), self.index);
            return Some(match found {
                Line::TooLong => {
                    self.after_unclosed = false;
                    let limit = self.lines.limit();
                    Err(Problem::record(RecordErrorKind::TooLong { limit }).at(origin, None, false))
                }
                _ => Ok(origin),
            });
        }
    }

    /// After an I/O error the input cannot be read further: says where it stopped.
    fn stop(&mut self, batch: &Batch, e: std::io::Error) -> RecordError {
        let (line, byte) = (self.lines.line(), self.lines.start());
        self.stopped = Some(Unread { line, byte });
        let origin = batch.origin(line, self.index + 1);
        Problem::record(RecordErrorKind::Read(e.to_string())).at(origin, None, true)
    }

    /// Where reading stopped before the end of the input, if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        self.stopped
    }

    /// Bytes held for the current line.
    pub(crate) fn buffered(&self) -> usize {
        self.lines.buffered() + self.cells.buffered()
    }

    /// Splits the current line, keeping its first `keep` cells. A quote left open (the
    /// `quote_hint` says how to write one) or a line without `width` fields (at least, or
    /// exactly when `exact`) is the record's problem.
    pub(crate) fn split(
        &mut self,
        keep: usize,
        width: usize,
        exact: bool,
        quote_hint: &str,
    ) -> Result<(), Problem> {
        let split = self.cells.split(self.lines.text(), keep);
        let after_unclosed = std::mem::replace(&mut self.after_unclosed, split.is_err());
        let found = self.cells.count;
        match split {
            Err(Unclosed { column }) => {
                Err(Problem::record(RecordErrorKind::UnclosedQuote { column })
                    .with_hint(quote_hint))
            }
            Ok(()) if found < width || (exact && found != width) => {
                let problem = Problem::record(RecordErrorKind::FieldCount {
                    expected: width,
                    found,
                });
                Err(match after_unclosed {
                    true => problem.with_hint("the line before ended inside quotes: this line may be the rest of its value"),
                    false => problem,
                })
            }
            Ok(()) => Ok(()),
        }
    }
}

/// A line holding nothing but whitespace.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A quote still open at the end of a line, in this 1-based column.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unclosed {
    pub(crate) column: usize,
}

/// How cells are separated and quoted: RFC 4180's comma and double quote, or what an
/// input profile says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dialect {
    pub(crate) delimiter: u8,
    /// `None`: quotes are text like any other byte.
    pub(crate) quote: Option<u8>,
    /// Skip the byte after a CP932 lead byte: needed only when the delimiter or quote is
    /// a byte that can also be a trail byte (0x40 and above, such as `|`).
    pub(crate) cp932_trail_bytes: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            quote: Some(b'"'),
            cp932_trail_bytes: false,
        }
    }
}

/// Where each cell of one line is, as spans of the line (nothing is copied).
#[derive(Debug, Default)]
pub(crate) struct Cells {
    dialect: Dialect,
    spans: Vec<Span>,
    /// Cells on the line, also those past the ones kept.
    pub(crate) count: usize,
}

/// One cell: its bytes in the line, and whether it starts with a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    quoted: bool,
}

/// Where the splitter is within a cell.
#[derive(Clone, Copy)]
enum State {
    /// At the start of a cell.
    Start,
    /// In a cell that does not start with a quote: quotes in it are text.
    Plain,
    /// Inside quotes.
    Quoted,
    /// Just after a quote inside quotes: another quote makes it a literal one.
    QuoteSeen,
}

impl Cells {
    /// Cells split the profile's way.
    pub(crate) fn with_dialect(dialect: Dialect) -> Self {
        Cells {
            dialect,
            ..Cells::default()
        }
    }

    /// Splits a line at the commas outside quotes, as RFC 4180 and the csv crate do: a
    /// cell that starts with `"` runs to the next lone `"`, `""` inside it is one quote,
    /// and text after the closing quote is kept; a quote inside an unquoted cell is
    /// text. Keeps the spans of the first `keep` cells (enough to see that a row has too
    /// many, without holding a span per comma of a hostile line) and counts them all.
    pub(crate) fn split(&mut self, line: &[u8], keep: usize) -> Result<(), Unclosed> {
        self.spans.clear();
        self.spans.reserve_exact(keep);
        self.count = 0;
        let Dialect {
            delimiter,
            quote,
            cp932_trail_bytes,
        } = self.dialect;
        let is_quote = |b: u8| quote == Some(b);
        let mut state = State::Start;
        let mut start = 0;
        let mut quoted = false;
        let mut trail = false;
        for (i, &b) in line.iter().enumerate() {
            if trail {
                // The lead byte before it already made this cell text.
                trail = false;
                continue;
            }
            trail = cp932_trail_bytes && matches!(b, 0x81..=0x9F | 0xE0..=0xFC);
            state = match (state, b) {
                (State::Start, b) if is_quote(b) => {
                    quoted = true;
                    State::Quoted
                }
                (State::Quoted, b) if is_quote(b) => State::QuoteSeen,
                (State::QuoteSeen, b) if is_quote(b) => State::Quoted,
                (State::Quoted, _) => State::Quoted,
                (State::Start | State::Plain | State::QuoteSeen, b) if b == delimiter => {
                    self.push(
                        Span {
                            start,
                            end: i,
                            quoted,
                        },
                        keep,
                    );
                    (start, quoted) = (i + 1, false);
                    State::Start
                }
                (State::Start | State::Plain | State::QuoteSeen, _) => State::Plain,
            };
        }
        if let State::Quoted = state {
            return Err(Unclosed {
                column: self.count + 1,
            });
        }
        self.push(
            Span {
                start,
                end: line.len(),
                quoted,
            },
            keep,
        );
        Ok(())
    }

    fn push(&mut self, span: Span, keep: usize) {
        if self.spans.len() < keep {
            self.spans.push(span);
        }
        self.count += 1;
    }

    /// The cells' values: quotes removed and doubled quotes made single.
    pub(crate) fn unquoted<'a>(
        &'a self,
        line: &'a [u8],
    ) -> impl Iterator<Item = Cow<'a, [u8]>> + 'a {
        let quote = self.dialect.quote.unwrap_or(b'"');
        self.spans
            .iter()
            .map(move |s| unquote(&line[s.start..s.end], s.quoted, quote))
    }

    /// Bytes held for the spans.
    pub(crate) fn buffered(&self) -> usize {
        self.spans.capacity() * std::mem::size_of::<Span>()
    }
}

/// A cell's value: for a quoted cell, the text between the quotes with `""` made `"`,
/// then any text after the closing quote.
fn unquote(cell: &[u8], quoted: bool, quote: u8) -> Cow<'_, [u8]> {
    if !quoted {
        return Cow::Borrowed(cell);
    }
    let inner = &cell[1..];
    match inner.iter().position(|&b| b == quote) {
        Some(close) if close + 1 == inner.len() => Cow::Borrowed(&inner[..close]),
        _ => {
            let mut value = Vec::with_capacity(inner.len());
            let mut bytes = inner.iter().copied().peekable();
            while let Some(b) = bytes.next() {
                if b != quote {
                    value.push(b);
                } else if bytes.next_if_eq(&quote).is_some() {
                    value.push(quote);
                } else {
                    value.extend(bytes.by_ref());
                }
            }
            Cow::Owned(value)
        }
    }
}

/// Maps header cells to fields, or says what is wrong with the header (and a hint).
fn header_fields(
    header: &[Cow<[u8]>],
    encoding: Encoding,
) -> Result<Vec<Field>, (OpenErrorKind, Option<String>)> {
    let names: Vec<String> = header
        .iter()
        .map(|bytes| header_name(bytes, encoding))
        .collect();
    let mut columns: Vec<Field> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(field) = Field::from_name(name) else {
            let kind = OpenErrorKind::UnknownColumn { column: i + 1 };
            return Err((kind, unknown_column_hint(name, &names, encoding)));
        };
        if let Some(first) = columns.iter().position(|&f| f == field) {
            return Err((
                OpenErrorKind::DuplicateColumn {
                    field,
                    columns: (first + 1, i + 1),
                },
                None,
            ));
        }
        columns.push(field);
    }
    match Field::ALL
        .into_iter()
        .find(|f| f.is_required() && !columns.contains(f))
    {
        Some(missing) => Err((OpenErrorKind::MissingColumn(missing), None)),
        None => Ok(columns),
    }
}

/// A header cell as text; undecodable bytes become U+FFFD, which no field name contains.
fn header_name(bytes: &[u8], encoding: Encoding) -> String {
    let name = match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes),
        Encoding::Cp932 => SHIFT_JIS.decode_without_bom_handling(bytes).0,
    };
    name.trim_matches(|c: char| c.is_ascii_whitespace())
        .to_owned()
}

fn unknown_column_hint(name: &str, names: &[String], encoding: Encoding) -> Option<String> {
    if let Some(field) = Field::suggest(name) {
        return Some(format!("did you mean `{field}`?"));
    }
    if name.contains(char::REPLACEMENT_CHARACTER) {
        let other = match encoding {
            Encoding::Utf8 => "cp932",
            Encoding::Cp932 => "utf-8",
        };
        return Some(format!(
            "the header is not valid {}: is the file {other}?",
            encoding.name()
        ));
    }
    if !names.iter().any(|n| Field::from_name(n).is_some()) {
        return Some(
            "the first row must name the fields (record_id, scheme, …): see docs/records.md".into(),
        );
    }
    None
}

/// One cell as text in the declared encoding.
pub(crate) fn decode_cell(
    bytes: &[u8],
    field: Field,
    encoding: Encoding,
) -> Result<Cow<'_, str>, Problem> {
    let decoded = match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| e.valid_up_to()),
        Encoding::Cp932 => SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| cp932_error_offset(bytes)),
    };
    decoded.map_err(|offset| {
        let byte = bytes.get(offset).copied().unwrap_or_default();
        let kind = RecordErrorKind::Encoding {
            encoding: encoding.name(),
            offset,
            byte,
        };
        let lossy = match encoding {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Cp932 => SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned(),
        };
        let problem = Problem::field(field, kind).with_value(Some(lossy));
        match encoding {
            Encoding::Utf8 => problem.with_hint(
                "if the file is a Shift_JIS / CP932 export, read it with the cp932 encoding",
            ),
            Encoding::Cp932 => problem,
        }
    })
}

/// Where the first invalid CP932 sequence starts.
pub(crate) fn cp932_error_offset(bytes: &[u8]) -> usize {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut sink = String::with_capacity(bytes.len() * 3);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut sink, true);
    match result {
        DecoderResult::Malformed(bad, unread) => {
            read.saturating_sub(usize::from(bad) + usize::from(unread))
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{from_reader, Format, ReadOptions, Scheme, Sex};
    use super::*;

    fn csv(text: &str) -> Vec<Result<(Origin, Record), RecordError>> {
        read_all(text.as_bytes(), Format::Csv, &ReadOptions::default())
    }

    fn open_error(bytes: &[u8], options: &ReadOptions) -> OpenError {
        from_reader(bytes, "members.csv", Format::Csv, options)
            .expect_err("header should be refused")
    }

    fn cp932() -> ReadOptions {
        ReadOptions {
            encoding: Encoding::Cp932,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn reads_every_field() {
        let results = csv(&format!("{HEADER}\n{}\n", row("K0001")));
        let record = record(&results[0]);
        assert_eq!(record.record_id, "K0001");
        assert_eq!(record.scheme, Scheme::Kokuho);
        assert_eq!(record.symbol.as_deref(), Some("01"));
        assert_eq!(record.branch.as_deref(), Some("01"));
        assert_eq!(record.name, "佐藤 太郎");
        assert_eq!(record.sex, Sex::Male);
        assert_eq!(record.postal_code.as_deref(), Some("3700801"));
        assert_eq!(record.copay_ratio, None);
        assert_eq!(record.remarks, None);
        assert!(!record.has_myna_hoken && !record.special_medical);
        assert_eq!(
            results[0].as_ref().map(|(o, _)| (o.line, o.index)),
            Ok((2, 1))
        );
    }

    #[test]
    fn optional_columns_may_be_left_out() {
        let header = "record_id,scheme,insurer_number,number,name,sex,birth_date,qualified_date,issue_date,has_myna_hoken";
        let results = csv(&format!(
            "{header}\nR1,kouki,39102017,12345678,鈴木 花子,2,1948-11-03,2023-11-03,2025-08-01,1\n"
        ));
        assert_eq!(record(&results[0]).address, None);
        assert!(record(&results[0]).has_myna_hoken);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped() {
        let text = format!("\u{FEFF}{HEADER}\r\n{}\r\n", row("K0001"));
        assert!(csv(&text)[0].is_ok());
    }

    #[test]
    fn cp932_is_decoded() {
        let text = format!("{HEADER}\r\n{}\r\n", row("K0001")).replace("佐藤 太郎", "髙橋 一郎");
        let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let results = read_all(&bytes, Format::Csv, &cp932());
        assert_eq!(record(&results[0]).name, "髙橋 一郎");
        assert_eq!(
            record(&results[0]).address.as_deref(),
            Some("群馬県高崎市八島町1-2")
        );
    }

    #[test]
    fn an_invalid_cp932_sequence_names_line_and_field_and_reading_goes_on() {
        let head = format!("{HEADER}\r\n{}\r\n", row("K0001"));
        let mut bytes = SHIFT_JIS.encode(&head).0.into_owned();
        let broken = row("K0002").replacen("佐藤", "\u{0}", 1);
        let (encoded, _, _) = SHIFT_JIS.encode(&broken);
        bytes.extend(
            encoded
                .iter()
                .flat_map(|&b| if b == 0 { vec![0x82, 0x2F] } else { vec![b] }),
        );
        bytes.extend_from_slice(&SHIFT_JIS.encode(&format!("\r\n{}\r\n", row("K0003"))).0);
        let results = read_all(&bytes, Format::Csv, &cp932());
        let err = error(&results[1]);
        assert_eq!(err.field(), Some(Field::Name));
        assert_eq!(
            err.kind(),
            &RecordErrorKind::Encoding {
                encoding: "CP932",
                offset: 0,
                byte: 0x82
            }
        );
        assert_eq!(err.to_string(), "members:3 (record 2, field `name`): failed to decode value (byte 0x82 at offset 0 is not valid CP932)");
        assert_eq!(err.record_id(), Some("K0002"));
        assert!(results[2].is_ok());
    }

    #[test]
    fn invalid_utf8_hints_at_cp932() {
        let mut bytes = format!("{HEADER}\n").into_bytes();
        bytes.extend_from_slice(&SHIFT_JIS.encode(&row("K0001")).0);
        let results = read_all(&bytes, Format::Csv, &ReadOptions::default());
        let err = error(&results[0]);
        assert!(matches!(
            err.kind(),
            RecordErrorKind::Encoding {
                encoding: "UTF-8",
                ..
            }
        ));
        assert_eq!(
            err.hint(),
            Some("if the file is a Shift_JIS / CP932 export, read it with the cp932 encoding")
        );
    }

    #[test]
    fn a_byte_order_mark_in_a_cp932_file_stops() {
        let bytes = format!("\u{FEFF}{HEADER}\n").into_bytes();
        let err = open_error(&bytes, &cp932());
        assert_eq!(
            err.kind(),
            &OpenErrorKind::Encoding(
                "the file starts with a UTF-8 byte order mark but was declared CP932"
            )
        );
    }

    #[test]
    fn utf16_stops_with_a_hint() {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(HEADER.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let err = open_error(&bytes, &ReadOptions::default());
        assert_eq!(
            err.kind(),
            &OpenErrorKind::Encoding("the file is UTF-16, which is not supported")
        );
        assert!(err.hint().is_some_and(|h| h.contains("CSV UTF-8")));
    }

    #[test]
    fn an_unknown_column_stops_before_the_first_record_with_a_hint() {
        let header = HEADER.replace("birth_date", "birth_dat");
        let err = open_error(
            format!("{header}\n{}\n", row("K0001")).as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(err.kind(), &OpenErrorKind::UnknownColumn { column: 10 });
        assert_eq!(
            err.to_string(),
            "members.csv:1: failed to read CSV header (column 10 is not a field name)\n  hint: did you mean `birth_date`?"
        );
    }

    #[test]
    fn a_header_of_data_or_japanese_names_gets_a_hint() {
        let err = open_error(row("K0001").as_bytes(), &ReadOptions::default());
        assert_eq!(
            err.hint(),
            Some("the first row must name the fields (record_id, scheme, …): see docs/records.md")
        );
        // Issue 10, item 12: the first row is a member's data, so it is not quoted.
        let message = err.to_string();
        for value in ["K0001", "佐藤", "1958-04-12", "群馬県"] {
            assert!(!message.contains(value), "{message}");
        }
        let err = open_error("氏名,生年月日\n".as_bytes(), &ReadOptions::default());
        assert_eq!(err.hint(), Some("did you mean `name`?"));
    }

    #[test]
    fn a_repeated_or_missing_column_stops() {
        let err = open_error(
            format!("{HEADER},name\n").as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(
            err.kind(),
            &OpenErrorKind::DuplicateColumn {
                field: Field::Name,
                columns: (7, Field::ALL.len() + 1)
            }
        );
        let header = HEADER.replace(",issue_date", "");
        let err = open_error(format!("{header}\n").as_bytes(), &ReadOptions::default());
        assert_eq!(err.kind(), &OpenErrorKind::MissingColumn(Field::IssueDate));
        assert_eq!(
            open_error(b"", &ReadOptions::default()).kind(),
            &OpenErrorKind::MissingHeader
        );
    }

    #[test]
    fn a_header_without_records_is_an_empty_input() {
        assert!(csv(&format!("{HEADER}\n")).is_empty());
    }

    #[test]
    fn a_short_row_is_a_record_error_and_reading_goes_on() {
        let short = row("K0002")
            .rsplit_once(',')
            .map(|(head, _)| head.to_owned())
            .expect("has commas");
        let results = csv(&format!(
            "{HEADER}\n{}\n{short}\n{}\n",
            row("K0001"),
            row("K0003")
        ));
        assert_eq!(results.len(), 3);
        let err = error(&results[1]);
        assert_eq!(
            err.kind(),
            &RecordErrorKind::FieldCount {
                expected: Field::ALL.len(),
                found: Field::ALL.len() - 1
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "members:3 (record 2): failed to parse CSV (found {} instead of {} fields)",
                Field::ALL.len() - 1,
                Field::ALL.len()
            )
        );
        assert!(results[2].is_ok());
    }

    #[test]
    fn a_quoted_line_break_is_an_error_and_the_next_line_is_read_afresh() {
        let two_lines =
            row("K0002").replace("群馬県高崎市八島町1-2", "\"群馬県高崎市\n八島町1-2\"");
        let results = csv(&format!(
            "{HEADER}\n{}\n{two_lines}\n{}\n",
            row("K0001"),
            row("K0003")
        ));
        assert_eq!(results.len(), 4);
        let err = error(&results[1]);
        assert_eq!((err.origin().line, err.origin().index), (3, 2));
        assert_eq!(err.kind(), &RecordErrorKind::UnclosedQuote { column: 12 });
        let err = error(&results[2]);
        assert_eq!((err.origin().line, err.origin().index), (4, 3));
        assert!(matches!(err.kind(), RecordErrorKind::FieldCount { .. }));
        let (origin, _) = results[3].as_ref().expect("record 4 is valid");
        assert_eq!((origin.line, origin.index), (5, 4));
    }

    #[test]
    fn quotes_hold_commas_and_doubled_quotes() {
        let quoted = row("K0002").replace(
            "群馬県高崎市八島町1-2",
            "\"群馬県高崎市八島町1-2, \"\"メゾン\"\" 301\"",
        );
        let results = csv(&format!("{HEADER}\n{quoted}\n"));
        assert_eq!(
            record(&results[0]).address.as_deref(),
            Some("群馬県高崎市八島町1-2, \"メゾン\" 301")
        );
    }

    #[test]
    fn a_quoted_header_is_read_like_a_plain_one() {
        let header = HEADER.replace("record_id", "\"record_id\"");
        let results = csv(&format!("{header}\n{}\n", row("K0001")));
        assert!(results[0].is_ok());
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers_right() {
        let text = format!(
            "{HEADER}\r\n{}\r\n\r\n\n{}\r\n\r\n",
            row("K0001"),
            row("K0002")
        );
        let results = csv(&text);
        let positions: Vec<_> = results
            .iter()
            .map(|r| r.as_ref().map(|(o, _)| (o.line, o.index)))
            .collect();
        assert_eq!(positions, [Ok((2, 1)), Ok((5, 2))]);
        assert_eq!(record(&results[0]).remarks, None);
    }

    /// Issue 10, item 1: a stray quote cost every record after it.
    #[test]
    fn issue_10_a_stray_quote_costs_only_its_own_record() {
        let open_quote = row("K0002").replace("佐藤 太郎,サトウ", "\"佐藤 太郎,サトウ");
        let results = csv(&format!(
            "{HEADER}\n{open_quote}\n{}\n{}\n",
            row("K0003"),
            row("K0004")
        ));
        assert_eq!(results.len(), 3);
        let err = error(&results[0]);
        assert_eq!(err.kind(), &RecordErrorKind::UnclosedQuote { column: 7 });
        assert_eq!(
            err.to_string(),
            "members:2 (record 1): failed to parse CSV (the quote opened in column 7 is not closed on the line)\n  hint: a value cannot continue onto the next line: close the quote, and write a quote inside a quoted value as \"\""
        );
        assert_eq!(record(&results[1]).record_id, "K0003");
        assert_eq!(record(&results[2]).record_id, "K0004");
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_and_reading_goes_on() {
        let options = ReadOptions {
            max_record_bytes: 600,
            ..ReadOptions::default()
        };
        let long = format!("\"{}", "x".repeat(10_000));
        let text = format!("{HEADER}\n{long}\n{}\n", row("K0001"));
        let mut records =
            from_reader(text.as_bytes(), "members", Format::Csv, &options).expect("opens");
        let first = records.next().expect("a result");
        assert_eq!(
            error(&first).kind(),
            &RecordErrorKind::TooLong { limit: 600 }
        );
        assert!(records.buffered_bytes() <= 600 + Field::ALL.len() * 24);
        assert!(records.next().expect("a result").is_ok());
        assert!(records.next().is_none());
    }

    #[test]
    fn a_header_past_the_size_limit_stops() {
        let options = ReadOptions {
            max_record_bytes: 100,
            ..ReadOptions::default()
        };
        let err = open_error(format!("{HEADER}\n").as_bytes(), &options);
        assert_eq!(
            err.to_string(),
            "members.csv:1: failed to read CSV header (longer than the limit of 100 bytes)"
        );
    }

    #[test]
    fn an_io_error_ends_the_input_after_the_records_before_it() {
        struct Failing(Vec<u8>);
        impl std::io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let text = format!("{HEADER}\n{}\n", row("K0001"));
        let records = from_reader(
            Failing(text.into_bytes()),
            "members",
            Format::Csv,
            &ReadOptions::default(),
        );
        let mut records = records.expect("header reads");
        let results: Vec<_> = records.by_ref().collect();
        assert!(results[0].is_ok());
        assert!(error(&results[1]).ends_input());
        assert_eq!(results.len(), 2);
        let header_and_row = HEADER.len() as u64 + 1 + row("K0001").len() as u64 + 1;
        assert_eq!(
            records.stopped(),
            Some(crate::record::Unread {
                line: 3,
                byte: header_and_row
            })
        );
    }
}
