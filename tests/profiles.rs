//! Input profiles end to end: municipal exports (fixed-width CP932, Japanese-header CSV)
//! through `record::read` and the `shikaku` command.
//!
//! Each hostile input in `tests/data/profiles/` has its expected messages beside it
//! (`wrong-length.dat` → `wrong-length.stderr`), one `error:` block per error, as in
//! `tests/records.rs`. `SHIKAKU_UPDATE=1` rewrites a reference and fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use shikaku::record::{read, Profile, ReadOptions};

const DATA: &str = "tests/data/profiles";

fn options(profile: &Path) -> Result<ReadOptions, String> {
    let profile = Profile::from_path(profile).map_err(|e| format!("error: {e}\n"))?;
    Ok(ReadOptions {
        profile: Some(Arc::new(profile)),
        ..ReadOptions::default()
    })
}

/// What reading `input` with `profile` prints: one `error:` block per error.
fn diagnostics(input: &Path, profile: &Path) -> String {
    let options = match options(profile) {
        Ok(options) => options,
        Err(message) => return message,
    };
    match read(input, &options) {
        Err(e) => format!("error: {e}\n"),
        Ok(records) => records
            .filter_map(Result::err)
            .map(|e| format!("error: {e}\n"))
            .collect(),
    }
}

/// Compares the messages for `input` read with `profile` against `reference`: `Err` says how
/// they differ, or that the reference was rewritten.
fn compare(input: &str, profile: &str, reference: &str) -> Result<(), String> {
    let reference = Path::new(DATA).join(reference);
    let actual = diagnostics(&Path::new(DATA).join(input), &Path::new(DATA).join(profile));
    if std::env::var_os("SHIKAKU_UPDATE").is_some() {
        std::fs::write(&reference, &actual).expect("reference is writable");
        return Err(format!("reference updated: {}", reference.display()));
    }
    let expected = std::fs::read_to_string(&reference).map_err(|e| {
        format!(
            "{} ({e}); run with SHIKAKU_UPDATE=1 to create it",
            reference.display()
        )
    })?;
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "messages for {input} differ from {}:\n{actual}",
            reference.display()
        ))
    }
}

fn check(input: &str, profile: &str, reference: &str) {
    if let Err(e) = compare(input, profile, reference) {
        panic!("{e}");
    }
}

#[test]
fn profiles_truncated_last_record() {
    check(
        "truncated-last-record.dat",
        "host-noeol.toml",
        "truncated-last-record.stderr",
    );
}

#[test]
fn profiles_wrong_record_length() {
    check("wrong-length.dat", "host.toml", "wrong-length.stderr");
}

#[test]
fn profiles_character_split_at_a_column_end() {
    check("split-character.dat", "host.toml", "split-character.stderr");
}

#[test]
fn profiles_sjis_0x5c_trail_bytes_read_clean() {
    check("sjis-5c.dat", "host.toml", "sjis-5c.stderr");
}

#[test]
fn profiles_gaiji_area_is_private_use() {
    check("gaiji.dat", "host.toml", "gaiji.stderr");
}

#[test]
fn profiles_empty_file() {
    check("empty.dat", "host.toml", "empty.stderr");
}

#[test]
fn profiles_bad_values() {
    check("bad-values.dat", "host.toml", "bad-values.stderr");
}

#[test]
fn profiles_header_only_csv() {
    check(
        "header-only.csv",
        "../../../samples/profiles/kokuho-export.toml",
        "header-only.stderr",
    );
}

#[test]
fn profiles_header_lacks_a_column() {
    check(
        "missing-column.csv",
        "../../../samples/profiles/kokuho-export.toml",
        "missing-column.stderr",
    );
}

#[test]
fn profiles_data_row_taken_for_a_header() {
    check(
        "no-header.csv",
        "../../../samples/profiles/kokuho-export.toml",
        "no-header.stderr",
    );
}

