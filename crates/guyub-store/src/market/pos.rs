//! The coop store counter (kasir toko): a sale over the counter from the same stock as the
//! marketplace.
//!
//! A counter sale **is** a marketplace checkout of the coop itself (operator = merchant), with
//! one order per seller, marked `channel = 'toko'` on the checkout and its orders, shipping
//! "pickup" and no fee. So stock, books, patronage, refunds, seller payouts and reports work
//! exactly as for an online sale (see the booking rules in [`super::order`]):
//! - own goods: Dr Kas (cash) or Kliring QRIS — Cr 4102 *Penjualan kepada anggota* when the
//!   buyer is an active member of the coop, else 4201; Dr HPP — Cr Persediaan at cost;
//! - consignment: Dr money — Cr 2112 for the seller's share — Cr 4303 for the commission;
//! - patronage: a member buyer's purchase (and a member consignor's sale) as the order's
//!   goods total, in the fiscal year of the sale's date.
//!
//! Invariants kept here:
//! - the whole sale is one transaction: every unit is taken with a conditional update
//!   (`stock >= q`), and one line short refuses the whole sale with nothing written;
//! - only this coop's variants are sold (a variant id of another coop is "not found");
//! - the price is the catalogue's, never the client's: member price for an active member
//!   of this coop, wholesale tiers by quantity (the core's `unit_price`);
//! - cash: the tendered amount must cover the total; the sale is paid, posted and handed
//!   over (`diterima`) in the same transaction. QRIS: the sale waits (`menunggu`) with a
//!   payment request (purpose `pasar`) carrying a dynamic QRIS for the total; the cashier's
//!   confirmation (or the request list, or a matched statement) pays and posts it, and
//!   [`hand_over_tx`] hands it over; an unconfirmed one can be cancelled, giving the stock
//!   back, and otherwise expires like an online checkout;
//! - a replayed sale (same coop and idempotency key) returns the first and takes nothing again;
//! - every sale has a receipt number `TK-<year>-<seq>` (per coop and year of its calendar)
//!   and the cashier's name; the creation, payment and cancellation are audited.
//!
//! Orders end in `diterima` (handed over at the counter) rather than `selesai`, so a return
//! at the counter is the marketplace's return (refund, stock back, negative patronage) and a
//! consignor's payout already counts them.

use std::collections::{BTreeMap, HashMap};

use guyub_core::ids::{
    CheckoutId, KoperasiId, MarketProductId, MemberId, PaymentRequestId, VariantId,
};
use guyub_core::ledger::AccountRole;
use guyub_core::market::catalog::{WholesaleTiers, parse_tiers, unit_price};
use guyub_core::market::counter::{
    CounterError, MAX_COUNTER_LINES, MAX_LINE_QTY, change_due, clean_code, receipt_no,
};
use guyub_core::market::order::{
    CartLine, OrderActor, OrderStatus, checkout_total, order_no, split_by_seller, status_message,
};
use guyub_core::market::shipping::Shipping;
use guyub_core::member::MemberStatus;
use guyub_core::money::Rupiah;
use guyub_core::payment::qris::Qris;
use guyub_core::payment::request::RefCode;
use guyub_core::phone::Phone;
use guyub_core::{FieldError, Msg};
use serde::Serialize;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use super::order::{
    CHECKOUT_VALIDITY, Checkout, CheckoutPay, Src, checkout_of, coop_offsets, local_date, pay_tx,
    push_event, random_token, release_orders,
};
use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::ledger;
use crate::member::{Member, MemberQuery};
use crate::sql::{Script, Val, values_sql};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// The channel marker of a counter sale (`market_checkout.channel`, `market_order.channel`).
pub const CHANNEL_TOKO: &str = "toko";
/// The buyer's name on a sale to someone who is not (or not known as) a member.
pub const WALK_IN: &str = "Pembeli umum";

fn invalid(field: &str, m: Msg) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, m)])
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Conflict(Msg::new(id, en))
}

fn counter_err(field: &str, e: CounterError) -> StoreError {
    invalid(field, e.msg())
}

/// How a counter sale is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterPay {
    /// Cash, with the amount handed over (the change is given back).
    Cash { tendered: Rupiah },
    /// QRIS: a dynamic QR for the total, confirmed by the cashier when the money shows.
    Qris,
}

/// One line of a counter sale.
#[derive(Debug, Clone, Copy)]
pub struct CounterLineInput {
    pub variant_id: VariantId,
    pub qty: u32,
}

/// A counter sale to record.
#[derive(Debug, Clone)]
pub struct CounterSaleInput {
    pub idem_key: Option<String>,
    /// The buyer when a member of this coop (found by the cashier): member price, patronage.
    pub member: Option<MemberId>,
    pub lines: Vec<CounterLineInput>,
    pub pay: CounterPay,
}

