//! The sample pages drawn by three independent renderers, poppler (`pdftoppm`), MuPDF (`mutool draw`)
//! and Ghostscript (`gs`), must agree, and the QR code must scan from each: a print shop's RIP, a
//! member's viewer and our golden rasterizer then all see the same page.
//!
//! Renderers anti-alias differently and may place an edge a pixel apart, so pages are compared in
//! cells of [`CELL_MM`] mm: each cell's mean grey may differ by at most [`CELL_TOLERANCE`] levels of
//! 255 between any two renderers. A missing or moved line of text, rule or QR module darkens a cell
//! by far more; anti-aliasing, measured at up to 28 levels on the samples, stays below.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::print::render;

/// Rendering resolution, dpi.
const DPI: u32 = 150;
/// The side of a compared cell, mm.
const CELL_MM: f32 = 2.0;
/// How far two renderers' mean grey in one cell may differ, in levels of 255.
const CELL_TOLERANCE: f32 = 40.0;

/// A gray page: width, height, pixels.
pub(crate) struct Gray(pub usize, pub usize, pub Vec<u8>);

impl Gray {
    /// Reads a binary PGM (P5) file.
    fn read(path: &Path) -> Gray {
        Gray::parse(&std::fs::read(path).unwrap())
    }

    /// Parses a binary PGM (P5), skipping comments in its header (Ghostscript writes one).
    pub(crate) fn parse(data: &[u8]) -> Gray {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            if data[at].is_ascii_whitespace() {
                at += 1;
            } else if data[at] == b'#' {
                while data[at] != b'\n' {
                    at += 1;
                }
            } else {
                let start = at;
                while !data[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
            }
        }
        assert_eq!(fields[0], "P5");
        let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        Gray(w, h, data[at + 1..].to_vec())
    }

    /// Mean grey of each cell of `side` pixels, over the area both pages cover.
    fn cells(&self, w: usize, h: usize, side: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for cy in 0..h / side {
            for cx in 0..w / side {
                let mut sum = 0u32;
                for y in cy * side..(cy + 1) * side {
                    let row = &self.2[y * self.0 + cx * side..][..side];
                    sum += row.iter().map(|&v| u32::from(v)).sum::<u32>();
                }
                out.push(sum as f32 / (side * side) as f32);
            }
        }
        out
    }
}

fn run(program: &str, args: &[&str], package: &str) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed by this test ({e}); scripts/test.sh installs {package}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Page 1 of `pdf` drawn by each renderer into a PGM beside `stem`.
fn draw(pdf: &Path, stem: &Path) -> Vec<(&'static str, PathBuf)> {
    let file = pdf.to_str().unwrap();
    let out = |name: &str| stem.with_extension(format!("{name}.pgm"));
    let dpi = DPI.to_string();
    let poppler = out("poppler");
    let png_stem = stem.with_extension("poppler");
    run(
        "pdftoppm",
        &[
            "-r",
            &dpi,
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            file,
            png_stem.to_str().unwrap(),
        ],
        "poppler-utils",
    );
    let mupdf = out("mupdf");
    run(
        "mutool",
        &[
            "draw",
            "-q",
            "-r",
            &dpi,
            "-c",
            "gray",
            "-o",
            mupdf.to_str().unwrap(),
            file,
            "1",
        ],
        "mupdf-tools",
    );
    let ghostscript = out("ghostscript");
    run(
        "gs",
        &[
            "-q",
            "-dSAFER",
            "-dNOPAUSE",
            "-dBATCH",
            "-sDEVICE=pgmraw",
            &format!("-r{dpi}"),
            "-dFirstPage=1",
            "-dLastPage=1",
            "-dTextAlphaBits=4",
            "-dGraphicsAlphaBits=4",
            &format!("-sOutputFile={}", ghostscript.display()),
            file,
        ],
        "ghostscript",
    );
    vec![
        ("poppler", poppler),
        ("mupdf", mupdf),
        ("ghostscript", ghostscript),
    ]
}

/// Every pair of renderers agrees cell by cell.
fn agree(pdf: &Path, name: &str) -> Vec<(&'static str, PathBuf)> {
    let stem = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("renderers-{name}"));
    let drawn = draw(pdf, &stem);
    let pages: Vec<(&str, Gray)> = drawn.iter().map(|(r, p)| (*r, Gray::read(p))).collect();
    let side = (CELL_MM / 25.4 * DPI as f32).round() as usize;
    for (i, (a_name, a)) in pages.iter().enumerate() {
        for (b_name, b) in &pages[i + 1..] {
            // Renderers round the page size differently by a pixel.
            assert!(a.0.abs_diff(b.0) <= 1 && a.1.abs_diff(b.1) <= 1);
            let (w, h) = (a.0.min(b.0), a.1.min(b.1));
            let (ca, cb) = (a.cells(w, h, side), b.cells(w, h, side));
            let columns = w / side;
            let worst = ca
                .iter()
                .zip(&cb)
                .enumerate()
                .map(|(k, (x, y))| (k, (x - y).abs()))
                .max_by(|p, q| p.1.total_cmp(&q.1))
                .unwrap();
            assert!(
                worst.1 <= CELL_TOLERANCE,
                "{name}: {a_name} and {b_name} differ by {:.0} levels in the cell at {:.0} × {:.0} mm",
                worst.1,
                (worst.0 % columns) as f32 * CELL_MM,
                (worst.0 / columns) as f32 * CELL_MM
            );
        }
    }
    drawn
}

/// `compare`: whether the renderers must agree cell by cell; without it they must only draw the
/// pages and the QR code must scan.
fn check_samples(out: &Path, label: &str, compare: bool) {
    for file in [
        "registered-kokuho-kakuninsho-0001",
        "registered-kouki-kakuninsho-0001",
        "ordinary-kokuho-oshirase-0001",
    ] {
        let pdf = out.join(format!("{file}.pdf"));
        let name = format!("{label}-{file}");
        let drawn = if compare {
            agree(&pdf, &name)
        } else {
            draw(
                &pdf,
                &Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("renderers-{name}")),
            )
        };
        if file.ends_with("oshirase-0001") {
            for (renderer, pgm) in drawn {
                let output = Command::new("zbarimg")
                    .args(["-q", "--raw"])
                    .arg(&pgm)
                    .output()
                    .expect("zbarimg is needed by this test; scripts/test.sh installs zbar-tools");
                assert_eq!(
                    String::from_utf8_lossy(&output.stdout).trim(),
                    "https://myna.go.jp/",
                    "the QR code drawn by {renderer}"
                );
            }
        }
    }
}

#[test]
fn poppler_mupdf_and_ghostscript_draw_the_samples_alike_and_the_qr_scans_from_each() {
    check_samples(&render("renderers-plain", &[]), "plain", true);
}

/// PDF/X files are drawn by all three and their QR code scans from each. Their pixels are not
/// compared: Ghostscript honours the output intent and shows black ink as the coated FOGRA39 black
/// (a dark grey, 32 of 255 here) where poppler and MuPDF paint it pure black: a simulation of the print, not
/// a difference in content.
#[test]
fn the_renderers_draw_pdfx_files_and_their_qr_scans() {
    check_samples(
        &render("renderers-pdfx", &["--pdfx", "--pdf-date", "2025-08-01"]),
        "pdfx",
        false,
    );
}
