//! Conversions from a municipal export's spellings to the record contract's: code tables,
//! booleans, date forms (元号コード, YYYYMMDD, 和暦 text), trimming and joins.
//!
//! A conversion only rewrites the spelling. The value then goes through the same field rules
//! as every other input (`super::super::value`), so a converted date that does not exist is
//! refused with the same reason as a typed one.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::super::value::{fold_digits, Invalid};
use crate::era::{Era, ERAS};

/// How one field's source text becomes the contract's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// The text as it is (after trimming).
    Text,
    /// A code table: source code → contract value (`"1" → "男"`). The key `""` gives the
    /// value for a blank source.
    Codes(BTreeMap<String, String>),
    /// Spellings of true and false (`"1"`, `"有"`); a blank not listed is left empty.
    Boolean { yes: Vec<String>, no: Vec<String> },
    /// A date form other than the contract's own.
    Date(DateForm),
}

/// The date forms a profile can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateForm {
    /// `20250801`.
    Yyyymmdd,
    /// 元号コード and YYMMDD in seven digits: `5070801` = 令和7年8月1日. The table gives the era
    /// of each code digit.
    EraCode(BTreeMap<char, Era>),
    /// 和暦 text: `令和7年8月1日`, `令和元年5月1日`, `R7.8.1`, `H31/4/30`, `S350512`.
    Wareki,
}

/// The usual 元号コード: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 (the order of [`ERAS`]).
pub(crate) fn default_era_codes() -> BTreeMap<char, Era> {
    ('1'..='5').zip(ERAS).collect()
}

/// Which padding to trim from a source value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trim {
    /// Half-width and full-width spaces at both ends (the default).
    Both,
    /// At the end only: a leading full-width space is kept.
    End,
    /// Nothing (the record contract still trims ASCII whitespace).
    None,
}

impl Trim {
    /// The value without its padding.
    pub(crate) fn apply(self, text: &str) -> &str {
        // Most values have no padding left (the fixed-width reader cuts it before decoding):
        // their end bytes settle it. U+3000 is E3 80 80 in UTF-8.
        let bytes = text.as_bytes();
        let padded = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | 0xE3 | 0x80));
        if !padded(bytes.first()) && !padded(bytes.last()) {
            return text;
        }
        let pad = |c: char| c == ' ' || c == '\t' || c == '\u{3000}';
        match self {
            Trim::Both => text.trim_matches(pad),
            Trim::End => text.trim_end_matches(pad),
            Trim::None => text,
        }
    }
}

fn invalid(what: &'static str, why: impl Into<String>, hint: Option<&str>) -> Invalid {
    Invalid {
        what,
        why: why.into(),
        hint: hint.map(str::to_owned),
    }
}

impl Conversion {
    /// Appends the contract's spelling of `text` (already trimmed) to `out`; nothing for a
    /// value left empty, and nothing on an error. Writing into the record's reused value
    /// rather than returning a string keeps a date from costing an allocation and a `format!`
    /// (a fifth of a fixed-width record's reading time before).
    pub(crate) fn write(&self, text: &str, out: &mut String) -> Result<(), Invalid> {
        match self {
            Conversion::Text => out.push_str(text),
            Conversion::Codes(table) => out.push_str(code(table, text)?.unwrap_or_default()),
            Conversion::Boolean { yes, no } => {
                out.push_str(boolean(yes, no, text)?.unwrap_or_default())
            }
            Conversion::Date(_) if text.is_empty() || is_zero_date(text) => {}
            Conversion::Date(form) => form.write(text, out)?,
        }
        Ok(())
    }
}

fn code<'t>(table: &'t BTreeMap<String, String>, text: &str) -> Result<Option<&'t str>, Invalid> {
    let found = table
        .get(text)
        .or_else(|| table.get(fold_digits(text).as_ref()));
    match found {
        Some(value) => Ok(Some(value.as_str())),
        None if text.is_empty() => Ok(None),
        None => {
            let known: Vec<String> = table.keys().take(12).map(|k| format!("`{k}`")).collect();
            Err(invalid(
                "unknown code",
                format!("not in the profile's code table: {}", known.join(", ")),
                Some("add the code to the field's `codes` in the input profile"),
            ))
        }
    }
}

fn boolean(yes: &[String], no: &[String], text: &str) -> Result<Option<&'static str>, Invalid> {
    let folded = fold_digits(text);
    let is = |list: &[String]| list.iter().any(|s| s == text || *s == folded);
    if is(yes) {
        Ok(Some("true"))
    } else if is(no) {
        Ok(Some("false"))
    } else if text.is_empty() {
        Ok(None)
    } else {
        let spellings: Vec<String> = yes.iter().chain(no).map(|s| format!("`{s}`")).collect();
        Err(invalid(
            "invalid boolean",
            format!("expected one of {}", spellings.join(", ")),
            Some("add the spelling to the field's `boolean` in the input profile"),
        ))
    }
}

