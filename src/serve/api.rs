//! The routes: the page, its assets and the JSON API.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use serde_json::{json, Value};

use super::access;
use super::audit;
use super::error::ApiError;
use super::login::{self, require, Staff};
use super::page;
use super::preview::preview_png;
use super::records::form_values;
use super::users::Role;
use super::{Lookup, Server};
use crate::eligibility::{self, Contradiction, Evaluated};
use crate::issuer::Issuer;
use crate::ledger::{Action, Event, Issued, Reason};
use crate::messages;
use crate::record::{Field, Origin, Record};
use crate::render::pdf::{pdf, PdfOptions};

pub(super) fn router(server: Arc<Server>) -> Router {
    let access = Arc::new(server.access.clone());
    let login = server.login.clone();
    let sessions = Router::new()
        .route("/login", get(page::login))
        .route("/assets/login.js", get(page::login_js))
        .route("/api/login", post(login::login))
        .route("/api/logout", post(login::logout))
        .route("/api/session", get(login::session))
        .with_state(login.clone());
    Router::new()
        .route("/", get(page::index))
        .route("/assets/page.css", get(page::css))
        .route("/assets/page.js", get(page::js))
        .route("/api/layouts", get(layouts))
        .route("/api/issuers", get(issuers))
        .route("/api/schema", get(schema))
        .route("/api/records/{key}", get(lookup))
        .route("/api/render", post(render))
        .route("/api/explain", post(explain))
        .route("/api/ledger/{record_id}", get(audit::documents))
        .with_state(server)
        .merge(sessions)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(login, login::authenticate))
        .layer(middleware::from_fn_with_state(access, access::guard))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such page or API route", None, "このページはありません")
        .hint("the API is /api/render, /api/explain, /api/layouts, /api/issuers, /api/schema, /api/records/{key}, /api/login, /api/logout and /api/session")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
        None,
        "この操作はできません",
    )
    .hint("POST a record to /api/render and /api/explain; GET the others")
}

/// `GET /api/layouts`: the layouts the server loaded.
async fn layouts(State(server): State<Arc<Server>>) -> Response {
    let list: Vec<Value> = server
        .layouts
        .values()
        .map(|l| {
            json!({
                "name": l.name(), "title": l.title(), "document": l.kind().as_str(),
                "scheme": l.scheme().as_str(), "pages": l.pages().len(),
            })
        })
        .collect();
    json_response(StatusCode::OK, &Value::from(list))
}

/// `GET /api/issuers`: the issuer profiles, by insurer number.
async fn issuers(State(server): State<Arc<Server>>) -> Response {
    let list: Vec<Value> = server.issuers.iter().map(|i| issuer_json(i)).collect();
    json_response(StatusCode::OK, &Value::from(list))
}

fn issuer_json(issuer: &Issuer) -> Value {
    json!({ "name": issuer.name, "insurer_number": issuer.insurer_number, "prefecture": issuer.prefecture, "scheme": issuer.scheme().as_str() })
}

/// `GET /api/schema`: the record fields, in schema order, as the page builds its form.
async fn schema() -> Response {
    json_response(StatusCode::OK, &schema_json())
}

