//! Opening balances imported from a file: a previewed file waits in the import table (its
//! name prefixed with [`PREFIX`], so it never mixes with member imports) until a pengurus
//! commits it; the commit flips the import's status with a conditional update and posts the
//! balances in the same transaction, so committing twice posts nothing twice.
//!
//! The rows are checked by the web layer (members and products known, amounts positive, no
//! member + product twice, nobody who already has savings in that product) at preview time
//! and again at commit time; the last check is repeated here, inside the commit's
//! transaction, so that a deposit posted between the two cannot be overwritten by an
//! opening balance.

use std::collections::HashMap;

use guyub_core::Msg;
use guyub_core::ids::{ImportId, MemberId, ProductId, UserId};
use guyub_core::money::Rupiah;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::import::ImportRecord;
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// The file-name prefix that marks an opening-balance import in the import table.
pub const PREFIX: &str = "saldo-awal:";

const LIKE_PREFIX: &str = "saldo-awal:%";

/// How a member can be named in a file: by member number or by NIK.
#[derive(Debug, Clone)]
pub struct MemberKey {
    pub id: MemberId,
    pub member_no: String,
    pub nik: Option<String>,
    pub name: String,
    pub status: String,
}

type ImportTuple = (
    Uuid,
    Uuid,
    OffsetDateTime,
    String,
    String,
    i64,
    i64,
    String,
    Option<OffsetDateTime>,
);

fn record(t: ImportTuple) -> ImportRecord {
    let (id, by, at, file_name, status, row_count, problem_count, rows_json, committed_at) = t;
    ImportRecord {
        id: ImportId(id),
        created_by: UserId(by),
        created_at: at,
        file_name: file_name
            .strip_prefix(PREFIX)
            .unwrap_or(&file_name)
            .to_string(),
        status,
        row_count,
        problem_count,
        rows_json,
        committed_at,
    }
}

async fn positions_tx(
    tx: &mut Tx<'_>,
    k: guyub_core::ids::KoperasiId,
) -> StoreResult<Vec<(Uuid, Uuid, i64)>> {
    Ok(on_tx!(tx, c => sqlx::query_as(POSITIONS_SQL).bind(k.0).fetch_all(&mut **c).await)?)
}

/// Savings accounts that hold money or have any transaction.
const POSITIONS_SQL: &str = "SELECT a.member_id, a.product_id, a.balance FROM savings_account a
     WHERE a.koperasi_id = $1 AND (a.balance <> 0 OR EXISTS (
       SELECT 1 FROM savings_tx t WHERE t.koperasi_id = a.koperasi_id AND t.savings_account_id = a.id))";

impl Tenant<'_> {
    /// Every member's id, number, NIK, name and status (to resolve the rows of a file).
    pub async fn member_keys(&self) -> StoreResult<Vec<MemberKey>> {
        let rows: Vec<(Uuid, String, Option<String>, String, String)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, member_no, nik, name, status FROM member WHERE koperasi_id = $1")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, member_no, nik, name, status)| MemberKey {
                id: MemberId(id),
                member_no,
                nik,
                name,
                status,
            })
            .collect())
    }

    /// Member + product pairs that already hold savings or have any transaction, with the
    /// balance: an opening balance there would double what the member has.
    pub async fn savings_positions(&self) -> StoreResult<HashMap<(MemberId, ProductId), i64>> {
        let rows: Vec<(Uuid, Uuid, i64)> = on_db!(self.db, p => sqlx::query_as(POSITIONS_SQL)
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(m, p, b)| ((MemberId(m), ProductId(p)), b))
            .collect())
    }

    /// Keeps a previewed opening-balance file for a later commit.
    pub async fn save_opening_import(
        &self,
        by: UserId,
        file_name: &str,
        rows_json: &str,
        row_count: usize,
        problem_count: usize,
    ) -> StoreResult<ImportId> {
        self.save_import(
            by,
            &format!("{PREFIX}{file_name}"),
            rows_json,
            row_count,
            problem_count,
        )
        .await
    }

    /// A stored opening-balance import (a member import's id is not found here).
    pub async fn opening_import(&self, id: ImportId) -> StoreResult<ImportRecord> {
        let row: Option<ImportTuple> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, created_by, created_at, file_name, status, row_count, problem_count, rows_json, committed_at
             FROM member_import WHERE koperasi_id = $1 AND id = $2 AND file_name LIKE $3")
            .bind(self.koperasi_id.0).bind(id.0).bind(LIKE_PREFIX).fetch_optional(p).await)?;
        row.map(record).ok_or(StoreError::NotFound)
    }

    /// The coop's recent opening-balance imports, newest first (without their rows).
    pub async fn opening_imports(&self, limit: u32) -> StoreResult<Vec<ImportRecord>> {
        let rows: Vec<ImportTuple> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, created_by, created_at, file_name, status, row_count, problem_count, '' AS rows_json, committed_at
             FROM member_import WHERE koperasi_id = $1 AND file_name LIKE $2 ORDER BY created_at DESC LIMIT $3")
            .bind(self.koperasi_id.0).bind(LIKE_PREFIX).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(record).collect())
    }

    /// Posts a previewed opening-balance import, all or nothing, and marks it committed. A
    /// second commit (a double click, a replay) is refused and posts nothing.
    pub async fn commit_opening_import(
        &self,
        actor: &Actor,
        id: ImportId,
        date: Date,
        rows: &[(MemberId, ProductId, Rupiah)],
    ) -> StoreResult<usize> {
        // Read before the write transaction (see `Tenant::counter`).
        let products = self.products().await?;
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE member_import SET status = 'committed', committed_at = $3
             WHERE koperasi_id = $1 AND id = $2 AND status = 'preview' AND problem_count = 0 AND file_name LIKE $4")
            .bind(k.0).bind(id.0).bind(now()).bind(LIKE_PREFIX).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::Conflict(Msg::new(
                "Saldo awal ini sudah disimpan sebelumnya atau masih punya masalah; tidak ada yang ditulis.",
                "These opening balances were already committed or still have problems; nothing was written.",
            )));
        }
        let held: HashMap<(Uuid, Uuid), i64> = positions_tx(&mut tx, k)
            .await?
            .into_iter()
            .map(|(m, p, b)| ((m, p), b))
            .collect();
        if rows.iter().any(|(m, p, _)| held.contains_key(&(m.0, p.0))) {
            return Err(StoreError::Conflict(Msg::new(
                "Seorang anggota di berkas ini sekarang sudah punya simpanan di produk yang sama; tidak ada yang ditulis. Periksa pratinjau lagi.",
                "A member in this file now already has savings in the same product; nothing was written. Check the preview again.",
            )));
        }
        let count = self
            .opening_balances_tx(&mut tx, actor, date, rows, &products)
            .await?;
        let total: i64 = rows.iter().map(|(_, _, a)| a.0).sum();
        let changes = diff([
            (
                "status",
                Some("preview".to_string()),
                Some("committed".to_string()),
            ),
            ("date", None, Some(date.to_string())),
            ("rows", None, Some(count.to_string())),
            ("total", None, Some(total.to_string())),
        ]);
        audit::record(
            &mut tx,
            k,
            actor,
            "member_import",
            &id.to_string(),
            Action::Import,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }
}
