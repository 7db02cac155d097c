//! Payment requests: made, shown, confirmed (posting to the books), cancelled.
//!
//! Invariants:
//! - a request is posted to the books at most once: confirming moves it from `menunggu` to
//!   `dibayar` by a conditional update, and the counter posting runs in the same transaction;
//!   a second confirmation (a cashier and a statement, two notifications) finds nothing to move
//!   and posts nothing;
//! - the totals of a coop's open requests differ (the unique code), and creating requests is
//!   serialised per coop (the `payment_request` counter row) so two at once cannot pick the
//!   same code;
//! - the unique code is the member's money: confirmed by QRIS or transfer, it is credited to
//!   the member's simpanan sukarela; a cash payment is the base amount alone.

use std::collections::HashSet;

use guyub_core::Msg;
use guyub_core::ids::{KoperasiId, MemberId, PaymentRequestId, ProductId, ReceiptId};
use guyub_core::money::Rupiah;
use guyub_core::payment::qris::Qris;
use guyub_core::payment::request::{
    ConfirmedVia, RefCode, RequestState, Validity, check_amount, check_cancellable,
    check_confirmable, state_at, unique_code,
};
use guyub_core::savings::{PayMethod, SavingsKind, TxKind};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, Record, diff};
use crate::counter::{CounterJob, post_counter_batch};
use crate::db::Tx;
use crate::savings::{CounterRequest, Movement};
use crate::sql::in_list_sql;
use crate::{Actor, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// How long after its expiry an unpaid request still counts as open for matching a statement
/// (and so keeps its total reserved): a transfer made on the last evening shows on the next
/// working day's statement, a long weekend later.
pub const LATE_PAYMENT_GRACE: Duration = Duration::days(7);

/// The most lines (products) one request pays for.
pub const MAX_LINES: usize = 10;

/// A request to make: a member's simpanan bill.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub member: MemberId,
    pub lines: Vec<(ProductId, Rupiah)>,
    pub description: Option<String>,
    pub validity: Validity,
    pub idem_key: Option<String>,
}

/// What a request pays for.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLine {
    pub product_id: ProductId,
    pub product_name: String,
    pub amount: i64,
}

/// A payment request as read back.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRequest {
    pub id: PaymentRequestId,
    pub koperasi_id: KoperasiId,
    pub ref_code: String,
    pub purpose: String,
    pub member_id: Option<MemberId>,
    pub member_no: Option<String>,
    pub member_name: Option<String>,
    pub description: String,
    pub base_amount: i64,
    pub unique_code: i64,
    pub total: i64,
    pub qris_payload: Option<String>,
    pub gateway: Option<String>,
    pub gateway_tx_id: Option<String>,
    /// The simpanan sukarela product the unique code is credited to.
    #[serde(skip)]
    pub code_product_id: Option<ProductId>,
    #[serde(skip)]
    pub public_token: String,
    /// The state now (`kedaluwarsa` derived from the expiry).
    pub state: RequestState,
    pub expires_at: OffsetDateTime,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub paid_at: Option<OffsetDateTime>,
    pub paid_method: Option<String>,
    pub paid_reference: Option<String>,
    pub confirmed_via: Option<String>,
    pub confirmed_by: Option<String>,
    pub receipt_id: Option<ReceiptId>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
    pub lines: Vec<RequestLine>,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<RequestState>,
    pub paid_method: Option<PayMethod>,
    pub member: Option<MemberId>,
    /// A reference code, or part of a member's name or number.
    pub q: Option<String>,
    /// Made on or after this day (UTC date of `created_at`).
    pub from: Option<OffsetDateTime>,
    /// Made before this instant.
    pub until: Option<OffsetDateTime>,
    pub limit: i64,
    pub offset: i64,
}

