//! One value → one typed field: the per-field rules of the schema.
//!
//! CSV cells and JSON values both arrive as a [`Raw`]; each parser takes a value that
//! is present (not null, not blank) and either returns the normalized field or says
//! what is wrong with it in an [`Invalid`].

use std::borrow::Cow;

use chrono::NaiveDate;
use serde_json::Number;

use super::{CertificateReason, Scheme, Sex};
use crate::limits;

/// A value as given, before any rule is applied.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Raw<'a> {
    /// A CSV cell or JSON string.
    Text(&'a str),
    /// A JSON number.
    Number(&'a Number),
    /// A JSON boolean.
    Bool(bool),
    /// JSON null.
    Null,
    /// A JSON array or object where a single value belongs; says which.
    Nested(&'static str),
}

impl Raw<'_> {
    /// The value with surrounding ASCII whitespace trimmed, or `None` if it counts as absent:
    /// null, or only white space of any kind (U+3000, NBSP, …), which would print as a blank
    /// 氏名 or 番号. Optional fields may be left empty this way.
    pub(crate) fn present(self) -> Option<Self> {
        match self {
            Raw::Null => None,
            Raw::Text(text) => Some(trim(text)).filter(|t| !is_blank(t)).map(Raw::Text),
            other => Some(other),
        }
    }

    /// For a value that counts as absent although it is not empty: the first white-space
    /// character that is not ASCII, to tell the user what made it blank.
    pub(crate) fn blank_space(self) -> Option<char> {
        match self {
            Raw::Text(text) if is_blank(text) => text.chars().find(|c| !c.is_ascii()),
            _ => None,
        }
    }

    /// The value as given, for the error report.
    pub(crate) fn as_given(self) -> Option<String> {
        match self {
            Raw::Text(text) => Some(text.to_owned()),
            Raw::Number(n) => Some(n.to_string()),
            Raw::Bool(b) => Some(b.to_string()),
            Raw::Null | Raw::Nested(_) => None,
        }
    }

    /// What kind of JSON value this is, for "expected …, found …".
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Raw::Text(_) => "a string",
            Raw::Number(_) => "a number",
            Raw::Bool(_) => "a boolean",
            Raw::Null => "null",
            Raw::Nested(kind) => kind,
        }
    }
}

/// What is wrong with a value; becomes [`RecordErrorKind::Invalid`](super::RecordErrorKind::Invalid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) what: &'static str,
    pub(crate) why: String,
    pub(crate) hint: Option<String>,
}

