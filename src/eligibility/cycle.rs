//! The renewal cycle: the period a regular document is valid for.
//!
//! Seed 000 and seed 002 renew every 8月1日 for a year (令和7年8月1日〜令和8年7月31日); the first
//! day and the length differ by insurer (domain-research §5: 豊橋市 12/2, 港区 10/1, 中野区 two
//! years under 70), so both come from [`Rules`].

use chrono::{Datelike, NaiveDate};

use super::{Contradiction, Cycle, Derived, Rules};
use crate::record::Scheme;

/// The cycle's first day: in the year `chosen` (`--cycle`), or else the last cycle-start day on or
/// before the 交付年月日 (the cycle that contains it).
pub(super) fn start(
    month: u32,
    day: u32,
    chosen: Option<i32>,
    issue_date: NaiveDate,
) -> Result<Derived<NaiveDate>, Contradiction> {
    let (year, rule, basis) = match chosen {
        Some(year) => (year, "cycle.option", format!("--cycle {year}")),
        None => {
            let started_this_year = (issue_date.month(), issue_date.day()) >= (month, day);
            let year = if started_this_year {
                issue_date.year()
            } else {
                issue_date.year() - 1
            };
            (
                year,
                "cycle.issue-date",
                format!("交付年月日 {issue_date} を含む周期"),
            )
        }
    };
    let start = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| Contradiction {
        field: if chosen.is_some() {
            "cycle"
        } else {
            "issue_date"
        },
        given: if chosen.is_some() {
            year.to_string()
        } else {
            issue_date.to_string()
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
/// (中野区: 2), 高齢受給者 and kouki documents `cycle_years_70_plus` (domain-research §5).
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
        "{}: {}〜{end}、{years}年 (周期は [rules] の cycle_start と年数; 既定は seed 000/002 の8月1日〜翌年7月31日)",
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
            start(8, 1, None, d(2025, 8, 1)).unwrap().value,
            d(2025, 8, 1)
        );
        assert_eq!(
            start(8, 1, None, d(2025, 7, 31)).unwrap().value,
            d(2024, 8, 1)
        );
        assert_eq!(
            start(8, 1, None, d(2026, 1, 10)).unwrap().value,
            d(2025, 8, 1)
        );
        assert_eq!(
            start(12, 2, None, d(2025, 12, 1)).unwrap().value,
            d(2024, 12, 2)
        );
    }

    #[test]
    fn chosen_cycle_ignores_the_issue_date() {
        let s = start(8, 1, Some(2025), d(2025, 7, 15)).unwrap();
        assert_eq!((s.value, s.rule), (d(2025, 8, 1), "cycle.option"));
    }

    #[test]
    fn cycle_ends_the_day_before_the_anniversary() {
        let s = start(8, 1, Some(2025), d(2025, 7, 15)).unwrap();
        assert_eq!(
            cycle(&s, 1).unwrap().value,
            Cycle {
                start: d(2025, 8, 1),
                end: d(2026, 7, 31)
            }
        );
        assert_eq!(cycle(&s, 2).unwrap().value.end, d(2027, 7, 31));
        let s = start(3, 1, Some(2027), d(2027, 1, 1)).unwrap();
        assert_eq!(
            cycle(&s, 1).unwrap().value.end,
            d(2028, 2, 29),
            "leap year end"
        );
    }

    #[test]
    fn out_of_range_years_are_errors() {
        assert_eq!(
            start(8, 1, Some(i32::MAX), d(2025, 1, 1))
                .unwrap_err()
                .field,
            "cycle"
        );
        assert_eq!(
            start(8, 1, None, NaiveDate::MIN).unwrap_err().field,
            "issue_date"
        );
        let s = start(8, 1, None, NaiveDate::MAX).unwrap();
        assert!(cycle(&s, 1).is_err());
        assert!(anniversary(d(2025, 8, 1), u32::MAX).is_err());
    }
}
