//! The storefront operator (issue #5 part 6) on both engines: the instance's /pasar operator
//! and its fee, the fee in both coops' books at payment and mirrored by a refund, settlement
//! batches between the operator and a merchant coop (once only, also when two run at once;
//! a refund after settlement netted by the next one; 1107 and 2113 back to zero), and who may
//! read a settlement.

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_store::market::operator::{SettleMethod, SettlementInput};
use guyub_store::market::order::{
    BuyerInput, Checkout, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, ShipChoice,
    ShipTo,
};
use guyub_store::{Store, StoreError};
use time::{Duration, OffsetDateTime};

/// O operates the storefront and sells nothing here; M sells its own goods, N a member's goods
/// on consignment (10 %).
struct World {
    o: KoperasiId,
    m: KoperasiId,
    n: KoperasiId,
    toko_m: SellerId,
    ukm_n: SellerId,
    beras: VariantId,   // M's own: Rp 100.000, cost Rp 80.000, stock 20
    keripik: VariantId, // N's consignment: Rp 12.345, stock 20
}

async fn world(s: &Store) -> World {
    let o = new_coop(s, "OPRT").await;
    let m = new_coop(s, "MRCA").await;
    let n = new_coop(s, "MRCB").await;
    market_settings(s, o, "oprt").await;
    market_settings(s, m, "mrca").await;
    market_settings(s, n, "mrcb").await;
    let toko_m = seller(s, m, "toko-m", false, None, 0).await;
    let ukm_n = seller(s, n, "ukm-n", true, None, 1000).await;
    let beras = variant(s, m, toko_m, "Beras Organik", 100_000, None, 80_000, 20).await;
    let keripik = variant(s, n, ukm_n, "Keripik Tempe", 12_345, None, 0, 20).await;
    World {
        o,
        m,
        n,
        toko_m,
        ukm_n,
        beras,
        keripik,
    }
}

/// `beras` × M's beras (pickup) and `keripik` × N's keripik (delivered, Rp 10.000), operated
/// by O, paid in cash at pickup.
fn cart(w: &World, beras: u32, keripik: u32) -> CheckoutInput {
    let mut lines = vec![];
    let mut groups = vec![];
    if beras > 0 {
        lines.push(CheckoutLineInput {
            coop_id: w.m,
            variant_id: w.beras,
            qty: beras,
        });
        groups.push(GroupChoice {
            coop_id: w.m,
            seller_id: w.toko_m,
            shipping: ShipChoice::Pickup,
            ship_to: ShipTo {
                name: String::new(),
                address: String::new(),
                region: None,
            },
        });
    }
    if keripik > 0 {
        lines.push(CheckoutLineInput {
            coop_id: w.n,
            variant_id: w.keripik,
            qty: keripik,
        });
        groups.push(GroupChoice {
            coop_id: w.n,
            seller_id: w.ukm_n,
            shipping: ShipChoice::SellerDelivery,
            ship_to: ShipTo {
                name: "Siti Aminah".into(),
                address: "Jl. Kawi 3, Malang".into(),
                region: Some(region("35.73.05.1004")),
            },
        });
    }
    CheckoutInput {
        operator: w.o,
        idem_key: None,
        buyer: BuyerInput {
            name: "Siti Aminah".into(),
            phone: BUYER_PHONE.into(),
            user_id: None,
            member_no: None,
        },
        lines,
        groups,
        pay_method: CheckoutPay::CashAtPickup,
    }
}

async fn buy_and_pay(s: &Store, w: &World, beras: u32, keripik: u32) -> Checkout {
    let c = s.checkout(&cart(w, beras, keripik)).await.unwrap();
    s.mark_checkout_paid(&staff(), w.o, c.id, "tunai")
        .await
        .unwrap()
}

fn today() -> time::Date {
    // The coops are WIB.
    (OffsetDateTime::now_utc() + Duration::hours(7)).date()
}

fn settle_input(merchant: KoperasiId, key: Option<&str>) -> SettlementInput {
    SettlementInput {
        merchant,
        from: today() - Duration::days(1),
        to: today(),
        method: SettleMethod::Bank,
        idem_key: key.map(str::to_string),
    }
}

