//! Bleed (塗り足し): printed areas that touch a card's trim are extended past it, so that a cut a
//! little off its line leaves no white edge.
//!
//! What reaches the trim is found on the page itself (its shared layer and its own items), not in
//! the layout, so the rule holds for any layout: a filled rectangle that touches an edge (the page
//! colour, a coloured band) gets the strips between its edge and the bleed line, and a straight,
//! axis-aligned stroke that ends on an edge and runs across it is continued to the bleed line. The
//! strips are drawn after the card's own items; they lie wholly outside the trim, where the card
//! draws nothing else, so drawing order inside the card is untouched. Curves, images and text never
//! reach the edge of a bundled layout (text always stays in its box), and are not extended.

use std::sync::Arc;

use crate::display::{Item, ItemKind, Page, Path, PathOp, Point, Rect, Size};

/// How close to an edge counts as touching it, in points: layouts are measured in mm to 0.01.
const TOUCH: f32 = 0.05;

/// Gives a card page its bleed: the page grows by `bleed` points on every side ([`Page::bleed`]),
/// and what touches the trim is extended into it. Does nothing for `bleed` 0.
pub fn extend(page: &mut Page, bleed: f32) {
    if bleed <= 0.0 {
        return;
    }
    let strips: Vec<Item> = page
        .background
        .items
        .iter()
        .chain(&page.items)
        .filter_map(|item| strips(item, page.size, bleed))
        .collect();
    page.items.extend(strips);
    page.bleed = bleed;
}

/// The extension of one item into the bleed, if it touches the trim.
fn strips(item: &Item, size: Size, bleed: f32) -> Option<Item> {
    let ItemKind::Path(path) = &item.kind else {
        return None;
    };
    let mut ops = Vec::new();
    if path.fill.is_some() {
        for op in &path.ops {
            if let PathOp::Rect(r) = op {
                ops.extend(rect_strips(*r, size, bleed).into_iter().map(PathOp::Rect));
            }
        }
    }
    let stroke = path.stroke.clone().filter(|_| path.fill.is_none());
    if stroke.is_some() {
        for pair in path.ops.windows(2) {
            if let [PathOp::Move(a) | PathOp::Line(a), PathOp::Line(b)] = pair {
                for (end, other) in [(*a, *b), (*b, *a)] {
                    if let Some(out) = continued(end, other, size, bleed) {
                        ops.extend([PathOp::Move(end), PathOp::Line(out)]);
                    }
                }
            }
        }
    }
    if ops.is_empty() {
        return None;
    }
    Some(Item {
        element: Arc::from(format!("{}-bleed", item.element)),
        kind: ItemKind::Path(Path {
            ops,
            fill: if stroke.is_some() { None } else { path.fill },
            stroke,
        }),
    })
}

/// The parts of `r` grown to the bleed line on each side where it touches the trim, minus `r`:
/// a band above and below (as wide as the grown rectangle), and left and right (as tall as `r`).
fn rect_strips(r: Rect, size: Size, bleed: f32) -> Vec<Rect> {
    let grow = |v: f32, edge: f32| {
        if (v - edge).abs() <= TOUCH {
            bleed
        } else {
            0.0
        }
    };
    let (left, top) = (grow(r.x, 0.0), grow(r.y, 0.0));
    let right = grow(r.x + r.width, size.width);
    let bottom = grow(r.y + r.height, size.height);
    let (x0, x1) = (r.x - left, r.x + r.width + right);
    [
        Rect {
            x: x0,
            y: r.y - top,
            width: x1 - x0,
            height: top,
        },
        Rect {
            x: x0,
            y: r.y + r.height,
            width: x1 - x0,
            height: bottom,
        },
        Rect {
            x: x0,
            y: r.y,
            width: left,
            height: r.height,
        },
        Rect {
            x: r.x + r.width,
            y: r.y,
            width: right,
            height: r.height,
        },
    ]
    .into_iter()
    .filter(|s| s.width > 0.0 && s.height > 0.0)
    .collect()
}

