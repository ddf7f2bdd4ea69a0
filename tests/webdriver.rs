//! A small WebDriver client for the browser test: the dozen commands it uses, as JSON over
//! HTTP/1.1 to a local chromedriver (W3C WebDriver, https://www.w3.org/TR/webdriver2/).
//!
//! Written out rather than taken from a crate: a WebDriver client crate brings some fifty
//! dependencies to build for these few requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session, ended on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// An element of the page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Browser {
    /// Starts chromedriver and headless Chromium with a fresh profile, downloading into `downloads`.
    pub fn start(profile: &Path, downloads: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver is needed by this test ({e}); scripts/test.sh installs it")
            });
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        browser.wait_until_ready();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": args,
                "prefs": {
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let session = browser.call("POST", "/session", Some(capabilities));
        browser.session = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        // Headless Chromium may refuse downloads unless told where they go.
        browser.command(
            "POST",
            "goog/cdp/execute",
            json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": downloads}}),
        );
        browser
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(status) = self.try_call("GET", "/status", None) {
                if status["ready"] == true {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not become ready on port {}", self.port);
    }

    /// Opens a page.
    pub fn goto(&self, url: &str) {
        self.command("POST", "url", json!({ "url": url }));
    }

    /// The element matching a CSS selector.
    pub fn find(&self, selector: &str) -> Element<'_> {
        let found = self.command(
            "POST",
            "element",
            json!({"using": "css selector", "value": selector}),
        );
        let id = found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {selector}: {found}"))
            .to_owned();
        Element { browser: self, id }
    }

    /// Runs a script in the page and returns its result.
    pub fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Waits until `condition` (a JavaScript expression) is true, or fails saying what it waited for.
    pub fn wait_for(&self, what: &str, condition: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let script = format!("return Boolean({condition});");
        while Instant::now() < deadline {
            if self.script(&script) == true {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let status = self.script("return document.getElementById('status').textContent");
        panic!("timed out waiting for {what} (page status: {status})");
    }

    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(
            method,
            &format!("/session/{}/{path}", self.session),
            Some(body),
        )
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// One request; `Ok` holds the response's `value`, `Err` the WebDriver error.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        let (mut chunked, mut length) = (false, None);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "content-length" => length = value.trim().parse::<usize>().ok(),
                _ => {}
            }
        }
        // chromedriver answers `Connection: close` but keeps the connection open: read what
        // the length says rather than to the end.
        let mut raw = Vec::new();
        match length {
            Some(n) if !chunked => {
                raw.resize(n, 0);
                reader.read_exact(&mut raw).map_err(|e| e.to_string())?;
            }
            _ => {
                reader.read_to_end(&mut raw).map_err(|e| e.to_string())?;
            }
        }
        let raw = if chunked { dechunk(&raw) } else { raw };
        let response: Value = serde_json::from_slice(&raw)
            .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&raw)))?;
        let value = response["value"].clone();
        match value.get("error") {
            Some(error) => Err(format!("{error}: {}", value["message"])),
            None => Ok(value),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.try_call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Element<'_> {
    /// Types text into the element.
    pub fn type_text(&self, text: &str) {
        self.browser.command(
            "POST",
            &format!("element/{}/value", self.id),
            json!({ "text": text }),
        );
    }

    /// Empties an input.
    pub fn clear(&self) {
        self.browser
            .command("POST", &format!("element/{}/clear", self.id), json!({}));
    }

    /// Clicks the element.
    pub fn click(&self) {
        self.browser
            .command("POST", &format!("element/{}/click", self.id), json!({}));
    }
}

/// Chromium's path: Debian's package, or whatever `chromium` is on the PATH.
fn chromium() -> String {
    let debian = "/usr/bin/chromium";
    if Path::new(debian).exists() {
        return debian.into();
    }
    std::env::var("CHROME").unwrap_or_else(|_| "chromium".into())
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The body of a chunked HTTP/1.1 response.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}
