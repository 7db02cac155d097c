//! The marketplace catalogue: a coop's market settings, its sellers, their products with
//! variants, legality documents and photos, curation, the public storefronts (browse, search,
//! product pages) and Tomiko access. Tables: migrations/*/0006_market.sql.
//!
//! Invariants this module keeps:
//! - every rule about a value (a price, a SKU, a halal number, a curation step) is the core's
//!   (`guyub_core::market`); the store only adds what needs the database (uniqueness, that a
//!   member or brand exists, that the acting seller owns the product);
//! - bad input changes nothing: a product is validated whole and every field error is returned
//!   at once (`StoreError::Invalid`) before the first write; each operation is one transaction
//!   with its audit record;
//! - a seller reaches only its own products: every seller operation takes the acting seller and
//!   its statements are filtered by `seller_id`, so another seller's product is `NotFound`;
//! - `market_product.listed` is true exactly when the product is curated (`terkurasi`), its
//!   seller is active, its coop opted in and it has an active variant. [`refresh_listing`] is
//!   the one place that sets it, and every change that may move it calls it in the same
//!   transaction; it also rewrites the product's search keys, which exist only for listed
//!   products (so the search never sees anything else);
//! - stock never goes below zero: changes are conditional updates (`… AND stock + $d >= 0`)
//!   and the table has a CHECK as the last guard.

use std::collections::HashSet;

use guyub_core::coop::CoopTier;
use guyub_core::identifiers::Nib;
use guyub_core::ids::{KoperasiId, MemberId, UserId};
use guyub_core::lang::Lang;
use guyub_core::market::catalog::{
    Barcode, CatalogError, Category, CurationAction, Description, Face, ListingScope, ProductName,
    ProductStatus, Sku, Weight, WholesaleTiers, check_member_price, check_price, parse_tiers,
    transition,
};
use guyub_core::market::legality::{
    CertStatus, DocKind, EXPIRY_WARNING_DAYS, cert_status, check_number, validate_expiry,
};
use guyub_core::market::search::{QueryWord, index_keys, parse_query};
use guyub_core::money::Rupiah;
use guyub_core::percent::BasisPoints;
use guyub_core::phone::Phone;
use guyub_core::region::RegionCode;
use guyub_core::{FieldError, Msg};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::error::unique_as;
use crate::sql::{Val, in_list_sql, rows_per_statement, values_sql};
use crate::{Actor, Db, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

// ---------------------------------------------------------------------------------------------
// Ids

// The marketplace's typed ids live in the core with all the others; re-exported here where
// the catalogue's callers look for them.
pub use guyub_core::ids::{BrandId, DocId, MarketFileId, MarketProductId, SellerId, VariantId};

// ---------------------------------------------------------------------------------------------
// Limits

/// Most variants one product has: enough for sizes × colours, few enough for one form.
pub const MAX_VARIANTS: usize = 50;
/// Most legality documents entered with one product.
pub const MAX_DOCS: usize = 10;
/// Most photos per product.
pub const MAX_PHOTOS: i64 = 8;
/// Most uploaded document files per product.
pub const MAX_DOC_FILES: i64 = 10;
/// Most cards in one page of browsing or search.
pub const MAX_PAGE: i64 = 60;
/// Deepest offset a browse page may start at: deeper pages go through the cursor, so no query
/// ever skips more rows than this.
pub const MAX_OFFSET: i64 = 10_000;
/// A search word matching more keys than this counts as "common" without being counted further:
/// the rarest word drives the search, and counting a very common word exactly is wasted work.
/// 2,000 keys are about 1 ms of index on PostgreSQL; at 20,000 the counting of two common words
/// was most of a search's time in a million-product catalogue (issue #5: p95 < 30 ms). Among
/// words past the cap the choice hardly matters: each has a page of matches near its start.
const COUNT_CAP: i64 = 2_000;

// ---------------------------------------------------------------------------------------------
// Small helpers

fn fe(field: impl Into<String>, msg: Msg) -> FieldError {
    FieldError::new(field, msg)
}

fn invalid(field: &str, id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![fe(field, Msg::new(id, en))])
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Msg::new(id, en))
}

fn corrupt_code(what: &str, v: &str) -> StoreError {
    StoreError::corrupt(format!("{what} {v}"))
}

/// The URL part made of a name: ASCII lower case letters and digits joined by single dashes,
/// at most 60 characters (accents dropped, everything else a separator). Never empty.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        let c = match c {
            'à'..='å' | 'À'..='Å' => 'a',
            'è'..='ë' | 'È'..='Ë' => 'e',
            'ì'..='ï' | 'Ì'..='Ï' => 'i',
            'ò'..='ö' | 'Ò'..='Ö' => 'o',
            'ù'..='ü' | 'Ù'..='Ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
            if out.len() >= 60 {
                break;
            }
        } else if c != '\'' {
            dash = true;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "produk".to_string()
    } else {
        out
    }
}

/// A coop storefront slug as typed: 3–40 characters of `a-z`, `0-9` and `-`, starting and
/// ending with a letter or digit.
pub fn check_coop_slug(s: &str) -> Result<String, Msg> {
    let t = s.trim();
    let n = t.chars().count();
    if !(3..=40).contains(&n) {
        return Err(Msg::new(
            format!("Alamat toko harus 3–40 karakter; yang diisi {n}"),
            format!("The storefront address needs 3–40 characters; {n} were given"),
        ));
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || t.starts_with('-')
        || t.ends_with('-')
    {
        return Err(Msg::new(
            "Alamat toko hanya boleh huruf kecil a-z, angka dan tanda '-' (tidak di awal atau akhir)",
            "The storefront address may use only lower-case a-z, digits and '-' (not first or last)",
        ));
    }
    Ok(t.to_string())
}

/// Binds every value of `vals`, in order, to the query `q`.
macro_rules! bind_vals {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals.iter() {
            q = match v {
                Val::Uuid(x) => q.bind(*x),
                Val::OptUuid(x) => q.bind(*x),
                Val::Int(x) => q.bind(*x),
                Val::Text(x) => q.bind(x.clone()),
                Val::OptText(x) => q.bind(x.clone()),
                Val::Date(x) => q.bind(*x),
                Val::OptDate(x) => q.bind(*x),
                Val::Time(x) => q.bind(*x),
            };
        }
        q
    }};
}

/// Runs one write statement with `vals` in `tx`; returns the rows it changed.
async fn exec_tx(tx: &mut Tx<'_>, sql: &str, vals: &[Val]) -> StoreResult<u64> {
    Ok(
        on_tx!(&mut *tx, c => bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())), vals)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?,
    )
}

/// The same statement for every chunk of `ids`: `head` ends with `IN (`, `$1` is the coop.
async fn exec_in_tx(tx: &mut Tx<'_>, head: &str, k: KoperasiId, ids: &[Uuid]) -> StoreResult<u64> {
    let mut n = 0;
    for chunk in ids.chunks(200) {
        let sql = in_list_sql(head, chunk.len());
        let mut vals = vec![Val::Uuid(k.0)];
        vals.extend(chunk.iter().map(|u| Val::Uuid(*u)));
        n += exec_tx(tx, &sql, &vals).await?;
    }
    Ok(n)
}

/// Multi-row insert of `rows` (each `cols` values) in `tx`, as few statements as the engine
/// allows.
async fn insert_rows(
    tx: &mut Tx<'_>,
    head: &str,
    cols: usize,
    rows: &[Vec<Val>],
) -> StoreResult<()> {
    let per = rows_per_statement(tx.engine(), cols);
    for chunk in rows.chunks(per) {
        let sql = values_sql(head, chunk.len(), cols);
        let vals: Vec<Val> = chunk.iter().flatten().cloned().collect();
        exec_tx(tx, &sql, &vals).await?;
    }
    Ok(())
}

/// Same as [`insert_rows`] on a pool (the bulk fill).
async fn insert_rows_db(db: &Db, head: &str, cols: usize, rows: &[Vec<Val>]) -> StoreResult<()> {
    let per = rows_per_statement(db.engine(), cols);
    for chunk in rows.chunks(per) {
        let sql = values_sql(head, chunk.len(), cols);
        let vals: Vec<Val> = chunk.iter().flatten().cloned().collect();
        on_db!(db, p => bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), vals)
            .execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

fn today() -> Date {
    now().date()
}

// ---------------------------------------------------------------------------------------------
// Market settings

/// A coop's market settings as typed.
#[derive(Debug, Clone)]
pub struct MarketSettingsInput {
    /// Its listed products show on the public marketplace.
    pub opt_in: bool,
    /// The storefront URL part: `/pasar/k/{slug}`.
    pub slug: String,
    /// The default consignment commission of new sellers.
    pub commission: BasisPoints,
    /// Runs a Tomiko wholesale catalogue (secondary coops only).
    pub runs_tomiko: bool,
    pub pickup_address: Option<String>,
}

/// A coop's market settings as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MarketSettings {
    #[sqlx(skip)]
    pub koperasi_id: Option<KoperasiId>,
    pub opt_in: bool,
    pub slug: String,
    pub commission_bp: i64,
    pub runs_tomiko: bool,
    pub pickup_address: Option<String>,
    pub updated_at: OffsetDateTime,
}

const SETTINGS_COLS: &str = "opt_in, slug, commission_bp, runs_tomiko, pickup_address, updated_at";

async fn settings_tx(tx: &mut Tx<'_>, k: KoperasiId) -> StoreResult<Option<MarketSettings>> {
    let sql = format!("SELECT {SETTINGS_COLS} FROM market_settings WHERE koperasi_id = $1");
    let row: Option<MarketSettings> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(k.0).fetch_optional(&mut **c).await)?;
    Ok(row.map(|mut s| {
        s.koperasi_id = Some(k);
        s
    }))
}

#[derive(sqlx::FromRow)]
struct CoopRow {
    tier: String,
    is_pesantren: bool,
}

async fn coop_tx(tx: &mut Tx<'_>, k: KoperasiId) -> StoreResult<CoopRow> {
    let row: Option<CoopRow> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT tier, is_pesantren FROM koperasi WHERE id = $1")
        .bind(k.0).fetch_optional(&mut **c).await)?;
    row.ok_or(StoreError::NotFound)
}