/// Each field: `name`, `label` (Japanese), `required`, `input` (`text`, `date`, `select` or
/// `checkbox`), `options` for selects ([value, label] pairs), `scheme` when only one scheme has it.
pub(super) fn schema_json() -> Value {
    let fields: Vec<Value> = Field::ALL
        .into_iter()
        .map(|field| {
            let (input, options): (&str, Value) = match field {
                Field::Scheme => (
                    "select",
                    json!([["kokuho", "国民健康保険"], ["kouki", "後期高齢者医療"]]),
                ),
                Field::Sex => ("select", json!([["男", "男"], ["女", "女"]])),
                Field::HasMynaHoken => ("select", json!([["false", "なし"], ["true", "あり"]])),
                Field::CopayRatio => ("select", json!([["1", "1割"], ["2", "2割"], ["3", "3割"]])),
                Field::CertificateReason => (
                    "select",
                    json!([
                        ["要配慮", "要配慮（要介護・障害など）"],
                        ["緊急", "緊急（紛失・更新中など）"]
                    ]),
                ),
                Field::LimitCategory => (
                    "select",
                    json!([
                        ["ア", "ア"],
                        ["イ", "イ"],
                        ["ウ", "ウ"],
                        ["エ", "エ"],
                        ["オ", "オ"],
                        ["現役並みⅡ", "現役並みⅡ（70歳以上）"],
                        ["現役並みⅠ", "現役並みⅠ（70歳以上）"],
                        ["一般", "一般（70歳以上）"],
                        ["低所得Ⅱ", "低所得Ⅱ・区分Ⅱ（70歳以上）"],
                        ["低所得Ⅰ", "低所得Ⅰ・区分Ⅰ（70歳以上）"]
                    ]),
                ),
                Field::SpecificDisease => (
                    "select",
                    json!([
                        ["人工透析", "人工透析を要する慢性腎不全"],
                        ["血友病", "血友病"],
                        ["HIV", "HIV（抗ウイルス剤投与）"]
                    ]),
                ),
                Field::SpecificDiseaseLimit => (
                    "select",
                    json!([["10000", "10,000円"], ["20000", "20,000円"]]),
                ),
                Field::SpecialMedical | Field::CertificateRequested | Field::SexOnBack => {
                    ("checkbox", Value::Null)
                }
                Field::MailToCareOf => ("select", json!([["様方", "様方"], ["気付", "気付"]])),
                Field::BirthDate
                | Field::QualifiedDate
                | Field::IssueDate
                | Field::EffectiveDate
                | Field::ExpiryDate
                | Field::ResidenceExpiry
                | Field::ApplicationDate
                | Field::LimitEffectiveDate
                | Field::LongTermStayDate => ("date", Value::Null),
                _ => ("text", Value::Null),
            };
            let scheme = matches!(field, Field::Symbol | Field::Branch).then_some("kokuho");
            json!({
                "name": field.name(), "label": field.label(), "required": field.is_required(),
                "input": input, "options": options, "scheme": scheme,
            })
        })
        .collect();
    Value::from(fields)
}

/// `GET /api/records/{key}`: a record of the loaded file, by `record_id` or `number`, as form values.
async fn lookup(
    State(server): State<Arc<Server>>,
    Extension(staff): Extension<Staff>,
    key: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(key) = key.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.body_text(),
            Some("key"),
            "検索する番号を確かめてください",
        )
    })?;
    let records = server.records();
    if records.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no records file is loaded",
            Some("key"),
            "記録ファイルが読み込まれていません",
        )
        .hint("start the server with --records FILE"));
    }
    match records.lookup(&key) {
        Lookup::Found(record, by) => {
            let body = json!({ "matched_by": by.name(), "record": form_values(record) });
            audit::lookup(&server, &staff, Some(&record.record_id)).await?;
            Ok(json_response(StatusCode::OK, &body))
        }
        Lookup::Ambiguous(found) => {
            let ids: Vec<String> = found
                .iter()
                .map(|r| match &r.branch {
                    Some(branch) => format!("{} 枝番{branch}", r.record_id),
                    None => r.record_id.clone(),
                })
                .collect();
            let message = format!(
                "この番号の記録が{}件あります。番号に枝番を付けるか（例: 番号-01）、レコードIDで検索してください（{}）",
                ids.len(),
                ids.join("、")
            );
            Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("{} records have this number", ids.len()),
                Some("key"),
                message,
            )
            .hint("add the branch number (number-01), or look the member up by record_id"))
        }
        Lookup::NotFound => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no record has this record_id or number",
            Some("key"),
            "該当する記録がありません",
        )),
    }
}

/// The query of `POST /api/render`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderQuery {
    /// A bundled layout, instead of the one the rules choose.
    layout: Option<String>,
    /// `pdf` (default) or `png`.
    format: Option<String>,
    /// The page of a PNG, from 1 (default 1).
    page: Option<String>,
    /// For a PDF: `download` (default) or `print`, as the ledger records it.
    action: Option<String>,
    /// For a PDF: why it is issued (`new`, `renewal`, `reissue-lost`, `reissue-damaged`,
    /// `reissue-changed`); required when the server keeps a ledger.
    reason: Option<String>,
}

/// What `POST /api/render` answers with.
#[derive(Debug, Clone, Copy)]
enum Output {
    /// The PDF, downloaded or printed, for a reason.
    Pdf(Action, Option<Reason>),
    /// A PNG of one page (0-based).
    Png(usize),
}

