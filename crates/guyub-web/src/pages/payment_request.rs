//! Payment requests (tagihan): made at the counter from the amounts a cashier typed, shown as
//! a QRIS and transfer instructions (on the cashier's page, on a full-screen customer view for
//! a second screen, and on the payer's own phone through a secret link), confirmed by the
//! cashier with the reference from the payer's app, or cancelled.
//!
//! Who: the cashier's roles make, confirm and cancel (`Need::Cashier`); the pengawas may read
//! the list (`Need::ReadPayments`). The payer's link needs no sign-in and shows only what is on
//! the bill: the coop, the amount, the reference, the member's name.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{MemberId, PaymentRequestId};
use guyub_core::money::Rupiah;
use guyub_core::payment::qr;
use guyub_core::payment::request::{ConfirmedVia, RequestState, Validity, check_paid_reference};
use guyub_core::savings::PayMethod;
use guyub_core::{Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::payment::PaymentSettings;
use guyub_store::payment::request::{Confirmation, NewRequest, PaymentRequest, RequestFilter};
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

use super::members::{OkQuery, today_in};
use super::{Form, Page, opt, render, render_status};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// A request as the pages show it.
pub struct RequestView {
    pub id: String,
    pub ref_code: String,
    pub member_name: String,
    pub member_no: String,
    pub description: String,
    pub base: String,
    pub code: String,
    pub total: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub expires: String,
    pub created: String,
    pub paid: String,
    pub paid_method: String,
    pub paid_reference: String,
    pub confirmed_via: String,
    pub receipt_id: String,
    pub cancel_reason: String,
    pub lines: Vec<(String, String)>,
    pub is_open: bool,
}

impl RequestView {
    pub fn of(r: &PaymentRequest, tz: CoopTimeZone, lang: Lang) -> RequestView {
        let when =
            |t: Option<OffsetDateTime>| t.map(|t| fmt_id::waktu(t, tz, lang)).unwrap_or_default();
        RequestView {
            id: r.id.to_string(),
            ref_code: r.ref_code.clone(),
            member_name: r.member_name.clone().unwrap_or_default(),
            member_no: r.member_no.clone().unwrap_or_default(),
            description: r.description.clone(),
            base: Rupiah(r.base_amount).to_string(),
            code: Rupiah(r.unique_code).to_string(),
            total: Rupiah(r.total).to_string(),
            state: r.state.as_str(),
            state_label: r.state.label(lang),
            expires: fmt_id::waktu(r.expires_at, tz, lang),
            created: fmt_id::waktu(r.created_at, tz, lang),
            paid: when(r.paid_at),
            paid_method: r
                .paid_method
                .as_deref()
                .and_then(PayMethod::parse)
                .map(|m| m.label(lang).to_string())
                .unwrap_or_default(),
            paid_reference: r.paid_reference.clone().unwrap_or_default(),
            confirmed_via: r
                .confirmed_via
                .as_deref()
                .and_then(ConfirmedVia::parse)
                .map(|v| v.label(lang).to_string())
                .unwrap_or_default(),
            receipt_id: r.receipt_id.map(|x| x.to_string()).unwrap_or_default(),
            cancel_reason: r.cancel_reason.clone().unwrap_or_default(),
            lines: r
                .lines
                .iter()
                .map(|l| (l.product_name.clone(), Rupiah(l.amount).to_string()))
                .collect(),
            is_open: matches!(r.state, RequestState::Open | RequestState::Expired),
        }
    }
}

/// What the payer sees: the QR, and where to transfer.
pub struct PayView {
    pub qr_svg: String,
    /// The merchant name the payer's app will show (the coop's QRIS), to check before paying.
    pub merchant: String,
    pub bank: Option<(String, String, String)>,
}

impl PayView {
    fn of(r: &PaymentRequest, settings: &PaymentSettings) -> PayView {
        let bank = settings.accounts.iter().find(|a| a.is_default && a.active);
        let label = format!("QRIS {}", r.ref_code);
        let label = label.as_str();
        PayView {
            merchant: if r.gateway.is_some() {
                String::new()
            } else {
                settings
                    .qris
                    .as_ref()
                    .map(|q| q.merchant_name.clone())
                    .unwrap_or_default()
            },
            qr_svg: r
                .qris_payload
                .as_deref()
                .and_then(|p| qr::svg(p, 6, label).ok())
                .unwrap_or_default(),
            bank: bank.map(|b| {
                (
                    b.bank_name.clone(),
                    b.account_number.clone(),
                    b.holder_name.clone(),
                )
            }),
        }
    }
}

fn request_id(rid: &str) -> WebResult<PaymentRequestId> {
    PaymentRequestId::parse(rid).ok_or(WebError::NotFound)
}

// --- The list --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "payment/requests.html")]
struct ListPage {
    p: Page,
    kid: String,
    rows: Vec<RequestView>,
    count: i64,
    f: ListQuery,
    states: Vec<(&'static str, &'static str)>,
    methods: Vec<(&'static str, &'static str)>,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: i64,
    #[serde(default)]
    pub ok: Option<String>,
}

const PAGE_SIZE: i64 = 50;

/// The start of a local day, as an instant.
fn day_start(d: Date, tz: CoopTimeZone) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_offset(tz.offset())
}

