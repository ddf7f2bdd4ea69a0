//! Where layouts come from: the bundled ones, overridden or extended by a folder.
//!
//! The bundled layouts are compiled in so that an installed binary works anywhere. A
//! municipality adapting a layout, or a designer trying a change, should not need a
//! Rust toolchain for that: `--layouts DIR` puts the TOML files of a folder in front
//! of the bundled ones, by name (`DIR/kokuho-kakuninsho.toml` replaces the bundled
//! `kokuho-kakuninsho`), and offers the folder's other files as new layouts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::legal::LegalText;
use super::parse::{bundled_names, bundled_text};
use super::{Layout, LayoutError};

/// The file of a layouts folder that holds the fixed legal text rather than a layout.
const LEGAL_FILE: &str = "legal";

/// The layouts a command can use, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The folder given with `--layouts`, if any.
    dir: Option<PathBuf>,
    /// The folder's layout files by name (their file stem).
    files: BTreeMap<String, PathBuf>,
    /// The folder's `legal.toml`, which every layout's `{legal.KEY}` then takes its text from,
    /// the bundled layouts' included.
    legal: Option<Arc<LegalText>>,
}

impl Catalog {
    /// The bundled layouts only.
    pub fn bundled() -> Catalog {
        Catalog::default()
    }

    /// The bundled layouts, with the `.toml` files of `dir` in front of them.
    ///
    /// Only the folder's listing is read here; each file is parsed when it is loaded, so a
    /// broken layout stops a run that uses it with its own line and column.
    pub fn from_dir(dir: &Path) -> Result<Catalog, LayoutError> {
        let error = |message: String, hint: &str| LayoutError {
            file: dir.display().to_string(),
            line: 1,
            column: 1,
            message,
            hint: Some(hint.into()),
        };
        let hint = "--layouts names a folder of layout files (*.toml)";
        let entries = std::fs::read_dir(dir)
            .map_err(|e| error(format!("failed to read the layouts folder ({e})"), hint))?;
        let mut files = BTreeMap::new();
        let mut legal = None;
        for entry in entries {
            let path = entry
                .map_err(|e| error(format!("failed to read the layouts folder ({e})"), hint))?
                .path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                match path.file_stem().and_then(|s| s.to_str()) {
                    Some(LEGAL_FILE) => legal = Some(Arc::new(read_legal(&path)?)),
                    Some(name) => {
                        files.insert(name.to_owned(), path);
                    }
                    None => {}
                }
            }
        }
        if files.is_empty() && legal.is_none() {
            return Err(error("the layouts folder holds no .toml file".into(), hint));
        }
        Ok(Catalog {
            dir: Some(dir.to_owned()),
            files,
            legal,
        })
    }

    /// The folder's catalog if one is given, else the bundled one.
    pub fn from_option(dir: Option<&Path>) -> Result<Catalog, LayoutError> {
        dir.map_or(Ok(Catalog::bundled()), Catalog::from_dir)
    }

    /// Every layout name: the bundled ones in their order, then the folder's new ones.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = bundled_names().map(str::to_owned).collect();
        names.extend(
            self.files
                .keys()
                .filter(|n| !names.contains(n))
                .cloned()
                .collect::<Vec<_>>(),
        );
        names
    }

    /// Where the layout of this name comes from: its file in the folder, or `bundled`.
    pub fn origin(&self, name: &str) -> String {
        match self.files.get(name) {
            Some(path) => path.display().to_string(),
            None => "bundled".into(),
        }
    }

    /// One line for a command's report: which layouts come from the folder, which are bundled.
    pub fn describe(&self) -> String {
        let Some(dir) = &self.dir else {
            return "layouts: bundled".into();
        };
        let mut from_folder: Vec<&str> = self.files.keys().map(String::as_str).collect();
        if self.legal.is_some() {
            from_folder.push("legal text");
        }
        let bundled: Vec<&str> = bundled_names()
            .filter(|n| !self.files.contains_key(*n))
            .collect();
        let mut line = format!("layouts: {} from {}", from_folder.join(", "), dir.display());
        if !bundled.is_empty() {
            line.push_str(&format!("; bundled: {}", bundled.join(", ")));
        }
        line
    }

    /// Loads a layout by name (the folder's file first, then the bundled one) or, failing
    /// that, from a path.
    pub fn load(&self, name_or_path: &str) -> Result<Layout, LayoutError> {
        let legal = self.legal.as_deref().unwrap_or(LegalText::bundled());
        if let Some(path) = self.files.get(name_or_path) {
            let layout = Layout::from_path_with(path, legal)?;
            return check_name(layout, name_or_path, path);
        }
        if let Some(text) = bundled_text(name_or_path) {
            let file = format!("layouts/{name_or_path}.toml");
            return Layout::from_toml_with(text, &file, None, legal);
        }
        if Path::new(name_or_path).exists() {
            return Layout::from_path_with(Path::new(name_or_path), legal);
        }
        Err(LayoutError {
            file: name_or_path.into(),
            line: 1,
            column: 1,
            message: "no such layout file or layout name".into(),
            hint: Some(format!("layouts are {}", self.names().join(", "))),
        })
    }
}

