//! TOML → [`Layout`]: deserialize into raw tables, then validate and normalize.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

mod geometry;
#[cfg(test)]
mod proptests;

use super::legal::LegalText;
use super::number;
use super::template::{closest, Template, TemplateError};
use super::*;
use crate::barcode::Dimensions;
use crate::diag::toml_position;
use crate::limits;
use geometry::Key;

/// Occurs when a layout file cannot be used; names the file, line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutError {
    /// The layout file (or the layout's name for a bundled one).
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

impl std::fmt::Display for LayoutError {
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

impl std::error::Error for LayoutError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    name: String,
    title: Option<String>,
    document: Spanned<String>,
    scheme: Spanned<String>,
    width: Spanned<f32>,
    height: Spanned<f32>,
    font: Option<Spanned<String>>,
    size: Option<Spanned<f32>>,
    color: Option<Spanned<String>>,
    page: Vec<RawPage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    name: String,
    background: Option<Spanned<String>>,
    #[serde(default)]
    element: Vec<Spanned<RawElement>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFit {
    squeeze: Option<Spanned<f32>>,
    min_size: Option<Spanned<f32>>,
    lines: Option<Spanned<u32>>,
    leading: Option<Spanned<f32>>,
}

/// A number as written, with where it is: every number is range-checked with its position.
type Num = Spanned<f32>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    kind: Spanned<String>,
    id: Spanned<String>,
    when: Option<Spanned<OneOrMany>>,
    x: Option<Num>,
    y: Option<Num>,
    w: Option<Num>,
    h: Option<Num>,
    text: Option<Spanned<String>>,
    font: Option<Spanned<String>>,
    size: Option<Num>,
    align: Option<Spanned<String>>,
    valign: Option<Spanned<String>>,
    color: Option<Spanned<String>>,
    fit: Option<Spanned<RawFit>>,
    from: Option<Spanned<[f32; 2]>>,
    to: Option<Spanned<[f32; 2]>>,
    width: Option<Num>,
    dash: Option<Spanned<Vec<f32>>>,
    stroke: Option<Num>,
    fill: Option<Spanned<String>>,
    radius: Option<Num>,
    source: Option<Spanned<String>>,
    value: Option<Spanned<String>>,
    ecc: Option<Spanned<String>>,
    quiet_zone: Option<Spanned<u32>>,
    caption: Option<Spanned<String>>,
    scissors: Option<bool>,
    postal: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
}

impl RawElement {
    /// The optional keys this element sets, to check them against its kind.
    fn keys(&self) -> Vec<&'static str> {
        let set = [
            ("when", self.when.is_some()),
            ("x", self.x.is_some()),
            ("y", self.y.is_some()),
            ("w", self.w.is_some()),
            ("h", self.h.is_some()),
            ("text", self.text.is_some()),
            ("font", self.font.is_some()),
            ("size", self.size.is_some()),
            ("align", self.align.is_some()),
            ("valign", self.valign.is_some()),
            ("color", self.color.is_some()),
            ("fit", self.fit.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("width", self.width.is_some()),
            ("dash", self.dash.is_some()),
            ("stroke", self.stroke.is_some()),
            ("fill", self.fill.is_some()),
            ("radius", self.radius.is_some()),
            ("source", self.source.is_some()),
            ("value", self.value.is_some()),
            ("ecc", self.ecc.is_some()),
            ("quiet_zone", self.quiet_zone.is_some()),
            ("caption", self.caption.is_some()),
            ("scissors", self.scissors.is_some()),
            ("postal", self.postal.is_some()),
            ("address", self.address.is_some()),
        ];
        set.into_iter()
            .filter(|&(_, on)| on)
            .map(|(k, _)| k)
            .collect()
    }
}

/// Element kinds with the keys each requires and allows (besides `kind`, `id`, `when`).
const KINDS: &[(&str, &[&str], &[&str])] = &[
    (
        "text",
        &["x", "y", "w", "h", "text"],
        &["font", "size", "align", "valign", "color", "fit"],
    ),
    ("line", &["from", "to"], &["width", "color", "dash"]),
    (
        "rect",
        &["x", "y", "w", "h"],
        &["stroke", "color", "fill", "radius"],
    ),
    ("image", &["x", "y", "w", "h", "source"], &[]),
    ("qr", &["x", "y", "w", "value"], &["ecc", "quiet_zone"]),
    (
        "cutline",
        &["from", "to"],
        &[
            "width", "color", "dash", "caption", "size", "font", "scissors",
        ],
    ),
    ("barcode", &["x", "y", "postal", "address"], &["size"]),
];

