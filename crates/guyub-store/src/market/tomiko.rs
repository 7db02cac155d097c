//! Tomiko purchase orders: a coop buys from its secondary coop's wholesale catalogue.
//!
//! The rules (life cycle, who may do what, terms, prices, numbers) are the core's
//! (`guyub_core::market::tomiko`); this module runs them in transactions. Tables:
//! migrations/*/0008_tomiko.sql. A PO row belongs to the **secondary coop** (`koperasi_id`,
//! the seller: its stock, its invoice); the buying coop reaches its POs through
//! `buyer_koperasi_id`, and every read or action of the buyer checks that column, so a coop
//! never sees or moves another coop's PO (it gets `NotFound`).
//!
//! Who may buy: a coop the secondary coop admitted in `tomiko_access` (the same check the
//! catalogue uses, [`Store::may_see_tomiko`]); the secondary coop admits its member coops
//! there with their payment terms. A buyer may choose cash, or tempo up to the days it was
//! granted (and at most the core's 90).
//!
//! Invariants kept here:
//! - **stock is never oversold**: confirmation takes every line with a conditional update
//!   (`stock = stock - q WHERE stock >= q`); one line coming up short refuses the whole
//!   confirmation and nothing is written. A cancellation after confirmation gives the units
//!   back exactly once, because it hangs on the conditional status update
//!   `dikonfirmasi → dibatalkan`;
//! - **each step happens once**: every step is a conditional status update
//!   (`… WHERE status = <from>`) and its entries are written in the same transaction; a
//!   second attempt finds nothing to move and posts nothing;
//! - a replayed PO (same buying coop and idempotency key) returns the first one;
//! - **every journal entry balances** and is written in the books of the coop it belongs to.
//!
//! Booking rules:
//! - **shipping (invoice), seller's books**: Dr *Piutang koperasi lain* (1107) for tempo or
//!   *Kas* for cash — Cr *Penjualan kepada anggota* (4102) when the buyer is a member coop of
//!   the secondary coop, else *Pendapatan dari non-anggota* (4201), for the PO total; and Dr
//!   *HPP* (5101) — Cr *Persediaan* (1108) at the lines' unit cost (skipped when 0);
//! - **receipt, buyer's books**: Dr *Persediaan* (1108) — Cr *Utang kepada koperasi lain*
//!   (2113) for tempo or *Kas* for cash, for the PO total; the quantities go into the
//!   buyer's own market variants (one it chose, or a new draft product made from the line);
//! - **payment of a tempo invoice**: one action of the **secondary coop** (it is the side that
//!   sees the money arrive) posts both books in one transaction: seller Dr Kas/Bank — Cr
//!   Piutang (1107); buyer Dr Utang (2113) — Cr Kas/Bank, the same method on both sides. One
//!   action rather than two keeps the receivable and the payable equal at every commit.
//!
//! Patronage (jasa anggota): a member coop's purchase is its transaction volume with the
//! secondary coop. The demo and the member register keep a **member record** of kind `coop`
//! in the secondary coop for each member coop (`member.member_koperasi_id`); when there is
//! one, the patronage row is written against it (`member_id`, plus `member_koperasi_id`), so
//! the SHU's `patronage_totals` counts it with every other member's. It is written when the
//! sale is booked (shipping, invoice date, the secondary coop's fiscal year), for the PO
//! total. An admitted coop that is not a member earns none (and its sale is non-member
//! revenue).

use guyub_core::ids::{KoperasiId, MarketProductId, MemberId, VariantId};
use guyub_core::ledger::{AccountRole, LineInput, fiscal_year_of};
use guyub_core::market::catalog::parse_tiers;
use guyub_core::market::tomiko::{
    PaymentTerms, PoAction, PoSide, PoStatus, TomikoError, check_lines, check_qty, invoice_no,
    line_price, line_total, next, po_no, po_total,
};
use guyub_core::money::Rupiah;
use guyub_core::{FieldError, Msg};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::ledger::{self, NewEntry, Source};
use crate::{Actor, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

fn invalid(field: &str, m: Msg) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, m)])
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Msg::new(id, en))
}

/// A Tomiko rule broken: a state or side that does not allow it is a conflict, bad input is
/// invalid.
fn rule_err(e: TomikoError) -> StoreError {
    match e {
        TomikoError::Transition { .. }
        | TomikoError::Forbidden { .. }
        | TomikoError::CashNeedsNoPayment => StoreError::Conflict(e.msg()),
        _ => invalid("lines", e.msg()),
    }
}

fn no_access() -> StoreError {
    conflict(
        "Koperasi Anda belum mendapat akses ke katalog grosir Tomiko koperasi sekunder ini. Hubungi pengurus koperasi sekunder.",
        "Your coop has no access to this secondary coop's Tomiko wholesale catalogue. Ask the secondary coop's board.",
    )
}

fn changed_meanwhile() -> StoreError {
    conflict(
        "Pesanan pembelian ini baru saja berubah; muat ulang halaman.",
        "This purchase order just changed; reload the page.",
    )
}

// ---------------------------------------------------------------------------------------------
// Types

/// One line the buyer asks for.
#[derive(Debug, Clone)]
pub struct PoLineInput {
    pub variant_id: VariantId,
    /// Checked by the core (1..=9999) here too.
    pub qty: i64,
}

/// A purchase order as the buying coop places it.
#[derive(Debug, Clone)]
pub struct PoInput {
    /// The secondary coop that sells.
    pub seller: KoperasiId,
    pub lines: Vec<PoLineInput>,
    pub terms: PaymentTerms,
    pub note: String,
    pub idem_key: Option<String>,
}

/// How money moves at payment (and for cash POs, at shipping and receipt: always Kas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PoPay {
    Kas,
    Bank,
}

