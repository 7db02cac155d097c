//! Tomiko pages: purchase orders between coops.
//!
//! The buying coop (`/k/{kid}/tomiko…`): the secondary coops that admit it and its POs with
//! status and due dates, a secondary coop's wholesale catalogue with the PO form (only with
//! access: a coop without it gets a friendly 403 page, never the prices), its PO page
//! (cancel while still `diajukan`) and the receive page (where each line's stock goes).
//! The secondary coop (`/k/{kid}/tomiko/masuk…`): the incoming PO desk (confirm, ship with
//! invoice, record payment, cancel). Both sides: the printable invoice.
//!
//! Who: `Need::ManageMarket` (pengurus, admin) of the coop in the path, on both sides. A PO
//! is reached through the coop in the path only (the store answers `NotFound` for another
//! coop's PO, shown as 404). Placing a PO carries an idempotency key made when the form is
//! rendered, so a double tap or a replay lands on the same PO.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::fmt_id::tanggal;
use guyub_core::ids::{KoperasiId, VariantId};
use guyub_core::market::catalog::parse_tiers;
use guyub_core::market::tomiko::{
    PaymentTerms, PoAction, PoSide, PoStatus, allowed_actions, is_overdue, parse_qty,
};
use guyub_core::money::Rupiah;
use guyub_core::terbilang::rupiah_in_words;
use guyub_core::{FieldError, Lang, Msg};
use guyub_store::StoreError;
use guyub_store::market::tomiko::{Po, PoInput, PoLineInput, PoPay, ReceiveChoice, TomikoItem};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Page, render, render_status};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

fn rp(x: i64) -> String {
    Rupiah(x).to_string()
}

fn date_opt(d: Option<time::Date>, lang: Lang) -> String {
    d.map(|d| tanggal(d, lang)).unwrap_or_default()
}

fn parse_id(s: &str) -> WebResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| WebError::NotFound)
}

fn field_msgs(errors: &[FieldError], lang: Lang) -> Vec<String> {
    errors.iter().map(|e| e.msg.get(lang).to_string()).collect()
}

/// A PO in a list.
pub struct PoRow {
    pub href: String,
    pub no: String,
    pub other: String,
    pub status: &'static str,
    pub status_label: String,
    pub terms: String,
    pub total: String,
    pub due: String,
    pub overdue: bool,
    pub created: String,
}

fn po_rows(pos: &[Po], lang: Lang, buyer_side: bool, href: &dyn Fn(&Po) -> String) -> Vec<PoRow> {
    let today = time::OffsetDateTime::now_utc().date();
    pos.iter()
        .map(|po| PoRow {
            href: href(po),
            no: po.po_no.clone(),
            other: if buyer_side {
                po.seller_name.clone()
            } else {
                po.buyer_name.clone()
            },
            status: po.status.as_str(),
            status_label: po.status.label().get(lang).to_string(),
            terms: po.terms.label().get(lang).to_string(),
            total: rp(po.total),
            due: date_opt(po.due_on, lang),
            overdue: is_overdue(po.status, po.due_on, today),
            created: tanggal(po.created_at.date(), lang),
        })
        .collect()
}

// --- The buyer's index -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_tomiko/index.html")]
struct IndexPage {
    p: Page,
    kid: String,
    sellers: Vec<(String, String, String)>,
    rows: Vec<PoRow>,
    sells: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    pub ok: String,
    #[serde(default)]
    pub status: String,
}

/// `GET /k/{kid}/tomiko`: the secondary coops that admit this coop, and its POs.
pub async fn index(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let lang = caller.lang;
    let sellers = state
        .store
        .tomiko_sellers_for(coop.id)
        .await?
        .into_iter()
        .map(|s| {
            let terms = PaymentTerms::from_days(s.payment_terms_days.min(90))
                .unwrap_or(PaymentTerms::Tunai)
                .label()
                .get(lang)
                .to_string();
            (
                format!("/k/{kid}/tomiko/katalog/{}", s.koperasi_id),
                s.name,
                terms,
            )
        })
        .collect();
    let pos = state.store.tenant(coop.id).tomiko_pos_bought(200).await?;
    let sells = coop.data.tier == guyub_core::coop::CoopTier::Secondary.as_str();
    Ok(render(&IndexPage {
        p: Page::new(&caller, "tmk-title")
            .in_coop(&coop, &access, "tomiko")
            .at(&format!("/k/{kid}/tomiko")),
        rows: po_rows(&pos, lang, true, &|po| {
            format!("/k/{kid}/tomiko/po/{}/{}", po.koperasi_id, po.id)
        }),
        kid,
        sellers,
        sells,
    }))
}

