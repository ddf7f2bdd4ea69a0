//! Per-character font fallback: a text element's own font first, then a chain of fallback fonts,
//! chosen per grapheme cluster so that a base character and its variation selector (IVS) always
//! come from one font.
//!
//! Why per cluster and not per run: a name such as 𠮷田 should keep 田 in the element's own font
//! and take only 𠮷 from a fallback, so that the name looks like one name. Why not fall back to
//! the base character when a font lacks an IVS: the selector is the registry's spelling of the
//! member's name, and dropping it would print a different glyph without anyone noticing.
//!
//! The default chains (measured in docs/decisions.md §5) are, for Gothic text, Noto Sans CJK JP
//! (the Adobe-Japan1 IVS collection, in a Gothic design) and then IPAmj明朝 (the Moji_Joho
//! collection, 文字情報基盤's MJ文字); for Mincho text, IPAmj明朝 and then Noto Serif CJK JP.

use std::collections::BTreeMap;

use unicode_segmentation::UnicodeSegmentation;

use super::{FontId, Fonts, Glyph, MissingGlyph};

/// The fallback fonts of each font, as the issuer profile's `[fonts]` table sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallbacks {
    /// By primary font (index = `FontId as usize`): the primary, then its fallbacks.
    chains: Vec<Vec<FontId>>,
}

impl Default for Fallbacks {
    fn default() -> Fallbacks {
        let chains = FontId::ALL
            .iter()
            .map(|&primary| {
                let fallbacks: &[FontId] = match primary {
                    FontId::Gothic => &[FontId::NotoSansJp, FontId::IpamjMincho],
                    FontId::GothicBold => &[FontId::NotoSansJpBold, FontId::IpamjMincho],
                    FontId::Mincho => &[FontId::IpamjMincho, FontId::NotoSerifJp],
                    FontId::NotoSansJp | FontId::NotoSansJpBold => &[FontId::IpamjMincho],
                    FontId::IpamjMincho => &[FontId::NotoSerifJp],
                    FontId::NotoSerifJp => &[FontId::IpamjMincho],
                };
                std::iter::once(primary)
                    .chain(fallbacks.iter().copied())
                    .collect()
            })
            .collect();
        Fallbacks { chains }
    }
}

impl Fallbacks {
    /// The fonts text in `primary` tries, in order, `primary` first.
    pub fn chain(&self, primary: FontId) -> &[FontId] {
        &self.chains[primary as usize]
    }

    /// Every fallback font any chain names, each once, in [`FontId`] order.
    pub fn fonts(&self) -> Vec<FontId> {
        let mut fonts: Vec<FontId> = self.chains.iter().flatten().copied().collect();
        fonts.sort();
        fonts.dedup();
        fonts.retain(|f| !f.is_bundled());
        fonts
    }

    /// Sets chains from a table of font name → fallback font names (the issuer profile's
    /// `[fonts]`); fonts the table leaves out keep their default chain.
    pub fn from_table(table: BTreeMap<String, Vec<String>>) -> Result<Fallbacks, String> {
        let mut fallbacks = Fallbacks::default();
        for (primary, names) in table {
            let primary = font_named(&primary)?;
            let mut chain = vec![primary];
            for name in names {
                let font = font_named(&name)?;
                if chain.contains(&font) {
                    return Err(format!(
                        "font `{name}` is in the chain of `{}` twice",
                        primary.name()
                    ));
                }
                chain.push(font);
            }
            fallbacks.chains[primary as usize] = chain;
        }
        Ok(fallbacks)
    }
}

impl<'de> serde::Deserialize<'de> for Fallbacks {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Fallbacks, D::Error> {
        let table = BTreeMap::<String, Vec<String>>::deserialize(deserializer)?;
        Fallbacks::from_table(table).map_err(serde::de::Error::custom)
    }
}

fn font_named(name: &str) -> Result<FontId, String> {
    FontId::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = FontId::ALL.iter().map(|f| f.name()).collect();
        format!("unknown font `{name}` (fonts: {})", names.join(", "))
    })
}

/// Private-use code points (外字): fonts give them glyphs of their own choosing (IPAmj明朝 maps
/// five), so no font is trusted with one; the issuer's 外字 map says what they stand for.
pub fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

