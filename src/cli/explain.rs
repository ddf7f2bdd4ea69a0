//! `shikaku explain`: what the rules decide for each record, and why, as JSON Lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::eligibility::{self, Rules};
use shikaku::layout::Catalog;
use shikaku::record;

use super::{InputArgs, RuleArgs};

/// Arguments of `shikaku explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Issuer profiles whose `[rules]` apply (cycle start, validity, interim end), matched by
    /// insurer number; records of other insurers use the default rules.
    #[arg(long)]
    issuer: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    layouts: super::LayoutsArg,
}

/// Writes one JSON object per record to standard output.
pub fn run(args: ExplainArgs) -> Result<ExitCode, String> {
    let issuers = if args.issuer.is_empty() {
        Vec::new()
    } else {
        super::render::load_issuers(&args.issuer)?
    };
    let options = args.rules.options();
    let layouts = args.layouts.catalog()?;
    let records =
        record::read(&args.input.input, &args.input.read_options()).map_err(|e| e.to_string())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut stopped_by = None;
    let mut records = records;
    for item in records.by_ref() {
        let line = match item {
            Ok((_, record)) => {
                let rules = issuers
                    .iter()
                    .find(|i| i.insurer_number == record.insurer_number)
                    .map_or_else(Rules::default, |i| i.rules.clone());
                let result = eligibility::evaluate(&record, &rules, &options);
                failed |= result.is_err();
                let mut line = eligibility::explain_json(&record, &result);
                if let Ok(evaluated) = &result {
                    add_layout(&mut line, &evaluated.eligibility, &layouts);
                }
                line
            }
            Err(e) if e.ends_input() => {
                stopped_by = Some(e);
                continue;
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
                continue;
            }
        };
        let written = serde_json::to_writer(&mut out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if stopped_reading(written)? {
            break;
        }
    }
    stopped_reading(out.flush())?;
    if let (Some(unread), Some(cause)) = (records.stopped(), stopped_by) {
        eprintln!("error: {unread}: {cause}\n  hint: the records before it were explained; correct the input and run again");
        return Ok(ExitCode::from(2));
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether the reader of standard output has gone (`shikaku explain … | head`): then there is
/// no one to tell, and explaining stops quietly, as other filters do. Other write errors stop
/// the command.
fn stopped_reading(written: std::io::Result<()>) -> Result<bool, String> {
    match written {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(format!("failed to write output ({e})")),
    }
}

/// Names the layout a record prints with, and with `--layouts`, the file it comes from.
fn add_layout(line: &mut serde_json::Value, elig: &eligibility::Eligibility, layouts: &Catalog) {
    let name = format!("{}-{}", elig.scheme.as_str(), elig.document.as_str());
    line["layout"] = serde_json::Value::from(name.as_str());
    line["layout_file"] = serde_json::Value::from(layouts.origin(&name));
}
