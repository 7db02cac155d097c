//! API: Tomiko, purchase orders between coops. The same rules, store calls and errors as
//! pages/market_tomiko.rs.
//!
//! Who: the board (`Need::ManageMarket`: pengurus, admin) of the coop in the path, on both
//! sides. A coop opens a secondary coop's wholesale catalogue and places a PO only when that
//! coop admitted it (otherwise 403 with a clear message, and no prices); a PO is reached
//! through the coop in the path only, as its seller or its buyer (any other coop gets 404).
//! Placing a PO takes an optional `Idempotency-Key`: a replay with the same key returns the
//! first PO and places nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use guyub_core::Msg;
use guyub_core::ids::{KoperasiId, VariantId};
use guyub_core::market::tomiko::{PaymentTerms, PoAction, PoSide, PoStatus, allowed_actions};
use guyub_store::market::tomiko::{Po, PoInput, PoLineInput, PoPay, ReceiveChoice};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::market::{TierOut, invalid, json_body, ts};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::state::AppState;

fn no_access() -> WebError {
    WebError::Forbidden(Msg::new(
        "Koperasi Anda belum mendapat akses ke katalog grosir Tomiko koperasi sekunder ini. Hubungi pengurus koperasi sekunder.",
        "Your coop has no access to this secondary coop's Tomiko wholesale catalogue. Ask the secondary coop's board.",
    ))
}

/// A secondary coop that admits this coop to its wholesale catalogue.
#[derive(Serialize, ToSchema)]
pub struct TomikoSellerOut {
    pub seller_id: String,
    pub name: String,
    /// The payment days granted to this coop (0 = cash only).
    pub payment_terms_days: i64,
    /// Its catalogue in this API.
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct TomikoSellersOut {
    pub sellers: Vec<TomikoSellerOut>,
}

/// The secondary coops whose Tomiko catalogue this coop may open (none: an empty list).
/// Koperasi sekunder yang memberi koperasi ini akses ke katalog grosir Tomiko.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/tomiko/katalog", tag = "tomiko",
    params(("koperasi_id" = String, Path, description = "The buying coop's id (UUID)")),
    responses((status = 200, body = TomikoSellersOut), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
pub async fn sellers(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<TomikoSellersOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let list = state.store.tomiko_sellers_for(coop.id).await?;
    Ok(Json(TomikoSellersOut {
        sellers: list
            .into_iter()
            .map(|s| TomikoSellerOut {
                href: format!(
                    "/api/v1/koperasi/{}/tomiko/katalog/{}",
                    coop.id, s.koperasi_id
                ),
                seller_id: s.koperasi_id.to_string(),
                name: s.name,
                payment_terms_days: s.payment_terms_days,
            })
            .collect(),
    }))
}

/// One variant of a wholesale catalogue.
#[derive(Serialize, ToSchema)]
pub struct TomikoItemOut {
    /// The id to order in a PO line.
    pub variant_id: String,
    pub product_name: String,
    pub label: String,
    pub category: String,
    /// The unit price below the first tier, whole rupiah.
    pub price: i64,
    pub tiers: Vec<TierOut>,
    pub stock: i64,
    pub weight_g: i64,
}

/// A secondary coop's wholesale catalogue as this coop sees it.
#[derive(Serialize, ToSchema)]
pub struct CatalogueOut {
    pub seller_id: String,
    pub seller_name: String,
    /// The payment days this coop was granted (0 = cash only).
    pub payment_terms_days: i64,
    pub items: Vec<TomikoItemOut>,
}

/// The wholesale catalogue of the secondary coop `seller_id`, for a coop it admitted; any
/// other coop gets 403 and no prices.
/// Katalog grosir Tomiko koperasi sekunder, hanya untuk koperasi yang diberi akses.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/tomiko/katalog/{seller_id}", tag = "tomiko",
    params(("koperasi_id" = String, Path, description = "The buying coop's id (UUID)"),
        ("seller_id" = String, Path, description = "The secondary coop's id (UUID)")),
    responses((status = 200, body = CatalogueOut), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody, description = "No Tomiko access / tanpa akses Tomiko"),
        (status = 404, body = ApiErrorBody)))]
