//! The store counter (kasir toko) over HTTP: a cashier types a code twice, finds a member,
//! pays cash and gets a receipt with the change; a QRIS sale shows its QR and is confirmed;
//! today's list. And the refusals, each with nothing written: an unknown code, a quantity
//! above the stock, quantities 0 / negative / letters, cash below the total, coop A's
//! cashier selling coop B's stock (or at B's counter), a pengawas selling, a replayed form.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_store::{Store, on_db};
use time::OffsetDateTime;
use uuid::Uuid;

const KOPI: &str = "8991234567890";
const BERAS_B: &str = "8990000000035";

async fn seller(s: &Store, k: KoperasiId, slug: &str) -> SellerId {
    let id = SellerId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
         VALUES ($1, $2, 'umkm', $3, $4, 'Bu Sri', NULL, NULL, NULL, 'Jl. Pasar 2', '35.73.05.1004', '35.73',
            'makanan_minuman', '+6281111111111', '', $5, 0, $6, $7, $7)")
        .bind(k.0).bind(id.0).bind(format!("Toko {slug}")).bind(slug)
        .bind(false).bind(true).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    id
}

#[allow(clippy::too_many_arguments)]
async fn variant(
    s: &Store,
    k: KoperasiId,
    seller: SellerId,
    name: &str,
    barcode: &str,
    price: i64,
    member_price: Option<i64>,
    stock: i64,
) -> VariantId {
    let pid = Uuid::now_v7();
    let vid = VariantId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces, brand_id, status,
            listed, wholesale_only, is_halal, is_opop, min_price, regency_code, cover_photo_id, sold_count, curated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'makanan_minuman', '', 'umkm', NULL, 'terkurasi', $6, $7, $6, $7, $8, '35.73', NULL, 0, NULL, $9, $9)")
        .bind(k.0).bind(pid).bind(seller.0).bind(name).bind(name.to_lowercase().replace(' ', "-"))
        .bind(true).bind(false).bind(price).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price, member_price,
            wholesale_tiers, cost, weight_g, stock, active)
         VALUES ($1, $2, $3, 1, '', NULL, $4, $5, $6, '', 30000, 250, $7, $8)")
        .bind(k.0).bind(vid.0).bind(pid).bind(barcode).bind(price).bind(member_price).bind(stock).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}

async fn count(s: &Store, sql: &str) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

async fn stock(s: &Store, v: VariantId) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar("SELECT stock FROM market_variant WHERE id = $1")
        .bind(v.0).fetch_one(p).await)
    .unwrap()
}

/// Everything a counter sale writes: checkouts, orders, journal entries, patronage, requests,
/// every variant's stock, and the audit log.
async fn books(s: &Store) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT CAST(COUNT(*) AS BIGINT) FROM market_checkout",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM patronage",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_request",
        "SELECT CAST(COALESCE(SUM(stock), 0) AS BIGINT) FROM market_variant",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log",
    ] {
        out.push_str(&format!("{sql}: {}\n", count(s, sql).await));
    }
    out
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + key.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn path(k: KoperasiId) -> String {
    format!("/k/{k}/toko")
}

struct Shop {
    kopi: VariantId,
    beras_b: VariantId,
}

async fn shop(w: &World) -> Shop {
    let sa = seller(&w.store, w.a, "toko-koperasi-a").await;
    let sb = seller(&w.store, w.b, "toko-koperasi-b").await;
    let kopi = variant(
        &w.store,
        w.a,
        sa,
        "Kopi Dampit",
        KOPI,
        50_000,
        Some(45_000),
        5,
    )
    .await;
    let beras_b = variant(&w.store, w.b, sb, "Beras B", BERAS_B, 70_000, None, 3).await;
    Shop { kopi, beras_b }
}

/// A step of the counter form: the state fields plus `extra`.
async fn step(
    w: &World,
    k: KoperasiId,
    who: &Session,
    baris: &str,
    anggota: &str,
    extra: &[(&str, &str)],
) -> Resp {
    let mut f = vec![
        ("_csrf", who.csrf.as_str()),
        ("baris", baris),
        ("anggota", anggota),
    ];
    f.extend_from_slice(extra);
    w.post_form(&path(k), As::Browser(who), fields(&f)).await
}

