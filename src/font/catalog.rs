//! Where the fallback fonts come from: the files each one may be found as, the folders searched,
//! and what identifies the file that was found.
//!
//! The fallback fonts are large (IPAmj明朝 46 MB, each Noto CJK collection 19–27 MB), so they are
//! not compiled in: they are memory-mapped from the first folder that has them, the first time a
//! record needs one. Which file was found decides the glyph ids in the PDFs, so each font carries
//! an identity (name, version, checksum, length) that a resumed batch compares.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::FontId;

/// A fallback font as shikaku knows it: how to find it and what to tell the user.
pub(super) struct Entry {
    /// The PostScript name the face must have (a collection is searched for it).
    pub postscript: &'static str,
    /// File names it is installed as, most common first.
    pub files: &'static [&'static str],
    /// The Debian package that installs it.
    pub package: &'static str,
}

/// The fallback fonts, by [`FontId`] (`None` for the bundled ones).
pub(super) fn entry(id: FontId) -> Option<&'static Entry> {
    Some(match id {
        FontId::Gothic | FontId::GothicBold | FontId::Mincho => return None,
        FontId::IpamjMincho => &Entry {
            postscript: "IPAmjMincho",
            files: &["ipamjm.ttf"],
            package: "fonts-ipamj-mincho",
        },
        FontId::NotoSansJp => &Entry {
            postscript: "NotoSansCJKjp-Regular",
            files: &["NotoSansCJK-Regular.ttc", "NotoSansCJKjp-Regular.otf"],
            package: "fonts-noto-cjk",
        },
        FontId::NotoSansJpBold => &Entry {
            postscript: "NotoSansCJKjp-Bold",
            files: &["NotoSansCJK-Bold.ttc", "NotoSansCJKjp-Bold.otf"],
            package: "fonts-noto-cjk",
        },
        FontId::NotoSerifJp => &Entry {
            postscript: "NotoSerifCJKjp-Regular",
            files: &["NotoSerifCJK-Regular.ttc", "NotoSerifCJKjp-Regular.otf"],
            package: "fonts-noto-cjk",
        },
    })
}

/// Where Debian installs the fallback fonts' packages.
const DEBIAN_DIRS: [&str; 2] = [
    "/usr/share/fonts/truetype/ipamj",
    "/usr/share/fonts/opentype/noto",
];

/// The folders searched, once chosen.
static FOLDERS: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// Occurs when the font folders are chosen after a font was already looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldersFixed;

impl std::fmt::Display for FoldersFixed {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("failed to set the font folders (fonts were already looked up)\n  hint: please report this as a bug")
    }
}

impl std::error::Error for FoldersFixed {}

/// The default folders: `fonts/` in the working folder, then Debian's.
fn default_folders() -> impl Iterator<Item = PathBuf> {
    std::iter::once(PathBuf::from("fonts")).chain(DEBIAN_DIRS.iter().map(PathBuf::from))
}

/// Chooses the folders searched for fallback fonts: `folders` first, then, with `defaults`,
/// `fonts/` and Debian's font folders. Call it once, before the first text is set: fonts found
/// before it were found elsewhere, and a run must not mix the two.
pub fn set_font_folders(folders: Vec<PathBuf>, defaults: bool) -> Result<(), FoldersFixed> {
    let all = folders
        .into_iter()
        .chain(default_folders().filter(|_| defaults))
        .collect();
    FOLDERS.set(all).map_err(|_| FoldersFixed)
}

/// The folders searched, in order: by default `fonts/` in the working folder, then Debian's
/// (see [`set_font_folders`]).
pub fn font_folders() -> Vec<PathBuf> {
    FOLDERS.get_or_init(|| default_folders().collect()).clone()
}

