//! Issuer profiles: who issues the documents, kept apart from the layouts so that
//! one set of layouts serves every municipality and 広域連合.

mod portal;

use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::toml_position;
use crate::eligibility::Rules;
use crate::font::Fallbacks;
use crate::gaiji::{GaijiMap, Substitutions, TableError};
use crate::layout::{self, Catalog, Layout, LayoutError, LayoutKind};
use crate::limits::{self, ReadError};
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
    /// The mail class each document is posted by (`[mail]`).
    #[serde(default)]
    pub mail: MailClasses,
    /// The seal image bytes, loaded with the profile.
    #[serde(skip)]
    pub seal_png: Option<Vec<u8>>,
    /// The 外字 map, loaded with the profile.
    #[serde(skip)]
    pub gaiji_map: GaijiMap,
    /// The substitution table, loaded with the profile.
    #[serde(skip)]
    pub substitution_table: Substitutions,
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
    /// Occurs when a layout the profile names cannot be loaded.
    Layout(PathBuf, LayoutError),
    /// Occurs when the 外字 map or the substitution table the profile names cannot be read.
    ReadTable(PathBuf, ReadError),
    /// Occurs when the 外字 map or the substitution table has a bad line.
    Table(TableError),
    /// Occurs when a value is out of its allowed form.
    Invalid {
        /// The profile file.
        path: PathBuf,
        /// 1-based line and column of the value, when known (not for a missing key, or a
        /// layout found to print something else when it is loaded).
        position: Option<(usize, usize)>,
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
                write!(f, "{}:{line}:{column}: {message}", shown(path))
            }
            IssuerError::Layout(path, e) => {
                write!(f, "{}: invalid `layouts` ({e})", shown(path))
            }
            IssuerError::ReadTable(p, e) => {
                write!(f, "failed to read the issuer's table {} ({e})", p.display())
            }
            IssuerError::Table(e) => e.fmt(f),
            IssuerError::Invalid {
                path,
                position,
                field,
                message,
                hint,
            } => {
                write!(f, "{}", shown(path))?;
                if let Some((line, column)) = position {
                    write!(f, ":{line}:{column}")?;
                }
                write!(f, ": invalid `{field}` ({message})")?;
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
                shown(path),
                seal.display()
            ),
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
    seal_text: Option<Spanned<IgnoredAny>>,
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
            "seal_text" => &self.seal_text,
            _ => &self.special_medical_note,
        };
        value.as_ref().map(Spanned::span)
    }
}

