//! Print production end to end: imposed sheets, PDF/A and the customer barcode, through the
//! `shikaku` command, with the PDFs read back by qpdf (its JSON dump of every object).
//!
//! No PDF/A validator can be installed here (veraPDF is neither a Debian nor a PyPI package), so
//! [`pdfa_structure`] checks the PDF/A-2b rules that our writer could break, and `qpdf --check`
//! checks that the file is well formed; docs/print.md lists what is and is not covered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::shikaku;

/// Renders the samples into a fresh folder under the test tmpdir, with `extra` flags.
pub(crate) fn render(name: &str, extra: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec![
        "render",
        "--input",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = shikaku(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn qpdf(args: &[&str]) -> String {
    let output = Command::new("qpdf")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("qpdf is needed by this test ({e}); scripts/test.sh installs it")
        });
    // qpdf exits 3 for warnings, which a conforming file must not have either.
    assert!(
        output.status.success(),
        "qpdf {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every object of a PDF by its `obj:N 0 R` key (and `trailer`), streams decoded.
struct Objects(BTreeMap<String, Value>);

impl Objects {
    fn read(pdf: &Path) -> Objects {
        let json = qpdf(&[
            "--json=2",
            "--json-key=qpdf",
            "--json-stream-data=inline",
            "--decode-level=generalized",
            pdf.to_str().unwrap(),
        ]);
        let value: Value = serde_json::from_str(&json).unwrap();
        Objects(
            value["qpdf"][1]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// An object's dictionary (a stream's dictionary for a stream).
    fn dict(&self, reference: &Value) -> &Value {
        let object = &self.0[&format!("obj:{}", reference.as_str().unwrap())];
        object
            .get("stream")
            .map_or(&object["value"], |s| &s["dict"])
    }

    /// A stream's decoded bytes.
    fn data(&self, reference: &Value) -> Vec<u8> {
        let object = &self.0[&format!("obj:{}", reference.as_str().unwrap())];
        base64_decode(object["stream"]["data"].as_str().unwrap())
    }

    fn all(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0
            .iter()
            .map(|(k, v)| (k, v.get("stream").map_or(&v["value"], |s| &s["dict"])))
    }

    fn catalog(&self) -> &Value {
        self.dict(&self.0["trailer"]["value"]["/Root"])
    }

    fn pages(&self) -> Vec<&Value> {
        self.dict(&self.catalog()["/Pages"])["/Kids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| self.dict(k))
            .collect()
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(value(c)) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The PDF/A-2b rules (ISO 19005-2) that this writer could get wrong, checked object by object.
pub(crate) fn pdfa_structure(pdf: &Path) {
    let bytes = std::fs::read(pdf).unwrap();
    // 6.1.2: the header, then a comment of at least four bytes above 127.
    assert!(
        bytes.starts_with(b"%PDF-1.7\n%") && bytes[10..14].iter().all(|&b| b > 127),
        "file header"
    );
    let objects = Objects::read(pdf);
    let trailer = &objects.0["trailer"]["value"];
    // 6.1.3: a file identifier, and no encryption.
    let id = trailer["/ID"].as_array().expect("trailer /ID");
    assert!(
        id.len() == 2 && id[0].as_str().unwrap().len() > 10,
        "{id:?}"
    );
    assert!(trailer.get("/Encrypt").is_none());
    let catalog = objects.catalog();
    // 6.6.2: XMP metadata, unfiltered, with the PDF/A identification; its title is the info title.
    let metadata = objects.dict(&catalog["/Metadata"]);
    assert_eq!(
        (metadata["/Type"].as_str(), metadata["/Subtype"].as_str()),
        (Some("/Metadata"), Some("/XML"))
    );
    assert!(
        metadata.get("/Filter").is_none(),
        "6.6.2.1: the metadata stream is not filtered"
    );
    let xmp = String::from_utf8(objects.data(&catalog["/Metadata"])).unwrap();
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>")
            && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{xmp}"
    );
    if let Some(info) = trailer.get("/Info") {
        let title = objects.dict(info)["/Title"]
            .as_str()
            .unwrap()
            .trim_start_matches("u:")
            .to_string();
        assert!(
            xmp.contains(&format!(">{title}</rdf:li>")),
            "6.6.3: XMP dc:title must match /Title {title}: {xmp}"
        );
    }
    // 6.2.3: a PDF/A output intent with an RGB ICC profile, since pages paint in DeviceRGB and DeviceGray.
    let intents = catalog["/OutputIntents"]
        .as_array()
        .expect("/OutputIntents");
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["/S"], "/GTS_PDFA1");
    let profile = objects.dict(&intents[0]["/DestOutputProfile"]);
    assert_eq!(profile["/N"], 3);
    let icc = objects.data(&intents[0]["/DestOutputProfile"]);
    assert_eq!(
        (&icc[12..16], &icc[16..20], &icc[36..40]),
        (&b"mntr"[..], &b"RGB "[..], &b"acsp"[..]),
        "an RGB display profile"
    );
    assert_eq!(
        u32::from_be_bytes(icc[..4].try_into().unwrap()) as usize,
        icc.len(),
        "the ICC header's size"
    );
    // 6.2.11.4: every font embedded; 6.2.11.3.2: CIDFontType2 with a CIDToGIDMap; a CFF font
    // (Noto CJK, a fallback) as CIDFontType0 with a CIDFontType0C program.
    let mut fonts = 0;
    for (key, dict) in objects.all() {
        if dict["/Type"] == "/Font" && dict["/Subtype"] == "/CIDFontType2" {
            fonts += 1;
            assert!(dict.get("/CIDToGIDMap").is_some(), "{key}: no CIDToGIDMap");
            let descriptor = objects.dict(&dict["/FontDescriptor"]);
            assert!(
                descriptor.get("/FontFile2").is_some(),
                "{key}: font not embedded"
            );
        }
        if dict["/Type"] == "/Font" && dict["/Subtype"] == "/CIDFontType0" {
            fonts += 1;
            let descriptor = objects.dict(&dict["/FontDescriptor"]);
            let program = objects.dict(&descriptor["/FontFile3"]);
            assert_eq!(
                program["/Subtype"], "/CIDFontType0C",
                "{key}: font not embedded"
            );
        }
        if dict["/Type"] == "/Font" {
            assert!(
                matches!(
                    dict["/Subtype"].as_str(),
                    Some("/Type0" | "/CIDFontType2" | "/CIDFontType0")
                ),
                "{key}: {dict}"
            );
        }
        // 6.1.7 (no LZW), 6.2.8 (no interpolation, no alternates, no OPI), 6.6.1 (no JavaScript),
        // 6.8 (no embedded files in 2b… beyond PDF/A ones, which we never write).
        for forbidden in [
            "/JS",
            "/JavaScript",
            "/Alternates",
            "/OPI",
            "/EmbeddedFiles",
            "/AA",
            "/TR",
        ] {
            assert!(dict.get(forbidden).is_none(), "{key} has {forbidden}");
        }
        assert_ne!(dict["/Filter"], "/LZWDecode", "{key}");
        assert_ne!(dict["/Interpolate"], true, "{key}");
        // 6.2.10: a soft mask is the only transparency we write, and PDF/A-2 allows it (an image's
        // /SMask); blend modes and ExtGState soft masks would need checking, and we write none.
        assert!(
            dict.get("/BM").is_none() && !(dict["/Type"] == "/ExtGState"),
            "{key}: {dict}"
        );
    }
    assert!(fonts > 0, "the file shows text");
    qpdf(&["--check", pdf.to_str().unwrap()]);
}

#[test]
fn pdfa_files_pass_the_structural_check_and_qpdf() {
    let out = render("pdfa", &["--pdfa"]);
    for name in [
        "registered-kokuho-kakuninsho-0001",
        "ordinary-kokuho-oshirase-0001",
        "registered-kouki-kakuninsho-0001",
    ] {
        pdfa_structure(&out.join(format!("{name}.pdf")));
    }
    let carrier = render("pdfa-carrier", &["--pdfa", "--impose", "carrier"]);
    pdfa_structure(&carrier.join("registered-kokuho-kakuninsho-0001.pdf"));
}

#[test]
fn the_pdfa_document_id_is_a_content_hash() {
    let id = |dir: &Path, name: &str| {
        Objects::read(&dir.join(format!("{name}.pdf"))).0["trailer"]["value"]["/ID"][0].clone()
    };
    let (a, b) = (
        render("pdfa-id-a", &["--pdfa"]),
        render("pdfa-id-b", &["--pdfa"]),
    );
    let (card, kouki) = (
        "registered-kokuho-kakuninsho-0001",
        "registered-kouki-kakuninsho-0001",
    );
    assert_eq!(id(&a, card), id(&b, card), "same input, same id");
    assert_ne!(id(&a, card), id(&a, kouki), "other content, other id");
    // The XMP ids are RFC 4122 layout UUIDs: version 8 (content-derived), variant 10xx.
    let objects = Objects::read(&a.join(format!("{card}.pdf")));
    let xmp = String::from_utf8(objects.data(&objects.catalog()["/Metadata"])).unwrap();
    let uuids: Vec<&str> = xmp.split("uuid:").skip(1).map(|s| &s[..36]).collect();
    assert_eq!(uuids.len(), 2, "{xmp}");
    for uuid in uuids {
        let b = uuid.as_bytes();
        assert_eq!(
            (b[8], b[13], b[18], b[23]),
            (b'-', b'-', b'-', b'-'),
            "{uuid}"
        );
        assert_eq!(b[14], b'8', "version 8: {uuid}");
        assert!(
            matches!(b[19], b'8' | b'9' | b'a' | b'b'),
            "variant: {uuid}"
        );
    }
    // Plain output has no metadata, but it has its /ID too (PDF 2.0 requires one in every file).
    let plain = render("pdfa-off", &[]);
    let objects = Objects::read(&plain.join(format!("{card}.pdf")));
    assert!(objects.catalog().get("/Metadata").is_none());
    assert!(objects.0["trailer"]["value"]["/ID"][0].is_string());
}

/// A page box in points, [x0, y0, x1, y1].
fn page_box(page: &Value, name: &str) -> [f32; 4] {
    let v: Vec<f32> = page[name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name}"))
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    [v[0], v[1], v[2], v[3]]
}

/// Every page has a trim box inside its bleed box inside its media box (PDF/X needs a trim box on
/// every page, and print workflows read it to know the finished size).
fn page_boxes(path: &Path, page: &Value) {
    let (media, bleed, trim) = (
        page_box(page, "/MediaBox"),
        page_box(page, "/BleedBox"),
        page_box(page, "/TrimBox"),
    );
    let inside = |a: [f32; 4], b: [f32; 4]| {
        a[0] >= b[0] - 0.01 && a[1] >= b[1] - 0.01 && a[2] <= b[2] + 0.01 && a[3] <= b[3] + 0.01
    };
    assert!(
        inside(trim, bleed) && inside(bleed, media),
        "{}: trim {trim:?}, bleed {bleed:?}, media {media:?}",
        path.display()
    );
}

/// Walks the XObjects a resource dictionary names, failing on one that names itself again on the way
/// down (PDFBox Preflight's "PDResources recursion").
fn walk_resources(objects: &Objects, resources: &Value, stack: &mut Vec<String>) {
    let resources = match resources.as_str() {
        Some(r) if r.ends_with(" R") => objects.dict(resources),
        _ => resources,
    };
    let Some(x_objects) = resources.get("/XObject").and_then(Value::as_object) else {
        return;
    };
    for reference in x_objects.values() {
        let key = reference.as_str().unwrap().to_string();
        assert!(
            !stack.contains(&key),
            "resource recursion: {stack:?} → {key}"
        );
        let dict = objects.dict(reference);
        if let Some(inner) = dict.get("/Resources") {
            stack.push(key);
            walk_resources(objects, inner, stack);
            stack.pop();
        }
    }
}

#[test]
fn every_file_has_an_id_and_no_resource_dictionary_recurses() {
    let sets = [
        ("resources-card", vec![]),
        ("resources-nup", vec!["--impose", "nup"]),
        ("resources-carrier", vec!["--impose", "carrier"]),
    ];
    for (name, args) in sets {
        let out = render(name, &args);
        for entry in std::fs::read_dir(&out).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "pdf") {
                continue;
            }
            let objects = Objects::read(&path);
            let id = objects.0["trailer"]["value"]["/ID"].as_array();
            assert!(
                id.is_some_and(|id| id.len() == 2),
                "{}: no /ID",
                path.display()
            );
            for page in objects.pages() {
                page_boxes(&path, page);
            }
            let mut forms = 0;
            for (key, dict) in objects.all() {
                if dict["/Subtype"] == "/Form" {
                    forms += 1;
                    let own = key.trim_start_matches("obj:").to_string();
                    walk_resources(&objects, &dict["/Resources"], &mut vec![own]);
                }
            }
            assert!(forms > 0, "{}: the backgrounds are forms", path.display());
            for page in objects.pages() {
                walk_resources(&objects, &page["/Resources"], &mut Vec::new());
            }
        }
    }
}

/// The PDF/X-4 rules (ISO 15930-7) that this writer could get wrong, checked object by object.
pub(crate) fn pdfx_structure(pdf: &Path) {
    let bytes = std::fs::read(pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.6\n"), "PDF/X-4 is PDF 1.6");
    let objects = Objects::read(pdf);
    let trailer = &objects.0["trailer"]["value"];
    assert!(trailer["/ID"].as_array().is_some_and(|id| id.len() == 2));
    assert!(trailer.get("/Encrypt").is_none());
    let catalog = objects.catalog();
    let intents = catalog["/OutputIntents"]
        .as_array()
        .expect("/OutputIntents");
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["/S"], "/GTS_PDFX");
    assert_eq!(intents[0]["/OutputConditionIdentifier"], "u:FOGRA39");
    assert_eq!(objects.dict(&intents[0]["/DestOutputProfile"])["/N"], 4);
    let icc = objects.data(&intents[0]["/DestOutputProfile"]);
    assert_eq!(
        (&icc[12..16], &icc[16..20], &icc[36..40]),
        (&b"prtr"[..], &b"CMYK"[..], &b"acsp"[..]),
        "a CMYK output profile"
    );
    let xmp = String::from_utf8(objects.data(&catalog["/Metadata"])).unwrap();
    for needed in [
        "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>",
        "<pdf:Trapped>False</pdf:Trapped>",
        "<xmp:CreateDate>2025-08-01T00:00:00Z</xmp:CreateDate>",
        "<xmpMM:VersionID>1</xmpMM:VersionID>",
        "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>",
        "<xmpMM:DocumentID>uuid:",
    ] {
        assert!(xmp.contains(needed), "XMP lacks {needed}: {xmp}");
    }
    let info = objects.dict(&trailer["/Info"]);
    assert_eq!(info["/Trapped"], "/False");
    assert_eq!(info["/GTS_PDFXVersion"], "u:PDF/X-4");
    assert_eq!(info["/CreationDate"], info["/ModDate"]);
    let title = info["/Title"].as_str().unwrap().trim_start_matches("u:");
    assert!(xmp.contains(&format!(">{title}</rdf:li>")));
    // Every colour DeviceGray or DeviceCMYK: no RGB colour space, no rg / RG operator.
    for (key, object) in &objects.0 {
        let dict = object
            .get("stream")
            .map_or(&object["value"], |s| &s["dict"]);
        assert!(!dict.to_string().contains("/DeviceRGB"), "{key}: {dict}");
        let is_content = dict["/Subtype"] == "/Form"
            || (object.get("stream").is_some()
                && dict.get("/Type").is_none()
                && dict.get("/Subtype").is_none()
                && dict.get("/Length1").is_none()
                && dict.get("/N").is_none());
        if is_content {
            let data = objects.data(&Value::from(key.trim_start_matches("obj:")));
            let text = String::from_utf8_lossy(&data);
            for line in text.lines() {
                assert!(
                    !line.ends_with(" rg") && !line.ends_with(" RG"),
                    "{key}: {line}"
                );
            }
        }
    }
    for page in objects.pages() {
        page_boxes(pdf, page);
        assert_eq!(page["/Group"]["/CS"], "/DeviceCMYK");
    }
    qpdf(&["--check", pdf.to_str().unwrap()]);
}

#[test]
fn pdfx_files_are_cmyk_with_a_fogra39_output_intent() {
    let out = render("pdfx", &["--pdfx", "--pdf-date", "2025-08-01"]);
    for name in [
        "registered-kokuho-kakuninsho-0001",
        "ordinary-kokuho-oshirase-0001",
        "registered-kouki-kakuninsho-0001",
    ] {
        pdfx_structure(&out.join(format!("{name}.pdf")));
    }
    let sheets = render(
        "pdfx-sra3",
        &[
            "--pdfx",
            "--pdf-date",
            "2025-08-01",
            "--impose",
            "nup",
            "--sheet",
            "sra3-21up",
        ],
    );
    pdfx_structure(&sheets.join("registered-kokuho-kakuninsho-0001.pdf"));
    // The seal is a DeviceCMYK image that keeps its soft mask (PDF/X-4 allows live transparency).
    let objects = Objects::read(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
    let seal = objects
        .all()
        .find(|(_, d)| d["/Subtype"] == "/Image" && d.get("/SMask").is_some())
        .expect("the seal");
    assert_eq!(seal.1["/ColorSpace"], "/DeviceCMYK");
    let output = shikaku(&[
        "render",
        "-i",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "-o",
        "unused",
        "--pdfx",
    ]);
    assert_eq!(output.status.code(), Some(2), "PDF/X needs --pdf-date");
}

/// The `cm` translations of a page's content (one stream, or an array of them), in points,
/// in drawing order.
fn placements(objects: &Objects, page: &Value) -> Vec<(f32, f32, bool)> {
    let parts = match page["/Contents"].as_array() {
        Some(parts) => parts
            .iter()
            .map(|p| objects.data(p))
            .collect::<Vec<_>>()
            .concat(),
        None => objects.data(&page["/Contents"]),
    };
    let content = String::from_utf8(parts).unwrap();
    content
        .lines()
        .map(|l| l.trim_start_matches("q ").trim())
        .filter(|l| l.ends_with(" cm"))
        .map(|l| {
            let n: Vec<f32> = l
                .split_whitespace()
                .take(6)
                .map(|v| v.parse().unwrap())
                .collect();
            (n[4], n[5], n[0] < 0.0)
        })
        .collect()
}

#[test]
fn ten_up_sheets_place_cards_and_backs_where_the_sheet_says() {
    let out = render("nup", &["--impose", "nup"]);
    let objects = Objects::read(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
    let pages = objects.pages();
    // 9 kokuho cards: one front sheet, one back sheet, A4.
    assert_eq!(pages.len(), 2);
    let pt = |mm: f32| mm * 72.0 / 25.4;
    let media: Vec<f32> = pages[0]["/MediaBox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert!(
        (media[2] - pt(210.0)).abs() < 0.01 && (media[3] - pt(297.0)).abs() < 0.01,
        "{media:?}"
    );
    let (w, h) = (85.6, 53.98);
    let front = placements(&objects, pages[0]);
    let back = placements(&objects, pages[1]);
    assert_eq!((front.len(), back.len()), (9, 9));
    for i in 0..9 {
        let (column, row) = ((i % 2) as f32, (i / 2) as f32);
        let (x, top) = (19.4 + column * w, 13.55 + row * h);
        // PDF measures y up from the bottom: the card's bottom edge.
        let expected = (pt(x), pt(297.0 - top - h));
        assert!(
            (front[i].0 - expected.0).abs() < pt(0.1) && (front[i].1 - expected.1).abs() < pt(0.1),
            "front {i}: {:?} vs {expected:?}",
            front[i]
        );
        // Long-edge flip: the back's left edge is where the front's right edge was, seen from behind.
        let mirrored = (pt(210.0 - x - w), expected.1);
        assert!(
            (back[i].0 - mirrored.0).abs() < pt(0.1) && (back[i].1 - mirrored.1).abs() < pt(0.1),
            "back {i}: {:?} vs {mirrored:?}",
            back[i]
        );
        assert!(!front[i].2 && !back[i].2);
    }
    qpdf(&[
        "--check",
        out.join("registered-kokuho-kakuninsho-0001.pdf")
            .to_str()
            .unwrap(),
    ]);
}

#[test]
fn card_pages_with_bleed_keep_the_card_as_their_trim_box() {
    let out = render("bleed-card", &["--bleed", "3"]);
    let objects = Objects::read(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
    let pt = |mm: f32| mm * 72.0 / 25.4;
    let (w, h) = (pt(85.6), pt(53.98));
    for page in objects.pages() {
        let close = |a: [f32; 4], b: [f32; 4]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 0.01);
        let media = page_box(page, "/MediaBox");
        assert!(
            close(media, [-pt(3.0), -pt(3.0), w + pt(3.0), h + pt(3.0)]),
            "{media:?}"
        );
        assert_eq!(page_box(page, "/BleedBox"), media);
        assert!(close(page_box(page, "/TrimBox"), [0.0, 0.0, w, h]));
    }
    let output = shikaku(&[
        "render",
        "-i",
        "samples/records.csv",
        "--issuer",
        "samples/issuers",
        "-o",
        "unused",
        "--impose",
        "nup",
        "--bleed",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --bleed applies to --impose card only\n  hint: a sheet sets its own bleed: edit `bleed` in a copy of the sheet file\n"
    );
}

/// Renders a PDF's first page in gray at `dpi` with pdftoppm; returns (width, height, pixels).
fn gray_page(pdf: &Path, dpi: u32) -> (usize, usize, Vec<u8>) {
    let output = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-f", "1", "-l", "1"])
        .arg(pdf)
        .output()
        .expect("pdftoppm is needed by this test; scripts/test.sh installs it");
    assert!(output.status.success());
    let page = crate::renderers::Gray::parse(&output.stdout);
    (page.0, page.1, page.2)
}

/// Nothing is printed within `margin` mm of the page's edges: rasterized, that band is white.
fn blank_margin(pdf: &Path, margin: f32) {
    let dpi = 100;
    let (w, h, pixels) = gray_page(pdf, dpi);
    let band = (margin / 25.4 * dpi as f32).floor() as usize;
    for y in 0..h {
        for x in 0..w {
            if (x < band || x >= w - band || y < band || y >= h - band) && pixels[y * w + x] < 250 {
                panic!(
                    "{}: ink at {:.1} × {:.1} mm, inside the {margin} mm margin",
                    pdf.display(),
                    x as f32 * 25.4 / dpi as f32,
                    y as f32 * 25.4 / dpi as f32
                );
            }
        }
    }
}

#[test]
fn sheets_print_nothing_in_the_printers_margin() {
    for sheet in ["a4-10up", "a4-8up", "a3-21up", "sra3-21up"] {
        let out = render(
            &format!("margin-{sheet}"),
            &["--impose", "nup", "--sheet", sheet],
        );
        blank_margin(&out.join("registered-kokuho-kakuninsho-0001.pdf"), 5.0);
    }
    // The carrier sheet's layout keeps its fold marks and text inside the margin too.
    let out = render("margin-carrier", &["--impose", "carrier"]);
    blank_margin(&out.join("registered-kokuho-kakuninsho-0001.pdf"), 5.0);
}

#[test]
fn an_sra3_sheet_has_bleed_and_its_cards_where_the_sheet_says() {
    let out = render("sra3", &["--impose", "nup", "--sheet", "sra3-21up"]);
    let objects = Objects::read(&out.join("registered-kokuho-kakuninsho-0001.pdf"));
    let pages = objects.pages();
    let pt = |mm: f32| mm * 72.0 / 25.4;
    let media = page_box(pages[0], "/MediaBox");
    assert!((media[2] - pt(320.0)).abs() < 0.01 && (media[3] - pt(450.0)).abs() < 0.01);
    let front = placements(&objects, pages[0]);
    // 9 cards: the 5th is in the second row, second column.
    let (x, top) = (25.6 + 85.6 + 6.0, 18.07 + 53.98 + 6.0);
    assert!(
        (front[4].0 - pt(x)).abs() < pt(0.1)
            && (front[4].1 - pt(450.0 - top - 53.98)).abs() < pt(0.1),
        "{:?}",
        front[4]
    );
}

#[test]
fn lint_names_each_finding_with_its_line_and_the_bundled_layouts_are_clean() {
    let layout = "tests/data/lint/card-near-the-trim.toml";
    let output = shikaku(&["lint", layout]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string("tests/data/lint/card-near-the-trim.stderr").unwrap()
    );
    let mut args = vec!["lint"];
    args.extend([
        "kokuho-kakuninsho",
        "kouki-kakuninsho",
        "kokuho-oshirase",
        "kouki-oshirase",
        "kokuho-daishi",
        "kouki-daishi",
    ]);
    let output = shikaku(&args);
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).as_ref()
        ),
        (Some(0), "6 layouts checked, 0 findings\n")
    );
    // Looser limits pass the same layout's text; a layout that cannot load is exit status 2.
    let output = shikaku(&["lint", layout, "--min-text", "4", "--min-squeeze", "0.5"]);
    assert!(String::from_utf8_lossy(&output.stderr).ends_with("1 layout checked, 3 findings\n"));
    assert_eq!(shikaku(&["lint", "no-such-layout"]).status.code(), Some(2));
}

#[test]
fn a_layout_loaded_for_preview_is_linted_as_warnings() {
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-preview.png");
    let output = shikaku(&[
        "preview",
        "--layout",
        "tests/data/lint/card-near-the-trim.toml",
        "--record",
        "samples/records.csv",
        "-o",
        png.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "warning: tests/data/lint/card-near-the-trim.toml:20:1: line `row-rule` is 0.15 pt"
        ),
        "{stderr}"
    );
}

#[test]
fn a_record_whose_address_cannot_be_barcoded_is_reported_not_printed() {
    let samples = std::fs::read_to_string("samples/records.csv").unwrap();
    let header = samples.lines().next().unwrap();
    // T0002 gets an お知らせ (マイナ保険証); 370-0000 is 高崎市's 代表番号, which takes no barcode.
    let row = samples
        .lines()
        .find(|l| l.starts_with("T0002"))
        .unwrap()
        .replace("370-0001", "370-0000");
    let input = Path::new(env!("CARGO_TARGET_TMPDIR")).join("barcode-rejected.csv");
    std::fs::write(&input, format!("{header}\n{row}\n")).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("barcode-rejected");
    let _ = std::fs::remove_dir_all(&out);
    let output = shikaku(&[
        "render",
        "--input",
        input.to_str().unwrap(),
        "--issuer",
        "samples/issuers",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("1 read = 0 rendered + 1 rejected"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(
        std::fs::read_to_string(out.join("errors.jsonl"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(report["field"], "postal_code");
    assert!(
        report["reason"].as_str().unwrap().contains(
            "failed to encode the customer barcode (the postal code is a 代表番号 ending in 00)"
        ),
        "{report}"
    );
    let pdfs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf")
        })
        .count();
    assert_eq!(pdfs, 0, "no お知らせ without its barcode");
}