pub async fn catalogue(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
) -> WebResult<Json<CatalogueOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let seller = KoperasiId::parse(&sid).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(coop.id);
    let days = t.tomiko_terms_from(seller).await?.ok_or_else(no_access)?;
    let items = t.tomiko_catalogue(seller).await?;
    let seller_name = state.store.koperasi(seller).await?.data.name;
    Ok(Json(CatalogueOut {
        seller_id: seller.to_string(),
        seller_name,
        payment_terms_days: days,
        items: items
            .into_iter()
            .map(|i| TomikoItemOut {
                tiers: super::market::tiers_of(&i.wholesale_tiers),
                variant_id: i.variant_id.to_string(),
                product_name: i.product_name,
                label: i.label,
                category: i.category,
                price: i.price,
                stock: i.stock,
                weight_g: i.weight_g,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PoLineOut {
    pub line_no: i64,
    pub variant_id: String,
    pub name: String,
    pub qty: i64,
    /// The tier price paid per unit, whole rupiah.
    pub unit_price: i64,
    pub line_total: i64,
    /// The buyer's variant the goods went into, once received.
    pub buyer_variant_id: Option<String>,
}

/// A purchase order and what this coop may do with it now.
#[derive(Serialize, ToSchema)]
pub struct PoOut {
    pub id: String,
    pub po_no: String,
    /// The secondary coop (seller).
    pub seller_id: String,
    pub seller_name: String,
    pub buyer_id: String,
    pub buyer_name: String,
    /// diajukan | dikonfirmasi | dikirim | diterima | lunas | dibatalkan
    pub status: String,
    /// 0 = cash (tunai), else tempo days.
    pub terms_days: i64,
    pub total: i64,
    pub note: String,
    pub invoice_no: Option<String>,
    /// YYYY-MM-DD
    pub invoice_date: Option<String>,
    /// YYYY-MM-DD, for tempo.
    pub due_on: Option<String>,
    /// kas | bank, once paid.
    pub pay_method: Option<String>,
    /// RFC 3339
    pub created_at: String,
    /// penjual (this coop sells) | pembeli (this coop buys)
    pub side: String,
    /// What `…/aksi` accepts from this side now: konfirmasi | kirim | terima | bayar | batal
    pub actions: Vec<String>,
    pub lines: Vec<PoLineOut>,
}

fn side_of(po: &Po, k: KoperasiId) -> PoSide {
    if po.koperasi_id == k {
        PoSide::Seller
    } else {
        PoSide::Buyer
    }
}

fn po_out(po: &Po, k: KoperasiId) -> PoOut {
    let side = side_of(po, k);
    PoOut {
        id: po.id.to_string(),
        po_no: po.po_no.clone(),
        seller_id: po.koperasi_id.to_string(),
        seller_name: po.seller_name.clone(),
        buyer_id: po.buyer_koperasi_id.to_string(),
        buyer_name: po.buyer_name.clone(),
        status: po.status.as_str().to_string(),
        terms_days: po.terms.days(),
        total: po.total,
        note: po.note.clone(),
        invoice_no: po.invoice_no.clone(),
        invoice_date: po.invoice_date.map(|d| d.to_string()),
        due_on: po.due_on.map(|d| d.to_string()),
        pay_method: po.pay_method.clone(),
        created_at: ts(po.created_at),
        side: match side {
            PoSide::Seller => "penjual",
            PoSide::Buyer => "pembeli",
        }
        .to_string(),
        actions: allowed_actions(po.status, side, po.terms)
            .into_iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        lines: po
            .lines
            .iter()
            .map(|l| PoLineOut {
                line_no: l.line_no,
                variant_id: l.variant_id.to_string(),
                name: l.name.clone(),
                qty: l.qty,
                unit_price: l.unit_price,
                line_total: l.line_total,
                buyer_variant_id: l.buyer_variant_id.map(|v| v.to_string()),
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PoLineIn {
    /// A variant of the seller's Tomiko catalogue.
    pub variant_id: String,
    /// 1–9999 units, at most the seller's stock.
    pub qty: i64,
}

/// A purchase order to place.
#[derive(Deserialize, ToSchema)]
pub struct PoIn {
    /// The secondary coop to buy from.
    pub seller_id: String,
    pub lines: Vec<PoLineIn>,
    /// tunai | tempo
    pub terms: String,
    /// For tempo: days, 1 to what the seller granted (at most 90).
    #[serde(default)]
    pub days: Option<i64>,
    #[serde(default)]
    pub note: String,
}

fn idem_key(headers: &HeaderMap) -> WebResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().map(str::trim).unwrap_or_default();
    // The store keeps up to 100 characters; "api:" is put in front.
    if key.is_empty() || key.chars().count() > 90 || key.chars().any(|c| c.is_control()) {
        return Err(WebError::BadRequest(Msg::new(
            "Header Idempotency-Key harus 1–90 karakter (mis. sebuah UUID baru untuk setiap pesanan).",
            "The Idempotency-Key header must be 1–90 characters (e.g. a new UUID for each order).",
        )));
    }
    Ok(Some(format!("api:{key}")))
}

/// Places a PO with the secondary coop `seller_id` at today's wholesale tier prices. Refused
/// with 403 when this coop has no access to its catalogue, 422 when a line is not in the
/// catalogue, asks for 0, a negative number or more than the stock, or the terms go beyond
/// what was granted. With `Idempotency-Key`, a replay returns the first PO (200).
/// Membuat pesanan pembelian ke koperasi sekunder dengan harga grosir hari ini.
#[utoipa::path(post, path = "/api/v1/koperasi/{koperasi_id}/tomiko/po", tag = "tomiko",
    request_body = PoIn,
    params(("koperasi_id" = String, Path, description = "The buying coop's id (UUID)"),
        ("Idempotency-Key" = Option<String>, Header, description = "A new key per PO (1–90 characters): a replay places nothing")),
    responses((status = 201, body = PoOut, description = "Placed"),
        (status = 200, body = PoOut, description = "A replay: the first PO"),
        (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody, description = "No Tomiko access / tanpa akses Tomiko"),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn place_po(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<(StatusCode, Json<PoOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let body: PoIn = json_body(&body)?;
    let seller = KoperasiId::parse(&body.seller_id).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(coop.id);
    // Access first: a coop without it learns nothing from the lines' checks.
    t.tomiko_terms_from(seller).await?.ok_or_else(no_access)?;
    let key = idem_key(&headers)?;
    let terms = PaymentTerms::parse(
        &body.terms,
        &body.days.map(|d| d.to_string()).unwrap_or_default(),
    )
    .map_err(|e| WebError::Invalid(vec![guyub_core::FieldError::new("terms", e.msg())]))?;
    let mut lines = vec![];
    for (i, l) in body.lines.iter().enumerate() {
        let v = VariantId::parse(&l.variant_id).ok_or_else(|| {
            invalid(
                &format!("lines[{i}].variant_id"),
                "Barang ini tidak ada di katalog ini.",
                "This item is not in this catalogue.",
            )
        })?;
        lines.push(PoLineInput {
            variant_id: v,
            qty: l.qty,
        });
    }
    let started = time::OffsetDateTime::now_utc();
    let po = t
        .place_tomiko_po(
            &caller.actor(),
            &PoInput {
                seller,
                lines,
                terms,
                note: body.note.clone(),
                idem_key: key,
            },
        )
        .await?;
    // A PO made before this request started is the first answer to this key: a replay.
    let started = started
        .replace_nanosecond(started.nanosecond() / 1000 * 1000)
        .unwrap_or(started);
    let status = if po.created_at < started {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(po_out(&po, coop.id))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoListParams {
    /// beli (the POs this coop placed, the default) | jual (the POs this secondary coop
    /// received)
    #[serde(default)]
    sisi: String,
    /// jual only: one status (diajukan, dikonfirmasi, dikirim, diterima, lunas, dibatalkan).
    #[serde(default)]
    status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PoListOut {
    /// Newest first, at most 200, without their lines (open one for them).
    pub pos: Vec<PoOut>,
}

/// This coop's POs, newest first (the newest 200): those it placed, or with `sisi=jual`
/// those it received as a secondary coop.
/// Pesanan pembelian koperasi ini (yang dibuat, atau yang diterima dengan sisi=jual).
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/tomiko/po", tag = "tomiko",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"), PoListParams),
    responses((status = 200, body = PoListOut), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn list_pos(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<PoListParams>,
) -> WebResult<Json<PoListOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(PoStatus::parse(s).ok_or_else(|| {
            invalid(
                "status",
                "Status pesanan pembelian tidak dikenal.",
                "Unknown purchase order status.",
            )
        })?),
    };
    let t = state.store.tenant(coop.id);
    let pos = match q.sisi.trim() {
        "" | "beli" if status.is_none() => t.tomiko_pos_bought(200).await?,
        "jual" => t.tomiko_pos_sold(status, 200).await?,
        "" | "beli" => {
            return Err(invalid(
                "status",
                "Saringan status hanya untuk sisi=jual.",
                "The status filter is for sisi=jual only.",
            ));
        }
        _ => {
            return Err(invalid(
                "sisi",
                "Sisi harus beli atau jual.",
                "The side must be beli or jual.",
            ));
        }
    };
    Ok(Json(PoListOut {
        pos: pos.iter().map(|po| po_out(po, coop.id)).collect(),
    }))
}

/// One PO of this coop, as its seller or its buyer; any other coop's is 404.
/// Satu pesanan pembelian koperasi ini (sebagai penjual atau pembeli).
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}", tag = "tomiko",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("po_id" = String, Path, description = "PO id (UUID)")),
    responses((status = 200, body = PoOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_po(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
) -> WebResult<Json<PoOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let id = Uuid::parse_str(pid.trim()).map_err(|_| WebError::NotFound)?;
    let po = state.store.tenant(coop.id).tomiko_po_by_id(id).await?;
    Ok(Json(po_out(&po, coop.id)))
}

/// Where one line's goods go at receipt.
#[derive(Deserialize, ToSchema)]
pub struct ReceiveLineIn {
    pub line_no: i64,
    /// One of this coop's own variants, or `baru` (a new draft product, the default).
    pub into: String,
}

/// A step of a PO.
#[derive(Deserialize, ToSchema)]
pub struct PoActionIn {
    /// The seller: konfirmasi | kirim | bayar | batal. The buyer: terima | batal.
    pub action: String,
    /// For bayar: kas | bank.
    #[serde(default)]
    pub method: String,
    /// For terima: where each line goes (a line left out becomes a new draft product).
    #[serde(default)]
    pub receive: Vec<ReceiveLineIn>,
}

/// Takes a step of a PO by the same rules as the Tomiko pages: the secondary coop confirms
/// (takes stock), ships (invoice and books), records payment of a tempo invoice (both books)
/// or cancels before shipping; the buyer receives (stock and books) or cancels before
/// confirmation. A step the PO's status or this side does not allow is 409, nothing written.
/// Langkah pesanan pembelian: konfirmasi, kirim, terima, bayar, batal.
#[utoipa::path(post, path = "/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}/aksi", tag = "tomiko",
    request_body = PoActionIn,
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("po_id" = String, Path, description = "PO id (UUID)")),
    responses((status = 200, body = PoOut, description = "The PO after the step"),
        (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn act_on_po(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    body: Bytes,
) -> WebResult<Json<PoOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let id = Uuid::parse_str(pid.trim()).map_err(|_| WebError::NotFound)?;
    let body: PoActionIn = json_body(&body)?;
    let t = state.store.tenant(coop.id);
    let po = t.tomiko_po_by_id(id).await?;
    let actor = caller.actor();
    let side = side_of(&po, coop.id);
    let unknown = || {
        invalid(
            "action",
            "Tindakan tidak dikenal (konfirmasi, kirim, terima, bayar, batal).",
            "Unknown action (konfirmasi, kirim, terima, bayar, batal).",
        )
    };
    let action = PoAction::parse(body.action.trim()).ok_or_else(unknown)?;
    let after = match (side, action) {
        (PoSide::Seller, PoAction::Confirm) => t.confirm_tomiko_po(&actor, id).await?,
        (PoSide::Seller, PoAction::Ship) => t.ship_tomiko_po(&actor, id).await?,
        (PoSide::Seller, PoAction::Pay) => {
            let method = PoPay::parse(body.method.trim()).ok_or_else(|| {
                invalid(
                    "method",
                    "Pilih cara bayar: kas atau bank.",
                    "Choose how it was paid: kas or bank.",
                )
            })?;
            t.pay_tomiko_po(&actor, id, method).await?
        }
        (_, PoAction::Cancel) => t.cancel_tomiko_po(&actor, side, po.koperasi_id, id).await?,
        (PoSide::Buyer, PoAction::Receive) => {
            let mut choices = vec![];
            for l in &po.lines {
                let into = body
                    .receive
                    .iter()
                    .find(|r| r.line_no == l.line_no)
                    .map(|r| r.into.trim())
                    .unwrap_or_default();
                choices.push(match into {
                    "" | "baru" => ReceiveChoice::NewDraft,
                    x => ReceiveChoice::Existing(VariantId::parse(x).ok_or_else(|| {
                        invalid(
                            &format!("receive[{}].into", l.line_no),
                            "Pilihan produk tidak dikenal.",
                            "Unknown product choice.",
                        )
                    })?),
                });
            }
            t.receive_tomiko_po(&actor, po.koperasi_id, id, &choices)
                .await?
        }
        // The other side's step: refused by the core's rule, with its message.
        (side, action) => {
            return Err(
                match guyub_core::market::tomiko::next(po.status, side, action, po.terms) {
                    Err(e) => WebError::Conflict(e.msg()),
                    Ok(_) => unknown(),
                },
            );
        }
    };
    Ok(Json(po_out(&after, coop.id)))
}
