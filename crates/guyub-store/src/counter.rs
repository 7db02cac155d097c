//! The cashier counter's postings, taken in batches by the desk's writers (one on SQLite, two
//! on PostgreSQL, see [`writers`]).
//!
//! Why batches: every deposit of a coop moves the same cash account and the same journal and
//! receipt counters. Posted one request per transaction, those rows are locked from the first
//! counter until a durable commit, so the coop's deposits queue behind each other's commits
//! and round trips. The desk instead takes every counter request that arrived while the last
//! batch was committing and posts them together: one commit and a handful of statements per
//! batch whatever its size (multi-row inserts, one update per hot row, sent as one script).
//! On SQLite a batch is one transaction; on PostgreSQL its reads come first and all its writes
//! are one self-committing statement that undoes itself if anything it read has moved (no
//! `BEGIN`, no `COMMIT`: the hot rows are locked only while that statement runs).
//!
//! Invariants:
//! - each request is all or nothing on its own: one that breaks a rule (balance too low, a
//!   closed year, a member who left) is refused with its own message, posts nothing, and
//!   does not hold the others back;
//! - a request is answered only after the batch holding it committed;
//! - a request with an idempotency key is posted at most once: a replay returns the first
//!   receipt; a key used for a different request is refused;
//! - every balance a batch writes is checked against what the batch computed; if anything
//!   else moved it meanwhile (another process), the batch is rolled back and each request is
//!   retried alone, so no update is lost and no balance goes below its minimum.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use guyub_core::Msg;
use guyub_core::ids::{AccountId, KoperasiId, MemberId, ProductId, ReceiptId, SavingsTxId};
use guyub_core::ledger::{AccountCode, AccountRole, AccountState, LineInput, check_lines};
use guyub_core::money::Rupiah;
use guyub_core::savings::{PayMethod, SavingsKind, TxKind, check_withdrawable, check_withdrawal};
use sha2::{Digest, Sha256};
use time::Date;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::audit::{self, Action, Record, diff};
use crate::db::{Db, Tx, WriterConn};
use crate::ledger::{self, NewEntry, Source};
use crate::savings::{CounterRequest, Product, ProductRow, Receipt, SavingsTx, maturity_of};
use crate::sql::{Script, Val, in_list_sql, rows_per_statement, values_sql};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_tx};

/// The most requests posted in one batch.
const MAX_BATCH: usize = 256;

/// One counter request: who, with which idempotency key, what.
#[derive(Debug, Clone)]
pub struct CounterJob {
    pub actor: Actor,
    pub idem_key: Option<String>,
    pub req: CounterRequest,
}

fn invalid(field: &str, id: &str, en: &str) -> StoreError {
    StoreError::Invalid(vec![guyub_core::FieldError::new(field, Msg::new(id, en))])
}

fn key_reused() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Kunci idempotensi ini sudah dipakai untuk permintaan lain; tidak ada yang dicatat.",
        "This idempotency key was already used for a different request; nothing was posted.",
    ))
}

fn moved_meanwhile() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Saldo berubah oleh transaksi lain pada saat yang sama; tidak ada yang dicatat. Silakan ulangi.",
        "The balance was changed by another transaction at the same moment; nothing was posted. Please try again.",
    ))
}

fn no_answer() -> StoreError {
    StoreError::corrupt("a counter request got no answer")
}

fn request_hash(req: &CounterRequest) -> StoreResult<String> {
    let json = serde_json::to_string(req).map_err(StoreError::corrupt)?;
    Ok(Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The account a payment method posts to (cash, bank, QRIS clearing).
fn money_account(roles: &[(Uuid, String)], m: PayMethod) -> StoreResult<AccountId> {
    let role = m.account_role().as_str();
    roles
        .iter()
        .find(|(_, r)| r == role)
        .map(|(id, _)| AccountId(*id))
        .ok_or_else(|| StoreError::corrupt(format!("no account with role {role}")))
}

/// The journal lines of a request: each product's account (Cr a deposit, Dr a withdrawal)
/// and one line for the net movement of cash, bank or QRIS clearing.
fn entry_lines(c: &Checked<'_>, roles: &[(Uuid, String)]) -> StoreResult<Vec<LineInput>> {
    let mut lines = Vec::with_capacity(c.moves.len() + 1);
    let mut net = 0i64;
    for (p, kind, amount) in &c.moves {
        let (debit, credit) = if *kind == TxKind::Deposit {
            net += amount.0;
            (Rupiah::ZERO, *amount)
        } else {
            net -= amount.0;
            (*amount, Rupiah::ZERO)
        };
        lines.push(LineInput {
            account: p.account_id,
            debit,
            credit,
            memo: Some(p.name.clone()),
        });
    }
    let money = money_account(roles, c.method)?;
    if net != 0 {
        lines.push(LineInput {
            account: money,
            debit: Rupiah(net.max(0)),
            credit: Rupiah((-net).max(0)),
            memo: None,
        });
    }
    Ok(lines)
}

/// An account's state for the core's line checks.
fn state_of(code: &str, is_header: bool, active: bool) -> StoreResult<AccountState> {
    Ok(AccountState {
        code: AccountCode::parse(code).map_err(StoreError::corrupt)?,
        is_header,
        active,
    })
}

/// An account the counter posts to, with the savings product that posts to it (if one does)
/// and its role (if it is where cash, bank or QRIS money goes): both read in one statement.
#[derive(sqlx::FromRow)]
struct CounterAccountRow {
    account_id: Uuid,
    account_code: String,
    is_header: bool,
    account_active: bool,
    role: Option<String>,
    product_id: Option<Uuid>,
    product_code: Option<String>,
    product_name: Option<String>,
    product_kind: Option<String>,
    min_balance: Option<i64>,
    term_months: Option<i64>,
    product_active: Option<bool>,
}

impl CounterAccountRow {
    /// The product posting to this account, if any.
    fn product(&self) -> Option<Product> {
        let row = ProductRow {
            id: self.product_id?,
            code: self.product_code.clone()?,
            name: self.product_name.clone()?,
            kind: self.product_kind.clone()?,
            account_id: self.account_id,
            min_balance: self.min_balance?,
            term_months: self.term_months,
            active: self.product_active?,
        };
        Some(Product::from(row))
    }
}

/// What a batch needs of the coop's accounts: the state of every account the counter posts
/// to (for the core's line checks), the savings products, and the accounts cash, bank and
/// QRIS money goes to.
struct CounterAccounts {
    states: HashMap<AccountId, AccountState>,
    products: Vec<Product>,
    roles: Vec<(Uuid, String)>,
}

/// Reads [`CounterAccounts`] in one statement.
async fn read_counter_accounts(tx: &mut Tx<'_>, k: KoperasiId) -> StoreResult<CounterAccounts> {
    let rows: Vec<CounterAccountRow> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT a.id AS account_id, a.code AS account_code, a.is_header, a.active AS account_active,
                a.role, p.id AS product_id, p.code AS product_code, p.name AS product_name,
                p.kind AS product_kind, p.min_balance, p.term_months, p.active AS product_active
         FROM account a
         LEFT JOIN savings_product p ON p.koperasi_id = a.koperasi_id AND p.account_id = a.id
         WHERE a.koperasi_id = $1 AND (p.id IS NOT NULL OR a.role IN ($2, $3, $4))")
        .bind(k.0).bind(MONEY_ROLES[0].as_str()).bind(MONEY_ROLES[1].as_str())
        .bind(MONEY_ROLES[2].as_str()).fetch_all(&mut **c).await)?;
    let mut out = CounterAccounts {
        states: HashMap::new(),
        products: Vec::with_capacity(rows.len()),
        roles: Vec::with_capacity(MONEY_ROLES.len()),
    };
    for r in &rows {
        out.states.insert(
            AccountId(r.account_id),
            state_of(&r.account_code, r.is_header, r.account_active)?,
        );
        if let Some(p) = r.product() {
            out.products.push(p);
        }
        if let Some(role) = r
            .role
            .as_deref()
            .filter(|x| MONEY_ROLES.iter().any(|m| m.as_str() == *x))
        {
            out.roles.push((r.account_id, role.to_string()));
        }
    }
    Ok(out)
}

/// SQLite: each coop's accounts with their products, and the states of its fiscal years, as
/// the desk's writer last read them, kept while no other connection has committed anything.
///
/// Why: they change a few times a year, yet were two of a batch's three reads, each a hand-off
/// to the connection's thread (measured with `guyub bench-books`: 0.25 ms of a 1.45 ms
/// batch). Why it is right: SQLite's `data_version`, read with the batch's members inside its
/// write transaction, changes exactly when another connection has committed; then all of it
/// is read again. The desk's own batches change neither accounts, products nor fiscal years
/// (a year's missing row that a batch makes is kept as open, which it is). Belongs to one
/// connection: `data_version` compares only within one.
#[derive(Default)]
struct Seen {
    version: Option<i64>,
    coops: HashMap<KoperasiId, SeenCoop>,
}

/// What [`Seen`] keeps of one coop.
#[derive(Default)]
struct SeenCoop {
    accounts: Option<Arc<CounterAccounts>>,
    periods: HashMap<Date, Result<(), i32>>,
}

/// The roles of the accounts money is paid into or out of.
const MONEY_ROLES: [AccountRole; 3] = [
    AccountRole::Cash,
    AccountRole::Bank,
    AccountRole::QrisClearing,
];

/// A request that passed the checks that need no database.
struct Checked<'a> {
    job: &'a CounterJob,
    method: PayMethod,
    moves: Vec<(&'a Product, TxKind, Rupiah)>,
}

/// A member's account in one product as this batch sees it.
#[derive(Clone, Copy)]
struct Acct {
    id: Uuid,
    balance: i64,
    maturity: Option<Date>,
    /// Opened by this batch (inserted rather than updated).
    opened_on: Option<Date>,
    /// A time deposit paid into again after it was emptied: a new term, a new maturity.
    renewed: bool,
}

/// One savings line a request will write.
struct Line {
    product: ProductId,
    product_name: String,
    kind: TxKind,
    signed: i64,
    balance_after: i64,
    account: Uuid,
}

/// A request that will be posted.
struct Accepted<'a> {
    index: usize,
    job: &'a CounterJob,
    method: PayMethod,
    lines: Vec<Line>,
    hash: Option<String>,
    /// The journal entry's lines, checked by the core, and their total.
    entry_lines: Vec<LineInput>,
    total: Rupiah,
}

