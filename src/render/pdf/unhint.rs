//! Drops a TrueType subset's hinting: it empties the `fpgm`, `prep` and `cvt ` tables and removes
//! each glyph's instructions.
//!
//! Hinting moves outlines onto the pixel grid of a screen at small sizes (BIZ UD's is for Windows'
//! ClearType). PDF text is mostly not drawn that way: poppler and mupdf draw the sample documents
//! pixel for pixel the same with and without it, pdf.js has no TrueType interpreter, and shikaku's
//! own PNG previews use the bare outlines. Ghostscript does hint: at 600 dpi, 4.7 % of a card's
//! text pixels lie one pixel off where the hinted glyph put them (0.04 mm), which print cannot
//! show. In a card's subset of its record's glyphs, though, hinting is half the bytes (6.6 of
//! 13.2 KB), which every document carries and the preview server compresses for every request.
//! The outlines are left exactly as they are (docs/decisions.md §6).
//!
//! The three tables stay, empty: the PDF Reference (5th ed., §5.8 "Embedded Font Programs"; ISO
//! 32000-1 §9.9) lists them among those an embedded TrueType program always has, and an empty
//! table is a valid one (OpenType spec: `fpgm` and `prep` are `uint8[n]`, `cvt ` is `FWORD[n]`).
//!
//! A font this cannot read is returned as `None` and embedded as the subsetter wrote it.

use std::borrow::Cow;

/// Tables of hinting only (OpenType spec, "Tables related to TrueType outlines"), kept empty.
const HINTING: [&[u8; 4]; 3] = [b"cvt ", b"fpgm", b"prep"];

/// Composite glyph flags (OpenType spec, `glyf` table).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

/// The font without its hinting; `None` if its table directory, `loca` or a glyph is malformed.
pub fn without_hinting(font: &[u8]) -> Option<Vec<u8>> {
    let mut tables = read_tables(font)?;
    let long_offsets = u16_at(table(&tables, b"head")?, 50)? == 1;
    let (glyf, loca) = strip_glyphs(
        table(&tables, b"glyf")?,
        table(&tables, b"loca")?,
        long_offsets,
    )?;
    let maxp = without_instruction_limits(table(&tables, b"maxp")?)?;
    let mut rewritten = [(b"glyf", glyf), (b"loca", loca), (b"maxp", maxp)];
    for (tag, data) in &mut tables {
        if HINTING.contains(&&*tag) {
            *data = Cow::Borrowed(&[]);
        } else if let Some((_, new)) = rewritten.iter_mut().find(|(t, _)| *t == tag) {
            *data = Cow::Owned(std::mem::take(new));
        }
    }
    Some(write_font(u32_at(font, 0)?, tables))
}

/// Each table's tag and bytes: borrowed from the font, or rewritten.
type Tables<'a> = Vec<([u8; 4], Cow<'a, [u8]>)>;

/// The tables in the order of the directory (which is sorted by tag).
fn read_tables(font: &[u8]) -> Option<Tables<'_>> {
    let count = usize::from(u16_at(font, 4)?);
    (0..count)
        .map(|i| {
            let record = font.get(12 + 16 * i..28 + 16 * i)?;
            let tag: [u8; 4] = record[..4].try_into().ok()?;
            let offset = u32_at(record, 8)? as usize;
            let length = u32_at(record, 12)? as usize;
            let data = font.get(offset..offset.checked_add(length)?)?;
            Some((tag, Cow::Borrowed(data)))
        })
        .collect()
}

fn table<'a>(tables: &'a Tables<'_>, tag: &[u8; 4]) -> Option<&'a [u8]> {
    tables.iter().find(|(t, _)| t == tag).map(|(_, d)| &d[..])
}

