//! `shikaku golden check | update`: the golden cases for designers, with the same
//! [`shikaku::golden::check`] the tests use.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use shikaku::golden::report::Report;
use shikaku::golden::{self, Case, Cause, Outcome, RendererVersion};
use shikaku::layout::Catalog;

/// Arguments of `shikaku golden`.
#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
    #[command(subcommand)]
    command: GoldenCommand,
}

#[derive(Debug, clap::Subcommand)]
enum GoldenCommand {
    /// Render every case and compare it with its golden files; write a report of what changed.
    Check(CheckArgs),
    /// Re-bless the named cases (or all): write their golden files anew, printing what changed.
    Update(UpdateArgs),
}

/// Where the cases and golden files are.
#[derive(Debug, clap::Args)]
struct Folders {
    /// The folder of case files (*.toml, searched recursively).
    #[arg(long, default_value = "tests/cases")]
    cases: PathBuf,
    /// The folder of golden files; a case's repeat its path below it.
    #[arg(long, default_value = "golden")]
    golden: PathBuf,
    /// A folder of layout files in front of the bundled layouts; by default `layouts/` when
    /// run from a checkout that has one, so an edited layout is seen without a rebuild.
    #[arg(long, value_name = "DIR")]
    layouts: Option<PathBuf>,
}

impl Folders {
    /// The layouts the cases render with, said on stderr (beside the results on stdout) so a
    /// designer knows which.
    fn catalog(&self) -> Result<Catalog, String> {
        let checkout = Path::new("layouts");
        let dir = self
            .layouts
            .as_deref()
            .or_else(|| checkout.is_dir().then_some(checkout));
        let catalog = Catalog::from_option(dir).map_err(|e| e.to_string())?;
        eprintln!("{}", catalog.describe());
        Ok(catalog)
    }
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    folders: Folders,
    /// Where to write the report (index.html, PDFs and page images); an earlier report there is replaced.
    #[arg(long, default_value = "target/golden-report")]
    report: PathBuf,
}

#[derive(Debug, clap::Args)]
struct UpdateArgs {
    #[command(flatten)]
    folders: Folders,
    /// Cases by name (`card/turns-75`), file (`tests/cases/card/turns-75.toml`) or folder (`card`); all when none.
    #[arg(value_name = "CASE")]
    names: Vec<String>,
}

/// Runs `shikaku golden`. Exit status: 0 all cases the same (check) or blessed
/// (update); 1 some differ, lack golden files or failed to render.
pub fn run(args: GoldenArgs) -> Result<ExitCode, String> {
    match args.command {
        GoldenCommand::Check(args) => check(args),
        GoldenCommand::Update(args) => update(args),
    }
}

/// Tallies of a run, for the summary line.
#[derive(Default)]
struct Counts {
    cases: usize,
    same: usize,
    ignored: usize,
    changed: usize,
    updated: usize,
    missing: usize,
    failed: usize,
}

