//! CSV with a header row, in UTF-8 or CP932 (Shift_JIS as Windows writes it).
//!
//! CP932 is decoded cell by cell rather than as a stream: its trail bytes (0x40–0xFC)
//! never collide with `"`, `,`, CR or LF, so the CSV parser can split the raw bytes
//! safely, and a byte sequence that is invalid in CP932 then becomes an error naming
//! its record, line and field instead of a silent U+FFFD or an aborted read.

use std::borrow::Cow;
use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder};
use encoding_rs::{DecoderResult, SHIFT_JIS};

use super::assemble::{empty_slots, Batch, Problem};
use super::value::Raw;
use super::{Encoding, Field, OpenError, OpenErrorKind, Record, RecordError, RecordErrorKind, Origin};

/// Rows of a CSV input after its header.
pub(crate) struct CsvRecords<R> {
    reader: csv::Reader<R>,
    /// The field of each column, in column order.
    columns: Vec<Field>,
    encoding: Encoding,
    max_record_bytes: usize,
    row: ByteRecord,
    done: bool,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads and checks the header: an unknown, duplicated or missing column would fail
    /// every record, so it stops the input before the first one.
    pub(crate) fn open(reader: R, file: &str, encoding: Encoding, max_record_bytes: usize) -> Result<Self, OpenError> {
        // Flexible: a short row is a record error we word ourselves, not a parser error.
        let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
        let mut header = ByteRecord::new();
        let open_error = |line, kind| OpenError { file: file.to_owned(), line, kind, hint: None };
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => return Err(open_error(None, OpenErrorKind::MissingHeader)),
            Err(e) => return Err(open_error(None, OpenErrorKind::Io(e.to_string()))),
        }
        let line = header.position().map_or(1, |p| p.line());
        let columns = header_fields(&header, encoding).map_err(|(kind, hint)| OpenError {
            hint,
            ..open_error(Some(line), kind)
        })?;
        Ok(CsvRecords { reader, columns, encoding, max_record_bytes, row: ByteRecord::new(), done: false })
    }

    /// The next row as a record, or `None` at the end of the input.
    pub(crate) fn next(&mut self, batch: &mut Batch) -> Option<Result<(Origin, Record), RecordError>> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.row) {
            Ok(true) => Some(self.record(batch)),
            Ok(false) => None,
            Err(e) => {
                // After an I/O error the reader cannot tell where the next row starts.
                self.done = true;
                let origin = batch.origin(self.reader.position().line(), self.reader.position().record());
                Some(Err(Problem::record(RecordErrorKind::Read(e.to_string())).at(origin, None, true)))
            }
        }
    }

    fn record(&self, batch: &mut Batch) -> Result<(Origin, Record), RecordError> {
        let (line, index) = self.row.position().map_or((0, 0), |p| (p.line(), p.record()));
        let origin = batch.origin(line, index);
        if let Some(problem) = self.shape_problem() {
            return Err(problem.at(origin, None, false));
        }
        let mut problem = None;
        let mut texts = Vec::with_capacity(self.columns.len());
        for (bytes, &field) in self.row.iter().zip(&self.columns) {
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

    /// A row too long, or with the wrong number of fields. Both usually come from a quote
    /// that is never closed, which swallows the following lines into one field.
    fn shape_problem(&self) -> Option<Problem> {
        let spans_lines = self.row.as_slice().contains(&b'\n');
        let quote_hint = "the row continues over several lines inside quotes: check for a quote that is not closed";
        let problem = if self.row.as_slice().len() > self.max_record_bytes {
            Problem::record(RecordErrorKind::TooLong { limit: self.max_record_bytes })
        } else if self.row.len() != self.columns.len() {
            Problem::record(RecordErrorKind::FieldCount { expected: self.columns.len(), found: self.row.len() })
        } else {
            return None;
        };
        Some(if spans_lines { problem.with_hint(quote_hint) } else { problem })
    }
}

/// Maps header cells to fields, or says what is wrong with the header (and a hint).
fn header_fields(header: &ByteRecord, encoding: Encoding) -> Result<Vec<Field>, (OpenErrorKind, Option<String>)> {
    let names: Vec<String> = header.iter().map(|bytes| header_name(bytes, encoding)).collect();
    let mut columns: Vec<Field> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(field) = Field::from_name(name) else {
            let kind = OpenErrorKind::UnknownColumn { column: i + 1, name: name.clone() };
            return Err((kind, unknown_column_hint(name, &names, encoding)));
        };
        if let Some(first) = columns.iter().position(|&f| f == field) {
            return Err((OpenErrorKind::DuplicateColumn { field, columns: (first + 1, i + 1) }, None));
        }
        columns.push(field);
    }
    match Field::ALL.into_iter().find(|f| f.is_required() && !columns.contains(f)) {
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
    name.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned()
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
        return Some(format!("the header is not valid {}: is the file {other}?", encoding.name()));
    }
    if !names.iter().any(|n| Field::from_name(n).is_some()) {
        return Some("the first row must name the fields (record_id, scheme, …): see docs/records.md".into());
    }
    None
}

/// One cell as text in the declared encoding.
fn decode_cell(bytes: &[u8], field: Field, encoding: Encoding) -> Result<Cow<'_, str>, Problem> {
    let decoded = match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| e.valid_up_to()),
        Encoding::Cp932 => SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| cp932_error_offset(bytes)),
    };
    decoded.map_err(|offset| {
        let byte = bytes.get(offset).copied().unwrap_or_default();
        let kind = RecordErrorKind::Encoding { encoding: encoding.name(), offset, byte };
        let lossy = match encoding {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Cp932 => SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned(),
        };
        let problem = Problem::field(field, kind).with_value(Some(lossy));
        match encoding {
            Encoding::Utf8 => problem.with_hint("if the file is a Shift_JIS / CP932 export, read it with the cp932 encoding"),
            Encoding::Cp932 => problem,
        }
    })
}

/// Where the first invalid CP932 sequence starts.
fn cp932_error_offset(bytes: &[u8]) -> usize {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut sink = String::with_capacity(bytes.len() * 3);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut sink, true);
    match result {
        DecoderResult::Malformed(bad, unread) => read.saturating_sub(usize::from(bad) + usize::from(unread)),
        _ => 0,
    }
}
