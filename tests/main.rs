//! End-to-end tests: all of tests/ builds into this one binary.

mod smoke {
    use std::sync::Arc;

    use chrono::NaiveDate;
    use shikaku::eligibility::{Cycle, Document, Eligibility};
    use shikaku::fill::Form;
    use shikaku::issuer::Issuer;
    use shikaku::layout::Layout;
    use shikaku::record::{Record, Scheme, Sex};
    use shikaku::render::pdf::{pdf, PdfOptions};
    use shikaku::render::png::{png, PngOptions};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn record() -> Record {
        Record {
            record_id: "1".into(),
            scheme: Scheme::Kokuho,
            insurer_number: "100016".into(),
            symbol: Some("高崎12".into()),
            number: "1234567".into(),
            branch: Some("01".into()),
            name: "佐藤 太郎".into(),
            name_kana: Some("サトウ タロウ".into()),
            sex: Sex::Male,
            birth_date: d(1955, 3, 14),
            postal_code: Some("3708501".into()),
            address: Some("群馬県高崎市高松町35番地1 高崎マンション305号室".into()),
            householder_name: Some("佐藤 太郎".into()),
            qualified_date: d(2015, 4, 1),
            issue_date: d(2025, 7, 15),
            has_myna_hoken: false,
            copay_ratio: Some(2),
            effective_date: None,
            expiry_date: None,
            residence_expiry: None,
            special_medical: false,
            certificate_requested: false,
            application_date: None,
            household_id: None,
            remarks: None,
        }
    }

    fn eligibility() -> Eligibility {
        Eligibility {
            document: Document::Kakuninsho,
            scheme: Scheme::Kokuho,
            cycle: Cycle { start: d(2025, 8, 1), end: d(2026, 7, 31) },
            expiry_date: Some(d(2026, 7, 31)),
            effective_date: Some(d(2025, 8, 1)),
            copay_ratio: Some(2),
            special_medical: false,
            age_at_cycle_start: 70,
            elderly: true,
            reasons: vec![],
        }
    }

    #[test]
    fn renders_the_card() {
        let layout = Arc::new(Layout::load("kokuho-kakuninsho").unwrap());
        let issuer = Arc::new(Issuer::from_path("samples/issuers/takasaki.toml".as_ref()).unwrap());
        let form = Form::new(layout, issuer).unwrap();
        let (record, elig) = (record(), eligibility());
        let doc = form.fill(&record, &elig).unwrap();
        let bytes = pdf(&doc, &PdfOptions::default());
        std::fs::write("/tmp/card.pdf", bytes).unwrap();
        let layout = Arc::new(Layout::load("kokuho-oshirase").unwrap());
        let issuer = Arc::new(Issuer::from_path("samples/issuers/takasaki.toml".as_ref()).unwrap());
        let form = Form::new(layout, issuer).unwrap();
        let doc = form.fill(&record, &elig).unwrap();
        std::fs::write("/tmp/notice.pdf", pdf(&doc, &PdfOptions::default())).unwrap();
    }

    /// For a visual check against the PDF: compare `/tmp/png-<layout>-<n>.png` with
    /// `pdftoppm -r 150 -png /tmp/png-<layout>.pdf /tmp/ref-<layout>`.
    #[test]
    #[ignore = "writes PNGs and PDFs to /tmp for a side-by-side look with pdftoppm"]
    fn renders_the_card_and_notice_as_png() {
        for (layout, name) in [("kokuho-kakuninsho", "card"), ("kokuho-oshirase", "notice")] {
            let layout = Arc::new(Layout::load(layout).unwrap());
            let issuer = Arc::new(Issuer::from_path("samples/issuers/takasaki.toml".as_ref()).unwrap());
            let form = Form::new(layout, issuer).unwrap();
            let doc = form.fill(&record(), &eligibility()).unwrap();
            std::fs::write(format!("/tmp/png-{name}.pdf"), pdf(&doc, &PdfOptions::default())).unwrap();
            for n in 0..doc.pages.len() {
                let bytes = png(&doc, n, &PngOptions::default()).unwrap();
                std::fs::write(format!("/tmp/png-{name}-{}.png", n + 1), bytes).unwrap();
            }
        }
    }
}
