//! Fonts in PDF: one subset per font per file, as CID-keyed Type 0 fonts with
//! Identity-H encoding, so that any glyph (including IVS variants, which have no
//! code point of their own) can be shown, and a ToUnicode map for copy and search.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use crate::font::{FontId, Fonts};

/// The glyphs each font used so far, numbered in order of first use.
pub struct FontSet {
    states: [FontState; 3],
    refs: [Option<Ref>; 3],
}

#[derive(Default)]
struct FontState {
    remapper: GlyphRemapper,
    /// New glyph id → the text it shows, for ToUnicode.
    texts: BTreeMap<u16, String>,
}

const IDENTITY: SystemInfo = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

impl FontSet {
    /// An empty set.
    pub fn new() -> FontSet {
        FontSet { states: Default::default(), refs: [None; 3] }
    }

    /// The CID (the glyph's id in the subset) for a glyph, recording its text.
    pub fn cid(&mut self, font: FontId, glyph: u16, text: &str) -> u16 {
        let state = &mut self.states[font as usize];
        let cid = state.remapper.remap(glyph);
        state.texts.entry(cid).or_insert_with(|| text.to_string());
        cid
    }

    /// The fonts used, with their Type 0 font objects (after [`FontSet::write`]).
    pub fn used(&self) -> impl Iterator<Item = (FontId, Ref)> + '_ {
        FontId::ALL.into_iter().filter_map(|id| self.refs[id as usize].map(|r| (id, r)))
    }

    /// Writes every used font.
    pub fn write(&mut self, pdf: &mut Pdf, next: &mut Ref) {
        for id in FontId::ALL {
            let state = &self.states[id as usize];
            if state.remapper.num_gids() > 1 {
                self.refs[id as usize] = Some(write_font(pdf, next, id, state));
            }
        }
    }
}

fn write_font(pdf: &mut Pdf, next: &mut Ref, id: FontId, state: &FontState) -> Ref {
    let font = Fonts::bundled().get(id);
    let face = font.face();
    let scale = 1000.0 / font.units_per_em();
    let (type0, cid_ref, descriptor, cmap_ref, file_ref) = (next.bump(), next.bump(), next.bump(), next.bump(), next.bump());
    let glyphs: Vec<u16> = state.remapper.remapped_gids().collect();
    let base = format!("{}+{}", subset_tag(&glyphs), id.postscript_name());

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
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let widths: Vec<f32> = glyphs.iter().map(|&g| (font.advance(g) * 1000.0).round()).collect();
    cid.widths().consecutive(0, widths);
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
        .cap_height(face.capital_height().map_or(700.0, |h| f32::from(h) * scale))
        .stem_v(80.0)
        .font_file2(file_ref);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&cid, text) in &state.texts {
        cmap.pair_with_multiple(cid, text.chars());
    }
    pdf.cmap(cmap_ref, &cmap.finish());

    let subset = subsetter::subset(font.data(), 0, &state.remapper).expect("the bundled fonts subset cleanly");
    let data = super::compress(&subset);
    pdf.stream(file_ref, &data).filter(Filter::FlateDecode).pair(Name(b"Length1"), subset.len() as i32);
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
