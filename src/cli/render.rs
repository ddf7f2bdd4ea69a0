//! `shikaku render`: records → PDFs, an error report and a summary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use shikaku::batch::{self, BatchOptions};
use shikaku::issuer::Issuer;
use shikaku::layout::Layout;

use super::{InputArgs, RuleArgs};

/// Arguments of `shikaku render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// The output folder: one PDF per layout, errors.jsonl and summary.json.
    #[arg(long, short)]
    out: PathBuf,
    /// An issuer profile (TOML), or a folder of them; each record uses the profile with its
    /// insurer number. May be given more than once.
    #[arg(long, required = true)]
    issuer: Vec<PathBuf>,
    /// Print every record with this layout (a bundled name or a TOML file) instead of
    /// choosing by scheme and document.
    #[arg(long)]
    layout: Option<String>,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
}

/// Runs the render.
pub fn run(args: RenderArgs) -> Result<ExitCode, String> {
    let issuers = load_issuers(&args.issuer)?;
    let layout = match &args.layout {
        Some(name) => Some(Arc::new(Layout::load(name).map_err(|e| e.to_string())?)),
        None => None,
    };
    let options = BatchOptions {
        input: args.input.input.clone(),
        read: args.input.read_options(),
        out: args.out.clone(),
        issuers,
        layout,
        eligibility: args.rules.options(),
    };
    let summary = batch::run(&options).map_err(|e| e.to_string())?;
    for file in &summary.files {
        eprintln!("wrote {} ({} records, {} pages)", file.path.display(), file.records, file.pages);
    }
    eprintln!(
        "{} read = {} rendered + {} rejected{}",
        summary.read,
        summary.rendered,
        summary.rejected,
        if summary.warnings > 0 { format!(" ({} warnings)", summary.warnings) } else { String::new() }
    );
    if summary.rejected > 0 {
        eprintln!("rejected records are listed in {}", args.out.join("errors.jsonl").display());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads every profile named, reading folders for their *.toml files in name order.
pub(super) fn load_issuers(paths: &[PathBuf]) -> Result<Vec<Arc<Issuer>>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| format!("failed to read {} ({e})", path.display()))?;
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
        return Err("no issuer profile found\n  hint: pass --issuer FILE or a folder of *.toml profiles".into());
    }
    let mut issuers: Vec<Arc<Issuer>> = Vec::new();
    for file in files {
        let issuer = Issuer::from_path(&file).map_err(|e| e.to_string())?;
        if issuers.iter().any(|i| i.insurer_number == issuer.insurer_number) {
            return Err(format!("{}: another profile already has insurer number {}", file.display(), issuer.insurer_number));
        }
        issuers.push(Arc::new(issuer));
    }
    Ok(issuers)
}
