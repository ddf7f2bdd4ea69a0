//! Ages under 年齢計算ニ関スル法律, and the month arithmetic the rules count with.
//!
//! The law (明治35年法律第50号) counts an age from the day of birth (第1項) and applies
//! 民法第143条 (第2項): a year of age ends on the day before its anniversary. So one *reaches*
//! (達する) age N at the end of the day before the Nth birthday; that day is the 到達日 every
//! insurance rule counts from (年齢計算ニ関スル法律, 民法第143条), and on the birthday itself one is N.
//!
//! Dates past the end of chrono's range saturate at [`NaiveDate::MAX`] (or `MIN`): they are only
//! ever compared with real cycle dates, where "after everything" is the right answer, and
//! saturating keeps every caller free of error paths that cannot happen for a living member.

use chrono::{Datelike, Months, NaiveDate};

/// The Nth birthday: the first day on which the member is `years` old.
///
/// For a 2月29日 birth in a common year this is 3月1日. 民法143条2項ただし書 ends a period whose
/// last year has no corresponding day (no 2月29日) on the last day of that month, 2月28日; since
/// the age is reached at the end of that day, the member is N from 3月1日.
pub fn birthday(birth: NaiveDate, years: u32) -> NaiveDate {
    let Some(year) = i32::try_from(years)
        .ok()
        .and_then(|n| birth.year().checked_add(n))
    else {
        return NaiveDate::MAX;
    };
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// The 到達日 of age `years`: the day at whose end the member reaches it, the day before the
/// [`birthday`] (a 2月29日 birth reaches it on 2月28日 in a common year; see there).
pub fn reaching_day(birth: NaiveDate, years: u32) -> NaiveDate {
    birthday(birth, years).pred_opt().unwrap_or(NaiveDate::MIN)
}

/// 満年齢 on `date`: completed years; 0 for a date before the birth.
///
/// On the 到達日 the member is still one year younger: the age is reached only at its end.
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> u32 {
    let years = u32::try_from(date.year() - birth.year()).unwrap_or(0);
    if birthday(birth, years) > date {
        years.saturating_sub(1)
    } else {
        years
    }
}

/// The last day of the month `date` is in.
pub fn end_of_month(date: NaiveDate) -> NaiveDate {
    let next_month = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    };
    // Only December of chrono's last year has no next month, and its last day is MAX itself.
    next_month
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of the month `date` is in.
pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    // Day 1 exists in every month, so `with_day(1)` never fails; `date` is only a type-level fallback.
    date.with_day(1).unwrap_or(date)
}

/// The first day of the month after the one `date` is in.
pub fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    end_of_month(date).succ_opt().unwrap_or(NaiveDate::MAX)
}

/// The last day of the month `months` months after the month `date` is in
/// (`end_of_month_after(2025-10-15, 4)` is 2026-02-28).
pub fn end_of_month_after(date: NaiveDate, months: u32) -> NaiveDate {
    first_of_month(date)
        .checked_add_months(Months::new(months))
        .map_or(NaiveDate::MAX, end_of_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reaching_day_is_the_day_before_the_birthday() {
        assert_eq!(reaching_day(d(1955, 8, 2), 70), d(2025, 8, 1));
        // Born on the 1st: the age is reached in the previous month (why 1日生まれ count there).
        assert_eq!(reaching_day(d(1955, 8, 1), 70), d(2025, 7, 31));
        assert_eq!(reaching_day(d(1955, 1, 1), 70), d(2024, 12, 31));
        // 4/1 births reach 1 on 3/31, hence the earlier school year (学校教育法第17条 counts school years by it).
        assert_eq!(reaching_day(d(2009, 4, 1), 1), d(2010, 3, 31));
    }

    #[test]
    fn feb_29_births() {
        let b = d(1952, 2, 29);
        assert_eq!(birthday(b, 73), d(2025, 3, 1));
        assert_eq!(reaching_day(b, 73), d(2025, 2, 28));
        assert_eq!(birthday(b, 72), d(2024, 2, 29));
        assert_eq!(reaching_day(b, 72), d(2024, 2, 28));
        assert_eq!(age_on(b, d(2025, 2, 28)), 72);
        assert_eq!(age_on(b, d(2025, 3, 1)), 73);
        assert_eq!(age_on(b, d(2024, 2, 29)), 72);
    }

    #[test]
    fn age_on_counts_completed_years() {
        let b = d(1950, 8, 2);
        assert_eq!(age_on(b, d(2025, 8, 1)), 74, "still 74 on the 到達日");
        assert_eq!(age_on(b, d(2025, 8, 2)), 75);
        assert_eq!(age_on(b, d(1950, 8, 2)), 0);
        assert_eq!(age_on(b, d(1949, 1, 1)), 0, "before birth");
        assert_eq!(age_on(d(1950, 12, 31), d(1951, 1, 1)), 0);
    }

    #[test]
    fn month_ends() {
        assert_eq!(end_of_month(d(2024, 2, 10)), d(2024, 2, 29));
        assert_eq!(end_of_month(d(2025, 2, 28)), d(2025, 2, 28));
        assert_eq!(end_of_month(d(2025, 12, 1)), d(2025, 12, 31));
        assert_eq!(first_of_month(d(2025, 12, 31)), d(2025, 12, 1));
        assert_eq!(first_of_next_month(d(2025, 12, 31)), d(2026, 1, 1));
        assert_eq!(end_of_month_after(d(2025, 10, 15), 4), d(2026, 2, 28));
        assert_eq!(end_of_month_after(d(2025, 10, 31), 1), d(2025, 11, 30));
    }

    #[test]
    fn extremes_saturate_instead_of_panicking() {
        assert_eq!(birthday(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(birthday(d(2000, 1, 1), u32::MAX), NaiveDate::MAX);
        assert_eq!(reaching_day(NaiveDate::MIN, 0), NaiveDate::MIN);
        assert_eq!(end_of_month(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(first_of_next_month(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(end_of_month_after(NaiveDate::MAX, 3), NaiveDate::MAX);
        assert_eq!(
            age_on(NaiveDate::MIN, NaiveDate::MAX),
            u32::try_from(NaiveDate::MAX.year() - NaiveDate::MIN.year()).unwrap()
        );
        assert_eq!(
            end_of_month(NaiveDate::MIN),
            d(NaiveDate::MIN.year(), 1, 31)
        );
    }
}
