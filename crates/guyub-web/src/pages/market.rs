//! Pasar, the public marketplace: browsing and searching the curated products of every coop
//! that opted in (Jatim Iso, OPOP), a storefront per coop and per seller, product pages with
//! their seller, coop and legality badges, and the product photos.
//!
//! Who: anyone, signed in or not. Only listed products are ever shown (approved by curators,
//! seller and coop active); wholesale-only products (Tomiko) stay hidden here. Filters that do
//! not parse are named in a notice and left out, never a 500.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use guyub_core::ids::KoperasiId;
use guyub_core::market::catalog::{Category, Description};
use guyub_core::market::legality::CertStatus;
use guyub_core::money::Rupiah;
use guyub_core::region::{self, RegionCode};
use guyub_core::{Lang, Msg};
use guyub_store::StoreError;
use guyub_store::market::catalog::{
    BrowseFilter, BrowsePage, BrowseSort, FilePurpose, FileSize, MarketFileId, ProductCard,
    ProductPage, Seller,
};
use serde::Deserialize;

use super::{Page, render};
use crate::auth::Caller;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// The query of a browse page. Everything is text so that a bad value becomes a notice.
#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kategori: String,
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    opop: String,
    #[serde(default)]
    halal: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    maks: String,
    #[serde(default)]
    urut: String,
    #[serde(default)]
    lanjut: String,
}

/// A product card as the template shows it.
pub struct CardView {
    pub href: String,
    pub name: String,
    pub price: String,
    pub seller: String,
    pub coop: String,
    pub region: String,
    pub photo: Option<String>,
    pub opop: bool,
    pub halal: bool,
}

impl CardView {
    fn of(c: &ProductCard) -> CardView {
        let coop = c
            .coop_slug
            .clone()
            .unwrap_or_else(|| c.koperasi_id.to_string());
        CardView {
            href: format!("/pasar/p/{coop}/{}", c.slug),
            name: c.name.clone(),
            price: Rupiah(c.min_price).to_string(),
            seller: c.seller_name.clone(),
            coop: c.coop_name.clone(),
            region: c.regency_name.clone(),
            photo: c
                .cover_photo_id
                .map(|f| photo_path(c.koperasi_id, f, "kecil")),
            opop: c.is_opop,
            halal: c.is_halal,
        }
    }
}

fn photo_path(k: KoperasiId, f: MarketFileId, size: &str) -> String {
    format!("/pasar/foto/{k}/{f}/{size}")
}

/// A filter choice for the template: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "market/browse.html")]
pub struct BrowseTpl {
    pub p: Page,
    /// Where the filters submit to (the marketplace, a coop's or a seller's storefront).
    pub action: String,
    /// The storefront's heading (empty on the whole marketplace).
    pub heading: String,
    pub intro: String,
    pub q: String,
    pub categories: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub wilayah: String,
    pub min: String,
    pub maks: String,
    pub opop: bool,
    pub halal: bool,
    pub notices: Vec<String>,
    pub cards: Vec<CardView>,
    pub next_href: Option<String>,
}

/// What the filters of a browse query say, and the notices for the ones that did not parse.
fn filter_of(q: &BrowseQuery, lang: Lang) -> (BrowseFilter, Vec<String>) {
    let mut notices = vec![];
    let mut f = BrowseFilter {
        limit: 24,
        ..Default::default()
    };
    let words = q.q.trim();
    if !words.is_empty() {
        f.q = Some(words.chars().take(200).collect());
    }
    if !q.kategori.trim().is_empty() {
        match Category::parse(q.kategori.trim()) {
            Some(c) => f.category = Some(c),
            None => notices.push(
                Msg::new(
                    "Kategori tidak dikenal; semua kategori ditampilkan.",
                    "Unknown category; all categories are shown.",
                )
                .get(lang)
                .to_string(),
            ),
        }
    }
    if !q.wilayah.trim().is_empty() {
        match RegionCode::parse(q.wilayah.trim()) {
            Ok(r) if r.regency().is_some() => {
                f.regency_code = r.regency().map(|g| g.as_str().to_string());
            }
            _ => notices.push(
                Msg::new(
                    "Kode kabupaten/kota tidak dikenal (contoh: 35.07); semua wilayah ditampilkan.",
                    "Unknown regency code (e.g. 35.07); all regions are shown.",
                )
                .get(lang)
                .to_string(),
            ),
        }
    }
    f.opop_only = !q.opop.is_empty();
    f.halal_only = !q.halal.is_empty();
    for (text, slot, name) in [
        (&q.min, &mut f.min_price, ("Harga terendah", "Lowest price")),
        (
            &q.maks,
            &mut f.max_price,
            ("Harga tertinggi", "Highest price"),
        ),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        match Rupiah::parse(text.trim()) {
            Ok(r) if r.0 >= 0 => *slot = Some(r.0),
            _ => notices.push(
                Msg::new(
                    format!(
                        "{} tidak terbaca (contoh: 25.000); batas itu diabaikan.",
                        name.0
                    ),
                    format!(
                        "{} is not readable (e.g. 25.000); that limit is ignored.",
                        name.1
                    ),
                )
                .get(lang)
                .to_string(),
            ),
        }
    }
    f.sort = BrowseSort::parse(&q.urut).unwrap_or_default();
    if !q.lanjut.trim().is_empty() {
        f.cursor = Some(q.lanjut.trim().to_string());
    }
    (f, notices)
}

