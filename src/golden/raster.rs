//! Golden and new PDFs rasterized by one real PDF rasterizer, and their pixels compared.
//!
//! Both sides go through poppler's `pdftoppm` (docs/decisions.md, "Rasterizing
//! golden PDFs"): comparing a pdftoppm image of the golden PDF with our own PNG
//! backend's image of the new display list would show every anti-aliasing
//! difference between two rasterizers as a change. The rasterizer's version does
//! not matter for the same reason: both sides are rasterized now, by the same one.

use std::io::Write;
use std::process::{Command, Stdio};

use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, RgbImage};

use super::diff::MmRect;

/// Pixels per inch of the comparison (and of the report's images): a card is
/// 506×319 pixels, an A4 notice 1241×1754. One pixel is 0.17 mm, so a 0.1 mm move
/// still changes the anti-aliased edge pixels.
pub const COMPARE_DPI: f32 = 150.0;

/// The largest difference in any of R, G, B (0–255) that still counts as the same
/// pixel. pdftoppm is deterministic, so this only absorbs anti-aliasing noise from
/// coordinates that moved by far less than a pixel; a real change of a glyph or a
/// rule changes its edge pixels by far more.
pub const CHANNEL_TOLERANCE: u8 = 8;

/// Masks are widened by this many pixels on every side, for the anti-aliased edge
/// and the half of a stroke's width that the dump's path bounds leave out.
const MASK_MARGIN_PX: f32 = 2.0;

/// Rasterizes every page of a PDF with `pdftoppm -r DPI`, reading the PDF from a
/// pipe and the pages back as PPM (PNG encoding would take pdftoppm longer than the
/// rendering does).
pub fn rasterize(pdf: &[u8], dpi: f32) -> Result<Vec<RgbImage>, String> {
    let mut child = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("failed to run pdftoppm ({e})\n  hint: install poppler-utils (apt-get install poppler-utils), or run scripts/test.sh"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = pdf.to_vec();
    // Written from another thread: pdftoppm may fill its output pipe before it has
    // read all of its input.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("failed to run pdftoppm ({e})"))?;
    let written = writer.join().expect("the writer thread does not panic");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "failed to rasterize a PDF (pdftoppm: {})",
            stderr.trim()
        ));
    }
    written.map_err(|e| format!("failed to pass a PDF to pdftoppm ({e})"))?;
    parse_ppms(&output.stdout)
}

/// Reads concatenated binary PPM (P6, maxval 255) images.
fn parse_ppms(mut bytes: &[u8]) -> Result<Vec<RgbImage>, String> {
    let bad = |why: &str| format!("failed to read pdftoppm's output ({why})");
    let mut images = Vec::new();
    while !bytes.is_empty() {
        let mut fields = Vec::new();
        let mut at = 0;
        // Magic, width, height, maxval: whitespace-separated, `#` comments to the line end.
        while fields.len() < 4 {
            while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'#') {
                if bytes[at] == b'#' {
                    while at < bytes.len() && bytes[at] != b'\n' {
                        at += 1;
                    }
                } else {
                    at += 1;
                }
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return Err(bad("truncated header"));
            }
            fields.push(
                std::str::from_utf8(&bytes[start..at]).map_err(|_| bad("header is not text"))?,
            );
        }
        if fields[0] != "P6" || fields[3] != "255" {
            return Err(bad("not an 8-bit P6 image"));
        }
        let number = |s: &str| s.parse::<u32>().map_err(|_| bad("bad size"));
        let (width, height) = (number(fields[1])?, number(fields[2])?);
        let len = width as usize * height as usize * 3;
        let data = bytes
            .get(at + 1..at + 1 + len)
            .ok_or_else(|| bad("truncated pixels"))?;
        images.push(
            RgbImage::from_raw(width, height, data.to_vec())
                .expect("the slice holds width × height pixels"),
        );
        bytes = &bytes[at + 1 + len..];
    }
    Ok(images)
}

/// A rectangle in pixels: left, top, right, bottom (exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelRect(pub u32, pub u32, pub u32, pub u32);

impl PixelRect {
    /// A box in mm at `dpi`, widened by the mask margin.
    pub fn from_mm(rect: MmRect, dpi: f32) -> PixelRect {
        let px = |mm: f32| mm * dpi / 25.4;
        let edge = |v: f32| v.max(0.0) as u32;
        PixelRect(
            edge((px(rect.x) - MASK_MARGIN_PX).floor()),
            edge((px(rect.y) - MASK_MARGIN_PX).floor()),
            edge((px(rect.x + rect.width) + MASK_MARGIN_PX).ceil()),
            edge((px(rect.y + rect.height) + MASK_MARGIN_PX).ceil()),
        )
    }

    fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.0 && x < self.2 && y >= self.1 && y < self.3
    }
}

/// One page of the golden and the new rendering, compared.
pub struct PageDiff {
    /// 1-based page number.
    pub page: usize,
    /// The golden PDF's page, if it has this page.
    pub golden: Option<RgbImage>,
    /// The new PDF's page, if it has this page.
    pub new: Option<RgbImage>,
    /// Changed pixels red, masked ones blue, the rest faded grey.
    pub diff: RgbImage,
    /// Pixels that differ by more than [`CHANNEL_TOLERANCE`] outside the masks.
    pub changed: u64,
    /// Pixels inside the masks (ignored elements), whatever they show.
    pub masked: u64,
}

