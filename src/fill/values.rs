//! The values a layout refers to, looked up in the record, its eligibility and the issuer.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::cover::{document_name, Cover};
use super::notes;
use crate::eligibility::Eligibility;
use crate::era::format_wareki;
use crate::issuer::Issuer;
use crate::layout::{Condition, Field, Format, Piece, Template};
use crate::record::{Record, Scheme};

/// A value before formatting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Text(Cow<'a, str>),
    Date(NaiveDate),
    Number(u32),
    Bool(bool),
    Empty,
}

/// What values are looked up in. Without a record or a cover, only issuer fields are set:
/// that is how the shared background of a layout is drawn.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub record: Option<(&'a Record, &'a Eligibility)>,
    /// An envelope's cover letter, whose values stand in for a record's.
    pub cover: Option<&'a Cover>,
    pub issuer: &'a Issuer,
}

fn text(s: &str) -> Value<'_> {
    if s.is_empty() {
        Value::Empty
    } else {
        Value::Text(Cow::Borrowed(s))
    }
}

fn owned(s: String) -> Value<'static> {
    if s.is_empty() {
        Value::Empty
    } else {
        Value::Text(Cow::Owned(s))
    }
}

fn opt_text(s: &Option<String>) -> Value<'_> {
    s.as_deref().map_or(Value::Empty, text)
}

fn opt_date(d: Option<NaiveDate>) -> Value<'static> {
    d.map_or(Value::Empty, Value::Date)
}

impl<'a> Context<'a> {
    pub fn value(&self, field: Field) -> Value<'a> {
        let issuer = self.issuer;
        match field {
            Field::IssuerName => return text(&issuer.name),
            Field::IssuerInsurerNumber => return text(&issuer.insurer_number),
            Field::IssuerPrefecture => return text(&issuer.prefecture),
            Field::IssuerPortalUrl => return text(&issuer.portal_url),
            Field::IssuerContact => return Value::Text(Cow::Owned(issuer.contact.join("\n"))),
            Field::IssuerHasSeal => return Value::Bool(issuer.seal_png.is_some()),
            Field::IssuerSealText => return opt_text(&issuer.seal_text),
            _ => {}
        }
        if let Some(cover) = self.cover {
            return cover_value(cover, field);
        }
        let Some((r, e)) = self.record else {
            return Value::Empty;
        };
        match field {
            Field::RecordId => text(&r.record_id),
            Field::InsurerNumber => text(&r.insurer_number),
            Field::Symbol => opt_text(&r.symbol),
            Field::Number => text(&r.number),
            Field::Branch => opt_text(&r.branch),
            Field::Name => text(&r.name),
            Field::NameKana => opt_text(&r.name_kana),
            Field::Sex => text(notes::front_sex(r)),
            Field::RegisteredName => opt_text(&r.registered_name),
            Field::RegisteredSex => text(if r.sex_on_back { r.sex.label() } else { "" }),
            Field::BirthDate => Value::Date(r.birth_date),
            Field::PostalCode => opt_text(&r.postal_code),
            Field::Address => opt_text(&r.address),
            Field::HouseholderName => opt_text(&r.householder_name),
            Field::QualifiedDate => Value::Date(r.qualified_date),
            Field::IssueDate => Value::Date(r.issue_date),
            Field::Remarks => opt_text(&r.remarks),
            Field::MailToName => opt_text(&r.mail_to_name),
            Field::MailToPostalCode => opt_text(&r.mail_to_postal_code),
            Field::MailToAddress => opt_text(&r.mail_to_address),
            Field::Addressee => text(r.addressee()),
            Field::MailPostalCode => r.mail_postal_code().map_or(Value::Empty, text),
            Field::MailAddress => r.mail_address().map_or(Value::Empty, text),
            Field::MailCareOf => r
                .mail_care_of()
                .map_or(Value::Empty, |c| Value::Text(c.into())),
            Field::EnclosureNames => text(&r.name),
            Field::EnclosureDocuments => Value::Text(document_name(e).into()),
            Field::LimitCategory => r.limit_category.map_or(Value::Empty, |c| {
                Value::Text(Cow::Borrowed(c.label(r.scheme == Scheme::Kouki)))
            }),
            Field::LimitEffectiveDate => opt_date(r.limit_effective_date),
            Field::LongTermStayDate => opt_date(r.long_term_stay_date),
            Field::SpecificDisease => r.specific_disease.map_or(Value::Empty, |d| text(d.name())),
            Field::SpecificDiseaseLimit => owned(notes::disease_limit(r).unwrap_or_default()),
            Field::OptionalItems => owned(notes::optional_items(r)),
            Field::BackRemarks => owned(notes::back_remarks(r)),
            Field::ExpiryDate => opt_date(e.expiry_date),
            Field::EffectiveDate => opt_date(e.effective_date),
            Field::CopayRatio => e
                .copay_ratio
                .map_or(Value::Empty, |n| Value::Number(n.into())),
            Field::SpecialMedical => Value::Bool(e.special_medical),
            Field::Elderly => Value::Bool(e.elderly),
            Field::Kouki => Value::Bool(e.scheme == Scheme::Kouki),
            Field::KoukiInterim => Value::Bool(e.kouki_interim()),
            Field::TitleSuffix => text(if e.special_medical {
                "(特別療養)"
            } else {
                ""
            }),
            Field::SpecialMedicalNote => text(if e.special_medical {
                &issuer.special_medical_note
            } else {
                ""
            }),
            _ => Value::Empty,
        }
    }

    /// The record field a value comes from, so that an error about a derived value (the
    /// envelope's address, say) names the field to correct: `mail_address` is the 送付先's
    /// `mail_to_address` when the record has one, else its `address`.
    pub fn source(&self, field: Field) -> Field {
        let Some((r, _)) = self.record else {
            return field;
        };
        let mail_to = r.has_mail_to();
        match field {
            Field::Addressee if r.mail_to_name.is_some() && r.mail_to_care_of.is_none() => {
                Field::MailToName
            }
            Field::Addressee if r.scheme == Scheme::Kokuho && r.householder_name.is_some() => {
                Field::HouseholderName
            }
            Field::Addressee | Field::EnclosureNames => Field::Name,
            Field::MailPostalCode if mail_to => Field::MailToPostalCode,
            Field::MailPostalCode => Field::PostalCode,
            Field::MailAddress if mail_to => Field::MailToAddress,
            Field::MailAddress => Field::Address,
            Field::MailCareOf => Field::MailToName,
            other => other,
        }
    }

    /// Whether every condition holds.
    pub fn holds(&self, conditions: &[Condition]) -> bool {
        conditions.iter().all(|c| {
            let set = match self.value(c.field) {
                Value::Empty | Value::Bool(false) => false,
                Value::Text(_) | Value::Date(_) | Value::Number(_) | Value::Bool(true) => true,
            };
            set != c.negate
        })
    }

    /// The template with its values filled in and formatted.
    pub fn render(&self, template: &Template) -> String {
        let mut out = String::new();
        for piece in template.pieces() {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Value(field, format) => format_value(&mut out, self.value(*field), *format),
            }
        }
        out
    }
}

