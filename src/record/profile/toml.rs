//! The profile file: TOML → [`Profile`], checked whole before any record is read.
//!
//! Every mistake a profile can hold (an unknown key, field or conversion, a column no field
//! can find, a byte range past the record, a constant the field refuses) stops here with the
//! profile's file:line:col, since it would otherwise fail every record.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::convert::{default_era_codes, Conversion, DateForm, Trim};
use super::{Column, Layout, LineEnd, Place, Profile, ProfileError, Rule, Source};
use crate::diag::toml_position;
use crate::era::ERAS;
use crate::record::value::{self, Raw};
use crate::record::{Encoding, Field};

/// Longest fixed-width record accepted: a real one is a few hundred bytes, and the reader
/// holds one at a time.
pub(crate) const MAX_RECORD_LENGTH: i64 = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    input: Spanned<RawInput>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<RawColumn>>,
    fields: Spanned<BTreeMap<Spanned<String>, Spanned<RawField>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    format: Spanned<String>,
    encoding: Option<Spanned<String>>,
    delimiter: Option<Spanned<String>>,
    quote: Option<Spanned<String>>,
    header: Option<bool>,
    record_length: Option<Spanned<i64>>,
    line_end: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    position: Option<Spanned<i64>>,
    start: Option<Spanned<i64>>,
    length: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    column: Option<Spanned<String>>,
    columns: Option<Spanned<Vec<Spanned<String>>>>,
    join: Option<String>,
    value: Option<Spanned<String>>,
    codes: Option<Spanned<BTreeMap<String, String>>>,
    boolean: Option<Spanned<RawBoolean>>,
    date: Option<Spanned<String>>,
    era_codes: Option<Spanned<BTreeMap<String, String>>>,
    trim: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBoolean {
    #[serde(rename = "true")]
    yes: Vec<String>,
    #[serde(rename = "false", default)]
    no: Vec<String>,
}

type Span = std::ops::Range<usize>;

/// Parses and checks a profile; `file` names it in errors.
pub(crate) fn parse(text: &str, file: &str) -> Result<Profile, ProfileError> {
    let raw: RawProfile = ::toml::from_str(text).map_err(|e| {
        let (line, column) = toml_position(text, e.span());
        let message = e.message().trim().to_owned();
        let line_text = text.lines().nth(line - 1).unwrap_or_default();
        let hint = crate::layout::unknown_key_hint(&message).or_else(|| {
            (message.starts_with("invalid unquoted key") && !line_text.is_ascii()).then(|| {
                "quote Japanese names: TOML bare keys are ASCII only (\"生年月日\" = { … })".into()
            })
        });
        ProfileError {
            file: file.to_owned(),
            line,
            column,
            message,
            hint,
        }
    })?;
    let parser = Parser {
        text,
        file,
        columns: Vec::new(),
    };
    parser.profile(raw)
}

struct Parser<'a> {
    text: &'a str,
    file: &'a str,
    columns: Vec<Column>,
}

