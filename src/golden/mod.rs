//! Golden files: render a case, compare it with the blessed PDF, re-bless on request.
//!
//! A case is one small TOML file naming a layout, an issuer profile, an optional
//! renewal cycle and one inline record. Its golden files repeat its path under
//! `golden/`: the PDF itself (compared byte for byte; output is deterministic)
//! and a dump of the display list (`.list.txt`), the readable middle stage that
//! says what changed when the PDF's bytes do.

mod dump;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

pub use dump::dump;

use crate::display::Document;
use crate::eligibility::{self, Check};
use crate::fill::Form;
use crate::issuer::Issuer;
use crate::layout::Layout;
use crate::record::{Origin, Record};
use crate::render::pdf::{pdf, PdfOptions};

/// One golden case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name: its path under the cases folder, without `.toml`.
    pub name: String,
    /// The layout, by bundled name or path.
    pub layout: String,
    /// The issuer profile's path.
    pub issuer: PathBuf,
    /// The renewal cycle, when the case fixes one.
    pub cycle: Option<i32>,
    /// Element ids whose changes are not counted (a date that is meant to change).
    pub ignore: Vec<String>,
    record: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    layout: String,
    issuer: PathBuf,
    cycle: Option<i32>,
    #[serde(default)]
    ignore: Vec<String>,
    record: toml::Table,
}

/// A rendered case.
pub struct Rendered {
    /// The display list.
    pub document: Document,
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// The display list as text.
    pub list: String,
}

/// How a case compared with its golden files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Byte for byte the same.
    Same,
    /// The golden files were written (new, or re-blessed).
    Updated,
    /// The PDF differs; the lines of the display list that differ, golden then new.
    Differs(Vec<String>),
    /// There are no golden files yet.
    Missing,
}

impl Case {
    /// Reads a case file; `root` is the cases folder its name is relative to.
    pub fn load(path: &Path, root: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: failed to read case ({e})", path.display()))?;
        let raw: RawCase = toml::from_str(&text).map_err(|e| {
            let (line, column) = crate::diag::toml_position(&text, e.span());
            format!("{}:{line}:{column}: {}", path.display(), e.message().trim())
        })?;
        let name = path.strip_prefix(root).unwrap_or(path).with_extension("").to_string_lossy().replace('\\', "/");
        let record = serde_json::to_value(&raw.record).map_err(|e| format!("{}: failed to read record ({e})", path.display()))?;
        Ok(Case { name, layout: raw.layout, issuer: raw.issuer, cycle: raw.cycle, ignore: raw.ignore, record })
    }

    /// Renders the case: record → eligibility → layout → PDF.
    pub fn render(&self) -> Result<Rendered, String> {
        let origin = Origin { file: format!("{}.toml", self.name), line: 1, index: 1 };
        let record = Record::from_json_value(&self.record, origin).map_err(|e| format!("{}: {e}", self.name))?;
        let issuer = Issuer::from_path(&self.issuer).map_err(|e| e.to_string())?;
        let options = eligibility::Options { cycle: self.cycle, check: Check::Strict };
        let evaluated = eligibility::evaluate(&record, &issuer.rules, &options).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("{}: {}", self.name, list.join("; "))
        })?;
        let layout = Layout::load(&self.layout).map_err(|e| e.to_string())?;
        let title = layout.title().to_string();
        let form = Form::new(Arc::new(layout), Arc::new(issuer)).map_err(|e| e.to_string())?;
        let document = form.fill(&record, &evaluated.eligibility).map_err(|e| format!("{}: {e}", self.name))?;
        let pdf = pdf(&document, &PdfOptions { title: Some(title), ..PdfOptions::default() });
        let list = dump(&document);
        Ok(Rendered { document, pdf, list })
    }
}

/// Every case file below `root`, in name order.
pub fn cases(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("failed to read {} ({e})", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The golden PDF and display-list paths of a case.
pub fn golden_paths(golden: &Path, case: &Case) -> (PathBuf, PathBuf) {
    (golden.join(format!("{}.pdf", case.name)), golden.join(format!("{}.list.txt", case.name)))
}

/// Compares a rendered case with its golden files, or writes them when `update`.
pub fn check(case: &Case, rendered: &Rendered, golden: &Path, update: bool) -> Result<Outcome, String> {
    let (pdf_path, list_path) = golden_paths(golden, case);
    let old_pdf = std::fs::read(&pdf_path).ok();
    if old_pdf.as_deref() == Some(&rendered.pdf[..]) {
        return Ok(Outcome::Same);
    }
    if update {
        if let Some(parent) = pdf_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("failed to create {} ({e})", parent.display()))?;
        }
        std::fs::write(&pdf_path, &rendered.pdf).map_err(|e| format!("failed to write {} ({e})", pdf_path.display()))?;
        std::fs::write(&list_path, &rendered.list).map_err(|e| format!("failed to write {} ({e})", list_path.display()))?;
        return Ok(Outcome::Updated);
    }
    if old_pdf.is_none() {
        return Ok(Outcome::Missing);
    }
    let old_list = std::fs::read_to_string(&list_path).unwrap_or_default();
    Ok(Outcome::Differs(line_diff(&old_list, &rendered.list)))
}

/// The lines only in `old` (prefixed `-`) and only in `new` (prefixed `+`).
fn line_diff(old: &str, new: &str) -> Vec<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut out: Vec<String> = old_lines.iter().filter(|l| !new_lines.contains(l)).map(|l| format!("-{l}")).collect();
    out.extend(new_lines.iter().filter(|l| !old_lines.contains(l)).map(|l| format!("+{l}")));
    out
}
