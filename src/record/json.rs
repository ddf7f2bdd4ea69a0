//! JSON Lines and JSON arrays of objects, read one record at a time.
//!
//! A JSON array is split into elements by a streaming syntax check (`syntax.rs`), so only
//! one element is buffered at a time, and none past the record size limit; serde_json then
//! parses that element. Once the array's syntax breaks there is no safe place to resume, so
//! the input ends there, also inside an element too long to hold. An element whose syntax is
//! sound but whose value serde_json refuses (a lone surrogate, a number out of range) costs
//! only itself. JSON Lines resumes at the next line.

use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::assemble::{empty_slots, field_problems, peek_record_id, Batch, Problem, Slots};
use super::lines::{fill, push_bounded, Line, Lines};
use super::value::Raw;
use super::{Field, Origin, Record, RecordError, RecordErrorKind, Unread};
use syntax::{Entry, Step, Syntax};

mod syntax;

/// Results of reading one record.
type Next = Option<Result<(Origin, Record), RecordError>>;

/// A top-level JSON value: an object with its entries in order (duplicates kept, so
/// they can be reported), or what it is instead.
enum Top {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

/// Visits any value without letting serde put it into an error message: those go to
/// stderr, and the value could be a name.
struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            entries.push(entry);
        }
        Ok(Top::Object(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Top::Other("an array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        Ok(Top::Other("null"))
    }
}

fn raw(value: &Value) -> Raw<'_> {
    match value {
        Value::Null => Raw::Null,
        Value::Bool(b) => Raw::Bool(*b),
        Value::Number(n) => Raw::Number(n),
        Value::String(s) => Raw::Text(s),
        Value::Array(_) => Raw::Nested("an array"),
        Value::Object(_) => Raw::Nested("an object"),
    }
}

/// Puts an object's entries into slots; the first unknown or repeated key is the problem.
fn fill_slots<'a>(
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
) -> (Slots<'a>, Option<Problem>) {
    let mut slots = empty_slots();
    let mut problem = None;
    for (key, value) in entries {
        let found = match Field::from_name(key) {
            None => Some(unknown_key(key)),
            Some(field) if slots[field as usize].is_some() => {
                Some(Problem::field(field, RecordErrorKind::DuplicateField))
            }
            Some(field) => {
                slots[field as usize] = Some(raw(value));
                None
            }
        };
        if problem.is_none() {
            problem = found;
        }
    }
    (slots, problem)
}

fn unknown_key(key: &str) -> Problem {
    let problem = Problem::record(RecordErrorKind::UnknownField {
        key: key.to_owned(),
    });
    match Field::suggest(key) {
        Some(field) => problem.with_hint(format!("did you mean `{field}`?")),
        None => problem,
    }
}

/// A parsed top-level value → a record, or the problem with it.
fn top_record(
    top: &Top,
    origin: Origin,
    batch: &mut Batch,
) -> Result<(Origin, Record), RecordError> {
    match top {
        Top::Object(entries) => {
            let (slots, problem) = fill_slots(entries.iter().map(|(k, v)| (k, v)));
            batch.finish(origin, &slots, problem)
        }
        Top::Other(found) => Err(not_an_object(found, origin)),
    }
}

fn not_an_object(found: &'static str, origin: Origin) -> RecordError {
    let problem = Problem::record(RecordErrorKind::NotAnObject { found });
    let problem = match found {
        "an array" => problem
            .with_hint("JSON Lines holds one object per line; for an array of records use .json"),
        _ => problem,
    };
    problem.at(origin, None, false)
}

/// One record from an already parsed JSON value (what the preview server receives).
pub(crate) fn record_from_value(value: &Value, origin: Origin) -> Result<Record, RecordError> {
    let map = match value {
        Value::Object(map) => map,
        other => return Err(not_an_object(raw(other).kind(), origin)),
    };
    let (slots, problem) = fill_slots(map.iter());
    let file = origin.file.clone();
    Batch::new(file)
        .finish(origin, &slots, problem)
        .map(|(_, record)| record)
}

/// Every problem with an already parsed JSON value as a record: the first structural one
/// (not an object, an unknown key), then one per invalid field in schema order.
pub(crate) fn problems_in_value(value: &Value, origin: Origin) -> Vec<RecordError> {
    let map = match value {
        Value::Object(map) => map,
        other => return vec![not_an_object(raw(other).kind(), origin)],
    };
    let (slots, problem) = fill_slots(map.iter());
    let record_id = peek_record_id(&slots);
    problem
        .into_iter()
        .chain(field_problems(&slots))
        .map(|p| p.at(origin.clone(), record_id.clone(), false))
        .collect()
}

