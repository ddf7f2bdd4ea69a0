//! Filling a layout: layout + issuer → [`Form`], then form + record + eligibility →
//! [`Document`], a display list.
//!
//! Everything that depends on the layout and the issuer alone (labels, rules,
//! the issuer's name, the seal, the QR code) is drawn once into each page's
//! background layer when the form is made; filling a record draws only what
//! is its own. Errors in the background are configuration errors and stop a run
//! before the first record; errors in a record's values reject that record only.

mod cover;
mod notes;
mod shape;
mod text;
mod values;

use std::sync::Arc;

pub use cover::{document_name, Cover, Enclosure};
pub use shape::fnv1a;
pub use text::TextError;

use crate::barcode::{BarcodeError, CustomerBarcode};
use crate::display::{Document, Item, ItemKind, Layer, Page, Path, PathOp, Point, Raster, Rect};
use crate::eligibility::Eligibility;
use crate::gaiji::{TextNote, UnmappedGaiji};
use crate::issuer::Issuer;
use crate::layout::{CutLineDef, Element, ElementKind, Field, ImageSource, Layout, Piece, TextDef};
use crate::record::Record;
use values::Context;

/// A layout prepared for one issuer: backgrounds drawn, ready for records.
pub struct Form {
    layout: Arc<Layout>,
    issuer: Arc<Issuer>,
    pages: Vec<FormPage>,
}

struct FormPage {
    background: Arc<Layer>,
    /// The elements that depend on the record, in drawing order.
    dynamic: Vec<Element>,
    images: Vec<Option<Arc<Raster>>>,
}

/// Occurs when an element cannot be drawn for a record (or, in a background, at all).
#[derive(Debug, Clone, PartialEq)]
pub struct FillError {
    /// The layout's name.
    pub layout: String,
    /// The element's id.
    pub element: Arc<str>,
    /// The record field the element shows (the first one, when it shows several).
    pub field: Option<Field>,
    /// What went wrong.
    pub kind: FillErrorKind,
}

/// What went wrong while filling.
#[derive(Debug, Clone, PartialEq)]
pub enum FillErrorKind {
    /// Text could not be set: a missing glyph, or too long for its box.
    Text(TextError),
    /// The QR code's value is too long to encode.
    Qr(String),
    /// The seal or another image could not be decoded.
    Image(String),
    /// The customer barcode cannot be made from the postal code and address.
    Barcode(BarcodeError),
    /// A private-use character (外字) the issuer's 外字 map does not list.
    Gaiji(UnmappedGaiji),
    /// A computed position or size is NaN or infinite: never written, whatever produced it.
    NonFinite,
}

impl std::fmt::Display for FillError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match (&self.field, &self.kind) {
            // The 外字 map converts the record before any element is drawn.
            (Some(field), FillErrorKind::Gaiji(_)) => write!(f, "field `{field}`: ")?,
            (Some(field), _) => write!(
                f,
                "field `{field}` (element `{}` of layout {}): ",
                self.element, self.layout
            )?,
            (None, _) => write!(f, "element `{}` of layout {}: ", self.element, self.layout)?,
        }
        match &self.kind {
            FillErrorKind::Text(e) => e.fmt(f),
            FillErrorKind::Qr(e) => write!(f, "failed to encode the QR code ({e})"),
            FillErrorKind::Image(e) => write!(f, "failed to decode the image ({e})"),
            FillErrorKind::Barcode(e) => e.fmt(f),
            FillErrorKind::Gaiji(e) => e.fmt(f),
            FillErrorKind::NonFinite => f.write_str(
                "failed to place the element (a position or size is not a finite number)",
            ),
        }
    }
}

impl std::error::Error for FillError {}