impl PoPay {
    pub fn as_str(self) -> &'static str {
        match self {
            PoPay::Kas => "kas",
            PoPay::Bank => "bank",
        }
    }
    pub fn parse(s: &str) -> Option<PoPay> {
        match s {
            "kas" => Some(PoPay::Kas),
            "bank" => Some(PoPay::Bank),
            _ => None,
        }
    }
    fn role(self) -> AccountRole {
        match self {
            PoPay::Kas => AccountRole::Cash,
            PoPay::Bank => AccountRole::Bank,
        }
    }
}

/// Where the buyer puts one line's quantity at receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveChoice {
    /// One of the buyer's own market variants: its stock grows, its unit cost becomes the
    /// moving average of the old stock at the old cost and the new units at the price paid
    /// (rounded to the nearest rupiah, half up).
    Existing(VariantId),
    /// A new draft product in the buyer's catalogue (under its first active store-unit
    /// seller), named after the line, unit cost and price = the price paid, stock = the
    /// quantity. The board sets its selling price and submits it when it wants to list it.
    NewDraft,
}

/// One line of a PO.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PoLine {
    pub line_no: i64,
    pub variant_id: Uuid,
    pub name: String,
    pub category: String,
    pub qty: i64,
    pub unit_price: i64,
    pub unit_cost: i64,
    pub line_total: i64,
    pub buyer_variant_id: Option<Uuid>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PoRow {
    koperasi_id: Uuid,
    id: Uuid,
    po_no: String,
    buyer_koperasi_id: Uuid,
    buyer_member_id: Option<Uuid>,
    status: String,
    terms_days: i64,
    total: i64,
    cost_total: i64,
    note: String,
    invoice_no: Option<String>,
    invoice_date: Option<Date>,
    due_on: Option<Date>,
    pay_method: Option<String>,
    seller_entry_id: Option<Uuid>,
    buyer_entry_id: Option<Uuid>,
    seller_pay_entry_id: Option<Uuid>,
    buyer_pay_entry_id: Option<Uuid>,
    placed_by: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    seller_name: String,
    buyer_name: String,
}

const PO_COLS: &str = "po.koperasi_id, po.id, po.po_no, po.buyer_koperasi_id, po.buyer_member_id, po.status,
    po.terms_days, po.total, po.cost_total, po.note, po.invoice_no, po.invoice_date, po.due_on, po.pay_method,
    po.seller_entry_id, po.buyer_entry_id, po.seller_pay_entry_id, po.buyer_pay_entry_id, po.placed_by,
    po.created_at, po.updated_at, s.name AS seller_name, b.name AS buyer_name";
const PO_FROM: &str = "FROM tomiko_po po JOIN koperasi s ON s.id = po.koperasi_id
    JOIN koperasi b ON b.id = po.buyer_koperasi_id";
const LINE_COLS: &str =
    "line_no, variant_id, name, category, qty, unit_price, unit_cost, line_total, buyer_variant_id";

/// A purchase order, with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct Po {
    /// The secondary coop (seller).
    pub koperasi_id: KoperasiId,
    pub id: Uuid,
    pub po_no: String,
    pub seller_name: String,
    pub buyer_koperasi_id: KoperasiId,
    pub buyer_name: String,
    /// The buyer's member record in the secondary coop, when it is a member coop.
    pub buyer_member_id: Option<MemberId>,
    pub status: PoStatus,
    pub terms: PaymentTerms,
    pub total: i64,
    pub cost_total: i64,
    pub note: String,
    pub invoice_no: Option<String>,
    pub invoice_date: Option<Date>,
    pub due_on: Option<Date>,
    pub pay_method: Option<String>,
    pub seller_entry_id: Option<Uuid>,
    pub buyer_entry_id: Option<Uuid>,
    pub seller_pay_entry_id: Option<Uuid>,
    pub buyer_pay_entry_id: Option<Uuid>,
    pub placed_by: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub lines: Vec<PoLine>,
}

impl PoRow {
    fn into_po(self, lines: Vec<PoLine>) -> StoreResult<Po> {
        Ok(Po {
            koperasi_id: KoperasiId(self.koperasi_id),
            id: self.id,
            po_no: self.po_no,
            seller_name: self.seller_name,
            buyer_koperasi_id: KoperasiId(self.buyer_koperasi_id),
            buyer_name: self.buyer_name,
            buyer_member_id: self.buyer_member_id.map(MemberId),
            status: PoStatus::parse(&self.status)
                .ok_or_else(|| StoreError::corrupt(format!("po status {}", self.status)))?,
            terms: PaymentTerms::from_days(self.terms_days)
                .map_err(|_| StoreError::corrupt(format!("po terms {}", self.terms_days)))?,
            total: self.total,
            cost_total: self.cost_total,
            note: self.note,
            invoice_no: self.invoice_no,
            invoice_date: self.invoice_date,
            due_on: self.due_on,
            pay_method: self.pay_method,
            seller_entry_id: self.seller_entry_id,
            buyer_entry_id: self.buyer_entry_id,
            seller_pay_entry_id: self.seller_pay_entry_id,
            buyer_pay_entry_id: self.buyer_pay_entry_id,
            placed_by: self.placed_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            lines,
        })
    }
}

/// One variant of a secondary coop's Tomiko catalogue, as a buying coop sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TomikoItem {
    pub variant_id: Uuid,
    pub product_name: String,
    pub label: String,
    pub category: String,
    pub price: i64,
    /// Core `WholesaleTiers::to_text`.
    pub wholesale_tiers: String,
    pub stock: i64,
    pub weight_g: i64,
}

/// A secondary coop that admits this coop to its Tomiko catalogue.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TomikoSeller {
    pub koperasi_id: Uuid,
    pub name: String,
    pub payment_terms_days: i64,
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Today on the coop's own calendar.
async fn local_today(tx: &mut Tx<'_>, k: KoperasiId, t: OffsetDateTime) -> StoreResult<Date> {
    let tz: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT timezone FROM koperasi WHERE id = $1")
        .bind(k.0).fetch_optional(&mut **c).await)?;
    let tz = tz.ok_or(StoreError::NotFound)?;
    let zone = guyub_core::coop::CoopTimeZone::parse(&tz)
        .ok_or_else(|| StoreError::corrupt(format!("time zone {tz}")))?;
    Ok(t.to_offset(zone.offset()).date())
}

