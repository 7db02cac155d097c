//! The coop store counter (kasir toko, issue #5 part 8) on both engines: the exact books of a
//! member's cash sale (own goods and a consignment line), a non-member's QRIS sale confirmed by
//! the cashier, patronage, the lookup by barcode and SKU, no oversell under a race for the
//! last unit, refusals that write nothing, and an idempotent replay.

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::ids::{KoperasiId, MemberId, SellerId, VariantId};
use guyub_core::market::order::OrderStatus;
use guyub_core::money::Rupiah;
use guyub_core::payment::qris::Qris;
use guyub_store::market::order::CheckoutPay;
use guyub_store::market::pos::{CounterLineInput, CounterPay, CounterSaleInput};
use guyub_store::payment::PaymentChange;
use guyub_store::{Actor, Store, StoreError, Tenant, on_db};
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

const DANA: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";

/// A product of `seller` with one variant carrying a SKU and a barcode; returns its id.
#[allow(clippy::too_many_arguments)]
async fn item(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    codes: (&str, &str),
    price: i64,
    member_price: Option<i64>,
    tiers: &str,
    cost: i64,
    stock: i64,
) -> VariantId {
    let pid = Uuid::now_v7();
    let vid = VariantId::new();
    let t = OffsetDateTime::now_utc();
    // Not listed online: the counter sells the coop's own shelf all the same.
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id, status,
            listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count, curated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'makanan_minuman', '', 'umkm', NULL, 'draft', $6, $6, $6, $6, $7, '35.73', NULL, 0, NULL, $8, $8)")
        .bind(k.0).bind(pid).bind(seller.0).bind(name).bind(name.to_lowercase().replace(' ', "-"))
        .bind(false).bind(price).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
            wholesale_tiers, cost, weight_g, stock, active)
         VALUES ($1, $2, $3, 1, '', $4, $5, $6, $7, $8, $9, 250, $10, $11)")
        .bind(k.0).bind(vid.0).bind(pid).bind(codes.0).bind(codes.1).bind(price).bind(member_price)
        .bind(tiers).bind(cost).bind(stock).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}

/// A coop store: its own goods (kopi, gula with wholesale tiers) and a member's goods on
/// consignment at 10 % (keripik), a member buyer, and a second coop with its own stock.
struct World {
    a: KoperasiId,
    b: KoperasiId,
    kopi: VariantId,    // own: Rp 50.000, member Rp 45.000, cost Rp 30.000, stock 10
    gula: VariantId,    // own: Rp 16.000, 10+ at Rp 15.000, cost Rp 14.000, stock 50
    keripik: VariantId, // consignment: Rp 12.345, stock 5
    other: VariantId,   // coop B's: stock 3
    buyer: MemberId,
    consignor: MemberId,
}

async fn world(s: &Store) -> World {
    let a = new_coop(s, "TOKA").await;
    let b = new_coop(s, "TOKB").await;
    let ta = s.tenant(a);
    let (buyer, _) = new_member(s, &ta, "Siti Aminah", 1, "+6281234567890").await;
    let (consignor, _) = new_member(s, &ta, "Sri Rahayu", 2, "+6281111111111").await;
    let own = seller(s, a, "toko-koperasi", false, None, 0).await;
    let titip = seller(s, a, "titipan-sri", true, Some(consignor), 1000).await;
    let kopi = item(
        s,
        a,
        own,
        "Kopi Dampit",
        ("KOPI-250", "8991234567890"),
        50_000,
        Some(45_000),
        "",
        30_000,
        10,
    )
    .await;
    let gula = item(
        s,
        a,
        own,
        "Gula Pasir",
        ("GULA-1KG", "8990000000011"),
        16_000,
        None,
        "10: 15.000",
        14_000,
        50,
    )
    .await;
    let keripik = item(
        s,
        a,
        titip,
        "Keripik Tempe",
        ("KRP-01", "8990000000028"),
        12_345,
        None,
        "",
        0,
        5,
    )
    .await;
    let sb = seller(s, b, "toko-b", false, None, 0).await;
    let other = item(
        s,
        b,
        sb,
        "Beras B",
        ("BERAS", "8990000000035"),
        70_000,
        None,
        "",
        60_000,
        3,
    )
    .await;
    World {
        a,
        b,
        kopi,
        gula,
        keripik,
        other,
        buyer,
        consignor,
    }
}

