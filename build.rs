//! Generates one `#[test]` per golden case file in tests/cases, so that
//! `cargo test expiry` runs just the cases whose name says so; and hashes what
//! turns a display list into PDF bytes, so that golden/VERSION can tell a renderer
//! change from a layout change.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=tests/cases");
    let root = Path::new("tests/cases");
    let mut cases = Vec::new();
    collect(root, &mut cases);
    cases.sort();
    let mut out = String::new();
    for case in &cases {
        let name = case
            .strip_prefix(root)
            .expect("below root")
            .with_extension("");
        let name = name.to_string_lossy().replace('\\', "/");
        println!("cargo:rerun-if-changed={}", case.display());
        let ident: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let _ = writeln!(
            out,
            "#[test]\nfn {ident}() {{\n    golden_case({name:?});\n}}\n"
        );
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("golden_cases.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
    println!(
        "cargo:rustc-env=SHIKAKU_RENDERER_HASH={:016x}",
        renderer_hash()
    );
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

/// What makes PDF bytes from a display list (the list of files is in
/// src/golden/version.rs's doc; keep the two alike).
const RENDERER_FILES: &[&str] = &[
    "src/display.rs",
    "src/font.rs",
    "src/font",
    "src/render/mod.rs",
    "src/render/pdf",
    "fonts/BIZUDGothic-Regular.ttf",
    "fonts/BIZUDGothic-Bold.ttf",
    "fonts/BIZUDMincho-Regular.ttf",
];

/// The crates the PDF backend writes with, by their Cargo.lock entries.
const RENDERER_CRATES: &[&str] = &["pdf-writer", "subsetter", "flate2", "zlib-rs", "ttf-parser"];

/// FNV-1a over the renderer's files (path and bytes, in path order) and the
/// Cargo.lock entries of its crates.
fn renderer_hash() -> u64 {
    let mut files = Vec::new();
    for path in RENDERER_FILES {
        println!("cargo:rerun-if-changed={path}");
        files_below(Path::new(path), &mut files);
    }
    files.sort();
    let mut hash = Fnv::default();
    for file in &files {
        hash.write(file.to_string_lossy().replace('\\', "/").as_bytes());
        hash.write(&std::fs::read(file).expect("the renderer's files are readable"));
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for package in lock.split("[[package]]") {
        let mut lines = package
            .lines()
            .filter(|l| l.starts_with("name = ") || l.starts_with("version = "));
        if let (Some(name), Some(version)) = (lines.next(), lines.next()) {
            if RENDERER_CRATES
                .iter()
                .any(|c| name == format!("name = \"{c}\""))
            {
                hash.write(name.as_bytes());
                hash.write(version.as_bytes());
            }
        }
    }
    hash.0
}

fn files_below(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)
            .expect("the renderer's folders are readable")
            .flatten()
        {
            files_below(&entry.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs" || e == "ttf") {
        out.push(path.to_path_buf());
    }
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
