//! Expected messages kept in files beside the inputs that cause them (`case.toml` →
//! `case.stderr`), compared exactly; `SHIKAKU_UPDATE=1` rewrites a reference and fails, so
//! that no change passes unseen.

use std::path::Path;

/// Compares `actual` with the reference file beside `input`.
pub fn check(input: &Path, actual: &str) {
    let reference = input.with_extension("stderr");
    if std::env::var_os("SHIKAKU_UPDATE").is_some() {
        std::fs::write(&reference, actual).expect("reference is writable");
        panic!("reference updated: {}", reference.display());
    }
    let expected = std::fs::read_to_string(&reference).unwrap_or_else(|e| {
        panic!(
            "{} ({e}); run with SHIKAKU_UPDATE=1 to create it",
            reference.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "messages for {} differ from {}",
        input.display(),
        reference.display()
    );
}
