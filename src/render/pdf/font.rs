//! Fonts in PDF: subsets as CID-keyed Type 0 fonts with Identity-H encoding, two per
//! font per file: one of the glyphs the backgrounds show, named by the Form
//! XObjects' resources and the same in every file of a form (so it is made once,
//! see `cache::font`), and one of the glyphs the pages show themselves, named by
//! the pages' resources. Both go by the same resource name (`/F0` …), so content
//! streams do not say which subset they draw from. Content streams name glyphs by their id in the full font
//! (so a page's bytes do not depend on the file it lands in); for TrueType fonts a
//! CIDToGIDMap maps those ids to the subset's, and for CFF fonts (Noto CJK) the
//! subset's charset does (see [`cff_charset`]). A ToUnicode map gives the text back
//! for copy and search — also for IVS variant glyphs, which have no code point of
//! their own.

use std::collections::BTreeMap;
use std::sync::Arc;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::{compress, Effort, UsedGlyph};
use crate::font::{FontId, Fonts};

/// The glyphs each font used in one file's content streams of one kind (its pages' own, or its
/// backgrounds'), with their text.
#[derive(Default)]
pub struct FontSet {
    used: [BTreeMap<u16, UsedGlyph>; FontId::ALL.len()],
}

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

impl FontSet {
    /// Records a glyph as used. The glyph's ToUnicode entry is its plain character's when the
    /// set's streams show it plain anywhere: an occurrence with a variation selector gives its
    /// own text by `/ActualText` (content.rs), a plain one has only this entry.
    pub fn add(&mut self, glyph: &UsedGlyph) {
        let entry = self.used[glyph.font as usize]
            .entry(glyph.id)
            .or_insert(*glyph);
        if entry.selector.is_some() && glyph.selector.is_none() {
            *entry = *glyph;
        }
    }

    /// Writes a subset of every used font; returns each with its Type 0 font object. With
    /// `shared`, the subsets come from (and go into) the process's cache: for backgrounds, whose
    /// glyphs are the same in every file of a form.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref, shared: bool) -> Vec<(FontId, Ref)> {
        FontId::ALL
            .into_iter()
            .filter(|&id| !self.used[id as usize].is_empty())
            .map(|id| {
                let used = &self.used[id as usize];
                let font = if shared {
                    super::cache::font(id, used, || EncodedFont::new(id, used, Effort::Shared))
                } else {
                    Arc::new(EncodedFont::new(id, used, Effort::Fast))
                };
                (id, font.write(pdf, next))
            })
            .collect()
    }
}

/// A font subset ready to embed, with everything that does not depend on object numbers: the
/// name, the widths, the ToUnicode map and the compressed font program.
pub struct EncodedFont {
    id: FontId,
    /// The subset's `/BaseFont`: its tag and the font's PostScript name.
    base: String,
    /// Full-font glyph id (the CID) and width in 1/1000 em, for glyphs not 1000 wide.
    widths: Vec<(u16, f32)>,
    /// The ToUnicode CMap.
    cmap: Vec<u8>,
    program: Program,
}

/// A subset's font program, deflated, with what its kind needs beside it.
enum Program {
    TrueType {
        /// The CIDToGIDMap, deflated.
        map: Vec<u8>,
        subset: Vec<u8>,
        /// The subset's length before deflating (`/Length1`).
        length: i32,
    },
    /// A bare CFF (`CIDFontType0C`).
    Cff(Vec<u8>),
}

