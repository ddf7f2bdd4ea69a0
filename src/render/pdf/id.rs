//! File identity: the trailer `/ID` and the XMP document ids, made from the content.
//!
//! PDF 2.0 (ISO 32000-2 §14.4) requires an `/ID` in every file, and print and archive workflows use it
//! to tell files apart; XMP (`xmpMM:DocumentID`) wants a UUID. Both come from one 128-bit digest of
//! everything that decides the file's bytes, so the same input gives the same file and other content
//! another id, with no clock or randomness read.

/// A 128-bit content digest: two FNV-1a hashes with different starting values. The document id
/// only has to be the same for the same content and differ otherwise; it protects nothing.
#[derive(Debug, Clone, Copy)]
pub struct Digest([u64; 2]);

impl Digest {
    /// An empty digest.
    pub fn new() -> Digest {
        Digest([0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142])
    }

    /// Adds bytes (and their length, so that ("ab", "c") and ("a", "bc") differ).
    pub fn update(&mut self, bytes: &[u8]) {
        for h in &mut self.0 {
            *h = bytes.iter().fold(*h, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            *h = (*h ^ bytes.len() as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The 16 digest bytes: the file identifier.
    pub fn bytes(&self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.0[0].to_be_bytes());
        out[8..].copy_from_slice(&self.0[1].to_be_bytes());
        out
    }

    /// The digest as a UUID URN for XMP (`uuid:xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx`): version 8, the
    /// custom version of RFC 9562 (which obsoletes RFC 4122 and keeps its layout), and the RFC 4122
    /// variant. Version 8 rather than 5 because the name-based versions promise MD5 or SHA-1 of a
    /// namespace and a name, which a content digest is not.
    pub fn uuid(&self) -> String {
        let mut b = self.bytes();
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "uuid:{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// A second UUID for the same content, for ids that must differ from the document id
    /// (`xmpMM:InstanceID` names this rendition, the document id the document).
    pub fn instance(&self) -> Digest {
        let mut d = *self;
        d.update(b"instance");
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_carry_version_8_and_the_rfc_4122_variant() {
        for text in ["", "a", "card", "another card"] {
            let mut d = Digest::new();
            d.update(text.as_bytes());
            let uuid = d.uuid();
            let hex = uuid.strip_prefix("uuid:").unwrap();
            let groups: Vec<&str> = hex.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(groups[2].starts_with('8'), "{uuid}");
            assert!(
                matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "{uuid}"
            );
            assert_ne!(d.uuid(), d.instance().uuid());
        }
    }

    #[test]
    fn the_digest_depends_on_content_and_boundaries() {
        let digest = |parts: &[&str]| {
            let mut d = Digest::new();
            for p in parts {
                d.update(p.as_bytes());
            }
            d.bytes()
        };
        assert_eq!(digest(&["ab", "c"]), digest(&["ab", "c"]));
        assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
        assert_ne!(digest(&["ab"]), digest(&["ac"]));
    }
}