fn line(v: VariantId, qty: u32) -> CounterLineInput {
    CounterLineInput { variant_id: v, qty }
}

fn cash(n: i64) -> CounterPay {
    CounterPay::Cash {
        tendered: Rupiah(n),
    }
}

async fn set_qris(t: &Tenant<'_>) {
    let change = PaymentChange {
        qris: Some(Qris::parse(DANA).unwrap()),
        ..Default::default()
    };
    t.update_payment_settings(&staff(), &change).await.unwrap();
}

async fn toko_checkouts(s: &Store) -> i64 {
    count(
        s,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout WHERE channel = 'toko'",
    )
    .await
}

async fn entries(s: &Store) -> i64 {
    count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await
}

store_test!(codes_are_found_exactly_within_the_coop, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    let by_barcode = ta
        .counter_find_code(" 8991234567890 ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_barcode.variant_id, w.kopi);
    assert_eq!(by_barcode.price, 50_000);
    assert_eq!(by_barcode.stock, 10);
    let by_sku = ta.counter_find_code("KRP-01").await.unwrap().unwrap();
    assert_eq!(by_sku.variant_id, w.keripik);
    assert!(by_sku.consignment);
    // Exact: no prefix, no other coop's code.
    assert!(
        ta.counter_find_code("899123456789")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        ta.counter_find_code("0000000000000")
            .await
            .unwrap()
            .is_none()
    );
    assert!(ta.counter_find_code("BERAS").await.unwrap().is_none());
    assert!(
        s.tenant(w.b)
            .counter_find_code("BERAS")
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        ta.counter_find_code("   ").await,
        Err(StoreError::Invalid(_))
    ));
    // The member lookup: by phone, member number or name.
    let found = ta.counter_find_members("0812-3456-7890").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, w.buyer);
    let found = ta.counter_find_members("siti").await.unwrap();
    assert_eq!(
        found.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![w.buyer]
    );
    assert!(
        s.tenant(w.b)
            .counter_find_members("0812-3456-7890")
            .await
            .unwrap()
            .is_empty()
    );
});

store_test!(a_members_cash_sale_posts_exact_books_and_patronage, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    let input = CounterSaleInput {
        idem_key: Some("toko-1".into()),
        member: Some(w.buyer),
        // 2 kopi at the member price, 10 gula at the tier price, 1 keripik on consignment.
        lines: vec![
            line(w.kopi, 1),
            line(w.gula, 10),
            line(w.keripik, 1),
            line(w.kopi, 1),
        ],
        pay: cash(300_000),
    };
    let sale = ta
        .counter_sale(&Actor::system("Bu Kasir <kasir@toka.id>"), &input)
        .await
        .unwrap();
    let year = OffsetDateTime::now_utc().year();
    assert_eq!(sale.receipt_no, format!("TK-{year}-000001"));
    assert_eq!(sale.cashier_name, "Bu Kasir");
    assert!(sale.paid());
    assert_eq!(sale.checkout.pay_method, CheckoutPay::CashAtPickup);
    // 2 × 45.000 + 10 × 15.000 + 12.345
    assert_eq!(sale.checkout.total, 252_345);
    assert_eq!(sale.tendered, Some(300_000));
    assert_eq!(sale.change, Some(47_655));
    assert_eq!(sale.member.as_ref().map(|m| m.id), Some(w.buyer));
    assert_eq!(sale.checkout.orders.len(), 2, "one order per seller");
    assert!(
        sale.checkout
            .orders
            .iter()
            .all(|o| o.status == OrderStatus::Diterima && o.entry_id.is_some())
    );
    assert_eq!(stock(&s, w.a, w.kopi).await, 8);
    assert_eq!(stock(&s, w.a, w.gula).await, 40);
    assert_eq!(stock(&s, w.a, w.keripik).await, 4);
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order WHERE channel = 'toko'"
        )
        .await,
        2
    );

    // Own goods: Dr Kas — Cr 4102 (member sales); Dr HPP — Cr Persediaan at cost.
    // Consignment: Cr 2112 the seller's share, Cr 4303 the commission (10 %, half up).
    assert_eq!(net(&ta, "1101").await, 252_345);
    assert_eq!(net(&ta, "4102").await, -240_000);
    assert_eq!(net(&ta, "4201").await, 0);
    assert_eq!(net(&ta, "5101").await, 2 * 30_000 + 10 * 14_000);
    assert_eq!(net(&ta, "1108").await, -(2 * 30_000 + 10 * 14_000));
    assert_eq!(net(&ta, "2112").await, -11_110);
    assert_eq!(net(&ta, "4303").await, -1_235);
    books_ok(&s, w.a).await;

    // Patronage: the buyer's purchases, and the member consignor's sale.
    let fy = OffsetDateTime::now_utc().year();
    let buyer_rows = ta.patronage_of(w.buyer, fy).await.unwrap();
    assert_eq!(buyer_rows.iter().map(|p| p.amount).sum::<i64>(), 252_345);
    assert!(buyer_rows.iter().all(|p| p.source == "pembelian"));
    let consignor_rows = ta.patronage_of(w.consignor, fy).await.unwrap();
    assert_eq!(
        consignor_rows
            .iter()
            .map(|p| (p.source.as_str(), p.amount))
            .collect::<Vec<_>>(),
        vec![("konsinyasi", 12_345)]
    );

    // Today's list; the audit trail.
    let today = OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .date();
    let list = ta.counter_sales_on(today).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].receipt_no, sale.receipt_no);
    assert_eq!(list[0].total, 252_345);
    assert!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'market_checkout'"
        )
        .await
            >= 1
    );
});

