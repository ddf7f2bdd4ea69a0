//! Layouts: one TOML file per document, parsed into a validated [`Layout`] in points.
//!
//! Designers measure forms in millimetres from the top-left corner, and type in
//! points; the parser converts every length to points once, resolves font names
//! and value references, and rejects anything it does not know with the file,
//! line and column, so that a typo never silently drops a field from a card.
//! The format is documented in docs/layout.md.

mod catalog;
mod field;
mod legal;
pub(crate) mod number;
mod parse;
mod template;

use std::sync::Arc;

pub use catalog::Catalog;
pub use field::{Field, FieldType, Format};
pub use legal::LegalText;
pub(crate) use parse::bounds;
pub(crate) use parse::unknown_key_hint;
pub use parse::{bundled_names, bundled_source, LayoutError};
pub(crate) use template::closest;
pub use template::{Piece, Template};

use crate::display::{Color, Point, Rect, Size};
use crate::eligibility::Document;
use crate::font::FontId;
use crate::record::Scheme;

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Millimetres to points.
pub fn mm(value: f32) -> f32 {
    value * PT_PER_MM
}

/// A validated layout.
#[derive(Debug, Clone)]
pub struct Layout {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) kind: LayoutKind,
    pub(crate) scheme: Scheme,
    pub(crate) size: Size,
    pub(crate) pages: Vec<PageDef>,
}

impl Layout {
    /// The layout's name, e.g. `kokuho-kakuninsho`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document title, written into PDF metadata.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// What it prints.
    pub fn kind(&self) -> LayoutKind {
        self.kind
    }

    /// The member's document it prints; `None` for the sheets that travel with one (台紙, 送付状).
    pub fn document(&self) -> Option<Document> {
        self.kind.document()
    }

    /// Which scheme it serves.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The page size in points.
    pub fn size(&self) -> Size {
        self.size
    }

    /// The pages.
    pub fn pages(&self) -> &[PageDef] {
        &self.pages
    }
}

/// What a layout prints: one of the member's two documents, or a sheet that goes with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayoutKind {
    /// 資格確認書, the card.
    Kakuninsho,
    /// 資格情報のお知らせ, the A4 notice.
    Oshirase,
    /// 台紙: the carrier sheet a card is mounted on (`--impose carrier`).
    Daishi,
    /// 送付状: the cover letter on top of each envelope, listing what is inside.
    Soufujo,
}

impl LayoutKind {
    /// Every kind, in the order of the `document` key's documentation.
    pub const ALL: [LayoutKind; 4] = [
        LayoutKind::Kakuninsho,
        LayoutKind::Oshirase,
        LayoutKind::Daishi,
        LayoutKind::Soufujo,
    ];

    /// The name used in layouts' `document` key, issuer profiles and bundled layout names.
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutKind::Kakuninsho => "kakuninsho",
            LayoutKind::Oshirase => "oshirase",
            LayoutKind::Daishi => "daishi",
            LayoutKind::Soufujo => "soufujo",
        }
    }

    /// The kind that prints a member's document.
    pub fn of(document: Document) -> LayoutKind {
        match document {
            Document::Kakuninsho => LayoutKind::Kakuninsho,
            Document::Oshirase => LayoutKind::Oshirase,
        }
    }

    /// The member's document this kind prints, if it prints one.
    pub fn document(self) -> Option<Document> {
        match self {
            LayoutKind::Kakuninsho => Some(Document::Kakuninsho),
            LayoutKind::Oshirase => Some(Document::Oshirase),
            LayoutKind::Daishi | LayoutKind::Soufujo => None,
        }
    }
}

/// One page of a layout (a card has a front and a back).
#[derive(Debug, Clone)]
pub struct PageDef {
    pub(crate) name: String,
    pub(crate) background: Option<Color>,
    pub(crate) elements: Vec<Element>,
}

impl PageDef {
    /// The page's name, e.g. `front`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The elements in drawing order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }
}

/// One element of a page.
#[derive(Debug, Clone)]
pub struct Element {
    pub(crate) id: Arc<str>,
    pub(crate) when: Vec<Condition>,
    pub(crate) kind: ElementKind,
}

impl Element {
    /// The element's id, unique within its layout.
    pub fn id(&self) -> &Arc<str> {
        &self.id
    }

    /// What the element draws.
    pub fn kind(&self) -> &ElementKind {
        &self.kind
    }

    /// The conditions that must all hold for the element to be drawn.
    pub fn when(&self) -> &[Condition] {
        &self.when
    }