impl Parser<'_> {
    fn error(&self, span: Span, message: impl Into<String>, hint: Option<String>) -> ProfileError {
        let (line, column) = toml_position(self.text, Some(span));
        ProfileError {
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
            hint,
        }
    }

    fn profile(mut self, raw: RawProfile) -> Result<Profile, ProfileError> {
        let layout = self.layout(&raw.input)?;
        for (name, column) in &raw.columns {
            let place = self.place(&layout, column)?;
            self.columns.push(Column {
                name: name.get_ref().clone(),
                place,
                at: toml_position(self.text, Some(name.span())),
            });
        }
        let mut rules = Vec::new();
        for (name, field) in raw.fields.get_ref() {
            let Some(contract) = Field::from_name(name.get_ref()) else {
                let hint = Field::suggest(name.get_ref())
                    .map(|f| format!("did you mean `{f}`?"))
                    .or_else(|| Some("the fields are those of docs/records.md: record_id, scheme, insurer_number, …".into()));
                return Err(self.error(
                    name.span(),
                    format!("unknown field `{}` in [fields]", name.get_ref()),
                    hint,
                ));
            };
            rules.push(self.rule(&layout, contract, field)?);
        }
        rules.sort_by_key(|r| r.field);
        if let Some(missing) = Field::ALL
            .into_iter()
            .find(|f| f.is_required() && !rules.iter().any(|r| r.field == *f))
        {
            return Err(self.error(
                raw.fields.span(),
                format!("no source for the required field `{missing}`"),
                Some(format!(
                    "map it to a column (`{missing} = {{ column = \"…\" }}`) or give a constant (`{missing} = {{ value = \"…\" }}`)"
                )),
            ));
        }
        Ok(Profile {
            file: self.file.to_owned(),
            layout,
            columns: self.columns,
            rules,
        })
    }

    fn layout(&self, input: &Spanned<RawInput>) -> Result<Layout, ProfileError> {
        let raw = input.get_ref();
        let encoding = match raw.encoding.as_ref() {
            None => None,
            Some(e) => Some(match e.get_ref().to_ascii_lowercase().as_str() {
                "utf-8" | "utf8" => Encoding::Utf8,
                "cp932" | "shift_jis" | "sjis" | "windows-31j" => Encoding::Cp932,
                _ => {
                    return Err(self.error(
                        e.span(),
                        format!("unknown encoding `{}`", e.get_ref()),
                        Some("write `utf-8` or `cp932`".into()),
                    ))
                }
            }),
        };
        let only_for = |key: &str, present: bool, format: &str| -> Result<(), ProfileError> {
            if present {
                Err(self.error(
                    input.span(),
                    format!("`{key}` does not apply to format = \"{format}\""),
                    None,
                ))
            } else {
                Ok(())
            }
        };
        match raw.format.get_ref().as_str() {
            "csv" => {
                only_for("record_length", raw.record_length.is_some(), "csv")?;
                only_for("line_end", raw.line_end.is_some(), "csv")?;
                Ok(Layout::Delimited {
                    encoding: encoding.unwrap_or(Encoding::Utf8),
                    delimiter: self
                        .byte(raw.delimiter.as_ref(), b',', "delimiter")?
                        .unwrap_or(b','),
                    quote: self.byte(raw.quote.as_ref(), b'"', "quote")?,
                    header: raw.header.unwrap_or(true),
                })
            }
            "fixed" => {
                only_for("delimiter", raw.delimiter.is_some(), "fixed")?;
                only_for("quote", raw.quote.is_some(), "fixed")?;
                only_for("header", raw.header.is_some(), "fixed")?;
                let Some(length) = raw.record_length.as_ref() else {
                    return Err(self.error(
                        input.span(),
                        "missing `record_length` for format = \"fixed\"",
                        Some("give the record's length in bytes, without the line end".into()),
                    ));
                };
                if !(1..=MAX_RECORD_LENGTH).contains(length.get_ref()) {
                    return Err(self.error(
                        length.span(),
                        format!("record_length must be 1 to {MAX_RECORD_LENGTH} bytes"),
                        None,
                    ));
                }
                let line_end = match raw
                    .line_end
                    .as_ref()
                    .map(|l| (l.get_ref().as_str(), l.span()))
                {
                    None | Some(("crlf" | "lf", _)) => LineEnd::Lines,
                    Some(("none", _)) => LineEnd::None,
                    Some((other, span)) => {
                        return Err(self.error(
                            span,
                            format!("unknown line_end `{other}`"),
                            Some("write `crlf`, `lf` or `none`".into()),
                        ))
                    }
                };
                Ok(Layout::Fixed {
                    encoding: encoding.unwrap_or(Encoding::Cp932),
                    record_length: *length.get_ref() as usize,
                    line_end,
                })
            }
            other => Err(self.error(
                raw.format.span(),
                format!("unknown format `{other}`"),
                Some("write `csv` or `fixed`".into()),
            )),
        }
    }

    /// A one-byte ASCII setting (`delimiter`, `quote`); `""` for none, `\t` for a tab.
    fn byte(
        &self,
        raw: Option<&Spanned<String>>,
        default: u8,
        key: &str,
    ) -> Result<Option<u8>, ProfileError> {
        let Some(raw) = raw else {
            return Ok(Some(default));
        };
        match raw.get_ref().as_bytes() {
            [] => Ok(None),
            [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => Ok(Some(*b)),
            _ => Err(self.error(
                raw.span(),
                format!("{key} must be one ASCII character"),
                Some("write e.g. \",\", \"\\t\" or \";\"".into()),
            )),
        }
    }

    fn place(&self, layout: &Layout, column: &Spanned<RawColumn>) -> Result<Place, ProfileError> {
        let raw = column.get_ref();
        match layout {
            Layout::Delimited { .. } => {
                let (Some(position), None, None) = (&raw.position, &raw.start, &raw.length) else {
                    return Err(self.error(
                        column.span(),
                        "a CSV column is given by `position` (1 for the first column)",
                        None,
                    ));
                };
                let n = *position.get_ref();
                if n < 1 {
                    return Err(self.error(position.span(), "position counts from 1", None));
                }
                Ok(Place::Position(n as usize - 1))
            }
            Layout::Fixed { record_length, .. } => {
                let (None, Some(start), Some(length)) = (&raw.position, &raw.start, &raw.length)
                else {
                    return Err(self.error(
                        column.span(),
                        "a fixed-width column is given by `start` (1 for the record's first byte) and `length` in bytes",
                        None,
                    ));
                };
                let (first, bytes) = (*start.get_ref(), *length.get_ref());
                if first < 1 {
                    return Err(self.error(start.span(), "start counts from 1", None));
                }
                if bytes < 1 {
                    return Err(self.error(length.span(), "length must be at least 1 byte", None));
                }
                let end = first.saturating_add(bytes) - 1;
                if end > *record_length as i64 {
                    return Err(self.error(
                        column.span(),
                        format!("bytes {first}–{end} run past the record's {record_length} bytes"),
                        Some("check start and length against the export's record layout".into()),
                    ));
                }
                Ok(Place::Bytes {
                    start: first as usize - 1,
                    length: bytes as usize,
                })
            }
        }
    }

    /// The column a field names: one from [columns], or for CSV with a header one found by
    /// its name when the file is opened.
    fn column(&mut self, layout: &Layout, name: &Spanned<String>) -> Result<usize, ProfileError> {
        if let Some(i) = self.columns.iter().position(|c| c.name == *name.get_ref()) {
            return Ok(i);
        }
        match layout {
            Layout::Delimited { header: true, .. } => {
                self.columns.push(Column {
                    name: name.get_ref().clone(),
                    place: Place::Header,
                    at: toml_position(self.text, Some(name.span())),
                });
                Ok(self.columns.len() - 1)
            }
            _ => {
                let hint = crate::layout::closest(
                    name.get_ref(),
                    self.columns.iter().map(|c| c.name.as_str()),
                )
                .map_or_else(
                    || "define it in [columns]".to_owned(),
                    |c| format!("did you mean `{c}`?"),
                );
                Err(self.error(
                    name.span(),
                    format!("unknown column `{}`", name.get_ref()),
                    Some(hint),
                ))
            }
        }
    }

    fn rule(
        &mut self,
        layout: &Layout,
        field: Field,
        raw: &Spanned<RawField>,
    ) -> Result<Rule, ProfileError> {
        let spec = raw.get_ref();
        let span = raw.span();
        let source = match (&spec.column, &spec.columns, &spec.value) {
            (Some(column), None, None) => Source::Columns {
                columns: vec![self.column(layout, column)?],
                join: String::new(),
            },
            (None, Some(columns), None) if !columns.get_ref().is_empty() => {
                let mut found = Vec::new();
                for column in columns.get_ref() {
                    found.push(self.column(layout, column)?);
                }
                Source::Columns {
                    columns: found,
                    join: spec.join.clone().unwrap_or_else(|| " ".into()),
                }
            }
            (None, None, Some(value)) => Source::Value(value.get_ref().clone()),
            _ => {
                return Err(self.error(
                    span,
                    format!("give `{field}` one of `column`, `columns` (a list) or `value`"),
                    None,
                ))
            }
        };
        if spec.join.is_some() && spec.columns.is_none() {
            return Err(self.error(span, "`join` goes with `columns`", None));
        }
        let convert = self.conversion(spec, span.clone())?;
        let trim = match spec.trim.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
            None | Some(("both", _)) => Trim::Both,
            Some(("end", _)) => Trim::End,
            Some(("none", _)) => Trim::None,
            Some((other, span)) => {
                return Err(self.error(
                    span,
                    format!("unknown trim `{other}`"),
                    Some("write `both` (the default), `end` or `none`".into()),
                ))
            }
        };
        if let (Source::Value(value), Some(v)) = (&source, &spec.value) {
            self.check_constant(field, value, &convert, v.span())?;
        }
        Ok(Rule {
            field,
            source,
            convert,
            trim,
            at: toml_position(self.text, Some(span)),
        })
    }

    fn conversion(&self, spec: &RawField, span: Span) -> Result<Conversion, ProfileError> {
        let given = [
            spec.codes.is_some(),
            spec.boolean.is_some(),
            spec.date.is_some(),
        ];
        if given.iter().filter(|&&g| g).count() > 1 {
            return Err(self.error(
                span,
                "give at most one conversion: `codes`, `boolean` or `date`",
                None,
            ));
        }
        if spec.era_codes.is_some()
            && spec
                .date
                .as_ref()
                .map_or(true, |d| d.get_ref() != "era-code")
        {
            return Err(self.error(span, "`era_codes` goes with date = \"era-code\"", None));
        }
        if let Some(codes) = &spec.codes {
            return Ok(Conversion::Codes(codes.get_ref().clone()));
        }
        if let Some(flag) = &spec.boolean {
            let RawBoolean { yes, no } = flag.get_ref();
            return Ok(Conversion::Boolean {
                yes: yes.clone(),
                no: no.clone(),
            });
        }
        let Some(form) = &spec.date else {
            return Ok(Conversion::Text);
        };
        let date = match form.get_ref().as_str() {
            "yyyymmdd" => DateForm::Yyyymmdd,
            "wareki" => DateForm::Wareki,
            "era-code" => DateForm::EraCode(self.era_codes(spec.era_codes.as_ref())?),
            other => {
                let forms = ["era-code", "yyyymmdd", "wareki"];
                let hint = crate::layout::closest(other, forms.into_iter())
                    .map_or_else(
                        || "the date forms are `era-code` (5070801), `yyyymmdd` and `wareki` (令和7年8月1日, R7.8.1); leave `date` out for 2025-08-01".to_owned(),
                        |c| format!("did you mean `{c}`?"),
                    );
                return Err(self.error(
                    form.span(),
                    format!("unknown date form `{other}`"),
                    Some(hint),
                ));
            }
        };
        Ok(Conversion::Date(date))
    }

    fn era_codes(
        &self,
        raw: Option<&Spanned<BTreeMap<String, String>>>,
    ) -> Result<BTreeMap<char, crate::era::Era>, ProfileError> {
        let Some(raw) = raw else {
            return Ok(default_era_codes());
        };
        let mut codes = BTreeMap::new();
        for (code, name) in raw.get_ref() {
            let era = ERAS.iter().find(|e| e.name() == name);
            let mut chars = code.chars();
            match (chars.next(), chars.next(), era) {
                (Some(c), None, Some(&era)) if c.is_ascii_digit() => {
                    codes.insert(c, era);
                }
                _ => {
                    return Err(self.error(
                        raw.span(),
                        format!("era_codes maps one digit to an era name, not `{code}` = `{name}`"),
                        Some(
                            "write e.g. { \"5\" = \"昭和\", \"7\" = \"平成\", \"9\" = \"令和\" }"
                                .into(),
                        ),
                    ))
                }
            }
        }
        Ok(codes)
    }

    /// A constant goes through its conversion and, where its rule does not depend on the
    /// scheme, through the field's rule: a bad one would fail every record.
    fn check_constant(
        &self,
        field: Field,
        value: &str,
        convert: &Conversion,
        span: Span,
    ) -> Result<(), ProfileError> {
        let mut text = String::new();
        convert
            .write(value, &mut text)
            .map_err(|e| self.error(span.clone(), format!("{} ({})", e.what, e.why), e.hint))?;
        if text.is_empty() {
            return Ok(());
        }
        let raw = Raw::Text(&text);
        let checked = match field {
            Field::Scheme => value::scheme(raw).map(drop),
            Field::Sex => value::sex(raw).map(drop),
            Field::HasMynaHoken | Field::SpecialMedical | Field::CertificateRequested => {
                value::boolean(raw).map(drop)
            }
            Field::CopayRatio => value::copay_ratio(raw).map(drop),
            Field::BirthDate
            | Field::QualifiedDate
            | Field::IssueDate
            | Field::EffectiveDate
            | Field::ExpiryDate
            | Field::ResidenceExpiry
            | Field::ApplicationDate => value::date(raw).map(drop),
            _ => Ok(()),
        };
        checked.map_err(|e| self.error(span, format!("{} `{value}` ({})", e.what, e.why), e.hint))
    }
}
