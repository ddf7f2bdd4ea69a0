//! The issuer profile's `[rules]` table: what differs by insurer.
//!
//! Values are checked while the profile is read, so a bad profile stops the run with the TOML
//! position of the bad key (style §3: stop early on bad config). [`Rules::cycle_start_month_day`]
//! and [`Rules::check`] repeat the checks for rules built in code, which skip deserialization.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The longest validity the law allows an insurer to set: 5 years (厚生労働省 全国高齢者医療・
/// 国民健康保険主管課（部）長会議資料, 令和7年3月: 「有効期間は5年以内で保険者が設定」).
const MAX_CYCLE_YEARS: u32 = 5;

/// What differs by insurer; read from the issuer profile's `[rules]` table.
/// Every field has the most common insurers' rule as its default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// The cycle's first day as `MM-DD` (default `08-01`; 豊橋市 `12-02`, 港区 `10-01`).
    /// `02-29` is refused: the cycle starts every year.
    #[serde(deserialize_with = "de_month_day")]
    pub cycle_start: String,
    /// Validity in years of a kokuho document without 負担割合 (under 70), 1–5 (default 1;
    /// 中野区 gives 2).
    #[serde(deserialize_with = "de_cycle_years")]
    pub cycle_years_under_70: u32,
    /// Validity in years of a kokuho 高齢受給者 (70–74) document and of every kouki document, 1–5
    /// (default 1). Their 負担割合 is judged again every 8月1日 (品川区, 山梨市 pages), so
    /// insurers renew them yearly; 中野区 gives 70+ one year while under-70s get two.
    #[serde(deserialize_with = "de_cycle_years")]
    pub cycle_years_70_plus: u32,
    /// Last day of the kouki interim rule under which every kouki member gets a 資格確認書
    /// (default 2026-07-31). A TOML date (`2026-07-31`) or an ISO string (`"2026-07-31"`).
    #[serde(deserialize_with = "de_date")]
    pub kouki_interim_end: NaiveDate,
    /// N in 最上地区広域連合 Q&A (令和6年11月) Q11's 「手続き日の翌月からNか月後の月末」: the 資格確認書 a マイナ保険証 holder
    /// applies for expires at the end of the Nth month after the month following the
    /// application, 1–12 (default 3). See docs/eligibility.md for this reading.
    #[serde(deserialize_with = "de_emergency_months")]
    pub emergency_months: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            cycle_start: "08-01".into(),
            cycle_years_under_70: 1,
            cycle_years_70_plus: 1,
            kouki_interim_end: NaiveDate::from_ymd_opt(2026, 7, 31).expect("valid date"),
            emergency_months: 3,
        }
    }
}

/// Occurs when a `[rules]` value is out of its allowed form (only for rules built in code:
/// profiles are checked while they are read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    /// The offending key.
    pub field: &'static str,
    /// The value given.
    pub given: String,
    /// What the key accepts.
    pub expected: &'static str,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "invalid `{}` in [rules] ({} given, expected {})",
            self.field, self.given, self.expected
        )
    }
}

impl std::error::Error for RulesError {}

const MONTH_DAY: &str = "a month and day as MM-DD, such as 08-01 (not 02-29)";
const YEARS: &str = "a number of years from 1 to 5";
const MONTHS: &str = "a number of months from 1 to 12";

impl Rules {
    /// The cycle's first month and day, parsed from [`Rules::cycle_start`].
    pub fn cycle_start_month_day(&self) -> Result<(u32, u32), RulesError> {
        parse_month_day(&self.cycle_start).ok_or_else(|| RulesError {
            field: "cycle_start",
            given: self.cycle_start.clone(),
            expected: MONTH_DAY,
        })
    }

    /// Checks every value, as reading a profile does.
    pub fn check(&self) -> Result<(), RulesError> {
        self.cycle_start_month_day()?;
        for (field, years) in [
            ("cycle_years_under_70", self.cycle_years_under_70),
            ("cycle_years_70_plus", self.cycle_years_70_plus),
        ] {
            if !cycle_years_ok(years) {
                return Err(RulesError {
                    field,
                    given: years.to_string(),
                    expected: YEARS,
                });
            }
        }
        if !emergency_months_ok(self.emergency_months) {
            let given = self.emergency_months.to_string();
            return Err(RulesError {
                field: "emergency_months",
                given,
                expected: MONTHS,
            });
        }
        Ok(())
    }
}

/// `MM-DD` → (month, day), refusing days no month has and 02-29, which most years lack.
fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (month, day) = (m.parse().ok()?, d.parse().ok()?);
    // 2001 is a common year, so 02-29 fails here as it should.
    NaiveDate::from_ymd_opt(2001, month, day).map(|_| (month, day))
}

fn cycle_years_ok(years: u32) -> bool {
    (1..=MAX_CYCLE_YEARS).contains(&years)
}

fn emergency_months_ok(months: u32) -> bool {
    (1..=12).contains(&months)
}

fn de_month_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    match parse_month_day(&text) {
        Some(_) => Ok(text),
        None => Err(de::Error::custom(format!(
            "invalid cycle start `{text}` (expected {MONTH_DAY})"
        ))),
    }
}

fn de_cycle_years<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let years = u32::deserialize(deserializer)?;
    if cycle_years_ok(years) {
        Ok(years)
    } else {
        Err(de::Error::custom(format!(
            "invalid validity of {years} years (expected {YEARS})"
        )))
    }
}

