//! The API's reads (`market::lookup`), on both engines: a coop's products and orders paged by
//! cursor (every row once, newest first, filters, another coop's rows never), a garbage
//! cursor refused, a listed product by id (an unlisted one is not found), a Tomiko PO by id
//! for its two coops only.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use common::market::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{KoperasiId, MarketProductId, VariantId};
use guyub_core::market::catalog::ProductStatus;
use guyub_core::market::order::OrderStatus;
use guyub_core::market::tomiko::PaymentTerms;
use guyub_store::coop::CoopData;
use guyub_store::market::lookup::ProductListFilter;
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, ShipChoice, ShipTo,
};
use guyub_store::market::tomiko::{PoInput, PoLineInput};
use guyub_store::{Store, StoreError, on_db};
use time::OffsetDateTime;
use uuid::Uuid;

/// The product id behind a variant.
async fn product_of(s: &Store, k: KoperasiId, v: VariantId) -> MarketProductId {
    MarketProductId(
        on_db!(s.db(), p => sqlx::query_scalar(
            "SELECT product_id FROM market_variant WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(v.0).fetch_one(p).await)
        .unwrap(),
    )
}

/// The shared helper writes older words for the status and categories than the core reads
/// back now; these products are curated food (only the lists here read them back).
async fn real_codes(s: &Store) {
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_product SET status = 'terkurasi', category = 'makanan-minuman' WHERE status = 'disetujui'")
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_seller SET category = 'makanan-minuman' WHERE category = 'makanan_minuman'")
        .execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
}

fn is_cursor_error<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Invalid(f)) if f.iter().any(|e| e.field == "cursor"))
}

