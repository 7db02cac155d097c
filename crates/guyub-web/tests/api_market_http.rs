//! The marketplace JSON API over HTTP (issue #5): public search and product pages, the coop's
//! products, orders and their state machine, the dashboard, a member's patronage, Tomiko
//! catalogue and POs; and every bad input refused with a clear JSON error and nothing
//! written: no token or a bad one, another coop's token, a price of 0 or less, negative
//! stock, a PO without Tomiko access, an illegal status move, a garbage cursor, an unlisted
//! product on the public endpoint. Also: /api/openapi.json lists the new paths.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::ids::{KoperasiId, MarketProductId, OrderId, SellerId, VariantId};
use guyub_core::market::catalog::{CurationAction, Face, ListingScope};
use guyub_core::percent::BasisPoints;
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::market::catalog::{
    MarketSettingsInput, ProductInput, SellerInput, SellerKind, VariantInput,
};
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, ShipChoice, ShipTo,
};
use guyub_store::{Actor, on_db};
use serde_json::{Value, json};
use time::OffsetDateTime;

fn actor() -> Actor {
    Actor::system("uji api pasar")
}

/// The marketplace of the seeded world: A and B opted in; A sells Kopi Dampit (listed,
/// Rp 50.000, stock 10) and has a draft; B sells Tahu Kediri (listed).
struct Pasar {
    toko_a: SellerId,
    kopi: MarketProductId,
    kopi_v: VariantId,
    draft: MarketProductId,
    tahu: MarketProductId,
}

async fn settings(w: &World, k: KoperasiId, slug: &str, tomiko: bool) {
    w.store
        .tenant(k)
        .set_market_settings(
            &actor(),
            &MarketSettingsInput {
                opt_in: true,
                slug: slug.into(),
                commission: BasisPoints(0),
                runs_tomiko: tomiko,
                pickup_address: Some("Jl. Pasar 1".into()),
            },
        )
        .await
        .expect("settings");
}

async fn new_seller(w: &World, k: KoperasiId, name: &str, category: &str) -> SellerId {
    w.store
        .tenant(k)
        .create_seller(
            &actor(),
            &SellerInput {
                kind: SellerKind::UnitKoperasi,
                name: name.into(),
                owner_name: "Pengurus".into(),
                member_id: None,
                user_id: None,
                nib: None,
                address: "Jl. Pasar 2".into(),
                region_code: "35.73".into(),
                category: category.into(),
                phone: None,
                description: "Unit toko".into(),
                consignment: false,
                commission: None,
            },
        )
        .await
        .expect("seller")
        .id
}

#[allow(clippy::too_many_arguments)]
async fn new_product(
    w: &World,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    category: &str,
    faces: &[Face],
    price: i64,
    stock: i64,
    tiers: &str,
    list: bool,
) -> (MarketProductId, VariantId) {
    let t = w.store.tenant(k);
    let p = t
        .create_product(
            &actor(),
            seller,
            &ProductInput {
                name: name.into(),
                category: category.into(),
                description: format!("{name} asli"),
                faces: ListingScope::of(faces),
                brand: None,
                wholesale_only: faces == [Face::Tomiko],
                variants: vec![VariantInput {
                    id: None,
                    label: String::new(),
                    sku: None,
                    barcode: None,
                    price,
                    member_price: None,
                    tiers: tiers.into(),
                    cost: price / 2,
                    weight_g: 250,
                    stock,
                    active: true,
                }],
                docs: vec![],
            },
        )
        .await
        .expect("product");
    let id = p.summary.id;
    if list {
        t.submit_product(&actor(), seller, id)
            .await
            .expect("submit");
        w.store
            .curate_product(&actor(), k, id, CurationAction::Approve, None)
            .await
            .expect("curate");
    }
    (id, p.variants[0].id)
}

async fn pasar(w: &World) -> Pasar {
    settings(w, w.a, "pasar-a", false).await;
    settings(w, w.b, "pasar-b", false).await;
    let toko_a = new_seller(w, w.a, "Toko Kopi Arta", "makanan-minuman").await;
    let toko_b = new_seller(w, w.b, "Toko Kediri", "makanan-minuman").await;
    let (kopi, kopi_v) = new_product(
        w,
        w.a,
        toko_a,
        "Kopi Dampit",
        "makanan-minuman",
        &[Face::JatimIso],
        50_000,
        10,
        "",
        true,
    )
    .await;
    let (draft, _) = new_product(
        w,
        w.a,
        toko_a,
        "Keripik Draf",
        "makanan-minuman",
        &[Face::JatimIso],
        15_000,
        5,
        "",
        false,
    )
    .await;
    let (tahu, _) = new_product(
        w,
        w.b,
        toko_b,
        "Tahu Kediri",
        "makanan-minuman",
        &[Face::JatimIso],
        20_000,
        8,
        "",
        true,
    )
    .await;
    Pasar {
        toko_a,
        kopi,
        kopi_v,
        draft,
        tahu,
    }
}

