//! The audit log page: every change in this coop, newest first, filtered by person, entity
//! and dates.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use guyub_core::fmt_id;
use guyub_core::ids::UserId;
use guyub_core::member::parse_date;
use guyub_store::audit::{AuditFilter, Change};
use serde::Deserialize;

use super::{Page, render, url_encode};
use crate::auth::{Caller, Need, coop_access};
use crate::error::WebResult;
use crate::state::AppState;

const PAGE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    pub page: Option<u32>,
}

impl AuditQuery {
    /// The store filter; dates are whole days in the coop's time zone.
    pub fn filter(&self, tz: time::UtcOffset, limit: u32) -> AuditFilter {
        let page = self.page.unwrap_or(1).max(1);
        let day_start = |d: time::Date| d.midnight().assume_offset(tz);
        AuditFilter {
            user_id: UserId::parse(&self.user),
            entity: (!self.entity.trim().is_empty()).then(|| self.entity.trim().to_string()),
            entity_id: (!self.entity_id.trim().is_empty())
                .then(|| self.entity_id.trim().to_string()),
            from: parse_date(&self.from).map(day_start),
            until: parse_date(&self.until)
                .and_then(|d| d.next_day())
                .map(day_start),
            limit,
            offset: (page - 1).saturating_mul(limit),
        }
    }
}

pub struct EntryLine {
    pub at: String,
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: Page,
    kid: String,
    q: AuditQuery,
    entries: Vec<EntryLine>,
    people: Vec<(String, String)>,
    page: u32,
    has_more: bool,
    next_href: String,
    prev_href: String,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadAudit).await?;
    let tz = coop.timezone();
    let mut entries = state
        .store
        .tenant(coop.id)
        .audit_log(&q.filter(tz.offset(), PAGE))
        .await?;
    let has_more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    let people = state
        .store
        .grants_in_koperasi(coop.id)
        .await?
        .into_iter()
        .map(|(g, email, name)| (g.user_id.to_string(), format!("{name} <{email}>")))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let page = q.page.unwrap_or(1).max(1);
    let href = |pg: u32| {
        format!(
            "/k/{kid}/audit?user={}&entity={}&entity_id={}&from={}&until={}&page={pg}",
            url_encode(&q.user),
            url_encode(&q.entity),
            url_encode(&q.entity_id),
            url_encode(&q.from),
            url_encode(&q.until)
        )
    };
    Ok(render(&AuditPage {
        p: Page::new(&caller, "audit-title")
            .in_coop(&coop, &access, "audit")
            .at(&format!("/k/{kid}/audit")),
        next_href: href(page + 1),
        prev_href: href(page.saturating_sub(1).max(1)),
        kid: kid.clone(),
        entries: entries
            .into_iter()
            .map(|e| EntryLine {
                at: fmt_id::waktu(e.at, tz, caller.lang),
                actor: e.actor,
                entity: e.entity,
                entity_id: e.entity_id,
                action: e.action,
                changes: e.changes,
            })
            .collect(),
        people,
        q,
        page,
        has_more,
    }))
}
