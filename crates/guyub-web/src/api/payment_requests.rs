//! API: payment requests (tagihan), imported statements with their match review, and QRIS
//! settlements. The same store calls, rights and refusals as the pages
//! (`pages::payment_request`, `pages::statement`):
//! - making, confirming and cancelling a request, importing a statement and deciding its lines
//!   are the cashier's roles' (`Need::Cashier`); reading them is also the pengawas' job
//!   (`Need::ReadPayments`); settling QRIS money into the bank moves the books
//!   (`Need::WriteBooks`);
//! - a paid or cancelled request, the same file twice, a line already decided and a
//!   settlement bigger than the clearing balance are conflicts (409) that write nothing;
//! - money is whole rupiah as JSON integers: text or cents are refused, never rounded.
//!
//! Bodies are read after the access check, so a refused caller learns nothing from the
//! body's checks (as in `api::books`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{MemberId, PaymentRequestId, ProductId, StatementId};
use guyub_core::member::parse_date;
use guyub_core::money::Rupiah;
use guyub_core::payment::request::{
    ConfirmedVia, RequestState, StatementKind, Validity, check_amount, check_paid_reference,
};
use guyub_core::savings::PayMethod;
use guyub_core::{FieldError, Lang, Msg};
use guyub_store::payment::request::{Confirmation, NewRequest, PaymentRequest, RequestFilter};
use guyub_store::payment::settlement::{HandSettlement, Settlement};
use guyub_store::payment::statement::{
    Candidate, ImportSummary, LineInfo, StatementDetail, StatementInfo,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Need, coop_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::pages::members::today_in;
use crate::state::AppState;

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A statement's wall-clock time (statements carry no time zone): `YYYY-MM-DDTHH:MM:SS`.
fn local_ts(t: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads a JSON body after the access check (see the module doc).
fn json_body<T: DeserializeOwned>(body: &Bytes) -> WebResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        WebError::BadRequest(Msg::new(
            format!("Isi permintaan bukan JSON yang sesuai: {e}"),
            format!("The request body is not the expected JSON: {e}"),
        ))
    })
}

fn invalid(field: impl Into<String>, id: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(field, Msg::new(id, en))
}

/// A whole number of rupiah from a JSON value. Text and fractions are refused rather than
/// read, so that a client's formatting or rounding never decides an amount.
fn whole_rupiah(field: &str, v: &Value) -> Result<i64, FieldError> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| {
            invalid(
                field,
                "Jumlah harus bilangan bulat rupiah, tanpa sen.",
                "The amount must be a whole number of rupiah, without cents.",
            )
        }),
        _ => Err(invalid(
            field,
            "Jumlah harus angka JSON (bilangan bulat rupiah), bukan teks.",
            "The amount must be a JSON number (whole rupiah), not text.",
        )),
    }
}

fn request_id(rid: &str) -> WebResult<PaymentRequestId> {
    PaymentRequestId::parse(rid).ok_or(WebError::NotFound)
}

fn statement_id(sid: &str) -> WebResult<StatementId> {
    StatementId::parse(sid).ok_or(WebError::NotFound)
}

/// A line number from the path; anything else names no line.
fn line_no(raw: &str) -> WebResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Payment requests

#[derive(Serialize, ToSchema)]
pub struct RequestLineOut {
    pub product_id: String,
    pub product_name: String,
    /// Whole rupiah.
    pub amount: i64,
}

