//! The records file loaded with `--records`, looked up by `record_id` or `number`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::record::{Field, Record, Scheme};

/// Records held in memory for look-up (a real record is under 2 KiB, so a city's hundred
/// thousand members take some hundreds of MiB at most).
#[derive(Debug, Default)]
pub struct RecordIndex {
    records: Vec<Record>,
    /// `record_id` → position; unique, as the record reader refuses duplicates.
    by_id: BTreeMap<String, usize>,
    /// `number` → positions: the same 番号 may belong to members of several insurers.
    by_number: BTreeMap<String, Vec<usize>>,
}

/// What a look-up found.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    /// One record, found by `record_id` or else by `number` (which field matched).
    Found(&'a Record, Field),
    /// Several records have this `number`.
    Ambiguous(Vec<&'a Record>),
    /// No record has this `record_id` or `number`.
    NotFound,
}

impl RecordIndex {
    /// Indexes the records; a later record with an earlier one's `record_id` is ignored.
    pub fn new(records: impl IntoIterator<Item = Record>) -> RecordIndex {
        let mut index = RecordIndex::default();
        for record in records {
            if index.by_id.contains_key(&record.record_id) {
                continue;
            }
            let at = index.records.len();
            index.by_id.insert(record.record_id.clone(), at);
            index
                .by_number
                .entry(record.number.clone())
                .or_default()
                .push(at);
            index.records.push(record);
        }
        index
    }

    /// How many records are loaded.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no records are loaded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Finds a record by `record_id`, else by `number`, else by `number-branch` (a kokuho 番号
    /// is shared by a household; the 枝番 tells its members apart). Surrounding spaces are
    /// ignored and full-width digits count as ASCII, as they do in records.
    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        let key = fold_digits(key.trim());
        if let Some(&at) = self.by_id.get(&key) {
            return Lookup::Found(&self.records[at], Field::RecordId);
        }
        if let Some(found) = self.by_number.get(&key) {
            return self.narrowed(found, None);
        }
        let split = key.rsplit_once(['-', '－', ' ', '\u{3000}']);
        match split
            .and_then(|(number, branch)| Some((self.by_number.get(number.trim())?, branch.trim())))
        {
            Some((found, branch)) => self.narrowed(found, Some(branch)),
            None => Lookup::NotFound,
        }
    }

    /// The one record among `found` (with this 枝番, when given).
    fn narrowed(&self, found: &[usize], branch: Option<&str>) -> Lookup<'_> {
        let branch = branch.map(|b| format!("{b:0>2}"));
        let mut matching = found
            .iter()
            .map(|&at| &self.records[at])
            .filter(|r| branch.is_none() || r.branch == branch)
            .collect::<Vec<_>>();
        match matching.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(matching.remove(0), Field::Number),
            _ => Lookup::Ambiguous(matching),
        }
    }
}

