//! The seller dashboard and the exports (issue #5 part 9) and the member's own patronage
//! (part 10) on both engines: exact sales, refunds, items, work counts, low stock and what is
//! owed after a few orders (paid, refunded, cancelled unpaid, delivered on consignment); a
//! seller never sees another seller's numbers; exports add up to the dashboard.
//! Sellers, products and variants are made with direct SQL (the catalogue has its own tests).

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{KoperasiId, MemberId, SellerId, VariantId};
use guyub_core::market::dashboard::DayRange;
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_store::market::order::{
    BuyerInput, Checkout, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, PayoutMethod,
    ShipChoice, ShipTo,
};
use guyub_store::{Store, StoreError, Tenant, on_db};
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

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
            'makanan-minuman', '+6281111111111', '', $6, $7, $8, $9, $9)")
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
         VALUES ($1, $2, $3, $4, $5, 'makanan-minuman', '', 'umkm', NULL, 'disetujui', $6, $7, $6, $7, $8, '35.73', NULL, 0, NULL, $9, $9)")
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

/// One coop with two sellers (its own shop, and a member's consignment stall at 10 %), and a
/// second coop with its own seller.
struct World {
    a: KoperasiId,
    b: KoperasiId,
    toko: SellerId,
    ukm: SellerId,
    toko_b: SellerId,
    kopi: VariantId,    // toko: Rp 50.000, member Rp 45.000, cost 30.000, stock 10
    keripik: VariantId, // ukm (consignment): Rp 12.345, stock 5
    buyer_no: String,
    buyer_member: MemberId,
}

async fn world(s: &Store) -> World {
    let a = new_coop(s, "DSHA").await;
    let b = new_coop(s, "DSHB").await;
    market_settings(s, a, "dsha").await;
    market_settings(s, b, "dshb").await;
    let (buyer_member, buyer_no) =
        new_member(s, &s.tenant(a), "Siti Aminah", 1, "+6281234567890").await;
    let (seller_member, _) = new_member(s, &s.tenant(a), "Sri Rahayu", 2, "+6281111111111").await;
    let toko = seller(s, a, "toko-dsh", false, None, 0).await;
    let ukm = seller(s, a, "ukm-dsh", true, Some(seller_member), 1000).await;
    let toko_b = seller(s, b, "toko-dshb", false, None, 0).await;
    let kopi = variant(s, a, toko, "Kopi Dampit", 50_000, Some(45_000), 30_000, 10).await;
    let keripik = variant(s, a, ukm, "Keripik Tempe", 12_345, None, 0, 5).await;
    variant(s, b, toko_b, "Gula Aren", 20_000, None, 10_000, 1).await;
    World {
        a,
        b,
        toko,
        ukm,
        toko_b,
        kopi,
        keripik,
        buyer_no,
        buyer_member,
    }
}

fn pickup() -> ShipTo {
    ShipTo {
        name: String::new(),
        address: String::new(),
        region: None,
    }
}

/// A cash-at-pickup checkout of `qty` × `v` from seller `sid` of coop A, by the member buyer.
async fn buy(
    s: &Store,
    w: &World,
    sid: SellerId,
    v: VariantId,
    qty: u32,
    deliver: bool,
) -> Checkout {
    s.checkout(&CheckoutInput {
        operator: w.a,
        idem_key: None,
        buyer: BuyerInput {
            name: "Siti Aminah".into(),
            phone: "0812-3456-7890".into(),
            user_id: None,
            member_no: Some(w.buyer_no.clone()),
        },
        lines: vec![CheckoutLineInput {
            coop_id: w.a,
            variant_id: v,
            qty,
        }],
        groups: vec![GroupChoice {
            coop_id: w.a,
            seller_id: sid,
            shipping: if deliver {
                ShipChoice::SellerDelivery
            } else {
                ShipChoice::Pickup
            },
            ship_to: if deliver {
                ShipTo {
                    name: "Siti Aminah".into(),
                    address: "Jl. Kawi 3, Malang".into(),
                    region: Some(region("35.73.05.1004")),
                }
            } else {
                pickup()
            },
        }],
        pay_method: CheckoutPay::CashAtPickup,
    })
    .await
    .unwrap()
}

async fn paid(s: &Store, w: &World, c: &Checkout) -> Checkout {
    s.mark_checkout_paid(&staff(), w.a, c.id, "tunai")
        .await
        .unwrap()
}

async fn act(t: &Tenant<'_>, sid: SellerId, c: &Checkout, a: OrderAction) -> i64 {
    t.order_action(&staff(), OrderActor::Seller, Some(sid), c.orders[0].id, &a)
        .await
        .unwrap()
        .refund
}

