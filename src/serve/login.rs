//! Login: sessions in cookies, roles on every request, and repeated failures slowed.
//!
//! Why this way:
//! - **Sessions live in memory**, keyed by 32 bytes from the operating system's random source
//!   (`getrandom`): a restart logs everyone out, which a counter survives, and nothing about a
//!   session is ever on disk. The cookie is `HttpOnly` (scripts cannot read it),
//!   `SameSite=Strict` (no other site's page can send it) and `Secure` under TLS. A session ends
//!   after [`LoginOptions::idle`] without a request, and after 12 hours in any case.
//! - **Guessing is slowed per user and per address:** after [`FREE_FAILURES`] failures in a
//!   row, each further attempt must wait twice as long as the last (up to 5 minutes), and
//!   until then is answered 429 without the password being checked, so the argon2 cost cannot
//!   be turned into a denial of service either. Failures are logged with the user name (or
//!   "an unknown user", as staff sometimes type their password into the name field) and the
//!   address; never the password.
//! - **The users file is read again when it changes**, so `shikaku user remove` takes effect
//!   without a restart, for sessions already open too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::access::TrustedProxy;
use super::api::json_response;
use super::error::ApiError;
use super::listen::Peer;
use super::users::{Role, Users, UsersError};

/// The session cookie's name.
pub const COOKIE: &str = "shikaku_session";
/// Failures in a row for one user name that cost nothing; each one after doubles the wait.
pub const FREE_FAILURES: u32 = 3;
/// The same from one address, higher as staff at one counter PC share it.
pub const FREE_ADDRESS_FAILURES: u32 = 10;
/// The longest wait between attempts after failures.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// A session ends this long after login, however busy.
const MAX_SESSION: Duration = Duration::from_secs(12 * 3600);
/// Failures are forgotten after this long without another.
const FORGET_AFTER: Duration = Duration::from_secs(900);
/// Sessions and failure records kept at most (the oldest go first).
const MAX_ENTRIES: usize = 10_000;

/// Who is making a request, as the handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The user name, or `-` when the server runs without login.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// How staff log in.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// The users file (`--users`).
    pub users_file: PathBuf,
    /// A session ends after this long without a request (default 30 minutes).
    pub idle: Duration,
    /// Whether cookies are marked `Secure` (the server or its proxy speaks TLS).
    pub secure_cookie: bool,
    /// The reverse proxy that names the user, if any.
    pub proxy: Option<TrustedProxy>,
}

/// The users, the open sessions and the failure counts.
pub struct Login {
    options: LoginOptions,
    users: RwLock<(Users, Option<SystemTime>)>,
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
    /// Password checks running at once: each takes some tens of ms of one core.
    checks: tokio::sync::Semaphore,
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
    started: Instant,
    last_seen: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// How many cost nothing.
    free: u32,
}

impl Failures {
    /// Until when further attempts wait.
    fn wait_until(&self) -> Option<Instant> {
        let over = self.count.checked_sub(self.free)?;
        let wait = Duration::from_secs(1u64 << over.min(16)).min(MAX_WAIT);
        Some(self.last + wait)
    }
}

impl Login {
    /// Reads the users file; fails when it cannot be read or has no users.
    pub fn new(options: LoginOptions) -> Result<Login, UsersError> {
        let users = Users::load(&options.users_file)?;
        if users.is_empty() {
            return Err(UsersError::new(
                format!(
                    "the users file {} has no users",
                    options.users_file.display()
                ),
                Some("add one with `shikaku user add NAME --users FILE --role issue`"),
            ));
        }
        let modified = modified(&options);
        Ok(Login {
            options,
            users: RwLock::new((users, modified)),
            sessions: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            checks: tokio::sync::Semaphore::new(2),
        })
    }

