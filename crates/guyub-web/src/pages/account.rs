//! The signed-in person's own account: roles, password change, personal API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::identity::check_password;
use guyub_core::ids::TokenId;
use guyub_core::member::clean_text;
use guyub_core::{Msg, fmt_id};
use guyub_store::identity::Grant;
use serde::Deserialize;

use super::members::OkQuery;
use super::{Form, Page, render, render_status};
use crate::auth::{self, Caller};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct TokenLine {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    p: Page,
    email: String,
    grants: Vec<Grant>,
    tokens: Vec<TokenLine>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    caller: &Caller,
    new_token: Option<String>,
    error: Option<String>,
    ok: Option<&str>,
) -> WebResult<AccountPage> {
    let tz = guyub_core::coop::CoopTimeZone::Wib;
    let tokens = state
        .store
        .list_tokens(caller.user_id())
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id.to_string(),
            name: t.name,
            prefix: t.prefix,
            created: fmt_id::waktu(t.created_at, tz, caller.lang),
            last_used: t
                .last_used_at
                .map(|x| fmt_id::waktu(x, tz, caller.lang))
                .unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(AccountPage {
        p: Page::new(caller, "account-title").at("/akun").flash(ok),
        email: caller.user.email.clone(),
        grants: caller.grants.clone(),
        tokens,
        new_token,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    Ok(render(
        &account_page(&state, &caller, None, None, q.ok.as_deref()).await?,
    ))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    p: Page,
    forced: bool,
    error: Option<String>,
}

pub async fn password_form(caller: Caller) -> Response {
    render(&PasswordPage {
        forced: caller.user.must_change_password,
        p: Page::new(&caller, "password-title").at("/akun/sandi"),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<PasswordForm>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    let problem = if !auth::verify_password(&f.current, &caller.user.password_hash) {
        Some(Msg::new(
            "Kata sandi sekarang salah.",
            "The current password is wrong.",
        ))
    } else if f.new != f.repeat {
        Some(Msg::new(
            "Kedua isian kata sandi baru tidak sama.",
            "The two new passwords differ.",
        ))
    } else if f.new == f.current {
        Some(Msg::new(
            "Kata sandi baru harus berbeda dari yang lama.",
            "The new password must differ from the old one.",
        ))
    } else {
        check_password(&f.new).err().map(|e| e.msg)
    };
    if let Some(m) = problem {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                forced: caller.user.must_change_password,
                error: Some(m.get(caller.lang).to_string()),
                p: Page::new(&caller, "password-title").at("/akun/sandi"),
            },
        ));
    }
    let hash = auth::hash_password(&f.new)?;
    state
        .store
        .set_password(
            &caller.actor(),
            caller.user_id(),
            &hash,
            false,
            caller.session_secret(),
        )
        .await?;
    Ok(Redirect::to("/akun?ok=password-changed").into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    name: String,
}

/// Creates a personal API token and shows it once (only its hash is kept).
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<TokenForm>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    let name = match clean_text(&f.name, "name", 100) {
        Ok(n) if !n.is_empty() => n,
        _ => {
            let msg = Msg::new(
                "Beri nama token (untuk apa token ini dipakai).",
                "Give the token a name (what it is for).",
            );
            let page = account_page(
                &state,
                &caller,
                None,
                Some(msg.get(caller.lang).to_string()),
                None,
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let secret = format!("guyub_{}", auth::random_secret()?);
    state
        .store
        .create_token(&caller.actor(), caller.user_id(), &name, &secret)
        .await?;
    Ok(render(
        &account_page(&state, &caller, Some(secret), None, None).await?,
    ))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    let id = TokenId::parse(&id).ok_or(WebError::NotFound)?;
    state
        .store
        .revoke_token(&caller.actor(), caller.user_id(), id)
        .await?;
    Ok(Redirect::to("/akun?ok=token-revoked").into_response())
}
