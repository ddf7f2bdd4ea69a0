//! The bundled fonts (BIZ UDGothic and BIZ UDMincho, SIL OFL 1.1) and text shaping.
//!
//! Japanese forms need no complex shaping: a glyph per character (or per
//! Ideographic Variation Sequence), advanced by its horizontal metric. What matters
//! is finding every glyph before anything is drawn, so that a character the font
//! lacks sends the record to the error report instead of printing a blank box.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Marks a character the font has no glyph for in the lookup table.
const NO_GLYPH: u32 = u32::MAX;

use ttf_parser::{Face, GlyphId};

/// One of the bundled fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontId {
    /// BIZ UDGothic Regular: labels and values.
    Gothic = 0,
    /// BIZ UDGothic Bold: titles.
    GothicBold = 1,
    /// BIZ UDMincho Regular: names, where a municipality prefers 明朝.
    Mincho = 2,
}

impl FontId {
    /// Every bundled font, in a fixed order (the order of resources in a PDF).
    pub const ALL: [FontId; 3] = [FontId::Gothic, FontId::GothicBold, FontId::Mincho];

    /// The name used in layouts.
    pub fn name(self) -> &'static str {
        match self {
            FontId::Gothic => "gothic",
            FontId::GothicBold => "gothic-bold",
            FontId::Mincho => "mincho",
        }
    }

    /// Looks a layout's font name up.
    pub fn from_name(name: &str) -> Option<FontId> {
        FontId::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The font's PostScript name, as embedded in PDFs.
    pub fn postscript_name(self) -> &'static str {
        match self {
            FontId::Gothic => "BIZUDGothic-Regular",
            FontId::GothicBold => "BIZUDGothic-Bold",
            FontId::Mincho => "BIZUDMincho-Regular",
        }
    }
}

/// A parsed font with the metrics layout needs.
pub struct Font {
    data: &'static [u8],
    face: Face<'static>,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    /// Glyph ids of the Basic Multilingual Plane, filled in as characters are first
    /// seen (0: not looked up yet; `NO_GLYPH`: the font has none): a batch shapes
    /// millions of names and dates, and a table beats the cmap's binary search.
    bmp: Vec<AtomicU32>,
    /// Advance widths by glyph id, in ems.
    advances: Vec<f32>,
}

impl Font {
    fn parse(data: &'static [u8]) -> Font {
        let face = Face::parse(data, 0).expect("bundled fonts are valid TrueType");
        let units_per_em = f32::from(face.units_per_em());
        let bmp = std::iter::repeat_with(|| AtomicU32::new(0))
            .take(0x10000)
            .collect();
        let advances = (0..face.number_of_glyphs())
            .map(|g| f32::from(face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) / units_per_em)
            .collect();
        Font {
            data,
            units_per_em,
            ascender: f32::from(face.ascender()) / units_per_em,
            descender: f32::from(face.descender()) / units_per_em,
            bmp,
            advances,
            face,
        }
    }

    fn glyph_index(&self, c: char) -> Option<GlyphId> {
        let Some(slot) = self.bmp.get(c as usize) else {
            return self.face.glyph_index(c);
        };
        let cached = slot.load(Ordering::Relaxed);
        if cached == 0 {
            let found = self.face.glyph_index(c);
            slot.store(
                found.map_or(NO_GLYPH, |g| u32::from(g.0) + 1),
                Ordering::Relaxed,
            );
            return found;
        }
        (cached != NO_GLYPH).then(|| GlyphId((cached - 1) as u16))
    }

