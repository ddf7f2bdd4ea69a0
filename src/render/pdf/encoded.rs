//! Encoded pages as bytes, so a batch can set them aside on disk between
//! rendering (parallel, in input order) and assembling files (in mailing order).

use std::sync::Arc;

use super::{EncodedPage, UsedGlyph};
use crate::display::{Layer, Raster, Size};
use crate::font::FontId;

impl EncodedPage {
    /// The shared background the page draws.
    pub fn background(&self) -> &Arc<Layer> {
        &self.background
    }

    /// The images the page draws.
    pub fn images(&self) -> &[Arc<Raster>] {
        &self.images
    }

    /// Appends the page to `out`. Its background and images are written by key:
    /// [`EncodedPage::from_bytes`] gets them back from the caller, who keeps them.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        put_f32(out, self.size.width);
        put_f32(out, self.size.height);
        put_f32(out, self.bleed);
        put_bytes(out, self.background.key.as_bytes());
        put_u32(out, self.layers.len() as u32);
        for layer in &self.layers {
            put_bytes(out, layer.key.as_bytes());
        }
        put_u32(out, self.images.len() as u32);
        for image in &self.images {
            out.extend_from_slice(&image.key.to_le_bytes());
        }
        put_bytes(out, &self.content);
        put_u32(out, self.glyphs.len() as u32);
        for glyph in &self.glyphs {
            out.push(glyph.font as u8);
            out.extend_from_slice(&glyph.id.to_le_bytes());
            put_u32(out, glyph.base as u32);
            put_u32(out, glyph.selector.map_or(0, |c| c as u32));
        }
    }

    /// Reads a page written by [`EncodedPage::to_bytes`] from the front of `bytes`,
    /// advancing past it; `None` when the bytes are not such a page or name a layer
    /// or image the caller does not have.
    pub fn from_bytes(
        bytes: &mut &[u8],
        layer: impl Fn(&str) -> Option<Arc<Layer>>,
        image: impl Fn(u64) -> Option<Arc<Raster>>,
    ) -> Option<EncodedPage> {
        let mut r = Reader(bytes);
        let size = Size {
            width: r.f32()?,
            height: r.f32()?,
        };
        let bleed = r.f32()?;
        let background = layer(std::str::from_utf8(r.bytes()?).ok()?)?;
        let layers = (0..r.u32()?)
            .map(|_| layer(std::str::from_utf8(r.bytes()?).ok()?))
            .collect::<Option<Vec<_>>>()?;
        let images = (0..r.u32()?)
            .map(|_| image(r.u64()?))
            .collect::<Option<Vec<_>>>()?;
        let content = r.bytes()?.to_vec();
        let glyphs = (0..r.u32()?)
            .map(|_| {
                let font = *FontId::ALL.get(usize::from(r.u8()?))?;
                let id = r.u16()?;
                let base = char::from_u32(r.u32()?)?;
                let selector = match r.u32()? {
                    0 => None,
                    c => Some(char::from_u32(c)?),
                };
                Some(UsedGlyph {
                    font,
                    id,
                    base,
                    selector,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        *bytes = r.0;
        Some(EncodedPage {
            size,
            bleed,
            background,
            content,
            glyphs,
            images,
            layers,
        })
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f32(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn f32(&mut self) -> Option<f32> {
        Some(f32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{Color, Item, ItemKind, Page, Point, TextRun};

    #[test]
    fn pages_round_trip_through_bytes() {
        let layer = Arc::new(Layer {
            key: "l#front".into(),
            size: Size {
                width: 10.0,
                height: 20.0,
            },
            items: vec![],
        });
        let font = crate::font::Fonts::bundled().get(FontId::Gothic);
        let run = TextRun {
            font: FontId::Gothic,
            size: 8.0,
            h_scale: 1.0,
            spacing: 0.0,
            origin: Point { x: 1.0, y: 2.0 },
            glyphs: font.shape("葛\u{E0100}西").unwrap(),
            text: "葛\u{E0100}西".into(),
            color: Color::BLACK,
        };
        let page = Page {
            size: layer.size,
            background: layer.clone(),
            items: vec![Item {
                element: Arc::from("name"),
                kind: ItemKind::Text(run),
            }],
            bleed: 2.0,
        };
        let encoded = super::super::encode_page(&page, &Default::default());
        let mut bytes = Vec::new();
        encoded.to_bytes(&mut bytes);
        bytes.extend_from_slice(b"next");
        let mut rest = &bytes[..];
        let back = EncodedPage::from_bytes(
            &mut rest,
            |k| (k == "l#front").then(|| layer.clone()),
            |_| None,
        )
        .unwrap();
        assert_eq!(back.content, encoded.content);
        assert_eq!(back.glyphs, encoded.glyphs);
        assert_eq!(back.bleed, 2.0);
        assert_eq!(rest, b"next");
        assert!(EncodedPage::from_bytes(
            &mut &bytes[..bytes.len() - 5],
            |_| Some(layer.clone()),
            |_| None
        )
        .is_none());
    }
}
