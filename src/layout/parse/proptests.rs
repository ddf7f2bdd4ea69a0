//! Property tests of the layout parser: mutated bundled layouts, with hostile numbers spliced in,
//! never panic; they load with every number finite and every element on its page, or fail with
//! the file, line and column.

use proptest::prelude::*;

use super::bounds;
use crate::layout::{ElementKind, Layout, LayoutError};

const CARD: &str = include_str!("../../../layouts/kokuho-kakuninsho.toml");
const NOTICE: &str = include_str!("../../../layouts/kokuho-oshirase.toml");

/// Byte ranges of the numbers written in `text` (outside strings and comments).
fn numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let mut in_string = false;
        let mut previous = ' ';
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '#' if !in_string => break,
                '"' => in_string = !in_string,
                _ if !in_string
                    && (c.is_ascii_digit() || c == '-')
                    && matches!(previous, ' ' | '=' | '[' | ',' | '{') =>
                {
                    let mut end = i + c.len_utf8();
                    while let Some(&(j, d)) = chars.peek() {
                        if !(d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-')) {
                            break;
                        }
                        end = j + 1;
                        chars.next();
                    }
                    out.push(offset + i..offset + end);
                }
                _ => {}
            }
            previous = c;
        }
        offset += line.len();
    }
    out
}

fn hostile_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nan".to_string()),
        Just("+inf".to_string()),
        Just("-inf".to_string()),
        Just("-nan".to_string()),
        Just("0".to_string()),
        Just("-0.0".to_string()),
        Just("1e39".to_string()),
        Just("1e-45".to_string()),
        Just("4000000000".to_string()),
        Just("-1".to_string()),
        any::<f32>().prop_map(|v| format!("{v:?}")),
        (-2000.0f64..2000.0).prop_map(|v| format!("{v:?}")),
        (0u32..300).prop_map(|v| v.to_string()),
    ]
}

/// Splices `replacements` (index into the numbers, new text) into `text`, back to front.
fn splice(text: &str, replacements: &[(prop::sample::Index, String)]) -> String {
    let spans = numbers(text);
    let mut chosen: Vec<(std::ops::Range<usize>, &str)> = replacements
        .iter()
        .map(|(i, v)| (spans[i.index(spans.len())].clone(), v.as_str()))
        .collect();
    chosen.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    chosen.dedup_by_key(|(r, _)| r.start);
    let mut out = text.to_string();
    for (range, value) in chosen {
        out.replace_range(range, value);
    }
    out
}

/// What any outcome must satisfy.
fn check(text: &str) -> Result<(), TestCaseError> {
    match Layout::from_toml(text, "m.toml", None) {
        Ok(layout) => check_loaded(&layout),
        Err(e) => check_error(text, &e),
    }
}

fn check_error(text: &str, e: &LayoutError) -> Result<(), TestCaseError> {
    let lines = text.lines().count() + 1;
    prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
    prop_assert!(e.column >= 1);
    prop_assert!(!e.message.is_empty());
    let shown = e.to_string();
    let prefix = format!("m.toml:{}:{}: ", e.line, e.column);
    prop_assert!(shown.starts_with(&prefix), "{shown}");
    Ok(())
}

fn check_loaded(layout: &Layout) -> Result<(), TestCaseError> {
    let size = layout.size();
    prop_assert!(size.width.is_finite() && size.width > 0.0);
    prop_assert!(size.height.is_finite() && size.height > 0.0);
    let slack = 0.05;
    for page in layout.pages() {
        for element in page.elements() {
            for r in bounds(element) {
                prop_assert!(
                    [r.x, r.y, r.width, r.height].iter().all(|v| v.is_finite()),
                    "{}: {r:?}",
                    element.id()
                );
                prop_assert!(r.x >= -slack && r.y >= -slack && r.width >= 0.0 && r.height >= 0.0);
                prop_assert!(
                    r.x + r.width <= size.width + slack,
                    "{}: {r:?}",
                    element.id()
                );
                prop_assert!(
                    r.y + r.height <= size.height + slack,
                    "{}: {r:?}",
                    element.id()
                );
            }
            let numbers: Vec<f32> = match element.kind() {
                ElementKind::Text(t) => {
                    vec![t.size, t.fit.min_h_scale, t.fit.min_size, t.fit.leading]
                }
                ElementKind::Line(l) => [l.width]
                    .into_iter()
                    .chain(l.dash.iter().copied())
                    .collect(),
                ElementKind::Rect(r) => vec![r.stroke_width, r.radius],
                ElementKind::CutLine(c) => [c.line.width]
                    .into_iter()
                    .chain(c.line.dash.iter().copied())
                    .collect(),
                ElementKind::Barcode(b) => vec![b.size],
                ElementKind::Image(_) | ElementKind::Qr(_) => Vec::new(),
            };
            prop_assert!(
                numbers.iter().all(|v| v.is_finite() && *v >= 0.0),
                "{}: {numbers:?}",
                element.id()
            );
            if let ElementKind::Line(l)
            | ElementKind::CutLine(crate::layout::CutLineDef { line: l, .. }) = element.kind()
            {
                prop_assert!(l.dash.is_empty() || l.dash.iter().any(|&d| d > 0.0));
            }
        }
    }
    Ok(())
}

#[test]
fn the_number_finder_sees_the_bundled_layouts_numbers() {
    let spans = numbers(CARD);
    assert!(spans.len() > 100, "{}", spans.len());
    for span in spans {
        let number = &CARD[span];
        assert!(number.parse::<f64>().is_ok(), "{number}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hostile_numbers_load_sane_or_fail_with_a_position(
        notice in any::<bool>(),
        replacements in prop::collection::vec((any::<prop::sample::Index>(), hostile_number()), 1..5),
    ) {
        let text = splice(if notice { NOTICE } else { CARD }, &replacements);
        check(&text)?;
    }

    #[test]
    fn cut_and_garbled_layouts_never_panic(
        cut in any::<prop::sample::Index>(),
        length in 0usize..200,
        insert in prop::sample::select(vec!["", "=", "[", "]]", "\"", "{", "}", "\n", "nan", "[[page]]\n", "x = ", ",", "'''", "\\u0000"]),
    ) {
        let mut text = CARD.to_string();
        let mut at = cut.index(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + length).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        text.replace_range(at..end, insert);
        check(&text)?;
    }
}