/// One paid order of A: 1 × Kopi Dampit, picked up, bought by member `members_a[0]`.
async fn paid_order(w: &World, p: &Pasar) -> OrderId {
    let m = &w.members_a[0];
    let c = w
        .store
        .checkout(&CheckoutInput {
            operator: w.a,
            idem_key: None,
            buyer: BuyerInput {
                name: m.name.clone(),
                phone: "0812-3456-7890".into(),
                user_id: None,
                member_no: Some(m.member_no.clone()),
            },
            lines: vec![CheckoutLineInput {
                coop_id: w.a,
                variant_id: p.kopi_v,
                qty: 1,
            }],
            groups: vec![GroupChoice {
                coop_id: w.a,
                seller_id: p.toko_a,
                shipping: ShipChoice::Pickup,
                ship_to: ShipTo {
                    name: String::new(),
                    address: String::new(),
                    region: None,
                },
            }],
            pay_method: CheckoutPay::CashAtPickup,
        })
        .await
        .expect("checkout");
    let c = w
        .store
        .mark_checkout_paid(&actor(), w.a, c.id, "tunai")
        .await
        .expect("paid");
    c.orders[0].id
}

async fn api(w: &World, method: Method, path: &str, who: As<'_>, body: Option<Value>) -> Resp {
    let payload = match body {
        Some(v) => Payload::Json(v),
        None => Payload::None,
    };
    w.call(method, path, who, payload).await
}

/// Asserts a JSON error: its status and code (and a field, for `invalid`), with a message.
fn refused(r: &Resp, status: StatusCode, code: &str, field: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text());
    let j = r.json();
    assert_eq!(j["error"]["code"], code, "{j}");
    assert!(
        !j["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{j}"
    );
    if let Some(f) = field {
        let fields = j["error"]["fields"].as_array().cloned().unwrap_or_default();
        assert!(
            fields
                .iter()
                .any(|x| x["field"] == f && !x["message"].as_str().unwrap_or_default().is_empty()),
            "no error on {f}: {j}"
        );
    }
}

async fn variant_row(w: &World, k: KoperasiId, p: MarketProductId) -> (i64, i64) {
    let prod = w.store.tenant(k).product(p).await.expect("product");
    (prod.variants[0].price, prod.variants[0].stock)
}

async fn product_count(w: &World, k: KoperasiId) -> usize {
    w.store
        .tenant(k)
        .products_page(&guyub_store::market::lookup::ProductListFilter::default())
        .await
        .expect("products")
        .products
        .len()
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn public_search_and_product_pages() {
    let w = World::new().await;
    let p = pasar(&w).await;
    let before = w.snapshot().await;

    let r = w.get("/api/v1/pasar/produk", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    let names: Vec<&str> = j["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Kopi Dampit") && names.contains(&"Tahu Kediri"),
        "{j}"
    );
    assert!(!names.contains(&"Keripik Draf"), "a draft is never public");
    let kopi = j["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Kopi Dampit")
        .unwrap();
    assert_eq!(kopi["min_price"], 50_000);
    assert_eq!(kopi["curated"], true);
    assert!(j["next_cursor"].is_null());

    // Words, filters, and paging by cursor (one per page: two pages, each product once).
    let r = w.get("/api/v1/pasar/produk?q=kopi", As::Nobody).await;
    let j = r.json();
    assert_eq!(j["products"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["products"][0]["name"], "Kopi Dampit");
    let r = w
        .get("/api/v1/pasar/produk?min=30000&max=60000", As::Nobody)
        .await;
    assert_eq!(r.json()["products"].as_array().unwrap().len(), 1);
    let r = w.get("/api/v1/pasar/produk?limit=1", As::Nobody).await;
    let j1 = r.json();
    assert_eq!(j1["products"].as_array().unwrap().len(), 1);
    let cursor = j1["next_cursor"].as_str().expect("a next page").to_string();
    let r = w
        .get(
            &format!(
                "/api/v1/pasar/produk?limit=1&cursor={}",
                form_encode(&cursor)
            ),
            As::Nobody,
        )
        .await;
    let j2 = r.json();
    assert_eq!(j2["products"].as_array().unwrap().len(), 1, "{j2}");
    assert_ne!(j1["products"][0]["id"], j2["products"][0]["id"]);

    // Bad filters and a garbage cursor: 422 on the field, never a 500.
    for (q, field) in [
        ("cursor=zzz-garbage", "cursor"),
        ("cursor=123_456", "cursor"),
        ("kategori=bukan-kategori", "kategori"),
        ("kab=99.99.99", "kab"),
        ("min=-5", "min"),
        ("max=murah", "max"),
        ("halal=mungkin", "halal"),
        ("urut=acak", "urut"),
        ("limit=0", "limit"),
    ] {
        let r = w
            .get(&format!("/api/v1/pasar/produk?{q}"), As::Nobody)
            .await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field));
    }

    // One listed product: variants, prices, stock; never the cost.
    let a = w.a;
    let r = w
        .get(&format!("/api/v1/pasar/produk/{a}/{}", p.kopi), As::Nobody)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["name"], "Kopi Dampit");
    assert_eq!(j["coop_slug"], "pasar-a");
    assert_eq!(j["variants"][0]["price"], 50_000);
    assert_eq!(j["variants"][0]["stock"], 10);
    assert!(j["variants"][0].get("cost").is_none());
    assert!(
        !r.text().contains("25000"),
        "the cost (Rp 25.000) stays the coop's"
    );
    // An unlisted (draft) product, another coop's, garbage ids: 404 as JSON.
    for path in [
        format!("/api/v1/pasar/produk/{a}/{}", p.draft),
        format!("/api/v1/pasar/produk/{a}/{}", p.tahu),
        format!("/api/v1/pasar/produk/{a}/bukan-id"),
        format!("/api/v1/pasar/produk/bukan-koperasi/{}", p.kopi),
    ] {
        let r = w.get(&path, As::Nobody).await;
        refused(&r, StatusCode::NOT_FOUND, "not_found", None);
    }
    assert_unchanged(&before, &w.snapshot().await, "public reads");
}

