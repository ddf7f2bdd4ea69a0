//! The record schema: field names, which are required, and hints for misspelt names.

use std::fmt;

/// One field of the record schema, named as in CSV headers and JSON keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `record_id`: upstream identifier, unique within an input.
    RecordId,
    /// `scheme`: `kokuho` (国民健康保険) or `kouki` (後期高齢者医療).
    Scheme,
    /// `insurer_number`: 保険者番号.
    InsurerNumber,
    /// `symbol`: 記号.
    Symbol,
    /// `number`: 番号 / 被保険者番号.
    Number,
    /// `branch`: 枝番.
    Branch,
    /// `name`: 氏名.
    Name,
    /// `name_kana`: フリガナ.
    NameKana,
    /// `sex`: 性別.
    Sex,
    /// `birth_date`: 生年月日.
    BirthDate,
    /// `postal_code`: 郵便番号.
    PostalCode,
    /// `address`: 住所.
    Address,
    /// `householder_name`: 世帯主氏名.
    HouseholderName,
    /// `qualified_date`: 適用開始年月日.
    QualifiedDate,
    /// `issue_date`: 交付年月日.
    IssueDate,
    /// `has_myna_hoken`: holds a マイナ保険証.
    HasMynaHoken,
    /// `copay_ratio`: 負担割合.
    CopayRatio,
    /// `effective_date`: 発効期日.
    EffectiveDate,
    /// `expiry_date`: 有効期限.
    ExpiryDate,
    /// `residence_expiry`: 在留期間満了日.
    ResidenceExpiry,
    /// `special_medical`: subject to 特別療養費.
    SpecialMedical,
    /// `certificate_requested`: applied for a 資格確認書 while holding a マイナ保険証.
    CertificateRequested,
    /// `certificate_reason`: why a マイナ保険証 holder applied (要配慮 or 緊急).
    CertificateReason,
    /// `application_date`: the day of that application.
    ApplicationDate,
    /// `household_id`: 世帯番号.
    HouseholdId,
    /// `remarks`: 備考.
    Remarks,
    /// `mail_to_name`: 送付先の宛名, a care facility or an agent (代理人) the documents go to.
    MailToName,
    /// `mail_to_postal_code`: 送付先郵便番号.
    MailToPostalCode,
    /// `mail_to_address`: 送付先住所.
    MailToAddress,
    /// `mail_to_care_of`: 様方 or 気付, written after `mail_to_name` above the addressee.
    MailToCareOf,
    /// `limit_category`: 限度区分 (適用区分) of a 限度額適用認定証.
    LimitCategory,
    /// `limit_effective_date`: the 発効期日 of that 限度区分.
    LimitEffectiveDate,
    /// `long_term_stay_date`: 長期入院該当年月日.
    LongTermStayDate,
    /// `specific_disease`: 特定疾病 of a 特定疾病療養受療証.
    SpecificDisease,
    /// `specific_disease_limit`: its 自己負担限度額 in yen.
    SpecificDiseaseLimit,
    /// `sex_on_back`: 性別 printed on the back (性同一性障害, on request).
    SexOnBack,
    /// `registered_name`: 戸籍上の氏名, when `name` is a 通称名.
    RegisteredName,
}

impl Field {
    /// Every field, in schema order (the order of `docs/records.md` and of error checks).
    pub const ALL: [Field; 37] = [
        Field::RecordId,
        Field::Scheme,
        Field::InsurerNumber,
        Field::Symbol,
        Field::Number,
        Field::Branch,
        Field::Name,
        Field::NameKana,
        Field::Sex,
        Field::BirthDate,
        Field::PostalCode,
        Field::Address,
        Field::HouseholderName,
        Field::QualifiedDate,
        Field::IssueDate,
        Field::HasMynaHoken,
        Field::CopayRatio,
        Field::EffectiveDate,
        Field::ExpiryDate,
        Field::ResidenceExpiry,
        Field::SpecialMedical,
        Field::CertificateRequested,
        Field::CertificateReason,
        Field::ApplicationDate,
        Field::HouseholdId,
        Field::Remarks,
        Field::LimitCategory,
        Field::LimitEffectiveDate,
        Field::LongTermStayDate,
        Field::SpecificDisease,
        Field::SpecificDiseaseLimit,
        Field::SexOnBack,
        Field::RegisteredName,
        Field::MailToName,
        Field::MailToPostalCode,
        Field::MailToAddress,
        Field::MailToCareOf,
    ];

