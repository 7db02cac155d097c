//! Running the marketplace (Pasar): the coop's market settings, its sellers and Tomiko buyers
//! (the board), each seller's products with their variants, legality documents, photos and
//! stock (the board, and the seller's own account), and the curators' queue.
//!
//! Who may do what:
//! - the board (pengurus, admin: `Need::ManageMarket`) runs everything of its coop;
//! - a signed-in user who manages a seller (`Store::sellers_of_user`) opens that seller's
//!   products, even without a coop role; any other seller's product is not found (the store
//!   is asked with the seller's id, so it cannot answer otherwise);
//! - curators (`Role::Curator`) and platform admins work the queue of every coop, and read the
//!   documents of the products they review.
//!
//! Document scans are served only through `/k/{kid}/pasar/produk/{pid}/berkas/{fid}` to those
//! three; the public photo route refuses them. Every form carries the CSRF token; a form with
//! errors is shown again with 422 and nothing written; everything else ends in a redirect.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::coop::CoopTier;
use guyub_core::identity::Role;
use guyub_core::ids::{BrandId, KoperasiId, MemberId};
use guyub_core::market::catalog::{
    Category, CurationAction, Face, ListingScope, ProductStatus, Stock, Weight, allowed_actions,
};
use guyub_core::market::legality::{CertStatus, DocKind};
use guyub_core::member::parse_date;
use guyub_core::money::{Rupiah, format_number};
use guyub_core::percent::BasisPoints;
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::market::catalog::{
    Brand, DocInput, FilePurpose, FileSize, MarketFileId, MarketProductId, MarketSettingsInput,
    NewFile, Product, ProductInput, QueueFilter, Seller, SellerId, SellerInput, SellerKind,
    VariantId, VariantInput, slugify,
};
use guyub_store::member::MemberQuery;
use serde::Deserialize;

use super::region::{RegionFields, RegionSelect};
use super::signin::CsrfForm;
use super::{Form, Page, opt, render, render_status, too_large};
use crate::auth::{Access, Caller, Need};
use crate::error::{WebError, WebResult, field_messages};
use crate::photo::{process_document, process_photo};
use crate::state::AppState;

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
/// Empty variant rows shown under the existing ones, and how many "more rows" adds.
const EXTRA_ROWS: usize = 3;
/// Most rows a form may ask for (the store allows 50 variants).
const MAX_ROWS: usize = 60;
/// Empty document rows shown under the existing ones.
const EXTRA_DOC_ROWS: usize = 2;

// ---------------------------------------------------------------------------------------------
// Who is calling

/// The caller's standing in one coop's marketplace.
pub(crate) struct MarketCtx {
    pub(crate) coop: Koperasi,
    /// The board's access (`None` for a seller's own account).
    pub(crate) board: Option<Access>,
    /// The sellers of this coop the caller manages (used when not the board).
    pub(crate) sellers: Vec<Seller>,
}

impl MarketCtx {
    fn page(&self, caller: &Caller, title_key: &str, path: &str) -> Page {
        let p = Page::new(caller, title_key).at(path);
        match &self.board {
            Some(a) => p.in_coop(&self.coop, a, "market"),
            None => p,
        }
    }
}

fn is_curator(caller: &Caller) -> bool {
    caller.is_admin() || caller.grants.iter().any(|g| g.role == Role::Curator)
}

async fn coop_of(state: &AppState, kid: &str) -> WebResult<Koperasi> {
    let id = KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    Ok(state.store.koperasi(id).await?)
}

/// The board of the coop only.
async fn board_access(state: &AppState, caller: &Caller, kid: &str) -> WebResult<MarketCtx> {
    let (coop, access) = crate::auth::coop_access(state, caller, kid, Need::ManageMarket).await?;
    Ok(MarketCtx {
        coop,
        board: Some(access),
        sellers: vec![],
    })
}

/// The board, or a user who manages one of the coop's sellers.
pub(crate) async fn market_access(
    state: &AppState,
    caller: &Caller,
    kid: &str,
) -> WebResult<MarketCtx> {
    let coop = coop_of(state, kid).await?;
    let access = caller.access(&coop);
    if let Some(a) = access.filter(|a| a.allows(Need::ManageMarket)) {
        return Ok(MarketCtx {
            coop,
            board: Some(a),
            sellers: vec![],
        });
    }
    let sellers: Vec<Seller> = state
        .store
        .sellers_of_user(caller.user_id())
        .await?
        .into_iter()
        .filter(|s| s.koperasi_id == coop.id)
        .collect();
    if sellers.is_empty() {
        return Err(if access.is_some() {
            WebError::forbidden()
        } else {
            WebError::other_coop()
        });
    }
    Ok(MarketCtx {
        coop,
        board: None,
        sellers,
    })
}

/// A seller the caller may work on (another seller is not found).
pub(crate) async fn seller_in(state: &AppState, ctx: &MarketCtx, sid: &str) -> WebResult<Seller> {
    let id = SellerId::parse(sid).ok_or(WebError::NotFound)?;
    if ctx.board.is_some() {
        return Ok(state.store.tenant(ctx.coop.id).seller(id).await?);
    }
    ctx.sellers
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or(WebError::NotFound)
}

/// A product the caller may work on: the board's of any seller of the coop, a seller's only
/// its own (the store is asked per seller, so another's is `NotFound`).
pub(crate) async fn product_in(state: &AppState, ctx: &MarketCtx, pid: &str) -> WebResult<Product> {
    let id = MarketProductId::parse(pid).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(ctx.coop.id);
    if ctx.board.is_some() {
        return Ok(t.product(id).await?);
    }
    for s in &ctx.sellers {
        match t.seller_product(s.id, id).await {
            Ok(p) => return Ok(p),
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WebError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Small helpers

#[derive(Debug, Default, Deserialize)]
pub struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    baris: Option<usize>,
}

/// Shows a confirmation after a redirect (`?ok=KEY`); only this module's keys are shown.
fn flash(mut p: Page, ok: Option<&str>) -> Page {
    const KNOWN: &[&str] = &[
        "settings",
        "seller-created",
        "seller-updated",
        "seller-active",
        "seller-inactive",
        "tomiko-granted",
        "tomiko-revoked",
        "product-created",
        "product-updated",
        "photo-added",
        "doc-added",
        "file-removed",
        "submitted",
        "archived",
        "stock",
        "curated",
    ];
    p.flash = ok
        .filter(|k| KNOWN.contains(k))
        .map(|k| p.t(&format!("madm-ok-{k}")));
    p
}

fn see(path: &str, ok: &str) -> Response {
    Redirect::to(&format!("{path}?ok={ok}")).into_response()
}

fn fe(field: &str, m: Msg) -> FieldError {
    FieldError::new(field, m)
}

/// `10%` → `10`, `7,5%` → `7,5`: a percentage as the form shows it.
fn percent_text(bp: i64) -> String {
    let bp = u32::try_from(bp.clamp(0, 10_000)).unwrap_or(0);
    BasisPoints(bp)
        .to_string()
        .trim_end_matches('%')
        .to_string()
}

/// `250 g`, `1,5 kg`, `2 kg`: a weight as a seller would type it.
fn weight_text(grams: i64) -> String {
    if grams >= 1000 && grams % 100 == 0 {
        let kg = grams / 1000;
        let rest = (grams % 1000) / 100;
        if rest == 0 {
            format!("{kg} kg")
        } else {
            format!("{kg},{rest} kg")
        }
    } else {
        format!("{} g", format_number(grams))
    }
}

fn status_badge(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Approved => "st-dibayar",
        ProductStatus::Submitted => "st-menunggu",
        ProductStatus::ChangesRequested => "st-tinjau",
        ProductStatus::Rejected | ProductStatus::Suspended => "st-dibatalkan",
        ProductStatus::Draft | ProductStatus::Archived => "",
    }
}

fn cert_class(s: CertStatus) -> &'static str {
    match s {
        CertStatus::Valid | CertStatus::NoExpiry => "st-dibayar",
        CertStatus::ExpiresSoon { .. } => "st-menunggu",
        CertStatus::Expired { .. } => "st-dibatalkan",
    }
}

/// The name part of an audit actor (`Name <email>` → `Name`).
fn actor_name(a: &str) -> String {
    a.split(" <").next().unwrap_or(a).trim().to_string()
}

/// A choice of a select: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(all: Vec<(&'static str, &'static str)>, chosen: &str) -> Vec<Choice> {
    all.into_iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: v == chosen,
        })
        .collect()
}

