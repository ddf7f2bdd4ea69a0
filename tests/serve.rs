//! The preview server's JSON API, in process: requests go through the router with
//! `tower::ServiceExt::oneshot`, PDFs are read back with pdftotext.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use shikaku::issuer::Issuer;
use shikaku::ledger::{Action, Ledger};
use shikaku::record::{self, ReadOptions, Record};
use shikaku::serve::users::{Role, Users};
use shikaku::serve::{
    form_values, LoginOptions, RecordIndex, ServeOptions, Server, MAX_BODY_BYTES,
};
use tower::ServiceExt;

const ADDR: &str = "127.0.0.1:8080";

fn samples() -> Vec<Record> {
    record::read(Path::new("samples/records.csv"), &ReadOptions::default())
        .expect("samples open")
        .map(|r| r.expect("samples are valid").1)
        .collect()
}

fn issuers() -> Vec<Arc<Issuer>> {
    ["takasaki", "mogami", "gunma-kouki"]
        .map(|name| {
            Arc::new(
                Issuer::from_path(&Path::new("samples/issuers").join(format!("{name}.toml")))
                    .unwrap(),
            )
        })
        .into()
}

fn router_with(records: RecordIndex) -> Router {
    let options = ServeOptions {
        issuers: issuers(),
        records,
        ..ServeOptions::default()
    };
    Arc::new(Server::new(options).expect("the server starts")).router()
}

fn router() -> Router {
    router_with(RecordIndex::new(samples()))
}

/// A sample record as the page would post it.
fn sample(id: &str) -> Value {
    let record = samples()
        .into_iter()
        .find(|r| r.record_id == id)
        .expect("sample exists");
    Value::Object(form_values(&record))
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body reads")
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str) -> Reply {
    send(
        router,
        Request::get(uri)
            .header(header::HOST, ADDR)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn post(router: &Router, uri: &str, record: &Value) -> Reply {
    let request = Request::post(uri)
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(record.to_string()))
        .unwrap();
    send(router, request).await
}

fn pdftotext(pdf: &[u8], name: &str) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is needed by this test; scripts/test.sh installs it");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the error shape: status, the field at fault, a Japanese message, and `errors`.
fn assert_error(reply: &Reply, status: StatusCode, field: Option<&str>) -> Value {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(reply.header("content-type").starts_with("application/json"));
    let body = reply.json();
    assert_eq!(body["field"].as_str(), field, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert!(
        body["message_ja"].as_str().is_some_and(|m| !m.is_ascii()),
        "{body}"
    );
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    body
}

#[tokio::test]
async fn renders_a_card_for_a_member_without_a_myna_card() {
    let reply = post(&router(), "/api/render", &sample("T0001")).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), "application/pdf");
    assert_eq!(reply.header("x-shikaku-layout"), "kokuho-kakuninsho");
    assert_eq!(reply.header("x-shikaku-pages"), "2");
    assert_eq!(reply.header("cache-control"), "no-store");
    let text = pdftotext(&reply.body, "card");
    for expected in ["資格確認書", "佐藤 太郎", "令和8年7月31日", "高崎市"] {
        assert!(text.contains(expected), "the PDF lacks {expected}: {text}");
    }
}

#[tokio::test]
async fn the_rules_choose_the_notice_and_a_query_can_force_the_card() {
    let router = router();
    let reply = post(&router, "/api/render", &sample("T0002")).await;
    assert_eq!(reply.header("x-shikaku-layout"), "kokuho-oshirase");
    assert!(pdftotext(&reply.body, "notice").contains("受診の際にはマイナ保険証が必須です"));
    let forced = post(
        &router,
        "/api/render?layout=kokuho-kakuninsho",
        &sample("T0002"),
    )
    .await;
    assert_eq!(forced.status, StatusCode::OK);
    assert_eq!(forced.header("x-shikaku-layout"), "kokuho-kakuninsho");
}

#[tokio::test]
async fn the_same_record_renders_the_same_bytes() {
    let router = router();
    let a = post(&router, "/api/render", &sample("T0007")).await;
    let b = post(&router, "/api/render", &sample("T0007")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body == b.body, "two renders of one record differ");
}

