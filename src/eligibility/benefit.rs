//! 任意記載事項 of benefit certificates: 限度区分 with its 発効期日, 長期入院該当年月日 and 特定疾病,
//! held against the member's age and the document they are printed on.
//!
//! They are printed only when the record gives them; the rules check that they fit the member
//! (a 70歳未満 bracket on a 高齢受給者's document would set the wrong ceiling at the clinic) and say
//! where each comes from. A value that does not fit is refused in every check mode: there is no
//! right value to print instead.

use chrono::NaiveDate;

use super::{Contradiction, Reason};
use crate::record::{LimitCategory, Record, Scheme, SpecificDisease};

/// The 70歳未満 brackets and their source.
const UNDER_70: &str = "ア, イ, ウ, エ or オ (70歳未満)";
/// The 70歳以上 brackets of 国民健康保険.
const ELDERLY: &str = "現役並みⅡ, 現役並みⅠ, 一般, 低所得Ⅱ or 低所得Ⅰ (70〜74歳)";
/// The brackets of 後期高齢者医療.
const KOUKI: &str = "現役並みⅡ, 現役並みⅠ, 一般, 区分Ⅱ or 区分Ⅰ (後期高齢者医療)";

/// The reasons for the benefit values the record gives, and the errors of those that do not fit.
/// `elderly`: the document shows a kokuho member as 高齢受給者; `expiry`: its 有効期限.
pub(super) fn check(
    record: &Record,
    elderly: bool,
    expiry: Option<NaiveDate>,
) -> (Vec<Reason>, Vec<Contradiction>) {
    let mut reasons = Vec::new();
    let mut errors = Vec::new();
    for result in [
        limit(record, elderly, expiry),
        long_term_stay(record).map_err(|e| vec![e]),
        disease(record, elderly).map_err(|e| vec![e]),
    ] {
        match result {
            Ok(reason) => reasons.extend(reason),
            Err(e) => errors.extend(e),
        }
    }
    (reasons, errors)
}

/// 限度区分: the brackets of the member's age (高額療養費算定基準額, 国民健康保険法施行令第29条の3;
/// 70歳未満 ア〜オ, 70歳以上 現役並みⅡ・Ⅰ, 一般, 低所得Ⅱ・Ⅰ; kouki calls the last two 区分Ⅱ・Ⅰ), with
/// its own 発効期日, which must be given and must not fall after the document's 有効期限.
fn limit(
    record: &Record,
    elderly: bool,
    expiry: Option<NaiveDate>,
) -> Result<Option<Reason>, Vec<Contradiction>> {
    let kouki = record.scheme == Scheme::Kouki;
    let Some(category) = record.limit_category else {
        return match record.limit_effective_date {
            Some(date) => Err(vec![error(
                "limit_effective_date",
                date.to_string(),
                "empty without a 限度区分".into(),
                "limit.without-category",
            )]),
            None => Ok(None),
        };
    };
    let (fits, allowed, rule, who) = match (kouki, elderly) {
        (true, _) => (
            !category.is_under_70(),
            KOUKI,
            "limit.kouki",
            "後期高齢者医療",
        ),
        (false, true) => (!category.is_under_70(), ELDERLY, "limit.70-74", "70〜74歳"),
        (false, false) => (
            category.is_under_70(),
            UNDER_70,
            "limit.under-70",
            "70歳未満",
        ),
    };
    let mut errors = Vec::new();
    if !fits {
        errors.push(error(
            "limit_category",
            category.label(kouki).into(),
            allowed.into(),
            "limit.age",
        ));
    }
    match (record.limit_effective_date, expiry) {
        (None, _) => errors.push(error(
            "limit_effective_date",
            "(empty)".into(),
            "the day the 限度区分 takes effect".into(),
            "limit.effective-date",
        )),
        (Some(date), Some(expiry)) if date > expiry => errors.push(error(
            "limit_effective_date",
            date.to_string(),
            format!("on or before the 有効期限 {expiry}"),
            "limit.effective-date",
        )),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let detail = format!(
        "限度区分 {} ({who}の所得区分; 高額療養費算定基準額、国民健康保険法施行令第29条の3・高齢者の医療の確保に関する法律施行令): 限度額適用認定証の内容を任意記載事項として記載、発効期日 {}",
        category.label(kouki),
        record.limit_effective_date.map_or_else(String::new, |d| d.to_string()),
    );
    Ok(Some(Reason {
        field: "limit_category",
        rule,
        detail,
    }))
}

/// 長期入院該当年月日: only for the 住民税非課税 brackets (オ, 低所得Ⅱ / 区分Ⅱ), whose 食事療養標準
/// 負担額 drops after more than 90 days in hospital within 12 months (入院時食事療養費, 国民健康保険法
/// 第52条, 高齢者の医療の確保に関する法律第74条).
fn long_term_stay(record: &Record) -> Result<Option<Reason>, Contradiction> {
    let Some(date) = record.long_term_stay_date else {
        return Ok(None);
    };
    if !record
        .limit_category
        .is_some_and(LimitCategory::has_long_term_stay)
    {
        return Err(error(
            "long_term_stay_date",
            date.to_string(),
            "empty unless the 限度区分 is オ or 低所得Ⅱ (区分Ⅱ)".into(),
            "limit.long-term-stay",
        ));
    }
    let detail = format!(
        "長期入院該当年月日 {date}: 住民税非課税世帯で過去12か月の入院日数が90日を超え、食事療養標準負担額が減額 (入院時食事療養費、国民健康保険法第52条・高齢者の医療の確保に関する法律第74条)"
    );
    Ok(Some(Reason {
        field: "long_term_stay_date",
        rule: "limit.long-term-stay",
        detail,
    }))
}

/// 特定疾病: the 長期高額疾病 of a 特定疾病療養受療証, with its 自己負担限度額: 10,000円, or 20,000円
/// for 人工透析 of a 国民健康保険 member under 70 with 上位所得 (厚生労働省 「特定疾病療養受療証」).
fn disease(record: &Record, elderly: bool) -> Result<Option<Reason>, Contradiction> {
    let limit = record.specific_disease_limit.unwrap_or(10_000);
    let Some(disease) = record.specific_disease else {
        return match record.specific_disease_limit {
            Some(n) => Err(error(
                "specific_disease_limit",
                n.to_string(),
                "empty without a 特定疾病".into(),
                "disease.without-disease",
            )),
            None => Ok(None),
        };
    };
    let high_income_dialysis =
        disease == SpecificDisease::Dialysis && record.scheme == Scheme::Kokuho && !elderly;
    if limit == 20_000 && !high_income_dialysis {
        return Err(error(
            "specific_disease_limit",
            limit.to_string(),
            "10000: 20,000円 is for 人工透析 under 70 only".into(),
            "disease.limit",
        ));
    }
    let detail = format!(
        "特定疾病 {} (長期高額疾病): 特定疾病療養受療証の内容を任意記載事項として記載、自己負担限度額 {limit}円 (70歳未満の上位所得者の人工透析は20,000円; 厚生労働省 「特定疾病療養受療証」)",
        disease.name()
    );
    Ok(Some(Reason {
        field: "specific_disease",
        rule: "disease.specific",
        detail,
    }))
}

fn error(field: &'static str, given: String, derived: String, rule: &'static str) -> Contradiction {
    Contradiction {
        field,
        given,
        derived,
        rule,
    }
}
