//! The users file: the staff who may log in to `shikaku serve`, each with a role and an
//! argon2id hash of their password (never the password).
//!
//! ```toml
//! [users.tanaka]
//! role = "issue"
//! hash = "$argon2id$v=19$m=19456,t=2,p=1$…"
//! ```
//!
//! Why argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane): they are
//! OWASP's recommended minimum for argon2id (Password Storage Cheat Sheet), costing some tens
//! of milliseconds a login, which a counter does not notice and a guesser does. The file is
//! rewritten whole, under a lock, to a temporary file made 0600 and renamed over the old one,
//! so a crash or two `shikaku user` runs at once never leave it half written or lose an edit.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted, in bytes (hashing cost does not depend on it, but a
/// request body should stay small).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// What a user may do on the staff page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 閲覧: look members up and preview their documents (PNG).
    View,
    /// 交付: also download and print documents (PDF), which the ledger records as issued.
    Issue,
}

impl Role {
    /// `view` or `issue`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::Issue => "issue",
        }
    }

    /// 閲覧 or 交付.
    pub fn label(self) -> &'static str {
        match self {
            Role::View => "閲覧",
            Role::Issue => "交付",
        }
    }
}

/// One user's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user's role.
    pub role: Role,
    /// The argon2id hash of the password, in the PHC string format.
    pub hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersToml {
    #[serde(default)]
    users: BTreeMap<String, User>,
}

/// Occurs when the users file cannot be read, written or changed as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersError {
    message: String,
    hint: Option<String>,
}

impl UsersError {
    pub(crate) fn new(message: String, hint: Option<&str>) -> Self {
        UsersError {
            message,
            hint: hint.map(str::to_owned),
        }
    }
}

impl std::fmt::Display for UsersError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "\n  hint: {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for UsersError {}

/// The staff who may log in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    users: BTreeMap<String, User>,
}

impl Users {
    /// Reads a users file; every hash must be an argon2id PHC string.
    pub fn load(path: &Path) -> Result<Users, UsersError> {
        let text = fs::read_to_string(path).map_err(|e| {
            UsersError::new(
                format!("failed to read the users file {} ({e})", path.display()),
                Some("create it with `shikaku user add NAME --users FILE`"),
            )
        })?;
        Users::from_toml(&text, path)
    }

    /// Reads a users file, or no users when it does not exist yet.
    pub fn load_or_empty(path: &Path) -> Result<Users, UsersError> {
        if path.exists() {
            Users::load(path)
        } else {
            Ok(Users::default())
        }
    }

    fn from_toml(text: &str, path: &Path) -> Result<Users, UsersError> {
        let parsed: UsersToml = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            UsersError::new(
                format!(
                    "{}{at}: failed to read the users file ({})",
                    path.display(),
                    e.message()
                ),
                None,
            )
        })?;
        for (name, user) in &parsed.users {
            check_name(name)?;
            let hash = PasswordHash::new(&user.hash).map_err(|e| {
                UsersError::new(
                    format!(
                        "{}: user `{name}` has a hash that cannot be read ({e})",
                        path.display()
                    ),
                    Some("set the password again with `shikaku user passwd NAME --users FILE`"),
                )
            })?;
            if hash.algorithm.as_str() != "argon2id" {
                return Err(UsersError::new(
                    format!(
                        "{}: user `{name}` has a {} hash, not argon2id",
                        path.display(),
                        hash.algorithm
                    ),
                    Some("set the password again with `shikaku user passwd NAME --users FILE`"),
                ));
            }
        }
        Ok(Users {
            users: parsed.users,
        })
    }

    /// The user's role, if there is such a user.
    pub fn role(&self, name: &str) -> Option<Role> {
        self.users.get(name).map(|u| u.role)
    }

    /// How many users there are.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The user's role when the password is theirs. An unknown user costs the same time as a
    /// known one, so that timing does not tell which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Option<Role> {
        let Some(user) = self.users.get(name) else {
            let _ = verify_hash(DUMMY_HASH, password);
            return None;
        };
        verify_hash(&user.hash, password).then_some(user.role)
    }

    /// Adds a user; fails when the name is taken.
    pub fn add(&mut self, name: &str, role: Role, password: &str) -> Result<(), UsersError> {
        check_name(name)?;
        if self.users.contains_key(name) {
            return Err(UsersError::new(
                format!("failed to add user `{name}` (the user exists)"),
                Some("change the password with `shikaku user passwd`, or remove the user first"),
            ));
        }
        let hash = hash_password(password)?;
        self.users.insert(name.to_owned(), User { role, hash });
        Ok(())
    }

    /// Sets a user's password, and their role when given.
    pub fn set_password(
        &mut self,
        name: &str,
        password: &str,
        role: Option<Role>,
    ) -> Result<(), UsersError> {
        let hash = hash_password(password)?;
        let user = self.users.get_mut(name).ok_or_else(|| no_such_user(name))?;
        user.hash = hash;
        if let Some(role) = role {
            user.role = role;
        }
        Ok(())
    }

    /// Removes a user.
    pub fn remove(&mut self, name: &str) -> Result<(), UsersError> {
        self.users
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| no_such_user(name))
    }

    /// Writes the file atomically, readable by its owner only (0600).
    pub fn save(&self, path: &Path) -> Result<(), UsersError> {
        let text = String::from(
            "# Staff who may log in to `shikaku serve`. Edit with `shikaku user add|remove|passwd`.\n\n",
        ) + &toml::to_string(&UsersToml {
            users: self.users.clone(),
        })
        .expect("users serialize");
        write_atomically(path, text.as_bytes()).map_err(|e| {
            UsersError::new(
                format!("failed to write the users file {} ({e})", path.display()),
                None,
            )
        })
    }
}

