//! The demo's year of marketplace orders: a few hundred checkouts in the demo coops'
//! storefronts, spread over the twelve months before today, by members (member price,
//! patronage) and by other buyers, often from two sellers at once, paid by QRIS, transfer,
//! cash at pickup or cash on delivery, picked up, delivered by the seller or sent by courier.
//! Each runs its course — paid, processed, shipped, received, completed — as far as today
//! allows, so the newest are still on their way; some are cancelled before payment, a few
//! cancelled after it or returned (refunded), and the consignment sellers are paid out each
//! month.
//!
//! When the instance has a /pasar operator (the demo makes the secondary coop one, at 2,5 %),
//! a third of the checkouts are public /pasar checkouts operated by it: the coops' goods pay
//! its fee, it holds the money, and it settles with each merchant coop on the 5th of every
//! month for the month before (`create_settlement_at`), so the current month stays owed.
//!
//! Everything goes through the store's own operations, at the instant it happens
//! (`checkout_at`, `mark_checkout_paid_at`, `order_action_at`, `create_payout_at`), in time
//! order: the journal entries are dated on the order's days, so the year's books, trial
//! balance and patronage follow, and `guyub books verify` finds them as valid as real sales.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_core::market::order::{OrderAction, OrderActor, OrderStatus};
use guyub_core::region::RegionCode;
use guyub_store::market::operator::{SettleMethod, SettlementInput};
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, PayoutMethod,
    ShipChoice, ShipTo,
};
use guyub_store::{Actor, Store, StoreError};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::demo::Rng;

/// A product a demo storefront sells: its seller and its variants.
#[derive(Debug, Clone)]
pub struct Item {
    pub seller: SellerId,
    pub variants: Vec<VariantId>,
}

/// One demo storefront, as the orders need it.
#[derive(Debug, Clone)]
pub struct Shop {
    pub id: KoperasiId,
    pub regency: String,
    /// Approved products.
    pub items: Vec<Item>,
    /// Active members who shop as members: name, member number, phone.
    pub members: Vec<(String, String, String)>,
    /// Sellers on consignment, paid out monthly.
    pub consignment: Vec<SellerId>,
}

/// What the orders made, for the demo's summary and tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct OrderStats {
    pub checkouts: usize,
    pub refused: usize,
    pub payouts: usize,
    /// Settlements of the /pasar operator with the merchant coops.
    pub settlements: usize,
}

/// Courier destinations of the demo buyers (kabupaten/kota in East Java).
pub const DESTINATIONS: &[&str] = &[
    "35.73", "35.07", "35.06", "35.71", "35.78", "35.15", "35.25", "35.09",
];

const FIRST: &[&str] = &[
    "Rina", "Agus", "Dewi", "Budi", "Sri", "Eko", "Wulan", "Fajar", "Indah", "Yusuf", "Nurul",
    "Hendra", "Lestari", "Bayu",
];
const LAST: &[&str] = &[
    "Wijaya", "Santoso", "Kusuma", "Pratama", "Lestari", "Hidayat", "Maharani", "Saputra",
];

/// Something that happens at an instant: a checkout (`step` 0) or its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Checkout `i` takes its next step.
    Step { i: usize, step: u8 },
    /// Consignment payouts of every shop.
    Payouts,
    /// The /pasar operator settles last month's orders with every merchant coop.
    Settlements,
}

/// How a checkout's story goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Paid and completed (as far as today allows).
    Done,
    /// Cancelled by the buyer before paying.
    CancelUnpaid,
    /// Paid, then one order cancelled by the coop before shipping: refunded.
    CancelPaid,
    /// Received, then one order returned: the goods refunded.
    Return,
}

/// A checkout planned and, once made, its orders.
struct Plan {
    shop: usize,
    input: CheckoutInput,
    fate: Fate,
    made: Option<(KoperasiId, guyub_core::ids::CheckoutId)>,
    /// Orders: (merchant coop, order id, pickup).
    orders: Vec<(KoperasiId, guyub_core::ids::OrderId, bool)>,
}

