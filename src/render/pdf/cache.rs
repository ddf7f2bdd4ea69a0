//! What every document of a form shares, encoded once per process rather than once per file: the
//! compressed content stream of each background layer and the compressed pixels of each image.
//!
//! A preview server writes one small file per request, and a batch one file per few hundred
//! records: without this, each file would compress the same seal image and the same background
//! streams again, which costs more than the record's own page. The bytes are exactly those a fresh
//! encoding gives, so files do not depend on what was encoded before them.
//!
//! Entries are keyed by the identity of the shared `Arc` (the layer or raster a form drew once),
//! not by its `key`: a layer's key names it only among the layers of one run, and two forms of one
//! layout for different issuers differ in content. An entry holds a `Weak` to its `Arc`, which
//! keeps the allocation (not the value) alive, so no other layer can take its address while the
//! entry exists; entries whose layer has been dropped are removed when the next one is added.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::font::EncodedFont;
use super::{compress, content, encode_items, Effort, Encoded, UsedGlyph};
use crate::display::{Color, Layer, Raster};
use crate::font::FontId;

/// A background layer's encoding (content stream and what it draws with), in DeviceCMYK when
/// `cmyk`.
pub fn layer(layer: &Arc<Layer>, cmyk: bool) -> Arc<Encoded> {
    static LAYERS: OnceLock<ByIdentity<Layer, Encoded>> = OnceLock::new();
    LAYERS
        .get_or_init(ByIdentity::default)
        .get(layer, cmyk, || {
            encode_items(&layer.items, layer.size.height, None, cmyk)
        })
}

/// An image's compressed pixels and alpha.
pub struct EncodedImage {
    /// The pixels, deflated: RGB, or DeviceCMYK when asked for.
    pub pixels: Vec<u8>,
    /// The alpha mask, deflated, if the image has one.
    pub alpha: Option<Vec<u8>>,
}

/// An image's pixels (in DeviceCMYK when `cmyk`) and alpha mask, compressed.
pub fn image(raster: &Arc<Raster>, cmyk: bool) -> Arc<EncodedImage> {
    static IMAGES: OnceLock<ByIdentity<Raster, EncodedImage>> = OnceLock::new();
    IMAGES
        .get_or_init(ByIdentity::default)
        .get(raster, cmyk, || {
            let pixels = if cmyk {
                // PDF/X: the seal's pixels as DeviceCMYK, by the same conversion as the page colours.
                let converted: Vec<u8> = raster
                    .rgb
                    .chunks_exact(3)
                    .flat_map(|p| {
                        content::cmyk(Color(p[0], p[1], p[2])).map(|v| (v * 255.0).round() as u8)
                    })
                    .collect();
                compress(&converted, Effort::Shared)
            } else {
                compress(&raster.rgb, Effort::Shared)
            };
            EncodedImage {
                pixels,
                alpha: raster
                    .alpha
                    .as_deref()
                    .map(|alpha| compress(alpha, Effort::Shared)),
            }
        })
}

/// A font subset for a set of glyphs, with their text: the same bytes for the same glyphs.
///
/// For the backgrounds' glyphs, which repeat in every file of a form: keyed by content (the font,
/// each glyph's id and text), as the glyphs of a file's backgrounds come from several layers.
/// Records' glyphs are never looked up here. At most [`FONTS`] subsets are kept: a run has a few
/// forms, and when a long-running server has seen more, the cache starts again.
pub fn font(
    id: FontId,
    used: &BTreeMap<u16, UsedGlyph>,
    make: impl FnOnce() -> EncodedFont,
) -> Arc<EncodedFont> {
    static SUBSETS: Mutex<Subsets> = Mutex::new(BTreeMap::new());
    let key = (id, used.values().copied().collect::<Vec<_>>());
    let lock = || SUBSETS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(font) = lock().get(&key) {
        return font.clone();
    }
    let font = Arc::new(make());
    let mut subsets = lock();
    if subsets.len() >= FONTS {
        subsets.clear();
    }
    subsets.entry(key).or_insert(font).clone()
}

/// Subsets by font and glyphs (with their text).
type Subsets = BTreeMap<(FontId, Vec<UsedGlyph>), Arc<EncodedFont>>;

/// How many background font subsets the cache keeps.
const FONTS: usize = 64;

/// Values made from shared `Arc`s, kept while the `Arc` lives (see the module's doc); `variant`
/// tells apart encodings of one value (RGB or CMYK).
struct ByIdentity<T, V> {
    entries: Mutex<Entries<T, V>>,
}

/// (address of the `Arc`'s allocation, variant) → the `Arc`, weakly, and its value.
type Entries<T, V> = BTreeMap<(usize, bool), (Weak<T>, Arc<V>)>;

impl<T, V> Default for ByIdentity<T, V> {
    fn default() -> Self {
        ByIdentity {
            entries: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<T, V> ByIdentity<T, V> {
    /// The value for `item`, made by `make` the first time. Made outside the lock: two threads
    /// may both make it, and the first one stored wins (both are the same bytes).
    fn get(&self, item: &Arc<T>, variant: bool, make: impl FnOnce() -> V) -> Arc<V> {
        let key = (Arc::as_ptr(item) as usize, variant);
        if let Some((_, value)) = self.lock().get(&key) {
            return value.clone();
        }
        let value = Arc::new(make());
        let mut entries = self.lock();
        entries.retain(|_, (weak, _)| weak.strong_count() > 0);
        let (_, value) = entries
            .entry(key)
            .or_insert_with(|| (Arc::downgrade(item), value));
        value.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<T, V>> {
        // A panic while encoding happens outside the lock, so the map is never half-changed.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_made_once_per_arc_and_variant_and_dropped_with_it() {
        let cache: ByIdentity<String, usize> = ByIdentity::default();
        let made = std::cell::Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            made.get()
        };
        let a = Arc::new("same text".to_string());
        let b = Arc::new("same text".to_string());
        assert_eq!(*cache.get(&a, false, make), 1);
        assert_eq!(*cache.get(&a, false, make), 1, "made once");
        assert_eq!(*cache.get(&a, true, make), 2, "another variant");
        assert_eq!(
            *cache.get(&b, false, make),
            3,
            "an equal value is another Arc"
        );
        drop(a);
        let c = Arc::new("other".to_string());
        cache.get(&c, false, make);
        assert_eq!(cache.lock().len(), 2, "a's entries went when c's came");
    }
}