/// The query of `POST /api/explain`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainQuery {
    /// A bundled layout, reported as the one that would print.
    layout: Option<String>,
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        e.body_text(),
        Some("query"),
        "リクエストの指定が正しくありません",
    )
    .hint("the parameters are layout, format (pdf or png) and page")
}

impl RenderQuery {
    fn output(&self) -> Result<Output, ApiError> {
        let page = match self.page.as_deref() {
            None => 0,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => n - 1,
                _ => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid page (expected a number from 1)",
                        Some("page"),
                        "ページは1以上の数です",
                    ))
                }
            },
        };
        match self.format.as_deref() {
            None | Some("pdf") if self.page.is_none() => {
                Ok(Output::Pdf(self.action()?, self.reason()?))
            }
            None | Some("pdf") => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "page is only for format=png",
                Some("page"),
                "ページ指定はPNGのときだけです",
            )
            .hint("a PDF holds every page")),
            Some("png") if self.action.is_some() || self.reason.is_some() => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "action and reason are only for a PDF",
                Some(if self.action.is_some() {
                    "action"
                } else {
                    "reason"
                }),
                "プレビューには交付の理由は要りません",
            )
            .hint("a PNG is a preview; download or print the PDF to issue a document")),
            Some("png") => Ok(Output::Png(page)),
            Some(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown format",
                Some("format"),
                "形式は pdf か png です",
            )
            .hint("use format=pdf or format=png")),
        }
    }
}

impl RenderQuery {
    fn action(&self) -> Result<Action, ApiError> {
        match self.action.as_deref() {
            None | Some("download") => Ok(Action::Download),
            Some("print") => Ok(Action::Print),
            Some(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown action",
                Some("action"),
                "操作は download か print です",
            )
            .hint("use action=download or action=print")),
        }
    }

    fn reason(&self) -> Result<Option<Reason>, ApiError> {
        let Some(code) = self.reason.as_deref() else {
            return Ok(None);
        };
        Reason::from_code(code).map(Some).ok_or_else(|| {
            let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown reason",
                Some("reason"),
                "交付の理由は 新規・更新・再交付（紛失・破損・記載事項変更）のどれかです",
            )
            .hint(format!("reasons are {}", codes.join(", ")))
        })
    }
}

/// Checks a layout name from a query: only the layouts loaded at start-up (bundled, or chosen by a
/// profile), never a path on this machine.
fn check_layout(server: &Server, layout: Option<&str>) -> Result<(), ApiError> {
    match layout {
        Some(name) if !server.layouts.contains_key(name) => {
            let names: Vec<&str> = server.layouts.keys().map(String::as_str).collect();
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "no such layout",
                Some("layout"),
                "この書式はありません",
            )
            .hint(format!("the layouts are {}", names.join(", "))))
        }
        _ => Ok(()),
    }
}

/// `POST /api/render`: a record → its document as PDF, or one page as PNG.
async fn render(
    State(server): State<Arc<Server>>,
    Extension(staff): Extension<Staff>,
    query: Result<Query<RenderQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let output = query.output()?;
    if let Output::Pdf(_, reason) = output {
        require(&staff, Role::Issue, "download or print documents")?;
        if reason.is_none() && server.ledger.is_some() {
            return Err(audit::reason_required());
        }
    }
    check_layout(&server, query.layout.as_deref())?;
    let body = read_body(&server, &headers, body).await?;
    // A preview image is milliseconds of drawing; a ledger write is a synced SQLite write.
    let place = if matches!(output, Output::Png(_)) || server.ledger.is_some() {
        Place::BlockingPool
    } else {
        Place::Inline
    };
    run(&server, place, move |server| {
        render_document(server, &staff, &body, query.layout.as_deref(), output)
    })
    .await
}

