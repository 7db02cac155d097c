//! Savings beyond the counter: the coop's own savings products, the simpanan wajib arrears
//! list, each cashier's daily cash closing, and the settlement of a member who leaves (with
//! its printable statement and the later payment of a refund left owing).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::MemberId;
use guyub_core::member::{MemberStatus, parse_date};
use guyub_core::money::Rupiah;
use guyub_core::savings::{PayMethod, SavingsKind};
use guyub_core::terbilang::rupiah_in_words;
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::savings::{LeavingStatement, check_product};
use serde::Deserialize;

use super::members::today_in;
use super::{Form, Page, opt, render, render_status};
use crate::auth::{Access, Caller, Need, coop_access};
use crate::error::{WebError, WebResult, field_messages};
use crate::state::AppState;

const ARREARS_PAGE_SIZE: usize = 50;

#[derive(Deserialize, Default)]
pub struct OkQuery {
    pub ok: Option<String>,
}

/// The first field error's message (for a store refusal shown above a form).
fn first_msg(errors: &[FieldError]) -> Msg {
    errors
        .first()
        .map(|e| e.msg.clone())
        .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input."))
}

// ---------------------------------------------------------------------------------------------
// Products

/// One product as listed.
pub struct ProductRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub account: String,
    pub min_balance: String,
    pub term: String,
    pub active: bool,
}

/// The add-product form as posted (and re-shown with its errors).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProductFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub min_balance: String,
    #[serde(default)]
    pub term_months: String,
}

#[derive(Template)]
#[template(path = "savings/products.html")]
struct ProductsPage {
    p: Page,
    kid: String,
    rows: Vec<ProductRow>,
    can_write: bool,
    f: ProductFields,
    kinds: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    general: Option<String>,
}

async fn products_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: ProductFields,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> WebResult<ProductsPage> {
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let products = tenant.products().await?;
    let accounts = tenant.accounts().await?;
    let kid = coop.id.to_string();
    let rows = products
        .iter()
        .map(|p| ProductRow {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind().label(lang),
            account: accounts
                .iter()
                .find(|a| a.id == p.account_id)
                .map(|a| format!("{} {}", a.code, a.name))
                .unwrap_or_default(),
            min_balance: Rupiah(p.min_balance).to_string(),
            term: p
                .term_months
                .map(|m| crate::i18n::t_args(lang, "sav-term-months", &[("n", m.to_string())]))
                .unwrap_or_default(),
            active: p.active,
        })
        .collect();
    Ok(ProductsPage {
        p: Page::new(caller, "sav-products-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/simpanan/produk")),
        kid,
        rows,
        can_write: access.allows(Need::WriteCoop),
        f,
        kinds: [
            SavingsKind::Sukarela,
            SavingsKind::Berjangka,
            SavingsKind::Lain,
        ]
        .iter()
        .map(|k| (k.as_str(), k.label(lang)))
        .collect(),
        errors: field_messages(errors, lang),
        general: general.map(|m| m.get(lang).to_string()),
    })
}

/// The coop's savings products with their ledger accounts; the board may add its own.
pub async fn products(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let mut page = products_page(
        &state,
        &caller,
        &coop,
        &access,
        ProductFields {
            kind: SavingsKind::Sukarela.as_str().into(),
            min_balance: "0".into(),
            ..Default::default()
        },
        &[],
        None,
    )
    .await?;
    page.p = page.p.flash(oq.ok.as_deref());
    Ok(render(&page))
}

/// Reads the product form: every problem at once (amount and term parsing here, the rest by
/// the store's `check_product`).
fn parse_product(f: &ProductFields) -> Result<(SavingsKind, Rupiah, Option<i64>), Vec<FieldError>> {
    let mut errors = vec![];
    let kind = SavingsKind::parse(&f.kind);
    let min = if f.min_balance.trim().is_empty() {
        Rupiah::ZERO
    } else {
        match Rupiah::parse(&f.min_balance) {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new("min_balance", e.msg()));
                Rupiah::ZERO
            }
        }
    };
    let term = match f.term_months.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "term_months",
                    Msg::new(
                        "Jangka waktu ditulis dalam bulan, angka bulat (contoh: 12).",
                        "The term is a whole number of months (example: 12).",
                    ),
                ));
                None
            }
        },
    };
    // The store's rules too, so that every problem shows at once (a term that did not parse
    // is reported once: the first message of a field wins).
    if let Err(e) = check_product(&f.code, &f.name, kind, min, term) {
        errors.extend(e);
    }
    match (kind, errors.is_empty()) {
        (Some(k), true) => Ok((k, min, term)),
        _ => Err(dedup(errors)),
    }
}

