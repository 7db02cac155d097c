//! Statement import and match review, and QRIS settlements.
//!
//! The cashier's roles import a QRIS settlement report or a bank statement; what matches an
//! open request is posted at once, the rest waits on the statement's page for a person to
//! match it to a request or set it aside. Settling QRIS money into the bank (clearing out,
//! MDR expense) moves the books, so it is the board's (`Need::WriteBooks`).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::{PaymentRequestId, StatementId};
use guyub_core::money::Rupiah;
use guyub_core::payment::request::{LineStatus, RefCode, StatementKind};
use guyub_core::{Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::payment::settlement::HandSettlement;
use guyub_store::payment::statement::{LineInfo, StatementInfo};
use serde::Deserialize;

use super::members::{OkQuery, today_in};
use super::{Form, Page, render, render_status};
use crate::auth::{Access, Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// A statement as listed.
pub struct InfoView {
    pub id: String,
    pub file_name: String,
    pub kind: String,
    pub created: String,
    pub created_by: String,
    pub lines: i64,
    pub matched: i64,
    pub review: i64,
    pub unmatched: i64,
    pub ignored: i64,
    pub settled: bool,
}

impl InfoView {
    fn of(s: &StatementInfo, coop: &Koperasi, lang: Lang) -> InfoView {
        InfoView {
            id: s.id.to_string(),
            file_name: s.file_name.clone(),
            kind: StatementKind::parse(&s.kind)
                .map(|k| k.label(lang).to_string())
                .unwrap_or_default(),
            created: fmt_id::waktu(s.created_at, coop.timezone(), lang),
            created_by: s.created_by.clone(),
            lines: s.line_count,
            matched: s.matched,
            review: s.review,
            unmatched: s.unmatched,
            ignored: s.ignored,
            settled: s.settled,
        }
    }
}

#[derive(Template)]
#[template(path = "payment/statements.html")]
struct ListPage {
    p: Page,
    kid: String,
    rows: Vec<InfoView>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    errors: Vec<String>,
    can_import: bool,
    limit_mb: usize,
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    ok: Option<&str>,
) -> WebResult<ListPage> {
    let rows = state.store.tenant(coop.id).statements(50).await?;
    let kid = coop.id.to_string();
    Ok(ListPage {
        p: Page::new(caller, "stmt-title")
            .in_coop(coop, access, "payments")
            .at(&format!("/k/{kid}/pembayaran/mutasi"))
            .flash(ok),
        rows: rows
            .iter()
            .map(|s| InfoView::of(s, coop, caller.lang))
            .collect(),
        kinds: StatementKind::choices(caller.lang),
        kind: "qris".into(),
        errors: vec![],
        can_import: access.allows(Need::Cashier),
        limit_mb: state.cfg.max_upload_bytes.div_ceil(1024 * 1024),
        kid,
    })
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    Ok(render(
        &list_page(&state, &caller, &coop, &access, oq.ok.as_deref()).await?,
    ))
}

/// Imports an uploaded statement; a file that cannot be read whole is refused with every
/// problem listed, and nothing is imported.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    mp: Multipart,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let (fields, name, bytes) = super::import::read_upload_fields(mp).await?;
    caller.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let kind_raw = fields.get("kind").cloned().unwrap_or_default();
    let refuse = |status: StatusCode, msgs: Vec<Msg>| {
        let (state, caller, coop, access, kind_raw) =
            (&state, &caller, &coop, &access, kind_raw.clone());
        async move {
            let mut page = list_page(state, caller, coop, access, None).await?;
            page.errors = msgs
                .iter()
                .map(|m| m.get(caller.lang).to_string())
                .collect();
            page.kind = kind_raw;
            WebResult::Ok(render_status(status, &page))
        }
    };
    let Some(kind) = StatementKind::parse(&kind_raw) else {
        let m = Msg::new("Pilih jenis laporan.", "Choose the kind of statement.");
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, vec![m]).await;
    };
    let st = match crate::statement_file::read(&name, &bytes, kind) {
        Ok(s) => s,
        Err(msgs) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, msgs).await,
    };
    match state
        .store
        .tenant(coop.id)
        .import_statement(&caller.actor(), &st, coop.timezone())
        .await
    {
        Ok(sum) => {
            let sid = sum.id.map(|i| i.to_string()).unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/k/{kid}/pembayaran/mutasi/{sid}?ok=statement-imported"
            ))
            .into_response())
        }
        Err(StoreError::Conflict(m)) => refuse(StatusCode::CONFLICT, vec![m]).await,
        Err(e) => Err(e.into()),
    }
}

/// A line as the review shows it.
pub struct LineView {
    pub no: i64,
    pub at: String,
    pub amount: String,
    pub fee: String,
    pub reference: String,
    pub payer: String,
    pub description: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub request: Option<(String, String, String)>,
    pub candidates: Vec<(String, String, String, String)>,
    pub note: String,
}

