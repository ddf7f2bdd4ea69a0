//! The hostile corpus: one small malformed input a case in `tests/data/hostile/`, each run
//! through `shikaku render` and checked against `<case>.expected`: the exit status, the
//! counts in summary.json (which must add up: read = rendered + rejected, and an unread
//! position when reading stopped early) and every line on stderr. Issue 10: a bad record
//! costs only itself, whatever could not be read is said and fails the run, nothing a
//! member wrote reaches stderr.
//!
//! `SHIKAKU_UPDATE=1 cargo test --test main hostile` rewrites the references and fails.

use std::path::{Path, PathBuf};

use std::process::Command;

const DATA: &str = "tests/data/hostile";

/// What a run over the case did, as the reference holds it.
fn outcome(case: &str) -> String {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{case}"));
    let _ = std::fs::remove_dir_all(&out);
    let input = Path::new(DATA).join(case);
    let output = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["render", "--input"])
        .arg(&input)
        .args(["--issuer", "samples/issuers", "--out"])
        .arg(&out)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).replace(out.to_str().unwrap(), "OUT");
    check_no_personal_data(case, &stderr);
    let status = output.status.code().expect("exits, not killed");
    format!(
        "exit {status}\n{}\nerrors.jsonl:\n{}stderr:\n{stderr}",
        summary(&out, status),
        error_report(&out)
    )
}

/// The error report, one line an entry without the value (which may be personal data).
fn error_report(out: &Path) -> String {
    let report = std::fs::read_to_string(out.join("errors.jsonl")).unwrap_or_default();
    report
        .lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).expect("JSON Lines");
            format!(
                "line {} record {} field {}: {}\n",
                entry["line"], entry["record"], entry["field"], entry["reason"]
            )
        })
        .collect()
}

/// The counts of summary.json, checked to add up; or that no folder was made.
fn summary(out: &Path, status: i32) -> String {
    let Ok(bytes) = std::fs::read(out.join("summary.json")) else {
        assert!(
            !out.exists() || status != 2,
            "a run that could not start left {} behind",
            out.display()
        );
        return "summary: none, and no output folder".into();
    };
    let summary: serde_json::Value = serde_json::from_slice(&bytes).expect("summary is JSON");
    let count = |key: &str| summary[key].as_u64().expect("a count");
    let (read, rendered, rejected) = (count("read"), count("rendered"), count("rejected"));
    assert_eq!(read, rendered + rejected, "counts do not add up: {summary}");
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).expect("a manifest");
    let rows = manifest.lines().skip(1).count() as u64;
    let unread = &summary["unread"];
    let unread_rows = u64::from(!unread.is_null());
    assert_eq!(rows, read + unread_rows, "manifest rows: {manifest}");
    assert_eq!(
        status == 2,
        !unread.is_null(),
        "exit {status} with unread {unread}"
    );
    let mut text = format!("summary: {read} read = {rendered} rendered + {rejected} rejected");
    if !unread.is_null() {
        text += &format!(
            "; unread from line {} (byte {})",
            unread["line"], unread["byte"]
        );
    }
    text
}

/// Names and addresses of the members in the corpus never reach stderr.
fn check_no_personal_data(case: &str, stderr: &str) {
    let samples = std::fs::read_to_string("samples/records.csv").expect("samples");
    for row in samples.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        for value in [cells[6], cells[7], cells[11]] {
            assert!(
                value.is_empty() || !stderr.contains(value),
                "{case}: stderr holds a member's data: {stderr}"
            );
        }
    }
}

fn check(case: &str) {
    let actual = outcome(case);
    let reference: PathBuf = Path::new(DATA).join(format!("{case}.expected"));
    crate::reference::check(&reference, &actual);
}

macro_rules! hostile {
    ($($name:ident: $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check($file);
            }
        )*
    };
}

hostile! {
    hostile_csv_stray_quote: "csv-stray-quote.csv",
    hostile_csv_unclosed_quote_at_end: "csv-unclosed-quote-at-end.csv",
    hostile_csv_headerless: "csv-headerless.csv",
    hostile_csv_binary_line: "csv-binary-line.csv",
    hostile_csv_header_only: "csv-header-only.csv",
    hostile_csv_empty: "csv-empty.csv",
    hostile_csv_formula_ids: "csv-formula-ids.csv",
    hostile_jsonl_broken_lines: "jsonl-broken-lines.jsonl",
    hostile_jsonl_invalid_utf8: "jsonl-invalid-utf8.jsonl",
    hostile_json_array_broken: "json-array-broken.json",
    hostile_json_array_truncated: "json-array-truncated.json",
    hostile_json_array_trailing_garbage: "json-array-trailing-garbage.json",
    hostile_json_array_long_broken_element: "json-array-long-broken-element.json",
    hostile_json_array_value_refused: "json-array-value-refused.json",
}

/// Issue 10, item 13: the manifest is opened in spreadsheets, so ids that a spreadsheet
/// would run as formulas are written with a leading `'`.
#[test]
fn hostile_formula_ids_are_not_formulas_in_the_manifest() {
    outcome("csv-formula-ids.csv");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-csv-formula-ids.csv");
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).expect("a manifest");
    let mut ids: Vec<String> = csv_first_cells(&manifest);
    ids.sort();
    assert_eq!(
        ids,
        [
            "'+81-3-0000",
            "'-1+2",
            "'=HYPERLINK(\"http://example.invalid/\",\"open\")",
            "'@SUM(A1)"
        ]
    );
}

fn csv_first_cells(text: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("valid CSV")[0].to_owned())
        .collect()
}

/// `explain` reads with the same reader: a broken array says where reading stopped and
/// fails, and a headerless file names the column, not the member (issue 10, items 1, 12).
#[test]
fn hostile_explain_says_where_reading_stopped_and_quotes_no_member() {
    let explain = |case: &str| {
        Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args(["explain", "--input"])
            .arg(Path::new(DATA).join(case))
            .output()
            .expect("the binary runs")
    };
    let broken = explain("json-array-broken.json");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(2), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&broken.stdout).lines().count(), 2);
    assert!(
        stderr.starts_with("error: input not read from line 43 (byte 1119) on: tests/data/hostile/json-array-broken.json:46:3 (record 3): failed to parse JSON (expected `,` or `}`)"),
        "{stderr}"
    );
    let headerless = explain("csv-headerless.csv");
    let stderr = String::from_utf8_lossy(&headerless.stderr);
    assert_eq!(headerless.status.code(), Some(2), "{stderr}");
    check_no_personal_data("csv-headerless.csv (explain)", &stderr);
    assert!(stderr.contains("column 1 is not a field name"), "{stderr}");
}