/// A confirmation of payment.
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub method: PayMethod,
    /// The payer's reference (RRN, transfer number) or the statement line's.
    pub reference: String,
    pub via: ConfirmedVia,
    /// The day the payment is booked on (the coop's local date).
    pub date: Date,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    koperasi_id: Uuid,
    id: Uuid,
    ref_code: String,
    purpose: String,
    member_id: Option<Uuid>,
    member_no: Option<String>,
    member_name: Option<String>,
    description: String,
    base_amount: i64,
    unique_code: i64,
    total: i64,
    qris_payload: Option<String>,
    gateway: Option<String>,
    gateway_tx_id: Option<String>,
    code_product_id: Option<Uuid>,
    public_token: String,
    state: String,
    expires_at: OffsetDateTime,
    created_by: String,
    created_at: OffsetDateTime,
    paid_at: Option<OffsetDateTime>,
    paid_method: Option<String>,
    paid_reference: Option<String>,
    confirmed_via: Option<String>,
    confirmed_by: Option<String>,
    receipt_id: Option<Uuid>,
    cancelled_at: Option<OffsetDateTime>,
    cancel_reason: Option<String>,
}

const REQUEST_COLS: &str = "r.koperasi_id, r.id, r.ref_code, r.purpose, r.member_id, m.member_no, m.name AS member_name,
    r.description, r.base_amount, r.unique_code, r.total, r.qris_payload, r.gateway, r.gateway_tx_id,
    r.code_product_id, r.public_token, r.state, r.expires_at, r.created_by, r.created_at, r.paid_at, r.paid_method,
    r.paid_reference, r.confirmed_via, r.confirmed_by, r.receipt_id, r.cancelled_at, r.cancel_reason";

const REQUEST_FROM: &str = "payment_request r
    LEFT JOIN member m ON m.koperasi_id = r.koperasi_id AND m.id = r.member_id";

impl RequestRow {
    fn into_request(
        self,
        at: OffsetDateTime,
        lines: Vec<RequestLine>,
    ) -> StoreResult<PaymentRequest> {
        let stored = RequestState::parse(&self.state)
            .ok_or_else(|| StoreError::corrupt(format!("request state {}", self.state)))?;
        Ok(PaymentRequest {
            id: PaymentRequestId(self.id),
            koperasi_id: KoperasiId(self.koperasi_id),
            ref_code: self.ref_code,
            purpose: self.purpose,
            member_id: self.member_id.map(MemberId),
            member_no: self.member_no,
            member_name: self.member_name,
            description: self.description,
            base_amount: self.base_amount,
            unique_code: self.unique_code,
            total: self.total,
            qris_payload: self.qris_payload,
            gateway: self.gateway,
            gateway_tx_id: self.gateway_tx_id,
            code_product_id: self.code_product_id.map(ProductId),
            public_token: self.public_token,
            state: state_at(stored, self.expires_at, at),
            expires_at: self.expires_at,
            created_by: self.created_by,
            created_at: self.created_at,
            paid_at: self.paid_at,
            paid_method: self.paid_method,
            paid_reference: self.paid_reference,
            confirmed_via: self.confirmed_via,
            confirmed_by: self.confirmed_by,
            receipt_id: self.receipt_id.map(ReceiptId),
            cancelled_at: self.cancelled_at,
            cancel_reason: self.cancel_reason,
            lines,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    request_id: Uuid,
    product_id: Uuid,
    product_name: String,
    amount: i64,
}

fn invalid(field: &str, id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![guyub_core::FieldError::new(field, Msg::new(id, en))])
}

/// 16 random bytes as 32 hex digits: the secret part of a payer's link.
fn public_token() -> StoreResult<String> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| StoreError::corrupt(format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh reference code from the random part of a UUIDv7.
fn fresh_ref() -> RefCode {
    let (_, random) = Uuid::now_v7().as_u64_pair();
    RefCode::from_bits(random)
}

/// Reads the lines of several requests in one statement.
async fn lines_of(
    tx_or_db: LinesSource<'_, '_>,
    k: KoperasiId,
    ids: &[Uuid],
) -> StoreResult<Vec<LineRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "{} ORDER BY l.request_id, l.line_no",
        in_list_sql(
            "SELECT l.request_id, l.product_id, p.name AS product_name, l.amount
             FROM payment_request_line l
             JOIN savings_product p ON p.koperasi_id = l.koperasi_id AND p.id = l.product_id
             WHERE l.koperasi_id = $1 AND l.request_id IN (",
            ids.len()
        )
    );
    let rows = match tx_or_db {
        LinesSource::Db(db) => on_db!(db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for id in ids { q = q.bind(*id); }
            q.fetch_all(p).await
        })?,
        LinesSource::Tx(tx) => on_tx!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for id in ids { q = q.bind(*id); }
            q.fetch_all(&mut **c).await
        })?,
    };
    Ok(rows)
}

