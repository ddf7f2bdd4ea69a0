//! 任意記載事項 of members who hold a benefit certificate: 限度区分 (from a 限度額適用認定証) and
//! 特定疾病 (from a 特定疾病療養受療証), and how records spell them.
//!
//! Since the 資格確認書 replaced the 保険証, insurers print these on it (and on the お知らせ) for
//! members who held the certificates, so they need not carry a second card (e.g. 北秋田市, 君津市
//! pages on the 資格確認書). Which values fit the member's age is the rules' business
//! (`eligibility::benefit`); here a value is only read.

use std::fmt;

use serde::Serialize;

use super::value::{fold_digits, Invalid, Parsed, Raw};

/// 限度区分 (適用区分): the income bracket of the 高額療養費 ceiling (高額療養費算定基準額:
/// 国民健康保険法施行令第29条の3; for kouki the 高齢者の医療の確保に関する法律施行令).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LimitCategory {
    /// ア: under 70, 基礎控除後の所得 over 901万円.
    A,
    /// イ: under 70, over 600万円 up to 901万円.
    I,
    /// ウ: under 70, over 210万円 up to 600万円.
    U,
    /// エ: under 70, 210万円 or less.
    E,
    /// オ: under 70, 住民税非課税.
    O,
    /// 現役並みⅡ: 70 and over, 課税所得 380万円 or more (with a 限度額適用認定証).
    GenekiII,
    /// 現役並みⅠ: 70 and over, 課税所得 145万円 or more.
    GenekiI,
    /// 一般: 70 and over.
    Ippan,
    /// 低所得Ⅱ (kouki: 区分Ⅱ): 70 and over, 住民税非課税.
    TeishotokuII,
    /// 低所得Ⅰ (kouki: 区分Ⅰ): 70 and over, 住民税非課税 with no income.
    TeishotokuI,
}

impl LimitCategory {
    /// How 国民健康保険 prints it; 後期高齢者医療 calls the 低所得 brackets 区分Ⅱ and 区分Ⅰ.
    pub fn label(self, kouki: bool) -> &'static str {
        match self {
            LimitCategory::A => "ア",
            LimitCategory::I => "イ",
            LimitCategory::U => "ウ",
            LimitCategory::E => "エ",
            LimitCategory::O => "オ",
            LimitCategory::GenekiII => "現役並みⅡ",
            LimitCategory::GenekiI => "現役並みⅠ",
            LimitCategory::Ippan => "一般",
            LimitCategory::TeishotokuII if kouki => "区分Ⅱ",
            LimitCategory::TeishotokuII => "低所得Ⅱ",
            LimitCategory::TeishotokuI if kouki => "区分Ⅰ",
            LimitCategory::TeishotokuI => "低所得Ⅰ",
        }
    }

    /// Whether the bracket is one of those under 70 (ア〜オ).
    pub fn is_under_70(self) -> bool {
        matches!(
            self,
            LimitCategory::A
                | LimitCategory::I
                | LimitCategory::U
                | LimitCategory::E
                | LimitCategory::O
        )
    }

    /// Whether the bracket is 住民税非課税 (オ, 低所得Ⅱ / 区分Ⅱ), the one whose 食事療養標準負担額 is
    /// reduced further after 90 days in hospital (長期入院該当). 低所得Ⅰ has its own, lower, amount.
    pub fn has_long_term_stay(self) -> bool {
        matches!(self, LimitCategory::O | LimitCategory::TeishotokuII)
    }
}

impl fmt::Display for LimitCategory {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.label(false))
    }
}

/// 特定疾病 (長期高額疾病), the conditions of a 特定疾病療養受療証.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SpecificDisease {
    /// 人工透析を要する慢性腎不全.
    Dialysis,
    /// 血漿分画製剤を投与している先天性血液凝固第Ⅷ因子障害又は第Ⅸ因子障害 (血友病).
    Hemophilia,
    /// 抗ウイルス剤を投与している後天性免疫不全症候群 (HIV感染を含み、厚生労働大臣の定める者に係るものに限る).
    Hiv,
}

impl SpecificDisease {
    /// The word used in records: `人工透析`, `血友病` or `HIV`.
    pub fn label(self) -> &'static str {
        match self {
            SpecificDisease::Dialysis => "人工透析",
            SpecificDisease::Hemophilia => "血友病",
            SpecificDisease::Hiv => "HIV",
        }
    }

    /// The 認定疾病名 as a 特定疾病療養受療証 prints it.
    pub fn name(self) -> &'static str {
        match self {
            SpecificDisease::Dialysis => "人工透析を要する慢性腎不全",
            SpecificDisease::Hemophilia => "先天性血液凝固因子障害の一部",
            SpecificDisease::Hiv => "抗ウイルス剤を投与している後天性免疫不全症候群",
        }
    }
}