impl Accepted<'_> {
    /// Into the member's savings (positive) or out of them (negative): the receipt's total.
    fn net(&self) -> i64 {
        self.lines.iter().map(|l| l.signed).sum()
    }
}

/// Checks a request against the rules that need no database.
fn check_job<'a>(job: &'a CounterJob, products: &'a [Product]) -> StoreResult<Checked<'a>> {
    let method = PayMethod::parse(&job.req.method).ok_or_else(|| {
        invalid(
            "method",
            "Pilih cara bayar: tunai, transfer atau QRIS.",
            "Choose how: cash, transfer or QRIS.",
        )
    })?;
    if job.req.movements.is_empty() {
        return Err(invalid(
            "amount",
            "Isi setidaknya satu jumlah.",
            "Enter at least one amount.",
        ));
    }
    let mut moves = vec![];
    for m in &job.req.movements {
        let p = products
            .iter()
            .find(|p| p.id == m.product)
            .ok_or(StoreError::NotFound)?;
        let kind = TxKind::parse(&m.kind)
            .filter(|k| matches!(k, TxKind::Deposit | TxKind::Withdrawal))
            .ok_or_else(|| {
                invalid(
                    "kind",
                    "Jenis transaksi tidak dikenal.",
                    "Unknown transaction kind.",
                )
            })?;
        if m.amount.0 <= 0 {
            return Err(invalid(
                "amount",
                "Jumlah harus lebih dari nol.",
                "The amount must be more than zero.",
            ));
        }
        if kind == TxKind::Withdrawal
            && p.kind() != SavingsKind::Berjangka
            && !p.kind().withdrawable_while_member()
        {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "{} tidak bisa ditarik selama masih menjadi anggota.",
                    p.name
                ),
                format!("{} cannot be withdrawn while a member.", p.name),
            )));
        }
        moves.push((p, kind, m.amount));
    }
    Ok(Checked { job, method, moves })
}

/// Applies one request's movements to the batch's view of the accounts, or says why not.
/// `accounts` is changed only when every movement is allowed.
fn apply_job(
    c: &Checked<'_>,
    accounts: &mut HashMap<(MemberId, ProductId), Acct>,
    pokok_due: Option<Rupiah>,
) -> StoreResult<Vec<Line>> {
    let member = c.job.req.member;
    let date = c.job.req.date;
    let mut changed: HashMap<(MemberId, ProductId), Acct> = HashMap::new();
    let mut lines = vec![];
    for (p, kind, amount) in &c.moves {
        let key = (member, p.id);
        let current = changed.get(&key).or_else(|| accounts.get(&key)).copied();
        let after = match kind {
            TxKind::Deposit => {
                let mut a = current.unwrap_or(Acct {
                    id: Uuid::now_v7(),
                    balance: 0,
                    maturity: maturity_of(p, date),
                    opened_on: Some(date),
                    renewed: false,
                });
                if p.kind() == SavingsKind::Berjangka && a.balance == 0 && a.opened_on.is_none() {
                    a.maturity = maturity_of(p, date);
                    a.renewed = true;
                }
                a.balance = a.balance.checked_add(amount.0).ok_or_else(|| {
                    invalid(
                        "amount",
                        "Jumlah terlalu besar.",
                        "The amount is too large.",
                    )
                })?;
                // Simpanan pokok is paid once (in one go or in parts) up to the bylaws' amount.
                if let (SavingsKind::Pokok, Some(due)) = (p.kind(), pokok_due)
                    && a.balance > due.0
                {
                    let left = Rupiah((due.0 - (a.balance - amount.0)).max(0));
                    return Err(StoreError::Conflict(Msg::new(
                        format!(
                            "Simpanan pokok menurut AD/ART {due}; setoran ini melebihinya. Yang masih boleh disetor: {left}."
                        ),
                        format!(
                            "Simpanan pokok is {due} by the bylaws; this deposit would exceed it. At most {left} may still be paid."
                        ),
                    )));
                }
                a
            }
            _ => {
                if p.kind() == SavingsKind::Berjangka {
                    // A time deposit: only at or after its maturity date.
                    check_withdrawable(
                        SavingsKind::Berjangka,
                        current.and_then(|a| a.maturity),
                        date,
                    )
                    .map_err(|e| StoreError::Conflict(e.msg()))?;
                }
                let Some(mut a) = current else {
                    return Err(StoreError::Conflict(
                        check_withdrawal(Rupiah::ZERO, *amount, Rupiah(p.min_balance))
                            .err()
                            .map(|e| e.msg())
                            .unwrap_or_else(|| {
                                Msg::new("Saldo tidak cukup.", "Insufficient balance.")
                            }),
                    ));
                };
                // The balance never goes below the product's minimum.
                check_withdrawal(Rupiah(a.balance), *amount, Rupiah(p.min_balance))
                    .map_err(|e| StoreError::Conflict(e.msg()))?;
                a.balance -= amount.0;
                a
            }
        };
        changed.insert(key, after);
        lines.push(Line {
            product: p.id,
            product_name: p.name.clone(),
            kind: *kind,
            signed: if *kind == TxKind::Deposit {
                amount.0
            } else {
                -amount.0
            },
            balance_after: after.balance,
            account: after.id,
        });
    }
    accounts.extend(changed);
    Ok(lines)
}

