//! A coop's payment settings page: the static QRIS (pasted, or read from a photo or screenshot
//! of the sticker), bank accounts for transfers, and the MDR with its effective date.
//!
//! The board (pengurus, admin) changes them (`Need::WriteCoop`); those who read the books
//! (pengawas too) see them. Every form carries the CSRF token and ends in a redirect.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::BankAccountId;
use guyub_core::member::parse_date;
use guyub_core::payment::qr;
use guyub_core::payment::settings::{
    BankAccountInput, static_qris, validate_bank_account, validate_mdr,
};
use guyub_core::{FieldError, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::payment::gateway::{GatewayInput, GatewaySettings};
use guyub_store::payment::{MdrRate, PaymentChange, PaymentSettings};
use serde::Deserialize;

use super::members::{OkQuery, today_in};
use super::{Form, Page, render, render_status, too_large};
use crate::auth::{Access, Caller, Need, coop_access};
use crate::error::{WebError, WebResult, field_messages};
use crate::state::AppState;

/// The stored QRIS as the page shows it, with its QR code.
pub struct QrisView {
    pub merchant_name: String,
    pub nmid: String,
    pub city: String,
    pub acquirer: String,
    pub payload: String,
    pub svg: String,
}

pub struct AccountView {
    pub id: String,
    pub bank_name: String,
    pub account_number: String,
    pub holder_name: String,
    pub is_default: bool,
    pub active: bool,
}

pub struct MdrView {
    pub effective_on: String,
    pub rate: String,
    pub in_force: bool,
}

/// What a form sent back shows again, with its errors.
#[derive(Default)]
pub struct Again {
    pub qris_text: String,
    pub qris_error: Option<String>,
    pub account: AccountFields,
    pub mdr: MdrFields,
    pub errors: BTreeMap<String, String>,
}

/// The gateway as the page shows it: never the key, only its last characters.
pub struct GatewayView {
    pub active: bool,
    pub environment: String,
    pub acquirer: String,
    pub key_hint: String,
    pub notify_url: String,
}

#[derive(Template)]
#[template(path = "payment/settings.html")]
struct SettingsPage {
    p: Page,
    kid: String,
    gateway: Option<GatewayView>,
    notify_url: String,
    can_write: bool,
    qris: Option<QrisView>,
    accounts: Vec<AccountView>,
    mdr: Vec<MdrView>,
    today: String,
    again: Again,
}

fn page(
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    s: PaymentSettings,
    again: Again,
    ok: Option<&str>,
) -> SettingsPage {
    let lang = caller.lang;
    let kid = coop.id.to_string();
    let today = today_in(coop);
    let in_force = s.mdr.iter().find(|r| r.effective_on <= today).copied();
    SettingsPage {
        p: Page::new(caller, "pay-title")
            .in_coop(coop, access, "profile")
            .at(&format!("/k/{kid}/pembayaran"))
            .flash(ok),
        can_write: access.allows(Need::WriteCoop),
        qris: s.qris.map(|q| QrisView {
            svg: qr::svg(&q.payload, 4, &format!("QRIS {}", q.merchant_name)).unwrap_or_default(),
            merchant_name: q.merchant_name,
            nmid: q.nmid.unwrap_or_else(|| "-".into()),
            city: q.city,
            acquirer: q.acquirer.unwrap_or_else(|| "-".into()),
            payload: q.payload,
        }),
        accounts: s
            .accounts
            .into_iter()
            .map(|a| AccountView {
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
            .iter()
            .map(|r| MdrView {
                effective_on: fmt_id::tanggal(r.effective_on, lang),
                rate: r.rate.to_string(),
                in_force: Some(*r) == in_force,
            })
            .collect(),
        today: today.to_string(),
        gateway: None,
        notify_url: format!("/kait/midtrans/{kid}"),
        kid,
        again,
    }
}

/// Adds the gateway part of the page.
fn with_gateway(
    mut page: SettingsPage,
    state: &AppState,
    coop: &Koperasi,
    g: Option<GatewaySettings>,
) -> SettingsPage {
    let url = crate::gateway_service::notification_url(state, coop.id)
        .unwrap_or_else(|| format!("/kait/midtrans/{}", coop.id));
    page.gateway = g.map(|g| GatewayView {
        active: g.active,
        environment: g.environment.clone(),
        acquirer: g.acquirer.clone(),
        key_hint: g.key_hint(),
        notify_url: url.clone(),
    });
    page.notify_url = url;
    page
}

/// Shows the page again with what was sent and why it was refused (nothing was saved).
async fn refused(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    status: StatusCode,
    again: Again,
) -> WebResult<Response> {
    let tenant = state.store.tenant(coop.id);
    let s = tenant.payment_settings().await?;
    let g = tenant.gateway_settings().await?;
    let page = with_gateway(page(caller, coop, access, s, again, None), state, coop, g);
    Ok(render_status(status, &page))
}

fn done(kid: &str, ok: &str) -> Response {
    Redirect::to(&format!("/k/{kid}/pembayaran?ok={ok}")).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let tenant = state.store.tenant(coop.id);
    let s = tenant.payment_settings().await?;
    let g = tenant.gateway_settings().await?;
    let p = page(
        &caller,
        &coop,
        &access,
        s,
        Again::default(),
        oq.ok.as_deref(),
    );
    Ok(render(&with_gateway(p, &state, &coop, g)))
}

/// The QRIS form: the CSRF token, the pasted text, and an optional image of the sticker.
async fn read_qris_form(mut mp: Multipart) -> Result<(String, String, Vec<u8>), WebError> {
    let (mut csrf, mut text, mut image) = (String::new(), String::new(), Vec::new());
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => {
                return Err(WebError::BadRequest(Msg::new(
                    format!("Unggahan tidak dapat dibaca: {e}"),
                    format!("The upload cannot be read: {e}"),
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::BadRequest(Msg::new(
                    "Unggahan terputus; coba lagi.",
                    "The upload was cut off; try again.",
                ))
            }
        })?;
        match name.as_str() {
            "_csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "payload" => text = String::from_utf8_lossy(&bytes).into_owned(),
            "image" => image = bytes.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, text, image))
}

/// Saves the static QRIS: from the image when one was chosen, else from the pasted text.
pub async fn set_qris(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    mp: Multipart,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    let (csrf, text, image) = read_qris_form(mp).await?;
    caller.check_csrf(&csrf)?;
    let read = if image.is_empty() {
        Ok(text.clone())
    } else {
        crate::qr_image::read_qr(&image)
    };
    let q = match read.and_then(|t| static_qris(&t)) {
        Ok(q) => q,
        Err(m) => {
            let again = Again {
                qris_text: text,
                qris_error: Some(m.get(caller.lang).to_string()),
                ..Default::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &caller, &coop, &access, status, again).await;
        }
    };
    let ok = if q.warnings().is_empty() {
        "qris-saved"
    } else {
        "qris-saved-fixed"
    };
    let change = PaymentChange {
        qris: Some(q),
        ..Default::default()
    };
    state
        .store
        .tenant(coop.id)
        .update_payment_settings(&caller.actor(), &change)
        .await?;
    Ok(done(&kid, ok))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub bank_name: String,
    #[serde(default)]
    pub account_number: String,
    #[serde(default)]
    pub holder_name: String,
}

pub async fn add_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<AccountFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    let input = BankAccountInput {
        bank_name: f.bank_name.clone(),
        account_number: f.account_number.clone(),
        holder_name: f.holder_name.clone(),
    };
    let again = |errors: &[FieldError], f: AccountFields| Again {
        account: f,
        errors: field_messages(errors, caller.lang),
        ..Default::default()
    };
    let valid = match validate_bank_account(&input) {
        Ok(v) => v,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let a = again(&errors, f);
            return refused(&state, &caller, &coop, &access, status, a).await;
        }
    };
    let change = PaymentChange {
        add_accounts: vec![valid],
        ..Default::default()
    };
    match state
        .store
        .tenant(coop.id)
        .update_payment_settings(&caller.actor(), &change)
        .await
    {
        Ok(()) => Ok(done(&kid, "bank-account-added")),
        Err(StoreError::Conflict(m)) => {
            let a = again(&[FieldError::new("account_number", m)], f);
            refused(&state, &caller, &coop, &access, StatusCode::CONFLICT, a).await
        }
        Err(e) => Err(e.into()),
    }
}

fn account_id(bid: &str) -> WebResult<BankAccountId> {
    BankAccountId::parse(bid).ok_or(WebError::NotFound)
}

/// Makes a bank account the default one.
pub async fn set_default(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, bid)): Path<(String, String)>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    let change = |id| PaymentChange {
        default_account: Some(id),
        ..Default::default()
    };
    change_account(&state, &caller, &kid, &bid, &f.csrf, change).await
}