enum LinesSource<'a, 'c> {
    Db(&'a crate::db::Db),
    Tx(&'a mut Tx<'c>),
}

fn attach_lines(
    rows: Vec<RequestRow>,
    lines: Vec<LineRow>,
    at: OffsetDateTime,
) -> StoreResult<Vec<PaymentRequest>> {
    let mut by_request: std::collections::HashMap<Uuid, Vec<RequestLine>> =
        std::collections::HashMap::new();
    for l in lines {
        by_request
            .entry(l.request_id)
            .or_default()
            .push(RequestLine {
                product_id: ProductId(l.product_id),
                product_name: l.product_name,
                amount: l.amount,
            });
    }
    rows.into_iter()
        .map(|r| {
            let ls = by_request.remove(&r.id).unwrap_or_default();
            r.into_request(at, ls)
        })
        .collect()
}

/// Reads one request in `tx`.
pub(crate) async fn request_tx(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    id: PaymentRequestId,
) -> StoreResult<PaymentRequest> {
    let sql =
        format!("SELECT {REQUEST_COLS} FROM {REQUEST_FROM} WHERE r.koperasi_id = $1 AND r.id = $2");
    let row: Option<RequestRow> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(k.0).bind(id.0).fetch_optional(&mut **c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let lines = lines_of(LinesSource::Tx(tx), k, &[row.id]).await?;
    attach_lines(vec![row], lines, now())?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Several requests of a coop, read in `tx` (those not found are left out).
pub(crate) async fn requests_tx(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    ids: &[Uuid],
) -> StoreResult<Vec<PaymentRequest>> {
    let mut out = Vec::with_capacity(ids.len());
    let at = now();
    for chunk in ids.chunks(500) {
        let sql = in_list_sql(
            &format!(
                "SELECT {REQUEST_COLS} FROM {REQUEST_FROM} WHERE r.koperasi_id = $1 AND r.id IN ("
            ),
            chunk.len(),
        );
        let rows: Vec<RequestRow> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(&mut **c).await
        })?;
        let lines = lines_of(LinesSource::Tx(&mut *tx), k, chunk).await?;
        out.extend(attach_lines(rows, lines, at)?);
    }
    Ok(out)
}

/// The totals of the coop's requests that are still open for matching (unpaid, not cancelled,
/// not past expiry by more than [`LATE_PAYMENT_GRACE`]) between `lo` and `hi`.
async fn open_totals(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    lo: i64,
    hi: i64,
    at: OffsetDateTime,
) -> StoreResult<HashSet<i64>> {
    let rows: Vec<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT total FROM payment_request
         WHERE koperasi_id = $1 AND state = 'menunggu' AND total BETWEEN $2 AND $3 AND expires_at > $4")
        .bind(k.0).bind(lo).bind(hi).bind(at - LATE_PAYMENT_GRACE).fetch_all(&mut **c).await)?;
    Ok(rows.into_iter().collect())
}

/// A request to confirm, with how it was paid.
pub(crate) struct ToConfirm {
    pub request: PaymentRequest,
    pub c: Confirmation,
}

/// The counter deposit that pays `r` by `c`: each line, plus the unique code to the member's
/// simpanan sukarela when paid by QRIS or transfer.
fn counter_job(actor: &Actor, r: &PaymentRequest, c: &Confirmation) -> StoreResult<CounterJob> {
    let member = r
        .member_id
        .ok_or_else(|| StoreError::corrupt("a simpanan request without a member"))?;
    let deposit = |product, amount| Movement {
        product,
        kind: TxKind::Deposit.as_str().to_string(),
        amount: Rupiah(amount),
    };
    let mut movements: Vec<Movement> = r
        .lines
        .iter()
        .map(|l| deposit(l.product_id, l.amount))
        .collect();
    if c.method != PayMethod::Cash
        && r.unique_code > 0
        && let Some(p) = r.code_product_id
    {
        match movements.iter_mut().find(|m| m.product == p) {
            Some(m) => m.amount = Rupiah(m.amount.0 + r.unique_code),
            None => movements.push(deposit(p, r.unique_code)),
        }
    }
    Ok(CounterJob {
        actor: actor.clone(),
        idem_key: None,
        req: CounterRequest {
            member,
            method: c.method.as_str().to_string(),
            date: c.date,
            movements,
            note: Some(format!("Tagihan {} · ref {}", r.ref_code, c.reference)),
        },
    })
}

