//! What can go wrong reading records, and how it is told.
//!
//! Values in records are personal data. [`RecordError`]'s `Display` (for stderr and
//! logs) quotes a value only when [`Field::value_in_messages`] allows it; the value
//! itself travels to the error report through [`RecordError::report_entry`].

use std::fmt;

use serde::Serialize;

use super::{Field, Origin};

/// Occurs when one record cannot be read; the other records are unaffected unless
/// [`RecordError::ends_input`] says so.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    pub(crate) origin: Origin,
    pub(crate) record_id: Option<String>,
    pub(crate) field: Option<Field>,
    pub(crate) kind: RecordErrorKind,
    pub(crate) hint: Option<String>,
    pub(crate) value: Option<Redacted>,
    pub(crate) ends_input: bool,
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordErrorKind {
    /// Occurs when the input cannot be read further (an I/O error); the input ends here.
    Read(String),
    /// Occurs when a JSON Lines line or a JSON array is not well-formed JSON.
    /// In a JSON array the input ends here: there is no safe place to resume.
    Json {
        /// serde_json's description, without its position.
        message: String,
        /// 1-based column (in bytes) on the record's line.
        column: u64,
    },
    /// Occurs when a CSV row has a different number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// Occurs when a CSV line ends inside quotes. No field may hold a line break, so the
    /// quote is a mistake; the line is the record, and reading goes on at the next line.
    UnclosedQuote {
        /// 1-based column in which the quote was opened.
        column: usize,
    },
    /// Occurs when a record is longer than [`ReadOptions::max_record_bytes`](super::ReadOptions::max_record_bytes).
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Occurs when a JSON Lines line or JSON array element is not an object.
    NotAnObject {
        /// What it is instead, e.g. `an array`.
        found: &'static str,
    },
    /// Occurs when a JSON object has a key that is not in the schema.
    UnknownField {
        /// The key as written.
        key: String,
    },
    /// Occurs when a JSON object gives the same key twice.
    DuplicateField,
    /// Occurs when a value's bytes are not valid in the input's encoding.
    Encoding {
        /// `UTF-8` or `CP932`.
        encoding: &'static str,
        /// 0-based byte offset of the first bad byte in the value.
        offset: usize,
        /// The first bad byte.
        byte: u8,
    },
    /// Occurs when a required field is missing, null or empty.
    Missing,
    /// Occurs when a value is malformed or breaks a rule of its field.
    Invalid {
        /// What is wrong, e.g. `invalid date`.
        what: &'static str,
        /// Why, e.g. `day is past the end of the month`.
        why: String,
    },
    /// Occurs when an earlier record of the same input has the same `record_id`.
    DuplicateId {
        /// The line of the earlier record.
        first_line: u64,
    },
}

/// A value taken from the input, kept out of `Debug` output because it may be personal data.
#[derive(Clone, PartialEq)]
pub(crate) struct Redacted(pub(crate) String);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl RecordError {
    /// Where the record is.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The record's `record_id`, if it could be read.
    pub fn record_id(&self) -> Option<&str> {
        self.record_id.as_deref()
    }

    /// The field at fault, if the error is about one field.
    pub fn field(&self) -> Option<Field> {
        self.field
    }

    /// Why the record could not be read.
    pub fn kind(&self) -> &RecordErrorKind {
        &self.kind
    }

    /// What to do about it, if there is something specific to say.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The offending value as given (personal data: for the error report only).
    pub fn value(&self) -> Option<&str> {
        self.value.as_ref().map(|v| v.0.as_str())
    }

    /// Whether the input ends with this error (an I/O error, or a malformed JSON array):
    /// records after it were not read.
    pub fn ends_input(&self) -> bool {
        self.ends_input
    }

    /// The line for the JSON Lines error report, which may hold the value.
    pub fn report_entry(&self) -> ErrorReportEntry {
        ErrorReportEntry {
            file: self.origin.file.clone(),
            line: self.origin.line,
            column: self.column(),
            record: self.origin.index,
            record_id: self.record_id.clone(),
            field: self.field_name(),
            reason: self.kind.to_string(),
            value: self.value().map(str::to_owned),
            hint: self.hint.clone(),
        }
    }