/// Document-wide defaults that elements inherit.
struct Defaults {
    font: FontId,
    size: f32,
    color: Color,
}

struct Parser<'a> {
    file: &'a str,
    text: &'a str,
    base: Option<&'a Path>,
    /// The page size in points.
    page: Size,
    /// The layout's scheme, which picks the legal text `{legal.KEY}` refers to.
    scheme: Scheme,
    /// The legal text `{legal.KEY}` is looked up in.
    legal: &'a LegalText,
    /// The page size in millimetres, as the layout gives it.
    page_mm: Size,
}

impl Layout {
    /// Parses a layout from TOML text. `file` names it in errors; `base` is the
    /// folder that relative image paths start from.
    pub fn from_toml(text: &str, file: &str, base: Option<&Path>) -> Result<Layout, LayoutError> {
        Layout::from_toml_with(text, file, base, LegalText::bundled())
    }

    /// Like [`Layout::from_toml`], with `{legal.KEY}` looked up in the given legal text.
    pub(super) fn from_toml_with(
        text: &str,
        file: &str,
        base: Option<&Path>,
        legal: &LegalText,
    ) -> Result<Layout, LayoutError> {
        let raw: RawLayout = toml::from_str(text).map_err(|e| {
            let (line, column) = toml_position(text, e.span());
            let message = e.message().trim().to_string();
            let hint = unknown_key_hint(&message);
            LayoutError {
                file: file.into(),
                line,
                column,
                message,
                hint,
            }
        })?;
        let mut parser = Parser {
            file,
            text,
            base,
            page: Size {
                width: 0.0,
                height: 0.0,
            },
            scheme: Scheme::Kokuho,
            legal,
            page_mm: Size {
                width: 0.0,
                height: 0.0,
            },
        };
        let page = |key| Key {
            name: key,
            id: None,
        };
        parser.page_mm = Size {
            width: parser.number(&raw.width, page("width"), number::PAGE)?,
            height: parser.number(&raw.height, page("height"), number::PAGE)?,
        };
        parser.page = Size {
            width: mm(parser.page_mm.width),
            height: mm(parser.page_mm.height),
        };
        parser.scheme = parser.scheme(&raw.scheme)?;
        parser.layout(raw)
    }

    /// Reads a layout file.
    pub fn from_path(path: &Path) -> Result<Layout, LayoutError> {
        Layout::from_path_with(path, LegalText::bundled())
    }

    /// Like [`Layout::from_path`], with `{legal.KEY}` looked up in the given legal text.
    pub(super) fn from_path_with(path: &Path, legal: &LegalText) -> Result<Layout, LayoutError> {
        let file = path.display().to_string();
        let text = limits::read_capped_text(path, limits::file::MAX_CONFIG_BYTES).map_err(|e| {
            LayoutError {
                file: file.clone(),
                line: 1,
                column: 1,
                message: format!("failed to read layout ({e})"),
                hint: None,
            }
        })?;
        Layout::from_toml_with(&text, &file, path.parent(), legal)
    }

    /// Finds a layout by bundled name (`kokuho-kakuninsho`, …) or by path; see
    /// [`Catalog`] for a folder of layouts in front of the bundled ones.
    pub fn load(name_or_path: &str) -> Result<Layout, LayoutError> {
        super::Catalog::bundled().load(name_or_path)
    }
}

/// The layouts shipped in layouts/, compiled in so that the binary works anywhere.
const BUNDLED: &[(&str, &str)] = &[
    (
        "kokuho-kakuninsho",
        include_str!("../../layouts/kokuho-kakuninsho.toml"),
    ),
    (
        "kokuho-oshirase",
        include_str!("../../layouts/kokuho-oshirase.toml"),
    ),
    (
        "kouki-kakuninsho",
        include_str!("../../layouts/kouki-kakuninsho.toml"),
    ),
    (
        "kouki-oshirase",
        include_str!("../../layouts/kouki-oshirase.toml"),
    ),
    (
        "kokuho-daishi",
        include_str!("../../layouts/kokuho-daishi.toml"),
    ),
    (
        "kouki-daishi",
        include_str!("../../layouts/kouki-daishi.toml"),
    ),
    (
        "kouki-kakuninsho-no-address",
        include_str!("../../layouts/kouki-kakuninsho-no-address.toml"),
    ),
    (
        "kokuho-soufujo",
        include_str!("../../layouts/kokuho-soufujo.toml"),
    ),
    (
        "kouki-soufujo",
        include_str!("../../layouts/kouki-soufujo.toml"),
    ),
    (
        "kokuho-kakuninsho-hagaki",
        include_str!("../../layouts/kokuho-kakuninsho-hagaki.toml"),
    ),
    (
        "kouki-kakuninsho-hagaki",
        include_str!("../../layouts/kouki-kakuninsho-hagaki.toml"),
    ),
];