/// Host systems write zeros for "no date" (`00000000`, `0000000`).
fn is_zero_date(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b == b'0')
}

impl DateForm {
    /// Appends the date as `YYYY-MM-DD`, for the contract's date rule to check.
    fn write(&self, text: &str, out: &mut String) -> Result<(), Invalid> {
        let digits = fold_digits(text);
        let (year, month, day) = match self {
            DateForm::Yyyymmdd => yyyymmdd(&digits)?,
            DateForm::EraCode(codes) => era_code(codes, &digits)?,
            DateForm::Wareki => wareki(&digits)?,
        };
        let mut iso = *b"0000-00-00";
        put_digits(&mut iso[..4], year);
        put_digits(&mut iso[5..7], month);
        put_digits(&mut iso[8..], day);
        out.push_str(std::str::from_utf8(&iso).unwrap_or_default());
        Ok(())
    }
}

/// Writes `n` into `digits` as decimal digits, zero-padded. Every caller's numbers fit: a
/// year from four digits or an era's (at most two-digit) year, a month and a day of at most
/// two digits.
fn put_digits(digits: &mut [u8], mut n: u32) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A number out of a string of ASCII digits, by byte range.
fn number(text: &str, range: std::ops::Range<usize>) -> u32 {
    text[range].parse().unwrap_or(0)
}

/// A year, month and day, for [`DateForm::write`].
type Ymd = (u32, u32, u32);

fn yyyymmdd(text: &str) -> Result<Ymd, Invalid> {
    if text.len() != 8 || !all_digits(text) {
        return Err(invalid(
            "invalid date",
            "expected 8 digits (YYYYMMDD)",
            None,
        ));
    }
    Ok((number(text, 0..4), number(text, 4..6), number(text, 6..8)))
}

fn era_code(codes: &BTreeMap<char, Era>, text: &str) -> Result<Ymd, Invalid> {
    if text.len() != 7 || !all_digits(text) {
        return Err(invalid(
            "invalid date",
            "expected 7 digits: 元号コード and YYMMDD",
            None,
        ));
    }
    let code = text.chars().next().unwrap_or('0');
    let Some(&era) = codes.get(&code) else {
        let known: Vec<String> = codes
            .iter()
            .map(|(c, e)| format!("{c} {}", e.name()))
            .collect();
        return Err(invalid(
            "invalid date",
            format!(
                "元号コード {code} is not in the table ({})",
                known.join(", ")
            ),
            Some("give the export's codes in the field's `era_codes`"),
        ));
    };
    in_era(
        era,
        number(text, 1..3),
        number(text, 3..5),
        number(text, 5..7),
    )
}

/// Era names and their abbreviations (JIS X 0301: M, T, S, H, R in either case; and the
/// first kanji).
fn era_prefix(text: &str) -> Option<(Era, &str)> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let after_first = chars.as_str();
    ERAS.iter().find_map(|&era| {
        let name = era.name();
        let initial = match name {
            "明治" => 'M',
            "大正" => 'T',
            "昭和" => 'S',
            "平成" => 'H',
            _ => 'R',
        };
        if let Some(rest) = text.strip_prefix(name) {
            return Some((era, rest));
        }
        let abbreviated = name.starts_with(first) || first.eq_ignore_ascii_case(&initial);
        abbreviated.then_some((era, after_first))
    })
}

/// Full-width Latin letters (Ｒ７．８．１) and spaces inside the date are accidents of typing.
fn tidy_wareki(text: &str) -> Cow<'_, str> {
    let wide = |c: char| matches!(c, 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '．' | '／' | '－');
    if !text.contains(|c| wide(c) || c == ' ' || c == '\u{3000}') {
        return Cow::Borrowed(text);
    }
    let narrow = |c: char| match c {
        c if wide(c) => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        other => other,
    };
    Cow::Owned(
        text.chars()
            .filter(|c| !matches!(c, ' ' | '\u{3000}'))
            .map(narrow)
            .collect(),
    )
}

