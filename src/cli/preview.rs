//! `shikaku preview`: one record through a layout into a PNG or PDF, again on every
//! save with `--watch`, for a designer editing TOML beside an image viewer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use shikaku::eligibility::{self, Check};
use shikaku::fill::Form;
use shikaku::issuer::Issuer;
use shikaku::limits::{self, ReadError};
use shikaku::record::{self, Origin, Record};
use shikaku::render::pdf::{pdf, PdfOptions};
use shikaku::render::png::{png, PngOptions};

/// How often `--watch` looks at the files' modification times: quick enough to feel
/// immediate after a save, rare enough to cost nothing.
const POLL: Duration = Duration::from_millis(300);

/// Arguments of `shikaku preview`.
#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// The layout: a layout name (kokuho-kakuninsho, …) or a TOML file.
    #[arg(long)]
    layout: String,
    #[command(flatten)]
    layouts: super::LayoutsArg,
    /// The record: a file holding one JSON object, or a records file (.csv, .jsonl, .json)
    /// whose first record is used.
    #[arg(long)]
    record: PathBuf,
    /// The issuer profile (TOML), or a folder of them (the one with the record's insurer
    /// number is used); without it, placeholders show where the issuer's name, prefecture
    /// and contact lines go.
    #[arg(long)]
    issuer: Option<PathBuf>,
    /// The file to write: .png (one page) or .pdf (every page).
    #[arg(long, short)]
    out: PathBuf,
    /// PNG resolution in pixels per inch (default 150; 300 to check small print).
    #[arg(long, value_parser = parse_dpi)]
    dpi: Option<f32>,
    /// The page to write as PNG, from 1 (default 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    page: Option<u32>,
    /// The renewal cycle by its first year; by default the one in which the record's document
    /// starts to apply (the later of its issue date and its coverage start).
    #[arg(long)]
    cycle: Option<i32>,
    /// Render again whenever the layout, record or issuer file is saved; errors are
    /// printed and the watch goes on. Stop it with Ctrl-C.
    #[arg(long)]
    watch: bool,
}

fn parse_dpi(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(dpi) if (10.0..=1200.0).contains(&dpi) => Ok(dpi),
        _ => Err("expected pixels per inch from 10 to 1200".into()),
    }
}

/// What the output file is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Png,
    Pdf,
}

/// Runs the preview: once, or until interrupted with `--watch`.
pub fn run(args: PreviewArgs) -> Result<ExitCode, String> {
    let kind = match args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Kind::Png,
        Some("pdf") => Kind::Pdf,
        _ => {
            return Err(format!(
                "{}: unknown output type\n  hint: name the output .png or .pdf",
                args.out.display()
            ))
        }
    };
    if kind == Kind::Pdf && (args.dpi.is_some() || args.page.is_some()) {
        return Err("--dpi and --page apply to PNG output; a PDF holds every page".into());
    }
    if !args.watch {
        let line = render(&args, kind)?;
        eprintln!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    let watched = watched_files(&args);
    eprintln!(
        "watching {} (Ctrl-C to stop)",
        watched
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for round in 1.. {
        let before = stamps(&watched);
        let start = Instant::now();
        match render(&args, kind) {
            Ok(line) => eprintln!("[{round}] {line} in {} ms", start.elapsed().as_millis()),
            Err(e) => eprintln!("[{round}] error: {e}"),
        }
        while stamps(&watched) == before {
            std::thread::sleep(POLL);
        }
    }
    unreachable!("the watch ends only when interrupted")
}

/// The files whose saving starts a new render: the layout (unless bundled), the
/// record and the issuer profile.
fn watched_files(args: &PreviewArgs) -> Vec<PathBuf> {
    let layout = Path::new(&args.layout);
    let from_folder = args
        .layouts
        .catalog()
        .ok()
        .map(|c| c.origin(&args.layout))
        .filter(|origin| origin != "bundled")
        .map(PathBuf::from);
    let mut files: Vec<PathBuf> = from_folder
        .or_else(|| layout.is_file().then(|| layout.to_path_buf()))
        .into_iter()
        .collect();
    files.push(args.record.clone());
    files.extend(args.issuer.clone());
    files
}

/// Each file's modification time and length (`None` while it is missing, as it may
/// be for a moment while an editor saves).
fn stamps(files: &[PathBuf]) -> Vec<Option<(SystemTime, u64)>> {
    files
        .iter()
        .map(|f| {
            std::fs::metadata(f)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())))
        })
        .collect()
}

/// Renders once and writes the output; returns the line to print.
fn render(args: &PreviewArgs, kind: Kind) -> Result<String, String> {
    let layout = args
        .layouts
        .catalog()?
        .load(&args.layout)
        .map_err(|e| e.to_string())?;
    super::lint::warn(&layout, &args.layout);
    let record = read_record(&args.record)?;
    let issuer = match &args.issuer {
        Some(path) => record_issuer(path, &record)?,
        None => Arc::new(placeholder_issuer(&record)?),
    };
    let options = eligibility::Options {
        cycle: args.cycle,
        check: Check::Warn,
    };
    let evaluated = eligibility::evaluate(&record, &issuer.rules, &options).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!("{}: {}", args.record.display(), list.join("; "))
    })?;
    let mut notes: Vec<String> = evaluated
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    let title = layout.title().to_string();
    let form =
        Form::new(Arc::new(layout), issuer).map_err(|e| with_hint(e.to_string(), e.hint()))?;
    let document = form
        .fill(&record, &evaluated.eligibility)
        .map_err(|e| with_hint(e.to_string(), e.hint()))?;
    let count = document.pages.len();
    let (bytes, what) = match kind {
        Kind::Pdf => (
            pdf(
                &document,
                &PdfOptions {
                    title: Some(title),
                    ..PdfOptions::default()
                },
            ),
            format!("{count} page{}", if count == 1 { "" } else { "s" }),
        ),
        Kind::Png => {
            let page = args.page.unwrap_or(1) as usize;
            let options = PngOptions {
                dpi: args.dpi.unwrap_or(PngOptions::default().dpi),
                ..PngOptions::default()
            };
            let bytes = png(&document, page - 1, &options).map_err(|e| e.to_string())?;
            (bytes, format!("page {page} of {count}"))
        }
    };
    write_atomically(&args.out, &bytes)?;
    notes.insert(0, format!("wrote {} ({what})", args.out.display()));
    Ok(notes.join("\n"))
}

