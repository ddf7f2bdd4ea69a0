//! Which document a member gets: 資格確認書 or 資格情報のお知らせ, and on what ground.

use super::{Cycle, Derived, Document, Rules};
use crate::record::{CertificateReason, Record, Scheme};

/// The rule name of the kouki interim rule's document choice.
pub(super) const KOUKI_INTERIM: &str = "document.kouki-interim";

/// The ground a document is issued on; the expiry rules differ by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ground {
    /// A kouki member under the interim rule: a 確認書, card or not.
    KoukiInterim,
    /// No マイナ保険証: a 確認書.
    NoMynaHoken,
    /// A マイナ保険証 holder who cannot use it (要配慮: 要介護, 障害) and applied: a regular 確認書,
    /// to the cycle end and renewed without a new application.
    Consideration,
    /// A マイナ保険証 holder who applied for a 確認書 in an emergency (card lost, being renewed):
    /// one with a short validity.
    Requested,
    /// A マイナ保険証 holder: an お知らせ.
    MynaHolder,
}

impl Ground {
    /// The document printed on this ground.
    pub(super) fn document(self) -> Document {
        match self {
            Ground::MynaHolder => Document::Oshirase,
            Ground::KoukiInterim
            | Ground::NoMynaHoken
            | Ground::Consideration
            | Ground::Requested => Document::Kakuninsho,
        }
    }
}

/// Decides the document.
///
/// - kouki, cycle starting on or before `kouki_interim_end`: 確認書 (厚生労働省の暫定運用, extended
///   to 令和8年7月31日, as 水戸市 and 三鷹市 announce it; 川越市's 令和6年 leaflet: 「後期高齢者医療
///   制度加入の方には…「資格確認書」を郵送します」). The cycle's first day
///   decides, not the 交付年月日: renewals for the cycle after the rule ends are printed before it
///   ends, and they must already follow the split.
/// - no マイナ保険証: 確認書 (国民健康保険法第9条第2項; 高崎市's 令和7年度 leaflet; 最上地区広域連合
///   Q&A 令和6年11月, 【参考】 対象).
/// - a holder who applied because they cannot use the card (`certificate_reason = 要配慮`): a
///   regular 確認書 (厚生労働省 全国高齢者医療・国民健康保険主管課（部）長会議資料, 令和7年3月:
///   要配慮者 get one on application, renewed without applying again).
/// - a holder who applied in an emergency (`certificate_reason = 緊急`, or `certificate_requested`
///   alone): 確認書 with a short validity (最上地区広域連合 Q&A Q11, 川越市's leaflet ①②, 高崎市's
///   「申請により資格確認書の交付を受けることができます」).
/// - otherwise: お知らせ (国民健康保険法施行規則第7条の3; 最上地区広域連合 Q&A 【参考】 対象).
pub(super) fn decide(record: &Record, rules: &Rules, cycle: &Cycle) -> Derived<Ground> {
    if record.scheme == Scheme::Kouki && cycle.start <= rules.kouki_interim_end {
        let detail = format!(
            "後期高齢者医療の暫定運用: {} までは全員に資格確認書 (厚生労働省の暫定運用、令和8年7月31日まで延長; 水戸市・三鷹市の案内、川越市 案内 令和6年)",
            rules.kouki_interim_end
        );
        return Derived::new(Ground::KoukiInterim, KOUKI_INTERIM, detail);
    }
    if !record.has_myna_hoken {
        return Derived::new(
            Ground::NoMynaHoken,
            "document.no-myna",
            "マイナ保険証をお持ちでない方には資格確認書 (国民健康保険法第9条第2項; 最上地区広域連合 Q&A 令和6年11月 【参考】)",
        );
    }
    match record.certificate_request() {
        Some(CertificateReason::Consideration) => {
            return Derived::new(
                Ground::Consideration,
                "document.consideration",
                "マイナ保険証での受診が困難な方 (要介護・障害など、要配慮者) の申請による資格確認書: 通常の有効期限で、次回以降は申請なしで更新 (厚生労働省 全国高齢者医療・国民健康保険主管課（部）長会議資料、令和7年3月)",
            )
        }
        Some(CertificateReason::Emergency) => {
            return Derived::new(
                Ground::Requested,
                "document.requested",
                "マイナ保険証をお持ちの方の申請による資格確認書: 紛失・更新中など緊急の交付 (最上地区広域連合 Q&A 令和6年11月 Q11、川越市 案内 令和6年)",
            )
        }
        None => {}
    }
    Derived::new(
        Ground::MynaHolder,
        "document.myna-holder",
        "マイナ保険証をお持ちの方には資格情報のお知らせ (国民健康保険法施行規則第7条の3; 最上地区広域連合 Q&A 令和6年11月 【参考】)",
    )
}
