//! A sheet's numbers, each finite and in its range, before any position is computed from them.

use std::ops::Range;

use toml::Spanned;

use super::RawSheet;
use crate::layout::number::{self, show, Limit};

/// The widest bleed: 3 mm is the printers' usual, 5 mm leaves room for a loose guillotine.
const BLEED: Limit = Limit::mm(0.0, 5.0);
/// The printable margin: none (a press sheet trimmed after printing) to far more than any
/// office printer needs.
const MARGIN: Limit = Limit::mm(0.0, 50.0);
/// Crop marks: their distance from the bleed and their length.
const MARK_OFFSET: Limit = Limit::mm(0.0, 10.0);
const MARK_LENGTH: Limit = Limit::mm(1.0, 20.0);
/// Crop mark line width: hairline to a heavy rule.
const MARK_WIDTH: Limit = Limit::pt(0.05, 2.0);
/// Gaps between cards in a grid.
const GAP: Limit = Limit::mm(0.0, 100.0);
/// Cards per row or column of a grid.
const GRID_SIDE: Limit = Limit::plain(1.0, 20.0);
/// Cards per sheet: A3 holds 21 ID-1 cards; 100 is beyond any press sheet for cards.
const MAX_SLOTS: usize = 100;

/// Why and where a number is wrong: the span of its value (or its table) and the message.
type Wrong = (Range<usize>, String);

/// Checks every number of the sheet.
pub(super) fn check(raw: &RawSheet) -> Result<(), Wrong> {
    let top = |value: &Spanned<f32>, key: &str, limit: Limit| -> Result<f32, Wrong> {
        within(*value.get_ref(), limit, key, value.span())
    };
    let width = top(&raw.width, "width", number::PAGE)?;
    let height = top(&raw.height, "height", number::PAGE)?;
    let card = raw.card.get_ref();
    let span = raw.card.span();
    within(
        card.width,
        Limit::mm(10.0, width),
        "card.width",
        span.clone(),
    )?;
    within(card.height, Limit::mm(10.0, height), "card.height", span)?;
    if let Some(bleed) = &raw.bleed {
        top(bleed, "bleed", BLEED)?;
    }
    if let Some(margin) = &raw.margin {
        top(margin, "margin", MARGIN)?;
    }
    if let Some(marks) = &raw.marks {
        let (m, span) = (marks.get_ref(), marks.span());
        within(m.offset, MARK_OFFSET, "marks.offset", span.clone())?;
        within(m.length, MARK_LENGTH, "marks.length", span.clone())?;
        within(m.width, MARK_WIDTH, "marks.width", span)?;
    }
    let mut slots = raw.slot.len();
    if let Some(grid) = &raw.grid {
        let (g, span) = (grid.get_ref(), grid.span());
        count(g.columns, GRID_SIDE, "grid.columns", span.clone())?;
        count(g.rows, GRID_SIDE, "grid.rows", span.clone())?;
        within(g.x, Limit::mm(0.0, width), "grid.x", span.clone())?;
        within(g.y, Limit::mm(0.0, height), "grid.y", span.clone())?;
        within(g.gap_x, GAP, "grid.gap_x", span.clone())?;
        within(g.gap_y, GAP, "grid.gap_y", span)?;
        slots += (g.columns * g.rows) as usize;
    }
    for slot in &raw.slot {
        let (s, span) = (slot.get_ref(), slot.span());
        within(s.x, Limit::mm(0.0, width), "slot.x", span.clone())?;
        within(s.y, Limit::mm(0.0, height), "slot.y", span)?;
    }
    if slots > MAX_SLOTS {
        let span = raw.grid.as_ref().map_or(0..0, |g| g.span());
        return Err((
            span,
            format!("a sheet holds at most {MAX_SLOTS} cards (found {slots})"),
        ));
    }
    Ok(())
}

fn count(value: u32, limit: Limit, key: &str, span: Range<usize>) -> Result<u32, Wrong> {
    if limit.contains(value as f32) {
        Ok(value)
    } else {
        Err((span, format!("`{key}` must be {limit} (found {value})")))
    }
}

fn within(value: f32, limit: Limit, key: &str, span: Range<usize>) -> Result<f32, Wrong> {
    if limit.contains(value) {
        Ok(value)
    } else {
        Err((
            span,
            format!("`{key}` must be {limit} (found {})", show(value)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Sheet;

    const A4: &str = include_str!("../../../sheets/a4-8up.toml");

    fn message(text: &str) -> String {
        Sheet::from_toml(text, "s.toml")
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn nan_negative_and_huge_numbers_are_refused_with_their_key() {
        let line = |key: &str| 1 + A4.lines().position(|l| l.starts_with(key)).unwrap();
        assert_eq!(
            message(&A4.replace("bleed = 2", "bleed = nan")),
            format!(
                "s.toml:{}:9: `bleed` must be from 0 to 5 mm (found NaN)",
                line("bleed")
            )
        );
        assert!(message(&A4.replace("margin = 5", "margin = -1"))
            .ends_with("`margin` must be from 0 to 50 mm (found -1)"));
        assert!(message(&A4.replace("width = 210", "width = -210"))
            .ends_with("`width` must be from 10 to 1200 mm (found -210)"));
        assert!(message(&A4.replace("gap_x = 4", "gap_x = inf"))
            .contains("`grid.gap_x` must be from 0 to 100 mm (found inf)"));
        assert!(message(&A4.replace("rows = 4", "rows = 4000000000"))
            .contains("`grid.rows` must be from 1 to 20 (found 4000000000)"));
        assert!(message(&A4.replace("width = 0.3", "width = 0"))
            .contains("`marks.width` must be from 0.05 to 2 pt (found 0)"));
    }
}