    /// The users, read again if the file changed (a file that became unreadable keeps the
    /// last good users, with a warning).
    fn users(&self) -> Users {
        let now = modified(&self.options);
        {
            let current = self.users.read().expect("no panic while holding the lock");
            if current.1 == now {
                return current.0.clone();
            }
        }
        let mut current = self.users.write().expect("no panic while holding the lock");
        match Users::load(&self.options.users_file) {
            Ok(users) => {
                eprintln!("users file changed: {} users", users.len());
                *current = (users, now);
            }
            Err(e) => {
                eprintln!("warning: {e}");
                current.1 = now;
            }
        }
        current.0.clone()
    }

    fn role_of(&self, user: &str) -> Option<Role> {
        let now = modified(&self.options);
        let current = self.users.read().expect("no panic while holding the lock");
        if current.1 == now {
            return current.0.role(user);
        }
        drop(current);
        self.users().role(user)
    }

    /// The staff member a request comes from: by the proxy's header, else by session cookie.
    fn staff(&self, headers: &HeaderMap, peer: Option<&Peer>) -> Result<Staff, ApiError> {
        if let (Some(proxy), Some(peer)) = (&self.options.proxy, peer) {
            if peer.addr.ip().to_canonical() == proxy.addr.to_canonical() {
                return self.proxy_staff(headers, proxy);
            }
        }
        let id = session_cookie(headers).ok_or_else(no_session)?;
        let now = Instant::now();
        let mut sessions = self
            .sessions
            .lock()
            .expect("no panic while holding the lock");
        let session = sessions.get_mut(id).ok_or_else(no_session)?;
        let expired = now.duration_since(session.last_seen) > self.options.idle
            || now.duration_since(session.started) > MAX_SESSION;
        let role = if expired {
            None
        } else {
            self.role_of(&session.user)
        };
        let Some(role) = role else {
            sessions.remove(id);
            return Err(no_session());
        };
        session.last_seen = now;
        Ok(Staff {
            name: session.user.clone(),
            role,
        })
    }

    fn proxy_staff(&self, headers: &HeaderMap, proxy: &TrustedProxy) -> Result<Staff, ApiError> {
        let name = headers
            .get(&proxy.user_header)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                no_session().hint(format!(
                    "the reverse proxy sent no {} header",
                    proxy.user_header
                ))
            })?;
        let role = self.role_of(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "the user the proxy names is not in the users file",
                None,
                "このユーザーには権限がありません",
            )
            .hint("add the user with `shikaku user add NAME --users FILE --role view|issue`")
        })?;
        Ok(Staff {
            name: name.to_owned(),
            role,
        })
    }

    /// Checks a password, slowing repeated failures; a new session's id on success.
    async fn attempt(
        &self,
        user: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<(String, Role), ApiError> {
        let keys = [
            (format!("user {user}"), FREE_FAILURES),
            (
                format!("addr {}", from.to_canonical()),
                FREE_ADDRESS_FAILURES,
            ),
        ];
        let now = Instant::now();
        if let Some(until) = self.waiting_until(&keys, now) {
            let seconds = until.duration_since(now).as_secs() + 1;
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many failed logins; try again in {seconds} s"),
                None,
                format!("ログインの失敗が続いたため、{seconds}秒後にやり直してください"),
            ));
        }
        let users = self.users();
        let known = users.role(user).is_some();
        let role = {
            let _permit = self
                .checks
                .acquire()
                .await
                .map_err(|e| ApiError::internal(format!("login queue closed ({e})")))?;
            let (user, password) = (user.to_owned(), password.to_owned());
            tokio::task::spawn_blocking(move || users.verify(&user, &password))
                .await
                .map_err(|e| ApiError::internal(format!("password check failed ({e})")))?
        };
        let Some(role) = role else {
            let count = self.fail(&keys, now);
            let who = if known {
                format!("user {user}")
            } else {
                "an unknown user".to_owned()
            };
            eprintln!(
                "login failed for {who} from {} ({count} in a row)",
                from.to_canonical()
            );
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong user name or password",
                Some("password"),
                "ユーザー名またはパスワードが違います",
            ));
        };
        let mut failures = self
            .failures
            .lock()
            .expect("no panic while holding the lock");
        for (key, _) in &keys {
            failures.remove(key);
        }
        drop(failures);
        let id = new_session_id()?;
        let mut sessions = self
            .sessions
            .lock()
            .expect("no panic while holding the lock");
        prune(&mut sessions, |s| s.last_seen);
        sessions.insert(
            id.clone(),
            Session {
                user: user.to_owned(),
                started: now,
                last_seen: now,
            },
        );
        eprintln!("login: {user} ({})", role.as_str());
        Ok((id, role))
    }

    fn waiting_until(&self, keys: &[(String, u32)], now: Instant) -> Option<Instant> {
        let failures = self
            .failures
            .lock()
            .expect("no panic while holding the lock");
        keys.iter()
            .filter_map(|(k, _)| failures.get(k))
            .filter_map(Failures::wait_until)
            .filter(|until| *until > now)
            .max()
    }

    /// Counts a failure against each key; the highest count.
    fn fail(&self, keys: &[(String, u32)], now: Instant) -> u32 {
        let mut failures = self
            .failures
            .lock()
            .expect("no panic while holding the lock");
        failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        prune(&mut failures, |f| f.last);
        keys.iter()
            .map(|(key, free)| {
                let entry = failures.entry(key.clone()).or_insert(Failures {
                    count: 0,
                    last: now,
                    free: *free,
                });
                entry.count += 1;
                entry.last = now;
                entry.count
            })
            .max()
            .unwrap_or(0)
    }

    fn logout(&self, headers: &HeaderMap) {
        if let Some(id) = session_cookie(headers) {
            let mut sessions = self
                .sessions
                .lock()
                .expect("no panic while holding the lock");
            if let Some(session) = sessions.remove(id) {
                eprintln!("logout: {}", session.user);
            }
        }
    }

    fn cookie(&self, id: &str, max_age: Option<u32>) -> HeaderValue {
        let mut cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict");
        if self.options.secure_cookie {
            cookie.push_str("; Secure");
        }
        if let Some(age) = max_age {
            cookie.push_str(&format!("; Max-Age={age}"));
        }
        HeaderValue::from_str(&cookie).expect("session ids are hex")
    }
}

