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
use super::manifest::{spreadsheet_safe, Row};
use super::report::{unlinked, Report};
use super::state::{self, Begun, DoneLog, Settings};
use super::{
    create_private, temporary, write_atomic_with, BatchError, BatchOptions, Budgeted, FileSummary,
    Progress, Summary, UnreadInput, WriteFault,
};
use crate::display::Point;
use crate::display::{Layer, Raster};
use crate::eligibility::{self, Document};
use crate::fill::{fnv1a, Cover, Form};
use crate::impose::{self, Imposer, SheetKind};
use crate::issuer::Issuer;
use crate::layout::{Layout, LayoutError, LayoutKind};
use crate::messages;
use crate::record::{self, ErrorReportEntry, Origin, Record, RecordError};
use crate::render::pdf::{encode_page, EncodedPage, PdfOptions, PdfWriter};

/// What the render phase leaves for assembling.
pub(super) struct Rendered {
    spill: Spill,
    entries: Vec<Entry>,
    forms: Forms,
    report: Report,
    read: u64,
    other_shards: u64,
    warnings: u64,
    input_hash: u64,
    unread: Option<UnreadInput>,
}

impl Rendered {
    /// FNV-1a of the input's bytes (all of them, also past where reading stopped).
    pub(super) fn input_hash(&self) -> u64 {
        self.input_hash
    }
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
pub(super) struct Forms {
    by_key: BTreeMap<(String, String), Arc<Form>>,
    /// The layout each issuer prints each kind with: (insurer number, kind) → layout name.
    chosen: BTreeMap<(String, LayoutKind), String>,
    layouts: Vec<String>,
    /// The insurer number of each issuer profile, by its index in the run's options.
    insurers: Vec<String>,
    layers: BTreeMap<String, Arc<Layer>>,
    images: BTreeMap<u64, Arc<Raster>>,
}

/// The layouts an issuer prints with, by kind: the profile's choice (or its scheme's standard
/// layout) from the catalog, with a `--layout` of the profile's scheme in place of the one of
/// its kind; records of other schemes and kinds keep theirs.
fn issuer_layouts(
    options: &BatchOptions,
    issuer: &Issuer,
) -> Result<Vec<(LayoutKind, Arc<Layout>)>, BatchError> {
    LayoutKind::ALL
        .into_iter()
        .filter(|&k| k != LayoutKind::Soufujo || issuer.mail.cover_letter)
        .map(|kind| match &options.layout {
            Some(l) if l.kind() == kind && l.scheme() == issuer.scheme() => Ok((kind, l.clone())),
            _ => issuer
                .load_layout(kind, &options.layouts)
                .map(|l| (kind, Arc::new(l)))
                .map_err(|e| BatchError::Issuer(Box::new(e))),
        })
        .collect()
}

impl Forms {
    /// Prepares every layout the run may use for every issuer.
    pub(super) fn new(options: &BatchOptions) -> Result<Forms, BatchError> {
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
            for (kind, layout) in issuer_layouts(options, issuer)? {
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
        if let Some(forced) = &options.layout {
            if !options
                .issuers
                .iter()
                .any(|i| i.scheme() == forced.scheme())
            {
                return Err(BatchError::Layout(Box::new(LayoutError {
                    file: forced.name().into(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "the layout prints {} documents, and no issuer profile given is {}",
                        forced.scheme().as_str(),
                        forced.scheme().as_str()
                    ),
                    hint: Some("pass that scheme's issuer profile with --issuer".into()),
                })));
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

    /// The form an issuer prints `kind` with.
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

/// Where rendered pages wait between the phases: a file in the output folder, unlinked
/// as soon as it is created, so that it is never seen and no kill, not even kill -9,
/// can leave its personal data behind: the space is freed when the run's process ends.
/// The path is kept to name it in messages (a full disk shows up here first).
struct Spill {
    file: File,
    path: PathBuf,
}

impl Spill {
    fn create(options: &BatchOptions) -> Result<Spill, BatchError> {
        let path = options
            .out
            .join(format!(".shikaku-spill-{}", std::process::id()));
        let file = unlinked(&path)?;
        Ok(Spill { file, path })
    }

    fn error(&self, e: std::io::Error) -> BatchError {
        BatchError::Output(self.path.clone(), e)
    }
}

/// The input, opened and its header checked before the output folder is touched.
pub(super) struct Input {
    records: record::Records<Counting<File>>,
    total_bytes: u64,
    bytes_read: Arc<AtomicU64>,
    hash: Arc<AtomicU64>,
}

impl Input {
    /// Opens the input: a missing file or a bad header stops the run here.
    pub(super) fn open(options: &BatchOptions) -> Result<Input, BatchError> {
        let path = &options.input;
        let file = File::open(path)
            .map_err(|e| BatchError::Input(record::OpenError::io(path.display().to_string(), e)))?;
        let total_bytes = file.metadata().map_or(0, |m| m.len());
        let bytes_read = Arc::new(AtomicU64::new(0));
        let hash = Arc::new(AtomicU64::new(FNV_OFFSET));
        let counting = Counting {
            inner: file,
            bytes: bytes_read.clone(),
            hash: hash.clone(),
        };
        let records =
            record::read_from(counting, path, &options.read).map_err(BatchError::Input)?;
        Ok(Input {
            records,
            total_bytes,
            bytes_read,
            hash,
        })
    }

    /// Hashes what is left of the input past where reading stopped: the fingerprint
    /// covers the whole file. Best effort: a file that cannot be read again keeps the
    /// hash of what was read.
    fn hash_rest(&self, path: &std::path::Path) {
        use std::io::{Seek, SeekFrom};
        let done = self.bytes_read.load(Ordering::Relaxed);
        let Ok(mut file) = File::open(path) else {
            return;
        };
        if file.seek(SeekFrom::Start(done)).is_err() {
            return;
        }
        let mut rest = Counting {
            inner: file,
            bytes: self.bytes_read.clone(),
            hash: self.hash.clone(),
        };
        let _ = std::io::copy(&mut rest, &mut std::io::sink());
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of a whole input file, as a run's fingerprint holds it.
pub(super) fn hash_input(path: &std::path::Path) -> std::io::Result<u64> {
    let hash = Arc::new(AtomicU64::new(FNV_OFFSET));
    let mut counting = Counting {
        inner: std::io::BufReader::with_capacity(1 << 16, File::open(path)?),
        bytes: Arc::new(AtomicU64::new(0)),
        hash: hash.clone(),
    };
    std::io::copy(&mut counting, &mut std::io::sink())?;
    Ok(hash.load(Ordering::Relaxed))
}

/// Counts and hashes the input as it is read: the count drives the progress bar,
/// the hash goes into the run's fingerprint.
pub(super) struct Counting<R> {
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
    OtherShard(u64),
}

/// Phase one: reads, evaluates, fills and encodes every record.
///
/// One thread reads, `jobs` workers render, and this thread writes the spill. Every way
/// out ends all three: when this thread stops (a failed write, a cancel), dropping its
/// receiver makes the workers' sends fail, their exit drops the last record receiver,
/// and the reader's next send fails, so nobody is left blocked on a channel.
pub(super) fn render(
    options: &BatchOptions,
    mut input: Input,
    forms: Forms,
    progress: &dyn Progress,
) -> Result<Rendered, BatchError> {
    let spill = Spill::create(options)?;
    let mut rendered = Rendered {
        spill,
        entries: Vec::new(),
        forms,
        report: Report::create(options)?,
        read: 0,
        other_shards: 0,
        warnings: 0,
        input_hash: 0,
        unread: None,
    };
    let jobs = options.jobs.max(1);
    let (record_tx, record_rx) =
        crossbeam_channel::bounded::<(u64, Result<(Origin, Record), RecordError>)>(jobs * 8);
    let (outcome_tx, outcome_rx) = crossbeam_channel::bounded::<Outcome>(jobs * 8);
    let spill_file = rendered
        .spill
        .file
        .try_clone()
        .map_err(|e| rendered.spill.error(e))?;
    let budget = WriteFault::budget(options.fault.as_ref(), &rendered.spill.path);
    let mut writer = BufWriter::with_capacity(1 << 20, Budgeted::new(spill_file, budget));
    let (total_bytes, bytes_read) = (input.total_bytes, input.bytes_read.clone());
    let cancel = &options.cancel;
    let forms = &rendered.forms;
    let (spill, report) = (&rendered.spill, &mut rendered.report);
    let records = &mut input.records;
    let mut tally = Tally::default();
    let (written, unread) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut index = 0;
            for item in records.by_ref() {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                match item {
                    Err(e) if e.ends_input() => return records.stopped().map(|at| (at, e)),
                    item => {
                        index += 1;
                        if record_tx.send((index, item)).is_err() {
                            break;
                        }
                    }
                }
            }
            None
        });
        for _ in 0..jobs {
            let (rx, tx) = (record_rx.clone(), outcome_tx.clone());
            scope.spawn(move || {
                for (index, item) in rx {
                    if tx
                        .send(process_caught(options, forms, index, item))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop((record_rx, outcome_tx));
        let written = tally.spill(
            &outcome_rx,
            (&mut writer, spill),
            report,
            |read| progress.rendering(read, bytes_read.load(Ordering::Relaxed), total_bytes),
            cancel,
        );
        drop(outcome_rx);
        let unread = reader.join().expect("the reader thread does not panic");
        (written, unread)
    });
    written?;
    writer.flush().map_err(|e| rendered.spill.error(e))?;
    drop(writer);
    if cancel.load(Ordering::Relaxed) {
        return Err(BatchError::Cancelled);
    }
    rendered.report.flush()?;
    rendered.unread = unread.map(|(at, e)| UnreadInput {
        line: at.line,
        byte: at.byte,
        reason: e.to_string(),
    });
    if rendered.unread.is_some() {
        input.hash_rest(&options.input);
    }
    progress.rendering(tally.read, total_bytes, total_bytes);
    rendered.read = tally.read;
    rendered.other_shards = tally.other_shards;
    rendered.warnings = tally.warnings;
    rendered.entries = tally.entries;
    rendered.entries.sort_unstable_by_key(|e| e.index);
    rendered.input_hash = input.hash.load(Ordering::Relaxed);
    Ok(rendered)
}

/// The render phase's results, filled in as the workers' outcomes arrive.
#[derive(Default)]
struct Tally {
    entries: Vec<Entry>,
    read: u64,
    other_shards: u64,
    warnings: u64,
    /// Bytes written to the spill so far: the next record's offset.
    offset: u64,
}

impl Tally {
    /// Takes outcomes in the order they come, writing rendered pages to the spill and
    /// rejections to the report; stops at the first failed write, or when the run is
    /// cancelled (then with no error: the caller sees the flag).
    fn spill<W: Write>(
        &mut self,
        outcomes: &crossbeam_channel::Receiver<Outcome>,
        (writer, spill): (&mut W, &Spill),
        report: &mut Report,
        progress: impl Fn(u64),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<(), BatchError> {
        for outcome in outcomes {
            if cancel.load(Ordering::Relaxed) {
                return Ok(());
            }
            self.read += 1;
            match outcome {
                Outcome::Rendered {
                    mut entry,
                    bytes,
                    warnings,
                } => {
                    writer.write_all(&bytes).map_err(|e| spill.error(e))?;
                    entry.offset = self.offset;
                    entry.len = bytes.len() as u32;
                    self.offset += bytes.len() as u64;
                    self.warnings += warnings;
                    self.entries.push(entry);
                    report.settle(entry.index, None)?;
                }
                Outcome::Rejected(index, entry) => report.settle(index, Some(entry))?,
                Outcome::OtherShard(index) => {
                    self.other_shards += 1;
                    report.settle(index, None)?;
                }
            }
            if self.read % 512 == 0 {
                progress(self.read);
            }
        }
        Ok(())
    }
}

/// Every setting that changes the run's output bytes, for `--resume` to compare (see
/// [`Settings`]). Content is hashed from each value's full `Debug` form, which holds
/// everything it was loaded from (a profile's seal image bytes included).
pub(super) fn settings(options: &BatchOptions, forms: &Forms) -> Settings {
    let hash = |text: String| format!("{:016x}", fnv1a(text.as_bytes()));
    let format = match options.read.format {
        Some(format) => format!("{format:?}"),
        None => "from the extension".into(),
    };
    let layout = options
        .layout
        .as_ref()
        .map_or("chosen by record".into(), |l| l.name().to_string());
    let cycle = options
        .eligibility
        .cycle
        .map_or("each record's".into(), |c| c.to_string());
    let shard = options
        .shard
        .map_or("none".into(), |s| format!("{}/{}", s.index, s.count));
    let sheet = format!(
        "{} ({})",
        options.sheet.name(),
        hash(format!("{:?}", options.sheet))
    );
    let mut settings = Settings::from([
        ("version".into(), env!("CARGO_PKG_VERSION").into()),
        ("--input".into(), options.input.display().to_string()),
        ("--format".into(), format),
        ("--encoding".into(), options.read.encoding.name().into()),
        (
            "record size limit".into(),
            options.read.max_record_bytes.to_string(),
        ),
        ("--layout".into(), layout),
        ("--cycle".into(), cycle),
        ("--check".into(), format!("{:?}", options.eligibility.check)),
        ("--per-file".into(), options.per_file.to_string()),
        ("--shard".into(), shard),
        ("--impose / --sheet".into(), sheet),
        (
            "--pdfa".into(),
            if options.pdfa { "on" } else { "off" }.into(),
        ),
    ]);
    for form in forms.by_key.values() {
        let layout = form.layout();
        settings.insert(
            format!("layout {}", layout.name()),
            hash(format!("{layout:?}")),
        );
    }
    for issuer in &options.issuers {
        settings.insert(
            format!("issuer profile {}", issuer.insurer_number),
            hash(format!("{issuer:?}")),
        );
    }
    // Other files of a fallback font give other glyph ids, so a resumed run must use the same.
    for (font, identity) in crate::font::identity(&fallback_fonts(options)) {
        settings.insert(format!("font {font}"), identity);
    }
    settings
}

/// The fonts of every issuer's fallback chains, once each.
fn fallback_fonts(options: &BatchOptions) -> Vec<crate::font::FontId> {
    let mut fonts: Vec<_> = options
        .issuers
        .iter()
        .flat_map(|i| i.fonts.fonts())
        .collect();
    fonts.sort();
    fonts.dedup();
    fonts
}

/// [`process`], with a panic (a bug) turned into a rejection of that record rather
/// than a lost record and a run that dies without saying which.
fn process_caught(
    options: &BatchOptions,
    forms: &Forms,
    index: u64,
    item: Result<(Origin, Record), RecordError>,
) -> Outcome {
    let origin = item
        .as_ref()
        .map_or_else(|e| e.origin().clone(), |(o, _)| o.clone());
    let record_id = item.as_ref().ok().map(|(_, r)| r.record_id.clone());
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process(options, forms, index, item)
    }))
    .unwrap_or_else(|_| {
        Outcome::Rejected(
            index,
            Box::new(ErrorReportEntry {
                file: origin.file,
                line: origin.line,
                column: None,
                record: origin.index,
                record_id,
                field: None,
                reason: "internal error while rendering this record".into(),
                message_ja: "内部エラーで印刷できませんでした。開発元に連絡してください".into(),
                value: None,
                hint: Some("please report this as a bug".into()),
                source: None,
                byte: None,
            }),
        )
    })
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
                return Outcome::OtherShard(index);
            }
            return Outcome::Rejected(index, Box::new(e.report_entry()));
        }
    };
    let household_key = mailing::household_key(&record);
    let household = mailing::household_hash(&household_key);
    if options.shard.is_some_and(|s| !s.owns(household)) {
        return Outcome::OtherShard(index);
    }
    let reject = |field: Option<&str>, reason: String, message_ja: String, hint: Option<String>| {
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
                message_ja,
                value: None,
                hint,
                source: None,
                byte: None,
            }),
        )
    };
    let reject_fill = |e: &crate::fill::FillError| {
        let message_ja = messages::fill_error(e);
        reject(
            e.field.map(|f| f.name()),
            e.to_string(),
            message_ja,
            e.hint(),
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
            "保険者番号に合う発行者の設定がありません".into(),
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
            let hint = contradictions[0].hint();
            let message_ja = contradictions
                .iter()
                .map(messages::contradiction)
                .collect::<Vec<_>>()
                .join("／");
            return reject(
                Some(contradictions[0].field),
                reason,
                message_ja,
                Some(hint.into()),
            );
        }
    };
    let elig = &evaluated.eligibility;
    let form = forms
        .of_kind(LayoutKind::of(elig.document), issuer)
        .filter(|f| f.layout().scheme() == elig.scheme);
    let Some(form) = form else {
        return reject(
            Some("scheme"),
            format!(
                "the issuer profile cannot print a {} {}",
                elig.scheme.as_str(),
                elig.document.as_str()
            ),
            "この発行者の設定ではこの書類を印刷できません".into(),
            Some("check the record's scheme and insurer_number".into()),
        );
    };
    let layout_name = form.layout().name().to_string();
    let (mut document, notes) = match form.fill_noted(&record, elig) {
        Ok(d) => d,
        Err(e) => return reject_fill(&e),
    };
    if options.sheet.kind() == SheetKind::Carrier && elig.document == Document::Kakuninsho {
        // A carrier sheet (台紙) is a layout of its own, filled for the same record
        // (address, barcode, cover message), with the card at its die-cut slot.
        let Some(carrier_form) = forms.of_kind(LayoutKind::Daishi, issuer) else {
            return reject(
                Some("scheme"),
                "no carrier layout for this scheme".into(),
                "この制度の台紙の書式がありません".into(),
                None,
            );
        };
        let carrier = match carrier_form.fill(&record, elig) {
            Ok(c) => c,
            Err(e) => return reject_fill(&e),
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
                    "カードが台紙の枠に収まりません".into(),
                    Some("use a carrier sheet whose slot is the card's size".into()),
                )
            }
        }
    } else if elig.document == Document::Kakuninsho {
        // Cards get their bleed here, before encoding, so that an n-up sheet assembled later from
        // the encoded pages draws it with each card.
        for page in &mut document.pages {
            impose::bleed::extend(page, options.sheet.bleed());
        }
    }
    // The envelope's cover letter prints this record's address block and its line in the list:
    // drawn alone now, so that a record whose envelope cannot be addressed is rejected here, with
    // its field, rather than its whole envelope later.
    let cover = match forms.of_kind(LayoutKind::Soufujo, issuer) {
        Some(_) if record.mail_postal_code().is_none() => {
            return reject(
                Some("postal_code"),
                "no postal code to mail the documents to (the envelope's cover letter is addressed)".into(),
                "郵便番号がないため送付状の宛先を印刷できません。郵便番号と住所（または送付先）を入力してください".into(),
                Some("give postal_code and address, or the mail_to_ fields; an issuer that hands documents over at the counter sets [mail] cover_letter = false".into()),
            );
        }
        Some(form) => {
            if let Err(e) = form.fill(&record, elig) {
                return reject_fill(&e);
            }
            // The cover letter prints the names as the documents do: 外字 converted by the
            // issuer's map (which cannot fail here: the fill above converted them).
            let printed = crate::gaiji::convert(&record, &issuer.gaiji_map)
                .map_or(std::borrow::Cow::Borrowed(&record), |(r, _)| r);
            let cover = Cover::of(&printed, elig);
            Some((cover, forms.layout_index(form.layout().name())))
        }
        None => None,
    };
    let (cover, cover_layout) = cover.unzip();
    let mut bytes = Vec::with_capacity(1024);
    let expiry_date = elig.expiry_date.map(|d| d.to_string()).unwrap_or_default();
    let substitutions = crate::gaiji::substitutions(&notes);
    put_head(
        &mut bytes,
        &Head {
            household: &household_key,
            record_id: &record.record_id,
            expiry_date: &expiry_date,
            substitutions: &substitutions,
            cover,
        },
    );
    for page in &document.pages {
        encode_page(page, &pdf_options(options, None)).to_bytes(&mut bytes);
    }
    let entry = Entry {
        index,
        household,
        postal: mailing::postal_number(&record),
        document: elig.document,
        class: issuer.mail.of(elig.document),
        layout: forms.layout_index(&layout_name),
        issuer: issuer_index as u16,
        cover: cover_layout,
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

/// What the manifest and the cover letters need of a rendered record, spilled before its
/// pages so that they read it back without the pages.
pub(super) struct Head<'a> {
    household: &'a str,
    record_id: &'a str,
    /// 有効期限 as `YYYY-MM-DD`, empty when the document has none.
    expiry_date: &'a str,
    /// The 外字 substitutions made in the record, for the manifest.
    substitutions: &'a str,
    /// The record's lines on its envelope's 送付状, when the envelope gets one.
    pub(super) cover: Option<Cover>,
}

