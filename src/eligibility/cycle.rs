//! The renewal cycle: the period a regular document is valid for.
//!
//! 高崎市's leaflets of 令和7年度 and 令和5年度 renew every 8月1日 for a year (令和7年8月1日〜令和8年
//! 7月31日); the first day and the length differ by insurer (豊橋市 12/2, 港区 10/1, 中野区 two
//! years under 70), so both come from [`Rules`].

use chrono::{Datelike, NaiveDate};

use super::{Contradiction, Cycle, Derived, Rules};
use crate::record::Scheme;

/// The cycle's first day: in the year `chosen` (`--cycle`), or else the last cycle-start day on or
/// before the day the document starts to apply: the later of the 交付年月日 and the 適用開始年月日.
///
/// The 適用開始年月日 counts because coverage, not the mailing, decides which cycle a document
/// belongs to: 後期高齢者医療 starts on the 75th birthday (高齢者の医療の確保に関する法律第52条),
/// 国民健康保険 on the day the member moves in (国民健康保険法第7条), and a document mailed in
/// July for a member covered from 8月15日 is one of the cycle from 8月1日. Taking the issue
/// date alone would print a 有効期限 of 7月31日 on a document that takes effect in August.
pub(super) fn start(
    month: u32,
    day: u32,
    chosen: Option<i32>,
    issue_date: NaiveDate,
    qualified_date: NaiveDate,
) -> Result<Derived<NaiveDate>, Contradiction> {
    let applies_from = issue_date.max(qualified_date);
    let (year, rule, basis) = match chosen {
        Some(year) => (year, "cycle.option", format!("--cycle {year}")),
        None => {
            let started_this_year = (applies_from.month(), applies_from.day()) >= (month, day);
            let year = if started_this_year {
                applies_from.year()
            } else {
                applies_from.year() - 1
            };
            if qualified_date > issue_date {
                let basis = format!(
                    "適用開始年月日 {qualified_date} (交付年月日 {issue_date} より後) を含む周期: 資格は適用開始日から (高齢者の医療の確保に関する法律第52条、国民健康保険法第7条)"
                );
                (year, "cycle.qualified-date", basis)
            } else {
                let basis = format!("交付年月日 {issue_date} を含む周期");
                (year, "cycle.issue-date", basis)
            }
        }
    };
    let start = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| Contradiction {
        field: match (chosen, qualified_date > issue_date) {
            (Some(_), _) => "cycle",
            (None, true) => "qualified_date",
            (None, false) => "issue_date",
        },
        given: match chosen {
            Some(_) => year.to_string(),
            None => applies_from.to_string(),
        },
        derived: "a year within the calendar's range".into(),
        rule: "option.cycle",
    })?;
    Ok(Derived::new(start, rule, basis))
}

/// The same month and day `years` years after `start` (the cycle's first day is never 02-29:
/// [`Rules::check`] refuses it).
pub(super) fn anniversary(start: NaiveDate, years: u32) -> Result<NaiveDate, Contradiction> {
    i32::try_from(years)
        .ok()
        .and_then(|n| start.year().checked_add(n))
        .and_then(|year| NaiveDate::from_ymd_opt(year, start.month(), start.day()))
        .ok_or_else(|| Contradiction {
            field: "cycle",
            given: start.to_string(),
            derived: "a cycle ending within the calendar's range".into(),
            rule: "option.cycle",
        })
}

/// The cycle's length in years: kokuho documents without 負担割合 use `cycle_years_under_70`
/// (中野区: 2), 高齢受給者 and kouki documents `cycle_years_70_plus` (中野区's FAQ on 国保).
pub(super) fn years(rules: &Rules, scheme: Scheme, elderly: bool) -> u32 {
    if scheme == Scheme::Kokuho && !elderly {
        rules.cycle_years_under_70
    } else {
        rules.cycle_years_70_plus
    }
}