fn modified(options: &LoginOptions) -> Option<SystemTime> {
    std::fs::metadata(&options.users_file)
        .and_then(|m| m.modified())
        .ok()
}

/// Drops the oldest entries of a map that has grown to [`MAX_ENTRIES`].
fn prune<V>(map: &mut HashMap<String, V>, age: impl Fn(&V) -> Instant) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    let mut by_age: Vec<(Instant, String)> = map.iter().map(|(k, v)| (age(v), k.clone())).collect();
    by_age.sort();
    for (_, key) in by_age.into_iter().take(MAX_ENTRIES / 10) {
        map.remove(&key);
    }
}

/// 32 bytes from the operating system's random source, as hex.
fn new_session_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(format!("failed to get random bytes ({e})")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn no_session() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "not logged in (no session, or it has ended)",
        None,
        "ログインしてください",
    )
    .hint("log in with POST /api/login, or on the page at /login")
}

/// The body of `POST /api/login`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    user: String,
    password: String,
}

/// Whether a request needs no session: the login page, its assets, login and logout.
fn public(path: &str) -> bool {
    matches!(path, "/login" | "/api/login" | "/api/logout") || path.starts_with("/assets/")
}

/// The middleware: puts the [`Staff`] of the request in its extensions, or answers 401 (the
/// page itself sends the browser to the login page instead).
pub(super) async fn authenticate(
    State(login): State<Option<Arc<Login>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(login) = login else {
        request.extensions_mut().insert(Staff {
            name: "-".into(),
            role: Role::Issue,
        });
        return next.run(request).await;
    };
    let path = request.uri().path();
    let root = path == "/";
    if public(path) {
        return next.run(request).await;
    }
    match login.staff(request.headers(), request.extensions().get::<Peer>()) {
        Ok(staff) => {
            request.extensions_mut().insert(staff.clone());
            let mut response = next.run(request).await;
            // For the request log, which sits outside this middleware.
            response.extensions_mut().insert(staff);
            response
        }
        Err(_) if root => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, "/login")
            .body(Body::empty())
            .expect("a valid redirect"),
        Err(error) => error.into_response(),
    }
}

