//! The command line: argument parsing and one file per subcommand.
//!
//! Exit status: 0 when every record was rendered, 1 when some were rejected
//! (see the error report), 2 when nothing could run (bad flags, layout, issuer
//! profile or input), when the input could not be read to its end, or when the run
//! failed (a full disk, say); 128 + the signal's number when SIGINT or SIGTERM
//! stopped a render.

mod explain;
mod golden;
mod ledger;
mod lint;
mod merge;
mod preview;
mod render;
mod serve;
mod signals;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Prints 資格確認書 cards and 資格情報のお知らせ notices from member records.
#[derive(Debug, Parser)]
#[command(name = "shikaku", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A folder searched first for the fallback fonts (IPAmj明朝 ipamjm.ttf, Noto CJK), before
    /// fonts/ and Debian's font folders.
    #[arg(long, global = true, value_name = "DIR")]
    fonts: Option<PathBuf>,
    /// Search only the --fonts folder, not fonts/ or Debian's: for a deployment that pins its
    /// font files.
    #[arg(long, global = true, requires = "fonts")]
    no_system_fonts: bool,
}

const EXIT_CODES: &str = "Exit status: 0 every record rendered; 1 some records rejected (see errors.jsonl); 2 nothing could run, the input could not be read to its end, or the run failed; 130 / 143 a render stopped by Ctrl-C / SIGTERM (resume it with --resume).";

#[derive(Debug, Subcommand)]
enum Command {
    /// Render records into print-ready PDFs.
    Render(render::RenderArgs),
    /// Explain, as JSON Lines, what the rules decide for each record and why.
    Explain(explain::ExplainArgs),
    /// Join the manifests of a sharded run, checking every input record appears once.
    MergeManifests(merge::MergeArgs),
    /// Render one record through a layout into a PNG or PDF, again on every save with --watch.
    Preview(preview::PreviewArgs),
    /// Compare the golden cases with their blessed PDFs (check), or re-bless them (update).
    Golden(golden::GoldenArgs),
    /// Serve the preview page and its JSON API, for staff who issue one document at a time.
    Serve(serve::ServeArgs),
    /// Add, remove or change the staff who may log in to `serve` (--users FILE).
    User(user::UserArgs),
    /// Import a batch run into the issuance ledger, or list a member's documents.
    Ledger(ledger::LedgerArgs),
    /// Check layouts for what a print shop would query: hairlines, tiny or squeezed text,
    /// elements near the trim, overlapping text boxes.
    Lint(lint::LintArgs),
}

/// How to read the records file.
#[derive(Debug, clap::Args)]
struct InputArgs {
    /// The records file: .csv, .jsonl / .ndjson, or .json (an array, or JSON Lines).
    #[arg(long, short)]
    input: PathBuf,
    /// The file's format, when its extension does not say.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The CSV file's text encoding (municipal exports are often CP932 / Shift_JIS).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
    encoding: EncodingArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Jsonl,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    #[value(name = "utf8", alias = "utf-8")]
    Utf8,
    #[value(name = "cp932", alias = "sjis", alias = "shift_jis")]
    Cp932,
}

/// Where layouts come from.
#[derive(Debug, Clone, clap::Args)]
struct LayoutsArg {
    /// A folder of layout files (*.toml) in front of the bundled layouts: a file replaces the
    /// bundled layout of its name (kokuho-kakuninsho.toml, …), other files add layouts.
    #[arg(long, value_name = "DIR")]
    layouts: Option<PathBuf>,
}

impl LayoutsArg {
    fn catalog(&self) -> Result<shikaku::layout::Catalog, String> {
        shikaku::layout::Catalog::from_option(self.layouts.as_deref()).map_err(|e| e.to_string())
    }
}

