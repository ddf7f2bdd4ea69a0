//! The accept loop: connections under a cap, each driven by hyper's HTTP/1.1 connection with
//! the timeouts of [`Limits`], TLS when configured, and a shutdown that ends within seconds.
//!
//! Why not `axum::serve`: it has no header or idle timeout and no cap, so a thousand clients
//! that open a connection and send nothing (slowloris) use up the process's file descriptors
//! and every later request waits; and its graceful shutdown waits forever for a client that
//! sent half a request. Here, when the cap is reached, the connection that has waited longest
//! without a request in service is closed to make room (as nginx reclaims idle keep-alive
//! connections), so a client that sends its request at once always gets in.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::error::ApiError;
use super::stream::{raw_response, Activity, InService, Waits, Watched};

/// The longest request head hyper reads (request line and headers): 96 KiB. A longer target
/// gets 414 (hyper's limit for it is 64 KiB), longer headers 431.
const MAX_HEAD_BYTES: usize = 96 * 1024;

/// File descriptors kept free of connections under the open-file limit: the listener, the
/// ledger, standard streams, the runtime's own.
const RESERVED_FILES: u64 = 64;

/// How long clients may take and how many may connect at once, for security reasons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// From a request's first byte to the end of its headers (default 10 s); then 408.
    pub header_timeout: Duration,
    /// For a request's body, once its headers are in (default 10 s); then 408.
    pub body_timeout: Duration,
    /// A kept-alive connection with no next request is closed after this (default 5 s).
    pub idle_timeout: Duration,
    /// Connections open at once (default 512, fewer when the open-file limit is lower).
    pub max_connections: usize,
    /// On SIGTERM or Ctrl-C, how long answers already being made may take (default 3 s);
    /// connections waiting for a request are closed at once.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

/// Who is at the other end of a request's connection, as the handlers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client's address (a reverse proxy's, behind one).
    pub addr: SocketAddr,
    /// Whether the connection is TLS.
    pub tls: bool,
}

/// An open connection: what it is doing, and how to close it.
type Open = (Arc<Activity>, Arc<Notify>);

/// The open connections, oldest first, so the longest-waiting idle one can be closed.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Open>>,
}

impl Registry {
    fn open(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Open>> {
        self.open.lock().expect("no panic while holding the lock")
    }

    fn len(&self) -> usize {
        self.open().len()
    }

    /// Registers a connection; it is forgotten when the returned guard drops.
    fn add(self: &Arc<Self>) -> (Registered, Arc<Activity>, Arc<Notify>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::default());
        let evict = Arc::new(Notify::new());
        self.open().insert(id, (activity.clone(), evict.clone()));
        (Registered(self.clone(), id), activity, evict)
    }

    /// Closes the oldest connection with no request in service; false when all are busy.
    fn evict_idle(&self) -> bool {
        let mut open = self.open();
        let idle = open
            .iter()
            .find(|(_, (activity, _))| !activity.busy())
            .map(|(&id, _)| id);
        match idle.and_then(|id| open.remove(&id)) {
            Some((_, evict)) => {
                evict.notify_one();
                true
            }
            None => false,
        }
    }
}

struct Registered(Arc<Registry>, u64);

impl Drop for Registered {
    fn drop(&mut self) {
        self.0.open().remove(&self.1);
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then closes idle connections at
/// once and gives answers in progress [`Limits::shutdown_grace`] to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Registry::default());
    let (stop, stopping) = watch::channel(false);
    let cap = limits.max_connections.max(1);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors (or another passing failure): make room and wait a
                // little rather than spin.
                eprintln!("warning: failed to accept a connection ({e})");
                registry.evict_idle();
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if registry.len() >= cap && !registry.evict_idle() {
            tokio::spawn(refuse_busy(tcp, tls.is_some()));
            continue;
        }
        let _ = tcp.set_nodelay(true);
        let (registered, activity, evict) = registry.add();
        let connection = Connection {
            router: router.clone(),
            limits,
            peer: Peer {
                addr,
                tls: tls.is_some(),
            },
            activity,
            evict,
            stopping: stopping.clone(),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _registered = registered;
            match tls {
                None => connection.run(tcp).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_timeout, acceptor.accept(tcp));
                    if let Ok(Ok(stream)) = handshake.await {
                        connection.run(stream).await;
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let deadline = tokio::time::Instant::now() + limits.shutdown_grace + Duration::from_millis(500);
    while registry.len() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The connections the open-file limit leaves room for, at most `wanted`.
pub fn connection_cap(wanted: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct passed, which lives on this stack.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if !known || limit.rlim_cur == libc::RLIM_INFINITY {
        return wanted;
    }
    let room = limit.rlim_cur.saturating_sub(RESERVED_FILES).max(1);
    wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Answers 503 to a client that came while every connection is answering a request.
async fn refuse_busy(mut tcp: TcpStream, tls: bool) {
    if tls {
        return; // no handshake, no words: closing is all a TLS client can be told
    }
    let error = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server has as many connections as it accepts",
        None,
        "混雑しています。しばらくしてからやり直してください",
    )
    .hint("try again in a moment");
    let _ =
        tokio::time::timeout(Duration::from_secs(1), tcp.write_all(&raw_response(&error))).await;
}

/// One accepted connection and what it needs to serve its requests.
struct Connection {
    router: Router,
    limits: Limits,
    peer: Peer,
    activity: Arc<Activity>,
    evict: Arc<Notify>,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    async fn run<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            router,
            limits,
            peer,
            activity,
            evict,
            mut stopping,
        } = self;
        let waits = Waits {
            header: limits.header_timeout,
            idle: limits.idle_timeout,
        };
        let io = TokioIo::new(Watched::new(stream, activity.clone(), waits));
        let in_service = activity.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            let guard = in_service.enter();
            request.extensions_mut().insert(peer);
            let call = router.clone().oneshot(request.map(Body::new));
            async move {
                let response = call.await.unwrap_or_else(|never| match never {});
                Ok::<_, Infallible>(response.map(|body| Tracked {
                    body,
                    _guard: guard,
                }))
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .header_read_timeout(None::<Duration>)
            .max_header_size(MAX_HEAD_BYTES)
            .max_buf_size(MAX_HEAD_BYTES + 32 * 1024);
        let http = builder.serve_connection(io, service);
        tokio::pin!(http);
        tokio::select! {
            _ = http.as_mut() => return,
            () = evict.notified() => return,
            _ = stopping.wait_for(|stop| *stop) => {}
        }
        if !activity.busy() {
            return;
        }
        http.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(limits.shutdown_grace, http).await;
    }
}

/// A response body that keeps its request marked in service until it is sent.
struct Tracked {
    body: Body,
    _guard: InService,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_under_the_open_file_limit() {
        assert!(connection_cap(usize::MAX) < usize::MAX || cfg!(not(unix)));
        assert_eq!(connection_cap(1), 1);
    }
}