#[tokio::test]
async fn explains_the_decision_with_labels_and_the_layout() {
    let reply = post(&router(), "/api/explain", &sample("T0003")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["document"], "kakuninsho");
    assert_eq!(body["layout"]["name"], "kokuho-kakuninsho");
    assert_eq!(body["issuer"]["name"], "高崎市");
    assert_eq!(body["copay_ratio"], 2);
    let reasons = body["reasons"].as_array().unwrap();
    let expiry = reasons
        .iter()
        .find(|r| r["field"] == "expiry_date")
        .expect("an expiry reason");
    assert_eq!(expiry["label"], "有効期限");
    // Reasons cite public sources (issue 11 item 14), never internal file names.
    let detail = expiry["detail"].as_str().unwrap();
    assert!(
        detail.contains("高崎市") && !detail.contains("seed"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_contradiction_is_explained_and_refused_by_render() {
    let router = router();
    let mut record = sample("T0001");
    record["expiry_date"] = json!("2026-09-30");
    let explained = post(&router, "/api/explain", &record).await;
    assert_eq!(explained.status, StatusCode::OK);
    let errors = &explained.json()["errors"];
    assert_eq!(errors[0]["field"], "expiry_date");
    assert!(errors[0]["message_ja"]
        .as_str()
        .unwrap()
        .contains("2026-07-31"));
    let rendered = post(&router, "/api/render", &record).await;
    let body = assert_error(
        &rendered,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("expiry_date"),
    );
    assert!(body["hint"]
        .as_str()
        .unwrap()
        .contains("leave the derived value empty"));
}

#[tokio::test]
async fn an_invalid_record_names_every_bad_field_in_japanese() {
    let mut record = sample("T0001");
    record["birth_date"] = json!("1960-02-30");
    record["name"] = json!("");
    record["postal_code"] = json!("370-00");
    let reply = post(&router(), "/api/render", &record).await;
    let body = assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    let messages: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap(),
                e["message_ja"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("name", "氏名を入力してください"),
            ("birth_date", "その月にない日付です"),
            ("postal_code", "郵便番号は7桁の数字です（例: 370-0801）"),
        ]
    );
}

#[tokio::test]
async fn a_key_given_twice_is_refused() {
    let request = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"record_id": "a", "record_id": "b"}"#))
        .unwrap();
    let reply = send(&router(), request).await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, Some("record_id"));
}

/// Issue 10, item 3: a lone surrogate is named by its field, never quoted.
#[tokio::test]
async fn a_lone_surrogate_is_refused_naming_its_field() {
    let mut record = sample("T0001");
    record["name"] = json!("佐藤 PLACEHOLDER");
    let text = record.to_string().replace("PLACEHOLDER", "\\ud800");
    let request = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(text))
        .unwrap();
    let reply = send(&router(), request).await;
    let body = assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("U+D800") && !error.contains("佐藤"),
        "{body}"
    );
}

#[tokio::test]
async fn a_record_of_another_insurer_is_refused_naming_the_insurer_number() {
    let mut record = sample("T0001");
    record["insurer_number"] = json!("131011");
    let body = assert_error(
        &post(&router(), "/api/render", &record).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("insurer_number"),
    );
    assert!(
        body["message_ja"].as_str().unwrap().contains("100016"),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let request = Request::post("/api/explain")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from("{\"record_id\": "))
        .unwrap();
    let body = assert_error(
        &send(&router(), request).await,
        StatusCode::BAD_REQUEST,
        None,
    );
    assert!(
        body["error"].as_str().unwrap().contains("line 1 column"),
        "{body}"
    );
}