impl Invalid {
    pub(crate) fn new(what: &'static str, why: impl Into<String>) -> Self {
        Invalid {
            what,
            why: why.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Results of the value parsers.
pub(crate) type Parsed<T> = Result<T, Invalid>;

const PUA_HINT: &str = "an identifier cannot hold 外字: send it in ASCII or JIS characters";

/// Trims surrounding ASCII whitespace only: a leading full-width space (U+3000) may be meant.
fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// Whether the text holds nothing but white space (Unicode White_Space), or nothing at all.
fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Free text that is printed as given (names, addresses, remarks): JSON strings only.
/// Private-use characters (外字) pass: the issuer's 外字 map converts them when the record is
/// filled, and refuses those it does not list (`crate::gaiji`).
pub(crate) fn text(raw: Raw) -> Parsed<String> {
    match raw {
        Raw::Text(text) => checked_text(text, true),
        other => Err(Invalid::new(
            "invalid text",
            format!("expected a string, found {}", other.kind()),
        )),
    }
}

/// 様方 or 気付, exactly.
pub(crate) fn care_of(raw: Raw) -> Parsed<super::CareOf> {
    match text(raw)?.as_str() {
        "様方" => Ok(super::CareOf::Samakata),
        "気付" => Ok(super::CareOf::Kizuke),
        _ => Err(Invalid::new("invalid care of", "expected 様方 or 気付").hint(
            "write 様方 for a person's home, 気付 for a facility or business; leave it empty to address the 送付先 by name",
        )),
    }
}

/// An identifier (record_id, 記号, 世帯番号): text without 外字, or a JSON whole number.
pub(crate) fn identifier(raw: Raw) -> Parsed<String> {
    match raw {
        Raw::Number(n) => whole_number(n, "invalid identifier").map(|n| n.to_string()),
        Raw::Text(text) => checked_text(text, false),
        other => text(other),
    }
}

/// Rejects what must never reach print: characters that print as nothing, as a box or
/// reorder their neighbours ([`limits::chars`]: controls, noncharacters, U+FFFD, bidi
/// controls, zero-width characters), and, unless `gaiji`, private-use characters (外字).
/// Ideographic Variation Sequences (U+E0100–U+E01EF) and standardized variation selectors pass
/// untouched. Messages name the code point and its position, never the text.
fn checked_text(text: &str, gaiji: bool) -> Parsed<String> {
    if let Some((at, c, why)) = limits::chars::first_refused(text) {
        let why_text = format!(
            "contains {} U+{:04X} at character {at}",
            why.name(),
            u32::from(c)
        );
        let invalid = Invalid::new("invalid text", why_text);
        return Err(match why {
            // A line break has no hint: the message says what it is.
            limits::chars::Refused::Control => invalid,
            other => invalid.hint(other.hint()),
        });
    }
    for (i, c) in text.chars().enumerate() {
        if !gaiji && crate::font::is_private_use(c) {
            let why = format!(
                "contains private-use character U+{:04X} at character {}",
                u32::from(c),
                i + 1
            );
            return Err(Invalid::new("invalid text", why).hint(PUA_HINT));
        }
    }
    Ok(text.to_owned())
}

/// Full-width digits (０–９, common in municipal exports) → ASCII; everything else kept.
pub(crate) fn fold_digits(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.contains(|c| matches!(c, '０'..='９')) {
        return Cow::Borrowed(text);
    }
    let fold = |c: char| match c {
        '０'..='９' => char::from_digit(u32::from(c) - u32::from('０'), 10).unwrap_or(c),
        other => other,
    };
    Cow::Owned(text.chars().map(fold).collect())
}

fn whole_number(n: &Number, what: &'static str) -> Parsed<u64> {
    n.as_u64()
        .ok_or_else(|| Invalid::new(what, "expected a whole number of zero or more"))
}

/// A value made of digits: text with full-width digits folded, or a JSON whole number.
/// The flag tells that it came as a JSON number, whose leading zeros are lost.
fn digit_text<'a>(raw: Raw<'a>, what: &'static str) -> Parsed<(Cow<'a, str>, bool)> {
    match raw {
        Raw::Text(text) => Ok((fold_digits(text), false)),
        Raw::Number(n) => Ok((Cow::Owned(whole_number(n, what)?.to_string()), true)),
        other => Err(Invalid::new(
            what,
            format!("expected a string or number, found {}", other.kind()),
        )),
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The error for a digit string of the wrong shape, with a hint when a JSON number
/// probably lost its leading zeros.
fn wrong_digits(what: &'static str, expected: &str, text: &str, from_number: bool) -> Invalid {
    let found = if all_digits(text) {
        format!("{} digits", text.len())
    } else {
        "other characters".to_owned()
    };
    let invalid = Invalid::new(what, format!("expected {expected}, found {found}"));
    if from_number {
        invalid.hint("write it as a JSON string: a JSON number loses leading zeros")
    } else {
        invalid
    }
}

/// `kokuho` or `kouki`.
pub(crate) fn scheme(raw: Raw) -> Parsed<Scheme> {
    let what = "invalid scheme";
    match raw {
        Raw::Text("kokuho") => Ok(Scheme::Kokuho),
        Raw::Text("kouki") => Ok(Scheme::Kouki),
        Raw::Text("国保" | "国民健康保険") => {
            Err(Invalid::new(what, "expected kokuho or kouki").hint("write `kokuho`"))
        }
        Raw::Text("後期" | "後期高齢者医療") => {
            Err(Invalid::new(what, "expected kokuho or kouki").hint("write `kouki`"))
        }
        _ => Err(Invalid::new(what, "expected kokuho or kouki")),
    }
}

/// 保険者番号: 6 digits for kokuho; 8 digits starting 39 (法別番号 of 後期高齢者医療) for kouki; the
/// last digit is the 検証番号 of the others.
pub(crate) fn insurer_number(raw: Raw, scheme: Scheme) -> Parsed<String> {
    let what = "invalid insurer number";
    let (text, from_number) = digit_text(raw, what)?;
    let expected = match scheme {
        Scheme::Kokuho => "6 digits for kokuho",
        Scheme::Kouki => "8 digits starting 39 for kouki",
    };
    let fits = all_digits(&text)
        && match scheme {
            Scheme::Kokuho => text.len() == 6,
            Scheme::Kouki => text.len() == 8 && text.starts_with("39"),
        };
    if fits {
        checked_insurer_number(text.into_owned())
    } else if text.len() == 8 && all_digits(&text) && scheme == Scheme::Kouki {
        Err(Invalid::new(what, "a kouki insurer number starts with 39"))
    } else {
        Err(wrong_digits(what, expected, &text, from_number))
    }
}

/// A 保険者番号 of the right shape whose last digit is its 検証番号 ([`crate::insurer_number`]).
fn checked_insurer_number(text: String) -> Parsed<String> {
    match crate::insurer_number::verify(&text) {
        Ok(()) => Ok(text),
        Err((given, expected)) => Err(Invalid::new(
            "invalid insurer number",
            format!("check digit is {given}, the other digits call for {expected}"),
        )
        .hint("the last digit of a 保険者番号 is its 検証番号 (保険者番号設定要領): check the number with the insurer")),
    }
}

/// 番号: for kouki the 8-digit 被保険者番号; for kokuho any text (full-width digits folded).
pub(crate) fn number(raw: Raw, scheme: Scheme) -> Parsed<String> {
    let what = "invalid number";
    let (text, from_number) = digit_text(raw, what)?;
    match scheme {
        Scheme::Kouki if text.len() == 8 && all_digits(&text) => Ok(text.into_owned()),
        Scheme::Kouki => Err(wrong_digits(what, "8 digits for kouki", &text, from_number)),
        Scheme::Kokuho => checked_text(&text, false),
    }
}

/// 枝番: one or two digits, stored zero-padded to two (spreadsheets and JSON numbers drop
/// the leading zero; the document always prints two digits).
pub(crate) fn branch(raw: Raw) -> Parsed<String> {
    let what = "invalid branch number";
    let (text, from_number) = digit_text(raw, what)?;
    if all_digits(&text) && text.len() <= 2 {
        Ok(format!("{text:0>2}"))
    } else {
        Err(wrong_digits(what, "2 digits", &text, from_number))
    }
}

/// 郵便番号: 7 digits, with or without a hyphen after the third; stored without.
pub(crate) fn postal_code(raw: Raw) -> Parsed<String> {
    let what = "invalid postal code";
    let (text, from_number) = digit_text(raw, what)?;
    let hyphen = text.char_indices().nth(3).filter(|&(_, c)| is_hyphen(c));
    let digits = match hyphen {
        Some((at, c)) => [&text[..at], &text[at + c.len_utf8()..]].concat(),
        None => text.into_owned(),
    };
    if digits.len() == 7 && all_digits(&digits) {
        Ok(digits)
    } else {
        Err(wrong_digits(
            what,
            "7 digits, with or without a hyphen after the third",
            &digits,
            from_number,
        ))
    }
}

/// Hyphens seen in postal codes: ASCII, full-width, Unicode hyphen and minus, and the
/// katakana prolonged sound mark that Japanese input methods produce for `-`.
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '－' | '‐' | '−' | 'ー')
}

/// 性別: 男 or 女, or the codes 1 and 2.
pub(crate) fn sex(raw: Raw) -> Parsed<Sex> {
    let code = match raw {
        Raw::Text(text) => fold_digits(text),
        Raw::Number(n) => Cow::Owned(n.to_string()),
        _ => Cow::Borrowed(""),
    };
    match &*code {
        "男" | "1" => Ok(Sex::Male),
        "女" | "2" => Ok(Sex::Female),
        _ => Err(Invalid::new("invalid sex", "expected 男 or 女, or 1 or 2")),
    }
}

/// 負担割合: 1, 2 or 3, optionally followed by 割.
pub(crate) fn copay_ratio(raw: Raw) -> Parsed<u8> {
    let what = "invalid copay ratio";
    let (text, _) = digit_text(raw, what)?;
    match text.strip_suffix('割').unwrap_or(&text) {
        "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        _ => Err(Invalid::new(what, "expected 1, 2 or 3")),
    }
}

/// Why a holder applied for a 資格確認書: `要配慮`, or `緊急` (also written `紛失等`).
pub(crate) fn certificate_reason(raw: Raw) -> Parsed<CertificateReason> {
    match raw {
        Raw::Text("要配慮") => Ok(CertificateReason::Consideration),
        Raw::Text("緊急" | "紛失等") => Ok(CertificateReason::Emergency),
        _ => Err(Invalid::new(
            "invalid certificate reason",
            "expected 要配慮 or 緊急",
        )
        .hint("要配慮: the member cannot use the マイナ保険証 (要介護, 障害); 緊急: a lost or renewing card")),
    }
}

/// A yes/no flag: JSON true/false, or `true`/`false` (any case, as spreadsheets write
/// `TRUE`), or `1`/`0`. Words such as yes/no or 有/無 are refused: they invite spellings
/// nobody listed.
pub(crate) fn boolean(raw: Raw) -> Parsed<bool> {
    let what = "invalid boolean";
    let text = match raw {
        Raw::Bool(b) => return Ok(b),
        Raw::Number(n) => Cow::Owned(n.to_string()),
        Raw::Text(text) => fold_digits(text),
        other => {
            return Err(Invalid::new(
                what,
                format!("expected true or false, found {}", other.kind()),
            ))
        }
    };
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Invalid::new(what, "expected true or false, or 1 or 0")),
    }
}

