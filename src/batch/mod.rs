//! Batch rendering at scale: records in; chunked print files in mailing order,
//! a manifest, an error report and a summary out.
//!
//! A run has two phases. **Render** streams the input: one thread reads, the
//! others evaluate, fill and encode each record's pages (in parallel, any order)
//! and set them aside in a spill file, keeping only a few dozen bytes per record
//! in memory. **Assemble** orders the rendered records for the post
//! ([`mailing`]), cuts them into files of `per_file` documents per layout and
//! mail class, and writes each file under a temporary name, renamed when
//! complete. Every input record ends up on a page or in the error report
//! (`errors.jsonl`), and `read = rendered + rejected (+ other shards)`.
//!
//! Output bytes do not depend on the thread count: a page's bytes depend only on
//! its record, and files are assembled in mailing order. That is also what makes
//! `--resume` safe: a file an interrupted run finished is the file this run
//! would write, so it is kept, and the rest are written.
//!
//! A run holds its output folder's lock (`lock.rs`) from start to end, marks the folder
//! interrupted (`state.rs`) before it writes anything, and ends on every failure (a full
//! disk, a worker that cannot go on, [`BatchOptions::cancel`]) with an error naming
//! the file, leaving the folder resumable. docs/reliability.md tells the whole story.

mod lock;
pub mod mailing;
pub mod manifest;
mod render;
mod report;
mod state;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::eligibility;
use crate::fill::FillError;
use crate::impose::{ImposeError, Sheet};
use crate::issuer::{Issuer, IssuerError};
use crate::layout::{Catalog, Layout, LayoutError};
use crate::record;

/// What to render and where.
pub struct BatchOptions {
    /// The records file.
    pub input: PathBuf,
    /// How to read it.
    pub read: record::ReadOptions,
    /// The output folder (created if missing).
    pub out: PathBuf,
    /// Issuer profiles; each record uses the one with its `insurer_number`.
    pub issuers: Vec<Arc<Issuer>>,
    /// Where layouts come from: the bundled ones, or a folder in front of them.
    pub layouts: Catalog,
    /// A layout used instead of the standard one of its scheme and document (or carrier
    /// sheet); records of other schemes and documents keep theirs.
    pub layout: Option<Arc<Layout>>,
    /// The eligibility options (cycle, check mode).
    pub eligibility: eligibility::Options,
    /// Documents per print file (default 1000: a box of card stock, a file a print
    /// shop's RIP takes without trouble).
    pub per_file: usize,
    /// Worker threads (default: every core).
    pub jobs: usize,
    /// Render only this share of the households.
    pub shard: Option<Shard>,
    /// Finish an interrupted run in the same folder instead of refusing to touch it.
    pub resume: bool,
    /// Replace the run the folder holds (finished or not): its files are removed first.
    pub overwrite: bool,
    /// Set it to stop the run cleanly: reading and rendering stop, the folder stays
    /// marked interrupted, and the run returns [`BatchError::Cancelled`]. The CLI sets
    /// it on SIGINT and SIGTERM.
    pub cancel: Arc<AtomicBool>,
    /// Makes writes to one output file fail, as on a full disk: for fault tests.
    #[doc(hidden)]
    pub fault: Option<WriteFault>,
    /// The sheet cards are imposed on (`--impose`); [`Sheet::one_per_page`] prints each
    /// card alone. お知らせ pages are never imposed.
    pub sheet: Sheet,
    /// Write PDF/A-2b files (`--pdfa`).
    pub pdfa: bool,
    /// Write PDF/X-4 files (`--pdfx`).
    pub pdfx: bool,
    /// The files' creation date (`--pdf-date`), needed by PDF/X.
    pub date: Option<chrono::NaiveDate>,
}

impl BatchOptions {
    /// Options with the defaults for everything but the input, output and issuers.
    pub fn new(input: PathBuf, out: PathBuf, issuers: Vec<Arc<Issuer>>) -> BatchOptions {
        BatchOptions {
            input,
            read: record::ReadOptions::default(),
            out,
            issuers,
            layouts: Catalog::default(),
            layout: None,
            eligibility: eligibility::Options::default(),
            per_file: 1000,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shard: None,
            resume: false,
            overwrite: false,
            cancel: Arc::new(AtomicBool::new(false)),
            fault: None,
            sheet: Sheet::one_per_page(0.0),
            pdfa: false,
            pdfx: false,
            date: None,
        }
    }
}

/// A write failure to inject: writes to files whose name starts with `file` fail with
/// "No space left on device" once `after_bytes` bytes have gone to that file.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct WriteFault {
    /// The start of the file's name (`.shikaku-spill`, `registered-`, `manifest.csv`, …).
    pub file: String,
    /// Bytes written before the failure.
    pub after_bytes: u64,
}

