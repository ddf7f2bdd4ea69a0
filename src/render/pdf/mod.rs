//! Display lists → PDF, with fonts embedded as subsets and shared backgrounds
//! written once per file as Form XObjects.
//!
//! A [`PdfWriter`] collects any number of documents (one per record) into one
//! file: every page points to one shared resource dictionary, each layout page's
//! background is one Form XObject drawn by `Do`, and each font is subset once
//! from the glyphs all pages used. The bytes depend only on the input: no clock,
//! no random ids, object numbers allocated in page order.

mod content;
mod font;

use std::collections::BTreeMap;
use std::sync::Arc;

use pdf_writer::{Filter, Finish, Name, Pdf, Rect as PdfRect, Ref, TextStr};

use crate::display::{Document, Layer, Page, Raster};
use crate::font::FontId;
use font::FontSet;

/// Options for PDF output.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// The document title written into the metadata (`/Title`); none by default.
    pub title: Option<String>,
}

/// Writes documents into one PDF file.
pub struct PdfWriter {
    pdf: Pdf,
    next: Ref,
    catalog: Ref,
    page_tree: Ref,
    resources: Ref,
    fonts: FontSet,
    /// Background layers already written, by key: their object and resource name index.
    layers: BTreeMap<String, (Ref, usize)>,
    images: BTreeMap<u64, (Ref, usize)>,
    pages: Vec<Ref>,
    options: PdfOptions,
}

impl PdfWriter {
    /// Starts an empty file.
    pub fn new(options: PdfOptions) -> PdfWriter {
        let mut next = Ref::new(1);
        let catalog = next.bump();
        let page_tree = next.bump();
        let resources = next.bump();
        let fonts = FontSet::new();
        PdfWriter {
            pdf: Pdf::new(),
            next,
            catalog,
            page_tree,
            resources,
            fonts,
            layers: BTreeMap::new(),
            images: BTreeMap::new(),
            pages: Vec::new(),
            options,
        }
    }

    /// Appends every page of a document.
    pub fn add(&mut self, document: &Document) {
        for page in &document.pages {
            self.add_page(page);
        }
    }

    /// The number of pages written so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn add_page(&mut self, page: &Page) {
        let layer = self.layer(&page.background);
        let mut images = Vec::new();
        for item in &page.items {
            if let crate::display::ItemKind::Image(image) = &item.kind {
                images.push(self.image(&image.data));
            }
        }
        let mut content = content::Builder::new(page.size.height);
        content.layer(layer);
        content.items(&page.items, &mut self.fonts, &mut images.into_iter());
        let data = compress(&content.finish());
        let page_ref = self.next.bump();
        let content_ref = self.next.bump();
        self.pdf.stream(content_ref, &data).filter(Filter::FlateDecode);
        let mut p = self.pdf.page(page_ref);
        p.media_box(PdfRect::new(0.0, 0.0, page.size.width, page.size.height));
        p.parent(self.page_tree);
        p.contents(content_ref);
        p.pair(Name(b"Resources"), self.resources);
        p.finish();
        self.pages.push(page_ref);
    }

    /// The resource index of a background layer, writing it the first time.
    fn layer(&mut self, layer: &Arc<Layer>) -> usize {
        if let Some(&(_, index)) = self.layers.get(&layer.key) {
            return index;
        }
        let index = self.layers.len();
        let form_ref = self.next.bump();
        let mut images: Vec<usize> = Vec::new();
        for item in &layer.items {
            if let crate::display::ItemKind::Image(image) = &item.kind {
                images.push(self.image(&image.data));
            }
        }
        let (width, height) = (layer.size.width, layer.size.height);
        let mut content = content::Builder::new(height);
        content.items(&layer.items, &mut self.fonts, &mut images.into_iter());
        let data = compress(&content.finish());
        let mut form = self.pdf.form_xobject(form_ref, &data);
        form.bbox(PdfRect::new(0.0, 0.0, width, height));
        form.filter(Filter::FlateDecode);
        form.pair(Name(b"Resources"), self.resources);
        form.finish();
        self.layers.insert(layer.key.clone(), (form_ref, index));
        index
    }

    /// The resource index of an image, writing it the first time.
    fn image(&mut self, raster: &Arc<Raster>) -> usize {
        if let Some(&(_, index)) = self.images.get(&raster.key) {
            return index;
        }
        let index = self.images.len();
        let image_ref = self.next.bump();
        let mask_ref = raster.alpha.as_ref().map(|_| self.next.bump());
        let data = compress(&raster.rgb);
        let mut image = self.pdf.image_xobject(image_ref, &data);
        image.filter(Filter::FlateDecode);
        image.width(raster.width as i32);
        image.height(raster.height as i32);
        image.color_space().device_rgb();
        image.bits_per_component(8);
        if let Some(mask) = mask_ref {
            image.s_mask(mask);
        }
        image.finish();
        if let (Some(mask), Some(alpha)) = (mask_ref, &raster.alpha) {
            let data = compress(alpha);
            let mut smask = self.pdf.image_xobject(mask, &data);
            smask.filter(Filter::FlateDecode);
            smask.width(raster.width as i32);
            smask.height(raster.height as i32);
            smask.color_space().device_gray();
            smask.bits_per_component(8);
            smask.finish();
        }
        self.images.insert(raster.key, (image_ref, index));
        index
    }

    /// Writes fonts, resources and the page tree, and returns the file's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.fonts.write(&mut self.pdf, &mut self.next);
        let mut resources = self.pdf.indirect(self.resources).start::<pdf_writer::writers::Resources>();
        let mut fonts = resources.fonts();
        for (id, font_ref) in self.fonts.used() {
            fonts.pair(font_name(id).as_name(), font_ref);
        }
        fonts.finish();
        let mut xobjects = resources.x_objects();
        for (form_ref, index) in self.layers.values() {
            xobjects.pair(Name(format!("L{index}").as_bytes()), *form_ref);
        }
        for (image_ref, index) in self.images.values() {
            xobjects.pair(Name(format!("I{index}").as_bytes()), *image_ref);
        }
        xobjects.finish();
        resources.finish();
        self.pdf.pages(self.page_tree).kids(self.pages.iter().copied()).count(self.pages.len() as i32);
        self.pdf.catalog(self.catalog).pages(self.page_tree);
        if let Some(title) = &self.options.title {
            let info = self.next.bump();
            self.pdf.document_info(info).title(TextStr(title));
        }
        let xref = self.next.bump();
        self.pdf.finish_with_xref_stream(xref)
    }
}

/// Renders one document into a PDF file of its own.
pub fn pdf(document: &Document, options: &PdfOptions) -> Vec<u8> {
    let mut writer = PdfWriter::new(options.clone());
    writer.add(document);
    writer.finish()
}

struct FontName(String);

impl FontName {
    fn as_name(&self) -> Name<'_> {
        Name(self.0.as_bytes())
    }
}

fn font_name(id: FontId) -> FontName {
    FontName(format!("F{}", id as usize))
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
