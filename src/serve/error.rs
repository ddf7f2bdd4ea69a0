//! API errors: a status and a JSON body naming the field, with a hint and a Japanese message.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::eligibility::Contradiction;
use crate::fill::FillError;
use crate::messages;
use crate::record::RecordError;

/// An error answered as `{"error", "field", "hint", "message_ja", "errors"}`.
///
/// `error` is the English reason, in the library's words; `field` the record field (or request
/// parameter) at fault, or null; `hint` what to do, or null; `message_ja` the Japanese message
/// the page shows beside the field. `errors` lists every problem found, the first of which is
/// the one at the top level (a form may have several fields wrong at once).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    /// Never empty.
    errors: Vec<FieldError>,
}

impl Serialize for ApiError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let first = &self.errors[0];
        let mut s = serializer.serialize_struct("ApiError", 5)?;
        s.serialize_field("error", &first.error)?;
        s.serialize_field("field", &first.field)?;
        s.serialize_field("hint", &first.hint)?;
        s.serialize_field("message_ja", &first.message_ja)?;
        s.serialize_field("errors", &self.errors)?;
        s.end()
    }
}

/// One problem, with the field it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The English reason.
    pub error: String,
    /// The field or parameter at fault.
    pub field: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The Japanese message for the page.
    pub message_ja: String,
}

impl ApiError {
    /// An error about one thing.
    pub fn new(
        status: StatusCode,
        error: impl Into<String>,
        field: Option<&str>,
        message_ja: impl Into<String>,
    ) -> Self {
        let first = FieldError {
            error: error.into(),
            field: field.map(str::to_owned),
            hint: None,
            message_ja: message_ja.into(),
        };
        ApiError {
            status,
            errors: vec![first],
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.errors[0].hint = Some(hint.into());
        self
    }

    /// Several problems at once; the first goes to the top level. `errors` must not be empty.
    fn many(status: StatusCode, errors: Vec<FieldError>) -> Self {
        assert!(
            !errors.is_empty(),
            "an error response names at least one problem"
        );
        ApiError { status, errors }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A record that is not valid (422): every field's problem.
    pub fn record(errors: &[RecordError]) -> Self {
        let errors = errors
            .iter()
            .map(|e| {
                let entry = e.report_entry();
                FieldError {
                    error: entry.reason,
                    field: entry.field,
                    hint: entry.hint,
                    message_ja: messages::record_error(e),
                }
            })
            .collect();
        ApiError::many(StatusCode::UNPROCESSABLE_ENTITY, errors)
    }

    /// A record the rules cannot print (422): every contradiction.
    pub fn contradictions(contradictions: &[Contradiction]) -> Self {
        let errors = contradictions
            .iter()
            .map(|c| FieldError {
                error: c.to_string(),
                field: Some(c.field.to_owned()),
                hint: Some(messages::contradiction_hint(c).to_owned()),
                message_ja: messages::contradiction(c),
            })
            .collect();
        ApiError::many(StatusCode::UNPROCESSABLE_ENTITY, errors)
    }

    /// A value that does not fit the layout (422).
    pub fn fill(error: &FillError) -> Self {
        let field = error.field.map(|f| f.name());
        let api = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error.to_string(),
            field,
            messages::fill_error(error),
        );
        match error.hint() {
            Some(hint) => api.hint(hint),
            None => api,
        }
    }

    /// Something that should not happen (500).
    pub fn internal(error: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            error,
            None,
            "内部エラーです。管理者に連絡してください",
        )
        .hint("please report this as a bug")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.errors[0].error)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).expect("an error serializes");
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response()
    }
}