fn de_emergency_months<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let months = u32::deserialize(deserializer)?;
    if emergency_months_ok(months) {
        Ok(months)
    } else {
        Err(de::Error::custom(format!(
            "invalid number of months {months} (expected {MONTHS})"
        )))
    }
}

/// Accepts a TOML local date (`2026-07-31`) or an ISO string (`"2026-07-31"`).
///
/// TOML dates are not strings: the `toml` crate hands them to `deserialize_any` as a one-entry
/// map, which [`toml::value::Datetime`] knows how to read.
fn de_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_any(DateVisitor)
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date such as 2026-07-31")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<NaiveDate, E> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
            E::custom(format!(
                "invalid date `{text}` ({e}; expected a date such as 2026-07-31)"
            ))
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NaiveDate, A::Error> {
        let datetime = toml::value::Datetime::deserialize(MapAccessDeserializer::new(map))?;
        let date = match (datetime.date, datetime.time, datetime.offset) {
            (Some(date), None, None) => date,
            _ => {
                return Err(de::Error::custom(format!(
                    "invalid date `{datetime}` (expected a date without a time)"
                )))
            }
        };
        NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
            .ok_or_else(|| de::Error::custom(format!("invalid date `{datetime}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Rules, String> {
        toml::from_str::<Rules>(text).map_err(|e| e.message().to_string())
    }

    #[test]
    fn defaults_are_the_common_rules() {
        let rules = parse("").unwrap();
        assert_eq!(rules, Rules::default());
        assert_eq!(rules.cycle_start_month_day(), Ok((8, 1)));
        assert_eq!(rules.check(), Ok(()));
    }

    #[test]
    fn interim_end_accepts_a_toml_date_or_a_string() {
        let want = NaiveDate::from_ymd_opt(2027, 7, 31).unwrap();
        assert_eq!(
            parse("kouki_interim_end = 2027-07-31")
                .unwrap()
                .kouki_interim_end,
            want
        );
        assert_eq!(
            parse("kouki_interim_end = \"2027-07-31\"")
                .unwrap()
                .kouki_interim_end,
            want
        );
    }

    #[test]
    fn interim_end_refuses_times_and_bad_dates() {
        assert!(parse("kouki_interim_end = 2027-07-31T00:00:00")
            .unwrap_err()
            .contains("without a time"));
        assert!(parse("kouki_interim_end = 2027-07-31T00:00:00Z").is_err());
        assert!(parse("kouki_interim_end = \"2027-02-30\"")
            .unwrap_err()
            .contains("invalid date"));
        assert!(parse("kouki_interim_end = 20270731").is_err());
    }

    #[test]
    fn in_an_issuer_profile() {
        let profile =
            "name = \"高崎市\"\ninsurer_number = \"102012\"\nprefecture = \"群馬県\"\n[rules]\n";
        let issuer =
            crate::issuer::Issuer::from_toml(&format!("{profile}kouki_interim_end = 2027-07-31\n"))
                .unwrap();
        assert_eq!(
            issuer.rules.kouki_interim_end,
            NaiveDate::from_ymd_opt(2027, 7, 31).unwrap()
        );
        // A bad value stops the run with its position in the profile.
        let error = crate::issuer::Issuer::from_toml(&format!("{profile}cycle_start = \"8/1\"\n"))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("issuer profile:5:15: invalid cycle start `8/1`"),
            "{error}"
        );
    }

    #[test]
    fn other_keys() {
        let rules =
            parse("cycle_start = \"12-02\"\ncycle_years_under_70 = 2\nemergency_months = 2")
                .unwrap();
        assert_eq!(rules.cycle_start_month_day(), Ok((12, 2)));
        assert_eq!(
            (
                rules.cycle_years_under_70,
                rules.cycle_years_70_plus,
                rules.emergency_months
            ),
            (2, 1, 2)
        );
    }

    #[test]
    fn bad_values_fail_while_reading() {
        for text in [
            "cycle_start = \"8-1\"",
            "cycle_start = \"02-29\"",
            "cycle_start = \"13-01\"",
            "cycle_start = \"08-01x\"",
        ] {
            assert!(parse(text).unwrap_err().contains("cycle start"), "{text}");
        }
        assert!(parse("cycle_years_under_70 = 0")
            .unwrap_err()
            .contains("1 to 5"));
        assert!(parse("cycle_years_70_plus = 6")
            .unwrap_err()
            .contains("1 to 5"));
        assert!(parse("emergency_months = 0")
            .unwrap_err()
            .contains("1 to 12"));
        assert!(parse("emergency_month = 3")
            .unwrap_err()
            .contains("unknown field"));
    }

    #[test]
    fn rules_built_in_code_are_checked_too() {
        let rules = Rules {
            cycle_start: "0801".into(),
            ..Rules::default()
        };
        assert_eq!(rules.check().unwrap_err().field, "cycle_start");
        let rules = Rules {
            cycle_years_under_70: 9,
            ..Rules::default()
        };
        assert_eq!(
            rules.check().unwrap_err().to_string(),
            "invalid `cycle_years_under_70` in [rules] (9 given, expected a number of years from 1 to 5)"
        );
        let rules = Rules {
            emergency_months: 0,
            ..Rules::default()
        };
        assert_eq!(rules.check().unwrap_err().field, "emergency_months");
    }
}
