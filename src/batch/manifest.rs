//! The manifest: one CSV row per input record of the run (or shard) — where each
//! rendered document is, which envelope it goes in — and the check that a set of
//! shard manifests accounts for every input record exactly once.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One row of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The record's `record_id` (empty when it could not be read).
    pub record_id: String,
    /// The record's position in the input (1-based).
    pub input_record: u64,
    /// `rendered` or `rejected`; or `unread` on a last row whose `input_record` is the
    /// first record not read, when the input could not be read to its end.
    pub status: String,
    /// `kakuninsho` or `oshirase` (empty when rejected).
    pub document: String,
    /// The layout used.
    pub layout: String,
    /// The print file, relative to the output folder.
    pub file: String,
    /// The document's first page in that file (1-based).
    pub first_page: u64,
    /// How many pages the document has.
    pub page_count: u64,
    /// The household (envelope) key.
    pub household: String,
    /// `registered` or `ordinary`.
    pub mail_class: String,
    /// The envelope's number in mailing order.
    pub mailing_sequence: u64,
    /// The input's total number of records, so merged shards can prove completeness.
    pub input_records: u64,
    /// Characters no font has that the issuer's substitution table replaced, so that staff
    /// know the printed name differs from the registry: `field:U+XXXX>U+YYYY`, `; ` between
    /// them; empty for almost every record.
    #[serde(default)]
    pub substitutions: String,
    /// 有効期限 of the document as `YYYY-MM-DD`, for the issuance ledger; empty when the
    /// document has none (an お知らせ) or the record was not rendered. The last column, and
    /// empty when reading a manifest written before it existed.
    #[serde(default)]
    pub expiry_date: String,
}

/// A cell that a spreadsheet will show as text, never run as a formula: one starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, as the OWASP
/// guidance on CSV injection says. Record ids come from upstream systems, and the
/// manifest is what an operator opens in Excel.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Writes rows as CSV with a header.
pub fn to_csv(rows: &[Row]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).expect("rows serialize to memory");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

/// Occurs when manifests cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(pub String);

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads shard manifests and joins them, failing unless every input record
/// appears exactly once across them.
pub fn merge(paths: &[&Path]) -> Result<Vec<Row>, MergeError> {
    let mut rows: BTreeMap<u64, (Row, String)> = BTreeMap::new();
    let mut total = None;
    for path in paths {
        let name = path.display().to_string();
        let mut reader = csv::Reader::from_path(path)
            .map_err(|e| MergeError(format!("failed to read {name} ({e})")))?;
        for (i, row) in reader.deserialize::<Row>().enumerate() {
            let row = row.map_err(|e| {
                MergeError(format!(
                    "{name}:{}: failed to read a manifest row ({e})",
                    i + 2
                ))
            })?;
            if row.status == "unread" {
                return Err(MergeError(format!(
                    "{name}: the run did not read its input to the end (input records from {} on were not read)\n  hint: see its summary.json for where and why; fix the input and run the shards again",
                    row.input_record
                )));
            }
            match total {
                None => total = Some(row.input_records),
                Some(t) if t != row.input_records => {
                    return Err(MergeError(format!(
                        "{name}: made from an input of {} records, others from {t}\n  hint: merge manifests of one run only",
                        row.input_records
                    )))
                }
                Some(_) => {}
            }
            if let Some((_, first)) = rows.get(&row.input_record) {
                return Err(MergeError(format!(
                    "input record {} appears in {first} and again in {name}",
                    row.input_record
                )));
            }
            rows.insert(row.input_record, (row, name.clone()));
        }
    }
    let total = total.unwrap_or(0);
    let missing: Vec<u64> = (1..=total)
        .filter(|i| !rows.contains_key(i))
        .take(10)
        .collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "input records missing from every manifest: {}{}\n  hint: a shard did not finish; run it again (with --resume)",
            missing.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            if missing.len() == 10 { ", …" } else { "" }
        )));
    }
    let mut merged: Vec<Row> = rows.into_values().map(|(row, _)| row).collect();
    merged.sort_by(|a, b| {
        (a.mail_class.as_str(), a.mailing_sequence, a.input_record).cmp(&(
            b.mail_class.as_str(),
            b.mailing_sequence,
            b.input_record,
        ))
    });
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(input_record: u64, total: u64) -> Row {
        Row {
            record_id: format!("R{input_record}"),
            input_record,
            status: "rendered".into(),
            document: "kakuninsho".into(),
            layout: "kokuho-kakuninsho".into(),
            file: "f.pdf".into(),
            first_page: 1,
            page_count: 2,
            household: "id:1".into(),
            mail_class: "registered".into(),
            mailing_sequence: input_record,
            input_records: total,
            substitutions: String::new(),
            expiry_date: "2026-07-31".into(),
        }
    }

    fn write(dir: &Path, name: &str, rows: &[Row]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, to_csv(rows)).unwrap();
        path
    }

    #[test]
    fn the_expiry_is_the_last_column_and_a_manifest_without_it_still_reads() {
        let csv = String::from_utf8(to_csv(&[row(1, 1)])).unwrap();
        let header = csv.lines().next().unwrap();
        assert!(
            header.ends_with(",input_records,substitutions,expiry_date"),
            "{header}"
        );
        // A manifest written before the column existed: the same rows, one column fewer.
        let old = "record_id,input_record,status,document,layout,file,first_page,page_count,household,mail_class,mailing_sequence,input_records\n\
                   R1,1,rendered,kakuninsho,kokuho-kakuninsho,f.pdf,1,2,id:1,registered,1,1\n";
        let rows: Vec<Row> = csv::Reader::from_reader(old.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [Row {
                expiry_date: String::new(),
                ..row(1, 1)
            }]
        );
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_get_a_quote() {
        for id in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tX",
            "\rX",
        ] {
            assert_eq!(spreadsheet_safe(id), format!("'{id}"));
        }
        for id in ["K0001", "", "a=b", "'quoted"] {
            assert_eq!(spreadsheet_safe(id), id);
        }
    }

    #[test]
    fn a_manifest_of_a_run_that_stopped_reading_is_not_merged() {
        let dir = std::env::temp_dir().join(format!("shikaku-merge-unread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let unread = Row {
            status: "unread".into(),
            ..row(2, 1)
        };
        let a = write(&dir, "a.csv", &[row(1, 1), unread]);
        let err = merge(&[&a]).unwrap_err();
        assert!(
            err.0.contains("input records from 2 on were not read"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn merges_complete_shards_and_refuses_gaps_and_duplicates() {
        let dir = std::env::temp_dir().join(format!("shikaku-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = write(&dir, "a.csv", &[row(1, 3), row(3, 3)]);
        let b = write(&dir, "b.csv", &[row(2, 3)]);
        assert_eq!(merge(&[&a, &b]).unwrap().len(), 3);
        let err = merge(&[&a]).unwrap_err();
        assert!(err.0.contains("missing from every manifest: 2"), "{err}");
        let c = write(&dir, "c.csv", &[row(2, 3), row(3, 3)]);
        let err = merge(&[&a, &c]).unwrap_err();
        assert!(err.0.contains("input record 3 appears in"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
