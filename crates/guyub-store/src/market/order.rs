//! Checkouts, stock reservations, orders, the books of a sale, patronage and seller payouts.
//!
//! A buyer's cart becomes one **checkout** (owned by the storefront operator coop that takes
//! the one payment) and one **order** per seller group (owned by the merchant coop that sells
//! the goods and keeps their books). The rules are the core's (`guyub_core::market::order`);
//! this module runs them in transactions.
//!
//! Invariants kept here:
//! - **stock is never oversold**: a checkout takes every unit with a conditional update
//!   (`stock = stock - q WHERE stock >= q`); one update coming up short refuses the whole
//!   checkout and nothing is written. Expiry and cancellation give units back exactly once,
//!   because the state change they hang on is itself a conditional update;
//! - **a checkout is paid and posted at most once**: `menunggu → dibayar` is a conditional
//!   update and the journal entries are written in the same transaction; a second
//!   confirmation finds nothing to move and posts nothing;
//! - **every journal entry balances** and is written in the books of the coop it belongs to,
//!   with the order's `entry_id` pointing to the merchant's entry;
//! - a replayed checkout (same operator and idempotency key) returns the first one and takes
//!   no stock again.
//!
//! Booking rules (money account: Kliring QRIS for QRIS, Bank for transfer, Kas for cash at
//! pickup and cash on delivery). For each paid order, in the **merchant coop's** books:
//! - own goods (seller not on consignment): Dr money — Cr *Penjualan kepada anggota* (4102)
//!   when the buyer is a member of the merchant coop, else *Pendapatan dari non-anggota*
//!   (4201), for the goods; Cr *Pendapatan ongkos kirim* (4304) for the shipping fee (the coop
//!   ships and pays the courier from it); and Dr *HPP* (5101) — Cr *Persediaan* (1108) at the
//!   lines' unit cost (skipped when the cost is 0);
//! - consignment: Dr money — Cr *Utang kepada penjual (konsinyasi)* (2112) for the seller's
//!   share of the goods **plus the whole shipping fee** (the seller ships; the commission is
//!   on goods only) — Cr *Pendapatan komisi konsinyasi* (4303) for the commission, split by the
//!   core's `consignment_split` at the seller's rate (half up, conserving the total);
//! - when the operator coop is another coop, the merchant's debit is *Piutang … koperasi
//!   lain* (1107) instead of money, and the **operator's** books get Dr money — Cr *Utang
//!   kepada koperasi penjual* (2113) for the order's total: the operator holds the buyer's
//!   money for the merchant until it settles (settlement between coops:
//!   `market/operator.rs`);
//! - when the operator is another coop and the order carries an operator fee (its rate is fixed
//!   on the order at checkout from the instance's `/pasar` operator, see `market/operator.rs`;
//!   fee = goods × rate, half up, by the core's `operator_fee`, never on shipping): the
//!   operator's entry is Dr money (total) — Cr 2113 (total − fee) — Cr *Pendapatan jasa
//!   operator pasar* (4305, the fee); the merchant's is Dr 1107 (total − fee) + Dr *Beban jasa
//!   operator pasar* (5309, the fee) — Cr sales or consignment as above. A refund mirrors both,
//!   the fee part included (the operator gives its fee on the refunded goods back), and the
//!   order keeps what was refunded (`refund_total`, `refund_fee`) for the settlement.
//!
//! A refund (cancel after payment, return) posts the mirror of the refunded part (goods, and
//! shipping when refunded), with goods back into inventory at cost, and writes negative
//! patronage; a seller payout posts Dr 2112 — Cr Kas/Bank and links the orders it settles.

use std::collections::{BTreeMap, HashMap};

use guyub_core::ids::{
    AccountId, CheckoutId, EntryId, KoperasiId, MarketProductId, MarketSettlementId, MemberId,
    OrderId, PatronageId, PaymentRequestId, PayoutId, SellerId, UserId, VariantId,
};
use guyub_core::ledger::{AccountRole, LineInput, fiscal_year_of};
use guyub_core::market::catalog::{WholesaleTiers, parse_tiers, unit_price};
use guyub_core::market::operator::operator_fee;
use guyub_core::market::order::{
    CartLine, MAX_CART_LINES, OrderAction, OrderActionKind, OrderActor, OrderError, OrderStatus,
    checkout_total, consignment_split, next, order_no, refund_amount, split_by_seller,
    status_message, whatsapp_link,
};
use guyub_core::market::shipping::{
    CourierRate, Etd, RateTable, Shipping, ShippingMethod, ZoneRates, courier_options,
};
use guyub_core::money::Rupiah;
use guyub_core::payment::qris::Qris;
use guyub_core::payment::request::{RefCode, check_confirmable};
use guyub_core::percent::BasisPoints;
use guyub_core::phone::Phone;
use guyub_core::region::{RegionCode, RegionLevel};
use guyub_core::{FieldError, Msg};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::{Db, Tx};
use crate::ledger::{self, NewEntry, Source};
use crate::payment::request::{Confirmation, request_tx};
use crate::sql::{Script, Val, values_sql};
use crate::{Actor, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// How long a QRIS or transfer checkout holds its stock waiting for the payment.
pub const CHECKOUT_VALIDITY: Duration = Duration::minutes(60);
/// How long a "cash at pickup" checkout holds its stock: the buyer comes within three days.
pub const PICKUP_CASH_VALIDITY: Duration = Duration::days(3);
/// How long a cash-on-delivery checkout holds its stock: delivered and paid within a week.
pub const COD_VALIDITY: Duration = Duration::days(7);
/// The most checkouts released per call of [`Store::release_expired_checkouts`].
const RELEASE_BATCH: i64 = 500;

fn invalid(field: &str, id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, Msg::new(id, en))])
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Msg::new(id, en))
}

/// An order rule broken: a person's mistake (`Invalid`) or a state that does not allow it
/// (`Conflict`).
fn order_err(e: OrderError) -> StoreError {
    match e {
        OrderError::Transition { .. }
        | OrderError::Forbidden { .. }
        | OrderError::NotRefundable(_) => StoreError::Conflict(e.msg()),
        _ => StoreError::Invalid(vec![FieldError::new("order", e.msg())]),
    }
}

// ---------------------------------------------------------------------------------------------
// Input and output types
// ---------------------------------------------------------------------------------------------

/// How a checkout is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CheckoutPay {
    Qris,
    Transfer,
    /// Cash when the buyer picks the goods up.
    CashAtPickup,
    /// Cash on delivery.
    Cod,
}

impl CheckoutPay {
    pub const ALL: [CheckoutPay; 4] = [
        CheckoutPay::Qris,
        CheckoutPay::Transfer,
        CheckoutPay::CashAtPickup,
        CheckoutPay::Cod,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutPay::Qris => "qris",
            CheckoutPay::Transfer => "transfer",
            CheckoutPay::CashAtPickup => "tunai_ambil",
            CheckoutPay::Cod => "cod",
        }
    }

    pub fn parse(s: &str) -> Option<CheckoutPay> {
        CheckoutPay::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The account the money arrives in.
    pub fn money_role(self) -> AccountRole {
        match self {
            CheckoutPay::Qris => AccountRole::QrisClearing,
            CheckoutPay::Transfer => AccountRole::Bank,
            CheckoutPay::CashAtPickup | CheckoutPay::Cod => AccountRole::Cash,
        }
    }

    /// QRIS and transfer are paid through a payment request of the operator coop.
    fn needs_request(self) -> bool {
        matches!(self, CheckoutPay::Qris | CheckoutPay::Transfer)
    }

    fn validity(self) -> Duration {
        match self {
            CheckoutPay::Qris | CheckoutPay::Transfer => CHECKOUT_VALIDITY,
            CheckoutPay::CashAtPickup => PICKUP_CASH_VALIDITY,
            CheckoutPay::Cod => COD_VALIDITY,
        }
    }
}

/// Who buys. Recognised as a member of a merchant coop (member price, patronage) when
/// `user_id` is the account of an active member of that coop, or when `member_no` is the
/// number of an active member of that coop whose phone is `phone`. Nothing else: a name match
/// is never enough.
#[derive(Debug, Clone)]
pub struct BuyerInput {
    pub name: String,
    pub phone: String,
    pub user_id: Option<UserId>,
    pub member_no: Option<String>,
}

/// One line of the cart: a variant of a coop's catalogue.
#[derive(Debug, Clone)]
pub struct CheckoutLineInput {
    pub coop_id: KoperasiId,
    pub variant_id: VariantId,
    pub qty: u32,
}

/// The shipping a buyer chose for one seller group.
#[derive(Debug, Clone)]
pub enum ShipChoice {
    Pickup,
    /// The seller delivers at the merchant coop's zone fee.
    SellerDelivery,
    /// A courier service from the merchant coop's rate table.
    Courier {
        courier: String,
        service: String,
    },
}

/// Where a group goes (ignored for pickup, where the buyer's name is kept).
#[derive(Debug, Clone)]
pub struct ShipTo {
    pub name: String,
    pub address: String,
    /// The kabupaten/kota (or a village in it) the fee is priced on.
    pub region: Option<RegionCode>,
}

/// The buyer's choices for the group of one seller in one coop.
#[derive(Debug, Clone)]
pub struct GroupChoice {
    pub coop_id: KoperasiId,
    pub seller_id: SellerId,
    pub shipping: ShipChoice,
    pub ship_to: ShipTo,
}

/// A checkout to make.
#[derive(Debug, Clone)]
pub struct CheckoutInput {
    /// The storefront coop that takes the payment.
    pub operator: KoperasiId,
    pub idem_key: Option<String>,
    pub buyer: BuyerInput,
    pub lines: Vec<CheckoutLineInput>,
    pub groups: Vec<GroupChoice>,
    pub pay_method: CheckoutPay,
}

/// A line of an order, as bought.
#[derive(Debug, Clone, Serialize)]
pub struct OrderLine {
    pub line_no: i64,
    pub product_id: MarketProductId,
    pub variant_id: VariantId,
    pub name: String,
    pub qty: i64,
    pub unit_price: i64,
    pub unit_cost: i64,
    pub weight_g: i64,
}

/// An order: the part of a checkout one seller fulfils.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub koperasi_id: KoperasiId,
    pub id: OrderId,
    pub order_no: String,
    pub checkout_koperasi_id: KoperasiId,
    pub checkout_id: CheckoutId,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub seller_phone: Option<String>,
    pub consignment: bool,
    pub buyer_member_id: Option<MemberId>,
    pub status: OrderStatus,
    pub shipping: Shipping,
    pub ship_to_name: String,
    pub ship_to_address: String,
    pub ship_to_regency: Option<String>,
    pub courier: Option<String>,
    pub tracking_no: Option<String>,
    pub goods_total: i64,
    pub shipping_fee: i64,
    pub total: i64,
    pub entry_id: Option<EntryId>,
    pub payout_id: Option<PayoutId>,
    pub created_at: OffsetDateTime,
    pub lines: Vec<OrderLine>,
    /// The operator's fee rate fixed at checkout (0 when the operator is the merchant).
    pub operator_fee_bp: i64,
    /// The operator's fee on the goods at that rate.
    pub operator_fee: i64,
    /// What went back to the buyer, and the part of the fee given back with it.
    pub refund_total: i64,
    pub refund_fee: i64,
    /// The operator's settlement that paid the merchant for this order, once settled.
    pub settlement_id: Option<MarketSettlementId>,
}

/// A checkout with its orders.
#[derive(Debug, Clone, Serialize)]
pub struct Checkout {
    pub koperasi_id: KoperasiId,
    pub id: CheckoutId,
    pub buyer_name: String,
    pub buyer_phone: String,
    /// The secret of the buyer's link to follow the orders.
    #[serde(skip)]
    pub buyer_token: String,
    pub pay_method: CheckoutPay,
    pub total: i64,
    /// menunggu | dibayar | kedaluwarsa | dibatalkan
    pub state: String,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub paid_at: Option<OffsetDateTime>,
    pub payment_request_id: Option<PaymentRequestId>,
    /// The request's reference code, what a transfer note carries.
    pub payment_ref: Option<String>,
    pub qris_payload: Option<String>,
    pub orders: Vec<Order>,
}

/// What an order action did: the order after it, the message for the buyer (kept as the
/// order's event) with its ready-to-send WhatsApp link, and the refund it booked.
#[derive(Debug, Clone, Serialize)]
pub struct OrderActionResult {
    pub order: Order,
    pub message: String,
    pub whatsapp: String,
    pub refund: i64,
}

/// One patronage row.
#[derive(Debug, Clone, Serialize)]
pub struct Patronage {
    pub id: PatronageId,
    pub member_id: Option<MemberId>,
    pub member_koperasi_id: Option<KoperasiId>,
    pub fiscal_year: i32,
    pub tx_date: Date,
    pub source: String,
    pub source_id: Uuid,
    pub amount: i64,
}

/// A member's patronage in a fiscal year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PatronageTotal {
    pub member_id: MemberId,
    pub total: i64,
}

/// An order a payout would settle, with the payable it booked.
#[derive(Debug, Clone, Serialize)]
pub struct PayableOrder {
    pub order_id: OrderId,
    pub order_no: String,
    pub amount: i64,
}

/// What a seller would be paid now.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutPreview {
    pub seller_id: SellerId,
    pub orders: Vec<PayableOrder>,
    pub amount: i64,
}

/// How a payout is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PayoutMethod {
    Cash,
    Transfer,
}

