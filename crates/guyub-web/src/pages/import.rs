//! Member import pages: upload, preview with a row-by-row report, commit, and templates.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::ImportId;
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::import::ImportRecord;
use serde::Deserialize;

use super::members::today_in;
use super::{Form, Page, render, render_status, too_large};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::import_file;
use crate::import_service::{self, RowReport};
use crate::state::AppState;

/// A past import, for the list.
pub struct ImportLine {
    pub id: String,
    pub file_name: String,
    pub at: String,
    pub status: String,
    pub rows: i64,
    pub problems: i64,
}

#[derive(Template)]
#[template(path = "import/upload.html")]
struct UploadPage {
    p: Page,
    kid: String,
    limit_mb: usize,
    error: Option<String>,
    past: Vec<ImportLine>,
}

fn lines(v: Vec<ImportRecord>, lang: Lang, tz: guyub_core::coop::CoopTimeZone) -> Vec<ImportLine> {
    v.into_iter()
        .map(|r| ImportLine {
            id: r.id.to_string(),
            file_name: r.file_name,
            at: fmt_id::waktu(r.created_at, tz, lang),
            status: r.status,
            rows: r.row_count,
            problems: r.problem_count,
        })
        .collect()
}

pub async fn upload_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let past = state.store.tenant(coop.id).imports(10).await?;
    Ok(render(&UploadPage {
        limit_mb: state.cfg.max_upload_bytes.div_ceil(1024 * 1024),
        p: Page::new(&caller, "import-title")
            .in_coop(&coop, &access, "import")
            .at(&format!("/k/{kid}/impor")),
        past: lines(past, caller.lang, coop.timezone()),
        kid,
        error: None,
    }))
}

/// Reads the multipart upload: the CSRF token and the file. Too large → 413.
pub async fn read_upload(mp: Multipart) -> Result<(String, String, Vec<u8>), WebError> {
    let (mut fields, name, bytes) = read_upload_fields(mp).await?;
    Ok((fields.remove("_csrf").unwrap_or_default(), name, bytes))
}

/// Reads a multipart upload: its text fields by name, and the file (`file`) with its name.
/// Too large → 413; no file → 400.
pub async fn read_upload_fields(
    mut mp: Multipart,
) -> Result<(std::collections::HashMap<String, String>, String, Vec<u8>), WebError> {
    let mut fields = std::collections::HashMap::new();
    let (mut name, mut bytes) = (String::new(), None);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => {
                return Err(WebError::BadRequest(Msg::new(
                    format!("Unggahan tidak dapat dibaca: {e}"),
                    format!("The upload cannot be read: {e}"),
                )));
            }
        };
        match field.name().map(str::to_string) {
            Some(n) if n == "file" => {
                name = field.file_name().unwrap_or("berkas").to_string();
                bytes = Some(field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        WebError::BadRequest(Msg::new(
                            "Unggahan terputus; coba lagi.",
                            "The upload was cut off; try again.",
                        ))
                    }
                })?);
            }
            Some(n) => {
                fields.insert(n, field.text().await.unwrap_or_default());
            }
            None => {}
        }
    }
    let bytes = bytes.ok_or_else(|| {
        WebError::BadRequest(Msg::new(
            "Pilih berkas yang akan diunggah.",
            "Choose a file to upload.",
        ))
    })?;
    Ok((fields, name, bytes.to_vec()))
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    mp: Multipart,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let (csrf, name, bytes) = read_upload(mp).await?;
    caller.check_csrf(&csrf)?;
    let parsed = match import_file::parse(&name, &bytes) {
        Ok(p) => p,
        Err(msg) => {
            let past = state.store.tenant(coop.id).imports(10).await?;
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &UploadPage {
                    limit_mb: state.cfg.max_upload_bytes.div_ceil(1024 * 1024),
                    p: Page::new(&caller, "import-title")
                        .in_coop(&coop, &access, "import")
                        .at(&format!("/k/{kid}/impor")),
                    past: lines(past, caller.lang, coop.timezone()),
                    kid,
                    error: Some(msg.get(caller.lang).to_string()),
                },
            ));
        }
    };
    let tenant = state.store.tenant(coop.id);
    let preview =
        import_service::preview(&tenant, caller.user_id(), &name, parsed, today_in(&coop)).await?;
    // Post/Redirect/Get: reloading the preview page must not upload the file again.
    Ok(Redirect::to(&format!("/k/{kid}/impor/{}", preview.id)).into_response())
}

