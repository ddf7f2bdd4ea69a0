//! The 外字 map: a CSV of private-use code points and the Unicode sequences they stand for.
//!
//! ```csv
//! # 外字 of 高崎市's resident registry export
//! code,character,note
//! U+E000,U+9089 U+E0102,邉 (邊の異体)
//! U+E001,MJ026190,
//! U+E002,𠮷,
//! ```
//!
//! `code` is a private-use code point (`U+E000` or `E000`); `character` is what it stands for:
//! code points (`U+9089 U+E0102`), the characters themselves, or an MJ文字図形名. Lines starting
//! with `#` are comments; the `note` column is for people and is not read.

use std::collections::BTreeMap;

use super::mj::MjError;
use super::{mj_sequence, NoteKind, TableError, TextNote, UnmappedGaiji};
use crate::font::{is_private_use, Unavailable};

/// The issuer's private-use characters and what each stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaijiMap {
    /// By private-use character: the sequence, or, for an MJ文字図形名 that could not be looked
    /// up because IPAmj明朝 is not installed, why (only records that use it are refused).
    entries: BTreeMap<char, Result<String, Unavailable>>,
}

impl GaijiMap {
    /// Reads a map from CSV text; `file` names it in errors.
    pub fn from_csv(text: &str, file: &str) -> Result<GaijiMap, TableError> {
        let mut entries = BTreeMap::new();
        let mut lines_of = BTreeMap::new();
        for (line, cells) in super::substitute::csv_rows(text, file, &["code", "character"])? {
            let error = |message: String, hint: Option<&str>| TableError {
                file: file.to_string(),
                line,
                message,
                hint: hint.map(str::to_string),
            };
            let code = parse_code(&cells[0]).map_err(|m| error(m, None))?;
            if !is_private_use(code) {
                return Err(error(
                    format!("U+{:04X} is not a private-use code point", u32::from(code)),
                    Some("the 外字 map converts private-use characters (U+E000–U+F8FF, planes 15–16); a character no font has goes in the substitution table"),
                ));
            }
            let target = match parse_target(&cells[1]) {
                Ok(text) => Ok(text),
                Err(Target::NoFont(unavailable)) => Err(unavailable),
                Err(Target::Bad(m, h)) => return Err(error(m, h.as_deref())),
            };
            if let Some(first) = lines_of.insert(code, line) {
                return Err(error(
                    format!(
                        "U+{:04X} is mapped twice (first on line {first})",
                        u32::from(code)
                    ),
                    None,
                ));
            }
            entries.insert(code, target);
        }
        Ok(GaijiMap { entries })
    }

    /// How many characters the map lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map lists nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces every private-use character of `value` (of record field `field`).
    pub(super) fn convert(
        &self,
        value: &str,
        field: &'static str,
        notes: &mut Vec<TextNote>,
    ) -> Result<String, UnmappedGaiji> {
        let mut out = String::with_capacity(value.len() + 8);
        for (i, c) in value.chars().enumerate() {
            if !is_private_use(c) {
                out.push(c);
                continue;
            }
            let unmapped = |font| UnmappedGaiji {
                field,
                character: c,
                position: i + 1,
                font,
            };
            let target = match self.entries.get(&c) {
                Some(Ok(target)) => target,
                Some(Err(font)) => return Err(unmapped(Some(Box::new(font.clone())))),
                None => return Err(unmapped(None)),
            };
            out.push_str(target);
            notes.push(TextNote {
                field: Some(field),
                text: target.clone(),
                kind: NoteKind::Gaiji { code: c },
            });
        }
        Ok(out)
    }
}

/// A code point written `U+E000`, `u+e000` or `E000`.
pub(super) fn parse_code(cell: &str) -> Result<char, String> {
    let hex = cell
        .trim()
        .trim_start_matches("U+")
        .trim_start_matches("u+");
    u32::from_str_radix(hex, 16)
        .ok()
        .filter(|_| (1..=6).contains(&hex.len()))
        .and_then(char::from_u32)
        .ok_or_else(|| format!("`{}` is not a code point (write it as U+E000)", cell.trim()))
}

/// Why a table cell gives no sequence.
pub(super) enum Target {
    /// The cell is wrong: the message and a hint.
    Bad(String, Option<String>),
    /// An MJ文字図形名 that needs IPAmj明朝 to be looked up, which is not installed.
    NoFont(Unavailable),
}