impl PayoutMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutMethod::Cash => "tunai",
            PayoutMethod::Transfer => "transfer",
        }
    }

    fn role(self) -> AccountRole {
        match self {
            PayoutMethod::Cash => AccountRole::Cash,
            PayoutMethod::Transfer => AccountRole::Bank,
        }
    }
}

/// A payout as read: id, seller, seller name, amount, method, entry, by, at, orders.
type PayoutRow = (
    Uuid,
    Uuid,
    String,
    i64,
    String,
    Uuid,
    String,
    OffsetDateTime,
    i64,
);

/// A payout made, for the payout report.
#[derive(Debug, Clone, Serialize)]
pub struct Payout {
    pub id: PayoutId,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub amount: i64,
    pub method: String,
    pub entry_id: EntryId,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub orders: i64,
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Where a read runs: the pool, or an open transaction.
pub(crate) enum Src<'a, 'c> {
    Db(&'a Db),
    Tx(&'a mut Tx<'c>),
}

macro_rules! fetch {
    ($src:expr, $method:ident, $q:expr) => {
        match $src {
            Src::Db(db) => on_db!(*db, p => $q.$method(p).await),
            Src::Tx(tx) => on_tx!(&mut **tx, c => $q.$method(&mut **c).await),
        }
    };
}

#[derive(sqlx::FromRow)]
struct CheckoutRow {
    koperasi_id: Uuid,
    id: Uuid,
    buyer_name: String,
    buyer_phone: String,
    buyer_token: String,
    pay_method: String,
    total: i64,
    payment_request_id: Option<Uuid>,
    state: String,
    expires_at: OffsetDateTime,
    created_at: OffsetDateTime,
    paid_at: Option<OffsetDateTime>,
    ref_code: Option<String>,
    qris_payload: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    koperasi_id: Uuid,
    id: Uuid,
    order_no: String,
    checkout_koperasi_id: Uuid,
    checkout_id: Uuid,
    seller_id: Uuid,
    seller_name: String,
    seller_phone: Option<String>,
    consignment: bool,
    buyer_member_id: Option<Uuid>,
    status: String,
    shipping_detail: String,
    ship_to_name: String,
    ship_to_address: String,
    ship_to_regency: Option<String>,
    courier: Option<String>,
    tracking_no: Option<String>,
    goods_total: i64,
    shipping_fee: i64,
    total: i64,
    entry_id: Option<Uuid>,
    payout_id: Option<Uuid>,
    created_at: OffsetDateTime,
    operator_fee_bp: i64,
    operator_fee: i64,
    refund_total: i64,
    refund_fee: i64,
    settlement_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    koperasi_id: Uuid,
    order_id: Uuid,
    line_no: i64,
    product_id: Uuid,
    variant_id: Uuid,
    name: String,
    qty: i64,
    unit_price: i64,
    unit_cost: i64,
    weight_g: i64,
}

const ORDER_COLS: &str = "o.koperasi_id, o.id, o.order_no, o.checkout_koperasi_id, o.checkout_id, o.seller_id,
    s.name AS seller_name, s.phone AS seller_phone, s.consignment, o.buyer_member_id, o.status, o.shipping_detail,
    o.ship_to_name, o.ship_to_address, o.ship_to_regency, o.courier, o.tracking_no, o.goods_total, o.shipping_fee,
    o.total, o.entry_id, o.payout_id, o.created_at, o.operator_fee_bp, o.operator_fee, o.refund_total,
    o.refund_fee, o.settlement_id
    FROM market_order o JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id";

const LINE_COLS: &str =
    "l.koperasi_id, l.order_id, l.line_no, l.product_id, l.variant_id, l.name, l.qty,
    l.unit_price, l.unit_cost, l.weight_g FROM market_order_line l";

fn to_order(r: OrderRow, lines: &mut HashMap<(Uuid, Uuid), Vec<OrderLine>>) -> StoreResult<Order> {
    let status = OrderStatus::parse(&r.status)
        .ok_or_else(|| StoreError::corrupt(format!("order status {}", r.status)))?;
    let shipping: Shipping =
        serde_json::from_str(&r.shipping_detail).map_err(StoreError::corrupt)?;
    Ok(Order {
        koperasi_id: KoperasiId(r.koperasi_id),
        id: OrderId(r.id),
        order_no: r.order_no,
        checkout_koperasi_id: KoperasiId(r.checkout_koperasi_id),
        checkout_id: CheckoutId(r.checkout_id),
        seller_id: SellerId(r.seller_id),
        seller_name: r.seller_name,
        seller_phone: r.seller_phone,
        consignment: r.consignment,
        buyer_member_id: r.buyer_member_id.map(MemberId),
        status,
        shipping,
        ship_to_name: r.ship_to_name,
        ship_to_address: r.ship_to_address,
        ship_to_regency: r.ship_to_regency,
        courier: r.courier,
        tracking_no: r.tracking_no,
        goods_total: r.goods_total,
        shipping_fee: r.shipping_fee,
        total: r.total,
        entry_id: r.entry_id.map(EntryId),
        payout_id: r.payout_id.map(PayoutId),
        created_at: r.created_at,
        lines: lines.remove(&(r.koperasi_id, r.id)).unwrap_or_default(),
        operator_fee_bp: r.operator_fee_bp,
        operator_fee: r.operator_fee,
        refund_total: r.refund_total,
        refund_fee: r.refund_fee,
        settlement_id: r.settlement_id.map(MarketSettlementId),
    })
}

fn group_lines(rows: Vec<LineRow>) -> HashMap<(Uuid, Uuid), Vec<OrderLine>> {
    let mut out: HashMap<(Uuid, Uuid), Vec<OrderLine>> = HashMap::new();
    for l in rows {
        out.entry((l.koperasi_id, l.order_id))
            .or_default()
            .push(OrderLine {
                line_no: l.line_no,
                product_id: MarketProductId(l.product_id),
                variant_id: VariantId(l.variant_id),
                name: l.name,
                qty: l.qty,
                unit_price: l.unit_price,
                unit_cost: l.unit_cost,
                weight_g: l.weight_g,
            });
    }
    out
}

/// The orders of a checkout, in order-number order, with their lines.
async fn orders_of(
    src: &mut Src<'_, '_>,
    ck: KoperasiId,
    cid: CheckoutId,
) -> StoreResult<Vec<Order>> {
    let sql = format!(
        "SELECT {ORDER_COLS} WHERE o.checkout_koperasi_id = $1 AND o.checkout_id = $2
         ORDER BY o.order_no, o.koperasi_id"
    );
    let rows: Vec<OrderRow> = fetch!(
        src,
        fetch_all,
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(ck.0)
            .bind(cid.0)
    )?;
    let lsql = format!(
        "SELECT {LINE_COLS} JOIN market_order o ON o.koperasi_id = l.koperasi_id AND o.id = l.order_id
         WHERE o.checkout_koperasi_id = $1 AND o.checkout_id = $2 ORDER BY l.line_no"
    );
    let lines: Vec<LineRow> = fetch!(
        src,
        fetch_all,
        sqlx::query_as(sqlx::AssertSqlSafe(lsql.clone()))
            .bind(ck.0)
            .bind(cid.0)
    )?;
    let mut lines = group_lines(lines);
    rows.into_iter().map(|r| to_order(r, &mut lines)).collect()
}

/// One order of a coop, with its lines.
async fn order_of(src: &mut Src<'_, '_>, k: KoperasiId, id: OrderId) -> StoreResult<Order> {
    let sql = format!("SELECT {ORDER_COLS} WHERE o.koperasi_id = $1 AND o.id = $2");
    let row: Option<OrderRow> = fetch!(
        src,
        fetch_optional,
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(k.0)
            .bind(id.0)
    )?;
    let row = row.ok_or(StoreError::NotFound)?;
    let lsql = format!(
        "SELECT {LINE_COLS} WHERE l.koperasi_id = $1 AND l.order_id = $2 ORDER BY l.line_no"
    );
    let lines: Vec<LineRow> = fetch!(
        src,
        fetch_all,
        sqlx::query_as(sqlx::AssertSqlSafe(lsql.clone()))
            .bind(k.0)
            .bind(id.0)
    )?;
    to_order(row, &mut group_lines(lines))
}

pub(crate) async fn checkout_of(
    src: &mut Src<'_, '_>,
    k: KoperasiId,
    id: CheckoutId,
) -> StoreResult<Checkout> {
    let row: Option<CheckoutRow> = fetch!(src, fetch_optional, sqlx::query_as(
        "SELECT c.koperasi_id, c.id, c.buyer_name, c.buyer_phone, c.buyer_token, c.pay_method, c.total,
                c.payment_request_id, c.state, c.expires_at, c.created_at, c.paid_at, r.ref_code, r.qris_payload
         FROM market_checkout c
         LEFT JOIN payment_request r ON r.koperasi_id = c.koperasi_id AND r.id = c.payment_request_id
         WHERE c.koperasi_id = $1 AND c.id = $2")
        .bind(k.0).bind(id.0))?;
    let r = row.ok_or(StoreError::NotFound)?;
    let orders = orders_of(src, k, id).await?;
    Ok(Checkout {
        koperasi_id: KoperasiId(r.koperasi_id),
        id: CheckoutId(r.id),
        buyer_name: r.buyer_name,
        buyer_phone: r.buyer_phone,
        buyer_token: r.buyer_token,
        pay_method: CheckoutPay::parse(&r.pay_method)
            .ok_or_else(|| StoreError::corrupt(format!("pay method {}", r.pay_method)))?,
        total: r.total,
        state: r.state,
        expires_at: r.expires_at,
        created_at: r.created_at,
        paid_at: r.paid_at,
        payment_request_id: r.payment_request_id.map(PaymentRequestId),
        payment_ref: r.ref_code,
        qris_payload: r.qris_payload,
        orders,
    })
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// 16 random bytes as 32 hex digits: the secret of a buyer's link.
pub(crate) fn random_token() -> StoreResult<String> {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| StoreError::corrupt(format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Text folded to single spaces.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each coop's offset (its time zone), for dating entries on the coop's own calendar. One
/// read for all of them; `NotFound` when one of them does not exist.
pub(crate) async fn coop_offsets(
    tx: &mut Tx<'_>,
    coops: &[KoperasiId],
) -> StoreResult<HashMap<KoperasiId, UtcOffset>> {
    let mut wanted: Vec<Uuid> = coops.iter().map(|k| k.0).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=wanted.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, timezone FROM koperasi WHERE id IN ({})",
        marks.join(", ")
    );
    let rows: Vec<(Uuid, String)> = on_tx!(&mut *tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for k in &wanted { q = q.bind(*k); }
        q.fetch_all(&mut **c).await
    })?;
    if rows.len() != wanted.len() {
        return Err(StoreError::NotFound);
    }
    let mut out = HashMap::with_capacity(rows.len());
    for (id, tz) in rows {
        let zone = guyub_core::coop::CoopTimeZone::parse(&tz)
            .ok_or_else(|| StoreError::corrupt(format!("time zone {tz}")))?;
        out.insert(KoperasiId(id), zone.offset());
    }
    Ok(out)
}

pub(crate) fn local_date(
    t: OffsetDateTime,
    offsets: &HashMap<KoperasiId, UtcOffset>,
    k: KoperasiId,
) -> Date {
    t.to_offset(offsets.get(&k).copied().unwrap_or(UtcOffset::UTC))
        .date()
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

/// An active member of `k` who is this buyer (see [`BuyerInput`]).
async fn member_of(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    buyer: &BuyerInput,
    phone: &Phone,
) -> StoreResult<Option<MemberId>> {
    if let Some(u) = buyer.user_id {
        let id: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM member WHERE koperasi_id = $1 AND user_id = $2 AND status = 'aktif'")
            .bind(k.0).bind(u.0).fetch_optional(&mut **c).await)?;
        if let Some(id) = id {
            return Ok(Some(MemberId(id)));
        }
    }
    let Some(no) = buyer
        .member_no
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let row: Option<(Uuid, Option<String>)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT id, phone FROM member WHERE koperasi_id = $1 AND member_no = $2 AND status = 'aktif'")
        .bind(k.0).bind(no).fetch_optional(&mut **c).await)?;
    Ok(row.and_then(|(id, p)| {
        let same = p
            .and_then(|p| Phone::parse(&p).ok())
            .is_some_and(|p| p == *phone);
        same.then_some(MemberId(id))
    }))
}

/// The entry lines with zero amounts dropped and lines on the same account and side merged.
fn lines(raw: Vec<(AccountId, bool, i64, &str)>) -> Vec<LineInput> {
    let mut out: Vec<LineInput> = Vec::new();
    for (account, debit, amount, memo) in raw {
        if amount <= 0 {
            continue;
        }
        match out
            .iter_mut()
            .find(|l| l.account == account && l.debit.is_positive() == debit)
        {
            Some(l) if debit => l.debit = Rupiah(l.debit.0 + amount),
            Some(l) => l.credit = Rupiah(l.credit.0 + amount),
            None => out.push(LineInput {
                account,
                debit: Rupiah(if debit { amount } else { 0 }),
                credit: Rupiah(if debit { 0 } else { amount }),
                memo: Some(memo.to_string()),
            }),
        }
    }
    out
}

/// An order event row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_event(
    script: &mut Script,
    k: KoperasiId,
    order: OrderId,
    from: &str,
    to: OrderStatus,
    who: OrderActor,
    actor_name: &str,
    message: &str,
    t: OffsetDateTime,
) {
    script.push(
        "INSERT INTO market_order_event (koperasi_id, id, order_id, from_status, to_status, actor, actor_name, message, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            k.0.into(),
            Uuid::now_v7().into(),
            order.0.into(),
            from.into(),
            to.as_str().into(),
            who.as_str().into(),
            actor_name.into(),
            message.into(),
            t.into(),
        ],
        1,
    );
}

// ---------------------------------------------------------------------------------------------
// Checkout
// ---------------------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct VariantRow {
    koperasi_id: Uuid,
    id: Uuid,
    product_id: Uuid,
    label: String,
    price: i64,
    member_price: Option<i64>,
    wholesale_tiers: String,
    cost: i64,
    weight_g: i64,
    stock: i64,
    active: bool,
    product_name: String,
    listed: bool,
    wholesale_only: bool,
    seller_id: Uuid,
    seller_name: String,
    seller_active: bool,
    seller_phone: Option<String>,
    consignment: bool,
    /// The merchant coop's time zone (dates its order numbers).
    timezone: String,
    /// The checkout's operator coop's time zone (`None`: no such coop) and its fee rate as
    /// the instance's /pasar operator (`None`: not the operator), the same on every row.
    op_timezone: Option<String>,
    op_fee_bp: Option<i64>,
}

