//! Paths: filled and stroked as the PDF's `f`, `S` and `B` operators paint them.

use tiny_skia::{FillRule, LineCap, LineJoin, PathBuilder, StrokeDash, Transform};

use super::{paint, Canvas};
use crate::display::{Path, PathOp, Rect, Stroke};

/// The PDF's default miter limit; tiny-skia's own default is 4.
const MITER_LIMIT: f32 = 10.0;

/// How far apart, in pixels, two coordinates may be and still make a segment
/// horizontal or vertical (points computed from mm carry float noise).
const AXIS_TOLERANCE: f32 = 1e-3;

/// Fills (nonzero) and then strokes a path, as `B` does.
pub fn render_path(canvas: &mut Canvas, path: &Path) {
    let Some(outline) = build(&path.ops) else {
        return;
    };
    if let Some(color) = path.fill {
        canvas.pixmap.fill_path(
            &outline,
            &paint(color),
            FillRule::Winding,
            canvas.transform,
            None,
        );
    }
    if let Some(stroke) = &path.stroke {
        render_stroke(canvas, &path.ops, &outline, stroke);
    }
}

/// Strokes on the pixel grid when the path allows it, else as drawn.
fn render_stroke(canvas: &mut Canvas, ops: &[PathOp], outline: &tiny_skia::Path, stroke: &Stroke) {
    // The canvas transform is a uniform scale: points → pixels.
    let scale = canvas.transform.sx;
    let paint = paint(stroke.color);
    if let Some((path, width)) = adjust(ops, canvas.transform, stroke.width * scale) {
        let dash: Vec<f32> = stroke.dash.iter().map(|d| d * scale).collect();
        // Filled as an outline: tiny-skia would draw a one-pixel stroke as a
        // hairline, whose segments meet only halfway into a corner pixel.
        if let Some(outline) = stroke_outline(&path, &to_stroke(width, &dash)) {
            canvas.pixmap.fill_path(
                &outline,
                &paint,
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    } else {
        // PDF viewers draw no line thinner than a device pixel, and tiny-skia
        // draws width 0 as a one-pixel anti-aliased hairline.
        let width = if stroke.width * scale < 1.0 {
            0.0
        } else {
            stroke.width
        };
        canvas.pixmap.stroke_path(
            outline,
            &paint,
            &to_stroke(width, &stroke.dash),
            canvas.transform,
            None,
        );
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
                // Drawn as its four sides, so a degenerate rect stays a line, as in `re`.
                let [(x0, y0), rest @ ..] = corners(r);
                builder.move_to(x0, y0);
                for (x, y) in rest {
                    builder.line_to(x, y);
                }
                builder.close();
            }
        }
    }
    builder.finish()
}

/// Stroke adjustment, as poppler's renderers do: a path of only horizontal and
/// vertical segments is moved onto the pixel grid, its stroke a whole number of
/// pixels wide (at least one), so that a 0.15 pt rule at 150 dpi is one crisp
/// pixel row rather than two faint grey ones. Each coordinate moves by half a
/// pixel at most. Returns the path and width in pixels; `None` when a segment is
/// curved or slanted, or a line has no start.
fn adjust(ops: &[PathOp], transform: Transform, width: f32) -> Option<(tiny_skia::Path, f32)> {
    let subpaths = device_subpaths(ops, transform)?;
    let segments: Vec<_> = subpaths.iter().flat_map(Subpath::segments).collect();
    if !segments
        .iter()
        .all(|(a, b)| same(a.x, b.x) || same(a.y, b.y))
    {
        return None;
    }
    // Coordinates that a segment runs along are centre lines; the rest end butt caps.
    let vertical: Vec<f32> = segments
        .iter()
        .filter(|(a, b)| same(a.x, b.x) && !same(a.y, b.y))
        .map(|(a, _)| a.x)
        .collect();
    let horizontal: Vec<f32> = segments
        .iter()
        .filter(|(a, b)| same(a.y, b.y) && !same(a.x, b.x))
        .map(|(a, _)| a.y)
        .collect();
    let width = width.round().max(1.0);
    let snap = |c: f32, centres: &[f32]| {
        if centres.iter().any(|&m| same(m, c)) {
            // Both edges of the stroke on pixel boundaries.
            (c - width / 2.0).round() + width / 2.0
        } else {
            c.round()
        }
    };
    let mut builder = PathBuilder::new();
    for subpath in &subpaths {
        for (i, p) in subpath.points.iter().enumerate() {
            let (x, y) = (snap(p.x, &vertical), snap(p.y, &horizontal));
            if i == 0 {
                builder.move_to(x, y);
            } else {
                builder.line_to(x, y);
            }
        }
        if subpath.closed {
            builder.close();
        }
    }
    Some((builder.finish()?, width))
}

