//! Fitting text into its box the way Japanese forms do: squeeze (長体), then
//! shrink, then wrap with 禁則 line breaking. Text that still does not fit is an
//! error; it is never drawn outside its box or clipped.
//!
//! A character the element's font lacks comes from the next font of its fallback chain
//! ([`crate::font::shape`]) and is measured with that font's advance, so the fit rule sees the
//! mixed run as it prints; one the whole chain lacks is replaced only if the issuer's
//! substitution table says so, and each replacement is noted.

use std::sync::Arc;

use crate::display::{Item, ItemKind, Point, TextRun};
use crate::font::{FontId, Glyph, MissingGlyph};
use crate::gaiji::{Substitutions, TextNote};
use crate::layout::{Align, Fit, TextDef, VAlign};

/// Why text could not be set.
#[derive(Debug, Clone, PartialEq)]
pub enum TextError {
    /// A character no font of the chain has (boxed: it names the fonts, and errors travel by value).
    Missing(Box<MissingGlyph>),
    /// The text does not fit even squeezed, shrunk and wrapped as far as allowed.
    Overflow {
        /// The fit rule that was exhausted.
        fit: Fit,
    },
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            TextError::Missing(m) => m.fmt(f),
            TextError::Overflow { fit } => write!(
                f,
                "text does not fit its box (even at {} pt, squeezed to {:.0}%, on {} line{})",
                fit.min_size,
                fit.min_h_scale * 100.0,
                fit.max_lines,
                if fit.max_lines == 1 { "" } else { "s" }
            ),
        }
    }
}

/// Characters that may not start a line (行頭禁則).
const NO_LINE_START: &str = "、。，．,.・：；:;？！?!ー－～…‥）］｝」』】〕〉》〙〗)]}’”ヽヾゝゞ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ％%";
/// Characters that may not end a line (行末禁則).
const NO_LINE_END: &str = "（［｛「『【〔〈《〘〖([{‘“〒";

/// Whether `c` is in `set`: ASCII and kana are the common case, so check the
/// cheap ranges that hold no 禁則 character first.
fn in_set(set: &str, c: char) -> bool {
    !(c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c)) && set.contains(c)
}

/// What setting text may draw on besides the element's own font.
pub struct Chain<'a> {
    /// The element's font, then its fallbacks.
    pub chain: &'a [FontId],
    /// What to print for a cluster no font of the chain has.
    pub substitutions: &'a Substitutions,
}

/// Sets `text` in the box of `def`, returning one run per line and font, and noting each
/// cluster that came from a fallback font or the substitution table.
pub fn set(
    text: &str,
    def: &TextDef,
    fonts: &Chain,
    element: &Arc<str>,
    notes: &mut Vec<TextNote>,
) -> Result<Vec<Item>, TextError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut shaped = text
        .split('\n')
        .map(|p| crate::gaiji::shape(p, fonts.chain, fonts.substitutions, notes))
        .collect::<Result<Vec<_>, MissingGlyph>>()
        .map_err(|m| TextError::Missing(Box::new(m)))?;
    let primary = fonts.chain[0];
    for (text, glyphs) in &shaped {
        crate::gaiji::fallback_notes(text, glyphs, primary, None, notes);
    }
    let paragraphs: Vec<(&str, Vec<Glyph>)> = shaped
        .iter_mut()
        .map(|(text, glyphs)| (&**text, std::mem::take(glyphs)))
        .collect();
    let (lines, size, h_scale) =
        fit(&paragraphs, def).ok_or(TextError::Overflow { fit: def.fit })?;
    Ok(place(lines, size, h_scale, def, primary, element))
}

/// One line: its text and glyphs, and its natural width in ems.
struct Line<'a> {
    text: &'a str,
    glyphs: &'a [Glyph],
    width: f32,
}

type Fitted<'a> = (Vec<Line<'a>>, f32, f32);

