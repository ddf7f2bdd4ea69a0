//! Eligibility: which document a member gets and the rule-bound values it prints.
//!
//! Pure functions over a [`Record`] and the issuer's [`Rules`]; no I/O, no clock. The entry point
//! is [`evaluate`]; [`explain_json`] turns its result into the `shikaku explain` object.
//!
//! One private file per rule family, each rule citing its public source (docs/eligibility.md
//! has them in plain words): `cycle` (the renewal period), `document` (資格確認書 or お知らせ),
//! `expiry` (有効期限), `burden` (高齢受給者, 負担割合 and 発効期日), `special` (特別療養費),
//! `items` (the 必須記載事項 each document must print), `benefit` (限度区分 and 特定疾病, the
//! 任意記載事項 of benefit certificates), `notation` (氏名・性別 printed on request for
//! 性同一性障害) and `check` (record errors, and the
//! record's own values against the rules'). [`age`] holds the
//! 年齢計算 the rules count with.

pub mod age;
mod benefit;
mod burden;
mod check;
mod cycle;
mod document;
mod expiry;
mod explain;
mod items;
mod notation;
mod rules;
mod special;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::record::{Record, Scheme};

pub use explain::explain_json;
pub use rules::{Rules, RulesError};

/// Which of the two documents a member receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Document {
    /// 資格確認書: the card, valid on its own.
    Kakuninsho,
    /// 資格情報のお知らせ: the A4 notice, shown with the マイナ保険証.
    Oshirase,
}

impl Document {
    /// The name used in layouts, manifests and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Kakuninsho => "kakuninsho",
            Document::Oshirase => "oshirase",
        }
    }
}

/// One renewal cycle: the period a regular document is valid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// First day (8/1 for most insurers).
    pub start: NaiveDate,
    /// Last day (7/31 of the next year for most insurers).
    pub end: NaiveDate,
}

/// What the rules decided for one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eligibility {
    /// The document to print.
    pub document: Document,
    /// The scheme of the document (a kokuho member turning 75 still gets a kokuho one).
    pub scheme: Scheme,
    /// The renewal cycle the document belongs to.
    pub cycle: Cycle,
    /// 有効期限, or `None` when the document prints none (お知らせ under 70).
    pub expiry_date: Option<NaiveDate>,
    /// 発効期日, printed for 70–74 and kouki; `None` otherwise.
    pub effective_date: Option<NaiveDate>,
    /// 負担割合 to print (70–74: 2 or 3; kouki: 1, 2 or 3); `None` when not printed.
    pub copay_ratio: Option<u8>,
    /// The document is the 特別療養 variant.
    pub special_medical: bool,
    /// Age (満年齢) on the cycle's first day.
    pub age_at_cycle_start: u32,
    /// The member is a 高齢受給者 (70–74) for part of the document's validity.
    pub elderly: bool,
    /// Why each value is what it is: value name → rule name and explanation.
    pub reasons: Vec<Reason>,
}

impl Eligibility {
    /// Whether the document is a 資格確認書 given under the kouki interim rule (every kouki
    /// member, card or not), which is what the carrier sheet's cover message must say.
    pub fn kouki_interim(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| r.field == "document" && r.rule == document::KOUKI_INTERIM)
    }
}

/// The rule behind one derived value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The value it explains: `cycle`, `document`, `expiry_date`, `effective_date`, `copay_ratio`,
    /// `special_medical`, and when the record gives them `limit_category`, `long_term_stay_date`,
    /// `specific_disease`, `sex` (printed on the back) and `name` (a 通称名).
    pub field: &'static str,
    /// A stable rule name, e.g. `expiry.turns-75`.
    pub rule: &'static str,
    /// The rule in plain Japanese, with its public source (law and article, MHLW material, or a
    /// municipality's leaflet by title and year).
    pub detail: String,
}

/// How the record's own `expiry_date` and `effective_date` are held against the rules' values.
///
/// Only disagreements are governed by this: a record that cannot be printed at all (a missing
/// 負担割合, a kokuho member already 75) is an error in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Check {
    /// Any disagreement rejects the record (default: a wrong date on a mailed card is costly).
    #[default]
    Strict,
    /// The rules' values are printed; each disagreement is reported as a warning.
    Warn,
    /// The record's values are printed where it gives them; nothing is reported.
    Off,
}

/// Options of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// The cycle by the year it starts in (`--cycle 2025`: the cycle from 2025's cycle-start day).
    /// Default `None`: the cycle that contains the day the document starts to apply, the later of
    /// the record's 交付年月日 and 適用開始年月日. Pass it for renewal batches printed before the
    /// cycle starts.
    pub cycle: Option<i32>,
    /// How the record's own values are checked (default [`Check::Strict`]).
    pub check: Check,
}

/// The result of [`evaluate`] for a record that can be printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// What to print, and why.
    pub eligibility: Eligibility,
    /// Disagreements between the record and the rules, under [`Check::Warn`] (empty otherwise).
    pub warnings: Vec<Contradiction>,
}

/// A record value that the rules do not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    /// The record field (or `cycle` / the `[rules]` key, when the option or profile is at fault).
    pub field: &'static str,
    /// The value given, or `(empty)`.
    pub given: String,
    /// What the rule gives or accepts, or `(none)` when it gives no value.
    pub derived: String,
    /// The rule's name, as in [`Reason::rule`].
    pub rule: &'static str,
}