/// A calendar date: `YYYY-MM-DD` (ISO 8601), or `YYYY/M/D` with one- or two-digit month
/// and day as spreadsheets export it. Full-width digits are folded. 和暦 is refused:
/// converting it is upstream's job, and a wrong era guess would print a wrong date.
pub(crate) fn date(raw: Raw) -> Parsed<NaiveDate> {
    let what = "invalid date";
    let text = match raw {
        Raw::Text(text) => fold_digits(text),
        other => {
            return Err(Invalid::new(
                what,
                format!("expected a string like 2025-08-01, found {}", other.kind()),
            ))
        }
    };
    let (year, month, day) = split_date(&text).ok_or_else(|| date_shape_error(&text))?;
    calendar_date(year, month, day)
}

/// Splits `YYYY-MM-DD` or `YYYY/M/D` into numbers.
fn split_date(text: &str) -> Option<(i32, u32, u32)> {
    let separator = if text.contains('/') { '/' } else { '-' };
    let mut parts = text.split(separator);
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let width_ok = match separator {
        '-' => month.len() == 2 && day.len() == 2,
        _ => (1..=2).contains(&month.len()) && (1..=2).contains(&day.len()),
    };
    if parts.next().is_some() || year.len() != 4 || !width_ok {
        return None;
    }
    if ![year, month, day].iter().all(|p| all_digits(p)) {
        return None;
    }
    Some((year.parse().ok()?, month.parse().ok()?, day.parse().ok()?))
}