store_test!(the_operator_is_set_by_rules, |s| {
    let w = world(&s).await;
    let none = new_coop(&s, "NOMK").await; // no marketplace settings
    assert_eq!(s.market_operator().await.unwrap(), None);
    for bad in [-1, 2001, 10_000, i64::MAX] {
        let e = s.set_market_operator(&staff(), w.o, bad).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{bad}: {e:?}");
    }
    let e = s
        .set_market_operator(&staff(), none, 250)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_operator").await, 0);
    let op = s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    assert_eq!((op.koperasi_id, op.fee_bp), (w.o, 250));
    assert_eq!(op.koperasi_name, "Koperasi OPRT");
    // A change replaces the one row.
    let op = s.set_market_operator(&staff(), w.m, 2000).await.unwrap();
    assert_eq!((op.koperasi_id, op.fee_bp), (w.m, 2000));
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_operator").await, 1);
    assert_eq!(s.coop_by_ref("mrca").await.unwrap(), w.m);
    assert_eq!(s.coop_by_ref("MRCB").await.unwrap(), w.n);
    assert_eq!(s.coop_by_ref(&w.o.to_string()).await.unwrap(), w.o);
    assert!(matches!(
        s.coop_by_ref("tidak-ada").await,
        Err(StoreError::NotFound)
    ));
});

store_test!(the_fee_is_booked_in_both_coops_and_fixed_at_checkout, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    let c = s.checkout(&cart(&w, 1, 1)).await.unwrap();
    // The rate changes after the checkout: the order keeps 2,5 %.
    s.set_market_operator(&staff(), w.o, 1000).await.unwrap();
    let c = s
        .mark_checkout_paid(&staff(), w.o, c.id, "tunai")
        .await
        .unwrap();
    let om = c.orders.iter().find(|o| o.koperasi_id == w.m).unwrap();
    let on = c.orders.iter().find(|o| o.koperasi_id == w.n).unwrap();
    // 2,5 % of 100.000 = 2.500; of 12.345 = 308,6 → 309 (goods only, not the shipping).
    assert_eq!((om.operator_fee_bp, om.operator_fee), (250, 2_500));
    assert_eq!((on.operator_fee_bp, on.operator_fee), (250, 309));
    assert_eq!(c.total, 100_000 + 22_345);

    let to = s.tenant(w.o);
    assert_eq!(net(&to, "1101").await, 122_345);
    assert_eq!(net(&to, "2113").await, -(97_500 + 22_036));
    assert_eq!(net(&to, "4305").await, -2_809);
    books_ok(&s, w.o).await;
    let tm = s.tenant(w.m);
    assert_eq!(net(&tm, "1107").await, 97_500);
    assert_eq!(net(&tm, "5309").await, 2_500);
    assert_eq!(net(&tm, "4201").await, -100_000);
    assert_eq!(net(&tm, "5101").await, 80_000);
    books_ok(&s, w.m).await;
    let tn = s.tenant(w.n);
    assert_eq!(net(&tn, "1107").await, 22_036);
    assert_eq!(net(&tn, "5309").await, 309);
    // The consignment split is on the goods as before: the seller's share plus shipping.
    assert_eq!(net(&tn, "2112").await, -(11_110 + 10_000));
    assert_eq!(net(&tn, "4303").await, -1_235);
    books_ok(&s, w.n).await;

    // The next checkout takes the new rate (10 %).
    let c2 = buy_and_pay(&s, &w, 1, 0).await;
    assert_eq!(
        (c2.orders[0].operator_fee_bp, c2.orders[0].operator_fee),
        (1000, 10_000)
    );
    // Owed per merchant, as the operator and as each merchant see it.
    let owed = to.owed_to_merchants().await.unwrap();
    assert_eq!(owed.len(), 2);
    let m_owed = owed.iter().find(|x| x.koperasi_id == w.m).unwrap();
    assert_eq!((m_owed.orders, m_owed.amount), (2, 97_500 + 90_000));
    let by_ops = tm.owed_by_operators().await.unwrap();
    assert_eq!(by_ops.len(), 1);
    assert_eq!((by_ops[0].koperasi_id, by_ops[0].amount), (w.o, 187_500));
    assert_eq!(net(&tm, "1107").await, 187_500);
});

store_test!(a_coop_selling_its_own_goods_pays_no_fee, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.m, 2000).await.unwrap();
    let mut input = cart(&w, 1, 0);
    input.operator = w.m;
    let c = s.checkout(&input).await.unwrap();
    assert_eq!(
        (c.orders[0].operator_fee_bp, c.orders[0].operator_fee),
        (0, 0)
    );
    s.mark_checkout_paid(&staff(), w.m, c.id, "tunai")
        .await
        .unwrap();
    let tm = s.tenant(w.m);
    assert_eq!(net(&tm, "1101").await, 100_000);
    assert_eq!(net(&tm, "5309").await, 0);
    assert_eq!(net(&tm, "4305").await, 0);
    // Another coop's storefront that is not the instance operator takes no fee either.
    let mut input = cart(&w, 0, 1);
    input.operator = w.o;
    let c = s.checkout(&input).await.unwrap();
    assert_eq!(c.orders[0].operator_fee, 0);
    books_ok(&s, w.m).await;
});

