//! Past orders (issue #5, the demo's year of orders) on both engines: a checkout, its payment,
//! its order actions and a seller payout made "at" an earlier instant carry that instant, and
//! their journal entries and patronage are dated on its day (so the fiscal year follows); a
//! closed fiscal year refuses the payment with nothing written. Also the shipping rates
//! setter the demo uses. Fixtures are the ones of `market_orders.rs` (direct SQL).

#[macro_use]
mod common;

use std::collections::BTreeSet;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_core::market::shipping::{Zone, ZoneRates};
use guyub_core::money::Rupiah;
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, PayoutMethod,
    ShipChoice, ShipTo,
};
use guyub_store::{Store, StoreError, on_db};
use time::macros::date;
use time::{Date, Month, OffsetDateTime};

/// A listed product with one variant; returns the variant id.
#[allow(clippy::too_many_arguments)]

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
