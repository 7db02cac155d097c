//! API: the marketplace (Pasar). The same rules, store calls and errors as its pages
//! (pages/market.rs, market_admin.rs, market_order.rs, market_dash.rs).
//!
//! Who may do what (checked here, once, as the pages do):
//! - anyone, without a token: search and browse listed products (`/api/v1/pasar/produk`) and
//!   open one (`/api/v1/pasar/produk/{kid}/{pid}`); anything not listed (a draft, a product
//!   in review or rejected, a wholesale-only one, an inactive seller's) is 404;
//! - the coop's board (`Need::ManageMarket`) or a user who runs one of its sellers: the coop's
//!   products in any status, a new draft, a variant's price and stock (a seller's user only
//!   its own seller's products; another's is 404);
//! - the order desk (`Need::Cashier`: pengurus, kasir, admin): the coop's orders and their
//!   actions, by the core's state machine;
//! - the board: the dashboard; the board (and supervisors) or the member themself: a
//!   member's patronage.
//!
//! Bad input is refused with a JSON error (`invalid` with the field, or `bad_request`) and
//! nothing is written. Money is whole rupiah as JSON integers.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use guyub_core::ids::{KoperasiId, OrderId};
use guyub_core::market::catalog::{
    Category, Face, ListingScope, ProductStatus, Stock, parse_tiers,
};
use guyub_core::market::dashboard::{DayRange, parse_low_stock};
use guyub_core::market::legality::CertStatus;
use guyub_core::market::order::{OrderAction, OrderActionKind, OrderActor, OrderStatus};
use guyub_core::region::RegionCode;
use guyub_core::{FieldError, Msg};
use guyub_store::StoreError;
use guyub_store::market::catalog::{
    BrowseFilter, BrowseSort, DocInput, FilePurpose, MarketProductId, Product, ProductCard,
    ProductInput, ProductSummary, SellerId, VariantId, VariantInput,
};
use guyub_store::market::lookup::ProductListFilter;
use guyub_store::market::order::Order;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Need, coop_access, member_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::pages::market_admin::{market_access, product_in, seller_in};
use crate::pages::members::today_in;
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Small helpers (shared with market_tomiko.rs)

pub(crate) fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// One field refused.
pub(crate) fn invalid(field: &str, id: impl Into<String>, en: impl Into<String>) -> WebError {
    WebError::Invalid(vec![FieldError::new(field, Msg::new(id, en))])
}

/// Reads a JSON body; one that does not parse is a 400 naming what is wrong.
pub(crate) fn json_body<T: DeserializeOwned>(body: &Bytes) -> WebResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        WebError::BadRequest(Msg::new(
            format!("Isi permintaan bukan JSON yang sesuai: {e}"),
            format!("The request body is not the expected JSON: {e}"),
        ))
    })
}

/// A yes/no query parameter: empty, `0`, `false`, `tidak` are no; `1`, `true`, `ya` yes.
fn flag(s: &str, field: &str) -> WebResult<bool> {
    match s.trim() {
        "" | "0" | "false" | "tidak" => Ok(false),
        "1" | "true" | "ya" => Ok(true),
        _ => Err(invalid(
            field,
            format!("Parameter {field} harus true atau false."),
            format!("The {field} parameter must be true or false."),
        )),
    }
}

fn photo_url(k: KoperasiId, f: impl std::fmt::Display, size: &str) -> String {
    format!("/pasar/foto/{k}/{f}/{size}")
}

// ---------------------------------------------------------------------------------------------
// Public: search and browse

/// The query of a search. Everything is text so that a bad value gets a clear message.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to search for (every word must match; the last may be a prefix).
    #[serde(default)]
    q: String,
    /// A category code (e.g. `makanan-minuman`).
    #[serde(default)]
    kategori: String,
    /// A regency (kabupaten/kota) code, e.g. `35.07`.
    #[serde(default)]
    kab: String,
    /// `true`: OPOP (pesantren) products only.
    #[serde(default)]
    opop: String,
    /// `true`: products with a valid halal certificate only.
    #[serde(default)]
    halal: String,
    /// The lowest price, whole rupiah.
    #[serde(default)]
    min: String,
    /// The highest price, whole rupiah.
    #[serde(default)]
    max: String,
    /// terbaru (default) | termurah | termahal | terlaris
    #[serde(default)]
    urut: String,
    /// Products per page, 1–60 (default 24).
    #[serde(default)]
    limit: String,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: String,
}

/// A listed product on a search page.
#[derive(Serialize, ToSchema)]
pub struct CardOut {
    pub koperasi_id: String,
    pub id: String,
    pub name: String,
    pub slug: String,
    /// The lowest price of its variants, whole rupiah.
    pub min_price: i64,
    pub seller_name: String,
    pub seller_slug: String,
    pub coop_name: String,
    pub coop_slug: Option<String>,
    pub regency_code: String,
    pub regency_name: String,
    /// Every listed product is curated ("Terkurasi").
    pub curated: bool,
    pub is_opop: bool,
    pub is_halal: bool,
    /// The cover photo (160 px), if any.
    pub photo_url: Option<String>,
    /// Its page in this API.
    pub href: String,
}

