//! Running the marketplace over HTTP: the board sets up Pasar and a seller, the seller's
//! product is entered with two variants and a halal certificate, bad input is refused with 422
//! and nothing written, the seller's own account submits it, a curator approves it, and it
//! appears on the public marketplace. A seller never reaches another seller's product, the
//! cashier and the supervisor never change the market settings, and a document scan is never
//! served on the public photo route.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use guyub_core::identity::Role;
use guyub_core::ids::{KoperasiId, UserId};
use guyub_core::market::catalog::{ListingScope, ProductStatus};
use guyub_store::Actor;
use guyub_store::identity::NewGrant;
use guyub_store::market::catalog::{
    FilePurpose, MarketProductId, ProductInput, SellerId, SellerInput, SellerKind, VariantInput,
};

/// A signed-in user made for these tests (no coop role unless granted).
async fn user(w: &World, email: &str, name: &str, role: Option<Role>) -> (UserId, Session) {
    let actor = Actor::system("uji pasar");
    let hash = guyub_web::auth::hash_password(PASSWORD).expect("hash");
    let id = w
        .store
        .create_user(&actor, email, name, &hash, false)
        .await
        .expect("user");
    if let Some(role) = role {
        w.store
            .grant_role(
                &actor,
                id,
                &NewGrant {
                    role,
                    koperasi_id: None,
                    region_code: None,
                    member_id: None,
                },
            )
            .await
            .expect("grant");
    }
    // No coop role: sign in, then read the CSRF token from the account page.
    let s = w.sign_in(email).await;
    (id, s)
}

