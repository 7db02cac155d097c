//! Tomiko purchase orders (issue #5 part 7) on both engines: the full tempo journey with the
//! exact entries in both books, a cash PO of an admitted non-member coop, refusal without
//! access, bad quantities, the oversell race at confirmation, cancel returning stock once,
//! idempotent placing, and another coop's PO. Catalogue rows are made with direct SQL.

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_core::market::tomiko::{PaymentTerms, PoSide, PoStatus};
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::market::tomiko::{PoInput, PoLineInput, PoPay, ReceiveChoice};
use guyub_store::member::MemberCoop;
use guyub_store::{Actor, Store, StoreError, on_db};
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

fn staff() -> Actor {
    Actor::system("Pengurus Uji")
}

async fn new_coop(s: &Store, code: &str, tier: CoopTier) -> KoperasiId {
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
        region: RegionCode::parse("35.78.09.1001").unwrap(),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    s.create_koperasi(&staff(), &data, &Bylaws::default(), 2020)
        .await
        .unwrap()
}

async fn settings(s: &Store, k: KoperasiId, slug: &str, tomiko: bool) {
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)
         VALUES ($1, $2, $3, 0, $4, 'Gudang', NULL, $5)")
        .bind(k.0).bind(true).bind(slug).bind(tomiko).bind(OffsetDateTime::now_utc())
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
}

async fn unit_seller(s: &Store, k: KoperasiId, slug: &str) -> SellerId {
    let id = SellerId::new();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
         VALUES ($1, $2, 'unit_koperasi', $3, $4, 'Pengurus', NULL, NULL, NULL, 'Jl. 1', '35.78.09.1001', '35.78',
            'sembako', NULL, '', $5, 0, $6, $7, $7)")
        .bind(k.0).bind(id.0).bind(format!("Toko {slug}")).bind(slug).bind(false).bind(true)
        .bind(OffsetDateTime::now_utc()).execute(p).await.map(|r| r.rows_affected())).unwrap();
    id
}

#[allow(clippy::too_many_arguments)]
async fn variant(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    faces: &str,
    price: i64,
    tiers: &str,
    cost: i64,
    stock: i64,
) -> VariantId {
    let pid = Uuid::now_v7();
    let vid = VariantId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id, status,
            listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count, curated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'sembako', '', $6, NULL, 'disetujui', $7, $8, $9, $9, $10, '35.78', NULL, 0, NULL, $11, $11)")
        .bind(k.0).bind(pid).bind(seller.0).bind(name).bind(name.to_lowercase().replace(' ', "-"))
        .bind(faces).bind(true).bind(faces == "tomiko").bind(false).bind(price).bind(t)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
            wholesale_tiers, cost, weight_g, stock, active)
         VALUES ($1, $2, $3, 1, '', NULL, NULL, $4, NULL, $5, $6, 25000, $7, $8)")
        .bind(k.0).bind(vid.0).bind(pid).bind(price).bind(tiers).bind(cost).bind(stock).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}