/// A payment request (tagihan).
#[derive(Serialize, ToSchema)]
pub struct PaymentRequestOut {
    pub id: String,
    /// The 8-character code the payer writes in a transfer note.
    pub ref_code: String,
    /// simpanan
    pub purpose: String,
    pub member_id: Option<String>,
    pub member_no: Option<String>,
    pub member_name: Option<String>,
    pub description: String,
    /// The sum of the lines.
    pub base_amount: i64,
    /// 0–999 rupiah added so that each open request has its own total; credited to the
    /// member's simpanan sukarela when paid by QRIS or transfer.
    pub unique_code: i64,
    /// What to pay by QRIS or transfer (cash: `base_amount`).
    pub total: i64,
    /// The dynamic QRIS for `total`, when the coop has a QRIS (the gateway's when it has one).
    pub qris_payload: Option<String>,
    pub gateway: Option<String>,
    pub gateway_tx_id: Option<String>,
    /// menunggu | dibayar | kedaluwarsa | dibatalkan
    pub state: String,
    /// RFC 3339
    pub expires_at: String,
    pub created_by: String,
    /// RFC 3339
    pub created_at: String,
    pub paid_at: Option<String>,
    /// tunai | transfer | qris
    pub paid_method: Option<String>,
    pub paid_reference: Option<String>,
    /// kasir | mutasi | gateway
    pub confirmed_via: Option<String>,
    pub confirmed_by: Option<String>,
    pub receipt_id: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub lines: Vec<RequestLineOut>,
    /// The payer's own page (no sign-in; the path is the secret), relative to this server's
    /// address: send it to the payer.
    pub pay_url: String,
}

impl From<&PaymentRequest> for PaymentRequestOut {
    fn from(r: &PaymentRequest) -> Self {
        PaymentRequestOut {
            id: r.id.to_string(),
            ref_code: r.ref_code.clone(),
            purpose: r.purpose.clone(),
            member_id: r.member_id.map(|m| m.to_string()),
            member_no: r.member_no.clone(),
            member_name: r.member_name.clone(),
            description: r.description.clone(),
            base_amount: r.base_amount,
            unique_code: r.unique_code,
            total: r.total,
            qris_payload: r.qris_payload.clone(),
            gateway: r.gateway.clone(),
            gateway_tx_id: r.gateway_tx_id.clone(),
            state: r.state.as_str().to_string(),
            expires_at: ts(r.expires_at),
            created_by: r.created_by.clone(),
            created_at: ts(r.created_at),
            paid_at: r.paid_at.map(ts),
            paid_method: r.paid_method.clone(),
            paid_reference: r.paid_reference.clone(),
            confirmed_via: r.confirmed_via.clone(),
            confirmed_by: r.confirmed_by.clone(),
            receipt_id: r.receipt_id.map(|x| x.to_string()),
            cancelled_at: r.cancelled_at.map(ts),
            cancel_reason: r.cancel_reason.clone(),
            lines: r
                .lines
                .iter()
                .map(|l| RequestLineOut {
                    product_id: l.product_id.to_string(),
                    product_name: l.product_name.clone(),
                    amount: l.amount,
                })
                .collect(),
            pay_url: format!("/bayar/{}", r.public_token),
        }
    }
}

/// One savings product to pay into. There is no kind: a request asks for deposits only
/// (withdrawals are paid out at the counter), so an unknown field here is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestLineIn {
    pub product_id: String,
    /// Whole rupiah as a JSON integer, more than 0.
    #[schema(value_type = i64, minimum = 1)]
    pub amount: Value,
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentRequestIn {
    pub member_id: String,
    /// 1 to 10 lines, each product once.
    pub lines: Vec<RequestLineIn>,
    /// Up to 200 characters; default: the products' names.
    #[serde(default)]
    pub description: Option<String>,
    /// How long it stays payable: 15m | 1j | 24j | 3h | 7h (default 24j).
    #[serde(default)]
    pub validity: Option<String>,
}

/// The optional `Idempotency-Key`: absent is fine (a request moves no money by itself), but
/// one that is sent must be usable.
fn idempotency_key(headers: &HeaderMap) -> WebResult<Option<String>> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control()) {
        return Err(WebError::BadRequest(Msg::new(
            "Header Idempotency-Key harus 1–200 karakter yang terbaca (mis. sebuah UUID baru untuk setiap tagihan).",
            "The Idempotency-Key header must be 1–200 readable characters (e.g. a new UUID for each request).",
        )));
    }
    Ok(Some(key.to_string()))
}