/// The link to the next page: the same query with the cursor.
fn next_href(action: &str, q: &BrowseQuery, page: &BrowsePage) -> Option<String> {
    let cursor = page.next_cursor.as_ref()?;
    let mut parts: Vec<(&str, &str)> = vec![];
    for (k, v) in [
        ("q", &q.q),
        ("kategori", &q.kategori),
        ("wilayah", &q.wilayah),
        ("opop", &q.opop),
        ("halal", &q.halal),
        ("min", &q.min),
        ("maks", &q.maks),
        ("urut", &q.urut),
    ] {
        if !v.trim().is_empty() {
            parts.push((k, v.trim()));
        }
    }
    parts.push(("lanjut", cursor));
    let query = parts
        .iter()
        .map(|(k, v)| format!("{k}={}", super::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Some(format!("{action}?{query}"))
}

/// The page frame for a visitor: signed in or not, in their language.
fn page_for(caller: &Option<Caller>, headers: &HeaderMap, uri: &Uri, title_key: &str) -> Page {
    let p = match caller {
        Some(c) => Page::new(c, title_key),
        None => Page::anonymous(crate::i18n::lang_of(headers, uri.query()), title_key),
    };
    p.at(&uri.to_string())
}

async fn browse_page(
    state: &AppState,
    p: Page,
    q: &BrowseQuery,
    action: String,
    heading: String,
    intro: String,
    scope: impl FnOnce(&mut BrowseFilter),
) -> WebResult<Response> {
    let lang = p.lang;
    let (mut f, mut notices) = filter_of(q, lang);
    scope(&mut f);
    let page = match state.store.search_products(&f).await {
        Ok(page) => page,
        // A cursor from a tampered link: start again from the first page.
        Err(StoreError::Invalid(_)) if f.cursor.is_some() => {
            notices.push(
                Msg::new(
                    "Tautan halaman tidak valid; ditampilkan dari awal.",
                    "The page link is not valid; showing from the start.",
                )
                .get(lang)
                .to_string(),
            );
            f.cursor = None;
            state.store.search_products(&f).await?
        }
        Err(e) => return Err(e.into()),
    };
    let categories = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_string(),
            label: c.label(lang).to_string(),
            selected: f.category == Some(*c),
        })
        .collect();
    let sorts = [
        (BrowseSort::Terbaru, "market-sort-new"),
        (BrowseSort::Termurah, "market-sort-cheap"),
        (BrowseSort::Termahal, "market-sort-dear"),
        (BrowseSort::Terlaris, "market-sort-best"),
    ]
    .into_iter()
    .map(|(s, key)| Choice {
        value: s.as_str().to_string(),
        label: p.t(key),
        selected: f.sort == s,
    })
    .collect();
    let tpl = BrowseTpl {
        action: action.clone(),
        heading,
        intro,
        q: q.q.trim().to_string(),
        categories,
        sorts,
        wilayah: q.wilayah.trim().to_string(),
        min: q.min.trim().to_string(),
        maks: q.maks.trim().to_string(),
        opop: f.opop_only,
        halal: f.halal_only,
        notices,
        cards: page.cards.iter().map(CardView::of).collect(),
        next_href: next_href(&action, q, &page),
        p,
    };
    Ok(render(&tpl))
}

