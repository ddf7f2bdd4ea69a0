//! `shikaku serve` over real connections, as a hostile or broken client would use it: hyper's
//! own errors answered as JSON, slow clients cut off, idle connections closed, a thousand
//! idle connections under `ulimit -n 1024` not starving a real request, and SIGTERM ending the
//! server within seconds even with half a request open.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::fresh_dir;
use crate::server::{read_to_close, status_and_json, users_file, ServerProcess};

fn get(server: &ServerProcess, path: &str) -> String {
    server.exchange(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    )
}

#[test]
fn hypers_own_errors_are_the_documented_json() {
    let server = ServerProcess::start(&[]);
    let (status, body) = status_and_json(&server.exchange(b"GARBAGE\r\n\r\n"));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["message_ja"], "リクエストを読み取れませんでした");
    let long_target = format!(
        "GET /{} HTTP/1.1\r\nHost: {}\r\n\r\n",
        "a".repeat(70_000),
        server.addr
    );
    let (status, body) = status_and_json(&server.exchange(long_target.as_bytes()));
    assert_eq!(status, 414, "{body}");
    assert_eq!(body["message_ja"], "URLが長すぎます");
    let big_headers = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nX-Filler: {}\r\n\r\n",
        server.addr,
        "b".repeat(100_000)
    );
    let (status, body) = status_and_json(&server.exchange(big_headers.as_bytes()));
    assert_eq!(status, 431, "{body}");
    assert!(body["errors"].as_array().is_some_and(|e| e.len() == 1));
    let no_host = server.exchange(b"GET /api/layouts HTTP/1.0\r\n\r\n");
    let (status, body) = status_and_json(&no_host);
    assert_eq!((status, body["field"].as_str()), (400, Some("Host")));
    // The server is still answering after all that.
    assert!(get(&server, "/api/layouts").starts_with("HTTP/1.1 200"));
}

#[test]
fn a_slow_client_is_cut_off() {
    let server = ServerProcess::start(&["--header-timeout", "1", "--body-timeout", "1"]);
    // Half a request head, then nothing: 408 once the header timeout has passed.
    let mut slow = server.connect();
    slow.write_all(b"GET /api/layouts HTTP/1.1\r\nHost: ")
        .unwrap();
    let (status, body) = status_and_json(&read_to_close(&mut slow));
    assert_eq!(status, 408, "{body}");
    assert!(body["error"].as_str().unwrap().contains("within 1 s"));
    // A body that stops short of its length: 408 from the handler.
    let mut short = server.connect();
    write!(
        short,
        "POST /api/render HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"record_id\"",
        server.addr
    )
    .unwrap();
    let (status, body) = status_and_json(&read_to_close(&mut short));
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["message_ja"], "時間内にデータが届きませんでした");
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let server = ServerProcess::start(&["--idle-timeout", "1"]);
    let mut stream = server.connect();
    write!(
        stream,
        "GET /api/layouts HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    // The answer comes, then the server closes the connection it no longer needs.
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_thousand_idle_connections_under_ulimit_1024_do_not_starve_a_request() {
    // The header timeout is long, so only making room for new connections can let the
    // real request in.
    let server = ServerProcess::start_under("ulimit -n 1024", &["--header-timeout", "600"]);
    let mut idle: Vec<TcpStream> = Vec::new();
    for _ in 0..1100 {
        match TcpStream::connect(&server.addr) {
            Ok(mut stream) => {
                let _ = stream.write_all(b"GET / HTTP/1.1\r\n");
                idle.push(stream);
            }
            Err(e) => panic!("connection {} refused ({e})", idle.len()),
        }
    }
    let answer = get(&server, "/api/layouts");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !server.log().contains("failed to accept"),
        "{}",
        server.log()
    );
    drop(idle);
}

