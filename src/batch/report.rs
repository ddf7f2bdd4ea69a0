//! The error report, written as rejections come: `errors.jsonl` in input order, and the
//! manifest's rejected rows, without holding either in memory.
//!
//! A run over a file of a million bad records used to hold every rejection (its value
//! included) until the end. Now each is written as soon as every record before it is
//! settled: workers finish records out of order, so an outcome waits in a reorder buffer
//! only while a record ahead of it is still in flight (a few per worker). Rejections go
//! to `.errors.jsonl.tmp` (0600), synced and renamed to `errors.jsonl` when the run
//! finishes, like every other output; their input position and `record_id` go to an
//! unlinked file that the manifest reads back. Every run writes the whole report in input
//! order, so a resumed run's is the uninterrupted run's, byte for byte.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;

use super::{create_private, temporary, BatchError, BatchOptions, Budgeted, WriteFault};
use crate::record::ErrorReportEntry;

/// The run's error report while it is being written.
pub(super) struct Report {
    /// Records settled ahead of one still in flight: input position → its rejection, if any.
    waiting: BTreeMap<u64, Option<Box<ErrorReportEntry>>>,
    /// The input position (1-based) of the next record to settle.
    next: u64,
    rejected: u64,
    errors: BufWriter<Budgeted<File>>,
    /// `errors.jsonl`, and the temporary name it is written under.
    path: PathBuf,
    tmp: PathBuf,
    /// Each rejected record's input position and `record_id`, for the manifest.
    rows: BufWriter<File>,
    rows_path: PathBuf,
    committed: bool,
}

impl Report {
    /// Starts the report in the output folder.
    pub(super) fn create(options: &BatchOptions) -> Result<Report, BatchError> {
        let path = options.out.join("errors.jsonl");
        let tmp = temporary(&path);
        let file = create_private(&tmp).map_err(|e| BatchError::Output(path.clone(), e))?;
        let budget = WriteFault::budget(options.fault.as_ref(), &path);
        // Named like the spill so that a kill between creating and unlinking it leaves a
        // file the next run clears.
        let rows_path = options
            .out
            .join(format!(".shikaku-spill-{}-rejected", std::process::id()));
        Ok(Report {
            waiting: BTreeMap::new(),
            next: 1,
            rejected: 0,
            errors: BufWriter::with_capacity(1 << 16, Budgeted::new(file, budget)),
            path,
            tmp,
            rows: BufWriter::new(unlinked(&rows_path)?),
            rows_path,
            committed: false,
        })
    }

    /// Settles the record at input position `index`: `Some` with its rejection.
    pub(super) fn settle(
        &mut self,
        index: u64,
        rejection: Option<Box<ErrorReportEntry>>,
    ) -> Result<(), BatchError> {
        if index != self.next {
            self.waiting.insert(index, rejection);
            return Ok(());
        }
        self.write(index, rejection)?;
        while let Some(rejection) = self.waiting.remove(&self.next) {
            self.write(self.next, rejection)?;
        }
        Ok(())
    }

    fn write(
        &mut self,
        index: u64,
        rejection: Option<Box<ErrorReportEntry>>,
    ) -> Result<(), BatchError> {
        self.next = index + 1;
        let Some(entry) = rejection else {
            return Ok(());
        };
        self.rejected += 1;
        serde_json::to_writer(&mut self.errors, &entry)
            .map_err(std::io::Error::from)
            .and_then(|()| self.errors.write_all(b"\n"))
            .map_err(|e| BatchError::Output(self.path.clone(), e))?;
        let id = entry.record_id.as_deref().unwrap_or("");
        let mut row = Vec::with_capacity(12 + id.len());
        row.extend_from_slice(&index.to_le_bytes());
        row.extend_from_slice(&(id.len() as u32).to_le_bytes());
        row.extend_from_slice(id.as_bytes());
        self.rows.write_all(&row).map_err(|e| self.rows_error(e))
    }

    /// Records rejected so far.
    pub(super) fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Writes out what is buffered, so that a full disk stops the render phase, not a
    /// later one.
    pub(super) fn flush(&mut self) -> Result<(), BatchError> {
        debug_assert!(self.waiting.is_empty(), "every record settled");
        self.errors
            .flush()
            .map_err(|e| BatchError::Output(self.path.clone(), e))?;
        self.rows.flush().map_err(|e| self.rows_error(e))
    }

