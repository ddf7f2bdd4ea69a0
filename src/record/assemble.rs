//! Field values → [`Record`], shared by every format; and the per-input state
//! (file name, `record_id`s seen) that turns problems into [`RecordError`]s.

mod dates;
mod length;
#[cfg(test)]
mod proptests;
mod seen;

use super::benefit;
use super::error::Redacted;
use super::value::{self, Invalid, Parsed, Raw};
use super::{Field, Origin, Record, RecordError, RecordErrorKind, Scheme};

/// One record's values, indexed by `Field as usize`; `None` where the input gave none.
pub(crate) type Slots<'a> = [Option<Raw<'a>>; Field::ALL.len()];

/// An empty set of slots.
pub(crate) fn empty_slots<'a>() -> Slots<'a> {
    [None; Field::ALL.len()]
}

/// What is wrong with a record, before its position is attached.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) field: Option<Field>,
    pub(crate) kind: RecordErrorKind,
    pub(crate) hint: Option<String>,
    pub(crate) value: Option<String>,
}

impl Problem {
    /// A problem with the record as a whole.
    pub(crate) fn record(kind: RecordErrorKind) -> Self {
        Problem {
            field: None,
            kind,
            hint: None,
            value: None,
        }
    }

    /// A problem with one field.
    pub(crate) fn field(field: Field, kind: RecordErrorKind) -> Self {
        Problem {
            field: Some(field),
            ..Problem::record(kind)
        }
    }

    /// Adds a hint line.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the value as given.
    pub(crate) fn with_value(mut self, value: Option<String>) -> Self {
        self.value = value;
        self
    }

    fn invalid(field: Field, raw: Raw, invalid: Invalid) -> Self {
        let Invalid { what, why, hint } = invalid;
        Problem {
            hint,
            ..Problem::field(field, RecordErrorKind::Invalid { what, why })
        }
        .with_value(raw.as_given())
    }

    /// Attaches where the record is; `ends_input` for errors after which nothing more is read.
    pub(crate) fn at(
        self,
        origin: Origin,
        record_id: Option<String>,
        ends_input: bool,
    ) -> RecordError {
        RecordError {
            origin,
            record_id,
            field: self.field,
            kind: self.kind,
            hint: self.hint,
            value: self.value.map(Redacted),
            ends_input,
            source: None,
        }
    }
}

/// Per-input state: the name used in origins and the `record_id`s seen so far.
#[derive(Debug)]
pub(crate) struct Batch {
    file: String,
    /// Each `record_id` with the line of its first record: the only memory that grows with
    /// the input; it is what makes duplicates detectable.
    seen: seen::Seen,
}

impl Batch {
    pub(crate) fn new(file: String) -> Self {
        Batch {
            file,
            seen: seen::Seen::default(),
        }
    }

    /// The input's name.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The origin of a record in this input.
    pub(crate) fn origin(&self, line: u64, index: u64) -> Origin {
        Origin {
            file: self.file.clone(),
            line,
            index,
        }
    }

    /// Turns a record's values into a [`Record`], or into the first problem found: the
    /// one passed in (found while reading), a duplicate `record_id`, then each field in
    /// schema order.
    pub(crate) fn finish(
        &mut self,
        origin: Origin,
        slots: &Slots,
        problem: Option<Problem>,
    ) -> Result<(Origin, Record), RecordError> {
        let record_id = peek_record_id(slots);
        let unique = self.check_unique(record_id.as_deref(), origin.line, slots);
        let result = match problem {
            Some(problem) => Err(problem),
            None => unique.and_then(|()| build(slots)),
        };
        match result {
            Ok(record) => Ok((origin, record)),
            Err(problem) => Err(problem.at(origin, record_id, false)),
        }
    }

    /// Registers `record_id` (also for records that fail otherwise: the input holds it
    /// twice either way) and refuses it if an earlier record had it.
    fn check_unique(
        &mut self,
        record_id: Option<&str>,
        line: u64,
        slots: &Slots,
    ) -> Result<(), Problem> {
        let Some(id) = record_id else { return Ok(()) };
        match self.seen.first_line_or_insert(id, line) {
            Some(first_line) => {
                let problem =
                    Problem::field(Field::RecordId, RecordErrorKind::DuplicateId { first_line });
                Err(problem.with_value(slot(slots, Field::RecordId).and_then(Raw::as_given)))
            }
            None => Ok(()),
        }
    }
}

