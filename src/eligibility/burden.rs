//! 高齢受給者 (kokuho 70–74), 負担割合 and 発効期日.
//!
//! The 負担割合 itself is decided upstream from income (国民健康保険法第42条, 高齢者の医療の確保に
//! 関する法律第67条); the rules only say
//! when it is printed and which values are possible, and derive the 発効期日 printed with it.

use chrono::NaiveDate;

use super::age::{first_of_month, first_of_next_month, reaching_day};
use super::{Contradiction, Cycle, Derived};
use crate::record::{Record, Scheme};

/// Whether the document shows a kokuho member as 高齢受給者, with 負担割合 and 発効期日:
/// - the member is 70 on the cycle's first day (the 70th 到達日 is before it); or
/// - the document is the one issued when the member reaches 70 within the cycle: issued after the
///   cycle's first day, in or after the month of the 到達日, for a 高齢受給者 status that begins
///   before the next cycle starts (`next_start`). This is the document 高崎市's 令和5年度 leaflet ②
///   mails 「有効期限までに」 to follow the under-70 one, and 最上地区広域連合's Q&A Q23 ② sends with
///   『2割』または『3割』.
///
/// A renewal printed before the cycle starts therefore shows a member who reaches 70 within the
/// cycle as under 70, with the `expiry.turns-70` 有効期限 (高崎市's leaflets, ②).
pub(super) fn shows_elderly(record: &Record, start: NaiveDate, next_start: NaiveDate) -> bool {
    if record.scheme != Scheme::Kokuho {
        return false;
    }
    let reached = reaching_day(record.birth_date, 70);
    if reached < start {
        return true;
    }
    let issued = record.issue_date;
    start < issued && first_of_month(reached) <= issued && first_of_next_month(reached) < next_start
}

/// 発効期日: the day the printed 負担割合 takes effect.
///
/// - kokuho under 70: none (最上地区広域連合 Q&A 【参考】: 発効期日 is a 70歳以上 item).
/// - kokuho 高齢受給者: the latest of the cycle's first day, the 1st of the month after the 70th
///   到達日 (born on the 1st: the birthday itself; 国民健康保険法第42条 「70歳に達する日の属する月の
///   翌月以後」, 高崎市's 令和5年度 leaflet ② 「有効期限の翌日から」) and the 適用開始年月日 of a member who joined within the cycle.
/// - kouki: the later of the cycle's first day and the 適用開始年月日 (the 75th birthday, the
///   障害認定日 or the day of moving in; 大津市 「後期高齢者医療資格確認書の見かた」).
pub(super) fn effective_date(
    record: &Record,
    cycle: &Cycle,
    elderly: bool,
) -> Derived<Option<NaiveDate>> {
    let start = Derived::new(
        cycle.start,
        "effective.cycle-start",
        "周期の初日 (最上地区広域連合 Q&A 令和6年11月 【参考】 発効期日)",
    );
    let qualified = Derived::new(
        record.qualified_date,
        "effective.qualified-date",
        format!(
            "周期の途中の適用開始年月日 {} (大津市「後期高齢者医療資格確認書の見かた」: 発効期日は資格を得た日)",
            record.qualified_date
        ),
    );
    let others = match (record.scheme, elderly) {
        (Scheme::Kokuho, false) => {
            return Derived::new(
                None,
                "effective.none-under-70",
                "70歳未満は発効期日を記載しない (最上地区広域連合 Q&A 令和6年11月 【参考】 70歳以上: 負担割合、発効期日)",
            )
        }
        (Scheme::Kokuho, true) => {
            let reached = reaching_day(record.birth_date, 70);
            let detail = format!("70歳到達日 {reached} の翌月1日、1日生まれは誕生日 (国民健康保険法第42条「70歳に達する日の属する月の翌月以後」、高崎市 令和5年度 案内 ②)");
            vec![
                Derived::new(first_of_next_month(reached), "effective.turns-70", detail),
                qualified,
            ]
        }
        (Scheme::Kouki, _) => vec![qualified],
    };
    // Ties keep the earlier offer: a member 70 before the cycle starts counts from the cycle.
    let latest = others.into_iter().fold(start, |latest, other| {
        if other.value > latest.value {
            other
        } else {
            latest
        }
    });
    Derived::new(Some(latest.value), latest.rule, latest.detail)
}

/// 負担割合 to print: required and 2 or 3 for a 高齢受給者 (国民健康保険法第42条; 最上地区広域連合 Q&A
/// 【参考】 「負担割合（2又は3割）」, Q23), required and 1, 2 or 3 for kouki (高齢者の医療の確保に関する
/// 法律第67条), not printed under 70 (the same Q&A 【参考】: 70歳以上のみ). Under 70 a given ratio is accepted and left off: 3割 and, for children
/// before school age, 2割 are both legal, and upstream keeps it for claims.
pub(super) fn copay_ratio(
    record: &Record,
    elderly: bool,
) -> Result<Derived<Option<u8>>, Contradiction> {
    const ANY: (&[u8], &str) = (&[1, 2, 3], "1, 2 or 3");
    let given = record.copay_ratio;
    match (record.scheme, elderly) {
        (Scheme::Kouki, _) => required(
            given,
            ANY,
            "burden.kouki",
            "後期高齢者医療の負担割合 (高齢者の医療の確保に関する法律第67条)",
        ),
        (Scheme::Kokuho, true) => required(
            given,
            (&[2, 3], "2 or 3"),
            "burden.elderly",
            "高齢受給者 (70〜74歳) の負担割合 (国民健康保険法第42条; 最上地区広域連合 Q&A 令和6年11月 【参考】、Q23)",
        ),
        (Scheme::Kokuho, false) => match given {
            Some(n) if !ANY.0.contains(&n) => Err(contradiction(given, ANY.1, "burden.range")),
            _ => Ok(Derived::new(
                None,
                "burden.under-70",
                "70歳未満は負担割合を記載しない (最上地区広域連合 Q&A 令和6年11月 【参考】 負担割合は70歳以上のみ)",
            )),
        },
    }
}

/// A ratio that must be given and be one of `allowed` (the values, and how to name them).
fn required(
    given: Option<u8>,
    (allowed, named): (&[u8], &str),
    rule: &'static str,
    basis: &str,
) -> Result<Derived<Option<u8>>, Contradiction> {
    match given {
        Some(n) if allowed.contains(&n) => Ok(Derived::new(
            Some(n),
            rule,
            format!("{basis}: 交付元の判定による{n}割"),
        )),
        _ => Err(contradiction(given, named, rule)),
    }
}

fn contradiction(given: Option<u8>, allowed: &str, rule: &'static str) -> Contradiction {
    Contradiction {
        field: "copay_ratio",
        given: given.map_or_else(|| "(empty)".into(), |n| n.to_string()),
        derived: allowed.into(),
        rule,
    }
}