// --- The wholesale catalogue and the PO form -------------------------------------------------

/// One variant of the catalogue with its tiers and the quantity typed.
pub struct ItemView {
    pub field: String,
    pub name: String,
    pub category: String,
    pub price: String,
    pub tiers: Vec<String>,
    pub stock: i64,
    pub qty: String,
}

#[derive(Template)]
#[template(path = "market_tomiko/catalogue.html")]
struct CataloguePage {
    p: Page,
    action: String,
    seller_name: String,
    items: Vec<ItemView>,
    idem: String,
    terms: String,
    days: String,
    max_days: i64,
    note: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "market_tomiko/no_access.html")]
struct NoAccessPage {
    p: Page,
    back: String,
}

fn item_views(items: &[TomikoItem], typed: &HashMap<String, String>, lang: Lang) -> Vec<ItemView> {
    items
        .iter()
        .map(|i| {
            let field = format!("q_{}", i.variant_id.simple());
            let tiers = parse_tiers(&i.wholesale_tiers)
                .map(|t| {
                    t.tiers()
                        .iter()
                        .map(|x| match lang {
                            Lang::Id => format!("≥ {} : {}", x.min_qty, x.price),
                            Lang::En => format!("≥ {} : {}", x.min_qty, x.price),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let name = if i.label.trim().is_empty() {
                i.product_name.clone()
            } else {
                format!("{} – {}", i.product_name, i.label)
            };
            ItemView {
                qty: typed.get(&field).cloned().unwrap_or_default(),
                field,
                name,
                category: i.category.clone(),
                price: rp(i.price),
                tiers,
                stock: i.stock,
            }
        })
        .collect()
}

/// The coop in the path, and the secondary coop `sid` if it admits it (its terms); a friendly
/// 403 page otherwise.
async fn access_to(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    sid: &str,
) -> WebResult<
    Result<
        (
            guyub_store::coop::Koperasi,
            crate::auth::Access,
            KoperasiId,
            i64,
        ),
        Response,
    >,
> {
    let (coop, access) = coop_access(state, caller, kid, Need::ManageMarket).await?;
    let seller = KoperasiId::parse(sid).ok_or(WebError::NotFound)?;
    match state
        .store
        .tenant(coop.id)
        .tomiko_terms_from(seller)
        .await?
    {
        Some(days) => Ok(Ok((coop, access, seller, days))),
        None => {
            let page = NoAccessPage {
                p: Page::new(caller, "tmk-noaccess-title")
                    .in_coop(&coop, &access, "tomiko")
                    .at(&format!("/k/{kid}/tomiko/katalog/{sid}")),
                back: format!("/k/{kid}/tomiko"),
            };
            Ok(Err(render_status(StatusCode::FORBIDDEN, &page)))
        }
    }
}

/// `GET /k/{kid}/tomiko/katalog/{sid}`: the wholesale catalogue of `sid`, with the PO form.
pub async fn catalogue(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, access, seller, days) = match access_to(&state, &caller, &kid, &sid).await? {
        Ok(x) => x,
        Err(page) => return Ok(page),
    };
    let items = state.store.tenant(coop.id).tomiko_catalogue(seller).await?;
    let seller_name = state.store.koperasi(seller).await?.data.name;
    let lang = caller.lang;
    Ok(render(&CataloguePage {
        p: Page::new(&caller, "tmk-catalogue-title")
            .in_coop(&coop, &access, "tomiko")
            .at(&format!("/k/{kid}/tomiko/katalog/{sid}")),
        action: format!("/k/{kid}/tomiko/katalog/{sid}"),
        seller_name,
        items: item_views(&items, &HashMap::new(), lang),
        idem: Uuid::now_v7().simple().to_string(),
        terms: if days > 0 {
            "tempo".into()
        } else {
            "tunai".into()
        },
        days: if days > 0 {
            days.min(90).to_string()
        } else {
            String::new()
        },
        max_days: days.min(90),
        note: String::new(),
        errors: vec![],
    }))
}

/// `POST /k/{kid}/tomiko/katalog/{sid}`: places the PO. Bad input re-renders the form (422)
/// with the messages and nothing written.
pub async fn place(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, access, seller, days) = match access_to(&state, &caller, &kid, &sid).await? {
        Ok(x) => x,
        Err(page) => return Ok(page),
    };
    caller.check_csrf(f.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let items = tenant.tomiko_catalogue(seller).await?;
    let mut errors = vec![];
    let mut lines = vec![];
    for i in &items {
        let field = format!("q_{}", i.variant_id.simple());
        let typed = f.get(&field).map(|s| s.trim()).unwrap_or_default();
        if typed.is_empty() {
            continue;
        }
        match parse_qty(typed) {
            Ok(q) => lines.push(PoLineInput {
                variant_id: VariantId(i.variant_id),
                qty: i64::from(q),
            }),
            Err(e) => errors.push(format!("{}: {}", i.product_name, e.msg().get(lang))),
        }
    }
    // Quantities for items not in the catalogue (a stale or forged form) are refused too.
    for (k, v) in &f {
        if k.starts_with("q_")
            && !v.trim().is_empty()
            && !items
                .iter()
                .any(|i| *k == format!("q_{}", i.variant_id.simple()))
        {
            errors.push(
                Msg::new(
                    "Ada barang yang tidak ada di katalog ini",
                    "An item is not in this catalogue",
                )
                .get(lang)
                .to_string(),
            );
        }
    }
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let terms = PaymentTerms::parse(&g("terms"), &g("days"));
    if let Err(e) = &terms {
        errors.push(e.msg().get(lang).to_string());
    }
    let mut result = Err(StoreError::Invalid(vec![]));
    if errors.is_empty()
        && let Ok(terms) = terms
    {
        result = tenant
            .place_tomiko_po(
                &caller.actor(),
                &PoInput {
                    seller,
                    lines,
                    terms,
                    note: g("note"),
                    idem_key: super::opt(&g("idem")),
                },
            )
            .await;
    }
    match result {
        Ok(po) => Ok(Redirect::to(&format!(
            "/k/{kid}/tomiko/po/{}/{}?ok=placed",
            po.koperasi_id, po.id
        ))
        .into_response()),
        Err(StoreError::Invalid(fe)) => {
            errors.extend(field_msgs(&fe, lang));
            let seller_name = state.store.koperasi(seller).await?.data.name;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CataloguePage {
                    p: Page::new(&caller, "tmk-catalogue-title")
                        .in_coop(&coop, &access, "tomiko")
                        .at(&format!("/k/{kid}/tomiko/katalog/{sid}")),
                    action: format!("/k/{kid}/tomiko/katalog/{sid}"),
                    seller_name,
                    items: item_views(&items, &f, lang),
                    idem: g("idem"),
                    terms: g("terms"),
                    days: g("days"),
                    max_days: days.min(90),
                    note: g("note"),
                    errors,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// --- One PO (both sides) ---------------------------------------------------------------------

pub struct LineView {
    pub no: i64,
    pub name: String,
    pub qty: i64,
    pub price: String,
    pub total: String,
}

fn line_views(po: &Po) -> Vec<LineView> {
    po.lines
        .iter()
        .map(|l| LineView {
            no: l.line_no,
            name: l.name.clone(),
            qty: l.qty,
            price: rp(l.unit_price),
            total: rp(l.line_total),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "market_tomiko/po.html")]
struct PoPage {
    p: Page,
    po_no: String,
    status: &'static str,
    status_label: String,
    seller: String,
    buyer: String,
    terms: String,
    total: String,
    invoice_no: String,
    invoice_date: String,
    due: String,
    overdue: bool,
    note: String,
    lines: Vec<LineView>,
    /// (value, label) of the actions this side may take.
    actions: Vec<(&'static str, String)>,
    post_to: String,
    receive_href: Option<String>,
    invoice_href: Option<String>,
    back: String,
    seller_side: bool,
}

fn po_page(caller: &Caller, p: Page, po: &Po, side: PoSide, kid: &str) -> PoPage {
    let lang = caller.lang;
    let today = time::OffsetDateTime::now_utc().date();
    let seller_side = side == PoSide::Seller;
    let base = if seller_side {
        format!("/k/{kid}/tomiko/masuk/{}", po.id)
    } else {
        format!("/k/{kid}/tomiko/po/{}/{}", po.koperasi_id, po.id)
    };
    let actions = allowed_actions(po.status, side, po.terms)
        .into_iter()
        .filter(|a| *a != PoAction::Receive)
        .map(|a| (a.as_str(), a.label().get(lang).to_string()))
        .collect();
    let can_receive =
        !seller_side && allowed_actions(po.status, side, po.terms).contains(&PoAction::Receive);
    PoPage {
        p,
        po_no: po.po_no.clone(),
        status: po.status.as_str(),
        status_label: po.status.label().get(lang).to_string(),
        seller: po.seller_name.clone(),
        buyer: po.buyer_name.clone(),
        terms: po.terms.label().get(lang).to_string(),
        total: rp(po.total),
        invoice_no: po.invoice_no.clone().unwrap_or_default(),
        invoice_date: date_opt(po.invoice_date, lang),
        due: date_opt(po.due_on, lang),
        overdue: is_overdue(po.status, po.due_on, today),
        note: po.note.clone(),
        lines: line_views(po),
        actions,
        post_to: format!("{base}/aksi"),
        receive_href: can_receive.then(|| format!("{base}/terima")),
        invoice_href: po
            .invoice_no
            .is_some()
            .then(|| format!("/k/{kid}/tomiko/faktur/{}/{}", po.koperasi_id, po.id)),
        back: if seller_side {
            format!("/k/{kid}/tomiko/masuk")
        } else {
            format!("/k/{kid}/tomiko")
        },
        seller_side,
    }
}

fn flash(p: Page, ok: &str) -> Page {
    let mut p = p;
    if matches!(ok, "placed" | "done" | "received") {
        p.flash = Some(p.t(&format!("tmk-ok-{ok}")));
    }
    p
}

/// `GET /k/{kid}/tomiko/po/{sid}/{pid}`: one of this coop's POs (as buyer).
pub async fn buyer_po(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, pid)): Path<(String, String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let seller = KoperasiId::parse(&sid).ok_or(WebError::NotFound)?;
    let po = state
        .store
        .tenant(coop.id)
        .tomiko_po(seller, parse_id(&pid)?)
        .await?;
    if po.buyer_koperasi_id != coop.id {
        return Err(WebError::NotFound);
    }
    let p = Page::new(&caller, "tmk-po-title")
        .in_coop(&coop, &access, "tomiko")
        .titled(po.po_no.clone())
        .at(&format!("/k/{kid}/tomiko/po/{sid}/{pid}"));
    Ok(render(&po_page(
        &caller,
        flash(p, &q.ok),
        &po,
        PoSide::Buyer,
        &kid,
    )))
}

#[derive(Debug, Deserialize)]
pub struct ActionFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    method: String,
}

/// `POST /k/{kid}/tomiko/po/{sid}/{pid}/aksi`: the buyer cancels.
pub async fn buyer_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, pid)): Path<(String, String, String)>,
    Form(f): Form<ActionFields>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(&f.csrf)?;
    let seller = KoperasiId::parse(&sid).ok_or(WebError::NotFound)?;
    let id = parse_id(&pid)?;
    match PoAction::parse(&f.action) {
        Some(PoAction::Cancel) => {
            state
                .store
                .tenant(coop.id)
                .cancel_tomiko_po(&caller.actor(), PoSide::Buyer, seller, id)
                .await?;
        }
        _ => return Err(unknown_action()),
    }
    Ok(Redirect::to(&format!("/k/{kid}/tomiko/po/{sid}/{pid}?ok=done")).into_response())
}

fn unknown_action() -> WebError {
    WebError::BadRequest(Msg::new("Tindakan tidak dikenal.", "Unknown action."))
}

// --- Receiving (the buyer) -------------------------------------------------------------------

pub struct ReceiveLine {
    pub field: String,
    pub name: String,
    pub qty: i64,
    pub price: String,
    pub chosen: String,
}

#[derive(Template)]
#[template(path = "market_tomiko/receive.html")]
struct ReceivePage {
    p: Page,
    po_no: String,
    seller: String,
    total: String,
    terms: String,
    lines: Vec<ReceiveLine>,
    options: Vec<(String, String)>,
    post_to: String,
    errors: Vec<String>,
}

async fn receive_page(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    sid: &str,
    pid: &str,
    typed: &HashMap<String, String>,
    errors: Vec<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(state, caller, kid, Need::ManageMarket).await?;
    let seller = KoperasiId::parse(sid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let po = tenant.tomiko_po(seller, parse_id(pid)?).await?;
    if po.buyer_koperasi_id != coop.id {
        return Err(WebError::NotFound);
    }
    let lang = caller.lang;
    let options = tenant
        .tomiko_own_variants()
        .await?
        .into_iter()
        .map(|(id, name, stock)| (id.simple().to_string(), format!("{name} (stok {stock})")))
        .collect();
    let page = ReceivePage {
        p: Page::new(caller, "tmk-receive-title")
            .in_coop(&coop, &access, "tomiko")
            .at(&format!("/k/{kid}/tomiko/po/{sid}/{pid}/terima")),
        po_no: po.po_no.clone(),
        seller: po.seller_name.clone(),
        total: rp(po.total),
        terms: po.terms.label().get(lang).to_string(),
        lines: po
            .lines
            .iter()
            .map(|l| {
                let field = format!("t_{}", l.line_no);
                ReceiveLine {
                    chosen: typed.get(&field).cloned().unwrap_or_else(|| "baru".into()),
                    field,
                    name: l.name.clone(),
                    qty: l.qty,
                    price: rp(l.unit_price),
                }
            })
            .collect(),
        options,
        post_to: format!("/k/{kid}/tomiko/po/{sid}/{pid}/terima"),
        errors,
    };
    if page.errors.is_empty() {
        Ok(render(&page))
    } else {
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    }
}

/// `GET /k/{kid}/tomiko/po/{sid}/{pid}/terima`: where each line's stock goes.
pub async fn receive_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, pid)): Path<(String, String, String)>,
) -> WebResult<Response> {
    receive_page(&state, &caller, &kid, &sid, &pid, &HashMap::new(), vec![]).await
}

/// `POST /k/{kid}/tomiko/po/{sid}/{pid}/terima`: receives the goods into this coop's stock
/// and books.
pub async fn receive(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, pid)): Path<(String, String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(f.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let seller = KoperasiId::parse(&sid).ok_or(WebError::NotFound)?;
    let id = parse_id(&pid)?;
    let tenant = state.store.tenant(coop.id);
    let po = tenant.tomiko_po(seller, id).await?;
    if po.buyer_koperasi_id != coop.id {
        return Err(WebError::NotFound);
    }
    let lang = caller.lang;
    let mut choices = vec![];
    let mut errors = vec![];
    for l in &po.lines {
        let v = f
            .get(&format!("t_{}", l.line_no))
            .map(|s| s.trim())
            .unwrap_or_default();
        match v {
            "" | "baru" => choices.push(ReceiveChoice::NewDraft),
            x => match VariantId::parse(x) {
                Some(v) => choices.push(ReceiveChoice::Existing(v)),
                None => errors.push(format!(
                    "{}: {}",
                    l.name,
                    Msg::new("Pilihan produk tidak dikenal", "Unknown product choice").get(lang)
                )),
            },
        }
    }
    if errors.is_empty() {
        match tenant
            .receive_tomiko_po(&caller.actor(), seller, id, &choices)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/k/{kid}/tomiko/po/{sid}/{pid}?ok=received"))
                        .into_response(),
                );
            }
            Err(StoreError::Invalid(fe)) => errors.extend(field_msgs(&fe, lang)),
            Err(e) => return Err(e.into()),
        }
    }
    receive_page(&state, &caller, &kid, &sid, &pid, &f, errors).await
}

