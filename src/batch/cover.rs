//! Cover letters (送付状): one for each envelope, first in it, listing every member and document
//! inside, with the address block for the envelope's window.
//!
//! Which records share an envelope is known only once every record is read, so the render phase
//! keeps, beside each record's pages in the spill, the few values its cover needs (its address
//! block and its line in the list), after checking that they print; the assemble phase joins them
//! per envelope and draws the covers straight into their own print files
//! (`{class}-{scheme}-soufujo-NNNN.pdf`), in mailing order, so the Nth cover of a class goes on
//! top of the Nth envelope.

use chrono::NaiveDate;

use super::{take_str, BatchError, Entry, PlannedFile, Rendered};
use crate::fill::{Cover, Enclosure};
use crate::record::Scheme;
use crate::render::pdf::{encode_page, PdfOptions, PdfWriter};

/// Appends a record's cover values (or their absence) to its spilled bytes.
pub(super) fn put(out: &mut Vec<u8>, cover: Option<&Cover>) {
    let Some(cover) = cover else {
        out.push(0);
        return;
    };
    out.push(1);
    let enclosure = &cover.enclosures[0];
    let date = cover.issue_date.to_string();
    for text in [
        &cover.addressee,
        &cover.postal_code,
        &cover.address,
        &cover.care_of,
        &date,
        cover.scheme.as_str(),
        &enclosure.name,
        &enclosure.document,
    ] {
        super::put_str(out, text);
    }
}

/// Reads back what [`put`] wrote; `None` when the bytes are not such values.
pub(super) fn take(bytes: &[u8]) -> Option<(Option<Cover>, &[u8])> {
    let (&flag, mut rest) = bytes.split_first()?;
    if flag == 0 {
        return Some((None, rest));
    }
    let mut texts = Vec::with_capacity(8);
    for _ in 0..8 {
        let (text, tail) = take_str(rest)?;
        texts.push(text);
        rest = tail;
    }
    let scheme = match texts[5] {
        "kokuho" => Scheme::Kokuho,
        "kouki" => Scheme::Kouki,
        _ => return None,
    };
    let cover = Cover {
        addressee: texts[0].into(),
        postal_code: texts[1].into(),
        address: texts[2].into(),
        care_of: texts[3].into(),
        issue_date: texts[4].parse::<NaiveDate>().ok()?,
        scheme,
        enclosures: vec![Enclosure {
            name: texts[6].into(),
            document: texts[7].into(),
        }],
    };
    Some((Some(cover), rest))
}

/// A cover file's envelopes: its entries (every member of every envelope, in mailing order)
/// grouped by envelope number.
pub(super) fn envelopes(file: &PlannedFile) -> impl Iterator<Item = &[(Entry, u64)]> {
    file.entries.chunk_by(|a, b| a.1 == b.1)
}

/// The pages of one envelope's cover: one for each page-full of members.
pub(super) fn pages(rendered: &Rendered, members: &[(Entry, u64)]) -> u64 {
    let rows = members
        .first()
        .and_then(|(e, _)| rendered.forms.cover_rows(e))
        .unwrap_or(1);
    members.len().div_ceil(rows) as u64
}

/// Draws the covers of a cover file, encoded with the run's PDF options (as its documents are).
pub(super) fn write(
    rendered: &Rendered,
    file: &PlannedFile,
    pdf: &PdfOptions,
    writer: &mut PdfWriter,
) -> Result<(), BatchError> {
    for members in envelopes(file) {
        let covers = members
            .iter()
            .map(|(entry, _)| {
                let head = super::spilled_head(rendered, entry)?;
                super::take_head(&head)
                    .and_then(|(head, _)| head.cover)
                    .ok_or_else(|| super::corrupt(rendered))
            })
            .collect::<Result<Vec<Cover>, _>>()?;
        let (first, _) = members[0];
        let form = rendered
            .forms
            .cover_form(&first)
            .ok_or_else(|| super::corrupt(rendered))?;
        let cover = Cover::join(covers.into_iter()).ok_or_else(|| super::corrupt(rendered))?;
        // Every member's address block and line were drawn alone when it was rendered, and a page
        // lists no more members than the list elements have lines: this cannot fail but by a bug.
        let document = form.fill_cover(&cover).map_err(|e| {
            BatchError::Output(
                file.name.clone().into(),
                std::io::Error::other(format!(
                    "failed to draw a cover letter ({e}); please report this as a bug"
                )),
            )
        })?;
        for page in &document.pages {
            writer.push(&encode_page(page, pdf));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_values_round_trip_through_the_spill() {
        let cover = Cover {
            addressee: "佐藤 太郎".into(),
            postal_code: "3700001".into(),
            address: "群馬県高崎市中尾町12番地3".into(),
            care_of: "さくら苑気付".into(),
            issue_date: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
            scheme: Scheme::Kokuho,
            enclosures: vec![Enclosure {
                name: "佐藤 花子".into(),
                document: "資格情報のお知らせ".into(),
            }],
        };
        let mut bytes = Vec::new();
        put(&mut bytes, Some(&cover));
        put(&mut bytes, None);
        bytes.push(7);
        let (read, rest) = take(&bytes).unwrap();
        assert_eq!(read.as_ref(), Some(&cover));
        let (none, rest) = take(rest).unwrap();
        assert_eq!((none, rest), (None, &[7u8][..]));
        assert!(take(&bytes[..5]).is_none());
    }
}
