//! The values a layout can print or test: record fields, derived values, issuer data.

use std::fmt;

/// A named value a layout element can refer to as `{name}` or in `when`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `record_id`.
    RecordId,
    /// `insurer_number`: 保険者番号 (from the record).
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
    /// `sex`: 性別 (男/女; 裏面参照 when the record asks for it on the back).
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
    /// `remarks`: 備考.
    Remarks,
    /// `mail_to_name`: 送付先の宛名 (a facility, an agent).
    MailToName,
    /// `mail_to_postal_code`: 送付先郵便番号.
    MailToPostalCode,
    /// `mail_to_address`: 送付先住所.
    MailToAddress,
    /// `addressee`: the envelope's 様 line: the 世帯主 (kokuho), the member (kouki), or the 送付先.
    Addressee,
    /// `mail_postal_code`: the postal code the envelope goes to (the 送付先's, else the 住所's).
    MailPostalCode,
    /// `mail_address`: the address the envelope goes to (the 送付先, else the 住所).
    MailAddress,
    /// `mail_care_of`: 「〇〇様方」 / 「〇〇気付」 above the addressee, when the 送付先 has one.
    MailCareOf,
    /// `enclosure_names`: a cover letter's list of members, one a line.
    EnclosureNames,
    /// `enclosure_documents`: the document of each member in `enclosure_names`, one a line.
    EnclosureDocuments,
    /// `limit_category`: 限度区分 (kouki prints 区分Ⅱ・Ⅰ for 低所得Ⅱ・Ⅰ).
    LimitCategory,
    /// `limit_effective_date`: the 発効期日 of the 限度区分.
    LimitEffectiveDate,
    /// `long_term_stay_date`: 長期入院該当年月日.
    LongTermStayDate,
    /// `specific_disease`: the 認定疾病名 of the 特定疾病.
    SpecificDisease,
    /// `specific_disease_limit`: its 自己負担限度額, `10,000円`.
    SpecificDiseaseLimit,
    /// `optional_items`: the 任意記載事項 the record gives, on one line.
    OptionalItems,
    /// `back_remarks`: the back's 備考 box: 戸籍上の氏名・性別, the 任意記載事項, then `remarks`.
    BackRemarks,
    /// `registered_name`: 戸籍上の氏名, when `name` is a 通称名.
    RegisteredName,
    /// `registered_sex`: 男/女 when the record asks for 性別 on the back (the front's `sex` then
    /// reads 裏面参照); empty otherwise.
    RegisteredSex,
    /// `expiry_date`: 有効期限 as the rules decided it.
    ExpiryDate,
    /// `effective_date`: 発効期日 as the rules decided it.
    EffectiveDate,
    /// `copay_ratio`: 負担割合 to print.
    CopayRatio,
    /// `special_medical`: true on 特別療養 documents.
    SpecialMedical,
    /// `elderly`: true for 高齢受給者 (70–74) documents.
    Elderly,
    /// `kouki`: true for 後期高齢者医療 documents.
    Kouki,
    /// `kouki_interim`: true for a 資格確認書 given under the kouki interim rule (to every kouki
    /// member, card or not).
    KoukiInterim,
    /// `title_suffix`: `(特別療養)` on 特別療養 documents, empty otherwise.
    TitleSuffix,
    /// `special_medical_note`: the issuer's 特別療養費 marking on 特別療養 documents.
    SpecialMedicalNote,
    /// `issuer.name`: 交付者名.
    IssuerName,
    /// `issuer.insurer_number`: 保険者番号 of the profile.
    IssuerInsurerNumber,
    /// `issuer.prefecture`: 都道府県.
    IssuerPrefecture,
    /// `issuer.portal_url`: the QR code's address.
    IssuerPortalUrl,
    /// `issuer.contact`: the contact lines, one per line.
    IssuerContact,
    /// `issuer.has_seal`: true when the profile has a seal image.
    IssuerHasSeal,
    /// `issuer.seal_text`: what the profile prints where the seal goes when it has no seal image
    /// (e.g. 「公印省略」); empty by default.
    IssuerSealText,
}

/// What kind of value a field holds, which decides the formats it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    Text,
    /// A calendar date.
    Date,
    /// A small number.
    Number,
    /// A yes/no condition.
    Bool,
}

