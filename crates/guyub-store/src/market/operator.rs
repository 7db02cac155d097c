//! The storefront operator of the public marketplace (`/pasar`) and the settlements between an
//! operator coop and its merchant coops (issue #5 part 6).
//!
//! **The operator.** One row (`market_operator`, singleton) names the coop that runs the public
//! `/pasar` storefront for the whole instance and its fee rate in basis points on goods (0 to
//! 2000, the core's `check_fee_bp`). Only the platform admin sets it (the admin page and the
//! CLI `guyub pasar-operator`). The coop must exist and have its marketplace opted in
//! (`market_settings.opt_in`; coops have no other "active" flag). When no row exists, a `/pasar`
//! checkout is operated by the coop of the cart's first line, as before; a coop's own
//! storefront and its store counter are always their own operator (no fee).
//!
//! At checkout the operator's rate is fixed on every order of another coop
//! (`market_order.operator_fee_bp`, `operator_fee`), so a later change never touches old
//! orders. The books of the fee are written at payment by `order.rs` (`sale_entries`).
//!
//! **Settlement.** The operator collects the buyer's money for a merchant coop's order and owes
//! it, less its fee, on *Utang kepada koperasi penjual* (2113); the merchant holds the same
//! amount on *Piutang koperasi lain* (1107). A settlement batch pays one merchant coop for its
//! paid orders of a date range (the checkout's payment date, on the operator's calendar), by
//! bank or cash, in one transaction: operator Dr 2113 — Cr Bank/Kas, merchant Dr Bank/Kas —
//! Cr 1107, the batch row, and each order linked to it.
//!
//! Invariants:
//! - an order's sale is settled at most once (`settlement_id`), and a refund at most once
//!   (`refund_settlement_id`): each link is a conditional update on what was read
//!   (`… IS NULL AND refund_total = <read>`); one coming up short rolls the whole batch back
//!   (two batches at once: one wins, the other changes nothing);
//! - a refund made **after** its sale was settled is netted by the **next** settlement of that
//!   merchant, whatever its date range: until then the refund's mirror entry leaves 2113 with a
//!   debit and 1107 with a credit of the same amount in the two coops' books, and the next
//!   batch pays that much less (a batch whose refunds exceed its sales is refused: nothing to
//!   pay). A refund made before the sale was settled is settled with it (net of it);
//! - an order refunded in full before settlement owes nothing and is never in a batch;
//! - the amounts of a batch are `gross − fee − refunds = amount` and equal the entries' lines;
//! - a replayed form (same operator and idempotency key) returns the first batch.

use std::collections::BTreeMap;

use guyub_core::ids::{EntryId, KoperasiId, MarketSettlementId, OrderId};
use guyub_core::ledger::{AccountRole, LineInput};
use guyub_core::market::dashboard::day_start_utc;
use guyub_core::market::operator::{OrderMoney, SettleTake, check_fee_bp, settle_take};
use guyub_core::money::Rupiah;
use guyub_core::{FieldError, Msg};
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::{Db, Tx};
use crate::ledger::{self, NewEntry, Source};
use crate::market::order::{coop_offsets, local_date};
use crate::sql::Script;
use crate::{Actor, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// The longest date range of one settlement (a year and a day).
pub const MAX_RANGE_DAYS: i64 = 366;

fn invalid(field: &str, id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, Msg::new(id, en))])
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Msg::new(id, en))
}

/// The instance's `/pasar` operator.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MarketOperator {
    pub koperasi_id: KoperasiId,
    pub koperasi_name: String,
    pub fee_bp: i64,
    pub updated_by: String,
    pub updated_at: OffsetDateTime,
}

/// How a settlement is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SettleMethod {
    Bank,
    Cash,
}

impl SettleMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SettleMethod::Bank => "bank",
            SettleMethod::Cash => "kas",
        }
    }

    pub fn parse(s: &str) -> Option<SettleMethod> {
        match s {
            "bank" => Some(SettleMethod::Bank),
            "kas" => Some(SettleMethod::Cash),
            _ => None,
        }
    }

    fn role(self) -> AccountRole {
        match self {
            SettleMethod::Bank => AccountRole::Bank,
            SettleMethod::Cash => AccountRole::Cash,
        }
    }
}

