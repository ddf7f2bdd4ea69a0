//! Issuer profiles: who issues the documents, kept apart from the layouts so that
//! one set of layouts serves every municipality and 広域連合.

mod portal;

use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::toml_position;
use crate::eligibility::Rules;
use crate::limits::{self, ReadError};

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
    /// The seal image bytes, loaded with the profile.
    #[serde(skip)]
    pub seal_png: Option<Vec<u8>>,
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
    /// Occurs when the file cannot be read: missing, not a regular file, too large, not UTF-8.
    Read(PathBuf, ReadError),
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
    /// Occurs when a value is out of its allowed form.
    Invalid {
        /// The profile file.
        path: PathBuf,
        /// 1-based line of the value (1 when the key is missing).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The offending key.
        field: &'static str,
        /// The rule it breaks.
        message: String,
        /// How to fix it, when known.
        hint: Option<String>,
    },
    /// Occurs when the seal image cannot be read or is not a usable PNG.
    Seal {
        /// The profile file that names the seal.
        path: PathBuf,
        /// 1-based line of the `seal` key's value.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The seal image.
        seal: PathBuf,
        /// Why it cannot be used.
        message: String,
    },
}

impl std::fmt::Display for IssuerError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            IssuerError::Read(p, e) => {
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
            IssuerError::Invalid {
                path,
                line,
                column,
                field,
                message,
                hint,
            } => {
                write!(
                    f,
                    "{}:{line}:{column}: invalid `{field}` ({message})",
                    path.display()
                )?;
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            IssuerError::Seal {
                path,
                line,
                column,
                seal,
                message,
            } => write!(
                f,
                "{}:{line}:{column}: failed to read the seal image {} ({message})",
                path.display(),
                seal.display()
            ),
        }
    }
}

impl std::error::Error for IssuerError {}

/// Where each checked key's value is in the text, for messages (other keys are ignored here).
#[derive(Deserialize, Default)]
struct Positions {
    name: Option<Spanned<IgnoredAny>>,
    insurer_number: Option<Spanned<IgnoredAny>>,
    prefecture: Option<Spanned<IgnoredAny>>,
    portal_url: Option<Spanned<IgnoredAny>>,
    contact: Option<Spanned<IgnoredAny>>,
    special_medical_note: Option<Spanned<IgnoredAny>>,
    seal: Option<Spanned<IgnoredAny>>,
}

impl Positions {
    fn of(&self, field: &str) -> Option<std::ops::Range<usize>> {
        let value = match field {
            "name" => &self.name,
            "insurer_number" => &self.insurer_number,
            "prefecture" => &self.prefecture,
            "portal_url" => &self.portal_url,
            "contact" => &self.contact,
            "seal" => &self.seal,
            _ => &self.special_medical_note,
        };
        value.as_ref().map(Spanned::span)
    }
}

/// A value's rule broken: the key, the rule and how to fix it.
struct Broken {
    field: &'static str,
    message: String,
    hint: Option<String>,
}

impl Issuer {
    /// Reads a profile and the seal image it names: both regular files within their size limits.
    pub fn from_path(path: &Path) -> Result<Issuer, IssuerError> {
        let text = limits::read_capped_text(path, limits::file::MAX_CONFIG_BYTES)
            .map_err(|e| IssuerError::Read(path.into(), e))?;
        let mut issuer = Issuer::from_toml(&text).map_err(|e| e.within(path))?;
        if let Some(seal) = &issuer.seal {
            let seal_path = path.parent().unwrap_or(Path::new(".")).join(seal);
            let seal_error = |message: String| {
                let positions: Positions = toml::from_str(&text).unwrap_or_default();
                let (line, column) = toml_position(&text, positions.of("seal"));
                IssuerError::Seal {
                    path: path.into(),
                    line,
                    column,
                    seal: seal_path.clone(),
                    message,
                }
            };
            let bytes = limits::read_capped(&seal_path, limits::png::MAX_BYTES)
                .map_err(|e| seal_error(e.to_string()))?;
            limits::png::decode(&bytes).map_err(|e| seal_error(e.to_string()))?;
            issuer.seal_png = Some(bytes);
        }
        Ok(issuer)
    }

    /// Parses a profile from TOML text (the seal image is not loaded).
    pub fn from_toml(text: &str) -> Result<Issuer, IssuerError> {
        let toml_error = |e: toml::de::Error| {
            let (line, column) = toml_position(text, e.span());
            IssuerError::Toml {
                path: PathBuf::new(),
                line,
                column,
                message: e.message().to_string(),
            }
        };
        let issuer: Issuer = toml::from_str(text).map_err(toml_error)?;
        if let Err(broken) = issuer.validate() {
            let positions: Positions = toml::from_str(text).unwrap_or_default();
            let (line, column) = toml_position(text, positions.of(broken.field));
            return Err(IssuerError::Invalid {
                path: PathBuf::new(),
                line,
                column,
                field: broken.field,
                message: broken.message,
                hint: broken.hint,
            });
        }
        Ok(issuer)
    }

    fn validate(&self) -> Result<(), Broken> {
        let n = &self.insurer_number;
        if !(n.len() == 6 || n.len() == 8) || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Broken {
                field: "insurer_number",
                message: "must be 6 digits (kokuho) or 8 digits (kouki)".into(),
                hint: None,
            });
        }
        for (field, value) in [
            ("name", self.name.as_str()),
            ("prefecture", self.prefecture.as_str()),
        ] {
            if value.chars().all(char::is_whitespace) {
                return Err(Broken {
                    field,
                    message:
                        "must not be empty or only white space: it is printed on every document"
                            .into(),
                    hint: None,
                });
            }
        }
        let texts = [
            ("name", self.name.as_str()),
            ("prefecture", self.prefecture.as_str()),
            ("special_medical_note", self.special_medical_note.as_str()),
        ];
        let contact = self.contact.iter().map(|line| ("contact", line.as_str()));
        for (field, value) in texts.into_iter().chain(contact) {
            if let Some((at, c, why)) = limits::chars::first_refused(value) {
                return Err(Broken {
                    field,
                    message: format!(
                        "contains {} U+{:04X} at character {at}",
                        why.name(),
                        u32::from(c)
                    ),
                    hint: Some(limits::chars::EDIT_HINT.into()),
                });
            }
        }
        portal::check(&self.portal_url).map_err(|rule| Broken {
            field: "portal_url",
            message: format!("{rule}; found `{}`", quoted(&self.portal_url)),
            hint: Some("the QR code on every お知らせ opens this address: use https://myna.go.jp/ (マイナポータル) or the insurer's https page".into()),
        })
    }
}

/// A value for a message, escaped, and cut after 80 characters.
fn quoted(value: &str) -> String {
    let mut shown: String = value.chars().take(80).collect::<String>();
    if shown.len() < value.len() {
        shown.push('…');
    }
    shown.escape_debug().to_string()
}

impl IssuerError {
    /// Names the profile file in an error from [`Issuer::from_toml`].
    fn within(self, path: &Path) -> IssuerError {
        match self {
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
            IssuerError::Invalid {
                line,
                column,
                field,
                message,
                hint,
                ..
            } => IssuerError::Invalid {
                path: path.into(),
                line,
                column,
                field,
                message,
                hint,
            },
            other => other,
        }
    }
}
