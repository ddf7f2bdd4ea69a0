//! Mail classes: how an envelope is posted, and the class each document needs at each insurer.
//!
//! Insurers differ. Many send the 資格確認書 by 簡易書留 or 特定記録 and the お知らせ by 普通郵便
//! (倉吉市, 下妻市, 半田市 for 簡易書留; 江別市 for the お知らせ), while others send the 資格確認書 by
//! 普通郵便 as well. So the class of each document is the issuer profile's `[mail]` table (the
//! profile is per insurer, so per scheme); without one, a 資格確認書 goes "registered" (簡易書留 or
//! 特定記録, left to the print room) and an お知らせ ordinary, as before the table existed.

use serde::{Deserialize, Serialize};

use crate::eligibility::Document;

/// How an envelope is posted. The order is the print order of a run, strongest first: an
/// envelope takes the strongest class of the documents in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MailClass {
    /// 簡易書留: handed over against a signature, with a record of posting and delivery.
    #[serde(rename = "simple-registered", alias = "簡易書留")]
    SimpleRegistered,
    /// 特定記録: posting and delivery to the mailbox are recorded, no signature.
    #[serde(rename = "specified-record", alias = "特定記録")]
    SpecifiedRecord,
    /// 簡易書留 or 特定記録, whichever the print room books: the default for a 資格確認書.
    #[serde(rename = "registered")]
    Registered,
    /// 普通郵便: the default for an お知らせ.
    #[serde(rename = "ordinary", alias = "普通", alias = "普通郵便")]
    Ordinary,
}

impl MailClass {
    /// The name used in file names, the manifest and profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            MailClass::SimpleRegistered => "simple-registered",
            MailClass::SpecifiedRecord => "specified-record",
            MailClass::Registered => "registered",
            MailClass::Ordinary => "ordinary",
        }
    }
}

/// The issuer profile's `[mail]` table: the class each document is posted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailClasses {
    /// The 資格確認書's class (default `registered`).
    pub kakuninsho: MailClass,
    /// The お知らせ's class (default `ordinary`).
    pub oshirase: MailClass,
    /// Whether each envelope gets a cover letter (送付状) on top, listing every member and
    /// document inside and showing the address in the window (default true).
    pub cover_letter: bool,
}

impl Default for MailClasses {
    fn default() -> Self {
        MailClasses {
            kakuninsho: MailClass::Registered,
            oshirase: MailClass::Ordinary,
            cover_letter: true,
        }
    }
}

impl MailClasses {
    /// The class a document is posted by.
    pub fn of(&self, document: Document) -> MailClass {
        match document {
            Document::Kakuninsho => self.kakuninsho,
            Document::Oshirase => self.oshirase,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Profile {
        #[serde(default)]
        mail: MailClasses,
    }

    fn parse(text: &str) -> Result<MailClasses, toml::de::Error> {
        toml::from_str::<Profile>(text).map(|p| p.mail)
    }

    #[test]
    fn default_keeps_registered_certificates_and_ordinary_notices() {
        let mail = parse("").unwrap();
        assert_eq!(mail.of(Document::Kakuninsho), MailClass::Registered);
        assert_eq!(mail.of(Document::Oshirase), MailClass::Ordinary);
    }

    /// 半田市 sends the 資格確認書 by 簡易書留, 倉吉市 and 下妻市 by 特定記録 or 簡易書留, and several
    /// insurers by 普通郵便: each is a profile setting, in English or as Japan Post names it.
    #[test]
    fn handa_kan_i_kakitome_and_futsu_yubin_by_profile() {
        let mail = parse("[mail]\nkakuninsho = \"簡易書留\"\noshirase = \"普通郵便\"\n").unwrap();
        assert_eq!(mail.kakuninsho, MailClass::SimpleRegistered);
        assert_eq!(mail.oshirase, MailClass::Ordinary);
        let mail = parse("[mail]\nkakuninsho = \"specified-record\"\n").unwrap();
        assert_eq!(mail.kakuninsho, MailClass::SpecifiedRecord);
        let mail = parse("[mail]\nkakuninsho = \"ordinary\"\n").unwrap();
        assert_eq!(mail.of(Document::Kakuninsho), MailClass::Ordinary);
    }

    #[test]
    fn unknown_classes_and_keys_are_refused() {
        let e = parse("[mail]\nkakuninsho = \"速達\"\n").unwrap_err();
        assert!(e.message().contains("unknown variant `速達`"), "{e}");
        assert!(parse("[mail]\ncard = \"ordinary\"\n").is_err());
    }

    #[test]
    fn the_strongest_class_sorts_first() {
        let mut classes = [
            MailClass::Ordinary,
            MailClass::Registered,
            MailClass::SimpleRegistered,
            MailClass::SpecifiedRecord,
        ];
        classes.sort();
        assert_eq!(classes[0], MailClass::SimpleRegistered);
        assert_eq!(classes[3], MailClass::Ordinary);
    }
}
