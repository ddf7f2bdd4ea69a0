//! `shikaku user` and `shikaku ledger` end to end: the users file they keep, a batch run's
//! manifest imported once, a member's documents listed, and the errors a wrong use gets.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::server::fresh_dir;

/// Runs `shikaku ARGS` with `stdin` as standard input.
fn shikaku(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command that refuses its arguments exits without reading its input.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
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
    assert!(stdout.contains("kokuho-kakuninsho  更新"), "{stdout}");
    assert!(stdout.contains("(batch)  batch run 1  sha256 "), "{stdout}");
    let json = shikaku(
        &["ledger", "show", "T0001", "--ledger", ledger, "--json"],
        "",
    );
    let row: serde_json::Value =
        serde_json::from_slice(json.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(row["reason"], "renewal");
    assert_eq!(row["source"], "batch run 1");
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
