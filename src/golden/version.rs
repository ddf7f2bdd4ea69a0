//! `golden/VERSION`: which renderer made the golden files.
//!
//! When every changed case has the same display list as its golden file, the
//! layouts did not change: the renderer did. Recording the renderer beside the
//! goldens lets `shikaku golden check` say so instead of sending designers
//! through seventeen unchanged documents.
//!
//! The renderer hash is computed by `build.rs` (FNV-1a, 64 bits) over what turns
//! a display list into PDF bytes: `src/display.rs`, `src/font.rs`, `src/font/`,
//! `src/render/mod.rs`, every `.rs` file below `src/render/pdf/`, the bundled font
//! files in `fonts/`, and the Cargo.lock versions of `pdf-writer`, `subsetter`,
//! `flate2`, `zlib-rs` and `ttf-parser`. The PNG backend and the rasterizer used for
//! comparisons are not in it: they never reach a golden PDF. Nor are the fallback
//! fonts (IPAmj明朝, Noto CJK), which are found at run time: cases that print with
//! them depend on the Debian packages' versions (docs/decisions.md §5).

use std::path::{Path, PathBuf};

/// The renderer this build carries, as hashed by `build.rs`.
const RENDERER_HASH: &str = env!("SHIKAKU_RENDERER_HASH");

/// A renderer: the `shikaku` version and a hash of the rendering code and fonts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RendererVersion {
    /// The crate version, e.g. `0.1.0`.
    pub shikaku: String,
    /// 16 hex digits.
    pub hash: String,
}

impl std::fmt::Display for RendererVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "shikaku {} renderer {}", self.shikaku, self.hash)
    }
}

impl RendererVersion {
    /// The renderer of this build.
    pub fn current() -> RendererVersion {
        RendererVersion {
            shikaku: env!("CARGO_PKG_VERSION").into(),
            hash: RENDERER_HASH.into(),
        }
    }

    /// The file beside the golden files that records their renderer.
    pub fn path(golden: &Path) -> PathBuf {
        golden.join("VERSION")
    }

    /// Reads `golden/VERSION`; `None` when it is missing or unreadable.
    pub fn read(golden: &Path) -> Option<RendererVersion> {
        RendererVersion::parse(&std::fs::read_to_string(RendererVersion::path(golden)).ok()?)
    }

    fn parse(text: &str) -> Option<RendererVersion> {
        let value = |key: &str| {
            text.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|v| v.strip_prefix(' '))
                    .map(|v| v.trim().to_string())
            })
        };
        Some(RendererVersion {
            shikaku: value("shikaku")?,
            hash: value("renderer")?,
        })
    }

    /// Writes `golden/VERSION` when it does not already say this; atomically, since
    /// `SHIKAKU_UPDATE=1 cargo test` blesses cases from several threads at once.
    pub fn write(&self, golden: &Path) -> Result<(), String> {
        let path = RendererVersion::path(golden);
        let text = format!(
            "# The renderer that made the golden files beside this one, written when they are blessed.\n\
             # `shikaku golden check` compares it with its own to tell a renderer change from a layout change;\n\
             # the hash covers src/display.rs, src/font.rs, src/font/, src/render/mod.rs, src/render/pdf/, the\n\
             # bundled fonts in fonts/ and the Cargo.lock versions of pdf-writer, subsetter, flate2, zlib-rs\n\
             # and ttf-parser (see build.rs); not the fallback fonts found at run time.\n\
             shikaku {}\nrenderer {}\n",
            self.shikaku, self.hash
        );
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            return Ok(());
        }
        std::fs::create_dir_all(golden)
            .map_err(|e| format!("failed to create {} ({e})", golden.display()))?;
        let unique = format!(
            "VERSION.{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        );
        let temp =
            golden.join(unique.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', ""));
        std::fs::write(&temp, text)
            .map_err(|e| format!("failed to write {} ({e})", temp.display()))?;
        std::fs::rename(&temp, &path)
            .map_err(|e| format!("failed to write {} ({e})", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_16_hex_digits() {
        let current = RendererVersion::current();
        assert_eq!(current.hash.len(), 16);
        assert!(current.hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn writes_what_it_reads() {
        let dir = std::env::temp_dir().join(format!("shikaku-version-{}", std::process::id()));
        let version = RendererVersion {
            shikaku: "9.9.9".into(),
            hash: "0123456789abcdef".into(),
        };
        version.write(&dir).unwrap();
        assert_eq!(RendererVersion::read(&dir), Some(version.clone()));
        assert_eq!(
            version.to_string(),
            "shikaku 9.9.9 renderer 0123456789abcdef"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_without_a_hash_is_no_version() {
        assert_eq!(RendererVersion::parse("shikaku 0.1.0\n"), None);
    }
}
