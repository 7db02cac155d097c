//! The member register: list and search, detail, registration, editing, status changes and
//! giving a member their own sign-in.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::fmt_id;
use guyub_core::identity::{Email, check_password};
use guyub_core::member::{MemberInput, MemberKind, MemberStatus, parse_date, validate_member};
use guyub_core::nik::Nik;
use guyub_core::phone::Phone;
use guyub_core::region::RegionCode;
use guyub_core::{FieldError, Lang, Msg};
use guyub_store::coop::Koperasi;
use guyub_store::member::{Member, MemberQuery};
use serde::Deserialize;

use super::region::{RegionFields, RegionSelect};
use super::{Form, Page, opt, render, render_status};
use crate::auth::{self, Access, Caller, Need, coop_access, member_access};
use crate::error::{WebError, WebResult, field_messages};
use crate::state::AppState;

const PAGE_SIZE: u32 = 25;

/// A member as shown to one viewer: the NIK masked unless they may see it whole.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: String,
    pub member_no: String,
    pub kind: String,
    pub nik: Option<String>,
    pub name: String,
    pub gender: Option<String>,
    pub birth_place: Option<String>,
    pub birth_date: Option<String>,
    pub address: String,
    pub region_code: String,
    pub region_name: String,
    pub phone: Option<String>,
    pub occupation: String,
    pub joined_on: String,
    pub status: String,
    pub status_on: Option<String>,
    pub status_reason: Option<String>,
    pub has_login: bool,
}

impl MemberView {
    pub fn of(m: &Member, access: &Access) -> MemberView {
        let full = access.sees_full_nik(Some(m.id));
        MemberView {
            id: m.id.to_string(),
            member_no: m.member_no.clone(),
            kind: match m.kind {
                MemberKind::Person => "person".into(),
                MemberKind::Coop => "coop".into(),
            },
            nik: m.nik.as_ref().map(|n| {
                if full {
                    n.clone()
                } else {
                    Nik::parse(n)
                        .map(|x| x.masked())
                        .unwrap_or_else(|_| "****".into())
                }
            }),
            name: m.name.clone(),
            gender: m.gender.map(|g| g.as_str().to_string()),
            birth_place: m.birth_place.clone(),
            birth_date: m.birth_date.map(|d| d.to_string()),
            address: m.address.clone(),
            region_code: m.region_code.clone(),
            region_name: RegionCode::parse(&m.region_code)
                .map(|r| r.full_name())
                .unwrap_or_default(),
            phone: m.phone.as_ref().map(|p| {
                Phone::parse(p)
                    .map(|x| x.to_string())
                    .unwrap_or_else(|_| p.clone())
            }),
            occupation: m.occupation.clone(),
            joined_on: m.joined_on.to_string(),
            status: m.status.as_str().to_string(),
            status_on: m.status_on.map(|d| d.to_string()),
            status_reason: m.status_reason.clone(),
            has_login: m.user_id.is_some(),
        }
    }
}

/// Display helpers for templates.
pub struct Row {
    pub v: MemberView,
    pub status_label: &'static str,
    pub joined: String,
}

fn row(m: &Member, access: &Access, lang: Lang) -> Row {
    Row {
        v: MemberView::of(m, access),
        status_label: m.status.label(lang),
        joined: fmt_id::tanggal(m.joined_on, lang),
    }
}

#[derive(Template)]
#[template(path = "members/list.html")]
struct ListPage {
    p: Page,
    kid: String,
    q: String,
    status: String,
    rows: Vec<Row>,
    page: u32,
    has_more: bool,
    can_write: bool,
    is_secondary: bool,
    prev_href: String,
    next_href: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    page: Option<u32>,
    ok: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(lq): Query<ListQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadMembers).await?;
    let page = lq.page.unwrap_or(1).max(1);
    let status = MemberStatus::parse(&lq.status);
    let q = lq.q.chars().take(100).collect::<String>();
    let res = state
        .store
        .tenant(coop.id)
        .search_members(&MemberQuery {
            q: q.clone(),
            status,
            kind: None,
            limit: PAGE_SIZE,
            offset: (page - 1).saturating_mul(PAGE_SIZE),
        })
        .await?;
    let href = |pg: u32| {
        format!(
            "/k/{kid}/anggota?q={}&status={}&page={pg}",
            super::url_encode(&q),
            status.map(|s| s.as_str()).unwrap_or("")
        )
    };
    let (prev_href, next_href) = (href(page.saturating_sub(1).max(1)), href(page + 1));
    let p = Page::new(&caller, "members-title")
        .in_coop(&coop, &access, "members")
        .at(&format!("/k/{kid}/anggota"))
        .flash(lq.ok.as_deref());
    let rows = res
        .members
        .iter()
        .map(|m| row(m, &access, caller.lang))
        .collect();
    Ok(render(&ListPage {
        p,
        kid: kid.clone(),
        q,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        rows,
        page,
        has_more: res.has_more,
        can_write: access.allows(Need::WriteMembers),
        is_secondary: coop.tier() == guyub_core::coop::CoopTier::Secondary,
        prev_href,
        next_href,
    }))
}

