//! The seller dashboard, its XLSX exports and the member's own patronage over HTTP (issue #5
//! parts 9 and 10): a member buys from two sellers of coop A through the cart and checkout
//! pages; the seller's user sees its own numbers only and downloads its orders and sales
//! lines (read back cell by cell with calamine); the board sees the coop and each seller;
//! another seller, another coop, a member or a kasir are refused; bad date ranges are refused
//! with a clear message and nothing is written; the buyer sees the purchase as patronage on
//! their own member page.

mod common;

use std::io::Cursor;

use axum::http::{Method, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use common::*;
use guyub_core::ids::{KoperasiId, SellerId, UserId, VariantId};
use guyub_store::{Actor, Store, on_db};
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

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

fn sheet(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    range.rows().map(|r| r.to_vec()).collect()
}

/// The Excel serial of a local date-time (days since 1899-12-30, the time as a fraction).
fn serial(t: OffsetDateTime) -> f64 {
    let l = t.to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap());
    let days = (l.date() - time::macros::date!(1899 - 12 - 30)).whole_days() as f64;
    days + (l.hour() as f64 * 3600.0 + l.minute() as f64 * 60.0 + l.second() as f64) / 86_400.0
}

fn is_time_of(d: &Data, t: OffsetDateTime) -> bool {
    match d {
        Data::DateTime(dt) => (dt.as_f64() - serial(t)).abs() < 1.0 / 86_400.0 + 1e-9,
        _ => false,
    }
}

