//! Shared setup of the marketplace store tests: coops with the standard chart, members,
//! market settings, sellers and variants made with direct SQL, and the checks every test
//! ends with (books verify clean, an account's net balance).

#![allow(dead_code)]

use std::collections::BTreeSet;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{KoperasiId, MemberId, SellerId, VariantId};
use guyub_core::market::shipping::{Zone, ZoneRates};
use guyub_core::member::ValidMember;
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::{Actor, Store, Tenant, on_db};
use time::macros::date;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

pub const BUYER_PHONE: &str = "0812-3456-7890";

pub async fn books_ok(s: &Store, k: KoperasiId) {
    let problems = s.verify_books(Some(k)).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let tb = s.tenant(k).trial_balance().await.unwrap();
    assert_eq!(tb.total_debit, tb.total_credit);
}

pub async fn count(s: &Store, sql: &str) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

pub async fn market_settings(s: &Store, k: KoperasiId, slug: &str) {
    let zones = ZoneRates::new(
        vec![Zone {
            regencies: BTreeSet::from([region("35.73")]),
            fee: Rupiah(10_000),
        }],
        None,
    )
    .unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)
         VALUES ($1, $2, $3, 1000, $4, 'Jl. Pasar 1', $5, $6)")
        .bind(k.0).bind(true).bind(slug).bind(false).bind(serde_json::to_string(&zones).unwrap())
        .bind(OffsetDateTime::now_utc()).execute(p).await.map(|r| r.rows_affected())).unwrap();
}

/// Debit minus credit of the account with `code`.
pub async fn net(t: &Tenant<'_>, code: &str) -> i64 {
    t.trial_balance()
        .await
        .unwrap()
        .rows
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.debit - r.credit)
        .unwrap_or(0)
}

pub async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    let data = CoopData {
        code: code.to_string(),
        name: format!("Koperasi {code}"),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::Konsumen,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. MT Haryono 1, Dinoyo".to_string(),
        region: region("35.73.05.1004"),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    s.create_koperasi(&staff(), &data, &Bylaws::default(), 2020)
        .await
        .unwrap()
}

/// A member of `t`, with `phone` (E.164) set; returns the id and member number.
pub async fn new_member(
    s: &Store,
    t: &Tenant<'_>,
    name: &str,
    serial: u16,
    phone: &str,
) -> (MemberId, String) {
    let birth = Date::from_calendar_date(
        1970 + i32::from(serial % 30),
        Month::March,
        1 + (serial % 28) as u8,
    )
    .unwrap();
    let g = guyub_core::member::Gender::Female;
    let m = ValidMember {
        nik: nik_for(&region("35.73.05"), birth, g, serial).unwrap(),
        name: name.to_string(),
        gender: g,
        birth_place: "Malang".to_string(),
        birth_date: birth,
        address: "Jl. Soekarno-Hatta 9".to_string(),
        region: region("35.73.05.1004"),
        phone: None,
        occupation: "Pedagang".to_string(),
        joined_on: date!(2024 - 01 - 02),
    };
    let id = t.create_member(&staff(), &m).await.unwrap().id;
    on_db!(s.db(), p => sqlx::query("UPDATE member SET phone = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(t.id().0).bind(id.0).bind(phone).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let no: String = on_db!(s.db(), p => sqlx::query_scalar("SELECT member_no FROM member WHERE koperasi_id = $1 AND id = $2")
        .bind(t.id().0).bind(id.0).fetch_one(p).await).unwrap();
    (id, no)
}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

pub async fn seller(
    s: &Store,
    k: KoperasiId,
    slug: &str,
    consignment: bool,
    member: Option<MemberId>,
    commission_bp: i64,
) -> SellerId {
    let id = SellerId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
         VALUES ($1, $2, 'umkm', $3, $4, 'Bu Sri', $5, NULL, NULL, 'Jl. Pasar 2', '35.73.05.1004', '35.73',
            'makanan_minuman', '+6281111111111', '', $6, $7, $8, $9, $9)")
        .bind(k.0).bind(id.0).bind(format!("Toko {slug}")).bind(slug).bind(member.map(|m| m.0))
        .bind(consignment).bind(commission_bp).bind(true).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    id
}

pub fn staff() -> Actor {
    Actor::system("Kasir Uji")
}

pub async fn stock(s: &Store, k: KoperasiId, v: VariantId) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar("SELECT stock FROM market_variant WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(v.0).fetch_one(p).await).unwrap()
}

pub async fn variant(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    price: i64,
    member_price: Option<i64>,
    cost: i64,
    stock: i64,
) -> VariantId {
    let pid = Uuid::now_v7();
    let vid = VariantId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id, status,
            listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count, curated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'makanan_minuman', '', 'umkm', NULL, 'disetujui', $6, $7, $6, $7, $8, '35.73', NULL, 0, NULL, $9, $9)")
        .bind(k.0).bind(pid).bind(seller.0).bind(name).bind(name.to_lowercase().replace(' ', "-"))
        .bind(true).bind(false).bind(price).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
            wholesale_tiers, cost, weight_g, stock, active)
         VALUES ($1, $2, $3, 1, '', NULL, NULL, $4, $5, '', $6, 250, $7, $8)")
        .bind(k.0).bind(vid.0).bind(pid).bind(price).bind(member_price).bind(cost).bind(stock).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}
