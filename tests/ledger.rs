//! `shikaku user` and `shikaku ledger` end to end: the users file they keep, a batch run's
//! manifest imported once, a member's documents listed, and the errors a wrong use gets.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::fresh_dir;

/// Runs `shikaku ARGS` with `stdin` as standard input.
fn shikaku(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command that refuses before reading its input (a password piped without
    // --password-stdin) may exit first: the pipe breaks, which is no failure of the test.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn user_add_passwd_and_remove_keep_a_private_users_file() {
    let dir = fresh_dir("cli-users");
    let file = dir.join("users.toml");
    let users = file.to_str().unwrap();
    let add = |name: &str, password: &str| {
        shikaku(
            &[
                "user",
                "add",
                name,
                "--users",
                users,
                "--role",
                "issue",
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    };
    let added = add("tanaka", "counter pass");
    assert!(added.status.success(), "{}", stderr(&added));
    assert_eq!(stderr(&added), "added user tanaka (issue)\n");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[users.tanaka]") && text.contains("$argon2id$"),
        "{text}"
    );
    assert!(!text.contains("counter pass"));

    let again = add("tanaka", "counter pass");
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("failed to add user `tanaka` (the user exists)"));
    let short = add("sato", "short");
    assert_eq!(short.status.code(), Some(2));
    assert!(
        stderr(&short).contains("shorter than 8 characters"),
        "{}",
        stderr(&short)
    );

    let passwd = shikaku(
        &[
            "user",
            "passwd",
            "tanaka",
            "--users",
            users,
            "--role",
            "view",
            "--password-stdin",
        ],
        "new counter pass\n",
    );
    assert!(passwd.status.success(), "{}", stderr(&passwd));
    assert_eq!(
        stderr(&passwd),
        "changed the password and role of tanaka (view)\n"
    );
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("role = \"view\""));
    let unknown = shikaku(
        &[
            "user",
            "passwd",
            "suzuki",
            "--users",
            users,
            "--password-stdin",
        ],
        "whatever pass\n",
    );
    assert!(
        stderr(&unknown).contains("no user `suzuki`"),
        "{}",
        stderr(&unknown)
    );

    // Without --password-stdin the password must come from a terminal, which a pipe is not.
    let piped = shikaku(
        &["user", "add", "sato", "--users", users],
        "pass pass pass\n",
    );
    assert_eq!(piped.status.code(), Some(2));
    assert!(
        stderr(&piped).contains("hint: pass --password-stdin"),
        "{}",
        stderr(&piped)
    );

    let removed = shikaku(&["user", "remove", "tanaka", "--users", users], "");
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(!std::fs::read_to_string(&file).unwrap().contains("tanaka"));
}

