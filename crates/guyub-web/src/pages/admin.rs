//! Platform administration: coops, users and their roles.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::coop::Bylaws;
use guyub_core::identity::{Email, Role, check_password};
use guyub_core::ids::{GrantId, KoperasiId, UserId};
use guyub_core::member::clean_name;
use guyub_core::region::RegionCode;
use guyub_core::{FieldError, Msg};
use guyub_store::coop::KoperasiSummary;
use guyub_store::identity::{NewGrant, UserSummary};
use serde::Deserialize;

use super::coop::{CoopFields, coop_form_page};
use super::region::RegionFields;
use super::{Form, Page, render, render_status};
use crate::auth::{self, Caller};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

fn require_admin(caller: &Caller) -> WebResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct AdminPage {
    p: Page,
    q: String,
    coops: Vec<KoperasiSummary>,
    total: i64,
    page: u32,
    has_more: bool,
    prev_href: String,
    next_href: String,
}

const COOPS_PAGE: u32 = 50;

pub async fn index(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UsersQuery>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    let page = q.page.unwrap_or(1).max(1);
    let (coops, has_more) = state
        .store
        .search_koperasi(&q.q, None, COOPS_PAGE, (page - 1) * COOPS_PAGE)
        .await?;
    let (total, _) = state.store.region_totals(None).await?;
    let href = |pg: u32| format!("/admin?q={}&page={pg}", super::url_encode(&q.q));
    Ok(render(&AdminPage {
        p: Page::new(&caller, "admin-title")
            .at("/admin")
            .flash(q.ok.as_deref()),
        prev_href: href(page.saturating_sub(1).max(1)),
        next_href: href(page + 1),
        q: q.q.clone(),
        coops,
        total,
        page,
        has_more,
    }))
}

pub async fn new_coop_form(caller: Caller) -> WebResult<Response> {
    require_admin(&caller)?;
    let f = CoopFields {
        pattern: "konvensional".into(),
        tier: "primer".into(),
        timezone: "wib".into(),
        region: RegionFields {
            prov: "35".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = Page::new(&caller, "admin-new-coop").at("/admin/koperasi/baru");
    Ok(render(&coop_form_page(
        p,
        "/admin/koperasi/baru".into(),
        f,
        &[],
        None,
    )))
}

pub async fn create_coop(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<CoopFields>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let page = |f: CoopFields, e: &[FieldError]| {
        coop_form_page(
            Page::new(&caller, "admin-new-coop").at("/admin/koperasi/baru"),
            "/admin/koperasi/baru".into(),
            f,
            e,
            None,
        )
    };
    if !f.refresh.is_empty() {
        return Ok(render(&page(f, &[])));
    }
    let data = match f.validate() {
        Ok(d) => d,
        Err(e) => {
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(f, &e),
            ));
        }
    };
    let year = time::OffsetDateTime::now_utc().year();
    match state
        .store
        .create_koperasi(&caller.actor(), &data, &Bylaws::default(), year)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/k/{id}/profil?ok=coop-updated")).into_response()),
        Err(guyub_store::StoreError::Conflict(m)) => Ok(render_status(
            StatusCode::CONFLICT,
            &page(f, &[FieldError::new("code", m)]),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    p: Page,
    q: String,
    users: Vec<UserSummary>,
    roles: Vec<(&'static str, &'static str)>,
    page: u32,
    has_more: bool,
    prev_href: String,
    next_href: String,
}

#[derive(Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    page: Option<u32>,
    ok: Option<String>,
}

const USERS_PAGE: u32 = 20;

pub async fn users(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UsersQuery>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    let page = q.page.unwrap_or(1).max(1);
    let (users, has_more) = state
        .store
        .search_users(&q.q, USERS_PAGE, (page - 1) * USERS_PAGE)
        .await?;
    let lang = caller.lang;
    let href = |pg: u32| format!("/admin/pengguna?q={}&page={pg}", super::url_encode(&q.q));
    Ok(render(&UsersPage {
        p: Page::new(&caller, "admin-users")
            .at("/admin/pengguna")
            .flash(q.ok.as_deref()),
        prev_href: href(page.saturating_sub(1).max(1)),
        next_href: href(page + 1),
        q: q.q.clone(),
        users,
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::Anggota)
            .map(|r| (r.as_str(), r.label(lang)))
            .collect(),
        page,
        has_more,
    }))
}

#[derive(Template)]
#[template(path = "admin/new_user.html")]
struct NewUserPage {
    p: Page,
    email: String,
    name: String,
    error: Option<String>,
}