#[derive(Template)]
#[template(path = "members/detail.html")]
struct DetailPage {
    p: Page,
    kid: String,
    r: Row,
    gender_label: String,
    birth: String,
    status_on: String,
    can_write: bool,
    statuses: Vec<(&'static str, &'static str)>,
    today: String,
    /// The member's requests still waiting: (link, code, total, valid until). The member
    /// gets the payer's link; the coop's staff the request's page.
    bills: Vec<(String, String, String, String)>,
    /// Patronage (jasa anggota) of this fiscal year: the year, its total, its rows (date,
    /// order number, amount), and the totals of the previous years.
    pat_year: String,
    pat_total: String,
    pat_rows: Vec<(String, String, String)>,
    pat_prev: Vec<(i32, String)>,
}

#[derive(Deserialize)]
pub struct OkQuery {
    pub ok: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access, member_id) = member_access(&state, &caller, &kid, &mid).await?;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(member_id).await?;
    let open = guyub_store::payment::request::RequestFilter {
        state: Some(guyub_core::payment::request::RequestState::Open),
        member: Some(member_id),
        limit: 20,
        ..Default::default()
    };
    let (waiting, _) = tenant.payment_requests(&open).await?;
    let staff = access.allows(Need::ReadPayments);
    let lang = caller.lang;
    let bills = waiting
        .iter()
        .map(|r| {
            let link = if staff {
                format!("/k/{kid}/tagihan/{}", r.id)
            } else {
                format!("/bayar/{}", r.public_token)
            };
            let total = guyub_core::money::Rupiah(r.total).to_string();
            (
                link,
                r.ref_code.clone(),
                total,
                fmt_id::waktu(r.expires_at, coop.timezone(), lang),
            )
        })
        .collect();
    // Patronage: what the member did with the coop this fiscal year (issue #5 part 10).
    let fy = tenant.fiscal_year_of(today_in(&coop)).await?;
    let pat_lines = tenant.patronage_lines(member_id, fy).await?;
    let pat_prev = tenant
        .patronage_years(member_id)
        .await?
        .into_iter()
        .filter(|(y, _)| *y != fy)
        .map(|(y, total)| (y, guyub_core::money::Rupiah(total).to_string()))
        .collect();
    let pat_total = guyub_core::money::Rupiah(pat_lines.iter().map(|l| l.2).sum()).to_string();
    let pat_rows = pat_lines
        .iter()
        .map(|(d, no, amount)| {
            (
                fmt_id::tanggal(*d, lang),
                no.clone().unwrap_or_default(),
                guyub_core::money::Rupiah(*amount).to_string(),
            )
        })
        .collect();
    let p = Page::new(&caller, "member-title")
        .titled(m.name.clone())
        .in_coop(&coop, &access, "members")
        .at(&format!("/k/{kid}/anggota/{mid}"))
        .flash(oq.ok.as_deref());
    Ok(render(&DetailPage {
        p,
        kid,
        gender_label: m
            .gender
            .map(|g| g.label(lang).to_string())
            .unwrap_or_default(),
        birth: match (&m.birth_place, m.birth_date) {
            (Some(pl), Some(d)) => format!("{pl}, {}", fmt_id::tanggal(d, lang)),
            _ => String::new(),
        },
        status_on: m
            .status_on
            .map(|d| fmt_id::tanggal(d, lang))
            .unwrap_or_default(),
        r: row(&m, &access, lang),
        can_write: access.allows(Need::WriteMembers),
        statuses: MemberStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(lang)))
            .collect(),
        today: today_in(&coop).to_string(),
        bills,
        pat_year: crate::i18n::t_args(lang, "pat-year", &[("year", fy.to_string())]),
        pat_total,
        pat_rows,
        pat_prev,
    }))
}