/// Every glyph without its instructions, and the `loca` for them (in the same offset format).
fn strip_glyphs(glyf: &[u8], loca: &[u8], long_offsets: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let offsets = read_loca(loca, long_offsets)?;
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut new_offsets = Vec::with_capacity(offsets.len());
    new_offsets.push(0);
    for pair in offsets.windows(2) {
        let glyph = glyf.get(pair[0]..pair[1])?;
        if !glyph.is_empty() {
            strip_glyph(glyph, &mut new_glyf)?;
            // Short offsets count words; long ones keep that alignment too.
            if new_glyf.len() % 2 == 1 {
                new_glyf.push(0);
            }
        }
        new_offsets.push(new_glyf.len());
    }
    Some((new_glyf, write_loca(&new_offsets, long_offsets)))
}

fn read_loca(loca: &[u8], long_offsets: bool) -> Option<Vec<usize>> {
    let offsets: Vec<usize> = if long_offsets {
        loca.chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .collect()
    } else {
        loca.chunks_exact(2)
            .map(|c| usize::from(u16::from_be_bytes([c[0], c[1]])) * 2)
            .collect()
    };
    let ascending = offsets.windows(2).all(|w| w[0] <= w[1]);
    (ascending && !offsets.is_empty()).then_some(offsets)
}

fn write_loca(offsets: &[usize], long_offsets: bool) -> Vec<u8> {
    if long_offsets {
        offsets
            .iter()
            .flat_map(|&o| (o as u32).to_be_bytes())
            .collect()
    } else {
        // The glyphs only shrank, so the halved offsets still fit in 16 bits.
        offsets
            .iter()
            .flat_map(|&o| ((o / 2) as u16).to_be_bytes())
            .collect()
    }
}

/// Appends one glyph without its instructions.
fn strip_glyph(glyph: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let contours = i16::from_be_bytes([*glyph.first()?, *glyph.get(1)?]);
    if contours >= 0 {
        // Header (10 bytes), endPtsOfContours, instructionLength, instructions, flags and points.
        let at = 10 + 2 * usize::try_from(contours).ok()?;
        let length = usize::from(u16_at(glyph, at)?);
        let rest = glyph.get(at + 2 + length..)?;
        out.extend_from_slice(&glyph[..at]);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
    } else {
        let (last_flags_at, end) = last_component(glyph)?;
        let flags = u16_at(glyph, last_flags_at)?;
        out.extend_from_slice(&glyph[..last_flags_at]);
        out.extend_from_slice(&(flags & !WE_HAVE_INSTRUCTIONS).to_be_bytes());
        out.extend_from_slice(&glyph[last_flags_at + 2..end]);
    }
    Some(())
}

/// Where a composite glyph's last component record starts (its flags) and where it ends: the
/// instructions, if any, follow it.
fn last_component(glyph: &[u8]) -> Option<(usize, usize)> {
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let arguments = if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        let transform = if flags & WE_HAVE_A_SCALE != 0 {
            2
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            4
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        // Flags and glyph index, then the arguments and the transform.
        let end = at + 4 + arguments + transform;
        if end > glyph.len() {
            return None;
        }
        if flags & MORE_COMPONENTS == 0 {
            return Some((at, end));
        }
        at = end;
    }
}

/// `maxp` saying the font has no instructions, functions or twilight zone.
fn without_instruction_limits(maxp: &[u8]) -> Option<Vec<u8>> {
    let mut maxp = maxp.to_vec();
    // Version 0.5 (CFF outlines) has no such fields; a TrueType font has version 1.0, 32 bytes.
    if maxp.len() < 32 {
        return None;
    }
    // maxZones = 1 (no twilight zone), then maxTwilightPoints, maxStorage, maxFunctionDefs,
    // maxInstructionDefs, maxStackElements and maxSizeOfInstructions = 0.
    maxp[14..16].copy_from_slice(&1u16.to_be_bytes());
    maxp[16..28].fill(0);
    Some(maxp)
}