/// The record's id, if it is valid: errors about other fields still name the record.
pub(crate) fn peek_record_id(slots: &Slots) -> Option<String> {
    slot(slots, Field::RecordId).and_then(|raw| value::identifier(raw).ok())
}

fn slot<'a>(slots: &Slots<'a>, field: Field) -> Option<Raw<'a>> {
    slots[field as usize].and_then(Raw::present)
}

fn required<T>(
    slots: &Slots,
    field: Field,
    parse: impl FnOnce(Raw) -> Parsed<T>,
) -> Result<T, Problem> {
    let raw = slot(slots, field).ok_or_else(|| missing(slots, field))?;
    parse(raw).map_err(|invalid| Problem::invalid(field, raw, invalid))
}

/// A required value is missing; when it held only white space that is not ASCII, the hint
/// names the character, since the cell does not look empty to whoever fills it.
fn missing(slots: &Slots, field: Field) -> Problem {
    let problem = Problem::field(field, RecordErrorKind::Missing);
    match slots[field as usize].and_then(Raw::blank_space) {
        Some(c) => problem.with_hint(format!(
            "the value holds only white space (U+{:04X}), which would print as a blank",
            u32::from(c)
        )),
        None => problem,
    }
}

fn optional<T>(
    slots: &Slots,
    field: Field,
    parse: impl FnOnce(Raw) -> Parsed<T>,
) -> Result<Option<T>, Problem> {
    slot(slots, field)
        .map(|raw| parse(raw).map_err(|invalid| Problem::invalid(field, raw, invalid)))
        .transpose()
}

/// 記号 and 枝番 exist only in kokuho: a kouki record carrying one was probably routed
/// to the wrong scheme, which would print the wrong document.
fn kokuho_only<T>(
    scheme: Scheme,
    parse: impl FnOnce(Raw) -> Parsed<T>,
) -> impl FnOnce(Raw) -> Parsed<T> {
    move |raw| match scheme {
        Scheme::Kokuho => parse(raw),
        Scheme::Kouki => Err(Invalid {
            what: "unexpected value",
            why: "kouki has an 8-digit 被保険者番号 and no 記号 or 枝番".into(),
            hint: Some("leave it empty, or check the record's scheme".into()),
        }),
    }
}

/// Builds the record, or says what is wrong with it first: its fields are checked in
/// schema order.
fn build(slots: &Slots) -> Result<Record, Problem> {
    build_all(slots).map_err(|problems| {
        problems
            .into_iter()
            .next()
            .expect("a failed build has a problem")
    })
}

/// Every problem with a record's fields, in schema order; empty when the record is valid.
/// Forms use it to show each field's problem beside the field at once.
pub(crate) fn field_problems(slots: &Slots) -> Vec<Problem> {
    build_all(slots).err().unwrap_or_default()
}

