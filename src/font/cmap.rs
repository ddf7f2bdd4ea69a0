//! Everything a font's character map holds, listed: its code points and its Ideographic
//! Variation Sequences (cmap format 14), which ttf-parser only looks up one at a time.
//!
//! Listing them serves two things that need the whole map: naming an MJ文字 by the sequence
//! IPAmj明朝 draws it for ([`crate::gaiji`]), and measuring coverage (tests/fonts.rs).

use ttf_parser::{Face, GlyphId};

/// One entry of a font's map: a code point, or a base and a variation selector, and its glyph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mapping {
    /// The base character.
    pub base: char,
    /// The variation selector, for a variation sequence.
    pub selector: Option<char>,
    /// The glyph it maps to.
    pub glyph: GlyphId,
}

/// Every code point and variation sequence the face maps, in code point order, sequences after
/// their plain code point.
pub fn mappings(face: &Face) -> Vec<Mapping> {
    let mut plain = std::collections::BTreeMap::new();
    if let Some(cmap) = face.tables().cmap {
        for subtable in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
            subtable.codepoints(|cp| {
                if let (Some(c), Some(g)) = (char::from_u32(cp), subtable.glyph_index(cp)) {
                    plain.entry(c).or_insert(g);
                }
            });
        }
    }
    let mut out: Vec<Mapping> = plain
        .iter()
        .map(|(&base, &glyph)| Mapping {
            base,
            selector: None,
            glyph,
        })
        .collect();
    for (base, selector, glyph) in variation_sequences(face) {
        let glyph = glyph.or_else(|| plain.get(&base).copied());
        if let Some(glyph) = glyph {
            out.push(Mapping {
                base,
                selector: Some(selector),
                glyph,
            });
        }
    }
    out.sort();
    out
}

/// The variation sequences of the face's format 14 subtable: base, selector, and the glyph for
/// a non-default sequence (`None`: the base's own glyph).
fn variation_sequences(face: &Face) -> Vec<(char, char, Option<GlyphId>)> {
    let Some(data) = face.raw_face().table(ttf_parser::Tag::from_bytes(b"cmap")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = read_format14(data, &mut out);
    out
}

/// Reads the format 14 subtable of a `cmap` table (OpenType cmap, "Format 14: Unicode Variation
/// Sequences"); `None` where the table is cut short.
fn read_format14(cmap: &[u8], out: &mut Vec<(char, char, Option<GlyphId>)>) -> Option<()> {
    let count = u16_at(cmap, 2)?;
    for i in 0..usize::from(count) {
        let record = 4 + i * 8;
        let offset = u32_at(cmap, record + 4)? as usize;
        if u16_at(cmap, offset)? != 14 {
            continue;
        }
        let sub = cmap.get(offset..)?;
        let selectors = u32_at(sub, 6)? as usize;
        for s in 0..selectors {
            let at = 10 + s * 11;
            let selector = char::from_u32(u24_at(sub, at)?)?;
            let default = u32_at(sub, at + 3)? as usize;
            let non_default = u32_at(sub, at + 7)? as usize;
            if default != 0 {
                let ranges = u32_at(sub, default)? as usize;
                for r in 0..ranges {
                    let start = u24_at(sub, default + 4 + r * 4)?;
                    let extra = u32::from(*sub.get(default + 4 + r * 4 + 3)?);
                    for cp in start..=start + extra {
                        out.push((char::from_u32(cp)?, selector, None));
                    }
                }
            }
            if non_default != 0 {
                let mappings = u32_at(sub, non_default)? as usize;
                for m in 0..mappings {
                    let at = non_default + 4 + m * 5;
                    let base = char::from_u32(u24_at(sub, at)?)?;
                    out.push((base, selector, Some(GlyphId(u16_at(sub, at + 3)?))));
                }
            }
        }
        return Some(());
    }
    Some(())
}

pub(crate) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u24_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 3)?;
    Some(u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_bundled_gothics_code_points_and_sequences() {
        let data = std::fs::read("fonts/BIZUDGothic-Regular.ttf").unwrap();
        let face = Face::parse(&data, 0).unwrap();
        let all = mappings(&face);
        let plain = all.iter().filter(|m| m.selector.is_none()).count();
        let sequences = all.len() - plain;
        // The counts fontTools gives for BIZ UDGothic 1.05 (docs/decisions.md §5).
        assert_eq!((plain, sequences), (11_741, 10_160));
        // Every listed sequence is one ttf-parser finds too, with the same glyph.
        for m in all.iter().filter(|m| m.selector.is_some()).step_by(97) {
            let found = face.glyph_variation_index(m.base, m.selector.unwrap());
            assert_eq!(found, Some(m.glyph), "{m:?}");
        }
    }
}
