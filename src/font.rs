//! Fonts and text shaping: the bundled BIZ UD fonts (SIL OFL 1.1), compiled in, and the
//! fallback fonts that print what they lack (外字, IVS), found at run time.
//!
//! Japanese forms need no complex shaping: a glyph per character (or per Ideographic Variation
//! Sequence), advanced by its horizontal metric. What matters is finding every glyph before
//! anything is drawn, so that a character no font has sends the record to the error report
//! instead of printing a blank box. The private module `fallback` chooses a font per grapheme
//! cluster; `catalog` finds the fallback fonts' files.

mod catalog;
pub mod cmap;
mod fallback;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId};

pub use catalog::{font_folders, set_font_folders, FoldersFixed, Unavailable};
pub use fallback::{is_private_use, shape, Fallbacks};

/// Marks a character the font has no glyph for in the lookup table.
const NO_GLYPH: u32 = u32::MAX;

/// A font shikaku can print with: one of the bundled fonts, or a fallback font found at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontId {
    /// BIZ UDGothic Regular: labels and values.
    Gothic = 0,
    /// BIZ UDGothic Bold: titles.
    GothicBold = 1,
    /// BIZ UDMincho Regular: names, where a municipality prefers 明朝.
    Mincho = 2,
    /// IPAmj明朝 (Debian fonts-ipamj-mincho, IPA Font License): the 文字情報基盤 MJ文字 and the
    /// Moji_Joho IVS collection.
    IpamjMincho = 3,
    /// Noto Sans CJK JP Regular (Debian fonts-noto-cjk, SIL OFL 1.1): the Adobe-Japan1 IVS
    /// collection in a Gothic design.
    NotoSansJp = 4,
    /// Noto Sans CJK JP Bold.
    NotoSansJpBold = 5,
    /// Noto Serif CJK JP Regular: the Adobe-Japan1 IVS collection in a Mincho design.
    NotoSerifJp = 6,
}

impl FontId {
    /// Every font, in a fixed order (the order of resources in a PDF).
    pub const ALL: [FontId; 7] = [
        FontId::Gothic,
        FontId::GothicBold,
        FontId::Mincho,
        FontId::IpamjMincho,
        FontId::NotoSansJp,
        FontId::NotoSansJpBold,
        FontId::NotoSerifJp,
    ];

    /// The name used in layouts and issuer profiles.
    pub fn name(self) -> &'static str {
        match self {
            FontId::Gothic => "gothic",
            FontId::GothicBold => "gothic-bold",
            FontId::Mincho => "mincho",
            FontId::IpamjMincho => "ipamj-mincho",
            FontId::NotoSansJp => "noto-sans-jp",
            FontId::NotoSansJpBold => "noto-sans-jp-bold",
            FontId::NotoSerifJp => "noto-serif-jp",
        }
    }

    /// Looks a font name of a layout or issuer profile up.
    pub fn from_name(name: &str) -> Option<FontId> {
        FontId::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The font's PostScript name, as embedded in PDFs.
    pub fn postscript_name(self) -> &'static str {
        match catalog::entry(self) {
            Some(entry) => entry.postscript,
            None => match self {
                FontId::GothicBold => "BIZUDGothic-Bold",
                FontId::Mincho => "BIZUDMincho-Regular",
                _ => "BIZUDGothic-Regular",
            },
        }
    }

    /// The name people know the font by, for messages and the staff page.
    pub fn display_name(self) -> &'static str {
        match self {
            FontId::Gothic => "BIZ UDゴシック",
            FontId::GothicBold => "BIZ UDゴシック Bold",
            FontId::Mincho => "BIZ UD明朝",
            FontId::IpamjMincho => "IPAmj明朝",
            FontId::NotoSansJp => "Noto Sans CJK JP",
            FontId::NotoSansJpBold => "Noto Sans CJK JP Bold",
            FontId::NotoSerifJp => "Noto Serif CJK JP",
        }
    }

    /// Whether the font is compiled into shikaku (the others are found at run time).
    pub fn is_bundled(self) -> bool {
        catalog::entry(self).is_none()
    }
}

/// A parsed font with the metrics layout needs.
pub struct Font {
    id: FontId,
    data: &'static [u8],
    /// The face's index in a collection (0 for a single font).
    index: u32,
    face: Face<'static>,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    /// The bottom of the ideographic em box, as a fraction of the em (negative, below the
    /// baseline): where each font's ideographs sit, so that a fallback glyph lines up.
    em_bottom: f32,
    /// Glyph ids of the Basic Multilingual Plane, filled in as characters are first
    /// seen (0: not looked up yet; `NO_GLYPH`: the font has none): a batch shapes
    /// millions of names and dates, and a table beats the cmap's binary search.
    bmp: Vec<AtomicU32>,
    /// Advance widths by glyph id, in ems.
    advances: Vec<f32>,
    /// The file it was read from (`None`: compiled in).
    path: Option<PathBuf>,
    /// What identifies the file's glyphs (see [`Font::identity`]).
    identity: String,
}