/// One record from JSON text, refusing repeated keys (which a `Value` would merge).
pub(crate) fn record_from_slice(bytes: &[u8], origin: Origin) -> Result<Record, RecordError> {
    let mut batch = Batch::new(origin.file.clone());
    match serde_json::from_slice::<Top>(bytes) {
        Ok(top) => top_record(&top, origin, &mut batch).map(|(_, record)| record),
        Err(e) => {
            let refusal = Refusal::new(&e, bytes);
            let line = origin.line + refusal.line.saturating_sub(1);
            let column = refusal.column;
            Err(refusal
                .problem(column)
                .at(Origin { line, ..origin }, None, false))
        }
    }
}

/// serde_json's message without its position, which we report our own way.
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// What serde_json says when a `\u` escape is half of a surrogate pair without the other.
const SURROGATE_MESSAGES: [&str; 2] = [
    "lone leading surrogate in hex escape",
    "unexpected end of hex escape",
];

/// The 1-based line and column (in bytes) of byte `at` of `text`.
fn line_and_column(text: &[u8], at: usize) -> (u64, u64) {
    let before = &text[..at.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let lines = before.iter().filter(|&&b| b == b'\n').count();
    (1 + lines as u64, (before.len() - line_start + 1) as u64)
}

/// The byte of `text` at a 1-based line and column, as serde_json gives them.
fn offset_of(text: &[u8], line: u64, column: u64) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        _ => text
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(line as usize - 2)
            .map_or(text.len(), |(i, _)| i + 1),
    };
    (line_start + (column as usize).saturating_sub(1)).min(text.len())
}

/// Why serde_json refused a piece of JSON text, and where in it (1-based line, and column
/// in bytes on that line, as serde_json counts them).
struct Refusal {
    line: u64,
    column: u64,
    field: Option<Field>,
    message: String,
    hint: Option<&'static str>,
}

impl Refusal {
    /// serde_json's error `e` in `text`. When the syntax is sound, the error is about a value
    /// and is named by the field it is in, and a lone surrogate by its code point at its
    /// escape (serde_json names neither); the value itself is never shown.
    fn new(e: &serde_json::Error, text: &[u8]) -> Refusal {
        let message = json_message(e);
        let mut whole = Syntax::default();
        let sound = match whole.feed(text) {
            Step::Done(used) => text[used..].iter().all(u8::is_ascii_whitespace),
            Step::More => whole.end().is_ok(),
            Step::Broken(..) => false,
        };
        let plain = Refusal {
            line: e.line() as u64,
            column: e.column() as u64,
            field: None,
            message,
            hint: None,
        };
        if !sound {
            return plain;
        }
        match whole.lone_surrogate() {
            Some(lone) if SURROGATE_MESSAGES.contains(&plain.message.as_str()) => {
                let (line, column) = line_and_column(text, lone.at);
                Refusal {
                    line,
                    column,
                    message: format!(
                        "\\u escape U+{:04X} is half of a UTF-16 surrogate pair without its other half",
                        lone.code
                    ),
                    hint: Some("write the character itself in UTF-8, or both halves of its pair (\\ud842\\udfb7 for U+20BB7)"),
                    ..plain
                }
                .in_entry(text, lone.at)
            }
            _ => {
                let at = offset_of(text, plain.line, plain.column);
                plain.in_entry(text, at)
            }
        }
    }

    /// Names the field whose value holds byte `at` of `text`, or the key when it is not a field.
    fn in_entry(mut self, text: &[u8], at: usize) -> Refusal {
        let mut before = Syntax::default();
        before.feed(&text[..at.min(text.len())]);
        match before.entry() {
            Entry::Value(range) => {
                let quoted = [b"\"", &text[range], b"\""].concat();
                let key = serde_json::from_slice::<String>(&quoted).unwrap_or_default();
                self.field = Field::from_name(&key);
                if self.field.is_none() {
                    self.message =
                        format!("{}, in the value of `{}`", self.message, key.escape_debug());
                }
            }
            Entry::Key => self.message.push_str(", in a key"),
            Entry::Outside => {}
        }
        self
    }

    /// The problem, at `column` of the line it is on.
    fn problem(self, column: u64) -> Problem {
        let kind = RecordErrorKind::Json {
            message: self.message,
            column,
        };
        let problem = match self.field {
            Some(field) => Problem::field(field, kind),
            None => Problem::record(kind),
        };
        match self.hint {
            Some(hint) => problem.with_hint(hint),
            None => problem,
        }
    }
}

/// JSON Lines: one object per line, blank lines skipped.
pub(crate) struct LineRecords<R> {
    lines: Lines<R>,
    index: u64,
    /// Where reading stopped after an I/O error.
    stopped: Option<Unread>,
}

