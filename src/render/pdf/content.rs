//! Content streams: display items → PDF operators, with the y axis flipped.

use pdf_writer::{Content, Name, Str};

use super::UsedGlyph;
use crate::display::{Color, Item, ItemKind, Path, PathOp, Placed, Point, Stroke, TextRun};

/// Writes operators, skipping state changes that would repeat the current state.
pub struct Builder {
    content: Content,
    height: f32,
    /// Paint colours as DeviceGray or DeviceCMYK (PDF/X), never DeviceRGB.
    cmyk: bool,
    fill: Option<Color>,
    stroke: Option<Color>,
    line_width: Option<f32>,
    dashed: bool,
    /// Text state persists across `BT`/`ET`, so it is tracked like colours.
    h_scale: f32,
    spacing: f32,
    glyphs: Vec<UsedGlyph>,
}

impl Builder {
    /// A content stream for a page (or form) `height` points tall; colours in DeviceCMYK rather
    /// than DeviceRGB when `cmyk` (greys are DeviceGray either way).
    pub fn new(height: f32, cmyk: bool) -> Builder {
        Builder {
            content: Content::new(),
            height,
            cmyk,
            fill: None,
            stroke: None,
            line_width: None,
            dashed: false,
            h_scale: 1.0,
            spacing: 0.0,
            glyphs: Vec::new(),
        }
    }

    fn point(&self, p: Point) -> (f32, f32) {
        (round(p.x), round(self.height - p.y))
    }

    /// `Do`: draws a Form XObject (a background layer) by its resource name.
    pub fn x_object(&mut self, name: &str) {
        self.content.x_object(Name(name.as_bytes()));
    }

    /// Draws items in order.
    pub fn items(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::Text(run) => self.text(run),
                ItemKind::Path(path) => self.path(path),
                ItemKind::Image(image) => {
                    let r = image.rect;
                    self.content.save_state();
                    self.content.transform([
                        round(r.width),
                        0.0,
                        0.0,
                        round(r.height),
                        round(r.x),
                        round(self.height - r.y - r.height),
                    ]);
                    self.content
                        .x_object(Name(super::image_name(&image.data).as_bytes()));
                    self.content.restore_state();
                }
                ItemKind::Placed(placed) => self.placed(placed),
            }
        }
    }

    /// `q 1 0 0 1 dx dy cm /Lxxxx Do … Q` (or `-1 0 0 -1` turned): the placed page in its own
    /// coordinates. `Q` restores colours and text state, so the tracked state is restored with it.
    fn placed(&mut self, placed: &Placed) {
        let r = placed.rect();
        let (x, y) = (r.x, self.height - r.y - r.height);
        let matrix = if placed.turned {
            [
                -1.0,
                0.0,
                0.0,
                -1.0,
                round(x + r.width),
                round(y + r.height),
            ]
        } else {
            [1.0, 0.0, 0.0, 1.0, round(x), round(y)]
        };
        self.content.save_state();
        self.content.transform(matrix);
        self.x_object(&super::layer_name(&placed.layer.key));
        let saved = (
            self.height,
            self.fill,
            self.stroke,
            self.line_width,
            self.dashed,
            self.h_scale,
            self.spacing,
        );
        self.height = r.height;
        self.items(&placed.items);
        (
            self.height,
            self.fill,
            self.stroke,
            self.line_width,
            self.dashed,
            self.h_scale,
            self.spacing,
        ) = saved;
        self.content.restore_state();
    }

    fn set_fill(&mut self, color: Color) {
        if self.fill != Some(color) {
            let Color(r, g, b) = color;
            if r == g && g == b {
                self.content.set_fill_gray(f32::from(r) / 255.0);
            } else if self.cmyk {
                let [c, m, y, k] = cmyk(color);
                self.content
                    .set_fill_cmyk(round(c), round(m), round(y), round(k));
            } else {
                self.content.set_fill_rgb(
                    f32::from(r) / 255.0,
                    f32::from(g) / 255.0,
                    f32::from(b) / 255.0,
                );
            }
            self.fill = Some(color);
        }
    }

    fn set_stroke(&mut self, stroke: &Stroke) {
        if self.stroke != Some(stroke.color) {
            let Color(r, g, b) = stroke.color;
            if r == g && g == b {
                self.content.set_stroke_gray(f32::from(r) / 255.0);
            } else if self.cmyk {
                let [c, m, y, k] = cmyk(stroke.color);
                self.content
                    .set_stroke_cmyk(round(c), round(m), round(y), round(k));
            } else {
                self.content.set_stroke_rgb(
                    f32::from(r) / 255.0,
                    f32::from(g) / 255.0,
                    f32::from(b) / 255.0,
                );
            }
            self.stroke = Some(stroke.color);
        }
        if self.line_width != Some(stroke.width) {
            self.content.set_line_width(round(stroke.width));
            self.line_width = Some(stroke.width);
        }
        if !stroke.dash.is_empty() || self.dashed {
            self.content
                .set_dash_pattern(stroke.dash.iter().map(|&d| round(d)), 0.0);
            self.dashed = !stroke.dash.is_empty();
        }
    }

    /// `BT /Fn size Tf … Tm <glyphs> Tj ET`, glyphs named by their full-font ids.
    fn text(&mut self, run: &TextRun) {
        self.set_fill(run.color);
        let mut bytes = Vec::with_capacity(run.glyphs.len() * 2);
        for glyph in &run.glyphs {
            let mut chars =
                run.text[glyph.cluster.start as usize..glyph.cluster.end as usize].chars();
            let base = chars.next().unwrap_or('\u{FFFD}');
            self.glyphs.push(UsedGlyph {
                font: run.font,
                id: glyph.id,
                base,
                selector: chars.next(),
            });
            bytes.extend_from_slice(&glyph.id.to_be_bytes());
        }
        let (x, y) = self.point(run.origin);
        let name = super::font_name(run.font);
        self.content.begin_text();
        self.content
            .set_font(Name(name.as_bytes()), round(run.size));
        if run.h_scale != self.h_scale {
            self.content
                .set_horizontal_scaling(round(run.h_scale * 100.0));
            self.h_scale = run.h_scale;
        }
        if run.spacing != self.spacing {
            self.content.set_char_spacing(round(run.spacing));
            self.spacing = run.spacing;
        }
        self.content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        self.content.show(Str(&bytes));
        self.content.end_text();
    }

    fn path(&mut self, path: &Path) {
        if let Some(color) = path.fill {
            self.set_fill(color);
        }
        if let Some(stroke) = &path.stroke {
            self.set_stroke(stroke);
        }
        for op in &path.ops {
            match *op {
                PathOp::Move(p) => {
                    let (x, y) = self.point(p);
                    self.content.move_to(x, y);
                }
                PathOp::Line(p) => {
                    let (x, y) = self.point(p);
                    self.content.line_to(x, y);
                }
                PathOp::Cubic(a, b, c) => {
                    let ((x1, y1), (x2, y2), (x3, y3)) =
                        (self.point(a), self.point(b), self.point(c));
                    self.content.cubic_to(x1, y1, x2, y2, x3, y3);
                }
                PathOp::Close => {
                    self.content.close_path();
                }
                PathOp::Rect(r) => {
                    let (x, y) = self.point(Point {
                        x: r.x,
                        y: r.y + r.height,
                    });
                    self.content.rect(x, y, round(r.width), round(r.height));
                }
            }
        }
        match (path.fill.is_some(), path.stroke.is_some()) {
            (true, true) => self.content.fill_nonzero_and_stroke(),
            (true, false) => self.content.fill_nonzero(),
            (false, true) => self.content.stroke(),
            (false, false) => self.content.end_path(),
        };
    }

    /// The operators, uncompressed, and the glyphs they show.
    pub fn finish(self) -> (Vec<u8>, Vec<UsedGlyph>) {
        (self.content.finish().to_vec(), self.glyphs)
    }
}