fn render_document(
    server: &Server,
    staff: &Staff,
    body: &[u8],
    layout: Option<&str>,
    output: Output,
) -> Result<Response, ApiError> {
    let (record, issuer) = prepare(server, body)?;
    let evaluated = eligibility::evaluate(&record, &issuer.rules, &server.eligibility)
        .map_err(|c| ApiError::contradictions(&c))?;
    let eligibility = evaluated.eligibility;
    let layout = layout.map_or_else(
        || server.layout_for(&issuer, eligibility.document),
        str::to_owned,
    );
    let form = server
        .form(&layout, &issuer)
        .map_err(|e| ApiError::fill(&e))?;
    let document = form
        .fill(&record, &eligibility)
        .map_err(|e| ApiError::fill(&e))?;
    let pages = document.pages.len();
    // Defaults for whatever else PdfOptions offers (main's has PDF/A): a preview is a plain PDF.
    #[allow(clippy::needless_update)]
    let options = PdfOptions {
        title: Some(form.layout().title().to_owned()),
        ..PdfOptions::default()
    };
    let (content_type, bytes) = match output {
        Output::Pdf(..) => ("application/pdf", pdf(&document, &options)),
        Output::Png(page) if page >= pages => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("no such page (the document has {pages})"),
                Some("page"),
                format!("この書類は{pages}ページです"),
            ))
        }
        Output::Png(page) => ("image/png", preview_png(&document, page)?),
    };
    let (action, issued) = match output {
        // A carrier sheet (台紙) forced with `?layout=` is audited as downloaded or printed, but
        // it is no member's document, so the issuance ledger does not list it.
        Output::Pdf(action, reason) => (
            action,
            reason
                .zip(form.layout().document())
                .map(|(reason, document)| Issued {
                    document: document.as_str(),
                    reason,
                    expiry_date: eligibility.expiry_date,
                }),
        ),
        Output::Png(_) => (Action::Preview, None),
    };
    audit::record(
        server,
        &Event {
            user: &staff.name,
            action,
            record_id: Some(&record.record_id),
            layout: Some(&layout),
            bytes: Some(&bytes),
            issued,
        },
    )?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            header_value(&format!("inline; filename=\"{layout}.pdf\"")),
        ),
        (
            HeaderName::from_static("x-shikaku-layout"),
            header_value(&layout),
        ),
        (
            HeaderName::from_static("x-shikaku-pages"),
            header_value(&pages.to_string()),
        ),
    ];
    Ok((headers, bytes).into_response())
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("layout names and numbers are ASCII")
}

/// `POST /api/explain`: what the rules decide for a record and why (the `shikaku explain`
/// object), with the issuer, the layout that would print, and Japanese labels and messages.
async fn explain(
    State(server): State<Arc<Server>>,
    query: Result<Query<ExplainQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    check_layout(&server, query.layout.as_deref())?;
    let body = read_body(&server, &headers, body).await?;
    run(&server, Place::Inline, move |server| {
        let (record, issuer) = prepare(server, &body)?;
        let result = eligibility::evaluate(&record, &issuer.rules, &server.eligibility);
        let mut value = explain_value(&record, &result);
        value["issuer"] = issuer_json(&issuer);
        value["characters"] = characters_json(&record, &issuer);
        if let Ok(evaluated) = &result {
            let name = query
                .layout
                .unwrap_or_else(|| server.layout_for(&issuer, evaluated.eligibility.document));
            let layout = &server.layouts[name.as_str()];
            value["layout"] = json!({ "name": layout.name(), "title": layout.title() });
        }
        Ok(json_response(StatusCode::OK, &value))
    })
    .await
}

/// Which characters of the names and address print with help — from a fallback font, by the
/// substitution table, or converted from 外字 — so that staff see a name that will look
/// different from the rest, or differ from the registry. Each entry has the characters
/// themselves (the page shows them beside the form) and a Japanese description.
fn characters_json(record: &Record, issuer: &Issuer) -> Value {
    let notes = match crate::gaiji::explain(record, issuer) {
        Ok(notes) => notes,
        // The render request reports what cannot be printed; here there is nothing to show.
        Err(_) => return Value::Array(Vec::new()),
    };
    notes
        .iter()
        .map(|note| {
            let mut value = note.to_json();
            value["chars"] = Value::from(note.text.as_str());
            value["label"] = Value::from(messages::label(note.field.unwrap_or_default()));
            value["message_ja"] = Value::from(messages::text_note(note));
            value
        })
        .collect()
}

