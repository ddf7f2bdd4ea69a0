//! Shared pieces of diagnostics: positions in source text.

/// Turns a byte span in `text` into a 1-based (line, column); a missing span gives (1, 1).
pub fn toml_position(text: &str, span: Option<std::ops::Range<usize>>) -> (usize, usize) {
    let offset = span.map_or(0, |s| s.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_columns_from_one() {
        let text = "a = 1\nbc = 2\n";
        assert_eq!(toml_position(text, Some(6..8)), (2, 1));
        assert_eq!(toml_position(text, Some(11..12)), (2, 6));
        assert_eq!(toml_position(text, None), (1, 1));
    }
}
