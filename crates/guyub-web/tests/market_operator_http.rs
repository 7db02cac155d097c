//! The /pasar operator and settlements between coops over HTTP (issue #5 part 6): the platform
//! admin names coop A the operator with a 2,5 % fee; a /pasar checkout of coop B's goods is
//! operated by A with the fee fixed on the order; A's board settles with B; both coops read
//! the report. And the refusals, each with nothing written: a fee out of range, an unknown
//! coop, a settlement with no orders, a merchant owed nothing, a kasir, another coop's board,
//! a replayed form, a missing CSRF token.

mod common;

use axum::http::{Method, StatusCode, header};
use common::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::ids::{KoperasiId, SellerId, VariantId};
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::{Actor, Store, on_db};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const BUYER_PHONE: &str = "081234567890";

async fn seller(s: &Store, k: KoperasiId, slug: &str) -> SellerId {
    let id = SellerId::new();
    let t = OffsetDateTime::now_utc();
    on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_seller (koperasi_id, id, kind, name, slug, owner_name, member_id, user_id, nib, address,
            region_code, regency_code, category, phone, description, consignment, commission_bp, active, created_at, updated_at)
         VALUES ($1, $2, 'umkm', $3, $4, 'Bu Sri', NULL, NULL, NULL, 'Jl. Pasar 2', '35.73.05.1004', '35.73',
            'makanan-minuman', '+6281111111111', '', $5, 1000, $6, $7, $7)")
        .bind(k.0).bind(id.0).bind(format!("Toko {slug}")).bind(slug)
        .bind(false).bind(true).bind(t).execute(p).await.map(|r| r.rows_affected())).unwrap();
    id
}

async fn variant(s: &Store, k: KoperasiId, seller: SellerId, name: &str, price: i64) -> VariantId {
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
         VALUES ($1, $2, $3, 1, '', NULL, NULL, $4, NULL, '', 0, 250, 50, $5)")
        .bind(k.0).bind(vid.0).bind(pid).bind(price).bind(true)
        .execute(p).await.map(|r| r.rows_affected())).unwrap();
    vid
}

async fn count(s: &Store, sql: &str) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

/// Debit minus credit of the account with `code` in coop `k`.
async fn net(s: &Store, k: KoperasiId, code: &str) -> i64 {
    s.tenant(k)
        .trial_balance()
        .await
        .unwrap()
        .rows
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.debit - r.credit)
        .unwrap_or(0)
}

/// A /pasar checkout of `qty` × `v` of coop `k` (seller `sid`), picked up and paid in cash,
/// through the cart cookie and the checkout form; returns the checkout's buyer path.
async fn pasar_checkout(w: &World, k: KoperasiId, sid: SellerId, v: VariantId, idem: &str) {
    let add = w
        .send(w.request(
            Method::POST,
            "/pasar/keranjang",
            As::Nobody,
            Payload::Form(fields(&[
                ("coop", &k.to_string()),
                ("variant", &v.to_string()),
                ("qty", "2"),
            ])),
        ))
        .await;
    assert_eq!(add.status, StatusCode::SEE_OTHER, "{}", add.text());
    let cart = add
        .set_cookies()
        .iter()
        .find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.strip_prefix("pasar_keranjang="))
                .map(str::to_string)
        })
        .unwrap();
    let ship = format!("kirim_{}_{}", k.0.simple(), sid.0.simple());
    let mut req = w.request(
        Method::POST,
        "/pasar/bayar",
        As::Nobody,
        Payload::Form(fields(&[
            ("idem", idem),
            ("name", "Siti Aminah"),
            ("phone", BUYER_PHONE),
            ("tujuan", "35.73"),
            ("alamat", ""),
            ("bayar", "tunai_ambil"),
            (&ship, "ambil"),
        ])),
    );
    req.headers_mut().insert(
        header::COOKIE,
        format!("pasar_keranjang={cart}").parse().unwrap(),
    );
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// A third coop C with its own pengurus.
async fn coop_c(w: &World) -> (KoperasiId, String) {
    let actor = Actor::system("test seed");
    let c = w
        .store
        .create_koperasi(
            &actor,
            &CoopData {
                code: "KOPBTU".into(),
                name: "Koperasi Tani Batu".into(),
                legal_number: None,
                legal_date: None,
                nib: None,
                npwp: None,
                kind: CoopKind::Konsumen,
                pattern: CoopPattern::Konvensional,
                tier: CoopTier::Primary,
                is_pesantren: false,
                address: "Jl. Panglima Sudirman 1".into(),
                region: RegionCode::parse(VILLAGE_A).unwrap(),
                phone: None,
                email: None,
                founded_on: None,
                timezone: CoopTimeZone::Wib,
            },
            &Bylaws::default(),
            today().year() - 1,
        )
        .await
        .unwrap();
    let hash = guyub_web::auth::hash_password(PASSWORD).unwrap();
    let u = w
        .store
        .create_user(&actor, "pengurus.c@guyub.test", "Pengurus C", &hash, false)
        .await
        .unwrap();
    w.store
        .grant_role(
            &actor,
            u,
            &NewGrant {
                role: Role::Pengurus,
                koperasi_id: Some(c),
                region_code: None,
                member_id: None,
            },
        )
        .await
        .unwrap();
    (c, "pengurus.c@guyub.test".into())
}

