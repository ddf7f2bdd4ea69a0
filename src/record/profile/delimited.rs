//! CSV (or tab- or semicolon-separated text) read through a profile: columns found by their
//! header names, Japanese ones included, or by position.
//!
//! The header is matched after the same normalisation as values (ｶﾅ氏名 finds カナ氏名), and a
//! column the profile names but the header lacks stops the input before the first record,
//! naming the place in the profile. Rows are read as the contract CSV reads them
//! ([`super::super::csv`]): one record a line, through [`Lines`], so a stray quote costs only
//! its own line and no line makes the reader hold more than the record size limit.

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

use super::super::assemble::Batch;
use super::super::csv::{decode_cell, is_blank, Cells, Dialect, Rows, Unclosed};
use super::super::lines::{Line, Lines};
use super::super::normalize;
use super::super::{Encoding, OpenError, OpenErrorKind, Origin, Record, RecordError, Unread};
use super::{finish, Layout, Place, Profile, ProfileError, Values};

/// The most header cells looked at: far more than any export has, and few enough that a
/// hostile first line cannot make the reader hold a span per byte.
const MAX_HEADER_COLUMNS: usize = 1024;

/// Rows of a profiled CSV input after its header.
pub(crate) struct DelimitedRecords<R> {
    rows: Rows<R>,
    profile: Arc<Profile>,
    encoding: Encoding,
    /// The CSV column of each profile column.
    columns: Vec<usize>,
    /// Cells kept per row: up to the last column the profile reads.
    keep: usize,
    /// Fields every row must have: the header's count, or enough for the last position read.
    width: usize,
    /// Whether rows must have exactly `width` fields (with a header) or at least that many.
    exact: bool,
    values: Values,
}