/// The fiscal year `date` falls in, by the coop's bylaws (January when none say otherwise).
async fn fiscal_year(tx: &mut Tx<'_>, k: KoperasiId, date: Date) -> StoreResult<i32> {
    let m: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT fiscal_year_start_month FROM bylaws WHERE koperasi_id = $1 AND effective_year <= $2
         ORDER BY effective_year DESC LIMIT 1")
        .bind(k.0).bind(i64::from(date.year())).fetch_optional(&mut **c).await)?;
    let m = u8::try_from(m.unwrap_or(1)).unwrap_or(1);
    Ok(fiscal_year_of(date, m))
}

fn line(account: guyub_core::ids::AccountId, debit: bool, amount: i64, memo: &str) -> LineInput {
    LineInput {
        account,
        debit: Rupiah(if debit { amount } else { 0 }),
        credit: Rupiah(if debit { 0 } else { amount }),
        memo: Some(memo.to_string()),
    }
}

async fn po_row(tx: &mut Tx<'_>, seller: KoperasiId, id: Uuid) -> StoreResult<PoRow> {
    let sql = format!("SELECT {PO_COLS} {PO_FROM} WHERE po.koperasi_id = $1 AND po.id = $2");
    let row: Option<PoRow> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(seller.0).bind(id).fetch_optional(&mut **c).await)?;
    row.ok_or(StoreError::NotFound)
}

async fn po_lines(tx: &mut Tx<'_>, seller: KoperasiId, id: Uuid) -> StoreResult<Vec<PoLine>> {
    let sql = format!(
        "SELECT {LINE_COLS} FROM tomiko_po_line WHERE koperasi_id = $1 AND po_id = $2 ORDER BY line_no"
    );
    Ok(
        on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(seller.0).bind(id).fetch_all(&mut **c).await)?,
    )
}

async fn load_po(tx: &mut Tx<'_>, seller: KoperasiId, id: Uuid) -> StoreResult<Po> {
    let row = po_row(tx, seller, id).await?;
    let lines = po_lines(tx, seller, id).await?;
    row.into_po(lines)
}

/// Ends a step that only moved the status: the audit record in both coops' logs, the PO as
/// it now is, and the commit.
async fn finish_status(mut tx: Tx<'_>, po: &Po, actor: &Actor, to: PoStatus) -> StoreResult<Po> {
    audit_both(
        &mut tx,
        po,
        actor,
        Action::Update,
        &diff([(
            "status",
            Some(po.status.as_str().into()),
            Some(to.as_str().into()),
        )]),
    )
    .await?;
    let fresh = load_po(&mut tx, po.koperasi_id, po.id).await?;
    tx.commit().await?;
    Ok(fresh)
}