    fn column(&self) -> Option<u64> {
        match self.kind {
            RecordErrorKind::Json { column, .. } => Some(column),
            _ => None,
        }
    }

    fn field_name(&self) -> Option<String> {
        match (&self.kind, self.field) {
            (RecordErrorKind::UnknownField { key }, _) => Some(key.clone()),
            (_, field) => field.map(|f| f.name().to_owned()),
        }
    }

    /// The value, if this error may quote it on stderr.
    fn shown_value(&self) -> Option<&str> {
        self.field
            .filter(|f| f.value_in_messages())
            .and(self.value())
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Origin { file, line, index } = &self.origin;
        write!(f, "{file}:{line}")?;
        if let Some(column) = self.column() {
            write!(f, ":{column}")?;
        }
        write!(f, " (record {index}")?;
        if let Some(field) = self.field {
            write!(f, ", field `{field}`")?;
        }
        f.write_str("): ")?;
        self.kind.write(f, self.shown_value())?;
        write_hint(f, self.hint.as_deref())
    }
}

impl std::error::Error for RecordError {}

impl RecordErrorKind {
    /// Writes the reason, quoting `value` where the reason names one.
    fn write(&self, f: &mut fmt::Formatter<'_>, value: Option<&str>) -> fmt::Result {
        let quoted = value
            .map(|v| format!(" `{}`", v.escape_debug()))
            .unwrap_or_default();
        match self {
            RecordErrorKind::Read(cause) => write!(f, "failed to read input ({cause})"),
            RecordErrorKind::Json { message, .. } => write!(f, "failed to parse JSON ({message})"),
            RecordErrorKind::FieldCount { expected, found } => {
                write!(f, "failed to parse CSV (found {found} instead of {expected} fields)")
            }
            RecordErrorKind::UnclosedQuote { column } => write!(
                f,
                "failed to parse CSV (the quote opened in column {column} is not closed on the line)"
            ),
            RecordErrorKind::TooLong { limit } => {
                write!(f, "failed to read record (longer than the limit of {limit} bytes)")
            }
            RecordErrorKind::NotAnObject { found } => {
                write!(f, "failed to read record (expected a JSON object, found {found})")
            }
            RecordErrorKind::UnknownField { key } => write!(f, "unknown field `{}`", key.escape_debug()),
            RecordErrorKind::DuplicateField => f.write_str("field given twice"),
            RecordErrorKind::Encoding { encoding, offset, byte } => write!(
                f,
                "failed to decode value (byte 0x{byte:02X} at offset {offset} is not valid {encoding})"
            ),
            RecordErrorKind::Missing => f.write_str("missing required value"),
            RecordErrorKind::Invalid { what, why } => write!(f, "{what}{quoted} ({why})"),
            RecordErrorKind::DuplicateId { first_line } => {
                write!(f, "duplicate record_id{quoted} (first used on line {first_line})")
            }
        }
    }
}

/// The reason without any value, as the error report's `reason`.
impl fmt::Display for RecordErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, None)
    }
}

/// Where reading stopped before the end of an input: nothing from here on was read.
///
/// Occurs after an I/O error, or where a JSON array's syntax breaks (there is no safe
/// place to resume in an array). CSV and JSON Lines otherwise go on at the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// 1-based line of the first byte not read.
    pub line: u64,
    /// 0-based offset in the file of the first byte not read.
    pub byte: u64,
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "input not read from line {} (byte {}) on",
            self.line, self.byte
        )
    }
}

/// One line of the JSON Lines error report: a [`RecordError`] with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReportEntry {
    /// The input file.
    pub file: String,
    /// 1-based line the record starts on (for malformed JSON: the line of the fault).
    pub line: u64,
    /// 1-based column of a JSON syntax fault.
    pub column: Option<u64>,
    /// 1-based record number within the file.
    pub record: u64,
    /// The record's `record_id`, if it could be read.
    pub record_id: Option<String>,
    /// The field at fault, or the unknown key as written.
    pub field: Option<String>,
    /// Why, without the value.
    pub reason: String,
    /// The offending value as given (personal data).
    pub value: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

