//! Marketplace checkouts and orders (issue #5) on both engines: one payment for the orders of
//! two sellers in two coops, stock reserved and released, the oversell race, replays, the
//! books of a paid order in each coop, patronage, seller rights, refunds and payouts.
//! Sellers, products and variants are made with direct SQL (the catalogue has its own tests).

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::ids::{KoperasiId, MemberId, SellerId, VariantId};
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_core::payment::request::{ConfirmedVia, RequestState};
use guyub_core::savings::PayMethod;
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, PayoutMethod,
    ShipChoice, ShipTo,
};
use guyub_store::payment::request::Confirmation;
use guyub_store::{Store, StoreError, on_db};
use time::OffsetDateTime;
use time::macros::date;

/// A listed product with one variant; returns the variant id.
#[allow(clippy::too_many_arguments)]

/// The `sold_count` of the product behind a variant.
async fn sold(s: &Store, k: KoperasiId, v: VariantId) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT p.sold_count FROM market_product p JOIN market_variant v ON v.koperasi_id = p.koperasi_id AND v.product_id = p.id
         WHERE v.koperasi_id = $1 AND v.id = $2")
        .bind(k.0).bind(v.0).fetch_one(p).await).unwrap()
}

/// Two coops: A (the storefront operator, selling its own goods) and B (selling a member's
/// goods on consignment at 10 %).
struct World {
    a: KoperasiId,
    b: KoperasiId,
    toko_a: SellerId,
    ukm_b: SellerId,
    kopi: VariantId, // A's own: Rp 50.000, member Rp 45.000, cost Rp 30.000, stock 10
    keripik: VariantId, // B's consignment: Rp 12.345, stock 5
    buyer_no: String,
    buyer_member: MemberId,
    seller_member: MemberId,
}

async fn world(s: &Store) -> World {
    let a = new_coop(s, "PSRA").await;
    let b = new_coop(s, "PSRB").await;
    market_settings(s, a, "psra").await;
    market_settings(s, b, "psrb").await;
    let (buyer_member, buyer_no) =
        new_member(s, &s.tenant(a), "Siti Aminah", 1, "+6281234567890").await;
    let (seller_member, _) = new_member(s, &s.tenant(b), "Sri Rahayu", 2, "+6281111111111").await;
    let toko_a = seller(s, a, "toko-a", false, None, 0).await;
    let ukm_b = seller(s, b, "ukm-b", true, Some(seller_member), 1000).await;
    let kopi = variant(
        s,
        a,
        toko_a,
        "Kopi Dampit",
        50_000,
        Some(45_000),
        30_000,
        10,
    )
    .await;
    let keripik = variant(s, b, ukm_b, "Keripik Tempe", 12_345, None, 0, 5).await;
    World {
        a,
        b,
        toko_a,
        ukm_b,
        kopi,
        keripik,
        buyer_no,
        buyer_member,
        seller_member,
    }
}

fn buyer(member_no: Option<&str>) -> BuyerInput {
    BuyerInput {
        name: "Siti Aminah".into(),
        phone: BUYER_PHONE.into(),
        user_id: None,
        member_no: member_no.map(str::to_string),
    }
}

/// 2 × kopi from A (pickup) and 1 × keripik from B (delivered in Kota Malang, Rp 10.000).
fn two_seller_cart(w: &World, pay: CheckoutPay, key: Option<&str>) -> CheckoutInput {
    CheckoutInput {
        operator: w.a,
        idem_key: key.map(str::to_string),
        buyer: buyer(Some(&w.buyer_no)),
        lines: vec![
            CheckoutLineInput {
                coop_id: w.a,
                variant_id: w.kopi,
                qty: 1,
            },
            CheckoutLineInput {
                coop_id: w.b,
                variant_id: w.keripik,
                qty: 1,
            },
            CheckoutLineInput {
                coop_id: w.a,
                variant_id: w.kopi,
                qty: 1,
            },
        ],
        groups: vec![
            GroupChoice {
                coop_id: w.a,
                seller_id: w.toko_a,
                shipping: ShipChoice::Pickup,
                ship_to: ShipTo {
                    name: String::new(),
                    address: String::new(),
                    region: None,
                },
            },
            GroupChoice {
                coop_id: w.b,
                seller_id: w.ukm_b,
                shipping: ShipChoice::SellerDelivery,
                ship_to: ShipTo {
                    name: "Siti Aminah".into(),
                    address: "Jl. Kawi 3, Malang".into(),
                    region: Some(region("35.73.05.1004")),
                },
            },
        ],
        pay_method: pay,
    }
}

