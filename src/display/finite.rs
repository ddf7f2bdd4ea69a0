//! Every number in a display list finite: the guarantee that no backend writes `NaN`.
//!
//! Layouts are checked number by number when they load, but a display list is also made by
//! code (text fitting, QR modules, imposition) that divides and scales. This walk over the
//! finished items is the last gate: a non-finite number anywhere becomes an error naming
//! the element, and the PDF writer asserts the same in debug builds.

use std::sync::Arc;

use super::{Item, ItemKind, Path, PathOp, Point, Rect};

/// The element of the first item holding a NaN or infinite number, if any.
pub fn first_non_finite(items: &[Item]) -> Option<&Arc<str>> {
    items
        .iter()
        .find(|item| !item_is_finite(&item.kind))
        .map(|item| &item.element)
}

fn item_is_finite(kind: &ItemKind) -> bool {
    match kind {
        ItemKind::Text(run) => {
            all([run.size, run.h_scale, run.spacing])
                && point(run.origin)
                && run.glyphs.iter().all(|g| g.advance.is_finite())
        }
        ItemKind::Path(path) => path_is_finite(path),
        ItemKind::Image(image) => rect(image.rect),
        ItemKind::Placed(placed) => {
            point(placed.at)
                && first_non_finite(&placed.items).is_none()
                && first_non_finite(&placed.layer.items).is_none()
        }
    }
}

fn path_is_finite(path: &Path) -> bool {
    let stroke = path.stroke.as_ref().map_or(true, |s| {
        s.width.is_finite() && s.dash.iter().all(|d| d.is_finite())
    });
    stroke
        && path.ops.iter().all(|op| match *op {
            PathOp::Move(p) | PathOp::Line(p) => point(p),
            PathOp::Cubic(a, b, c) => point(a) && point(b) && point(c),
            PathOp::Close => true,
            PathOp::Rect(r) => rect(r),
        })
}

fn all<const N: usize>(values: [f32; N]) -> bool {
    values.iter().all(|v| v.is_finite())
}

fn point(p: Point) -> bool {
    all([p.x, p.y])
}

fn rect(r: Rect) -> bool {
    all([r.x, r.y, r.width, r.height])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{Color, Stroke};

    fn path_item(id: &str, ops: Vec<PathOp>, dash: Vec<f32>) -> Item {
        Item {
            element: Arc::from(id),
            kind: ItemKind::Path(Path {
                ops,
                fill: None,
                stroke: Some(Stroke {
                    width: 0.3,
                    color: Color::BLACK,
                    dash,
                }),
            }),
        }
    }

    #[test]
    fn finds_the_element_with_a_nan_or_infinity() {
        let good = path_item("rule", vec![PathOp::Move(Point { x: 1.0, y: 2.0 })], vec![]);
        let nan = path_item(
            "name",
            vec![PathOp::Line(Point {
                x: f32::NAN,
                y: 2.0,
            })],
            vec![],
        );
        let dash = path_item("cut", vec![PathOp::Close], vec![1.0, f32::INFINITY]);
        assert_eq!(first_non_finite(std::slice::from_ref(&good)), None);
        assert_eq!(
            first_non_finite(&[good.clone(), nan]).map(|e| &**e),
            Some("name")
        );
        assert_eq!(first_non_finite(&[good, dash]).map(|e| &**e), Some("cut"));
    }
}