impl VariantRow {
    fn display_name(&self) -> String {
        if self.label.trim().is_empty() {
            self.product_name.clone()
        } else {
            format!("{} ({})", self.product_name, self.label)
        }
    }
}

/// The input checked before the transaction: the buyer's phone, the merged cart (one line
/// per variant, quantities added, first-seen order).
struct CleanInput {
    name: String,
    phone: Phone,
    merged: Vec<(KoperasiId, Uuid, u32)>,
}

fn check_input(input: &CheckoutInput) -> StoreResult<CleanInput> {
    let name = fold(&input.buyer.name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "buyer_name",
            "Isi nama pembeli (paling panjang 100 karakter).",
            "Enter the buyer's name (at most 100 characters).",
        ));
    }
    let phone = Phone::parse(&input.buyer.phone)
        .map_err(|e| StoreError::Invalid(vec![FieldError::new("buyer_phone", e.msg())]))?;
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
    if input.lines.is_empty() {
        return Err(order_err(OrderError::EmptyCart));
    }
    if input.lines.len() > MAX_CART_LINES {
        return Err(order_err(OrderError::TooManyLines));
    }
    let mut merged: Vec<(KoperasiId, Uuid, u32)> = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        if l.qty == 0 {
            return Err(order_err(OrderError::ZeroQty { line: i + 1 }));
        }
        match merged
            .iter_mut()
            .find(|m| m.0 == l.coop_id && m.1 == l.variant_id.0)
        {
            Some(m) => m.2 = m.2.saturating_add(l.qty),
            None => merged.push((l.coop_id, l.variant_id.0, l.qty)),
        }
    }
    Ok(CleanInput {
        name,
        phone,
        merged,
    })
}

/// The fee of one group's shipping choice, from the merchant coop's zone fees or rate table.
async fn quote_shipping(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    seller_name: &str,
    choice: &ShipChoice,
    dest: Option<&RegionCode>,
    grams: u32,
) -> StoreResult<Shipping> {
    let need_dest = || {
        invalid(
            "ship_to",
            format!("Pilih kabupaten/kota tujuan untuk pesanan dari {seller_name}."),
            format!("Choose the destination regency/city for the order from {seller_name}."),
        )
    };
    match choice {
        ShipChoice::Pickup => Ok(Shipping::Pickup),
        ShipChoice::SellerDelivery => {
            let dest = dest.ok_or_else(need_dest)?;
            let zones: Option<Option<String>> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT zone_rates FROM market_settings WHERE koperasi_id = $1")
                .bind(k.0).fetch_optional(&mut **c).await)?;
            let fee = match zones.flatten() {
                Some(json) => serde_json::from_str::<ZoneRates>(&json)
                    .map_err(StoreError::corrupt)?
                    .quote(dest),
                None => None,
            };
            let fee = fee.ok_or_else(|| {
                invalid(
                    "shipping",
                    format!(
                        "{seller_name} tidak mengantar ke {}; pilih ambil sendiri atau kurir.",
                        dest.as_str()
                    ),
                    format!(
                        "{seller_name} does not deliver to {}; choose pickup or a courier.",
                        dest.as_str()
                    ),
                )
            })?;
            Ok(Shipping::SellerDelivery { fee })
        }
        ShipChoice::Courier { courier, service } => {
            let dest = dest.ok_or_else(need_dest)?;
            let regency = dest.regency().ok_or_else(need_dest)?;
            let rows: Vec<(String, String, String, i64, i64, Option<String>)> = on_tx!(&mut *tx, c => sqlx::query_as(
                "SELECT courier, service, dest_code, price_per_kg, min_kg, etd FROM market_courier_rate
                 WHERE koperasi_id = $1 AND dest_code = $2")
                .bind(k.0).bind(regency.as_str()).fetch_all(&mut **c).await)?;
            let mut rates = Vec::with_capacity(rows.len());
            for (courier, service, dest_code, price, min_kg, etd) in rows {
                rates.push(CourierRate {
                    courier,
                    service,
                    dest: RegionCode::parse(&dest_code).map_err(StoreError::corrupt)?,
                    price_per_kg: Rupiah(price),
                    min_kg: u32::try_from(min_kg).map_err(StoreError::corrupt)?,
                    etd: etd.as_deref().and_then(Etd::parse),
                });
            }
            let table = RateTable::from_rows(rates)
                .map_err(|_| StoreError::corrupt("stored courier rates"))?;
            let (c, s) = (fold(courier).to_lowercase(), fold(service).to_lowercase());
            courier_options(&table, dest, grams)
                .into_iter()
                .find(|q| q.courier.to_lowercase() == c && q.service.to_lowercase() == s)
                .map(Shipping::from)
                .ok_or_else(|| {
                    invalid(
                        "shipping",
                        format!("Layanan kurir {courier} {service} tidak tersedia ke {} untuk {seller_name}.", regency.as_str()),
                        format!("The courier service {courier} {service} does not reach {} for {seller_name}.", regency.as_str()),
                    )
                })
        }
    }
}

impl Store {
    /// Checks out a cart in one transaction: prices every line (member price for a member of
    /// the merchant coop, wholesale tiers by quantity), splits it into one order per seller,
    /// quotes each group's shipping, takes the stock with conditional updates, and writes the
    /// checkout, its orders, their lines and "dibuat" events, and for QRIS or transfer a
    /// payment request (purpose `pasar`) for the total in the operator coop, valid
    /// [`CHECKOUT_VALIDITY`].
    ///
    /// Refused with nothing written: a line above the stock left (the product named), a
    /// product no longer sold, a group without a shipping choice, a destination not served.
    /// With an idempotency key a replay returns the first checkout and takes nothing again.
    pub async fn checkout(&self, input: &CheckoutInput) -> StoreResult<Checkout> {
        self.checkout_at(input, now()).await
    }

    /// [`Store::checkout`] as if made at the instant `at`: the checkout, its orders, events
    /// and order numbers carry that time, and its payment window runs from it. For the demo's
    /// year of orders (and imports of past sales); the pages and the API use
    /// [`Store::checkout`].
    pub async fn checkout_at(
        &self,
        input: &CheckoutInput,
        at: OffsetDateTime,
    ) -> StoreResult<Checkout> {
        let clean = check_input(input)?;
        let op = input.operator;
        // Whole microseconds, what the databases keep, so the checkout returned is the one
        // a later read gives.
        let at = at
            .replace_nanosecond(at.nanosecond() / 1000 * 1000)
            .unwrap_or(at);
        // A replay is not looked up first (one round trip less for every checkout): it runs
        // like a new one and meets the unique key of (operator, idempotency key), or a check
        // the first one's stock now fails; either way nothing of it is written, and the first
        // checkout is returned.
        let mut tx = self.db.begin_write().await?;
        match checkout_tx(&mut tx, input, &clean, at).await {
            Ok(checkout) => {
                tx.commit().await.map_err(StoreError::from)?;
                Ok(checkout)
            }
            Err(e) => {
                drop(tx);
                let replayable = e.is_unique_violation()
                    || matches!(e, StoreError::Conflict(_) | StoreError::Invalid(_));
                match input.idem_key.as_deref() {
                    Some(key) if replayable => match self.checkout_by_idem(op, key).await? {
                        Some(id) => self.checkout_view(op, id).await,
                        None => Err(e),
                    },
                    _ => Err(e),
                }
            }
        }
    }

    async fn checkout_by_idem(&self, op: KoperasiId, key: &str) -> StoreResult<Option<CheckoutId>> {
        let id: Option<Uuid> = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT id FROM market_checkout WHERE koperasi_id = $1 AND idem_key = $2")
            .bind(op.0).bind(key).fetch_optional(p).await)?;
        Ok(id.map(CheckoutId))
    }

    /// A checkout of the operator coop `k`, with its orders. For the operator's staff; a buyer
    /// uses [`Store::checkout_by_token`].
    pub async fn checkout_view(&self, k: KoperasiId, id: CheckoutId) -> StoreResult<Checkout> {
        checkout_of(&mut Src::Db(&self.db), k, id).await
    }

    /// The checkout behind a buyer's secret link. Any other token (someone else's order, a
    /// guess) is `NotFound`.
    pub async fn checkout_by_token(&self, token: &str) -> StoreResult<Checkout> {
        let token = token.trim();
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        let row: Option<(Uuid, Uuid)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT koperasi_id, id FROM market_checkout WHERE buyer_token = $1")
            .bind(token.to_ascii_lowercase()).fetch_optional(p).await)?;
        let (k, id) = row.ok_or(StoreError::NotFound)?;
        self.checkout_view(KoperasiId(k), CheckoutId(id)).await
    }
}

