//! `ledger import`: a batch run's manifest, as one run and one issued document per rendered
//! record, in one transaction.

use std::path::Path;
use std::time::SystemTime;

use rusqlite::{params, OptionalExtension};

use super::{sha256_hex, timestamp, Ledger, LedgerError, Reason};
use crate::batch::manifest::Row;

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// The run's number in the ledger.
    pub run: i64,
    /// Documents added (the manifest's `rendered` rows).
    pub documents: u64,
    /// Rows of records the run rejected, which issued nothing.
    pub rejected: u64,
    /// Cards (資格確認書) added without a 有効期限: the manifest was written before it had the
    /// `expiry_date` column.
    pub cards_without_expiry: u64,
}

/// A batch run's manifest, read and checked, with the hashes of its print files: everything
/// an import needs before it touches the ledger, so that a wrong path creates no ledger file.
#[derive(Debug)]
pub struct Manifest {
    path: std::path::PathBuf,
    rows: Vec<Row>,
    sha256: String,
    file_hashes: std::collections::BTreeMap<String, String>,
}

impl Manifest {
    /// Reads `manifest` (a batch run's `manifest.csv`) and hashes the print files beside it.
    pub fn read(manifest: &Path) -> Result<Manifest, LedgerError> {
        let plain = |message: String, hint| LedgerError { message, hint };
        let bytes = std::fs::read(manifest).map_err(|e| {
            plain(
                format!("failed to read the manifest {} ({e})", manifest.display()),
                None,
            )
        })?;
        let rows = read_rows(manifest, &bytes)?;
        let manifest_sha = sha256_hex(&bytes);
        let folder = manifest.parent().unwrap_or(Path::new("."));
        let mut file_hashes = std::collections::BTreeMap::new();
        for row in rows.iter().filter(|r| r.status == "rendered") {
            if !file_hashes.contains_key(&row.file) {
                let hash = std::fs::read(folder.join(&row.file))
                .map(|b| sha256_hex(&b))
                .map_err(|e| {
                    plain(
                        format!(
                            "{}: failed to read the print file {} of record {} ({e})",
                            manifest.display(),
                            row.file,
                            row.input_record
                        ),
                        Some("import the manifest from the run's output folder, with its PDFs beside it"),
                    )
                })?;
                file_hashes.insert(row.file.clone(), hash);
            }
        }
        Ok(Manifest {
            path: manifest.to_owned(),
            rows,
            sha256: manifest_sha,
            file_hashes,
        })
    }
}

/// Adds the run of `manifest` with `reason` for its documents. Each document gets the SHA-256
/// of its print file, as the run printed many members into one file. A manifest already
/// imported is refused.
pub fn import(
    ledger: &mut Ledger,
    manifest: &Manifest,
    reason: Reason,
) -> Result<ImportSummary, LedgerError> {
    let plain = |message: String, hint| LedgerError { message, hint };
    let Manifest {
        path: manifest,
        rows,
        sha256: manifest_sha,
        file_hashes,
    } = manifest;
    let path = ledger.path.clone();
    let fail = |doing: &str, e| LedgerError::sqlite(&path, doing, e);
    ledger
        .conn
        .execute_batch("PRAGMA synchronous = FULL")
        .map_err(|e| fail("set synchronous", e))?;
    // IMMEDIATE takes the write lock before the look-up below, so that two imports of one
    // manifest at once wait for each other (busy timeout) and the second finds the first's
    // run, where a deferred transaction would fail to upgrade its read with SQLITE_BUSY.
    let tx = ledger
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| fail("begin a transaction", e))?;
    let earlier: Option<i64> = tx
        .query_row(
            "SELECT id FROM runs WHERE manifest_sha256 = ?1",
            [&manifest_sha],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| fail("look for the run", e))?;
    if let Some(run) = earlier {
        return Err(plain(
            format!(
                "{}: this manifest is already in the ledger as batch run {run}",
                manifest.display()
            ),
            Some("each run is imported once; a resumed or merged run has a new manifest"),
        ));
    }
    let at = timestamp(SystemTime::now());
    let documents = rows.iter().filter(|r| r.status == "rendered").count() as u64;
    let rejected = rows.len() as u64 - documents;
    tx.execute(
        "INSERT INTO runs (imported_at, manifest, manifest_sha256, reason, documents, rejected) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, manifest.display().to_string(), manifest_sha, reason.as_str(), documents as i64, rejected as i64],
    )
    .map_err(|e| fail("record the run", e))?;
    let run = tx.last_insert_rowid();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO documents (record_id, issued_at, document, layout, reason, expiry_date, sha256, run_id, file, first_page, page_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(|e| fail("prepare the documents", e))?;
        for row in rows.iter().filter(|r| r.status == "rendered") {
            insert
                .execute(params![
                    row.record_id,
                    at,
                    row.document,
                    row.layout,
                    reason.as_str(),
                    Some(row.expiry_date.as_str()).filter(|d| !d.is_empty()),
                    file_hashes[&row.file],
                    run,
                    row.file,
                    row.first_page as i64,
                    row.page_count as i64
                ])
                .map_err(|e| fail("record a document", e))?;
        }
    }
    tx.commit().map_err(|e| fail("commit the run", e))?;
    ledger
        .conn
        .execute_batch("PRAGMA synchronous = NORMAL")
        .map_err(|e| fail("set synchronous", e))?;
    let cards_without_expiry = rows
        .iter()
        .filter(|r| {
            r.status == "rendered" && r.document == "kakuninsho" && r.expiry_date.is_empty()
        })
        .count() as u64;
    Ok(ImportSummary {
        run,
        documents,
        rejected,
        cards_without_expiry,
    })
}

/// The manifest's rows; a row that does not read names its line.
fn read_rows(manifest: &Path, bytes: &[u8]) -> Result<Vec<Row>, LedgerError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row: Row = row.map_err(|e| LedgerError {
            message: format!(
                "{}:{}: failed to read a manifest row ({e})",
                manifest.display(),
                i + 2
            ),
            hint: Some("give the manifest.csv a batch run wrote"),
        })?;
        if row.status == "rendered" && row.record_id.is_empty() {
            return Err(LedgerError {
                message: format!(
                    "{}:{}: a rendered row has no record_id",
                    manifest.display(),
                    i + 2
                ),
                hint: None,
            });
        }
        if !row.expiry_date.is_empty()
            && chrono::NaiveDate::parse_from_str(&row.expiry_date, "%Y-%m-%d").is_err()
        {
            return Err(LedgerError {
                message: format!(
                    "{}:{}: field `expiry_date` of record {}: failed to read the date (expected YYYY-MM-DD)",
                    manifest.display(),
                    i + 2,
                    row.input_record
                ),
                hint: Some("give the manifest.csv a batch run wrote, unedited"),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}
