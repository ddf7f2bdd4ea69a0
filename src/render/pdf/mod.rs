//! Display lists → PDF, with fonts embedded as subsets and shared backgrounds
//! written once per file as Form XObjects.
//!
//! Pages are encoded on their own ([`encode_page`]): a page's content stream
//! names glyphs by their id in the full font and resources by content-derived
//! names, so its bytes do not depend on which file it lands in or on what came
//! before it. That lets a batch encode pages in parallel and in any order, and
//! assemble files later. A [`PdfWriter`] then collects encoded pages into one
//! file: every page points to one shared resource dictionary, each layout
//! page's background is one Form XObject drawn by `Do`, and each font is subset
//! twice, from the glyphs the file's backgrounds use and from those its pages use
//! themselves, with a CIDToGIDMap from full-font glyph ids to subset ones. What
//! every file of a form shares (backgrounds' streams, images, the backgrounds'
//! subsets) is encoded once per process (the `cache` module). The bytes depend only on the
//! input: no clock, no random ids, object numbers allocated in page order.

mod cache;
mod content;
mod encoded;
mod font;
mod id;
mod unhint;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use pdf_writer::types::OutputIntentSubtype;
use pdf_writer::{Filter, Finish, Name, Pdf, Rect as PdfRect, Ref, TextStr};

use crate::display::{Document, Item, ItemKind, Layer, Page, Point, Raster, Size};
use crate::font::FontId;
use font::FontSet;
use id::Digest;

/// Options for PDF output.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// The document title written into the metadata (`/Title`); none by default.
    pub title: Option<String>,
    /// Write PDF/A-2b for archives: an sRGB output intent, XMP metadata and a document id made from
    /// the content. Off by default, as plain PDFs need none of it. See docs/print.md.
    pub pdfa: bool,
    /// Write PDF/X-4 for print shops: every colour DeviceGray or DeviceCMYK, a CMYK output intent
    /// (coated FOGRA39), XMP metadata with the PDF/X version. Needs `date`. Off by default; not
    /// together with `pdfa`. See docs/print.md.
    pub pdfx: bool,
    /// The file's creation date (PDF/X requires one), written as given so that reruns are byte
    /// identical; none by default.
    pub date: Option<chrono::NaiveDate>,
}

impl PdfOptions {
    /// Whether content streams paint in DeviceCMYK rather than DeviceRGB.
    fn cmyk(&self) -> bool {
        self.pdfx
    }
}

/// The sRGB IEC61966-2.1 ICC profile (v2) of the PDF/A output intent: Debian's icc-profiles-free
/// sRGB.icc, zlib licence; origin and licence in assets/icc/README.md.
const SRGB_ICC: &[u8] = include_bytes!("../../../assets/icc/sRGB.icc");

/// The CMYK profile of the PDF/X output intent: coated offset printing to ISO 12647-2 (FOGRA39),
/// made with ArgyllCMS from the FOGRA39L characterization data in Debian's icc-profiles-free (zlib
/// licence); origin, licence and the command in assets/icc/README.md.
const FOGRA39_ICC: &[u8] = include_bytes!("../../../assets/icc/FOGRA39L-coated.icc");

/// How the output intent describes the printing condition to people.
const FOGRA39_INFO: &str = "Coated FOGRA39 (ISO 12647-2:2004, paper type 1 or 2)";

/// A date as a PDF date at midnight UTC; none gives 2000-01-01, which only a caller that skips the
/// CLI's check can reach.
fn pdf_date(date: Option<chrono::NaiveDate>) -> pdf_writer::Date {
    use chrono::Datelike;
    let d = date.unwrap_or_default();
    pdf_writer::Date::new(d.year() as u16)
        .month(d.month() as u8)
        .day(d.day() as u8)
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// The same date for XMP.
fn xmp_date(date: Option<chrono::NaiveDate>) -> xmp_writer::DateTime {
    use chrono::Datelike;
    let d = date.unwrap_or_default();
    xmp_writer::DateTime::new(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
        0,
        0,
        0,
        xmp_writer::Timezone::Utc,
    )
}

/// A glyph a content stream shows, with the text it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsedGlyph {
    /// The font.
    pub font: FontId,
    /// The glyph's id in the full font.
    pub id: u16,
    /// The character it shows, for the ToUnicode map.
    pub base: char,
    /// The variation selector that chose it, if any.
    pub selector: Option<char>,
}