/// Deactivates a bank account (it stays on record).
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, bid)): Path<(String, String)>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    let change = |id| PaymentChange {
        deactivate: vec![id],
        ..Default::default()
    };
    change_account(&state, &caller, &kid, &bid, &f.csrf, change).await
}

/// The two one-button account forms: permission, CSRF, the change, back to the page.
async fn change_account(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    bid: &str,
    csrf: &str,
    change: impl FnOnce(BankAccountId) -> PaymentChange,
) -> WebResult<Response> {
    let (coop, _) = coop_access(state, caller, kid, Need::WriteCoop).await?;
    caller.check_csrf(csrf)?;
    let change = change(account_id(bid)?);
    state
        .store
        .tenant(coop.id)
        .update_payment_settings(&caller.actor(), &change)
        .await?;
    Ok(done(kid, "bank-account-updated"))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MdrFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub mdr: String,
    #[serde(default)]
    pub effective_on: String,
}

/// Reads an effective date (empty = no date; an unreadable one is an error of its own).
pub fn effective_date(raw: &str) -> Result<Option<time::Date>, FieldError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse_date(raw).map(Some).ok_or_else(|| {
        FieldError::new(
            "effective_on",
            Msg::new(
                "Tanggal tidak dapat dibaca (contoh: 2025-01-01).",
                "The date cannot be read (example: 2025-01-01).",
            ),
        )
    })
}