    /// Each rejected record's input position and `record_id`, in input order.
    pub(super) fn rows(&self) -> impl Iterator<Item = Result<(u64, String), BatchError>> + '_ {
        let mut reader = BufReader::new(At {
            file: self.rows.get_ref(),
            at: 0,
        });
        std::iter::from_fn(move || {
            let mut head = [0; 12];
            match reader.read_exact(&mut head) {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(self.rows_error(e))),
                Ok(()) => {}
            }
            let index = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
            let len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes"));
            let mut id = vec![0; len as usize];
            let read = reader.read_exact(&mut id).map_err(|e| self.rows_error(e));
            Some(read.map(|()| (index, String::from_utf8_lossy(&id).into_owned())))
        })
    }

    /// Syncs the report and gives it its name.
    pub(super) fn commit(&mut self) -> Result<(), BatchError> {
        let error = |e| BatchError::Output(self.path.clone(), e);
        self.errors.flush().map_err(error)?;
        self.errors.get_ref().inner.sync_all().map_err(error)?;
        std::fs::rename(&self.tmp, &self.path).map_err(error)?;
        self.committed = true;
        Ok(())
    }

    fn rows_error(&self, e: std::io::Error) -> BatchError {
        BatchError::Output(self.rows_path.clone(), e)
    }
}

/// A report that was not committed (a failure, a cancel) takes its values with it.
impl Drop for Report {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A new file for this process only, unlinked at once: no kill can leave it behind.
pub(super) fn unlinked(path: &std::path::Path) -> Result<File, BatchError> {
    let error = |e| BatchError::Output(path.to_path_buf(), e);
    let file = File::options()
        .create_new(true)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(error)?;
    std::fs::remove_file(path).map_err(error)?;
    Ok(file)
}

/// Reads a file from an offset of its own, leaving the handle's position to its writer.
struct At<'a> {
    file: &'a File,
    at: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(record: u64) -> Option<Box<ErrorReportEntry>> {
        Some(Box::new(ErrorReportEntry {
            file: "members.csv".into(),
            line: record + 1,
            column: None,
            record,
            record_id: Some(format!("R{record}")),
            field: Some("birth_date".into()),
            reason: "invalid date".into(),
            value: Some("1960-02-30".into()),
            hint: None,
        }))
    }

    fn options(name: &str) -> BatchOptions {
        let out =
            std::env::temp_dir().join(format!("shikaku-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        BatchOptions::new("members.csv".into(), out, Vec::new())
    }

    #[test]
    fn outcomes_in_any_order_are_written_in_input_order_holding_only_those_ahead() {
        let options = options("order");
        let mut report = Report::create(&options).unwrap();
        // 3 and 5 wait for 1 and 2; 4 is not rejected.
        report.settle(3, rejection(3)).unwrap();
        report.settle(5, rejection(5)).unwrap();
        report.settle(4, None).unwrap();
        assert_eq!(report.waiting.len(), 3);
        report.settle(2, None).unwrap();
        report.settle(1, rejection(1)).unwrap();
        assert!(report.waiting.is_empty());
        report.flush().unwrap();
        let rows: Vec<_> = report.rows().map(Result::unwrap).collect();
        assert_eq!(rows, [(1, "R1".into()), (3, "R3".into()), (5, "R5".into())]);
        assert_eq!(report.rejected(), 3);
        report.commit().unwrap();
        let text = std::fs::read_to_string(options.out.join("errors.jsonl")).unwrap();
        let records: Vec<&str> = text
            .lines()
            .map(|l| &l[l.find("\"record\":").unwrap()..][..10])
            .collect();
        assert_eq!(records, ["\"record\":1", "\"record\":3", "\"record\":5"]);
        let mode = std::fs::metadata(options.out.join("errors.jsonl")).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
            0o600
        );
    }

    #[test]
    fn a_report_not_committed_leaves_nothing_behind() {
        let options = options("dropped");
        let mut report = Report::create(&options).unwrap();
        report.settle(1, rejection(1)).unwrap();
        report.flush().unwrap();
        assert!(options.out.join(".errors.jsonl.tmp").exists());
        drop(report);
        assert_eq!(std::fs::read_dir(&options.out).unwrap().count(), 0);
    }
}
