//! Limits on what shikaku reads besides records: layouts, sheets, issuer profiles and images.
//!
//! These files come from designers and administrators, not from a trusted build, and a
//! mistake in one (a seal path pointing at `/dev/zero`, a PNG whose header claims 20000 ×
//! 20000 pixels) must not hang a run or take gigabytes of memory. So every such file must
//! be a regular file, is read with a cap on its size, and an image's declared size is
//! checked before a single pixel is decoded. The limits are documented in
//! docs/reliability.md ("Values and limits").

pub mod chars;
pub mod file;
pub mod png;

pub use file::{read_capped, read_capped_text, ReadError};