/// 限度区分 as records write it: `ア`〜`オ`, `現役並みⅡ`, `現役並みⅠ`, `一般`, `低所得Ⅱ`, `低所得Ⅰ`,
/// or kouki's `区分Ⅱ`, `区分Ⅰ`. The numeral may be Ⅰ/Ⅱ, I/II or 1/2 (full-width digits folded).
pub(crate) fn limit_category(raw: Raw) -> Parsed<LimitCategory> {
    let invalid = || {
        Invalid::new(
            "invalid limit category",
            "expected ア, イ, ウ, エ, オ, 現役並みⅡ, 現役並みⅠ, 一般, 低所得Ⅱ, 低所得Ⅰ, 区分Ⅱ or 区分Ⅰ",
        )
    };
    let Raw::Text(text) = raw else {
        return Err(invalid());
    };
    let text = fold_digits(text);
    let numeral = |suffix: &str| match suffix {
        "Ⅰ" | "I" | "1" => Some(1),
        "Ⅱ" | "II" | "2" => Some(2),
        _ => None,
    };
    let bracket = |prefix: &str| text.strip_prefix(prefix).and_then(numeral);
    Ok(match &*text {
        "ア" => LimitCategory::A,
        "イ" => LimitCategory::I,
        "ウ" => LimitCategory::U,
        "エ" => LimitCategory::E,
        "オ" => LimitCategory::O,
        "一般" => LimitCategory::Ippan,
        _ => match (
            bracket("現役並み"),
            bracket("低所得").or_else(|| bracket("区分")),
        ) {
            (Some(2), _) => LimitCategory::GenekiII,
            (Some(1), _) => LimitCategory::GenekiI,
            (_, Some(2)) => LimitCategory::TeishotokuII,
            (_, Some(1)) => LimitCategory::TeishotokuI,
            _ => return Err(invalid()),
        },
    })
}

/// 特定疾病 as records write it: `人工透析`, `血友病` or `HIV`.
pub(crate) fn specific_disease(raw: Raw) -> Parsed<SpecificDisease> {
    match raw {
        Raw::Text("人工透析") => Ok(SpecificDisease::Dialysis),
        Raw::Text("血友病") => Ok(SpecificDisease::Hemophilia),
        Raw::Text("HIV") => Ok(SpecificDisease::Hiv),
        _ => Err(Invalid::new(
            "invalid specific disease",
            "expected 人工透析, 血友病 or HIV",
        )),
    }
}

/// The 自己負担限度額 of a 特定疾病 in yen: `10000` or `20000`, with or without a thousands comma
/// and 円 (`20,000円`); a JSON number.
pub(crate) fn disease_limit(raw: Raw) -> Parsed<u32> {
    let text = match raw {
        Raw::Text(text) => fold_digits(text).replace([',', '，'], ""),
        Raw::Number(n) => n.to_string(),
        _ => String::new(),
    };
    match text.strip_suffix('円').unwrap_or(&text) {
        "10000" => Ok(10_000),
        "20000" => Ok(20_000),
        _ => Err(Invalid::new(
            "invalid disease limit",
            "expected 10000 or 20000 (yen)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_categories_in_their_spellings() {
        let cases = [
            ("ア", LimitCategory::A),
            ("オ", LimitCategory::O),
            ("一般", LimitCategory::Ippan),
            ("現役並みⅡ", LimitCategory::GenekiII),
            ("現役並みI", LimitCategory::GenekiI),
            ("現役並み２", LimitCategory::GenekiII),
            ("低所得Ⅱ", LimitCategory::TeishotokuII),
            ("低所得1", LimitCategory::TeishotokuI),
            ("区分Ⅱ", LimitCategory::TeishotokuII),
            ("区分I", LimitCategory::TeishotokuI),
        ];
        for (text, want) in cases {
            assert_eq!(limit_category(Raw::Text(text)), Ok(want), "{text}");
        }
        for bad in ["カ", "現役並みⅢ", "低所得", "区分3", "a"] {
            assert!(limit_category(Raw::Text(bad)).is_err(), "{bad}");
        }
        assert!(limit_category(Raw::Bool(true)).is_err());
    }

    #[test]
    fn kouki_names_the_low_income_brackets_kubun() {
        assert_eq!(LimitCategory::TeishotokuII.label(false), "低所得Ⅱ");
        assert_eq!(LimitCategory::TeishotokuII.label(true), "区分Ⅱ");
        assert_eq!(LimitCategory::GenekiI.label(true), "現役並みⅠ");
    }

    #[test]
    fn specific_diseases_and_their_limits() {
        assert_eq!(
            specific_disease(Raw::Text("人工透析")),
            Ok(SpecificDisease::Dialysis)
        );
        assert!(specific_disease(Raw::Text("透析")).is_err());
        for text in ["10000", "10,000円", "１０，０００"] {
            assert_eq!(disease_limit(Raw::Text(text)), Ok(10_000), "{text}");
        }
        let n = serde_json::Number::from(20_000);
        assert_eq!(disease_limit(Raw::Number(&n)), Ok(20_000));
        assert!(disease_limit(Raw::Text("15000")).is_err());
    }
}