#[tokio::test]
async fn a_cashier_sells_to_a_member_for_cash_and_prints_the_receipt() {
    let w = World::new().await;
    let sh = shop(&w).await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let page = w.get(&path(w.a), As::Browser(&kasir)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"kode\""));
    assert!(page.text().contains("autofocus"));

    // The code twice: one line of two.
    let r = step(
        &w,
        w.a,
        &kasir,
        "",
        "",
        &[("aksi", "tambah"), ("kode", KOPI)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Kopi Dampit"));
    let baris = hidden(&r.text(), "baris");
    assert_eq!(baris, format!("{}*1", sh.kopi));
    let r = step(&w, w.a, &kasir, &baris, "", &[("kode", KOPI)]).await;
    let baris = hidden(&r.text(), "baris");
    assert_eq!(baris, format!("{}*2", sh.kopi));
    assert!(r.text().contains("Rp 100.000"));

    // The member by member number, then picked: the member price.
    let m = &w.members_a[1];
    let r = step(
        &w,
        w.a,
        &kasir,
        &baris,
        "",
        &[("aksi", "cari"), ("cari_anggota", &m.member_no)],
    )
    .await;
    assert!(r.text().contains(&m.name), "{}", r.text());
    let pick = format!("anggota-{}", m.id);
    let r = step(&w, w.a, &kasir, &baris, "", &[("aksi", &pick)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let anggota = hidden(&r.text(), "anggota");
    assert_eq!(anggota, m.id.to_string());
    assert!(r.text().contains("Rp 90.000"), "member price 2 × 45.000");
    let idem = hidden(&r.text(), "_idem");

    // Cash: Rp 100.000 tendered, Rp 10.000 change.
    let pay = [
        ("aksi", "tunai"),
        ("dibayar", "100.000"),
        ("_idem", idem.as_str()),
    ];
    let r = step(&w, w.a, &kasir, &baris, &anggota, &pay).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let receipt = r.location();
    assert!(receipt.starts_with(&format!("/k/{}/toko/", w.a)));
    let page = w.get(&receipt, As::Browser(&kasir)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("STRUK PENJUALAN"));
    assert!(html.contains(&format!("TK-{}-000001", today().year())));
    assert!(html.contains("Rp 90.000"));
    assert!(html.contains("Rp 10.000"), "the change");
    assert!(html.contains("sembilan puluh ribu rupiah"), "{html}");
    assert!(html.contains(&m.name));
    let r58 = w
        .get(&format!("{receipt}?ukuran=58"), As::Browser(&kasir))
        .await;
    assert!(r58.text().contains("class=\"r58\""));
    assert_eq!(stock(&w.store, sh.kopi).await, 3);
    let tb = w.store.tenant(w.a).trial_balance().await.unwrap();
    let net = |code: &str| {
        tb.rows
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.debit - r.credit)
            .unwrap_or(0)
    };
    assert_eq!(net("1101"), 90_000);
    assert_eq!(net("4102"), -90_000);
    assert_eq!(
        count(
            &w.store,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM patronage"
        )
        .await,
        90_000
    );

    // The same form again (a double tap): the same sale, nothing taken again.
    let before = books(&w.store).await;
    let r = step(&w, w.a, &kasir, &baris, &anggota, &pay).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), receipt);
    assert_unchanged(&before, &books(&w.store).await, "a replayed sale");

    // Today's list.
    let list = w
        .get(&format!("/k/{}/toko/hari-ini", w.a), As::Browser(&kasir))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text()
            .contains(&format!("TK-{}-000001", today().year()))
    );
    assert!(list.text().contains("Rp 90.000"));
    assert!(list.text().contains(&format!("/k/{}/kasir/tutup", w.a)));

    // The day's cash closing expects the sale in this cashier's drawer.
    let closing = w
        .get(&format!("/k/{}/kasir/tutup", w.a), As::Browser(&kasir))
        .await;
    assert_eq!(closing.status, StatusCode::OK);
    let html = closing.text();
    let at = html.find("id=\"store-cash\"").expect("the store cash row");
    assert!(
        html[at..].starts_with("id=\"store-cash\">Rp 90.000<"),
        "{}",
        &html[at..at + 60]
    );
}

