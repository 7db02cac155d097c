//! Guyub's HTTP layer: HTML pages for people, the JSON API for programs, on one router.
//!
//! Layers, outermost first: request id → tracing → metrics → panic catcher → security headers
//! → gzip → error rendering (JSON or HTML, in the caller's language; inside the header layers
//! so error answers carry the same headers) → cross-site request refusal (Sec-Fetch-Site /
//! Origin) → body limit → timeout → routes.

pub mod api;
pub mod auth;
pub mod error;
pub mod gateway;
pub mod gateway_service;
pub mod i18n;
pub mod import_file;
pub mod import_service;
pub mod metrics;
pub mod opening_file;
pub mod pages;
pub mod photo;
pub mod qr_image;
pub mod ratelimit;
pub mod state;
pub mod statement_file;
pub mod table_file;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use guyub_core::Msg;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, WebConfig, new_state};

use crate::error::WebError;
use crate::pages::{
    account, admin, audit, books, cashier, coop, dinas, home, import, members, region, signin,
};

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");
const FAVICON: &str = include_str!("../static/favicon.svg");
const RECEIPT_CSS: &str = include_str!("../static/receipt.css");
const POS_JS: &str = include_str!("../static/pos.js");
const SCREEN_CSS: &str = include_str!("../static/screen.css");

