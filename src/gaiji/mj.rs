//! MJ文字図形名 (`MJ026190`) → the Unicode sequence that prints that glyph.
//!
//! No MJ文字一覧 is shipped: IPAmj明朝 names each of its glyphs after its MJ文字図形名
//! (`mj026190`), so its own character map tells which code point, or which Moji_Joho
//! Ideographic Variation Sequence, draws each MJ文字. Of its 59,161 MJ glyphs, 59,127 are
//! reachable so (IPAmj明朝 005.01; docs/decisions.md §5); the rest are refused by name.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::font::{cmap, FontId, Fonts, Unavailable};

/// Occurs when an MJ文字図形名 cannot be turned into a Unicode sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MjError {
    /// Occurs when IPAmj明朝, which the lookup reads, is not installed.
    NoFont(Unavailable),
    /// Occurs when the name is not of the form MJ + six digits.
    Malformed(String),
    /// Occurs when IPAmj明朝 has no glyph of that name, or none that a sequence reaches.
    Unknown(String),
}

impl std::fmt::Display for MjError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            MjError::NoFont(e) => write!(f, "failed to look up MJ文字図形名 ({e})"),
            MjError::Malformed(name) => {
                write!(f, "`{name}` is not an MJ文字図形名 (MJ and six digits)")
            }
            MjError::Unknown(name) => write!(
                f,
                "{name} has no Unicode sequence in IPAmj明朝 (an unknown MJ文字, or one without a code point or IVS)"
            ),
        }
    }
}

impl MjError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            MjError::NoFont(e) => e.hint(),
            MjError::Malformed(_) => "write it as MJ012345".into(),
            MjError::Unknown(_) => {
                "write the character as code points instead (U+XXXX, with its variation selector)"
                    .into()
            }
        }
    }
}

/// The Unicode sequence that prints MJ文字 `name` in IPAmj明朝: its code point, with the
/// Moji_Joho variation selector when the glyph has one (the lowest, when several).
pub fn mj_sequence(name: &str) -> Result<String, MjError> {
    let number = name
        .strip_prefix("MJ")
        .filter(|d| d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u32>().ok())
        .ok_or_else(|| MjError::Malformed(name.to_string()))?;
    let table = table().map_err(|e| MjError::NoFont(e.clone()))?;
    table
        .get(&number)
        .cloned()
        .ok_or_else(|| MjError::Unknown(name.to_string()))
}

/// MJ number → sequence, read from IPAmj明朝 once.
fn table() -> Result<&'static BTreeMap<u32, String>, &'static Unavailable> {
    static TABLE: OnceLock<Result<BTreeMap<u32, String>, Unavailable>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let font = Fonts::global()
                .try_get(FontId::IpamjMincho)
                .map_err(Clone::clone)?;
            Ok(build(font.face()))
        })
        .as_ref()
}

fn build(face: &ttf_parser::Face) -> BTreeMap<u32, String> {
    // A glyph's sequence: one with a selector wins over the plain code point (it names the
    // glyph in every font of the collection); among equals, the lowest.
    let mut by_glyph: BTreeMap<u16, (bool, String)> = BTreeMap::new();
    for m in cmap::mappings(face)
        .into_iter()
        .filter(|m| !crate::font::is_private_use(m.base))
    {
        let mut text = m.base.to_string();
        text.extend(m.selector);
        let candidate = (m.selector.is_none(), text);
        by_glyph
            .entry(m.glyph.0)
            .and_modify(|best| {
                if candidate < *best {
                    *best = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    let names = glyph_names(face);
    by_glyph
        .into_iter()
        .filter_map(|(glyph, (_, text))| {
            let name = names.get(usize::from(glyph)).copied().flatten()?;
            let number = name.strip_prefix("mj")?.parse::<u32>().ok()?;
            Some((number, text))
        })
        .collect()
}

/// Each glyph's own name from the `post` table (version 2.0), read in one pass. ttf-parser's
/// `glyph_name` walks the list of names from its start for every glyph: for IPAmj明朝's 60,000
/// glyphs that took 20 s of CPU before the first MJ文字図形名 could be looked up.
fn glyph_names<'f>(face: &ttf_parser::Face<'f>) -> Vec<Option<&'f str>> {
    let read = || -> Option<Vec<Option<&'f str>>> {
        let post = face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"post"))?;
        if post.get(0..4)? != [0, 2, 0, 0] {
            return None;
        }
        let count = usize::from(cmap::u16_at(post, 32)?);
        let indexes = (0..count)
            .map(|i| cmap::u16_at(post, 34 + 2 * i))
            .collect::<Option<Vec<u16>>>()?;
        // Names past the 258 standard Macintosh ones: Pascal strings, in index order.
        let mut names = Vec::new();
        let mut at = 34 + 2 * count;
        while let Some(&len) = post.get(at) {
            let bytes = post.get(at + 1..at + 1 + usize::from(len))?;
            names.push(std::str::from_utf8(bytes).ok());
            at += 1 + usize::from(len);
        }
        let own = |i: u16| {
            usize::from(i)
                .checked_sub(258)
                .and_then(|k| names.get(k).copied().flatten())
        };
        Some(indexes.into_iter().map(own).collect())
    };
    read().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_the_font_is_needed() {
        assert_eq!(
            mj_sequence("MJ12345").unwrap_err().to_string(),
            "`MJ12345` is not an MJ文字図形名 (MJ and six digits)"
        );
    }

    #[test]
    fn mj_names_become_moji_joho_sequences() {
        if Fonts::global().try_get(FontId::IpamjMincho).is_err() {
            return; // scripts/test.sh installs fonts-ipamj-mincho; tests/fonts.rs insists on it
        }
        // 邉: MJ026190 is both the plain glyph and U+E010F; the sequence is preferred.
        assert_eq!(mj_sequence("MJ026190").unwrap(), "邉\u{E010F}");
        assert_eq!(mj_sequence("MJ060248").unwrap(), "邉\u{E0110}");
        // 𠮷 has no variation sequence in IPAmj明朝: its code point alone.
        assert_eq!(mj_sequence("MJ032129").unwrap(), "\u{20BB7}");
        assert!(matches!(mj_sequence("MJ999999"), Err(MjError::Unknown(_))));
    }

    #[test]
    fn glyph_names_agree_with_ttf_parser() {
        let Ok(font) = Fonts::global().try_get(FontId::IpamjMincho) else {
            return; // scripts/test.sh installs fonts-ipamj-mincho; tests/fonts.rs insists on it
        };
        let names = glyph_names(font.face());
        assert_eq!(names.len(), usize::from(font.face().number_of_glyphs()));
        // A sample across the font: ttf-parser's lookup is too slow for every glyph.
        for glyph in (300..names.len()).step_by(997) {
            let theirs = font.face().glyph_name(ttf_parser::GlyphId(glyph as u16));
            assert_eq!(names[glyph], theirs, "glyph {glyph}");
        }
    }
}