// --- The secondary coop's desk ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_tomiko/desk.html")]
struct DeskPage {
    p: Page,
    action: String,
    rows: Vec<PoRow>,
    statuses: Vec<(&'static str, String)>,
    status: String,
}

/// `GET /k/{kid}/tomiko/masuk`: the POs this secondary coop received.
pub async fn desk(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let lang = caller.lang;
    let pos = state
        .store
        .tenant(coop.id)
        .tomiko_pos_sold(PoStatus::parse(&q.status), 200)
        .await?;
    Ok(render(&DeskPage {
        p: Page::new(&caller, "tmk-desk-title")
            .in_coop(&coop, &access, "tomiko")
            .at(&format!("/k/{kid}/tomiko/masuk")),
        action: format!("/k/{kid}/tomiko/masuk"),
        rows: po_rows(&pos, lang, false, &|po| {
            format!("/k/{kid}/tomiko/masuk/{}", po.id)
        }),
        statuses: PoStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), s.label().get(lang).to_string()))
            .collect(),
        status: q.status,
    }))
}

/// `GET /k/{kid}/tomiko/masuk/{pid}`: one received PO, with the seller's actions.
pub async fn desk_po(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let po = state
        .store
        .tenant(coop.id)
        .tomiko_po(coop.id, parse_id(&pid)?)
        .await?;
    let p = Page::new(&caller, "tmk-po-title")
        .in_coop(&coop, &access, "tomiko")
        .titled(po.po_no.clone())
        .at(&format!("/k/{kid}/tomiko/masuk/{pid}"));
    Ok(render(&po_page(
        &caller,
        flash(p, &q.ok),
        &po,
        PoSide::Seller,
        &kid,
    )))
}

