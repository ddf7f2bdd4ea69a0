//! The ranges a layout's numbers must lie in, so that no NaN, infinity, negative size or
//! empty dash pattern ever reaches a display list.
//!
//! serde hands the parser any `f32` TOML can spell, `nan` and `inf` included, and a
//! comparison with NaN is always false, so a check written as "refuse if out of range"
//! lets NaN through. Every check here is written the other way round: a number is
//! accepted only when it is finite and inside its range. The ranges are in
//! docs/layout.md ("Numbers and their ranges").

use std::fmt;

/// An inclusive range a number must lie in, with its unit for messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limit {
    pub(crate) min: f32,
    pub(crate) max: f32,
    pub(crate) unit: &'static str,
}

impl Limit {
    /// A length in millimetres.
    pub(crate) const fn mm(min: f32, max: f32) -> Limit {
        Limit {
            min,
            max,
            unit: "mm",
        }
    }

    /// A size in points.
    pub(crate) const fn pt(min: f32, max: f32) -> Limit {
        Limit {
            min,
            max,
            unit: "pt",
        }
    }

    /// A plain ratio or count.
    pub(crate) const fn plain(min: f32, max: f32) -> Limit {
        Limit { min, max, unit: "" }
    }

    /// Whether `value` is finite and in the range.
    pub(crate) fn contains(&self, value: f32) -> bool {
        value.is_finite() && value >= self.min && value <= self.max
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "from {} to {}", self.min, self.max)?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        Ok(())
    }
}

/// Page width and height: from a small label to beyond A0 (841 × 1189 mm).
pub(crate) const PAGE: Limit = Limit::mm(10.0, 1200.0);
/// Font sizes: below 3 pt nothing prints legibly; 72 pt is a headline.
pub(crate) const FONT_SIZE: Limit = Limit::pt(3.0, 72.0);
/// Line widths: 0.05 pt is the thinnest line presses hold; 10 pt is a bar, not a rule.
pub(crate) const LINE_WIDTH: Limit = Limit::pt(0.05, 10.0);
/// Rectangle outlines: 0 for none, up to the widest line.
pub(crate) const STROKE: Limit = Limit::pt(0.0, 10.0);
/// The narrowest 長体 (horizontal squeeze) a fit rule may use.
pub(crate) const SQUEEZE: Limit = Limit::plain(0.3, 1.0);
/// Line spacing as a multiple of the font size.
pub(crate) const LEADING: Limit = Limit::plain(1.0, 3.0);
/// The most lines text may wrap to.
pub(crate) const LINES: Limit = Limit {
    min: 1.0,
    max: 40.0,
    unit: "lines",
};
/// One dash or gap of a dash pattern.
pub(crate) const DASH: Limit = Limit::mm(0.0, 100.0);
/// The most numbers in a dash pattern.
pub(crate) const MAX_DASH_ENTRIES: usize = 16;
/// A QR code's quiet zone in modules (ISO/IEC 18004 asks for 4).
pub(crate) const QUIET_ZONE: Limit = Limit {
    min: 0.0,
    max: 16.0,
    unit: "modules",
};
/// The smallest width or height of a box: anything thinner draws nothing.
pub(crate) const MIN_SIDE_MM: f32 = 0.1;
/// How far sums of lengths may pass an edge through rounding (1.2 + 83.2 is not quite 84.4).
pub(crate) const EDGE_TOLERANCE_MM: f32 = 0.01;

/// Shortest decimal for messages: `NaN`, `inf`, `-3`, `85.6`, and `1e30` rather than 31 digits.
pub(crate) fn show(value: f32) -> String {
    if value.is_finite() && value.abs() >= 1e7 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finite_numbers_in_range_are_contained() {
        assert!(FONT_SIZE.contains(3.0) && FONT_SIZE.contains(72.0));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 2.9, 72.1, -1.0] {
            assert!(!FONT_SIZE.contains(bad), "{bad}");
        }
    }

    #[test]
    fn ranges_read_with_their_units() {
        assert_eq!(PAGE.to_string(), "from 10 to 1200 mm");
        assert_eq!(SQUEEZE.to_string(), "from 0.3 to 1");
        assert_eq!(show(f32::NAN), "NaN");
        assert_eq!(show(1e30), "1e30");
        assert_eq!(show(-85.6), "-85.6");
    }
}
