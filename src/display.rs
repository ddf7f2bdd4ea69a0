//! The display list: positioned glyphs, paths and images, in points, ready for any backend.
//!
//! Coordinates have their origin at the top-left corner of the page, y pointing
//! down, as designers measure a form. Backends never see layouts or records:
//! everything they need (glyph ids, fonts, sizes, colours) is here.

mod finite;

use std::sync::Arc;

pub use finite::first_non_finite;

use crate::font::FontId;

/// A filled document for one record: one or more pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The pages, in print order.
    pub pages: Vec<Page>,
}

/// One page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Page size in points.
    pub size: Size,
    /// What every record's page of this layout shares (labels, rules, issuer data):
    /// drawn first, and written once per PDF file.
    pub background: Arc<Layer>,
    /// What belongs to this record, drawn over the background.
    pub items: Vec<Item>,
    /// How far, in points, the page's printed area reaches past its trim on every side (the bleed,
    /// 塗り足し): the trim is `size` at the origin, the paper `size` grown by `bleed` all round.
    /// 0 for pages printed at their finished size.
    pub bleed: f32,
}

/// A group of items shared between pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Identifies the layer among those of one run (layout name, page and the issuer's insurer
    /// number).
    pub key: String,
    /// The size of the pages it is drawn on.
    pub size: Size,
    /// The items, in drawing order.
    pub items: Vec<Item>,
}

/// A drawable thing with the layout element it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The layout element's id, so that diffs and errors can name it.
    pub element: Arc<str>,
    /// What to draw.
    pub kind: ItemKind,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// A line of text.
    Text(TextRun),
    /// A stroked and/or filled path.
    Path(Path),
    /// A raster image scaled into a rectangle.
    Image(Image),
    /// A whole page drawn onto this one, such as a card on a print sheet.
    Placed(Placed),
}

/// A page drawn onto a larger one: its background layer and its own items, in its own coordinates,
/// moved and possibly turned. Nesting the items, rather than moving each, lets a backend draw the
/// shared layer once per file and turn text half round, which a [`TextRun`] cannot express.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The placed page's shared background, drawn first; its size is the placed page's size.
    pub layer: Arc<Layer>,
    /// The placed page's own items, in its coordinates.
    pub items: Vec<Item>,
    /// Where the placed page's top-left corner lands, before turning.
    pub at: Point,
    /// Turned 180° within the same footprint (duplex backs on a short-edge flip).
    pub turned: bool,
}

impl Placed {
    /// The rectangle the placed page covers.
    pub fn rect(&self) -> Rect {
        Rect {
            x: self.at.x,
            y: self.at.y,
            width: self.layer.size.width,
            height: self.layer.size.height,
        }
    }
}

/// The element id of the page colour rectangle that a layout's `background` draws first on its
/// page's layer: imposition extends that colour into the bleed.
pub const PAGE_BACKGROUND: &str = "page-background";

/// A width and a height in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// A point, in points from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Rightwards.
    pub x: f32,
    /// Downwards.
    pub y: f32,
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// An RGB colour, each channel 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    /// Black, the default for text and rules.
    pub const BLACK: Color = Color(0, 0, 0);
}

/// One line of text in one font and size.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// The font.
    pub font: FontId,
    /// The font size in points.
    pub size: f32,
    /// Horizontal scaling (長体): 1.0 is normal, 0.8 squeezes to 80%.
    pub h_scale: f32,
    /// Extra space after each glyph in points, before scaling (均等割付).
    pub spacing: f32,
    /// Where the baseline starts.
    pub origin: Point,
    /// The glyphs, with advances as fractions of the em.
    pub glyphs: Vec<crate::font::Glyph>,
    /// The text the glyphs' clusters point into (for copy and search in the PDF).
    pub text: String,
    /// Fill colour.
    pub color: Color,
}

impl TextRun {
    /// The advance of glyph `i` in points, with spacing and scaling applied.
    pub fn advance(&self, i: usize) -> f32 {
        (self.glyphs[i].advance * self.size + self.spacing) * self.h_scale
    }

    /// The width of the run in points.
    pub fn width(&self) -> f32 {
        (0..self.glyphs.len()).map(|i| self.advance(i)).sum()
    }
}

/// A path made of straight segments and rectangles.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The segments.
    pub ops: Vec<PathOp>,
    /// Fill colour, if filled.
    pub fill: Option<Color>,
    /// Stroke, if stroked.
    pub stroke: Option<Stroke>,
}

/// One path segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathOp {
    /// Start a new subpath.
    Move(Point),
    /// A straight line from the current point.
    Line(Point),
    /// A cubic Bézier curve: two control points and the end point.
    Cubic(Point, Point, Point),
    /// Close the current subpath.
    Close,
    /// A whole rectangle as its own subpath.
    Rect(Rect),
}

/// How a path is stroked.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    /// Line width in points.
    pub width: f32,
    /// Colour.
    pub color: Color,
    /// Dash pattern in points (on, off, …); empty for a solid line.
    pub dash: Vec<f32>,
}

/// A raster image placed in a rectangle.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// The pixels, shared by every page that shows them.
    pub data: Arc<Raster>,
    /// Where it goes.
    pub rect: Rect,
}

/// Decoded pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Identifies equal images (a content hash), so a file embeds each once.
    pub key: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 8-bit RGB, row by row.
    pub rgb: Vec<u8>,
    /// 8-bit alpha, if the image is not opaque.
    pub alpha: Option<Vec<u8>>,
}
