//! Documents as the law and public practice want them: each test is named after its public source
//! (a law, an MHLW notice, a municipality's leaflet or Q&A) and checks the rendered display list of
//! a golden case, so that what is checked is what prints.

use std::path::Path;

use shikaku::golden::Case;

/// The display list of a golden case, as text (one line per item, with its element id).
fn rendered(case: &str) -> String {
    let root = Path::new("tests/cases");
    let case =
        Case::load(&root.join(format!("{case}.toml")), root).unwrap_or_else(|e| panic!("{e}"));
    case.render().unwrap_or_else(|e| panic!("{e}")).list
}

/// The quoted texts the element prints (several for a wrapped text).
fn texts<'a>(list: &'a str, element: &str) -> Vec<&'a str> {
    let prefix = format!("text {element} at ");
    list.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| l.split_once(" \"").map(|(_, t)| t.trim_end_matches('"')))
        .collect()
}

/// 最上地区広域連合 「国民健康保険被保険者証の新規発行廃止に関するQ&A」 (令和6年11月), the お知らせ's
/// mock-up: 「70歳以上の場合、負担割合のほか、有効期限、発効期日を記載。（下部の…箇所も同様）」: the
/// slip at the bottom carries 有効期限 and 発効期日 as the table does.
#[test]
fn mogami_qa_oshirase_slip_of_70_plus_prints_expiry_and_effective_date() {
    for case in ["notice/elderly-3wari", "notice/kouki-after-interim"] {
        let list = rendered(case);
        let (expiry, effective) = (texts(&list, "expiry"), texts(&list, "effective"));
        assert_eq!(expiry.len(), 1, "{case}");
        assert_eq!(effective.len(), 1, "{case}");
        assert_eq!(
            texts(&list, "slip-expiry"),
            [format!("有効期限 {}", expiry[0])],
            "{case}"
        );
        assert_eq!(
            texts(&list, "slip-effective"),
            [format!("発効期日 {}", effective[0])],
            "{case}"
        );
    }
    // Under 70 neither is printed, on the slip or above it.
    let list = rendered("notice/seed-sato-taro");
    for element in ["expiry", "effective", "slip-expiry", "slip-effective"] {
        assert!(texts(&list, element).is_empty(), "{element}");
    }
}

/// A profile without a seal image prints nothing where the seal goes (a grey 「印」 reads as a seal
/// that failed to print), or the text the profile gives: 「公印省略」 is the wording 公文書 use when
/// they are issued without the 公印 (e.g. the 公印規程 of many municipalities).
#[test]
fn no_seal_image_prints_nothing_or_koin_shoryaku_never_a_grey_in() {
    let list = rendered("card/seed-sato-taro");
    assert!(texts(&list, "seal-text").is_empty());
    assert!(!list.lines().any(|l| l.ends_with("\"印\"")), "{list}");
    let list = rendered("card/seal-text-koin-shoryaku");
    assert_eq!(texts(&list, "seal-text"), ["公印省略"]);
    // With a seal image the image prints and the text does not.
    let list = rendered("card/elderly-2wari");
    assert!(texts(&list, "seal-text").is_empty());
    assert!(
        list.lines()
            .any(|l| l.trim_start().starts_with("image seal ")),
        "{list}"
    );
}
