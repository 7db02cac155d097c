//! The payment gateway put to work: a true dynamic QRIS for a new request, the gateway's HTTP
//! notification, and the status poll that stands in when a notification never comes.
//!
//! Every update goes through one path: verified (a signature checked with the key of the coop
//! named in the URL, or an answer to our own authenticated request), then reconciled and
//! applied by the store at most once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guyub_core::ids::KoperasiId;
use guyub_core::money::Rupiah;
use guyub_core::payment::gateway::GatewayError;
use guyub_core::payment::gateway::midtrans::{
    self, Notification, PRODUCTION_BASE_URL, SANDBOX_BASE_URL,
};
use guyub_store::payment::gateway::{Applied, GatewaySettings};
use guyub_store::payment::request::PaymentRequest;
use guyub_store::{Actor, StoreError};
use serde_json::json;

use crate::gateway::{MidtransClient, MidtransConfig};
use crate::state::AppState;

/// Who the audit log says applied a gateway update.
fn gateway_actor() -> Actor {
    Actor::system("Gateway Midtrans")
}

/// The base URL a coop's settings point at.
pub fn base_url(g: &GatewaySettings) -> &str {
    match (&g.base_url, g.environment.as_str()) {
        (Some(u), _) => u,
        (None, "production") => PRODUCTION_BASE_URL,
        (None, _) => SANDBOX_BASE_URL,
    }
}

/// The URL the gateway should send `kid`'s notifications to, when the server knows its own
/// public address.
pub fn notification_url(state: &AppState, kid: KoperasiId) -> Option<String> {
    state
        .cfg
        .public_url
        .as_deref()
        .map(|u| format!("{}/kait/midtrans/{kid}", u.trim_end_matches('/')))
}

/// The client for a coop, if its gateway is on.
fn client(
    state: &AppState,
    kid: KoperasiId,
    g: &GatewaySettings,
) -> Result<Option<MidtransClient>, GatewayError> {
    if !g.active {
        return Ok(None);
    }
    let Some(mut cfg) = MidtransConfig::from_key(Some(&g.server_key), base_url(g), &g.acquirer)
    else {
        return Ok(None);
    };
    if let Some(u) = notification_url(state, kid) {
        cfg = cfg.with_notification_url(u);
    }
    MidtransClient::new(cfg).map(Some)
}

/// Asks the coop's gateway (if on) for a true dynamic QRIS for a new request, and keeps it on
/// the request. `Ok(false)`: no gateway; the request keeps its converted QRIS.
pub async fn charge(state: &AppState, r: &PaymentRequest) -> Result<bool, GatewayError> {
    let tenant = state.store.tenant(r.koperasi_id);
    let g = tenant.gateway_settings().await.map_err(network)?;
    let Some(g) = g else { return Ok(false) };
    let Some(c) = client(state, r.koperasi_id, &g)? else {
        return Ok(false);
    };
    let minutes = (r.expires_at - r.created_at)
        .whole_minutes()
        .clamp(1, 7 * 24 * 60);
    let answer = c
        .charge_qris(
            &r.ref_code,
            Rupiah(r.total),
            u32::try_from(minutes).unwrap_or(60),
        )
        .await?;
    tenant
        .set_request_gateway(
            r.id,
            guyub_store::payment::gateway::MIDTRANS,
            &answer.transaction_id,
            &answer.qr_string,
        )
        .await
        .map_err(network)?;
    Ok(true)
}

fn network(e: StoreError) -> GatewayError {
    GatewayError::Network {
        detail: e.to_string(),
    }
}

/// Polls the gateway for one request and applies what it says.
pub async fn poll(
    state: &AppState,
    kid: KoperasiId,
    order_id: &str,
    date: time::Date,
) -> Result<Applied, PollError> {
    let tenant = state.store.tenant(kid);
    let g = tenant.gateway_settings().await?.ok_or(PollError::Off)?;
    let c = client(state, kid, &g)?.ok_or(PollError::Off)?;
    let n = c.status(order_id).await?;
    let update = n.update_from_status_poll()?;
    let body = serde_json::to_string(&n).unwrap_or_default();
    Ok(tenant
        .apply_gateway_update(&gateway_actor(), &update, &body, date)
        .await?)
}

