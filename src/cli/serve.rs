//! `shikaku serve`: the preview server for counter staff (README, "Preview server").

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use shikaku::ledger::Ledger;
use shikaku::record::{self, ReadOptions};
use shikaku::serve::access::is_loopback;
use shikaku::serve::login::Staff;
use shikaku::serve::{
    listen, tls, users, Access, Limits, LoginOptions, RecordIndex, ServeOptions, Server,
    TrustedProxy,
};

use super::{EncodingArg, RuleArgs};

/// Arguments of `shikaku serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on. The default is reachable from this machine only; another
    /// (e.g. 0.0.0.0:8443) needs --users and either TLS or --trusted-proxy.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The users file (`shikaku user add`): staff must log in, and their role decides what they
    /// may do.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Minutes without a request after which a session ends.
    #[arg(long, value_name = "MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=720))]
    session_idle: u64,
    /// The server's certificate chain (PEM, leaf first): serve HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A reverse proxy's address: requests from it name their user in --user-header.
    #[arg(long, value_name = "ADDR", requires = "user_header")]
    trusted_proxy: Option<IpAddr>,
    /// The audit and issuance ledger (SQLite, created if missing): every look-up, preview,
    /// download and print, and each document issued with its reason.
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// The header in which the trusted proxy names the user (e.g. X-Remote-User).
    #[arg(long, value_name = "NAME", requires = "trusted_proxy")]
    user_header: Option<HeaderName>,
    /// A records file (.csv, .jsonl / .ndjson or .json) whose members can be looked up on the
    /// page by number or record_id. It is read into memory at start-up.
    #[arg(long)]
    records: Option<PathBuf>,
    /// The records file's text encoding (CSV only).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
    encoding: EncodingArg,
    /// An input profile (TOML) for a --records file that is a municipality's own export (CSV
    /// with its own headers, or fixed-width records); it gives the format and encoding.
    #[arg(
        long,
        value_name = "FILE",
        requires = "records",
        conflicts_with = "encoding"
    )]
    input_profile: Option<PathBuf>,
    /// An issuer profile (TOML), or a folder of them; each record uses the profile with its
    /// insurer number. May be given more than once.
    #[arg(long, required = true)]
    issuer: Vec<PathBuf>,
    /// A host name the office's browsers use for this server (e.g. shikaku.city.example.lg.jp),
    /// accepted in `Host` besides IP addresses and localhost. May be given more than once.
    #[arg(long = "allowed-host", value_name = "NAME", value_parser = parse_host_name)]
    allowed_hosts: Vec<String>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    layouts: super::LayoutsArg,
}

/// Timeouts and the connection cap, for security reasons.
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Seconds a client may take to send a request's headers, from its first byte.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout: u64,
    /// Connections open at once (fewer when the open-file limit, `ulimit -n`, is lower).
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(self.header_timeout),
            body_timeout: Duration::from_secs(self.body_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: listen::connection_cap(
                usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            ),
            ..Limits::default()
        }
    }
}

