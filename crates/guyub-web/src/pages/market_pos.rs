//! The coop store counter (kasir toko): a fast page for a phone or a cheap tablet.
//!
//! The cashier types or scans a barcode/SKU (Enter adds it), adjusts quantities with +/-,
//! looks up the member (member price, patronage), and takes cash (tendered → change) or
//! QRIS (the QR on screen, then "confirm"). The sale being built lives in the form itself (a
//! hidden `baris` field of `variant*qty` pairs and a hidden `anggota` member id), so the page
//! works without JavaScript and nothing is stored until it is paid; prices and stock are read
//! from the catalogue on every step, never taken from the form. A small script only keeps
//! the code field focused and, where the browser has `BarcodeDetector`, offers the camera.
//!
//! Every handler: `Need::Cashier` for this coop, CSRF on posts, then one store call.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::{CheckoutId, MemberId, VariantId};
use guyub_core::market::counter::{MAX_COUNTER_LINES, parse_qty};
use guyub_core::money::Rupiah;
use guyub_core::payment::qr;
use guyub_core::terbilang::rupiah_in_words;
use guyub_core::{Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::market::order::CheckoutPay;
use guyub_store::market::pos::{
    CounterLineInput, CounterMember, CounterPay, CounterSale, CounterSaleInput,
};
use serde::Deserialize;

use super::members::today_in;
use super::{Form, Page, render, render_status};
use crate::auth::{self, Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

fn rp(n: i64) -> String {
    Rupiah(n).to_string()
}

/// One line of the sale being built, as shown.
pub struct LineView {
    pub idx: usize,
    pub name: String,
    pub code: String,
    pub qty: u32,
    pub price: String,
    pub subtotal: String,
    pub stock: i64,
}

/// A member found by the lookup.
pub struct FoundMember {
    pub id: String,
    pub name: String,
    pub member_no: String,
}

#[derive(Template)]
#[template(path = "market_pos/counter.html")]
struct CounterPage {
    p: Page,
    kid: String,
    lines: Vec<LineView>,
    /// The hidden state: `variant*qty;…`.
    baris: String,
    total: String,
    member: Option<CounterMember>,
    member_q: String,
    found: Vec<FoundMember>,
    searched: bool,
    error: Option<String>,
    idem: String,
    tendered: String,
}

/// The sale being built, as read from the form.
#[derive(Debug, Clone, Default)]
struct Draft {
    lines: Vec<CounterLineInput>,
    member: Option<MemberId>,
}

impl Draft {
    fn encode(&self) -> String {
        self.lines
            .iter()
            .map(|l| format!("{}*{}", l.variant_id, l.qty))
            .collect::<Vec<_>>()
            .join(";")
    }
}

fn bad_state() -> Msg {
    Msg::new(
        "Daftar belanja tidak terbaca; mulai penjualan baru.",
        "The sale list could not be read; start a new sale.",
    )
}

/// Reads the hidden state and the typed quantities (`qty_<i>`). A quantity that is not a
/// whole number from 1 up is refused (a line is removed with its own button).
fn read_draft(form: &HashMap<String, String>) -> Result<Draft, Msg> {
    let mut d = Draft::default();
    let raw = form.get("baris").map(String::as_str).unwrap_or("").trim();
    if !raw.is_empty() {
        for part in raw.split(';') {
            let (v, q) = part.split_once('*').ok_or_else(bad_state)?;
            let variant_id = VariantId::parse(v.trim()).ok_or_else(bad_state)?;
            let qty = parse_qty(q).map_err(|e| e.msg())?;
            d.lines.push(CounterLineInput { variant_id, qty });
        }
    }
    if d.lines.len() > MAX_COUNTER_LINES {
        return Err(bad_state());
    }
    for (i, l) in d.lines.iter_mut().enumerate() {
        if let Some(typed) = form.get(&format!("qty_{i}")) {
            l.qty = parse_qty(typed).map_err(|e| e.msg())?;
        }
    }
    d.member = match form.get("anggota").map(|s| s.trim()).unwrap_or("") {
        "" => None,
        s => Some(MemberId::parse(s).ok_or_else(bad_state)?),
    };
    Ok(d)
}

/// What the page shows besides the draft.
#[derive(Default)]
struct Extra {
    member_q: String,
    found: Vec<FoundMember>,
    searched: bool,
    tendered: String,
}

async fn counter_page(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    d: &Draft,
    extra: Extra,
    error: Option<&Msg>,
) -> WebResult<CounterPage> {
    let (coop, access) = coop_access(state, caller, kid, Need::Cashier).await?;
    let tenant = state.store.tenant(coop.id);
    let quote = tenant.counter_quote(&d.lines, d.member).await?;
    let member = match d.member {
        Some(m) => tenant.counter_member(m).await?,
        None => None,
    };
    let lines: Vec<LineView> = quote
        .lines
        .iter()
        .enumerate()
        .map(|(idx, l)| LineView {
            idx,
            name: l.item.name.clone(),
            code: l
                .item
                .barcode
                .clone()
                .or_else(|| l.item.sku.clone())
                .unwrap_or_default(),
            qty: l.qty,
            price: rp(l.unit_price),
            subtotal: rp(l.subtotal),
            stock: l.item.stock,
        })
        .collect();
    // The state shown is the quoted one: lines no longer sold drop out here.
    let kept = Draft {
        lines: quote
            .lines
            .iter()
            .map(|l| CounterLineInput {
                variant_id: l.item.variant_id,
                qty: l.qty,
            })
            .collect(),
        member: member.as_ref().map(|m| m.id),
    };
    Ok(CounterPage {
        p: Page::new(caller, "pos-title")
            .in_coop(&coop, &access, "toko")
            .at(&format!("/k/{kid}/toko")),
        kid: kid.to_string(),
        lines,
        baris: kept.encode(),
        total: rp(quote.total),
        member,
        member_q: extra.member_q,
        found: extra.found,
        searched: extra.searched,
        error: error.map(|e| e.get(caller.lang).to_string()),
        // A fresh key for each form shown: a double submit of the payment records one sale.
        idem: auth::random_secret()?,
        tendered: extra.tendered,
    })
}

/// `GET /k/{kid}/toko`: an empty sale.
pub async fn counter(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let page = counter_page(
        &state,
        &caller,
        &kid,
        &Draft::default(),
        Extra::default(),
        None,
    )
    .await?;
    Ok(render(&page))
}

/// The page again with what was there before the step and why the step was refused.
async fn refused(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    d: &Draft,
    extra: Extra,
    msg: Msg,
) -> WebResult<Response> {
    let page = counter_page(state, caller, kid, d, extra, Some(&msg)).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn store_msg(e: StoreError) -> Result<Msg, WebError> {
    match e {
        StoreError::Conflict(m) => Ok(m),
        StoreError::Invalid(f) => Ok(f
            .first()
            .map(|e| e.msg.clone())
            .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input."))),
        e => Err(e.into()),
    }
}

fn stock_msg(name: &str, stock: i64) -> Msg {
    Msg::new(
        format!("Stok {name} tinggal {}; kurangi jumlahnya.", stock.max(0)),
        format!(
            "Only {} of {name} left in stock; lower the quantity.",
            stock.max(0)
        ),
    )
}

/// `POST /k/{kid}/toko`: one step of the sale (`aksi`): `tambah` (add the typed code; with
/// no code, look the member up when that was typed, else just apply the quantities: Enter in
/// any field submits `tambah`), `ubah` (apply typed quantities),
/// `plus-<i>`, `minus-<i>`, `hapus-<i>`, `cari` (member lookup), `anggota-<id>`, `lepas`
/// (no member), `baru` (clear), `tunai` and `qris` (pay: the sale is recorded and the page
/// redirects to its receipt or its QR).
pub async fn step(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let tenant = state.store.tenant(coop.id);
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut extra = Extra {
        member_q: field("cari_anggota"),
        tendered: field("dibayar"),
        ..Extra::default()
    };
    let mut d = match read_draft(&form) {
        Ok(d) => d,
        Err(m) => {
            // Keep what can be kept: the lines as they were before the typed quantities.
            let mut before = form.clone();
            before.retain(|k, _| !k.starts_with("qty_"));
            let d = read_draft(&before).unwrap_or_default();
            return refused(&state, &caller, &kid, &d, extra, m).await;
        }
    };
    let before = d.clone();
    let aksi = field("aksi");
    let aksi = if aksi.is_empty() {
        "tambah".to_string()
    } else {
        aksi
    };
    let code = field("kode");
    match aksi.as_str() {
        "tambah" if code.is_empty() && !extra.member_q.is_empty() => {
            extra.found = found(&tenant, &extra.member_q).await?;
            extra.searched = true;
        }
        // Enter in a quantity field: the typed quantities were applied above.
        "tambah" if code.is_empty() => {}
        "tambah" => {
            let item = match tenant.counter_find_code(&code).await {
                Ok(Some(i)) => i,
                Ok(None) => {
                    let m = Msg::new(
                        format!("Kode {code} tidak dikenal di toko ini."),
                        format!("The code {code} is not known in this store."),
                    );
                    return refused(&state, &caller, &kid, &before, extra, m).await;
                }
                Err(e) => {
                    let m = store_msg(e)?;
                    return refused(&state, &caller, &kid, &before, extra, m).await;
                }
            };
            let qty = match d.lines.iter_mut().find(|l| l.variant_id == item.variant_id) {
                Some(l) => {
                    l.qty = l.qty.saturating_add(1);
                    l.qty
                }
                None => {
                    if d.lines.len() >= MAX_COUNTER_LINES {
                        return refused(&state, &caller, &kid, &before, extra, bad_state()).await;
                    }
                    d.lines.push(CounterLineInput {
                        variant_id: item.variant_id,
                        qty: 1,
                    });
                    1
                }
            };
            if i64::from(qty) > item.stock {
                let m = stock_msg(&item.name, item.stock);
                return refused(&state, &caller, &kid, &before, extra, m).await;
            }
        }
        "cari" => {
            extra.found = found(&tenant, &extra.member_q).await?;
            extra.searched = true;
        }
        "lepas" => d.member = None,
        "baru" => {
            d = Draft::default();
            extra = Extra::default();
        }
        "tunai" | "qris" => {
            let pay = if aksi == "qris" {
                CounterPay::Qris
            } else {
                match Rupiah::parse_positive(&extra.tendered) {
                    Ok(t) => CounterPay::Cash { tendered: t },
                    Err(e) => {
                        let m = Msg::new(
                            format!("Uang diterima: {}", e.msg().id),
                            format!("Cash tendered: {}", e.msg().en),
                        );
                        return refused(&state, &caller, &kid, &before, extra, m).await;
                    }
                }
            };
            let input = CounterSaleInput {
                idem_key: form
                    .get("_idem")
                    .filter(|k| !k.is_empty())
                    .map(|k| format!("toko:{}", k.chars().take(80).collect::<String>())),
                member: d.member,
                lines: d.lines.clone(),
                pay,
            };
            return match tenant.counter_sale(&caller.actor(), &input).await {
                Ok(sale) => Ok(
                    Redirect::to(&format!("/k/{kid}/toko/{}", sale.checkout.id)).into_response()
                ),
                Err(e) => {
                    let m = store_msg(e)?;
                    refused(&state, &caller, &kid, &d, extra, m).await
                }
            };
        }
        other => {
            let (verb, arg) = other.split_once('-').unwrap_or((other, ""));
            match verb {
                "plus" | "minus" | "hapus" => {
                    let i: usize = arg.parse().map_err(|_| WebError::BadRequest(bad_state()))?;
                    if i >= d.lines.len() {
                        return Err(WebError::BadRequest(bad_state()));
                    }
                    match verb {
                        "plus" => d.lines[i].qty = d.lines[i].qty.saturating_add(1),
                        "minus" if d.lines[i].qty > 1 => d.lines[i].qty -= 1,
                        _ => {
                            d.lines.remove(i);
                        }
                    }
                }
                "anggota" => {
                    let m = MemberId::parse(arg).ok_or(WebError::NotFound)?;
                    match tenant.counter_member(m).await? {
                        Some(m) => d.member = Some(m.id),
                        None => {
                            let m = Msg::new(
                                "Anggota tidak ditemukan atau tidak aktif di koperasi ini.",
                                "Member not found or not active in this coop.",
                            );
                            return refused(&state, &caller, &kid, &before, extra, m).await;
                        }
                    }
                    extra.member_q.clear();
                }
                // "ubah" and anything else: the typed quantities were applied above.
                _ => {}
            }
        }
    }
    // Quantities above the stock are refused at each step too (the sale checks again).
    let quote = tenant.counter_quote(&d.lines, d.member).await?;
    if let Some(l) = quote.lines.iter().find(|l| i64::from(l.qty) > l.item.stock) {
        let m = stock_msg(&l.item.name, l.item.stock);
        return refused(&state, &caller, &kid, &before, extra, m).await;
    }
    let page = counter_page(&state, &caller, &kid, &d, extra, None).await?;
    Ok(render(&page))
}

async fn found(tenant: &guyub_store::Tenant<'_>, q: &str) -> WebResult<Vec<FoundMember>> {
    Ok(tenant
        .counter_find_members(q)
        .await?
        .into_iter()
        .map(|m| FoundMember {
            id: m.id.to_string(),
            name: m.name,
            member_no: m.member_no,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// A sale: the QR while it waits, the receipt once paid
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_pos/waiting.html")]
struct WaitingPage {
    p: Page,
    kid: String,
    id: String,
    receipt_no: String,
    total: String,
    qr_svg: String,
    state: String,
    waiting: bool,
}

#[derive(Template)]
#[template(path = "market_pos/receipt.html")]
struct ReceiptPage {
    lang: Lang,
    coop_name: String,
    coop_address: String,
    receipt_no: String,
    time: String,
    member: Option<CounterMember>,
    lines: Vec<(String, String, String)>,
    total: String,
    words: String,
    method: String,
    tendered: Option<String>,
    change: Option<String>,
    cashier: String,
    size: String,
    kid: String,
}

impl ReceiptPage {
    fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }
}

#[derive(Deserialize, Default)]
pub struct SizeQuery {
    ukuran: Option<String>,
}

fn sale_id(s: &str) -> WebResult<CheckoutId> {
    CheckoutId::parse(s).ok_or(WebError::NotFound)
}

/// `GET /k/{kid}/toko/{cid}`: the receipt of a paid sale (A6, or 58 mm with `?ukuran=58`),
/// or the QR with "confirm" and "cancel" while a QRIS sale waits.
pub async fn sale(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, cid)): Path<(String, String)>,
    Query(sq): Query<SizeQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = sale_id(&cid)?;
    let s: CounterSale = state.store.tenant(coop.id).counter_sale_view(id).await?;
    let lang = caller.lang;
    if !s.paid() {
        let p = Page::new(&caller, "pos-waiting-title")
            .in_coop(&coop, &access, "toko")
            .at(&format!("/k/{kid}/toko/{cid}"));
        let waiting = s.checkout.state == "menunggu";
        let label = format!("QRIS {}", s.receipt_no);
        let page = WaitingPage {
            state: p.t(&format!("pos-state-{}", s.checkout.state)),
            p,
            kid,
            id: id.to_string(),
            receipt_no: s.receipt_no.clone(),
            total: rp(s.checkout.total),
            qr_svg: if waiting {
                s.checkout
                    .qris_payload
                    .as_deref()
                    .and_then(|x| qr::svg(x, 5, &label).ok())
                    .unwrap_or_default()
            } else {
                String::new()
            },
            waiting,
        };
        return Ok(render(&page));
    }
    let lines = s
        .checkout
        .orders
        .iter()
        .flat_map(|o| o.lines.iter())
        .map(|l| {
            (
                l.name.clone(),
                format!("{} × {}", l.qty, rp(l.unit_price)),
                rp(l.qty * l.unit_price),
            )
        })
        .collect();
    Ok(render(&ReceiptPage {
        lang,
        coop_name: coop.data.name.clone(),
        coop_address: coop.data.address.clone(),
        receipt_no: s.receipt_no.clone(),
        time: fmt_id::waktu(
            s.checkout.paid_at.unwrap_or(s.checkout.created_at),
            coop.timezone(),
            lang,
        ),
        member: s.member.clone(),
        lines,
        total: rp(s.checkout.total),
        words: rupiah_in_words(Rupiah(s.checkout.total), lang),
        method: crate::i18n::t(
            lang,
            if s.checkout.pay_method == CheckoutPay::Qris {
                "pos-method-qris"
            } else {
                "pos-method-cash"
            },
        ),
        tendered: s.tendered.map(rp),
        change: s.change.map(rp),
        cashier: s.cashier_name.clone(),
        size: if sq.ukuran.as_deref() == Some("58") {
            "r58".into()
        } else {
            "a6".into()
        },
        kid,
    }))
}

/// `POST /k/{kid}/toko/{cid}/konfirmasi`: the QRIS money showed; record the sale paid.
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, cid)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let id = sale_id(&cid)?;
    state
        .store
        .tenant(coop.id)
        .confirm_counter_qris(&caller.actor(), id)
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/toko/{id}")).into_response())
}

/// `POST /k/{kid}/toko/{cid}/batal`: the buyer could not pay; cancel and give the stock back.
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, cid)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let id = sale_id(&cid)?;
    state
        .store
        .tenant(coop.id)
        .cancel_counter_sale(&caller.actor(), id)
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/toko/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Today's sales
// ---------------------------------------------------------------------------------------------

pub struct SaleRowView {
    pub id: String,
    pub receipt_no: String,
    pub time: String,
    pub buyer: String,
    pub cashier: String,
    pub method: String,
    pub total: String,
    pub state: String,
    pub paid: bool,
}

#[derive(Template)]
#[template(path = "market_pos/today.html")]
struct TodayPage {
    p: Page,
    kid: String,
    rows: Vec<SaleRowView>,
    paid_total: String,
    cash_total: String,
    qris_total: String,
}

/// `GET /k/{kid}/toko/hari-ini`: today's counter sales, newest first, with the totals paid
/// in cash and by QRIS (what the drawer and the QRIS app should show).
pub async fn today(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let sales = state
        .store
        .tenant(coop.id)
        .counter_sales_on(today_in(&coop))
        .await?;
    let p = Page::new(&caller, "pos-today-title")
        .in_coop(&coop, &access, "toko")
        .at(&format!("/k/{kid}/toko/hari-ini"));
    let paid = |m: Option<CheckoutPay>| -> i64 {
        sales
            .iter()
            .filter(|s| s.state == "dibayar" && m.is_none_or(|m| s.pay_method == m))
            .map(|s| s.total)
            .sum()
    };
    let (paid_total, cash_total, qris_total) = (
        rp(paid(None)),
        rp(paid(Some(CheckoutPay::CashAtPickup))),
        rp(paid(Some(CheckoutPay::Qris))),
    );
    let rows = sales
        .iter()
        .map(|s| SaleRowView {
            id: s.id.to_string(),
            receipt_no: s.receipt_no.clone(),
            time: {
                let t = s.created_at.to_offset(coop.timezone().offset());
                format!("{:02}.{:02}", t.hour(), t.minute())
            },
            buyer: s.buyer_name.clone(),
            cashier: s.cashier_name.clone(),
            method: p.t(if s.pay_method == CheckoutPay::Qris {
                "pos-method-qris"
            } else {
                "pos-method-cash"
            }),
            total: rp(s.total),
            state: p.t(&format!("pos-state-{}", s.state)),
            paid: s.state == "dibayar",
        })
        .collect();
    Ok(render(&TodayPage {
        p,
        kid,
        rows,
        paid_total,
        cash_total,
        qris_total,
    }))
}
