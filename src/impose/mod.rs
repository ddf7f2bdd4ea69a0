//! Imposition: filled documents → print sheets (several cards to a sheet, or a card on its carrier).
//!
//! Print rooms do not print one ID-1 card per page: they print cards on A4 or A3 card stock and cut
//! them apart, or on a carrier sheet (台紙) with a die-cut card that goes into a window envelope. This
//! stage sits between [`fill`](crate::fill) and the backends and only moves pages: each card page is
//! drawn whole onto a sheet as a [`Placed`] item, so its shared background stays one object per file.
//! Backs come on the following sheet, placed so that each lands behind its own front once the sheet
//! is turned over ([`Duplex`]). Sheets are defined in TOML (sheets/, docs/print.md).

pub mod bleed;
mod sheet;

use std::sync::Arc;

pub use sheet::{bundled_names, Duplex, Marks, Sheet, SheetError, SheetKind};

use crate::display::{
    Color, Document, Item, ItemKind, Layer, Page, Path, PathOp, Placed, Point, Rect, Size, Stroke,
};
use crate::layout::PT_PER_MM;

/// Occurs when documents do not fit the sheet they are imposed on (a configuration error: the layout
/// and the sheet disagree, so it stops the run).
#[derive(Debug, Clone, PartialEq)]
pub enum ImposeError {
    /// Occurs when a page's size is not the sheet's card size (or, for a carrier, the sheet's size).
    Size {
        /// What the page is: `card` or `carrier`.
        what: &'static str,
        /// The page's size in mm.
        found: (f32, f32),
        /// The size the sheet expects in mm.
        expected: (f32, f32),
    },
    /// Occurs when a carrier sheet is given a card without its carrier page.
    NoCarrier,
}

impl std::fmt::Display for ImposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            ImposeError::Size { what, found, expected } => write!(
                f,
                "failed to impose the {what} page (it is {:.2} × {:.2} mm, the sheet expects {:.2} × {:.2} mm)",
                found.0, found.1, expected.0, expected.1
            ),
            ImposeError::NoCarrier => {
                f.write_str("failed to impose a card on a carrier sheet (no carrier page was filled)")
            }
        }
    }
}

impl std::error::Error for ImposeError {}

/// Lays documents onto sheets one by one, handing back each sheet's pages when it is full, so that a
/// batch never holds more than one sheet's documents.
pub struct Imposer {
    sheet: Sheet,
    /// The marks layer of fronts and of backs.
    layers: [Arc<Layer>; 2],
    pending: Vec<(Document, Option<Document>)>,
}

impl Imposer {
    /// Starts imposing onto `sheet`.
    pub fn new(sheet: &Sheet) -> Imposer {
        Imposer {
            sheet: sheet.clone(),
            layers: [marks_layer(sheet, false), marks_layer(sheet, true)],
            pending: Vec::new(),
        }
    }

    /// Adds one record's card document (and, on a carrier sheet, its carrier document); returns the
    /// pages of any sheet this completes.
    pub fn push(
        &mut self,
        mut card: Document,
        carrier: Option<Document>,
    ) -> Result<Vec<Page>, ImposeError> {
        for page in &mut card.pages {
            bleed::extend(page, self.sheet.bleed);
        }
        if self.sheet.kind == SheetKind::Card {
            return Ok(card.pages);
        }
        for page in &card.pages {
            check_size("card", page.size, self.sheet.card)?;
        }
        match (&carrier, self.sheet.kind) {
            (None, SheetKind::Carrier) => return Err(ImposeError::NoCarrier),
            (Some(c), SheetKind::Carrier) => {
                for page in &c.pages {
                    check_size("carrier", page.size, self.sheet.size)?;
                }
            }
            _ => {}
        }
        self.pending.push((card, carrier));
        Ok(if self.pending.len() == self.sheet.slots.len() {
            self.flush()
        } else {
            Vec::new()
        })
    }

    /// The pages of the last, partly filled sheet.
    pub fn finish(mut self) -> Vec<Page> {
        self.flush()
    }