/// Builds the record, checking every field; `Err` holds each field's problem in schema order.
fn build_all(slots: &Slots) -> Result<Record, Vec<Problem>> {
    use length::limited;
    use value::*;
    let changed = super::normalize::changed(slots);
    let mut normal = *slots;
    for (slot, text) in normal.iter_mut().zip(&changed) {
        if let Some(text) = text {
            *slot = Some(Raw::Text(text));
        }
    }
    let slots = &normal;
    let mut check = Checker {
        slots,
        problems: Vec::new(),
    };
    let record_id = check.required(Field::RecordId, limited(Field::RecordId, identifier));
    let scheme = check.required(Field::Scheme, value::scheme);
    // The rules of these four depend on the scheme: without one, only their presence is checked.
    let (insurer_number, symbol, number, branch) = match scheme {
        Some(scheme) => (
            check.required(Field::InsurerNumber, |r| insurer_number(r, scheme)),
            check.optional(
                Field::Symbol,
                kokuho_only(scheme, limited(Field::Symbol, identifier)),
            ),
            check.required(Field::Number, limited(Field::Number, |r| number(r, scheme))),
            check.optional(Field::Branch, kokuho_only(scheme, branch)),
        ),
        None => {
            check.presence(Field::InsurerNumber);
            check.presence(Field::Number);
            (None, None, None, None)
        }
    };
    let name = check.required(Field::Name, limited(Field::Name, text));
    let name_kana = check.optional(Field::NameKana, limited(Field::NameKana, text));
    let sex = check.required(Field::Sex, sex);
    let birth_date = check.required(Field::BirthDate, date);
    let postal_code = check.optional(Field::PostalCode, postal_code);
    let address = check.optional(Field::Address, limited(Field::Address, text));
    let householder_name = check.optional(
        Field::HouseholderName,
        limited(Field::HouseholderName, text),
    );
    let qualified_date = check.required(Field::QualifiedDate, date);
    let issue_date = check.required(Field::IssueDate, date);
    let has_myna_hoken = check.required(Field::HasMynaHoken, boolean);
    let copay_ratio = check.optional(Field::CopayRatio, copay_ratio);
    let effective_date = check.optional(Field::EffectiveDate, date);
    let expiry_date = check.optional(Field::ExpiryDate, date);
    let residence_expiry = check.optional(Field::ResidenceExpiry, date);
    let special_medical = check.optional(Field::SpecialMedical, boolean);
    let certificate_requested = check.optional(Field::CertificateRequested, boolean);
    let certificate_reason = check.optional(Field::CertificateReason, value::certificate_reason);
    let application_date = check.optional(Field::ApplicationDate, date);
    let household_id = check.optional(Field::HouseholdId, limited(Field::HouseholdId, identifier));
    let remarks = check.optional(Field::Remarks, limited(Field::Remarks, text));
    let limit_category = check.optional(Field::LimitCategory, benefit::limit_category);
    let limit_effective_date = check.optional(Field::LimitEffectiveDate, date);
    let long_term_stay_date = check.optional(Field::LongTermStayDate, date);
    let specific_disease = check.optional(Field::SpecificDisease, benefit::specific_disease);
    let specific_disease_limit =
        check.optional(Field::SpecificDiseaseLimit, benefit::disease_limit);
    let sex_on_back = check.optional(Field::SexOnBack, boolean);
    let registered_name =
        check.optional(Field::RegisteredName, limited(Field::RegisteredName, text));
    let mail_to_name = check.optional(Field::MailToName, limited(Field::MailToName, text));
    let mail_to_postal_code = check.optional(Field::MailToPostalCode, value::postal_code);
    let mail_to_address = check.optional(Field::MailToAddress, limited(Field::MailToAddress, text));
    let mail_to_care_of = check.optional(Field::MailToCareOf, care_of);
    check.mail_to_complete();
    let record = (|| {
        Some(Record {
            record_id: record_id?,
            scheme: scheme?,
            insurer_number: insurer_number?,
            symbol: symbol?,
            number: number?,
            branch: branch?,
            name: name?,
            name_kana: name_kana?,
            sex: sex?,
            birth_date: birth_date?,
            postal_code: postal_code?,
            address: address?,
            householder_name: householder_name?,
            qualified_date: qualified_date?,
            issue_date: issue_date?,
            has_myna_hoken: has_myna_hoken?,
            copay_ratio: copay_ratio?,
            effective_date: effective_date?,
            expiry_date: expiry_date?,
            residence_expiry: residence_expiry?,
            special_medical: special_medical?.unwrap_or(false),
            certificate_requested: certificate_requested?.unwrap_or(false),
            certificate_reason: certificate_reason?,
            application_date: application_date?,
            household_id: household_id?,
            remarks: remarks?,
            mail_to_name: mail_to_name?,
            mail_to_postal_code: mail_to_postal_code?,
            mail_to_address: mail_to_address?,
            mail_to_care_of: mail_to_care_of?,
            limit_category: limit_category?,
            limit_effective_date: limit_effective_date?,
            long_term_stay_date: long_term_stay_date?,
            specific_disease: specific_disease?,
            specific_disease_limit: specific_disease_limit?,
            sex_on_back: sex_on_back?.unwrap_or(false),
            registered_name: registered_name?,
        })
    })();
    match record {
        Some(record) if check.problems.is_empty() => {
            let contradictions = dates::problems(&record);
            if contradictions.is_empty() {
                Ok(record)
            } else {
                Err(contradictions)
            }
        }
        _ => Err(check.problems),
    }
}

/// Parses fields one by one, keeping every problem instead of stopping at the first.
struct Checker<'s, 'a> {
    slots: &'s Slots<'a>,
    problems: Vec<Problem>,
}

impl Checker<'_, '_> {
    /// A required field's value; `None` after recording why there is none.
    fn required<T>(&mut self, field: Field, parse: impl FnOnce(Raw) -> Parsed<T>) -> Option<T> {
        required(self.slots, field, parse)
            .map_err(|p| self.problems.push(p))
            .ok()
    }