/// A variant as the counter sees it (found by code, or a line of the sale being built).
#[derive(Debug, Clone, Serialize)]
pub struct CounterItem {
    pub variant_id: VariantId,
    pub product_id: MarketProductId,
    /// The product's name with the variant's label.
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub seller_name: String,
    pub consignment: bool,
    pub price: i64,
    pub member_price: Option<i64>,
    pub stock: i64,
    #[serde(skip)]
    tiers: String,
}

/// A priced line of the sale being built.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteLine {
    pub item: CounterItem,
    pub qty: u32,
    pub unit_price: i64,
    pub subtotal: i64,
}

/// The sale being built, priced from the catalogue (for the page; the sale prices again in
/// its transaction).
#[derive(Debug, Clone, Serialize, Default)]
pub struct CounterQuote {
    pub lines: Vec<QuoteLine>,
    pub total: i64,
    /// Lines dropped: unknown ids, variants no longer sold here.
    pub dropped: usize,
}

/// The member a sale is for, as the receipt shows them.
#[derive(Debug, Clone, Serialize)]
pub struct CounterMember {
    pub id: MemberId,
    pub name: String,
    pub member_no: String,
}

/// A counter sale: the checkout with its orders, and what only the counter keeps.
#[derive(Debug, Clone, Serialize)]
pub struct CounterSale {
    pub checkout: Checkout,
    pub receipt_no: String,
    pub cashier_name: String,
    pub tendered: Option<i64>,
    pub change: Option<i64>,
    pub member: Option<CounterMember>,
}

impl CounterSale {
    pub fn paid(&self) -> bool {
        self.checkout.state == "dibayar"
    }
}

/// One line of the day's list of counter sales.
#[derive(Debug, Clone, Serialize)]
pub struct CounterSaleRow {
    pub id: CheckoutId,
    pub receipt_no: String,
    pub buyer_name: String,
    pub cashier_name: String,
    pub pay_method: CheckoutPay,
    pub total: i64,
    /// menunggu | dibayar | kedaluwarsa | dibatalkan
    pub state: String,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    product_id: Uuid,
    label: String,
    sku: Option<String>,
    barcode: Option<String>,
    price: i64,
    member_price: Option<i64>,
    wholesale_tiers: String,
    cost: i64,
    weight_g: i64,
    stock: i64,
    product_name: String,
    seller_id: Uuid,
    seller_name: String,
    consignment: bool,
}

impl ItemRow {
    fn item(&self) -> CounterItem {
        CounterItem {
            variant_id: VariantId(self.id),
            product_id: MarketProductId(self.product_id),
            name: if self.label.trim().is_empty() {
                self.product_name.clone()
            } else {
                format!("{} ({})", self.product_name, self.label)
            },
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            seller_name: self.seller_name.clone(),
            consignment: self.consignment,
            price: self.price,
            member_price: self.member_price,
            stock: self.stock,
            tiers: self.wholesale_tiers.clone(),
        }
    }
}

/// The variants the counter sells: this coop's, active, of an active seller, product not
/// archived. Not-yet-curated or unlisted products are sold too: the counter sells the coop's
/// own shelf, the curation is about the public marketplace. Followed by the extra condition.
const ITEM_SQL: &str =
    "SELECT v.id, v.product_id, v.label, v.sku, v.barcode, v.price, v.member_price,
        v.wholesale_tiers, v.cost, v.weight_g, v.stock, p.name AS product_name, p.seller_id,
        s.name AS seller_name, s.consignment
     FROM market_variant v
     JOIN market_product p ON p.koperasi_id = v.koperasi_id AND p.id = v.product_id
     JOIN market_seller s ON s.koperasi_id = p.koperasi_id AND s.id = p.seller_id
     WHERE v.koperasi_id = $1 AND v.active = $2 AND s.active = $2 AND p.status <> 'diarsipkan'";

fn tiers_of(text: &str) -> StoreResult<WholesaleTiers> {
    if text.trim().is_empty() {
        Ok(WholesaleTiers::empty())
    } else {
        parse_tiers(text).map_err(StoreError::corrupt)
    }
}

/// The price of `qty` of `item` for a member or not (member price, wholesale tiers).
fn price_of(item: &CounterItem, qty: u32, is_member: bool) -> StoreResult<Rupiah> {
    Ok(unit_price(
        Rupiah(item.price),
        item.member_price.map(Rupiah),
        &tiers_of(&item.tiers)?,
        qty,
        is_member,
    ))
}