/// A settlement to make: the operator (the tenant) pays `merchant` for its orders paid
/// `from..=to` (the operator's calendar) and nets its refunds not yet netted.
#[derive(Debug, Clone)]
pub struct SettlementInput {
    pub merchant: KoperasiId,
    pub from: Date,
    pub to: Date,
    pub method: SettleMethod,
    pub idem_key: Option<String>,
}

/// One order in a settlement (or its preview).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SettleLine {
    pub order_id: OrderId,
    pub order_no: String,
    pub paid_at: Option<OffsetDateTime>,
    /// The sale's total when this settles the sale, else 0.
    pub gross: i64,
    /// The operator's fee when this settles the sale, else 0.
    pub fee: i64,
    /// The refund netted (net of the fee given back), else 0.
    pub refund: i64,
    /// `gross − fee − refund`.
    pub net: i64,
}

/// What a settlement would take now.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SettlePreview {
    pub lines: Vec<SettleLine>,
    pub gross: i64,
    pub fee: i64,
    pub refunds: i64,
    pub amount: i64,
}

/// What one coop owes (or is owed by) another, not yet settled.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CoopOwed {
    /// The other coop: the merchant (operator's view) or the operator (merchant's view).
    pub koperasi_id: KoperasiId,
    pub koperasi_name: String,
    pub orders: i64,
    pub amount: i64,
}

/// A settlement batch, as both coops see it.
#[derive(Debug, Clone, Serialize)]
pub struct Settlement {
    pub id: MarketSettlementId,
    pub operator_id: KoperasiId,
    pub operator_name: String,
    pub merchant_id: KoperasiId,
    pub merchant_name: String,
    pub period_from: Date,
    pub period_to: Date,
    pub method: String,
    pub gross: i64,
    pub fee: i64,
    pub refunds: i64,
    pub amount: i64,
    pub order_count: i64,
    pub operator_entry_id: EntryId,
    pub merchant_entry_id: EntryId,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// An order of a settlement as read: id, number, paid at, total, fee, refund, refund fee,
/// whether this batch settled its sale, whether it netted its refund.
type ReportRow = (
    Uuid,
    String,
    Option<OffsetDateTime>,
    i64,
    i64,
    i64,
    i64,
    bool,
    bool,
);

/// A settlement with its orders: the printable report.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementReport {
    pub settlement: Settlement,
    pub lines: Vec<SettleLine>,
}

type OperatorRow = (Uuid, String, i64, String, OffsetDateTime);