fn today_wib() -> Date {
    OffsetDateTime::now_utc()
        .to_offset(CoopTimeZone::Wib.offset())
        .date()
}

/// The scenario: (1) 2 × kopi paid; (2) 1 × kopi paid then cancelled by the seller (refund
/// Rp 45.000); (3) 1 × kopi never paid, cancelled (no sale); (4) 1 × keripik delivered by the
/// consignment seller (Rp 12.345 + Rp 10.000), paid, processed, shipped, received.
async fn scenario(s: &Store, w: &World) -> [Checkout; 4] {
    let ta = s.tenant(w.a);
    let c1 = buy(s, w, w.toko, w.kopi, 2, false).await;
    let c1 = paid(s, w, &c1).await;
    let c2 = buy(s, w, w.toko, w.kopi, 1, false).await;
    let c2 = paid(s, w, &c2).await;
    assert_eq!(act(&ta, w.toko, &c2, OrderAction::Cancel).await, 45_000);
    let c3 = buy(s, w, w.toko, w.kopi, 1, false).await;
    assert_eq!(act(&ta, w.toko, &c3, OrderAction::Cancel).await, 0);
    let c4 = buy(s, w, w.ukm, w.keripik, 1, true).await;
    let c4 = paid(s, w, &c4).await;
    act(&ta, w.ukm, &c4, OrderAction::Process).await;
    act(&ta, w.ukm, &c4, OrderAction::ship("", "")).await;
    act(&ta, w.ukm, &c4, OrderAction::Receive).await;
    [c1, c2, c3, c4]
}

store_test!(exact_numbers_for_a_seller_and_the_coop, |s| {
    let w = world(&s).await;
    let [c1, c2, _, c4] = scenario(&s, &w).await;
    assert_eq!((c1.total, c2.total, c4.total), (90_000, 45_000, 22_345));
    let ta = s.tenant(w.a);
    let today = today_wib();
    let range = DayRange::new(today - Duration::days(1), today).unwrap();

    // The shop: two paid orders (90.000 + 45.000), one refunded in full; the unpaid
    // cancellation is no sale. Units: only the order that stands.
    let d = ta.dashboard(Some(w.toko), &range, 5).await.unwrap();
    assert_eq!(
        (
            d.summary.gross,
            d.summary.refunds,
            d.summary.net,
            d.summary.orders,
            d.summary.items
        ),
        (135_000, 45_000, 90_000, 2, 2)
    );
    assert_eq!(d.days.len(), 2);
    assert_eq!(
        (d.days[0].day, d.days[0].gross, d.days[0].refunds),
        (today - Duration::days(1), 0, 0)
    );
    assert_eq!(
        (
            d.days[1].day,
            d.days[1].orders,
            d.days[1].gross,
            d.days[1].refunds
        ),
        (today, 2, 135_000, 45_000)
    );
    assert_eq!(d.top.len(), 1);
    assert_eq!(
        (d.top[0].name.as_str(), d.top[0].qty, d.top[0].amount),
        ("Kopi Dampit", 2, 90_000)
    );
    let work: Vec<(OrderStatus, i64)> = d.work.iter().map(|x| (x.status, x.count)).collect();
    assert_eq!(
        work,
        vec![
            (OrderStatus::Dibayar, 1),
            (OrderStatus::Diproses, 0),
            (OrderStatus::Dikirim, 0)
        ]
    );
    assert_eq!(
        d.work[0].oldest_no.as_deref(),
        Some(c1.orders[0].order_no.as_str())
    );
    // Kopi: 10 − 2 (the cancelled ones came back) = 8, above the default line of 5.
    assert!(d.low_stock.is_empty(), "{:?}", d.low_stock);
    assert!(d.owed.is_empty(), "an own-goods seller is owed nothing");
    let d8 = ta.dashboard(Some(w.toko), &range, 8).await.unwrap();
    assert_eq!(d8.low_stock.len(), 1);
    assert_eq!(
        (d8.low_stock[0].product_name.as_str(), d8.low_stock[0].stock),
        ("Kopi Dampit", 8)
    );
    assert!(
        ta.dashboard(Some(w.toko), &range, 7)
            .await
            .unwrap()
            .low_stock
            .is_empty()
    );

    // The consignment stall: its own numbers only, and what it is owed (share + shipping).
    let d = ta.dashboard(Some(w.ukm), &range, 5).await.unwrap();
    assert_eq!(
        (
            d.summary.gross,
            d.summary.refunds,
            d.summary.net,
            d.summary.orders,
            d.summary.items
        ),
        (22_345, 0, 22_345, 1, 1)
    );
    assert!(d.work.iter().all(|x| x.count == 0));
    assert_eq!(d.top.len(), 1);
    assert_eq!(d.top[0].name, "Keripik Tempe");
    assert_eq!(d.low_stock.len(), 1);
    assert_eq!(
        (d.low_stock[0].product_name.as_str(), d.low_stock[0].stock),
        ("Keripik Tempe", 4)
    );
    assert_eq!(d.owed.len(), 1);
    assert_eq!((d.owed[0].orders, d.owed[0].amount), (1, 21_110));
    assert_eq!(ta.payout_preview(w.ukm).await.unwrap().amount, 21_110);
    assert!(d.last_payouts.is_empty());
    ta.create_payout(&staff(), w.ukm, PayoutMethod::Cash)
        .await
        .unwrap();
    let d = ta.dashboard(Some(w.ukm), &range, 5).await.unwrap();
    assert!(d.owed.is_empty());
    assert_eq!(d.last_payouts.len(), 1);
    assert_eq!(d.last_payouts[0].amount, 21_110);
    assert!(
        ta.dashboard(Some(w.toko), &range, 5)
            .await
            .unwrap()
            .last_payouts
            .is_empty()
    );

    // The coop over all its sellers.
    let d = ta.dashboard(None, &range, 5).await.unwrap();
    assert_eq!(
        (
            d.summary.gross,
            d.summary.refunds,
            d.summary.net,
            d.summary.orders,
            d.summary.items
        ),
        (157_345, 45_000, 112_345, 3, 3)
    );
    assert_eq!(d.top.len(), 2);
    assert_eq!(d.top[0].name, "Kopi Dampit");
    assert_eq!(d.low_stock.len(), 1);
    // A period before the sales: nothing.
    let before = DayRange::new(today - Duration::days(30), today - Duration::days(1)).unwrap();
    let d = ta.dashboard(None, &before, 5).await.unwrap();
    assert_eq!(d.summary, Default::default());
    assert_eq!(d.days.len(), 30);
    assert!(d.top.is_empty());
});

