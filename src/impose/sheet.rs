//! Sheet definitions: TOML → [`Sheet`], in points (format in docs/print.md).

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

mod numbers;

use crate::diag::toml_position;
use crate::display::{Point, Rect, Size};
use crate::layout::mm;

/// How pages go onto sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    /// One card per page, at its own size: no sheet at all.
    Card,
    /// Several cards to a sheet in a grid, with crop marks (トンボ) and bleed.
    NUp,
    /// The card at the die-cut position of a carrier sheet (台紙), over the carrier layout's page.
    Carrier,
}

/// Which way the sheet is turned over between its front and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplex {
    /// Turned over its long edge (the printer's usual "long-edge binding"): backs are mirrored left to right.
    LongEdge,
    /// Turned over its short edge: backs are mirrored top to bottom and turned half round.
    ShortEdge,
    /// Printed on one side: backs go on their own sheets at the fronts' positions.
    Simplex,
}

/// Crop marks drawn in the sheet's margins at every trim line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marks {
    /// The gap between the outermost bleed edge and the mark, in points.
    pub offset: f32,
    /// The mark's length, in points.
    pub length: f32,
    /// The line width, in points.
    pub width: f32,
}

/// A validated sheet definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub(crate) name: String,
    pub(crate) kind: SheetKind,
    pub(crate) size: Size,
    pub(crate) card: Size,
    pub(crate) bleed: f32,
    pub(crate) margin: f32,
    pub(crate) duplex: Duplex,
    pub(crate) marks: Option<Marks>,
    pub(crate) slots: Vec<Point>,
}