impl Font {
    fn parse(id: FontId, data: &'static [u8], index: u32, path: Option<&Path>) -> Option<Font> {
        let face = Face::parse(data, index).ok()?;
        let units_per_em = f32::from(face.units_per_em());
        let bmp = std::iter::repeat_with(|| AtomicU32::new(0))
            .take(0x10000)
            .collect();
        let advances = (0..face.number_of_glyphs())
            .map(|g| f32::from(face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) / units_per_em)
            .collect();
        let descender = f32::from(face.descender()) / units_per_em;
        let em_bottom = face
            .typographic_descender()
            .map_or(descender, |d| f32::from(d) / units_per_em);
        Some(Font {
            id,
            data,
            index,
            units_per_em,
            ascender: f32::from(face.ascender()) / units_per_em,
            descender,
            em_bottom,
            bmp,
            advances,
            path: path.map(Path::to_path_buf),
            identity: catalog::identity(&face, data.len()),
            face,
        })
    }

    fn glyph_index(&self, c: char) -> Option<GlyphId> {
        let Some(slot) = self.bmp.get(c as usize) else {
            return self.face.glyph_index(c).filter(|_| !is_private_use(c));
        };
        let cached = slot.load(Ordering::Relaxed);
        if cached == 0 {
            let found = self.face.glyph_index(c).filter(|_| !is_private_use(c));
            slot.store(
                found.map_or(NO_GLYPH, |g| u32::from(g.0) + 1),
                Ordering::Relaxed,
            );
            return found;
        }
        (cached != NO_GLYPH).then(|| GlyphId((cached - 1) as u16))
    }

    /// Which font this is.
    pub fn id(&self) -> FontId {
        self.id
    }

    /// The raw font file (a whole collection, for a face of one).
    pub fn data(&self) -> &'static [u8] {
        self.data
    }

    /// The face's index in its file (non-zero only in a collection).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Whether the outlines are CFF (PostScript) rather than TrueType: PDFs embed them differently.
    pub fn is_cff(&self) -> bool {
        self.face.tables().cff.is_some()
    }

    /// The file the font was read from; `None` for a bundled font.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// What identifies the font file's glyphs: PostScript name, version, checksum and length.
    /// Two runs that print with fonts of equal identity write equal PDFs.
    pub fn identity(&self) -> &str {
        &self.identity
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

    /// The bottom of the ideographic em box as a fraction of the em (negative): the OS/2
    /// typographic descender, −0.12 in every font shikaku uses.
    pub fn em_bottom(&self) -> f32 {
        self.em_bottom
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
                    self.face
                        .glyph_variation_index(c, vs)
                        .filter(|_| !is_private_use(c))
                }
                None => self.glyph_index(c),
            };
            let end = chars.peek().map_or(text.len(), |&(i, _)| i);
            let id = id.ok_or_else(|| MissingGlyph::new(c, selector, start..end, self.id))?;
            glyphs.push(Glyph {
                font: self.id,
                id: id.0,
                advance: self.advance(id.0),
                cluster: start as u32..end as u32,
            });
        }
        Ok(glyphs)
    }
}

/// Variation selectors: VS1–16 (U+FE00…) and the ideographic VS17–256 (U+E0100…).
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// One positioned glyph of a shaped run.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The font it is drawn from.
    pub font: FontId,
    /// Glyph id in the font.
    pub id: u16,
    /// Advance as a fraction of the em.
    pub advance: f32,
    /// The byte range of the text this glyph shows (a character, or a base and its selector).
    pub cluster: std::ops::Range<u32>,
}

/// Occurs when no font of a chain has a glyph for a character or variation sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The character.
    pub character: char,
    /// The variation selector that followed it, if any.
    pub selector: Option<char>,
    /// The byte range of its grapheme cluster in the shaped text.
    pub cluster: std::ops::Range<usize>,
    /// The fonts that were tried, in order.
    pub chain: Vec<FontId>,
    /// Fonts of the chain that could not be loaded (not installed): one of them might have it.
    pub unavailable: Vec<Unavailable>,
}

impl MissingGlyph {
    fn new(
        character: char,
        selector: Option<char>,
        cluster: std::ops::Range<usize>,
        font: FontId,
    ) -> MissingGlyph {
        MissingGlyph {
            character,
            selector,
            cluster,
            chain: vec![font],
            unavailable: Vec::new(),
        }
    }

    /// What to do about it: install the fonts that are missing, or else map or substitute.
    pub fn hint(&self) -> String {
        if let Some(first) = self.unavailable.first() {
            return first.hint();
        }
        if is_private_use(self.character) {
            return "a private-use character (外字): list it in the issuer's 外字 map (`gaiji` in the issuer profile) with the character it stands for".into();
        }
        "send the character as Unicode with an Ideographic Variation Sequence a font has, or list a substitute (MJ縮退) in the issuer's substitution table (`substitutions` in the issuer profile)".into()
    }
}