/// `POST /api/login`: `{"user", "password"}` → `{"user", "role"}` and the session cookie.
pub(super) async fn login(
    State(login): State<Option<Arc<Login>>>,
    request: Request,
) -> Result<Response, ApiError> {
    let Some(login) = login else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "this server runs without login",
            None,
            "このサーバーはログインなしで使えます",
        )
        .hint("start the server with --users FILE to require a login"));
    };
    let from = request
        .extensions()
        .get::<Peer>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |p| p.addr.ip());
    let body = axum::body::to_bytes(request.into_body(), 4 * 1024)
        .await
        .map_err(|_| bad_login("the login body is larger than 4 KiB"))?;
    let credentials: Credentials = serde_json::from_slice(&body)
        .map_err(|e| bad_login(&format!("failed to read the login ({e})")))?;
    let (id, role) = login
        .attempt(&credentials.user, &credentials.password, from)
        .await?;
    let body =
        json!({ "user": credentials.user, "role": role.as_str(), "role_label": role.label() });
    Ok((
        [(header::SET_COOKIE, login.cookie(&id, None))],
        json_response(StatusCode::OK, &body),
    )
        .into_response())
}

fn bad_login(error: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        error,
        None,
        "ユーザー名とパスワードを入力してください",
    )
    .hint(r#"send {"user": "NAME", "password": "…"} as JSON"#)
}

/// `POST /api/logout`: ends the session and clears the cookie.
pub(super) async fn logout(
    State(login): State<Option<Arc<Login>>>,
    headers: HeaderMap,
) -> Response {
    let mut response = json_response(StatusCode::OK, &json!({ "logged_out": true }));
    if let Some(login) = login {
        login.logout(&headers);
        response
            .headers_mut()
            .insert(header::SET_COOKIE, login.cookie("", Some(0)));
    }
    response
}

/// `GET /api/session`: who is logged in, and whether the server has login at all.
pub(super) async fn session(State(login): State<Option<Arc<Login>>>, request: Request) -> Response {
    let staff = request.extensions().get::<Staff>().cloned();
    let staff = staff.unwrap_or(Staff {
        name: "-".into(),
        role: Role::Issue,
    });
    json_response(
        StatusCode::OK,
        &json!({
            "login": login.is_some(), "user": staff.name, "role": staff.role.as_str(), "role_label": staff.role.label(),
        }),
    )
}

/// Refuses a request whose staff member's role is below `needed` (403).
pub(super) fn require(staff: &Staff, needed: Role, what: &str) -> Result<(), ApiError> {
    if staff.role >= needed {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        format!("the {} role may not {what}", staff.role.as_str()),
        None,
        format!("この操作には{}の権限が必要です", needed.label()),
    )
    .hint("ask an administrator for the issue role (`shikaku user passwd NAME --role issue`)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_wait_twice_as_long_each_time_after_the_free_ones() {
        let now = Instant::now();
        let wait = |count| {
            Failures {
                count,
                last: now,
                free: FREE_FAILURES,
            }
            .wait_until()
            .map(|t| t.duration_since(now).as_secs())
        };
        assert_eq!(wait(FREE_FAILURES - 1), None);
        assert_eq!(wait(FREE_FAILURES), Some(1));
        assert_eq!(wait(FREE_FAILURES + 1), Some(2));
        assert_eq!(wait(FREE_FAILURES + 3), Some(8));
        assert_eq!(wait(100), Some(300));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; shikaku_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("shikaku_sessionx=abc"),
        );
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn session_ids_are_64_hex_digits_and_differ() {
        let a = new_session_id().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_session_id().unwrap());
    }

    #[test]
    fn roles_are_ordered() {
        let view = Staff {
            name: "a".into(),
            role: Role::View,
        };
        assert!(require(&view, Role::View, "look up").is_ok());
        let refused = require(&view, Role::Issue, "download documents").unwrap_err();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}
