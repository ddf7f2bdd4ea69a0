//! `shikaku render`: records → print files, a manifest, an error report and a summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shikaku::batch::{self, BatchOptions, Progress, Shard};
use shikaku::impose::{Sheet, SheetKind};
use shikaku::issuer::Issuer;

use super::{InputArgs, RuleArgs};

/// Arguments of `shikaku render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// The output folder: print files, manifest.csv, errors.jsonl and summary.json.
    #[arg(long, short)]
    out: PathBuf,
    /// An issuer profile (TOML), or a folder of them; each record uses the profile with its
    /// insurer number. May be given more than once.
    #[arg(long, required = true)]
    issuer: Vec<PathBuf>,
    /// Print with this layout (a layout name or a TOML file) instead of the standard one of
    /// its scheme and document; records of other schemes and documents keep theirs.
    #[arg(long)]
    layout: Option<String>,
    #[command(flatten)]
    layouts: super::LayoutsArg,
    /// How cards go onto paper: one card per page, several to a sheet with crop marks, or on a
    /// carrier sheet (台紙) with the address; お知らせ are never imposed.
    #[arg(long, value_enum, default_value_t = ImposeArg::Card)]
    impose: ImposeArg,
    /// The sheet for --impose nup or carrier: a bundled name (a4-10up, a3-21up, a4-carrier) or a
    /// TOML file; by default a4-10up for nup and a4-carrier for carrier.
    #[arg(long)]
    sheet: Option<String>,
    /// With --impose card: grow each card page by this many mm on every side and extend what
    /// touches the card's edge into it, for a print shop that imposes the cards itself (e.g. 2 or
    /// 3); the page's TrimBox stays the card. Sheets set their own bleed.
    #[arg(long, value_name = "MM", value_parser = parse_bleed)]
    pub(super) bleed: Option<f32>,
    /// Write PDF/A-2b files for archiving.
    #[arg(long, conflicts_with = "pdfx")]
    pdfa: bool,
    /// Write PDF/X-4 files for a print shop: CMYK and grey only, a coated FOGRA39 output intent;
    /// needs --pdf-date. Not together with --pdfa.
    #[arg(long, requires = "pdf_date")]
    pub(super) pdfx: bool,
    /// The files' creation date (YYYY-MM-DD), written into PDF/X metadata as given, so that a
    /// rerun gives the same bytes.
    #[arg(long, value_name = "DATE")]
    pub(super) pdf_date: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
    /// Documents per print file.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    per_file: u64,
    /// Worker threads (default: one per core).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Render only share K of N (households are split by a stable hash), for N machines
    /// running one batch; join their manifests with `shikaku merge-manifests`.
    #[arg(long, value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// Finish an interrupted run in the same --out: files it completed are kept. Refused
    /// when any setting that changes output differs (the message says which). On a run
    /// that finished with the same input and settings, writes nothing and exits with that
    /// run's status.
    #[arg(long)]
    resume: bool,
    /// Replace the run --out holds, finished or interrupted: the files it wrote are
    /// removed first. Without it, a folder holding a run is refused.
    #[arg(long, conflicts_with = "resume")]
    overwrite: bool,
}

/// The choices of `--impose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImposeArg {
    /// One card per page, at card size.
    Card,
    /// Several cards to a sheet, with crop marks and bleed; backs on the following sheet.
    Nup,
    /// The card on a carrier sheet with the address block and a cover message.
    Carrier,
}

/// A bleed in mm: 0–10, as print shops ask for 2–5.
fn parse_bleed(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..=10.0).contains(&v) => Ok(v),
        _ => Err("expected a number of mm from 0 to 10".into()),
    }
}

fn sheet(args: &RenderArgs) -> Result<Sheet, String> {
    let (default, expected, flag) = match args.impose {
        ImposeArg::Card if args.sheet.is_some() => {
            return Err("--sheet needs --impose nup or --impose carrier".into())
        }
        ImposeArg::Card => {
            return Ok(Sheet::one_per_page(shikaku::layout::mm(
                args.bleed.unwrap_or(0.0),
            )))
        }
        _ if args.bleed.is_some() => {
            return Err("--bleed applies to --impose card only\n  hint: a sheet sets its own bleed: edit `bleed` in a copy of the sheet file".into())
        }
        ImposeArg::Nup => ("a4-10up", SheetKind::NUp, "nup"),
        ImposeArg::Carrier => ("a4-carrier", SheetKind::Carrier, "carrier"),
    };
    let sheet = Sheet::load(args.sheet.as_deref().unwrap_or(default)).map_err(|e| e.to_string())?;
    if sheet.kind() != expected {
        return Err(format!(
            "sheet {} is not for --impose {flag}\n  hint: pass a sheet of that kind",
            sheet.name()
        ));
    }
    Ok(sheet)
}

