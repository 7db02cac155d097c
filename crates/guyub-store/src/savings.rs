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
use guyub_core::savings::{PayMethod, SavingsKind, TxKind, check_withdrawal};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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
struct ProductRow {
    id: Uuid,
    code: String,
    name: String,
    kind: String,
    account_id: Uuid,
    min_balance: i64,
    term_months: Option<i64>,
    active: bool,
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
pub async fn setup_books(tx: &mut Tx, k: KoperasiId) -> StoreResult<()> {
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
}

fn key_reused() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Kunci idempotensi ini sudah dipakai untuk permintaan lain; tidak ada yang dicatat.",
        "This idempotency key was already used for a different request; nothing was posted.",
    ))
}

/// Claims an idempotency key in `tx`. `Ok(Some(response))` means the key was already used for
/// this same request: the caller returns that first answer and posts nothing.
async fn claim_key(
    tx: &mut Tx,
    k: KoperasiId,
    key: &str,
    request: &str,
) -> StoreResult<Option<String>> {
    let hash: String = Sha256::digest(request.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Insert first: a concurrent request with the same key waits here until the first one
    // commits, then finds its answer below instead of posting again.
    let inserted = on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO idempotency_key (koperasi_id, idem_key, user_id, request_hash, response, created_at) VALUES ($1, $2, NULL, $3, '', $4)
         ON CONFLICT (koperasi_id, idem_key) DO NOTHING")
        .bind(k.0).bind(key).bind(&hash).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    if inserted == 1 {
        return Ok(None);
    }
    let (h, response): (String, String) = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT request_hash, response FROM idempotency_key WHERE koperasi_id = $1 AND idem_key = $2")
        .bind(k.0).bind(key).fetch_one(&mut **c).await)?;
    if h == hash {
        Ok(Some(response))
    } else {
        Err(key_reused())
    }
}