/// Moves the PO `from → to` if it is still `from`; false when something else moved it.
async fn move_status(
    tx: &mut Tx<'_>,
    po: &Po,
    from: PoStatus,
    to: PoStatus,
    t: OffsetDateTime,
) -> StoreResult<bool> {
    let n = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE tomiko_po SET status = $4, updated_at = $5
         WHERE koperasi_id = $1 AND id = $2 AND status = $3")
        .bind(po.koperasi_id.0).bind(po.id).bind(from.as_str()).bind(to.as_str()).bind(t)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

async fn audit_both(
    tx: &mut Tx<'_>,
    po: &Po,
    actor: &Actor,
    action: Action,
    changes: &[audit::Change],
) -> StoreResult<()> {
    for k in [po.koperasi_id, po.buyer_koperasi_id] {
        audit::record(
            tx,
            k,
            actor,
            "tomiko_po",
            &po.id.to_string(),
            action,
            changes,
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reads

impl Store {
    /// The secondary coops that admit `buyer` to their Tomiko catalogue (and run one).
    pub async fn tomiko_sellers_for(&self, buyer: KoperasiId) -> StoreResult<Vec<TomikoSeller>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT k.id AS koperasi_id, k.name, a.payment_terms_days FROM tomiko_access a
             JOIN koperasi k ON k.id = a.koperasi_id
             JOIN market_settings m ON m.koperasi_id = a.koperasi_id
             WHERE a.buyer_koperasi_id = $1 AND m.runs_tomiko = TRUE ORDER BY k.name")
            .bind(buyer.0).fetch_all(p).await)?)
    }
}

impl Tenant<'_> {
    /// The active variants of `seller`'s Tomiko catalogue, for this (buying) coop. Refused
    /// (a conflict with a clear message) when this coop was not admitted.
    pub async fn tomiko_catalogue(&self, seller: KoperasiId) -> StoreResult<Vec<TomikoItem>> {
        let granted = self.tomiko_terms_from(seller).await?;
        if granted.is_none() {
            return Err(no_access());
        }
        Ok(on_db!(self.db, p => sqlx::query_as(
            "SELECT v.id AS variant_id, pr.name AS product_name, v.label, pr.category, v.price, v.wholesale_tiers,
                    v.stock, v.weight_g
             FROM market_variant v JOIN market_product pr ON pr.koperasi_id = v.koperasi_id AND pr.id = v.product_id
             WHERE v.koperasi_id = $1 AND v.active = TRUE AND pr.listed = TRUE AND pr.faces LIKE '%tomiko%'
             ORDER BY pr.name, v.position")
            .bind(seller.0).fetch_all(p).await)?)
    }

    /// The payment days `seller` granted this coop (0 = cash only), when it admits this coop
    /// and runs Tomiko; `None` otherwise.
    pub async fn tomiko_terms_from(&self, seller: KoperasiId) -> StoreResult<Option<i64>> {
        if seller == self.koperasi_id {
            return Ok(None);
        }
        Ok(on_db!(self.db, p => sqlx::query_scalar(
            "SELECT a.payment_terms_days FROM tomiko_access a
             JOIN market_settings m ON m.koperasi_id = a.koperasi_id
             WHERE a.koperasi_id = $1 AND a.buyer_koperasi_id = $2 AND m.runs_tomiko = TRUE")
            .bind(seller.0).bind(self.koperasi_id.0).fetch_optional(p).await)?)
    }

    /// This coop's own active market variants (id, product and variant name, stock), to
    /// choose where received goods go.
    pub async fn tomiko_own_variants(&self) -> StoreResult<Vec<(Uuid, String, i64)>> {
        let rows: Vec<(Uuid, String, String, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT v.id, pr.name, v.label, v.stock FROM market_variant v
             JOIN market_product pr ON pr.koperasi_id = v.koperasi_id AND pr.id = v.product_id
             WHERE v.koperasi_id = $1 AND v.active = TRUE AND pr.status <> 'diarsipkan'
             ORDER BY pr.name, v.position LIMIT 500")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, label, stock)| {
                let full = if label.trim().is_empty() {
                    name
                } else {
                    format!("{name} – {label}")
                };
                (id, full, stock)
            })
            .collect())
    }

    /// The POs this coop placed (as buyer), newest first.
    pub async fn tomiko_pos_bought(&self, limit: i64) -> StoreResult<Vec<Po>> {
        let sql = format!(
            "SELECT {PO_COLS} {PO_FROM} WHERE po.buyer_koperasi_id = $1 ORDER BY po.created_at DESC, po.id DESC LIMIT $2"
        );
        let rows: Vec<PoRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(self.koperasi_id.0).bind(limit).fetch_all(p).await)?;
        rows.into_iter().map(|r| r.into_po(vec![])).collect()
    }

    /// The POs this (secondary) coop received, optionally of one status, newest first.
    pub async fn tomiko_pos_sold(
        &self,
        status: Option<PoStatus>,
        limit: i64,
    ) -> StoreResult<Vec<Po>> {
        let sql = format!(
            "SELECT {PO_COLS} {PO_FROM} WHERE po.koperasi_id = $1 AND ($2 IS NULL OR po.status = $2)
             ORDER BY po.created_at DESC, po.id DESC LIMIT $3"
        );
        let rows: Vec<PoRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(self.koperasi_id.0).bind(status.map(|s| s.as_str().to_string())).bind(limit)
            .fetch_all(p).await)?;
        rows.into_iter().map(|r| r.into_po(vec![])).collect()
    }

    /// One PO of `seller`, with its lines, when this coop is its seller or its buyer;
    /// `NotFound` for any other coop.
    pub async fn tomiko_po(&self, seller: KoperasiId, id: Uuid) -> StoreResult<Po> {
        let sql = format!("SELECT {PO_COLS} {PO_FROM} WHERE po.koperasi_id = $1 AND po.id = $2");
        let row: Option<PoRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(seller.0).bind(id).fetch_optional(p).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT {LINE_COLS} FROM tomiko_po_line WHERE koperasi_id = $1 AND po_id = $2 ORDER BY line_no"
        );
        let lines: Vec<PoLine> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(seller.0).bind(id).fetch_all(p).await)?;
        let po = row.into_po(lines)?;
        if po.koperasi_id != self.koperasi_id && po.buyer_koperasi_id != self.koperasi_id {
            return Err(StoreError::NotFound);
        }
        Ok(po)
    }
}

// ---------------------------------------------------------------------------------------------
// Placing a PO (the buying coop)

