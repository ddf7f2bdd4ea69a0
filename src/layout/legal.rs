//! Fixed legal text: the wording the law's 様式 fix (注意事項, the 臓器提供意思表示欄), kept in
//! one file, `layouts/legal.toml`, with one table per scheme.
//!
//! Why not write it into each layout: the same 注意事項 is on the ID-1 card and the はがき card of
//! a scheme, and the law changes it (刑法等の一部を改正する法律, 令和4年法律第67号, turned 懲役
//! into 拘禁刑 on 2025-06-01). With the text in one place, an amendment is one edit that every
//! layout picks up; a layout refers to an entry as `{legal.KEY}`, resolved when it is parsed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::template::{closest, TemplateError};
use super::LayoutError;
use crate::record::Scheme;

/// The bundled legal text, compiled in like the layouts.
const BUNDLED: &str = include_str!("../../layouts/legal.toml");

/// The prefix of a legal-text reference in a layout's text: `{legal.note-5}`.
const PREFIX: &str = "{legal.";

/// The legal text by table (`kokuho`, `kouki`, `common`), then key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalText {
    tables: BTreeMap<String, BTreeMap<String, String>>,
}

impl LegalText {
    /// The bundled text of `layouts/legal.toml`.
    pub fn bundled() -> &'static LegalText {
        static TEXT: OnceLock<LegalText> = OnceLock::new();
        TEXT.get_or_init(|| {
            LegalText::from_toml(BUNDLED, "layouts/legal.toml")
                .expect("layouts/legal.toml parses (a unit test checks)")
        })
    }

    /// Reads legal text from a TOML file's text (a `--layouts` folder's `legal.toml`, which
    /// takes an amendment of the law without a new build); `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<LegalText, LayoutError> {
        let tables = toml::from_str(text).map_err(|e: toml::de::Error| {
            let (line, column) = crate::diag::toml_position(text, e.span());
            LayoutError {
                file: file.into(),
                line,
                column,
                message: e.message().trim().to_string(),
                hint: Some(
                    "legal.toml holds tables [kokuho], [kouki] and [common] of text entries".into(),
                ),
            }
        })?;
        Ok(LegalText { tables })
    }

    /// The text of `key` for `scheme`: the scheme's own entry, else the common one.
    pub fn get(&self, scheme: Scheme, key: &str) -> Option<&str> {
        [scheme.as_str(), "common"]
            .iter()
            .find_map(|table| self.tables.get(*table)?.get(key))
            .map(String::as_str)
    }

    /// Every key a layout of `scheme` can refer to, for hints.
    pub fn keys(&self, scheme: Scheme) -> impl Iterator<Item = &str> {
        [scheme.as_str(), "common"]
            .into_iter()
            .filter_map(|table| self.tables.get(table))
            .flat_map(|t| t.keys().map(String::as_str))
    }

    /// Replaces each `{legal.KEY}` in a layout's text by the scheme's entry; `{{` stays a
    /// literal brace, as in templates.
    pub fn expand<'a>(&self, text: &'a str, scheme: Scheme) -> Result<Cow<'a, str>, TemplateError> {
        if !text.contains(PREFIX) {
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            if rest.starts_with("{{") {
                out.push_str("{{");
                rest = &rest[2..];
            } else if let Some(after) = rest.strip_prefix(PREFIX) {
                let end = after.find('}').ok_or_else(|| TemplateError {
                    message: "unclosed `{`".into(),
                    hint: Some("write `{{` for a literal brace".into()),
                })?;
                let key = &after[..end];
                out.push_str(self.get(scheme, key).ok_or_else(|| TemplateError {
                    message: format!(
                        "unknown legal text `legal.{key}` for scheme {}",
                        scheme.as_str()
                    ),
                    hint: Some(match closest(key, self.keys(scheme)) {
                        Some(c) => format!("did you mean `legal.{c}`?"),
                        None => "the entries are in layouts/legal.toml".into(),
                    }),
                })?);
                rest = &after[end + 1..];
            } else {
                out.push('{');
                rest = &rest[1..];
            }
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_text_parses_with_a_table_per_scheme() {
        let legal = LegalText::bundled();
        for scheme in [Scheme::Kokuho, Scheme::Kouki] {
            assert!(legal.get(scheme, "note-5").is_some(), "{scheme:?}");
            assert!(legal.get(scheme, "organ-1").is_some(), "{scheme:?}");
        }
    }

    /// 刑法等の一部を改正する法律 (令和4年法律第67号), in force 2025-06-01, abolished 懲役 and 禁錮
    /// for one 拘禁刑 (刑法第9条, 第12条): a 注意事項 that threatens 懲役 is out of date.
    #[test]
    fn keihou_amendment_r4_act_67_kokinkei_not_choueki() {
        let legal = LegalText::bundled();
        for table in legal.tables.values() {
            for text in table.values() {
                assert!(!text.contains("懲役") && !text.contains("禁錮"), "{text}");
            }
        }
        for scheme in [Scheme::Kokuho, Scheme::Kouki] {
            assert!(legal.get(scheme, "note-5").unwrap().contains("拘禁刑"));
        }
    }

    #[test]
    fn expands_references_and_keeps_escaped_braces() {
        let legal = LegalText::bundled();
        let text = legal
            .expand("{{legal.x}} {legal.notes-title}：{name}", Scheme::Kouki)
            .unwrap();
        assert_eq!(text, "{{legal.x}} 注意事項：{name}");
        assert!(matches!(
            legal.expand("{name}", Scheme::Kokuho),
            Ok(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let legal = LegalText::bundled();
        let e = legal.expand("{legal.note-05}", Scheme::Kokuho).unwrap_err();
        assert_eq!(
            e.message,
            "unknown legal text `legal.note-05` for scheme kokuho"
        );
        assert_eq!(e.hint.as_deref(), Some("did you mean `legal.note-5`?"));
        assert!(legal.expand("{legal.note-5", Scheme::Kokuho).is_err());
    }
}
