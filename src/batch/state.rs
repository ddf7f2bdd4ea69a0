//! What makes `--resume` safe: a fingerprint of the run's inputs and options,
//! and a log of the files already complete, both in the output folder.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{BatchError, BatchOptions};

const STATE: &str = ".shikaku-run.json";
const DONE: &str = ".shikaku-done";

#[derive(Serialize, Deserialize)]
struct State {
    version: String,
    fingerprint: String,
    complete: bool,
}

fn read_state(out: &Path) -> Option<State> {
    serde_json::from_slice(&std::fs::read(out.join(STATE)).ok()?).ok()
}

/// Refuses a folder that holds an unfinished run, unless resuming it; then clears
/// what a killed run leaves behind (its spill file, half-written temporary files).
pub fn check_folder(options: &BatchOptions) -> Result<(), BatchError> {
    if let Some(state) = read_state(&options.out) {
        if !state.complete && !options.resume {
            return Err(BatchError::Occupied(
                options.out.clone(),
                "holds an interrupted run\n  hint: add --resume to finish it, or choose another --out".into(),
            ));
        }
    }
    let entries =
        std::fs::read_dir(&options.out).map_err(|e| BatchError::Output(options.out.clone(), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".shikaku-spill-") || (name.starts_with('.') && name.ends_with(".tmp"))
        {
            std::fs::remove_file(entry.path()).map_err(|e| BatchError::Output(entry.path(), e))?;
        }
    }
    Ok(())
}

/// The files an interrupted run of the same inputs finished, to keep; marks the
/// folder as holding this run from now on.
pub fn begin(options: &BatchOptions, fingerprint: u64) -> Result<BTreeSet<String>, BatchError> {
    let out = &options.out;
    let fingerprint = format!("{fingerprint:016x}");
    let mut done = BTreeSet::new();
    if let Some(state) = read_state(out) {
        if options.resume && !state.complete {
            if state.fingerprint != fingerprint || state.version != env!("CARGO_PKG_VERSION") {
                return Err(BatchError::Occupied(
                    out.clone(),
                    "holds an interrupted run of other records, layouts or options\n  hint: resume with the same input and flags, or choose another --out".into(),
                ));
            }
            let log = std::fs::read_to_string(out.join(DONE)).unwrap_or_default();
            done = log
                .lines()
                .filter(|f| out.join(f).is_file())
                .map(str::to_string)
                .collect();
        }
    }
    if done.is_empty() {
        let _ = std::fs::remove_file(out.join(DONE));
    }
    let state = State {
        version: env!("CARGO_PKG_VERSION").into(),
        fingerprint,
        complete: false,
    };
    super::write_atomic(
        &out.join(STATE),
        &serde_json::to_vec(&state).expect("state serializes"),
    )?;
    Ok(done)
}

/// Appends finished files to the log, one name per line, synced before returning.
pub struct DoneLog {
    file: std::fs::File,
    path: PathBuf,
}

impl DoneLog {
    /// Opens the log for appending.
    pub fn open(out: &Path) -> Result<DoneLog, BatchError> {
        let path = out.join(DONE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| BatchError::Output(path.clone(), e))?;
        Ok(DoneLog { file, path })
    }

    /// Records a file as complete.
    pub fn add(&mut self, name: &str) -> Result<(), BatchError> {
        let error = |e| BatchError::Output(self.path.clone(), e);
        self.file
            .write_all(format!("{name}\n").as_bytes())
            .map_err(error)?;
        self.file
            .sync_data()
            .map_err(|e| BatchError::Output(self.path.clone(), e))
    }
}

/// Marks the run complete: the folder may be overwritten by a new run.
pub fn finish(out: &Path, fingerprint: u64) -> Result<(), BatchError> {
    let state = State {
        version: env!("CARGO_PKG_VERSION").into(),
        fingerprint: format!("{fingerprint:016x}"),
        complete: true,
    };
    super::write_atomic(
        &out.join(STATE),
        &serde_json::to_vec(&state).expect("state serializes"),
    )?;
    let _ = std::fs::remove_file(out.join(DONE));
    Ok(())
}
