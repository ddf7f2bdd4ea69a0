//! Input profiles: a municipality's own export read as it is, without a converter.
//!
//! A 国保 or 後期高齢者医療 system exports what it always has: CSV with Japanese headers, or
//! fixed-width (固定長) CP932 records from a host, with codes (性別 1/2), 元号コード dates
//! (5070801), 0/1 flags and padding. A profile (TOML, `docs/records.md`) says where each
//! contract field is in such a file and how its spelling converts. The readers here turn
//! each record into the same field values a contract CSV would give, and hand them to the
//! same field rules ([`super::assemble`]): every rule and error path is shared, and a
//! profiled record is exactly as valid as a typed one.
//!
//! Errors name the file, the line (for fixed-width also the byte offset), the contract field
//! and the source column; a profile that cannot fit the file stops before the first record.

mod convert;
mod delimited;
mod fixed;
mod toml;

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use super::assemble::{empty_slots, Batch, Problem};
use super::error::SourceRef;
use super::value::Raw;
use super::{Encoding, Field, OpenError, Origin, Record, RecordError, Unread};
use convert::{Conversion, Trim};

pub(crate) use delimited::DelimitedRecords;
pub(crate) use fixed::FixedRecords;

/// How to read one export format into records: its layout, and for each contract field the
/// source column(s) and conversion. Built by [`Profile::from_path`] or [`Profile::from_toml`],
/// which check it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    file: String,
    layout: Layout,
    /// Every column named in `[columns]` or by a field, in that order.
    columns: Vec<Column>,
    /// One rule per mapped contract field, in schema order.
    rules: Vec<Rule>,
}

/// The syntax of a profiled file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// CSV or another delimited text.
    Delimited {
        encoding: Encoding,
        delimiter: u8,
        /// `None`: no quoting at all.
        quote: Option<u8>,
        /// The first row names the columns.
        header: bool,
    },
    /// Fixed-width records of `record_length` bytes.
    Fixed {
        encoding: Encoding,
        record_length: usize,
        line_end: LineEnd,
    },
}

/// What follows each fixed-width record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// A line end: LF, or CRLF (a CR before the LF is dropped either way).
    Lines,
    /// Records follow each other directly, as a host writes them.
    None,
}

/// A source column, as the profile names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    name: String,
    place: Place,
    /// Where the profile names it (line, column), for errors found when the file is opened.
    at: (usize, usize),
}

/// Where a column is in each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Found by its name in the CSV header when the file is opened.
    Header,
    /// 0-based CSV column.
    Position(usize),
    /// 0-based byte range of a fixed-width record.
    Bytes { start: usize, length: usize },
}

/// One contract field: where its value comes from and how it converts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    field: Field,
    source: Source,
    convert: Conversion,
    trim: Trim,
    /// Where the profile gives it (line, column).
    at: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The same value for every record.
    Value(String),
    /// One column, or several joined (氏 + 名) with `join` between the non-blank ones.
    Columns { columns: Vec<usize>, join: String },
}