async fn stock_cost(s: &Store, k: KoperasiId, v: VariantId) -> (i64, i64) {
    on_db!(s.db(), p => sqlx::query_as("SELECT stock, cost FROM market_variant WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(v.0).fetch_one(p).await).unwrap()
}

/// S: the secondary coop running Tomiko. A: a member coop of S (tempo 30). N: an admitted
/// coop that is not a member (cash only). X: a coop without access.
struct World {
    s: KoperasiId,
    a: KoperasiId,
    n: KoperasiId,
    x: KoperasiId,
    beras: VariantId, // Rp 310.000, tiers 10: 300.000 / 50: 290.000, cost 279.000, stock 100
    gula: VariantId,  // Rp 720.000, no tiers, cost 648.000, stock 100
    public: VariantId, // S's public (non-Tomiko) product
    a_beras: VariantId, // A's own shelf: stock 10, cost 290.000
}

async fn world(s: &Store) -> World {
    let sec = new_coop(s, "PUSK", CoopTier::Secondary).await;
    let a = new_coop(s, "KPA", CoopTier::Primary).await;
    let n = new_coop(s, "KPN", CoopTier::Primary).await;
    let x = new_coop(s, "KPX", CoopTier::Primary).await;
    settings(s, sec, "pusk", true).await;
    settings(s, a, "kpa", false).await;
    let t = s.tenant(sec);
    t.add_member_coop(
        &staff(),
        &MemberCoop {
            koperasi_id: a,
            name: "Koperasi KPA".into(),
            address: "Jl. 1".into(),
            region_code: "35.78.09.1001".into(),
            joined_on: date!(2020 - 01 - 02),
        },
    )
    .await
    .unwrap();
    t.grant_tomiko_access(&staff(), a, 30).await.unwrap();
    t.grant_tomiko_access(&staff(), n, 0).await.unwrap();
    let gudang = unit_seller(s, sec, "gudang").await;
    let beras = variant(
        s,
        sec,
        gudang,
        "Beras Karung",
        "tomiko",
        310_000,
        "10: 300000\n50: 290000",
        279_000,
        100,
    )
    .await;
    let gula = variant(
        s,
        sec,
        gudang,
        "Gula Karton",
        "tomiko",
        720_000,
        "",
        648_000,
        100,
    )
    .await;
    let public = variant(
        s,
        sec,
        gudang,
        "Kaos Puskop",
        "umkm",
        50_000,
        "",
        30_000,
        100,
    )
    .await;
    let toko_a = unit_seller(s, a, "toko-kpa").await;
    let a_beras = variant(
        s,
        a,
        toko_a,
        "Beras Eceran",
        "umkm",
        320_000,
        "",
        290_000,
        10,
    )
    .await;
    World {
        s: sec,
        a,
        n,
        x,
        beras,
        gula,
        public,
        a_beras,
    }
}

fn po(seller: KoperasiId, lines: &[(VariantId, i64)], terms: PaymentTerms) -> PoInput {
    PoInput {
        seller,
        lines: lines
            .iter()
            .map(|(v, q)| PoLineInput {
                variant_id: *v,
                qty: *q,
            })
            .collect(),
        terms,
        note: String::new(),
        idem_key: None,
    }
}

fn invalid(e: StoreError) -> bool {
    matches!(e, StoreError::Invalid(_))
}

store_test!(tempo_journey_books_both_sides, |s| {
    let w = world(&s).await;
    let seller = s.tenant(w.s);
    let buyer = s.tenant(w.a);
    let p = buyer
        .place_tomiko_po(
            &staff(),
            &po(w.s, &[(w.beras, 12), (w.gula, 5)], PaymentTerms::Tempo(30)),
        )
        .await
        .unwrap();
    assert_eq!(p.status, PoStatus::Diajukan);
    assert!(p.po_no.starts_with("PO-"));
    assert_eq!(p.lines[0].unit_price, 300_000); // the 10+ tier
    assert_eq!(p.lines[1].unit_price, 720_000);
    assert_eq!(p.total, 12 * 300_000 + 5 * 720_000);
    assert_eq!(p.cost_total, 12 * 279_000 + 5 * 648_000);
    assert!(p.buyer_member_id.is_some());
    // Placing takes no stock.
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 100);

    let p = seller.confirm_tomiko_po(&staff(), p.id).await.unwrap();
    assert_eq!(p.status, PoStatus::Dikonfirmasi);
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 88);
    assert_eq!(stock_cost(&s, w.s, w.gula).await.0, 95);

    // The buyer cannot ship; the seller cannot receive.
    assert!(matches!(
        buyer.ship_tomiko_po(&staff(), p.id).await,
        Err(StoreError::NotFound)
    ));
    let p = seller.ship_tomiko_po(&staff(), p.id).await.unwrap();
    assert_eq!(p.status, PoStatus::Dikirim);
    let inv_date = p.invoice_date.unwrap();
    assert_eq!(p.due_on, Some(inv_date + time::Duration::days(30)));
    assert!(p.invoice_no.as_deref().unwrap().starts_with("INV-TMK-"));
    // Seller's books: Dr 1107 — Cr 4102 (member coop); Dr 5101 — Cr 1108 at cost.
    assert_eq!(net(&seller, "1107").await, 7_200_000);
    assert_eq!(net(&seller, "4102").await, -7_200_000);
    assert_eq!(net(&seller, "4201").await, 0);
    assert_eq!(net(&seller, "5101").await, 6_588_000);
    assert_eq!(net(&seller, "1108").await, -6_588_000);
    // Nothing in the buyer's books yet.
    assert_eq!(net(&buyer, "1108").await, 0);
    // Patronage against A's member record in S.
    let fy = inv_date.year();
    let totals = seller.patronage_totals(fy).await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(Some(totals[0].member_id), p.buyer_member_id);
    assert_eq!(totals[0].total, 7_200_000);
    let rows = seller
        .patronage_of(p.buyer_member_id.unwrap(), fy)
        .await
        .unwrap();
    assert_eq!(rows[0].member_koperasi_id, Some(w.a));
    assert_eq!(rows[0].source, "pembelian_koperasi");

    // Receipt: a wrong number of choices is refused, nothing moves.
    assert!(invalid(
        buyer
            .receive_tomiko_po(&staff(), w.s, p.id, &[ReceiveChoice::NewDraft])
            .await
            .unwrap_err()
    ));
    // Another coop's variant as target is refused, nothing moves.
    assert!(invalid(
        buyer
            .receive_tomiko_po(
                &staff(),
                w.s,
                p.id,
                &[ReceiveChoice::Existing(w.beras), ReceiveChoice::NewDraft]
            )
            .await
            .unwrap_err()
    ));
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 88);
    let p = buyer
        .receive_tomiko_po(
            &staff(),
            w.s,
            p.id,
            &[ReceiveChoice::Existing(w.a_beras), ReceiveChoice::NewDraft],
        )
        .await
        .unwrap();
    assert_eq!(p.status, PoStatus::Diterima);
    // 10 at 290.000 + 12 at 300.000 = 6.500.000 / 22 = 295.454,5 → 295.455 (half up).
    assert_eq!(stock_cost(&s, w.a, w.a_beras).await, (22, 295_455));
    let draft = VariantId(p.lines[1].buyer_variant_id.unwrap());
    assert_eq!(stock_cost(&s, w.a, draft).await, (5, 720_000));
    let drafts: i64 = on_db!(s.db(), pl => sqlx::query_scalar(
        "SELECT COUNT(*) FROM market_product p JOIN market_variant v ON v.koperasi_id = p.koperasi_id AND v.product_id = p.id
         WHERE p.status = 'draft' AND p.listed = FALSE AND v.koperasi_id = $1 AND v.id = $2")
        .bind(w.a.0).bind(draft.0).fetch_one(pl).await).unwrap();
    assert_eq!(drafts, 1);
    // Buyer's books: Dr 1108 — Cr 2113.
    assert_eq!(net(&buyer, "1108").await, 7_200_000);
    assert_eq!(net(&buyer, "2113").await, -7_200_000);
    // Receiving twice moves nothing.
    assert!(matches!(
        buyer
            .receive_tomiko_po(
                &staff(),
                w.s,
                p.id,
                &[ReceiveChoice::Existing(w.a_beras), ReceiveChoice::NewDraft]
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(stock_cost(&s, w.a, w.a_beras).await.0, 22);

    // Payment, recorded by the secondary coop, both books.
    assert!(matches!(
        buyer.pay_tomiko_po(&staff(), p.id, PoPay::Bank).await,
        Err(StoreError::NotFound)
    ));
    let p = seller
        .pay_tomiko_po(&staff(), p.id, PoPay::Bank)
        .await
        .unwrap();
    assert_eq!(p.status, PoStatus::Lunas);
    assert_eq!(net(&seller, "1107").await, 0);
    assert_eq!(net(&seller, "1102").await, 7_200_000);
    assert_eq!(net(&buyer, "2113").await, 0);
    assert_eq!(net(&buyer, "1102").await, -7_200_000);
    assert!(matches!(
        seller.pay_tomiko_po(&staff(), p.id, PoPay::Bank).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(net(&seller, "1102").await, 7_200_000);
    books_ok(&s, w.s).await;
    books_ok(&s, w.a).await;
    // Every step is in both audit logs.
    let audits = count(
        &s,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'tomiko_po'",
    )
    .await;
    assert_eq!(audits, 2 * 5);
    // Lists: the buyer sees it bought, the seller sold; N sees nothing.
    assert_eq!(buyer.tomiko_pos_bought(10).await.unwrap().len(), 1);
    assert_eq!(seller.tomiko_pos_sold(None, 10).await.unwrap().len(), 1);
    assert!(
        s.tenant(w.n)
            .tomiko_pos_bought(10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.tenant(w.n).tomiko_po(w.s, p.id).await,
        Err(StoreError::NotFound)
    ));
});

store_test!(cash_po_of_a_non_member_coop, |s| {
    let w = world(&s).await;
    let seller = s.tenant(w.s);
    let buyer = s.tenant(w.n);
    // N was granted cash only: tempo is refused.
    assert!(invalid(
        buyer
            .place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 5)], PaymentTerms::Tempo(7)))
            .await
            .unwrap_err()
    ));
    let p = buyer
        .place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 5)], PaymentTerms::Tunai))
        .await
        .unwrap();
    assert_eq!(p.total, 5 * 310_000); // below the first tier
    assert!(p.buyer_member_id.is_none());
    seller.confirm_tomiko_po(&staff(), p.id).await.unwrap();
    let p = seller.ship_tomiko_po(&staff(), p.id).await.unwrap();
    assert_eq!(p.due_on, None);
    assert_eq!(net(&seller, "1101").await, 1_550_000);
    assert_eq!(net(&seller, "4201").await, -1_550_000);
    assert_eq!(net(&seller, "4102").await, 0);
    assert_eq!(net(&seller, "5101").await, 5 * 279_000);
    // N has no store-unit seller: a new draft is refused with a message, nothing moves.
    assert!(invalid(
        buyer
            .receive_tomiko_po(&staff(), w.s, p.id, &[ReceiveChoice::NewDraft])
            .await
            .unwrap_err()
    ));
    assert_eq!(net(&buyer, "1108").await, 0);
    let toko = unit_seller(&s, w.n, "toko-kpn").await;
    let shelf = variant(&s, w.n, toko, "Beras N", "umkm", 330_000, "", 300_000, 0).await;
    let p = buyer
        .receive_tomiko_po(&staff(), w.s, p.id, &[ReceiveChoice::Existing(shelf)])
        .await
        .unwrap();
    assert_eq!(p.status, PoStatus::Lunas);
    assert_eq!(stock_cost(&s, w.n, shelf).await, (5, 310_000));
    assert_eq!(net(&buyer, "1108").await, 1_550_000);
    assert_eq!(net(&buyer, "1101").await, -1_550_000);
    assert!(
        seller
            .patronage_totals(p.invoice_date.unwrap().year())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        seller.pay_tomiko_po(&staff(), p.id, PoPay::Kas).await,
        Err(StoreError::Conflict(_))
    ));
    books_ok(&s, w.s).await;
    books_ok(&s, w.n).await;
});