impl Tenant<'_> {
    /// The coop's market settings; `None` until they are first saved (the coop is then not
    /// on the marketplace).
    pub async fn market_settings(&self) -> StoreResult<Option<MarketSettings>> {
        let sql = format!("SELECT {SETTINGS_COLS} FROM market_settings WHERE koperasi_id = $1");
        let row: Option<MarketSettings> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).fetch_optional(p).await)?;
        Ok(row.map(|mut s| {
            s.koperasi_id = Some(self.koperasi_id);
            s
        }))
    }

    /// Saves the coop's market settings. The slug is unique across coops (`Conflict`); only a
    /// secondary coop may run Tomiko. Opting in or out re-computes `listed` of all the coop's
    /// products in the same transaction.
    pub async fn set_market_settings(
        &self,
        actor: &Actor,
        input: &MarketSettingsInput,
    ) -> StoreResult<MarketSettings> {
        let k = self.koperasi_id;
        let mut errors = vec![];
        let slug = match check_coop_slug(&input.slug) {
            Ok(s) => s,
            Err(m) => {
                errors.push(fe("slug", m));
                String::new()
            }
        };
        if input.commission.0 > 10_000 {
            errors.push(fe(
                "commission",
                Msg::new(
                    "Komisi paling besar 100%",
                    "The commission may be at most 100%",
                ),
            ));
        }
        let pickup = input
            .pickup_address
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if pickup.as_ref().is_some_and(|p| p.chars().count() > 300) {
            errors.push(fe(
                "pickup_address",
                Msg::new(
                    "Alamat pengambilan paling panjang 300 karakter",
                    "The pickup address may be at most 300 characters",
                ),
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let coop = coop_tx(&mut tx, k).await?;
        if input.runs_tomiko && coop.tier != CoopTier::Secondary.as_str() {
            errors.push(fe(
                "runs_tomiko",
                Msg::new(
                    "Hanya koperasi sekunder yang dapat menjalankan Tomiko",
                    "Only a secondary coop can run Tomiko",
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let taken: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT koperasi_id FROM market_settings WHERE slug = $1 AND koperasi_id <> $2")
            .bind(&slug).bind(k.0).fetch_optional(&mut **c).await)?;
        let slug_taken = || {
            conflict(
                format!("Alamat toko '{slug}' sudah dipakai koperasi lain"),
                format!("The storefront address '{slug}' is taken by another coop"),
            )
        };
        if taken.is_some() {
            return Err(slug_taken());
        }
        let before = settings_tx(&mut tx, k).await?;
        let t = now();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
             ON CONFLICT (koperasi_id) DO UPDATE SET opt_in = excluded.opt_in, slug = excluded.slug,
                commission_bp = excluded.commission_bp, runs_tomiko = excluded.runs_tomiko,
                pickup_address = excluded.pickup_address, updated_at = excluded.updated_at")
            .bind(k.0).bind(input.opt_in).bind(&slug).bind(i64::from(input.commission.0))
            .bind(input.runs_tomiko).bind(pickup.clone()).bind(t)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| unique_as(e.into(), slug_taken))?;
        if before.as_ref().map(|b| b.opt_in) != Some(input.opt_in) {
            let ids: Vec<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
                "SELECT id FROM market_product WHERE koperasi_id = $1")
                .bind(k.0).fetch_all(&mut **c).await)?;
            refresh_listing(&mut tx, k, &ids).await?;
        }
        let b = before.as_ref();
        audit::record(
            &mut tx,
            k,
            actor,
            "market_settings",
            &k.to_string(),
            if b.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            &diff([
                (
                    "opt_in",
                    b.map(|s| s.opt_in.to_string()),
                    Some(input.opt_in.to_string()),
                ),
                ("slug", b.map(|s| s.slug.clone()), Some(slug.clone())),
                (
                    "commission_bp",
                    b.map(|s| s.commission_bp.to_string()),
                    Some(input.commission.0.to_string()),
                ),
                (
                    "runs_tomiko",
                    b.map(|s| s.runs_tomiko.to_string()),
                    Some(input.runs_tomiko.to_string()),
                ),
                (
                    "pickup_address",
                    b.and_then(|s| s.pickup_address.clone()),
                    pickup.clone(),
                ),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.market_settings().await?.ok_or(StoreError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------------
// Sellers

/// What kind of business a seller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SellerKind {
    /// A (member's) UMKM/IKM business.
    Umkm,
    /// The coop's own store unit.
    UnitKoperasi,
    /// A pesantren business unit selling through its koperasi pondok pesantren.
    Pesantren,
}

impl SellerKind {
    pub const ALL: [SellerKind; 3] = [
        SellerKind::Umkm,
        SellerKind::UnitKoperasi,
        SellerKind::Pesantren,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SellerKind::Umkm => "umkm",
            SellerKind::UnitKoperasi => "unit_koperasi",
            SellerKind::Pesantren => "pesantren",
        }
    }

    pub fn parse(s: &str) -> Option<SellerKind> {
        SellerKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// A seller as typed.
#[derive(Debug, Clone)]
pub struct SellerInput {
    pub kind: SellerKind,
    pub name: String,
    pub owner_name: String,
    /// The owner, when a member of this coop (consignment sales then earn patronage).
    pub member_id: Option<MemberId>,
    /// The account that manages this seller.
    pub user_id: Option<UserId>,
    pub nib: Option<String>,
    pub address: String,
    /// Dotted, regency level or below.
    pub region_code: String,
    /// Core `Category` code.
    pub category: String,
    pub phone: Option<String>,
    pub description: String,
    pub consignment: bool,
    /// `None`: the coop's default commission.
    pub commission: Option<BasisPoints>,
}

/// A seller as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Seller {
    pub koperasi_id: KoperasiId,
    pub id: SellerId,
    pub kind: SellerKind,
    pub name: String,
    pub slug: String,
    pub owner_name: String,
    pub member_id: Option<MemberId>,
    pub user_id: Option<UserId>,
    pub nib: Option<String>,
    pub address: String,
    pub region_code: String,
    pub regency_code: String,
    pub category: Category,
    pub phone: Option<String>,
    pub description: String,
    pub consignment: bool,
    pub commission_bp: i64,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SellerRow {
    koperasi_id: Uuid,
    id: Uuid,
    kind: String,
    name: String,
    slug: String,
    owner_name: String,
    member_id: Option<Uuid>,
    user_id: Option<Uuid>,
    nib: Option<String>,
    address: String,
    region_code: String,
    regency_code: String,
    category: String,
    phone: Option<String>,
    description: String,
    consignment: bool,
    commission_bp: i64,
    active: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const SELLER_COLS: &str = "koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address, region_code,
    regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at";

impl SellerRow {
    fn into_seller(self) -> StoreResult<Seller> {
        Ok(Seller {
            koperasi_id: KoperasiId(self.koperasi_id),
            id: SellerId(self.id),
            kind: SellerKind::parse(&self.kind)
                .ok_or_else(|| corrupt_code("seller kind", &self.kind))?,
            name: self.name,
            slug: self.slug,
            owner_name: self.owner_name,
            member_id: self.member_id.map(MemberId),
            user_id: self.user_id.map(UserId),
            nib: self.nib,
            address: self.address,
            region_code: self.region_code,
            regency_code: self.regency_code,
            category: Category::parse(&self.category)
                .ok_or_else(|| corrupt_code("category", &self.category))?,
            phone: self.phone,
            description: self.description,
            consignment: self.consignment,
            commission_bp: self.commission_bp,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A seller input checked by the core's rules.
struct ValidSeller {
    name: String,
    owner_name: String,
    nib: Option<String>,
    address: String,
    region: String,
    regency: String,
    category: Category,
    phone: Option<String>,
    description: String,
}

fn trimmed_len(
    field: &str,
    s: &str,
    min: usize,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let t = s.trim().to_string();
    let n = t.chars().count();
    if n < min {
        errors.push(fe(
            field,
            if n == 0 {
                Msg::new("Wajib diisi", "Required")
            } else {
                Msg::new(
                    format!("Paling sedikit {min} karakter"),
                    format!("At least {min} characters"),
                )
            },
        ));
    } else if n > max {
        errors.push(fe(
            field,
            Msg::new(
                format!("Paling banyak {max} karakter"),
                format!("At most {max} characters"),
            ),
        ));
    }
    t
}

fn validate_seller(s: &SellerInput, errors: &mut Vec<FieldError>) -> ValidSeller {
    let name = trimmed_len("name", &s.name, 3, 80, errors);
    let owner_name = trimmed_len("owner_name", &s.owner_name, 1, 100, errors);
    let address = trimmed_len("address", &s.address, 1, 300, errors);
    let nib = match s.nib.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => match Nib::parse(n) {
            Ok(n) => Some(n.as_str().to_string()),
            Err(e) => {
                errors.push(fe("nib", e.msg()));
                None
            }
        },
    };
    let (region, regency) = match RegionCode::parse(&s.region_code) {
        Ok(r) => match r.regency() {
            Some(g) => (r.as_str().to_string(), g.as_str().to_string()),
            None => {
                errors.push(fe(
                    "region_code",
                    Msg::new(
                        "Pilih wilayah sampai kabupaten/kota atau lebih rinci",
                        "Choose a region down to the regency or city, or finer",
                    ),
                ));
                (String::new(), String::new())
            }
        },
        Err(e) => {
            errors.push(fe("region_code", e.msg()));
            (String::new(), String::new())
        }
    };
    let category = Category::parse(&s.category).unwrap_or_else(|| {
        errors.push(fe(
            "category",
            Msg::new(
                "Pilih kategori dari daftar",
                "Choose a category from the list",
            ),
        ));
        Category::MakananMinuman
    });
    let phone = match s.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p.as_str().trim_start_matches('+').to_string()),
            Err(e) => {
                errors.push(fe("phone", e.msg()));
                None
            }
        },
    };
    let description = match Description::parse(&s.description) {
        Ok(d) => d.as_str().to_string(),
        Err(e) => {
            errors.push(fe("description", e.msg()));
            String::new()
        }
    };
    if s.commission.is_some_and(|c| c.0 > 10_000) {
        errors.push(fe(
            "commission",
            Msg::new(
                "Komisi paling besar 100%",
                "The commission may be at most 100%",
            ),
        ));
    }
    ValidSeller {
        name,
        owner_name,
        nib,
        address,
        region,
        regency,
        category,
        phone,
        description,
    }
}

/// A free slug in `table` (`slug` unique across the table, or per coop when `k` is given):
/// `base`, then `base-2`, `base-3`…
async fn free_slug(
    tx: &mut Tx<'_>,
    table: &str,
    k: Option<KoperasiId>,
    base: &str,
) -> StoreResult<String> {
    let like = format!("{base}%");
    let sql = match k {
        Some(_) => format!("SELECT slug FROM {table} WHERE koperasi_id = $2 AND slug LIKE $1"),
        None => format!("SELECT slug FROM {table} WHERE slug LIKE $1"),
    };
    let taken: Vec<String> = on_tx!(&mut *tx, c => {
        let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(like.clone());
        let q = match k { Some(k) => q.bind(k.0), None => q };
        q.fetch_all(&mut **c).await
    })?;
    let taken: HashSet<String> = taken.into_iter().collect();
    if !taken.contains(base) {
        return Ok(base.to_string());
    }
    let mut n = 2;
    loop {
        let s = format!("{base}-{n}");
        if !taken.contains(&s) {
            return Ok(s);
        }
        n += 1;
    }
}

async fn seller_tx(tx: &mut Tx<'_>, k: KoperasiId, id: SellerId) -> StoreResult<Seller> {
    let sql = format!("SELECT {SELLER_COLS} FROM market_seller WHERE koperasi_id = $1 AND id = $2");
    let row: Option<SellerRow> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(k.0).bind(id.0).fetch_optional(&mut **c).await)?;
    row.ok_or(StoreError::NotFound)?.into_seller()
}

impl Tenant<'_> {
    /// Checks what only the database knows about a seller: the member belongs to this coop,
    /// the user account exists.
    async fn check_seller_refs(
        &self,
        tx: &mut Tx<'_>,
        s: &SellerInput,
        errors: &mut Vec<FieldError>,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        if let Some(m) = s.member_id {
            let found: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM member WHERE koperasi_id = $1 AND id = $2")
                .bind(k.0).bind(m.0).fetch_optional(&mut **c).await)?;
            if found.is_none() {
                errors.push(fe(
                    "member_id",
                    Msg::new(
                        "Anggota tidak ditemukan di koperasi ini",
                        "Member not found in this coop",
                    ),
                ));
            }
        }
        if let Some(u) = s.user_id {
            let found: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM app_user WHERE id = $1")
                .bind(u.0).fetch_optional(&mut **c).await)?;
            if found.is_none() {
                errors.push(fe(
                    "user_id",
                    Msg::new("Akun pengguna tidak ditemukan", "User account not found"),
                ));
            }
        }
        Ok(())
    }

    /// Adds a seller. Its slug comes from the name and is unique across the marketplace
    /// (`-2`, `-3`… appended); its commission defaults to the coop's.
    pub async fn create_seller(&self, actor: &Actor, s: &SellerInput) -> StoreResult<Seller> {
        let k = self.koperasi_id;
        let mut errors = vec![];
        let v = validate_seller(s, &mut errors);
        let mut tx = self.db.begin_write().await?;
        self.check_seller_refs(&mut tx, s, &mut errors).await?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let default_bp = settings_tx(&mut tx, k)
            .await?
            .map(|x| x.commission_bp)
            .unwrap_or(0);
        let commission = s.commission.map(|c| i64::from(c.0)).unwrap_or(default_bp);
        let slug = free_slug(&mut tx, "market_seller", None, &slugify(&v.name)).await?;
        let id = SellerId::new();
        let t = now();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
                region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, TRUE, $18, $18)")
            .bind(k.0).bind(id.0).bind(s.kind.as_str()).bind(&v.name).bind(&slug).bind(&v.owner_name)
            .bind(s.member_id.map(|m| m.0)).bind(s.user_id.map(|u| u.0)).bind(v.nib.clone()).bind(&v.address)
            .bind(&v.region).bind(&v.regency).bind(v.category.as_str()).bind(v.phone.clone())
            .bind(&v.description).bind(s.consignment).bind(commission).bind(t)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| {
            unique_as(e.into(), || {
                conflict(
                    "Alamat toko penjual baru saja dipakai; coba lagi",
                    "The seller's address was just taken; try again",
                )
            })
        })?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_seller",
            &id.to_string(),
            Action::Create,
            &diff([
                ("name", None, Some(v.name.clone())),
                ("kind", None, Some(s.kind.as_str().to_string())),
                ("slug", None, Some(slug.clone())),
                ("commission_bp", None, Some(commission.to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.seller(id).await
    }

    /// Changes a seller's details (its slug stays, so shared links keep working). A change of
    /// name re-writes the search keys of its listed products.
    pub async fn update_seller(
        &self,
        actor: &Actor,
        id: SellerId,
        s: &SellerInput,
    ) -> StoreResult<Seller> {
        let k = self.koperasi_id;
        let mut errors = vec![];
        let v = validate_seller(s, &mut errors);
        let mut tx = self.db.begin_write().await?;
        let before = seller_tx(&mut tx, k, id).await?;
        self.check_seller_refs(&mut tx, s, &mut errors).await?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let commission = s
            .commission
            .map(|c| i64::from(c.0))
            .unwrap_or(before.commission_bp);
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_seller SET kind = $3, name = $4, owner_name = $5, member_id = $6, user_id = $7, nib = $8,
                address = $9, region_code = $10, regency_code = $11, category = $12, phone = $13, description = $14,
                consignment = $15, commission_bp = $16, updated_at = $17
             WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).bind(s.kind.as_str()).bind(&v.name).bind(&v.owner_name)
            .bind(s.member_id.map(|m| m.0)).bind(s.user_id.map(|u| u.0)).bind(v.nib.clone()).bind(&v.address)
            .bind(&v.region).bind(&v.regency).bind(v.category.as_str()).bind(v.phone.clone())
            .bind(&v.description).bind(s.consignment).bind(commission).bind(now())
            .execute(&mut **c).await.map(|_| ()))?;
        if before.name != v.name || before.regency_code != v.regency {
            // The seller's name is in its products' search keys, its regency in their rows.
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE market_product SET regency_code = $3 WHERE koperasi_id = $1 AND seller_id = $2")
                .bind(k.0).bind(id.0).bind(&v.regency).execute(&mut **c).await.map(|_| ()))?;
            let ids = product_ids_of_seller(&mut tx, k, id).await?;
            refresh_listing(&mut tx, k, &ids).await?;
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "market_seller",
            &id.to_string(),
            Action::Update,
            &diff([
                ("name", Some(before.name.clone()), Some(v.name.clone())),
                (
                    "kind",
                    Some(before.kind.as_str().to_string()),
                    Some(s.kind.as_str().to_string()),
                ),
                ("nib", before.nib.clone(), v.nib.clone()),
                (
                    "region_code",
                    Some(before.region_code.clone()),
                    Some(v.region.clone()),
                ),
                (
                    "consignment",
                    Some(before.consignment.to_string()),
                    Some(s.consignment.to_string()),
                ),
                (
                    "commission_bp",
                    Some(before.commission_bp.to_string()),
                    Some(commission.to_string()),
                ),
                (
                    "member_id",
                    before.member_id.map(|m| m.to_string()),
                    s.member_id.map(|m| m.to_string()),
                ),
                (
                    "user_id",
                    before.user_id.map(|m| m.to_string()),
                    s.user_id.map(|m| m.to_string()),
                ),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.seller(id).await
    }

    /// Deactivates (`active = false`) or re-activates a seller; its products leave or re-join
    /// the public list in the same transaction.
    pub async fn set_seller_active(
        &self,
        actor: &Actor,
        id: SellerId,
        active: bool,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_seller SET active = $3, updated_at = $4 WHERE koperasi_id = $1 AND id = $2 AND active <> $3")
            .bind(k.0).bind(id.0).bind(active).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            // Missing, or already so: tell which.
            seller_tx(&mut tx, k, id).await?;
            return Ok(());
        }
        let ids = product_ids_of_seller(&mut tx, k, id).await?;
        refresh_listing(&mut tx, k, &ids).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_seller",
            &id.to_string(),
            Action::Update,
            &diff([(
                "active",
                Some((!active).to_string()),
                Some(active.to_string()),
            )]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates a seller: its products are unlisted.
    pub async fn deactivate_seller(&self, actor: &Actor, id: SellerId) -> StoreResult<()> {
        self.set_seller_active(actor, id, false).await
    }

    pub async fn seller(&self, id: SellerId) -> StoreResult<Seller> {
        let sql =
            format!("SELECT {SELLER_COLS} FROM market_seller WHERE koperasi_id = $1 AND id = $2");
        let row: Option<SellerRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_seller()
    }

    /// The coop's sellers, by name; inactive ones too when `include_inactive`.
    pub async fn sellers(&self, include_inactive: bool) -> StoreResult<Vec<Seller>> {
        let sql = format!(
            "SELECT {SELLER_COLS} FROM market_seller WHERE koperasi_id = $1 AND (active = TRUE OR $2) ORDER BY name, id"
        );
        let rows: Vec<SellerRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(include_inactive).fetch_all(p).await)?;
        rows.into_iter().map(SellerRow::into_seller).collect()
    }
}

async fn product_ids_of_seller(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    s: SellerId,
) -> StoreResult<Vec<Uuid>> {
    Ok(on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT id FROM market_product WHERE koperasi_id = $1 AND seller_id = $2")
        .bind(k.0).bind(s.0).fetch_all(&mut **c).await)?)
}

impl Store {
    /// The sellers a user manages (in any coop), for the web layer's permission checks.
    pub async fn sellers_of_user(&self, user: UserId) -> StoreResult<Vec<Seller>> {
        let sql =
            format!("SELECT {SELLER_COLS} FROM market_seller WHERE user_id = $1 ORDER BY name, id");
        let rows: Vec<SellerRow> = on_db!(self.db(), p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(user.0).fetch_all(p).await)?;
        rows.into_iter().map(SellerRow::into_seller).collect()
    }

    /// An active seller's public page, by its slug.
    pub async fn seller_by_slug(&self, slug: &str) -> StoreResult<Seller> {
        let sql =
            format!("SELECT {SELLER_COLS} FROM market_seller WHERE slug = $1 AND active = TRUE");
        let row: Option<SellerRow> = on_db!(self.db(), p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(slug).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_seller()
    }
}

// ---------------------------------------------------------------------------------------------
// Brands

/// A communal brand several pesantren list one product line under.
#[derive(Debug, Clone, Serialize)]
pub struct Brand {
    pub id: BrandId,
    pub koperasi_id: KoperasiId,
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl Tenant<'_> {
    /// Makes a communal brand kept by this coop; its slug is unique across the marketplace.
    pub async fn create_brand(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
    ) -> StoreResult<Brand> {
        let k = self.koperasi_id;
        let mut errors = vec![];
        let name = trimmed_len("name", name, 3, 80, &mut errors);
        let description = match Description::parse(description) {
            Ok(d) => d.as_str().to_string(),
            Err(e) => {
                errors.push(fe("description", e.msg()));
                String::new()
            }
        };
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.db.begin_write().await?;
        let slug = free_slug(&mut tx, "market_brand", None, &slugify(&name)).await?;
        let id = BrandId::new();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_brand (id, koperasi_id, slug, name, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.0).bind(k.0).bind(&slug).bind(&name).bind(&description).bind(now())
            .execute(&mut **c).await.map(|_| ()))?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_brand",
            &id.to_string(),
            Action::Create,
            &diff([
                ("name", None, Some(name.clone())),
                ("slug", None, Some(slug.clone())),
            ]),
        )
        .await?;
        tx.commit().await?;
        Ok(Brand {
            id,
            koperasi_id: k,
            slug,
            name,
            description,
        })
    }
}

#[derive(sqlx::FromRow)]
struct BrandRow {
    id: Uuid,
    koperasi_id: Uuid,
    slug: String,
    name: String,
    description: String,
}

impl From<BrandRow> for Brand {
    fn from(r: BrandRow) -> Brand {
        Brand {
            id: BrandId(r.id),
            koperasi_id: KoperasiId(r.koperasi_id),
            slug: r.slug,
            name: r.name,
            description: r.description,
        }
    }
}

/// The most brands offered in a product form's list.
const MAX_BRANDS_LISTED: i64 = 500;

impl Store {
    /// A communal brand by its public slug (its page is public; the brand row holds nothing
    /// private).
    pub async fn brand_by_slug(&self, slug: &str) -> StoreResult<Brand> {
        let row: Option<BrandRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, koperasi_id, slug, name, description FROM market_brand WHERE slug = $1")
            .bind(slug.trim()).fetch_optional(p).await)?;
        row.map(Brand::from).ok_or(StoreError::NotFound)
    }

    /// The communal brands a seller may list a product under, by name: any coop's brand,
    /// since a brand is shared across pesantren of different coops by design.
    pub async fn brands(&self) -> StoreResult<Vec<Brand>> {
        let rows: Vec<BrandRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, koperasi_id, slug, name, description FROM market_brand ORDER BY name, id LIMIT $1")
            .bind(MAX_BRANDS_LISTED).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Brand::from).collect())
    }
}

impl Tenant<'_> {
    /// The brands this coop keeps (it wrote their pages), by name.
    pub async fn own_brands(&self) -> StoreResult<Vec<Brand>> {
        let rows: Vec<BrandRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, koperasi_id, slug, name, description FROM market_brand
             WHERE koperasi_id = $1 ORDER BY name, id")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Brand::from).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Products: input and validation

/// One variant as typed. `id` is set when editing an existing variant (its orders keep
/// pointing at it); a variant left out of an edit is deactivated, never deleted.
#[derive(Debug, Clone)]
pub struct VariantInput {
    pub id: Option<VariantId>,
    pub label: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: i64,
    pub member_price: Option<i64>,
    /// Core `parse_tiers` text: one `qty=price` per line; empty for none.
    pub tiers: String,
    /// Unit cost of the coop's own goods (0 for consignment).
    pub cost: i64,
    pub weight_g: i64,
    /// The stock of a new variant. Editing a product never changes an existing variant's
    /// stock (checkouts take from it meanwhile): use [`Tenant::set_stock`] or
    /// [`Tenant::adjust_stock`].
    pub stock: i64,
    pub active: bool,
}

/// One legality document as typed.
#[derive(Debug, Clone)]
pub struct DocInput {
    /// Core `DocKind` code.
    pub kind: String,
    pub number: String,
    pub expires_on: Option<Date>,
    /// The uploaded scan (a `dokumen` file of this product), if any.
    pub file_id: Option<MarketFileId>,
}

/// A product as typed.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub name: String,
    /// Core `Category` code.
    pub category: String,
    /// The seller's text, stored as typed (trimmed); rendered by the core's safe formatter.
    pub description: String,
    pub faces: ListingScope,
    pub brand: Option<BrandId>,
    /// Tomiko only: shown to admitted coops, never to the public. A product listed only on
    /// the Tomiko face is wholesale-only whatever this says.
    pub wholesale_only: bool,
    pub variants: Vec<VariantInput>,
    pub docs: Vec<DocInput>,
}

struct ValidVariant {
    id: Option<VariantId>,
    label: String,
    sku: Option<String>,
    barcode: Option<String>,
    price: i64,
    member_price: Option<i64>,
    tiers: String,
    cost: i64,
    weight_g: i64,
    stock: i64,
    active: bool,
}

struct ValidDoc {
    kind: DocKind,
    number: String,
    expires_on: Option<Date>,
    file_id: Option<Uuid>,
}

/// What a curator vouched for: name, category and the legality documents (sorted).
type CuratedFields = (String, Category, Vec<(DocKind, String, Option<Date>)>);

struct ValidProduct {
    name: String,
    category: Category,
    description: String,
    faces: ListingScope,
    wholesale_only: bool,
    variants: Vec<ValidVariant>,
    docs: Vec<ValidDoc>,
}

impl ValidProduct {
    /// The lowest price of the active variants (of all when none is active).
    fn min_price(&self) -> i64 {
        let active = self
            .variants
            .iter()
            .filter(|v| v.active)
            .map(|v| v.price)
            .min();
        active
            .or_else(|| self.variants.iter().map(|v| v.price).min())
            .unwrap_or(0)
    }

    /// Has a halal certificate that is usable on `day`.
    fn is_halal(&self, day: Date) -> bool {
        self.docs
            .iter()
            .any(|d| d.kind == DocKind::Halal && cert_status(d.expires_on, day).is_usable())
    }

    /// The curated fields: a change to one of these sends an approved product back to review.
    fn curated(&self) -> CuratedFields {
        let mut docs: Vec<_> = self
            .docs
            .iter()
            .map(|d| (d.kind, d.number.clone(), d.expires_on))
            .collect();
        docs.sort_by(|a, b| (a.0.as_str(), &a.1, a.2).cmp(&(b.0.as_str(), &b.1, b.2)));
        (self.name.clone(), self.category, docs)
    }
}

fn cat_err(errors: &mut Vec<FieldError>, field: String, e: CatalogError) {
    errors.push(fe(field, e.msg()));
}

/// Checks every field of `p` with the core's rules; every error is collected.
fn validate_product(p: &ProductInput, day: Date, errors: &mut Vec<FieldError>) -> ValidProduct {
    let name = match ProductName::parse(&p.name) {
        Ok(n) => n.as_str().to_string(),
        Err(e) => {
            cat_err(errors, "name".into(), e);
            String::new()
        }
    };
    let category = Category::parse(&p.category).unwrap_or_else(|| {
        errors.push(fe(
            "category",
            Msg::new(
                "Pilih kategori dari daftar",
                "Choose a category from the list",
            ),
        ));
        Category::MakananMinuman
    });
    let description = match Description::parse(&p.description) {
        Ok(d) => d.as_str().to_string(),
        Err(e) => {
            cat_err(errors, "description".into(), e);
            String::new()
        }
    };
    if p.faces.is_empty() {
        errors.push(fe(
            "faces",
            Msg::new(
                "Pilih paling sedikit satu etalase",
                "Choose at least one storefront",
            ),
        ));
    }
    let tomiko_only = p.faces == ListingScope::of(&[Face::Tomiko]);
    if p.wholesale_only && !p.faces.contains(Face::Tomiko) {
        errors.push(fe(
            "wholesale_only",
            Msg::new(
                "Produk khusus grosir harus dipajang di etalase Tomiko",
                "A wholesale-only product must be listed on the Tomiko storefront",
            ),
        ));
    }
    if p.variants.is_empty() {
        errors.push(fe(
            "variants",
            Msg::new(
                "Isi paling sedikit satu varian (harga dan stok)",
                "Enter at least one variant (price and stock)",
            ),
        ));
    }
    if p.variants.len() > MAX_VARIANTS {
        errors.push(fe(
            "variants",
            Msg::new(
                format!(
                    "Paling banyak {MAX_VARIANTS} varian; yang diisi {}",
                    p.variants.len()
                ),
                format!(
                    "At most {MAX_VARIANTS} variants; {} were given",
                    p.variants.len()
                ),
            ),
        ));
    }
    let mut variants = Vec::with_capacity(p.variants.len());
    let mut skus: HashSet<String> = HashSet::new();
    let mut ids: HashSet<VariantId> = HashSet::new();
    for (i, v) in p.variants.iter().enumerate() {
        let f = |name: &str| format!("variants[{i}].{name}");
        let label = trimmed_len(&f("label"), &v.label, 0, 60, errors);
        if label.is_empty() && p.variants.len() > 1 {
            errors.push(fe(
                f("label"),
                Msg::new(
                    "Beri nama setiap varian (mis. ukuran atau warna)",
                    "Name every variant (e.g. size or colour)",
                ),
            ));
        }
        if let Some(id) = v.id
            && !ids.insert(id)
        {
            errors.push(fe(
                f("id"),
                Msg::new("Varian ini terulang", "This variant is repeated"),
            ));
        }
        let sku = match v.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match Sku::parse(s) {
                Ok(s) => {
                    if !skus.insert(s.key()) {
                        errors.push(fe(
                            f("sku"),
                            Msg::new(
                                "SKU ini dipakai dua kali di produk ini",
                                "This SKU is used twice in this product",
                            ),
                        ));
                    }
                    Some(s.as_str().to_string())
                }
                Err(e) => {
                    cat_err(errors, f("sku"), e);
                    None
                }
            },
        };
        let barcode = match v
            .barcode
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(b) => match Barcode::parse(b) {
                Ok(b) => Some(b.as_str().to_string()),
                Err(e) => {
                    cat_err(errors, f("barcode"), e);
                    None
                }
            },
        };
        let price = match check_price(Rupiah(v.price)) {
            Ok(p) => Some(p),
            Err(e) => {
                cat_err(errors, f("price"), e);
                None
            }
        };
        let member_price = match price {
            Some(pr) => match check_member_price(v.member_price.map(Rupiah), pr) {
                Ok(m) => m.map(|m| m.0),
                Err(e) => {
                    cat_err(errors, f("member_price"), e);
                    None
                }
            },
            None => None,
        };
        let tiers = match parse_tiers(&v.tiers) {
            Ok(t) => {
                if let Some(pr) = price
                    && let Err(e) = t.check_below(pr)
                {
                    cat_err(errors, f("tiers"), e);
                }
                t
            }
            Err(e) => {
                cat_err(errors, f("tiers"), e);
                WholesaleTiers::empty()
            }
        };
        if v.cost < 0 || v.cost > guyub_core::market::catalog::MAX_PRICE.0 {
            errors.push(fe(
                f("cost"),
                Msg::new(
                    "Harga pokok tidak boleh negatif atau melebihi Rp 1.000.000.000",
                    "The unit cost may not be negative or above Rp 1,000,000,000",
                ),
            ));
        }
        let weight = match u32::try_from(v.weight_g) {
            Ok(g) => match Weight::from_grams(g) {
                Ok(w) => i64::from(w.grams()),
                Err(e) => {
                    cat_err(errors, f("weight_g"), e);
                    0
                }
            },
            Err(_) if v.weight_g < 0 => {
                cat_err(errors, f("weight_g"), CatalogError::WeightNegative);
                0
            }
            Err(_) => {
                cat_err(errors, f("weight_g"), CatalogError::WeightTooHeavy);
                0
            }
        };
        if v.stock < 0 {
            cat_err(errors, f("stock"), CatalogError::StockNegative);
        } else if u32::try_from(v.stock).is_err() {
            cat_err(errors, f("stock"), CatalogError::StockTooLarge);
        }
        variants.push(ValidVariant {
            id: v.id,
            label,
            sku,
            barcode,
            price: price.map(|p| p.0).unwrap_or(0),
            member_price,
            tiers: tiers.to_text(),
            cost: v.cost,
            weight_g: weight,
            stock: v.stock.max(0),
            active: v.active,
        });
    }
    if p.docs.len() > MAX_DOCS {
        errors.push(fe(
            "docs",
            Msg::new(
                format!("Paling banyak {MAX_DOCS} dokumen legalitas"),
                format!("At most {MAX_DOCS} legality documents"),
            ),
        ));
    }
    let mut docs = vec![];
    for (i, d) in p.docs.iter().enumerate() {
        let f = |name: &str| format!("docs[{i}].{name}");
        let Some(kind) = DocKind::parse(&d.kind) else {
            errors.push(fe(
                f("kind"),
                Msg::new(
                    "Pilih jenis dokumen dari daftar",
                    "Choose a document kind from the list",
                ),
            ));
            continue;
        };
        let number = match check_number(kind, &d.number) {
            Ok(n) => n,
            Err(e) => {
                errors.push(fe(f("number"), e.msg()));
                String::new()
            }
        };
        if let Err(e) = validate_expiry(kind, d.expires_on, day) {
            errors.push(fe(f("expires_on"), e.msg()));
        }
        docs.push(ValidDoc {
            kind,
            number,
            expires_on: d.expires_on,
            file_id: d.file_id.map(|x| x.0),
        });
    }
    ValidProduct {
        name,
        category,
        description,
        faces: p.faces,
        wholesale_only: p.wholesale_only || tomiko_only,
        variants,
        docs,
    }
}

