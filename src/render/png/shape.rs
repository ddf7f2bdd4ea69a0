//! Paths: filled and stroked as the PDF's `f`, `S` and `B` operators paint them.

use tiny_skia::{FillRule, LineCap, LineJoin, PathBuilder, StrokeDash};

use super::{paint, Canvas};
use crate::display::{Path, PathOp, Stroke};

/// The PDF's default miter limit; tiny-skia's own default is 4.
const MITER_LIMIT: f32 = 10.0;

/// Fills (nonzero) and then strokes a path, as `B` does.
pub fn render_path(canvas: &mut Canvas, path: &Path) {
    let Some(outline) = build(&path.ops) else { return };
    if let Some(color) = path.fill {
        canvas.pixmap.fill_path(&outline, &paint(color), FillRule::Winding, canvas.transform, None);
    }
    if let Some(stroke) = &path.stroke {
        let pixel = 1.0 / canvas.transform.sx;
        canvas.pixmap.stroke_path(&outline, &paint(stroke.color), &to_stroke(stroke, pixel), canvas.transform, None);
    }
}

/// The path in points; `None` when it has no segments.
fn build(ops: &[PathOp]) -> Option<tiny_skia::Path> {
    let mut builder = PathBuilder::new();
    for op in ops {
        match *op {
            PathOp::Move(p) => builder.move_to(p.x, p.y),
            PathOp::Line(p) => builder.line_to(p.x, p.y),
            PathOp::Cubic(a, b, c) => builder.cubic_to(a.x, a.y, b.x, b.y, c.x, c.y),
            PathOp::Close => builder.close(),
            PathOp::Rect(r) => {
                // `re` starts at the corner nearest the PDF's origin (bottom-left here)
                // and runs the same way round, so nonzero winding against other
                // subpaths agrees with the PDF. Degenerate rects stay lines, as in `re`.
                let (x0, y0, x1, y1) = (r.x, r.y + r.height, r.x + r.width, r.y);
                builder.move_to(x0, y0);
                builder.line_to(x1, y0);
                builder.line_to(x1, y1);
                builder.line_to(x0, y1);
                builder.close();
            }
        }
    }
    builder.finish()
}

/// The PDF's graphics state defaults: butt caps, miter joins, dash phase 0.
///
/// A stroke thinner than one `pixel` (in points) becomes a one-pixel hairline.
/// PDF viewers (poppler, pdf.js, Acrobat) draw no line thinner than a device pixel,
/// so a 0.15 pt rule at 150 dpi previews as the solid line it prints as, not as
/// a 30 % grey.
fn to_stroke(stroke: &Stroke, pixel: f32) -> tiny_skia::Stroke {
    tiny_skia::Stroke {
        // tiny-skia draws width 0 as a one-pixel anti-aliased hairline.
        width: if stroke.width < pixel { 0.0 } else { stroke.width },
        miter_limit: MITER_LIMIT,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        dash: dash(&stroke.dash),
    }
}

