//! Layouts as data (`--layouts DIR`): a folder's layout replaces the bundled one of its
//! name in every command without a rebuild, `--layout` replaces only the layout of its own
//! scheme and document, and the small CLI promises around them (issue 16).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{fresh_dir, shikaku};

fn temp(name: &str) -> PathBuf {
    fresh_dir(&format!("layouts-{name}"))
}

/// A folder holding the bundled kokuho card with one label changed, under `name`.
fn edited_card(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string("layouts/kokuho-kakuninsho.toml")
        .unwrap()
        .replace(
            "name = \"kokuho-kakuninsho\"",
            &format!("name = \"{name}\""),
        )
        .replace("text = \"有効期限\"", "text = \"試作期限\"");
    let folder = dir.join("layouts");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn pdftotext(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is needed (scripts/test.sh installs poppler-utils)");
    // Labels are spread across their box, which pdftotext shows as spaces.
    String::from_utf8_lossy(&output.stdout).replace([' ', '\n'], "")
}

fn render(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    shikaku(&args)
}

/// `layout` of each manifest row, by record_id.
fn manifest_layouts(out: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name| header.iter().position(|h| *h == name).unwrap();
    let (id, layout) = (at("record_id"), at("layout"));
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[id].to_owned(), cells[layout].to_owned())
        })
        .collect()
}

#[test]
fn a_layouts_folder_replaces_the_bundled_card_without_a_rebuild() {
    let dir = temp("render");
    edited_card(&dir, "kokuho-kakuninsho");
    let out = dir.join("out");
    let output = render(&out, &["--layouts", dir.join("layouts").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let card = pdftotext(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
    assert!(card.contains("試作期限"), "{card}");
    let kouki = pdftotext(&out.join("registered-kouki-kakuninsho-0001.pdf"));
    assert!(
        kouki.contains("有効期限") && !kouki.contains("試作"),
        "{kouki}"
    );
}

#[test]
fn a_forced_layout_replaces_only_its_own_scheme_and_document() {
    let dir = temp("forced");
    let trial = edited_card(&dir, "kokuho-trial");
    let out = dir.join("out");
    let output = render(&out, &["--layout", trial.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let layouts = manifest_layouts(&out);
    let of = |id: &str| layouts.iter().find(|(r, _)| r == id).unwrap().1.as_str();
    assert_eq!(of("T0001"), "kokuho-trial", "a kokuho card");
    assert_eq!(
        of("T0002"),
        "kokuho-oshirase",
        "a kokuho お知らせ keeps its layout"
    );
    let kouki: Vec<_> = layouts
        .iter()
        .filter(|(_, l)| l.starts_with("kouki"))
        .collect();
    assert!(!kouki.is_empty(), "kouki records keep their layouts");
}

#[test]
fn a_forced_layout_of_a_scheme_no_profile_prints_stops() {
    let out = temp("forced-scheme").join("out");
    let output = shikaku(&[
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers/gunma-kouki.toml",
        "--layout",
        "kokuho-kakuninsho",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("the layout prints kokuho documents, and no issuer profile given is kokuho"),
        "{stderr}"
    );
}

#[test]
fn preview_takes_a_layouts_folder_and_an_issuer_folder() {
    let dir = temp("preview");
    edited_card(&dir, "kokuho-kakuninsho");
    let pdf = dir.join("card.pdf");
    let output = shikaku(&[
        "preview",
        "--layout",
        "kokuho-kakuninsho",
        "--layouts",
        dir.join("layouts").to_str().unwrap(),
        "--record",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let text = pdftotext(&pdf);
    assert!(text.contains("試作期限"), "{text}");
    assert!(
        text.contains("高崎市"),
        "the folder's takasaki profile: {text}"
    );
}

#[test]
fn explain_names_the_layout_file_and_stops_quietly_when_its_reader_goes() {
    let dir = temp("explain");
    edited_card(&dir, "kokuho-kakuninsho");
    // More output than a pipe holds, so that writing goes on after the reader has gone.
    let sample = std::fs::read_to_string("samples/records.csv").unwrap();
    let mut lines = sample.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    for copy in 0..40 {
        for row in &rows {
            let (id, rest) = row.split_once(',').unwrap();
            csv.push_str(&format!("{id}-{copy},{rest}\n"));
        }
    }
    let input = dir.join("many.csv");
    std::fs::write(&input, csv).unwrap();
    let folder = dir.join("layouts");
    let args = [
        "explain",
        "--input",
        input.to_str().unwrap(),
        "--issuer",
        "samples/issuers",
        "--layouts",
        folder.to_str().unwrap(),
    ];
    let output = shikaku(&args);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["layout"], "kokuho-kakuninsho");
    assert!(first["layout_file"]
        .as_str()
        .unwrap()
        .ends_with("layouts/kokuho-kakuninsho.toml"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "no error for a closed pipe");
}

#[test]
fn golden_check_from_a_checkout_says_it_uses_the_checkouts_layouts() {
    let report = temp("golden-report");
    let output = shikaku(&["golden", "check", "--report", report.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("layouts: kokuho-daishi, kokuho-kakuninsho, kokuho-kakuninsho-hagaki, kokuho-oshirase, ")
            && stderr.lines().next().unwrap().ends_with(" from layouts"),
        "{stderr}"
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stderr}{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
