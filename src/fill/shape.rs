//! Vector drawing for layout elements: rules, boxes, cut lines, QR codes, images.

use std::sync::Arc;

use crate::barcode::{CustomerBarcode, Dimensions};
use crate::display::{Color, Image, Item, ItemKind, Path, PathOp, Point, Raster, Rect, Stroke};
use crate::layout::{mm, BarcodeDef, Ecc, LineDef, QrDef, RectDef};

fn item(element: &Arc<str>, kind: ItemKind) -> Item {
    Item {
        element: element.clone(),
        kind,
    }
}

/// A straight line.
pub fn line(def: &LineDef, element: &Arc<str>) -> Item {
    item(
        element,
        ItemKind::Path(Path {
            ops: vec![PathOp::Move(def.from), PathOp::Line(def.to)],
            fill: None,
            stroke: Some(Stroke {
                width: def.width,
                color: def.color,
                dash: def.dash.clone(),
            }),
        }),
    )
}

/// A rectangle, with rounded corners when it has a radius.
pub fn rect(def: &RectDef, element: &Arc<str>) -> Item {
    let ops = if def.radius > 0.0 {
        rounded(def.rect, def.radius)
    } else {
        vec![PathOp::Rect(def.rect)]
    };
    let stroke = (def.stroke_width > 0.0).then(|| Stroke {
        width: def.stroke_width,
        color: def.color,
        dash: Vec::new(),
    });
    item(
        element,
        ItemKind::Path(Path {
            ops,
            fill: def.fill,
            stroke,
        }),
    )
}

/// The Bézier handle length that approximates a quarter circle.
const KAPPA: f32 = 0.552_284_8;

fn rounded(r: Rect, radius: f32) -> Vec<PathOp> {
    let k = radius * (1.0 - KAPPA);
    let (x0, y0, x1, y1) = (r.x, r.y, r.x + r.width, r.y + r.height);
    let p = |x, y| Point { x, y };
    vec![
        PathOp::Move(p(x0 + radius, y0)),
        PathOp::Line(p(x1 - radius, y0)),
        PathOp::Cubic(p(x1 - k, y0), p(x1, y0 + k), p(x1, y0 + radius)),
        PathOp::Line(p(x1, y1 - radius)),
        PathOp::Cubic(p(x1, y1 - k), p(x1 - k, y1), p(x1 - radius, y1)),
        PathOp::Line(p(x0 + radius, y1)),
        PathOp::Cubic(p(x0 + k, y1), p(x0, y1 - k), p(x0, y1 - radius)),
        PathOp::Line(p(x0, y0 + radius)),
        PathOp::Cubic(p(x0, y0 + k), p(x0 + k, y0), p(x0 + radius, y0)),
        PathOp::Close,
    ]
}

fn circle(center: Point, radius: f32) -> Vec<PathOp> {
    rounded(
        Rect {
            x: center.x - radius,
            y: center.y - radius,
            width: 2.0 * radius,
            height: 2.0 * radius,
        },
        radius,
    )
}

/// A scissors mark (✂) lying on the line at `at`, blades pointing along the line.
/// Drawn as vector paths: the bundled fonts have no U+2702.
pub fn scissors(at: Point, height: f32, color: Color, element: &Arc<str>) -> Item {
    let h = height / 2.0;
    let ring = h * 0.42;
    let p = |x: f32, y: f32| Point {
        x: at.x + x,
        y: at.y + y,
    };
    let mut ops = Vec::new();
    ops.extend(circle(p(ring, -h + ring), ring));
    ops.extend(circle(p(ring, h - ring), ring));
    // Two blades crossing at the pivot, from each ring to the far tip.
    ops.extend([
        PathOp::Move(p(2.0 * ring * 0.9, -h + ring * 1.4)),
        PathOp::Line(p(height * 1.6, h * 0.35)),
    ]);
    ops.extend([
        PathOp::Move(p(2.0 * ring * 0.9, h - ring * 1.4)),
        PathOp::Line(p(height * 1.6, -h * 0.35)),
    ]);
    item(
        element,
        ItemKind::Path(Path {
            ops,
            fill: None,
            stroke: Some(Stroke {
                width: height * 0.08,
                color,
                dash: Vec::new(),
            }),
        }),
    )
}

/// Occurs when the value cannot be encoded as a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrError(pub String);

/// The smallest QR module printed: phones read 0.33 mm modules reliably at reading distance.
pub const MIN_QR_MODULE_MM: f32 = 0.33;

