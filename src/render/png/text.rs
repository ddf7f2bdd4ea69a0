//! Text: glyph outlines by glyph id, placed where the PDF's `Tj` puts them.
//!
//! Glyphs are drawn by id rather than by shaping the text again, so a variation
//! sequence (IVS) shows the same variant as the PDF.

use std::collections::HashMap;

use tiny_skia::{FillRule, PathBuilder};
use ttf_parser::{Face, GlyphId, OutlineBuilder};

use super::{paint, Canvas};
use crate::display::TextRun;
use crate::font::{FontId, Fonts};

/// Glyph outlines in font units, made once per render: a card repeats many glyphs.
#[derive(Default)]
pub struct GlyphCache(HashMap<(FontId, u16), Option<tiny_skia::Path>>);

impl GlyphCache {
    /// The outline of a glyph; `None` for glyphs without one (spaces).
    fn get(&mut self, font: FontId, id: u16) -> Option<&tiny_skia::Path> {
        self.0
            .entry((font, id))
            .or_insert_with(|| outline(Fonts::global().get(font).face(), id))
            .as_ref()
    }
}

fn outline(face: &Face, id: u16) -> Option<tiny_skia::Path> {
    let mut builder = Outline(PathBuilder::new());
    face.outline_glyph(GlyphId(id), &mut builder)?;
    builder.0.finish()
}

/// Adapts ttf-parser's outline callbacks to a tiny-skia path.
struct Outline(PathBuilder);

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        self.0.close();
    }
}

/// Fills each glyph's outline at its pen position on the baseline.
pub fn render_text(canvas: &mut Canvas, run: &TextRun) {
    let scale = run.size / Fonts::global().get(run.font).units_per_em();
    let paint = paint(run.color);
    let mut x = run.origin.x;
    for (i, glyph) in run.glyphs.iter().enumerate() {
        if let Some(outline) = canvas.glyphs.get(run.font, glyph.id) {
            // Font units point up; horizontal scaling (`Tz`) squeezes the outline
            // as well as the advance.
            let transform = canvas
                .transform
                .pre_translate(x, run.origin.y)
                .pre_scale(scale * run.h_scale, -scale);
            canvas
                .pixmap
                .fill_path(outline, &paint, FillRule::Winding, transform, None);
        }
        x += run.advance(i);
    }
}

#[cfg(test)]
mod tests {
    use ::image::RgbImage;

    use super::super::tests::{page, render};
    use crate::display::{Color, ItemKind, Point, Size, TextRun};
    use crate::font::{FontId, Fonts};

    const SIZE: Size = Size {
        width: 100.0,
        height: 40.0,
    };

    fn run(text: &str, h_scale: f32, spacing: f32) -> TextRun {
        let glyphs = Fonts::global().get(FontId::Gothic).shape(text).unwrap();
        TextRun {
            font: FontId::Gothic,
            size: 20.0,
            h_scale,
            spacing,
            origin: Point { x: 10.0, y: 30.0 },
            glyphs,
            text: text.into(),
            color: Color::BLACK,
        }
    }

