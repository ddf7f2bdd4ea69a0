//! Property tests over the record readers (CSV, JSON Lines, JSON array), for any input:
//! no panic; never more than the record size limit held; every line accounted for
//! (read = valid + invalid, plus the position where reading stopped, if it did); and
//! one broken record never costs the others (issue 10, item 1).

use proptest::prelude::*;
use shikaku::record::{from_reader, Format, ReadOptions, Unread};

/// A small limit, so that generated inputs cross it.
const LIMIT: usize = 256;

/// The required columns only: short enough to fit the limit.
const HEADER: &str =
    "record_id,scheme,insurer_number,number,name,sex,birth_date,qualified_date,issue_date,has_myna_hoken";

fn options() -> ReadOptions {
    ReadOptions {
        max_record_bytes: LIMIT,
        ..ReadOptions::default()
    }
}

fn csv_row(id: &str) -> String {
    format!("{id},kouki,39102017,12345678,鈴木 花子,女,1948-11-03,2023-11-03,2025-08-01,true")
}

fn json_row(id: &str) -> String {
    format!(
        r#"{{"record_id":"{id}","scheme":"kouki","insurer_number":"39102017","number":"12345678","name":"鈴木 花子","sex":"女","birth_date":"1948-11-03","qualified_date":"2023-11-03","issue_date":"2025-08-01","has_myna_hoken":true}}"#
    )
}

/// What reading the whole input gave.
#[derive(Debug, Default)]
struct Tally {
    valid: Vec<String>,
    invalid: usize,
    stopped: Option<Unread>,
    max_buffered: usize,
}

fn read(input: &[u8], format: Format) -> Option<Tally> {
    let mut records = from_reader(input, "input", format, &options()).ok()?;
    let mut tally = Tally::default();
    let mut ended = false;
    while let Some(item) = records.next() {
        assert!(!ended, "a record after the error that ended the input");
        tally.max_buffered = tally.max_buffered.max(records.buffered_bytes());
        match item {
            Ok((_, record)) => tally.valid.push(record.record_id),
            Err(e) if e.ends_input() => ended = true,
            Err(_) => tally.invalid += 1,
        }
    }
    tally.stopped = records.stopped();
    assert_eq!(ended, tally.stopped.is_some(), "an end without a position");
    if let Some(at) = tally.stopped {
        assert!(at.byte <= input.len() as u64, "{at:?} past the input");
    }
    // The limit, plus a few hundred bytes of bookkeeping (a CSV row's cell positions).
    assert!(
        tally.max_buffered <= LIMIT + 1024,
        "held {} bytes",
        tally.max_buffered
    );
    Some(tally)
}

/// Lines a reader must account for one by one: the non-blank ones.
fn non_blank_lines(text: &[u8]) -> usize {
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.ends_with(b"\n") {
        lines.pop();
    }
    lines
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count()
}

/// Bytes that matter to the parsers, mixed with plain text and multi-byte UTF-8.
fn hostile_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"\"".to_vec()),
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"\\".to_vec()),
        Just("佐藤".as_bytes().to_vec()),
        Just(b"\xff\x00".to_vec()),
        "[a-z0-9 :]{1,12}".prop_map(String::into_bytes),
        Just(vec![b'x'; 300]),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|pieces| pieces.concat())
}

/// Cases each property runs: 300, or `PROPTEST_CASES` when set (proptest itself reads
/// it only for its default configuration, which `with_cases` replaces).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn readers_csv_accounts_for_every_line_of_any_input(body in hostile_bytes(60)) {
        let input = [format!("{HEADER}\n").as_bytes(), &body].concat();
        let tally = read(&input, Format::Csv).expect("the header is valid");
        let items = tally.valid.len() + tally.invalid + usize::from(tally.stopped.is_some());
        prop_assert_eq!(items, non_blank_lines(&body));
    }

    #[test]
    fn readers_json_lines_accounts_for_every_line_of_any_input(body in hostile_bytes(60)) {
        let tally = read(&body, Format::JsonLines).expect("JSON Lines always opens");
        let items = tally.valid.len() + tally.invalid + usize::from(tally.stopped.is_some());
        prop_assert_eq!(items, non_blank_lines(&body));
    }

    #[test]
    fn readers_json_array_stops_where_it_breaks_or_reads_to_the_end(body in hostile_bytes(60)) {
        let input = [b"[".as_slice(), &body].concat();
        let tally = read(&input, Format::JsonArray).expect("starts with [");
        let closed = serde_json::from_slice::<Vec<serde_json::Value>>(&input).is_ok();
        if closed {
            // A well-formed array is read to its end, one result an element.
            prop_assert!(tally.stopped.is_none());
        } else {
            prop_assert!(tally.stopped.is_some(), "a broken array must say where it stopped");
        }
    }

    #[test]
    fn readers_one_broken_csv_row_costs_only_itself(
        count in 2usize..12,
        broken in 0usize..12,
        at in 0usize..80,
        damage in prop_oneof![Just("\""), Just(","), Just("\",\""), Just("\u{0}"), Just("\"\"\"")],
    ) {
        let broken = broken % count;
        let mut rows: Vec<String> = (0..count).map(|i| csv_row(&format!("R{i}"))).collect();
        let at = rows[broken].char_indices().map(|(i, _)| i).nth(at).unwrap_or(0);
        rows[broken].insert_str(at, damage);
        let input = format!("{HEADER}\n{}\n", rows.join("\n"));
        let tally = read(input.as_bytes(), Format::Csv).expect("the header is valid");
        for i in (0..count).filter(|&i| i != broken) {
            prop_assert!(tally.valid.contains(&format!("R{i}")), "R{} lost: {:?}", i, tally);
        }
        prop_assert_eq!(tally.valid.len() + tally.invalid, count);
    }

    #[test]
    fn readers_one_broken_json_line_costs_only_itself(
        count in 2usize..12,
        broken in 0usize..12,
        cut in 0usize..200,
        damage in prop_oneof![Just("\""), Just("{"), Just("}"), Just("\\"), Just("]")],
    ) {
        let broken = broken % count;
        let mut rows: Vec<String> = (0..count).map(|i| json_row(&format!("R{i}"))).collect();
        let at = rows[broken].char_indices().map(|(i, _)| i).nth(cut).unwrap_or(0);
        rows[broken].insert_str(at, damage);
        let input = format!("{}\n", rows.join("\n"));
        let tally = read(input.as_bytes(), Format::JsonLines).expect("opens");
        for i in (0..count).filter(|&i| i != broken) {
            prop_assert!(tally.valid.contains(&format!("R{i}")), "R{} lost: {:?}", i, tally);
        }
        prop_assert_eq!(tally.valid.len() + tally.invalid, count);
    }
}

/// Issue 10, item 11: a quote never closed in a large file held the whole rest of it.
/// A megabyte of one line after a stray quote, then a record: the reader holds no more
/// than the limit, and the record after it is read.
#[test]
fn readers_an_unclosed_quote_over_a_megabyte_holds_only_the_limit() {
    let mut input = format!("{HEADER}\n\"").into_bytes();
    input.extend(std::iter::repeat_n(b'x', 1 << 20));
    input.extend(format!("\n{}\n", csv_row("AFTER")).as_bytes());
    let tally = read(&input, Format::Csv).expect("the header is valid");
    assert_eq!(tally.valid, ["AFTER"]);
    assert_eq!(tally.invalid, 1);
}