fn with_hint(message: String, hint: Option<String>) -> String {
    match hint {
        Some(hint) => format!("{message}\n  hint: {hint}"),
        None => message,
    }
}

/// The most bytes read to try a file as one JSON object: a record is under 2 KiB, and a
/// larger file is a records file, read a record at a time.
const ONE_OBJECT_BYTES: u64 = 1 << 20;

/// Reads a file holding one JSON object, or else the first record of a records file. The file
/// must be a regular file (a FIFO or `/dev/zero` would never end), and is read whole only when
/// small.
fn read_record(path: &Path) -> Result<Record, String> {
    let file = path.display().to_string();
    let bytes = match limits::read_capped(path, ONE_OBJECT_BYTES) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge { .. }) => Vec::new(),
        Err(e) => return Err(format!("failed to read {file} ({e})")),
    };
    if let Ok(value @ serde_json::Value::Object(_)) =
        serde_json::from_slice::<serde_json::Value>(&bytes)
    {
        return Record::from_json_value(&value, Origin::single(&file)).map_err(|e| e.to_string());
    }
    let mut records =
        record::read(path, &record::ReadOptions::default()).map_err(|e| e.to_string())?;
    match records.next() {
        Some(record) => record.map(|(_, record)| record).map_err(|e| e.to_string()),
        None => Err(format!(
            "{file}: failed to read a record (the file has none)"
        )),
    }
}

/// The profile for the record: the one given, or the one of a folder with its insurer number.
fn record_issuer(path: &Path, record: &Record) -> Result<Arc<Issuer>, String> {
    let issuers = super::render::load_issuers(&[path.to_path_buf()])?;
    if !path.is_dir() {
        return Ok(issuers.into_iter().next().expect("one file, one profile"));
    }
    issuers
        .into_iter()
        .find(|i| i.insurer_number == record.insurer_number)
        .ok_or_else(|| {
            format!(
                "{}: no profile has the record's insurer number\n  hint: add the insurer's profile to the folder, or pass --issuer FILE",
                path.display()
            )
        })
}

/// An issuer whose texts say what goes where, for previews without a profile.
fn placeholder_issuer(record: &Record) -> Result<Issuer, String> {
    let toml = format!(
        "name = \"（交付者名）\"\ninsurer_number = \"{}\"\nprefecture = \"（都道府県）\"\ncontact = [\"（お問い合わせ先）\"]\n",
        record.insurer_number
    );
    Issuer::from_toml(&toml).map_err(|e| {
        format!("failed to make a placeholder issuer ({e})\n  hint: pass --issuer FILE")
    })
}

/// Writes through a temporary file and a rename, so that an image viewer watching
/// the output never reads half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temp, bytes)
        .map_err(|e| format!("failed to write {} ({e})", temp.display()))?;
    std::fs::rename(&temp, path).map_err(|e| format!("failed to write {} ({e})", path.display()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    fn parse(args: &[&str]) -> Result<PreviewArgs, clap::Error> {
        let mut all = vec![
            "shikaku",
            "preview",
            "--layout",
            "kokuho-kakuninsho",
            "--record",
            "r.json",
            "-o",
            "out.png",
        ];
        all.extend(args);
        match Cli::try_parse_from(all)?.command {
            Command::Preview(args) => Ok(args),
            other => panic!("not preview: {other:?}"),
        }
    }

    #[test]
    fn parses_the_required_flags() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.layout, "kokuho-kakuninsho");
        assert_eq!(args.record, Path::new("r.json"));
        assert_eq!(args.out, Path::new("out.png"));
        assert!(args.issuer.is_none() && !args.watch);
    }

    #[test]
    fn parses_issuer_dpi_page_cycle_and_watch() {
        let args = parse(&[
            "--issuer", "i.toml", "--dpi", "300", "--page", "2", "--cycle", "2025", "--watch",
        ])
        .unwrap();
        assert_eq!(args.issuer.as_deref(), Some(Path::new("i.toml")));
        assert_eq!(
            (args.dpi, args.page, args.cycle, args.watch),
            (Some(300.0), Some(2), Some(2025), true)
        );
    }

    #[test]
    fn rejects_a_dpi_out_of_range_and_page_zero() {
        assert!(parse(&["--dpi", "5000"]).is_err());
        assert!(parse(&["--dpi", "many"]).is_err());
        assert!(parse(&["--page", "0"]).is_err());
    }

    #[test]
    fn watches_a_layout_file_but_not_a_bundled_name() {
        let args = parse(&["--issuer", "i.toml"]).unwrap();
        assert_eq!(
            watched_files(&args),
            [PathBuf::from("r.json"), PathBuf::from("i.toml")]
        );
        let mut args = args;
        args.layout = "layouts/kokuho-kakuninsho.toml".into();
        assert_eq!(
            watched_files(&args)[0],
            PathBuf::from("layouts/kokuho-kakuninsho.toml")
        );
    }
}