fn wareki(text: &str) -> Result<Ymd, Invalid> {
    let shape = || {
        invalid(
            "invalid date",
            "expected a 和暦 date like 令和7年8月1日 or R7.8.1",
            None,
        )
    };
    let tidy = tidy_wareki(text);
    let (era, rest) = era_prefix(&tidy).ok_or_else(shape)?;
    let parts = if rest.contains('年') {
        three(rest.trim_end_matches('日').split(['年', '月']))
    } else if rest.contains(['.', '/', '-']) {
        three(rest.split(['.', '/', '-']))
    } else if rest.len() == 6 && all_digits(rest) {
        Some([&rest[..2], &rest[2..4], &rest[4..]])
    } else {
        None
    };
    let number = |p: &str| (all_digits(p) && p.len() <= 2).then(|| number(p, 0..p.len()));
    let [year, month, day] = parts.ok_or_else(shape)?;
    // 元年 is the first year of an era.
    let year = if year == "元" { Some(1) } else { number(year) };
    match (year, number(month), number(day)) {
        (Some(year), Some(month), Some(day)) => in_era(era, year, month, day),
        _ => Err(shape()),
    }
}

/// Exactly three parts, or `None`.
fn three<'a>(mut parts: impl Iterator<Item = &'a str>) -> Option<[&'a str; 3]> {
    let three = [parts.next()?, parts.next()?, parts.next()?];
    parts.next().is_none().then_some(three)
}