store_test!(a_seller_never_sees_another_sellers_numbers, |s| {
    let w = world(&s).await;
    scenario(&s, &w).await;
    let today = today_wib();
    let range = DayRange::new(today, today).unwrap();
    // Coop B's seller through coop A's handle, and A's seller through B's: not found.
    assert!(matches!(
        s.tenant(w.a).dashboard(Some(w.toko_b), &range, 5).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.tenant(w.b).dashboard(Some(w.toko), &range, 5).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.tenant(w.b).orders_export(Some(w.toko), &range).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.tenant(w.b).sales_lines_export(Some(w.ukm), &range).await,
        Err(StoreError::NotFound)
    ));
    // Coop B sold nothing; its dashboard shows nothing of A's, only its own low stock.
    let d = s.tenant(w.b).dashboard(None, &range, 5).await.unwrap();
    assert_eq!(d.summary, Default::default());
    assert_eq!(d.low_stock.len(), 1);
    assert_eq!(d.low_stock[0].product_name, "Gula Aren");
    assert!(
        s.tenant(w.b)
            .orders_export(None, &range)
            .await
            .unwrap()
            .is_empty()
    );
    // The two sellers of A: disjoint rows.
    let ta = s.tenant(w.a);
    let toko = ta.orders_export(Some(w.toko), &range).await.unwrap();
    let ukm = ta.orders_export(Some(w.ukm), &range).await.unwrap();
    assert!(toko.iter().all(|r| r.seller_name == "Toko toko-dsh"));
    assert!(ukm.iter().all(|r| r.seller_name == "Toko ukm-dsh"));
    assert_eq!((toko.len(), ukm.len()), (3, 1));
    let lines = ta.sales_lines_export(Some(w.ukm), &range).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].name, "Keripik Tempe");
});