/// A QR code as filled vector squares on a white quiet zone.
pub fn qr(def: &QrDef, value: &str, element: &Arc<str>) -> Result<Vec<Item>, QrError> {
    let level = match def.ecc {
        Ecc::L => qrcode::EcLevel::L,
        Ecc::M => qrcode::EcLevel::M,
        Ecc::Q => qrcode::EcLevel::Q,
        Ecc::H => qrcode::EcLevel::H,
    };
    let code = qrcode::QrCode::with_error_correction_level(value.as_bytes(), level)
        .map_err(|e| QrError(e.to_string()))?;
    let n = code.width();
    let module = def.rect.width / (n as f32 + 2.0 * def.quiet_zone as f32);
    if module.is_nan() || module < mm(MIN_QR_MODULE_MM) {
        return Err(QrError(format!(
            "{} bytes need {n} × {n} modules, {:.2} mm each in this box, smaller than the {MIN_QR_MODULE_MM} mm phones read reliably: shorten the value or enlarge the element",
            value.len(),
            module / mm(1.0)
        )));
    }
    let (x0, y0) = (
        def.rect.x + module * def.quiet_zone as f32,
        def.rect.y + module * def.quiet_zone as f32,
    );
    let colors = code.to_colors();
    let mut ops = Vec::new();
    for y in 0..n {
        // One rectangle per horizontal run of dark modules keeps the path short.
        let mut x = 0;
        while x < n {
            if colors[y * n + x] != qrcode::Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && colors[y * n + x] == qrcode::Color::Dark {
                x += 1;
            }
            ops.push(PathOp::Rect(Rect {
                x: x0 + start as f32 * module,
                y: y0 + y as f32 * module,
                width: (x - start) as f32 * module,
                height: module,
            }));
        }
    }
    let white = Path {
        ops: vec![PathOp::Rect(def.rect)],
        fill: Some(Color(255, 255, 255)),
        stroke: None,
    };
    let dark = Path {
        ops,
        fill: Some(Color::BLACK),
        stroke: None,
    };
    Ok(vec![
        item(element, ItemKind::Path(white)),
        item(element, ItemKind::Path(dark)),
    ])
}

/// A customer barcode as 67 filled black bars (manual p12: the dimensions scale with the size).
pub fn barcode(def: &BarcodeDef, barcode: &CustomerBarcode, element: &Arc<str>) -> Item {
    let d = Dimensions::at(def.size());
    let at = def.at();
    let ops = barcode
        .bars()
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let (top, bottom) = d.span(bar);
            PathOp::Rect(Rect {
                x: at.x + mm(d.pitch * i as f32),
                y: at.y + mm(top),
                width: mm(d.width),
                height: mm(bottom - top),
            })
        })
        .collect();
    item(
        element,
        ItemKind::Path(Path {
            ops,
            fill: Some(Color::BLACK),
            stroke: None,
        }),
    )
}

/// Occurs when an image cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError(pub String);

/// Decodes a PNG once, for every page that shows it, within the image limits.
pub fn decode(png: &[u8]) -> Result<Arc<Raster>, ImageError> {
    let rgba = crate::limits::png::decode(png).map_err(|e| ImageError(e.to_string()))?;
    let (width, height) = rgba.dimensions();
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    let mut alpha = Vec::with_capacity((width * height) as usize);
    for px in rgba.pixels() {
        rgb.extend_from_slice(&px.0[..3]);
        alpha.push(px.0[3]);
    }
    let alpha = alpha.iter().any(|&a| a != 255).then_some(alpha);
    Ok(Arc::new(Raster {
        key: fnv1a(png),
        width,
        height,
        rgb,
        alpha,
    }))
}

/// The image scaled to fit its box, keeping its proportions, centred.
pub fn image(raster: &Arc<Raster>, rect: Rect, element: &Arc<str>) -> Item {
    let scale = (rect.width / raster.width as f32).min(rect.height / raster.height as f32);
    let (w, h) = (raster.width as f32 * scale, raster.height as f32 * scale);
    let placed = Rect {
        x: rect.x + (rect.width - w) / 2.0,
        y: rect.y + (rect.height - h) / 2.0,
        width: w,
        height: h,
    };
    item(
        element,
        ItemKind::Image(Image {
            data: raster.clone(),
            rect: placed,
        }),
    )
}

/// A stable 64-bit content hash (FNV-1a): the same bytes give the same key on every run.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
