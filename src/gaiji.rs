//! 外字: characters of members' names that municipal systems hold outside Unicode's assigned
//! characters, and characters no font has.
//!
//! Two tables of the issuer profile, both optional CSV files:
//!
//! - **The 外字 map** ([`GaijiMap`]): the municipality's private-use code points (EUDC) and the
//!   Unicode sequence each stands for, written out or as an MJ文字図形名 (`MJ026190`) looked up in
//!   IPAmj明朝. Records are converted with it before they are filled; a private-use character it
//!   does not list rejects the record, naming the field and the code point.
//! - **The substitution table** ([`Substitutions`]): for a character that no font of the chain
//!   has, what to print instead (MJ縮退-style). Only by choice: without an entry the record is
//!   refused. Each substitution made is reported ([`TextNote`]), so staff know the printed name
//!   differs from the registry.

mod map;
mod mj;
mod substitute;

use std::borrow::Cow;

pub use map::GaijiMap;
pub use mj::{mj_sequence, MjError};
pub use substitute::{shape, Substitutions};

use crate::font::FontId;
use crate::record::Record;

/// Where a line of a table is: the file and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// The table file, as given.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TableError {}

/// Occurs when a record holds a private-use character the 外字 map cannot convert: it does not
/// list it, or lists it by an MJ文字図形名 that needs IPAmj明朝, which is not installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedGaiji {
    /// The field: a record's (its schema name), or an issuer profile's key.
    pub field: &'static str,
    /// The private-use character.
    pub character: char,
    /// Its position in the field's value, counted in characters from 1.
    pub position: usize,
    /// The font the map's MJ文字図形名 needs, when that is what is missing.
    pub font: Option<Box<crate::font::Unavailable>>,
}

impl std::fmt::Display for UnmappedGaiji {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "failed to convert 外字 ({})", self.reason())
    }
}

impl std::error::Error for UnmappedGaiji {}

impl UnmappedGaiji {
    /// Why, in code points: never the text around the character.
    pub fn reason(&self) -> String {
        let code = u32::from(self.character);
        let at = self.position;
        match &self.font {
            None => format!(
                "private-use character U+{code:04X} at character {at} is not in the issuer's 外字 map"
            ),
            Some(font) => format!(
                "the 外字 map gives private-use character U+{code:04X} at character {at} as an MJ文字図形名, and {} is not installed to look it up",
                font.font().display_name()
            ),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match &self.font {
            None => format!(
                "add U+{:04X} to the 外字 map named by `gaiji` in the issuer profile, with the Unicode sequence or MJ文字図形名 it stands for",
                u32::from(self.character)
            ),
            Some(font) => font.hint(),
        }
    }
}

/// Something printed differently from a plain run of the element's own font.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A private-use character converted by the 外字 map.
    Gaiji {
        /// The private-use character.
        code: char,
    },
    /// A cluster printed from a fallback font.
    Fallback {
        /// The font it came from.
        font: FontId,
    },
    /// A cluster no font has, replaced by the substitution table.
    Substituted {
        /// What was printed instead.
        to: String,
    },
}

/// One character (grapheme cluster) of a record's value that was printed with help, for the
/// manifest, `explain` and the staff page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TextNote {
    /// The record field (its schema name), when the text came from one.
    pub field: Option<&'static str>,
    /// The cluster as the record holds it (after the 外字 map).
    pub text: String,
    /// What was done.
    pub kind: NoteKind,
}

impl TextNote {
    /// The note in code points, as the manifest and logs may show it: `name:U+20BB7=noto-sans-jp`,
    /// `name:U+9089 U+E0102>U+908A`, `name:U+E000<gaiji`.
    pub fn code_points(&self) -> String {
        let field = self.field.unwrap_or("layout");
        let text = code_points(&self.text);
        match &self.kind {
            NoteKind::Gaiji { code } => format!("{field}:U+{:04X}>{text}", u32::from(*code)),
            NoteKind::Fallback { font } => format!("{field}:{text}={}", font.name()),
            NoteKind::Substituted { to } => format!("{field}:{text}>{}", code_points(to)),
        }
    }
}

