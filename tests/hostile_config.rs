//! Hostile inputs through the real `shikaku` command, one small file a case with its exact
//! expected messages beside it (`nan-x.toml` → `nan-x.stderr`), as in tests/data/records/:
//! layouts, issuer profiles, images and records that once printed NaN operators, names off
//! the card, blank 氏名, `javascript:` QR codes or impossible dates, or took gigabytes and
//! hung. Each case is its own `#[test]`; `SHIKAKU_UPDATE=1` rewrites a reference and fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a debug build on a busy machine; a hang (a FIFO, `/dev/zero`) is far longer.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `shikaku` and kills it if it runs past [`TIMEOUT`]: a hang is a failure, not a stuck suite.
fn shikaku(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("shikaku {args:?} ran over {TIMEOUT:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collects output")
}

fn out_file(name: &str, extension: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(format!("{name}.{extension}"))
}

/// Previews `case` as `role` (`--layout`, `--issuer` or `--record`) beside the other inputs in
/// `rest`, and compares stderr with the reference beside the case; the run must stop with
/// exit status 2 and write nothing.
fn preview_case(case: &Path, role: &str, rest: &[&str], extension: &str) {
    let name = case
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("utf-8 name");
    let out = out_file(name, extension);
    let _ = std::fs::remove_file(&out);
    let case_arg = case.to_str().expect("utf-8");
    let out_arg = out.to_str().expect("utf-8");
    let output = shikaku(&[&["preview", role, case_arg], rest, &["--out", out_arg]].concat());
    let stderr = String::from_utf8_lossy(&output.stderr);
    crate::reference::check(&case.with_extension("stderr"), &stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!out.exists(), "a refused input wrote {}", out.display());
}

/// A layout case: previewed with the first sample record.
fn layout_case(name: &str) {
    let case = Path::new("tests/data/hostile-layouts").join(format!("{name}.toml"));
    preview_case(
        &case,
        "--layout",
        &["--record", "samples/records.csv"],
        "png",
    );
}

/// An issuer profile case: a お知らせ (it has the QR code) previewed with it.
fn issuer_case(name: &str) {
    let case = Path::new("tests/data/hostile-issuers").join(format!("{name}.toml"));
    let rest = [
        "--layout",
        "kokuho-oshirase",
        "--record",
        "samples/records.csv",
    ];
    preview_case(&case, "--issuer", &rest, "pdf");
}

/// A record case: one JSON object, previewed on the card.
fn record_case(name: &str) {
    let case = Path::new("tests/data/hostile-records").join(format!("{name}.json"));
    let rest = [
        "--layout",
        "kokuho-kakuninsho",
        "--issuer",
        "samples/issuers/takasaki.toml",
    ];
    preview_case(&case, "--record", &rest, "png");
}

macro_rules! cases {
    ($run:ident, $folder:literal, $extension:literal, $listed:ident: $($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                $run($name);
            }
        )*

        /// Every case file in the folder has its test above.
        #[test]
        fn $listed() {
            let mut files: Vec<String> = std::fs::read_dir($folder)
                .expect("case folder")
                .filter_map(|e| {
                    let path = e.expect("entry").path();
                    (path.extension()? == $extension)
                        .then(|| path.file_stem()?.to_str().map(str::to_owned))?
                })
                .collect();
            files.sort();
            let mut listed = vec![$($name.to_string()),*];
            listed.sort();
            assert_eq!(files, listed, "add the new case to tests/hostile.rs");
        }
    };
}

cases! {
    layout_case, "tests/data/hostile-layouts", "toml", hostile_layout_cases_are_all_listed:
    hostile_layout_nan_x => "nan-x",
    hostile_layout_infinite_page_width => "infinite-page-width",
    hostile_layout_negative_w => "negative-w",
    hostile_layout_huge_x => "huge-x",
    hostile_layout_off_page_right => "off-page-right",
    hostile_layout_font_size_zero => "font-size-zero",
    hostile_layout_font_size_huge => "font-size-huge",
    hostile_layout_fit_squeeze_nan => "fit-squeeze-nan",
    hostile_layout_fit_min_size_over_size => "fit-min-size-over-size",
    hostile_layout_fit_lines_huge => "fit-lines-huge",
    hostile_layout_dash_zeros => "dash-zeros",
    hostile_layout_dash_negative => "dash-negative",
    hostile_layout_dash_empty => "dash-empty",
    hostile_layout_line_off_page => "line-off-page",
    hostile_layout_line_nan => "line-nan",
    hostile_layout_line_width_zero => "line-width-zero",
    hostile_layout_rect_radius_too_large => "rect-radius-too-large",
    hostile_layout_rect_stroke_negative => "rect-stroke-negative",
    hostile_layout_qr_quiet_zone_huge => "qr-quiet-zone-huge",
    hostile_layout_qr_off_page_bottom => "qr-off-page-bottom",
    hostile_layout_qr_modules_too_small => "qr-modules-too-small",
    hostile_layout_cutline_caption_off_top => "cutline-caption-off-top",
    hostile_layout_image_huge_dimensions => "image-huge-dimensions",
    hostile_layout_image_truncated => "image-truncated",
    hostile_layout_image_bogus_chunk => "image-bogus-chunk",
    hostile_layout_image_dev_zero => "image-dev-zero",
    hostile_layout_image_directory => "image-directory",
    hostile_layout_text_zero_width => "text-zero-width",
}

