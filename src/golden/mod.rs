//! Golden files: render a case, compare it with the blessed PDF, re-bless on request.
//!
//! A case is one small TOML file naming a layout, an issuer profile, an optional
//! renewal cycle and one inline record. Its golden files repeat its path under
//! `golden/`: the PDF itself (compared byte for byte; output is deterministic)
//! and a dump of the display list (`.list.txt`), the readable middle stage that
//! says what changed when the PDF's bytes do. `golden/VERSION` records the
//! renderer that made them ([`RendererVersion`]).
//!
//! When the bytes differ, [`check`] says how, for people: which layout elements
//! moved, resized or changed text, in mm ([`diff`]), and which pixels changed,
//! with both PDFs rasterized by the same real PDF rasterizer ([`raster`]).
//! [`report`] lays that out as an HTML page. `shikaku golden` and the tests call
//! the same [`check`].

pub mod diff;
mod dump;
pub mod raster;
pub mod report;
mod version;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

pub use dump::dump;
pub use version::RendererVersion;

use diff::{ElementChange, ListDiff};
use raster::{PageDiff, PixelRect, COMPARE_DPI};

use crate::display::Document;
use crate::eligibility::{self, Check};
use crate::fill::Form;
use crate::issuer::Issuer;
use crate::layout::{Catalog, Layout};
use crate::record::{Origin, Record};
use crate::render::pdf::{pdf, PdfOptions};

/// One golden case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name: its path under the cases folder, without `.toml`.
    pub name: String,
    /// The layout, by name or path.
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
#[derive(Debug)]
pub enum Outcome {
    /// Byte for byte the same.
    Same,
    /// The PDF differs, but only in the elements the case ignores: their changes,
    /// each marked ignored.
    Ignored(Vec<ElementChange>),
    /// The golden files were written: what changed from the old display list
    /// (empty when only the PDF bytes changed), or `None` for a new case.
    Updated(Option<ListDiff>),
    /// The PDF differs.
    Differs(Box<Difference>),
    /// There are no golden files yet.
    Missing,
}

/// How a case's new rendering differs from its golden files.
#[derive(Debug)]
pub struct Difference {
    /// Pages and elements that differ, the ignored ones marked.
    pub list: ListDiff,
    /// The lines of the display-list dumps that differ: golden (`-`) then new (`+`).
    pub lines: Vec<String>,
    /// Every page of either side, rasterized and compared.
    pub pages: Vec<PageDiff>,
    /// Whether the layout or the renderer changed.
    pub cause: Cause,
}

impl Difference {
    /// Changed pixels outside the masks, on all pages.
    pub fn changed_pixels(&self) -> u64 {
        self.pages.iter().map(|p| p.changed).sum()
    }
}

/// Why a case differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The display list changed: a layout, the case's record, or how fields are filled.
    DisplayList,
    /// The display list is the same (apart from ignored elements), so the PDF
    /// writer or the fonts changed.
    Renderer {
        /// The renderer recorded in `golden/VERSION`, if any.
        recorded: Option<RendererVersion>,
        /// This build's renderer.
        current: RendererVersion,
    },
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Cause::DisplayList => write!(f, "the display list changed"),
            Cause::Renderer { recorded: Some(recorded), current } if recorded != current => write!(
                f,
                "the display list is the same: the renderer changed (golden/VERSION: {recorded}; this build: {current})"
            ),
            Cause::Renderer { recorded: Some(_), .. } => {
                write!(f, "the display list is the same: only the PDF bytes changed (the renderer hash matches golden/VERSION)")
            }
            Cause::Renderer { recorded: None, .. } => {
                write!(f, "the display list is the same: the renderer changed (golden/VERSION is missing)")
            }
        }
    }
}

impl Case {
    /// Reads a case file; `root` is the cases folder its name is relative to.
    pub fn load(path: &Path, root: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: failed to read case ({e})", path.display()))?;
        let raw: RawCase = toml::from_str(&text).map_err(|e| {
            let (line, column) = crate::diag::toml_position(&text, e.span());
            format!("{}:{line}:{column}: {}", path.display(), e.message().trim())
        })?;
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let record = serde_json::to_value(&raw.record)
            .map_err(|e| format!("{}: failed to read record ({e})", path.display()))?;
        Ok(Case {
            name,
            layout: raw.layout,
            issuer: raw.issuer,
            cycle: raw.cycle,
            ignore: raw.ignore,
            record,
        })
    }

    /// Renders the case with the bundled layouts: record → eligibility → layout → PDF.
    pub fn render(&self) -> Result<Rendered, String> {
        self.render_with(&Catalog::bundled())
    }

    /// Renders the case with the layouts of a catalog (a folder in front of the bundled ones).
    pub fn render_with(&self, layouts: &Catalog) -> Result<Rendered, String> {
        let origin = Origin {
            file: format!("{}.toml", self.name),
            line: 1,
            index: 1,
        };
        let record = Record::from_json_value(&self.record, origin)
            .map_err(|e| format!("{}: {e}", self.name))?;
        let issuer = Issuer::from_path(&self.issuer).map_err(|e| e.to_string())?;
        let options = eligibility::Options {
            cycle: self.cycle,
            check: Check::Strict,
        };
        let evaluated =
            eligibility::evaluate(&record, &issuer.rules, &options).map_err(|errors| {
                let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                format!("{}: {}", self.name, list.join("; "))
            })?;
        let layout = layouts.load(&self.layout).map_err(|e| e.to_string())?;
        self.check_ignored(&layout)?;
        let title = layout.title().to_string();
        let form = Form::new(Arc::new(layout), Arc::new(issuer)).map_err(|e| e.to_string())?;
        let document = form
            .fill(&record, &evaluated.eligibility)
            .map_err(|e| format!("{}: {e}", self.name))?;
        let pdf = pdf(
            &document,
            &PdfOptions {
                title: Some(title),
                ..PdfOptions::default()
            },
        );
        let list = dump(&document);
        Ok(Rendered {
            document,
            pdf,
            list,
        })
    }

