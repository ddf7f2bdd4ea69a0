//! Golden cases: each file in tests/cases is rendered and compared byte for byte
//! with golden/. `SHIKAKU_UPDATE=1 cargo test golden` re-blesses what changed,
//! and fails with "reference updated" so that nothing new passes silently.

use std::path::Path;

use shikaku::golden::{check, Case, Outcome};

fn golden_case(name: &str) {
    let root = Path::new("tests/cases");
    let case =
        Case::load(&root.join(format!("{name}.toml")), root).unwrap_or_else(|e| panic!("{e}"));
    let rendered = case.render().unwrap_or_else(|e| panic!("{e}"));
    let again = case.render().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rendered.pdf == again.pdf,
        "{name}: two renders of the same case differ (output must be deterministic)"
    );
    let update = std::env::var_os("SHIKAKU_UPDATE").is_some();
    let test = name.replace(['/', '-'], "_");
    match check(&case, &rendered, Path::new("golden"), update).unwrap_or_else(|e| panic!("{e}")) {
        Outcome::Same | Outcome::Ignored(_) => {}
        Outcome::Updated(_) => panic!("{name}: reference updated; run the tests again without SHIKAKU_UPDATE"),
        Outcome::Missing => panic!("{name}: no golden file yet\n  hint: run SHIKAKU_UPDATE=1 cargo test {test} and check the new PDF"),
        Outcome::Differs(difference) => {
            let mut lines = difference.list.lines();
            if lines.is_empty() {
                lines = difference.lines.clone();
            }
            panic!(
                "{name}: the PDF differs from golden/{name}.pdf: {} ({} pixels changed)\n{}\n  hint: shikaku golden check shows it side by side; if the change is intended, run SHIKAKU_UPDATE=1 cargo test and review golden/",
                difference.cause,
                difference.changed_pixels(),
                lines.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
            )
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/golden_cases.rs"));