fn multipart_or_bad(mp: Result<Multipart, MultipartRejection>) -> WebResult<Multipart> {
    mp.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WebError::BadRequest(Msg::new(
                "Unggahan tidak dapat dibaca; pilih berkas lalu kirim lagi.",
                "The upload cannot be read; choose a file and send it again.",
            ))
        }
    })
}

/// The CSRF token and the files (name, bytes) of an upload form; empty file inputs skipped.
async fn read_files(mut mp: Multipart, field: &str) -> WebResult<(String, Vec<(String, Vec<u8>)>)> {
    let (mut csrf, mut files) = (String::new(), vec![]);
    loop {
        let f = match mp.next_field().await {
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
        let name = f.name().unwrap_or_default().to_string();
        let file_name = f.file_name().unwrap_or_default().to_string();
        let bytes = f.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::BadRequest(Msg::new(
                    "Unggahan terputus; coba lagi.",
                    "The upload was cut off; try again.",
                ))
            }
        })?;
        if name == "_csrf" {
            csrf = String::from_utf8_lossy(&bytes).into_owned();
        } else if name == field && !bytes.is_empty() {
            files.push((file_name, bytes.to_vec()));
        }
    }
    Ok((csrf, files))
}

// ---------------------------------------------------------------------------------------------
// 1. Market settings, sellers list, Tomiko buyers

/// The settings form as posted (and as shown again with its errors).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub opt_in: Option<String>,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub commission: String,
    #[serde(default)]
    pub runs_tomiko: Option<String>,
    #[serde(default)]
    pub pickup_address: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TomikoFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub buyer: String,
    #[serde(default)]
    pub terms_days: String,
}

pub struct SellerRowView {
    pub href: String,
    pub products_href: String,
    pub name: String,
    pub kind: String,
    pub owner: String,
    pub active: bool,
    pub consignment: bool,
    pub commission: String,
}

pub struct BuyerView {
    pub id: String,
    pub name: String,
    pub terms_days: i64,
    pub granted: String,
}

#[derive(Template)]
#[template(path = "market_admin/settings.html")]
struct SettingsTpl {
    p: Page,
    kid: String,
    f: SettingsFields,
    opted_in: bool,
    storefront: Option<String>,
    secondary: bool,
    sellers: Vec<SellerRowView>,
    buyers: Vec<BuyerView>,
    t: TomikoFields,
    errors: BTreeMap<String, String>,
    general: Option<String>,
}

impl SettingsFields {
    fn input(&self) -> Result<MarketSettingsInput, Vec<FieldError>> {
        let commission = if self.commission.trim().is_empty() {
            Ok(BasisPoints(0))
        } else {
            BasisPoints::parse(&self.commission).map_err(|e| vec![fe("commission", e.msg())])
        }?;
        Ok(MarketSettingsInput {
            opt_in: self.opt_in.is_some(),
            slug: self.slug.clone(),
            commission,
            runs_tomiko: self.runs_tomiko.is_some(),
            pickup_address: opt(&self.pickup_address),
        })
    }
}

/// The settings page, with `f` (the stored settings, or what was posted) and its errors.
#[allow(clippy::too_many_arguments)]
async fn settings_page(
    state: &AppState,
    caller: &Caller,
    ctx: &MarketCtx,
    f: Option<SettingsFields>,
    t: TomikoFields,
    errors: &[FieldError],
    general: Option<&Msg>,
    ok: Option<&str>,
) -> WebResult<SettingsTpl> {
    let lang = caller.lang;
    let coop = &ctx.coop;
    let kid = coop.id.to_string();
    let tenant = state.store.tenant(coop.id);
    let stored = tenant.market_settings().await?;
    let f = f.unwrap_or_else(|| match &stored {
        Some(s) => SettingsFields {
            opt_in: s.opt_in.then(|| "on".into()),
            slug: s.slug.clone(),
            commission: percent_text(s.commission_bp),
            runs_tomiko: s.runs_tomiko.then(|| "on".into()),
            pickup_address: s.pickup_address.clone().unwrap_or_default(),
            ..Default::default()
        },
        None => SettingsFields {
            slug: slugify(&coop.data.name),
            commission: "10".into(),
            ..Default::default()
        },
    });
    let sellers = tenant
        .sellers(true)
        .await?
        .into_iter()
        .map(|s| SellerRowView {
            href: format!("/k/{kid}/pasar/penjual/{}", s.id),
            products_href: format!("/k/{kid}/pasar/penjual/{}/produk", s.id),
            kind: kind_label(s.kind, lang).to_string(),
            owner: s.owner_name,
            active: s.active,
            consignment: s.consignment,
            commission: BasisPoints(u32::try_from(s.commission_bp).unwrap_or(0)).to_string(),
            name: s.name,
        })
        .collect();
    let secondary = coop.data.tier == CoopTier::Secondary.as_str();
    let mut buyers = vec![];
    if secondary {
        for b in tenant.tomiko_buyers().await? {
            let id = KoperasiId(b.buyer_koperasi_id);
            let name = match state.store.koperasi(id).await {
                Ok(k) => k.data.name,
                Err(_) => id.to_string(),
            };
            buyers.push(BuyerView {
                id: id.to_string(),
                name,
                terms_days: b.payment_terms_days,
                granted: fmt_id::tanggal(
                    b.granted_at.to_offset(coop.timezone().offset()).date(),
                    lang,
                ),
            });
        }
    }
    let p = flash(
        ctx.page(caller, "madm-title", &format!("/k/{kid}/pasar")),
        ok,
    );
    Ok(SettingsTpl {
        p,
        opted_in: stored.as_ref().is_some_and(|s| s.opt_in),
        storefront: stored.as_ref().map(|s| format!("/pasar/k/{}", s.slug)),
        kid,
        f,
        secondary,
        sellers,
        buyers,
        t,
        errors: field_messages(errors, lang),
        general: general.map(|m| m.get(lang).to_string()),
    })
}

fn kind_label(k: SellerKind, lang: Lang) -> &'static str {
    match (k, lang) {
        (SellerKind::Umkm, Lang::Id) => "UMKM",
        (SellerKind::Umkm, Lang::En) => "Small business (UMKM)",
        (SellerKind::UnitKoperasi, Lang::Id) => "Unit usaha koperasi",
        (SellerKind::UnitKoperasi, Lang::En) => "Coop's own store",
        (SellerKind::Pesantren, Lang::Id) => "Unit usaha pesantren",
        (SellerKind::Pesantren, Lang::En) => "Pesantren business",
    }
}

pub async fn settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    let page = settings_page(
        &state,
        &caller,
        &ctx,
        None,
        TomikoFields::default(),
        &[],
        None,
        q.ok.as_deref(),
    )
    .await?;
    Ok(render(&page))
}