    /// The columns and rows holding pixels darker than mid-grey: (x0, y0, x1, y1), inclusive.
    fn ink_box(img: &RgbImage) -> Option<(u32, u32, u32, u32)> {
        let dark: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] < 128)
            .map(|(x, y, _)| (x, y))
            .collect();
        let xs = dark.iter().map(|p| p.0);
        let ys = dark.iter().map(|p| p.1);
        Some((xs.clone().min()?, ys.clone().min()?, xs.max()?, ys.max()?))
    }

    #[test]
    fn draws_a_glyph_inside_its_bounding_box() {
        let run = run("田", 1.0, 0.0);
        let font = Fonts::global().get(FontId::Gothic);
        let bbox = font
            .face()
            .glyph_bounding_box(ttf_parser::GlyphId(run.glyphs[0].id))
            .unwrap();
        let s = 20.0 / font.units_per_em();
        // The box in pixels (72 dpi), y flipped around the baseline at 30.
        let (left, right) = (
            10.0 + f32::from(bbox.x_min) * s,
            10.0 + f32::from(bbox.x_max) * s,
        );
        let (top, bottom) = (
            30.0 - f32::from(bbox.y_max) * s,
            30.0 - f32::from(bbox.y_min) * s,
        );
        let img = render(&page(SIZE, vec![ItemKind::Text(run)]));
        let (x0, y0, x1, y1) = ink_box(&img).expect("the glyph left ink");
        assert!(
            x0 as f32 >= left.floor() && x1 as f32 <= right.ceil(),
            "columns {x0}..={x1} outside {left}..{right}"
        );
        assert!(
            y0 as f32 >= top.floor() && y1 as f32 <= bottom.ceil(),
            "rows {y0}..={y1} outside {top}..{bottom}"
        );
        // 田 is a box: ink reaches close to every side of its bounding box.
        assert!(x0 as f32 <= left + 1.0 && x1 as f32 >= right - 2.0);
        assert!(y0 as f32 <= top + 1.0 && y1 as f32 >= bottom - 2.0);
    }

    /// A fallback font's variant glyph is drawn, not its base: the preview shows the name as
    /// the PDF prints it. Noto Sans CJK JP (fonts-noto-cjk, installed by scripts/test.sh) has 邉
    /// with U+E0102 as a glyph of its own.
    #[test]
    fn draws_a_fallback_fonts_variant_glyph() {
        let noto = Fonts::global()
            .try_get(FontId::NotoSansJp)
            .expect("Noto Sans CJK JP: install fonts-noto-cjk (scripts/test.sh does)");
        let draw = |text: &str| {
            let glyphs = noto.shape(text).unwrap();
            let run = TextRun {
                font: FontId::NotoSansJp,
                glyphs,
                text: text.into(),
                ..run("田", 1.0, 0.0)
            };
            render(&page(SIZE, vec![ItemKind::Text(run)]))
        };
        let variant = draw("邉\u{E0102}");
        let base = draw("邉");
        assert!(ink_box(&variant).is_some(), "the variant left no ink");
        assert!(
            variant != base,
            "the base glyph was drawn for the variation sequence"
        );
    }

    #[test]
    fn horizontal_scaling_squeezes_the_outline() {
        let wide = ink_box(&render(&page(
            SIZE,
            vec![ItemKind::Text(run("田", 1.0, 0.0))],
        )))
        .unwrap();
        let narrow = ink_box(&render(&page(
            SIZE,
            vec![ItemKind::Text(run("田", 0.5, 0.0))],
        )))
        .unwrap();
        let (w, n) = ((wide.2 - wide.0) as f32, (narrow.2 - narrow.0) as f32);
        assert!((n - w / 2.0).abs() <= 1.5, "{n} is not half of {w}");
        assert_eq!((wide.1, wide.3), (narrow.1, narrow.3), "height unchanged");
    }

    #[test]
    fn advances_by_the_runs_advance_with_spacing() {
        // The second glyph starts one em plus 10 pt of spacing after the first.
        let one = ink_box(&render(&page(
            SIZE,
            vec![ItemKind::Text(run("田", 1.0, 10.0))],
        )))
        .unwrap();
        let two = ink_box(&render(&page(
            SIZE,
            vec![ItemKind::Text(run("田田", 1.0, 10.0))],
        )))
        .unwrap();
        assert_eq!(two.2 - one.2, 30);
    }

    #[test]
    fn skips_glyphs_without_outline() {
        let img = render(&page(SIZE, vec![ItemKind::Text(run("\u{3000}", 1.0, 0.0))]));
        assert!(ink_box(&img).is_none());
    }

    #[test]
    fn draws_the_variant_the_glyph_id_names() {
        // 葛 with VS17 may be its own glyph; whatever id the run holds is what is drawn.
        let plain = run("葛", 1.0, 0.0);
        let mut variant = run("葛\u{E0100}", 1.0, 0.0);
        let a = render(&page(SIZE, vec![ItemKind::Text(plain.clone())]));
        let b = render(&page(SIZE, vec![ItemKind::Text(variant.clone())]));
        assert_eq!(a == b, plain.glyphs[0].id == variant.glyphs[0].id);
        variant.glyphs[0].id = plain.glyphs[0].id;
        assert_eq!(render(&page(SIZE, vec![ItemKind::Text(variant)])), a);
    }
}
