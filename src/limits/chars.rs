//! Characters that must never reach print: they print as nothing, as a box, or reorder
//! what is around them, so a document would not show what the data says.
//!
//! Private-use characters (外字) and variation selectors are not decided here: variation
//! selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) choose a legitimate glyph of a name, and
//! private-use characters are mapped or refused by the record's text rules.

/// Why a character is refused, for messages: `noncharacter`, `control character`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// C0 and C1 controls and DEL (line breaks and tabs included).
    Control,
    /// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
    Separator,
    /// U+FDD0–U+FDEF and the last two code points of every plane: never assigned, never text.
    Noncharacter,
    /// U+FFFD, and U+FFFC: the trace of a failed conversion upstream.
    Replacement,
    /// Marks that reorder text (bidi overrides and isolates, LRM, RLM, ALM).
    Bidi,
    /// Characters that print as nothing: zero-width spaces and joiners, soft hyphen, BOM,
    /// fillers, tags, invisible operators.
    Invisible,
}

impl Refused {
    /// Every kind, for messages that translate each.
    pub const ALL: [Refused; 6] = [
        Refused::Control,
        Refused::Separator,
        Refused::Noncharacter,
        Refused::Replacement,
        Refused::Bidi,
        Refused::Invisible,
    ];

    /// The kind of character, as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Refused::Control => "control character",
            Refused::Separator => "line separator",
            Refused::Noncharacter => "noncharacter",
            Refused::Replacement => "replacement character",
            Refused::Bidi => "bidirectional control character",
            Refused::Invisible => "invisible character",
        }
    }

    /// What to do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Refused::Control | Refused::Separator => {
                "line breaks and other controls cannot be printed inside a value: remove them upstream"
            }
            Refused::Noncharacter => "the value is not text: check how it was exported",
            Refused::Replacement => {
                "the text was damaged by a failed character conversion upstream: export it again"
            }
            Refused::Bidi => {
                "direction marks reorder what is printed: remove them upstream"
            }
            Refused::Invisible => {
                "zero-width and formatting characters print as nothing: remove them upstream"
            }
        }
    }
}

/// The hint for a refused character in a file someone edits (a layout, an issuer profile),
/// where "upstream" is that file.
pub const EDIT_HINT: &str =
    "delete the character: it would print as nothing, as a box, or reorder the text around it";

/// Whether `c` is refused in printed text, and why.
pub fn refused(c: char) -> Option<Refused> {
    let u = u32::from(c);
    Some(match c {
        _ if c.is_control() => Refused::Control,
        '\u{2028}' | '\u{2029}' => Refused::Separator,
        '\u{FDD0}'..='\u{FDEF}' => Refused::Noncharacter,
        _ if u & 0xFFFE == 0xFFFE => Refused::Noncharacter,
        '\u{FFFC}' | '\u{FFFD}' => Refused::Replacement,
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Refused::Bidi,
        '\u{00AD}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}' => Refused::Invisible,
        _ => return None,
    })
}

/// The first refused character of `text`: its 1-based position in characters, the character
/// and why.
pub fn first_refused(text: &str) -> Option<(usize, char, Refused)> {
    text.chars()
        .enumerate()
        .find_map(|(i, c)| refused(c).map(|why| (i + 1, c, why)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_class_is_caught() {
        for (c, why) in [
            ('\n', Refused::Control),
            ('\u{85}', Refused::Control),
            ('\u{2028}', Refused::Separator),
            ('\u{FFFF}', Refused::Noncharacter),
            ('\u{FFFE}', Refused::Noncharacter),
            ('\u{FDD0}', Refused::Noncharacter),
            ('\u{1FFFF}', Refused::Noncharacter),
            ('\u{10FFFF}', Refused::Noncharacter),
            ('\u{FFFD}', Refused::Replacement),
            ('\u{202E}', Refused::Bidi),
            ('\u{2067}', Refused::Bidi),
            ('\u{200F}', Refused::Bidi),
            ('\u{200B}', Refused::Invisible),
            ('\u{200D}', Refused::Invisible),
            ('\u{FEFF}', Refused::Invisible),
            ('\u{00AD}', Refused::Invisible),
            ('\u{E0041}', Refused::Invisible),
        ] {
            assert_eq!(refused(c), Some(why), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn names_variation_selectors_private_use_and_spaces_pass() {
        for c in [
            '佐',
            'ア',
            'a',
            ' ',
            '\u{3000}',
            '\u{A0}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{E000}',
            '\u{F8FF}',
            '\u{F0000}',
            '\u{20BB7}',
            '𠮷',
            '髙',
            '①',
        ] {
            assert_eq!(refused(c), None, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn first_refused_gives_the_position_in_characters() {
        assert_eq!(
            first_refused("佐藤\u{200B}太郎"),
            Some((3, '\u{200B}', Refused::Invisible))
        );
        assert_eq!(first_refused("佐藤 太郎"), None);
    }
}