cases! {
    issuer_case, "tests/data/hostile-issuers", "toml", hostile_issuer_cases_are_all_listed:
    hostile_issuer_portal_javascript => "portal-javascript",
    hostile_issuer_portal_empty => "portal-empty",
    hostile_issuer_portal_control_character => "portal-control-character",
    hostile_issuer_portal_http => "portal-http",
    hostile_issuer_portal_user_info => "portal-user-info",
    hostile_issuer_portal_space => "portal-space",
    hostile_issuer_portal_too_long => "portal-too-long",
    hostile_issuer_seal_huge_dimensions => "seal-huge-dimensions",
    hostile_issuer_seal_truncated => "seal-truncated",
    hostile_issuer_seal_bogus_chunk => "seal-bogus-chunk",
    hostile_issuer_seal_bad_crc => "seal-bad-crc",
    hostile_issuer_seal_not_png => "seal-not-png",
    hostile_issuer_seal_dev_zero => "seal-dev-zero",
    hostile_issuer_seal_directory => "seal-directory",
    hostile_issuer_seal_missing => "seal-missing",
    hostile_issuer_name_blank => "name-blank",
    hostile_issuer_contact_bidi_override => "contact-bidi-override",
}

cases! {
    record_case, "tests/data/hostile-records", "json", hostile_record_cases_are_all_listed:
    hostile_record_name_ideographic_space => "name-ideographic-space",
    hostile_record_name_nbsp_and_spaces => "name-nbsp-and-spaces",
    hostile_record_number_em_space => "number-em-space",
    hostile_record_name_noncharacter => "name-noncharacter",
    hostile_record_name_plane_noncharacter => "name-plane-noncharacter",
    hostile_record_name_bidi_override => "name-bidi-override",
    hostile_record_name_zero_width_space => "name-zero-width-space",
    hostile_record_name_c1_control => "name-c1-control",
    hostile_record_name_byte_order_mark => "name-byte-order-mark",
    hostile_record_name_unpaired_surrogate => "name-unpaired-surrogate",
    hostile_record_address_replacement_character => "address-replacement-character",
    hostile_record_address_line_separator => "address-line-separator",
    hostile_record_address_too_long => "address-too-long",
    hostile_record_name_too_long => "name-too-long",
    hostile_record_birth_after_issue => "birth-after-issue",
    hostile_record_born_too_long_ago => "born-too-long-ago",
    hostile_record_birth_before_meiji => "birth-before-meiji",
    hostile_record_expiry_far_future => "expiry-far-future",
    hostile_record_qualified_before_birth => "qualified-before-birth",
    hostile_record_qualified_far_after_issue => "qualified-far-after-issue",
    hostile_record_application_after_issue => "application-after-issue",
    hostile_record_residence_expiry_before_birth => "residence-expiry-before-birth",
}

/// Layouts and profiles named on the command line must be regular files too: a device or a
/// named pipe would block the read forever.
#[cfg(unix)]
#[test]
fn hostile_devices_and_fifos_are_refused_without_hanging() {
    let fifo = out_file("pipe", "toml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let fifo = fifo.to_str().expect("utf-8");
    let out = out_file("devices", "png");
    let out = out.to_str().expect("utf-8");
    for (args, expected) in [
        (
            vec!["--layout", "/dev/zero", "--record", "samples/records.csv"],
            "error: /dev/zero:1:1: failed to read layout (not a regular file but a device)\n".to_string(),
        ),
        (
            vec!["--layout", fifo, "--record", "samples/records.csv"],
            format!("error: {fifo}:1:1: failed to read layout (not a regular file but a named pipe (FIFO))\n"),
        ),
        (
            vec!["--layout", "kokuho-kakuninsho", "--record", "samples/records.csv", "--issuer", fifo],
            format!("error: failed to read issuer profile {fifo} (not a regular file but a named pipe (FIFO))\n"),
        ),
        (
            vec!["--layout", "kokuho-kakuninsho", "--record", "/dev/zero"],
            "error: failed to read /dev/zero (not a regular file but a device)\n".to_string(),
        ),
        (
            vec!["--layout", "kokuho-kakuninsho", "--record", fifo],
            format!("error: failed to read {fifo} (not a regular file but a named pipe (FIFO))\n"),
        ),
    ] {
        let output = shikaku(&[&["preview"], &args[..], &["--out", out]].concat());
        assert_eq!(String::from_utf8_lossy(&output.stderr), expected);
        assert_eq!(output.status.code(), Some(2));
    }
}

/// A seal path naming a FIFO: the profile is read, the seal refused at once.
#[cfg(unix)]
#[test]
fn hostile_seal_fifo_is_refused_without_hanging() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-seal-fifo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let made = Command::new("mkfifo")
        .arg(dir.join("seal.png"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let profile = dir.join("issuer.toml");
    std::fs::write(
        &profile,
        "name = \"高崎市\"\ninsurer_number = \"100016\"\nprefecture = \"群馬県\"\nseal = \"seal.png\"\n",
    )
    .expect("write profile");
    let output = shikaku(&[
        "preview",
        "--layout",
        "kokuho-kakuninsho",
        "--record",
        "samples/records.csv",
        "--issuer",
        profile.to_str().expect("utf-8"),
        "--out",
        out_file("seal-fifo", "png").to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.ends_with("seal.png (not a regular file but a named pipe (FIFO))\n"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(2));
}

/// A batch refuses a hostile profile before reading any record, as preview does.
#[test]
fn hostile_render_refuses_a_script_portal_url_before_any_record() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-render");
    let _ = std::fs::remove_dir_all(&dir);
    let output = shikaku(&[
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "tests/data/hostile-issuers/portal-javascript.toml",
        "--out",
        dir.join("out").to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = std::fs::read_to_string("tests/data/hostile-issuers/portal-javascript.stderr")
        .expect("reference");
    assert_eq!(stderr, expected);
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.join("out").join("manifest.csv").exists());
}
