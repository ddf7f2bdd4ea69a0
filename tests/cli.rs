//! The `shikaku` command end to end, with its PDFs read back by real tools
//! (poppler's pdftotext, pdffonts, pdfinfo and pdftoppm; zbarimg; qpdf).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{out_dir, shikaku};

pub(crate) fn tool(program: &str, args: &[&str]) -> String {
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

/// Asserts with pdffonts that every font of the PDF is embedded, subset and has a ToUnicode map;
/// returns pdffonts' table.
pub(crate) fn fonts_embedded_as_subsets(pdf: &str) -> String {
    let fonts = tool("pdffonts", &[pdf]);
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols[0].contains('+'), "font not subset: {line}");
        assert_eq!(
            &cols[cols.len() - 5..cols.len() - 2],
            &["yes", "yes", "yes"],
            "emb/sub/uni: {line}"
        );
    }
    fonts
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
    fonts_embedded_as_subsets(card);
    tool("qpdf", &["--check", card]);
}

#[test]
fn issuers_sharing_a_layout_each_print_their_own_background() {
    // 高崎市 and 最上地区広域連合 both print kokuho-oshirase, into one file (ordinary mail): T0004
    // is 高崎市's member, M0001 最上's.
    let (out, _) = render_samples("issuer-backgrounds");
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let page = |id: &str| {
        let row = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} not in the manifest: {manifest}"));
        let cols: Vec<&str> = row.split(',').collect();
        let (file, first) = (out.join(cols[5]), cols[6]);
        tool(
            "pdftotext",
            &["-f", first, "-l", first, file.to_str().unwrap(), "-"],
        )
    };
    let mogami = page("M0001");
    assert!(
        mogami.contains("最上地区広域連合") && mogami.contains("060012"),
        "{mogami}"
    );
    assert!(
        !mogami.contains("高崎市"),
        "another issuer's name: {mogami}"
    );
    let takasaki = page("T0004");
    assert!(
        takasaki.contains("（交付者名）高崎市") && !takasaki.contains("最上"),
        "{takasaki}"
    );
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