#[tokio::test]
async fn dashboard_exports_and_patronage_journey() {
    let w = World::new().await;
    let s = &w.store;
    market_settings(s, w.a, "psra").await;
    market_settings(s, w.b, "psrb").await;
    // The buyer is the member with a sign-in (members_a[0]); number and phone match.
    let buyer = &w.members_a[0];
    on_db!(s.db(), p => sqlx::query("UPDATE member SET phone = $3 WHERE koperasi_id = $1 AND id = $2")
        .bind(w.a.0).bind(buyer.id.0).bind("+6281234567890").execute(p).await.map(|r| r.rows_affected())).unwrap();
    // The seller's own account.
    let penjual = s
        .create_user(
            &Actor::system("tes"),
            "penjual.a@guyub.test",
            "Bu Sri",
            &guyub_web::auth::hash_password(PASSWORD).unwrap(),
            false,
        )
        .await
        .unwrap();
    let toko_a = seller(s, w.a, "toko-a", false, Some(penjual)).await;
    let other_a = seller(s, w.a, "lain-a", false, None).await;
    let ukm_b = seller(s, w.b, "ukm-b", true, None).await;
    let kopi = variant(s, w.a, toko_a, "Kopi Dampit", 50_000, 10).await;
    let madu = variant(s, w.a, other_a, "Madu Hutan", 80_000, 3).await;
    variant(s, w.b, ukm_b, "Keripik Tempe", 12_345, 2).await;

    // The member buys 2 × kopi and 1 × madu (two sellers of A), cash at pickup.
    let mut cart = add(&w, "", w.a, kopi, "2").await;
    cart = add(&w, &cart, w.a, madu, "1").await;
    let (r, _) = with_cart(
        &w,
        Method::POST,
        "/pasar/bayar",
        &cart,
        fields(&[
            ("idem", "dash-1"),
            ("name", "Siti Rahayu"),
            ("phone", BUYER_PHONE),
            ("member_no", &buyer.member_no),
            ("bayar", "tunai_ambil"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let token = r
        .location()
        .trim_start_matches("/pasar/pesanan/")
        .to_string();
    let c = s.checkout_by_token(&token).await.unwrap();
    assert_eq!(c.total, 180_000);
    // The cashier takes the cash at pickup.
    let c = s
        .mark_checkout_paid(&Actor::system("Kasir A"), w.a, c.id, "tunai")
        .await
        .unwrap();
    let oa = c
        .orders
        .iter()
        .find(|o| o.seller_id == toko_a)
        .unwrap()
        .clone();
    assert_eq!(oa.buyer_member_id, Some(buyer.id));
    let today = OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .date();

    // The seller's user: /penjual links the dashboard; it shows this seller's numbers only.
    let sp = w.sign_in("penjual.a@guyub.test").await;
    let dash = format!("/penjual/dasbor/{}/{toko_a}", w.a);
    let list = w.get("/penjual", As::Browser(&sp)).await;
    assert!(list.text().contains(&dash), "{}", list.text());
    let page = w.get(&dash, As::Browser(&sp)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("id=\"dash-gross\">Rp 100.000<"), "{html}");
    assert!(html.contains("id=\"dash-net\">Rp 100.000<"));
    assert!(html.contains("id=\"dash-orders\">1<"));
    assert!(html.contains("id=\"dash-items\">2<"));
    assert!(html.contains("Kopi Dampit"));
    assert!(
        !html.contains("Madu Hutan"),
        "another seller's product shows"
    );
    assert!(
        html.contains("/penjual/pesanan?status=dibayar"),
        "links to the order desk"
    );
    assert!(
        html.contains(&oa.order_no),
        "the oldest waiting order is named"
    );
    assert!(html.contains("<svg class=\"dash-chart\""));

    // Another seller's dashboard or files, in this coop or another: 404, nothing read.
    for path in [
        format!("/penjual/dasbor/{}/{other_a}", w.a),
        format!("/penjual/dasbor/{}/{other_a}/pesanan.xlsx", w.a),
        format!("/penjual/dasbor/{}/{other_a}/penjualan.xlsx", w.a),
        format!("/penjual/dasbor/{}/{ukm_b}", w.b),
        format!("/penjual/dasbor/{}/{toko_a}", w.b),
        format!("/penjual/dasbor/{}/bukan-id", w.a),
    ] {
        let r = w.get(&path, As::Browser(&sp)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Nor the coop's dashboard (not on its board).
    let r = w
        .get(&format!("/k/{}/pasar/dasbor", w.a), As::Browser(&sp))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The orders file: named with the dates, read back cell by cell.
    let q = format!("from={today}&to={today}");
    let r = w
        .get(&format!("{dash}/pesanan.xlsx?{q}"), As::Browser(&sp))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.header("content-type").unwrap().contains("spreadsheetml"));
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!("attachment; filename=\"pesanan-toko-a-{today}_{today}.xlsx\"")
    );
    let rows = sheet(&r.bytes);
    assert_eq!(text(&rows[0][0]), "Koperasi");
    assert_eq!(text(&rows[0][1]), "KSP Arta Mandiri Malang");
    assert_eq!(text(&rows[1][1]), "Toko toko-a");
    assert_eq!(
        text(&rows[2][1]),
        format!("{today} – {today} (Waktu Indonesia Barat)")
    );
    let head: Vec<String> = rows[4].iter().map(text).collect();
    assert_eq!(
        head,
        [
            "No. pesanan",
            "Dibuat",
            "Dibayar",
            "Status",
            "Penjual",
            "Pembeli",
            "Telepon",
            "Anggota",
            "Pengiriman",
            "Barang",
            "Ongkir",
            "Total",
            "Refund"
        ]
    );
    assert_eq!(rows.len(), 6, "one order of this seller");
    let o = &rows[5];
    assert_eq!(text(&o[0]), oa.order_no);
    assert!(is_time_of(&o[1], oa.created_at), "{:?}", o[1]);
    assert!(is_time_of(&o[2], c.paid_at.unwrap()), "{:?}", o[2]);
    assert_eq!(
        o[3..9].iter().map(text).collect::<Vec<_>>(),
        [
            "Dibayar",
            "Toko toko-a",
            "Siti Rahayu",
            "+6281234567890",
            "Ya",
            "Ambil sendiri"
        ]
    );
    assert_eq!(
        o[9..13].to_vec(),
        vec![
            Data::Float(100_000.0),
            Data::Float(0.0),
            Data::Float(100_000.0),
            Data::Float(0.0)
        ]
    );

    // The sales lines file.
    let r = w
        .get(&format!("{dash}/penjualan.xlsx?{q}"), As::Browser(&sp))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!("attachment; filename=\"penjualan-toko-a-{today}_{today}.xlsx\"")
    );
    let rows = sheet(&r.bytes);
    assert_eq!(rows.len(), 6);
    let l = &rows[5];
    assert!(is_time_of(&l[0], c.paid_at.unwrap()));
    assert_eq!(text(&l[1]), oa.order_no);
    assert_eq!(text(&l[2]), "Dibayar");
    assert_eq!(text(&l[3]), "Toko toko-a");
    assert_eq!(text(&l[4]), oa.lines[0].name);
    assert_eq!(
        l[5..8].to_vec(),
        vec![
            Data::Float(2.0),
            Data::Float(50_000.0),
            Data::Float(100_000.0)
        ]
    );
    assert_eq!(text(&l[8]), "Ya");

    // Bad ranges: refused with a clear message, nothing written.
    let before = w.snapshot().await;
    for (qs, msg) in [
        (
            "from=2026-05-10&to=2026-05-01",
            "Tanggal akhir tidak boleh sebelum tanggal awal",
        ),
        ("from=kemarin&to=2026-05-01", "Tanggal tidak dapat dibaca"),
        (
            "from=2024-01-01&to=2026-01-01",
            "Rentang tanggal paling lama 366 hari",
        ),
    ] {
        for file in ["pesanan.xlsx", "penjualan.xlsx"] {
            let r = w
                .get(&format!("{dash}/{file}?{qs}"), As::Browser(&sp))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{qs}");
            assert!(r.text().contains(msg), "{qs}: {}", r.text());
            assert!(
                !r.header("content-type")
                    .unwrap_or_default()
                    .contains("spreadsheetml")
            );
        }
        let r = w.get(&format!("{dash}?{qs}"), As::Browser(&sp)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{qs}");
        assert!(r.text().contains(msg), "{qs}");
    }
    let r = w.get(&format!("{dash}?stok=-1"), As::Browser(&sp)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Batas stok menipis harus bilangan bulat"));
    assert_unchanged(&before, &w.snapshot().await, "bad ranges");

    // The low-stock line: kopi has 8 left (10 − 2), shown at 8, not at the default 5.
    assert!(
        !w.get(&dash, As::Browser(&sp))
            .await
            .text()
            .contains("id=\"dash-low\"")
    );
    let html = w
        .get(&format!("{dash}?stok=8"), As::Browser(&sp))
        .await
        .text();
    assert!(html.contains("id=\"dash-low\""), "{html}");

    // The board of A: the whole coop, then one seller.
    let pa = w.sign_in(&w.pengurus_a.email).await;
    let coop_dash = format!("/k/{}/pasar/dasbor", w.a);
    let html = w.get(&coop_dash, As::Browser(&pa)).await.text();
    assert!(html.contains("id=\"dash-gross\">Rp 180.000<"), "{html}");
    assert!(html.contains("id=\"dash-items\">3<"));
    assert!(html.contains("Madu Hutan") && html.contains("Kopi Dampit"));
    let html = w
        .get(&format!("{coop_dash}?penjual={other_a}"), As::Browser(&pa))
        .await
        .text();
    assert!(html.contains("id=\"dash-gross\">Rp 80.000<"), "{html}");
    assert!(!html.contains("Kopi Dampit"));
    // B's seller through A's page: 404.
    let r = w
        .get(&format!("{coop_dash}?penjual={ukm_b}"), As::Browser(&pa))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A halal certificate of the seller's kopi expired yesterday: the seller's dashboard asks
    // for a new one; the board's also offers a WhatsApp reminder to the seller.
    assert!(!html.contains("id=\"dash-docs\""));
    let expired = today.previous_day().unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_doc (koperasi_id, id, seller_id, product_id, kind, number, expires_on, file_id, created_at)
         SELECT v.koperasi_id, $3, $4, v.product_id, 'halal', 'ID35110000123450123', $5, NULL, $6
         FROM market_variant v WHERE v.koperasi_id = $1 AND v.id = $2")
        .bind(w.a.0).bind(kopi.0).bind(uuid::Uuid::now_v7()).bind(toko_a.0).bind(expired)
        .bind(OffsetDateTime::now_utc()).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let html = w.get(&dash, As::Browser(&sp)).await.text();
    let at = html
        .find("id=\"dash-docs\"")
        .expect("the documents to renew");
    assert!(html[at..].contains("Kopi Dampit") && html[at..].contains("ID35110000123450123"));
    assert!(
        !html.contains("wa.me/"),
        "no reminder link on the seller's own page"
    );
    let html = w.get(&coop_dash, As::Browser(&pa)).await.text();
    assert!(html.contains("id=\"dash-docs\""));
    assert!(
        html.contains("href=\"https://wa.me/6281111111111?text=Yth.%20Toko%20toko-a"),
        "{html}"
    );
    let r = w
        .get(&format!("{coop_dash}/penjualan.xlsx?{q}"), As::Browser(&pa))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!("attachment; filename=\"penjualan-kspmlg-{today}_{today}.xlsx\"")
    );
    let rows = sheet(&r.bytes);
    assert_eq!(rows.len(), 7, "two lines");
    let total: f64 = rows[5..]
        .iter()
        .map(|r| match r[7] {
            Data::Float(f) => f,
            _ => 0.0,
        })
        .sum();
    assert_eq!(total, 180_000.0);
    // The board of B, a kasir and a member of A: refused.
    for who in [&w.pengurus_b.email, &w.kasir_a.email, &w.anggota_a.email] {
        let sess = w.sign_in(who).await;
        for path in [
            coop_dash.clone(),
            format!("{coop_dash}/pesanan.xlsx?{q}"),
            format!("{coop_dash}/penjualan.xlsx?{q}"),
        ] {
            let r = w.get(&path, As::Browser(&sess)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}");
        }
    }

    // The buyer's own member page: this fiscal year's patronage with the purchase.
    let sm = w.sign_in(&w.anggota_a.email).await;
    let own = format!("/k/{}/anggota/{}", w.a, buyer.id);
    let html = w.get(&own, As::Browser(&sm)).await.text();
    assert!(
        html.contains("Jasa anggota (transaksi di koperasi)"),
        "{html}"
    );
    assert!(
        html.contains("id=\"patronage-total\">Rp 180.000<"),
        "{html}"
    );
    assert!(html.contains(&oa.order_no));
    assert!(html.contains("Rp 100.000") && html.contains("Rp 80.000"));
    // The board sees the same on the member's page; another member's page is refused.
    let html = w.get(&own, As::Browser(&pa)).await.text();
    assert!(html.contains("id=\"patronage-total\">Rp 180.000<"));
    let other = format!("/k/{}/anggota/{}", w.a, w.members_a[1].id);
    assert_eq!(
        w.get(&other, As::Browser(&sm)).await.status,
        StatusCode::FORBIDDEN
    );
    let html = w.get(&other, As::Browser(&pa)).await.text();
    assert!(html.contains("id=\"patronage-total\">Rp 0<"), "{html}");
}
