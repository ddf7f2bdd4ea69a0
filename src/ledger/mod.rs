//! The audit and issuance ledger: every look-up, preview, download and print at the counter,
//! and every document issued, at the counter or by a batch run, in one SQLite file.
//!
//! Why this way:
//! - **What is stored:** time, staff user, action, `record_id`, layout and the SHA-256 of the
//!   document sent; for an issued document also its 有効期限 and the reason (新規, 更新,
//!   再交付 with 紛失, 破損 or 記載事項変更). Never a name, number or address: the record id
//!   leads to the member in the office's own system.
//! - **One transaction per event, answered after it commits.** A document leaves the server
//!   only once its row is written, so the ledger never misses an issued document.
//! - **WAL with `synchronous=NORMAL` for look-ups and previews, `FULL` for issued documents.**
//!   In WAL mode a committed transaction is in the log file before the commit returns, so a
//!   killed server (kill -9, a crash, the OOM killer) loses nothing under either setting;
//!   `NORMAL` skips the fsync, so a power cut or kernel crash may lose the last look-ups,
//!   which costs a few milliseconds less per event on this kind of disk. An issued document's
//!   commit fsyncs the log (`FULL`), which makes it, and every event before it, survive a power
//!   cut too (SQLite, "Write-Ahead Logging" and "PRAGMA synchronous").
//! - **The clock is read here**, unlike everywhere else in the library: the ledger records when
//!   things happened; the documents themselves stay deterministic.

mod import;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use import::{import, ImportSummary, Manifest};

/// The schema, created when the file is new; `user_version` says which one a file has.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('lookup', 'preview', 'download', 'print')),
    record_id TEXT,
    layout TEXT,
    sha256 TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    imported_at TEXT NOT NULL,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    documents INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    document TEXT NOT NULL,
    layout TEXT NOT NULL,
    reason TEXT NOT NULL,
    expiry_date TEXT,
    sha256 TEXT,
    user TEXT,
    event_id INTEGER REFERENCES events (id),
    run_id INTEGER REFERENCES runs (id),
    file TEXT,
    first_page INTEGER,
    page_count INTEGER
);
CREATE INDEX IF NOT EXISTS documents_by_record ON documents (record_id, issued_at);
CREATE INDEX IF NOT EXISTS events_by_record ON events (record_id, at);
";

/// The schema version this build writes.
const VERSION: i64 = 1;

/// What staff did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Looked a member up in the records file.
    Lookup,
    /// Saw a page of a document as PNG.
    Preview,
    /// Downloaded the PDF.
    Download,
    /// Sent the PDF to the printer from the page.
    Print,
}

impl Action {
    /// `lookup`, `preview`, `download` or `print`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Lookup => "lookup",
            Action::Preview => "preview",
            Action::Download => "download",
            Action::Print => "print",
        }
    }
}

/// Why a document is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// 新規: the member's first (a new member, a new scheme).
    New,
    /// 更新: the yearly renewal.
    Renewal,
    /// 再交付（紛失）: the last one was lost.
    ReissueLost,
    /// 再交付（破損）: the last one was damaged.
    ReissueDamaged,
    /// 再交付（記載事項変更）: something printed on it changed (name, address, ratio…).
    ReissueChanged,
}

impl Reason {
    /// Every reason, in the order the page offers them.
    pub const ALL: [Reason; 5] = [
        Reason::New,
        Reason::Renewal,
        Reason::ReissueLost,
        Reason::ReissueDamaged,
        Reason::ReissueChanged,
    ];

    /// The code in the API and the ledger: `new`, `renewal`, `reissue-lost`, `reissue-damaged`,
    /// `reissue-changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::New => "new",
            Reason::Renewal => "renewal",
            Reason::ReissueLost => "reissue-lost",
            Reason::ReissueDamaged => "reissue-damaged",
            Reason::ReissueChanged => "reissue-changed",
        }
    }

    /// The Japanese label: 新規, 更新, 再交付（紛失）…
    pub fn label(self) -> &'static str {
        match self {
            Reason::New => "新規",
            Reason::Renewal => "更新",
            Reason::ReissueLost => "再交付（紛失）",
            Reason::ReissueDamaged => "再交付（破損）",
            Reason::ReissueChanged => "再交付（記載事項変更）",
        }
    }

    /// The reason with this code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

/// One event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// The staff user (`-` without login).
    pub user: &'a str,
    /// What they did.
    pub action: Action,
    /// The member's record id, when the event is about one.
    pub record_id: Option<&'a str>,
    /// The layout, for previews and documents.
    pub layout: Option<&'a str>,
    /// The bytes sent (PNG or PDF), hashed into the row.
    pub bytes: Option<&'a [u8]>,
    /// For a download or print: the document issued.
    pub issued: Option<Issued<'a>>,
}

/// A document issued at the counter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Issued<'a> {
    /// `kakuninsho` or `oshirase`.
    pub document: &'a str,
    /// Why.
    pub reason: Reason,
    /// 有効期限, when the document has one.
    pub expiry_date: Option<NaiveDate>,
}