impl UsedGlyph {
    /// The text the glyph stands for: its character and selector.
    pub fn chars(&self) -> impl Iterator<Item = char> {
        std::iter::once(self.base).chain(self.selector)
    }
}

/// A page encoded on its own, ready to be added to any file.
#[derive(Debug, Clone)]
pub struct EncodedPage {
    size: Size,
    bleed: f32,
    background: Arc<Layer>,
    /// The compressed content stream.
    content: Vec<u8>,
    glyphs: Vec<UsedGlyph>,
    images: Vec<Arc<Raster>>,
    /// Layers of placed pages, drawn by name.
    layers: Vec<Arc<Layer>>,
}

impl EncodedPage {
    /// The compressed size of the page's own content, in bytes.
    pub fn len(&self) -> usize {
        self.content.len()
    }

    /// Whether the page draws nothing of its own.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }
}

/// Encodes one page's own items (its background is encoded by the file that first uses it), in the
/// colour spaces `options` ask for.
pub fn encode_page(page: &Page, options: &PdfOptions) -> EncodedPage {
    let encoded = encode_items(
        &page.items,
        page.size.height,
        Some(&page.background),
        options.cmyk(),
    );
    EncodedPage {
        size: page.size,
        bleed: page.bleed,
        background: page.background.clone(),
        content: encoded.content,
        glyphs: encoded.glyphs,
        images: encoded.images,
        layers: encoded.layers,
    }
}

struct Encoded {
    content: Vec<u8>,
    glyphs: Vec<UsedGlyph>,
    images: Vec<Arc<Raster>>,
    layers: Vec<Arc<Layer>>,
}

/// The images and placed pages' layers that items draw, placed pages' items included.
fn resources(items: &[Item], images: &mut Vec<Arc<Raster>>, layers: &mut Vec<Arc<Layer>>) {
    for item in items {
        match &item.kind {
            ItemKind::Image(image) => images.push(image.data.clone()),
            ItemKind::Placed(placed) => {
                layers.push(placed.layer.clone());
                resources(&placed.items, images, layers);
            }
            ItemKind::Text(_) | ItemKind::Path(_) => {}
        }
    }
}

fn encode_items(
    items: &[Item],
    height: f32,
    background: Option<&Arc<Layer>>,
    cmyk: bool,
) -> Encoded {
    let mut builder = content::Builder::new(height, cmyk);
    if let Some(layer) = background {
        builder.x_object(&layer_name(&layer.key));
    }
    builder.items(items);
    let (ops, mut glyphs) = builder.finish();
    glyphs.sort();
    glyphs.dedup_by(|a, b| a.font == b.font && a.id == b.id);
    let (mut images, mut layers) = (Vec::new(), Vec::new());
    resources(items, &mut images, &mut layers);
    Encoded {
        content: compress(&ops, Effort::Content),
        glyphs,
        images,
        layers,
    }
}

/// The resource name of a background layer: derived from its key, so that every
/// file and every page agree on it without coordination.
fn layer_name(key: &str) -> String {
    format!("L{:016x}", crate::fill::fnv1a(key.as_bytes()))
}

/// The resource name of an image, derived from its content.
fn image_name(raster: &Raster) -> String {
    format!("I{:016x}", raster.key)
}

/// Writes encoded pages into one PDF file.
pub struct PdfWriter {
    pdf: Pdf,
    next: Ref,
    catalog: Ref,
    page_tree: Ref,
    resources: Ref,
    /// The glyphs the pages' own content streams show: subset for this file alone.
    page_fonts: FontSet,
    /// The glyphs the backgrounds (Form XObjects) show: the same in every file of a form, so their
    /// subsets are made once (see [`cache::font`]) and the forms' resources name them.
    background_fonts: FontSet,
    /// Background layers and images already written, by resource name.
    x_objects: BTreeMap<String, Ref>,
    pages: Vec<Ref>,
    options: PdfOptions,
    /// Everything that decides the file's bytes, for the PDF/A document id.
    digest: Digest,
    /// Small shared content streams (`q … cm`, `Q`) of imposed sheets, by their text.
    snippets: BTreeMap<String, Ref>,
    /// Each Form XObject's own resource dictionary, by what it lists (fonts, XObject names), written
    /// at the end when the fonts' objects are known. Own dictionaries, rather than the pages' shared
    /// one, because that one lists every form, each form included: a reader that walks resources
    /// recursively would loop (PDFBox Preflight: "PDResources recursion").
    form_resources: BTreeMap<FormResources, Ref>,
}