impl Contradiction {
    /// What to do about it, for a `hint:` line: required items and the invariant cannot be
    /// printed in any check mode, so `--check warn` is offered only for the rest.
    pub fn hint(&self) -> &'static str {
        match self.rule {
            "items.required" => "fill in the field: the document cannot be printed without it",
            "expiry.before-effective" | "expiry.before-qualified" => {
                "check the record's qualified_date, and the cycle chosen with --cycle"
            }
            _ => "correct the record, or run with --check warn to print the rules' values",
        }
    }
}

/// `field `expiry_date`: record says 2026-07-31, rule `expiry.turns-75` gives 2026-03-14`.
impl fmt::Display for Contradiction {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let source = if self.rule.starts_with("rules.") {
            "profile"
        } else if self.rule.starts_with("option.") {
            "option"
        } else {
            "record"
        };
        let Contradiction {
            field,
            given,
            derived,
            rule,
        } = self;
        write!(
            f,
            "field `{field}`: {source} says {given}, rule `{rule}` gives {derived}"
        )
    }
}

/// A value a rule derived, with the rule's name and explanation.
#[derive(Debug, Clone, PartialEq)]
struct Derived<T> {
    value: T,
    rule: &'static str,
    detail: String,
}

impl<T> Derived<T> {
    fn new(value: T, rule: &'static str, detail: impl Into<String>) -> Derived<T> {
        Derived {
            value,
            rule,
            detail: detail.into(),
        }
    }

    fn reason(&self, field: &'static str) -> Reason {
        Reason {
            field,
            rule: self.rule,
            detail: self.detail.clone(),
        }
    }
}

/// Decides the document and its rule-bound values for one record.
///
/// `Err` holds every reason the record cannot be printed as given (never empty): record errors
/// in every mode, and disagreements with the record's own values under [`Check::Strict`].
pub fn evaluate(
    record: &Record,
    rules: &Rules,
    options: &Options,
) -> Result<Evaluated, Vec<Contradiction>> {
    rules.check().map_err(|e| vec![rules_error(e)])?;
    let (month, day) = rules
        .cycle_start_month_day()
        .map_err(|e| vec![rules_error(e)])?;
    let start = cycle::start(
        month,
        day,
        options.cycle,
        record.issue_date,
        record.qualified_date,
    )
    .map_err(|e| vec![e])?;
    let next_start = cycle::anniversary(start.value, 1).map_err(|e| vec![e])?;
    let elderly = burden::shows_elderly(record, start.value, next_start);
    let cycle =
        cycle::cycle(&start, cycle::years(rules, record.scheme, elderly)).map_err(|e| vec![e])?;

    let mut errors = check::record_errors(record, &cycle.value);
    let mut disagreements = check::kouki_symbol(record);
    let document = document::decide(record, rules, &cycle.value);
    errors.extend(items::missing(record, document.value.document()));
    let expiry = expiry::expiry(record, rules, &cycle.value, document.value, elderly);
    let effective = burden::effective_date(record, &cycle.value, elderly);
    let copay = burden::copay_ratio(record, elderly);
    let special = special::special_medical(record, &cycle.value);
    let (expiry, copay) = match (expiry, copay) {
        (Ok(expiry), Ok(copay)) => (expiry, copay),
        (expiry, copay) => {
            errors.extend(expiry.err().into_iter().chain(copay.err()));
            return Err(errors);
        }
    };
    let expiry = check::resolve(
        "expiry_date",
        record.expiry_date,
        expiry,
        options.check,
        &mut disagreements,
    );
    let effective = check::resolve(
        "effective_date",
        record.effective_date,
        effective,
        options.check,
        &mut disagreements,
    );
    errors.extend(check::issued_after_expiry(record, expiry.value));
    errors.extend(check::expires_before_start(
        record,
        expiry.value,
        effective.value,
    ));
    let (benefit_reasons, benefit_errors) = benefit::check(record, elderly, expiry.value);
    errors.extend(benefit_errors);
    if !errors.is_empty() || (options.check == Check::Strict && !disagreements.is_empty()) {
        errors.extend(disagreements);
        return Err(errors);
    }
    let warnings = if options.check == Check::Warn {
        disagreements
    } else {
        Vec::new()
    };
    let mut reasons = vec![
        cycle.reason("cycle"),
        document.reason("document"),
        expiry.reason("expiry_date"),
        effective.reason("effective_date"),
        copay.reason("copay_ratio"),
        special.reason("special_medical"),
    ];
    reasons.extend(benefit_reasons);
    reasons.extend(notation::reasons(record));
    let eligibility = Eligibility {
        document: document.value.document(),
        scheme: record.scheme,
        cycle: cycle.value,
        expiry_date: expiry.value,
        effective_date: effective.value,
        copay_ratio: copay.value,
        special_medical: special.value,
        age_at_cycle_start: age::age_on(record.birth_date, cycle.value.start),
        elderly,
        reasons,
    };
    Ok(Evaluated {
        eligibility,
        warnings,
    })
}

fn rules_error(e: RulesError) -> Contradiction {
    Contradiction {
        field: e.field,
        given: e.given,
        derived: e.expected.into(),
        rule: "rules.valid",
    }
}

/// `YYYY-MM-DD`, or `(none)`: how dates appear in contradictions.
fn show_date(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "(none)".into(), |d| d.to_string())
}