store_test!(exports_add_up_to_the_dashboard, |s| {
    let w = world(&s).await;
    let [c1, c2, c3, c4] = scenario(&s, &w).await;
    let ta = s.tenant(w.a);
    let today = today_wib();
    let range = DayRange::new(today, today).unwrap();
    let rows = ta.orders_export(None, &range).await.unwrap();
    let got: Vec<(String, OrderStatus, i64, i64, i64, bool, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.order_no.clone(),
                r.status,
                r.total,
                r.shipping_fee,
                r.refund,
                r.paid_at.is_some(),
                r.member,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                c1.orders[0].order_no.clone(),
                OrderStatus::Dibayar,
                90_000,
                0,
                0,
                true,
                true
            ),
            (
                c2.orders[0].order_no.clone(),
                OrderStatus::Dibatalkan,
                45_000,
                0,
                45_000,
                true,
                true
            ),
            (
                c3.orders[0].order_no.clone(),
                OrderStatus::Dibatalkan,
                45_000,
                0,
                0,
                false,
                true
            ),
            (
                c4.orders[0].order_no.clone(),
                OrderStatus::Diterima,
                22_345,
                10_000,
                0,
                true,
                true
            ),
        ]
    );
    assert_eq!(rows[0].buyer_name, "Siti Aminah");
    let lines = ta.sales_lines_export(None, &range).await.unwrap();
    let got: Vec<(String, String, i64, i64, i64)> = lines
        .iter()
        .map(|l| {
            (
                l.order_no.clone(),
                l.name.clone(),
                l.qty,
                l.unit_price,
                l.amount,
            )
        })
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[0],
        (
            c1.orders[0].order_no.clone(),
            c1.orders[0].lines[0].name.clone(),
            2,
            45_000,
            90_000
        )
    );
    assert_eq!(got[1].4, 45_000);
    assert_eq!(
        got[2],
        (
            c4.orders[0].order_no.clone(),
            c4.orders[0].lines[0].name.clone(),
            1,
            12_345,
            12_345
        )
    );
    // Lines carry goods only; with the shipping of paid orders they make the gross.
    let shipping: i64 = rows
        .iter()
        .filter(|r| r.paid_at.is_some())
        .map(|r| r.shipping_fee)
        .sum();
    let d = ta.dashboard(None, &range, 5).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| l.amount).sum::<i64>() + shipping,
        d.summary.gross
    );
    // A day before: empty files.
    let yesterday = DayRange::new(today - Duration::days(1), today - Duration::days(1)).unwrap();
    assert!(ta.orders_export(None, &yesterday).await.unwrap().is_empty());
    assert!(
        ta.sales_lines_export(None, &yesterday)
            .await
            .unwrap()
            .is_empty()
    );
});

store_test!(the_members_patronage_shows_the_purchases, |s| {
    let w = world(&s).await;
    let [c1, c2, _, c4] = scenario(&s, &w).await;
    let ta = s.tenant(w.a);
    let fy = ta.fiscal_year_of(today_wib()).await.unwrap();
    let lines = ta.patronage_lines(w.buyer_member, fy).await.unwrap();
    let got: Vec<(Option<String>, i64)> = lines.iter().map(|l| (l.1.clone(), l.2)).collect();
    assert_eq!(
        got,
        vec![
            (Some(c1.orders[0].order_no.clone()), 90_000),
            (Some(c2.orders[0].order_no.clone()), 45_000),
            (Some(c2.orders[0].order_no.clone()), -45_000),
            (Some(c4.orders[0].order_no.clone()), 12_345),
        ]
    );
    assert!(lines.iter().all(|l| l.0 == today_wib()));
    assert_eq!(
        ta.patronage_years(w.buyer_member).await.unwrap(),
        vec![(fy, 102_345)]
    );
    // Another member has none; another coop's handle sees none of it.
    assert!(
        s.tenant(w.b)
            .patronage_lines(w.buyer_member, fy)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.tenant(w.b)
            .patronage_years(w.buyer_member)
            .await
            .unwrap()
            .is_empty()
    );
});

