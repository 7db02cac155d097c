//! The HTML pages: server-rendered, plain forms, Post/Redirect/Get, no JavaScript needed.
//!
//! Each handler follows one shape: check the caller's right (auth::coop_access) → parse the
//! input (core validation) → one store call → a page or a redirect.

pub mod account;
pub mod admin;
pub mod audit;
pub mod books;
pub mod cashier;
pub mod coop;
pub mod dinas;
pub mod export;
pub mod home;
pub mod import;
pub mod market;
pub mod market_admin;
pub mod market_brand;
pub mod market_dash;
pub mod market_operator;
pub mod market_order;
pub mod market_pos;
pub mod market_tomiko;
pub mod members;
pub mod payment;
pub mod payment_request;
pub mod region;
pub mod savings;
pub mod signin;
pub mod statement;

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use guyub_core::identity::Role;
use guyub_core::{Lang, Msg};
use guyub_store::coop::Koperasi;
use serde::de::DeserializeOwned;

use crate::auth::{Access, Caller, Need};
use crate::error::WebError;
use crate::i18n;

/// The coop navigation bar: which links this caller may follow.
#[derive(Debug, Clone)]
pub struct CoopNav {
    pub id: String,
    pub name: String,
    pub members: bool,
    pub import: bool,
    pub audit: bool,
    pub cashier: bool,
    pub payments: bool,
    pub books: bool,
    pub write_books: bool,
}

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub csrf: String,
    pub is_admin: bool,
    pub is_dinas: bool,
    pub has_switcher: bool,
    pub nav: Option<CoopNav>,
    pub section: &'static str,
    pub path: String,
    pub flash: Option<String>,
}

impl Page {
    /// A page for a signed-in caller.
    pub fn new(caller: &Caller, title_key: &str) -> Page {
        Page {
            lang: caller.lang,
            title: i18n::t(caller.lang, title_key),
            user_name: Some(caller.user.name.clone()),
            csrf: caller.csrf().to_string(),
            is_admin: caller.is_admin(),
            is_dinas: !caller.dinas_regions().is_empty(),
            has_switcher: caller.coop_grants().len() > 1 || caller.is_admin(),
            nav: None,
            section: "",
            path: String::from("/"),
            flash: None,
        }
    }

    /// A page for someone not signed in.
    pub fn anonymous(lang: Lang, title_key: &str) -> Page {
        Page {
            lang,
            title: i18n::t(lang, title_key),
            user_name: None,
            csrf: String::new(),
            is_admin: false,
            is_dinas: false,
            has_switcher: false,
            nav: None,
            section: "",
            path: String::from("/"),
            flash: None,
        }
    }

    /// Adds the coop navigation for this caller's access.
    pub fn in_coop(mut self, coop: &Koperasi, access: &Access, section: &'static str) -> Page {
        self.nav = Some(CoopNav {
            id: coop.id.to_string(),
            name: coop.data.name.clone(),
            members: access.allows(Need::ReadMembers),
            import: access.allows(Need::WriteMembers),
            audit: access.allows(Need::ReadAudit),
            cashier: access.allows(Need::Cashier),
            payments: access.allows(Need::ReadPayments),
            books: access.allows(Need::ReadBooks),
            write_books: access.allows(Need::WriteBooks),
        });
        self.section = section;
        self
    }

    pub fn at(mut self, path: &str) -> Page {
        self.path = path.to_string();
        self
    }

    /// Shows a confirmation after a redirect (`?ok=KEY`); only known keys are shown.
    pub fn flash(mut self, ok: Option<&str>) -> Page {
        const KNOWN: &[&str] = &[
            "member-created",
            "member-updated",
            "status-updated",
            "coop-updated",
            "bylaws-updated",
            "import-committed",
            "password-changed",
            "token-revoked",
            "user-created",
            "role-granted",
            "role-revoked",
            "login-given",
            "account-added",
            "account-updated",
            "entry-posted",
            "entry-reversed",
            "year-closed",
            "product-added",
            "cash-closed",
            "member-settled",
            "settlement-paid",
            "qris-saved",
            "qris-saved-fixed",
            "bank-account-added",
            "bank-account-updated",
            "mdr-saved",
            "request-cancelled",
            "statement-imported",
            "line-matched",
            "line-ignored",
            "qris-settled",
            "gateway-saved",
            "gateway-failed",
            "gateway-checked",
        ];
        self.flash = ok
            .filter(|k| KNOWN.contains(k))
            .map(|k| i18n::t(self.lang, &format!("ok-{k}")));
        self
    }

    pub fn titled(mut self, title: String) -> Page {
        self.title = title;
        self
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// The text for `key` with one named argument.
    pub fn t_args(&self, key: &str, name: &str, value: String) -> String {
        i18n::t_args(self.lang, key, &[(name, value)])
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }
    pub fn other_lang_tag(&self) -> &'static str {
        match self.lang {
            Lang::Id => "en",
            Lang::En => "id",
        }
    }
    pub fn other_lang_label(&self) -> &'static str {
        match self.lang {
            Lang::Id => "English",
            Lang::En => "Bahasa Indonesia",
        }
    }
    pub fn other_lang_href(&self) -> String {
        format!(
            "/bahasa/{}?next={}",
            self.other_lang_tag(),
            url_encode(&self.path)
        )
    }

    /// The label of a role in this page's language.
    pub fn role(&self, r: &Role) -> &'static str {
        r.label(self.lang)
    }

    pub fn msg<'a>(&self, m: &'a Msg) -> &'a str {
        m.get(self.lang)
    }
}

/// Renders an askama template into a response (a render failure is an internal error).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Renders with a status (422 for a form with errors, …).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    p: Page,
    message: String,
}

/// The page shown for an error (see `error::render_errors`).
pub fn error_page(lang: Lang, status: StatusCode, msg: &Msg) -> Response {
    let key = match status.as_u16() {
        403 => "error-forbidden-title",
        404 => "error-notfound-title",
        409 => "error-conflict-title",
        413 => "error-toolarge-title",
        429 => "error-toomany-title",
        400 | 422 => "error-bad-title",
        _ => "error-server-title",
    };
    let page = ErrorPage {
        p: Page::anonymous(lang, key),
        message: msg.get(lang).to_string(),
    };
    render_status(status, &page)
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A redirect target that stays on this site (an open redirect would let a phishing link
/// bounce through our sign-in page).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// A urlencoded form whose rejections become our own bilingual errors.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(e) => Err(WebError::BadRequest(Msg::new(
                format!("Isian formulir tidak dapat dibaca: {}", e.body_text()),
                format!("The form could not be read: {}", e.body_text()),
            ))),
        }
    }
}

/// An upload over the limit. `error::render_errors` restates the message with the limit this
/// server was started with.
pub fn too_large() -> WebError {
    WebError::PayloadTooLarge(Msg::new(
        "Berkas terlalu besar. Batasnya 10 MB; pecah berkas menjadi beberapa bagian.",
        "The file is too large. The limit is 10 MB; split the file into parts.",
    ))
}

/// Empty or whitespace-only → None.
pub fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}