fn date_shape_error(text: &str) -> Invalid {
    let invalid = Invalid::new("invalid date", "expected YYYY-MM-DD or YYYY/MM/DD");
    let era = [
        "明治", "大正", "昭和", "平成", "令和", "M", "T", "S", "H", "R",
    ];
    if era.iter().any(|e| text.starts_with(e)) {
        invalid.hint(
            "convert 和暦 to the Gregorian calendar upstream, e.g. 令和7年8月1日 → 2025-08-01",
        )
    } else if text.len() == 8 && all_digits(text) {
        invalid.hint("write YYYYMMDD as YYYY-MM-DD")
    } else {
        invalid
    }
}

/// Checks that year, month and day name a real day, and says why not.
fn calendar_date(year: i32, month: u32, day: u32) -> Parsed<NaiveDate> {
    let invalid = |why: String| Invalid::new("invalid date", why);
    if year < 1868 {
        return Err(invalid(
            "year is before 1868, the first year of 明治".into(),
        ));
    }
    if !(1..=12).contains(&month) {
        return Err(invalid("month must be 1 to 12".into()));
    }
    if !(1..=31).contains(&day) {
        return Err(invalid("day must be 1 to 31".into()));
    }
    if year > LAST_YEAR {
        return Err(invalid(format!(
            "year is after {LAST_YEAR}, the last year accepted"
        )));
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| match (month, day) {
        // The year itself stays out: for `birth_date` it is personal data.
        (2, 29) => invalid("February 29 in a year that is not a leap year".into()),
        _ => invalid("day is past the end of the month".into()),
    })?;
    if date < crate::era::ERAS[0].first_day() {
        return Err(invalid(
            "date is before 1868-01-25, the first day of 明治".into(),
        ));
    }
    Ok(date)
}