/// What one Form XObject draws with: font ids and XObject resource names.
type FormResources = (BTreeSet<usize>, BTreeSet<String>);

/// The buffer a file starts with: a card or an お知らせ fits (70–110 KB with its backgrounds' fonts
/// and images), where growing from pdf-writer's 8 KB allocated 230 KB and copied 120 KB for each
/// card the preview server writes.
const FILE_CAPACITY: usize = 128 << 10;

impl PdfWriter {
    /// Starts an empty file.
    pub fn new(options: PdfOptions) -> PdfWriter {
        let mut next = Ref::new(1);
        let catalog = next.bump();
        let page_tree = next.bump();
        let resources = next.bump();
        PdfWriter {
            pdf: Pdf::with_capacity(FILE_CAPACITY),
            next,
            catalog,
            page_tree,
            resources,
            page_fonts: FontSet::default(),
            background_fonts: FontSet::default(),
            x_objects: BTreeMap::new(),
            pages: Vec::new(),
            options,
            digest: Digest::new(),
            snippets: BTreeMap::new(),
            form_resources: BTreeMap::new(),
        }
    }

    /// Encodes and appends every page of a document.
    pub fn add(&mut self, document: &Document) {
        for page in &document.pages {
            self.push(&encode_page(page, &self.options.clone()));
        }
    }

    /// The number of pages written so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Appends an encoded page.
    pub fn push(&mut self, page: &EncodedPage) {
        self.use_page(page);
        self.digest.update(
            format!(
                "{} {} {}",
                page.size.width, page.size.height, page.background.key
            )
            .as_bytes(),
        );
        let page_ref = self.next.bump();
        let content_ref = self.stream(&page.content, true);
        let mut p = self.pdf.page(page_ref);
        page_boxes(&mut p, page.size, page.bleed);
        self.options.cmyk().then(|| cmyk_group(&mut p));
        p.parent(self.page_tree);
        p.contents(content_ref);
        p.pair(Name(b"Resources"), self.resources);
        p.finish();
        self.pages.push(page_ref);
    }

    /// Appends a sheet with encoded pages (cards) placed on it, each at its slot and
    /// turned half round when asked. A card's content stream is reused as it is, as
    /// one part of the sheet's content array between a `q … cm` that moves it and a
    /// `Q` (PDF 32000 §7.8.2: a page's contents may be an array of streams, read as if
    /// concatenated — hence the snippets' own line breaks around the cards' tokens), so
    /// imposing cards in mailing order needs no re-rendering.
    pub fn push_sheet(
        &mut self,
        size: Size,
        marks: &Arc<Layer>,
        cards: &[(&EncodedPage, Point, bool)],
    ) {
        self.layer(marks);
        let own = encode_items(&[], size.height, Some(marks), self.options.cmyk());
        let mut contents = vec![self.stream(&own.content, true)];
        for &(card, at, turned) in cards {
            self.use_page(card);
            let (w, h) = (card.size.width, card.size.height);
            let matrix = if turned {
                format!("\nq -1 0 0 -1 {} {} cm\n", at.x + w, size.height - at.y)
            } else {
                format!("\nq 1 0 0 1 {} {} cm\n", at.x, size.height - at.y - h)
            };
            contents.push(self.snippet(matrix));
            contents.push(self.stream(&card.content, true));
            contents.push(self.snippet("\nQ\n".into()));
        }
        let page_ref = self.next.bump();
        let mut p = self.pdf.page(page_ref);
        page_boxes(&mut p, size, 0.0);
        self.options.cmyk().then(|| cmyk_group(&mut p));
        p.parent(self.page_tree);
        p.insert(Name(b"Contents")).array().items(contents);
        p.pair(Name(b"Resources"), self.resources);
        p.finish();
        self.pages.push(page_ref);
    }

