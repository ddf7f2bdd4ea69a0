//! shikaku prints the documents Japanese public health insurance sends its members
//! instead of the paper 保険証: the 資格確認書 card and the 資格情報のお知らせ notice.
//!
//! The pipeline, one module a step:
//! 1. [`record::read`]: CSV / JSON → [`record::Record`], streamed one record at a time;
//! 2. [`eligibility`]: a record and its renewal cycle → [`eligibility::Eligibility`];
//! 3. [`layout`]: TOML → [`layout::Layout`], validated and normalized to points, and [`lint`]ed
//!    for what a print shop would query (hairlines, tiny or squeezed text, elements near the trim);
//! 4. [`fill`]: layout + issuer → [`fill::Form`], then + record + eligibility → [`display::Document`],
//!    with the issuer's 外字 map applied first ([`gaiji`]) and each character set in the first font of
//!    its fallback chain that has it ([`font::shape`]);
//! 5. [`render::pdf`]: display lists → PDF bytes; [`render::png`]: a page → a PNG preview.
//!
//! Around it: [`batch`] renders a records file into print files in mailing order, [`golden`]
//! compares cases with blessed PDFs (by layout element, in mm, and by pixel), [`serve`] is the
//! preview server for counter staff, and [`ledger`] records what they looked up and issued.
#![warn(missing_docs)]

pub mod barcode;
pub mod batch;
pub mod diag;
pub mod display;
pub mod eligibility;
pub mod era;
pub mod fill;
pub mod font;
pub mod gaiji;
pub mod golden;
pub mod impose;
pub mod insurer_number;
pub mod issuer;
pub mod layout;
pub mod ledger;
pub mod limits;
pub mod lint;
pub mod record;
pub mod render;
pub mod serve;
