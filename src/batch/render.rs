//! The two phases of a run: render records into a spill file, then assemble print files.

#[path = "cover.rs"]
mod cover;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::mailing::{self, Letter, MailClass};
use super::manifest::Row;
use super::state::{self, DoneLog};
use super::{error_report, write_atomic, BatchError, BatchOptions, FileSummary, Progress, Summary};
use crate::display::Point;
use crate::display::{Layer, Raster};
use crate::eligibility::{self, Document};
use crate::fill::{fnv1a, Cover, Form};
use crate::impose::{self, Imposer, SheetKind};
use crate::issuer::Issuer;
use crate::layout::{Layout, LayoutKind};
use crate::record::{self, ErrorReportEntry, Origin, Record, RecordError};
use crate::render::pdf::{encode_page, EncodedPage, PdfOptions, PdfWriter};

/// What the render phase leaves for assembling.
pub(super) struct Rendered {
    spill: Spill,
    entries: Vec<Entry>,
    forms: Forms,
    rejections: Vec<(u64, ErrorReportEntry)>,
    read: u64,
    other_shards: u64,
    warnings: u64,
    fingerprint: u64,
}

/// One rendered record: what ordering needs, and where its pages are in the spill.
#[derive(Clone, Copy)]
struct Entry {
    index: u64,
    household: u64,
    postal: u32,
    document: Document,
    /// The mail class the issuer's profile gives the document.
    class: MailClass,
    /// Index into `Forms::layouts`.
    layout: u16,
    /// Index into the run's issuer profiles.
    issuer: u16,
    /// The layout (index into `Forms::layouts`) of the envelope's cover letter, when the
    /// issuer sends one.
    cover: Option<u16>,
    pages: u16,
    offset: u64,
    len: u32,
}

/// The forms of a run, made before the first record so that a layout that cannot
/// serve an issuer stops the run at once; and the shared layers and images they draw.
struct Forms {
    by_key: BTreeMap<(String, String), Arc<Form>>,
    /// The layout each issuer prints each kind with: (insurer number, kind) → layout name.
    chosen: BTreeMap<(String, LayoutKind), String>,
    layouts: Vec<String>,
    /// The insurer number of each issuer profile, by its index in the run's options.
    insurers: Vec<String>,
    layers: BTreeMap<String, Arc<Layer>>,
    images: BTreeMap<u64, Arc<Raster>>,
}