    /// Whether the element looks the same on every record's page: it depends
    /// on the issuer profile at most.
    pub fn is_static(&self) -> bool {
        self.when.iter().all(|c| c.field.is_issuer())
            && match &self.kind {
                ElementKind::Text(t) => t.template.is_static(),
                ElementKind::Qr(q) => q.value.is_static(),
                ElementKind::Barcode(b) => b.postal.is_static() && b.address.is_static(),
                ElementKind::CutLine(c) => {
                    c.caption.as_ref().map_or(true, |t| t.template.is_static())
                }
                ElementKind::Line(_) | ElementKind::Rect(_) | ElementKind::Image(_) => true,
            }
    }
}

/// A condition on a value: it holds when the value is set (non-empty, true), or the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// The value tested.
    pub field: Field,
    /// Holds when the value is *not* set (`!name`).
    pub negate: bool,
}

/// What an element draws.
#[derive(Debug, Clone)]
pub enum ElementKind {
    /// Text, static or filled from values, fitted into a box.
    Text(TextDef),
    /// A straight line.
    Line(LineDef),
    /// A rectangle, stroked and/or filled.
    Rect(RectDef),
    /// An image, such as the issuer's seal.
    Image(ImageDef),
    /// A QR code drawn as vector squares.
    Qr(QrDef),
    /// A dashed cut line with a scissors mark and a caption.
    CutLine(CutLineDef),
    /// A Japan Post customer barcode (カスタマバーコード) drawn as vector bars.
    Barcode(BarcodeDef),
}

/// Horizontal alignment of text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
    /// 均等割付: characters spread over the whole width (labels such as 氏　　名).
    Distribute,
}

/// Vertical alignment of text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    /// At the top.
    Top,
    /// Centred.
    Middle,
    /// At the bottom.
    Bottom,
}

/// How text that does not fit its box is made to fit, in the order Japanese forms
/// do it: squeeze (長体), then shrink, then wrap. What still does not fit is an error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The narrowest horizontal scale allowed (1.0: no squeezing).
    pub min_h_scale: f32,
    /// The smallest font size allowed, in points.
    pub min_size: f32,
    /// The most lines the text may wrap to.
    pub max_lines: u32,
    /// Distance between baselines as a multiple of the font size.
    pub leading: f32,
}

/// A text element.
#[derive(Debug, Clone)]
pub struct TextDef {
    pub(crate) rect: Rect,
    pub(crate) template: Template,
    pub(crate) font: FontId,
    pub(crate) size: f32,
    pub(crate) align: Align,
    pub(crate) valign: VAlign,
    pub(crate) color: Color,
    pub(crate) fit: Fit,
}

/// A line element.
#[derive(Debug, Clone)]
pub struct LineDef {
    pub(crate) from: Point,
    pub(crate) to: Point,
    pub(crate) width: f32,
    pub(crate) color: Color,
    pub(crate) dash: Vec<f32>,
}

/// A rectangle element.
#[derive(Debug, Clone)]
pub struct RectDef {
    pub(crate) rect: Rect,
    pub(crate) stroke_width: f32,
    pub(crate) color: Color,
    pub(crate) fill: Option<Color>,
    pub(crate) radius: f32,
}

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// The issuer profile's seal (印); drawn only when the profile has one.
    Seal,
    /// A PNG file shipped with the layout, read when the layout is loaded.
    File(Arc<Vec<u8>>),
}

/// An image element.
#[derive(Debug, Clone)]
pub struct ImageDef {
    pub(crate) rect: Rect,
    pub(crate) source: ImageSource,
}

/// QR code error correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecc {
    /// ~7% recovery.
    L,
    /// ~15% recovery: the default.
    M,
    /// ~25% recovery.
    Q,
    /// ~30% recovery.
    H,
}

/// A QR code element.
#[derive(Debug, Clone)]
pub struct QrDef {
    pub(crate) rect: Rect,
    pub(crate) value: Template,
    pub(crate) ecc: Ecc,
    pub(crate) quiet_zone: u32,
}

/// A customer barcode element: postal code and address in, 67 bars out (see [`crate::barcode`]).
#[derive(Debug, Clone)]
pub struct BarcodeDef {
    pub(crate) at: Point,
    pub(crate) postal: Template,
    pub(crate) address: Template,
    pub(crate) size: f32,
}

impl BarcodeDef {
    /// The barcode's top-left corner in points.
    pub fn at(&self) -> Point {
        self.at
    }

    /// The size in points (8–11.5; 10 is nominal), which scales every bar.
    pub fn size(&self) -> f32 {
        self.size
    }

    /// The box the bars fill, in points.
    pub fn rect(&self) -> Rect {
        let d = crate::barcode::Dimensions::at(self.size);
        Rect {
            x: self.at.x,
            y: self.at.y,
            width: mm(d.total_width()),
            height: mm(d.long),
        }
    }
}

/// A cut line element.
#[derive(Debug, Clone)]
pub struct CutLineDef {
    pub(crate) line: LineDef,
    pub(crate) scissors: bool,
    pub(crate) caption: Option<TextDef>,
}
