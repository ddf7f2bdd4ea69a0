//! Numbers and geometry of a layout: each number finite and in its range, each element on
//! its page, each error at the key's line and column with the element's id.

use std::ops::Range;

use toml::Spanned;

use super::super::number::{self, show, Limit};
use super::{LayoutError, Num, Parser, RawElement, RawFit};
use crate::display::{Point, Rect};
use crate::layout::{mm, Fit};

/// Which number is checked: its key and, for an element's key, the element's id.
#[derive(Clone, Copy)]
pub(super) struct Key<'a> {
    pub(super) name: &'static str,
    pub(super) id: Option<&'a str>,
}

impl std::fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "`{}`", self.name)?;
        if let Some(id) = self.id {
            write!(f, " of element `{id}`")?;
        }
        Ok(())
    }
}

impl Parser<'_> {
    /// A number, accepted only when finite and within `limit`.
    pub(super) fn number(&self, value: &Num, key: Key, limit: Limit) -> Result<f32, LayoutError> {
        let v = *value.get_ref();
        if limit.contains(v) {
            return Ok(v);
        }
        Err(self.error(
            value.span(),
            format!("{key} must be {limit} (found {})", show(v)),
            None,
        ))
    }

    /// A whole number within `limit`.
    pub(super) fn count(
        &self,
        value: &Spanned<u32>,
        key: Key,
        limit: Limit,
    ) -> Result<u32, LayoutError> {
        let v = *value.get_ref();
        if limit.contains(v as f32) {
            return Ok(v);
        }
        Err(self.error(
            value.span(),
            format!("{key} must be {limit} (found {v})"),
            None,
        ))
    }

    /// An optional number: its default when absent, checked when given.
    pub(super) fn number_or(
        &self,
        value: Option<&Num>,
        default: f32,
        key: Key,
        limit: Limit,
    ) -> Result<f32, LayoutError> {
        value.map_or(Ok(default), |v| self.number(v, key, limit))
    }

    fn key<'a>(raw: &'a RawElement, name: &'static str) -> Key<'a> {
        Key {
            name,
            id: Some(raw.id.get_ref()),
        }
    }

    /// Errors when `end` (mm) passes the page's `edge` (mm), pointing at the key that reaches it.
    fn within(
        &self,
        end: f32,
        edge: f32,
        span: Range<usize>,
        what: String,
    ) -> Result<(), LayoutError> {
        if end <= edge + number::EDGE_TOLERANCE_MM {
            return Ok(());
        }
        Err(self.error(span, what, None))
    }

    /// The element's box from `x`, `y`, `w` and `h` (`square`: `w` alone, for a QR code), in
    /// points, wholly on the page.
    pub(super) fn placed_box(&self, raw: &RawElement, square: bool) -> Result<Rect, LayoutError> {
        let page = self.page_mm;
        let id = raw.id.get_ref();
        let x = raw.x.as_ref().expect("required key checked");
        let y = raw.y.as_ref().expect("required key checked");
        let w = raw.w.as_ref().expect("required key checked");
        let h = if square {
            w
        } else {
            raw.h.as_ref().expect("required key checked")
        };
        let xv = self.number(x, Self::key(raw, "x"), Limit::mm(0.0, page.width))?;
        let yv = self.number(y, Self::key(raw, "y"), Limit::mm(0.0, page.height))?;
        let side = |max| Limit::mm(number::MIN_SIDE_MM, max);
        let wv = self.number(w, Self::key(raw, "w"), side(page.width))?;
        let hv = if square {
            wv
        } else {
            self.number(h, Self::key(raw, "h"), side(page.height))?
        };
        self.within(
            xv + wv,
            page.width,
            w.span(),
            format!(
                "element `{id}` extends past the right edge of the page (`x` + `w` = {:.2} mm, the page is {} mm wide)",
                xv + wv,
                page.width
            ),
        )?;
        let (h_key, h_span) = if square {
            ("w", w.span())
        } else {
            ("h", h.span())
        };
        self.within(
            yv + hv,
            page.height,
            h_span,
            format!(
                "element `{id}` extends past the bottom edge of the page (`y` + `{h_key}` = {:.2} mm, the page is {} mm tall)",
                yv + hv,
                page.height
            ),
        )?;
        Ok(Rect {
            x: mm(xv),
            y: mm(yv),
            width: mm(wv),
            height: mm(hv),
        })
    }

    /// A top-left corner from `x` and `y` alone (a barcode), in points, on the page.
    pub(super) fn corner(&self, raw: &RawElement) -> Result<Point, LayoutError> {
        let page = self.page_mm;
        let x = raw.x.as_ref().expect("required key checked");
        let y = raw.y.as_ref().expect("required key checked");
        Ok(Point {
            x: mm(self.number(x, Self::key(raw, "x"), Limit::mm(0.0, page.width))?),
            y: mm(self.number(y, Self::key(raw, "y"), Limit::mm(0.0, page.height))?),
        })
    }

    /// `from` or `to` of a line: both coordinates on the page, in points.
    pub(super) fn end_point(
        &self,
        raw: &RawElement,
        name: &'static str,
        value: &Spanned<[f32; 2]>,
    ) -> Result<Point, LayoutError> {
        let [x, y] = *value.get_ref();
        let page = self.page_mm;
        let (lx, ly) = (Limit::mm(0.0, page.width), Limit::mm(0.0, page.height));
        if lx.contains(x) && ly.contains(y) {
            return Ok(Point { x: mm(x), y: mm(y) });
        }
        Err(self.error(
            value.span(),
            format!(
                "{} must lie on the page: x {lx}, y {ly} (found [{}, {}])",
                Self::key(raw, name),
                show(x),
                show(y)
            ),
            None,
        ))
    }

    /// A dash pattern in mm → points: 1 to 16 lengths, none negative, not all zero (a pattern of
    /// zeros draws nothing, and PDF forbids it).
    pub(super) fn dash(
        &self,
        raw: &RawElement,
        value: &Spanned<Vec<f32>>,
    ) -> Result<Vec<f32>, LayoutError> {
        let lengths = value.get_ref();
        let key = Self::key(raw, "dash");
        let problem = if lengths.is_empty() || lengths.len() > number::MAX_DASH_ENTRIES {
            Some(format!(
                "{key} must have 1 to {} lengths (found {})",
                number::MAX_DASH_ENTRIES,
                lengths.len()
            ))
        } else if let Some(bad) = lengths.iter().find(|&&d| !number::DASH.contains(d)) {
            Some(format!(
                "{key} lengths must be {} (found {})",
                number::DASH,
                show(*bad)
            ))
        } else if lengths.iter().all(|&d| d == 0.0) {
            Some(format!(
                "{key} must not be all zeros: such a pattern draws nothing"
            ))
        } else {
            None
        };
        match problem {
            None => Ok(lengths.iter().map(|&d| mm(d)).collect()),
            Some(message) => Err(self.error(
                value.span(),
                message,
                Some("write lengths in mm, dash then gap, e.g. [1.5, 1.0]; leave `dash` out for a solid line".into()),
            )),
        }
    }

    /// A text element's font size: `size`, or the layout's default.
    pub(super) fn font_size(&self, raw: &RawElement, default: f32) -> Result<f32, LayoutError> {
        self.number_or(
            raw.size.as_ref(),
            default,
            Self::key(raw, "size"),
            number::FONT_SIZE,
        )
    }

    /// A line width in points.
    pub(super) fn line_width(&self, raw: &RawElement) -> Result<f32, LayoutError> {
        self.number_or(
            raw.width.as_ref(),
            0.3,
            Self::key(raw, "width"),
            number::LINE_WIDTH,
        )
    }

    /// A rectangle's outline width in points.
    pub(super) fn stroke(&self, raw: &RawElement) -> Result<f32, LayoutError> {
        self.number_or(
            raw.stroke.as_ref(),
            0.3,
            Self::key(raw, "stroke"),
            number::STROKE,
        )
    }

    /// A corner radius in mm → points: at most half the shorter side of `rect` (points).
    pub(super) fn radius(&self, raw: &RawElement, rect: Rect) -> Result<f32, LayoutError> {
        let half = rect.width.min(rect.height) / 2.0 / crate::layout::PT_PER_MM;
        let limit = Limit::mm(0.0, (half * 100.0).floor() / 100.0);
        self.number_or(raw.radius.as_ref(), 0.0, Self::key(raw, "radius"), limit)
            .map(mm)
    }

    /// A QR code's quiet zone in modules.
    pub(super) fn quiet_zone(&self, raw: &RawElement) -> Result<u32, LayoutError> {
        raw.quiet_zone.as_ref().map_or(Ok(4), |q| {
            self.count(q, Self::key(raw, "quiet_zone"), number::QUIET_ZONE)
        })
    }

    /// A text element's fit rule, each number in its range; `min_size` no larger than `size`.
    pub(super) fn fit(&self, raw: &RawElement, size: f32) -> Result<Fit, LayoutError> {
        let default = RawFit::default();
        let fit = raw.fit.as_ref().map_or(&default, |f| f.get_ref());
        let key = |name| Self::key(raw, name);
        Ok(Fit {
            min_h_scale: self.number_or(
                fit.squeeze.as_ref(),
                1.0,
                key("fit.squeeze"),
                number::SQUEEZE,
            )?,
            min_size: self.number_or(
                fit.min_size.as_ref(),
                size,
                key("fit.min_size"),
                Limit::pt(number::FONT_SIZE.min, size),
            )?,
            max_lines: fit
                .lines
                .as_ref()
                .map_or(Ok(1), |l| self.count(l, key("fit.lines"), number::LINES))?,
            leading: self.number_or(
                fit.leading.as_ref(),
                1.25,
                key("fit.leading"),
                number::LEADING,
            )?,
        })
    }
}
