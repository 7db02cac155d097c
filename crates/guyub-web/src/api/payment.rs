//! API: a coop's payment settings (static QRIS, bank accounts, MDR). The same rules, the same
//! store call and the same errors as the payment settings page.

use axum::Json;
use axum::extract::{Path, State};
use guyub_core::FieldError;
use guyub_core::ids::BankAccountId;
use guyub_core::payment::settings::{
    BankAccountInput, check_mdr_bp, static_qris, validate_bank_account,
};
use guyub_store::payment::{MdrRate, PaymentChange, PaymentSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::members::JsonBody;
use crate::auth::{Caller, Need, coop_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::pages::payment::effective_date;
use crate::state::AppState;

/// The stored static QRIS and what it decodes to.
#[derive(Serialize, ToSchema)]
pub struct QrisOut {
    /// The canonical payload (trimmed, CRC in upper case).
    pub payload: String,
    pub merchant_name: String,
    pub nmid: Option<String>,
    pub city: String,
    /// The acquirer (PJSP) by name, or its GUI.
    pub acquirer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BankAccountOut {
    pub id: String,
    pub bank_name: String,
    /// Digits only.
    pub account_number: String,
    pub holder_name: String,
    pub is_default: bool,
    pub active: bool,
}

/// One MDR rate, in force from `effective_on` until the next one.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MdrBody {
    /// YYYY-MM-DD.
    pub effective_on: String,
    /// Basis points: 70 = 0.7 %. At most 1000 (10 %).
    pub rate_bp: u32,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentSettingsOut {
    pub qris: Option<QrisOut>,
    pub bank_accounts: Vec<BankAccountOut>,
    /// Every rate, newest first.
    pub mdr: Vec<MdrBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct BankAccountIn {
    pub bank_name: String,
    pub account_number: String,
    pub holder_name: String,
}

/// A change to the payment settings; every part is optional and the whole is applied in one
/// transaction (all or nothing).
#[derive(Deserialize, ToSchema, Default)]
pub struct PaymentSettingsIn {
    /// A static QRIS payload to store (replaces the current one).
    #[serde(default)]
    pub qris: Option<String>,
    /// Accounts to add (the first becomes the default when there is none).
    #[serde(default)]
    pub add_bank_accounts: Vec<BankAccountIn>,
    /// The id of the account to make the default.
    #[serde(default)]
    pub default_bank_account: Option<String>,
    /// Ids of accounts to deactivate (accounts are never deleted).
    #[serde(default)]
    pub deactivate_bank_accounts: Vec<String>,
    /// A rate from a date on (a second rate for the same date corrects it).
    #[serde(default)]
    pub mdr: Option<MdrBody>,
}

fn out(s: PaymentSettings) -> PaymentSettingsOut {
    PaymentSettingsOut {
        qris: s.qris.map(|q| QrisOut {
            payload: q.payload,
            merchant_name: q.merchant_name,
            nmid: q.nmid,
            city: q.city,
            acquirer: q.acquirer,
        }),
        bank_accounts: s
            .accounts
            .into_iter()
            .map(|a| BankAccountOut {
                id: a.id.to_string(),
                bank_name: a.bank_name,
                account_number: a.account_number,
                holder_name: a.holder_name,
                is_default: a.is_default,
                active: a.active,
            })
            .collect(),
        mdr: s
            .mdr
            .into_iter()
            .map(|r| MdrBody {
                effective_on: r.effective_on.to_string(),
                rate_bp: r.rate.0,
            })
            .collect(),
    }
}

fn account_id(field: &str, raw: &str) -> Result<BankAccountId, FieldError> {
    BankAccountId::parse(raw).ok_or_else(|| {
        FieldError::new(
            field,
            guyub_core::Msg::new(
                format!("Id rekening tidak dikenal: {raw}"),
                format!("Unknown bank account id: {raw}"),
            ),
        )
    })
}

/// Checks every part of the body; all problems at once.
fn parse(b: &PaymentSettingsIn) -> Result<PaymentChange, Vec<FieldError>> {
    let mut errors = vec![];
    let mut change = PaymentChange::default();
    if let Some(text) = &b.qris {
        match static_qris(text) {
            Ok(q) => change.qris = Some(q),
            Err(m) => errors.push(FieldError::new("qris", m)),
        }
    }
    for a in &b.add_bank_accounts {
        match validate_bank_account(&BankAccountInput {
            bank_name: a.bank_name.clone(),
            account_number: a.account_number.clone(),
            holder_name: a.holder_name.clone(),
        }) {
            Ok(v) => change.add_accounts.push(v),
            Err(e) => errors.extend(e),
        }
    }
    if let Some(raw) = &b.default_bank_account {
        match account_id("default_bank_account", raw) {
            Ok(id) => change.default_account = Some(id),
            Err(e) => errors.push(e),
        }
    }
    for raw in &b.deactivate_bank_accounts {
        match account_id("deactivate_bank_accounts", raw) {
            Ok(id) => change.deactivate.push(id),
            Err(e) => errors.push(e),
        }
    }
    if let Some(m) = &b.mdr {
        let date = effective_date(&m.effective_on).and_then(|d| {
            d.ok_or_else(|| {
                FieldError::new(
                    "effective_on",
                    guyub_core::Msg::new(
                        "Tanggal berlaku wajib diisi (contoh: 2025-01-01).",
                        "The effective date is required (example: 2025-01-01).",
                    ),
                )
            })
        });
        match (date, check_mdr_bp(m.rate_bp)) {
            (Ok(effective_on), Ok(rate)) => change.mdr = Some(MdrRate { effective_on, rate }),
            (d, r) => errors.extend(d.err().into_iter().chain(r.err())),
        }
    }
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(errors)
    }
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/payment-settings", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = PaymentSettingsOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_payment_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<PaymentSettingsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    Ok(Json(out(state
        .store
        .tenant(coop.id)
        .payment_settings()
        .await?)))
}

#[utoipa::path(put, path = "/api/v1/coops/{coop_id}/payment-settings", tag = "payment",
    request_body = PaymentSettingsIn,
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = PaymentSettingsOut), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn put_payment_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: JsonBody<PaymentSettingsIn>,
) -> WebResult<Json<PaymentSettingsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    let change = parse(&body.0).map_err(WebError::Invalid)?;
    let t = state.store.tenant(coop.id);
    t.update_payment_settings(&caller.actor(), &change).await?;
    Ok(Json(out(t.payment_settings().await?)))
}