/// An instant on `day` at `hour`:`minute` WIB.
fn at(day: Date, hour: u8, minute: u8) -> OffsetDateTime {
    let t = Time::from_hms(hour.min(23), minute.min(59), 0).unwrap_or(Time::MIDNIGHT);
    day.with_time(t)
        .assume_offset(guyub_core::coop::CoopTimeZone::Wib.offset())
}

/// Runs a year of orders in `shops`, from `start` to `now`. About `n` checkouts; a third of
/// them operated by `pasar_operator` when there is one.
#[allow(clippy::too_many_arguments)]
pub async fn seed(
    store: &Store,
    rng: &mut Rng,
    actor: &Actor,
    shops: &[Shop],
    start: Date,
    now: OffsetDateTime,
    n: usize,
    pasar_operator: Option<KoperasiId>,
) -> anyhow::Result<OrderStats> {
    let mut stats = OrderStats::default();
    let today = now
        .to_offset(guyub_core::coop::CoopTimeZone::Wib.offset())
        .date();
    let days = (today - start).whole_days().max(1) as usize;
    let mut plans: Vec<Plan> = vec![];
    let mut queue: BinaryHeap<Reverse<(OffsetDateTime, Event)>> = BinaryHeap::new();
    for _ in 0..n {
        let s = rng.below(shops.len());
        let shop = &shops[s];
        if shop.items.is_empty() {
            continue;
        }
        let day = start + Duration::days(rng.below(days + 1) as i64);
        let when = at(day, 7 + rng.below(14) as u8, rng.below(60) as u8);
        if when >= now {
            continue;
        }
        // The buyer: a member of the coop more than half the time.
        let member = (!shop.members.is_empty() && rng.chance(55))
            .then(|| shop.members[rng.below(shop.members.len())].clone());
        let buyer = match &member {
            Some((name, no, phone)) => BuyerInput {
                name: name.clone(),
                phone: phone.clone(),
                user_id: None,
                member_no: Some(no.clone()),
            },
            None => BuyerInput {
                name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
                phone: format!("0813{:08}", rng.below(100_000_000)),
                user_id: None,
                member_no: None,
            },
        };
        // The cart: one to three products, from one seller or (a third of the time) two;
        // now and then a product of another demo coop's storefront too.
        let mut lines: Vec<CheckoutLineInput> = vec![];
        let first = &shop.items[rng.below(shop.items.len())];
        let mut add = |rng: &mut Rng, k: KoperasiId, item: &Item| {
            lines.push(CheckoutLineInput {
                coop_id: k,
                variant_id: *rng.pick(&item.variants),
                qty: 1 + rng.below(3) as u32,
            });
        };
        add(rng, shop.id, first);
        if rng.chance(30) {
            let same: Vec<&Item> = shop
                .items
                .iter()
                .filter(|i| i.seller == first.seller)
                .collect();
            let it = *rng.pick(&same);
            add(rng, shop.id, it);
        }
        if rng.chance(35) {
            let other: Vec<&Item> = shop
                .items
                .iter()
                .filter(|i| i.seller != first.seller)
                .collect();
            if !other.is_empty() {
                let it = *rng.pick(&other);
                add(rng, shop.id, it);
            }
        }
        let cross = shops.len() > 1 && rng.chance(8);
        if cross {
            let o = &shops[(s + 1 + rng.below(shops.len() - 1)) % shops.len()];
            if !o.items.is_empty() {
                let it = &o.items[rng.below(o.items.len())];
                add(rng, o.id, it);
            }
        }
        // Shipping per seller group: pickup at the coop, the seller's delivery in the coop's
        // own regency, or a courier anywhere. Another coop's goods always go by courier.
        let mut groups: Vec<GroupChoice> = vec![];
        let local = rng.below(100);
        let dest_code = if local < 60 {
            shop.regency.clone()
        } else {
            rng.pick(DESTINATIONS).to_string()
        };
        let dest = RegionCode::parse(&dest_code).ok();
        for l in &lines {
            let owner = shops.iter().find(|x| x.id == l.coop_id);
            let Some(item_seller) = owner.and_then(|x| {
                x.items
                    .iter()
                    .find(|i| i.variants.contains(&l.variant_id))
                    .map(|i| i.seller)
            }) else {
                continue;
            };
            if groups
                .iter()
                .any(|g| g.coop_id == l.coop_id && g.seller_id == item_seller)
            {
                continue;
            }
            let shipping = if l.coop_id != shop.id {
                ShipChoice::Courier {
                    courier: "JNE".into(),
                    service: "REG".into(),
                }
            } else if local < 35 {
                ShipChoice::Pickup
            } else if local < 60 {
                ShipChoice::SellerDelivery
            } else {
                match rng.below(3) {
                    0 => ShipChoice::Courier {
                        courier: "JNE".into(),
                        service: "REG".into(),
                    },
                    1 => ShipChoice::Courier {
                        courier: "J&T".into(),
                        service: "EZ".into(),
                    },
                    _ => ShipChoice::Courier {
                        courier: "Pos Indonesia".into(),
                        service: "Kilat Khusus".into(),
                    },
                }
            };
            groups.push(GroupChoice {
                coop_id: l.coop_id,
                seller_id: item_seller,
                shipping,
                ship_to: ShipTo {
                    name: buyer.name.clone(),
                    address: format!("Jl. Melati No. {}", 1 + rng.below(120)),
                    region: dest.clone(),
                },
            });
        }
        let all_pickup = groups
            .iter()
            .all(|g| matches!(g.shipping, ShipChoice::Pickup));
        let all_delivery = groups
            .iter()
            .all(|g| matches!(g.shipping, ShipChoice::SellerDelivery));
        let pay = match rng.below(100) {
            r if all_pickup && r < 45 => CheckoutPay::CashAtPickup,
            r if all_delivery && r < 40 => CheckoutPay::Cod,
            r if r < 65 => CheckoutPay::Qris,
            _ => CheckoutPay::Transfer,
        };
        let fate = match rng.below(100) {
            0..=7 => Fate::CancelUnpaid,
            8..=10 => Fate::CancelPaid,
            11..=14 if !all_pickup => Fate::Return,
            _ => Fate::Done,
        };
        let i = plans.len();
        // Every third checkout is a public /pasar one, operated by the instance's operator.
        let operator = pasar_operator
            .filter(|_| i.is_multiple_of(3))
            .unwrap_or(shop.id);
        plans.push(Plan {
            shop: s,
            input: CheckoutInput {
                operator,
                idem_key: Some(format!("demo-{i}")),
                buyer,
                lines,
                groups,
                pay_method: pay,
            },
            fate,
            made: None,
            orders: vec![],
        });
        queue.push(Reverse((when, Event::Step { i, step: 0 })));
    }
    // Consignment payouts on the 25th of each month.
    let mut month = start;
    while month <= today {
        if let Ok(d) = month.replace_day(25) {
            let t = at(d, 10, 0);
            if t < now {
                queue.push(Reverse((t, Event::Payouts)));
            }
        }
        month = month
            .replace_day(1)
            .ok()
            .and_then(|d| d.checked_add(Duration::days(32)))
            .and_then(|d| d.replace_day(1).ok())
            .unwrap_or(today + Duration::days(1));
    }

    // The operator's settlements on the 5th of each month, for the month before.
    if pasar_operator.is_some() {
        let mut month = start;
        while month <= today {
            if let Ok(d) = month.replace_day(5) {
                let t = at(d, 9, 0);
                if t < now && d > start {
                    queue.push(Reverse((t, Event::Settlements)));
                }
            }
            month = month
                .replace_day(1)
                .ok()
                .and_then(|d| d.checked_add(Duration::days(32)))
                .and_then(|d| d.replace_day(1).ok())
                .unwrap_or(today + Duration::days(1));
        }
    }

    while let Some(Reverse((t, ev))) = queue.pop() {
        match ev {
            Event::Settlements => {
                let Some(op) = pasar_operator else { continue };
                let day = t
                    .to_offset(guyub_core::coop::CoopTimeZone::Wib.offset())
                    .date();
                let to = day.replace_day(1).unwrap_or(day) - Duration::days(1);
                let from = to.replace_day(1).unwrap_or(to);
                let tenant = store.tenant(op);
                for shop in shops {
                    let input = SettlementInput {
                        merchant: shop.id,
                        from,
                        to,
                        method: SettleMethod::Bank,
                        idem_key: Some(format!("demo-settle-{}-{from}", shop.id)),
                    };
                    match tenant.create_settlement_at(actor, &input, t).await {
                        Ok(_) => stats.settlements += 1,
                        // Nothing owed for that month (or its refunds exceed its sales).
                        Err(StoreError::Invalid(_) | StoreError::Conflict(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Event::Payouts => {
                for shop in shops {
                    let tenant = store.tenant(shop.id);
                    for seller in &shop.consignment {
                        if tenant.payout_preview(*seller).await?.amount > 0 {
                            let method = if rng.chance(70) {
                                PayoutMethod::Transfer
                            } else {
                                PayoutMethod::Cash
                            };
                            tenant.create_payout_at(actor, *seller, method, t).await?;
                            stats.payouts += 1;
                        }
                    }
                }
            }
            Event::Step { i, step } => {
                let next =
                    step_checkout(store, actor, rng, &mut plans[i], step, t, &mut stats).await?;
                if let Some((delay, step)) = next {
                    let when = t + delay;
                    if when < now {
                        queue.push(Reverse((when, Event::Step { i, step })));
                    }
                }
            }
        }
    }
    // Checkouts left unpaid (the buyer cancelled) release their hold as the server's sweeper
    // would.
    store.release_expired_checkouts(now).await?;
    Ok(stats)
}

/// Takes step `step` of checkout `p` at `t`; returns the delay and number of the next step.
async fn step_checkout(
    store: &Store,
    actor: &Actor,
    rng: &mut Rng,
    p: &mut Plan,
    step: u8,
    t: OffsetDateTime,
    stats: &mut OrderStats,
) -> anyhow::Result<Option<(Duration, u8)>> {
    let hours = |rng: &mut Rng, lo: i64, hi: i64| {
        Duration::minutes(60 * lo + rng.below((60 * (hi - lo)) as usize) as i64)
    };
    let staff = OrderActor::CoopStaff;
    let buyer = OrderActor::Buyer;
    match step {
        0 => {
            let c = match store.checkout_at(&p.input, t).await {
                Ok(c) => c,
                // Sold out meanwhile, or a courier that does not reach: the buyer gave up.
                Err(StoreError::Invalid(_) | StoreError::Conflict(_)) => {
                    stats.refused += 1;
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            };
            stats.checkouts += 1;
            p.made = Some((c.koperasi_id, c.id));
            p.orders = c
                .orders
                .iter()
                .map(|o| {
                    (
                        o.koperasi_id,
                        o.id,
                        matches!(o.shipping, guyub_core::market::shipping::Shipping::Pickup),
                    )
                })
                .collect();
            let _ = p.shop;
            Ok(Some(match (p.fate, p.input.pay_method) {
                (Fate::CancelUnpaid, _) => (hours(rng, 0, 2), 9),
                (_, CheckoutPay::Qris) => (Duration::minutes(2 + rng.below(10) as i64), 1),
                (_, CheckoutPay::Transfer) => (hours(rng, 0, 5), 1),
                // Cash at pickup and cash on delivery: paid when the goods are handed over;
                // the cashier records it then (a few hours later, the same or next day).
                _ => (hours(rng, 2, 26), 1),
            }))
        }
        1 => {
            let Some((k, cid)) = p.made else {
                return Ok(None);
            };
            let reference = match p.input.pay_method {
                CheckoutPay::Qris => format!("RRN {:012}", rng.below(1_000_000_000_000)),
                CheckoutPay::Transfer => format!("TRF {:08}", rng.below(100_000_000)),
                _ => "Tunai".to_string(),
            };
            store
                .mark_checkout_paid_at(actor, k, cid, &reference, t)
                .await?;
            Ok(Some((hours(rng, 2, 20), 2)))
        }
        // Process every order; a "cancel after payment" story cancels its first order instead.
        2 => {
            for (n, (k, id, _)) in p.orders.iter().enumerate() {
                let action = if n == 0 && p.fate == Fate::CancelPaid {
                    OrderAction::Cancel
                } else {
                    OrderAction::Process
                };
                store
                    .tenant(*k)
                    .order_action_at(actor, staff, None, *id, &action, t)
                    .await?;
            }
            Ok(Some((hours(rng, 3, 30), 3)))
        }
        // Ship what is shipped; hand over what is picked up.
        3 => {
            for (k, id, pickup) in &p.orders {
                let tenant = store.tenant(*k);
                let o = tenant.order(*id).await?;
                if o.status != OrderStatus::Diproses {
                    continue;
                }
                let action = if *pickup {
                    OrderAction::Receive
                } else {
                    let courier = o.courier.clone().unwrap_or_default();
                    match &o.shipping {
                        guyub_core::market::shipping::Shipping::Courier { courier, .. } => {
                            OrderAction::ship(
                                courier,
                                &format!("JP{:010}", rng.below(10_000_000_000)),
                            )
                        }
                        _ => OrderAction::ship(
                            if courier.is_empty() {
                                "Kurir toko"
                            } else {
                                &courier
                            },
                            "",
                        ),
                    }
                };
                tenant
                    .order_action_at(actor, staff, None, *id, &action, t)
                    .await?;
            }
            Ok(Some((hours(rng, 20, 72), 4)))
        }
        // Delivered: the buyer marks it received.
        4 => {
            for (k, id, _) in &p.orders {
                let tenant = store.tenant(*k);
                if tenant.order(*id).await?.status == OrderStatus::Dikirim {
                    tenant
                        .order_action_at(actor, buyer, None, *id, &OrderAction::Receive, t)
                        .await?;
                }
            }
            Ok(Some((hours(rng, 4, 48), 5)))
        }
        // Completed by the buyer; a "return" story returns its first order instead.
        5 => {
            for (n, (k, id, _)) in p.orders.iter().enumerate() {
                let tenant = store.tenant(*k);
                if tenant.order(*id).await?.status != OrderStatus::Diterima {
                    continue;
                }
                let (who, action) = if n == 0 && p.fate == Fate::Return {
                    (staff, OrderAction::Return)
                } else {
                    (buyer, OrderAction::Complete)
                };
                tenant
                    .order_action_at(actor, who, None, *id, &action, t)
                    .await?;
            }
            Ok(None)
        }
        // The buyer cancels before paying.
        9 => {
            for (k, id, _) in &p.orders {
                store
                    .tenant(*k)
                    .order_action_at(actor, buyer, None, *id, &OrderAction::Cancel, t)
                    .await?;
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use guyub_core::market::order::OrderStatus;
    use guyub_store::Store;
    use guyub_store::market::catalog::FilePurpose;

    /// The whole demo on a fresh SQLite file (a small membership to stay quick): the orders
    /// cover the year, every story ends where it should, member purchases earn patronage on
    /// the day they were paid, the products have photos, and the books verify clean.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_fills_a_year_of_orders_with_photos_and_clean_books() {
        let dir = std::env::temp_dir().join(format!("guyub-demo-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/demo.db?mode=rwc", dir.display());
        let store = Store::connect(&url, 8).await.unwrap();
        store.migrate().await.unwrap();
        crate::demo::seed(&store, 2019, 300, "not-a-real-hash")
            .await
            .unwrap();

        let mut months = BTreeSet::new();
        let mut statuses = BTreeSet::new();
        let mut member_orders = 0;
        for code in ["KSPMLG", "KOPONTREN", "KONSBY"] {
            let k = store.koperasi_by_code(code).await.unwrap().id;
            let t = store.tenant(k);
            let orders = t.orders_in(None, None, 500).await.unwrap();
            assert!(orders.len() > 60, "{code}: only {} orders", orders.len());
            for o in &orders {
                let d = o
                    .created_at
                    .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap());
                months.insert((d.year(), u8::from(d.month())));
                statuses.insert(o.status.as_str());
            }
            // A member's completed purchase: one patronage row of its goods, dated on the
            // day it was paid (the order's day or the next).
            let bought = orders
                .iter()
                .filter(|o| o.status == OrderStatus::Selesai && o.buyer_member_id.is_some())
                .collect::<Vec<_>>();
            assert!(!bought.is_empty(), "{code}: no member bought anything");
            for o in bought.iter().take(5) {
                member_orders += 1;
                let member = o.buyer_member_id.unwrap();
                let day = o
                    .created_at
                    .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
                    .date();
                let mut rows = vec![];
                for year in [day.year(), day.year() + 1] {
                    rows.extend(
                        t.patronage_of(member, year)
                            .await
                            .unwrap()
                            .into_iter()
                            .filter(|p| p.source_id == o.id.0 && p.source == "pembelian"),
                    );
                }
                assert_eq!(rows.len(), 1, "{code} {}: patronage rows", o.order_no);
                assert_eq!(rows[0].amount, o.goods_total);
                assert!(
                    rows[0].tx_date >= day && rows[0].tx_date <= day + time::Duration::days(2),
                    "{code} {}: patronage dated {} for an order of {day}",
                    o.order_no,
                    rows[0].tx_date
                );
                assert_eq!(rows[0].fiscal_year, rows[0].tx_date.year());
            }
            // Every product of every seller (a few sampled each) carries a photo.
            for s in t.sellers(false).await.unwrap() {
                let ps = t.products_of_seller(s.id, None, 5, 0).await.unwrap();
                assert!(!ps.is_empty(), "{code}: {} sells nothing", s.name);
                for p in ps {
                    assert!(p.cover_photo_id.is_some(), "{}: no cover", p.name);
                    let full = t.product(p.id).await.unwrap();
                    assert!(
                        full.files
                            .iter()
                            .any(|f| f.purpose == FilePurpose::Foto && f.width == 400),
                        "{}: no photo",
                        p.name
                    );
                }
            }
            // Consignment sellers were paid out.
            assert!(
                !t.payouts(None).await.unwrap().is_empty(),
                "{code}: no payouts"
            );
        }
        assert!(member_orders >= 3);
        // The secondary coop operates the public /pasar: its fee is in its books and it settled
        // with the merchant coops month by month.
        let op = store.koperasi_by_code("PUSKOPJTM").await.unwrap().id;
        let t = store.tenant(op);
        let settled = t.settlements().await.unwrap();
        assert!(settled.len() >= 2, "{} settlements", settled.len());
        assert!(settled.iter().all(|s| s.amount > 0 && s.operator_id == op));
        assert!(settled.iter().map(|s| s.fee).sum::<i64>() > 0);
        assert!(
            months.len() >= 10,
            "orders in only {} months: {months:?}",
            months.len()
        );
        for s in [
            OrderStatus::Selesai,
            OrderStatus::Dibatalkan,
            OrderStatus::Dikembalikan,
        ] {
            assert!(
                statuses.contains(s.as_str()),
                "no order {s:?}: {statuses:?}"
            );
        }
        let problems = store.verify_books(None).await.unwrap();
        assert!(problems.is_empty(), "books: {problems:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
