//! The server's side of the ledger: each look-up, preview, download and print recorded before
//! its answer goes out, and a member's documents for the page.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::api::json_response;
use super::error::ApiError;
use super::login::Staff;
use super::Server;
use crate::ledger::{Action, Event};

/// Records an event, if the server keeps a ledger; an error withholds the answer, so that
/// nothing is issued unrecorded. With a ledger it blocks on the disk: call it from the blocking
/// pool then.
pub(super) fn record(server: &Server, event: &Event<'_>) -> Result<(), ApiError> {
    let Some(ledger) = &server.ledger else {
        return Ok(());
    };
    let mut ledger = ledger.lock().expect("no panic while holding the lock");
    ledger.record(event).map_err(|e| {
        // The message names the file and SQLite's reason; never the record.
        eprintln!("error: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed to record the event in the ledger",
            None,
            "記録に失敗したため表示できません。管理者に連絡してください",
        )
        .hint("see the server's log; the ledger's disk may be full")
    })
}

/// Records a look-up from an async handler.
pub(super) async fn lookup(
    server: &Arc<Server>,
    staff: &Staff,
    record_id: Option<&str>,
) -> Result<(), ApiError> {
    if server.ledger.is_none() {
        return Ok(());
    }
    let (server, user, record_id) = (
        server.clone(),
        staff.name.clone(),
        record_id.map(str::to_owned),
    );
    tokio::task::spawn_blocking(move || {
        record(
            &server,
            &Event {
                user: &user,
                action: Action::Lookup,
                record_id: record_id.as_deref(),
                layout: None,
                bytes: None,
                issued: None,
            },
        )
    })
    .await
    .map_err(|e| ApiError::internal(format!("ledger task failed ({e})")))?
}

/// The 400 for a PDF without a reason while the ledger is kept.
pub(super) fn reason_required() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "a document needs a reason to be issued",
        Some("reason"),
        "交付の理由を選んでください",
    )
    .hint("add reason=new, renewal, reissue-lost, reissue-damaged or reissue-changed")
}

/// `GET /api/ledger/{record_id}`: the documents issued to a member, oldest first.
pub(super) async fn documents(
    State(server): State<Arc<Server>>,
    Extension(_staff): Extension<Staff>,
    record_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(record_id) = record_id.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            Some("record_id"),
            "レコードIDを確かめてください",
        )
    })?;
    if server.ledger.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "this server keeps no ledger",
            Some("record_id"),
            "交付記録は保存されていません",
        )
        .hint("start the server with --ledger FILE"));
    }
    let documents = tokio::task::spawn_blocking(move || {
        let ledger = server.ledger.as_ref().expect("checked above");
        let ledger = ledger.lock().expect("no panic while holding the lock");
        ledger.documents(&record_id).map(|docs| (record_id, docs))
    })
    .await
    .map_err(|e| ApiError::internal(format!("ledger task failed ({e})")))?;
    let (record_id, documents) =
        documents.map_err(|e| ApiError::internal(format!("failed to read the ledger ({e})")))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "record_id": record_id, "documents": documents }),
    ))
}