impl<R: BufRead> LineRecords<R> {
    /// Lines of `reader`, whose first byte is at `offset` in the input.
    pub(crate) fn new(reader: R, max_record_bytes: usize, offset: u64) -> Self {
        LineRecords {
            lines: Lines::new(reader, max_record_bytes, offset),
            index: 0,
            stopped: None,
        }
    }

    /// The next non-blank line as a record, or `None` at the end of the input.
    pub(crate) fn next(&mut self, batch: &mut Batch) -> Next {
        if self.stopped.is_some() {
            return None;
        }
        loop {
            let read = self.lines.next();
            let (kind, ends_input) = match read {
                Ok(Line::End) => return None,
                Ok(Line::Read) if self.lines.text().trim_ascii().is_empty() => continue,
                Ok(Line::Read) => {
                    self.index += 1;
                    return Some(self.parse(batch));
                }
                Ok(Line::TooLong) => (
                    RecordErrorKind::TooLong {
                        limit: self.lines.limit(),
                    },
                    false,
                ),
                Err(e) => (RecordErrorKind::Read(e.to_string()), true),
            };
            self.index += 1;
            let line = self.lines.line();
            if ends_input {
                let byte = self.lines.start();
                self.stopped = Some(Unread { line, byte });
            }
            let origin = batch.origin(line, self.index);
            return Some(Err(Problem::record(kind).at(origin, None, ends_input)));
        }
    }

    /// Where reading stopped before the end of the input, if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        self.stopped
    }

    /// Bytes held for the current line.
    pub(crate) fn buffered(&self) -> usize {
        self.lines.buffered()
    }

    fn parse(&self, batch: &mut Batch) -> Result<(Origin, Record), RecordError> {
        let origin = batch.origin(self.lines.line(), self.index);
        let line = self.lines.text();
        let text = line.trim_ascii();
        let indent = line.len() - line.trim_ascii_start().len();
        if let Err(e) = std::str::from_utf8(text) {
            return Err(not_utf8(indent + e.valid_up_to(), line).at(origin, None, false));
        }
        match serde_json::from_slice::<Top>(text) {
            Ok(top) => top_record(&top, origin, batch),
            Err(e) => {
                let refusal = Refusal::new(&e, text);
                let column = indent as u64 + refusal.column;
                let problem = refusal.problem(column);
                let problem = if e.is_eof() {
                    problem.with_hint("JSON Lines holds one complete object per line; for pretty-printed JSON use an array in a .json file")
                } else {
                    problem
                };
                Err(problem.at(origin, None, false))
            }
        }
    }
}

/// Invalid UTF-8 at `offset` in `line`.
fn not_utf8(offset: usize, line: &[u8]) -> Problem {
    let byte = line.get(offset).copied().unwrap_or_default();
    Problem::record(RecordErrorKind::Encoding {
        encoding: "UTF-8",
        offset,
        byte,
    })
    .with_hint("JSON is always UTF-8: convert the file, or export CSV, which may be cp932")
}

/// A 1-based line and column (in bytes, as serde_json counts them), and the 0-based
/// offset in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: u64,
    column: u64,
    byte: u64,
}

impl Position {
    fn advance(&mut self, bytes: &[u8]) {
        self.byte += bytes.len() as u64;
        for &b in bytes {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
    }

    /// The absolute position of a 1-based line and column inside an element starting here.
    fn within(self, line: u64, column: u64) -> Position {
        match line {
            0 | 1 => Position {
                column: self.column + column.saturating_sub(1),
                ..self
            },
            _ => Position {
                line: self.line + line - 1,
                column,
                ..self
            },
        }
    }
}

/// Where the array reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After `[`.
    First,
    /// After an element.
    Next,
    /// After `]`, or after an error that ends the input.
    Done,
}

/// Why the array cannot be read further.
enum Fault {
    Syntax(String, Position),
    Io(io::Error),
}

impl From<io::Error> for Fault {
    fn from(e: io::Error) -> Self {
        Fault::Io(e)
    }
}

/// The elements of a JSON array, one at a time.
pub(crate) struct ArrayRecords<R> {
    reader: R,
    /// The current element, or as much of it as the size limit allows.
    buf: Vec<u8>,
    /// Position of the next unread byte.
    at: Position,
    /// Where the current element starts.
    start: Position,
    /// Bytes in the current element (may exceed what `buf` holds).
    length: usize,
    index: u64,
    max_record_bytes: usize,
    state: State,
    /// Just after the last element read: where reading stops if the next one breaks.
    read_to: Position,
    /// Where reading stopped, once the array broke.
    stopped: Option<Unread>,
}

