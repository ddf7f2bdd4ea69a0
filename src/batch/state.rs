//! What a run leaves in its output folder so that the next one knows what is there:
//! a state file (`.shikaku-run.json`: the run's settings, whether it finished, the files
//! it wrote) and, while print files are being written, a log of those finished
//! (`.shikaku-done`).
//!
//! The state is written **before** anything else, marked unfinished, and marked
//! finished only after the summary: a run that stops any way short of that (an error,
//! a full disk, SIGTERM, kill -9, a power cut) leaves the folder marked interrupted,
//! never with an earlier run's finished state. From there:
//! - `--resume` keeps the print files in the log, if every setting that changes output
//!   bytes (see [`Settings`]) and the input's content are the same, and says what
//!   differs otherwise; on a finished run of the same settings and input it writes
//!   nothing and reports that run (a job restarted after it finished must not fail);
//! - `--overwrite` removes what the folder's run wrote and starts afresh;
//! - without either, the run is refused.
//!
//! Neither file holds personal data: settings are flags and content hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{BatchError, BatchOptions, WriteFault};

const STATE: &str = ".shikaku-run.json";
const DONE: &str = ".shikaku-done";

/// The files every finished run writes besides its print files.
const REPORTS: [&str; 3] = ["manifest.csv", "errors.jsonl", "summary.json"];

/// Every setting that changes a run's output bytes, by name (`--pdfa`, `layouts`, …),
/// as text: flags as given, files and profiles as content hashes. `--jobs` is not one:
/// output is the same whatever the thread count.
pub(crate) type Settings = BTreeMap<String, String>;

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct State {
    complete: bool,
    settings: Settings,
    /// FNV-1a of the input's bytes, once it has been read whole.
    input: Option<String>,
    /// When complete: the files the run wrote, which `--overwrite` removes.
    files: Vec<String>,
}

/// What an output folder held when this run began.
pub(crate) struct Begun {
    /// Print files an interrupted run of the same settings finished, to keep.
    pub(crate) done: BTreeSet<String>,
    /// The input hash of the run being resumed, if it had read its input.
    resumed_input: Option<String>,
    /// `--resume` on a finished run of the same settings: the input hash it read. There is
    /// nothing to do if the input is still the same.
    pub(crate) finished: Option<String>,
}

/// Checks what the folder holds against the options, clears what a stopped run left
/// (half-written temporary files), and marks the folder as holding this run, unfinished.
/// Called with the folder's lock held.
pub(crate) fn begin(options: &BatchOptions, settings: &Settings) -> Result<Begun, BatchError> {
    let out = &options.out;
    let previous = read_state(out)?;
    let mut begun = Begun {
        done: BTreeSet::new(),
        resumed_input: None,
        finished: None,
    };
    match previous {
        // Nothing to resume is a fresh start: a restarted job always passes --resume.
        None => {}
        Some(state) if options.overwrite => remove_files(out, &state)?,
        // A job restarted after it finished (its pod or host lost after the last write) must
        // not fail where it succeeded: the caller checks the input and reports that run.
        Some(state) if state.complete && options.resume => {
            let differences = differences(&state.settings, settings);
            if !differences.is_empty() {
                return Err(refused(out, &format!("holds a finished run with other settings: {}\n  hint: add --overwrite to render it again with these, or choose another --out", differences.join("; "))));
            }
            let missing = state
                .files
                .iter()
                .find(|f| is_plain_name(f) && !out.join(f).is_file());
            if let Some(missing) = missing {
                return Err(refused(out, &format!("holds a finished run whose file {missing} is missing\n  hint: add --overwrite to render it again, or choose another --out")));
            }
            begun.finished = Some(state.input.unwrap_or_default());
            return Ok(begun);
        }
        Some(state) if state.complete => {
            return Err(refused(out, "holds a finished run, whose print files would be mixed with this one's\n  hint: add --overwrite to replace it (its files are removed first), or choose another --out"));
        }
        Some(_) if !options.resume => {
            return Err(refused(out, "holds an interrupted run\n  hint: add --resume to finish it, --overwrite to start again, or choose another --out"));
        }
        Some(state) => {
            let differences = differences(&state.settings, settings);
            if !differences.is_empty() {
                return Err(BatchError::Occupied(
                    out.clone(),
                    format!(
                        "holds an interrupted run with other settings: {}\n  hint: resume with the same input and flags, add --overwrite to start again, or choose another --out",
                        differences.join("; ")
                    ),
                ));
            }
            begun.done = finished_files(out);
            begun.resumed_input = state.input;
        }
    }
    clear_leftovers(out)?;
    if begun.done.is_empty() {
        remove(&out.join(DONE))?;
    }
    let state = State {
        complete: false,
        settings: settings.clone(),
        input: begun.resumed_input.clone(),
        files: Vec::new(),
    };
    write_state(out, &state, options.fault.as_ref())?;
    Ok(begun)
}

/// Records the input's hash once it is read whole, before any print file is written;
/// when resuming, refuses an input whose content changed since the interrupted run.
pub(crate) fn input_read(
    options: &BatchOptions,
    settings: &Settings,
    begun: &Begun,
    input_hash: u64,
) -> Result<(), BatchError> {
    let input = format!("{input_hash:016x}");
    if begun
        .resumed_input
        .as_ref()
        .is_some_and(|was| *was != input)
    {
        return Err(BatchError::Occupied(
            options.out.clone(),
            format!(
                "holds an interrupted run of other records: the content of {} changed since\n  hint: resume with the same input, add --overwrite to start again, or choose another --out",
                options.input.display()
            ),
        ));
    }
    let state = State {
        complete: false,
        settings: settings.clone(),
        input: Some(input),
        files: Vec::new(),
    };
    write_state(&options.out, &state, options.fault.as_ref())
}

