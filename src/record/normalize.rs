//! Text normalisation applied to every value of every input, before the field rules.
//!
//! Municipal exports write the same name in several ways: half-width katakana from host
//! systems (ｻﾄｳ ﾀﾛｳ), full-width digits typed into spreadsheets, decomposed kana from some
//! Macs (カ + U+3099). Printed as given, ｻﾄｳ lands on the お知らせ's フリガナ line in half-width.
//! So every value is brought to one spelling here:
//!
//! - half-width katakana (U+FF61–U+FF9F) → full-width, with a following ﾞ / ﾟ joined to the
//!   kana before it (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ); one that joins nothing becomes the spacing
//!   mark ゛ / ゜. The mapping is the Unicode compatibility decomposition of that block only;
//! - NFC (Unicode Standard Annex #15), which composes decomposed kana and Latin letters;
//! - in numeric fields (insurer number, 記号, 番号, 枝番, postal code, copay ratio) full-width
//!   digits and hyphens → ASCII.
//!
//! What is never done: NFKC, which would fold full-width Latin letters in names, ㈱, ① and
//! worse; and any change to Ideographic Variation Sequences (U+E0100–U+E01EF) or private-use
//! characters (外字, mapped or refused later).
//!
//! **CJK compatibility ideographs are kept.** NFC maps most of U+F900–U+FAFF and
//! U+2F800–U+2FA1F to the unified ideograph (塚 U+FA10 → 塚 U+585A, 神 U+FA19 → 神 U+795E),
//! which changes how a registered name looks: CP932's IBM extensions decode to exactly these
//! code points. Unicode's answer to that loss is a standardized variation sequence per
//! compatibility ideograph (StandardizedVariants.txt since Unicode 6.3, e.g. U+585A U+FE00),
//! but those are only as good as a font's format 14 cmap. Keeping the code point as given
//! prints what the registry holds with every font that has the character, so the runs
//! between compatibility ideographs are normalised and the ideographs themselves are left.

use std::borrow::Cow;

use unicode_normalization::char::compose;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::assemble::Slots;
use super::value::Raw;
use super::Field;

/// The values of a record's text slots that normalisation changes, by slot; `None` for the
/// rest, which stay as given (most values: the check allocates nothing for them).
pub(crate) fn changed(slots: &Slots) -> [Option<String>; Field::ALL.len()] {
    std::array::from_fn(|i| match slots[i] {
        Some(Raw::Text(text)) => match value(Field::ALL[i], text) {
            Cow::Owned(normal) => Some(normal),
            Cow::Borrowed(_) => None,
        },
        _ => None,
    })
}

/// A value normalised for its field: [`text`] for all, plus [`digits`] for numeric fields.
pub(crate) fn value(field: Field, raw: &str) -> Cow<'_, str> {
    let normal = text(raw);
    if !is_numeric(field) {
        return normal;
    }
    match digits(&normal) {
        Cow::Borrowed(_) => normal,
        Cow::Owned(folded) => Cow::Owned(folded),
    }
}

/// Fields whose values are numbers or codes, where full-width digits and hyphens are typing
/// accidents rather than meaning.
fn is_numeric(field: Field) -> bool {
    matches!(
        field,
        Field::InsurerNumber
            | Field::Symbol
            | Field::Number
            | Field::Branch
            | Field::PostalCode
            | Field::CopayRatio
    )
}

/// Half-width katakana to full-width, then NFC, keeping CJK compatibility ideographs.
pub(crate) fn text(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() {
        return Cow::Borrowed(raw);
    }
    let (mut has_half_width, mut plain) = (false, true);
    for c in raw.chars() {
        has_half_width |= is_half_width_kana(c);
        plain &= is_plainly_nfc(c);
    }
    if !has_half_width && (plain || is_nfc_quick(raw.chars()) == IsNormalized::Yes) {
        return Cow::Borrowed(raw);
    }
    if !has_half_width {
        return Cow::Owned(nfc_keeping_compatibility_ideographs(raw));
    }
    let widened = widen_kana(raw);
    // Host exports' half-width kana widen to plain full-width kana: nothing left for NFC.
    if widened.chars().all(is_plainly_nfc) {
        return Cow::Owned(widened);
    }
    Cow::Owned(nfc_keeping_compatibility_ideographs(&widened))
}

