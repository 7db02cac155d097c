//! Pasar, the buying side: the cart, the checkout, the buyer's order page (a secret link, no
//! sign-in), the coop's and the seller's order desk, seller payouts and the board's patronage
//! (jasa anggota) report.
//!
//! The cart lives in a cookie (`pasar_keranjang`) that holds only coop ids, variant ids and
//! quantities: every read checks them against the catalogue again (unknown or unlisted
//! variants are dropped with a notice), so prices and stock are never the browser's word.
//! The storefront coop that takes the one payment (the operator) is the instance's /pasar
//! operator when the platform admin has named one (its fee rate is fixed on each order of
//! another coop, see `guyub_store::market::operator`); without one it is the coop of the
//! cart's first line, with no fee. Its cashier confirms a QRIS or transfer in the coop's
//! request list.
//!
//! Who: anyone for the cart, the checkout and the buyer's link (the token is the key; other
//! tokens are a plain 404). The coop's staff who may take payments (pengurus, kasir) work
//! every order of their coop; a seller's user sees only its own seller's orders (another
//! seller's order is 404). Payouts and the patronage report are the pengurus'.
//! Cross-site posts are refused by the app-wide CSRF layer (Sec-Fetch-Site / Origin), the same
//! protection the anonymous sign-in form relies on.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::Msg;
use guyub_core::ids::{KoperasiId, OrderId, SellerId, VariantId};
use guyub_core::market::order::{
    MAX_CART_LINES, OrderAction, OrderActionKind, OrderActor, OrderStatus, allowed_actions,
    whatsapp_link,
};
use guyub_core::money::Rupiah;
use guyub_core::payment::qr;
use guyub_core::phone::Phone;
use guyub_core::region::{self, RegionCode};
use guyub_store::StoreError;
use guyub_store::market::order::{
    BuyerInput, CartItem, Checkout, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice,
    Order, OrderEvent, PayoutMethod, ShipChoice, ShipTo,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Page, opt, render, render_status};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// The cart cookie's name.
pub const CART_COOKIE: &str = "pasar_keranjang";
/// Browsers keep about 4 KB per cookie; a cart that would not fit is refused at "add" with a
/// message instead of being silently cut by the browser.
const MAX_COOKIE_BYTES: usize = 3800;
/// The largest quantity one line may ask for.
const MAX_QTY: u32 = 9999;

// --- The cart cookie -------------------------------------------------------------------------

type CartLines = Vec<(KoperasiId, VariantId, u32)>;

/// The cart as the cookie says: `coop.variant.qty` joined by `~` (ids in simple hex form).
/// Malformed entries and quantities out of range are dropped; at most 100 lines are read.
fn read_cart(headers: &HeaderMap) -> CartLines {
    let raw = crate::i18n::cookie(headers, CART_COOKIE).unwrap_or_default();
    let mut out: CartLines = vec![];
    for part in raw.split('~') {
        let mut it = part.split('.');
        let (Some(k), Some(v), Some(q), None) = (it.next(), it.next(), it.next(), it.next()) else {
            continue;
        };
        let (Ok(k), Ok(v), Ok(q)) = (Uuid::parse_str(k), Uuid::parse_str(v), q.parse::<u32>())
        else {
            continue;
        };
        if q == 0 || q > MAX_QTY || out.iter().any(|l| l.1.0 == v) {
            continue;
        }
        out.push((KoperasiId(k), VariantId(v), q));
        if out.len() >= MAX_CART_LINES {
            break;
        }
    }
    out
}

fn cart_value(lines: &[(KoperasiId, VariantId, u32)]) -> String {
    lines
        .iter()
        .map(|(k, v, q)| format!("{}.{}.{q}", k.0.simple(), v.0.simple()))
        .collect::<Vec<_>>()
        .join("~")
}

/// The `Set-Cookie` for a cart: a week, this site's pasar pages only, not readable by script.
fn cart_cookie(state: &AppState, lines: &[(KoperasiId, VariantId, u32)]) -> WebResult<HeaderValue> {
    let secure = if state.cfg.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = if lines.is_empty() { 0 } else { 7 * 24 * 3600 };
    HeaderValue::from_str(&format!(
        "{CART_COOKIE}={}; Path=/pasar; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cart_value(lines)
    ))
    .map_err(|e| WebError::Internal(e.to_string()))
}

fn page_for(caller: &Option<Caller>, headers: &HeaderMap, uri: &Uri, key: &str) -> Page {
    let p = match caller {
        Some(c) => Page::new(c, key),
        None => Page::anonymous(crate::i18n::lang_of(headers, uri.query()), key),
    };
    p.at(&uri.to_string())
}

fn rp(x: i64) -> String {
    Rupiah(x).to_string()
}

// --- The cart page ---------------------------------------------------------------------------

