//! Record inputs end to end: the sample files in `tests/data/records/` through `record::read`.
//!
//! Each broken input has its expected messages beside it (`short-row.csv` →
//! `short-row.stderr`), one `error:` line per error as the CLI prints them.
//! `SHIKAKU_UPDATE=1` rewrites a reference and fails, so that no change passes unseen.

use std::path::{Path, PathBuf};

use shikaku::record::{read, Encoding, ReadOptions};

const DATA: &str = "tests/data/records";

fn path(name: &str) -> PathBuf {
    Path::new(DATA).join(name)
}

fn cp932() -> ReadOptions {
    ReadOptions {
        encoding: Encoding::Cp932,
        ..ReadOptions::default()
    }
}

/// What a run over the file prints: one `error:` block per error.
fn diagnostics(path: &Path, options: &ReadOptions) -> String {
    match read(path, options) {
        Err(e) => format!("error: {e}\n"),
        Ok(records) => records
            .filter_map(Result::err)
            .map(|e| format!("error: {e}\n"))
            .collect(),
    }
}

fn check(name: &str, options: &ReadOptions) {
    let input = path(name);
    let reference = input.with_extension("stderr");
    let actual = diagnostics(&input, options);
    crate::reference::check(&reference, &actual);
}

#[test]
fn records_unknown_column() {
    check("unknown-column.csv", &ReadOptions::default());
}

#[test]
fn records_short_row() {
    check("short-row.csv", &ReadOptions::default());
}

#[test]
fn records_quoted_newline() {
    check("quoted-newline.csv", &ReadOptions::default());
}

#[test]
fn records_invalid_values() {
    check("invalid-values.csv", &ReadOptions::default());
}

#[test]
fn records_invalid_cp932() {
    check("invalid-cp932.csv", &cp932());
}

#[test]
fn records_malformed_json_lines() {
    check("malformed.jsonl", &ReadOptions::default());
}

#[test]
fn records_malformed_array() {
    check("malformed-array.json", &ReadOptions::default());
}

#[test]
fn records_duplicate_id() {
    check("duplicate-id.jsonl", &ReadOptions::default());
}

#[test]
fn records_ivs_and_pua() {
    check("ivs-and-pua.jsonl", &ReadOptions::default());
}

#[test]
fn records_valid_samples_read_without_errors() {
    for (name, options) in [
        ("members.csv", ReadOptions::default()),
        ("members-cp932.csv", cp932()),
        ("members.jsonl", ReadOptions::default()),
        ("members.json", ReadOptions::default()),
        ("members-lines.json", ReadOptions::default()),
    ] {
        let results: Vec<_> = read(&path(name), &options).expect("opens").collect();
        assert_eq!(results.len(), 5, "{name}");
        assert!(results.iter().all(Result::is_ok), "{name}");
    }
}

#[test]
fn records_ivs_reaches_the_record_intact() {
    let mut records = read(&path("ivs-and-pua.jsonl"), &ReadOptions::default()).expect("opens");
    let (_, record) = records.next().expect("a record").expect("valid");
    assert_eq!(record.name, "葛\u{E0100}城 ミツ");
}