fn errors_has(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

/// One message per field (the first), in the order found.
fn dedup(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = vec![];
    for e in errors {
        if !errors_has(&out, &e.field) {
            out.push(e);
        }
    }
    out
}

pub async fn add_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<ProductFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    let (kind, min, term) = match parse_product(&f) {
        Ok(v) => v,
        Err(errors) => {
            let page = products_page(&state, &caller, &coop, &access, f, &errors, None).await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match state
        .store
        .tenant(coop.id)
        .add_product(&caller.actor(), &f.code, &f.name, kind, min, term)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/k/{kid}/simpanan/produk?ok=product-added")).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let page = products_page(&state, &caller, &coop, &access, f, &errors, None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(StoreError::Conflict(m)) => {
            let page = products_page(&state, &caller, &coop, &access, f, &[], Some(&m)).await?;
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Arrears

pub struct ArrearsLine {
    pub member_id: String,
    pub member_no: String,
    pub name: String,
    pub months: u32,
    pub owed: String,
}

#[derive(Template)]
#[template(path = "savings/arrears.html")]
struct ArrearsPage {
    p: Page,
    kid: String,
    rows: Vec<ArrearsLine>,
    members: usize,
    total_owed: String,
    total_months: u64,
    monthly: String,
    as_of: String,
    page: usize,
    has_more: bool,
    can_cashier: bool,
    can_products: bool,
    first: usize,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<usize>,
}

/// Every active member behind on simpanan wajib, most owed first.
pub async fn arrears(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(pq): Query<PageQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadMembers).await?;
    let lang = caller.lang;
    let page = pq.page.unwrap_or(1).clamp(1, 100_000);
    let today = today_in(&coop);
    let offset = (page - 1) * ARREARS_PAGE_SIZE;
    let list = state
        .store
        .tenant(coop.id)
        .wajib_arrears_list(today, ARREARS_PAGE_SIZE, offset)
        .await?;
    Ok(render(&ArrearsPage {
        p: Page::new(&caller, "sav-arrears-title")
            .in_coop(&coop, &access, "members")
            .at(&format!("/k/{kid}/simpanan/tunggakan")),
        rows: list
            .rows
            .iter()
            .map(|r| ArrearsLine {
                member_id: r.member_id.to_string(),
                member_no: r.member_no.clone(),
                name: r.name.clone(),
                months: r.months_owed,
                owed: Rupiah(r.rupiah_owed).to_string(),
            })
            .collect(),
        kid,
        members: list.members,
        total_owed: Rupiah(list.total_owed).to_string(),
        total_months: list.total_months,
        monthly: Rupiah(list.monthly).to_string(),
        as_of: fmt_id::tanggal(today, lang),
        page,
        has_more: list.has_more,
        can_cashier: access.allows(Need::Cashier),
        can_products: access.allows(Need::ReadBooks),
        first: offset + 1,
    }))
}

// ---------------------------------------------------------------------------------------------
// Daily cash closing

#[derive(Template)]
#[template(path = "savings/closing.html")]
struct ClosingPage {
    p: Page,
    kid: String,
    day: String,
    receipts: i64,
    cash_in: String,
    cash_out: String,
    /// Marketplace cash this cashier took today (store counter, pickup, COD): count, amount.
    store_sales: i64,
    store_cash: String,
    expected: String,
    /// Today's closing, when done: (counted, difference, reason, time).
    done: Option<(String, String, String, String)>,
    difference_sign: i64,
    counted: String,
    reason: String,
    errors: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClosingFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub counted: String,
    #[serde(default)]
    pub reason: String,
}

async fn closing_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: &ClosingFields,
    errors: &[FieldError],
) -> WebResult<ClosingPage> {
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let today = today_in(coop);
    let exp = tenant.expected_cash(caller.user.id, today).await?;
    let closing = tenant.cash_closing(caller.user.id, today).await?;
    let kid = coop.id.to_string();
    Ok(ClosingPage {
        p: Page::new(caller, "sav-closing-title")
            .in_coop(coop, access, "cashier")
            .at(&format!("/k/{kid}/kasir/tutup")),
        kid,
        day: fmt_id::tanggal(today, lang),
        receipts: exp.receipts,
        cash_in: Rupiah(exp.cash_in).to_string(),
        cash_out: Rupiah(exp.cash_out).to_string(),
        store_sales: exp.store_sales,
        store_cash: Rupiah(exp.store_cash).to_string(),
        expected: Rupiah(exp.expected()).to_string(),
        difference_sign: closing.as_ref().map(|c| c.difference.signum()).unwrap_or(0),
        done: closing.map(|c| {
            (
                Rupiah(c.counted).to_string(),
                Rupiah(c.difference.abs()).to_string(),
                c.reason.unwrap_or_default(),
                fmt_id::waktu(c.created_at, coop.timezone(), lang),
            )
        }),
        counted: f.counted.clone(),
        reason: f.reason.clone(),
        errors: field_messages(errors, lang),
    })
}

/// The cashier's closing of today: what the drawer should hold, what was counted.
pub async fn closing(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let mut page = closing_page(
        &state,
        &caller,
        &coop,
        &access,
        &ClosingFields::default(),
        &[],
    )
    .await?;
    page.p = page.p.flash(oq.ok.as_deref());
    Ok(render(&page))
}

pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<ClosingFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let refused = async |errors: &[FieldError], status: StatusCode| -> WebResult<Response> {
        let page = closing_page(&state, &caller, &coop, &access, &f, errors).await?;
        Ok(render_status(status, &page))
    };
    // The drawer may be empty: 0 is a valid count; cents and letters are not.
    let counted = match Rupiah::parse(&f.counted) {
        Ok(r) => r,
        Err(e) => {
            return refused(
                &[FieldError::new("counted", e.msg())],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let reason = match guyub_core::member::clean_text(&f.reason, "reason", 500) {
        Ok(r) => opt(&r),
        Err(e) => return refused(&[e], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match state
        .store
        .tenant(coop.id)
        .close_cash(
            &caller.actor(),
            caller.user.id,
            today_in(&coop),
            counted,
            reason,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/k/{kid}/kasir/tutup?ok=cash-closed")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            refused(&errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(StoreError::Conflict(m)) => {
            refused(&[FieldError::new("counted", m)], StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Leaving the coop

/// A settlement statement as shown: lines (product, kind, balance) and totals, formatted.
pub struct StatementView {
    pub settled: bool,
    pub lines: Vec<(String, String)>,
    pub total: String,
    pub owed_to_coop: String,
    pub refund: String,
    pub refund_words: String,
    /// How the refund was (or is to be) paid, in words.
    pub how: String,
    pub unpaid: bool,
    pub payout: String,
    pub entry_no: String,
}

fn statement_view(s: &LeavingStatement, lang: Lang) -> StatementView {
    let how = if !s.settled {
        String::new()
    } else if s.settlement.refund.0 == 0 {
        crate::i18n::t(lang, "sav-nothing-to-refund")
    } else if let Some(m) = s.paid_now {
        crate::i18n::t_args(
            lang,
            "sav-paid-now",
            &[("method", m.label(lang).to_string())],
        )
    } else {
        crate::i18n::t_args(
            lang,
            "sav-payable",
            &[("amount", Rupiah(s.payable).to_string())],
        )
    };
    StatementView {
        settled: s.settled,
        lines: s
            .settlement
            .lines
            .iter()
            .map(|l| (l.product.clone(), l.balance.to_string()))
            .collect(),
        total: s.settlement.total_savings.to_string(),
        owed_to_coop: s.settlement.owed_to_coop.to_string(),
        refund: s.settlement.refund.to_string(),
        refund_words: rupiah_in_words(s.settlement.refund, lang),
        how,
        unpaid: s.unpaid(),
        payout: s
            .payout
            .as_ref()
            .map(|p| {
                crate::i18n::t_args(
                    lang,
                    "sav-payout-done",
                    &[
                        ("date", fmt_id::tanggal(p.date, lang)),
                        (
                            "method",
                            p.method.map(|m| m.label(lang)).unwrap_or("-").to_string(),
                        ),
                        ("no", p.entry_no.to_string()),
                    ],
                )
            })
            .unwrap_or_default(),
        entry_no: s.entry_no.map(|n| n.to_string()).unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeavingFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub reason: String,
    /// tunai | transfer | qris | nanti
    #[serde(default)]
    pub pay: String,
}

#[derive(Template)]
#[template(path = "savings/leaving.html")]
struct LeavingPage {
    p: Page,
    kid: String,
    mid: String,
    member_name: String,
    member_no: String,
    status_label: String,
    active: bool,
    left_on: String,
    reason_given: String,
    s: StatementView,
    can_write: bool,
    f: LeavingFields,
    today: String,
    pay_choices: Vec<(&'static str, String)>,
    /// The ways to pay a refund left owing: tunai, transfer, QRIS.
    methods: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    general: Option<String>,
}

/// Who may see a settlement statement: the board (who settles) and whoever reads the books.
async fn leaving_access(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    mid: &str,
) -> WebResult<(Koperasi, Access, MemberId)> {
    let (coop, access) = coop_access(state, caller, kid, Need::SeeCoop).await?;
    if !(access.allows(Need::WriteMembers) || access.allows(Need::ReadBooks)) {
        return Err(WebError::forbidden());
    }
    let member = MemberId::parse(mid).ok_or(WebError::NotFound)?;
    Ok((coop, access, member))
}

#[allow(clippy::too_many_arguments)]
async fn leaving_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    member: MemberId,
    f: LeavingFields,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> WebResult<LeavingPage> {
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(member).await?;
    let s = tenant.leaving_statement(member).await?;
    let kid = coop.id.to_string();
    let today = today_in(coop);
    Ok(LeavingPage {
        p: Page::new(caller, "sav-leaving-title")
            .in_coop(coop, access, "members")
            .at(&format!("/k/{kid}/anggota/{member}/keluar")),
        kid,
        mid: member.to_string(),
        member_name: m.name.clone(),
        member_no: m.member_no.clone(),
        status_label: m.status.label(lang).to_string(),
        active: m.status == MemberStatus::Aktif,
        left_on: m
            .status_on
            .map(|d| fmt_id::tanggal(d, lang))
            .unwrap_or_default(),
        reason_given: m.status_reason.clone().unwrap_or_default(),
        s: statement_view(&s, lang),
        can_write: access.allows(Need::WriteMembers),
        f: LeavingFields {
            date: if f.date.is_empty() {
                today.to_string()
            } else {
                f.date
            },
            pay: if f.pay.is_empty() {
                PayMethod::Cash.as_str().to_string()
            } else {
                f.pay
            },
            ..f
        },
        today: today.to_string(),
        // Every way money moves (each posts to its own account), or later as a payable.
        pay_choices: PayMethod::choices(lang)
            .into_iter()
            .map(|(code, label)| (code, label.to_string()))
            .chain([("nanti", crate::i18n::t(lang, "sav-pay-later"))])
            .collect(),
        methods: PayMethod::choices(lang),
        errors: field_messages(errors, lang),
        general: general.map(|m| m.get(lang).to_string()),
    })
}

/// The settlement statement of a member and, while they are active, the form to settle.
pub async fn leaving(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access, member) = leaving_access(&state, &caller, &kid, &mid).await?;
    let mut page = leaving_page(
        &state,
        &caller,
        &coop,
        &access,
        member,
        LeavingFields::default(),
        &[],
        None,
    )
    .await?;
    page.p = page.p.flash(oq.ok.as_deref());
    Ok(render(&page))
}

/// A date typed on a form: readable, not in the future.
fn parse_day(s: &str, today: time::Date, field: &str) -> Result<time::Date, FieldError> {
    match parse_date(s) {
        None => Err(FieldError::new(
            field,
            Msg::new(
                "Tanggal tidak dapat dibaca (contoh: 2026-11-27).",
                "The date cannot be read (example: 2026-11-27).",
            ),
        )),
        Some(d) if d > today => Err(FieldError::new(
            field,
            Msg::new(
                "Tanggal tidak boleh di masa depan.",
                "The date cannot be in the future.",
            ),
        )),
        Some(d) => Ok(d),
    }
}

pub async fn settle(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(f): Form<LeavingFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let member = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let today = today_in(&coop);
    let mut errors = vec![];
    let date = parse_day(&f.date, today, "date")
        .map_err(|e| errors.push(e))
        .ok();
    let reason = match guyub_core::member::clean_text(&f.reason, "reason", 500) {
        Ok(r) if !r.is_empty() => Some(r),
        Ok(_) => {
            errors.push(FieldError::new(
                "reason",
                Msg::new("Tuliskan alasan berhenti.", "Give the reason for leaving."),
            ));
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let pay = match f.pay.trim() {
        "nanti" => Some(None),
        p => PayMethod::parse(p).map(Some),
    };
    if pay.is_none() {
        errors.push(FieldError::new(
            "pay",
            Msg::new(
                "Pilih cara pengembalian: tunai, transfer, QRIS, atau nanti (dicatat sebagai utang).",
                "Choose how to refund: cash, transfer, QRIS, or later (recorded as a payable).",
            ),
        ));
    }
    let (Some(date), Some(reason), Some(pay), true) = (date, reason, pay, errors.is_empty()) else {
        let page = leaving_page(&state, &caller, &coop, &access, member, f, &errors, None).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    match state
        .store
        .tenant(coop.id)
        .settle_member(&caller.actor(), member, date, &reason, pay)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/k/{kid}/anggota/{mid}/keluar?ok=member-settled"))
                .into_response(),
        ),
        Err(StoreError::Invalid(errors)) => {
            let page =
                leaving_page(&state, &caller, &coop, &access, member, f, &errors, None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(StoreError::Conflict(m)) => {
            let page =
                leaving_page(&state, &caller, &coop, &access, member, f, &[], Some(&m)).await?;
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PayFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub date: String,
}

/// Pays a refund that was left owing at the settlement.
pub async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(f): Form<PayFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    let member = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let today = today_in(&coop);
    let date = if f.date.trim().is_empty() {
        Ok(today)
    } else {
        parse_day(&f.date, today, "date")
    };
    let method = PayMethod::parse(&f.method).ok_or_else(|| {
        FieldError::new(
            "method",
            Msg::new(
                "Pilih cara bayar: tunai, transfer atau QRIS.",
                "Choose how: cash, transfer or QRIS.",
            ),
        )
    });
    let (date, method) = match (date, method) {
        (Ok(d), Ok(m)) => (d, m),
        (d, m) => {
            let errors: Vec<FieldError> = [d.err(), m.err()].into_iter().flatten().collect();
            let msg = first_msg(&errors);
            let page = leaving_page(
                &state,
                &caller,
                &coop,
                &access,
                member,
                LeavingFields::default(),
                &[],
                Some(&msg),
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match state
        .store
        .tenant(coop.id)
        .pay_settlement(&caller.actor(), member, date, method)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/k/{kid}/anggota/{mid}/keluar?ok=settlement-paid"))
                .into_response(),
        ),
        Err(e @ (StoreError::Conflict(_) | StoreError::Invalid(_))) => {
            let (status, msg) = match e {
                StoreError::Conflict(m) => (StatusCode::CONFLICT, m),
                StoreError::Invalid(errors) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, first_msg(&errors))
                }
                _ => unreachable!(),
            };
            let page = leaving_page(
                &state,
                &caller,
                &coop,
                &access,
                member,
                LeavingFields::default(),
                &[],
                Some(&msg),
            )
            .await?;
            Ok(render_status(status, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "savings/statement.html")]
struct StatementPage {
    lang: Lang,
    coop_name: String,
    coop_address: String,
    legal_number: String,
    member_name: String,
    member_no: String,
    joined: String,
    left_on: String,
    reason: String,
    s: StatementView,
    printed: String,
    size: String,
    back: String,
}

impl StatementPage {
    fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }
}

#[derive(Deserialize, Default)]
pub struct SizeQuery {
    ukuran: Option<String>,
}

/// The printable settlement statement, A4 (default) or A6 (`?ukuran=a6`).
pub async fn statement(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(sq): Query<SizeQuery>,
) -> WebResult<Response> {
    let (coop, _, member) = leaving_access(&state, &caller, &kid, &mid).await?;
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(member).await?;
    let s = tenant.leaving_statement(member).await?;
    Ok(render(&StatementPage {
        lang,
        coop_name: coop.data.name.clone(),
        coop_address: coop.data.address.clone(),
        legal_number: coop.data.legal_number.clone().unwrap_or_default(),
        member_name: m.name.clone(),
        member_no: m.member_no.clone(),
        joined: fmt_id::tanggal(m.joined_on, lang),
        left_on: if s.settled {
            m.status_on
                .map(|d| fmt_id::tanggal(d, lang))
                .unwrap_or_default()
        } else {
            String::new()
        },
        reason: if s.settled {
            m.status_reason.clone().unwrap_or_default()
        } else {
            String::new()
        },
        s: statement_view(&s, lang),
        printed: fmt_id::tanggal(today_in(&coop), lang),
        size: if sq.ukuran.as_deref() == Some("a6") {
            "a6".into()
        } else {
            "a4".into()
        },
        back: format!("/k/{kid}/anggota/{mid}/keluar"),
    }))
}
