//! CSV with a header row, in UTF-8 or CP932 (Shift_JIS as Windows writes it).
//!
//! CP932 is decoded cell by cell rather than as a stream: its trail bytes (0x40–0xFC)
//! never collide with `"`, `,`, CR or LF, so the CSV parser can split the raw bytes
//! safely, and a byte sequence that is invalid in CP932 then becomes an error naming
//! its record, line and field instead of a silent U+FFFD or an aborted read.

use std::borrow::Cow;
use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder, Terminator};
use encoding_rs::{DecoderResult, SHIFT_JIS};

use super::assemble::{empty_slots, Batch, Problem};
use super::value::Raw;
use super::{
    Encoding, Field, OpenError, OpenErrorKind, Origin, Record, RecordError, RecordErrorKind,
};

/// Rows of a CSV input after its header.
pub(crate) struct CsvRecords<R> {
    reader: csv::Reader<R>,
    /// The field of each column, in column order.
    columns: Vec<Field>,
    encoding: Encoding,
    max_record_bytes: usize,
    row: ByteRecord,
    /// Rows read so far, not counting the header and blank lines.
    index: u64,
    done: bool,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads and checks the header: an unknown, duplicated or missing column would fail
    /// every record, so it stops the input before the first one.
    pub(crate) fn open(
        reader: R,
        file: &str,
        encoding: Encoding,
        max_record_bytes: usize,
    ) -> Result<Self, OpenError> {
        // Flexible: a short row is a record error we word ourselves, not a parser error.
        // Only LF ends a row: with csv's default, a CRLF row ends at the CR and every
        // line number after it is one short. The CR left in the last cell is trimmed
        // like any surrounding whitespace.
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(Terminator::Any(b'\n'))
            .from_reader(reader);
        let mut header = ByteRecord::new();
        let open_error = |line, kind| OpenError {
            file: file.to_owned(),
            line,
            kind,
            hint: None,
        };
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => return Err(open_error(None, OpenErrorKind::MissingHeader)),
            Err(e) => return Err(open_error(None, OpenErrorKind::Io(e.to_string()))),
        }
        let line = start_line(&header, &reader);
        let columns = header_fields(&header, encoding).map_err(|(kind, hint)| OpenError {
            hint,
            ..open_error(Some(line), kind)
        })?;
        Ok(CsvRecords {
            reader,
            columns,
            encoding,
            max_record_bytes,
            row: ByteRecord::new(),
            index: 0,
            done: false,
        })
    }

    /// The next row as a record, or `None` at the end of the input.
    pub(crate) fn next(
        &mut self,
        batch: &mut Batch,
    ) -> Option<Result<(Origin, Record), RecordError>> {
        while !self.done {
            match self.reader.read_byte_record(&mut self.row) {
                Ok(true) if is_blank(&self.row) => continue,
                Ok(true) => {
                    self.index += 1;
                    return Some(self.record(batch));
                }
                Ok(false) => return None,
                Err(e) => {
                    // After an I/O error the reader cannot tell where the next row starts.
                    self.done = true;
                    let origin = batch.origin(self.reader.position().line(), self.index + 1);
                    return Some(Err(Problem::record(RecordErrorKind::Read(e.to_string()))
                        .at(origin, None, true)));
                }
            }
        }
        None
    }

    fn record(&self, batch: &mut Batch) -> Result<(Origin, Record), RecordError> {
        let origin = batch.origin(start_line(&self.row, &self.reader), self.index);
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
            Problem::record(RecordErrorKind::TooLong {
                limit: self.max_record_bytes,
            })
        } else if self.row.len() != self.columns.len() {
            Problem::record(RecordErrorKind::FieldCount {
                expected: self.columns.len(),
                found: self.row.len(),
            })
        } else {
            return None;
        };
        Some(if spans_lines {
            problem.with_hint(quote_hint)
        } else {
            problem
        })
    }
}

