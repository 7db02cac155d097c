//! Pasar's buying side over HTTP: a cart cookie, a checkout of three sellers in two coops paid
//! by QRIS, the cashier's confirmation, the order desk, the buyer's link, books, payout and
//! patronage; and the refusals (stock, replay, strangers' tokens, other sellers, other coops).

mod common;

use axum::http::{Method, StatusCode, header};
use common::*;
use guyub_core::ids::{KoperasiId, SellerId, UserId, VariantId};
use guyub_store::{Store, on_db};
use time::OffsetDateTime;
use uuid::Uuid;

const BUYER_PHONE: &str = "081234567890";

async fn seller(
    s: &Store,
    k: KoperasiId,
    slug: &str,
    consignment: bool,
    user: Option<UserId>,
) -> SellerId {
    let id = SellerId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
         VALUES ($1, $2, 'umkm', $3, $4, 'Bu Sri', NULL, $5, NULL, 'Jl. Pasar 2', '35.73.05.1004', '35.73',
            'makanan-minuman', '+6281111111111', '', $6, 1000, $7, $8, $8)")
        .bind(k.0).bind(id.0).bind(format!("Toko {slug}")).bind(slug).bind(user.map(|u| u.0))
        .bind(consignment).bind(true).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    id
}

async fn variant(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    price: i64,
    stock: i64,
) -> VariantId {
    let pid = Uuid::now_v7();
    let vid = VariantId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id, status,
            listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count, curated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'makanan-minuman', '', 'umkm', NULL, 'disetujui', $6, $7, $6, $7, $8, '35.73', NULL, 0, NULL, $9, $9)")
        .bind(k.0).bind(pid).bind(seller.0).bind(name).bind(name.to_lowercase().replace(' ', "-"))
        .bind(true).bind(false).bind(price).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
            wholesale_tiers, cost, weight_g, stock, active)
         VALUES ($1, $2, $3, 1, '', NULL, NULL, $4, NULL, '', 0, 250, $5, $6)")
        .bind(k.0).bind(vid.0).bind(pid).bind(price).bind(stock).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}

async fn count(s: &Store, sql: &str) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

/// Sends a request with the cart cookie; returns the response and the cookie it set (or the
/// one sent, when it set none).
async fn with_cart(
    w: &World,
    method: Method,
    path: &str,
    cart: &str,
    f: Vec<(String, String)>,
) -> (Resp, String) {
    let payload = if method == Method::GET {
        Payload::None
    } else {
        Payload::Form(f)
    };
    let mut req = w.request(method, path, As::Nobody, payload);
    if !cart.is_empty() {
        req.headers_mut().insert(
            header::COOKIE,
            format!("pasar_keranjang={cart}").parse().unwrap(),
        );
    }
    let r = w.send(req).await;
    let set = r.set_cookies().iter().find_map(|c| {
        c.split(';')
            .next()
            .and_then(|kv| kv.strip_prefix("pasar_keranjang="))
            .map(str::to_string)
    });
    let cart = set.unwrap_or_else(|| cart.to_string());
    (r, cart)
}

