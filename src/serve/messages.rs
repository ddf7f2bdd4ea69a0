//! Japanese messages for the page, shown beside the field at fault.
//!
//! The library's messages are English, for logs and error reports. Counter staff need to
//! know what to type instead, in Japanese: these messages say that, from the error kinds
//! and reasons of the record reader, the contradictions of the rules and the fill errors.
//! The tests below feed every kind of bad value through the reader, so a reason that changes
//! there falls to the generic message here and fails a test rather than going unnoticed.

use crate::eligibility::Contradiction;
use crate::fill::{FillError, FillErrorKind, TextError};
use crate::record::{Field, RecordError, RecordErrorKind};

/// The Japanese label of a record field or derived value, by name.
pub fn label(name: &str) -> &str {
    match name {
        "cycle" => "更新期間",
        "document" => "交付する書類",
        "expiry_date" => "有効期限",
        "effective_date" => "発効期日",
        "copay_ratio" => "負担割合",
        "special_medical" => "特別療養",
        "optional_items" => "任意記載事項",
        "back_remarks" => "備考",
        other => Field::from_name(other).map_or(other, |f| f.label()),
    }
}

/// What is wrong with a record's value, and what to type instead.
pub fn record_error(error: &RecordError) -> String {
    let field = error.field();
    let label = field.map_or("記録", Field::label);
    match error.kind() {
        RecordErrorKind::Missing => match field {
            Some(Field::Sex | Field::Scheme | Field::HasMynaHoken) => {
                format!("{label}を選んでください")
            }
            _ => format!("{label}を入力してください"),
        },
        RecordErrorKind::Invalid { what, why } => invalid(field, what, why),
        RecordErrorKind::UnknownField { key } => format!("項目「{key}」は記録にありません"),
        RecordErrorKind::DuplicateField => format!("{label}が2回指定されています"),
        RecordErrorKind::DuplicateId { .. } => "同じレコードIDの記録がすでにあります".into(),
        RecordErrorKind::NotAnObject { .. } => {
            "記録はJSONのオブジェクト（{…}）で送ってください".into()
        }
        RecordErrorKind::Json { .. } => "JSONとして読み取れません".into(),
        RecordErrorKind::TooLong { limit } => format!("記録が長すぎます（{limit}バイトまで）"),
        RecordErrorKind::Encoding { .. } => {
            "文字コードが正しくありません（UTF-8で送ってください）".into()
        }
        RecordErrorKind::FieldCount { .. }
        | RecordErrorKind::UnclosedQuote { .. }
        | RecordErrorKind::Read(_) => "記録を読み取れません".into(),
    }
}