/// Reads the body into the store's request; every field problem at once (422). Whether the
/// member and the products exist in this coop is the store's to say.
fn new_request(b: &PaymentRequestIn, key: Option<String>) -> WebResult<NewRequest> {
    let mut errors = vec![];
    let member = MemberId::parse(&b.member_id);
    if member.is_none() {
        errors.push(invalid(
            "member_id",
            "Anggota tidak ditemukan.",
            "Member not found.",
        ));
    }
    let validity = match b.validity.as_deref().map(str::trim) {
        None | Some("") => Some(Validity::Hours24),
        Some(v) => Validity::parse(v),
    };
    if validity.is_none() {
        errors.push(invalid(
            "validity",
            "Masa berlaku harus 15m, 1j, 24j, 3h atau 7h.",
            "The validity must be 15m, 1j, 24j, 3h or 7h.",
        ));
    }
    if b.lines.is_empty() {
        errors.push(invalid(
            "lines",
            "Isi setidaknya satu simpanan untuk ditagihkan.",
            "Give at least one savings line to request.",
        ));
    }
    let mut lines = vec![];
    for (i, l) in b.lines.iter().enumerate() {
        let product = ProductId::parse(&l.product_id);
        if product.is_none() {
            errors.push(invalid(
                format!("lines[{i}].product_id"),
                "Produk simpanan tidak dikenal di koperasi ini.",
                "Unknown savings product in this cooperative.",
            ));
        }
        let field = format!("lines[{i}].amount");
        let amount = whole_rupiah(&field, &l.amount).and_then(|a| {
            check_amount(Rupiah(a))
                .map(|()| Rupiah(a))
                .map_err(|m| FieldError::new(field.clone(), m))
        });
        match (product, amount) {
            (Some(p), Ok(a)) => lines.push((p, a)),
            (_, Err(e)) => errors.push(e),
            _ => {}
        }
    }
    match (member, validity) {
        (Some(member), Some(validity)) if errors.is_empty() => Ok(NewRequest {
            member,
            lines,
            description: b.description.clone(),
            validity,
            // Keys of the API and of the pages' forms live apart.
            idem_key: key.map(|k| format!("api:{k}")),
        }),
        _ => Err(WebError::Invalid(errors)),
    }
}

/// Whether a request found by its idempotency key is the one this body asks for (the same
/// member and the same lines); another one means the key was reused by mistake.
fn same_bill(r: &PaymentRequest, n: &NewRequest) -> bool {
    r.member_id == Some(n.member)
        && r.lines.len() == n.lines.len()
        && r.lines
            .iter()
            .zip(&n.lines)
            .all(|(l, (p, a))| l.product_id == *p && l.amount == a.0)
}

/// Makes a payment request for a member's simpanan: a unique code is added to the total, and
/// a dynamic QRIS made when the coop has a QRIS (the gateway's own when it has a gateway).
/// With `Idempotency-Key`, a replay with the same key and body returns the first request with
/// 200 and makes nothing; the same key with another member or other lines is a 409.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/payment-requests", tag = "payment",
    request_body = PaymentRequestIn,
    params(("coop_id" = String, Path, description = "Coop id (UUID)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a new unique key per request (e.g. a UUID), 1–200 characters")),
    responses((status = 201, body = PaymentRequestOut, description = "Made"),
        (status = 200, body = PaymentRequestOut, description = "A replay: the first request, nothing made"),
        (status = 400, body = ApiErrorBody, description = "A body that is not JSON, or a bad Idempotency-Key"),
        (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Member not active, key reused with another body"),
        (status = 422, body = ApiErrorBody)))]