fn asset(ct: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// The page routes (everything but the API).
fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/masuk", get(signin::form).post(signin::submit))
        .route("/keluar", post(signin::sign_out))
        .route("/bahasa/{lang}", get(signin::set_language))
        .route("/pilih-koperasi", get(home::switcher).post(home::switch))
        .route("/akun", get(account::show))
        .route(
            "/akun/sandi",
            get(account::password_form).post(account::change_password),
        )
        .route("/akun/token", post(account::create_token))
        .route("/akun/token/{id}/cabut", post(account::revoke_token))
        .route("/wilayah", get(region::children))
        .route("/impor/templat-anggota.xlsx", get(import::template_xlsx))
        .route("/impor/templat-anggota.csv", get(import::template_csv))
        .route("/k/{kid}", get(coop::dashboard))
        .route("/k/{kid}/profil", get(coop::profile))
        .route(
            "/k/{kid}/profil/ubah",
            get(coop::edit_form).post(coop::update),
        )
        .route(
            "/k/{kid}/adart/ubah",
            get(coop::bylaws_form).post(coop::bylaws_update),
        )
        .route("/k/{kid}/anggota", get(members::list))
        .route(
            "/k/{kid}/anggota/baru",
            get(members::new_form).post(members::create),
        )
        .route("/k/{kid}/anggota/{mid}", get(members::detail))
        .route(
            "/k/{kid}/anggota/{mid}/ubah",
            get(members::edit_form).post(members::update),
        )
        .route("/k/{kid}/anggota/{mid}/status", post(members::set_status))
        .route("/k/{kid}/anggota/{mid}/akun", post(members::give_login))
        .route(
            "/k/{kid}/anggota-koperasi/tambah",
            get(coop::add_member_coop_form).post(coop::add_member_coop),
        )
        .route(
            "/k/{kid}/impor",
            get(import::upload_form).post(import::upload),
        )
        .route("/k/{kid}/impor/{iid}", get(import::show))
        .route("/k/{kid}/impor/{iid}/simpan", post(import::commit))
        .route("/k/{kid}/audit", get(audit::list))
        .route("/k/{kid}/kasir", get(cashier::find))
        .route(
            "/k/{kid}/kasir/{mid}",
            get(cashier::counter).post(cashier::take),
        )
        .route("/k/{kid}/kuitansi/{rid}", get(cashier::receipt))
        .route("/k/{kid}/anggota/{mid}/simpanan", get(books::passbook))
        .route("/k/{kid}/buku", get(books::accounts))
        .route("/k/{kid}/buku/neraca-saldo", get(books::trial_balance))
        .route("/k/{kid}/buku/akun/{aid}", get(books::ledger))
        .route("/k/{kid}/buku/jurnal", get(books::journal))
        // ROUTES-LEDGER (chart of accounts edits, manual entries, closing a year)
        .route("/k/{kid}/buku/akun/baru", post(books::add_account))
        .route("/k/{kid}/buku/akun/{aid}/ubah", post(books::update_account))
        .route(
            "/k/{kid}/buku/jurnal/baru",
            get(books::new_entry_form).post(books::create_entry),
        )
        .route("/k/{kid}/buku/jurnal/{id}/balik", post(books::reverse))
        .route("/k/{kid}/buku/lampiran/{id}", get(books::attachment))
        .route("/k/{kid}/buku/tutup-tahun", post(books::close_year))
        // ROUTES-SAVINGS (products, arrears, leaving settlement, cash closing)
        .route(
            "/k/{kid}/simpanan/produk",
            get(pages::savings::products).post(pages::savings::add_product),
        )
        .route("/k/{kid}/simpanan/tunggakan", get(pages::savings::arrears))
        .route(
            "/k/{kid}/kasir/tutup",
            get(pages::savings::closing).post(pages::savings::close),
        )
        .route(
            "/k/{kid}/anggota/{mid}/keluar",
            get(pages::savings::leaving).post(pages::savings::settle),
        )
        .route(
            "/k/{kid}/anggota/{mid}/keluar/cetak",
            get(pages::savings::statement),
        )
        .route(
            "/k/{kid}/anggota/{mid}/keluar/bayar",
            post(pages::savings::pay),
        )
        // ROUTES-EXPORT (passbook XLSX, opening balances import)
        .route(
            "/k/{kid}/anggota/{mid}/simpanan.xlsx",
            get(pages::export::passbook_xlsx),
        )
        .route(
            "/k/{kid}/buku/saldo-awal",
            get(pages::export::opening_form).post(pages::export::opening_upload),
        )
        .route(
            "/k/{kid}/buku/saldo-awal/templat.xlsx",
            get(pages::export::opening_template_xlsx),
        )
        .route(
            "/k/{kid}/buku/saldo-awal/templat.csv",
            get(pages::export::opening_template_csv),
        )
        .route(
            "/k/{kid}/buku/saldo-awal/{iid}",
            get(pages::export::opening_show),
        )
        .route(
            "/k/{kid}/buku/saldo-awal/{iid}/simpan",
            post(pages::export::opening_commit),
        )
        // ROUTES-PAYMENT (payment settings: static QRIS, bank accounts, MDR)
        .route("/k/{kid}/tagihan", get(pages::payment_request::list))
        .route(
            "/k/{kid}/tagihan/{rid}",
            get(pages::payment_request::detail),
        )
        .route(
            "/k/{kid}/tagihan/{rid}/layar",
            get(pages::payment_request::screen),
        )
        .route(
            "/k/{kid}/tagihan/{rid}/konfirmasi",
            post(pages::payment_request::confirm),
        )
        .route(
            "/k/{kid}/tagihan/{rid}/batal",
            post(pages::payment_request::cancel),
        )
        .route(
            "/k/{kid}/kasir/{mid}/tagihan",
            post(pages::payment_request::bill),
        )
        .route("/bayar/{token}", get(pages::payment_request::public))
        .route(
            "/k/{kid}/tagihan/{rid}/cek-gateway",
            post(pages::payment_request::check_gateway),
        )
        .route(
            "/k/{kid}/pembayaran/gateway",
            post(pages::payment::set_gateway),
        )
        .route(
            "/kait/midtrans/{kid}",
            post(crate::gateway_service::midtrans_notification),
        )
        .route(
            "/k/{kid}/pembayaran/mutasi",
            get(pages::statement::list).post(pages::statement::upload),
        )
        .route(
            "/k/{kid}/pembayaran/mutasi/{sid}",
            get(pages::statement::detail),
        )
        .route(
            "/k/{kid}/pembayaran/mutasi/{sid}/baris/{no}/cocokkan",
            post(pages::statement::accept),
        )
        .route(
            "/k/{kid}/pembayaran/mutasi/{sid}/baris/{no}/abaikan",
            post(pages::statement::ignore),
        )
        .route(
            "/k/{kid}/pembayaran/mutasi/{sid}/settlement",
            post(pages::statement::settle_statement),
        )
        .route(
            "/k/{kid}/pembayaran/settlement",
            get(pages::statement::settlements).post(pages::statement::settle),
        )
        .route("/k/{kid}/pembayaran", get(pages::payment::show))
        .route("/k/{kid}/pembayaran/qris", post(pages::payment::set_qris))
        .route(
            "/k/{kid}/pembayaran/rekening",
            post(pages::payment::add_account),
        )
        .route(
            "/k/{kid}/pembayaran/rekening/{bid}/utama",
            post(pages::payment::set_default),
        )
        .route(
            "/k/{kid}/pembayaran/rekening/{bid}/nonaktif",
            post(pages::payment::deactivate),
        )
        .route("/k/{kid}/pembayaran/mdr", post(pages::payment::set_mdr))
        .route("/admin", get(admin::index))
        .route(
            "/admin/koperasi/baru",
            get(admin::new_coop_form).post(admin::create_coop),
        )
        .route("/admin/pengguna", get(admin::users))
        .route(
            "/admin/pengguna/baru",
            get(admin::new_user_form).post(admin::create_user),
        )
        .route("/admin/pengguna/{uid}/peran", post(admin::grant))
        .route(
            "/admin/pengguna/{uid}/reset-sandi",
            post(admin::reset_password),
        )
        .route("/admin/pengguna/{uid}/nonaktif", post(admin::set_disabled))
        .route("/admin/peran/{gid}/cabut", post(admin::revoke))
        .route("/dinas", get(dinas::index))
        // ROUTES-MARKET (the public marketplace: browse, storefronts, product pages, photos)
        .route("/pasar", get(pages::market::browse))
        .route("/pasar/k/{slug}", get(pages::market::coop_storefront))
        .route("/pasar/toko/{slug}", get(pages::market::seller_storefront))
        .route("/pasar/merek/{slug}", get(pages::market::brand_page))
        .route("/pasar/p/{coop}/{slug}", get(pages::market::product))
        .route("/pasar/foto/{kid}/{fid}/{size}", get(pages::market::photo))
        // ROUTES-MARKET-ADMIN (market settings, sellers, products, curation)
        .route(
            "/k/{kid}/pasar",
            get(pages::market_admin::settings).post(pages::market_admin::save_settings),
        )
        .route(
            "/k/{kid}/pasar/merek",
            get(pages::market_brand::brands).post(pages::market_brand::create_brand),
        )
        .route(
            "/k/{kid}/pasar/tomiko",
            post(pages::market_admin::grant_tomiko),
        )
        .route(
            "/k/{kid}/pasar/tomiko/{bid}/cabut",
            post(pages::market_admin::revoke_tomiko),
        )
        .route(
            "/k/{kid}/pasar/penjual/baru",
            get(pages::market_admin::new_seller_form).post(pages::market_admin::create_seller),
        )
        .route(
            "/k/{kid}/pasar/penjual/{sid}",
            get(pages::market_admin::edit_seller_form).post(pages::market_admin::update_seller),
        )
        .route(
            "/k/{kid}/pasar/penjual/{sid}/aktif",
            post(pages::market_admin::set_seller_active),
        )
        .route(
            "/k/{kid}/pasar/penjual/{sid}/produk",
            get(pages::market_admin::products),
        )
        .route(
            "/k/{kid}/pasar/penjual/{sid}/produk/baru",
            get(pages::market_admin::new_product_form).post(pages::market_admin::create_product),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}",
            get(pages::market_admin::edit_product_form).post(pages::market_admin::update_product),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/foto",
            post(pages::market_admin::add_photos),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/dokumen",
            post(pages::market_admin::add_document),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/berkas/{fid}",
            get(pages::market_admin::file),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/berkas/{fid}/hapus",
            post(pages::market_admin::remove_file),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/ajukan",
            post(pages::market_admin::submit),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/arsipkan",
            post(pages::market_admin::archive),
        )
        .route(
            "/k/{kid}/pasar/produk/{pid}/stok",
            post(pages::market_admin::set_stock),
        )
        .route("/penjual", get(pages::market_admin::my_sellers))
        .route("/kurasi", get(pages::market_admin::queue))
        .route(
            "/kurasi/{kid}/{pid}",
            get(pages::market_admin::review).post(pages::market_admin::curate),
        )
        // ROUTES-MARKET-ORDER (cart, checkout, buyer's link, order desks, payouts, patronage)
        .route(
            "/pasar/keranjang",
            get(pages::market_order::cart).post(pages::market_order::cart_post),
        )
        .route(
            "/pasar/bayar",
            get(pages::market_order::checkout_form).post(pages::market_order::checkout_submit),
        )
        .route(
            "/pasar/pesanan/{token}",
            get(pages::market_order::buyer_page),
        )
        .route(
            "/pasar/pesanan/{token}/{kid}/{oid}",
            post(pages::market_order::buyer_action),
        )
        .route("/k/{kid}/tomiko", get(pages::market_tomiko::index))
        .route(
            "/k/{kid}/tomiko/katalog/{sid}",
            get(pages::market_tomiko::catalogue).post(pages::market_tomiko::place),
        )
        .route(
            "/k/{kid}/tomiko/po/{sid}/{pid}",
            get(pages::market_tomiko::buyer_po),
        )
        .route(
            "/k/{kid}/tomiko/po/{sid}/{pid}/aksi",
            post(pages::market_tomiko::buyer_action),
        )
        .route(
            "/k/{kid}/tomiko/po/{sid}/{pid}/terima",
            get(pages::market_tomiko::receive_form).post(pages::market_tomiko::receive),
        )
        .route("/k/{kid}/tomiko/masuk", get(pages::market_tomiko::desk))
        .route(
            "/k/{kid}/tomiko/masuk/{pid}",
            get(pages::market_tomiko::desk_po),
        )
        .route(
            "/k/{kid}/tomiko/masuk/{pid}/aksi",
            post(pages::market_tomiko::desk_action),
        )
        .route(
            "/k/{kid}/tomiko/faktur/{sid}/{pid}",
            get(pages::market_tomiko::invoice),
        )
        .route("/k/{kid}/pasar/pesanan", get(pages::market_order::desk))
        .route(
            "/k/{kid}/pasar/pesanan/{oid}",
            get(pages::market_order::desk_order).post(pages::market_order::desk_action),
        )
        .route("/penjual/pesanan", get(pages::market_order::seller_desk))
        .route(
            "/penjual/pesanan/{kid}/{oid}",
            get(pages::market_order::seller_order).post(pages::market_order::seller_action),
        )
        .route(
            "/k/{kid}/pasar/penjual/{sid}/pembayaran",
            get(pages::market_order::payouts).post(pages::market_order::pay_out),
        )
        .route(
            "/k/{kid}/pasar/jasa-anggota",
            get(pages::market_order::patronage),
        )
        // ROUTES-MARKET-DASH (seller and coop dashboards, XLSX exports of orders and sales)
        .route(
            "/penjual/dasbor/{kid}/{sid}",
            get(pages::market_dash::seller_dashboard),
        )
        .route(
            "/penjual/dasbor/{kid}/{sid}/pesanan.xlsx",
            get(pages::market_dash::seller_orders_xlsx),
        )
        .route(
            "/penjual/dasbor/{kid}/{sid}/penjualan.xlsx",
            get(pages::market_dash::seller_sales_xlsx),
        )
        .route(
            "/k/{kid}/pasar/dasbor",
            get(pages::market_dash::coop_dashboard),
        )
        .route(
            "/k/{kid}/pasar/dasbor/pesanan.xlsx",
            get(pages::market_dash::coop_orders_xlsx),
        )
        .route(
            "/k/{kid}/pasar/dasbor/penjualan.xlsx",
            get(pages::market_dash::coop_sales_xlsx),
        )
        // ROUTES-POS (the store counter, kasir toko)
        .route(
            "/k/{kid}/toko",
            get(pages::market_pos::counter).post(pages::market_pos::step),
        )
        .route("/k/{kid}/toko/hari-ini", get(pages::market_pos::today))
        .route("/k/{kid}/toko/{cid}", get(pages::market_pos::sale))
        .route(
            "/k/{kid}/toko/{cid}/konfirmasi",
            post(pages::market_pos::confirm),
        )
        .route("/k/{kid}/toko/{cid}/batal", post(pages::market_pos::cancel))
        // ROUTES-MARKET-OPERATOR (the /pasar operator and its fee, settlement between coops)
        .route(
            "/admin/operator-pasar",
            get(pages::market_operator::admin_form).post(pages::market_operator::admin_save),
        )
        .route(
            "/k/{kid}/pasar/operator",
            get(pages::market_operator::index),
        )
        .route(
            "/k/{kid}/pasar/operator/penyelesaian",
            post(pages::market_operator::settle),
        )
        .route(
            "/k/{kid}/pasar/operator/penyelesaian/{sid}",
            get(pages::market_operator::report),
        )
        .route(
            "/k/{kid}/pasar/operator/penyelesaian/{sid}/laporan.xlsx",
            get(pages::market_operator::report_xlsx),
        )
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api::router();
    let doc = Arc::new(doc);
    let max_body = state.cfg.max_upload_bytes;
    let csrf_rejected = |_e: tower_http::csrf::ProtectionError| {
        WebError::Forbidden(Msg::new(
            "Permintaan ini datang dari situs lain dan ditolak. Buka Guyub langsung lalu coba lagi.",
            "This request came from another site and was refused. Open Guyub directly and try again.",
        ))
        .into_response()
    };
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(page_routes())
        .merge(api)
        .route("/api/openapi.json", get(move || api::openapi_json(doc.clone())))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", CSS) }))
        .route("/static/app.js", get(|| async { asset("text/javascript; charset=utf-8", JS) }))
        .route("/static/favicon.svg", get(|| async { asset("image/svg+xml", FAVICON) }))
        .route("/static/receipt.css", get(|| async { asset("text/css; charset=utf-8", RECEIPT_CSS) }))
        .route("/static/pos.js", get(|| async { asset("text/javascript; charset=utf-8", POS_JS) }))
        .route("/static/screen.css", get(|| async { asset("text/css; charset=utf-8", SCREEN_CSS) }))
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CsrfLayer::new().with_rejection_response(csrf_rejected))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::render_errors))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}