/// The last year a date may have. Dates on these documents run a few years ahead at most
/// (an 有効期限, a 在留期間満了日); a year past 2099 is a typing or export error, and 和暦
/// printing is only defined up to a known horizon.
pub(crate) const LAST_YEAR: i32 = 2099;

#[cfg(test)]
mod tests {
    use super::*;

    fn why<T: std::fmt::Debug>(result: Parsed<T>) -> String {
        result.expect_err("value should be refused").why
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn present_trims_ascii_whitespace_and_drops_blanks() {
        assert!(matches!(
            Raw::Text("  佐藤 太郎\t").present(),
            Some(Raw::Text("佐藤 太郎"))
        ));
        assert!(Raw::Text(" \t ").present().is_none());
        assert!(Raw::Null.present().is_none());
        assert!(matches!(
            Raw::Text("\u{3000}佐藤").present(),
            Some(Raw::Text("\u{3000}佐藤"))
        ));
    }

    #[test]
    fn white_space_of_any_kind_alone_counts_as_absent() {
        for blank in [
            "\u{3000}",
            "\u{A0}",
            " \u{3000}\u{3000} ",
            "\u{2003}\u{202F}",
            "\u{205F}",
        ] {
            assert!(Raw::Text(blank).present().is_none(), "{blank:?}");
        }
        assert_eq!(Raw::Text(" \u{3000}").blank_space(), Some('\u{3000}'));
        assert_eq!(Raw::Text("  ").blank_space(), None);
        assert_eq!(Raw::Text("佐藤").blank_space(), None);
        // Zero-width characters are not white space: they are refused by name.
        assert!(Raw::Text("\u{200B}").present().is_some());
        assert_eq!(
            why(text(Raw::Text("\u{200B}"))),
            "contains invisible character U+200B at character 1"
        );
    }

    #[test]
    fn text_keeps_ideographic_variation_sequences() {
        let name = "葛\u{E0100}飾 太郎";
        assert_eq!(text(Raw::Text(name)).as_deref(), Ok(name));
    }

    #[test]
    fn text_keeps_private_use_for_the_gaiji_map_but_identifiers_refuse_it() {
        assert_eq!(
            text(Raw::Text("佐\u{E001}藤")).as_deref(),
            Ok("佐\u{E001}藤")
        );
        let err = identifier(Raw::Text("H\u{E001}")).expect_err("PUA");
        assert_eq!(
            err.why,
            "contains private-use character U+E001 at character 2"
        );
        assert!(identifier(Raw::Text("\u{F0001}")).is_err());
        assert!(identifier(Raw::Text("\u{10FFFD}")).is_err());
    }

    #[test]
    fn text_refuses_control_characters_and_replacement_character() {
        assert_eq!(
            why(text(Raw::Text("高崎市\n八島町"))),
            "contains control character U+000A at character 4"
        );
        assert!(text(Raw::Text("a\u{7F}")).is_err());
        assert!(text(Raw::Text("a\u{85}")).is_err());
        assert!(why(text(Raw::Text("佐\u{FFFD}"))).contains("U+FFFD"));
        assert_eq!(
            why(text(Raw::Text("佐藤\u{FFFF}"))),
            "contains noncharacter U+FFFF at character 3"
        );
        assert_eq!(
            why(text(Raw::Text("\u{202E}佐藤"))),
            "contains bidirectional control character U+202E at character 1"
        );
        assert!(text(Raw::Text("佐\u{2028}藤")).is_err());
        assert!(text(Raw::Text("葛\u{FE00}飾")).is_ok());
    }

    #[test]
    fn text_refuses_numbers_but_identifiers_take_whole_numbers() {
        let n = Number::from(1042u64);
        assert_eq!(
            why(text(Raw::Number(&n))),
            "expected a string, found a number"
        );
        assert_eq!(identifier(Raw::Number(&n)).as_deref(), Ok("1042"));
        let negative = Number::from(-1i64);
        assert!(identifier(Raw::Number(&negative)).is_err());
    }

    #[test]
    fn fold_digits_turns_full_width_digits_into_ascii() {
        assert_eq!(fold_digits("１０２０２０"), "102020");
        assert_eq!(fold_digits("３７０－０８０１"), "370－0801");
        assert!(matches!(fold_digits("123"), Cow::Borrowed(_)));
    }

    #[test]
    fn scheme_takes_the_two_names_and_hints_at_japanese() {
        assert_eq!(scheme(Raw::Text("kokuho")), Ok(Scheme::Kokuho));
        assert_eq!(scheme(Raw::Text("kouki")), Ok(Scheme::Kouki));
        assert_eq!(
            scheme(Raw::Text("後期"))
                .expect_err("japanese")
                .hint
                .as_deref(),
            Some("write `kouki`")
        );
        assert!(scheme(Raw::Text("Kokuho")).is_err());
    }

    #[test]
    fn insurer_number_follows_the_scheme() {
        assert_eq!(
            insurer_number(Raw::Text("102020"), Scheme::Kokuho).as_deref(),
            Ok("102020")
        );
        assert_eq!(
            insurer_number(Raw::Text("１０２０２０"), Scheme::Kokuho).as_deref(),
            Ok("102020")
        );
        assert_eq!(
            insurer_number(Raw::Text("39102017"), Scheme::Kouki).as_deref(),
            Ok("39102017")
        );
        assert_eq!(
            why(insurer_number(Raw::Text("10202"), Scheme::Kokuho)),
            "expected 6 digits for kokuho, found 5 digits"
        );
        assert_eq!(
            why(insurer_number(Raw::Text("10202a"), Scheme::Kokuho)),
            "expected 6 digits for kokuho, found other characters"
        );
        assert_eq!(
            why(insurer_number(Raw::Text("12345678"), Scheme::Kouki)),
            "a kouki insurer number starts with 39"
        );
        assert!(insurer_number(Raw::Text("102020"), Scheme::Kouki).is_err());
    }

    /// Issue 11 item 2: the reason of an application for a 資格確認書.
    #[test]
    fn certificate_reasons() {
        assert_eq!(
            certificate_reason(Raw::Text("要配慮")),
            Ok(CertificateReason::Consideration)
        );
        for emergency in ["緊急", "紛失等"] {
            assert_eq!(
                certificate_reason(Raw::Text(emergency)),
                Ok(CertificateReason::Emergency)
            );
        }
        for bad in [Raw::Text("介護"), Raw::Bool(true), Raw::Text("要　配慮")] {
            assert_eq!(
                certificate_reason(bad).map_err(|e| e.why),
                Err("expected 要配慮 or 緊急".into())
            );
        }
    }

    /// Issue 11 item 4: the 検証番号 of the 保険者番号設定要領.
    #[test]
    fn insurer_number_check_digit() {
        assert_eq!(
            why(insurer_number(Raw::Text("39102013"), Scheme::Kouki)),
            "check digit is 3, the other digits call for 7"
        );
        assert_eq!(
            why(insurer_number(Raw::Text("39100015"), Scheme::Kouki)),
            "check digit is 5, the other digits call for 1"
        );
        let err = insurer_number(Raw::Text("100017"), Scheme::Kokuho).expect_err("bad digit");
        assert!(err.hint.is_some_and(|h| h.contains("検証番号")));
        assert!(insurer_number(Raw::Text("１０００１６"), Scheme::Kokuho).is_ok());
    }

    #[test]
    fn insurer_number_as_json_number_hints_at_lost_zeros() {
        let n = Number::from(10017u64);
        let err = insurer_number(Raw::Number(&n), Scheme::Kokuho).expect_err("5 digits");
        assert!(err
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("leading zeros")));
    }

