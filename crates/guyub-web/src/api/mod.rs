//! The JSON API, v1. The same rules, the same store calls and the same errors as the pages;
//! programs authenticate with a personal API token (`Authorization: Bearer guyub_…`).
//! The OpenAPI 3.1 document is generated from these handlers' annotations.

pub mod books;
pub mod coops;
pub mod market;
pub mod market_tomiko;
pub mod members;
pub mod payment;
pub mod payment_requests;

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Guyub API", version = "1", description = "Koperasi: anggota, AD/ART, impor dan jejak audit. Cooperatives: members, bylaws, imports and the audit log."),
    modifiers(&BearerAuth),
    security(("token" = [])),
    components(schemas(crate::error::ApiErrorBody, crate::error::ApiError, crate::error::ApiFieldError)),
    tags(
        (name = "pasar", description = "Pasar: mencari produk terkurasi, produk dan pesanan koperasi, dasbor, jasa anggota. The marketplace: search curated products, a coop's products and orders, dashboard, patronage."),
        (name = "tomiko", description = "Tomiko: katalog grosir dan pesanan pembelian antarkoperasi. Wholesale catalogue and purchase orders between coops.")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token API pribadi / personal API token (guyub_…)"))
                    .build(),
            ),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(coops::list_coops))
        .routes(routes!(coops::get_coop, coops::update_coop))
        .routes(routes!(coops::get_bylaws, coops::set_bylaws))
        .routes(routes!(members::list_members, members::create_member))
        .routes(routes!(members::get_member, members::update_member))
        .routes(routes!(members::set_member_status))
        .routes(routes!(members::preview_import))
        .routes(routes!(members::get_import))
        .routes(routes!(members::commit_import))
        .routes(routes!(members::audit_log))
        // API-BOOKS
        .routes(routes!(books::list_accounts))
        .routes(routes!(books::list_journal))
        .routes(routes!(books::get_entry))
        .routes(routes!(books::trial_balance))
        .routes(routes!(books::list_products))
        .routes(routes!(books::member_balances))
        .routes(routes!(books::passbook))
        .routes(routes!(books::post_savings_transaction))
        .routes(routes!(books::get_receipt))
        // API-PAYMENT
        .routes(routes!(
            payment::get_payment_settings,
            payment::put_payment_settings
        ))
        .routes(routes!(
            payment_requests::list_requests,
            payment_requests::create_request
        ))
        .routes(routes!(payment_requests::get_request))
        .routes(routes!(payment_requests::confirm_request))
        .routes(routes!(payment_requests::cancel_request))
        .routes(routes!(
            payment_requests::list_statements,
            payment_requests::import_statement
        ))
        .routes(routes!(payment_requests::get_statement))
        .routes(routes!(payment_requests::match_line))
        .routes(routes!(payment_requests::ignore_line))
        .routes(routes!(payment_requests::settle_statement))
        .routes(routes!(
            payment_requests::list_settlements,
            payment_requests::post_settlement
        ))
        // API-MARKET
        .routes(routes!(market::search))
        .routes(routes!(market::public_product))
        .routes(routes!(market::list_products, market::create_product))
        .routes(routes!(market::get_product))
        .routes(routes!(market::patch_variant))
        .routes(routes!(market::list_orders))
        .routes(routes!(market::get_order))
        .routes(routes!(market::act_on_order))
        .routes(routes!(market::dashboard))
        .routes(routes!(market::member_patronage))
        .routes(routes!(market_tomiko::sellers))
        .routes(routes!(market_tomiko::catalogue))
        .routes(routes!(market_tomiko::list_pos, market_tomiko::place_po))
        .routes(routes!(market_tomiko::get_po))
        .routes(routes!(market_tomiko::act_on_po))
        .split_for_parts()
}

/// `GET /api/openapi.json`.
pub async fn openapi_json(doc: std::sync::Arc<utoipa::openapi::OpenApi>) -> Response {
    Json(doc.as_ref().clone()).into_response()
}
