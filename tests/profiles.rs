//! Input profiles end to end: municipal exports (fixed-width CP932, Japanese-header CSV)
//! through `record::read` and the `shikaku` command.
//!
//! Each hostile input in `tests/data/profiles/` has its expected messages beside it
//! (`wrong-length.dat` → `wrong-length.stderr`), one `error:` block per error, as in
//! `tests/records.rs`. `SHIKAKU_UPDATE=1` rewrites a reference and fails.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use shikaku::record::{read, Profile, ReadOptions};

use crate::common::{out_dir, shikaku};

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

/// Compares the messages for `input` read with `profile` (both in `tests/data/profiles/`)
/// with `reference`, or rewrites it under `SHIKAKU_UPDATE`.
fn check(input: &str, profile: &str, reference: &str) {
    let data = Path::new(DATA);
    let actual = diagnostics(&data.join(input), &data.join(profile));
    crate::reference::check(&data.join(reference), &actual);
}

/// One `#[test]` a case: name, input, profile, expected messages.
macro_rules! profile_cases {
    ($($name:ident: $input:literal, $profile:expr => $reference:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check($input, $profile, $reference);
            }
        )*
    };
}

const EXPORT: &str = "../../../samples/profiles/kokuho-export.toml";

profile_cases! {
    profiles_truncated_last_record: "truncated-last-record.dat", "host-noeol.toml" => "truncated-last-record.stderr",
    profiles_wrong_record_length: "wrong-length.dat", "host.toml" => "wrong-length.stderr",
    profiles_short_lines: "short-lines.dat", "host.toml" => "short-lines.stderr",
    profiles_character_split_at_a_column_end: "split-character.dat", "host.toml" => "split-character.stderr",
    profiles_lead_byte_at_a_column_end: "lead-byte-at-column-end.dat", "host.toml" => "lead-byte-at-column-end.stderr",
    profiles_invalid_bytes: "invalid-bytes.dat", "host.toml" => "invalid-bytes.stderr",
    profiles_sjis_0x5c_trail_bytes_read_clean: "sjis-5c.dat", "host.toml" => "sjis-5c.stderr",
    profiles_gaiji_area_reads_as_private_use_for_the_gaiji_map: "gaiji.dat", "host.toml" => "gaiji.stderr",
    profiles_empty_file: "empty.dat", "host.toml" => "empty.stderr",
    profiles_bad_values: "bad-values.dat", "host.toml" => "bad-values.stderr",
    profiles_unknown_codes: "unknown-codes.dat", "host.toml" => "unknown-codes.stderr",
    profiles_crlf_and_lf_mixed: "mixed-line-ends.dat", "host.toml" => "mixed-line-ends.stderr",
    profiles_utf8_bom_before_cp932: "bom.dat", "host.toml" => "bom.stderr",
    profiles_no_line_ends_but_profile_says_crlf: "no-line-ends.dat", "host.toml" => "no-line-ends.stderr",
    profiles_line_ends_but_profile_says_none: "line-ends-declared-none.dat", "host-noeol.toml" => "line-ends-declared-none.stderr",
    profiles_header_only_csv: "header-only.csv", EXPORT => "header-only.stderr",
    profiles_header_lacks_a_column: "missing-column.csv", EXPORT => "missing-column.stderr",
    profiles_data_row_taken_for_a_header: "no-header.csv", EXPORT => "no-header.stderr",
    profiles_broken_past_record: "sjis-5c.dat", "past-record.toml" => "past-record.stderr",
    profiles_broken_unknown_field: "sjis-5c.dat", "unknown-field.toml" => "unknown-field.stderr",
    profiles_broken_unknown_date_form: "sjis-5c.dat", "unknown-date-form.toml" => "unknown-date-form.stderr",
    profiles_broken_unknown_column: "sjis-5c.dat", "unknown-column.toml" => "unknown-column.stderr",
    profiles_broken_no_source: "sjis-5c.dat", "no-source.toml" => "no-source.stderr",
    profiles_broken_bad_constant: "sjis-5c.dat", "bad-constant.toml" => "bad-constant.stderr",
    profiles_broken_bare_japanese_key: "sjis-5c.dat", "bare-japanese-key.toml" => "bare-japanese-key.stderr",
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
    // The 外字 is read as the private-use character it is, and refused when the document is
    // filled: the samples' issuers have no 外字 map.
    assert_eq!(
        entry["reason"],
        "field `name`: failed to convert 外字 (private-use character U+E000 at character 1 is not in the issuer's 外字 map)"
    );
    assert_eq!(
        entry["message_ja"],
        "氏名の外字（私用領域の文字 U+E000、1文字目）は外字表にありません。外字表に登録するか、MJ+/UCSの文字で入力してください"
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
        "name: 1 record (15)\n  1 × private-use character U+E000 at character 1 is not in the issuer's 外字 map\n\
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
fn check_lists_a_truncated_last_record_with_the_others() {
    let output = shikaku(&[
        "check",
        "--input",
        "tests/data/profiles/truncated-last-record.dat",
        "--input-profile",
        "tests/data/profiles/host-noeol.toml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "(record): 1 record (3)\n  1 × failed to read fixed-width record (found 41 instead of 60 bytes)\n\
         3 read = 2 valid + 1 invalid\n"
    );
}

#[test]
fn check_exits_2_and_says_where_when_reading_stops_before_the_end() {
    let output = shikaku(&[
        "check",
        "--input",
        "tests/data/hostile/json-array-broken.json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "2 read = 2 valid + 0 invalid (the rest of the input not read, see below)\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: input not read from line 43 (byte 1119) on: tests/data/hostile/json-array-broken.json:46:3 (record 3): failed to parse JSON (expected `,` or `}`)\n  hint: the records before it were checked; correct the input and run again\n"
    );
}

#[test]
fn wrong_flags_and_unreadable_profiles_stop_before_the_first_record() {
    let host = "tests/data/profiles/host.toml";
    let input = "tests/data/profiles/sjis-5c.dat";
    let cases: [(&[&str], &str); 5] = [
        (
            &["--input-profile", host, "--encoding", "cp932"],
            "error: --format and --encoding do not go with --input-profile\n  hint: the profile's [input] gives the format and encoding\n",
        ),
        (
            &["--input-profile", host, "--format", "csv"],
            "error: --format and --encoding do not go with --input-profile\n  hint: the profile's [input] gives the format and encoding\n",
        ),
        (
            &["--input-profile", "/dev/zero"],
            "error: /dev/zero:1:1: failed to read input profile (not a regular file but a device)\n",
        ),
        (
            &["--input-profile", "tests/data/profiles"],
            "error: tests/data/profiles:1:1: failed to read input profile (not a regular file but a directory)\n",
        ),
        (
            &["--input-profile", "tests/data/profiles/missing.toml"],
            "error: tests/data/profiles/missing.toml:1:1: failed to read input profile (No such file or directory (os error 2))\n",
        ),
    ];
    for (flags, expected) in cases {
        let output = shikaku(&[&["check", "--input", input], flags].concat());
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            expected,
            "{flags:?}"
        );
        assert_eq!(output.stdout, b"", "{flags:?}");
    }
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
