//! 氏名・性別の表記: what a member with 性同一性障害 may ask to have printed differently.
//!
//! On request, the front's 性別 reads 「裏面参照」 with 「戸籍上の性別は男」 (or 女) in the back's
//! 備考 (厚生労働省保険局 事務連絡 「被保険者証の性別表記について」, 平成24年), and a 通称名 may be
//! printed as the 氏名 with the 戸籍上の氏名 in the 備考 (厚生労働省保険局 「被保険者証の氏名表記に
//! ついて」, 平成29年); 大阪市 applies both to its 国民健康保険 documents. The request is the
//! record's (`sex_on_back`, `registered_name`); the rules only explain what it prints.

use super::Reason;
use crate::record::Record;

/// One reason for each notation the record asks for; none when it asks for none.
pub(super) fn reasons(record: &Record) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if record.sex_on_back {
        reasons.push(Reason {
            field: "sex",
            rule: "notation.sex-on-back",
            detail: "申出により表面の性別は「裏面参照」、裏面の備考に戸籍上の性別 (厚生労働省保険局 事務連絡「被保険者証の性別表記について」平成24年、大阪市の取扱い)".into(),
        });
    }
    if record.registered_name.is_some() {
        reasons.push(Reason {
            field: "name",
            rule: "notation.common-name",
            detail: "申出により表面の氏名は通称名、裏面の備考に戸籍上の氏名 (厚生労働省保険局「被保険者証の氏名表記について」平成29年、大阪市の取扱い)".into(),
        });
    }
    reasons
}