/// Occurs when a sheet definition cannot be used; names the file, line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetError {
    /// The sheet file (or the bundled sheet's name).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSheet {
    name: String,
    kind: Spanned<String>,
    width: Spanned<f32>,
    height: Spanned<f32>,
    card: Spanned<RawSize>,
    bleed: Option<Spanned<f32>>,
    margin: Option<Spanned<f32>>,
    duplex: Option<Spanned<String>>,
    marks: Option<Spanned<RawMarks>>,
    grid: Option<Spanned<RawGrid>>,
    #[serde(default)]
    slot: Vec<Spanned<RawSlot>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSize {
    width: f32,
    height: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarks {
    offset: f32,
    length: f32,
    #[serde(default = "default_mark_width")]
    width: f32,
}

fn default_mark_width() -> f32 {
    0.25
}

/// The printable margin when a sheet sets none, in mm: office laser and inkjet printers leave about
/// 4–5 mm of every A4 edge unprinted; 5 mm holds for nearly all of them.
fn default_margin() -> f32 {
    5.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    columns: u32,
    rows: u32,
    x: f32,
    y: f32,
    #[serde(default)]
    gap_x: f32,
    #[serde(default)]
    gap_y: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlot {
    x: f32,
    y: f32,
}

/// The sheets shipped in sheets/, compiled in like the layouts.
const BUNDLED: &[(&str, &str)] = &[
    ("a4-10up", include_str!("../../sheets/a4-10up.toml")),
    ("a4-8up", include_str!("../../sheets/a4-8up.toml")),
    ("a3-21up", include_str!("../../sheets/a3-21up.toml")),
    ("sra3-21up", include_str!("../../sheets/sra3-21up.toml")),
    ("a4-carrier", include_str!("../../sheets/a4-carrier.toml")),
];

/// The names of the bundled sheets.
pub fn bundled_names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

impl Sheet {
    /// No sheet: every card page printed at its own size (`--impose card`), grown by `bleed` points
    /// on every side for a print shop that imposes the cards itself.
    pub fn one_per_page(bleed: f32) -> Sheet {
        Sheet {
            name: "card".into(),
            kind: SheetKind::Card,
            size: Size {
                width: 0.0,
                height: 0.0,
            },
            card: Size {
                width: 0.0,
                height: 0.0,
            },
            bleed,
            margin: 0.0,
            duplex: Duplex::Simplex,
            marks: None,
            slots: Vec::new(),
        }
    }

    /// Parses a sheet definition from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Sheet, SheetError> {
        let error =
            |span: Option<std::ops::Range<usize>>, message: String, hint: Option<String>| {
                let (line, column) = toml_position(text, span);
                SheetError {
                    file: file.into(),
                    line,
                    column,
                    message,
                    hint,
                }
            };
        let raw: RawSheet = toml::from_str(text)
            .map_err(|e| error(e.span(), e.message().trim().to_string(), None))?;
        numbers::check(&raw).map_err(|(span, message)| error(Some(span), message, None))?;
        let card_mm = raw.card.get_ref();
        let bleed_mm = raw.bleed.as_ref().map_or(0.0, |b| *b.get_ref());
        let margin_mm = raw
            .margin
            .as_ref()
            .map_or(default_margin(), |m| *m.get_ref());
        let kind = match raw.kind.get_ref().as_str() {
            "nup" => SheetKind::NUp,
            "carrier" => SheetKind::Carrier,
            other => {
                return Err(error(
                    Some(raw.kind.span()),
                    format!("unknown sheet kind `{other}`"),
                    Some("use `nup` or `carrier`".into()),
                ))
            }
        };
        let duplex = match raw
            .duplex
            .as_ref()
            .map(|d| (d.get_ref().as_str(), d.span()))
        {
            None | Some(("long-edge", _)) => Duplex::LongEdge,
            Some(("short-edge", _)) => Duplex::ShortEdge,
            Some(("simplex", _)) => Duplex::Simplex,
            Some((other, span)) => {
                return Err(error(
                    Some(span),
                    format!("unknown duplex `{other}`"),
                    Some("use long-edge, short-edge or simplex".into()),
                ))
            }
        };
        let size = Size {
            width: mm(*raw.width.get_ref()),
            height: mm(*raw.height.get_ref()),
        };
        let card = Size {
            width: mm(card_mm.width),
            height: mm(card_mm.height),
        };
        let mut slots = Vec::new();
        let mut slot_span = None;
        if let Some(grid) = &raw.grid {
            slot_span = Some(grid.span());
            let g = grid.get_ref();
            for row in 0..g.rows {
                for column in 0..g.columns {
                    slots.push(Point {
                        x: mm(g.x + column as f32 * (card_mm.width + g.gap_x)),
                        y: mm(g.y + row as f32 * (card_mm.height + g.gap_y)),
                    });
                }
            }
        }
        for slot in &raw.slot {
            slot_span.get_or_insert(slot.span());
            slots.push(Point {
                x: mm(slot.get_ref().x),
                y: mm(slot.get_ref().y),
            });
        }
        if slots.is_empty() {
            return Err(error(
                None,
                "a sheet needs a [grid] or at least one [[slot]]".into(),
                None,
            ));
        }
        if kind == SheetKind::Carrier && slots.len() != 1 {
            return Err(error(
                slot_span,
                "a carrier sheet holds exactly one card".into(),
                Some("give one [[slot]]: the die-cut position".into()),
            ));
        }
        let sheet = Sheet {
            name: raw.name,
            kind,
            size,
            card,
            bleed: mm(bleed_mm),
            margin: mm(margin_mm),
            duplex,
            marks: raw.marks.map(|m| m.into_inner()).map(|m| Marks {
                offset: mm(m.offset),
                length: mm(m.length),
                width: m.width,
            }),
            slots,
        };
        sheet
            .check()
            .map_err(|(message, hint)| error(slot_span.clone(), message, hint.map(String::from)))?;
        Ok(sheet)
    }

    /// Reads a sheet file.
    pub fn from_path(path: &Path) -> Result<Sheet, SheetError> {
        let file = path.display().to_string();
        let limit = crate::limits::file::MAX_CONFIG_BYTES;
        let text = crate::limits::read_capped_text(path, limit).map_err(|e| SheetError {
            file: file.clone(),
            line: 1,
            column: 1,
            message: format!("failed to read sheet ({e})"),
            hint: None,
        })?;
        Sheet::from_toml(&text, &file)
    }

    /// Finds a sheet by bundled name (`a4-10up`, …) or by path.
    pub fn load(name_or_path: &str) -> Result<Sheet, SheetError> {
        match BUNDLED.iter().find(|(n, _)| *n == name_or_path) {
            Some((name, text)) => Sheet::from_toml(text, &format!("sheets/{name}.toml")),
            None if Path::new(name_or_path).exists() => Sheet::from_path(Path::new(name_or_path)),
            None => Err(SheetError {
                file: name_or_path.into(),
                line: 1,
                column: 1,
                message: "no such sheet file or bundled sheet".into(),
                hint: Some(format!(
                    "bundled sheets are {}",
                    bundled_names().collect::<Vec<_>>().join(", ")
                )),
            }),
        }
    }

    /// The sheet's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How pages go onto it.
    pub fn kind(&self) -> SheetKind {
        self.kind
    }

    /// The sheet size in points.
    pub fn size(&self) -> Size {
        self.size
    }

    /// The trim size of the cards it holds, in points.
    pub fn card(&self) -> Size {
        self.card
    }

    /// How far the card's page colour extends past its trim, in points.
    pub fn bleed(&self) -> f32 {
        self.bleed
    }

    /// How it is turned over for the backs.
    pub fn duplex(&self) -> Duplex {
        self.duplex
    }

    /// Its crop marks, if any.
    pub fn marks(&self) -> Option<Marks> {
        self.marks
    }

    /// The top-left corners of the cards' trim boxes on the front, in points, in filling order.
    pub fn slots(&self) -> &[Point] {
        &self.slots
    }

    /// The printable margin: nothing is printed nearer the sheet's edge, in points.
    pub fn margin(&self) -> f32 {
        self.margin
    }

    /// Checks that every card with its bleed, and every crop mark, lies inside the printable margin,
    /// and that no two cards' bleeds overlap; the message and hint of the first failure.
    fn check(&self) -> Result<(), (String, Option<&'static str>)> {
        let tolerance = 0.01;
        let m = self.margin;
        let printable = |r: Rect| {
            r.x >= m - tolerance
                && r.y >= m - tolerance
                && r.x + r.width <= self.size.width - m + tolerance
                && r.y + r.height <= self.size.height - m + tolerance
        };
        let margin = format!("{:.1} mm", m / crate::layout::PT_PER_MM);
        let boxes: Vec<Rect> = self.slots.iter().map(|&at| self.bleed_box(at)).collect();
        for (i, b) in boxes.iter().enumerate() {
            if !printable(*b) {
                return Err((
                    format!("card {} with its bleed reaches into the sheet's unprintable margin ({margin} from each edge)", i + 1),
                    Some("move the cards in, or set `margin` to what your printer can print"),
                ));
            }
            if boxes[..i].iter().any(|o| overlaps(o, b)) {
                return Err((
                    format!("card {} overlaps another card's bleed", i + 1),
                    Some("leave a gap of at least twice the bleed between cards, or set `bleed = 0` and let cards touch"),
                ));
            }
        }
        if self.marks.is_some() && !super::crop_marks(self, false).iter().all(|&r| printable(r)) {
            return Err((
                format!("crop marks reach into the sheet's unprintable margin ({margin} from each edge)"),
                Some("move the cards in, or shorten marks.length / marks.offset"),
            ));
        }
        Ok(())
    }

    fn bleed_box(&self, at: Point) -> Rect {
        Rect {
            x: at.x - self.bleed,
            y: at.y - self.bleed,
            width: self.card.width + 2.0 * self.bleed,
            height: self.card.height + 2.0 * self.bleed,
        }
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.width - 0.01
        && b.x < a.x + a.width - 0.01
        && a.y < b.y + b.height - 0.01
        && b.y < a.y + a.height - 0.01
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_sheets_parse() {
        for name in bundled_names() {
            Sheet::load(name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_grid_expands_into_slots_row_by_row() {
        let sheet = Sheet::load("a4-10up").unwrap();
        assert_eq!(sheet.slots().len(), 10);
        let second = sheet.slots()[1];
        assert!((second.x / crate::layout::PT_PER_MM - (19.4 + 85.6)).abs() < 0.01);
        assert!((sheet.slots()[2].y / crate::layout::PT_PER_MM - (13.55 + 53.98)).abs() < 0.01);
        let sheet = Sheet::load("sra3-21up").unwrap();
        let last = sheet.slots()[20];
        assert!((last.x / crate::layout::PT_PER_MM - (25.6 + 2.0 * (85.6 + 6.0))).abs() < 0.01);
    }

    #[test]
    fn overlapping_bleeds_and_marks_off_the_sheet_are_rejected() {
        let text = include_str!("../../sheets/a4-8up.toml");
        let err = Sheet::from_toml(&text.replace("gap_y = 4", "gap_y = 3"), "s.toml").unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.line),
            ("card 3 overlaps another card's bleed", 15)
        );
        let err = Sheet::from_toml(&text.replace("kind = \"nup\"", "kind = \"4up\""), "s.toml")
            .unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (4, "unknown sheet kind `4up`")
        );
        let err = Sheet::from_toml(&text.replace("bleed = 2", "bleed = -1"), "s.toml").unwrap_err();
        assert_eq!(err.message, "`bleed` must be from 0 to 5 mm (found -1)");
    }

    /// Office printers cannot print the outer 5 mm (`margin`): the cards' bleed and the crop marks
    /// must stay inside it, and the sheets shipped for office paper keep them there.
    #[test]
    fn cards_and_marks_in_the_unprintable_margin_are_rejected() {
        let text = include_str!("../../sheets/a4-10up.toml");
        let err =
            Sheet::from_toml(&text.replace("length = 5", "length = 8"), "s.toml").unwrap_err();
        assert_eq!(
            err.message,
            "crop marks reach into the sheet's unprintable margin (5.0 mm from each edge)"
        );
        assert!(Sheet::from_toml(
            &text
                .replace("length = 5", "length = 8")
                .replace("margin = 5", "margin = 4"),
            "s.toml"
        )
        .is_ok());
        let err = Sheet::from_toml(&text.replace("x = 19.4", "x = 4"), "s.toml").unwrap_err();
        assert_eq!(
            err.message,
            "card 1 with its bleed reaches into the sheet's unprintable margin (5.0 mm from each edge)"
        );
        assert_eq!(
            err.hint.as_deref(),
            Some("move the cards in, or set `margin` to what your printer can print")
        );
    }
}