async fn store_response(tx: &mut Tx, k: KoperasiId, key: &str, response: &str) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("UPDATE idempotency_key SET response = $3 WHERE koperasi_id = $1 AND idem_key = $2")
        .bind(k.0).bind(key).bind(response).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
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
        let rows: Vec<(Uuid, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT product_id, balance FROM savings_account WHERE koperasi_id = $1 AND member_id = $2")
            .bind(self.koperasi_id.0).bind(member.0).fetch_all(p).await)?;
        Ok(products
            .into_iter()
            .map(|p| {
                let balance = rows
                    .iter()
                    .find(|(id, _)| *id == p.id.0)
                    .map(|(_, b)| *b)
                    .unwrap_or(0);
                BalanceLine {
                    product: p,
                    balance,
                }
            })
            .collect())
    }

    /// Takes several payments (or withdrawals) for one member at once, as one receipt and one
    /// journal entry: Dr cash/bank/QRIS clearing − Cr each product's account for deposits,
    /// the reverse for withdrawals. With an idempotency key, a replay returns the first
    /// receipt and posts nothing.
    pub async fn counter(
        &self,
        actor: &Actor,
        idem_key: Option<&str>,
        req: &CounterRequest,
    ) -> StoreResult<Receipt> {
        let k = self.koperasi_id;
        let method = PayMethod::parse(&req.method).ok_or_else(|| {
            StoreError::Invalid(vec![guyub_core::FieldError::new(
                "method",
                Msg::new(
                    "Pilih cara bayar: tunai, transfer atau QRIS.",
                    "Choose how: cash, transfer or QRIS.",
                ),
            )])
        })?;
        if req.movements.is_empty() {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "amount",
                Msg::new("Isi setidaknya satu jumlah.", "Enter at least one amount."),
            )]));
        }
        let request = serde_json::to_string(req).map_err(StoreError::corrupt)?;
        // Read before the write transaction: a second pool connection taken while holding the
        // writer can wait on a connection that waits on us.
        let products = self.products().await?;
        let mut tx = self.db.begin_write().await?;
        if let Some(key) = idem_key {
            if let Some(first) = claim_key(&mut tx, k, key, &request).await? {
                drop(tx);
                return serde_json::from_str(&first).map_err(StoreError::corrupt);
            }
        }
        let receipt_id = self
            .counter_tx(&mut tx, actor, method, req, &products)
            .await?;
        let receipt = read_receipt(&mut tx, k, receipt_id).await?;
        if let Some(key) = idem_key {
            store_response(
                &mut tx,
                k,
                key,
                &serde_json::to_string(&receipt).map_err(StoreError::corrupt)?,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(receipt)
    }

    /// The posting part of [`Tenant::counter`], inside a caller's transaction (the counter
    /// itself, and bulk loads such as the demo's year of activity). `products` are this coop's.
    pub async fn counter_tx(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        method: PayMethod,
        req: &CounterRequest,
        products: &[Product],
    ) -> StoreResult<ReceiptId> {
        let k = self.koperasi_id;
        // The member must be this coop's, and still a member.
        let status: Option<String> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT status FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(req.member.0).fetch_optional(&mut **c).await)?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("aktif") => {}
            Some(_) => {
                return Err(StoreError::Conflict(Msg::new(
                    "Anggota ini sudah tidak aktif; simpanannya diselesaikan lewat penyelesaian keluar.",
                    "This member is no longer active; their savings are settled through the leaving settlement.",
                )));
            }
        }
        let money_account = ledger::role_account(&mut *tx, k, method.account_role()).await?;
        let receipt_id = ReceiptId::new();
        let year = req.date.year();
        let seq = ledger::next_seq(&mut *tx, k, &format!("receipt:{year}")).await?;
        let receipt_no = format!("KW-{year}-{seq:06}");
        let mut lines = vec![];
        let mut net: i64 = 0;
        let mut posted: Vec<(ProductId, TxKind, i64, i64, Uuid)> = vec![];
        for m in &req.movements {
            let p = products
                .iter()
                .find(|p| p.id == m.product)
                .ok_or(StoreError::NotFound)?;
            let kind = TxKind::parse(&m.kind)
                .filter(|k| matches!(k, TxKind::Deposit | TxKind::Withdrawal))
                .ok_or_else(|| {
                    StoreError::Invalid(vec![guyub_core::FieldError::new(
                        "kind",
                        Msg::new(
                            "Jenis transaksi tidak dikenal.",
                            "Unknown transaction kind.",
                        ),
                    )])
                })?;
            if m.amount.0 <= 0 {
                return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                    "amount",
                    Msg::new(
                        "Jumlah harus lebih dari nol.",
                        "The amount must be more than zero.",
                    ),
                )]));
            }
            if kind == TxKind::Withdrawal && !p.kind().withdrawable_while_member() {
                return Err(StoreError::Conflict(Msg::new(
                    format!(
                        "{} tidak bisa ditarik selama masih menjadi anggota.",
                        p.name
                    ),
                    format!("{} cannot be withdrawn while a member.", p.name),
                )));
            }
            let (acc, balance_after) = if kind == TxKind::Deposit {
                // One statement: open the account if needed and add to it.
                let (acc, b): (Uuid, i64) = on_tx!(&mut *tx, c => sqlx::query_as(
                    "INSERT INTO savings_account (koperasi_id, id, member_id, product_id, balance, opened_on) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (koperasi_id, member_id, product_id) DO UPDATE SET balance = savings_account.balance + excluded.balance
                     RETURNING id, balance")
                    .bind(k.0).bind(Uuid::now_v7()).bind(req.member.0).bind(p.id.0).bind(m.amount.0).bind(req.date)
                    .fetch_one(&mut **c).await)?;
                lines.push(LineInput {
                    account: p.account_id,
                    debit: Rupiah::ZERO,
                    credit: m.amount,
                    memo: Some(p.name.clone()),
                });
                net += m.amount.0;
                (acc, b)
            } else {
                let acc = open_account(&mut *tx, k, req.member, p.id, req.date).await?;
                // The balance never goes below the minimum, whatever runs at the same time.
                let b: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                    "UPDATE savings_account SET balance = balance - $3 WHERE koperasi_id = $1 AND id = $2 AND balance - $3 >= $4 RETURNING balance")
                    .bind(k.0).bind(acc).bind(m.amount.0).bind(p.min_balance).fetch_optional(&mut **c).await)?;
                let Some(b) = b else {
                    let balance: i64 = on_tx!(&mut *tx, c => sqlx::query_scalar("SELECT balance FROM savings_account WHERE koperasi_id = $1 AND id = $2")
                        .bind(k.0).bind(acc).fetch_one(&mut **c).await)?;
                    let e =
                        check_withdrawal(Rupiah(balance), m.amount, Rupiah(p.min_balance)).err();
                    return Err(StoreError::Conflict(e.map(|e| e.msg()).unwrap_or_else(
                        || Msg::new("Saldo tidak cukup.", "Insufficient balance."),
                    )));
                };
                lines.push(LineInput {
                    account: p.account_id,
                    debit: m.amount,
                    credit: Rupiah::ZERO,
                    memo: Some(p.name.clone()),
                });
                net -= m.amount.0;
                (acc, b)
            };
            let signed = if kind == TxKind::Deposit {
                m.amount.0
            } else {
                -m.amount.0
            };
            posted.push((p.id, kind, signed, balance_after, acc));
        }
        // The money side: one line for the net movement of cash (or bank, or QRIS clearing).
        if net > 0 {
            lines.push(LineInput {
                account: money_account,
                debit: Rupiah(net),
                credit: Rupiah::ZERO,
                memo: None,
            });
        } else if net < 0 {
            lines.push(LineInput {
                account: money_account,
                debit: Rupiah::ZERO,
                credit: Rupiah(-net),
                memo: None,
            });
        }
        let (entry_id, _) = ledger::post(
            &mut *tx,
            k,
            actor,
            &NewEntry {
                date: req.date,
                description: format!("Simpanan anggota, kuitansi {receipt_no}"),
                reference: Some(receipt_no.clone()),
                source: Source::Savings,
                source_id: Some(receipt_id.to_string()),
                reverses: None,
                lines,
            },
        )
        .await?;
        let t = now();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO receipt (koperasi_id, id, receipt_no, member_id, total, method, cashier, cashier_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(k.0).bind(receipt_id.0).bind(&receipt_no).bind(req.member.0).bind(net).bind(method.as_str())
            .bind(&actor.name).bind(actor.user_id.map(|u| u.0)).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let mut sql = String::from(
            "INSERT INTO savings_tx (koperasi_id, id, savings_account_id, member_id, product_id, tx_date, kind, amount,
               balance_after, method, entry_id, receipt_id, note, created_by, created_at) VALUES ",
        );
        for i in 0..posted.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 15;
            sql.push('(');
            sql.push_str(
                &(1..=15)
                    .map(|n| format!("${}", b + n))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            sql.push(')');
        }
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (product, kind, signed, after, acc) in &posted {
                q = q.bind(k.0).bind(SavingsTxId::new().0).bind(*acc).bind(req.member.0).bind(product.0).bind(req.date)
                    .bind(kind.as_str()).bind(*signed).bind(*after).bind(method.as_str()).bind(entry_id.0)
                    .bind(receipt_id.0).bind(req.note.clone()).bind(actor.name.clone()).bind(t);
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
        let changes = diff([
            ("receipt_no", None, Some(receipt_no.clone())),
            ("member_id", None, Some(req.member.to_string())),
            ("total", None, Some(net.to_string())),
            ("method", None, Some(method.as_str().to_string())),
        ]);
        audit::record(
            &mut *tx,
            k,
            actor,
            "receipt",
            &receipt_id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        Ok(receipt_id)
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
        tx: &mut Tx,
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
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.db.begin_write().await?)
    }

    /// A member's balance in one product, inside a transaction (0 if no account yet).
    pub async fn balance_tx(
        &self,
        tx: &mut Tx,
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
    tx: &mut Tx,
    k: KoperasiId,
    member: MemberId,
    product: ProductId,
    on: Date,
) -> StoreResult<Uuid> {
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO savings_account (koperasi_id, id, member_id, product_id, balance, opened_on) VALUES ($1, $2, $3, $4, 0, $5)
         ON CONFLICT (koperasi_id, member_id, product_id) DO NOTHING")
        .bind(k.0).bind(Uuid::now_v7()).bind(member.0).bind(product.0).bind(on).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    let id: Uuid = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT id FROM savings_account WHERE koperasi_id = $1 AND member_id = $2 AND product_id = $3")
        .bind(k.0).bind(member.0).bind(product.0).fetch_one(&mut **c).await)?;
    Ok(id)
}

async fn read_receipt(tx: &mut Tx, k: KoperasiId, id: ReceiptId) -> StoreResult<Receipt> {
    let row: Option<(String, Uuid, i64, String, String, OffsetDateTime)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT receipt_no, member_id, total, method, cashier, created_at FROM receipt WHERE koperasi_id = $1 AND id = $2")
        .bind(k.0).bind(id.0).fetch_optional(&mut **c).await)?;
    let (receipt_no, member, total, method, cashier, created_at) =
        row.ok_or(StoreError::NotFound)?;
    let sql = format!(
        "{TX_SELECT} WHERE t.koperasi_id = $1 AND t.receipt_id = $2 ORDER BY t.created_at, t.id"
    );
    let lines: Vec<TxRow> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(k.0).bind(id.0).fetch_all(&mut **c).await)?;
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