/// The substitutions among `notes`, as the manifest lists them: `name:U+30000>U+5409`, `; `
/// between them.
pub fn substitutions(notes: &[TextNote]) -> String {
    notes
        .iter()
        .filter(|n| matches!(n.kind, NoteKind::Substituted { .. }))
        .map(TextNote::code_points)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Text as `U+XXXX` code points separated by spaces.
pub fn code_points(text: &str) -> String {
    text.chars()
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The record's text fields that may hold 外字, by schema name.
const TEXT_FIELDS: [&str; 5] = [
    "name",
    "name_kana",
    "address",
    "householder_name",
    "remarks",
];

fn text_field<'r>(record: &'r Record, field: &str) -> Option<&'r String> {
    match field {
        "name" => Some(&record.name),
        "name_kana" => record.name_kana.as_ref(),
        "address" => record.address.as_ref(),
        "householder_name" => record.householder_name.as_ref(),
        _ => record.remarks.as_ref(),
    }
}

fn text_field_mut<'r>(record: &'r mut Record, field: &str) -> Option<&'r mut String> {
    match field {
        "name" => Some(&mut record.name),
        "name_kana" => record.name_kana.as_mut(),
        "address" => record.address.as_mut(),
        "householder_name" => record.householder_name.as_mut(),
        _ => record.remarks.as_mut(),
    }
}

/// Converts a record's private-use characters with the 外字 map. The record is borrowed back
/// unchanged when it holds none, which is the common case and costs one scan of its text.
pub fn convert<'r>(
    record: &'r Record,
    map: &GaijiMap,
) -> Result<(Cow<'r, Record>, Vec<TextNote>), UnmappedGaiji> {
    let holds_pua = |field: &str| {
        text_field(record, field).is_some_and(|v| v.contains(crate::font::is_private_use))
    };
    if !TEXT_FIELDS.iter().any(|f| holds_pua(f)) {
        return Ok((Cow::Borrowed(record), Vec::new()));
    }
    let mut converted = record.clone();
    let mut notes = Vec::new();
    for &field in TEXT_FIELDS.iter().filter(|f| holds_pua(f)) {
        if let Some(value) = text_field_mut(&mut converted, field) {
            *value = map.convert(value, field, &mut notes)?;
        }
    }
    Ok((Cow::Owned(converted), notes))
}

/// Converts one text of the issuer profile (its name, a contact line, …) with the issuer's 外字
/// map, as records are converted: a municipality's own text may hold its 外字 too.
pub fn convert_text(
    value: &str,
    field: &'static str,
    map: &GaijiMap,
) -> Result<String, UnmappedGaiji> {
    map.convert(value, field, &mut Vec::new())
}

/// What printing a record's text fields takes, as `explain` reports it: the 外字 map's
/// conversions, clusters from fallback fonts, substitutions; or why a field cannot be printed.
/// Fields are set as the bundled layouts set them, in BIZ UDゴシック and its fallback chain.
pub fn explain(record: &Record, issuer: &crate::issuer::Issuer) -> Result<Vec<TextNote>, String> {
    let (record, mut notes) =
        convert(record, &issuer.gaiji_map).map_err(|e| format!("field `{}`: {e}", e.field))?;
    let chain = issuer.fonts.chain(FontId::Gothic);
    for field in TEXT_FIELDS {
        let Some(value) = text_field(&record, field) else {
            continue;
        };
        let first = notes.len();
        for line in value.split('\n') {
            let (text, glyphs) = shape(line, chain, &issuer.substitution_table, &mut notes)
                .map_err(|e| format!("field `{field}`: {e}"))?;
            fallback_notes(&text, &glyphs, chain[0], Some(field), &mut notes);
        }
        for note in &mut notes[first..] {
            note.field = Some(field);
        }
    }
    Ok(notes)
}

impl TextNote {
    /// The note as JSON, in code points: `{"field": "name", "text": "U+20BB7", "font":
    /// "noto-sans-jp"}`; `"substitute"` or `"gaiji"` instead of `"font"` for the other kinds.
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::json!({
            "field": self.field.unwrap_or("layout"),
            "text": code_points(&self.text),
        });
        let (key, value) = match &self.kind {
            NoteKind::Gaiji { code } => ("gaiji", format!("U+{:04X}", u32::from(*code))),
            NoteKind::Fallback { font } => ("font", font.name().to_string()),
            NoteKind::Substituted { to } => ("substitute", code_points(to)),
        };
        object[key] = serde_json::Value::String(value);
        object
    }
}

/// The notes of a text that needed a fallback font, from its glyphs.
pub fn fallback_notes(
    text: &str,
    glyphs: &[crate::font::Glyph],
    primary: FontId,
    field: Option<&'static str>,
    notes: &mut Vec<TextNote>,
) {
    for glyph in glyphs.iter().filter(|g| g.font != primary) {
        notes.push(TextNote {
            field,
            text: text[glyph.cluster.start as usize..glyph.cluster.end as usize].to_string(),
            kind: NoteKind::Fallback { font: glyph.font },
        });
    }
}