store_test!(a_refund_mirrors_the_fee, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    let c = buy_and_pay(&s, &w, 2, 1).await;
    let om = c.orders.iter().find(|o| o.koperasi_id == w.m).unwrap();
    assert_eq!(om.operator_fee, 5_000);
    let tm = s.tenant(w.m);
    let r = tm
        .order_action(
            &staff(),
            OrderActor::CoopStaff,
            None,
            om.id,
            &OrderAction::Cancel,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.order.status, r.refund),
        (OrderStatus::Dibatalkan, 200_000)
    );
    assert_eq!((r.order.refund_total, r.order.refund_fee), (200_000, 5_000));
    // M's books: the sale, the fee and the receivable all undone.
    assert_eq!(net(&tm, "1107").await, 0);
    assert_eq!(net(&tm, "5309").await, 0);
    assert_eq!(net(&tm, "4201").await, 0);
    books_ok(&s, w.m).await;
    // O's: the cash went back; only N's part and N's fee remain.
    let to = s.tenant(w.o);
    assert_eq!(net(&to, "1101").await, 22_345);
    assert_eq!(net(&to, "2113").await, -22_036);
    assert_eq!(net(&to, "4305").await, -309);
    books_ok(&s, w.o).await;
    // A cancelled order owes nothing: M is owed nothing, so there is nothing to settle.
    let owed = to.owed_to_merchants().await.unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!((owed[0].koperasi_id, owed[0].amount), (w.n, 22_036));
    let e = to
        .create_settlement(&staff(), &settle_input(w.m, None))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_settlement").await, 0);
});