/// `(v.koperasi_id = $1 AND v.id = $2) OR …` for `n` variant keys: each read through the
/// primary key (coop, id). A variant id alone is not indexed, and `v.id IN (…)` read every
/// variant (about 1 s per checkout with a million products on PostgreSQL).
fn variant_keys_sql(n: usize) -> String {
    (0..n)
        .map(|i| format!("(v.koperasi_id = ${} AND v.id = ${})", 2 * i + 1, 2 * i + 2))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The writes of [`Store::checkout`]; returns the checkout as written.
///
/// Round trips, because they are the checkout's cost (issue #5: 1,000 checkouts/s on
/// PostgreSQL with 16 buyers): one read of the variants (with their product, seller and coop),
/// the buyer's membership and shipping rates only where they matter, the order-number counter,
/// then **one** script with every write (stock taken, payment request, checkout, orders,
/// lines, events, audit). The stock rows and the counter row are locked only from there to
/// the commit. The checkout returned is built from what was written, not read back.
async fn checkout_tx(
    tx: &mut Tx<'_>,
    input: &CheckoutInput,
    clean: &CleanInput,
    t: OffsetDateTime,
) -> StoreResult<Checkout> {
    let op = input.operator;

    // The variants, with their product, seller and coop, each by its key (coop, id): the
    // variant's id alone is not indexed.
    let keys: Vec<(Uuid, Uuid)> = clean.merged.iter().map(|m| (m.0.0, m.1)).collect();
    let sql = format!(
        "SELECT v.koperasi_id, v.id, v.product_id, v.label, v.price, v.member_price, v.wholesale_tiers, v.cost,
                v.weight_g, v.stock, v.active, p.name AS product_name, p.listed, p.wholesale_only, p.seller_id,
                s.name AS seller_name, s.active AS seller_active, s.phone AS seller_phone, s.consignment,
                k.timezone,
                (SELECT ko.timezone FROM koperasi ko WHERE ko.id = ${op}) AS op_timezone,
                (SELECT mo.fee_bp FROM market_operator mo WHERE mo.singleton = 1 AND mo.koperasi_id = ${op}) AS op_fee_bp
         FROM market_variant v
         JOIN market_product p ON p.koperasi_id = v.koperasi_id AND p.id = v.product_id
         JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id
         JOIN koperasi k ON k.id = v.koperasi_id
         WHERE {keys}",
        op = 2 * keys.len() + 1,
        keys = variant_keys_sql(keys.len())
    );
    let rows: Vec<VariantRow> = on_tx!(&mut *tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for (k, id) in &keys { q = q.bind(*k).bind(*id); }
        q.bind(op.0).fetch_all(&mut **c).await
    })?;
    let by_key: HashMap<(Uuid, Uuid), &VariantRow> =
        rows.iter().map(|r| ((r.koperasi_id, r.id), r)).collect();

    // Each merchant coop's offset dates its order numbers; the operator must exist too.
    let mut offsets: HashMap<KoperasiId, UtcOffset> = HashMap::new();
    for r in &rows {
        let zone = guyub_core::coop::CoopTimeZone::parse(&r.timezone)
            .ok_or_else(|| StoreError::corrupt(format!("time zone {}", r.timezone)))?;
        offsets.insert(KoperasiId(r.koperasi_id), zone.offset());
    }
    // The operator (often not a merchant here: the instance's /pasar operator) came along on
    // every row: its time zone (it must exist) and its fee rate.
    if let Some(first) = rows.first()
        && !offsets.contains_key(&op)
    {
        let zone = first
            .op_timezone
            .as_deref()
            .and_then(guyub_core::coop::CoopTimeZone::parse)
            .ok_or_else(|| invalid("lines", "Koperasi tidak ditemukan.", "Coop not found."))?;
        offsets.insert(op, zone.offset());
    }
    // The operator's fee rate, fixed on each order of another coop now: the instance's /pasar
    // operator's rate when this checkout's operator is that coop, else none.
    let fee_bp = BasisPoints(
        u32::try_from(
            rows.first()
                .and_then(|r| r.op_fee_bp)
                .unwrap_or(0)
                .clamp(0, 10_000),
        )
        .unwrap_or(0),
    );

    // Who the buyer is in each merchant coop.
    let mut members: HashMap<KoperasiId, Option<MemberId>> = HashMap::new();
    for (k, _, _) in &clean.merged {
        if !members.contains_key(k) {
            let m = member_of(tx, *k, &input.buyer, &clean.phone).await?;
            members.insert(*k, m);
        }
    }

    // Price every line; refuse what is not for sale or beyond the stock.
    let mut cart = Vec::with_capacity(clean.merged.len());
    for (i, (k, vid, qty)) in clean.merged.iter().enumerate() {
        let Some(v) = by_key.get(&(k.0, *vid)) else {
            return Err(invalid(
                "lines",
                format!(
                    "Produk di baris {} tidak ditemukan; muat ulang keranjang.",
                    i + 1
                ),
                format!(
                    "The product on line {} was not found; reload the cart.",
                    i + 1
                ),
            ));
        };
        let name = v.display_name();
        if !(v.active && v.listed && v.seller_active) || v.wholesale_only {
            return Err(conflict(
                format!("{name} sudah tidak dijual; hapus dari keranjang."),
                format!("{name} is no longer for sale; remove it from the cart."),
            ));
        }
        if i64::from(*qty) > v.stock {
            return Err(conflict(
                format!("Stok {name} tinggal {}; kurangi jumlahnya.", v.stock.max(0)),
                format!(
                    "Only {} of {name} left in stock; lower the quantity.",
                    v.stock.max(0)
                ),
            ));
        }
        let tiers: WholesaleTiers = if v.wholesale_tiers.trim().is_empty() {
            WholesaleTiers::empty()
        } else {
            parse_tiers(&v.wholesale_tiers).map_err(StoreError::corrupt)?
        };
        let is_member = members.get(k).copied().flatten().is_some();
        let price = unit_price(
            Rupiah(v.price),
            v.member_price.map(Rupiah),
            &tiers,
            *qty,
            is_member,
        );
        cart.push(CartLine {
            seller_id: v.seller_id,
            coop_id: k.0,
            variant_id: *vid,
            qty: *qty,
            unit_price: price,
            weight_g: u32::try_from(v.weight_g).unwrap_or(0),
        });
    }
    let groups = split_by_seller(&cart).map_err(order_err)?;

    // Shipping per group.
    let mut shippings = Vec::with_capacity(groups.len());
    for g in &groups {
        let seller_name = g
            .lines
            .first()
            .and_then(|l| by_key.get(&(g.coop_id, l.variant_id)))
            .map(|v| v.seller_name.clone())
            .unwrap_or_default();
        let Some(choice) = input
            .groups
            .iter()
            .find(|c| c.coop_id.0 == g.coop_id && c.seller_id.0 == g.seller_id)
        else {
            return Err(invalid(
                "shipping",
                format!("Pilih pengiriman untuk pesanan dari {seller_name}."),
                format!("Choose shipping for the order from {seller_name}."),
            ));
        };
        let shipping = quote_shipping(
            tx,
            KoperasiId(g.coop_id),
            &seller_name,
            &choice.shipping,
            choice.ship_to.region.as_ref(),
            g.weight_g,
        )
        .await?;
        let (to_name, to_address) = match shipping.method() {
            ShippingMethod::Pickup => (clean.name.clone(), "Ambil sendiri".to_string()),
            _ => {
                let (n, a) = (fold(&choice.ship_to.name), fold(&choice.ship_to.address));
                if n.is_empty()
                    || a.is_empty()
                    || n.chars().count() > 100
                    || a.chars().count() > 300
                {
                    return Err(invalid(
                        "ship_to",
                        format!("Isi nama dan alamat penerima untuk pesanan dari {seller_name}."),
                        format!(
                            "Enter the recipient's name and address for the order from {seller_name}."
                        ),
                    ));
                }
                (n, a)
            }
        };
        let regency = choice
            .ship_to
            .region
            .as_ref()
            .and_then(|r| {
                if r.level() == RegionLevel::Province {
                    None
                } else {
                    r.regency()
                }
            })
            .map(|r| r.as_str().to_string());
        shippings.push((shipping, to_name, to_address, regency, seller_name));
    }
    let fees: Vec<Rupiah> = shippings.iter().map(|s| s.0.fee()).collect();
    let total = checkout_total(&groups, &fees).map_err(order_err)?;

    // The payment request's reads (QRIS, transfer), before any row is locked.
    let request = if input.pay_method.needs_request() {
        let qris = if input.pay_method == CheckoutPay::Qris {
            let stat: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT payload FROM payment_qris WHERE koperasi_id = $1")
                .bind(op.0).fetch_optional(&mut **c).await)?;
            match stat {
                Some(s) => Some(
                    Qris::parse(&s)
                        .map_err(|e| StoreError::corrupt(format!("stored QRIS: {e:?}")))?
                        .to_dynamic(total, None)
                        .map_err(|e| StoreError::corrupt(format!("QRIS conversion: {e:?}")))?
                        .into_string(),
                ),
                None => None,
            }
        } else {
            None
        };
        let mut ref_code = RefCode::from_bits(Uuid::now_v7().as_u64_pair().1);
        for _ in 0..5 {
            let taken: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT 1 FROM payment_request WHERE koperasi_id = $1 AND ref_code = $2")
                .bind(op.0).bind(ref_code.as_str()).fetch_optional(&mut **c).await)?;
            if taken.is_none() {
                break;
            }
            ref_code = RefCode::from_bits(Uuid::now_v7().as_u64_pair().1);
        }
        Some((PaymentRequestId::new(), ref_code, qris))
    } else {
        None
    };

    // Order numbers: per merchant coop, per year of the coop's calendar. The counter row is
    // locked from here to the commit: one more round trip (the script).
    let mut per_coop: BTreeMap<Uuid, i64> = BTreeMap::new();
    for g in &groups {
        *per_coop.entry(g.coop_id).or_default() += 1;
    }
    let mut next_no: HashMap<Uuid, (i32, i64)> = HashMap::new();
    for (k, n) in &per_coop {
        let year = local_date(t, &offsets, KoperasiId(*k)).year();
        let name = format!("pesanan-{year}");
        let first = ledger::reserve_seqs(tx, KoperasiId(*k), &[(name.clone(), *n)]).await?;
        let first = first
            .get(&name)
            .copied()
            .ok_or_else(|| StoreError::corrupt("no order number"))?;
        next_no.insert(*k, (year, first));
    }
    let mut order_nos = Vec::with_capacity(groups.len());
    for g in &groups {
        let slot = next_no
            .get_mut(&g.coop_id)
            .ok_or_else(|| StoreError::corrupt("no order number"))?;
        order_nos.push(order_no(slot.0, slot.1));
        slot.1 += 1;
    }

    let checkout_id = Uuid::now_v7();
    let token = random_token()?;
    let expires_at = t + input.pay_method.validity();
    let mut script = Script::new();

    // Take the stock: one conditional update per variant, in a fixed order (no two buyers
    // wait on each other in opposite orders). One coming up short fails the script.
    let mut takes: Vec<(Uuid, Uuid, u32)> = cart
        .iter()
        .map(|l| (l.coop_id, l.variant_id, l.qty))
        .collect();
    takes.sort();
    for (k, vid, qty) in &takes {
        script.push(
            "UPDATE market_variant SET stock = stock - $3 WHERE koperasi_id = $1 AND id = $2 AND stock >= $3",
            vec![(*k).into(), (*vid).into(), i64::from(*qty).into()],
            1,
        );
    }

    // The payment request, for QRIS and transfer. No unique code: it would be the buyer's
    // money with nowhere to go (simpanan codes are credited to the member's sukarela); the
    // reference code identifies a transfer.
    if let Some((id, ref_code, qris)) = &request {
        let mut description = format!("Pesanan {}", order_nos.join(", "));
        if description.chars().count() > 200 {
            description = description.chars().take(197).collect::<String>() + "…";
        }
        script.push(
            "INSERT INTO payment_request (koperasi_id, id, ref_code, purpose, member_id, description, base_amount,
                unique_code, total, code_product_id, qris_payload, public_token, state, expires_at, idem_key,
                created_by, created_at)
             VALUES ($1, $2, $3, 'pasar', NULL, $4, $5, 0, $5, NULL, $6, $7, 'menunggu', $8, NULL, $9, $10)",
            vec![
                op.0.into(),
                id.0.into(),
                ref_code.as_str().into(),
                description.into(),
                total.0.into(),
                qris.clone().into(),
                random_token()?.into(),
                expires_at.into(),
                format!("Pembeli: {}", clean.name).into(),
                t.into(),
            ],
            1,
        );
    }
    let request_id = request.as_ref().map(|r| r.0);

    script.push(
        "INSERT INTO market_checkout (koperasi_id, id, idem_key, buyer_name, buyer_phone, buyer_user_id, buyer_token,
            pay_method, total, payment_request_id, state, expires_at, created_at, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'menunggu', $11, $12, NULL)",
        vec![
            op.0.into(),
            checkout_id.into(),
            input.idem_key.clone().into(),
            clean.name.clone().into(),
            clean.phone.as_str().into(),
            input.buyer.user_id.map(|u| u.0).into(),
            token.clone().into(),
            input.pay_method.as_str().into(),
            total.0.into(),
            request_id.map(|r| r.0).into(),
            expires_at.into(),
            t.into(),
        ],
        1,
    );
    // What was written, kept to return the checkout without reading it back.
    let mut order_rows: Vec<OrderRow> = Vec::with_capacity(groups.len());
    let mut line_rows: Vec<LineRow> = Vec::with_capacity(cart.len());
    for (gi, g) in groups.iter().enumerate() {
        let k = KoperasiId(g.coop_id);
        let (shipping, to_name, to_address, regency, seller_name) = &shippings[gi];
        let oid = Uuid::now_v7();
        let no = &order_nos[gi];
        let detail = serde_json::to_string(shipping).map_err(StoreError::corrupt)?;
        let fee = shipping.fee();
        let buyer_member = members.get(&k).copied().flatten();
        let order_bp = if k == op { BasisPoints::ZERO } else { fee_bp };
        let (_, op_fee) = operator_fee(g.subtotal, order_bp);
        script.push(
            "INSERT INTO market_order (koperasi_id, id, order_no, checkout_koperasi_id, checkout_id, seller_id,
                buyer_member_id, buyer_koperasi_id, status, shipping_method, shipping_detail, ship_to_name,
                ship_to_address, ship_to_regency, courier, tracking_no, goods_total, shipping_fee, total,
                payment_terms_days, due_on, entry_id, payout_id, created_at, updated_at, operator_fee_bp, operator_fee)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 'dibuat', $8, $9, $10, $11, $12, NULL, NULL, $13, $14, $15,
                0, NULL, NULL, NULL, $16, $16, $17, $18)",
            vec![
                k.0.into(),
                oid.into(),
                no.as_str().into(),
                op.0.into(),
                checkout_id.into(),
                g.seller_id.into(),
                buyer_member.map(|m| m.0).into(),
                shipping.method().as_str().into(),
                detail.clone().into(),
                to_name.clone().into(),
                to_address.clone().into(),
                regency.clone().into(),
                g.subtotal.0.into(),
                fee.0.into(),
                (g.subtotal.0 + fee.0).into(),
                t.into(),
                i64::from(order_bp.0).into(),
                op_fee.0.into(),
            ],
            1,
        );
        let first_variant = g
            .lines
            .first()
            .and_then(|l| by_key.get(&(g.coop_id, l.variant_id)))
            .ok_or_else(|| StoreError::corrupt("an order without lines"))?;
        order_rows.push(OrderRow {
            koperasi_id: k.0,
            id: oid,
            order_no: no.clone(),
            checkout_koperasi_id: op.0,
            checkout_id,
            seller_id: g.seller_id,
            seller_name: seller_name.clone(),
            seller_phone: first_variant.seller_phone.clone(),
            consignment: first_variant.consignment,
            buyer_member_id: buyer_member.map(|m| m.0),
            status: OrderStatus::Dibuat.as_str().to_string(),
            shipping_detail: detail,
            ship_to_name: to_name.clone(),
            ship_to_address: to_address.clone(),
            ship_to_regency: regency.clone(),
            courier: None,
            tracking_no: None,
            goods_total: g.subtotal.0,
            shipping_fee: fee.0,
            total: g.subtotal.0 + fee.0,
            entry_id: None,
            payout_id: None,
            created_at: t,
            operator_fee_bp: i64::from(order_bp.0),
            operator_fee: op_fee.0,
            refund_total: 0,
            refund_fee: 0,
            settlement_id: None,
        });
        let sql = values_sql(
            "INSERT INTO market_order_line (koperasi_id, order_id, line_no, product_id, variant_id, name, qty,
                unit_price, unit_cost, weight_g)",
            g.lines.len(),
            10,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(g.lines.len() * 10);
        for (li, l) in g.lines.iter().enumerate() {
            let v = by_key
                .get(&(g.coop_id, l.variant_id))
                .ok_or_else(|| StoreError::corrupt("a line without its variant"))?;
            let line = LineRow {
                koperasi_id: k.0,
                order_id: oid,
                line_no: li as i64 + 1,
                product_id: v.product_id,
                variant_id: l.variant_id,
                name: v.display_name(),
                qty: i64::from(l.qty),
                unit_price: l.unit_price.0,
                unit_cost: v.cost,
                weight_g: i64::from(l.weight_g),
            };
            vals.extend([
                line.koperasi_id.into(),
                line.order_id.into(),
                line.line_no.into(),
                line.product_id.into(),
                line.variant_id.into(),
                line.name.clone().into(),
                line.qty.into(),
                line.unit_price.into(),
                line.unit_cost.into(),
                line.weight_g.into(),
            ]);
            line_rows.push(line);
        }
        script.push(&sql, vals, g.lines.len() as u64);
        let msg = status_message(no, OrderStatus::Dibuat, seller_name, None);
        push_event(
            &mut script,
            k,
            OrderId(oid),
            "",
            OrderStatus::Dibuat,
            OrderActor::Buyer,
            &clean.name,
            &msg,
            t,
        );
    }
    let buyer = Actor {
        user_id: input.buyer.user_id,
        name: format!("Pembeli: {}", clean.name),
    };
    audit::push_records(
        &mut script,
        tx.engine(),
        op,
        &[audit::Record {
            actor: &buyer,
            entity: "market_checkout",
            entity_id: checkout_id.to_string(),
            action: Action::Create,
            changes: diff([
                ("total", None, Some(total.0.to_string())),
                ("orders", None, Some(order_nos.join(", "))),
                (
                    "pay_method",
                    None,
                    Some(input.pay_method.as_str().to_string()),
                ),
            ]),
        }],
    )?;
    if !script.run(tx).await? {
        // Short: a stock update found less than asked (a buyer took it since the read), or
        // (never expected) an insert wrote nothing. Name the product that ran out.
        return Err(match short_stock(tx, &takes).await? {
            Some((k, vid)) => {
                let name = by_key
                    .get(&(k, vid))
                    .map(|v| v.display_name())
                    .unwrap_or_default();
                conflict(
                    format!("Stok {name} baru saja habis atau tidak cukup; kurangi jumlahnya."),
                    format!(
                        "{name} just sold out or has too little stock left; lower the quantity."
                    ),
                )
            }
            None => StoreError::corrupt("a checkout write came up short"),
        });
    }
    order_rows.sort_by(|a, b| (&a.order_no, a.koperasi_id).cmp(&(&b.order_no, b.koperasi_id)));
    let mut lines = group_lines(line_rows);
    let orders = order_rows
        .into_iter()
        .map(|r| to_order(r, &mut lines))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Checkout {
        koperasi_id: op,
        id: CheckoutId(checkout_id),
        buyer_name: clean.name.clone(),
        buyer_phone: clean.phone.as_str().to_string(),
        buyer_token: token,
        pay_method: input.pay_method,
        total: total.0,
        state: "menunggu".to_string(),
        expires_at,
        created_at: t,
        paid_at: None,
        payment_request_id: request_id,
        payment_ref: request.as_ref().map(|r| r.1.as_str().to_string()),
        qris_payload: request.and_then(|r| r.2),
        orders,
    })
}

