//! The longest value each free-text field may hold, in characters.
//!
//! The fit rules already refuse a value that does not fit its box; these limits come first
//! and catch what is not a value at all (columns run together, a whole file in one cell)
//! before it is shaped, with a message that says so. They are generous multiples of the
//! longest real values; docs/records.md lists them.

use super::super::value::{Invalid, Parsed, Raw};
use super::super::Field;

/// The most characters `field` may hold, for text fields; a base character and the
/// variation selector that picks its glyph count as one.
pub(crate) fn max_chars(field: Field) -> Option<usize> {
    Some(match field {
        Field::RecordId | Field::HouseholdId => 64,
        Field::Symbol | Field::Number => 32,
        // Japanese names are under 20 characters; foreign residents' names in full run far
        // longer, and are registered as written.
        Field::Name | Field::HouseholderName | Field::RegisteredName | Field::MailToName => 100,
        // Kana spellings of long foreign names, with their separators, are about twice as long.
        Field::NameKana => 200,
        // The longest 住所 with 方書 (building and room) run to about 100 characters.
        Field::Address | Field::MailToAddress => 200,
        Field::Remarks => 200,
        _ => return None,
    })
}

/// Characters as they print: variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) do not count.
fn printed_chars(text: &str) -> usize {
    text.chars()
        .filter(|c| !matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'))
        .count()
}

/// `parse`, after refusing text longer than the field's limit.
pub(crate) fn limited<T>(
    field: Field,
    parse: impl FnOnce(Raw) -> Parsed<T>,
) -> impl FnOnce(Raw) -> Parsed<T> {
    move |raw| {
        if let (Raw::Text(text), Some(max)) = (raw, max_chars(field)) {
            // Bytes bound characters from above: most values need no count.
            if text.len() > max {
                let n = printed_chars(text);
                if n > max {
                    return Err(Invalid {
                        what: "value too long",
                        why: format!("{n} characters, more than the {max} allowed"),
                        hint: Some(format!(
                            "`{field}` values longer than {max} characters are usually columns run together: check the export"
                        )),
                    });
                }
            }
        }
        parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::value::text;
    use super::*;

    #[test]
    fn text_up_to_the_limit_passes_and_longer_is_refused() {
        let at_limit = "あ".repeat(200);
        assert!(limited(Field::Address, text)(Raw::Text(&at_limit)).is_ok());
        let over = "あ".repeat(201);
        let err = limited(Field::Address, text)(Raw::Text(&over)).expect_err("too long");
        assert_eq!(err.why, "201 characters, more than the 200 allowed");
    }

    #[test]
    fn variation_selectors_do_not_count() {
        let name = "葛\u{E0100}".repeat(100);
        assert!(limited(Field::Name, text)(Raw::Text(&name)).is_ok());
        assert!(limited(Field::Name, text)(Raw::Text(&"葛".repeat(101))).is_err());
    }

    #[test]
    fn fields_without_a_limit_are_parsed_as_they_are() {
        assert_eq!(max_chars(Field::BirthDate), None);
        assert_eq!(max_chars(Field::Sex), None);
    }
}
