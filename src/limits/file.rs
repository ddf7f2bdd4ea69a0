//! Reading a configuration or image file: regular files only, never more than a cap.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The most bytes a layout, sheet or issuer profile may have: 1 MiB. The largest bundled
/// layout is about 30 KB; a file beyond the cap is not a layout someone wrote.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Occurs when a file cannot be read within the limits.
#[derive(Debug)]
pub enum ReadError {
    /// Occurs when opening or reading fails.
    Io(std::io::Error),
    /// Occurs when the path names a directory, FIFO, device or socket, which could block
    /// a read forever (`/dev/zero`, a named pipe) or never end.
    NotRegular(&'static str),
    /// Occurs when the file is longer than the limit for its kind.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Occurs when a text file is not UTF-8.
    NotUtf8,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::NotRegular(kind) => write!(f, "not a regular file but {kind}"),
            ReadError::TooLarge { limit } => {
                write!(f, "larger than the limit of {}", human_bytes(*limit))
            }
            ReadError::NotUtf8 => f.write_str("not UTF-8 text"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `2 MiB`, `1 MiB`, `512 KiB`: limits are powers of two, so they read best in binary units.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Reads a whole regular file of at most `limit` bytes.
///
/// The file is opened without blocking (a FIFO swapped in after a check would otherwise
/// wait for a writer forever), its type is checked on the open handle, and at most
/// `limit + 1` bytes are read, whatever the file claims its length is.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(file_kind(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`read_capped`] for UTF-8 text.
pub fn read_capped_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_capped(path, limit)?).map_err(|_| ReadError::NotUtf8)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is not a regular file is, for the message.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("shikaku-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join(name)
    }

    #[test]
    fn reads_a_small_regular_file() {
        let path = temp("small.toml");
        std::fs::write(&path, "a = 1\n").expect("write");
        assert_eq!(read_capped_text(&path, 100).expect("read"), "a = 1\n");
    }

    #[test]
    fn refuses_a_file_over_the_cap() {
        let path = temp("big.toml");
        std::fs::write(&path, vec![b'#'; 101]).expect("write");
        let err = read_capped(&path, 100).expect_err("too large");
        assert_eq!(err.to_string(), "larger than the limit of 100 bytes");
        assert!(read_capped(&path, 101).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_directories_and_fifos_without_blocking() {
        let err = read_capped(Path::new("/dev/zero"), 1 << 20).expect_err("device");
        assert_eq!(err.to_string(), "not a regular file but a device");
        let err = read_capped(&std::env::temp_dir(), 1 << 20).expect_err("directory");
        assert_eq!(err.to_string(), "not a regular file but a directory");
        let fifo = temp("pipe");
        let _ = std::fs::remove_file(&fifo);
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        let err = read_capped(&fifo, 1 << 20).expect_err("fifo");
        assert_eq!(
            err.to_string(),
            "not a regular file but a named pipe (FIFO)"
        );
    }

    #[test]
    fn limits_print_in_binary_units() {
        assert_eq!(human_bytes(2 << 20), "2 MiB");
        assert_eq!(human_bytes(512 << 10), "512 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