/// Writes an sfnt: the directory with each table's checksum, the tables at four-byte
/// boundaries, and `head`'s checksum adjustment (OpenType spec, "Table directory").
fn write_font(version: u32, mut tables: Tables<'_>) -> Vec<u8> {
    // The adjustment is computed over the font with it zeroed.
    let head = tables.iter_mut().find(|(tag, _)| tag == b"head");
    if let Some(adjustment) = head.and_then(|(_, head)| head.to_mut().get_mut(8..12)) {
        adjustment.fill(0);
    }
    let count = tables.len() as u16;
    let power = 1u16 << count.max(1).ilog2();
    let mut out = Vec::with_capacity(12 + tables.iter().map(|t| 16 + t.1.len() + 3).sum::<usize>());
    out.extend_from_slice(&version.to_be_bytes());
    for field in [
        count,
        power * 16,
        power.ilog2() as u16,
        (count - power) * 16,
    ] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &tables {
        if tag == b"head" {
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

/// The sum of big-endian 32-bit words, the last padded with zeros.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::{FontId, Fonts};
    use proptest::prelude::*;
    use ttf_parser::{Face, GlyphId, OutlineBuilder, Tag};

    /// A glyph's outline as text, to compare two fonts' drawings of it.
    #[derive(Default)]
    struct Path(String);

    impl OutlineBuilder for Path {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("M{x} {y}");
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("L{x} {y}");
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0 += &format!("Q{x1} {y1} {x} {y}");
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0 += &format!("C{x1} {y1} {x2} {y2} {x} {y}");
        }
        fn close(&mut self) {
            self.0 += "Z";
        }
    }

    fn outline(face: &Face, gid: u16) -> (String, Option<ttf_parser::Rect>, Option<u16>) {
        let mut path = Path::default();
        let bbox = face.outline_glyph(GlyphId(gid), &mut path);
        (path.0, bbox, face.glyph_hor_advance(GlyphId(gid)))
    }

    /// A subset of the bundled TrueType font as the PDF writer makes one, of the glyphs of `text`.
    fn subset(id: FontId, text: &str) -> Vec<u8> {
        let font = Fonts::global().get(id);
        let face = font.face();
        let mut gids: Vec<u16> = text
            .chars()
            .filter_map(|c| face.glyph_index(c).map(|g| g.0))
            .collect();
        gids.sort_unstable();
        gids.dedup();
        let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&gids);
        subsetter::subset(font.data(), font.index(), &remapper).unwrap()
    }

    fn instructions_of(gid: u16, glyf: &[u8], loca: &[usize]) -> usize {
        let glyph = &glyf[loca[usize::from(gid)]..loca[usize::from(gid) + 1]];
        if glyph.is_empty() {
            return 0;
        }
        let contours = i16::from_be_bytes([glyph[0], glyph[1]]);
        if contours >= 0 {
            usize::from(u16_at(glyph, 10 + 2 * contours as usize).unwrap())
        } else {
            let (at, end) = last_component(glyph).unwrap();
            let hinted = u16_at(glyph, at).unwrap() & WE_HAVE_INSTRUCTIONS != 0;
            if hinted {
                usize::from(u16_at(glyph, end).unwrap())
            } else {
                0
            }
        }
    }

    fn glyph_offsets(font: &[u8]) -> (Vec<u8>, Vec<usize>) {
        let tables = read_tables(font).unwrap();
        let long = u16_at(table(&tables, b"head").unwrap(), 50).unwrap() == 1;
        let loca = read_loca(table(&tables, b"loca").unwrap(), long).unwrap();
        (table(&tables, b"glyf").unwrap().to_vec(), loca)
    }

    #[test]
    fn the_outlines_stay_and_the_hinting_goes() {
        let text = "資格確認書 被保険者氏名 山田太郎 髙橋﨑 0123456789 ｱｲｳ がぎぐ ABCxyz（）〒";
        for id in [FontId::Gothic, FontId::GothicBold, FontId::Mincho] {
            let hinted = subset(id, text);
            let unhinted = without_hinting(&hinted).expect("a subset of a bundled font");
            let before = Face::parse(&hinted, 0).unwrap();
            let after = Face::parse(&unhinted, 0).unwrap();
            assert!(before.raw_face().table(Tag::from_bytes(b"fpgm")).is_some());
            for tag in HINTING {
                assert_eq!(after.raw_face().table(Tag::from_bytes(tag)), Some(&[][..]));
            }
            assert_eq!(before.number_of_glyphs(), after.number_of_glyphs());
            let (glyf, loca) = glyph_offsets(&unhinted);
            let (old_glyf, old_loca) = glyph_offsets(&hinted);
            let mut had_instructions = 0;
            for gid in 0..before.number_of_glyphs() {
                assert_eq!(
                    outline(&before, gid),
                    outline(&after, gid),
                    "{id:?} glyph {gid}"
                );
                had_instructions += instructions_of(gid, &old_glyf, &old_loca);
                assert_eq!(instructions_of(gid, &glyf, &loca), 0);
            }
            assert!(had_instructions > 0, "{id:?}'s glyphs were hinted");
            assert!(
                unhinted.len() * 2 < hinted.len() + 4096,
                "{id:?}: {} → {}",
                hinted.len(),
                unhinted.len()
            );
        }
    }

    #[test]
    fn the_checksums_are_right() {
        let font = without_hinting(&subset(FontId::Gothic, "山田太郎")).unwrap();
        // The whole font sums to the magic number (OpenType spec, `head`).
        assert_eq!(checksum(&font), 0xB1B0_AFBA);
        let count = usize::from(u16_at(&font, 4).unwrap());
        for i in 0..count {
            let record = &font[12 + 16 * i..28 + 16 * i];
            let (offset, length) = (
                u32_at(record, 8).unwrap() as usize,
                u32_at(record, 12).unwrap() as usize,
            );
            let mut data = font[offset..offset + length].to_vec();
            if &record[..4] == b"head" {
                data[8..12].fill(0);
            }
            assert_eq!(
                checksum(&data),
                u32_at(record, 4).unwrap(),
                "{:?}",
                &record[..4]
            );
        }
        assert_eq!(
            u16_at(&font, 6),
            Some(16 * 8),
            "searchRange for {count} tables"
        );
    }

    #[test]
    fn composite_glyphs_lose_their_instructions_and_keep_their_components() {
        // One simple glyph and one composite of it, moved, the composite with 3 bytes of
        // instructions; short loca offsets.
        let simple = [0, 1, 0, 0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 2, 0xb0, 0x01, 1];
        let composite = [
            0xff, 0xff, 0, 0, 0, 0, 0, 10, 0, 10, // header
            0x01, 0x02, 0, 0, 5,
            7, // ARGS_ARE_XY_VALUES | WE_HAVE_INSTRUCTIONS, glyph 0, dx 5, dy 7
            0, 3, 0xb0, 0x01, 0x02, 0, // 3 bytes of instructions, padding
        ];
        let mut glyf = simple.to_vec();
        glyf.push(0);
        let second = glyf.len();
        glyf.extend_from_slice(&composite);
        let loca: Vec<u8> = [0, second, glyf.len()]
            .iter()
            .flat_map(|&o| ((o / 2) as u16).to_be_bytes())
            .collect();
        let (new_glyf, new_loca) = strip_glyphs(&glyf, &loca, false).unwrap();
        let offsets = read_loca(&new_loca, false).unwrap();
        // The simple glyph: instruction length 0, its two instruction bytes gone.
        assert_eq!(
            &new_glyf[..offsets[1]],
            &[0, 1, 0, 0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 0, 1, 0]
        );
        // The composite: the flag cleared, the instructions gone.
        assert_eq!(
            &new_glyf[offsets[1]..offsets[2]],
            &[0xff, 0xff, 0, 0, 0, 0, 0, 10, 0, 10, 0x00, 0x02, 0, 0, 5, 7]
        );
    }

    proptest! {
        /// Whatever the bytes, an answer and no panic; an answer is a font that parses.
        #[test]
        fn damaged_fonts_are_refused_or_mended(cut in 0usize..4000, flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8)) {
            let mut font = subset(FontId::Gothic, "山田");
            font.truncate(font.len().saturating_sub(cut));
            for (at, byte) in flips {
                if let Some(b) = font.get_mut(at) {
                    *b = byte;
                }
            }
            if let Some(unhinted) = without_hinting(&font) {
                prop_assert!(unhinted.len() >= 12);
            }
        }
    }
}
