//! Batch runs at scale: every record accounted for, kill and resume, shards and merge.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::out_dir;

/// Synthetic records from bench/gen_records.py (deterministic).
/// `n` generated records, cached in the target directory under a name that changes with the
/// generator, so a changed generator never leaves a stale cache behind.
pub(crate) fn records(n: usize) -> PathBuf {
    let generator = std::fs::read("bench/gen_records.py").expect("the generator is readable");
    // FNV-1a: any stable hash of the script will do.
    let hash = generator.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("records-{n}-{hash:016x}.csv"));
    if !path.exists() {
        let status = Command::new("python3")
            .args([
                "bench/gen_records.py",
                &n.to_string(),
                path.to_str().unwrap(),
            ])
            .status()
            .expect("python3 runs");
        assert!(status.success());
    }
    path
}

fn render(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "render",
            "--input",
            input.to_str().unwrap(),
            "--issuer",
            "samples/issuers",
            "--out",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// The PDFs and manifest of a run folder, by name.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "pdf" || x == "csv" || x == "jsonl")
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The record ids of a manifest's record rows (cover letters' rows belong to no record).
fn manifest_ids(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("manifest.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.contains(",cover,soufujo,"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn the_manifest_lists_every_record_once_and_bytes_do_not_depend_on_threads() {
    let input = records(3000);
    let (one, two) = (out_dir("threads-1"), out_dir("threads-2"));
    let a = render(&input, &one, &["--jobs", "1", "--per-file", "400"]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let b = render(&input, &two, &["--jobs", "3", "--per-file", "400"]);
    assert_eq!(b.status.code(), Some(0));
    assert!(
        outputs(&one) == outputs(&two),
        "output differs between 1 and 3 threads"
    );
    let mut ids = manifest_ids(&one);
    assert_eq!(ids.len(), 3000);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3000, "a record appears twice in the manifest");
}

#[test]
fn a_run_killed_midway_resumes_to_the_same_output() {
    let input = records(6000);
    let whole = out_dir("resume-whole");
    assert_eq!(
        render(&input, &whole, &["--per-file", "25"]).status.code(),
        Some(0)
    );
    let expected = outputs(&whole);
    let pdfs = expected.iter().filter(|(n, _)| n.ends_with(".pdf")).count();

    let out = out_dir("resume-killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "render",
            "--input",
            input.to_str().unwrap(),
            "--issuer",
            "samples/issuers",
            "--out",
            out.to_str().unwrap(),
            "--per-file",
            "25",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill with SIGKILL as soon as the first print file is complete: the run is then
    // in the middle of writing its files.
    let start = Instant::now();
    let finished_at_kill = loop {
        let done = std::fs::read_dir(&out)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| {
                        e.file_name().to_string_lossy().ends_with(".pdf")
                            && !e.file_name().to_string_lossy().starts_with('.')
                    })
                    .count()
            })
            .unwrap_or(0);
        if done > 0
            || child.try_wait().unwrap().is_some()
            || start.elapsed() > Duration::from_secs(120)
        {
            child.kill().ok();
            child.wait().unwrap();
            break done;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(
        finished_at_kill < pdfs,
        "the run finished before it could be killed ({finished_at_kill} of {pdfs} files)"
    );
    let again = render(&input, &out, &["--per-file", "25"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a folder with an interrupted run must not be overwritten without --resume"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
    let resumed = render(&input, &out, &["--per-file", "25", "--resume"]);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let got = outputs(&out);
    assert_eq!(got.len(), expected.len());
    for ((name, bytes), (want_name, want)) in got.iter().zip(&expected) {
        assert_eq!(name, want_name);
        assert!(bytes == want, "{name} differs from an uninterrupted run's");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.contains("spill"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn shards_cover_every_record_exactly_once_and_merge() {
    let input = records(2000);
    let mut manifests = Vec::new();
    let mut rendered = 0;
    for k in 1..=3 {
        let out = out_dir(&format!("shard-{k}"));
        let output = render(&input, &out, &["--shard", &format!("{k}/3")]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        rendered += manifest_ids(&out).len();
        manifests.push(out.join("manifest.csv"));
    }
    assert_eq!(rendered, 2000);
    let merged = out_dir("shard-merged.csv");
    let run = |paths: &[&PathBuf]| {
        Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .arg("merge-manifests")
            .args(paths.iter().map(|p| p.to_str().unwrap()))
            .args(["--out", merged.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let ok = run(&manifests.iter().collect::<Vec<_>>());
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Every record once, and every shard's cover letters.
    let merged_text = std::fs::read_to_string(&merged).unwrap();
    let covers = |text: &str| text.lines().filter(|l| l.contains(",cover,")).count();
    let shard_covers: usize = manifests
        .iter()
        .map(|m| covers(&std::fs::read_to_string(m).unwrap()))
        .sum();
    assert_eq!(merged_text.lines().count(), 2001 + shard_covers);
    assert_eq!(covers(&merged_text), shard_covers);
    let missing = run(&[&manifests[0], &manifests[1]]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing from every manifest"));
    let twice = run(&[&manifests[0], &manifests[1], &manifests[2], &manifests[2]]);
    assert!(String::from_utf8_lossy(&twice.stderr).contains("appears in"));
}