/// The input checked before the transaction: lines merged (one per variant, quantities
/// added, first-seen order), quantities in range.
fn merge_lines(lines: &[CounterLineInput]) -> StoreResult<Vec<(Uuid, u32)>> {
    if lines.is_empty() {
        return Err(invalid(
            "lines",
            Msg::new(
                "Belum ada barang: ketik atau pindai kodenya.",
                "No items yet: type or scan a code.",
            ),
        ));
    }
    if lines.len() > MAX_COUNTER_LINES {
        return Err(invalid(
            "lines",
            Msg::new(
                format!("Paling banyak {MAX_COUNTER_LINES} baris per penjualan."),
                format!("At most {MAX_COUNTER_LINES} lines per sale."),
            ),
        ));
    }
    let mut merged: Vec<(Uuid, u32)> = Vec::new();
    for l in lines {
        if l.qty == 0 || l.qty > MAX_LINE_QTY {
            return Err(counter_err("qty", CounterError::BadQty));
        }
        match merged.iter_mut().find(|m| m.0 == l.variant_id.0) {
            Some(m) => m.1 = m.1.saturating_add(l.qty),
            None => merged.push((l.variant_id.0, l.qty)),
        }
    }
    if merged.iter().any(|m| m.1 > MAX_LINE_QTY) {
        return Err(counter_err("qty", CounterError::BadQty));
    }
    Ok(merged)
}

