//! Issuer profiles: who issues the documents, kept apart from the layouts so that
//! one set of layouts serves every municipality and 広域連合.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::toml_position;
use crate::eligibility::Rules;
use crate::font::Fallbacks;
use crate::gaiji::{GaijiMap, Substitutions, TableError};

/// One insurer's profile, read from TOML.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// 交付者名 / 保険者名, e.g. `高崎市` or `群馬県後期高齢者医療広域連合`.
    pub name: String,
    /// 保険者番号: 6 digits (kokuho) or 8 digits starting 39 (kouki).
    pub insurer_number: String,
    /// 都道府県, printed at the top of the card.
    pub prefecture: String,
    /// The address the QR code on the お知らせ leads to (default マイナポータル).
    #[serde(default = "default_portal_url")]
    pub portal_url: String,
    /// Contact lines printed at the bottom of the お知らせ.
    #[serde(default)]
    pub contact: Vec<String>,
    /// The seal (印) image, PNG; a path relative to the profile file.
    #[serde(default)]
    pub seal: Option<PathBuf>,
    /// The marking printed on 特別療養 documents (its exact wording is not fixed by any source).
    #[serde(default = "default_special_medical_note")]
    pub special_medical_note: String,
    /// Rules that differ by insurer.
    #[serde(default)]
    pub rules: Rules,
    /// The fallback fonts of each font (`[fonts]`: font name → fallback font names, tried in
    /// order); fonts it leaves out keep the default chains (docs/decisions.md §5).
    #[serde(default)]
    pub fonts: Fallbacks,
    /// The 外字 map (CSV: private-use code point → the character it stands for), a path
    /// relative to the profile file; none by default, and then a private-use character in a
    /// record is an error.
    #[serde(default)]
    pub gaiji: Option<PathBuf>,
    /// The substitution table (CSV, MJ縮退-style: a character no font has → what to print
    /// instead), relative to the profile file; none by default, and then such a character is
    /// an error.
    #[serde(default)]
    pub substitutions: Option<PathBuf>,
    /// The seal image bytes, loaded with the profile.
    #[serde(skip)]
    pub seal_png: Option<Vec<u8>>,
    /// The 外字 map, loaded with the profile.
    #[serde(skip)]
    pub gaiji_map: GaijiMap,
    /// The substitution table, loaded with the profile.
    #[serde(skip)]
    pub substitution_table: Substitutions,
}

fn default_portal_url() -> String {
    "https://myna.go.jp/".into()
}

fn default_special_medical_note() -> String {
    "特別療養費の支給対象者です".into()
}

/// Occurs when an issuer profile cannot be used.
#[derive(Debug)]
pub enum IssuerError {
    /// Occurs when the file cannot be read.
    Io(PathBuf, std::io::Error),
    /// Occurs when the TOML is malformed or has unknown keys.
    Toml {
        /// The profile file.
        path: PathBuf,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// Occurs when the 外字 map or the substitution table has a bad line.
    Table(TableError),
    /// Occurs when a value is out of its allowed form.
    Invalid {
        /// The profile file.
        path: PathBuf,
        /// The offending key.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl std::fmt::Display for IssuerError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            IssuerError::Io(p, e) => {
                write!(f, "failed to read issuer profile {} ({e})", p.display())
            }
            IssuerError::Toml {
                path,
                line,
                column,
                message,
            } => {
                write!(f, "{}:{line}:{column}: {message}", path.display())
            }
            IssuerError::Table(e) => e.fmt(f),
            IssuerError::Invalid {
                path,
                field,
                message,
            } => {
                write!(f, "{}: field `{field}`: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for IssuerError {}

impl Issuer {
    /// Reads a profile and the seal image it names.
    pub fn from_path(path: &Path) -> Result<Issuer, IssuerError> {
        let text = std::fs::read_to_string(path).map_err(|e| IssuerError::Io(path.into(), e))?;
        let mut issuer = Issuer::from_toml(&text).map_err(|e| match e {
            IssuerError::Toml {
                line,
                column,
                message,
                ..
            } => IssuerError::Toml {
                path: path.into(),
                line,
                column,
                message,
            },
            IssuerError::Invalid { field, message, .. } => IssuerError::Invalid {
                path: path.into(),
                field,
                message,
            },
            other => other,
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        if let Some(seal) = &issuer.seal {
            let seal_path = folder.join(seal);
            let bytes =
                std::fs::read(&seal_path).map_err(|e| IssuerError::Io(seal_path.clone(), e))?;
            issuer.seal_png = Some(bytes);
        }
        if let Some(file) = &issuer.gaiji {
            let (text, name) = read_table(folder, file)?;
            issuer.gaiji_map = GaijiMap::from_csv(&text, &name).map_err(IssuerError::Table)?;
        }
        if let Some(file) = &issuer.substitutions {
            let (text, name) = read_table(folder, file)?;
            issuer.substitution_table =
                Substitutions::from_csv(&text, &name).map_err(IssuerError::Table)?;
        }
        Ok(issuer)
    }

    /// Parses a profile from TOML text (the seal image is not loaded).
    pub fn from_toml(text: &str) -> Result<Issuer, IssuerError> {
        let issuer: Issuer = toml::from_str(text).map_err(|e| {
            let (line, column) = toml_position(text, e.span());
            IssuerError::Toml {
                path: PathBuf::new(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        issuer.validate()?;
        Ok(issuer)
    }

    fn validate(&self) -> Result<(), IssuerError> {
        let n = &self.insurer_number;
        if !(n.len() == 6 || n.len() == 8) || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IssuerError::Invalid {
                path: PathBuf::new(),
                field: "insurer_number",
                message: "must be 6 digits (kokuho) or 8 digits (kouki)".into(),
            });
        }
        Ok(())
    }
}

/// Reads a table the profile names, relative to the profile's folder; returns its text and its
/// path for messages.
fn read_table(folder: &Path, file: &Path) -> Result<(String, String), IssuerError> {
    let path = folder.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| IssuerError::Io(path.clone(), e))?;
    Ok((text, path.display().to_string()))
}
