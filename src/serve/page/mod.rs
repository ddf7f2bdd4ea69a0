//! The web page, compiled into the binary: HTML, CSS and JavaScript with no outside
//! resources (no CDN, no web fonts), so it works on a counter PC without internet.
//!
//! The page builds its form from `GET /api/schema`, posts the form as a record to
//! `/api/explain` and `/api/render` (debounced), shows the PNG preview (falling back to the
//! PDF while PNG answers 501), the decision with its reasons, and each field's Japanese
//! message beside the field.

use axum::http::header;
use axum::response::IntoResponse;

/// The page's HTML.
pub const INDEX_HTML: &str = include_str!("index.html");
/// The page's stylesheet.
pub const PAGE_CSS: &str = include_str!("page.css");
/// The page's script.
pub const PAGE_JS: &str = include_str!("page.js");
/// The login page's HTML.
pub const LOGIN_HTML: &str = include_str!("login.html");
/// The login page's script.
pub const LOGIN_JS: &str = include_str!("login.js");

/// Only this server's own scripts and styles; previews come as `blob:` URLs.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' blob:; frame-src 'self' blob:; \
     object-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /`.
pub(super) async fn index() -> impl IntoResponse {
    html(INDEX_HTML)
}

/// `GET /login`.
pub(super) async fn login() -> impl IntoResponse {
    html(LOGIN_HTML)
}

fn html(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        ],
        text,
    )
}

/// `GET /assets/page.css`.
pub(super) async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        PAGE_CSS,
    )
}

/// `GET /assets/page.js`.
pub(super) async fn js() -> impl IntoResponse {
    script(PAGE_JS)
}

/// `GET /assets/login.js`.
pub(super) async fn login_js() -> impl IntoResponse {
    script(LOGIN_JS)
}

fn script(text: &'static str) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        text,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        for (name, text) in [
            ("index.html", INDEX_HTML),
            ("page.css", PAGE_CSS),
            ("page.js", PAGE_JS),
            ("login.html", LOGIN_HTML),
            ("login.js", LOGIN_JS),
        ] {
            for outside in ["http://", "https://", "//cdn", "@import", "url(http"] {
                assert!(!text.contains(outside), "{name} refers to {outside}");
            }
        }
    }
}
