//! Backends: display lists → output formats.

pub mod pdf;
pub mod png;
