//! The whole route table, walked: every route refuses a caller who is not signed in (except
//! the public ones), every coop route refuses the board of another coop, and nothing is
//! written by a refused request. The table below is checked against the router's source
//! (`src/lib.rs`) and the generated OpenAPI document, so a route added to the router but not
//! here makes these tests fail.

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No sign-in needed.
    Public,
    /// An HTML page: not signed in → redirect to the sign-in page.
    Page,
    /// The JSON API: not signed in → 401 JSON.
    Api,
    /// The JSON API without sign-in (the marketplace's public search and product pages).
    PublicApi,
}

struct Route {
    method: &'static str,
    path: &'static str,
    kind: Kind,
}

const fn r(method: &'static str, path: &'static str, kind: Kind) -> Route {
    Route { method, path, kind }
}

use Kind::{Api, Page, Public, PublicApi};

/// Copied from `page_routes()` and `app()` in src/lib.rs and `api::router()` in
/// src/api/mod.rs (the API paths as the OpenAPI document names them).
const ROUTES: &[Route] = &[
    r("GET", "/", Page),
    r("GET", "/masuk", Public),
    r("POST", "/masuk", Public),
    r("POST", "/keluar", Page),
    r("GET", "/bahasa/{lang}", Public),
    r("GET", "/pilih-koperasi", Page),
    r("POST", "/pilih-koperasi", Page),
    r("GET", "/akun", Page),
    r("GET", "/akun/sandi", Page),
    r("POST", "/akun/sandi", Page),
    r("POST", "/akun/token", Page),
    r("POST", "/akun/token/{id}/cabut", Page),
    r("GET", "/wilayah", Public),
    r("GET", "/impor/templat-anggota.xlsx", Public),
    r("GET", "/impor/templat-anggota.csv", Public),
    r("GET", "/k/{kid}", Page),
    r("GET", "/k/{kid}/profil", Page),
    r("GET", "/k/{kid}/profil/ubah", Page),
    r("POST", "/k/{kid}/profil/ubah", Page),
    r("GET", "/k/{kid}/adart/ubah", Page),
    r("POST", "/k/{kid}/adart/ubah", Page),
    r("GET", "/k/{kid}/anggota", Page),
    r("GET", "/k/{kid}/anggota/baru", Page),
    r("POST", "/k/{kid}/anggota/baru", Page),
    r("GET", "/k/{kid}/anggota/{mid}", Page),
    r("GET", "/k/{kid}/anggota/{mid}/ubah", Page),
    r("POST", "/k/{kid}/anggota/{mid}/ubah", Page),
    r("POST", "/k/{kid}/anggota/{mid}/status", Page),
    r("POST", "/k/{kid}/anggota/{mid}/akun", Page),
    r("GET", "/k/{kid}/anggota-koperasi/tambah", Page),
    r("POST", "/k/{kid}/anggota-koperasi/tambah", Page),
    r("GET", "/k/{kid}/impor", Page),
    r("POST", "/k/{kid}/impor", Page),
    r("GET", "/k/{kid}/impor/{iid}", Page),
    r("POST", "/k/{kid}/impor/{iid}/simpan", Page),
    r("GET", "/k/{kid}/audit", Page),
    r("GET", "/k/{kid}/kasir", Page),
    r("GET", "/k/{kid}/kasir/{mid}", Page),
    r("POST", "/k/{kid}/kasir/{mid}", Page),
    r("GET", "/k/{kid}/kuitansi/{rid}", Page),
    r("GET", "/k/{kid}/anggota/{mid}/simpanan", Page),
    r("GET", "/k/{kid}/buku", Page),
    r("GET", "/k/{kid}/buku/neraca-saldo", Page),
    r("GET", "/k/{kid}/buku/akun/{aid}", Page),
    r("GET", "/k/{kid}/buku/jurnal", Page),
    // ROUTES-LEDGER
    r("POST", "/k/{kid}/buku/akun/baru", Page),
    r("POST", "/k/{kid}/buku/akun/{aid}/ubah", Page),
    r("GET", "/k/{kid}/buku/jurnal/baru", Page),
    r("POST", "/k/{kid}/buku/jurnal/baru", Page),
    r("POST", "/k/{kid}/buku/jurnal/{id}/balik", Page),
    r("GET", "/k/{kid}/buku/lampiran/{id}", Page),
    r("POST", "/k/{kid}/buku/tutup-tahun", Page),
    // ROUTES-SAVINGS
    r("GET", "/k/{kid}/simpanan/produk", Page),
    r("POST", "/k/{kid}/simpanan/produk", Page),
    r("GET", "/k/{kid}/simpanan/tunggakan", Page),
    r("GET", "/k/{kid}/kasir/tutup", Page),
    r("POST", "/k/{kid}/kasir/tutup", Page),
    r("GET", "/k/{kid}/anggota/{mid}/keluar", Page),
    r("POST", "/k/{kid}/anggota/{mid}/keluar", Page),
    r("GET", "/k/{kid}/anggota/{mid}/keluar/cetak", Page),
    r("POST", "/k/{kid}/anggota/{mid}/keluar/bayar", Page),
    // ROUTES-EXPORT
    r("GET", "/k/{kid}/anggota/{mid}/simpanan.xlsx", Page),
    r("GET", "/k/{kid}/buku/saldo-awal", Page),
    r("POST", "/k/{kid}/buku/saldo-awal", Page),
    r("GET", "/k/{kid}/buku/saldo-awal/templat.xlsx", Page),
    r("GET", "/k/{kid}/buku/saldo-awal/templat.csv", Page),
    r("GET", "/k/{kid}/buku/saldo-awal/{iid}", Page),
    r("POST", "/k/{kid}/buku/saldo-awal/{iid}/simpan", Page),
    // ROUTES-PAYMENT
    r("GET", "/k/{kid}/tagihan", Page),
    r("GET", "/k/{kid}/tagihan/{rid}", Page),
    r("GET", "/k/{kid}/tagihan/{rid}/layar", Page),
    r("POST", "/k/{kid}/tagihan/{rid}/konfirmasi", Page),
    r("POST", "/k/{kid}/tagihan/{rid}/batal", Page),
    r("POST", "/k/{kid}/kasir/{mid}/tagihan", Page),
    r("GET", "/bayar/{token}", Public),
    r("POST", "/k/{kid}/tagihan/{rid}/cek-gateway", Page),
    r("POST", "/k/{kid}/pembayaran/gateway", Page),
    r("POST", "/kait/midtrans/{kid}", Public),
    r("GET", "/k/{kid}/pembayaran/mutasi", Page),
    r("POST", "/k/{kid}/pembayaran/mutasi", Page),
    r("GET", "/k/{kid}/pembayaran/mutasi/{sid}", Page),
    r(
        "POST",
        "/k/{kid}/pembayaran/mutasi/{sid}/baris/{no}/cocokkan",
        Page,
    ),
    r(
        "POST",
        "/k/{kid}/pembayaran/mutasi/{sid}/baris/{no}/abaikan",
        Page,
    ),
    r("POST", "/k/{kid}/pembayaran/mutasi/{sid}/settlement", Page),
    r("GET", "/k/{kid}/pembayaran/settlement", Page),
    r("POST", "/k/{kid}/pembayaran/settlement", Page),
    r("GET", "/k/{kid}/pembayaran", Page),
    r("POST", "/k/{kid}/pembayaran/qris", Page),
    r("POST", "/k/{kid}/pembayaran/rekening", Page),
    r("POST", "/k/{kid}/pembayaran/rekening/{bid}/utama", Page),
    r("POST", "/k/{kid}/pembayaran/rekening/{bid}/nonaktif", Page),
    r("POST", "/k/{kid}/pembayaran/mdr", Page),
    r("GET", "/admin", Page),
    r("GET", "/admin/koperasi/baru", Page),
    r("POST", "/admin/koperasi/baru", Page),
    r("GET", "/admin/pengguna", Page),
    r("GET", "/admin/pengguna/baru", Page),
    r("POST", "/admin/pengguna/baru", Page),
    r("POST", "/admin/pengguna/{uid}/peran", Page),
    r("POST", "/admin/pengguna/{uid}/reset-sandi", Page),
    r("POST", "/admin/pengguna/{uid}/nonaktif", Page),
    r("POST", "/admin/peran/{gid}/cabut", Page),
    r("GET", "/dinas", Page),
    r("GET", "/pasar", Public),
    r("GET", "/pasar/k/{slug}", Public),
    r("GET", "/pasar/toko/{slug}", Public),
    r("GET", "/pasar/merek/{slug}", Public),
    r("GET", "/pasar/p/{coop}/{slug}", Public),
    r("GET", "/pasar/foto/{kid}/{fid}/{size}", Public),
    r("GET", "/k/{kid}/pasar", Page),
    r("POST", "/k/{kid}/pasar", Page),
    r("GET", "/k/{kid}/pasar/merek", Page),
    r("POST", "/k/{kid}/pasar/merek", Page),
    r("POST", "/k/{kid}/pasar/tomiko", Page),
    r("POST", "/k/{kid}/pasar/tomiko/{bid}/cabut", Page),
    r("GET", "/k/{kid}/pasar/penjual/baru", Page),
    r("POST", "/k/{kid}/pasar/penjual/baru", Page),
    r("GET", "/k/{kid}/pasar/penjual/{sid}", Page),
    r("POST", "/k/{kid}/pasar/penjual/{sid}", Page),
    r("POST", "/k/{kid}/pasar/penjual/{sid}/aktif", Page),
    r("GET", "/k/{kid}/pasar/penjual/{sid}/produk", Page),
    r("GET", "/k/{kid}/pasar/penjual/{sid}/produk/baru", Page),
    r("POST", "/k/{kid}/pasar/penjual/{sid}/produk/baru", Page),
    r("GET", "/k/{kid}/pasar/produk/{pid}", Page),
    r("POST", "/k/{kid}/pasar/produk/{pid}", Page),
    r("POST", "/k/{kid}/pasar/produk/{pid}/foto", Page),
    r("POST", "/k/{kid}/pasar/produk/{pid}/dokumen", Page),
    r("GET", "/k/{kid}/pasar/produk/{pid}/berkas/{fid}", Page),
    r(
        "POST",
        "/k/{kid}/pasar/produk/{pid}/berkas/{fid}/hapus",
        Page,
    ),
    r("POST", "/k/{kid}/pasar/produk/{pid}/ajukan", Page),
    r("POST", "/k/{kid}/pasar/produk/{pid}/arsipkan", Page),
    r("POST", "/k/{kid}/pasar/produk/{pid}/stok", Page),
    r("GET", "/penjual", Page),
    r("GET", "/kurasi", Page),
    r("GET", "/kurasi/{kid}/{pid}", Page),
    r("POST", "/kurasi/{kid}/{pid}", Page),
    // ROUTES-MARKET-ORDER
    r("GET", "/pasar/keranjang", Public),
    r("POST", "/pasar/keranjang", Public),
    r("GET", "/pasar/bayar", Public),
    r("POST", "/pasar/bayar", Public),
    r("GET", "/pasar/pesanan/{token}", Public),
    r("POST", "/pasar/pesanan/{token}/{kid}/{oid}", Public),
    r("GET", "/k/{kid}/pasar/pesanan", Page),
    r("GET", "/k/{kid}/pasar/pesanan/{oid}", Page),
    r("POST", "/k/{kid}/pasar/pesanan/{oid}", Page),
    r("GET", "/k/{kid}/tomiko", Page),
    r("GET", "/k/{kid}/tomiko/katalog/{sid}", Page),
    r("POST", "/k/{kid}/tomiko/katalog/{sid}", Page),
    r("GET", "/k/{kid}/tomiko/po/{sid}/{pid}", Page),
    r("POST", "/k/{kid}/tomiko/po/{sid}/{pid}/aksi", Page),
    r("GET", "/k/{kid}/tomiko/po/{sid}/{pid}/terima", Page),
    r("POST", "/k/{kid}/tomiko/po/{sid}/{pid}/terima", Page),
    r("GET", "/k/{kid}/tomiko/masuk", Page),
    r("GET", "/k/{kid}/tomiko/masuk/{pid}", Page),
    r("POST", "/k/{kid}/tomiko/masuk/{pid}/aksi", Page),
    r("GET", "/k/{kid}/tomiko/faktur/{sid}/{pid}", Page),
    r("GET", "/penjual/pesanan", Page),
    r("GET", "/penjual/pesanan/{kid}/{oid}", Page),
    r("POST", "/penjual/pesanan/{kid}/{oid}", Page),
    r("GET", "/k/{kid}/pasar/penjual/{sid}/pembayaran", Page),
    r("POST", "/k/{kid}/pasar/penjual/{sid}/pembayaran", Page),
    r("GET", "/k/{kid}/pasar/jasa-anggota", Page),
    // ROUTES-MARKET-DASH
    r("GET", "/penjual/dasbor/{kid}/{sid}", Page),
    r("GET", "/penjual/dasbor/{kid}/{sid}/pesanan.xlsx", Page),
    r("GET", "/penjual/dasbor/{kid}/{sid}/penjualan.xlsx", Page),
    r("GET", "/k/{kid}/pasar/dasbor", Page),
    r("GET", "/k/{kid}/pasar/dasbor/pesanan.xlsx", Page),
    r("GET", "/k/{kid}/pasar/dasbor/penjualan.xlsx", Page),
    r("GET", "/k/{kid}/toko", Page),
    r("POST", "/k/{kid}/toko", Page),
    r("GET", "/k/{kid}/toko/hari-ini", Page),
    r("GET", "/k/{kid}/toko/{cid}", Page),
    r("POST", "/k/{kid}/toko/{cid}/konfirmasi", Page),
    r("POST", "/k/{kid}/toko/{cid}/batal", Page),
    r("GET", "/admin/operator-pasar", Page),
    r("POST", "/admin/operator-pasar", Page),
    r("GET", "/k/{kid}/pasar/operator", Page),
    r("POST", "/k/{kid}/pasar/operator/penyelesaian", Page),
    r("GET", "/k/{kid}/pasar/operator/penyelesaian/{sid}", Page),
    r(
        "GET",
        "/k/{kid}/pasar/operator/penyelesaian/{sid}/laporan.xlsx",
        Page,
    ),
    r("GET", "/api/openapi.json", Public),
    r("GET", "/healthz", Public),
    r("GET", "/metrics", Public),
    r("GET", "/static/app.css", Public),
    r("GET", "/static/app.js", Public),
    r("GET", "/static/favicon.svg", Public),
    r("GET", "/static/receipt.css", Public),
    r("GET", "/static/pos.js", Public),
    r("GET", "/static/screen.css", Public),
    // The API.
    r("GET", "/api/v1/coops", Api),
    r("GET", "/api/v1/coops/{coop_id}", Api),
    r("PUT", "/api/v1/coops/{coop_id}", Api),
    r("GET", "/api/v1/coops/{coop_id}/bylaws", Api),
    r("PUT", "/api/v1/coops/{coop_id}/bylaws", Api),
    r("GET", "/api/v1/coops/{coop_id}/members", Api),
    r("POST", "/api/v1/coops/{coop_id}/members", Api),
    r("GET", "/api/v1/coops/{coop_id}/members/{member_id}", Api),
    r("PUT", "/api/v1/coops/{coop_id}/members/{member_id}", Api),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/members/{member_id}/status",
        Api,
    ),
    r("POST", "/api/v1/coops/{coop_id}/imports", Api),
    r("GET", "/api/v1/coops/{coop_id}/imports/{import_id}", Api),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/imports/{import_id}/commit",
        Api,
    ),
    r("GET", "/api/v1/coops/{coop_id}/audit", Api),
    // API-BOOKS
    r("GET", "/api/v1/coops/{coop_id}/accounts", Api),
    r("GET", "/api/v1/coops/{coop_id}/journal", Api),
    r("GET", "/api/v1/coops/{coop_id}/journal/{entry_id}", Api),
    r("GET", "/api/v1/coops/{coop_id}/trial-balance", Api),
    r("GET", "/api/v1/coops/{coop_id}/products", Api),
    r(
        "GET",
        "/api/v1/coops/{coop_id}/members/{member_id}/savings",
        Api,
    ),
    r(
        "GET",
        "/api/v1/coops/{coop_id}/members/{member_id}/savings/{product_id}/passbook",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/members/{member_id}/savings-transactions",
        Api,
    ),
    r("GET", "/api/v1/coops/{coop_id}/receipts/{receipt_id}", Api),
    // API-PAYMENT
    r("GET", "/api/v1/coops/{coop_id}/payment-settings", Api),
    r("PUT", "/api/v1/coops/{coop_id}/payment-settings", Api),
    r("GET", "/api/v1/coops/{coop_id}/payment-requests", Api),
    r("POST", "/api/v1/coops/{coop_id}/payment-requests", Api),
    r(
        "GET",
        "/api/v1/coops/{coop_id}/payment-requests/{request_id}",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/payment-requests/{request_id}/confirm",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/payment-requests/{request_id}/cancel",
        Api,
    ),
    r("GET", "/api/v1/coops/{coop_id}/statements", Api),
    r("POST", "/api/v1/coops/{coop_id}/statements", Api),
    r(
        "GET",
        "/api/v1/coops/{coop_id}/statements/{statement_id}",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/match",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/ignore",
        Api,
    ),
    r(
        "POST",
        "/api/v1/coops/{coop_id}/statements/{statement_id}/settle",
        Api,
    ),
    r("GET", "/api/v1/coops/{coop_id}/qris-settlements", Api),
    r("POST", "/api/v1/coops/{coop_id}/qris-settlements", Api),
    // API-MARKET (src/api/market.rs, market_tomiko.rs)
    r("GET", "/api/v1/pasar/produk", PublicApi),
    r(
        "GET",
        "/api/v1/pasar/produk/{koperasi_id}/{product_id}",
        PublicApi,
    ),
    r("GET", "/api/v1/koperasi/{koperasi_id}/pasar/produk", Api),
    r("POST", "/api/v1/koperasi/{koperasi_id}/pasar/produk", Api),
    r(
        "GET",
        "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}",
        Api,
    ),
    r(
        "PATCH",
        "/api/v1/koperasi/{koperasi_id}/pasar/produk/{product_id}/varian/{variant_id}",
        Api,
    ),
    r("GET", "/api/v1/koperasi/{koperasi_id}/pasar/pesanan", Api),
    r(
        "GET",
        "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}",
        Api,
    ),
    r(
        "POST",
        "/api/v1/koperasi/{koperasi_id}/pasar/pesanan/{order_id}/aksi",
        Api,
    ),
    r("GET", "/api/v1/koperasi/{koperasi_id}/pasar/dasbor", Api),
    r(
        "GET",
        "/api/v1/koperasi/{koperasi_id}/anggota/{member_id}/jasa",
        Api,
    ),
    r(
        "GET",
        "/api/v1/koperasi/{koperasi_id}/tomiko/katalog/{seller_id}",
        Api,
    ),
    r("GET", "/api/v1/koperasi/{koperasi_id}/tomiko/katalog", Api),
    r("GET", "/api/v1/koperasi/{koperasi_id}/tomiko/po", Api),
    r("POST", "/api/v1/koperasi/{koperasi_id}/tomiko/po", Api),
    r(
        "GET",
        "/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}",
        Api,
    ),
    r(
        "POST",
        "/api/v1/koperasi/{koperasi_id}/tomiko/po/{po_id}/aksi",
        Api,
    ),
];

