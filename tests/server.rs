//! `shikaku serve` as a child process for the end-to-end tests: started on a free port, its
//! stderr kept for the assertions, killed when dropped.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The arguments every test server gets: the sample profiles and records.
pub const SAMPLES: [&str; 4] = [
    "--issuer",
    "samples/issuers",
    "--records",
    "samples/records.csv",
];

/// `shikaku serve` in the background, with everything it writes to stderr kept.
pub struct ServerProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT/` (or `https://`).
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `shikaku serve --addr 127.0.0.1:0` with the samples and `args`.
    pub fn start(args: &[&str]) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shikaku"));
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(SAMPLES)
            .args(args);
        ServerProcess::spawn(command)
    }

    /// Starts the server under a shell that first runs `prelude` (e.g. `ulimit -n 1024`).
    pub fn start_under(prelude: &str, args: &[&str]) -> ServerProcess {
        let mut line = format!(
            "{prelude} && exec '{}' serve --addr 127.0.0.1:0",
            env!("CARGO_BIN_EXE_shikaku")
        );
        for arg in SAMPLES.iter().chain(args) {
            line.push_str(&format!(" '{arg}'"));
        }
        let mut command = Command::new("sh");
        command.args(["-c", &line]);
        ServerProcess::spawn(command)
    }

    /// Starts a command that runs the server, and waits for its "listening on" line.
    pub fn spawn(mut command: Command) -> ServerProcess {
        let mut child = command
            .stdin(Stdio::piped())
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
        let addr = url
            .split("://")
            .nth(1)
            .expect("a URL")
            .trim_end_matches('/')
            .to_owned();
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        ServerProcess {
            child,
            url,
            addr,
            log,
        }
    }

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Opens a connection to the server, with a read timeout as a bound on a test that hangs.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).expect("the server accepts");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
    }

    /// Sends raw bytes on a new connection and reads until the server closes it.
    pub fn exchange(&self, request: &[u8]) -> String {
        let mut stream = self.connect();
        stream.write_all(request).expect("the request is sent");
        read_to_close(&mut stream)
    }

    /// Sends SIGTERM and waits for the process to end, returning how long that took.
    pub fn terminate(&mut self) -> Duration {
        let start = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = start + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait().expect("the child is ours").is_some() {
                return start.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not exit within 30 s of SIGTERM");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything the peer sends until it closes (a reset counts as closing); fails when the
/// connection is still open after the read timeout.
pub fn read_to_close(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "the server kept the connection open: {}",
                    String::from_utf8_lossy(&bytes)
                )
            }
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The status and JSON body of a raw HTTP/1.1 answer.
pub fn status_and_json(answer: &str) -> (u16, serde_json::Value) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, json)
}

/// A users file in `dir` made with `shikaku user add … --password-stdin`, one run a user.
pub fn users_file(dir: &std::path::Path, users: &[(&str, &str, &str)]) -> std::path::PathBuf {
    let path = dir.join("users.toml");
    for (name, role, password) in users {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args([
                "user",
                "add",
                name,
                "--role",
                role,
                "--password-stdin",
                "--users",
            ])
            .arg(&path)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    path
}