pub async fn save_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<SettingsFields>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let refused = async |f: SettingsFields, errors: Vec<FieldError>, status: StatusCode| {
        let page = settings_page(
            &state,
            &caller,
            &ctx,
            Some(f),
            TomikoFields::default(),
            &errors,
            None,
            None,
        )
        .await?;
        Ok::<_, WebError>(render_status(status, &page))
    };
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return refused(f, errors, UNPROCESSABLE).await,
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .set_market_settings(&caller.actor(), &input)
        .await
    {
        Ok(_) => Ok(see(&format!("/k/{kid}/pasar"), "settings")),
        Err(StoreError::Invalid(errors)) => refused(f, errors, UNPROCESSABLE).await,
        Err(StoreError::Conflict(m)) => refused(f, vec![fe("slug", m)], StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn grant_tomiko(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(t): Form<TomikoFields>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&t.csrf)?;
    let mut errors = vec![];
    let buyer = KoperasiId::parse(&t.buyer);
    if buyer.is_none() {
        errors.push(fe(
            "buyer",
            Msg::new(
                "Tulis id koperasi pembeli (lihat di alamat halaman koperasinya: /k/…)",
                "Enter the buying coop's id (see its page address: /k/…)",
            ),
        ));
    }
    let terms = if t.terms_days.trim().is_empty() {
        Some(0)
    } else {
        t.terms_days.trim().parse::<i64>().ok()
    };
    if terms.is_none() {
        errors.push(fe(
            "terms_days",
            Msg::new(
                "Tempo pembayaran ditulis dalam hari, misalnya 30",
                "Payment terms are a number of days, e.g. 30",
            ),
        ));
    }
    let result = match (buyer, terms) {
        (Some(b), Some(d)) if errors.is_empty() => {
            state
                .store
                .tenant(ctx.coop.id)
                .grant_tomiko_access(&caller.actor(), b, d)
                .await
        }
        _ => Err(StoreError::Invalid(errors)),
    };
    let (errors, status) = match result {
        Ok(()) => return Ok(see(&format!("/k/{kid}/pasar"), "tomiko-granted")),
        Err(StoreError::Invalid(e)) => (e, UNPROCESSABLE),
        Err(StoreError::Conflict(m)) => (vec![fe("buyer", m)], StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let page = settings_page(&state, &caller, &ctx, None, t, &errors, None, None).await?;
    Ok(render_status(status, &page))
}

pub async fn revoke_tomiko(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, bid)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let buyer = KoperasiId::parse(&bid).ok_or(WebError::NotFound)?;
    state
        .store
        .tenant(ctx.coop.id)
        .revoke_tomiko_access(&caller.actor(), buyer)
        .await?;
    Ok(see(&format!("/k/{kid}/pasar"), "tomiko-revoked"))
}

// ---------------------------------------------------------------------------------------------
// 2. Sellers

/// The seller form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SellerFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_name: String,
    /// A member number or a member id; empty for a non-member.
    #[serde(default)]
    pub member: String,
    /// The e-mail of the account that manages this seller; empty for none.
    #[serde(default)]
    pub user_email: String,
    #[serde(default)]
    pub nib: String,
    #[serde(default)]
    pub address: String,
    #[serde(flatten)]
    pub region: RegionFields,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub consignment: Option<String>,
    /// Empty: the coop's default.
    #[serde(default)]
    pub commission: String,
    #[serde(default, rename = "_refresh")]
    pub refresh: String,
}

impl SellerFields {
    fn of(s: &Seller, member_no: String, user_email: String) -> SellerFields {
        SellerFields {
            kind: s.kind.as_str().into(),
            name: s.name.clone(),
            owner_name: s.owner_name.clone(),
            member: member_no,
            user_email,
            nib: s.nib.clone().unwrap_or_default(),
            address: s.address.clone(),
            region: RegionFields::from_code(&s.region_code),
            category: s.category.as_str().into(),
            phone: s.phone.clone().unwrap_or_default(),
            description: s.description.clone(),
            consignment: s.consignment.then(|| "on".into()),
            commission: percent_text(s.commission_bp),
            ..Default::default()
        }
    }

    /// The region chosen, at its finest level.
    fn region_code(&self) -> String {
        let r = self.region.consistent();
        [r.desa, r.kec, r.kab, r.prov]
            .into_iter()
            .find(|c| !c.is_empty())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "market_admin/seller.html")]
struct SellerTpl {
    p: Page,
    kid: String,
    action: String,
    is_new: bool,
    active: bool,
    products_href: String,
    f: SellerFields,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    region: RegionSelect,
    region_error: Option<String>,
    errors: BTreeMap<String, String>,
    general: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn seller_page(
    caller: &Caller,
    ctx: &MarketCtx,
    action: String,
    seller: Option<&Seller>,
    f: SellerFields,
    errors: &[FieldError],
    general: Option<&Msg>,
    ok: Option<&str>,
) -> SellerTpl {
    let lang = caller.lang;
    let errors = field_messages(errors, lang);
    let title = if seller.is_some() {
        "madm-seller-edit"
    } else {
        "madm-seller-new"
    };
    let kinds = SellerKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            label: kind_label(*k, lang).into(),
            selected: k.as_str() == f.kind,
        })
        .collect();
    let mut p = flash(ctx.page(caller, title, &action), ok);
    if let Some(s) = seller {
        p = p.titled(s.name.clone());
    }
    SellerTpl {
        p,
        kid: ctx.coop.id.to_string(),
        is_new: seller.is_none(),
        active: seller.is_none_or(|s| s.active),
        products_href: seller
            .map(|s| format!("/k/{}/pasar/penjual/{}/produk", ctx.coop.id, s.id))
            .unwrap_or_default(),
        action,
        kinds,
        categories: choices(Category::choices(lang), &f.category),
        region: f.region.select(),
        region_error: errors
            .get("region_code")
            .cloned()
            .or_else(|| errors.get("region").cloned()),
        f,
        errors,
        general: general.map(|m| m.get(lang).to_string()),
    }
}