/// The first of `takes` (coop, variant, quantity) whose stock is now below the quantity.
async fn short_stock(
    tx: &mut Tx<'_>,
    takes: &[(Uuid, Uuid, u32)],
) -> StoreResult<Option<(Uuid, Uuid)>> {
    for (k, vid, qty) in takes {
        let stock: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT stock FROM market_variant WHERE koperasi_id = $1 AND id = $2")
            .bind(*k).bind(*vid).fetch_optional(&mut **c).await)?;
        if stock.is_none_or(|s| s < i64::from(*qty)) {
            return Ok(Some((*k, *vid)));
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

/// Gives back the stock of an unpaid checkout's orders still `dibuat` and cancels them (with
/// an event), in `tx`. Called only after the checkout's own state moved (conditionally), so
/// it runs once per checkout.
pub(crate) async fn release_orders(
    tx: &mut Tx<'_>,
    ck: KoperasiId,
    cid: CheckoutId,
    actor_name: &str,
) -> StoreResult<usize> {
    let orders = orders_of(&mut Src::Tx(tx), ck, cid).await?;
    let t = now();
    let mut n = 0;
    for o in orders.iter().filter(|o| o.status == OrderStatus::Dibuat) {
        cancel_unpaid(tx, o, OrderActor::System, actor_name, t).await?;
        n += 1;
    }
    Ok(n)
}

/// Moves one unpaid order to `dibatalkan` (conditionally) and gives its stock back.
async fn cancel_unpaid(
    tx: &mut Tx<'_>,
    o: &Order,
    who: OrderActor,
    actor_name: &str,
    t: OffsetDateTime,
) -> StoreResult<String> {
    let moved = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_order SET status = 'dibatalkan', updated_at = $3
         WHERE koperasi_id = $1 AND id = $2 AND status = 'dibuat'")
        .bind(o.koperasi_id.0).bind(o.id.0).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if moved != 1 {
        return Err(changed_meanwhile());
    }
    let mut script = Script::new();
    restock(&mut script, o);
    let msg = status_message(&o.order_no, OrderStatus::Dibatalkan, &o.seller_name, None);
    push_event(
        &mut script,
        o.koperasi_id,
        o.id,
        OrderStatus::Dibuat.as_str(),
        OrderStatus::Dibatalkan,
        who,
        actor_name,
        &msg,
        t,
    );
    if !script.run(tx).await? {
        return Err(StoreError::corrupt("a variant of an order is missing"));
    }
    Ok(msg)
}

fn restock(script: &mut Script, o: &Order) {
    for l in &o.lines {
        script.push(
            "UPDATE market_variant SET stock = stock + $3 WHERE koperasi_id = $1 AND id = $2",
            vec![o.koperasi_id.0.into(), l.variant_id.0.into(), l.qty.into()],
            1,
        );
    }
}

/// Adds (`sign` 1, when paid) or takes back (`sign` -1, when refunded) the order's quantities
/// to its products' `sold_count`, the "terlaris" sort of the marketplace, in the same
/// transaction as the payment or refund so the count follows the books (products are never
/// deleted while orders point to them, so each update writes one row).
fn count_sold(script: &mut Script, o: &Order, sign: i64) {
    let mut per_product: BTreeMap<Uuid, i64> = BTreeMap::new();
    for l in &o.lines {
        *per_product.entry(l.product_id.0).or_default() += l.qty;
    }
    for (pid, qty) in per_product {
        script.push(
            "UPDATE market_product SET sold_count = CASE WHEN sold_count + $3 < 0 THEN 0 ELSE sold_count + $3 END
             WHERE koperasi_id = $1 AND id = $2",
            vec![o.koperasi_id.0.into(), pid.into(), (sign * qty).into()],
            1,
        );
    }
}

fn changed_meanwhile() -> StoreError {
    conflict(
        "Pesanan ini baru saja berubah; muat ulang halaman.",
        "This order just changed; reload the page.",
    )
}

impl Store {
    /// Releases checkouts whose payment time ran out unpaid (at `at`): the checkout moves
    /// `menunggu → kedaluwarsa` (a conditional update, so a checkout is released once, also
    /// with two sweepers at work), its orders still `dibuat` move to `dibatalkan` with an
    /// event, their stock comes back, and its open payment request is cancelled so a late
    /// payment lands in review instead of paying for goods no longer held. One transaction per
    /// checkout; at most 500 per call. Returns how many were released.
    pub async fn release_expired_checkouts(&self, at: OffsetDateTime) -> StoreResult<usize> {
        let at = at.to_offset(UtcOffset::UTC);
        let due: Vec<(Uuid, Uuid)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT koperasi_id, id FROM market_checkout WHERE state = 'menunggu' AND expires_at <= $1
             ORDER BY expires_at LIMIT $2")
            .bind(at).bind(RELEASE_BATCH).fetch_all(p).await)?;
        let mut released = 0;
        for (k, id) in due {
            let mut tx = self.db.begin_write().await?;
            let moved = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE market_checkout SET state = 'kedaluwarsa'
                 WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu' AND expires_at <= $3")
                .bind(k).bind(id).bind(at).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if moved != 1 {
                continue;
            }
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE payment_request SET state = 'dibatalkan', cancelled_at = $3, cancel_reason = $4
                 WHERE koperasi_id = $1 AND id = (SELECT payment_request_id FROM market_checkout WHERE koperasi_id = $1 AND id = $2)
                   AND state = 'menunggu'")
                .bind(k).bind(id).bind(now()).bind("Pesanan kedaluwarsa: stok dikembalikan")
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            release_orders(&mut tx, KoperasiId(k), CheckoutId(id), "Sistem").await?;
            tx.commit().await.map_err(StoreError::from)?;
            released += 1;
        }
        Ok(released)
    }
}

// ---------------------------------------------------------------------------------------------
// Payment and the books of a sale
// ---------------------------------------------------------------------------------------------

/// The facts of an order the books need, beyond [`Order`].
struct SaleFacts {
    commission: BasisPoints,
    seller_member: Option<MemberId>,
}

async fn sale_facts(tx: &mut Tx<'_>, o: &Order) -> StoreResult<SaleFacts> {
    let (bp, member): (i64, Option<Uuid>) = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT commission_bp, member_id FROM market_seller WHERE koperasi_id = $1 AND id = $2")
        .bind(o.koperasi_id.0).bind(o.seller_id.0).fetch_one(&mut **c).await)?;
    Ok(SaleFacts {
        commission: BasisPoints(u32::try_from(bp.clamp(0, 10_000)).unwrap_or(0)),
        seller_member: member.map(MemberId),
    })
}

/// The entries of a sale (`sign` = +1) or of the refund of `goods` and `shipping` of it
/// (`sign` = -1: every line on the other side): the merchant's, and the operator's when it is
/// another coop. See the module's booking rules.
#[allow(clippy::too_many_arguments)]
async fn sale_entries(
    tx: &mut Tx<'_>,
    o: &Order,
    facts: &SaleFacts,
    money_role: AccountRole,
    goods: i64,
    shipping: i64,
    refund: bool,
    dates: (Date, Date),
) -> StoreResult<(NewEntry, Option<NewEntry>)> {
    let m = o.koperasi_id;
    let op = o.checkout_koperasi_id;
    let total = goods + shipping;
    let dr = !refund; // the side of the "money in" line
    let fee = fee_part(o, goods);
    let debit_account = if m == op {
        ledger::ensure_role_account(tx, m, money_role).await?
    } else {
        ledger::ensure_role_account(tx, m, AccountRole::CoopReceivable).await?
    };
    let mut raw: Vec<(AccountId, bool, i64, &str)> =
        vec![(debit_account, dr, total - fee, "Pembayaran pesanan")];
    if fee > 0 {
        let expense = ledger::ensure_role_account(tx, m, AccountRole::OperatorFeeExpense).await?;
        raw.push((expense, dr, fee, "Jasa operator pasar"));
    }
    if o.consignment {
        let payable = ledger::ensure_role_account(tx, m, AccountRole::ConsignmentPayable).await?;
        let commission_acc =
            ledger::ensure_role_account(tx, m, AccountRole::CommissionIncome).await?;
        let (seller_share, commission) = consignment_split(Rupiah(goods), facts.commission);
        raw.push((payable, !dr, seller_share.0 + shipping, "Bagian penjual"));
        raw.push((commission_acc, !dr, commission.0, "Komisi konsinyasi"));
    } else {
        let sales_role = if o.buyer_member_id.is_some() {
            AccountRole::MemberSales
        } else {
            AccountRole::NonMemberSales
        };
        let sales = ledger::ensure_role_account(tx, m, sales_role).await?;
        let ship_acc = ledger::ensure_role_account(tx, m, AccountRole::ShippingIncome).await?;
        raw.push((sales, !dr, goods, "Penjualan"));
        raw.push((ship_acc, !dr, shipping, "Ongkos kirim"));
        let cost: i64 = if goods > 0 {
            o.lines.iter().map(|l| l.qty * l.unit_cost).sum()
        } else {
            0
        };
        if cost > 0 {
            let hpp = ledger::ensure_role_account(tx, m, AccountRole::CostOfGoodsSold).await?;
            let inv = ledger::ensure_role_account(tx, m, AccountRole::Inventory).await?;
            raw.push((hpp, dr, cost, "HPP"));
            raw.push((inv, !dr, cost, "Persediaan"));
        }
    }
    let what = if refund {
        "Pengembalian dana"
    } else {
        "Penjualan pasar"
    };
    let merchant = NewEntry {
        date: dates.0,
        description: format!("{what} {} · {}", o.order_no, o.seller_name),
        reference: Some(o.order_no.clone()),
        source: Source::Market,
        source_id: Some(o.id.to_string()),
        reverses: None,
        lines: lines(raw),
    };
    let operator = if m != op {
        let money = ledger::ensure_role_account(tx, op, money_role).await?;
        let payable = ledger::ensure_role_account(tx, op, AccountRole::CoopPayable).await?;
        let mut op_lines = vec![
            (money, dr, total, "Pembayaran pesanan"),
            (payable, !dr, total - fee, "Utang kepada koperasi penjual"),
        ];
        if fee > 0 {
            let income =
                ledger::ensure_role_account(tx, op, AccountRole::OperatorFeeIncome).await?;
            op_lines.push((income, !dr, fee, "Jasa operator pasar"));
        }
        Some(NewEntry {
            date: dates.1,
            description: format!("{what} {} untuk koperasi penjual", o.order_no),
            reference: Some(o.order_no.clone()),
            source: Source::Market,
            source_id: Some(o.id.to_string()),
            reverses: None,
            lines: lines(op_lines),
        })
    } else {
        None
    };
    Ok((merchant, operator))
}

