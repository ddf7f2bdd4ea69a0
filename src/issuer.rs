//! Issuer profiles: who issues the documents, kept apart from the layouts so that
//! one set of layouts serves every municipality and 広域連合.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::toml_position;
use crate::eligibility::Rules;
use crate::layout::{self, Layout, LayoutError, LayoutKind};
use crate::mail::MailClasses;
use crate::record::Scheme;

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
    /// Printed where the seal goes when the profile has no seal image, e.g. 「公印省略」
    /// (default: nothing is printed there).
    #[serde(default)]
    pub seal_text: Option<String>,
    /// The marking printed on 特別療養 documents (its exact wording is not fixed by any source).
    #[serde(default = "default_special_medical_note")]
    pub special_medical_note: String,
    /// Rules that differ by insurer.
    #[serde(default)]
    pub rules: Rules,
    /// Which layout prints each document, where the insurer's differs from the default.
    #[serde(default)]
    pub layouts: Layouts,
    /// The mail class each document is posted by (`[mail]`).
    #[serde(default)]
    pub mail: MailClasses,
    /// The seal image bytes, loaded with the profile.
    #[serde(skip)]
    pub seal_png: Option<Vec<u8>>,
    /// The profile file, for messages (empty for a profile parsed from text).
    #[serde(skip)]
    pub path: PathBuf,
}

/// The profile's `[layouts]` table: the layout each document is printed with, as a bundled name
/// or a path relative to the profile. Unset entries use the bundled `{scheme}-{document}` layout.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Layouts {
    /// The 資格確認書, e.g. `kouki-kakuninsho-no-address` (住所 written on the back by the member)
    /// or `kokuho-kakuninsho-hagaki` (はがき size).
    pub kakuninsho: Option<String>,
    /// The 資格情報のお知らせ.
    pub oshirase: Option<String>,
    /// The carrier sheet (台紙) of `--impose carrier`.
    pub daishi: Option<String>,
    /// The cover letter (送付状) on top of each envelope.
    pub soufujo: Option<String>,
}

impl Layouts {
    fn get(&self, kind: LayoutKind) -> Option<&String> {
        match kind {
            LayoutKind::Kakuninsho => self.kakuninsho.as_ref(),
            LayoutKind::Oshirase => self.oshirase.as_ref(),
            LayoutKind::Daishi => self.daishi.as_ref(),
            LayoutKind::Soufujo => self.soufujo.as_ref(),
        }
    }

    fn get_mut(&mut self, kind: LayoutKind) -> Option<&mut String> {
        match kind {
            LayoutKind::Kakuninsho => self.kakuninsho.as_mut(),
            LayoutKind::Oshirase => self.oshirase.as_mut(),
            LayoutKind::Daishi => self.daishi.as_mut(),
            LayoutKind::Soufujo => self.soufujo.as_mut(),
        }
    }
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
    /// Occurs when a layout the profile names cannot be loaded.
    Layout(PathBuf, LayoutError),
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
            IssuerError::Layout(path, e) => {
                write!(f, "{}: field `layouts`: {e}", shown(path))
            }
            IssuerError::Invalid {
                path,
                field,
                message,
            } => {
                write!(f, "{}: field `{field}`: {message}", shown(path))
            }
        }
    }
}

impl std::error::Error for IssuerError {}