/// The Gregorian date of a year, month and day of an era, refused when it falls outside the
/// era: 平成31年5月1日 does not exist (令和 began that day). A day that exists in no calendar
/// (2月30日) is left for the contract's date rule, which says why.
fn in_era(era: Era, year: u32, month: u32, day: u32) -> Result<Ymd, Invalid> {
    if year == 0 {
        return Err(invalid(
            "invalid date",
            "the year of an era starts at 1 (元年)",
            None,
        ));
    }
    // Eras begin in 1868 or later, and an era's year has at most two digits.
    let gregorian = era.first_day().year().unsigned_abs() + year - 1;
    let ymd = (gregorian, month, day);
    let Some(date) = NaiveDate::from_ymd_opt(gregorian as i32, month, day) else {
        return Ok(ymd);
    };
    let next = ERAS.iter().find(|e| e.first_day() > era.first_day());
    if date < era.first_day() {
        return Err(invalid(
            "invalid date",
            format!(
                "before the first day of {} ({})",
                era.name(),
                era.first_day()
            ),
            None,
        ));
    }
    if let Some(next) = next.filter(|n| date >= n.first_day()) {
        let last = next.first_day().pred_opt().unwrap_or(next.first_day());
        return Err(invalid(
            "invalid date",
            format!("after the last day of {} ({last})", era.name()),
            Some(&format!(
                "from {} on, write the date in {}",
                next.first_day(),
                next.name()
            )),
        ));
    }
    Ok(ymd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a conversion writes into an empty value; `None` for nothing.
    fn apply(conversion: &Conversion, text: &str) -> Result<Option<String>, Invalid> {
        let mut out = String::new();
        conversion.write(text, &mut out)?;
        Ok(Some(out).filter(|o| !o.is_empty()))
    }

    fn date(form: &DateForm, text: &str) -> Result<Option<String>, Invalid> {
        apply(&Conversion::Date(form.clone()), text)
    }

    fn ok(form: &DateForm, text: &str) -> String {
        date(form, text)
            .unwrap_or_else(|e| panic!("{text}: {}", e.why))
            .unwrap_or_default()
    }

    fn why(form: &DateForm, text: &str) -> String {
        date(form, text).expect_err("refused").why
    }

    #[test]
    fn era_codes_map_to_the_eras() {
        let form = DateForm::EraCode(default_era_codes());
        assert_eq!(ok(&form, "5070801"), "2025-08-01");
        assert_eq!(ok(&form, "4310430"), "2019-04-30");
        assert_eq!(ok(&form, "5010501"), "2019-05-01");
        assert_eq!(ok(&form, "3350512"), "1960-05-12");
        assert_eq!(ok(&form, "2150101"), "1926-01-01");
        assert_eq!(ok(&form, "1450729"), "1912-07-29");
        assert_eq!(ok(&form, "５０７０８０１"), "2025-08-01");
        assert_eq!(date(&form, "0000000").ok(), Some(None));
    }

    #[test]
    fn era_code_dates_outside_their_era_are_refused() {
        let form = DateForm::EraCode(default_era_codes());
        assert_eq!(
            why(&form, "4310501"),
            "after the last day of 平成 (2019-04-30)"
        );
        assert_eq!(
            why(&form, "5010430"),
            "before the first day of 令和 (2019-05-01)"
        );
        assert_eq!(
            why(&form, "5000801"),
            "the year of an era starts at 1 (元年)"
        );
        assert_eq!(
            why(&form, "6070801"),
            "元号コード 6 is not in the table (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和)"
        );
        assert_eq!(
            why(&form, "507081"),
            "expected 7 digits: 元号コード and YYMMDD"
        );
        // A day no calendar has is passed on, for the contract's rule to name.
        assert_eq!(ok(&form, "5070230"), "2025-02-30");
    }

    #[test]
    fn era_codes_can_follow_another_table() {
        // 日本年金機構's forms number the eras 5 昭和, 7 平成, 9 令和.
        let codes = [('5', ERAS[2]), ('7', ERAS[3]), ('9', ERAS[4])].into();
        let form = DateForm::EraCode(codes);
        assert_eq!(ok(&form, "9070801"), "2025-08-01");
        assert_eq!(ok(&form, "5350512"), "1960-05-12");
    }

    #[test]
    fn wareki_text_in_its_usual_spellings() {
        let form = DateForm::Wareki;
        for text in [
            "令和7年8月1日",
            "令和 7年 8月 1日",
            "令和７年８月１日",
            "R7.8.1",
            "R07.08.01",
            "r7/8/1",
            "Ｒ７．８．１",
            "R070801",
            "令7.8.1",
        ] {
            assert_eq!(ok(&form, text), "2025-08-01", "{text}");
        }
        assert_eq!(ok(&form, "令和元年5月1日"), "2019-05-01");
        assert_eq!(ok(&form, "H31.4.30"), "2019-04-30");
        assert_eq!(ok(&form, "S35.5.12"), "1960-05-12");
        assert_eq!(ok(&form, "昭和64年1月7日"), "1989-01-07");
        assert_eq!(ok(&form, "T15.12.24"), "1926-12-24");
    }

    #[test]
    fn wareki_text_outside_its_era_or_misshapen_is_refused() {
        let form = DateForm::Wareki;
        assert_eq!(
            why(&form, "H31.5.1"),
            "after the last day of 平成 (2019-04-30)"
        );
        assert_eq!(
            why(&form, "昭和64年1月8日"),
            "after the last day of 昭和 (1989-01-07)"
        );
        for bad in [
            "2025-08-01",
            "令和",
            "R7.8",
            "R7.8.1.2",
            "X7.8.1",
            "R123.8.1",
            "令和7年8月",
        ] {
            assert_eq!(
                why(&form, bad),
                "expected a 和暦 date like 令和7年8月1日 or R7.8.1",
                "{bad}"
            );
        }
    }

    #[test]
    fn yyyymmdd_dates() {
        assert_eq!(ok(&DateForm::Yyyymmdd, "20250801"), "2025-08-01");
        assert_eq!(date(&DateForm::Yyyymmdd, "00000000").ok(), Some(None));
        assert_eq!(
            why(&DateForm::Yyyymmdd, "2025081"),
            "expected 8 digits (YYYYMMDD)"
        );
    }

    #[test]
    fn code_tables_map_codes_and_blanks() {
        let table: BTreeMap<String, String> = [("1", "男"), ("2", "女")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let codes = Conversion::Codes(table.clone());
        assert_eq!(apply(&codes, "1").unwrap().as_deref(), Some("男"));
        assert_eq!(apply(&codes, "２").unwrap().as_deref(), Some("女"));
        assert_eq!(apply(&codes, "").unwrap(), None);
        let err = apply(&codes, "9").expect_err("unknown");
        assert_eq!(err.why, "not in the profile's code table: `1`, `2`");
        let mut with_blank = table;
        with_blank.insert(String::new(), "女".into());
        let codes = Conversion::Codes(with_blank);
        assert_eq!(apply(&codes, "").unwrap().as_deref(), Some("女"));
    }

    #[test]
    fn booleans_take_the_profile_spellings() {
        let flag = Conversion::Boolean {
            yes: vec!["1".into(), "有".into()],
            no: vec!["0".into(), "無".into()],
        };
        let apply = |t: &str| apply(&flag, t);
        assert_eq!(apply("有").unwrap().as_deref(), Some("true"));
        assert_eq!(apply("０").unwrap().as_deref(), Some("false"));
        assert_eq!(apply("").unwrap(), None);
        assert_eq!(
            apply("○").expect_err("unlisted").why,
            "expected one of `1`, `有`, `0`, `無`"
        );
    }

    #[test]
    fn trimming_takes_half_and_full_width_padding() {
        assert_eq!(Trim::Both.apply("\u{3000}佐藤\u{3000}\u{3000}  "), "佐藤");
        assert_eq!(Trim::End.apply("\u{3000}佐藤\u{3000} "), "\u{3000}佐藤");
        assert_eq!(Trim::None.apply(" 佐藤\u{3000}"), " 佐藤\u{3000}");
    }
}
