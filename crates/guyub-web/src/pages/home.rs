//! The start page (where a signed-in person lands) and the coop switcher.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::identity::Role;
use guyub_core::ids::GrantId;
use guyub_store::identity::Grant;
use serde::Deserialize;

use super::{Form, Page, render};
use crate::auth::Caller;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// Where a grant leads: the coop dashboard, or an anggota's own member page.
pub fn grant_home(g: &Grant) -> Option<String> {
    let k = g.koperasi_id?;
    Some(match (g.role, g.member_id) {
        (Role::Anggota, Some(m)) => format!("/k/{k}/anggota/{m}"),
        _ => format!("/k/{k}"),
    })
}

pub async fn home(caller: Option<Caller>) -> Response {
    let Some(caller) = caller else {
        return Redirect::to("/masuk").into_response();
    };
    if caller.user.must_change_password {
        return Redirect::to("/akun/sandi").into_response();
    }
    if let Some(url) = caller.active_grant().and_then(grant_home) {
        return Redirect::to(&url).into_response();
    }
    if caller.is_admin() {
        return Redirect::to("/admin").into_response();
    }
    if !caller.dinas_regions().is_empty() {
        return Redirect::to("/dinas").into_response();
    }
    Redirect::to("/pilih-koperasi").into_response()
}

#[derive(Template)]
#[template(path = "switcher.html")]
struct SwitcherPage {
    p: Page,
    grants: Vec<Grant>,
}

pub async fn switcher(caller: Caller) -> Response {
    let grants = caller.coop_grants().into_iter().cloned().collect();
    render(&SwitcherPage {
        p: Page::new(&caller, "switcher-title").at("/pilih-koperasi"),
        grants,
    })
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    grant: String,
}

pub async fn switch(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<SwitchForm>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    let id = GrantId::parse(&f.grant).ok_or(WebError::NotFound)?;
    let g = caller
        .grants
        .iter()
        .find(|g| g.id == id)
        .ok_or_else(WebError::forbidden)?;
    let secret = caller.session_secret().ok_or_else(WebError::forbidden)?;
    state.store.set_session_grant(secret, Some(id)).await?;
    Ok(Redirect::to(&grant_home(g).unwrap_or_else(|| "/".into())).into_response())
}