/// Which renewal cycle and how strictly to check the records.
#[derive(Debug, clap::Args)]
struct RuleArgs {
    /// The renewal cycle by its first year (2025 = 2025-08-01 … 2026-07-31 for most insurers);
    /// by default the cycle that contains each record's issue date.
    #[arg(long)]
    cycle: Option<i32>,
    /// What to do when a record's expiry, effective date or ratio contradicts the rules.
    #[arg(long, value_enum, default_value_t = CheckArg::Strict)]
    check: CheckArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CheckArg {
    /// Reject the record, naming both values and the rule.
    Strict,
    /// Print the rules' value and count a warning.
    Warn,
    /// Print the record's value.
    Off,
}

impl InputArgs {
    fn read_options(&self) -> shikaku::record::ReadOptions {
        shikaku::record::ReadOptions {
            max_record_bytes: shikaku::record::ReadOptions::default().max_record_bytes,
            format: self.format.map(|f| match f {
                FormatArg::Csv => shikaku::record::Format::Csv,
                FormatArg::Jsonl => shikaku::record::Format::JsonLines,
                FormatArg::Json => shikaku::record::Format::JsonArray,
            }),
            encoding: self.encoding.encoding(),
        }
    }
}

impl EncodingArg {
    fn encoding(&self) -> shikaku::record::Encoding {
        match self {
            EncodingArg::Utf8 => shikaku::record::Encoding::Utf8,
            EncodingArg::Cp932 => shikaku::record::Encoding::Cp932,
        }
    }
}

impl RuleArgs {
    fn options(&self) -> shikaku::eligibility::Options {
        shikaku::eligibility::Options {
            cycle: self.cycle,
            check: match self.check {
                CheckArg::Strict => shikaku::eligibility::Check::Strict,
                CheckArg::Warn => shikaku::eligibility::Check::Warn,
                CheckArg::Off => shikaku::eligibility::Check::Off,
            },
        }
    }
}

impl Cli {
    /// The render command's arguments, if that is the command.
    #[cfg(test)]
    fn into_render(self) -> Option<render::RenderArgs> {
        match self.command {
            Command::Render(args) => Some(args),
            _ => None,
        }
    }
}

/// `1 page`, `2 pages`: a count with its noun, for the lines people read.
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Parses the arguments and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = set_fonts(cli.fonts, !cli.no_system_fonts).and_then(|()| match cli.command {
        Command::Render(args) => render::run(args),
        Command::Explain(args) => explain::run(args),
        Command::MergeManifests(args) => merge::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Golden(args) => golden::run(args),
        Command::Serve(args) => serve::run(args),
        Command::User(args) => user::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Lint(args) => lint::run(args),
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Puts `--fonts DIR` first among the folders searched for fallback fonts (or alone).
fn set_fonts(folder: Option<PathBuf>, defaults: bool) -> Result<(), String> {
    let Some(folder) = folder else {
        return Ok(());
    };
    if !folder.is_dir() {
        return Err(format!(
            "failed to use font folder {} (not a folder)\n  hint: --fonts names the folder holding ipamjm.ttf or the Noto CJK fonts",
            folder.display()
        ));
    }
    shikaku::font::set_font_folders(vec![folder], defaults).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_a_font_folder_before_or_after_the_subcommand() {
        for args in [
            &[
                "shikaku",
                "--fonts",
                "/opt/fonts",
                "explain",
                "--input",
                "a.csv",
            ][..],
            &[
                "shikaku",
                "explain",
                "--input",
                "a.csv",
                "--fonts",
                "/opt/fonts",
            ][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert_eq!(cli.fonts, Some(PathBuf::from("/opt/fonts")));
        }
    }

    #[test]
    fn counts_take_the_plural_except_for_one() {
        assert_eq!(count(1, "page"), "1 page");
        assert_eq!(count(0, "page"), "0 pages");
        assert_eq!(count(2, "document"), "2 documents");
    }

    #[test]
    fn parses_render_flags() {
        let cli = Cli::try_parse_from([
            "shikaku",
            "render",
            "--input",
            "a.csv",
            "--out",
            "out",
            "--issuer",
            "i.toml",
            "--encoding",
            "cp932",
            "--cycle",
            "2025",
            "--check",
            "warn",
        ])
        .unwrap();
        let Command::Render(args) = cli.command else {
            panic!()
        };
        assert!(matches!(args.input.encoding, EncodingArg::Cp932));
        assert_eq!(args.rules.cycle, Some(2025));
        assert!(matches!(args.rules.check, CheckArg::Warn));
    }

    #[test]
    fn parses_a_bleed_in_mm_and_refuses_one_out_of_range() {
        let parse = |bleed: &str| {
            Cli::try_parse_from([
                "shikaku", "render", "-i", "a.csv", "-o", "out", "--issuer", "i.toml", "--bleed",
                bleed,
            ])
        };
        let args = parse("3").unwrap().into_render().unwrap();
        assert_eq!(args.bleed, Some(3.0));
        assert!(parse("11").is_err() && parse("-1").is_err() && parse("two").is_err());
    }

    #[test]
    fn pdfx_needs_a_date_and_refuses_pdfa() {
        let parse = |extra: &[&str]| {
            let mut args = vec![
                "shikaku", "render", "-i", "a.csv", "-o", "out", "--issuer", "i.toml",
            ];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        let args = parse(&["--pdfx", "--pdf-date", "2025-08-01"])
            .unwrap()
            .into_render()
            .unwrap();
        assert!(args.pdfx);
        assert_eq!(args.pdf_date.unwrap().to_string(), "2025-08-01");
        assert!(parse(&["--pdfx"]).is_err(), "a PDF/X file needs its date");
        assert!(parse(&["--pdfx", "--pdfa", "--pdf-date", "2025-08-01"]).is_err());
        assert!(parse(&["--pdfx", "--pdf-date", "2025-13-01"]).is_err());
    }

    #[test]
    fn parses_lint_limits() {
        let cli = Cli::try_parse_from([
            "shikaku",
            "lint",
            "kokuho-kakuninsho",
            "my.toml",
            "--min-text",
            "6",
            "--safe",
            "2",
        ])
        .unwrap();
        let Command::Lint(args) = cli.command else {
            panic!()
        };
        assert!(
            Cli::try_parse_from(["shikaku", "lint"]).is_err(),
            "needs a layout"
        );
        assert_eq!(
            (args.layouts.len(), args.min_text, args.safe),
            (2, 6.0, 2.0)
        );
    }

    #[test]
    fn rejects_an_unknown_check_mode() {
        assert!(
            Cli::try_parse_from(["shikaku", "explain", "--input", "a.csv", "--check", "lax"])
                .is_err()
        );
    }
}