fn fold_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_digit(u32::from(c) - u32::from('０'), 10).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// A record as the JSON object a form posts back: every value a string (booleans as JSON
/// booleans), empty optional fields left out. Reading it back gives the same record.
pub fn form_values(record: &Record) -> Map<String, Value> {
    let date = |d: chrono::NaiveDate| Value::from(d.to_string());
    let text = |s: &str| Value::from(s);
    let pairs: [(Field, Option<Value>); Field::ALL.len()] = [
        (Field::RecordId, Some(text(&record.record_id))),
        (Field::Scheme, Some(text(record.scheme.as_str()))),
        (Field::InsurerNumber, Some(text(&record.insurer_number))),
        (Field::Symbol, record.symbol.as_deref().map(text)),
        (Field::Number, Some(text(&record.number))),
        (Field::Branch, record.branch.as_deref().map(text)),
        (Field::Name, Some(text(&record.name))),
        (Field::NameKana, record.name_kana.as_deref().map(text)),
        (Field::Sex, Some(text(record.sex.label()))),
        (Field::BirthDate, Some(date(record.birth_date))),
        (Field::PostalCode, record.postal_code.as_deref().map(text)),
        (Field::Address, record.address.as_deref().map(text)),
        (
            Field::HouseholderName,
            record.householder_name.as_deref().map(text),
        ),
        (Field::QualifiedDate, Some(date(record.qualified_date))),
        (Field::IssueDate, Some(date(record.issue_date))),
        (
            Field::HasMynaHoken,
            Some(Value::from(record.has_myna_hoken)),
        ),
        (
            Field::CopayRatio,
            record.copay_ratio.map(|n| Value::from(n.to_string())),
        ),
        (Field::EffectiveDate, record.effective_date.map(date)),
        (Field::ExpiryDate, record.expiry_date.map(date)),
        (Field::ResidenceExpiry, record.residence_expiry.map(date)),
        (
            Field::SpecialMedical,
            Some(Value::from(record.special_medical)),
        ),
        (
            Field::CertificateRequested,
            Some(Value::from(record.certificate_requested)),
        ),
        (
            Field::CertificateReason,
            record.certificate_reason.map(|r| text(r.label())),
        ),
        (Field::ApplicationDate, record.application_date.map(date)),
        (Field::HouseholdId, record.household_id.as_deref().map(text)),
        (Field::Remarks, record.remarks.as_deref().map(text)),
        (
            Field::LimitCategory,
            record
                .limit_category
                .map(|c| text(c.label(record.scheme == Scheme::Kouki))),
        ),
        (
            Field::LimitEffectiveDate,
            record.limit_effective_date.map(date),
        ),
        (
            Field::LongTermStayDate,
            record.long_term_stay_date.map(date),
        ),
        (
            Field::SpecificDisease,
            record.specific_disease.map(|d| text(d.label())),
        ),
        (
            Field::SpecificDiseaseLimit,
            record
                .specific_disease_limit
                .map(|n| Value::from(n.to_string())),
        ),
        (Field::SexOnBack, Some(Value::from(record.sex_on_back))),
        (
            Field::RegisteredName,
            record.registered_name.as_deref().map(text),
        ),
        (Field::MailToName, record.mail_to_name.as_deref().map(text)),
        (
            Field::MailToPostalCode,
            record.mail_to_postal_code.as_deref().map(text),
        ),
        (
            Field::MailToAddress,
            record.mail_to_address.as_deref().map(text),
        ),
        (
            Field::MailToCareOf,
            record.mail_to_care_of.map(|c| text(c.label())),
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(field, value)| Some((field.name().to_owned(), value?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::record::{self, Origin, ReadOptions};

    fn samples() -> Vec<Record> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/records.csv");
        record::read(&path, &ReadOptions::default())
            .expect("opens")
            .map(|r| r.expect("valid").1)
            .collect()
    }

    #[test]
    fn form_values_read_back_as_the_same_record() {
        for record in samples() {
            let value = Value::Object(form_values(&record));
            assert_eq!(
                Record::from_json_value(&value, Origin::single("form")).as_ref(),
                Ok(&record)
            );
        }
    }

    /// The fields issue 11 added read back from the form too, kouki's 区分Ⅱ included.
    #[test]
    fn form_values_keep_the_issue_11_fields() {
        let mut value = serde_json::json!({
            "record_id": "F1", "scheme": "kouki", "insurer_number": "39100011", "number": "10345678",
            "name": "加藤 トメ", "sex": "女", "birth_date": "1938-01-25",
            "qualified_date": "2013-01-25", "issue_date": "2025-08-01", "has_myna_hoken": true,
            "certificate_reason": "要配慮", "limit_category": "区分Ⅱ",
            "limit_effective_date": "2025-08-01", "long_term_stay_date": "2025-10-01",
            "specific_disease": "血友病", "specific_disease_limit": 10000, "sex_on_back": true,
            "registered_name": "加藤 留吉"
        });
        let record = Record::from_json_value(&value, Origin::single("form")).expect("valid");
        let form = Value::Object(form_values(&record));
        assert_eq!(form["limit_category"], "区分Ⅱ");
        assert_eq!(
            Record::from_json_value(&form, Origin::single("form")).as_ref(),
            Ok(&record)
        );
        value["scheme"] = "kokuho".into();
        value["insurer_number"] = "100016".into();
        let record = Record::from_json_value(&value, Origin::single("form")).expect("valid");
        assert_eq!(form_values(&record)["limit_category"], "低所得Ⅱ");
    }

    fn index() -> RecordIndex {
        RecordIndex::new(samples())
    }

    fn found(lookup: Lookup<'_>) -> (&str, Field) {
        match lookup {
            Lookup::Found(record, by) => (record.record_id.as_str(), by),
            other => panic!("not found: {other:?}"),
        }
    }

    #[test]
    fn looks_up_by_record_id_then_by_number() {
        let index = index();
        assert_eq!(found(index.lookup("T0003")), ("T0003", Field::RecordId));
        // T0003 alone has 番号 2345678; full-width digits and spaces are forgiven.
        assert_eq!(
            found(index.lookup(" ２３４５６７８ ")),
            ("T0003", Field::Number)
        );
        assert_eq!(index.lookup("no such key"), Lookup::NotFound);
    }

    #[test]
    fn a_household_number_needs_the_branch() {
        let index = index();
        assert!(matches!(index.lookup("1234567"), Lookup::Ambiguous(found) if found.len() == 2));
        assert_eq!(found(index.lookup("1234567-02")), ("T0002", Field::Number));
        assert_eq!(found(index.lookup("1234567 1")), ("T0001", Field::Number));
        assert_eq!(index.lookup("1234567-09"), Lookup::NotFound);
    }
}