fn invalid(field: Option<Field>, what: &str, why: &str) -> String {
    let at = |marker: &str| -> Option<&str> { why.split(marker).nth(1).map(str::trim) };
    match what {
        "invalid date" => match why {
            "expected YYYY-MM-DD or YYYY/MM/DD" => {
                "日付は西暦で 2025-08-01 のように入力してください（和暦は西暦に直してください）"
                    .into()
            }
            "day is past the end of the month" => "その月にない日付です".into(),
            "February 29 in a year that is not a leap year" => {
                "うるう年ではないため2月29日はありません".into()
            }
            "month must be 1 to 12" => "月は1から12で入力してください".into(),
            "day must be 1 to 31" => "日は1から31で入力してください".into(),
            _ if why.starts_with("year is before 1868") => {
                "1868年（明治元年）より前の日付は入力できません".into()
            }
            _ if why.starts_with("expected a string") => {
                "日付は文字列で 2025-08-01 のように入力してください".into()
            }
            _ => generic(field),
        },
        "invalid text" => {
            if let (true, Some(position)) = (
                why.contains("private-use character"),
                at("private-use character"),
            ) {
                let (code, place) = position
                    .split_once(" at character ")
                    .unwrap_or((position, "?"));
                format!("外字（私用領域の文字 {code}、{place}文字目）は印刷できません。MJ+/UCSの文字で入力してください")
            } else if let (true, Some(position)) =
                (why.contains("control character"), at("control character"))
            {
                let (code, place) = position
                    .split_once(" at character ")
                    .unwrap_or((position, "?"));
                format!("改行やタブなどの制御文字（{code}、{place}文字目）は使えません")
            } else if why.contains("U+FFFD") {
                "文字化けの跡（U+FFFD）があります。元の文字で入力し直してください".into()
            } else if why.starts_with("expected a string") {
                "文字列で入力してください".into()
            } else {
                generic(field)
            }
        }
        "invalid identifier" => "0以上の整数か文字列で入力してください".into(),
        "invalid scheme" => "制度は「国民健康保険」か「後期高齢者医療」を選んでください".into(),
        "invalid insurer number" if why.starts_with("check digit") => {
            "保険者番号の最後の桁（検証番号）が合いません。番号を確かめてください".into()
        }
        "invalid insurer number" => {
            "保険者番号は、国民健康保険なら6桁、後期高齢者医療なら39で始まる8桁の数字です".into()
        }
        "invalid number" => "後期高齢者医療の被保険者番号は8桁の数字です".into(),
        "invalid branch number" => "枝番は2桁までの数字です".into(),
        "invalid postal code" => "郵便番号は7桁の数字です（例: 370-0801）".into(),
        "invalid sex" => "性別は「男」か「女」を選んでください".into(),
        "invalid copay ratio" => "負担割合は1割・2割・3割のいずれかです".into(),
        "invalid boolean" => "「はい」か「いいえ」を選んでください".into(),
        "invalid limit category" => {
            "限度区分は ア〜オ、現役並みⅡ・Ⅰ、一般、低所得Ⅱ・Ⅰ（区分Ⅱ・Ⅰ）のいずれかです".into()
        }
        "invalid specific disease" => {
            "特定疾病は「人工透析」「血友病」「HIV」のいずれかです".into()
        }
        "invalid disease limit" => "自己負担限度額は 10000 か 20000（円）です".into(),
        "invalid certificate reason" => {
            "交付申請の理由は「要配慮」か「緊急」を選んでください".into()
        }
        "unexpected value" => "後期高齢者医療には記号・枝番がありません。空欄にしてください".into(),
        "invalid care of" => {
            "様方・気付は「様方」か「気付」を入力してください（送付先の宛名で送るときは空欄）"
                .into()
        }
        _ => generic(field),
    }
}

fn generic(field: Option<Field>) -> String {
    format!(
        "{}の値が正しくありません",
        field.map_or("記録", Field::label)
    )
}

