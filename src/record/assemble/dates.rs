//! Dates that cannot all be true of one member: a birth after the issue date, coverage
//! before birth. Each is refused naming the field, so no such document is printed.
//!
//! The one ordering left open on purpose: coverage may begin after the issue date, since
//! a 後期高齢者医療 資格確認書 is mailed before the 75th birthday on which coverage begins
//! (up to [`ADVANCE_ISSUE_MONTHS`] ahead). Orderings that the eligibility rules decide
//! (有効期限 against 発効期日, against the issue date) are checked there, not here.

use chrono::{Months, NaiveDate};

use super::super::{Field, Record, RecordErrorKind};
use super::Problem;

/// How far ahead of its coverage a document may be issued. A 後期高齢者医療 card goes out
/// in the month before the 75th birthday; a year leaves room for any insurer's schedule and
/// still catches a qualified date typed a decade wrong.
pub(crate) const ADVANCE_ISSUE_MONTHS: u32 = 12;

/// The oldest a member may be on the issue date. The oldest person on record lived to 122.
pub(crate) const MAX_AGE_YEARS: u32 = 130;

/// Every date of the record that contradicts another, in schema order.
pub(crate) fn problems(r: &Record) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut refuse = |field: Field, date: NaiveDate, why: String, hint: Option<&str>| {
        let kind = RecordErrorKind::Invalid {
            what: "impossible date",
            why,
        };
        let mut problem = Problem::field(field, kind).with_value(Some(date.to_string()));
        if let Some(hint) = hint {
            problem = problem.with_hint(hint);
        }
        out.push(problem);
    };
    let birth = r.birth_date;
    if birth > r.issue_date {
        refuse(Field::BirthDate, birth, "after issue_date".into(), None);
    } else if r
        .issue_date
        .checked_sub_months(Months::new(12 * MAX_AGE_YEARS))
        .is_some_and(|oldest| birth < oldest)
    {
        let why = format!("more than {MAX_AGE_YEARS} years before issue_date");
        refuse(Field::BirthDate, birth, why, None);
    }
    if r.qualified_date < birth {
        refuse(
            Field::QualifiedDate,
            r.qualified_date,
            "before birth_date".into(),
            None,
        );
    } else if r
        .issue_date
        .checked_add_months(Months::new(ADVANCE_ISSUE_MONTHS))
        .is_some_and(|latest| r.qualified_date > latest)
    {
        let why = format!("more than {ADVANCE_ISSUE_MONTHS} months after issue_date");
        let hint = "a document may be issued before coverage begins (a 後期高齢者医療 card is mailed before the 75th birthday), but not this far ahead";
        refuse(Field::QualifiedDate, r.qualified_date, why, Some(hint));
    }
    for (field, date) in [
        (Field::EffectiveDate, r.effective_date),
        (Field::ExpiryDate, r.expiry_date),
        (Field::ResidenceExpiry, r.residence_expiry),
        (Field::ApplicationDate, r.application_date),
    ] {
        match date {
            Some(date) if date < birth => refuse(field, date, "before birth_date".into(), None),
            Some(date) if field == Field::ApplicationDate && date > r.issue_date => {
                let hint = "the document is issued in answer to the application, so it cannot be applied for later";
                refuse(field, date, "after issue_date".into(), Some(hint));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::testing::object;
    use super::super::super::{Origin, Record, RecordError};
    use super::*;

    fn with(changes: serde_json::Value) -> Result<Record, RecordError> {
        let mut record = object("R1");
        for (key, value) in changes.as_object().expect("object") {
            record[key] = value.clone();
        }
        Record::from_json_value(&record, Origin::single("m.jsonl"))
    }

    fn refusal(changes: serde_json::Value) -> (Field, String) {
        let err = with(changes).expect_err("refused");
        let why = match err.kind() {
            RecordErrorKind::Invalid { what, why } => format!("{what} ({why})"),
            other => panic!("{other:?}"),
        };
        (err.field().expect("a field"), why)
    }

    #[test]
    fn a_card_may_be_issued_up_to_a_year_before_coverage_begins() {
        // A 後期 card mailed in July for a 75th birthday in August: legitimate.
        assert!(with(json!({"birth_date": "1950-08-20", "qualified_date": "2025-08-20", "issue_date": "2025-07-10"})).is_ok());
        assert!(with(json!({"qualified_date": "2026-08-01"})).is_ok());
        assert_eq!(
            refusal(json!({"qualified_date": "2026-08-02"})),
            (
                Field::QualifiedDate,
                "impossible date (more than 12 months after issue_date)".into()
            )
        );
    }

    #[test]
    fn dates_before_birth_or_births_after_issue_are_refused_naming_the_field() {
        assert_eq!(
            refusal(json!({"birth_date": "2025-08-02"})),
            (
                Field::BirthDate,
                "impossible date (after issue_date)".into()
            )
        );
        assert_eq!(
            refusal(json!({"qualified_date": "1948-11-02"})),
            (
                Field::QualifiedDate,
                "impossible date (before birth_date)".into()
            )
        );
        for field in [
            "effective_date",
            "expiry_date",
            "residence_expiry",
            "application_date",
        ] {
            let (got, why) = refusal(json!({ field: "1948-11-02" }));
            assert_eq!(
                (got.name(), why.as_str()),
                (field, "impossible date (before birth_date)")
            );
        }
        assert_eq!(
            refusal(json!({"application_date": "2025-08-02"})),
            (
                Field::ApplicationDate,
                "impossible date (after issue_date)".into()
            )
        );
        assert_eq!(
            refusal(json!({"birth_date": "1895-07-31", "qualified_date": "2008-04-01"})),
            (
                Field::BirthDate,
                "impossible date (more than 130 years before issue_date)".into()
            )
        );
        assert!(with(json!({"birth_date": "1895-08-01", "qualified_date": "2008-04-01"})).is_ok());
    }

    #[test]
    fn the_birth_date_stays_out_of_the_message() {
        let err = with(json!({"birth_date": "2025-08-02"})).expect_err("refused");
        assert!(!err.to_string().contains("2025-08-02"), "{err}");
        assert_eq!(err.value(), Some("2025-08-02"));
    }
}
