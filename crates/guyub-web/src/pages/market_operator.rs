//! The storefront operator (issue #5 part 6): the platform admin names the coop that runs the
//! public `/pasar` and its fee; a coop's board sees what it owes its merchant coops (as an
//! operator) and what operators owe it (as a merchant), makes a settlement batch, and both
//! coops read the printable settlement report.
//!
//! Who: the operator setting is the platform admin's (`/admin/operator-pasar`). In a coop, the
//! overview and the reports are for those who read the books (pengurus, pengawas); a
//! settlement, which moves money, is the pengurus' (bendahara) only: a kasir is refused. A
//! settlement of another pair of coops is a plain 404. The rules and the books are the store's
//! (`guyub_store::market::operator`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::fmt_id::{tanggal, waktu};
use guyub_core::ids::{KoperasiId, MarketSettlementId};
use guyub_core::money::Rupiah;
use guyub_core::percent::BasisPoints;
use guyub_core::{Lang, Msg};
use guyub_store::StoreError;
use guyub_store::market::operator::{SettleMethod, SettlementInput};
use serde::Deserialize;
use time::Date;

use super::{Form, Page, render, render_status};
use crate::auth::{Caller, Need, coop_access, random_secret};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

fn rp(x: i64) -> String {
    Rupiah(x).to_string()
}

/// A `YYYY-MM-DD` date field.
fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

