//! 特別療養費: the documents of members a year or more behind on their contributions.

use chrono::{Datelike, NaiveDate};

use super::age::reaching_day;
use super::{Cycle, Derived};
use crate::record::{Record, Scheme};

/// Whether the document is the 特別療養 variant.
///
/// kokuho: when the record is flagged, except for 高校生世代以下 (高崎市's 令和7年度 leaflet 「ただし、高校生世代以下の子
/// には通常の資格確認書または資格情報のお知らせが交付されます」), i.e. until the first 3月31日 on or
/// after the 18th 到達日 (勝央町's page on 特別療養費). That is judged on the day the document starts
/// to be used, the later of the cycle's first day and the 交付年月日: a renewal printed in July
/// is used from 8月1日, a document issued mid-cycle from its issue.
///
/// kouki: the flag is honoured as given. 後期高齢者医療 has the same delinquency mechanism
/// (資格証明書, now 特別療養費); the youth exemption cannot apply to members 65 and over.
pub(super) fn special_medical(record: &Record, cycle: &Cycle) -> Derived<bool> {
    if !record.special_medical {
        return Derived::new(false, "special.not-flagged", "特別療養費の対象ではない");
    }
    if record.scheme == Scheme::Kouki {
        return Derived::new(
            true,
            "special.kouki",
            "後期高齢者医療の特別療養費の対象 (高齢者の医療の確保に関する法律による特別療養費; 交付元の判定)",
        );
    }
    let judged_on = cycle.start.max(record.issue_date);
    let youth_ends = youth_end(record.birth_date);
    if judged_on <= youth_ends {
        let detail =
            format!("高校生世代以下 ({youth_ends} まで) は通常の書類 (18歳に達する日以後の最初の3月31日まで: 高崎市 令和7年度 案内 特別療養費、勝央町の案内)");
        return Derived::new(false, "special.youth-exempt", detail);
    }
    Derived::new(
        true,
        "special.flagged",
        "滞納1年以上で特別療養費の対象 (国民健康保険法第54条の3; 高崎市 令和7年度 案内、茅野市の案内)",
    )
}

/// The last day of 高校生世代: the first 3月31日 on or after the 18th 到達日.
fn youth_end(birth: NaiveDate) -> NaiveDate {
    let reached = reaching_day(birth, 18);
    let year = if (reached.month(), reached.day()) <= (3, 31) {
        reached.year()
    } else {
        reached.year() + 1
    };
    NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn youth_ends_with_the_school_year() {
        // Born 4/1: reaches 18 on 3/31, the school year of those born the year before.
        assert_eq!(youth_end(d(2007, 4, 1)), d(2025, 3, 31));
        assert_eq!(youth_end(d(2007, 4, 2)), d(2026, 3, 31));
        assert_eq!(youth_end(d(2008, 3, 31)), d(2026, 3, 31));
        assert_eq!(youth_end(d(2008, 2, 29)), d(2026, 3, 31));
        assert_eq!(youth_end(NaiveDate::MAX), NaiveDate::MAX);
    }
}