fn read_legal(path: &Path) -> Result<LegalText, LayoutError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| LayoutError {
        file: file.clone(),
        line: 1,
        column: 1,
        message: format!("failed to read the legal text ({e})"),
        hint: None,
    })?;
    LegalText::from_toml(&text, &file)
}

/// A folder's layout is found by its file name, and printed, matched and reported by the
/// `name` inside: the two must agree, or a record would be printed with a layout other than
/// the one the folder seems to offer.
fn check_name(layout: Layout, name: &str, path: &Path) -> Result<Layout, LayoutError> {
    if layout.name() == name {
        return Ok(layout);
    }
    Err(LayoutError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!(
            "the layout's name `{}` differs from its file name `{name}`",
            layout.name()
        ),
        hint: Some(format!(
            "set name = \"{name}\" in the file, or rename the file"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("shikaku-catalog-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write");
        }
        dir
    }

    fn bundled(name: &str) -> String {
        bundled_text(name).expect("bundled").to_owned()
    }

    #[test]
    fn a_folder_layout_replaces_the_bundled_one_of_its_name_and_adds_new_names() {
        let card = bundled("kokuho-kakuninsho")
            .replace("title = \"国民健康保険資格確認書\"", "title = \"試作\"");
        let extra = bundled("kokuho-kakuninsho")
            .replace("name = \"kokuho-kakuninsho\"", "name = \"kokuho-trial\"");
        let dir = folder(
            "replace",
            &[
                ("kokuho-kakuninsho.toml", &card),
                ("kokuho-trial.toml", &extra),
                ("notes.txt", "not a layout"),
            ],
        );
        let catalog = Catalog::from_dir(&dir).expect("reads");
        assert_eq!(
            catalog.load("kokuho-kakuninsho").expect("loads").title(),
            "試作"
        );
        assert_eq!(
            catalog.load("kouki-kakuninsho").expect("bundled").title(),
            "後期高齢者医療資格確認書"
        );
        let names = catalog.names();
        assert_eq!(names.last().map(String::as_str), Some("kokuho-trial"));
        assert_eq!(names.len(), bundled_names().count() + 1);
        assert!(catalog
            .origin("kokuho-kakuninsho")
            .ends_with("kokuho-kakuninsho.toml"));
        assert_eq!(catalog.origin("kouki-oshirase"), "bundled");
        let line = catalog.describe();
        assert!(
            line.starts_with("layouts: kokuho-kakuninsho, kokuho-trial from "),
            "{line}"
        );
        assert!(
            line.contains("; bundled: kokuho-oshirase, kouki-kakuninsho, kouki-oshirase, "),
            "{line}"
        );
        assert_eq!(Catalog::bundled().describe(), "layouts: bundled");
    }

    #[test]
    fn a_folders_legal_text_reaches_the_bundled_layouts_too() {
        let legal =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/layouts/legal.toml"))
                .expect("bundled legal text")
                .replace("拘禁刑の処分を受けます", "拘禁刑に処せられます");
        let dir = folder("legal", &[("legal.toml", &legal)]);
        let catalog = Catalog::from_dir(&dir).expect("reads");
        assert!(!catalog.names().iter().any(|n| n == "legal"));
        let dump = format!("{:?}", catalog.load("kokuho-kakuninsho").expect("loads"));
        assert!(
            dump.contains("拘禁刑に処せられます"),
            "the folder's wording"
        );
        assert!(catalog.describe().contains("legal text from"));
        let broken = folder("broken-legal", &[("legal.toml", "[kokuho\n")]);
        let err = Catalog::from_dir(&broken).expect_err("broken legal text");
        assert!(err.to_string().contains("legal.toml:1:"), "{err}");
    }

    #[test]
    fn a_folder_layout_must_carry_its_file_name() {
        let dir = folder("name", &[("my-card.toml", &bundled("kokuho-kakuninsho"))]);
        let err = Catalog::from_dir(&dir)
            .expect("reads")
            .load("my-card")
            .expect_err("name differs");
        assert!(err.to_string().contains(
            "the layout's name `kokuho-kakuninsho` differs from its file name `my-card`"
        ));
    }

    #[test]
    fn a_missing_or_empty_folder_stops_with_a_hint() {
        let err = Catalog::from_dir(Path::new("/nonexistent/layouts")).expect_err("missing");
        assert!(err
            .to_string()
            .contains("failed to read the layouts folder"));
        let err = Catalog::from_dir(&folder("empty", &[])).expect_err("empty");
        assert!(err.to_string().contains("holds no .toml file"));
    }

    #[test]
    fn an_unknown_name_lists_the_names() {
        let err = Catalog::bundled()
            .load("kokuho-kakunin")
            .expect_err("unknown");
        assert!(err
            .to_string()
            .contains("hint: layouts are kokuho-kakuninsho"));
    }
}
