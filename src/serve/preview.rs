//! The preview image: one page of a document as PNG.

use axum::http::StatusCode;

use super::error::ApiError;
use crate::display::Document;

/// One page (0-based) of a document as PNG, for the page's preview `<img>`.
///
/// The PNG backend (`render::png`) is not merged yet, so this answers 501 Not Implemented and
/// the page shows the PDF instead. This is the only place that will call it:
/// `crate::render::png::png(document, page, &PngOptions::default())`, its error mapped to
/// [`ApiError::internal`].
pub(super) fn preview_png(document: &Document, page: usize) -> Result<Vec<u8>, ApiError> {
    let _ = (document, page);
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "PNG output is not available in this build",
        Some("format"),
        "PNG表示はまだ使えません。PDFで表示します",
    )
    .hint("ask for the PDF (format=pdf)"))
}
