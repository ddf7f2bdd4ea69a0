//! 必須記載事項: what each scheme's documents must print, held against the record.
//!
//! The record reader requires what every document prints (番号, 氏名, 性別, 生年月日, 適用開始年月日,
//! 交付年月日, 保険者番号); the rules derive 有効期限, 発効期日 and 負担割合, and the issuer profile
//! gives 交付者名. What is left are the items only some documents require, which the reader must
//! accept as empty because other documents go without them. A document missing one is not the
//! document the law describes: the record is refused, naming the field, in every check mode.

use super::{Contradiction, Document};
use crate::record::{Field, Record, Scheme};

/// The items of one document that the record reader lets be empty, with the provision that
/// requires them.
struct Items {
    fields: &'static [Field],
    source: &'static str,
}

/// 国民健康保険 資格確認書: 被保険者記号・番号・枝番, 氏名, 性別, 生年月日, 適用開始年月日, 交付年月日,
/// 世帯主氏名, 住所, 保険者番号, 交付者名, 有効期限 (国民健康保険法第9条第2項, 国民健康保険法施行規則
/// 第6条; the 記載事項 as listed in 最上地区広域連合 「国民健康保険被保険者証の新規発行廃止に関するQ&A」
/// 令和6年11月, 【参考】). 国民健康保険 is a household scheme, so the 世帯主 and the address are items.
const KOKUHO_KAKUNINSHO: Items = Items {
    fields: &[
        Field::Symbol,
        Field::Branch,
        Field::HouseholderName,
        Field::Address,
    ],
    source: "国民健康保険法施行規則第6条 資格確認書の記載事項",
};

/// 国民健康保険 資格情報のお知らせ (資格情報通知書): 被保険者記号・番号・枝番, 氏名, 適用開始年月日,
/// 交付年月日, 保険者番号, 交付者名 (国民健康保険法施行規則第7条の3; the same Q&A, 【参考】).
const KOKUHO_OSHIRASE: Items = Items {
    fields: &[Field::Symbol, Field::Branch],
    source: "国民健康保険法施行規則第7条の3 資格情報通知書の記載事項",
};

/// 後期高齢者医療: the 8-digit 被保険者番号 replaces 記号・番号・枝番, and the documents are personal,
/// with neither 世帯主 nor (on the cards of several 広域連合) 住所 (大津市 「後期高齢者医療資格確認書の
/// 見かた」: 被保険者番号, 氏名, 生年月日, 資格取得年月日, 交付年月日, 負担割合, 発効期日, 保険者番号,
/// 保険者名, 有効期限). Every one of those the reader or the rules already require.
const KOUKI: Items = Items {
    fields: &[],
    source: "",
};

fn items(scheme: Scheme, document: Document) -> &'static Items {
    match (scheme, document) {
        (Scheme::Kokuho, Document::Kakuninsho) => &KOKUHO_KAKUNINSHO,
        (Scheme::Kokuho, Document::Oshirase) => &KOKUHO_OSHIRASE,
        (Scheme::Kouki, _) => &KOUKI,
    }
}

/// `items.required`: one error for each required item the record leaves empty (blank counts as
/// empty: it would print nothing).
pub(super) fn missing(record: &Record, document: Document) -> Vec<Contradiction> {
    let items = items(record.scheme, document);
    items
        .fields
        .iter()
        .filter(|&&field| !value(record, field).is_some_and(|v| !v.trim().is_empty()))
        .map(|&field| Contradiction {
            field: field.name(),
            given: "(empty)".into(),
            derived: format!("a value ({})", items.source),
            rule: "items.required",
        })
        .collect()
}

/// The record's text for an item field of the tables above.
fn value(record: &Record, field: Field) -> Option<&str> {
    match field {
        Field::Symbol => record.symbol.as_deref(),
        Field::Branch => record.branch.as_deref(),
        Field::HouseholderName => record.householder_name.as_deref(),
        Field::Address => record.address.as_deref(),
        // Not in any table: listing a field there without a line here is caught by the test below.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_field_is_read() {
        let birth = chrono::NaiveDate::from_ymd_opt(1980, 5, 5).expect("a date");
        let record = crate::eligibility::tests::kokuho(birth, 2025);
        for items in [&KOKUHO_KAKUNINSHO, &KOKUHO_OSHIRASE, &KOUKI] {
            for &field in items.fields {
                assert!(value(&record, field).is_some(), "{field}");
            }
        }
    }
}
