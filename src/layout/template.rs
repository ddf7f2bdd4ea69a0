//! Text templates: literal text with `{field}` or `{field|format}` placeholders.

use super::field::{Field, Format};

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text printed as it is.
    Literal(String),
    /// A value, formatted.
    Value(Field, Format),
}

/// Why a template could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// What went wrong.
    pub message: String,
    /// A suggestion, if one is known.
    pub hint: Option<String>,
}

impl Template {
    /// Parses a template; `{{` and `}}` stand for literal braces.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let brace = rest.as_bytes()[i];
            rest = &rest[i + 1..];
            if rest.as_bytes().first() == Some(&brace) {
                literal.push(brace as char);
                rest = &rest[1..];
                continue;
            }
            if brace == b'}' {
                return Err(TemplateError {
                    message: "unmatched `}`".into(),
                    hint: Some("write `}}` for a literal brace".into()),
                });
            }
            let end = rest.find('}').ok_or_else(|| TemplateError {
                message: "unclosed `{`".into(),
                hint: Some("write `{{` for a literal brace".into()),
            })?;
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(parse_placeholder(&rest[..end])?);
            rest = &rest[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template { pieces })
    }

    /// The pieces in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether the template depends on the issuer profile at most.
    pub fn is_static(&self) -> bool {
        self.pieces.iter().all(|p| match p {
            Piece::Literal(_) => true,
            Piece::Value(f, _) => f.is_issuer(),
        })
    }
}

fn parse_placeholder(inner: &str) -> Result<Piece, TemplateError> {
    let (name, format) = match inner.split_once('|') {
        Some((n, f)) => (n.trim(), Some(f.trim())),
        None => (inner.trim(), None),
    };
    let field = Field::from_name(name).ok_or_else(|| TemplateError {
        message: format!("unknown field `{name}`"),
        hint: closest(name, Field::names()).map(|c| format!("did you mean `{c}`?")),
    })?;
    let format = match format {
        None => Format::Plain,
        Some(f) => Format::parse(f).ok_or_else(|| TemplateError {
            message: format!("unknown format `{f}`"),
            hint: Some("formats are `wareki`, `iso`, `wari`, `pad:N` and `postal`".into()),
        })?,
    };
    if !format.accepts(field.ty()) {
        return Err(TemplateError {
            message: format!(
                "format `{}` does not apply to field `{name}`",
                inner.split_once('|').map_or("", |x| x.1).trim()
            ),
            hint: None,
        });
    }
    Ok(Piece::Value(field, format))
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d <= (c.len() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: edits plus swaps of neighbours (`nmae` → `name` is 1).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_values_and_formats() {
        let t = Template::parse("令和{{x}} {birth_date|wareki} {number|pad:8}").unwrap();
        assert_eq!(
            t.pieces(),
            &[
                Piece::Literal("令和{x} ".into()),
                Piece::Value(Field::BirthDate, Format::Wareki),
                Piece::Literal(" ".into()),
                Piece::Value(Field::Number, Format::Pad(8)),
            ]
        );
        assert!(!t.is_static());
        assert!(Template::parse("{issuer.name}").unwrap().is_static());
    }

    #[test]
    fn rejects_unknown_fields_with_a_suggestion() {
        let e = Template::parse("{birth_dat}").unwrap_err();
        assert_eq!(e.message, "unknown field `birth_dat`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `birth_date`?"));
        assert!(Template::parse("{name|wareki}").is_err());
        assert!(Template::parse("{name").is_err());
        assert!(Template::parse("a}b").is_err());
    }
}