/// `GET /pasar`: every listed product of the coops that opted in.
pub async fn browse(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<BrowseQuery>,
) -> WebResult<Response> {
    let p = page_for(&caller, &headers, &uri, "market-title");
    browse_page(
        &state,
        p,
        &q,
        "/pasar".into(),
        String::new(),
        String::new(),
        |_| {},
    )
    .await
}

/// `GET /pasar/k/{slug}`: one coop's storefront.
pub async fn coop_storefront(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Path(slug): Path<String>,
    Query(q): Query<BrowseQuery>,
) -> WebResult<Response> {
    let sf = state.store.coop_storefront(&slug).await?;
    let p = page_for(&caller, &headers, &uri, "market-title").titled(sf.name.clone());
    let region = region::lookup(&sf.regency_code).unwrap_or_default();
    let intro = if sf.is_pesantren {
        format!("{region} · {}", p.t("market-pesantren-coop"))
    } else {
        region.to_string()
    };
    let k = sf.koperasi_id;
    browse_page(
        &state,
        p,
        &q,
        format!("/pasar/k/{}", sf.slug),
        sf.name.clone(),
        intro,
        |f| f.koperasi = Some(k),
    )
    .await
}

/// `GET /pasar/toko/{slug}`: one seller's storefront.
pub async fn seller_storefront(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Path(slug): Path<String>,
    Query(q): Query<BrowseQuery>,
) -> WebResult<Response> {
    let seller: Seller = state.store.seller_by_slug(&slug).await?;
    if !seller.active {
        return Err(WebError::NotFound);
    }
    let p = page_for(&caller, &headers, &uri, "market-title").titled(seller.name.clone());
    let intro = [
        seller.owner_name.clone(),
        region::lookup(&seller.regency_code)
            .unwrap_or_default()
            .to_string(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let (k, id) = (seller.koperasi_id, seller.id);
    browse_page(
        &state,
        p,
        &q,
        format!("/pasar/toko/{}", seller.slug),
        seller.name.clone(),
        intro,
        |f| {
            f.koperasi = Some(k);
            f.seller = Some(id);
        },
    )
    .await
}

/// `GET /pasar/merek/{slug}`: a communal brand's page, its products across every coop that
/// lists under it (OPOP pesantren sharing one product line).
pub async fn brand_page(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Path(slug): Path<String>,
    Query(q): Query<BrowseQuery>,
) -> WebResult<Response> {
    let brand = state.store.brand_by_slug(&slug).await?;
    let p = page_for(&caller, &headers, &uri, "market-title").titled(brand.name.clone());
    let intro = match brand.description.trim() {
        "" => p.t("market-brand-shared"),
        d => format!("{} · {d}", p.t("market-brand-shared")),
    };
    let id = brand.id;
    browse_page(
        &state,
        p,
        &q,
        format!("/pasar/merek/{}", brand.slug),
        brand.name.clone(),
        intro,
        |f| f.brand = Some(id),
    )
    .await
}

/// A variant as the product page lists it.
pub struct VariantView {
    pub id: String,
    pub label: String,
    pub price: String,
    pub member_price: Option<String>,
    pub tiers: Vec<(u32, String)>,
    pub in_stock: bool,
    pub stock: String,
    pub weight: String,
}

/// A legality badge: what it is, its number, and whether it is valid today.
pub struct DocView {
    pub label: String,
    pub number: String,
    pub state: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "market/product.html")]
pub struct ProductTpl {
    pub p: Page,
    /// The merchant coop's id, for the add-to-cart form.
    pub coop_id: String,
    pub name: String,
    pub category: String,
    pub category_href: String,
    pub price: String,
    pub description_html: String,
    pub photos: Vec<(String, String)>,
    pub variants: Vec<VariantView>,
    pub docs: Vec<DocView>,
    pub seller_name: String,
    pub seller_href: String,
    pub seller_wa: Option<String>,
    pub coop_name: String,
    pub coop_href: String,
    /// The communal brand's name and page, when listed under one.
    pub brand: Option<(String, String)>,
    pub region: String,
    pub opop: bool,
    pub halal: bool,
    pub share_wa: String,
    pub og_title: String,
    pub og_description: String,
    pub og_image: Option<String>,
    pub og_url: String,
}

/// `GET /pasar/p/{coop}/{slug}`: a listed product's page (Open Graph tags for sharing).
pub async fn product(
    State(state): State<AppState>,
    caller: Option<Caller>,
    headers: HeaderMap,
    uri: Uri,
    Path((coop, slug)): Path<(String, String)>,
) -> WebResult<Response> {
    let page: ProductPage = state.store.product_page(&coop, &slug, None).await?;
    let p =
        page_for(&caller, &headers, &uri, "market-title").titled(page.product.summary.name.clone());
    let lang = p.lang;
    let s = &page.product.summary;
    let k = s.koperasi_id;
    let base = state
        .cfg
        .public_url
        .clone()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    let path = format!("/pasar/p/{}/{}", page.coop_slug, s.slug);
    let og_url = format!("{base}{path}");
    let photos: Vec<(String, String)> = page
        .product
        .files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Foto)
        .map(|f| (photo_path(k, f.id, "sedang"), photo_path(k, f.id, "besar")))
        .collect();
    let variants = page
        .product
        .variants
        .iter()
        .map(|v| VariantView {
            id: v.id.to_string(),
            label: v.label.clone(),
            price: Rupiah(v.price).to_string(),
            member_price: v.member_price.map(|m| Rupiah(m).to_string()),
            tiers: guyub_core::market::catalog::parse_tiers(&v.wholesale_tiers)
                .map(|t| {
                    t.tiers()
                        .iter()
                        .map(|t| (t.min_qty, t.price.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            in_stock: v.stock > 0,
            stock: guyub_core::money::format_number(v.stock),
            weight: format!("{} g", guyub_core::money::format_number(v.weight_g)),
        })
        .collect();
    let docs = page
        .product
        .docs
        .iter()
        .map(|d| {
            let (state, note) = match d.status {
                CertStatus::Expired { .. } => ("expired", d.status.msg().get(lang).to_string()),
                CertStatus::ExpiresSoon { .. } => ("soon", d.status.msg().get(lang).to_string()),
                _ => ("ok", String::new()),
            };
            DocView {
                label: d.kind.label(lang).to_string(),
                number: d.number.clone(),
                state,
                note,
            }
        })
        .collect();
    let description_plain: String = s.description.chars().take(180).collect();
    let price = Rupiah(s.min_price).to_string();
    let share_text = format!("{} · {price}\n{og_url}", s.name);
    let tpl = ProductTpl {
        coop_id: k.to_string(),
        name: s.name.clone(),
        category: s.category.label(lang).to_string(),
        category_href: format!("/pasar?kategori={}", s.category.as_str()),
        price,
        description_html: Description::parse(&s.description)
            .map(|d| d.render_html())
            .unwrap_or_default(),
        og_image: photos.first().map(|(m, _)| format!("{base}{m}")),
        photos,
        variants,
        docs,
        seller_name: page.seller.name.clone(),
        seller_href: format!("/pasar/toko/{}", page.seller.slug),
        seller_wa: page.seller.phone.as_deref().map(|ph| {
            guyub_core::market::order::whatsapp_link(
                ph,
                &format!(
                    "Halo {}, saya tertarik dengan {} ({og_url})",
                    page.seller.name, s.name
                ),
            )
        }),
        coop_name: page.coop_name.clone(),
        coop_href: format!("/pasar/k/{}", page.coop_slug),
        brand: page
            .brand
            .as_ref()
            .map(|b| (b.name.clone(), format!("/pasar/merek/{}", b.slug))),
        region: region::lookup(&s.regency_code)
            .unwrap_or_default()
            .to_string(),
        opop: s.is_opop,
        halal: s.is_halal,
        share_wa: guyub_core::market::order::whatsapp_link("", &share_text),
        og_title: s.name.clone(),
        og_description: description_plain,
        og_url,
        p,
    };
    Ok(render(&tpl))
}

/// `GET /pasar/foto/{kid}/{fid}/{size}`: a product photo (kecil 160 px, sedang 480 px, besar
/// 1080 px). Ids never change meaning, so browsers and proxies may keep it a long time.
/// Legality documents are not served here.
pub async fn photo(
    State(state): State<AppState>,
    Path((kid, fid, size)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let f = MarketFileId::parse(&fid).ok_or(WebError::NotFound)?;
    let size = match size.as_str() {
        "kecil" => FileSize::Small,
        "sedang" => FileSize::Medium,
        "besar" => FileSize::Large,
        _ => return Err(WebError::NotFound),
    };
    let file = state.store.product_file(k, f, size).await?;
    if file.purpose != FilePurpose::Foto || !file.content_type.starts_with("image/") {
        return Err(WebError::NotFound);
    }
    let ct = HeaderValue::from_str(&file.content_type).map_err(|_| WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.bytes,
    )
        .into_response())
}
