//! Members' savings (simpanan): products, accounts, deposits and withdrawals, receipts, the
//! passbook, and idempotency for every request that moves money.
//!
//! Every movement writes the savings transaction and its balanced journal entry in one
//! database transaction. A withdrawal is a conditional update (`balance - amount >= minimum`),
//! so two cashiers withdrawing from one account at the same instant can never take it below
//! its minimum and no update is lost, on either engine.

use guyub_core::Msg;
use guyub_core::ids::{AccountId, KoperasiId, MemberId, ProductId, ReceiptId, SavingsTxId};
use guyub_core::ledger::{AccountRole, LineInput};
use guyub_core::money::Rupiah;
use guyub_core::savings::{PayMethod, SavingsKind, TxKind};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::ledger::{self, NewEntry, Source};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A savings product of a coop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub account_id: AccountId,
    pub min_balance: i64,
    pub term_months: Option<i64>,
    pub active: bool,
}

impl Product {
    pub fn kind(&self) -> SavingsKind {
        SavingsKind::parse(&self.kind).unwrap_or(SavingsKind::Lain)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) account_id: Uuid,
    pub(crate) min_balance: i64,
    pub(crate) term_months: Option<i64>,
    pub(crate) active: bool,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Self {
        Product {
            id: ProductId(r.id),
            code: r.code,
            name: r.name,
            kind: r.kind,
            account_id: AccountId(r.account_id),
            min_balance: r.min_balance,
            term_months: r.term_months,
            active: r.active,
        }
    }
}

/// The standard products every coop starts with, and the account roles they post to.
const STANDARD_PRODUCTS: [(&str, &str, SavingsKind, AccountRole); 3] = [
    (
        "POKOK",
        "Simpanan pokok",
        SavingsKind::Pokok,
        AccountRole::SimpananPokok,
    ),
    (
        "WAJIB",
        "Simpanan wajib",
        SavingsKind::Wajib,
        AccountRole::SimpananWajib,
    ),
    (
        "SUKARELA",
        "Simpanan sukarela",
        SavingsKind::Sukarela,
        AccountRole::SimpananSukarela,
    ),
];

