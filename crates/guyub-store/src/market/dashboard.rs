//! The seller dashboard and the order/sales exports: what a seller (or the coop, over all its
//! sellers) sold in a period, the orders waiting for work, the variants running low, what the
//! coop owes consignment sellers, and the rows of the XLSX exports. Reads only.
//!
//! Definitions (the same on the page, in the exports and in the tests):
//! - a **sale** is an order that was paid (`entry_id` set when its checkout was paid), dated by
//!   its checkout's `paid_at`; **gross** is its total (goods and shipping);
//! - a **refund** is a paid order cancelled or returned, dated by the status event that
//!   refunded it, for the amount the order action booked: the goods, plus the shipping when
//!   the order had not been shipped yet (`refund_amount` with `include_shipping` false, as
//!   `act_tx` calls it). **Net** = gross − refunds of the period;
//! - **items** and **top products** count the units of orders paid in the period that were
//!   not refunded (a refunded order's units came back to stock).
//!
//! Periods are whole local days of the coop's time zone (WIB for most): the bounds are bound
//! as UTC instants ([`DayRange::start_utc`]), since SQLite compares instants as text.
//! Every query is scoped by `koperasi_id` (the tenant) and, for a seller, by `seller_id`, so a
//! seller never sees another seller's numbers. Queries use the existing indexes
//! (`market_order_seller_idx`, `market_order_coop_idx`, `market_order_event_order_idx`,
//! `market_product_seller_idx`); no migration was needed.

use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{MarketProductId, OrderId, SellerId, VariantId};
use guyub_core::market::dashboard::{DayRange, DaySales, Movement, by_day};
use guyub_core::market::legality::{CertStatus, DocKind, EXPIRY_WARNING_DAYS, cert_status};
use guyub_core::market::order::OrderStatus;
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::order::Payout;
use crate::{StoreError, StoreResult, Tenant, on_db};

/// How many rows an export holds at most (a year of a busy coop fits).
pub const MAX_EXPORT_ROWS: i64 = 100_000;
/// How many products the "top products" list shows.
const TOP_PRODUCTS: i64 = 5;
/// How many low-stock variants the dashboard lists.
const LOW_STOCK_ROWS: i64 = 50;
/// Most documents to renew on a dashboard.
pub const DOC_ALERT_ROWS: i64 = 50;
/// How many recent payouts the dashboard lists.
const LAST_PAYOUTS: usize = 5;

/// The statuses of orders that wait for the seller's (or the coop's) work, in desk order.
pub const WORK_STATUSES: [OrderStatus; 3] = [
    OrderStatus::Dibayar,
    OrderStatus::Diproses,
    OrderStatus::Dikirim,
];

/// The money of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SalesSummary {
    pub gross: i64,
    pub refunds: i64,
    pub net: i64,
    /// Orders paid in the period.
    pub orders: i64,
    /// Units of orders paid in the period and not refunded.
    pub items: i64,
}

/// A product among the best sellers of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopProduct {
    pub product_id: MarketProductId,
    pub name: String,
    pub seller_name: String,
    pub qty: i64,
    pub amount: i64,
}

/// Orders in one status waiting for work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkCount {
    pub status: OrderStatus,
    pub count: i64,
    /// When the oldest of them was made.
    pub oldest: Option<OffsetDateTime>,
    /// Its order number.
    pub oldest_no: Option<String>,
}

/// A variant at or under the low-stock line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LowStock {
    pub product_id: MarketProductId,
    pub variant_id: VariantId,
    pub product_name: String,
    pub label: String,
    pub sku: Option<String>,
    pub seller_name: String,
    pub stock: i64,
}

/// What the coop owes one consignment seller now (orders delivered, not yet paid out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owed {
    pub seller_id: SellerId,
    pub seller_name: String,
    pub orders: i64,
    pub amount: i64,
}