#[tokio::test]
async fn a_qris_sale_shows_its_qr_and_the_cashier_confirms_it() {
    let w = World::new().await;
    let sh = shop(&w).await;
    set_static_qris(&w, w.a).await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let baris = format!("{}*1", sh.kopi);
    let r = step(
        &w,
        w.a,
        &kasir,
        &baris,
        "",
        &[("aksi", "qris"), ("_idem", "q1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let sale = r.location();
    let page = w.get(&sale, As::Browser(&kasir)).await;
    assert!(page.text().contains("<svg"), "the QR");
    assert!(page.text().contains("Rp 50.000"));
    assert_eq!(
        count(
            &w.store,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry WHERE source = 'pasar'"
        )
        .await,
        0
    );
    let r = w
        .post_form(
            &format!("{sale}/konfirmasi"),
            As::Browser(&kasir),
            fields(&[("_csrf", &kasir.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.get(&sale, As::Browser(&kasir)).await;
    assert!(page.text().contains("STRUK PENJUALAN"));
    let tb = w.store.tenant(w.a).trial_balance().await.unwrap();
    let net = |code: &str| {
        tb.rows
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.debit - r.credit)
            .unwrap_or(0)
    };
    assert_eq!(net("1110"), 50_000);
    assert_eq!(net("4201"), -50_000);
    assert_eq!(stock(&w.store, sh.kopi).await, 4);
}

#[tokio::test]
async fn bad_counter_input_is_refused_with_nothing_written() {
    let w = World::new().await;
    let sh = shop(&w).await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let one = format!("{}*1", sh.kopi);
    let before = books(&w.store).await;

    // An unknown code.
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        "",
        &[("aksi", "tambah"), ("kode", "0000000000000")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("tidak dikenal"), "{}", r.text());
    assert_eq!(
        hidden(&r.text(), "baris"),
        one,
        "the sale is kept as it was"
    );
    // Coop B's barcode at A's counter is unknown too.
    let r = step(&w, w.a, &kasir, &one, "", &[("kode", BERAS_B)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Above the stock: adding a sixth, typing 6, paying for 6.
    let five = format!("{}*5", sh.kopi);
    let r = step(&w, w.a, &kasir, &five, "", &[("kode", KOPI)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Stok Kopi Dampit tinggal 5"),
        "{}",
        r.text()
    );
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        "",
        &[("aksi", "ubah"), ("qty_0", "6")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let six = format!("{}*6", sh.kopi);
    let r = step(
        &w,
        w.a,
        &kasir,
        &six,
        "",
        &[("aksi", "tunai"), ("dibayar", "500000"), ("_idem", "s6")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Stok Kopi Dampit tinggal 5"));

    // Quantities 0, negative, letters, decimals.
    for q in ["0", "-1", "dua", "1.5"] {
        let r = step(&w, w.a, &kasir, &one, "", &[("aksi", "ubah"), ("qty_0", q)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "qty {q}");
        assert!(r.text().contains("Jumlah harus bilangan bulat"), "qty {q}");
        let bad = format!("{}*{q}", sh.kopi);
        let r = step(
            &w,
            w.a,
            &kasir,
            &bad,
            "",
            &[("aksi", "tunai"), ("dibayar", "100000"), ("_idem", "q")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "state qty {q}");
    }

    // Cash below the total, or not a number.
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        "",
        &[("aksi", "tunai"), ("dibayar", "49.999"), ("_idem", "c1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("kurang dari total"), "{}", r.text());
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        "",
        &[
            ("aksi", "tunai"),
            ("dibayar", "lima puluh"),
            ("_idem", "c2"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // QRIS without the coop's QRIS set up.
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        "",
        &[("aksi", "qris"), ("_idem", "c3")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A's cashier selling B's stock: at A's counter, and at B's.
    let b_line = format!("{}*1", sh.beras_b);
    let r = step(
        &w,
        w.a,
        &kasir,
        &b_line,
        "",
        &[("aksi", "tunai"), ("dibayar", "100000"), ("_idem", "b1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = step(
        &w,
        w.b,
        &kasir,
        &b_line,
        "",
        &[("aksi", "tunai"), ("dibayar", "100000"), ("_idem", "b2")],
    )
    .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    // A member of coop B is not a member at A's counter.
    let pick = format!("anggota-{}", w.members_b[0].id);
    let r = step(&w, w.a, &kasir, &one, "", &[("aksi", &pick)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = step(
        &w,
        w.a,
        &kasir,
        &one,
        &w.members_b[0].id.to_string(),
        &[("aksi", "tunai"), ("dibayar", "100000"), ("_idem", "b3")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A pengawas (supervisor) may not sell, nor open the counter.
    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    assert_eq!(
        w.get(&path(w.a), As::Browser(&pengawas)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = step(
        &w,
        w.a,
        &pengawas,
        &one,
        "",
        &[("aksi", "tunai"), ("dibayar", "100000"), ("_idem", "p1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token.
    let r = w
        .post_form(
            &path(w.a),
            As::Browser(&kasir),
            fields(&[("baris", &one), ("aksi", "tunai"), ("dibayar", "100000")]),
        )
        .await;
    assert!(r.status.is_client_error());

    assert_unchanged(&before, &books(&w.store).await, "refused counter input");
    assert_eq!(stock(&w.store, sh.kopi).await, 5);
    assert_eq!(stock(&w.store, sh.beras_b).await, 3);
}
