//! 有効期限: the last day a document is valid.
//!
//! A 資格確認書 takes the earliest of the rules that apply (the 有効期限表 of 高崎市's leaflets of
//! 令和7年度 and 令和5年度); an お知らせ has none under 70 and otherwise follows the 令和7年度
//! leaflet's <<70歳から74歳の方>> table. Each
//! rule below only offers a day strictly before the cycle end: a day equal to it is the table's
//! 「上記以外の方」 row, the cycle end.

use chrono::NaiveDate;

use super::age::{birthday, end_of_month, end_of_month_after, reaching_day};
use super::document::Ground;
use super::{Contradiction, Cycle, Derived, Rules};
use crate::record::{Record, Scheme};

/// The 有効期限 of the document issued on `ground`; `elderly` when it shows the member as
/// 高齢受給者.
///
/// Fails only for a requested 確認書 without its application date.
pub(super) fn expiry(
    record: &Record,
    rules: &Rules,
    cycle: &Cycle,
    ground: Ground,
    elderly: bool,
) -> Result<Derived<Option<NaiveDate>>, Contradiction> {
    let kokuho = record.scheme == Scheme::Kokuho;
    let notice = ground == Ground::MynaHolder;
    if notice && kokuho && !elderly {
        return Ok(none_under_70());
    }
    let mut offers = Vec::new();
    if kokuho {
        offers.extend(turns_75(record.birth_date, cycle));
    }
    // Seed 000's お知らせ table has neither the 70 row nor the 外国籍 row.
    if !notice {
        if kokuho && !elderly {
            offers.extend(turns_70(record.birth_date, cycle));
        }
        offers.extend(residence(record.residence_expiry, cycle));
    }
    if ground == Ground::Requested {
        offers.push(requested(record, rules)?);
    }
    // Ties keep the first offer, in the tables' order.
    let earliest = offers
        .into_iter()
        .filter(|offer| offer.value < cycle.end)
        .reduce(|first, other| {
            if other.value < first.value {
                other
            } else {
                first
            }
        });
    let chosen = earliest.unwrap_or_else(|| cycle_end(cycle, ground));
    Ok(Derived::new(Some(chosen.value), chosen.rule, chosen.detail))
}

/// An under-70 kokuho お知らせ prints no 有効期限: 高崎市 令和7年度 <<70歳未満の方>> 「有効期限なし」
/// and 「上記以外の方」 of <<70歳から74歳の方>>, 最上地区広域連合 Q&A Q19. This holds for a member who
/// reaches 70 within the cycle too: the お知らせ with 負担割合 sent then replaces it (Q&A Q17, Q23).
fn none_under_70() -> Derived<Option<NaiveDate>> {
    Derived::new(
        None,
        "expiry.none-under-70",
        "70歳未満の資格情報のお知らせは有効期限なし (高崎市 令和7年度 案内 <<70歳未満の方>>、最上地区広域連合 Q&A 令和6年11月 Q19)",
    )
}

/// A kokuho member reaching 75 within the cycle: the day before the 75th birthday, since 後期高齢者
/// 医療 starts on the birthday (高齢者の医療の確保に関する法律第52条; 高崎市 令和7年度 「令和8年7月31日
/// までに75歳になる方」, 令和5年度 ①).
/// A member whose 75th birthday is the cycle's first day is already kouki: see `check`.
fn turns_75(birth: NaiveDate, cycle: &Cycle) -> Option<Derived<NaiveDate>> {
    let day = birthday(birth, 75);
    (cycle.start < day && day <= cycle.end).then(|| {
        let detail = format!(
            "75歳の誕生日 {day} の前日、誕生日から後期高齢者医療 (高齢者の医療の確保に関する法律第52条; 高崎市 令和7年度・令和5年度 案内 有効期限表 ①)"
        );
        Derived::new(reaching_day(birth, 75), "expiry.turns-75", detail)
    })
}