impl EncodedFont {
    /// Subsets font `id` to the used glyphs and compresses the subset.
    pub fn new(id: FontId, used: &BTreeMap<u16, UsedGlyph>, effort: Effort) -> EncodedFont {
        let font = Fonts::global().get(id);
        let gids: Vec<u16> = used.keys().copied().collect();
        let remapper = GlyphRemapper::new_from_glyphs_sorted(&gids);
        let widths = gids
            .iter()
            .map(|&gid| (gid, (font.advance(gid) * 1000.0).round()))
            .filter(|&(_, width)| width != 1000.0)
            .collect();
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
        for (&gid, glyph) in used {
            cmap.pair_with_multiple(gid, glyph.chars());
        }
        let subset = subsetter::subset(font.data(), font.index(), &remapper)
            .expect("the fonts shikaku prints with subset cleanly");
        let program = if font.is_cff() {
            let program = bare_cff(&subset)
                .and_then(|cff| cff_charset(cff, &remapper))
                .expect("the subsetter writes a CID-keyed CFF with a five-byte charset offset");
            Program::Cff(compress(&program, effort))
        } else {
            let subset = super::unhint::without_hinting(&subset).unwrap_or(subset);
            // CID (full-font glyph id) → glyph id in the subset, two bytes each.
            let max = gids.last().copied().unwrap_or(0);
            let mut map = vec![0u8; (usize::from(max) + 1) * 2];
            for &gid in &gids {
                let new = remapper.get(gid).expect("every used glyph is remapped");
                map[usize::from(gid) * 2..][..2].copy_from_slice(&new.to_be_bytes());
            }
            Program::TrueType {
                map: compress(&map, effort),
                subset: compress(&subset, effort),
                length: subset.len() as i32,
            }
        };
        EncodedFont {
            id,
            base: format!("{}+{}", subset_tag(&gids), id.postscript_name()),
            widths,
            cmap: cmap.finish().to_vec(),
            program,
        }
    }

    /// Writes the font's objects; returns its Type 0 font object.
    fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Ref {
        let font = Fonts::global().get(self.id);
        let face = font.face();
        let scale = 1000.0 / font.units_per_em();
        let refs: [Ref; 5] = std::array::from_fn(|_| next.bump());
        let [type0, cid_ref, descriptor, cmap_ref, file_ref] = refs;
        let cff = matches!(self.program, Program::Cff(_));
        let map_ref = (!cff).then(|| next.bump());
        let base = Name(self.base.as_bytes());

        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(base)
        .system_info(IDENTITY)
        .font_descriptor(descriptor)
        .default_width(1000.0);
        if let Some(map_ref) = map_ref {
            cid.cid_to_gid_map_stream(map_ref);
        }
        let mut widths = cid.widths();
        for &(gid, width) in &self.widths {
            widths.consecutive(gid, [width]);
        }
        widths.finish();
        cid.finish();

        let bbox = face.global_bounding_box();
        let mut d = pdf.font_descriptor(descriptor);
        d.name(base)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(font.ascender() * 1000.0)
            .descent(font.descender() * 1000.0)
            .cap_height(
                face.capital_height()
                    .map_or(700.0, |h| f32::from(h) * scale),
            )
            .stem_v(80.0);
        if cff {
            d.font_file3(file_ref);
        } else {
            d.font_file2(file_ref);
        }
        d.finish();

        pdf.cmap(cmap_ref, &self.cmap);
        match &self.program {
            Program::TrueType {
                map,
                subset,
                length,
            } => {
                if let Some(map_ref) = map_ref {
                    pdf.stream(map_ref, map).filter(Filter::FlateDecode);
                }
                pdf.stream(file_ref, subset)
                    .filter(Filter::FlateDecode)
                    .pair(Name(b"Length1"), *length);
            }
            Program::Cff(program) => {
                pdf.stream(file_ref, program)
                    .filter(Filter::FlateDecode)
                    .pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            }
        }
        type0
    }
}

/// The `CFF ` table of an OpenType font: what a PDF embeds as a `CIDFontType0C` program.
fn bare_cff(font: &[u8]) -> Option<&[u8]> {
    ttf_parser::RawFace::parse(font, 0)
        .ok()?
        .table(ttf_parser::Tag::from_bytes(b"CFF "))
}