/// Creates a new coop's books in `tx`: the standard chart of accounts and the three standard
/// savings products.
pub async fn setup_books(tx: &mut Tx<'_>, k: KoperasiId) -> StoreResult<()> {
    ledger::create_chart(tx, k).await?;
    let t = now();
    for (code, name, kind, role) in STANDARD_PRODUCTS {
        let account = ledger::role_account(tx, k, role).await?;
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO savings_product (koperasi_id, id, code, name, kind, account_id, min_balance, term_months, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7, $8)")
            .bind(k.0).bind(ProductId::new().0).bind(code).bind(name).bind(kind.as_str()).bind(account.0)
            .bind(true).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// One movement to post.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Movement {
    pub product: ProductId,
    /// Deposit or withdrawal (corrections and refunds have their own operations).
    pub kind: String,
    pub amount: Rupiah,
}

/// A posted savings transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavingsTx {
    pub id: SavingsTxId,
    pub member_id: MemberId,
    pub product_id: ProductId,
    pub product_name: String,
    pub date: Date,
    pub kind: String,
    /// Signed: positive into the member's savings, negative out of it.
    pub amount: i64,
    pub balance_after: i64,
    pub method: Option<String>,
    pub entry_id: Uuid,
    pub receipt_id: Option<ReceiptId>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct TxRow {
    id: Uuid,
    member_id: Uuid,
    product_id: Uuid,
    product_name: String,
    tx_date: Date,
    kind: String,
    amount: i64,
    balance_after: i64,
    method: Option<String>,
    entry_id: Uuid,
    receipt_id: Option<Uuid>,
    note: Option<String>,
    created_by: String,
    created_at: OffsetDateTime,
}

impl From<TxRow> for SavingsTx {
    fn from(r: TxRow) -> Self {
        SavingsTx {
            id: SavingsTxId(r.id),
            member_id: MemberId(r.member_id),
            product_id: ProductId(r.product_id),
            product_name: r.product_name,
            date: r.tx_date,
            kind: r.kind,
            amount: r.amount,
            balance_after: r.balance_after,
            method: r.method,
            entry_id: r.entry_id,
            receipt_id: r.receipt_id.map(ReceiptId),
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

const TX_SELECT: &str = "SELECT t.id, t.member_id, t.product_id, p.name AS product_name, t.tx_date, t.kind, t.amount,
        t.balance_after, t.method, t.entry_id, t.receipt_id, t.note, t.created_by, t.created_at
     FROM savings_tx t JOIN savings_product p ON p.koperasi_id = t.koperasi_id AND p.id = t.product_id";

/// A receipt: what a member paid or took at the counter in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReceiptId,
    pub receipt_no: String,
    pub member_id: MemberId,
    pub total: i64,
    pub method: String,
    pub cashier: String,
    pub created_at: OffsetDateTime,
    pub lines: Vec<SavingsTx>,
}

/// A member's balance in one product.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceLine {
    pub product: Product,
    pub balance: i64,
    /// A time deposit's maturity date (from which it may be withdrawn); `None` for the
    /// other kinds and before the account is opened.
    pub maturity_date: Option<Date>,
}

/// A request to take payments (or pay out) at the counter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CounterRequest {
    pub member: MemberId,
    pub method: String,
    pub date: Date,
    pub movements: Vec<Movement>,
    pub note: Option<String>,
}

impl Tenant<'_> {
    /// The coop's products as recently read (see [`crate::recent`]): for checking a counter
    /// request's products before it is sent to the desk, which reads them again.
    pub async fn products_recent(&self) -> StoreResult<std::sync::Arc<Vec<Product>>> {
        if let Some(p) = self.recent.products(self.koperasi_id) {
            return Ok(p);
        }
        let read_at = std::time::Instant::now();
        let p = std::sync::Arc::new(self.products().await?);
        self.recent
            .keep_products(self.koperasi_id, read_at, p.clone());
        Ok(p)
    }

    pub async fn products(&self) -> StoreResult<Vec<Product>> {
        let rows: Vec<ProductRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, code, name, kind, account_id, min_balance, term_months, active FROM savings_product
             WHERE koperasi_id = $1 ORDER BY created_at, code")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        let mut products: Vec<Product> = rows.into_iter().map(Product::from).collect();
        // Pokok, wajib, sukarela, then the coop's own products: the order of a passbook.
        let rank = |p: &Product| match p.kind() {
            SavingsKind::Pokok => 0,
            SavingsKind::Wajib => 1,
            SavingsKind::Sukarela => 2,
            SavingsKind::Berjangka => 3,
            SavingsKind::Lain => 4,
        };
        products.sort_by_key(|p| rank(p));
        Ok(products)
    }

    /// A member's balance in every product (zero where they have no account yet).
    pub async fn balances(&self, member: MemberId) -> StoreResult<Vec<BalanceLine>> {
        let products = self.products().await?;
        let rows: Vec<(Uuid, i64, Option<Date>)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT product_id, balance, maturity_date FROM savings_account WHERE koperasi_id = $1 AND member_id = $2")
            .bind(self.koperasi_id.0).bind(member.0).fetch_all(p).await)?;
        Ok(products
            .into_iter()
            .map(|p| {
                let (balance, maturity_date) = rows
                    .iter()
                    .find(|(id, _, _)| *id == p.id.0)
                    .map(|(_, b, m)| (*b, *m))
                    .unwrap_or((0, None));
                BalanceLine {
                    product: p,
                    balance,
                    maturity_date,
                }
            })
            .collect())
    }

    /// Posts opening balances (a coop moving to Guyub in the middle of its life): one journal
    /// entry, Cr each product's account with its total and Dr opening-balance equity, and one
    /// opening transaction per member and product. All or nothing.
    pub async fn post_opening_balances(
        &self,
        actor: &Actor,
        date: Date,
        rows: &[(MemberId, ProductId, Rupiah)],
    ) -> StoreResult<usize> {
        let products = self.products().await?;
        let mut tx = self.db.begin_write().await?;
        let n = self
            .opening_balances_tx(&mut tx, actor, date, rows, &products)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// [`Tenant::post_opening_balances`] inside a caller's transaction.
    pub async fn opening_balances_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        date: Date,
        rows: &[(MemberId, ProductId, Rupiah)],
        products: &[Product],
    ) -> StoreResult<usize> {
        let k = self.koperasi_id;
        let mut per_account: std::collections::BTreeMap<AccountId, i64> =
            std::collections::BTreeMap::new();
        for (_, product, amount) in rows {
            let p = products
                .iter()
                .find(|p| p.id == *product)
                .ok_or(StoreError::NotFound)?;
            if amount.0 <= 0 {
                return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                    "amount",
                    Msg::new(
                        "Saldo awal harus lebih dari nol.",
                        "An opening balance must be more than zero.",
                    ),
                )]));
            }
            *per_account.entry(p.account_id).or_default() += amount.0;
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let equity = ledger::role_account(&mut *tx, k, AccountRole::OpeningBalanceEquity).await?;
        let total: i64 = per_account.values().sum();
        let mut lines: Vec<LineInput> = per_account
            .iter()
            .map(|(a, v)| LineInput {
                account: *a,
                debit: Rupiah::ZERO,
                credit: Rupiah(*v),
                memo: None,
            })
            .collect();
        lines.push(LineInput {
            account: equity,
            debit: Rupiah(total),
            credit: Rupiah::ZERO,
            memo: None,
        });
        let (entry_id, _) = ledger::post(
            &mut *tx,
            k,
            actor,
            &NewEntry {
                date,
                description: format!("Saldo awal simpanan anggota ({} baris)", rows.len()),
                reference: None,
                source: Source::Opening,
                source_id: None,
                reverses: None,
                lines,
            },
        )
        .await?;
        let t = now();
        for (member, product, amount) in rows {
            let acc = open_account(&mut *tx, k, *member, *product, date).await?;
            let after: i64 = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "UPDATE savings_account SET balance = balance + $3 WHERE koperasi_id = $1 AND id = $2 RETURNING balance")
                .bind(k.0).bind(acc).bind(amount.0).fetch_one(&mut **c).await)?;
            on_tx!(&mut *tx, c => sqlx::query(
                "INSERT INTO savings_tx (koperasi_id, id, savings_account_id, member_id, product_id, tx_date, kind, amount,
                   balance_after, method, entry_id, receipt_id, note, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, NULL, $11, $12)")
                .bind(k.0).bind(SavingsTxId::new().0).bind(acc).bind(member.0).bind(product.0).bind(date)
                .bind(TxKind::Opening.as_str()).bind(amount.0).bind(after).bind(entry_id.0).bind(&actor.name).bind(t)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        let changes = diff([
            ("rows", None, Some(rows.len().to_string())),
            ("total", None, Some(total.to_string())),
        ]);
        audit::record(
            &mut *tx,
            k,
            actor,
            "journal_entry",
            &entry_id.to_string(),
            Action::Import,
            &changes,
        )
        .await?;
        Ok(rows.len())
    }

    /// Opens a write transaction on this coop's database (for bulk loads that call the `_tx`
    /// operations many times, such as the demo).
    pub async fn begin(&self) -> StoreResult<Tx<'static>> {
        Ok(self.db.begin_write().await?)
    }

    /// A member's balance in one product, inside a transaction (0 if no account yet).
    pub async fn balance_tx(
        &self,
        tx: &mut Tx<'_>,
        member: MemberId,
        product: ProductId,
    ) -> StoreResult<i64> {
        let b: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT balance FROM savings_account WHERE koperasi_id = $1 AND member_id = $2 AND product_id = $3")
            .bind(self.koperasi_id.0).bind(member.0).bind(product.0).fetch_optional(&mut **c).await)?;
        Ok(b.unwrap_or(0))
    }

    pub async fn receipt(&self, id: ReceiptId) -> StoreResult<Receipt> {
        let k = self.koperasi_id;
        let row: Option<(String, Uuid, i64, String, String, OffsetDateTime)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT receipt_no, member_id, total, method, cashier, created_at FROM receipt WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).fetch_optional(p).await)?;
        let (receipt_no, member, total, method, cashier, created_at) =
            row.ok_or(StoreError::NotFound)?;
        let sql = format!(
            "{TX_SELECT} WHERE t.koperasi_id = $1 AND t.receipt_id = $2 ORDER BY t.created_at, t.id"
        );
        let lines: Vec<TxRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(k.0).bind(id.0).fetch_all(p).await)?;
        Ok(Receipt {
            id,
            receipt_no,
            member_id: MemberId(member),
            total,
            method,
            cashier,
            created_at,
            lines: lines.into_iter().map(SavingsTx::from).collect(),
        })
    }

    /// A member's passbook for one product: every transaction with the balance after it,
    /// oldest first (`limit` most recent when given).
    pub async fn passbook(
        &self,
        member: MemberId,
        product: ProductId,
    ) -> StoreResult<Vec<SavingsTx>> {
        let sql = format!(
            "{TX_SELECT} WHERE t.koperasi_id = $1 AND t.member_id = $2 AND t.product_id = $3 ORDER BY t.tx_date, t.created_at, t.id"
        );
        let rows: Vec<TxRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(member.0).bind(product.0).fetch_all(p).await)?;
        Ok(rows.into_iter().map(SavingsTx::from).collect())
    }
}