/// Why the rules cannot print the record as given.
pub fn contradiction(c: &Contradiction) -> String {
    let derived = &c.derived;
    match c.rule {
        "record.kokuho-over-75" => {
            "75歳以上の方は後期高齢者医療の対象です。国民健康保険の書類は交付できません".into()
        }
        "record.kouki-under-65" => "後期高齢者医療の適用開始日が65歳になる前です".into(),
        "record.kouki-number" => "後期高齢者医療の被保険者番号は8桁の数字です".into(),
        "record.residence-before-cycle" => "在留期間満了日が更新期間より前に終わっています".into(),
        "record.kouki-no-symbol" => {
            "後期高齢者医療には記号・枝番がありません。空欄にしてください".into()
        }
        "expiry.before-issue" => "交付年月日が有効期限より後です".into(),
        "expiry.before-effective" => {
            "有効期限が発効期日より前になります。適用開始年月日と更新年度を確かめてください".into()
        }
        "expiry.before-qualified" => {
            "有効期限が適用開始年月日より前になります。適用開始年月日と更新年度を確かめてください"
                .into()
        }
        "limit.age" => {
            "この年齢の限度区分ではありません（70歳未満は ア〜オ、70歳以上は 現役並み・一般・低所得）"
                .into()
        }
        "limit.effective-date" => {
            "限度区分の発効期日を、有効期限までの日付で入力してください".into()
        }
        "limit.without-category" => "限度区分の発効期日には限度区分が必要です".into(),
        "limit.long-term-stay" => {
            "長期入院該当年月日は、限度区分が オ または 低所得Ⅱ（区分Ⅱ）の方だけです".into()
        }
        "disease.limit" => {
            "自己負担限度額20,000円は、70歳未満で人工透析の方だけです".into()
        }
        "disease.without-disease" => "自己負担限度額には特定疾病が必要です".into(),
        "items.required" => format!(
            "{}はこの書類の必須記載事項です。入力してください",
            label(c.field)
        ),
        "expiry.requested" => "申請による資格確認書には申請日が必要です".into(),
        "burden.elderly" => "70〜74歳の方は負担割合（2割か3割）を選んでください".into(),
        "burden.kouki" => "後期高齢者医療では負担割合（1割・2割・3割）を選んでください".into(),
        "burden.range" => "負担割合は1割・2割・3割のいずれかです".into(),
        "rules.valid"
        | "option.cycle"
        | "cycle.option"
        | "cycle.issue-date"
        | "cycle.qualified-date" => {
            format!("発行者の設定または更新年度が正しくありません（{}）", c)
        }
        _ if c.field.ends_with("_date") => {
            let shown = if derived == "(none)" {
                "記載なし".to_owned()
            } else {
                derived.clone()
            };
            format!(
                "規則による{}は {shown} です。空欄にすると規則の値を印刷します",
                label(c.field)
            )
        }
        _ => format!("{}が規則（{}）に合いません", label(c.field), c.rule),
    }
}

/// What to do about a contradiction, in the library's words.
pub fn contradiction_hint(c: &Contradiction) -> &'static str {
    if c.rule.starts_with("rules.") || c.rule.starts_with("option.") || c.rule.starts_with("cycle.")
    {
        "correct the issuer profile or the server's --cycle"
    } else {
        "correct the record, or leave the derived value empty to print the rules' value"
    }
}

