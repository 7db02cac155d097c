//! Files in and out of the books: a member's passbook as an Excel workbook, and opening
//! balances imported from a file (template, upload, preview with a row-by-row report, commit
//! all or nothing).

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::{ImportId, ProductId};
use guyub_core::member::parse_date;
use guyub_core::savings::{PayMethod, TxKind};
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::import::ImportRecord;
use guyub_store::savings::SavingsTx;
use serde::Deserialize;

use super::members::today_in;
use super::{Form, Page, render, render_status, too_large};
use crate::auth::{Caller, Need, coop_access, member_access};
use crate::error::{WebError, WebResult};
use crate::i18n::t;
use crate::opening_file::{self, RowReport};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file name made of safe characters only (for Content-Disposition).
fn safe_file_part(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.trim_matches('-').to_string()
}

fn excel_date(d: time::Date) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        u8::from(d.month()),
        d.day(),
    )
}

/// What a passbook line says, in `lang`: the kind, the way of payment, the note.
pub fn tx_description(t: &SavingsTx, lang: Lang) -> String {
    let mut s = TxKind::parse(&t.kind)
        .map(|k| k.label(lang).to_string())
        .unwrap_or_else(|| t.kind.clone());
    if let Some(m) = t.method.as_deref().and_then(PayMethod::parse) {
        s.push_str(" · ");
        s.push_str(m.label(lang));
    }
    if let Some(n) = t.note.as_deref().filter(|n| !n.is_empty()) {
        s.push_str(" · ");
        s.push_str(n);
    }
    s
}

/// The passbook of one member and product as an .xlsx: the coop, the member and the product
/// on the first rows, then one row per transaction (date as an Excel date; in, out and the
/// balance after it as numbers in a `Rp #,##0` format).
pub fn passbook_workbook(
    lang: Lang,
    coop_name: &str,
    member: &str,
    product: &str,
    txs: &[SavingsTx],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("\"Rp\" #,##0");
    let money_bold = Format::new().set_num_format("\"Rp\" #,##0").set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "export-sheet-passbook"))?;
    let header_rows = [
        (t(lang, "export-coop"), coop_name.to_string()),
        (t(lang, "export-member"), member.to_string()),
        (t(lang, "export-product"), product.to_string()),
    ];
    for (r, (k, v)) in header_rows.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, k, &bold)?;
        ws.write_string(r as u32, 1, v)?;
    }
    let closing = txs.last().map(|t| t.balance_after).unwrap_or(0);
    ws.write_string_with_format(3, 0, t(lang, "export-closing"), &bold)?;
    ws.write_number_with_format(3, 1, closing as f64, &money_bold)?;
    const HEAD: u32 = 5;
    let cols = [
        "export-col-date",
        "export-col-description",
        "export-col-in",
        "export-col-out",
        "export-col-balance",
    ];
    for (c, key) in cols.iter().enumerate() {
        ws.write_string_with_format(HEAD, c as u16, t(lang, key), &bold)?;
    }
    for (i, tx) in txs.iter().enumerate() {
        let r = HEAD + 1 + i as u32;
        ws.write_datetime_with_format(r, 0, excel_date(tx.date)?, &date)?;
        ws.write_string(r, 1, tx_description(tx, lang))?;
        if tx.amount > 0 {
            ws.write_number_with_format(r, 2, tx.amount as f64, &money)?;
        } else if tx.amount < 0 {
            ws.write_number_with_format(r, 3, (-tx.amount) as f64, &money)?;
        }
        ws.write_number_with_format(r, 4, tx.balance_after as f64, &money)?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(3, 16)?;
    ws.set_column_width(4, 18)?;
    ws.set_freeze_panes(HEAD + 1, 0)?;
    wb.save_to_buffer()
}

#[derive(Deserialize, Default)]
pub struct ProductQuery {
    produk: Option<String>,
}