/// The operator's fee on `goods` of the order: none when the merchant is its own operator,
/// the fee fixed at checkout for the whole goods, else the order's rate on the part (half up).
fn fee_part(o: &Order, goods: i64) -> i64 {
    if o.koperasi_id == o.checkout_koperasi_id {
        return 0;
    }
    if goods == o.goods_total {
        return o.operator_fee;
    }
    let bp = BasisPoints(u32::try_from(o.operator_fee_bp.clamp(0, 10_000)).unwrap_or(0));
    operator_fee(Rupiah(goods), bp).1.0
}

/// Patronage rows of an order: the buyer's purchase when a member of the merchant coop, the
/// seller's consignment sale when the seller is a member. `sign` -1 for a refund.
async fn push_patronage(
    tx: &mut Tx<'_>,
    script: &mut Script,
    o: &Order,
    facts: &SaleFacts,
    amount: i64,
    date: Date,
    t: OffsetDateTime,
) -> StoreResult<()> {
    let mut rows: Vec<(MemberId, &str)> = vec![];
    if let Some(b) = o.buyer_member_id {
        rows.push((b, "pembelian"));
    }
    if o.consignment
        && let Some(s) = facts.seller_member
    {
        rows.push((s, "konsinyasi"));
    }
    if rows.is_empty() || amount == 0 {
        return Ok(());
    }
    let fy = fiscal_year(tx, o.koperasi_id, date).await?;
    for (member, source) in rows {
        script.push(
            "INSERT INTO patronage (koperasi_id, id, member_id, member_koperasi_id, fiscal_year, tx_date, source,
                source_id, amount, created_at)
             VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9)",
            vec![
                o.koperasi_id.0.into(),
                Uuid::now_v7().into(),
                member.0.into(),
                i64::from(fy).into(),
                date.into(),
                source.into(),
                o.id.0.into(),
                amount.into(),
                t.into(),
            ],
            1,
        );
    }
    Ok(())
}

/// Marks a checkout paid at `t` and posts its orders dated on `t`'s day in each coop, in
/// `tx`. Returns false when it was already paid (nothing done); a checkout expired or
/// cancelled is a conflict.
pub(crate) async fn pay_tx(
    tx: &mut Tx<'_>,
    actor: &Actor,
    ck: KoperasiId,
    cid: CheckoutId,
    money_role: AccountRole,
    t: OffsetDateTime,
) -> StoreResult<bool> {
    // `paid_by`: whose drawer a cash payment went into (the daily cash closing expects it).
    let moved = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_checkout SET state = 'dibayar', paid_at = $3, paid_by = $4
         WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
        .bind(ck.0).bind(cid.0).bind(t).bind(actor.user_id.map(|u| u.0))
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if moved != 1 {
        let state: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT state FROM market_checkout WHERE koperasi_id = $1 AND id = $2")
            .bind(ck.0).bind(cid.0).fetch_optional(&mut **c).await)?;
        return match state.as_deref() {
            None => Err(StoreError::NotFound),
            Some("dibayar") => Ok(false),
            Some(_) => Err(conflict(
                "Pesanan ini sudah kedaluwarsa atau dibatalkan; stoknya sudah dilepas. Kembalikan dana pembeli.",
                "This checkout expired or was cancelled and its stock released; refund the buyer.",
            )),
        };
    }
    let orders = orders_of(&mut Src::Tx(tx), ck, cid).await?;
    let mut coops: Vec<KoperasiId> = vec![ck];
    coops.extend(orders.iter().map(|o| o.koperasi_id));
    let offsets = coop_offsets(tx, &coops).await?;
    let mut script = Script::new();
    for o in orders.iter().filter(|o| o.status == OrderStatus::Dibuat) {
        let facts = sale_facts(tx, o).await?;
        let dates = (
            local_date(t, &offsets, o.koperasi_id),
            local_date(t, &offsets, ck),
        );
        let (merchant, operator) = sale_entries(
            tx,
            o,
            &facts,
            money_role,
            o.goods_total,
            o.shipping_fee,
            false,
            dates,
        )
        .await?;
        let (entry, _) = ledger::post(tx, o.koperasi_id, actor, &merchant).await?;
        if let Some(e) = &operator {
            ledger::post(tx, ck, actor, e).await?;
        }
        script.push(
            "UPDATE market_order SET status = 'dibayar', entry_id = $3, updated_at = $4
             WHERE koperasi_id = $1 AND id = $2 AND status = 'dibuat'",
            vec![
                o.koperasi_id.0.into(),
                o.id.0.into(),
                entry.0.into(),
                t.into(),
            ],
            1,
        );
        let msg = status_message(&o.order_no, OrderStatus::Dibayar, &o.seller_name, None);
        push_event(
            &mut script,
            o.koperasi_id,
            o.id,
            OrderStatus::Dibuat.as_str(),
            OrderStatus::Dibayar,
            OrderActor::System,
            &actor.name,
            &msg,
            t,
        );
        push_patronage(tx, &mut script, o, &facts, o.goods_total, dates.0, t).await?;
        count_sold(&mut script, o, 1);
    }
    if !script.run(tx).await? {
        return Err(changed_meanwhile());
    }
    // A store-counter sale is handed over as it is paid (no-op for online checkouts).
    crate::market::pos::hand_over_tx(tx, actor, ck, cid, t).await?;
    Ok(true)
}

impl Store {
    /// Marks a checkout of the operator coop `k` paid by the method it was made with (cash
    /// at pickup, cash on delivery, or a QRIS/transfer seen by the cashier) and posts every
    /// order to the books, in one transaction. Its open payment request, if any, moves to
    /// `dibayar` too. Idempotent: a checkout already paid is returned as it is, with nothing
    /// posted again. An expired or cancelled checkout is a conflict (its stock was released).
    pub async fn mark_checkout_paid(
        &self,
        actor: &Actor,
        k: KoperasiId,
        checkout: CheckoutId,
        reference: &str,
    ) -> StoreResult<Checkout> {
        self.mark_checkout_paid_at(actor, k, checkout, reference, now())
            .await
    }

    /// [`Store::mark_checkout_paid`] as if paid at the instant `at`: the journal entries are
    /// dated on that day (so the books, the fiscal year and the patronage follow it; a closed
    /// year refuses it like any posting). For the demo's year of orders; the pages use
    /// [`Store::mark_checkout_paid`].
    pub async fn mark_checkout_paid_at(
        &self,
        actor: &Actor,
        k: KoperasiId,
        checkout: CheckoutId,
        reference: &str,
        at: OffsetDateTime,
    ) -> StoreResult<Checkout> {
        let mut tx = self.db.begin_write().await?;
        let c = checkout_of(&mut Src::Tx(&mut tx), k, checkout).await?;
        if pay_tx(&mut tx, actor, k, checkout, c.pay_method.money_role(), at).await? {
            if let Some(r) = c.payment_request_id {
                let method = match c.pay_method {
                    CheckoutPay::Qris => "qris",
                    CheckoutPay::Transfer => "transfer",
                    _ => "tunai",
                };
                on_tx!(&mut tx, cx => sqlx::query(
                    "UPDATE payment_request SET state = 'dibayar', paid_at = $3, confirmed_by = $4, paid_method = $5,
                        paid_reference = $6, confirmed_via = 'kasir'
                     WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
                    .bind(k.0).bind(r.0).bind(at).bind(actor.name.clone()).bind(method)
                    .bind(reference.chars().take(64).collect::<String>())
                    .execute(&mut **cx).await.map(|r| r.rows_affected()))?;
            }
            audit::record(
                &mut tx,
                k,
                actor,
                "market_checkout",
                &checkout.to_string(),
                Action::Update,
                &diff([("state", Some(c.state.clone()), Some("dibayar".to_string()))]),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.checkout_view(k, checkout).await
    }
}

/// Confirms a `pasar` payment request in `tx`: moves it `menunggu → dibayar` (no receipt: a
/// receipt is a member's simpanan slip) and marks its checkout paid with the books posted.
/// The hook that payment/request.rs calls for requests of purpose `pasar`.
pub(crate) async fn confirm_pasar_request(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    actor: &Actor,
    request: PaymentRequestId,
    c: &Confirmation,
) -> StoreResult<CheckoutId> {
    let r = request_tx(tx, k, request).await?;
    if r.purpose != "pasar" {
        return Err(StoreError::NotFound);
    }
    check_confirmable(r.state).map_err(StoreError::Conflict)?;
    let cid: Option<Uuid> = on_tx!(&mut *tx, cx => sqlx::query_scalar(
        "SELECT id FROM market_checkout WHERE koperasi_id = $1 AND payment_request_id = $2")
        .bind(k.0).bind(request.0).fetch_optional(&mut **cx).await)?;
    let cid =
        CheckoutId(cid.ok_or_else(|| StoreError::corrupt("a pasar request without its checkout"))?);
    let moved = on_tx!(&mut *tx, cx => sqlx::query(
        "UPDATE payment_request SET state = 'dibayar', paid_at = $3, confirmed_by = $4, paid_method = $5,
            paid_reference = $6, confirmed_via = $7
         WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
        .bind(k.0).bind(request.0).bind(now()).bind(actor.name.clone()).bind(c.method.as_str())
        .bind(c.reference.clone()).bind(c.via.as_str())
        .execute(&mut **cx).await.map(|r| r.rows_affected()))?;
    if moved != 1 {
        return Err(conflict(
            "Tagihan ini baru saja dikonfirmasi atau dibatalkan oleh orang lain; tidak ada yang dicatat.",
            "This request was just confirmed or cancelled by someone else; nothing was posted.",
        ));
    }
    pay_tx(tx, actor, k, cid, c.method.account_role(), now()).await?;
    audit::record(
        tx,
        k,
        actor,
        "payment_request",
        &request.to_string(),
        Action::Update,
        &diff([
            (
                "state",
                Some(r.state.as_str().to_string()),
                Some("dibayar".to_string()),
            ),
            ("paid_method", None, Some(c.method.as_str().to_string())),
            ("paid_reference", None, Some(c.reference.clone())),
        ]),
    )
    .await?;
    Ok(cid)
}

impl Tenant<'_> {
    /// Confirms the payment request of one of this (operator) coop's checkouts, as the cashier
    /// or a matched statement line does for a simpanan request: the request and the checkout
    /// move to `dibayar` and every order is posted, in one transaction.
    pub async fn confirm_checkout_payment(
        &self,
        actor: &Actor,
        request: PaymentRequestId,
        c: &Confirmation,
    ) -> StoreResult<Checkout> {
        let mut tx = self.db.begin_write().await?;
        let cid = confirm_pasar_request(&mut tx, self.koperasi_id, actor, request, c).await?;
        tx.commit().await.map_err(StoreError::from)?;
        checkout_of(&mut Src::Db(self.db), self.koperasi_id, cid).await
    }

    // -----------------------------------------------------------------------------------------
    // Orders
    // -----------------------------------------------------------------------------------------

    /// One order of this (merchant) coop.
    pub async fn order(&self, id: OrderId) -> StoreResult<Order> {
        order_of(&mut Src::Db(self.db), self.koperasi_id, id).await
    }

    /// Takes an order action (process, ship, receive, complete, cancel, return) by the core's
    /// rules ([`next`]), writing the event with the buyer's message and returning its WhatsApp
    /// link. A seller acts only on its own orders: `seller` is the acting seller's id, and any
    /// other seller's order is `NotFound` with nothing written.
    ///
    /// Cancelling an unpaid order gives its stock back. Cancelling a paid order or taking a
    /// return also refunds by [`refund_amount`] (a return refunds the goods; the shipping was
    /// spent): the mirror entry of the refunded part, goods back into inventory and stock,
    /// and negative patronage. Payment is not an order action: it is the checkout's
    /// ([`Store::mark_checkout_paid`]).
    pub async fn order_action(
        &self,
        actor: &Actor,
        who: OrderActor,
        seller: Option<SellerId>,
        order: OrderId,
        action: &OrderAction,
    ) -> StoreResult<OrderActionResult> {
        self.order_action_at(actor, who, seller, order, action, now())
            .await
    }

    /// [`Tenant::order_action`] as if taken at the instant `at` (its event, and any refund
    /// entry dated on that day). For the demo's year of orders; the pages use
    /// [`Tenant::order_action`].
    pub async fn order_action_at(
        &self,
        actor: &Actor,
        who: OrderActor,
        seller: Option<SellerId>,
        order: OrderId,
        action: &OrderAction,
        at: OffsetDateTime,
    ) -> StoreResult<OrderActionResult> {
        let k = self.koperasi_id;
        if who == OrderActor::Seller && seller.is_none() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.db.begin_write().await?;
        let o = order_of(&mut Src::Tx(&mut tx), k, order).await?;
        if who == OrderActor::Seller && seller != Some(o.seller_id) {
            return Err(StoreError::NotFound);
        }
        let result = act_tx(&mut tx, actor, who, &o, action, at).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(result)
    }

    /// Orders of this coop, newest first; one seller's when `seller` is given.
    pub async fn orders(&self, seller: Option<SellerId>, limit: i64) -> StoreResult<Vec<Order>> {
        let ids: Vec<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM market_order WHERE koperasi_id = $1 AND ($2 IS NULL OR seller_id = $2)
             ORDER BY created_at DESC, order_no DESC LIMIT $3")
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0)).bind(limit.clamp(1, 500)).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.order(OrderId(id)).await?);
        }
        Ok(out)
    }
}