fn put_head(out: &mut Vec<u8>, head: &Head) {
    put_str(out, head.household);
    put_str(out, head.record_id);
    put_str(out, head.expiry_date);
    put_str(out, head.substitutions);
    cover::put(out, head.cover.as_ref());
}

/// The head of a record's spilled bytes, and the bytes after it (its pages).
pub(super) fn take_head(bytes: &[u8]) -> Option<(Head<'_>, &[u8])> {
    let (household, rest) = take_str(bytes)?;
    let (record_id, rest) = take_str(rest)?;
    let (expiry_date, rest) = take_str(rest)?;
    let (substitutions, rest) = take_str(rest)?;
    let (cover, rest) = cover::take(rest)?;
    let head = Head {
        household,
        record_id,
        expiry_date,
        substitutions,
        cover,
    };
    Some((head, rest))
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

/// Phase two: orders the rendered records for the post and writes the files, keeping
/// those an interrupted run of the same settings finished; then the manifest, the error
/// report and the summary, and marks the run finished.
pub(super) fn assemble(
    options: &BatchOptions,
    settings: &Settings,
    begun: &Begun,
    mut rendered: Rendered,
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
    let kept = files
        .iter()
        .filter(|f| begun.done.contains(&f.name))
        .count();
    write_files(options, &rendered, &files, &begun.done, progress)?;
    let summary = Summary {
        read: rendered.read,
        rendered: rendered.entries.len() as u64,
        rejected: rendered.report.rejected(),
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
        unread: rendered.unread.clone(),
        resumed_files: kept,
        already_finished: false,
    };
    let out = &options.out;
    let fault = options.fault.as_ref();
    write_manifest(options, &rendered, &plan, &files)?;
    rendered.report.commit()?;
    let json = serde_json::to_vec_pretty(&summary).expect("summary serializes");
    write_atomic_with(&out.join("summary.json"), &json, fault)?;
    let names = files.into_iter().map(|f| f.name);
    state::finish(options, settings, rendered.input_hash, names)?;
    Ok(summary)
}

/// Writes the print files not already finished, on every worker; each finished file
/// goes into the log before the next is started. Stops at the first failure or cancel.
fn write_files(
    options: &BatchOptions,
    rendered: &Rendered,
    files: &[PlannedFile],
    done: &BTreeSet<String>,
    progress: &dyn Progress,
) -> Result<(), BatchError> {
    let log = Mutex::new(DoneLog::open(&options.out)?);
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let mut failed = failure.lock().expect("not poisoned");
                if failed.is_none() && options.cancel.load(Ordering::Relaxed) {
                    *failed = Some(BatchError::Cancelled);
                }
                if failed.is_some() {
                    break;
                }
                drop(failed);
                if !done.contains(&file.name) {
                    let result = write_file(options, rendered, file)
                        .and_then(|()| log.lock().expect("not poisoned").add(&file.name));
                    if let Err(e) = result {
                        failure.lock().expect("not poisoned").get_or_insert(e);
                        break;
                    }
                }
                progress.writing(written.fetch_add(1, Ordering::Relaxed) + 1, files.len());
            });
        }
    });
    match failure.into_inner().expect("not poisoned") {
        Some(e) => Err(e),
        None => Ok(()),
    }
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

