//! `shikaku check`: reads a records file and applies the rules, rendering nothing, and tells
//! per field how many records fail and which: what batch operators run the day before printing.
//!
//! The output holds record numbers, field names and reasons, never a value: it is meant for
//! logs and e-mails. Values are in `render`'s error report.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::eligibility::{self, Rules};
use shikaku::record::{self, Field};

use super::{InputArgs, RuleArgs};

/// Record numbers listed per field; the rest are counted.
const LISTED: usize = 5;
/// Reasons listed per field; the rest are counted.
const REASONS: usize = 5;

/// Arguments of `shikaku check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Issuer profiles, as for render: their `[rules]` apply, and a record whose insurer number
    /// none of them has is counted invalid, as render would reject it. Without any, every record
    /// is checked against the default rules.
    #[arg(long)]
    issuer: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
}

/// The failures of one field (or of whole records).
#[derive(Debug, Default)]
struct Tally {
    records: u64,
    first: Vec<u64>,
    reasons: BTreeMap<String, u64>,
}

impl Tally {
    fn add(&mut self, record: u64, reason: String) {
        if self.first.last() != Some(&record) {
            self.records += 1;
            if self.first.len() < LISTED {
                self.first.push(record);
            }
        }
        *self.reasons.entry(reason).or_default() += 1;
    }
}

/// What a check found.
#[derive(Debug, Default)]
struct Report {
    read: u64,
    invalid: u64,
    /// Keyed by the field's place in the schema (record-level problems last), then its name.
    fields: BTreeMap<(usize, String), Tally>,
    /// Where reading stopped and why, if an error ended the input: `input not read from
    /// line L (byte B) on: …`, as render says it. What was not read is not a record.
    unread: Option<String>,
}

impl Report {
    fn fail(&mut self, record: u64, field: Option<&str>, reason: String) {
        let name = field.unwrap_or("(record)");
        let order = field
            .and_then(Field::from_name)
            .map_or(Field::ALL.len() + usize::from(field.is_none()), |f| {
                f as usize
            });
        self.fields
            .entry((order, name.to_owned()))
            .or_default()
            .add(record, reason);
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        for ((_, field), tally) in &self.fields {
            let listed: Vec<String> = tally.first.iter().map(u64::to_string).collect();
            let more = tally.records - tally.first.len() as u64;
            let more = if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            };
            let noun = if tally.records == 1 {
                "record"
            } else {
                "records"
            };
            writeln!(
                out,
                "{field}: {} {noun} ({}{more})",
                tally.records,
                listed.join(", ")
            )?;
            let mut reasons: Vec<(&String, &u64)> = tally.reasons.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (reason, count) in reasons.iter().take(REASONS) {
                writeln!(out, "  {count} × {reason}")?;
            }
            if reasons.len() > REASONS {
                writeln!(out, "  … {} other reasons", reasons.len() - REASONS)?;
            }
        }
        let unread = if self.unread.is_some() {
            " (the rest of the input not read, see below)"
        } else {
            ""
        };
        writeln!(
            out,
            "{} read = {} valid + {} invalid{unread}",
            self.read,
            self.read - self.invalid,
            self.invalid
        )
    }
}

/// Runs the check; the report goes to standard output.
pub fn run(args: CheckArgs) -> Result<ExitCode, String> {
    let issuers = if args.issuer.is_empty() {
        Vec::new()
    } else {
        super::render::load_issuers(&args.issuer)?
    };
    let options = args.rules.options();
    let mut records =
        record::read(&args.input.input, &args.input.read_options()?).map_err(|e| e.to_string())?;
    let mut report = Report::default();
    while let Some(item) = records.next() {
        let (index, record) = match item {
            Err(e) if e.ends_input() => {
                let at = records.stopped().map(|at| at.to_string());
                report.unread = Some(format!("{}: {e}", at.unwrap_or_default()));
                break;
            }
            Ok((origin, record)) => (origin.index, record),
            Err(e) => {
                report.read += 1;
                report.invalid += 1;
                let reason = e.kind().to_string();
                report.fail(e.origin().index, e.field().map(Field::name), reason);
                continue;
            }
        };
        report.read += 1;
        let issuer = issuers
            .iter()
            .find(|i| i.insurer_number == record.insurer_number);
        if !issuers.is_empty() && issuer.is_none() {
            report.invalid += 1;
            let reason = "no issuer profile has this insurer number".to_owned();
            report.fail(index, Some("insurer_number"), reason);
            continue;
        }
        // A private-use 外字 prints only through the issuer's 外字 map, as render converts it.
        if let Some(Err(e)) = issuer.map(|i| shikaku::gaiji::convert(&record, &i.gaiji_map)) {
            report.invalid += 1;
            report.fail(index, Some(e.field), e.reason());
            continue;
        }
        let rules = issuer.map_or_else(Rules::default, |i| i.rules.clone());
        if let Err(contradictions) = eligibility::evaluate(&record, &rules, &options) {
            report.invalid += 1;
            for c in contradictions {
                report.fail(
                    index,
                    Some(c.field),
                    format!("contradicts rule `{}`", c.rule),
                );
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report
        .write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("failed to write output ({e})"))?;
    if let Some(unread) = &report.unread {
        eprintln!("error: {unread}\n  hint: the records before it were checked; correct the input and run again");
        return Ok(ExitCode::from(2));
    }
    Ok(if report.invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(report: &Report) -> String {
        let mut out = Vec::new();
        report.write(&mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn counts_per_field_in_schema_order_with_the_first_records() {
        let mut report = Report {
            read: 20,
            invalid: 8,
            ..Report::default()
        };
        for record in [3, 5, 8, 9, 11, 14] {
            report.fail(
                record,
                Some("birth_date"),
                "invalid date (day is past the end of the month)".into(),
            );
        }
        report.fail(2, Some("name"), "missing required value".into());
        report.fail(
            17,
            None,
            "failed to parse CSV (found 24 instead of 25 fields)".into(),
        );
        assert_eq!(
            written(&report),
            "name: 1 record (2)\n  1 × missing required value\n\
             birth_date: 6 records (3, 5, 8, 9, 11, … 1 more)\n  6 × invalid date (day is past the end of the month)\n\
             (record): 1 record (17)\n  1 × failed to parse CSV (found 24 instead of 25 fields)\n\
             20 read = 12 valid + 8 invalid\n"
        );
    }

    #[test]
    fn a_record_with_two_contradictions_in_one_field_counts_once() {
        let mut report = Report::default();
        report.fail(4, Some("expiry_date"), "contradicts rule `a`".into());
        report.fail(4, Some("expiry_date"), "contradicts rule `b`".into());
        let tally = report.fields.values().next().expect("one field");
        assert_eq!((tally.records, tally.first.as_slice()), (1, &[4][..]));
    }
}
