//! Documents as the law and public practice want them: each test is named after its public source
//! (a law, an MHLW notice, a municipality's leaflet or Q&A) and checks the rendered display list of
//! a golden case, so that what is checked is what prints.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Renders the sample records with the sample profiles, one of them with `extra` appended, into a
/// fresh folder named `name`; returns the output folder.
fn render_samples(name: &str, profile: &str, extra: &str) -> PathBuf {
    render_with(name, Path::new("samples/records.csv"), profile, extra)
}

/// Renders `input` with the sample profiles, `profile` with `extra` appended, into a fresh folder.
fn render_with(name: &str, input: &Path, profile: &str, extra: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let issuers = dir.join("issuers");
    std::fs::create_dir_all(&issuers).unwrap();
    for file in [
        "takasaki.toml",
        "takasaki-seal.png",
        "mogami.toml",
        "gunma-kouki.toml",
    ] {
        std::fs::copy(Path::new("samples/issuers").join(file), issuers.join(file)).unwrap();
    }
    let text = std::fs::read_to_string(issuers.join(profile)).unwrap();
    std::fs::write(issuers.join(profile), text + extra).unwrap();
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["render", "--input"])
        .arg(input)
        .arg("--issuer")
        .arg(&issuers)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    out
}

/// A manifest's rows, split into columns: record_id, input_record, status, document, layout, file,
/// first_page, page_count, household, mail_class, mailing_sequence, input_records.
fn manifest(out: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// The text of one page of a PDF, by poppler's pdftotext.
fn pdf_text(pdf: &Path, page: &str) -> String {
    let output = Command::new("pdftotext")
        .args(["-f", page, "-l", page])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("pdftotext is needed by this test ({e}); scripts/test.sh installs it")
        });
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The layout is an issuer's choice (`[layouts]` in its profile): a 広域連合 that leaves the 住所 off
/// its cards gets them from a whole batch, in files named after the layout.
#[test]
fn an_issuer_profile_chooses_the_card_layout_for_a_batch() {
    let extra = "\n[layouts]\nkakuninsho = \"kouki-kakuninsho-no-address\"\n";
    let out = render_samples("law-profile-layouts", "gunma-kouki.toml", extra);
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let kouki_rows: Vec<&str> = manifest
        .lines()
        .filter(|l| l.contains(",rendered,") && l.contains(",kouki-"))
        .collect();
    assert!(!kouki_rows.is_empty(), "{manifest}");
    for row in kouki_rows {
        assert!(row.contains(",kouki-kakuninsho-no-address,"), "{row}");
    }
    let file = "registered-kouki-kakuninsho-no-address-0001.pdf";
    assert!(out.join(file).exists());
}

/// The mail class is the insurer's: 半田市 sends the 資格確認書 by 簡易書留, others by 特定記録 or
/// 普通郵便. A profile's `[mail]` table names it, and the print files and the manifest follow it.
#[test]
fn handa_kan_i_kakitome_from_the_profile_names_files_and_manifest() {
    let extra = "\n[mail]\nkakuninsho = \"簡易書留\"\noshirase = \"特定記録\"\n";
    let out = render_samples("law-mail-class", "takasaki.toml", extra);
    let file = "simple-registered-kokuho-kakuninsho-0001.pdf";
    assert!(out.join(file).exists());
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    // 高崎市's (T…) envelopes go 簡易書留 when they hold a 資格確認書 (H0001 holds one and an お知らせ),
    // 特定記録 when they hold only お知らせ (H0003); the other profiles keep the defaults.
    let class = |record: &str| -> String {
        let row = manifest
            .lines()
            .find(|r| r.starts_with(&format!("{record},")))
            .unwrap_or_else(|| panic!("{record} in {manifest}"));
        row.split(',').nth(9).unwrap().to_string()
    };
    assert_eq!(class("T0001"), "simple-registered");
    assert_eq!(class("T0002"), "simple-registered");
    assert_eq!(class("T0004"), "specified-record");
    assert_eq!(class("T0007"), "registered");
    assert_eq!(class("M0001"), "ordinary");
}

/// Some insurers issue the 資格確認書 on a はがき-size sheet (100 × 148 mm) instead of an ID-1 card
/// (上田市, for example; MHLW's 2025-03 material allows カード型 「はがき型を含む」). The はがき layouts
/// print the same fields and the same 注意事項 from layouts/legal.toml, and a profile chooses them.
#[test]
fn ueda_hagaki_size_card_is_100_by_148_mm_with_the_same_legal_text() {
    for (hagaki, card) in [
        ("card/hagaki-kokuho", "card/elderly-2wari"),
        ("card/hagaki-kouki", "card/kouki-1wari"),
    ] {
        let (hagaki, card) = (rendered(hagaki), rendered(card));
        assert!(hagaki.starts_with("page 1 100.00x148.00mm"), "{hagaki}");
        for element in [
            "name", "number", "expiry", "copay", "address", "note-5", "organ-1",
        ] {
            // Compared as printed text: the はがき may wrap where the card does not.
            let (h, c) = (
                texts(&hagaki, element).concat(),
                texts(&card, element).concat(),
            );
            assert_eq!(h, c, "{element}");
        }
    }
    let profile = "name = \"上田市\"\ninsurer_number = \"100016\"\nprefecture = \"長野県\"\n[layouts]\nkakuninsho = \"kokuho-kakuninsho-hagaki\"\n";
    let issuer = shikaku::issuer::Issuer::from_toml(profile).unwrap();
    let layout = issuer
        .load_layout(
            shikaku::layout::LayoutKind::Kakuninsho,
            &shikaku::layout::Catalog::bundled(),
        )
        .unwrap();
    assert_eq!(layout.name(), "kokuho-kakuninsho-hagaki");
}