/// A host name as `Host` carries it: letters, digits, `-` and `.`, lower-cased, no port.
fn parse_host_name(text: &str) -> Result<String, String> {
    let name = text.trim().to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if valid {
        Ok(name)
    } else {
        Err(
            "expected a host name such as shikaku.city.example.lg.jp (no scheme, port or path)"
                .into(),
        )
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    check_exposure(&args)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key).map_err(|e| e.to_string())?),
        _ => None,
    };
    if let Some(users) = &args.users {
        if users::readable_by_others(users) {
            eprintln!(
                "warning: the users file {} can be read by other users of this machine",
                users.display()
            );
            eprintln!("  hint: chmod 600 {}", users.display());
        }
    }
    let ledger = match &args.ledger {
        Some(path) => Some(Ledger::open(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let issuers = super::render::load_issuers(&args.issuer)?;
    let records = match &args.records {
        Some(path) => load_records(path, &args.encoding, args.input_profile.as_deref())?,
        None => RecordIndex::default(),
    };
    let options = ServeOptions {
        issuers,
        records,
        eligibility: args.rules.options(),
        limits: args.limits.limits(),
        access: access(&args),
        login: args.users.as_ref().map(|users| LoginOptions {
            users_file: users.clone(),
            idle: Duration::from_secs(args.session_idle * 60),
            secure_cookie: args.tls_cert.is_some(),
            proxy: proxy(&args),
        }),
        ledger,
        layouts: args.layouts.catalog()?,
        ..ServeOptions::default()
    };
    let server = Arc::new(Server::new(options).map_err(|e| e.to_string())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("failed to start the server's runtime ({e})"))?;
    let result = runtime.block_on(serve(server, args.addr, tls));
    // A render still running is not waited for long: the answer has nowhere to go.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Refuses to listen beyond this machine unless staff must log in and what they send is
/// encrypted, by this server or by a reverse proxy in front of it.
fn check_exposure(args: &ServeArgs) -> Result<(), String> {
    if args.trusted_proxy.is_some() && args.users.is_none() {
        return Err("failed to start the server (--trusted-proxy without --users)\n  hint: the users file gives each user the proxy names a role; pass --users FILE".into());
    }
    if is_loopback(args.addr.ip()) {
        return Ok(());
    }
    let encrypted = args.tls_cert.is_some() || args.trusted_proxy.is_some();
    if args.users.is_some() && encrypted {
        return Ok(());
    }
    let missing = match (args.users.is_some(), encrypted) {
        (false, false) => "without login and TLS",
        (false, true) => "without login",
        _ => "without TLS",
    };
    Err(format!(
        "refusing to listen on {} {missing}: member data, and passwords, would cross the office network in clear text to anyone who can reach the port\n  hint: pass --users FILE and --tls-cert/--tls-key, or --trusted-proxy ADDR --user-header NAME behind a reverse proxy that speaks TLS; or listen on 127.0.0.1 (the default)",
        args.addr
    ))
}

fn proxy(args: &ServeArgs) -> Option<TrustedProxy> {
    Some(TrustedProxy {
        addr: args.trusted_proxy?,
        user_header: args.user_header.clone()?,
    })
}

fn access(args: &ServeArgs) -> Access {
    Access {
        allowed_hosts: args.allowed_hosts.clone(),
        tls: args.tls_cert.is_some(),
        proxy: proxy(args),
        proxy_only: !is_loopback(args.addr.ip()) && args.tls_cert.is_none(),
    }
}

async fn serve(
    server: Arc<Server>,
    addr: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<ExitCode, String> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "failed to listen on {addr} ({e})\n  hint: is another server using the port? choose another with --addr"
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("failed to read the listening address ({e})"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!("listening on {scheme}://{addr}/ (Ctrl-C to stop)");
    let limits = server.limits();
    let app = server.router().layer(middleware::from_fn(log));
    listen::serve(listener, app, limits, tls, shutdown()).await;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Reads every record of the file; bad records are reported (without their values) and left out.
fn load_records(
    path: &Path,
    encoding: &EncodingArg,
    profile: Option<&Path>,
) -> Result<RecordIndex, String> {
    let options = ReadOptions {
        encoding: encoding.encoding(),
        profile: profile.map(super::load_profile).transpose()?,
        ..ReadOptions::default()
    };
    let mut records = record::read(path, &options).map_err(|e| e.to_string())?;
    let (mut good, mut rejected) = (Vec::new(), 0usize);
    while let Some(item) = records.next() {
        match item {
            Ok((_, record)) => good.push(record),
            // A member after the stop would be "not found" at the counter: start with every
            // record or not at all.
            Err(e) if e.ends_input() => {
                let at = records
                    .stopped()
                    .map(|at| format!("{at}: "))
                    .unwrap_or_default();
                return Err(format!(
                    "{at}{e}
  hint: the server needs the whole records file to look members up; correct it and start again"
                ));
            }
            Err(e) => {
                rejected += 1;
                if rejected <= 10 {
                    eprintln!("error: {e}");
                }
            }
        }
    }
    let read = good.len() + rejected;
    let index = RecordIndex::new(good);
    eprintln!(
        "{}: {read} read = {} loaded for look-up + {rejected} rejected (not available on the page)",
        path.display(),
        index.len(),
    );
    Ok(index)
}

/// One line per request: method, route, status, latency and the staff member. Never the path
/// itself (it may hold a member's number), the query or a body.
async fn log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", |p| p.as_str())
        .to_owned();
    let start = Instant::now();
    let response = next.run(request).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let user = response
        .extensions()
        .get::<Staff>()
        .map_or("-", |s| s.name.as_str());
    eprintln!(
        "{method} {route} {} {ms:.1}ms {user}",
        response.status().as_u16()
    );
    response
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};

    fn parse(args: &[&str]) -> Result<super::ServeArgs, clap::Error> {
        let cli = Cli::try_parse_from([&["shikaku", "serve"], args].concat())?;
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        Ok(args)
    }

    #[test]
    fn listens_on_loopback_unless_told_otherwise() {
        let args = parse(&["--issuer", "samples/issuers"]).unwrap();
        assert_eq!(args.addr.to_string(), "127.0.0.1:8080");
        assert!(args.records.is_none());
        let args = parse(&[
            "--issuer",
            "a.toml",
            "--issuer",
            "b",
            "--addr",
            "0.0.0.0:9000",
        ])
        .unwrap();
        assert_eq!(args.addr.to_string(), "0.0.0.0:9000");
        assert_eq!(args.issuer.len(), 2);
    }

    #[test]
    fn takes_a_records_file_with_its_encoding() {
        let args = parse(&["--issuer", "i", "--records", "m.csv", "--encoding", "cp932"]).unwrap();
        assert_eq!(args.records.unwrap().to_str(), Some("m.csv"));
        assert!(matches!(args.encoding, super::EncodingArg::Cp932));
    }

    #[test]
    fn takes_limits_and_host_names() {
        let args = parse(&["--issuer", "i"]).unwrap();
        let limits = args.limits.limits();
        assert_eq!(limits.header_timeout.as_secs(), 10);
        assert_eq!(limits.idle_timeout.as_secs(), 5);
        assert!(args.allowed_hosts.is_empty());
        let args = parse(&[
            "--issuer",
            "i",
            "--header-timeout",
            "3",
            "--max-connections",
            "20",
            "--allowed-host",
            "Shikaku.City.Example.lg.jp",
        ])
        .unwrap();
        assert_eq!(args.limits.limits().header_timeout.as_secs(), 3);
        assert_eq!(args.limits.limits().max_connections, 20);
        assert_eq!(args.allowed_hosts, ["shikaku.city.example.lg.jp"]);
        assert!(parse(&["--issuer", "i", "--allowed-host", "http://x"]).is_err());
        assert!(parse(&["--issuer", "i", "--body-timeout", "0"]).is_err());
    }

    #[test]
    fn refuses_the_network_without_login_and_encryption() {
        let refused = |args: &[&str]| {
            let args =
                parse(&[&["--issuer", "i", "--addr", "0.0.0.0:8443"], args].concat()).unwrap();
            super::check_exposure(&args).err()
        };
        let error = refused(&[]).unwrap();
        assert!(error.contains("without login and TLS"), "{error}");
        assert!(refused(&["--users", "u.toml"])
            .unwrap()
            .contains("without TLS"));
        assert!(refused(&["--tls-cert", "c", "--tls-key", "k"])
            .unwrap()
            .contains("without login"));
        assert_eq!(
            refused(&["--users", "u", "--tls-cert", "c", "--tls-key", "k"]),
            None
        );
        assert_eq!(
            refused(&[
                "--users",
                "u",
                "--trusted-proxy",
                "192.0.2.1",
                "--user-header",
                "X-Remote-User"
            ]),
            None
        );
        let mapped = parse(&["--issuer", "i", "--addr", "[::ffff:127.0.0.1]:8080"]).unwrap();
        assert_eq!(super::check_exposure(&mapped), Ok(()));
    }

    #[test]
    fn tls_and_proxy_flags_come_in_pairs() {
        assert!(parse(&["--issuer", "i", "--tls-cert", "c"]).is_err());
        assert!(parse(&["--issuer", "i", "--trusted-proxy", "192.0.2.1"]).is_err());
        let no_users = parse(&[
            "--issuer",
            "i",
            "--trusted-proxy",
            "192.0.2.1",
            "--user-header",
            "X-User",
        ])
        .unwrap();
        assert!(super::check_exposure(&no_users)
            .unwrap_err()
            .contains("without --users"));
        assert!(parse(&[
            "--issuer",
            "i",
            "--users",
            "u",
            "--trusted-proxy",
            "192.0.2.1",
            "--user-header",
            "X-User"
        ])
        .is_ok());
        assert_eq!(parse(&["--issuer", "i"]).unwrap().session_idle, 30);
    }

    #[test]
    fn takes_an_input_profile_for_the_records_file() {
        let args = parse(&[
            "--issuer",
            "i",
            "--records",
            "m.dat",
            "--input-profile",
            "p.toml",
        ])
        .unwrap();
        assert_eq!(args.input_profile.unwrap().to_str(), Some("p.toml"));
        assert!(parse(&["--issuer", "i", "--input-profile", "p.toml"]).is_err());
        assert!(parse(&[
            "--issuer",
            "i",
            "--records",
            "m.dat",
            "--input-profile",
            "p.toml",
            "--encoding",
            "cp932"
        ])
        .is_err());
    }

    #[test]
    fn needs_an_issuer_and_a_valid_address() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--issuer", "i", "--addr", "localhost"]).is_err());
    }
}
