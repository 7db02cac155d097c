//! Communal brands (merek bersama): a coop's board keeps a brand page, and sellers of any coop
//! list products under it (several pesantren selling one product line). The public page is
//! `/pasar/merek/{slug}` (in `market.rs`); this module is the board's list and form, under
//! `/k/{kid}/pasar/merek` (`Need::ManageMarket`). A form with errors is shown again with 422
//! and nothing written.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::FieldError;
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::market::catalog::Brand;
use serde::Deserialize;

use super::{Form, Page, render, render_status};
use crate::auth::{Access, Caller, Need};
use crate::error::{WebResult, field_messages};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct BrandFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BrandQuery {
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "market_admin/brands.html")]
struct BrandsTpl {
    p: Page,
    kid: String,
    brands: Vec<Brand>,
    f: BrandFields,
    errors: BTreeMap<String, String>,
    saved: bool,
}

async fn page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: BrandFields,
    errors: &[FieldError],
    saved: bool,
) -> WebResult<BrandsTpl> {
    let kid = coop.id.to_string();
    let p = Page::new(caller, "mbrand-title")
        .at(&format!("/k/{kid}/pasar/merek"))
        .in_coop(coop, access, "market");
    Ok(BrandsTpl {
        brands: state.store.tenant(coop.id).own_brands().await?,
        errors: field_messages(errors, caller.lang).into_iter().collect(),
        p,
        kid,
        f,
        saved,
    })
}

/// `GET /k/{kid}/pasar/merek`: the coop's brands and the form for a new one.
pub async fn brands(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<BrandQuery>,
) -> WebResult<Response> {
    let (coop, access) =
        crate::auth::coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let saved = q.ok.as_deref() == Some("brand");
    let tpl = page(
        &state,
        &caller,
        &coop,
        &access,
        BrandFields::default(),
        &[],
        saved,
    )
    .await?;
    Ok(render(&tpl))
}

/// `POST /k/{kid}/pasar/merek`: makes a brand kept by this coop.
pub async fn create_brand(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<BrandFields>,
) -> WebResult<Response> {
    let (coop, access) =
        crate::auth::coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(&f.csrf)?;
    match state
        .store
        .tenant(coop.id)
        .create_brand(&caller.actor(), &f.name, &f.description)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/k/{kid}/pasar/merek?ok=brand")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let tpl = page(&state, &caller, &coop, &access, f, &errors, false).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &tpl))
        }
        Err(e) => Err(e.into()),
    }
}
