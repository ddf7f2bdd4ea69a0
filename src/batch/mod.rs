//! Batch rendering: records in, one PDF per layout, an error report and a summary out.
//!
//! Every input record ends up either on a page or in the error report
//! (`errors.jsonl`) with its record number, field and reason, and the counts
//! add up. Files are written under a temporary name and renamed when complete,
//! so an interrupted run never leaves a half-written PDF that looks finished.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::eligibility::{self, Document};
use crate::fill::Form;
use crate::issuer::Issuer;
use crate::layout::{Layout, LayoutError};
use crate::record::{self, ErrorReportEntry, Origin, Record, Scheme};
use crate::impose::{ImposeError, Imposer, Sheet, SheetKind};
use crate::render::pdf::{encode_page, PdfOptions, PdfWriter};

/// What to render and where.
pub struct BatchOptions {
    /// The records file.
    pub input: PathBuf,
    /// How to read it.
    pub read: record::ReadOptions,
    /// The output folder (created if missing).
    pub out: PathBuf,
    /// Issuer profiles; each record uses the one with its `insurer_number`.
    pub issuers: Vec<Arc<Issuer>>,
    /// A layout forced on every record, instead of choosing by scheme and document.
    pub layout: Option<Arc<Layout>>,
    /// The eligibility options (cycle, check mode).
    pub eligibility: eligibility::Options,
    /// The sheet cards are imposed on (`--impose`); [`Sheet::one_per_page`] prints each card alone.
    /// お知らせ pages are never imposed.
    pub sheet: Sheet,
    /// Write PDF/A-2b files (`--pdfa`).
    pub pdfa: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Records read from the input (valid or not).
    pub read: u64,
    /// Records rendered.
    pub rendered: u64,
    /// Records listed in the error report.
    pub rejected: u64,
    /// Warnings (contradictions accepted under `--check warn`).
    pub warnings: u64,
    /// The PDF files written.
    pub files: Vec<FileSummary>,
}

/// One PDF file of a run.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    /// The file's path.
    pub path: PathBuf,
    /// The layout it holds.
    pub layout: String,
    /// Records in it.
    pub records: u64,
    /// Pages in it.
    pub pages: u64,
}

/// Occurs when a run cannot start or cannot write its output.
#[derive(Debug)]
pub enum BatchError {
    /// Occurs when the input cannot be opened.
    Input(String),
    /// Occurs when a bundled layout cannot be loaded.
    Layout(LayoutError),
    /// Occurs when a layout cannot be prepared for an issuer (its static text does not fit, say).
    Form(crate::fill::FillError),
    /// Occurs when an output file cannot be written.
    Output(PathBuf, std::io::Error),
    /// Occurs when cards do not fit the sheet they are imposed on.
    Impose(ImposeError),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            BatchError::Input(e) => f.write_str(e),
            BatchError::Layout(e) => e.fmt(f),
            BatchError::Form(e) => write!(f, "failed to prepare the layout ({e})"),
            BatchError::Output(p, e) => write!(f, "failed to write {} ({e})", p.display()),
            BatchError::Impose(e) => write!(f, "{e}\n  hint: use a sheet whose card size is the layout's page size"),
        }
    }
}

impl std::error::Error for BatchError {}

/// Renders every record of the input.
pub fn run(options: &BatchOptions) -> Result<Summary, BatchError> {
    let records = record::read(&options.input, &options.read).map_err(|e| BatchError::Input(e.to_string()))?;
    std::fs::create_dir_all(&options.out).map_err(|e| BatchError::Output(options.out.clone(), e))?;
    let mut run = Run {
        options,
        forms: BTreeMap::new(),
        writers: BTreeMap::new(),
        imposers: BTreeMap::new(),
        summary: Summary::default(),
        rejections: Vec::new(),
    };
    for item in records {
        run.summary.read += 1;
        match item {
            Ok((origin, record)) => run.record(&origin, &record)?,
            Err(e) => run.reject(e.report_entry()),
        }
    }
    run.finish()
}

struct Run<'a> {
    options: &'a BatchOptions,
    /// Forms by (layout name, insurer number).
    forms: BTreeMap<(String, String), Arc<Form>>,
    /// One writer per layout, with its record count.
    writers: BTreeMap<String, (PdfWriter, u64)>,
    /// Cards waiting for their sheet to fill, by layout name.
    imposers: BTreeMap<String, Imposer>,
    summary: Summary,
    rejections: Vec<ErrorReportEntry>,
}

