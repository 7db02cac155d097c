//! The ledger: a coop's chart of accounts, fiscal periods, journal entries and the reports
//! read from them (trial balance, general ledger).
//!
//! Invariants kept here, with the core's `ledger::check_lines` as the gate: every entry is
//! balanced, has at least two lines, and posts only to active posting (non-header) accounts;
//! an entry is never changed or deleted (a mistake is corrected by a reversing entry that
//! points to it); nothing posts into a closed fiscal year; `account_balance` always equals the
//! sums of the account's lines (updated in the same transaction; `guyub books verify` checks).

use std::collections::HashMap;

use guyub_core::Msg;
use guyub_core::ids::{AccountId, EntryId, KoperasiId};
use guyub_core::ledger::{
    AccountClass, AccountCode, AccountRole, AccountState, LineInput, check_lines,
    fiscal_year_bounds, fiscal_year_of, standard_chart,
};
use guyub_core::money::Rupiah;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::sql::{Script, Val, in_list_sql, values_sql};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// An account with its current totals.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub code: String,
    pub name: String,
    pub class: String,
    pub parent_id: Option<AccountId>,
    pub is_header: bool,
    pub active: bool,
    pub role: Option<String>,
    pub debit: i64,
    pub credit: i64,
}

impl Account {
    /// The balance on the account's normal side (debit for assets and expenses).
    pub fn balance(&self) -> i64 {
        let debit_normal = AccountClass::parse(&self.class)
            .map(|c| c.normal_debit())
            .unwrap_or(true);
        if debit_normal {
            self.debit - self.credit
        } else {
            self.credit - self.debit
        }
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    code: String,
    name: String,
    class: String,
    parent_id: Option<Uuid>,
    is_header: bool,
    active: bool,
    role: Option<String>,
    debit: i64,
    credit: i64,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            id: AccountId(r.id),
            code: r.code,
            name: r.name,
            class: r.class,
            parent_id: r.parent_id.map(AccountId),
            is_header: r.is_header,
            active: r.active,
            role: r.role,
            debit: r.debit,
            credit: r.credit,
        }
    }
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.code, a.name, a.class, a.parent_id, a.is_header, a.active, a.role,
        COALESCE(b.debit, 0) AS debit, COALESCE(b.credit, 0) AS credit
     FROM account a LEFT JOIN account_balance b ON b.koperasi_id = a.koperasi_id AND b.account_id = a.id";

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manual,
    Savings,
    Opening,
    CashClosing,
    Settlement,
    Reversal,
    /// An acquirer's QRIS settlement into the bank (clearing out, MDR expense).
    QrisSettlement,
    /// The marketplace (pasar): a paid order, its refund, a seller payout.
    Market,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::Savings => "savings",
            Source::Opening => "opening",
            Source::CashClosing => "cash_closing",
            Source::Settlement => "settlement",
            Source::Reversal => "reversal",
            Source::QrisSettlement => "qris_settlement",
            Source::Market => "pasar",
        }
    }
}

/// A journal entry to post.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub date: Date,
    pub description: String,
    pub reference: Option<String>,
    pub source: Source,
    pub source_id: Option<String>,
    pub reverses: Option<EntryId>,
    pub lines: Vec<LineInput>,
}

/// A posted entry, as read back.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: EntryId,
    pub entry_no: i64,
    pub date: Date,
    pub description: String,
    pub reference: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    pub reverses_id: Option<EntryId>,
    pub reversed_by: Option<EntryId>,
    pub total: i64,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub lines: Vec<EntryLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryLine {
    pub line_no: i64,
    pub account_id: AccountId,
    pub account_code: String,
    pub account_name: String,
    pub debit: i64,
    pub credit: i64,
    pub memo: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    entry_no: i64,
    entry_date: Date,
    description: String,
    reference: Option<String>,
    source: String,
    source_id: Option<String>,
    reverses_id: Option<Uuid>,
    total: i64,
    created_by: String,
    created_at: OffsetDateTime,
}

/// The trial balance: every posting account with its totals; debits equal credits.
#[derive(Debug, Clone, Serialize)]
pub struct TrialBalance {
    pub rows: Vec<Account>,
    pub total_debit: i64,
    pub total_credit: i64,
}

/// One line of an account's general ledger, with the running balance after it.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub entry_id: EntryId,
    pub entry_no: i64,
    pub date: Date,
    pub description: String,
    pub debit: i64,
    pub credit: i64,
    pub balance: i64,
}

pub(crate) fn period_closed(year: i32) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!("Tahun buku {year} sudah ditutup; tidak bisa mencatat transaksi pada tanggal itu."),
        format!("Fiscal year {year} is closed; nothing can be posted on that date."),
    ))
}