    fn flush(&mut self) -> Vec<Page> {
        let pending = std::mem::take(&mut self.pending);
        let sides = pending
            .iter()
            .map(|(card, carrier)| {
                card.pages
                    .len()
                    .max(carrier.as_ref().map_or(0, |c| c.pages.len()))
            })
            .max()
            .unwrap_or(0);
        let mut pages = Vec::with_capacity(sides);
        for side in 0..sides {
            let back = side % 2 == 1;
            let mut page = Page {
                size: self.sheet.size,
                background: self.layers[usize::from(back)].clone(),
                items: Vec::new(),
                bleed: 0.0,
            };
            for (slot, (card, carrier)) in pending.iter().enumerate() {
                if let Some(base) = carrier.as_ref().and_then(|c| c.pages.get(side)) {
                    // The carrier's own page is the sheet: its layer and items go underneath the card.
                    page.background = base.background.clone();
                    page.items.extend(base.items.iter().cloned());
                }
                if let Some(card_page) = card.pages.get(side) {
                    let (at, turned) = position(&self.sheet, slot, back);
                    page.items.push(Item {
                        element: Arc::from("card"),
                        kind: ItemKind::Placed(Placed {
                            layer: card_page.background.clone(),
                            items: card_page.items.clone(),
                            at,
                            turned,
                        }),
                    });
                }
            }
            pages.push(page);
        }
        pages
    }
}

/// The layer every front (or back) sheet shares: its crop marks, on an n-up sheet.
pub fn marks_layer(sheet: &Sheet, back: bool) -> Arc<Layer> {
    let key = format!(
        "sheet:{}#{}",
        sheet.name,
        if back { "back" } else { "front" }
    );
    let items = match sheet.marks {
        Some(marks) if sheet.kind == SheetKind::NUp => vec![Item {
            element: Arc::from("crop-marks"),
            kind: ItemKind::Path(Path {
                ops: crop_marks(sheet, back)
                    .into_iter()
                    .flat_map(|r| {
                        [
                            PathOp::Move(Point { x: r.x, y: r.y }),
                            PathOp::Line(Point {
                                x: r.x + r.width,
                                y: r.y + r.height,
                            }),
                        ]
                    })
                    .collect(),
                fill: None,
                stroke: Some(Stroke {
                    width: marks.width,
                    color: Color::BLACK,
                    dash: Vec::new(),
                }),
            }),
        }],
        _ => Vec::new(),
    };
    Arc::new(Layer {
        key,
        size: sheet.size,
        items,
    })
}

/// Imposes whole documents onto sheets at once (card and n-up sheets; a carrier sheet needs
/// [`Imposer::push`] with each card's carrier document).
pub fn impose(documents: &[Document], sheet: &Sheet) -> Result<Vec<Page>, ImposeError> {
    let mut imposer = Imposer::new(sheet);
    let mut pages = Vec::new();
    for document in documents {
        pages.extend(imposer.push(document.clone(), None)?);
    }
    pages.extend(imposer.finish());
    Ok(pages)
}

/// Sizes may differ by float rounding of the mm → pt conversion, never by a printable amount.
const SIZE_TOLERANCE: f32 = 0.1 * PT_PER_MM;

/// Checks a page fits a sheet's slot (or a carrier its sheet).
pub fn check_size(what: &'static str, found: Size, expected: Size) -> Result<(), ImposeError> {
    if (found.width - expected.width).abs() > SIZE_TOLERANCE
        || (found.height - expected.height).abs() > SIZE_TOLERANCE
    {
        let mm = |s: Size| (s.width / PT_PER_MM, s.height / PT_PER_MM);
        return Err(ImposeError::Size {
            what,
            found: mm(found),
            expected: mm(expected),
        });
    }
    Ok(())
}