/// `POST /k/{kid}/tomiko/masuk/{pid}/aksi`: confirm, ship (invoice), record payment, cancel.
pub async fn desk_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(f): Form<ActionFields>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(&f.csrf)?;
    let id = parse_id(&pid)?;
    let t = state.store.tenant(coop.id);
    let actor = caller.actor();
    match PoAction::parse(&f.action) {
        Some(PoAction::Confirm) => t.confirm_tomiko_po(&actor, id).await?,
        Some(PoAction::Ship) => t.ship_tomiko_po(&actor, id).await?,
        Some(PoAction::Pay) => {
            let method = PoPay::parse(&f.method).ok_or_else(|| {
                WebError::BadRequest(Msg::new(
                    "Pilih cara bayar: kas atau bank.",
                    "Choose how it was paid: cash or bank.",
                ))
            })?;
            t.pay_tomiko_po(&actor, id, method).await?
        }
        Some(PoAction::Cancel) => {
            t.cancel_tomiko_po(&actor, PoSide::Seller, coop.id, id)
                .await?
        }
        _ => return Err(unknown_action()),
    };
    Ok(Redirect::to(&format!("/k/{kid}/tomiko/masuk/{pid}?ok=done")).into_response())
}

// --- The invoice -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_tomiko/invoice.html")]
struct InvoicePage {
    lang: Lang,
    seller: String,
    seller_address: String,
    buyer: String,
    buyer_address: String,
    invoice_no: String,
    po_no: String,
    invoice_date: String,
    terms: String,
    due: String,
    lines: Vec<LineView>,
    total: String,
    words: String,
    status_label: String,
    back: String,
    size: &'static str,
}

