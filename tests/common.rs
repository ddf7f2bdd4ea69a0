//! What every end-to-end test file needs: the binary, and folders of its own under the test
//! target's temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `shikaku` with `args` and waits for it.
pub(crate) fn shikaku(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A folder named after the test, emptied of an earlier run's files and not created: the
/// commands under test make their output folders themselves.
pub(crate) fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A folder named after the test, created empty.
pub(crate) fn fresh_dir(name: &str) -> PathBuf {
    let dir = out_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