/// Confirms requests inside `tx`: posts each one's counter deposit (in batches, as the desk
/// does), then moves it to `dibayar` with its receipt. Each request gets its own answer: one
/// already paid or cancelled, or that the counter refuses (a member who left, a closed year),
/// is refused and nothing of it is written. The outer error means the database failed or a
/// request was confirmed by someone else meanwhile; the caller rolls `tx` back.
pub(crate) async fn confirm_many(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    actor: &Actor,
    items: &[ToConfirm],
) -> StoreResult<Vec<StoreResult<ReceiptId>>> {
    let mut out: Vec<Option<StoreResult<ReceiptId>>> = items.iter().map(|_| None).collect();
    let mut jobs = vec![];
    let mut job_of = vec![];
    for (i, it) in items.iter().enumerate() {
        match check_confirmable(it.request.state) {
            // Pasar (issue #5): a checkout's payment pays orders, not simpanan, and has no
            // receipt; it is confirmed with `Tenant::confirm_checkout_payment`
            // (market/order.rs), which posts the orders. Refused here so it never reaches the
            // counter (which needs a member) and a statement line goes to review.
            Ok(()) if it.request.purpose == "pasar" => {
                out[i] = Some(Err(StoreError::Conflict(Msg::new(
                    "Tagihan ini untuk pesanan pasar; konfirmasi dari halaman pesanan.",
                    "This request pays a marketplace checkout; confirm it from the checkout.",
                ))));
            }
            Ok(()) => {
                jobs.push(counter_job(actor, &it.request, &it.c)?);
                job_of.push(i);
            }
            Err(m) => out[i] = Some(Err(StoreError::Conflict(m))),
        }
    }
    let mut answers = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(COUNTER_CHUNK) {
        answers.extend(post_counter_batch(tx, k, chunk, crate::counter::KeyLookup::First).await?);
    }
    tracing::debug!(target: "guyub::statement", jobs = jobs.len(), "counter batches posted");
    let t = now();
    let mut records = vec![];
    let mut paid: Vec<(usize, ReceiptId)> = vec![];
    for (answer, i) in answers.into_iter().zip(job_of) {
        let it = &items[i];
        let receipt = match answer {
            Ok(r) => r.id,
            Err(e) => {
                out[i] = Some(Err(e));
                continue;
            }
        };
        paid.push((i, receipt));
        records.push(Record {
            actor,
            entity: "payment_request",
            entity_id: it.request.id.to_string(),
            action: Action::Update,
            changes: diff([
                (
                    "state",
                    Some(it.request.state.as_str().to_string()),
                    Some("dibayar".to_string()),
                ),
                ("paid_method", None, Some(it.c.method.as_str().to_string())),
                ("paid_reference", None, Some(it.c.reference.clone())),
                ("confirmed_via", None, Some(it.c.via.as_str().to_string())),
            ]),
        });
        out[i] = Some(Ok(receipt));
    }
    mark_paid(tx, k, actor, t, items, &paid).await?;
    audit::record_rows(tx, k, &records).await?;
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(StoreError::corrupt("a request without an answer"))))
        .collect())
}