/// The text of the bundled layout of this name.
pub(super) fn bundled_text(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the bundled layouts.
pub fn bundled_names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

/// The TOML text of a bundled layout, for tools that point into it (`shikaku lint`).
pub fn bundled_source(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// serde says "unknown field `x`, expected one of `a`, `b`": suggest the closest.
pub(crate) fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2);
    closest(key, expected).map(|c| format!("did you mean `{c}`?"))
}

impl Parser<'_> {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> LayoutError {
        let (line, column) = toml_position(self.text, Some(span));
        LayoutError {
            file: self.file.into(),
            line,
            column,
            message: message.into(),
            hint,
        }
    }

    fn scheme(&self, scheme: &Spanned<String>) -> Result<Scheme, LayoutError> {
        match scheme.get_ref().as_str() {
            "kokuho" => Ok(Scheme::Kokuho),
            "kouki" => Ok(Scheme::Kouki),
            other => Err(self.error(
                scheme.span(),
                format!("unknown scheme `{other}`"),
                Some("use `kokuho` or `kouki`".into()),
            )),
        }
    }

    fn layout(&self, raw: RawLayout) -> Result<Layout, LayoutError> {
        let name = raw.document.get_ref().as_str();
        let Some(kind) = LayoutKind::ALL.into_iter().find(|k| k.as_str() == name) else {
            return Err(self.error(
                raw.document.span(),
                format!("unknown document `{name}`"),
                Some("use `kakuninsho`, `oshirase`, `daishi` or `soufujo`".into()),
            ));
        };
        let defaults = Defaults {
            font: match &raw.font {
                Some(f) => self.font(f)?,
                None => FontId::Gothic,
            },
            size: self.number_or(
                raw.size.as_ref(),
                8.0,
                Key {
                    name: "size",
                    id: None,
                },
                number::FONT_SIZE,
            )?,
            color: match &raw.color {
                Some(c) => self.color(c)?,
                None => Color::BLACK,
            },
        };
        let mut ids = HashSet::new();
        let mut pages = Vec::new();
        for page in raw.page {
            pages.push(self.page(page, &defaults, &mut ids)?);
        }
        if pages.is_empty() {
            return Err(self.error(0..0, "a layout needs at least one [[page]]", None));
        }
        Ok(Layout {
            title: raw.title.unwrap_or_else(|| raw.name.clone()),
            name: raw.name,
            kind,
            scheme: self.scheme,
            size: self.page,
            pages,
        })
    }

    fn page(
        &self,
        raw: RawPage,
        defaults: &Defaults,
        ids: &mut HashSet<String>,
    ) -> Result<PageDef, LayoutError> {
        let background = raw.background.as_ref().map(|c| self.color(c)).transpose()?;
        let mut elements = Vec::with_capacity(raw.element.len());
        for element in raw.element {
            let span = element.span();
            let element = element.into_inner();
            if !ids.insert(element.id.get_ref().clone()) {
                return Err(self.error(
                    element.id.span(),
                    format!("duplicate element id `{}`", element.id.get_ref()),
                    None,
                ));
            }
            elements.push((self.element(element, span.clone(), defaults)?, span));
        }
        self.check_barcode_clearance(&elements)?;
        Ok(PageDef {
            name: raw.name,
            background,
            elements: elements.into_iter().map(|(e, _)| e).collect(),
        })
    }

    fn element(
        &self,
        raw: RawElement,
        span: std::ops::Range<usize>,
        defaults: &Defaults,
    ) -> Result<Element, LayoutError> {
        let kind_name = raw.kind.get_ref().as_str();
        let Some(&(_, required, allowed)) = KINDS.iter().find(|(k, ..)| *k == kind_name) else {
            let names: Vec<_> = KINDS.iter().map(|(k, ..)| *k).collect();
            return Err(self.error(
                raw.kind.span(),
                format!("unknown element kind `{kind_name}`"),
                Some(format!("kinds are {}", names.join(", "))),
            ));
        };
        let keys = raw.keys();
        for key in &keys {
            if *key != "when" && !required.contains(key) && !allowed.contains(key) {
                return Err(self.error(
                    span.clone(),
                    format!(
                        "key `{key}` does not apply to a `{kind_name}` element (id `{}`)",
                        raw.id.get_ref()
                    ),
                    None,
                ));
            }
        }
        for key in required {
            if !keys.contains(key) {
                return Err(self.error(
                    span.clone(),
                    format!(
                        "a `{kind_name}` element needs `{key}` (id `{}`)",
                        raw.id.get_ref()
                    ),
                    None,
                ));
            }
        }
        let when = match &raw.when {
            Some(w) => self.conditions(w)?,
            None => Vec::new(),
        };
        let kind = match kind_name {
            "text" => ElementKind::Text(self.text_def(&raw, defaults)?),
            "line" => ElementKind::Line(self.line_def(&raw, defaults)?),
            "rect" => ElementKind::Rect(self.rect_def(&raw, defaults)?),
            "image" => ElementKind::Image(self.image_def(&raw)?),
            "qr" => ElementKind::Qr(self.qr_def(&raw)?),
            "barcode" => ElementKind::Barcode(self.barcode_def(&raw)?),
            _ => ElementKind::CutLine(self.cutline_def(&raw, defaults)?),
        };
        let element = Element {
            id: Arc::from(raw.id.get_ref().as_str()),
            when,
            kind,
        };
        self.check_on_page(&element, span)?;
        Ok(element)
    }

    fn check_on_page(
        &self,
        element: &Element,
        span: std::ops::Range<usize>,
    ) -> Result<(), LayoutError> {
        // Written so that a NaN anywhere fails: a comparison with NaN is false.
        let tolerance = mm(number::EDGE_TOLERANCE_MM);
        for r in bounds(element) {
            let on_page = r.x >= -tolerance
                && r.y >= -tolerance
                && r.width >= 0.0
                && r.height >= 0.0
                && r.x + r.width <= self.page.width + tolerance
                && r.y + r.height <= self.page.height + tolerance;
            if !on_page {
                return Err(self.error(
                    span,
                    format!("element `{}` extends past the edge of the page", element.id),
                    None,
                ));
            }
        }
        Ok(())
    }

    fn text_def(&self, raw: &RawElement, defaults: &Defaults) -> Result<TextDef, LayoutError> {
        let text = raw.text.as_ref().expect("required key checked");
        let size = self.font_size(raw, defaults.size)?;
        Ok(TextDef {
            rect: self.placed_box(raw, false)?,
            template: self.template(text)?,
            font: raw
                .font
                .as_ref()
                .map(|f| self.font(f))
                .transpose()?
                .unwrap_or(defaults.font),
            size,
            align: match raw.align.as_ref() {
                None => Align::Left,
                Some(a) => match a.get_ref().as_str() {
                    "left" => Align::Left,
                    "center" => Align::Center,
                    "right" => Align::Right,
                    "distribute" => Align::Distribute,
                    other => {
                        return Err(self.error(
                            a.span(),
                            format!("unknown align `{other}`"),
                            Some("use left, center, right or distribute".into()),
                        ))
                    }
                },
            },
            valign: match raw.valign.as_ref() {
                None => VAlign::Middle,
                Some(a) => match a.get_ref().as_str() {
                    "top" => VAlign::Top,
                    "middle" => VAlign::Middle,
                    "bottom" => VAlign::Bottom,
                    other => {
                        return Err(self.error(
                            a.span(),
                            format!("unknown valign `{other}`"),
                            Some("use top, middle or bottom".into()),
                        ))
                    }
                },
            },
            color: raw
                .color
                .as_ref()
                .map(|c| self.color(c))
                .transpose()?
                .unwrap_or(defaults.color),
            fit: self.fit(raw, size)?,
        })
    }

    fn line_def(&self, raw: &RawElement, defaults: &Defaults) -> Result<LineDef, LayoutError> {
        let from = raw.from.as_ref().expect("required key checked");
        let to = raw.to.as_ref().expect("required key checked");
        Ok(LineDef {
            from: self.end_point(raw, "from", from)?,
            to: self.end_point(raw, "to", to)?,
            width: self.line_width(raw)?,
            color: raw
                .color
                .as_ref()
                .map(|c| self.color(c))
                .transpose()?
                .unwrap_or(defaults.color),
            dash: match &raw.dash {
                Some(dash) => self.dash(raw, dash)?,
                None => Vec::new(),
            },
        })
    }

    fn rect_def(&self, raw: &RawElement, defaults: &Defaults) -> Result<RectDef, LayoutError> {
        let rect = self.placed_box(raw, false)?;
        Ok(RectDef {
            rect,
            stroke_width: self.stroke(raw)?,
            color: raw
                .color
                .as_ref()
                .map(|c| self.color(c))
                .transpose()?
                .unwrap_or(defaults.color),
            fill: raw.fill.as_ref().map(|c| self.color(c)).transpose()?,
            radius: self.radius(raw, rect)?,
        })
    }

    fn image_def(&self, raw: &RawElement) -> Result<ImageDef, LayoutError> {
        let source = raw.source.as_ref().expect("required key checked");
        let source = match source.get_ref().as_str() {
            "seal" => ImageSource::Seal,
            path => {
                let full: PathBuf = self
                    .base
                    .map_or_else(|| PathBuf::from(path), |b| b.join(path));
                let bytes = read_image(&full).map_err(|message| {
                    self.error(
                        source.span(),
                        format!("failed to read image {} ({message})", full.display()),
                        None,
                    )
                })?;
                ImageSource::File(Arc::new(bytes))
            }
        };
        Ok(ImageDef {
            rect: self.placed_box(raw, false)?,
            source,
        })
    }

    fn qr_def(&self, raw: &RawElement) -> Result<QrDef, LayoutError> {
        let value = raw.value.as_ref().expect("required key checked");
        Ok(QrDef {
            rect: self.placed_box(raw, true)?,
            value: self.template(value)?,
            ecc: match raw.ecc.as_ref() {
                None => Ecc::M,
                Some(e) => match e.get_ref().as_str() {
                    "L" => Ecc::L,
                    "M" => Ecc::M,
                    "Q" => Ecc::Q,
                    "H" => Ecc::H,
                    other => {
                        return Err(self.error(
                            e.span(),
                            format!("unknown ecc `{other}`"),
                            Some("use L, M, Q or H".into()),
                        ))
                    }
                },
            },
            quiet_zone: self.quiet_zone(raw)?,
        })
    }

    fn barcode_def(&self, raw: &RawElement) -> Result<BarcodeDef, LayoutError> {
        let size = raw.size.as_ref().map_or(Ok(10.0), |size| {
            let limit = number::Limit::pt(Dimensions::MIN_SIZE, Dimensions::MAX_SIZE);
            let key = Key {
                name: "size",
                id: Some(raw.id.get_ref()),
            };
            self.number(size, key, limit).map_err(|e| LayoutError {
                hint: Some("Japan Post allows 8–11.5 pt; 10 pt is the nominal size".into()),
                ..e
            })
        })?;
        let def = BarcodeDef {
            at: self.corner(raw)?,
            postal: self.template(raw.postal.as_ref().expect("required key checked"))?,
            address: self.template(raw.address.as_ref().expect("required key checked"))?,
            size,
        };
        let r = def.rect();
        if r.x + r.width > self.page.width || r.y + r.height > self.page.height {
            let span = raw.x.as_ref().expect("required key checked").span();
            let message = format!(
                "element `{}` extends past the edge of the page (the barcode is {:.1} × {:.1} mm at this size)",
                raw.id.get_ref(),
                r.width / PT_PER_MM,
                r.height / PT_PER_MM
            );
            return Err(self.error(span, message, None));
        }
        Ok(def)
    }

    /// Japan Post asks for 2 mm of clear space around the barcode (manual p13): no other element's
    /// box may come nearer on the same page.
    fn check_barcode_clearance(
        &self,
        elements: &[(Element, std::ops::Range<usize>)],
    ) -> Result<(), LayoutError> {
        for (barcode, _) in elements {
            let ElementKind::Barcode(def) = barcode.kind() else {
                continue;
            };
            let r = def.rect();
            let clear = Rect {
                x: r.x - mm(2.0),
                y: r.y - mm(2.0),
                width: r.width + mm(4.0),
                height: r.height + mm(4.0),
            };
            for (other, span) in elements {
                if other.id == barcode.id {
                    continue;
                }
                if bounds(other).iter().any(|b| overlaps(b, &clear)) {
                    return Err(self.error(
                        span.clone(),
                        format!("element `{}` is within 2 mm of the customer barcode `{}`", other.id, barcode.id),
                        Some("Japan Post asks for 2 mm of clear space around the barcode: move one of them".into()),
                    ));
                }
            }
        }
        Ok(())
    }

    fn cutline_def(
        &self,
        raw: &RawElement,
        defaults: &Defaults,
    ) -> Result<CutLineDef, LayoutError> {
        let mut line = self.line_def(raw, defaults)?;
        if line.dash.is_empty() {
            line.dash = vec![mm(1.5), mm(1.0)];
        }
        // Checked even without a caption: no number in a layout goes unchecked.
        let size = self.font_size(raw, defaults.size)?;
        let caption = match &raw.caption {
            None => None,
            Some(text) => {
                let font = raw
                    .font
                    .as_ref()
                    .map(|f| self.font(f))
                    .transpose()?
                    .unwrap_or(defaults.font);
                // The caption sits centred just above the line, as wide as the line.
                let lines = text.get_ref().lines().count().max(1) as f32;
                let height = size * 1.25 * lines;
                let (left, right) = (line.from.x.min(line.to.x), line.from.x.max(line.to.x));
                let top = line.from.y - height - mm(0.8);
                if top.is_nan() || top < 0.0 {
                    return Err(self.error(
                        text.span(),
                        format!(
                            "the caption of element `{}` extends past the top edge of the page",
                            raw.id.get_ref()
                        ),
                        Some("move the line down, or shorten the caption or its size".into()),
                    ));
                }
                Some(TextDef {
                    rect: Rect {
                        x: left,
                        y: top,
                        width: right - left,
                        height,
                    },
                    template: self.template(text)?,
                    font,
                    size,
                    align: Align::Center,
                    valign: VAlign::Bottom,
                    color: line.color,
                    fit: Fit {
                        min_h_scale: 1.0,
                        min_size: size,
                        max_lines: lines as u32,
                        leading: 1.25,
                    },
                })
            }
        };
        Ok(CutLineDef {
            line,
            scissors: raw.scissors.unwrap_or(true),
            caption,
        })
    }

    /// A template, whose literal text holds no character that cannot print (line breaks aside:
    /// they break lines).
    fn template(&self, text: &Spanned<String>) -> Result<Template, LayoutError> {
        let refused = text.get_ref().chars().enumerate().find_map(|(i, c)| {
            (c != '\n')
                .then(|| limits::chars::refused(c))
                .flatten()
                .map(|why| (i + 1, c, why))
        });
        if let Some((at, c, why)) = refused {
            let message = format!(
                "the text contains {} U+{:04X} at character {at}",
                why.name(),
                u32::from(c)
            );
            let hint = Some(limits::chars::EDIT_HINT.into());
            return Err(self.error(text.span(), message, hint));
        }
        self.legal
            .expand(text.get_ref(), self.scheme)
            .and_then(|expanded| Template::parse(&expanded))
            .map_err(|TemplateError { message, hint }| self.error(text.span(), message, hint))
    }

    fn conditions(&self, when: &Spanned<OneOrMany>) -> Result<Vec<Condition>, LayoutError> {
        let names = match when.get_ref() {
            OneOrMany::One(n) => vec![n.as_str()],
            OneOrMany::Many(ns) => ns.iter().map(String::as_str).collect(),
        };
        names
            .into_iter()
            .map(|name| {
                let (negate, bare) = match name.strip_prefix('!') {
                    Some(b) => (true, b.trim()),
                    None => (false, name.trim()),
                };
                let field = Field::from_name(bare).ok_or_else(|| {
                    self.error(
                        when.span(),
                        format!("unknown field `{bare}` in `when`"),
                        closest(bare, Field::names()).map(|c| format!("did you mean `{c}`?")),
                    )
                })?;
                Ok(Condition { field, negate })
            })
            .collect()
    }

    fn font(&self, name: &Spanned<String>) -> Result<FontId, LayoutError> {
        FontId::from_name(name.get_ref()).ok_or_else(|| {
            let names: Vec<_> = FontId::ALL.iter().map(|f| f.name()).collect();
            self.error(
                name.span(),
                format!("unknown font `{}`", name.get_ref()),
                Some(format!("fonts are {}", names.join(", "))),
            )
        })
    }

    fn color(&self, text: &Spanned<String>) -> Result<Color, LayoutError> {
        parse_color(text.get_ref()).ok_or_else(|| {
            self.error(
                text.span(),
                format!("invalid colour `{}`", text.get_ref()),
                Some("write colours as #rrggbb".into()),
            )
        })
    }
}