/// Where the card in `slot` goes on a front or back sheet, and whether it is turned. A long-edge flip
/// mirrors left to right; a short-edge flip mirrors top to bottom and turns the back half round, as
/// the card is read by turning it over its own long edge either way.
pub fn position(sheet: &Sheet, slot: usize, back: bool) -> (Point, bool) {
    let at = sheet.slots[slot];
    let (w, h) = (sheet.card.width, sheet.card.height);
    match (back, sheet.duplex) {
        (false, _) | (true, Duplex::Simplex) => (at, false),
        (true, Duplex::LongEdge) => (
            Point {
                x: sheet.size.width - at.x - w,
                y: at.y,
            },
            false,
        ),
        (true, Duplex::ShortEdge) => (
            Point {
                x: at.x,
                y: sheet.size.height - at.y - h,
            },
            true,
        ),
    }
}

/// The crop marks of a front or back sheet as line segments (a zero-width or zero-height [`Rect`]
/// from its corner): at each trim line's two ends, in the margin beyond every card's bleed.
pub(crate) fn crop_marks(sheet: &Sheet, back: bool) -> Vec<Rect> {
    let Some(marks) = sheet.marks else {
        return Vec::new();
    };
    let trims: Vec<Rect> = (0..sheet.slots.len())
        .map(|i| {
            let (at, _) = position(sheet, i, back);
            Rect {
                x: at.x,
                y: at.y,
                width: sheet.card.width,
                height: sheet.card.height,
            }
        })
        .collect();
    let mut xs: Vec<f32> = trims.iter().flat_map(|r| [r.x, r.x + r.width]).collect();
    let mut ys: Vec<f32> = trims.iter().flat_map(|r| [r.y, r.y + r.height]).collect();
    for v in [&mut xs, &mut ys] {
        v.sort_by(f32::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    }
    let near = marks.offset + sheet.bleed;
    let top = trims.iter().map(|r| r.y).fold(f32::MAX, f32::min) - near;
    let bottom = trims
        .iter()
        .map(|r| r.y + r.height)
        .fold(f32::MIN, f32::max)
        + near;
    let left = trims.iter().map(|r| r.x).fold(f32::MAX, f32::min) - near;
    let right = trims.iter().map(|r| r.x + r.width).fold(f32::MIN, f32::max) + near;
    let mut out = Vec::new();
    for &x in &xs {
        out.push(Rect {
            x,
            y: top - marks.length,
            width: 0.0,
            height: marks.length,
        });
        out.push(Rect {
            x,
            y: bottom,
            width: 0.0,
            height: marks.length,
        });
    }
    for &y in &ys {
        out.push(Rect {
            x: left - marks.length,
            y,
            width: marks.length,
            height: 0.0,
        });
        out.push(Rect {
            x: right,
            y,
            width: marks.length,
            height: 0.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::mm;

    /// A two-page card document whose pages carry their page number as an item id.
    fn card(n: usize, size: Size) -> Document {
        let page = |side: &str| Page {
            size,
            background: Arc::new(Layer {
                key: format!("card#{side}"),
                size,
                items: vec![Item {
                    element: Arc::from(crate::display::PAGE_BACKGROUND),
                    kind: ItemKind::Path(Path {
                        ops: vec![PathOp::Rect(Rect {
                            x: 0.0,
                            y: 0.0,
                            width: size.width,
                            height: size.height,
                        })],
                        fill: Some(Color(253, 232, 239)),
                        stroke: None,
                    }),
                }],
            }),
            items: vec![Item {
                element: Arc::from(format!("{n}-{side}")),
                kind: ItemKind::Path(Path {
                    ops: Vec::new(),
                    fill: None,
                    stroke: None,
                }),
            }],
            bleed: 0.0,
        };
        Document {
            pages: vec![page("front"), page("back")],
        }
    }

    fn placed(page: &Page) -> Vec<(String, Point, bool)> {
        page.items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Placed(p) => Some((p.items[0].element.to_string(), p.at, p.turned)),
                _ => None,
            })
            .collect()
    }

    fn close(a: f32, b_mm: f32) -> bool {
        (a / PT_PER_MM - b_mm).abs() < 0.1
    }

    #[test]
    fn ten_up_cards_sit_where_the_sheet_says() {
        let sheet = Sheet::load("a4-10up").unwrap();
        let docs: Vec<Document> = (0..10).map(|n| card(n, sheet.card())).collect();
        let pages = impose(&docs, &sheet).unwrap();
        assert_eq!(pages.len(), 2, "one front sheet and one back sheet");
        assert!(close(pages[0].size.width, 210.0) && close(pages[0].size.height, 297.0));
        let fronts = placed(&pages[0]);
        assert_eq!(fronts.len(), 10);
        for (i, (id, at, turned)) in fronts.iter().enumerate() {
            let (column, row) = (i % 2, i / 2);
            assert_eq!(id, &format!("{i}-front"));
            assert!(
                close(at.x, 19.4 + column as f32 * 85.6) && close(at.y, 13.55 + row as f32 * 53.98),
                "card {i} at {at:?}"
            );
            assert!(!turned);
        }
    }

    #[test]
    fn cards_on_a_sheet_with_bleed_carry_their_page_colour_past_the_trim() {
        let sheet = Sheet::load("a4-8up").unwrap();
        let pages = impose(&[card(0, sheet.card())], &sheet).unwrap();
        let ItemKind::Placed(card) = &pages[0].items[0].kind else {
            panic!()
        };
        let strips: Vec<Rect> = card
            .items
            .iter()
            .filter(|i| &*i.element == "page-background-bleed")
            .flat_map(|i| match &i.kind {
                ItemKind::Path(p) => p.ops.clone(),
                _ => Vec::new(),
            })
            .map(|op| match op {
                PathOp::Rect(r) => r,
                _ => panic!(),
            })
            .collect();
        // 2 mm all round, in the card's own coordinates: the band above starts 2 mm up and left.
        assert_eq!(strips.len(), 4);
        assert!(close(strips[0].x, -2.0) && close(strips[0].y, -2.0));
        assert!(close(strips[0].width, 89.6) && close(strips[0].height, 2.0));
    }

    #[test]
    fn crop_marks_extend_every_trim_line_into_the_margins() {
        let sheet = Sheet::load("a4-10up").unwrap();
        let pages = impose(&[card(0, sheet.card())], &sheet).unwrap();
        let ItemKind::Path(marks) = &pages[0].background.items[0].kind else {
            panic!()
        };
        let segments: Vec<(Point, Point)> = marks
            .ops
            .chunks(2)
            .map(|c| match (c[0], c[1]) {
                (PathOp::Move(a), PathOp::Line(b)) => (a, b),
                _ => panic!(),
            })
            .collect();
        // Touching cards share their cut: 3 trim x (2 columns) and 6 trim y (5 rows), each marked at
        // both ends.
        assert_eq!(segments.len(), 2 * 3 + 2 * 6);
        let vertical: Vec<_> = segments.iter().filter(|(a, b)| a.x == b.x).collect();
        for x in [19.4, 105.0, 190.6] {
            let top = vertical
                .iter()
                .find(|(a, _)| close(a.x, x) && a.y < mm(20.0))
                .unwrap_or_else(|| panic!("no top mark at {x}"));
            // From 7.55 to 12.55 mm: 1 mm above the first row at 13.55 mm, 5 mm long, and clear of
            // the 5 mm an office printer cannot print.
            assert!(close(top.0.y, 7.55) && close(top.1.y, 12.55), "{top:?}");
            assert!(
                vertical
                    .iter()
                    .any(|(a, b)| close(a.x, x) && close(a.y, 284.45) && close(b.y, 289.45)),
                "no bottom mark at {x}"
            );
        }
        let horizontal: Vec<_> = segments.iter().filter(|(a, b)| a.y == b.y).collect();
        for row in 0..=5 {
            let y = 13.55 + row as f32 * 53.98;
            assert!(
                horizontal
                    .iter()
                    .any(|(a, b)| close(a.y, y) && close(a.x, 13.4) && close(b.x, 18.4)),
                "no left mark at {y}"
            );
            assert!(
                horizontal
                    .iter()
                    .any(|(a, b)| close(a.y, y) && close(a.x, 191.6) && close(b.x, 196.6)),
                "no right mark at {y}"
            );
        }
    }

    /// Turning the sheet over maps a point on the back page to the front point behind it; the centre
    /// of each back must map onto the centre of its own front.
    #[test]
    fn duplex_backs_lie_behind_their_fronts() {
        for duplex in ["long-edge", "short-edge"] {
            let text = include_str!("../../sheets/a4-10up.toml")
                .replace("duplex = \"long-edge\"", &format!("duplex = \"{duplex}\""));
            let sheet = Sheet::from_toml(&text, "s.toml").unwrap();
            let docs: Vec<Document> = (0..7).map(|n| card(n, sheet.card())).collect();
            let pages = impose(&docs, &sheet).unwrap();
            let (w, h) = (sheet.size().width, sheet.size().height);
            let behind = |p: Point| {
                if duplex == "long-edge" {
                    Point { x: w - p.x, y: p.y }
                } else {
                    Point { x: p.x, y: h - p.y }
                }
            };
            let centre = |at: Point| Point {
                x: at.x + sheet.card().width / 2.0,
                y: at.y + sheet.card().height / 2.0,
            };
            let (fronts, backs) = (placed(&pages[0]), placed(&pages[1]));
            assert_eq!(backs.len(), 7);
            for (n, (front, back)) in fronts.iter().zip(&backs).enumerate() {
                assert_eq!(
                    (front.0.as_str(), back.0.as_str()),
                    (format!("{n}-front").as_str(), format!("{n}-back").as_str())
                );
                let (f, b) = (centre(front.1), behind(centre(back.1)));
                assert!(
                    (f.x - b.x).abs() < 0.01 && (f.y - b.y).abs() < 0.01,
                    "{duplex} card {n}: front {f:?}, back maps to {b:?}"
                );
                // Short-edge: turned half round, so the card reads upright when turned over its own long edge.
                assert_eq!(back.2, duplex == "short-edge");
            }
        }
    }

    #[test]
    fn a_card_of_another_size_is_refused() {
        let sheet = Sheet::load("a4-10up").unwrap();
        let a4 = Size {
            width: mm(210.0),
            height: mm(297.0),
        };
        let err = impose(&[card(0, a4)], &sheet).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to impose the card page (it is 210.00 × 297.00 mm, the sheet expects 85.60 × 53.98 mm)"
        );
    }

    #[test]
    fn a_carrier_sheet_puts_the_card_over_the_carrier_page() {
        let sheet = Sheet::load("a4-carrier").unwrap();
        let mut imposer = Imposer::new(&sheet);
        assert_eq!(
            imposer.push(card(0, sheet.card()), None),
            Err(ImposeError::NoCarrier)
        );
        let carrier = Document {
            pages: vec![Page {
                size: sheet.size(),
                background: Arc::new(Layer {
                    key: "daishi".into(),
                    size: sheet.size(),
                    items: Vec::new(),
                }),
                items: Vec::new(),
                bleed: 0.0,
            }],
        };
        let pages = imposer.push(card(0, sheet.card()), Some(carrier)).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].background.key, "daishi");
        let front = placed(&pages[0]);
        assert!(close(front[0].1.x, 62.2) && close(front[0].1.y, 121.51));
        let back = placed(&pages[1]);
        assert!(close(back[0].1.x, 210.0 - 62.2 - 85.6));
        assert!(imposer.finish().is_empty());
    }

    #[test]
    fn card_imposition_passes_pages_through() {
        let size = Size {
            width: mm(85.6),
            height: mm(53.98),
        };
        let pages = impose(&[card(0, size), card(1, size)], &Sheet::one_per_page(0.0)).unwrap();
        assert_eq!(pages.len(), 4);
        assert_eq!(&*pages[2].items[0].element, "1-front");
    }
}