    /// Writes what an encoded page draws besides its own content, the first time.
    fn use_page(&mut self, page: &EncodedPage) {
        self.layer(&page.background);
        for layer in &page.layers {
            self.layer(layer);
        }
        self.use_resources(&page.glyphs, &page.images, false);
        self.digest.update(&page.content);
    }

    fn stream(&mut self, data: &[u8], compressed: bool) -> Ref {
        let r = self.next.bump();
        let mut stream = self.pdf.stream(r, data);
        if compressed {
            stream.filter(Filter::FlateDecode);
        }
        r
    }

    fn snippet(&mut self, text: String) -> Ref {
        self.digest.update(text.as_bytes());
        if let Some(&r) = self.snippets.get(&text) {
            return r;
        }
        let r = self.stream(text.as_bytes(), false);
        self.snippets.insert(text, r);
        r
    }

    /// Notes the glyphs a page's (or with `background`, a background's) content stream shows, and
    /// writes the images it draws.
    fn use_resources(&mut self, glyphs: &[UsedGlyph], images: &[Arc<Raster>], background: bool) {
        let fonts = if background {
            &mut self.background_fonts
        } else {
            &mut self.page_fonts
        };
        for glyph in glyphs {
            self.digest.update(&[glyph.font as u8]);
            self.digest.update(&glyph.id.to_le_bytes());
            fonts.add(glyph);
        }
        for image in images {
            self.digest.update(&image.key.to_be_bytes());
            self.image(image);
        }
    }

    /// Writes a background layer as a Form XObject the first time a page uses it.
    fn layer(&mut self, layer: &Arc<Layer>) {
        let name = layer_name(&layer.key);
        if self.x_objects.contains_key(&name) {
            return;
        }
        let encoded = cache::layer(layer, self.options.cmyk());
        self.digest.update(&encoded.content);
        for nested in &encoded.layers {
            self.layer(nested);
        }
        self.use_resources(&encoded.glyphs, &encoded.images, true);
        let fonts = encoded.glyphs.iter().map(|g| g.font as usize).collect();
        let mut names: BTreeSet<String> = encoded.images.iter().map(|i| image_name(i)).collect();
        names.extend(encoded.layers.iter().map(|l| layer_name(&l.key)));
        let next = &mut self.next;
        let resources = *self
            .form_resources
            .entry((fonts, names))
            .or_insert_with(|| next.bump());
        let form_ref = self.next.bump();
        let mut form = self.pdf.form_xobject(form_ref, &encoded.content);
        form.bbox(PdfRect::new(0.0, 0.0, layer.size.width, layer.size.height));
        form.filter(Filter::FlateDecode);
        form.pair(Name(b"Resources"), resources);
        form.finish();
        self.x_objects.insert(name, form_ref);
    }

    /// Writes an image (and its alpha mask) the first time a page uses it.
    fn image(&mut self, raster: &Arc<Raster>) {
        let name = image_name(raster);
        if self.x_objects.contains_key(&name) {
            return;
        }
        let cmyk = self.options.cmyk();
        let encoded = cache::image(raster, cmyk);
        let image_ref = self.next.bump();
        let mask_ref = encoded.alpha.as_ref().map(|_| self.next.bump());
        let space = if cmyk { Space::Cmyk } else { Space::Rgb };
        self.image_stream(image_ref, raster, &encoded.pixels, space, mask_ref);
        if let (Some(mask), Some(alpha)) = (mask_ref, &encoded.alpha) {
            self.image_stream(mask, raster, alpha, Space::Gray, None);
        }
        self.x_objects.insert(name, image_ref);
    }