/// A document of a member, as `ledger show` and the page list them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRow {
    /// When, in Japan time (`2025-08-01 10:15:02 +09:00`).
    pub issued_at: String,
    /// `kakuninsho` or `oshirase`.
    pub document: String,
    /// The layout.
    pub layout: String,
    /// The reason's code.
    pub reason: String,
    /// The reason in Japanese.
    pub reason_label: String,
    /// 有効期限, if any.
    pub expiry_date: Option<String>,
    /// The staff user, or `(batch)` for a batch run.
    pub user: String,
    /// `counter` or `batch run N`.
    pub source: String,
    /// The SHA-256 of the PDF (at the counter) or of the print file (batch).
    pub sha256: Option<String>,
}

/// Occurs when the ledger cannot be opened, read or written.
#[derive(Debug)]
pub struct LedgerError {
    message: String,
    hint: Option<&'static str>,
}

impl LedgerError {
    fn sqlite(path: &Path, doing: &str, e: rusqlite::Error) -> Self {
        let hint = match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    || f.code == rusqlite::ErrorCode::DatabaseLocked =>
            {
                Some("another program holds the ledger locked; try again")
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                Some("free disk space where the ledger is")
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                Some("the file is not a shikaku ledger; give a new file name or the right file")
            }
            _ => None,
        };
        LedgerError {
            message: format!("{}: failed to {doing} ({e})", path.display()),
            hint,
        }
    }
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match self.hint {
            Some(hint) => write!(f, "\n  hint: {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for LedgerError {}

/// How long opening waits for other processes that open the same ledger.
const OPEN_PATIENCE: Duration = Duration::from_secs(10);

/// Runs `step` again while SQLite answers "busy", for [`OPEN_PATIENCE`]. The busy timeout
/// does not cover every case: two processes that create a ledger at once both read it, then
/// both need it alone to switch it to WAL, and SQLite refuses one at once rather than let
/// them wait on each other. Retried, that one finds the ledger already in WAL mode.
fn while_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && start.elapsed() < OPEN_PATIENCE =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl Ledger {
    /// Opens the ledger, creating it (0600) with its tables when it does not exist.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let fail = |doing: &str, e| LedgerError::sqlite(path, doing, e);
        if !path.exists() {
            create_private(path).map_err(|e| LedgerError {
                message: format!("{}: failed to create the ledger ({e})", path.display()),
                hint: None,
            })?;
        }
        let conn = Connection::open(path).map_err(|e| fail("open the ledger", e))?;
        conn.busy_timeout(OPEN_PATIENCE)
            .map_err(|e| fail("set the busy timeout", e))?;
        let mode: String =
            while_busy(|| conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)))
                .map_err(|e| fail("switch to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError {
                message: format!(
                    "{}: failed to switch to WAL mode (SQLite kept {mode})",
                    path.display()
                ),
                hint: Some("put the ledger on a local disk; WAL needs shared memory, which network file systems lack"),
            });
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| fail("set the pragmas", e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| fail("read the schema version", e))?;
        if version > VERSION {
            return Err(LedgerError {
                message: format!(
                    "{}: the ledger has schema version {version}; this shikaku knows up to {VERSION}",
                    path.display()
                ),
                hint: Some("use the shikaku version that wrote the ledger, or a newer one"),
            });
        }
        while_busy(|| conn.execute_batch(&format!("{SCHEMA}\nPRAGMA user_version = {VERSION};")))
            .map_err(|e| fail("create the tables", e))?;
        Ok(Ledger {
            conn,
            path: path.to_owned(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records one event (and the document it issued) in its own transaction; returns once
    /// it is committed.
    pub fn record(&mut self, event: &Event<'_>) -> Result<(), LedgerError> {
        let at = timestamp(SystemTime::now());
        let sha256 = event.bytes.map(sha256_hex);
        let path = self.path.clone();
        let fail = |doing: &str, e| LedgerError::sqlite(&path, doing, e);
        // An issued document's commit is synced to disk: see the module documentation.
        let synchronous = if event.issued.is_some() {
            "FULL"
        } else {
            "NORMAL"
        };
        self.conn
            .execute_batch(&format!("PRAGMA synchronous = {synchronous}"))
            .map_err(|e| fail("set synchronous", e))?;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| fail("begin a transaction", e))?;
        tx.execute(
            "INSERT INTO events (at, user, action, record_id, layout, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![at, event.user, event.action.as_str(), event.record_id, event.layout, sha256],
        )
        .map_err(|e| fail("record the event", e))?;
        if let (Some(issued), Some(record_id), Some(layout)) =
            (event.issued, event.record_id, event.layout)
        {
            let event_id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO documents (record_id, issued_at, document, layout, reason, expiry_date, sha256, user, event_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    record_id,
                    at,
                    issued.document,
                    layout,
                    issued.reason.as_str(),
                    issued.expiry_date.map(|d| d.to_string()),
                    sha256,
                    event.user,
                    event_id
                ],
            )
            .map_err(|e| fail("record the issued document", e))?;
        }
        tx.commit().map_err(|e| fail("commit the event", e))
    }

    /// A member's documents, oldest first.
    pub fn documents(&self, record_id: &str) -> Result<Vec<DocumentRow>, LedgerError> {
        let fail = |e| LedgerError::sqlite(&self.path, "read the documents", e);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT issued_at, document, layout, reason, expiry_date, user, run_id, sha256
                 FROM documents WHERE record_id = ?1 ORDER BY issued_at, id",
            )
            .map_err(fail)?;
        let rows = statement
            .query_map([record_id], |row| {
                let reason: String = row.get(3)?;
                let run: Option<i64> = row.get(6)?;
                Ok(DocumentRow {
                    issued_at: japan_time(&row.get::<_, String>(0)?),
                    document: row.get(1)?,
                    layout: row.get(2)?,
                    reason_label: Reason::from_code(&reason)
                        .map_or_else(|| reason.clone(), |r| r.label().to_owned()),
                    reason,
                    expiry_date: row.get(4)?,
                    user: row
                        .get::<_, Option<String>>(5)?
                        .unwrap_or_else(|| "(batch)".into()),
                    source: run.map_or_else(|| "counter".into(), |n| format!("batch run {n}")),
                    sha256: row.get(7)?,
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }

    /// How many events of an action are recorded (for tests and the CLI's summary).
    pub fn count(&self, action: Action) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM events WHERE action = ?1",
                [action.as_str()],
                |row| row.get::<_, i64>(0),
            )
            .optional()
            .map(|n| n.map_or(0, |n| n.unsigned_abs()))
            .map_err(|e| LedgerError::sqlite(&self.path, "count the events", e))
    }
}

/// Creates an empty file readable by its owner only, for SQLite to fill.
/// Creates the file 0600 before SQLite opens it (SQLite would make it 0644). Another process
/// creating it at the same moment (two imports, or an import and the server) is no error.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        opened => opened.map(drop),
    }
}