/// An RGB colour as CMYK by the complement with full grey-component replacement: the grey part of
/// the colour goes to black ink alone, the rest to the two or three coloured inks it needs. For a
/// print file this is what matters: greys and black (text, rules) print on the black plate only,
/// never as a four-colour mix that smears small type when the plates are a hair out of register;
/// and a tint such as #fde8ef stays a light tint. It is a device conversion, not a colorimetric
/// one: the CMYK numbers mean what the output intent's printing condition makes of them.
pub fn cmyk(color: Color) -> [f32; 4] {
    let Color(r, g, b) = color;
    let [r, g, b] = [r, g, b].map(|v| f32::from(v) / 255.0);
    let k = 1.0 - r.max(g).max(b);
    if k >= 1.0 {
        return [0.0, 0.0, 0.0, 1.0];
    }
    let ink = |v: f32| (1.0 - v - k) / (1.0 - k);
    [ink(r), ink(g), ink(b), k]
}

/// Rounds to 1/1000 pt: far below print resolution, and it keeps streams short
/// and identical across platforms' float formatting. Every number of an item passes here;
/// display lists are checked finite before they reach a writer
/// ([`crate::display::first_non_finite`]), and this asserts it.
fn round(v: f32) -> f32 {
    debug_assert!(v.is_finite(), "a non-finite number reached the PDF writer");
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::display::{Layer, Size};

    fn placed(turned: bool) -> String {
        let layer = Arc::new(Layer {
            key: "card#front".into(),
            size: Size {
                width: 200.0,
                height: 100.0,
            },
            items: Vec::new(),
        });
        let item = Item {
            element: Arc::from("card"),
            kind: ItemKind::Placed(Placed {
                layer,
                items: Vec::new(),
                at: Point { x: 50.0, y: 20.0 },
                turned,
            }),
        };
        let mut builder = Builder::new(800.0, false);
        builder.items(&[item]);
        String::from_utf8(builder.finish().0).unwrap()
    }

    #[test]
    fn a_placed_page_is_moved_to_its_bottom_left_corner_and_drawn_by_name() {
        // Top-left (50, 20) of a 100 pt tall page on an 800 pt sheet: bottom-left (50, 680).
        let name = super::super::layer_name("card#front");
        assert_eq!(
            placed(false),
            format!("q\n1 0 0 1 50 680 cm\n/{name} Do\nQ")
        );
        // Turned half round about the same footprint: the origin goes to the top-right corner.
        assert_eq!(
            placed(true),
            format!("q\n-1 0 0 -1 250 780 cm\n/{name} Do\nQ")
        );
    }

    #[test]
    fn cmyk_puts_greys_on_black_alone_and_keeps_tints_light() {
        assert_eq!(cmyk(Color(0, 0, 0)), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(cmyk(Color(255, 0, 0)), [0.0, 1.0, 1.0, 0.0]);
        let [c, m, y, k] = cmyk(Color(253, 232, 239));
        assert!(c == 0.0 && (0.08..0.1).contains(&m) && (0.05..0.06).contains(&y) && k < 0.01);
        let [c, m, y, _] = cmyk(Color(128, 128, 127));
        assert!(
            c == 0.0 && m == 0.0 && y < 0.01,
            "near-grey is black ink, a trace of yellow"
        );
    }
}
