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

pub mod mailing;
pub mod manifest;
mod render;
mod state;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::eligibility;
use crate::fill::FillError;
use crate::impose::{ImposeError, Sheet};
use crate::issuer::{Issuer, IssuerError};
use crate::layout::Layout;
use crate::record::{self, ErrorReportEntry};

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
    /// A layout forced on every record, instead of choosing by scheme and document.
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
    /// The sheet cards are imposed on (`--impose`); [`Sheet::one_per_page`] prints each
    /// card alone. お知らせ pages are never imposed.
    pub sheet: Sheet,
    /// Write PDF/A-2b files (`--pdfa`).
    pub pdfa: bool,
}

impl BatchOptions {
    /// Options with the defaults for everything but the input, output and issuers.
    pub fn new(input: PathBuf, out: PathBuf, issuers: Vec<Arc<Issuer>>) -> BatchOptions {
        BatchOptions {
            input,
            read: record::ReadOptions::default(),
            out,
            issuers,
            layout: None,
            eligibility: eligibility::Options::default(),
            per_file: 1000,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shard: None,
            resume: false,
            sheet: Sheet::one_per_page(),
            pdfa: false,
        }
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
#[derive(Debug, Clone, Default, Serialize)]
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
    /// Cover letters (送付状) written: one for each envelope whose issuer sends them.
    pub cover_letters: u64,
    /// Pages written (cover letters included).
    pub pages: u64,
    /// The print files, in mailing order.
    pub files: Vec<FileSummary>,
    /// Files an interrupted run had finished, kept by `--resume`.
    pub resumed_files: usize,
}

/// One print file of a run.
#[derive(Debug, Clone, Serialize)]
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
    /// Occurs when the input cannot be opened.
    Input(record::OpenError),
    /// Occurs when a layout cannot be prepared for an issuer (its static text does not fit, say).
    Form(FillError),
    /// Occurs when a layout an issuer profile names cannot be loaded or prints something else.
    Issuer(IssuerError),
    /// Occurs when an output file cannot be written or read back.
    Output(PathBuf, std::io::Error),
    /// Occurs when the output folder holds another run's files.
    Occupied(PathBuf, String),
    /// Occurs when cards do not fit the sheet they are imposed on.
    Impose(ImposeError),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            BatchError::Input(e) => e.fmt(f),
            BatchError::Form(e) => write!(f, "failed to prepare the layout ({e})"),
            BatchError::Issuer(e) => write!(
                f,
                "{e}\n  hint: name a bundled layout or a layout file of the profile's scheme and document"
            ),
            BatchError::Output(p, e) => write!(f, "failed to write {} ({e})", p.display()),
            BatchError::Occupied(p, why) => write!(f, "{}: {why}", p.display()),
            BatchError::Impose(e) => write!(
                f,
                "{e}\n  hint: use a sheet whose card size is the layout's page size"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

/// Renders every record of the input (or of this shard's share).
pub fn run(options: &BatchOptions, progress: &dyn Progress) -> Result<Summary, BatchError> {
    std::fs::create_dir_all(&options.out)
        .map_err(|e| BatchError::Output(options.out.clone(), e))?;
    state::check_folder(options)?;
    let rendered = render::render(options, progress)?;
    let summary = render::assemble(options, rendered, progress)?;
    Ok(summary)
}

/// Writes a file under a temporary name in the same folder, syncs it, then renames
/// it, so readers see either no file or the complete one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let error = |e| BatchError::Output(path.to_path_buf(), e);
    let mut file = std::fs::File::create(&tmp).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.sync_all().map_err(error)?;
    std::fs::rename(&tmp, path).map_err(error)
}

/// The error report as JSON Lines, in input order.
fn error_report(rejections: &[ErrorReportEntry]) -> Vec<u8> {
    let mut report = Vec::new();
    for r in rejections {
        serde_json::to_writer(&mut report, r).expect("report entries serialize");
        report.push(b'\n');
    }
    report
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
