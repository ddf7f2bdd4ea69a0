//! CSV (or tab- or semicolon-separated text) read through a profile: columns found by their
//! header names, Japanese ones included, or by position.
//!
//! The header is matched after the same normalisation as values (ｶﾅ氏名 finds カナ氏名), and a
//! column the profile names but the header lacks stops the input before the first record,
//! naming the place in the profile.

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

use ::csv::{ByteRecord, ReaderBuilder, Terminator};

use super::super::assemble::{Batch, Problem};
use super::super::csv::{is_blank, start_line};
use super::super::normalize;
use super::super::{
    Encoding, Field, OpenError, OpenErrorKind, Origin, Record, RecordError, RecordErrorKind,
};
use super::{decode, finish, values, Layout, Place, Profile, ProfileError};

/// Rows of a profiled CSV input after its header.
pub(crate) struct DelimitedRecords<R> {
    reader: ::csv::Reader<R>,
    profile: Arc<Profile>,
    encoding: Encoding,
    /// The CSV column of each profile column.
    cells: Vec<usize>,
    /// Fields every row must have: the header's count, or enough for the last position read.
    width: usize,
    /// Whether rows must have exactly `width` fields (with a header) or at least that many.
    exact: bool,
    max_record_bytes: usize,
    row: ByteRecord,
    values: Vec<String>,
    index: u64,
    done: bool,
}

impl<R: BufRead> DelimitedRecords<R> {
    /// Reads the header, if there is one, and finds every column the profile names.
    pub(crate) fn open(
        reader: R,
        file: &str,
        profile: Arc<Profile>,
        max_record_bytes: usize,
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
        let mut builder = ReaderBuilder::new();
        builder
            .has_headers(false)
            .flexible(true)
            .terminator(Terminator::Any(b'\n'))
            .delimiter(delimiter);
        match quote {
            Some(quote) => builder.quote(quote),
            None => builder.quoting(false),
        };
        let mut reader = builder.from_reader(reader);
        let open_error = |line, kind| OpenError {
            file: file.to_owned(),
            line,
            kind,
            hint: None,
        };
        let names = if header {
            let mut row = ByteRecord::new();
            match reader.read_byte_record(&mut row) {
                Ok(true) => {}
                Ok(false) => return Err(open_error(None, OpenErrorKind::MissingHeader)),
                Err(e) => return Err(open_error(None, OpenErrorKind::Io(e.to_string()))),
            }
            Some(header_names(&row, encoding))
        } else {
            None
        };
        let cells = locate(&profile, names.as_deref(), file)
            .map_err(|e| open_error(Some(1), OpenErrorKind::Profile(Box::new(e))))?;
        let needed = cells.iter().map(|&c| c + 1).max().unwrap_or(0);
        Ok(DelimitedRecords {
            reader,
            encoding,
            width: names.as_ref().map_or(needed, Vec::len),
            exact: names.is_some(),
            cells,
            profile,
            max_record_bytes,
            row: ByteRecord::new(),
            values: vec![String::new(); Field::ALL.len()],
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
                    self.done = true;
                    let origin = batch.origin(self.reader.position().line(), self.index + 1);
                    let problem = Problem::record(RecordErrorKind::Read(e.to_string()));
                    return Some(Err(problem.at(origin, None, true)));
                }
            }
        }
        None
    }

    fn record(&mut self, batch: &mut Batch) -> Result<(Origin, Record), RecordError> {
        let origin = batch.origin(start_line(&self.row, &self.reader), self.index);
        let found = self.row.len();
        let shape = if self.row.as_slice().len() > self.max_record_bytes {
            Some(RecordErrorKind::TooLong {
                limit: self.max_record_bytes,
            })
        } else if found < self.width || (self.exact && found != self.width) {
            Some(RecordErrorKind::FieldCount {
                expected: self.width,
                found,
            })
        } else {
            None
        };
        if let Some(kind) = shape {
            return Err(Problem::record(kind).at(origin, None, false));
        }
        let (row, cells, encoding) = (&self.row, &self.cells, self.encoding);
        let last = found.saturating_sub(1);
        let bytes = |i: usize| {
            let bytes = row.get(i).unwrap_or_default();
            // Only LF ends a row (see the contract reader): the last cell keeps a CRLF's CR.
            match bytes {
                [head @ .., b'\r'] if i == last => head,
                _ => bytes,
            }
        };
        let problem = values(
            &self.profile,
            |column, field, _| cell(bytes(cells[column]), encoding, field),
            &mut self.values,
        );
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

/// The header's names, decoded (undecodable bytes become U+FFFD, which matches no name),
/// trimmed and normalised like values.
fn header_names(row: &ByteRecord, encoding: Encoding) -> Vec<String> {
    row.iter()
        .map(|bytes| {
            let name = match encoding {
                Encoding::Utf8 => String::from_utf8_lossy(bytes),
                Encoding::Cp932 => encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes).0,
            };
            normalize::text(name.trim_matches(|c: char| c.is_whitespace())).into_owned()
        })
        .collect()
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

fn cell(bytes: &[u8], encoding: Encoding, field: Field) -> Result<Cow<'_, str>, Problem> {
    decode(bytes, encoding).map_err(|(offset, byte)| {
        let kind = RecordErrorKind::Encoding {
            encoding: encoding.name(),
            offset,
            byte,
        };
        let lossy = match encoding {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Cp932 => encoding_rs::SHIFT_JIS
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        };
        Problem::field(field, kind).with_value(Some(lossy))
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::{error, record};
    use super::super::super::{from_reader, Format, ReadOptions};
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
            "{HEADER}\r\nR1,2,39100015,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,S20.2.3,20200203,無\r\n"
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
        let err = read(PROFILE, "R1,2,39100015,10234567,山本,正\n").expect_err("refused");
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
insurer_number = { value = "39100015" }
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
            format!("{HEADER}\nR1,2,39100015,10234567,山本,正,ﾔﾏﾓﾄ,ﾀﾀﾞｼ,1,H31.5.1,20200203,無\n");
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
}