impl std::fmt::Display for MissingGlyph {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let what = match self.selector {
            Some(vs) => format!(
                "the variation sequence U+{:04X} U+{:04X}",
                self.character as u32, vs as u32
            ),
            None => format!("U+{:04X}", self.character as u32),
        };
        let fonts: Vec<&str> = self.chain.iter().map(|f| f.name()).collect();
        if is_private_use(self.character) {
            write!(
                f,
                "failed to print {what} (a private-use character, which no font may print)"
            )?;
        } else if fonts.len() == 1 {
            write!(f, "the font {} has no glyph for {what}", fonts[0])?;
        } else {
            write!(f, "no font of {} has a glyph for {what}", fonts.join(" → "))?;
        }
        if !self.unavailable.is_empty() {
            let missing: Vec<&str> = self
                .unavailable
                .iter()
                .map(|u| u.font().display_name())
                .collect();
            write!(f, " (not installed: {})", missing.join(", "))?;
        }
        Ok(())
    }
}

/// Every font: the bundled ones parsed once, the fallback fonts loaded the first time a text
/// needs one.
pub struct Fonts {
    bundled: [Font; 3],
    fallback: [OnceLock<Result<Font, Unavailable>>; 4],
}

impl Fonts {
    /// The fonts of this process. The bundled fonts in `fonts/` are compiled into the binary, so
    /// that a deployed `shikaku` renders every record they can show with no installation; the
    /// fallback fonts are looked for in [`font_folders`].
    pub fn global() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            let bundled =
                |id, data| Font::parse(id, data, 0, None).expect("bundled fonts are valid");
            Fonts {
                bundled: [
                    bundled(
                        FontId::Gothic,
                        include_bytes!("../fonts/BIZUDGothic-Regular.ttf"),
                    ),
                    bundled(
                        FontId::GothicBold,
                        include_bytes!("../fonts/BIZUDGothic-Bold.ttf"),
                    ),
                    bundled(
                        FontId::Mincho,
                        include_bytes!("../fonts/BIZUDMincho-Regular.ttf"),
                    ),
                ],
                fallback: Default::default(),
            }
        })
    }

    /// A font, loading it the first time; fails when a fallback font is not installed.
    pub fn try_get(&self, id: FontId) -> Result<&Font, &Unavailable> {
        let Some(entry) = catalog::entry(id) else {
            return Ok(&self.bundled[id as usize]);
        };
        self.fallback[id as usize - self.bundled.len()]
            .get_or_init(|| {
                let found = catalog::find(id, entry)?;
                Font::parse(id, found.data, found.index, Some(&found.path)).ok_or_else(|| {
                    Unavailable::Invalid {
                        font: id,
                        path: found.path.clone(),
                        reason: "its tables are malformed".into(),
                    }
                })
            })
            .as_ref()
    }

    /// A font a display list names. Fill loads every font it shapes with, so a display list
    /// only names fonts that are here.
    pub fn get(&self, id: FontId) -> &Font {
        self.try_get(id)
            .expect("a display list names only fonts that shaping loaded")
    }

    /// The fallback fonts loaded so far, with what identifies each: a batch records them, and
    /// refuses to resume with other files.
    pub fn loaded(&self) -> Vec<&Font> {
        self.fallback
            .iter()
            .filter_map(|f| f.get().and_then(|r| r.as_ref().ok()))
            .collect()
    }
}

/// What identifies the fallback fonts `fonts` would print with, loading them: each font's name
/// and its identity, or `not installed`. The batch settings include them, so `--resume` refuses
/// a folder rendered with other font files.
pub fn identity(fonts: &[FontId]) -> Vec<(&'static str, String)> {
    let global = Fonts::global();
    fonts
        .iter()
        .filter(|f| !f.is_bundled())
        .map(|&f| match global.try_get(f) {
            Ok(font) => (f.name(), font.identity().to_string()),
            Err(_) => (f.name(), "not installed".to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_japanese_with_full_width_advances() {
        let font = Fonts::global().get(FontId::Gothic);
        let glyphs = font.shape("佐藤 太郎").unwrap();
        assert_eq!(glyphs.len(), 5);
        assert_eq!(glyphs[0].advance, 1.0);
        assert_eq!(glyphs[1].cluster, 3..6);
    }

    #[test]
    fn reports_a_character_the_font_lacks() {
        let font = Fonts::global().get(FontId::Gothic);
        let err = font.shape("𠮷野").unwrap_err();
        assert_eq!(err.character, '\u{20BB7}');
        assert_eq!(err.to_string(), "the font gothic has no glyph for U+20BB7");
    }

    #[test]
    fn keeps_a_variation_sequence_in_one_glyph() {
        let font = Fonts::global().get(FontId::Gothic);
        // 葛 U+845B with VS17 (Adobe-Japan1): one glyph covering both code points.
        let glyphs = font.shape("葛\u{E0100}城").unwrap();
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[0].cluster, 0..7);
    }
}