/// Whether two pixel coordinates are one, give or take the float noise of mm → pt.
fn same(a: f32, b: f32) -> bool {
    (a - b).abs() < AXIS_TOLERANCE
}

/// A straight-sided subpath in pixels.
struct Subpath {
    points: Vec<tiny_skia::Point>,
    closed: bool,
}

impl Subpath {
    /// Each segment's ends, the closing one included.
    fn segments(&self) -> impl Iterator<Item = (tiny_skia::Point, tiny_skia::Point)> + '_ {
        let closing = self
            .points
            .last()
            .zip(self.points.first())
            .filter(|_| self.closed)
            .map(|(&a, &b)| (a, b));
        self.points.windows(2).map(|w| (w[0], w[1])).chain(closing)
    }
}

/// The path's subpaths in pixels; `None` if it has a curve or a line with no start.
fn device_subpaths(ops: &[PathOp], transform: Transform) -> Option<Vec<Subpath>> {
    let map = |x: f32, y: f32| {
        let mut q = tiny_skia::Point::from_xy(x, y);
        transform.map_point(&mut q);
        q
    };
    let mut subpaths: Vec<Subpath> = Vec::new();
    for op in ops {
        match *op {
            PathOp::Move(p) => subpaths.push(Subpath {
                points: vec![map(p.x, p.y)],
                closed: false,
            }),
            PathOp::Line(p) => {
                let last = subpaths.last_mut()?;
                if last.closed {
                    // After `h`, drawing goes on from the closed subpath's start.
                    let start = last.points[0];
                    subpaths.push(Subpath {
                        points: vec![start, map(p.x, p.y)],
                        closed: false,
                    });
                } else {
                    last.points.push(map(p.x, p.y));
                }
            }
            PathOp::Cubic(..) => return None,
            PathOp::Close => subpaths.last_mut()?.closed = true,
            PathOp::Rect(r) => {
                let points = corners(r).iter().map(|&(x, y)| map(x, y)).collect();
                subpaths.push(Subpath {
                    points,
                    closed: true,
                });
            }
        }
    }
    Some(subpaths)
}

