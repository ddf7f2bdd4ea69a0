//! Record errors, and the record's own values held against the rules'.

use chrono::NaiveDate;

use super::age::{birthday, reaching_day};
use super::{show_date, Check, Contradiction, Cycle, Derived};
use crate::record::{Record, Scheme};

/// What makes a record unprintable whatever [`Check`] says:
/// - `record.kokuho-over-75`: a kokuho member 75 or over on the cycle's first day (kokuho ends the
///   day before the 75th birthday and 後期高齢者医療 starts on it; 高齢者の医療の確保に関する法律
///   第52条);
/// - `record.kouki-under-65`: a kouki member who joined before reaching 65 (後期高齢者医療 is for
///   75 and over, or 65 and over with a 障害認定; 高齢者の医療の確保に関する法律第50条);
/// - `record.kouki-number`: a kouki 被保険者番号 that is not 8 digits (大津市 「後期高齢者医療資格
///   確認書の見かた」: 被保険者番号 8桁);
/// - `record.residence-before-cycle`: a 在留期間 that ended before the cycle, leaving no day of
///   validity (高崎市's leaflets, 外国籍の方: valid through the day after it).
pub(super) fn record_errors(record: &Record, cycle: &Cycle) -> Vec<Contradiction> {
    let mut errors = Vec::new();
    let birth = record.birth_date;
    if record.scheme == Scheme::Kokuho && birthday(birth, 75) <= cycle.start {
        errors.push(Contradiction {
            field: "birth_date",
            given: birth.to_string(),
            derived: format!("under 75 on {} (kouki from the 75th birthday)", cycle.start),
            rule: "record.kokuho-over-75",
        });
    }
    if record.scheme == Scheme::Kouki {
        let reached_65 = reaching_day(birth, 65);
        if record.qualified_date < reached_65 {
            errors.push(Contradiction {
                field: "qualified_date",
                given: record.qualified_date.to_string(),
                derived: format!("on or after {reached_65}, the day the member reaches 65"),
                rule: "record.kouki-under-65",
            });
        }
        if record.number.len() != 8 || !record.number.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(Contradiction {
                field: "number",
                given: record.number.clone(),
                derived: "an 8-digit 被保険者番号".into(),
                rule: "record.kouki-number",
            });
        }
    }
    if let Some(expiry) = record.residence_expiry {
        // Valid through the day after: an expiry the day before the cycle still covers its first day.
        let earliest = cycle.start.pred_opt().unwrap_or(cycle.start);
        if expiry < earliest {
            errors.push(Contradiction {
                field: "residence_expiry",
                given: expiry.to_string(),
                derived: format!("on or after {earliest}"),
                rule: "record.residence-before-cycle",
            });
        }
    }
    errors
}

/// `record.kouki-no-symbol`: a kouki member has an 8-digit 被保険者番号 and no 記号 or 枝番
/// (大津市 「後期高齢者医療資格確認書の見かた」). The kouki layouts have no place for them,
/// so this is a disagreement rather than an error.
pub(super) fn kouki_symbol(record: &Record) -> Vec<Contradiction> {
    if record.scheme != Scheme::Kouki {
        return Vec::new();
    }
    [("symbol", &record.symbol), ("branch", &record.branch)]
        .into_iter()
        .filter_map(|(field, value)| {
            let value = value.as_deref().filter(|v| !v.trim().is_empty())?;
            Some(Contradiction {
                field,
                given: value.into(),
                derived: "(none)".into(),
                rule: "record.kouki-no-symbol",
            })
        })
        .collect()
}

/// The date to print for `field`: the rules' value, unless the record gives another. Then it is a
/// disagreement, and under [`Check::Off`] the record's value is printed.
pub(super) fn resolve(
    field: &'static str,
    given: Option<NaiveDate>,
    derived: Derived<Option<NaiveDate>>,
    check: Check,
    disagreements: &mut Vec<Contradiction>,
) -> Derived<Option<NaiveDate>> {
    let Some(given) = given.filter(|&g| derived.value != Some(g)) else {
        return derived;
    };
    if check == Check::Off {
        let detail = format!(
            "記録の値を採用 (--check off; 規則 `{}` では {})",
            derived.rule,
            show_date(derived.value)
        );
        return Derived::new(Some(given), "record.given", detail);
    }
    disagreements.push(Contradiction {
        field,
        given: given.to_string(),
        derived: show_date(derived.value),
        rule: derived.rule,
    });
    derived
}

/// `expiry.before-issue`: a document must not expire before its 交付年月日.
pub(super) fn issued_after_expiry(
    record: &Record,
    expiry: Option<NaiveDate>,
) -> Option<Contradiction> {
    let expiry = expiry.filter(|&e| e < record.issue_date)?;
    Some(Contradiction {
        field: "issue_date",
        given: record.issue_date.to_string(),
        derived: format!("on or before the 有効期限 {expiry}"),
        rule: "expiry.before-issue",
    })
}

/// The invariant every printed document keeps: its 有効期限 is not before its 発効期日
/// (`expiry.before-effective`) nor before its 適用開始年月日 (`expiry.before-qualified`). A
/// document that expires before it takes effect cannot be used on any day; it is refused in every
/// check mode, naming the field, rather than printed. Checked on the values that would be printed,
/// so a record's own dates under `--check off` are held to it too.
pub(super) fn expires_before_start(
    record: &Record,
    expiry: Option<NaiveDate>,
    effective: Option<NaiveDate>,
) -> Vec<Contradiction> {
    let Some(expiry) = expiry else {
        return Vec::new();
    };
    let starts = [
        ("effective_date", effective, "expiry.before-effective"),
        (
            "qualified_date",
            Some(record.qualified_date),
            "expiry.before-qualified",
        ),
    ];
    starts
        .into_iter()
        .filter_map(|(field, start, rule)| {
            let start = start.filter(|&s| expiry < s)?;
            Some(Contradiction {
                field,
                given: start.to_string(),
                derived: format!("on or before the 有効期限 {expiry}"),
                rule,
            })
        })
        .collect()
}