// --- The platform admin's setting ------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_operator/admin.html")]
struct AdminPage {
    p: Page,
    current: Option<(String, String, String, String)>,
    koperasi: String,
    fee_bp: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/operator-pasar`: the public marketplace's operator and fee (platform admin).
pub async fn admin_form(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    if !caller.is_admin() {
        return Err(WebError::forbidden());
    }
    let mut p = Page::new(&caller, "op-admin-title").at("/admin/operator-pasar");
    if q.ok == "saved" {
        p.flash = Some(p.t("op-ok-saved"));
    }
    let fee = state
        .store
        .market_operator()
        .await?
        .map(|o| o.fee_bp.to_string())
        .unwrap_or_default();
    admin_page(&state, p, String::new(), fee, vec![], StatusCode::OK).await
}

async fn admin_page(
    state: &AppState,
    p: Page,
    koperasi: String,
    fee_bp: String,
    errors: Vec<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let lang = p.lang;
    let current = state.store.market_operator().await?.map(|o| {
        (
            o.koperasi_name,
            fee_label(o.fee_bp),
            o.updated_by,
            waktu(o.updated_at, guyub_core::coop::CoopTimeZone::Wib, lang),
        )
    });
    Ok(render_status(
        status,
        &AdminPage {
            p,
            current,
            koperasi,
            fee_bp,
            errors,
        },
    ))
}

/// `2,5% (250 bp)`.
fn fee_label(bp: i64) -> String {
    let pct = BasisPoints(u32::try_from(bp.clamp(0, 10_000)).unwrap_or(0));
    format!("{pct} ({bp} bp)")
}

#[derive(Deserialize, Default)]
pub struct AdminFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    koperasi: String,
    #[serde(default)]
    fee_bp: String,
}

/// `POST /admin/operator-pasar`: names the operator coop (id, code or storefront slug) and its
/// fee in basis points (0–2000). A refusal re-renders the form with 422, nothing written.
pub async fn admin_save(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<AdminFields>,
) -> WebResult<Response> {
    if !caller.is_admin() {
        return Err(WebError::forbidden());
    }
    caller.check_csrf(&f.csrf)?;
    let lang = caller.lang;
    let p = Page::new(&caller, "op-admin-title").at("/admin/operator-pasar");
    let mut errors: Vec<Msg> = vec![];
    let fee = f.fee_bp.trim().parse::<i64>().ok();
    if fee.is_none() {
        errors.push(Msg::new(
            "Isi jasa operator dalam basis poin, angka bulat 0 sampai 2000 (250 = 2,5%).",
            "Enter the operator fee in basis points, a whole number from 0 to 2000 (250 = 2.5%).",
        ));
    }
    let coop = match state.store.coop_by_ref(&f.koperasi).await {
        Ok(k) => Some(k),
        Err(StoreError::NotFound) => {
            errors.push(Msg::new(
                "Koperasi tidak ditemukan: isi kode koperasi, slug toko, atau id-nya.",
                "Coop not found: enter the coop's code, storefront slug or id.",
            ));
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let (Some(k), Some(fee), true) = (coop, fee, errors.is_empty()) {
        match state
            .store
            .set_market_operator(&caller.actor(), k, fee)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/admin/operator-pasar?ok=saved").into_response()),
            Err(StoreError::Invalid(fs)) => errors.extend(fs.into_iter().map(|e| e.msg)),
            Err(StoreError::Conflict(m)) => errors.push(m),
            Err(e) => return Err(e.into()),
        }
    }
    let errors = errors.iter().map(|m| m.get(lang).to_string()).collect();
    admin_page(
        &state,
        p,
        f.koperasi,
        f.fee_bp,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// --- A coop's overview -----------------------------------------------------------------------

/// One row of "who owes whom": the other coop's id and name, orders, amount.
pub struct OwedRow {
    pub id: String,
    pub name: String,
    pub orders: i64,
    pub amount: String,
}

/// One settlement in the list.
pub struct SettlementRow {
    pub href: String,
    pub date: String,
    /// "paid to" (as operator) or "received from" (as merchant).
    pub paid: bool,
    pub other: String,
    pub amount: String,
    pub orders: i64,
}

#[derive(Template)]
#[template(path = "market_operator/index.html")]
struct IndexPage {
    p: Page,
    kid: String,
    operator: Option<(String, String)>,
    is_operator: bool,
    owed_to: Vec<OwedRow>,
    owed_to_total: String,
    owed_by: Vec<OwedRow>,
    owed_by_total: String,
    settlements: Vec<SettlementRow>,
    can_settle: bool,
    from: String,
    to: String,
    idem: String,
    errors: Vec<String>,
}

/// `GET /k/{kid}/pasar/operator`: the /pasar operator and its fee, what this coop owes each
/// merchant coop and what operators owe it, the settlement form (pengurus) and the
/// settlements made and received.
pub async fn index(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    index_page(
        &state,
        &caller,
        &coop,
        &access,
        &q.ok,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// The overview, with the errors of a refused settlement (and its status) when there are.
async fn index_page(
    state: &AppState,
    caller: &Caller,
    coop: &guyub_store::coop::Koperasi,
    access: &crate::auth::Access,
    ok: &str,
    errors: Vec<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let kid = coop.id.to_string();
    let lang = caller.lang;
    let t = state.store.tenant(coop.id);
    let op = state.store.market_operator().await?;
    let owed_to = t.owed_to_merchants().await?;
    let owed_by = t.owed_by_operators().await?;
    let list = t.settlements().await?;
    let today = super::members::today_in(coop);
    let first = today.replace_day(1).unwrap_or(today);
    let row = |o: &guyub_store::market::operator::CoopOwed| OwedRow {
        id: o.koperasi_id.to_string(),
        name: o.koperasi_name.clone(),
        orders: o.orders,
        amount: rp(o.amount),
    };
    let mut p = Page::new(caller, "op-title")
        .in_coop(coop, access, "market")
        .at(&format!("/k/{kid}/pasar/operator"));
    if ok == "settled" {
        p.flash = Some(p.t("op-ok-settled"));
    }
    Ok(render_status(
        status,
        &IndexPage {
            kid: coop.id.to_string(),
            is_operator: op.as_ref().is_some_and(|o| o.koperasi_id == coop.id),
            operator: op.map(|o| (o.koperasi_name, fee_label(o.fee_bp))),
            owed_to_total: rp(owed_to.iter().map(|o| o.amount).sum()),
            owed_to: owed_to.iter().map(row).collect(),
            owed_by_total: rp(owed_by.iter().map(|o| o.amount).sum()),
            owed_by: owed_by.iter().map(row).collect(),
            settlements: list
                .iter()
                .map(|s| {
                    let paid = s.operator_id == coop.id;
                    SettlementRow {
                        href: format!("/k/{}/pasar/operator/penyelesaian/{}", coop.id, s.id),
                        date: waktu(s.created_at, coop.timezone(), lang),
                        paid,
                        other: if paid {
                            s.merchant_name.clone()
                        } else {
                            s.operator_name.clone()
                        },
                        amount: rp(s.amount),
                        orders: s.order_count,
                    }
                })
                .collect(),
            can_settle: access.allows(Need::ManageMarket),
            from: first.to_string(),
            to: today.to_string(),
            idem: random_secret()?,
            errors,
            p,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct SettleFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    merchant: String,
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
    #[serde(default)]
    cara: String,
    #[serde(default)]
    idem: String,
}

/// `POST /k/{kid}/pasar/operator/penyelesaian`: pays one merchant coop for its orders paid in
/// the range (pengurus only). Refusals (no orders, nothing owed, bad dates) are 409/422 with
/// nothing written; a replayed form lands on the same settlement.
pub async fn settle(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<SettleFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(&f.csrf)?;
    let lang = caller.lang;
    let refused = |ms: Vec<Msg>, status: StatusCode| {
        let errors = ms.iter().map(|m| m.get(lang).to_string()).collect();
        index_page(&state, &caller, &coop, &access, "", errors, status)
    };
    let mut errs = vec![];
    let merchant = KoperasiId::parse(&f.merchant);
    if merchant.is_none() {
        errs.push(Msg::new(
            "Pilih koperasi penjual.",
            "Choose the merchant coop.",
        ));
    }
    let (from, to) = (parse_date(&f.dari), parse_date(&f.sampai));
    if from.is_none() || to.is_none() {
        errs.push(Msg::new(
            "Isi tanggal awal dan akhir (tttt-bb-hh).",
            "Enter the start and end dates (yyyy-mm-dd).",
        ));
    }
    let method = SettleMethod::parse(&f.cara);
    if method.is_none() {
        errs.push(Msg::new("Pilih bank atau kas.", "Choose bank or cash."));
    }
    let (Some(merchant), Some(from), Some(to), Some(method)) = (merchant, from, to, method) else {
        return refused(errs, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let made = state
        .store
        .tenant(coop.id)
        .create_settlement(
            &caller.actor(),
            &SettlementInput {
                merchant,
                from,
                to,
                method,
                idem_key: super::opt(&f.idem),
            },
        )
        .await;
    match made {
        Ok(s) => Ok(Redirect::to(&format!(
            "/k/{}/pasar/operator/penyelesaian/{}?ok=settled",
            coop.id, s.id
        ))
        .into_response()),
        Err(StoreError::Invalid(fs)) => {
            refused(
                fs.into_iter().map(|e| e.msg).collect(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => refused(vec![m], StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

// --- The settlement report -------------------------------------------------------------------

pub struct LineRow {
    pub no: String,
    pub paid: String,
    pub gross: String,
    pub fee: String,
    pub refund: String,
    pub net: String,
}

#[derive(Template)]
#[template(path = "market_operator/report.html")]
struct ReportPage {
    p: Page,
    back: String,
    operator: String,
    merchant: String,
    period: String,
    method: String,
    made: String,
    by: String,
    lines: Vec<LineRow>,
    gross: String,
    fee: String,
    refunds: String,
    amount: String,
}

fn method_label(m: &str, lang: Lang) -> String {
    match (m, lang) {
        ("kas", Lang::Id) => "Tunai (kas)".into(),
        ("kas", Lang::En) => "Cash".into(),
        ("bank", _) => "Bank".into(),
        (other, _) => other.to_string(),
    }
}

/// `GET /k/{kid}/pasar/operator/penyelesaian/{sid}`: the printable report of one settlement,
/// for its operator's and its merchant's books readers; any other coop's is 404.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = MarketSettlementId::parse(&sid).ok_or(WebError::NotFound)?;
    let r = state.store.tenant(coop.id).settlement(id).await?;
    let lang = caller.lang;
    let tz = coop.timezone();
    let s = &r.settlement;
    let mut p = Page::new(&caller, "op-report-title")
        .in_coop(&coop, &access, "market")
        .at(&format!("/k/{kid}/pasar/operator/penyelesaian/{sid}"));
    if q.ok == "settled" {
        p.flash = Some(p.t("op-ok-settled"));
    }
    Ok(render(&ReportPage {
        p,
        back: format!("/k/{}/pasar/operator", coop.id),
        operator: s.operator_name.clone(),
        merchant: s.merchant_name.clone(),
        period: format!(
            "{} – {}",
            tanggal(s.period_from, lang),
            tanggal(s.period_to, lang)
        ),
        method: method_label(&s.method, lang),
        made: waktu(s.created_at, tz, lang),
        by: s.created_by.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| LineRow {
                no: l.order_no.clone(),
                paid: l.paid_at.map(|t| waktu(t, tz, lang)).unwrap_or_default(),
                gross: rp(l.gross),
                fee: rp(l.fee),
                refund: rp(l.refund),
                net: rp(l.net),
            })
            .collect(),
        gross: rp(s.gross),
        fee: rp(s.fee),
        refunds: rp(s.refunds),
        amount: rp(s.amount),
    }))
}

// --- The report as a workbook ----------------------------------------------------------------

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET /k/{kid}/pasar/operator/penyelesaian/{sid}/laporan.xlsx`: the same report as a
/// workbook (orders with gross, fee, refunds and net as numbers in `Rp #,##0`), for the same
/// readers as the page.
pub async fn report_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = MarketSettlementId::parse(&sid).ok_or(WebError::NotFound)?;
    let r = state.store.tenant(coop.id).settlement(id).await?;
    let bytes = report_workbook(&r, caller.lang, coop.timezone())
        .map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
    let file = format!(
        "penyelesaian-{}-{}.xlsx",
        r.settlement.period_from, r.settlement.period_to
    );
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

fn report_workbook(
    r: &guyub_store::market::operator::SettlementReport,
    lang: Lang,
    tz: guyub_core::coop::CoopTimeZone,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let t = |k: &str| crate::i18n::t(lang, k);
    let s = &r.settlement;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let money = rust_xlsxwriter::Format::new().set_num_format("\"Rp\" #,##0");
    let money_bold = money.clone().set_bold();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t("op-sheet"))?;
    ws.write_string_with_format(0, 0, t("op-report-title"), &bold)?;
    let head = [
        (t("op-operator"), s.operator_name.clone()),
        (t("op-merchant"), s.merchant_name.clone()),
        (
            t("op-period"),
            format!(
                "{} – {}",
                tanggal(s.period_from, lang),
                tanggal(s.period_to, lang)
            ),
        ),
        (t("op-method"), method_label(&s.method, lang)),
        (t("op-made"), waktu(s.created_at, tz, lang)),
    ];
    for (i, (k, v)) in head.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, k)?;
        ws.write_string(row, 1, v)?;
    }
    let top = 7u32;
    let cols = [
        "op-order",
        "op-paid-at",
        "op-gross",
        "op-fee",
        "op-refund",
        "op-net",
    ];
    for (c, k) in cols.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, t(k), &bold)?;
    }
    for (i, l) in r.lines.iter().enumerate() {
        let row = top + 1 + u32::try_from(i).unwrap_or(u32::MAX - top - 2);
        ws.write_string(row, 0, &l.order_no)?;
        ws.write_string(
            row,
            1,
            l.paid_at.map(|x| waktu(x, tz, lang)).unwrap_or_default(),
        )?;
        for (c, v) in [(2u16, l.gross), (3, l.fee), (4, l.refund), (5, l.net)] {
            ws.write_number_with_format(row, c, v as f64, &money)?;
        }
    }
    let total_row = top + 1 + u32::try_from(r.lines.len()).unwrap_or(u32::MAX - top - 2);
    ws.write_string_with_format(total_row, 0, t("op-total"), &bold)?;
    for (c, v) in [(2u16, s.gross), (3, s.fee), (4, s.refunds), (5, s.amount)] {
        ws.write_number_with_format(total_row, c, v as f64, &money_bold)?;
    }
    for (c, w) in [18u16, 24, 14, 12, 14, 14].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(top + 1, 0)?;
    wb.save_to_buffer()
}