/// A kokuho member who is not yet 高齢受給者 and reaches 70 within the cycle: the end of the month
/// of the 到達日, i.e. of the 70th-birthday month, or of the month before it for those born on the
/// 1st (高崎市 令和7年度 「70歳の誕生日の月末（1日生まれは前月末）」, 令和5年度 ②). The 高齢受給者 document
/// takes over the next day. Seed 002 ② ends at birthdays on 7月1日: a later 到達日 gives the
/// month of the cycle end, which is the 「上記以外」 row.
fn turns_70(birth: NaiveDate, cycle: &Cycle) -> Option<Derived<NaiveDate>> {
    let reached = reaching_day(birth, 70);
    (cycle.start <= reached).then(|| {
        let detail =
            format!("70歳到達日 {reached} (誕生日の前日) の月末、1日生まれは前月末 (国民健康保険法第42条; 高崎市 令和7年度・令和5年度 案内 有効期限表 ②)");
        Derived::new(end_of_month(reached), "expiry.turns-70", detail)
    })
}

/// A foreign resident whose 在留期間 ends within the cycle: the day after the 在留期間満了日 (高崎市
/// 令和7年度 「在留期間満了日の翌日」, 令和5年度 外国人国保加入者: 7月29日以前 → 翌日, 7月30日以降 →
/// 7月31日).
fn residence(expiry: Option<NaiveDate>, cycle: &Cycle) -> Option<Derived<NaiveDate>> {
    let expiry = expiry?;
    let next = expiry.succ_opt()?;
    let detail = format!("在留期間満了日 {expiry} の翌日 (高崎市 令和7年度・令和5年度 案内 外国籍の方; 相模原市の案内)");
    (next < cycle.end).then(|| Derived::new(next, "expiry.residence", detail))
}

/// A 確認書 a マイナ保険証 holder applied for: the end of the `emergency_months`th month after the
/// month following the application (最上地区広域連合 Q&A Q11 「手続き日の翌月から3か月後の月末」; capped by the
/// other rules, which [`expiry`] applies).
fn requested(record: &Record, rules: &Rules) -> Result<Derived<NaiveDate>, Contradiction> {
    let Some(applied) = record.application_date else {
        return Err(Contradiction {
            field: "application_date",
            given: "(empty)".into(),
            derived: "the day of the application (最上地区広域連合 Q&A, 令和6年11月, Q11)".into(),
            rule: "expiry.requested",
        });
    };
    let months = rules.emergency_months;
    let day = end_of_month_after(applied, months.saturating_add(1));
    let detail = format!("手続き日 {applied} の翌月から{months}か月後の月末 (最上地区広域連合 Q&A 令和6年11月 Q11: 緊急の交付)");
    Ok(Derived::new(day, "expiry.requested", detail))
}

/// The cycle end: 高崎市's leaflets 「上記以外の方」, and 令和7年度 <<70歳から74歳の方>> 「令和7年8月1日
/// 時点で70歳以上の方」. A kouki お知らせ (after the interim rule) has no published table; it is read
/// like the 70–74 one, since its 負担割合 is judged again every 8月1日 too (品川区, 半田市 pages).
fn cycle_end(cycle: &Cycle, ground: Ground) -> Derived<NaiveDate> {
    let detail = match ground {
        Ground::Consideration => {
            "周期の末日: 要配慮者の申請による資格確認書は通常の有効期限で、毎年申請なしで更新 (厚生労働省 全国高齢者医療・国民健康保険主管課（部）長会議資料、令和7年3月)"
        }
        Ground::MynaHolder => {
            "周期の末日: 負担割合が記載されるお知らせは毎年更新 (高崎市 令和7年度 案内 <<70歳から74歳の方>>)"
        }
        _ => "周期の末日 (高崎市 令和7年度・令和5年度 案内 有効期限表 「上記以外の方」)",
    };
    Derived::new(cycle.end, "expiry.cycle-end", detail)
}