/// When a batch looks up the first answers of its requests' idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookup {
    /// Before anything is checked: every replay gets its first answer. For requests posted
    /// alone, where a replay is likely (a retry).
    First,
    /// Only for the requests the batch refuses: one statement fewer for a batch of new
    /// requests. A replay that would be posted again meets the key's unique row instead, the
    /// batch rolls back, and each request is posted again alone with [`KeyLookup::First`].
    Refused,
}

/// The first answers (request hash, response) stored under `keys`.
async fn first_answers(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    keys: &[&str],
) -> StoreResult<HashMap<String, (String, String)>> {
    let mut first: HashMap<String, (String, String)> = HashMap::new();
    for chunk in keys.chunks(500) {
        let sql = in_list_sql(
            "SELECT idem_key, request_hash, response FROM idempotency_key WHERE koperasi_id = $1 AND idem_key IN (",
            chunk.len(),
        );
        let found: Vec<(String, String, String)> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for key in chunk { q = q.bind(*key); }
            q.fetch_all(&mut **c).await
        })?;
        for (key, hash, response) in found {
            first.insert(key, (hash, response));
        }
    }
    Ok(first)
}

/// The answer of a replayed request: the first receipt when its key came with the same
/// request, a refusal when it came with another. `None` when the key is new.
fn replayed(
    job: &CounterJob,
    hash: Option<&String>,
    first: &HashMap<String, (String, String)>,
) -> Option<StoreResult<Receipt>> {
    let key = job.idem_key.as_ref()?;
    let (first_hash, response) = first.get(key)?;
    Some(if Some(first_hash) == hash {
        serde_json::from_str(response).map_err(StoreError::corrupt)
    } else {
        Err(key_reused())
    })
}

/// Posts a batch of counter requests of coop `k` in `tx`: each request gets its own answer
/// (a receipt, or why it was refused and nothing of it written). The outer error means the
/// database failed, or a balance moved under the batch; the caller rolls `tx` back. Jobs must
/// carry distinct idempotency keys (the desk holds a repeated key back for the next batch).
pub async fn post_counter_batch(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    jobs: &[CounterJob],
    lookup: KeyLookup,
) -> StoreResult<Vec<StoreResult<Receipt>>> {
    post_jobs(tx, k, jobs, lookup, None, None, None)
        .await?
        .ok_or_else(|| StoreError::corrupt("a counter batch outside a transaction"))
}

/// [`post_counter_batch`], taking the numbers from `memo` when it has them (the desk).
///
/// In [`Tx::PgAutocommit`] (the desk on PostgreSQL) the reads run each on its own and every
/// write goes in the one self-checking statement of [`write_accepted`]; the only other write
/// is a missing fiscal year's row, which stands on its own. `Ok(None)` there means the batch
/// needs a transaction (its numbers are not remembered, or a term deposit renews): nothing
/// was written. The reads take no locks in a transaction either (PostgreSQL's READ
/// COMMITTED); what they found is checked by the write: each balance must still be the one
/// read, each counter must land where expected, each key must be new.
async fn post_jobs(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    jobs: &[CounterJob],
    lookup: KeyLookup,
    memo: Option<&SeqMemo>,
    turn: Option<&mut Option<Turn>>,
    seen: Option<&mut Seen>,
) -> StoreResult<Option<Vec<StoreResult<Receipt>>>> {
    let mut out: Vec<Option<StoreResult<Receipt>>> = jobs.iter().map(|_| None).collect();
    // The members must be this coop's, and still members.
    // (Every request's member, before the products are known: on SQLite this read also
    // says whether what the desk has seen still holds, see [`Seen`].)
    let mut members: Vec<MemberId> = jobs.iter().map(|j| j.req.member).collect();
    members.sort();
    members.dedup();
    let mut status: HashMap<MemberId, String> = HashMap::new();
    let mut accounts: HashMap<(MemberId, ProductId), Acct> = HashMap::new();
    let mut version: Option<i64> = None;
    for chunk in members.chunks(500) {
        let version_of = match tx.engine() {
            crate::Engine::Sqlite => "(SELECT data_version FROM pragma_data_version())",
            crate::Engine::Postgres => "CAST(NULL AS BIGINT)",
        };
        let sql = in_list_sql(
            &format!(
                "SELECT m.id, m.status, s.id, s.product_id, s.balance, s.maturity_date, {version_of}
                 FROM member m LEFT JOIN savings_account s ON s.koperasi_id = m.koperasi_id AND s.member_id = m.id
                 WHERE m.koperasi_id = $1 AND m.id IN ("
            ),
            chunk.len(),
        );
        type MemberAccountRow = (
            Uuid,
            String,
            Option<Uuid>,
            Option<Uuid>,
            Option<i64>,
            Option<Date>,
            Option<i64>,
        );
        let found: Vec<MemberAccountRow> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for m in chunk { q = q.bind(m.0); }
            q.fetch_all(&mut **c).await
        })?;
        for (m, st, id, p, balance, maturity, v) in found {
            version = version.or(v);
            status.insert(MemberId(m), st);
            if let (Some(id), Some(p), Some(balance)) = (id, p, balance) {
                accounts.insert(
                    (MemberId(m), ProductId(p)),
                    Acct {
                        id,
                        balance,
                        maturity,
                        opened_on: None,
                        renewed: false,
                    },
                );
            }
        }
    }
    // What the desk has seen of this coop, if it still holds (SQLite, see [`Seen`]).
    let mut seen = match seen {
        Some(s) if tx.engine() == crate::Engine::Sqlite => {
            if version.is_none() || s.version != version {
                s.coops.clear();
                s.version = version;
            }
            Some(s.coops.entry(k).or_default())
        }
        _ => None,
    };
    // The coop's products and the accounts cash, bank and QRIS post to, with the state of
    // every account they post to, for the core's line checks.
    let known = seen.as_ref().and_then(|c| c.accounts.clone());
    let counter_accounts: Arc<CounterAccounts> = match known {
        Some(known) => known,
        None => {
            let read = Arc::new(read_counter_accounts(tx, k).await?);
            if let Some(c) = seen.as_mut() {
                c.accounts = Some(read.clone());
            }
            read
        }
    };
    let CounterAccounts {
        states,
        products,
        roles,
    } = &*counter_accounts;

    // Checks that need no database.
    let mut checked: Vec<(usize, Checked<'_>)> = vec![];
    for (i, job) in jobs.iter().enumerate() {
        match check_job(job, products) {
            Ok(c) => checked.push((i, c)),
            Err(e) => out[i] = Some(Err(e)),
        }
    }

    // Idempotency: a key seen before answers with the first receipt (or is refused when it
    // came with a different request); nothing of it is posted again.
    let mut hashes: HashMap<usize, String> = HashMap::new();
    let mut seen_keys: HashSet<&str> = HashSet::new();
    for (i, c) in &checked {
        if let Some(key) = &c.job.idem_key {
            if !seen_keys.insert(key.as_str()) {
                out[*i] = Some(Err(StoreError::Conflict(Msg::new(
                    "Permintaan yang sama terkirim dua kali bersamaan; tidak ada yang dicatat dua kali. Silakan ulangi.",
                    "The same request was sent twice at once; nothing was posted twice. Please try again.",
                ))));
                continue;
            }
            hashes.insert(*i, request_hash(&c.job.req)?);
        }
    }
    checked.retain(|(i, _)| out[*i].is_none());
    if lookup == KeyLookup::First {
        let keys: Vec<&str> = checked
            .iter()
            .filter_map(|(_, c)| c.job.idem_key.as_deref())
            .collect();
        let first = first_answers(tx, k, &keys).await?;
        for (i, c) in &checked {
            if let Some(a) = replayed(c.job, hashes.get(i), &first) {
                out[*i] = Some(a);
            }
        }
        checked.retain(|(i, _)| out[*i].is_none());
    }

    let before: HashMap<Uuid, i64> = accounts.values().map(|a| (a.id, a.balance)).collect();
    // The fiscal year of each date must be open.
    let dates: Vec<Date> = checked.iter().map(|(_, c)| c.job.req.date).collect();
    let read_here;
    let periods: &HashMap<Date, Result<(), i32>> = match seen {
        Some(c) => {
            let missing: Vec<Date> = dates
                .iter()
                .filter(|d| !c.periods.contains_key(d))
                .copied()
                .collect();
            c.periods
                .extend(ledger::period_states(tx, k, &missing).await?);
            &c.periods
        }
        None => {
            read_here = ledger::period_states(tx, k, &dates).await?;
            &read_here
        }
    };

    // The bylaws' simpanan pokok per year, read only when a request pays pokok.
    let pays_pokok = checked.iter().any(|(_, c)| {
        c.moves
            .iter()
            .any(|(p, k, _)| p.kind() == SavingsKind::Pokok && *k == TxKind::Deposit)
    });
    let pokok_by_year: Vec<(i64, i64)> = if pays_pokok {
        on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT effective_year, simpanan_pokok FROM bylaws WHERE koperasi_id = $1 ORDER BY effective_year")
            .bind(k.0).fetch_all(&mut **c).await)?
    } else {
        vec![]
    };

    // Each request in turn, against the balances the ones before it left.
    let mut accepted: Vec<Accepted<'_>> = vec![];
    for (i, c) in &checked {
        match status.get(&c.job.req.member).map(String::as_str) {
            None => {
                out[*i] = Some(Err(StoreError::NotFound));
                continue;
            }
            Some("aktif") => {}
            Some(_) => {
                out[*i] = Some(Err(StoreError::Conflict(Msg::new(
                    "Anggota ini sudah tidak aktif; simpanannya diselesaikan lewat penyelesaian keluar.",
                    "This member is no longer active; their savings are settled through the leaving settlement.",
                ))));
                continue;
            }
        }
        if let Some(Err(year)) = periods.get(&c.job.req.date) {
            out[*i] = Some(Err(ledger::period_closed(*year)));
            continue;
        }
        // The entry it will post must pass the core's rules (active posting accounts).
        let entry_lines = entry_lines(c, roles)?;
        let total = match check_lines(&entry_lines, |id| states.get(&id).cloned()) {
            Ok(t) => t,
            Err(e) => {
                out[*i] = Some(Err(StoreError::Invalid(e)));
                continue;
            }
        };
        let pokok_due = pokok_by_year
            .iter()
            .rev()
            .find(|(y, _)| *y <= i64::from(c.job.req.date.year()))
            .or(pokok_by_year.first())
            .map(|(_, amount)| Rupiah(*amount));
        match apply_job(c, &mut accounts, pokok_due) {
            Ok(lines) => accepted.push(Accepted {
                index: *i,
                job: c.job,
                method: c.method,
                lines,
                hash: hashes.get(i).cloned(),
                entry_lines,
                total,
            }),
            Err(e) => out[*i] = Some(Err(e)),
        }
    }

    // Not looked up first: a refused request that carries a key may be the replay of one
    // posted before, whose first answer it must get (the replay of a withdrawal finds the
    // balance already lower). Accepted ones need no look-up: a key answered before makes
    // their insert below come up short, and the desk retries each alone (`KeyLookup::First`).
    if lookup == KeyLookup::Refused {
        let refused: Vec<(usize, &CounterJob)> = jobs
            .iter()
            .enumerate()
            .filter(|(i, j)| j.idem_key.is_some() && matches!(out[*i], Some(Err(_))))
            .collect();
        let keys: Vec<&str> = refused
            .iter()
            .filter_map(|(_, j)| j.idem_key.as_deref())
            .collect();
        let first = first_answers(tx, k, &keys).await?;
        for (i, job) in refused {
            let hash = match hashes.get(&i) {
                Some(h) => Some(h.clone()),
                None => request_hash(&job.req).ok(),
            };
            if let Some(a) = replayed(job, hash.as_ref(), &first) {
                out[i] = Some(a);
            }
        }
    }

    if !accepted.is_empty() {
        let Some(receipts) =
            write_accepted(tx, k, memo, turn, &accepted, &accounts, &before).await?
        else {
            return Ok(None);
        };
        for (a, r) in accepted.iter().zip(receipts) {
            out[a.index] = Some(Ok(r));
        }
    }
    Ok(Some(
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(no_answer())))
            .collect(),
    ))
}