/// Where a straight segment from `other` to `end` continues to, when `end` lies on an edge it
/// crosses at a right angle: the same line, out to the bleed line.
fn continued(end: Point, other: Point, size: Size, bleed: f32) -> Option<Point> {
    let on = |v: f32, edge: f32| (v - edge).abs() <= TOUCH;
    let vertical = (end.x - other.x).abs() <= TOUCH;
    let horizontal = (end.y - other.y).abs() <= TOUCH;
    if vertical && on(end.y, 0.0) && other.y > end.y {
        Some(Point {
            x: end.x,
            y: -bleed,
        })
    } else if vertical && on(end.y, size.height) && other.y < end.y {
        Some(Point {
            x: end.x,
            y: size.height + bleed,
        })
    } else if horizontal && on(end.x, 0.0) && other.x > end.x {
        Some(Point {
            x: -bleed,
            y: end.y,
        })
    } else if horizontal && on(end.x, size.width) && other.x < end.x {
        Some(Point {
            x: size.width + bleed,
            y: end.y,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{Color, Layer, Stroke};

    const SIZE: Size = Size {
        width: 100.0,
        height: 50.0,
    };

    fn page(background: Vec<Item>, items: Vec<Item>) -> Page {
        Page {
            size: SIZE,
            background: Arc::new(Layer {
                key: "card#front".into(),
                size: SIZE,
                items: background,
            }),
            items,
            bleed: 0.0,
        }
    }

    fn fill(id: &str, r: Rect) -> Item {
        Item {
            element: Arc::from(id),
            kind: ItemKind::Path(Path {
                ops: vec![PathOp::Rect(r)],
                fill: Some(Color(253, 232, 239)),
                stroke: None,
            }),
        }
    }

    fn rect(x: f32, y: f32, width: f32, height: f32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    fn extended(page: &Page) -> Vec<(&str, Vec<PathOp>)> {
        page.items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Path(p) if i.element.ends_with("-bleed") => {
                    Some((&*i.element, p.ops.clone()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_page_colour_gets_four_strips_that_tile_the_bleed() {
        let mut p = page(
            vec![fill("page-background", rect(0.0, 0.0, 100.0, 50.0))],
            vec![],
        );
        extend(&mut p, 6.0);
        assert_eq!(p.bleed, 6.0);
        let strips = extended(&p);
        assert_eq!(strips.len(), 1);
        let rects: Vec<Rect> = strips[0]
            .1
            .iter()
            .map(|op| match op {
                PathOp::Rect(r) => *r,
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            rects,
            [
                rect(-6.0, -6.0, 112.0, 6.0),
                rect(-6.0, 50.0, 112.0, 6.0),
                rect(-6.0, 0.0, 6.0, 50.0),
                rect(100.0, 0.0, 6.0, 50.0),
            ]
        );
        // Together with the page they cover the whole paper, without overlapping it.
        let area: f32 = rects.iter().map(|r| r.width * r.height).sum();
        assert_eq!(area + 100.0 * 50.0, 112.0 * 62.0);
    }

    #[test]
    fn a_band_on_one_edge_is_extended_on_that_edge_only_and_inner_items_not_at_all() {
        let mut p = page(
            vec![fill("band", rect(0.0, 40.0, 100.0, 10.0))],
            vec![fill("box", rect(10.0, 10.0, 20.0, 20.0))],
        );
        extend(&mut p, 5.0);
        let strips = extended(&p);
        assert_eq!(strips.len(), 1, "{strips:?}");
        assert_eq!(strips[0].0, "band-bleed");
        assert_eq!(
            strips[0].1,
            [
                PathOp::Rect(rect(-5.0, 50.0, 110.0, 5.0)),
                PathOp::Rect(rect(-5.0, 40.0, 5.0, 10.0)),
                PathOp::Rect(rect(100.0, 40.0, 5.0, 10.0)),
            ]
        );
    }

    #[test]
    fn a_rule_across_the_card_is_continued_and_one_ending_inside_is_not() {
        let line = |id: &str, a: Point, b: Point| Item {
            element: Arc::from(id),
            kind: ItemKind::Path(Path {
                ops: vec![PathOp::Move(a), PathOp::Line(b)],
                fill: None,
                stroke: Some(Stroke {
                    width: 1.0,
                    color: Color::BLACK,
                    dash: Vec::new(),
                }),
            }),
        };
        let across = line(
            "across",
            Point { x: 0.0, y: 20.0 },
            Point { x: 100.0, y: 20.0 },
        );
        let inside = line(
            "inside",
            Point { x: 5.0, y: 30.0 },
            Point { x: 95.0, y: 30.0 },
        );
        let mut p = page(vec![across, inside], vec![]);
        extend(&mut p, 5.0);
        let strips = extended(&p);
        assert_eq!(strips.len(), 1);
        assert_eq!(
            strips[0].1,
            [
                PathOp::Move(Point { x: 0.0, y: 20.0 }),
                PathOp::Line(Point { x: -5.0, y: 20.0 }),
                PathOp::Move(Point { x: 100.0, y: 20.0 }),
                PathOp::Line(Point { x: 105.0, y: 20.0 }),
            ]
        );
    }

    #[test]
    fn no_bleed_leaves_the_page_alone() {
        let mut p = page(
            vec![fill("page-background", rect(0.0, 0.0, 100.0, 50.0))],
            vec![],
        );
        extend(&mut p, 0.0);
        assert_eq!((p.items.len(), p.bleed), (0, 0.0));
    }
}
