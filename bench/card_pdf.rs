//! `pdf()` of the sample cards, in a loop: the driver for counting the renderer's instructions per
//! card with callgrind (bench/README.md, "serve"), which repeat exactly whatever else the machine
//! does. Fills the nine card members of samples/records.csv once, then writes each one's PDF
//! `ROUNDS` times (first argument, default 1) on one thread, as the preview server does per request.
//!
//!   cargo build --release --locked --example card_pdf
//!   valgrind --tool=callgrind target/release/examples/card_pdf 1
//!   valgrind --tool=callgrind target/release/examples/card_pdf 11   # (difference ÷ 90) per card

use std::path::Path;
use std::sync::Arc;

use shikaku::eligibility::{self, Options};
use shikaku::fill::Form;
use shikaku::issuer::Issuer;
use shikaku::layout::{Catalog, LayoutKind};
use shikaku::record::{self, ReadOptions};
use shikaku::render::pdf::{pdf, PdfOptions};

/// The sample members who get a 資格確認書 card, as bench/serve.sh posts them.
const CARDS: [&str; 9] = [
    "T0001", "T0003", "T0005", "T0006", "T0007", "T0008", "T0009", "T0011", "T0013",
];

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(1, |n| n.parse().expect("ROUNDS is a number"));
    let issuers: Vec<Arc<Issuer>> = ["gunma-kouki", "mogami", "takasaki"]
        .iter()
        .map(|name| {
            let path = Path::new("samples/issuers").join(format!("{name}.toml"));
            Arc::new(Issuer::from_path(&path).expect("the sample issuers load"))
        })
        .collect();
    let catalog = Catalog::bundled();
    let records = record::read(Path::new("samples/records.csv"), &ReadOptions::default())
        .expect("the sample records open");
    let mut documents = Vec::new();
    for (_, record) in records.map(|r| r.expect("the sample records read")) {
        if !CARDS.contains(&record.record_id.as_str()) {
            continue;
        }
        let issuer = issuers
            .iter()
            .find(|i| i.insurer_number == record.insurer_number)
            .expect("each sample record has its issuer");
        let eligibility = eligibility::evaluate(&record, &issuer.rules, &Options::default())
            .expect("the sample cards evaluate")
            .eligibility;
        let layout = issuer
            .load_layout(LayoutKind::of(eligibility.document), &catalog)
            .expect("the bundled layouts load");
        let title = layout.title().to_owned();
        let form = Form::new(Arc::new(layout), issuer.clone()).expect("the sample forms draw");
        let document = form
            .fill(&record, &eligibility)
            .expect("the sample cards fill");
        documents.push((document, title));
    }
    assert_eq!(documents.len(), CARDS.len(), "every sample card was found");
    let mut bytes = 0;
    for _ in 0..rounds {
        for (document, title) in &documents {
            let options = PdfOptions {
                title: Some(title.clone()),
                ..PdfOptions::default()
            };
            bytes += pdf(document, &options).len();
        }
    }
    println!("{} PDFs, {bytes} bytes", rounds * documents.len());
}