store_test!(a_settlement_pays_once_and_the_balances_go_to_zero, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    let c1 = buy_and_pay(&s, &w, 1, 1).await;
    let _c2 = buy_and_pay(&s, &w, 1, 0).await;
    let to = s.tenant(w.o);
    let tm = s.tenant(w.m);
    let tn = s.tenant(w.n);

    // Refused with nothing written: a range with no orders, a backwards range, itself.
    let mut old = settle_input(w.m, None);
    old.from = today() - Duration::days(40);
    old.to = today() - Duration::days(30);
    assert!(matches!(
        to.create_settlement(&staff(), &old).await,
        Err(StoreError::Invalid(_))
    ));
    let mut back = settle_input(w.m, None);
    back.from = today();
    back.to = today() - Duration::days(1);
    assert!(matches!(
        to.create_settlement(&staff(), &back).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        to.create_settlement(&staff(), &settle_input(w.o, None))
            .await,
        Err(StoreError::Invalid(_))
    ));
    // A merchant may not settle an operator's debt to itself: as "operator" it owes nothing.
    assert!(matches!(
        tm.create_settlement(&staff(), &settle_input(w.o, None))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_settlement").await, 0);

    let preview = to
        .settlement_preview(w.m, today() - Duration::days(1), today())
        .await
        .unwrap();
    assert_eq!(
        (
            preview.lines.len(),
            preview.gross,
            preview.fee,
            preview.amount
        ),
        (2, 200_000, 5_000, 195_000)
    );
    let st = to
        .create_settlement(&staff(), &settle_input(w.m, Some("set-1")))
        .await
        .unwrap();
    assert_eq!(
        (st.gross, st.fee, st.refunds, st.amount, st.order_count),
        (200_000, 5_000, 0, 195_000, 2)
    );
    assert_eq!((st.operator_id, st.merchant_id), (w.o, w.m));
    // A replay returns the same batch and writes nothing.
    let again = to
        .create_settlement(&staff(), &settle_input(w.m, Some("set-1")))
        .await
        .unwrap();
    assert_eq!(again.id, st.id);
    // A second batch finds nothing left.
    let e = to
        .create_settlement(&staff(), &settle_input(w.m, Some("set-2")))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_settlement").await, 1);
    assert_eq!(net(&tm, "1107").await, 0);
    assert_eq!(net(&tm, "1102").await, 195_000);
    assert_eq!(net(&to, "1102").await, -195_000);
    assert_eq!(net(&to, "2113").await, -22_036, "N's part is still owed");

    // The report: both coops read it; a third coop cannot.
    let rep = tm.settlement(st.id).await.unwrap();
    assert_eq!(rep.lines.len(), 2);
    assert_eq!(rep.lines.iter().map(|l| l.net).sum::<i64>(), 195_000);
    assert!(to.settlement(st.id).await.is_ok());
    assert!(matches!(
        tn.settlement(st.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(tm.settlements().await.unwrap().len(), 1);
    assert_eq!(tn.settlements().await.unwrap().len(), 0);

    // N: settled, then its order is cancelled after the settlement; the refund leaves 2113 in
    // debit and 1107 in credit until the next batch nets it.
    let sn = to
        .create_settlement(&staff(), &settle_input(w.n, None))
        .await
        .unwrap();
    assert_eq!(sn.amount, 22_036);
    assert_eq!(net(&tn, "1107").await, 0);
    let on = c1.orders.iter().find(|o| o.koperasi_id == w.n).unwrap();
    tn.order_action(
        &staff(),
        OrderActor::CoopStaff,
        None,
        on.id,
        &OrderAction::Cancel,
    )
    .await
    .unwrap();
    assert_eq!(net(&tn, "1107").await, -22_036);
    assert_eq!(net(&to, "2113").await, 22_036);
    books_ok(&s, w.o).await;
    books_ok(&s, w.n).await;
    // The refund alone is nothing to pay.
    assert!(matches!(
        to.create_settlement(&staff(), &settle_input(w.n, None))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // A new sale of 3 keripik: 37.035 + 10.000 shipping, fee 925,9 → 926: net 46.109; the
    // batch pays 46.109 − 22.036 = 24.073.
    buy_and_pay(&s, &w, 0, 3).await;
    let sn2 = to
        .create_settlement(&staff(), &settle_input(w.n, None))
        .await
        .unwrap();
    assert_eq!(
        (sn2.gross, sn2.fee, sn2.refunds, sn2.amount),
        (47_035, 926, 22_036, 24_073)
    );
    assert_eq!(tn.settlement(sn2.id).await.unwrap().lines.len(), 2);
    // Everything settled: both sides are back to zero.
    assert_eq!(net(&to, "2113").await, 0);
    assert_eq!(net(&tm, "1107").await, 0);
    assert_eq!(net(&tn, "1107").await, 0);
    assert!(to.owed_to_merchants().await.unwrap().is_empty());
    assert!(tn.owed_by_operators().await.unwrap().is_empty());
    for k in [w.o, w.m, w.n] {
        books_ok(&s, k).await;
    }
});

store_test!(a_return_before_settlement_settles_the_shipping, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    let c = buy_and_pay(&s, &w, 0, 1).await;
    let on = &c.orders[0];
    let tn = s.tenant(w.n);
    for a in [
        OrderAction::Process,
        OrderAction::Ship {
            courier: String::new(),
            tracking: String::new(),
        },
    ] {
        tn.order_action(&staff(), OrderActor::CoopStaff, None, on.id, &a)
            .await
            .unwrap();
    }
    s.buyer_order_action(&c.buyer_token, w.n, on.id, &OrderAction::Receive)
        .await
        .unwrap();
    let r = tn
        .order_action(
            &staff(),
            OrderActor::CoopStaff,
            None,
            on.id,
            &OrderAction::Return,
        )
        .await
        .unwrap();
    assert_eq!((r.refund, r.order.refund_fee), (12_345, 309));
    // The goods went back with their fee; the shipping stays owed.
    assert_eq!(net(&tn, "1107").await, 10_000);
    let to = s.tenant(w.o);
    let st = to
        .create_settlement(&staff(), &settle_input(w.n, None))
        .await
        .unwrap();
    assert_eq!(
        (st.gross, st.fee, st.refunds, st.amount),
        (22_345, 309, 12_036, 10_000)
    );
    assert_eq!(net(&tn, "1107").await, 0);
    assert_eq!(net(&to, "2113").await, 0);
    books_ok(&s, w.o).await;
    books_ok(&s, w.n).await;
});

store_test!(two_settlements_at_once_one_wins, |s| {
    let w = world(&s).await;
    s.set_market_operator(&staff(), w.o, 250).await.unwrap();
    for _ in 0..3 {
        buy_and_pay(&s, &w, 1, 0).await;
    }
    let to = s.tenant(w.o);
    let a = settle_input(w.m, Some("race-a"));
    let b = settle_input(w.m, Some("race-b"));
    let actor = staff();
    let (ra, rb) = tokio::join!(
        to.create_settlement(&actor, &a),
        to.create_settlement(&actor, &b)
    );
    let oks = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(oks, 1, "{ra:?} {rb:?}");
    let err = if ra.is_err() { ra } else { rb };
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM market_settlement").await, 1);
    assert_eq!(net(&to, "2113").await, 0);
    assert_eq!(net(&s.tenant(w.m), "1107").await, 0);
    assert_eq!(net(&s.tenant(w.m), "1102").await, 3 * 97_500);
    books_ok(&s, w.o).await;
    books_ok(&s, w.m).await;
});