pub async fn create_request(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<(StatusCode, Json<PaymentRequestOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let key = idempotency_key(&headers)?;
    let new = new_request(&json_body(&body)?, key)?;
    let tenant = state.store.tenant(coop.id);
    // The store keeps time in whole microseconds (rounded down).
    let started = OffsetDateTime::now_utc();
    let started = started
        .replace_nanosecond(started.nanosecond() / 1000 * 1000)
        .unwrap_or(started);
    let r = tenant.create_payment_request(&caller.actor(), &new).await?;
    // A request made before this call started is the first answer to this key: a replay,
    // which must not charge the gateway a second time.
    if r.created_at < started {
        if !same_bill(&r, &new) {
            return Err(WebError::Conflict(Msg::new(
                "Kunci idempotensi ini sudah dipakai untuk tagihan lain; tidak ada yang dibuat.",
                "This idempotency key was already used for a different request; nothing was made.",
            )));
        }
        return Ok((StatusCode::OK, Json(PaymentRequestOut::from(&r))));
    }
    // With a gateway, its own dynamic QRIS replaces the converted one. A gateway that fails
    // leaves the request payable by the converted QRIS and transfer, as on the pages.
    let r = match crate::gateway_service::charge(&state, &r).await {
        Ok(true) => tenant.payment_request(r.id).await?,
        Ok(false) => r,
        Err(e) => {
            tracing::warn!(request = %r.id, error = %e, "gateway charge failed");
            r
        }
    };
    Ok((StatusCode::CREATED, Json(PaymentRequestOut::from(&r))))
}

#[derive(Deserialize, IntoParams)]
pub struct RequestListParams {
    /// menunggu | dibayar | kedaluwarsa | dibatalkan
    #[serde(default)]
    state: String,
    /// How it was paid: tunai | transfer | qris
    #[serde(default)]
    method: String,
    /// A reference code, or part of a member's name, or a member number.
    #[serde(default)]
    q: String,
    /// Made on or after this day, YYYY-MM-DD in the coop's time zone.
    #[serde(default)]
    from: String,
    /// Made on or before this day, YYYY-MM-DD in the coop's time zone.
    #[serde(default)]
    to: String,
    /// 1–500, default 50.
    limit: Option<i64>,
    #[serde(default)]
    offset: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRequestsOut {
    /// Newest first.
    pub items: Vec<PaymentRequestOut>,
    /// How many match the filter (for paging).
    pub total: i64,
}

fn bad_param(name: &str, want_id: &str, want_en: &str) -> WebError {
    WebError::BadRequest(Msg::new(
        format!("Parameter {name} harus {want_id}."),
        format!("The {name} parameter must be {want_en}."),
    ))
}

/// A code parameter: empty is no filter, an unknown code is refused (a typo must not list
/// everything).
fn code_param<T>(
    raw: &str,
    name: &str,
    parse: fn(&str) -> Option<T>,
    one_of: &str,
) -> WebResult<Option<T>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse(raw).map(Some).ok_or_else(|| {
        bad_param(
            name,
            &format!("salah satu dari {one_of}"),
            &format!("one of {one_of}"),
        )
    })
}

/// A date parameter: empty is no filter, an unreadable date is refused.
fn day_param(raw: &str, name: &str) -> WebResult<Option<Date>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse_date(raw)
        .map(Some)
        .ok_or_else(|| bad_param(name, "tanggal YYYY-MM-DD", "a YYYY-MM-DD date"))
}

/// The start of a local day, as an instant: the list filters by the coop's days, as the page
/// does.
fn day_start(d: Date, tz: CoopTimeZone) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_offset(tz.offset())
}

impl RequestListParams {
    fn filter(&self, tz: CoopTimeZone) -> WebResult<RequestFilter> {
        let states = "menunggu, dibayar, kedaluwarsa, dibatalkan";
        Ok(RequestFilter {
            state: code_param(&self.state, "state", RequestState::parse, states)?,
            paid_method: code_param(
                &self.method,
                "method",
                PayMethod::parse,
                "tunai, transfer, qris",
            )?,
            member: None,
            q: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
            from: day_param(&self.from, "from")?.map(|d| day_start(d, tz)),
            until: day_param(&self.to, "to")?
                .and_then(|d| d.next_day())
                .map(|d| day_start(d, tz)),
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.max(0),
        })
    }
}