impl Run<'_> {
    fn reject(&mut self, rejection: ErrorReportEntry) {
        self.summary.rejected += 1;
        self.rejections.push(rejection);
    }

    fn record(&mut self, origin: &Origin, record: &Record) -> Result<(), BatchError> {
        let rejection = |field: Option<&str>, reason: String, hint: Option<String>| ErrorReportEntry {
            file: origin.file.clone(),
            line: origin.line,
            column: None,
            record: origin.index,
            record_id: Some(record.record_id.clone()),
            field: field.map(str::to_string),
            reason,
            hint,
            value: None,
        };
        let evaluated = match eligibility::evaluate(record, &self.issuer_rules(record), &self.options.eligibility) {
            Ok(e) => e,
            Err(contradictions) => {
                let first = &contradictions[0];
                let reason = contradictions.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; ");
                self.reject(rejection(Some(first.field), reason, Some("correct the record, or run with --check warn to print the rules' values".into())));
                return Ok(());
            }
        };
        self.summary.warnings += evaluated.warnings.len() as u64;
        let elig = evaluated.eligibility;
        let Some(issuer) = self.options.issuers.iter().find(|i| i.insurer_number == record.insurer_number).cloned() else {
            self.reject(rejection(
                Some("insurer_number"),
                "no issuer profile has this insurer number".into(),
                Some("pass the insurer's profile with --issuer".into()),
            ));
            return Ok(());
        };
        let form = self.form(elig.scheme, elig.document, &issuer)?;
        let imposed = form.layout().document() == Document::Kakuninsho && self.options.sheet.kind() != SheetKind::Card;
        // A carrier sheet (台紙) is its own layout, filled for the same record: address, barcode, cover.
        let carrier = if imposed && self.options.sheet.kind() == SheetKind::Carrier {
            let carrier_form = self.form_named(format!("{}-daishi", elig.scheme.as_str()), &issuer)?;
            Some(carrier_form.fill(record, &elig))
        } else {
            None
        };
        match (form.fill(record, &elig), carrier.transpose()) {
            (Ok(document), Ok(carrier)) => {
                let name = form.layout().name().to_string();
                let title = form.layout().title().to_string();
                let pdfa = self.options.pdfa;
                let (writer, count) =
                    self.writers.entry(name.clone()).or_insert_with(|| (PdfWriter::new(PdfOptions { title: Some(title), pdfa }), 0));
                if imposed {
                    let imposer = self.imposers.entry(name).or_insert_with(|| Imposer::new(&self.options.sheet));
                    for page in imposer.push(document, carrier).map_err(BatchError::Impose)? {
                        writer.push(&encode_page(&page));
                    }
                } else {
                    writer.add(&document);
                }
                *count += 1;
                self.summary.rendered += 1;
            }
            (Err(e), _) | (_, Err(e)) => {
                let hint = e.hint();
                let field = e.field.map(|f| f.name());
                self.reject(rejection(field, e.to_string(), hint));
            }
        }
        Ok(())
    }

    fn issuer_rules(&self, record: &Record) -> eligibility::Rules {
        self.options
            .issuers
            .iter()
            .find(|i| i.insurer_number == record.insurer_number)
            .map_or_else(eligibility::Rules::default, |i| i.rules.clone())
    }

    fn form(&mut self, scheme: Scheme, document: Document, issuer: &Arc<Issuer>) -> Result<Arc<Form>, BatchError> {
        match &self.options.layout {
            Some(forced) => self.form_of(forced.name().to_string(), Some(forced.clone()), issuer),
            None => self.form_named(format!("{}-{}", scheme.as_str(), document.as_str()), issuer),
        }
    }

    /// The form of a bundled layout (or a layout file) by name.
    fn form_named(&mut self, name: String, issuer: &Arc<Issuer>) -> Result<Arc<Form>, BatchError> {
        self.form_of(name, None, issuer)
    }

    fn form_of(&mut self, name: String, forced: Option<Arc<Layout>>, issuer: &Arc<Issuer>) -> Result<Arc<Form>, BatchError> {
        let key = (name, issuer.insurer_number.clone());
        if let Some(form) = self.forms.get(&key) {
            return Ok(form.clone());
        }
        let layout = match forced {
            Some(l) => l,
            None => Arc::new(Layout::load(&key.0).map_err(BatchError::Layout)?),
        };
        let form = Arc::new(Form::new(layout, issuer.clone()).map_err(BatchError::Form)?);
        self.forms.insert(key, form.clone());
        Ok(form)
    }

    fn finish(mut self) -> Result<Summary, BatchError> {
        let out = &self.options.out;
        for (name, imposer) in std::mem::take(&mut self.imposers) {
            let (writer, _) = self.writers.get_mut(&name).expect("an imposed layout has a writer");
            for page in imposer.finish() {
                writer.push(&encode_page(&page));
            }
        }
        for (name, (writer, records)) in std::mem::take(&mut self.writers) {
            let pages = writer.page_count() as u64;
            let path = out.join(format!("{name}.pdf"));
            write_atomic(&path, &writer.finish())?;
            self.summary.files.push(FileSummary { path, layout: name, records, pages });
        }
        let mut report = Vec::new();
        for r in &self.rejections {
            serde_json::to_writer(&mut report, r).expect("rejections serialize");
            report.push(b'\n');
        }
        write_atomic(&out.join("errors.jsonl"), &report)?;
        let summary = serde_json::to_vec_pretty(&self.summary).expect("summary serializes");
        write_atomic(&out.join("summary.json"), &summary)?;
        Ok(self.summary)
    }
}

/// Writes a file under a temporary name in the same folder, then renames it,
/// so readers see either the old file or the complete new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    let error = |e| BatchError::Output(path.to_path_buf(), e);
    let mut file = std::fs::File::create(&tmp).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.sync_all().map_err(error)?;
    std::fs::rename(&tmp, path).map_err(error)
}