impl WriteFault {
    /// The bytes a file of this name may still take, if it is the one to fail.
    fn budget(fault: Option<&WriteFault>, path: &Path) -> Option<u64> {
        let fault = fault?;
        let name = path.file_name()?.to_string_lossy();
        name.starts_with(&fault.file).then_some(fault.after_bytes)
    }
}

/// A writer that fails like a full disk after a budget of bytes (see [`WriteFault`]).
pub(crate) struct Budgeted<W> {
    inner: W,
    left: Option<u64>,
}

impl<W: Write> Budgeted<W> {
    pub(crate) fn new(inner: W, left: Option<u64>) -> Self {
        Budgeted { inner, left }
    }
}

impl<W: Write> Write for Budgeted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let allowed = match self.left {
            Some(0) if !buf.is_empty() => {
                return Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
            }
            Some(left) => buf.len().min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        let n = self.inner.write(&buf[..allowed])?;
        if let Some(left) = &mut self.left {
            *left -= n as u64;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One of N machines' share of a batch: households whose key hashes to `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid shard `{text}` (write K/N, e.g. 2/8)"))?;
        let (index, count) = (k.trim().parse::<u32>(), n.trim().parse::<u32>());
        match (index, count) {
            (Ok(index), Ok(count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => Err(format!("invalid shard `{text}` (K must be 1…N)")),
        }
    }

    /// Whether a household (by its hash) is this shard's.
    pub fn owns(&self, hash: u64) -> bool {
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// Reports progress; the CLI draws a bar or prints lines.
pub trait Progress: Sync {
    /// Records rendered so far, and input bytes read of the total.
    fn rendering(&self, records: u64, bytes: u64, total_bytes: u64);
    /// Files written so far of the total.
    fn writing(&self, files: usize, total: usize);
}

/// Progress that goes nowhere.
pub struct Quiet;

impl Progress for Quiet {
    fn rendering(&self, _: u64, _: u64, _: u64) {}
    fn writing(&self, _: usize, _: usize) {}
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Records read from the input (valid or not).
    pub read: u64,
    /// Records rendered.
    pub rendered: u64,
    /// Records listed in the error report.
    pub rejected: u64,
    /// Records left to other shards.
    pub other_shards: u64,
    /// Warnings (contradictions accepted under `--check warn`).
    pub warnings: u64,
    /// Pages written.
    pub pages: u64,
    /// The print files, in mailing order.
    pub files: Vec<FileSummary>,
    /// Where the input could not be read further, if it could not: the records from
    /// there on are neither rendered nor rejected, and the run fails.
    pub unread: Option<UnreadInput>,
    /// Files an interrupted run had finished, kept by `--resume`. Not in summary.json,
    /// which is the same whether a run was resumed or not.
    #[serde(skip)]
    pub resumed_files: usize,
    /// Whether this was `--resume` on a run that had already finished: nothing was
    /// written, and the rest is that run's summary. Not in summary.json.
    #[serde(skip)]
    pub already_finished: bool,
}

/// Where reading an input stopped before its end, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnreadInput {
    /// 1-based line of the first byte not read.
    pub line: u64,
    /// 0-based offset in the file of the first byte not read.
    pub byte: u64,
    /// Why: the error that stopped reading, with its file and position.
    pub reason: String,
}

impl std::fmt::Display for UnreadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "input not read from line {} (byte {}) on: {}",
            self.line, self.byte, self.reason
        )
    }
}

/// One print file of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSummary {
    /// The file's name in the output folder.
    pub file: String,
    /// The layout it holds.
    pub layout: String,
    /// Its envelopes' mail class.
    pub mail_class: String,
    /// Documents in it.
    pub documents: u64,
    /// Pages in it.
    pub pages: u64,
}