impl From<&ProductCard> for CardOut {
    fn from(c: &ProductCard) -> Self {
        CardOut {
            koperasi_id: c.koperasi_id.to_string(),
            id: c.id.to_string(),
            name: c.name.clone(),
            slug: c.slug.clone(),
            min_price: c.min_price,
            seller_name: c.seller_name.clone(),
            seller_slug: c.seller_slug.clone(),
            coop_name: c.coop_name.clone(),
            coop_slug: c.coop_slug.clone(),
            regency_code: c.regency_code.clone(),
            regency_name: c.regency_name.clone(),
            curated: c.curated,
            is_opop: c.is_opop,
            is_halal: c.is_halal,
            photo_url: c
                .cover_photo_id
                .map(|f| photo_url(c.koperasi_id, f, "kecil")),
            href: format!("/api/v1/pasar/produk/{}/{}", c.koperasi_id, c.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    pub products: Vec<CardOut>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// What a search asks the store for; every value that does not read is named at once.
fn browse_filter(q: &SearchParams) -> WebResult<BrowseFilter> {
    let mut errors = vec![];
    let mut f = BrowseFilter {
        limit: 24,
        ..Default::default()
    };
    let err = |errors: &mut Vec<FieldError>, field: &str, id: &str, en: &str| {
        errors.push(FieldError::new(field, Msg::new(id, en)));
    };
    let words = q.q.trim();
    if !words.is_empty() {
        f.q = Some(words.chars().take(200).collect());
    }
    if !q.kategori.trim().is_empty() {
        match Category::parse(q.kategori.trim()) {
            Some(c) => f.category = Some(c),
            None => err(
                &mut errors,
                "kategori",
                "Kategori tidak dikenal.",
                "Unknown category.",
            ),
        }
    }
    if !q.kab.trim().is_empty() {
        match RegionCode::parse(q.kab.trim()) {
            Ok(r) if r.regency().is_some() => {
                f.regency_code = r.regency().map(|g| g.as_str().to_string());
            }
            _ => err(
                &mut errors,
                "kab",
                "Kode kabupaten/kota tidak dikenal (contoh: 35.07).",
                "Unknown regency code (e.g. 35.07).",
            ),
        }
    }
    match flag(&q.opop, "opop") {
        Ok(b) => f.opop_only = b,
        Err(WebError::Invalid(e)) => errors.extend(e),
        Err(e) => return Err(e),
    }
    match flag(&q.halal, "halal") {
        Ok(b) => f.halal_only = b,
        Err(WebError::Invalid(e)) => errors.extend(e),
        Err(e) => return Err(e),
    }
    for (text, slot, field) in [
        (&q.min, &mut f.min_price, "min"),
        (&q.max, &mut f.max_price, "max"),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        match text.trim().parse::<i64>() {
            Ok(r) if r >= 0 => *slot = Some(r),
            _ => err(
                &mut errors,
                field,
                "Harga harus bilangan bulat rupiah, 0 atau lebih (contoh: 25000).",
                "The price must be a whole number of rupiah, 0 or more (e.g. 25000).",
            ),
        }
    }
    if !q.urut.trim().is_empty() {
        match BrowseSort::parse(&q.urut) {
            Some(s) => f.sort = s,
            None => err(
                &mut errors,
                "urut",
                "Urutan harus terbaru, termurah, termahal atau terlaris.",
                "The order must be terbaru, termurah, termahal or terlaris.",
            ),
        }
    }
    if !q.limit.trim().is_empty() {
        match q.limit.trim().parse::<i64>() {
            Ok(n) if (1..=guyub_store::market::catalog::MAX_PAGE).contains(&n) => f.limit = n,
            _ => err(
                &mut errors,
                "limit",
                "Jumlah per halaman 1 sampai 60.",
                "The page size is 1 to 60.",
            ),
        }
    }
    if !q.cursor.trim().is_empty() {
        f.cursor = Some(q.cursor.trim().to_string());
    }
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    Ok(f)
}

/// Searches and browses the listed products of every coop that opted in, as `/pasar` does
/// (wholesale-only products never show). Pages go by `cursor`.
/// Mencari dan menelusuri produk terkurasi semua koperasi, seperti halaman /pasar.
#[utoipa::path(get, path = "/api/v1/pasar/produk", tag = "pasar", security(()),
    params(SearchParams),
    responses((status = 200, body = SearchOut),
        (status = 422, body = ApiErrorBody, description = "A filter or the cursor does not read / filter atau kursor tidak terbaca")))]
pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<SearchParams>,
) -> WebResult<Json<SearchOut>> {
    let f = browse_filter(&q)?;
    let page = state.store.search_products(&f).await?;
    Ok(Json(SearchOut {
        products: page.cards.iter().map(CardOut::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

// ---------------------------------------------------------------------------------------------
// Public: one product

#[derive(Serialize, ToSchema)]
pub struct TierOut {
    /// From this many units…
    pub min_qty: u32,
    /// …each costs this, whole rupiah.
    pub price: i64,
}

/// A variant as buyers see it (no cost).
#[derive(Serialize, ToSchema)]
pub struct PublicVariantOut {
    pub id: String,
    pub label: String,
    pub sku: Option<String>,
    pub price: i64,
    /// The price for members of the coop, if any.
    pub member_price: Option<i64>,
    pub tiers: Vec<TierOut>,
    pub stock: i64,
    pub weight_g: i64,
}

/// A legality document badge.
#[derive(Serialize, ToSchema)]
pub struct DocOut {
    /// nib | pirt | halal | bpom | sni | …
    pub kind: String,
    pub label: String,
    pub number: String,
    /// YYYY-MM-DD, if it expires.
    pub expires_on: Option<String>,
    /// berlaku | segera_habis | kedaluwarsa | tanpa_batas
    pub status: String,
}

pub(crate) fn tiers_of(text: &str) -> Vec<TierOut> {
    parse_tiers(text)
        .map(|t| {
            t.tiers()
                .iter()
                .map(|x| TierOut {
                    min_qty: x.min_qty,
                    price: x.price.0,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn docs_of(p: &Product, lang: guyub_core::Lang) -> Vec<DocOut> {
    p.docs
        .iter()
        .map(|d| DocOut {
            kind: d.kind.as_str().to_string(),
            label: d.kind.label(lang).to_string(),
            number: d.number.clone(),
            expires_on: d.expires_on.map(|x| x.to_string()),
            status: match d.status {
                CertStatus::Valid => "berlaku",
                CertStatus::ExpiresSoon { .. } => "segera_habis",
                CertStatus::Expired { .. } => "kedaluwarsa",
                CertStatus::NoExpiry => "tanpa_batas",
            }
            .to_string(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct PhotoOut {
    /// 160 px
    pub small: String,
    /// 480 px
    pub medium: String,
    /// 1080 px
    pub large: String,
}

fn photos_of(p: &Product) -> Vec<PhotoOut> {
    let k = p.summary.koperasi_id;
    p.files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Foto)
        .map(|f| PhotoOut {
            small: photo_url(k, f.id, "kecil"),
            medium: photo_url(k, f.id, "sedang"),
            large: photo_url(k, f.id, "besar"),
        })
        .collect()
}

/// A listed product's page.
#[derive(Serialize, ToSchema)]
pub struct PublicProductOut {
    pub koperasi_id: String,
    pub id: String,
    pub name: String,
    pub slug: String,
    pub category: String,
    pub category_label: String,
    /// As the seller typed it (plain text with the core's light formatting).
    pub description: String,
    pub min_price: i64,
    pub curated: bool,
    pub is_opop: bool,
    pub is_halal: bool,
    pub regency_code: String,
    pub seller_name: String,
    pub seller_slug: String,
    pub coop_name: String,
    pub coop_slug: String,
    /// The communal brand it is listed under, if any.
    pub brand: Option<String>,
    pub variants: Vec<PublicVariantOut>,
    pub docs: Vec<DocOut>,
    pub photos: Vec<PhotoOut>,
    /// Its page for people.
    pub web_url: String,
}

/// One listed product with its variants, prices, tiers, stock and legality badges. A product
/// that is not listed (draft, in review, rejected, archived, wholesale-only) is 404.
/// Satu produk terkurasi dengan varian, harga, stok dan lencana legalitasnya.
#[utoipa::path(get, path = "/api/v1/pasar/produk/{koperasi_id}/{product_id}", tag = "pasar", security(()),
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("product_id" = String, Path, description = "Product id (UUID)")),
    responses((status = 200, body = PublicProductOut), (status = 404, body = ApiErrorBody)))]
pub async fn public_product(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Path((kid, pid)): Path<(String, String)>,
) -> WebResult<Json<PublicProductOut>> {
    let lang = crate::i18n::lang_of(&headers, uri.query());
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let id = MarketProductId::parse(&pid).ok_or(WebError::NotFound)?;
    let page = state.store.listed_product(k, id).await?;
    let p = &page.product;
    let s = &p.summary;
    Ok(Json(PublicProductOut {
        koperasi_id: s.koperasi_id.to_string(),
        id: s.id.to_string(),
        name: s.name.clone(),
        slug: s.slug.clone(),
        category: s.category.as_str().to_string(),
        category_label: s.category.label(lang).to_string(),
        description: s.description.clone(),
        min_price: s.min_price,
        curated: true,
        is_opop: s.is_opop,
        is_halal: s.is_halal,
        regency_code: s.regency_code.clone(),
        seller_name: page.seller.name.clone(),
        seller_slug: page.seller.slug.clone(),
        coop_name: page.coop_name.clone(),
        coop_slug: page.coop_slug.clone(),
        brand: page.brand.as_ref().map(|b| b.name.clone()),
        variants: p
            .variants
            .iter()
            .map(|v| PublicVariantOut {
                id: v.id.to_string(),
                label: v.label.clone(),
                sku: v.sku.clone(),
                price: v.price,
                member_price: v.member_price,
                tiers: tiers_of(&v.wholesale_tiers),
                stock: v.stock,
                weight_g: v.weight_g,
            })
            .collect(),
        docs: docs_of(p, lang),
        photos: photos_of(p),
        web_url: format!("/pasar/p/{}/{}", page.coop_slug, s.slug),
    }))
}

// ---------------------------------------------------------------------------------------------
// Staff: the coop's products

/// A product of the coop in a list (any status).
#[derive(Serialize, ToSchema)]
pub struct ProductSummaryOut {
    pub id: String,
    pub koperasi_id: String,
    pub seller_id: String,
    pub seller_name: String,
    pub name: String,
    pub slug: String,
    pub category: String,
    /// draft | diajukan | perlu_perbaikan | terkurasi | ditolak | … (the curation status)
    pub status: String,
    /// Shown on the marketplace now.
    pub listed: bool,
    /// umkm | opop | tomiko
    pub faces: Vec<String>,
    pub wholesale_only: bool,
    pub is_halal: bool,
    pub is_opop: bool,
    pub min_price: i64,
    pub sold_count: i64,
    /// RFC 3339
    pub created_at: String,
    /// RFC 3339
    pub updated_at: String,
}

impl From<&ProductSummary> for ProductSummaryOut {
    fn from(s: &ProductSummary) -> Self {
        ProductSummaryOut {
            id: s.id.to_string(),
            koperasi_id: s.koperasi_id.to_string(),
            seller_id: s.seller_id.to_string(),
            seller_name: s.seller_name.clone(),
            name: s.name.clone(),
            slug: s.slug.clone(),
            category: s.category.as_str().to_string(),
            status: s.status.as_str().to_string(),
            listed: s.listed,
            faces: s
                .faces
                .faces()
                .iter()
                .map(|f| f.as_str().to_string())
                .collect(),
            wholesale_only: s.wholesale_only,
            is_halal: s.is_halal,
            is_opop: s.is_opop,
            min_price: s.min_price,
            sold_count: s.sold_count,
            created_at: ts(s.created_at),
            updated_at: ts(s.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductListOut {
    pub products: Vec<ProductSummaryOut>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListParams {
    /// One curation status only (draft, diajukan, perlu_perbaikan, terkurasi, ditolak, …).
    #[serde(default)]
    status: String,
    /// One seller's products only (seller id). A seller's own user who runs several sellers
    /// of the coop must name one.
    #[serde(default)]
    penjual: String,
    /// Products per page, 1–200 (default 50).
    #[serde(default)]
    limit: String,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: String,
}

fn page_limit(s: &str) -> WebResult<i64> {
    match s.trim() {
        "" => Ok(0),
        t => match t.parse::<i64>() {
            Ok(n) if (1..=guyub_store::market::lookup::MAX_LIST_PAGE).contains(&n) => Ok(n),
            _ => Err(invalid(
                "limit",
                "Jumlah per halaman 1 sampai 200.",
                "The page size is 1 to 200.",
            )),
        },
    }
}

/// The coop's products in any status, newest first (the board: every seller's; a seller's
/// user: its own seller's).
/// Produk koperasi dalam status apa pun (pengurus: semua penjual; pengguna penjual: miliknya).
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/pasar/produk", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"), ProductListParams),
    responses((status = 200, body = ProductListOut), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<ProductListParams>,
) -> WebResult<Json<ProductListOut>> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let seller = match q.penjual.trim() {
        "" if ctx.board.is_some() => None,
        "" => match ctx.sellers.as_slice() {
            [only] => Some(only.id),
            _ => {
                return Err(invalid(
                    "penjual",
                    "Anda mengelola beberapa penjual di koperasi ini; sebutkan satu dengan ?penjual=.",
                    "You run several sellers in this coop; name one with ?penjual=.",
                ));
            }
        },
        sid => Some(seller_in(&state, &ctx, sid).await?.id),
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(ProductStatus::parse(s).ok_or_else(|| {
            invalid(
                "status",
                "Status produk tidak dikenal.",
                "Unknown product status.",
            )
        })?),
    };
    let list = state
        .store
        .tenant(ctx.coop.id)
        .products_page(&ProductListFilter {
            seller,
            status,
            limit: page_limit(&q.limit)?,
            cursor: Some(q.cursor.clone()),
        })
        .await?;
    Ok(Json(ProductListOut {
        products: list.products.iter().map(ProductSummaryOut::from).collect(),
        next_cursor: list.next_cursor,
    }))
}

/// A variant as its coop sees it (with the unit cost).
#[derive(Serialize, ToSchema)]
pub struct VariantOut {
    pub id: String,
    pub label: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: i64,
    pub member_price: Option<i64>,
    /// The wholesale tiers as text, one `qty=price` a line.
    pub tiers_text: String,
    pub tiers: Vec<TierOut>,
    /// Unit cost of the coop's own goods (0 for consignment).
    pub cost: i64,
    pub weight_g: i64,
    pub stock: i64,
    pub active: bool,
}

/// One step of the curation history.
#[derive(Serialize, ToSchema)]
pub struct CurationOut {
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub note: Option<String>,
    pub actor: String,
    /// RFC 3339
    pub at: String,
}

/// A product of the coop with everything its page shows.
#[derive(Serialize, ToSchema)]
pub struct ProductOut {
    pub product: ProductSummaryOut,
    pub description: String,
    pub brand_id: Option<String>,
    pub variants: Vec<VariantOut>,
    pub docs: Vec<DocOut>,
    pub photos: Vec<PhotoOut>,
    pub history: Vec<CurationOut>,
}

fn product_out(p: &Product, lang: guyub_core::Lang) -> ProductOut {
    ProductOut {
        product: ProductSummaryOut::from(&p.summary),
        description: p.summary.description.clone(),
        brand_id: p.summary.brand_id.map(|b| b.to_string()),
        variants: p
            .variants
            .iter()
            .map(|v| VariantOut {
                id: v.id.to_string(),
                label: v.label.clone(),
                sku: v.sku.clone(),
                barcode: v.barcode.clone(),
                price: v.price,
                member_price: v.member_price,
                tiers_text: v.wholesale_tiers.clone(),
                tiers: tiers_of(&v.wholesale_tiers),
                cost: v.cost,
                weight_g: v.weight_g,
                stock: v.stock,
                active: v.active,
            })
            .collect(),
        docs: docs_of(p, lang),
        photos: photos_of(p),
        history: p
            .history
            .iter()
            .map(|h| CurationOut {
                action: h.action.as_str().to_string(),
                from_status: h.from_status.as_str().to_string(),
                to_status: h.to_status.as_str().to_string(),
                note: h.note.clone(),
                actor: h.actor.clone(),
                at: ts(h.at),
            })
            .collect(),
    }
}

/// One product of the coop, any status.
/// Satu produk koperasi, status apa pun.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("product_id" = String, Path, description = "Product id (UUID)")),
    responses((status = 200, body = ProductOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
) -> WebResult<Json<ProductOut>> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let p = product_in(&state, &ctx, &pid).await?;
    Ok(Json(product_out(&p, caller.lang)))
}

/// One variant of a new product.
#[derive(Deserialize, ToSchema)]
pub struct VariantIn {
    /// Size, colour… (required when there are several variants).
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub barcode: Option<String>,
    /// Whole rupiah, more than 0.
    pub price: i64,
    #[serde(default)]
    pub member_price: Option<i64>,
    /// Wholesale tiers, one `qty=price` a line (empty for none).
    #[serde(default)]
    pub tiers: String,
    /// Unit cost of the coop's own goods (0 for consignment).
    #[serde(default)]
    pub cost: i64,
    /// Grams.
    #[serde(default)]
    pub weight_g: i64,
    /// Units in stock, 0 or more.
    #[serde(default)]
    pub stock: i64,
}

/// A legality document of a new product.
#[derive(Deserialize, ToSchema)]
pub struct DocIn {
    /// nib | pirt | halal | bpom | …
    pub kind: String,
    pub number: String,
    /// YYYY-MM-DD (required for the kinds that expire).
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// A new product: it is saved as a draft; submit it for curation on its page.
#[derive(Deserialize, ToSchema)]
pub struct ProductIn {
    /// The seller (of this coop) whose product it is.
    pub seller_id: String,
    pub name: String,
    /// A category code (e.g. makanan-minuman).
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// umkm | opop | tomiko (at least one).
    pub faces: Vec<String>,
    #[serde(default)]
    pub brand_id: Option<String>,
    #[serde(default)]
    pub wholesale_only: bool,
    pub variants: Vec<VariantIn>,
    #[serde(default)]
    pub docs: Vec<DocIn>,
}

/// The store's input from the API's body; what cannot be read is named by field.
fn product_input(body: &ProductIn) -> WebResult<ProductInput> {
    let mut errors = vec![];
    let mut faces = ListingScope::NONE;
    for code in &body.faces {
        match Face::parse(code.trim()) {
            Some(f) => faces = faces.with(f),
            None => errors.push(FieldError::new(
                "faces",
                Msg::new(
                    "Etalase tidak dikenal (umkm, opop, tomiko).",
                    "Unknown storefront (umkm, opop, tomiko).",
                ),
            )),
        }
    }
    let brand = match body.brand_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(b) => {
            let id = guyub_core::ids::BrandId::parse(b);
            if id.is_none() {
                errors.push(FieldError::new(
                    "brand_id",
                    Msg::new("Merek bersama tidak ditemukan", "Shared brand not found"),
                ));
            }
            id
        }
    };
    let mut docs = vec![];
    for (i, d) in body.docs.iter().enumerate() {
        let expires_on = match d.expires_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let x = guyub_core::member::parse_date(s);
                if x.is_none() {
                    errors.push(FieldError::new(
                        format!("docs[{i}].expires_on"),
                        Msg::new(
                            "Tanggal tidak dapat dibaca (contoh: 2027-12-31)",
                            "The date cannot be read (example: 2027-12-31)",
                        ),
                    ));
                }
                x
            }
        };
        docs.push(DocInput {
            kind: d.kind.clone(),
            number: d.number.clone(),
            expires_on,
            file_id: None,
        });
    }
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    Ok(ProductInput {
        name: body.name.clone(),
        category: body.category.clone(),
        description: body.description.clone(),
        faces,
        brand,
        wholesale_only: body.wholesale_only,
        variants: body
            .variants
            .iter()
            .map(|v| VariantInput {
                id: None,
                label: v.label.clone(),
                sku: v.sku.clone(),
                barcode: v.barcode.clone(),
                price: v.price,
                member_price: v.member_price,
                tiers: v.tiers.clone(),
                cost: v.cost,
                weight_g: v.weight_g,
                stock: v.stock,
                active: true,
            })
            .collect(),
        docs,
    })
}

/// Adds a product as a draft, with the same checks as the product form (every field error
/// at once, 422, nothing written). A price of 0 or less, negative stock, an unknown category…
/// are refused.
/// Menambah produk sebagai draf, dengan pemeriksaan yang sama seperti formulir produk.
#[utoipa::path(post, path = "/api/v1/koperasi/{koperasi_id}/pasar/produk", tag = "pasar",
    request_body = ProductIn,
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 201, body = ProductOut, description = "Saved as a draft"),
        (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Unknown seller"),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<ProductOut>)> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let body: ProductIn = json_body(&body)?;
    let seller = seller_in(&state, &ctx, &body.seller_id).await?;
    let input = product_input(&body)?;
    let p = state
        .store
        .tenant(ctx.coop.id)
        .create_product(&caller.actor(), seller.id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(product_out(&p, caller.lang))))
}

/// A change of one variant: its price, its stock (a counted number), or both.
#[derive(Deserialize, ToSchema)]
pub struct VariantPatch {
    /// The new price, whole rupiah, more than 0.
    #[serde(default)]
    pub price: Option<i64>,
    /// The counted stock, 0 or more.
    #[serde(default)]
    pub stock: Option<i64>,
}

/// The product as the edit form would send it back unchanged (every variant kept, active or
/// not; existing variants keep their stock whatever this says).
fn input_of(p: &Product) -> ProductInput {
    let s = &p.summary;
    ProductInput {
        name: s.name.clone(),
        category: s.category.as_str().to_string(),
        description: s.description.clone(),
        faces: s.faces,
        brand: s.brand_id,
        wholesale_only: s.wholesale_only,
        variants: p
            .variants
            .iter()
            .map(|v| VariantInput {
                id: Some(v.id),
                label: v.label.clone(),
                sku: v.sku.clone(),
                barcode: v.barcode.clone(),
                price: v.price,
                member_price: v.member_price,
                tiers: v.wholesale_tiers.clone(),
                cost: v.cost,
                weight_g: v.weight_g,
                stock: 0,
                active: v.active,
            })
            .collect(),
        docs: p
            .docs
            .iter()
            .map(|d| DocInput {
                kind: d.kind.as_str().to_string(),
                number: d.number.clone(),
                expires_on: d.expires_on,
                file_id: d.file_id,
            })
            .collect(),
    }
}

/// The store names a variant's errors by its position (`variants[2].price`); the API names
/// the field of the patch (`price`).
fn patch_errors(e: StoreError) -> WebError {
    match e {
        StoreError::Invalid(fs) => WebError::Invalid(
            fs.into_iter()
                .map(|mut f| {
                    if let Some((_, field)) = f.field.split_once("].") {
                        f.field = field.to_string();
                    }
                    f
                })
                .collect(),
        ),
        other => other.into(),
    }
}

/// Changes a variant's price (through the product's edit, the same checks as the form: a
/// price change does not send an approved product back to review) and/or sets its stock to a
/// counted number. Both are checked before anything is written.
/// Mengubah harga dan/atau stok satu varian.
#[utoipa::path(patch, path = "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}/varian/{variant_id}", tag = "pasar",
    request_body = VariantPatch,
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("product_id" = String, Path, description = "Product id (UUID)"),
        ("variant_id" = String, Path, description = "Variant id (UUID)")),
    responses((status = 200, body = ProductOut, description = "The product after the change"),
        (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "Price 0 or less, negative stock…")))]
pub async fn patch_variant(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid, vid)): Path<(String, String, String)>,
    body: Bytes,
) -> WebResult<Json<ProductOut>> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let p = product_in(&state, &ctx, &pid).await?;
    let variant = VariantId::parse(&vid)
        .filter(|v| p.variants.iter().any(|x| x.id == *v))
        .ok_or(WebError::NotFound)?;
    let patch: VariantPatch = json_body(&body)?;
    if patch.price.is_none() && patch.stock.is_none() {
        return Err(invalid(
            "price",
            "Isi harga (price) dan/atau stok (stock).",
            "Give the price and/or the stock.",
        ));
    }
    // The stock by the core's rule (as the stock form reads it), before anything is written.
    let stock = match patch.stock {
        Some(n) => Some(
            Stock::parse(&n.to_string())
                .map(|s| i64::from(s.get()))
                .map_err(|e| WebError::Invalid(vec![FieldError::new("stock", e.msg())]))?,
        ),
        None => None,
    };
    let t = state.store.tenant(ctx.coop.id);
    let seller = p.summary.seller_id;
    if let Some(price) = patch.price {
        let mut input = input_of(&p);
        for v in &mut input.variants {
            if v.id == Some(variant) {
                v.price = price;
            }
        }
        t.update_product(&caller.actor(), seller, p.summary.id, &input)
            .await
            .map_err(patch_errors)?;
    }
    if let Some(stock) = stock {
        t.set_stock(&caller.actor(), seller, variant, stock)
            .await
            .map_err(patch_errors)?;
    }
    let after = t.product(p.summary.id).await?;
    Ok(Json(product_out(&after, caller.lang)))
}

// ---------------------------------------------------------------------------------------------
// Staff: orders

#[derive(Serialize, ToSchema)]
pub struct OrderLineOut {
    pub line_no: i64,
    pub product_id: String,
    pub variant_id: String,
    pub name: String,
    pub qty: i64,
    pub unit_price: i64,
    pub line_total: i64,
}

/// An order: the part of a checkout one seller fulfils, in the merchant coop's books.
#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub id: String,
    pub order_no: String,
    pub koperasi_id: String,
    pub seller_id: String,
    pub seller_name: String,
    /// dibuat | dibayar | diproses | dikirim | diterima | selesai | dibatalkan | dikembalikan
    pub status: String,
    /// ambil | antar | kurir
    pub shipping_method: String,
    pub ship_to_name: String,
    pub ship_to_address: String,
    pub courier: Option<String>,
    pub tracking_no: Option<String>,
    pub goods_total: i64,
    pub shipping_fee: i64,
    pub total: i64,
    /// The buyer's member record in this coop, when recognised as a member.
    pub buyer_member_id: Option<String>,
    pub consignment: bool,
    /// The sale's journal entry, once paid.
    pub entry_id: Option<String>,
    /// RFC 3339
    pub created_at: String,
    pub lines: Vec<OrderLineOut>,
}

impl From<&Order> for OrderOut {
    fn from(o: &Order) -> Self {
        OrderOut {
            id: o.id.to_string(),
            order_no: o.order_no.clone(),
            koperasi_id: o.koperasi_id.to_string(),
            seller_id: o.seller_id.to_string(),
            seller_name: o.seller_name.clone(),
            status: o.status.as_str().to_string(),
            shipping_method: o.shipping.method().as_str().to_string(),
            ship_to_name: o.ship_to_name.clone(),
            ship_to_address: o.ship_to_address.clone(),
            courier: o.courier.clone(),
            tracking_no: o.tracking_no.clone(),
            goods_total: o.goods_total,
            shipping_fee: o.shipping_fee,
            total: o.total,
            buyer_member_id: o.buyer_member_id.map(|m| m.to_string()),
            consignment: o.consignment,
            entry_id: o.entry_id.map(|e| e.to_string()),
            created_at: ts(o.created_at),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineOut {
                    line_no: l.line_no,
                    product_id: l.product_id.to_string(),
                    variant_id: l.variant_id.to_string(),
                    name: l.name.clone(),
                    qty: l.qty,
                    unit_price: l.unit_price,
                    line_total: l.unit_price.saturating_mul(l.qty),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderListOut {
    pub orders: Vec<OrderOut>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// One status only (dibuat, dibayar, diproses, dikirim, diterima, selesai, dibatalkan,
    /// dikembalikan).
    #[serde(default)]
    status: String,
    /// Orders per page, 1–200 (default 50).
    #[serde(default)]
    limit: String,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: String,
}

/// The orders of this (merchant) coop, newest first, as the order desk lists them.
/// Pesanan koperasi ini (koperasi penjual), terbaru dulu.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/pasar/pesanan", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"), OrderListParams),
    responses((status = 200, body = OrderListOut), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn list_orders(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OrderListParams>,
) -> WebResult<Json<OrderListOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(OrderStatus::parse(s).ok_or_else(|| {
            invalid(
                "status",
                "Status pesanan tidak dikenal.",
                "Unknown order status.",
            )
        })?),
    };
    let list = state
        .store
        .tenant(coop.id)
        .orders_page(status, Some(&q.cursor), page_limit(&q.limit)?)
        .await?;
    Ok(Json(OrderListOut {
        orders: list.orders.iter().map(OrderOut::from).collect(),
        next_cursor: list.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OrderEventOut {
    pub from_status: String,
    pub to_status: String,
    pub actor_name: String,
    /// The message for the buyer.
    pub message: String,
    /// RFC 3339
    pub at: String,
}

/// An order with its buyer, history and the actions the desk may take now.
#[derive(Serialize, ToSchema)]
pub struct OrderDetailOut {
    pub order: OrderOut,
    pub buyer_name: String,
    pub buyer_phone: String,
    /// qris | transfer | tunai_ambil | cod
    pub pay_method: String,
    pub events: Vec<OrderEventOut>,
    /// What `…/aksi` accepts now: proses | kirim | terima | selesai | batal | retur
    pub actions: Vec<String>,
}

/// One order of this coop.
/// Satu pesanan koperasi ini.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("order_id" = String, Path, description = "Order id (UUID)")),
    responses((status = 200, body = OrderDetailOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
) -> WebResult<Json<OrderDetailOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(coop.id);
    let o = t.order(id).await?;
    let (buyer_name, buyer_phone, pay) = t.order_buyer(&o).await?;
    let events = state.store.order_events(coop.id, o.id).await?;
    Ok(Json(OrderDetailOut {
        actions: guyub_core::market::order::allowed_actions(
            o.status,
            OrderActor::CoopStaff,
            o.shipping.method(),
        )
        .into_iter()
        .filter(|k| *k != OrderActionKind::Pay)
        .map(|k| k.as_str().to_string())
        .collect(),
        order: OrderOut::from(&o),
        buyer_name,
        buyer_phone,
        pay_method: pay.as_str().to_string(),
        events: events
            .iter()
            .map(|e| OrderEventOut {
                from_status: e.from_status.clone(),
                to_status: e.to_status.as_str().to_string(),
                actor_name: e.actor_name.clone(),
                message: e.message.clone(),
                at: ts(e.at),
            })
            .collect(),
    }))
}

/// An order action.
#[derive(Deserialize, ToSchema)]
pub struct OrderActionIn {
    /// proses | kirim | terima | selesai | batal | retur
    pub action: String,
    /// For kirim: the courier (required for a courier shipment).
    #[serde(default)]
    pub courier: String,
    /// For kirim: the tracking number (nomor resi; required for a courier shipment).
    #[serde(default)]
    pub tracking: String,
}

/// What an action did.
#[derive(Serialize, ToSchema)]
pub struct OrderActionOut {
    pub order: OrderOut,
    /// The message for the buyer (kept as the order's event).
    pub message: String,
    /// A ready-to-send WhatsApp link with that message.
    pub whatsapp: String,
    /// What was refunded (cancel after payment, return), whole rupiah.
    pub refund: i64,
}

/// The order action of the page's buttons (the same words).
fn order_action(a: &OrderActionIn) -> WebResult<OrderAction> {
    Ok(match a.action.trim() {
        "proses" => OrderAction::Process,
        "kirim" => OrderAction::ship(&a.courier, &a.tracking),
        "terima" => OrderAction::Receive,
        "selesai" => OrderAction::Complete,
        "batal" => OrderAction::Cancel,
        "retur" => OrderAction::Return,
        _ => {
            return Err(invalid(
                "action",
                "Tindakan tidak dikenal (proses, kirim, terima, selesai, batal, retur).",
                "Unknown action (proses, kirim, terima, selesai, batal, retur).",
            ));
        }
    })
}

/// Moves an order by the core's state machine, as the order desk's buttons do: process,
/// ship (courier and tracking number), receive, complete, cancel (refunds when paid), return.
/// A move the order's status does not allow is 409 with nothing written; a replay of an
/// action finds the order moved on and is refused the same way, so nothing posts twice.
/// Memproses pesanan menurut mesin status yang sama dengan halaman meja pesanan.
#[utoipa::path(post, path = "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}/aksi", tag = "pasar",
    request_body = OrderActionIn,
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("order_id" = String, Path, description = "Order id (UUID)")),
    responses((status = 200, body = OrderActionOut), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Not allowed from the order's status"),
        (status = 422, body = ApiErrorBody)))]
pub async fn act_on_order(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, oid)): Path<(String, String)>,
    body: Bytes,
) -> WebResult<Json<OrderActionOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = OrderId::parse(&oid).ok_or(WebError::NotFound)?;
    let action = order_action(&json_body(&body)?)?;
    let r = state
        .store
        .tenant(coop.id)
        .order_action(&caller.actor(), OrderActor::CoopStaff, None, id, &action)
        .await?;
    Ok(Json(OrderActionOut {
        order: OrderOut::from(&r.order),
        message: r.message,
        whatsapp: r.whatsapp,
        refund: r.refund,
    }))
}

// ---------------------------------------------------------------------------------------------
// The board: the dashboard

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashParams {
    /// The first day, YYYY-MM-DD (default: the first day of this month, in the coop's time
    /// zone).
    #[serde(default)]
    dari: String,
    /// The last day, YYYY-MM-DD (default: today), at most 366 days from `dari`.
    #[serde(default)]
    sampai: String,
    /// The low-stock line (default 5).
    #[serde(default)]
    stok: String,
    /// One seller only (seller id).
    #[serde(default)]
    penjual: String,
}

#[derive(Serialize, ToSchema)]
pub struct SalesOut {
    pub gross: i64,
    pub refunds: i64,
    pub net: i64,
    /// Orders paid in the period.
    pub orders: i64,
    /// Units of orders paid in the period and not refunded.
    pub items: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DayOut {
    /// YYYY-MM-DD
    pub date: String,
    pub orders: i64,
    pub gross: i64,
    pub refunds: i64,
    pub net: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TopOut {
    pub product_id: String,
    pub name: String,
    pub seller_name: String,
    pub qty: i64,
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct WorkOut {
    pub status: String,
    pub count: i64,
    /// RFC 3339, when the oldest waiting order was made.
    pub oldest_at: Option<String>,
    pub oldest_no: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LowStockOut {
    pub product_id: String,
    pub variant_id: String,
    pub product_name: String,
    pub label: String,
    pub sku: Option<String>,
    pub seller_name: String,
    pub stock: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OwedOut {
    pub seller_id: String,
    pub seller_name: String,
    pub orders: i64,
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutOut {
    pub seller_name: String,
    pub amount: i64,
    pub method: String,
    pub orders: i64,
    /// RFC 3339
    pub created_at: String,
}

/// The dashboard's numbers for a period of the coop's local days.
#[derive(Serialize, ToSchema)]
pub struct DashboardOut {
    /// YYYY-MM-DD
    pub from: String,
    /// YYYY-MM-DD
    pub to: String,
    pub seller_id: Option<String>,
    pub summary: SalesOut,
    pub days: Vec<DayOut>,
    pub top: Vec<TopOut>,
    pub work: Vec<WorkOut>,
    pub low_stock_line: i64,
    pub low_stock: Vec<LowStockOut>,
    pub owed: Vec<OwedOut>,
    pub last_payouts: Vec<PayoutOut>,
    /// Legality documents expired or expiring within 30 days, soonest first.
    pub documents: Vec<DocAlertOut>,
}

/// A legality document to renew.
#[derive(Serialize, ToSchema)]
pub struct DocAlertOut {
    pub seller_id: String,
    pub seller_name: String,
    /// None for the seller's own document (its NIB).
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    /// nib | pirt | bpom | halal | sni | merek
    pub kind: String,
    pub number: String,
    /// YYYY-MM-DD, the last valid day
    pub expires_on: String,
    /// Whether it has expired already (else it expires within 30 days).
    pub expired: bool,
}

/// The board's dashboard: sales, refunds and net of a period, by day, top products, orders
/// waiting for work, low stock, what is owed to consignment sellers and the last payouts
/// (the numbers of `/k/{kid}/pasar/dasbor`).
/// Dasbor pengurus: penjualan, pengembalian dan bersih suatu periode, dan seterusnya.
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/pasar/dasbor", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"), DashParams),
    responses((status = 200, body = DashboardOut), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<DashParams>,
) -> WebResult<Json<DashboardOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ManageMarket).await?;
    let mut errors = vec![];
    let range = DayRange::parse(&q.dari, &q.sampai, today_in(&coop)).map_err(|e| {
        errors.extend(e.into_iter().map(|mut f| {
            f.field = match f.field.as_str() {
                "from" => "dari".into(),
                "to" => "sampai".into(),
                _ => f.field,
            };
            f
        }))
    });
    let line = parse_low_stock(&q.stok).map_err(|e| errors.push(e));
    let seller = match q.penjual.trim() {
        "" => None,
        s => Some(SellerId::parse(s).ok_or(WebError::NotFound)?),
    };
    let (Ok(range), Ok(line)) = (range, line) else {
        return Err(WebError::Invalid(errors));
    };
    let d = state
        .store
        .tenant(coop.id)
        .dashboard(seller, &range, line)
        .await?;
    Ok(Json(DashboardOut {
        from: range.from().to_string(),
        to: range.to().to_string(),
        seller_id: seller.map(|s| s.to_string()),
        summary: SalesOut {
            gross: d.summary.gross,
            refunds: d.summary.refunds,
            net: d.summary.net,
            orders: d.summary.orders,
            items: d.summary.items,
        },
        days: d
            .days
            .iter()
            .map(|x| DayOut {
                date: x.day.to_string(),
                orders: x.orders,
                gross: x.gross,
                refunds: x.refunds,
                net: x.net(),
            })
            .collect(),
        top: d
            .top
            .iter()
            .map(|x| TopOut {
                product_id: x.product_id.to_string(),
                name: x.name.clone(),
                seller_name: x.seller_name.clone(),
                qty: x.qty,
                amount: x.amount,
            })
            .collect(),
        work: d
            .work
            .iter()
            .map(|w| WorkOut {
                status: w.status.as_str().to_string(),
                count: w.count,
                oldest_at: w.oldest.map(ts),
                oldest_no: w.oldest_no.clone(),
            })
            .collect(),
        low_stock_line: d.low_stock_line,
        low_stock: d
            .low_stock
            .iter()
            .map(|x| LowStockOut {
                product_id: x.product_id.to_string(),
                variant_id: x.variant_id.to_string(),
                product_name: x.product_name.clone(),
                label: x.label.clone(),
                sku: x.sku.clone(),
                seller_name: x.seller_name.clone(),
                stock: x.stock,
            })
            .collect(),
        owed: d
            .owed
            .iter()
            .map(|o| OwedOut {
                seller_id: o.seller_id.to_string(),
                seller_name: o.seller_name.clone(),
                orders: o.orders,
                amount: o.amount,
            })
            .collect(),
        last_payouts: d
            .last_payouts
            .iter()
            .map(|y| PayoutOut {
                seller_name: y.seller_name.clone(),
                amount: y.amount,
                method: y.method.clone(),
                orders: y.orders,
                created_at: ts(y.created_at),
            })
            .collect(),
        documents: d
            .documents
            .iter()
            .map(|a| DocAlertOut {
                seller_id: a.seller_id.to_string(),
                seller_name: a.seller_name.clone(),
                product_id: a.product_id.map(|p| p.to_string()),
                product_name: a.product_name.clone(),
                kind: a.kind.as_str().to_string(),
                number: a.number.clone(),
                expires_on: a.expires_on.to_string(),
                expired: matches!(
                    a.status,
                    guyub_core::market::legality::CertStatus::Expired { .. }
                ),
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// A member's patronage

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// The fiscal year (default: the current one).
    #[serde(default)]
    tahun: String,
}

#[derive(Serialize, ToSchema)]
pub struct PatronageLineOut {
    /// YYYY-MM-DD
    pub date: String,
    /// The order it came from, when it was a marketplace or store-counter order.
    pub order_no: Option<String>,
    /// Whole rupiah; a return is negative.
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PatronageYearOut {
    pub year: i32,
    pub total: i64,
}

/// A member's patronage (jasa anggota) in one fiscal year: the base of their SHU patronage
/// return.
#[derive(Serialize, ToSchema)]
pub struct PatronageOut {
    pub member_id: String,
    pub year: i32,
    pub total: i64,
    pub lines: Vec<PatronageLineOut>,
    /// Every year with patronage, newest first.
    pub years: Vec<PatronageYearOut>,
}

/// A member's patronage (purchases from and sales through the coop) in a fiscal year, for
/// the board and supervisors, or the member themself.
/// Jasa anggota seorang anggota dalam satu tahun buku (pengurus/pengawas, atau anggota itu).
#[utoipa::path(get, path = "/api/v1/koperasi/{koperasi_id}/anggota/{member_id}/jasa", tag = "pasar",
    params(("koperasi_id" = String, Path, description = "Coop id (UUID)"),
        ("member_id" = String, Path, description = "Member id (UUID)"), YearParams),
    responses((status = 200, body = PatronageOut), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn member_patronage(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(q): Query<YearParams>,
) -> WebResult<Json<PatronageOut>> {
    let (coop, access, member) = member_access(&state, &caller, &kid, &mid).await?;
    if !(access.allows(Need::ReadBooks) || access.member_id == Some(member)) {
        return Err(WebError::forbidden());
    }
    let t = state.store.tenant(coop.id);
    t.member(member).await?;
    let year = match q.tahun.trim() {
        "" => t.fiscal_year_of(today_in(&coop)).await?,
        s => s
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                invalid(
                    "tahun",
                    "Tahun buku harus angka 2000–2100.",
                    "The fiscal year must be a number 2000–2100.",
                )
            })?,
    };
    let lines = t.patronage_lines(member, year).await?;
    let years = t.patronage_years(member).await?;
    Ok(Json(PatronageOut {
        member_id: member.to_string(),
        year,
        total: lines.iter().map(|l| l.2).sum(),
        lines: lines
            .into_iter()
            .map(|(d, no, amount)| PatronageLineOut {
                date: d.to_string(),
                order_no: no,
                amount,
            })
            .collect(),
        years: years
            .into_iter()
            .map(|(year, total)| PatronageYearOut { year, total })
            .collect(),
    }))
}