/// Full-width digits and hyphen-like characters to ASCII; everything else as given.
pub(crate) fn digits(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() || !raw.chars().any(|c| fold_digit(c) != c) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.chars().map(fold_digit).collect())
}

fn fold_digit(c: char) -> char {
    match c {
        '０'..='９' => {
            char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
        }
        // FULLWIDTH HYPHEN-MINUS, HYPHEN, NON-BREAKING HYPHEN, FIGURE DASH, MINUS SIGN,
        // SMALL HYPHEN-MINUS: what input methods and word processors put in numbers.
        '－' | '‐' | '‑' | '‒' | '−' | '﹣' => '-',
        other => other,
    }
}

/// Characters that are NFC and combine with nothing: ASCII, kana (but the combining sound
/// marks U+3099–U+309A and the tone marks U+302A–U+302F), CJK unified ideographs and the
/// full-width forms. Most Japanese text is only these, so the Unicode quick check, a table
/// look-up per character, is skipped for it.
fn is_plainly_nfc(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{7F}'
            | '\u{3000}'..='\u{3029}'
            | '\u{3030}'..='\u{3098}'
            | '\u{309B}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{FF01}'..='\u{FF60}'
    )
}

fn is_half_width_kana(c: char) -> bool {
    matches!(c, '\u{FF61}'..='\u{FF9F}')
}

/// Maps the half-width katakana block to full width and joins sound marks.
/// U+FF61–U+FF9F in order, each as its compatibility decomposition (<narrow>): ﾞ and ﾟ become
/// the combining marks U+3099 and U+309A. A table rather than the Unicode data's look-up,
/// which was most of the cost of a host export's kana.
const WIDE_KANA: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '\u{3099}',
    '\u{309A}',
];

fn widen_kana(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    for c in raw.chars() {
        if !is_half_width_kana(c) {
            out.push(c);
            continue;
        }
        let wide = WIDE_KANA[(u32::from(c) - 0xFF61) as usize];
        match wide {
            '\u{3099}' | '\u{309A}' => join_mark(&mut out, wide),
            _ => out.push(wide),
        }
    }
    out
}

/// Joins a combining sound mark to the kana before it (カ + ゙ → ガ), or writes the spacing
/// mark (゛ / ゜) when nothing composes: a combining mark after a space or a vowel would be
/// drawn over the wrong character.
fn join_mark(out: &mut String, mark: char) {
    let composed = out
        .chars()
        .next_back()
        .and_then(|previous| compose(previous, mark).map(|c| (previous, c)));
    match composed {
        Some((previous, c)) => {
            out.truncate(out.len() - previous.len_utf8());
            out.push(c);
        }
        None if mark == '\u{3099}' => out.push('゛'),
        None => out.push('゜'),
    }
}

/// CJK Compatibility Ideographs and their supplement: see the module doc for why they stay.
fn is_compatibility_ideograph(c: char) -> bool {
    matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}')
}