/// Runs the render.
pub fn run(args: RenderArgs) -> Result<ExitCode, String> {
    // First, before any thread starts: the signal mask is inherited.
    let stop = super::signals::stop_on_signals();
    let issuers = load_issuers(&args.issuer)?;
    let sheet = sheet(&args)?;
    let mut options = BatchOptions::new(args.input.input.clone(), args.out.clone(), issuers);
    options.layouts = args.layouts.catalog()?;
    options.layout = match &args.layout {
        Some(name) => {
            let layout = options.layouts.load(name).map_err(|e| e.to_string())?;
            super::lint::warn(&layout, name);
            Some(Arc::new(layout))
        }
        None => None,
    };
    options.read = args.input.read_options();
    options.eligibility = args.rules.options();
    options.per_file = args.per_file as usize;
    options.jobs = args.jobs.unwrap_or(options.jobs).max(1);
    options.shard = args.shard;
    options.resume = args.resume;
    options.overwrite = args.overwrite;
    options.cancel = stop.flag.clone();
    options.sheet = sheet;
    options.pdfa = args.pdfa;
    options.pdfx = args.pdfx;
    options.date = args.pdf_date;
    let progress = Reporter::new();
    let result = batch::run(&options, &progress);
    progress.clear();
    let summary = match (result, stop.received()) {
        (Ok(summary), _) => summary,
        (Err(batch::BatchError::Cancelled), Some((status, signal))) => {
            eprintln!("error: stopped by {signal} before the end; the folder is marked interrupted\n  hint: run again with --resume to finish: the files already finished are kept");
            return Ok(ExitCode::from(status));
        }
        (Err(e), _) => return Err(e.to_string()),
    };
    if summary.already_finished {
        eprintln!(
            "{}: holds a finished run of this input and these settings: nothing to resume",
            args.out.display()
        );
    }
    report(&args, &summary);
    Ok(match &summary.unread {
        Some(unread) => {
            eprintln!("error: {unread}\n  hint: the records before it are in the output; correct the input and run again with --overwrite");
            ExitCode::from(2)
        }
        None if summary.rejected > 0 => ExitCode::from(1),
        None => ExitCode::SUCCESS,
    })
}

fn report(args: &RenderArgs, summary: &batch::Summary) {
    // `--resume` on a finished run wrote nothing.
    if !summary.already_finished {
        if summary.files.len() <= 20 {
            for file in &summary.files {
                eprintln!(
                    "wrote {} ({}, {})",
                    args.out.join(&file.file).display(),
                    super::count(file.documents, "document"),
                    super::count(file.pages, "page")
                );
            }
        } else {
            eprintln!(
                "wrote {} files ({}) to {}",
                summary.files.len(),
                super::count(summary.pages, "page"),
                args.out.display()
            );
        }
    }
    if summary.resumed_files > 0 {
        eprintln!(
            "kept {} an interrupted run had finished",
            super::count(summary.resumed_files as u64, "file")
        );
    }
    let shards = if summary.other_shards > 0 {
        format!(" + {} for other shards", summary.other_shards)
    } else {
        String::new()
    };
    let warnings = if summary.warnings > 0 {
        format!(" ({})", super::count(summary.warnings, "warning"))
    } else {
        String::new()
    };
    let unread = if summary.unread.is_some() {
        " (the rest of the input not read, see below)"
    } else {
        ""
    };
    eprintln!(
        "{} read = {} rendered + {} rejected{shards}{warnings}{unread}",
        summary.read, summary.rendered, summary.rejected
    );
    if summary.rejected > 0 {
        eprintln!(
            "rejected records are listed in {}",
            args.out.join("errors.jsonl").display()
        );
    }
}

/// A progress bar on a terminal; a plain line every ten seconds otherwise (logs of
/// overnight jobs). Never anything per record.
struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    last_line: Mutex<Instant>,
}

impl Reporter {
    fn new() -> Reporter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:>10} [{bar:30}] {percent:>3}% {per_sec} eta {eta}",
                )
                .expect("the template is valid")
                .progress_chars("=> "),
            );
            bar
        });
        Reporter {
            bar,
            start: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    fn line_due(&self) -> bool {
        let mut last = self.last_line.lock().expect("not poisoned");
        if last.elapsed() >= Duration::from_secs(10) {
            *last = Instant::now();
            true
        } else {
            false
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn rendering(&self, records: u64, bytes: u64, total: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(bytes);
                bar.set_message(format!("{records} records"));
            }
            None if self.line_due() => {
                let secs = self.start.elapsed().as_secs_f64().max(0.001);
                let share = if total > 0 {
                    bytes as f64 / total as f64
                } else {
                    0.0
                };
                let eta = if share > 0.0 {
                    secs / share - secs
                } else {
                    0.0
                };
                eprintln!("rendering: {records} records, {:.0}% of the input, {:.0} records/s, eta {:.0}s", share * 100.0, records as f64 / secs, eta);
            }
            None => {}
        }
    }

    fn writing(&self, files: usize, total: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(files as u64);
                bar.set_message(format!("{files} files"));
            }
            None if self.line_due() => eprintln!("writing: {files} of {total} files"),
            None => {}
        }
    }
}

/// Loads every profile named, reading folders for their *.toml files in name order.
pub(super) fn load_issuers(paths: &[PathBuf]) -> Result<Vec<Arc<Issuer>>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("failed to read {} ({e})", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(
            "no issuer profile found\n  hint: pass --issuer FILE or a folder of *.toml profiles"
                .into(),
        );
    }
    let mut issuers: Vec<Arc<Issuer>> = Vec::new();
    for file in files {
        let issuer = Issuer::from_path(&file).map_err(|e| e.to_string())?;
        if issuers
            .iter()
            .any(|i| i.insurer_number == issuer.insurer_number)
        {
            return Err(format!(
                "{}: another profile already has insurer number {}",
                file.display(),
                issuer.insurer_number
            ));
        }
        issuers.push(Arc::new(issuer));
    }
    Ok(issuers)
}