impl ListQuery {
    /// The store's filter; unreadable dates are ignored (the form shows them again).
    pub fn filter(&self, tz: CoopTimeZone) -> RequestFilter {
        let page = self.page.max(0);
        RequestFilter {
            state: RequestState::parse(&self.state),
            paid_method: PayMethod::parse(&self.method),
            member: None,
            q: opt(&self.q),
            from: guyub_core::member::parse_date(&self.from).map(|d| day_start(d, tz)),
            until: guyub_core::member::parse_date(&self.to)
                .and_then(|d| d.next_day())
                .map(|d| day_start(d, tz)),
            limit: PAGE_SIZE,
            offset: page * PAGE_SIZE,
        }
    }

    fn href(&self, kid: &str, page: i64) -> String {
        let e = super::url_encode;
        format!(
            "/k/{kid}/tagihan?state={}&method={}&q={}&from={}&to={}&page={page}",
            e(&self.state),
            e(&self.method),
            e(&self.q),
            e(&self.from),
            e(&self.to)
        )
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(f): Query<ListQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let tz = coop.timezone();
    let (rows, count) = state
        .store
        .tenant(coop.id)
        .payment_requests(&f.filter(tz))
        .await?;
    let lang = caller.lang;
    let page = f.page.max(0);
    Ok(render(&ListPage {
        p: Page::new(&caller, "req-list-title")
            .in_coop(&coop, &access, "payments")
            .at(&format!("/k/{kid}/tagihan"))
            .flash(f.ok.as_deref()),
        rows: rows.iter().map(|r| RequestView::of(r, tz, lang)).collect(),
        count,
        states: RequestState::choices(lang),
        methods: PayMethod::choices(lang),
        prev: (page > 0).then(|| f.href(&kid, page - 1)),
        next: ((page + 1) * PAGE_SIZE < count).then(|| f.href(&kid, page + 1)),
        kid,
        f,
    }))
}

// --- Making one at the counter ---------------------------------------------------------------

/// Reads the counter form's deposit amounts (`dep_<product>`) into request lines. A
/// withdrawal typed on the same form is refused: a request asks for money, it pays none out.
fn bill_lines(
    form: &HashMap<String, String>,
) -> Result<Vec<(guyub_core::ids::ProductId, Rupiah)>, Msg> {
    let mut keys: Vec<&String> = form.keys().collect();
    keys.sort();
    let mut out = vec![];
    for key in keys {
        let raw = form[key].trim();
        if raw.is_empty() {
            continue;
        }
        if key.starts_with("wd_") {
            return Err(Msg::new(
                "Tagihan hanya untuk setoran; penarikan dibayarkan di loket.",
                "A payment request is for deposits only; withdrawals are paid at the counter.",
            ));
        }
        let Some(id) = key.strip_prefix("dep_") else {
            continue;
        };
        let product = guyub_core::ids::ProductId::parse(id).ok_or_else(|| {
            Msg::new("Produk simpanan tidak dikenal.", "Unknown savings product.")
        })?;
        out.push((product, Rupiah::parse_positive(raw).map_err(|e| e.msg())?));
    }
    if out.is_empty() {
        return Err(Msg::new(
            "Isi setidaknya satu jumlah setoran untuk ditagihkan.",
            "Enter at least one deposit amount to request.",
        ));
    }
    Ok(out)
}

/// Makes a request from the counter form (its "request payment" button) and shows it.
pub async fn bill(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let member = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let refuse = |m: Msg| super::cashier::refused(&state, &caller, &kid, member, &form, m);
    let lines = match bill_lines(&form) {
        Ok(l) => l,
        Err(m) => return refuse(m).await,
    };
    let validity = form
        .get("validity")
        .and_then(|v| Validity::parse(v))
        .unwrap_or(Validity::Hours24);
    let req = NewRequest {
        member,
        lines,
        description: form.get("note").and_then(|n| opt(n)),
        validity,
        idem_key: form.get("_idem").map(|k| format!("bill:{k}")),
    };
    match state
        .store
        .tenant(coop.id)
        .create_payment_request(&caller.actor(), &req)
        .await
    {
        Ok(r) => {
            // With a gateway, its own dynamic QRIS replaces the converted one. A gateway that
            // fails leaves the request payable by the converted QRIS and transfer.
            let flash = match crate::gateway_service::charge(&state, &r).await {
                Ok(_) => "",
                Err(e) => {
                    tracing::warn!(request = %r.id, error = %e, "gateway charge failed");
                    "?ok=gateway-failed"
                }
            };
            Ok(Redirect::to(&format!("/k/{kid}/tagihan/{}{flash}", r.id)).into_response())
        }
        Err(StoreError::Conflict(m)) => refuse(m).await,
        Err(StoreError::Invalid(f)) => {
            let m = f
                .first()
                .map(|e| e.msg.clone())
                .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input."));
            refuse(m).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- One request -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "payment/request.html")]
struct DetailPage {
    p: Page,
    kid: String,
    r: RequestView,
    pay: PayView,
    public_path: String,
    methods: Vec<(&'static str, &'static str)>,
    can_act: bool,
    via_gateway: bool,
    error: Option<String>,
    typed_reference: String,
    typed_method: String,
}

/// Everything the detail page needs, read in one place (the request, the default account).
async fn detail_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &crate::auth::Access,
    id: PaymentRequestId,
    ok: Option<&str>,
) -> WebResult<DetailPage> {
    let tenant = state.store.tenant(coop.id);
    let r = tenant.payment_request(id).await?;
    let settings = tenant.payment_settings().await?;
    let kid = coop.id.to_string();
    let lang = caller.lang;
    Ok(DetailPage {
        p: Page::new(caller, "req-title")
            .titled(format!(
                "{} {}",
                crate::i18n::t(lang, "req-title"),
                r.ref_code
            ))
            .in_coop(coop, access, "payments")
            .at(&format!("/k/{kid}/tagihan/{id}"))
            .flash(ok),
        pay: PayView::of(&r, &settings),
        public_path: format!("/bayar/{}", r.public_token),
        r: RequestView::of(&r, coop.timezone(), lang),
        methods: PayMethod::choices(lang),
        can_act: access.allows(Need::Cashier),
        via_gateway: r.gateway.is_some(),
        error: None,
        typed_reference: String::new(),
        typed_method: if r.qris_payload.is_some() {
            "qris"
        } else {
            "transfer"
        }
        .to_string(),
        kid,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let id = request_id(&rid)?;
    let page = detail_page(&state, &caller, &coop, &access, id, oq.ok.as_deref()).await?;
    Ok(render(&page))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfirmFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reference: String,
}

/// The cashier marks a request paid, with the reference from the payer's app.
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    Form(f): Form<ConfirmFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let id = request_id(&rid)?;
    let checked = PayMethod::parse(&f.method)
        .ok_or_else(|| Msg::new("Pilih cara bayar.", "Choose how it was paid."))
        .and_then(|m| Ok((m, check_paid_reference(&f.reference)?)));
    let result = match checked {
        Ok((method, reference)) => {
            let c = Confirmation {
                method,
                reference,
                via: ConfirmedVia::Cashier,
                date: today_in(&coop),
            };
            // A marketplace payment pays a checkout (its orders are posted), not simpanan.
            let tenant = state.store.tenant(coop.id);
            if tenant.payment_request(id).await?.purpose == "pasar" {
                return match tenant
                    .confirm_checkout_payment(&caller.actor(), id, &c)
                    .await
                {
                    Ok(_) => Ok(Redirect::to(&format!("/k/{kid}/tagihan/{id}")).into_response()),
                    Err(StoreError::Conflict(m)) => {
                        let mut page =
                            detail_page(&state, &caller, &coop, &access, id, None).await?;
                        page.error = Some(m.get(caller.lang).to_string());
                        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
                    }
                    Err(e) => Err(e.into()),
                };
            }
            state
                .store
                .tenant(coop.id)
                .confirm_payment_request(&caller.actor(), id, &c)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(m) => Ok(m),
                    StoreError::Invalid(f) => Ok(f
                        .first()
                        .map(|e| e.msg.clone())
                        .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input."))),
                    e => Err(e),
                })
        }
        Err(m) => Err(Ok(m)),
    };
    match result {
        Ok((_, receipt)) => {
            Ok(Redirect::to(&format!("/k/{kid}/kuitansi/{receipt}")).into_response())
        }
        Err(Ok(m)) => {
            let mut page = detail_page(&state, &caller, &coop, &access, id, None).await?;
            page.error = Some(m.get(caller.lang).to_string());
            page.typed_reference = f.reference;
            page.typed_method = f.method;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Err(e)) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CancelFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    Form(f): Form<CancelFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let id = request_id(&rid)?;
    match state
        .store
        .tenant(coop.id)
        .cancel_payment_request(&caller.actor(), id, &f.reason)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/k/{kid}/tagihan/{id}?ok=request-cancelled")).into_response(),
        ),
        Err(StoreError::Conflict(m)) => {
            let mut page = detail_page(&state, &caller, &coop, &access, id, None).await?;
            page.error = Some(m.get(caller.lang).to_string());
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(StoreError::Invalid(errs)) => {
            let mut page = detail_page(&state, &caller, &coop, &access, id, None).await?;
            page.error = errs.first().map(|e| e.msg.get(caller.lang).to_string());
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// Asks the gateway now for the state of a request it issued (when a notification is late).
pub async fn check_gateway(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    Form(f): Form<super::signin::CsrfForm>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(&f.csrf)?;
    let id = request_id(&rid)?;
    let r = state.store.tenant(coop.id).payment_request(id).await?;
    let polled = crate::gateway_service::poll(&state, coop.id, &r.ref_code, today_in(&coop)).await;
    let m = match polled {
        Ok(guyub_store::payment::gateway::Applied::Paid(receipt)) => {
            return Ok(Redirect::to(&format!("/k/{kid}/kuitansi/{receipt}")).into_response());
        }
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/k/{kid}/tagihan/{id}?ok=gateway-checked")).into_response(),
            );
        }
        Err(crate::gateway_service::PollError::Off) => Msg::new(
            "Gateway pembayaran koperasi ini tidak aktif.",
            "This coop's payment gateway is off.",
        ),
        Err(crate::gateway_service::PollError::Gateway(e)) => e.msg(),
        Err(crate::gateway_service::PollError::Store(StoreError::Conflict(m))) => m,
        Err(crate::gateway_service::PollError::Store(e)) => return Err(e.into()),
    };
    let mut page = detail_page(&state, &caller, &coop, &access, id, None).await?;
    page.error = Some(m.get(caller.lang).to_string());
    Ok(render_status(StatusCode::BAD_GATEWAY, &page))
}

// --- The customer's screen -------------------------------------------------------------------

/// The full-screen view for the payer: on a second screen at the counter (signed in), or on
/// the payer's phone through the secret link. It reloads itself every few seconds while the
/// request is open, so the payer sees "paid" as soon as the cashier confirms; no script.
#[derive(Template)]
#[template(path = "payment/screen.html")]
struct ScreenPage {
    lang: Lang,
    coop_name: String,
    r: RequestView,
    pay: PayView,
    refresh: bool,
}

impl ScreenPage {
    fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }

    fn new(
        lang: Lang,
        coop_name: String,
        tz: CoopTimeZone,
        r: &PaymentRequest,
        settings: &PaymentSettings,
    ) -> ScreenPage {
        ScreenPage {
            lang,
            coop_name,
            r: RequestView::of(r, tz, lang),
            pay: PayView::of(r, settings),
            refresh: r.state == RequestState::Open,
        }
    }
}

pub async fn screen(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = request_id(&rid)?;
    let tenant = state.store.tenant(coop.id);
    let r = tenant.payment_request(id).await?;
    let settings = tenant.payment_settings().await?;
    let page = ScreenPage::new(
        caller.lang,
        coop.data.name.clone(),
        coop.timezone(),
        &r,
        &settings,
    );
    Ok(render(&page))
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: String,
}

/// The payer's link: no sign-in; the token is the key. Unknown tokens are a plain 404.
pub async fn public(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(lq): Query<LangQuery>,
) -> WebResult<Response> {
    let lang = Lang::from_tag(&lq.lang).unwrap_or_default();
    let found = state.store.payment_request_by_token(&token).await?;
    let settings = state
        .store
        .tenant(found.koperasi_id)
        .payment_settings()
        .await?;
    let page = ScreenPage::new(
        lang,
        found.coop_name.clone(),
        found.timezone,
        &found.request,
        &settings,
    );
    let mut resp = render(&page);
    // The link is a secret: never sent on to other sites, never kept in shared caches.
    resp.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}