store_test!(a_range_is_whole_wib_days, |s| {
    let w = world(&s).await;
    let c = buy(&s, &w, w.toko, w.kopi, 1, false).await;
    paid(&s, &w, &c).await;
    // Move the payment to 23:30 WIB on 1 May 2026 (16:30 UTC): it belongs to 1 May, not 2 May.
    let at = time::macros::datetime!(2026-05-01 16:30 UTC);
    on_db!(s.db(), p => sqlx::query("UPDATE market_checkout SET paid_at = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(w.a.0).bind(c.id.0).bind(at).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let ta = s.tenant(w.a);
    let may1 = DayRange::new(date!(2026 - 05 - 01), date!(2026 - 05 - 01)).unwrap();
    let may2 = DayRange::new(date!(2026 - 05 - 02), date!(2026 - 05 - 02)).unwrap();
    assert_eq!(
        ta.dashboard(None, &may1, 5).await.unwrap().summary.gross,
        45_000
    );
    assert_eq!(ta.dashboard(None, &may2, 5).await.unwrap().summary.gross, 0);
    assert_eq!(ta.sales_lines_export(None, &may1).await.unwrap().len(), 1);
    assert!(ta.sales_lines_export(None, &may2).await.unwrap().is_empty());
});

/// A legality document of a seller's product, with direct SQL.
async fn doc(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    v: Option<VariantId>,
    kind: &str,
    number: &str,
    expires_on: Option<Date>,
) {
    let product: Option<Uuid> = match v {
        Some(v) => Some(
            on_db!(s.db(), p => sqlx::query_scalar(
                "SELECT product_id FROM market_variant WHERE koperasi_id = $1 AND id = $2")
                .bind(k.0).bind(v.0).fetch_one(p).await)
            .unwrap(),
        ),
        None => None,
    };
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_doc (koperasi_id, id, seller_id, product_id, kind, number, expires_on, file_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)")
        .bind(k.0).bind(Uuid::now_v7()).bind(seller.0).bind(product).bind(kind).bind(number)
        .bind(expires_on).bind(OffsetDateTime::now_utc()).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
}

// The sellers are told on their dashboard (and the board on the coop's, with a WhatsApp
// reminder) of documents that expired or expire within 30 days; not of valid ones, not of
// archived products, never of another coop's or another seller's.
store_test!(documents_to_renew_show_on_the_dashboards, |s| {
    let w = world(&s).await;
    let today = today_wib();
    let range = DayRange::new(today, today).unwrap();
    doc(
        &s,
        w.a,
        w.toko,
        Some(w.kopi),
        "halal",
        "ID35110000123450123",
        Some(today + Duration::days(10)),
    )
    .await;
    doc(
        &s,
        w.a,
        w.ukm,
        Some(w.keripik),
        "pirt",
        "2063573010123-26",
        Some(today - Duration::days(3)),
    )
    .await;
    doc(
        &s,
        w.a,
        w.toko,
        Some(w.kopi),
        "bpom",
        "MD 123456789012",
        Some(today + Duration::days(400)),
    )
    .await;
    doc(&s, w.a, w.ukm, None, "nib", "9120001234567", None).await;
    let gula: VariantId = VariantId(
        on_db!(s.db(), p => sqlx::query_scalar(
            "SELECT id FROM market_variant WHERE koperasi_id = $1").bind(w.b.0).fetch_one(p).await)
        .unwrap(),
    );
    doc(
        &s,
        w.b,
        w.toko_b,
        Some(gula),
        "halal",
        "ID35110000999990123",
        Some(today - Duration::days(1)),
    )
    .await;

    let ta = s.tenant(w.a);
    let d = ta.dashboard(None, &range, 5).await.unwrap();
    let got: Vec<(&str, &str, Date)> = d
        .documents
        .iter()
        .map(|a| {
            (
                a.kind.as_str(),
                a.product_name.as_deref().unwrap_or(""),
                a.expires_on,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("pirt", "Keripik Tempe", today - Duration::days(3)),
            ("halal", "Kopi Dampit", today + Duration::days(10)),
        ],
        "soonest first; valid and undated documents left out"
    );
    assert!(matches!(
        d.documents[0].status,
        guyub_core::market::legality::CertStatus::Expired { since_days: 3 }
    ));
    assert_eq!(
        d.documents[1].seller_phone.as_deref(),
        Some("+6281111111111")
    );
    // Each seller sees only its own.
    let toko = ta.dashboard(Some(w.toko), &range, 5).await.unwrap();
    assert_eq!(toko.documents.len(), 1);
    assert_eq!(toko.documents[0].seller_id, w.toko);
    let ukm = ta.dashboard(Some(w.ukm), &range, 5).await.unwrap();
    assert_eq!(ukm.documents.len(), 1);
    assert_eq!(ukm.documents[0].kind.as_str(), "pirt");
    // Coop B sees its own expired halal only.
    let db = s.tenant(w.b).dashboard(None, &range, 5).await.unwrap();
    assert_eq!(db.documents.len(), 1);
    assert_eq!(db.documents[0].product_name.as_deref(), Some("Gula Aren"));
    // An archived product's documents no longer ask for renewal.
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_product SET status = 'diarsipkan' WHERE koperasi_id = $1 AND name = 'Keripik Tempe'")
        .bind(w.a.0).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let d = ta.dashboard(None, &range, 5).await.unwrap();
    assert_eq!(d.documents.len(), 1);
    assert_eq!(d.documents[0].kind.as_str(), "halal");
});