#[tokio::test]
async fn the_operator_takes_its_fee_and_settles_with_the_merchant() {
    let w = World::new().await;
    let s = &w.store;
    market_settings(s, w.a, "kspmlg").await;
    market_settings(s, w.b, "kopkdr").await;
    let toko_b = seller(s, w.b, "toko-b").await;
    let kopi = variant(s, w.b, toko_b, "Kopi Kediri", 40_000).await;

    // --- The platform admin names the operator -----------------------------------------------
    let admin = w.sign_in(&w.admin.email).await;
    let pengurus_a = w.sign_in(&w.pengurus_a.email).await;
    let ops = "SELECT CAST(COUNT(*) AS BIGINT) FROM market_operator";
    let form = w.get("/admin/operator-pasar", As::Browser(&admin)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("id=\"op-admin-form\""));
    let set = |csrf: &str, coop: &str, fee: &str| {
        fields(&[("_csrf", csrf), ("koperasi", coop), ("fee_bp", fee)])
    };
    // Not the platform admin: 403.
    let r = w
        .post_form(
            "/admin/operator-pasar",
            As::Browser(&pengurus_a),
            set(&pengurus_a.csrf, "KSPMLG", "250"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A fee out of range, a fee that is not a number, an unknown coop: 422 with the message.
    for (coop, fee, says) in [
        ("KSPMLG", "2500", "2000"),
        ("KSPMLG", "-1", "2000"),
        ("KSPMLG", "2,5%", "basis poin"),
        ("tidak-ada", "250", "tidak ditemukan"),
    ] {
        let r = w
            .post_form(
                "/admin/operator-pasar",
                As::Browser(&admin),
                set(&admin.csrf, coop, fee),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{coop} {fee}");
        assert!(r.text().contains(says), "{coop} {fee}: {}", r.text());
    }
    // No CSRF token: refused.
    let r = w
        .post_form(
            "/admin/operator-pasar",
            As::Browser(&admin),
            fields(&[("koperasi", "KSPMLG"), ("fee_bp", "250")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count(s, ops).await, 0);
    let r = w
        .post_form(
            "/admin/operator-pasar",
            As::Browser(&admin),
            set(&admin.csrf, "KSPMLG", "250"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(count(s, ops).await, 1);
    let op = s.market_operator().await.unwrap().unwrap();
    assert_eq!((op.koperasi_id, op.fee_bp), (w.a, 250));

    // --- A /pasar checkout of B's goods is operated by A ------------------------------------
    pasar_checkout(&w, w.b, toko_b, kopi, "beli-1").await;
    let (ck, cid, fee_bp, fee): (Uuid, Uuid, i64, i64) = on_db!(s.db(), p => sqlx::query_as(
        "SELECT o.checkout_koperasi_id, o.checkout_id, o.operator_fee_bp, o.operator_fee FROM market_order o
         WHERE o.koperasi_id = $1")
        .bind(w.b.0).fetch_one(p).await)
    .unwrap();
    assert_eq!((KoperasiId(ck), fee_bp, fee), (w.a, 250, 2_000));
    s.mark_checkout_paid(
        &Actor::system("Kasir A"),
        w.a,
        guyub_core::ids::CheckoutId(cid),
        "tunai",
    )
    .await
    .unwrap();
    assert_eq!(net(s, w.a, "1101").await, 80_000);
    assert_eq!(net(s, w.a, "2113").await, -78_000);
    assert_eq!(net(s, w.a, "4305").await, -2_000);
    assert_eq!(net(s, w.b, "1107").await, 78_000);
    assert_eq!(net(s, w.b, "5309").await, 2_000);

    // --- The overview -------------------------------------------------------------------------
    let page = w
        .get(
            &format!("/k/{}/pasar/operator", w.a),
            As::Browser(&pengurus_a),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Koperasi Sejahtera Kediri"), "{html}");
    assert!(html.contains("Rp 78.000"), "{html}");
    assert!(html.contains("id=\"op-settle-form\""));
    // The pengawas reads it, without the form; the kasir does not.
    let pengawas_a = w.sign_in(&w.pengawas_a.email).await;
    let page = w
        .get(
            &format!("/k/{}/pasar/operator", w.a),
            As::Browser(&pengawas_a),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("id=\"op-settle-form\""));
    let kasir_a = w.sign_in(&w.kasir_a.email).await;
    let page = w
        .get(&format!("/k/{}/pasar/operator", w.a), As::Browser(&kasir_a))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // B's board sees what A owes it.
    let pengurus_b = w.sign_in(&w.pengurus_b.email).await;
    let page = w
        .get(
            &format!("/k/{}/pasar/operator", w.b),
            As::Browser(&pengurus_b),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"op-owed-by\""));
    assert!(page.text().contains("Rp 78.000"));

    // --- Settlement refusals, nothing written ------------------------------------------------
    let today = today();
    let settle_path = format!("/k/{}/pasar/operator/penyelesaian", w.a);
    let settle = |csrf: &str, from: String, to: String, idem: &str| {
        fields(&[
            ("_csrf", csrf),
            ("merchant", &w.b.to_string()),
            ("dari", &from),
            ("sampai", &to),
            ("cara", "bank"),
            ("idem", idem),
        ])
    };
    let snapshot = || async {
        (
            count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM market_settlement").await,
            count(s, "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry").await,
            count(
                s,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM market_order WHERE settlement_id IS NOT NULL",
            )
            .await,
        )
    };
    let before = snapshot().await;
    // A kasir may not make a settlement.
    let r = w
        .post_form(
            &settle_path,
            As::Browser(&kasir_a),
            settle(
                &kasir_a.csrf,
                today.to_string(),
                today.to_string(),
                "kasir-1",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A range with no orders.
    let r = w
        .post_form(
            &settle_path,
            As::Browser(&pengurus_a),
            settle(
                &pengurus_a.csrf,
                (today - Duration::days(60)).to_string(),
                (today - Duration::days(31)).to_string(),
                "kosong-1",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("rentang tanggal"), "{}", r.text());
    // A merchant owed nothing (A itself is refused; C has no orders with A).
    let (c, c_email) = coop_c(&w).await;
    let mut other = settle(
        &pengurus_a.csrf,
        today.to_string(),
        today.to_string(),
        "c-1",
    );
    other[1].1 = c.to_string();
    let r = w
        .post_form(&settle_path, As::Browser(&pengurus_a), other)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("tidak ada yang perlu dibayar"),
        "{}",
        r.text()
    );
    // Bad dates, bad method.
    let bad = settle(&pengurus_a.csrf, "kemarin".into(), today.to_string(), "d-1");
    let r = w
        .post_form(&settle_path, As::Browser(&pengurus_a), bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut bad = settle(
        &pengurus_a.csrf,
        today.to_string(),
        today.to_string(),
        "m-1",
    );
    bad[4].1 = "emas".into();
    let r = w
        .post_form(&settle_path, As::Browser(&pengurus_a), bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // No CSRF token.
    let mut no_csrf = settle("", today.to_string(), today.to_string(), "csrf-1");
    no_csrf.remove(0);
    let r = w
        .post_form(&settle_path, As::Browser(&pengurus_a), no_csrf)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot().await, before);

    // --- The settlement -------------------------------------------------------------------------
    let from = (today - Duration::days(1)).to_string();
    let r = w
        .post_form(
            &settle_path,
            As::Browser(&pengurus_a),
            settle(&pengurus_a.csrf, from.clone(), today.to_string(), "bayar-1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let report = r.location();
    assert!(report.contains("/pasar/operator/penyelesaian/"), "{report}");
    assert_eq!(net(s, w.a, "2113").await, 0);
    assert_eq!(net(s, w.a, "1102").await, -78_000);
    assert_eq!(net(s, w.b, "1107").await, 0);
    assert_eq!(net(s, w.b, "1102").await, 78_000);
    let after = snapshot().await;
    assert_eq!(after, (before.0 + 1, before.1 + 2, before.2 + 1));
    // A replay of the same form lands on the same settlement, nothing more written.
    let r = w
        .post_form(
            &settle_path,
            As::Browser(&pengurus_a),
            settle(&pengurus_a.csrf, from.clone(), today.to_string(), "bayar-1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), report);
    // A new form for the same orders: B is owed nothing now.
    let r = w
        .post_form(
            &settle_path,
            As::Browser(&pengurus_a),
            settle(&pengurus_a.csrf, from.clone(), today.to_string(), "bayar-2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(snapshot().await, after);

    // --- The report: A's and B's boards; not C's, not B's board through A ------------------------
    let sid = report
        .split('/')
        .next_back()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = w.get(&report, As::Browser(&pengurus_a)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Rp 78.000") && html.contains("Rp 2.000") && html.contains("Rp 80.000"));
    assert!(html.contains("PSN-"));
    let b_report = format!("/k/{}/pasar/operator/penyelesaian/{sid}", w.b);
    let page = w.get(&b_report, As::Browser(&pengurus_b)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Rp 78.000"));
    let page = w
        .get(
            &format!("/k/{}/pasar/operator/penyelesaian/{sid}", w.a),
            As::Browser(&pengurus_b),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The workbook: the same readers.
    let x = w
        .get(
            &format!("{b_report}/laporan.xlsx"),
            As::Browser(&pengurus_b),
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK"), "not a workbook");
    assert!(
        x.header("content-type")
            .unwrap_or_default()
            .contains("spreadsheetml")
    );
    let pengurus_c = w.sign_in(&c_email).await;
    let x = w
        .get(
            &format!("/k/{c}/pasar/operator/penyelesaian/{sid}/laporan.xlsx"),
            As::Browser(&pengurus_c),
        )
        .await;
    assert_eq!(x.status, StatusCode::NOT_FOUND);
    let page = w
        .get(
            &format!("/k/{c}/pasar/operator/penyelesaian/{sid}"),
            As::Browser(&pengurus_c),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = w
        .get(
            &format!("/k/{c}/pasar/operator/penyelesaian/bukan-id"),
            As::Browser(&pengurus_c),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // Both coops' books stay clean.
    for k in [w.a, w.b] {
        assert!(s.verify_books(Some(k)).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn without_an_operator_the_first_coop_operates_with_no_fee() {
    let w = World::new().await;
    let s = &w.store;
    market_settings(s, w.b, "kopkdr").await;
    let toko_b = seller(s, w.b, "toko-b").await;
    let kopi = variant(s, w.b, toko_b, "Kopi Kediri", 40_000).await;
    pasar_checkout(&w, w.b, toko_b, kopi, "beli-1").await;
    let (ck, fee): (Uuid, i64) = on_db!(s.db(), p => sqlx::query_as(
        "SELECT checkout_koperasi_id, operator_fee FROM market_order WHERE koperasi_id = $1")
        .bind(w.b.0).fetch_one(p).await)
    .unwrap();
    assert_eq!((KoperasiId(ck), fee), (w.b, 0));
}