impl Tenant<'_> {
    /// Places a PO of this (buying) coop with `input.seller`, at the wholesale tier prices of
    /// today. Refused when this coop has no Tomiko access, when a line is not an active
    /// listed Tomiko variant of the seller, asks for 0, less or more than the seller's stock,
    /// or the terms are beyond what the seller granted. Stock is not taken yet (the seller
    /// takes it at confirmation). With an idempotency key a replay returns the first PO.
    pub async fn place_tomiko_po(&self, actor: &Actor, input: &PoInput) -> StoreResult<Po> {
        if let Some(key) = &input.idem_key {
            if key.is_empty() || key.chars().count() > 100 {
                return Err(invalid(
                    "idem_key",
                    Msg::new(
                        "Kunci idempotensi 1 sampai 100 karakter.",
                        "The idempotency key must be 1 to 100 characters.",
                    ),
                ));
            }
            if let Some(po) = self.po_by_idem(key).await? {
                return Ok(po);
            }
        }
        match self.place_once(actor, input).await {
            Err(e) if e.is_unique_violation() && input.idem_key.is_some() => {
                let key = input.idem_key.as_deref().unwrap_or_default();
                self.po_by_idem(key).await?.ok_or(e)
            }
            r => r,
        }
    }

    async fn po_by_idem(&self, key: &str) -> StoreResult<Option<Po>> {
        let found: Option<(Uuid, Uuid)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT koperasi_id, id FROM tomiko_po WHERE buyer_koperasi_id = $1 AND idem_key = $2")
            .bind(self.koperasi_id.0).bind(key).fetch_optional(p).await)?;
        match found {
            Some((k, id)) => Ok(Some(self.tomiko_po(KoperasiId(k), id).await?)),
            None => Ok(None),
        }
    }

    async fn place_once(&self, actor: &Actor, input: &PoInput) -> StoreResult<Po> {
        let buyer = self.koperasi_id;
        let seller = input.seller;
        // The shape first: quantities and lines, all or nothing.
        let mut errors = vec![];
        for (i, l) in input.lines.iter().enumerate() {
            if let Err(e) = check_qty(l.qty) {
                errors.push(FieldError::new(format!("qty_{}", i + 1), e.msg()));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let keys: Vec<VariantId> = input.lines.iter().map(|l| l.variant_id).collect();
        check_lines(&keys).map_err(rule_err)?;
        let note: String = input.note.split_whitespace().collect::<Vec<_>>().join(" ");
        if note.chars().count() > 500 {
            return Err(invalid(
                "note",
                Msg::new(
                    "Catatan paling banyak 500 karakter",
                    "The note is at most 500 characters",
                ),
            ));
        }
        let granted = self
            .tomiko_terms_from(seller)
            .await?
            .ok_or_else(no_access)?;
        if !input.terms.within(granted) {
            return Err(invalid(
                "terms",
                Msg::new(
                    format!("Tempo paling lama yang diberikan koperasi sekunder: {granted} hari"),
                    format!("The longest terms the secondary coop granted: {granted} days"),
                ),
            ));
        }

        let mut tx = self.db.begin_write().await?;
        let t = now();
        // Each line: an active, listed Tomiko variant of the seller, in stock for the quantity.
        let mut rows = vec![];
        let mut errors = vec![];
        for (i, l) in input.lines.iter().enumerate() {
            let found: Option<(String, String, String, i64, String, i64, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT pr.name, v.label, pr.category, v.price, v.wholesale_tiers, v.cost, v.stock
                 FROM market_variant v JOIN market_product pr ON pr.koperasi_id = v.koperasi_id AND pr.id = v.product_id
                 WHERE v.koperasi_id = $1 AND v.id = $2 AND v.active = TRUE AND pr.listed = TRUE
                   AND pr.faces LIKE '%tomiko%'")
                .bind(seller.0).bind(l.variant_id.0).fetch_optional(&mut **c).await)?;
            let field = format!("qty_{}", i + 1);
            let Some((name, label, category, price, tiers, cost, stock)) = found else {
                errors.push(FieldError::new(
                    field,
                    Msg::new(
                        "Barang ini tidak ada di katalog Tomiko koperasi sekunder",
                        "This item is not in the secondary coop's Tomiko catalogue",
                    ),
                ));
                continue;
            };
            if l.qty > stock {
                errors.push(FieldError::new(
                    field,
                    Msg::new(
                        format!("Stok {name} tinggal {stock}"),
                        format!("Only {stock} of {name} left in stock"),
                    ),
                ));
                continue;
            }
            let qty = check_qty(l.qty).map_err(rule_err)?;
            let tiers = parse_tiers(&tiers)
                .map_err(|_| StoreError::corrupt(format!("tiers of variant {}", l.variant_id)))?;
            let price = line_price(Rupiah(price), &tiers, qty);
            let total = line_total(price, qty).map_err(rule_err)?;
            let cost_total = line_total(Rupiah(cost), qty).map_err(rule_err)?;
            let full = if label.trim().is_empty() {
                name
            } else {
                format!("{name} – {label}")
            };
            rows.push((
                l.variant_id,
                full,
                category,
                i64::from(qty),
                price,
                cost,
                total,
                cost_total,
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let total = po_total(&rows.iter().map(|r| r.6).collect::<Vec<_>>()).map_err(rule_err)?;
        let cost_total =
            po_total(&rows.iter().map(|r| r.7).collect::<Vec<_>>()).map_err(rule_err)?;
        let member: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM member WHERE koperasi_id = $1 AND member_koperasi_id = $2 AND status = 'aktif'")
            .bind(seller.0).bind(buyer.0).fetch_optional(&mut **c).await)?;

        let year = local_today(&mut tx, seller, t).await?.year();
        let seq_name = format!("tomiko-po-{year}");
        let seqs = ledger::reserve_seqs(&mut tx, seller, &[(seq_name.clone(), 1)]).await?;
        let seq = seqs
            .get(&seq_name)
            .copied()
            .ok_or_else(|| StoreError::corrupt("no po number"))?;
        let no = po_no(year, seq);
        let id = Uuid::now_v7();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO tomiko_po (koperasi_id, id, po_no, buyer_koperasi_id, buyer_member_id, status, terms_days,
                total, cost_total, note, idem_key, placed_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'diajukan', $6, $7, $8, $9, $10, $11, $12, $12)")
            .bind(seller.0).bind(id).bind(&no).bind(buyer.0).bind(member).bind(input.terms.days())
            .bind(total.0).bind(cost_total.0).bind(&note).bind(input.idem_key.clone()).bind(&actor.name).bind(t)
            .execute(&mut **c).await.map(|_| ()))?;
        for (n, (v, name, category, qty, price, cost, ltotal, _)) in (1i64..).zip(&rows) {
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO tomiko_po_line (koperasi_id, po_id, line_no, variant_id, name, category, qty, unit_price,
                    unit_cost, line_total, buyer_variant_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)")
                .bind(seller.0).bind(id).bind(n).bind(v.0).bind(name).bind(category).bind(*qty)
                .bind(price.0).bind(*cost).bind(ltotal.0)
                .execute(&mut **c).await.map(|_| ()))?;
        }
        let po = load_po(&mut tx, seller, id).await?;
        audit_both(
            &mut tx,
            &po,
            actor,
            Action::Create,
            &diff([
                ("po_no", None, Some(no.clone())),
                ("total", None, Some(total.0.to_string())),
                ("terms_days", None, Some(input.terms.days().to_string())),
                ("lines", None, Some(rows.len().to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        Ok(po)
    }
}

// ---------------------------------------------------------------------------------------------
// The steps

/// The result of a step: the PO after it.
pub type StepResult = StoreResult<Po>;

impl Tenant<'_> {
    /// Loads a PO for `side` of this coop: the seller side only its own POs, the buyer side
    /// only POs it placed. Anything else is `NotFound`.
    async fn po_for(
        &self,
        tx: &mut Tx<'_>,
        side: PoSide,
        seller: KoperasiId,
        id: Uuid,
    ) -> StoreResult<Po> {
        let mine = match side {
            PoSide::Seller => seller == self.koperasi_id,
            PoSide::Buyer => true,
        };
        if !mine {
            return Err(StoreError::NotFound);
        }
        let po = load_po(tx, seller, id).await?;
        if side == PoSide::Buyer && po.buyer_koperasi_id != self.koperasi_id {
            return Err(StoreError::NotFound);
        }
        Ok(po)
    }

    /// The secondary coop confirms a PO: every line's stock is taken (conditional update,
    /// never below zero); one line short refuses it all with nothing written.
    pub async fn confirm_tomiko_po(&self, actor: &Actor, id: Uuid) -> StepResult {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let po = self.po_for(&mut tx, PoSide::Seller, k, id).await?;
        let to = next(po.status, PoSide::Seller, PoAction::Confirm, po.terms).map_err(rule_err)?;
        let t = now();
        if !move_status(&mut tx, &po, po.status, to, t).await? {
            return Err(changed_meanwhile());
        }
        for l in &po.lines {
            let n = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE market_variant SET stock = stock - $3 WHERE koperasi_id = $1 AND id = $2 AND stock >= $3")
                .bind(k.0).bind(l.variant_id).bind(l.qty).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n != 1 {
                return Err(conflict(
                    format!(
                        "Stok {} tidak cukup untuk {} unit; pesanan tidak dikonfirmasi.",
                        l.name, l.qty
                    ),
                    format!(
                        "Not enough stock of {} for {} units; the order was not confirmed.",
                        l.name, l.qty
                    ),
                ));
            }
        }
        finish_status(tx, &po, actor, to).await
    }

    /// The secondary coop ships a confirmed PO and issues its invoice: invoice number and
    /// date, due date for tempo, the sale in its books and the member coop's patronage.
    pub async fn ship_tomiko_po(&self, actor: &Actor, id: Uuid) -> StepResult {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let po = self.po_for(&mut tx, PoSide::Seller, k, id).await?;
        let to = next(po.status, PoSide::Seller, PoAction::Ship, po.terms).map_err(rule_err)?;
        let t = now();
        if !move_status(&mut tx, &po, po.status, to, t).await? {
            return Err(changed_meanwhile());
        }
        let day = local_today(&mut tx, k, t).await?;
        let seq_name = format!("tomiko-faktur-{}", day.year());
        let seqs = ledger::reserve_seqs(&mut tx, k, &[(seq_name.clone(), 1)]).await?;
        let seq = seqs
            .get(&seq_name)
            .copied()
            .ok_or_else(|| StoreError::corrupt("no invoice number"))?;
        let inv = invoice_no(day.year(), seq);
        let due = po.terms.due_date(day);

        let debit_role = if po.terms.is_tempo() {
            AccountRole::CoopReceivable
        } else {
            AccountRole::Cash
        };
        let revenue_role = if po.buyer_member_id.is_some() {
            AccountRole::MemberSales
        } else {
            AccountRole::NonMemberSales
        };
        let debit = ledger::ensure_role_account(&mut tx, k, debit_role).await?;
        let revenue = ledger::ensure_role_account(&mut tx, k, revenue_role).await?;
        let mut lines = vec![
            line(debit, true, po.total, "Faktur Tomiko"),
            line(revenue, false, po.total, "Penjualan grosir Tomiko"),
        ];
        if po.cost_total > 0 {
            let hpp = ledger::ensure_role_account(&mut tx, k, AccountRole::CostOfGoodsSold).await?;
            let inv_acc = ledger::ensure_role_account(&mut tx, k, AccountRole::Inventory).await?;
            lines.push(line(hpp, true, po.cost_total, "HPP"));
            lines.push(line(inv_acc, false, po.cost_total, "Persediaan keluar"));
        }
        let (entry, _) = ledger::post(
            &mut tx,
            k,
            actor,
            &NewEntry {
                date: day,
                description: format!("Faktur {inv} ({}) untuk {}", po.po_no, po.buyer_name),
                reference: Some(inv.clone()),
                source: Source::Market,
                source_id: Some(po.id.to_string()),
                reverses: None,
                lines,
            },
        )
        .await?;
        let pay_method = (!po.terms.is_tempo()).then(|| PoPay::Kas.as_str().to_string());
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE tomiko_po SET invoice_no = $3, invoice_date = $4, due_on = $5, seller_entry_id = $6, pay_method = $7
             WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id).bind(&inv).bind(day).bind(due).bind(entry.0).bind(pay_method)
            .execute(&mut **c).await.map(|_| ()))?;
        if let Some(m) = po.buyer_member_id {
            let fy = fiscal_year(&mut tx, k, day).await?;
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO patronage (koperasi_id, id, member_id, member_koperasi_id, fiscal_year, tx_date, source,
                    source_id, amount, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pembelian_koperasi', $7, $8, $9)")
                .bind(k.0).bind(Uuid::now_v7()).bind(m.0).bind(po.buyer_koperasi_id.0).bind(i64::from(fy))
                .bind(day).bind(id).bind(po.total).bind(t)
                .execute(&mut **c).await.map(|_| ()))?;
        }
        audit_both(
            &mut tx,
            &po,
            actor,
            Action::Update,
            &diff([
                (
                    "status",
                    Some(po.status.as_str().into()),
                    Some(to.as_str().into()),
                ),
                ("invoice_no", None, Some(inv)),
                ("due_on", None, due.map(|d| d.to_string())),
            ]),
        )
        .await?;
        let po = load_po(&mut tx, k, id).await?;
        tx.commit().await?;
        Ok(po)
    }

    /// The buying coop receives a shipped PO of `seller`: for each line (in order) where the
    /// quantity goes (`choices`, one per line), the inventory in its books, and for a cash
    /// PO the payment (it ends `lunas`).
    pub async fn receive_tomiko_po(
        &self,
        actor: &Actor,
        seller: KoperasiId,
        id: Uuid,
        choices: &[ReceiveChoice],
    ) -> StepResult {
        let b = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let po = self.po_for(&mut tx, PoSide::Buyer, seller, id).await?;
        let to = next(po.status, PoSide::Buyer, PoAction::Receive, po.terms).map_err(rule_err)?;
        if choices.len() != po.lines.len() {
            return Err(invalid(
                "lines",
                Msg::new(
                    "Pilih tujuan stok untuk setiap baris",
                    "Choose where the stock goes for every line",
                ),
            ));
        }
        let t = now();
        if !move_status(&mut tx, &po, po.status, to, t).await? {
            return Err(changed_meanwhile());
        }
        let mut unit: Option<(Uuid, String)> = None;
        for (l, choice) in po.lines.iter().zip(choices) {
            let target = match choice {
                ReceiveChoice::Existing(v) => {
                    let n = on_tx!(&mut tx, c => sqlx::query(
                        "UPDATE market_variant SET cost = (stock * cost + $3 * $4 + (stock + $3) / 2) / (stock + $3),
                            stock = stock + $3
                         WHERE koperasi_id = $1 AND id = $2 AND active = TRUE")
                        .bind(b.0).bind(v.0).bind(l.qty).bind(l.unit_price)
                        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
                    if n != 1 {
                        return Err(invalid(
                            &format!("target_{}", l.line_no),
                            Msg::new(
                                "Produk tujuan tidak ada di katalog koperasi Anda",
                                "The target product is not in your coop's catalogue",
                            ),
                        ));
                    }
                    v.0
                }
                ReceiveChoice::NewDraft => {
                    if unit.is_none() {
                        unit = on_tx!(&mut tx, c => sqlx::query_as(
                            "SELECT id, regency_code FROM market_seller WHERE koperasi_id = $1 AND kind = 'unit_koperasi'
                               AND active = TRUE ORDER BY created_at, id LIMIT 1")
                            .bind(b.0).fetch_optional(&mut **c).await)?;
                    }
                    let Some((seller_id, regency)) = unit.clone() else {
                        return Err(invalid(
                            &format!("target_{}", l.line_no),
                            Msg::new(
                                "Koperasi Anda belum punya penjual 'unit usaha koperasi'; buat dulu di Pasar, atau pilih produk yang sudah ada",
                                "Your coop has no 'coop business unit' seller yet; add one in the market, or choose an existing product",
                            ),
                        ));
                    };
                    let weight: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
                        "SELECT weight_g FROM market_variant WHERE koperasi_id = $1 AND id = $2")
                        .bind(seller.0).bind(l.variant_id).fetch_one(&mut **c).await)?;
                    let pid = MarketProductId::new();
                    let vid = VariantId::new();
                    let slug = format!("tomiko-{}-{}", id.simple(), l.line_no);
                    on_tx!(&mut tx, c => sqlx::query(
                        "INSERT INTO market_product (koperasi_id, id, seller_id, name, slug, category, description, faces,
                            brand_id, status, listed, wholesale_only, is_halal, is_opop, min_price, regency_code,
                            cover_photo_id, sold_count, curated_at, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'umkm', NULL, 'draft', FALSE, FALSE, FALSE, FALSE, $8, $9,
                            NULL, 0, NULL, $10, $10)")
                        .bind(b.0).bind(pid.0).bind(seller_id).bind(&l.name).bind(&slug).bind(&l.category)
                        .bind(format!("Dibeli lewat Tomiko dari {} ({}).", po.seller_name, po.po_no))
                        .bind(l.unit_price).bind(&regency).bind(t)
                        .execute(&mut **c).await.map(|_| ()))?;
                    on_tx!(&mut tx, c => sqlx::query(
                        "INSERT INTO market_variant (koperasi_id, id, product_id, position, label, sku, barcode, price,
                            member_price, wholesale_tiers, cost, weight_g, stock, active)
                         VALUES ($1, $2, $3, 1, '', NULL, NULL, $4, NULL, '', $4, $5, $6, TRUE)")
                        .bind(b.0).bind(vid.0).bind(pid.0).bind(l.unit_price).bind(weight).bind(l.qty)
                        .execute(&mut **c).await.map(|_| ()))?;
                    // The goods' photos come along, so the buyer's store shows the same
                    // pictures (copies under the buyer: a coop's files are its own).
                    let photos: Vec<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
                        "SELECT f.id FROM market_file f
                         JOIN market_variant v ON v.koperasi_id = f.koperasi_id AND v.product_id = f.product_id
                         WHERE v.koperasi_id = $1 AND v.id = $2 AND f.purpose = 'foto'
                         ORDER BY f.position, f.id")
                        .bind(seller.0).bind(l.variant_id).fetch_all(&mut **c).await)?;
                    let mut cover = None;
                    for src in photos {
                        let copy = Uuid::now_v7();
                        on_tx!(&mut tx, c => sqlx::query(
                            "INSERT INTO market_file (koperasi_id, id, product_id, purpose, position, content_type,
                                width, height, small, medium, large, created_at)
                             SELECT $1, $2, $3, purpose, position, content_type, width, height, small, medium, large, $4
                             FROM market_file WHERE koperasi_id = $5 AND id = $6")
                            .bind(b.0).bind(copy).bind(pid.0).bind(t).bind(seller.0).bind(src)
                            .execute(&mut **c).await.map(|_| ()))?;
                        cover.get_or_insert(copy);
                    }
                    if let Some(cover) = cover {
                        on_tx!(&mut tx, c => sqlx::query(
                            "UPDATE market_product SET cover_photo_id = $3 WHERE koperasi_id = $1 AND id = $2")
                            .bind(b.0).bind(pid.0).bind(cover)
                            .execute(&mut **c).await.map(|_| ()))?;
                    }
                    audit::record(
                        &mut tx,
                        b,
                        actor,
                        "market_product",
                        &pid.to_string(),
                        Action::Create,
                        &diff([
                            ("name", None, Some(l.name.clone())),
                            ("source", None, Some(po.po_no.clone())),
                        ]),
                    )
                    .await?;
                    vid.0
                }
            };
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE tomiko_po_line SET buyer_variant_id = $4 WHERE koperasi_id = $1 AND po_id = $2 AND line_no = $3")
                .bind(seller.0).bind(id).bind(l.line_no).bind(target)
                .execute(&mut **c).await.map(|_| ()))?;
        }
        let day = local_today(&mut tx, b, t).await?;
        let inventory = ledger::ensure_role_account(&mut tx, b, AccountRole::Inventory).await?;
        let credit_role = if po.terms.is_tempo() {
            AccountRole::CoopPayable
        } else {
            AccountRole::Cash
        };
        let credit = ledger::ensure_role_account(&mut tx, b, credit_role).await?;
        let reference = po.invoice_no.clone().unwrap_or_else(|| po.po_no.clone());
        let (entry, _) = ledger::post(
            &mut tx,
            b,
            actor,
            &NewEntry {
                date: day,
                description: format!(
                    "Penerimaan barang Tomiko {reference} dari {}",
                    po.seller_name
                ),
                reference: Some(reference),
                source: Source::Market,
                source_id: Some(po.id.to_string()),
                reverses: None,
                lines: vec![
                    line(inventory, true, po.total, "Persediaan masuk"),
                    line(
                        credit,
                        false,
                        po.total,
                        if po.terms.is_tempo() {
                            "Utang kepada koperasi sekunder"
                        } else {
                            "Dibayar tunai"
                        },
                    ),
                ],
            },
        )
        .await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE tomiko_po SET buyer_entry_id = $3 WHERE koperasi_id = $1 AND id = $2")
            .bind(seller.0).bind(id).bind(entry.0).execute(&mut **c).await.map(|_| ()))?;
        finish_status(tx, &po, actor, to).await
    }

    /// The secondary coop records the payment of a received tempo PO: both books in one
    /// transaction (see the module doc), by `method` on both sides.
    pub async fn pay_tomiko_po(&self, actor: &Actor, id: Uuid, method: PoPay) -> StepResult {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let po = self.po_for(&mut tx, PoSide::Seller, k, id).await?;
        let to = next(po.status, PoSide::Seller, PoAction::Pay, po.terms).map_err(rule_err)?;
        let t = now();
        if !move_status(&mut tx, &po, po.status, to, t).await? {
            return Err(changed_meanwhile());
        }
        let reference = po.invoice_no.clone().unwrap_or_else(|| po.po_no.clone());
        let s_day = local_today(&mut tx, k, t).await?;
        let s_money = ledger::ensure_role_account(&mut tx, k, method.role()).await?;
        let s_recv = ledger::ensure_role_account(&mut tx, k, AccountRole::CoopReceivable).await?;
        let (s_entry, _) = ledger::post(
            &mut tx,
            k,
            actor,
            &NewEntry {
                date: s_day,
                description: format!("Pelunasan faktur {reference} oleh {}", po.buyer_name),
                reference: Some(reference.clone()),
                source: Source::Market,
                source_id: Some(po.id.to_string()),
                reverses: None,
                lines: vec![
                    line(s_money, true, po.total, "Pembayaran diterima"),
                    line(s_recv, false, po.total, "Piutang koperasi lain"),
                ],
            },
        )
        .await?;
        let b = po.buyer_koperasi_id;
        let b_day = local_today(&mut tx, b, t).await?;
        let b_money = ledger::ensure_role_account(&mut tx, b, method.role()).await?;
        let b_pay = ledger::ensure_role_account(&mut tx, b, AccountRole::CoopPayable).await?;
        let (b_entry, _) = ledger::post(
            &mut tx,
            b,
            actor,
            &NewEntry {
                date: b_day,
                description: format!("Pelunasan faktur {reference} kepada {}", po.seller_name),
                reference: Some(reference),
                source: Source::Market,
                source_id: Some(po.id.to_string()),
                reverses: None,
                lines: vec![
                    line(b_pay, true, po.total, "Utang kepada koperasi sekunder"),
                    line(b_money, false, po.total, "Pembayaran"),
                ],
            },
        )
        .await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE tomiko_po SET seller_pay_entry_id = $3, buyer_pay_entry_id = $4, pay_method = $5
             WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id).bind(s_entry.0).bind(b_entry.0).bind(method.as_str())
            .execute(&mut **c).await.map(|_| ()))?;
        audit_both(
            &mut tx,
            &po,
            actor,
            Action::Update,
            &diff([
                (
                    "status",
                    Some(po.status.as_str().into()),
                    Some(to.as_str().into()),
                ),
                ("pay_method", None, Some(method.as_str().into())),
            ]),
        )
        .await?;
        let po = load_po(&mut tx, k, id).await?;
        tx.commit().await?;
        Ok(po)
    }

    /// Cancels a PO of `seller` as `side` of this coop: the buyer before confirmation, the
    /// seller before shipping. Stock taken at confirmation goes back, exactly once.
    pub async fn cancel_tomiko_po(
        &self,
        actor: &Actor,
        side: PoSide,
        seller: KoperasiId,
        id: Uuid,
    ) -> StepResult {
        let mut tx = self.db.begin_write().await?;
        let po = self.po_for(&mut tx, side, seller, id).await?;
        let to = next(po.status, side, PoAction::Cancel, po.terms).map_err(rule_err)?;
        let t = now();
        if !move_status(&mut tx, &po, po.status, to, t).await? {
            return Err(changed_meanwhile());
        }
        if po.status.holds_stock() {
            for l in &po.lines {
                on_tx!(&mut tx, c => sqlx::query(
                    "UPDATE market_variant SET stock = stock + $3 WHERE koperasi_id = $1 AND id = $2")
                    .bind(seller.0).bind(l.variant_id).bind(l.qty).execute(&mut **c).await.map(|_| ()))?;
            }
        }
        finish_status(tx, &po, actor, to).await
    }
}