    /// One image XObject of the raster's size from compressed samples: the pixels with an
    /// optional soft mask, or the gray alpha mask itself.
    fn image_stream(
        &mut self,
        id: Ref,
        raster: &Raster,
        data: &[u8],
        space: Space,
        mask: Option<Ref>,
    ) {
        let mut image = self.pdf.image_xobject(id, data);
        image.filter(Filter::FlateDecode);
        image.width(raster.width as i32);
        image.height(raster.height as i32);
        match space {
            Space::Gray => image.color_space().device_gray(),
            Space::Rgb => image.color_space().device_rgb(),
            Space::Cmyk => image.color_space().device_cmyk(),
        }
        image.bits_per_component(8);
        if let Some(mask) = mask {
            image.s_mask(mask);
        }
    }

    /// Writes fonts, resources and the page tree, and returns the file's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let mut write_fonts = |fonts: &FontSet, shared: bool| -> BTreeMap<usize, Ref> {
            fonts
                .write(&mut self.pdf, &mut self.next, shared)
                .into_iter()
                .map(|(id, r)| (id as usize, r))
                .collect()
        };
        let background_fonts = write_fonts(&self.background_fonts, true);
        let page_fonts = write_fonts(&self.page_fonts, false);
        let all_names: BTreeSet<String> = self.x_objects.keys().cloned().collect();
        self.resources_dict(
            self.resources,
            page_fonts.keys().copied().collect(),
            &all_names,
            &page_fonts,
        );
        for ((used_fonts, names), r) in std::mem::take(&mut self.form_resources) {
            self.resources_dict(r, used_fonts, &names, &background_fonts);
        }
        self.pdf
            .pages(self.page_tree)
            .kids(self.pages.iter().copied())
            .count(self.pages.len() as i32);
        if let Some(title) = &self.options.title {
            self.digest.update(title.as_bytes());
        }
        // PDF 2.0 (ISO 32000-2 §14.4) requires the file identifier in every file; both halves are the
        // content digest, as the file is never updated in place.
        let id = self.digest.bytes().to_vec();
        self.pdf.set_file_id((id.clone(), id));
        let pdfa = self.options.pdfa.then(|| self.pdfa());
        let pdfx = self.options.pdfx.then(|| self.pdfx());
        let mut catalog = self.pdf.catalog(self.catalog);
        catalog.pages(self.page_tree);
        if let Some((metadata, profile)) = pdfa {
            catalog.metadata(metadata);
            catalog
                .output_intents()
                .push()
                .subtype(OutputIntentSubtype::PDFA)
                .output_condition_identifier(TextStr("sRGB IEC61966-2.1"))
                .info(TextStr("sRGB IEC61966-2.1"))
                .dest_output_profile(profile);
        }
        if let Some((metadata, profile)) = pdfx {
            catalog.metadata(metadata);
            // The printing condition by its name in the ICC characterization data registry, with
            // the profile embedded as PDF/X-4 requires (ISO 15930-7 §6.2.4).
            catalog
                .output_intents()
                .push()
                .subtype(OutputIntentSubtype::PDFX)
                .output_condition_identifier(TextStr("FOGRA39"))
                .registry_name(TextStr("http://www.color.org"))
                .info(TextStr(FOGRA39_INFO))
                .dest_output_profile(profile);
        }
        catalog.finish();
        if self.options.title.is_some() || self.options.pdfx {
            let info_ref = self.next.bump();
            let mut info = self.pdf.document_info(info_ref);
            if let Some(title) = &self.options.title {
                info.title(TextStr(title));
            }
            if self.options.pdfx {
                let date = pdf_date(self.options.date);
                info.creation_date(date);
                info.modified_date(date);
                info.trapped(pdf_writer::types::TrappingStatus::NotTrapped);
                info.pair(Name(b"GTS_PDFXVersion"), TextStr("PDF/X-4"));
                info.producer(TextStr("shikaku"));
            }
        }
        let xref = self.next.bump();
        self.pdf.finish_with_xref_stream(xref)
    }

    /// A resource dictionary naming the given fonts (by id) and XObjects (by resource name).
    fn resources_dict(
        &mut self,
        id: Ref,
        used_fonts: BTreeSet<usize>,
        names: &BTreeSet<String>,
        fonts: &BTreeMap<usize, Ref>,
    ) {
        let mut resources = self
            .pdf
            .indirect(id)
            .start::<pdf_writer::writers::Resources>();
        let mut font_dict = resources.fonts();
        for font in used_fonts {
            font_dict.pair(Name(font_name(FontId::ALL[font]).as_bytes()), fonts[&font]);
        }
        font_dict.finish();
        let mut x_objects = resources.x_objects();
        for name in names {
            x_objects.pair(Name(name.as_bytes()), self.x_objects[name]);
        }
        x_objects.finish();
    }

    /// PDF/X-4's additions: XMP metadata with the PDF/X version, dates, trapping and the content ids,
    /// and the CMYK profile of the output intent. Returns the metadata and profile refs.
    fn pdfx(&mut self) -> (Ref, Ref) {
        self.pdf.set_version(1, 6);
        let (metadata, profile) = (self.next.bump(), self.next.bump());
        let mut xmp = xmp_writer::XmpWriter::new();
        if let Some(title) = &self.options.title {
            xmp.title([(None, title.as_str())]);
        }
        let date = xmp_date(self.options.date);
        xmp.producer("shikaku");
        xmp.create_date(date);
        xmp.modify_date(date);
        xmp.metadata_date(date);
        xmp.trapped(false);
        xmp.document_id(&self.digest.uuid());
        xmp.instance_id(&self.digest.instance().uuid());
        // ISO 15930-7 §6.7.2 asks for the version and rendition of the document besides its id.
        xmp.version_id("1");
        xmp.rendition_class(xmp_writer::RenditionClass::Default);
        xmp.pdfx_version("PDF/X-4");
        xmp.format("application/pdf");
        let xml = xmp.finish(None);
        self.pdf.metadata(metadata, xml.as_bytes());
        static ICC: OnceLock<Vec<u8>> = OnceLock::new();
        let icc = ICC.get_or_init(|| compress(FOGRA39_ICC, Effort::Shared));
        self.pdf
            .icc_profile(profile, icc)
            .n(4)
            .range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
            .filter(Filter::FlateDecode);
        (metadata, profile)
    }

    /// PDF/A-2b's additions: XMP metadata that agrees with the info dictionary and carries the
    /// content-derived ids, and the sRGB profile of the output intent (PDF/A-2 6.2.3: DeviceRGB and
    /// DeviceGray need an output intent). Returns the metadata and profile refs for the catalog.
    fn pdfa(&mut self) -> (Ref, Ref) {
        let (metadata, profile) = (self.next.bump(), self.next.bump());
        let mut xmp = xmp_writer::XmpWriter::new();
        if let Some(title) = &self.options.title {
            xmp.title([(None, title.as_str())]);
        }
        xmp.producer("shikaku");
        xmp.document_id(&self.digest.uuid());
        xmp.instance_id(&self.digest.instance().uuid());
        xmp.pdfa_part(2);
        xmp.pdfa_conformance("B");
        let xml = xmp.finish(None);
        // PDF/A-2 6.6.2.1: the metadata stream stays unfiltered, readable by any tool.
        self.pdf.metadata(metadata, xml.as_bytes());
        static ICC: OnceLock<Vec<u8>> = OnceLock::new();
        let icc = ICC.get_or_init(|| compress(SRGB_ICC, Effort::Shared));
        self.pdf
            .icc_profile(profile, icc)
            .n(3)
            .range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
            .filter(Filter::FlateDecode);
        (metadata, profile)
    }
}