fn qris_paid() -> Confirmation {
    Confirmation {
        method: PayMethod::Qris,
        reference: "RRN 1234".into(),
        via: ConfirmedVia::Cashier,
        date: date!(2026 - 05 - 01),
    }
}

store_test!(two_sellers_two_coops_one_payment_into_both_books, |s| {
    let w = world(&s).await;
    let c = s
        .checkout(&two_seller_cart(&w, CheckoutPay::Qris, Some("k1")))
        .await
        .unwrap();
    // Member price for A's member (2 × 45.000); B's price for a non-member of B, + Rp 10.000.
    assert_eq!(c.orders.len(), 2);
    let oa = c
        .orders
        .iter()
        .find(|o| o.koperasi_id == w.a)
        .unwrap()
        .clone();
    let ob = c
        .orders
        .iter()
        .find(|o| o.koperasi_id == w.b)
        .unwrap()
        .clone();
    assert_eq!(
        (oa.goods_total, oa.shipping_fee, oa.total),
        (90_000, 0, 90_000)
    );
    assert_eq!(
        (ob.goods_total, ob.shipping_fee, ob.total),
        (12_345, 10_000, 22_345)
    );
    assert_eq!(c.total, 112_345);
    assert_eq!(oa.buyer_member_id, Some(w.buyer_member));
    assert_eq!(ob.buyer_member_id, None);
    assert_eq!(oa.lines[0].qty, 2, "lines of one variant are merged");
    assert!(oa.order_no.starts_with("PSN-") && ob.order_no.ends_with("000001"));
    assert!(c.orders.iter().all(|o| o.status == OrderStatus::Dibuat));
    assert_eq!(
        (
            stock(&s, w.a, w.kopi).await,
            stock(&s, w.b, w.keripik).await
        ),
        (8, 4)
    );
    // One payment request in the operator coop for the whole total.
    let r = s
        .tenant(w.a)
        .payment_request(c.payment_request_id.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (r.purpose.as_str(), r.total, r.state),
        ("pasar", 112_345, RequestState::Open)
    );
    // The counter path refuses it (it pays orders, not simpanan) and posts nothing.
    let e = s
        .tenant(w.a)
        .confirm_payment_request(&staff(), r.id, &qris_paid())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");

    let paid = s
        .tenant(w.a)
        .confirm_checkout_payment(&staff(), r.id, &qris_paid())
        .await
        .unwrap();
    assert_eq!(paid.state, "dibayar");
    assert!(
        paid.orders
            .iter()
            .all(|o| o.status == OrderStatus::Dibayar && o.entry_id.is_some())
    );
    let r = s.tenant(w.a).payment_request(r.id).await.unwrap();
    assert_eq!(r.state, RequestState::Paid);
    // Paid goods count as sold (the "terlaris" sort), in the same transaction.
    assert_eq!(sold(&s, w.a, w.kopi).await, 2);
    assert_eq!(sold(&s, w.b, w.keripik).await, 1);

    // A (operator and merchant of its own goods): QRIS clearing holds everything, B's part is
    // owed to B; member sales, COGS and inventory at cost.
    let ta = s.tenant(w.a);
    assert_eq!(net(&ta, "1110").await, 112_345);
    assert_eq!(net(&ta, "4102").await, -90_000);
    assert_eq!(net(&ta, "5101").await, 60_000);
    assert_eq!(net(&ta, "1108").await, -60_000);
    assert_eq!(net(&ta, "2113").await, -22_345);
    books_ok(&s, w.a).await;
    // B: receivable from A; the seller's share plus the shipping, and the commission
    // (10 % of 12.345 = 1.234,5 → 1.235, half up).
    let tb = s.tenant(w.b);
    assert_eq!(net(&tb, "1107").await, 22_345);
    assert_eq!(net(&tb, "2112").await, -(11_110 + 10_000));
    assert_eq!(net(&tb, "4303").await, -1_235);
    books_ok(&s, w.b).await;

    // Patronage: the buyer's purchase in A, the member-seller's consignment sale in B.
    let fy = OffsetDateTime::now_utc().year();
    let pa = ta.patronage_of(w.buyer_member, fy).await.unwrap();
    assert_eq!(pa.len(), 1);
    assert_eq!(
        (pa[0].source.as_str(), pa[0].amount, pa[0].source_id),
        ("pembelian", 90_000, oa.id.0)
    );
    let pb = tb.patronage_of(w.seller_member, fy).await.unwrap();
    assert_eq!(
        (pb[0].source.as_str(), pb[0].amount),
        ("konsinyasi", 12_345)
    );
    let totals = ta.patronage_totals(fy).await.unwrap();
    assert_eq!(
        (totals.len(), totals[0].member_id, totals[0].total),
        (1, w.buyer_member, 90_000)
    );

    // Paying again posts nothing: the confirmation conflicts, mark-paid is a no-op.
    let entries = count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await;
    assert!(
        s.tenant(w.a)
            .confirm_checkout_payment(&staff(), r.id, &qris_paid())
            .await
            .is_err()
    );
    let again = s
        .mark_checkout_paid(&staff(), w.a, c.id, "x")
        .await
        .unwrap();
    assert_eq!(again.state, "dibayar");
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await,
        entries
    );

    // The buyer follows the orders through the secret link; a wrong token finds nothing.
    let mine = s.checkout_by_token(&c.buyer_token).await.unwrap();
    assert_eq!(mine.id, c.id);
    assert!(matches!(
        s.checkout_by_token("0123456789abcdef0123456789abcdef")
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.checkout_by_token("x").await,
        Err(StoreError::NotFound)
    ));
});

