//! Where layouts come from: the bundled ones, overridden or extended by a folder.
//!
//! The bundled layouts are compiled in so that an installed binary works anywhere. A
//! municipality adapting a layout, or a designer trying a change, should not need a
//! Rust toolchain for that: `--layouts DIR` puts the TOML files of a folder in front
//! of the bundled ones, by name (`DIR/kokuho-kakuninsho.toml` replaces the bundled
//! `kokuho-kakuninsho`), and offers the folder's other files as new layouts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::parse::{bundled_names, bundled_text};
use super::{Layout, LayoutError};

/// The layouts a command can use, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The folder given with `--layouts`, if any.
    dir: Option<PathBuf>,
    /// The folder's layout files by name (their file stem).
    files: BTreeMap<String, PathBuf>,
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
        for entry in entries {
            let path = entry
                .map_err(|e| error(format!("failed to read the layouts folder ({e})"), hint))?
                .path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                if let Some(name) = path.file_stem().and_then(|s| s.to_str()) {
                    files.insert(name.to_owned(), path);
                }
            }
        }
        if files.is_empty() {
            return Err(error("the layouts folder holds no .toml file".into(), hint));
        }
        Ok(Catalog {
            dir: Some(dir.to_owned()),
            files,
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
        let from_folder: Vec<&str> = self.files.keys().map(String::as_str).collect();
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
        if let Some(path) = self.files.get(name_or_path) {
            let layout = Layout::from_path(path)?;
            return check_name(layout, name_or_path, path);
        }
        if let Some(text) = bundled_text(name_or_path) {
            return Layout::from_toml(text, &format!("layouts/{name_or_path}.toml"), None);
        }
        if Path::new(name_or_path).is_file() {
            return Layout::from_path(Path::new(name_or_path));
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

    fn folder(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "shikaku-catalog-{}-{}",
            std::process::id(),
            files.len()
        ));
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
        let dir = folder(&[
            ("kokuho-kakuninsho.toml", &card),
            ("kokuho-trial.toml", &extra),
            ("notes.txt", "not a layout"),
        ]);
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
        assert!(line.ends_with("; bundled: kokuho-oshirase, kouki-kakuninsho, kouki-oshirase, kokuho-daishi, kouki-daishi"), "{line}");
        assert_eq!(Catalog::bundled().describe(), "layouts: bundled");
    }

    #[test]
    fn a_folder_layout_must_carry_its_file_name() {
        let dir = folder(&[("my-card.toml", &bundled("kokuho-kakuninsho"))]);
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
        let err = Catalog::from_dir(&folder(&[])).expect_err("empty");
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