impl<R: BufRead> ArrayRecords<R> {
    /// Consumes the opening `[`; on failure gives the line and what was found instead.
    /// `offset` is where the reader starts in the input (after a byte order mark).
    pub(crate) fn open(
        reader: R,
        max_record_bytes: usize,
        offset: u64,
    ) -> Result<Self, (u64, String)> {
        let start = Position {
            line: 1,
            column: 1,
            byte: offset,
        };
        let mut array = ArrayRecords {
            reader,
            buf: Vec::new(),
            at: start,
            start,
            length: 0,
            index: 0,
            max_record_bytes,
            state: State::First,
            read_to: start,
            stopped: None,
        };
        match array.skip_whitespace() {
            Ok(Some(b'[')) => {
                array.consume(b"[");
                Ok(array)
            }
            Ok(Some(b)) => Err((
                array.at.line,
                format!("`{}`", char::from(b).escape_default()),
            )),
            Ok(None) => Err((array.at.line, "the end of the input".into())),
            Err(e) => Err((array.at.line, format!("unreadable input ({e})"))),
        }
    }

    /// The next element as a record, or `None` after the closing `]`.
    pub(crate) fn next(&mut self, batch: &mut Batch) -> Next {
        if self.state == State::Done {
            return None;
        }
        self.read_to = self.at;
        match self.next_element() {
            Ok(true) => Some(self.element(batch)),
            Ok(false) => None,
            Err(fault) => {
                let error = self.fault(fault, batch);
                self.stop();
                Some(Err(error))
            }
        }
    }

    /// Ends the input: nothing after the last element read is read.
    fn stop(&mut self) {
        self.state = State::Done;
        self.stopped = Some(Unread {
            line: self.read_to.line,
            byte: self.read_to.byte,
        });
    }

    /// Where reading stopped before the end of the input, if it did.
    pub(crate) fn stopped(&self) -> Option<Unread> {
        self.stopped
    }

