//! The preview image: one page of a document as PNG.

use axum::http::StatusCode;

use super::error::ApiError;
use crate::display::Document;

/// One page (0-based) of a document as PNG, for the page's preview `<img>`.
///
/// The PNG backend (`render::png`) is not merged yet, so this answers 501 Not Implemented and
/// the page shows the PDF instead. This is the only place that will call it; at the merge the
/// body becomes
/// `png(document, page, &PngOptions::default()).map_err(|e| ApiError::internal(format!("failed to draw the preview ({e})")))`
/// (tried on a merge with main: the API and browser tests pass, the page shows the PNG).
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