impl Store {
    /// A buyer's action on an order of their checkout (receive, complete, cancel before
    /// processing), through the secret link: an order of another checkout is `NotFound`.
    pub async fn buyer_order_action(
        &self,
        token: &str,
        order_koperasi: KoperasiId,
        order: OrderId,
        action: &OrderAction,
    ) -> StoreResult<OrderActionResult> {
        let c = self.checkout_by_token(token).await?;
        if !c
            .orders
            .iter()
            .any(|o| o.koperasi_id == order_koperasi && o.id == order)
        {
            return Err(StoreError::NotFound);
        }
        let actor = Actor::system(&format!("Pembeli: {}", c.buyer_name));
        let mut tx = self.db.begin_write().await?;
        let o = order_of(&mut Src::Tx(&mut tx), order_koperasi, order).await?;
        let result = act_tx(&mut tx, &actor, OrderActor::Buyer, &o, action, now()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(result)
    }
}

async fn act_tx(
    tx: &mut Tx<'_>,
    actor: &Actor,
    who: OrderActor,
    o: &Order,
    action: &OrderAction,
    t: OffsetDateTime,
) -> StoreResult<OrderActionResult> {
    if action.kind() == OrderActionKind::Pay {
        return Err(conflict(
            "Pembayaran dicatat untuk seluruh pembelian, bukan per pesanan: konfirmasi tagihannya.",
            "Payment is recorded for the whole checkout, not per order: confirm its payment.",
        ));
    }
    let to = next(o.status, action, who, o.shipping.method()).map_err(order_err)?;
    let buyer_phone: String = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT buyer_phone FROM market_checkout WHERE koperasi_id = $1 AND id = $2")
        .bind(o.checkout_koperasi_id.0).bind(o.checkout_id.0).fetch_one(&mut **c).await)?;
    // Unpaid cancellation: stock back, no books.
    if o.status == OrderStatus::Dibuat {
        let msg = cancel_unpaid(tx, o, who, &actor.name, t).await?;
        let after = order_of(&mut Src::Tx(tx), o.koperasi_id, o.id).await?;
        return Ok(OrderActionResult {
            order: after,
            whatsapp: whatsapp_link(&buyer_phone, &msg),
            message: msg,
            refund: 0,
        });
    }
    let (courier, tracking) = match action {
        OrderAction::Ship { courier, tracking } => (
            Some(courier.clone()).filter(|c| !c.is_empty()),
            Some(tracking.clone()).filter(|c| !c.is_empty()),
        ),
        _ => (o.courier.clone(), o.tracking_no.clone()),
    };
    let moved = on_tx!(&mut *tx, c => sqlx::query(
        "UPDATE market_order SET status = $4, courier = $5, tracking_no = $6, updated_at = $7
         WHERE koperasi_id = $1 AND id = $2 AND status = $3")
        .bind(o.koperasi_id.0).bind(o.id.0).bind(o.status.as_str()).bind(to.as_str())
        .bind(courier.clone()).bind(tracking.clone()).bind(t)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if moved != 1 {
        return Err(changed_meanwhile());
    }
    let mut script = Script::new();
    let mut refund = 0;
    if matches!(to, OrderStatus::Dibatalkan | OrderStatus::Dikembalikan) {
        let amount = refund_amount(
            Rupiah(o.goods_total),
            Rupiah(o.shipping_fee),
            o.status,
            false,
        )
        .map_err(order_err)?;
        refund = amount.0;
        restock(&mut script, o);
        count_sold(&mut script, o, -1);
        if refund > 0 {
            let pay: String = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT pay_method FROM market_checkout WHERE koperasi_id = $1 AND id = $2")
                .bind(o.checkout_koperasi_id.0).bind(o.checkout_id.0).fetch_one(&mut **c).await)?;
            let pay = CheckoutPay::parse(&pay)
                .ok_or_else(|| StoreError::corrupt(format!("pay method {pay}")))?;
            let facts = sale_facts(tx, o).await?;
            let offsets = coop_offsets(tx, &[o.koperasi_id, o.checkout_koperasi_id]).await?;
            let dates = (
                local_date(t, &offsets, o.koperasi_id),
                local_date(t, &offsets, o.checkout_koperasi_id),
            );
            let shipping = refund - o.goods_total;
            let (merchant, operator) = sale_entries(
                tx,
                o,
                &facts,
                pay.money_role(),
                o.goods_total,
                shipping,
                true,
                dates,
            )
            .await?;
            ledger::post(tx, o.koperasi_id, actor, &merchant).await?;
            if let Some(e) = &operator {
                ledger::post(tx, o.checkout_koperasi_id, actor, e).await?;
            }
            push_patronage(tx, &mut script, o, &facts, -o.goods_total, dates.0, t).await?;
            // What went back, for the settlement between the coops (market/operator.rs).
            let refund_fee = fee_part(o, o.goods_total);
            script.push(
                "UPDATE market_order SET refund_total = $3, refund_fee = $4 WHERE koperasi_id = $1 AND id = $2",
                vec![
                    o.koperasi_id.0.into(),
                    o.id.0.into(),
                    refund.into(),
                    refund_fee.into(),
                ],
                1,
            );
        }
    }
    let msg = status_message(&o.order_no, to, &o.seller_name, tracking.as_deref());
    push_event(
        &mut script,
        o.koperasi_id,
        o.id,
        o.status.as_str(),
        to,
        who,
        &actor.name,
        &msg,
        t,
    );
    if !script.run(tx).await? {
        return Err(StoreError::corrupt("an order write came up short"));
    }
    audit::record(
        tx,
        o.koperasi_id,
        actor,
        "market_order",
        &o.id.to_string(),
        Action::Update,
        &diff([(
            "status",
            Some(o.status.as_str().to_string()),
            Some(to.as_str().to_string()),
        )]),
    )
    .await?;
    let after = order_of(&mut Src::Tx(tx), o.koperasi_id, o.id).await?;
    Ok(OrderActionResult {
        order: after,
        whatsapp: whatsapp_link(&buyer_phone, &msg),
        message: msg,
        refund,
    })
}

// ---------------------------------------------------------------------------------------------
// Patronage and payouts
// ---------------------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct PatronageRow {
    id: Uuid,
    member_id: Option<Uuid>,
    member_koperasi_id: Option<Uuid>,
    fiscal_year: i64,
    tx_date: Date,
    source: String,
    source_id: Uuid,
    amount: i64,
}

