//! The output folder's lock: one run at a time, for the whole run, `--resume` included.
//!
//! An advisory `flock(2)` on `.shikaku-lock` in the folder. The kernel drops it when the
//! process ends however it ends (kill -9 included), so a crashed run never leaves the
//! folder locked. While held, the file names its holder (process id, host, start time)
//! so a refused run can say who has the folder; it is removed, still locked, when the
//! run ends. Output files never hold these details.
//!
//! flock is advisory and, on NFS, only as good as the server's lock support; runs on
//! different hosts sharing a folder over NFS should each use their own `--out` (or
//! `--shard`).

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::BatchError;

/// The lock file's name in the output folder.
pub(crate) const LOCK: &str = ".shikaku-lock";

/// A held lock on an output folder; released when dropped.
#[derive(Debug)]
pub(crate) struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    /// Takes the folder's lock, or says who holds it.
    pub(crate) fn acquire(out: &Path) -> Result<Lock, BatchError> {
        let path = out.join(LOCK);
        let error = |e| BatchError::Output(path.clone(), e);
        // A run that ends removes the file while holding the lock; one that opened the
        // old file just before then holds a lock on a file no longer in the folder, so
        // it checks that it locked the file the path names, and tries again if not.
        loop {
            let mut file = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&path)
                .map_err(error)?;
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if locked != 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
                    return Err(error(e));
                }
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(BatchError::Locked(
                    out.to_path_buf(),
                    holder.trim().to_owned(),
                ));
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(held), Ok(named)) => held.ino() == named.ino() && held.dev() == named.dev(),
                _ => false,
            };
            if !same {
                continue;
            }
            file.set_len(0).map_err(error)?;
            file.rewind().map_err(error)?;
            file.write_all(holder().as_bytes()).map_err(error)?;
            return Ok(Lock { file, path });
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed before the descriptor closes, so no other run can lock this file and
        // then see it vanish; see `acquire`.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.flush();
    }
}

/// Who holds the lock: for the operator who is refused, never for output files. The
/// clock read here reaches no output.
fn holder() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "an unknown host".into());
    format!(
        "process {} on {host}, started {} UTC",
        std::process::id(),
        utc(started)
    )
}

/// Seconds since 1970 as `YYYY-MM-DD hh:mm:ss`.
fn utc(seconds: u64) -> String {
    let time = chrono::DateTime::from_timestamp(seconds as i64, 0).unwrap_or_default();
    time.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_folder_is_refused_naming_the_holder_and_freed_on_drop() {
        let dir = std::env::temp_dir().join(format!("shikaku-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = Lock::acquire(&dir).expect("free folder");
        match Lock::acquire(&dir) {
            Err(BatchError::Locked(_, holder)) => {
                assert!(
                    holder.starts_with(&format!("process {} on ", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("second lock should be refused: {other:?}"),
        }
        drop(first);
        assert!(!dir.join(LOCK).exists());
        drop(Lock::acquire(&dir).expect("free again"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