impl FillError {
    /// A suggestion for the person who has to fix it.
    pub fn hint(&self) -> Option<String> {
        match &self.kind {
            FillErrorKind::Text(TextError::Missing(m)) => Some(self.missing_hint(m)),
            FillErrorKind::Gaiji(e) => Some(e.hint()),
            FillErrorKind::Text(TextError::Overflow { .. }) => {
                Some(format!("shorten the value, or give element `{}` a larger box or a looser fit rule in the layout", self.element))
            }
            FillErrorKind::Barcode(e) => Some(e.hint().into()),
            FillErrorKind::NonFinite => Some("please report this as a bug, with the layout".into()),
            _ => None,
        }
    }
}

impl FillError {
    /// What to do about a character no font has: its source decides who changes it.
    fn missing_hint(&self, missing: &crate::font::MissingGlyph) -> String {
        if !missing.unavailable.is_empty() {
            return missing.hint();
        }
        let key = self.field.and_then(|f| f.name().strip_prefix("issuer."));
        match (self.field, key) {
            (_, Some(key)) => format!("change `{key}` in the issuer profile, or list a substitute (MJ縮退) in its substitution table (`substitutions`)"),
            (None, _) => format!("change the text of element `{}` in the layout to characters its fonts have", self.element),
            _ => missing.hint(),
        }
    }
}

impl Form {
    /// Draws the backgrounds of `layout` for `issuer`.
    pub fn new(layout: Arc<Layout>, issuer: Arc<Issuer>) -> Result<Form, FillError> {
        let ctx = Context {
            record: None,
            cover: None,
            issuer: &issuer,
        };
        let mut pages = Vec::with_capacity(layout.pages().len());
        for page in layout.pages() {
            let mut items = Vec::new();
            if let Some(color) = page.background {
                let size = layout.size();
                let rect = Rect {
                    x: 0.0,
                    y: 0.0,
                    width: size.width,
                    height: size.height,
                };
                items.push(Item {
                    element: Arc::from(crate::display::PAGE_BACKGROUND),
                    kind: ItemKind::Path(Path {
                        ops: vec![PathOp::Rect(rect)],
                        fill: Some(color),
                        stroke: None,
                    }),
                });
            }
            let mut dynamic = Vec::new();
            for element in page.elements() {
                if element.is_static() {
                    if ctx.holds(element.when()) {
                        let images = load_image(&layout, element, &issuer)?;
                        let mut notes = Vec::new();
                        draw(
                            &layout,
                            element,
                            &ctx,
                            images.as_ref(),
                            &mut items,
                            &mut notes,
                        )?;
                    }
                } else {
                    dynamic.push(element.clone());
                }
            }
            let images = dynamic
                .iter()
                .map(|e| load_image(&layout, e, &issuer))
                .collect::<Result<_, _>>()?;
            check_finite(&layout, &items)?;
            // The issuer is part of the key: a run's issuers may share a layout, and their
            // backgrounds (name, insurer number, seal) differ, so one file must not take one
            // issuer's layer for another's.
            let key = format!(
                "{}#{}@{}",
                layout.name(),
                page.name(),
                issuer.insurer_number
            );
            pages.push(FormPage {
                background: Arc::new(Layer {
                    key,
                    size: layout.size(),
                    items,
                }),
                dynamic,
                images,
            });
        }
        Ok(Form {
            layout,
            issuer,
            pages,
        })
    }

    /// The layout this form fills.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The issuer it fills for.
    pub fn issuer(&self) -> &Arc<Issuer> {
        &self.issuer
    }

    /// The shared background of each page.
    pub fn backgrounds(&self) -> impl Iterator<Item = &Arc<Layer>> {
        self.pages.iter().map(|p| &p.background)
    }

    /// The images a record's page may draw besides its background (decoded once).
    pub fn images(&self) -> impl Iterator<Item = &Arc<Raster>> {
        self.pages.iter().flat_map(|p| p.images.iter().flatten())
    }

    /// Draws one record's document.
    pub fn fill(&self, record: &Record, eligibility: &Eligibility) -> Result<Document, FillError> {
        self.fill_noted(record, eligibility)
            .map(|(document, _)| document)
    }

