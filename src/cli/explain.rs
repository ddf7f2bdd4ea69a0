//! `shikaku explain`: what the rules decide for each record, and why, as JSON Lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::eligibility::{self, Rules};
use shikaku::record;

use super::{InputArgs, RuleArgs};

/// Arguments of `shikaku explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Issuer profiles whose `[rules]` apply (cycle start, validity, interim end), matched by
    /// insurer number; records of other insurers use the default rules.
    #[arg(long)]
    issuer: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
}

/// Writes one JSON object per record to standard output.
pub fn run(args: ExplainArgs) -> Result<ExitCode, String> {
    let issuers = if args.issuer.is_empty() {
        Vec::new()
    } else {
        super::render::load_issuers(&args.issuer)?
    };
    let options = args.rules.options();
    let records =
        record::read(&args.input.input, &args.input.read_options()?).map_err(|e| e.to_string())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    for item in records {
        let line = match item {
            Ok((_, record)) => {
                let rules = issuers
                    .iter()
                    .find(|i| i.insurer_number == record.insurer_number)
                    .map_or_else(Rules::default, |i| i.rules.clone());
                let result = eligibility::evaluate(&record, &rules, &options);
                failed |= result.is_err();
                eligibility::explain_json(&record, &result)
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
                continue;
            }
        };
        serde_json::to_writer(&mut out, &line)
            .map_err(|e| format!("failed to write output ({e})"))?;
        out.write_all(b"\n")
            .map_err(|e| format!("failed to write output ({e})"))?;
    }
    out.flush()
        .map_err(|e| format!("failed to write output ({e})"))?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