/// Reads the seller form: the lookups of a member and a manager account are part of reading
/// it (a number that names no one is a field error, and nothing is written).
async fn seller_input(
    state: &AppState,
    coop: &Koperasi,
    f: &SellerFields,
) -> WebResult<Result<SellerInput, Vec<FieldError>>> {
    let mut errors = vec![];
    let kind = SellerKind::parse(&f.kind).unwrap_or_else(|| {
        errors.push(fe(
            "kind",
            Msg::new("Pilih jenis penjual", "Choose the kind of seller"),
        ));
        SellerKind::Umkm
    });
    let member_id = match f.member.trim() {
        "" => None,
        m => match MemberId::parse(m) {
            Some(id) => Some(id),
            None => {
                let page = state
                    .store
                    .tenant(coop.id)
                    .search_members(&MemberQuery {
                        q: m.to_string(),
                        status: None,
                        kind: None,
                        limit: 20,
                        offset: 0,
                    })
                    .await?;
                let found = page
                    .members
                    .into_iter()
                    .find(|x| x.member_no.eq_ignore_ascii_case(m));
                if found.is_none() {
                    errors.push(fe(
                        "member",
                        Msg::new(
                            format!("Tidak ada anggota bernomor '{m}' di koperasi ini"),
                            format!("No member numbered '{m}' in this coop"),
                        ),
                    ));
                }
                found.map(|x| x.id)
            }
        },
    };
    let user_id = match f.user_email.trim() {
        "" => None,
        e => {
            let u = state.store.user_by_email(e).await?;
            if u.is_none() {
                errors.push(fe(
                    "user_email",
                    Msg::new(
                        "Tidak ada akun dengan e-mail ini; buat akunnya dulu, atau kosongkan",
                        "No account has this e-mail; create the account first, or leave it empty",
                    ),
                ));
            }
            u.map(|u| u.id)
        }
    };
    let commission = match f.commission.trim() {
        "" => None,
        c => match BasisPoints::parse(c) {
            Ok(b) => Some(b),
            Err(e) => {
                errors.push(fe("commission", e.msg()));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(SellerInput {
        kind,
        name: f.name.clone(),
        owner_name: f.owner_name.clone(),
        member_id,
        user_id,
        nib: opt(&f.nib),
        address: f.address.clone(),
        region_code: f.region_code(),
        category: f.category.clone(),
        phone: opt(&f.phone),
        description: f.description.clone(),
        consignment: f.consignment.is_some(),
        commission,
    }))
}

pub async fn new_seller_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    let mut region = RegionFields::from_code(&ctx.coop.data.region_code);
    region.desa.clear();
    let f = SellerFields {
        kind: "umkm".into(),
        region,
        consignment: Some("on".into()),
        ..Default::default()
    };
    let action = format!("/k/{kid}/pasar/penjual/baru");
    Ok(render(&seller_page(
        &caller,
        &ctx,
        action,
        None,
        f,
        &[],
        None,
        None,
    )))
}

pub async fn create_seller(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<SellerFields>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let action = format!("/k/{kid}/pasar/penjual/baru");
    if !f.refresh.is_empty() {
        return Ok(render(&seller_page(
            &caller,
            &ctx,
            action,
            None,
            f,
            &[],
            None,
            None,
        )));
    }
    let input = match seller_input(&state, &ctx.coop, &f).await? {
        Ok(i) => i,
        Err(errors) => {
            let page = seller_page(&caller, &ctx, action, None, f, &errors, None, None);
            return Ok(render_status(UNPROCESSABLE, &page));
        }
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .create_seller(&caller.actor(), &input)
        .await
    {
        Ok(s) => Ok(see(
            &format!("/k/{kid}/pasar/penjual/{}/produk", s.id),
            "seller-created",
        )),
        Err(StoreError::Invalid(errors)) => {
            let page = seller_page(&caller, &ctx, action, None, f, &errors, None, None);
            Ok(render_status(UNPROCESSABLE, &page))
        }
        Err(StoreError::Conflict(m)) => {
            let page = seller_page(&caller, &ctx, action, None, f, &[], Some(&m), None);
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_seller_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    let s = seller_in(&state, &ctx, &sid).await?;
    let member_no = match s.member_id {
        Some(m) => match state.store.tenant(ctx.coop.id).member(m).await {
            Ok(m) => m.member_no,
            Err(_) => m.to_string(),
        },
        None => String::new(),
    };
    let email = match s.user_id {
        Some(u) => state
            .store
            .user(u)
            .await
            .map(|u| u.email)
            .unwrap_or_default(),
        None => String::new(),
    };
    let f = SellerFields::of(&s, member_no, email);
    let action = format!("/k/{kid}/pasar/penjual/{sid}");
    Ok(render(&seller_page(
        &caller,
        &ctx,
        action,
        Some(&s),
        f,
        &[],
        None,
        q.ok.as_deref(),
    )))
}

pub async fn update_seller(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(f): Form<SellerFields>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let s = seller_in(&state, &ctx, &sid).await?;
    let action = format!("/k/{kid}/pasar/penjual/{sid}");
    if !f.refresh.is_empty() {
        let page = seller_page(&caller, &ctx, action, Some(&s), f, &[], None, None);
        return Ok(render(&page));
    }
    let input = match seller_input(&state, &ctx.coop, &f).await? {
        Ok(i) => i,
        Err(errors) => {
            let page = seller_page(&caller, &ctx, action, Some(&s), f, &errors, None, None);
            return Ok(render_status(UNPROCESSABLE, &page));
        }
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .update_seller(&caller.actor(), s.id, &input)
        .await
    {
        Ok(_) => Ok(see(&action, "seller-updated")),
        Err(StoreError::Invalid(errors)) => {
            let page = seller_page(&caller, &ctx, action, Some(&s), f, &errors, None, None);
            Ok(render_status(UNPROCESSABLE, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActiveFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    /// `1` to activate, anything else to deactivate.
    #[serde(default)]
    pub active: String,
}

pub async fn set_seller_active(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(f): Form<ActiveFields>,
) -> WebResult<Response> {
    let ctx = board_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let id = SellerId::parse(&sid).ok_or(WebError::NotFound)?;
    let active = f.active == "1";
    state
        .store
        .tenant(ctx.coop.id)
        .set_seller_active(&caller.actor(), id, active)
        .await?;
    let ok = if active {
        "seller-active"
    } else {
        "seller-inactive"
    };
    Ok(see(&format!("/k/{kid}/pasar/penjual/{sid}"), ok))
}

// ---------------------------------------------------------------------------------------------
// 3. Products of a seller

pub struct ProductRowView {
    pub href: String,
    pub name: String,
    pub category: String,
    pub status: String,
    pub badge: &'static str,
    pub price: String,
    pub listed: bool,
}

#[derive(Template)]
#[template(path = "market_admin/products.html")]
struct ProductsTpl {
    p: Page,
    seller_name: String,
    seller_href: Option<String>,
    new_href: String,
    products: Vec<ProductRowView>,
}

pub async fn products(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let s = seller_in(&state, &ctx, &sid).await?;
    let lang = caller.lang;
    let list = state
        .store
        .tenant(ctx.coop.id)
        .products_of_seller(s.id, None, 200, 0)
        .await?;
    let path = format!("/k/{kid}/pasar/penjual/{sid}/produk");
    let p = flash(ctx.page(&caller, "madm-products", &path), q.ok.as_deref());
    let title = format!("{} · {}", p.t("madm-products"), s.name);
    let p = p.titled(title);
    let page = ProductsTpl {
        p,
        seller_href: ctx
            .board
            .is_some()
            .then(|| format!("/k/{kid}/pasar/penjual/{sid}")),
        new_href: format!("{path}/baru"),
        products: list
            .into_iter()
            .map(|x| ProductRowView {
                href: format!("/k/{kid}/pasar/produk/{}", x.id),
                category: x.category.label(lang).into(),
                status: x.status.label(lang).into(),
                badge: status_badge(x.status),
                price: Rupiah(x.min_price).to_string(),
                listed: x.listed,
                name: x.name,
            })
            .collect(),
        seller_name: s.name,
    };
    Ok(render(&page))
}

/// One variant row of the product form.
#[derive(Debug, Clone, Default)]
pub struct VariantRow {
    pub idx: usize,
    /// The stored variant's id; empty for a new row.
    pub id: String,
    pub label: String,
    pub sku: String,
    pub barcode: String,
    pub price: String,
    pub member_price: String,
    pub tiers: String,
    pub cost: String,
    pub weight: String,
    /// Only typed for a new row; a stored variant's stock is changed with the stock form.
    pub stock: String,
    pub active: bool,
    pub errors: BTreeMap<String, String>,
}

impl VariantRow {
    fn is_blank(&self) -> bool {
        self.id.is_empty()
            && [
                &self.label,
                &self.sku,
                &self.barcode,
                &self.price,
                &self.member_price,
                &self.tiers,
                &self.cost,
                &self.weight,
                &self.stock,
            ]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// One legality document row of the product form.
#[derive(Debug, Clone, Default)]
pub struct DocRow {
    pub idx: usize,
    pub kind: String,
    pub number: String,
    pub expires_on: String,
    pub file: String,
    pub errors: BTreeMap<String, String>,
}

/// The product form as posted (field names `variants[0].price`, `docs[1].number`, …, the same
/// names the store gives its errors).
#[derive(Debug, Clone, Default)]
pub struct ProductFields {
    pub csrf: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub faces: BTreeSet<String>,
    /// The communal brand's id, or empty.
    pub brand: String,
    pub wholesale_only: bool,
    pub variants: Vec<VariantRow>,
    pub docs: Vec<DocRow>,
    /// The "more rows" button was pressed: show the form again with more empty rows.
    pub more: bool,
}

/// Reads `prefix[i].field` into (i, field).
fn indexed<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
    let (i, rest) = rest.split_once(']')?;
    let field = rest.strip_prefix('.')?;
    let i: usize = i.parse().ok()?;
    (i < MAX_ROWS).then_some((i, field))
}

impl ProductFields {
    fn parse(pairs: &[(String, String)]) -> ProductFields {
        let mut f = ProductFields::default();
        let mut vars: BTreeMap<usize, VariantRow> = BTreeMap::new();
        let mut docs: BTreeMap<usize, DocRow> = BTreeMap::new();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "_csrf" => f.csrf = v,
                "brand" => f.brand = v,
                "name" => f.name = v,
                "category" => f.category = v,
                "description" => f.description = v,
                "face" => {
                    f.faces.insert(v);
                }
                "wholesale_only" => f.wholesale_only = true,
                "_more" => f.more = true,
                k => {
                    if let Some((i, field)) = indexed(k, "variants") {
                        let r = vars.entry(i).or_insert_with(|| VariantRow {
                            idx: i,
                            ..Default::default()
                        });
                        match field {
                            "id" => r.id = v,
                            "label" => r.label = v,
                            "sku" => r.sku = v,
                            "barcode" => r.barcode = v,
                            "price" => r.price = v,
                            "member_price" => r.member_price = v,
                            "tiers" => r.tiers = v,
                            "cost" => r.cost = v,
                            "weight" => r.weight = v,
                            "stock" => r.stock = v,
                            "active" => r.active = true,
                            _ => {}
                        }
                    } else if let Some((i, field)) = indexed(k, "docs") {
                        let r = docs.entry(i).or_insert_with(|| DocRow {
                            idx: i,
                            ..Default::default()
                        });
                        match field {
                            "kind" => r.kind = v,
                            "number" => r.number = v,
                            "expires_on" => r.expires_on = v,
                            "file" => r.file = v,
                            _ => {}
                        }
                    }
                }
            }
        }
        f.variants = vars.into_values().collect();
        f.docs = docs.into_values().collect();
        f
    }

    fn of(p: &Product) -> ProductFields {
        let s = &p.summary;
        ProductFields {
            name: s.name.clone(),
            category: s.category.as_str().into(),
            description: s.description.clone(),
            faces: s.faces.faces().iter().map(|x| x.as_str().into()).collect(),
            brand: s.brand_id.map(|b| b.to_string()).unwrap_or_default(),
            wholesale_only: s.wholesale_only,
            variants: p
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| VariantRow {
                    idx: i,
                    id: v.id.to_string(),
                    label: v.label.clone(),
                    sku: v.sku.clone().unwrap_or_default(),
                    barcode: v.barcode.clone().unwrap_or_default(),
                    price: format_number(v.price),
                    member_price: v.member_price.map(format_number).unwrap_or_default(),
                    tiers: v.wholesale_tiers.clone(),
                    cost: if v.cost == 0 {
                        String::new()
                    } else {
                        format_number(v.cost)
                    },
                    weight: weight_text(v.weight_g),
                    stock: v.stock.to_string(),
                    active: v.active,
                    errors: BTreeMap::new(),
                })
                .collect(),
            docs: p
                .docs
                .iter()
                .enumerate()
                .map(|(i, d)| DocRow {
                    idx: i,
                    kind: d.kind.as_str().into(),
                    number: d.number.clone(),
                    expires_on: d.expires_on.map(|x| x.to_string()).unwrap_or_default(),
                    file: d.file_id.map(|x| x.to_string()).unwrap_or_default(),
                    errors: BTreeMap::new(),
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Adds empty rows under the typed ones.
    fn with_blank_rows(mut self, variants: usize, docs: usize) -> ProductFields {
        self.variants.retain(|r| !r.is_blank());
        let next = self.variants.iter().map(|r| r.idx + 1).max().unwrap_or(0);
        for i in next..(next + variants).min(MAX_ROWS) {
            self.variants.push(VariantRow {
                idx: i,
                active: true,
                ..Default::default()
            });
        }
        self.docs.retain(|d| {
            !(d.kind.trim().is_empty()
                && d.number.trim().is_empty()
                && d.expires_on.trim().is_empty())
        });
        let next = self.docs.iter().map(|r| r.idx + 1).max().unwrap_or(0);
        for i in next..(next + docs).min(MAX_ROWS) {
            self.docs.push(DocRow {
                idx: i,
                ..Default::default()
            });
        }
        self
    }

    /// The store's input, with the form row of each variant and document sent (the store names
    /// its errors by position in what it was given). Amounts, weights, stock, dates are read
    /// here with the core's parsers; every error is collected.
    fn input(&self) -> Result<(ProductInput, Vec<usize>, Vec<usize>), Vec<FieldError>> {
        let mut errors = vec![];
        let mut faces = ListingScope::NONE;
        for code in &self.faces {
            match Face::parse(code) {
                Some(x) => faces = faces.with(x),
                None => errors.push(fe(
                    "faces",
                    Msg::new("Etalase tidak dikenal", "Unknown storefront"),
                )),
            }
        }
        let money = |errors: &mut Vec<FieldError>, field: String, s: &str| -> Option<i64> {
            match Rupiah::parse(s) {
                Ok(r) => Some(r.0),
                Err(e) => {
                    errors.push(FieldError::new(field, e.msg()));
                    None
                }
            }
        };
        let (mut variants, mut rows) = (vec![], vec![]);
        for r in self.variants.iter().filter(|r| !r.is_blank()) {
            let f = |name: &str| format!("variants[{}].{name}", r.idx);
            let id = match r.id.trim() {
                "" => None,
                s => match VariantId::parse(s) {
                    Some(id) => Some(id),
                    None => {
                        errors.push(FieldError::new(
                            f("label"),
                            Msg::new("Varian tidak dikenal", "Unknown variant"),
                        ));
                        None
                    }
                },
            };
            let price = money(&mut errors, f("price"), &r.price).unwrap_or(0);
            let member_price = match r.member_price.trim() {
                "" => None,
                s => money(&mut errors, f("member_price"), s),
            };
            let cost = match r.cost.trim() {
                "" => 0,
                s => money(&mut errors, f("cost"), s).unwrap_or(0),
            };
            let weight_g = match Weight::parse(&r.weight) {
                Ok(w) => i64::from(w.grams()),
                Err(e) => {
                    errors.push(FieldError::new(f("weight_g"), e.msg()));
                    0
                }
            };
            let stock = if id.is_some() || r.stock.trim().is_empty() {
                0
            } else {
                match Stock::parse(&r.stock) {
                    Ok(s) => i64::from(s.get()),
                    Err(e) => {
                        errors.push(FieldError::new(f("stock"), e.msg()));
                        0
                    }
                }
            };
            variants.push(VariantInput {
                id,
                label: r.label.clone(),
                sku: opt(&r.sku),
                barcode: opt(&r.barcode),
                price,
                member_price,
                tiers: r.tiers.clone(),
                cost,
                weight_g,
                stock,
                active: id.is_none() || r.active,
            });
            rows.push(r.idx);
        }
        let (mut docs, mut doc_rows) = (vec![], vec![]);
        for d in &self.docs {
            if d.kind.trim().is_empty() && d.number.trim().is_empty() && d.expires_on.is_empty() {
                continue;
            }
            let f = |name: &str| format!("docs[{}].{name}", d.idx);
            let expires_on = match d.expires_on.trim() {
                "" => None,
                s => match parse_date(s) {
                    Some(x) => Some(x),
                    None => {
                        errors.push(FieldError::new(
                            f("expires_on"),
                            Msg::new(
                                "Tanggal tidak dapat dibaca (contoh: 2027-12-31)",
                                "The date cannot be read (example: 2027-12-31)",
                            ),
                        ));
                        None
                    }
                },
            };
            docs.push(DocInput {
                kind: d.kind.clone(),
                number: d.number.clone(),
                expires_on,
                file_id: MarketFileId::parse(&d.file),
            });
            doc_rows.push(d.idx);
        }
        let brand = match self.brand.trim() {
            "" => None,
            b => {
                let id = BrandId::parse(b);
                if id.is_none() {
                    errors.push(FieldError::new(
                        "brand",
                        Msg::new("Merek bersama tidak ditemukan", "Shared brand not found"),
                    ));
                }
                id
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            ProductInput {
                name: self.name.clone(),
                category: self.category.clone(),
                description: self.description.clone(),
                faces,
                brand,
                wholesale_only: self.wholesale_only,
                variants,
                docs,
            },
            rows,
            doc_rows,
        ))
    }

    /// Puts each error next to its field: row errors into their rows, the rest returned.
    fn place(&mut self, errors: &[FieldError], lang: Lang) -> BTreeMap<String, String> {
        let mut rest = BTreeMap::new();
        for (k, m) in field_messages(errors, lang) {
            if let Some((i, field)) = indexed(&k, "variants") {
                let field = if field == "weight_g" { "weight" } else { field };
                if let Some(r) = self.variants.iter_mut().find(|r| r.idx == i) {
                    r.errors.insert(field.to_string(), m);
                    continue;
                }
            } else if let Some((i, field)) = indexed(&k, "docs") {
                let field = if field == "file_id" { "file" } else { field };
                if let Some(r) = self.docs.iter_mut().find(|r| r.idx == i) {
                    r.errors.insert(field.to_string(), m);
                    continue;
                }
            }
            rest.insert(k, m);
        }
        rest
    }
}

/// Renames the store's positional errors (`variants[1].price` of the second variant sent) to
/// the form's rows.
fn to_rows(errors: Vec<FieldError>, rows: &[usize], doc_rows: &[usize]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some((j, field)) = indexed(&e.field, "variants")
                && let Some(r) = rows.get(j)
            {
                e.field = format!("variants[{r}].{field}");
            } else if let Some((j, field)) = indexed(&e.field, "docs")
                && let Some(r) = doc_rows.get(j)
            {
                e.field = format!("docs[{r}].{field}");
            }
            e
        })
        .collect()
}

pub struct FileView {
    pub id: String,
    pub thumb: String,
    pub href: String,
    pub label: String,
}

pub struct StockView {
    pub id: String,
    pub label: String,
    pub stock: i64,
    pub active: bool,
}

pub struct HistoryView {
    pub at: String,
    pub action: String,
    pub to: String,
    pub note: String,
    pub actor: String,
}

pub struct DocView {
    pub kind: String,
    pub number: String,
    pub expires: String,
    pub status: String,
    pub badge: &'static str,
    pub href: Option<String>,
}

/// What the page shows of a stored product besides its form.
pub struct ProductInfo {
    pub id: String,
    pub base: String,
    pub status: String,
    pub badge: &'static str,
    pub public_href: Option<String>,
    pub can_submit: bool,
    pub can_archive: bool,
    /// The curator's last note, shown on top when changes are asked or it was refused.
    pub notice: Option<String>,
    pub photos: Vec<FileView>,
    pub doc_files: Vec<FileView>,
    pub stock: Vec<StockView>,
    pub docs: Vec<DocView>,
    pub history: Vec<HistoryView>,
}

fn product_info(coop: &Koperasi, p: &Product, lang: Lang, coop_slug: Option<&str>) -> ProductInfo {
    let s = &p.summary;
    let k = coop.id;
    let base = format!("/k/{k}/pasar/produk/{}", s.id);
    let file = |f: &guyub_store::market::catalog::FileMeta, n: usize| FileView {
        id: f.id.to_string(),
        thumb: format!("/pasar/foto/{k}/{}/kecil", f.id),
        href: format!("{base}/berkas/{}", f.id),
        label: format!(
            "{} {n} ({})",
            match lang {
                Lang::Id => "Berkas",
                Lang::En => "File",
            },
            if f.content_type == "application/pdf" {
                "PDF"
            } else {
                "JPEG"
            }
        ),
    };
    let photos = p
        .files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Foto)
        .enumerate()
        .map(|(i, f)| file(f, i + 1))
        .collect();
    let doc_files: Vec<FileView> = p
        .files
        .iter()
        .filter(|f| f.purpose == FilePurpose::Dokumen)
        .enumerate()
        .map(|(i, f)| file(f, i + 1))
        .collect();
    let actions = allowed_actions(s.status);
    let notice = matches!(
        s.status,
        ProductStatus::ChangesRequested | ProductStatus::Rejected | ProductStatus::Suspended
    )
    .then(|| {
        p.history
            .iter()
            .rev()
            .find(|h| h.to_status == s.status)
            .and_then(|h| h.note.clone())
            .unwrap_or_default()
    });
    let tz = coop.timezone();
    ProductInfo {
        id: s.id.to_string(),
        status: s.status.label(lang).into(),
        badge: status_badge(s.status),
        public_href: (s.listed)
            .then(|| coop_slug.map(|c| format!("/pasar/p/{c}/{}", s.slug)))
            .flatten(),
        can_submit: actions.contains(&CurationAction::Submit),
        can_archive: actions.contains(&CurationAction::Archive),
        notice,
        photos,
        stock: p
            .variants
            .iter()
            .map(|v| StockView {
                id: v.id.to_string(),
                label: if v.label.is_empty() {
                    s.name.clone()
                } else {
                    v.label.clone()
                },
                stock: v.stock,
                active: v.active,
            })
            .collect(),
        docs: p
            .docs
            .iter()
            .map(|d| DocView {
                kind: d.kind.label(lang).into(),
                number: d.number.clone(),
                expires: d
                    .expires_on
                    .map(|x| fmt_id::tanggal(x, lang))
                    .unwrap_or_else(|| "—".into()),
                status: d.status.msg().get(lang).to_string(),
                badge: cert_class(d.status),
                href: d.file_id.map(|f| format!("{base}/berkas/{f}")),
            })
            .collect(),
        history: p
            .history
            .iter()
            .rev()
            .map(|h| HistoryView {
                at: fmt_id::waktu(h.at, tz, lang),
                action: h.action.label(lang).into(),
                to: h.to_status.label(lang).into(),
                note: h.note.clone().unwrap_or_default(),
                actor: actor_name(&h.actor),
            })
            .collect(),
        doc_files,
        base,
    }
}

#[derive(Template)]
#[template(path = "market_admin/product.html")]
struct ProductTpl {
    p: Page,
    action: String,
    seller_name: String,
    products_href: String,
    info: Option<ProductInfo>,
    f: ProductFields,
    errors: BTreeMap<String, String>,
    general: Option<String>,
    upload_errors: Vec<String>,
    /// Some field was refused (the top notice: nothing was saved).
    has_errors: bool,
    categories: Vec<Choice>,
    faces: Vec<Choice>,
    /// The communal brands to list under (the first is "none").
    brands: Vec<Choice>,
    doc_kinds: Vec<(&'static str, &'static str)>,
}

#[allow(clippy::too_many_arguments)]
fn product_page(
    caller: &Caller,
    ctx: &MarketCtx,
    seller: &Seller,
    brands: &[Brand],
    product: Option<(&Product, Option<&str>)>,
    mut f: ProductFields,
    errors: &[FieldError],
    general: Option<&Msg>,
    upload_errors: Vec<String>,
    ok: Option<&str>,
) -> ProductTpl {
    let lang = caller.lang;
    let kid = ctx.coop.id;
    let info = product.map(|(p, slug)| product_info(&ctx.coop, p, lang, slug));
    let action = match &info {
        Some(i) => i.base.clone(),
        None => format!("/k/{kid}/pasar/penjual/{}/produk/baru", seller.id),
    };
    let has_errors = !errors.is_empty();
    let rest = f.place(errors, lang);
    let mut p = flash(ctx.page(caller, "madm-product-new", &action), ok);
    if let Some((prod, _)) = product {
        p = p.titled(prod.summary.name.clone());
    }
    let faces = Face::choices(lang)
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.into(),
            label: l.into(),
            selected: f.faces.contains(v),
        })
        .collect();
    let brands = std::iter::once(Choice {
        value: String::new(),
        label: p.t("madm-brand-none"),
        selected: f.brand.trim().is_empty(),
    })
    .chain(brands.iter().map(|b| Choice {
        value: b.id.to_string(),
        label: b.name.clone(),
        selected: f.brand.trim() == b.id.to_string(),
    }))
    .collect();
    ProductTpl {
        p,
        action,
        seller_name: seller.name.clone(),
        products_href: format!("/k/{kid}/pasar/penjual/{}/produk", seller.id),
        info,
        categories: choices(Category::choices(lang), &f.category),
        faces,
        brands,
        doc_kinds: DocKind::choices(lang),
        f,
        errors: rest,
        has_errors,
        general: general.map(|m| m.get(lang).to_string()),
        upload_errors,
    }
}

/// The coop's storefront slug (for the link to a listed product's public page).
async fn coop_slug(state: &AppState, k: KoperasiId) -> WebResult<Option<String>> {
    Ok(state
        .store
        .tenant(k)
        .market_settings()
        .await?
        .map(|s| s.slug))
}

pub async fn new_product_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let s = seller_in(&state, &ctx, &sid).await?;
    let brands = state.store.brands().await?;
    let mut f = ProductFields {
        category: s.category.as_str().into(),
        ..Default::default()
    };
    f.faces.insert(Face::JatimIso.as_str().into());
    if s.kind == SellerKind::Pesantren {
        f.faces.insert(Face::Opop.as_str().into());
    }
    let rows = q.baris.unwrap_or(EXTRA_ROWS).clamp(1, MAX_ROWS);
    let f = f.with_blank_rows(rows, EXTRA_DOC_ROWS);
    let page = product_page(&caller, &ctx, &s, &brands, None, f, &[], None, vec![], None);
    Ok(render(&page))
}

pub async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let f = ProductFields::parse(&pairs);
    caller.check_csrf(&f.csrf)?;
    let s = seller_in(&state, &ctx, &sid).await?;
    let brands = state.store.brands().await?;
    if f.more {
        let f = f.with_blank_rows(EXTRA_ROWS, 1);
        let page = product_page(&caller, &ctx, &s, &brands, None, f, &[], None, vec![], None);
        return Ok(render(&page));
    }
    let refused = |f: ProductFields, errors: &[FieldError], general: Option<&Msg>, st| {
        let f = f.with_blank_rows(1, 1);
        let page = product_page(
            &caller,
            &ctx,
            &s,
            &brands,
            None,
            f,
            errors,
            general,
            vec![],
            None,
        );
        render_status(st, &page)
    };
    let (input, rows, doc_rows) = match f.input() {
        Ok(x) => x,
        Err(errors) => return Ok(refused(f, &errors, None, UNPROCESSABLE)),
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .create_product(&caller.actor(), s.id, &input)
        .await
    {
        Ok(p) => Ok(see(
            &format!("/k/{kid}/pasar/produk/{}", p.summary.id),
            "product-created",
        )),
        Err(StoreError::Invalid(errors)) => {
            let errors = to_rows(errors, &rows, &doc_rows);
            Ok(refused(f, &errors, None, UNPROCESSABLE))
        }
        Err(StoreError::Conflict(m)) => Ok(refused(f, &[], Some(&m), StatusCode::CONFLICT)),
        Err(e) => Err(e.into()),
    }
}

/// The seller a stored product belongs to, as the caller may see it.
async fn seller_of(state: &AppState, ctx: &MarketCtx, p: &Product) -> WebResult<Seller> {
    match ctx.sellers.iter().find(|s| s.id == p.summary.seller_id) {
        Some(s) => Ok(s.clone()),
        None => Ok(state
            .store
            .tenant(ctx.coop.id)
            .seller(p.summary.seller_id)
            .await?),
    }
}

pub async fn edit_product_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let p = product_in(&state, &ctx, &pid).await?;
    let s = seller_of(&state, &ctx, &p).await?;
    let slug = coop_slug(&state, ctx.coop.id).await?;
    let brands = state.store.brands().await?;
    let rows = q.baris.unwrap_or(EXTRA_ROWS).clamp(1, MAX_ROWS);
    let f = ProductFields::of(&p).with_blank_rows(rows, EXTRA_DOC_ROWS);
    let page = product_page(
        &caller,
        &ctx,
        &s,
        &brands,
        Some((&p, slug.as_deref())),
        f,
        &[],
        None,
        vec![],
        q.ok.as_deref(),
    );
    Ok(render(&page))
}

pub async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let f = ProductFields::parse(&pairs);
    caller.check_csrf(&f.csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    let s = seller_of(&state, &ctx, &p).await?;
    let slug = coop_slug(&state, ctx.coop.id).await?;
    let brands = state.store.brands().await?;
    let show = |f: ProductFields, errors: &[FieldError], general: Option<&Msg>| {
        let rows = if f.more { EXTRA_ROWS } else { 1 };
        let f = f.with_blank_rows(rows, 1);
        let at = Some((&p, slug.as_deref()));
        product_page(
            &caller,
            &ctx,
            &s,
            &brands,
            at,
            f,
            errors,
            general,
            vec![],
            None,
        )
    };
    if f.more {
        return Ok(render(&show(f, &[], None)));
    }
    let (input, rows, doc_rows) = match f.input() {
        Ok(x) => x,
        Err(errors) => return Ok(render_status(UNPROCESSABLE, &show(f, &errors, None))),
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .update_product(&caller.actor(), s.id, p.summary.id, &input)
        .await
    {
        Ok(_) => Ok(see(
            &format!("/k/{kid}/pasar/produk/{pid}"),
            "product-updated",
        )),
        Err(StoreError::Invalid(errors)) => {
            let errors = to_rows(errors, &rows, &doc_rows);
            Ok(render_status(UNPROCESSABLE, &show(f, &errors, None)))
        }
        Err(StoreError::Conflict(m)) => {
            Ok(render_status(StatusCode::CONFLICT, &show(f, &[], Some(&m))))
        }
        Err(e) => Err(e.into()),
    }
}

/// Shows the product page again with upload errors (nothing was stored).
async fn upload_refused(
    state: &AppState,
    caller: &Caller,
    ctx: &MarketCtx,
    p: &Product,
    errors: Vec<String>,
) -> WebResult<Response> {
    let s = seller_of(state, ctx, p).await?;
    let slug = coop_slug(state, ctx.coop.id).await?;
    let brands = state.store.brands().await?;
    let f = ProductFields::of(p).with_blank_rows(EXTRA_ROWS, EXTRA_DOC_ROWS);
    let page = product_page(
        caller,
        ctx,
        &s,
        &brands,
        Some((p, slug.as_deref())),
        f,
        &[],
        None,
        errors,
        None,
    );
    Ok(render_status(UNPROCESSABLE, &page))
}

fn named(file_name: &str, m: &Msg, lang: Lang) -> String {
    if file_name.is_empty() {
        m.get(lang).to_string()
    } else {
        format!("{file_name}: {}", m.get(lang))
    }
}

/// Adds photos: every file is checked and resized first; if one is refused, none is stored.
pub async fn add_photos(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    mp: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let (csrf, files) = read_files(multipart_or_bad(mp)?, "foto").await?;
    caller.check_csrf(&csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    let lang = caller.lang;
    let mut photos = vec![];
    let mut errors = vec![];
    if files.is_empty() {
        errors.push(p_t(lang, "madm-no-file"));
    }
    for (name, bytes) in &files {
        match process_photo(bytes) {
            Ok(ph) => photos.push(ph),
            Err(m) => errors.push(named(name, &m, lang)),
        }
    }
    if !errors.is_empty() {
        return upload_refused(&state, &caller, &ctx, &p, errors).await;
    }
    let t = state.store.tenant(ctx.coop.id);
    for ph in photos {
        let nf = NewFile {
            purpose: FilePurpose::Foto,
            content_type: ph.content_type.to_string(),
            width: i64::from(ph.width),
            height: i64::from(ph.height),
            small: Some(ph.small),
            medium: Some(ph.medium),
            large: ph.large,
        };
        match t
            .add_product_file(&caller.actor(), p.summary.seller_id, p.summary.id, &nf)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Invalid(e)) => {
                let errors = e.iter().map(|x| x.msg.get(lang).to_string()).collect();
                return upload_refused(&state, &caller, &ctx, &p, errors).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "photo-added"))
}

fn p_t(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

/// Adds a legality document scan (a PDF as uploaded, or a photo of it).
pub async fn add_document(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    mp: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    let (csrf, files) = read_files(multipart_or_bad(mp)?, "berkas").await?;
    caller.check_csrf(&csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    let lang = caller.lang;
    let Some((name, bytes)) = files.first() else {
        let errors = vec![p_t(lang, "madm-no-file")];
        return upload_refused(&state, &caller, &ctx, &p, errors).await;
    };
    let (ct, data) = match process_document(bytes) {
        Ok(x) => x,
        Err(m) => {
            let errors = vec![named(name, &m, lang)];
            return upload_refused(&state, &caller, &ctx, &p, errors).await;
        }
    };
    let nf = NewFile {
        purpose: FilePurpose::Dokumen,
        content_type: ct.to_string(),
        width: 0,
        height: 0,
        small: None,
        medium: None,
        large: data,
    };
    match state
        .store
        .tenant(ctx.coop.id)
        .add_product_file(&caller.actor(), p.summary.seller_id, p.summary.id, &nf)
        .await
    {
        Ok(_) => Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "doc-added")),
        Err(StoreError::Invalid(e)) => {
            let errors = e.iter().map(|x| x.msg.get(lang).to_string()).collect();
            upload_refused(&state, &caller, &ctx, &p, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid, fid)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    let file = MarketFileId::parse(&fid).ok_or(WebError::NotFound)?;
    state
        .store
        .tenant(ctx.coop.id)
        .remove_product_file(&caller.actor(), p.summary.seller_id, p.summary.id, file)
        .await?;
    Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "file-removed"))
}

/// A product's file (photo or document scan) for its seller, the coop's board and curators.
/// Never cached by shared caches; a PDF is a download, never shown inline on our origin.
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid, fid)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let p = if is_curator(&caller) {
        let coop = coop_of(&state, &kid).await?;
        let id = MarketProductId::parse(&pid).ok_or(WebError::NotFound)?;
        state.store.tenant(coop.id).product(id).await?
    } else {
        let ctx = market_access(&state, &caller, &kid).await?;
        product_in(&state, &ctx, &pid).await?
    };
    let id = MarketFileId::parse(&fid).ok_or(WebError::NotFound)?;
    if !p.files.iter().any(|f| f.id == id) {
        return Err(WebError::NotFound);
    }
    let f = state
        .store
        .product_file(p.summary.koperasi_id, id, FileSize::Large)
        .await?;
    let ct = HeaderValue::from_str(&f.content_type).map_err(|_| WebError::NotFound)?;
    let disposition = if f.content_type.starts_with("image/") {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"dokumen-{id}.pdf\"")
    };
    let disposition = HeaderValue::from_str(&disposition).map_err(|_| WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        f.bytes,
    )
        .into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    state
        .store
        .tenant(ctx.coop.id)
        .submit_product(&caller.actor(), p.summary.seller_id, p.summary.id)
        .await?;
    Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "submitted"))
}