pub async fn new_user_form(caller: Caller) -> WebResult<Response> {
    require_admin(&caller)?;
    Ok(render(&NewUserPage {
        p: Page::new(&caller, "admin-new-user").at("/admin/pengguna/baru"),
        email: String::new(),
        name: String::new(),
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    email: String,
    name: String,
    password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<NewUserForm>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let checked = Email::parse(&f.email)
        .map_err(|e| e.msg())
        .and_then(|e| {
            clean_name(&f.name, "name")
                .map(|n| (e, n))
                .map_err(|e| e.msg)
        })
        .and_then(|x| check_password(&f.password).map(|_| x).map_err(|e| e.msg));
    let result = match checked {
        Ok((email, name)) => {
            let hash = auth::hash_password(&f.password)?;
            state
                .store
                .create_user(&caller.actor(), email.as_str(), &name, &hash, true)
                .await
                .map_err(|e| match e {
                    guyub_store::StoreError::Conflict(m) => Ok(m),
                    other => Err(other),
                })
        }
        Err(m) => Err(Ok(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/pengguna?ok=user-created").into_response()),
        Err(Ok(m)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewUserPage {
                error: Some(m.get(caller.lang).to_string()),
                p: Page::new(&caller, "admin-new-user").at("/admin/pengguna/baru"),
                email: f.email,
                name: f.name,
            },
        )),
        Err(Err(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    role: String,
    #[serde(default)]
    koperasi: String,
    #[serde(default)]
    region: String,
}

/// Parses a grant: coop roles need a coop, dinas needs a province or regency/city.
pub fn parse_grant(role: &str, koperasi: &str, region: &str) -> Result<NewGrant, Msg> {
    let role = Role::parse(role).ok_or_else(|| Msg::new("Pilih peran.", "Choose a role."))?;
    match role {
        Role::Admin | Role::Curator => Ok(NewGrant {
            role,
            koperasi_id: None,
            region_code: None,
            member_id: None,
        }),
        Role::Dinas => {
            let r = RegionCode::parse(region).map_err(|e| e.msg())?;
            if r.district().is_some() {
                return Err(Msg::new(
                    "Wilayah dinas adalah provinsi atau kabupaten/kota.",
                    "A dinas region is a province or a regency/city.",
                ));
            }
            Ok(NewGrant {
                role,
                koperasi_id: None,
                region_code: Some(r.as_str().to_string()),
                member_id: None,
            })
        }
        Role::Anggota => Err(Msg::new(
            "Peran anggota diberikan dari halaman anggota.",
            "The member role is given from the member's page.",
        )),
        _ => {
            let k = KoperasiId::parse(koperasi).ok_or_else(|| {
                Msg::new(
                    "Pilih koperasi untuk peran ini.",
                    "Choose the coop for this role.",
                )
            })?;
            Ok(NewGrant {
                role,
                koperasi_id: Some(k),
                region_code: None,
                member_id: None,
            })
        }
    }
}

pub async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(uid): Path<String>,
    Form(f): Form<GrantForm>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let user = UserId::parse(&uid).ok_or(WebError::NotFound)?;
    state.store.user(user).await?;
    // The coop is typed as its code (a select of 30,000 coops helps nobody) or given by id.
    let typed = f.koperasi.trim();
    let koperasi = if typed.is_empty() || KoperasiId::parse(typed).is_some() {
        typed.to_string()
    } else {
        match state.store.koperasi_by_code(&typed.to_uppercase()).await {
            Ok(k) => k.id.to_string(),
            Err(guyub_store::StoreError::NotFound) => {
                return Err(WebError::BadRequest(Msg::new(
                    format!("Tidak ada koperasi dengan kode {typed}."),
                    format!("There is no coop with code {typed}."),
                )));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let g = parse_grant(&f.role, &koperasi, &f.region).map_err(WebError::BadRequest)?;
    if let Some(k) = g.koperasi_id {
        state.store.koperasi(k).await?;
    }
    state.store.grant_role(&caller.actor(), user, &g).await?;
    Ok(Redirect::to("/admin/pengguna?ok=role-granted").into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(gid): Path<String>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let id = GrantId::parse(&gid).ok_or(WebError::NotFound)?;
    state.store.revoke_grant(&caller.actor(), id).await?;
    Ok(Redirect::to("/admin/pengguna?ok=role-revoked").into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    password: String,
}

/// An admin sets a temporary password; the user must change it at the next sign-in, and
/// every session they had is ended.
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(uid): Path<String>,
    Form(f): Form<ResetForm>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let user = UserId::parse(&uid).ok_or(WebError::NotFound)?;
    check_password(&f.password).map_err(|e| WebError::BadRequest(e.msg))?;
    let hash = auth::hash_password(&f.password)?;
    state
        .store
        .set_password(&caller.actor(), user, &hash, true, None)
        .await?;
    Ok(Redirect::to("/admin/pengguna?ok=password-changed").into_response())
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    caller: Caller,
    Path(uid): Path<String>,
    Form(f): Form<DisableForm>,
) -> WebResult<Response> {
    require_admin(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let user = UserId::parse(&uid).ok_or(WebError::NotFound)?;
    if user == caller.user_id() {
        return Err(WebError::BadRequest(Msg::new(
            "Anda tidak dapat menonaktifkan akun sendiri.",
            "You cannot disable your own account.",
        )));
    }
    state
        .store
        .set_user_disabled(&caller.actor(), user, f.disabled == "1")
        .await?;
    Ok(Redirect::to("/admin/pengguna?ok=user-created").into_response())
}