/// A legality document that expired or expires within [`EXPIRY_WARNING_DAYS`] days, of a
/// product not archived (or of the seller itself): the seller must renew it. An expired halal,
/// P-IRT or BPOM document suspends the product at the hourly certificate run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocAlert {
    pub seller_id: SellerId,
    pub seller_name: String,
    /// The seller's phone as entered, for a WhatsApp message from the board.
    pub seller_phone: Option<String>,
    /// `None` for a document of the seller (its NIB).
    pub product_id: Option<MarketProductId>,
    pub product_name: Option<String>,
    pub kind: DocKind,
    pub number: String,
    pub expires_on: Date,
    pub status: CertStatus,
}

/// The dashboard of one seller, or of the whole coop (`seller` `None`).
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub seller: Option<SellerId>,
    pub time_zone: CoopTimeZone,
    pub summary: SalesSummary,
    /// One row per day of the period.
    #[serde(skip)]
    pub days: Vec<DaySales>,
    pub top: Vec<TopProduct>,
    /// One row per [`WORK_STATUSES`], zero counts included.
    pub work: Vec<WorkCount>,
    pub low_stock: Vec<LowStock>,
    pub low_stock_line: i64,
    /// Owed to consignment sellers now, per seller (one row at most for a seller's dashboard).
    pub owed: Vec<Owed>,
    pub last_payouts: Vec<Payout>,
    /// Documents to renew, soonest first (at most [`DOC_ALERT_ROWS`]).
    pub documents: Vec<DocAlert>,
}

/// One row of the orders export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderExportRow {
    pub order_id: OrderId,
    pub order_no: String,
    pub created_at: OffsetDateTime,
    pub paid_at: Option<OffsetDateTime>,
    pub status: OrderStatus,
    pub seller_name: String,
    pub buyer_name: String,
    pub buyer_phone: String,
    pub member: bool,
    pub shipping_method: String,
    pub goods_total: i64,
    pub shipping_fee: i64,
    pub total: i64,
    /// What was refunded (0 unless cancelled or returned after payment).
    pub refund: i64,
}

/// One row of the sales-lines export: a line of an order paid in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesLineRow {
    pub paid_at: OffsetDateTime,
    pub order_no: String,
    pub status: OrderStatus,
    pub seller_name: String,
    pub name: String,
    pub qty: i64,
    pub unit_price: i64,
    pub amount: i64,
    pub member: bool,
}

/// The refund of a cancelled or returned order, in SQL: goods, plus shipping when it was
/// refunded before shipping. `e` is the refunding event, `o` the order.
const REFUND_SQL: &str = "o.goods_total + CASE WHEN e.from_status IN ('dibayar', 'diproses') THEN o.shipping_fee ELSE 0 END";

/// A low-stock variant as read: product, variant, product name, label, SKU, seller, stock.
type LowRow = (Uuid, Uuid, String, String, Option<String>, String, i64);

fn status_of(s: &str) -> StoreResult<OrderStatus> {
    OrderStatus::parse(s).ok_or_else(|| StoreError::corrupt(format!("order status {s}")))
}