fn is_coop_route(path: &str) -> bool {
    path.starts_with("/k/{kid}")
        || path.starts_with("/api/v1/coops/{coop_id}")
        || path.starts_with("/api/v1/koperasi/{koperasi_id}")
}

// ---------------------------------------------------------------------------------------------
// Reading the router's source

/// `(METHOD, path)` of every `.route("…", get(…).post(…))` in a Rust source text. String
/// literals inside the route's arguments are skipped when matching parentheses.
fn routes_in_source(src: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let needle = ".route(";
    let mut rest = src;
    while let Some(i) = rest.find(needle) {
        let after = rest[i + needle.len()..].trim_start();
        let Some(after) = after.strip_prefix('"') else {
            panic!(
                "a route whose path is not a string literal: {}",
                &rest[i..i + 60.min(rest.len() - i)]
            );
        };
        let end = after.find('"').expect("closing quote of a route path");
        let path = &after[..end];
        // The arguments up to the `)` that closes `.route(`.
        let bytes = after.as_bytes();
        let (mut depth, mut j, mut in_str) = (1i32, end + 1, false);
        while j < bytes.len() && depth > 0 {
            let c = bytes[j];
            if in_str {
                if c == b'\\' {
                    j += 1;
                } else if c == b'"' {
                    in_str = false;
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
            }
            j += 1;
        }
        let args = &after[end + 1..j];
        let mut found = false;
        for m in [
            "get", "post", "put", "patch", "delete", "head", "options", "any",
        ] {
            let pat = format!("{m}(");
            let mut k = 0;
            while let Some(p) = args[k..].find(&pat) {
                let at = k + p;
                let before = args[..at].chars().last();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    out.insert((m.to_uppercase(), path.to_string()));
                    found = true;
                }
                k = at + pat.len();
            }
        }
        assert!(found, "no method found for route {path}: {args}");
        rest = &after[end..];
    }
    out
}