/// Writes the accepted requests: accounts, receipts, one journal entry each, savings lines,
/// audit records and idempotency answers. Returns each request's receipt, in order.
async fn write_accepted(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    memo: Option<&SeqMemo>,
    turn: Option<&mut Option<Turn>>,
    accepted: &[Accepted<'_>],
    accounts: &HashMap<(MemberId, ProductId), Acct>,
    before: &HashMap<Uuid, i64>,
) -> StoreResult<Option<Vec<Receipt>>> {
    // Receipt numbers per calendar year and the journal's entry numbers, in the order the
    // requests came: taken from the desk's memory of the counters when it has them (checked
    // by the script's first parts), else reserved in one statement.
    let mut wanted: Vec<(String, i64)> = vec![("entry".to_string(), accepted.len() as i64)];
    for a in accepted {
        let name = format!("receipt:{}", a.job.req.date.year());
        match wanted.iter_mut().find(|(w, _)| *w == name) {
            Some((_, n)) => *n += 1,
            None => wanted.push((name, 1)),
        }
    }
    let engine = tx.engine();
    let mut script = Script::new();
    // Held until the batch has committed: see [`SeqMemo`].
    let memo = match (memo, turn) {
        (Some(m), Some(slot)) => {
            if slot.is_none() {
                *slot = Some(m.turn.clone().lock_owned().await);
            }
            Some(m)
        }
        _ => None,
    };
    let firsts: HashMap<String, i64> = match memo.and_then(|m| m.take(k, &wanted)) {
        Some(taken) => {
            let mut firsts = HashMap::new();
            for (name, old, new) in taken {
                script.push(
                    "UPDATE book_seq SET last = $3 WHERE koperasi_id = $1 AND name = $2 AND last = $4",
                    vec![k.0.into(), name.clone().into(), new.into(), old.into()],
                    1,
                );
                firsts.insert(name, old + 1);
            }
            firsts
        }
        // Reserving writes: outside a transaction it would stand even if the batch failed.
        None if tx.is_autocommit() => return Ok(None),
        None => {
            let firsts = ledger::reserve_seqs(tx, k, &wanted).await?;
            if let Some(m) = memo {
                m.keep(k, &wanted, &firsts);
            }
            firsts
        }
    };

    // Accounts opened by this batch, then the net change of every account it moved. Each
    // update must land on the balance this batch read; anything else moved it meanwhile.
    let touched: HashSet<Uuid> = accepted
        .iter()
        .flat_map(|a| a.lines.iter().map(|l| l.account))
        .collect();
    let mut opened: Vec<(&(MemberId, ProductId), &Acct)> = vec![];
    let mut moved: Vec<(Uuid, i64, i64)> = vec![];
    let mut renewed: Vec<&Acct> = vec![];
    for (key, a) in accounts {
        if !touched.contains(&a.id) {
            continue;
        }
        if a.renewed {
            renewed.push(a);
        }
        match (a.opened_on, before.get(&a.id)) {
            (Some(_), _) => opened.push((key, a)),
            (None, Some(b)) if *b != a.balance => moved.push((a.id, a.balance - b, a.balance)),
            _ => {}
        }
    }
    // Renewed term deposits first, on their own: the script below may move the same rows,
    // and one PostgreSQL statement may not change a row twice. (Rare: a maturity passed.)
    // That is a second write: outside a transaction it would stand if the script failed.
    if !renewed.is_empty() && tx.is_autocommit() {
        if let Some(m) = memo {
            m.forget();
        }
        return Ok(None);
    }
    for a in &renewed {
        on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE savings_account SET maturity_date = $3 WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(a.id).bind(a.maturity).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    }

    // Everything else goes to the database as one script (see [`Script`]): its parts must
    // each write exactly their rows, or the batch rolls back.
    for chunk in opened.chunks(rows_per_statement(engine, 7)) {
        let sql = values_sql(
            "INSERT INTO savings_account (koperasi_id, id, member_id, product_id, balance, opened_on, maturity_date)",
            chunk.len(),
            7,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 7);
        for ((m, p), a) in chunk {
            vals.extend([
                k.0.into(),
                a.id.into(),
                m.0.into(),
                p.0.into(),
                a.balance.into(),
                a.opened_on.into(),
                a.maturity.into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    // Each moved account lands on its new balance only if it still holds the one this batch
    // read; otherwise something moved it meanwhile and the update comes up short.
    moved.sort_by_key(|(id, _, _)| *id);
    for chunk in moved.chunks(rows_per_statement(engine, 3)) {
        let (mut new, mut old, mut list) = (
            String::from("CASE id"),
            String::from("CASE id"),
            String::new(),
        );
        let mut vals: Vec<Val> = Vec::with_capacity(1 + chunk.len() * 3);
        vals.push(k.0.into());
        for (i, (id, delta, after)) in chunk.iter().enumerate() {
            let b = 2 + 3 * i;
            new.push_str(&format!(" WHEN ${b} THEN ${}", b + 1));
            old.push_str(&format!(" WHEN ${b} THEN ${}", b + 2));
            if i > 0 {
                list.push(',');
            }
            list.push_str(&format!("${b}"));
            vals.extend([(*id).into(), (*after).into(), (after - delta).into()]);
        }
        let sql = format!(
            "UPDATE savings_account SET balance = {new} ELSE balance END
             WHERE koperasi_id = $1 AND id IN ({list}) AND balance = {old} ELSE balance END"
        );
        script.push(&sql, vals, chunk.len() as u64);
    }

    let first_entry = *firsts
        .get("entry")
        .ok_or_else(|| StoreError::corrupt("no entry number"))?;
    let mut next_no: HashMap<i32, i64> = HashMap::new();
    for (name, first) in &firsts {
        if let Some(year) = name.strip_prefix("receipt:").and_then(|y| y.parse().ok()) {
            next_no.insert(year, *first);
        }
    }
    let t = now();
    let mut receipts = Vec::with_capacity(accepted.len());
    for a in accepted {
        let year = a.job.req.date.year();
        let seq = next_no
            .get_mut(&year)
            .ok_or_else(|| StoreError::corrupt("receipt year"))?;
        let receipt_no = format!("KW-{year}-{:06}", *seq);
        *seq += 1;
        receipts.push(Receipt {
            id: ReceiptId::new(),
            receipt_no,
            member_id: a.job.req.member,
            total: a.net(),
            method: a.method.as_str().to_string(),
            cashier: a.job.actor.name.clone(),
            created_at: t,
            lines: vec![],
        });
    }

    // One journal entry per request: each product's account against the money account's net.
    let entries: Vec<NewEntry> = accepted
        .iter()
        .zip(&receipts)
        .map(|(a, r)| NewEntry {
            date: a.job.req.date,
            description: format!("Simpanan anggota, kuitansi {}", r.receipt_no),
            reference: Some(r.receipt_no.clone()),
            source: Source::Savings,
            source_id: Some(r.id.to_string()),
            reverses: None,
            lines: a.entry_lines.clone(),
        })
        .collect();
    let pairs: Vec<(&Actor, &NewEntry)> = accepted
        .iter()
        .zip(&entries)
        .map(|(a, e)| (&a.job.actor, e))
        .collect();
    let totals: Vec<Rupiah> = accepted.iter().map(|a| a.total).collect();
    let posted = ledger::push_entries(&mut script, engine, k, &pairs, &totals, first_entry)?;

    for chunk in accepted
        .iter()
        .zip(&receipts)
        .collect::<Vec<_>>()
        .chunks(rows_per_statement(engine, 9))
    {
        let sql = values_sql(
            "INSERT INTO receipt (koperasi_id, id, receipt_no, member_id, total, method, cashier, cashier_id, created_at)",
            chunk.len(),
            9,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 9);
        for (a, r) in chunk {
            vals.extend([
                k.0.into(),
                r.id.0.into(),
                r.receipt_no.clone().into(),
                r.member_id.0.into(),
                r.total.into(),
                r.method.clone().into(),
                a.job.actor.name.clone().into(),
                a.job.actor.user_id.map(|u| u.0).into(),
                t.into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }

    // The savings lines, and the receipts as they will be read back.
    let mut tx_rows: Vec<(SavingsTx, Uuid)> = vec![];
    for ((a, r), (entry_id, _)) in accepted.iter().zip(receipts.iter_mut()).zip(&posted) {
        for l in &a.lines {
            let row = SavingsTx {
                id: SavingsTxId::new(),
                member_id: a.job.req.member,
                product_id: l.product,
                product_name: l.product_name.clone(),
                date: a.job.req.date,
                kind: l.kind.as_str().to_string(),
                amount: l.signed,
                balance_after: l.balance_after,
                method: Some(a.method.as_str().to_string()),
                entry_id: entry_id.0,
                receipt_id: Some(r.id),
                note: a.job.req.note.clone(),
                created_by: a.job.actor.name.clone(),
                created_at: t,
            };
            r.lines.push(row.clone());
            tx_rows.push((row, l.account));
        }
    }
    for chunk in tx_rows.chunks(rows_per_statement(engine, 15)) {
        let sql = values_sql(
            "INSERT INTO savings_tx (koperasi_id, id, savings_account_id, member_id, product_id, tx_date, kind, amount,
               balance_after, method, entry_id, receipt_id, note, created_by, created_at)",
            chunk.len(),
            15,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 15);
        for (row, acc) in chunk {
            vals.extend([
                k.0.into(),
                row.id.0.into(),
                (*acc).into(),
                row.member_id.0.into(),
                row.product_id.0.into(),
                row.date.into(),
                row.kind.clone().into(),
                row.amount.into(),
                row.balance_after.into(),
                row.method.clone().into(),
                row.entry_id.into(),
                row.receipt_id.map(|r| r.0).into(),
                row.note.clone().into(),
                row.created_by.clone().into(),
                row.created_at.into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }

    let records: Vec<Record<'_>> = accepted
        .iter()
        .zip(&receipts)
        .map(|(a, r)| Record {
            actor: &a.job.actor,
            entity: "receipt",
            entity_id: r.id.to_string(),
            action: Action::Create,
            changes: diff([
                ("receipt_no", None, Some(r.receipt_no.clone())),
                ("member_id", None, Some(r.member_id.to_string())),
                ("total", None, Some(r.total.to_string())),
                ("method", None, Some(r.method.clone())),
            ]),
        })
        .collect();
    audit::push_records(&mut script, engine, k, &records)?;

    // The first answer of every idempotency key, written with the posting it answers. A key
    // that another process claimed meanwhile makes the insert come up short (so does a balance
    // moved meanwhile, above): the batch rolls back and each request is retried alone (and
    // then finds that first answer).
    let mut answers: Vec<(&str, &str, String)> = vec![];
    for (a, r) in accepted.iter().zip(&receipts) {
        if let (Some(key), Some(hash)) = (a.job.idem_key.as_deref(), a.hash.as_deref()) {
            answers.push((
                key,
                hash,
                serde_json::to_string(r).map_err(StoreError::corrupt)?,
            ));
        }
    }
    for chunk in answers.chunks(rows_per_statement(engine, 6)) {
        let sql = format!(
            "{} ON CONFLICT (koperasi_id, idem_key) DO NOTHING",
            values_sql(
                "INSERT INTO idempotency_key (koperasi_id, idem_key, user_id, request_hash, response, created_at)",
                chunk.len(),
                6,
            )
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 6);
        for (key, hash, response) in chunk {
            vals.extend([
                k.0.into(),
                (*key).into(),
                None::<Uuid>.into(),
                (*hash).into(),
                response.clone().into(),
                t.into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    if !script.run(tx).await? {
        return Err(moved_meanwhile());
    }
    Ok(Some(receipts))
}

// =============================================================================================
// The desk: writers that take the requests in batches.

struct Ticket {
    k: KoperasiId,
    job: CounterJob,
    reply: oneshot::Sender<StoreResult<Receipt>>,
}

/// The handle requests are sent through; the writer tasks start with the first request.
#[derive(Clone, Default, Debug)]
pub struct Desk {
    sender: Arc<OnceLock<mpsc::Sender<Ticket>>>,
    stats: Arc<DeskCounters>,
    memo: Arc<SeqMemo>,
}

/// The last value of each coop's counters (entry and receipt numbers) as the desk's writers
/// last set them, so a batch takes its numbers without reading them first (one statement
/// fewer, and on PostgreSQL the counters' row is locked for that much less time).
///
/// A batch that took its numbers from here sets each counter in its script's first parts
/// with a conditional update (`… WHERE last = <the value remembered>`): if anything else
/// moved a counter meanwhile (another process, a marketplace posting, a batch that rolled
/// back), the update comes up short, the batch rolls back, the memory is dropped, and the
/// batch is posted again reading the counters. Numbers stay gapless and in commit order.
///
/// `turn` is held from taking the numbers until the batch has committed: a conditional
/// update compares with the last committed value (on PostgreSQL a row another transaction
/// has changed but not committed is compared as it was), so the next batch may run its script
/// only once the one before it committed. The other writer meanwhile reads.
#[derive(Default, Debug)]
struct SeqMemo {
    last: std::sync::Mutex<HashMap<(KoperasiId, String), i64>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// A writer's turn to write with remembered numbers (see [`SeqMemo`]).
type Turn = tokio::sync::OwnedMutexGuard<()>;

impl SeqMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(KoperasiId, String), i64>> {
        // A panic while holding it left a map of whole values; a wrong one is caught by
        // the conditional update.
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For each wanted (counter, how many): (counter, its last value, its new last value),
    /// and remembers the new values. `None` unless every counter is remembered.
    fn take(&self, k: KoperasiId, wanted: &[(String, i64)]) -> Option<Vec<(String, i64, i64)>> {
        let mut last = self.lock();
        let mut out = Vec::with_capacity(wanted.len());
        for (name, n) in wanted {
            let old = *last.get(&(k, name.clone()))?;
            out.push((name.clone(), old, old + n));
        }
        for (name, _, new) in &out {
            last.insert((k, name.clone()), *new);
        }
        Some(out)
    }

    /// Remembers the counters as a read reserved them (`firsts`: each counter's first new value).
    fn keep(&self, k: KoperasiId, wanted: &[(String, i64)], firsts: &HashMap<String, i64>) {
        let mut last = self.lock();
        for (name, n) in wanted {
            if let Some(first) = firsts.get(name) {
                last.insert((k, name.clone()), first + n - 1);
            }
        }
    }

    /// Forgets everything (after a batch failed: what it remembered may never be written).
    fn forget(&self) {
        self.lock().clear();
    }
}

#[derive(Default, Debug)]
struct DeskCounters {
    batches: AtomicU64,
    requests: AtomicU64,
    busy_micros: AtomicU64,
    retried: AtomicU64,
}

/// What the desk has done since the process started (read by `guyub bench-books`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeskStats {
    /// Transactions committed (or tried).
    pub batches: u64,
    /// Requests answered.
    pub requests: u64,
    /// Time spent posting, in microseconds.
    pub busy_micros: u64,
    /// Batches that failed as a whole and were posted again (reading the counters, then
    /// each request alone).
    pub retried: u64,
}

impl Desk {
    pub fn stats(&self) -> DeskStats {
        DeskStats {
            batches: self.stats.batches.load(Ordering::Relaxed),
            requests: self.stats.requests.load(Ordering::Relaxed),
            busy_micros: self.stats.busy_micros.load(Ordering::Relaxed),
            retried: self.stats.retried.load(Ordering::Relaxed),
        }
    }

    async fn post(&self, db: &Db, k: KoperasiId, job: CounterJob) -> StoreResult<Receipt> {
        let sender = self.sender.get_or_init(|| {
            let (s, r) = mpsc::channel(4096);
            let intake = Arc::new(tokio::sync::Mutex::new(Intake {
                inbox: r,
                held: VecDeque::new(),
            }));
            let in_flight = Arc::new(InFlight::default());
            let mut tasks: Vec<DeskTask> = (0..writers(db.engine()))
                .map(|_| {
                    Box::pin(run_writer(
                        db.clone(),
                        intake.clone(),
                        in_flight.clone(),
                        self.memo.clone(),
                        self.stats.clone(),
                    )) as DeskTask
                })
                .collect();
            if db.engine() == crate::Engine::Sqlite {
                tasks.push(Box::pin(checkpointer(
                    db.clone(),
                    Arc::downgrade(&in_flight),
                )));
            }
            run_on_own_thread(tasks);
            s
        });
        let (reply, answer) = oneshot::channel();
        let gone = || {
            StoreError::Conflict(Msg::new(
                "Loket sedang berhenti; tidak ada yang dicatat. Silakan ulangi.",
                "The counter is shutting down; nothing was posted. Please try again.",
            ))
        };
        sender
            .send(Ticket { k, job, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Runs the writers on a thread of their own (a single-threaded runtime), else on the
/// caller's runtime.
///
/// Why: the desk is where every counter payment queues, and a batch is a handful of round
/// trips. On the shared runtime each answer from the database waited for a worker thread
/// busy with web requests: measured with `guyub bench-books` on 2 cores, a `BEGIN` took
/// 0.5 ms of wall time under load. The operating system schedules the desk's own thread as
/// soon as an answer arrives.
fn run_on_own_thread(tasks: Vec<DeskTask>) {
    let built = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let rt = match built {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!(error = %e, "the desk runs on the shared runtime");
            for t in tasks {
                tokio::spawn(t);
            }
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("guyub-desk".into())
        .spawn(move || {
            rt.block_on(async move {
                let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
                for h in handles {
                    let _ = h.await;
                }
            });
        });
    if let Err(e) = spawned {
        // The tasks went with the closure; without a thread nothing will answer, and the
        // callers are told the counter stopped (their sends fail once the inbox is dropped).
        tracing::error!(error = %e, "could not start the desk's thread");
    }
}

/// One of the tasks on the desk's thread.
type DeskTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// How often [`checkpointer`] runs.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// SQLite: copies the write-ahead log into the database file every [`CHECKPOINT_EVERY`], on a
/// connection of its own, for as long as the writers run (`writers` is theirs).
///
/// Why: SQLite checkpoints inside the commit that grows the log past `wal_autocheckpoint`
/// pages, and that commit (the desk's, which every payment of the coop waits for) then copies
/// thousands of pages. Measured with `guyub bench-books`: the desk's commits took 0.29 ms at
/// the median but 0.56 ms on average. A passive checkpoint here copies what it can without
/// blocking the writer or readers, on the other core; the writer's own checkpoint finds
/// little left to copy (or this one busy, and skips). `wal_autocheckpoint` stays the backstop.
async fn checkpointer(db: Db, writers: std::sync::Weak<InFlight>) {
    let mut conn: Option<WriterConn> = None;
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if writers.upgrade().is_none() {
            return;
        }
        if conn.is_none() {
            conn = match db.writer_connection().await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "the desk's checkpointer could not connect");
                    None
                }
            };
        }
        let Some(WriterConn::Sqlite(c)) = conn.as_mut() else {
            continue;
        };
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut *c)
            .await
        {
            tracing::warn!(error = %e, "the desk's checkpoint failed; retrying on a new connection");
            conn = None;
        }
    }
}

/// How many batches may be in flight at once, each on its own connection.
///
/// SQLite has one writer at a time, so one. On PostgreSQL two: while one batch writes and
/// waits for its commit to be durable, the next one reads (members, balances,
/// open years) on the other connection. Batches of one coop still write one after the other:
/// each first takes the coop's counters row (`book_seq`), which the other holds until it
/// commits. A member is never in two batches at once (see [`Intake::next_batch`]), so no batch
/// reads a balance the other is about to move. Measured with `guyub bench-books`
/// (docs/BENCHMARKS.md).
fn writers(engine: crate::Engine) -> usize {
    match engine {
        crate::Engine::Sqlite => 1,
        crate::Engine::Postgres => 2,
    }
}

/// What the writers take their batches from: the requests sent, and those held back for a
/// later batch (see [`Intake::next_batch`]).
struct Intake {
    inbox: mpsc::Receiver<Ticket>,
    held: VecDeque<Ticket>,
}

/// The members in the batches being posted, shared by the writers outside the intake's lock
/// (a writer that finished must be able to say so while another waits for requests).
#[derive(Default)]
struct InFlight {
    members: std::sync::Mutex<HashSet<(KoperasiId, MemberId)>>,
    /// Signalled when a batch's members are free again.
    freed: tokio::sync::Notify,
}

impl InFlight {
    fn members(&self) -> std::sync::MutexGuard<'_, HashSet<(KoperasiId, MemberId)>> {
        // A writer that panicked while holding the lock left a set that is still a set.
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Intake {
    /// Waits until there is something to post, then takes it and whatever else has queued
    /// (up to [`MAX_BATCH`]), in the order sent, except:
    /// - a request whose member is in another writer's batch waits until that one is posted
    ///   (so two batches never race for one balance, and one member's requests stay in order);
    /// - a request whose idempotency key is already in this batch waits for a later one, where
    ///   it finds the first answer.
    ///
    /// The batch's members are marked in flight. `None` when the desk is closed.
    async fn next_batch(&mut self, in_flight: &InFlight) -> Option<Vec<Ticket>> {
        loop {
            // Listen before looking, so a batch freed in between is not missed.
            let freed = in_flight.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(batch) = self.take(in_flight) {
                return Some(batch);
            }
            tokio::select! {
                t = self.inbox.recv() => self.held.push_back(t?),
                _ = &mut freed => {}
            }
        }
    }

    /// The batch that can be posted now, if any: see [`Intake::next_batch`].
    fn take(&mut self, in_flight: &InFlight) -> Option<Vec<Ticket>> {
        let mut busy = in_flight.members();
        let mut batch: Vec<Ticket> = vec![];
        let mut later = VecDeque::new();
        let mut keys: HashSet<(KoperasiId, String)> = HashSet::new();
        let mut waiting: HashSet<(KoperasiId, MemberId)> = HashSet::new();
        while batch.len() < MAX_BATCH {
            let next = match self.held.pop_front() {
                Some(t) => t,
                None => match self.inbox.try_recv() {
                    Ok(t) => t,
                    Err(_) => break,
                },
            };
            let member = (next.k, next.job.req.member);
            // Behind a request of the same member that waits: wait too, to keep the order.
            let blocked = busy.contains(&member) || waiting.contains(&member);
            let repeated = !blocked
                && next
                    .job
                    .idem_key
                    .as_ref()
                    .is_some_and(|key| !keys.insert((next.k, key.clone())));
            if blocked || repeated {
                waiting.insert(member);
                later.push_back(next);
            } else {
                batch.push(next);
            }
        }
        later.extend(self.held.drain(..));
        self.held = later;
        if batch.is_empty() {
            return None;
        }
        busy.extend(batch.iter().map(|t| (t.k, t.job.req.member)));
        Some(batch)
    }
}

/// A writer: takes a batch (while it waits for one, the other writers wait for it to take
/// its batch first), posts it on its own connection, answers, repeats.
async fn run_writer(
    db: Db,
    intake: Arc<tokio::sync::Mutex<Intake>>,
    in_flight: Arc<InFlight>,
    memo: Arc<SeqMemo>,
    stats: Arc<DeskCounters>,
) {
    let mut w = Writer {
        db,
        conn: None,
        seen: Seen::default(),
        memo,
        stats,
    };
    loop {
        let batch = {
            let mut intake = intake.lock().await;
            match intake.next_batch(&in_flight).await {
                Some(b) => b,
                None => return,
            }
        };
        let members: Vec<(KoperasiId, MemberId)> =
            batch.iter().map(|t| (t.k, t.job.req.member)).collect();
        let started = std::time::Instant::now();
        let n = batch.len() as u64;
        w.post_batch(batch).await;
        {
            let mut busy = in_flight.members();
            for m in &members {
                busy.remove(m);
            }
        }
        in_flight.freed.notify_waiters();
        w.stats.batches.fetch_add(1, Ordering::Relaxed);
        w.stats.requests.fetch_add(n, Ordering::Relaxed);
        w.stats.busy_micros.fetch_add(
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

/// One writer's state: its own connection, kept while it works (see [`WriterConn`]), and
/// what it has seen through that connection ([`Seen`]); the desk's shared counter memory and
/// statistics.
struct Writer {
    db: Db,
    conn: Option<WriterConn>,
    seen: Seen,
    memo: Arc<SeqMemo>,
    stats: Arc<DeskCounters>,
}

impl Writer {
    /// Posts one batch and answers each request, one coop after the other (on PostgreSQL
    /// each coop's postings are one self-committing statement, which cannot span coops).
    async fn post_batch(&mut self, batch: Vec<Ticket>) {
        let mut groups: Vec<Vec<Ticket>> = vec![];
        for t in batch {
            match groups
                .iter_mut()
                .find(|g| g.first().is_some_and(|f| f.k == t.k))
            {
                Some(g) => g.push(t),
                None => groups.push(vec![t]),
            }
        }
        for g in groups {
            self.post_group(g).await;
        }
    }

    /// Posts the requests of one coop. First as one self-committing statement (PostgreSQL)
    /// or one transaction (SQLite) with the numbers remembered; in a transaction when that
    /// cannot be (the numbers not remembered, a term deposit renews). If the batch as a
    /// whole fails (the database, a counter or a balance moved by another writer, or the
    /// replay of a key answered before), it is posted once more reading the counters and
    /// looking its keys up first, then each request on its own.
    async fn post_group(&mut self, batch: Vec<Ticket>) {
        let mut outcome = self.try_batch(&batch, true, KeyLookup::Refused, true).await;
        if matches!(outcome, Ok(None)) {
            outcome = self
                .try_batch(&batch, true, KeyLookup::Refused, false)
                .await;
        }
        if !matches!(outcome, Ok(Some(_))) {
            // Whatever failed it (a counter moved, a replayed key, a balance moved) is looked
            // for this time: the counters read, the keys looked up first.
            self.stats.retried.fetch_add(1, Ordering::Relaxed);
            self.memo.forget();
            outcome = self.try_batch(&batch, false, KeyLookup::First, false).await;
        }
        match outcome {
            Ok(Some(answers)) => {
                for (t, a) in batch.into_iter().zip(answers) {
                    // The caller may have gone (a closed connection); its posting stands, and
                    // a retry with the same key finds it.
                    let _ = t.reply.send(a);
                }
            }
            // Also a batch of one: it was posted without looking up its key first, and a
            // replay fails just so; alone, the key is looked up.
            _ => {
                for t in batch {
                    let one = post_one(&self.db, t.k, &t.job).await;
                    let _ = t.reply.send(one);
                }
            }
        }
    }

    /// Posts the requests of one coop on the writer's connection, outside a transaction when
    /// `autocommit` and the engine allows it ([`WriterConn::begin`]): each request's answer,
    /// `None` when the batch must be posted in a transaction (nothing was written), or the
    /// error that undid it. The numbers come from the desk's memory when `remembered` and it
    /// has them.
    async fn try_batch(
        &mut self,
        batch: &[Ticket],
        remembered: bool,
        lookup: KeyLookup,
        autocommit: bool,
    ) -> StoreResult<Option<Vec<StoreResult<Receipt>>>> {
        let t0 = std::time::Instant::now();
        if self.conn.is_none() {
            self.conn = Some(self.db.writer_connection().await?);
        }
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| StoreError::corrupt("no writer connection"))?;
        let memo = remembered.then_some(&*self.memo);
        let outcome = write_batch(conn, &mut self.seen, batch, memo, lookup, autocommit, t0).await;
        // A connection that failed below the SQL (closed, broken) is replaced for the next
        // batch; after a refusal or a rolled-back batch it is as good as before. What was
        // seen goes with either (a rolled-back batch may have kept a fiscal year's row it
        // never wrote).
        if outcome.is_err() {
            self.seen = Seen::default();
        }
        if let Err(StoreError::Db(e)) = &outcome
            && !matches!(e, sqlx::Error::Database(_) | sqlx::Error::RowNotFound)
        {
            self.conn = None;
        }
        outcome
    }
}

/// [`Writer::try_batch`] on the writer's connection. The requests are all of one coop.
async fn write_batch(
    conn: &mut WriterConn,
    seen: &mut Seen,
    batch: &[Ticket],
    memo: Option<&SeqMemo>,
    lookup: KeyLookup,
    autocommit: bool,
    t0: std::time::Instant,
) -> StoreResult<Option<Vec<StoreResult<Receipt>>>> {
    let Some(k) = batch.first().map(|t| t.k) else {
        return Ok(Some(vec![]));
    };
    let mut tx = conn.begin(autocommit).await?;
    let in_one_statement = tx.is_autocommit();
    let t1 = t0.elapsed();
    let jobs: Vec<CounterJob> = batch.iter().map(|t| t.job.clone()).collect();
    // The desk's turn, once this batch takes its numbers; given back after the commit (or
    // the rollback).
    let mut turn: Option<Turn> = None;
    let posted = match post_jobs(&mut tx, k, &jobs, lookup, memo, Some(&mut turn), Some(seen)).await
    {
        Ok(Some(answers)) => answers,
        Ok(None) => {
            tx.rollback().await?;
            return Ok(None);
        }
        Err(e) => {
            // Now, not when the connection is next used: another writer (or this batch's
            // requests retried alone on the pool) may be waiting for these locks.
            tx.rollback().await?;
            drop(turn);
            return Err(e);
        }
    };
    let t2 = t0.elapsed();
    tx.commit().await?;
    drop(turn);
    tracing::debug!(
        target: "guyub::desk",
        requests = batch.len(),
        in_one_statement,
        begin_us = t1.as_micros() as u64,
        post_us = (t2 - t1).as_micros() as u64,
        commit_us = (t0.elapsed() - t2).as_micros() as u64,
        "batch posted"
    );
    Ok(Some(posted))
}

/// Posts one request in its own transaction.
async fn post_one(db: &Db, k: KoperasiId, job: &CounterJob) -> StoreResult<Receipt> {
    let mut tx = db.begin_write().await?;
    let answer = post_single(&mut tx, k, job).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Posts one request in `tx`: a batch of one, and its answer.
async fn post_single(tx: &mut Tx<'_>, k: KoperasiId, job: &CounterJob) -> StoreResult<Receipt> {
    post_counter_batch(tx, k, std::slice::from_ref(job), KeyLookup::First)
        .await?
        .into_iter()
        .next()
        .unwrap_or_else(|| Err(no_answer()))
}

impl Tenant<'_> {
    /// Takes several payments (or withdrawals) for one member at once, as one receipt and one
    /// journal entry: Dr cash/bank/QRIS clearing − Cr each product's account for deposits,
    /// the reverse for withdrawals. With an idempotency key, a replay returns the first
    /// receipt and posts nothing. Posted by the desk, together with whatever other counter
    /// requests arrived at the same moment.
    pub async fn counter(
        &self,
        actor: &Actor,
        idem_key: Option<&str>,
        req: &CounterRequest,
    ) -> StoreResult<Receipt> {
        let job = CounterJob {
            actor: actor.clone(),
            idem_key: idem_key.map(str::to_string),
            req: req.clone(),
        };
        self.desk.post(self.db, self.koperasi_id, job).await
    }

    /// Posts one counter request inside a caller's transaction (bulk loads such as the demo's
    /// year of activity). Returns the receipt's id.
    pub async fn counter_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        req: &CounterRequest,
    ) -> StoreResult<ReceiptId> {
        let job = CounterJob {
            actor: actor.clone(),
            idem_key: None,
            req: req.clone(),
        };
        Ok(post_single(tx, self.koperasi_id, &job).await?.id)
    }
}

#[cfg(test)]
mod intake_tests {
    use super::*;

    fn ticket(k: KoperasiId, member: MemberId, key: Option<&str>) -> Ticket {
        let (reply, _answer) = oneshot::channel();
        Ticket {
            k,
            job: CounterJob {
                actor: Actor::system("test"),
                idem_key: key.map(str::to_string),
                req: CounterRequest {
                    member,
                    method: "tunai".into(),
                    date: time::macros::date!(2025 - 05 - 02),
                    movements: vec![],
                    note: key.map(str::to_string),
                },
            },
            reply,
        }
    }

    fn intake() -> (mpsc::Sender<Ticket>, Intake) {
        let (send, inbox) = mpsc::channel(16);
        let intake = Intake {
            inbox,
            held: VecDeque::new(),
        };
        (send, intake)
    }

    fn notes(batch: &[Ticket]) -> Vec<String> {
        batch
            .iter()
            .map(|t| t.job.req.note.clone().unwrap_or_default())
            .collect()
    }

    #[tokio::test]
    async fn a_member_in_another_batch_waits_and_keeps_the_order() {
        let (send, mut intake) = intake();
        let in_flight = InFlight::default();
        let k = KoperasiId::new();
        let (ani, budi, citra) = (MemberId::new(), MemberId::new(), MemberId::new());
        for (m, key) in [(ani, "a1"), (budi, "b1")] {
            send.send(ticket(k, m, Some(key))).await.unwrap();
        }
        // The first writer's batch: both, now in flight.
        let first = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(notes(&first), ["a1", "b1"]);
        // Meanwhile Ani again (twice), then Citra: the second writer takes only Citra.
        for (m, key) in [(ani, "a2"), (ani, "a3"), (citra, "c1")] {
            send.send(ticket(k, m, Some(key))).await.unwrap();
        }
        let second = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(notes(&second), ["c1"]);
        // The first batch is posted: Ani's two, in the order sent.
        in_flight.members().retain(|(_, m)| *m != ani && *m != budi);
        let third = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(notes(&third), ["a2", "a3"]);
    }

    #[tokio::test]
    async fn a_waiting_writer_wakes_when_a_member_is_freed() {
        let (send, mut intake) = intake();
        let in_flight = Arc::new(InFlight::default());
        let k = KoperasiId::new();
        let ani = MemberId::new();
        send.send(ticket(k, ani, Some("a1"))).await.unwrap();
        send.send(ticket(k, ani, Some("a2"))).await.unwrap();
        let first = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(notes(&first), ["a1", "a2"]);
        send.send(ticket(k, ani, Some("a3"))).await.unwrap();
        // No new request comes; the other writer frees Ani a little later.
        let freer = in_flight.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            freer.members().clear();
            freer.freed.notify_waiters();
        });
        let next = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            intake.next_batch(&in_flight),
        )
        .await
        .expect("the held request was taken once its member was free")
        .unwrap();
        assert_eq!(notes(&next), ["a3"]);
    }

    #[tokio::test]
    async fn a_repeated_key_waits_for_the_next_batch() {
        let (send, mut intake) = intake();
        let in_flight = InFlight::default();
        let k = KoperasiId::new();
        send.send(ticket(k, MemberId::new(), Some("same")))
            .await
            .unwrap();
        send.send(ticket(k, MemberId::new(), Some("same")))
            .await
            .unwrap();
        let first = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(first.len(), 1);
        in_flight.members().clear();
        let second = intake.next_batch(&in_flight).await.unwrap();
        assert_eq!(second.len(), 1);
    }
}