/// Moves the requests that were posted from `menunggu` to `dibayar`, several to a statement.
/// Each must still be `menunggu`: if one is not (confirmed or cancelled by someone else
/// meanwhile), the whole confirmation is refused and the caller rolls back.
async fn mark_paid(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    actor: &Actor,
    t: OffsetDateTime,
    items: &[ToConfirm],
    paid: &[(usize, ReceiptId)],
) -> StoreResult<()> {
    // Per row: id, reference, receipt, method, via.
    const COLS: usize = 5;
    for chunk in paid.chunks(crate::sql::rows_per_statement(tx.engine(), COLS)) {
        let n = chunk.len();
        let p = |row: usize, col: usize| 4 + row * COLS + col;
        let case = |col: usize| {
            let mut c = String::from("CASE id");
            for row in 0..n {
                c.push_str(&format!(" WHEN ${} THEN ${}", p(row, 0), p(row, col)));
            }
            c.push_str(" END");
            c
        };
        let ids = (0..n)
            .map(|row| format!("${}", p(row, 0)))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "UPDATE payment_request SET state = 'dibayar', paid_at = $2, confirmed_by = $3,
                paid_reference = {}, receipt_id = {}, paid_method = {}, confirmed_via = {}
             WHERE koperasi_id = $1 AND state = 'menunggu' AND id IN ({ids})",
            case(1),
            case(2),
            case(3),
            case(4)
        );
        let moved = on_tx!(&mut *tx, cx => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(k.0).bind(t).bind(actor.name.clone());
            for (i, receipt) in chunk {
                let it = &items[*i];
                q = q.bind(it.request.id.0).bind(it.c.reference.clone()).bind(receipt.0)
                    .bind(it.c.method.as_str()).bind(it.c.via.as_str());
            }
            q.execute(&mut **cx).await.map(|r| r.rows_affected())
        })?;
        if moved != n as u64 {
            return Err(StoreError::Conflict(Msg::new(
                "Tagihan ini baru saja dikonfirmasi atau dibatalkan oleh orang lain; tidak ada yang dicatat.",
                "This request was just confirmed or cancelled by someone else; nothing was posted.",
            )));
        }
    }
    Ok(())
}

/// Requests posted per counter batch (the desk's batch size, well under PostgreSQL's limit of
/// bound parameters per statement).
const COUNTER_CHUNK: usize = 256;

