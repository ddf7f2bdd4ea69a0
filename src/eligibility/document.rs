//! Which document a member gets: 資格確認書 or 資格情報のお知らせ, and on what ground.

use super::{Cycle, Derived, Document, Rules};
use crate::record::{Record, Scheme};

/// The rule name of the kouki interim rule's document choice.
pub(super) const KOUKI_INTERIM: &str = "document.kouki-interim";

/// The ground a document is issued on; the expiry rules differ by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ground {
    /// A kouki member under the interim rule: a 確認書, card or not.
    KoukiInterim,
    /// No マイナ保険証: a 確認書.
    NoMynaHoken,
    /// A マイナ保険証 holder who applied for a 確認書: one with a short validity.
    Requested,
    /// A マイナ保険証 holder: an お知らせ.
    MynaHolder,
}

impl Ground {
    /// The document printed on this ground.
    pub(super) fn document(self) -> Document {
        match self {
            Ground::MynaHolder => Document::Oshirase,
            Ground::KoukiInterim | Ground::NoMynaHoken | Ground::Requested => Document::Kakuninsho,
        }
    }
}

/// Decides the document.
///
/// - kouki, cycle starting on or before `kouki_interim_end`: 確認書 (domain-research §5 暫定運用,
///   seed 004: 「後期高齢者医療制度加入の方には…「資格確認書」を郵送します」). The cycle's first day
///   decides, not the 交付年月日: renewals for the cycle after the rule ends are printed before it
///   ends, and they must already follow the split.
/// - no マイナ保険証: 確認書 (seed 000, seed 003 【参考】 対象).
/// - a holder who applied (`certificate_requested`): 確認書 (seed 003 Q11, seed 004 ①②, seed 000
///   「申請により資格確認書の交付を受けることができます」).
/// - otherwise: お知らせ (seed 000, seed 003 【参考】 対象).
pub(super) fn decide(record: &Record, rules: &Rules, cycle: &Cycle) -> Derived<Ground> {
    if record.scheme == Scheme::Kouki && cycle.start <= rules.kouki_interim_end {
        let detail = format!(
            "後期高齢者医療の暫定運用: {} までは全員に資格確認書 (domain-research §5、seed 004)",
            rules.kouki_interim_end
        );
        return Derived::new(Ground::KoukiInterim, KOUKI_INTERIM, detail);
    }
    if !record.has_myna_hoken {
        return Derived::new(
            Ground::NoMynaHoken,
            "document.no-myna",
            "マイナ保険証をお持ちでない方には資格確認書 (seed 000、seed 003 【参考】)",
        );
    }
    if record.certificate_requested {
        return Derived::new(
            Ground::Requested,
            "document.requested",
            "マイナ保険証をお持ちの方の申請による資格確認書 (seed 003 Q11、seed 004)",
        );
    }
    Derived::new(
        Ground::MynaHolder,
        "document.myna-holder",
        "マイナ保険証をお持ちの方には資格情報のお知らせ (seed 000、seed 003 【参考】)",
    )
}