    /// Bytes held for the current element.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.capacity()
    }

    fn fault(&self, fault: Fault, batch: &Batch) -> RecordError {
        let (line, kind) = match fault {
            Fault::Syntax(message, at) => (
                at.line,
                RecordErrorKind::Json {
                    message,
                    column: at.column,
                },
            ),
            Fault::Io(e) => (self.at.line, RecordErrorKind::Read(e.to_string())),
        };
        let index = match self.state {
            State::First | State::Next => self.index + 1,
            State::Done => self.index,
        };
        Problem::record(kind).at(batch.origin(line, index.max(1)), None, true)
    }

    fn syntax(&self, message: &str) -> Fault {
        Fault::Syntax(message.into(), self.at)
    }

    /// Moves to the next element and scans it; `false` after the closing `]`.
    fn next_element(&mut self) -> Result<bool, Fault> {
        match (self.state, self.skip_whitespace()?) {
            (_, None) => return Err(self.syntax("EOF while parsing a list")),
            (_, Some(b']')) => return self.close().map(|()| false),
            (State::First, Some(_)) => {}
            (_, Some(b',')) => {
                self.consume(b",");
                if self.skip_whitespace()? == Some(b']') {
                    return Err(self.syntax("trailing comma"));
                }
            }
            (_, Some(_)) => return Err(self.syntax("expected `,` or `]`")),
        }
        self.state = State::Next;
        self.scan_element().map(|()| true)
    }

    /// Consumes the closing `]` and checks that nothing but whitespace follows.
    fn close(&mut self) -> Result<(), Fault> {
        self.consume(b"]");
        self.state = State::Done;
        match self.skip_whitespace()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters after the array")),
        }
    }

    /// Skips whitespace and peeks at the next byte.
    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        loop {
            let available = fill(&mut self.reader)?;
            let spaces = available
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if spaces == 0 {
                return Ok(available.first().copied());
            }
            self.at.advance(&available[..spaces]);
            self.reader.consume(spaces);
        }
    }

    /// Consumes bytes already peeked at.
    fn consume(&mut self, bytes: &[u8]) {
        self.at.advance(bytes);
        self.reader.consume(bytes.len());
    }

    /// Buffers one element, up to the size limit, checking its syntax; past the limit,
    /// keeps checking without buffering, so that a well-formed element can be skipped and
    /// the next one read.
    fn scan_element(&mut self) -> Result<(), Fault> {
        self.buf.clear();
        self.start = self.at;
        let mut syntax = Syntax::default();
        let mut length = 0;
        loop {
            let available = fill(&mut self.reader)?;
            if available.is_empty() {
                syntax
                    .end()
                    .map_err(|message| Fault::Syntax(message.into(), self.at))?;
                break;
            }
            let step = syntax.feed(available);
            let used = match step {
                Step::More => available.len(),
                Step::Done(used) | Step::Broken(used, _) => used,
            };
            let chunk = &available[..used];
            if length + used <= self.max_record_bytes {
                push_bounded(&mut self.buf, chunk, self.max_record_bytes);
            }
            length += used;
            self.at.advance(chunk);
            self.reader.consume(used);
            match step {
                Step::More => {}
                Step::Done(_) => break,
                Step::Broken(_, message) => return Err(Fault::Syntax(message.into(), self.at)),
            }
        }
        self.length = length;
        self.index += 1;
        Ok(())
    }

    /// The buffered element as a record.
    fn element(&mut self, batch: &mut Batch) -> Result<(Origin, Record), RecordError> {
        let origin = batch.origin(self.start.line, self.index);
        if self.length > self.max_record_bytes {
            let problem = Problem::record(RecordErrorKind::TooLong {
                limit: self.max_record_bytes,
            });
            return Err(problem.at(origin, None, false));
        }
        match serde_json::from_slice::<Top>(&self.buf) {
            Ok(top) => top_record(&top, origin, batch),
            Err(e) => {
                // The syntax is sound (the scan checked it), so this is about a value (a lone
                // surrogate, a number out of range, bytes that are not UTF-8): the element's
                // end is certain and reading goes on.
                let refusal = Refusal::new(&e, &self.buf);
                let at = self.start.within(refusal.line, refusal.column);
                let problem = refusal.problem(at.column);
                Err(problem.at(batch.origin(at.line, self.index), None, false))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::*;
    use super::super::{from_reader, Format, OpenErrorKind, ReadOptions, Scheme};
    use super::*;

    fn lines(text: &str) -> Vec<Result<(Origin, Record), RecordError>> {
        read_all(text.as_bytes(), Format::JsonLines, &ReadOptions::default())
    }

    fn array(text: &str) -> Vec<Result<(Origin, Record), RecordError>> {
        read_all(text.as_bytes(), Format::JsonArray, &ReadOptions::default())
    }

    fn positions(results: &[Result<(Origin, Record), RecordError>]) -> Vec<(u64, u64)> {
        let origin = |r: &Result<(Origin, Record), RecordError>| match r {
            Ok((origin, _)) => (origin.line, origin.index),
            Err(e) => (e.origin().line, e.origin().index),
        };
        results.iter().map(origin).collect()
    }

    #[test]
    fn json_lines_skip_blank_lines_but_count_them() {
        let text = format!("{}\n\n  \r\n{}\r\n", object("R1"), object("R2"));
        let results = lines(&text);
        assert_eq!(positions(&results), [(1, 1), (4, 2)]);
        let record = record(&results[1]);
        assert_eq!(
            (record.scheme, record.copay_ratio, record.has_myna_hoken),
            (Scheme::Kouki, Some(1), true)
        );
    }

    #[test]
    fn a_malformed_line_is_a_record_error_and_reading_goes_on() {
        let text = format!(
            "{}\n{{\"record_id\": \"R2\",, }}\n{}\n",
            object("R1"),
            object("R3")
        );
        let results = lines(&text);
        let err = error(&results[1]);
        assert_eq!(
            err.kind(),
            &RecordErrorKind::Json {
                message: "key must be a string".into(),
                column: 20
            }
        );
        assert_eq!(
            err.to_string(),
            "members:2:20 (record 2): failed to parse JSON (key must be a string)"
        );
        assert!(!err.ends_input());
        assert!(results[2].is_ok());
    }

    #[test]
    fn json_error_columns_count_from_the_start_of_the_line() {
        let results = lines("   {\"record_id\": }\n");
        assert_eq!(
            error(&results[0]).to_string(),
            "members:1:18 (record 1): failed to parse JSON (expected value)"
        );
        let err =
            Record::from_json_slice(b"{\n\"record_id\": \"R1\",\n}", Origin::single("request"))
                .expect_err("trailing comma");
        assert_eq!(
            err.to_string(),
            "request:3:1 (record 1): failed to parse JSON (trailing comma)"
        );
    }

    #[test]
    fn a_pretty_printed_object_in_json_lines_gets_a_hint() {
        let results = lines("{\n\"record_id\": \"R1\"\n}\n");
        assert!(error(&results[0])
            .hint()
            .is_some_and(|h| h.contains("one complete object per line")));
    }

    #[test]
    fn unknown_and_repeated_keys_are_record_errors() {
        let mut misspelt = object("R1");
        misspelt["birth_dat"] = json!("1948-11-03");
        let text =
            format!("{misspelt}\n{{\"record_id\": \"R2\", \"name\": \"a\", \"name\": \"b\"}}\n");
        let results = lines(&text);
        let err = error(&results[0]);
        assert_eq!(
            err.kind(),
            &RecordErrorKind::UnknownField {
                key: "birth_dat".into()
            }
        );
        assert_eq!(err.hint(), Some("did you mean `birth_date`?"));
        assert_eq!(err.record_id(), Some("R1"));
        let err = error(&results[1]);
        assert_eq!(
            (err.field(), err.kind()),
            (Some(Field::Name), &RecordErrorKind::DuplicateField)
        );
    }

    #[test]
    fn a_line_that_is_not_an_object_is_a_record_error() {
        let results = lines("[1, 2]\n\"佐藤\"\nnull\n");
        let found: Vec<_> = results.iter().map(|r| error(r).kind().clone()).collect();
        assert_eq!(
            found,
            [
                RecordErrorKind::NotAnObject { found: "an array" },
                RecordErrorKind::NotAnObject { found: "a string" },
                RecordErrorKind::NotAnObject { found: "null" },
            ]
        );
        assert!(!error(&results[1]).to_string().contains("佐藤"));
    }

    #[test]
    fn invalid_utf8_in_json_lines_is_a_record_error() {
        let mut bytes = b"{\"name\": \"\x82\xa0\"}\n".to_vec();
        bytes.extend_from_slice(format!("{}\n", object("R2")).as_bytes());
        let results = read_all(&bytes, Format::JsonLines, &ReadOptions::default());
        assert_eq!(
            error(&results[0]).kind(),
            &RecordErrorKind::Encoding {
                encoding: "UTF-8",
                offset: 10,
                byte: 0x82
            }
        );
        assert!(results[1].is_ok());
    }

    #[test]
    fn numbers_booleans_and_empty_values_take_either_spelling() {
        let mut as_strings = object("R1");
        as_strings["copay_ratio"] = json!("1");
        as_strings["has_myna_hoken"] = json!("true");
        as_strings["special_medical"] = json!(0);
        as_strings["address"] = json!("");
        as_strings["postal_code"] = json!(null);
        as_strings["household_id"] = json!(452);
        let results = lines(&format!("{as_strings}\n"));
        let record = record(&results[0]);
        assert_eq!(
            (
                record.copay_ratio,
                record.has_myna_hoken,
                record.special_medical
            ),
            (Some(1), true, false)
        );
        assert_eq!(
            (record.address.as_deref(), record.postal_code.as_deref()),
            (None, None)
        );
        assert_eq!(record.household_id.as_deref(), Some("452"));
    }

    #[test]
    fn a_nested_value_is_refused() {
        let mut nested = object("R1");
        nested["name"] = json!({"family": "鈴木"});
        let err = Record::from_json_value(&nested, Origin::single("request")).expect_err("nested");
        assert_eq!(err.field(), Some(Field::Name));
        assert_eq!(
            err.kind(),
            &RecordErrorKind::Invalid {
                what: "invalid text",
                why: "expected a string, found an object".into()
            }
        );
    }

    #[test]
    fn a_json_line_past_the_size_limit_is_skipped() {
        let options = ReadOptions {
            max_record_bytes: 200,
            ..ReadOptions::default()
        };
        let long = format!("{{\"remarks\": \"{}\"}}", "あ".repeat(100));
        let short = r#"{"record_id": "R2"}"#;
        let text = format!("{long}\n{short}\n");
        let results = read_all(text.as_bytes(), Format::JsonLines, &options);
        assert_eq!(
            error(&results[0]).kind(),
            &RecordErrorKind::TooLong { limit: 200 }
        );
        assert_eq!(positions(&results), [(1, 1), (2, 2)]);
        assert_eq!(error(&results[1]).kind(), &RecordErrorKind::Missing);
    }

    #[test]
    fn array_elements_carry_the_line_they_start_on() {
        let text = format!("[\n  {},\n\n  {}\n]\n", object("R1"), object("R2"));
        let results = array(&text);
        assert_eq!(positions(&results), [(2, 1), (4, 2)]);
        assert!(results.iter().all(Result::is_ok));
    }

    #[test]
    fn an_empty_array_has_no_records() {
        assert!(array(" [ ] ").is_empty());
    }

    #[test]
    fn strings_with_brackets_quotes_and_escapes_do_not_confuse_the_scanner() {
        let mut tricky = object("R1");
        tricky["remarks"] = json!("[注意] \"}\" \\ {続く]");
        let text = format!("[{tricky},{}]", object("R2"));
        let results = array(&text);
        assert_eq!(
            record(&results[0]).remarks.as_deref(),
            Some("[注意] \"}\" \\ {続く]")
        );
        assert!(results[1].is_ok());
    }

    #[test]
    fn non_object_elements_are_record_errors_and_reading_goes_on() {
        let text = format!("[1, \"x\", true, null, [1, [2]], {}]", object("R1"));
        let results = array(&text);
        assert_eq!(results.len(), 6);
        assert!(results[..5]
            .iter()
            .all(|r| matches!(error(r).kind(), RecordErrorKind::NotAnObject { .. })));
        assert!(results[5].is_ok());
    }

    #[test]
    fn a_malformed_array_ends_the_input_after_the_records_before_it() {
        let text = format!(
            "[\n{},\n{{\"record_id\": \"R2\" \"scheme\": \"kouki\"}},\n{}\n]",
            object("R1"),
            object("R3")
        );
        let results = array(&text);
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        let err = error(&results[1]);
        assert!(err.ends_input());
        assert_eq!(
            err.to_string(),
            "members:3:20 (record 2): failed to parse JSON (expected `,` or `}`)"
        );
    }

    #[test]
    fn array_syntax_faults_name_their_position() {
        let cases = [
            ("[{\"a\": 1} {\"b\": 2}]", "members:1:11 (record 2): failed to parse JSON (expected `,` or `]`)"),
            ("[{\"a\": 1},\n]", "members:2:1 (record 2): failed to parse JSON (trailing comma)"),
            ("[{\"a\": 1}", "members:1:10 (record 2): failed to parse JSON (EOF while parsing a list)"),
            ("[{\"a\": 1}] x", "members:1:12 (record 1): failed to parse JSON (trailing characters after the array)"),
            ("[{\"a\": \"unterminated}]", "members:1:23 (record 1): failed to parse JSON (EOF while parsing a string)"),
        ];
        for (text, expected) in cases {
            let results = array(text);
            let last = results.last().expect("an error");
            assert_eq!(error(last).to_string(), expected, "{text}");
            assert!(error(last).ends_input());
        }
    }

    #[test]
    fn an_input_that_is_not_an_array_stops_before_the_first_record() {
        let open = |text: &'static str| {
            from_reader(
                text.as_bytes(),
                "members.json",
                Format::JsonArray,
                &ReadOptions::default(),
            )
        };
        let err = open("\n{\"record_id\": \"R1\"}").expect_err("not an array");
        assert_eq!(
            err.kind(),
            &OpenErrorKind::NotAnArray {
                found: "`{`".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "members.json:2: failed to read JSON array (expected `[`, found `{`)\n  \
             hint: a JSON array of records starts with `[`; for one object per line use .jsonl"
        );
        assert!(
            matches!(open("  ").expect_err("empty").kind(), OpenErrorKind::NotAnArray { found } if found == "the end of the input")
        );
    }

    #[test]
    fn an_array_element_past_the_size_limit_is_skipped() {
        let options = ReadOptions {
            max_record_bytes: 100,
            ..ReadOptions::default()
        };
        let text = format!(
            "[{{\"remarks\": \"{}\"}}, {{\"record_id\": \"R2\"}}]",
            "い".repeat(100)
        );
        let results = read_all(text.as_bytes(), Format::JsonArray, &options);
        assert_eq!(
            error(&results[0]).kind(),
            &RecordErrorKind::TooLong { limit: 100 }
        );
        assert_eq!(error(&results[1]).kind(), &RecordErrorKind::Missing);
    }

    /// Issue 10: the proptest's minimal failing inputs. An element past the size limit was
    /// skipped as too long without its syntax being checked, so a broken array read on.
    #[test]
    fn issue_10_an_over_long_broken_element_stops_the_array_where_it_breaks() {
        let options = ReadOptions {
            max_record_bytes: 256,
            ..ReadOptions::default()
        };
        let cases = [
            (
                format!("[{}]", "x".repeat(300)),
                "members:1:2 (record 1): failed to parse JSON (expected value)",
            ),
            (
                format!("[{{{}}}]", "x".repeat(300)),
                "members:1:3 (record 1): failed to parse JSON (key must be a string)",
            ),
            (
                format!(
                    "[{{\"record_id\": \"R1\"}},\n{{\"remarks\": \"{}\",\n \"name\" 1}}, {{}}]",
                    "x".repeat(300),
                ),
                "members:3:9 (record 2): failed to parse JSON (expected `:`)",
            ),
        ];
        for (text, expected) in cases {
            let results = read_all(text.as_bytes(), Format::JsonArray, &options);
            let last = error(results.last().expect("an error"));
            assert_eq!(last.to_string(), expected);
            assert!(last.ends_input());
            assert!(results[..results.len() - 1]
                .iter()
                .all(|r| !error(r).ends_input()));
        }
    }

    #[test]
    fn an_over_long_element_is_skipped_only_when_well_formed() {
        let options = ReadOptions {
            max_record_bytes: 256,
            ..ReadOptions::default()
        };
        let long =
            json!({"remarks": "x".repeat(300), "nested": [[{"a": [1, -2.5e3, true, null]}]]});
        let text = format!("[{long}, {{\"record_id\": \"R2\"}}]");
        let results = read_all(text.as_bytes(), Format::JsonArray, &options);
        assert_eq!(
            error(&results[0]).kind(),
            &RecordErrorKind::TooLong { limit: 256 }
        );
        assert_eq!(error(&results[1]).record_id(), Some("R2"));
        assert_eq!(error(&results[1]).kind(), &RecordErrorKind::Missing);
    }

    #[test]
    fn a_value_serde_json_refuses_costs_only_its_element() {
        let text = format!(
            "[{{\"record_id\": \"R1\", \"copay_ratio\": 1e400}},\n {}]",
            object("R2")
        );
        let results = array(&text);
        let err = error(&results[0]);
        assert!(!err.ends_input());
        assert_eq!(
            err.to_string(),
            "members:1:41 (record 1, field `copay_ratio`): failed to parse JSON (number out of range)"
        );
        assert_eq!(record(&results[1]).record_id, "R2");
    }

    /// Issue 10, item 3: a lone surrogate was told without its field or code point.
    #[test]
    fn issue_10_a_lone_surrogate_names_its_field_and_code_point_never_the_value() {
        let mut member = object("R1");
        member["name"] = json!("佐藤 PLACEHOLDER");
        let text = member.to_string().replace("PLACEHOLDER", "\\ud800");
        let column = text.find("\\ud800").expect("the escape") as u64 + 1;
        let expected = format!(
            "members:1:{column} (record 1, field `name`): failed to parse JSON (\\u escape U+D800 is half of a UTF-16 surrogate pair without its other half)\n  \
             hint: write the character itself in UTF-8, or both halves of its pair (\\ud842\\udfb7 for U+20BB7)"
        );
        let in_lines = lines(&format!("{text}\n{}\n", object("R2")));
        assert_eq!(error(&in_lines[0]).to_string(), expected);
        assert!(in_lines[1].is_ok());
        let in_array = array(&format!("[{text}, {}]", object("R2")));
        let one_further = format!(":{} ", column + 1);
        let expected_in_array = expected.replacen(&format!(":{column} "), &one_further, 1);
        assert_eq!(error(&in_array[0]).to_string(), expected_in_array);
        assert!(!error(&in_array[0]).ends_input() && in_array[1].is_ok());
        let err = Record::from_json_slice(text.as_bytes(), Origin::single("members"))
            .expect_err("lone surrogate");
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.field(), Some(Field::Name));
        assert!(err.value().is_none() && !err.to_string().contains("佐藤"));
        // In an unknown key's value, in a key, and a trailing half alone.
        let cases = [
            (r#"{"nickname": "\udc00"}"#, "\\u escape U+DC00 is half of a UTF-16 surrogate pair without its other half, in the value of `nickname`)"),
            (r#"{"\ud83d": 1}"#, "\\u escape U+D83D is half of a UTF-16 surrogate pair without its other half, in a key)"),
        ];
        for (text, expected) in cases {
            let err = error(&lines(text)[0]).to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    /// Serves the given bytes, then fails: a reader that needed the whole input before
    /// yielding anything would yield no record at all.
    struct Truncated(std::io::Cursor<Vec<u8>>);

    impl std::io::Read for Truncated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("connection reset")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn an_array_yields_records_before_it_is_read_to_the_end() {
        let text = format!("[{},{},", object("R1"), object("R2"));
        let records = from_reader(
            Truncated(std::io::Cursor::new(text.into_bytes())),
            "members",
            Format::JsonArray,
            &ReadOptions::default(),
        );
        let results: Vec<_> = records.expect("opens").collect();
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[1].is_ok());
        assert_eq!(
            error(&results[2]).kind(),
            &RecordErrorKind::Read("connection reset".into())
        );
    }

    #[test]
    fn a_large_array_streams_through() {
        const COUNT: usize = 20_000;
        let element = object("X").to_string();
        let mut text = String::with_capacity(COUNT * (element.len() + 10) + 2);
        text.push('[');
        for i in 0..COUNT {
            if i > 0 {
                text.push_str(",\n");
            }
            text.push_str(&element.replace("\"X\"", &format!("\"R{i}\"")));
        }
        text.push(']');
        let mut count = 0;
        for (i, result) in from_reader(
            text.as_bytes(),
            "big",
            Format::JsonArray,
            &ReadOptions::default(),
        )
        .expect("opens")
        .enumerate()
        {
            let (origin, record) = result.expect("valid element");
            assert_eq!((origin.line, origin.index), (i as u64 + 1, i as u64 + 1));
            assert_eq!(record.record_id, format!("R{i}"));
            count += 1;
        }
        assert_eq!(count, COUNT);
    }
}