    /// The raw font file.
    pub fn data(&self) -> &'static [u8] {
        self.data
    }

    /// The parsed face, for outlines and tables.
    pub fn face(&self) -> &Face<'static> {
        &self.face
    }

    /// Font units per em.
    pub fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// Ascender as a fraction of the em (positive, above the baseline).
    pub fn ascender(&self) -> f32 {
        self.ascender
    }

    /// Descender as a fraction of the em (negative, below the baseline).
    pub fn descender(&self) -> f32 {
        self.descender
    }

    /// The advance of a glyph as a fraction of the em.
    pub fn advance(&self, glyph: u16) -> f32 {
        self.advances
            .get(usize::from(glyph))
            .copied()
            .unwrap_or(0.0)
    }

    /// Maps text to glyphs, keeping each Ideographic Variation Sequence together.
    ///
    /// Fails on the first character (or sequence) the font cannot show.
    pub fn shape(&self, text: &str) -> Result<Vec<Glyph>, MissingGlyph> {
        let mut glyphs = Vec::with_capacity(text.len() / 3 + 1);
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let selector = chars
                .peek()
                .map(|&(_, s)| s)
                .filter(|&s| is_variation_selector(s));
            let id = match selector {
                Some(vs) => {
                    chars.next();
                    self.face.glyph_variation_index(c, vs).ok_or(MissingGlyph {
                        character: c,
                        selector: Some(vs),
                    })?
                }
                None => self.glyph_index(c).ok_or(MissingGlyph {
                    character: c,
                    selector: None,
                })?,
            };
            let end = chars.peek().map_or(text.len(), |&(i, _)| i);
            glyphs.push(Glyph {
                id: id.0,
                advance: self.advance(id.0),
                cluster: start as u32..end as u32,
            });
        }
        Ok(glyphs)
    }
}

/// Variation selectors: VS1–16 (U+FE00…) and the ideographic VS17–256 (U+E0100…).
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// One positioned glyph of a shaped run.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in the font.
    pub id: u16,
    /// Advance as a fraction of the em.
    pub advance: f32,
    /// The byte range of the text this glyph shows (a character, or a base and its selector).
    pub cluster: std::ops::Range<u32>,
}

/// Occurs when a font has no glyph for a character or variation sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The character.
    pub character: char,
    /// The variation selector that followed it, if any.
    pub selector: Option<char>,
}

impl std::fmt::Display for MissingGlyph {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self.selector {
            Some(vs) => write!(
                f,
                "the font has no glyph for the variation sequence U+{:04X} U+{:04X}",
                self.character as u32, vs as u32
            ),
            None => write!(
                f,
                "the font has no glyph for U+{:04X}",
                self.character as u32
            ),
        }
    }
}

/// The bundled fonts, parsed once.
pub struct Fonts {
    fonts: [Font; 3],
}

impl Fonts {
    /// The fonts shipped in `fonts/`, compiled into the binary so that a
    /// deployed `shikaku` needs no font installation and always renders alike.
    pub fn bundled() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts {
            fonts: [
                Font::parse(include_bytes!("../fonts/BIZUDGothic-Regular.ttf")),
                Font::parse(include_bytes!("../fonts/BIZUDGothic-Bold.ttf")),
                Font::parse(include_bytes!("../fonts/BIZUDMincho-Regular.ttf")),
            ],
        })
    }

    /// One font.
    pub fn get(&self, id: FontId) -> &Font {
        &self.fonts[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_japanese_with_full_width_advances() {
        let font = Fonts::bundled().get(FontId::Gothic);
        let glyphs = font.shape("佐藤 太郎").unwrap();
        assert_eq!(glyphs.len(), 5);
        assert_eq!(glyphs[0].advance, 1.0);
        assert_eq!(glyphs[1].cluster, 3..6);
    }

    #[test]
    fn reports_a_character_the_font_lacks() {
        let font = Fonts::bundled().get(FontId::Gothic);
        let err = font.shape("𠮷野").unwrap_err();
        assert_eq!(err.character, '\u{20BB7}');
        assert_eq!(err.to_string(), "the font has no glyph for U+20BB7");
    }

    #[test]
    fn keeps_a_variation_sequence_in_one_glyph() {
        let font = Fonts::bundled().get(FontId::Gothic);
        // 葛 U+845B with VS17 (Adobe-Japan1): one glyph covering both code points.
        let glyphs = font.shape("葛\u{E0100}城").unwrap();
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[0].cluster, 0..7);
    }
}