/// Occurs when a profile cannot be used: it cannot be read, or it says something that would
/// fail every record. Names the profile's file:line:col.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl ProfileError {
    /// What to do about it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        match &self.hint {
            Some(hint) => write!(f, "\n  hint: {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ProfileError {}

impl Profile {
    /// Parses a profile from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Profile, ProfileError> {
        toml::parse(text, file)
    }

    /// Reads a profile file.
    pub fn from_path(path: &Path) -> Result<Profile, ProfileError> {
        let file = path.display().to_string();
        // A profile is configuration: a regular file of bounded size, never a FIFO or device.
        let limit = crate::limits::file::MAX_CONFIG_BYTES;
        let text = crate::limits::read_capped_text(path, limit).map_err(|e| ProfileError {
            file: file.clone(),
            line: 1,
            column: 1,
            message: format!("failed to read input profile ({e})"),
            hint: None,
        })?;
        Profile::from_toml(&text, &file)
    }

    /// The text encoding of the files this profile reads.
    pub fn encoding(&self) -> Encoding {
        match self.layout {
            Layout::Delimited { encoding, .. } | Layout::Fixed { encoding, .. } => encoding,
        }
    }

    /// Whether it reads fixed-width records (otherwise delimited text).
    pub fn is_fixed_width(&self) -> bool {
        matches!(self.layout, Layout::Fixed { .. })
    }

    /// An error about the profile at a place it names, found while opening `input`.
    fn error_at(&self, at: (usize, usize), message: String, hint: Option<String>) -> ProfileError {
        ProfileError {
            file: self.file.clone(),
            line: at.0,
            column: at.1,
            message,
            hint,
        }
    }

    /// The columns a field's value comes from (none for a constant or an unmapped field).
    fn source_names(&self, field: Field) -> Vec<String> {
        match self
            .rules
            .iter()
            .find(|r| r.field == field)
            .map(|r| &r.source)
        {
            Some(Source::Columns { columns, .. }) => columns
                .iter()
                .map(|&c| self.columns[c].name.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The first column a field reads, if any.
    fn first_column(&self, field: Field) -> Option<usize> {
        match &self.rules.iter().find(|r| r.field == field)?.source {
            Source::Columns { columns, .. } => columns.first().copied(),
            Source::Value(_) => None,
        }
    }
}

/// What went wrong reading one cell, and in which column.
pub(crate) struct CellProblem {
    pub(crate) problem: Problem,
    pub(crate) column: usize,
}

/// One record's contract values, from a function that reads a column's cell (decoded; it may
/// already drop the padding the rule's trim would), into `out` (one string per field, empty for none; reused record to record).
/// Stops at the first problem, as the field rules do.
fn values<'c>(
    profile: &Profile,
    mut cell: impl FnMut(usize, Field, Trim) -> Result<Cow<'c, str>, Problem>,
    out: &mut [String],
) -> Option<CellProblem> {
    for value in out.iter_mut() {
        value.clear();
    }
    for rule in &profile.rules {
        let (text, column) = match &rule.source {
            Source::Value(value) => (Cow::Borrowed(value.as_str()), usize::MAX),
            Source::Columns { columns, join } => {
                let mut joined: Option<Cow<'c, str>> = None;
                for &column in columns {
                    let text = match cell(column, rule.field, rule.trim) {
                        Ok(text) => text,
                        Err(problem) => return Some(CellProblem { problem, column }),
                    };
                    let part = trimmed(text, rule.trim);
                    joined = match joined {
                        None => Some(part),
                        Some(so_far) if part.is_empty() => Some(so_far),
                        Some(so_far) if so_far.is_empty() => Some(part),
                        Some(so_far) => Some(Cow::Owned(format!("{so_far}{join}{part}"))),
                    };
                }
                (joined.unwrap_or_default(), columns[0])
            }
        };
        match rule.convert.apply(&text) {
            Ok(Some(value)) => out[rule.field as usize].push_str(&value),
            Ok(None) => {}
            Err(invalid) => {
                let kind = super::RecordErrorKind::Invalid {
                    what: invalid.what,
                    why: invalid.why,
                };
                let mut problem =
                    Problem::field(rule.field, kind).with_value(Some(text.into_owned()));
                problem.hint = invalid.hint;
                return Some(CellProblem { problem, column });
            }
        }
    }
    None
}

fn trimmed(text: Cow<'_, str>, trim: Trim) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(t) => Cow::Borrowed(trim.apply(t)),
        Cow::Owned(t) if trim.apply(&t).len() == t.len() => Cow::Owned(t),
        Cow::Owned(t) => Cow::Owned(trim.apply(&t).to_owned()),
    }
}

/// Turns one record's values into a [`Record`] through the shared field rules, and names the
/// source column of whatever is wrong. `byte` is the record's offset in the file (fixed
/// width), `column_byte` gives a column's.
fn finish(
    profile: &Profile,
    batch: &mut Batch,
    origin: Origin,
    values: &[String],
    problem: Option<CellProblem>,
    byte: Option<u64>,
    column_byte: impl Fn(usize) -> Option<u64>,
) -> Result<(Origin, Record), RecordError> {
    let mut slots = empty_slots();
    for (slot, value) in slots.iter_mut().zip(values) {
        *slot = Some(Raw::Text(value));
    }
    let fault = problem.as_ref().map(|p| p.column);
    batch
        .finish(origin, &slots, problem.map(|p| p.problem))
        .map_err(|mut error| {
            let field = error.field;
            let column = match (fault, field) {
                (Some(c), _) if c != usize::MAX => Some(c),
                (_, Some(field)) => profile.first_column(field),
                _ => None,
            };
            let columns = match (fault, field) {
                (Some(c), _) if c != usize::MAX => vec![profile.columns[c].name.clone()],
                (_, Some(field)) => profile.source_names(field),
                _ => Vec::new(),
            };
            let byte = column.and_then(&column_byte).or(byte);
            if !columns.is_empty() || byte.is_some() {
                error.source = Some(Box::new(SourceRef { columns, byte }));
            }
            error
        })
}

/// Reads records with a profile: delimited or fixed-width.
pub(crate) enum ProfileRecords<R> {
    Delimited(DelimitedRecords<R>),
    Fixed(FixedRecords<R>),
}

impl<R: BufRead> ProfileRecords<R> {
    /// Checks what can be checked before the first record: for CSV the header against the
    /// columns the profile names, for fixed width the line ends. `start` is the file offset of
    /// the reader's first byte.
    pub(crate) fn open(
        reader: R,
        file: &str,
        profile: Arc<Profile>,
        max_record_bytes: usize,
        start: u64,
    ) -> Result<Self, OpenError> {
        match profile.layout {
            Layout::Delimited { .. } => Ok(ProfileRecords::Delimited(DelimitedRecords::open(
                reader,
                file,
                profile,
                max_record_bytes,
                start,
            )?)),
            Layout::Fixed { .. } => Ok(ProfileRecords::Fixed(FixedRecords::open(
                reader,
                file,
                profile,
                max_record_bytes,
                start,
            )?)),
        }
    }

    /// Where reading stopped before the end of the input (an I/O error), if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        match self {
            ProfileRecords::Delimited(records) => records.stopped(),
            ProfileRecords::Fixed(records) => records.stopped(),
        }
    }

    /// Bytes of the input held now.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            ProfileRecords::Delimited(records) => records.buffered(),
            ProfileRecords::Fixed(records) => records.buffered(),
        }
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next(
        &mut self,
        batch: &mut Batch,
    ) -> Option<Result<(Origin, Record), RecordError>> {
        match self {
            ProfileRecords::Delimited(records) => records.next(batch),
            ProfileRecords::Fixed(records) => records.next(batch),
        }
    }
}