impl Tenant<'_> {
    /// Makes a payment request for a member's simpanan. The total gets a unique code (credited
    /// to the member's simpanan sukarela when paid by QRIS or transfer), and, when the coop has
    /// a static QRIS, the dynamic QRIS for that total. With an idempotency key, a replay
    /// returns the first request.
    pub async fn create_payment_request(
        &self,
        actor: &Actor,
        r: &NewRequest,
    ) -> StoreResult<PaymentRequest> {
        let k = self.koperasi_id;
        if let Some(key) = &r.idem_key
            && let Some(id) = self.request_by_idem(key).await?
        {
            return self.payment_request(id).await;
        }
        let base = check_lines(&r.lines)?;
        let description = r
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        if description.is_some_and(|d| d.chars().count() > 200) {
            return Err(invalid(
                "description",
                "Keterangan paling panjang 200 karakter.",
                "The description may be at most 200 characters.",
            ));
        }
        let products = self.products().await?;
        let mut tx = self.db.begin_write().await?;
        // Serialises request creation per coop (PostgreSQL holds this row's lock to commit),
        // so two requests made at once cannot pick the same unique code.
        crate::ledger::reserve_seq(&mut tx, k, "payment_request", 1).await?;
        let status: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT status FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(r.member.0).fetch_optional(&mut **c).await)?;
        match status.as_deref() {
            None => {
                return Err(invalid(
                    "member",
                    "Anggota tidak ditemukan.",
                    "Member not found.",
                ));
            }
            Some("aktif") => {}
            Some(_) => {
                return Err(StoreError::Conflict(Msg::new(
                    "Anggota ini sudah tidak aktif; tagihan simpanan tidak dapat dibuat.",
                    "This member is no longer active; no savings request can be made.",
                )));
            }
        }
        let mut names = vec![];
        for (pid, _) in &r.lines {
            match products.iter().find(|p| p.id == *pid) {
                Some(p) if p.active => names.push(p.name.clone()),
                Some(p) => {
                    return Err(invalid(
                        "lines",
                        format!("Produk {} sudah tidak aktif.", p.name),
                        format!("Product {} is no longer active.", p.name),
                    ));
                }
                None => {
                    return Err(invalid(
                        "lines",
                        "Produk simpanan tidak ditemukan.",
                        "Savings product not found.",
                    ));
                }
            }
        }
        let code_product = products
            .iter()
            .filter(|p| p.active && p.kind() == SavingsKind::Sukarela)
            .min_by(|a, b| a.code.cmp(&b.code))
            .map(|p| p.id);
        let t = now();
        let code = match code_product {
            Some(_) => {
                let taken = open_totals(&mut tx, k, base.0 + 1, base.0 + 999, t).await?;
                unique_code(base, &taken).unwrap_or(0)
            }
            None => 0,
        };
        let total = Rupiah(base.0 + code);
        let qris = self.dynamic_qris_tx(&mut tx, total).await?;
        let id = PaymentRequestId::new();
        let description = description
            .map(str::to_string)
            .unwrap_or_else(|| names.join(", "));
        let expires_at = t + r.validity.duration();
        let token = public_token()?;
        let mut ref_code = fresh_ref();
        for _ in 0..5 {
            let taken: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
                "SELECT 1 FROM payment_request WHERE koperasi_id = $1 AND ref_code = $2")
                .bind(k.0).bind(ref_code.as_str()).fetch_optional(&mut **c).await)?;
            if taken.is_none() {
                break;
            }
            ref_code = fresh_ref();
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO payment_request (koperasi_id, id, ref_code, purpose, member_id, description, base_amount,
                unique_code, total, code_product_id, qris_payload, public_token, state, expires_at, idem_key,
                created_by, created_at)
             VALUES ($1, $2, $3, 'simpanan', $4, $5, $6, $7, $8, $9, $10, $11, 'menunggu', $12, $13, $14, $15)")
            .bind(k.0).bind(id.0).bind(ref_code.as_str()).bind(r.member.0).bind(description.clone())
            .bind(base.0).bind(code).bind(total.0).bind(code_product.filter(|_| code > 0).map(|p| p.0))
            .bind(qris.clone()).bind(token).bind(expires_at).bind(r.idem_key.clone())
            .bind(actor.name.clone()).bind(t)
            .execute(&mut **c).await.map(|_| ()))?;
        // At most MAX_LINES rows: one statement.
        let sql = crate::sql::values_sql(
            "INSERT INTO payment_request_line (koperasi_id, request_id, line_no, product_id, amount)",
            r.lines.len(),
            5,
        );
        on_tx!(&mut tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (no, (pid, amount)) in (1i64..).zip(&r.lines) {
                q = q.bind(k.0).bind(id.0).bind(no).bind(pid.0).bind(amount.0);
            }
            q.execute(&mut **c).await.map(|_| ())
        })?;
        audit::record(
            &mut tx,
            k,
            actor,
            "payment_request",
            &id.to_string(),
            Action::Create,
            &diff([
                ("ref_code", None, Some(ref_code.to_string())),
                ("member_id", None, Some(r.member.to_string())),
                ("total", None, Some(total.0.to_string())),
                ("expires_at", None, Some(expires_at.to_string())),
            ]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.payment_request(id).await
    }

    async fn request_by_idem(&self, key: &str) -> StoreResult<Option<PaymentRequestId>> {
        let id: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM payment_request WHERE koperasi_id = $1 AND idem_key = $2")
            .bind(self.koperasi_id.0).bind(key).fetch_optional(p).await)?;
        Ok(id.map(PaymentRequestId))
    }

    /// The coop's static QRIS turned into a one-payment code for `total`, if it has one.
    async fn dynamic_qris_tx(&self, tx: &mut Tx<'_>, total: Rupiah) -> StoreResult<Option<String>> {
        let stat: Option<String> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT payload FROM payment_qris WHERE koperasi_id = $1")
            .bind(self.koperasi_id.0).fetch_optional(&mut **c).await)?;
        let Some(stat) = stat else { return Ok(None) };
        let q =
            Qris::parse(&stat).map_err(|e| StoreError::corrupt(format!("stored QRIS: {e:?}")))?;
        let d = q
            .to_dynamic(total, None)
            .map_err(|e| StoreError::corrupt(format!("QRIS conversion: {e:?}")))?;
        Ok(Some(d.into_string()))
    }

    /// One request of this coop.
    pub async fn payment_request(&self, id: PaymentRequestId) -> StoreResult<PaymentRequest> {
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM {REQUEST_FROM} WHERE r.koperasi_id = $1 AND r.id = $2"
        );
        let row: Option<RequestRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let lines = lines_of(LinesSource::Db(self.db), self.koperasi_id, &[row.id]).await?;
        attach_lines(vec![row], lines, now())?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// One request by its reference code.
    pub async fn payment_request_by_ref(&self, code: &RefCode) -> StoreResult<PaymentRequest> {
        let id: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM payment_request WHERE koperasi_id = $1 AND ref_code = $2")
            .bind(self.koperasi_id.0).bind(code.as_str()).fetch_optional(p).await)?;
        self.payment_request(PaymentRequestId(id.ok_or(StoreError::NotFound)?))
            .await
    }

    /// The coop's requests, newest first, with the number that match the filter.
    pub async fn payment_requests(
        &self,
        f: &RequestFilter,
    ) -> StoreResult<(Vec<PaymentRequest>, i64)> {
        let t = now();
        let mut wh = vec!["r.koperasi_id = $1".to_string()];
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        // Open and expired differ by the clock (the one filter that binds `now`).
        let by_clock = matches!(f.state, Some(RequestState::Open | RequestState::Expired));
        match f.state {
            Some(RequestState::Open) => wh.push(format!(
                "r.state = 'menunggu' AND r.expires_at > ${}",
                next()
            )),
            Some(RequestState::Expired) => wh.push(format!(
                "r.state = 'menunggu' AND r.expires_at <= ${}",
                next()
            )),
            Some(RequestState::Paid) => wh.push("r.state = 'dibayar'".to_string()),
            Some(RequestState::Cancelled) => wh.push("r.state = 'dibatalkan'".to_string()),
            None => {}
        }
        let method_p = f.paid_method.map(|_| next());
        if let Some(i) = method_p {
            wh.push(format!("r.paid_method = ${i}"));
        }
        let member_p = f.member.map(|_| next());
        if let Some(i) = member_p {
            wh.push(format!("r.member_id = ${i}"));
        }
        let search = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let q_p = search.map(|_| next());
        if let Some(i) = q_p {
            wh.push(format!(
                "(r.ref_code = UPPER(${i}) OR LOWER(m.name) LIKE '%' || LOWER(${i}) || '%' OR m.member_no = ${i})"
            ));
        }
        let from_p = f.from.map(|_| next());
        if let Some(i) = from_p {
            wh.push(format!("r.created_at >= ${i}"));
        }
        let until_p = f.until.map(|_| next());
        if let Some(i) = until_p {
            wh.push(format!("r.created_at < ${i}"));
        }
        let where_sql = wh.join(" AND ");
        let limit = f.limit.clamp(1, 500);
        let offset = f.offset.max(0);
        let list_sql = format!(
            "SELECT {REQUEST_COLS} FROM {REQUEST_FROM} WHERE {where_sql}
             ORDER BY r.created_at DESC, r.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let count_sql =
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {REQUEST_FROM} WHERE {where_sql}");
        macro_rules! binds {
            ($q:expr) => {{
                let mut q = $q.bind(self.koperasi_id.0);
                if by_clock {
                    q = q.bind(t);
                }
                if let Some(m) = f.paid_method {
                    q = q.bind(m.as_str());
                }
                if let Some(m) = f.member {
                    q = q.bind(m.0);
                }
                if let Some(s) = search {
                    q = q.bind(s.to_string());
                }
                // Instants compare in UTC: SQLite keeps them as text, where another offset
                // would compare as a different string.
                if let Some(d) = f.from {
                    q = q.bind(d.to_offset(time::UtcOffset::UTC));
                }
                if let Some(d) = f.until {
                    q = q.bind(d.to_offset(time::UtcOffset::UTC));
                }
                q
            }};
        }
        let rows: Vec<RequestRow> = on_db!(self.db, p =>
            binds!(sqlx::query_as(sqlx::AssertSqlSafe(list_sql.clone()))).fetch_all(p).await)?;
        let count: i64 = on_db!(self.db, p =>
            binds!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone()))).fetch_one(p).await)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let lines = lines_of(LinesSource::Db(self.db), self.koperasi_id, &ids).await?;
        Ok((attach_lines(rows, lines, t)?, count))
    }

    /// Confirms a request as paid and posts it to the books, in one transaction: the receipt
    /// and journal entry of a counter deposit (Dr Kas / Bank / Kliring QRIS − Cr each
    /// simpanan). A request already paid or cancelled is a conflict and nothing is written.
    pub async fn confirm_payment_request(
        &self,
        actor: &Actor,
        id: PaymentRequestId,
        c: &Confirmation,
    ) -> StoreResult<(PaymentRequest, ReceiptId)> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let request = request_tx(&mut tx, k, id).await?;
        let item = ToConfirm {
            request,
            c: c.clone(),
        };
        let receipt = confirm_many(&mut tx, k, actor, std::slice::from_ref(&item))
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::corrupt("no answer")))?;
        let after = request_tx(&mut tx, k, id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok((after, receipt))
    }

    /// Cancels a request not yet paid.
    pub async fn cancel_payment_request(
        &self,
        actor: &Actor,
        id: PaymentRequestId,
        reason: &str,
    ) -> StoreResult<PaymentRequest> {
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(invalid(
                "reason",
                "Tulis alasan pembatalan (paling panjang 200 karakter).",
                "Give the reason for cancelling (at most 200 characters).",
            ));
        }
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let before = request_tx(&mut tx, k, id).await?;
        check_cancellable(before.state).map_err(StoreError::Conflict)?;
        let moved = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE payment_request SET state = 'dibatalkan', cancelled_at = $3, cancel_reason = $4
             WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
            .bind(k.0).bind(id.0).bind(now()).bind(reason.clone())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if moved != 1 {
            return Err(StoreError::Conflict(Msg::new(
                "Tagihan ini baru saja berubah; muat ulang halaman.",
                "This request just changed; reload the page.",
            )));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "payment_request",
            &id.to_string(),
            Action::Update,
            &diff([
                (
                    "state",
                    Some(before.state.as_str().to_string()),
                    Some("dibatalkan".to_string()),
                ),
                ("cancel_reason", None, Some(reason)),
            ]),
        )
        .await?;
        let after = request_tx(&mut tx, k, id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(after)
    }

    /// Records the gateway's own dynamic QRIS for a request (after a successful charge).
    pub async fn set_request_gateway(
        &self,
        id: PaymentRequestId,
        gateway: &str,
        tx_id: &str,
        qris_payload: &str,
    ) -> StoreResult<()> {
        let n = on_db!(self.db, p => sqlx::query(
            "UPDATE payment_request SET gateway = $3, gateway_tx_id = $4, qris_payload = $5
             WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
            .bind(self.koperasi_id.0).bind(id.0).bind(gateway).bind(tx_id).bind(qris_payload)
            .execute(p).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}

/// Checks a request's lines: one to [`MAX_LINES`], each amount valid, no product twice.
/// Returns the base amount.
fn check_lines(lines: &[(ProductId, Rupiah)]) -> StoreResult<Rupiah> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(invalid(
            "lines",
            format!("Tagihan berisi 1 sampai {MAX_LINES} simpanan."),
            format!("A request holds 1 to {MAX_LINES} savings lines."),
        ));
    }
    let mut seen = HashSet::new();
    let mut sum = Rupiah(0);
    for (p, a) in lines {
        if !seen.insert(*p) {
            return Err(invalid(
                "lines",
                "Satu produk simpanan hanya boleh muncul sekali.",
                "Each savings product may appear once.",
            ));
        }
        check_amount(*a)
            .map_err(|m| StoreError::Invalid(vec![guyub_core::FieldError::new("lines", m)]))?;
        sum = sum.checked_add(*a).unwrap_or(Rupiah(i64::MAX));
    }
    check_amount(sum)
        .map_err(|m| StoreError::Invalid(vec![guyub_core::FieldError::new("amount", m)]))?;
    Ok(sum)
}