#[test]
fn sigterm_with_half_a_request_open_exits_within_seconds() {
    let mut server = ServerProcess::start(&[]);
    let mut partial = server.connect();
    partial
        .write_all(b"POST /api/render HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        .unwrap();
    // A kept-alive connection too, between two requests.
    let mut kept = server.connect();
    write!(
        kept,
        "GET /api/layouts HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let took = server.terminate();
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM took {took:?} to end the server"
    );
    assert!(server.log().contains("stopped"), "{}", server.log());
    let start = Instant::now();
    read_to_close(&mut partial);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn refuses_to_listen_beyond_this_machine_without_login_and_tls() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "serve",
            "--addr",
            "0.0.0.0:0",
            "--issuer",
            "samples/issuers",
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: refusing to listen on 0.0.0.0:0 without login and TLS: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: pass --users FILE and --tls-cert/--tls-key"),
        "{stderr}"
    );
}

/// A self-signed certificate for localhost and 127.0.0.1, made with openssl.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is needed by this test; scripts/test.sh installs it");
    assert!(status.success());
    (cert, key)
}

fn curl(args: &[&str]) -> String {
    let output = std::process::Command::new("curl")
        .args(["-s", "--max-time", "20", "-D", "-"])
        .args(args)
        .output()
        .expect("curl is needed by this test; scripts/test.sh installs it");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn serves_https_with_secure_cookies_and_a_login() {
    let dir = fresh_dir("serve-tls");
    let (cert, key) = certificate(&dir);
    let users = users_file(&dir, &[("clerk", "issue", "pass word 1")]);
    let server = ServerProcess::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--users",
        users.to_str().unwrap(),
    ]);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let base = server.url.trim_end_matches('/');
    let cacert = cert.to_str().unwrap();
    let login = curl(&[
        "--cacert",
        cacert,
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"user": "clerk", "password": "pass word 1"}"#,
        &format!("{base}/api/login"),
    ]);
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie_line = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {login}"));
    assert!(cookie_line.contains("; Secure"), "{cookie_line}");
    let cookie = cookie_line
        .split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap();
    let session = curl(&[
        "--cacert",
        cacert,
        "-H",
        &format!("Cookie: {cookie}"),
        &format!("{base}/api/session"),
    ]);
    assert!(session.contains(r#""user":"clerk""#), "{session}");
    // Plain HTTP on the TLS port gets no answer but a closed connection.
    let plain = curl(&[&format!("http://{}/api/session", server.addr)]);
    assert!(!plain.contains("clerk"), "{plain}");
}

#[test]
fn a_document_answered_is_in_the_ledger_even_after_kill_9() {
    let dir = fresh_dir("serve-kill");
    let ledger = dir.join("ledger.sqlite");
    let mut server = ServerProcess::start(&["--ledger", ledger.to_str().unwrap()]);
    let record = r#"{"record_id": "K0001", "scheme": "kokuho", "insurer_number": "100016", "symbol": "高01", "number": "1234567", "branch": "01", "name": "山田 花子", "sex": "女", "birth_date": "1961-02-28", "postal_code": "370-0001", "address": "群馬県高崎市中尾町12番地3", "householder_name": "山田 一郎", "qualified_date": "2021-04-01", "issue_date": "2025-08-01", "has_myna_hoken": false}"#;
    let answer = server.exchange(
        format!(
            "POST /api/render?reason=reissue-damaged HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{record}",
            server.addr,
            record.len()
        )
        .as_bytes(),
    );
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let documents = shikaku::ledger::Ledger::open(&ledger)
        .unwrap()
        .documents("K0001")
        .unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].reason_label, "再交付（破損）");
}

/// A records file that ends early (here a JSON array cut short) would leave the members after
/// the cut "not found" at the counter: the server refuses to start, naming where reading
/// stopped (tests/data/serve/records-cut-short.stderr).
#[test]
fn refuses_to_start_on_a_records_file_it_cannot_read_to_the_end() {
    let case = "tests/data/serve/records-cut-short";
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--issuer",
            "samples/issuers",
        ])
        .args(["--records", &format!("{case}.json")])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let expected = std::fs::read_to_string(format!("{case}.stderr")).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), expected);
}

#[test]
fn says_how_many_records_it_read_loaded_and_rejected() {
    let server = ServerProcess::start(&[]);
    let log = server.log();
    assert!(
        log.contains("samples/records.csv: 16 read = 16 loaded for look-up + 0 rejected"),
        "{log}"
    );
}