    #[test]
    fn number_is_eight_digits_for_kouki_and_text_for_kokuho() {
        assert_eq!(
            number(Raw::Text("１２３４５６７８"), Scheme::Kouki).as_deref(),
            Ok("12345678")
        );
        assert_eq!(
            why(number(Raw::Text("1234567"), Scheme::Kouki)),
            "expected 8 digits for kouki, found 7 digits"
        );
        assert_eq!(
            number(Raw::Text("００１２３"), Scheme::Kokuho).as_deref(),
            Ok("00123")
        );
        assert!(number(Raw::Text("12\u{E000}"), Scheme::Kokuho).is_err());
    }

    #[test]
    fn branch_is_zero_padded_to_two_digits() {
        assert_eq!(branch(Raw::Text("01")).as_deref(), Ok("01"));
        assert_eq!(branch(Raw::Text("1")).as_deref(), Ok("01"));
        assert_eq!(
            branch(Raw::Number(&Number::from(2u64))).as_deref(),
            Ok("02")
        );
        assert_eq!(branch(Raw::Text("０３")).as_deref(), Ok("03"));
        assert_eq!(
            why(branch(Raw::Text("123"))),
            "expected 2 digits, found 3 digits"
        );
        assert!(branch(Raw::Text("a")).is_err());
    }

