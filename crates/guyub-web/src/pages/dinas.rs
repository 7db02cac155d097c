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
    pub coop_count: i64,
    pub active_members: i64,
    pub has_more: bool,
}

#[derive(Template)]
#[template(path = "dinas.html")]
struct DinasPage {
    p: Page,
    q: String,
    page: u32,
    regions: Vec<RegionBlock>,
    prev_href: String,
    next_href: String,
}

#[derive(serde::Deserialize)]
pub struct DinasQuery {
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

const PAGE: u32 = 50;

pub async fn index(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<DinasQuery>,
) -> WebResult<Response> {
    let regions = caller.dinas_regions();
    if regions.is_empty() && !caller.is_admin() {
        return Err(WebError::forbidden());
    }
    let page = q.page.unwrap_or(1).max(1);
    let mut blocks = vec![];
    for r in regions {
        let (coops, has_more) = state
            .store
            .search_koperasi(&q.q, Some(&r), PAGE, (page - 1) * PAGE)
            .await?;
        let (coop_count, active_members) = state.store.region_totals(Some(&r)).await?;
        blocks.push(RegionBlock {
            code: r.as_str().to_string(),
            name: r.full_name(),
            coops,
            coop_count,
            active_members,
            has_more,
        });
    }
    let href = |pg: u32| format!("/dinas?q={}&page={pg}", super::url_encode(&q.q));
    Ok(render(&DinasPage {
        p: Page::new(&caller, "dinas-title").at("/dinas"),
        prev_href: href(page.saturating_sub(1).max(1)),
        next_href: href(page + 1),
        q: q.q.clone(),
        page,
        regions: blocks,
    }))
}