/// Renders `input` with the sample profiles into `out`, expecting exit status 1 (some records
/// rejected); returns stderr.
fn render_rejecting(input: &Path, out: &Path) -> String {
    let output = shikaku(&[
        "render",
        "--input",
        input.to_str().unwrap(),
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    stderr
}

#[test]
fn bad_records_go_to_the_report_and_the_rest_still_render() {
    let good = sample_row("T0001");
    let gaiji = good
        .replacen("T0001", "X0001", 1)
        .replace("佐藤 太郎,サトウ", "\u{30000}田 太郎,サトウ");
    let too_long = good.replacen("T0001", "X0002", 1).replace(
        "群馬県高崎市中尾町12番地3",
        &"高崎市中尾町一二三四番地".repeat(12),
    );
    let bad_date = good
        .replacen("T0001", "X0003", 1)
        .replace("1960-05-12", "1960-02-30");
    let input = csv_with("bad-records", &[good, gaiji, too_long, bad_date]);
    let out = out_dir("bad-records");
    let stderr = render_rejecting(&input, &out);
    assert!(
        stderr.contains("4 read = 1 rendered + 3 rejected"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{30000}'),
        "personal data in stderr: {stderr}"
    );
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
            .contains("U+30000"),
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

/// Issue 11 item 3: a kokuho 資格確認書 without 世帯主氏名 or 住所, two of its 必須記載事項
/// (国民健康保険法施行規則第6条), is refused naming the field, never printed; the お知らせ, which
/// has neither item, still prints without them.
#[test]
fn a_card_missing_a_required_item_is_refused_naming_the_field() {
    let card = sample_row("T0001").replacen("T0001", "X0011", 1).replace(
        "群馬県高崎市中尾町12番地3,佐藤 太郎,",
        "群馬県高崎市中尾町12番地3,,",
    );
    let notice = sample_row("T0002").replacen("T0002", "X0012", 1).replace(
        "群馬県高崎市中尾町12番地3,佐藤 太郎,",
        "群馬県高崎市中尾町12番地3,,",
    );
    assert!(card.contains(",,2020-04-01") && notice.contains(",,2020-04-01"));
    let input = csv_with("required-items", &[card, notice]);
    let out = out_dir("required-items");
    let stderr = render_rejecting(&input, &out);
    assert!(
        stderr.contains("2 read = 1 rendered + 1 rejected"),
        "{stderr}"
    );
    let report = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(report.lines().next().unwrap()).unwrap();
    assert_eq!(
        (&entry["record_id"], &entry["field"]),
        (&"X0011".into(), &"householder_name".into()),
        "{report}"
    );
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains("国民健康保険法施行規則第6条"),
        "{report}"
    );
    assert_eq!(
        entry["hint"],
        "fill in the field: the document cannot be printed without it"
    );
}

/// Issue 11: `shikaku explain` gives the rule and its public source for every new value: the
/// cycle chosen by coverage (item 1), a 要配慮者's certificate (item 2), the 任意記載事項 (item 5)
/// and the notation requests (item 6).
#[test]
fn explain_gives_the_rule_and_source_of_every_new_value() {
    let records = [
        serde_json::json!({
            "record_id": "E1", "scheme": "kouki", "insurer_number": "39100011", "number": "10345678",
            "name": "加藤 トメ", "sex": "女", "birth_date": "1951-08-15", "qualified_date": "2026-08-15",
            "issue_date": "2026-07-20", "has_myna_hoken": true, "copay_ratio": 1
        }),
        serde_json::json!({
            "record_id": "E2", "scheme": "kokuho", "insurer_number": "100016", "symbol": "高05",
            "number": "5678901", "branch": "01", "name": "中村 幸子", "sex": "女",
            "birth_date": "1953-06-18", "address": "群馬県高崎市末広町23番地1",
            "householder_name": "中村 幸子", "qualified_date": "2013-07-01",
            "issue_date": "2025-11-04", "has_myna_hoken": true, "certificate_reason": "要配慮",
            "copay_ratio": 2, "limit_category": "低所得Ⅱ", "limit_effective_date": "2025-08-01",
            "long_term_stay_date": "2025-10-01", "specific_disease": "人工透析",
            "sex_on_back": true, "registered_name": "中村 幸男"
        }),
    ];
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain-issue-11.jsonl");
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let output = shikaku(&[
        "explain",
        "--input",
        path.to_str().unwrap(),
        "--issuer",
        "samples/issuers",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rule = |object: &serde_json::Value, field: &str| -> (String, String) {
        let reason = object["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"] == field)
            .unwrap_or_else(|| panic!("no reason for {field}: {object}"));
        (
            reason["rule"].as_str().unwrap().to_owned(),
            reason["detail"].as_str().unwrap().to_owned(),
        )
    };
    let kouki = &objects[0];
    assert_eq!(
        (
            &kouki["document"],
            &kouki["expiry_date"],
            &kouki["effective_date"]
        ),
        (
            &"oshirase".into(),
            &"2027-07-31".into(),
            &"2026-08-15".into()
        )
    );
    let (name, detail) = rule(kouki, "cycle");
    assert_eq!(name, "cycle.qualified-date");
    assert!(
        detail.contains("高齢者の医療の確保に関する法律第52条"),
        "{detail}"
    );
    let member = &objects[1];
    for (field, want, source) in [
        ("document", "document.consideration", "厚生労働省"),
        (
            "limit_category",
            "limit.70-74",
            "国民健康保険法施行令第29条の3",
        ),
        (
            "long_term_stay_date",
            "limit.long-term-stay",
            "国民健康保険法第52条",
        ),
        ("specific_disease", "disease.specific", "特定疾病療養受療証"),
        (
            "sex",
            "notation.sex-on-back",
            "被保険者証の性別表記について",
        ),
        (
            "name",
            "notation.common-name",
            "被保険者証の氏名表記について",
        ),
    ] {
        let (name, detail) = rule(member, field);
        assert_eq!(name, want, "{field}");
        assert!(detail.contains(source), "{field}: {detail}");
    }
}