/// Renders the samples as a batch run into `dir`, for its manifest.
fn batch_run(dir: &Path) {
    let output = shikaku(
        &[
            "render",
            "--input",
            "samples/records.csv",
            "--issuer",
            "samples/issuers",
            "--out",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert!(output.status.code() != Some(2), "{}", stderr(&output));
}

#[test]
fn a_batch_run_is_imported_once_and_a_members_documents_are_listed() {
    let dir = fresh_dir("cli-ledger");
    let out = dir.join("out");
    batch_run(&out);
    let manifest = out.join("manifest.csv");
    let ledger = dir.join("ledger.sqlite");
    let (manifest, ledger) = (manifest.to_str().unwrap(), ledger.to_str().unwrap());

    let imported = shikaku(&["ledger", "import", manifest, "--ledger", ledger], "");
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stderr(&imported).contains("as batch run 1: ")
            && stderr(&imported).contains("documents (更新)"),
        "{}",
        stderr(&imported)
    );
    let twice = shikaku(
        &[
            "ledger", "import", manifest, "--ledger", ledger, "--reason", "new",
        ],
        "",
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("this manifest is already in the ledger as batch run 1"),
        "{}",
        stderr(&twice)
    );

    let shown = shikaku(&["ledger", "show", "T0001", "--ledger", ledger], "");
    assert!(shown.status.success(), "{}", stderr(&shown));
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("kokuho-kakuninsho  更新  有効期限 2026-07-31  "),
        "{stdout}"
    );
    assert!(stdout.contains("(batch)  batch run 1  sha256 "), "{stdout}");
    let json = shikaku(
        &["ledger", "show", "T0001", "--ledger", ledger, "--json"],
        "",
    );
    let row: serde_json::Value =
        serde_json::from_slice(json.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(row["reason"], "renewal");
    assert_eq!(row["source"], "batch run 1");
    assert_eq!(row["expiry_date"], "2026-07-31");
    // An お知らせ has no 有効期限.
    let notice = shikaku(&["ledger", "show", "T0002", "--ledger", ledger], "");
    let stdout = String::from_utf8_lossy(&notice.stdout);
    assert!(
        stdout.contains("kokuho-oshirase  更新  有効期限 -  "),
        "{stdout}"
    );
    let nobody = shikaku(&["ledger", "show", "X9999", "--ledger", ledger], "");
    assert!(nobody.stdout.is_empty());
    assert_eq!(stderr(&nobody), "0 documents for record X9999\n");
}

#[test]
fn wrong_ledger_inputs_are_named() {
    let dir = fresh_dir("cli-ledger-errors");
    let ledger = dir.join("ledger.sqlite");
    let ledger = ledger.to_str().unwrap();
    let missing = shikaku(
        &["ledger", "show", "T0001", "--ledger", "no/such.sqlite"],
        "",
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("hint: give the file passed to `shikaku serve --ledger`"));

    let bad = dir.join("manifest.csv");
    std::fs::write(&bad, "record_id,status\nT0001,rendered\n").unwrap();
    let refused = shikaku(
        &[
            "ledger",
            "import",
            bad.to_str().unwrap(),
            "--ledger",
            ledger,
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("manifest.csv:2: failed to read a manifest row"),
        "{}",
        stderr(&refused)
    );
    // A manifest that is not there leaves no new ledger behind.
    let absent = shikaku(
        &["ledger", "import", "no/manifest.csv", "--ledger", ledger],
        "",
    );
    assert_eq!(absent.status.code(), Some(2));
    assert!(
        stderr(&absent).contains("failed to read the manifest no/manifest.csv"),
        "{}",
        stderr(&absent)
    );
    assert!(!Path::new(ledger).exists());
    let not_sqlite = dir.join("notes.txt");
    std::fs::write(&not_sqlite, "x".repeat(5000)).unwrap();
    let wrong = shikaku(
        &[
            "ledger",
            "show",
            "T0001",
            "--ledger",
            not_sqlite.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        stderr(&wrong).contains("hint: the file is not a shikaku ledger"),
        "{}",
        stderr(&wrong)
    );
}

/// The manifest of `out` without its last column, as a run before `expiry_date` wrote it.
fn manifest_without_expiry(out: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let old: String = text
        .lines()
        .map(|line| format!("{}\n", &line[..line.rfind(',').unwrap()]))
        .collect();
    assert!(old.starts_with("record_id,") && old.contains(",input_records,substitutions\n"));
    let path = out.join("manifest-old.csv");
    std::fs::write(&path, old).unwrap();
    path
}

#[test]
fn a_manifest_from_before_the_expiry_column_imports_with_a_warning() {
    let dir = fresh_dir("cli-ledger-old-manifest");
    let out = dir.join("out");
    batch_run(&out);
    let manifest = manifest_without_expiry(&out);
    let ledger = dir.join("ledger.sqlite");
    let ledger = ledger.to_str().unwrap();
    let imported = shikaku(
        &[
            "ledger",
            "import",
            manifest.to_str().unwrap(),
            "--ledger",
            ledger,
        ],
        "",
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let cards = std::fs::read_to_string(out.join("manifest.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.contains(",rendered,kakuninsho,"))
        .count();
    assert!(
        stderr(&imported).contains(&format!(
            "manifest-old.csv: {cards} cards imported without their 有効期限 (the manifest has no `expiry_date` column)"
        )),
        "{}",
        stderr(&imported)
    );
    let shown = shikaku(&["ledger", "show", "T0001", "--ledger", ledger], "");
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert!(stdout.contains("有効期限 -  "), "{stdout}");
}

#[test]
fn an_edited_expiry_in_a_manifest_is_named_by_line_and_record() {
    let dir = fresh_dir("cli-ledger-bad-expiry");
    let out = dir.join("out");
    batch_run(&out);
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let edited = text.replacen(",2026-07-31\n", ",31/07/2026\n", 1);
    assert_ne!(edited, text);
    let line = edited
        .lines()
        .position(|l| l.ends_with("31/07/2026"))
        .unwrap()
        + 1;
    let record = edited
        .lines()
        .nth(line - 1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_owned();
    std::fs::write(out.join("manifest.csv"), edited).unwrap();
    let ledger = dir.join("ledger.sqlite");
    let refused = shikaku(
        &[
            "ledger",
            "import",
            out.join("manifest.csv").to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains(&format!(
            "manifest.csv:{line}: field `expiry_date` of record {record}: failed to read the date (expected YYYY-MM-DD)"
        )),
        "{}",
        stderr(&refused)
    );
}

/// Starts `shikaku ledger import MANIFEST --ledger LEDGER` without waiting for it.
fn spawn_import(manifest: &Path, ledger: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["ledger", "import"])
        .arg(manifest)
        .arg("--ledger")
        .arg(ledger)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Documents in the ledger for `record_id`, by `ledger show`; none while no ledger exists (an
/// import killed before it opened one).
fn documents(ledger: &Path, record_id: &str) -> usize {
    if !ledger.exists() {
        return 0;
    }
    let shown = shikaku(
        &[
            "ledger",
            "show",
            record_id,
            "--ledger",
            ledger.to_str().unwrap(),
        ],
        "",
    );
    assert!(shown.status.success(), "{}", stderr(&shown));
    String::from_utf8_lossy(&shown.stdout).lines().count()
}

#[test]
fn two_imports_of_one_manifest_at_once_add_it_once() {
    let dir = fresh_dir("cli-ledger-race");
    let out = dir.join("out");
    batch_run(&out);
    // No ledger yet: the eight race to create it too (two that switch a new ledger to WAL at
    // once made SQLite refuse one with "database is locked", 3 runs in 40).
    let ledger = dir.join("ledger.sqlite");
    let manifest = out.join("manifest.csv");
    let children: Vec<_> = (0..8).map(|_| spawn_import(&manifest, &ledger)).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        outputs.iter().map(stderr).collect::<Vec<_>>()
    );
    for refused in outputs.iter().filter(|o| !o.status.success()) {
        assert!(
            stderr(refused).contains("this manifest is already in the ledger as batch run 1"),
            "{}",
            stderr(refused)
        );
    }
    assert_eq!(documents(&ledger, "T0001"), 1);
}

#[test]
fn an_import_killed_midway_leaves_all_or_nothing_and_imports_again() {
    let dir = fresh_dir("cli-ledger-kill");
    let out = dir.join("out");
    batch_run(&out);
    // A long run: the samples' first row repeated, so that the kill lands inside the import.
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    // A rendered document's row (cover letters' rows come first in their envelopes).
    let first = lines.find(|l| l.contains(",rendered,")).unwrap();
    let rest = first.split_once(',').unwrap().1;
    let mut big = format!("{header}\n");
    const ROWS: usize = 200_000;
    for i in 0..ROWS {
        big.push_str(&format!("B{i:06},{rest}\n"));
    }
    let manifest = out.join("manifest-big.csv");
    std::fs::write(&manifest, big).unwrap();
    let ledger = dir.join("ledger.sqlite");
    for delay_ms in [50, 150, 400] {
        let mut child = spawn_import(&manifest, &ledger);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let (first, last) = (
            documents(&ledger, "B000000"),
            documents(&ledger, &format!("B{:06}", ROWS - 1)),
        );
        assert_eq!(first, last, "half a run after a kill at {delay_ms} ms");
        if first == 1 {
            return;
        }
    }
    // None of the kills landed after the commit: the import runs whole now.
    let finished = spawn_import(&manifest, &ledger).wait_with_output().unwrap();
    assert!(finished.status.success(), "{}", stderr(&finished));
    assert_eq!(documents(&ledger, "B000000"), 1);
    assert_eq!(documents(&ledger, &format!("B{:06}", ROWS - 1)), 1);
}