/// Today's date in the coop's time zone.
pub fn today_in(coop: &Koperasi) -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(coop.timezone().offset())
        .date()
}

#[derive(Template)]
#[template(path = "members/form.html")]
struct FormPage {
    p: Page,
    action: String,
    f: MemberFields,
    region: RegionSelect,
    region_error: Option<String>,
    errors: BTreeMap<String, String>,
    general: Option<String>,
    #[allow(dead_code)]
    is_new: bool,
}

/// The member form as posted (and as re-shown with its errors).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub nik: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub birth_place: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
    #[serde(flatten)]
    pub region: RegionFields,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    pub joined_on: String,
    #[serde(default, rename = "_refresh")]
    pub refresh: String,
}

impl MemberFields {
    fn input(&self) -> MemberInput {
        MemberInput {
            nik: self.nik.clone(),
            name: self.name.clone(),
            birth_place: self.birth_place.clone(),
            birth_date: self.birth_date.clone(),
            address: self.address.clone(),
            region_code: self.region.consistent().desa,
            phone: self.phone.clone(),
            occupation: self.occupation.clone(),
            joined_on: self.joined_on.clone(),
        }
    }

    fn of(m: &Member) -> MemberFields {
        MemberFields {
            nik: m.nik.clone().unwrap_or_default(),
            name: m.name.clone(),
            birth_place: m.birth_place.clone().unwrap_or_default(),
            birth_date: m.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            address: m.address.clone(),
            region: RegionFields::from_code(&m.region_code),
            phone: m
                .phone
                .as_deref()
                .and_then(|p| Phone::parse(p).ok())
                .map(|p| p.to_string())
                .unwrap_or_default(),
            occupation: m.occupation.clone(),
            joined_on: m.joined_on.to_string(),
            ..Default::default()
        }
    }
}