    #[test]
    fn postal_code_drops_the_hyphen() {
        assert_eq!(postal_code(Raw::Text("370-0801")).as_deref(), Ok("3700801"));
        assert_eq!(postal_code(Raw::Text("3700801")).as_deref(), Ok("3700801"));
        assert_eq!(
            postal_code(Raw::Text("３７０－０８０１")).as_deref(),
            Ok("3700801")
        );
        assert_eq!(
            postal_code(Raw::Text("370ー0801")).as_deref(),
            Ok("3700801")
        );
        assert!(postal_code(Raw::Text("3700-801")).is_err());
        assert!(postal_code(Raw::Text("370-080")).is_err());
        assert!(postal_code(Raw::Text("370--0801")).is_err());
    }

    #[test]
    fn sex_takes_kanji_and_codes() {
        assert_eq!(sex(Raw::Text("男")), Ok(Sex::Male));
        assert_eq!(sex(Raw::Text("2")), Ok(Sex::Female));
        assert_eq!(sex(Raw::Text("１")), Ok(Sex::Male));
        assert_eq!(sex(Raw::Number(&Number::from(2u64))), Ok(Sex::Female));
        assert!(sex(Raw::Text("M")).is_err());
        assert!(sex(Raw::Text("3")).is_err());
    }

    #[test]
    fn copay_ratio_is_one_to_three() {
        assert_eq!(copay_ratio(Raw::Text("3")), Ok(3));
        assert_eq!(copay_ratio(Raw::Text("２割")), Ok(2));
        assert_eq!(copay_ratio(Raw::Number(&Number::from(1u64))), Ok(1));
        assert_eq!(why(copay_ratio(Raw::Text("4"))), "expected 1, 2 or 3");
        assert!(copay_ratio(Raw::Text("0")).is_err());
        assert!(copay_ratio(Raw::Number(&Number::from_f64(2.5).expect("finite"))).is_err());
    }

