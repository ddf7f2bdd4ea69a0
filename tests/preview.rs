//! `shikaku preview` end to end: one record into a PNG or PDF, and `--watch`
//! re-rendering on every save of the layout, errors included.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{fresh_dir, shikaku};

fn temp(name: &str) -> PathBuf {
    fresh_dir(&format!("preview-{name}"))
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn writes_the_first_record_of_a_records_file_as_png() {
    let out = temp("png").join("card.png");
    let output = shikaku(&[
        "preview",
        "--layout",
        "kokuho-kakuninsho",
        "--record",
        "samples/records.csv",
        "--issuer",
        "samples/issuers/takasaki.toml",
        "-o",
        out.to_str().unwrap(),
        "--page",
        "2",
        "--dpi",
        "300",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!("wrote {} (page 2 of 2)", out.display())
    );
    // 85.60 × 53.98 mm (242.65 × 153.01 pt) at 300 dpi, rounded up as pdftoppm does.
    assert_eq!(png_size(&std::fs::read(&out).unwrap()), (1012, 638));
}

#[test]
fn writes_a_json_object_record_as_pdf_with_a_placeholder_issuer() {
    let dir = temp("pdf");
    let case = std::fs::read_to_string("tests/cases/notice/seed-sato-taro.toml").unwrap();
    let table: toml::Table = toml::from_str(&case).unwrap();
    let record = dir.join("record.json");
    std::fs::write(
        &record,
        serde_json::to_string_pretty(&table["record"]).unwrap(),
    )
    .unwrap();
    let out = dir.join("notice.pdf");
    let output = shikaku(&[
        "preview",
        "--layout",
        "kokuho-oshirase",
        "--record",
        record.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.trim(), format!("wrote {} (1 page)", out.display()));
    let pdf = std::fs::read(&out).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = Command::new("pdftotext")
        .args([out.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (scripts/test.sh installs it)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("（交付者名）") && text.contains("佐藤 太郎"),
        "{text}"
    );
}

#[test]
fn refuses_png_flags_for_a_pdf_and_unknown_outputs() {
    let dir = temp("flags");
    let run = |out: &str, extra: &[&str]| {
        let out = dir.join(out);
        let mut args = vec![
            "preview",
            "--layout",
            "kokuho-kakuninsho",
            "--record",
            "samples/records.csv",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let output = shikaku(&args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run("card.pdf", &["--dpi", "300"]);
    assert_eq!(
        (code, stderr.trim()),
        (
            Some(2),
            "error: --dpi and --page apply to PNG output; a PDF holds every page"
        )
    );
    let (code, stderr) = run("card.jpg", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("unknown output type\n  hint: name the output .png or .pdf"),
        "{stderr}"
    );
}

/// Reads the watcher's stderr line by line until one contains `want`.
fn wait_for(lines: &mpsc::Receiver<String>, want: &str, seen: &mut Vec<String>) -> String {
    loop {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.contains(want) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no line with {want:?} within 20 s; saw {seen:#?}"),
        }
    }
}

#[test]
fn watch_renders_again_on_every_save_and_survives_errors() {
    let dir = temp("watch");
    let layout = dir.join("card.toml");
    let original = std::fs::read_to_string("layouts/kokuho-kakuninsho.toml").unwrap();
    std::fs::write(&layout, &original).unwrap();
    let out = dir.join("card.png");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "preview",
            "--layout",
            layout.to_str().unwrap(),
            "--record",
            "samples/records.csv",
            "-o",
            out.to_str().unwrap(),
            "--watch",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(&lines, "[1] wrote", &mut seen);
        let first = std::fs::read(&out).unwrap();
        // Saved edits land at least one modification-time tick apart.
        std::thread::sleep(Duration::from_millis(50));
        std::fs::write(&layout, original.replacen("x = 19.26\n", "x = 21\n", 1)).unwrap();
        wait_for(&lines, "[2] wrote", &mut seen);
        assert_ne!(
            std::fs::read(&out).unwrap(),
            first,
            "the new render is written"
        );
        std::thread::sleep(Duration::from_millis(50));
        std::fs::write(
            &layout,
            original.replacen("size = 5.5\n", "sise = 5.5\n", 1),
        )
        .unwrap();
        let error = wait_for(&lines, "[3]", &mut seen);
        assert!(
            error.contains("error: ")
                && error.contains("card.toml:")
                && error.contains("unknown field `sise`"),
            "{error}"
        );
        std::thread::sleep(Duration::from_millis(50));
        std::fs::write(&layout, &original).unwrap();
        wait_for(&lines, "[4] wrote", &mut seen);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            first,
            "the same layout renders the same PNG"
        );
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