fn form_page(
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    action: String,
    f: MemberFields,
    errors: &[FieldError],
    general: Option<&Msg>,
    #[allow(dead_code)] is_new: bool,
) -> FormPage {
    let lang = caller.lang;
    let errors = field_messages(errors, lang);
    let region_error = errors.get("region_code").cloned();
    let title = if is_new {
        "member-new-title"
    } else {
        "member-edit-title"
    };
    FormPage {
        p: Page::new(caller, title)
            .in_coop(coop, access, "members")
            .at(&action),
        action,
        region: f.region.select(),
        f,
        region_error,
        errors,
        general: general.map(|m| m.get(lang).to_string()),
        is_new,
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    // Most members live where their coop is: start the address lists there.
    let mut region = RegionFields::from_code(&coop.data.region_code);
    region.desa.clear();
    let f = MemberFields {
        region,
        joined_on: today_in(&coop).to_string(),
        ..Default::default()
    };
    Ok(render(&form_page(
        &caller,
        &coop,
        &access,
        format!("/k/{kid}/anggota/baru"),
        f,
        &[],
        None,
        true,
    )))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<MemberFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let action = format!("/k/{kid}/anggota/baru");
    if !f.refresh.is_empty() {
        return Ok(render(&form_page(
            &caller,
            &coop,
            &access,
            action,
            f,
            &[],
            None,
            true,
        )));
    }
    let valid = match validate_member(&f.input(), today_in(&coop)) {
        Ok(v) => v,
        Err(errors) => {
            let page = form_page(&caller, &coop, &access, action, f, &errors, None, true);
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match state
        .store
        .tenant(coop.id)
        .create_member(&caller.actor(), &valid)
        .await
    {
        Ok(m) => Ok(
            Redirect::to(&format!("/k/{kid}/anggota/{}?ok=member-created", m.id)).into_response(),
        ),
        Err(guyub_store::StoreError::Conflict(msg)) => {
            let errors = vec![FieldError::new("nik", msg)];
            let page = form_page(&caller, &coop, &access, action, f, &errors, None, true);
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = guyub_core::ids::MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let m = state.store.tenant(coop.id).member(id).await?;
    if m.kind != MemberKind::Person {
        return Err(WebError::NotFound);
    }
    let action = format!("/k/{kid}/anggota/{mid}/ubah");
    Ok(render(&form_page(
        &caller,
        &coop,
        &access,
        action,
        MemberFields::of(&m),
        &[],
        None,
        false,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(f): Form<MemberFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let id = guyub_core::ids::MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let action = format!("/k/{kid}/anggota/{mid}/ubah");
    if !f.refresh.is_empty() {
        return Ok(render(&form_page(
            &caller,
            &coop,
            &access,
            action,
            f,
            &[],
            None,
            false,
        )));
    }
    let valid = match validate_member(&f.input(), today_in(&coop)) {
        Ok(v) => v,
        Err(errors) => {
            let page = form_page(&caller, &coop, &access, action, f, &errors, None, false);
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match state
        .store
        .tenant(coop.id)
        .update_member(&caller.actor(), id, &valid)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/k/{kid}/anggota/{mid}?ok=member-updated")).into_response())
        }
        Err(guyub_store::StoreError::Conflict(msg)) => {
            let errors = vec![FieldError::new("nik", msg)];
            let page = form_page(&caller, &coop, &access, action, f, &errors, None, false);
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    status: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    reason: String,
}

/// Parses a status change: a stop needs a date (not in the future) and, for berhenti, a reason.
pub fn parse_status(
    status: &str,
    on: &str,
    reason: &str,
    today: time::Date,
) -> Result<(MemberStatus, Option<time::Date>, Option<String>), Vec<FieldError>> {
    let mut errors = vec![];
    let status = MemberStatus::parse(status);
    if status.is_none() {
        errors.push(FieldError::new(
            "status",
            Msg::new("Pilih status anggota.", "Choose a member status."),
        ));
    }
    let date = if on.trim().is_empty() {
        Some(today)
    } else {
        parse_date(on)
    };
    match date {
        None => errors.push(FieldError::new(
            "on",
            Msg::new(
                "Tanggal tidak dapat dibaca (contoh: 2026-11-27).",
                "The date cannot be read (example: 2026-11-27).",
            ),
        )),
        Some(d) if d > today => errors.push(FieldError::new(
            "on",
            Msg::new(
                "Tanggal tidak boleh di masa depan.",
                "The date cannot be in the future.",
            ),
        )),
        _ => {}
    }
    let reason = match guyub_core::member::clean_text(reason, "reason", 500) {
        Ok(r) => opt(&r),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if status == Some(MemberStatus::Berhenti) && reason.is_none() {
        errors.push(FieldError::new(
            "reason",
            Msg::new("Tuliskan alasan berhenti.", "Give the reason for leaving."),
        ));
    }
    match (status, errors.is_empty()) {
        (Some(s), true) => Ok((s, date, reason)),
        _ => Err(errors),
    }
}

pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let id = guyub_core::ids::MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let (status, on, reason) = parse_status(&f.status, &f.on, &f.reason, today_in(&coop))
        .map_err(|e| WebError::BadRequest(e[0].msg.clone()))?;
    state
        .store
        .tenant(coop.id)
        .set_member_status(&caller.actor(), id, status, on, reason)
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/anggota/{mid}?ok=status-updated")).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    email: String,
    password: String,
}

/// Gives a member their own sign-in (role anggota, sees only their own data). An e-mail that
/// already has an account (a person in several coops) gets the role added instead.
pub async fn give_login(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let id = guyub_core::ids::MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let email = Email::parse(&f.email).map_err(|e| WebError::BadRequest(e.msg()))?;
    let m = state.store.tenant(coop.id).member(id).await?;
    if m.user_id.is_some() {
        return Err(WebError::Conflict(Msg::new(
            "Anggota ini sudah punya akun masuk.",
            "This member already has a sign-in.",
        )));
    }
    let existing = state.store.user_by_email(email.as_str()).await?;
    let hash = match existing {
        Some(_) => None,
        None => {
            check_password(&f.password).map_err(|e| WebError::BadRequest(e.msg))?;
            Some(auth::hash_password(&f.password)?)
        }
    };
    state
        .store
        .give_member_login(
            &caller.actor(),
            coop.id,
            id,
            email.as_str(),
            &m.name,
            hash.as_deref(),
        )
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/anggota/{mid}?ok=login-given")).into_response())
}
