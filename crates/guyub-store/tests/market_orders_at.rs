//! Past orders (issue #5, the demo's year of orders) on both engines: a checkout, its payment,
//! its order actions and a seller payout made "at" an earlier instant carry that instant, and
//! their journal entries and patronage are dated on its day (so the fiscal year follows); a
//! closed fiscal year refuses the payment with nothing written. Also the shipping rates
//! setter the demo uses. Fixtures are the ones of `market_orders.rs` (direct SQL).

mod common;

use std::collections::BTreeSet;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{KoperasiId, MemberId, SellerId, VariantId};
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_core::market::shipping::{Zone, ZoneRates};
use guyub_core::member::ValidMember;
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, PayoutMethod,
    ShipChoice, ShipTo,
};
use guyub_store::{Actor, Engine, Store, StoreError, Tenant, on_db};
use time::macros::date;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

macro_rules! store_test {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                common::run(Engine::Sqlite, |$s: Store| async move $body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                common::run(Engine::Postgres, |$s: Store| async move $body).await
            }
        }
    };
}

const BUYER_PHONE: &str = "0812-3456-7890";

fn staff() -> Actor {
    Actor::system("Kasir Uji")
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

async fn new_coop(s: &Store, code: &str) -> KoperasiId {
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
async fn new_member(
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

async fn market_settings(s: &Store, k: KoperasiId, slug: &str) {
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

async fn seller(
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

/// A listed product with one variant; returns the variant id.
#[allow(clippy::too_many_arguments)]
async fn variant(
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

async fn count(s: &Store, sql: &str) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

async fn books_ok(s: &Store, k: KoperasiId) {
    let problems = s.verify_books(Some(k)).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let tb = s.tenant(k).trial_balance().await.unwrap();
    assert_eq!(tb.total_debit, tb.total_credit);
}

fn wib(y: i32, m: u8, d: u8, h: u8) -> OffsetDateTime {
    Date::from_calendar_date(y, Month::try_from(m).unwrap(), d)
        .unwrap()
        .with_hms(h, 0, 0)
        .unwrap()
        .assume_offset(CoopTimeZone::Wib.offset())
}

async fn entry_date(s: &Store, k: KoperasiId, source_id: &str, refund: bool) -> Vec<Date> {
    on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT entry_date FROM journal_entry WHERE koperasi_id = $1 AND source_id = $2 AND (description LIKE $3)
         ORDER BY entry_no")
        .bind(k.0).bind(source_id).bind(if refund { "Pengembalian%" } else { "Penjualan%" })
        .fetch_all(p).await).unwrap()
}

/// One kopi (own goods, member price Rp 45.000) bought by a member, picked up, paid cash.
fn cart(k: KoperasiId, toko: SellerId, kopi: VariantId, member_no: &str) -> CheckoutInput {
    CheckoutInput {
        operator: k,
        idem_key: None,
        buyer: BuyerInput {
            name: "Siti Aminah".into(),
            phone: BUYER_PHONE.into(),
            user_id: None,
            member_no: Some(member_no.into()),
        },
        lines: vec![CheckoutLineInput {
            coop_id: k,
            variant_id: kopi,
            qty: 1,
        }],
        groups: vec![GroupChoice {
            coop_id: k,
            seller_id: toko,
            shipping: ShipChoice::Pickup,
            ship_to: ShipTo {
                name: String::new(),
                address: String::new(),
                region: None,
            },
        }],
        pay_method: CheckoutPay::CashAtPickup,
    }
}

store_test!(a_past_order_is_booked_on_its_days, |s| {
    let k = new_coop(&s, "LALU").await;
    market_settings(&s, k, "lalu").await;
    let t = s.tenant(k);
    let (member, no) = new_member(&s, &t, "Siti Aminah", 1, "+6281234567890").await;
    let toko = seller(&s, k, "toko", false, None, 0).await;
    let ukm = seller(&s, k, "ukm", true, Some(member), 1000).await;
    let kopi = variant(&s, k, toko, "Kopi Dampit", 50_000, Some(45_000), 30_000, 10).await;
    let keripik = variant(&s, k, ukm, "Keripik Tempe", 20_000, None, 0, 10).await;

    // Made on 14 March 2025 (late evening WIB, still the 14th there), paid the next morning.
    let made = wib(2025, 3, 14, 22);
    let c = s
        .checkout_at(&cart(k, toko, kopi, &no), made)
        .await
        .unwrap();
    assert_eq!(c.created_at, made);
    assert_eq!(c.expires_at, made + time::Duration::days(3));
    let o = &c.orders[0];
    assert!(o.order_no.contains("-2025-"), "{}", o.order_no);
    assert_eq!(o.goods_total, 45_000);
    let paid = s
        .mark_checkout_paid_at(&staff(), k, c.id, "Tunai", wib(2025, 3, 15, 9))
        .await
        .unwrap();
    assert_eq!(paid.paid_at, Some(wib(2025, 3, 15, 9)));
    assert_eq!(
        entry_date(&s, k, &o.id.to_string(), false).await,
        vec![date!(2025 - 03 - 15)]
    );
    let rows = t.patronage_of(member, 2025).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].tx_date, rows[0].amount),
        (date!(2025 - 03 - 15), 45_000)
    );
    assert!(t.patronage_of(member, 2026).await.unwrap().is_empty());

    // Processed, handed over, then returned on 2 April: the refund is dated that day.
    for (action, day) in [(OrderAction::Process, 16), (OrderAction::Receive, 17)] {
        t.order_action_at(
            &staff(),
            OrderActor::CoopStaff,
            None,
            o.id,
            &action,
            wib(2025, 3, day, 10),
        )
        .await
        .unwrap();
    }
    let r = t
        .order_action_at(
            &staff(),
            OrderActor::CoopStaff,
            None,
            o.id,
            &OrderAction::Return,
            wib(2025, 4, 2, 10),
        )
        .await
        .unwrap();
    assert_eq!(r.order.status, OrderStatus::Dikembalikan);
    assert_eq!(r.refund, 45_000);
    assert_eq!(
        entry_date(&s, k, &o.id.to_string(), true).await,
        vec![date!(2025 - 04 - 02)]
    );
    let rows = t.patronage_of(member, 2025).await.unwrap();
    assert_eq!(rows.iter().map(|p| p.amount).sum::<i64>(), 0);
    assert_eq!(rows[1].tx_date, date!(2025 - 04 - 02));
    let events = s.order_events(k, o.id).await.unwrap();
    assert!(
        events.iter().all(|e| e.at < wib(2025, 4, 3, 0)),
        "{events:?}"
    );

    // A consignment sale completed in May and paid out on 25 May: the payout's entry too.
    let mut ck = cart(k, ukm, keripik, &no);
    ck.groups[0].seller_id = ukm;
    let c2 = s.checkout_at(&ck, wib(2025, 5, 10, 10)).await.unwrap();
    s.mark_checkout_paid_at(&staff(), k, c2.id, "Tunai", wib(2025, 5, 10, 11))
        .await
        .unwrap();
    let o2 = c2.orders[0].id;
    t.order_action_at(
        &staff(),
        OrderActor::CoopStaff,
        None,
        o2,
        &OrderAction::Process,
        wib(2025, 5, 11, 10),
    )
    .await
    .unwrap();
    t.order_action_at(
        &staff(),
        OrderActor::CoopStaff,
        None,
        o2,
        &OrderAction::Receive,
        wib(2025, 5, 12, 10),
    )
    .await
    .unwrap();
    let payout = t
        .create_payout_at(&staff(), ukm, PayoutMethod::Cash, wib(2025, 5, 25, 10))
        .await
        .unwrap();
    assert_eq!(payout.amount, 18_000); // Rp 20.000 less 10 % commission
    assert_eq!(payout.created_at, wib(2025, 5, 25, 10));
    let d: Date = on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT entry_date FROM journal_entry WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(payout.entry_id.0).fetch_one(p).await)
    .unwrap();
    assert_eq!(d, date!(2025 - 05 - 25));
    books_ok(&s, k).await;
});

store_test!(
    a_closed_year_refuses_a_past_payment_with_nothing_written,
    |s| {
        let k = new_coop(&s, "TUTUP").await;
        market_settings(&s, k, "tutup").await;
        let t = s.tenant(k);
        let (_, no) = new_member(&s, &t, "Siti Aminah", 1, "+6281234567890").await;
        let toko = seller(&s, k, "toko", false, None, 0).await;
        let kopi = variant(&s, k, toko, "Kopi Dampit", 50_000, Some(45_000), 30_000, 10).await;
        t.close_year(&staff(), 2024).await.unwrap();
        let c = s
            .checkout_at(&cart(k, toko, kopi, &no), wib(2024, 12, 30, 10))
            .await
            .unwrap();
        let entries = count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await;
        let e = s
            .mark_checkout_paid_at(&staff(), k, c.id, "Tunai", wib(2024, 12, 31, 10))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
        assert_eq!(
            count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await,
            entries
        );
        assert_eq!(s.checkout_view(k, c.id).await.unwrap().state, "menunggu");
        assert_eq!(
            count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM patronage").await,
            0
        );
        // Paid in the open year instead, it posts.
        s.mark_checkout_paid_at(&staff(), k, c.id, "Tunai", wib(2025, 1, 2, 10))
            .await
            .unwrap();
        books_ok(&s, k).await;
    }
);

store_test!(shipping_rates_are_replaced_and_quoted, |s| {
    use guyub_core::market::shipping::{CourierRate, Etd, RateTable};
    let k = new_coop(&s, "KIRIM").await;
    let t = s.tenant(k);
    let zones = ZoneRates::new(
        vec![Zone {
            regencies: BTreeSet::from([region("35.73")]),
            fee: Rupiah(12_000),
        }],
        None,
    )
    .unwrap();
    let rates = RateTable::from_rows(vec![CourierRate {
        courier: "JNE".into(),
        service: "REG".into(),
        dest: region("35.78"),
        price_per_kg: Rupiah(9_000),
        min_kg: 1,
        etd: Etd::new(2, 3),
    }])
    .unwrap();
    // No storefront yet: refused, nothing written.
    assert!(matches!(
        t.set_shipping_rates(&staff(), Some(&zones), &rates).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_courier_rate"
        )
        .await,
        0
    );
    market_settings(&s, k, "kirim").await;
    t.set_shipping_rates(&staff(), Some(&zones), &rates)
        .await
        .unwrap();
    // Twice: replaced, not added.
    t.set_shipping_rates(&staff(), Some(&zones), &rates)
        .await
        .unwrap();
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_courier_rate"
        )
        .await,
        1
    );
    let offer = s
        .shipping_offer(k, 1500, Some(&region("35.78")))
        .await
        .unwrap();
    assert_eq!(offer.couriers.len(), 1);
    assert_eq!(offer.couriers[0].fee, Rupiah(18_000)); // 2 kg at Rp 9.000
    assert!(offer.has_zones && offer.has_couriers);
    let near = s
        .shipping_offer(k, 500, Some(&region("35.73")))
        .await
        .unwrap();
    assert_eq!(near.zone_fee, Some(Rupiah(12_000)));
});