store_test!(a_coops_products_page_by_cursor_in_any_status, |s| {
    let a = new_coop(&s, "LKA").await;
    let b = new_coop(&s, "LKB").await;
    market_settings(&s, a, "lka").await;
    market_settings(&s, b, "lkb").await;
    let toko = seller(&s, a, "toko-lk", false, None, 0).await;
    let other = seller(&s, a, "lain-lk", false, None, 0).await;
    let toko_b = seller(&s, b, "toko-lkb", false, None, 0).await;
    let mut made = vec![];
    for (i, name) in ["Kopi Satu", "Kopi Dua", "Kopi Tiga", "Kopi Empat"]
        .iter()
        .enumerate()
    {
        let v = variant(&s, a, toko, name, 10_000 + i as i64, None, 0, 5).await;
        made.push(product_of(&s, a, v).await);
    }
    let madu = variant(&s, a, other, "Madu Lain", 50_000, None, 0, 5).await;
    made.push(product_of(&s, a, madu).await);
    variant(&s, b, toko_b, "Kopi B", 9_000, None, 0, 5).await;
    real_codes(&s).await;
    // One of A's products is a draft again (not listed): still the coop's.
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_product SET status = 'draft', listed = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(a.0).bind(made[1].0).bind(false).execute(p).await.map(|r| r.rows_affected())).unwrap();

    let t = s.tenant(a);
    let mut seen = vec![];
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = t
            .products_page(&ProductListFilter {
                limit: 2,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        pages += 1;
        assert!(page.products.len() <= 2);
        assert!(page.products.iter().all(|p| p.koperasi_id == a));
        seen.extend(page.products.iter().map(|p| (p.created_at, p.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3, "5 products by 2 a page");
    assert_eq!(seen.len(), 5);
    let ids: BTreeSet<_> = seen.iter().map(|x| x.1).collect();
    assert_eq!(ids, made.iter().copied().collect::<BTreeSet<_>>());
    let mut sorted = seen.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(seen, sorted, "newest first");

    // Filters: one status, one seller.
    let drafts = t
        .products_page(&ProductListFilter {
            status: Some(ProductStatus::Draft),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        drafts.products.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![made[1]]
    );
    assert!(drafts.next_cursor.is_none());
    let of_other = t
        .products_page(&ProductListFilter {
            seller: Some(other),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(of_other.products.len(), 1);
    assert_eq!(of_other.products[0].name, "Madu Lain");
    // Coop B's seller asked through A's handle: nothing.
    let none = t
        .products_page(&ProductListFilter {
            seller: Some(toko_b),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.products.is_empty());

    // A garbage cursor is refused on its field.
    for bad in ["zzz", "12_34", "1_", "abc_0190a3b2c3d4e5f60718293a4b5c6d7e"] {
        assert!(
            is_cursor_error(
                t.products_page(&ProductListFilter {
                    cursor: Some(bad.into()),
                    ..Default::default()
                })
                .await
            ),
            "{bad}"
        );
    }
});

store_test!(a_listed_product_by_id_and_never_an_unlisted_one, |s| {
    let a = new_coop(&s, "LPA").await;
    let b = new_coop(&s, "LPB").await;
    market_settings(&s, a, "lpa").await;
    market_settings(&s, b, "lpb").await;
    let toko = seller(&s, a, "toko-lp", false, None, 0).await;
    let kopi = variant(&s, a, toko, "Kopi Dampit", 50_000, Some(45_000), 30_000, 7).await;
    let teh = variant(&s, a, toko, "Teh Wangi", 20_000, None, 0, 3).await;
    real_codes(&s).await;
    let kopi_p = product_of(&s, a, kopi).await;
    let teh_p = product_of(&s, a, teh).await;
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_product SET status = 'diajukan', listed = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(a.0).bind(teh_p.0).bind(false).execute(p).await.map(|r| r.rows_affected())).unwrap();

    let page = s.listed_product(a, kopi_p).await.unwrap();
    assert_eq!(page.product.summary.name, "Kopi Dampit");
    assert_eq!(page.product.variants.len(), 1);
    assert_eq!(page.product.variants[0].price, 50_000);
    assert_eq!(page.product.variants[0].member_price, Some(45_000));
    assert_eq!(page.product.variants[0].stock, 7);
    assert_eq!(page.product.variants[0].cost, 0, "the cost is the coop's");
    assert_eq!(page.coop_slug, "lpa");
    assert!(matches!(
        s.listed_product(a, teh_p).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.listed_product(b, kopi_p).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.listed_product(a, MarketProductId::new()).await,
        Err(StoreError::NotFound)
    ));
});

fn buyer() -> BuyerInput {
    BuyerInput {
        name: "Siti Aminah".into(),
        phone: BUYER_PHONE.into(),
        user_id: None,
        member_no: None,
    }
}

fn pickup_cart(k: KoperasiId, seller: guyub_core::ids::SellerId, v: VariantId) -> CheckoutInput {
    CheckoutInput {
        operator: k,
        idem_key: None,
        buyer: buyer(),
        lines: vec![CheckoutLineInput {
            coop_id: k,
            variant_id: v,
            qty: 1,
        }],
        groups: vec![GroupChoice {
            coop_id: k,
            seller_id: seller,
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

store_test!(a_coops_orders_page_by_cursor_and_status, |s| {
    let a = new_coop(&s, "LOA").await;
    let b = new_coop(&s, "LOB").await;
    market_settings(&s, a, "loa").await;
    market_settings(&s, b, "lob").await;
    let toko = seller(&s, a, "toko-lo", false, None, 0).await;
    let toko_b = seller(&s, b, "toko-lob", false, None, 0).await;
    let kopi = variant(&s, a, toko, "Kopi Dampit", 50_000, None, 30_000, 10).await;
    let kopi_b = variant(&s, b, toko_b, "Kopi Kediri", 40_000, None, 0, 10).await;
    let mut orders = vec![];
    for _ in 0..3 {
        let c = s.checkout(&pickup_cart(a, toko, kopi)).await.unwrap();
        orders.push(c.orders[0].id);
    }
    s.checkout(&pickup_cart(b, toko_b, kopi_b)).await.unwrap();
    // The first checkout is paid: its order moves to dibayar.
    let first = s.tenant(a).order(orders[0]).await.unwrap();
    s.mark_checkout_paid(&staff(), a, first.checkout_id, "tunai")
        .await
        .unwrap();

    let t = s.tenant(a);
    let p1 = t.orders_page(None, None, 2).await.unwrap();
    assert_eq!(p1.orders.len(), 2);
    let c1 = p1.next_cursor.clone().expect("more");
    let p2 = t.orders_page(None, Some(&c1), 2).await.unwrap();
    assert_eq!(p2.orders.len(), 1);
    assert!(p2.next_cursor.is_none());
    let got: Vec<_> = p1.orders.iter().chain(&p2.orders).map(|o| o.id).collect();
    let mut want = orders.clone();
    want.reverse();
    assert_eq!(got, want, "newest first, each once");
    assert!(
        p1.orders
            .iter()
            .chain(&p2.orders)
            .all(|o| o.koperasi_id == a)
    );
    assert_eq!(p1.orders[0].total, 50_000);

    let paid = t
        .orders_page(Some(OrderStatus::Dibayar), None, 0)
        .await
        .unwrap();
    assert_eq!(
        paid.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![orders[0]]
    );
    let waiting = t
        .orders_page(Some(OrderStatus::Dibuat), None, 0)
        .await
        .unwrap();
    assert_eq!(waiting.orders.len(), 2);
    assert!(is_cursor_error(
        t.orders_page(None, Some("garbage"), 2).await
    ));
    // A cursor from another list still only pages A's orders.
    let fake = format!(
        "{}_{}",
        OffsetDateTime::now_utc().unix_timestamp_nanos(),
        Uuid::nil().simple()
    );
    let rest = t.orders_page(None, Some(&fake), 10).await.unwrap();
    assert_eq!(rest.orders.len(), 3);
});

async fn tomiko_coop(s: &Store, code: &str, tier: CoopTier) -> KoperasiId {
    let data = CoopData {
        code: code.to_string(),
        name: format!("Koperasi {code}"),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::Konsumen,
        pattern: CoopPattern::Konvensional,
        tier,
        is_pesantren: false,
        address: "Jl. Gayung Kebonsari 1".to_string(),
        region: region("35.78.09.1001"),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    s.create_koperasi(&staff(), &data, &Bylaws::default(), 2020)
        .await
        .unwrap()
}

store_test!(a_po_by_id_for_its_two_coops_only, |s| {
    let sec = tomiko_coop(&s, "LTS", CoopTier::Secondary).await;
    let a = tomiko_coop(&s, "LTA", CoopTier::Primary).await;
    let x = tomiko_coop(&s, "LTX", CoopTier::Primary).await;
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)
         VALUES ($1, $2, 'lts', 0, $3, 'Gudang', NULL, $4)")
        .bind(sec.0).bind(true).bind(true).bind(OffsetDateTime::now_utc())
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    let unit = seller(&s, sec, "gudang-lt", false, None, 0).await;
    let beras = variant(&s, sec, unit, "Beras Karung", 310_000, None, 279_000, 40).await;
    on_db!(s.db(), p => sqlx::query(
        "UPDATE market_product SET faces = 'tomiko', wholesale_only = $2 WHERE koperasi_id = $1")
        .bind(sec.0).bind(true).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    s.tenant(sec)
        .grant_tomiko_access(&staff(), a, 30)
        .await
        .unwrap();
    let po = s
        .tenant(a)
        .place_tomiko_po(
            &staff(),
            &PoInput {
                seller: sec,
                lines: vec![PoLineInput {
                    variant_id: beras,
                    qty: 2,
                }],
                terms: PaymentTerms::Tunai,
                note: String::new(),
                idem_key: None,
            },
        )
        .await
        .unwrap();
    let as_buyer = s.tenant(a).tomiko_po_by_id(po.id).await.unwrap();
    let as_seller = s.tenant(sec).tomiko_po_by_id(po.id).await.unwrap();
    assert_eq!(as_buyer.po_no, po.po_no);
    assert_eq!(as_seller.total, 620_000);
    assert_eq!(as_seller.lines.len(), 1);
    assert!(matches!(
        s.tenant(x).tomiko_po_by_id(po.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.tenant(a).tomiko_po_by_id(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
});