fn no_such_user(name: &str) -> UsersError {
    UsersError::new(
        format!("no user `{name}` in the users file"),
        Some("list the file's [users.NAME] tables, or add the user with `shikaku user add`"),
    )
}

/// A user name: 1–64 ASCII letters, digits, `.`, `_`, `-` or `@` (it goes into logs and the
/// ledger, so it must not hold anything a terminal or CSV would read as markup).
fn check_name(name: &str) -> Result<(), UsersError> {
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if valid {
        Ok(())
    } else {
        Err(UsersError::new(
            format!("invalid user name {name:?}"),
            Some("use 1 to 64 ASCII letters, digits, `.`, `_`, `-` or `@`"),
        ))
    }
}

/// An argon2id hash of a password with a fresh salt from the operating system.
pub fn hash_password(password: &str) -> Result<String, UsersError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| {
        UsersError::new(
            format!("failed to get random bytes for the salt ({e})"),
            None,
        )
    })?;
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::new(format!("failed to hash the password ({e})"), None))
}

fn check_password(password: &str) -> Result<(), UsersError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UsersError::new(
            format!("the password is shorter than {MIN_PASSWORD_CHARS} characters"),
            Some("choose a longer password; a passphrase of several words is easy to type"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(UsersError::new(
            format!("the password is longer than {MAX_PASSWORD_BYTES} bytes"),
            None,
        ));
    }
    Ok(())
}

fn verify_hash(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a password nobody has, verified for unknown users.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2hpa2FrdWR1bW15c2FsdA$2K0D8Ar3uQf4D3LDHgSX7mhE1k6ZmSSHVnCG8QGqJTE";

/// Whether a file can be read by anyone but its owner.
pub fn readable_by_others(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

/// Holds an exclusive lock on `FILE.lock` while it lives, so two edits of one file queue.
pub struct FileLock {
    /// Held open: the lock lasts as long as the descriptor.
    _file: File,
}

impl FileLock {
    /// Waits for the lock beside `path`.
    pub fn acquire(path: &Path) -> std::io::Result<FileLock> {
        use std::os::fd::AsRawFd;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(sibling(path, ".lock"))?;
        // SAFETY: flock on a descriptor this File owns; the lock ends when the File closes.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(FileLock { _file: file })
    }
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes `bytes` to a 0600 temporary file beside `path`, syncs it and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = sibling(path, &format!(".tmp-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_a_wrong_one_does_not() {
        let mut users = Users::default();
        users.add("tanaka", Role::Issue, "correct horse").unwrap();
        assert_eq!(users.verify("tanaka", "correct horse"), Some(Role::Issue));
        assert_eq!(users.verify("tanaka", "correct horsf"), None);
        assert_eq!(users.verify("nobody", "correct horse"), None);
        assert!(users.users["tanaka"].hash.starts_with("$argon2id$v=19$"));
    }

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        let hash = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(hash.algorithm.as_str(), "argon2id");
    }

    #[test]
    fn names_and_passwords_are_checked() {
        let mut users = Users::default();
        assert!(users.add("田中", Role::View, "long enough").is_err());
        assert!(users.add("a b", Role::View, "long enough").is_err());
        let short = users.add("sato", Role::View, "short").unwrap_err();
        assert!(short.to_string().contains("shorter than 8"));
        users.add("sato", Role::View, "long enough").unwrap();
        assert!(users.add("sato", Role::View, "long enough").is_err());
        assert!(users.remove("suzuki").is_err());
    }

    #[test]
    fn the_file_round_trips_and_is_private() {
        let dir = std::env::temp_dir().join(format!("shikaku-users-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.toml");
        let mut users = Users::default();
        users.add("tanaka", Role::Issue, "correct horse").unwrap();
        users.add("sato", Role::View, "battery staple").unwrap();
        users.save(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let read = Users::load(&path).unwrap();
        assert_eq!(read, users);
        users
            .set_password("sato", "staple battery", Some(Role::Issue))
            .unwrap();
        users.save(&path).unwrap();
        assert_eq!(
            Users::load(&path).unwrap().verify("sato", "staple battery"),
            Some(Role::Issue)
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let error = Users::from_toml(
            "[users.tanaka]\nrole = \"admin\"\nhash = \"x\"\n",
            Path::new("users.toml"),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("users.toml:2:"), "{error}");
        let error = Users::from_toml(
            "[users.tanaka]\nrole = \"view\"\nhash = \"$2b$12$abcdefghijklmnopqrstuv\"\n",
            Path::new("users.toml"),
        )
        .unwrap_err();
        assert!(error.to_string().contains("user `tanaka`"), "{error}");
    }
}