/// Creates the standard chart of accounts (and zero balances) for a new coop, in `tx`.
pub async fn create_chart(
    tx: &mut Tx<'_>,
    k: KoperasiId,
) -> StoreResult<HashMap<String, AccountId>> {
    let t = now();
    let mut ids: HashMap<String, AccountId> = HashMap::new();
    for a in standard_chart() {
        let code = AccountCode::parse(a.code).map_err(StoreError::corrupt)?;
        let id = AccountId::new();
        // The parent is the longest existing code that prefixes this one.
        let parent = (1..a.code.len())
            .rev()
            .find_map(|n| ids.get(&a.code[..n]).copied());
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO account (koperasi_id, id, code, name, class, parent_id, is_header, active, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
            .bind(k.0).bind(id.0).bind(a.code).bind(a.name_id).bind(code.class().as_str())
            .bind(parent.map(|p| p.0)).bind(a.is_header).bind(true).bind(a.role.map(|r| r.as_str())).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO account_balance (koperasi_id, account_id, debit, credit) VALUES ($1, $2, 0, 0)")
            .bind(k.0).bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        ids.insert(a.code.to_string(), id);
    }
    Ok(ids)
}

/// The account that plays `role` in this coop's books.
pub async fn role_account(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    role: AccountRole,
) -> StoreResult<AccountId> {
    let id: Option<Uuid> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM account WHERE koperasi_id = $1 AND role = $2")
        .bind(k.0).bind(role.as_str()).fetch_optional(&mut **c).await)?;
    id.map(AccountId)
        .ok_or_else(|| StoreError::corrupt(format!("no account with role {}", role.as_str())))
}

/// The account that plays `role`, created from the standard chart if this coop's chart has
/// none (a role added to the standard chart after the coop was made, such as
/// [`AccountRole::PaymentFees`]). The new account goes under the same parent as in the
/// standard chart, with the standard code or, if the coop used that code for something else,
/// the next free one.
pub async fn ensure_role_account(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    role: AccountRole,
) -> StoreResult<AccountId> {
    let found: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar("SELECT id FROM account WHERE koperasi_id = $1 AND role = $2")
        .bind(k.0).bind(role.as_str()).fetch_optional(&mut **c).await)?;
    if let Some(id) = found {
        return Ok(AccountId(id));
    }
    let template = role.standard_account().ok_or_else(|| {
        StoreError::corrupt(format!("role {} has no standard account", role.as_str()))
    })?;
    let codes: Vec<(String, Uuid, bool)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT code, id, is_header FROM account WHERE koperasi_id = $1")
        .bind(k.0).fetch_all(&mut **c).await)?;
    let parent = (1..template.code.len())
        .rev()
        .find_map(|n| {
            codes
                .iter()
                .find(|(code, _, header)| *header && code == &template.code[..n])
        })
        .map(|(_, id, _)| *id);
    let base: i64 = template.code.parse().map_err(StoreError::corrupt)?;
    let code = (0..50)
        .map(|i| (base + i).to_string())
        .find(|c| !codes.iter().any(|(x, _, _)| x == c))
        .ok_or_else(|| StoreError::corrupt("no free account code"))?;
    let class = AccountCode::parse(&code)
        .map_err(StoreError::corrupt)?
        .class();
    let id = AccountId::new();
    let t = now();
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO account (koperasi_id, id, code, name, class, parent_id, is_header, active, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
        .bind(k.0).bind(id.0).bind(code).bind(template.name_id).bind(class.as_str())
        .bind(parent).bind(false).bind(true).bind(role.as_str()).bind(t)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO account_balance (koperasi_id, account_id, debit, credit) VALUES ($1, $2, 0, 0)")
        .bind(k.0).bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

/// Next value of a per-coop counter.
pub async fn next_seq(tx: &mut Tx<'_>, k: KoperasiId, name: &str) -> StoreResult<i64> {
    reserve_seq(tx, k, name, 1).await
}

/// Reserves `n` consecutive values of a per-coop counter in one statement and returns the
/// first. The counter row stays locked until the transaction ends, so numbers are gapless:
/// a rolled-back transaction gives its numbers back.
pub async fn reserve_seq(tx: &mut Tx<'_>, k: KoperasiId, name: &str, n: i64) -> StoreResult<i64> {
    let last: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO book_seq (koperasi_id, name, last) VALUES ($1, $2, $3)
         ON CONFLICT (koperasi_id, name) DO UPDATE SET last = book_seq.last + excluded.last RETURNING last")
        .bind(k.0).bind(name).bind(n).fetch_one(&mut **c).await)?;
    Ok(last - n + 1)
}

/// Reserves consecutive values of several per-coop counters in one statement: for each
/// (name, n) the first of its `n` new values. See [`reserve_seq`].
pub async fn reserve_seqs(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    wanted: &[(String, i64)],
) -> StoreResult<HashMap<String, i64>> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "{} ON CONFLICT (koperasi_id, name) DO UPDATE SET last = book_seq.last + excluded.last RETURNING name, last",
        values_sql(
            "INSERT INTO book_seq (koperasi_id, name, last)",
            wanted.len(),
            3
        )
    );
    let rows: Vec<(String, i64)> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for (name, n) in wanted { q = q.bind(k.0).bind(name.clone()).bind(*n); }
        q.fetch_all(&mut **c).await
    })?;
    let mut out = HashMap::new();
    for (name, last) in rows {
        let n = wanted
            .iter()
            .find(|(w, _)| *w == name)
            .map(|(_, n)| *n)
            .ok_or_else(|| StoreError::corrupt("a counter that was not asked for"))?;
        out.insert(name, last - n + 1);
    }
    if out.len() != wanted.len() {
        return Err(StoreError::corrupt("a counter name asked for twice"));
    }
    Ok(out)
}

