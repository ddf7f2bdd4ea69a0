//! Display lists → PNG, for previews that match the printed PDF.
//!
//! Rasterizes the same display list the PDF backend writes, with tiny-skia (the
//! rasterizer of resvg and typst-render): glyphs are drawn from their outlines by
//! glyph id, so variant glyphs (IVS) look exactly as in the PDF, and shapes use the
//! PDF's rules (nonzero fill, butt caps, miter joins with limit 10). The page's
//! background layer is drawn first, then its items, as the PDF's `Do` and content do.

mod image;
mod shape;
mod text;

use ::image::codecs::png::PngEncoder;
use ::image::{ImageEncoder, RgbImage};
use tiny_skia::{Pixmap, Transform};

use crate::display::{Color, Document, Item, ItemKind, Page, Size};

/// Options for PNG output.
#[derive(Debug, Clone)]
pub struct PngOptions {
    /// Pixels per inch (default 150, enough for a screen preview). Raise it for
    /// print checks; the pixel count grows with its square.
    pub dpi: f32,
    /// The colour behind everything (default white, like paper).
    pub background: Color,
}

impl Default for PngOptions {
    fn default() -> PngOptions {
        PngOptions {
            dpi: 150.0,
            background: Color(255, 255, 255),
        }
    }
}

/// Occurs when a page cannot be rasterized or encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum PngError {
    /// Occurs when the document has no page with the requested index.
    NoSuchPage {
        /// The requested 0-based index.
        index: usize,
        /// How many pages the document has.
        count: usize,
    },
    /// Occurs when the page at this dpi has no pixels or more than [`MAX_PIXELS`].
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Occurs when the PNG encoder fails.
    Encode(String),
}

impl std::fmt::Display for PngError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            PngError::NoSuchPage { index, count } => {
                write!(
                    f,
                    "failed to render page {} (the document has {count} pages)",
                    index + 1
                )
            }
            PngError::Size { width, height } => {
                write!(f, "failed to allocate a {width}×{height} pixel image (empty, or over {MAX_PIXELS} pixels)")
            }
            PngError::Encode(e) => write!(f, "failed to encode the PNG ({e})"),
        }
    }
}

impl std::error::Error for PngError {}

/// The most pixels a page may have: 1 GiB while drawing, room for A4 at 1200 dpi
/// (139 million). A larger request is a mistake, better refused than swapped.
pub const MAX_PIXELS: u64 = 1 << 28;

/// Export a page into a raster image.
pub fn render_page(page: &Page, options: &PngOptions) -> Result<RgbImage, PngError> {
    let (width, height) = pixel_size(page.size, options.dpi);
    let error = PngError::Size { width, height };
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(error);
    }
    let mut pixmap = Pixmap::new(width, height).ok_or(error)?;
    let Color(r, g, b) = options.background;
    pixmap.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
    let mut canvas = Canvas {
        pixmap,
        transform: Transform::from_scale(options.dpi / 72.0, options.dpi / 72.0),
        glyphs: text::GlyphCache::default(),
    };
    canvas.items(&page.background.items);
    canvas.items(&page.items);
    Ok(to_rgb(&canvas.pixmap))
}

/// Export one page of a document into PNG bytes.
pub fn png(
    document: &Document,
    page_index: usize,
    options: &PngOptions,
) -> Result<Vec<u8>, PngError> {
    let count = document.pages.len();
    let page = document.pages.get(page_index).ok_or(PngError::NoSuchPage {
        index: page_index,
        count,
    })?;
    let image = render_page(page, options)?;
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ::image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| PngError::Encode(e.to_string()))?;
    Ok(bytes)
}

/// The page size in pixels, rounded up as pdftoppm does, so that previews and
/// `pdftoppm -r` images of the PDF can be compared pixel for pixel.
fn pixel_size(size: Size, dpi: f32) -> (u32, u32) {
    let px = |pt: f32| (pt * dpi / 72.0).ceil() as u32;
    (px(size.width), px(size.height))
}

/// The pixels being drawn, with what drawing one item needs.
struct Canvas {
    pixmap: Pixmap,
    /// Points → pixels.
    transform: Transform,
    glyphs: text::GlyphCache,
}

impl Canvas {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::Text(run) => text::render_text(self, run),
                ItemKind::Path(path) => shape::render_path(self, path),
                ItemKind::Image(image) => image::render_image(self, image),
                ItemKind::Placed(placed) => self.placed(placed),
            }
        }
    }

    /// A page placed on another (a card on a sheet): its layer and items in its own
    /// coordinates, moved to where it lands and, for short-edge backs, turned.
    fn placed(&mut self, placed: &crate::display::Placed) {
        let outer = self.transform;
        let size = placed.layer.size;
        let mut inner = outer.pre_translate(placed.at.x, placed.at.y);
        if placed.turned {
            inner = inner
                .pre_translate(size.width, size.height)
                .pre_scale(-1.0, -1.0);
        }
        self.transform = inner;
        self.items(&placed.layer.items);
        self.items(&placed.items);
        self.transform = outer;
    }
}