store_test!(no_access_and_bad_input_write_nothing, |s| {
    let w = world(&s).await;
    let x = s.tenant(w.x);
    assert!(matches!(
        x.tomiko_catalogue(w.s).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        x.place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 5)], PaymentTerms::Tunai))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // The secondary coop does not buy from itself.
    assert!(
        s.tenant(w.s)
            .place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 5)], PaymentTerms::Tunai))
            .await
            .is_err()
    );
    let a = s.tenant(w.a);
    assert_eq!(a.tomiko_catalogue(w.s).await.unwrap().len(), 2);
    for lines in [
        vec![(w.beras, 0)],
        vec![(w.beras, -3)],
        vec![(w.beras, 101)],    // above stock
        vec![(w.beras, 10_000)], // above the line maximum
        vec![(w.public, 1)],     // not on the Tomiko face
        vec![(VariantId::new(), 1)],
        vec![(w.beras, 1), (w.beras, 2)],
        vec![],
    ] {
        let e = a
            .place_tomiko_po(&staff(), &po(w.s, &lines, PaymentTerms::Tempo(30)))
            .await
            .unwrap_err();
        assert!(invalid(e), "{lines:?}");
    }
    // Tempo beyond the granted 30 days.
    assert!(invalid(
        a.place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 1)], PaymentTerms::Tempo(31)))
            .await
            .unwrap_err()
    ));
    assert_eq!(count(&s, "SELECT COUNT(*) FROM tomiko_po").await, 0);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM tomiko_po_line").await, 0);
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 100);
});

