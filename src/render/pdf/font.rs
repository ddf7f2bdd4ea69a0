//! Fonts in PDF: one subset per font per file, as CID-keyed Type 0 fonts with
//! Identity-H encoding. Content streams name glyphs by their id in the full font
//! (so a page's bytes do not depend on the file it lands in); a CIDToGIDMap maps
//! those ids to the subset's, and a ToUnicode map gives the text back for copy and
//! search — also for IVS variant glyphs, which have no code point of their own.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::UsedGlyph;
use crate::font::{FontId, Fonts};

/// The glyphs each font used in one file, with their text.
#[derive(Default)]
pub struct FontSet {
    used: [BTreeMap<u16, UsedGlyph>; 3],
}

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

impl FontSet {
    /// Records a glyph as used.
    pub fn add(&mut self, glyph: &UsedGlyph) {
        self.used[glyph.font as usize]
            .entry(glyph.id)
            .or_insert(*glyph);
    }

    /// Writes every used font; returns each with its Type 0 font object.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Vec<(FontId, Ref)> {
        FontId::ALL
            .into_iter()
            .filter(|&id| !self.used[id as usize].is_empty())
            .map(|id| (id, write_font(pdf, next, id, &self.used[id as usize])))
            .collect()
    }
}

fn write_font(pdf: &mut Pdf, next: &mut Ref, id: FontId, used: &BTreeMap<u16, UsedGlyph>) -> Ref {
    let font = Fonts::bundled().get(id);
    let face = font.face();
    let scale = 1000.0 / font.units_per_em();
    let refs: [Ref; 6] = std::array::from_fn(|_| next.bump());
    let [type0, cid_ref, descriptor, cmap_ref, file_ref, map_ref] = refs;
    let gids: Vec<u16> = used.keys().copied().collect();
    let remapper = GlyphRemapper::new_from_glyphs_sorted(&gids);
    let base = format!("{}+{}", subset_tag(&gids), id.postscript_name());

    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);

    let mut cid = pdf.cid_font(cid_ref);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base.as_bytes()))
        .system_info(IDENTITY)
        .font_descriptor(descriptor)
        .default_width(1000.0)
        .cid_to_gid_map_stream(map_ref);
    let mut widths = cid.widths();
    for &gid in &gids {
        let width = (font.advance(gid) * 1000.0).round();
        if width != 1000.0 {
            widths.consecutive(gid, [width]);
        }
    }
    widths.finish();
    cid.finish();

    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(base.as_bytes()))
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
        .stem_v(80.0)
        .font_file2(file_ref);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&gid, glyph) in used {
        cmap.pair_with_multiple(gid, glyph.chars());
    }
    pdf.cmap(cmap_ref, &cmap.finish());

    // CID (full-font glyph id) → glyph id in the subset, two bytes each.
    let max = gids.last().copied().unwrap_or(0);
    let mut map = vec![0u8; (usize::from(max) + 1) * 2];
    for &gid in &gids {
        let new = remapper.get(gid).expect("every used glyph is remapped");
        map[usize::from(gid) * 2..][..2].copy_from_slice(&new.to_be_bytes());
    }
    pdf.stream(map_ref, &super::compress(&map))
        .filter(Filter::FlateDecode);

    let subset =
        subsetter::subset(font.data(), 0, &remapper).expect("the bundled fonts subset cleanly");
    let data = super::compress(&subset);
    pdf.stream(file_ref, &data)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);
    type0
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