    /// Draws one record's document, and says which characters were printed with help: 外字
    /// converted by the issuer's map, clusters from a fallback font, substitutions. Each note
    /// appears once, however many elements print its field.
    pub fn fill_noted(
        &self,
        record: &Record,
        eligibility: &Eligibility,
    ) -> Result<(Document, Vec<TextNote>), FillError> {
        let (record, mut notes) =
            crate::gaiji::convert(record, &self.issuer.gaiji_map).map_err(|e| FillError {
                layout: self.layout.name().to_string(),
                element: Arc::from("-"),
                field: Field::from_name(e.field),
                kind: FillErrorKind::Gaiji(e),
            })?;
        let ctx = Context {
            record: Some((&record, eligibility)),
            cover: None,
            issuer: &self.issuer,
        };
        let document = self.draw(&ctx, &mut notes)?;
        notes.sort();
        notes.dedup();
        Ok((document, notes))
    }

    /// Draws an envelope's cover letter (送付状): one page for each [`Form::cover_rows`]
    /// enclosures, each with the envelope's address block.
    pub fn fill_cover(&self, cover: &Cover) -> Result<Document, FillError> {
        let mut pages = Vec::new();
        for chunk in cover.enclosures.chunks(self.cover_rows()) {
            let part = Cover {
                enclosures: chunk.to_vec(),
                ..cover.clone()
            };
            pages.extend(
                self.draw(
                    &Context {
                        record: None,
                        cover: Some(&part),
                        issuer: &self.issuer,
                    },
                    &mut Vec::new(),
                )?
                .pages,
            );
        }
        Ok(Document { pages })
    }

