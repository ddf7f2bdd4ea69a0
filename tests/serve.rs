//! The preview server's JSON API, in process: requests go through the router with
//! `tower::ServiceExt::oneshot`, PDFs are read back with pdftotext.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use shikaku::issuer::Issuer;
use shikaku::record::{self, ReadOptions, Record};
use shikaku::serve::{form_values, RecordIndex, ServeOptions, Server, MAX_BODY_BYTES};
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
    Arc::new(Server::new(options).expect("the server starts"))
        .router(ADDR.parse::<SocketAddr>().unwrap())
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
    assert!(expiry["detail"].as_str().unwrap().contains("seed"));
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

#[tokio::test]
async fn requests_for_another_host_are_refused_on_loopback() {
    let request = Request::get("/api/records/T0003")
        .header(header::HOST, "attacker.example:8080")
        .body(Body::empty())
        .unwrap();
    assert_error(
        &send(&router(), request).await,
        StatusCode::FORBIDDEN,
        Some("Host"),
    );
    let local = Request::get("/api/layouts")
        .header(header::HOST, "localhost:8080")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router(), local).await.status, StatusCode::OK);
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
