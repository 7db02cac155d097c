//! Tomiko over HTTP: a member coop's pengurus opens the secondary coop's wholesale catalogue,
//! places a PO (a replay of the form lands on the same PO), the secondary coop confirms,
//! ships with an invoice and the buyer receives; the invoice prints. Each bad input is refused
//! with nothing written: a coop without access (a friendly 403 page, no prices), a quantity
//! above stock, 0, negative or letters, another coop's PO (404), a cashier (403).

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::ids::{KoperasiId, UserId};
use guyub_core::market::catalog::{CurationAction, Face, ListingScope};
use guyub_core::market::tomiko::PoStatus;
use guyub_core::percent::BasisPoints;
use guyub_core::region::RegionCode;
use guyub_store::Actor;
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::market::catalog::{
    MarketSettingsInput, ProductInput, SellerInput, SellerKind, VariantInput,
};

struct Tomiko {
    s: KoperasiId,
    seller_session: Session,
    buyer: Session,
    stranger: Session,
    /// The variant id (simple form) of "Beras Karung" (Rp 310.000; ≥10: 300.000; stock 40).
    beras: String,
}

async fn user_with(w: &World, email: &str, role: Role, k: KoperasiId) -> UserId {
    let actor = Actor::system("uji tomiko");
    let hash = guyub_web::auth::hash_password(PASSWORD).expect("hash");
    let id = w
        .store
        .create_user(&actor, email, "Pengurus Puskop", &hash, false)
        .await
        .expect("user");
    w.store
        .grant_role(
            &actor,
            id,
            &NewGrant {
                role,
                koperasi_id: Some(k),
                region_code: None,
                member_id: None,
            },
        )
        .await
        .expect("grant");
    id
}

