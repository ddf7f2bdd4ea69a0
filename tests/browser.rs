//! The counter page in a real browser: `shikaku serve` on 127.0.0.1:0, headless Chromium
//! driven over WebDriver (Debian's chromium and chromium-driver, which scripts/test.sh
//! installs) to type a member, see a field's Japanese message, wait for the preview,
//! download the PDF and read it back with pdftotext; then to look a member up.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::webdriver::Browser;

/// Long enough for a debug build on a busy two-core machine.
const TIMEOUT: Duration = Duration::from_secs(30);

/// `shikaku serve` in the background, with everything it writes to stderr kept.
struct ServerProcess {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    fn start() -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--issuer",
                "samples/issuers",
                "--records",
                "samples/records.csv",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let log = Arc::new(Mutex::new(String::new()));
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("stderr is UTF-8");
            log.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = rest.split_whitespace().next().map(str::to_owned);
                break;
            }
        }
        let url =
            url.unwrap_or_else(|| panic!("the server did not start: {}", log.lock().unwrap()));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        ServerProcess { child, url, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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
    let server = ServerProcess::start();
    let downloads = fresh_dir("browser-downloads");
    let browser = Browser::start(&fresh_dir("browser-profile"), &downloads);
    browser.goto(&server.url);
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
    let kind = browser.script("return document.getElementById('preview').dataset.kind");
    assert!(kind == "png" || kind == "pdf", "preview kind {kind}");
    if kind == "png" {
        let drawn = browser.script(
            "return [...document.querySelectorAll('#preview img')].every(i => i.naturalWidth > 0)",
        );
        assert_eq!(drawn, true, "a preview image did not load");
    }
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

    // The log has method, route, status and latency: no names, numbers, dates or record ids.
    let log = server.log();
    assert!(log.contains("POST /api/render 200"), "{log}");
    assert!(log.contains("GET /api/records/{key} 200"), "{log}");
    for personal in ["山田", "花子", "9876543", "1961-02", "T0002", "W0001"] {
        assert!(!log.contains(personal), "the log holds {personal}: {log}");
    }
}