/// A rectangle's corners in the order `re` draws them: from the corner nearest
/// the PDF's origin (bottom-left here) the same way round, so that nonzero
/// winding against other subpaths agrees with the PDF.
fn corners(r: Rect) -> [(f32, f32); 4] {
    let (x0, y0, x1, y1) = (r.x, r.y + r.height, r.x + r.width, r.y);
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// The area a stroke covers, dashes cut out, in the path's units.
fn stroke_outline(path: &tiny_skia::Path, stroke: &tiny_skia::Stroke) -> Option<tiny_skia::Path> {
    match &stroke.dash {
        Some(dash) => path.dash(dash, 1.0)?.stroke(stroke, 1.0),
        None => path.stroke(stroke, 1.0),
    }
}

/// The PDF's graphics state defaults: butt caps, miter joins, dash phase 0.
fn to_stroke(width: f32, dash_pattern: &[f32]) -> tiny_skia::Stroke {
    tiny_skia::Stroke {
        width,
        miter_limit: MITER_LIMIT,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        dash: dash(dash_pattern),
    }
}

/// `d`: an odd-length array repeats to make on/off pairs, as the PDF reads it;
/// one that cannot dash (all zero) strokes solid.
fn dash(pattern: &[f32]) -> Option<StrokeDash> {
    if pattern.is_empty() {
        return None;
    }
    let pairs = if pattern.len() % 2 == 1 {
        pattern.repeat(2)
    } else {
        pattern.to_vec()
    };
    StrokeDash::new(pairs, 0.0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{page, rect, render};
    use crate::display::{Color, ItemKind, Path, PathOp, Point, Size, Stroke};

    const SIZE: Size = Size {
        width: 40.0,
        height: 30.0,
    };
    const WHITE: [u8; 3] = [255, 255, 255];
    const BLACK: [u8; 3] = [0, 0, 0];

    fn line(from: (f32, f32), to: (f32, f32), width: f32, dash: Vec<f32>) -> ItemKind {
        let p = |(x, y)| Point { x, y };
        ItemKind::Path(Path {
            ops: vec![PathOp::Move(p(from)), PathOp::Line(p(to))],
            fill: None,
            stroke: Some(Stroke {
                width,
                color: Color::BLACK,
                dash,
            }),
        })
    }

    #[test]
    fn fills_a_rect_on_whole_pixels() {
        let img = render(&page(
            SIZE,
            vec![rect(10.0, 10.0, 10.0, 10.0, Color::BLACK)],
        ));
        for y in 0..30 {
            for x in 0..40 {
                let inside = (10..20).contains(&x) && (10..20).contains(&y);
                assert_eq!(
                    img.get_pixel(x, y).0,
                    if inside { BLACK } else { WHITE },
                    "pixel ({x}, {y})"
                );
            }
        }
    }

    #[test]
    fn anti_aliases_a_half_covered_edge() {
        let img = render(&page(
            SIZE,
            vec![rect(10.5, 10.0, 10.0, 10.0, Color::BLACK)],
        ));
        let edge = img.get_pixel(10, 15).0[0];
        assert!((100..160).contains(&edge), "edge pixel {edge}");
        assert_eq!(img.get_pixel(11, 15).0, BLACK);
    }

    #[test]
    fn strokes_a_line_with_its_width_and_butt_caps() {
        // 2 pt wide, centred on y = 15: rows 14 and 15, columns 5..35 exactly.
        let img = render(&page(
            SIZE,
            vec![line((5.0, 15.0), (35.0, 15.0), 2.0, vec![])],
        ));
        assert_eq!(img.get_pixel(20, 14).0, BLACK);
        assert_eq!(img.get_pixel(20, 15).0, BLACK);
        assert_eq!(img.get_pixel(20, 13).0, WHITE);
        assert_eq!(img.get_pixel(20, 16).0, WHITE);
        assert_eq!(img.get_pixel(5, 15).0, BLACK);
        assert_eq!(img.get_pixel(4, 15).0, WHITE);
        assert_eq!(img.get_pixel(35, 15).0, WHITE);
    }

    #[test]
    fn snaps_a_thin_rule_to_one_pixel_row() {
        // 0.4 px wide at y = 10.9: drawn as row 10, fully dark, not as faint grey.
        let img = render(&page(
            SIZE,
            vec![line((5.2, 10.9), (35.0, 10.9), 0.4, vec![])],
        ));
        assert_eq!(img.get_pixel(20, 10).0, BLACK);
        assert_eq!(img.get_pixel(20, 9).0, WHITE);
        assert_eq!(img.get_pixel(20, 11).0, WHITE);
        assert_eq!(
            img.get_pixel(5, 10).0,
            BLACK,
            "the end snaps to a pixel edge"
        );
        assert_eq!(img.get_pixel(4, 10).0, WHITE);
    }

    #[test]
    fn snaps_a_rect_frame_to_whole_pixels() {
        let frame = ItemKind::Path(Path {
            ops: vec![PathOp::Rect(crate::display::Rect {
                x: 10.3,
                y: 10.3,
                width: 19.4,
                height: 9.4,
            })],
            fill: None,
            stroke: Some(Stroke {
                width: 1.3,
                color: Color::BLACK,
                dash: vec![],
            }),
        });
        let img = render(&page(SIZE, vec![frame]));
        let greys: Vec<_> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0 != BLACK && p.0 != WHITE)
            .map(|(x, y, p)| (x, y, p.0[0]))
            .collect();
        assert!(greys.is_empty(), "no grey edges: {greys:?}");
        // Centre lines at 10.3 → 10.5 and 29.7 → 29.5, one pixel wide.
        for (x, y) in [(10, 15), (29, 15), (20, 10), (20, 19), (10, 10), (29, 19)] {
            assert_eq!(img.get_pixel(x, y).0, BLACK, "frame at ({x}, {y})");
        }
        for (x, y) in [(11, 15), (28, 15), (20, 11), (20, 18), (9, 10), (30, 19)] {
            assert_eq!(img.get_pixel(x, y).0, WHITE, "not frame at ({x}, {y})");
        }
    }

    #[test]
    fn snaps_a_frame_drawn_with_lines_like_a_rect() {
        let p = |x, y| Point { x, y };
        let corners = [
            p(10.3, 10.3),
            p(29.7, 10.3),
            p(29.7, 19.7),
            p(10.3, 19.7),
            p(10.3, 10.3),
        ];
        let mut ops: Vec<_> = corners.iter().map(|&c| PathOp::Line(c)).collect();
        ops[0] = PathOp::Move(corners[0]);
        ops.push(PathOp::Close);
        let stroke = Some(Stroke {
            width: 1.3,
            color: Color::BLACK,
            dash: vec![],
        });
        let lines = render(&page(
            SIZE,
            vec![ItemKind::Path(Path {
                ops,
                fill: None,
                stroke: stroke.clone(),
            })],
        ));
        let rect = crate::display::Rect {
            x: 10.3,
            y: 10.3,
            width: 19.4,
            height: 9.4,
        };
        let ops = vec![PathOp::Rect(rect)];
        assert_eq!(
            lines,
            render(&page(
                SIZE,
                vec![ItemKind::Path(Path {
                    ops,
                    fill: None,
                    stroke
                })]
            ))
        );
    }

    #[test]
    fn draws_a_thin_slanted_line_one_pixel_wide_without_snapping() {
        let img = render(&page(
            SIZE,
            vec![line((0.0, 0.0), (30.0, 20.0), 0.2, vec![])],
        ));
        let darkest = img.pixels().map(|p| p.0[0]).min().unwrap();
        let greys = img
            .pixels()
            .filter(|p| p.0[0] != 0 && p.0[0] != 255)
            .count();
        assert!(
            darkest < 100,
            "as dark as a one-pixel line, not 20 %: {darkest}"
        );
        assert!(greys > 20, "anti-aliased");
    }

    #[test]
    fn scales_dashes_with_the_page() {
        // At 144 dpi a 4 pt dash is 8 px.
        let page = page(
            SIZE,
            vec![line((0.0, 15.0), (40.0, 15.0), 2.0, vec![4.0, 4.0])],
        );
        let img = super::super::render_page(
            &page,
            &super::super::PngOptions {
                dpi: 144.0,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(img.get_pixel(7, 30).0, BLACK);
        assert_eq!(img.get_pixel(9, 30).0, WHITE);
        assert_eq!(img.get_pixel(15, 30).0, WHITE);
        assert_eq!(img.get_pixel(17, 30).0, BLACK);
    }

    #[test]
    fn dashes_leave_gaps() {
        // 4 on, 4 off from x = 0: dark at 0..4, 8..12, …; light at 4..8, 12..16, ….
        let img = render(&page(
            SIZE,
            vec![line((0.0, 15.0), (40.0, 15.0), 2.0, vec![4.0, 4.0])],
        ));
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
        let img = render(&page(
            SIZE,
            vec![line((0.0, 15.0), (40.0, 15.0), 2.0, vec![3.0])],
        ));
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
        let stroke = Some(Stroke {
            width: 1.0,
            color: Color(255, 0, 0),
            dash: vec![],
        });
        let img = render(&page(
            SIZE,
            vec![ItemKind::Path(Path {
                ops,
                fill: Some(Color(0, 0, 255)),
                stroke,
            })],
        ));
        assert_eq!(img.get_pixel(20, 15).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(5, 5).0, WHITE, "the corner is cut");
        let top = img.get_pixel(20, 5).0;
        assert!(
            top[0] > 100 && top[1] < 100,
            "stroke drawn over the fill: {top:?}"
        );
    }

    #[test]
    fn fills_nonzero_where_subpaths_overlap() {
        // Two rects wound the same way: the overlap stays filled (even-odd would clear it).
        let img = render(&page(
            SIZE,
            vec![ItemKind::Path(Path {
                ops: vec![
                    PathOp::Rect(crate::display::Rect {
                        x: 0.0,
                        y: 0.0,
                        width: 20.0,
                        height: 20.0,
                    }),
                    PathOp::Rect(crate::display::Rect {
                        x: 10.0,
                        y: 10.0,
                        width: 20.0,
                        height: 20.0,
                    }),
                ],
                fill: Some(Color::BLACK),
                stroke: None,
            })],
        ));
        assert_eq!(img.get_pixel(15, 15).0, BLACK);
    }
}
