//! Property tests of the value checks: any string in any field is accepted or refused with a
//! message naming the field, never a panic; what is accepted holds no refused character and
//! no white-space-only required value.

use proptest::prelude::*;

use super::super::testing::object;
use super::super::value::{self, Raw};
use super::super::{Field, Origin, Record, Scheme};
use crate::limits::chars::first_refused;

/// Strings rich in what the checks are about: spaces of every kind, controls, noncharacters,
/// bidi marks, zero-width characters, variation selectors, digits, dates and long runs.
fn hostile_string() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "佐藤",
        "太郎",
        " ",
        "\u{3000}",
        "\u{A0}",
        "\u{2003}",
        "\t",
        "\n",
        "\u{85}",
        "\u{FFFF}",
        "\u{FFFE}",
        "\u{1FFFF}",
        "\u{FDD0}",
        "\u{FFFD}",
        "\u{202E}",
        "\u{2066}",
        "\u{200B}",
        "\u{200D}",
        "\u{FEFF}",
        "\u{AD}",
        "\u{2028}",
        "\u{E0100}",
        "\u{FE00}",
        "\u{E000}",
        "1",
        "１",
        "-",
        "/",
        "2025-08-01",
        "1868-01-24",
        "2100-01-01",
        "39",
        "男",
        "true",
        "割",
        "0",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat()),
        (
            prop::sample::select(vec!["あ", "a", "\u{3000}", "葛\u{E0100}"]),
            0usize..300
        )
            .prop_map(|(s, n)| s.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_value_parser_takes_any_string(s in hostile_string()) {
        let raw = Raw::Text(&s);
        let _ = raw.present();
        let _ = raw.blank_space();
        for scheme in [Scheme::Kokuho, Scheme::Kouki] {
            let _ = value::insurer_number(raw, scheme);
            let _ = value::number(raw, scheme);
        }
        let _ = (value::scheme(raw), value::branch(raw), value::postal_code(raw), value::sex(raw));
        let _ = (value::copay_ratio(raw), value::boolean(raw), value::date(raw), value::identifier(raw));
        if let Ok(text) = value::text(raw) {
            prop_assert!(first_refused(&text).is_none());
        }
        for field in Field::ALL {
            let _ = super::length::limited(field, value::text)(raw);
        }
    }

    #[test]
    fn any_string_in_any_field_is_accepted_sane_or_refused_naming_the_field(
        field in prop::sample::select(Field::ALL.to_vec()),
        s in hostile_string(),
    ) {
        let mut record = object("R1");
        record[field.name()] = serde_json::Value::String(s);
        match Record::from_json_value(&record, Origin::single("p.jsonl")) {
            Ok(r) => {
                for text in [Some(&r.name), Some(&r.number), r.address.as_ref(), r.name_kana.as_ref()] {
                    let text = text.map_or("", String::as_str);
                    prop_assert!(first_refused(text).is_none());
                }
                prop_assert!(!r.name.chars().all(char::is_whitespace));
                prop_assert!(r.birth_date <= r.issue_date && r.qualified_date >= r.birth_date);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("p.jsonl:1 (record 1"), "{message}");
                prop_assert!(e.field().is_some(), "{message}");
            }
        }
    }
}