    /// An optional field's value (`Some(None)` when empty); `None` after recording a problem.
    fn optional<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(Raw) -> Parsed<T>,
    ) -> Option<Option<T>> {
        optional(self.slots, field, parse)
            .map_err(|p| self.problems.push(p))
            .ok()
    }

    /// A 送付先 is an address: given at all, it needs its postal code and address (the envelope
    /// and its barcode are made from them), and 様方 or 気付 needs the name it follows.
    fn mail_to_complete(&mut self) {
        let given = |field| slot(self.slots, field).is_some();
        let any = [
            Field::MailToName,
            Field::MailToPostalCode,
            Field::MailToAddress,
            Field::MailToCareOf,
        ]
        .into_iter()
        .any(given);
        let mut needs = Vec::new();
        if any {
            needs.extend([Field::MailToPostalCode, Field::MailToAddress]);
        }
        if given(Field::MailToCareOf) {
            needs.push(Field::MailToName);
        }
        for field in needs.into_iter().filter(|&f| !given(f)) {
            let problem = Problem::field(field, RecordErrorKind::Missing);
            self.problems.push(problem.with_hint(
                "a 送付先 needs mail_to_postal_code and mail_to_address, and 様方 or 気付 the mail_to_name it follows; leave every mail_to_ field empty to mail to 住所",
            ));
        }
    }

    /// Records a required field that is missing, without parsing it.
    fn presence(&mut self, field: Field) {
        if slot(self.slots, field).is_none() {
            self.problems.push(missing(self.slots, field));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::*;
    use super::super::{Format, ReadOptions};
    use super::*;

    fn single(value: &serde_json::Value) -> Result<Record, RecordError> {
        Record::from_json_value(value, Origin::single("members.jsonl"))
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut object = object("R1");
        object[field] = value;
        object
    }

    #[test]
    fn every_required_field_is_required() {
        for field in Field::ALL.into_iter().filter(|f| f.is_required()) {
            for absent in [None, Some(json!(null)), Some(json!("")), Some(json!("  "))] {
                let mut object = object("R1");
                match &absent {
                    None => object.as_object_mut().expect("object").remove(field.name()),
                    Some(value) => object
                        .as_object_mut()
                        .expect("object")
                        .insert(field.name().into(), value.clone()),
                };
                let err = single(&object).expect_err("missing");
                assert_eq!(
                    (err.field(), err.kind()),
                    (Some(field), &RecordErrorKind::Missing),
                    "{field} {absent:?}"
                );
            }
        }
    }

    #[test]
    fn optional_flags_default_to_false() {
        let record = single(&object("R1")).expect("valid");
        assert!(!record.special_medical && !record.certificate_requested);
        assert_eq!(
            (record.symbol, record.branch, record.remarks),
            (None, None, None)
        );
    }

    #[test]
    fn kouki_records_carry_no_symbol_or_branch() {
        for field in ["symbol", "branch"] {
            let err = single(&with(field, json!("01"))).expect_err("kouki");
            assert_eq!(err.field().map(Field::name), Some(field));
            assert_eq!(
                err.hint(),
                Some("leave it empty, or check the record's scheme")
            );
        }
    }

    #[test]
    fn the_first_bad_field_in_schema_order_is_reported_with_the_record_id() {
        let mut object = with("issue_date", json!("2025-02-29"));
        object["birth_date"] = json!("1948-13-03");
        let err = single(&object).expect_err("two bad fields");
        assert_eq!(err.field(), Some(Field::BirthDate));
        assert_eq!(err.record_id(), Some("R1"));
    }

    #[test]
    fn a_duplicate_record_id_is_refused_on_its_second_use() {
        let mut broken = object("R1");
        broken["birth_date"] = json!("bad");
        let text = format!("{broken}\n{}\n{}\n", object("R2"), object("R1"));
        let results = read_all(text.as_bytes(), Format::JsonLines, &ReadOptions::default());
        assert!(results[1].is_ok());
        let err = error(&results[2]);
        assert_eq!(err.kind(), &RecordErrorKind::DuplicateId { first_line: 1 });
        assert_eq!(err.to_string(), "members:3 (record 3, field `record_id`): duplicate record_id `R1` (first used on line 1)");
    }

    #[test]
    fn messages_keep_personal_values_out_but_the_report_has_them() {
        let err = single(&with("birth_date", json!("1948-02-30"))).expect_err("no such day");
        let message = err.to_string();
        assert_eq!(message, "members.jsonl:1 (record 1, field `birth_date`): invalid date (day is past the end of the month)");
        assert!(!format!("{err:?}").contains("1948"));
        let entry = err.report_entry();
        assert_eq!(entry.value.as_deref(), Some("1948-02-30"));
        assert_eq!(
            entry.reason,
            "invalid date (day is past the end of the month)"
        );
        let line = serde_json::to_value(&entry).expect("serializes");
        assert_eq!(
            line,
            json!({
                "file": "members.jsonl", "line": 1, "column": null, "record": 1, "record_id": "R1",
                "field": "birth_date", "reason": "invalid date (day is past the end of the month)",
                "message_ja": "その月にない日付です", "value": "1948-02-30", "hint": null
            })
        );
    }

    #[test]
    fn names_never_reach_messages() {
        let err = single(&with("name", json!("鈴木\u{FFFD}花子"))).expect_err("U+FFFD");
        assert!(!err.to_string().contains("鈴木"));
        assert_eq!(err.value(), Some("鈴木\u{FFFD}花子"));
        assert!(err.to_string().contains("U+FFFD"));
    }

    #[test]
    fn administrative_values_are_quoted_in_messages() {
        let err = single(&with("issue_date", json!("2025-02-29"))).expect_err("not a leap year");
        assert_eq!(
            err.to_string(),
            "members.jsonl:1 (record 1, field `issue_date`): invalid date `2025-02-29` (February 29 in a year that is not a leap year)"
        );
    }

    #[test]
    fn full_width_digits_are_folded_in_numeric_fields_only() {
        let mut object = with("number", json!("１２３４５６７８"));
        object["postal_code"] = json!("３７０－００６５");
        object["name"] = json!("鈴木 花子２世");
        let record = single(&object).expect("valid");
        assert_eq!(
            (record.number.as_str(), record.postal_code.as_deref()),
            ("12345678", Some("3700065"))
        );
        assert_eq!(record.name, "鈴木 花子２世");
    }

    fn with_mail_to(care_of: Option<&str>) -> serde_json::Value {
        let mut object = with("mail_to_name", json!("特別養護老人ホームさくら苑"));
        object["mail_to_postal_code"] = json!("370-0852");
        object["mail_to_address"] = json!("群馬県高崎市中居町二丁目1番1号");
        if let Some(care_of) = care_of {
            object["mail_to_care_of"] = json!(care_of);
        }
        object
    }

    /// A 送付先 other than 住所 (施設, 代理人; e.g. 調布市's 「送付先変更届」 asks for the 送付先's
    /// name, postal code and address) is where the envelope goes: its address, postal code and
    /// name win over the member's.
    #[test]
    fn chofu_sofusaki_henko_the_mail_to_wins_for_the_envelope() {
        let record = single(&object("R1")).expect("valid");
        assert!(!record.has_mail_to());
        assert_eq!(
            (record.addressee(), record.mail_postal_code()),
            ("鈴木 花子", Some("3700065"))
        );
        let record = single(&with_mail_to(None)).expect("valid");
        assert_eq!(record.addressee(), "特別養護老人ホームさくら苑");
        assert_eq!(record.mail_postal_code(), Some("3700852"));
        assert_eq!(
            record.mail_address(),
            Some("群馬県高崎市中居町二丁目1番1号")
        );
        assert_eq!(record.mail_care_of(), None);
        // With 気付, the facility is written above the member, who stays the addressee.
        let record = single(&with_mail_to(Some("気付"))).expect("valid");
        assert_eq!(record.addressee(), "鈴木 花子");
        assert_eq!(
            record.mail_care_of().as_deref(),
            Some("特別養護老人ホームさくら苑気付")
        );
    }

    #[test]
    fn a_mail_to_needs_its_postal_code_and_address_and_care_of_its_name() {
        let err = single(&with("mail_to_name", json!("山田 一郎"))).expect_err("incomplete");
        assert_eq!(
            (err.field(), err.kind()),
            (Some(Field::MailToPostalCode), &RecordErrorKind::Missing)
        );
        assert!(err.hint().unwrap().contains("mail_to_address"));
        let mut object = with_mail_to(Some("様方"));
        object.as_object_mut().unwrap().remove("mail_to_name");
        let err = single(&object).expect_err("様方 without a name");
        assert_eq!(err.field(), Some(Field::MailToName));
        let err = single(&with_mail_to(Some("御中"))).expect_err("not 様方 or 気付");
        assert_eq!(err.field(), Some(Field::MailToCareOf));
        assert_eq!(
            err.to_string(),
            "members.jsonl:1 (record 1, field `mail_to_care_of`): invalid care of `御中` (expected 様方 or 気付)\n  hint: write 様方 for a person's home, 気付 for a facility or business; leave it empty to address the 送付先 by name"
        );
    }
}
