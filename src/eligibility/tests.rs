//! The rules against their published sources: every row of the 有効期限 tables of 高崎市's
//! leaflets of 令和7年度 ("高崎市 R7") and 令和5年度 ("高崎市 R5") at its edges, 最上地区広域連合's
//! Q&A of 令和6年11月 ("最上 Q&A") Q11 and Q23, and the boundaries between rows. Each case names
//! the row it checks; a failure prints it.

use chrono::NaiveDate;

use super::*;
use crate::record::Sex;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A kokuho member without a マイナ保険証, renewed in July for the cycle starting 8/1 that year.
/// The 負担割合 is 2 so that 高齢受給者 rows print; under 70 it is ignored.
pub(super) fn kokuho(birth: NaiveDate, renewal_year: i32) -> Record {
    Record {
        record_id: "r1".into(),
        scheme: Scheme::Kokuho,
        insurer_number: "102012".into(),
        symbol: Some("高".into()),
        number: "1234".into(),
        branch: Some("01".into()),
        name: "佐藤 太郎".into(),
        name_kana: Some("サトウ タロウ".into()),
        sex: Sex::Male,
        birth_date: birth,
        postal_code: Some("3708501".into()),
        address: Some("群馬県高崎市高松町35番地1".into()),
        householder_name: Some("佐藤 太郎".into()),
        qualified_date: d(2000, 4, 1),
        issue_date: d(renewal_year, 7, 15),
        has_myna_hoken: false,
        copay_ratio: Some(2),
        effective_date: None,
        expiry_date: None,
        residence_expiry: None,
        special_medical: false,
        certificate_requested: false,
        certificate_reason: None,
        application_date: None,
        household_id: None,
        remarks: None,
        mail_to_name: None,
        mail_to_postal_code: None,
        mail_to_address: None,
        mail_to_care_of: None,
        limit_category: None,
        limit_effective_date: None,
        long_term_stay_date: None,
        specific_disease: None,
        specific_disease_limit: None,
        sex_on_back: false,
        registered_name: None,
    }
}

/// A kouki member (75 on 2008-04-01, the scheme's start) without a マイナ保険証.
fn kouki(birth: NaiveDate, renewal_year: i32) -> Record {
    Record {
        scheme: Scheme::Kouki,
        insurer_number: "39102017".into(),
        symbol: None,
        number: "12345678".into(),
        branch: None,
        copay_ratio: Some(1),
        qualified_date: d(2008, 4, 1),
        ..kokuho(birth, renewal_year)
    }
}

fn with(mut record: Record, change: impl FnOnce(&mut Record)) -> Record {
    change(&mut record);
    record
}

fn run(
    record: &Record,
    rules: &Rules,
    cycle: Option<i32>,
    check: Check,
) -> Result<Evaluated, Vec<Contradiction>> {
    evaluate(record, rules, &Options { cycle, check })
}