/// [`eligibility::explain_json`] with a `label` on each reason and a `message_ja` on each
/// error and warning.
fn explain_value(record: &Record, result: &Result<Evaluated, Vec<Contradiction>>) -> Value {
    let mut value = eligibility::explain_json(record, result);
    if let Some(reasons) = value.get_mut("reasons").and_then(Value::as_array_mut) {
        for reason in reasons {
            let label = messages::label(reason["field"].as_str().unwrap_or_default()).to_owned();
            reason["label"] = Value::from(label);
        }
    }
    let contradictions = match result {
        Ok(evaluated) => ("warnings", &evaluated.warnings),
        Err(errors) => ("errors", errors),
    };
    if let Some(list) = value
        .get_mut(contradictions.0)
        .and_then(Value::as_array_mut)
    {
        for (entry, c) in list.iter_mut().zip(contradictions.1) {
            entry["message_ja"] = Value::from(messages::contradiction(c));
            entry["label"] = Value::from(messages::label(c.field));
        }
    }
    value
}

/// A record from a request body, and the issuer profile it belongs to.
fn prepare(server: &Server, body: &[u8]) -> Result<(Record, Arc<Issuer>), ApiError> {
    let origin = || Origin::single("request");
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        // Sound JSON with a value that cannot be taken (a lone surrogate, a number out of
        // range) is told by its field, like any invalid value.
        if let Err(e) = Record::from_json_slice(body, origin()) {
            if e.field().is_some() {
                return ApiError::record(&[e]);
            }
        }
        let error = format!(
            "failed to parse JSON at line {} column {} ({})",
            e.line(),
            e.column(),
            json_reason(&e)
        );
        ApiError::new(
            StatusCode::BAD_REQUEST,
            error,
            None,
            "JSONとして読み取れません",
        )
        .hint("send one record as a JSON object")
    })?;
    let record = Record::from_json_slice(body, origin()).map_err(|first| {
        let mut errors = Record::errors_in_json_value(&value, origin());
        // A key given twice is seen only in the text: the parsed value has merged it.
        if !errors.contains(&first) {
            errors.insert(0, first);
        }
        ApiError::record(&errors)
    })?;
    let issuer = server
        .issuer(&record.insurer_number)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<String> = server
                .issuers
                .iter()
                .map(|i| format!("{} {}", i.insurer_number, i.name))
                .collect();
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no issuer profile has this insurer number",
                Some("insurer_number"),
                format!(
                    "この保険者番号の発行者設定がありません（使える番号: {}）",
                    known.join("、")
                ),
            )
            .hint("start the server with --issuer and this insurer's profile")
        })?;
    Ok((record, issuer))
}

/// serde_json's message without its position, which the error gives as line and column.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The body of a POST: JSON, at most `max_body_bytes`.
async fn read_body(server: &Server, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let limit = server.max_body_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {limit} bytes"),
            None,
            "送信されたデータが大きすぎます",
        )
        .hint("send one record per request; a record is under 2 KiB")
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = media.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be JSON",
            Some("Content-Type"),
            "JSONで送信してください",
        )
        .hint("send the header Content-Type: application/json"));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let timeout = server.limits.body_timeout;
    let collected = tokio::time::timeout(timeout, Limited::new(body, limit).collect())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    timeout.as_secs()
                ),
                None,
                "時間内にデータが届きませんでした",
            )
            .hint("send the whole body at once; a record is under 2 KiB")
        })?;
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("failed to read the request body ({e})"),
            None,
            "データを受け取れませんでした",
        )),
    }
}

/// Where a request's CPU work runs.
enum Place {
    /// On the async worker that holds the request: for a PDF or an explanation, well under a
    /// millisecond of CPU. Handing those to the blocking pool and back (two thread wake-ups) cost
    /// the server an eighth of its time under load (bench/README.md, "serve").
    Inline,
    /// On tokio's blocking pool: for what may block a worker for milliseconds (drawing a PNG) or
    /// wait on the disk (a ledger write), which would stall the other connections it serves.
    BlockingPool,
}

