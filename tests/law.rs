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

/// 後期高齢者医療 documents label the ratio 「一部負担金の割合」, as the 広域連合 print it (e.g. 宇治市's
/// page on the 後期高齢者医療 資格確認書), on the card, the お知らせ and its slip.
#[test]
fn uji_kouki_label_ichibu_futankin_no_wariai() {
    let list = rendered("card/kouki-1wari");
    assert_eq!(texts(&list, "copay-label"), ["一部負担金の割合"]);
    let list = rendered("notice/kouki-after-interim");
    assert_eq!(texts(&list, "copay-label"), ["一部負担金の割合"]);
    assert_eq!(texts(&list, "slip-copay"), ["一部負担金の割合 2割"]);
}

/// Several 広域連合 leave the 住所 off the front of the kouki 資格確認書, so that a move does not make
/// the card wrong, and give a line on the back for the member to write it: the
/// `kouki-kakuninsho-no-address` layout.
#[test]
fn kouki_card_without_printed_address_has_a_line_on_the_back() {
    let list = rendered("card/kouki-no-address");
    let (front, back) = list.split_once("page 2").expect("two pages");
    assert!(!front.contains("日吉町"), "the address must not print");
    assert!(!front.contains(" address"), "{front}");
    assert!(back.contains("path address-line "), "{back}");
    assert_eq!(texts(back, "address-label"), ["住所"]);
}

/// The kouki interim rule (暫定運用: every kouki member gets a 資格確認書 until 令和8年7月31日, card or
/// not; e.g. 水戸市, 三鷹市 pages): while it is in force the carrier sheet must not say the card is for
/// members without a マイナ保険証.
#[test]
fn kouki_interim_rule_carrier_sheet_says_every_member_gets_the_card() {
    let list = rendered("carrier/kouki-interim");
    assert!(texts(&list, "cover").is_empty());
    let interim = texts(&list, "cover-interim").concat();
    assert!(
        interim.contains("マイナ保険証をお持ちの方も含め"),
        "{interim}"
    );
    let list = rendered("carrier/kouki-after-interim");
    assert!(texts(&list, "cover-interim").is_empty());
    assert!(texts(&list, "cover")
        .concat()
        .contains("マイナ保険証をお持ちでない方"));
}

/// The layout is an issuer's choice (`[layouts]` in its profile): a 広域連合 that leaves the 住所 off
/// its cards gets them from a whole batch, in files named after the layout.
#[test]
fn an_issuer_profile_chooses_the_card_layout_for_a_batch() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("law-profile-layouts");
    let _ = std::fs::remove_dir_all(&dir);
    let issuers = dir.join("issuers");
    std::fs::create_dir_all(&issuers).unwrap();
    let kouki = std::fs::read_to_string("samples/issuers/gunma-kouki.toml").unwrap();
    std::fs::write(
        issuers.join("gunma-kouki.toml"),
        kouki.replace(
            "[rules]",
            "[layouts]\nkakuninsho = \"kouki-kakuninsho-no-address\"\n\n[rules]",
        ),
    )
    .unwrap();
    for file in ["takasaki.toml", "takasaki-seal.png", "mogami.toml"] {
        std::fs::copy(Path::new("samples/issuers").join(file), issuers.join(file)).unwrap();
    }
    let out = dir.join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["render", "--input", "samples/records.csv", "--issuer"])
        .arg(&issuers)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let kouki_rows: Vec<&str> = manifest.lines().filter(|l| l.contains(",kouki-")).collect();
    assert!(!kouki_rows.is_empty(), "{manifest}");
    for row in kouki_rows {
        assert!(row.contains(",kouki-kakuninsho-no-address,"), "{row}");
    }
    assert!(out
        .join("registered-kouki-kakuninsho-no-address-0001.pdf")
        .exists());
}