impl LineView {
    fn of(l: &LineInfo, lang: Lang) -> LineView {
        LineView {
            no: l.line_no,
            at: format!(
                "{} {:02}.{:02}",
                fmt_id::tanggal(l.occurred_at.date(), lang),
                l.occurred_at.hour(),
                l.occurred_at.minute()
            ),
            amount: Rupiah(l.amount).to_string(),
            fee: l.fee.map(|f| Rupiah(f).to_string()).unwrap_or_default(),
            reference: l.reference.clone(),
            payer: l.payer.clone(),
            description: l.description.clone(),
            status: l.status.as_str(),
            status_label: l.status.label(lang),
            request: l
                .request
                .as_ref()
                .map(|c| (c.id.to_string(), c.ref_code.clone(), c.member_name.clone())),
            candidates: l
                .candidates
                .iter()
                .map(|c| {
                    (
                        c.id.to_string(),
                        c.ref_code.clone(),
                        c.member_name.clone(),
                        Rupiah(c.total).to_string(),
                    )
                })
                .collect(),
            note: l
                .note
                .as_ref()
                .map(|m| m.get(lang).to_string())
                .unwrap_or_default(),
        }
    }
}

/// The most matched lines shown (the others are counted: they need no action).
const SHOWN_MATCHED: usize = 100;

#[derive(Template)]
#[template(path = "payment/statement.html")]
struct DetailPage {
    p: Page,
    kid: String,
    info: InfoView,
    open: Vec<LineView>,
    done: Vec<LineView>,
    done_hidden: usize,
    settle: Option<(String, String, String, String)>,
    can_act: bool,
    can_settle: bool,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    sid: StatementId,
    ok: Option<&str>,
) -> WebResult<DetailPage> {
    let tenant = state.store.tenant(coop.id);
    let d = tenant.statement(sid).await?;
    let settle = if d.info.settled {
        None
    } else {
        tenant.statement_settlement_preview(sid).await?
    };
    let lang = caller.lang;
    let kid = coop.id.to_string();
    let (open, done): (Vec<&LineInfo>, Vec<&LineInfo>) = d
        .lines
        .iter()
        .partition(|l| matches!(l.status, LineStatus::Review | LineStatus::Unmatched));
    let mut open: Vec<LineView> = open.into_iter().map(|l| LineView::of(l, lang)).collect();
    // Those with candidates first: they are the quick decisions.
    open.sort_by_key(|l| (l.status != "tinjau", l.no));
    Ok(DetailPage {
        p: Page::new(caller, "stmt-title")
            .titled(d.info.file_name.clone())
            .in_coop(coop, access, "payments")
            .at(&format!("/k/{kid}/pembayaran/mutasi/{sid}"))
            .flash(ok),
        info: InfoView::of(&d.info, coop, lang),
        open,
        done_hidden: done.len().saturating_sub(SHOWN_MATCHED),
        done: done
            .into_iter()
            .take(SHOWN_MATCHED)
            .map(|l| LineView::of(l, lang))
            .collect(),
        settle: settle.map(|s| {
            (
                fmt_id::tanggal(s.date, lang),
                s.amounts.gross.to_string(),
                s.amounts.mdr.to_string(),
                s.amounts.net.to_string(),
            )
        }),
        can_act: access.allows(Need::Cashier),
        can_settle: access.allows(Need::WriteBooks),
        error: None,
        kid,
    })
}

fn statement_id(sid: &str) -> WebResult<StatementId> {
    StatementId::parse(sid).ok_or(WebError::NotFound)
}

pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let sid = statement_id(&sid)?;
    Ok(render(
        &detail_page(&state, &caller, &coop, &access, sid, oq.ok.as_deref()).await?,
    ))
}

/// The statement page again with why a decision was refused (nothing changed).
async fn refused(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    sid: StatementId,
    status: StatusCode,
    m: &Msg,
) -> WebResult<Response> {
    let mut page = detail_page(state, caller, coop, access, sid, None).await?;
    page.error = Some(m.get(caller.lang).to_string());
    Ok(render_status(status, &page))
}

/// The end of a decision on a statement: back to its page with `ok`, or the page again with
/// why the store refused (nothing changed).
async fn decided(
    state: &AppState,
    caller: &Caller,
    (coop, access): (&Koperasi, &Access),
    sid: StatementId,
    result: Result<(), StoreError>,
    ok: &str,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/k/{}/pembayaran/mutasi/{sid}?ok={ok}", coop.id))
                .into_response(),
        ),
        Err(e) => {
            let (status, m) = store_refusal(e)?;
            refused(state, caller, coop, access, sid, status, &m).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecideFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    /// A candidate's id (review), or empty.
    #[serde(default)]
    pub request: String,
    /// A request's code typed by hand (an unmatched line).
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub reason: String,
}

fn store_refusal(e: StoreError) -> Result<(StatusCode, Msg), StoreError> {
    match e {
        StoreError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        StoreError::Invalid(f) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            f.into_iter()
                .next()
                .map(|e| e.msg)
                .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input.")),
        )),
        StoreError::NotFound => Ok((
            StatusCode::NOT_FOUND,
            Msg::new("Tagihan tidak ditemukan.", "Request not found."),
        )),
        e => Err(e),
    }
}