/// Why a poll did nothing.
#[derive(Debug)]
pub enum PollError {
    Off,
    Gateway(GatewayError),
    Store(StoreError),
}

impl From<GatewayError> for PollError {
    fn from(e: GatewayError) -> Self {
        PollError::Gateway(e)
    }
}

impl From<StoreError> for PollError {
    fn from(e: StoreError) -> Self {
        PollError::Store(e)
    }
}

/// Polls every open gateway request of every coop whose gateway is on (the fallback for a
/// notification that never came). Returns how many changed. Errors are logged, not fatal: the
/// next round tries again.
pub async fn poll_all(state: &AppState) -> usize {
    let orders = match state.store.open_gateway_orders(200).await {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "gateway poll: listing open orders failed");
            return 0;
        }
    };
    let mut changed = 0;
    for (kid, order, tz) in orders {
        let today = time::OffsetDateTime::now_utc()
            .to_offset(tz.offset())
            .date();
        match poll(state, kid, &order, today).await {
            Ok(Applied::Paid(_) | Applied::Closed) => changed += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(koperasi = %kid, order = %order, error = ?e, "gateway poll failed")
            }
        }
    }
    changed
}

fn refuse(status: StatusCode, e: &GatewayError) -> Response {
    let m = e.msg();
    (
        status,
        Json(json!({"error": {"message": m.id, "message_en": m.en}})),
    )
        .into_response()
}

/// The gateway's HTTP notification for coop `kid`. Verified with that coop's key; a forged
/// one (401), one for an order the coop does not have (404) or of another amount (409) writes
/// nothing. A repeated one answers 200 and writes nothing new.
pub async fn midtrans_notification(
    State(state): State<AppState>,
    Path(kid): Path<String>,
    body: Bytes,
) -> Response {
    let Some(kid) = KoperasiId::parse(&kid) else {
        return refuse(StatusCode::NOT_FOUND, &GatewayError::NotConfigured);
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    let tenant = state.store.tenant(kid);
    let settings = match tenant.gateway_settings().await {
        Ok(Some(g)) if g.active => g,
        Ok(_) | Err(StoreError::NotFound) => {
            return refuse(StatusCode::NOT_FOUND, &GatewayError::NotConfigured);
        }
        Err(e) => {
            tracing::error!(error = %e, "gateway notification: settings");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let update = Notification::from_json(&text)
        .and_then(|n| midtrans::verified_update(&n, &settings.server_key));
    let update = match update {
        Ok(u) => u,
        Err(e @ GatewayError::InvalidSignature) => {
            tracing::warn!(koperasi = %kid, "gateway notification with a bad signature refused");
            return refuse(StatusCode::UNAUTHORIZED, &e);
        }
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e),
    };
    let tz = match state.store.koperasi(kid).await {
        Ok(c) => c.timezone(),
        Err(_) => return refuse(StatusCode::NOT_FOUND, &GatewayError::NotConfigured),
    };
    let today = time::OffsetDateTime::now_utc()
        .to_offset(tz.offset())
        .date();
    match tenant
        .apply_gateway_update(&gateway_actor(), &update, &text, today)
        .await
    {
        Ok(applied) => (
            StatusCode::OK,
            Json(json!({"ok": true, "applied": applied})),
        )
            .into_response(),
        Err(StoreError::NotFound) => refuse(
            StatusCode::NOT_FOUND,
            &GatewayError::UnknownOrder {
                order_id: update.order_id,
            },
        ),
        Err(StoreError::Conflict(m)) => (
            StatusCode::CONFLICT,
            Json(json!({"error": {"message": m.id, "message_en": m.en}})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "gateway notification: apply");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