#[tokio::test]
async fn only_json_is_accepted() {
    let request = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_error(
        &send(&router(), request).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Some("Content-Type"),
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413_with_or_without_a_length() {
    let big = format!("{{\"remarks\": \"{}\"}}", "x".repeat(MAX_BODY_BYTES));
    let declared = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let body = assert_error(
        &send(&router(), declared).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
    );
    assert!(body["error"].as_str().unwrap().contains("65536 bytes"));
    // A streamed body has no length to check first: it is cut off at the limit.
    let chunks = big
        .into_bytes()
        .chunks(4096)
        .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
        .collect::<Vec<_>>();
    let streamed = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_error(
        &send(&router(), streamed).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
    );
}

#[tokio::test]
async fn png_is_a_png_or_not_implemented_yet() {
    let reply = post(&router(), "/api/render?format=png&page=2", &sample("T0001")).await;
    if reply.status == StatusCode::NOT_IMPLEMENTED {
        assert_error(&reply, StatusCode::NOT_IMPLEMENTED, Some("format"));
    } else {
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), "image/png");
        assert!(reply.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    let past_the_end = post(&router(), "/api/render?format=png&page=3", &sample("T0001")).await;
    assert_ne!(past_the_end.status, StatusCode::OK);
}

#[tokio::test]
async fn queries_name_the_bad_parameter() {
    let router = router();
    let body = assert_error(
        &post(&router, "/api/render?layout=/etc/passwd", &sample("T0001")).await,
        StatusCode::BAD_REQUEST,
        Some("layout"),
    );
    assert!(body["hint"].as_str().unwrap().contains("kokuho-kakuninsho"));
    assert_error(
        &post(&router, "/api/render?format=svg", &sample("T0001")).await,
        StatusCode::BAD_REQUEST,
        Some("format"),
    );
    let body = assert_error(
        &post(&router, "/api/render?layuot=x", &sample("T0001")).await,
        StatusCode::BAD_REQUEST,
        Some("query"),
    );
    assert!(body["error"].as_str().unwrap().contains("layuot"));
}

#[tokio::test]
async fn looks_up_members_by_record_id_or_number() {
    let router = router();
    let found = get(&router, "/api/records/T0003").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json()["matched_by"], "record_id");
    assert_eq!(found.json()["record"]["name"], "鈴木 一郎");
    let by_number = get(&router, "/api/records/2345678").await.json();
    assert_eq!(by_number["matched_by"], "number");
    let household = get(&router, "/api/records/1234567").await;
    let body = assert_error(&household, StatusCode::CONFLICT, Some("key"));
    assert!(body["message_ja"]
        .as_str()
        .unwrap()
        .contains("T0001 枝番01"));
    assert_eq!(
        get(&router, "/api/records/1234567-02").await.json()["record"]["record_id"],
        "T0002"
    );
    assert_error(
        &get(&router, "/api/records/nobody").await,
        StatusCode::NOT_FOUND,
        Some("key"),
    );
    let empty = router_with(RecordIndex::default());
    let body = assert_error(
        &get(&empty, "/api/records/T0003").await,
        StatusCode::NOT_FOUND,
        Some("key"),
    );
    assert!(body["hint"].as_str().unwrap().contains("--records"));
}

#[tokio::test]
async fn lists_layouts_issuers_and_the_schema() {
    let router = router();
    let layouts = get(&router, "/api/layouts").await.json();
    let names: Vec<&str> = layouts
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    for name in [
        "kokuho-kakuninsho",
        "kokuho-oshirase",
        "kouki-kakuninsho",
        "kouki-oshirase",
    ] {
        assert!(names.contains(&name), "{name} is not listed: {names:?}");
    }
    let issuers = get(&router, "/api/issuers").await.json();
    assert!(issuers
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["insurer_number"] == "39100011" && i["scheme"] == "kouki"));
    let schema = get(&router, "/api/schema").await.json();
    let birth = schema
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "birth_date")
        .unwrap();
    assert_eq!(birth["label"], "生年月日");
    assert_eq!(birth["required"], true);
}

#[tokio::test]
async fn serves_the_page_and_its_assets_from_the_binary() {
    let router = router();
    let page = get(&router, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page
        .header("content-security-policy")
        .contains("default-src 'self'"));
    assert!(String::from_utf8_lossy(&page.body).contains("/assets/page.js"));
    assert_eq!(get(&router, "/assets/page.js").await.status, StatusCode::OK);
    assert_eq!(
        get(&router, "/assets/page.css").await.status,
        StatusCode::OK
    );
    assert_error(
        &get(&router, "/nothing-here").await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &get(&router, "/api/render").await,
        StatusCode::METHOD_NOT_ALLOWED,
        None,
    );
}

