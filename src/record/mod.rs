//! Member records: the input contract, one record per member.
//!
//! A [`Record`] is what upstream eligibility systems send us, already parsed and
//! validated field by field. Rule-bound values (`expiry_date`, `effective_date`,
//! `copay_ratio`) may be left empty: [`crate::eligibility`] derives them, and
//! checks the ones that are given.

use chrono::NaiveDate;
use serde::Serialize;

/// Which public insurance scheme the member belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// 国民健康保険: national health insurance, run by municipalities.
    Kokuho,
    /// 後期高齢者医療: insurance for 75 and over, run by prefectural 広域連合.
    Kouki,
}

impl Scheme {
    /// The name used in records and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Kokuho => "kokuho",
            Scheme::Kouki => "kouki",
        }
    }
}

/// 性別 as printed on the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sex {
    /// 男 (code 1).
    Male,
    /// 女 (code 2).
    Female,
}

impl Sex {
    /// The character printed on the document.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// One member, as read from the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Upstream identifier, unique within a batch; names the record in reports.
    pub record_id: String,
    /// 国保 or 後期.
    pub scheme: Scheme,
    /// 保険者番号: 6 digits (kokuho) or 8 digits starting 39 (kouki).
    pub insurer_number: String,
    /// 記号 (kokuho only).
    pub symbol: Option<String>,
    /// 番号; for kouki the 8-digit 被保険者番号.
    pub number: String,
    /// 枝番: two digits, zero-padded (kokuho only).
    pub branch: Option<String>,
    /// 氏名, possibly with Ideographic Variation Sequences.
    pub name: String,
    /// フリガナ, in katakana.
    pub name_kana: Option<String>,
    /// 性別.
    pub sex: Sex,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// 郵便番号, seven digits (stored without hyphen).
    pub postal_code: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 世帯主氏名 (kokuho).
    pub householder_name: Option<String>,
    /// 適用開始年月日 (資格取得年月日).
    pub qualified_date: NaiveDate,
    /// 交付年月日.
    pub issue_date: NaiveDate,
    /// Holds a マイナ保険証 (a My Number card registered for insurance use).
    pub has_myna_hoken: bool,
    /// 一部負担金の割合 (1, 2 or 3), as decided upstream from income.
    pub copay_ratio: Option<u8>,
    /// 発効期日, if upstream set it; otherwise derived.
    pub effective_date: Option<NaiveDate>,
    /// 有効期限, if upstream set it; otherwise derived.
    pub expiry_date: Option<NaiveDate>,
    /// 在留期間満了日 of a foreign resident.
    pub residence_expiry: Option<NaiveDate>,
    /// Subject to 特別療養費 (a year or more behind on the kokuho tax).
    pub special_medical: bool,
    /// A マイナ保険証 holder who applied for a 資格確認書 (要介護, disability, lost card).
    pub certificate_requested: bool,
    /// The day that application was made.
    pub application_date: Option<NaiveDate>,
    /// 世帯番号: groups members of one household into one envelope.
    pub household_id: Option<String>,
    /// 備考, printed in the remarks area when the layout has one.
    pub remarks: Option<String>,
}

/// Where a record came from, for error messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The input file as given on the command line.
    pub file: String,
    /// 1-based line on which the record starts (CSV and JSON Lines; JSON arrays give the line of the element).
    pub line: u64,
    /// 1-based position of the record among the file's records (the header is not a record).
    pub index: u64,
}