/// Why a value could not be placed on the document.
pub fn fill_error(error: &FillError) -> String {
    let label = error.field.map_or("値", |f| label(f.name()));
    match &error.kind {
        FillErrorKind::Text(TextError::Missing(_)) => {
            format!(
                "{label}に、フォントにない文字（外字）があります。MJ+/UCSの文字で入力してください"
            )
        }
        FillErrorKind::Text(TextError::Overflow { .. }) => {
            format!("{label}が長すぎて枠に収まりません")
        }
        // The QR code and images come from the layout and the profile; a value that cannot be
        // encoded otherwise (a customer barcode, say) is the record's.
        _ if error.field.is_some() => format!("{label}をこの書類に印刷できません"),
        _ => "書式または発行者の設定に誤りがあります".into(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::record::{Origin, Record};

    fn kokuho() -> Value {
        json!({
            "record_id": "K1", "scheme": "kokuho", "insurer_number": "102020", "number": "1234567",
            "name": "佐藤 太郎", "sex": "男", "birth_date": "1958-04-12", "qualified_date": "2020-04-01",
            "issue_date": "2025-08-01", "has_myna_hoken": false
        })
    }

    fn message(field: &str, value: Value) -> String {
        let mut record = kokuho();
        record[field] = value;
        if field == "symbol" {
            record["scheme"] = json!("kouki");
            record["insurer_number"] = json!("39102017");
            record["number"] = json!("12345678");
        }
        let error = Record::from_json_value(&record, Origin::single("form")).expect_err("refused");
        record_error(&error)
    }

    #[test]
    fn every_kind_of_bad_value_gets_its_own_japanese_message() {
        let cases = [
            ("birth_date", json!("令和7年8月1日"), "西暦"),
            ("birth_date", json!("1958-02-30"), "その月にない日付"),
            ("birth_date", json!("1958-02-29"), "うるう年"),
            ("birth_date", json!("1958-13-01"), "月は1から12"),
            ("birth_date", json!("1958/1/32"), "日は1から31"),
            ("birth_date", json!("1800-01-01"), "1868年"),
            ("birth_date", json!(19580412), "文字列"),
            (
                "name",
                json!("佐\u{E000}藤"),
                "外字（私用領域の文字 U+E000、2文字目）",
            ),
            ("name", json!("佐藤\n太郎"), "制御文字（U+000A、3文字目）"),
            ("name", json!("佐\u{FFFD}"), "U+FFFD"),
            ("name", json!(1), "文字列で"),
            ("name", json!(""), "氏名を入力してください"),
            ("sex", json!(null), "性別を選んでください"),
            ("record_id", json!(-1), "整数"),
            ("scheme", json!("国保"), "制度は"),
            ("insurer_number", json!("10202"), "6桁"),
            ("insurer_number", json!("102021"), "検証番号"),
            ("branch", json!("123"), "枝番"),
            ("postal_code", json!("370-080"), "郵便番号"),
            ("sex", json!("M"), "性別は"),
            ("copay_ratio", json!(4), "負担割合"),
            ("has_myna_hoken", json!("yes"), "はい"),
            ("certificate_reason", json!("介護"), "要配慮"),
            ("limit_category", json!("カ"), "限度区分"),
            ("specific_disease", json!("透析"), "特定疾病"),
            ("specific_disease_limit", json!("15000"), "自己負担限度額"),
            ("symbol", json!("01"), "記号・枝番"),
            ("mail_to_care_of", json!("御中"), "様方・気付は"),
            ("colour", json!("red"), "項目「colour」"),
        ];
        for (field, value, expected) in cases {
            let message = message(field, value.clone());
            assert!(message.contains(expected), "{field} = {value}: {message}");
            assert!(
                !message.ends_with("の値が正しくありません"),
                "{field} = {value} fell to the generic message"
            );
        }
    }

    #[test]
    fn a_kouki_number_gets_its_own_message() {
        let mut record = kokuho();
        record["scheme"] = json!("kouki");
        record["insurer_number"] = json!("39102017");
        record["number"] = json!("1234567");
        let error = Record::from_json_value(&record, Origin::single("form")).expect_err("refused");
        assert_eq!(
            record_error(&error),
            "後期高齢者医療の被保険者番号は8桁の数字です"
        );
    }

    #[test]
    fn labels_cover_fields_and_derived_values() {
        assert_eq!(label("birth_date"), "生年月日");
        assert_eq!(label("expiry_date"), "有効期限");
        assert_eq!(label("document"), "交付する書類");
    }

    #[test]
    fn a_missing_required_item_names_its_field() {
        let c = Contradiction {
            field: "householder_name",
            given: "(empty)".into(),
            derived: "a value (国民健康保険法施行規則第6条 資格確認書の記載事項)".into(),
            rule: "items.required",
        };
        assert_eq!(
            contradiction(&c),
            "世帯主氏名はこの書類の必須記載事項です。入力してください"
        );
    }

    #[test]
    fn a_document_expiring_before_it_starts_says_so() {
        let c = Contradiction {
            field: "effective_date",
            given: "2026-08-15".into(),
            derived: "on or before the 有効期限 2026-07-31".into(),
            rule: "expiry.before-effective",
        };
        assert!(contradiction(&c).starts_with("有効期限が発効期日より前"));
    }

    #[test]
    fn a_date_disagreement_names_the_rules_date() {
        let c = Contradiction {
            field: "expiry_date",
            given: "2026-07-31".into(),
            derived: "2026-03-14".into(),
            rule: "expiry.turns-75",
        };
        assert_eq!(
            contradiction(&c),
            "規則による有効期限は 2026-03-14 です。空欄にすると規則の値を印刷します"
        );
    }
}
