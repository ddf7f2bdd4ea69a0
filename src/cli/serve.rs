//! `shikaku serve`: the preview server for counter staff (README, "Preview server").

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use shikaku::record::{self, ReadOptions};
use shikaku::serve::{RecordIndex, ServeOptions, Server};

use super::{EncodingArg, RuleArgs};

/// Arguments of `shikaku serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on. The default is reachable from this machine only; give another
    /// (e.g. 0.0.0.0:8080) only to let other machines in: the server has no login.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A records file (.csv, .jsonl / .ndjson or .json) whose members can be looked up on the
    /// page by number or record_id. It is read into memory at start-up.
    #[arg(long)]
    records: Option<PathBuf>,
    /// The records file's text encoding (CSV only).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
    encoding: EncodingArg,
    /// An issuer profile (TOML), or a folder of them; each record uses the profile with its
    /// insurer number. May be given more than once.
    #[arg(long, required = true)]
    issuer: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    layouts: super::LayoutsArg,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let issuers = super::render::load_issuers(&args.issuer)?;
    let records = match &args.records {
        Some(path) => load_records(path, &args.encoding)?,
        None => RecordIndex::default(),
    };
    let options = ServeOptions {
        issuers,
        records,
        eligibility: args.rules.options(),
        layouts: args.layouts.catalog()?,
        ..ServeOptions::default()
    };
    let server = Arc::new(Server::new(options).map_err(|e| e.to_string())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("failed to start the server's runtime ({e})"))?;
    runtime.block_on(serve(server, args.addr))
}

async fn serve(server: Arc<Server>, addr: SocketAddr) -> Result<ExitCode, String> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "failed to listen on {addr} ({e})\n  hint: is another server using the port? choose another with --addr"
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("failed to read the listening address ({e})"))?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {addr}, reachable from other machines; the server has no login"
        );
        eprintln!("  hint: leave out --addr to listen on 127.0.0.1 only");
    }
    eprintln!("listening on http://{addr}/ (Ctrl-C to stop)");
    let app = server.router(addr).layer(middleware::from_fn(log));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("failed to serve ({e})"))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads every record of the file; bad records are reported (without their values) and left out.
fn load_records(path: &Path, encoding: &EncodingArg) -> Result<RecordIndex, String> {
    let options = ReadOptions {
        encoding: encoding.encoding(),
        ..ReadOptions::default()
    };
    let records = record::read(path, &options).map_err(|e| e.to_string())?;
    let (mut good, mut rejected) = (Vec::new(), 0usize);
    for item in records {
        match item {
            Ok((_, record)) => good.push(record),
            Err(e) => {
                rejected += 1;
                if rejected <= 10 {
                    eprintln!("error: {e}");
                }
            }
        }
    }
    let index = RecordIndex::new(good);
    eprintln!(
        "{}: {} records loaded for look-up{}",
        path.display(),
        index.len(),
        if rejected > 0 {
            format!(", {rejected} rejected (not available on the page)")
        } else {
            String::new()
        }
    );
    Ok(index)
}

/// One line per request: method, route, status and latency. Never the path itself (it may hold
/// a member's number), the query or a body.
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
    eprintln!("{method} {route} {} {ms:.1}ms", response.status().as_u16());
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
    fn needs_an_issuer_and_a_valid_address() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--issuer", "i", "--addr", "localhost"]).is_err());
    }
}
