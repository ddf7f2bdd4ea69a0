//! The preview server behind `shikaku serve`: one web page and a JSON API over the pipeline.
//!
//! Counter staff re-issue a lost 資格確認書 or print an お知らせ while the member waits (最上地区広域連合 Q&A
//! Q16, Q20, Q24): they type or look up the member, see the document as it will print with the
//! rules' reasons beside it, and print it. The page ([`page`]) is compiled into the binary and
//! loads nothing from elsewhere, so it works offline.
//!
//! Why it is built this way:
//! - **Renders are CPU-bound** (text fitting, font subsetting, compression). At most
//!   [`ServeOptions::max_renders`] run at a time behind a first-come, first-served semaphore:
//!   fifty waiting requests queue instead of fighting over two cores, and memory stays flat under
//!   load. A PDF (well under a millisecond) runs on the async worker that holds the request; a
//!   PNG preview, and whatever writes the ledger, on tokio's blocking pool.
//! - **A [`Form`] draws a layout's static layers once**, so forms are cached per (layout,
//!   issuer); those a profile will need are made at start-up, so that a layout the profile
//!   breaks stops the server before the first request, as a bad flag would.
//! - **Requests carry personal data.** Nothing here logs; the command logs method, route
//!   template, status and latency only. Responses say `Cache-Control: no-store`.
//! - **Only this machine, unless told otherwise.** The command binds 127.0.0.1 by default.
//!   [`access`] refuses requests whose `Host` is not this server (DNS rebinding) and those
//!   another site's page sends (CSRF); POSTs must be `application/json`, which a cross-site
//!   form cannot send.
//! - **Limits, for security reasons:** request bodies up to [`MAX_BODY_BYTES`] (a record is
//!   under 2 KiB), refused with 413 before they are read whole; the timeouts and connection
//!   cap of [`Limits`], enforced by our own accept loop ([`listen`]) beneath the router.

pub mod access;
mod api;
mod audit;
mod error;
pub mod listen;
pub mod login;
pub mod page;
mod preview;
mod records;
mod stream;
pub mod tls;
pub mod users;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;

pub use access::{Access, TrustedProxy};
pub use error::ApiError;
pub use listen::{Limits, Peer};
pub use login::LoginOptions;
pub use records::{form_values, Lookup, RecordIndex};

use crate::eligibility::{self, Document};
use crate::fill::{FillError, Form};
use crate::issuer::{Issuer, IssuerError};
use crate::layout::{Catalog, Layout, LayoutError, LayoutKind};

/// The largest request body accepted, in bytes: 64 KiB. A record is under 2 KiB; the limit
/// keeps a client from making the server buffer large bodies.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the server serves.
pub struct ServeOptions {
    /// Issuer profiles; a posted record is printed for the one with its `insurer_number`.
    pub issuers: Vec<Arc<Issuer>>,
    /// Records staff can look up by `number` or `record_id` (default: none).
    pub records: RecordIndex,
    /// The eligibility options (renewal cycle, check mode) for every request.
    pub eligibility: eligibility::Options,
    /// The largest request body accepted (default [`MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
    /// Renders running at once (default: the number of cores); more wait their turn.
    pub max_renders: usize,
    /// Timeouts and the connection cap (the body timeout is applied by the handlers).
    pub limits: Limits,
    /// Host names, TLS and a trusted proxy, for the `Host` and `Origin` checks.
    pub access: Access,
    /// The users file and sessions (default: no login; every request may do everything,
    /// which only a server on 127.0.0.1 may allow).
    pub login: Option<LoginOptions>,
    /// The audit and issuance ledger (default: none).
    pub ledger: Option<crate::ledger::Ledger>,
    /// Where layouts come from (default: the bundled ones).
    pub layouts: Catalog,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            issuers: Vec::new(),
            records: RecordIndex::default(),
            eligibility: eligibility::Options::default(),
            max_body_bytes: MAX_BODY_BYTES,
            max_renders: std::thread::available_parallelism().map_or(2, |n| n.get()),
            limits: Limits::default(),
            access: Access::default(),
            login: None,
            ledger: None,
            layouts: Catalog::bundled(),
        }
    }
}

