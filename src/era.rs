//! 和暦 (Japanese era dates): Gregorian ⇄ 明治…令和, with 元年.
//! (Interim: replaced by the full module from the eligibility work.)

use chrono::{Datelike, NaiveDate};

/// Formats a date as `令和7年8月1日`, with `元年` for an era's first year when `gannen`.
pub fn format_wareki(date: NaiveDate, gannen: bool) -> String {
    const ERAS: [(&str, i32, u32, u32); 5] =
        [("令和", 2019, 5, 1), ("平成", 1989, 1, 8), ("昭和", 1926, 12, 25), ("大正", 1912, 7, 30), ("明治", 1868, 1, 25)];
    for (name, y, m, d) in ERAS {
        if date >= NaiveDate::from_ymd_opt(y, m, d).expect("valid") {
            let year = date.year() - y + 1;
            let year = if year == 1 && gannen { "元".to_string() } else { year.to_string() };
            return format!("{name}{year}年{}月{}日", date.month(), date.day());
        }
    }
    date.to_string()
}
