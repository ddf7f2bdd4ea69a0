//! The `shikaku explain` object: what the rules decided for one record, and why.

use serde_json::{json, Value};

use super::{Contradiction, Evaluated, Reason};
use crate::record::Record;

/// One JSON object for one record: on success `record_id`, `document` (`kakuninsho` |
/// `oshirase`), `scheme`, `cycle` {`start`, `end`}, `expiry_date` and `effective_date` (ISO or
/// null), `copay_ratio` (number or null), `special_medical`, `elderly`, `age_at_cycle_start`,
/// `reasons` [{`field`, `rule`, `detail`}] and `warnings`; on failure `record_id`, `scheme` and
/// `errors`. Warnings and errors are [{`field`, `given`, `derived`, `rule`, `message`}].
pub fn explain_json(record: &Record, result: &Result<Evaluated, Vec<Contradiction>>) -> Value {
    match result {
        Ok(Evaluated {
            eligibility: e,
            warnings,
        }) => json!({
            "record_id": record.record_id,
            "document": e.document.as_str(),
            "scheme": e.scheme.as_str(),
            "cycle": { "start": e.cycle.start.to_string(), "end": e.cycle.end.to_string() },
            "expiry_date": e.expiry_date.map(|d| d.to_string()),
            "effective_date": e.effective_date.map(|d| d.to_string()),
            "copay_ratio": e.copay_ratio,
            "special_medical": e.special_medical,
            "elderly": e.elderly,
            "age_at_cycle_start": e.age_at_cycle_start,
            "reasons": e.reasons.iter().map(reason).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(contradiction).collect::<Vec<_>>(),
        }),
        Err(errors) => json!({
            "record_id": record.record_id,
            "scheme": record.scheme.as_str(),
            "errors": errors.iter().map(contradiction).collect::<Vec<_>>(),
        }),
    }
}

fn reason(r: &Reason) -> Value {
    json!({ "field": r.field, "rule": r.rule, "detail": r.detail })
}

fn contradiction(c: &Contradiction) -> Value {
    json!({ "field": c.field, "given": c.given, "derived": c.derived, "rule": c.rule, "message": c.to_string() })
}