/// `d`: an odd-length array repeats to make on/off pairs, as the PDF reads it;
/// one that cannot dash (all zero) strokes solid.
fn dash(pattern: &[f32]) -> Option<StrokeDash> {
    if pattern.is_empty() {
        return None;
    }
    let pairs = if pattern.len() % 2 == 1 { pattern.repeat(2) } else { pattern.to_vec() };
    StrokeDash::new(pairs, 0.0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{page, rect, render};
    use crate::display::{Color, ItemKind, Path, PathOp, Point, Size, Stroke};

    const SIZE: Size = Size { width: 40.0, height: 30.0 };
    const WHITE: [u8; 3] = [255, 255, 255];
    const BLACK: [u8; 3] = [0, 0, 0];

    fn line(from: (f32, f32), to: (f32, f32), width: f32, dash: Vec<f32>) -> ItemKind {
        let p = |(x, y)| Point { x, y };
        ItemKind::Path(Path {
            ops: vec![PathOp::Move(p(from)), PathOp::Line(p(to))],
            fill: None,
            stroke: Some(Stroke { width, color: Color::BLACK, dash }),
        })
    }

    #[test]
    fn fills_a_rect_on_whole_pixels() {
        let img = render(&page(SIZE, vec![rect(10.0, 10.0, 10.0, 10.0, Color::BLACK)]));
        for y in 0..30 {
            for x in 0..40 {
                let inside = (10..20).contains(&x) && (10..20).contains(&y);
                assert_eq!(img.get_pixel(x, y).0, if inside { BLACK } else { WHITE }, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn anti_aliases_a_half_covered_edge() {
        let img = render(&page(SIZE, vec![rect(10.5, 10.0, 10.0, 10.0, Color::BLACK)]));
        let edge = img.get_pixel(10, 15).0[0];
        assert!((100..160).contains(&edge), "edge pixel {edge}");
        assert_eq!(img.get_pixel(11, 15).0, BLACK);
    }

    #[test]
    fn strokes_a_line_with_its_width_and_butt_caps() {
        // 2 pt wide, centred on y = 15: rows 14 and 15, columns 5..35 exactly.
        let img = render(&page(SIZE, vec![line((5.0, 15.0), (35.0, 15.0), 2.0, vec![])]));
        assert_eq!(img.get_pixel(20, 14).0, BLACK);
        assert_eq!(img.get_pixel(20, 15).0, BLACK);
        assert_eq!(img.get_pixel(20, 13).0, WHITE);
        assert_eq!(img.get_pixel(20, 16).0, WHITE);
        assert_eq!(img.get_pixel(5, 15).0, BLACK);
        assert_eq!(img.get_pixel(4, 15).0, WHITE);
        assert_eq!(img.get_pixel(35, 15).0, WHITE);
    }

    #[test]
    fn draws_a_stroke_thinner_than_a_pixel_one_pixel_wide() {
        // 0.2 px wide, centred on a pixel row: the row is as dark as a 1 px line.
        let img = render(&page(SIZE, vec![line((5.0, 15.5), (35.0, 15.5), 0.2, vec![])]));
        assert_eq!(img.get_pixel(20, 15).0, BLACK);
        assert_eq!(img.get_pixel(20, 14).0, WHITE);
        assert_eq!(img.get_pixel(20, 16).0, WHITE);
    }

    #[test]
    fn dashes_leave_gaps() {
        // 4 on, 4 off from x = 0: dark at 0..4, 8..12, …; light at 4..8, 12..16, ….
        let img = render(&page(SIZE, vec![line((0.0, 15.0), (40.0, 15.0), 2.0, vec![4.0, 4.0])]));
        for x in [1, 2, 9, 10, 17, 33] {
            assert_eq!(img.get_pixel(x, 15).0, BLACK, "dash at {x}");
        }
        for x in [5, 6, 13, 14, 21, 37] {
            assert_eq!(img.get_pixel(x, 15).0, WHITE, "gap at {x}");
        }
    }

    #[test]
    fn repeats_an_odd_dash_array_as_the_pdf_does() {
        // [3] means 3 on, 3 off.
        let img = render(&page(SIZE, vec![line((0.0, 15.0), (40.0, 15.0), 2.0, vec![3.0])]));
        assert_eq!(img.get_pixel(1, 15).0, BLACK);
        assert_eq!(img.get_pixel(4, 15).0, WHITE);
        assert_eq!(img.get_pixel(7, 15).0, BLACK);
    }

    #[test]
    fn fills_and_strokes_a_rounded_rect() {
        let k = 0.552_284_8 * 5.0;
        let p = |x, y| Point { x, y };
        let ops = vec![
            PathOp::Move(p(10.0, 5.0)),
            PathOp::Line(p(30.0, 5.0)),
            PathOp::Cubic(p(30.0 + k, 5.0), p(35.0, 10.0 - k), p(35.0, 10.0)),
            PathOp::Line(p(35.0, 25.0)),
            PathOp::Line(p(5.0, 25.0)),
            PathOp::Line(p(5.0, 10.0)),
            PathOp::Cubic(p(5.0, 10.0 - k), p(10.0 - k, 5.0), p(10.0, 5.0)),
            PathOp::Close,
        ];
        let stroke = Some(Stroke { width: 1.0, color: Color(255, 0, 0), dash: vec![] });
        let img = render(&page(SIZE, vec![ItemKind::Path(Path { ops, fill: Some(Color(0, 0, 255)), stroke })]));
        assert_eq!(img.get_pixel(20, 15).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(5, 5).0, WHITE, "the corner is cut");
        let top = img.get_pixel(20, 5).0;
        assert!(top[0] > 100 && top[1] < 100, "stroke drawn over the fill: {top:?}");
    }

    #[test]
    fn fills_nonzero_where_subpaths_overlap() {
        // Two rects wound the same way: the overlap stays filled (even-odd would clear it).
        let img = render(&page(SIZE, vec![ItemKind::Path(Path {
            ops: vec![
                PathOp::Rect(crate::display::Rect { x: 0.0, y: 0.0, width: 20.0, height: 20.0 }),
                PathOp::Rect(crate::display::Rect { x: 10.0, y: 10.0, width: 20.0, height: 20.0 }),
            ],
            fill: Some(Color::BLACK),
            stroke: None,
        })]));
        assert_eq!(img.get_pixel(15, 15).0, BLACK);
    }
}
