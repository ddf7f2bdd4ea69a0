//! Expected-output files beside test inputs: compared, or rewritten with `SHIKAKU_UPDATE=1`
//! (which then fails, so that no change passes unseen).

use std::path::Path;

/// Compares `actual` with the reference file, or rewrites it under `SHIKAKU_UPDATE`.
pub fn check(reference: &Path, actual: &str) {
    if std::env::var_os("SHIKAKU_UPDATE").is_some() {
        std::fs::write(reference, actual).expect("reference is writable");
        panic!("reference updated: {}", reference.display());
    }
    let expected = std::fs::read_to_string(reference).unwrap_or_else(|e| {
        panic!(
            "{} ({e}); run with SHIKAKU_UPDATE=1 to create it",
            reference.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {}",
        reference.display()
    );
}