/// NFC of the runs between compatibility ideographs. Those ideographs are starters that
/// compose with nothing, so normalising the runs apart gives NFC everywhere else.
fn nfc_keeping_compatibility_ideographs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run_start = 0;
    for (at, c) in text.char_indices() {
        if is_compatibility_ideograph(c) {
            out.extend(text[run_start..at].nfc());
            out.push(c);
            run_start = at + c.len_utf8();
        }
    }
    out.extend(text[run_start..].nfc());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kana_table_is_the_unicode_decomposition() {
        for (c, &wide) in ('\u{FF61}'..='\u{FF9F}').zip(&WIDE_KANA) {
            let mut decomposed = Vec::new();
            unicode_normalization::char::decompose_compatible(c, |d| decomposed.push(d));
            assert_eq!(decomposed, [wide], "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn half_width_katakana_becomes_full_width_with_marks_joined() {
        assert_eq!(text("ｻﾄｳ ﾀﾛｳ"), "サトウ タロウ");
        assert_eq!(text("ｶﾞｯｺｳ"), "ガッコウ");
        assert_eq!(text("ﾊﾟﾝ ﾎﾟﾝ"), "パン ポン");
        assert_eq!(text("ｳﾞｧｲｵﾘﾝ"), "ヴァイオリン");
        assert_eq!(text("ﾜﾞ"), "ヷ");
        assert_eq!(text("ｰ｡｢｣､･ｦ"), "ー。「」、・ヲ");
    }

    #[test]
    fn a_sound_mark_that_joins_nothing_is_spacing() {
        assert_eq!(text("ｱﾞ"), "ア゛");
        assert_eq!(text("ﾞｶ"), "゛カ");
        assert_eq!(text(" ﾟ"), " ゜");
        // A full-width kana takes a half-width mark too.
        assert_eq!(text("カﾞ"), "ガ");
    }

    #[test]
    fn decomposed_kana_and_latin_are_composed() {
        assert_eq!(text("カ\u{3099}"), "ガ");
        assert_eq!(text("e\u{301}"), "é");
    }

    #[test]
    fn nfkc_is_not_applied() {
        for kept in ["ＳＭＩＴＨ", "㈱", "①", "髙橋", "ｓ", "２世", "　佐藤"] {
            assert_eq!(text(kept), kept);
        }
    }

    #[test]
    fn ivs_and_private_use_characters_are_untouched() {
        let ivs = "葛\u{E0100}西";
        assert!(matches!(text(ivs), Cow::Borrowed(_)));
        assert_eq!(text("\u{E000}ｻ"), "\u{E000}サ");
        assert_eq!(text("邉\u{E0102}ｶﾞ"), "邉\u{E0102}ガ");
    }

    #[test]
    fn compatibility_ideographs_are_kept_where_nfc_would_replace_them() {
        // U+FA10 塚 and U+FA19 神 have canonical decompositions: NFC alone would change them.
        assert_eq!("\u{FA10}".nfc().collect::<String>(), "\u{585A}");
        assert_eq!(text("\u{FA10}本"), "\u{FA10}本");
        assert_eq!(text("\u{FA19}田ｶﾞ"), "\u{FA19}田ガ");
        assert_eq!(text("ｶ\u{FA10}ｶ\u{3099}"), "カ\u{FA10}ガ");
        assert_eq!(text("\u{2F800}"), "\u{2F800}");
        // U+FA11 﨑 is a unified ideograph in that block: NFC keeps it anyway.
        assert_eq!(text("\u{FA11}"), "\u{FA11}");
    }

    #[test]
    fn numeric_fields_get_ascii_digits_and_hyphens() {
        assert_eq!(value(Field::PostalCode, "３７０－０００１"), "370-0001");
        assert_eq!(value(Field::Number, "１２３‐４５"), "123-45");
        assert_eq!(value(Field::Symbol, "高０１"), "高01");
        assert_eq!(value(Field::Address, "高崎市１２番地"), "高崎市１２番地");
        assert_eq!(value(Field::Name, "ｻﾄｳ２世"), "サトウ２世");
    }

    #[test]
    fn plainly_nfc_characters_are_nfc_and_start_nothing() {
        use unicode_normalization::char::canonical_combining_class;
        let ranges = [
            (0x00, 0x7F),
            (0x3000, 0x3029),
            (0x3030, 0x3098),
            (0x309B, 0x30FF),
            (0x3400, 0x4DBF),
            (0x4E00, 0x9FFF),
            (0xFF01, 0xFF60),
        ];
        for (first, last) in ranges {
            for c in (first..=last).filter_map(char::from_u32) {
                assert!(is_plainly_nfc(c));
                assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", u32::from(c));
                let s = c.to_string();
                assert_eq!(s.nfc().collect::<String>(), s, "U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn plain_values_are_borrowed() {
        for plain in ["K0001", "佐藤 太郎", "群馬県高崎市八島町1-2"] {
            assert!(matches!(value(Field::Address, plain), Cow::Borrowed(_)));
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn kept(text: &str) -> Vec<char> {
            text.chars()
                .filter(|&c| {
                    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{E0100}'..='\u{E01EF}')
                        || is_compatibility_ideograph(c)
                })
                .collect()
        }

        proptest! {
            #[test]
            fn normalising_is_idempotent_and_keeps_ivs_gaiji_and_compatibility_ideographs(
                text in "[ｱ-ﾝﾞﾟｰ ア-ン\u{3099}\u{309A}a-z\u{301}塚\u{FA10}\u{FA19}\u{E000}\u{E0100}０-９－]{0,16}"
            ) {
                let once = value(Field::Name, &text).into_owned();
                prop_assert_eq!(value(Field::Name, &once).into_owned(), once.clone());
                prop_assert_eq!(kept(&once), kept(&text));
                prop_assert!(!once.chars().any(is_half_width_kana));
            }
        }
    }
}