/// The cycle from `start` for `years` years: it ends the day before the same date `years` later.
pub(super) fn cycle(
    start: &Derived<NaiveDate>,
    years: u32,
) -> Result<Derived<Cycle>, Contradiction> {
    let next = anniversary(start.value, years)?;
    // `next` is at least a year after `start`, so it has a day before it.
    let end = next.pred_opt().unwrap_or(next);
    let detail = format!(
        "{}: {}〜{end}、{years}年 (周期は [rules] の cycle_start と年数; 既定は8月1日〜翌年7月31日: 高崎市 令和7年度・令和5年度 案内、青森県後期高齢者医療広域連合規則第3条)",
        start.detail, start.value
    );
    Ok(Derived::new(
        Cycle {
            start: start.value,
            end,
        },
        start.rule,
        detail,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_cycle_contains_the_issue_date() {
        assert_eq!(
            start(8, 1, None, d(2025, 8, 1), d(2000, 1, 1))
                .unwrap()
                .value,
            d(2025, 8, 1)
        );
        assert_eq!(
            start(8, 1, None, d(2025, 7, 31), d(2000, 1, 1))
                .unwrap()
                .value,
            d(2024, 8, 1)
        );
        assert_eq!(
            start(8, 1, None, d(2026, 1, 10), d(2000, 1, 1))
                .unwrap()
                .value,
            d(2025, 8, 1)
        );
        assert_eq!(
            start(12, 2, None, d(2025, 12, 1), d(2000, 1, 1))
                .unwrap()
                .value,
            d(2024, 12, 2)
        );
    }

    #[test]
    fn coverage_starting_after_the_issue_date_chooses_the_cycle() {
        // Mailed 7/20 to a member covered from 8/15 (kouki from the 75th birthday): the cycle
        // from 8/1, not the one ending 7/31 (高齢者の医療の確保に関する法律第52条).
        let s = start(8, 1, None, d(2026, 7, 20), d(2026, 8, 15)).unwrap();
        assert_eq!((s.value, s.rule), (d(2026, 8, 1), "cycle.qualified-date"));
        // Coverage from before the issue: the issue date decides, as before.
        let s = start(8, 1, None, d(2026, 7, 20), d(2026, 7, 1)).unwrap();
        assert_eq!((s.value, s.rule), (d(2025, 8, 1), "cycle.issue-date"));
        // Later coverage within the same cycle names it, with the same cycle.
        let s = start(8, 1, None, d(2026, 8, 3), d(2026, 9, 1)).unwrap();
        assert_eq!((s.value, s.rule), (d(2026, 8, 1), "cycle.qualified-date"));
    }

    #[test]
    fn chosen_cycle_ignores_the_issue_date() {
        let s = start(8, 1, Some(2025), d(2025, 7, 15), d(2000, 1, 1)).unwrap();
        assert_eq!((s.value, s.rule), (d(2025, 8, 1), "cycle.option"));
    }

    #[test]
    fn cycle_ends_the_day_before_the_anniversary() {
        let s = start(8, 1, Some(2025), d(2025, 7, 15), d(2000, 1, 1)).unwrap();
        assert_eq!(
            cycle(&s, 1).unwrap().value,
            Cycle {
                start: d(2025, 8, 1),
                end: d(2026, 7, 31)
            }
        );
        assert_eq!(cycle(&s, 2).unwrap().value.end, d(2027, 7, 31));
        let s = start(3, 1, Some(2027), d(2027, 1, 1), d(2000, 1, 1)).unwrap();
        assert_eq!(
            cycle(&s, 1).unwrap().value.end,
            d(2028, 2, 29),
            "leap year end"
        );
    }

    #[test]
    fn out_of_range_years_are_errors() {
        assert_eq!(
            start(8, 1, Some(i32::MAX), d(2025, 1, 1), d(2000, 1, 1))
                .unwrap_err()
                .field,
            "cycle"
        );
        assert_eq!(
            start(8, 1, None, NaiveDate::MIN, NaiveDate::MIN)
                .unwrap_err()
                .field,
            "issue_date"
        );
        assert_eq!(
            start(
                8,
                1,
                None,
                NaiveDate::MIN,
                NaiveDate::MIN.succ_opt().unwrap()
            )
            .unwrap_err()
            .field,
            "qualified_date"
        );
        let s = start(8, 1, None, NaiveDate::MAX, NaiveDate::MIN).unwrap();
        assert!(cycle(&s, 1).is_err());
        assert!(anniversary(d(2025, 8, 1), u32::MAX).is_err());
    }
}