// ---------------------------------------------------------------------------------------------
// Products: read shapes

/// A variant as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub id: VariantId,
    pub position: i64,
    pub label: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: i64,
    pub member_price: Option<i64>,
    /// Core `WholesaleTiers::to_text` (read it back with `parse_tiers`).
    pub wholesale_tiers: String,
    pub cost: i64,
    pub weight_g: i64,
    pub stock: i64,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct VariantRow {
    id: Uuid,
    position: i64,
    label: String,
    sku: Option<String>,
    barcode: Option<String>,
    price: i64,
    member_price: Option<i64>,
    wholesale_tiers: String,
    cost: i64,
    weight_g: i64,
    stock: i64,
    active: bool,
}

impl VariantRow {
    fn into_variant(self) -> Variant {
        Variant {
            id: VariantId(self.id),
            position: self.position,
            label: self.label,
            sku: self.sku,
            barcode: self.barcode,
            price: self.price,
            member_price: self.member_price,
            wholesale_tiers: self.wholesale_tiers,
            cost: self.cost,
            weight_g: self.weight_g,
            stock: self.stock,
            active: self.active,
        }
    }
}

/// A legality document as stored, with where it stands today.
#[derive(Debug, Clone, Serialize)]
pub struct Doc {
    pub id: DocId,
    pub kind: DocKind,
    pub number: String,
    pub expires_on: Option<Date>,
    pub file_id: Option<MarketFileId>,
    pub status: CertStatus,
}

/// An uploaded file's metadata (the bytes are read with [`Store::product_file`]).
#[derive(Debug, Clone, Serialize)]
pub struct FileMeta {
    pub id: MarketFileId,
    pub purpose: FilePurpose,
    pub position: i64,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
}

/// One step in a product's curation history.
#[derive(Debug, Clone, Serialize)]
pub struct CurationEntry {
    pub action: CurationAction,
    pub from_status: ProductStatus,
    pub to_status: ProductStatus,
    pub note: Option<String>,
    pub actor: String,
    pub at: OffsetDateTime,
}