/// Occurs when a fallback font cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Occurs when no folder has any of the font's files.
    NotFound {
        /// The font.
        font: FontId,
        /// The folders that were searched.
        searched: Vec<PathBuf>,
    },
    /// Occurs when a file is there but cannot be read or is not the expected font.
    Invalid {
        /// The font.
        font: FontId,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl Unavailable {
    /// The font that is missing.
    pub fn font(&self) -> FontId {
        match self {
            Unavailable::NotFound { font, .. } | Unavailable::Invalid { font, .. } => *font,
        }
    }

    /// How to install it.
    pub fn hint(&self) -> String {
        let font = self.font();
        let Some(entry) = entry(font) else {
            return "please report this as a bug".into();
        };
        match self {
            Unavailable::NotFound { .. } => format!(
                "install the Debian package {} (apt-get install {}), or put {} into fonts/ or the folder given with --fonts",
                entry.package, entry.package, entry.files[0]
            ),
            Unavailable::Invalid { path, .. } => format!(
                "replace {} with the font from the Debian package {}",
                path.display(),
                entry.package
            ),
        }
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Unavailable::NotFound { font, searched } => {
                let folders: Vec<String> =
                    searched.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "failed to find font {} ({} is in none of {})",
                    font.display_name(),
                    entry(*font).map_or("its file", |e| e.files[0]),
                    folders.join(", ")
                )
            }
            Unavailable::Invalid { font, path, reason } => write!(
                f,
                "failed to load font {} from {} ({reason})",
                font.display_name(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for Unavailable {}

/// A font file mapped into memory for the rest of the process, and the face in it that is the font.
pub(super) struct Found {
    pub path: PathBuf,
    pub data: &'static [u8],
    pub index: u32,
}

/// Looks for a fallback font in the folders, in order, and maps the first file that has it.
pub(super) fn find(id: FontId, entry: &Entry) -> Result<Found, Unavailable> {
    let searched = font_folders();
    for folder in &searched {
        for name in entry.files {
            let path = folder.join(name);
            if path.is_file() {
                return open(id, entry, &path);
            }
        }
    }
    Err(Unavailable::NotFound { font: id, searched })
}

fn open(id: FontId, entry: &Entry, path: &Path) -> Result<Found, Unavailable> {
    let invalid = |reason: String| Unavailable::Invalid {
        font: id,
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| invalid(e.to_string()))?;
    // SAFETY: the map is read-only and lives as long as the process. A font file changed or
    // truncated while a run reads it is outside what shikaku can guard against, as for any
    // program that maps its fonts (fontconfig, browsers); the identity check on resume catches
    // a file replaced between runs.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| invalid(e.to_string()))?;
    let faces = ttf_parser::fonts_in_collection(&map).unwrap_or(1);
    let index = (0..faces).find(|&index| {
        ttf_parser::Face::parse(&map, index)
            .is_ok_and(|face| postscript_name(&face).as_deref() == Some(entry.postscript))
    });
    if let Some(index) = index {
        // Kept for the rest of the process, like the bundled fonts compiled in.
        let data: &'static [u8] = &Box::leak(Box::new(map))[..];
        return Ok(Found {
            path: path.to_path_buf(),
            data,
            index,
        });
    }
    Err(invalid(format!(
        "it holds no face named {}",
        entry.postscript
    )))
}

/// The face's PostScript name (name id 6).
fn postscript_name(face: &ttf_parser::Face) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
}

/// What identifies a font file's glyphs: its PostScript name, version string, the `head`
/// table's whole-file checksum adjustment and the file's length. Two files alike in all four
/// give the same glyph ids; reading them is cheap, unlike hashing 46 MB.
pub(super) fn identity(face: &ttf_parser::Face, file_len: usize) -> String {
    let version = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::VERSION)
        .find_map(|n| n.to_string())
        .unwrap_or_default();
    let checksum = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"head"))
        .and_then(|head| head.get(8..12))
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    format!(
        "{} {version} checksum {checksum:08x} {file_len} bytes",
        postscript_name(face).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_names_its_file_and_package() {
        let err = Unavailable::NotFound {
            font: FontId::IpamjMincho,
            searched: vec![
                PathBuf::from("fonts"),
                PathBuf::from("/usr/share/fonts/truetype/ipamj"),
            ],
        };
        assert_eq!(
            err.to_string(),
            "failed to find font IPAmj明朝 (ipamjm.ttf is in none of fonts, /usr/share/fonts/truetype/ipamj)"
        );
        assert!(err
            .hint()
            .starts_with("install the Debian package fonts-ipamj-mincho"));
    }

    #[test]
    fn a_file_without_the_expected_face_is_refused() {
        let dir = std::env::temp_dir().join(format!("shikaku-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ipamjm.ttf");
        std::fs::copy("fonts/BIZUDMincho-Regular.ttf", &path).unwrap();
        let err = open(
            FontId::IpamjMincho,
            entry(FontId::IpamjMincho).unwrap(),
            &path,
        )
        .err()
        .unwrap();
        assert!(
            err.to_string()
                .ends_with("(it holds no face named IPAmjMincho)"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_bundled_fonts_have_an_identity() {
        let data = std::fs::read("fonts/BIZUDGothic-Regular.ttf").unwrap();
        let face = ttf_parser::Face::parse(&data, 0).unwrap();
        let id = identity(&face, data.len());
        assert!(
            id.starts_with("BIZUDGothic-Regular Version 1.05 checksum "),
            "{id}"
        );
    }
}