// The checkout is returned from what was written (not read back): it must be exactly what a
// later read gives, for each way to pay.
store_test!(the_checkout_returned_is_the_one_stored, |s| {
    let w = world(&s).await;
    for (i, pay) in [
        CheckoutPay::Qris,
        CheckoutPay::Transfer,
        CheckoutPay::CashAtPickup,
    ]
    .into_iter()
    .enumerate()
    {
        let c = s
            .checkout(&two_seller_cart(&w, pay, Some(&format!("same-{i}"))))
            .await
            .unwrap();
        let stored = s.checkout_by_token(&c.buyer_token).await.unwrap();
        assert_eq!(stored.buyer_token, c.buyer_token);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::to_value(&stored).unwrap(),
            "{pay:?}"
        );
        assert_eq!(c.orders.len(), 2);
        assert_eq!(c.payment_ref.is_some(), pay != CheckoutPay::CashAtPickup);
    }
});

store_test!(replay_returns_the_first_and_too_much_is_refused, |s| {
    let w = world(&s).await;
    let first = s
        .checkout(&two_seller_cart(&w, CheckoutPay::Transfer, Some("same")))
        .await
        .unwrap();
    let again = s
        .checkout(&two_seller_cart(&w, CheckoutPay::Transfer, Some("same")))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(stock(&s, w.a, w.kopi).await, 8, "stock taken once");
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order").await,
        2
    );

    // More than the stock: refused, the product named, nothing written.
    let mut cart = two_seller_cart(&w, CheckoutPay::Qris, None);
    cart.lines[1].qty = 5; // 4 keripik left
    match s.checkout(&cart).await {
        Err(StoreError::Conflict(m)) => assert!(
            m.id.contains("Keripik Tempe") && m.id.contains('4'),
            "{m:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        (
            stock(&s, w.a, w.kopi).await,
            stock(&s, w.b, w.keripik).await
        ),
        (8, 4)
    );
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout").await,
        1
    );
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_request").await,
        1
    );

    // A group without a shipping choice, a destination the seller does not serve.
    let mut cart = two_seller_cart(&w, CheckoutPay::Qris, None);
    cart.groups.pop();
    assert!(matches!(
        s.checkout(&cart).await,
        Err(StoreError::Invalid(_))
    ));
    let mut cart = two_seller_cart(&w, CheckoutPay::Qris, None);
    cart.groups[1].ship_to.region = Some(region("35.78"));
    assert!(matches!(
        s.checkout(&cart).await,
        Err(StoreError::Invalid(_))
    ));
    // Not a member without the matching phone: normal price.
    let mut cart = two_seller_cart(&w, CheckoutPay::CashAtPickup, None);
    cart.buyer.phone = "0813-0000-0000".into();
    let c = s.checkout(&cart).await.unwrap();
    let oa = c.orders.iter().find(|o| o.koperasi_id == w.a).unwrap();
    assert_eq!((oa.goods_total, oa.buyer_member_id), (100_000, None));
    assert!(c.payment_request_id.is_none());
});