store_test!(confirm_never_oversells_under_a_race, |s| {
    let w = world(&s).await;
    let a = s.tenant(w.a);
    let mut ids = vec![];
    for _ in 0..4 {
        ids.push(
            a.place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 40)], PaymentTerms::Tunai))
                .await
                .unwrap()
                .id,
        );
    }
    let mut handles = vec![];
    for id in ids.clone() {
        let s2 = s.clone();
        let k = w.s;
        handles.push(tokio::spawn(async move {
            s2.tenant(k).confirm_tomiko_po(&staff(), id).await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 2, "100 in stock, 40 each: exactly two confirmations");
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 20);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM tomiko_po WHERE status = 'dikonfirmasi'"
        )
        .await,
        2
    );
    // The same PO confirmed twice at once: once.
    let id = a
        .place_tomiko_po(&staff(), &po(w.s, &[(w.gula, 3)], PaymentTerms::Tunai))
        .await
        .unwrap()
        .id;
    let (t1, t2, actor) = (s.tenant(w.s), s.tenant(w.s), staff());
    let (r1, r2) = tokio::join!(
        t1.confirm_tomiko_po(&actor, id),
        t2.confirm_tomiko_po(&actor, id)
    );
    assert_eq!(u8::from(r1.is_ok()) + u8::from(r2.is_ok()), 1);
    assert_eq!(stock_cost(&s, w.s, w.gula).await.0, 97);
});