/// A row of the report as shown.
pub struct ReportLine {
    pub line: usize,
    pub nik: String,
    pub name: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "import/preview.html")]
struct PreviewPage {
    p: Page,
    kid: String,
    id: String,
    file_name: String,
    status: String,
    total: usize,
    problem_rows: usize,
    shown: Vec<ReportLine>,
    notes: Vec<String>,
}

fn preview_page(
    caller: &Caller,
    coop: &guyub_store::coop::Koperasi,
    access: &crate::auth::Access,
    rec: ImportRecord,
    rows: Vec<RowReport>,
    notes: Vec<String>,
) -> PreviewPage {
    let lang = caller.lang;
    let problem_rows = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let label = |f: &FieldError| format!("{}: {}", column_label(&f.field), f.msg.get(lang));
    // Show the problem rows first (all of them, up to 500), else the first 50 rows.
    let (want_problems, limit) = if problem_rows > 0 {
        (true, 500)
    } else {
        (false, 50)
    };
    let shown: Vec<ReportLine> = rows
        .iter()
        .filter(|r| r.problems.is_empty() != want_problems)
        .take(limit)
        .map(|r| ReportLine {
            line: r.line,
            nik: r.nik.clone(),
            name: r.name.clone(),
            problems: r.problems.iter().map(label).collect(),
        })
        .collect();
    let kid = coop.id.to_string();
    PreviewPage {
        p: Page::new(caller, "import-preview-title")
            .in_coop(coop, access, "import")
            .at(&format!("/k/{kid}/impor/{}", rec.id)),
        kid,
        id: rec.id.to_string(),
        file_name: rec.file_name,
        status: rec.status,
        total: rows.len(),
        problem_rows,
        shown,
        notes,
    }
}

/// The file's column name for a field (what the person sees in their spreadsheet).
fn column_label(field: &str) -> &'static str {
    import_file::COLUMNS
        .iter()
        .zip(import_file::TEMPLATE_HEADERS)
        .find(|((k, _, _), _)| *k == field)
        .map(|(_, h)| h)
        .unwrap_or("baris")
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let rec = tenant.import(id).await?;
    if rec.file_name.starts_with("saldo-awal:") {
        return Err(WebError::NotFound);
    }
    let stored = import_service::Stored::parse(&rec.rows_json)?;
    let notes: Vec<String> = stored
        .notes
        .iter()
        .map(|n| n.get(caller.lang).to_string())
        .collect();
    let rows = stored.rows;
    let reports = if rec.status == "preview" {
        import_service::check_rows(&tenant, &rows, today_in(&coop))
            .await?
            .0
    } else {
        rows.iter()
            .map(|r| RowReport {
                line: r.line,
                nik: r.nik.clone(),
                name: r.name.clone(),
                problems: vec![],
            })
            .collect()
    };
    Ok(render(&preview_page(
        &caller, &coop, &access, rec, reports, notes,
    )))
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn commit(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
    Form(f): Form<CommitForm>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    import_service::commit(
        &state.store.tenant(coop.id),
        &caller.actor(),
        id,
        today_in(&coop),
    )
    .await?;
    Ok(Redirect::to(&format!("/k/{kid}/anggota?ok=import-committed")).into_response())
}

pub async fn template_xlsx() -> WebResult<Response> {
    let bytes = import_file::template_xlsx().map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-anggota.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn template_csv() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-anggota.csv\"",
            ),
        ],
        import_file::template_csv(),
    )
        .into_response()
}
