//! A coop's payment gateway (Midtrans): its settings, and what a genuine gateway update does
//! to a payment request.
//!
//! Invariants:
//! - the server key is a secret: stored, never read back to a page or the API (only whether
//!   one is set and its last four characters);
//! - an update is applied at most once: the request moves by a conditional update and a
//!   repeated notification finds nothing to move ([`reconcile`] says `AlreadyRecorded`);
//! - an update for an order this coop does not have, or of another amount, writes nothing.

use guyub_core::Msg;
use guyub_core::ids::{KoperasiId, ReceiptId};
use guyub_core::payment::gateway::{
    ChargeRecord, GatewayError, GatewayStatus, GatewayUpdate, Outcome, reconcile,
};
use guyub_core::payment::request::{ConfirmedVia, RequestState};
use guyub_core::savings::PayMethod;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::request::{Confirmation, ToConfirm, confirm_many, request_tx};
use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// The gateways Guyub speaks to.
pub const MIDTRANS: &str = "midtrans";

/// A coop's gateway settings as stored.
#[derive(Clone, Serialize, sqlx::FromRow)]
pub struct GatewaySettings {
    pub provider: String,
    #[serde(skip)]
    pub server_key: String,
    pub environment: String,
    /// Only set to point at a stand-in server (tests); `None` uses the environment's URL.
    pub base_url: Option<String>,
    pub acquirer: String,
    pub active: bool,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("provider", &self.provider)
            .field("server_key", &"<hidden>")
            .field("environment", &self.environment)
            .field("acquirer", &self.acquirer)
            .field("active", &self.active)
            .finish()
    }
}

impl GatewaySettings {
    /// The last four characters of the key, for people to recognise it.
    pub fn key_hint(&self) -> String {
        let n = self.server_key.chars().count();
        let tail: String = self.server_key.chars().skip(n.saturating_sub(4)).collect();
        format!("…{tail}")
    }
}

/// A change of the gateway settings. An empty `server_key` keeps the stored one.
#[derive(Debug, Clone)]
pub struct GatewayInput {
    pub server_key: Option<String>,
    pub environment: String,
    pub base_url: Option<String>,
    pub acquirer: String,
    pub active: bool,
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Applied {
    /// The request is now paid and posted.
    Paid(ReceiptId),
    /// The gateway cancelled, expired or refused it: the request is cancelled.
    Closed,
    /// The same status was already recorded (a repeated notification).
    AlreadyRecorded,
    /// Out of order, or a change only people can handle (a refund): kept for review.
    Ignored,
}

impl Applied {
    fn outcome(self) -> &'static str {
        match self {
            Applied::Paid(_) => "dibayar",
            Applied::Closed => "ditutup",
            Applied::AlreadyRecorded => "sudah_dicatat",
            Applied::Ignored => "perlu_tinjau",
        }
    }
}

fn gateway_refusal(e: GatewayError) -> StoreError {
    match e {
        GatewayError::UnknownOrder { .. } => StoreError::NotFound,
        e => StoreError::Conflict(e.msg()),
    }
}

/// Our record of a request as the gateway sees it.
fn status_of(state: RequestState) -> GatewayStatus {
    match state {
        RequestState::Open | RequestState::Expired => GatewayStatus::Pending,
        RequestState::Paid => GatewayStatus::Paid,
        RequestState::Cancelled => GatewayStatus::Cancelled,
    }
}

async fn record_event(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    u: &GatewayUpdate,
    outcome: &str,
    body: &str,
) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO payment_gateway_event (koperasi_id, id, order_id, status, outcome, body, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(k.0).bind(Uuid::now_v7()).bind(u.order_id.clone()).bind(u.status.code()).bind(outcome)
        .bind(body.chars().take(8_000).collect::<String>()).bind(now())
        .execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}