/// A 320 × 320 JPEG photo.
fn jpeg() -> Vec<u8> {
    let (wd, ht) = (320u16, 320u16);
    let mut px = Vec::with_capacity(usize::from(wd) * usize::from(ht) * 3);
    for y in 0..ht {
        for x in 0..wd {
            px.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 120]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&px, wd, ht, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg");
    out
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn seller_fields(csrf: &str, w: &World, user_email: &str) -> Vec<(String, String)> {
    fields(&[
        ("_csrf", csrf),
        ("kind", "umkm"),
        ("name", "Keripik Bu Siti"),
        ("owner_name", "Siti Rahayu"),
        ("member", &w.members_a[0].member_no),
        ("user_email", user_email),
        ("nib", ""),
        ("address", "Jl. Melati No. 5, Lowokwaru"),
        ("prov", "35"),
        ("kab", "35.73"),
        ("kec", DISTRICT_A),
        ("desa", VILLAGE_A),
        ("category", "makanan-minuman"),
        ("phone", "0812-3456-7890"),
        ("description", "Keripik pisang rumahan."),
        ("consignment", "on"),
        ("commission", ""),
    ])
}

/// A good product form with two variants and a halal certificate; `change` edits it.
fn product_fields(csrf: &str, change: &[(&str, &str)]) -> Vec<(String, String)> {
    let expiry = (today() + time::Duration::days(400)).to_string();
    let mut f = fields(&[
        ("_csrf", csrf),
        ("name", "Keripik Pisang Agung"),
        ("category", "makanan-minuman"),
        (
            "description",
            "Renyah dan **gurih**.\n\n<script>alert('x')</script>\n- tanpa pengawet",
        ),
        ("face", "umkm"),
        ("variants[0].id", ""),
        ("variants[0].label", "250 g"),
        ("variants[0].price", "25.000"),
        ("variants[0].member_price", "23.000"),
        ("variants[0].weight", "250 g"),
        ("variants[0].stock", "10"),
        ("variants[0].sku", "KPA-250"),
        ("variants[1].id", ""),
        ("variants[1].label", "500 g"),
        ("variants[1].price", "45.000"),
        ("variants[1].weight", "0,5 kg"),
        ("variants[1].stock", "5"),
        ("variants[1].tiers", "10: 40.000"),
        ("variants[2].id", ""),
        ("variants[2].label", ""),
        ("variants[2].price", ""),
        ("docs[0].kind", "halal"),
        ("docs[0].number", "ID35110000123450122"),
        ("docs[0].expires_on", &expiry),
        ("docs[1].kind", ""),
        ("docs[1].number", ""),
        ("docs[1].expires_on", ""),
    ]);
    for (k, v) in change {
        match f.iter_mut().find(|(name, _)| name == k) {
            Some(x) => x.1 = v.to_string(),
            None => f.push((k.to_string(), v.to_string())),
        }
    }
    f
}

/// Everything the market pages could have written for coop A (with the audit log via the
/// common snapshot).
async fn market_snapshot(w: &World, sellers: &[SellerId]) -> String {
    let t = w.store.tenant(w.a);
    let mut out = w.snapshot().await;
    out.push_str(&format!(
        "{:?}\n",
        t.market_settings().await.expect("settings")
    ));
    for s in sellers {
        out.push_str(&format!("{:?}\n", t.seller(*s).await.expect("seller")));
        for p in t
            .products_of_seller(*s, None, 200, 0)
            .await
            .expect("products")
        {
            out.push_str(&format!("{:?}\n", t.product(p.id).await.expect("product")));
        }
    }
    out
}

/// The seller id in a `/k/…/pasar/penjual/{sid}/produk` location.
fn sid_in(location: &str) -> SellerId {
    let rest = location.split("/penjual/").nth(1).expect("seller path");
    SellerId::parse(rest.split('/').next().expect("id")).expect("seller id")
}

fn pid_in(location: &str) -> MarketProductId {
    let rest = location.split("/produk/").nth(1).expect("product path");
    MarketProductId::parse(rest.split('?').next().expect("id")).expect("product id")
}

/// Another seller of coop A with one product, made through the store.
async fn other_seller(w: &World, user: UserId) -> (SellerId, MarketProductId) {
    let actor = Actor::system("uji pasar");
    let t = w.store.tenant(w.a);
    let s = t
        .create_seller(
            &actor,
            &SellerInput {
                kind: SellerKind::Umkm,
                name: "Batik Tulis Bu Dewi".into(),
                owner_name: "Dewi Lestari".into(),
                member_id: None,
                user_id: Some(user),
                nib: None,
                address: "Jl. Kenanga 3".into(),
                region_code: VILLAGE_A.into(),
                category: "fashion-batik".into(),
                phone: None,
                description: String::new(),
                consignment: true,
                commission: None,
            },
        )
        .await
        .expect("seller");
    let p = t
        .create_product(
            &actor,
            s.id,
            &ProductInput {
                name: "Batik Tulis Malangan".into(),
                category: "fashion-batik".into(),
                description: String::new(),
                faces: ListingScope::of(&[guyub_core::market::catalog::Face::JatimIso]),
                brand: None,
                wholesale_only: false,
                variants: vec![VariantInput {
                    id: None,
                    label: String::new(),
                    sku: None,
                    barcode: None,
                    price: 350_000,
                    member_price: None,
                    tiers: String::new(),
                    cost: 0,
                    weight_g: 300,
                    stock: 3,
                    active: true,
                }],
                docs: vec![],
            },
        )
        .await
        .expect("product");
    (s.id, p.summary.id)
}

#[tokio::test]
async fn a_product_goes_from_the_board_to_the_public_marketplace() {
    let w = World::new().await;
    let a = w.a.to_string();
    let board = w.sign_in(&w.pengurus_a.email).await;
    let (seller_user, seller_s) = user(&w, "penjual.siti@guyub.test", "Siti Keripik", None).await;
    let (other_user, other_s) = user(&w, "penjual.dewi@guyub.test", "Dewi Batik", None).await;

    // Market settings: opt in, a storefront address, a commission of 7,5 %.
    let r = w.get(&format!("/k/{a}/pasar"), As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post_form(
            &format!("/k/{a}/pasar"),
            As::Browser(&board),
            fields(&[
                ("_csrf", &board.csrf),
                ("opt_in", "on"),
                ("slug", "ksp-arta"),
                ("commission", "7,5"),
                ("pickup_address", "Kantor koperasi"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let s = w
        .store
        .tenant(w.a)
        .market_settings()
        .await
        .expect("settings")
        .expect("saved");
    assert_eq!(
        (s.opt_in, s.slug.as_str(), s.commission_bp),
        (true, "ksp-arta", 750)
    );

    // A bad commission is refused next to its field.
    let before = w.store.tenant(w.a).market_settings().await.expect("s");
    let r = w
        .post_form(
            &format!("/k/{a}/pasar"),
            As::Browser(&board),
            fields(&[
                ("_csrf", &board.csrf),
                ("slug", "ksp-arta"),
                ("commission", "150"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("field-error"));
    let after = w.store.tenant(w.a).market_settings().await.expect("s");
    assert_eq!(format!("{before:?}"), format!("{after:?}"));

    // The board adds a seller managed by Siti's account.
    let r = w
        .post_form(
            &format!("/k/{a}/pasar/penjual/baru"),
            As::Browser(&board),
            seller_fields(&board.csrf, &w, "penjual.siti@guyub.test"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let sid = sid_in(&r.location());
    let seller = w.store.tenant(w.a).seller(sid).await.expect("seller");
    assert_eq!(seller.user_id, Some(seller_user));
    assert_eq!(seller.member_id, Some(w.members_a[0].id));
    assert_eq!(seller.commission_bp, 750);
    assert_eq!(seller.region_code, VILLAGE_A);
    let r = w.get(&format!("/k/{a}/pasar"), As::Browser(&board)).await;
    assert!(r.text().contains("Keripik Bu Siti"));
    let (other_sid, other_pid) = other_seller(&w, other_user).await;

    // Bad products: refused with 422, the message next to its field, nothing written.
    let new = format!("/k/{a}/pasar/penjual/{sid}/produk/baru");
    let past = "2020-01-31";
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "price 0",
            vec![("variants[1].price", "0")],
            "Harga harus lebih dari Rp 0",
        ),
        (
            "negative stock",
            vec![("variants[0].stock", "-3")],
            "Stok tidak boleh negatif",
        ),
        (
            "halal number",
            vec![("docs[0].number", "HALAL-123")],
            "id=\"d0-number\"",
        ),
        (
            "expired certificate",
            vec![("docs[0].expires_on", past)],
            "d0-expires_on",
        ),
        (
            "bad amount",
            vec![("variants[0].price", "25,000.50")],
            "field-error",
        ),
        (
            "bad weight",
            vec![("variants[1].weight", "setengah kilo")],
            "field-error",
        ),
    ];
    let before = market_snapshot(&w, &[sid, other_sid]).await;
    for (what, change, needle) in cases {
        let r = w
            .post_form(
                &new,
                As::Browser(&board),
                product_fields(&board.csrf, &change),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let html = r.text();
        assert!(html.contains(needle), "{what}: {needle} missing");
        assert!(
            html.contains("class=\"field-error\""),
            "{what}: no field error"
        );
        // What was typed is shown again.
        assert!(html.contains("Keripik Pisang Agung"), "{what}");
    }
    assert_unchanged(
        &before,
        &market_snapshot(&w, &[sid, other_sid]).await,
        "bad products",
    );

    // The good product: two variants and a halal certificate.
    let r = w
        .post_form(&new, As::Browser(&board), product_fields(&board.csrf, &[]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let pid = pid_in(&r.location());
    let p = w.store.tenant(w.a).product(pid).await.expect("product");
    assert_eq!(p.summary.status, ProductStatus::Draft);
    assert_eq!(p.variants.len(), 2);
    assert_eq!(p.variants[0].price, 25_000);
    assert_eq!(p.variants[0].member_price, Some(23_000));
    assert_eq!(p.variants[1].weight_g, 500);
    assert_eq!(p.variants[1].stock, 5);
    assert_eq!(p.docs.len(), 1);
    assert_eq!(p.docs[0].number, "ID35110000123450122");
    let page = format!("/k/{a}/pasar/produk/{pid}");
    let r = w.get(&page, As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("value=\"25.000\""));

    // Uploads: a file that is not an image, and one of 30 MB, are refused with a message.
    let before = market_snapshot(&w, &[sid, other_sid]).await;
    let r = w
        .call(
            Method::POST,
            &format!("{page}/foto"),
            As::Browser(&board),
            Payload::Multipart(vec![
                Part::text("_csrf", &board.csrf),
                Part::file(
                    "foto",
                    "bukan-foto.jpg",
                    "image/jpeg",
                    b"<html>hai</html>".to_vec(),
                ),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("bukan gambar"), "{}", r.text());
    let r = w
        .call(
            Method::POST,
            &format!("{page}/foto"),
            As::Browser(&board),
            Payload::Multipart(vec![
                Part::text("_csrf", &board.csrf),
                Part::file(
                    "foto",
                    "besar.jpg",
                    "image/jpeg",
                    vec![0xFF; 30 * 1024 * 1024],
                ),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().contains("terlalu besar"));
    assert_unchanged(
        &before,
        &market_snapshot(&w, &[sid, other_sid]).await,
        "bad uploads",
    );

    // A good photo and the halal certificate's scan.
    let r = w
        .call(
            Method::POST,
            &format!("{page}/foto"),
            As::Browser(&board),
            Payload::Multipart(vec![
                Part::text("_csrf", &board.csrf),
                Part::file("foto", "keripik.jpg", "image/jpeg", jpeg()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .call(
            Method::POST,
            &format!("{page}/dokumen"),
            As::Browser(&board),
            Payload::Multipart(vec![
                Part::text("_csrf", &board.csrf),
                Part::file("berkas", "halal.pdf", "application/pdf", pdf()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let p = w.store.tenant(w.a).product(pid).await.expect("product");
    let doc_file = p
        .files
        .iter()
        .find(|f| f.purpose == FilePurpose::Dokumen)
        .expect("doc file")
        .id;
    let photo = p
        .files
        .iter()
        .find(|f| f.purpose == FilePurpose::Foto)
        .expect("photo")
        .id;
    // Link the scan to the certificate (the form as the edit page shows it).
    let (v0, v1) = (p.variants[0].id.to_string(), p.variants[1].id.to_string());
    let df = doc_file.to_string();
    let r = w
        .post_form(
            &page,
            As::Browser(&board),
            product_fields(
                &board.csrf,
                &[
                    ("variants[0].id", &v0),
                    ("variants[0].active", "on"),
                    ("variants[1].id", &v1),
                    ("variants[1].active", "on"),
                    ("docs[0].file", &df),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let p = w.store.tenant(w.a).product(pid).await.expect("product");
    assert_eq!(p.docs[0].file_id, Some(doc_file));
    assert_eq!(p.variants.len(), 2);

    // The seller's own account: its shops, its product; never the other seller's.
    let r = w.get("/penjual", As::Browser(&seller_s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Keripik Bu Siti"));
    assert!(!r.text().contains("Batik Tulis Bu Dewi"));
    let r = w.get(&page, As::Browser(&seller_s)).await;
    assert_eq!(r.status, StatusCode::OK);
    let theirs = format!("/k/{a}/pasar/produk/{other_pid}");
    let r = w.get(&theirs, As::Browser(&seller_s)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let before = market_snapshot(&w, &[sid, other_sid]).await;
    let r = w
        .post_form(
            &format!("{theirs}/ajukan"),
            As::Browser(&seller_s),
            fields(&[("_csrf", &seller_s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .post_form(
            &theirs,
            As::Browser(&seller_s),
            product_fields(&seller_s.csrf, &[("name", "Dibajak")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .get(
            &format!("/k/{a}/pasar/penjual/{other_sid}/produk"),
            As::Browser(&seller_s),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_unchanged(
        &before,
        &market_snapshot(&w, &[sid, other_sid]).await,
        "other seller",
    );
    // Nor the coop's settings.
    let r = w
        .get(&format!("/k/{a}/pasar"), As::Browser(&seller_s))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The other seller opens its own product.
    let r = w.get(&theirs, As::Browser(&other_s)).await;
    assert_eq!(r.status, StatusCode::OK);

    // The seller sets a stock count and submits the product.
    let r = w
        .post_form(
            &format!("{page}/stok"),
            As::Browser(&seller_s),
            fields(&[("_csrf", &seller_s.csrf), ("variant", &v0), ("stock", "12")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .post_form(
            &format!("{page}/ajukan"),
            As::Browser(&seller_s),
            fields(&[("_csrf", &seller_s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let p = w.store.tenant(w.a).product(pid).await.expect("product");
    assert_eq!(p.summary.status, ProductStatus::Submitted);
    assert_eq!(p.variants[0].stock, 12);

    // The curator: the queue, the review page with the documents, a decision.
    let (_, curator) = user(&w, "kurator@guyub.test", "Tim Kurasi", Some(Role::Curator)).await;
    let r = w.get("/kurasi", As::Browser(&curator)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Keripik Pisang Agung"));
    let r = w.get("/kurasi?etalase=opop", As::Browser(&curator)).await;
    assert!(!r.text().contains("Keripik Pisang Agung"));
    let review = format!("/kurasi/{a}/{pid}");
    let r = w.get(&review, As::Browser(&curator)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("ID35110000123450122"));
    let scan = format!("{page}/berkas/{doc_file}");
    assert!(html.contains(&scan));
    assert!(!html.contains("<script>alert"));
    // Rejecting needs a note: refused, nothing written.
    let before = market_snapshot(&w, &[sid]).await;
    let r = w
        .post_form(
            &review,
            As::Browser(&curator),
            fields(&[("_csrf", &curator.csrf), ("action", "tolak"), ("note", " ")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Tulis catatan"));
    assert_unchanged(
        &before,
        &market_snapshot(&w, &[sid]).await,
        "reject without a note",
    );
    // The scan is served to the curator, never on the public photo route.
    let r = w.get(&scan, As::Browser(&curator)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    assert!(
        r.header("content-disposition")
            .unwrap_or_default()
            .starts_with("attachment")
    );
    for size in ["kecil", "sedang", "besar"] {
        let r = w
            .get(&format!("/pasar/foto/{a}/{doc_file}/{size}"), As::Nobody)
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "scan on the public route ({size})"
        );
    }
    let r = w.get(&scan, As::Nobody).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let b = w.sign_in(&w.pengurus_b.email).await;
    let r = w.get(&scan, As::Browser(&b)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&scan, As::Browser(&other_s)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Not yet public.
    let r = w.get("/pasar", As::Nobody).await;
    assert!(!r.text().contains("Keripik Pisang Agung"));

    let r = w
        .post_form(
            &review,
            As::Browser(&curator),
            fields(&[
                ("_csrf", &curator.csrf),
                ("action", "setujui"),
                ("note", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let p = w.store.tenant(w.a).product(pid).await.expect("product");
    assert_eq!(p.summary.status, ProductStatus::Approved);
    assert!(p.summary.listed);

    // Public: on the marketplace and its own page, the description's HTML escaped.
    let r = w.get("/pasar", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Keripik Pisang Agung"));
    let public = format!("/pasar/p/ksp-arta/{}", p.summary.slug);
    let r = w.get(&public, As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK, "{public}");
    let html = r.text();
    assert!(html.contains("Keripik Pisang Agung"));
    assert!(html.contains("<strong>gurih</strong>"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;"));
    // The photo is public.
    let r = w
        .get(&format!("/pasar/foto/{a}/{photo}/sedang"), As::Nobody)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The seller's page links to the public page now.
    let r = w.get(&page, As::Browser(&seller_s)).await;
    assert!(r.text().contains(&public));
}

#[tokio::test]
async fn only_the_board_changes_the_market_settings() {
    let w = World::new().await;
    let a = w.a.to_string();
    let before = w.snapshot().await;
    for email in [&w.kasir_a.email, &w.pengawas_a.email, &w.anggota_a.email] {
        let s = w.sign_in(email).await;
        let r = w
            .post_form(
                &format!("/k/{a}/pasar"),
                As::Browser(&s),
                fields(&[
                    ("_csrf", &s.csrf),
                    ("opt_in", "on"),
                    ("slug", "dibajak"),
                    ("commission", "10"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        let r = w.get(&format!("/k/{a}/pasar"), As::Browser(&s)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        let r = w
            .post_form(
                &format!("/k/{a}/pasar/penjual/baru"),
                As::Browser(&s),
                seller_fields(&s.csrf, &w, ""),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        // Not a curator either.
        let r = w.get("/kurasi", As::Browser(&s)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
    }
    assert_unchanged(&before, &w.snapshot().await, "refused market requests");
    assert!(
        w.store
            .tenant(w.a)
            .market_settings()
            .await
            .expect("s")
            .is_none()
    );
    // A pengurus of coop A is no curator.
    let board = w.sign_in(&w.pengurus_a.email).await;
    let r = w.get("/kurasi", As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Tomiko is for secondary coops: the field is refused for a primary one.
    let r = w
        .post_form(
            &format!("/k/{a}/pasar"),
            As::Browser(&board),
            fields(&[
                ("_csrf", &board.csrf),
                ("slug", "ksp-arta"),
                ("commission", "10"),
                ("runs_tomiko", "on"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post_form(
            &format!("/k/{a}/pasar/tomiko"),
            As::Browser(&board),
            fields(&[
                ("_csrf", &board.csrf),
                (
                    "buyer",
                    &KoperasiId::parse(&w.b.to_string()).expect("b").to_string(),
                ),
                ("terms_days", "30"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_unchanged(&before, &w.snapshot().await, "refused Tomiko");
}

#[tokio::test]
async fn the_curators_request_for_changes_is_shown_to_the_seller() {
    let w = World::new().await;
    let a = w.a.to_string();
    let (seller_user, seller_s) = user(&w, "penjual.dewi@guyub.test", "Dewi Batik", None).await;
    let (_, pid) = other_seller(&w, seller_user).await;
    let page = format!("/k/{a}/pasar/produk/{pid}");
    let r = w
        .post_form(
            &format!("{page}/ajukan"),
            As::Browser(&seller_s),
            fields(&[("_csrf", &seller_s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, curator) = user(&w, "kurator@guyub.test", "Tim Kurasi", Some(Role::Curator)).await;
    let r = w
        .post_form(
            &format!("/kurasi/{a}/{pid}"),
            As::Browser(&curator),
            fields(&[
                ("_csrf", &curator.csrf),
                ("action", "minta_perbaikan"),
                (
                    "note",
                    "Foto produk belum ada; tambahkan dua foto yang jelas.",
                ),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w.get(&page, As::Browser(&seller_s)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("id=\"curator-note\""));
    assert!(html.contains("Foto produk belum ada"));
    assert!(html.contains("Perlu perbaikan"));
    // The board sees the same page, in the coop's navigation.
    let board = w.sign_in(&w.pengurus_a.email).await;
    let r = w.get(&page, As::Browser(&board)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Foto produk belum ada"));
}
