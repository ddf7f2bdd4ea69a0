//! `shikaku render`: records → PDFs, an error report and a summary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use shikaku::batch::{self, BatchOptions};
use shikaku::impose::{Sheet, SheetKind};
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
    /// How cards go onto paper: one card per page, several to a sheet with crop marks, or on a
    /// carrier sheet (台紙) with the address; お知らせ are never imposed.
    #[arg(long, value_enum, default_value_t = ImposeArg::Card)]
    impose: ImposeArg,
    /// The sheet for --impose nup or carrier: a bundled name (a4-10up, a3-21up, a4-carrier) or a
    /// TOML file; by default a4-10up for nup and a4-carrier for carrier.
    #[arg(long)]
    sheet: Option<String>,
    /// Write PDF/A-2b files for archiving.
    #[arg(long)]
    pdfa: bool,
    #[command(flatten)]
    pub(super) rules: RuleArgs,
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

fn sheet(args: &RenderArgs) -> Result<Sheet, String> {
    let default = match args.impose {
        ImposeArg::Card if args.sheet.is_some() => return Err("--sheet needs --impose nup or --impose carrier".into()),
        ImposeArg::Card => return Ok(Sheet::one_per_page()),
        ImposeArg::Nup => "a4-10up",
        ImposeArg::Carrier => "a4-carrier",
    };
    let sheet = Sheet::load(args.sheet.as_deref().unwrap_or(default)).map_err(|e| e.to_string())?;
    let expected = if args.impose == ImposeArg::Nup { SheetKind::NUp } else { SheetKind::Carrier };
    if sheet.kind() != expected {
        return Err(format!("sheet {} is not a{} sheet\n  hint: pass a sheet whose kind is `{}`", sheet.name(), if args.impose == ImposeArg::Nup { "n n-up" } else { " carrier" }, if args.impose == ImposeArg::Nup { "nup" } else { "carrier" }));
    }
    Ok(sheet)
}

/// Runs the render.
pub fn run(args: RenderArgs) -> Result<ExitCode, String> {
    let issuers = load_issuers(&args.issuer)?;
    let sheet = sheet(&args)?;
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
        sheet,
        pdfa: args.pdfa,
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::Cli;
    use super::*;

    fn render_args(extra: &[&str]) -> Result<RenderArgs, clap::Error> {
        let mut args = vec!["shikaku", "render", "--input", "a.csv", "--out", "o", "--issuer", "i.toml"];
        args.extend_from_slice(extra);
        let cli = Cli::try_parse_from(args)?;
        Ok(cli.into_render().expect("a render command"))
    }

    #[test]
    fn impose_defaults_to_one_card_per_page_and_picks_the_default_sheets() {
        let args = render_args(&[]).unwrap();
        assert_eq!((args.impose, args.pdfa), (ImposeArg::Card, false));
        assert_eq!(sheet(&args).unwrap().kind(), SheetKind::Card);
        assert_eq!(sheet(&render_args(&["--impose", "nup"]).unwrap()).unwrap().name(), "a4-10up");
        assert_eq!(sheet(&render_args(&["--impose", "carrier"]).unwrap()).unwrap().name(), "a4-carrier");
        assert_eq!(sheet(&render_args(&["--impose", "nup", "--sheet", "a3-21up"]).unwrap()).unwrap().name(), "a3-21up");
        assert!(render_args(&["--impose", "2up"]).is_err());
        assert!(sheet(&render_args(&["--impose", "nup", "--sheet", "a4-carrier"]).unwrap()).unwrap_err().contains("not an n-up sheet"));
        assert!(render_args(&["--pdfa"]).unwrap().pdfa);
    }
}