/// The page's boxes (PDF 32000 §14.11.2): the trim box is the finished page at the origin, and the
/// media and bleed boxes are it grown by the bleed on every side, so a card's content stream is the
/// same with or without bleed. Print workflows (and PDF/X) need the trim box on every page; a sheet
/// that holds several cards is its own trim (its crop marks show where the cards are cut).
fn page_boxes(page: &mut pdf_writer::writers::Page, size: Size, bleed: f32) {
    let trim = PdfRect::new(0.0, 0.0, size.width, size.height);
    let paper = PdfRect::new(-bleed, -bleed, size.width + bleed, size.height + bleed);
    page.media_box(paper);
    page.bleed_box(paper);
    page.trim_box(trim);
}

/// `/Group << /S /Transparency /CS /DeviceCMYK >>`: the seal's soft mask is blended in CMYK, the
/// colour space of the print, rather than in whatever a viewer picks (PDF/X-4 keeps transparency
/// live, and this is what a print shop's RIP should flatten it in).
fn cmyk_group(page: &mut pdf_writer::writers::Page) {
    page.group().transparency().color_space().device_cmyk();
}

/// The colour space of an image's samples.
#[derive(Clone, Copy)]
enum Space {
    Gray,
    Rgb,
    Cmyk,
}

/// Renders one document into a PDF file of its own.
pub fn pdf(document: &Document, options: &PdfOptions) -> Vec<u8> {
    let mut writer = PdfWriter::new(options.clone());
    writer.add(document);
    writer.finish()
}