/// Occurs when the server cannot start.
#[derive(Debug)]
pub enum ServeError {
    /// Occurs when no issuer profile was given.
    NoIssuer,
    /// Occurs when a layout does not load.
    Layout(LayoutError),
    /// Occurs when the users file cannot be read or has no users.
    Users(users::UsersError),
    /// Occurs when a layout a profile names does not load or prints something else.
    Issuer(IssuerError),
    /// Occurs when a layout cannot be drawn for an issuer (its static text does not fit, say).
    Form {
        /// The issuer's insurer number.
        insurer_number: String,
        /// What went wrong.
        error: FillError,
    },
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            ServeError::NoIssuer => {
                f.write_str("failed to start the server (no issuer profile)\n  hint: pass --issuer FILE or a folder of *.toml profiles")
            }
            ServeError::Layout(e) => e.fmt(f),
            ServeError::Users(e) => e.fmt(f),
            ServeError::Issuer(e) => e.fmt(f),
            ServeError::Form { insurer_number, error } => {
                write!(f, "failed to prepare the layout for issuer {insurer_number} ({error})")?;
                match error.hint() {
                    Some(hint) => write!(f, "\n  hint: {hint}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for ServeError {}

/// The server's state: profiles, records, layouts and the cache of prepared forms.
pub struct Server {
    issuers: Vec<Arc<Issuer>>,
    records: RecordIndex,
    eligibility: eligibility::Options,
    max_body_bytes: usize,
    /// The bundled layouts and those the profiles choose, by name.
    layouts: BTreeMap<String, Arc<Layout>>,
    /// The layout each issuer prints each document with: (insurer number, document) → name.
    chosen: BTreeMap<(String, Document), String>,
    /// Forms by (layout name, insurer number).
    forms: Mutex<BTreeMap<(String, String), Arc<Form>>>,
    renders: tokio::sync::Semaphore,
    limits: Limits,
    access: Access,
    login: Option<Arc<login::Login>>,
    ledger: Option<Mutex<crate::ledger::Ledger>>,
}

impl Server {
    /// Loads the layouts (bundled, from a `--layouts` folder, and those the profiles choose), and
    /// prepares the forms each issuer prints its documents with.
    pub fn new(options: ServeOptions) -> Result<Server, ServeError> {
        if options.issuers.is_empty() {
            return Err(ServeError::NoIssuer);
        }
        let mut layouts = BTreeMap::new();
        for name in options.layouts.names() {
            let layout = options.layouts.load(&name).map_err(ServeError::Layout)?;
            layouts.insert(name, Arc::new(layout));
        }
        let mut chosen = BTreeMap::new();
        for issuer in &options.issuers {
            for document in [Document::Kakuninsho, Document::Oshirase] {
                let kind = LayoutKind::of(document);
                let layout = issuer
                    .load_layout(kind, &options.layouts)
                    .map_err(ServeError::Issuer)?;
                let name = layout.name().to_owned();
                layouts
                    .entry(name.clone())
                    .or_insert_with(|| Arc::new(layout));
                chosen.insert((issuer.insurer_number.clone(), document), name);
            }
        }
        let server = Server {
            issuers: options.issuers,
            records: options.records,
            eligibility: options.eligibility,
            max_body_bytes: options.max_body_bytes,
            layouts,
            chosen,
            forms: Mutex::new(BTreeMap::new()),
            renders: tokio::sync::Semaphore::new(options.max_renders.max(1)),
            limits: options.limits,
            access: options.access,
            login: match options.login {
                Some(login) => Some(Arc::new(
                    login::Login::new(login).map_err(ServeError::Users)?,
                )),
                None => None,
            },
            ledger: options.ledger.map(Mutex::new),
        };
        for ((insurer_number, _), name) in &server.chosen {
            let issuer = server.issuer(insurer_number).expect("chosen for a profile");
            server
                .form(name, issuer)
                .map_err(|error| ServeError::Form {
                    insurer_number: insurer_number.clone(),
                    error,
                })?;
        }
        Ok(server)
    }

    /// The layout an issuer prints a document with: its profile's choice, else the bundled
    /// `{scheme}-{document}`, as a batch run chooses it.
    fn layout_for(&self, issuer: &Issuer, document: Document) -> String {
        self.chosen
            .get(&(issuer.insurer_number.clone(), document))
            .cloned()
            .unwrap_or_else(|| issuer.layout_source(LayoutKind::of(document)))
    }

    /// The records loaded for look-up.
    pub fn records(&self) -> &RecordIndex {
        &self.records
    }

    /// The router: the page, its assets and the API (see the README's "Preview server").
    pub fn router(self: Arc<Self>) -> Router {
        api::router(self)
    }

    /// The timeouts and connection cap.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The issuer profile with this insurer number.
    fn issuer(&self, insurer_number: &str) -> Option<&Arc<Issuer>> {
        self.issuers
            .iter()
            .find(|i| i.insurer_number == insurer_number)
    }

    /// The form of a loaded layout for an issuer, made on first use.
    fn form(&self, layout: &str, issuer: &Arc<Issuer>) -> Result<Arc<Form>, FillError> {
        let key = (layout.to_owned(), issuer.insurer_number.clone());
        if let Some(form) = self
            .forms
            .lock()
            .expect("no panic while holding the lock")
            .get(&key)
        {
            return Ok(form.clone());
        }
        // Drawn outside the lock: two requests may both draw it, and the first one stored wins.
        let layout = self
            .layouts
            .get(layout)
            .expect("callers pass names of loaded layouts")
            .clone();
        let form = Arc::new(Form::new(layout, issuer.clone())?);
        let mut forms = self.forms.lock().expect("no panic while holding the lock");
        Ok(forms.entry(key).or_insert(form).clone())
    }
}