/// Marks the run finished, listing the files it wrote: the folder may now be
/// replaced by a run with `--overwrite`, and by nothing else.
pub(crate) fn finish(
    options: &BatchOptions,
    settings: &Settings,
    input_hash: u64,
    print_files: impl Iterator<Item = String>,
) -> Result<(), BatchError> {
    let out = &options.out;
    let state = State {
        complete: true,
        settings: settings.clone(),
        input: Some(format!("{input_hash:016x}")),
        files: print_files
            .chain(REPORTS.iter().map(|r| r.to_string()))
            .collect(),
    };
    write_state(out, &state, options.fault.as_ref())?;
    remove(&out.join(DONE))
}

fn refused(out: &Path, why: &str) -> BatchError {
    BatchError::Occupied(out.to_path_buf(), why.into())
}

/// The folder's state; `None` when it holds no run. A state that cannot be read is
/// refused rather than guessed at.
fn read_state(out: &Path) -> Result<Option<State>, BatchError> {
    let path = out.join(STATE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            BatchError::Occupied(
                out.to_path_buf(),
                format!("holds a run state that cannot be read ({STATE}: {e})\n  hint: choose another --out, or remove the folder's files yourself"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BatchError::Output(path, e)),
    }
}

fn write_state(out: &Path, state: &State, fault: Option<&WriteFault>) -> Result<(), BatchError> {
    let bytes = serde_json::to_vec_pretty(state).expect("state serializes");
    super::write_atomic_with(&out.join(STATE), &bytes, fault)
}

/// Names the settings that differ, with their values before and now.
fn differences(was: &Settings, now: &Settings) -> Vec<String> {
    let keys: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
    keys.into_iter()
        .filter(|k| was.get(*k) != now.get(*k))
        .map(|k| {
            let show = |v: Option<&String>| v.map_or("(not set)".to_owned(), |v| format!("`{v}`"));
            format!("{k} was {}, now {}", show(was.get(k)), show(now.get(k)))
        })
        .collect()
}

/// The print files the log lists that are still in the folder.
fn finished_files(out: &Path) -> BTreeSet<String> {
    let log = std::fs::read_to_string(out.join(DONE)).unwrap_or_default();
    log.lines()
        .filter(|f| is_plain_name(f) && out.join(f).is_file())
        .map(str::to_string)
        .collect()
}

/// Removes what the folder's earlier run wrote: the files its state lists when it
/// finished, or, when it was interrupted, the print files its log lists and any reports.
fn remove_files(out: &Path, state: &State) -> Result<(), BatchError> {
    let listed: BTreeSet<String> = if state.complete {
        state.files.iter().cloned().collect()
    } else {
        let mut files = finished_files(out);
        files.extend(REPORTS.iter().map(|r| r.to_string()));
        files
    };
    for name in listed.iter().filter(|n| is_plain_name(n)) {
        remove(&out.join(name))?;
    }
    remove(&out.join(DONE))
}

/// A file name in the folder, never a path out of it (the state file could be edited).
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".."
}

/// Removes the temporary files of a run that was stopped while writing.
fn clear_leftovers(out: &Path) -> Result<(), BatchError> {
    let entries = std::fs::read_dir(out).map_err(|e| BatchError::Output(out.to_path_buf(), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".shikaku-spill-") || (name.starts_with('.') && name.ends_with(".tmp"))
        {
            remove(&entry.path())?;
        }
    }
    Ok(())
}

fn remove(path: &Path) -> Result<(), BatchError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(BatchError::Output(path.to_path_buf(), e))
        }
        _ => Ok(()),
    }
}

/// Appends finished files to the log, one name per line, synced before returning.
pub(crate) struct DoneLog {
    file: std::fs::File,
    path: PathBuf,
}

impl DoneLog {
    /// Opens the log for appending.
    pub(crate) fn open(out: &Path) -> Result<DoneLog, BatchError> {
        let path = out.join(DONE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| BatchError::Output(path.clone(), e))?;
        Ok(DoneLog { file, path })
    }

    /// Records a file as complete.
    pub(crate) fn add(&mut self, name: &str) -> Result<(), BatchError> {
        let error = |e| BatchError::Output(self.path.clone(), e);
        self.file
            .write_all(format!("{name}\n").as_bytes())
            .map_err(error)?;
        self.file
            .sync_data()
            .map_err(|e| BatchError::Output(self.path.clone(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_setting_with_both_values() {
        let was = Settings::from([
            ("--pdfa".into(), "off".into()),
            ("--per-file".into(), "25".into()),
        ]);
        let now = Settings::from([
            ("--pdfa".into(), "on".into()),
            ("--per-file".into(), "25".into()),
            ("--shard".into(), "1/2".into()),
        ]);
        assert_eq!(
            differences(&was, &now),
            [
                "--pdfa was `off`, now `on`",
                "--shard was (not set), now `1/2`"
            ]
        );
    }

    #[test]
    fn names_from_a_state_file_never_leave_the_folder() {
        assert!(is_plain_name("registered-kokuho-kakuninsho-0001.pdf"));
        for name in ["", ".", "..", "../x.pdf", "/etc/passwd"] {
            assert!(!is_plain_name(name), "{name}");
        }
    }
}