/// The error for a broken rule, at the key's line and column in the profile's text.
fn invalid(text: &str, broken: Broken) -> IssuerError {
    let positions: Positions = toml::from_str(text).unwrap_or_default();
    let position = positions
        .of(broken.field)
        .map(|span| toml_position(text, Some(span)));
    IssuerError::Invalid {
        path: PathBuf::new(),
        position,
        field: broken.field,
        message: broken.message,
        hint: broken.hint,
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
        if let Some(file) = &issuer.gaiji {
            let (text, name) = read_table(base, file)?;
            issuer.gaiji_map = GaijiMap::from_csv(&text, &name).map_err(IssuerError::Table)?;
        }
        if let Some(file) = &issuer.substitutions {
            let (text, name) = read_table(base, file)?;
            issuer.substitution_table =
                Substitutions::from_csv(&text, &name).map_err(IssuerError::Table)?;
        }
        issuer
            .convert_gaiji()
            .map_err(|broken| invalid(&text, broken).within(path))?;
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
        issuer.validate().map_err(|broken| invalid(text, broken))?;
        Ok(issuer)
    }

    /// Converts the 外字 (private-use characters) of the profile's own printed text with its
    /// 外字 map, as records' are; one the map does not list stops the profile, naming the key and
    /// the code point.
    fn convert_gaiji(&mut self) -> Result<(), Broken> {
        let map = &self.gaiji_map;
        let texts = [
            ("name", &mut self.name),
            ("prefecture", &mut self.prefecture),
            ("special_medical_note", &mut self.special_medical_note),
        ];
        let seal_text = self.seal_text.iter_mut().map(|t| ("seal_text", t));
        let contact = self.contact.iter_mut().map(|line| ("contact", line));
        for (field, value) in texts.into_iter().chain(seal_text).chain(contact) {
            if value.contains(crate::font::is_private_use) {
                *value = crate::gaiji::convert_text(value, field, map).map_err(|e| Broken {
                    field,
                    message: e.reason(),
                    hint: Some(e.hint()),
                })?;
            }
        }
        Ok(())
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

    /// Loads the layout this profile prints `kind` with from the catalog (a `--layouts` folder
    /// in front of the bundled layouts), and checks that it prints that kind for the profile's
    /// scheme, so that a mistaken `[layouts]` entry stops a run before any record.
    pub fn load_layout(&self, kind: LayoutKind, layouts: &Catalog) -> Result<Layout, IssuerError> {
        let source = self.layout_source(kind);
        let layout = layouts
            .load(&source)
            .map_err(|e| IssuerError::Layout(self.path.clone(), e))?;
        if layout.kind() != kind || layout.scheme() != self.scheme() {
            return Err(IssuerError::Invalid {
                path: self.path.clone(),
                position: None,
                field: "layouts",
                message: format!(
                    "layout {} prints {} for {}, not {} for {}",
                    layout.name(),
                    layout.kind().as_str(),
                    layout.scheme().as_str(),
                    kind.as_str(),
                    self.scheme().as_str()
                ),
                hint: None,
            });
        }
        Ok(layout)
    }

    fn validate(&self) -> Result<(), Broken> {
        self.validate_number()?;
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
        let seal_text = self.seal_text.iter().map(|t| ("seal_text", t.as_str()));
        let contact = self.contact.iter().map(|line| ("contact", line.as_str()));
        for (field, value) in texts.into_iter().chain(seal_text).chain(contact) {
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

    /// The 保険者番号 must be 6 digits (kokuho) or 8 digits starting 39 (kouki), ending in its
    /// 検証番号: a profile with a mistyped number would print it on every document of the run.
    fn validate_number(&self) -> Result<(), Broken> {
        let n = &self.insurer_number;
        let broken = |message: String, hint: Option<&str>| Broken {
            field: "insurer_number",
            message,
            hint: hint.map(str::to_owned),
        };
        let shaped = n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 6 || (n.len() == 8 && n.starts_with("39")));
        if !shaped {
            return Err(broken(
                "must be 6 digits (kokuho) or 8 digits starting 39 (kouki)".into(),
                None,
            ));
        }
        crate::insurer_number::verify(n).map_err(|(given, expected)| {
            broken(
                format!("check digit is {given}, the other digits call for {expected} (保険者番号設定要領 検証番号)"),
                Some("the last digit of a 保険者番号 is its 検証番号: check the number with the insurer"),
            )
        })
    }
}

/// Reads a table the profile names (a regular file within the size limit of configuration
/// files), relative to the profile's folder; returns its text and its path for messages.
fn read_table(folder: &Path, file: &Path) -> Result<(String, String), IssuerError> {
    let path = folder.join(file);
    let text = limits::read_capped_text(&path, limits::file::MAX_CONFIG_BYTES)
        .map_err(|e| IssuerError::ReadTable(path.clone(), e))?;
    Ok((text, path.display().to_string()))
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
                position,
                field,
                message,
                hint,
                ..
            } => IssuerError::Invalid {
                path: path.into(),
                position,
                field,
                message,
                hint,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(number: &str) -> Result<Issuer, IssuerError> {
        Issuer::from_toml(&format!(
            "name = \"x\"\ninsurer_number = \"{number}\"\nprefecture = \"群馬県\"\n"
        ))
    }

    /// Issue 11 item 4: the sample kouki profile's old 39100015 fails the 検証番号.
    #[test]
    fn insurer_number_has_its_shape_and_check_digit() {
        for good in ["100016", "102020", "060012", "39102017", "39100011"] {
            assert!(profile(good).is_ok(), "{good}");
        }
        assert_eq!(
            profile("39100015").unwrap_err().to_string(),
            "issuer profile:2:18: invalid `insurer_number` (check digit is 5, the other digits call for 1 (保険者番号設定要領 検証番号))\n  hint: the last digit of a 保険者番号 is its 検証番号: check the number with the insurer"
        );
        for bad in ["10001", "1000160", "12345678", "10001x", "１０００１６"] {
            let error = profile(bad).unwrap_err().to_string();
            assert!(error.contains("must be 6 digits"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_sample_profiles_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/issuers");
        for name in ["takasaki.toml", "mogami.toml", "gunma-kouki.toml"] {
            let issuer = Issuer::from_path(&dir.join(name));
            assert!(issuer.is_ok(), "{name}: {:?}", issuer.err());
        }
    }

    const KOUKI: &str = "name = \"群馬県後期高齢者医療広域連合\"\ninsurer_number = \"39100011\"\nprefecture = \"群馬県\"\n";

    #[test]
    fn layouts_default_to_the_schemes_bundled_ones() {
        let issuer = Issuer::from_toml(KOUKI).unwrap();
        assert_eq!(issuer.scheme(), Scheme::Kouki);
        assert_eq!(
            issuer.layout_source(LayoutKind::Kakuninsho),
            "kouki-kakuninsho"
        );
        assert_eq!(issuer.layout_source(LayoutKind::Daishi), "kouki-daishi");
        let layout = issuer
            .load_layout(LayoutKind::Oshirase, &Catalog::bundled())
            .unwrap();
        assert_eq!(layout.name(), "kouki-oshirase");
    }

    #[test]
    fn a_profile_chooses_a_layout_of_its_scheme_and_kind() {
        let text = format!("{KOUKI}[layouts]\nkakuninsho = \"kouki-kakuninsho-no-address\"\n");
        let issuer = Issuer::from_toml(&text).unwrap();
        let layout = issuer
            .load_layout(LayoutKind::Kakuninsho, &Catalog::bundled())
            .unwrap();
        assert_eq!(layout.name(), "kouki-kakuninsho-no-address");
        assert_eq!(issuer.layout_source(LayoutKind::Oshirase), "kouki-oshirase");
    }

    #[test]
    fn a_layout_of_another_scheme_or_kind_is_refused() {
        let text = format!("{KOUKI}[layouts]\nkakuninsho = \"kokuho-kakuninsho\"\noshirase = \"kouki-kakuninsho\"\n");
        let issuer = Issuer::from_toml(&text).unwrap();
        let e = issuer
            .load_layout(LayoutKind::Kakuninsho, &Catalog::bundled())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "issuer profile: invalid `layouts` (layout kokuho-kakuninsho prints kakuninsho for kokuho, not kakuninsho for kouki)"
        );
        let e = issuer
            .load_layout(LayoutKind::Oshirase, &Catalog::bundled())
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("prints kakuninsho for kouki, not oshirase for kouki)"),
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
        let e = issuer
            .load_layout(LayoutKind::Daishi, &Catalog::bundled())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("mine/daishi.toml:1:1: no such layout file or layout name"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
