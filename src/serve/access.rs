//! Which requests may reach the handlers at all: by `Host` (DNS rebinding), by `Origin` and
//! `Sec-Fetch-Site` (cross-site request forgery), and by peer address (a reverse proxy).
//!
//! A DNS-rebinding page reaches the server under the attacker's host name, so `Host` must be an
//! IP literal, `localhost`, or a name the office gave with `--allowed-host`. A forged request
//! comes from another site's page, which the browser names in `Origin` (on every POST, and on
//! cross-origin fetches) and, in current browsers, in `Sec-Fetch-Site`: both must say this
//! server. Scripts send neither and pass; they still need a session.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::listen::Peer;

/// A reverse proxy that authenticates staff and passes the user name in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxy {
    /// The proxy's address; the header is believed from this address only.
    pub addr: IpAddr,
    /// The header naming the user (e.g. `X-Remote-User`).
    pub user_header: axum::http::HeaderName,
}

/// Who may reach the server: host names, the scheme of its pages, a trusted proxy.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Host names besides IP literals and `localhost` (lower case, no port), from
    /// `--allowed-host`: the names the office's browsers use.
    pub allowed_hosts: Vec<String>,
    /// Whether the server speaks TLS (its pages are `https:`).
    pub tls: bool,
    /// The reverse proxy, if any.
    pub proxy: Option<TrustedProxy>,
    /// Whether only the proxy may connect: the server listens beyond this machine without
    /// TLS, so anyone else would send passwords in clear text.
    pub proxy_only: bool,
}

impl Access {
    /// Whether `host` (a `Host` value: name or IP literal, and maybe a port) is this server.
    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        name == "localhost"
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok()
            || self.allowed_hosts.contains(&name)
    }

    /// Whether `origin` (an `Origin` value) is a page of this server reached as `host`.
    fn origin_allowed(&self, origin: &str, host: &str, from_proxy: bool) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false; // "null": a sandboxed frame, a file, a redirect across sites
        };
        let scheme_ok = match scheme {
            "https" => self.tls || from_proxy,
            "http" => !self.tls,
            _ => false,
        };
        let default_port = if scheme == "https" { "443" } else { "80" };
        scheme_ok && authority_eq(authority, host, default_port)
    }
}

/// The host part of a `Host` or authority: `name`, `1.2.3.4` or `[::1]`, without the port.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Whether two authorities name the same host and port, a missing port being `default_port`.
fn authority_eq(a: &str, b: &str, default_port: &str) -> bool {
    let split = |s: &str| -> (String, String) {
        let name = host_name(s);
        let port = s[name.len()..].strip_prefix(':').unwrap_or(default_port);
        (name.to_ascii_lowercase(), port.to_owned())
    };
    split(a) == split(b)
}

/// Whether an IP address is this machine: loopback, also as an IPv4-mapped IPv6 address.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn forbidden(error: &str, field: &str, message_ja: &str, hint: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, error, Some(field), message_ja)
        .hint(hint)
        .into_response()
}

/// The middleware: refuses requests for other hosts, from other sites, and, when only the proxy
/// may connect, from other addresses; then adds headers that keep answers, which hold personal
/// data, out of caches and other sites' frames.
pub(super) async fn guard(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(refused) = check(
        &access,
        request.headers(),
        request.extensions().get::<Peer>(),
        request.uri().path(),
    ) {
        return secured(refused);
    }
    secured(next.run(request).await)
}

fn check(
    access: &Access,
    headers: &HeaderMap,
    peer: Option<&Peer>,
    path: &str,
) -> Option<Response> {
    let from_proxy = match (&access.proxy, peer) {
        (Some(proxy), Some(peer)) => peer.addr.ip().to_canonical() == proxy.addr.to_canonical(),
        _ => false,
    };
    if access.proxy_only && !from_proxy && !peer.is_some_and(|p| is_loopback(p.addr.ip())) {
        return Some(forbidden(
            "only the reverse proxy may connect to this server",
            "address",
            "このアドレスからは利用できません",
            "open the page through the office's reverse proxy",
        ));
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(host) = text(header::HOST) else {
        return Some(
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "the request has no Host header",
                Some("Host"),
                "リクエストを読み取れませんでした",
            )
            .hint("send an HTTP/1.1 request with a Host header")
            .into_response(),
        );
    };
    if !access.host_allowed(host) {
        return Some(forbidden(
            "the Host header names another host",
            "Host",
            "このアドレスからは利用できません",
            "open the page by the server's address, or add its name with --allowed-host",
        ));
    }
    if let Some(origin) = text(header::ORIGIN) {
        if !access.origin_allowed(origin, host, from_proxy) {
            return Some(cross_site());
        }
    }
    let site = text(header::HeaderName::from_static("sec-fetch-site"));
    if path.starts_with("/api/") && matches!(site, Some("cross-site" | "same-site")) {
        return Some(cross_site());
    }
    None
}

fn cross_site() -> Response {
    forbidden(
        "the request comes from another site's page",
        "Origin",
        "ほかのサイトからの操作は受け付けません",
        "use the server's own page, or call the API from a script without a browser",
    )
}

fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> Access {
        Access {
            allowed_hosts: vec!["shikaku.city.example.lg.jp".into()],
            ..Access::default()
        }
    }

    #[test]
    fn hosts_are_ip_literals_localhost_or_allowed_names() {
        let access = access();
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:8080",
            "192.0.2.7",
            "SHIKAKU.city.example.lg.jp:8443",
        ] {
            assert!(access.host_allowed(host), "{host}");
        }
        for host in [
            "attacker.example:8080",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
        ] {
            assert!(!access.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn the_origin_must_be_this_server_as_the_browser_reached_it() {
        let access = access();
        assert!(access.origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", false));
        assert!(access.origin_allowed("http://localhost", "localhost:80", false));
        assert!(!access.origin_allowed("http://localhost:8081", "localhost:8080", false));
        assert!(!access.origin_allowed("http://attacker.example", "127.0.0.1:8080", false));
        assert!(!access.origin_allowed("null", "127.0.0.1:8080", false));
        // Plain HTTP pages may not post to a TLS server, nor https pages to a plain one, except
        // through the proxy that ends TLS.
        assert!(!access.origin_allowed("https://127.0.0.1:8080", "127.0.0.1:8080", false));
        assert!(access.origin_allowed("https://127.0.0.1:8080", "127.0.0.1:8080", true));
        let tls = Access {
            tls: true,
            ..access
        };
        assert!(tls.origin_allowed(
            "https://shikaku.city.example.lg.jp",
            "shikaku.city.example.lg.jp:443",
            false
        ));
        assert!(!tls.origin_allowed("http://127.0.0.1:8443", "127.0.0.1:8443", false));
    }

    #[test]
    fn ipv4_mapped_loopback_is_loopback() {
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(!is_loopback("::ffff:192.0.2.1".parse().unwrap()));
        assert!(!is_loopback("0.0.0.0".parse().unwrap()));
    }
}