impl Forms {
    fn new(options: &BatchOptions) -> Result<Forms, BatchError> {
        let mut forms = Forms {
            by_key: BTreeMap::new(),
            chosen: BTreeMap::new(),
            layouts: Vec::new(),
            insurers: options
                .issuers
                .iter()
                .map(|i| i.insurer_number.clone())
                .collect(),
            layers: BTreeMap::new(),
            images: BTreeMap::new(),
        };
        for issuer in &options.issuers {
            let layouts: Vec<(LayoutKind, Arc<Layout>)> = match &options.layout {
                Some(layout) => vec![(layout.kind(), layout.clone())],
                None => LayoutKind::ALL
                    .into_iter()
                    .filter(|&k| k != LayoutKind::Soufujo || issuer.mail.cover_letter)
                    .map(|kind| Ok((kind, Arc::new(issuer.load_layout(kind)?))))
                    .collect::<Result<_, _>>()
                    .map_err(BatchError::Issuer)?,
            };
            for (kind, layout) in layouts {
                if options.sheet.kind() != SheetKind::Card && kind == LayoutKind::Kakuninsho {
                    impose::check_size("card", layout.size(), options.sheet.card())
                        .map_err(BatchError::Impose)?;
                }
                let form = Form::new(layout, issuer.clone()).map_err(BatchError::Form)?;
                forms
                    .layers
                    .extend(form.backgrounds().map(|l| (l.key.clone(), l.clone())));
                forms
                    .images
                    .extend(form.images().map(|i| (i.key, i.clone())));
                let name = form.layout().name().to_string();
                forms
                    .chosen
                    .insert((issuer.insurer_number.clone(), kind), name.clone());
                forms
                    .by_key
                    .insert((name, issuer.insurer_number.clone()), Arc::new(form));
            }
        }
        for back in [false, true] {
            let marks = impose::marks_layer(&options.sheet, back);
            forms.layers.insert(marks.key.clone(), marks);
        }
        forms.layouts = forms
            .by_key
            .keys()
            .map(|(l, _)| l.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(forms)
    }

    /// The form an issuer prints `kind` with (a forced `--layout` serves its own kind only).
    fn of_kind(&self, kind: LayoutKind, issuer: &Issuer) -> Option<&Arc<Form>> {
        let name = self.chosen.get(&(issuer.insurer_number.clone(), kind))?;
        self.by_key
            .get(&(name.clone(), issuer.insurer_number.clone()))
    }

    /// The cover letter form of an entry's envelope.
    fn cover_form(&self, entry: &Entry) -> Option<&Arc<Form>> {
        let layout = self.layouts.get(usize::from(entry.cover?))?;
        let insurer = self.insurers.get(usize::from(entry.issuer))?;
        self.by_key.get(&(layout.clone(), insurer.clone()))
    }

    /// How many members a page of the entry's cover letter lists.
    fn cover_rows(&self, entry: &Entry) -> Option<usize> {
        self.cover_form(entry).map(|f| f.cover_rows())
    }

    fn layout_index(&self, name: &str) -> u16 {
        self.layouts
            .iter()
            .position(|l| l == name)
            .expect("every form's layout is listed") as u16
    }
}

/// Where rendered pages wait between the phases: a file in the output folder,
/// removed when the run ends.
struct Spill {
    file: File,
    path: PathBuf,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Counts and hashes the input as it is read: the count drives the progress bar,
/// the hash goes into the run's fingerprint.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
    /// FNV-1a of the bytes so far; only the reading thread updates it.
    hash: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        let hash = buf[..n]
            .iter()
            .fold(self.hash.load(Ordering::Relaxed), |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        self.hash.store(hash, Ordering::Relaxed);
        Ok(n)
    }
}

/// What a worker made of one record.
enum Outcome {
    Rendered {
        entry: Entry,
        bytes: Vec<u8>,
        warnings: u64,
    },
    Rejected(u64, Box<ErrorReportEntry>),
    OtherShard,
}

/// Phase one: reads, evaluates, fills and encodes every record.
pub(super) fn render(
    options: &BatchOptions,
    progress: &dyn Progress,
) -> Result<Rendered, BatchError> {
    let forms = Forms::new(options)?;
    let file =
        File::open(&options.input).map_err(|e| BatchError::Output(options.input.clone(), e))?;
    let total_bytes = file.metadata().map_or(0, |m| m.len());
    let bytes_read = Arc::new(AtomicU64::new(0));
    let input_hash = Arc::new(AtomicU64::new(0xcbf2_9ce4_8422_2325));
    let counting = Counting {
        inner: file,
        bytes: bytes_read.clone(),
        hash: input_hash.clone(),
    };
    let mut records =
        record::read_from(counting, &options.input, &options.read).map_err(BatchError::Input)?;
    let spill_path = options
        .out
        .join(format!(".shikaku-spill-{}", std::process::id()));
    let spill_file = File::options()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&spill_path)
        .map_err(|e| BatchError::Output(spill_path.clone(), e))?;
    let spill = Spill {
        file: spill_file,
        path: spill_path,
    };
    let mut rendered = Rendered {
        spill,
        entries: Vec::new(),
        forms,
        rejections: Vec::new(),
        read: 0,
        other_shards: 0,
        warnings: 0,
        fingerprint: 0,
    };
    let jobs = options.jobs.max(1);
    let (record_tx, record_rx) =
        crossbeam_channel::bounded::<(u64, Result<(Origin, Record), RecordError>)>(jobs * 8);
    let (outcome_tx, outcome_rx) = crossbeam_channel::bounded::<Outcome>(jobs * 8);
    let mut writer = BufWriter::with_capacity(
        1 << 20,
        rendered
            .spill
            .file
            .try_clone()
            .map_err(|e| BatchError::Output(rendered.spill.path.clone(), e))?,
    );
    let forms = &rendered.forms;
    let result: Result<(), BatchError> = std::thread::scope(|scope| {
        scope.spawn(|| {
            for (i, item) in records.by_ref().enumerate() {
                if record_tx.send((i as u64 + 1, item)).is_err() {
                    break;
                }
            }
            drop(record_tx);
        });
        for _ in 0..jobs {
            let (rx, tx) = (record_rx.clone(), outcome_tx.clone());
            scope.spawn(move || {
                for (index, item) in rx {
                    if tx.send(process(options, forms, index, item)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(outcome_tx);
        let mut offset = 0u64;
        for outcome in outcome_rx {
            rendered.read += 1;
            match outcome {
                Outcome::Rendered {
                    mut entry,
                    bytes,
                    warnings,
                } => {
                    writer
                        .write_all(&bytes)
                        .map_err(|e| BatchError::Output(rendered.spill.path.clone(), e))?;
                    entry.offset = offset;
                    entry.len = bytes.len() as u32;
                    offset += bytes.len() as u64;
                    rendered.warnings += warnings;
                    rendered.entries.push(entry);
                }
                Outcome::Rejected(index, entry) => rendered.rejections.push((index, *entry)),
                Outcome::OtherShard => rendered.other_shards += 1,
            }
            if rendered.read % 512 == 0 {
                progress.rendering(
                    rendered.read,
                    bytes_read.load(Ordering::Relaxed),
                    total_bytes,
                );
            }
        }
        Ok(())
    });
    result?;
    writer
        .flush()
        .map_err(|e| BatchError::Output(rendered.spill.path.clone(), e))?;
    drop(writer);
    progress.rendering(rendered.read, total_bytes, total_bytes);
    rendered.entries.sort_unstable_by_key(|e| e.index);
    rendered.rejections.sort_unstable_by_key(|(i, _)| *i);
    rendered.fingerprint = fingerprint(options, input_hash.load(Ordering::Relaxed));
    Ok(rendered)
}

/// The run's identity for `--resume`: the input's bytes, the profiles, the
/// layout and every option that changes what is written.
fn fingerprint(options: &BatchOptions, input_hash: u64) -> u64 {
    let text = format!(
        "{input_hash:x}|{:?}|{:?}|{:?}|{}|{:?}|{:?}",
        options.issuers,
        options.layout,
        options.eligibility,
        options.per_file,
        options.shard,
        options.read
    );
    fnv1a(text.as_bytes())
}

/// Evaluates, fills and encodes one record (on a worker thread).
fn process(
    options: &BatchOptions,
    forms: &Forms,
    index: u64,
    item: Result<(Origin, Record), RecordError>,
) -> Outcome {
    let (origin, record) = match item {
        Ok(ok) => ok,
        Err(e) => {
            // An unreadable record has no household: its shard is chosen by position.
            if options.shard.is_some_and(|s| !s.owns(index - 1)) {
                return Outcome::OtherShard;
            }
            return Outcome::Rejected(index, Box::new(e.report_entry()));
        }
    };
    let household_key = mailing::household_key(&record);
    let household = mailing::household_hash(&household_key);
    if options.shard.is_some_and(|s| !s.owns(household)) {
        return Outcome::OtherShard;
    }
    let reject = |field: Option<&str>, reason: String, hint: Option<String>| {
        Outcome::Rejected(
            index,
            Box::new(ErrorReportEntry {
                file: origin.file.clone(),
                line: origin.line,
                column: None,
                record: origin.index,
                record_id: Some(record.record_id.clone()),
                field: field.map(str::to_string),
                reason,
                value: None,
                hint,
            }),
        )
    };
    let Some(issuer_index) = options
        .issuers
        .iter()
        .position(|i| i.insurer_number == record.insurer_number)
    else {
        return reject(
            Some("insurer_number"),
            "no issuer profile has this insurer number".into(),
            Some("pass the insurer's profile with --issuer".into()),
        );
    };
    let issuer = &options.issuers[issuer_index];
    let evaluated = match eligibility::evaluate(&record, &issuer.rules, &options.eligibility) {
        Ok(e) => e,
        Err(contradictions) => {
            let reason = contradictions
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            let hint = "correct the record, or run with --check warn to print the rules' values";
            return reject(Some(contradictions[0].field), reason, Some(hint.into()));
        }
    };
    let elig = &evaluated.eligibility;
    let form = match &options.layout {
        Some(l) => forms.of_kind(l.kind(), issuer),
        None => forms
            .of_kind(LayoutKind::of(elig.document), issuer)
            .filter(|f| f.layout().scheme() == elig.scheme),
    };
    let Some(form) = form else {
        return reject(
            Some("scheme"),
            format!(
                "the issuer profile cannot print a {} {}",
                elig.scheme.as_str(),
                elig.document.as_str()
            ),
            Some("check the record's scheme and insurer_number".into()),
        );
    };
    let layout_name = form.layout().name().to_string();
    let mut document = match form.fill(&record, elig) {
        Ok(d) => d,
        Err(e) => return reject(e.field.map(|f| f.name()), e.to_string(), e.hint()),
    };
    if options.sheet.kind() == SheetKind::Carrier && elig.document == Document::Kakuninsho {
        // A carrier sheet (台紙) is a layout of its own, filled for the same record
        // (address, barcode, cover message), with the card at its die-cut slot.
        let Some(carrier_form) = forms.of_kind(LayoutKind::Daishi, issuer) else {
            return reject(
                Some("scheme"),
                "no carrier layout for this scheme".into(),
                None,
            );
        };
        let carrier = match carrier_form.fill(&record, elig) {
            Ok(c) => c,
            Err(e) => return reject(e.field.map(|f| f.name()), e.to_string(), e.hint()),
        };
        let mut imposer = Imposer::new(&options.sheet);
        match imposer.push(document, Some(carrier)) {
            Ok(mut pages) => {
                pages.extend(imposer.finish());
                document = crate::display::Document { pages };
            }
            Err(e) => {
                return reject(
                    None,
                    e.to_string(),
                    Some("use a carrier sheet whose slot is the card's size".into()),
                )
            }
        }
    }
    // The envelope's cover letter prints this record's address block and its line in the list:
    // drawn alone now, so that a record whose envelope cannot be addressed is rejected here, with
    // its field, rather than its whole envelope later.
    let cover = match forms.of_kind(LayoutKind::Soufujo, issuer) {
        Some(form) => {
            if let Err(e) = form.fill(&record, elig) {
                return reject(e.field.map(|f| f.name()), e.to_string(), e.hint());
            }
            let cover = Cover::of(&record, elig);
            Some((cover, forms.layout_index(form.layout().name())))
        }
        None => None,
    };
    let mut bytes = Vec::with_capacity(1024);
    put_str(&mut bytes, &household_key);
    put_str(&mut bytes, &record.record_id);
    cover::put(&mut bytes, cover.as_ref().map(|(c, _)| c));
    for page in &document.pages {
        encode_page(page).to_bytes(&mut bytes);
    }
    let entry = Entry {
        index,
        household,
        postal: mailing::postal_number(&record),
        document: elig.document,
        class: issuer.mail.of(elig.document),
        layout: forms.layout_index(&layout_name),
        issuer: issuer_index as u16,
        cover: cover.map(|(_, layout)| layout),
        pages: document.pages.len() as u16,
        offset: 0,
        len: 0,
    };
    Outcome::Rendered {
        entry,
        bytes,
        warnings: evaluated.warnings.len() as u64,
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn take_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let n = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let s = std::str::from_utf8(bytes.get(4..4 + n)?).ok()?;
    Some((s, &bytes[4 + n..]))
}

/// One print file to write: its name and its records, in mailing order, each with its
/// envelope's number.
struct PlannedFile {
    name: String,
    layout: String,
    class: MailClass,
    entries: Vec<(Entry, u64)>,
    /// The file holds the cover letters of its entries' envelopes, one for each envelope.
    covers: bool,
}

/// Phase two: orders the rendered records for the post and writes the files.
pub(super) fn assemble(
    options: &BatchOptions,
    rendered: Rendered,
    progress: &dyn Progress,
) -> Result<super::Summary, BatchError> {
    let plan = {
        let letters: Vec<Letter> = rendered
            .entries
            .iter()
            .map(|e| Letter {
                index: e.index,
                household: e.household,
                postal: e.postal,
                class: e.class,
            })
            .collect();
        mailing::plan(&letters)
    };
    let files = plan_files(options, &rendered, &plan);
    let done = state::begin(options, rendered.fingerprint)?;
    let log = Mutex::new(DoneLog::open(&options.out)?);
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                if failure.lock().expect("not poisoned").is_some() {
                    break;
                }
                if !done.contains(&file.name) {
                    let result = write_file(options, &rendered, file)
                        .and_then(|()| log.lock().expect("not poisoned").add(&file.name));
                    if let Err(e) = result {
                        *failure.lock().expect("not poisoned") = Some(e);
                        break;
                    }
                }
                progress.writing(written.fetch_add(1, Ordering::Relaxed) + 1, files.len());
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("not poisoned") {
        return Err(e);
    }
    let summary = Summary {
        read: rendered.read,
        rendered: rendered.entries.len() as u64,
        rejected: rendered.rejections.len() as u64,
        other_shards: rendered.other_shards,
        warnings: rendered.warnings,
        pages: files
            .iter()
            .map(|f| file_pages(options, &rendered, f))
            .sum(),
        files: files
            .iter()
            .map(|f| FileSummary {
                file: f.name.clone(),
                layout: f.layout.clone(),
                mail_class: f.class.as_str().into(),
                documents: file_documents(f),
                pages: file_pages(options, &rendered, f),
            })
            .collect(),
        cover_letters: files.iter().filter(|f| f.covers).map(file_documents).sum(),
        resumed_files: done.len(),
    };
    let out = &options.out;
    write_manifest(options, &rendered, &plan, &files)?;
    let rejections: Vec<ErrorReportEntry> =
        rendered.rejections.iter().map(|(_, e)| e.clone()).collect();
    write_atomic(&out.join("errors.jsonl"), &error_report(&rejections))?;
    write_atomic(
        &out.join("summary.json"),
        &serde_json::to_vec_pretty(&summary).expect("summary serializes"),
    )?;
    state::finish(out, rendered.fingerprint)?;
    Ok(summary)
}

/// Cuts the mailing order into files: per mail class and layout, `per_file` documents each,
/// the class's cover letters (`per_file` envelopes a file) before its documents.
fn plan_files(
    options: &BatchOptions,
    rendered: &Rendered,
    plan: &mailing::Plan,
) -> Vec<PlannedFile> {
    // (class, documents after covers, layout) → entries with their envelope numbers.
    let mut groups: BTreeMap<(MailClass, bool, u16), Vec<(Entry, u64)>> = BTreeMap::new();
    for &i in &plan.order {
        let entry = rendered.entries[i];
        let (class, envelope) = plan.envelope[i];
        groups
            .entry((class, true, entry.layout))
            .or_default()
            .push((entry, envelope));
        if let Some(cover) = entry.cover {
            groups
                .entry((class, false, cover))
                .or_default()
                .push((entry, envelope));
        }
    }
    let shard = options
        .shard
        .map_or(String::new(), |s| format!("-s{}of{}", s.index, s.count));
    let per_file = options.per_file.max(1);
    let mut files = Vec::new();
    for ((class, documents, layout), entries) in groups {
        let layout = rendered.forms.layouts[usize::from(layout)].clone();
        let chunks: Vec<Vec<(Entry, u64)>> = if documents {
            entries.chunks(per_file).map(<[_]>::to_vec).collect()
        } else {
            // A file of covers holds whole envelopes: `per_file` of them.
            let envelopes: Vec<&[(Entry, u64)]> = entries.chunk_by(|a, b| a.1 == b.1).collect();
            envelopes.chunks(per_file).map(<[_]>::concat).collect()
        };
        for (n, chunk) in chunks.into_iter().enumerate() {
            files.push(PlannedFile {
                name: format!("{}-{layout}{shard}-{:04}.pdf", class.as_str(), n + 1),
                layout: layout.clone(),
                class,
                entries: chunk,
                covers: !documents,
            });
        }
    }
    files
}

/// Reads one record's spilled bytes back.
fn spilled(rendered: &Rendered, entry: &Entry) -> Result<Vec<u8>, BatchError> {
    let mut bytes = vec![0; entry.len as usize];
    rendered
        .spill
        .file
        .read_exact_at(&mut bytes, entry.offset)
        .map_err(|e| BatchError::Output(rendered.spill.path.clone(), e))?;
    Ok(bytes)
}

/// The start of a record's spilled bytes: its household key, record id and cover values,
/// without reading its pages back again (the manifest and the covers need only those).
fn spilled_head(rendered: &Rendered, entry: &Entry) -> Result<Vec<u8>, BatchError> {
    const HEAD: u32 = 1024;
    if entry.len <= HEAD {
        return spilled(rendered, entry);
    }
    let mut bytes = vec![0; HEAD as usize];
    rendered
        .spill
        .file
        .read_exact_at(&mut bytes, entry.offset)
        .map_err(|e| BatchError::Output(rendered.spill.path.clone(), e))?;
    match head(&bytes) {
        Some(_) => Ok(bytes),
        None => spilled(rendered, entry),
    }
}

/// Splits a record's spilled head into household key, record id and cover values.
fn head(bytes: &[u8]) -> Option<(&str, &str, Option<Cover>)> {
    let (household, rest) = take_str(bytes)?;
    let (record_id, rest) = take_str(rest)?;
    let (cover, _) = cover::take(rest)?;
    Some((household, record_id, cover))
}

fn corrupt(rendered: &Rendered) -> BatchError {
    BatchError::Output(
        rendered.spill.path.clone(),
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the spill file is corrupt; please report this as a bug",
        ),
    )
}

fn write_file(
    options: &BatchOptions,
    rendered: &Rendered,
    file: &PlannedFile,
) -> Result<(), BatchError> {
    let forms = &rendered.forms;
    let title = forms
        .by_key
        .iter()
        .find(|((l, _), _)| *l == file.layout)
        .map(|(_, f)| f.layout().title().to_string());
    let mut writer = PdfWriter::new(PdfOptions {
        title,
        pdfa: options.pdfa,
    });
    if file.covers {
        cover::write(rendered, file, &mut writer)?;
    } else if nup(options, rendered, file) {
        let sheet = &options.sheet;
        for group in file.entries.chunks(sheet.slots().len()) {
            let cards = group
                .iter()
                .map(|(entry, _)| pages(rendered, entry))
                .collect::<Result<Vec<_>, _>>()?;
            let sides = cards.iter().map(Vec::len).max().unwrap_or(0);
            for side in 0..sides {
                let back = side % 2 == 1;
                let placed: Vec<(&EncodedPage, Point, bool)> = cards
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, pages)| pages.get(side).map(|page| (page, slot)))
                    .map(|(page, slot)| {
                        let (at, turned) = impose::position(sheet, slot, back);
                        (page, at, turned)
                    })
                    .collect();
                writer.push_sheet(sheet.size(), &impose::marks_layer(sheet, back), &placed);
            }
        }
    } else {
        for (entry, _) in &file.entries {
            for page in pages(rendered, entry)? {
                writer.push(&page);
            }
        }
    }
    write_atomic(&options.out.join(&file.name), &writer.finish())
}

/// The documents of a file: its records', or for a file of cover letters its envelopes'.
fn file_documents(file: &PlannedFile) -> u64 {
    if file.covers {
        cover::envelopes(file).count() as u64
    } else {
        file.entries.len() as u64
    }
}

/// The pages of a file: one sheet side for each group of cards on an n-up sheet.
fn file_pages(options: &BatchOptions, rendered: &Rendered, file: &PlannedFile) -> u64 {
    if file.covers {
        cover::envelopes(file)
            .map(|members| cover::pages(rendered, members))
            .sum()
    } else if nup(options, rendered, file) {
        let groups = file.entries.chunks(options.sheet.slots().len());
        groups
            .map(|g| g.iter().map(|(e, _)| u64::from(e.pages)).max().unwrap_or(0))
            .sum()
    } else {
        file.entries.iter().map(|(e, _)| u64::from(e.pages)).sum()
    }
}

/// Whether a file's cards go several to a sheet.
fn nup(options: &BatchOptions, rendered: &Rendered, file: &PlannedFile) -> bool {
    options.sheet.kind() == SheetKind::NUp
        && !file.covers
        && file.entries.first().is_some_and(|(e, _)| {
            e.document == Document::Kakuninsho
                && rendered.forms.layouts[usize::from(e.layout)] == file.layout
        })
}

/// A record's encoded pages, read back from the spill.
fn pages(rendered: &Rendered, entry: &Entry) -> Result<Vec<EncodedPage>, BatchError> {
    let forms = &rendered.forms;
    let bytes = spilled(rendered, entry)?;
    let (_, rest) = take_str(&bytes).ok_or_else(|| corrupt(rendered))?;
    let (_, rest) = take_str(rest).ok_or_else(|| corrupt(rendered))?;
    let (_, mut rest) = cover::take(rest).ok_or_else(|| corrupt(rendered))?;
    (0..entry.pages)
        .map(|_| {
            EncodedPage::from_bytes(
                &mut rest,
                |k| forms.layers.get(k).cloned(),
                |k| forms.images.get(&k).cloned(),
            )
            .ok_or_else(|| corrupt(rendered))
        })
        .collect()
}

/// Writes the manifest: rendered records in mailing order, then rejected ones in
/// input order. Rows are streamed to the file as they are made (a million-record
/// run would otherwise hold hundreds of megabytes of them), under a temporary
/// name renamed when complete.
fn write_manifest(
    options: &BatchOptions,
    rendered: &Rendered,
    plan: &mailing::Plan,
    files: &[PlannedFile],
) -> Result<(), BatchError> {
    // Each rendered record's file and first page, by its position in `rendered.entries`; and
    // each envelope's cover letter: its file, first page and pages, by envelope number.
    let mut position = vec![(0u32, 0u64); rendered.entries.len()];
    let mut covers: BTreeMap<u64, (u32, u64, u64)> = BTreeMap::new();
    for (f, file) in files.iter().enumerate() {
        let mut page = 1;
        if file.covers {
            for members in cover::envelopes(file) {
                let pages = cover::pages(rendered, members);
                covers.insert(members[0].1, (f as u32, page, pages));
                page += pages;
            }
            continue;
        }
        let per_sheet = if nup(options, rendered, file) {
            options.sheet.slots().len()
        } else {
            1
        };
        for (i, (entry, _)) in file.entries.iter().enumerate() {
            // On an n-up sheet a card's pages are its sheet's: it starts on the sheet's front.
            let first_page = if per_sheet > 1 {
                1 + (i / per_sheet) as u64 * u64::from(entry.pages)
            } else {
                page
            };
            let k = rendered
                .entries
                .binary_search_by_key(&entry.index, |e| e.index)
                .expect("planned entries are rendered ones");
            position[k] = (f as u32, first_page);
            page += u64::from(entry.pages);
        }
    }
    let path = options.out.join("manifest.csv");
    let tmp = options.out.join(".manifest.csv.tmp");
    let error = |e: std::io::Error| BatchError::Output(path.clone(), e);
    let file = File::create(&tmp).map_err(error)?;
    let mut csv = csv::Writer::from_writer(BufWriter::new(file));
    let csv_error = |e: csv::Error| BatchError::Output(path.clone(), e.into());
    let mut last_envelope = None;
    for &i in &plan.order {
        let entry = &rendered.entries[i];
        let (f, first_page) = position[i];
        let file = &files[f as usize];
        let bytes = spilled_head(rendered, entry)?;
        let (household, record_id, _) = head(&bytes).ok_or_else(|| corrupt(rendered))?;
        let envelope = plan.envelope[i].1;
        // An envelope's cover letter comes first in it, so its row comes before its members'.
        if last_envelope != Some(envelope) {
            last_envelope = Some(envelope);
            if let Some(&(c, first_page, page_count)) = covers.get(&envelope) {
                let cover_file = &files[c as usize];
                csv.serialize(Row {
                    record_id: String::new(),
                    input_record: 0,
                    status: "cover".into(),
                    document: "soufujo".into(),
                    layout: cover_file.layout.clone(),
                    file: cover_file.name.clone(),
                    first_page,
                    page_count,
                    household: household.to_string(),
                    mail_class: cover_file.class.as_str().into(),
                    mailing_sequence: envelope,
                    input_records: rendered.read,
                })
                .map_err(csv_error)?;
            }
        }
        csv.serialize(Row {
            record_id: record_id.to_string(),
            input_record: entry.index,
            status: "rendered".into(),
            document: entry.document.as_str().into(),
            layout: file.layout.clone(),
            file: file.name.clone(),
            first_page,
            page_count: u64::from(entry.pages),
            household: household.to_string(),
            mail_class: file.class.as_str().into(),
            mailing_sequence: envelope,
            input_records: rendered.read,
        })
        .map_err(csv_error)?;
    }
    for (index, e) in &rendered.rejections {
        csv.serialize(Row {
            record_id: e.record_id.clone().unwrap_or_default(),
            input_record: *index,
            status: "rejected".into(),
            document: String::new(),
            layout: String::new(),
            file: String::new(),
            first_page: 0,
            page_count: 0,
            household: String::new(),
            mail_class: String::new(),
            mailing_sequence: 0,
            input_records: rendered.read,
        })
        .map_err(csv_error)?;
    }
    let file = csv
        .into_inner()
        .map_err(|e| error(e.into_error()))?
        .into_inner()
        .map_err(|e| error(e.into_error()))?;
    file.sync_all().map_err(error)?;
    std::fs::rename(&tmp, &path).map_err(error)
}
