//! Generates one `#[test]` per golden case file in tests/cases, so that
//! `cargo test expiry` runs just the cases whose name says so.

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
        let name = case.strip_prefix(root).expect("below root").with_extension("");
        let name = name.to_string_lossy().replace('\\', "/");
        println!("cargo:rerun-if-changed={}", case.display());
        let ident: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let _ = writeln!(out, "#[test]\nfn {ident}() {{\n    golden_case({name:?});\n}}\n");
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("golden_cases.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
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