    /// Refuses an `ignore` entry that names no element of the layout: a typo there
    /// would mask nothing, silently.
    fn check_ignored(&self, layout: &Layout) -> Result<(), String> {
        let ids: Vec<&str> = layout
            .pages()
            .iter()
            .flat_map(|p| p.elements())
            .map(|e| &**e.id())
            .collect();
        for id in &self.ignore {
            if !ids.contains(&id.as_str()) {
                let hint = match crate::layout::closest(id, ids.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "ignore takes the ids of the layout's elements (its `id = \"…\"` keys)"
                        .to_string(),
                };
                return Err(format!("{}.toml: `ignore` names `{id}`, which is no element of layout {}\n  hint: {hint}", self.name, layout.name()));
            }
        }
        Ok(())
    }
}

/// Every case file below `root`, in name order.
pub fn cases(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("failed to read {} ({e})", dir.display()))?;
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
    (
        golden.join(format!("{}.pdf", case.name)),
        golden.join(format!("{}.list.txt", case.name)),
    )
}

/// Compares a rendered case with its golden files, or writes them when `update`.
///
/// Equal PDF bytes are [`Outcome::Same`]. Otherwise the display-list dumps are
/// compared element by element and both PDFs are rasterized and compared pixel by
/// pixel, the boxes of the case's ignored elements masked. A case that ignores
/// elements passes ([`Outcome::Ignored`]) when nothing else changed in either;
/// a case that ignores nothing fails on any byte difference, since a PDF that
/// looks the same can still extract or print differently.
///
/// With `update`, differing or missing golden files are written, along with
/// `golden/VERSION`, and nothing is rasterized.
pub fn check(
    case: &Case,
    rendered: &Rendered,
    golden: &Path,
    update: bool,
) -> Result<Outcome, String> {
    let (pdf_path, list_path) = golden_paths(golden, case);
    let old_pdf = std::fs::read(&pdf_path).ok();
    if old_pdf.as_deref() == Some(&rendered.pdf[..]) {
        return Ok(Outcome::Same);
    }
    let old_list = std::fs::read_to_string(&list_path).ok();
    if update {
        if let Some(parent) = pdf_path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("failed to create {} ({e})", parent.display()))?;
        }
        std::fs::write(&pdf_path, &rendered.pdf)
            .map_err(|e| format!("failed to write {} ({e})", pdf_path.display()))?;
        std::fs::write(&list_path, &rendered.list)
            .map_err(|e| format!("failed to write {} ({e})", list_path.display()))?;
        RendererVersion::current().write(golden)?;
        return Ok(Outcome::Updated(
            old_list.map(|old| diff::diff(&old, &rendered.list)),
        ));
    }
    let Some(old_pdf) = old_pdf else {
        return Ok(Outcome::Missing);
    };
    let old_list = old_list.unwrap_or_default();
    let mut list = diff::diff(&old_list, &rendered.list);
    list.ignore(&case.ignore);
    let pages = compare_pages(
        &old_pdf,
        &rendered.pdf,
        &old_list,
        &rendered.list,
        &case.ignore,
    )?;
    let unchanged_pixels = pages.iter().all(|p| p.changed == 0);
    if !case.ignore.is_empty() && list.only_ignored() && unchanged_pixels {
        return Ok(Outcome::Ignored(list.elements));
    }
    let cause = if list.only_ignored() {
        Cause::Renderer {
            recorded: RendererVersion::read(golden),
            current: RendererVersion::current(),
        }
    } else {
        Cause::DisplayList
    };
    let lines = line_diff(&old_list, &rendered.list);
    Ok(Outcome::Differs(Box::new(Difference {
        list,
        lines,
        pages,
        cause,
    })))
}

/// Rasterizes both PDFs and compares them page by page, masking the boxes the
/// ignored elements have in either dump.
fn compare_pages(
    old_pdf: &[u8],
    new_pdf: &[u8],
    old_list: &str,
    new_list: &str,
    ignore: &[String],
) -> Result<Vec<PageDiff>, String> {
    let mut old_pages = raster::rasterize(old_pdf, COMPARE_DPI)?.into_iter();
    let mut new_pages = raster::rasterize(new_pdf, COMPARE_DPI)?.into_iter();
    let mut pages = Vec::new();
    for page in 1.. {
        let (old, new) = (old_pages.next(), new_pages.next());
        if old.is_none() && new.is_none() {
            break;
        }
        let masks: Vec<PixelRect> = diff::boxes(old_list, page, ignore)
            .into_iter()
            .chain(diff::boxes(new_list, page, ignore))
            .map(|b| PixelRect::from_mm(b, COMPARE_DPI))
            .collect();
        pages.push(raster::compare(page, old, new, &masks));
    }
    Ok(pages)
}

/// The lines only in `old` (prefixed `-`) and only in `new` (prefixed `+`).
fn line_diff(old: &str, new: &str) -> Vec<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut out: Vec<String> = old_lines
        .iter()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("-{l}"))
        .collect();
    out.extend(
        new_lines
            .iter()
            .filter(|l| !old_lines.contains(l))
            .map(|l| format!("+{l}")),
    );
    out
}