/// The fiscal year of each of `dates`: `Ok(())` where it is open (its period row is made if
/// it was missing), `Err(year)` where it is closed. Two statements however many dates.
pub async fn period_states(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    dates: &[Date],
) -> StoreResult<HashMap<Date, Result<(), i32>>> {
    let mut out = HashMap::new();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(out);
    };
    let periods: Vec<(i64, Date, Date, Option<OffsetDateTime>)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT year, start_date, end_date, closed_at FROM fiscal_period
         WHERE koperasi_id = $1 AND end_date >= $2 AND start_date <= $3")
        .bind(k.0).bind(*first).bind(*last).fetch_all(&mut **c).await)?;
    let mut start_month: Option<u8> = None;
    for d in dates {
        if out.contains_key(d) {
            continue;
        }
        if let Some((year, _, _, closed)) = periods.iter().find(|p| p.1 <= *d && p.2 >= *d) {
            let state = match closed {
                Some(_) => Err(i32::try_from(*year).unwrap_or_default()),
                None => Ok(()),
            };
            out.insert(*d, state);
            continue;
        }
        // No period row yet: make it from the bylaws' fiscal year start (January by default).
        let month = match start_month {
            Some(m) => m,
            None => {
                let m: i64 = on_tx!(&mut *tx, c => sqlx::query_scalar(
                    "SELECT fiscal_year_start_month FROM bylaws WHERE koperasi_id = $1 AND effective_year <= $2
                     ORDER BY effective_year DESC LIMIT 1")
                    .bind(k.0).bind(i64::from(d.year())).fetch_optional(&mut **c).await)?
                    .unwrap_or(1);
                let m = u8::try_from(m).unwrap_or(1);
                start_month = Some(m);
                m
            }
        };
        let fy = fiscal_year_of(*d, month);
        let (start, end) = fiscal_year_bounds(fy, month);
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO fiscal_period (koperasi_id, year, start_date, end_date) VALUES ($1, $2, $3, $4)
             ON CONFLICT (koperasi_id, year) DO NOTHING")
            .bind(k.0).bind(i64::from(fy)).bind(start).bind(end).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        out.insert(*d, Ok(()));
    }
    Ok(out)
}

/// Posts a journal entry in `tx` (see [`post_many`]). Returns its id and number.
pub async fn post(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    actor: &Actor,
    e: &NewEntry,
) -> StoreResult<(EntryId, i64)> {
    let posted = post_many(tx, k, &[(actor, e)]).await?;
    posted
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::corrupt("post_many returned no entry"))
}

/// Posts journal entries in `tx`, all or nothing: checks the core's rules against the
/// accounts as they are in this transaction, refuses a closed fiscal year, numbers the
/// entries in order, writes them and their lines, and moves the running balances. A handful
/// of statements however many entries, so a batch of counter payments costs little more
/// than one. Returns each entry's id and number, in the order given.
pub async fn post_many(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    entries: &[(&Actor, &NewEntry)],
) -> StoreResult<Vec<(EntryId, i64)>> {
    if entries.is_empty() {
        return Ok(vec![]);
    }
    // Accounts of the lines.
    let mut wanted: Vec<Uuid> = entries
        .iter()
        .flat_map(|(_, e)| e.lines.iter().map(|l| l.account.0))
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut states: HashMap<AccountId, AccountState> = HashMap::new();
    for chunk in wanted.chunks(200) {
        let sql = in_list_sql(
            "SELECT id, code, is_header, active FROM account WHERE koperasi_id = $1 AND id IN (",
            chunk.len(),
        );
        let rows: Vec<(Uuid, String, bool, bool)> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for id in chunk { q = q.bind(*id); }
            q.fetch_all(&mut **c).await
        })?;
        for (id, code, is_header, active) in rows {
            let code = AccountCode::parse(&code).map_err(StoreError::corrupt)?;
            states.insert(
                AccountId(id),
                AccountState {
                    code,
                    is_header,
                    active,
                },
            );
        }
    }
    let mut totals = Vec::with_capacity(entries.len());
    for (_, e) in entries {
        totals.push(
            check_lines(&e.lines, |id| states.get(&id).cloned()).map_err(StoreError::Invalid)?,
        );
    }
    // Every fiscal year touched must be open.
    let dates: Vec<Date> = entries.iter().map(|(_, e)| e.date).collect();
    let periods = period_states(tx, k, &dates).await?;
    for d in &dates {
        if let Some(Err(year)) = periods.get(d) {
            return Err(period_closed(*year));
        }
    }
    let first_no = reserve_seq(tx, k, "entry", entries.len() as i64).await?;
    write_entries(tx, k, entries, &totals, first_no).await
}