/// `GET /k/{kid}/anggota/{mid}/simpanan.xlsx?produk=…`: the member themselves, or whoever may
/// read the member register.
pub async fn passbook_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(q): Query<ProductQuery>,
) -> WebResult<Response> {
    let (coop, _, member) = member_access(&state, &caller, &kid, &mid).await?;
    let pid = q
        .produk
        .as_deref()
        .and_then(ProductId::parse)
        .ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(member).await?;
    let product = tenant
        .products()
        .await?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(WebError::NotFound)?;
    let txs = tenant.passbook(member, pid).await?;
    let bytes = passbook_workbook(
        caller.lang,
        &coop.data.name,
        &format!("{} · {}", m.member_no, m.name),
        &product.name,
        &txs,
    )
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let file = format!(
        "buku-simpanan-{}-{}.xlsx",
        safe_file_part(&m.member_no),
        safe_file_part(&product.code.to_lowercase())
    );
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Opening balances

/// A past opening-balance import, for the list.
pub struct OpeningLine {
    pub id: String,
    pub file_name: String,
    pub at: String,
    pub status: String,
    pub rows: i64,
    pub problems: i64,
}

#[derive(Template)]
#[template(path = "export/opening_upload.html")]
struct UploadPage {
    p: Page,
    kid: String,
    limit_mb: usize,
    date: String,
    error: Option<String>,
    past: Vec<OpeningLine>,
}

fn past_lines(
    v: Vec<ImportRecord>,
    lang: Lang,
    tz: guyub_core::coop::CoopTimeZone,
) -> Vec<OpeningLine> {
    v.into_iter()
        .map(|r| OpeningLine {
            id: r.id.to_string(),
            file_name: r.file_name,
            at: fmt_id::waktu(r.created_at, tz, lang),
            status: r.status,
            rows: r.row_count,
            problems: r.problem_count,
        })
        .collect()
}

async fn upload_page(
    state: &AppState,
    caller: &Caller,
    coop: &guyub_store::coop::Koperasi,
    access: &crate::auth::Access,
    date: String,
    error: Option<&Msg>,
) -> WebResult<UploadPage> {
    let kid = coop.id.to_string();
    let past = state.store.tenant(coop.id).opening_imports(10).await?;
    Ok(UploadPage {
        limit_mb: state.cfg.max_upload_bytes.div_ceil(1024 * 1024),
        p: Page::new(caller, "opening-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku/saldo-awal")),
        past: past_lines(past, caller.lang, coop.timezone()),
        kid,
        date,
        error: error.map(|m| m.get(caller.lang).to_string()),
    })
}

pub async fn opening_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let today = today_in(&coop).to_string();
    Ok(render(
        &upload_page(&state, &caller, &coop, &access, today, None).await?,
    ))
}

/// Reads the multipart upload: the CSRF token, the date and the file. Too large → 413.
async fn read_upload(mut mp: Multipart) -> Result<(String, String, String, Vec<u8>), WebError> {
    let (mut csrf, mut date, mut name, mut bytes) =
        (String::new(), String::new(), String::new(), None);
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
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("tanggal") => date = field.text().await.unwrap_or_default(),
            Some("file") => {
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
            _ => {}
        }
    }
    Ok((
        csrf,
        date,
        name,
        bytes.map(|b| b.to_vec()).unwrap_or_default(),
    ))
}

/// `POST /k/{kid}/buku/saldo-awal`: reads the file, checks every row, keeps the preview and
/// redirects to it. The body is read only after the caller's right was checked.
pub async fn opening_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    req: Request,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let mp = Multipart::from_request(req, &state).await.map_err(|e| {
        WebError::BadRequest(Msg::new(
            format!("Unggahan tidak dapat dibaca: {}", e.body_text()),
            format!("The upload cannot be read: {}", e.body_text()),
        ))
    })?;
    let (csrf, date_text, name, bytes) = read_upload(mp).await?;
    caller.check_csrf(&csrf)?;
    let today = today_in(&coop);
    let refuse = async |msg: Msg| -> WebResult<Response> {
        let page = upload_page(
            &state,
            &caller,
            &coop,
            &access,
            date_text.clone(),
            Some(&msg),
        )
        .await?;
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let date = match parse_date(&date_text) {
        Some(d) if d <= today => d,
        Some(_) => {
            return refuse(Msg::new(
                "Tanggal saldo awal tidak boleh di masa depan.",
                "The opening date cannot be in the future.",
            ))
            .await;
        }
        None => {
            return refuse(Msg::new(
                "Isi tanggal saldo awal (misalnya 2024-12-31).",
                "Enter the opening date (for example 2024-12-31).",
            ))
            .await;
        }
    };
    if bytes.is_empty() && name.is_empty() {
        return refuse(Msg::new(
            "Pilih berkas yang akan diunggah.",
            "Choose a file to upload.",
        ))
        .await;
    }
    let parsed = match opening_file::parse(&name, &bytes) {
        Ok(p) => p,
        Err(msg) => return refuse(msg).await,
    };
    let tenant = state.store.tenant(coop.id);
    let pv = opening_file::preview(&tenant, caller.user_id(), &name, date, parsed).await?;
    Ok(Redirect::to(&format!("/k/{kid}/buku/saldo-awal/{}", pv.id)).into_response())
}