/// Finds the fewest lines, then the largest size, then the least squeeze that fit.
fn fit<'a>(paragraphs: &'a [(&'a str, Vec<Glyph>)], def: &TextDef) -> Option<Fitted<'a>> {
    if let Some(fitted) = fit_one_line(paragraphs, def) {
        return Some(fitted);
    }
    let Fit {
        min_h_scale,
        min_size,
        max_lines,
        leading,
    } = def.fit;
    let (w, h) = (def.rect.width, def.rect.height);
    let first = paragraphs.len() as u32;
    for n in first..=max_lines.max(first) {
        for size in sizes(def.size, min_size) {
            if block_height(n, size, leading) > h + 0.01 {
                continue;
            }
            // Prefer lines that need no squeezing; squeeze only when that saves lines.
            for width_factor in [1.0, min_h_scale] {
                let lines = match paragraphs {
                    // One line: no breaking to do, only the size and squeeze to find.
                    [(text, glyphs)] if n == 1 => vec![make_line(text, glyphs)],
                    _ => break_all(paragraphs, w / (size * width_factor)),
                };
                if lines.len() as u32 > n {
                    continue;
                }
                let widest = lines.iter().map(|l| l.width).fold(0.0, f32::max) * size;
                let h_scale = if widest > w { w / widest } else { 1.0 };
                if h_scale + 1e-4 >= min_h_scale {
                    return Some((lines, size, h_scale.min(1.0)));
                }
            }
        }
    }
    None
}

/// The common case, without line breaking: one paragraph that fits on one line
/// at the designed size, squeezed no more than allowed.
fn fit_one_line<'a>(paragraphs: &'a [(&'a str, Vec<Glyph>)], def: &TextDef) -> Option<Fitted<'a>> {
    let [(text, glyphs)] = paragraphs else {
        return None;
    };
    if def.size > def.rect.height + 0.01 {
        return None;
    }
    let line = make_line(text, glyphs);
    let width = line.width * def.size;
    let h_scale = if width > def.rect.width {
        def.rect.width / width
    } else {
        1.0
    };
    (h_scale + 1e-4 >= def.fit.min_h_scale && line.glyphs.len() == glyphs.len())
        .then(|| (vec![line], def.size, h_scale.min(1.0)))
}

/// Candidate sizes from `max` down to `min` in quarter points.
fn sizes(max: f32, min: f32) -> impl Iterator<Item = f32> {
    let steps = ((max - min) / 0.25).floor() as u32;
    (0..=steps)
        .map(move |i| max - i as f32 * 0.25)
        .chain((max - steps as f32 * 0.25 > min + 1e-4).then_some(min))
}

fn block_height(lines: u32, size: f32, leading: f32) -> f32 {
    size + (lines.saturating_sub(1)) as f32 * size * leading
}

fn break_all<'a>(paragraphs: &'a [(&'a str, Vec<Glyph>)], max_em: f32) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for (text, glyphs) in paragraphs {
        break_paragraph(text, glyphs, max_em, &mut lines);
    }
    lines
}

/// Greedy line breaking at the last allowed break before the width runs out.
fn break_paragraph<'a>(text: &'a str, glyphs: &'a [Glyph], max_em: f32, out: &mut Vec<Line<'a>>) {
    if glyphs.is_empty() {
        out.push(Line {
            text: "",
            glyphs,
            width: 0.0,
        });
        return;
    }
    let mut start = 0;
    while start < glyphs.len() {
        let mut width = 0.0;
        let mut end = start;
        let mut last_break = None;
        while end < glyphs.len() {
            if end > start && can_break_before(text, glyphs, end) {
                last_break = Some(end);
            }
            if width + glyphs[end].advance > max_em + 1e-4 && end > start {
                break;
            }
            width += glyphs[end].advance;
            end += 1;
        }
        if end < glyphs.len() {
            // Break at the last opportunity; with none (a long Latin word), break anywhere.
            end = last_break.filter(|&b| b > start).unwrap_or(end);
        }
        out.push(make_line(text, &glyphs[start..end]));
        start = end;
        while start < glyphs.len() && char_at(text, &glyphs[start]) == ' ' {
            start += 1;
        }
    }
}

fn make_line<'a>(text: &'a str, glyphs: &'a [Glyph]) -> Line<'a> {
    let trimmed = glyphs
        .iter()
        .rposition(|g| char_at(text, g) != ' ')
        .map_or(0, |i| i + 1);
    let glyphs = &glyphs[..trimmed];
    let width = glyphs.iter().map(|g| g.advance).sum();
    let range = match (glyphs.first(), glyphs.last()) {
        (Some(a), Some(b)) => a.cluster.start as usize..b.cluster.end as usize,
        _ => 0..0,
    };
    Line {
        text: &text[range],
        glyphs,
        width,
    }
}

fn char_at(text: &str, glyph: &Glyph) -> char {
    text[glyph.cluster.start as usize..]
        .chars()
        .next()
        .unwrap_or(' ')
}

fn can_break_before(text: &str, glyphs: &[Glyph], i: usize) -> bool {
    let (prev, next) = (char_at(text, &glyphs[i - 1]), char_at(text, &glyphs[i]));
    if in_set(NO_LINE_START, next) || in_set(NO_LINE_END, prev) {
        return false;
    }
    if prev == ' ' {
        return true;
    }
    // Latin words and numbers stay whole; a break needs a space between them.
    !(is_word_char(prev) && is_word_char(next))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '_' | '/' | '@' | '\'' | '&' | '#')
        || ('\u{FF10}'..='\u{FF5A}').contains(&c)
}

fn place(
    lines: Vec<Line>,
    size: f32,
    h_scale: f32,
    def: &TextDef,
    primary: FontId,
    element: &Arc<str>,
) -> Vec<Item> {
    let rect = def.rect;
    let block = block_height(lines.len() as u32, size, def.fit.leading);
    // Centre the em box (ascender to descender) on the line, as CJK typesetting does.
    let font = crate::font::Fonts::global().get(primary);
    let ascent = size * font.ascender() / (font.ascender() - font.descender());
    let top = match def.valign {
        VAlign::Top => rect.y,
        VAlign::Middle => rect.y + (rect.height - block) / 2.0,
        VAlign::Bottom => rect.y + rect.height - block,
    };
    let mut items = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.glyphs.is_empty() {
            continue;
        }
        let width = line.width * size * h_scale;
        let count = line.glyphs.len();
        let (x, spacing) = match def.align {
            Align::Left => (rect.x, 0.0),
            Align::Center => (rect.x + (rect.width - width) / 2.0, 0.0),
            Align::Right => (rect.x + rect.width - width, 0.0),
            Align::Distribute if count > 1 => {
                (rect.x, (rect.width - width) / h_scale / (count - 1) as f32)
            }
            Align::Distribute => (rect.x + (rect.width - width) / 2.0, 0.0),
        };
        let baseline = top + ascent + i as f32 * size * def.fit.leading;
        let line_start = line.glyphs[0].cluster.start;
        let mut x = x;
        // One run per stretch of glyphs from one font: a run names one font.
        for glyphs in line.glyphs.chunk_by(|a, b| a.font == b.font) {
            let run_font = glyphs[0].font;
            let (start, end) = (
                glyphs[0].cluster.start,
                glyphs[glyphs.len() - 1].cluster.end,
            );
            let run = TextRun {
                font: run_font,
                size,
                h_scale,
                spacing,
                origin: Point {
                    x,
                    y: baseline + shift(primary, run_font) * size,
                },
                glyphs: glyphs
                    .iter()
                    .map(|g| Glyph {
                        cluster: g.cluster.start - start..g.cluster.end - start,
                        ..g.clone()
                    })
                    .collect(),
                text: line.text[(start - line_start) as usize..(end - line_start) as usize]
                    .to_string(),
                color: def.color,
            };
            x += run.width();
            items.push(Item {
                element: element.clone(),
                kind: ItemKind::Text(run),
            });
        }
    }
    items
}

/// How far down (in ems) a fallback font's glyphs go so that its ideographic em box sits where
/// the element's font has it: nothing for the fonts shikaku ships and finds, whose boxes all
/// span −0.12 to 0.88 em (to within a font unit: −246/2048 is −0.1201), but a font with another
/// box would otherwise ride high or low.
fn shift(primary: FontId, font: FontId) -> f32 {
    /// Differences below this are font-unit rounding, not design: a shift would only part the
    /// baselines of one name by a thousandth of a point.
    const SAME_BOX: f32 = 0.005;
    if primary == font {
        return 0.0;
    }
    let fonts = crate::font::Fonts::global();
    let difference = fonts.get(font).em_bottom() - fonts.get(primary).em_bottom();
    if difference.abs() < SAME_BOX {
        0.0
    } else {
        difference
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{Color, Rect};
    use crate::layout::{mm, Template};

    fn def(w_mm: f32, h_mm: f32, size: f32, fit: Fit) -> TextDef {
        TextDef {
            rect: Rect {
                x: 0.0,
                y: 0.0,
                width: mm(w_mm),
                height: mm(h_mm),
            },
            template: Template::parse("").unwrap(),
            font: FontId::Gothic,
            size,
            align: Align::Left,
            valign: VAlign::Middle,
            color: Color::BLACK,
            fit,
        }
    }

    fn runs(text: &str, def: &TextDef) -> Result<Vec<TextRun>, TextError> {
        let fonts = super::Chain {
            chain: &[FontId::Gothic],
            substitutions: &Substitutions::default(),
        };
        let items = set(text, def, &fonts, &Arc::from("t"), &mut Vec::new())?;
        Ok(items
            .into_iter()
            .map(|i| match i.kind {
                ItemKind::Text(t) => t,
                _ => unreachable!(),
            })
            .collect())
    }

    const FIT: Fit = Fit {
        min_h_scale: 0.6,
        min_size: 6.0,
        max_lines: 2,
        leading: 1.2,
    };

    #[test]
    fn short_text_is_set_as_designed() {
        let r = runs("佐藤 太郎", &def(40.0, 5.0, 9.0, FIT)).unwrap();
        assert_eq!((r.len(), r[0].size, r[0].h_scale), (1, 9.0, 1.0));
    }

    #[test]
    fn squeezes_before_shrinking_and_shrinks_before_wrapping() {
        // 10 full-width characters at 9 pt are 90 pt wide: in 80 pt they squeeze.
        let d = def(80.0 / mm(1.0), 5.0, 9.0, FIT);
        let r = runs("あいうえおかきくけこ", &d).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].size, 9.0);
        assert!((r[0].h_scale - 80.0 / 90.0).abs() < 1e-3);
        // 20 characters: 180 pt at 9 pt; 0.6 × 180 = 108 > 80, so the size drops.
        let r = runs(&"あ".repeat(20), &d).unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].size < 9.0 && r[0].size >= 6.0);
        // 30 characters cannot fit on one line even at 6 pt squeezed (108 pt): two lines.
        let tall = def(80.0 / mm(1.0), 8.0, 9.0, FIT);
        let r = runs(&"あ".repeat(30), &tall).unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|l| l.width() <= mm(80.0 / mm(1.0)) + 0.01));
    }

    #[test]
    fn overflow_is_an_error_not_a_clipped_line() {
        let err = runs(&"あ".repeat(80), &def(20.0, 5.0, 9.0, FIT)).unwrap_err();
        assert!(matches!(err, TextError::Overflow { .. }));
        assert_eq!(
            err.to_string(),
            "text does not fit its box (even at 6 pt, squeezed to 60%, on 2 lines)"
        );
    }

    #[test]
    fn kinsoku_keeps_closing_marks_off_the_line_start() {
        // Six characters per line: a plain break would start line 2 with 。
        let fit = Fit {
            min_h_scale: 1.0,
            min_size: 10.0,
            max_lines: 3,
            leading: 1.2,
        };
        let d = def(60.0 / mm(1.0), 20.0, 10.0, fit);
        let r = runs("あいうえおか。きくけこ", &d).unwrap();
        assert!(
            !r[1].text.starts_with('。'),
            "{:?}",
            r.iter().map(|x| &x.text).collect::<Vec<_>>()
        );
        assert_eq!(r[0].text, "あいうえお");
        assert_eq!(r[1].text, "か。きくけこ");
    }

    #[test]
    fn latin_words_break_at_spaces() {
        let fit = Fit {
            min_h_scale: 1.0,
            min_size: 10.0,
            max_lines: 3,
            leading: 1.2,
        };
        let d = def(30.0, 20.0, 10.0, fit);
        let r = runs("JOHN SMITH WILLIAMSON", &d).unwrap();
        assert!(r
            .iter()
            .all(|l| !l.text.starts_with(' ') && !l.text.ends_with(' ')));
        assert!(
            r.iter().any(|l| l.text == "WILLIAMSON"),
            "{:?}",
            r.iter().map(|x| &x.text).collect::<Vec<_>>()
        );
    }

    #[test]
    fn distribute_spreads_a_label_over_its_box() {
        let mut d = def(20.0, 5.0, 8.0, FIT);
        d.align = Align::Distribute;
        let r = runs("氏名", &d).unwrap();
        let right = r[0].origin.x + r[0].advance(0) + r[0].glyphs[1].advance * 8.0;
        assert!((right - mm(20.0)).abs() < 0.01);
    }

    #[test]
    fn a_variation_sequence_stays_whole_at_a_line_end() {
        // Three characters a line: the break falls right after 葛 and its selector.
        let fit = Fit {
            min_h_scale: 1.0,
            min_size: 10.0,
            max_lines: 3,
            leading: 1.2,
        };
        let r = runs(
            "あい葛\u{E0100}うえお",
            &def(30.0 / mm(1.0), 20.0, 10.0, fit),
        )
        .unwrap();
        assert_eq!(r[0].text, "あい葛\u{E0100}");
        assert_eq!(r[1].text, "うえお");
    }

    #[test]
    fn a_fallback_glyph_continues_the_line_at_the_same_size_squeeze_and_baseline() {
        let chain = crate::font::Fallbacks::default();
        let fonts = super::Chain {
            chain: chain.chain(FontId::Gothic),
            substitutions: &Substitutions::default(),
        };
        if crate::font::Fonts::global()
            .try_get(FontId::NotoSansJp)
            .is_err()
        {
            return; // scripts/test.sh installs fonts-noto-cjk; tests/fonts.rs insists on it
        }
        // 12 characters at 9 pt in 80 pt: squeezed, 𠮷 included.
        let d = def(80.0 / mm(1.0), 5.0, 9.0, FIT);
        let mut notes = Vec::new();
        let items = set(
            "𠮷田あいうえおかきくけこ",
            &d,
            &fonts,
            &Arc::from("t"),
            &mut notes,
        )
        .unwrap();
        let r: Vec<TextRun> = items
            .into_iter()
            .map(|i| match i.kind {
                ItemKind::Text(t) => t,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].font, r[1].font), (FontId::NotoSansJp, FontId::Gothic));
        assert_eq!((r[0].size, r[0].h_scale), (r[1].size, r[1].h_scale));
        assert!(r[0].h_scale < 1.0);
        assert_eq!(r[0].origin.y, r[1].origin.y);
        assert!((r[0].origin.x + r[0].width() - r[1].origin.x).abs() < 1e-4);
        // The mixed line fills the box exactly: the fit rule measured both fonts' advances.
        assert!((r[0].width() + r[1].width() - 80.0).abs() < 0.01);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].code_points(), "layout:U+20BB7=noto-sans-jp");
    }

    #[test]
    fn hard_line_breaks_are_kept() {
        let fit = Fit {
            min_h_scale: 1.0,
            min_size: 8.0,
            max_lines: 3,
            leading: 1.2,
        };
        let r = runs("一行目\n二行目", &def(40.0, 10.0, 8.0, fit)).unwrap();
        assert_eq!(
            r.iter().map(|x| x.text.as_str()).collect::<Vec<_>>(),
            ["一行目", "二行目"]
        );
    }
}
