//! Japanese messages for the page, shown beside the field at fault.
//!
//! The library's messages are English, for logs and error reports. Counter staff need to
//! know what to type instead, in Japanese: these messages say that, from the error kinds
//! and reasons of the record reader, the contradictions of the rules and the fill errors.
//! The tests below feed every kind of bad value through the reader, so a reason that changes
//! there falls to the generic message here and fails a test rather than going unnoticed.

use crate::eligibility::Contradiction;
use crate::fill::{FillError, FillErrorKind, TextError};
use crate::limits::chars::Refused;
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
            _ if why.starts_with("date is before 1868-01-25") => {
                "明治元年の初日（1868年1月25日）より前の日付は入力できません".into()
            }
            _ if why.starts_with("year is after ") => {
                let year = why["year is after ".len()..]
                    .split(',')
                    .next()
                    .unwrap_or("2099");
                format!("{year}年より後の日付は入力できません。年を確かめてください")
            }
            _ if why.starts_with("expected a string") => {
                "日付は文字列で 2025-08-01 のように入力してください".into()
            }
            _ => generic(field),
        },
        "invalid text" => {
            if let Some(message) = refused_character(why) {
                message
            } else if let (true, Some(position)) = (
                why.contains("private-use character"),
                at("private-use character"),
            ) {
                let (code, place) = position
                    .split_once(" at character ")
                    .unwrap_or((position, "?"));
                format!("外字（私用領域の文字 {code}、{place}文字目）は印刷できません。MJ+/UCSの文字で入力してください")
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
        "unexpected value" => "後期高齢者医療には記号・枝番がありません。空欄にしてください".into(),
        "value too long" => {
            let limit = why
                .split("more than the ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .unwrap_or("?");
            format!(
                "{}が長すぎます（{limit}文字まで）。列がずれていないか確かめてください",
                field.map_or("記録", Field::label)
            )
        }
        "impossible date" => impossible_date(field, why),
        _ => generic(field),
    }
}

/// A character the documents cannot print ([`Refused`]), from the reader's reason
/// `contains <kind> U+XXXX at character N`.
fn refused_character(why: &str) -> Option<String> {
    let rest = why.strip_prefix("contains ")?;
    let kind = Refused::ALL
        .into_iter()
        .find(|kind| rest.starts_with(&format!("{} U+", kind.name())))?;
    let position = &rest[kind.name().len() + 1..];
    let (code, place) = position.split_once(" at character ")?;
    let at = format!("{code}、{place}文字目");
    Some(match kind {
        Refused::Control => format!("改行やタブなどの制御文字（{at}）は使えません"),
        Refused::Separator => {
            format!("行区切りの文字（{at}）は使えません。1行で入力してください")
        }
        Refused::Noncharacter => {
            format!("文字ではない符号（{at}）があります。元のデータの書き出し方を確かめてください")
        }
        Refused::Replacement => {
            format!("文字化けの跡（{at}）があります。元の文字で入力し直してください")
        }
        Refused::Bidi => format!("文字の並ぶ向きを変える制御文字（{at}）は使えません"),
        Refused::Invisible => {
            format!("ゼロ幅スペースなど印刷されない文字（{at}）は使えません")
        }
    })
}

/// A date that contradicts another date of the record.
fn impossible_date(field: Option<Field>, why: &str) -> String {
    let label = field.map_or("日付", Field::label);
    let amount = |unit: &str| {
        why.strip_prefix("more than ")
            .and_then(|rest| rest.split_once(unit))
            .map(|(n, _)| n.trim().to_owned())
    };
    match why {
        "after issue_date" => format!("{label}が交付年月日より後です"),
        "before birth_date" => format!("{label}が生年月日より前です"),
        _ if why.ends_with("years before issue_date") => format!(
            "{label}が交付年月日の{}年以上前です。生年月日を確かめてください",
            amount("years").unwrap_or_default()
        ),
        _ if why.ends_with("months after issue_date") => format!(
            "{label}が交付年月日の{}か月より先です。日付を確かめてください",
            amount("months").unwrap_or_default()
        ),
        _ => format!("{label}がほかの日付と合いません"),
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

/// How a character of a name or address is printed, when not plainly.
pub fn text_note(note: &crate::gaiji::TextNote) -> String {
    use crate::gaiji::NoteKind;
    match &note.kind {
        NoteKind::Fallback { font } => format!("{}で印字します", font.display_name()),
        NoteKind::Substituted { to } => {
            format!("どのフォントにもないため「{to}」で代替して印字します（戸籍・住民票の字形と異なります）")
        }
        NoteKind::Gaiji { code } => {
            format!("外字 U+{:04X} を外字表により変換しました", u32::from(*code))
        }
    }
}

/// Why a value could not be placed on the document.
pub fn fill_error(error: &FillError) -> String {
    let label = error.field.map_or("値", |f| label(f.name()));
    match &error.kind {
        FillErrorKind::Text(TextError::Missing(m)) if !m.unavailable.is_empty() => {
            let fonts: Vec<&str> = m.unavailable.iter().map(|u| u.font().display_name()).collect();
            format!(
                "{label}の文字 U+{:04X} を印刷するフォント（{}）がこのサーバーにありません。管理者に連絡してください",
                u32::from(m.character),
                fonts.join("、")
            )
        }
        FillErrorKind::Text(TextError::Missing(m)) => {
            format!(
                "{label}に、どのフォントにもない文字（U+{:04X}）があります。MJ+/UCSの文字で入力してください",
                u32::from(m.character)
            )
        }
        FillErrorKind::Gaiji(e) => format!(
            "{label}の外字（私用領域の文字 U+{:04X}、{}文字目）は外字表にありません。外字表に登録するか、MJ+/UCSの文字で入力してください",
            u32::from(e.character),
            e.position
        ),
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
                "household_id",
                json!("H\u{E000}1"),
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
            ("symbol", json!("01"), "記号・枝番"),
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

    /// One character of each kind the reader refuses; a new kind fails to compile here until
    /// it has a sample (and so a message).
    fn sample(kind: Refused) -> char {
        match kind {
            Refused::Control => '\n',
            Refused::Separator => '\u{2028}',
            Refused::Noncharacter => '\u{FFFF}',
            Refused::Replacement => '\u{FFFD}',
            Refused::Bidi => '\u{202E}',
            Refused::Invisible => '\u{200B}',
        }
    }

    #[test]
    fn every_refused_character_gets_its_own_japanese_message() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in Refused::ALL {
            let c = sample(kind);
            assert_eq!(
                crate::limits::chars::first_refused(&c.to_string()).map(|(_, _, k)| k),
                Some(kind)
            );
            let message = message("name", json!(format!("佐{c}藤")));
            let code = format!("U+{:04X}、2文字目", u32::from(c));
            assert!(message.contains(&code), "{kind:?}: {message}");
            assert!(
                !message.ends_with("の値が正しくありません"),
                "{kind:?}: {message}"
            );
            // Each kind says what it is: no two share a message.
            assert!(
                seen.insert(message.replace(&code, "")),
                "{kind:?}: {message}"
            );
        }
    }

    /// The reasons the reader gives beyond a single value's shape: dates outside the years
    /// printed, values too long, and dates that contradict each other.
    #[test]
    fn every_reason_the_reader_gives_has_japanese_text() {
        let cases = [
            (json!({"birth_date": "2100-01-01"}), "2099年より後"),
            (json!({"birth_date": "1868-01-24"}), "明治元年の初日"),
            (
                json!({"name": "あ".repeat(101)}),
                "氏名が長すぎます（100文字まで）",
            ),
            (
                json!({"address": "あ".repeat(201)}),
                "住所が長すぎます（200文字まで）",
            ),
            (
                json!({"birth_date": "2025-08-02"}),
                "生年月日が交付年月日より後",
            ),
            (
                json!({"birth_date": "1895-01-01"}),
                "交付年月日の130年以上前",
            ),
            (
                json!({"qualified_date": "1958-04-11"}),
                "適用開始年月日が生年月日より前",
            ),
            (
                json!({"qualified_date": "2026-09-01"}),
                "交付年月日の12か月より先",
            ),
            (
                json!({"expiry_date": "1958-04-11"}),
                "有効期限が生年月日より前",
            ),
            (
                json!({"application_date": "2025-08-02"}),
                "申請日が交付年月日より後",
            ),
        ];
        for (changes, expected) in cases {
            let mut record = kokuho();
            for (key, value) in changes.as_object().unwrap() {
                record[key] = value.clone();
            }
            let error =
                Record::from_json_value(&record, Origin::single("form")).expect_err("refused");
            let message = record_error(&error);
            assert!(message.contains(expected), "{changes}: {message}");
            assert!(!message.is_ascii(), "{changes}: {message}");
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