pub async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    state
        .store
        .tenant(ctx.coop.id)
        .archive_product(&caller.actor(), p.summary.seller_id, p.summary.id)
        .await?;
    Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "archived"))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StockFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub stock: String,
}

/// Sets a variant's stock to a counted number.
pub async fn set_stock(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(f): Form<StockFields>,
) -> WebResult<Response> {
    let ctx = market_access(&state, &caller, &kid).await?;
    caller.check_csrf(&f.csrf)?;
    let p = product_in(&state, &ctx, &pid).await?;
    let variant = VariantId::parse(&f.variant)
        .filter(|v| p.variants.iter().any(|x| x.id == *v))
        .ok_or(WebError::NotFound)?;
    let stock = match Stock::parse(&f.stock) {
        Ok(s) => i64::from(s.get()),
        Err(e) => {
            let m = e.msg();
            let label = p
                .variants
                .iter()
                .find(|x| x.id == variant)
                .map(|x| x.label.clone())
                .unwrap_or_default();
            let errors = vec![format!(
                "{} {label}: {}",
                p_t(caller.lang, "madm-stock"),
                m.get(caller.lang)
            )];
            return upload_refused(&state, &caller, &ctx, &p, errors).await;
        }
    };
    state
        .store
        .tenant(ctx.coop.id)
        .set_stock(&caller.actor(), p.summary.seller_id, variant, stock)
        .await?;
    Ok(see(&format!("/k/{kid}/pasar/produk/{pid}"), "stock"))
}

