//! `shikaku ledger import|show`: batch runs into the ledger, and a member's documents out.

use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::ledger::{self, Ledger, Reason};

/// Arguments of `shikaku ledger`.
#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    action: LedgerAction,
}

#[derive(Debug, clap::Subcommand)]
enum LedgerAction {
    /// Add a batch run from its manifest.csv: one issued document per rendered record.
    Import {
        /// The run's manifest.csv, with the run's PDFs beside it.
        manifest: PathBuf,
        /// The ledger file (SQLite), created if it does not exist.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// Why the run's documents were issued.
        #[arg(long, value_enum, default_value_t = ReasonArg::Renewal)]
        reason: ReasonArg,
    },
    /// List the documents issued to a member, oldest first.
    Show {
        /// The member's record_id.
        record_id: String,
        /// The ledger file (SQLite).
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ReasonArg {
    /// 新規
    New,
    /// 更新
    Renewal,
    /// 再交付（紛失）
    ReissueLost,
    /// 再交付（破損）
    ReissueDamaged,
    /// 再交付（記載事項変更）
    ReissueChanged,
}

impl From<ReasonArg> for Reason {
    fn from(reason: ReasonArg) -> Reason {
        match reason {
            ReasonArg::New => Reason::New,
            ReasonArg::Renewal => Reason::Renewal,
            ReasonArg::ReissueLost => Reason::ReissueLost,
            ReasonArg::ReissueDamaged => Reason::ReissueDamaged,
            ReasonArg::ReissueChanged => Reason::ReissueChanged,
        }
    }
}

/// Runs `ledger import` or `ledger show`.
pub fn run(args: LedgerArgs) -> Result<ExitCode, String> {
    match args.action {
        LedgerAction::Import {
            manifest,
            ledger,
            reason,
        } => {
            // The manifest first: a wrong path must not leave a new, empty ledger behind.
            let run = ledger::Manifest::read(&manifest).map_err(|e| e.to_string())?;
            let mut ledger = Ledger::open(&ledger).map_err(|e| e.to_string())?;
            let summary =
                ledger::import(&mut ledger, &run, reason.into()).map_err(|e| e.to_string())?;
            eprintln!(
                "imported {} as batch run {}: {} documents ({}), {} rejected records",
                manifest.display(),
                summary.run,
                summary.documents,
                Reason::from(reason).label(),
                summary.rejected
            );
            if summary.cards_without_expiry > 0 {
                eprintln!(
                    "warning: {}: {} cards imported without their 有効期限 (the manifest has no `expiry_date` column)",
                    manifest.display(),
                    summary.cards_without_expiry
                );
                eprintln!("  hint: manifests from this version on carry it; `shikaku explain` on the run's input gives it for a member");
            }
        }
        LedgerAction::Show {
            record_id,
            ledger,
            json,
        } => {
            if !ledger.exists() {
                return Err(format!(
                    "failed to open the ledger {} (no such file)\n  hint: give the file passed to `shikaku serve --ledger`",
                    ledger.display()
                ));
            }
            let ledger = Ledger::open(&ledger).map_err(|e| e.to_string())?;
            let documents = ledger.documents(&record_id).map_err(|e| e.to_string())?;
            for doc in &documents {
                if json {
                    println!("{}", serde_json::to_string(doc).expect("rows serialize"));
                } else {
                    println!(
                        "{}  {}  {}  有効期限 {}  {}  {}  sha256 {}",
                        doc.issued_at,
                        doc.layout,
                        doc.reason_label,
                        doc.expiry_date.as_deref().unwrap_or("-"),
                        doc.user,
                        doc.source,
                        doc.sha256.as_deref().unwrap_or("-")
                    );
                }
            }
            eprintln!("{} documents for record {record_id}", documents.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    fn parse(args: &[&str]) -> Result<LedgerArgs, clap::Error> {
        let cli = Cli::try_parse_from([&["shikaku", "ledger"], args].concat())?;
        let Command::Ledger(args) = cli.command else {
            panic!("not ledger")
        };
        Ok(args)
    }

    #[test]
    fn import_defaults_to_renewal_and_show_takes_a_record_id() {
        let args = parse(&["import", "out/manifest.csv", "--ledger", "l.sqlite"]).unwrap();
        assert!(matches!(
            args.action,
            LedgerAction::Import {
                reason: ReasonArg::Renewal,
                ..
            }
        ));
        let args = parse(&[
            "import",
            "m.csv",
            "--ledger",
            "l",
            "--reason",
            "reissue-lost",
        ])
        .unwrap();
        let LedgerAction::Import { reason, .. } = args.action else {
            panic!()
        };
        assert_eq!(Reason::from(reason), Reason::ReissueLost);
        assert!(parse(&["show", "T0001", "--ledger", "l.sqlite", "--json"]).is_ok());
        assert!(parse(&["show", "T0001"]).is_err());
    }
}
