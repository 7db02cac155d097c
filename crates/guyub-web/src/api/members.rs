//! API: members, member imports and the audit log.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use guyub_core::ids::{ImportId, MemberId};
use guyub_core::member::{MemberInput, MemberStatus, validate_member};
use guyub_core::{Lang, Msg};
use guyub_store::member::MemberQuery;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Need, coop_access, member_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::import_file;
use crate::import_service::{self, RowReport};
use crate::pages::members::{MemberView, parse_status, today_in};
use crate::state::AppState;

/// A JSON body whose rejections become our own bilingual errors.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(crate::pages::too_large()),
            Err(e) => Err(WebError::BadRequest(Msg::new(
                format!("Isi permintaan bukan JSON yang sesuai: {}", e.body_text()),
                format!(
                    "The request body is not the expected JSON: {}",
                    e.body_text()
                ),
            ))),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// A name (word prefixes), a member number (prefix) or a whole 16-digit NIK.
    #[serde(default)]
    q: String,
    /// aktif | berhenti | meninggal
    status: Option<String>,
    /// 1–200, default 50.
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

#[derive(Serialize, ToSchema)]
pub struct MemberPageOut {
    pub members: Vec<MemberView>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/members", tag = "members",
    params(("coop_id" = String, Path, description = "Coop id (UUID)"), ListParams),
    responses((status = 200, body = MemberPageOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<ListParams>,
) -> WebResult<Json<MemberPageOut>> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadMembers).await?;
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(MemberStatus::parse(s).ok_or_else(|| {
            WebError::BadRequest(Msg::new(
                "Status harus aktif, berhenti atau meninggal.",
                "Status must be aktif, berhenti or meninggal.",
            ))
        })?),
    };
    let page = state
        .store
        .tenant(coop.id)
        .search_members(&MemberQuery {
            q: p.q,
            status,
            kind: None,
            limit: p.limit.unwrap_or(50),
            offset: p.offset,
        })
        .await?;
    Ok(Json(MemberPageOut {
        members: page
            .members
            .iter()
            .map(|m| MemberView::of(m, &access))
            .collect(),
        has_more: page.has_more,
    }))
}

/// A person member to register or update (same rules as the member form).
#[derive(Deserialize, ToSchema)]
pub struct MemberIn {
    pub nik: String,
    pub name: String,
    /// Required; a missing one is reported as a field error like every other rule.
    #[serde(default)]
    #[schema(required = true)]
    pub birth_place: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    pub address: String,
    /// Village code (Kemendagri), e.g. 35.73.05.1001
    pub region_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub occupation: String,
    /// YYYY-MM-DD; empty = today
    #[serde(default)]
    pub joined_on: String,
}

impl MemberIn {
    fn input(&self) -> MemberInput {
        MemberInput {
            nik: self.nik.clone(),
            name: self.name.clone(),
            birth_place: self.birth_place.clone(),
            birth_date: self.birth_date.clone(),
            address: self.address.clone(),
            region_code: self.region_code.clone(),
            phone: self.phone.clone(),
            occupation: self.occupation.clone(),
            joined_on: self.joined_on.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/members", tag = "members", request_body = MemberIn,
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 201, body = MemberView), (status = 409, body = ApiErrorBody, description = "NIK already registered"), (status = 422, body = ApiErrorBody)))]
pub async fn create_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: JsonBody<MemberIn>,
) -> WebResult<(StatusCode, Json<MemberView>)> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let valid = validate_member(&body.0.input(), today_in(&coop)).map_err(WebError::Invalid)?;
    let m = state
        .store
        .tenant(coop.id)
        .create_member(&caller.actor(), &valid)
        .await?;
    Ok((StatusCode::CREATED, Json(MemberView::of(&m, &access))))
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/members/{member_id}", tag = "members",
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id")),
    responses((status = 200, body = MemberView), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
) -> WebResult<Json<MemberView>> {
    let (coop, access, id) = member_access(&state, &caller, &kid, &mid).await?;
    let m = state.store.tenant(coop.id).member(id).await?;
    Ok(Json(MemberView::of(&m, &access)))
}

#[utoipa::path(put, path = "/api/v1/coops/{coop_id}/members/{member_id}", tag = "members", request_body = MemberIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id")),
    responses((status = 200, body = MemberView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    body: JsonBody<MemberIn>,
) -> WebResult<Json<MemberView>> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let valid = validate_member(&body.0.input(), today_in(&coop)).map_err(WebError::Invalid)?;
    let m = state
        .store
        .tenant(coop.id)
        .update_member(&caller.actor(), id, &valid)
        .await?;
    Ok(Json(MemberView::of(&m, &access)))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusIn {
    /// aktif | berhenti | meninggal
    pub status: String,
    /// YYYY-MM-DD; empty = today
    #[serde(default)]
    pub on: String,
    /// Required for berhenti.
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/members/{member_id}/status", tag = "members", request_body = StatusIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id")),
    responses((status = 200, body = MemberView), (status = 422, body = ApiErrorBody)))]