/// Decodes a cell in the profile's encoding, or says which byte is wrong.
fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, (usize, u8)> {
    let bad = |offset: usize| (offset, bytes.get(offset).copied().unwrap_or_default());
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| bad(e.valid_up_to())),
        Encoding::Cp932 => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| bad(super::csv::cp932_error_offset(bytes))),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A profile and records shared by the reader tests.

    /// A fixed-width profile over 60-byte CP932 records.
    pub(crate) const FIXED: &str = r#"
[input]
format = "fixed"
record_length = 60

[columns]
"番号" = { start = 1, length = 8 }
"氏" = { start = 9, length = 10 }
"名" = { start = 19, length = 10 }
"カナ" = { start = 29, length = 10 }
"性別" = { start = 39, length = 1 }
"生年月日" = { start = 40, length = 7 }
"資格取得日" = { start = 47, length = 8 }
"マイナ" = { start = 55, length = 1 }
"世帯" = { start = 56, length = 5 }

[fields]
record_id = { column = "番号" }
scheme = { value = "kouki" }
insurer_number = { value = "39100011" }
number = { column = "番号" }
name = { columns = ["氏", "名"] }
name_kana = { column = "カナ" }
sex = { column = "性別", codes = { "1" = "男", "2" = "女" } }
birth_date = { column = "生年月日", date = "era-code" }
qualified_date = { column = "資格取得日", date = "yyyymmdd" }
issue_date = { value = "2025-08-01" }
has_myna_hoken = { column = "マイナ", boolean = { true = ["1"], false = ["0", ""] } }
household_id = { column = "世帯" }
"#;

    /// Pads `text` in CP932 to `width` bytes: half-width spaces, as hosts pad.
    pub(crate) fn pad(text: &str, width: usize) -> Vec<u8> {
        let mut bytes = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
        assert!(bytes.len() <= width, "{text} is wider than {width}");
        bytes.resize(width, b' ');
        bytes
    }

    /// One 60-byte record of [`FIXED`].
    pub(crate) fn fixed_record(number: &str, family: &str, given: &str, kana: &str) -> Vec<u8> {
        [
            pad(number, 8),
            pad(family, 10),
            pad(given, 10),
            pad(kana, 10),
            pad("2", 1),
            pad("3231103", 7),
            pad("20231103", 8),
            pad("1", 1),
            pad("H0452", 5),
        ]
        .concat()
    }
}