async fn open_account(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    member: MemberId,
    product: ProductId,
    on: Date,
) -> StoreResult<Uuid> {
    // A time deposit's maturity: its product's term after the account opens.
    let term: Option<(String, Option<i64>)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT kind, term_months FROM savings_product WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(product.0).fetch_optional(&mut **c).await)?;
    let maturity = match term {
        Some((kind, Some(months))) if kind == SavingsKind::Berjangka.as_str() => {
            add_months(on, months)
        }
        _ => None,
    };
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO savings_account (koperasi_id, id, member_id, product_id, balance, opened_on, maturity_date) VALUES ($1, $2, $3, $4, 0, $5, $6)
         ON CONFLICT (koperasi_id, member_id, product_id) DO NOTHING")
        .bind(k.0).bind(Uuid::now_v7()).bind(member.0).bind(product.0).bind(on).bind(maturity).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    let id: Uuid = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT id FROM savings_account WHERE koperasi_id = $1 AND member_id = $2 AND product_id = $3")
        .bind(k.0).bind(member.0).bind(product.0).fetch_one(&mut **c).await)?;
    Ok(id)
}

// =============================================================================================
// Coop-defined products, the simpanan wajib arrears list, the daily cash closing and the
// settlement of a member who leaves.

/// The date `months` calendar months after `d`, keeping the day where that month has it and
/// taking the month's last day where it does not (31 January + 1 month = 28 or 29 February).
/// `None` past the calendar's end or for a negative count.
pub fn add_months(d: Date, months: i64) -> Option<Date> {
    if months < 0 {
        return None;
    }
    let index = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).ok()
}

/// When an account of `p` opened on `opened` matures: its term later for a time deposit,
/// never for the other kinds.
pub(crate) fn maturity_of(p: &Product, opened: Date) -> Option<Date> {
    if p.kind() == SavingsKind::Berjangka {
        p.term_months.and_then(|m| add_months(opened, m))
    } else {
        None
    }
}

/// The longest a time deposit's term may be, in months.
pub const MAX_TERM_MONTHS: i64 = 120;

/// Checks a coop-defined product before it is stored and returns its cleaned code and name.
///
/// The code: 2–12 letters A–Z and digits (typed lower case is raised); the name: 2–100
/// characters of plain text; the kind: sukarela (withdrawable at any time, e.g. simpanan hari
/// raya), berjangka (a time deposit) or lain (equity-like, returned on leaving), since pokok
/// and wajib are the coop's standard products; a minimum balance of 0 or more; a term of
/// 1–120 months for berjangka and none for the other kinds. Every problem is reported.
pub fn check_product(
    code: &str,
    name: &str,
    kind: Option<SavingsKind>,
    min_balance: Rupiah,
    term_months: Option<i64>,
) -> Result<(String, String), Vec<guyub_core::FieldError>> {
    use guyub_core::FieldError;
    let mut errors = vec![];
    let code = code.trim().to_ascii_uppercase();
    if code.len() < 2
        || code.len() > 12
        || !code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        errors.push(FieldError::new(
            "code",
            Msg::new(
                "Kode produk 2–12 huruf A–Z dan angka, tanpa spasi (contoh: HARIRAYA).",
                "The product code is 2–12 letters A–Z and digits, no spaces (example: HARIRAYA).",
            ),
        ));
    }
    let name = match guyub_core::member::clean_text(name, "name", 100) {
        Ok(n) if n.chars().count() >= 2 => n,
        Ok(_) => {
            errors.push(FieldError::new(
                "name",
                Msg::new(
                    "Tulis nama produk (paling sedikit 2 huruf).",
                    "Enter the product's name (at least 2 characters).",
                ),
            ));
            String::new()
        }
        Err(e) => {
            errors.push(e);
            String::new()
        }
    };
    match kind {
        Some(SavingsKind::Sukarela | SavingsKind::Berjangka | SavingsKind::Lain) => {}
        _ => errors.push(FieldError::new(
            "kind",
            Msg::new(
                "Pilih jenis produk: sukarela, berjangka atau lain (pokok dan wajib sudah ada).",
                "Choose the product's kind: sukarela, berjangka or lain (pokok and wajib exist already).",
            ),
        )),
    }
    if min_balance.0 < 0 {
        errors.push(FieldError::new(
            "min_balance",
            Msg::new(
                "Saldo minimum tidak boleh negatif.",
                "The minimum balance cannot be negative.",
            ),
        ));
    }
    match (kind, term_months) {
        (Some(SavingsKind::Berjangka), Some(t)) if (1..=MAX_TERM_MONTHS).contains(&t) => {}
        (Some(SavingsKind::Berjangka), _) => errors.push(FieldError::new(
            "term_months",
            Msg::new(
                format!("Simpanan berjangka perlu jangka waktu 1–{MAX_TERM_MONTHS} bulan."),
                format!("A time deposit needs a term of 1–{MAX_TERM_MONTHS} months."),
            ),
        )),
        (_, Some(_)) => errors.push(FieldError::new(
            "term_months",
            Msg::new(
                "Jangka waktu hanya untuk simpanan berjangka; kosongkan.",
                "A term is only for time deposits; leave it empty.",
            ),
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok((code, name))
    } else {
        Err(errors)
    }
}

/// One active member who owes simpanan wajib.
#[derive(Debug, Clone, Serialize)]
pub struct ArrearsRow {
    pub member_id: MemberId,
    pub member_no: String,
    pub name: String,
    pub joined_on: Date,
    /// Wajib paid so far (the balance of the member's wajib products).
    pub paid: i64,
    pub months_owed: u32,
    pub rupiah_owed: i64,
}

/// The arrears list: one page of members in arrears (most owed first) and the totals of all.
#[derive(Debug, Clone, Serialize)]
pub struct ArrearsList {
    pub rows: Vec<ArrearsRow>,
    pub has_more: bool,
    /// Members in arrears, all pages.
    pub members: usize,
    /// Rupiah owed, all pages.
    pub total_owed: i64,
    /// Months owed, all pages.
    pub total_months: u64,
    /// The monthly wajib used (from the bylaws in force).
    pub monthly: i64,
}

/// What a cashier's drawer should hold for one day: their cash receipts at the savings
/// counter, and the marketplace payments they took in cash (store counter sales, "cash at
/// pickup" and cash-on-delivery orders they marked paid).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ExpectedCash {
    pub cash_in: i64,
    pub cash_out: i64,
    pub receipts: i64,
    /// Marketplace cash taken by this cashier that day (goods and shipping).
    pub store_cash: i64,
    /// How many marketplace checkouts that is.
    pub store_sales: i64,
}