    /// The snake_case name used as CSV header and JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Field::RecordId => "record_id",
            Field::Scheme => "scheme",
            Field::InsurerNumber => "insurer_number",
            Field::Symbol => "symbol",
            Field::Number => "number",
            Field::Branch => "branch",
            Field::Name => "name",
            Field::NameKana => "name_kana",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::PostalCode => "postal_code",
            Field::Address => "address",
            Field::HouseholderName => "householder_name",
            Field::QualifiedDate => "qualified_date",
            Field::IssueDate => "issue_date",
            Field::HasMynaHoken => "has_myna_hoken",
            Field::CopayRatio => "copay_ratio",
            Field::EffectiveDate => "effective_date",
            Field::ExpiryDate => "expiry_date",
            Field::ResidenceExpiry => "residence_expiry",
            Field::SpecialMedical => "special_medical",
            Field::CertificateRequested => "certificate_requested",
            Field::CertificateReason => "certificate_reason",
            Field::ApplicationDate => "application_date",
            Field::HouseholdId => "household_id",
            Field::Remarks => "remarks",
            Field::MailToName => "mail_to_name",
            Field::MailToPostalCode => "mail_to_postal_code",
            Field::MailToAddress => "mail_to_address",
            Field::MailToCareOf => "mail_to_care_of",
            Field::LimitCategory => "limit_category",
            Field::LimitEffectiveDate => "limit_effective_date",
            Field::LongTermStayDate => "long_term_stay_date",
            Field::SpecificDisease => "specific_disease",
            Field::SpecificDiseaseLimit => "specific_disease_limit",
            Field::SexOnBack => "sex_on_back",
            Field::RegisteredName => "registered_name",
        }
    }

    /// The Japanese term, as municipal exports tend to label the column.
    pub fn label(self) -> &'static str {
        match self {
            Field::RecordId => "レコードID",
            Field::Scheme => "制度",
            Field::InsurerNumber => "保険者番号",
            Field::Symbol => "記号",
            Field::Number => "番号",
            Field::Branch => "枝番",
            Field::Name => "氏名",
            Field::NameKana => "フリガナ",
            Field::Sex => "性別",
            Field::BirthDate => "生年月日",
            Field::PostalCode => "郵便番号",
            Field::Address => "住所",
            Field::HouseholderName => "世帯主氏名",
            Field::QualifiedDate => "適用開始年月日",
            Field::IssueDate => "交付年月日",
            Field::HasMynaHoken => "マイナ保険証",
            Field::CopayRatio => "負担割合",
            Field::EffectiveDate => "発効期日",
            Field::ExpiryDate => "有効期限",
            Field::ResidenceExpiry => "在留期間満了日",
            Field::SpecialMedical => "特別療養費",
            Field::CertificateRequested => "資格確認書交付申請",
            Field::CertificateReason => "交付申請の理由",
            Field::ApplicationDate => "申請日",
            Field::HouseholdId => "世帯番号",
            Field::Remarks => "備考",
            Field::MailToName => "送付先宛名",
            Field::MailToPostalCode => "送付先郵便番号",
            Field::MailToAddress => "送付先住所",
            Field::MailToCareOf => "様方・気付",
            Field::LimitCategory => "限度区分",
            Field::LimitEffectiveDate => "限度区分の発効期日",
            Field::LongTermStayDate => "長期入院該当年月日",
            Field::SpecificDisease => "特定疾病",
            Field::SpecificDiseaseLimit => "特定疾病の自己負担限度額",
            Field::SexOnBack => "性別を裏面に記載",
            Field::RegisteredName => "戸籍上の氏名",
        }
    }

    /// The field with this exact name, if any (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether every record must give a value.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Field::RecordId
                | Field::Scheme
                | Field::InsurerNumber
                | Field::Number
                | Field::Name
                | Field::Sex
                | Field::BirthDate
                | Field::QualifiedDate
                | Field::IssueDate
                | Field::HasMynaHoken
        )
    }

    /// Whether an invalid value of this field may be quoted in messages for stderr and logs.
    ///
    /// Only administrative values qualify. Everything that identifies or describes a
    /// person (name, kana, address, 記号・番号, birth date, postal code, remarks, and
    /// also sex, residence expiry, 特別療養費 and the certificate application and its
    /// reason, which reveal nationality, tax arrears or disability) stays in the error
    /// report only.
    pub fn value_in_messages(self) -> bool {
        matches!(
            self,
            Field::RecordId
                | Field::Scheme
                | Field::InsurerNumber
                | Field::Branch
                | Field::QualifiedDate
                | Field::IssueDate
                | Field::HasMynaHoken
                | Field::CopayRatio
                | Field::EffectiveDate
                | Field::ExpiryDate
                | Field::ApplicationDate
                | Field::HouseholdId
                | Field::MailToCareOf
        )
    }

    /// Guesses the field meant by an unknown column or key, for a `hint:` line.
    ///
    /// Tries, in order: a known alias (the keys of older exports), the Japanese label,
    /// a case-insensitive match, then the nearest name by edit distance.
    pub fn suggest(unknown: &str) -> Option<Field> {
        let key = unknown.trim();
        let lower = key.to_ascii_lowercase();
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == lower)
            .map(|&(_, field)| field)
            .or_else(|| Field::ALL.into_iter().find(|f| f.label() == key))
            .or_else(|| Field::from_name(&lower))
            .or_else(|| nearest(&lower))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Names other systems use for our fields (including the peers' benchmark keys), so
/// the hint can name the right field where edit distance would not find it.
const ALIASES: &[(&str, Field)] = &[
    ("id", Field::RecordId),
    ("insurer_no", Field::InsurerNumber),
    ("hokensha_bango", Field::InsurerNumber),
    ("kigo", Field::Symbol),
    ("bango", Field::Number),
    ("edaban", Field::Branch),
    ("kana", Field::NameKana),
    ("furigana", Field::NameKana),
    ("gender", Field::Sex),
    ("birth", Field::BirthDate),
    ("birthday", Field::BirthDate),
    ("dob", Field::BirthDate),
    ("zip", Field::PostalCode),
    ("zip_code", Field::PostalCode),
    ("head", Field::HouseholderName),
    ("start", Field::QualifiedDate),
    ("issued", Field::IssueDate),
    ("expiry", Field::ExpiryDate),
    ("ratio", Field::CopayRatio),
    ("sofusaki", Field::MailToAddress),
    ("send_to", Field::MailToAddress),
];

/// The field whose name is closest to `key`, if close enough to be a likely typo:
/// at most one edit in three characters of the field name.
fn nearest(key: &str) -> Option<Field> {
    Field::ALL
        .into_iter()
        .map(|f| (edit_distance(key, f.name()), f))
        .filter(|&(d, f)| d * 3 <= f.name().len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, f)| f)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
        }
        assert_eq!(Field::from_name("Name"), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("birth_dat", "birth_date"), 1);
        assert_eq!(edit_distance("sx", "sex"), 1);
        assert_eq!(edit_distance("nmae", "name"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("生年", "生年月日"), 2);
    }

    #[test]
    fn suggests_typos_aliases_and_japanese_labels() {
        assert_eq!(Field::suggest("birth_dat"), Some(Field::BirthDate));
        assert_eq!(Field::suggest("postcode"), Some(Field::PostalCode));
        assert_eq!(Field::suggest("Issue_Date"), Some(Field::IssueDate));
        assert_eq!(Field::suggest("kana"), Some(Field::NameKana));
        assert_eq!(Field::suggest("生年月日"), Some(Field::BirthDate));
        assert_eq!(Field::suggest("colour"), None);
    }

    #[test]
    fn personal_fields_stay_out_of_messages() {
        for field in [
            Field::Name,
            Field::NameKana,
            Field::Address,
            Field::HouseholderName,
        ] {
            assert!(!field.value_in_messages());
        }
        for field in [
            Field::Number,
            Field::Symbol,
            Field::BirthDate,
            Field::PostalCode,
            Field::Remarks,
            Field::CertificateReason,
            Field::LimitCategory,
            Field::SpecificDisease,
            Field::SexOnBack,
            Field::RegisteredName,
        ] {
            assert!(!field.value_in_messages());
        }
        assert!(Field::IssueDate.value_in_messages());
    }
}
