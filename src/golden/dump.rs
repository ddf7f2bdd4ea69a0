//! A display list as text: one line per item, the readable middle stage that
//! golden diffs are made of (what usvg's `-expected.svg` is to resvg).

use std::fmt::Write;

use crate::display::{Document, Item, ItemKind, PathOp};
use crate::layout::PT_PER_MM;

/// Writes every page and item, positions in millimetres to 0.01 mm.
pub fn dump(document: &Document) -> String {
    let mut out = String::new();
    for (i, page) in document.pages.iter().enumerate() {
        let _ = writeln!(
            out,
            "page {} {}x{}mm background {}",
            i + 1,
            mm(page.size.width),
            mm(page.size.height),
            page.background.key
        );
        for item in page.background.items.iter().chain(&page.items) {
            item_line(&mut out, item, 1);
        }
    }
    out
}

fn mm(pt: f32) -> String {
    let v = (pt / PT_PER_MM * 100.0).round() / 100.0;
    let s = format!("{v:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s
    }
}

fn item_line(out: &mut String, item: &Item, depth: usize) {
    let indent = "  ".repeat(depth);
    let _ = match &item.kind {
        ItemKind::Text(run) => writeln!(
            out,
            "{indent}text {} at {},{} size {} scale {:.3} width {} font {} {:?}",
            item.element,
            mm(run.origin.x),
            mm(run.origin.y),
            run.size,
            run.h_scale,
            mm(run.width()),
            run.font.name(),
            run.text
        ),
        ItemKind::Path(path) => {
            let bounds = bounds(&path.ops);
            writeln!(
                out,
                "{indent}path {} bounds {},{} {}x{} ops {}{}{}",
                item.element,
                mm(bounds.0),
                mm(bounds.1),
                mm(bounds.2 - bounds.0),
                mm(bounds.3 - bounds.1),
                path.ops.len(),
                if path.fill.is_some() { " fill" } else { "" },
                if path.stroke.is_some() { " stroke" } else { "" }
            )
        }
        ItemKind::Image(image) => writeln!(
            out,
            "{indent}image {} at {},{} {}x{} pixels {}x{}",
            item.element,
            mm(image.rect.x),
            mm(image.rect.y),
            mm(image.rect.width),
            mm(image.rect.height),
            image.data.width,
            image.data.height
        ),
        ItemKind::Placed(placed) => {
            let _ = writeln!(
                out,
                "{indent}place {} at {},{}{}",
                placed.layer.key,
                mm(placed.at.x),
                mm(placed.at.y),
                if placed.turned { " turned" } else { "" }
            );
            for nested in placed.layer.items.iter().chain(&placed.items) {
                item_line(out, nested, depth + 1);
            }
            Ok(())
        }
    };
}

/// (min x, min y, max x, max y) of a path's points.
fn bounds(ops: &[PathOp]) -> (f32, f32, f32, f32) {
    let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    let mut add = |x: f32, y: f32| b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
    for op in ops {
        match *op {
            PathOp::Move(p) | PathOp::Line(p) => add(p.x, p.y),
            PathOp::Cubic(a, c, p) => {
                add(a.x, a.y);
                add(c.x, c.y);
                add(p.x, p.y);
            }
            PathOp::Rect(r) => {
                add(r.x, r.y);
                add(r.x + r.width, r.y + r.height);
            }
            PathOp::Close => {}
        }
    }
    if b.0 > b.2 {
        (0.0, 0.0, 0.0, 0.0)
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::display::{Layer, Page, Path, Placed, Point, Rect, Size};
    use crate::layout::mm as pt;

    #[test]
    fn a_placed_page_is_listed_with_its_items_indented() {
        let rect = |id: &str| Item {
            element: Arc::from(id),
            kind: ItemKind::Path(Path {
                ops: vec![PathOp::Rect(Rect {
                    x: 0.0,
                    y: 0.0,
                    width: pt(1.0),
                    height: pt(1.0),
                })],
                fill: None,
                stroke: None,
            }),
        };
        let card = Arc::new(Layer {
            key: "card#back".into(),
            size: Size {
                width: pt(85.6),
                height: pt(53.98),
            },
            items: vec![rect("frame")],
        });
        let sheet = Arc::new(Layer {
            key: "sheet".into(),
            size: Size {
                width: pt(210.0),
                height: pt(297.0),
            },
            items: Vec::new(),
        });
        let placed = Placed {
            layer: card,
            items: vec![rect("name")],
            at: Point {
                x: pt(15.4),
                y: pt(5.55),
            },
            turned: true,
        };
        let page = Page {
            size: sheet.size,
            background: sheet,
            items: vec![Item {
                element: Arc::from("card"),
                kind: ItemKind::Placed(placed),
            }],
            bleed: 0.0,
        };
        let text = dump(&Document { pages: vec![page] });
        assert_eq!(
            text,
            "page 1 210.00x297.00mm background sheet\n  place card#back at 15.40,5.55 turned\n    path frame bounds 0.00,0.00 1.00x1.00 ops 1\n    path name bounds 0.00,0.00 1.00x1.00 ops 1\n"
        );
    }
}