async fn add(w: &World, cart: &str, k: KoperasiId, v: VariantId, qty: &str) -> String {
    let (r, cart) = with_cart(
        w,
        Method::POST,
        "/pasar/keranjang",
        cart,
        fields(&[
            ("coop", &k.to_string()),
            ("variant", &v.to_string()),
            ("qty", qty),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    cart
}

#[tokio::test]
async fn a_cart_of_three_sellers_in_two_coops_is_paid_shipped_received_and_booked() {
    let w = World::new().await;
    let s = &w.store;
    set_static_qris(&w, w.a).await;
    market_settings(s, w.a, "psra").await;
    market_settings(s, w.b, "psrb").await;
    // The buyer is a member of A (member price, patronage): member number and phone match.
    let buyer = &w.members_a[1];
    on_db!(s.db(), p => sqlx::query("UPDATE member SET phone = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(w.a.0).bind(buyer.id.0).bind("+6281234567890").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let toko_a = seller(s, w.a, "toko-a", false, Some(w.anggota_a.id)).await;
    let other_a = seller(s, w.a, "lain-a", false, None).await;
    let ukm_b = seller(s, w.b, "ukm-b", true, None).await;
    let kopi = variant(s, w.a, toko_a, "Kopi Dampit", 50_000, 10).await;
    let madu = variant(s, w.a, other_a, "Madu Hutan", 80_000, 3).await;
    let keripik = variant(s, w.b, ukm_b, "Keripik Tempe", 12_345, 5).await;

    // The cart: three lines, no sign-in; an unknown variant is refused and not added.
    let mut cart = add(&w, "", w.a, kopi, "2").await;
    cart = add(&w, &cart, w.a, madu, "1").await;
    cart = add(&w, &cart, w.b, keripik, "1").await;
    let (bad, _) = with_cart(
        &w,
        Method::POST,
        "/pasar/keranjang",
        &cart,
        fields(&[
            ("coop", &w.a.to_string()),
            ("variant", &VariantId::new().to_string()),
            ("qty", "1"),
        ]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let (page, _) = with_cart(&w, Method::GET, "/pasar/keranjang", &cart, vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("Kopi Dampit")
            && html.contains("Keripik Tempe")
            && html.contains("Toko ukm-b"),
        "{html}"
    );
    // A tampered cookie line is dropped, the rest kept.
    let (page, _) = with_cart(
        &w,
        Method::GET,
        "/pasar/keranjang",
        &format!("{cart}~zz.yy.1"),
        vec![],
    )
    .await;
    assert!(page.text().contains("Madu Hutan"));

    // The checkout form carries an idempotency key.
    let (form, _) = with_cart(&w, Method::GET, "/pasar/bayar", &cart, vec![]).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    assert!(form.text().contains("name=\"idem\""));
    let b_field = format!("kirim_{}_{}", w.b.0.simple(), ukm_b.0.simple());
    let checkout_fields = |idem: &str| {
        fields(&[
            ("idem", idem),
            ("name", "Siti Aminah"),
            ("phone", BUYER_PHONE),
            ("member_no", &buyer.member_no),
            ("tujuan", "35.73"),
            ("alamat", "Jl. Ijen 5, Malang"),
            ("bayar", "qris"),
            (&b_field, "antar"),
        ])
    };

    // Above the stock: 422, the product named, nothing written.
    let big = add(&w, &cart, w.a, madu, "5").await;
    let before = count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout").await;
    let (r, _) = with_cart(
        &w,
        Method::POST,
        "/pasar/bayar",
        &big,
        checkout_fields("uji-stok"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Madu Hutan"), "{}", r.text());
    assert_eq!(
        count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout").await,
        before
    );

    // Placed; a replay of the same form lands on the same checkout.
    let (r, after) = with_cart(
        &w,
        Method::POST,
        "/pasar/bayar",
        &cart,
        checkout_fields("uji-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let buyer_path = r.location();
    assert!(buyer_path.starts_with("/pasar/pesanan/"));
    assert!(after.is_empty(), "the cart is emptied");
    let (again, _) = with_cart(
        &w,
        Method::POST,
        "/pasar/bayar",
        &cart,
        checkout_fields("uji-1"),
    )
    .await;
    assert_eq!(again.location(), buyer_path);
    assert_eq!(
        count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout").await,
        1
    );

    // The buyer's page: the QR, never cached or referred on. A random token: 404.
    let page = w.get(&buyer_path, As::Nobody).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<svg"));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        page.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert_eq!(
        w.get(
            "/pasar/pesanan/0123456789abcdef0123456789abcdef",
            As::Nobody
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let token = buyer_path.trim_start_matches("/pasar/pesanan/").to_string();
    let c = s.checkout_by_token(&token).await.unwrap();
    assert_eq!(
        c.koperasi_id, w.a,
        "the first line's coop takes the payment"
    );
    let oa = c
        .orders
        .iter()
        .find(|o| o.seller_id == toko_a)
        .unwrap()
        .clone();
    let o_other = c
        .orders
        .iter()
        .find(|o| o.seller_id == other_a)
        .unwrap()
        .clone();
    let ob = c
        .orders
        .iter()
        .find(|o| o.koperasi_id == w.b)
        .unwrap()
        .clone();
    assert_eq!(oa.lines[0].qty, 2);

    // The cashier of A sees the request in the list and confirms it with the reference.
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let rid = c.payment_request_id.unwrap();
    let list = w
        .get(&format!("/k/{}/tagihan", w.a), As::Browser(&kasir))
        .await;
    assert!(list.text().contains(c.payment_ref.as_deref().unwrap()));
    let r = w
        .post_form(
            &format!("/k/{}/tagihan/{rid}/konfirmasi", w.a),
            As::Browser(&kasir),
            fields(&[
                ("_csrf", &kasir.csrf),
                ("method", "qris"),
                ("reference", "QR123456"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(s.checkout_by_token(&token).await.unwrap().state, "dibayar");

    // The kasir of A cannot act on B's order.
    let r = w
        .post_form(
            &format!("/k/{}/pasar/pesanan/{}", w.b, ob.id),
            As::Browser(&kasir),
            fields(&[("_csrf", &kasir.csrf), ("aksi", "proses")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // B's board processes and ships with a tracking number; the page offers WhatsApp.
    let pb = w.sign_in(&w.pengurus_b.email).await;
    let desk = w
        .get(
            &format!("/k/{}/pasar/pesanan?status=dibayar", w.b),
            As::Browser(&pb),
        )
        .await;
    assert!(desk.text().contains(&ob.order_no), "{}", desk.text());
    let path = format!("/k/{}/pasar/pesanan/{}", w.b, ob.id);
    let r = w
        .post_form(
            &path,
            As::Browser(&pb),
            fields(&[("_csrf", &pb.csrf), ("aksi", "proses")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .post_form(
            &path,
            As::Browser(&pb),
            fields(&[
                ("_csrf", &pb.csrf),
                ("aksi", "kirim"),
                ("courier", "Kurir toko"),
                ("tracking", "RESI-778"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&path, As::Browser(&pb)).await;
    assert!(page.text().contains("https://wa.me/62"), "{}", page.text());
    assert!(page.text().contains("RESI-778"));

    // The seller user of A works its own order, and never another seller's.
    let seller_s = w.sign_in(&w.anggota_a.email).await;
    let mine = w
        .get(
            &format!("/penjual/pesanan/{}/{}", w.a, oa.id),
            As::Browser(&seller_s),
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let theirs = w
        .get(
            &format!("/penjual/pesanan/{}/{}", w.a, o_other.id),
            As::Browser(&seller_s),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let r = w
        .post_form(
            &format!("/penjual/pesanan/{}/{}", w.a, o_other.id),
            As::Browser(&seller_s),
            fields(&[("_csrf", &seller_s.csrf), ("aksi", "proses")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = w.get("/penjual/pesanan", As::Browser(&seller_s)).await;
    assert!(list.text().contains(&oa.order_no) && !list.text().contains(&o_other.order_no));

    // The buyer marks B's order received through the link.
    let r = w
        .post_form(
            &format!("/pasar/pesanan/{token}/{}/{}", w.b, ob.id),
            As::Nobody,
            fields(&[("aksi", "terima")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        s.tenant(w.b).order(ob.id).await.unwrap().status.as_str(),
        "diterima"
    );
    let r = w
        .post_form(
            &format!(
                "/pasar/pesanan/ffffffffffffffffffffffffffffffff/{}/{}",
                w.b, ob.id
            ),
            As::Nobody,
            fields(&[("aksi", "terima")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The books of both coops balance.
    for k in [w.a, w.b] {
        let problems = s.verify_books(Some(k)).await.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
    }

    // B pays the consignment seller: its share of 12.345 at 10 % plus the delivery fee.
    let pay_path = format!("/k/{}/pasar/penjual/{}/pembayaran", w.b, ukm_b);
    let page = w.get(&pay_path, As::Browser(&pb)).await;
    assert!(page.text().contains("Rp 21.110"), "{}", page.text());
    let r = w
        .post_form(
            &pay_path,
            As::Browser(&pb),
            fields(&[("_csrf", &pb.csrf), ("method", "transfer")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(s.tenant(w.b).payouts(Some(ukm_b)).await.unwrap().len(), 1);
    assert!(s.verify_books(Some(w.b)).await.unwrap().is_empty());

    // The buyer's purchases in A are patronage, shown to A's board.
    let pa = w.sign_in(&w.pengurus_a.email).await;
    let page = w
        .get(&format!("/k/{}/pasar/jasa-anggota", w.a), As::Browser(&pa))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains(&buyer.name) && page.text().contains("Rp 180.000"),
        "{}",
        page.text()
    );
}