/// The background is opaque, so every pixel is too and premultiplied RGBA is plain RGB.
fn to_rgb(pixmap: &Pixmap) -> RgbImage {
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    RgbImage::from_raw(pixmap.width(), pixmap.height(), rgb)
        .expect("the buffer holds width × height pixels")
}

/// The paint for a solid colour, anti-aliased.
fn paint(color: Color) -> tiny_skia::Paint<'static> {
    let Color(r, g, b) = color;
    let mut paint = tiny_skia::Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    paint.anti_alias = true;
    paint
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::display::{Layer, Path, PathOp, Rect};

    /// A page of `size` points holding `items`, on an empty background.
    pub fn page(size: Size, items: Vec<ItemKind>) -> Page {
        Page {
            size,
            background: Arc::new(Layer {
                key: "test".into(),
                size,
                items: Vec::new(),
            }),
            items: items
                .into_iter()
                .map(|kind| Item {
                    element: "test".into(),
                    kind,
                })
                .collect(),
            bleed: 0.0,
        }
    }

    /// Renders at 72 dpi, where one point is one pixel.
    pub fn render(page: &Page) -> RgbImage {
        render_page(
            page,
            &PngOptions {
                dpi: 72.0,
                ..PngOptions::default()
            },
        )
        .unwrap()
    }

    pub fn rect(x: f32, y: f32, width: f32, height: f32, fill: Color) -> ItemKind {
        ItemKind::Path(Path {
            ops: vec![PathOp::Rect(Rect {
                x,
                y,
                width,
                height,
            })],
            fill: Some(fill),
            stroke: None,
        })
    }

    const SIZE: Size = Size {
        width: 40.0,
        height: 30.0,
    };

    #[test]
    fn size_rounds_up_like_pdftoppm() {
        // A4 at 150 dpi is 1240.17 × 1753.94 px.
        assert_eq!(
            pixel_size(
                Size {
                    width: 595.28,
                    height: 841.89
                },
                150.0
            ),
            (1241, 1754)
        );
    }

    #[test]
    fn draws_the_background_layer_under_the_items() {
        let mut page = page(SIZE, vec![rect(0.0, 0.0, 10.0, 10.0, Color(255, 0, 0))]);
        let below = Item {
            element: "bg".into(),
            kind: rect(0.0, 0.0, 20.0, 20.0, Color(0, 0, 255)),
        };
        page.background = Arc::new(Layer {
            key: "bg".into(),
            size: SIZE,
            items: vec![below],
        });
        let img = render(&page);
        assert_eq!(img.get_pixel(5, 5).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(15, 15).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(25, 25).0, [255, 255, 255]);
    }

    #[test]
    fn scales_with_dpi() {
        let page = page(SIZE, vec![rect(10.0, 10.0, 10.0, 10.0, Color::BLACK)]);
        let img = render_page(
            &page,
            &PngOptions {
                dpi: 144.0,
                ..PngOptions::default()
            },
        )
        .unwrap();
        assert_eq!(img.dimensions(), (80, 60));
        assert_eq!(img.get_pixel(20, 20).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(39, 39).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(40, 40).0, [255, 255, 255]);
    }

    #[test]
    fn encodes_identical_bytes_twice() {
        let page = page(SIZE, vec![rect(3.3, 4.7, 12.1, 9.9, Color(10, 120, 200))]);
        let document = Document { pages: vec![page] };
        let options = PngOptions::default();
        let (a, b) = (
            png(&document, 0, &options).unwrap(),
            png(&document, 0, &options).unwrap(),
        );
        assert!(a.starts_with(b"\x89PNG"));
        assert_eq!(a, b);
    }

    #[test]
    fn reports_a_missing_page() {
        let err = png(&Document { pages: vec![] }, 0, &PngOptions::default()).unwrap_err();
        assert_eq!(err, PngError::NoSuchPage { index: 0, count: 0 });
        assert_eq!(
            err.to_string(),
            "failed to render page 1 (the document has 0 pages)"
        );
    }

    #[test]
    fn refuses_a_canvas_over_the_limit() {
        let page = page(SIZE, vec![]);
        let err = render_page(
            &page,
            &PngOptions {
                dpi: 100_000.0,
                ..PngOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            PngError::Size {
                width: 55556,
                height: 41667
            }
        );
    }

    #[test]
    fn reports_an_empty_canvas() {
        let page = page(SIZE, vec![]);
        let err = render_page(
            &page,
            &PngOptions {
                dpi: 0.0,
                ..PngOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            PngError::Size {
                width: 0,
                height: 0
            }
        );
    }
}
