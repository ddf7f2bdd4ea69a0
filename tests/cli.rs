//! The `shikaku` command end to end, with its PDFs read back by real tools
//! (poppler's pdftotext, pdffonts, pdfinfo and pdftoppm; zbarimg; qpdf).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shikaku(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A fresh output folder under target/, named after the test.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed by this test ({e}); scripts/test.sh installs it")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn render_samples(name: &str) -> (PathBuf, Output) {
    let out = out_dir(name);
    let output = shikaku(&[
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ]);
    (out, output)
}

#[test]
fn renders_the_bundled_samples_and_accounts_for_every_record() {
    let (out, output) = render_samples("samples");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("16 read = 16 rendered + 0 rejected"),
        "{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["read"], 16);
    assert_eq!(std::fs::read(out.join("errors.jsonl")).unwrap(), b"");
    for file in [
        "registered-kokuho-kakuninsho-0001",
        "registered-kokuho-oshirase-0001",
        "ordinary-kokuho-oshirase-0001",
        "registered-kouki-kakuninsho-0001",
    ] {
        assert!(
            out.join(format!("{file}.pdf")).exists(),
            "{file}.pdf missing: {stderr}"
        );
    }
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    // A header, a row for each of the 16 records, and one for each envelope's cover letter.
    let covers = manifest.lines().filter(|l| l.contains(",cover,")).count();
    assert_eq!(summary["cover_letters"], covers);
    assert_eq!(manifest.lines().count(), 17 + covers, "{manifest}");
}

#[test]
fn cards_are_id1_size_with_real_text_and_subset_fonts() {
    let (out, _) = render_samples("card-quality");
    let card = out.join("registered-kokuho-kakuninsho-0001.pdf");
    let card = card.to_str().unwrap();
    let info = tool("pdfinfo", &[card]);
    // 85.60 × 53.98 mm = 242.646 × 153.014 pt.
    assert!(
        info.contains("Page size:       242.646 x 153.014 pts"),
        "{info}"
    );
    let text = tool("pdftotext", &[card, "-"]);
    for expected in [
        "資格確認書",
        "佐藤 太郎",
        "令和8年7月31日",
        "注意事項",
        "臓器を提供します",
    ] {
        assert!(
            text.contains(expected),
            "pdftotext lacks {expected}: {text}"
        );
    }
    let fonts = tool("pdffonts", &[card]);
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols[0].contains('+'), "font not subset: {line}");
        assert_eq!(
            &cols[cols.len() - 5..cols.len() - 2],
            &["yes", "yes", "yes"],
            "emb/sub/uni: {line}"
        );
    }
    tool("qpdf", &["--check", card]);
}

#[test]
fn the_notice_qr_code_decodes_to_the_portal_address() {
    let (out, _) = render_samples("qr");
    let notice = out.join("ordinary-kokuho-oshirase-0001.pdf");
    let prefix = out.join("page");
    tool(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            notice.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let png = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    let decoded = tool("zbarimg", &["-q", "--raw", png.to_str().unwrap()]);
    assert_eq!(decoded.trim(), "https://myna.go.jp/");
    let text = tool("pdftotext", &[notice.to_str().unwrap(), "-"]);
    assert!(
        text.contains("受診の際にはマイナ保険証が必須です"),
        "{text}"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let (a, _) = render_samples("determinism-a");
    let (b, _) = render_samples("determinism-b");
    for file in [
        "registered-kokuho-kakuninsho-0001",
        "ordinary-kokuho-oshirase-0001",
        "registered-kouki-kakuninsho-0001",
    ] {
        let name = format!("{file}.pdf");
        assert!(
            std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap(),
            "{name} differs between runs"
        );
    }
}

/// Writes a CSV of the sample header plus the given rows.
fn csv_with(name: &str, rows: &[String]) -> PathBuf {
    let samples = std::fs::read_to_string("samples/records.csv").unwrap();
    let header = samples.lines().next().unwrap();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.csv"));
    std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    path
}

fn sample_row(id: &str) -> String {
    std::fs::read_to_string("samples/records.csv")
        .unwrap()
        .lines()
        .find(|l| l.starts_with(id))
        .unwrap()
        .to_string()
}

#[test]
fn bad_records_go_to_the_report_and_the_rest_still_render() {
    let good = sample_row("T0001");
    let gaiji = good
        .replacen("T0001", "X0001", 1)
        .replace("佐藤 太郎,サトウ", "𠮷田 太郎,サトウ");
    let too_long = good.replacen("T0001", "X0002", 1).replace(
        "群馬県高崎市中尾町12番地3",
        &"高崎市中尾町一二三四番地".repeat(12),
    );
    let bad_date = good
        .replacen("T0001", "X0003", 1)
        .replace("1960-05-12", "1960-02-30");
    let input = csv_with("bad-records", &[good, gaiji, too_long, bad_date]);
    let out = out_dir("bad-records");
    let output = shikaku(&[
        "render",
        "--input",
        input.to_str().unwrap(),
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("4 read = 1 rendered + 3 rejected"),
        "{stderr}"
    );
    assert!(!stderr.contains("𠮷"), "personal data in stderr: {stderr}");
    let report = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3, "{report}");
    let by_id = |id: &str| {
        entries
            .iter()
            .find(|e| e["record_id"] == id)
            .unwrap_or_else(|| panic!("{id} not reported: {report}"))
    };
    assert_eq!(by_id("X0001")["field"], "name");
    assert!(
        by_id("X0001")["reason"]
            .as_str()
            .unwrap()
            .contains("U+20BB7"),
        "{report}"
    );
    assert_eq!(by_id("X0002")["field"], "address");
    assert!(
        by_id("X0002")["reason"]
            .as_str()
            .unwrap()
            .contains("does not fit"),
        "{report}"
    );
    assert_eq!(by_id("X0003")["field"], "birth_date");
    assert_eq!(by_id("X0003")["line"], 5);
}

#[test]
fn a_broken_layout_stops_the_run_with_file_and_line() {
    let layout = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken-layout.toml");
    let text = std::fs::read_to_string("layouts/kokuho-kakuninsho.toml")
        .unwrap()
        .replacen("size = 5.5\n", "sise = 5.5\n", 1);
    std::fs::write(&layout, text).unwrap();
    let out = out_dir("broken-layout");
    let output = shikaku(&[
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
        "--layout",
        layout.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("broken-layout.toml:") && stderr.contains("unknown field `sise`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `size`?"), "{stderr}");
}

#[test]
fn reads_cp932_csv() {
    let samples = std::fs::read_to_string("samples/records.csv").unwrap();
    let kept: Vec<&str> = samples
        .lines()
        .filter(|l| !l.starts_with("T0015"))
        .collect();
    let text = kept.join("\n");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("records-cp932.csv");
    std::fs::write(&path, &bytes).unwrap();
    let out = out_dir("cp932");
    let output = shikaku(&[
        "render",
        "--input",
        path.to_str().unwrap(),
        "--encoding",
        "cp932",
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("15 read = 15 rendered"), "{stderr}");
}