/// Occurs when an input cannot be read at all: stop before the first record, as for
/// any bad configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError {
    pub(crate) file: String,
    pub(crate) line: Option<u64>,
    pub(crate) kind: OpenErrorKind,
    pub(crate) hint: Option<String>,
}

/// Why an input could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenErrorKind {
    /// Occurs when the file cannot be opened or its first bytes cannot be read.
    Io(String),
    /// Occurs when no format was given and the file's extension names none.
    UnknownFormat,
    /// Occurs when the encoding cannot be read: JSON declared CP932 (JSON is always
    /// UTF-8), a CP932 file that starts with a UTF-8 byte order mark, or UTF-16.
    Encoding(&'static str),
    /// Occurs when a CSV file has no header row.
    MissingHeader,
    /// Occurs when a CSV header names a column that is not in the schema. Every record
    /// would fail, so this is treated as bad configuration rather than bad records. The
    /// cell is not quoted: when the header is missing, the first row is a member's data.
    UnknownColumn {
        /// 1-based column number.
        column: usize,
    },
    /// Occurs when the CSV header line cannot be split into cells (a quote not closed,
    /// a line past the record size limit).
    MalformedHeader(String),
    /// Occurs when a CSV header names the same field twice.
    DuplicateColumn {
        /// The field.
        field: Field,
        /// 1-based column numbers of both.
        columns: (usize, usize),
    },
    /// Occurs when a CSV header lacks a required field.
    MissingColumn(Field),
    /// Occurs when a JSON array input does not start with `[`.
    NotAnArray {
        /// What it starts with: a character, or `end of input`.
        found: String,
    },
}

impl OpenError {
    /// An input that cannot be opened or read from the start.
    pub fn io(file: String, e: std::io::Error) -> OpenError {
        OpenError {
            file,
            line: None,
            kind: OpenErrorKind::Io(e.to_string()),
            hint: None,
        }
    }

    /// The input, as named by the caller.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// 1-based line of the fault (the CSV header's line, or where a JSON array should start).
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// Why the input could not be opened.
    pub fn kind(&self) -> &OpenErrorKind {
        &self.kind
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.kind)?;
        write_hint(f, self.hint.as_deref())
    }
}

impl fmt::Display for OpenErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenErrorKind::Io(cause) => write!(f, "failed to open input ({cause})"),
            OpenErrorKind::UnknownFormat => {
                f.write_str("failed to choose an input format (unknown file extension)")
            }
            OpenErrorKind::Encoding(why) => write!(f, "failed to decode input ({why})"),
            OpenErrorKind::MissingHeader => {
                f.write_str("failed to read CSV header (the file is empty)")
            }
            OpenErrorKind::UnknownColumn { column } => write!(
                f,
                "failed to read CSV header (column {column} is not a field name)"
            ),
            OpenErrorKind::MalformedHeader(why) => write!(f, "failed to read CSV header ({why})"),
            OpenErrorKind::DuplicateColumn {
                field,
                columns: (a, b),
            } => write!(
                f,
                "failed to read CSV header (column `{field}` appears twice, in columns {a} and {b})"
            ),
            OpenErrorKind::MissingColumn(field) => {
                write!(
                    f,
                    "failed to read CSV header (missing required column `{field}`)"
                )
            }
            OpenErrorKind::NotAnArray { found } => {
                write!(f, "failed to read JSON array (expected `[`, found {found})")
            }
        }
    }
}

impl std::error::Error for OpenError {}

fn write_hint(f: &mut fmt::Formatter<'_>, hint: Option<&str>) -> fmt::Result {
    match hint {
        Some(hint) => write!(f, "\n  hint: {hint}"),
        None => Ok(()),
    }
}