impl ExpectedCash {
    pub fn expected(&self) -> i64 {
        self.cash_in - self.cash_out + self.store_cash
    }
}

/// Marketplace cash a cashier took in `[$3, $4)`: checkouts paid by them with a cash method
/// (`$5`, `$6`). A refund later is paid out by whoever does it and shows in the Kas book, not
/// in this drawer.
const STORE_CASH_SQL: &str = "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT)
     FROM market_checkout
     WHERE koperasi_id = $1 AND paid_by = $2 AND paid_at >= $3 AND paid_at < $4 AND pay_method IN ($5, $6)";

/// The instants a coop's calendar day `date` runs between.
fn day_bounds(date: Date, offset: time::UtcOffset) -> (OffsetDateTime, OffsetDateTime) {
    let start = guyub_core::market::dashboard::day_start_utc(date, offset);
    (start, start + time::Duration::days(1))
}

const CASH_METHODS: [crate::market::order::CheckoutPay; 2] = [
    crate::market::order::CheckoutPay::CashAtPickup,
    crate::market::order::CheckoutPay::Cod,
];

/// A cashier's closing of one day.
#[derive(Debug, Clone, Serialize)]
pub struct CashClosing {
    pub id: Uuid,
    pub cashier_id: guyub_core::ids::UserId,
    pub date: Date,
    pub expected: i64,
    pub counted: i64,
    /// Counted − expected: positive a surplus, negative a shortage.
    pub difference: i64,
    pub reason: Option<String>,
    pub entry_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

type ClosingRow = (
    Uuid,
    Uuid,
    Date,
    i64,
    i64,
    i64,
    Option<String>,
    Option<Uuid>,
    OffsetDateTime,
);

fn closing_of(r: ClosingRow) -> CashClosing {
    CashClosing {
        id: r.0,
        cashier_id: guyub_core::ids::UserId(r.1),
        date: r.2,
        expected: r.3,
        counted: r.4,
        difference: r.5,
        reason: r.6,
        entry_id: r.7,
        created_at: r.8,
    }
}

/// A refund paid out later, from the refunds payable account.
#[derive(Debug, Clone, Serialize)]
pub struct Payout {
    pub entry_no: i64,
    pub date: Date,
    pub method: Option<PayMethod>,
}

/// The settlement statement of a leaving member: what they had in each product and what the
/// coop pays them; before the settlement, what it would be today.
#[derive(Debug, Clone, Serialize)]
pub struct LeavingStatement {
    pub settled: bool,
    pub settlement: guyub_core::savings::Settlement,
    /// The journal entry of the settlement (none when there was nothing to refund).
    pub entry_no: Option<i64>,
    /// Paid at the settlement, and how; `None` = owed through the refunds payable account.
    pub paid_now: Option<PayMethod>,
    /// What is owed through the refunds payable account (0 when paid at once).
    pub payable: i64,
    /// The later payment of the payable, once made.
    pub payout: Option<Payout>,
}

impl LeavingStatement {
    /// Whether a refund is still owed to the member.
    pub fn unpaid(&self) -> bool {
        self.settled && self.payable > 0 && self.payout.is_none()
    }
}

/// Where a settlement stands, as stored in `member_settlement.state`.
mod settlement_state {
    /// The refund is owed through the refunds payable account.
    pub const OWED: &str = "owed";
    /// The refund was paid, at the settlement or later.
    pub const PAID: &str = "paid";
    /// The member had no savings: nothing to refund.
    pub const NONE: &str = "none";
}

/// A `member_settlement` row as the statement reads it.
#[derive(sqlx::FromRow)]
struct SettlementRow {
    refund: i64,
    method: Option<String>,
    entry_no: Option<i64>,
    paid_on: Option<Date>,
    paid_method: Option<String>,
    paid_entry_no: Option<i64>,
}

fn rank_of(kind: SavingsKind) -> u8 {
    match kind {
        SavingsKind::Pokok => 0,
        SavingsKind::Wajib => 1,
        SavingsKind::Sukarela => 2,
        SavingsKind::Berjangka => 3,
        SavingsKind::Lain => 4,
    }
}

impl Tenant<'_> {
    /// Adds a coop-defined savings product with its own ledger account, in one transaction:
    /// sukarela and berjangka products are liabilities, their account the next free `21xx`
    /// under 21 Kewajiban jangka pendek; lain products are equity, the next free `31xx` under
    /// 3 Ekuitas. Checked by [`check_product`]; a code already used is a Conflict. Audited.
    pub async fn add_product(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        kind: SavingsKind,
        min_balance: Rupiah,
        term_months: Option<i64>,
    ) -> StoreResult<Product> {
        let k = self.koperasi_id;
        let (code, name) = check_product(code, name, Some(kind), min_balance, term_months)
            .map_err(StoreError::Invalid)?;
        let prefix: u32 = if kind.is_equity() { 31 } else { 21 };
        let mut tx = self.db.begin_write().await?;
        let taken: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM savings_product WHERE koperasi_id = $1 AND code = $2")
            .bind(k.0).bind(&code).fetch_optional(&mut **c).await)?;
        let code_taken = || {
            StoreError::Conflict(Msg::new(
                format!("Kode produk {code} sudah dipakai; pilih kode lain."),
                format!("Product code {code} is already used; choose another."),
            ))
        };
        if taken.is_some() {
            return Err(code_taken());
        }
        // The next free four-digit code under the prefix.
        let pattern = format!("{prefix}__");
        let used: Vec<String> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT code FROM account WHERE koperasi_id = $1 AND code LIKE $2")
            .bind(k.0).bind(&pattern).fetch_all(&mut **c).await)?;
        let next = used
            .iter()
            .filter(|c| c.len() == 4)
            .filter_map(|c| c.parse::<u32>().ok())
            .max()
            .map(|m| m + 1)
            .unwrap_or(prefix * 100 + 1);
        if next > prefix * 100 + 99 {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "Tidak ada kode akun {prefix}xx yang masih kosong; tambahkan akun lewat bagan akun."
                ),
                format!(
                    "No free account code {prefix}xx is left; add the account through the chart of accounts."
                ),
            )));
        }
        let account_code = next.to_string();
        let ac =
            guyub_core::ledger::AccountCode::parse(&account_code).map_err(StoreError::corrupt)?;
        // The parent: the longest header whose code is a prefix of the new one (21 for 21xx;
        // 3 for 31xx, unless the coop made a 31 header).
        let prefixes: Vec<String> = (1..account_code.len())
            .map(|n| account_code[..n].to_string())
            .collect();
        let headers: Vec<(Uuid, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, code FROM account WHERE koperasi_id = $1 AND is_header = $2 AND code IN ($3, $4, $5)")
            .bind(k.0).bind(true).bind(&prefixes[0]).bind(&prefixes[1]).bind(&prefixes[2])
            .fetch_all(&mut **c).await)?;
        let Some((parent, _)) = headers.into_iter().max_by_key(|(_, c)| c.len()) else {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "Bagan akun tidak punya akun kelompok untuk kode {account_code}; periksa bagan akun."
                ),
                format!(
                    "The chart of accounts has no header for code {account_code}; check the chart."
                ),
            )));
        };
        let account = AccountId::new();
        let t = now();
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO account (koperasi_id, id, code, name, class, parent_id, is_header, active, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9)")
            .bind(k.0).bind(account.0).bind(&account_code).bind(&name).bind(ac.class().as_str()).bind(parent)
            .bind(false).bind(true).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()));
        if let Err(e) = inserted {
            // Another product took the same account code at the same instant.
            return Err(crate::error::unique_as(StoreError::from(e), || {
                StoreError::Conflict(Msg::new(
                    "Kode akun baru bentrok dengan penambahan lain pada saat yang sama; coba lagi.",
                    "The new account code collided with another addition at the same instant; try again.",
                ))
            }));
        }
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO account_balance (koperasi_id, account_id, debit, credit) VALUES ($1, $2, 0, 0)")
            .bind(k.0).bind(account.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let id = ProductId::new();
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO savings_product (koperasi_id, id, code, name, kind, account_id, min_balance, term_months, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(k.0).bind(id.0).bind(&code).bind(&name).bind(kind.as_str()).bind(account.0)
            .bind(min_balance.0).bind(term_months).bind(true).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()));
        if let Err(e) = inserted {
            return Err(crate::error::unique_as(StoreError::from(e), code_taken));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "account",
            &account.to_string(),
            Action::Create,
            &diff([
                ("code", None, Some(account_code.clone())),
                ("name", None, Some(name.clone())),
            ]),
        )
        .await?;
        audit::record(
            &mut tx,
            k,
            actor,
            "savings_product",
            &id.to_string(),
            Action::Create,
            &diff([
                ("code", None, Some(code.clone())),
                ("name", None, Some(name.clone())),
                ("kind", None, Some(kind.as_str().to_string())),
                ("account", None, Some(account_code.clone())),
                ("min_balance", None, Some(min_balance.0.to_string())),
                ("term_months", None, term_months.map(|m| m.to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.recent.forget(self.koperasi_id);
        Ok(Product {
            id,
            code,
            name,
            kind: kind.as_str().to_string(),
            account_id: account,
            min_balance: min_balance.0,
            term_months,
            active: true,
        })
    }

    /// Every active member in arrears on simpanan wajib on `today`, most owed first (then by
    /// member number), `limit` from `offset`, with the totals over all of them.
    ///
    /// One query reads each active member's join date and wajib balance (a member with no
    /// wajib account counts as 0 paid); the dues are the core's [`wajib_arrears`] at the
    /// monthly amount of the bylaws in force this year.
    ///
    /// [`wajib_arrears`]: guyub_core::savings::wajib_arrears
    pub async fn wajib_arrears_list(
        &self,
        today: Date,
        limit: usize,
        offset: usize,
    ) -> StoreResult<ArrearsList> {
        let k = self.koperasi_id;
        let (_, bylaws) = self.bylaws(today.year()).await?;
        let monthly = bylaws.simpanan_wajib_monthly;
        let rows: Vec<(Uuid, String, String, Date, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT m.id, m.member_no, m.name, m.joined_on, CAST(COALESCE(w.paid, 0) AS BIGINT)
             FROM member m
             LEFT JOIN (SELECT s.member_id, SUM(s.balance) AS paid FROM savings_account s
                        JOIN savings_product pr ON pr.koperasi_id = s.koperasi_id AND pr.id = s.product_id
                        WHERE s.koperasi_id = $1 AND pr.kind = $2
                        GROUP BY s.member_id) w ON w.member_id = m.id
             WHERE m.koperasi_id = $1 AND m.status = $3")
            .bind(k.0).bind(SavingsKind::Wajib.as_str()).bind("aktif").fetch_all(p).await)?;
        let mut owing: Vec<ArrearsRow> = rows
            .into_iter()
            .filter_map(|(id, member_no, name, joined_on, paid)| {
                let a = guyub_core::savings::wajib_arrears(joined_on, today, monthly, Rupiah(paid));
                a.rupiah_owed.is_positive().then_some(ArrearsRow {
                    member_id: MemberId(id),
                    member_no,
                    name,
                    joined_on,
                    paid,
                    months_owed: a.months_owed,
                    rupiah_owed: a.rupiah_owed.0,
                })
            })
            .collect();
        owing.sort_by(|a, b| {
            b.rupiah_owed
                .cmp(&a.rupiah_owed)
                .then_with(|| a.member_no.cmp(&b.member_no))
        });
        let members = owing.len();
        let total_owed = owing.iter().map(|r| r.rupiah_owed).sum();
        let total_months = owing.iter().map(|r| u64::from(r.months_owed)).sum();
        let has_more = members > offset.saturating_add(limit);
        let rows = owing.into_iter().skip(offset).take(limit).collect();
        Ok(ArrearsList {
            rows,
            has_more,
            members,
            total_owed,
            total_months,
            monthly: monthly.0,
        })
    }

    /// What `cashier`'s drawer should hold from `date`'s cash receipts: money in less money out.
    pub async fn expected_cash(
        &self,
        cashier: guyub_core::ids::UserId,
        date: Date,
    ) -> StoreResult<ExpectedCash> {
        let k = self.koperasi_id;
        let (cash_in, cash_out, receipts): (i64, i64, i64) = on_db!(self.db, p => sqlx::query_as(EXPECTED_SQL)
            .bind(k.0).bind(cashier.0).bind(date).bind(PayMethod::Cash.as_str())
            .fetch_one(p).await)?;
        let (from, to) = day_bounds(date, self.time_zone().await?.offset());
        let (store_cash, store_sales): (i64, i64) = on_db!(self.db, p => sqlx::query_as(STORE_CASH_SQL)
            .bind(k.0).bind(cashier.0).bind(from).bind(to)
            .bind(CASH_METHODS[0].as_str()).bind(CASH_METHODS[1].as_str())
            .fetch_one(p).await)?;
        Ok(ExpectedCash {
            cash_in,
            cash_out,
            receipts,
            store_cash,
            store_sales,
        })
    }

    /// `cashier`'s closing of `date`, if done.
    pub async fn cash_closing(
        &self,
        cashier: guyub_core::ids::UserId,
        date: Date,
    ) -> StoreResult<Option<CashClosing>> {
        let row: Option<ClosingRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, cashier_id, closing_date, expected, counted, difference, reason, entry_id, created_at
             FROM cash_closing WHERE koperasi_id = $1 AND cashier_id = $2 AND closing_date = $3")
            .bind(self.koperasi_id.0).bind(cashier.0).bind(date).fetch_optional(p).await)?;
        Ok(row.map(closing_of))
    }

    /// Closes `cashier`'s cash for `date`: the expected amount (their cash receipts of the
    /// day, read in this transaction), what was counted, and when they differ, the reason and
    /// one entry for the difference: a surplus Dr Kas − Cr Selisih kas, a shortage the
    /// reverse. One closing per cashier per day (a second is a Conflict). Audited.
    pub async fn close_cash(
        &self,
        actor: &Actor,
        cashier: guyub_core::ids::UserId,
        date: Date,
        counted: Rupiah,
        reason: Option<String>,
    ) -> StoreResult<CashClosing> {
        use guyub_core::FieldError;
        let k = self.koperasi_id;
        if counted.0 < 0 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "counted",
                Msg::new(
                    "Jumlah uang yang dihitung tidak boleh negatif.",
                    "The counted amount cannot be negative.",
                ),
            )]));
        }
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let already = || {
            StoreError::Conflict(Msg::new(
                format!(
                    "Kas kasir ini untuk tanggal {} sudah ditutup; penutupan kas hanya sekali sehari.",
                    guyub_core::fmt_id::tanggal(date, guyub_core::Lang::Id)
                ),
                format!(
                    "This cashier's cash for {} is already closed; cash is closed once a day.",
                    guyub_core::fmt_id::tanggal(date, guyub_core::Lang::En)
                ),
            ))
        };
        let mut tx = self.db.begin_write().await?;
        let done: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM cash_closing WHERE koperasi_id = $1 AND cashier_id = $2 AND closing_date = $3")
            .bind(k.0).bind(cashier.0).bind(date).fetch_optional(&mut **c).await)?;
        if done.is_some() {
            return Err(already());
        }
        let (cash_in, cash_out, _): (i64, i64, i64) = on_tx!(&mut tx, c => sqlx::query_as(EXPECTED_SQL)
            .bind(k.0).bind(cashier.0).bind(date).bind(PayMethod::Cash.as_str())
            .fetch_one(&mut **c).await)?;
        let offsets = crate::market::order::coop_offsets(&mut tx, &[k]).await?;
        let offset = offsets.get(&k).copied().ok_or(StoreError::NotFound)?;
        let (from, to) = day_bounds(date, offset);
        let (store_cash, _): (i64, i64) = on_tx!(&mut tx, c => sqlx::query_as(STORE_CASH_SQL)
            .bind(k.0).bind(cashier.0).bind(from).bind(to)
            .bind(CASH_METHODS[0].as_str()).bind(CASH_METHODS[1].as_str())
            .fetch_one(&mut **c).await)?;
        let expected = cash_in - cash_out + store_cash;
        let difference = counted.0 - expected;
        if difference != 0 && reason.is_none() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "reason",
                Msg::new(
                    format!(
                        "Uang yang dihitung berbeda {} dari yang seharusnya ({}); tuliskan alasannya.",
                        Rupiah(difference.abs()),
                        Rupiah(expected)
                    ),
                    format!(
                        "The counted cash differs by {} from what is expected ({}); give the reason.",
                        Rupiah(difference.abs()),
                        Rupiah(expected)
                    ),
                ),
            )]));
        }
        let id = Uuid::now_v7();
        let entry_id = if difference != 0 {
            let cash = ledger::role_account(&mut tx, k, AccountRole::Cash).await?;
            let over_short = ledger::role_account(&mut tx, k, AccountRole::CashOverShort).await?;
            let amount = Rupiah(difference.abs());
            let (debit, credit) = if difference > 0 {
                (cash, over_short)
            } else {
                (over_short, cash)
            };
            let (entry, _) = ledger::post(
                &mut tx,
                k,
                actor,
                &NewEntry {
                    date,
                    description: format!(
                        "Selisih kas {} kasir {}: {}",
                        if difference > 0 { "lebih" } else { "kurang" },
                        actor.name.split(" <").next().unwrap_or_default(),
                        reason.clone().unwrap_or_default()
                    ),
                    reference: None,
                    source: Source::CashClosing,
                    source_id: Some(id.to_string()),
                    reverses: None,
                    lines: vec![
                        LineInput {
                            account: debit,
                            debit: amount,
                            credit: Rupiah::ZERO,
                            memo: None,
                        },
                        LineInput {
                            account: credit,
                            debit: Rupiah::ZERO,
                            credit: amount,
                            memo: None,
                        },
                    ],
                },
            )
            .await?;
            Some(entry.0)
        } else {
            None
        };
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO cash_closing (koperasi_id, id, cashier_id, closing_date, expected, counted, difference, reason, entry_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(k.0).bind(id).bind(cashier.0).bind(date).bind(expected).bind(counted.0).bind(difference)
            .bind(&reason).bind(entry_id).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()));
        if let Err(e) = inserted {
            return Err(crate::error::unique_as(StoreError::from(e), already));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "cash_closing",
            &id.to_string(),
            Action::Create,
            &diff([
                ("cashier_id", None, Some(cashier.to_string())),
                ("closing_date", None, Some(date.to_string())),
                ("expected", None, Some(expected.to_string())),
                ("counted", None, Some(counted.0.to_string())),
                ("difference", None, Some(difference.to_string())),
                ("reason", None, reason.clone()),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.cash_closing(cashier, date)
            .await?
            .ok_or_else(|| StoreError::corrupt("cash closing not found after commit"))
    }

    /// The settlement statement of a member: as settled when they left, or (before that)
    /// what it would be with today's balances. Nothing is owed to the coop yet (loans come
    /// later), so the refund is the sum of the savings.
    pub async fn leaving_statement(&self, member: MemberId) -> StoreResult<LeavingStatement> {
        use guyub_core::savings::{SettlementLine, settle};
        let k = self.koperasi_id;
        let row: Option<SettlementRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT refund, method, entry_no, paid_on, paid_method, paid_entry_no
             FROM member_settlement WHERE koperasi_id = $1 AND member_id = $2")
            .bind(k.0).bind(member.0).fetch_optional(p).await)?;
        let Some(row) = row else {
            let lines = self
                .balances(member)
                .await?
                .into_iter()
                .filter(|b| b.balance != 0)
                .map(|b| SettlementLine {
                    kind: b.product.kind(),
                    product: b.product.name,
                    balance: Rupiah(b.balance),
                })
                .collect();
            return Ok(LeavingStatement {
                settled: false,
                settlement: settle(lines, Rupiah::ZERO),
                entry_no: None,
                paid_now: None,
                payable: 0,
                payout: None,
            });
        };
        // The statement's lines: the refund transactions, one per product.
        let rows: Vec<(String, String, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT p.name, p.kind, t.amount FROM savings_tx t
             JOIN savings_product p ON p.koperasi_id = t.koperasi_id AND p.id = t.product_id
             WHERE t.koperasi_id = $1 AND t.member_id = $2 AND t.kind = $3")
            .bind(k.0).bind(member.0).bind(TxKind::Refund.as_str()).fetch_all(p).await)?;
        let mut lines: Vec<SettlementLine> = rows
            .iter()
            .map(|(name, kind, amount)| SettlementLine {
                product: name.clone(),
                kind: SavingsKind::parse(kind).unwrap_or(SavingsKind::Lain),
                balance: Rupiah(-amount),
            })
            .collect();
        lines.sort_by_key(|l| rank_of(l.kind));
        let paid_now = row.method.as_deref().and_then(PayMethod::parse);
        let payout = match (row.paid_entry_no, row.paid_on) {
            (Some(entry_no), Some(date)) => Some(Payout {
                entry_no,
                date,
                method: row.paid_method.as_deref().and_then(PayMethod::parse),
            }),
            _ => None,
        };
        Ok(LeavingStatement {
            settled: true,
            settlement: settle(lines, Rupiah::ZERO),
            entry_no: row.entry_no,
            paid_now,
            payable: if paid_now.is_some() { 0 } else { row.refund },
            payout,
        })
    }

    /// Settles a member who leaves the coop, in one transaction: their status becomes
    /// berhenti (on `date`, for `reason`); one entry debits each product's account with the
    /// member's balance and credits cash, bank or QRIS clearing when the refund is paid now
    /// (`pay`), else the refunds payable account; a refund transaction brings every balance to
    /// 0, every savings account is closed, and the settlement is recorded in
    /// `member_settlement`. Refused for a member who is not active (or was settled before):
    /// nothing is written. Audited.
    pub async fn settle_member(
        &self,
        actor: &Actor,
        member: MemberId,
        date: Date,
        reason: &str,
        pay: Option<PayMethod>,
    ) -> StoreResult<LeavingStatement> {
        use guyub_core::member::MemberStatus;
        use guyub_core::savings::{SettlementLine, settle};
        let k = self.koperasi_id;
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "reason",
                Msg::new("Tuliskan alasan berhenti.", "Give the reason for leaving."),
            )]));
        }
        let products = self.products().await?;
        let not_active = || {
            StoreError::Conflict(Msg::new(
                "Anggota ini sudah tidak aktif atau sudah diselesaikan; penyelesaian keluar hanya sekali, untuk anggota aktif.",
                "This member is no longer active or was settled already; a member is settled once, while active.",
            ))
        };
        let mut tx = self.db.begin_write().await?;
        let joined: Option<Date> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT joined_on FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(member.0).fetch_optional(&mut **c).await)?;
        let joined = joined.ok_or(StoreError::NotFound)?;
        if date < joined {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "date",
                Msg::new(
                    "Tanggal keluar tidak boleh sebelum tanggal masuk.",
                    "The leaving date cannot be before the joining date.",
                ),
            )]));
        }
        // The member first: a conditional update, so a second settlement waits here and then
        // finds the member no longer active.
        if !self
            .set_member_status_tx(
                &mut tx,
                actor,
                member,
                MemberStatus::Aktif,
                MemberStatus::Berhenti,
                Some(date),
                Some(reason.clone()),
            )
            .await?
        {
            return Err(not_active());
        }
        let accounts: Vec<(Uuid, Uuid, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, product_id, balance FROM savings_account WHERE koperasi_id = $1 AND member_id = $2 AND closed_on IS NULL")
            .bind(k.0).bind(member.0).fetch_all(&mut **c).await)?;
        let mut held: Vec<(Uuid, &Product, i64)> = vec![];
        for (acc, product, balance) in &accounts {
            let p = products
                .iter()
                .find(|p| p.id.0 == *product)
                .ok_or_else(|| StoreError::corrupt("savings account of an unknown product"))?;
            held.push((*acc, p, *balance));
        }
        held.sort_by_key(|(_, p, _)| rank_of(p.kind()));
        let lines: Vec<SettlementLine> = held
            .iter()
            .filter(|(_, _, b)| *b != 0)
            .map(|(_, p, b)| SettlementLine {
                product: p.name.clone(),
                kind: p.kind(),
                balance: Rupiah(*b),
            })
            .collect();
        let s = settle(lines, Rupiah::ZERO);
        let member_no: String = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT member_no FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(member.0).fetch_one(&mut **c).await)?;
        let entry = if s.refund.is_positive() {
            let mut per_account: std::collections::BTreeMap<AccountId, (i64, String)> =
                std::collections::BTreeMap::new();
            for (_, p, b) in held.iter().filter(|(_, _, b)| *b > 0) {
                let e = per_account
                    .entry(p.account_id)
                    .or_insert((0, p.name.clone()));
                e.0 += *b;
            }
            let mut entry_lines: Vec<LineInput> = per_account
                .into_iter()
                .map(|(account, (amount, name))| LineInput {
                    account,
                    debit: Rupiah(amount),
                    credit: Rupiah::ZERO,
                    memo: Some(name),
                })
                .collect();
            let role = pay
                .map(|m| m.account_role())
                .unwrap_or(AccountRole::MemberRefundPayable);
            let money = ledger::role_account(&mut tx, k, role).await?;
            entry_lines.push(LineInput {
                account: money,
                debit: Rupiah::ZERO,
                credit: s.refund,
                memo: None,
            });
            let (id, no) = ledger::post(
                &mut tx,
                k,
                actor,
                &NewEntry {
                    date,
                    description: format!("Penyelesaian keluar anggota {member_no}: {reason}"),
                    reference: Some(format!("PK-{member_no}")),
                    source: Source::Settlement,
                    source_id: Some(member.to_string()),
                    reverses: None,
                    lines: entry_lines,
                },
            )
            .await?;
            Some((id, no))
        } else {
            None
        };
        let t = now();
        for (acc, p, balance) in &held {
            let n = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE savings_account SET balance = 0, closed_on = $3 WHERE koperasi_id = $1 AND id = $2 AND balance = $4")
                .bind(k.0).bind(*acc).bind(date).bind(*balance).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                return Err(StoreError::Conflict(Msg::new(
                    "Saldo simpanan anggota ini berubah selama penyelesaian; coba lagi.",
                    "This member's savings changed during the settlement; try again.",
                )));
            }
            if *balance == 0 {
                continue;
            }
            let (entry_id, _) =
                entry.ok_or_else(|| StoreError::corrupt("refund without an entry"))?;
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO savings_tx (koperasi_id, id, savings_account_id, member_id, product_id, tx_date, kind, amount,
                   balance_after, method, entry_id, receipt_id, note, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, NULL, $11, $12, $13)")
                .bind(k.0).bind(SavingsTxId::new().0).bind(*acc).bind(member.0).bind(p.id.0).bind(date)
                .bind(TxKind::Refund.as_str()).bind(-*balance).bind(pay.map(|m| m.as_str())).bind(entry_id.0)
                .bind(Some(reason.clone())).bind(&actor.name).bind(t)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        // The settlement's own record; its primary key refuses a second one.
        let state = match (s.refund.is_positive(), pay) {
            (false, _) => settlement_state::NONE,
            (true, Some(_)) => settlement_state::PAID,
            (true, None) => settlement_state::OWED,
        };
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO member_settlement (koperasi_id, member_id, state, settled_on, refund, method, entry_id, entry_no,
               paid_on, paid_method, paid_entry_id, paid_entry_no, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL, NULL, $9, $9)")
            .bind(k.0).bind(member.0).bind(state).bind(date).bind(s.refund.0)
            .bind(pay.filter(|_| s.refund.is_positive()).map(|m| m.as_str()))
            .bind(entry.map(|(id, _)| id.0)).bind(entry.map(|(_, no)| no)).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()));
        if let Err(e) = inserted {
            return Err(crate::error::unique_as(StoreError::from(e), not_active));
        }
        audit::record(
            &mut tx,
            k,
            actor,
            "settlement",
            &member.to_string(),
            Action::Create,
            &diff([
                ("date", None, Some(date.to_string())),
                ("refund", None, Some(s.refund.0.to_string())),
                (
                    "paid",
                    None,
                    Some(pay.map(|m| m.as_str()).unwrap_or("utang").to_string()),
                ),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.leaving_statement(member).await
    }

    /// Pays a settlement's refund that was left owing: Dr refunds payable − Cr cash (or bank,
    /// or QRIS clearing), once. Refused when the member was not settled, the refund was paid
    /// at the settlement or nothing is owed, or it was paid already. Audited.
    pub async fn pay_settlement(
        &self,
        actor: &Actor,
        member: MemberId,
        date: Date,
        method: PayMethod,
    ) -> StoreResult<LeavingStatement> {
        let k = self.koperasi_id;
        let before = self.leaving_statement(member).await?;
        let nothing = || {
            StoreError::Conflict(Msg::new(
                "Tidak ada pengembalian simpanan yang masih harus dibayar kepada anggota ini.",
                "No savings refund is still owed to this member.",
            ))
        };
        if !before.settled || before.payable <= 0 {
            return Err(nothing());
        }
        let mut tx = self.db.begin_write().await?;
        let (member_no, left_on): (String, Option<Date>) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT member_no, status_on FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(member.0).fetch_one(&mut **c).await)?;
        if left_on.is_some_and(|d| date < d) {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "date",
                Msg::new(
                    "Tanggal bayar tidak boleh sebelum tanggal keluar.",
                    "The payment date cannot be before the leaving date.",
                ),
            )]));
        }
        // Claimed by a conditional update: a second payment at the same instant waits here,
        // then finds the refund paid.
        let t = now();
        let owed: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "UPDATE member_settlement SET state = $3, paid_on = $4, paid_method = $5, updated_at = $6
             WHERE koperasi_id = $1 AND member_id = $2 AND state = $7 RETURNING refund")
            .bind(k.0).bind(member.0).bind(settlement_state::PAID).bind(date).bind(method.as_str()).bind(t)
            .bind(settlement_state::OWED).fetch_optional(&mut **c).await)?;
        let Some(owed) = owed else {
            return Err(StoreError::Conflict(Msg::new(
                "Pengembalian simpanan anggota ini sudah dibayar.",
                "This member's savings refund was paid already.",
            )));
        };
        let payable = ledger::role_account(&mut tx, k, AccountRole::MemberRefundPayable).await?;
        let money = ledger::role_account(&mut tx, k, method.account_role()).await?;
        let amount = Rupiah(owed);
        let (entry_id, no) = ledger::post(
            &mut tx,
            k,
            actor,
            &NewEntry {
                date,
                description: format!("Pembayaran pengembalian simpanan anggota keluar {member_no}"),
                reference: Some(format!("PK-{member_no}")),
                source: Source::Settlement,
                source_id: Some(member.to_string()),
                reverses: None,
                lines: vec![
                    LineInput {
                        account: payable,
                        debit: amount,
                        credit: Rupiah::ZERO,
                        memo: None,
                    },
                    LineInput {
                        account: money,
                        debit: Rupiah::ZERO,
                        credit: amount,
                        memo: None,
                    },
                ],
            },
        )
        .await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE member_settlement SET paid_entry_id = $3, paid_entry_no = $4 WHERE koperasi_id = $1 AND member_id = $2")
            .bind(k.0).bind(member.0).bind(entry_id.0).bind(no)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        audit::record(
            &mut tx,
            k,
            actor,
            "settlement",
            &member.to_string(),
            Action::Update,
            &diff([
                ("paid_on", None, Some(date.to_string())),
                (
                    "paid",
                    Some("utang".to_string()),
                    Some(method.as_str().to_string()),
                ),
                ("amount", None, Some(amount.0.to_string())),
            ]),
        )
        .await?;
        tx.commit().await?;
        self.leaving_statement(member).await
    }
}

/// A cashier's cash receipts of one day: money in, money out, how many receipts. A receipt's
/// day is the date of its savings transactions (the coop's local date at the counter). The
/// receipts are found through `receipt_cashier_idx` (koperasi, cashier, method), their
/// transactions through `savings_tx_receipt_idx`. Public so a test can check the plan.
pub const EXPECTED_SQL: &str = "SELECT CAST(COALESCE(SUM(CASE WHEN r.total > 0 THEN r.total ELSE 0 END), 0) AS BIGINT),
        CAST(COALESCE(SUM(CASE WHEN r.total < 0 THEN -r.total ELSE 0 END), 0) AS BIGINT),
        CAST(COUNT(r.id) AS BIGINT)
     FROM receipt r
     WHERE r.koperasi_id = $1 AND r.cashier_id = $2 AND r.method = $4
       AND EXISTS (SELECT 1 FROM savings_tx t WHERE t.koperasi_id = r.koperasi_id AND t.receipt_id = r.id AND t.tx_date = $3)";
