//! `shikaku lint`: the layout preflight, and the same checks as warnings wherever a layout is loaded.

use std::process::ExitCode;

use shikaku::layout::{bundled_source, Layout};
use shikaku::lint::{lint, LintOptions};

/// Arguments of `shikaku lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Layouts to check: bundled names or TOML files.
    #[arg(required = true, value_name = "LAYOUT")]
    pub(super) layouts: Vec<String>,
    /// The thinnest line or outline allowed, in mm.
    #[arg(long, value_name = "MM", default_value_t = 0.1)]
    min_line: f32,
    /// The smallest font size text may be drawn at, in pt.
    #[arg(long, value_name = "PT", default_value_t = 5.0)]
    pub(super) min_text: f32,
    /// The narrowest squeeze (長体) allowed, as a ratio (0.7 = 70 %).
    #[arg(long, value_name = "RATIO", default_value_t = 0.7)]
    min_squeeze: f32,
    /// How far inside a cut card's trim everything must stay, in mm.
    #[arg(long, value_name = "MM", default_value_t = 3.0)]
    pub(super) safe: f32,
    /// How far from the edge of an uncut page (A4) everything must stay, in mm.
    #[arg(long, value_name = "MM", default_value_t = 5.0)]
    margin: f32,
}

impl LintArgs {
    fn options(&self) -> LintOptions {
        LintOptions {
            min_line: shikaku::layout::mm(self.min_line),
            min_text: self.min_text,
            min_squeeze: self.min_squeeze,
            safe_area: shikaku::layout::mm(self.safe),
            printable_margin: shikaku::layout::mm(self.margin),
        }
    }
}

/// Lints every layout named; exit status 1 when any has findings, 2 when one cannot be loaded.
pub fn run(args: LintArgs) -> Result<ExitCode, String> {
    let options = args.options();
    let mut total = 0;
    for name in &args.layouts {
        let layout = Layout::load(name).map_err(|e| e.to_string())?;
        let findings = warnings(&layout, name, &options);
        for line in &findings {
            eprintln!("warning: {line}");
        }
        total += findings.len();
    }
    eprintln!(
        "{} layout{} checked, {total} finding{}",
        args.layouts.len(),
        if args.layouts.len() == 1 { "" } else { "s" },
        if total == 1 { "" } else { "s" }
    );
    Ok(if total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The findings on a loaded layout, each as `file:line:col: message` with its hint.
fn warnings(layout: &Layout, name_or_path: &str, options: &LintOptions) -> Vec<String> {
    let (file, source) = match bundled_source(name_or_path) {
        Some(text) => (
            format!("layouts/{name_or_path}.toml"),
            Some(text.to_string()),
        ),
        None => (
            name_or_path.to_string(),
            std::fs::read_to_string(name_or_path).ok(),
        ),
    };
    lint(layout, source.as_deref(), options)
        .iter()
        .map(|f| f.display(&file))
        .collect()
}

/// Prints the default checks' findings on a layout just loaded, as warnings on stderr.
pub(super) fn warn(layout: &Layout, name_or_path: &str) {
    for line in warnings(layout, name_or_path, &LintOptions::default()) {
        eprintln!("warning: {line}");
    }
}
