//! The substitution table: what to print for a character no font of the chain has (MJ縮退-style,
//! as the 文字情報基盤 縮退マップ reduces MJ文字 to JIS X 0213 characters).
//!
//! ```csv
//! character,substitute,note
//! U+30000,U+5409,
//! ```
//!
//! `character` is a character or a base with its variation selector; `substitute` what is printed
//! instead. A substitution is made only where no font has the character, and each one made is
//! reported, because the printed name then differs from the resident registry.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::map::{parse_target, Target};
use super::{NoteKind, TableError, TextNote};
use crate::font::{FontId, Glyph, MissingGlyph};

/// Characters no font has, and what to print instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Substitutions {
    entries: BTreeMap<String, String>,
}

impl Substitutions {
    /// Reads a table from CSV text; `file` names it in errors.
    pub fn from_csv(text: &str, file: &str) -> Result<Substitutions, TableError> {
        let mut entries = BTreeMap::new();
        let mut lines_of = BTreeMap::new();
        for (line, cells) in csv_rows(text, file, &["character", "substitute"])? {
            let error = |message: String, hint: Option<String>| TableError {
                file: file.to_string(),
                line,
                message,
                hint,
            };
            // Both sides are read now, MJ文字図形名 included: a substitution decides what is
            // printed for every record, so it must be known before the first.
            let cell = |text: &str| {
                parse_target(text).map_err(|e| match e {
                    Target::Bad(m, h) => error(m, h),
                    Target::NoFont(u) => error(u.to_string(), Some(u.hint())),
                })
            };
            let (from, to) = (cell(&cells[0])?, cell(&cells[1])?);
            if from == to {
                return Err(error("a character is substituted by itself".into(), None));
            }
            if let Some(first) = lines_of.insert(from.clone(), line) {
                return Err(error(
                    format!(
                        "{} is listed twice (first on line {first})",
                        super::code_points(&from)
                    ),
                    None,
                ));
            }
            entries.insert(from, to);
        }
        Ok(Substitutions { entries })
    }

    /// What to print instead of `cluster`, if the table says.
    pub fn get(&self, cluster: &str) -> Option<&str> {
        self.entries.get(cluster).map(String::as_str)
    }

    /// Whether the table lists nothing (the default: refuse).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Shapes text with a fallback chain, replacing clusters no font of it has when the
/// substitution table lists them, and noting each replacement. A substitute that cannot be
/// printed either is not substituted again: the cluster is reported missing. Nor is anything
/// substituted while a font of the chain is not installed: that font might have the cluster,
/// and a machine with it would print the registry's character.
pub fn shape<'t>(
    text: &'t str,
    chain: &[FontId],
    substitutions: &Substitutions,
    notes: &mut Vec<TextNote>,
) -> Result<(Cow<'t, str>, Vec<Glyph>), MissingGlyph> {
    let mut text = Cow::Borrowed(text);
    let mut substituted: Vec<std::ops::Range<usize>> = Vec::new();
    loop {
        let missing = match crate::font::shape(&text, chain) {
            Ok(glyphs) => return Ok((text, glyphs)),
            Err(missing) => missing,
        };
        let range = missing.cluster.clone();
        let again = substituted
            .iter()
            .any(|r| r.start < range.end && range.start < r.end);
        let to = match substitutions.get(&text[range.clone()]) {
            Some(to) if missing.unavailable.is_empty() && !again => to,
            _ => return Err(missing),
        };
        notes.push(TextNote {
            field: None,
            text: text[range.clone()].to_string(),
            kind: NoteKind::Substituted { to: to.to_string() },
        });
        let shift = to.len() as isize - range.len() as isize;
        for r in &mut substituted {
            if r.start >= range.end {
                *r = (r.start as isize + shift) as usize..(r.end as isize + shift) as usize;
            }
        }
        substituted.push(range.start..range.start + to.len());
        text = Cow::Owned(format!(
            "{}{to}{}",
            &text[..range.start],
            &text[range.end..]
        ));
    }
}

/// The rows of a small CSV table after its header, with their 1-based line numbers; lines
/// starting with `#` are comments, columns past `columns` are notes for people.
pub(super) fn csv_rows(
    text: &str,
    file: &str,
    columns: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut header = true;
    for record in reader.records() {
        let record = record.map_err(|e| TableError {
            file: file.to_string(),
            line: e.position().map_or(0, |p| p.line() as usize),
            message: format!("failed to read CSV ({e})"),
            hint: None,
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if header {
            header = false;
            if cells.len() < columns.len() || cells[..columns.len()] != *columns {
                return Err(TableError {
                    file: file.to_string(),
                    line,
                    message: format!("expected the header {}", columns.join(",")),
                    hint: Some(format!(
                        "start the file with the line `{}`",
                        columns.join(",")
                    )),
                });
            }
            continue;
        }
        if cells.len() < columns.len() {
            return Err(TableError {
                file: file.to_string(),
                line,
                message: format!(
                    "expected {} columns ({}), found {}",
                    columns.len(),
                    columns.join(","),
                    cells.len()
                ),
                hint: None,
            });
        }
        rows.push((line, cells));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_whole_clusters() {
        let t = Substitutions::from_csv(
            "character,substitute,note\nU+2A6B2,U+5409,\nU+845B U+E0103,葛,\n",
            "subst.csv",
        )
        .unwrap();
        assert_eq!(t.get("\u{2A6B2}"), Some("吉"));
        assert_eq!(t.get("葛\u{E0103}"), Some("葛"));
        assert_eq!(t.get("葛"), None);
    }

    #[test]
    fn substitutes_only_what_no_font_has_and_notes_it() {
        // U+30000 (CJK Extension G) is in no font shikaku uses.
        let table = Substitutions::from_csv(
            "character,substitute\nU+30000,U+5409\nU+5409,U+571F\n",
            "subst.csv",
        )
        .unwrap();
        let mut notes = Vec::new();
        let (text, glyphs) = shape("\u{30000}田", &[FontId::Gothic], &table, &mut notes).unwrap();
        // 吉 is in the font: it is printed, not substituted again by the table's second line.
        assert_eq!(text, "吉田");
        assert_eq!(glyphs.len(), 2);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].code_points(), "layout:U+30000>U+5409");
        // Without an entry, the cluster is refused.
        let err = shape("\u{30001}", &[FontId::Gothic], &table, &mut notes).unwrap_err();
        assert_eq!(err.character, '\u{30001}');
    }

    #[test]
    fn a_substitute_no_font_has_is_not_substituted_again() {
        let table = Substitutions::from_csv(
            "character,substitute\nU+30000,U+30001\nU+30001,U+30000\n",
            "subst.csv",
        )
        .unwrap();
        let err = shape("\u{30000}", &[FontId::Gothic], &table, &mut Vec::new()).unwrap_err();
        assert_eq!(err.character, '\u{30001}');
    }

    #[test]
    fn refuses_a_character_listed_twice() {
        let err = Substitutions::from_csv(
            "character,substitute\nU+2A6B2,吉\n\u{2A6B2},士\n",
            "subst.csv",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "subst.csv:3: U+2A6B2 is listed twice (first on line 2)"
        );
    }
}