/// A line holding nothing but whitespace (csv itself skips only empty ones, and a
/// blank CRLF line arrives as one cell holding CR).
fn is_blank(row: &ByteRecord) -> bool {
    row.len() == 1 && row.as_slice().iter().all(u8::is_ascii_whitespace)
}

/// The line a row starts on, counted back from where it ended: csv gives the line
/// before any blank lines it skipped. A row ends just after its LF, except the last
/// row of a file without a final LF; for that one csv's own start is right unless
/// blank lines precede it, the one case left off by one.
fn start_line<R: std::io::Read>(row: &ByteRecord, reader: &csv::Reader<R>) -> u64 {
    let reported = row.position().map_or(1, |p| p.line());
    let newlines = row.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    reported.max(reader.position().line().saturating_sub(newlines + 1))
}

/// Maps header cells to fields, or says what is wrong with the header (and a hint).
fn header_fields(
    header: &ByteRecord,
    encoding: Encoding,
) -> Result<Vec<Field>, (OpenErrorKind, Option<String>)> {
    let names: Vec<String> = header
        .iter()
        .map(|bytes| header_name(bytes, encoding))
        .collect();
    let mut columns: Vec<Field> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(field) = Field::from_name(name) else {
            let kind = OpenErrorKind::UnknownColumn {
                column: i + 1,
                name: name.clone(),
            };
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
fn decode_cell(bytes: &[u8], field: Field, encoding: Encoding) -> Result<Cow<'_, str>, Problem> {
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
fn cp932_error_offset(bytes: &[u8]) -> usize {
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
        assert_eq!(
            err.kind(),
            &OpenErrorKind::UnknownColumn {
                column: 10,
                name: "birth_dat".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "members.csv:1: failed to read CSV header (unknown column `birth_dat` in column 10)\n  hint: did you mean `birth_date`?"
        );
    }

    #[test]
    fn a_header_of_data_or_japanese_names_gets_a_hint() {
        let err = open_error(row("K0001").as_bytes(), &ReadOptions::default());
        assert_eq!(
            err.hint(),
            Some("the first row must name the fields (record_id, scheme, …): see docs/records.md")
        );
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
    fn quoted_newlines_make_lines_and_records_differ() {
        let two_lines =
            row("K0002").replace("群馬県高崎市八島町1-2", "\"群馬県高崎市\n八島町1-2\"");
        let results = csv(&format!(
            "{HEADER}\n{}\n{two_lines}\n{}\n",
            row("K0001"),
            row("K0003")
        ));
        let err = error(&results[1]);
        assert_eq!((err.origin().line, err.origin().index), (3, 2));
        assert_eq!(err.field(), Some(Field::Address));
        let (origin, _) = results[2].as_ref().expect("record 3 is valid");
        assert_eq!((origin.line, origin.index), (5, 3));
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

    #[test]
    fn an_unclosed_quote_is_pointed_out() {
        let open_quote = row("K0002").replace("佐藤 太郎,サトウ", "\"佐藤 太郎,サトウ");
        let results = csv(&format!(
            "{HEADER}\n{open_quote}\n{}\n{}\n",
            row("K0003"),
            row("K0004")
        ));
        assert_eq!(results.len(), 1);
        let err = error(&results[0]);
        assert!(matches!(err.kind(), RecordErrorKind::FieldCount { .. }));
        assert_eq!(err.hint(), Some("the row continues over several lines inside quotes: check for a quote that is not closed"));
    }

    #[test]
    fn a_row_past_the_size_limit_is_refused() {
        let options = ReadOptions {
            max_record_bytes: 100,
            ..ReadOptions::default()
        };
        let text = format!("{HEADER}\n{}\n", row("K0001"));
        let results = read_all(text.as_bytes(), Format::Csv, &options);
        assert_eq!(
            error(&results[0]).kind(),
            &RecordErrorKind::TooLong { limit: 100 }
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
        let results: Vec<_> = records.expect("header reads").collect();
        assert!(results[0].is_ok());
        assert!(error(&results[1]).ends_input());
        assert_eq!(results.len(), 2);
    }
}