/// One line of the cart page.
pub struct LineView {
    pub coop: String,
    pub variant: String,
    pub name: String,
    pub href: String,
    pub qty: u32,
    pub price: String,
    pub total: String,
    pub over_stock: bool,
    pub stock: i64,
}

/// The lines of one seller in one coop, with its subtotal.
pub struct GroupView {
    pub key: String,
    pub seller: String,
    pub coop: String,
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub grams: u32,
    pub coop_id: KoperasiId,
    pub seller_id: SellerId,
}

/// Groups cart items by merchant coop and seller, in the cart's order.
fn groups_of(items: &[CartItem]) -> Vec<GroupView> {
    let mut out: Vec<GroupView> = vec![];
    for i in items {
        let key = format!("{}_{}", i.coop_id.0.simple(), i.seller_id.0.simple());
        let idx = match out.iter().position(|g| g.key == key) {
            Some(x) => x,
            None => {
                out.push(GroupView {
                    key,
                    seller: i.seller_name.clone(),
                    coop: i.coop_name.clone(),
                    lines: vec![],
                    subtotal: String::new(),
                    grams: 0,
                    coop_id: i.coop_id,
                    seller_id: i.seller_id,
                });
                out.len() - 1
            }
        };
        let g = &mut out[idx];
        let coop = i.coop_slug.clone().unwrap_or_else(|| i.coop_id.to_string());
        g.lines.push(LineView {
            coop: i.coop_id.to_string(),
            variant: i.variant_id.to_string(),
            name: i.name.clone(),
            href: format!("/pasar/p/{coop}/{}", i.product_slug),
            qty: i.qty,
            price: rp(i.price),
            total: rp(i.price * i64::from(i.qty)),
            over_stock: i64::from(i.qty) > i.stock,
            stock: i.stock.max(0),
        });
        g.grams = g
            .grams
            .saturating_add(u32::try_from(i.weight_g).unwrap_or(0).saturating_mul(i.qty));
    }
    for g in &mut out {
        let sum: i64 = items
            .iter()
            .filter(|i| i.coop_id == g.coop_id && i.seller_id == g.seller_id)
            .map(|i| i.price * i64::from(i.qty))
            .sum();
        g.subtotal = rp(sum);
    }
    out
}

fn dropped_notice(n: usize) -> Option<Msg> {
    (n > 0).then(|| {
        Msg::new(
            format!("{n} barang di keranjang sudah tidak dijual dan dihapus."),
            format!("{n} item(s) in the cart are no longer for sale and were removed."),
        )
    })
}

#[derive(Template)]
#[template(path = "market_order/cart.html")]
struct CartPage {
    p: Page,
    groups: Vec<GroupView>,
    total: String,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    #[serde(default)]
    ok: String,
}

/// `GET /pasar/keranjang`: the cart grouped by seller, with quantity and remove forms.
pub async fn cart(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let mut p = page_for(&caller, &headers, &uri, "mo-cart-title");
    let lines = read_cart(&headers);
    let (items, dropped) = state.store.cart_items(&lines).await?;
    if q.ok == "added" {
        p.flash = Some(p.t("mo-ok-added"));
    }
    let lang = p.lang;
    let page = CartPage {
        total: rp(items.iter().map(|i| i.price * i64::from(i.qty)).sum()),
        groups: groups_of(&items),
        notice: dropped_notice(dropped).map(|m| m.get(lang).to_string()),
        p,
    };
    let mut resp = render(&page);
    if dropped > 0 {
        let kept: CartLines = items
            .iter()
            .map(|i| (i.coop_id, i.variant_id, i.qty))
            .collect();
        resp.headers_mut()
            .append(header::SET_COOKIE, cart_cookie(&state, &kept)?);
    }
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct CartForm {
    #[serde(default)]
    aksi: String,
    #[serde(default)]
    coop: String,
    #[serde(default)]
    variant: String,
    #[serde(default)]
    qty: String,
}

fn bad(id: &str, en: &str) -> WebError {
    WebError::BadRequest(Msg::new(id, en))
}

/// `POST /pasar/keranjang`: add (`aksi=tambah`, the default), set a quantity (`ubah`) or
/// remove (`hapus`) one line; back to the cart.
pub async fn cart_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CartForm>,
) -> WebResult<Response> {
    let k = KoperasiId::parse(&f.coop)
        .ok_or_else(|| bad("Produk tidak dikenal.", "Unknown product."))?;
    let v = VariantId::parse(&f.variant)
        .ok_or_else(|| bad("Pilih varian produk.", "Choose a product variant."))?;
    let qty: u32 = match f.qty.trim() {
        "" => 1,
        s => s.parse().map_err(|_| {
            bad(
                "Jumlah harus bilangan bulat 1 sampai 9999.",
                "The quantity must be a whole number from 1 to 9999.",
            )
        })?,
    };
    let mut lines = read_cart(&headers);
    match f.aksi.as_str() {
        "hapus" => lines.retain(|l| l.1 != v),
        "ubah" if qty == 0 => lines.retain(|l| l.1 != v),
        _ if qty == 0 || qty > MAX_QTY => {
            return Err(bad(
                "Jumlah harus bilangan bulat 1 sampai 9999.",
                "The quantity must be a whole number from 1 to 9999.",
            ));
        }
        aksi => {
            // The variant must exist and be for sale before it goes into the cookie.
            let (found, _) = state.store.cart_items(&[(k, v, qty)]).await?;
            if found.is_empty() {
                return Err(WebError::NotFound);
            }
            match lines.iter_mut().find(|l| l.1 == v) {
                Some(l) if aksi == "ubah" => l.2 = qty,
                Some(l) => l.2 = (l.2 + qty).min(MAX_QTY),
                None => {
                    if lines.len() >= MAX_CART_LINES {
                        return Err(bad(
                            "Keranjang penuh (100 baris). Bayar dulu atau hapus beberapa barang.",
                            "The cart is full (100 lines). Check out first or remove some items.",
                        ));
                    }
                    lines.push((k, v, qty));
                }
            }
            if cart_value(&lines).len() > MAX_COOKIE_BYTES {
                return Err(bad(
                    "Keranjang penuh. Bayar dulu atau hapus beberapa barang.",
                    "The cart is full. Check out first or remove some items.",
                ));
            }
        }
    }
    let to = if f.aksi.is_empty() || f.aksi == "tambah" {
        "/pasar/keranjang?ok=added"
    } else {
        "/pasar/keranjang"
    };
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, cart_cookie(&state, &lines)?);
    Ok(resp)
}