/// A profile's path for messages; a profile read from text has none.
fn shown(path: &Path) -> std::borrow::Cow<'_, str> {
    if path.as_os_str().is_empty() {
        "issuer profile".into()
    } else {
        path.display().to_string().into()
    }
}

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
        issuer.path = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new("."));
        for kind in LayoutKind::ALL {
            // A path names a file beside the profile; a bundled name stays as it is.
            if let Some(name) = issuer.layouts.get_mut(kind) {
                if !layout::bundled_names().any(|b| b == name.as_str()) {
                    *name = base.join(&*name).display().to_string();
                }
            }
        }
        if let Some(seal) = &issuer.seal {
            let seal_path = base.join(seal);
            let bytes =
                std::fs::read(&seal_path).map_err(|e| IssuerError::Io(seal_path.clone(), e))?;
            issuer.seal_png = Some(bytes);
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

    /// The scheme the profile issues for: kouki insurer numbers have 8 digits, kokuho ones 6.
    pub fn scheme(&self) -> Scheme {
        if self.insurer_number.len() == 8 {
            Scheme::Kouki
        } else {
            Scheme::Kokuho
        }
    }

    /// The layout this profile prints `kind` with: its `[layouts]` entry (a bundled name or a
    /// path), else the bundled `{scheme}-{kind}`.
    pub fn layout_source(&self, kind: LayoutKind) -> String {
        match self.layouts.get(kind) {
            Some(chosen) => chosen.clone(),
            None => format!("{}-{}", self.scheme().as_str(), kind.as_str()),
        }
    }

    /// Loads the layout this profile prints `kind` with, and checks that it prints that kind for
    /// the profile's scheme, so that a mistaken `[layouts]` entry stops a run before any record.
    pub fn load_layout(&self, kind: LayoutKind) -> Result<Layout, IssuerError> {
        let source = self.layout_source(kind);
        let layout =
            Layout::load(&source).map_err(|e| IssuerError::Layout(self.path.clone(), e))?;
        if layout.kind() != kind || layout.scheme() != self.scheme() {
            return Err(IssuerError::Invalid {
                path: self.path.clone(),
                field: "layouts",
                message: format!(
                    "layout {} prints {} for {}, not {} for {}",
                    layout.name(),
                    layout.kind().as_str(),
                    layout.scheme().as_str(),
                    kind.as_str(),
                    self.scheme().as_str()
                ),
            });
        }
        Ok(layout)
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

#[cfg(test)]
mod tests {
    use super::*;

    const KOUKI: &str = "name = \"群馬県後期高齢者医療広域連合\"\ninsurer_number = \"39100015\"\nprefecture = \"群馬県\"\n";

    #[test]
    fn layouts_default_to_the_schemes_bundled_ones() {
        let issuer = Issuer::from_toml(KOUKI).unwrap();
        assert_eq!(issuer.scheme(), Scheme::Kouki);
        assert_eq!(
            issuer.layout_source(LayoutKind::Kakuninsho),
            "kouki-kakuninsho"
        );
        assert_eq!(issuer.layout_source(LayoutKind::Daishi), "kouki-daishi");
        let layout = issuer.load_layout(LayoutKind::Oshirase).unwrap();
        assert_eq!(layout.name(), "kouki-oshirase");
    }

    #[test]
    fn a_profile_chooses_a_layout_of_its_scheme_and_kind() {
        let text = format!("{KOUKI}[layouts]\nkakuninsho = \"kouki-kakuninsho-no-address\"\n");
        let issuer = Issuer::from_toml(&text).unwrap();
        let layout = issuer.load_layout(LayoutKind::Kakuninsho).unwrap();
        assert_eq!(layout.name(), "kouki-kakuninsho-no-address");
        assert_eq!(issuer.layout_source(LayoutKind::Oshirase), "kouki-oshirase");
    }

    #[test]
    fn a_layout_of_another_scheme_or_kind_is_refused() {
        let text = format!("{KOUKI}[layouts]\nkakuninsho = \"kokuho-kakuninsho\"\noshirase = \"kouki-kakuninsho\"\n");
        let issuer = Issuer::from_toml(&text).unwrap();
        let e = issuer.load_layout(LayoutKind::Kakuninsho).unwrap_err();
        assert_eq!(
            e.to_string(),
            "issuer profile: field `layouts`: layout kokuho-kakuninsho prints kakuninsho for kokuho, not kakuninsho for kouki"
        );
        let e = issuer.load_layout(LayoutKind::Oshirase).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("prints kakuninsho for kouki, not oshirase for kouki"),
            "{e}"
        );
        let text = format!("{KOUKI}[layouts]\ncard = \"kouki-kakuninsho\"\n");
        assert!(matches!(
            Issuer::from_toml(&text),
            Err(IssuerError::Toml { .. })
        ));
    }

    #[test]
    fn a_layout_path_is_relative_to_the_profile() {
        let dir = std::env::temp_dir().join(format!("shikaku-issuer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("profile.toml");
        std::fs::write(
            &path,
            format!("{KOUKI}[layouts]\ndaishi = \"mine/daishi.toml\"\n"),
        )
        .unwrap();
        let issuer = Issuer::from_path(&path).unwrap();
        assert_eq!(
            issuer.layout_source(LayoutKind::Daishi),
            dir.join("mine/daishi.toml").display().to_string()
        );
        let e = issuer.load_layout(LayoutKind::Daishi).unwrap_err();
        assert!(
            e.to_string()
                .contains("mine/daishi.toml:1:1: no such layout file or bundled layout"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
