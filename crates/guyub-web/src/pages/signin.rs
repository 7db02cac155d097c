//! Sign-in, sign-out and the language switch.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::identity::Email;
use guyub_core::{Lang, Msg};
use serde::Deserialize;

use super::{Form, Page, render, render_status, safe_next};
use crate::auth::{self, Caller, SESSION_COOKIE, client_ip};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    p: Page,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let lang = crate::i18n::lang_of(&headers, None);
    render(&SignInPage {
        p: Page::anonymous(lang, "signin-title").at("/masuk"),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> Result<HeaderValue, WebError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| WebError::Internal(e.to_string()))
}

/// A PHC string for a password nobody has, verified when the e-mail is unknown so that the
/// answer takes as long as for a real account (no account enumeration by timing).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$OxJ7Pe3rBbV1P1LxpYw5m2NqJQmGc9Lq0Zb3QvBv0yE";

pub async fn submit(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> WebResult<Response> {
    let lang = crate::i18n::lang_of(req.headers(), None);
    let ip = client_ip(req.extensions(), req.headers(), state.cfg.trust_proxy);
    let old_secret = crate::i18n::cookie(req.headers(), SESSION_COOKIE);
    let Form(f) =
        <Form<SignInForm> as axum::extract::FromRequest<AppState>>::from_request(req, &state)
            .await?;
    let next = safe_next(Some(&f.next));
    let email = Email::parse(&f.email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| f.email.trim().to_lowercase());
    let again = |error: Msg, status: StatusCode| {
        render_status(
            status,
            &SignInPage {
                p: Page::anonymous(lang, "signin-title").at("/masuk"),
                email: email.clone(),
                next: next.clone(),
                error: Some(error.get(lang).to_string()),
            },
        )
    };
    let ip_key = format!("ip:{ip}");
    let acct_key = format!("acct:{email}");
    if let Some(wait) = state
        .limiter
        .blocked(&ip_key)
        .or_else(|| state.limiter.blocked(&acct_key))
    {
        let minutes = wait.as_secs().div_ceil(60);
        return Ok(again(
            Msg::new(
                format!(
                    "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit."
                ),
                format!("Too many failed sign-in attempts. Try again in {minutes} minutes."),
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let user = state.store.user_by_email(&email).await?;
    let ok = match &user {
        Some(u) => auth::verify_password(&f.password, &u.password_hash) && !u.disabled,
        None => {
            auth::verify_password(&f.password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.fail(&ip_key);
        state.limiter.fail(&acct_key);
        return Ok(again(
            Msg::new("E-mail atau kata sandi salah.", "Wrong e-mail or password."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    state.limiter.succeed(&acct_key);
    // A new session id at every sign-in (no session fixation): the old one is removed.
    if let Some(old) = old_secret {
        state.store.delete_session(&old).await?;
    }
    let grants = state.store.grants_of(user.id).await?;
    let coop_grants: Vec<_> = grants.iter().filter(|g| g.koperasi_id.is_some()).collect();
    let active = (coop_grants.len() == 1).then(|| coop_grants[0].id);
    let secret = auth::random_secret()?;
    let csrf = auth::random_secret()?;
    let expires = time::OffsetDateTime::now_utc().unix_timestamp() + state.cfg.session_seconds;
    state
        .store
        .create_session(&secret, user.id, active, &csrf, expires)
        .await?;
    tracing::info!(user.id = %user.id, "signed in");
    let target = if user.must_change_password {
        "/akun/sandi".to_string()
    } else {
        next
    };
    let mut res = Redirect::to(&target).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&secret, state.cfg.session_seconds, state.cfg.secure_cookies)?,
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    if let Some(secret) = caller.session_secret() {
        state.store.delete_session(secret).await?;
    }
    let mut res = Redirect::to("/masuk").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, state.cfg.secure_cookies)?,
    );
    Ok(res)
}

/// Switches the interface language (a cookie for a year) and goes back.
pub async fn set_language(
    Path(tag): Path<String>,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    let lang = Lang::from_tag(&tag).unwrap_or_default();
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    let cookie = HeaderValue::from_str(&format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    ))
    .map_err(|e| WebError::Internal(e.to_string()))?;
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}