/// A row of the report as shown.
pub struct ReportLine {
    pub line: usize,
    pub member: String,
    pub product: String,
    pub amount: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "export/opening_preview.html")]
struct PreviewPage {
    p: Page,
    kid: String,
    id: String,
    file_name: String,
    date: String,
    status: String,
    total: usize,
    total_amount: String,
    problem_rows: usize,
    shown: Vec<ReportLine>,
    notes: Vec<String>,
}

fn column_label(field: &str) -> &'static str {
    match field {
        "member" => "no_anggota / nik",
        "product" => "kode_produk",
        "amount" => "saldo",
        _ => "baris",
    }
}

pub async fn opening_show(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let rec = tenant.opening_import(id).await?;
    let stored = opening_file::Stored::parse(&rec.rows_json)?;
    let lang = caller.lang;
    let reports: Vec<RowReport> = if rec.status == "preview" {
        opening_file::check_rows(&tenant, &stored.rows).await?.0
    } else {
        // Once posted, the rows are shown as they were read (the check would now find every
        // member holding the balance just posted).
        stored
            .rows
            .iter()
            .map(|r| RowReport {
                line: r.line,
                member: if r.member_no.is_empty() {
                    r.nik.clone()
                } else {
                    r.member_no.clone()
                },
                product: r.product.clone(),
                amount: guyub_core::money::Rupiah::parse(&r.amount)
                    .map(|a| a.to_string())
                    .unwrap_or_else(|_| r.amount.clone()),
                problems: vec![],
            })
            .collect()
    };
    let problem_rows = reports.iter().filter(|r| !r.problems.is_empty()).count();
    let total_amount: i64 = stored
        .rows
        .iter()
        .filter_map(|r| guyub_core::money::Rupiah::parse(&r.amount).ok())
        .map(|a| a.0)
        .sum();
    let label = |f: &FieldError| format!("{}: {}", column_label(&f.field), f.msg.get(lang));
    let (want_problems, limit) = if problem_rows > 0 {
        (true, 500)
    } else {
        (false, 200)
    };
    let shown = reports
        .iter()
        .filter(|r| r.problems.is_empty() != want_problems)
        .take(limit)
        .map(|r| ReportLine {
            line: r.line,
            member: r.member.clone(),
            product: r.product.clone(),
            amount: r.amount.clone(),
            problems: r.problems.iter().map(label).collect(),
        })
        .collect();
    Ok(render(&PreviewPage {
        p: Page::new(&caller, "opening-preview-title")
            .in_coop(&coop, &access, "books")
            .at(&format!("/k/{kid}/buku/saldo-awal/{iid}")),
        kid,
        id: rec.id.to_string(),
        file_name: rec.file_name,
        date: fmt_id::tanggal(stored.date, lang),
        status: rec.status,
        total: reports.len(),
        total_amount: guyub_core::money::Rupiah(total_amount).to_string(),
        problem_rows,
        shown,
        notes: stored
            .notes
            .iter()
            .map(|n| n.get(lang).to_string())
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /k/{kid}/buku/saldo-awal/{iid}/simpan`: posts every row or none; a second commit is
/// refused.
pub async fn opening_commit(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, iid)): Path<(String, String)>,
    Form(f): Form<CommitForm>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let id = ImportId::parse(&iid).ok_or(WebError::NotFound)?;
    opening_file::commit(&state.store.tenant(coop.id), &caller.actor(), id).await?;
    Ok(Redirect::to(&format!("/k/{kid}/buku/saldo-awal/{iid}")).into_response())
}

async fn template_data(
    state: &AppState,
    coop: &guyub_store::coop::Koperasi,
) -> WebResult<(Vec<(String, String)>, Vec<(String, String)>)> {
    let tenant = state.store.tenant(coop.id);
    let mut members = tenant.member_keys().await?;
    members.retain(|m| m.status == "aktif");
    members.sort_by(|a, b| a.member_no.cmp(&b.member_no));
    let examples = members
        .into_iter()
        .take(2)
        .map(|m| (m.member_no, m.name))
        .collect();
    let products = tenant
        .products()
        .await?
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.code, p.name))
        .collect();
    Ok((examples, products))
}

pub async fn opening_template_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let (examples, products) = template_data(&state, &coop).await?;
    let bytes = opening_file::template_xlsx(&examples, &products)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-saldo-awal.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn opening_template_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let (examples, products) = template_data(&state, &coop).await?;
    let codes: Vec<String> = products.into_iter().map(|(c, _)| c).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-saldo-awal.csv\"",
            ),
        ],
        opening_file::template_csv(&examples, &codes),
    )
        .into_response())
}