/// The resource name of a bundled font.
fn font_name(id: FontId) -> String {
    format!("F{}", id as usize)
}

/// How hard deflate works on a stream, by what the stream holds.
#[derive(Clone, Copy)]
enum Effort {
    /// Level 1 (fixed Huffman codes): a file's own font subsets and their CIDToGIDMaps, which a
    /// preview server makes for every request. On their binary data level 6 saves only 7 %, at
    /// twice the time.
    Fast,
    /// Level 2: content streams, which are text and many to a batch file. Against miniz_oxide's
    /// level 1, used before, a batch of 3,000 records takes 7.5 % fewer instructions and its
    /// files are 7.5 % smaller; zlib-rs's level 1 would make them 13 % larger.
    Content,
    /// Level 6: what is encoded once per process and copied into every file (the backgrounds'
    /// subsets, images, ICC profiles). On a card, the backgrounds' subset is 12 % and the seal's
    /// pixels 67 % smaller than at level 1.
    Shared,
}

impl Effort {
    fn level(self) -> u32 {
        match self {
            Effort::Fast => 1,
            Effort::Content => 2,
            Effort::Shared => 6,
        }
    }
}

/// Deflates (zlib format) with one compressor per thread and effort, reset between calls. Most of
/// a preview's streams are small (its record's two font subsets, their CIDToGIDMaps, the pages):
/// zlib-rs resets in a few microseconds where miniz_oxide cleared 380 KB of tables, which for a
/// card cost more than compressing (bench/README.md, "serve").
fn compress(data: &[u8], effort: Effort) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    use std::cell::RefCell;
    // Each made on first use: a compressor holds some 300 KB.
    thread_local! {
        static FAST: RefCell<Compress> = new_compressor(Effort::Fast);
        static CONTENT: RefCell<Compress> = new_compressor(Effort::Content);
        static SHARED: RefCell<Compress> = new_compressor(Effort::Shared);
    }
    fn new_compressor(effort: Effort) -> RefCell<Compress> {
        RefCell::new(Compress::new(Compression::new(effort.level()), true))
    }
    let compressor = match effort {
        Effort::Fast => &FAST,
        Effort::Content => &CONTENT,
        Effort::Shared => &SHARED,
    };
    compressor.with_borrow_mut(|compressor| {
        compressor.reset();
        // Level 1 can grow incompressible data by an eighth (fixed Huffman codes); the loop
        // below grows the buffer for anything more.
        let mut out = Vec::with_capacity(data.len() + data.len() / 8 + 64);
        loop {
            let read = compressor.total_in() as usize;
            let status = compressor
                .compress_vec(&data[read..], &mut out, FlushCompress::Finish)
                .expect("compressing into memory cannot fail");
            match status {
                Status::StreamEnd => return out,
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{Color, Image, Rect, TextRun};

    fn text(text: &str, font: FontId, y: f32) -> Item {
        Item {
            element: Arc::from("text"),
            kind: ItemKind::Text(TextRun {
                font,
                size: 9.0,
                h_scale: 1.0,
                spacing: 0.0,
                origin: Point { x: 10.0, y },
                glyphs: crate::font::Fonts::global().get(font).shape(text).unwrap(),
                text: text.into(),
                color: Color(200, 0, 0),
            }),
        }
    }

    /// A card-sized page: a background with labels and a half-transparent seal, and a name.
    fn document() -> Document {
        let seal = Arc::new(Raster {
            key: 7,
            width: 2,
            height: 2,
            rgb: vec![255, 0, 0, 200, 0, 0, 255, 10, 10, 120, 0, 0],
            alpha: Some(vec![0, 128, 255, 64]),
        });
        let size = Size {
            width: 243.0,
            height: 153.0,
        };
        let background = Arc::new(Layer {
            key: "card#front".into(),
            size,
            items: vec![
                text("氏名 生年月日", FontId::Gothic, 20.0),
                text("高崎市", FontId::GothicBold, 40.0),
                Item {
                    element: Arc::from("seal"),
                    kind: ItemKind::Image(Image {
                        data: seal,
                        rect: Rect {
                            x: 200.0,
                            y: 100.0,
                            width: 30.0,
                            height: 30.0,
                        },
                    }),
                },
            ],
        });
        Document {
            pages: vec![Page {
                size,
                background,
                items: vec![text("佐藤 太郎", FontId::Gothic, 30.0)],
                bleed: 0.0,
            }],
        }
    }

    /// The same document drawn again: equal content in new `Arc`s, as another form would have.
    fn fresh_copy(document: &Document) -> Document {
        let mut copy = document.clone();
        for page in &mut copy.pages {
            let mut layer = Layer::clone(&page.background);
            for item in &mut layer.items {
                if let ItemKind::Image(image) = &mut item.kind {
                    image.data = Arc::new(Raster::clone(&image.data));
                }
            }
            page.background = Arc::new(layer);
        }
        copy
    }

    /// The subset names (`/BaseFont /ABCDEF+Name`) of a file, once each, in order.
    fn subsets(pdf: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(pdf);
        let mut names: Vec<String> = text
            .split("/BaseFont /")
            .skip(1)
            .map(|rest| {
                rest.split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        names.dedup();
        names
    }

    #[test]
    fn backgrounds_and_pages_have_subsets_of_their_own() {
        let document = document();
        let mut other = fresh_copy(&document);
        other.pages[0].background = document.pages[0].background.clone();
        other.pages[0].items = vec![text("鈴木 一郎", FontId::Gothic, 30.0)];
        let (a, b) = (
            subsets(&pdf(&document, &PdfOptions::default())),
            subsets(&pdf(&other, &PdfOptions::default())),
        );
        // The background's regular and bold subsets, then the page's regular one.
        assert_eq!(a.len(), 3, "{a:?}");
        assert!(a[2].ends_with("+BIZUDGothic-Regular"), "{a:?}");
        assert_eq!(a[..2], b[..2], "the same background, the same subsets");
        assert_ne!(a[2], b[2], "each record's own glyphs");
    }

    #[test]
    fn files_from_cached_encodings_have_the_bytes_of_fresh_ones() {
        let document = document();
        let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 1);
        for options in [
            PdfOptions::default(),
            PdfOptions {
                pdfx: true,
                date,
                ..PdfOptions::default()
            },
        ] {
            let first = pdf(&document, &options);
            assert_eq!(pdf(&document, &options), first, "from the cache");
            assert_eq!(
                pdf(&fresh_copy(&document), &options),
                first,
                "encoded afresh"
            );
        }
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut decoder = flate2::read::ZlibDecoder::new(data);
        std::io::Read::read_to_end(&mut decoder, &mut out).expect("a valid zlib stream");
        out
    }

    #[test]
    fn streams_of_any_size_deflate_whole() {
        // Empty, tiny, a CIDToGIDMap's zeros, and pseudo-random bytes that level 1's fixed
        // Huffman codes make larger than they were.
        let mut noise = vec![0u8; 300_000];
        let mut x = 0x2545_f491_u32;
        for b in &mut noise {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        for data in [&b""[..], b"q", &[0; 10_000], &noise] {
            for effort in [Effort::Fast, Effort::Content, Effort::Shared] {
                let deflated = compress(data, effort);
                assert_eq!(inflate(&deflated), data, "{} bytes", data.len());
                // The same bytes again: the reused compressor starts afresh each time.
                assert_eq!(compress(data, effort), deflated);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn deflating_round_trips(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..5000)) {
            proptest::prop_assert_eq!(inflate(&compress(&data, Effort::Fast)), data);
        }
    }
}
