//! The counter page in a real browser: `shikaku serve --users --ledger` on 127.0.0.1:0,
//! headless Chromium driven over WebDriver (Debian's chromium and chromium-driver, which
//! scripts/test.sh installs) to be sent to the login page, log in, type a member, see a
//! field's Japanese message, wait for the preview, choose a reason and download the PDF (read
//! back with pdftotext), look a member up, and log out; the ledger is read back after.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use shikaku::ledger::{Action, Ledger};

use crate::common::fresh_dir;
use crate::server::{users_file, ServerProcess};
use crate::webdriver::Browser;

/// Long enough for a debug build on a busy two-core machine.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The first finished PDF in `dir`, once Chromium has written it.
fn wait_for_download(dir: &Path) -> PathBuf {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        let pdf = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "pdf"));
        if let Some(pdf) = pdf {
            return pdf;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no PDF was downloaded into {}", dir.display());
}

/// Chooses an option of a select by its value.
fn choose(browser: &Browser, field: &str, value: &str) {
    browser
        .find(&format!("#f-{field} option[value=\"{value}\"]"))
        .click();
}

fn fill(browser: &Browser, field: &str, text: &str) {
    let input = browser.find(&format!("#f-{field}"));
    input.clear();
    input.type_text(text);
}

#[test]
fn staff_type_a_member_see_the_preview_and_download_the_pdf() {
    let dir = fresh_dir("browser-server");
    let users = users_file(&dir, &[("clerk", "issue", "counter pass 1")]);
    let ledger = dir.join("ledger.sqlite");
    let server = ServerProcess::start(&[
        "--users",
        users.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ]);
    let downloads = fresh_dir("browser-downloads");
    let browser = Browser::start(&fresh_dir("browser-profile"), &downloads);

    // Without a session the page sends the browser to the login page.
    browser.goto(&server.url);
    browser.wait_for(
        "the login page",
        "location.pathname === '/login' && document.getElementById('login-user')",
        TIMEOUT,
    );
    browser.find("#login-user").type_text("clerk");
    browser.find("#login-password").type_text("wrong password");
    browser.find("#login-submit").click();
    browser.wait_for(
        "the login failure",
        "document.getElementById('login-message').textContent === 'ユーザー名またはパスワードが違います'",
        TIMEOUT,
    );
    browser.find("#login-password").type_text("counter pass 1");
    browser.find("#login-submit").click();
    browser.wait_for(
        "the counter page",
        "location.pathname === '/' && document.getElementById('who-name').textContent === 'clerk（交付）'",
        TIMEOUT,
    );
    browser.wait_for(
        "the form",
        "document.getElementById('f-birth_date')",
        TIMEOUT,
    );

    choose(&browser, "scheme", "kokuho");
    fill(&browser, "record_id", "W0001");
    fill(&browser, "insurer_number", "100016");
    fill(&browser, "symbol", "高09");
    fill(&browser, "number", "9876543");
    fill(&browser, "branch", "01");
    fill(&browser, "name", "山田 花子");
    choose(&browser, "sex", "女");
    fill(&browser, "birth_date", "1961-02-30");
    fill(&browser, "qualified_date", "2021-04-01");
    fill(&browser, "issue_date", "2025-08-01");
    choose(&browser, "has_myna_hoken", "false");

    // A day that does not exist: the Japanese message appears beside 生年月日.
    browser.wait_for(
        "the birth date's message",
        "document.getElementById('m-birth_date').textContent === 'その月にない日付です'",
        TIMEOUT,
    );
    assert_eq!(
        browser.script("return document.getElementById('preview').dataset.state"),
        "error"
    );

    fill(&browser, "birth_date", "1961-02-28");
    // A kokuho card without 世帯主氏名 and 住所 lacks two of its 必須記載事項 (国民健康保険法施行規則
    // 第6条): the page says so beside each, and shows no preview until they are typed.
    browser.wait_for(
        "the address's message",
        "document.getElementById('m-address').textContent.includes('必須記載事項')",
        TIMEOUT,
    );
    assert!(browser
        .script("return document.getElementById('m-householder_name').textContent")
        .as_str()
        .is_some_and(|m| m.contains("必須記載事項")));
    fill(&browser, "householder_name", "山田 花子");
    fill(&browser, "address", "群馬県高崎市高松町35番地1");
    browser.wait_for(
        "the preview",
        "document.getElementById('preview').dataset.state === 'ready'",
        TIMEOUT,
    );
    assert_eq!(
        browser.script("return document.getElementById('m-birth_date').textContent"),
        ""
    );
    assert_eq!(
        browser.script("return document.getElementById('preview').dataset.layout"),
        "kokuho-kakuninsho"
    );
    let drawn = browser.script(
        "return [...document.querySelectorAll('#preview img')].length === 2 && [...document.querySelectorAll('#preview img')].every(i => i.naturalWidth > 0)",
    );
    assert_eq!(drawn, true, "the two preview pages did not load");
    let decision = browser.script("return document.getElementById('decision-values').textContent");
    let decision = decision.as_str().unwrap();
    for expected in [
        "資格確認書",
        "2026-07-31",
        "マイナ保険証をお持ちでない方には資格確認書",
    ] {
        assert!(
            decision.contains(expected),
            "the decision lacks {expected}: {decision}"
        );
    }

    // The PDF needs a reason first.
    assert_eq!(
        browser.script("return document.getElementById('download').disabled"),
        true
    );
    browser.find("#reason option[value=\"new\"]").click();
    browser.wait_for(
        "the download button",
        "!document.getElementById('download').disabled",
        TIMEOUT,
    );
    browser.find("#download").click();
    let pdf = wait_for_download(&downloads);
    assert_eq!(pdf.file_name().unwrap(), "kokuho-kakuninsho-W0001.pdf");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "資格確認書",
        "山田 花子",
        "令和8年7月31日",
        "昭和36年2月28日",
        "高崎市",
    ] {
        assert!(
            text.contains(expected),
            "the downloaded PDF lacks {expected}: {text}"
        );
    }

    // Looking a member up fills the form and shows their document.
    let key = browser.find("#lookup-key");
    key.type_text("T0002");
    browser.find("#lookup button").click();
    browser.wait_for(
        "the looked-up member",
        "document.getElementById('f-name').value === '佐藤 花子'",
        TIMEOUT,
    );
    browser.wait_for(
        "the notice's preview",
        "document.getElementById('preview').dataset.state === 'ready' && document.getElementById('preview').dataset.layout === 'kokuho-oshirase'",
        TIMEOUT,
    );

    // Choosing 再交付 shows what the member was issued before: nothing yet for T0002.
    browser
        .find("#reason option[value=\"reissue-lost\"]")
        .click();
    browser.wait_for(
        "the member's history",
        "!document.getElementById('history').hidden && document.getElementById('history-list').textContent.includes('記録はありません')",
        TIMEOUT,
    );

    // Logging out ends the session: the API answers 401 and the page is the login page.
    browser.find("#logout").click();
    browser.wait_for(
        "the login page after logout",
        "location.pathname === '/login'",
        TIMEOUT,
    );
    let status = browser.script("return fetch('/api/layouts').then(r => r.status)");
    assert_eq!(status, 401);

    // The ledger has the look-up, the previews and the issued card with its reason.
    let ledger = Ledger::open(&ledger).unwrap();
    let documents = ledger.documents("W0001").unwrap();
    assert_eq!(documents.len(), 1, "{documents:?}");
    assert_eq!(documents[0].reason_label, "新規");
    assert_eq!(documents[0].expiry_date.as_deref(), Some("2026-07-31"));
    assert_eq!(documents[0].user, "clerk");
    let sha = shikaku::ledger::sha256_hex(&std::fs::read(&pdf).unwrap());
    assert_eq!(documents[0].sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(ledger.count(Action::Lookup).unwrap(), 1);
    assert!(ledger.count(Action::Preview).unwrap() >= 2);

    // The log has method, route, status, latency and user: no names, numbers, dates or record ids.
    let log = server.log();
    assert!(log.contains("POST /api/render 200"), "{log}");
    assert!(log.contains("login failed for user clerk"), "{log}");
    assert!(
        !log.contains("wrong password") && !log.contains("counter pass"),
        "{log}"
    );
    assert!(log.contains("GET /api/records/{key} 200"), "{log}");
    for personal in ["山田", "花子", "9876543", "1961-02", "T0002", "W0001"] {
        assert!(!log.contains(personal), "the log holds {personal}: {log}");
    }
}