/// Runs a request's work once a render slot is free (first come, first served), where `place`
/// says.
async fn run<F>(server: &Arc<Server>, place: Place, work: F) -> Result<Response, ApiError>
where
    F: FnOnce(&Server) -> Result<Response, ApiError> + Send + 'static,
{
    let _permit = server
        .renders
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("render queue closed ({e})")))?;
    match place {
        // A panic answers 500, as the blocking pool's join error does, rather than dropping
        // the connection without an answer.
        Place::Inline => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(server)))
            .unwrap_or_else(|_| Err(ApiError::internal("render task failed (it panicked)"))),
        Place::BlockingPool => {
            let server = server.clone();
            tokio::task::spawn_blocking(move || work(&server))
                .await
                .map_err(|e| ApiError::internal(format!("render task failed ({e})")))?
        }
    }
}

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).expect("JSON values serialize");
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_render_query_says_pdf_or_which_png_page() {
        let query = |format: Option<&str>, page: Option<&str>| RenderQuery {
            layout: None,
            format: format.map(str::to_owned),
            page: page.map(str::to_owned),
            action: None,
            reason: None,
        };
        assert!(matches!(
            query(None, None).output(),
            Ok(Output::Pdf(Action::Download, None))
        ));
        assert!(matches!(
            query(Some("png"), None).output(),
            Ok(Output::Png(0))
        ));
        assert!(matches!(
            query(Some("png"), Some("2")).output(),
            Ok(Output::Png(1))
        ));
        assert_eq!(
            query(Some("png"), Some("0")).output().unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            query(Some("tiff"), None).output().unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            query(None, Some("1")).output().unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn a_pdf_is_downloaded_or_printed_for_a_reason() {
        let query =
            |format: Option<&str>, action: Option<&str>, reason: Option<&str>| RenderQuery {
                layout: None,
                format: format.map(str::to_owned),
                page: None,
                action: action.map(str::to_owned),
                reason: reason.map(str::to_owned),
            };
        assert!(matches!(
            query(None, Some("print"), Some("reissue-lost")).output(),
            Ok(Output::Pdf(Action::Print, Some(Reason::ReissueLost)))
        ));
        let error = |format, action, reason| query(format, action, reason).output().unwrap_err();
        assert!(error(None, Some("fax"), None)
            .to_string()
            .contains("unknown action"));
        let unknown = error(None, None, Some("lost"));
        assert!(format!("{:?}", unknown).contains("reissue-damaged"));
        assert!(error(Some("png"), None, Some("new"))
            .to_string()
            .contains("only for a PDF"));
    }

    #[test]
    fn the_schema_lists_every_field_with_its_japanese_label() {
        let schema = schema_json();
        let fields = schema.as_array().unwrap();
        assert_eq!(fields.len(), Field::ALL.len());
        assert_eq!(fields[6]["name"], "name");
        assert_eq!(fields[6]["label"], "氏名");
        assert_eq!(fields[9]["input"], "date");
        assert_eq!(fields[3]["scheme"], "kokuho");
        // The 送付先 (施設, 代理人) a member's documents go to, with 様方 or 気付 to choose.
        let care_of = fields
            .iter()
            .find(|f| f["name"] == "mail_to_care_of")
            .unwrap();
        assert_eq!(
            (care_of["label"].as_str(), care_of["input"].as_str()),
            (Some("様方・気付"), Some("select"))
        );
        for name in ["mail_to_name", "mail_to_postal_code", "mail_to_address"] {
            assert!(fields.iter().any(|f| f["name"] == name), "{name}");
        }
        let field = |name: &str| {
            fields
                .iter()
                .find(|f| f["name"] == name)
                .unwrap_or_else(|| panic!("{name} is in the schema"))
        };
        // Issue 11 item 2: the staff page offers the reason of an application.
        let reason = field("certificate_reason");
        assert_eq!(
            (
                &reason["input"],
                &reason["options"][0][0],
                &reason["required"]
            ),
            (&json!("select"), &json!("要配慮"), &json!(false))
        );
        // Items 5 and 6: the 任意記載事項 and the notation requests.
        let inputs: Vec<_> = [
            "limit_category",
            "limit_effective_date",
            "long_term_stay_date",
            "specific_disease",
            "specific_disease_limit",
            "sex_on_back",
            "registered_name",
        ]
        .map(|name| field(name)["input"].clone())
        .into();
        assert_eq!(
            inputs,
            ["select", "date", "date", "select", "select", "checkbox", "text"].map(|i| json!(i))
        );
    }
}