#[tokio::test]
async fn the_coops_products_and_their_bad_input() {
    let w = World::new().await;
    let p = pasar(&w).await;
    let a = w.a;
    let list = format!("/api/v1/koperasi/{a}/pasar/produk");
    let board = As::Token(&w.pengurus_a.token);

    // No token, a bad token, another coop's token, a cashier: refused, JSON.
    refused(
        &w.get(&list, As::Nobody).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        None,
    );
    refused(
        &w.get(&list, As::Token("guyub_bukan-token-yang-benar"))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        None,
    );
    refused(
        &w.get(&list, As::Token(&w.pengurus_b.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &w.get(&list, As::Token(&w.kasir_a.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );

    // The board sees every status; filters; a garbage cursor is 422.
    let r = w.get(&list, board).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    let mut got: Vec<(String, String)> = j["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("Keripik Draf".to_string(), "draft".to_string()),
            ("Kopi Dampit".to_string(), "terkurasi".to_string())
        ]
    );
    let r = w.get(&format!("{list}?status=draft"), board).await;
    assert_eq!(r.json()["products"].as_array().unwrap().len(), 1);
    let r = w.get(&format!("{list}?limit=1"), board).await;
    let c = r.json()["next_cursor"].as_str().unwrap().to_string();
    let r = w
        .get(&format!("{list}?limit=1&cursor={}", form_encode(&c)), board)
        .await;
    assert_eq!(r.json()["products"].as_array().unwrap().len(), 1);
    assert!(r.json()["next_cursor"].is_null());
    refused(
        &w.get(&format!("{list}?cursor=%00garbage"), board).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("cursor"),
    );
    refused(
        &w.get(&format!("{list}?status=hilang"), board).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("status"),
    );
    // One product of the coop (with its cost); B's product through A's path is 404.
    let r = w.get(&format!("{list}/{}", p.kopi), board).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["variants"][0]["cost"], 25_000);
    refused(
        &w.get(&format!("{list}/{}", p.tahu), board).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // A new draft.
    let good = |price: i64, stock: i64| {
        json!({
            "seller_id": p.toko_a.to_string(),
            "name": "Gula Aren Dampit",
            "category": "makanan-minuman",
            "description": "Gula aren cetak",
            "faces": ["umkm"],
            "variants": [{"label": "500 g", "price": price, "stock": stock, "weight_g": 500}]
        })
    };
    let r = api(&w, Method::POST, &list, board, Some(good(18_000, 12))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    assert_eq!(j["product"]["status"], "draft");
    assert_eq!(j["product"]["listed"], false);
    assert_eq!(j["variants"][0]["price"], 18_000);
    assert_eq!(j["variants"][0]["stock"], 12);
    assert_eq!(product_count(&w, a).await, 3);

    // Bad products: 422 on the field, nothing written.
    let before = w.snapshot().await;
    for (body, field) in [
        (good(0, 5), "variants[0].price"),
        (good(-1_000, 5), "variants[0].price"),
        (good(10_000, -3), "variants[0].stock"),
    ] {
        let r = api(&w, Method::POST, &list, board, Some(body)).await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field));
    }
    let mut bad_cat = good(10_000, 1);
    bad_cat["category"] = json!("bukan");
    refused(
        &api(&w, Method::POST, &list, board, Some(bad_cat)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("category"),
    );
    // A price as text is not the expected JSON: 400, nothing written.
    let mut text_price = good(10_000, 1);
    text_price["variants"][0]["price"] = json!("10.000");
    refused(
        &api(&w, Method::POST, &list, board, Some(text_price)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        None,
    );
    // Coop B's token on A's products, no token: refused, nothing written.
    refused(
        &api(
            &w,
            Method::POST,
            &list,
            As::Token(&w.pengurus_b.token),
            Some(good(10_000, 1)),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &api(&w, Method::POST, &list, As::Nobody, Some(good(10_000, 1))).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        None,
    );
    // B's seller named in A's path: not found.
    let mut other_seller = good(10_000, 1);
    other_seller["seller_id"] = json!(SellerId::new().to_string());
    refused(
        &api(&w, Method::POST, &list, board, Some(other_seller)).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_unchanged(&before, &w.snapshot().await, "bad products");
    assert_eq!(product_count(&w, a).await, 3);

    // A variant's price and stock.
    let patch = format!("{list}/{}/varian/{}", p.kopi, p.kopi_v);
    for (body, field) in [
        (json!({"price": 0}), "price"),
        (json!({"price": -50}), "price"),
        (json!({"stock": -3}), "stock"),
        (json!({"price": 60_000, "stock": -1}), "stock"),
        (json!({}), "price"),
    ] {
        let r = api(&w, Method::PATCH, &patch, board, Some(body.clone())).await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field));
        assert_eq!(variant_row(&w, a, p.kopi).await, (50_000, 10), "{body}");
    }
    for who in [As::Token(&w.pengurus_b.token), As::Nobody] {
        let r = api(&w, Method::PATCH, &patch, who, Some(json!({"stock": 1}))).await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNAUTHORIZED,
            "{}",
            r.status
        );
    }
    refused(
        &api(
            &w,
            Method::PATCH,
            &format!("{list}/{}/varian/{}", p.draft, p.kopi_v),
            board,
            Some(json!({"stock": 1})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_unchanged(&before, &w.snapshot().await, "bad variant changes");
    let r = api(
        &w,
        Method::PATCH,
        &patch,
        board,
        Some(json!({"price": 55_000, "stock": 7})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(variant_row(&w, a, p.kopi).await, (55_000, 7));
    let after = w.store.tenant(a).product(p.kopi).await.unwrap();
    assert!(after.summary.listed, "a price change keeps it listed");
    assert_eq!(after.summary.min_price, 55_000);
    let r = w
        .get(&format!("/api/v1/pasar/produk/{a}/{}", p.kopi), As::Nobody)
        .await;
    assert_eq!(r.json()["variants"][0]["price"], 55_000);
}

#[tokio::test]
async fn orders_move_by_the_state_machine_only() {
    let w = World::new().await;
    let p = pasar(&w).await;
    let oid = paid_order(&w, &p).await;
    let a = w.a;
    let list = format!("/api/v1/koperasi/{a}/pasar/pesanan");
    let desk = As::Token(&w.kasir_a.token);

    refused(
        &w.get(&list, As::Nobody).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        None,
    );
    refused(
        &w.get(&list, As::Token(&w.pengurus_b.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let r = w.get(&list, desk).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["orders"].as_array().unwrap().len(), 1);
    assert_eq!(j["orders"][0]["status"], "dibayar");
    assert_eq!(j["orders"][0]["total"], 50_000);
    assert_eq!(j["orders"][0]["lines"][0]["qty"], 1);
    let r = w.get(&format!("{list}?status=selesai"), desk).await;
    assert!(r.json()["orders"].as_array().unwrap().is_empty());
    refused(
        &w.get(&format!("{list}?cursor=garbage"), desk).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("cursor"),
    );
    let one = format!("{list}/{oid}");
    let r = w.get(&one, desk).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["pay_method"], "tunai_ambil");
    assert!(
        j["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "proses"),
        "{j}"
    );
    refused(
        &w.get(&one, As::Token(&w.pengurus_b.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    // B's own path with A's order: not B's, 404.
    refused(
        &w.get(
            &format!("/api/v1/koperasi/{}/pasar/pesanan/{oid}", w.b),
            As::Token(&w.pengurus_b.token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // Illegal moves and unknown actions: refused, nothing written.
    let before = w.snapshot().await;
    let act = format!("{one}/aksi");
    for (body, status, code) in [
        (
            json!({"action": "selesai"}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            json!({"action": "terima"}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            json!({"action": "terbang"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            json!({"aksi": "proses"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        let r = api(&w, Method::POST, &act, desk, Some(body.clone())).await;
        refused(&r, status, code, None);
        let o = w.store.tenant(a).order(oid).await.unwrap();
        assert_eq!(o.status.as_str(), "dibayar", "{body}");
    }
    refused(
        &api(
            &w,
            Method::POST,
            &act,
            As::Token(&w.pengurus_b.token),
            Some(json!({"action": "proses"})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let events = w.store.order_events(a, oid).await.unwrap().len();
    assert_unchanged(&before, &w.snapshot().await, "refused order actions");

    // A legal move, then the same again (a replay): the second is a conflict.
    let r = api(
        &w,
        Method::POST,
        &act,
        desk,
        Some(json!({"action": "proses"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["order"]["status"], "diproses");
    assert!(j["whatsapp"].as_str().unwrap().starts_with("https://"));
    assert_eq!(j["refund"], 0);
    let r = api(
        &w,
        Method::POST,
        &act,
        desk,
        Some(json!({"action": "proses"})),
    )
    .await;
    refused(&r, StatusCode::CONFLICT, "conflict", None);
    assert_eq!(
        w.store.order_events(a, oid).await.unwrap().len(),
        events + 1
    );
}

#[tokio::test]
async fn dashboard_and_patronage() {
    let w = World::new().await;
    let p = pasar(&w).await;
    let oid = paid_order(&w, &p).await;
    let a = w.a;
    let dash = format!("/api/v1/koperasi/{a}/pasar/dasbor");
    let r = w.get(&dash, As::Token(&w.pengurus_a.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["summary"]["gross"], 50_000);
    assert_eq!(j["summary"]["net"], 50_000);
    assert_eq!(j["summary"]["orders"], 1);
    assert_eq!(j["summary"]["items"], 1);
    let waiting = j["work"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "dibayar")
        .unwrap();
    assert_eq!(waiting["count"], 1);
    assert_eq!(j["documents"], json!([]), "no document to renew yet");
    // A P-IRT of one of A's products expired two days ago: it is listed to renew.
    let expired = OffsetDateTime::now_utc().date() - time::Duration::days(2);
    on_db!(w.store.db(), c => sqlx::query(
        "INSERT INTO market_doc (koperasi_id, id, seller_id, product_id, kind, number, expires_on, file_id, created_at)
         SELECT p.koperasi_id, $2, p.seller_id, p.id, 'pirt', '2063573010123-26', $3, NULL, $4
         FROM market_product p WHERE p.koperasi_id = $1 ORDER BY p.created_at LIMIT 1")
        .bind(a.0).bind(uuid::Uuid::now_v7()).bind(expired).bind(OffsetDateTime::now_utc())
        .execute(c).await.map(|r| r.rows_affected())).unwrap();
    let j = w.get(&dash, As::Token(&w.pengurus_a.token)).await.json();
    let docs = j["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (
            docs[0]["kind"].as_str(),
            docs[0]["expired"].as_bool(),
            docs[0]["expires_on"].as_str()
        ),
        (Some("pirt"), Some(true), Some(expired.to_string().as_str()))
    );
    refused(
        &w.get(
            &format!("{dash}?dari=2026-13-45"),
            As::Token(&w.pengurus_a.token),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("dari"),
    );
    refused(
        &w.get(&dash, As::Token(&w.kasir_a.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &w.get(&dash, As::Token(&w.pengurus_b.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );

    // The buyer was member A-0: the member sees their own patronage, so does the board.
    let m = w.members_a[0].id;
    let jasa = format!("/api/v1/koperasi/{a}/anggota/{m}/jasa");
    let order_no = w.store.tenant(a).order(oid).await.unwrap().order_no;
    for who in [
        As::Token(&w.anggota_a.token),
        As::Token(&w.pengurus_a.token),
        As::Token(&w.pengawas_a.token),
    ] {
        let r = w.get(&jasa, who).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        assert_eq!(j["total"], 50_000, "{j}");
        assert_eq!(j["lines"][0]["order_no"], order_no.as_str());
        assert_eq!(j["years"][0]["total"], 50_000);
    }
    // Another member's, the cashier, another coop: refused. A bad year: 422.
    let other = w.members_a[1].id;
    refused(
        &w.get(
            &format!("/api/v1/koperasi/{a}/anggota/{other}/jasa"),
            As::Token(&w.anggota_a.token),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &w.get(&jasa, As::Token(&w.kasir_a.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &w.get(&jasa, As::Token(&w.pengurus_b.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &w.get(
            &format!("{jasa}?tahun=kemarin"),
            As::Token(&w.pengurus_a.token),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("tahun"),
    );
    let r = w
        .get(
            &format!("{jasa}?tahun=2001"),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(r.json()["total"], 0);
}

/// S: a secondary coop running Tomiko, admitting A (tempo 30), with Beras Karung
/// (Rp 310.000; ≥ 10: Rp 300.000; stock 40). Returns S, its pengurus's token and the
/// product.
async fn tomiko(w: &World) -> (KoperasiId, String, MarketProductId) {
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
        .create_koperasi(&actor(), &data, &Bylaws::default(), today().year() - 1)
        .await
        .expect("secondary");
    settings(w, s, "puskop", true).await;
    w.store
        .tenant(s)
        .grant_tomiko_access(&actor(), w.a, 30)
        .await
        .expect("access");
    let unit = new_seller(w, s, "Gudang Tomiko", "sembako").await;
    let (beras, _) = new_product(
        w,
        s,
        unit,
        "Beras Karung",
        "sembako",
        &[Face::Tomiko],
        310_000,
        40,
        "10: 300000",
        true,
    )
    .await;
    let hash = guyub_web::auth::hash_password(PASSWORD).expect("hash");
    let user = w
        .store
        .create_user(
            &actor(),
            "pengurus@puskop.test",
            "Pengurus Puskop",
            &hash,
            false,
        )
        .await
        .expect("user");
    w.store
        .grant_role(
            &actor(),
            user,
            &NewGrant {
                role: Role::Pengurus,
                koperasi_id: Some(s),
                region_code: None,
                member_id: None,
            },
        )
        .await
        .expect("grant");
    let token = format!(
        "guyub_puskop{}",
        guyub_web::auth::random_secret().expect("secret")
    );
    w.store
        .create_token(&actor(), user, "tes", &token)
        .await
        .expect("token");
    (s, token, beras)
}

async fn pos_of(w: &World, k: KoperasiId) -> usize {
    w.store
        .tenant(k)
        .tomiko_pos_bought(100)
        .await
        .expect("pos")
        .len()
}

#[tokio::test]
async fn tomiko_catalogue_and_pos() {
    let w = World::new().await;
    let (s, s_token, beras_product) = tomiko(&w).await;
    let (a, b) = (w.a, w.b);
    let buyer = As::Token(&w.pengurus_a.token);
    let seller = As::Token(&s_token);
    let stranger = As::Token(&w.pengurus_b.token);

    // A coop without access: 403, no prices; its PO is refused and nothing written.
    let r = w
        .get(
            &format!("/api/v1/koperasi/{b}/tomiko/katalog/{s}"),
            stranger,
        )
        .await;
    refused(&r, StatusCode::FORBIDDEN, "forbidden", None);
    assert!(!r.text().contains("300000") && !r.text().contains("Beras"));
    let r = w
        .get(
            &format!("/api/v1/koperasi/{a}/tomiko/katalog/{s}"),
            stranger,
        )
        .await;
    refused(&r, StatusCode::FORBIDDEN, "forbidden", None);

    // Wholesale-only: curated, yet never on the public endpoints.
    let r = w
        .get(
            &format!("/api/v1/pasar/produk/{s}/{beras_product}"),
            As::Nobody,
        )
        .await;
    refused(&r, StatusCode::NOT_FOUND, "not_found", None);
    let r = w.get("/api/v1/pasar/produk?q=beras", As::Nobody).await;
    assert!(r.json()["products"].as_array().unwrap().is_empty());
    assert!(
        w.store
            .tenant(s)
            .product(beras_product)
            .await
            .unwrap()
            .summary
            .listed
    );

    // The index: A is admitted by S (tempo 30); B by nobody.
    let r = w
        .get(&format!("/api/v1/koperasi/{a}/tomiko/katalog"), buyer)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["sellers"][0]["seller_id"], s.to_string());
    assert_eq!(r.json()["sellers"][0]["payment_terms_days"], 30);
    let r = w
        .get(&format!("/api/v1/koperasi/{b}/tomiko/katalog"), stranger)
        .await;
    assert!(r.json()["sellers"].as_array().unwrap().is_empty());

    // The admitted coop sees the tiers.
    let r = w
        .get(&format!("/api/v1/koperasi/{a}/tomiko/katalog/{s}"), buyer)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["payment_terms_days"], 30);
    assert_eq!(j["items"][0]["price"], 310_000);
    assert_eq!(j["items"][0]["tiers"][0]["min_qty"], 10);
    assert_eq!(j["items"][0]["tiers"][0]["price"], 300_000);
    let beras = j["items"][0]["variant_id"].as_str().unwrap().to_string();
    let po_body = |qty: i64, terms: &str, days: i64| {
        json!({"seller_id": s.to_string(), "lines": [{"variant_id": beras, "qty": qty}],
               "terms": terms, "days": days, "note": "Untuk toko"})
    };

    let before = w.snapshot().await;
    let r = api(
        &w,
        Method::POST,
        &format!("/api/v1/koperasi/{b}/tomiko/po"),
        stranger,
        Some(po_body(12, "tunai", 0)),
    )
    .await;
    refused(&r, StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(pos_of(&w, b).await, 0);
    // Bad lines and terms: 422, nothing written.
    let place = format!("/api/v1/koperasi/{a}/tomiko/po");
    for (body, field) in [
        (po_body(0, "tunai", 0), None),
        (po_body(-5, "tunai", 0), None),
        (po_body(41, "tunai", 0), None),
        (po_body(12, "tempo", 45), Some("terms")),
        (po_body(12, "kredit", 0), Some("terms")),
    ] {
        let r = api(&w, Method::POST, &place, buyer, Some(body.clone())).await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", field);
        assert_eq!(pos_of(&w, a).await, 0, "{body}");
    }
    refused(
        &api(
            &w,
            Method::POST,
            &place,
            As::Nobody,
            Some(po_body(12, "tunai", 0)),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        None,
    );
    assert_unchanged(&before, &w.snapshot().await, "refused POs");

    // Placing with an idempotency key, and its replay: one PO.
    let mut req = w.request(
        Method::POST,
        &place,
        buyer,
        Payload::Json(po_body(12, "tempo", 30)),
    );
    req.headers_mut()
        .insert("idempotency-key", "po-uji-1".parse().unwrap());
    let r1 = w.send(req).await;
    assert_eq!(r1.status, StatusCode::CREATED, "{}", r1.text());
    let j = r1.json();
    assert_eq!(j["total"], 12 * 300_000);
    assert_eq!(j["status"], "diajukan");
    assert_eq!(j["terms_days"], 30);
    assert_eq!(j["side"], "pembeli");
    let mut req = w.request(
        Method::POST,
        &place,
        buyer,
        Payload::Json(po_body(12, "tempo", 30)),
    );
    req.headers_mut()
        .insert("idempotency-key", "po-uji-1".parse().unwrap());
    let r2 = w.send(req).await;
    assert_eq!(r2.status, StatusCode::OK, "{}", r2.text());
    assert_eq!(r2.json()["id"], j["id"]);
    assert_eq!(pos_of(&w, a).await, 1);
    let id = j["id"].as_str().unwrap().to_string();

    // Both sides list it; a bad side or status is 422.
    let r = w
        .get(&format!("/api/v1/koperasi/{a}/tomiko/po"), buyer)
        .await;
    assert_eq!(r.json()["pos"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["pos"][0]["id"], id.as_str());
    let r = w
        .get(
            &format!("/api/v1/koperasi/{s}/tomiko/po?sisi=jual&status=diajukan"),
            seller,
        )
        .await;
    assert_eq!(r.json()["pos"][0]["id"], id.as_str());
    assert_eq!(r.json()["pos"][0]["side"], "penjual");
    let r = w
        .get(&format!("/api/v1/koperasi/{b}/tomiko/po"), stranger)
        .await;
    assert!(r.json()["pos"].as_array().unwrap().is_empty());
    for (q, field) in [
        ("sisi=tengah", "sisi"),
        ("sisi=jual&status=hilang", "status"),
    ] {
        refused(
            &w.get(&format!("/api/v1/koperasi/{s}/tomiko/po?{q}"), seller)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        );
    }

    // Both sides see it; a third coop does not.
    let r = w
        .get(&format!("/api/v1/koperasi/{s}/tomiko/po/{id}"), seller)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["side"], "penjual");
    assert!(
        r.json()["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "konfirmasi")
    );
    refused(
        &w.get(&format!("/api/v1/koperasi/{b}/tomiko/po/{id}"), stranger)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // Illegal steps: the buyer confirming, the seller receiving, paying a PO not shipped.
    let stock = || async { w.store.tenant(a).tomiko_catalogue(s).await.unwrap()[0].stock };
    let before = w.snapshot().await;
    for (k, who, body) in [
        (a, buyer, json!({"action": "konfirmasi"})),
        (s, seller, json!({"action": "terima"})),
        (s, seller, json!({"action": "bayar", "method": "kas"})),
    ] {
        let r = api(
            &w,
            Method::POST,
            &format!("/api/v1/koperasi/{k}/tomiko/po/{id}/aksi"),
            who,
            Some(body.clone()),
        )
        .await;
        refused(&r, StatusCode::CONFLICT, "conflict", None);
    }
    refused(
        &api(
            &w,
            Method::POST,
            &format!("/api/v1/koperasi/{b}/tomiko/po/{id}/aksi"),
            stranger,
            Some(json!({"action": "batal"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_unchanged(&before, &w.snapshot().await, "illegal PO steps");
    assert_eq!(stock().await, 40);

    // The secondary coop confirms: stock taken; confirming again is a conflict.
    let act = format!("/api/v1/koperasi/{s}/tomiko/po/{id}/aksi");
    let r = api(
        &w,
        Method::POST,
        &act,
        seller,
        Some(json!({"action": "konfirmasi"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "dikonfirmasi");
    assert_eq!(stock().await, 28);
    let r = api(
        &w,
        Method::POST,
        &act,
        seller,
        Some(json!({"action": "konfirmasi"})),
    )
    .await;
    refused(&r, StatusCode::CONFLICT, "conflict", None);
    assert_eq!(stock().await, 28);
}

#[tokio::test]
async fn the_openapi_document_lists_the_marketplace() {
    let w = World::new().await;
    let r = w.get("/api/openapi.json", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let paths = j["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/pasar/produk", "get"),
        ("/api/v1/pasar/produk/{koperasi_id}/{product_id}", "get"),
        ("/api/v1/koperasi/{koperasi_id}/pasar/produk", "get"),
        ("/api/v1/koperasi/{koperasi_id}/pasar/produk", "post"),
        (
            "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}",
            "get",
        ),
        (
            "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}/varian/{variant_id}",
            "patch",
        ),
        ("/api/v1/koperasi/{koperasi_id}/pasar/pesanan", "get"),
        (
            "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}",
            "get",
        ),
        (
            "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}/aksi",
            "post",
        ),
        ("/api/v1/koperasi/{koperasi_id}/pasar/dasbor", "get"),
        (
            "/api/v1/koperasi/{koperasi_id}/anggota/{member_id}/jasa",
            "get",
        ),
        (
            "/api/v1/koperasi/{koperasi_id}/tomiko/katalog/{seller_id}",
            "get",
        ),
        ("/api/v1/koperasi/{koperasi_id}/tomiko/katalog", "get"),
        ("/api/v1/koperasi/{koperasi_id}/tomiko/po", "get"),
        ("/api/v1/koperasi/{koperasi_id}/tomiko/po", "post"),
        ("/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}", "get"),
        (
            "/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}/aksi",
            "post",
        ),
    ] {
        let op = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(op.is_object(), "{method} {path}");
        let tags = op["tags"].as_array().expect("tags");
        assert!(
            tags.iter().any(|t| t == "pasar" || t == "tomiko"),
            "{path}: {tags:?}"
        );
    }
    // The public ones need no token; the schemas are there.
    let search = &paths["/api/v1/pasar/produk"]["get"];
    assert_eq!(search["security"], json!([{}]), "{search}");
    let schemas = j["components"]["schemas"].as_object().unwrap();
    for s in [
        "SearchOut",
        "ProductOut",
        "OrderDetailOut",
        "PoOut",
        "DashboardOut",
    ] {
        assert!(schemas.contains_key(s), "{s}");
    }
}

#[tokio::test]
async fn a_sellers_own_user_works_on_its_own_products_only() {
    let w = World::new().await;
    let p = pasar(&w).await;
    let a = w.a;
    // A second seller of A, run by its own user (no coop role).
    let hash = guyub_web::auth::hash_password(PASSWORD).expect("hash");
    let user = w
        .store
        .create_user(&actor(), "bu.sri@umkm.test", "Bu Sri", &hash, false)
        .await
        .expect("user");
    let token = format!(
        "guyub_sri{}",
        guyub_web::auth::random_secret().expect("secret")
    );
    w.store
        .create_token(&actor(), user, "tes", &token)
        .await
        .expect("token");
    let sri = w
        .store
        .tenant(a)
        .create_seller(
            &actor(),
            &SellerInput {
                kind: SellerKind::Umkm,
                name: "Keripik Bu Sri".into(),
                owner_name: "Sri".into(),
                member_id: None,
                user_id: Some(user),
                nib: None,
                address: "Jl. Pasar 3".into(),
                region_code: "35.73".into(),
                category: "makanan-minuman".into(),
                phone: None,
                description: "Keripik".into(),
                consignment: false,
                commission: None,
            },
        )
        .await
        .expect("seller")
        .id;
    let (tempe, tempe_v) = new_product(
        &w,
        a,
        sri,
        "Keripik Tempe",
        "makanan-minuman",
        &[Face::JatimIso],
        12_000,
        6,
        "",
        false,
    )
    .await;
    let list = format!("/api/v1/koperasi/{a}/pasar/produk");
    let me = As::Token(&token);
    let r = w.get(&list, me).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["products"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["products"][0]["name"], "Keripik Tempe");
    // Another seller's product or seller: not found, nothing written.
    let before = w.snapshot().await;
    refused(
        &w.get(&format!("{list}/{}", p.kopi), me).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    refused(
        &w.get(&format!("{list}?penjual={}", p.toko_a), me).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    refused(
        &api(
            &w,
            Method::PATCH,
            &format!("{list}/{}/varian/{}", p.kopi, p.kopi_v),
            me,
            Some(json!({"stock": 0})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let body = json!({"seller_id": p.toko_a.to_string(), "name": "Kopi Palsu",
        "category": "makanan-minuman", "faces": ["umkm"], "variants": [{"price": 1000, "stock": 1}]});
    refused(
        &api(&w, Method::POST, &list, me, Some(body)).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // The orders desk and the dashboard are the coop's staff's, not a seller's.
    for path in [
        format!("/api/v1/koperasi/{a}/pasar/pesanan"),
        format!("/api/v1/koperasi/{a}/pasar/dasbor"),
    ] {
        refused(
            &w.get(&path, me).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
    }
    assert_unchanged(
        &before,
        &w.snapshot().await,
        "a seller on another's products",
    );
    assert_eq!(variant_row(&w, a, p.kopi).await, (50_000, 10));
    // Its own: stock set.
    let r = api(
        &w,
        Method::PATCH,
        &format!("{list}/{tempe}/varian/{tempe_v}"),
        me,
        Some(json!({"stock": 9})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(variant_row(&w, a, tempe).await, (12_000, 9));
}