#[test]
fn profiles_broken_profiles_stop_before_the_first_record() {
    let failures = [
        "past-record",
        "unknown-field",
        "unknown-date-form",
        "unknown-column",
        "no-source",
        "bad-constant",
        "bare-japanese-key",
    ]
    .into_iter()
    .filter_map(|p| compare("sjis-5c.dat", &format!("{p}.toml"), &format!("{p}.stderr")).err())
    .collect::<Vec<_>>();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn shikaku(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Renders `input` (with a profile, if given) into a fresh folder; returns it and the output.
fn render(name: &str, input: &str, profile: Option<&str>) -> (PathBuf, Output) {
    let out = out_dir(name);
    let mut args = vec![
        "render",
        "--input",
        input,
        "--issuer",
        "samples/issuers",
        "--out",
    ];
    args.push(out.to_str().expect("UTF-8 path"));
    if let Some(profile) = profile {
        args.extend(["--input-profile", profile]);
    }
    let output = shikaku(&args);
    (out, output)
}

/// The print files of a render, by name.
fn pdfs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .expect("output folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

fn assert_same_pdfs(expected: &Path, actual: &Path) {
    let (expected, actual) = (pdfs(expected), pdfs(actual));
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&actual), names(&expected));
    for ((name, a), (_, b)) in actual.iter().zip(&expected) {
        assert!(
            a == b,
            "{name} differs from the one rendered from samples/records.csv"
        );
    }
}

#[test]
fn the_japanese_header_csv_renders_the_same_pdfs_as_the_contract_csv() {
    let (contract, output) = render("profiles-contract", "samples/records.csv", None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (export, output) = render(
        "profiles-export",
        "samples/profiles/kokuho-export.csv",
        Some("samples/profiles/kokuho-export.toml"),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("16 read = 16 rendered + 0 rejected"),
        "{stderr}"
    );
    assert_same_pdfs(&contract, &export);
}

#[test]
fn the_fixed_width_host_export_renders_the_same_pdfs_but_for_its_gaiji() {
    // 葛󠄀 has no CP932 code: the host export holds it as the 外字 0xF040 (U+E000), refused
    // until a 外字 map turns it back. Every other member prints exactly as from the contract.
    let samples = std::fs::read_to_string("samples/records.csv").expect("samples");
    let without: String = samples
        .lines()
        .filter(|l| !l.starts_with("T0015,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let contract_csv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("records-without-T0015.csv");
    std::fs::write(&contract_csv, without).expect("writable");
    let (contract, output) = render("profiles-contract-15", contract_csv.to_str().unwrap(), None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (host, output) = render(
        "profiles-host",
        "samples/profiles/kokuho-host.dat",
        Some("samples/profiles/kokuho-host.toml"),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("16 read = 15 rendered + 1 rejected"),
        "{stderr}"
    );
    assert_same_pdfs(&contract, &host);
    let report = std::fs::read_to_string(host.join("errors.jsonl")).expect("report");
    let entry: serde_json::Value = serde_json::from_str(report.trim()).expect("one JSON line");
    assert_eq!(entry["record_id"], "T0015");
    assert_eq!(entry["field"], "name");
    assert_eq!(entry["source"], "氏 + 名");
    assert_eq!(entry["byte"], 14 * 352 + 41);
    assert_eq!(
        entry["reason"],
        "invalid text (contains private-use character U+E000 at character 1)"
    );
    assert_eq!(
        entry["message_ja"],
        "外字（私用領域の文字 U+E000、1文字目）は印刷できません。MJ+/UCSの文字で入力してください"
    );
}

#[test]
fn check_counts_per_field_without_values() {
    let output = shikaku(&[
        "check",
        "--input",
        "samples/profiles/kokuho-host.dat",
        "--input-profile",
        "samples/profiles/kokuho-host.toml",
        "--issuer",
        "samples/issuers",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "name: 1 record (15)\n  1 × invalid text (contains private-use character U+E000 at character 1)\n\
         16 read = 15 valid + 1 invalid\n"
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    let output = shikaku(&[
        "check",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "16 read = 16 valid + 0 invalid\n"
    );
}

#[test]
fn check_exits_2_when_reading_stops_before_the_end() {
    let output = shikaku(&[
        "check",
        "--input",
        "tests/data/profiles/truncated-last-record.dat",
        "--input-profile",
        "tests/data/profiles/host-noeol.toml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.ends_with(
            "(record): 1 record (3)\n  1 × failed to read fixed-width record (found 41 instead of 60 bytes)\n\
             reading stopped at byte 120: the rest of the input was not read\n\
             3 read = 0 valid + 3 invalid\n"
        ),
        "{stdout}"
    );
}

#[test]
fn check_and_explain_stop_on_a_broken_profile() {
    for command in ["check", "explain"] {
        let output = shikaku(&[
            command,
            "--input",
            "tests/data/profiles/sjis-5c.dat",
            "--input-profile",
            "tests/data/profiles/past-record.toml",
        ]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: tests/data/profiles/past-record.toml:"),
            "{command}: {stderr}"
        );
        assert_eq!(output.stdout, b"", "{command}");
    }
}

#[test]
fn explain_reads_a_profiled_export() {
    let output = shikaku(&[
        "explain",
        "--input",
        "samples/profiles/kokuho-export.csv",
        "--input-profile",
        "samples/profiles/kokuho-export.toml",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 16);
}