/// Evaluates strictly with the default rules, failing the test with the contradictions.
fn eligibility(record: &Record, cycle: Option<i32>, case: &str) -> Eligibility {
    match run(record, &Rules::default(), cycle, Check::Strict) {
        Ok(e) => e.eligibility,
        Err(errors) => panic!(
            "{case}: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

fn rule(e: &Eligibility, field: &str) -> &'static str {
    e.reasons
        .iter()
        .find(|r| r.field == field)
        .map_or("(no reason)", |r| r.rule)
}

/// The rules of the errors a record gives (strict, default rules).
fn error_rules(record: &Record, cycle: Option<i32>) -> Vec<&'static str> {
    run(record, &Rules::default(), cycle, Check::Strict)
        .err()
        .unwrap_or_default()
        .iter()
        .map(|c| c.rule)
        .collect()
}

/// One row edge of an 有効期限 table: who, and the 有効期限 and rule expected.
struct Row {
    source: &'static str,
    birth: NaiveDate,
    expiry: Option<NaiveDate>,
    rule: &'static str,
}

fn row(
    source: &'static str,
    birth: NaiveDate,
    expiry: Option<NaiveDate>,
    rule: &'static str,
) -> Row {
    Row {
        source,
        birth,
        expiry,
        rule,
    }
}

fn check_rows(rows: &[Row], cycle: i32, myna: bool) {
    for r in rows {
        let record = with(kokuho(r.birth, cycle), |m| m.has_myna_hoken = myna);
        let e = eligibility(&record, Some(cycle), r.source);
        let want_document = if myna {
            Document::Oshirase
        } else {
            Document::Kakuninsho
        };
        assert_eq!(e.document, want_document, "{}", r.source);
        assert_eq!(
            (e.expiry_date, rule(&e, "expiry_date")),
            (r.expiry, r.rule),
            "{} (born {})",
            r.source,
            r.birth
        );
    }
}

#[test]
fn takasaki_r7_kakuninsho_table() {
    let end = Some(d(2026, 7, 31));
    check_rows(
        &[
            row(
                "高崎市 R7 75歳になる方, first birthday in the cycle",
                d(1950, 8, 2),
                Some(d(2025, 8, 1)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R7 75歳になる方, 75th birthday mid-cycle",
                d(1951, 3, 15),
                Some(d(2026, 3, 14)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R7 75歳になる方, 75th birthday on 令和8年7月31日",
                d(1951, 7, 31),
                Some(d(2026, 7, 30)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R7 上記以外, 75th birthday the day after the cycle",
                d(1951, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 70歳になる方, 到達日 on the cycle's first day",
                d(1955, 8, 2),
                Some(d(2025, 8, 31)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 70歳になる方, 1日生まれ は前月末",
                d(1955, 10, 1),
                Some(d(2025, 9, 30)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 70歳になる方, born on a month's last day",
                d(1955, 10, 31),
                Some(d(2025, 10, 31)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 70歳になる方, 1日生まれ in the next month",
                d(1955, 11, 1),
                Some(d(2025, 10, 31)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 70歳になる方, born 2月29日 (到達日 2月28日)",
                d(1956, 2, 29),
                Some(d(2026, 2, 28)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 70歳になる方, 70th birthday on 令和8年7月1日",
                d(1956, 7, 1),
                Some(d(2026, 6, 30)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R7 上記以外, 70th birthday on 令和8年7月2日",
                d(1956, 7, 2),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 上記以外, 70th birthday on the cycle's last day",
                d(1956, 7, 31),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 上記以外, 70 on the cycle's first day (高齢受給者)",
                d(1955, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 上記以外, under 70",
                d(1980, 5, 5),
                end,
                "expiry.cycle-end",
            ),
        ],
        2025,
        false,
    );
}

#[test]
fn takasaki_r7_oshirase_table() {
    let end = Some(d(2026, 7, 31));
    check_rows(
        &[
            row(
                "高崎市 R7 <<70歳未満>> 有効期限なし",
                d(1980, 5, 5),
                None,
                "expiry.none-under-70",
            ),
            row(
                "高崎市 R7 <<70〜74>> 75歳になる方, first birthday in the cycle",
                d(1950, 8, 2),
                Some(d(2025, 8, 1)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R7 <<70〜74>> 75歳になる方, on 令和8年7月31日",
                d(1951, 7, 31),
                Some(d(2026, 7, 30)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R7 <<70〜74>> 8月1日時点で70歳以上, exactly 70",
                d(1955, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 <<70〜74>> 8月1日時点で70歳以上, 74",
                d(1951, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R7 <<70〜74>> 上記以外: 到達日 on 8月1日",
                d(1955, 8, 2),
                None,
                "expiry.none-under-70",
            ),
            row(
                "高崎市 R7 <<70〜74>> 上記以外: 70 within the cycle",
                d(1956, 1, 15),
                None,
                "expiry.none-under-70",
            ),
        ],
        2025,
        true,
    );
}

#[test]
fn takasaki_r5_table() {
    let end = Some(d(2024, 7, 31));
    check_rows(
        &[
            row(
                "高崎市 R5 ① 昭和23年8月2日 (first)",
                d(1948, 8, 2),
                Some(d(2023, 8, 1)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R5 ① 昭和24年7月31日 (last)",
                d(1949, 7, 31),
                Some(d(2024, 7, 30)),
                "expiry.turns-75",
            ),
            row(
                "高崎市 R5 ③ 昭和24年8月1日 (after ①)",
                d(1949, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R5 ② 昭和28年8月2日 (first)",
                d(1953, 8, 2),
                Some(d(2023, 8, 31)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R5 ② 昭和29年7月1日 (last, 1日生まれ)",
                d(1954, 7, 1),
                Some(d(2024, 6, 30)),
                "expiry.turns-70",
            ),
            row(
                "高崎市 R5 ③ 昭和28年8月1日 (before ②: already 70)",
                d(1953, 8, 1),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R5 ③ 昭和29年7月2日 (after ②)",
                d(1954, 7, 2),
                end,
                "expiry.cycle-end",
            ),
            row(
                "高崎市 R5 ③ 上記①、②以外",
                d(1970, 1, 1),
                end,
                "expiry.cycle-end",
            ),
        ],
        2023,
        false,
    );
}

#[test]
fn takasaki_r5_row_1_starts_after_kokuho_ends() {
    // 昭和23年8月1日 (before ①): 75 on 令和5年8月1日, already kouki for the whole cycle.
    assert_eq!(
        error_rules(&kokuho(d(1948, 8, 1), 2023), Some(2023)),
        ["record.kokuho-over-75"]
    );
    assert_eq!(
        error_rules(&kokuho(d(1950, 8, 1), 2025), Some(2025)),
        ["record.kokuho-over-75"],
        "高崎市 R7 likewise"
    );
}

#[test]
fn residence_rows() {
    let cases = [
        (
            "高崎市 R5 外国人 令和6年7月29日以前",
            2023,
            d(2024, 7, 29),
            d(2024, 7, 30),
            "expiry.residence",
        ),
        (
            "高崎市 R5 外国人 令和6年7月30日以降",
            2023,
            d(2024, 7, 30),
            d(2024, 7, 31),
            "expiry.cycle-end",
        ),
        (
            "高崎市 R7 外国籍 7月29日以前 (the leaflet's 令和7年 read as 令和8年)",
            2025,
            d(2026, 7, 29),
            d(2026, 7, 30),
            "expiry.residence",
        ),
        (
            "高崎市 R7 外国籍, 7月30日",
            2025,
            d(2026, 7, 30),
            d(2026, 7, 31),
            "expiry.cycle-end",
        ),
        (
            "高崎市 R7 外国籍, mid-cycle",
            2025,
            d(2025, 10, 15),
            d(2025, 10, 16),
            "expiry.residence",
        ),
        (
            "高崎市 R7 外国籍, ends the day before the cycle: valid its first day",
            2025,
            d(2025, 7, 31),
            d(2025, 8, 1),
            "expiry.residence",
        ),
        (
            "高崎市 R7 外国籍, after the cycle",
            2025,
            d(2027, 1, 1),
            d(2026, 7, 31),
            "expiry.cycle-end",
        ),
    ];
    for (source, year, residence, want, want_rule) in cases {
        let e = eligibility(
            &with(kokuho(d(1990, 6, 6), year), |m| {
                m.residence_expiry = Some(residence)
            }),
            Some(year),
            source,
        );
        assert_eq!(
            (e.expiry_date, rule(&e, "expiry_date")),
            (Some(want), want_rule),
            "{source}"
        );
    }
    let gone = with(kokuho(d(1990, 6, 6), 2025), |m| {
        m.residence_expiry = Some(d(2025, 7, 30))
    });
    assert_eq!(
        error_rules(&gone, Some(2025)),
        ["record.residence-before-cycle"]
    );
}

#[test]
fn residence_meets_turning_75_earliest_wins() {
    let r = with(kokuho(d(1951, 3, 15), 2025), |m| {
        m.residence_expiry = Some(d(2025, 12, 1))
    });
    let e = eligibility(&r, Some(2025), "高崎市 R7 several rows: the earliest");
    assert_eq!(
        (e.expiry_date, rule(&e, "expiry_date")),
        (Some(d(2025, 12, 2)), "expiry.residence")
    );
    let r = with(r, |m| m.residence_expiry = Some(d(2026, 5, 1)));
    let e = eligibility(&r, Some(2025), "高崎市 R7 several rows: the earliest");
    assert_eq!(
        (e.expiry_date, rule(&e, "expiry_date")),
        (Some(d(2026, 3, 14)), "expiry.turns-75")
    );
}

#[test]
fn oshirase_ignores_residence() {
    let r = with(kokuho(d(1990, 6, 6), 2025), |m| {
        m.has_myna_hoken = true;
        m.residence_expiry = Some(d(2025, 10, 15));
    });
    assert_eq!(
        eligibility(&r, Some(2025), "高崎市 R7 お知らせ table has no 外国籍 row").expiry_date,
        None
    );
}

fn requested(birth: NaiveDate, applied: NaiveDate) -> Record {
    with(kokuho(birth, 2025), |m| {
        m.has_myna_hoken = true;
        m.certificate_requested = true;
        m.application_date = Some(applied);
        m.issue_date = applied;
    })
}

#[test]
fn mogami_q11_requested_certificate() {
    let cases = [
        (
            "最上 Q&A Q11 翌月 (11月) から3か月後 (2月) の月末",
            d(1980, 5, 5),
            d(2025, 10, 15),
            d(2026, 2, 28),
            "expiry.requested",
        ),
        (
            "最上 Q&A Q11 applied on a month's last day",
            d(1980, 5, 5),
            d(2025, 12, 31),
            d(2026, 4, 30),
            "expiry.requested",
        ),
        (
            "最上 Q&A Q11 applied on the cycle's first day",
            d(1980, 5, 5),
            d(2025, 8, 1),
            d(2025, 12, 31),
            "expiry.requested",
        ),
        (
            "最上 Q&A Q11 capped at the cycle end",
            d(1980, 5, 5),
            d(2026, 4, 10),
            d(2026, 7, 31),
            "expiry.cycle-end",
        ),
        (
            "最上 Q&A Q11 capped by 高崎市 R7 75歳になる方",
            d(1951, 1, 10),
            d(2025, 10, 15),
            d(2026, 1, 9),
            "expiry.turns-75",
        ),
        (
            "最上 Q&A Q11 capped by 高崎市 R7 70歳になる方",
            d(1955, 12, 20),
            d(2025, 10, 15),
            d(2025, 12, 31),
            "expiry.turns-70",
        ),
    ];
    for (source, birth, applied, want, want_rule) in cases {
        let e = eligibility(&requested(birth, applied), None, source);
        assert_eq!(e.document, Document::Kakuninsho, "{source}");
        assert_eq!(rule(&e, "document"), "document.requested", "{source}");
        assert_eq!(
            (e.expiry_date, rule(&e, "expiry_date")),
            (Some(want), want_rule),
            "{source}"
        );
    }
}

#[test]
fn mogami_q11_months_are_configurable_and_the_date_required() {
    let rules = Rules {
        emergency_months: 2,
        ..Rules::default()
    };
    let e = run(
        &requested(d(1980, 5, 5), d(2025, 10, 15)),
        &rules,
        None,
        Check::Strict,
    )
    .unwrap()
    .eligibility;
    assert_eq!(e.expiry_date, Some(d(2026, 1, 31)));
    let missing = with(requested(d(1980, 5, 5), d(2025, 10, 15)), |m| {
        m.application_date = None
    });
    assert_eq!(error_rules(&missing, None), ["expiry.requested"]);
    // Without a マイナ保険証 the application changes nothing: the regular 確認書.
    let plain = with(missing, |m| m.has_myna_hoken = false);
    assert_eq!(
        eligibility(&plain, None, "最上 Q&A 【参考】").expiry_date,
        Some(d(2026, 7, 31))
    );
}

/// Seed 003 Q23 ②: 70th birthday from 令和6年12月2日; cycle 令和6年8月1日〜令和7年7月31日.
#[test]
fn mogami_q23_document_on_reaching_70() {
    // 70th birthday 2024-12-02: 到達日 12月1日, 高齢受給者 from 2025-01-01; issued in December.
    let base = with(kokuho(d(1954, 12, 2), 2024), |m| {
        m.issue_date = d(2024, 12, 10)
    });
    for (source, myna, ratio, document) in [
        (
            "最上 Q&A Q23 ② マイナ保険証あり: お知らせ 2割",
            true,
            2,
            Document::Oshirase,
        ),
        (
            "最上 Q&A Q23 ② マイナ保険証あり: お知らせ 3割",
            true,
            3,
            Document::Oshirase,
        ),
        (
            "最上 Q&A Q23 ② マイナ保険証なし: 資格確認書 2割",
            false,
            2,
            Document::Kakuninsho,
        ),
        (
            "最上 Q&A Q23 ② マイナ保険証なし: 資格確認書 3割",
            false,
            3,
            Document::Kakuninsho,
        ),
    ] {
        let r = with(base.clone(), |m| {
            m.has_myna_hoken = myna;
            m.copay_ratio = Some(ratio);
        });
        let e = eligibility(&r, None, source);
        assert_eq!(e.document, document, "{source}");
        assert_eq!(e.copay_ratio, Some(ratio), "{source}");
        assert_eq!(
            (e.effective_date, rule(&e, "effective_date")),
            (Some(d(2025, 1, 1)), "effective.turns-70"),
            "{source}"
        );
        assert_eq!(e.expiry_date, Some(d(2025, 7, 31)), "{source}");
        assert!(e.elderly, "{source}");
        assert_eq!(e.age_at_cycle_start, 69, "{source}");
    }
    let missing = with(base, |m| m.copay_ratio = None);
    assert_eq!(
        error_rules(&missing, None),
        ["burden.elderly"],
        "最上 Q&A 【参考】 負担割合 is required from 70"
    );
}

#[test]
fn mogami_q23_the_renewal_before_it() {
    // The July renewal for the same member: under 70, to the end of the 到達日's month.
    let renewal = kokuho(d(1954, 12, 2), 2024);
    let e = eligibility(
        &renewal,
        Some(2024),
        "高崎市 R5 ② / 最上 Q&A Q23: renewal before reaching 70",
    );
    assert_eq!(
        (e.expiry_date, e.copay_ratio, e.effective_date, e.elderly),
        (Some(d(2024, 12, 31)), None, None, false)
    );
    let e = eligibility(
        &with(renewal, |m| m.has_myna_hoken = true),
        Some(2024),
        "高崎市 R7 <<70歳未満>>",
    );
    assert_eq!((e.expiry_date, e.copay_ratio), (None, None));
    // Issued the month before the 到達日's month: still the under-70 document.
    let early = with(kokuho(d(1954, 12, 10), 2024), |m| {
        m.issue_date = d(2024, 11, 20)
    });
    let e = eligibility(
        &early,
        None,
        "高崎市 R5 ②: issued before the month of reaching 70",
    );
    assert_eq!((e.expiry_date, e.elderly), (Some(d(2024, 12, 31)), false));
}

#[test]
fn mogami_q23_born_on_the_1st() {
    // Born 1955-01-01: 到達日 2024-12-31, so 高齢受給者 from 2025-01-01, the birthday itself.
    let r = with(kokuho(d(1955, 1, 1), 2024), |m| {
        m.issue_date = d(2024, 12, 5)
    });
    let e = eligibility(&r, None, "最上 Q&A Q23 ② / 国保法42条: 1日生まれ");
    assert_eq!(
        (e.effective_date, e.expiry_date),
        (Some(d(2025, 1, 1)), Some(d(2025, 7, 31)))
    );
    let e = eligibility(
        &kokuho(d(1955, 1, 1), 2024),
        Some(2024),
        "高崎市 R7 1日生まれは前月末",
    );
    assert_eq!(e.expiry_date, Some(d(2024, 12, 31)));
}

#[test]
fn effective_date_of_70_to_74() {
    let e = eligibility(
        &kokuho(d(1953, 5, 5), 2025),
        Some(2025),
        "最上 Q&A 【参考】 70歳以上: 発効期日",
    );
    assert_eq!(
        (e.effective_date, rule(&e, "effective_date")),
        (Some(d(2025, 8, 1)), "effective.cycle-start")
    );
    // 70 exactly on the first day: the 1st of the month after the 到達日 is the cycle start too.
    let e = eligibility(
        &kokuho(d(1955, 8, 1), 2025),
        Some(2025),
        "高崎市 R5 ② boundary",
    );
    assert_eq!(
        (e.effective_date, rule(&e, "effective_date")),
        (Some(d(2025, 8, 1)), "effective.cycle-start")
    );
    // Joined the cycle late (moved in): from the 適用開始年月日.
    let moved = with(kokuho(d(1953, 5, 5), 2025), |m| {
        m.qualified_date = d(2025, 10, 20);
        m.issue_date = d(2025, 10, 20);
    });
    let e = eligibility(&moved, None, "大津市: joined within the cycle");
    assert_eq!(
        (e.effective_date, rule(&e, "effective_date")),
        (Some(d(2025, 10, 20)), "effective.qualified-date")
    );
}

#[test]
fn copay_under_70_is_not_printed() {
    for ratio in [None, Some(2), Some(3)] {
        let e = eligibility(
            &with(kokuho(d(1980, 5, 5), 2025), |m| m.copay_ratio = ratio),
            Some(2025),
            "最上 Q&A 【参考】",
        );
        assert_eq!(
            (e.copay_ratio, rule(&e, "copay_ratio")),
            (None, "burden.under-70")
        );
    }
    let bad = with(kokuho(d(1980, 5, 5), 2025), |m| m.copay_ratio = Some(5));
    assert_eq!(error_rules(&bad, Some(2025)), ["burden.range"]);
    let one = with(kokuho(d(1953, 5, 5), 2025), |m| m.copay_ratio = Some(1));
    assert_eq!(
        error_rules(&one, Some(2025)),
        ["burden.elderly"],
        "70〜74 is 2割 or 3割"
    );
}

#[test]
fn special_medical_and_high_school_generation() {
    let flagged = |birth| with(kokuho(birth, 2025), |m| m.special_medical = true);
    let cases = [
        (
            "高崎市 R7 特別療養費: adult",
            d(1980, 5, 5),
            true,
            "special.flagged",
        ),
        (
            "高崎市 R7 高校生世代: born 4/1 left it on 2025-03-31",
            d(2007, 4, 1),
            true,
            "special.flagged",
        ),
        (
            "高崎市 R7 高校生世代以下: born 4/2 stays until 2026-03-31",
            d(2007, 4, 2),
            false,
            "special.youth-exempt",
        ),
        (
            "高崎市 R7 高校生世代以下: a child",
            d(2015, 1, 1),
            false,
            "special.youth-exempt",
        ),
    ];
    for (source, birth, want, want_rule) in cases {
        let e = eligibility(&flagged(birth), Some(2025), source);
        assert_eq!(
            (e.special_medical, rule(&e, "special_medical")),
            (want, want_rule),
            "{source}"
        );
    }
    // Issued after the exemption ended: judged on the 交付年月日.
    let late = with(flagged(d(2007, 4, 2)), |m| m.issue_date = d(2026, 4, 1));
    assert!(eligibility(&late, None, "高崎市 R7 高校生世代, issued after 3/31").special_medical);
    let e = eligibility(&kokuho(d(1980, 5, 5), 2025), Some(2025), "not flagged");
    assert!(!e.special_medical);
    let k = with(kouki(d(1930, 5, 5), 2025), |m| m.special_medical = true);
    assert_eq!(
        rule(
            &eligibility(&k, Some(2025), "kouki honours the flag"),
            "special_medical"
        ),
        "special.kouki"
    );
}

#[test]
fn kouki_interim_rule() {
    let holder = |year| with(kouki(d(1930, 5, 5), year), |m| m.has_myna_hoken = true);
    let e = eligibility(&holder(2025), Some(2025), "暫定運用: cycle from 2025-08-01");
    assert_eq!(
        (e.document, rule(&e, "document")),
        (Document::Kakuninsho, "document.kouki-interim")
    );
    assert_eq!(
        (e.expiry_date, e.effective_date, e.copay_ratio),
        (Some(d(2026, 7, 31)), Some(d(2025, 8, 1)), Some(1))
    );
    // Renewal printed 2026-07-15 for the cycle from 2026-08-01: after the interim end.
    let e = eligibility(&holder(2026), Some(2026), "暫定運用 ends 2026-07-31");
    assert_eq!(
        (e.document, rule(&e, "document")),
        (Document::Oshirase, "document.myna-holder")
    );
    assert_eq!(
        (e.expiry_date, e.copay_ratio),
        (Some(d(2027, 7, 31)), Some(1))
    );
    let extended = Rules {
        kouki_interim_end: d(2027, 7, 31),
        ..Rules::default()
    };
    let e = run(&holder(2026), &extended, Some(2026), Check::Strict)
        .unwrap()
        .eligibility;
    assert_eq!(
        e.document,
        Document::Kakuninsho,
        "an extended interim end is configuration"
    );
    let without = with(holder(2026), |m| m.has_myna_hoken = false);
    assert_eq!(
        eligibility(&without, Some(2026), "no card").document,
        Document::Kakuninsho
    );
}

#[test]
fn kouki_members() {
    // Joins on the 75th birthday within the cycle, certificate sent the month before.
    let joining = with(kouki(d(1950, 9, 10), 2025), |m| {
        m.qualified_date = d(2025, 9, 10);
        m.issue_date = d(2025, 8, 20);
    });
    let e = eligibility(&joining, None, "高確法52条: kouki from the 75th birthday");
    assert_eq!(
        (e.effective_date, rule(&e, "effective_date")),
        (Some(d(2025, 9, 10)), "effective.qualified-date")
    );
    assert_eq!(
        (e.expiry_date, e.scheme, e.elderly),
        (Some(d(2026, 7, 31)), Scheme::Kouki, false)
    );
    // 障害認定 from 65: a kouki member under 75 is allowed, one under 65 is not.
    let disabled = with(kouki(d(1958, 5, 5), 2025), |m| {
        m.qualified_date = d(2023, 5, 4)
    });
    assert_eq!(
        eligibility(&disabled, Some(2025), "高確法50条 障害認定").age_at_cycle_start,
        67
    );
    let young = with(disabled, |m| m.qualified_date = d(2023, 5, 3));
    assert_eq!(error_rules(&young, Some(2025)), ["record.kouki-under-65"]);
    let no_ratio = with(kouki(d(1930, 5, 5), 2025), |m| m.copay_ratio = None);
    assert_eq!(error_rules(&no_ratio, Some(2025)), ["burden.kouki"]);
    let short = with(kouki(d(1930, 5, 5), 2025), |m| m.number = "1234567".into());
    assert_eq!(error_rules(&short, Some(2025)), ["record.kouki-number"]);
}

#[test]
fn kouki_has_no_symbol() {
    let r = with(kouki(d(1930, 5, 5), 2025), |m| m.symbol = Some("高".into()));
    let strict = run(&r, &Rules::default(), Some(2025), Check::Strict).unwrap_err();
    assert_eq!(
        (strict[0].field, strict[0].rule),
        ("symbol", "record.kouki-no-symbol")
    );
    let warned = run(&r, &Rules::default(), Some(2025), Check::Warn).unwrap();
    assert_eq!(warned.warnings.len(), 1);
    let r = with(r, |m| m.symbol = Some(String::new()));
    assert!(
        run(&r, &Rules::default(), Some(2025), Check::Strict).is_ok(),
        "an empty 記号 is no 記号"
    );
}

#[test]
fn nakano_two_year_profile() {
    let nakano = Rules {
        cycle_years_under_70: 2,
        ..Rules::default()
    };
    let eval = |birth| {
        run(&kokuho(birth, 2025), &nakano, Some(2025), Check::Strict)
            .unwrap()
            .eligibility
    };
    let e = eval(d(1980, 5, 5));
    assert_eq!(
        (e.cycle.end, e.expiry_date),
        (d(2027, 7, 31), Some(d(2027, 7, 31))),
        "中野区: under 70, 2 years"
    );
    let e = eval(d(1953, 5, 5));
    assert_eq!(
        (e.cycle.end, e.expiry_date),
        (d(2026, 7, 31), Some(d(2026, 7, 31))),
        "中野区: 70+, 1 year"
    );
    let e = eval(d(1956, 9, 10));
    assert_eq!(
        e.expiry_date,
        Some(d(2026, 9, 30)),
        "reaching 70 in the second year: 000 ② still applies"
    );
}

#[test]
fn other_cycle_starts() {
    let toyohashi = Rules {
        cycle_start: "12-02".into(),
        ..Rules::default()
    };
    let r = with(kokuho(d(1980, 5, 5), 2025), |m| {
        m.issue_date = d(2025, 11, 20)
    });
    let e = run(&r, &toyohashi, Some(2025), Check::Strict)
        .unwrap()
        .eligibility;
    assert_eq!(
        e.cycle,
        Cycle {
            start: d(2025, 12, 2),
            end: d(2026, 12, 1)
        },
        "豊橋市"
    );
    // 70 on 12/1, the day before the cycle: 高齢受給者 from 1/1, within the cycle.
    let e = run(
        &kokuho(d(1955, 12, 2), 2025),
        &toyohashi,
        Some(2025),
        Check::Strict,
    )
    .unwrap()
    .eligibility;
    assert_eq!((e.elderly, e.effective_date), (true, Some(d(2026, 1, 1))));
}

#[test]
fn default_cycle_contains_the_issue_date() {
    let e = eligibility(
        &with(kokuho(d(1980, 5, 5), 2025), |m| {
            m.issue_date = d(2026, 2, 3)
        }),
        None,
        "最上 Q&A Q11 cycle",
    );
    assert_eq!(
        (e.cycle.start, rule(&e, "cycle")),
        (d(2025, 8, 1), "cycle.issue-date")
    );
}

#[test]
fn a_document_never_expires_before_it_is_issued() {
    // Turned 75 on 2025-09-10; a kokuho document issued in October has nothing left to cover.
    let late = with(kokuho(d(1950, 9, 10), 2025), |m| {
        m.issue_date = d(2025, 10, 1)
    });
    assert_eq!(error_rules(&late, None), ["expiry.before-issue"]);
}

#[test]
fn check_modes() {
    // The brief's example: turning 75 on 2026-03-15, the record says the cycle end.
    let r = with(kokuho(d(1951, 3, 15), 2025), |m| {
        m.expiry_date = Some(d(2026, 7, 31))
    });
    let strict = run(&r, &Rules::default(), Some(2025), Check::Strict).unwrap_err();
    assert_eq!(
        strict[0].to_string(),
        "field `expiry_date`: record says 2026-07-31, rule `expiry.turns-75` gives 2026-03-14"
    );
    let warn = run(&r, &Rules::default(), Some(2025), Check::Warn).unwrap();
    assert_eq!(
        (warn.eligibility.expiry_date, warn.warnings.len()),
        (Some(d(2026, 3, 14)), 1)
    );
    let off = run(&r, &Rules::default(), Some(2025), Check::Off).unwrap();
    assert_eq!(
        (off.eligibility.expiry_date, off.warnings.len()),
        (Some(d(2026, 7, 31)), 0)
    );
    assert_eq!(rule(&off.eligibility, "expiry_date"), "record.given");
    // A value that agrees is no contradiction.
    let agrees = with(r, |m| m.expiry_date = Some(d(2026, 3, 14)));
    assert!(run(&agrees, &Rules::default(), Some(2025), Check::Strict).is_ok());
    // An 発効期日 for an under-70 member: the rules print none.
    let r = with(kokuho(d(1980, 5, 5), 2025), |m| {
        m.effective_date = Some(d(2025, 8, 1))
    });
    let strict = run(&r, &Rules::default(), Some(2025), Check::Strict).unwrap_err();
    assert_eq!(
        strict[0].to_string(),
        "field `effective_date`: record says 2025-08-01, rule `effective.none-under-70` gives (none)"
    );
    // Record errors stay errors in every mode.
    let r = with(kokuho(d(1953, 5, 5), 2025), |m| m.copay_ratio = None);
    let off = run(&r, &Rules::default(), Some(2025), Check::Off).unwrap_err();
    assert_eq!(
        off[0].to_string(),
        "field `copay_ratio`: record says (empty), rule `burden.elderly` gives 2 or 3"
    );
}

#[test]
fn bad_rules_and_options_are_errors_not_panics() {
    let rules = Rules {
        cycle_start: "8/1".into(),
        ..Rules::default()
    };
    let errors = run(&kokuho(d(1980, 5, 5), 2025), &rules, None, Check::Strict).unwrap_err();
    assert_eq!(errors[0].to_string(), "field `cycle_start`: profile says 8/1, rule `rules.valid` gives a month and day as MM-DD, such as 08-01 (not 02-29)");
    let errors = run(
        &kokuho(d(1980, 5, 5), 2025),
        &Rules::default(),
        Some(i32::MAX),
        Check::Strict,
    )
    .unwrap_err();
    assert_eq!(errors[0].field, "cycle");
}

#[test]
fn no_panics_at_the_ends_of_the_calendar() {
    let dates = [
        NaiveDate::MIN,
        NaiveDate::MAX,
        d(1868, 1, 24),
        d(1900, 2, 28),
        d(2000, 2, 29),
        d(2024, 2, 29),
        d(2025, 7, 31),
        d(2025, 8, 1),
        d(2025, 12, 31),
    ];
    let rules = [
        Rules::default(),
        Rules {
            cycle_years_under_70: 5,
            emergency_months: 12,
            ..Rules::default()
        },
    ];
    for &birth in &dates {
        for &issue in &dates {
            for &other in &dates {
                for record in [kokuho(birth, 2025), kouki(birth, 2025)] {
                    let record = with(record, |m| {
                        m.issue_date = issue;
                        m.qualified_date = other;
                        m.residence_expiry = Some(other);
                        m.application_date = Some(other);
                        m.has_myna_hoken = true;
                        m.certificate_requested = true;
                        m.special_medical = true;
                    });
                    for rules in &rules {
                        for cycle in [None, Some(2025), Some(i32::MIN), Some(i32::MAX)] {
                            let result = run(&record, rules, cycle, Check::Warn);
                            explain_json(&record, &result);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_value_has_a_reason() {
    let e = eligibility(&kokuho(d(1953, 5, 5), 2025), Some(2025), "reasons");
    let fields: Vec<_> = e.reasons.iter().map(|r| r.field).collect();
    assert_eq!(
        fields,
        [
            "cycle",
            "document",
            "expiry_date",
            "effective_date",
            "copay_ratio",
            "special_medical"
        ]
    );
    assert!(e.reasons.iter().all(|r| !r.detail.is_empty()));
}

#[test]
fn explain_json_object() {
    let r = with(kokuho(d(1951, 3, 15), 2025), |m| m.copay_ratio = Some(3));
    let result = run(&r, &Rules::default(), Some(2025), Check::Strict);
    let json = explain_json(&r, &result);
    assert_eq!(json["record_id"], "r1");
    assert_eq!(json["document"], "kakuninsho");
    assert_eq!(json["scheme"], "kokuho");
    assert_eq!(json["cycle"]["start"], "2025-08-01");
    assert_eq!(json["cycle"]["end"], "2026-07-31");
    assert_eq!(json["expiry_date"], "2026-03-14");
    assert_eq!(json["effective_date"], "2025-08-01");
    assert_eq!(json["copay_ratio"], 3);
    assert_eq!(json["special_medical"], false);
    assert_eq!(json["reasons"][2]["rule"], "expiry.turns-75");
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(0));

    let under_70 = with(kokuho(d(1980, 5, 5), 2025), |m| m.has_myna_hoken = true);
    let json = explain_json(
        &under_70,
        &run(&under_70, &Rules::default(), Some(2025), Check::Strict),
    );
    assert_eq!(
        (json["expiry_date"].is_null(), json["copay_ratio"].is_null()),
        (true, true)
    );

    let bad = with(r, |m| m.expiry_date = Some(d(2026, 7, 31)));
    let json = explain_json(
        &bad,
        &run(&bad, &Rules::default(), Some(2025), Check::Strict),
    );
    assert_eq!(json["errors"][0]["rule"], "expiry.turns-75");
    assert_eq!(json["errors"][0]["given"], "2026-07-31");
    assert!(json.get("document").is_none());
}

/// Issue 11 item 1: a kouki member whose coverage starts in the next cycle (75th birthday
/// 2026-08-15, mailed 2026-07-20) gets the document of the cycle in which coverage applies
/// (高齢者の医療の確保に関する法律第52条: kouki from the 75th birthday), never one that expires on
/// 2026-07-31 before it takes effect on 2026-08-15.
#[test]
fn issue_11_next_cycle_coverage() {
    let joining = |myna| {
        with(kouki(d(1951, 8, 15), 2026), |m| {
            m.qualified_date = d(2026, 8, 15);
            m.issue_date = d(2026, 7, 20);
            m.has_myna_hoken = myna;
        })
    };
    let e = eligibility(&joining(false), None, "高確法52条: no マイナ保険証");
    assert_eq!(
        (e.cycle.start, rule(&e, "cycle")),
        (d(2026, 8, 1), "cycle.qualified-date")
    );
    assert_eq!(
        (e.document, e.expiry_date, e.effective_date),
        (
            Document::Kakuninsho,
            Some(d(2027, 7, 31)),
            Some(d(2026, 8, 15))
        )
    );
    // The interim rule ends 2026-07-31: from the cycle of 2026-08-01 a holder gets the お知らせ.
    let e = eligibility(&joining(true), None, "暫定運用 ended: holder");
    assert_eq!(
        (e.document, rule(&e, "document")),
        (Document::Oshirase, "document.myna-holder")
    );
    assert_eq!(
        (e.expiry_date, e.effective_date),
        (Some(d(2027, 7, 31)), Some(d(2026, 8, 15)))
    );
    // A renewal batch for the cycle that ends first cannot hold this member: refused, naming both
    // the 発効期日 and the 適用開始年月日 the 有効期限 would precede.
    let errors = run(
        &joining(false),
        &Rules::default(),
        Some(2025),
        Check::Strict,
    )
    .unwrap_err();
    let named: Vec<_> = errors.iter().map(|c| (c.field, c.rule)).collect();
    assert_eq!(
        named,
        [
            ("effective_date", "expiry.before-effective"),
            ("qualified_date", "expiry.before-qualified")
        ]
    );
    assert_eq!(
        errors[0].to_string(),
        "field `effective_date`: record says 2026-08-15, rule `expiry.before-effective` gives on or before the 有効期限 2026-07-31"
    );
}

/// The invariant holds for every record and every check mode: a record's own 有効期限 printed
/// under `--check off` may not precede its 発効期日 or 適用開始年月日 either.
#[test]
fn no_printed_expiry_precedes_the_start() {
    let r = with(kouki(d(1940, 5, 5), 2025), |m| {
        m.expiry_date = Some(d(2025, 8, 15));
        m.effective_date = Some(d(2025, 9, 1));
    });
    // Strict refuses the disagreement, warn prints the rules' values, and off would print the
    // record's: there the invariant refuses them.
    assert!(run(&r, &Rules::default(), Some(2025), Check::Strict).is_err());
    let warned = run(&r, &Rules::default(), Some(2025), Check::Warn).unwrap();
    assert_eq!(warned.eligibility.expiry_date, Some(d(2026, 7, 31)));
    let errors = run(&r, &Rules::default(), Some(2025), Check::Off).unwrap_err();
    let named: Vec<_> = errors.iter().map(|c| (c.field, c.rule)).collect();
    assert_eq!(named, [("effective_date", "expiry.before-effective")]);
    // A kokuho member joining on moving in after the mailing: the cycle of the move.
    let moving = with(kokuho(d(1980, 5, 5), 2026), |m| {
        m.qualified_date = d(2026, 8, 3);
        m.issue_date = d(2026, 7, 28);
    });
    let e = eligibility(&moving, None, "国保法7条: from the day of moving in");
    assert_eq!(
        (e.cycle.start, e.expiry_date),
        (d(2026, 8, 1), Some(d(2027, 7, 31)))
    );
    // Every evaluated document keeps the invariant across the calendar.
    for birth in [
        d(1950, 8, 15),
        d(1951, 8, 1),
        d(1955, 10, 1),
        d(1980, 2, 29),
    ] {
        for (issue, qualified) in [
            (d(2026, 7, 20), d(2026, 8, 15)),
            (d(2026, 7, 31), d(2026, 8, 1)),
            (d(2026, 1, 10), d(2025, 4, 1)),
        ] {
            for record in [kokuho(birth, 2026), kouki(birth, 2026)] {
                let record = with(record, |m| {
                    m.issue_date = issue;
                    m.qualified_date = qualified;
                });
                if let Ok(ev) = run(&record, &Rules::default(), None, Check::Strict) {
                    let e = ev.eligibility;
                    if let Some(expiry) = e.expiry_date {
                        assert!(expiry >= e.effective_date.unwrap_or(expiry), "{e:?}");
                        assert!(expiry >= record.qualified_date, "{e:?}");
                    }
                }
            }
        }
    }
}

/// Issue 11 item 3: the 必須記載事項 of each document (国民健康保険法施行規則第6条 for the kokuho
/// 資格確認書, 第7条の3 for the お知らせ; 大津市 「後期高齢者医療資格確認書の見かた」 for kouki).
#[test]
fn issue_11_required_items() {
    let card = kokuho(d(1980, 5, 5), 2025);
    for field in ["symbol", "branch", "householder_name", "address"] {
        let missing = with(card.clone(), |m| match field {
            "symbol" => m.symbol = None,
            "branch" => m.branch = None,
            "householder_name" => m.householder_name = Some("  ".into()),
            _ => m.address = None,
        });
        for check in [Check::Strict, Check::Warn, Check::Off] {
            let errors = run(&missing, &Rules::default(), Some(2025), check).unwrap_err();
            assert_eq!(
                errors.iter().map(|c| (c.field, c.rule)).collect::<Vec<_>>(),
                [(field, "items.required")],
                "{field} {check:?}"
            );
            assert!(errors[0].derived.contains("国民健康保険法施行規則第6条"));
        }
    }
    // The お知らせ has 記号・番号・枝番 but neither 世帯主氏名 nor 住所.
    let notice = with(card.clone(), |m| {
        m.has_myna_hoken = true;
        m.householder_name = None;
        m.address = None;
    });
    assert_eq!(
        eligibility(&notice, Some(2025), "施行規則第7条の3").document,
        Document::Oshirase
    );
    let notice = with(notice, |m| m.branch = None);
    let errors = error_rules(&notice, Some(2025));
    assert_eq!(errors, ["items.required"]);
    // kouki documents are personal: no 世帯主, and several 広域連合 print no 住所.
    let personal = with(kouki(d(1940, 5, 5), 2025), |m| {
        m.householder_name = None;
        m.address = None;
    });
    assert!(run(&personal, &Rules::default(), Some(2025), Check::Strict).is_ok());
}

/// Issue 11 item 2: a マイナ保険証 holder who applies because they cannot use it (要配慮: 要介護,
/// 障害) gets a certificate valid to the cycle end and renewed every cycle without applying
/// again (厚生労働省 全国高齢者医療・国民健康保険主管課（部）長会議資料, 令和7年3月), not the short
/// validity of an emergency issue (最上地区広域連合 Q&A 令和6年11月 Q11, emergency issues only).
#[test]
fn issue_11_consideration_certificate() {
    use crate::record::CertificateReason;
    let applied = d(2025, 10, 15);
    let care = with(requested(d(1980, 5, 5), applied), |m| {
        m.certificate_requested = false;
        m.certificate_reason = Some(CertificateReason::Consideration);
    });
    let e = eligibility(&care, None, "要配慮者: regular validity");
    assert_eq!(
        (e.document, rule(&e, "document")),
        (Document::Kakuninsho, "document.consideration")
    );
    assert_eq!(
        (e.expiry_date, rule(&e, "expiry_date")),
        (Some(d(2026, 7, 31)), "expiry.cycle-end")
    );
    // The birthday rows still cut it short, as for any regular certificate.
    let turning_75 = with(care.clone(), |m| m.birth_date = d(1951, 3, 15));
    let e = eligibility(&turning_75, None, "要配慮者 turning 75");
    assert_eq!(
        (e.expiry_date, rule(&e, "expiry_date")),
        (Some(d(2026, 3, 14)), "expiry.turns-75")
    );
    // Renewed at the next cycle without a new application: no application date needed.
    let renewal = with(care.clone(), |m| {
        m.application_date = None;
        m.issue_date = d(2026, 7, 15);
    });
    let e = eligibility(&renewal, Some(2026), "要配慮者: renewal");
    assert_eq!(
        (e.document, e.expiry_date),
        (Document::Kakuninsho, Some(d(2027, 7, 31)))
    );
    // An emergency issue keeps the short validity, by reason or by the bare flag.
    let emergency = with(care.clone(), |m| {
        m.certificate_reason = Some(CertificateReason::Emergency)
    });
    let legacy = requested(d(1980, 5, 5), applied);
    for (record, case) in [
        (emergency, "reason 緊急"),
        (legacy, "certificate_requested"),
    ] {
        let e = eligibility(&record, None, case);
        assert_eq!(
            (rule(&e, "document"), e.expiry_date),
            ("document.requested", Some(d(2026, 2, 28))),
            "{case}"
        );
    }
    // The reason wins over the flag: 要配慮 with certificate_requested set is still regular.
    let both = with(care, |m| m.certificate_requested = true);
    assert_eq!(
        eligibility(&both, None, "both").expiry_date,
        Some(d(2026, 7, 31))
    );
}

/// Issue 11 item 5: 任意記載事項 of a 限度額適用認定証 (限度区分 with its 発効期日, 長期入院該当年月日)
/// and of a 特定疾病療養受療証, validated against the member's age (高額療養費算定基準額,
/// 国民健康保険法施行令第29条の3: ア〜オ under 70, 現役並みⅡ・Ⅰ, 一般, 低所得Ⅱ・Ⅰ from 70).
#[test]
fn issue_11_limit_category_and_specific_disease() {
    use crate::record::{LimitCategory, SpecificDisease};
    let limited = |record: Record, category| {
        with(record, |m| {
            m.limit_category = Some(category);
            m.limit_effective_date = Some(d(2025, 8, 1));
        })
    };
    let under_70 = limited(kokuho(d(1980, 5, 5), 2025), LimitCategory::A);
    let e = eligibility(&under_70, Some(2025), "70歳未満 ア");
    assert_eq!(rule(&e, "limit_category"), "limit.under-70");
    assert!(e
        .reasons
        .iter()
        .any(|r| r.detail.contains("国民健康保険法施行令第29条の3")));
    let elderly = limited(kokuho(d(1953, 5, 5), 2025), LimitCategory::TeishotokuII);
    let e = eligibility(&elderly, Some(2025), "70〜74歳 低所得Ⅱ");
    assert_eq!(rule(&e, "limit_category"), "limit.70-74");
    let kouki_member = limited(kouki(d(1940, 5, 5), 2025), LimitCategory::TeishotokuI);
    let e = eligibility(&kouki_member, Some(2025), "後期 区分Ⅰ");
    assert_eq!(rule(&e, "limit_category"), "limit.kouki");
    // A bracket of the other age group is refused, naming the field, in every mode.
    for (record, case) in [
        (
            limited(kokuho(d(1953, 5, 5), 2025), LimitCategory::A),
            "ア at 72",
        ),
        (
            limited(kokuho(d(1980, 5, 5), 2025), LimitCategory::Ippan),
            "一般 at 45",
        ),
        (
            limited(kouki(d(1940, 5, 5), 2025), LimitCategory::O),
            "オ in kouki",
        ),
    ] {
        let errors = run(&record, &Rules::default(), Some(2025), Check::Off).unwrap_err();
        assert_eq!(
            (errors[0].field, errors[0].rule),
            ("limit_category", "limit.age"),
            "{case}"
        );
    }
    // Its 発効期日: required, and not after the document's 有効期限.
    let undated = with(under_70.clone(), |m| m.limit_effective_date = None);
    assert_eq!(error_rules(&undated, Some(2025)), ["limit.effective-date"]);
    let late = with(under_70.clone(), |m| {
        m.limit_effective_date = Some(d(2026, 8, 1))
    });
    assert_eq!(error_rules(&late, Some(2025)), ["limit.effective-date"]);
    let orphan = with(kokuho(d(1980, 5, 5), 2025), |m| {
        m.limit_effective_date = Some(d(2025, 8, 1))
    });
    assert_eq!(error_rules(&orphan, Some(2025)), ["limit.without-category"]);
    // 長期入院該当: only the 住民税非課税 brackets (オ, 低所得Ⅱ).
    let stay = |record: Record| with(record, |m| m.long_term_stay_date = Some(d(2025, 10, 1)));
    let e = eligibility(&stay(elderly.clone()), Some(2025), "低所得Ⅱ 長期");
    assert_eq!(rule(&e, "long_term_stay_date"), "limit.long-term-stay");
    assert_eq!(
        error_rules(&stay(under_70.clone()), Some(2025)),
        ["limit.long-term-stay"]
    );
    // 特定疾病: 20,000円 only for 人工透析 under 70.
    let dialysis = |record: Record, limit| {
        with(record, |m| {
            m.specific_disease = Some(SpecificDisease::Dialysis);
            m.specific_disease_limit = limit;
        })
    };
    let e = eligibility(
        &dialysis(kokuho(d(1980, 5, 5), 2025), Some(20_000)),
        Some(2025),
        "人工透析 上位所得",
    );
    assert_eq!(rule(&e, "specific_disease"), "disease.specific");
    for record in [
        dialysis(kokuho(d(1953, 5, 5), 2025), Some(20_000)),
        dialysis(kouki(d(1940, 5, 5), 2025), Some(20_000)),
        with(kokuho(d(1980, 5, 5), 2025), |m| {
            m.specific_disease = Some(SpecificDisease::Hiv);
            m.specific_disease_limit = Some(20_000);
        }),
    ] {
        assert_eq!(error_rules(&record, Some(2025)), ["disease.limit"]);
    }
    let no_disease = dialysis(kokuho(d(1980, 5, 5), 2025), Some(10_000));
    let no_disease = with(no_disease, |m| m.specific_disease = None);
    assert_eq!(
        error_rules(&no_disease, Some(2025)),
        ["disease.without-disease"]
    );
    // Without any, no reason is added: explain lists only what the record gives.
    let e = eligibility(&kokuho(d(1980, 5, 5), 2025), Some(2025), "none");
    assert_eq!(e.reasons.len(), 6);
}

/// Issue 11 item 6: 性別 「裏面参照」 and a 通称名 on request (厚生労働省保険局 「被保険者証の性別表記
/// について」 平成24年, 「被保険者証の氏名表記について」 平成29年; 大阪市): explained, never refused.
#[test]
fn issue_11_notation_on_request() {
    let r = with(kokuho(d(1980, 5, 5), 2025), |m| {
        m.sex_on_back = true;
        m.registered_name = Some("佐藤 一郎".into());
    });
    let e = eligibility(&r, Some(2025), "性同一性障害");
    assert_eq!(
        (rule(&e, "sex"), rule(&e, "name")),
        ("notation.sex-on-back", "notation.common-name")
    );
    assert!(e.reasons.iter().any(|r| r.detail.contains("平成24年")));
    let plain = eligibility(&kokuho(d(1980, 5, 5), 2025), Some(2025), "none");
    assert_eq!(rule(&plain, "sex"), "(no reason)");
}

/// Issue 11 item 14: every reason cites a public source (a law and article, MHLW material, or a
/// municipality's leaflet or page), never a file of ours.
#[test]
fn issue_11_reasons_cite_public_sources() {
    use crate::record::{CertificateReason, LimitCategory, SpecificDisease};
    let records = [
        kokuho(d(1980, 5, 5), 2025),
        kokuho(d(1951, 3, 15), 2025),
        kokuho(d(1955, 10, 1), 2025),
        kokuho(d(1953, 5, 5), 2025),
        with(kokuho(d(1980, 5, 5), 2025), |m| m.has_myna_hoken = true),
        with(kokuho(d(1990, 6, 6), 2025), |m| {
            m.residence_expiry = Some(d(2025, 12, 1))
        }),
        requested(d(1980, 5, 5), d(2025, 10, 15)),
        with(requested(d(1980, 5, 5), d(2025, 10, 15)), |m| {
            m.certificate_reason = Some(CertificateReason::Consideration)
        }),
        with(kokuho(d(1980, 5, 5), 2025), |m| m.special_medical = true),
        with(kokuho(d(2010, 5, 5), 2025), |m| m.special_medical = true),
        kouki(d(1940, 5, 5), 2025),
        with(kouki(d(1950, 9, 10), 2025), |m| {
            m.qualified_date = d(2025, 9, 10);
            m.issue_date = d(2025, 8, 20);
        }),
        with(kouki(d(1940, 5, 5), 2025), |m| m.special_medical = true),
        with(kokuho(d(1953, 5, 5), 2025), |m| {
            m.limit_category = Some(LimitCategory::TeishotokuII);
            m.limit_effective_date = Some(d(2025, 8, 1));
            m.long_term_stay_date = Some(d(2025, 10, 1));
            m.specific_disease = Some(SpecificDisease::Hemophilia);
            m.sex_on_back = true;
            m.registered_name = Some("佐藤 一郎".into());
        }),
    ];
    for record in &records {
        for cycle in [None, Some(2025)] {
            let Ok(evaluated) = run(record, &Rules::default(), cycle, Check::Strict) else {
                continue;
            };
            for reason in evaluated.eligibility.reasons {
                let detail = &reason.detail;
                for internal in ["seed", "research", "domain", "§"] {
                    assert!(!detail.contains(internal), "{}: {detail}", reason.rule);
                }
                let cites = [
                    "法",
                    "厚生労働省",
                    "市",
                    "町",
                    "広域連合",
                    "--cycle",
                    "対象ではない",
                ];
                assert!(
                    cites.iter().any(|c| detail.contains(c)),
                    "{}: {detail}",
                    reason.rule
                );
            }
        }
    }
}
