//! Communal brands over HTTP: the board of coop A makes a brand (bad input refused with 422
//! and nothing written; the cashier, the supervisor and another coop's board cannot), a
//! product is listed under it through the product form, and the public brand page and the
//! product page show it.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::market::catalog::{CurationAction, Face, ListingScope};
use guyub_store::Actor;
use guyub_store::market::catalog::{
    MarketSettingsInput, ProductInput, SellerInput, SellerKind, VariantInput,
};

#[tokio::test]
async fn a_shared_brand_gets_a_public_page_with_its_products() {
    let w = World::new().await;
    let a = w.a.to_string();
    let actor = Actor::system("uji merek");
    let ta = w.store.tenant(w.a);
    ta.set_market_settings(
        &actor,
        &MarketSettingsInput {
            opt_in: true,
            slug: "ksp-arta".into(),
            commission: guyub_core::percent::BasisPoints(1000),
            runs_tomiko: false,
            pickup_address: None,
        },
    )
    .await
    .expect("settings");
    let board = w.sign_in(&w.pengurus_a.email).await;
    let list = format!("/k/{a}/pasar/merek");
    let r = w.get(&list, As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Bad input: refused next to its field, nothing written.
    for (name, description) in [("", "Kopi"), ("Ko", ""), (&"x".repeat(81)[..], "")] {
        let r = w
            .post_form(
                &list,
                As::Browser(&board),
                fields(&[
                    ("_csrf", &board.csrf),
                    ("name", name),
                    ("description", description),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(r.text().contains("field-error"), "{name:?}");
    }
    assert!(ta.own_brands().await.expect("brands").is_empty());

    // Who may not: the cashier, the supervisor, coop B's board, a missing CSRF token.
    let good = |csrf: &str| {
        fields(&[
            ("_csrf", csrf),
            ("name", "Kopi Santri Nusantara"),
            (
                "description",
                "Kopi robusta dari **pesantren** di Jawa Timur.",
            ),
        ])
    };
    for email in [&w.kasir_a.email, &w.pengawas_a.email, &w.pengurus_b.email] {
        let s = w.sign_in(email).await;
        let r = w.post_form(&list, As::Browser(&s), good(&s.csrf)).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{email}: {}",
            r.status
        );
    }
    let r = w.post_form(&list, As::Browser(&board), good("salah")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(ta.own_brands().await.expect("brands").is_empty());

    // The board makes it.
    let r = w
        .post_form(&list, As::Browser(&board), good(&board.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let brands = ta.own_brands().await.expect("brands");
    assert_eq!(brands.len(), 1);
    let brand = &brands[0];
    assert_eq!(brand.slug, "kopi-santri-nusantara");
    let r = w.get(&list, As::Browser(&board)).await;
    assert!(r.text().contains("/pasar/merek/kopi-santri-nusantara"));

    // A pesantren seller lists a product; the form offers the brand.
    let seller = ta
        .create_seller(
            &actor,
            &SellerInput {
                kind: SellerKind::Pesantren,
                name: "Unit Usaha Pondok Al-Hikmah".into(),
                owner_name: "KH Ahmad".into(),
                member_id: None,
                user_id: None,
                nib: None,
                address: "Jl. Pesantren 1".into(),
                region_code: VILLAGE_A.into(),
                category: "makanan-minuman".into(),
                phone: None,
                description: String::new(),
                consignment: false,
                commission: None,
            },
        )
        .await
        .expect("seller");
    let p = ta
        .create_product(
            &actor,
            seller.id,
            &ProductInput {
                name: "Kopi Robusta Al-Hikmah".into(),
                category: "makanan-minuman".into(),
                description: String::new(),
                faces: ListingScope::of(&[Face::JatimIso, Face::Opop]),
                brand: None,
                wholesale_only: false,
                variants: vec![VariantInput {
                    id: None,
                    label: "250 g".into(),
                    sku: None,
                    barcode: None,
                    price: 35_000,
                    member_price: None,
                    tiers: String::new(),
                    cost: 20_000,
                    weight_g: 250,
                    stock: 20,
                    active: true,
                }],
                docs: vec![],
            },
        )
        .await
        .expect("product");
    let pid = p.summary.id;
    let form = format!("/k/{a}/pasar/produk/{pid}");
    let r = w.get(&form, As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&format!("value=\"{}\"", brand.id)));
    let edit = |brand: &str| {
        fields(&[
            ("_csrf", &board.csrf),
            ("name", "Kopi Robusta Al-Hikmah"),
            ("category", "makanan-minuman"),
            ("description", ""),
            ("face", "umkm"),
            ("face", "opop"),
            ("brand", brand),
            ("variants[0].id", &p.variants[0].id.to_string()),
            ("variants[0].label", "250 g"),
            ("variants[0].price", "35.000"),
            ("variants[0].cost", "20.000"),
            ("variants[0].weight", "250 g"),
            ("variants[0].stock", "20"),
            ("variants[0].active", "on"),
        ])
    };
    // A brand that is not one: refused, nothing changed.
    let r = w
        .post_form(&form, As::Browser(&board), edit("bukan-merek"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ta.product(pid).await.expect("p").summary.brand_id, None);
    let r = w
        .post_form(
            &form,
            As::Browser(&board),
            edit(&uuid::Uuid::now_v7().to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ta.product(pid).await.expect("p").summary.brand_id, None);
    // The brand chosen.
    let r = w
        .post_form(&form, As::Browser(&board), edit(&brand.id.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        ta.product(pid).await.expect("p").summary.brand_id,
        Some(brand.id)
    );
    ta.submit_product(&actor, seller.id, pid)
        .await
        .expect("submit");
    w.store
        .curate_product(&actor, w.a, pid, CurationAction::Approve, None)
        .await
        .expect("approve");

    // The public pages.
    let r = w
        .get("/pasar/merek/kopi-santri-nusantara", As::Nobody)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("Kopi Santri Nusantara"));
    assert!(html.contains("Kopi Robusta Al-Hikmah"));
    let r = w
        .get("/pasar/p/ksp-arta/kopi-robusta-al-hikmah", As::Nobody)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains("href=\"/pasar/merek/kopi-santri-nusantara\" id=\"product-brand\"")
    );
    let r = w.get("/pasar/merek/tidak-ada", As::Nobody).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