store_test!(cancel_returns_stock_once, |s| {
    let w = world(&s).await;
    let a = s.tenant(w.a);
    let seller = s.tenant(w.s);
    // The buyer cancels before confirmation: nothing to give back.
    let p1 = a
        .place_tomiko_po(
            &staff(),
            &po(w.s, &[(w.beras, 12)], PaymentTerms::Tempo(30)),
        )
        .await
        .unwrap();
    let c = a
        .cancel_tomiko_po(&staff(), PoSide::Buyer, w.s, p1.id)
        .await
        .unwrap();
    assert_eq!(c.status, PoStatus::Dibatalkan);
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 100);
    // After confirmation only the seller may cancel; the stock comes back once.
    let p2 = a
        .place_tomiko_po(
            &staff(),
            &po(w.s, &[(w.beras, 12), (w.gula, 4)], PaymentTerms::Tempo(30)),
        )
        .await
        .unwrap();
    seller.confirm_tomiko_po(&staff(), p2.id).await.unwrap();
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 88);
    assert!(matches!(
        a.cancel_tomiko_po(&staff(), PoSide::Buyer, w.s, p2.id)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let (t2, actor) = (s.tenant(w.s), staff());
    let (r1, r2) = tokio::join!(
        seller.cancel_tomiko_po(&actor, PoSide::Seller, w.s, p2.id),
        t2.cancel_tomiko_po(&actor, PoSide::Seller, w.s, p2.id)
    );
    assert_eq!(u8::from(r1.is_ok()) + u8::from(r2.is_ok()), 1);
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 100);
    assert_eq!(stock_cost(&s, w.s, w.gula).await.0, 100);
    // After shipping nobody cancels.
    let p3 = a
        .place_tomiko_po(&staff(), &po(w.s, &[(w.beras, 1)], PaymentTerms::Tempo(30)))
        .await
        .unwrap();
    seller.confirm_tomiko_po(&staff(), p3.id).await.unwrap();
    seller.ship_tomiko_po(&staff(), p3.id).await.unwrap();
    assert!(matches!(
        seller
            .cancel_tomiko_po(&staff(), PoSide::Seller, w.s, p3.id)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(stock_cost(&s, w.s, w.beras).await.0, 99);
    // No entries for the cancelled POs: only p3's sale.
    assert_eq!(net(&seller, "1107").await, 310_000);
    books_ok(&s, w.s).await;
});

store_test!(placing_is_idempotent_and_pos_are_private, |s| {
    let w = world(&s).await;
    let a = s.tenant(w.a);
    let mut input = po(w.s, &[(w.beras, 10)], PaymentTerms::Tempo(14));
    input.idem_key = Some("po-kpa-1".into());
    let p1 = a.place_tomiko_po(&staff(), &input).await.unwrap();
    let p2 = a.place_tomiko_po(&staff(), &input).await.unwrap();
    assert_eq!(p1.id, p2.id);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM tomiko_po").await, 1);
    // Concurrent replays: still one.
    input.idem_key = Some("po-kpa-2".into());
    let (a2, actor) = (s.tenant(w.a), staff());
    let (r1, r2) = tokio::join!(
        a.place_tomiko_po(&actor, &input),
        a2.place_tomiko_po(&actor, &input)
    );
    assert_eq!(r1.unwrap().id, r2.unwrap().id);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM tomiko_po").await, 2);
    // The same key of another coop is its own.
    let mut other = po(w.s, &[(w.beras, 1)], PaymentTerms::Tunai);
    other.idem_key = Some("po-kpa-1".into());
    let pn = s
        .tenant(w.n)
        .place_tomiko_po(&staff(), &other)
        .await
        .unwrap();
    assert_ne!(pn.id, p1.id);
    // Another coop's PO: not found, for every step and read.
    let n = s.tenant(w.n);
    assert!(matches!(
        n.cancel_tomiko_po(&staff(), PoSide::Buyer, w.s, p1.id)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        n.confirm_tomiko_po(&staff(), p1.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.tenant(w.x).tomiko_po(w.s, p1.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM tomiko_po WHERE status = 'diajukan'"
        )
        .await,
        3
    );
});