fn table(kinds: &[Kind]) -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .filter(|r| kinds.contains(&r.kind))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect()
}

#[test]
fn the_source_parser_reads_methods() {
    let src = r#"
        .route("/a", get(x::y))
        .route(
            "/b",
            get(f).post(g),
        )
        .route("/c", get(|| async { asset("text/css; charset=utf-8)", CSS) }))
        .route("/d", get(move || h(doc.clone())))
    "#;
    let got = routes_in_source(src);
    let want: BTreeSet<(String, String)> = [
        ("GET", "/a"),
        ("GET", "/b"),
        ("POST", "/b"),
        ("GET", "/c"),
        ("GET", "/d"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn page_routes_match_the_router_source() {
    let src = include_str!("../src/lib.rs");
    let in_source = routes_in_source(src);
    let listed = table(&[Page, Public]);
    let missing: Vec<_> = in_source.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&in_source).collect();
    assert!(
        missing.is_empty(),
        "routes in src/lib.rs but not in this test's table (add them to ROUTES): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "routes in this test's table but not in src/lib.rs: {stale:?}"
    );
    // API routes come only from the OpenAPI router (checked against the document below);
    // a plain `.route(` there would bypass that check.
    let api_src = include_str!("../src/api/mod.rs");
    assert!(
        routes_in_source(api_src).is_empty(),
        "src/api/mod.rs adds routes outside the OpenAPI router"
    );
}

#[tokio::test]
async fn api_routes_match_the_openapi_document() {
    let w = World::new().await;
    let doc = w.get("/api/openapi.json", As::Nobody).await.json();
    let mut in_doc = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options"]
                .contains(&method.as_str())
            {
                in_doc.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let listed = table(&[Api, PublicApi]);
    assert_eq!(
        in_doc, listed,
        "the API routes of the OpenAPI document differ from this test's table"
    );
}

// ---------------------------------------------------------------------------------------------
// Filling in a route

fn fill(w: &World, path: &str) -> String {
    path.replace("{kid}", &w.a.to_string())
        .replace("{coop_id}", &w.a.to_string())
        .replace("{mid}", &w.members_a[1].id.to_string())
        .replace("{member_id}", &w.members_a[1].id.to_string())
        .replace("{iid}", &w.import_a.to_string())
        .replace("{import_id}", &w.import_a.to_string())
        .replace("{id}", &w.pengurus_a.token_id.to_string())
        .replace("{uid}", &w.kasir_a.id.to_string())
        .replace("{gid}", &w.kasir_a.grant.expect("grant").to_string())
        .replace("{lang}", "en")
        // Ids the access check refuses before it looks them up.
        .replace("{aid}", "01a00000-0000-7000-8000-000000000001")
        .replace("{rid}", "01a00000-0000-7000-8000-000000000002")
        .replace("{request_id}", "01a00000-0000-7000-8000-000000000002")
        .replace("{bid}", "01a00000-0000-7000-8000-000000000003")
        .replace("{sid}", "01a00000-0000-7000-8000-000000000004")
        .replace("{statement_id}", "01a00000-0000-7000-8000-000000000004")
        .replace("{no}", "1")
        .replace("{line_no}", "1")
        .replace("{token}", "0123456789abcdef0123456789abcdef")
        .replace("{oid}", "01a00000-0000-7000-8000-000000000008")
        // Market products and files (market_admin.rs): refused before they are looked up.
        .replace("{pid}", "01a00000-0000-7000-8000-000000000006")
        .replace("{fid}", "01a00000-0000-7000-8000-000000000007")
        // A counter sale (market_pos.rs): refused before it is looked up.
        .replace("{cid}", "01a00000-0000-7000-8000-000000000009")
        // The marketplace API (api/market.rs, market_tomiko.rs): refused before a lookup.
        .replace("{koperasi_id}", &w.a.to_string())
        .replace("{product_id}", "01a00000-0000-7000-8000-000000000006")
        .replace("{variant_id}", "01a00000-0000-7000-8000-00000000000a")
        .replace("{order_id}", "01a00000-0000-7000-8000-000000000008")
        .replace("{seller_id}", "01a00000-0000-7000-8000-000000000004")
        .replace("{po_id}", "01a00000-0000-7000-8000-00000000000b")
}

const NEW_NIK_BIRTH: (i32, u8, u8) = (1991, 4, 14);

fn new_member_fields() -> Vec<(String, String)> {
    let birth = date(NEW_NIK_BIRTH.0, NEW_NIK_BIRTH.1, NEW_NIK_BIRTH.2);
    fields(&[
        (
            "nik",
            &nik(DISTRICT_A, birth, guyub_core::member::Gender::Male, 777),
        ),
        ("name", "Penyusup Diretas"),
        ("birth_place", "Malang"),
        ("birth_date", &birth.to_string()),
        ("address", "Jl. Mawar No. 9"),
        ("prov", "35"),
        ("kab", "35.73"),
        ("kec", DISTRICT_A),
        ("desa", VILLAGE_A),
        ("phone", ""),
        ("occupation", "Pedagang"),
        ("joined_on", "2023-01-02"),
    ])
}

fn coop_fields() -> Vec<(String, String)> {
    fields(&[
        ("code", "DIRETAS"),
        ("name", "Koperasi Diretas"),
        ("kind", "konsumen"),
        ("pattern", "konvensional"),
        ("tier", "primer"),
        ("address", "Jl. Lain No. 1"),
        ("prov", "35"),
        ("kab", "35.06"),
        ("kec", DISTRICT_B),
        ("desa", VILLAGE_B),
        ("timezone", "wib"),
    ])
}

fn valid_csv() -> Vec<u8> {
    let birth = date(1987, 6, 1);
    let n = nik(DISTRICT_A, birth, guyub_core::member::Gender::Female, 555);
    format!(
        "nik,nama,tempat_lahir,tanggal_lahir,alamat,kode_wilayah,telepon,pekerjaan,tanggal_masuk\n\
         {n},Ani Penyusup,Malang,{birth},Jl. Kenanga 3,{VILLAGE_A},,Guru,2022-01-01\n"
    )
    .into_bytes()
}

/// A plausible request body for a route: what a real client would send, so that the refusal
/// cannot come from a malformed body instead of the access check.
fn payload(w: &World, method: &str, path: &str, csrf: &str) -> (String, Payload) {
    let url = fill(w, path);
    if method == "GET" {
        return (url, Payload::None);
    }
    let with_csrf = |mut f: Vec<(String, String)>| {
        f.insert(0, ("_csrf".to_string(), csrf.to_string()));
        Payload::Form(f)
    };
    let p = match path {
        "/masuk" => Payload::Form(fields(&[
            ("email", "orang@asing.test"),
            ("password", "salah-sekali-123"),
            ("next", "/"),
        ])),
        "/pilih-koperasi" => with_csrf(fields(&[(
            "grant",
            &w.pengurus_a.grant.expect("grant").to_string(),
        )])),
        "/akun/sandi" => with_csrf(fields(&[
            ("current", PASSWORD),
            ("new", "sandi-baru-yang-panjang"),
            ("repeat", "sandi-baru-yang-panjang"),
        ])),
        "/akun/token" => with_csrf(fields(&[("name", "penyusup")])),
        "/k/{kid}/profil/ubah" | "/admin/koperasi/baru" => with_csrf(coop_fields()),
        "/k/{kid}/adart/ubah" => with_csrf(fields(&[
            ("year", &today().year().to_string()),
            ("simpanan_pokok", "1"),
            ("simpanan_wajib_monthly", "0"),
            ("fiscal_year_start_month", "1"),
            ("cadangan", "100"),
            ("jasa_modal", "0"),
            ("jasa_usaha", "0"),
            ("pengurus", "0"),
            ("karyawan", "0"),
            ("pendidikan", "0"),
            ("sosial", "0"),
            ("pembangunan_daerah", "0"),
            ("quorum_numerator", "1"),
            ("quorum_denominator", "3"),
            ("member_number_format", "{kode}-{seq:05}"),
        ])),
        "/k/{kid}/anggota/baru" | "/k/{kid}/anggota/{mid}/ubah" => with_csrf(new_member_fields()),
        "/k/{kid}/anggota/{mid}/status" => with_csrf(fields(&[
            ("status", "berhenti"),
            ("on", ""),
            ("reason", "Diberhentikan penyusup"),
        ])),
        "/k/{kid}/anggota/{mid}/akun" => with_csrf(fields(&[
            ("email", "penyusup@asing.test"),
            ("password", "sandi-penyusup-123"),
        ])),
        "/k/{kid}/anggota-koperasi/tambah" => {
            with_csrf(fields(&[("koperasi", &w.b.to_string()), ("joined_on", "")]))
        }
        "/k/{kid}/impor" => Payload::Multipart(vec![
            Part::text("_csrf", csrf),
            Part::file("file", "anggota.csv", "text/csv", valid_csv()),
        ]),
        "/k/{kid}/pembayaran/mutasi" => Payload::Multipart(vec![
            Part::text("_csrf", csrf),
            Part::text("kind", "qris"),
            Part::file(
                "file",
                "mutasi.csv",
                "text/csv",
                b"Tanggal,Nominal,RRN\n2026-11-30 10:00,50001,611\n".to_vec(),
            ),
        ]),
        "/k/{kid}/pembayaran/qris" => Payload::Multipart(vec![
            Part::text("_csrf", csrf),
            Part::text("payload", QRIS_DANA),
        ]),
        "/k/{kid}/pembayaran/rekening" => with_csrf(fields(&[
            ("bank_name", "Bank Penyusup"),
            ("account_number", "9999999999"),
            ("holder_name", "Penyusup Diretas"),
        ])),
        "/k/{kid}/pembayaran/mdr" => {
            with_csrf(fields(&[("mdr", "0,7"), ("effective_on", "2025-01-01")]))
        }
        "/api/v1/coops/{coop_id}/payment-settings" => Payload::Json(json!({
            "qris": QRIS_DANA,
            "add_bank_accounts": [{"bank_name": "Bank Penyusup", "account_number": "9999999999", "holder_name": "Penyusup Diretas"}],
            "mdr": {"effective_on": "2025-01-01", "rate_bp": 70}
        })),
        "/admin/pengguna/baru" => with_csrf(fields(&[
            ("email", "baru@asing.test"),
            ("name", "Pengguna Baru"),
            ("password", "sandi-baru-yang-panjang"),
        ])),
        "/admin/pengguna/{uid}/peran" => with_csrf(fields(&[("role", "admin")])),
        "/admin/pengguna/{uid}/reset-sandi" => {
            with_csrf(fields(&[("password", "sandi-sementara-123")]))
        }
        "/admin/pengguna/{uid}/nonaktif" => with_csrf(fields(&[("disabled", "on")])),
        "/api/v1/coops/{coop_id}" => Payload::Json(json!({
            "code": "DIRETAS", "name": "Koperasi Diretas", "kind": "konsumen",
            "pattern": "konvensional", "tier": "primer", "address": "Jl. Lain No. 1",
            "region_code": VILLAGE_B, "timezone": "wib"
        })),
        "/api/v1/coops/{coop_id}/bylaws" => Payload::Json(json!({
            "effective_year": today().year(),
            "simpanan_pokok": 1, "simpanan_wajib_monthly": 0, "fiscal_year_start_month": 1,
            "allocation": {"cadangan": 10000},
            "quorum_numerator": 1, "quorum_denominator": 3,
            "quorum_strictly_greater": false, "quorum_counts_proxies": false,
            "member_number_format": "{kode}-{seq:05}"
        })),
        "/api/v1/coops/{coop_id}/members" | "/api/v1/coops/{coop_id}/members/{member_id}" => {
            let f: std::collections::HashMap<String, String> =
                new_member_fields().into_iter().collect();
            Payload::Json(json!({
                "nik": f["nik"], "name": f["name"], "birth_place": f["birth_place"],
                "birth_date": f["birth_date"], "address": f["address"],
                "region_code": VILLAGE_A, "occupation": f["occupation"],
                "joined_on": f["joined_on"]
            }))
        }
        "/api/v1/coops/{coop_id}/members/{member_id}/status" => Payload::Json(json!({
            "status": "berhenti", "on": "", "reason": "Diberhentikan penyusup"
        })),
        "/api/v1/coops/{coop_id}/imports" => {
            return (
                format!("{url}?file_name=anggota.csv"),
                Payload::Raw("application/octet-stream", valid_csv()),
            );
        }
        "/api/v1/coops/{coop_id}/payment-requests" => Payload::Json(json!({
            "member_id": w.members_a[1].id.to_string(),
            "lines": [{"product_id": "01a00000-0000-7000-8000-000000000005", "amount": 50000}],
            "validity": "24j"
        })),
        "/api/v1/coops/{coop_id}/payment-requests/{request_id}/confirm" => {
            Payload::Json(json!({"method": "tunai", "reference": "RRN 612345"}))
        }
        "/api/v1/coops/{coop_id}/payment-requests/{request_id}/cancel"
        | "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/ignore" => {
            Payload::Json(json!({"reason": "Dibatalkan penyusup"}))
        }
        "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/match" => {
            Payload::Json(json!({"request_id": "01a00000-0000-7000-8000-000000000002"}))
        }
        "/api/v1/coops/{coop_id}/statements" => {
            return (
                format!("{url}?kind=qris&file_name=mutasi.csv"),
                Payload::Raw(
                    "text/csv",
                    b"Tanggal,Nominal,RRN\n2026-11-30 10:00,50001,611\n".to_vec(),
                ),
            );
        }
        "/api/v1/coops/{coop_id}/qris-settlements" => Payload::Json(json!({
            "date": today().to_string(), "gross": 50000
        })),
        p if p.starts_with("/api/") => Payload::None,
        // /keluar, token revocation, import commit, grant revocation: the token alone.
        _ => with_csrf(vec![]),
    };
    (url, p)
}

fn method_of(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).expect("method")
}

// ---------------------------------------------------------------------------------------------
// (a) Not signed in

#[tokio::test]
async fn every_route_refuses_a_caller_who_is_not_signed_in() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let mut failures = vec![];
    for route in ROUTES {
        let (url, body) = payload(&w, route.method, route.path, "");
        let res = w
            .call(method_of(route.method), &url, As::Nobody, body)
            .await;
        let what = format!("{} {url}", route.method);
        match route.kind {
            Kind::Page => {
                let loc = res.location();
                let redirected = matches!(res.status, StatusCode::SEE_OTHER | StatusCode::FOUND);
                let want = if route.path == "/" {
                    // The start page sends everyone who is not signed in to the sign-in page.
                    loc == "/masuk" || loc.starts_with("/masuk?next=")
                } else if route.method == "GET" {
                    loc == format!("/masuk?next={url}")
                } else {
                    // A refused POST cannot be returned to after sign-in: plain sign-in page.
                    loc == "/masuk"
                };
                if !(redirected && want) {
                    failures.push(format!("{what}: {} location {loc:?}", res.status));
                }
            }
            Kind::Api => {
                let ok = res.status == StatusCode::UNAUTHORIZED
                    && serde_json::from_slice::<serde_json::Value>(&res.bytes)
                        .map(|v| v["error"]["code"] == "unauthenticated")
                        .unwrap_or(false)
                    && res.header("www-authenticate").as_deref() == Some("Bearer");
                if !ok {
                    failures.push(format!("{what}: {} {}", res.status, res.text()));
                }
            }
            Kind::PublicApi => {
                // The public search answers; a product that does not exist is a JSON 404.
                let (want, code) = match route.path {
                    "/api/v1/pasar/produk" => (StatusCode::OK, serde_json::Value::Null),
                    _ => (StatusCode::NOT_FOUND, json!("not_found")),
                };
                let got = serde_json::from_slice::<serde_json::Value>(&res.bytes)
                    .map(|v| v["error"]["code"].clone())
                    .unwrap_or(json!("not JSON"));
                if res.status != want || got != code {
                    failures.push(format!("{what}: public API answered {} {got}", res.status));
                }
            }
            Kind::Public => {
                let want = match (route.method, route.path) {
                    // Wrong credentials: the sign-in form again, 401.
                    ("POST", "/masuk") => StatusCode::UNAUTHORIZED,
                    (_, "/bahasa/{lang}") => StatusCode::SEE_OTHER,
                    // A payer's link with a token that names no request: not found (the
                    // token is the only key; nothing tells a guesser more).
                    (_, "/bayar/{token}") => StatusCode::NOT_FOUND,
                    // A gateway notification for a coop without a gateway: not found, and
                    // nothing written.
                    (_, "/kait/midtrans/{kid}") => StatusCode::NOT_FOUND,
                    // Pasar pages naming a storefront, product or photo that does not
                    // exist: not found (public, so no sign-in is asked for).
                    (_, "/pasar/k/{slug}")
                    | (_, "/pasar/toko/{slug}")
                    | (_, "/pasar/merek/{slug}")
                    | (_, "/pasar/p/{coop}/{slug}")
                    | (_, "/pasar/foto/{kid}/{fid}/{size}") => StatusCode::NOT_FOUND,
                    // The cart without a product named: refused; the checkout with an empty
                    // cart: back to the cart; a buyer's link that names no checkout: not found.
                    ("POST", "/pasar/keranjang") => StatusCode::BAD_REQUEST,
                    (_, "/pasar/bayar") => StatusCode::SEE_OTHER,
                    (_, "/pasar/pesanan/{token}") | (_, "/pasar/pesanan/{token}/{kid}/{oid}") => {
                        StatusCode::NOT_FOUND
                    }
                    _ => StatusCode::OK,
                };
                let to_signin = res.location().starts_with("/masuk");
                if res.status != want || to_signin {
                    failures.push(format!("{what}: public route answered {}", res.status));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "routes that did not refuse: {failures:#?}"
    );
    assert_unchanged(&before, &w.snapshot().await, "requests without sign-in");
}

// ---------------------------------------------------------------------------------------------
// (b) The board of another coop

#[tokio::test]
async fn every_coop_route_refuses_the_board_of_another_coop() {
    let w = World::new().await;
    let b = w.sign_in(&w.pengurus_b.email).await;
    let before = w.snapshot().await;
    let mut failures = vec![];
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| is_coop_route(r.path)) {
        let (url, body) = payload(&w, route.method, route.path, &b.csrf);
        // Pages with B's own session (and its valid CSRF token); the API with B's token and
        // with B's session cookie.
        let callers: Vec<As<'_>> = match route.kind {
            Kind::Api => vec![As::Token(&w.pengurus_b.token), As::Browser(&b)],
            _ => vec![As::Browser(&b)],
        };
        for who in callers {
            checked += 1;
            let res = w
                .call(method_of(route.method), &url, who, body.clone())
                .await;
            let what = format!("{} {url} as {who:?}", route.method);
            if res.status != StatusCode::FORBIDDEN {
                failures.push(format!("{what}: {}", res.status));
                continue;
            }
            if route.kind == Kind::Api {
                let ok = serde_json::from_slice::<serde_json::Value>(&res.bytes)
                    .map(|v| v["error"]["code"] == "forbidden")
                    .unwrap_or(false);
                if !ok {
                    failures.push(format!("{what}: 403 without a JSON error: {}", res.text()));
                }
            } else if !res.text().contains("Akses ditolak") {
                failures.push(format!("{what}: 403 without the refusal page"));
            }
        }
    }
    assert!(checked >= 40, "only {checked} coop route checks ran");
    assert!(
        failures.is_empty(),
        "coop routes that did not refuse B: {failures:#?}"
    );
    assert_unchanged(&before, &w.snapshot().await, "B's requests on coop A");
    // The previewed import of A is still a preview.
    let rec = w
        .store
        .tenant(w.a)
        .import(w.import_a)
        .await
        .expect("import");
    assert_eq!(rec.status, "preview");
}

/// The other way round: B's board, in its own coop, naming A's records by id. Every tenant
/// handle is scoped to B, so A's records do not exist there.
#[tokio::test]
async fn records_of_another_coop_are_not_found_through_ones_own_coop() {
    let w = World::new().await;
    let b = w.sign_in(&w.pengurus_b.email).await;
    let before = w.snapshot().await;
    let kb = w.b.to_string();
    let (ma, ia) = (w.members_a[1].id.to_string(), w.import_a.to_string());
    let mut failures = vec![];
    let page_routes = [
        (
            "GET",
            format!("/k/{kb}/anggota/{ma}"),
            "/k/{kid}/anggota/{mid}",
        ),
        (
            "GET",
            format!("/k/{kb}/anggota/{ma}/ubah"),
            "/k/{kid}/anggota/{mid}/ubah",
        ),
        (
            "POST",
            format!("/k/{kb}/anggota/{ma}/ubah"),
            "/k/{kid}/anggota/{mid}/ubah",
        ),
        (
            "POST",
            format!("/k/{kb}/anggota/{ma}/status"),
            "/k/{kid}/anggota/{mid}/status",
        ),
        (
            "POST",
            format!("/k/{kb}/anggota/{ma}/akun"),
            "/k/{kid}/anggota/{mid}/akun",
        ),
        ("GET", format!("/k/{kb}/impor/{ia}"), "/k/{kid}/impor/{iid}"),
        (
            "POST",
            format!("/k/{kb}/impor/{ia}/simpan"),
            "/k/{kid}/impor/{iid}/simpan",
        ),
    ];
    for (m, url, pattern) in page_routes {
        let (_, body) = payload(&w, m, pattern, &b.csrf);
        let res = w.call(method_of(m), &url, As::Browser(&b), body).await;
        if res.status != StatusCode::NOT_FOUND {
            failures.push(format!("{m} {url}: {}", res.status));
        }
    }
    let api_routes = [
        (
            "GET",
            format!("/api/v1/coops/{kb}/members/{ma}"),
            "/api/v1/coops/{coop_id}/members/{member_id}",
        ),
        (
            "PUT",
            format!("/api/v1/coops/{kb}/members/{ma}"),
            "/api/v1/coops/{coop_id}/members/{member_id}",
        ),
        (
            "POST",
            format!("/api/v1/coops/{kb}/members/{ma}/status"),
            "/api/v1/coops/{coop_id}/members/{member_id}/status",
        ),
        (
            "GET",
            format!("/api/v1/coops/{kb}/imports/{ia}"),
            "/api/v1/coops/{coop_id}/imports/{import_id}",
        ),
        (
            "POST",
            format!("/api/v1/coops/{kb}/imports/{ia}/commit"),
            "/api/v1/coops/{coop_id}/imports/{import_id}/commit",
        ),
    ];
    for (m, url, pattern) in api_routes {
        let (_, body) = payload(&w, m, pattern, "");
        let res = w
            .call(method_of(m), &url, As::Token(&w.pengurus_b.token), body)
            .await;
        let code_ok = serde_json::from_slice::<serde_json::Value>(&res.bytes)
            .map(|v| v["error"]["code"] == "not_found")
            .unwrap_or(false);
        if res.status != StatusCode::NOT_FOUND || !code_ok {
            failures.push(format!("{m} {url}: {} {}", res.status, res.text()));
        }
    }
    assert!(
        failures.is_empty(),
        "cross-coop ids that were not refused: {failures:#?}"
    );
    assert_unchanged(&before, &w.snapshot().await, "B naming A's records");
}

/// The platform pages refuse everyone but the platform admin, and write nothing.
#[tokio::test]
async fn admin_routes_refuse_coop_boards_and_dinas() {
    let w = World::new().await;
    let mut failures = vec![];
    let before = w.snapshot().await;
    for email in [&w.pengurus_a.email, &w.dinas_malang.email] {
        let s = w.sign_in(email).await;
        for route in ROUTES.iter().filter(|r| r.path.starts_with("/admin")) {
            let (url, body) = payload(&w, route.method, route.path, &s.csrf);
            let res = w
                .call(method_of(route.method), &url, As::Browser(&s), body)
                .await;
            if res.status != StatusCode::FORBIDDEN {
                failures.push(format!("{} {url} as {email}: {}", route.method, res.status));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "admin routes open to non-admins: {failures:#?}"
    );
    assert_unchanged(&before, &w.snapshot().await, "non-admins on admin routes");
}
