//! Backends: display lists → output formats.

pub mod pdf;
