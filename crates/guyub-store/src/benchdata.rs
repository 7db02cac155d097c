//! Bulk data for benchmarks only (`guyub bench books`): fills a coop's journal with many
//! balanced entries quickly, in SQL, without going through the posting path (which the
//! benchmark measures separately). Never used by the application itself.

use guyub_core::ids::{AccountId, KoperasiId};
use uuid::Uuid;

use crate::on_db;
use crate::{Db, StoreResult};

/// Adds `entries` two-line entries (Dr `debit` / Cr `credit`, Rp 1.000 each, dated over the
/// last ten years) and moves the running balances to match. Returns the lines written.
pub async fn fill_journal(
    db: &Db,
    k: KoperasiId,
    debit: AccountId,
    credit: AccountId,
    entries: i64,
) -> StoreResult<i64> {
    let start_no: i64 = match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT COALESCE(MAX(entry_no), 0) FROM journal_entry WHERE koperasi_id = $1").bind(k.0).fetch_one(p).await?,
        Db::Pg(p) => sqlx::query_scalar("SELECT CAST(COALESCE(MAX(entry_no), 0) AS BIGINT) FROM journal_entry WHERE koperasi_id = $1").bind(k.0).fetch_one(p).await?,
    };
    match db {
        Db::Sqlite(p) => {
            let mut tx = p.begin().await?;
            // Entry ids are random 16-byte blobs; dates spread over 3,650 days.
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
                 INSERT INTO journal_entry (koperasi_id, id, entry_no, entry_date, description, reference, source, source_id, reverses_id, total, created_by, created_at)
                 SELECT $1, randomblob(16), $3 + i, date('now', '-' || (i % 3650) || ' days'), 'bench', NULL, 'manual', NULL, NULL, 1000, 'bench', strftime('%Y-%m-%dT%H:%M:%fZ','now')
                 FROM n")
                .bind(k.0).bind(entries).bind(start_no).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO journal_line (koperasi_id, entry_id, line_no, account_id, debit, credit, memo, entry_date, entry_no)
                 SELECT koperasi_id, id, 1, $2, 1000, 0, NULL, entry_date, entry_no FROM journal_entry WHERE koperasi_id = $1 AND entry_no > $4
                 UNION ALL
                 SELECT koperasi_id, id, 2, $3, 0, 1000, NULL, entry_date, entry_no FROM journal_entry WHERE koperasi_id = $1 AND entry_no > $4")
                .bind(k.0).bind(debit.0).bind(credit.0).bind(start_no).execute(&mut *tx).await?;
            sqlx::query("UPDATE account_balance SET debit = debit + 1000 * $3 WHERE koperasi_id = $1 AND account_id = $2")
                .bind(k.0).bind(debit.0).bind(entries).execute(&mut *tx).await?;
            sqlx::query("UPDATE account_balance SET credit = credit + 1000 * $3 WHERE koperasi_id = $1 AND account_id = $2")
                .bind(k.0).bind(credit.0).bind(entries).execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Db::Pg(p) => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO journal_entry (koperasi_id, id, entry_no, entry_date, description, reference, source, source_id, reverses_id, total, created_by, created_at)
                 SELECT $1, gen_random_uuid(), $3 + i, CURRENT_DATE - (i % 3650)::int, 'bench', NULL, 'manual', NULL, NULL, 1000, 'bench', now()
                 FROM generate_series(1, $2) AS i")
                .bind(k.0).bind(entries).bind(start_no).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO journal_line (koperasi_id, entry_id, line_no, account_id, debit, credit, memo, entry_date, entry_no)
                 SELECT koperasi_id, id, 1, $2, 1000, 0, NULL, entry_date, entry_no FROM journal_entry WHERE koperasi_id = $1 AND entry_no > $4
                 UNION ALL
                 SELECT koperasi_id, id, 2, $3, 0, 1000, NULL, entry_date, entry_no FROM journal_entry WHERE koperasi_id = $1 AND entry_no > $4")
                .bind(k.0).bind(debit.0).bind(credit.0).bind(start_no).execute(&mut *tx).await?;
            sqlx::query("UPDATE account_balance SET debit = debit + 1000 * $3 WHERE koperasi_id = $1 AND account_id = $2")
                .bind(k.0).bind(debit.0).bind(entries).execute(&mut *tx).await?;
            sqlx::query("UPDATE account_balance SET credit = credit + 1000 * $3 WHERE koperasi_id = $1 AND account_id = $2")
                .bind(k.0).bind(credit.0).bind(entries).execute(&mut *tx).await?;
            tx.commit().await?;
            sqlx::query("ANALYZE").execute(p).await?;
        }
    }
    // The journal's counter follows the bulk entries, so later postings number after them.
    let last: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(entry_no), 0) AS BIGINT) FROM journal_entry WHERE koperasi_id = $1")
        .bind(k.0).fetch_one(p).await)?;
    on_db!(db, p => sqlx::query(
        "INSERT INTO book_seq (koperasi_id, name, last) VALUES ($1, 'entry', $2)
         ON CONFLICT (koperasi_id, name) DO UPDATE SET last = excluded.last")
        .bind(k.0).bind(last).execute(p).await.map(|_| ()))?;
    Ok(entries * 2)
}