impl Counts {
    fn summary(&self) -> String {
        let mut parts = vec![format!("{} same", self.same)];
        if self.ignored > 0 {
            parts[0] = format!(
                "{} same ({} apart from ignored elements)",
                self.same, self.ignored
            );
        }
        for (n, what) in [
            (self.changed, "changed"),
            (self.updated, "updated"),
            (self.missing, "without golden files"),
            (self.failed, "failed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        format!(
            "{} case{}: {}",
            self.cases,
            if self.cases == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let Folders { cases, golden, .. } = &args.folders;
    let layouts = args.folders.catalog()?;
    let files = golden::cases(cases)?;
    if files.is_empty() {
        return Err(format!("no case files (*.toml) in {}", cases.display()));
    }
    let mut report = Report::create(&args.report, golden)?;
    let mut counts = Counts {
        cases: files.len(),
        ..Counts::default()
    };
    let mut renderer_only = true;
    for file in &files {
        let (case, rendered) = match load_and_render(file, cases, &layouts) {
            Ok(pair) => pair,
            Err((name, e)) => {
                eprintln!("error: {e}");
                report.add_error(&name, &e);
                counts.failed += 1;
                continue;
            }
        };
        let outcome = golden::check(&case, &rendered, golden, false)?;
        match &outcome {
            Outcome::Same => counts.same += 1,
            Outcome::Ignored(_) => {
                counts.same += 1;
                counts.ignored += 1;
            }
            Outcome::Updated(_) => unreachable!("check without update writes nothing"),
            Outcome::Missing => {
                counts.missing += 1;
                println!("missing {}: no golden files yet", case.name);
            }
            Outcome::Differs(difference) => {
                counts.changed += 1;
                renderer_only &= matches!(difference.cause, Cause::Renderer { .. });
                println!(
                    "changed {}: {}; {} pixels changed",
                    case.name,
                    difference.cause,
                    difference.changed_pixels()
                );
                for line in difference.list.lines() {
                    println!("  {line}");
                }
            }
        }
        report.add(&case, &rendered, &outcome)?;
    }
    let mut summary = counts.summary();
    let failing = counts.changed + counts.missing + counts.failed > 0;
    if failing {
        let index = report.finish(&summary)?;
        summary = format!("{summary} (see {})", index.display());
    } else {
        report.finish(&summary)?;
    }
    println!("{summary}");
    if counts.changed > 0 && renderer_only {
        let current = RendererVersion::current();
        let why = match RendererVersion::read(golden) {
            Some(recorded) if recorded == current => {
                "golden/VERSION matches this build, so a dependency or the build changed"
                    .to_string()
            }
            Some(recorded) => format!("golden/VERSION: {recorded}; this build: {current}"),
            None => format!("golden/VERSION is missing; this build: {current}"),
        };
        println!("the renderer changed, not the layouts: every changed case has the same display list as its golden file ({why})");
    }
    if failing {
        println!(
            "  hint: if the changes are intended, run `shikaku golden update` (or name the cases)"
        );
    }
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn update(args: UpdateArgs) -> Result<ExitCode, String> {
    let Folders { cases, golden, .. } = &args.folders;
    let layouts = args.folders.catalog()?;
    let all = golden::cases(cases)?;
    let files = select(&all, cases, &args.names)?;
    let mut counts = Counts {
        cases: files.len(),
        ..Counts::default()
    };
    for file in &files {
        let (case, rendered) = match load_and_render(file, cases, &layouts) {
            Ok(pair) => pair,
            Err((_, e)) => {
                eprintln!("error: {e}");
                counts.failed += 1;
                continue;
            }
        };
        match golden::check(&case, &rendered, golden, true)? {
            Outcome::Same => counts.same += 1,
            Outcome::Updated(changes) => {
                counts.updated += 1;
                let lines = changes.as_ref().map(|c| c.lines()).unwrap_or_default();
                let what = match &changes {
                    None => " (new)",
                    Some(_) if lines.is_empty() => {
                        ": the display list is the same (only the PDF bytes changed)"
                    }
                    Some(_) => ":",
                };
                println!("updated {}{what}", case.name);
                for line in lines {
                    println!("  {line}");
                }
            }
            other => unreachable!("check with update is Same or Updated, not {other:?}"),
        }
    }
    // Every case now matches this renderer: record it, even when no bytes changed.
    if counts.failed == 0 && files.len() == all.len() {
        RendererVersion::current().write(golden)?;
    }
    println!("{}", counts.summary());
    Ok(if counts.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Loads and renders a case; on failure, its name (or path) and the message.
fn load_and_render(
    file: &Path,
    root: &Path,
    layouts: &Catalog,
) -> Result<(Case, golden::Rendered), (String, String)> {
    let case = Case::load(file, root).map_err(|e| (file.display().to_string(), e))?;
    let rendered = case
        .render_with(layouts)
        .map_err(|e| (case.name.clone(), e))?;
    Ok((case, rendered))
}

/// The case files named: by case name, by file path, or every case below a folder name.
fn select(all: &[PathBuf], root: &Path, names: &[String]) -> Result<Vec<PathBuf>, String> {
    if names.is_empty() {
        return Ok(all.to_vec());
    }
    let name_of = |file: &Path| {
        file.strip_prefix(root)
            .unwrap_or(file)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut chosen: Vec<PathBuf> = Vec::new();
    for wanted in names {
        let wanted_path = Path::new(wanted);
        let wanted = name_of(wanted_path.strip_prefix(root).unwrap_or(wanted_path))
            .trim_end_matches('/')
            .to_string();
        let found: Vec<&PathBuf> = all
            .iter()
            .filter(|f| name_of(f) == wanted || name_of(f).starts_with(&format!("{wanted}/")))
            .collect();
        if found.is_empty() {
            let last = |name: &str| name.rsplit('/').next().unwrap_or("").to_string();
            let near: Vec<String> = all
                .iter()
                .map(|f| name_of(f))
                .filter(|n| last(n).contains(&last(&wanted)))
                .collect();
            let hint = if near.is_empty() {
                format!(
                    "cases are named by their path below {}, without .toml",
                    root.display()
                )
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            return Err(format!(
                "no case named `{wanted}` in {}\n  hint: {hint}",
                root.display()
            ));
        }
        for file in found {
            if !chosen.contains(file) {
                chosen.push(file.clone());
            }
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    fn parse(args: &[&str]) -> GoldenCommand {
        let Command::Golden(golden) = Cli::try_parse_from(args).unwrap().command else {
            panic!("not golden")
        };
        golden.command
    }

    #[test]
    fn check_has_defaults_for_every_folder() {
        let GoldenCommand::Check(args) = parse(&["shikaku", "golden", "check"]) else {
            panic!()
        };
        assert_eq!(args.folders.cases, Path::new("tests/cases"));
        assert_eq!(args.folders.golden, Path::new("golden"));
        assert_eq!(args.report, Path::new("target/golden-report"));
    }

    #[test]
    fn check_takes_cases_golden_and_report() {
        let GoldenCommand::Check(args) = parse(&[
            "shikaku", "golden", "check", "--cases", "c", "--golden", "g", "--report", "r",
        ]) else {
            panic!()
        };
        assert_eq!(
            (args.folders.cases, args.folders.golden, args.report),
            ("c".into(), "g".into(), "r".into())
        );
    }

    #[test]
    fn update_takes_case_names() {
        let GoldenCommand::Update(args) =
            parse(&["shikaku", "golden", "update", "card/turns-75", "notice"])
        else {
            panic!()
        };
        assert_eq!(args.names, ["card/turns-75", "notice"]);
    }

    #[test]
    fn selects_by_name_file_or_folder() {
        let root = Path::new("tests/cases");
        let all: Vec<PathBuf> = ["card/a.toml", "card/b.toml", "notice/a.toml"]
            .iter()
            .map(|f| root.join(f))
            .collect();
        let pick = |names: &[&str]| {
            select(
                &all,
                root,
                &names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(pick(&["card/b"]).unwrap(), [root.join("card/b.toml")]);
        assert_eq!(
            pick(&["tests/cases/notice/a.toml"]).unwrap(),
            [root.join("notice/a.toml")]
        );
        assert_eq!(pick(&["card", "card/a"]).unwrap().len(), 2);
        assert_eq!(pick(&[]).unwrap().len(), 3);
        let err = pick(&["card/c"]).unwrap_err();
        assert!(
            err.starts_with("no case named `card/c`") && err.contains("hint:"),
            "{err}"
        );
        assert!(pick(&["a"])
            .unwrap_err()
            .contains("did you mean card/a, notice/a?"));
    }

    #[test]
    fn the_summary_names_only_what_happened() {
        let counts = Counts {
            cases: 17,
            same: 16,
            changed: 1,
            ..Counts::default()
        };
        assert_eq!(counts.summary(), "17 cases: 16 same, 1 changed");
        let counts = Counts {
            cases: 3,
            same: 2,
            ignored: 1,
            missing: 1,
            ..Counts::default()
        };
        assert_eq!(
            counts.summary(),
            "3 cases: 2 same (1 apart from ignored elements), 1 without golden files"
        );
    }
}