/// Gives a subset CFF the charset that makes each glyph's CID its id in the full font.
///
/// A CIDFontType0 has no CIDToGIDMap: the CFF's charset maps CIDs to glyphs (PDF 32000 §9.7.4.2).
/// subsetter writes a charset where CID = subset glyph id, which would make content streams
/// depend on the file's subset. So a new charset (format 2: ranges of consecutive CIDs, CFF spec
/// §13) is appended, and the Top DICT's `charset` operand, which subsetter always writes as a
/// five-byte integer, points to it; nothing else moves.
fn cff_charset(cff: &[u8], remapper: &GlyphRemapper) -> Option<Vec<u8>> {
    let header = usize::from(*cff.get(2)?);
    let top_index = skip_index(cff, header)?;
    let (start, end) = first_in_index(cff, top_index)?;
    let operand = charset_operand(&cff[start..end])? + start;
    // Old glyph ids in subset order, after .notdef.
    let olds: Vec<u16> = remapper.remapped_gids().skip(1).collect();
    let mut charset = vec![2u8];
    let mut i = 0;
    while i < olds.len() {
        let mut n = 0;
        while i + n + 1 < olds.len() && olds[i + n + 1] == olds[i + n] + 1 && n < 0xFFFE {
            n += 1;
        }
        charset.extend_from_slice(&olds[i].to_be_bytes());
        charset.extend_from_slice(&(n as u16).to_be_bytes());
        i += n + 1;
    }
    let mut out = cff.to_vec();
    let offset = i32::try_from(out.len()).ok()?;
    out[operand + 1..operand + 5].copy_from_slice(&offset.to_be_bytes());
    out.extend_from_slice(&charset);
    Some(out)
}

/// The offset just past the INDEX at `at` (CFF spec §5).
fn skip_index(cff: &[u8], at: usize) -> Option<usize> {
    let count = usize::from(u16::from_be_bytes([*cff.get(at)?, *cff.get(at + 1)?]));
    if count == 0 {
        return Some(at + 2);
    }
    let size = usize::from(*cff.get(at + 2)?);
    let last = read_offset(cff, at + 3 + count * size, size)?;
    Some(at + 3 + (count + 1) * size + last - 1)
}

/// The byte range of the first object of the INDEX at `at`.
fn first_in_index(cff: &[u8], at: usize) -> Option<(usize, usize)> {
    let size = usize::from(*cff.get(at + 2)?);
    let count = usize::from(u16::from_be_bytes([*cff.get(at)?, *cff.get(at + 1)?]));
    let data = at + 3 + (count + 1) * size - 1;
    let (first, second) = (
        read_offset(cff, at + 3, size)?,
        read_offset(cff, at + 3 + size, size)?,
    );
    (count > 0 && first <= second && data + second <= cff.len())
        .then_some((data + first, data + second))
}

fn read_offset(cff: &[u8], at: usize, size: usize) -> Option<usize> {
    let bytes = cff.get(at..at + size)?;
    Some(bytes.iter().fold(0, |v, &b| v << 8 | usize::from(b)))
}

/// Where in a Top DICT the `charset` operator's operand starts, if it is a five-byte integer.
fn charset_operand(dict: &[u8]) -> Option<usize> {
    let mut i = 0;
    let mut last_operand = None;
    while i < dict.len() {
        let b = dict[i];
        match b {
            // Operators: `charset` is 15; 12 starts a two-byte operator.
            0..=21 => {
                if b == 15 {
                    return last_operand.filter(|&at: &usize| dict[at] == 29);
                }
                i += if b == 12 { 2 } else { 1 };
            }
            28 => {
                last_operand = Some(i);
                i += 3;
            }
            29 => {
                last_operand = Some(i);
                i += 5;
            }
            // A real number: nibbles up to an 0xf end nibble.
            30 => {
                last_operand = Some(i);
                i += 1;
                while i < dict.len() && dict[i] & 0x0f != 0x0f && dict[i] >> 4 != 0x0f {
                    i += 1;
                }
                i += 1;
            }
            32..=246 => {
                last_operand = Some(i);
                i += 1;
            }
            247..=254 => {
                last_operand = Some(i);
                i += 2;
            }
            _ => return None,
        }
    }
    None
}

/// The six-letter subset tag (PDF 32000 §9.6.4), derived from the glyph set so
/// that equal inputs give equal files.
fn subset_tag(glyphs: &[u16]) -> String {
    let bytes: Vec<u8> = glyphs.iter().flat_map(|g| g.to_be_bytes()).collect();
    let mut hash = crate::fill::fnv1a(&bytes);
    (0..6)
        .map(|_| {
            let c = b'A' + (hash % 26) as u8;
            hash /= 26;
            c as char
        })
        .collect()
}
