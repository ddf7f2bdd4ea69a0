//! `shikaku golden check | update` end to end, as a designer uses them: a copy of a
//! layout is edited, `check` names exactly the element that moved and by how much,
//! `update` accepts it. The pixel diffs need poppler's pdftoppm (scripts/test.sh).

use std::path::{Path, PathBuf};
use std::process::Command;

use shikaku::golden::diff::Change;
use shikaku::golden::{check, Case, Cause, Outcome};

use crate::common::shikaku;

/// A designer's working copy: a copy of the kokuho card layout, one case using it,
/// and an empty golden folder, under target/.
struct Tree {
    root: PathBuf,
    layout: PathBuf,
}

impl Tree {
    fn new(name: &str, ignore: &[&str]) -> Tree {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("golden-cli-{name}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("cases/card")).unwrap();
        let layout = root.join("kokuho-kakuninsho.toml");
        std::fs::copy("layouts/kokuho-kakuninsho.toml", &layout).unwrap();
        let case = std::fs::read_to_string("tests/cases/card/seed-sato-taro.toml").unwrap();
        let ignore = ignore
            .iter()
            .map(|id| format!("{id:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let case = case.replacen(
            "layout = \"kokuho-kakuninsho\"",
            &format!(
                "layout = {:?}\nignore = [{ignore}]",
                layout.display().to_string()
            ),
            1,
        );
        std::fs::write(root.join("cases/card/sato.toml"), case).unwrap();
        Tree { root, layout }
    }

    fn path(&self, sub: &str) -> String {
        self.root.join(sub).display().to_string()
    }

    fn run(&self, command: &str, extra: &[&str]) -> (i32, String) {
        let (cases, golden, report) =
            (self.path("cases"), self.path("golden"), self.path("report"));
        let mut args = vec!["golden", command, "--cases", &cases, "--golden", &golden];
        if command == "check" {
            args.extend(["--report", &report]);
        }
        args.extend(extra);
        let output = shikaku(&args);
        // Which layouts were used is said on stderr and checked in tests/layouts.rs; these
        // cases name their layout by path.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let notes: String = stderr
            .lines()
            .filter(|l| !l.starts_with("layouts: "))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = format!("{}{notes}", String::from_utf8_lossy(&output.stdout));
        (output.status.code().unwrap_or(-1), text)
    }

    /// Sets `key = value` in the element with this id.
    fn edit(&self, id: &str, key: &str, value: &str) {
        let text = std::fs::read_to_string(&self.layout).unwrap();
        let start = text
            .find(&format!("\nid = \"{id}\"\n"))
            .unwrap_or_else(|| panic!("no element {id}"));
        let end = text[start..]
            .find("[[page.element]]")
            .map_or(text.len(), |e| start + e);
        let line = text[start..end]
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{id} has no {key}"));
        let block = text[start..end].replacen(line, &format!("{key} = {value}"), 1);
        std::fs::write(
            &self.layout,
            format!("{}{block}{}", &text[..start], &text[end..]),
        )
        .unwrap();
    }

    fn bless(&self) {
        let (code, out) = self.run("update", &[]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("updated card/sato (new)\n1 case: 0 same, 1 updated"),
            "{out}"
        );
        assert_eq!(self.run("check", &[]).0, 0, "a freshly blessed tree passes");
    }
}

#[test]
fn an_unchanged_tree_passes() {
    let report = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-cli-unchanged-report");
    let output = shikaku(&["golden", "check", "--report", report.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let count = shikaku::golden::cases(Path::new("tests/cases"))
        .unwrap()
        .len();
    assert_eq!(stdout.trim(), format!("{count} cases: {count} same"));
}

#[test]
fn moving_one_element_fails_and_names_it_with_its_displacement() {
    let tree = Tree::new("moved", &[]);
    tree.bless();
    tree.edit("name", "x", "20.76"); // 19.26 → 20.76: 1.5 mm right.
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    let changes: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  ") && !l.contains("hint:"))
        .collect();
    assert_eq!(
        changes,
        ["  name: moved +1.50 mm right, +0.00 mm down"],
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "1 case: 0 same, 1 changed (see {}/index.html)",
            tree.path("report")
        )),
        "{out}"
    );

    // The report holds everything the summary points to.
    let report = tree.root.join("report");
    for file in [
        "new.pdf",
        "golden.pdf",
        "golden-1.png",
        "new-1.png",
        "diff-1.png",
        "golden-2.png",
        "changes.txt",
    ] {
        assert!(
            report.join("card/sato").join(file).exists(),
            "{file} missing from the report"
        );
    }
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        html.contains("<code>name</code>: moved +1.50 mm right, +0.00 mm down"),
        "{html}"
    );
    assert!(html.contains("card/sato/diff-1.png"), "{html}");

    // The same through the library: exactly one element, moved by 1.5 mm, and only
    // on the front do pixels change.
    let case = Case::load(
        &tree.root.join("cases/card/sato.toml"),
        &tree.root.join("cases"),
    )
    .unwrap();
    let Outcome::Differs(difference) = check(
        &case,
        &case.render().unwrap(),
        &tree.root.join("golden"),
        false,
    )
    .unwrap() else {
        panic!("the moved element is not reported")
    };
    assert_eq!(difference.cause, Cause::DisplayList);
    assert_eq!(difference.list.elements.len(), 1);
    let change = &difference.list.elements[0];
    assert_eq!((change.page, change.element.as_str()), (1, "name"));
    let Change::Changed(edit) = &change.change else {
        panic!("{change:?}")
    };
    let (dx, dy) = edit.moved.expect("moved");
    assert!((dx - 1.5).abs() < 0.011 && dy == 0.0, "moved by {dx}, {dy}");
    assert!(
        edit.resized.is_none() && edit.text.is_none() && edit.style.is_empty() && !edit.redrawn,
        "{edit:?}"
    );
    assert!(
        difference.pages[0].changed > 0 && difference.pages[1].changed == 0,
        "{:?}",
        difference.pages
    );
}

#[test]
fn golden_update_makes_a_failing_case_pass() {
    let tree = Tree::new("update", &[]);
    tree.bless();
    tree.edit("birth-date", "y", "23.13");
    assert_eq!(tree.run("check", &[]).0, 1);
    let (code, out) = tree.run("update", &["card/sato"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "updated card/sato:\n  birth-date: moved +0.00 mm right, +0.50 mm down\n1 case: 0 same, 1 updated");
    let (code, out) = tree.run("check", &[]);
    assert_eq!((code, out.trim()), (0, "1 case: 1 same"));
    assert!(
        tree.root.join("golden/VERSION").exists(),
        "update records the renderer"
    );
}

#[test]
fn masks_ignore_a_named_element() {
    let tree = Tree::new("masks", &["name"]);
    tree.bless();
    tree.edit("name", "x", "26.06");
    let (code, out) = tree.run("check", &[]);
    assert_eq!(
        (code, out.trim()),
        (0, "1 case: 1 same (1 apart from ignored elements)"),
        "{out}"
    );

    // Another element's change still counts; the ignored one is listed as such and
    // its box is masked in the pixel diff.
    tree.edit("birth-date", "y", "23.13");
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("  name: moved +6.80 mm right, +0.00 mm down (ignored)\n  birth-date: moved +0.00 mm right, +0.50 mm down\n"), "{out}");
    let case = Case::load(
        &tree.root.join("cases/card/sato.toml"),
        &tree.root.join("cases"),
    )
    .unwrap();
    let Outcome::Differs(difference) = check(
        &case,
        &case.render().unwrap(),
        &tree.root.join("golden"),
        false,
    )
    .unwrap() else {
        panic!()
    };
    assert!(
        difference.pages[0].masked > 0 && difference.pages[0].changed > 0,
        "{:?}",
        difference.pages
    );
}

#[test]
fn a_renderer_change_is_told_from_a_layout_change() {
    let tree = Tree::new("renderer", &[]);
    tree.bless();
    // Another writer's bytes for the same drawing, and a different renderer on record:
    // what a change to src/render/pdf looks like from here.
    let golden_pdf = tree.root.join("golden/card/sato.pdf");
    let rewritten = tree.root.join("rewritten.pdf");
    let qpdf = Command::new("qpdf")
        .args([golden_pdf.as_os_str(), rewritten.as_os_str()])
        .status();
    assert!(
        qpdf.is_ok_and(|s| s.success()),
        "qpdf is needed by this test; scripts/test.sh installs it"
    );
    std::fs::rename(&rewritten, &golden_pdf).unwrap();
    std::fs::write(
        tree.root.join("golden/VERSION"),
        "shikaku 0.0.1\nrenderer 0000000000000000\n",
    )
    .unwrap();
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("changed card/sato: the display list is the same: the renderer changed (golden/VERSION: shikaku 0.0.1 renderer 0000000000000000; this build: shikaku "), "{out}");
    assert!(
        out.contains("the renderer changed, not the layouts"),
        "{out}"
    );
}

#[test]
fn a_case_without_golden_files_fails_and_shows_its_rendering() {
    let tree = Tree::new("missing", &[]);
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("missing card/sato: no golden files yet"),
        "{out}"
    );
    assert!(
        out.contains("1 case: 0 same, 1 without golden files"),
        "{out}"
    );
    assert!(tree.root.join("report/card/sato/new-1.png").exists());
    assert!(
        !tree.root.join("golden/card/sato.pdf").exists(),
        "check never writes golden files"
    );
}

#[test]
fn a_broken_layout_fails_its_cases_with_file_and_line() {
    let tree = Tree::new("broken", &[]);
    tree.bless();
    tree.edit("name", "x", "\"far\"");
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: ") && out.contains("kokuho-kakuninsho.toml:"),
        "{out}"
    );
    assert!(out.contains("1 case: 0 same, 1 failed"), "{out}");
}

#[test]
fn a_misspelt_ignore_entry_is_refused() {
    let tree = Tree::new("misspelt", &["nmae"]);
    let (code, out) = tree.run("check", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`ignore` names `nmae`, which is no element of layout kokuho-kakuninsho\n  hint: did you mean `name`?"), "{out}");
}
