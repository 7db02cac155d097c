//! The dinas (cooperative office) overview: the coops in its province or regency/city, with
//! aggregates only. A dinas user never sees a member's personal data.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use guyub_store::coop::KoperasiSummary;

use super::{Page, render};
use crate::auth::Caller;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct RegionBlock {
    pub code: String,
    pub name: String,
    pub coops: Vec<KoperasiSummary>,
    pub active_members: i64,
}

#[derive(Template)]
#[template(path = "dinas.html")]
struct DinasPage {
    p: Page,
    regions: Vec<RegionBlock>,
}

pub async fn index(State(state): State<AppState>, caller: Caller) -> WebResult<Response> {
    let regions = caller.dinas_regions();
    if regions.is_empty() && !caller.is_admin() {
        return Err(WebError::forbidden());
    }
    let mut blocks = vec![];
    for r in regions {
        let coops = state.store.list_koperasi(Some(&r)).await?;
        blocks.push(RegionBlock {
            code: r.as_str().to_string(),
            name: r.full_name(),
            active_members: coops.iter().map(|k| k.active_members).sum(),
            coops,
        });
    }
    Ok(render(&DinasPage {
        p: Page::new(&caller, "dinas-title").at("/dinas"),
        regions: blocks,
    }))
}
