//! The cover letter (送付状) of an envelope: its address block and the list of what is inside.
//!
//! Why a value source of its own: a 送付状 belongs to an envelope, not to a record. The batch
//! learns which records share an envelope only after reading all of them, so it keeps for each
//! record the few values the cover needs ([`Cover::of`]) and joins them per envelope
//! ([`Cover::join`]); [`super::Form::fill_cover`] draws the result.

use chrono::NaiveDate;

use crate::eligibility::{Document, Eligibility};
use crate::record::{Record, Scheme};

/// What a cover letter prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    /// The 様 line (see [`Record::addressee`]).
    pub addressee: String,
    /// The postal code the envelope goes to (7 digits, or empty).
    pub postal_code: String,
    /// The address the envelope goes to.
    pub address: String,
    /// 「〇〇様方」 / 「〇〇気付」 above the addressee, or empty.
    pub care_of: String,
    /// The 交付年月日 printed as the letter's date (the first enclosure's).
    pub issue_date: NaiveDate,
    /// The scheme of the documents inside.
    pub scheme: Scheme,
    /// What is inside, in mailing order.
    pub enclosures: Vec<Enclosure>,
}

/// One document in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosure {
    /// The member it is for (氏名).
    pub name: String,
    /// The document, as the member knows it: 「資格確認書」, 「資格情報のお知らせ(特別療養)」.
    pub document: String,
}

impl Cover {
    /// The cover of an envelope holding one record's document.
    pub fn of(record: &Record, eligibility: &Eligibility) -> Cover {
        Cover {
            addressee: record.addressee().to_owned(),
            postal_code: record.mail_postal_code().unwrap_or_default().to_owned(),
            address: record.mail_address().unwrap_or_default().to_owned(),
            care_of: record.mail_care_of().unwrap_or_default(),
            issue_date: record.issue_date,
            scheme: eligibility.scheme,
            enclosures: vec![Enclosure {
                name: record.name.clone(),
                document: document_name(eligibility),
            }],
        }
    }

    /// The cover of an envelope: the first member's address block, every member's enclosures.
    pub fn join(mut covers: impl Iterator<Item = Cover>) -> Option<Cover> {
        let mut cover = covers.next()?;
        for other in covers {
            cover.enclosures.extend(other.enclosures);
        }
        Some(cover)
    }

    /// The enclosures' names, one a line.
    pub fn names(&self) -> String {
        self.lines(|e| &e.name)
    }

    /// The enclosures' documents, one a line, beside the names.
    pub fn documents(&self) -> String {
        self.lines(|e| &e.document)
    }

    fn lines(&self, part: impl Fn(&Enclosure) -> &String) -> String {
        let parts: Vec<&str> = self.enclosures.iter().map(|e| part(e).as_str()).collect();
        parts.join("\n")
    }
}

/// The document's name as printed on it, with 「(特別療養)」 on 特別療養 documents.
pub fn document_name(eligibility: &Eligibility) -> String {
    let name = match eligibility.document {
        Document::Kakuninsho => "資格確認書",
        Document::Oshirase => "資格情報のお知らせ",
    };
    let suffix = if eligibility.special_medical {
        "(特別療養)"
    } else {
        ""
    };
    format!("{name}{suffix}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::fill::Form;
    use crate::issuer::Issuer;
    use crate::layout::Layout;

    fn cover(members: usize) -> Cover {
        Cover {
            addressee: "佐藤 太郎".into(),
            postal_code: "3700001".into(),
            address: "群馬県高崎市中尾町12番地3".into(),
            care_of: String::new(),
            issue_date: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
            scheme: Scheme::Kokuho,
            enclosures: (0..members)
                .map(|i| Enclosure {
                    name: format!("佐藤 {i}"),
                    document: "資格確認書".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_long_list_continues_on_another_page_with_the_address_block() {
        let layout = Arc::new(Layout::load("kokuho-soufujo").unwrap());
        let issuer = Issuer::from_toml(
            "name = \"高崎市\"\ninsurer_number = \"100016\"\nprefecture = \"群馬県\"\n",
        )
        .unwrap();
        let form = Form::new(layout, Arc::new(issuer)).unwrap();
        let rows = form.cover_rows();
        assert_eq!(rows, 16);
        assert_eq!(form.fill_cover(&cover(rows)).unwrap().pages.len(), 1);
        let document = form.fill_cover(&cover(rows + 1)).unwrap();
        assert_eq!(document.pages.len(), 2);
        for page in &document.pages {
            assert!(page.items.iter().any(|i| &*i.element == "customer-barcode"));
        }
    }

    #[test]
    fn joined_covers_keep_the_first_address_and_every_enclosure_in_order() {
        let mut second = cover(1);
        second.addressee = "別人".into();
        second.enclosures[0].name = "佐藤 花子".into();
        let joined = Cover::join([cover(1), second].into_iter()).unwrap();
        assert_eq!(joined.addressee, "佐藤 太郎");
        assert_eq!(joined.names(), "佐藤 0\n佐藤 花子");
        assert_eq!(joined.documents(), "資格確認書\n資格確認書");
    }
}