store_test!(expiry_releases_the_stock_once, |s| {
    let w = world(&s).await;
    let c = s
        .checkout(&two_seller_cart(&w, CheckoutPay::Qris, None))
        .await
        .unwrap();
    assert_eq!(
        s.release_expired_checkouts(OffsetDateTime::now_utc())
            .await
            .unwrap(),
        0
    );
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(61);
    assert_eq!(s.release_expired_checkouts(later).await.unwrap(), 1);
    assert_eq!(s.release_expired_checkouts(later).await.unwrap(), 0, "once");
    assert_eq!(
        (
            stock(&s, w.a, w.kopi).await,
            stock(&s, w.b, w.keripik).await
        ),
        (10, 5)
    );
    let c = s.checkout_view(w.a, c.id).await.unwrap();
    assert_eq!(c.state, "kedaluwarsa");
    assert!(c.orders.iter().all(|o| o.status == OrderStatus::Dibatalkan));
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order_event WHERE to_status = 'dibatalkan'"
        )
        .await,
        2
    );
    let r = s
        .tenant(w.a)
        .payment_request(c.payment_request_id.unwrap())
        .await
        .unwrap();
    assert_eq!(r.state, RequestState::Cancelled);
    // A late payment does not pay for goods no longer held.
    assert!(matches!(
        s.mark_checkout_paid(&staff(), w.a, c.id, "late").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry WHERE source = 'pasar'"
        )
        .await,
        0
    );
});

