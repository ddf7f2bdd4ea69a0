//! The preview image: one page of a document as PNG.

use super::error::ApiError;
use crate::display::Document;
use crate::render::png::{png, PngOptions};

/// One page (0-based) of a document as PNG, for the page's preview `<img>`, drawn by the PNG
/// backend from the same display list as the PDF.
pub(super) fn preview_png(document: &Document, page: usize) -> Result<Vec<u8>, ApiError> {
    png(document, page, &PngOptions::default())
        .map_err(|e| ApiError::internal(format!("failed to draw the preview ({e})")))
}
