//! The `record_id`s an input has used, to refuse a second use. It is the one structure of a
//! reader that grows with the input, so it is kept small: a prefecture's renewal has millions
//! of records.
//!
//! The ids are kept end to end in one string, each followed by a NUL (which no id holds: the
//! field rules refuse control characters), and the table holds only where each starts and the
//! line of its first record. That is some 56 bytes an id, against some 126 for a map of owned
//! strings (bench/README.md, "One million records").

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// Every `record_id` seen, with the line of its first record.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    ids: String,
    table: HashTable<Entry>,
    /// Keyed at random, so crafted ids cannot pile into one bucket; the key decides only
    /// where an id is stored, never what is found, so output does not depend on it.
    hasher: RandomState,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Byte offset of the id in `ids`.
    start: usize,
    first_line: u64,
}

impl Seen {
    /// The line of the first record with `id`; `None` if this is its first use, which
    /// registers it at `line`.
    pub(crate) fn first_line_or_insert(&mut self, id: &str, line: u64) -> Option<u64> {
        let hash = self.hasher.hash_one(id);
        let ids = &self.ids;
        if let Some(entry) = self.table.find(hash, |e| id_at(ids, e.start) == id) {
            return Some(entry.first_line);
        }
        let start = self.ids.len();
        self.ids.push_str(id);
        self.ids.push('\0');
        let (ids, hasher) = (&self.ids, &self.hasher);
        let entry = Entry {
            start,
            first_line: line,
        };
        self.table
            .insert_unique(hash, entry, |e| hasher.hash_one(id_at(ids, e.start)));
        None
    }
}

/// The id that starts at `start`: up to its NUL.
fn id_at(ids: &str, start: usize) -> &str {
    let rest = &ids[start..];
    &rest[..memchr::memchr(0, rest.as_bytes()).unwrap_or(rest.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn a_second_use_finds_the_first_line() {
        let mut seen = Seen::default();
        assert_eq!(seen.first_line_or_insert("R1", 2), None);
        assert_eq!(seen.first_line_or_insert("R10", 3), None);
        assert_eq!(seen.first_line_or_insert("R", 4), None);
        assert_eq!(seen.first_line_or_insert("R1", 9), Some(2));
        assert_eq!(seen.first_line_or_insert("R10", 10), Some(3));
        assert_eq!(seen.first_line_or_insert("佐藤", 11), None);
        assert_eq!(seen.first_line_or_insert("佐藤", 12), Some(11));
    }

    proptest! {
        /// The same answers as a map of owned strings, through the table's growth.
        #[test]
        fn answers_as_a_map_of_strings_would(ids in proptest::collection::vec("[a-c]{0,3}", 0..400)) {
            let (mut seen, mut map) = (Seen::default(), HashMap::new());
            for (line, id) in (1..).zip(&ids) {
                let expected = map.get(id).copied();
                map.entry(id.clone()).or_insert(line);
                prop_assert_eq!(seen.first_line_or_insert(id, line), expected);
            }
        }
    }
}