pub async fn set_mdr(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<MdrFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    let parsed = effective_date(&f.effective_on)
        .map_err(|e| vec![e])
        .and_then(|d| validate_mdr(&f.mdr, d));
    let (rate, effective_on) = match parsed {
        Ok(x) => x,
        Err(errors) => {
            let again = Again {
                errors: field_messages(&errors, caller.lang),
                mdr: f,
                ..Default::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &caller, &coop, &access, status, again).await;
        }
    };
    let change = PaymentChange {
        mdr: Some(MdrRate { effective_on, rate }),
        ..Default::default()
    };
    state
        .store
        .tenant(coop.id)
        .update_payment_settings(&caller.actor(), &change)
        .await?;
    Ok(done(&kid, "mdr-saved"))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GatewayFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    /// Empty keeps the stored key.
    #[serde(default)]
    pub server_key: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub acquirer: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub active: Option<String>,
}

/// Checks the gateway form: a known environment and acquirer, a key that looks like one.
fn gateway_input(f: &GatewayFields) -> Result<GatewayInput, Vec<FieldError>> {
    use guyub_core::payment::gateway::midtrans::{ACQUIRER_GOPAY, ACQUIRER_SHOPEEPAY};
    let mut errors = vec![];
    if !matches!(f.environment.as_str(), "sandbox" | "production") {
        errors.push(FieldError::new(
            "environment",
            Msg::new(
                "Pilih sandbox atau production.",
                "Choose sandbox or production.",
            ),
        ));
    }
    if f.acquirer != ACQUIRER_GOPAY && f.acquirer != ACQUIRER_SHOPEEPAY {
        errors.push(FieldError::new(
            "acquirer",
            Msg::new(
                "Pilih penyedia QRIS di Midtrans.",
                "Choose the QRIS acquirer at Midtrans.",
            ),
        ));
    }
    let key = f.server_key.trim();
    if !key.is_empty() && (key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic())) {
        errors.push(FieldError::new(
            "server_key",
            Msg::new(
                "Server key tidak dikenali; salin persis dari dasbor Midtrans (Settings → Access Keys).",
                "The server key is not recognised; copy it exactly from the Midtrans dashboard (Settings → Access Keys).",
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(GatewayInput {
        server_key: (!key.is_empty()).then(|| key.to_string()),
        environment: f.environment.clone(),
        base_url: None,
        acquirer: f.acquirer.clone(),
        active: f.active.is_some(),
    })
}

/// Saves the gateway settings (the board only: the key moves money).
pub async fn set_gateway(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<GatewayFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let input = match gateway_input(&f) {
        Ok(i) => i,
        Err(errors) => {
            let again = Again {
                errors: field_messages(&errors, caller.lang),
                ..Default::default()
            };
            return refused(&state, &caller, &coop, &access, status, again).await;
        }
    };
    match state
        .store
        .tenant(coop.id)
        .set_gateway(&caller.actor(), &input)
        .await
    {
        Ok(()) => Ok(done(&kid, "gateway-saved")),
        Err(StoreError::Invalid(errors)) => {
            let again = Again {
                errors: field_messages(&errors, caller.lang),
                ..Default::default()
            };
            refused(&state, &caller, &coop, &access, status, again).await
        }
        Err(e) => Err(e.into()),
    }
}