/// What a 外字 stands for: an MJ文字図形名, code points, or the characters themselves.
pub(super) fn parse_target(cell: &str) -> Result<String, Target> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(Target::Bad(
            "the character it stands for is empty".into(),
            None,
        ));
    }
    let text = if cell.starts_with("MJ") && cell.is_ascii() {
        mj_sequence(cell).map_err(|e| match e {
            MjError::NoFont(unavailable) => Target::NoFont(unavailable),
            other => Target::Bad(other.to_string(), Some(other.hint())),
        })?
    } else if cell.starts_with("U+") || cell.starts_with("u+") {
        cell.split_whitespace()
            .map(parse_code)
            .collect::<Result<String, String>>()
            .map_err(|m| Target::Bad(m, None))?
    } else {
        cell.to_string()
    };
    check_sequence(&text).map_err(|m| Target::Bad(m, None))?;
    Ok(text)
}

/// Refuses what cannot be printed as a name: private use, controls, and a variation selector
/// that follows no base character.
pub(super) fn check_sequence(text: &str) -> Result<(), String> {
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if is_private_use(c) || c.is_control() {
            return Err(format!(
                "U+{:04X} cannot be printed (a private-use or control character)",
                u32::from(c)
            ));
        }
        if crate::font::is_variation_selector(c)
            && previous.map_or(true, crate::font::is_variation_selector)
        {
            return Err(format!(
                "variation selector U+{:04X} follows no base character",
                u32::from(c)
            ));
        }
        previous = Some(c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Result<GaijiMap, TableError> {
        GaijiMap::from_csv(text, "gaiji.csv")
    }

    #[test]
    fn reads_code_points_and_characters() {
        let m =
            map("# comment\ncode,character,note\nU+E000,U+9089 U+E0102,邉\nE001,𠮷,\n").unwrap();
        let mut notes = Vec::new();
        let out = m
            .convert("\u{E000}見 \u{E001}田", "name", &mut notes)
            .unwrap();
        assert_eq!(out, "邉\u{E0102}見 𠮷田");
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].code_points(), "name:U+E000>U+9089 U+E0102");
    }

    #[test]
    fn an_unmapped_character_names_its_code_point_and_position() {
        let m = map("code,character\nU+E000,𠮷\n").unwrap();
        let err = m
            .convert("山\u{E001}", "name", &mut Vec::new())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to convert 外字 (private-use character U+E001 at character 2 is not in the issuer's 外字 map)"
        );
        assert_eq!(err.field, "name");
    }

    #[test]
    fn refuses_bad_lines_with_their_line_number() {
        let cases = [
            (
                "code,character\nU+4E00,一\n",
                "gaiji.csv:2: U+4E00 is not a private-use code point",
            ),
            (
                "code,character\nU+E000,一\nU+E000,二\n",
                "gaiji.csv:3: U+E000 is mapped twice (first on line 2)",
            ),
            (
                "code,character\nU+E000,\u{E0100}\n",
                "gaiji.csv:2: variation selector U+E0100 follows no base character",
            ),
            (
                "code,character\nU+E000,\u{E001}\n",
                "gaiji.csv:2: U+E001 cannot be printed (a private-use or control character)",
            ),
            (
                "code,character\nxyz,一\n",
                "gaiji.csv:2: `xyz` is not a code point (write it as U+E000)",
            ),
            (
                "code,character\nU+E000,U+ZZZZ\n",
                "gaiji.csv:2: `U+ZZZZ` is not a code point (write it as U+E000)",
            ),
            (
                "code,character\nU+E000,MJ01234\n",
                "gaiji.csv:2: `MJ01234` is not an MJ文字図形名 (MJ and six digits)",
            ),
            (
                "code,character\nU+E000\n",
                "gaiji.csv:2: expected 2 columns (code,character), found 1",
            ),
            (
                "pua,unicode\nU+E000,一\n",
                "gaiji.csv:1: expected the header code,character",
            ),
        ];
        for (text, expected) in cases {
            let err = map(text).unwrap_err();
            assert_eq!(err.to_string().lines().next().unwrap(), expected, "{text}");
        }
    }
}