// --- Checkout --------------------------------------------------------------------------------

/// The checkout form as typed (all text, so a bad value is shown back).
#[derive(Deserialize, Default, Clone)]
pub struct CheckoutFields {
    #[serde(default)]
    idem: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    member_no: String,
    #[serde(default)]
    tujuan: String,
    #[serde(default)]
    alamat: String,
    #[serde(default)]
    bayar: String,
    #[serde(default)]
    hitung: String,
    /// `kirim_<coop>_<seller>` → `ambil` | `antar` | `kurir:<courier>|<service>`.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// One shipping option of a group, as a radio button.
pub struct ShipOption {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct CheckoutGroup {
    pub g: GroupView,
    pub field: String,
    pub options: Vec<ShipOption>,
}

#[derive(Template)]
#[template(path = "market_order/checkout.html")]
struct CheckoutPage {
    p: Page,
    f: CheckoutFields,
    groups: Vec<CheckoutGroup>,
    regencies: Vec<(String, String)>,
    pays: Vec<(&'static str, String, bool)>,
    goods: String,
    errors: Vec<String>,
    notice: Option<String>,
}

fn new_idem() -> String {
    Uuid::now_v7().simple().to_string()
}

/// The kabupaten/kota a buyer may ship to: East Java's, where the coops are (wilayah codes).
fn regencies() -> Vec<(String, String)> {
    RegionCode::parse("35")
        .ok()
        .map(|jatim| {
            region::children(Some(&jatim))
                .into_iter()
                .map(|(c, n)| (c.as_str().to_string(), n.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

async fn checkout_page(
    state: &AppState,
    p: Page,
    f: CheckoutFields,
    items: &[CartItem],
    errors: Vec<String>,
    notice: Option<String>,
) -> WebResult<CheckoutPage> {
    let lang = p.lang;
    let dest = RegionCode::parse(f.tujuan.trim()).ok();
    let mut groups = vec![];
    for g in groups_of(items) {
        let field = format!("kirim_{}", g.key);
        let chosen = f
            .rest
            .get(&field)
            .cloned()
            .unwrap_or_else(|| "ambil".into());
        let offer = state
            .store
            .shipping_offer(g.coop_id, g.grams, dest.as_ref())
            .await?;
        let mut options = vec![ShipOption {
            value: "ambil".into(),
            label: format!(
                "{}{}",
                p.t("mo-ship-pickup"),
                if offer.pickup_address.is_empty() {
                    String::new()
                } else {
                    format!(": {}", offer.pickup_address)
                }
            ),
            checked: chosen == "ambil",
        }];
        if offer.has_zones {
            options.push(ShipOption {
                value: "antar".into(),
                label: match offer.zone_fee {
                    Some(fee) => format!("{} ({fee})", p.t("mo-ship-seller")),
                    None => format!("{} ({})", p.t("mo-ship-seller"), p.t("mo-ship-choose-dest")),
                },
                checked: chosen == "antar",
            });
        }
        for c in &offer.couriers {
            let value = format!("kurir:{}|{}", c.courier, c.service);
            options.push(ShipOption {
                label: format!(
                    "{} {} ({}{})",
                    c.courier,
                    c.service,
                    c.fee,
                    c.etd
                        .map(|e| format!(", {}", e.label(lang)))
                        .unwrap_or_default()
                ),
                checked: chosen == value,
                value,
            });
        }
        if offer.has_couriers && offer.couriers.is_empty() {
            options.push(ShipOption {
                value: String::new(),
                label: p.t("mo-ship-courier-hint"),
                checked: false,
            });
        }
        groups.push(CheckoutGroup { g, field, options });
    }
    let pays = CheckoutPay::ALL
        .iter()
        .map(|m| {
            (
                m.as_str(),
                p.t(&format!("mo-pay-{}", m.as_str())),
                f.bayar == m.as_str() || (f.bayar.is_empty() && *m == CheckoutPay::Qris),
            )
        })
        .collect();
    Ok(CheckoutPage {
        goods: rp(items.iter().map(|i| i.price * i64::from(i.qty)).sum()),
        regencies: regencies(),
        groups,
        pays,
        errors,
        notice,
        f,
        p,
    })
}

/// `GET /pasar/bayar`: the checkout form (a fresh idempotency key per render).
pub async fn checkout_form(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
) -> WebResult<Response> {
    let p = page_for(&caller, &headers, &uri, "mo-checkout-title");
    let (items, dropped) = state.store.cart_items(&read_cart(&headers)).await?;
    if items.is_empty() {
        return Ok(Redirect::to("/pasar/keranjang").into_response());
    }
    let lang = p.lang;
    let f = CheckoutFields {
        idem: new_idem(),
        name: caller
            .as_ref()
            .map(|c| c.user.name.clone())
            .unwrap_or_default(),
        ..Default::default()
    };
    let notice = dropped_notice(dropped).map(|m| m.get(lang).to_string());
    let page = checkout_page(&state, p, f, &items, vec![], notice).await?;
    Ok(render(&page))
}

/// The store's input from the form, or the messages of what is wrong with it.
fn checkout_input(
    f: &CheckoutFields,
    items: &[CartItem],
    caller: &Option<Caller>,
) -> Result<CheckoutInput, Vec<Msg>> {
    let mut errs = vec![];
    if let Err(e) = Phone::parse(&f.phone) {
        errs.push(e.msg());
    }
    let region = match f.tujuan.trim() {
        "" => None,
        s => match RegionCode::parse(s) {
            Ok(r) => Some(r),
            Err(e) => {
                errs.push(e.msg());
                None
            }
        },
    };
    let pay = CheckoutPay::parse(&f.bayar);
    if pay.is_none() {
        errs.push(Msg::new("Pilih cara bayar.", "Choose how to pay."));
    }
    let mut groups = vec![];
    for g in groups_of(items) {
        let raw = f
            .rest
            .get(&format!("kirim_{}", g.key))
            .map(String::as_str)
            .unwrap_or("ambil");
        let shipping = match raw {
            "ambil" => ShipChoice::Pickup,
            "antar" => ShipChoice::SellerDelivery,
            s => match s.strip_prefix("kurir:").and_then(|x| x.split_once('|')) {
                Some((c, sv)) => ShipChoice::Courier {
                    courier: c.to_string(),
                    service: sv.to_string(),
                },
                None => {
                    errs.push(Msg::new(
                        format!("Pilih pengiriman untuk pesanan dari {}.", g.seller),
                        format!("Choose shipping for the order from {}.", g.seller),
                    ));
                    continue;
                }
            },
        };
        groups.push(GroupChoice {
            coop_id: g.coop_id,
            seller_id: g.seller_id,
            shipping,
            ship_to: ShipTo {
                name: f.name.clone(),
                address: f.alamat.clone(),
                region: region.clone(),
            },
        });
    }
    let (Some(pay), Some(first), true) = (pay, items.first(), errs.is_empty()) else {
        return Err(errs);
    };
    Ok(CheckoutInput {
        operator: first.coop_id,
        idem_key: opt(&f.idem),
        buyer: BuyerInput {
            name: f.name.clone(),
            phone: f.phone.clone(),
            user_id: caller.as_ref().map(|c| c.user_id()),
            member_no: opt(&f.member_no),
        },
        lines: items
            .iter()
            .map(|i| CheckoutLineInput {
                coop_id: i.coop_id,
                variant_id: i.variant_id,
                qty: i.qty,
            })
            .collect(),
        groups,
        pay_method: pay,
    })
}

/// `POST /pasar/bayar`: places the checkout (one order per seller) and goes to the buyer's
/// page; "Hitung ongkir" only re-renders with the shipping options for the destination.
/// Any refusal re-renders the form with 422 and nothing written; a replayed form (same
/// idempotency key) lands on the same checkout.
pub async fn checkout_submit(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<CheckoutFields>,
) -> WebResult<Response> {
    let p = page_for(&caller, &headers, &uri, "mo-checkout-title");
    let lang = p.lang;
    let (items, _) = state.store.cart_items(&read_cart(&headers)).await?;
    if items.is_empty() {
        return Ok(Redirect::to("/pasar/keranjang").into_response());
    }
    if !f.hitung.is_empty() {
        let page = checkout_page(&state, p, f, &items, vec![], None).await?;
        return Ok(render(&page));
    }
    let operator = state.store.market_operator().await?.map(|o| o.koperasi_id);
    // The instance's /pasar operator takes the payment when one is named (market_operator.rs).
    let input = checkout_input(&f, &items, &caller).map(|mut input| {
        input.operator = operator.unwrap_or(input.operator);
        input
    });
    let result = match input {
        Ok(input) => match state.store.checkout(&input).await {
            Ok(c) => Ok(c),
            Err(StoreError::Invalid(fs)) => Err(fs.into_iter().map(|e| e.msg).collect()),
            Err(StoreError::Conflict(m)) => Err(vec![m]),
            Err(e) => return Err(e.into()),
        },
        Err(ms) => Err(ms),
    };
    match result {
        Ok(c) => {
            let mut resp =
                Redirect::to(&format!("/pasar/pesanan/{}", c.buyer_token)).into_response();
            resp.headers_mut()
                .append(header::SET_COOKIE, cart_cookie(&state, &[])?);
            Ok(resp)
        }
        Err(ms) => {
            let errors = ms.iter().map(|m| m.get(lang).to_string()).collect();
            let page = checkout_page(&state, p, f, &items, errors, None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// --- The buyer's page ------------------------------------------------------------------------

pub struct EventView {
    pub at: String,
    pub status: &'static str,
    pub message: String,
}

pub struct OrderView {
    pub kid: String,
    pub id: String,
    pub no: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub seller: String,
    pub shipping: String,
    pub ship_to: String,
    pub courier: String,
    pub tracking: String,
    pub lines: Vec<(String, i64, String, String)>,
    pub goods: String,
    pub fee: String,
    pub total: String,
    pub created: String,
    pub events: Vec<EventView>,
    pub actions: Vec<(&'static str, &'static str)>,
    pub needs_tracking: bool,
}

/// A time in WIB (the buyer has no coop; East Java is WIB).
fn when(t: time::OffsetDateTime, lang: guyub_core::Lang) -> String {
    guyub_core::fmt_id::waktu(t, guyub_core::coop::CoopTimeZone::Wib, lang)
}

fn order_view(
    o: &Order,
    events: &[OrderEvent],
    who: OrderActor,
    lang: guyub_core::Lang,
) -> OrderView {
    let method = o.shipping.method();
    OrderView {
        kid: o.koperasi_id.to_string(),
        id: o.id.to_string(),
        no: o.order_no.clone(),
        status: o.status.as_str(),
        status_label: o.status.label(lang),
        seller: o.seller_name.clone(),
        shipping: format!("{} · {}", method.label(lang), rp(o.shipping_fee)),
        ship_to: format!("{}, {}", o.ship_to_name, o.ship_to_address),
        courier: o.courier.clone().unwrap_or_default(),
        tracking: o.tracking_no.clone().unwrap_or_default(),
        lines: o
            .lines
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.qty,
                    rp(l.unit_price),
                    rp(l.unit_price * l.qty),
                )
            })
            .collect(),
        goods: rp(o.goods_total),
        fee: rp(o.shipping_fee),
        total: rp(o.total),
        created: when(o.created_at, lang),
        events: events
            .iter()
            .map(|e| EventView {
                at: when(e.at, lang),
                status: e.to_status.label(lang),
                message: e.message.clone(),
            })
            .collect(),
        actions: allowed_actions(o.status, who, method)
            .into_iter()
            .filter(|k| *k != OrderActionKind::Pay)
            .map(|k| (k.as_str(), k.label(lang)))
            .collect(),
        needs_tracking: method == guyub_core::market::shipping::ShippingMethod::Courier,
    }
}

#[derive(Template)]
#[template(path = "market_order/buyer.html")]
struct BuyerPage {
    p: Page,
    token: String,
    c_state: String,
    pay_method: String,
    total: String,
    payment_ref: String,
    qr_svg: String,
    bank: Option<(String, String, String)>,
    expires: String,
    orders: Vec<OrderView>,
    is_waiting: bool,
}

/// `GET /pasar/pesanan/{token}`: the buyer's orders, the QRIS or transfer instructions while
/// unpaid, each order's history and the buyer's buttons. Never cached, never referred on.
pub async fn buyer_page(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Path(token): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let c: Checkout = state.store.checkout_by_token(&token).await?;
    let mut p = page_for(&caller, &headers, &uri, "mo-buyer-title");
    p.path = "/pasar".into();
    if q.ok == "done" {
        p.flash = Some(p.t("mo-ok-done"));
    }
    let lang = p.lang;
    let mut orders = vec![];
    for o in &c.orders {
        let events = state.store.order_events(o.koperasi_id, o.id).await?;
        orders.push(order_view(o, &events, OrderActor::Buyer, lang));
    }
    let waiting = c.state == "menunggu";
    let settings = state.store.tenant(c.koperasi_id).payment_settings().await?;
    let bank = (waiting && c.pay_method == CheckoutPay::Transfer)
        .then(|| settings.accounts.iter().find(|a| a.is_default && a.active))
        .flatten()
        .map(|b| {
            (
                b.bank_name.clone(),
                b.account_number.clone(),
                b.holder_name.clone(),
            )
        });
    let label = format!("QRIS {}", c.payment_ref.clone().unwrap_or_default());
    let page = BuyerPage {
        token: token.trim().to_ascii_lowercase(),
        c_state: match c.state.as_str() {
            "menunggu" => p.t("mo-state-waiting"),
            "dibayar" => p.t("mo-state-paid"),
            "kedaluwarsa" => p.t("mo-state-expired"),
            _ => p.t("mo-state-cancelled"),
        },
        pay_method: p.t(&format!("mo-pay-{}", c.pay_method.as_str())),
        total: rp(c.total),
        payment_ref: c.payment_ref.clone().unwrap_or_default(),
        qr_svg: if waiting {
            c.qris_payload
                .as_deref()
                .and_then(|x| qr::svg(x, 6, &label).ok())
                .unwrap_or_default()
        } else {
            String::new()
        },
        bank,
        expires: when(c.expires_at, lang),
        is_waiting: waiting,
        orders,
        p,
    };
    let mut resp = render(&page);
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct ActionFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    aksi: String,
    #[serde(default)]
    courier: String,
    #[serde(default)]
    tracking: String,
}

fn action_of(f: &ActionFields) -> WebResult<OrderAction> {
    Ok(match f.aksi.as_str() {
        "proses" => OrderAction::Process,
        "kirim" => OrderAction::ship(&f.courier, &f.tracking),
        "terima" => OrderAction::Receive,
        "selesai" => OrderAction::Complete,
        "batal" => OrderAction::Cancel,
        "retur" => OrderAction::Return,
        _ => return Err(bad("Tindakan tidak dikenal.", "Unknown action.")),
    })
}

/// A refused action: its message, with the status that says why.
fn action_err(e: StoreError) -> WebError {
    match e {
        StoreError::Conflict(m) => WebError::Conflict(m),
        StoreError::Invalid(fs) => WebError::Invalid(fs),
        e => e.into(),
    }
}

/// `POST /pasar/pesanan/{token}/{kid}/{oid}`: the buyer receives, completes or cancels one
/// of the orders behind the link; any other order is 404.
pub async fn buyer_action(
    State(state): State<AppState>,
    Path((token, kid, oid)): Path<(String, String, String)>,
    Form(f): Form<ActionFields>,
) -> WebResult<Response> {
    // The token first: a stranger learns nothing, whatever else the form says.
    state.store.checkout_by_token(&token).await?;
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let o = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let action = action_of(&f)?;
    state
        .store
        .buyer_order_action(&token, k, o, &action)
        .await
        .map_err(action_err)?;
    Ok(Redirect::to(&format!("/pasar/pesanan/{}?ok=done", token.trim())).into_response())
}

// --- The order desk (coop staff) and the seller's orders -------------------------------------

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    ok: String,
}

pub struct DeskRow {
    pub href: String,
    pub no: String,
    pub seller: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub total: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "market_order/desk.html")]
struct DeskPage {
    p: Page,
    action: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<DeskRow>,
}

fn desk_rows(
    orders: &[Order],
    base: &dyn Fn(&Order) -> String,
    lang: guyub_core::Lang,
) -> Vec<DeskRow> {
    orders
        .iter()
        .map(|o| DeskRow {
            href: base(o),
            no: o.order_no.clone(),
            seller: o.seller_name.clone(),
            status: o.status.as_str(),
            status_label: o.status.label(lang),
            total: rp(o.total),
            created: when(o.created_at, lang),
        })
        .collect()
}

fn statuses(lang: guyub_core::Lang) -> Vec<(&'static str, &'static str)> {
    OrderStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label(lang)))
        .collect()
}

/// `GET /k/{kid}/pasar/pesanan`: the coop's orders (pengurus, kasir), filtered by status.
pub async fn desk(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<DeskQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let orders = state
        .store
        .tenant(coop.id)
        .orders_in(None, OrderStatus::parse(&q.status), 200)
        .await?;
    let lang = caller.lang;
    Ok(render(&DeskPage {
        p: Page::new(&caller, "mo-desk-title")
            .in_coop(&coop, &access, "market")
            .at(&format!("/k/{kid}/pasar/pesanan")),
        action: format!("/k/{kid}/pasar/pesanan"),
        rows: desk_rows(
            &orders,
            &|o| format!("/k/{kid}/pasar/pesanan/{}", o.id),
            lang,
        ),
        statuses: statuses(lang),
        status: q.status,
    }))
}

/// `GET /penjual/pesanan`: the orders of every seller this user runs, in any coop.
pub async fn seller_desk(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DeskQuery>,
) -> WebResult<Response> {
    let sellers = state.store.sellers_of_user(caller.user_id()).await?;
    let mut orders = vec![];
    for s in &sellers {
        orders.extend(
            state
                .store
                .tenant(s.koperasi_id)
                .orders_in(Some(s.id), OrderStatus::parse(&q.status), 200)
                .await?,
        );
    }
    orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
    let lang = caller.lang;
    Ok(render(&DeskPage {
        p: Page::new(&caller, "mo-desk-title").at("/penjual/pesanan"),
        action: "/penjual/pesanan".into(),
        rows: desk_rows(
            &orders,
            &|o| format!("/penjual/pesanan/{}/{}", o.koperasi_id, o.id),
            lang,
        ),
        statuses: statuses(lang),
        status: q.status,
    }))
}

#[derive(Template)]
#[template(path = "market_order/order.html")]
struct OrderPage {
    p: Page,
    o: OrderView,
    post_to: String,
    buyer_name: String,
    buyer_phone: String,
    pay_method: String,
    whatsapp: Option<(String, String)>,
    /// For the coop's staff, a consignment order: the seller's payout page.
    payout_href: Option<String>,
}

async fn order_page(
    state: &AppState,
    p: Page,
    o: &Order,
    who: OrderActor,
    post_to: String,
) -> WebResult<Response> {
    let lang = p.lang;
    let t = state.store.tenant(o.koperasi_id);
    let (buyer_name, buyer_phone, pay) = t.order_buyer(o).await?;
    let events = state.store.order_events(o.koperasi_id, o.id).await?;
    // The latest status message, ready to send to the buyer on WhatsApp.
    let whatsapp = events
        .last()
        .map(|e| (e.message.clone(), whatsapp_link(&buyer_phone, &e.message)));
    let payout_href = (o.consignment && who == OrderActor::CoopStaff).then(|| {
        format!(
            "/k/{}/pasar/penjual/{}/pembayaran",
            o.koperasi_id, o.seller_id
        )
    });
    Ok(render(&OrderPage {
        o: order_view(o, &events, who, lang),
        pay_method: p.t(&format!("mo-pay-{}", pay.as_str())),
        p,
        post_to,
        buyer_name,
        buyer_phone,
        whatsapp,
        payout_href,
    }))
}

/// `GET /k/{kid}/pasar/pesanan/{oid}`: one order for the coop's staff, with its buttons.
pub async fn desk_order(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
    Query(q): Query<DeskQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let o = state.store.tenant(coop.id).order(id).await?;
    let mut p = Page::new(&caller, "mo-order-title")
        .titled(o.order_no.clone())
        .in_coop(&coop, &access, "market")
        .at(&format!("/k/{kid}/pasar/pesanan/{oid}"));
    if q.ok == "done" {
        p.flash = Some(p.t("mo-ok-done"));
    }
    let post_to = format!("/k/{kid}/pasar/pesanan/{oid}");
    order_page(&state, p, &o, OrderActor::CoopStaff, post_to).await
}

/// `POST /k/{kid}/pasar/pesanan/{oid}`: a staff action; back to the order with the WhatsApp
/// link of the new status message.
pub async fn desk_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
    Form(f): Form<ActionFields>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let action = action_of(&f)?;
    state
        .store
        .tenant(coop.id)
        .order_action(&caller.actor(), OrderActor::CoopStaff, None, id, &action)
        .await
        .map_err(action_err)?;
    Ok(Redirect::to(&format!("/k/{kid}/pasar/pesanan/{oid}?ok=done")).into_response())
}

/// The seller this user runs in coop `kid`, or 404 (a stranger learns nothing).
async fn my_seller(state: &AppState, caller: &Caller, kid: &str) -> WebResult<SellerId> {
    let k = KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    state
        .store
        .sellers_of_user(caller.user_id())
        .await?
        .into_iter()
        .find(|s| s.koperasi_id == k && s.active)
        .map(|s| s.id)
        .ok_or(WebError::NotFound)
}

/// `GET /penjual/pesanan/{kid}/{oid}`: one of this seller's orders; another seller's is 404.
pub async fn seller_order(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
    Query(q): Query<DeskQuery>,
) -> WebResult<Response> {
    let seller = my_seller(&state, &caller, &kid).await?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let o = state.store.tenant(k).order(id).await?;
    if o.seller_id != seller {
        return Err(WebError::NotFound);
    }
    let mut p = Page::new(&caller, "mo-order-title")
        .titled(o.order_no.clone())
        .at(&format!("/penjual/pesanan/{kid}/{oid}"));
    if q.ok == "done" {
        p.flash = Some(p.t("mo-ok-done"));
    }
    let post_to = format!("/penjual/pesanan/{kid}/{oid}");
    order_page(&state, p, &o, OrderActor::Seller, post_to).await
}

/// `POST /penjual/pesanan/{kid}/{oid}`: the seller's action on its own order.
pub async fn seller_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
    Form(f): Form<ActionFields>,
) -> WebResult<Response> {
    caller.check_csrf(&f.csrf)?;
    let seller = my_seller(&state, &caller, &kid).await?;
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let action = action_of(&f)?;
    state
        .store
        .tenant(k)
        .order_action(
            &caller.actor(),
            OrderActor::Seller,
            Some(seller),
            id,
            &action,
        )
        .await
        .map_err(action_err)?;
    Ok(Redirect::to(&format!("/penjual/pesanan/{kid}/{oid}?ok=done")).into_response())
}

// --- Seller payouts --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "market_order/payouts.html")]
struct PayoutPage {
    p: Page,
    seller: String,
    amount: String,
    can_pay: bool,
    orders: Vec<(String, String)>,
    payouts: Vec<(String, String, String, String, i64)>,
}

/// `GET /k/{kid}/pasar/penjual/{sid}/pembayaran`: what the seller would be paid now, and the
/// payouts made (pengurus).
pub async fn payouts(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let sid = SellerId::parse(&sid).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(coop.id);
    let seller = t.seller(sid).await?;
    let preview = t.payout_preview(sid).await?;
    let list = t.payouts(Some(sid)).await?;
    let lang = caller.lang;
    let mut p = Page::new(&caller, "mo-payout-title")
        .in_coop(&coop, &access, "market")
        .at(&format!("/k/{kid}/pasar/penjual/{sid}/pembayaran"));
    if q.ok == "paid" {
        p.flash = Some(p.t("mo-ok-paid"));
    }
    Ok(render(&PayoutPage {
        p,
        seller: seller.name,
        amount: rp(preview.amount),
        can_pay: preview.amount > 0,
        orders: preview
            .orders
            .iter()
            .map(|o| (o.order_no.clone(), rp(o.amount)))
            .collect(),
        payouts: list
            .iter()
            .map(|y| {
                (
                    when(y.created_at, lang),
                    rp(y.amount),
                    y.method.clone(),
                    y.created_by.clone(),
                    y.orders,
                )
            })
            .collect(),
    }))
}

#[derive(Deserialize, Default)]
pub struct PayoutFields {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    method: String,
}

/// `POST /k/{kid}/pasar/penjual/{sid}/pembayaran`: pays the seller what the preview shows.
pub async fn pay_out(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(f): Form<PayoutFields>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    caller.check_csrf(&f.csrf)?;
    let sid = SellerId::parse(&sid).ok_or(WebError::NotFound)?;
    let method = match f.method.as_str() {
        "tunai" => PayoutMethod::Cash,
        "transfer" => PayoutMethod::Transfer,
        _ => {
            return Err(bad(
                "Pilih tunai atau transfer.",
                "Choose cash or transfer.",
            ));
        }
    };
    state
        .store
        .tenant(coop.id)
        .create_payout(&caller.actor(), sid, method)
        .await
        .map_err(action_err)?;
    Ok(Redirect::to(&format!("/k/{kid}/pasar/penjual/{sid}/pembayaran?ok=paid")).into_response())
}

// --- Patronage -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    tahun: String,
}

#[derive(Template)]
#[template(path = "market_order/patronage.html")]
struct PatronagePage {
    p: Page,
    year: i32,
    rows: Vec<(String, String, String)>,
    total: String,
}

/// `GET /k/{kid}/pasar/jasa-anggota?tahun=`: each member's patronage (purchases and
/// consignment sales through the coop) in a fiscal year, the base of the SHU's jasa anggota.
pub async fn patronage(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let year = q
        .tahun
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| super::members::today_in(&coop).year());
    let t = state.store.tenant(coop.id);
    let totals = t.patronage_totals(year).await?;
    let mut rows = vec![];
    for x in &totals {
        let m = t.member(x.member_id).await?;
        rows.push((m.member_no.clone(), m.name.clone(), rp(x.total)));
    }
    Ok(render(&PatronagePage {
        p: Page::new(&caller, "mo-patronage-title")
            .in_coop(&coop, &access, "market")
            .at(&format!("/k/{kid}/pasar/jasa-anggota")),
        year,
        total: rp(totals.iter().map(|x| x.total).sum()),
        rows,
    }))
}