impl<R: BufRead> DelimitedRecords<R> {
    /// Reads the header, if there is one, and finds every column the profile names. `offset`
    /// is where the reader starts in the input (after a byte order mark).
    pub(crate) fn open(
        reader: R,
        file: &str,
        profile: Arc<Profile>,
        max_record_bytes: usize,
        offset: u64,
    ) -> Result<Self, OpenError> {
        let Layout::Delimited {
            encoding,
            delimiter,
            quote,
            header,
        } = profile.layout
        else {
            unreachable!("a delimited reader is made for delimited profiles only")
        };
        let dialect = Dialect {
            delimiter,
            quote,
            cp932_trail_bytes: encoding == Encoding::Cp932
                && (delimiter >= 0x40 || quote.is_some_and(|q| q >= 0x40)),
        };
        let mut lines = Lines::new(reader, max_record_bytes, offset);
        let names = match header {
            true => Some(header_names(&mut lines, file, dialect, encoding)?),
            false => None,
        };
        let columns = locate(&profile, names.as_deref(), file).map_err(|e| OpenError {
            file: file.to_owned(),
            line: Some(lines.line().max(1)),
            kind: OpenErrorKind::Profile(Box::new(e)),
            hint: None,
        })?;
        let keep = columns.iter().map(|&c| c + 1).max().unwrap_or(0);
        Ok(DelimitedRecords {
            rows: Rows::new(lines, Cells::with_dialect(dialect)),
            encoding,
            keep,
            width: names.as_ref().map_or(keep, Vec::len),
            exact: names.is_some(),
            columns,
            profile,
            values: Values::new(),
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

    /// Bytes held for the current line and its values.
    pub(crate) fn buffered(&self) -> usize {
        self.rows.buffered() + self.values.buffered()
    }

    fn record(
        &mut self,
        origin: Origin,
        batch: &mut Batch,
    ) -> Result<(Origin, Record), RecordError> {
        let quote_hint = "a value cannot continue onto the next line: close the quote, and write a quote inside a quoted value twice";
        if let Err(problem) = self
            .rows
            .split(self.keep, self.width, self.exact, quote_hint)
        {
            return Err(problem.at(origin, None, false));
        }
        let line = self.rows.lines.text();
        let raw: Vec<Cow<[u8]>> = self.rows.cells.unquoted(line).collect();
        let (columns, encoding) = (&self.columns, self.encoding);
        let problem = self.values.fill(&self.profile, |column, field, _, out| {
            out.push_str(&decode_cell(&raw[columns[column]], field, encoding)?);
            Ok(())
        });
        finish(
            &self.profile,
            batch,
            origin,
            &self.values,
            problem,
            None,
            |_| None,
        )
    }
}

/// Reads the header line and returns its names, decoded (undecodable bytes become U+FFFD,
/// which matches no name), trimmed and normalised like values.
fn header_names<R: BufRead>(
    lines: &mut Lines<R>,
    file: &str,
    dialect: Dialect,
    encoding: Encoding,
) -> Result<Vec<String>, OpenError> {
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
    match found {
        Line::End => return Err(open_error(None, OpenErrorKind::MissingHeader)),
        Line::TooLong => {
            let why = format!("longer than the limit of {} bytes", lines.limit());
            return Err(open_error(line, OpenErrorKind::MalformedHeader(why)));
        }
        Line::Read => {}
    }
    let mut cells = Cells::with_dialect(dialect);
    if let Err(Unclosed { column }) = cells.split(lines.text(), MAX_HEADER_COLUMNS) {
        let why = format!("the quote opened in column {column} is not closed on the line");
        return Err(open_error(line, OpenErrorKind::MalformedHeader(why)));
    }
    if cells.count > MAX_HEADER_COLUMNS {
        let why = format!(
            "{} columns, more than the {MAX_HEADER_COLUMNS} read",
            cells.count
        );
        return Err(open_error(line, OpenErrorKind::MalformedHeader(why)));
    }
    Ok(cells
        .unquoted(lines.text())
        .map(|bytes| {
            let name = match encoding {
                Encoding::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
                Encoding::Cp932 => encoding_rs::SHIFT_JIS
                    .decode_without_bom_handling(&bytes)
                    .0
                    .into_owned(),
            };
            normalize::text(name.trim_matches(|c: char| c.is_whitespace())).into_owned()
        })
        .collect())
}

/// The CSV column of each profile column: its position, or its name's place in the header.
fn locate(
    profile: &Profile,
    header: Option<&[String]>,
    file: &str,
) -> Result<Vec<usize>, ProfileError> {
    profile
        .columns
        .iter()
        .map(|column| match (column.place, header) {
            (Place::Position(i), _) => Ok(i),
            (Place::Header, Some(names)) => {
                let wanted = normalize::text(&column.name);
                let mut found = names.iter().enumerate().filter(|(_, n)| **n == wanted);
                match (found.next(), found.next()) {
                    (Some((i, _)), None) => Ok(i),
                    (Some((a, _)), Some((b, _))) => Err(profile.error_at(
                        column.at,
                        format!(
                            "column `{}` appears twice in the header of {file} (columns {} and {})",
                            column.name,
                            a + 1,
                            b + 1
                        ),
                        Some("give the one to read by its position in [columns]".into()),
                    )),
                    (None, _) => Err(missing_column(profile, column, names, file)),
                }
            }
            // A header column without a header: the parser allows names only with `header = true`.
            (_, _) => Err(profile.error_at(
                column.at,
                format!("column `{}` has no position", column.name),
                None,
            )),
        })
        .collect()
}

/// A column the header lacks. The hint suggests a header name only when it is a near miss:
/// a first row that is data rather than a header holds names, which must not reach stderr.
fn missing_column(
    profile: &Profile,
    column: &super::Column,
    names: &[String],
    file: &str,
) -> ProfileError {
    let known = profile
        .columns
        .iter()
        .filter(|c| c.place == Place::Header)
        .any(|c| names.contains(&normalize::text(&c.name).into_owned()));
    let hint = if !known {
        "the first row names none of the profile's columns: if the file has no header, set header = false and give each column's position in [columns]".to_owned()
    } else {
        match crate::layout::closest(&column.name, names.iter().map(String::as_str)) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!(
                "the header has {} columns; name one of them, or give a position in [columns]",
                names.len()
            ),
        }
    };
    profile.error_at(
        column.at,
        format!("column `{}` is not in the header of {file}", column.name),
        Some(hint),
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::{error, record};
    use super::super::super::{from_reader, Format, ReadOptions, RecordErrorKind};
    use super::*;

    const PROFILE: &str = r#"
[input]
format = "csv"

[fields]
record_id = { column = "宛名番号" }
scheme = { column = "制度区分", codes = { "1" = "kokuho", "2" = "kouki" } }
insurer_number = { column = "保険者番号" }
number = { column = "被保険者番号" }
name = { columns = ["氏", "名"] }
name_kana = { columns = ["カナ氏", "カナ名"] }
sex = { column = "性別", codes = { "1" = "男", "2" = "女" } }
birth_date = { column = "生年月日", date = "wareki" }
qualified_date = { column = "資格取得日", date = "yyyymmdd" }
issue_date = { value = "2025-08-01" }
has_myna_hoken = { column = "マイナ保険証", boolean = { true = ["有"], false = ["無"] } }
"#;

    type Results = Vec<Result<(Origin, Record), RecordError>>;

    const HEADER: &str = "宛名番号,制度区分,保険者番号,被保険者番号,氏,名,ｶﾅ氏,ｶﾅ名,性別,生年月日,資格取得日,マイナ保険証";

    fn read(profile: &str, text: &str) -> Result<Results, OpenError> {
        let profile = Profile::from_toml(profile, "profile.toml").expect("valid profile");
        let options = ReadOptions {
            profile: Some(Arc::new(profile)),
            ..ReadOptions::default()
        };
        from_reader(text.as_bytes(), "members.csv", Format::Csv, &options).map(Iterator::collect)
    }

    #[test]
    fn japanese_headers_with_joins_codes_and_dates() {
        let text = format!(
            "{HEADER}\r\nR1,2,39100011,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,S20.2.3,20200203,無\r\n"
        );
        let results = read(PROFILE, &text).expect("opens");
        let r = record(&results[0]);
        assert_eq!(r.name, "山本 正");
        assert_eq!(r.name_kana.as_deref(), Some("ヤマモト タダシ"));
        assert_eq!(r.scheme, crate::record::Scheme::Kouki);
        assert_eq!(r.birth_date.to_string(), "1945-02-03");
        assert!(!r.has_myna_hoken);
        assert_eq!(
            results[0].as_ref().map(|(o, _)| (o.line, o.index)).ok(),
            Some((2, 1))
        );
    }

    #[test]
    fn a_column_the_header_lacks_stops_with_the_profile_position() {
        let text = HEADER.replace("生年月日", "誕生日");
        let err = read(PROFILE, &format!("{text}\n")).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "profile.toml:13:25: column `生年月日` is not in the header of members.csv\n  hint: the header has 12 columns; name one of them, or give a position in [columns]"
        );
        let near = read(
            PROFILE,
            &format!("{}\n", HEADER.replace("生年月日", "生年月曰")),
        )
        .expect_err("refused");
        assert_eq!(near.hint(), Some("did you mean `生年月曰`?"));
    }

    #[test]
    fn a_data_row_taken_for_a_header_stays_out_of_the_message() {
        let err = read(PROFILE, "R1,2,39100011,10234567,山本,正\n").expect_err("refused");
        let message = err.to_string();
        assert!(!message.contains("山本"), "{message}");
        assert!(message.contains("set header = false"), "{message}");
    }

    #[test]
    fn positions_without_a_header_and_tab_separation() {
        let profile = r#"
[input]
format = "csv"
delimiter = "\t"
header = false
quote = ""

[columns]
id = { position = 1 }
name = { position = 2 }

[fields]
record_id = { column = "id" }
scheme = { value = "kouki" }
insurer_number = { value = "39100011" }
number = { column = "id" }
name = { column = "name" }
sex = { value = "2" }
birth_date = { value = "1948-11-03" }
qualified_date = { value = "2023-11-03" }
issue_date = { value = "2025-08-01" }
has_myna_hoken = { value = "false" }
"#;
        let results = read(profile, "12345678\t\"鈴木 花子\"\n12345679\n").expect("opens");
        assert_eq!(record(&results[0]).name, "\"鈴木 花子\"");
        let err = error(&results[1]);
        assert_eq!(
            err.kind(),
            &RecordErrorKind::FieldCount {
                expected: 2,
                found: 1
            }
        );
    }

    #[test]
    fn value_errors_name_field_and_source_column() {
        let text =
            format!("{HEADER}\nR1,2,39100011,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,H31.5.1,20200203,無\n");
        let results = read(PROFILE, &text).expect("opens");
        assert_eq!(
            error(&results[0]).to_string(),
            "members.csv:2 (record 1, field `birth_date` from column `生年月日`): invalid date (after the last day of 平成 (2019-04-30))\n  hint: from 2019-05-01 on, write the date in 令和"
        );
        let text =
            format!("{HEADER}\nR1,2,3910001,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,S20.2.3,20200203,無\n");
        let results = read(PROFILE, &text).expect("opens");
        assert_eq!(
            error(&results[0]).to_string(),
            "members.csv:2 (record 1, field `insurer_number` from column `保険者番号`): invalid insurer number `3910001` (expected 8 digits starting 39 for kouki, found 7 digits)"
        );
    }

    #[test]
    fn a_header_only_file_has_no_records_and_an_empty_file_stops() {
        assert!(read(PROFILE, &format!("{HEADER}\n"))
            .expect("opens")
            .is_empty());
        let err = read(PROFILE, "").expect_err("empty");
        assert_eq!(err.kind(), &OpenErrorKind::MissingHeader);
    }

    fn row(id: &str) -> String {
        format!("{id},2,39100011,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,S20.2.3,20200203,無")
    }

    #[test]
    fn a_stray_quote_costs_only_its_own_line() {
        let stray = row("R2").replace("山本", "\"山本");
        let text = format!("{HEADER}\n{}\n{stray}\n{}\n", row("R1"), row("R3"));
        let results = read(PROFILE, &text).expect("opens");
        assert_eq!(results.len(), 3);
        assert_eq!(
            error(&results[1]).to_string(),
            "members.csv:3 (record 2): failed to parse CSV (the quote opened in column 5 is not closed on the line)\n  hint: a value cannot continue onto the next line: close the quote, and write a quote inside a quoted value twice"
        );
        assert_eq!(record(&results[2]).record_id, "R3");
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_without_being_held() {
        let profile = Profile::from_toml(PROFILE, "profile.toml").expect("valid profile");
        let options = ReadOptions {
            profile: Some(Arc::new(profile)),
            max_record_bytes: 300,
            ..ReadOptions::default()
        };
        let long = format!("\"{}", "x".repeat(100_000));
        let text = format!("{HEADER}\n{long}\n{}\n", row("R1"));
        let mut records =
            from_reader(text.as_bytes(), "members.csv", Format::Csv, &options).expect("opens");
        let first = records.next().expect("a result");
        assert_eq!(
            error(&first).kind(),
            &RecordErrorKind::TooLong { limit: 300 }
        );
        assert!(
            records.buffered_bytes() <= 300 + 12 * 24,
            "{}",
            records.buffered_bytes()
        );
        assert!(records.next().expect("a result").is_ok());
        assert!(records.next().is_none());
    }

    #[test]
    fn a_delimiter_that_is_also_a_cp932_trail_byte_splits_only_between_characters() {
        // ポ is 0x83 0x7C in CP932: its second byte is `|`.
        let profile = PROFILE.replace(
            "format = \"csv\"",
            "format = \"csv\"\ndelimiter = \"|\"\nencoding = \"cp932\"",
        );
        let text = format!("{HEADER}\n{}\n", row("R1").replace("山本", "ポール")).replace(',', "|");
        let bytes = encoding_rs::SHIFT_JIS.encode(&text).0.into_owned();
        assert!(bytes.windows(2).any(|w| w == [0x83, b'|']));
        let profile = Profile::from_toml(&profile, "profile.toml").expect("valid profile");
        let options = ReadOptions {
            profile: Some(Arc::new(profile)),
            ..ReadOptions::default()
        };
        let results: Results = from_reader(&bytes[..], "members.csv", Format::Csv, &options)
            .expect("opens")
            .collect();
        assert_eq!(record(&results[0]).name, "ポール 正");
    }
}