impl Tenant<'_> {
    /// A member's patronage rows in a fiscal year, oldest first.
    pub async fn patronage_of(&self, member: MemberId, year: i32) -> StoreResult<Vec<Patronage>> {
        let rows: Vec<PatronageRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, member_id, member_koperasi_id, fiscal_year, tx_date, source, source_id, amount
             FROM patronage WHERE koperasi_id = $1 AND member_id = $2 AND fiscal_year = $3
             ORDER BY tx_date, id")
            .bind(self.koperasi_id.0).bind(member.0).bind(i64::from(year)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| Patronage {
                id: PatronageId(r.id),
                member_id: r.member_id.map(MemberId),
                member_koperasi_id: r.member_koperasi_id.map(KoperasiId),
                fiscal_year: i32::try_from(r.fiscal_year).unwrap_or_default(),
                tx_date: r.tx_date,
                source: r.source,
                source_id: r.source_id,
                amount: r.amount,
            })
            .collect())
    }

    /// Each member's patronage total in a fiscal year (returns netted), largest first: the
    /// base of the SHU's patronage return.
    pub async fn patronage_totals(&self, year: i32) -> StoreResult<Vec<PatronageTotal>> {
        let rows: Vec<(Uuid, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT member_id, CAST(SUM(amount) AS BIGINT) AS total FROM patronage
             WHERE koperasi_id = $1 AND fiscal_year = $2 AND member_id IS NOT NULL
             GROUP BY member_id ORDER BY total DESC, member_id")
            .bind(self.koperasi_id.0).bind(i64::from(year)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(m, total)| PatronageTotal {
                member_id: MemberId(m),
                total,
            })
            .collect())
    }

    /// What a consignment seller would be paid now: the payable booked by its orders that were
    /// delivered (diterima) or completed and are not yet in a payout, read from their entries.
    pub async fn payout_preview(&self, seller: SellerId) -> StoreResult<PayoutPreview> {
        let mut tx = self.db.begin_write().await?;
        let p = self.preview_tx(&mut tx, seller).await?;
        drop(tx);
        Ok(p)
    }

    async fn preview_tx(&self, tx: &mut Tx<'_>, seller: SellerId) -> StoreResult<PayoutPreview> {
        let k = self.koperasi_id;
        let exists: Option<bool> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT consignment FROM market_seller WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(seller.0).fetch_optional(&mut **c).await)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let payable = ledger::ensure_role_account(tx, k, AccountRole::ConsignmentPayable).await?;
        let rows: Vec<(Uuid, String, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT o.id, o.order_no, CAST(COALESCE(SUM(l.credit), 0) AS BIGINT)
             FROM market_order o
             JOIN journal_line l ON l.koperasi_id = o.koperasi_id AND l.entry_id = o.entry_id AND l.account_id = $3
             WHERE o.koperasi_id = $1 AND o.seller_id = $2 AND o.status IN ('diterima', 'selesai') AND o.payout_id IS NULL
             GROUP BY o.id, o.order_no ORDER BY o.order_no")
            .bind(k.0).bind(seller.0).bind(payable.0).fetch_all(&mut **c).await)?;
        let orders: Vec<PayableOrder> = rows
            .into_iter()
            .filter(|r| r.2 > 0)
            .map(|(order_id, order_no, amount)| PayableOrder {
                order_id: OrderId(order_id),
                order_no,
                amount,
            })
            .collect();
        Ok(PayoutPreview {
            seller_id: seller,
            amount: orders.iter().map(|o| o.amount).sum(),
            orders,
        })
    }

    /// Pays a consignment seller what [`Tenant::payout_preview`] shows, in one transaction:
    /// Dr Utang kepada penjual — Cr Kas/Bank, the payout row, and the orders linked to it (each
    /// only if still unlinked, so two payouts at once cannot pay an order twice). Nothing to
    /// pay is refused.
    pub async fn create_payout(
        &self,
        actor: &Actor,
        seller: SellerId,
        method: PayoutMethod,
    ) -> StoreResult<Payout> {
        self.create_payout_at(actor, seller, method, now()).await
    }

    /// [`Tenant::create_payout`] as if made at the instant `at` (its entry dated on that day).
    /// For the demo's year of orders; the pages use [`Tenant::create_payout`].
    pub async fn create_payout_at(
        &self,
        actor: &Actor,
        seller: SellerId,
        method: PayoutMethod,
        at: OffsetDateTime,
    ) -> StoreResult<Payout> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let p = self.preview_tx(&mut tx, seller).await?;
        if p.amount <= 0 {
            return Err(conflict(
                "Belum ada penjualan yang perlu dibayarkan ke penjual ini.",
                "There is nothing to pay this seller yet.",
            ));
        }
        let offsets = coop_offsets(&mut tx, &[k]).await?;
        let t = at;
        let payable =
            ledger::ensure_role_account(&mut tx, k, AccountRole::ConsignmentPayable).await?;
        let money = ledger::ensure_role_account(&mut tx, k, method.role()).await?;
        let name: String = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT name FROM market_seller WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(seller.0).fetch_one(&mut **c).await)?;
        let id = Uuid::now_v7();
        let (entry, _) = ledger::post(
            &mut tx,
            k,
            actor,
            &NewEntry {
                date: local_date(t, &offsets, k),
                description: format!("Pembayaran ke penjual {name} ({} pesanan)", p.orders.len()),
                reference: None,
                source: Source::Market,
                source_id: Some(id.to_string()),
                reverses: None,
                lines: lines(vec![
                    (payable, true, p.amount, "Utang kepada penjual"),
                    (money, false, p.amount, "Pembayaran ke penjual"),
                ]),
            },
        )
        .await?;
        let mut script = Script::new();
        script.push(
            "INSERT INTO market_payout (koperasi_id, id, seller_id, amount, method, entry_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                k.0.into(),
                id.into(),
                seller.0.into(),
                p.amount.into(),
                method.as_str().into(),
                entry.0.into(),
                actor.name.clone().into(),
                t.into(),
            ],
            1,
        );
        for o in &p.orders {
            script.push(
                "UPDATE market_order SET payout_id = $3, updated_at = $4
                 WHERE koperasi_id = $1 AND id = $2 AND payout_id IS NULL",
                vec![k.0.into(), o.order_id.0.into(), id.into(), t.into()],
                1,
            );
        }
        if !script.run(&mut tx).await? {
            return Err(conflict(
                "Sebagian pesanan baru saja dibayarkan; muat ulang halaman.",
                "Some orders were just paid out; reload the page.",
            ));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "market_payout",
            &id.to_string(),
            Action::Create,
            &diff([
                ("seller_id", None, Some(seller.to_string())),
                ("amount", None, Some(p.amount.to_string())),
            ]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.payouts(Some(seller))
            .await?
            .into_iter()
            .find(|x| x.id.0 == id)
            .ok_or(StoreError::NotFound)
    }

    /// The payout report: payouts, newest first, with the number of orders each settled; one
    /// seller's when `seller` is given.
    pub async fn payouts(&self, seller: Option<SellerId>) -> StoreResult<Vec<Payout>> {
        let rows: Vec<PayoutRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT y.id, y.seller_id, s.name, y.amount, y.method, y.entry_id, y.created_by, y.created_at,
                    (SELECT CAST(COUNT(*) AS BIGINT) FROM market_order o WHERE o.koperasi_id = y.koperasi_id AND o.payout_id = y.id)
             FROM market_payout y JOIN market_seller s ON s.koperasi_id = y.koperasi_id AND s.id = y.seller_id
             WHERE y.koperasi_id = $1 AND ($2 IS NULL OR y.seller_id = $2)
             ORDER BY y.created_at DESC, y.id DESC")
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0)).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| Payout {
                id: PayoutId(r.0),
                seller_id: SellerId(r.1),
                seller_name: r.2,
                amount: r.3,
                method: r.4,
                entry_id: EntryId(r.5),
                created_by: r.6,
                created_at: r.7,
                orders: r.8,
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// What the cart and checkout pages read
// ---------------------------------------------------------------------------------------------

/// A cart line as the cart page shows it, read fresh from the catalogue on every view: the
/// cart itself (a cookie) holds only ids and quantities, so prices and stock are never the
/// client's word.
#[derive(Debug, Clone, Serialize)]
pub struct CartItem {
    pub coop_id: KoperasiId,
    pub coop_name: String,
    pub coop_slug: Option<String>,
    pub variant_id: VariantId,
    pub product_id: MarketProductId,
    pub product_slug: String,
    /// The product's name with the variant's label.
    pub name: String,
    pub seller_id: SellerId,
    pub seller_name: String,
    pub price: i64,
    pub member_price: Option<i64>,
    pub stock: i64,
    pub weight_g: i64,
    pub qty: u32,
}

/// What a merchant coop offers one seller group for shipping (see [`Store::shipping_offer`]).
#[derive(Debug, Clone, Serialize, Default)]
pub struct ShippingOffer {
    /// Where a pickup happens (the coop's pickup address; its own address when none is set).
    pub pickup_address: String,
    /// The coop has zone fees for seller delivery.
    pub has_zones: bool,
    /// The zone fee to the chosen destination, when it is served.
    pub zone_fee: Option<Rupiah>,
    /// The coop has a courier rate table.
    pub has_couriers: bool,
    /// The courier services that reach the destination, cheapest first.
    pub couriers: Vec<guyub_core::market::shipping::CourierQuote>,
}

/// One entry of an order's status history.
#[derive(Debug, Clone, Serialize)]
pub struct OrderEvent {
    pub from_status: String,
    pub to_status: OrderStatus,
    pub actor: String,
    pub actor_name: String,
    pub message: String,
    pub at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct CartRow {
    koperasi_id: Uuid,
    id: Uuid,
    product_id: Uuid,
    label: String,
    price: i64,
    member_price: Option<i64>,
    weight_g: i64,
    stock: i64,
    active: bool,
    product_name: String,
    product_slug: String,
    listed: bool,
    wholesale_only: bool,
    seller_id: Uuid,
    seller_name: String,
    seller_active: bool,
    coop_name: String,
    coop_slug: Option<String>,
}

impl Store {
    /// The cart's lines that can still be bought (variant active, product listed and not
    /// wholesale-only, seller active), in the cart's order, and how many were dropped
    /// (unknown ids, products no longer sold). At most [`MAX_CART_LINES`] are read; the
    /// quantity is kept as given (the checkout refuses what the stock cannot cover).
    pub async fn cart_items(
        &self,
        lines: &[(KoperasiId, VariantId, u32)],
    ) -> StoreResult<(Vec<CartItem>, usize)> {
        let lines: Vec<_> = lines.iter().take(MAX_CART_LINES).copied().collect();
        if lines.is_empty() {
            return Ok((vec![], 0));
        }
        let sql = format!(
            "SELECT v.koperasi_id, v.id, v.product_id, v.label, v.price, v.member_price, v.weight_g, v.stock,
                    v.active, p.name AS product_name, p.slug AS product_slug, p.listed, p.wholesale_only,
                    p.seller_id, s.name AS seller_name, s.active AS seller_active, k.name AS coop_name,
                    ms.slug AS coop_slug
             FROM market_variant v
             JOIN market_product p ON p.koperasi_id = v.koperasi_id AND p.id = v.product_id
             JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id
             JOIN koperasi k ON k.id = v.koperasi_id
             LEFT JOIN market_settings ms ON ms.koperasi_id = v.koperasi_id
             WHERE {}",
            variant_keys_sql(lines.len())
        );
        let rows: Vec<CartRow> = on_db!(&self.db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for l in &lines { q = q.bind(l.0.0).bind(l.1.0); }
            q.fetch_all(p).await
        })?;
        let mut out = Vec::with_capacity(lines.len());
        let mut dropped = 0;
        for (k, vid, qty) in lines {
            let row = rows.iter().find(|r| r.koperasi_id == k.0 && r.id == vid.0);
            match row {
                Some(r)
                    if r.active
                        && r.listed
                        && r.seller_active
                        && !r.wholesale_only
                        && qty > 0
                        && !out.iter().any(|i: &CartItem| i.variant_id == vid) =>
                {
                    out.push(CartItem {
                        coop_id: k,
                        coop_name: r.coop_name.clone(),
                        coop_slug: r.coop_slug.clone(),
                        variant_id: vid,
                        product_id: MarketProductId(r.product_id),
                        product_slug: r.product_slug.clone(),
                        name: if r.label.trim().is_empty() {
                            r.product_name.clone()
                        } else {
                            format!("{} ({})", r.product_name, r.label)
                        },
                        seller_id: SellerId(r.seller_id),
                        seller_name: r.seller_name.clone(),
                        price: r.price,
                        member_price: r.member_price,
                        stock: r.stock,
                        weight_g: r.weight_g,
                        qty,
                    })
                }
                _ => dropped += 1,
            }
        }
        Ok((out, dropped))
    }

    /// What the merchant coop `k` offers for a group of `grams` going to `dest`: pickup
    /// always; seller delivery when it has zone fees (with the fee when `dest` is served);
    /// courier services from its rate table that reach `dest`. The checkout quotes the chosen
    /// one again in its transaction, so this is only what the page shows.
    pub async fn shipping_offer(
        &self,
        k: KoperasiId,
        grams: u32,
        dest: Option<&RegionCode>,
    ) -> StoreResult<ShippingOffer> {
        let row: Option<(Option<String>, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT pickup_address, zone_rates FROM market_settings WHERE koperasi_id = $1")
            .bind(k.0).fetch_optional(p).await)?;
        let coop_address: Option<String> = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT address FROM koperasi WHERE id = $1")
            .bind(k.0).fetch_optional(p).await)?;
        let (pickup, zones) = row.unwrap_or((None, None));
        let zones = match zones {
            Some(json) => {
                Some(serde_json::from_str::<ZoneRates>(&json).map_err(StoreError::corrupt)?)
            }
            None => None,
        };
        let n_rates: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM market_courier_rate WHERE koperasi_id = $1")
            .bind(k.0).fetch_one(p).await)?;
        let mut couriers = vec![];
        if let Some(regency) = dest.and_then(|d| d.regency()) {
            let rows: Vec<(String, String, String, i64, i64, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT courier, service, dest_code, price_per_kg, min_kg, etd FROM market_courier_rate
                 WHERE koperasi_id = $1 AND dest_code = $2")
                .bind(k.0).bind(regency.as_str()).fetch_all(p).await)?;
            let mut rates = Vec::with_capacity(rows.len());
            for (courier, service, dest_code, price, min_kg, etd) in rows {
                rates.push(CourierRate {
                    courier,
                    service,
                    dest: RegionCode::parse(&dest_code).map_err(StoreError::corrupt)?,
                    price_per_kg: Rupiah(price),
                    min_kg: u32::try_from(min_kg).map_err(StoreError::corrupt)?,
                    etd: etd.as_deref().and_then(Etd::parse),
                });
            }
            let table = RateTable::from_rows(rates)
                .map_err(|_| StoreError::corrupt("stored courier rates"))?;
            couriers = courier_options(&table, &regency, grams);
        }
        Ok(ShippingOffer {
            pickup_address: pickup
                .filter(|s| !s.trim().is_empty())
                .or(coop_address)
                .unwrap_or_default(),
            has_zones: zones.is_some(),
            zone_fee: zones.as_ref().and_then(|z| dest.and_then(|d| z.quote(d))),
            has_couriers: n_rates > 0,
            couriers,
        })
    }

    /// The status history of an order of coop `k`, oldest first. Callers check first that
    /// the reader may see the order (its seller, the coop's staff, the buyer's link).
    pub async fn order_events(
        &self,
        k: KoperasiId,
        order: OrderId,
    ) -> StoreResult<Vec<OrderEvent>> {
        let rows: Vec<(String, String, String, String, String, OffsetDateTime)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT from_status, to_status, actor, actor_name, message, at FROM market_order_event
             WHERE koperasi_id = $1 AND order_id = $2 ORDER BY at, id")
            .bind(k.0).bind(order.0).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(from_status, to, actor, actor_name, message, at)| {
                Ok(OrderEvent {
                    from_status,
                    to_status: OrderStatus::parse(&to)
                        .ok_or_else(|| StoreError::corrupt(format!("order status {to}")))?,
                    actor,
                    actor_name,
                    message,
                    at,
                })
            })
            .collect()
    }
}

impl Tenant<'_> {
    /// Orders of this coop in one status (all when `None`), newest first; one seller's when
    /// `seller` is given. The order desk's filtered list.
    pub async fn orders_in(
        &self,
        seller: Option<SellerId>,
        status: Option<OrderStatus>,
        limit: i64,
    ) -> StoreResult<Vec<Order>> {
        let ids: Vec<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM market_order WHERE koperasi_id = $1 AND ($2 IS NULL OR seller_id = $2)
               AND ($3 IS NULL OR status = $3)
             ORDER BY created_at DESC, order_no DESC LIMIT $4")
            .bind(self.koperasi_id.0).bind(seller.map(|s| s.0)).bind(status.map(|s| s.as_str()))
            .bind(limit.clamp(1, 500)).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.order(OrderId(id)).await?);
        }
        Ok(out)
    }

    /// The checkout an order of this coop belongs to, as its buyer's phone and pay method
    /// (the order desk's WhatsApp link and "how was it paid"), without the buyer's link.
    pub async fn order_buyer(&self, order: &Order) -> StoreResult<(String, String, CheckoutPay)> {
        let row: Option<(String, String, String)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT buyer_name, buyer_phone, pay_method FROM market_checkout WHERE koperasi_id = $1 AND id = $2")
            .bind(order.checkout_koperasi_id.0).bind(order.checkout_id.0).fetch_optional(p).await)?;
        let (name, phone, pay) = row.ok_or(StoreError::NotFound)?;
        let pay = CheckoutPay::parse(&pay)
            .ok_or_else(|| StoreError::corrupt(format!("pay method {pay}")))?;
        Ok((name, phone, pay))
    }
}

impl Tenant<'_> {
    /// Replaces this coop's shipping rates: its own delivery zones (`None` = it does not
    /// deliver itself) and its courier rate table (all rows replaced; an empty table = no
    /// courier). Both are already checked by the core ([`ZoneRates::new`],
    /// [`RateTable::from_rows`]). The storefront must exist ([`Tenant::set_market_settings`]
    /// first), else `NotFound` with nothing written. Audited (the counts, not the rows).
    ///
    /// Used by the demo; a settings page would call it too.
    pub async fn set_shipping_rates(
        &self,
        actor: &Actor,
        zones: Option<&ZoneRates>,
        couriers: &RateTable,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let json = match zones {
            Some(z) => Some(serde_json::to_string(z).map_err(StoreError::corrupt)?),
            None => None,
        };
        let mut tx = self.db.begin_write().await?;
        let moved = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_settings SET zone_rates = $2, updated_at = $3 WHERE koperasi_id = $1")
            .bind(k.0).bind(json).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if moved != 1 {
            return Err(StoreError::NotFound);
        }
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM market_courier_rate WHERE koperasi_id = $1")
            .bind(k.0).execute(&mut **c).await.map(|_| ()))?;
        let mut script = Script::new();
        for r in couriers.rows() {
            script.push(
                "INSERT INTO market_courier_rate (koperasi_id, courier, service, dest_code, price_per_kg, min_kg, etd)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    k.0.into(),
                    r.courier.clone().into(),
                    r.service.clone().into(),
                    r.dest.as_str().to_string().into(),
                    r.price_per_kg.0.into(),
                    i64::from(r.min_kg).into(),
                    r.etd.map(|e| e.to_string()).into(),
                ],
                1,
            );
        }
        if !script.run(&mut tx).await? {
            return Err(StoreError::corrupt("a courier rate was not written"));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "market_settings",
            &k.to_string(),
            Action::Update,
            &diff([
                (
                    "zones",
                    None,
                    Some(zones.map_or(0, |z| z.zones().len()).to_string()),
                ),
                ("courier_rates", None, Some(couriers.len().to_string())),
            ]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}
