//! PNG images (the issuer's seal, images a layout ships): checked before decoding.
//!
//! A PNG's header states its size in 8 bytes, and a few kilobytes of compressed zeros can
//! claim 20000 × 20000 pixels, which would take gigabytes to decode. So the header is read
//! first and anything beyond [`MAX_PIXELS`] or [`MAX_SIDE`] is refused before any pixel is
//! decoded; the decoder itself then runs under the same limits and an allocation cap.

use std::fmt;
use std::io::Cursor;

/// The most bytes an image file may have: 2 MiB. A seal is about 20 mm across; at 600 dpi
/// that is under 500 × 500 pixels, a few tens of kilobytes as PNG.
pub const MAX_BYTES: u64 = 2 << 20;

/// The most pixels an image may have: 4 megapixels (2000 × 2000), over 2 m² of seal at 600 dpi.
pub const MAX_PIXELS: u64 = 4_000_000;

/// The longest side an image may have, in pixels: a 4000 × 1000 banner is fine, a 1 × 4000000
/// strip is not an image anyone prints.
pub const MAX_SIDE: u32 = 8000;

/// The most memory the decoder may allocate: 4 megapixels of 16-bit RGBA is 32 MiB, plus its
/// working buffers.
pub const MAX_DECODER_BYTES: u64 = 64 << 20;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Occurs when an image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PngError {
    /// Occurs when the bytes do not start with the PNG signature.
    NotPng,
    /// Occurs when the file ends before its header (IHDR) does.
    Truncated,
    /// Occurs when the first chunk is not a well-formed IHDR.
    BadHeader,
    /// Occurs when the header declares a size beyond the limits.
    TooLarge {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
    },
    /// Occurs when the decoder fails (a truncated or corrupt image, a bad chunk).
    Decode(String),
}

impl fmt::Display for PngError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            PngError::NotPng => f.write_str("not a PNG file"),
            PngError::Truncated => f.write_str("the PNG file ends inside its header"),
            PngError::BadHeader => f.write_str("the PNG file does not start with an IHDR header"),
            PngError::TooLarge { width, height } => write!(
                f,
                "the image is {width} × {height} pixels, more than the limit of {} megapixels and {MAX_SIDE} pixels a side",
                MAX_PIXELS / 1_000_000
            ),
            PngError::Decode(e) => write!(f, "the PNG file is damaged: {e}"),
        }
    }
}

impl std::error::Error for PngError {}

/// The size a PNG declares in its header, refused if beyond the limits: no pixel is decoded.
pub fn check_header(bytes: &[u8]) -> Result<(u32, u32), PngError> {
    if bytes.len() < SIGNATURE.len() || bytes[..SIGNATURE.len()] != SIGNATURE {
        return Err(PngError::NotPng);
    }
    // Signature, then the IHDR chunk: length 13, type, width, height, 5 more bytes, CRC.
    let header = bytes.get(8..33).ok_or(PngError::Truncated)?;
    let be = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if be(0) != 13 || &header[4..8] != b"IHDR" {
        return Err(PngError::BadHeader);
    }
    let (width, height) = (be(8), be(12));
    if width == 0 || height == 0 {
        return Err(PngError::BadHeader);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PngError::TooLarge { width, height });
    }
    Ok((width, height))
}

/// Decodes a PNG into 8-bit RGBA under the limits: the header first, then the decoder with
/// [`image::Limits`].
pub fn decode(bytes: &[u8]) -> Result<image::RgbaImage, PngError> {
    check_header(bytes)?;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_BYTES);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| PngError::Decode(plain(&e.to_string())))?;
    Ok(image.into_rgba8())
}

/// The decoder's message without its prefix and debug dumps: `ChunkType { type: BOGS, … }` → `BOGS`.
fn plain(message: &str) -> String {
    let message = message
        .strip_prefix("Format error decoding Png: ")
        .unwrap_or(message);
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("ChunkType { type: ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "ChunkType { type: ".len()..];
        let name = after.split([',', ' ']).next().unwrap_or("");
        out.push_str(&format!("`{name}`"));
        rest = after.split_once('}').map_or("", |(_, tail)| tail);
    }
    out.push_str(rest);
    out.trim_end_matches('.').to_string()
}

/// PNG files for tests: built chunk by chunk, so that a header can claim any size.
#[cfg(test)]
pub(crate) mod testing {
    /// A chunk with its length and CRC.
    pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        out
    }

    /// An 8-bit greyscale PNG of `width` × `height` whose pixels are all zero.
    pub fn grey(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let raw = vec![0u8; (width as usize + 1) * height as usize];
        let mut png = super::SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        let mut idat = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut idat, &raw).expect("writing to memory");
        png.extend(chunk(b"IDAT", &idat.finish().expect("writing to memory")));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn decodes_a_small_png() {
        let image = decode(&grey(3, 2)).expect("decodes");
        assert_eq!(image.dimensions(), (3, 2));
    }

    #[test]
    fn refuses_a_huge_declared_size_before_decoding() {
        // Only the header: the IDAT that would hold 400 million pixels is never looked at.
        let mut png = grey(1, 1);
        png[16..24].copy_from_slice(&[0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20]);
        assert_eq!(
            check_header(&png),
            Err(PngError::TooLarge {
                width: 20000,
                height: 20000
            })
        );
        assert_eq!(
            decode(&png).expect_err("too large").to_string(),
            "the image is 20000 × 20000 pixels, more than the limit of 4 megapixels and 8000 pixels a side"
        );
        assert!(check_header(&grey(2000, 2000)).is_ok());
        assert!(check_header(&grey(2001, 2000)).is_err());
        assert!(check_header(&grey(8001, 1)).is_err());
    }

    #[test]
    fn refuses_what_is_not_a_whole_png() {
        assert_eq!(decode(b"GIF89a"), Err(PngError::NotPng));
        let png = grey(4, 4);
        assert_eq!(decode(&png[..20]), Err(PngError::Truncated));
        assert!(matches!(
            decode(&png[..png.len() - 20]),
            Err(PngError::Decode(_))
        ));
        let mut bogus = png[..33].to_vec();
        bogus.extend(chunk(b"BOGS", b"?"));
        bogus.extend_from_slice(&png[33..]);
        assert_eq!(
            decode(&bogus)
                .expect_err("unknown critical chunk")
                .to_string(),
            "the PNG file is damaged: Unrecognized critical chunk: `BOGS`"
        );
        let mut no_header = png[..8].to_vec();
        no_header.extend(chunk(b"tEXt", b"Title\0seal seal seal seal"));
        assert_eq!(decode(&no_header), Err(PngError::BadHeader));
    }
}