store_test!(two_buyers_race_for_the_last_item, |s| {
    let w = world(&s).await;
    let last = variant(&s, w.b, w.ukm_b, "Madu Hutan", 80_000, None, 0, 1).await;
    let mut tasks = vec![];
    for i in 0..8 {
        let s = s.clone();
        let (a, b, seller) = (w.a, w.b, w.ukm_b);
        tasks.push(tokio::spawn(async move {
            let input = CheckoutInput {
                operator: a,
                idem_key: Some(format!("race-{i}")),
                buyer: BuyerInput {
                    name: format!("Pembeli {i}"),
                    phone: BUYER_PHONE.into(),
                    user_id: None,
                    member_no: None,
                },
                lines: vec![CheckoutLineInput {
                    coop_id: b,
                    variant_id: last,
                    qty: 1,
                }],
                groups: vec![GroupChoice {
                    coop_id: b,
                    seller_id: seller,
                    shipping: ShipChoice::Pickup,
                    ship_to: ShipTo {
                        name: String::new(),
                        address: String::new(),
                        region: None,
                    },
                }],
                pay_method: CheckoutPay::Qris,
            };
            s.checkout(&input).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Conflict(m)) => assert!(m.id.contains("Madu Hutan"), "{m:?}"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(stock(&s, w.b, last).await, 0);
    assert_eq!(
        count(&s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order").await,
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_variant WHERE stock < 0"
        )
        .await,
        0
    );
});

store_test!(a_seller_acts_only_on_its_own_orders, |s| {
    let w = world(&s).await;
    let other = seller(&s, w.a, "lain", false, None, 0).await;
    let c = s
        .checkout(&two_seller_cart(&w, CheckoutPay::CashAtPickup, None))
        .await
        .unwrap();
    let c = s
        .mark_checkout_paid(&staff(), w.a, c.id, "tunai")
        .await
        .unwrap();
    let oa = c.orders.iter().find(|o| o.koperasi_id == w.a).unwrap();
    let ta = s.tenant(w.a);
    let events = count(
        &s,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order_event",
    )
    .await;
    let e = ta
        .order_action(
            &staff(),
            OrderActor::Seller,
            Some(other),
            oa.id,
            &OrderAction::Process,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    // A's order is not found through B's handle either.
    assert!(matches!(
        s.tenant(w.b).order(oa.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(ta.order(oa.id).await.unwrap().status, OrderStatus::Dibayar);
    assert_eq!(
        count(
            &s,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order_event"
        )
        .await,
        events
    );
    // Its own seller may; the buyer may not process.
    assert!(matches!(
        ta.order_action(
            &staff(),
            OrderActor::Buyer,
            None,
            oa.id,
            &OrderAction::Process
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    let r = ta
        .order_action(
            &staff(),
            OrderActor::Seller,
            Some(w.toko_a),
            oa.id,
            &OrderAction::Process,
        )
        .await
        .unwrap();
    assert_eq!(r.order.status, OrderStatus::Diproses);
    assert!(r.message.contains(&oa.order_no));
    assert!(r.whatsapp.starts_with("https://wa.me/6281234567890?text="));
    // Cash at pickup: paid in cash, into Kas.
    assert_eq!(
        net(&ta, "1101").await,
        112_345,
        "the operator takes all the cash"
    );
    books_ok(&s, w.a).await;
});

store_test!(refunds_reverse_and_payouts_settle, |s| {
    let w = world(&s).await;
    let c = s
        .checkout(&two_seller_cart(&w, CheckoutPay::Qris, None))
        .await
        .unwrap();
    let c = s
        .tenant(w.a)
        .confirm_checkout_payment(&staff(), c.payment_request_id.unwrap(), &qris_paid())
        .await
        .unwrap();
    let oa = c
        .orders
        .iter()
        .find(|o| o.koperasi_id == w.a)
        .unwrap()
        .clone();
    let ob = c
        .orders
        .iter()
        .find(|o| o.koperasi_id == w.b)
        .unwrap()
        .clone();
    let (ta, tb) = (s.tenant(w.a), s.tenant(w.b));

    // A's seller cancels the paid order: full refund, stock back, books and patronage undone.
    let r = ta
        .order_action(
            &staff(),
            OrderActor::Seller,
            Some(w.toko_a),
            oa.id,
            &OrderAction::Cancel,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.order.status, r.refund),
        (OrderStatus::Dibatalkan, 90_000)
    );
    assert_eq!(stock(&s, w.a, w.kopi).await, 10);
    assert_eq!(
        sold(&s, w.a, w.kopi).await,
        0,
        "a refund takes the sale back"
    );
    assert_eq!(net(&ta, "4102").await, 0);
    assert_eq!(net(&ta, "5101").await, 0);
    assert_eq!(net(&ta, "1108").await, 0);
    assert_eq!(
        net(&ta, "1110").await,
        22_345,
        "only B's part is still held"
    );
    let fy = OffsetDateTime::now_utc().year();
    assert_eq!(ta.patronage_totals(fy).await.unwrap()[0].total, 0);
    books_ok(&s, w.a).await;

    // B's order: processed, delivered by the seller, received by the buyer via the link.
    tb.order_action(
        &staff(),
        OrderActor::Seller,
        Some(w.ukm_b),
        ob.id,
        &OrderAction::Process,
    )
    .await
    .unwrap();
    tb.order_action(
        &staff(),
        OrderActor::Seller,
        Some(w.ukm_b),
        ob.id,
        &OrderAction::ship("", ""),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.buyer_order_action(
            "0123456789abcdef0123456789abcdef",
            w.b,
            ob.id,
            &OrderAction::Receive
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let got = s
        .buyer_order_action(&c.buyer_token, w.b, ob.id, &OrderAction::Receive)
        .await
        .unwrap();
    assert_eq!(got.order.status, OrderStatus::Diterima);

    // Payout: the seller's share plus the shipping it delivered.
    let p = tb.payout_preview(w.ukm_b).await.unwrap();
    assert_eq!((p.amount, p.orders.len()), (21_110, 1));
    let paid = tb
        .create_payout(&staff(), w.ukm_b, PayoutMethod::Transfer)
        .await
        .unwrap();
    assert_eq!((paid.amount, paid.orders), (21_110, 1));
    assert_eq!(net(&tb, "2112").await, 0);
    assert_eq!(net(&tb, "1102").await, -21_110);
    assert!(matches!(
        tb.create_payout(&staff(), w.ukm_b, PayoutMethod::Cash)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(tb.payouts(None).await.unwrap().len(), 1);
    books_ok(&s, w.b).await;

    // A return after delivery, taken by the coop's staff, refunds the goods (not the
    // shipping); the operator's books give the money back and owe B less.
    let r = tb
        .order_action(
            &staff(),
            OrderActor::CoopStaff,
            None,
            ob.id,
            &OrderAction::Return,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.order.status, r.refund),
        (OrderStatus::Dikembalikan, 12_345)
    );
    assert_eq!(stock(&s, w.b, w.keripik).await, 5);
    assert_eq!(net(&tb, "4303").await, 0);
    assert_eq!(net(&tb, "1107").await, 10_000);
    assert_eq!(net(&ta, "2113").await, -10_000);
    assert_eq!(net(&ta, "1110").await, 10_000);
    let pb = tb.patronage_of(w.seller_member, fy).await.unwrap();
    assert_eq!(pb.iter().map(|p| p.amount).sum::<i64>(), 0);
    books_ok(&s, w.a).await;
    books_ok(&s, w.b).await;
});
