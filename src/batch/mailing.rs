//! Mailing order: which envelope each document goes in, and in what order the
//! envelopes (and so the print files) come.
//!
//! Documents go to the householder, one envelope per household (豊橋市:
//! 「原則、書類は世帯ごとに一通の封筒でまとめて送付」). Each document has the mail class
//! its issuer's profile gives it ([`crate::mail`]: by default a 資格確認書 goes
//! registered, an お知らせ ordinary, as 倉吉市 and 江別市 send
//! them), and an envelope takes the strongest class of
//! its documents; envelopes are split by mail class first; within a class they are
//! sorted by postal code, which is what bulk-mail discounts ask for, then by
//! household. Members of one household keep their input order.

use crate::record::{Record, Scheme};

pub use crate::mail::MailClass;

/// The envelope a record's document goes in.
///
/// kokuho documents go to the 世帯主, one envelope per household (龍ケ崎市, 湯沢市, 江別市): the
/// record's `household_id`, or, when upstream sends none, the members who share a postal code,
/// address and householder. kouki documents are personal: one envelope per member. A 送付先
/// (施設, 代理人) is where the envelope goes, so it is part of the key: members of one household
/// with different 送付先 go in different envelopes, and those with the same one together.
pub fn household_key(record: &Record) -> String {
    let key = match (record.scheme, &record.household_id) {
        (Scheme::Kouki, _) => format!("member:{}", record.record_id),
        (Scheme::Kokuho, Some(id)) => format!("id:{id}"),
        (Scheme::Kokuho, None) => format!(
            "addr:{}|{}|{}",
            record.postal_code.as_deref().unwrap_or(""),
            record.address.as_deref().unwrap_or(""),
            record
                .householder_name
                .as_deref()
                .unwrap_or(&record.record_id)
        ),
    };
    if !record.has_mail_to() {
        return key;
    }
    format!(
        "{key}|to:{}|{}|{}|{}",
        record.mail_postal_code().unwrap_or(""),
        record.mail_address().unwrap_or(""),
        record.mail_to_name.as_deref().unwrap_or(""),
        record.mail_to_care_of.map_or("", |c| c.label())
    )
}

/// A stable 64-bit hash of a household key: the same on every machine and run,
/// so shards agree on who renders which household.
pub fn household_hash(key: &str) -> u64 {
    crate::fill::fnv1a(key.as_bytes())
}

/// What the ordering needs to know of one rendered record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Letter {
    /// Position in the input (1-based): the tie-breaker that keeps input order.
    pub index: u64,
    /// The household's hash.
    pub household: u64,
    /// The postal code as a number (0 when missing), for sorting.
    pub postal: u32,
    /// The mail class the document needs.
    pub class: MailClass,
}

/// The postal code the envelope goes to (the 送付先's, else the 住所's) as a sortable number; a
/// missing one sorts first.
pub fn postal_number(record: &Record) -> u32 {
    record
        .mail_postal_code()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// The mailing order: for each letter (by position in `letters`), its envelope's
/// mail class and its 1-based mailing sequence number, and the order to print in.
pub struct Plan {
    /// Indexes into `letters`, in print order.
    pub order: Vec<usize>,
    /// For each letter: (mail class, envelope number within the run).
    pub envelope: Vec<(MailClass, u64)>,
}

/// Groups letters into envelopes by household and orders them for the post.
pub fn plan(letters: &[Letter]) -> Plan {
    use std::collections::HashMap;
    // One pass to find each household's class and its first member.
    let mut households: HashMap<u64, (MailClass, u32, u64)> = HashMap::new();
    for l in letters {
        let entry = households
            .entry(l.household)
            .or_insert((l.class, l.postal, l.index));
        entry.0 = entry.0.min(l.class);
        entry.2 = entry.2.min(l.index);
    }
    let mut order: Vec<usize> = (0..letters.len()).collect();
    let key = |i: usize| {
        let l = &letters[i];
        let (class, postal, first) = households[&l.household];
        (class, postal, first, l.household, l.index)
    };
    order.sort_unstable_by_key(|&i| key(i));
    let mut envelope = vec![(MailClass::Ordinary, 0); letters.len()];
    let mut number = 0;
    let mut last = None;
    for &i in &order {
        let (class, _, first, household, _) = key(i);
        if last != Some((class, first, household)) {
            number += 1;
            last = Some((class, first, household));
        }
        envelope[i] = (class, number);
    }
    Plan { order, envelope }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(index: u64, household: u64, postal: u32, class: MailClass) -> Letter {
        Letter {
            index,
            household,
            postal,
            class,
        }
    }

    #[test]
    fn households_stay_together_sorted_by_postal_code_within_mail_class() {
        use MailClass::{Ordinary as O, Registered as K};
        let letters = [
            letter(1, 10, 3700002, O),
            letter(2, 20, 3700001, O),
            letter(3, 10, 3700002, K), // a 資格確認書: makes household 10 registered
            letter(4, 30, 3700000, O),
            letter(5, 20, 3700001, O),
        ];
        let plan = plan(&letters);
        let order: Vec<u64> = plan.order.iter().map(|&i| letters[i].index).collect();
        // Registered first (household 10), then ordinary by postal code: 30, then 20.
        assert_eq!(order, [1, 3, 4, 2, 5]);
        assert_eq!(plan.envelope[0], (MailClass::Registered, 1));
        assert_eq!(plan.envelope[2], (MailClass::Registered, 1));
        assert_eq!(plan.envelope[3], (MailClass::Ordinary, 2));
        assert_eq!(plan.envelope[1], (MailClass::Ordinary, 3));
        assert_eq!(plan.envelope[4], (MailClass::Ordinary, 3));
    }

    /// An envelope goes by the strongest class of its documents: with 簡易書留 for the 資格確認書
    /// and 特定記録 for the お知らせ (a profile may say so), a household holding both goes 簡易書留.
    #[test]
    fn an_envelope_takes_the_strongest_class_of_its_documents() {
        let letters = [
            letter(1, 10, 3700002, MailClass::SpecifiedRecord),
            letter(2, 10, 3700002, MailClass::SimpleRegistered),
            letter(3, 20, 3700001, MailClass::SpecifiedRecord),
        ];
        let plan = plan(&letters);
        assert_eq!(plan.envelope[0], (MailClass::SimpleRegistered, 1));
        assert_eq!(plan.envelope[1], (MailClass::SimpleRegistered, 1));
        assert_eq!(plan.envelope[2], (MailClass::SpecifiedRecord, 2));
    }
}