fn get_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn requests_for_another_host_are_refused() {
    let router = router();
    let rebinding = get_with("/api/records/T0003", &[("host", "attacker.example:8080")]);
    assert_error(
        &send(&router, rebinding).await,
        StatusCode::FORBIDDEN,
        Some("Host"),
    );
    for host in ["localhost:8080", "[::ffff:127.0.0.1]:8080", "[::1]:8080"] {
        let local = get_with("/api/layouts", &[("host", host)]);
        assert_eq!(send(&router, local).await.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn a_request_without_host_is_refused() {
    let reply = send(&router(), get_with("/api/layouts", &[])).await;
    let body = assert_error(&reply, StatusCode::BAD_REQUEST, Some("Host"));
    assert_eq!(body["error"], "the request has no Host header");
}

#[tokio::test]
async fn another_sites_page_cannot_post_or_read() {
    let router = router();
    let forged = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, "http://attacker.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(sample("T0001").to_string()))
        .unwrap();
    assert_error(
        &send(&router, forged).await,
        StatusCode::FORBIDDEN,
        Some("Origin"),
    );
    let sandboxed = get_with("/api/records/T0003", &[("host", ADDR), ("origin", "null")]);
    assert_error(
        &send(&router, sandboxed).await,
        StatusCode::FORBIDDEN,
        Some("Origin"),
    );
    let fetched = get_with(
        "/api/records/T0003",
        &[("host", ADDR), ("sec-fetch-site", "cross-site")],
    );
    assert_error(
        &send(&router, fetched).await,
        StatusCode::FORBIDDEN,
        Some("Origin"),
    );
    // The page's own requests pass: same origin, same site.
    let own = Request::post("/api/render")
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, format!("http://{ADDR}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(sample("T0001").to_string()))
        .unwrap();
    assert_eq!(send(&router, own).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_renders_all_succeed() {
    let router = router();
    let ids = ["T0001", "T0002", "T0003", "T0007", "T0008", "T0012"];
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let router = router.clone();
            let record = sample(ids[i % ids.len()]);
            tokio::spawn(async move { post(&router, "/api/render", &record).await.status })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
}

#[test]
fn the_server_refuses_to_start_without_an_issuer() {
    let error = Server::new(ServeOptions::default())
        .err()
        .expect("no issuer");
    assert!(error.to_string().contains("hint: pass --issuer"), "{error}");
}

/// A router whose staff must log in: `viewer` (view) and `clerk` (issue), password "pass word".
fn router_with_login(name: &str, ledger: Option<&Path>) -> Router {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-login-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let users_file = dir.join("users.toml");
    let mut users = Users::default();
    users.add("viewer", Role::View, "pass word").unwrap();
    users.add("clerk", Role::Issue, "pass word").unwrap();
    users.save(&users_file).unwrap();
    let options = ServeOptions {
        issuers: issuers(),
        records: RecordIndex::new(samples()),
        login: Some(LoginOptions {
            users_file,
            idle: std::time::Duration::from_secs(600),
            secure_cookie: false,
            proxy: None,
        }),
        ledger: ledger.map(|path| Ledger::open(path).unwrap()),
        ..ServeOptions::default()
    };
    Arc::new(Server::new(options).expect("the server starts")).router()
}

async fn log_in(router: &Router, user: &str, password: &str) -> Reply {
    let request = Request::post("/api/login")
        .header(header::HOST, ADDR)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "user": user, "password": password }).to_string(),
        ))
        .unwrap();
    send(router, request).await
}

/// The session cookie (`name=value`) a login answered with.
fn session_of(reply: &Reply) -> String {
    let cookie = reply.header("set-cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

async fn post_as(router: &Router, cookie: &str, uri: &str, record: &Value) -> Reply {
    let request = Request::post(uri)
        .header(header::HOST, ADDR)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(record.to_string()))
        .unwrap();
    send(router, request).await
}

async fn get_as(router: &Router, cookie: &str, uri: &str) -> Reply {
    send(router, get_with(uri, &[("host", ADDR), ("cookie", cookie)])).await
}

#[tokio::test]
async fn without_a_session_the_api_answers_401_and_the_page_sends_to_login() {
    let router = router_with_login("no-session", None);
    let body = assert_error(
        &get(&router, "/api/layouts").await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_eq!(body["message_ja"], "ログインしてください");
    assert_error(
        &post(&router, "/api/render", &sample("T0001")).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    let page = get(&router, "/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/login");
    let login_page = get(&router, "/login").await;
    assert_eq!(login_page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&login_page.body).contains("パスワード"));
    assert_eq!(
        get(&router, "/assets/login.js").await.status,
        StatusCode::OK
    );
    let forged = get_as(&router, "shikaku_session=00ff", "/api/layouts").await;
    assert_error(&forged, StatusCode::UNAUTHORIZED, None);
}

#[tokio::test]
async fn the_view_role_previews_and_the_issue_role_also_downloads() {
    let router = router_with_login("roles", None);
    let wrong = log_in(&router, "viewer", "pass wort").await;
    let body = assert_error(&wrong, StatusCode::UNAUTHORIZED, Some("password"));
    assert_eq!(body["message_ja"], "ユーザー名またはパスワードが違います");

    let viewer = session_of(&log_in(&router, "viewer", "pass word").await);
    let session = get_as(&router, &viewer, "/api/session").await.json();
    assert_eq!(
        (session["user"].as_str(), session["role"].as_str()),
        (Some("viewer"), Some("view"))
    );
    let png = post_as(&router, &viewer, "/api/render?format=png", &sample("T0001")).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(
        get_as(&router, &viewer, "/api/records/T0003").await.status,
        StatusCode::OK
    );
    let refused = post_as(&router, &viewer, "/api/render", &sample("T0001")).await;
    let body = assert_error(&refused, StatusCode::FORBIDDEN, None);
    assert_eq!(body["message_ja"], "この操作には交付の権限が必要です");

    let clerk = session_of(&log_in(&router, "clerk", "pass word").await);
    let pdf = post_as(&router, &clerk, "/api/render", &sample("T0001")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");

    // Logging out ends the session; its cookie is cleared.
    let request = Request::post("/api/logout")
        .header(header::HOST, ADDR)
        .header(header::COOKIE, &clerk)
        .body(Body::empty())
        .unwrap();
    let out = send(&router, request).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_error(
        &post_as(&router, &clerk, "/api/render", &sample("T0001")).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
}

#[tokio::test]
async fn repeated_failures_are_slowed_even_for_the_right_password() {
    let router = router_with_login("throttle", None);
    for _ in 0..3 {
        assert_eq!(
            log_in(&router, "clerk", "guess guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let slowed = log_in(&router, "clerk", "pass word").await;
    let body = assert_error(&slowed, StatusCode::TOO_MANY_REQUESTS, None);
    assert!(body["message_ja"]
        .as_str()
        .unwrap()
        .contains("秒後にやり直してください"));
    // Another user is not held up by clerk's failures (the in-process requests share no
    // address, so this also shows the address count allows the next user).
    assert_eq!(
        log_in(&router, "viewer", "pass word").await.status,
        StatusCode::OK
    );
}

fn ledger_path(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-ledger-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("ledger.sqlite")
}

#[tokio::test]
async fn every_look_up_preview_download_and_print_is_in_the_ledger() {
    let path = ledger_path("actions");
    let router = router_with_login("ledger", Some(&path));
    let clerk = session_of(&log_in(&router, "clerk", "pass word").await);
    let count = |action| Ledger::open(&path).unwrap().count(action).unwrap();

    get_as(&router, &clerk, "/api/records/T0003").await;
    assert_eq!(count(Action::Lookup), 1);
    let png = post_as(&router, &clerk, "/api/render?format=png", &sample("T0001")).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(count(Action::Preview), 1);

    // With a ledger, a PDF needs a reason.
    let body = assert_error(
        &post_as(&router, &clerk, "/api/render", &sample("T0001")).await,
        StatusCode::BAD_REQUEST,
        Some("reason"),
    );
    assert_eq!(body["message_ja"], "交付の理由を選んでください");
    assert_eq!(count(Action::Download), 0);

    let pdf = post_as(&router, &clerk, "/api/render?reason=new", &sample("T0001")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let printed = post_as(
        &router,
        &clerk,
        "/api/render?action=print&reason=reissue-lost",
        &sample("T0001"),
    )
    .await;
    assert_eq!(printed.status, StatusCode::OK);
    assert_eq!((count(Action::Download), count(Action::Print)), (1, 1));

    let history = get_as(&router, &clerk, "/api/ledger/T0001").await.json();
    let documents = history["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 2, "{history}");
    assert_eq!(documents[0]["reason_label"], "新規");
    assert_eq!(documents[1]["reason_label"], "再交付（紛失）");
    assert_eq!(documents[1]["expiry_date"], "2026-07-31");
    assert_eq!(documents[1]["user"], "clerk");
    assert_eq!(
        documents[1]["sha256"].as_str(),
        Some(shikaku::ledger::sha256_hex(&printed.body).as_str())
    );
    // The ledger never holds a member's name.
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(!String::from_utf8_lossy(file).contains("佐藤"));
    }
}

#[tokio::test]
async fn a_trusted_proxy_names_the_user_and_only_it_may_connect() {
    use shikaku::serve::{Access, Peer, TrustedProxy};
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-proxy");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let users_file = dir.join("users.toml");
    let mut users = Users::default();
    users.add("clerk", Role::Issue, "pass word").unwrap();
    users.save(&users_file).unwrap();
    let proxy = TrustedProxy {
        addr: "192.0.2.10".parse().unwrap(),
        user_header: axum::http::HeaderName::from_static("x-remote-user"),
    };
    let options = ServeOptions {
        issuers: issuers(),
        login: Some(LoginOptions {
            users_file,
            idle: std::time::Duration::from_secs(600),
            secure_cookie: true,
            proxy: Some(proxy.clone()),
        }),
        access: Access {
            proxy: Some(proxy),
            proxy_only: true,
            ..Access::default()
        },
        ..ServeOptions::default()
    };
    let router = Arc::new(Server::new(options).unwrap()).router();
    let from = |addr: &str, user: &str| {
        let mut request = get_with(
            "/api/session",
            &[("host", "shikaku.example"), ("x-remote-user", user)],
        );
        request.extensions_mut().insert(Peer {
            addr: addr.parse().unwrap(),
            tls: false,
        });
        request
    };
    // The proxy's user, by the header; a user not in the file is refused.
    let host_allowed = send(&router, from("192.0.2.10:40000", "clerk")).await;
    assert_error(&host_allowed, StatusCode::FORBIDDEN, Some("Host"));
    let mut request = from("192.0.2.10:40000", "clerk");
    request
        .headers_mut()
        .insert(header::HOST, "192.0.2.1:8080".parse().unwrap());
    let session = send(&router, request).await;
    assert_eq!(
        session.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&session.body)
    );
    assert_eq!(session.json()["user"], "clerk");
    let mut request = from("192.0.2.10:40000", "mallory");
    request
        .headers_mut()
        .insert(header::HOST, "192.0.2.1:8080".parse().unwrap());
    assert_error(&send(&router, request).await, StatusCode::FORBIDDEN, None);
    // Anyone else may not connect at all, header or not.
    let mut request = from("192.0.2.99:40000", "clerk");
    request
        .headers_mut()
        .insert(header::HOST, "192.0.2.1:8080".parse().unwrap());
    assert_error(
        &send(&router, request).await,
        StatusCode::FORBIDDEN,
        Some("address"),
    );
}

/// A request as the sweep below sends it: method, URI, extra headers, JSON body.
struct Refusal {
    method: &'static str,
    uri: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
    status: StatusCode,
}

fn refusal(method: &'static str, uri: &'static str, body: String, status: StatusCode) -> Refusal {
    Refusal {
        method,
        uri,
        headers: Vec::new(),
        body,
        status,
    }
}

/// Every reason the API refuses a request for, one request each, through a server with login
/// and a ledger: each answer carries a Japanese message, and no two reasons share one, so
/// that counter staff can tell them apart. (The HTTP layer's own reasons, 400/408/414/431/503
/// before the router, are in `serve_http.rs`.)
#[tokio::test]
async fn every_refusal_has_its_own_japanese_message() {
    let path = ledger_path("refusals");
    let router = router_with_login("refusals", Some(&path));
    let clerk = session_of(&log_in(&router, "clerk", "pass word").await);
    let viewer = session_of(&log_in(&router, "viewer", "pass word").await);
    let record = sample("T0001").to_string();
    let mut invalid = sample("T0001");
    invalid["birth_date"] = json!("1958-02-30");
    let mut contradiction = sample("T0001");
    contradiction["expiry_date"] = json!("2026-09-30");
    let mut too_long = sample("T0001");
    too_long["name"] = json!("あ".repeat(101));
    let as_clerk = |mut r: Refusal| {
        r.headers.push(("cookie", clerk.clone()));
        r
    };
    let with = |mut r: Refusal, name: &'static str, value: &str| {
        r.headers.push((name, value.to_owned()));
        r
    };
    use StatusCode as S;
    let cases = [
        // Login and roles.
        refusal("GET", "/api/records/T0003", String::new(), S::UNAUTHORIZED),
        refusal(
            "POST",
            "/api/login",
            json!({"user": "clerk", "password": "wrong pass"}).to_string(),
            S::UNAUTHORIZED,
        ),
        refusal(
            "POST",
            "/api/login",
            json!({"user": "clerk"}).to_string(),
            S::BAD_REQUEST,
        ),
        with(
            refusal(
                "POST",
                "/api/render?reason=new",
                record.clone(),
                S::FORBIDDEN,
            ),
            "cookie",
            &viewer,
        ),
        // Host and Origin.
        with(
            as_clerk(refusal("GET", "/api/layouts", String::new(), S::FORBIDDEN)),
            "origin",
            "http://attacker.example",
        ),
        // The query.
        as_clerk(refusal(
            "POST",
            "/api/render?format=gif",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?format=png&page=0",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?page=1",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?format=png&page=9",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?action=fax&reason=new",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?reason=lost",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?format=png&reason=new",
            record.clone(),
            S::BAD_REQUEST,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?layout=nope&reason=new",
            record.clone(),
            S::BAD_REQUEST,
        )),
        // Routes and bodies.
        as_clerk(refusal("GET", "/api/nothing", String::new(), S::NOT_FOUND)),
        as_clerk(refusal(
            "GET",
            "/api/render",
            String::new(),
            S::METHOD_NOT_ALLOWED,
        )),
        as_clerk(refusal("POST", "/api/explain", "{".into(), S::BAD_REQUEST)),
        as_clerk(refusal(
            "POST",
            "/api/explain",
            "x".repeat(MAX_BODY_BYTES + 1),
            S::PAYLOAD_TOO_LARGE,
        )),
        // Records.
        as_clerk(refusal(
            "GET",
            "/api/records/X9999",
            String::new(),
            S::NOT_FOUND,
        )),
        as_clerk(refusal(
            "POST",
            "/api/explain",
            invalid.to_string(),
            S::UNPROCESSABLE_ENTITY,
        )),
        as_clerk(refusal(
            "POST",
            "/api/render?reason=new",
            contradiction.to_string(),
            S::UNPROCESSABLE_ENTITY,
        )),
        as_clerk(refusal(
            "POST",
            "/api/explain",
            too_long.to_string(),
            S::UNPROCESSABLE_ENTITY,
        )),
    ];
    let mut by_message: std::collections::BTreeMap<String, String> = Default::default();
    for case in cases {
        let mut request = Request::builder()
            .method(case.method)
            .uri(case.uri)
            .header(header::HOST, ADDR)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in &case.headers {
            request = request.header(*name, value);
        }
        let reply = send(&router, request.body(Body::from(case.body)).unwrap()).await;
        let what = format!("{} {}", case.method, case.uri);
        assert_eq!(
            reply.status,
            case.status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let body = reply.json();
        let message = body["message_ja"].as_str().unwrap_or_default().to_owned();
        assert!(
            message
                .chars()
                .any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)),
            "{what}: no Japanese in {body}"
        );
        if let Some(earlier) = by_message.insert(message.clone(), what.clone()) {
            panic!("{what} and {earlier} share the message {message}");
        }
    }
}

/// The staff page learns which characters of a name print from a fallback font, the variation
/// selector kept with its base, and the render prints them.
#[tokio::test]
async fn explain_names_the_characters_printed_from_a_fallback_font() {
    let router = router();
    let mut record = sample("T0003");
    record["name"] = json!("邉\u{E0102}見 \u{20BB7}男");
    let body = post(&router, "/api/explain", &record).await.json();
    let characters = body["characters"].as_array().expect("characters");
    let names: Vec<&Value> = characters.iter().filter(|c| c["field"] == "name").collect();
    assert_eq!(names.len(), 2, "{characters:?}");
    assert_eq!(names[0]["chars"], "邉\u{E0102}");
    assert_eq!(names[0]["text"], "U+9089 U+E0102");
    assert_eq!(names[0]["font"], "noto-sans-jp");
    assert_eq!(names[0]["label"], "氏名");
    assert_eq!(names[0]["message_ja"], "Noto Sans CJK JPで印字します");
    assert_eq!(names[1]["chars"], "\u{20BB7}");
    let rendered = post(&router, "/api/render", &record).await;
    assert_eq!(rendered.status, StatusCode::OK);
    let text = pdftotext(&rendered.body, "fallback-name");
    assert!(text.contains("邉\u{E0102}見 \u{20BB7}男"), "{text}");
}
