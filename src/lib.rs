//! shikaku prints the documents Japanese public health insurance sends its members
//! instead of the paper 保険証: the 資格確認書 card and the 資格情報のお知らせ notice.
//!
//! The pipeline, one module a step:
//! 1. [`record::read`]: CSV / JSON → [`record::Record`], streamed one record at a time;
//! 2. [`eligibility`]: a record and its renewal cycle → [`eligibility::Eligibility`];
//! 3. `layout`: TOML → `Layout`, validated and normalized to points;
//! 4. `fill`: layout + record + eligibility + issuer → a display list;
//! 5. `render::pdf`: display list → PDF bytes.
#![warn(missing_docs)]

pub mod diag;
pub mod eligibility;
pub mod era;
pub mod issuer;
pub mod record;