/// The start of a record's spilled bytes: its [`Head`], without reading its pages back
/// again (the manifest and the covers need only that).
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
    match take_head(&bytes) {
        Some(_) => Ok(bytes),
        None => spilled(rendered, entry),
    }
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
    let mut writer = PdfWriter::new(pdf_options(options, title));
    if file.covers {
        cover::write(rendered, file, &pdf_options(options, None), &mut writer)?;
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
    let path = options.out.join(&file.name);
    write_atomic_with(&path, &writer.finish(), options.fault.as_ref())
}

/// The PDF options of the run's files.
fn pdf_options(options: &BatchOptions, title: Option<String>) -> PdfOptions {
    PdfOptions {
        title,
        pdfa: options.pdfa,
        pdfx: options.pdfx,
        date: options.date,
    }
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
    let (_, mut rest) = take_head(&bytes).ok_or_else(|| corrupt(rendered))?;
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
    let tmp = temporary(&path);
    let error = |e: std::io::Error| BatchError::Output(path.clone(), e);
    let budget = WriteFault::budget(options.fault.as_ref(), &path);
    // Rows are made in memory one at a time and written to the file as bytes, so a
    // failed write keeps its cause (a full disk) instead of becoming a CSV error.
    let row_bytes = RowBuffer::default();
    let mut row_csv = csv::Writer::from_writer(row_bytes.clone());
    let result = create_private(&tmp).map_err(error).and_then(|file| {
        let mut writer = BufWriter::new(Budgeted::new(file, budget));
        manifest_rows(rendered, plan, files, &position, &covers, &mut |row| {
            row_csv.serialize(row).expect("rows serialize to memory");
            row_csv.flush().expect("flushing to memory cannot fail");
            let mut bytes = row_bytes.0.borrow_mut();
            let written = writer.write_all(&bytes);
            bytes.clear();
            written.map_err(error)
        })?;
        let file = writer.into_inner().map_err(|e| error(e.into_error()))?;
        file.inner.sync_all().map_err(error)?;
        std::fs::rename(&tmp, &path).map_err(error)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where the manifest's CSV writer puts one row, to be taken out and written to the file.
#[derive(Clone, Default)]
struct RowBuffer(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for RowBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The manifest's rows, in order: rendered records in mailing order (each envelope's cover
/// letter, when it has one, first), then rejected
/// ones in input order, then, when the input could not be read to its end, one
/// `unread` row for the first record not read. Values from the input are made safe
/// to open in a spreadsheet.
fn manifest_rows(
    rendered: &Rendered,
    plan: &mailing::Plan,
    files: &[PlannedFile],
    position: &[(u32, u64)],
    covers: &BTreeMap<u64, (u32, u64, u64)>,
    put: &mut dyn FnMut(Row) -> Result<(), BatchError>,
) -> Result<(), BatchError> {
    let row = |record_id: &str, input_record, status: &str| Row {
        record_id: spreadsheet_safe(record_id).into_owned(),
        input_record,
        status: status.into(),
        document: String::new(),
        layout: String::new(),
        file: String::new(),
        first_page: 0,
        page_count: 0,
        household: String::new(),
        mail_class: String::new(),
        mailing_sequence: 0,
        input_records: rendered.read,
        substitutions: String::new(),
        expiry_date: String::new(),
    };
    let mut last_envelope = None;
    for &i in &plan.order {
        let entry = &rendered.entries[i];
        let (f, first_page) = position[i];
        let file = &files[f as usize];
        let bytes = spilled_head(rendered, entry)?;
        let (head, _) = take_head(&bytes).ok_or_else(|| corrupt(rendered))?;
        let envelope = plan.envelope[i].1;
        // An envelope's cover letter comes first in it, so its row comes before its members'.
        if last_envelope != Some(envelope) {
            last_envelope = Some(envelope);
            if let Some(&(c, first_page, page_count)) = covers.get(&envelope) {
                let cover_file = &files[c as usize];
                put(Row {
                    document: "soufujo".into(),
                    layout: cover_file.layout.clone(),
                    file: cover_file.name.clone(),
                    first_page,
                    page_count,
                    household: spreadsheet_safe(head.household).into_owned(),
                    mail_class: cover_file.class.as_str().into(),
                    mailing_sequence: envelope,
                    ..row("", 0, "cover")
                })?;
            }
        }
        put(Row {
            document: entry.document.as_str().into(),
            layout: file.layout.clone(),
            file: file.name.clone(),
            first_page,
            page_count: u64::from(entry.pages),
            household: spreadsheet_safe(head.household).into_owned(),
            mail_class: file.class.as_str().into(),
            mailing_sequence: envelope,
            substitutions: head.substitutions.to_string(),
            expiry_date: head.expiry_date.into(),
            ..row(head.record_id, entry.index, "rendered")
        })?;
    }
    for rejected in rendered.report.rows() {
        let (index, record_id) = rejected?;
        put(row(&record_id, index, "rejected"))?;
    }
    if rendered.unread.is_some() {
        put(row("", rendered.read + 1, "unread"))?;
    }
    Ok(())
}