impl Tenant<'_> {
    /// The coop's gateway settings, if any were saved.
    pub async fn gateway_settings(&self) -> StoreResult<Option<GatewaySettings>> {
        let row: Option<GatewaySettings> = on_db!(self.db, p => sqlx::query_as(
            "SELECT provider, server_key, environment, base_url, acquirer, active, updated_at
             FROM payment_gateway WHERE koperasi_id = $1")
            .bind(self.koperasi_id.0).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Saves the gateway settings (audited without the key itself). Turning it on needs a key.
    pub async fn set_gateway(&self, actor: &Actor, g: &GatewayInput) -> StoreResult<()> {
        let k = self.koperasi_id;
        let before = self.gateway_settings().await?;
        let key = g
            .server_key
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| before.as_ref().map(|b| b.server_key.clone()))
            .unwrap_or_default();
        if g.active && key.is_empty() {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "server_key",
                Msg::new(
                    "Isi server key dari dasbor Midtrans untuk menyalakan gateway.",
                    "Enter the server key from the Midtrans dashboard to turn the gateway on.",
                ),
            )]));
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO payment_gateway (koperasi_id, provider, server_key, environment, base_url, acquirer, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (koperasi_id) DO UPDATE SET provider = excluded.provider, server_key = excluded.server_key,
                environment = excluded.environment, base_url = excluded.base_url, acquirer = excluded.acquirer,
                active = excluded.active, updated_at = excluded.updated_at")
            .bind(k.0).bind(MIDTRANS).bind(key.clone()).bind(g.environment.clone()).bind(g.base_url.clone())
            .bind(g.acquirer.clone()).bind(g.active).bind(t)
            .execute(&mut **c).await.map(|_| ()))?;
        let key_changed = before.as_ref().map(|b| b.server_key != key).unwrap_or(true);
        audit::record(
            &mut tx,
            k,
            actor,
            "payment_gateway",
            MIDTRANS,
            if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            &diff([
                (
                    "environment",
                    before.as_ref().map(|b| b.environment.clone()),
                    Some(g.environment.clone()),
                ),
                (
                    "acquirer",
                    before.as_ref().map(|b| b.acquirer.clone()),
                    Some(g.acquirer.clone()),
                ),
                (
                    "active",
                    before.as_ref().map(|b| b.active.to_string()),
                    Some(g.active.to_string()),
                ),
                (
                    "server_key",
                    None,
                    key_changed.then(|| "diganti / changed".to_string()),
                ),
            ]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Applies a genuine gateway update (a verified notification, or the answer to our own
    /// status poll) to the request whose code is its order id. `date` is the coop's local
    /// date, the day a payment is booked on.
    pub async fn apply_gateway_update(
        &self,
        actor: &Actor,
        u: &GatewayUpdate,
        body: &str,
        date: Date,
    ) -> StoreResult<Applied> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let id: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM payment_request WHERE koperasi_id = $1 AND ref_code = $2")
            .bind(k.0).bind(u.order_id.clone()).fetch_optional(&mut **c).await)?;
        let request = match id {
            Some(id) => Some(request_tx(&mut tx, k, guyub_core::ids::PaymentRequestId(id)).await?),
            None => None,
        };
        let record = request.as_ref().map(|r| ChargeRecord {
            order_id: r.ref_code.clone(),
            amount: guyub_core::money::Rupiah(r.total),
            status: status_of(r.state),
        });
        let outcome = reconcile(record.as_ref(), u).map_err(gateway_refusal)?;
        let Some(request) = request else {
            return Err(StoreError::NotFound);
        };
        let applied = match outcome {
            Outcome::AlreadyRecorded => Applied::AlreadyRecorded,
            Outcome::Ignored { .. } => Applied::Ignored,
            Outcome::Record {
                to: GatewayStatus::Paid,
                ..
            } => {
                let item = ToConfirm {
                    request,
                    c: Confirmation {
                        method: PayMethod::Qris,
                        reference: u.transaction_id.chars().take(64).collect(),
                        via: ConfirmedVia::Gateway,
                        date,
                    },
                };
                let receipt = confirm_many(&mut tx, k, actor, std::slice::from_ref(&item))
                    .await?
                    .pop()
                    .unwrap_or_else(|| Err(StoreError::corrupt("no answer")))?;
                Applied::Paid(receipt)
            }
            Outcome::Record {
                to: GatewayStatus::Refunded,
                ..
            } => Applied::Ignored,
            Outcome::Record { to, .. } => {
                let reason = format!("Gateway: {}", to.msg().id);
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE payment_request SET state = 'dibatalkan', cancelled_at = $3, cancel_reason = $4
                     WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
                    .bind(k.0).bind(request.id.0).bind(now()).bind(reason)
                    .execute(&mut **c).await.map(|_| ()))?;
                Applied::Closed
            }
        };
        record_event(&mut tx, k, u, applied.outcome(), body).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(applied)
    }
}

impl crate::Store {
    /// Open requests issued by an active gateway, of every coop, oldest first, with the
    /// coop's time zone: what the status poll asks the gateway about. Requests past their
    /// expiry by more than an hour are left to the gateway's own expiry notification.
    pub async fn open_gateway_orders(
        &self,
        limit: i64,
    ) -> StoreResult<Vec<(KoperasiId, String, guyub_core::coop::CoopTimeZone)>> {
        let rows: Vec<(Uuid, String, String)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT r.koperasi_id, r.ref_code, k.timezone FROM payment_request r
             JOIN payment_gateway g ON g.koperasi_id = r.koperasi_id AND g.active
             JOIN koperasi k ON k.id = r.koperasi_id
             WHERE r.state = 'menunggu' AND r.gateway IS NOT NULL AND r.expires_at > $1
             ORDER BY r.created_at LIMIT $2")
            .bind(now() - time::Duration::hours(1)).bind(limit).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(k, r, tz)| {
                let tz = guyub_core::coop::CoopTimeZone::parse(&tz)
                    .ok_or_else(|| StoreError::corrupt(format!("time zone {tz}")))?;
                Ok((KoperasiId(k), r, tz))
            })
            .collect()
    }
}
