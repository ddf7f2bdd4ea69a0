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

/// One record's contract values, one string per field (empty for none), reused record to
/// record so that reading a record allocates nothing of its own.
pub(crate) struct Values {
    by_field: Vec<String>,
    /// A field's source text before a conversion other than [`Conversion::Text`].
    scratch: String,
}

impl Values {
    pub(crate) fn new() -> Values {
        Values {
            by_field: vec![String::new(); Field::ALL.len()],
            scratch: String::new(),
        }
    }

    /// Bytes held.
    pub(crate) fn buffered(&self) -> usize {
        self.by_field.iter().map(String::capacity).sum::<usize>() + self.scratch.capacity()
    }

    /// Fills in every field, from a function that appends a column's cell to a string
    /// (decoded; it may already drop the padding the rule's trim would). Cells are written
    /// straight into the field they give unless a conversion reads them first. Stops at the
    /// first problem, as the field rules do.
    fn fill(
        &mut self,
        profile: &Profile,
        mut cell: impl FnMut(usize, Field, Trim, &mut String) -> Result<(), Problem>,
    ) -> Option<CellProblem> {
        for value in &mut self.by_field {
            value.clear();
        }
        for rule in &profile.rules {
            let out = &mut self.by_field[rule.field as usize];
            let (text, column) = match &rule.source {
                Source::Value(value) => (value.as_str(), usize::MAX),
                Source::Columns { columns, join } => {
                    let in_place = rule.convert == Conversion::Text;
                    let text = if in_place {
                        &mut *out
                    } else {
                        &mut self.scratch
                    };
                    text.clear();
                    for &column in columns {
                        let joined = text.len();
                        if joined > 0 {
                            text.push_str(join);
                        }
                        let start = text.len();
                        if let Err(problem) = cell(column, rule.field, rule.trim, text) {
                            return Some(CellProblem { problem, column });
                        }
                        if text.len() > start {
                            trim_from(text, start, rule.trim);
                        }
                        if text.len() == start {
                            text.truncate(joined); // a blank part joins nothing
                        }
                    }
                    if in_place {
                        continue;
                    }
                    (self.scratch.as_str(), columns[0])
                }
            };
            if let Err(invalid) = rule.convert.write(text, out) {
                let kind = super::RecordErrorKind::Invalid {
                    what: invalid.what,
                    why: invalid.why,
                };
                let mut problem = Problem::field(rule.field, kind).with_value(Some(text.into()));
                problem.hint = invalid.hint;
                return Some(CellProblem { problem, column });
            }
        }
        None
    }
}

/// Trims `text[start..]`, a cell just appended, as the rule says.
fn trim_from(text: &mut String, start: usize, trim: Trim) {
    let part = &text[start..];
    let kept = trim.apply(part);
    if kept.len() == part.len() {
        return;
    }
    let lead = kept.as_ptr() as usize - part.as_ptr() as usize;
    let end = start + lead + kept.len();
    text.truncate(end);
    text.drain(start..start + lead);
}

/// Turns one record's values into a [`Record`] through the shared field rules, and names the
/// source column of whatever is wrong. `byte` is the record's offset in the file (fixed
/// width), `column_byte` gives a column's.
fn finish(
    profile: &Profile,
    batch: &mut Batch,
    origin: Origin,
    values: &Values,
    problem: Option<CellProblem>,
    byte: Option<u64>,
    column_byte: impl Fn(usize) -> Option<u64>,
) -> Result<(Origin, Record), RecordError> {
    // An empty value is an absent one to the field rules; leaving its slot empty spares the
    // unmapped fields (a third of the contract's) the normalisation and checks.
    let mut slots = empty_slots();
    for (slot, value) in slots.iter_mut().zip(&values.by_field) {
        if !value.is_empty() {
            *slot = Some(Raw::Text(value));
        }
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

/// Appends a cell decoded from the profile's encoding to `out`, or says which byte is wrong
/// (and appends nothing). CP932 decodes straight into `out`, without a string of its own.
fn decode_into(bytes: &[u8], encoding: Encoding, out: &mut String) -> Result<(), (usize, u8)> {
    let bad = |offset: usize| (offset, bytes.get(offset).copied().unwrap_or_default());
    // ASCII (most cells: numbers, codes, dates) reads the same in both encodings.
    if encoding == Encoding::Utf8 || bytes.is_ascii() {
        let text = std::str::from_utf8(bytes).map_err(|e| bad(e.valid_up_to()))?;
        out.push_str(text);
        return Ok(());
    }
    let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    // At most three bytes of UTF-8 a byte: no overflow for a cell of a bounded record.
    let most = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3);
    out.reserve(most);
    let start = out.len();
    let (result, _) = decoder.decode_to_string_without_replacement(bytes, out, true);
    if result != encoding_rs::DecoderResult::InputEmpty {
        out.truncate(start);
        return Err(bad(super::csv::cp932_error_offset(bytes)));
    }
    Ok(())
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