/// The SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A time as stored: UTC, RFC 3339 with milliseconds (sorts as text).
fn timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A stored time in Japan time, as staff read it.
fn japan_time(stored: &str) -> String {
    let japan = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    DateTime::parse_from_rfc3339(stored).map_or_else(
        |_| stored.to_owned(),
        |t| {
            t.with_timezone(&japan)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("shikaku-ledger-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("ledger.sqlite")
    }

    #[test]
    fn records_events_and_issued_documents() {
        let path = temp("record");
        let mut ledger = Ledger::open(&path).unwrap();
        ledger
            .record(&Event {
                user: "sato",
                action: Action::Preview,
                record_id: Some("T0001"),
                layout: Some("kokuho-kakuninsho"),
                bytes: Some(b"png"),
                issued: None,
            })
            .unwrap();
        ledger
            .record(&Event {
                user: "tanaka",
                action: Action::Download,
                record_id: Some("T0001"),
                layout: Some("kokuho-kakuninsho"),
                bytes: Some(b"pdf"),
                issued: Some(Issued {
                    document: "kakuninsho",
                    reason: Reason::ReissueLost,
                    expiry_date: NaiveDate::from_ymd_opt(2026, 7, 31),
                }),
            })
            .unwrap();
        assert_eq!(ledger.count(Action::Preview).unwrap(), 1);
        let documents = ledger.documents("T0001").unwrap();
        assert_eq!(documents.len(), 1);
        let doc = &documents[0];
        assert_eq!(doc.reason_label, "再交付（紛失）");
        assert_eq!(doc.expiry_date.as_deref(), Some("2026-07-31"));
        assert_eq!(doc.user, "tanaka");
        assert_eq!(doc.source, "counter");
        assert_eq!(doc.sha256.as_deref(), Some(sha256_hex(b"pdf").as_str()));
        assert!(doc.issued_at.ends_with("+09:00"), "{}", doc.issued_at);
        assert!(ledger.documents("T0002").unwrap().is_empty());
        // Reopening keeps everything, and the file is private.
        drop(ledger);
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(ledger.documents("T0001").unwrap().len(), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }

    #[test]
    fn a_file_that_is_not_a_ledger_is_refused_with_a_hint() {
        let path = temp("garbage");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let error = Ledger::open(&path).err().unwrap().to_string();
        assert!(
            error.contains("hint: the file is not a shikaku ledger"),
            "{error}"
        );
    }

    #[test]
    fn reasons_round_trip_through_their_codes() {
        for reason in Reason::ALL {
            assert_eq!(Reason::from_code(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::from_code("lost"), None);
    }

    #[test]
    fn times_are_stored_in_utc_and_shown_in_japan_time() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_millis(1_754_000_000_123);
        let stored = timestamp(time);
        assert_eq!(stored, "2025-07-31T22:13:20.123Z");
        assert_eq!(japan_time(&stored), "2025-08-01 07:13:20 +09:00");
    }
}