/// The raw-SQLite anchor: one row inserted per transaction into a scratch table of the same
/// file, `n` times; returns the elapsed seconds.
pub async fn sqlite_insert_loop(db: &Db, n: u32) -> StoreResult<f64> {
    let Db::Sqlite(p) = db else { return Ok(0.0) };
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_anchor (id BLOB PRIMARY KEY, v INTEGER NOT NULL)",
    )
    .execute(p)
    .await?;
    // One connection for the whole loop: taken from the pool and given back each time, a
    // connection is pinged on its way back (sqlx), which is the pool's cost, not SQLite's.
    let mut c = p.acquire().await?;
    let t = std::time::Instant::now();
    for i in 0..n {
        let mut tx = sqlx::Connection::begin_with(&mut *c, "BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO bench_anchor (id, v) VALUES ($1, $2)")
            .bind(Uuid::now_v7())
            .bind(i64::from(i))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(t.elapsed().as_secs_f64())
}

/// The raw-SQLite anchor of the member list: the first-page query through the driver alone
/// (2 columns), `n` times; returns each duration.
pub async fn sqlite_first_page(
    db: &Db,
    k: KoperasiId,
    n: usize,
) -> StoreResult<Vec<std::time::Duration>> {
    let Db::Sqlite(p) = db else { return Ok(vec![]) };
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = std::time::Instant::now();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT member_no, name FROM member WHERE koperasi_id = $1 ORDER BY name_key, id LIMIT 26")
                .bind(k.0)
                .fetch_all(p)
                .await?;
        v.push(t.elapsed());
        drop(rows);
    }
    Ok(v)
}

/// One open request for [`fill_requests`]: who owes what, and its unique code.
pub struct BenchRequest {
    pub member: guyub_core::ids::MemberId,
    pub product: guyub_core::ids::ProductId,
    pub base: i64,
    pub code: i64,
    pub ref_code: String,
}

/// Inserts open payment requests (each with one line) straight into the tables, created now
/// and valid for a day: the starting point of the statement import benchmark, which measures
/// the import, not the making of requests.
pub async fn fill_requests(
    db: &Db,
    k: KoperasiId,
    sukarela: guyub_core::ids::ProductId,
    rows: &[BenchRequest],
) -> StoreResult<()> {
    let t = crate::now();
    let expires = t + time::Duration::hours(24);
    for chunk in rows.chunks(crate::sql::rows_per_statement(db.engine(), 15)) {
        let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
        let sql = crate::sql::values_sql(
            "INSERT INTO payment_request (koperasi_id, id, ref_code, purpose, member_id, description, base_amount,
                unique_code, total, code_product_id, public_token, state, expires_at, created_by, created_at)",
            chunk.len(),
            15,
        );
        on_db!(db, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (r, id) in chunk.iter().zip(&ids) {
                q = q.bind(k.0).bind(*id).bind(r.ref_code.clone()).bind("simpanan").bind(r.member.0)
                    .bind("Simpanan wajib").bind(r.base).bind(r.code).bind(r.base + r.code).bind(sukarela.0)
                    .bind(id.simple().to_string()).bind("menunggu").bind(expires).bind("bench").bind(t);
            }
            q.execute(p).await.map(|_| ())
        })?;
        let sql = crate::sql::values_sql(
            "INSERT INTO payment_request_line (koperasi_id, request_id, line_no, product_id, amount)",
            chunk.len(),
            5,
        );
        on_db!(db, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (r, id) in chunk.iter().zip(&ids) {
                q = q.bind(k.0).bind(*id).bind(1i64).bind(r.product.0).bind(r.base);
            }
            q.execute(p).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The raw-SQLite anchor of the marketplace search: the first 24 product ids of one search
/// key, through the driver alone, `n` times; returns each duration.
pub async fn sqlite_token_lookup(
    db: &Db,
    token: &str,
    n: usize,
) -> StoreResult<Vec<std::time::Duration>> {
    let Db::Sqlite(p) = db else { return Ok(vec![]) };
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = std::time::Instant::now();
        let rows: Vec<(Uuid,)> =
            sqlx::query_as("SELECT product_id FROM market_search_token WHERE token = $1 LIMIT 24")
                .bind(token)
                .fetch_all(p)
                .await?;
        v.push(t.elapsed());
        drop(rows);
    }
    Ok(v)
}

/// The stock of each variant (any coop), in the order given; for the checkout benchmark's
/// no-oversell check.
pub async fn variant_stock(db: &Db, variants: &[(Uuid, i64)]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::with_capacity(variants.len());
    for (v, _) in variants {
        let s: i64 = crate::on_db!(db, p => sqlx::query_scalar(
            "SELECT stock FROM market_variant WHERE id = $1")
            .bind(*v).fetch_one(p).await)?;
        out.push(s);
    }
    Ok(out)
}

/// How many marketplace products the database holds (`guyub bench-market --reuse` fills
/// only when fewer than asked).
pub async fn product_count(db: &Db) -> StoreResult<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM market_product").fetch_one(p).await)?)
}

/// How many coops have a code starting with `prefix` (earlier benchmark runs in a reused
/// database).
pub async fn coops_with_code_prefix(db: &Db, prefix: &str) -> StoreResult<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM koperasi WHERE code LIKE $1")
        .bind(format!("{prefix}%")).fetch_one(p).await)?)
}