// ---------------------------------------------------------------------------------------------
// 4. A seller's own account

pub struct MySellerView {
    pub name: String,
    pub coop: String,
    pub href: String,
    /// The seller's own sales dashboard.
    pub dash_href: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "market_admin/my_sellers.html")]
struct MySellersTpl {
    p: Page,
    sellers: Vec<MySellerView>,
}

/// `/penjual`: the sellers the signed-in user manages, in every coop.
pub async fn my_sellers(State(state): State<AppState>, caller: Caller) -> WebResult<Response> {
    let list = state.store.sellers_of_user(caller.user_id()).await?;
    let mut names: BTreeMap<KoperasiId, String> = BTreeMap::new();
    let mut sellers = vec![];
    for s in list {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(s.koperasi_id) {
            let n = match state.store.koperasi(s.koperasi_id).await {
                Ok(k) => k.data.name,
                Err(_) => String::new(),
            };
            e.insert(n);
        }
        sellers.push(MySellerView {
            coop: names.get(&s.koperasi_id).cloned().unwrap_or_default(),
            href: format!("/k/{}/pasar/penjual/{}/produk", s.koperasi_id, s.id),
            dash_href: format!("/penjual/dasbor/{}/{}", s.koperasi_id, s.id),
            active: s.active,
            name: s.name,
        });
    }
    let page = MySellersTpl {
        p: Page::new(&caller, "madm-my-sellers").at("/penjual"),
        sellers,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// 5. Curators

fn curator_only(caller: &Caller) -> WebResult<()> {
    if is_curator(caller) {
        Ok(())
    } else {
        Err(WebError::Forbidden(Msg::new(
            "Halaman ini untuk tim kurator.",
            "This page is for the curation team.",
        )))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    etalase: String,
    #[serde(default)]
    koperasi: String,
    #[serde(default)]
    ok: Option<String>,
}

pub struct QueueRow {
    pub href: String,
    pub name: String,
    pub seller: String,
    pub coop: String,
    pub coop_href: String,
    pub faces: String,
    pub category: String,
    pub waiting_since: String,
}

#[derive(Template)]
#[template(path = "market_admin/queue.html")]
struct QueueTpl {
    p: Page,
    faces: Vec<Choice>,
    koperasi: String,
    coop_name: Option<String>,
    rows: Vec<QueueRow>,
}

pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<QueueQuery>,
) -> WebResult<Response> {
    curator_only(&caller)?;
    let lang = caller.lang;
    let face = Face::parse(&q.etalase);
    let koperasi = KoperasiId::parse(&q.koperasi);
    let list = state
        .store
        .curation_queue(&QueueFilter {
            koperasi,
            face,
            status: None,
            limit: 200,
            offset: 0,
        })
        .await?;
    let mut names: BTreeMap<KoperasiId, String> = BTreeMap::new();
    for k in list.iter().map(|x| x.koperasi_id).chain(koperasi) {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(k) {
            let n = match state.store.koperasi(k).await {
                Ok(c) => c.data.name,
                Err(_) => k.to_string(),
            };
            e.insert(n);
        }
    }
    let face_q = face.map(|f| f.as_str()).unwrap_or("");
    let rows = list
        .iter()
        .map(|x| QueueRow {
            href: format!("/kurasi/{}/{}", x.koperasi_id, x.id),
            name: x.name.clone(),
            seller: x.seller_name.clone(),
            coop: names.get(&x.koperasi_id).cloned().unwrap_or_default(),
            coop_href: format!("/kurasi?etalase={face_q}&koperasi={}", x.koperasi_id),
            faces: x
                .faces
                .faces()
                .iter()
                .map(|f| f.label(lang))
                .collect::<Vec<_>>()
                .join(", "),
            category: x.category.label(lang).into(),
            waiting_since: fmt_id::tanggal(x.updated_at.date(), lang),
        })
        .collect();
    let page = QueueTpl {
        p: flash(
            Page::new(&caller, "madm-queue").at("/kurasi"),
            q.ok.as_deref(),
        ),
        faces: choices(Face::choices(lang), face_q),
        coop_name: koperasi.and_then(|k| names.get(&k).cloned()),
        koperasi: koperasi.map(|k| k.to_string()).unwrap_or_default(),
        rows,
    };
    Ok(render(&page))
}

pub struct VariantView {
    pub label: String,
    pub sku: String,
    pub barcode: String,
    pub price: String,
    pub member_price: String,
    pub tiers: String,
    pub weight: String,
    pub stock: i64,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "market_admin/review.html")]
struct ReviewTpl {
    p: Page,
    action: String,
    info: ProductInfo,
    coop_name: String,
    seller: Seller,
    seller_kind: String,
    category: String,
    faces: String,
    wholesale_only: bool,
    description_html: String,
    variants: Vec<VariantView>,
    actions: Vec<(&'static str, &'static str)>,
    note: String,
    errors: BTreeMap<String, String>,
    general: Option<String>,
}

async fn review_page(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    pid: &str,
    note: String,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> WebResult<ReviewTpl> {
    let lang = caller.lang;
    let coop = coop_of(state, kid).await?;
    let id = MarketProductId::parse(pid).ok_or(WebError::NotFound)?;
    let t = state.store.tenant(coop.id);
    let p = t.product(id).await?;
    let seller = t.seller(p.summary.seller_id).await?;
    let slug = coop_slug(state, coop.id).await?;
    let info = product_info(&coop, &p, lang, slug.as_deref());
    let s = &p.summary;
    let actions = allowed_actions(s.status)
        .into_iter()
        .filter(|a| a.by_curator())
        .map(|a| (a.as_str(), a.label(lang)))
        .collect();
    let action = format!("/kurasi/{kid}/{pid}");
    Ok(ReviewTpl {
        p: Page::new(caller, "madm-review")
            .at(&action)
            .titled(s.name.clone()),
        action,
        coop_name: coop.data.name.clone(),
        seller_kind: kind_label(seller.kind, lang).into(),
        seller,
        category: s.category.label(lang).into(),
        faces: s
            .faces
            .faces()
            .iter()
            .map(|f| f.label(lang))
            .collect::<Vec<_>>()
            .join(", "),
        wholesale_only: s.wholesale_only,
        description_html: s.description_html(),
        variants: p
            .variants
            .iter()
            .map(|v| VariantView {
                label: v.label.clone(),
                sku: v.sku.clone().unwrap_or_default(),
                barcode: v.barcode.clone().unwrap_or_default(),
                price: Rupiah(v.price).to_string(),
                member_price: v
                    .member_price
                    .map(|m| Rupiah(m).to_string())
                    .unwrap_or_default(),
                tiers: v.wholesale_tiers.replace('\n', "; "),
                weight: weight_text(v.weight_g),
                stock: v.stock,
                active: v.active,
            })
            .collect(),
        info,
        actions,
        note,
        errors: field_messages(errors, lang),
        general: general.map(|m| m.get(lang).to_string()),
    })
}

pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
) -> WebResult<Response> {
    curator_only(&caller)?;
    let page = review_page(&state, &caller, &kid, &pid, String::new(), &[], None).await?;
    Ok(render(&page))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CurateFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub note: String,
}

/// A curator's decision: approve, ask for changes (note required), reject (note required),
/// suspend or reinstate.
pub async fn curate(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, pid)): Path<(String, String)>,
    Form(f): Form<CurateFields>,
) -> WebResult<Response> {
    curator_only(&caller)?;
    caller.check_csrf(&f.csrf)?;
    let k = KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let id = MarketProductId::parse(&pid).ok_or(WebError::NotFound)?;
    let result = match CurationAction::parse(&f.action) {
        Some(a) => {
            state
                .store
                .curate_product(&caller.actor(), k, id, a, Some(&f.note))
                .await
        }
        None => Err(StoreError::Invalid(vec![fe(
            "action",
            Msg::new("Pilih keputusan", "Choose a decision"),
        )])),
    };
    let (errors, general, status) = match result {
        Ok(_) => return Ok(see("/kurasi", "curated")),
        Err(StoreError::Invalid(e)) => (e, None, UNPROCESSABLE),
        Err(StoreError::Conflict(m)) => (vec![], Some(m), StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let page = review_page(
        &state,
        &caller,
        &kid,
        &pid,
        f.note,
        &errors,
        general.as_ref(),
    )
    .await?;
    Ok(render_status(status, &page))
}