async fn operator_row(db: &Db) -> StoreResult<Option<MarketOperator>> {
    let row: Option<OperatorRow> = on_db!(db, p => sqlx::query_as(
        "SELECT o.koperasi_id, k.name, o.fee_bp, o.updated_by, o.updated_at
         FROM market_operator o JOIN koperasi k ON k.id = o.koperasi_id WHERE o.singleton = 1")
        .fetch_optional(p).await)?;
    Ok(row.map(|r| MarketOperator {
        koperasi_id: KoperasiId(r.0),
        koperasi_name: r.1,
        fee_bp: r.2,
        updated_by: r.3,
        updated_at: r.4,
    }))
}

impl Store {
    /// The instance's `/pasar` operator, if one is set.
    pub async fn market_operator(&self) -> StoreResult<Option<MarketOperator>> {
        operator_row(&self.db).await
    }

    /// A coop by its id, its code (`KSPMLG`) or its storefront slug: for the CLI.
    pub async fn coop_by_ref(&self, s: &str) -> StoreResult<KoperasiId> {
        let s = s.trim();
        if let Ok(u) = Uuid::parse_str(s) {
            let id: Option<Uuid> = on_db!(&self.db, p => sqlx::query_scalar(
                "SELECT id FROM koperasi WHERE id = $1").bind(u).fetch_optional(p).await)?;
            return id.map(KoperasiId).ok_or(StoreError::NotFound);
        }
        let id: Option<Uuid> = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT id FROM koperasi WHERE code = $1
             UNION SELECT koperasi_id FROM market_settings WHERE slug = $2")
            .bind(s.to_ascii_uppercase()).bind(s.to_ascii_lowercase()).fetch_optional(p).await)?;
        id.map(KoperasiId).ok_or(StoreError::NotFound)
    }

    /// Names `coop` the operator of the public `/pasar` with a fee of `fee_bp` basis points on
    /// goods (0 to 2000), for the orders placed from now on. The platform admin's act: the
    /// caller checks that. Refused with nothing written: a rate out of range, a coop that does
    /// not exist or whose marketplace is not opted in. Audited in the coop's log (and the
    /// previous operator's, when it changes).
    pub async fn set_market_operator(
        &self,
        actor: &Actor,
        coop: KoperasiId,
        fee_bp: i64,
    ) -> StoreResult<MarketOperator> {
        let bp = check_fee_bp(fee_bp)
            .map_err(|m| StoreError::Invalid(vec![FieldError::new("fee_bp", m)]))?;
        let before = operator_row(&self.db).await?;
        let mut tx = self.db.begin_write().await?;
        let opted: Option<(bool,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT s.opt_in FROM koperasi k JOIN market_settings s ON s.koperasi_id = k.id WHERE k.id = $1")
            .bind(coop.0).fetch_optional(&mut **c).await)?;
        match opted {
            Some((true,)) => {}
            _ => {
                return Err(invalid(
                    "koperasi",
                    "Koperasi ini belum membuka pasarnya untuk umum (pengaturan pasar: ikut pasar bersama), jadi tidak dapat menjadi operator.",
                    "This coop has not opened its marketplace to the public (market settings: join the shared marketplace), so it cannot be the operator.",
                ));
            }
        }
        let t = now();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO market_operator (singleton, koperasi_id, fee_bp, updated_by, updated_at)
             VALUES (1, $1, $2, $3, $4)
             ON CONFLICT (singleton) DO UPDATE SET koperasi_id = excluded.koperasi_id, fee_bp = excluded.fee_bp,
                updated_by = excluded.updated_by, updated_at = excluded.updated_at")
            .bind(coop.0).bind(i64::from(bp.0)).bind(actor.name.clone()).bind(t)
            .execute(&mut **c).await.map(|_| ()))?;
        let changes = diff([
            (
                "operator",
                before.as_ref().map(|b| b.koperasi_id.to_string()),
                Some(coop.to_string()),
            ),
            (
                "fee_bp",
                before.as_ref().map(|b| b.fee_bp.to_string()),
                Some(bp.0.to_string()),
            ),
        ]);
        audit::record(
            &mut tx,
            coop,
            actor,
            "market_operator",
            "pasar",
            Action::Update,
            &changes,
        )
        .await?;
        if let Some(b) = before.as_ref().filter(|b| b.koperasi_id != coop) {
            audit::record(
                &mut tx,
                b.koperasi_id,
                actor,
                "market_operator",
                "pasar",
                Action::Update,
                &changes,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        operator_row(&self.db).await?.ok_or(StoreError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------------
// Open items
// ---------------------------------------------------------------------------------------------

/// An order between two coops with something left to settle, as read.
#[derive(sqlx::FromRow)]
struct OpenRow {
    koperasi_id: Uuid,
    checkout_koperasi_id: Uuid,
    id: Uuid,
    order_no: String,
    paid_at: Option<OffsetDateTime>,
    total: i64,
    operator_fee: i64,
    refund_total: i64,
    refund_fee: i64,
    sale_settled: bool,
    refund_settled: bool,
}

impl OpenRow {
    fn take(&self) -> Option<SettleTake> {
        settle_take(
            OrderMoney {
                total: self.total,
                fee: self.operator_fee,
                refund: self.refund_total,
                refund_fee: self.refund_fee,
            },
            self.sale_settled,
            self.refund_settled,
        )
    }

    fn line(&self, t: &SettleTake) -> SettleLine {
        let (gross, fee) = if t.sale {
            (self.total, self.operator_fee)
        } else {
            (0, 0)
        };
        let refund = if t.refund {
            self.refund_total - self.refund_fee
        } else {
            0
        };
        SettleLine {
            order_id: OrderId(self.id),
            order_no: self.order_no.clone(),
            paid_at: self.paid_at,
            gross,
            fee,
            refund,
            net: t.amount,
        }
    }
}

/// Paid orders operated by another coop with a sale or a refund not yet settled (the SQL twin
/// of the core's `settle_take`: an order refunded in full before settlement owes nothing and
/// is left out). `$1` the operator (or NULL), `$2` the merchant (or NULL): at least one is
/// given.
const OPEN_SQL: &str =
    "SELECT o.koperasi_id, o.checkout_koperasi_id, o.id, o.order_no, c.paid_at, o.total,
        o.operator_fee, o.refund_total, o.refund_fee,
        CASE WHEN o.settlement_id IS NULL THEN FALSE ELSE TRUE END AS sale_settled,
        CASE WHEN o.refund_settlement_id IS NULL THEN FALSE ELSE TRUE END AS refund_settled
     FROM market_order o
     JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
     WHERE ($1 IS NULL OR o.checkout_koperasi_id = $1) AND ($2 IS NULL OR o.koperasi_id = $2)
       AND o.koperasi_id <> o.checkout_koperasi_id AND o.entry_id IS NOT NULL
       AND ((o.settlement_id IS NULL AND o.total - o.operator_fee - o.refund_total + o.refund_fee <> 0)
            OR (o.settlement_id IS NOT NULL AND o.refund_total > 0 AND o.refund_settlement_id IS NULL))
     ORDER BY c.paid_at, o.order_no";

async fn open_rows_db(
    db: &Db,
    op: Option<KoperasiId>,
    merchant: Option<KoperasiId>,
) -> StoreResult<Vec<OpenRow>> {
    Ok(on_db!(db, p => sqlx::query_as(OPEN_SQL)
        .bind(op.map(|k| k.0)).bind(merchant.map(|k| k.0)).fetch_all(p).await)?)
}

async fn open_rows_tx(
    tx: &mut Tx<'_>,
    op: KoperasiId,
    merchant: KoperasiId,
) -> StoreResult<Vec<OpenRow>> {
    Ok(on_tx!(&mut *tx, c => sqlx::query_as(OPEN_SQL)
        .bind(Some(op.0)).bind(Some(merchant.0)).fetch_all(&mut **c).await)?)
}

/// The UTC instants `[from 00:00, to+1 00:00)` on a coop's calendar.
fn bounds(from: Date, to: Date, offset: UtcOffset) -> (OffsetDateTime, OffsetDateTime) {
    (
        day_start_utc(from, offset),
        day_start_utc(to, offset) + time::Duration::days(1),
    )
}

/// What a batch for `rows` in `[start, end)` takes: sales paid in the range (with any refund
/// already made), and refunds of settled sales whatever their date.
fn preview_of(rows: &[OpenRow], start: OffsetDateTime, end: OffsetDateTime) -> SettlePreview {
    let mut p = SettlePreview::default();
    for r in rows {
        let Some(t) = r.take() else { continue };
        let in_range = r.paid_at.is_some_and(|at| at >= start && at < end);
        if t.sale && !in_range {
            continue;
        }
        let line = r.line(&t);
        p.gross += line.gross;
        p.fee += line.fee;
        p.refunds += line.refund;
        p.amount += line.net;
        p.lines.push(line);
    }
    p
}

/// The names of the coops `ids`, in one read.
async fn coop_names(db: &Db, ids: &[Uuid]) -> StoreResult<BTreeMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, name FROM koperasi WHERE id IN ({})",
        marks.join(", ")
    );
    let rows: Vec<(Uuid, String)> = on_db!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for id in ids { q = q.bind(*id); }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().collect())
}

/// Sums open rows per other coop (`by_merchant`: the operator's view).
async fn owed_summary(db: &Db, rows: &[OpenRow], by_merchant: bool) -> StoreResult<Vec<CoopOwed>> {
    let mut sums: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    for r in rows {
        if let Some(t) = r.take() {
            let other = if by_merchant {
                r.koperasi_id
            } else {
                r.checkout_koperasi_id
            };
            let e = sums.entry(other).or_default();
            e.0 += 1;
            e.1 += t.amount;
        }
    }
    let ids: Vec<Uuid> = sums.keys().copied().collect();
    let names = coop_names(db, &ids).await?;
    let mut out: Vec<CoopOwed> = sums
        .into_iter()
        .map(|(k, (orders, amount))| CoopOwed {
            koperasi_id: KoperasiId(k),
            koperasi_name: names.get(&k).cloned().unwrap_or_default(),
            orders,
            amount,
        })
        .collect();
    out.sort_by(|a, b| a.koperasi_name.cmp(&b.koperasi_name));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Settlements
// ---------------------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct SettlementRow {
    id: Uuid,
    koperasi_id: Uuid,
    operator_name: String,
    merchant_koperasi_id: Uuid,
    merchant_name: String,
    period_from: Date,
    period_to: Date,
    method: String,
    gross: i64,
    fee: i64,
    refunds: i64,
    amount: i64,
    order_count: i64,
    operator_entry_id: Uuid,
    merchant_entry_id: Uuid,
    created_by: String,
    created_at: OffsetDateTime,
}

const SETTLEMENT_SQL: &str = "SELECT s.id, s.koperasi_id, ko.name AS operator_name, s.merchant_koperasi_id,
        km.name AS merchant_name, s.period_from,
        s.period_to, s.method, s.gross, s.fee, s.refunds, s.amount, s.order_count, s.operator_entry_id,
        s.merchant_entry_id, s.created_by, s.created_at
     FROM market_settlement s
     JOIN koperasi ko ON ko.id = s.koperasi_id
     JOIN koperasi km ON km.id = s.merchant_koperasi_id";

fn to_settlement(r: SettlementRow) -> Settlement {
    Settlement {
        id: MarketSettlementId(r.id),
        operator_id: KoperasiId(r.koperasi_id),
        operator_name: r.operator_name,
        merchant_id: KoperasiId(r.merchant_koperasi_id),
        merchant_name: r.merchant_name,
        period_from: r.period_from,
        period_to: r.period_to,
        method: r.method,
        gross: r.gross,
        fee: r.fee,
        refunds: r.refunds,
        amount: r.amount,
        order_count: r.order_count,
        operator_entry_id: EntryId(r.operator_entry_id),
        merchant_entry_id: EntryId(r.merchant_entry_id),
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

impl Tenant<'_> {
    /// As an operator: what this coop owes each merchant coop for paid orders not yet settled
    /// (refunds netted), by merchant name.
    pub async fn owed_to_merchants(&self) -> StoreResult<Vec<CoopOwed>> {
        let rows = open_rows_db(self.db, Some(self.koperasi_id), None).await?;
        owed_summary(self.db, &rows, true).await
    }

    /// As a merchant: what each operator coop still owes this coop, by operator name.
    pub async fn owed_by_operators(&self) -> StoreResult<Vec<CoopOwed>> {
        let rows = open_rows_db(self.db, None, Some(self.koperasi_id)).await?;
        owed_summary(self.db, &rows, false).await
    }

    /// As an operator: what a settlement of `merchant` for orders paid `from..=to` (this coop's
    /// calendar) would take now.
    pub async fn settlement_preview(
        &self,
        merchant: KoperasiId,
        from: Date,
        to: Date,
    ) -> StoreResult<SettlePreview> {
        let offset = self.time_zone().await?.offset();
        let (start, end) = bounds(from, to, offset);
        let rows = open_rows_db(self.db, Some(self.koperasi_id), Some(merchant)).await?;
        Ok(preview_of(&rows, start, end))
    }

    /// As an operator: pays `input.merchant` for its orders paid in the range and nets its
    /// refunds not yet netted, in one transaction (see the module's rules). Refused with
    /// nothing written: a range backwards or over a year, this coop as its own merchant, a
    /// merchant owed nothing, a range with no orders, a batch whose refunds exceed its sales;
    /// an order settled meanwhile by another batch is a conflict. A replayed form (same
    /// idempotency key) returns the first batch.
    pub async fn create_settlement(
        &self,
        actor: &Actor,
        input: &SettlementInput,
    ) -> StoreResult<Settlement> {
        self.create_settlement_at(actor, input, now()).await
    }

    /// [`Tenant::create_settlement`] as if made at the instant `at` (its entries dated on that
    /// day). For the demo's year of orders; the pages use [`Tenant::create_settlement`].
    pub async fn create_settlement_at(
        &self,
        actor: &Actor,
        input: &SettlementInput,
        at: OffsetDateTime,
    ) -> StoreResult<Settlement> {
        let op = self.koperasi_id;
        if input
            .idem_key
            .as_deref()
            .is_some_and(|k| k.is_empty() || k.len() > 100)
        {
            return Err(invalid(
                "idem_key",
                "Kunci idempotensi 1 sampai 100 karakter.",
                "The idempotency key must be 1 to 100 characters.",
            ));
        }
        if let Some(key) = &input.idem_key
            && let Some(id) = self.settlement_by_idem(key).await?
        {
            return self.settlement(id).await.map(|r| r.settlement);
        }
        if input.to < input.from {
            return Err(invalid(
                "period",
                "Tanggal akhir tidak boleh sebelum tanggal awal.",
                "The end date cannot be before the start date.",
            ));
        }
        if (input.to - input.from).whole_days() > MAX_RANGE_DAYS {
            return Err(invalid(
                "period",
                "Rentang tanggal paling panjang satu tahun.",
                "The date range can be at most one year.",
            ));
        }
        if input.merchant == op {
            return Err(invalid(
                "merchant",
                "Pilih koperasi penjual lain, bukan koperasi ini sendiri.",
                "Choose another merchant coop, not this coop itself.",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        match self.settle_tx(&mut tx, actor, input, at).await {
            Ok(id) => {
                tx.commit().await.map_err(StoreError::from)?;
                self.settlement(id).await.map(|r| r.settlement)
            }
            Err(e) if e.is_unique_violation() && input.idem_key.is_some() => {
                drop(tx);
                let key = input.idem_key.as_deref().unwrap_or_default();
                match self.settlement_by_idem(key).await? {
                    Some(id) => self.settlement(id).await.map(|r| r.settlement),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn settlement_by_idem(&self, key: &str) -> StoreResult<Option<MarketSettlementId>> {
        let id: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM market_settlement WHERE koperasi_id = $1 AND idem_key = $2")
            .bind(self.koperasi_id.0).bind(key).fetch_optional(p).await)?;
        Ok(id.map(MarketSettlementId))
    }

    async fn settle_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        input: &SettlementInput,
        t: OffsetDateTime,
    ) -> StoreResult<MarketSettlementId> {
        let op = self.koperasi_id;
        let m = input.merchant;
        let offsets = coop_offsets(tx, &[op, m]).await.map_err(|e| match e {
            StoreError::NotFound => invalid(
                "merchant",
                "Koperasi penjual tidak ditemukan.",
                "Merchant coop not found.",
            ),
            e => e,
        })?;
        let offset = offsets.get(&op).copied().unwrap_or(UtcOffset::UTC);
        let (start, end) = bounds(input.from, input.to, offset);
        let rows = open_rows_tx(tx, op, m).await?;
        if !rows.iter().any(|r| r.take().is_some()) {
            return Err(conflict(
                "Koperasi ini tidak punya pesanan yang belum diselesaikan: tidak ada yang perlu dibayar.",
                "This coop has no orders left to settle: nothing is owed to it.",
            ));
        }
        let p = preview_of(&rows, start, end);
        if p.lines.is_empty() {
            return Err(invalid(
                "period",
                "Tidak ada pesanan yang belum diselesaikan pada rentang tanggal itu; pilih rentang lain.",
                "There are no orders left to settle in that date range; choose another range.",
            ));
        }
        if p.amount <= 0 {
            return Err(conflict(
                "Pengembalian dana melebihi penjualan pada rentang itu: tidak ada yang perlu dibayar. Tunggu penjualan berikutnya atau pilih rentang yang lebih panjang.",
                "Refunds exceed the sales in that range: there is nothing to pay. Wait for more sales or choose a longer range.",
            ));
        }
        let id = MarketSettlementId::new();
        let names = coop_names(self.db, &[op.0, m.0]).await?;
        let (op_name, m_name) = (
            names.get(&op.0).cloned().unwrap_or_default(),
            names.get(&m.0).cloned().unwrap_or_default(),
        );
        let amount = Rupiah(p.amount);
        let line = |account, debit: bool, memo: &str| LineInput {
            account,
            debit: if debit { amount } else { Rupiah::ZERO },
            credit: if debit { Rupiah::ZERO } else { amount },
            memo: Some(memo.to_string()),
        };
        let payable = ledger::ensure_role_account(tx, op, AccountRole::CoopPayable).await?;
        let op_money = ledger::ensure_role_account(tx, op, input.method.role()).await?;
        let (op_entry, _) = ledger::post(
            tx,
            op,
            actor,
            &NewEntry {
                date: local_date(t, &offsets, op),
                description: format!("Penyelesaian pasar ke {m_name} ({} pesanan)", p.lines.len()),
                reference: None,
                source: Source::Market,
                source_id: Some(id.to_string()),
                reverses: None,
                lines: vec![
                    line(payable, true, "Utang kepada koperasi penjual"),
                    line(op_money, false, "Pembayaran ke koperasi penjual"),
                ],
            },
        )
        .await?;
        let receivable = ledger::ensure_role_account(tx, m, AccountRole::CoopReceivable).await?;
        let m_money = ledger::ensure_role_account(tx, m, input.method.role()).await?;
        let (m_entry, _) = ledger::post(
            tx,
            m,
            actor,
            &NewEntry {
                date: local_date(t, &offsets, m),
                description: format!(
                    "Penyelesaian pasar dari {op_name} ({} pesanan)",
                    p.lines.len()
                ),
                reference: None,
                source: Source::Market,
                source_id: Some(id.to_string()),
                reverses: None,
                lines: vec![
                    line(m_money, true, "Penerimaan dari operator pasar"),
                    line(receivable, false, "Piutang koperasi lain"),
                ],
            },
        )
        .await?;
        let mut script = Script::new();
        script.push(
            "INSERT INTO market_settlement (koperasi_id, id, merchant_koperasi_id, period_from, period_to, method,
                gross, fee, refunds, amount, order_count, operator_entry_id, merchant_entry_id, idem_key,
                created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            vec![
                op.0.into(),
                id.0.into(),
                m.0.into(),
                input.from.into(),
                input.to.into(),
                input.method.as_str().into(),
                p.gross.into(),
                p.fee.into(),
                p.refunds.into(),
                p.amount.into(),
                (p.lines.len() as i64).into(),
                op_entry.0.into(),
                m_entry.0.into(),
                input.idem_key.clone().into(),
                actor.name.clone().into(),
                t.into(),
            ],
            1,
        );
        // Each link only if still as read: a batch made meanwhile makes this one come up short.
        for r in &rows {
            let Some(take) = r.take() else { continue };
            if !p.lines.iter().any(|l| l.order_id.0 == r.id) {
                continue;
            }
            let sql = match (take.sale, take.refund) {
                (true, false) => {
                    "UPDATE market_order SET settlement_id = $3, updated_at = $5
                     WHERE koperasi_id = $1 AND id = $2 AND settlement_id IS NULL AND refund_total = $4"
                }
                (true, true) => {
                    "UPDATE market_order SET settlement_id = $3, refund_settlement_id = $3, updated_at = $5
                     WHERE koperasi_id = $1 AND id = $2 AND settlement_id IS NULL AND refund_settlement_id IS NULL
                       AND refund_total = $4"
                }
                _ => {
                    "UPDATE market_order SET refund_settlement_id = $3, updated_at = $5
                     WHERE koperasi_id = $1 AND id = $2 AND settlement_id IS NOT NULL
                       AND refund_settlement_id IS NULL AND refund_total = $4"
                }
            };
            script.push(
                sql,
                vec![
                    m.0.into(),
                    r.id.into(),
                    id.0.into(),
                    r.refund_total.into(),
                    t.into(),
                ],
                1,
            );
        }
        if !script.run(tx).await? {
            return Err(conflict(
                "Sebagian pesanan baru saja diselesaikan atau dikembalikan; muat ulang halaman.",
                "Some orders were just settled or refunded; reload the page.",
            ));
        }
        let changes = diff([
            ("operator", None, Some(op.to_string())),
            ("merchant", None, Some(m.to_string())),
            ("amount", None, Some(p.amount.to_string())),
            ("orders", None, Some(p.lines.len().to_string())),
            ("method", None, Some(input.method.as_str().to_string())),
        ]);
        for k in [op, m] {
            audit::record(
                tx,
                k,
                actor,
                "market_settlement",
                &id.to_string(),
                Action::Create,
                &changes,
            )
            .await?;
        }
        Ok(id)
    }

    /// The settlements this coop made as an operator and received as a merchant, newest first.
    pub async fn settlements(&self) -> StoreResult<Vec<Settlement>> {
        let sql = format!(
            "{SETTLEMENT_SQL} WHERE s.koperasi_id = $1 OR s.merchant_koperasi_id = $1
             ORDER BY s.created_at DESC, s.id DESC LIMIT 500"
        );
        let rows: Vec<SettlementRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows.into_iter().map(to_settlement).collect())
    }

    /// One settlement with its orders, when this coop is its operator or its merchant; any
    /// other coop's is `NotFound`.
    pub async fn settlement(&self, id: MarketSettlementId) -> StoreResult<SettlementReport> {
        let sql = format!(
            "{SETTLEMENT_SQL} WHERE s.id = $2 AND (s.koperasi_id = $1 OR s.merchant_koperasi_id = $1)"
        );
        let row: Option<SettlementRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        let s = to_settlement(row.ok_or(StoreError::NotFound)?);
        let rows: Vec<ReportRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT o.id, o.order_no, c.paid_at, o.total, o.operator_fee, o.refund_total, o.refund_fee,
                    CASE WHEN o.settlement_id = $3 THEN TRUE ELSE FALSE END,
                    CASE WHEN o.refund_settlement_id = $3 THEN TRUE ELSE FALSE END
             FROM market_order o
             JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
             WHERE o.koperasi_id = $1 AND o.checkout_koperasi_id = $2
               AND (o.settlement_id = $3 OR o.refund_settlement_id = $3)
             ORDER BY c.paid_at, o.order_no")
            .bind(s.merchant_id.0).bind(s.operator_id.0).bind(id.0).fetch_all(p).await)?;
        let lines = rows
            .into_iter()
            .map(|r| {
                let (gross, fee) = if r.7 { (r.3, r.4) } else { (0, 0) };
                let refund = if r.8 { r.5 - r.6 } else { 0 };
                SettleLine {
                    order_id: OrderId(r.0),
                    order_no: r.1,
                    paid_at: r.2,
                    gross,
                    fee,
                    refund,
                    net: gross - fee - refund,
                }
            })
            .collect();
        Ok(SettlementReport {
            settlement: s,
            lines,
        })
    }
}