/// Maps text to glyphs with a fallback chain (the element's font first).
///
/// Text the first font can show whole is shaped in one pass, as without fallback: records
/// without 外字 pay nothing. Otherwise each grapheme cluster takes the first font of the chain
/// that has every glyph of it; a cluster no font has fails, naming the fonts of the chain that
/// are not installed.
pub fn shape(text: &str, chain: &[FontId]) -> Result<Vec<Glyph>, MissingGlyph> {
    let fonts = Fonts::global();
    if let Some(Ok(primary)) = chain.first().map(|&f| fonts.try_get(f)) {
        if let Ok(glyphs) = primary.shape(text) {
            return Ok(glyphs);
        }
    }
    let mut glyphs = Vec::with_capacity(text.len() / 3 + 1);
    for (start, cluster) in text.grapheme_indices(true) {
        // Fonts refuse private-use characters themselves (`Font::shape`).
        let shaped = chain
            .iter()
            .filter_map(|&f| fonts.try_get(f).ok())
            .find_map(|font| font.shape(cluster).ok());
        let Some(shaped) = shaped else {
            return Err(missing(cluster, start, chain));
        };
        glyphs.extend(shaped.into_iter().map(|g| Glyph {
            cluster: g.cluster.start + start as u32..g.cluster.end + start as u32,
            ..g
        }));
    }
    Ok(glyphs)
}

fn missing(cluster: &str, start: usize, chain: &[FontId]) -> MissingGlyph {
    let mut chars = cluster.chars();
    let character = chars.next().unwrap_or('\u{FFFD}');
    let fonts = Fonts::global();
    MissingGlyph {
        character,
        selector: chars.find(|&c| super::is_variation_selector(c)),
        cluster: start..start + cluster.len(),
        chain: chain.to_vec(),
        unavailable: chain
            .iter()
            .filter_map(|&f| fonts.try_get(f).err())
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gothic() -> Vec<FontId> {
        Fallbacks::default().chain(FontId::Gothic).to_vec()
    }

    #[test]
    fn text_the_first_font_has_comes_from_it_alone() {
        let glyphs = shape("佐藤 太郎", &gothic()).unwrap();
        assert!(glyphs.iter().all(|g| g.font == FontId::Gothic));
    }

    #[test]
    fn only_the_missing_cluster_falls_back() {
        if Fonts::global().try_get(FontId::NotoSansJp).is_err() {
            return; // scripts/test.sh installs fonts-noto-cjk; tests/fonts.rs insists on it
        }
        // 𠮷 (U+20BB7) is not in BIZ UDGothic; 邉 with U+E0102 is an Adobe-Japan1 sequence it lacks.
        let text = "𠮷田 邉\u{E0102}見";
        let glyphs = shape(text, &gothic()).unwrap();
        let fonts: Vec<FontId> = glyphs.iter().map(|g| g.font).collect();
        use FontId::*;
        assert_eq!(fonts, [NotoSansJp, Gothic, Gothic, NotoSansJp, Gothic]);
        // The selector stays with its base: one glyph covering both code points.
        assert_eq!(
            &text[glyphs[3].cluster.start as usize..glyphs[3].cluster.end as usize],
            "邉\u{E0102}"
        );
    }

    #[test]
    fn a_private_use_character_is_never_printed() {
        let err = shape("田\u{E000}", &gothic()).unwrap_err();
        assert_eq!(err.character, '\u{E000}');
    }

    #[test]
    fn a_chain_of_one_font_reports_the_cluster() {
        let err = shape("吉𠮷\u{E0100}", &[FontId::Gothic]).unwrap_err();
        assert_eq!(
            (err.character, err.selector),
            ('\u{20BB7}', Some('\u{E0100}'))
        );
        assert!(err.unavailable.is_empty());
    }

    #[test]
    fn chains_are_set_by_font_name() {
        let mut table = BTreeMap::new();
        table.insert("gothic".to_string(), vec!["ipamj-mincho".to_string()]);
        let fallbacks = Fallbacks::from_table(table).unwrap();
        assert_eq!(
            fallbacks.chain(FontId::Gothic),
            [FontId::Gothic, FontId::IpamjMincho]
        );
        assert_eq!(
            fallbacks.chain(FontId::Mincho),
            Fallbacks::default().chain(FontId::Mincho)
        );
        let mut bad = BTreeMap::new();
        bad.insert("gothic".to_string(), vec!["ipamj".to_string()]);
        assert_eq!(
            Fallbacks::from_table(bad).unwrap_err(),
            "unknown font `ipamj` (fonts: gothic, gothic-bold, mincho, ipamj-mincho, noto-sans-jp, noto-sans-jp-bold, noto-serif-jp)"
        );
    }
}
