//! 和暦 (Japanese era dates): Gregorian → 明治…令和, with 元年.
//!
//! The eras are one data table, [`ERAS`], of (name, first day), so a new era is one line.
//! Each era counts from the start of its first day and the previous one ends the day before,
//! which is how official documents date the change-over days (the 改元の詔書 of 1912 and 1926, and the 元号を改める政令 of 1989 and 2019: 大正元年7月30日
//! and 昭和元年12月25日 are 即日改元 days, 平成 and 令和 began the day after the old era ended).
//!
//! Month and day are always Gregorian: before 明治6年 (1873) Japan used the lunisolar calendar,
//! so a 明治元年–5年 date printed here is not the date the documents of the time wrote. No living
//! member is affected; member birth dates reach back to 大正.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// One era (元号): its name and first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Era {
    name: &'static str,
    first_day: NaiveDate,
}

impl Era {
    /// Builds a table entry; evaluated at compile time, so a bad date fails the build.
    const fn new(name: &'static str, year: i32, month: u32, day: u32) -> Era {
        match NaiveDate::from_ymd_opt(year, month, day) {
            Some(first_day) => Era { name, first_day },
            None => panic!("an era's first day must be a valid date"),
        }
    }

    /// The era's name as printed, e.g. `令和`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The first day of the era (the day its year 1, 元年, begins).
    pub fn first_day(self) -> NaiveDate {
        self.first_day
    }

    /// The era a date falls in, or `None` before 明治 (1868-01-25).
    pub fn of(date: NaiveDate) -> Option<Era> {
        ERAS.iter().rev().find(|era| date >= era.first_day).copied()
    }
}

/// Every era since 明治, oldest first (the lookup relies on that order).
///
/// 明治 counts from 1868-01-25, the Gregorian day of 慶応4年1月1日 to which the 改元 was back-dated.
pub const ERAS: [Era; 5] = [
    Era::new("明治", 1868, 1, 25),
    Era::new("大正", 1912, 7, 30),
    Era::new("昭和", 1926, 12, 25),
    Era::new("平成", 1989, 1, 8),
    Era::new("令和", 2019, 5, 1),
];

/// A date in 和暦: era, year of the era (1 = 元年), Gregorian month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wareki {
    /// The era.
    pub era: Era,
    /// Year of the era, from 1 (元年).
    pub year: u32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl Wareki {
    /// Formats as `令和7年8月1日`; year 1 is `元年` when `gannen`, else `1年`.
    pub fn format(&self, gannen: bool) -> String {
        let Wareki {
            era,
            year,
            month,
            day,
        } = *self;
        if year == 1 && gannen {
            format!("{}元年{month}月{day}日", era.name)
        } else {
            format!("{}{year}年{month}月{day}日", era.name)
        }
    }
}

/// `令和7年8月1日`, with `元年` for an era's first year (the usual form; see [`Wareki::format`]).
impl fmt::Display for Wareki {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.format(true))
    }
}

/// Converts a Gregorian date to 和暦; `None` before 明治 (1868-01-25).
pub fn to_wareki(date: NaiveDate) -> Option<Wareki> {
    let era = Era::of(date)?;
    // `date >= era.first_day`, so the difference is never negative.
    let year = u32::try_from(date.year() - era.first_day.year() + 1).ok()?;
    Some(Wareki {
        era,
        year,
        month: date.month(),
        day: date.day(),
    })
}

/// Formats a date for printing: `令和7年8月1日`, or `令和1年…` when `gannen` is false (some forms
/// and systems print `1年`). A date before 明治 has no 和暦 and prints as ISO `1868-01-24`, so
/// nothing is silently lost; the record checks keep such dates off real documents.
pub fn format_wareki(date: NaiveDate, gannen: bool) -> String {
    to_wareki(date).map_or_else(|| date.to_string(), |w| w.format(gannen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn w(y: i32, m: u32, day: u32) -> String {
        to_wareki(d(y, m, day)).unwrap().to_string()
    }

    #[test]
    fn table_is_oldest_first() {
        assert!(ERAS.windows(2).all(|p| p[0].first_day < p[1].first_day));
    }

    #[test]
    fn meiji_starts_on_1868_01_25() {
        assert_eq!(to_wareki(d(1868, 1, 24)), None);
        assert_eq!(w(1868, 1, 25), "明治元年1月25日");
        assert_eq!(format_wareki(d(1868, 1, 24), true), "1868-01-24");
    }

    #[test]
    fn taisho_boundary() {
        assert_eq!(w(1912, 7, 29), "明治45年7月29日");
        assert_eq!(w(1912, 7, 30), "大正元年7月30日");
    }

    #[test]
    fn showa_boundary() {
        assert_eq!(w(1926, 12, 24), "大正15年12月24日");
        assert_eq!(w(1926, 12, 25), "昭和元年12月25日");
        assert_eq!(w(1927, 1, 1), "昭和2年1月1日");
    }

    #[test]
    fn heisei_boundary() {
        assert_eq!(w(1989, 1, 7), "昭和64年1月7日");
        assert_eq!(w(1989, 1, 8), "平成元年1月8日");
    }

    #[test]
    fn reiwa_boundary() {
        assert_eq!(w(2019, 4, 30), "平成31年4月30日");
        assert_eq!(w(2019, 5, 1), "令和元年5月1日");
        assert_eq!(w(2025, 8, 1), "令和7年8月1日");
    }

    #[test]
    fn gannen_or_one() {
        assert_eq!(format_wareki(d(2019, 5, 1), true), "令和元年5月1日");
        assert_eq!(format_wareki(d(2019, 5, 1), false), "令和1年5月1日");
        assert_eq!(format_wareki(d(2019, 12, 31), false), "令和1年12月31日");
        assert_eq!(format_wareki(d(2020, 1, 1), true), "令和2年1月1日");
    }

    #[test]
    fn fields_and_era_name() {
        let x = to_wareki(d(1953, 8, 2)).unwrap();
        assert_eq!((x.era.name(), x.year, x.month, x.day), ("昭和", 28, 8, 2));
        assert_eq!(Era::of(d(2019, 5, 1)).map(Era::name), Some("令和"));
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(to_wareki(NaiveDate::MIN), None);
        assert_eq!(to_wareki(NaiveDate::MAX).unwrap().era.name(), "令和");
    }
}