impl std::fmt::Debug for PageDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("PageDiff")
            .field("page", &self.page)
            .field("changed", &self.changed)
            .field("masked", &self.masked)
            .finish()
    }
}

/// Compares two renderings of a page pixel by pixel, except inside `masks`. Pages of
/// different sizes are compared on the larger one, missing pixels as white paper.
pub fn compare(
    page: usize,
    golden: Option<RgbImage>,
    new: Option<RgbImage>,
    masks: &[PixelRect],
) -> PageDiff {
    let dims = |i: &Option<RgbImage>| i.as_ref().map_or((0, 0), |i| i.dimensions());
    let ((gw, gh), (nw, nh)) = (dims(&golden), dims(&new));
    let (width, height) = (gw.max(nw), gh.max(nh));
    let white = Rgb([255, 255, 255]);
    let at = |img: &Option<RgbImage>, x: u32, y: u32| match img {
        Some(i) if x < i.width() && y < i.height() => *i.get_pixel(x, y),
        _ => white,
    };
    let mut diff = RgbImage::new(width, height);
    let (mut changed, mut masked) = (0, 0);
    for y in 0..height {
        for x in 0..width {
            let (a, b) = (at(&golden, x, y), at(&new, x, y));
            let grey = |p: Rgb<u8>| {
                let luma =
                    (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
                (192 + luma / 4) as u8
            };
            let pixel = if masks.iter().any(|m| m.contains(x, y)) {
                masked += 1;
                let g = grey(b);
                Rgb([g / 2 + 40, g / 2 + 70, 255])
            } else if (0..3).any(|c| a[c].abs_diff(b[c]) > CHANNEL_TOLERANCE) {
                changed += 1;
                Rgb([230, 0, 0])
            } else {
                let g = grey(b);
                Rgb([g, g, g])
            };
            diff.put_pixel(x, y, pixel);
        }
    }
    PageDiff {
        page,
        golden,
        new,
        diff,
        changed,
        masked,
    }
}

/// Encodes an image as PNG.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| format!("failed to encode a PNG ({e})"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(width: u32, height: u32) -> RgbImage {
        RgbImage::from_pixel(width, height, Rgb([255, 255, 255]))
    }

    #[test]
    fn reads_concatenated_ppms() {
        let mut bytes = b"P6\n2 1\n255\n".to_vec();
        bytes.extend([1, 2, 3, 4, 5, 6]);
        bytes.extend(b"P6 # comment\n1 1 255\n");
        bytes.extend([7, 8, 9]);
        let images = parse_ppms(&bytes).unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[0].get_pixel(1, 0).0, [4, 5, 6]);
        assert_eq!(images[1].get_pixel(0, 0).0, [7, 8, 9]);
        assert!(parse_ppms(b"P6\n2 2\n255\n\x00")
            .unwrap_err()
            .contains("truncated pixels"));
    }

    #[test]
    fn counts_pixels_beyond_the_tolerance() {
        let golden = blank(4, 3);
        let mut new = blank(4, 3);
        new.put_pixel(0, 0, Rgb([255 - CHANNEL_TOLERANCE, 255, 255]));
        new.put_pixel(1, 1, Rgb([255 - CHANNEL_TOLERANCE - 1, 255, 255]));
        let d = compare(1, Some(golden), Some(new), &[]);
        assert_eq!((d.changed, d.masked), (1, 0));
        assert_eq!(d.diff.get_pixel(1, 1).0, [230, 0, 0]);
        assert_eq!(
            d.diff.get_pixel(0, 0).0,
            [255, 255, 255],
            "unchanged white stays white"
        );
    }

    #[test]
    fn masks_hide_changes() {
        let golden = blank(10, 10);
        let mut new = blank(10, 10);
        new.put_pixel(5, 5, Rgb([0, 0, 0]));
        let d = compare(1, Some(golden), Some(new), &[PixelRect(4, 4, 7, 7)]);
        assert_eq!((d.changed, d.masked), (0, 9));
    }

    #[test]
    fn a_missing_page_is_all_changed_where_the_other_has_ink() {
        let mut new = blank(3, 2);
        new.put_pixel(0, 0, Rgb([0, 0, 0]));
        new.put_pixel(2, 1, Rgb([0, 0, 0]));
        let d = compare(2, None, Some(new), &[]);
        assert_eq!(d.changed, 2);
        assert_eq!(d.diff.dimensions(), (3, 2));
    }

    #[test]
    fn mask_rects_cover_the_box_and_a_margin() {
        // 25.4 mm at 150 dpi is 150 px.
        let r = PixelRect::from_mm(
            MmRect {
                x: 0.0,
                y: 25.4,
                width: 25.4,
                height: 1.0,
            },
            150.0,
        );
        assert_eq!(r, PixelRect(0, 148, 152, 158));
    }
}