store_test!(a_non_members_qris_sale_waits_then_posts_once, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    // No QRIS set up: refused, nothing written.
    let input = CounterSaleInput {
        idem_key: None,
        member: None,
        lines: vec![line(w.kopi, 1)],
        pay: CounterPay::Qris,
    };
    assert!(matches!(
        ta.counter_sale(&staff(), &input).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(stock(&s, w.a, w.kopi).await, 10);
    assert_eq!(toko_checkouts(&s).await, 0);

    set_qris(&ta).await;
    let sale = ta.counter_sale(&staff(), &input).await.unwrap();
    // Non-member: the normal price; waiting with a dynamic QRIS for the total.
    assert_eq!(sale.checkout.total, 50_000);
    assert_eq!(sale.checkout.state, "menunggu");
    let q = Qris::parse(sale.checkout.qris_payload.as_deref().unwrap()).unwrap();
    assert_eq!(q.amount().map(|a| a.rupiah), Some(Rupiah(50_000)));
    assert_eq!(
        stock(&s, w.a, w.kopi).await,
        9,
        "the unit is held while waiting"
    );
    assert_eq!(
        net(&ta, "4201").await,
        0,
        "nothing posted before the money shows"
    );

    let paid = ta
        .confirm_counter_qris(&staff(), sale.checkout.id)
        .await
        .unwrap();
    assert!(paid.paid());
    assert!(
        paid.checkout
            .orders
            .iter()
            .all(|o| o.status == OrderStatus::Diterima)
    );
    assert_eq!(net(&ta, "1110").await, 50_000);
    assert_eq!(net(&ta, "4201").await, -50_000);
    assert_eq!(net(&ta, "4102").await, 0);
    assert_eq!(net(&ta, "5101").await, 30_000);
    assert_eq!(net(&ta, "1108").await, -30_000);
    let n = entries(&s).await;
    // Confirming again posts nothing.
    ta.confirm_counter_qris(&staff(), sale.checkout.id)
        .await
        .unwrap();
    assert_eq!(entries(&s).await, n);
    assert_eq!(net(&ta, "4201").await, -50_000);
    let r = ta
        .payment_request(sale.checkout.payment_request_id.unwrap())
        .await
        .unwrap();
    assert_eq!(r.state, guyub_core::payment::request::RequestState::Paid);
    // No patronage for a non-member.
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM patronage").await,
        0
    );
    books_ok(&s, w.a).await;

    // A second QRIS sale the buyer cannot pay: cancelled, the stock comes back, no books.
    let sale2 = ta.counter_sale(&staff(), &input).await.unwrap();
    assert_eq!(stock(&s, w.a, w.kopi).await, 8);
    let c = ta
        .cancel_counter_sale(&staff(), sale2.checkout.id)
        .await
        .unwrap();
    assert_eq!(c.checkout.state, "dibatalkan");
    assert_eq!(stock(&s, w.a, w.kopi).await, 9);
    assert!(matches!(
        ta.confirm_counter_qris(&staff(), sale2.checkout.id).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(entries(&s).await, n);
});

store_test!(eight_cashiers_race_for_the_last_unit, |s| {
    let w = world(&s).await;
    on_db!(s.db(), p => sqlx::query("UPDATE market_variant SET stock = 1 WHERE koperasi_id = $1 AND id = $2")
        .bind(w.a.0).bind(w.kopi.0).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let mut tasks = vec![];
    for i in 0..8 {
        let s = s.clone();
        let (a, kopi) = (w.a, w.kopi);
        tasks.push(tokio::spawn(async move {
            let input = CounterSaleInput {
                idem_key: Some(format!("race-{i}")),
                member: None,
                lines: vec![line(kopi, 1)],
                pay: cash(50_000),
            };
            s.tenant(a)
                .counter_sale(&Actor::system(&format!("Kasir {i}")), &input)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one sale gets the last unit");
    assert_eq!(stock(&s, w.a, w.kopi).await, 0);
    assert_eq!(toko_checkouts(&s).await, 1);
    assert_eq!(net(&s.tenant(w.a), "1101").await, 50_000);
    books_ok(&s, w.a).await;
});

store_test!(bad_sales_are_refused_with_nothing_written, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    let sale = |lines: Vec<CounterLineInput>, pay: CounterPay| CounterSaleInput {
        idem_key: None,
        member: None,
        lines,
        pay,
    };
    // Another coop's stock.
    let e = ta
        .counter_sale(&staff(), &sale(vec![line(w.other, 1)], cash(100_000)))
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    // An unknown variant.
    let e = ta
        .counter_sale(
            &staff(),
            &sale(vec![line(VariantId::new(), 1)], cash(100_000)),
        )
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    // One line above the stock refuses the whole sale.
    let e = ta
        .counter_sale(
            &staff(),
            &sale(vec![line(w.kopi, 1), line(w.keripik, 6)], cash(500_000)),
        )
        .await;
    match e {
        Err(StoreError::Conflict(m)) => assert!(m.id.contains("Keripik Tempe"), "{}", m.id),
        e => panic!("{e:?}"),
    }
    // Quantity 0; no lines.
    assert!(matches!(
        ta.counter_sale(&staff(), &sale(vec![line(w.kopi, 0)], cash(100_000)))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        ta.counter_sale(&staff(), &sale(vec![], cash(100_000)))
            .await,
        Err(StoreError::Invalid(_))
    ));
    // Cash below the total.
    let e = ta
        .counter_sale(&staff(), &sale(vec![line(w.kopi, 2)], cash(99_999)))
        .await;
    match e {
        Err(StoreError::Invalid(f)) => assert!(f[0].msg.id.contains("kurang"), "{:?}", f),
        e => panic!("{e:?}"),
    }
    // A member of another coop is not a member here.
    let mut m = sale(vec![line(w.kopi, 1)], cash(100_000));
    m.member = Some(MemberId::new());
    assert!(matches!(
        ta.counter_sale(&staff(), &m).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(stock(&s, w.a, w.kopi).await, 10);
    assert_eq!(stock(&s, w.a, w.keripik).await, 5);
    assert_eq!(stock(&s, w.b, w.other).await, 3);
    assert_eq!(toko_checkouts(&s).await, 0);
    assert_eq!(entries(&s).await, 0);
});

store_test!(a_replayed_sale_returns_the_first, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    let input = CounterSaleInput {
        idem_key: Some("form:abc".into()),
        member: None,
        lines: vec![line(w.gula, 3)],
        pay: cash(50_000),
    };
    let first = ta.counter_sale(&staff(), &input).await.unwrap();
    let again = ta.counter_sale(&staff(), &input).await.unwrap();
    assert_eq!(first.checkout.id, again.checkout.id);
    assert_eq!(first.receipt_no, again.receipt_no);
    assert_eq!(first.change, Some(2_000));
    assert_eq!(stock(&s, w.a, w.gula).await, 47, "taken once");
    assert_eq!(toko_checkouts(&s).await, 1);
    assert_eq!(net(&ta, "1101").await, 48_000);
    assert_eq!(net(&ta, "4201").await, -48_000);
    // The sale is not another coop's to read.
    assert!(matches!(
        s.tenant(w.b).counter_sale_view(first.checkout.id).await,
        Err(StoreError::NotFound)
    ));
    let _ = date!(2026 - 01 - 01);
});

store_test!(a_counter_return_on_the_order_desk_mirrors_the_sale, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    let input = CounterSaleInput {
        idem_key: None,
        member: Some(w.buyer),
        lines: vec![line(w.kopi, 2)],
        pay: cash(90_000),
    };
    let sale = ta.counter_sale(&staff(), &input).await.unwrap();
    assert_eq!(sale.change, Some(0));
    let order = sale.checkout.orders[0].id;
    let r = ta
        .order_action(
            &staff(),
            guyub_core::market::order::OrderActor::CoopStaff,
            None,
            order,
            &guyub_core::market::order::OrderAction::Return,
        )
        .await
        .unwrap();
    assert_eq!(r.order.status, OrderStatus::Dikembalikan);
    assert_eq!(r.refund, 90_000);
    // Everything back: cash, sales, inventory, stock, patronage.
    assert_eq!(net(&ta, "1101").await, 0);
    assert_eq!(net(&ta, "4102").await, 0);
    assert_eq!(net(&ta, "1108").await, 0);
    assert_eq!(stock(&s, w.a, w.kopi).await, 10);
    let fy = OffsetDateTime::now_utc().year();
    assert_eq!(
        ta.patronage_totals(fy)
            .await
            .unwrap()
            .iter()
            .map(|p| p.total)
            .sum::<i64>(),
        0
    );
    books_ok(&s, w.a).await;
});

// The daily cash closing expects a cashier's cash counter sales in their drawer (not the
// QRIS ones, not another cashier's), and a shortage against that is posted.
store_test!(the_drawer_expects_the_cashiers_own_counter_cash, |s| {
    let w = world(&s).await;
    let ta = s.tenant(w.a);
    set_qris(&ta).await;
    let cashier = |name: &str| Actor {
        user_id: Some(guyub_core::ids::UserId(Uuid::now_v7())),
        name: format!("{name} <{}@toka.id>", name.to_lowercase()),
    };
    let (x, y) = (cashier("Ani"), cashier("Budi"));
    let sale = |lines: Vec<CounterLineInput>, pay: CounterPay| CounterSaleInput {
        idem_key: None,
        member: None,
        lines,
        pay,
    };
    // Ani: one cash sale (Rp 50.000, paid with Rp 100.000) and one QRIS sale she confirms.
    ta.counter_sale(&x, &sale(vec![line(w.kopi, 1)], cash(100_000)))
        .await
        .unwrap();
    let q = ta
        .counter_sale(&x, &sale(vec![line(w.gula, 1)], CounterPay::Qris))
        .await
        .unwrap();
    ta.confirm_counter_qris(&x, q.checkout.id).await.unwrap();
    // Budi: two gula in cash (Rp 32.000).
    ta.counter_sale(&y, &sale(vec![line(w.gula, 2)], cash(32_000)))
        .await
        .unwrap();

    let today = OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .date();
    let ex = ta.expected_cash(x.user_id.unwrap(), today).await.unwrap();
    assert_eq!(
        (ex.store_cash, ex.store_sales, ex.expected()),
        (50_000, 1, 50_000)
    );
    let ey = ta.expected_cash(y.user_id.unwrap(), today).await.unwrap();
    assert_eq!(
        (ey.store_cash, ey.store_sales, ey.expected()),
        (32_000, 1, 32_000)
    );
    let yesterday = today.previous_day().unwrap();
    let none = ta
        .expected_cash(x.user_id.unwrap(), yesterday)
        .await
        .unwrap();
    assert_eq!((none.store_cash, none.store_sales), (0, 0));

    // Ani's drawer matches: closed without an entry.
    let n = entries(&s).await;
    let cx = ta
        .close_cash(&x, x.user_id.unwrap(), today, Rupiah(50_000), None)
        .await
        .unwrap();
    assert_eq!((cx.expected, cx.difference, cx.entry_id), (50_000, 0, None));
    assert_eq!(entries(&s).await, n);
    // Budi is Rp 2.000 short: refused without a reason, posted with one.
    assert!(matches!(
        ta.close_cash(&y, y.user_id.unwrap(), today, Rupiah(30_000), None)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(entries(&s).await, n);
    let cy = ta
        .close_cash(
            &y,
            y.user_id.unwrap(),
            today,
            Rupiah(30_000),
            Some("uang kembalian salah".into()),
        )
        .await
        .unwrap();
    assert_eq!((cy.expected, cy.difference), (32_000, -2_000));
    assert!(cy.entry_id.is_some());
    assert_eq!(net(&ta, "1101").await, 50_000 + 32_000 - 2_000);
    books_ok(&s, w.a).await;
});
