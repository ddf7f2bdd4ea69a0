//! Eligibility: which document a member gets and the rule-bound values it prints.
//!
//! Pure functions over a [`Record`] and a renewal [`Cycle`]; no I/O, no clock.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::record::Scheme;

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

/// The rule behind one derived value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The value it explains: `document`, `expiry_date`, `effective_date`, `copay_ratio`, `special_medical`.
    pub field: &'static str,
    /// A stable rule name, e.g. `expiry.turns-75`.
    pub rule: &'static str,
    /// The rule in plain Japanese and English, with the seed it comes from.
    pub detail: String,
}

/// What differs by insurer; read from the issuer profile's `[rules]` table.
/// Every field has the seeds' rule as its default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// The cycle's first day as `MM-DD` (default `08-01`; 豊橋市 `12-02`, 港区 `10-01`).
    pub cycle_start: String,
    /// Validity in years for members under 70 (default 1; 中野区 gives 2).
    pub cycle_years_under_70: u32,
    /// Last day of the kouki interim rule under which every kouki member gets a 資格確認書
    /// (default 2026-07-31).
    pub kouki_interim_end: NaiveDate,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            cycle_start: "08-01".into(),
            cycle_years_under_70: 1,
            kouki_interim_end: NaiveDate::from_ymd_opt(2026, 7, 31).expect("valid date"),
        }
    }
}