pub async fn set_member_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    body: JsonBody<StatusIn>,
) -> WebResult<Json<MemberView>> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let (status, on, reason) =
        parse_status(&body.0.status, &body.0.on, &body.0.reason, today_in(&coop))
            .map_err(WebError::Invalid)?;
    let m = state
        .store
        .tenant(coop.id)
        .set_member_status(&caller.actor(), id, status, on, reason)
        .await?;
    Ok(Json(MemberView::of(&m, &access)))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// The file's name; its extension (.xlsx or .csv) must match its content.
    file_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub id: String,
    /// preview | committed
    pub status: String,
    pub rows: usize,
    pub problem_rows: usize,
    /// Notes about the file (encoding, ignored columns), in the request's language.
    pub notes: Vec<String>,
    /// Rows with problems (all of them), or empty when the file is ready to commit.
    pub problems: Vec<RowOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RowOut {
    pub line: usize,
    pub nik: String,
    pub name: String,
    pub problems: Vec<crate::error::ApiFieldError>,
}

fn rows_out(rows: &[RowReport], lang: Lang) -> Vec<RowOut> {
    rows.iter()
        .filter(|r| !r.problems.is_empty())
        .map(|r| RowOut {
            line: r.line,
            nik: r.nik.clone(),
            name: r.name.clone(),
            problems: r
                .problems
                .iter()
                .map(|p| crate::error::ApiFieldError {
                    field: p.field.clone(),
                    message: p.msg.get(lang).to_string(),
                })
                .collect(),
        })
        .collect()
}

/// Uploads a member file (the raw bytes of an .xlsx or .csv as the body) and returns the
/// row-by-row report. Nothing is registered until the import is committed.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/imports", tag = "imports",
    params(("coop_id" = String, Path, description = "Coop id"), ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ImportOut), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn preview_import(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<ImportOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let parsed = import_file::parse(&p.file_name, &body)
        .map_err(|m| WebError::Invalid(vec![guyub_core::FieldError::new("file", m)]))?;
    let tenant = state.store.tenant(coop.id);
    let pv = import_service::preview(
        &tenant,
        caller.user_id(),
        &p.file_name,
        parsed,
        today_in(&coop),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportOut {
            id: pv.id.to_string(),
            status: "preview".into(),
            rows: pv.rows.len(),
            problem_rows: pv.problem_rows,
            notes: pv
                .notes
                .iter()
                .map(|n| n.get(caller.lang).to_string())
                .collect(),
            problems: rows_out(&pv.rows, caller.lang),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/imports/{import_id}", tag = "imports",
    params(("coop_id" = String, Path, description = "Coop id"), ("import_id" = String, Path, description = "Import id")),
    responses((status = 200, body = ImportOut), (status = 404, body = ApiErrorBody)))]
pub async fn get_import(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
) -> WebResult<Json<ImportOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let rec = tenant.import(id).await?;
    let rows: Vec<import_file::RawRow> =
        serde_json::from_str(&rec.rows_json).map_err(|e| WebError::Internal(e.to_string()))?;
    let reports = if rec.status == "preview" {
        import_service::check_rows(&tenant, &rows, today_in(&coop))
            .await?
            .0
    } else {
        vec![]
    };
    Ok(Json(ImportOut {
        id: rec.id.to_string(),
        problem_rows: reports.iter().filter(|r| !r.problems.is_empty()).count(),
        status: rec.status,
        rows: rows.len(),
        notes: vec![],
        problems: rows_out(&reports, caller.lang),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CommitOut {
    pub registered: usize,
}

/// Registers every member of a previewed import, all or nothing. Committing again is
/// refused (409) and registers nobody twice.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/imports/{import_id}/commit", tag = "imports",
    params(("coop_id" = String, Path, description = "Coop id"), ("import_id" = String, Path, description = "Import id")),
    responses((status = 200, body = CommitOut), (status = 409, body = ApiErrorBody)))]
pub async fn commit_import(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
) -> WebResult<Json<CommitOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    let n = import_service::commit(
        &state.store.tenant(coop.id),
        &caller.actor(),
        id,
        today_in(&coop),
    )
    .await?;
    Ok(Json(CommitOut { registered: n }))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// A user id.
    #[serde(default)]
    user: String,
    /// member | koperasi | bylaws | member_import | role_grant
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    /// YYYY-MM-DD (inclusive, coop time zone)
    #[serde(default)]
    from: String,
    /// YYYY-MM-DD (inclusive, coop time zone)
    #[serde(default)]
    until: String,
    page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<guyub_store::audit::AuditEntry>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/audit", tag = "audit",
    params(("coop_id" = String, Path, description = "Coop id"), AuditParams),
    responses((status = 200, body = AuditOut), (status = 403, body = ApiErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<AuditParams>,
) -> WebResult<Json<AuditOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadAudit).await?;
    let q = crate::pages::audit::AuditQuery {
        user: p.user,
        entity: p.entity,
        entity_id: p.entity_id,
        from: p.from,
        until: p.until,
        page: p.page,
    };
    let mut entries = state
        .store
        .tenant(coop.id)
        .audit_log(&q.filter(coop.timezone().offset(), 100))
        .await?;
    let has_more = entries.len() > 100;
    entries.truncate(100);
    Ok(Json(AuditOut { entries, has_more }))
}