/// A cover letter's values: its address block, its enclosures and the scheme.
fn cover_value(cover: &Cover, field: Field) -> Value<'_> {
    match field {
        Field::Addressee => text(&cover.addressee),
        Field::MailPostalCode => text(&cover.postal_code),
        Field::MailAddress => text(&cover.address),
        Field::MailCareOf => text(&cover.care_of),
        Field::IssueDate => Value::Date(cover.issue_date),
        Field::Kouki => Value::Bool(cover.scheme == Scheme::Kouki),
        Field::EnclosureNames => Value::Text(cover.names().into()),
        Field::EnclosureDocuments => Value::Text(cover.documents().into()),
        _ => Value::Empty,
    }
}

fn format_value(out: &mut String, value: Value, format: Format) {
    use std::fmt::Write;
    match (value, format) {
        (Value::Empty | Value::Bool(_), _) => {}
        (Value::Date(d), Format::Iso) => out.push_str(&d.to_string()),
        (Value::Date(d), _) => out.push_str(&format_wareki(d, true)),
        (Value::Number(n), Format::Wari) => {
            let _ = write!(out, "{n}割");
        }
        (Value::Number(n), Format::Pad(w)) => {
            let _ = write!(out, "{n:0>width$}", width = usize::from(w));
        }
        (Value::Number(n), _) => {
            let _ = write!(out, "{n}");
        }
        (Value::Text(s), Format::Pad(w)) => {
            let _ = write!(out, "{s:0>width$}", width = usize::from(w));
        }
        (Value::Text(s), Format::Postal) if s.len() == 7 && s.is_ascii() => {
            let _ = write!(out, "{}-{}", &s[..3], &s[3..]);
        }
        (Value::Text(s), _) => out.push_str(&s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values() {
        let cases = [
            (
                Value::Date(NaiveDate::from_ymd_opt(2019, 5, 1).unwrap()),
                Format::Plain,
                "令和元年5月1日",
            ),
            (
                Value::Date(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap()),
                Format::Iso,
                "2025-08-01",
            ),
            (Value::Number(3), Format::Wari, "3割"),
            (Value::Text("7".into()), Format::Pad(2), "07"),
            (Value::Text("3708501".into()), Format::Postal, "370-8501"),
            (Value::Empty, Format::Wari, ""),
        ];
        for (value, format, want) in cases {
            let mut out = String::new();
            format_value(&mut out, value, format);
            assert_eq!(out, want);
        }
    }
}