async fn setup(w: &World) -> Tomiko {
    let actor = Actor::system("uji tomiko");
    let data = CoopData {
        code: "PUSKOP".into(),
        name: "Puskop Jatim".into(),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::Konsumen,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Secondary,
        is_pesantren: false,
        address: "Jl. Gayung Kebonsari 1".into(),
        region: RegionCode::parse(VILLAGE_A).expect("region"),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    let s = w
        .store
        .create_koperasi(&actor, &data, &Bylaws::default(), today().year() - 1)
        .await
        .expect("secondary");
    let t = w.store.tenant(s);
    t.set_market_settings(
        &actor,
        &MarketSettingsInput {
            opt_in: true,
            slug: "puskop-uji".into(),
            commission: BasisPoints(0),
            runs_tomiko: true,
            pickup_address: Some("Gudang".into()),
        },
    )
    .await
    .expect("settings");
    t.grant_tomiko_access(&actor, w.a, 30)
        .await
        .expect("access");
    let unit = t
        .create_seller(
            &actor,
            &SellerInput {
                kind: SellerKind::UnitKoperasi,
                name: "Gudang Tomiko".into(),
                owner_name: "Puskop".into(),
                member_id: None,
                user_id: None,
                nib: None,
                address: "Jl. Gudang 1".into(),
                region_code: "35.73".into(),
                category: "sembako".into(),
                phone: None,
                description: "Grosir".into(),
                consignment: false,
                commission: None,
            },
        )
        .await
        .expect("seller");
    let p = t
        .create_product(
            &actor,
            unit.id,
            &ProductInput {
                name: "Beras Karung".into(),
                category: "sembako".into(),
                description: "Beras medium 25 kg".into(),
                faces: ListingScope::of(&[Face::Tomiko]),
                brand: None,
                wholesale_only: true,
                variants: vec![VariantInput {
                    id: None,
                    label: "25 kg".into(),
                    sku: None,
                    barcode: None,
                    price: 310_000,
                    member_price: None,
                    tiers: "10: 300000".into(),
                    cost: 279_000,
                    weight_g: 25_000,
                    stock: 40,
                    active: true,
                }],
                docs: vec![],
            },
        )
        .await
        .expect("product");
    t.submit_product(&actor, unit.id, p.summary.id)
        .await
        .expect("submit");
    w.store
        .curate_product(&actor, s, p.summary.id, CurationAction::Approve, None)
        .await
        .expect("curate");
    user_with(w, "pengurus@puskop.test", Role::Pengurus, s).await;
    let items = w
        .store
        .tenant(w.a)
        .tomiko_catalogue(s)
        .await
        .expect("catalogue");
    assert_eq!(items.len(), 1);
    Tomiko {
        s,
        seller_session: w.sign_in("pengurus@puskop.test").await,
        buyer: w.sign_in(&w.pengurus_a.email).await,
        stranger: w.sign_in(&w.pengurus_b.email).await,
        beras: items[0].variant_id.simple().to_string(),
    }
}

fn po_form(csrf: &str, idem: &str, field: &str, qty: &str) -> Vec<(String, String)> {
    fields(&[
        ("_csrf", csrf),
        ("idem", idem),
        (field, qty),
        ("terms", "tempo"),
        ("days", "30"),
        ("note", "Untuk toko"),
    ])
}

async fn pos_of(w: &World, k: KoperasiId) -> usize {
    w.store
        .tenant(k)
        .tomiko_pos_bought(100)
        .await
        .expect("pos")
        .len()
}

async fn stock(w: &World, tm: &Tomiko) -> i64 {
    w.store
        .tenant(w.a)
        .tomiko_catalogue(tm.s)
        .await
        .expect("catalogue")[0]
        .stock
}

#[tokio::test]
async fn journey_and_bad_input() {
    let w = World::new().await;
    let tm = setup(&w).await;
    let (a, s) = (w.a, tm.s);
    let cat = format!("/k/{a}/tomiko/katalog/{s}");
    let field = format!("q_{}", tm.beras);

    // The buyer's index lists the catalogue; the catalogue shows the tier.
    let r = w
        .get(&format!("/k/{a}/tomiko"), As::Browser(&tm.buyer))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Puskop Jatim"));
    let r = w.get(&cat, As::Browser(&tm.buyer)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("Beras Karung") && html.contains("Rp 300.000"));

    // A coop without access: a friendly 403 page, never the prices; its post writes nothing.
    let b = w.b;
    let r = w
        .get(
            &format!("/k/{b}/tomiko/katalog/{s}"),
            As::Browser(&tm.stranger),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("tmk-no-access") || r.text().contains("belum mendapat akses"));
    assert!(!r.text().contains("300.000"));
    let r = w
        .post_form(
            &format!("/k/{b}/tomiko/katalog/{s}"),
            As::Browser(&tm.stranger),
            po_form(&tm.stranger.csrf, "x1", &field, "10"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(pos_of(&w, b).await, 0);
    // Nor through another coop's path.
    let r = w.get(&cat, As::Browser(&tm.stranger)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Bad quantities: 422, the message, nothing written.
    for (qty, says) in [
        ("41", "Stok"),
        ("0", "minimal 1"),
        ("-5", "minimal 1"),
        ("sepuluh", "angka bulat"),
        ("", "belum berisi barang"),
    ] {
        let r = w
            .post_form(
                &cat,
                As::Browser(&tm.buyer),
                po_form(&tm.buyer.csrf, "bad", &field, qty),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{qty}");
        assert!(r.text().contains(says), "{qty}: {}", r.text());
        assert_eq!(pos_of(&w, a).await, 0, "{qty}");
    }
    // Tempo beyond the granted 30 days.
    let mut f = po_form(&tm.buyer.csrf, "bad2", &field, "10");
    f.retain(|(k, _)| k != "days");
    f.push(("days".into(), "45".into()));
    let r = w.post_form(&cat, As::Browser(&tm.buyer), f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(pos_of(&w, a).await, 0);

    // Placing, and a replay of the same form: one PO.
    let good = po_form(&tm.buyer.csrf, "idem-1", &field, "12");
    let r1 = w
        .post_form(&cat, As::Browser(&tm.buyer), good.clone())
        .await;
    assert_eq!(r1.status, StatusCode::SEE_OTHER, "{}", r1.text());
    let r2 = w.post_form(&cat, As::Browser(&tm.buyer), good).await;
    assert_eq!(r2.status, StatusCode::SEE_OTHER);
    assert_eq!(r1.location(), r2.location());
    assert_eq!(pos_of(&w, a).await, 1);
    let po = w
        .store
        .tenant(a)
        .tomiko_pos_bought(1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(po.total, 12 * 300_000);
    let buyer_page = r1.location().split('?').next().unwrap().to_string();
    let r = w.get(&r1.location(), As::Browser(&tm.buyer)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&po.po_no));

    // Another coop's PO: 404, through its own path or the buyer's.
    let other = format!("/k/{b}/tomiko/po/{s}/{}", po.id);
    assert_eq!(
        w.get(&other, As::Browser(&tm.stranger)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = w
        .post_form(
            &format!("{other}/aksi"),
            As::Browser(&tm.stranger),
            fields(&[("_csrf", &tm.stranger.csrf), ("action", "batal")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.get(
            &format!("/k/{b}/tomiko/masuk/{}", po.id),
            As::Browser(&tm.stranger)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // The buyer may not confirm its own PO on the seller's desk.
    let r = w
        .post_form(
            &format!("/k/{a}/tomiko/masuk/{}/aksi", po.id),
            As::Browser(&tm.buyer),
            fields(&[("_csrf", &tm.buyer.csrf), ("action", "konfirmasi")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(stock(&w, &tm).await, 40);

    // The seller's desk: confirm (stock taken), ship with invoice.
    let desk = format!("/k/{s}/tomiko/masuk");
    let r = w.get(&desk, As::Browser(&tm.seller_session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&po.po_no));
    let act = |a: &'static str| {
        fields(&[
            ("_csrf", &tm.seller_session.csrf),
            ("action", a),
            ("method", "bank"),
        ])
    };
    let r = w
        .post_form(
            &format!("{desk}/{}/aksi", po.id),
            As::Browser(&tm.seller_session),
            act("konfirmasi"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(stock(&w, &tm).await, 28);
    // Confirming again: a conflict, no stock moves.
    let r = w
        .post_form(
            &format!("{desk}/{}/aksi", po.id),
            As::Browser(&tm.seller_session),
            act("konfirmasi"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(stock(&w, &tm).await, 28);
    let r = w
        .post_form(
            &format!("{desk}/{}/aksi", po.id),
            As::Browser(&tm.seller_session),
            act("kirim"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = w
        .get(
            &format!("{desk}/{}", po.id),
            As::Browser(&tm.seller_session),
        )
        .await;
    assert!(r.text().contains("INV-TMK-"));

    // The invoice prints for both sides, not for a stranger.
    let inv = format!("/k/{s}/tomiko/faktur/{s}/{}", po.id);
    let r = w.get(&inv, As::Browser(&tm.seller_session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Rp 3.600.000") && r.text().contains("Jatuh tempo"));
    let r = w
        .get(
            &format!("/k/{a}/tomiko/faktur/{s}/{}", po.id),
            As::Browser(&tm.buyer),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = w
        .get(
            &format!("/k/{b}/tomiko/faktur/{s}/{}", po.id),
            As::Browser(&tm.stranger),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The buyer receives into a new draft product.
    let recv = format!("{buyer_page}/terima");
    let r = w.get(&recv, As::Browser(&tm.buyer)).await;
    assert_eq!(r.status, StatusCode::OK);
    // A forged choice: refused, nothing received.
    let r = w
        .post_form(
            &recv,
            As::Browser(&tm.buyer),
            fields(&[("_csrf", &tm.buyer.csrf), ("t_1", "bukan-id")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let still = w.store.tenant(a).tomiko_po(s, po.id).await.unwrap();
    assert_eq!(still.status, PoStatus::Dikirim);
    // A has no store-unit seller: the draft is refused with a message, nothing written.
    let r = w
        .post_form(
            &recv,
            As::Browser(&tm.buyer),
            fields(&[("_csrf", &tm.buyer.csrf), ("t_1", "baru")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("unit usaha koperasi"));
    let actor = Actor::system("uji");
    w.store
        .tenant(a)
        .create_seller(
            &actor,
            &SellerInput {
                kind: SellerKind::UnitKoperasi,
                name: "Toko KSP".into(),
                owner_name: "Pengurus".into(),
                member_id: None,
                user_id: None,
                nib: None,
                address: "Jl. 1".into(),
                region_code: "35.73".into(),
                category: "sembako".into(),
                phone: None,
                description: String::new(),
                consignment: false,
                commission: None,
            },
        )
        .await
        .expect("unit seller");
    let r = w
        .post_form(
            &recv,
            As::Browser(&tm.buyer),
            fields(&[("_csrf", &tm.buyer.csrf), ("t_1", "baru")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let done = w.store.tenant(a).tomiko_po(s, po.id).await.unwrap();
    assert_eq!(done.status, PoStatus::Diterima);
    let own = w.store.tenant(a).tomiko_own_variants().await.unwrap();
    assert!(
        own.iter()
            .any(|(_, name, stock)| name.contains("Beras Karung") && *stock == 12)
    );
    let tb = w.store.tenant(a).trial_balance().await.unwrap();
    assert_eq!(tb.total_debit, tb.total_credit);
    let inventory = tb
        .rows
        .iter()
        .find(|r| r.code == "1108")
        .map(|r| r.debit - r.credit);
    assert_eq!(inventory, Some(3_600_000));

    // Payment, by the secondary coop.
    let r = w
        .post_form(
            &format!("{desk}/{}/aksi", po.id),
            As::Browser(&tm.seller_session),
            act("bayar"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let paid = w.store.tenant(a).tomiko_po(s, po.id).await.unwrap();
    assert_eq!(paid.status, PoStatus::Lunas);
    let r = w
        .get(&format!("/k/{a}/tomiko"), As::Browser(&tm.buyer))
        .await;
    assert!(r.text().contains("Lunas"));
}

#[tokio::test]
async fn a_cashier_has_no_tomiko_rights() {
    let w = World::new().await;
    let tm = setup(&w).await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let r = w
        .get(
            &format!("/k/{}/tomiko/katalog/{}", w.a, tm.s),
            As::Browser(&kasir),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post_form(
            &format!("/k/{}/tomiko/katalog/{}", w.a, tm.s),
            As::Browser(&kasir),
            po_form(&kasir.csrf, "k1", &format!("q_{}", tm.beras), "10"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(pos_of(&w, w.a).await, 0);
}