/// A product in lists (a seller's products, the curation queue).
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary {
    pub koperasi_id: KoperasiId,
    pub id: MarketProductId,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub seller_slug: String,
    pub name: String,
    pub slug: String,
    pub category: Category,
    pub description: String,
    pub faces: ListingScope,
    pub brand_id: Option<BrandId>,
    pub status: ProductStatus,
    pub listed: bool,
    pub wholesale_only: bool,
    pub is_halal: bool,
    pub is_opop: bool,
    pub min_price: i64,
    pub regency_code: String,
    pub cover_photo_id: Option<MarketFileId>,
    pub sold_count: i64,
    pub curated_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ProductSummary {
    /// The description as safe HTML (the core escapes everything typed).
    pub fn description_html(&self) -> String {
        Description::parse(&self.description)
            .map(|d| d.render_html())
            .unwrap_or_default()
    }
}

/// A product with everything on its page.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    #[serde(flatten)]
    pub summary: ProductSummary,
    pub variants: Vec<Variant>,
    pub docs: Vec<Doc>,
    pub files: Vec<FileMeta>,
    pub history: Vec<CurationEntry>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    koperasi_id: Uuid,
    id: Uuid,
    seller_id: Uuid,
    seller_name: String,
    seller_slug: String,
    name: String,
    slug: String,
    category: String,
    description: String,
    faces: String,
    brand_id: Option<Uuid>,
    status: String,
    listed: bool,
    wholesale_only: bool,
    is_halal: bool,
    is_opop: bool,
    min_price: i64,
    regency_code: String,
    cover_photo_id: Option<Uuid>,
    sold_count: i64,
    curated_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

pub(crate) const PRODUCT_COLS: &str = "p.koperasi_id, p.id, p.seller_id, s.name AS seller_name, s.slug AS seller_slug, p.name, p.slug,
    p.category, p.description, p.faces, p.brand_id, p.status, p.listed, p.wholesale_only, p.is_halal, p.is_opop,
    p.min_price, p.regency_code, p.cover_photo_id, p.sold_count, p.curated_at, p.created_at, p.updated_at";

pub(crate) const PRODUCT_FROM: &str =
    "market_product p JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id";

impl ProductRow {
    pub(crate) fn into_summary(self) -> StoreResult<ProductSummary> {
        Ok(ProductSummary {
            koperasi_id: KoperasiId(self.koperasi_id),
            id: MarketProductId(self.id),
            seller_id: SellerId(self.seller_id),
            seller_name: self.seller_name,
            seller_slug: self.seller_slug,
            name: self.name,
            slug: self.slug,
            category: Category::parse(&self.category)
                .ok_or_else(|| corrupt_code("category", &self.category))?,
            description: self.description,
            faces: ListingScope::parse(&self.faces)
                .map_err(|_| corrupt_code("faces", &self.faces))?,
            brand_id: self.brand_id.map(BrandId),
            status: ProductStatus::parse(&self.status)
                .ok_or_else(|| corrupt_code("product status", &self.status))?,
            listed: self.listed,
            wholesale_only: self.wholesale_only,
            is_halal: self.is_halal,
            is_opop: self.is_opop,
            min_price: self.min_price,
            regency_code: self.regency_code,
            cover_photo_id: self.cover_photo_id.map(MarketFileId),
            sold_count: self.sold_count,
            curated_at: self.curated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DocRow {
    id: Uuid,
    kind: String,
    number: String,
    expires_on: Option<Date>,
    file_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: Uuid,
    purpose: String,
    position: i64,
    content_type: String,
    width: i64,
    height: i64,
}

#[derive(sqlx::FromRow)]
struct CurationRow {
    action: String,
    from_status: String,
    to_status: String,
    note: Option<String>,
    actor: String,
    at: OffsetDateTime,
}

const VARIANT_COLS: &str = "id, position, label, sku, barcode, price, member_price, wholesale_tiers, cost, weight_g, stock, active";

/// Reads one product with its parts from `db` (`seller` limits it to that seller's).
async fn product_full(
    db: &Db,
    k: KoperasiId,
    id: MarketProductId,
    seller: Option<SellerId>,
) -> StoreResult<Product> {
    let sql = format!(
        "SELECT {PRODUCT_COLS} FROM {PRODUCT_FROM} WHERE p.koperasi_id = $1 AND p.id = $2 AND (p.seller_id = $3 OR $4)"
    );
    let seller_id = seller.map(|s| s.0).unwrap_or(Uuid::nil());
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(k.0).bind(id.0).bind(seller_id).bind(seller.is_none()).fetch_optional(p).await)?;
    let summary = row.ok_or(StoreError::NotFound)?.into_summary()?;
    let vsql = format!(
        "SELECT {VARIANT_COLS} FROM market_variant WHERE koperasi_id = $1 AND product_id = $2 ORDER BY position"
    );
    let variants: Vec<VariantRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(vsql.clone()))
        .bind(k.0).bind(id.0).fetch_all(p).await)?;
    let variants: Vec<Variant> = variants.into_iter().map(VariantRow::into_variant).collect();
    let docs: Vec<DocRow> = on_db!(db, p => sqlx::query_as(
        "SELECT id, kind, number, expires_on, file_id FROM market_doc
         WHERE koperasi_id = $1 AND product_id = $2 ORDER BY kind, number")
        .bind(k.0).bind(id.0).fetch_all(p).await)?;
    let files: Vec<FileRow> = on_db!(db, p => sqlx::query_as(
        "SELECT id, purpose, position, content_type, width, height FROM market_file
         WHERE koperasi_id = $1 AND product_id = $2 ORDER BY purpose DESC, position")
        .bind(k.0).bind(id.0).fetch_all(p).await)?;
    let history: Vec<CurationRow> = on_db!(db, p => sqlx::query_as(
        "SELECT action, from_status, to_status, note, actor, at FROM market_curation
         WHERE koperasi_id = $1 AND product_id = $2 ORDER BY at, id")
        .bind(k.0).bind(id.0).fetch_all(p).await)?;
    let day = today();
    Ok(Product {
        summary,
        variants,
        docs: docs
            .into_iter()
            .map(|d| {
                Ok(Doc {
                    id: DocId(d.id),
                    kind: DocKind::parse(&d.kind)
                        .ok_or_else(|| corrupt_code("doc kind", &d.kind))?,
                    number: d.number,
                    expires_on: d.expires_on,
                    file_id: d.file_id.map(MarketFileId),
                    status: cert_status(d.expires_on, day),
                })
            })
            .collect::<StoreResult<_>>()?,
        files: files
            .into_iter()
            .map(|f| {
                Ok(FileMeta {
                    id: MarketFileId(f.id),
                    purpose: FilePurpose::parse(&f.purpose)
                        .ok_or_else(|| corrupt_code("file purpose", &f.purpose))?,
                    position: f.position,
                    content_type: f.content_type,
                    width: f.width,
                    height: f.height,
                })
            })
            .collect::<StoreResult<_>>()?,
        history: history
            .into_iter()
            .map(|h| {
                let st = |s: &str| ProductStatus::parse(s).ok_or_else(|| corrupt_code("status", s));
                Ok(CurationEntry {
                    action: CurationAction::parse(&h.action)
                        .ok_or_else(|| corrupt_code("curation action", &h.action))?,
                    from_status: st(&h.from_status)?,
                    to_status: st(&h.to_status)?,
                    note: h.note,
                    actor: h.actor,
                    at: h.at,
                })
            })
            .collect::<StoreResult<_>>()?,
    })
}

// ---------------------------------------------------------------------------------------------
// Listing and search keys

#[derive(sqlx::FromRow)]
struct KeySource {
    id: Uuid,
    created_at: OffsetDateTime,
    min_price: i64,
    name: String,
    category: String,
    seller_name: String,
    brand_name: Option<String>,
}

/// The search keys of a product: the core's `index_keys` of its name, category label, seller
/// name and brand name (the name first, so its words are never the ones cut).
fn product_keys(name: &str, category: &str, seller: &str, brand: Option<&str>) -> Vec<String> {
    let label = Category::parse(category)
        .map(|c| c.label(Lang::Id))
        .unwrap_or("");
    index_keys(&format!("{name} {label} {seller} {}", brand.unwrap_or("")))
}

/// Recomputes `listed` of the products `ids` of coop `k` and rewrites their search keys
/// (deleted for all of them, inserted for those listed now). The one place that sets
/// `listed`; call it in the transaction of every change that may move it.
pub(crate) async fn refresh_listing(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    ids: &[Uuid],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    exec_in_tx(
        tx,
        "UPDATE market_product SET listed = (status = 'terkurasi'
            AND EXISTS (SELECT 1 FROM market_seller s WHERE s.koperasi_id = market_product.koperasi_id
                AND s.id = market_product.seller_id AND s.active = TRUE)
            AND EXISTS (SELECT 1 FROM market_settings m WHERE m.koperasi_id = market_product.koperasi_id AND m.opt_in = TRUE)
            AND EXISTS (SELECT 1 FROM market_variant v WHERE v.koperasi_id = market_product.koperasi_id
                AND v.product_id = market_product.id AND v.active = TRUE))
         WHERE koperasi_id = $1 AND id IN (",
        k,
        ids,
    )
    .await?;
    exec_in_tx(
        tx,
        "DELETE FROM market_search_token WHERE koperasi_id = $1 AND product_id IN (",
        k,
        ids,
    )
    .await?;
    for chunk in ids.chunks(200) {
        let sql = in_list_sql(
            "SELECT p.id, p.created_at, p.min_price, p.name, p.category, s.name AS seller_name,
                b.name AS brand_name
             FROM market_product p
             JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id
             LEFT JOIN market_brand b ON b.id = p.brand_id
             WHERE p.koperasi_id = $1 AND p.listed = TRUE AND p.id IN (",
            chunk.len(),
        );
        let rows: Vec<KeySource> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(&mut **c).await
        })?;
        let mut token_rows = vec![];
        for r in rows {
            for key in product_keys(
                &r.name,
                &r.category,
                &r.seller_name,
                r.brand_name.as_deref(),
            ) {
                token_rows.push(vec![
                    Val::Text(key),
                    Val::Uuid(k.0),
                    Val::Uuid(r.id),
                    Val::Time(r.created_at),
                    Val::Int(r.min_price),
                ]);
            }
        }
        insert_rows(
            tx,
            "INSERT INTO market_search_token (token, koperasi_id, product_id, created_at, min_price)",
            5,
            &token_rows,
        )
        .await?;
        for (sql, vals) in word_inserts(tx.engine(), &token_rows) {
            exec_tx(tx, &sql, &vals).await?;
        }
    }
    Ok(())
}

/// The statements that add the words of `token_rows` (first value of each row) to
/// `market_search_word`, the vocabulary a typed prefix is expanded against. A word already
/// there is left as it is.
fn word_inserts(engine: crate::Engine, token_rows: &[Vec<Val>]) -> Vec<(String, Vec<Val>)> {
    let words: std::collections::BTreeSet<&str> = token_rows
        .iter()
        .filter_map(|r| match r.first() {
            Some(Val::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let words: Vec<&str> = words.into_iter().collect();
    words
        .chunks(rows_per_statement(engine, 1))
        .map(|chunk| {
            let mut sql = values_sql("INSERT INTO market_search_word (token)", chunk.len(), 1);
            sql.push_str(" ON CONFLICT DO NOTHING");
            let vals = chunk.iter().map(|w| Val::Text((*w).to_string())).collect();
            (sql, vals)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Products: writes

/// What the store knows about the acting seller and its coop when saving a product.
struct SaveContext {
    seller: Seller,
    coop_is_pesantren: bool,
    runs_tomiko: bool,
}

impl Tenant<'_> {
    async fn save_context(&self, tx: &mut Tx<'_>, seller: SellerId) -> StoreResult<SaveContext> {
        let k = self.koperasi_id;
        let seller = seller_tx(tx, k, seller).await?;
        let coop = coop_tx(tx, k).await?;
        let runs_tomiko = settings_tx(tx, k).await?.is_some_and(|s| s.runs_tomiko);
        Ok(SaveContext {
            seller,
            coop_is_pesantren: coop.is_pesantren,
            runs_tomiko,
        })
    }

    /// The checks of a product that need the database: the seller is active, Tomiko is run
    /// by this coop, the brand exists, the SKUs are free in this coop, edited variants belong
    /// to the product, document files are this product's.
    async fn check_product_refs(
        &self,
        tx: &mut Tx<'_>,
        ctx: &SaveContext,
        input: &ProductInput,
        v: &ValidProduct,
        product: Option<Uuid>,
        errors: &mut Vec<FieldError>,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        if !ctx.seller.active {
            errors.push(fe(
                "seller",
                Msg::new(
                    "Penjual ini sudah tidak aktif",
                    "This seller is no longer active",
                ),
            ));
        }
        if v.faces.contains(Face::Tomiko) && !ctx.runs_tomiko {
            errors.push(fe(
                "faces",
                Msg::new(
                    "Etalase Tomiko hanya untuk koperasi sekunder yang menjalankan Tomiko",
                    "The Tomiko storefront is only for a secondary coop that runs Tomiko",
                ),
            ));
        }
        if let Some(b) = input.brand {
            let found: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM market_brand WHERE id = $1")
                .bind(b.0).fetch_optional(&mut **c).await)?;
            if found.is_none() {
                errors.push(fe(
                    "brand",
                    Msg::new("Merek bersama tidak ditemukan", "Shared brand not found"),
                ));
            }
        }
        let pid = product.unwrap_or(Uuid::nil());
        let own: Vec<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM market_variant WHERE koperasi_id = $1 AND product_id = $2")
            .bind(k.0).bind(pid).fetch_all(&mut **c).await)?;
        for (i, var) in v.variants.iter().enumerate() {
            if let Some(id) = var.id
                && !own.contains(&id.0)
            {
                errors.push(fe(
                    format!("variants[{i}].id"),
                    Msg::new(
                        "Varian ini bukan milik produk ini",
                        "This variant does not belong to this product",
                    ),
                ));
            }
            if let Some(sku) = &var.sku {
                let other: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                    "SELECT product_id FROM market_variant WHERE koperasi_id = $1 AND sku = $2")
                    .bind(k.0).bind(sku).fetch_optional(&mut **c).await)?;
                let mine = match (other, var.id) {
                    (None, _) => true,
                    (Some(p), Some(_)) => p == pid,
                    // A new variant may reuse a SKU of a variant of this product it replaces
                    // only if that one is edited away, which the unique index would refuse.
                    (Some(_), None) => false,
                };
                if !mine {
                    errors.push(fe(
                        format!("variants[{i}].sku"),
                        Msg::new(
                            format!("SKU {sku} sudah dipakai produk lain di koperasi ini"),
                            format!("SKU {sku} is already used by another product of this coop"),
                        ),
                    ));
                }
            }
        }
        for (i, d) in v.docs.iter().enumerate() {
            if let Some(f) = d.file_id {
                let found: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                    "SELECT CAST(1 AS BIGINT) FROM market_file WHERE koperasi_id = $1 AND id = $2 AND product_id = $3 AND purpose = 'dokumen'")
                    .bind(k.0).bind(f).bind(pid).fetch_optional(&mut **c).await)?;
                if found.is_none() {
                    errors.push(fe(
                        format!("docs[{i}].file_id"),
                        Msg::new(
                            "Berkas dokumen tidak ditemukan pada produk ini",
                            "Document file not found on this product",
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds a product of `seller` as a draft, with its variants and legality documents. Every
    /// field is checked first and all errors are returned at once; nothing is written then.
    pub async fn create_product(
        &self,
        actor: &Actor,
        seller: SellerId,
        input: &ProductInput,
    ) -> StoreResult<Product> {
        let k = self.koperasi_id;
        let day = today();
        let mut errors = vec![];
        let v = validate_product(input, day, &mut errors);
        let mut tx = self.db.begin_write().await?;
        let ctx = self.save_context(&mut tx, seller).await?;
        self.check_product_refs(&mut tx, &ctx, input, &v, None, &mut errors)
            .await?;
        if v.variants.iter().any(|x| x.id.is_some()) {
            errors.push(fe(
                "variants",
                Msg::new(
                    "Produk baru belum punya varian lama",
                    "A new product has no existing variants",
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let id = MarketProductId::new();
        let slug = free_slug(&mut tx, "market_product", Some(k), &slugify(&v.name)).await?;
        let is_opop = v.faces.contains(Face::Opop)
            && (ctx.coop_is_pesantren || ctx.seller.kind == SellerKind::Pesantren);
        let t = now();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id,
                status, listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count,
                curated_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', FALSE, $10, $11, $12, $13, $14, NULL, 0, NULL, $15, $15)")
            .bind(k.0).bind(id.0).bind(seller.0).bind(&v.name).bind(&slug).bind(v.category.as_str())
            .bind(&v.description).bind(v.faces.to_string()).bind(input.brand.map(|b| b.0))
            .bind(v.wholesale_only).bind(v.is_halal(day)).bind(is_opop).bind(v.min_price())
            .bind(&ctx.seller.regency_code).bind(t)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| {
            unique_as(e.into(), || {
                conflict(
                    "Produk dengan nama serupa baru saja ditambahkan; coba lagi",
                    "A product with a similar name was just added; try again",
                )
            })
        })?;
        self.write_variants(&mut tx, id, &v, &[]).await?;
        self.write_docs(&mut tx, seller, id, &v).await?;
        refresh_listing(&mut tx, k, &[id.0]).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_product",
            &id.to_string(),
            Action::Create,
            &diff([
                ("name", None, Some(v.name.clone())),
                ("seller_id", None, Some(seller.to_string())),
                ("category", None, Some(v.category.as_str().to_string())),
                ("min_price", None, Some(v.min_price().to_string())),
                ("variants", None, Some(v.variants.len().to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        product_full(self.db, k, id, None).await
    }

    /// Writes the variants of a saved product: new ones inserted, edited ones updated (their
    /// stock left alone), the product's other variants (`existing` minus the edited) made
    /// inactive (never deleted: order lines point at them).
    async fn write_variants(
        &self,
        tx: &mut Tx<'_>,
        product: MarketProductId,
        v: &ValidProduct,
        existing: &[Uuid],
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let kept: HashSet<Uuid> = v
            .variants
            .iter()
            .filter_map(|x| x.id.map(|i| i.0))
            .collect();
        let dropped: Vec<Uuid> = existing
            .iter()
            .copied()
            .filter(|e| !kept.contains(e))
            .collect();
        // Dropped variants first, their SKUs released, so a kept or new variant may take one.
        exec_in_tx(
            tx,
            "UPDATE market_variant SET active = FALSE, sku = NULL WHERE koperasi_id = $1 AND id IN (",
            k,
            &dropped,
        )
        .await?;
        // At most MAX_VARIANTS rows: one statement each is cheap enough.
        for (pos, x) in (1i64..).zip(&v.variants) {
            match x.id {
                Some(id) => on_tx!(&mut *tx, c => sqlx::query(
                    "UPDATE market_variant SET position = $3, label = $4, sku = $5, barcode = $6, price = $7,
                        member_price = $8, wholesale_tiers = $9, cost = $10, weight_g = $11, active = $12
                     WHERE koperasi_id = $1 AND id = $2")
                    .bind(k.0).bind(id.0).bind(pos).bind(&x.label).bind(x.sku.clone()).bind(x.barcode.clone())
                    .bind(x.price).bind(x.member_price).bind(&x.tiers).bind(x.cost).bind(x.weight_g).bind(x.active)
                    .execute(&mut **c).await.map(|_| ()))?,
                None => on_tx!(&mut *tx, c => sqlx::query(
                    "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price,
                        member_price, wholesale_tiers, cost, weight_g, stock, active)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                    .bind(k.0).bind(VariantId::new().0).bind(product.0).bind(pos).bind(&x.label)
                    .bind(x.sku.clone()).bind(x.barcode.clone()).bind(x.price).bind(x.member_price)
                    .bind(&x.tiers).bind(x.cost).bind(x.weight_g).bind(x.stock).bind(x.active)
                    .execute(&mut **c).await.map(|_| ()))?,
            }
        }
        Ok(())
    }

    /// Replaces the legality documents of a product.
    async fn write_docs(
        &self,
        tx: &mut Tx<'_>,
        seller: SellerId,
        product: MarketProductId,
        v: &ValidProduct,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        exec_tx(
            tx,
            "DELETE FROM market_doc WHERE koperasi_id = $1 AND product_id = $2",
            &[Val::Uuid(k.0), Val::Uuid(product.0)],
        )
        .await?;
        let t = now();
        let rows: Vec<Vec<Val>> = v
            .docs
            .iter()
            .map(|d| {
                vec![
                    Val::Uuid(k.0),
                    Val::Uuid(DocId::new().0),
                    Val::Uuid(seller.0),
                    Val::Uuid(product.0),
                    Val::Text(d.kind.as_str().to_string()),
                    Val::Text(d.number.clone()),
                    Val::OptDate(d.expires_on),
                    Val::OptUuid(d.file_id),
                    Val::Time(t),
                ]
            })
            .collect();
        insert_rows(
            tx,
            "INSERT INTO market_doc (koperasi_id, id, seller_id, product_id, kind, number, expires_on, file_id, created_at)",
            9,
            &rows,
        )
        .await
    }

    /// Changes a product of `seller` (another seller's product is `NotFound`, nothing
    /// written). A change of name, category or legality documents of an approved product
    /// sends it back to review (core `transition(…, Edit)`); prices, description, photos and
    /// weights do not. Existing variants keep their stock. The slug stays, so shared links
    /// keep working.
    pub async fn update_product(
        &self,
        actor: &Actor,
        seller: SellerId,
        id: MarketProductId,
        input: &ProductInput,
    ) -> StoreResult<Product> {
        let k = self.koperasi_id;
        let day = today();
        let before = product_full(self.db, k, id, Some(seller)).await?;
        let mut errors = vec![];
        let v = validate_product(input, day, &mut errors);
        let mut tx = self.db.begin_write().await?;
        let ctx = self.save_context(&mut tx, seller).await?;
        self.check_product_refs(&mut tx, &ctx, input, &v, Some(id.0), &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let old = &before.summary;
        let mut old_docs: Vec<(DocKind, String, Option<Date>)> = before
            .docs
            .iter()
            .map(|d| (d.kind, d.number.clone(), d.expires_on))
            .collect();
        old_docs.sort_by(|a, b| (a.0.as_str(), &a.1, a.2).cmp(&(b.0.as_str(), &b.1, b.2)));
        let curated_changed = (old.name.clone(), old.category, old_docs) != v.curated();
        let to = if curated_changed {
            transition(old.status, CurationAction::Edit)
                .map_err(|e| StoreError::Conflict(e.msg()))?
        } else {
            old.status
        };
        let is_opop = v.faces.contains(Face::Opop)
            && (ctx.coop_is_pesantren || ctx.seller.kind == SellerKind::Pesantren);
        let t = now();
        // Conditional on the status read: a curator's decision made meanwhile wins, and this
        // edit is refused rather than silently undoing it.
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_product SET name = $4, category = $5, description = $6, faces = $7, brand_id = $8,
                wholesale_only = $9, is_halal = $10, is_opop = $11, min_price = $12, regency_code = $13,
                status = $14, updated_at = $15
             WHERE koperasi_id = $1 AND id = $2 AND seller_id = $3 AND status = $16")
            .bind(k.0).bind(id.0).bind(seller.0).bind(&v.name).bind(v.category.as_str()).bind(&v.description)
            .bind(v.faces.to_string()).bind(input.brand.map(|b| b.0)).bind(v.wholesale_only)
            .bind(v.is_halal(day)).bind(is_opop).bind(v.min_price()).bind(&ctx.seller.regency_code)
            .bind(to.as_str()).bind(t).bind(old.status.as_str())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(conflict(
                "Produk ini baru saja diubah orang lain; muat ulang lalu coba lagi",
                "This product was just changed by someone else; reload and try again",
            ));
        }
        let existing: Vec<Uuid> = before.variants.iter().map(|x| x.id.0).collect();
        self.write_variants(&mut tx, id, &v, &existing).await?;
        self.write_docs(&mut tx, seller, id, &v).await?;
        if to != old.status {
            insert_curation(
                &mut tx,
                k,
                id,
                CurationAction::Edit,
                old.status,
                to,
                None,
                actor,
            )
            .await?;
        }
        refresh_listing(&mut tx, k, &[id.0]).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_product",
            &id.to_string(),
            Action::Update,
            &diff([
                ("name", Some(old.name.clone()), Some(v.name.clone())),
                (
                    "category",
                    Some(old.category.as_str().to_string()),
                    Some(v.category.as_str().to_string()),
                ),
                (
                    "description",
                    Some(old.description.clone()),
                    Some(v.description.clone()),
                ),
                (
                    "faces",
                    Some(old.faces.to_string()),
                    Some(v.faces.to_string()),
                ),
                (
                    "min_price",
                    Some(old.min_price.to_string()),
                    Some(v.min_price().to_string()),
                ),
                (
                    "status",
                    Some(old.status.as_str().to_string()),
                    Some(to.as_str().to_string()),
                ),
                (
                    "variants",
                    Some(before.variants.len().to_string()),
                    Some(v.variants.len().to_string()),
                ),
                (
                    "docs",
                    Some(before.docs.len().to_string()),
                    Some(v.docs.len().to_string()),
                ),
            ]),
        )
        .await?;
        tx.commit().await?;
        product_full(self.db, k, id, None).await
    }

    /// One product of this coop with its variants, documents, photos and curation history.
    pub async fn product(&self, id: MarketProductId) -> StoreResult<Product> {
        product_full(self.db, self.koperasi_id, id, None).await
    }

    /// One product of `seller` (another seller's is `NotFound`).
    pub async fn seller_product(
        &self,
        seller: SellerId,
        id: MarketProductId,
    ) -> StoreResult<Product> {
        product_full(self.db, self.koperasi_id, id, Some(seller)).await
    }

    /// A seller's products, newest first, optionally of one status.
    pub async fn products_of_seller(
        &self,
        seller: SellerId,
        status: Option<ProductStatus>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<ProductSummary>> {
        let sql = format!(
            "SELECT {PRODUCT_COLS} FROM {PRODUCT_FROM}
             WHERE p.koperasi_id = $1 AND p.seller_id = $2 AND (p.status = $3 OR $4)
             ORDER BY p.created_at DESC, p.id DESC LIMIT $5 OFFSET $6"
        );
        let rows: Vec<ProductRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(seller.0).bind(status.map(|s| s.as_str()).unwrap_or(""))
            .bind(status.is_none()).bind(limit.clamp(1, 200)).bind(offset.clamp(0, MAX_OFFSET))
            .fetch_all(p).await)?;
        rows.into_iter().map(ProductRow::into_summary).collect()
    }

    /// Sets a variant's stock to `stock` (a count after stock-taking). Only `seller`'s
    /// variants; never negative.
    pub async fn set_stock(
        &self,
        actor: &Actor,
        seller: SellerId,
        variant: VariantId,
        stock: i64,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        if stock < 0 {
            return Err(StoreError::Invalid(vec![fe(
                "stock",
                CatalogError::StockNegative.msg(),
            )]));
        }
        let mut tx = self.db.begin_write().await?;
        let before: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT v.stock FROM market_variant v
             JOIN market_product p ON p.koperasi_id = v.koperasi_id AND p.id = v.product_id
             WHERE v.koperasi_id = $1 AND v.id = $2 AND p.seller_id = $3")
            .bind(k.0).bind(variant.0).bind(seller.0).fetch_optional(&mut **c).await)?;
        let before = before.ok_or(StoreError::NotFound)?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_variant SET stock = $3 WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(variant.0).bind(stock).execute(&mut **c).await.map(|_| ()))?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_variant",
            &variant.to_string(),
            Action::Update,
            &diff([("stock", Some(before.to_string()), Some(stock.to_string()))]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds `delta` (negative to take) to a variant's stock with one conditional update, so
    /// concurrent changes never take it below zero. Returns the new stock; `Conflict` when
    /// there is not enough.
    pub async fn adjust_stock(
        &self,
        actor: &Actor,
        seller: SellerId,
        variant: VariantId,
        delta: i64,
    ) -> StoreResult<i64> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let owner: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM market_variant v
             JOIN market_product p ON p.koperasi_id = v.koperasi_id AND p.id = v.product_id
             WHERE v.koperasi_id = $1 AND v.id = $2 AND p.seller_id = $3")
            .bind(k.0).bind(variant.0).bind(seller.0).fetch_optional(&mut **c).await)?;
        if owner.is_none() {
            return Err(StoreError::NotFound);
        }
        let after = adjust_stock_tx(&mut tx, k, variant, delta).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_variant",
            &variant.to_string(),
            Action::Update,
            &diff([(
                "stock",
                Some((after - delta).to_string()),
                Some(after.to_string()),
            )]),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Adds `delta` to a variant's stock in `tx` when the result is not negative (one conditional
/// update: safe under any concurrency). `Conflict` when there is not enough, `NotFound` when
/// the variant does not exist. For the order module's reservations too.
pub(crate) async fn adjust_stock_tx(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    variant: VariantId,
    delta: i64,
) -> StoreResult<i64> {
    let after: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "UPDATE market_variant SET stock = stock + $3 WHERE koperasi_id = $1 AND id = $2 AND stock + $3 >= 0
         RETURNING stock")
        .bind(k.0).bind(variant.0).bind(delta).fetch_optional(&mut **c).await)?;
    match after {
        Some(s) => Ok(s),
        None => {
            let have: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT stock FROM market_variant WHERE koperasi_id = $1 AND id = $2")
                .bind(k.0).bind(variant.0).fetch_optional(&mut **c).await)?;
            match have {
                None => Err(StoreError::NotFound),
                Some(h) => Err(conflict(
                    format!("Stok tidak cukup: tersisa {h}"),
                    format!("Not enough stock: {h} left"),
                )),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files

/// What an uploaded file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// A product photo, in three sizes.
    Foto,
    /// A scan of a legality document (an image or a PDF), as uploaded.
    Dokumen,
}

impl FilePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            FilePurpose::Foto => "foto",
            FilePurpose::Dokumen => "dokumen",
        }
    }

    pub fn parse(s: &str) -> Option<FilePurpose> {
        match s {
            "foto" => Some(FilePurpose::Foto),
            "dokumen" => Some(FilePurpose::Dokumen),
            _ => None,
        }
    }
}

/// Which size of a photo to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSize {
    /// 160 px.
    Small,
    /// 480 px.
    Medium,
    /// 1080 px, or a document as uploaded.
    Large,
}

/// A file to store, already checked and resized by the web layer.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub purpose: FilePurpose,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub small: Option<Vec<u8>>,
    pub medium: Option<Vec<u8>>,
    pub large: Vec<u8>,
}

/// A stored file's bytes.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub purpose: FilePurpose,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Locks (on PostgreSQL) and checks a product of `seller`: a no-op update whose row count says
/// whether the seller owns it. Serialises changes to one product's files.
async fn claim_product(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    seller: SellerId,
    product: MarketProductId,
) -> StoreResult<()> {
    let n = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_product SET updated_at = updated_at WHERE koperasi_id = $1 AND id = $2 AND seller_id = $3")
        .bind(k.0).bind(product.0).bind(seller.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Sets a product's cover to its first photo (none when it has none).
async fn refresh_cover(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    product: MarketProductId,
) -> StoreResult<()> {
    on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_product SET cover_photo_id = (SELECT f.id FROM market_file f
            WHERE f.koperasi_id = $1 AND f.product_id = $2 AND f.purpose = 'foto' ORDER BY f.position, f.id LIMIT 1)
         WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(product.0).execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}

impl Tenant<'_> {
    /// Stores a photo or document of `seller`'s product. At most [`MAX_PHOTOS`] photos and
    /// [`MAX_DOC_FILES`] documents; the first photo is the cover.
    pub async fn add_product_file(
        &self,
        actor: &Actor,
        seller: SellerId,
        product: MarketProductId,
        f: &NewFile,
    ) -> StoreResult<MarketFileId> {
        let k = self.koperasi_id;
        let ct = f.content_type.trim().to_ascii_lowercase();
        let ok_type = match f.purpose {
            FilePurpose::Foto => ct.starts_with("image/"),
            FilePurpose::Dokumen => ct.starts_with("image/") || ct == "application/pdf",
        };
        if !ok_type || f.large.is_empty() {
            return Err(invalid(
                "file",
                "Berkas harus berupa gambar (atau PDF untuk dokumen)",
                "The file must be an image (or a PDF for a document)",
            ));
        }
        if f.purpose == FilePurpose::Foto && (f.width <= 0 || f.height <= 0) {
            return Err(invalid(
                "file",
                "Ukuran foto tidak terbaca",
                "The photo's size could not be read",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        claim_product(&mut tx, k, seller, product).await?;
        let (count, last): (i64, i64) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(position), 0) AS BIGINT) FROM market_file
             WHERE koperasi_id = $1 AND product_id = $2 AND purpose = $3")
            .bind(k.0).bind(product.0).bind(f.purpose.as_str()).fetch_one(&mut **c).await)?;
        let max = match f.purpose {
            FilePurpose::Foto => MAX_PHOTOS,
            FilePurpose::Dokumen => MAX_DOC_FILES,
        };
        if count >= max {
            return Err(invalid(
                "file",
                format!("Paling banyak {max} berkas jenis ini per produk"),
                format!("At most {max} files of this kind per product"),
            ));
        }
        let id = MarketFileId::new();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_file (koperasi_id, id, product_id, purpose, position, content_type, width, height,
                small, medium, large, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(k.0).bind(id.0).bind(product.0).bind(f.purpose.as_str()).bind(last + 1).bind(&ct)
            .bind(f.width).bind(f.height).bind(f.small.clone()).bind(f.medium.clone()).bind(f.large.clone())
            .bind(now()).execute(&mut **c).await.map(|_| ()))?;
        if f.purpose == FilePurpose::Foto {
            refresh_cover(&mut tx, k, product).await?;
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "market_file",
            &id.to_string(),
            Action::Create,
            &diff([
                ("product_id", None, Some(product.to_string())),
                ("purpose", None, Some(f.purpose.as_str().to_string())),
                ("bytes", None, Some(f.large.len().to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a file of `seller`'s product (documents that pointed at it lose the link).
    pub async fn remove_product_file(
        &self,
        actor: &Actor,
        seller: SellerId,
        product: MarketProductId,
        file: MarketFileId,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        claim_product(&mut tx, k, seller, product).await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_doc SET file_id = NULL WHERE koperasi_id = $1 AND product_id = $2 AND file_id = $3")
            .bind(k.0).bind(product.0).bind(file.0).execute(&mut **c).await.map(|_| ()))?;
        // The cover is cleared first: it may be the file going.
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_product SET cover_photo_id = NULL WHERE koperasi_id = $1 AND id = $2 AND cover_photo_id = $3")
            .bind(k.0).bind(product.0).bind(file.0).execute(&mut **c).await.map(|_| ()))?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM market_file WHERE koperasi_id = $1 AND id = $2 AND product_id = $3")
            .bind(k.0).bind(file.0).bind(product.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        refresh_cover(&mut tx, k, product).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_file",
            &file.to_string(),
            Action::Delete,
            &diff([("product_id", Some(product.to_string()), None)]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct FileBytesRow {
    purpose: String,
    content_type: String,
    small: Option<Vec<u8>>,
    medium: Option<Vec<u8>>,
    large: Vec<u8>,
}

impl Store {
    /// A file's bytes in `size` (the large one when that size was not made). Photos are
    /// public; the web layer shows a `dokumen` only to the seller, the coop and curators.
    pub async fn product_file(
        &self,
        k: KoperasiId,
        id: MarketFileId,
        size: FileSize,
    ) -> StoreResult<StoredFile> {
        let row: Option<FileBytesRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT purpose, content_type, small, medium, large FROM market_file WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).fetch_optional(p).await)?;
        let r = row.ok_or(StoreError::NotFound)?;
        let bytes = match size {
            FileSize::Small => r.small.unwrap_or(r.large),
            FileSize::Medium => r.medium.unwrap_or(r.large),
            FileSize::Large => r.large,
        };
        Ok(StoredFile {
            purpose: FilePurpose::parse(&r.purpose)
                .ok_or_else(|| corrupt_code("file purpose", &r.purpose))?,
            content_type: r.content_type,
            bytes,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Curation

#[allow(clippy::too_many_arguments)]
async fn insert_curation(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    product: MarketProductId,
    action: CurationAction,
    from: ProductStatus,
    to: ProductStatus,
    note: Option<String>,
    actor: &Actor,
) -> StoreResult<()> {
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO market_curation (koperasi_id, id, product_id, action, from_status, to_status, note, actor, user_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(k.0).bind(Uuid::now_v7()).bind(product.0).bind(action.as_str()).bind(from.as_str())
        .bind(to.as_str()).bind(note.clone()).bind(&actor.name).bind(actor.user_id.map(|u| u.0)).bind(now())
        .execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}

/// Moves a product by a curation step in `tx`: the core's `transition` decides, a conditional
/// update (on the status read) applies it, a `market_curation` row and an audit record tell
/// it, and `listed` follows. `seller` limits it to that seller's product.
#[allow(clippy::too_many_arguments)]
async fn move_status(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    product: MarketProductId,
    seller: Option<SellerId>,
    action: CurationAction,
    note: Option<String>,
    actor: &Actor,
) -> StoreResult<ProductStatus> {
    let sid = seller.map(|s| s.0).unwrap_or(Uuid::nil());
    let from: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT status FROM market_product WHERE koperasi_id = $1 AND id = $2 AND (seller_id = $3 OR $4)")
        .bind(k.0).bind(product.0).bind(sid).bind(seller.is_none()).fetch_optional(&mut **c).await)?;
    let from = from.ok_or(StoreError::NotFound)?;
    let from = ProductStatus::parse(&from).ok_or_else(|| corrupt_code("product status", &from))?;
    let to = transition(from, action).map_err(|e| StoreError::Conflict(e.msg()))?;
    let t = now();
    let curated_at = (to == ProductStatus::Approved).then_some(t);
    let n = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_product SET status = $3, curated_at = COALESCE($4, curated_at), updated_at = $5
         WHERE koperasi_id = $1 AND id = $2 AND status = $6")
        .bind(k.0).bind(product.0).bind(to.as_str()).bind(curated_at).bind(t).bind(from.as_str())
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(conflict(
            "Status produk baru saja berubah; muat ulang lalu coba lagi",
            "The product's status just changed; reload and try again",
        ));
    }
    insert_curation(tx, k, product, action, from, to, note.clone(), actor).await?;
    refresh_listing(tx, k, &[product.0]).await?;
    audit::record(
        tx,
        k,
        actor,
        "market_product",
        &product.to_string(),
        Action::Update,
        &diff([
            (
                "status",
                Some(from.as_str().to_string()),
                Some(to.as_str().to_string()),
            ),
            ("curation_note", None, note),
        ]),
    )
    .await?;
    Ok(to)
}

fn note_of(action: CurationAction, note: Option<&str>) -> StoreResult<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_none()
        && matches!(
            action,
            CurationAction::RequestChanges | CurationAction::Reject
        )
    {
        return Err(invalid(
            "note",
            "Tulis catatan untuk penjual: apa yang perlu diperbaiki atau mengapa ditolak",
            "Write a note for the seller: what to fix or why it was rejected",
        ));
    }
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(invalid(
            "note",
            "Catatan paling panjang 2000 karakter",
            "The note may be at most 2000 characters",
        ));
    }
    Ok(note.map(str::to_string))
}

impl Tenant<'_> {
    /// The seller submits its product for curation.
    pub async fn submit_product(
        &self,
        actor: &Actor,
        seller: SellerId,
        product: MarketProductId,
    ) -> StoreResult<ProductStatus> {
        self.seller_step(actor, seller, product, CurationAction::Submit)
            .await
    }

    /// The seller withdraws its product (archived: off the list until submitted again).
    pub async fn archive_product(
        &self,
        actor: &Actor,
        seller: SellerId,
        product: MarketProductId,
    ) -> StoreResult<ProductStatus> {
        self.seller_step(actor, seller, product, CurationAction::Archive)
            .await
    }

    async fn seller_step(
        &self,
        actor: &Actor,
        seller: SellerId,
        product: MarketProductId,
        action: CurationAction,
    ) -> StoreResult<ProductStatus> {
        let mut tx = self.db.begin_write().await?;
        let to = move_status(
            &mut tx,
            self.koperasi_id,
            product,
            Some(seller),
            action,
            None,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }
}

/// Which products a curator's queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// One coop only.
    pub koperasi: Option<KoperasiId>,
    /// Products listed on this face.
    pub face: Option<Face>,
    /// `None`: waiting for a curator (`diajukan`).
    pub status: Option<ProductStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// Expiring or expired legality documents, for telling sellers.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiryNotice {
    pub koperasi_id: KoperasiId,
    pub seller_id: SellerId,
    pub product_id: MarketProductId,
    pub product_name: String,
    pub doc_id: DocId,
    pub kind: DocKind,
    pub expires_on: Date,
    pub days_left: i64,
}

/// What a run of [`Store::expire_certificates`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExpiryRun {
    /// Approved products suspended because a halal, P-IRT or BPOM document expired.
    pub suspended: Vec<(KoperasiId, MarketProductId)>,
    /// Documents expiring within [`EXPIRY_WARNING_DAYS`] days.
    pub expiring: Vec<ExpiryNotice>,
}

#[derive(sqlx::FromRow)]
struct ExpiryRow {
    koperasi_id: Uuid,
    seller_id: Uuid,
    product_id: Uuid,
    product_name: String,
    doc_id: Uuid,
    kind: String,
    expires_on: Date,
}

impl Store {
    /// A curator's decision on a product of any coop: approve, request changes (note
    /// required), reject (note required), suspend or reinstate. The seller's steps (submit,
    /// archive) are refused here.
    pub async fn curate_product(
        &self,
        actor: &Actor,
        k: KoperasiId,
        product: MarketProductId,
        action: CurationAction,
        note: Option<&str>,
    ) -> StoreResult<ProductStatus> {
        if !action.by_curator() {
            return Err(invalid(
                "action",
                "Langkah ini bukan untuk kurator",
                "This step is not a curator's",
            ));
        }
        let note = note_of(action, note)?;
        let mut tx = self.db().begin_write().await?;
        let to = move_status(&mut tx, k, product, None, action, note, actor).await?;
        tx.commit().await?;
        Ok(to)
    }

    /// The curators' queue across coops, oldest first (by last change).
    pub async fn curation_queue(&self, f: &QueueFilter) -> StoreResult<Vec<ProductSummary>> {
        let status = f.status.unwrap_or(ProductStatus::Submitted);
        let face = f
            .face
            .map(|x| format!("%{}%", x.as_str()))
            .unwrap_or_else(|| "%".to_string());
        let sql = format!(
            "SELECT {PRODUCT_COLS} FROM {PRODUCT_FROM}
             WHERE p.status = $1 AND (p.koperasi_id = $2 OR $3) AND p.faces LIKE $4
             ORDER BY p.updated_at, p.id LIMIT $5 OFFSET $6"
        );
        let kid = f.koperasi.map(|k| k.0).unwrap_or(Uuid::nil());
        let rows: Vec<ProductRow> = on_db!(self.db(), p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(status.as_str()).bind(kid).bind(f.koperasi.is_none()).bind(face.clone())
            .bind(f.limit.clamp(1, 200)).bind(f.offset.clamp(0, MAX_OFFSET)).fetch_all(p).await)?;
        rows.into_iter().map(ProductRow::into_summary).collect()
    }

    /// The daily certificate run for `today`: suspends every approved product whose halal,
    /// P-IRT or BPOM document has expired (its badge goes with it), drops the halal badge of
    /// products whose halal certificate expired, and lists the documents expiring within
    /// [`EXPIRY_WARNING_DAYS`] days so the sellers can be told. Running it twice does nothing
    /// more.
    pub async fn expire_certificates(&self, today: Date) -> StoreResult<ExpiryRun> {
        let system = Actor::system("sistem (sertifikat kedaluwarsa)");
        let expired: Vec<ExpiryRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT d.koperasi_id, d.seller_id, d.product_id, p.name AS product_name, d.id AS doc_id, d.kind, d.expires_on
             FROM market_doc d JOIN market_product p ON p.koperasi_id = d.koperasi_id AND p.id = d.product_id
             WHERE d.expires_on < $1 AND d.kind IN ('halal', 'pirt', 'bpom') AND p.status = 'terkurasi'
             ORDER BY d.koperasi_id, d.product_id")
            .bind(today).fetch_all(p).await)?;
        let mut run = ExpiryRun::default();
        let mut seen = HashSet::new();
        for e in &expired {
            if !seen.insert((e.koperasi_id, e.product_id)) {
                continue;
            }
            let kind = DocKind::parse(&e.kind).ok_or_else(|| corrupt_code("doc kind", &e.kind))?;
            let note = format!(
                "{} berakhir {}; produk ditangguhkan sampai dokumen diperbarui",
                kind.label(Lang::Id),
                e.expires_on
            );
            let k = KoperasiId(e.koperasi_id);
            let pid = MarketProductId(e.product_id);
            let mut tx = self.db().begin_write().await?;
            match move_status(
                &mut tx,
                k,
                pid,
                None,
                CurationAction::Suspend,
                Some(note),
                &system,
            )
            .await
            {
                Ok(_) => {
                    tx.commit().await?;
                    run.suspended.push((k, pid));
                }
                // Moved meanwhile (the seller archived it, a curator suspended it): nothing to do.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let halal_gone: Vec<(Uuid, Uuid)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT DISTINCT p.koperasi_id, p.id FROM market_doc d
             JOIN market_product p ON p.koperasi_id = d.koperasi_id AND p.id = d.product_id
             WHERE d.kind = 'halal' AND d.expires_on < $1 AND p.is_halal = TRUE")
            .bind(today).fetch_all(p).await)?;
        if !halal_gone.is_empty() {
            let mut tx = self.db().begin_write().await?;
            for (k, pid) in &halal_gone {
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE market_product SET is_halal = EXISTS (SELECT 1 FROM market_doc d
                        WHERE d.koperasi_id = $1 AND d.product_id = $2 AND d.kind = 'halal'
                          AND (d.expires_on IS NULL OR d.expires_on >= $3))
                     WHERE koperasi_id = $1 AND id = $2")
                    .bind(*k).bind(*pid).bind(today).execute(&mut **c).await.map(|_| ()))?;
            }
            tx.commit().await?;
        }
        let until = today + Duration::days(EXPIRY_WARNING_DAYS);
        let soon: Vec<ExpiryRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT d.koperasi_id, d.seller_id, d.product_id, p.name AS product_name, d.id AS doc_id, d.kind, d.expires_on
             FROM market_doc d JOIN market_product p ON p.koperasi_id = d.koperasi_id AND p.id = d.product_id
             WHERE d.expires_on >= $1 AND d.expires_on <= $2 AND p.status <> 'diarsipkan'
             ORDER BY d.expires_on, d.koperasi_id, d.id")
            .bind(today).bind(until).fetch_all(p).await)?;
        for s in soon {
            let kind = DocKind::parse(&s.kind).ok_or_else(|| corrupt_code("doc kind", &s.kind))?;
            run.expiring.push(ExpiryNotice {
                koperasi_id: KoperasiId(s.koperasi_id),
                seller_id: SellerId(s.seller_id),
                product_id: MarketProductId(s.product_id),
                product_name: s.product_name,
                doc_id: DocId(s.doc_id),
                kind,
                expires_on: s.expires_on,
                days_left: (s.expires_on - today).whole_days(),
            });
        }
        Ok(run)
    }
}

// ---------------------------------------------------------------------------------------------
// Public reads: browse and search

/// The order of a browse or search page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowseSort {
    /// Newest first.
    #[default]
    Terbaru,
    /// Cheapest first.
    Termurah,
    /// Dearest first.
    Termahal,
    /// Best-selling first.
    Terlaris,
}

impl BrowseSort {
    pub fn as_str(self) -> &'static str {
        match self {
            BrowseSort::Terbaru => "terbaru",
            BrowseSort::Termurah => "termurah",
            BrowseSort::Termahal => "termahal",
            BrowseSort::Terlaris => "terlaris",
        }
    }

    pub fn parse(s: &str) -> Option<BrowseSort> {
        [
            BrowseSort::Terbaru,
            BrowseSort::Termurah,
            BrowseSort::Termahal,
            BrowseSort::Terlaris,
        ]
        .into_iter()
        .find(|x| x.as_str() == s.trim())
    }

    /// The ORDER BY on a search word's index (`market_search_token t`), which keeps the
    /// sort keys that do not change with sales; `None` for best-selling.
    fn token_order(self) -> Option<&'static str> {
        match self {
            BrowseSort::Terbaru => Some("t.created_at DESC, t.product_id DESC"),
            BrowseSort::Termurah => Some("t.min_price, t.product_id"),
            BrowseSort::Termahal => Some("t.min_price DESC, t.product_id DESC"),
            BrowseSort::Terlaris => None,
        }
    }

    /// The ORDER BY of the inner query (on `p`) and of the outer one (on `x`).
    fn order(self, t: &str) -> String {
        match self {
            BrowseSort::Terbaru => format!("{t}.created_at DESC, {t}.id DESC"),
            BrowseSort::Termurah => format!("{t}.min_price, {t}.id"),
            BrowseSort::Termahal => format!("{t}.min_price DESC, {t}.id DESC"),
            BrowseSort::Terlaris => format!("{t}.sold_count DESC, {t}.id DESC"),
        }
    }
}

/// What a buyer browses or searches for. Only listed products are ever shown.
#[derive(Debug, Clone, Default)]
pub struct BrowseFilter {
    /// Words typed (core `parse_query`): every word must match, the last one as a prefix
    /// while it is being typed.
    pub q: Option<String>,
    pub category: Option<Category>,
    /// Kabupaten/kota, dotted (`35.07`).
    pub regency_code: Option<String>,
    pub opop_only: bool,
    pub halal_only: bool,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// One face of the marketplace. Tomiko (wholesale) shows only with `koperasi` (the
    /// secondary coop's catalogue) and a `buyer_coop` it admits; without a face, wholesale-only
    /// products are never shown.
    pub face: Option<Face>,
    /// The coop browsing Tomiko, as checked by the web layer (the caller's own coop).
    pub buyer_coop: Option<KoperasiId>,
    /// One coop's storefront.
    pub koperasi: Option<KoperasiId>,
    /// One seller's storefront.
    pub seller: Option<SellerId>,
    /// One communal brand's page: its products across every coop that lists under it.
    pub brand: Option<BrandId>,
    pub sort: BrowseSort,
    /// Cards per page, 1 to [`MAX_PAGE`] (0 means 24).
    pub limit: i64,
    /// The `next_cursor` of the previous page (preferred for deep pages).
    pub cursor: Option<String>,
    /// Cards to skip, at most [`MAX_OFFSET`] (ignored with a cursor).
    pub offset: i64,
}

/// A product on a browse or search page.
#[derive(Debug, Clone, Serialize)]
pub struct ProductCard {
    pub koperasi_id: KoperasiId,
    pub id: MarketProductId,
    pub name: String,
    pub slug: String,
    pub seller_name: String,
    pub seller_slug: String,
    pub coop_name: String,
    pub coop_slug: Option<String>,
    pub min_price: i64,
    pub cover_photo_id: Option<MarketFileId>,
    /// Every shown product is curated: the "Terkurasi" badge.
    pub curated: bool,
    pub is_opop: bool,
    pub is_halal: bool,
    pub regency_code: String,
    pub regency_name: String,
}

/// One page of cards.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BrowsePage {
    pub cards: Vec<ProductCard>,
    /// Set when there may be more: pass it back as `cursor`.
    pub next_cursor: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CardRow {
    koperasi_id: Uuid,
    id: Uuid,
    name: String,
    slug: String,
    min_price: i64,
    cover_photo_id: Option<Uuid>,
    is_opop: bool,
    is_halal: bool,
    regency_code: String,
    created_at: OffsetDateTime,
    sold_count: i64,
    seller_name: String,
    seller_slug: String,
    coop_name: String,
    coop_slug: Option<String>,
}

/// A query's bound values and their placeholders.
struct Binds(Vec<Val>);

impl Binds {
    fn push(&mut self, v: Val) -> String {
        self.0.push(v);
        format!("${}", self.0.len())
    }
}

/// The exclusive upper bound of the keys starting with `key` (keys are `[a-z0-9]`, and `{`
/// sorts right after `z` in byte order).
fn prefix_end(key: &str) -> String {
    format!("{key}{{")
}

/// The most words a typed prefix is expanded to before the search falls back to reading the
/// whole key range and sorting it (a one- or two-letter prefix of many words).
const MAX_PREFIX_WORDS: i64 = 16;

/// Which rows a search starts from.
enum Driver {
    /// No words: browse the listed products.
    All,
    /// The rarest word's keys (one exact word, or the few words of a typed prefix), each read
    /// from its index in the page's order: a page costs about one page of index rows.
    Words(Vec<String>),
    /// One word's keys, joined and sorted (best-selling order).
    Word(String),
    /// Every key in `[lo, hi)`, joined and sorted (best-selling order, or a prefix of many
    /// words).
    Range(String, String),
}

/// How a search reads its products: the driving word, and the other words as filters.
struct SearchPlan<'q> {
    driver: Driver,
    filters: Vec<&'q QueryWord>,
}

impl Store {
    /// Chooses the driving word of a search: the rarest (counted up to a cap), an exact word
    /// before a prefix one of the same count. `None` when a word has no product at all (the
    /// page is empty without reading further).
    async fn search_plan<'q>(
        &self,
        words: &'q [QueryWord],
        sort: BrowseSort,
    ) -> StoreResult<Option<SearchPlan<'q>>> {
        if words.is_empty() {
            return Ok(Some(SearchPlan {
                driver: Driver::All,
                filters: vec![],
            }));
        }
        // Every word counted (up to the cap) in one statement: one round trip however many.
        let mut parts = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let b = 3 * i;
            let cond = if w.prefix {
                format!("token >= ${} AND token < ${}", b + 1, b + 2)
            } else {
                // The unused bound is bound (empty) and typed, so the numbering stays 3 per word.
                format!("token = ${} AND CAST(${} AS TEXT) = ''", b + 1, b + 2)
            };
            parts.push(format!(
                "SELECT CAST({i} AS BIGINT) AS i, CAST(COUNT(*) AS BIGINT) AS n FROM
                 (SELECT 1 FROM market_search_token WHERE {cond} LIMIT ${}) x{i}",
                b + 3
            ));
        }
        let sql = parts.join(" UNION ALL ");
        let rows: Vec<(i64, i64)> = on_db!(self.db(), p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for w in words {
                let end = if w.prefix { prefix_end(&w.key) } else { String::new() };
                q = q.bind(w.key.clone()).bind(end).bind(COUNT_CAP);
            }
            q.fetch_all(p).await
        })?;
        let mut counted = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let n = rows
                .iter()
                .find(|(j, _)| usize::try_from(*j).ok() == Some(i))
                .map(|(_, n)| *n)
                .unwrap_or(0);
            if n == 0 {
                return Ok(None);
            }
            counted.push((n, w.prefix, w));
        }
        counted.sort_by_key(|(n, prefix, _)| (*n, *prefix));
        let mut ranked = counted.into_iter().map(|(_, _, w)| w);
        let Some(first) = ranked.next() else {
            return Ok(None);
        };
        let filters = ranked.collect();
        let ordered = sort.token_order().is_some();
        let driver = if !first.prefix {
            if ordered {
                Driver::Words(vec![first.key.clone()])
            } else {
                Driver::Word(first.key.clone())
            }
        } else {
            let expanded: Vec<String> = if ordered {
                on_db!(self.db(), p => sqlx::query_scalar(
                    "SELECT token FROM market_search_word WHERE token >= $1 AND token < $2
                     ORDER BY token LIMIT $3")
                    .bind(&first.key).bind(prefix_end(&first.key)).bind(MAX_PREFIX_WORDS + 1)
                    .fetch_all(p).await)?
            } else {
                vec![]
            };
            if ordered && !expanded.is_empty() && expanded.len() as i64 <= MAX_PREFIX_WORDS {
                Driver::Words(expanded)
            } else {
                Driver::Range(first.key.clone(), prefix_end(&first.key))
            }
        };
        Ok(Some(SearchPlan { driver, filters }))
    }
}

fn cursor_of(sort: BrowseSort, r: &CardRow) -> String {
    let v = match sort {
        BrowseSort::Terbaru => (r.created_at.unix_timestamp_nanos() / 1000) as i64,
        BrowseSort::Termurah | BrowseSort::Termahal => r.min_price,
        BrowseSort::Terlaris => r.sold_count,
    };
    format!("{v}_{}", r.id.simple())
}

fn parse_cursor(s: &str) -> StoreResult<(i64, Uuid)> {
    let bad = || {
        invalid(
            "cursor",
            "Tautan halaman tidak valid",
            "The page link is not valid",
        )
    };
    let (v, id) = s.split_once('_').ok_or_else(bad)?;
    let v: i64 = v.parse().map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((v, id))
}

impl Store {
    /// Whether `buyer` may see the Tomiko (wholesale) catalogue of `secondary`: the coop
    /// itself, or a coop it admitted (`tomiko_access`).
    pub async fn may_see_tomiko(
        &self,
        secondary: KoperasiId,
        buyer: KoperasiId,
    ) -> StoreResult<bool> {
        if secondary == buyer {
            return Ok(true);
        }
        let found: Option<i64> = on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM tomiko_access WHERE koperasi_id = $1 AND buyer_koperasi_id = $2")
            .bind(secondary.0).bind(buyer.0).fetch_optional(p).await)?;
        Ok(found.is_some())
    }

    /// Browses or searches the listed products of all coops (or one coop's or seller's).
    ///
    /// How it stays fast on a million products: without words, the filters and the order
    /// follow the browse indexes (`listed, category, min_price, id`, `listed, regency_code, …`,
    /// `listed, created_at, id`), pages go by keyset cursor and offsets are bounded. With
    /// words, each word's keys are counted on the token index (capped), and the rarest word
    /// drives: its rows are read by the index, each other word is one probe per candidate on
    /// the product's keys, and the product row is reached by its primary key. Names of the
    /// seller and coop are joined only for the page's rows.
    pub async fn search_products(&self, f: &BrowseFilter) -> StoreResult<BrowsePage> {
        let limit = if f.limit <= 0 {
            24
        } else {
            f.limit.min(MAX_PAGE)
        };
        let mut b = Binds(vec![]);
        let mut conds: Vec<String> = vec!["p.listed = TRUE".to_string()];
        match f.face {
            Some(Face::Tomiko) => {
                let (Some(k), Some(buyer)) = (f.koperasi, f.buyer_coop) else {
                    return Ok(BrowsePage::default());
                };
                if !self.may_see_tomiko(k, buyer).await? {
                    return Ok(BrowsePage::default());
                }
                conds.push("p.faces LIKE '%tomiko%'".to_string());
            }
            Some(Face::Opop) => {
                conds.push("p.wholesale_only = FALSE".to_string());
                conds.push("p.is_opop = TRUE".to_string());
            }
            Some(Face::JatimIso) => {
                conds.push("p.wholesale_only = FALSE".to_string());
                conds.push("p.faces LIKE '%umkm%'".to_string());
            }
            None => conds.push("p.wholesale_only = FALSE".to_string()),
        }
        if let Some(c) = f.category {
            let ph = b.push(Val::Text(c.as_str().to_string()));
            conds.push(format!("p.category = {ph}"));
        }
        if let Some(r) = f
            .regency_code
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            let ph = b.push(Val::Text(r.to_string()));
            conds.push(format!("p.regency_code = {ph}"));
        }
        if f.opop_only {
            conds.push("p.is_opop = TRUE".to_string());
        }
        if f.halal_only {
            conds.push("p.is_halal = TRUE".to_string());
        }
        if let Some(m) = f.min_price {
            let ph = b.push(Val::Int(m));
            conds.push(format!("p.min_price >= {ph}"));
        }
        if let Some(m) = f.max_price {
            let ph = b.push(Val::Int(m));
            conds.push(format!("p.min_price <= {ph}"));
        }
        if let Some(k) = f.koperasi {
            let ph = b.push(Val::Uuid(k.0));
            conds.push(format!("p.koperasi_id = {ph}"));
        }
        if let Some(s) = f.seller {
            let ph = b.push(Val::Uuid(s.0));
            conds.push(format!("p.seller_id = {ph}"));
        }
        if let Some(br) = f.brand {
            let ph = b.push(Val::Uuid(br.0));
            conds.push(format!("p.brand_id = {ph}"));
        }
        let query = parse_query(f.q.as_deref().unwrap_or(""));
        let plan = match self.search_plan(&query.words, f.sort).await? {
            Some(plan) => plan,
            None => return Ok(BrowsePage::default()),
        };
        // In token order the page is read from the driver word's index in the sort's order,
        // so the paging bound is written on the index's columns (`t`), as a range the index
        // can seek to.
        let on_tokens = matches!(&plan.driver, Driver::Words(_));
        let mut offset = f.offset.clamp(0, MAX_OFFSET);
        if let Some(c) = f.cursor.as_deref().filter(|c| !c.is_empty()) {
            offset = 0;
            let (v, id) = parse_cursor(c)?;
            let idp = b.push(Val::Uuid(id));
            let (col, vp, op) = match f.sort {
                BrowseSort::Terbaru => {
                    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
                        .map_err(|_| {
                            invalid(
                                "cursor",
                                "Tautan halaman tidak valid",
                                "The page link is not valid",
                            )
                        })?;
                    ("created_at", b.push(Val::Time(t)), "<")
                }
                BrowseSort::Termurah => ("min_price", b.push(Val::Int(v)), ">"),
                BrowseSort::Termahal => ("min_price", b.push(Val::Int(v)), "<"),
                BrowseSort::Terlaris => ("sold_count", b.push(Val::Int(v)), "<"),
            };
            let (tab, id_col) = if on_tokens {
                ("t", "t.product_id")
            } else {
                ("p", "p.id")
            };
            conds.push(format!(
                "{tab}.{col} {op}= {vp} AND ({tab}.{col} {op} {vp} OR {id_col} {op} {idp})"
            ));
        }
        for w in &plan.filters {
            let cond = if w.prefix {
                let lo = b.push(Val::Text(w.key.clone()));
                let hi = b.push(Val::Text(prefix_end(&w.key)));
                format!("o.token >= {lo} AND o.token < {hi}")
            } else {
                let ph = b.push(Val::Text(w.key.clone()));
                format!("o.token = {ph}")
            };
            conds.push(format!(
                "EXISTS (SELECT 1 FROM market_search_token o
                  WHERE o.koperasi_id = p.koperasi_id AND o.product_id = p.id AND {cond})"
            ));
        }
        const CARD_COLS: &str = "p.koperasi_id, p.id, p.seller_id, p.name, p.slug, p.min_price,
            p.cover_photo_id, p.is_opop, p.is_halal, p.regency_code, p.created_at, p.sold_count";
        let conds = conds.join(" AND ");
        let page = limit + 1;
        let hits = match &plan.driver {
            Driver::All => format!(
                "SELECT {CARD_COLS} FROM market_product p WHERE {conds}
                 ORDER BY {} LIMIT {page} OFFSET {offset}",
                f.sort.order("p")
            ),
            Driver::Word(word) => {
                let ph = b.push(Val::Text(word.clone()));
                format!(
                    "SELECT {CARD_COLS} FROM market_search_token t
                     JOIN market_product p ON p.koperasi_id = t.koperasi_id AND p.id = t.product_id
                     WHERE t.token = {ph} AND {conds} ORDER BY {} LIMIT {page} OFFSET {offset}",
                    f.sort.order("p")
                )
            }
            Driver::Range(lo, hi) => {
                let (lo, hi) = (b.push(Val::Text(lo.clone())), b.push(Val::Text(hi.clone())));
                format!(
                    "SELECT {CARD_COLS}
                     FROM (SELECT DISTINCT koperasi_id, product_id FROM market_search_token
                           WHERE token >= {lo} AND token < {hi}) t
                     JOIN market_product p ON p.koperasi_id = t.koperasi_id AND p.id = t.product_id
                     WHERE {conds} ORDER BY {} LIMIT {page} OFFSET {offset}",
                    f.sort.order("p")
                )
            }
            Driver::Words(words) => {
                // `CROSS JOIN` keeps the word's index as the outer loop on SQLite (its
                // planner does not reorder a cross join); PostgreSQL reads it as a plain join.
                let order = f.sort.token_order().unwrap_or("");
                let one = |b: &mut Binds, word: &str, n: i64, off: i64| {
                    let ph = b.push(Val::Text(word.to_string()));
                    format!(
                        "SELECT {CARD_COLS} FROM market_search_token t CROSS JOIN market_product p
                         WHERE t.token = {ph} AND p.koperasi_id = t.koperasi_id AND p.id = t.product_id
                           AND {conds}
                         ORDER BY {order} LIMIT {n} OFFSET {off}"
                    )
                };
                if let [word] = words.as_slice() {
                    one(&mut b, word, page, offset)
                } else {
                    // A prefix of a few words: each word's first rows in order, merged. A
                    // product with two of the words comes twice and is kept once.
                    let parts: Vec<String> = words
                        .iter()
                        .enumerate()
                        .map(|(i, w)| {
                            format!("SELECT * FROM ({}) w{i}", one(&mut b, w, page + offset, 0))
                        })
                        .collect();
                    format!(
                        "SELECT DISTINCT * FROM ({}) u ORDER BY {} LIMIT {page} OFFSET {offset}",
                        parts.join(" UNION ALL "),
                        f.sort.order("u")
                    )
                }
            }
        };
        let sql = format!(
            "SELECT x.koperasi_id, x.id, x.name, x.slug, x.min_price, x.cover_photo_id, x.is_opop, x.is_halal,
                x.regency_code, x.created_at, x.sold_count, s.name AS seller_name, s.slug AS seller_slug,
                k.name AS coop_name, m.slug AS coop_slug
             FROM ({hits}) x
             JOIN market_seller s ON s.koperasi_id = x.koperasi_id AND s.id = x.seller_id
             JOIN koperasi k ON k.id = x.koperasi_id
             LEFT JOIN market_settings m ON m.koperasi_id = x.koperasi_id
             ORDER BY {}",
            f.sort.order("x"),
        );
        let vals = b.0;
        let mut rows: Vec<CardRow> = on_db!(self.db(), p =>
            bind_vals!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), vals).fetch_all(p).await)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| cursor_of(f.sort, r))
        } else {
            None
        };
        let cards = rows
            .into_iter()
            .map(|r| ProductCard {
                koperasi_id: KoperasiId(r.koperasi_id),
                id: MarketProductId(r.id),
                name: r.name,
                slug: r.slug,
                seller_name: r.seller_name,
                seller_slug: r.seller_slug,
                coop_name: r.coop_name,
                coop_slug: r.coop_slug,
                min_price: r.min_price,
                cover_photo_id: r.cover_photo_id.map(MarketFileId),
                curated: true,
                is_opop: r.is_opop,
                is_halal: r.is_halal,
                regency_name: guyub_core::region::lookup(&r.regency_code)
                    .unwrap_or("")
                    .to_string(),
                regency_code: r.regency_code,
            })
            .collect();
        Ok(BrowsePage { cards, next_cursor })
    }
}

// ---------------------------------------------------------------------------------------------
// Public reads: product page, storefronts

/// A coop's public storefront.
#[derive(Debug, Clone, Serialize)]
pub struct Storefront {
    pub koperasi_id: KoperasiId,
    pub name: String,
    pub slug: String,
    pub regency_code: String,
    pub is_pesantren: bool,
    pub runs_tomiko: bool,
    pub pickup_address: Option<String>,
}

/// Everything the public product page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProductPage {
    /// Variant costs are zeroed and the curation history left out: they are the coop's.
    pub product: Product,
    pub seller: Seller,
    pub coop_name: String,
    pub coop_slug: String,
    /// The communal brand the product is listed under, if any.
    pub brand: Option<Brand>,
}

#[derive(sqlx::FromRow)]
struct StorefrontRow {
    koperasi_id: Uuid,
    name: String,
    slug: String,
    regency_code: String,
    is_pesantren: bool,
    runs_tomiko: bool,
    pickup_address: Option<String>,
}

const STOREFRONT_SQL: &str = "SELECT m.koperasi_id, k.name, m.slug, k.regency_code, k.is_pesantren, m.runs_tomiko, m.pickup_address
     FROM market_settings m JOIN koperasi k ON k.id = m.koperasi_id WHERE m.opt_in = TRUE";

impl StorefrontRow {
    fn into_storefront(self) -> Storefront {
        Storefront {
            koperasi_id: KoperasiId(self.koperasi_id),
            name: self.name,
            slug: self.slug,
            regency_code: self.regency_code,
            is_pesantren: self.is_pesantren,
            runs_tomiko: self.runs_tomiko,
            pickup_address: self.pickup_address,
        }
    }
}

impl Store {
    /// The storefront of an opted-in coop, by its slug.
    pub async fn coop_storefront(&self, slug: &str) -> StoreResult<Storefront> {
        let sql = format!("{STOREFRONT_SQL} AND m.slug = $1");
        let row: Option<StorefrontRow> = on_db!(self.db(), p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(slug.trim()).fetch_optional(p).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into_storefront())
    }

    /// The public page of a listed product, by its coop (storefront slug or id) and its slug.
    /// An unlisted product is `NotFound`, and so is a wholesale-only one unless `buyer_coop`
    /// may see the coop's Tomiko catalogue.
    pub async fn product_page(
        &self,
        coop: &str,
        product_slug: &str,
        buyer_coop: Option<KoperasiId>,
    ) -> StoreResult<ProductPage> {
        let sf = match KoperasiId::parse(coop) {
            Some(k) => {
                let sql = format!("{STOREFRONT_SQL} AND m.koperasi_id = $1");
                let row: Option<StorefrontRow> = on_db!(self.db(), p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(k.0).fetch_optional(p).await)?;
                row.ok_or(StoreError::NotFound)?.into_storefront()
            }
            None => self.coop_storefront(coop).await?,
        };
        let k = sf.koperasi_id;
        let row: Option<(Uuid, bool)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, wholesale_only FROM market_product WHERE koperasi_id = $1 AND slug = $2 AND listed = TRUE")
            .bind(k.0).bind(product_slug.trim()).fetch_optional(p).await)?;
        let (id, wholesale) = row.ok_or(StoreError::NotFound)?;
        if wholesale {
            let ok = match buyer_coop {
                Some(b) => self.may_see_tomiko(k, b).await?,
                None => false,
            };
            if !ok {
                return Err(StoreError::NotFound);
            }
        }
        let mut product = product_full(self.db(), k, MarketProductId(id), None).await?;
        for v in &mut product.variants {
            v.cost = 0;
        }
        product.history.clear();
        product.variants.retain(|v| v.active);
        let seller = self.tenant(k).seller(product.summary.seller_id).await?;
        let brand = match product.summary.brand_id {
            Some(b) => {
                let row: Option<BrandRow> = on_db!(self.db(), p => sqlx::query_as(
                    "SELECT id, koperasi_id, slug, name, description FROM market_brand WHERE id = $1")
                    .bind(b.0).fetch_optional(p).await)?;
                row.map(Brand::from)
            }
            None => None,
        };
        Ok(ProductPage {
            product,
            seller,
            coop_name: sf.name,
            coop_slug: sf.slug,
            brand,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Tomiko access

/// A coop admitted to a secondary coop's wholesale catalogue.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TomikoAccess {
    pub buyer_koperasi_id: Uuid,
    pub payment_terms_days: i64,
    pub granted_by: String,
    pub granted_at: OffsetDateTime,
}

/// The longest payment term a secondary coop may give, in days.
pub const MAX_TERMS_DAYS: i64 = 180;

impl Tenant<'_> {
    /// Admits `buyer` to this secondary coop's Tomiko catalogue, with payment due in
    /// `terms_days` days (0 = cash). Granting again changes the terms.
    pub async fn grant_tomiko_access(
        &self,
        actor: &Actor,
        buyer: KoperasiId,
        terms_days: i64,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        if !(0..=MAX_TERMS_DAYS).contains(&terms_days) {
            return Err(invalid(
                "terms_days",
                format!("Tempo pembayaran 0 sampai {MAX_TERMS_DAYS} hari"),
                format!("Payment terms are 0 to {MAX_TERMS_DAYS} days"),
            ));
        }
        if buyer == k {
            return Err(invalid(
                "buyer",
                "Koperasi tidak perlu memberi akses kepada dirinya sendiri",
                "A coop does not need access to its own catalogue",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let coop = coop_tx(&mut tx, k).await?;
        if coop.tier != CoopTier::Secondary.as_str() {
            return Err(conflict(
                "Hanya koperasi sekunder yang menjalankan katalog Tomiko",
                "Only a secondary coop runs a Tomiko catalogue",
            ));
        }
        coop_tx(&mut tx, buyer).await.map_err(|e| match e {
            StoreError::NotFound => invalid(
                "buyer",
                "Koperasi pembeli tidak ditemukan",
                "Buying coop not found",
            ),
            e => e,
        })?;
        let before: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT payment_terms_days FROM tomiko_access WHERE koperasi_id = $1 AND buyer_koperasi_id = $2")
            .bind(k.0).bind(buyer.0).fetch_optional(&mut **c).await)?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO tomiko_access (koperasi_id, buyer_koperasi_id, payment_terms_days, granted_by, granted_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (koperasi_id, buyer_koperasi_id) DO UPDATE SET payment_terms_days = excluded.payment_terms_days,
                granted_by = excluded.granted_by, granted_at = excluded.granted_at")
            .bind(k.0).bind(buyer.0).bind(terms_days).bind(&actor.name).bind(now())
            .execute(&mut **c).await.map(|_| ()))?;
        audit::record(
            &mut tx,
            k,
            actor,
            "tomiko_access",
            &buyer.to_string(),
            if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            &diff([(
                "payment_terms_days",
                before.map(|d| d.to_string()),
                Some(terms_days.to_string()),
            )]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws `buyer`'s access to this coop's Tomiko catalogue.
    pub async fn revoke_tomiko_access(&self, actor: &Actor, buyer: KoperasiId) -> StoreResult<()> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "DELETE FROM tomiko_access WHERE koperasi_id = $1 AND buyer_koperasi_id = $2")
            .bind(k.0).bind(buyer.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "tomiko_access",
            &buyer.to_string(),
            Action::Delete,
            &diff([("buyer_koperasi_id", Some(buyer.to_string()), None)]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `buyer`'s access to this coop's Tomiko catalogue, if admitted.
    pub async fn tomiko_access_of(&self, buyer: KoperasiId) -> StoreResult<Option<TomikoAccess>> {
        Ok(on_db!(self.db, p => sqlx::query_as(
            "SELECT buyer_koperasi_id, payment_terms_days, granted_by, granted_at FROM tomiko_access
             WHERE koperasi_id = $1 AND buyer_koperasi_id = $2")
            .bind(self.koperasi_id.0).bind(buyer.0).fetch_optional(p).await)?)
    }

    /// Every coop admitted to this coop's Tomiko catalogue.
    pub async fn tomiko_buyers(&self) -> StoreResult<Vec<TomikoAccess>> {
        Ok(on_db!(self.db, p => sqlx::query_as(
            "SELECT buyer_koperasi_id, payment_terms_days, granted_by, granted_at FROM tomiko_access
             WHERE koperasi_id = $1 ORDER BY granted_at")
            .bind(self.koperasi_id.0).fetch_all(p).await)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk fill for benchmarks

/// What [`fill_market`] wrote.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FillReport {
    pub coops: usize,
    pub products: usize,
    pub tokens: usize,
}

/// `head` followed by ` VALUES` and `rows` copies of `row`, whose `?` become numbered
/// placeholders (literals such as `TRUE` stay as they are: booleans bind differently on the
/// two engines).
fn values_with(head: &str, rows: usize, row: &str) -> String {
    let mut sql = String::with_capacity(head.len() + rows * (row.len() + 16));
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        for ch in row.chars() {
            if ch == '?' {
                n += 1;
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push(ch);
            }
        }
    }
    sql
}

async fn insert_with(db: &Db, head: &str, row: &str, rows: &[Vec<Val>]) -> StoreResult<()> {
    let cols = row.matches('?').count();
    let per = rows_per_statement(db.engine(), cols);
    for chunk in rows.chunks(per) {
        let sql = values_with(head, chunk.len(), row);
        let vals: Vec<Val> = chunk.iter().flatten().cloned().collect();
        on_db!(db, p => bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), vals)
            .execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

const FILL_GOODS: [(&str, Category); 10] = [
    ("Keripik", Category::MakananMinuman),
    ("Kopi", Category::MakananMinuman),
    ("Batik", Category::FashionBatik),
    ("Sambal", Category::MakananMinuman),
    ("Madu", Category::KesehatanHerbal),
    ("Beras", Category::Sembako),
    ("Sarung", Category::BukuIbadah),
    ("Jamu", Category::KesehatanHerbal),
    ("Anyaman", Category::Kerajinan),
    ("Pupuk", Category::SaranaProduksi),
];
const FILL_KINDS: [&str; 12] = [
    "Pisang", "Singkong", "Robusta", "Arabika", "Tulis", "Cap", "Bawang", "Hutan", "Organik",
    "Tenun", "Kunyit", "Pandan",
];
const FILL_NAMES: [&str; 10] = [
    "Agung",
    "Barokah",
    "Makmur",
    "Sejahtera",
    "Jaya",
    "Lestari",
    "Berkah",
    "Mandiri",
    "Sentosa",
    "Amanah",
];
const FILL_REGENCIES: [&str; 12] = [
    "35.07", "35.73", "35.78", "35.15", "35.09", "35.10", "35.24", "35.25", "35.26", "35.27",
    "35.28", "35.29",
];

/// Fills the marketplace for a benchmark (never used by the application): `coops` new opted-in
/// coops with one seller each and `products` curated, listed products spread over them, each
/// with one variant and its search keys, written with multi-row inserts. Names are built from
/// common UMKM words so searches have realistic selectivity. Returns what was written.
pub async fn fill_market(db: &Db, coops: usize, products: usize) -> StoreResult<FillReport> {
    let coops = coops.max(1);
    let t = now();
    let run = Uuid::now_v7().simple().to_string();
    let tag = &run[run.len() - 6..];
    let mut coop_ids = Vec::with_capacity(coops);
    let mut seller_ids = Vec::with_capacity(coops);
    let mut coop_rows = vec![];
    let mut settings_rows = vec![];
    let mut seller_rows = vec![];
    for i in 0..coops {
        let k = Uuid::now_v7();
        let s = Uuid::now_v7();
        coop_ids.push(k);
        seller_ids.push(s);
        let regency = FILL_REGENCIES[i % FILL_REGENCIES.len()];
        let name = format!("Koperasi {} {i}", FILL_NAMES[i % FILL_NAMES.len()]);
        coop_rows.push(vec![
            Val::Uuid(k),
            Val::Text(format!("B{tag}{i}")),
            Val::Text(name.clone()),
            Val::Text(format!("{regency}.01.2001")),
            Val::Text(regency.to_string()),
            Val::Time(t),
        ]);
        settings_rows.push(vec![
            Val::Uuid(k),
            Val::Text(format!("k{tag}-{i}")),
            Val::Time(t),
        ]);
        seller_rows.push(vec![
            Val::Uuid(k),
            Val::Uuid(s),
            Val::Text(format!(
                "UMKM {} {i}",
                FILL_NAMES[(i / 3) % FILL_NAMES.len()]
            )),
            Val::Text(format!("umkm-{tag}-{i}")),
            Val::Text(regency.to_string()),
            Val::Time(t),
        ]);
    }
    insert_with(
        db,
        "INSERT INTO koperasi (id, code, name, kind, pattern, tier, is_pesantren, address, region_code, province_code,
            regency_code, timezone, created_at, updated_at)",
        "(?, ?, ?, 'konsumen', 'konvensional', 'primer', FALSE, 'Jl. Raya 1', ?, '35', ?, 'wib', ?, ?)",
        &coop_rows
            .into_iter()
            .map(|mut r| {
                let t = r[5].clone();
                r.push(t);
                r
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    insert_with(
        db,
        "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)",
        "(?, TRUE, ?, 1000, FALSE, NULL, NULL, ?)",
        &settings_rows,
    )
    .await?;
    insert_with(
        db,
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)",
        "(?, ?, 'umkm', ?, ?, 'Pemilik', NULL, NULL, NULL, 'Jl. Raya 1', ?, ?, 'makanan-minuman', NULL, '', TRUE, 1000, TRUE, ?, ?)",
        &seller_rows
            .into_iter()
            .map(|mut r| {
                // region_code and regency_code are the same regency; created_at = updated_at.
                let reg = r[4].clone();
                let t = r[5].clone();
                r.insert(5, reg);
                r.push(t);
                r
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut report = FillReport {
        coops,
        ..FillReport::default()
    };
    let batch = 5_000;
    let mut i = 0;
    while i < products {
        let end = (i + batch).min(products);
        let mut prows = vec![];
        let mut vrows = vec![];
        let mut trows = vec![];
        for n in i..end {
            let c = n % coops;
            let (good, cat) = FILL_GOODS[n % FILL_GOODS.len()];
            let kind = FILL_KINDS[(n / 7) % FILL_KINDS.len()];
            let brand = FILL_NAMES[(n / 13) % FILL_NAMES.len()];
            let name = format!("{good} {kind} {brand} {n}");
            let pid = Uuid::now_v7();
            let price = 5_000 + ((n * 7_919) % 200) as i64 * 500;
            let regency = FILL_REGENCIES[c % FILL_REGENCIES.len()];
            let created = t - Duration::seconds(n as i64);
            let seller_name = format!("UMKM {} {c}", FILL_NAMES[(c / 3) % FILL_NAMES.len()]);
            for key in product_keys(&name, cat.as_str(), &seller_name, None) {
                trows.push(vec![
                    Val::Text(key),
                    Val::Uuid(coop_ids[c]),
                    Val::Uuid(pid),
                    Val::Time(created),
                    Val::Int(price),
                ]);
            }
            prows.push(vec![
                Val::Uuid(coop_ids[c]),
                Val::Uuid(pid),
                Val::Uuid(seller_ids[c]),
                Val::Text(name),
                Val::Text(format!("p-{n}")),
                Val::Text(cat.as_str().to_string()),
                Val::Int(price),
                Val::Text(regency.to_string()),
                Val::Int((n % 500) as i64),
                Val::Time(created),
                Val::Time(created),
                Val::Time(created),
            ]);
            vrows.push(vec![
                Val::Uuid(coop_ids[c]),
                Val::Uuid(Uuid::now_v7()),
                Val::Uuid(pid),
                Val::Int(price),
            ]);
        }
        insert_with(
            db,
            "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id,
                status, listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count,
                curated_at, created_at, updated_at)",
            "(?, ?, ?, ?, ?, ?, '', 'umkm', NULL, 'terkurasi', TRUE, FALSE, FALSE, FALSE, ?, ?, NULL, ?, ?, ?, ?)",
            &prows,
        )
        .await?;
        insert_with(
            db,
            "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
                wholesale_tiers, cost, weight_g, stock, active)",
            "(?, ?, ?, 1, '', NULL, NULL, ?, NULL, '', 0, 250, 100, TRUE)",
            &vrows,
        )
        .await?;
        insert_rows_db(
            db,
            "INSERT INTO market_search_token (token, koperasi_id, product_id, created_at, min_price)",
            5,
            &trows,
        )
        .await?;
        for (sql, vals) in word_inserts(db.engine(), &trows) {
            on_db!(db, p => bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), vals)
                .execute(p).await.map(|_| ()))?;
        }
        report.products += end - i;
        report.tokens += trows.len();
        i = end;
    }
    Ok(report)
}
