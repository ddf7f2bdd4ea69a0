//! Composed texts: the 任意記載事項 on one line, and everything the card's back 備考 box holds.
//!
//! A 備考 box holds whichever items a member has, so its text is put together here rather than
//! from fixed places in the layout: an item that is not given leaves no gap. Each group of items
//! (限度区分, 特定疾病, the record's remark) starts a line of its own, so the box reads as a list
//! and its fit rule only has to shrink, not squeeze one long line. Each item is also a field of
//! its own, for layouts that give it a place.

use crate::era::format_wareki;
use crate::record::{Record, Scheme};

/// Between two items on one line: a full-width space, as on printed forms.
const SEPARATOR: &str = "　";

/// `optional_items`: the 任意記載事項 of benefit certificates the record gives, in the order of
/// the 限度額適用認定証 and 特定疾病療養受療証: 限度区分 with its 発効期日, 長期入院該当年月日,
/// 特定疾病 with its 自己負担限度額. Empty when there are none.
pub(crate) fn optional_items(record: &Record) -> String {
    joined(&[limit_items(record), disease_item(record)], SEPARATOR)
}

/// `back_remarks`: the back's 備考 box, one line a group: 戸籍上の氏名 and 性別, 限度区分, 特定疾病,
/// then the record's own 備考.
pub(crate) fn back_remarks(record: &Record) -> String {
    let remarks = record.remarks.clone().unwrap_or_default();
    joined(
        &[
            registered_items(record),
            limit_items(record),
            disease_item(record),
            remarks,
        ],
        "\n",
    )
}

/// `sex` as the front prints it: 「裏面参照」 when the member asked for 性別 on the back
/// (厚生労働省保険局 「被保険者証の性別表記について」, 平成24年, as applied by 大阪市).
pub(crate) fn front_sex(record: &Record) -> &'static str {
    if record.sex_on_back {
        "裏面参照"
    } else {
        record.sex.label()
    }
}

/// 戸籍上の氏名 (when the front shows a 通称名; 厚生労働省保険局 「被保険者証の氏名表記について」,
/// 平成29年) and 「戸籍上の性別は男」 (when 性別 is on the back), the wording 大阪市 uses.
fn registered_items(record: &Record) -> String {
    let name = record
        .registered_name
        .as_ref()
        .map(|name| format!("戸籍上の氏名 {name}"));
    let sex = record
        .sex_on_back
        .then(|| format!("戸籍上の性別は{}", record.sex.label()));
    joined(
        &[name.unwrap_or_default(), sex.unwrap_or_default()],
        SEPARATOR,
    )
}

/// `specific_disease_limit`: the 自己負担限度額 as printed, `10,000円`; `None` without a 特定疾病.
pub(crate) fn disease_limit(record: &Record) -> Option<String> {
    record.specific_disease?;
    let yen = record.specific_disease_limit.unwrap_or(10_000);
    Some(format!("{},{:03}円", yen / 1000, yen % 1000))
}

/// 限度区分 with its 発効期日, and 長期入院該当年月日, which belongs to it.
fn limit_items(record: &Record) -> String {
    let kouki = record.scheme == Scheme::Kouki;
    let limit = record.limit_category.map(|category| {
        let mut item = format!("限度区分 {}", category.label(kouki));
        if let Some(date) = record.limit_effective_date {
            item.push_str(&format!("（発効期日 {}）", format_wareki(date, true)));
        }
        item
    });
    let stay = record
        .long_term_stay_date
        .map(|date| format!("長期入院該当 {}", format_wareki(date, true)));
    joined(
        &[limit.unwrap_or_default(), stay.unwrap_or_default()],
        SEPARATOR,
    )
}

/// 特定疾病 with its 自己負担限度額.
fn disease_item(record: &Record) -> String {
    record.specific_disease.map_or_else(String::new, |disease| {
        format!(
            "特定疾病 {}（自己負担限度額 {}）",
            disease.name(),
            disease_limit(record).unwrap_or_default()
        )
    })
}

/// The non-empty items, with `separator` between them.
fn joined(items: &[String], separator: &str) -> String {
    items
        .iter()
        .filter(|item| !item.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::record::{LimitCategory, Origin, SpecificDisease};

    fn record() -> Record {
        let value = serde_json::json!({
            "record_id": "R1", "scheme": "kokuho", "insurer_number": "100016", "number": "1",
            "name": "佐藤 太郎", "sex": "男", "birth_date": "1980-05-05",
            "qualified_date": "2020-04-01", "issue_date": "2025-08-01", "has_myna_hoken": false
        });
        Record::from_json_value(&value, Origin::single("test")).expect("valid")
    }

    #[test]
    fn nothing_given_prints_nothing() {
        assert_eq!(optional_items(&record()), "");
        assert_eq!(back_remarks(&record()), "");
        assert_eq!(disease_limit(&record()), None);
    }

    #[test]
    fn items_in_certificate_order_with_their_dates() {
        let mut r = record();
        r.limit_category = Some(LimitCategory::O);
        r.limit_effective_date = NaiveDate::from_ymd_opt(2025, 8, 1);
        r.long_term_stay_date = NaiveDate::from_ymd_opt(2025, 10, 1);
        r.specific_disease = Some(SpecificDisease::Dialysis);
        r.specific_disease_limit = Some(20_000);
        r.remarks = Some("再交付".into());
        assert_eq!(
            optional_items(&r),
            "限度区分 オ（発効期日 令和7年8月1日）　長期入院該当 令和7年10月1日　特定疾病 人工透析を要する慢性腎不全（自己負担限度額 20,000円）"
        );
        assert_eq!(
            back_remarks(&r),
            "限度区分 オ（発効期日 令和7年8月1日）　長期入院該当 令和7年10月1日\n特定疾病 人工透析を要する慢性腎不全（自己負担限度額 20,000円）\n再交付"
        );
        r.limit_category = None;
        r.specific_disease = None;
        assert_eq!(back_remarks(&r), "長期入院該当 令和7年10月1日\n再交付");
        r.scheme = Scheme::Kouki;
        r.limit_category = Some(LimitCategory::TeishotokuII);
        assert!(optional_items(&r).starts_with("限度区分 区分Ⅱ"));
    }

    /// Issue 11 item 6: 性別 「裏面参照」 on the front, 戸籍上の氏名 and 性別 first in the 備考.
    #[test]
    fn registered_name_and_sex_go_to_the_back() {
        let mut r = record();
        assert_eq!(front_sex(&r), "男");
        r.sex_on_back = true;
        r.registered_name = Some("佐藤 一郎".into());
        r.remarks = Some("再交付".into());
        assert_eq!(front_sex(&r), "裏面参照");
        assert_eq!(
            back_remarks(&r),
            "戸籍上の氏名 佐藤 一郎　戸籍上の性別は男\n再交付"
        );
        r.sex_on_back = false;
        assert_eq!(back_remarks(&r), "戸籍上の氏名 佐藤 一郎\n再交付");
    }
}