/// Reads a layout's PNG within the image limits and checks that it decodes, so that a bad
/// image stops the run at load, naming the layout line, rather than at the first record.
fn read_image(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = limits::read_capped(path, limits::png::MAX_BYTES).map_err(|e| e.to_string())?;
    limits::png::decode(&bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The boxes an element draws into.
pub(crate) fn bounds(element: &Element) -> Vec<Rect> {
    match &element.kind {
        ElementKind::Text(t) => vec![t.rect],
        ElementKind::Rect(r) => vec![r.rect],
        ElementKind::Image(i) => vec![i.rect],
        ElementKind::Qr(q) => vec![q.rect],
        ElementKind::Barcode(b) => vec![b.rect()],
        ElementKind::Line(l) => vec![line_bounds(l)],
        ElementKind::CutLine(c) => {
            let mut r = vec![line_bounds(&c.line)];
            r.extend(c.caption.as_ref().map(|t| t.rect));
            r
        }
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

fn line_bounds(l: &LineDef) -> Rect {
    let (x, y) = (l.from.x.min(l.to.x), l.from.y.min(l.to.y));
    Rect {
        x,
        y,
        width: (l.from.x - l.to.x).abs(),
        height: (l.from.y - l.to.y).abs(),
    }
}

fn parse_color(text: &str) -> Option<Color> {
    let hex = text
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.is_ascii())?;
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Color(channel(0)?, channel(2)?, channel(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
name = "t"
document = "kakuninsho"
scheme = "kokuho"
width = 85.6
height = 53.98

[[page]]
name = "front"

[[page.element]]
kind = "text"
id = "name"
text = "{name}"
x = 2
y = 2
w = 40
h = 5
"##;

    fn parse(text: &str) -> Result<Layout, LayoutError> {
        Layout::from_toml(text, "t.toml", None)
    }

    #[test]
    fn parses_a_minimal_layout_in_points() {
        let layout = parse(MINIMAL).unwrap();
        assert!((layout.size().width - 242.65).abs() < 0.01);
        let ElementKind::Text(t) = &layout.pages()[0].elements()[0].kind else {
            panic!()
        };
        assert!((t.rect.x - mm(2.0)).abs() < 1e-4);
        assert_eq!(t.font, FontId::Gothic);
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let text = MINIMAL.replace("h = 5", "h = 5\nsise = 6");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, 19);
        assert!(
            err.message.contains("unknown field `sise`"),
            "{}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `size`?"));
    }

    #[test]
    fn unknown_kind_and_field_are_rejected_with_positions() {
        let err = parse(&MINIMAL.replace("kind = \"text\"", "kind = \"txt\"")).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (12, "unknown element kind `txt`")
        );
        let err = parse(&MINIMAL.replace("{name}", "{nmae}")).unwrap_err();
        assert_eq!(err.line, 14);
        assert_eq!(err.hint.as_deref(), Some("did you mean `name`?"));
    }

    #[test]
    fn keys_of_another_kind_and_off_page_elements_are_rejected() {
        let err = parse(&MINIMAL.replace("h = 5", "h = 5\nradius = 1")).unwrap_err();
        assert!(
            err.message
                .contains("`radius` does not apply to a `text` element"),
            "{}",
            err.message
        );
        let err = parse(&MINIMAL.replace("x = 2", "x = 60")).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (17, "element `name` extends past the right edge of the page (`x` + `w` = 100.00 mm, the page is 85.6 mm wide)")
        );
    }

    #[test]
    fn every_number_is_finite_and_in_its_range_or_named_with_its_position() {
        for (from, to, line, message) in [
            (
                "x = 2",
                "x = nan",
                15,
                "`x` of element `name` must be from 0 to 85.6 mm (found NaN)",
            ),
            (
                "w = 40",
                "w = -3",
                17,
                "`w` of element `name` must be from 0.1 to 85.6 mm (found -3)",
            ),
            (
                "h = 5",
                "h = inf",
                18,
                "`h` of element `name` must be from 0.1 to 53.98 mm (found inf)",
            ),
            (
                "width = 85.6",
                "width = -85.6",
                5,
                "`width` must be from 10 to 1200 mm (found -85.6)",
            ),
            (
                "h = 5",
                "h = 5\nsize = 0",
                19,
                "`size` of element `name` must be from 3 to 72 pt (found 0)",
            ),
            (
                "h = 5",
                "h = 5\nfit = { squeeze = nan }",
                19,
                "`fit.squeeze` of element `name` must be from 0.3 to 1 (found NaN)",
            ),
        ] {
            let err = parse(&MINIMAL.replace(from, to)).unwrap_err();
            assert_eq!((err.line, err.message.as_str()), (line, message), "{to}");
        }
    }

    #[test]
    fn dash_patterns_need_a_length_and_no_negative_or_all_zero_entries() {
        let line =
            "\n[[page.element]]\nkind = \"line\"\nid = \"rule\"\nfrom = [2, 10]\nto = [80, 10]\n";
        for (dash, message) in [
            (
                "[0, 0]",
                "`dash` of element `rule` must not be all zeros: such a pattern draws nothing",
            ),
            (
                "[1, -1]",
                "`dash` of element `rule` lengths must be from 0 to 100 mm (found -1)",
            ),
            (
                "[]",
                "`dash` of element `rule` must have 1 to 16 lengths (found 0)",
            ),
        ] {
            let err = parse(&format!("{MINIMAL}{line}dash = {dash}\n")).unwrap_err();
            assert_eq!(err.message, message);
            assert_eq!(err.line, 25);
        }
        assert!(parse(&format!("{MINIMAL}{line}dash = [0, 1]\n")).is_ok());
    }

    #[test]
    fn a_cutline_size_is_checked_even_without_a_caption() {
        let cut = "\n[[page.element]]\nkind = \"cutline\"\nid = \"cut\"\nfrom = [2, 30]\nto = [80, 30]\nsize = nan\n";
        let err = parse(&format!("{MINIMAL}{cut}")).unwrap_err();
        assert_eq!(
            err.message,
            "`size` of element `cut` must be from 3 to 72 pt (found NaN)"
        );
    }

    #[test]
    fn template_text_that_cannot_print_is_refused_but_line_breaks_pass() {
        let err = parse(&MINIMAL.replace("{name}", "氏名\\u200B{name}")).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (
                14,
                "the text contains invisible character U+200B at character 3"
            )
        );
        assert!(parse(&MINIMAL.replace("{name}", "氏名\\n{name}")).is_ok());
    }

    #[test]
    fn broken_toml_names_the_line() {
        let err = parse("name = \"t\"\nwidth = = 3\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    const BARCODE: &str = "\n[[page.element]]\nkind = \"barcode\"\nid = \"cb\"\npostal = \"{postal_code}\"\naddress = \"{address}\"\nx = 2\ny = 20\n";

    #[test]
    fn parses_a_barcode_in_points_with_its_size() {
        let text = MINIMAL
            .replace("width = 85.6", "width = 210")
            .replace("height = 53.98", "height = 297");
        let layout = parse(&format!("{text}{BARCODE}size = 8\n")).unwrap();
        let ElementKind::Barcode(b) = &layout.pages()[0].elements()[1].kind else {
            panic!()
        };
        assert!((b.rect().width - mm(79.8 * 0.8)).abs() < 1e-3);
        assert!((b.rect().y - mm(20.0)).abs() < 1e-4);
        let err = parse(&format!("{text}{BARCODE}size = 12\n")).unwrap_err();
        assert_eq!(
            err.message,
            "`size` of element `cb` must be from 8 to 11.5 pt (found 12)"
        );
        let err = parse(&format!("{text}{BARCODE}ecc = \"M\"\n")).unwrap_err();
        assert!(
            err.message
                .contains("`ecc` does not apply to a `barcode` element"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_element_within_2mm_of_a_barcode_is_rejected() {
        let text = MINIMAL
            .replace("width = 85.6", "width = 210")
            .replace("height = 53.98", "height = 297");
        // The name box ends at y = 7 mm: a barcode at 9 mm is exactly 2 mm clear, at 8.9 mm it is not.
        assert!(parse(&format!("{text}{}", BARCODE.replace("y = 20", "y = 9"))).is_ok());
        let err = parse(&format!("{text}{}", BARCODE.replace("y = 20", "y = 8.9"))).unwrap_err();
        assert_eq!(
            err.message,
            "element `name` is within 2 mm of the customer barcode `cb`"
        );
        assert_eq!(err.line, 11);
    }

    #[test]
    fn bundled_layouts_parse() {
        for name in bundled_names() {
            Layout::load(name).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