/// kokuho documents go to the 世帯主, one envelope per household (豊橋市: 「原則、書類は世帯ごとに一通の
/// 封筒でまとめて送付」; 龍ケ崎市, 湯沢市, 江別市 mail to the 世帯主), with one cover letter (送付状) on
/// top that lists every member and document inside; kouki documents are personal: one envelope each.
#[test]
fn toyohashi_one_envelope_per_household_a_cover_letter_first_kouki_personal() {
    let out = render_samples("law-envelopes", "mogami.toml", "");
    let rows = manifest(&out);
    // 佐藤 太郎's household H0001: its cover letter's row, then 太郎's card and 花子's お知らせ.
    let first = rows.iter().position(|r| r[8] == "id:H0001").unwrap();
    let envelope: Vec<&Vec<String>> = rows.iter().filter(|r| r[8] == "id:H0001").collect();
    assert_eq!(envelope.len(), 3);
    assert_eq!(
        (envelope[0][2].as_str(), envelope[0][3].as_str()),
        ("cover", "soufujo")
    );
    assert_eq!(rows[first][2], "cover");
    assert!(
        envelope.iter().all(|r| r[10] == envelope[0][10]),
        "one envelope"
    );
    let cover = out.join(&envelope[0][5]);
    let text = pdf_text(&cover, &envelope[0][6]);
    for expected in [
        "佐藤 太郎",
        "様",
        "佐藤 花子",
        "資格確認書",
        "資格情報のお知らせ",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // The kouki couple of household K0001: one envelope, and one cover letter, each.
    let kouki: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[8].starts_with("member:T000"))
        .collect();
    let sequences: std::collections::BTreeSet<&str> =
        kouki.iter().map(|r| r[10].as_str()).collect();
    assert_eq!((kouki.len(), sequences.len()), (4, 2), "{kouki:?}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let covers = rows.iter().filter(|r| r[2] == "cover").count();
    assert_eq!(summary["cover_letters"], covers);
}

/// A 送付先 other than 住所 (施設, 代理人; e.g. 調布市's 送付先変更届) wins for the envelope: the address
/// block, the barcode and the grouping. A member of a household who lives in a facility gets an
/// envelope of their own there; the rest of the household keeps its envelope at home.
#[test]
fn chofu_sofusaki_wins_for_the_envelope_and_its_grouping() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("law-sofusaki-input");
    std::fs::create_dir_all(&dir).unwrap();
    let header = "record_id,scheme,insurer_number,symbol,number,branch,name,sex,birth_date,postal_code,address,householder_name,qualified_date,issue_date,has_myna_hoken,household_id,mail_to_name,mail_to_postal_code,mail_to_address,mail_to_care_of";
    let rows = [
        "S1,kokuho,100016,高05,7654321,01,中村 一郎,男,1960-01-10,370-0001,群馬県高崎市中尾町5番地,中村 一郎,2020-04-01,2025-08-01,false,H9,,,,",
        "S2,kokuho,100016,高05,7654321,02,中村 和子,女,1962-02-20,370-0001,群馬県高崎市中尾町5番地,中村 一郎,2020-04-01,2025-08-01,true,H9,,,,",
        "S3,kokuho,100016,高05,7654321,03,中村 キヨ,女,1958-03-30,370-0001,群馬県高崎市中尾町5番地,中村 一郎,2020-04-01,2025-08-01,false,H9,介護老人保健施設はるな,370-3334,群馬県高崎市本郷町100番地,気付",
    ];
    let input = dir.join("members.csv");
    std::fs::write(&input, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let out = render_with("law-sofusaki", &input, "mogami.toml", "");
    let rows = manifest(&out);
    let envelope = |id: &str| rows.iter().find(|r| r[0] == id).unwrap()[10].clone();
    assert_eq!(envelope("S1"), envelope("S2"));
    assert_ne!(envelope("S1"), envelope("S3"));
    let cover = rows
        .iter()
        .find(|r| r[2] == "cover" && r[10] == envelope("S3"))
        .unwrap();
    let text = pdf_text(&out.join(&cover[5]), &cover[6]);
    for expected in [
        "〒370-3334",
        "本郷町100番地",
        "介護老人保健施設はるな気付",
        "中村 一郎",
        "中村 キヨ",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(!text.contains("中村 和子"), "{text}");
}
