//! Raster images, scaled into their rectangle with bicubic filtering.

use tiny_skia::{ColorU8, FilterQuality, Paint, Pattern, Pixmap, SpreadMode, Transform};

use super::Canvas;
use crate::display::{Image, Raster};

/// Draws the image stretched over its rectangle, as the PDF's unit-square `Do` is.
pub fn render_image(canvas: &mut Canvas, image: &Image) {
    let Some(pixmap) = pixmap(&image.data) else {
        return;
    };
    let (width, height) = (pixmap.width() as f32, pixmap.height() as f32);
    let Some(bounds) = tiny_skia::Rect::from_xywh(0.0, 0.0, width, height) else {
        return;
    };
    let r = image.rect;
    let transform = canvas
        .transform
        .pre_translate(r.x, r.y)
        .pre_scale(r.width / width, r.height / height);
    // Pad: edge pixels extend rather than blending with transparency, so the
    // image's border stays as sharp as the rectangle's anti-aliased edge.
    let shader = Pattern::new(
        pixmap.as_ref(),
        SpreadMode::Pad,
        FilterQuality::Bicubic,
        1.0,
        Transform::identity(),
    );
    let paint = Paint {
        shader,
        anti_alias: true,
        ..Paint::default()
    };
    canvas.pixmap.fill_rect(bounds, &paint, transform, None);
}

/// The raster as premultiplied RGBA; `None` when it is empty or its buffers
/// disagree with its size.
fn pixmap(raster: &Raster) -> Option<Pixmap> {
    let count = raster.width as usize * raster.height as usize;
    if raster.rgb.len() != count * 3 || raster.alpha.as_ref().is_some_and(|a| a.len() != count) {
        return None;
    }
    let mut pixmap = Pixmap::new(raster.width, raster.height)?;
    for (i, (px, rgb)) in pixmap
        .pixels_mut()
        .iter_mut()
        .zip(raster.rgb.chunks_exact(3))
        .enumerate()
    {
        let alpha = raster.alpha.as_ref().map_or(255, |a| a[i]);
        *px = ColorU8::from_rgba(rgb[0], rgb[1], rgb[2], alpha).premultiply();
    }
    Some(pixmap)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::tests::{page, render};
    use crate::display::{Image, ItemKind, Raster, Rect, Size};

    const SIZE: Size = Size {
        width: 40.0,
        height: 30.0,
    };

    fn image(
        rgb: Vec<u8>,
        alpha: Option<Vec<u8>>,
        width: u32,
        height: u32,
        rect: Rect,
    ) -> ItemKind {
        ItemKind::Image(Image {
            data: Arc::new(Raster {
                key: 1,
                width,
                height,
                rgb,
                alpha,
            }),
            rect,
        })
    }

    #[test]
    fn scales_pixels_into_the_rect() {
        // 2×1: red then blue, stretched over 20×10 pt at (10, 10).
        let rect = Rect {
            x: 10.0,
            y: 10.0,
            width: 20.0,
            height: 10.0,
        };
        let img = render(&page(
            SIZE,
            vec![image(vec![255, 0, 0, 0, 0, 255], None, 2, 1, rect)],
        ));
        assert_eq!(img.get_pixel(11, 15).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(28, 15).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(9, 15).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(30, 15).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(15, 20).0, [255, 255, 255]);
        let middle = img.get_pixel(20, 15).0;
        assert!(
            middle[0] > 50 && middle[2] > 50,
            "filtered, not nearest: {middle:?}"
        );
    }

    #[test]
    fn blends_with_its_alpha() {
        let rect = Rect {
            x: 0.0,
            y: 0.0,
            width: 40.0,
            height: 30.0,
        };
        let img = render(&page(
            SIZE,
            vec![image(vec![0, 0, 0], Some(vec![128]), 1, 1, rect)],
        ));
        let [r, g, b] = img.get_pixel(20, 15).0;
        assert!(
            (125..=129).contains(&r) && r == g && g == b,
            "half black over white: {r}"
        );
    }

    #[test]
    fn skips_a_raster_whose_buffer_is_short() {
        let rect = Rect {
            x: 0.0,
            y: 0.0,
            width: 40.0,
            height: 30.0,
        };
        let img = render(&page(SIZE, vec![image(vec![0, 0], None, 1, 1, rect)]));
        assert_eq!(img.get_pixel(20, 15).0, [255, 255, 255]);
    }
}