impl Tenant<'_> {
    /// `NotFound` unless `seller` (when given) is a seller of this coop: a seller id of
    /// another coop reads nothing.
    async fn check_seller(&self, seller: Option<SellerId>) -> StoreResult<()> {
        let Some(s) = seller else {
            return Ok(());
        };
        let found: Option<i64> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM market_seller WHERE koperasi_id = $1 AND id = $2")
            .bind(self.koperasi_id.0).bind(s.0).fetch_optional(p).await)?;
        found.map(|_| ()).ok_or(StoreError::NotFound)
    }

    /// The coop's time zone: the days of a dashboard are its local days.
    pub async fn time_zone(&self) -> StoreResult<CoopTimeZone> {
        let tz: Option<String> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT timezone FROM koperasi WHERE id = $1")
            .bind(self.koperasi_id.0).fetch_optional(p).await)?;
        let tz = tz.ok_or(StoreError::NotFound)?;
        CoopTimeZone::parse(&tz).ok_or_else(|| StoreError::corrupt(format!("time zone {tz}")))
    }

    /// The dashboard of `seller` (a seller of this coop, else `NotFound`), or of the whole
    /// coop when `None`, for `range` (local days) with variants at or under `low_stock` units.
    pub async fn dashboard(
        &self,
        seller: Option<SellerId>,
        range: &DayRange,
        low_stock: i64,
    ) -> StoreResult<Dashboard> {
        let k = self.koperasi_id.0;
        let sid = seller.map(|s| s.0);
        self.check_seller(seller).await?;
        let tz = self.time_zone().await?;
        let off: UtcOffset = tz.offset();
        let (start, end) = (range.start_utc(off), range.end_utc(off));

        // Sales: each paid order of the period, with its units when not refunded.
        let sales: Vec<(OffsetDateTime, i64, String, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT c.paid_at, o.total, o.status,
                    (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM market_order_line l
                     WHERE l.koperasi_id = o.koperasi_id AND l.order_id = o.id)
             FROM market_order o
             JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
             WHERE o.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2) AND o.entry_id IS NOT NULL
               AND c.paid_at >= $3 AND c.paid_at < $4")
            .bind(k).bind(sid).bind(start).bind(end).fetch_all(p).await)?;
        let refund_sql = format!(
            "SELECT e.at, CAST({REFUND_SQL} AS BIGINT)
             FROM market_order_event e
             JOIN market_order o ON o.koperasi_id = e.koperasi_id AND o.id = e.order_id
             WHERE e.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2)
               AND e.to_status IN ('dibatalkan', 'dikembalikan') AND e.from_status <> 'dibuat'
               AND e.at >= $3 AND e.at < $4"
        );
        let refunds: Vec<(OffsetDateTime, i64)> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(refund_sql.clone()))
            .bind(k).bind(sid).bind(start).bind(end).fetch_all(p).await)?;

        let mut moves: Vec<Movement> = Vec::with_capacity(sales.len() + refunds.len());
        let mut summary = SalesSummary::default();
        for (at, total, status, qty) in &sales {
            moves.push(Movement {
                at: *at,
                amount: *total,
                refund: false,
            });
            summary.gross += total;
            summary.orders += 1;
            if !matches!(
                status_of(status)?,
                OrderStatus::Dibatalkan | OrderStatus::Dikembalikan
            ) {
                summary.items += qty;
            }
        }
        for (at, amount) in &refunds {
            moves.push(Movement {
                at: *at,
                amount: *amount,
                refund: true,
            });
            summary.refunds += amount;
        }
        summary.net = summary.gross - summary.refunds;
        let days = by_day(range, off, &moves);

        let top_rows: Vec<(Uuid, String, String, i64, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT l.product_id, p.name, s.name, CAST(SUM(l.qty) AS BIGINT) AS q,
                    CAST(SUM(l.qty * l.unit_price) AS BIGINT) AS amount
             FROM market_order o
             JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
             JOIN market_order_line l ON l.koperasi_id = o.koperasi_id AND l.order_id = o.id
             JOIN market_product p ON p.koperasi_id = l.koperasi_id AND p.id = l.product_id
             JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id
             WHERE o.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2) AND o.entry_id IS NOT NULL
               AND o.status NOT IN ('dibatalkan', 'dikembalikan')
               AND c.paid_at >= $3 AND c.paid_at < $4
             GROUP BY l.product_id, p.name, s.name
             ORDER BY q DESC, amount DESC, p.name LIMIT $5")
            .bind(k).bind(sid).bind(start).bind(end).bind(TOP_PRODUCTS).fetch_all(p).await)?;
        let top = top_rows
            .into_iter()
            .map(|(id, name, seller_name, qty, amount)| TopProduct {
                product_id: MarketProductId(id),
                name,
                seller_name,
                qty,
                amount,
            })
            .collect();

        let mut work = Vec::with_capacity(WORK_STATUSES.len());
        for st in WORK_STATUSES {
            let row: (i64, Option<OffsetDateTime>) = on_db!(self.db, p => sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT), MIN(created_at) FROM market_order
                 WHERE koperasi_id = $1 AND ($2 IS NULL OR seller_id = $2) AND status = $3")
                .bind(k).bind(sid).bind(st.as_str()).fetch_one(p).await)?;
            let oldest_no: Option<String> = if row.0 > 0 {
                on_db!(self.db, p => sqlx::query_scalar(
                    "SELECT order_no FROM market_order
                     WHERE koperasi_id = $1 AND ($2 IS NULL OR seller_id = $2) AND status = $3
                     ORDER BY created_at, order_no LIMIT 1")
                    .bind(k).bind(sid).bind(st.as_str()).fetch_optional(p).await)?
            } else {
                None
            };
            work.push(WorkCount {
                status: st,
                count: row.0,
                oldest: row.1,
                oldest_no,
            });
        }

        let low: Vec<LowRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT p.id, v.id, p.name, v.label, v.sku, s.name, v.stock
             FROM market_product p
             JOIN market_variant v ON v.koperasi_id = p.koperasi_id AND v.product_id = p.id
             JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id
             WHERE p.koperasi_id = $1 AND ($2 IS NULL OR p.seller_id = $2) AND p.status <> 'diarsipkan'
               AND v.active = TRUE AND v.stock <= $3
             ORDER BY v.stock, p.name, v.position LIMIT $4")
            .bind(k).bind(sid).bind(low_stock).bind(LOW_STOCK_ROWS).fetch_all(p).await)?;
        let low_stock_rows = low
            .into_iter()
            .map(
                |(pid, vid, product_name, label, sku, seller_name, stock)| LowStock {
                    product_id: MarketProductId(pid),
                    variant_id: VariantId(vid),
                    product_name,
                    label,
                    sku,
                    seller_name,
                    stock,
                },
            )
            .collect();

        // Owed now: the consignment payable each delivered, unpaid-out order booked (the same
        // reading as `payout_preview`, for every seller at once).
        let owed_rows: Vec<(Uuid, String, i64, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT s.id, s.name, CAST(COUNT(DISTINCT o.id) AS BIGINT), CAST(COALESCE(SUM(l.credit), 0) AS BIGINT) AS amount
             FROM market_order o
             JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id
             JOIN account a ON a.koperasi_id = o.koperasi_id AND a.role = 'utang_konsinyasi'
             JOIN journal_line l ON l.koperasi_id = o.koperasi_id AND l.entry_id = o.entry_id AND l.account_id = a.id
             WHERE o.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2)
               AND o.status IN ('diterima', 'selesai') AND o.payout_id IS NULL
             GROUP BY s.id, s.name ORDER BY amount DESC, s.name")
            .bind(k).bind(sid).fetch_all(p).await)?;
        let owed = owed_rows
            .into_iter()
            .filter(|r| r.3 > 0)
            .map(|(id, seller_name, orders, amount)| Owed {
                seller_id: SellerId(id),
                seller_name,
                orders,
                amount,
            })
            .collect();
        let mut last_payouts = self.payouts(seller).await?;
        last_payouts.truncate(LAST_PAYOUTS);
        let today = OffsetDateTime::now_utc().to_offset(off).date();
        let documents = self.doc_alerts(seller, today).await?;

        Ok(Dashboard {
            seller,
            time_zone: tz,
            summary,
            days,
            top,
            work,
            low_stock: low_stock_rows,
            low_stock_line: low_stock,
            owed,
            last_payouts,
            documents,
        })
    }

    /// The documents of `seller` (or of every seller of this coop) that expired or expire by
    /// `today` + [`EXPIRY_WARNING_DAYS`], soonest first: products archived are left out.
    pub async fn doc_alerts(
        &self,
        seller: Option<SellerId>,
        today: Date,
    ) -> StoreResult<Vec<DocAlert>> {
        type Row = (
            Uuid,
            String,
            Option<String>,
            Option<Uuid>,
            Option<String>,
            String,
            String,
            Date,
        );
        let until = today + time::Duration::days(EXPIRY_WARNING_DAYS);
        let rows: Vec<Row> = on_db!(self.db, p => sqlx::query_as(
            "SELECT s.id, s.name, s.phone, d.product_id, p.name, d.kind, d.number, d.expires_on
             FROM market_doc d
             JOIN market_seller s ON s.koperasi_id = d.koperasi_id AND s.id = d.seller_id
             LEFT JOIN market_product p ON p.koperasi_id = d.koperasi_id AND p.id = d.product_id
             WHERE d.koperasi_id = $1 AND ($2 IS NULL OR d.seller_id = $2)
               AND d.expires_on IS NOT NULL AND d.expires_on <= $3
               AND (d.product_id IS NULL OR p.status <> 'diarsipkan')
             ORDER BY d.expires_on, s.name, p.name LIMIT $4")
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0)).bind(until).bind(DOC_ALERT_ROWS)
            .fetch_all(p).await)?;
        rows.into_iter()
            .map(
                |(sid, seller_name, seller_phone, pid, product_name, kind, number, expires_on)| {
                    let kind = DocKind::parse(&kind)
                        .ok_or_else(|| StoreError::corrupt(format!("doc kind {kind}")))?;
                    Ok(DocAlert {
                        seller_id: SellerId(sid),
                        seller_name,
                        seller_phone,
                        product_id: pid.map(MarketProductId),
                        product_name,
                        kind,
                        number,
                        expires_on,
                        status: cert_status(Some(expires_on), today),
                    })
                },
            )
            .collect()
    }

    /// The orders made in `range` (local days), oldest first, for the orders export: one
    /// seller's or the whole coop's. At most [`MAX_EXPORT_ROWS`].
    pub async fn orders_export(
        &self,
        seller: Option<SellerId>,
        range: &DayRange,
    ) -> StoreResult<Vec<OrderExportRow>> {
        self.check_seller(seller).await?;
        let off = self.time_zone().await?.offset();
        type Row = (
            Uuid,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
            String,
            String,
            String,
            String,
            Option<Uuid>,
            String,
            i64,
            i64,
            i64,
            Option<i64>,
        );
        let sql = format!(
            "SELECT o.id, o.order_no, o.created_at, c.paid_at, o.status, s.name, c.buyer_name, c.buyer_phone,
                    o.buyer_member_id, o.shipping_method, o.goods_total, o.shipping_fee, o.total,
                    (SELECT CAST(MAX({REFUND_SQL}) AS BIGINT) FROM market_order_event e
                     WHERE e.koperasi_id = o.koperasi_id AND e.order_id = o.id
                       AND e.to_status IN ('dibatalkan', 'dikembalikan') AND e.from_status <> 'dibuat')
             FROM market_order o
             JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
             JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id
             WHERE o.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2)
               AND o.created_at >= $3 AND o.created_at < $4
             ORDER BY o.created_at, o.order_no LIMIT $5"
        );
        let rows: Vec<Row> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0))
            .bind(range.start_utc(off)).bind(range.end_utc(off)).bind(MAX_EXPORT_ROWS)
            .fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(OrderExportRow {
                    order_id: OrderId(r.0),
                    order_no: r.1,
                    created_at: r.2,
                    paid_at: r.3,
                    status: status_of(&r.4)?,
                    seller_name: r.5,
                    buyer_name: r.6,
                    buyer_phone: r.7,
                    member: r.8.is_some(),
                    shipping_method: r.9,
                    goods_total: r.10,
                    shipping_fee: r.11,
                    total: r.12,
                    refund: r.13.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The lines of the orders paid in `range` (local days), oldest payment first, for the
    /// sales export: one seller's or the whole coop's. Refunded orders keep their lines with
    /// their status, so the file adds up to the gross of the dashboard.
    pub async fn sales_lines_export(
        &self,
        seller: Option<SellerId>,
        range: &DayRange,
    ) -> StoreResult<Vec<SalesLineRow>> {
        self.check_seller(seller).await?;
        let off = self.time_zone().await?.offset();
        type Row = (
            OffsetDateTime,
            String,
            String,
            String,
            String,
            i64,
            i64,
            Option<Uuid>,
        );
        let rows: Vec<Row> = on_db!(self.db, p => sqlx::query_as(
            "SELECT c.paid_at, o.order_no, o.status, s.name, l.name, l.qty, l.unit_price, o.buyer_member_id
             FROM market_order o
             JOIN market_checkout c ON c.koperasi_id = o.checkout_koperasi_id AND c.id = o.checkout_id
             JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id
             JOIN market_order_line l ON l.koperasi_id = o.koperasi_id AND l.order_id = o.id
             WHERE o.koperasi_id = $1 AND ($2 IS NULL OR o.seller_id = $2) AND o.entry_id IS NOT NULL
               AND c.paid_at >= $3 AND c.paid_at < $4
             ORDER BY c.paid_at, o.order_no, l.line_no LIMIT $5")
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0))
            .bind(range.start_utc(off)).bind(range.end_utc(off)).bind(MAX_EXPORT_ROWS)
            .fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(SalesLineRow {
                    paid_at: r.0,
                    order_no: r.1,
                    status: status_of(&r.2)?,
                    seller_name: r.3,
                    name: r.4,
                    qty: r.5,
                    unit_price: r.6,
                    amount: r.5.saturating_mul(r.6),
                    member: r.7.is_some(),
                })
            })
            .collect()
    }

    /// A member's patronage total per fiscal year, newest year first (the member page's
    /// "previous years").
    pub async fn patronage_years(
        &self,
        member: guyub_core::ids::MemberId,
    ) -> StoreResult<Vec<(i32, i64)>> {
        let rows: Vec<(i64, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT fiscal_year, CAST(SUM(amount) AS BIGINT) FROM patronage
             WHERE koperasi_id = $1 AND member_id = $2 GROUP BY fiscal_year ORDER BY fiscal_year DESC")
            .bind(self.koperasi_id.0).bind(member.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(y, t)| (i32::try_from(y).unwrap_or_default(), t))
            .collect())
    }

    /// A member's patronage in fiscal year `year`, oldest first, as (date, order number,
    /// amount): returns show as negative rows of the same order.
    pub async fn patronage_lines(
        &self,
        member: guyub_core::ids::MemberId,
        year: i32,
    ) -> StoreResult<Vec<(time::Date, Option<String>, i64)>> {
        let rows: Vec<(time::Date, Option<String>, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT x.tx_date, o.order_no, x.amount FROM patronage x
             LEFT JOIN market_order o ON o.koperasi_id = x.koperasi_id AND o.id = x.source_id
             WHERE x.koperasi_id = $1 AND x.member_id = $2 AND x.fiscal_year = $3
             ORDER BY x.tx_date, x.created_at, x.id")
            .bind(self.koperasi_id.0).bind(member.0).bind(i64::from(year)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The fiscal year `date` falls in, by the coop's bylaws (January when none say otherwise).
    pub async fn fiscal_year_of(&self, date: time::Date) -> StoreResult<i32> {
        let m: Option<i64> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT fiscal_year_start_month FROM bylaws WHERE koperasi_id = $1 AND effective_year <= $2
             ORDER BY effective_year DESC LIMIT 1")
            .bind(self.koperasi_id.0).bind(i64::from(date.year())).fetch_optional(p).await)?;
        let m = u8::try_from(m.unwrap_or(1)).unwrap_or(1);
        Ok(guyub_core::ledger::fiscal_year_of(date, m))
    }
}