/// Writes entries that were already checked (their lines by `check_lines`, giving `totals`,
/// and their dates against closed years), numbered from `first_no` (reserved by the caller
/// in this transaction): the entries, their lines, and the running balances.
pub async fn write_entries(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    entries: &[(&Actor, &NewEntry)],
    totals: &[Rupiah],
    first_no: i64,
) -> StoreResult<Vec<(EntryId, i64)>> {
    let mut script = Script::new();
    let ids = push_entries(&mut script, tx.engine(), k, entries, totals, first_no)?;
    if !script.run(tx).await? {
        return Err(StoreError::corrupt("an account has no running-balance row"));
    }
    Ok(ids)
}

/// Adds to `script` the statements of [`write_entries`]: the entries, their lines, and one
/// update of the running balances of every account they touch. Returns each entry's id and
/// number, in the order given.
pub(crate) fn push_entries(
    script: &mut Script,
    engine: crate::Engine,
    k: KoperasiId,
    entries: &[(&Actor, &NewEntry)],
    totals: &[Rupiah],
    first_no: i64,
) -> StoreResult<Vec<(EntryId, i64)>> {
    if entries.len() != totals.len() {
        return Err(StoreError::corrupt("entries and totals differ in number"));
    }
    let ids: Vec<(EntryId, i64)> = (0..entries.len())
        .map(|i| (EntryId::new(), first_no + i as i64))
        .collect();
    let t = now();
    let order: Vec<usize> = (0..entries.len()).collect();
    for chunk in order.chunks(crate::sql::rows_per_statement(engine, 12)) {
        let sql = values_sql(
            "INSERT INTO journal_entry (koperasi_id, id, entry_no, entry_date, description, reference, source, source_id,
               reverses_id, total, created_by, created_at)",
            chunk.len(),
            12,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 12);
        for &i in chunk {
            let ((id, no), (actor, e), total) = (ids[i], entries[i], totals[i]);
            vals.extend([
                k.0.into(),
                id.0.into(),
                no.into(),
                e.date.into(),
                e.description.clone().into(),
                e.reference.clone().into(),
                e.source.as_str().into(),
                e.source_id.clone().into(),
                e.reverses.map(|r| r.0).into(),
                total.0.into(),
                actor.name.clone().into(),
                t.into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    let lines: Vec<(EntryId, i64, i64, &NewEntry, &LineInput)> = ids
        .iter()
        .zip(entries.iter())
        .flat_map(|((id, no), (_, e))| {
            e.lines
                .iter()
                .enumerate()
                .map(move |(i, l)| (*id, *no, i as i64 + 1, *e, l))
        })
        .collect();
    for chunk in lines.chunks(crate::sql::rows_per_statement(engine, 9)) {
        let sql = values_sql(
            "INSERT INTO journal_line (koperasi_id, entry_id, line_no, account_id, debit, credit, memo, entry_date, entry_no)",
            chunk.len(),
            9,
        );
        let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * 9);
        for (id, no, line_no, e, l) in chunk {
            vals.extend([
                k.0.into(),
                id.0.into(),
                (*line_no).into(),
                l.account.0.into(),
                l.debit.0.into(),
                l.credit.0.into(),
                l.memo.clone().into(),
                e.date.into(),
                (*no).into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    // Running balances: the sums of every account's lines in these entries, in one statement.
    let mut per_account: HashMap<AccountId, (i64, i64)> = HashMap::new();
    for (_, e) in entries {
        for l in &e.lines {
            let s = per_account.entry(l.account).or_default();
            s.0 += l.debit.0;
            s.1 += l.credit.0;
        }
    }
    let mut accounts: Vec<(AccountId, (i64, i64))> = per_account.into_iter().collect();
    // A fixed order, so two transactions touching the same accounts never wait on each other
    // in opposite orders.
    accounts.sort_by_key(|(a, _)| *a);
    for chunk in accounts.chunks(crate::sql::rows_per_statement(engine, 3)) {
        let (mut debit, mut credit, mut list) = (
            String::from("CASE account_id"),
            String::from("CASE account_id"),
            String::new(),
        );
        for i in 0..chunk.len() {
            let b = 2 + i * 3;
            debit.push_str(&format!(" WHEN ${b} THEN ${}", b + 1));
            credit.push_str(&format!(" WHEN ${b} THEN ${}", b + 2));
            if i > 0 {
                list.push(',');
            }
            list.push_str(&format!("${b}"));
        }
        let sql = format!(
            "UPDATE account_balance SET debit = debit + {debit} ELSE 0 END, credit = credit + {credit} ELSE 0 END
             WHERE koperasi_id = $1 AND account_id IN ({list})"
        );
        let mut vals: Vec<Val> = Vec::with_capacity(1 + chunk.len() * 3);
        vals.push(k.0.into());
        for (account, (d, cr)) in chunk {
            vals.extend([account.0.into(), (*d).into(), (*cr).into()]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    Ok(ids)
}

#[derive(sqlx::FromRow)]
struct LineRow {
    line_no: i64,
    account_id: Uuid,
    code: String,
    name: String,
    debit: i64,
    credit: i64,
    memo: Option<String>,
}

impl Tenant<'_> {
    /// The chart of accounts with current totals, ordered by code.
    pub async fn accounts(&self) -> StoreResult<Vec<Account>> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.koperasi_id = $1 ORDER BY a.code");
        let rows: Vec<AccountRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    /// The chart of accounts, inside a transaction.
    pub async fn accounts_tx(&self, tx: &mut Tx<'_>) -> StoreResult<Vec<Account>> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.koperasi_id = $1 ORDER BY a.code");
        let rows: Vec<AccountRow> = on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).fetch_all(&mut **c).await)?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    pub async fn account(&self, id: AccountId) -> StoreResult<Account> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.koperasi_id = $1 AND a.id = $2");
        let row: Option<AccountRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        row.map(Account::from).ok_or(StoreError::NotFound)
    }

    /// Adds an account under a header account. The code must start with the parent's code.
    pub async fn add_account(
        &self,
        actor: &Actor,
        parent: AccountId,
        code: &AccountCode,
        name: &str,
        is_header: bool,
    ) -> StoreResult<AccountId> {
        let k = self.koperasi_id;
        let p = self.account(parent).await?;
        if !p.is_header {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "parent",
                Msg::new(
                    "Akun induk harus akun kelompok (header).",
                    "The parent must be a header account.",
                ),
            )]));
        }
        let parent_code = AccountCode::parse(&p.code).map_err(StoreError::corrupt)?;
        if !code.is_under(&parent_code) || code.as_str() == parent_code.as_str() {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "code",
                Msg::new(
                    format!("Kode akun harus diawali kode induknya ({}).", p.code),
                    format!(
                        "The account code must start with its parent's code ({}).",
                        p.code
                    ),
                ),
            )]));
        }
        let id = AccountId::new();
        let mut tx = self.db.begin_write().await?;
        let t = now();
        let inserted = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO account (koperasi_id, id, code, name, class, parent_id, is_header, active, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9)")
            .bind(k.0).bind(id.0).bind(code.as_str()).bind(name).bind(code.class().as_str()).bind(parent.0)
            .bind(is_header).bind(true).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()));
        if let Err(e) = inserted {
            let e = StoreError::from(e);
            return Err(crate::error::unique_as(e, || {
                StoreError::Conflict(Msg::new(
                    format!("Kode akun {} sudah dipakai.", code.as_str()),
                    format!("Account code {} is already used.", code.as_str()),
                ))
            }));
        }
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO account_balance (koperasi_id, account_id, debit, credit) VALUES ($1, $2, 0, 0)")
            .bind(k.0).bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([
            ("code", None, Some(code.as_str().to_string())),
            ("name", None, Some(name.to_string())),
        ]);
        audit::record(
            &mut tx,
            k,
            actor,
            "account",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Renames an account, or (de)activates it. An account that was ever posted to, or that
    /// the software posts to by itself (it has a role), cannot be deactivated.
    pub async fn update_account(
        &self,
        actor: &Actor,
        id: AccountId,
        name: &str,
        active: bool,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let before = self.account(id).await?;
        let mut tx = self.db.begin_write().await?;
        if !active && before.active {
            let used: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
                "SELECT line_no FROM journal_line WHERE koperasi_id = $1 AND account_id = $2 LIMIT 1")
                .bind(k.0).bind(id.0).fetch_optional(&mut **c).await)?;
            if used.is_some() || before.role.is_some() {
                return Err(StoreError::Conflict(Msg::new(
                    format!(
                        "Akun {} sudah dipakai (atau dipakai otomatis oleh sistem), jadi tidak bisa dinonaktifkan.",
                        before.code
                    ),
                    format!(
                        "Account {} has been used (or is posted to by the system), so it cannot be deactivated.",
                        before.code
                    ),
                )));
            }
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE account SET name = $3, active = $4, updated_at = $5 WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).bind(name).bind(active).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([
            ("name", Some(before.name.clone()), Some(name.to_string())),
            (
                "active",
                Some(before.active.to_string()),
                Some(active.to_string()),
            ),
        ]);
        audit::record(
            &mut tx,
            k,
            actor,
            "account",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Posts a manual entry (opening balances, expenses, income) as a person, with its audit.
    pub async fn post_manual(&self, actor: &Actor, e: &NewEntry) -> StoreResult<EntryId> {
        let mut tx = self.db.begin_write().await?;
        let id = self.post_manual_in(&mut tx, actor, e).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The body of [`Tenant::post_manual`], inside `tx`: refuses lines on members' savings
    /// accounts, posts, and records the audit.
    async fn post_manual_in(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        e: &NewEntry,
    ) -> StoreResult<EntryId> {
        // Members' savings accounts move only with members' savings: a manual line there would
        // leave the ledger and the passbooks apart.
        let savings_accounts = self.savings_account_ids_tx(tx).await?;
        if e.lines
            .iter()
            .any(|l| savings_accounts.contains(&l.account.0))
        {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "lines",
                Msg::new(
                    "Akun simpanan anggota hanya bergerak lewat transaksi simpanan (kasir atau saldo awal), bukan jurnal manual.",
                    "Members' savings accounts move only through savings transactions (the counter or opening balances), not manual entries.",
                ),
            )]));
        }
        let (id, no) = post(tx, self.koperasi_id, actor, e).await?;
        let changes = diff([
            ("entry_no", None, Some(no.to_string())),
            ("date", None, Some(e.date.to_string())),
            ("description", None, Some(e.description.clone())),
        ]);
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "journal_entry",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        Ok(id)
    }

    async fn savings_account_ids_tx(&self, tx: &mut Tx<'_>) -> StoreResult<Vec<Uuid>> {
        let ids: Vec<Uuid> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT account_id FROM savings_product WHERE koperasi_id = $1")
            .bind(self.koperasi_id.0).fetch_all(&mut **c).await)?;
        Ok(ids)
    }

    /// The accounts a manual entry may post to: active posting accounts that are not a
    /// savings product's account (those move only with members' savings), ordered by code.
    pub async fn manual_accounts(&self) -> StoreResult<Vec<Account>> {
        let savings: Vec<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT account_id FROM savings_product WHERE koperasi_id = $1")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(self
            .accounts()
            .await?
            .into_iter()
            .filter(|a| a.active && !a.is_header && !savings.contains(&a.id.0))
            .collect())
    }

    /// Posts a manual entry with an optional attachment (a photo or scan of the receipt:
    /// `(file_name, content_type, bytes)`), both in one transaction.
    pub async fn post_manual_with_attachment(
        &self,
        actor: &Actor,
        e: &NewEntry,
        attachment: Option<(&str, &str, &[u8])>,
    ) -> StoreResult<EntryId> {
        self.post_manual_once(actor, None, e, attachment).await
    }

    /// Like [`Tenant::post_manual_with_attachment`], with an idempotency key: a second request
    /// with the same key posts nothing and returns the entry the first one posted.
    pub async fn post_manual_once(
        &self,
        actor: &Actor,
        key: Option<&str>,
        e: &NewEntry,
        attachment: Option<(&str, &str, &[u8])>,
    ) -> StoreResult<EntryId> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let key = key.map(|s| format!("manual:{s}"));
        if let Some(key) = &key {
            // Insert first: a concurrent request with the same key waits here until the first
            // one commits, then finds its entry below instead of posting again.
            let inserted = on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO idempotency_key (koperasi_id, idem_key, user_id, request_hash, response, created_at) VALUES ($1, $2, $3, $4, '', $5)
                 ON CONFLICT (koperasi_id, idem_key) DO NOTHING")
                .bind(k.0).bind(key).bind(actor.user_id.map(|u| u.0)).bind("manual").bind(now())
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if inserted == 0 {
                let first: String = on_tx!(&mut tx, c => sqlx::query_scalar(
                    "SELECT response FROM idempotency_key WHERE koperasi_id = $1 AND idem_key = $2")
                    .bind(k.0).bind(key).fetch_one(&mut **c).await)?;
                return Uuid::parse_str(&first).map(EntryId).map_err(|_| {
                    StoreError::corrupt(format!("idempotency key {key} without an entry"))
                });
            }
        }
        let id = self.post_manual_in(&mut tx, actor, e).await?;
        if let Some((file_name, content_type, bytes)) = attachment {
            let aid = Uuid::now_v7();
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO journal_attachment (koperasi_id, id, entry_id, file_name, content_type, bytes, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(k.0).bind(aid).bind(id.0).bind(file_name).bind(content_type).bind(bytes).bind(now())
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            audit::record(
                &mut tx,
                k,
                actor,
                "journal_attachment",
                &aid.to_string(),
                Action::Create,
                &diff([
                    ("entry", None, Some(id.to_string())),
                    ("file_name", None, Some(file_name.to_string())),
                    ("size", None, Some(bytes.len().to_string())),
                ]),
            )
            .await?;
        }
        if let Some(key) = &key {
            on_tx!(&mut tx, c => sqlx::query("UPDATE idempotency_key SET response = $3 WHERE koperasi_id = $1 AND idem_key = $2")
                .bind(k.0).bind(key).bind(id.to_string()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// An entry's attachments: `(id, file_name, content_type)`, oldest first.
    pub async fn attachments(&self, entry: EntryId) -> StoreResult<Vec<(Uuid, String, String)>> {
        let rows: Vec<(Uuid, String, String)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, file_name, content_type FROM journal_attachment WHERE koperasi_id = $1 AND entry_id = $2
             ORDER BY created_at, id")
            .bind(self.koperasi_id.0).bind(entry.0).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One attachment: `(file_name, content_type, bytes)`.
    pub async fn attachment(&self, id: Uuid) -> StoreResult<(String, String, Vec<u8>)> {
        let row: Option<(String, String, Vec<u8>)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT file_name, content_type, bytes FROM journal_attachment WHERE koperasi_id = $1 AND id = $2")
            .bind(self.koperasi_id.0).bind(id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The fiscal years the books know of (made by a first posting or by closing):
    /// `(year, start, end, closed)`, newest first.
    pub async fn fiscal_periods(&self) -> StoreResult<Vec<(i32, Date, Date, bool)>> {
        let rows: Vec<(i64, Date, Date, Option<OffsetDateTime>)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT year, start_date, end_date, closed_at FROM fiscal_period WHERE koperasi_id = $1 ORDER BY year DESC")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(y, s, e, c)| (i32::try_from(y).unwrap_or_default(), s, e, c.is_some()))
            .collect())
    }

    /// Corrects an entry by a reversing entry dated `date`. An entry is reversed at most once,
    /// and a reversal is not itself reversed (post a new entry instead).
    pub async fn reverse(
        &self,
        actor: &Actor,
        id: EntryId,
        date: Date,
        reason: &str,
    ) -> StoreResult<EntryId> {
        let original = self.entry(id).await?;
        if original.reversed_by.is_some() {
            return Err(StoreError::Conflict(Msg::new(
                format!("Jurnal no. {} sudah dibalik sebelumnya.", original.entry_no),
                format!("Entry no. {} was already reversed.", original.entry_no),
            )));
        }
        if original.source != Source::Manual.as_str() {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "Jurnal no. {} dibuat oleh transaksi simpanan atau sistem; koreksi lewat transaksinya, bukan dengan membalik jurnal.",
                    original.entry_no
                ),
                format!(
                    "Entry no. {} was made by a savings or system transaction; correct it through that transaction, not by reversing the entry.",
                    original.entry_no
                ),
            )));
        }
        if original.reverses_id.is_some() {
            return Err(StoreError::Conflict(Msg::new(
                "Jurnal pembalik tidak dibalik lagi; buat jurnal baru untuk koreksinya.",
                "A reversing entry is not reversed again; post a new entry to correct it.",
            )));
        }
        let lines: Vec<LineInput> = original
            .lines
            .iter()
            .map(|l| LineInput {
                account: l.account_id,
                debit: Rupiah(l.credit),
                credit: Rupiah(l.debit),
                memo: l.memo.clone(),
            })
            .collect();
        let e = NewEntry {
            date,
            description: format!("Pembalik jurnal no. {}: {reason}", original.entry_no),
            reference: original.reference.clone(),
            source: Source::Reversal,
            source_id: Some(id.to_string()),
            reverses: Some(id),
            lines,
        };
        let mut tx = self.db.begin_write().await?;
        // Checked again inside the transaction: two clicks must not reverse twice.
        let already: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM journal_entry WHERE koperasi_id = $1 AND reverses_id = $2")
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(&mut **c).await)?;
        if already.is_some() {
            return Err(StoreError::Conflict(Msg::new(
                "Jurnal ini sudah dibalik.",
                "This entry was already reversed.",
            )));
        }
        let (rid, no) = post(&mut tx, self.koperasi_id, actor, &e)
            .await
            .map_err(|err| {
                crate::error::unique_as(err, || {
                    StoreError::Conflict(Msg::new(
                        "Jurnal ini sudah dibalik.",
                        "This entry was already reversed.",
                    ))
                })
            })?;
        let changes = diff([
            ("reverses", None, Some(original.entry_no.to_string())),
            ("entry_no", None, Some(no.to_string())),
        ]);
        audit::record(
            &mut tx,
            self.koperasi_id,
            actor,
            "journal_entry",
            &rid.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(rid)
    }

    /// One entry with its lines.
    pub async fn entry(&self, id: EntryId) -> StoreResult<Entry> {
        let k = self.koperasi_id.0;
        let row: Option<EntryRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, entry_no, entry_date, description, reference, source, source_id, reverses_id, total, created_by, created_at
             FROM journal_entry WHERE koperasi_id = $1 AND id = $2")
            .bind(k).bind(id.0).fetch_optional(p).await)?;
        let r = row.ok_or(StoreError::NotFound)?;
        let mut entries = self.with_lines(vec![r]).await?;
        entries.pop().ok_or(StoreError::NotFound)
    }

    async fn with_lines(&self, rows: Vec<EntryRow>) -> StoreResult<Vec<Entry>> {
        let k = self.koperasi_id.0;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let lines: Vec<LineRow> = on_db!(self.db, p => sqlx::query_as(
                "SELECT l.line_no, l.account_id, a.code, a.name, l.debit, l.credit, l.memo
                 FROM journal_line l JOIN account a ON a.koperasi_id = l.koperasi_id AND a.id = l.account_id
                 WHERE l.koperasi_id = $1 AND l.entry_id = $2 ORDER BY l.line_no")
                .bind(k).bind(r.id).fetch_all(p).await)?;
            let reversed_by: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
                "SELECT id FROM journal_entry WHERE koperasi_id = $1 AND reverses_id = $2")
                .bind(k).bind(r.id).fetch_optional(p).await)?;
            out.push(Entry {
                id: EntryId(r.id),
                entry_no: r.entry_no,
                date: r.entry_date,
                description: r.description,
                reference: r.reference,
                source: r.source,
                source_id: r.source_id,
                reverses_id: r.reverses_id.map(EntryId),
                reversed_by: reversed_by.map(EntryId),
                total: r.total,
                created_by: r.created_by,
                created_at: r.created_at,
                lines: lines
                    .into_iter()
                    .map(|l| EntryLine {
                        line_no: l.line_no,
                        account_id: AccountId(l.account_id),
                        account_code: l.code,
                        account_name: l.name,
                        debit: l.debit,
                        credit: l.credit,
                        memo: l.memo,
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The journal, newest first, one page at a time (`limit + 1` rows to tell a next page).
    pub async fn journal(
        &self,
        from: Option<Date>,
        until: Option<Date>,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Entry>> {
        let rows: Vec<EntryRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, entry_no, entry_date, description, reference, source, source_id, reverses_id, total, created_by, created_at
             FROM journal_entry WHERE koperasi_id = $1 AND ($2 IS NULL OR entry_date >= $2) AND ($3 IS NULL OR entry_date <= $3)
             ORDER BY entry_date DESC, entry_no DESC LIMIT $4 OFFSET $5")
            .bind(self.koperasi_id.0).bind(from).bind(until).bind(i64::from(limit) + 1).bind(i64::from(offset)).fetch_all(p).await)?;
        self.with_lines(rows).await
    }

    /// The trial balance (neraca saldo) from the running totals: every posting account that
    /// has moved, and the two totals, which are always equal.
    pub async fn trial_balance(&self) -> StoreResult<TrialBalance> {
        let rows: Vec<Account> = self
            .accounts()
            .await?
            .into_iter()
            .filter(|a| !a.is_header && (a.debit != 0 || a.credit != 0))
            .collect();
        // Each account shows its net balance on one side.
        let (mut d, mut c) = (0i64, 0i64);
        for a in &rows {
            let net = a.debit - a.credit;
            if net >= 0 { d += net } else { c -= net }
        }
        Ok(TrialBalance {
            rows,
            total_debit: d,
            total_credit: c,
        })
    }

    /// An account's general ledger between two dates (inclusive), with the balance brought
    /// forward and the running balance (normal side) after each line.
    pub async fn general_ledger(
        &self,
        account: AccountId,
        from: Date,
        until: Date,
    ) -> StoreResult<(i64, Vec<LedgerLine>)> {
        let a = self.account(account).await?;
        let debit_normal = AccountClass::parse(&a.class)
            .map(|c| c.normal_debit())
            .unwrap_or(true);
        let sign = |d: i64, c: i64| if debit_normal { d - c } else { c - d };
        let k = self.koperasi_id.0;
        let (d0, c0): (i64, i64) = on_db!(self.db, p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(debit), 0) AS BIGINT), CAST(COALESCE(SUM(credit), 0) AS BIGINT)
             FROM journal_line WHERE koperasi_id = $1 AND account_id = $2 AND entry_date < $3")
            .bind(k).bind(account.0).bind(from).fetch_one(p).await)?;
        let opening = sign(d0, c0);
        let rows: Vec<(Uuid, i64, Date, String, i64, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT l.entry_id, l.entry_no, l.entry_date, e.description, l.debit, l.credit
             FROM journal_line l JOIN journal_entry e ON e.koperasi_id = l.koperasi_id AND e.id = l.entry_id
             WHERE l.koperasi_id = $1 AND l.account_id = $2 AND l.entry_date >= $3 AND l.entry_date <= $4
             ORDER BY l.entry_date, l.entry_no, l.line_no")
            .bind(k).bind(account.0).bind(from).bind(until).fetch_all(p).await)?;
        let mut running = opening;
        let lines = rows
            .into_iter()
            .map(|(id, no, date, desc, d, c)| {
                running += sign(d, c);
                LedgerLine {
                    entry_id: EntryId(id),
                    entry_no: no,
                    date,
                    description: desc,
                    debit: d,
                    credit: c,
                    balance: running,
                }
            })
            .collect();
        Ok((opening, lines))
    }

    /// Closes a fiscal year: nothing can be posted into it afterwards.
    pub async fn close_year(&self, actor: &Actor, year: i32) -> StoreResult<()> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let month: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT fiscal_year_start_month FROM bylaws WHERE koperasi_id = $1 ORDER BY effective_year DESC LIMIT 1")
            .bind(k.0).fetch_one(&mut **c).await)?;
        let (start, end) = fiscal_year_bounds(year, u8::try_from(month).unwrap_or(1));
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO fiscal_period (koperasi_id, year, start_date, end_date, closed_at, closed_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (koperasi_id, year) DO UPDATE SET closed_at = excluded.closed_at, closed_by = excluded.closed_by")
            .bind(k.0).bind(i64::from(year)).bind(start).bind(end).bind(now()).bind(&actor.name)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        audit::record(
            &mut tx,
            k,
            actor,
            "fiscal_period",
            &year.to_string(),
            Action::Update,
            &diff([("closed", Some("false".into()), Some("true".into()))]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