#[derive(Debug, Deserialize, Default)]
pub struct SizeQuery {
    #[serde(default)]
    ukuran: String,
}

impl InvoicePage {
    fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }
}

/// `GET /k/{kid}/tomiko/faktur/{sid}/{pid}`: the printable invoice (A4 or A6), for the
/// seller or the buyer of the PO, once it is shipped.
pub async fn invoice(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, pid)): Path<(String, String, String)>,
    Query(q): Query<SizeQuery>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let seller = KoperasiId::parse(&sid).ok_or(WebError::NotFound)?;
    let po = state
        .store
        .tenant(coop.id)
        .tomiko_po(seller, parse_id(&pid)?)
        .await?;
    let Some(inv) = po.invoice_no.clone() else {
        return Err(WebError::NotFound);
    };
    let s = state.store.koperasi(po.koperasi_id).await?;
    let b = state.store.koperasi(po.buyer_koperasi_id).await?;
    let lang = caller.lang;
    let back = if coop.id == po.koperasi_id {
        format!("/k/{kid}/tomiko/masuk/{pid}")
    } else {
        format!("/k/{kid}/tomiko/po/{sid}/{pid}")
    };
    Ok(render(&InvoicePage {
        lang,
        seller: s.data.name.clone(),
        seller_address: s.data.address.clone(),
        buyer: b.data.name.clone(),
        buyer_address: b.data.address.clone(),
        invoice_no: inv,
        po_no: po.po_no.clone(),
        invoice_date: date_opt(po.invoice_date, lang),
        terms: po.terms.label().get(lang).to_string(),
        due: date_opt(po.due_on, lang),
        lines: line_views(&po),
        total: rp(po.total),
        words: rupiah_in_words(Rupiah(po.total), lang),
        status_label: po.status.label().get(lang).to_string(),
        back,
        size: if q.ukuran == "a6" { "a6" } else { "a4" },
    }))
}