/// The coop's requests, newest first, filtered as on the list page.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/payment-requests", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id (UUID)"), RequestListParams),
    responses((status = 200, body = PaymentRequestsOut), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn list_requests(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<RequestListParams>,
) -> WebResult<Json<PaymentRequestsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let filter = p.filter(coop.timezone())?;
    let (rows, total) = state
        .store
        .tenant(coop.id)
        .payment_requests(&filter)
        .await?;
    Ok(Json(PaymentRequestsOut {
        items: rows.iter().map(PaymentRequestOut::from).collect(),
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/payment-requests/{request_id}", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id"), ("request_id" = String, Path, description = "Payment request id")),
    responses((status = 200, body = PaymentRequestOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_request(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
) -> WebResult<Json<PaymentRequestOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let id = request_id(&rid)?;
    let r = state.store.tenant(coop.id).payment_request(id).await?;
    Ok(Json(PaymentRequestOut::from(&r)))
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmIn {
    /// tunai | transfer | qris
    #[serde(default)]
    pub method: String,
    /// The reference from the payer's app (RRN, transfer number), up to 64 characters.
    #[serde(default)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmOut {
    pub request: PaymentRequestOut,
    /// The receipt of the deposit posted for it.
    pub receipt_id: String,
}

/// Marks a request paid and posts it to the books (a counter deposit dated today in the
/// coop's time zone). A request already paid or cancelled is a 409 and nothing is posted.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/payment-requests/{request_id}/confirm", tag = "payment",
    request_body = ConfirmIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("request_id" = String, Path, description = "Payment request id")),
    responses((status = 200, body = ConfirmOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Already paid or cancelled, member no longer active, closed year"),
        (status = 422, body = ApiErrorBody)))]
pub async fn confirm_request(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    body: Bytes,
) -> WebResult<Json<ConfirmOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = request_id(&rid)?;
    let b: ConfirmIn = json_body(&body)?;
    let method = PayMethod::parse(&b.method).ok_or_else(|| {
        invalid(
            "method",
            "Cara bayar harus tunai, transfer atau qris.",
            "The method must be tunai, transfer or qris.",
        )
    });
    let reference = check_paid_reference(&b.reference).map_err(|m| FieldError::new("reference", m));
    let (method, reference) = match (method, reference) {
        (Ok(m), Ok(r)) => (m, r),
        (m, r) => {
            return Err(WebError::Invalid(
                m.err().into_iter().chain(r.err()).collect(),
            ));
        }
    };
    let c = Confirmation {
        method,
        reference,
        via: ConfirmedVia::Cashier,
        date: today_in(&coop),
    };
    let (r, receipt) = state
        .store
        .tenant(coop.id)
        .confirm_payment_request(&caller.actor(), id, &c)
        .await?;
    Ok(Json(ConfirmOut {
        request: PaymentRequestOut::from(&r),
        receipt_id: receipt.to_string(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelIn {
    /// Why (1–200 characters); kept on the request and in the audit log.
    #[serde(default)]
    pub reason: String,
}

/// Cancels a request not yet paid (a paid one is corrected by a reversing entry instead).
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/payment-requests/{request_id}/cancel", tag = "payment",
    request_body = CancelIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("request_id" = String, Path, description = "Payment request id")),
    responses((status = 200, body = PaymentRequestOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn cancel_request(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    body: Bytes,
) -> WebResult<Json<PaymentRequestOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let id = request_id(&rid)?;
    let b: CancelIn = json_body(&body)?;
    let r = state
        .store
        .tenant(coop.id)
        .cancel_payment_request(&caller.actor(), id, &b.reason)
        .await?;
    Ok(Json(PaymentRequestOut::from(&r)))
}

// ---------------------------------------------------------------------------------------------
// Statements

#[derive(Deserialize, IntoParams)]
pub struct StatementImportParams {
    /// qris (an acquirer's settlement report) | bank (a bank's mutation statement)
    #[serde(default)]
    kind: String,
    /// The file's name; its extension (.xlsx or .csv) must match its content.
    #[serde(default)]
    file_name: String,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct StatementImportOut {
    pub id: Option<String>,
    /// Lines imported (new ones).
    pub lines: usize,
    /// Matched to a request and posted.
    pub matched: usize,
    /// Waiting for a person to decide.
    pub review: usize,
    /// No open request fits.
    pub unmatched: usize,
    /// Lines already imported from another file, skipped.
    pub already: usize,
    /// What the matched lines brought in, whole rupiah.
    pub matched_total: i64,
}

impl From<&ImportSummary> for StatementImportOut {
    fn from(s: &ImportSummary) -> Self {
        StatementImportOut {
            id: s.id.map(|i| i.to_string()),
            lines: s.lines,
            matched: s.matched,
            review: s.review,
            unmatched: s.unmatched,
            already: s.already,
            matched_total: s.matched_total,
        }
    }
}

/// Imports a statement (the raw bytes of an .xlsx or .csv as the body): what matches an open
/// request is posted at once, the rest waits for review. A file with any unreadable row is
/// refused whole (422, every problem listed under `file`); the same file twice is a 409.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/statements", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id"), StatementImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = StatementImportOut), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "The same file was already imported"),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<StatementImportParams>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<StatementImportOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let kind = StatementKind::parse(&p.kind).ok_or_else(|| {
        WebError::Invalid(vec![invalid(
            "kind",
            "Parameter kind harus qris atau bank.",
            "The kind parameter must be qris or bank.",
        )])
    })?;
    let st = crate::statement_file::read(&p.file_name, &body, kind).map_err(|msgs| {
        WebError::Invalid(
            msgs.into_iter()
                .map(|m| FieldError::new("file", m))
                .collect(),
        )
    })?;
    let sum = state
        .store
        .tenant(coop.id)
        .import_statement(&caller.actor(), &st, coop.timezone())
        .await?;
    Ok((StatusCode::CREATED, Json(StatementImportOut::from(&sum))))
}

/// A statement as listed, with what became of its lines.
#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    pub id: String,
    pub file_name: String,
    /// qris | bank
    pub kind: String,
    pub line_count: i64,
    pub created_by: String,
    /// RFC 3339
    pub created_at: String,
    pub matched: i64,
    pub review: i64,
    pub unmatched: i64,
    pub ignored: i64,
    /// Whether its QRIS settlement is posted.
    pub settled: bool,
}

impl From<&StatementInfo> for StatementOut {
    fn from(s: &StatementInfo) -> Self {
        StatementOut {
            id: s.id.to_string(),
            file_name: s.file_name.clone(),
            kind: s.kind.clone(),
            line_count: s.line_count,
            created_by: s.created_by.clone(),
            created_at: ts(s.created_at),
            matched: s.matched,
            review: s.review,
            unmatched: s.unmatched,
            ignored: s.ignored,
            settled: s.settled,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementsOut {
    /// Newest first.
    pub items: Vec<StatementOut>,
}

#[derive(Deserialize, IntoParams)]
pub struct StatementListParams {
    /// 1–500, default 50.
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/statements", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id (UUID)"), StatementListParams),
    responses((status = 200, body = StatementsOut), (status = 403, body = ApiErrorBody)))]
pub async fn list_statements(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<StatementListParams>,
) -> WebResult<Json<StatementsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let rows = state
        .store
        .tenant(coop.id)
        .statements(p.limit.unwrap_or(50))
        .await?;
    Ok(Json(StatementsOut {
        items: rows.iter().map(StatementOut::from).collect(),
    }))
}

/// A request a line is, or may be, matched to.
#[derive(Serialize, ToSchema)]
pub struct CandidateOut {
    pub id: String,
    pub ref_code: String,
    pub member_name: String,
    pub total: i64,
    /// RFC 3339
    pub created_at: String,
}

impl From<&Candidate> for CandidateOut {
    fn from(c: &Candidate) -> Self {
        CandidateOut {
            id: c.id.to_string(),
            ref_code: c.ref_code.clone(),
            member_name: c.member_name.clone(),
            total: c.total,
            created_at: ts(c.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementLineOut {
    pub line_no: i64,
    /// On the coop's wall clock, as the statement wrote it: YYYY-MM-DDTHH:MM:SS.
    pub occurred_at: String,
    pub amount: i64,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub reference: String,
    pub payer: String,
    pub description: String,
    /// cocok | tinjau | tidak_cocok | diabaikan
    pub status: String,
    /// The request it was matched to.
    pub request: Option<CandidateOut>,
    /// For a line under review: the requests it may be.
    pub candidates: Vec<CandidateOut>,
    /// Why it is under review, or why it was set aside, in the request's language.
    pub note: Option<String>,
}

impl StatementLineOut {
    fn of(l: &LineInfo, lang: Lang) -> Self {
        StatementLineOut {
            line_no: l.line_no,
            occurred_at: local_ts(l.occurred_at),
            amount: l.amount,
            fee: l.fee,
            net: l.net,
            reference: l.reference.clone(),
            payer: l.payer.clone(),
            description: l.description.clone(),
            status: l.status.as_str().to_string(),
            request: l.request.as_ref().map(CandidateOut::from),
            candidates: l.candidates.iter().map(CandidateOut::from).collect(),
            note: l.note.as_ref().map(|m| m.get(lang).to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementDetailOut {
    pub statement: StatementOut,
    pub lines: Vec<StatementLineOut>,
}

impl StatementDetailOut {
    fn of(d: &StatementDetail, lang: Lang) -> Self {
        StatementDetailOut {
            statement: StatementOut::from(&d.info),
            lines: d
                .lines
                .iter()
                .map(|l| StatementLineOut::of(l, lang))
                .collect(),
        }
    }
}

/// One statement with every line, and for each line the requests it is or may be matched to.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/statements/{statement_id}", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id"), ("statement_id" = String, Path, description = "Statement id")),
    responses((status = 200, body = StatementDetailOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
) -> WebResult<Json<StatementDetailOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let sid = statement_id(&sid)?;
    let d = state.store.tenant(coop.id).statement(sid).await?;
    Ok(Json(StatementDetailOut::of(&d, caller.lang)))
}

#[derive(Deserialize, ToSchema)]
pub struct MatchLineIn {
    /// The request the line pays (its total must equal the line's amount).
    #[serde(default)]
    pub request_id: String,
}

#[derive(Deserialize, ToSchema)]
pub struct IgnoreLineIn {
    /// Why the line belongs to no request (1–200 characters).
    #[serde(default)]
    pub reason: String,
}

/// What a person decided about a line.
#[derive(Serialize, ToSchema)]
pub struct LineDecisionOut {
    pub line_no: i64,
    /// cocok | diabaikan
    pub status: String,
    /// The receipt posted for the matched request.
    pub receipt_id: Option<String>,
}

/// Matches a line under review (or one no request fitted) to a request, which is confirmed
/// and posted. A line already decided, or an amount that differs from the request's total,
/// is a 409 and nothing is posted.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/match", tag = "payment",
    request_body = MatchLineIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("statement_id" = String, Path, description = "Statement id"),
        ("line_no" = i64, Path, description = "Line number (1, 2, …)")),
    responses((status = 200, body = LineDecisionOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn match_line(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, no)): Path<(String, String, String)>,
    body: Bytes,
) -> WebResult<Json<LineDecisionOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let (sid, no) = (statement_id(&sid)?, line_no(&no)?);
    let b: MatchLineIn = json_body(&body)?;
    let request = PaymentRequestId::parse(&b.request_id).ok_or_else(|| {
        WebError::Invalid(vec![invalid(
            "request_id",
            "Isi id tagihan yang dibayar baris ini.",
            "Give the id of the request this line pays.",
        )])
    })?;
    let receipt = state
        .store
        .tenant(coop.id)
        .accept_statement_line(&caller.actor(), sid, no, request)
        .await?;
    Ok(Json(LineDecisionOut {
        line_no: no,
        status: "cocok".into(),
        receipt_id: Some(receipt.to_string()),
    }))
}

/// Sets a line aside (a payment that belongs to no request), with the reason.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/statements/{statement_id}/lines/{line_no}/ignore", tag = "payment",
    request_body = IgnoreLineIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("statement_id" = String, Path, description = "Statement id"),
        ("line_no" = i64, Path, description = "Line number (1, 2, …)")),
    responses((status = 200, body = LineDecisionOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn ignore_line(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid, no)): Path<(String, String, String)>,
    body: Bytes,
) -> WebResult<Json<LineDecisionOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let (sid, no) = (statement_id(&sid)?, line_no(&no)?);
    let b: IgnoreLineIn = json_body(&body)?;
    state
        .store
        .tenant(coop.id)
        .ignore_statement_line(&caller.actor(), sid, no, &b.reason)
        .await?;
    Ok(Json(LineDecisionOut {
        line_no: no,
        status: "diabaikan".into(),
        receipt_id: None,
    }))
}

// ---------------------------------------------------------------------------------------------
// QRIS settlements

/// A posted settlement: Dr Bank (net) + Dr Beban MDR (mdr) − Cr Kliring QRIS (gross).
#[derive(Serialize, ToSchema)]
pub struct SettlementOut {
    pub id: String,
    /// YYYY-MM-DD
    pub settled_on: String,
    pub gross: i64,
    pub mdr: i64,
    pub net: i64,
    /// The QRIS report it settles, if any.
    pub statement_id: Option<String>,
    pub entry_id: String,
    pub note: Option<String>,
    pub created_by: String,
    /// RFC 3339
    pub created_at: String,
}

impl From<&Settlement> for SettlementOut {
    fn from(s: &Settlement) -> Self {
        SettlementOut {
            id: s.id.to_string(),
            settled_on: s.settled_on.to_string(),
            gross: s.gross,
            mdr: s.mdr,
            net: s.net,
            statement_id: s.statement_id.0.map(|x| x.to_string()),
            entry_id: s.entry_id.to_string(),
            note: s.note.clone(),
            created_by: s.created_by.clone(),
            created_at: ts(s.created_at),
        }
    }
}

/// Posts the settlement of a QRIS report's matched payments (their gross, their MDR as the
/// report gives it or at the coop's rate), at most once per report.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/statements/{statement_id}/settle", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id"), ("statement_id" = String, Path, description = "Statement id")),
    responses((status = 201, body = SettlementOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Not a QRIS report, nothing matched, already settled, more than the clearing balance")))]
pub async fn settle_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
) -> WebResult<(StatusCode, Json<SettlementOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let sid = statement_id(&sid)?;
    let s = state
        .store
        .tenant(coop.id)
        .settle_statement(&caller.actor(), sid)
        .await?;
    Ok((StatusCode::CREATED, Json(SettlementOut::from(&s))))
}

#[derive(Deserialize, ToSchema)]
pub struct SettlementIn {
    /// The day the money reached the bank, YYYY-MM-DD.
    #[serde(default)]
    pub date: String,
    /// What left the clearing account, whole rupiah (JSON integer), more than 0.
    #[schema(value_type = i64, minimum = 1)]
    pub gross: Value,
    /// The acquirer's fee, whole rupiah, less than the gross. Absent or null: computed from
    /// the coop's MDR rate on `date` (none set: 0).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub mdr: Option<Value>,
    /// Up to 200 characters (e.g. the acquirer's settlement number).
    #[serde(default)]
    pub note: Option<String>,
}

/// Reads a settlement body; every field problem at once.
fn hand_settlement(b: &SettlementIn) -> WebResult<HandSettlement> {
    let mut errors = vec![];
    let date = parse_date(&b.date);
    if date.is_none() {
        errors.push(invalid(
            "date",
            "Tanggal tidak dapat dibaca (contoh: 2026-11-30).",
            "The date cannot be read (example: 2026-11-30).",
        ));
    }
    let gross = whole_rupiah("gross", &b.gross)
        .map_err(|e| errors.push(e))
        .ok();
    let mdr = match &b.mdr {
        Some(v) => whole_rupiah("mdr", v).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let (Some(date), Some(gross)) = (date, gross) else {
        return Err(WebError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    Ok(HandSettlement {
        date,
        gross: Rupiah(gross),
        mdr: mdr.map(Rupiah),
        note: b.note.clone(),
    })
}

/// Posts an acquirer's settlement typed by hand. More than the QRIS clearing balance, or a
/// closed year, is a 409 and nothing is posted.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/qris-settlements", tag = "payment",
    request_body = SettlementIn,
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 201, body = SettlementOut), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn post_settlement(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: Bytes,
) -> WebResult<(StatusCode, Json<SettlementOut>)> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let b: SettlementIn = json_body(&body)?;
    let s = hand_settlement(&b)?;
    let out = state
        .store
        .tenant(coop.id)
        .post_hand_settlement(&caller.actor(), &s)
        .await?;
    Ok((StatusCode::CREATED, Json(SettlementOut::from(&out))))
}

#[derive(Serialize, ToSchema)]
pub struct SettlementsOut {
    /// What the QRIS clearing account holds now: paid by QRIS, not yet settled.
    pub clearing_balance: i64,
    /// Newest first (at most 100).
    pub items: Vec<SettlementOut>,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/qris-settlements", tag = "payment",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = SettlementsOut), (status = 403, body = ApiErrorBody)))]
pub async fn list_settlements(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<SettlementsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadPayments).await?;
    let tenant = state.store.tenant(coop.id);
    Ok(Json(SettlementsOut {
        clearing_balance: tenant.qris_clearing_balance().await?,
        items: tenant
            .qris_settlements(100)
            .await?
            .iter()
            .map(SettlementOut::from)
            .collect(),
    }))
}
