//! Mailing order: which envelope each document goes in, and in what order the
//! envelopes (and so the print files) come.
//!
//! Documents go to the householder, one envelope per household (豊橋市:
//! 「原則、書類は世帯ごとに一通の封筒でまとめて送付」). An envelope holding a
//! 資格確認書 goes by registered mail (簡易書留 / 特定記録) and one holding only
//! お知らせ by ordinary mail (倉吉市, 江別市 pages), so envelopes are split by mail
//! class first; within a class they are sorted by postal code, which is what
//! bulk-mail discounts ask for, then by household. Members of one household keep
//! their input order.

use serde::Serialize;

use crate::eligibility::Document;
use crate::record::Record;

/// How an envelope is mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailClass {
    /// 簡易書留 or 特定記録: the envelope holds a 資格確認書.
    Registered,
    /// 普通郵便: only お知らせ.
    Ordinary,
}

impl MailClass {
    /// The name used in file names and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            MailClass::Registered => "registered",
            MailClass::Ordinary => "ordinary",
        }
    }
}

/// The household a record belongs to: its `household_id`, or, when upstream sends
/// none, the members who share a postal code, address and householder.
pub fn household_key(record: &Record) -> String {
    match &record.household_id {
        Some(id) => format!("id:{id}"),
        None => format!(
            "addr:{}|{}|{}",
            record.postal_code.as_deref().unwrap_or(""),
            record.address.as_deref().unwrap_or(""),
            record
                .householder_name
                .as_deref()
                .unwrap_or(&record.record_id)
        ),
    }
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
    /// The document printed.
    pub document: Document,
}

/// The postal code as a sortable number; a missing or malformed one sorts first.
pub fn postal_number(record: &Record) -> u32 {
    record
        .postal_code
        .as_deref()
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
        let class = if l.document == Document::Kakuninsho {
            MailClass::Registered
        } else {
            MailClass::Ordinary
        };
        let entry = households
            .entry(l.household)
            .or_insert((class, l.postal, l.index));
        entry.0 = entry.0.min(class);
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

    fn letter(index: u64, household: u64, postal: u32, document: Document) -> Letter {
        Letter {
            index,
            household,
            postal,
            document,
        }
    }

    #[test]
    fn households_stay_together_sorted_by_postal_code_within_mail_class() {
        use Document::{Kakuninsho as K, Oshirase as O};
        let letters = [
            letter(1, 10, 3700002, O),
            letter(2, 20, 3700001, O),
            letter(3, 10, 3700002, K), // makes household 10 registered
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
}