/// Occurs when a run cannot start, cannot go on, or cannot write its output.
#[derive(Debug)]
pub enum BatchError {
    /// Occurs when the input cannot be opened or its header is wrong.
    Input(record::OpenError),
    /// Occurs when `--layout` names a layout no profile of the run can print.
    Layout(Box<LayoutError>),
    /// Occurs when a layout cannot be prepared for an issuer (its static text does not fit, say).
    Form(FillError),
    /// Occurs when a layout an issuer profile names cannot be loaded or prints something else.
    Issuer(Box<IssuerError>),
    /// Occurs when an output file cannot be written or read back.
    Output(PathBuf, std::io::Error),
    /// Occurs when the output folder holds another run's files.
    Occupied(PathBuf, String),
    /// Occurs when another run holds the output folder; the text names it.
    Locked(PathBuf, String),
    /// Occurs when [`BatchOptions::cancel`] is set while the run is going.
    Cancelled,
    /// Occurs when cards do not fit the sheet they are imposed on.
    Impose(ImposeError),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            BatchError::Input(e) => e.fmt(f),
            BatchError::Layout(e) => e.fmt(f),
            BatchError::Form(e) => {
                write!(f, "failed to prepare the layout ({e})")?;
                match e.hint() {
                    Some(hint) => write!(f, "\n  hint: {hint}"),
                    None => Ok(()),
                }
            }
            BatchError::Issuer(e) => write!(
                f,
                "{e}\n  hint: name a bundled layout or a layout file of the profile's scheme and document"
            ),
            BatchError::Output(p, e) => {
                write!(f, "failed to write {} ({e})", p.display())?;
                if e.raw_os_error() == Some(libc::ENOSPC) {
                    f.write_str("\n  hint: free space on that disk, then run again with --resume: the files already finished are kept")?;
                }
                Ok(())
            }
            BatchError::Occupied(p, why) => write!(f, "{}: {why}", p.display()),
            BatchError::Locked(p, holder) => write!(
                f,
                "{}: another run is using this folder ({})\n  hint: wait for it to end, or choose another --out",
                p.display(),
                if holder.is_empty() { "its holder is not recorded" } else { holder }
            ),
            BatchError::Cancelled => f.write_str(
                "stopped before the end; the folder is marked interrupted\n  hint: run again with --resume to finish: the files already finished are kept",
            ),
            BatchError::Impose(e) => write!(
                f,
                "{e}\n  hint: use a sheet whose card size is the layout's page size"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

/// Renders every record of the input (or of this shard's share).
///
/// Everything that can be checked without the output folder is checked first (the
/// input opens and its header is right, the layouts serve the issuers), so a run that
/// cannot start leaves no folder behind. Then the folder is locked for the whole run.
pub fn run(options: &BatchOptions, progress: &dyn Progress) -> Result<Summary, BatchError> {
    let input = render::Input::open(options)?;
    let forms = render::Forms::new(options)?;
    std::fs::create_dir_all(&options.out)
        .map_err(|e| BatchError::Output(options.out.clone(), e))?;
    let _lock = lock::Lock::acquire(&options.out)?;
    let settings = render::settings(options, &forms);
    let begun = state::begin(options, &settings)?;
    if let Some(input_hash) = &begun.finished {
        return finished(options, input_hash);
    }
    let rendered = render::render(options, input, forms, progress)?;
    state::input_read(options, &settings, &begun, rendered.input_hash())?;
    render::assemble(options, &settings, &begun, rendered, progress)
}

/// `--resume` on a finished run of the same settings: the run's summary, if the input is
/// still the one it read; nothing is written.
fn finished(options: &BatchOptions, input_hash: &str) -> Result<Summary, BatchError> {
    let out = &options.out;
    let hash = render::hash_input(&options.input).map_err(|e| {
        BatchError::Input(record::OpenError::io(
            options.input.display().to_string(),
            e,
        ))
    })?;
    if format!("{hash:016x}") != input_hash {
        return Err(BatchError::Occupied(
            out.clone(),
            format!(
                "holds a finished run of other records: the content of {} changed since\n  hint: add --overwrite to render it again, or choose another --out",
                options.input.display()
            ),
        ));
    }
    let path = out.join("summary.json");
    let summary = std::fs::read(&path).map_err(|e| BatchError::Output(path.clone(), e))?;
    let summary: Summary = serde_json::from_slice(&summary).map_err(|e| {
        BatchError::Occupied(
            out.clone(),
            format!("holds a finished run whose summary.json cannot be read ({e})\n  hint: add --overwrite to render it again, or choose another --out"),
        )
    })?;
    Ok(Summary {
        already_finished: true,
        ..summary
    })
}

/// Writes a file under a temporary name in the same folder, syncs it, then renames
/// it, so readers see either no file or the complete one. The temporary file is
/// created for its owner only (0600), and removed if writing fails.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    write_atomic_with(path, bytes, None)
}

/// [`write_atomic`], failing as [`WriteFault`] says.
pub(crate) fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    fault: Option<&WriteFault>,
) -> Result<(), BatchError> {
    let tmp = temporary(path);
    let error = |e| BatchError::Output(path.to_path_buf(), e);
    let result = create_private(&tmp).and_then(|file| {
        let mut writer = Budgeted::new(file, WriteFault::budget(fault, path));
        writer.write_all(bytes)?;
        writer.inner.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(error)
}

/// The temporary name a file is written under: hidden, beside it.
pub(crate) fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Creates (or truncates) a file only its owner can read: output holds personal data.
pub(crate) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_households() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
        assert!(Shard::parse("0/8").is_err());
        assert!(Shard::parse("9/8").is_err());
        assert!(Shard::parse("x").is_err());
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for hash in 0..100u64 {
            assert_eq!(shards.iter().filter(|s| s.owns(hash)).count(), 1);
        }
    }
}