    #[test]
    fn boolean_spellings() {
        for yes in [
            Raw::Bool(true),
            Raw::Text("true"),
            Raw::Text("TRUE"),
            Raw::Text("1"),
            Raw::Number(&Number::from(1u64)),
        ] {
            assert_eq!(boolean(yes), Ok(true));
        }
        for no in [
            Raw::Bool(false),
            Raw::Text("False"),
            Raw::Text("0"),
            Raw::Text("０"),
        ] {
            assert_eq!(boolean(no), Ok(false));
        }
        assert_eq!(
            why(boolean(Raw::Text("yes"))),
            "expected true or false, or 1 or 0"
        );
        assert!(boolean(Raw::Text("有")).is_err());
        assert!(boolean(Raw::Number(&Number::from(2u64))).is_err());
    }

    #[test]
    fn date_takes_iso_and_slashes() {
        assert_eq!(date(Raw::Text("2025-08-01")), Ok(ymd(2025, 8, 1)));
        assert_eq!(date(Raw::Text("2025/08/01")), Ok(ymd(2025, 8, 1)));
        assert_eq!(date(Raw::Text("2025/8/1")), Ok(ymd(2025, 8, 1)));
        assert_eq!(date(Raw::Text("１９５０-０４-０１")), Ok(ymd(1950, 4, 1)));
        assert_eq!(date(Raw::Text("1924-02-29")), Ok(ymd(1924, 2, 29)));
    }

    #[test]
    fn date_refuses_other_shapes() {
        for bad in [
            "2025-8-1",
            "2025-08/01",
            "25-08-01",
            "2025-08-01T00:00",
            "2025-08",
            "2025 08 01",
            "+2025-08-01",
        ] {
            assert_eq!(
                why(date(Raw::Text(bad))),
                "expected YYYY-MM-DD or YYYY/MM/DD",
                "{bad}"
            );
        }
        let hint = |t| date(Raw::Text(t)).expect_err("shape").hint;
        assert!(hint("令和7年8月1日").is_some_and(|h| h.contains("和暦")));
        assert!(hint("R07.08.01").is_some());
        assert_eq!(
            hint("20250801").as_deref(),
            Some("write YYYYMMDD as YYYY-MM-DD")
        );
        assert!(date(Raw::Number(&Number::from(20250801u64))).is_err());
    }

    #[test]
    fn date_says_why_a_day_does_not_exist() {
        assert_eq!(
            why(date(Raw::Text("2024-02-30"))),
            "day is past the end of the month"
        );
        assert_eq!(
            why(date(Raw::Text("2025-04-31"))),
            "day is past the end of the month"
        );
        assert_eq!(
            why(date(Raw::Text("2023-02-29"))),
            "February 29 in a year that is not a leap year"
        );
        assert_eq!(
            why(date(Raw::Text("1900-02-29"))),
            "February 29 in a year that is not a leap year"
        );
        assert_eq!(why(date(Raw::Text("2025-13-01"))), "month must be 1 to 12");
        assert_eq!(why(date(Raw::Text("2025-00-10"))), "month must be 1 to 12");
        assert_eq!(why(date(Raw::Text("2025-01-00"))), "day must be 1 to 31");
        assert_eq!(why(date(Raw::Text("2025/1/32"))), "day must be 1 to 31");
        assert_eq!(
            why(date(Raw::Text("0205-08-01"))),
            "year is before 1868, the first year of 明治"
        );
        assert_eq!(
            why(date(Raw::Text("1868-01-24"))),
            "date is before 1868-01-25, the first day of 明治"
        );
        assert_eq!(date(Raw::Text("1868-01-25")), Ok(ymd(1868, 1, 25)));
        assert_eq!(date(Raw::Text("2099-12-31")), Ok(ymd(2099, 12, 31)));
        assert_eq!(
            why(date(Raw::Text("2100-01-01"))),
            "year is after 2099, the last year accepted"
        );
        assert!(date(Raw::Text("9999-12-31")).is_err());
    }
}