/// What the payer's public page shows: no member number, no NIK, only what is on the bill.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRequest {
    pub koperasi_id: KoperasiId,
    pub coop_name: String,
    #[serde(skip)]
    pub timezone: guyub_core::coop::CoopTimeZone,
    pub request: PaymentRequest,
}

impl Store {
    /// A request by the secret token of the payer's link, with its coop's name.
    pub async fn payment_request_by_token(&self, token: &str) -> StoreResult<PublicRequest> {
        let token = token.trim();
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        let row: Option<(Uuid, Uuid, String, String)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT r.koperasi_id, r.id, k.name, k.timezone FROM payment_request r JOIN koperasi k ON k.id = r.koperasi_id
             WHERE r.public_token = $1")
            .bind(token.to_ascii_lowercase()).fetch_optional(p).await)?;
        let (k, id, coop_name, tz) = row.ok_or(StoreError::NotFound)?;
        let timezone = guyub_core::coop::CoopTimeZone::parse(&tz)
            .ok_or_else(|| StoreError::corrupt(format!("time zone {tz}")))?;
        let request = self
            .tenant(KoperasiId(k))
            .payment_request(PaymentRequestId(id))
            .await?;
        Ok(PublicRequest {
            koperasi_id: KoperasiId(k),
            coop_name,
            timezone,
            request,
        })
    }
}