const FIELDS: &[(&str, Field, FieldType)] = &[
    ("record_id", Field::RecordId, FieldType::Text),
    ("insurer_number", Field::InsurerNumber, FieldType::Text),
    ("symbol", Field::Symbol, FieldType::Text),
    ("number", Field::Number, FieldType::Text),
    ("branch", Field::Branch, FieldType::Text),
    ("name", Field::Name, FieldType::Text),
    ("name_kana", Field::NameKana, FieldType::Text),
    ("sex", Field::Sex, FieldType::Text),
    ("birth_date", Field::BirthDate, FieldType::Date),
    ("postal_code", Field::PostalCode, FieldType::Text),
    ("address", Field::Address, FieldType::Text),
    ("householder_name", Field::HouseholderName, FieldType::Text),
    ("qualified_date", Field::QualifiedDate, FieldType::Date),
    ("issue_date", Field::IssueDate, FieldType::Date),
    ("remarks", Field::Remarks, FieldType::Text),
    ("mail_to_name", Field::MailToName, FieldType::Text),
    (
        "mail_to_postal_code",
        Field::MailToPostalCode,
        FieldType::Text,
    ),
    ("mail_to_address", Field::MailToAddress, FieldType::Text),
    ("addressee", Field::Addressee, FieldType::Text),
    ("mail_postal_code", Field::MailPostalCode, FieldType::Text),
    ("mail_address", Field::MailAddress, FieldType::Text),
    ("mail_care_of", Field::MailCareOf, FieldType::Text),
    ("enclosure_names", Field::EnclosureNames, FieldType::Text),
    (
        "enclosure_documents",
        Field::EnclosureDocuments,
        FieldType::Text,
    ),
    ("limit_category", Field::LimitCategory, FieldType::Text),
    (
        "limit_effective_date",
        Field::LimitEffectiveDate,
        FieldType::Date,
    ),
    (
        "long_term_stay_date",
        Field::LongTermStayDate,
        FieldType::Date,
    ),
    ("specific_disease", Field::SpecificDisease, FieldType::Text),
    (
        "specific_disease_limit",
        Field::SpecificDiseaseLimit,
        FieldType::Text,
    ),
    ("optional_items", Field::OptionalItems, FieldType::Text),
    ("back_remarks", Field::BackRemarks, FieldType::Text),
    ("registered_name", Field::RegisteredName, FieldType::Text),
    ("registered_sex", Field::RegisteredSex, FieldType::Text),
    ("expiry_date", Field::ExpiryDate, FieldType::Date),
    ("effective_date", Field::EffectiveDate, FieldType::Date),
    ("copay_ratio", Field::CopayRatio, FieldType::Number),
    ("special_medical", Field::SpecialMedical, FieldType::Bool),
    ("elderly", Field::Elderly, FieldType::Bool),
    ("kouki", Field::Kouki, FieldType::Bool),
    ("kouki_interim", Field::KoukiInterim, FieldType::Bool),
    ("title_suffix", Field::TitleSuffix, FieldType::Text),
    (
        "special_medical_note",
        Field::SpecialMedicalNote,
        FieldType::Text,
    ),
    ("issuer.name", Field::IssuerName, FieldType::Text),
    (
        "issuer.insurer_number",
        Field::IssuerInsurerNumber,
        FieldType::Text,
    ),
    (
        "issuer.prefecture",
        Field::IssuerPrefecture,
        FieldType::Text,
    ),
    ("issuer.portal_url", Field::IssuerPortalUrl, FieldType::Text),
    ("issuer.contact", Field::IssuerContact, FieldType::Text),
    ("issuer.has_seal", Field::IssuerHasSeal, FieldType::Bool),
    ("issuer.seal_text", Field::IssuerSealText, FieldType::Text),
];

impl Field {
    /// Looks a field up by the name layouts use.
    pub fn from_name(name: &str) -> Option<Field> {
        FIELDS.iter().find(|(n, ..)| *n == name).map(|&(_, f, _)| f)
    }

    /// The name layouts use.
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(n, ..)| n)
    }

    /// The kind of value.
    pub fn ty(self) -> FieldType {
        FIELDS
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or(FieldType::Text, |&(.., t)| t)
    }

    /// Whether the value comes from the issuer profile alone, so that elements
    /// using only such fields are the same on every record's page.
    pub fn is_issuer(self) -> bool {
        matches!(
            self,
            Field::IssuerName
                | Field::IssuerInsurerNumber
                | Field::IssuerPrefecture
                | Field::IssuerPortalUrl
                | Field::IssuerContact
                | Field::IssuerHasSeal
                | Field::IssuerSealText
        )
    }

    /// Every field name, for hints.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FIELDS.iter().map(|(n, ..)| *n)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a value is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As it is (dates: 和暦, the usual form on these documents).
    Plain,
    /// 和暦 with 元年: `令和7年8月1日`.
    Wareki,
    /// ISO 8601: `2025-08-01`.
    Iso,
    /// A ratio as `3割`.
    Wari,
    /// Digits zero-padded on the left to this many places.
    Pad(u8),
    /// A postal code as `370-8501`.
    Postal,
}

impl Format {
    /// Parses `wareki`, `iso`, `wari`, `pad:N` or `postal`.
    pub fn parse(text: &str) -> Option<Format> {
        Some(match text {
            "wareki" => Format::Wareki,
            "iso" => Format::Iso,
            "wari" => Format::Wari,
            "postal" => Format::Postal,
            _ => Format::Pad(
                text.strip_prefix("pad:")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=20).contains(n))?,
            ),
        })
    }

    /// Whether this format can print a value of this type.
    pub fn accepts(self, ty: FieldType) -> bool {
        match self {
            Format::Plain => ty != FieldType::Bool,
            Format::Wareki | Format::Iso => ty == FieldType::Date,
            Format::Wari => ty == FieldType::Number,
            Format::Pad(_) => matches!(ty, FieldType::Text | FieldType::Number),
            Format::Postal => ty == FieldType::Text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Field::names() {
            assert_eq!(Field::from_name(name).unwrap().name(), name);
        }
    }

    #[test]
    fn formats_parse_and_check_types() {
        assert_eq!(Format::parse("pad:2"), Some(Format::Pad(2)));
        assert_eq!(Format::parse("pad:x"), None);
        assert_eq!(Format::parse("kanji"), None);
        assert!(Format::Wareki.accepts(FieldType::Date));
        assert!(!Format::Wari.accepts(FieldType::Date));
    }
}