/// Matches a line to a request: a candidate chosen, or a request code typed.
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, no)): Path<(String, String, i64)>,
    Form(f): Form<DecideFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let sid = statement_id(&sid)?;
    let tenant = state.store.tenant(coop.id);
    let request = match (PaymentRequestId::parse(&f.request), RefCode::parse(&f.code)) {
        (Some(id), _) => Ok(id),
        (None, Some(code)) => tenant.payment_request_by_ref(&code).await.map(|r| r.id),
        (None, None) => {
            let m = Msg::new(
                "Pilih tagihan, atau ketik kode tagihan (8 huruf/angka).",
                "Choose a request, or type a request code (8 letters/digits).",
            );
            return refused(
                &state,
                &caller,
                &coop,
                &access,
                sid,
                StatusCode::UNPROCESSABLE_ENTITY,
                &m,
            )
            .await;
        }
    };
    let done = match request {
        Ok(id) => tenant
            .accept_statement_line(&caller.actor(), sid, no, id)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    decided(&state, &caller, (&coop, &access), sid, done, "line-matched").await
}

/// Sets a line aside, with the reason.
pub async fn ignore(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, no)): Path<(String, String, i64)>,
    Form(f): Form<DecideFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let sid = statement_id(&sid)?;
    let done = state
        .store
        .tenant(coop.id)
        .ignore_statement_line(&caller.actor(), sid, no, &f.reason)
        .await;
    decided(&state, &caller, (&coop, &access), sid, done, "line-ignored").await
}

/// Posts the settlement of a QRIS report's matched payments.
pub async fn settle_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let sid = statement_id(&sid)?;
    let done = state
        .store
        .tenant(coop.id)
        .settle_statement(&caller.actor(), sid)
        .await
        .map(|_| ());
    decided(&state, &caller, (&coop, &access), sid, done, "qris-settled").await
}

// --- Settlements by hand ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "payment/settlements.html")]
struct SettlementPage {
    p: Page,
    kid: String,
    clearing: String,
    rows: Vec<(String, String, String, String, String)>,
    today: String,
    f: SettleFields,
    error: Option<String>,
    can_settle: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettleFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub gross: String,
    /// Empty: computed from the coop's MDR on that day.
    #[serde(default)]
    pub mdr: String,
    #[serde(default)]
    pub note: String,
}

async fn settlement_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    ok: Option<&str>,
) -> WebResult<SettlementPage> {
    let tenant = state.store.tenant(coop.id);
    let clearing = tenant.qris_clearing_balance().await?;
    let rows = tenant.qris_settlements(100).await?;
    let lang = caller.lang;
    let kid = coop.id.to_string();
    Ok(SettlementPage {
        p: Page::new(caller, "settle-title")
            .in_coop(coop, access, "payments")
            .at(&format!("/k/{kid}/pembayaran/settlement"))
            .flash(ok),
        clearing: Rupiah(clearing).to_string(),
        rows: rows
            .iter()
            .map(|s| {
                (
                    fmt_id::tanggal(s.settled_on, lang),
                    Rupiah(s.gross).to_string(),
                    Rupiah(s.mdr).to_string(),
                    Rupiah(s.net).to_string(),
                    s.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
        today: today_in(coop).to_string(),
        f: SettleFields::default(),
        error: None,
        can_settle: access.allows(Need::WriteBooks),
        kid,
    })
}

pub async fn settlements(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    Ok(render(
        &settlement_page(&state, &caller, &coop, &access, oq.ok.as_deref()).await?,
    ))
}

/// Reads the settlement form: the date, the gross, and the MDR if typed.
fn read_settlement(f: &SettleFields) -> Result<HandSettlement, Msg> {
    let date = guyub_core::member::parse_date(&f.date).ok_or_else(|| {
        Msg::new(
            "Tanggal tidak dapat dibaca (contoh: 2026-11-30).",
            "The date cannot be read (example: 2026-11-30).",
        )
    })?;
    let gross = Rupiah::parse_positive(&f.gross).map_err(|e| e.msg())?;
    let mdr = match f.mdr.trim() {
        "" => None,
        typed => Some(Rupiah::parse(typed).map_err(|e| e.msg())?),
    };
    Ok(HandSettlement {
        date,
        gross,
        mdr,
        note: super::opt(&f.note),
    })
}

pub async fn settle(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<SettleFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let result = match read_settlement(&f) {
        Ok(s) => state
            .store
            .tenant(coop.id)
            .post_hand_settlement(&caller.actor(), &s)
            .await
            .map(|_| ())
            .map_err(store_refusal),
        Err(m) => Err(Ok((StatusCode::UNPROCESSABLE_ENTITY, m))),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/k/{kid}/pembayaran/settlement?ok=qris-settled"))
                .into_response(),
        ),
        Err(Ok((status, m))) => {
            let mut page = settlement_page(&state, &caller, &coop, &access, None).await?;
            page.error = Some(m.get(caller.lang).to_string());
            page.f = f;
            Ok(render_status(status, &page))
        }
        Err(Err(e)) => Err(e.into()),
    }
}
