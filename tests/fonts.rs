//! Fonts end to end: which characters the fallback chains print (measured over JIS X 0213, the
//! IVS collections and real-world 外字 name characters), mixed-font names in PDFs read back with
//! poppler and qpdf, 外字 maps and substitutions, and a machine without the fallback fonts.
//!
//! The fallback fonts come from Debian (fonts-ipamj-mincho, fonts-noto-cjk), which
//! scripts/test.sh installs; these tests fail, naming the package, where they are missing.

use std::collections::BTreeMap;
use std::fmt::Write;

use shikaku::font::{cmap, shape, Fallbacks, FontId, Fonts};

use crate::cli::{fonts_embedded_as_subsets, tool};
use crate::common::{out_dir, shikaku};

/// Fails with the package to install when a fallback font is missing.
fn require_fallback_fonts() {
    for font in [
        FontId::IpamjMincho,
        FontId::NotoSansJp,
        FontId::NotoSansJpBold,
        FontId::NotoSerifJp,
    ] {
        if let Err(e) = Fonts::global().try_get(font) {
            panic!(
                "{e}\n  hint: {}; scripts/test.sh installs the fonts the tests need",
                e.hint()
            );
        }
    }
}

/// The lines of a data file that are not comments.
fn data_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(format!("tests/data/fonts/{name}"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// JIS X 0213 kanji by level (scripts/jisx0213-kanji.py).
fn jis_x_0213() -> BTreeMap<u8, Vec<String>> {
    let mut levels: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    for line in data_lines("jisx0213-kanji.txt") {
        let mut cols = line.split('\t');
        let level: u8 = cols.next().unwrap().parse().unwrap();
        let chars = cols.nth(1).unwrap();
        levels
            .entry(level)
            .or_default()
            .extend(chars.chars().map(String::from));
    }
    levels
}

/// The real-world 外字 name characters, as text.
fn name_characters() -> Vec<String> {
    data_lines("name-characters.txt")
        .iter()
        .map(|line| {
            line.split('\t')
                .next()
                .unwrap()
                .split_whitespace()
                .map(|cp| char::from_u32(u32::from_str_radix(&cp[2..], 16).unwrap()).unwrap())
                .collect()
        })
        .collect()
}

/// Every variation sequence of a font's map, as text.
fn sequences(font: FontId) -> Vec<String> {
    cmap::mappings(Fonts::global().get(font).face())
        .into_iter()
        .filter_map(|m| m.selector.map(|vs| format!("{}{vs}", m.base)))
        .collect()
}

/// How many of `items` each font of the chain prints, and those none prints.
fn measure(items: &[String], chain: &[FontId]) -> (BTreeMap<FontId, usize>, Vec<String>) {
    let mut by_font = BTreeMap::new();
    let mut missing = Vec::new();
    for item in items {
        match shape(item, chain) {
            Ok(glyphs) => *by_font.entry(glyphs[0].font).or_insert(0) += 1,
            Err(_) => missing.push(item.clone()),
        }
    }
    (by_font, missing)
}

fn share(by_font: &BTreeMap<FontId, usize>, total: usize) -> String {
    let printed: usize = by_font.values().sum();
    let fonts: Vec<String> = by_font
        .iter()
        .map(|(f, n)| format!("{} {n}", f.name()))
        .collect();
    format!(
        "{printed}/{total} ({:.2}%): {}",
        printed as f64 * 100.0 / total as f64,
        fonts.join(", ")
    )
}

/// The coverage report: what each default chain prints of JIS X 0213 levels 1–4, of the
/// Moji_Joho and Adobe-Japan1 IVS collections as the shipped fonts hold them, and of the
/// real-world 外字 name characters. Goal: everything the chain's fonts hold; the remainder is
/// listed, and must be what none of them has. Run with `--nocapture` to see the table
/// (docs/decisions.md §5 quotes it).
#[test]
fn fonts_coverage_of_jis_x_0213_ivs_collections_and_name_characters() {
    require_fallback_fonts();
    let fallbacks = Fallbacks::default();
    let jis = jis_x_0213();
    let moji_joho = sequences(FontId::IpamjMincho);
    let adobe_japan1 = sequences(FontId::NotoSansJp);
    let names_list = name_characters();
    assert!(
        names_list.len() >= 200,
        "{} name characters",
        names_list.len()
    );
    let mut report = String::new();
    for primary in [FontId::Gothic, FontId::GothicBold, FontId::Mincho] {
        let chain = fallbacks.chain(primary);
        let names: Vec<&str> = chain.iter().map(|f| f.name()).collect();
        let _ = writeln!(report, "chain {}", names.join(" → "));
        for (level, kanji) in &jis {
            let (by_font, missing) = measure(kanji, chain);
            let _ = writeln!(
                report,
                "  JIS X 0213 level {level}: {}",
                share(&by_font, kanji.len())
            );
            assert!(missing.is_empty(), "level {level}: {missing:?}");
        }
        for (what, items) in [
            ("Moji_Joho IVS (IPAmj明朝)", &moji_joho),
            ("Adobe-Japan1 IVS (Noto Sans CJK JP)", &adobe_japan1),
            ("外字 name characters", &names_list),
        ] {
            let (by_font, missing) = measure(items, chain);
            let _ = writeln!(report, "  {what}: {}", share(&by_font, items.len()));
            // The remainder: what no font of the chain has.
            for item in &missing {
                for &font in chain {
                    assert!(
                        shape(item, &[font]).is_err(),
                        "{item:?} is in {font:?} but not printed"
                    );
                }
                let _ = writeln!(
                    report,
                    "    not in the chain's fonts: {}",
                    shikaku::gaiji::code_points(item)
                );
            }
        }
    }
    println!("{report}");
}

/// A records file with mixed-font names, rendered by the binary.
fn render_gaiji(name: &str, extra: &[&str]) -> (std::path::PathBuf, std::process::Output) {
    let out = out_dir(name);
    let mut args = vec![
        "render",
        "--input",
        "tests/data/fonts/gaiji-records.csv",
        "--issuer",
        "tests/data/fonts/issuers",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let output = shikaku(&args);
    (out, output)
}

#[test]
fn fonts_mixed_names_are_embedded_as_subsets_and_read_back_exactly() {
    require_fallback_fonts();
    let (out, output) = render_gaiji("fonts-mixed", &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for file in std::fs::read_dir(&out).unwrap().flatten() {
        let path = file.path();
        if path.extension().map_or(true, |e| e != "pdf") {
            continue;
        }
        let pdf = path.to_str().unwrap();
        fonts_embedded_as_subsets(pdf);
        tool("qpdf", &["--check", pdf]);
    }
    let card = out.join("registered-kokuho-kakuninsho-0001.pdf");
    let card = card.to_str().unwrap();
    let fonts = fonts_embedded_as_subsets(card);
    for name in [
        "BIZUDGothic-Bold",
        "NotoSansCJKjp-Bold",
        "IPAmjMincho",
        "NotoSansCJKjp-Regular",
    ] {
        assert!(fonts.contains(name), "{name} missing: {fonts}");
    }
    assert!(
        fonts.contains("CID Type 0C"),
        "Noto is embedded as CFF: {fonts}"
    );
    // The text comes back as the record held it, variation selectors included.
    let text = tool("pdftotext", &[card, "-"]);
    for expected in [
        "𠮷田 太郎",
        "邉\u{E0102}見 花子",
        "葛\u{E0100}飾区",
        "髙﨑 一郎",
        "邉\u{E0110}",
    ] {
        assert!(
            text.contains(expected),
            "pdftotext lacks {expected:?}: {text}"
        );
    }
}

#[test]
fn fonts_pdfa_stays_valid_with_fallback_fonts() {
    require_fallback_fonts();
    let (out, output) = render_gaiji("fonts-pdfa", &["--pdfa"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    crate::print::pdfa_structure(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
}

#[test]
fn fonts_pdfx_stays_valid_with_fallback_fonts() {
    require_fallback_fonts();
    let (out, output) = render_gaiji("fonts-pdfx", &["--pdfx", "--pdf-date", "2025-08-01"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let card = out.join("registered-kokuho-kakuninsho-0001.pdf");
    crate::print::pdfx_structure(&card);
    fonts_embedded_as_subsets(card.to_str().unwrap());
}

#[test]
fn fonts_same_input_gives_the_same_bytes() {
    require_fallback_fonts();
    let (a, _) = render_gaiji("fonts-same-a", &["--jobs", "1"]);
    let (b, _) = render_gaiji("fonts-same-b", &["--jobs", "2"]);
    let name = "registered-kokuho-kakuninsho-0001.pdf";
    assert_eq!(
        std::fs::read(a.join(name)).unwrap(),
        std::fs::read(b.join(name)).unwrap()
    );
}

#[test]
fn fonts_missing_fallback_fonts_reject_only_the_records_that_need_them() {
    let empty = out_dir("fonts-none-folder");
    std::fs::create_dir_all(&empty).unwrap();
    let (out, output) = render_gaiji(
        "fonts-none",
        &["--fonts", empty.to_str().unwrap(), "--no-system-fonts"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let errors: Vec<serde_json::Value> = errors
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // G0001 and G0005 have only BIZ UD characters and print; the others each need a fallback font.
    let rejected: Vec<&str> = errors
        .iter()
        .map(|e| e["record_id"].as_str().unwrap())
        .collect();
    // G0006's character is in no font, and the substitution table has it; but a font that is
    // not installed might have it, so it is not substituted here.
    assert_eq!(rejected, ["G0002", "G0003", "G0004", "G0006"], "{errors:?}");
    let first = &errors[0];
    assert_eq!(first["field"], "name");
    assert!(
        first["reason"].as_str().unwrap().contains("no font of gothic-bold → noto-sans-jp-bold → ipamj-mincho has a glyph for U+20BB7 (not installed: Noto Sans CJK JP Bold, IPAmj明朝)"),
        "{first}"
    );
    assert!(
        first["hint"]
            .as_str()
            .unwrap()
            .starts_with("install the Debian package fonts-noto-cjk"),
        "{first}"
    );
    // The 外字 map's MJ文字図形名 cannot be looked up: only the record using it says so.
    let mj = &errors[2];
    assert!(
        mj["reason"]
            .as_str()
            .unwrap()
            .contains("as an MJ文字図形名, and IPAmj明朝 is not installed"),
        "{mj}"
    );
    // Names never reach the report: the field and the code point say which character.
    for error in &errors {
        assert!(error["value"].is_null(), "{error}");
        let text = format!("{}{}", error["reason"], error["hint"]);
        assert!(!text.contains('田') && !text.contains('見'), "{error}");
    }
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    // The header and one row an input record (cover letters have rows of their own).
    let records = manifest.lines().filter(|l| !l.contains(",cover,soufujo,"));
    assert_eq!(records.count(), 7, "{manifest}");
}

#[test]
fn fonts_substitutions_are_listed_in_the_manifest_and_explain() {
    require_fallback_fonts();
    let (out, output) = render_gaiji("fonts-substitutions", &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let row = manifest.lines().find(|l| l.starts_with("G0006,")).unwrap();
    assert!(
        row.contains(",householder_name:U+30000>U+5409; name:U+30000>U+5409,"),
        "{manifest}"
    );
    assert!(
        manifest.lines().filter(|l| l.contains('>')).count() == 1,
        "{manifest}"
    );
    let explain = shikaku(&[
        "explain",
        "--input",
        "tests/data/fonts/gaiji-records.csv",
        "--issuer",
        "tests/data/fonts/issuers",
    ]);
    let lines: Vec<serde_json::Value> = String::from_utf8(explain.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let characters = |id: &str| {
        lines
            .iter()
            .find(|l| l["record_id"] == id)
            .map(|l| l["characters"].clone())
            .unwrap()
    };
    assert_eq!(characters("G0001"), serde_json::json!([]));
    assert_eq!(
        characters("G0002")[0],
        serde_json::json!({"field": "name", "text": "U+20BB7", "font": "noto-sans-jp"})
    );
    assert_eq!(
        characters("G0004")[0],
        serde_json::json!({"field": "name", "text": "U+9089 U+E0110", "gaiji": "U+E000"})
    );
    assert!(
        characters("G0004").as_array().unwrap().contains(
            &serde_json::json!({"field": "name", "text": "U+9089 U+E0110", "font": "ipamj-mincho"})
        ),
        "{}",
        characters("G0004")
    );
    assert_eq!(
        characters("G0006")[0],
        serde_json::json!({"field": "name", "text": "U+30000", "substitute": "U+5409"})
    );
    assert!(!String::from_utf8_lossy(&explain.stderr).contains('\u{30000}'));
}

#[test]
fn fonts_a_bad_gaiji_map_stops_the_run_with_file_and_line() {
    let dir = out_dir("fonts-bad-map");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = std::fs::read_to_string("tests/data/fonts/issuers/gaiji.toml").unwrap();
    std::fs::write(dir.join("gaiji.toml"), profile).unwrap();
    std::fs::write(dir.join("subst.csv"), "character,substitute\n").unwrap();
    std::fs::write(
        dir.join("gaiji.csv"),
        "code,character\nU+E000,一\nU+4E00,二\n",
    )
    .unwrap();
    let output = shikaku(&[
        "render",
        "--input",
        "tests/data/fonts/gaiji-records.csv",
        "--issuer",
        dir.join("gaiji.toml").to_str().unwrap(),
        "--out",
        out_dir("fonts-bad-map-out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("gaiji.csv:3: U+4E00 is not a private-use code point\n  hint: the 外字 map converts private-use characters"),
        "{stderr}"
    );
}

/// The profile's own text goes through its 外字 map as records do: a contact line typed with
/// the municipality's private-use 邉 prints the character it stands for, variation selector
/// included.
#[test]
fn fonts_the_issuer_profiles_text_is_converted_with_its_gaiji_map() {
    require_fallback_fonts();
    let dir = out_dir("fonts-profile-gaiji");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("tests/data/fonts/issuers/gaiji.csv", dir.join("gaiji.csv")).unwrap();
    std::fs::write(
        dir.join("profile.toml"),
        "name = \"外字市\"\ninsurer_number = \"100016\"\nprefecture = \"群馬県\"\ngaiji = \"gaiji.csv\"\ncontact = [\"【お問い合わせ】\\uE001見市 保険年金課\"]\n",
    )
    .unwrap();
    let pdf = dir.join("notice.pdf");
    let output = shikaku(&[
        "preview",
        "--layout",
        "kokuho-oshirase",
        "--record",
        "samples/records.csv",
        "--issuer",
        dir.join("profile.toml").to_str().unwrap(),
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains("邉\u{E0102}見市 保険年金課"), "{text}");
    assert!(!text.contains('\u{E001}'), "{text}");
}