impl Tenant<'_> {
    /// The variant of this coop whose barcode or SKU is exactly `code` (the barcode first),
    /// if it is sold at the counter. Both lookups use the (koperasi_id, barcode) and
    /// (koperasi_id, sku) indexes. `None` for an unknown code or a variant not sold; an
    /// empty or overlong code is `Invalid`.
    pub async fn counter_find_code(&self, code: &str) -> StoreResult<Option<CounterItem>> {
        let code = clean_code(code).map_err(|e| counter_err("code", e))?;
        for col in ["barcode", "sku"] {
            let sql = format!("{ITEM_SQL} AND v.{col} = $3 ORDER BY v.id LIMIT 1");
            let row: Option<ItemRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(self.koperasi_id.0).bind(true).bind(&code).fetch_optional(p).await)?;
            if let Some(r) = row {
                return Ok(Some(r.item()));
            }
        }
        Ok(None)
    }

    /// This coop's counter items among `ids`, by id.
    async fn counter_items(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, ItemRow>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "{ITEM_SQL} AND v.id IN ({})",
            (0..ids.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(",")
        );
        let rows: Vec<ItemRow> = on_db!(self.db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.koperasi_id.0).bind(true);
            for id in ids { q = q.bind(*id); }
            q.fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }

    /// The sale being built, priced as [`Tenant::counter_sale`] would price it now (member
    /// price when `member` is an active member of this coop). Unknown ids and variants no
    /// longer sold are dropped and counted; quantities are kept as given.
    pub async fn counter_quote(
        &self,
        lines: &[CounterLineInput],
        member: Option<MemberId>,
    ) -> StoreResult<CounterQuote> {
        let lines: Vec<_> = lines.iter().take(MAX_COUNTER_LINES).copied().collect();
        let ids: Vec<Uuid> = lines.iter().map(|l| l.variant_id.0).collect();
        let items = self.counter_items(&ids).await?;
        let is_member = match member {
            Some(m) => self.counter_member(m).await?.is_some(),
            None => false,
        };
        let mut out = CounterQuote::default();
        for l in lines {
            match items.get(&l.variant_id.0) {
                Some(r) if l.qty > 0 => {
                    let item = r.item();
                    let price = price_of(&item, l.qty, is_member)?;
                    let subtotal = price.0.saturating_mul(i64::from(l.qty));
                    out.total = out.total.saturating_add(subtotal);
                    out.lines.push(QuoteLine {
                        item,
                        qty: l.qty,
                        unit_price: price.0,
                        subtotal,
                    });
                }
                _ => out.dropped += 1,
            }
        }
        Ok(out)
    }

    /// An active member of this coop, as the counter shows them; `None` for anyone else.
    pub async fn counter_member(&self, id: MemberId) -> StoreResult<Option<CounterMember>> {
        match self.member(id).await {
            Ok(m) if m.status == MemberStatus::Aktif => Ok(Some(CounterMember {
                id: m.id,
                name: m.name,
                member_no: m.member_no,
            })),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Active members of this coop for the counter's lookup: by phone number when `q` reads
    /// as an Indonesian phone number (08…, +62…), else by member number prefix or name word
    /// prefixes ([`Tenant::search_members`]). At most 10.
    pub async fn counter_find_members(&self, q: &str) -> StoreResult<Vec<Member>> {
        let q = q.trim();
        if q.is_empty() || q.chars().count() > 100 {
            return Ok(vec![]);
        }
        let digits = q.chars().filter(|c| c.is_ascii_digit()).count();
        if digits >= 9
            && let Ok(phone) = Phone::parse(q)
        {
            let ids: Vec<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
                "SELECT id FROM member WHERE koperasi_id = $1 AND phone = $2 AND status = 'aktif'
                 ORDER BY member_no LIMIT 10")
                .bind(self.koperasi_id.0).bind(phone.as_str()).fetch_all(p).await)?;
            if !ids.is_empty() {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    out.push(self.member(MemberId(id)).await?);
                }
                return Ok(out);
            }
        }
        let page = self
            .search_members(&MemberQuery {
                q: q.to_string(),
                status: Some(MemberStatus::Aktif),
                kind: None,
                limit: 10,
                offset: 0,
            })
            .await?;
        Ok(page.members)
    }

    /// Records a counter sale in one transaction (see the module's rules): prices every line,
    /// takes the stock with conditional updates, writes the checkout (`channel = 'toko'`,
    /// receipt number, cashier), one order per seller, their lines and events; for cash pays
    /// and posts it at once (Dr Kas) and hands it over, keeping the tendered cash and the
    /// change; for QRIS leaves it waiting with a payment request carrying a dynamic QRIS.
    ///
    /// Refused with nothing written: no lines, a quantity 0 or above the limit, a variant not
    /// of this coop or not sold, a line above the stock left (named), cash below the total,
    /// QRIS when the coop has no QRIS set up, a member who is not an active member here.
    pub async fn counter_sale(
        &self,
        actor: &Actor,
        input: &CounterSaleInput,
    ) -> StoreResult<CounterSale> {
        let merged = merge_lines(&input.lines)?;
        if input
            .idem_key
            .as_deref()
            .is_some_and(|k| k.is_empty() || k.len() > 100)
        {
            return Err(invalid(
                "idem_key",
                Msg::new(
                    "Kunci idempotensi 1 sampai 100 karakter.",
                    "The idempotency key must be 1 to 100 characters.",
                ),
            ));
        }
        if let Some(key) = &input.idem_key
            && let Some(id) = self.counter_by_idem(key).await?
        {
            return self.counter_sale_view(id).await;
        }
        let mut tx = self.db.begin_write().await?;
        match self.sale_tx(&mut tx, actor, input, &merged).await {
            Ok(id) => {
                tx.commit().await.map_err(StoreError::from)?;
                self.counter_sale_view(id).await
            }
            Err(e) if e.is_unique_violation() && input.idem_key.is_some() => {
                drop(tx);
                let key = input.idem_key.as_deref().unwrap_or_default();
                match self.counter_by_idem(key).await? {
                    Some(id) => self.counter_sale_view(id).await,
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn counter_by_idem(&self, key: &str) -> StoreResult<Option<CheckoutId>> {
        let id: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT id FROM market_checkout WHERE koperasi_id = $1 AND idem_key = $2 AND channel = $3")
            .bind(self.koperasi_id.0).bind(key).bind(CHANNEL_TOKO).fetch_optional(p).await)?;
        Ok(id.map(CheckoutId))
    }

    async fn sale_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        input: &CounterSaleInput,
        merged: &[(Uuid, u32)],
    ) -> StoreResult<CheckoutId> {
        let k = self.koperasi_id;
        let t = now();
        let offsets = coop_offsets(tx, &[k]).await?;
        let today = local_date(t, &offsets, k);

        // The buyer: an active member of this coop, or a walk-in buyer.
        let member = match input.member {
            Some(m) => {
                let row: Option<(String, String, Option<String>)> = on_tx!(&mut *tx, c => sqlx::query_as(
                    "SELECT name, member_no, phone FROM member WHERE koperasi_id = $1 AND id = $2 AND status = 'aktif'")
                    .bind(k.0).bind(m.0).fetch_optional(&mut **c).await)?;
                let (name, no, phone) = row.ok_or_else(|| {
                    invalid(
                        "member",
                        Msg::new(
                            "Anggota tidak ditemukan atau tidak aktif di koperasi ini.",
                            "Member not found or not active in this coop.",
                        ),
                    )
                })?;
                Some((m, name, no, phone.unwrap_or_default()))
            }
            None => None,
        };

        // The variants, this coop's only.
        let ids: Vec<Uuid> = merged.iter().map(|m| m.0).collect();
        let sql = format!(
            "{ITEM_SQL} AND v.id IN ({})",
            (0..ids.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(",")
        );
        let rows: Vec<ItemRow> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0).bind(true);
            for id in &ids { q = q.bind(*id); }
            q.fetch_all(&mut **c).await
        })?;
        let by_id: HashMap<Uuid, &ItemRow> = rows.iter().map(|r| (r.id, r)).collect();

        // Price every line; refuse what is not sold here or beyond the stock.
        let mut cart = Vec::with_capacity(merged.len());
        for (i, (vid, qty)) in merged.iter().enumerate() {
            let Some(r) = by_id.get(vid) else {
                return Err(invalid(
                    "lines",
                    Msg::new(
                        format!("Barang di baris {} tidak dijual di toko ini.", i + 1),
                        format!("The item on line {} is not sold in this store.", i + 1),
                    ),
                ));
            };
            let item = r.item();
            if i64::from(*qty) > r.stock {
                return Err(conflict(
                    format!(
                        "Stok {} tinggal {}; kurangi jumlahnya.",
                        item.name,
                        r.stock.max(0)
                    ),
                    format!(
                        "Only {} of {} left in stock; lower the quantity.",
                        r.stock.max(0),
                        item.name
                    ),
                ));
            }
            let price = price_of(&item, *qty, member.is_some())?;
            cart.push(CartLine {
                seller_id: r.seller_id,
                coop_id: k.0,
                variant_id: *vid,
                qty: *qty,
                unit_price: price,
                weight_g: u32::try_from(r.weight_g).unwrap_or(0),
            });
        }
        let groups = split_by_seller(&cart).map_err(|e| invalid("lines", e.msg()))?;
        let fees = vec![Rupiah::ZERO; groups.len()];
        let total = checkout_total(&groups, &fees).map_err(|e| invalid("lines", e.msg()))?;

        // Cash must cover the total; QRIS needs the coop's QRIS.
        let (pay_method, change) = match input.pay {
            CounterPay::Cash { tendered } => (
                CheckoutPay::CashAtPickup,
                Some((
                    tendered,
                    change_due(total, tendered).map_err(|e| counter_err("tendered", e))?,
                )),
            ),
            CounterPay::Qris => (CheckoutPay::Qris, None),
        };
        let qris = if input.pay == CounterPay::Qris {
            let stat: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT payload FROM payment_qris WHERE koperasi_id = $1")
                .bind(k.0).fetch_optional(&mut **c).await)?;
            let stat = stat.ok_or_else(|| {
                conflict(
                    "QRIS koperasi belum diatur; terima tunai atau atur QRIS di menu Pembayaran.",
                    "The coop's QRIS is not set up; take cash or set up QRIS under Payments.",
                )
            })?;
            Some(
                Qris::parse(&stat)
                    .map_err(|e| StoreError::corrupt(format!("stored QRIS: {e:?}")))?
                    .to_dynamic(total, None)
                    .map_err(|e| StoreError::corrupt(format!("QRIS conversion: {e:?}")))?
                    .into_string(),
            )
        } else {
            None
        };

        // Take the stock: one conditional update per variant, in a fixed order.
        let mut takes: Vec<(Uuid, u32)> = merged.to_vec();
        takes.sort();
        for (vid, qty) in &takes {
            let n = on_tx!(&mut *tx, c => sqlx::query(
                "UPDATE market_variant SET stock = stock - $3 WHERE koperasi_id = $1 AND id = $2 AND stock >= $3")
                .bind(k.0).bind(*vid).bind(i64::from(*qty)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n != 1 {
                let name = by_id.get(vid).map(|r| r.item().name).unwrap_or_default();
                return Err(conflict(
                    format!("Stok {name} baru saja habis atau tidak cukup; kurangi jumlahnya."),
                    format!(
                        "{name} just sold out or has too little stock left; lower the quantity."
                    ),
                ));
            }
        }

        // Order numbers and the receipt number, per year of the coop's calendar.
        let year = today.year();
        let (oname, rname) = (format!("pesanan-{year}"), format!("toko-{year}"));
        let seqs = ledger::reserve_seqs(
            tx,
            k,
            &[(oname.clone(), groups.len() as i64), (rname.clone(), 1)],
        )
        .await?;
        let first_order = seqs
            .get(&oname)
            .copied()
            .ok_or_else(|| StoreError::corrupt("no order number"))?;
        let receipt = receipt_no(
            year,
            seqs.get(&rname)
                .copied()
                .ok_or_else(|| StoreError::corrupt("no receipt number"))?,
        );
        let order_nos: Vec<String> = (0..groups.len())
            .map(|i| order_no(year, first_order + i as i64))
            .collect();

        let checkout_id = Uuid::now_v7();
        let expires_at = t + CHECKOUT_VALIDITY;
        let buyer_name = member
            .as_ref()
            .map(|m| m.1.clone())
            .unwrap_or_else(|| WALK_IN.to_string());
        let buyer_phone = member.as_ref().map(|m| m.3.clone()).unwrap_or_default();
        let cashier = cashier_name(&actor.name);

        // The payment request, for QRIS.
        let request_id = match &qris {
            Some(payload) => {
                let id = PaymentRequestId::new();
                let mut ref_code = RefCode::from_bits(Uuid::now_v7().as_u64_pair().1);
                for _ in 0..5 {
                    let taken: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                        "SELECT 1 FROM payment_request WHERE koperasi_id = $1 AND ref_code = $2")
                        .bind(k.0).bind(ref_code.as_str()).fetch_optional(&mut **c).await)?;
                    if taken.is_none() {
                        break;
                    }
                    ref_code = RefCode::from_bits(Uuid::now_v7().as_u64_pair().1);
                }
                let description = format!("Toko {receipt}");
                on_tx!(&mut *tx, c => sqlx::query(
                    "INSERT INTO payment_request (koperasi_id, id, ref_code, purpose, member_id, description, base_amount,
                        unique_code, total, code_product_id, qris_payload, public_token, state, expires_at, idem_key,
                        created_by, created_at)
                     VALUES ($1, $2, $3, 'pasar', $4, $5, $6, 0, $6, NULL, $7, $8, 'menunggu', $9, NULL, $10, $11)")
                    .bind(k.0).bind(id.0).bind(ref_code.as_str()).bind(member.as_ref().map(|m| m.0.0))
                    .bind(description).bind(total.0).bind(payload.clone()).bind(random_token()?)
                    .bind(expires_at).bind(actor.name.clone()).bind(t)
                    .execute(&mut **c).await.map(|_| ()))?;
                Some(id)
            }
            None => None,
        };

        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO market_checkout (koperasi_id, id, idem_key, buyer_name, buyer_phone, buyer_user_id, buyer_token,
                pay_method, total, payment_request_id, state, expires_at, created_at, paid_at, channel, receipt_no,
                cashier_name, tendered, change_given)
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, 'menunggu', $10, $11, NULL, $12, $13, $14, $15, $16)")
            .bind(k.0).bind(checkout_id).bind(input.idem_key.clone()).bind(buyer_name.clone())
            .bind(buyer_phone.clone()).bind(random_token()?).bind(pay_method.as_str()).bind(total.0)
            .bind(request_id.map(|r| r.0)).bind(expires_at).bind(t).bind(CHANNEL_TOKO)
            .bind(receipt.clone()).bind(cashier.clone()).bind(change.map(|c| c.0.0)).bind(change.map(|c| c.1.0))
            .execute(&mut **c).await.map(|_| ()))?;
        let mut script = Script::new();
        let detail = serde_json::to_string(&Shipping::Pickup).map_err(StoreError::corrupt)?;
        for (gi, g) in groups.iter().enumerate() {
            let oid = Uuid::now_v7();
            let no = &order_nos[gi];
            script.push(
                "INSERT INTO market_order (koperasi_id, id, order_no, checkout_koperasi_id, checkout_id, seller_id,
                    buyer_member_id, buyer_koperasi_id, status, shipping_method, shipping_detail, ship_to_name,
                    ship_to_address, ship_to_regency, courier, tracking_no, goods_total, shipping_fee, total,
                    payment_terms_days, due_on, entry_id, payout_id, created_at, updated_at, channel)
                 VALUES ($1, $2, $3, $1, $4, $5, $6, NULL, 'dibuat', $7, $8, $9, 'Toko koperasi', NULL, NULL, NULL,
                    $10, 0, $10, 0, NULL, NULL, NULL, $11, $11, $12)",
                vec![
                    k.0.into(),
                    oid.into(),
                    no.as_str().into(),
                    checkout_id.into(),
                    g.seller_id.into(),
                    member.as_ref().map(|m| m.0.0).into(),
                    Shipping::Pickup.method().as_str().into(),
                    detail.clone().into(),
                    buyer_name.clone().into(),
                    g.subtotal.0.into(),
                    t.into(),
                    CHANNEL_TOKO.into(),
                ],
                1,
            );
            let sql = values_sql(
                "INSERT INTO market_order_line (koperasi_id, order_id, line_no, product_id, variant_id, name, qty,
                    unit_price, unit_cost, weight_g)",
                g.lines.len(),
                10,
            );
            let mut vals: Vec<Val> = Vec::with_capacity(g.lines.len() * 10);
            for (li, l) in g.lines.iter().enumerate() {
                let r = by_id
                    .get(&l.variant_id)
                    .ok_or_else(|| StoreError::corrupt("a line without its variant"))?;
                vals.extend([
                    k.0.into(),
                    oid.into(),
                    (li as i64 + 1).into(),
                    r.product_id.into(),
                    l.variant_id.into(),
                    r.item().name.into(),
                    i64::from(l.qty).into(),
                    l.unit_price.0.into(),
                    r.cost.into(),
                    i64::from(l.weight_g).into(),
                ]);
            }
            script.push(&sql, vals, g.lines.len() as u64);
            let seller = g
                .lines
                .first()
                .and_then(|l| by_id.get(&l.variant_id))
                .map(|r| r.seller_name.clone())
                .unwrap_or_default();
            let msg = status_message(no, OrderStatus::Dibuat, &seller, None);
            push_event(
                &mut script,
                k,
                guyub_core::ids::OrderId(oid),
                "",
                OrderStatus::Dibuat,
                OrderActor::CoopStaff,
                &actor.name,
                &msg,
                t,
            );
        }
        if !script.run(tx).await? {
            return Err(StoreError::corrupt("a counter sale write came up short"));
        }
        audit::record(
            tx,
            k,
            actor,
            "market_checkout",
            &checkout_id.to_string(),
            Action::Create,
            &diff([
                ("channel", None, Some(CHANNEL_TOKO.to_string())),
                ("receipt_no", None, Some(receipt.clone())),
                ("total", None, Some(total.0.to_string())),
                ("orders", None, Some(order_nos.join(", "))),
                ("pay_method", None, Some(pay_method.as_str().to_string())),
                ("member_id", None, member.as_ref().map(|m| m.0.to_string())),
            ]),
        )
        .await?;
        // Cash: paid, posted (Dr Kas) and handed over now, in this transaction.
        if change.is_some()
            && !pay_tx(tx, actor, k, CheckoutId(checkout_id), AccountRole::Cash, t).await?
        {
            return Err(StoreError::corrupt("a new counter sale was already paid"));
        }
        Ok(CheckoutId(checkout_id))
    }

    /// A counter sale of this coop with its orders; any other checkout (an online one,
    /// another coop's) is `NotFound`.
    pub async fn counter_sale_view(&self, id: CheckoutId) -> StoreResult<CounterSale> {
        type Extra = (
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Extra> = on_db!(self.db, p => sqlx::query_as(
            "SELECT channel, receipt_no, cashier_name, tendered, change_given FROM market_checkout
             WHERE koperasi_id = $1 AND id = $2")
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        let (channel, receipt, cashier, tendered, change) = row.ok_or(StoreError::NotFound)?;
        if channel != CHANNEL_TOKO {
            return Err(StoreError::NotFound);
        }
        let checkout = checkout_of(&mut Src::Db(self.db), self.koperasi_id, id).await?;
        let member = match checkout.orders.iter().find_map(|o| o.buyer_member_id) {
            Some(m) => {
                let m = self.member(m).await?;
                Some(CounterMember {
                    id: m.id,
                    name: m.name,
                    member_no: m.member_no,
                })
            }
            None => None,
        };
        Ok(CounterSale {
            checkout,
            receipt_no: receipt.unwrap_or_default(),
            cashier_name: cashier.unwrap_or_default(),
            tendered,
            change,
            member,
        })
    }

    /// The cashier's confirmation that a waiting QRIS counter sale was paid (the money shows
    /// in the coop's QRIS app): the request and the sale move to `dibayar`, the orders are
    /// posted (Dr Kliring QRIS) and handed over, in one transaction. Idempotent: a sale
    /// already paid is returned as it is. A cancelled or expired one is a conflict.
    pub async fn confirm_counter_qris(
        &self,
        actor: &Actor,
        id: CheckoutId,
    ) -> StoreResult<CounterSale> {
        let k = self.koperasi_id;
        let sale = self.counter_sale_view(id).await?;
        if sale.checkout.pay_method != CheckoutPay::Qris {
            return Err(conflict(
                "Penjualan ini dibayar tunai; tidak ada QRIS yang perlu dikonfirmasi.",
                "This sale was paid in cash; there is no QRIS to confirm.",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        if pay_tx(&mut tx, actor, k, id, AccountRole::QrisClearing, now()).await? {
            if let Some(r) = sale.checkout.payment_request_id {
                on_tx!(&mut tx, cx => sqlx::query(
                    "UPDATE payment_request SET state = 'dibayar', paid_at = $3, confirmed_by = $4, paid_method = 'qris',
                        paid_reference = $5, confirmed_via = 'kasir'
                     WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu'")
                    .bind(k.0).bind(r.0).bind(now()).bind(actor.name.clone()).bind(sale.receipt_no.clone())
                    .execute(&mut **cx).await.map(|r| r.rows_affected()))?;
            }
            audit::record(
                &mut tx,
                k,
                actor,
                "market_checkout",
                &id.to_string(),
                Action::Update,
                &diff([(
                    "state",
                    Some(sale.checkout.state.clone()),
                    Some("dibayar".to_string()),
                )]),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.counter_sale_view(id).await
    }

    /// Cancels a counter sale still waiting for its QRIS payment (the buyer could not pay):
    /// the sale moves `menunggu → dibatalkan` (conditionally), its request is cancelled, its
    /// orders are cancelled and their stock comes back, in one transaction. A paid sale is a
    /// conflict (a return is the order desk's).
    pub async fn cancel_counter_sale(
        &self,
        actor: &Actor,
        id: CheckoutId,
    ) -> StoreResult<CounterSale> {
        let k = self.koperasi_id;
        self.counter_sale_view(id).await?;
        let mut tx = self.db.begin_write().await?;
        let moved = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE market_checkout SET state = 'dibatalkan'
             WHERE koperasi_id = $1 AND id = $2 AND state = 'menunggu' AND channel = $3")
            .bind(k.0).bind(id.0).bind(CHANNEL_TOKO).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if moved != 1 {
            return Err(conflict(
                "Penjualan ini sudah dibayar atau dibatalkan; tidak ada yang diubah.",
                "This sale is already paid or cancelled; nothing was changed.",
            ));
        }
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE payment_request SET state = 'dibatalkan', cancelled_at = $3, cancel_reason = $4
             WHERE koperasi_id = $1 AND id = (SELECT payment_request_id FROM market_checkout WHERE koperasi_id = $1 AND id = $2)
               AND state = 'menunggu'")
            .bind(k.0).bind(id.0).bind(now()).bind("Penjualan toko dibatalkan kasir")
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        release_orders(&mut tx, k, id, &actor.name).await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "market_checkout",
            &id.to_string(),
            Action::Update,
            &diff([(
                "state",
                Some("menunggu".to_string()),
                Some("dibatalkan".to_string()),
            )]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.counter_sale_view(id).await
    }

    /// This coop's counter sales made on `day` (the coop's calendar), newest first, at most
    /// 500.
    pub async fn counter_sales_on(&self, day: Date) -> StoreResult<Vec<CounterSaleRow>> {
        let zone: String = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT timezone FROM koperasi WHERE id = $1")
            .bind(self.koperasi_id.0).fetch_one(p).await)?;
        let offset = guyub_core::coop::CoopTimeZone::parse(&zone)
            .ok_or_else(|| StoreError::corrupt(format!("time zone {zone}")))?
            .offset();
        let from = day.with_time(Time::MIDNIGHT).assume_offset(offset);
        let to = from + time::Duration::days(1);
        type Row = (
            Uuid,
            Option<String>,
            String,
            Option<String>,
            String,
            i64,
            String,
            OffsetDateTime,
        );
        let rows: Vec<Row> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, receipt_no, buyer_name, cashier_name, pay_method, total, state, created_at FROM market_checkout
             WHERE koperasi_id = $1 AND channel = $2 AND created_at >= $3 AND created_at < $4
             ORDER BY created_at DESC, id DESC LIMIT 500")
            .bind(self.koperasi_id.0).bind(CHANNEL_TOKO)
            .bind(from.to_offset(time::UtcOffset::UTC)).bind(to.to_offset(time::UtcOffset::UTC))
            .fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(CounterSaleRow {
                    id: CheckoutId(r.0),
                    receipt_no: r.1.unwrap_or_default(),
                    buyer_name: r.2,
                    cashier_name: r.3.unwrap_or_default(),
                    pay_method: CheckoutPay::parse(&r.4)
                        .ok_or_else(|| StoreError::corrupt(format!("pay method {}", r.4)))?,
                    total: r.5,
                    state: r.6,
                    created_at: r.7,
                })
            })
            .collect()
    }
}

/// The cashier's name as a receipt shows it: an actor's name is "Name <e-mail>".
fn cashier_name(actor: &str) -> String {
    actor
        .split(" <")
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect()
}

/// Hands over the orders of a counter sale just paid (`dibayar → diterima`, with an event):
/// the buyer takes the goods at the counter. Called by the payment of every checkout, in its
/// transaction; does nothing for an online checkout.
pub(crate) async fn hand_over_tx(
    tx: &mut Tx<'_>,
    actor: &Actor,
    ck: KoperasiId,
    cid: CheckoutId,
    t: OffsetDateTime,
) -> StoreResult<()> {
    let channel: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT channel FROM market_checkout WHERE koperasi_id = $1 AND id = $2")
        .bind(ck.0).bind(cid.0).fetch_optional(&mut **c).await)?;
    if channel.as_deref() != Some(CHANNEL_TOKO) {
        return Ok(());
    }
    let orders: Vec<(Uuid, String, String)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT o.id, o.order_no, s.name FROM market_order o
         JOIN market_seller s ON s.koperasi_id = o.koperasi_id AND s.id = o.seller_id
         WHERE o.checkout_koperasi_id = $1 AND o.checkout_id = $2 AND o.koperasi_id = $1 AND o.status = 'dibayar'")
        .bind(ck.0).bind(cid.0).fetch_all(&mut **c).await)?;
    let mut script = Script::new();
    let mut by_no: BTreeMap<String, (Uuid, String)> = BTreeMap::new();
    for (id, no, seller) in orders {
        by_no.insert(no, (id, seller));
    }
    for (no, (id, seller)) in by_no {
        script.push(
            "UPDATE market_order SET status = 'diterima', updated_at = $3
             WHERE koperasi_id = $1 AND id = $2 AND status = 'dibayar'",
            vec![ck.0.into(), id.into(), t.into()],
            1,
        );
        let msg = status_message(&no, OrderStatus::Diterima, &seller, None);
        push_event(
            &mut script,
            ck,
            guyub_core::ids::OrderId(id),
            OrderStatus::Dibayar.as_str(),
            OrderStatus::Diterima,
            OrderActor::CoopStaff,
            &actor.name,
            &msg,
            t,
        );
    }
    if !script.run(tx).await? {
        return Err(StoreError::corrupt(
            "a counter order changed while handed over",
        ));
    }
    Ok(())
}