    /// How many enclosures a cover letter page lists: the fewest lines any element that prints
    /// the list may take, so that every member's line keeps its place beside its document.
    pub fn cover_rows(&self) -> usize {
        let lists = |t: &TextDef| {
            t.template.pieces().iter().any(|p| {
                matches!(
                    p,
                    Piece::Value(Field::EnclosureNames | Field::EnclosureDocuments, _)
                )
            })
        };
        let elements = self.layout.pages().iter().flat_map(|p| p.elements());
        elements
            .filter_map(|e| match e.kind() {
                ElementKind::Text(t) if lists(t) => Some(t.fit.max_lines as usize),
                _ => None,
            })
            .min()
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// Draws the dynamic elements of every page, noting the characters printed with help.
    fn draw(&self, ctx: &Context, notes: &mut Vec<TextNote>) -> Result<Document, FillError> {
        let mut pages = Vec::with_capacity(self.pages.len());
        for page in &self.pages {
            let mut items = Vec::new();
            for (element, image) in page.dynamic.iter().zip(&page.images) {
                if ctx.holds(element.when()) {
                    draw(
                        &self.layout,
                        element,
                        ctx,
                        image.as_ref(),
                        &mut items,
                        notes,
                    )?;
                }
            }
            check_finite(&self.layout, &items)?;
            pages.push(Page {
                size: self.layout.size(),
                background: page.background.clone(),
                items,
                bleed: 0.0,
            });
        }
        notes.sort();
        notes.dedup();
        Ok(Document { pages })
    }
}

fn load_image(
    layout: &Layout,
    element: &Element,
    issuer: &Issuer,
) -> Result<Option<Arc<Raster>>, FillError> {
    let ElementKind::Image(def) = element.kind() else {
        return Ok(None);
    };
    let bytes = match &def.source {
        ImageSource::Seal => match &issuer.seal_png {
            Some(b) => b.as_slice(),
            None => return Ok(None),
        },
        ImageSource::File(b) => b.as_slice(),
    };
    shape::decode(bytes)
        .map(Some)
        .map_err(|e| error(layout, element, None, FillErrorKind::Image(e.0)))
}

/// Refuses items holding a NaN or infinity, naming the element (see [`crate::display::first_non_finite`]).
fn check_finite(layout: &Layout, items: &[Item]) -> Result<(), FillError> {
    match crate::display::first_non_finite(items) {
        None => Ok(()),
        Some(element) => Err(FillError {
            layout: layout.name().to_string(),
            element: element.clone(),
            field: None,
            kind: FillErrorKind::NonFinite,
        }),
    }
}

fn error(
    layout: &Layout,
    element: &Element,
    field: Option<Field>,
    kind: FillErrorKind,
) -> FillError {
    FillError {
        layout: layout.name().to_string(),
        element: element.id().clone(),
        field,
        kind,
    }
}

/// The record field behind the first value a template prints, which is what an error names.
fn first_field(template: &crate::layout::Template, ctx: &Context) -> Option<Field> {
    template.pieces().iter().find_map(|p| match p {
        Piece::Value(f, _) => Some(ctx.source(*f)),
        Piece::Literal(_) => None,
    })
}

fn draw(
    layout: &Layout,
    element: &Element,
    ctx: &Context,
    image: Option<&Arc<Raster>>,
    out: &mut Vec<Item>,
    notes: &mut Vec<TextNote>,
) -> Result<(), FillError> {
    let id = element.id();
    match element.kind() {
        ElementKind::Text(def) => out.extend(set_text(layout, element, def, ctx, notes)?),
        ElementKind::Line(def) => out.push(shape::line(def, id)),
        ElementKind::Rect(def) => out.push(shape::rect(def, id)),
        ElementKind::Image(def) => {
            out.extend(image.map(|raster| shape::image(raster, def.rect, id)))
        }
        ElementKind::Qr(def) => {
            let value = ctx.render(&def.value);
            let items = shape::qr(def, &value, id).map_err(|e| {
                error(
                    layout,
                    element,
                    first_field(&def.value, ctx),
                    FillErrorKind::Qr(e.0),
                )
            })?;
            out.extend(items);
        }
        ElementKind::CutLine(def) => cut_line(layout, element, def, ctx, out, notes)?,
        ElementKind::Barcode(def) => {
            let (postal, address) = (ctx.render(&def.postal), ctx.render(&def.address));
            let barcode = CustomerBarcode::encode(&postal, &address).map_err(|e| {
                let template =
                    if matches!(e, BarcodeError::PostalCode | BarcodeError::Representative) {
                        &def.postal
                    } else {
                        &def.address
                    };
                error(
                    layout,
                    element,
                    first_field(template, ctx),
                    FillErrorKind::Barcode(e),
                )
            })?;
            out.push(shape::barcode(def, &barcode, id));
        }
    }
    Ok(())
}

fn set_text(
    layout: &Layout,
    element: &Element,
    def: &TextDef,
    ctx: &Context,
    notes: &mut Vec<TextNote>,
) -> Result<Vec<Item>, FillError> {
    let value = ctx.render(&def.template);
    let fonts = text::Chain {
        chain: ctx.issuer.fonts.chain(def.font),
        substitutions: &ctx.issuer.substitution_table,
    };
    let field = first_field(&def.template, ctx);
    let first_note = notes.len();
    let items = text::set(&value, def, &fonts, element.id(), notes)
        .map_err(|e| error(layout, element, field, FillErrorKind::Text(e)))?;
    for note in &mut notes[first_note..] {
        note.field = field.map(|f| f.name());
    }
    Ok(items)
}

fn cut_line(
    layout: &Layout,
    element: &Element,
    def: &CutLineDef,
    ctx: &Context,
    out: &mut Vec<Item>,
    notes: &mut Vec<TextNote>,
) -> Result<(), FillError> {
    let id = element.id();
    let mut line = def.line.clone();
    if def.scissors {
        // Leave a gap in the dashes for the scissors mark at the start of the line.
        let height = 3.0 * crate::layout::PT_PER_MM;
        let at = Point {
            x: line.from.x.min(line.to.x),
            y: line.from.y,
        };
        out.push(shape::scissors(at, height, line.color, id));
        line.from = Point {
            x: at.x + height * 1.9,
            y: line.from.y,
        };
        line.to = Point {
            x: line.from.x.max(line.to.x),
            y: line.to.y,
        };
    }
    out.push(shape::line(&line, id));
    if let Some(caption) = &def.caption {
        out.extend(set_text(layout, element, caption, ctx, notes)?);
    }
    Ok(())
}
