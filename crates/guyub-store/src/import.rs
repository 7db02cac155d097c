//! Member imports: a previewed file waits here until a pengurus commits it.
//!
//! The preview stores the raw rows (as typed in the file) so that the commit re-validates
//! them against the register as it is at commit time; the commit flips the import's status
//! with a conditional update, so committing twice (a double click, a replayed request)
//! registers nobody twice.

use guyub_core::Msg;
use guyub_core::ids::{ImportId, UserId};
use guyub_core::member::ValidMember;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A stored import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRecord {
    pub id: ImportId,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub file_name: String,
    pub status: String,
    pub row_count: i64,
    pub problem_count: i64,
    #[serde(skip)]
    pub rows_json: String,
    pub committed_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: Uuid,
    created_by: Uuid,
    created_at: OffsetDateTime,
    file_name: String,
    status: String,
    row_count: i64,
    problem_count: i64,
    rows_json: String,
    committed_at: Option<OffsetDateTime>,
}

impl From<ImportRow> for ImportRecord {
    fn from(r: ImportRow) -> Self {
        ImportRecord {
            id: ImportId(r.id),
            created_by: UserId(r.created_by),
            created_at: r.created_at,
            file_name: r.file_name,
            status: r.status,
            row_count: r.row_count,
            problem_count: r.problem_count,
            rows_json: r.rows_json,
            committed_at: r.committed_at,
        }
    }
}

impl Tenant<'_> {
    /// Keeps a previewed file's rows for a later commit.
    pub async fn save_import(
        &self,
        by: UserId,
        file_name: &str,
        rows_json: &str,
        row_count: usize,
        problem_count: usize,
    ) -> StoreResult<ImportId> {
        let id = ImportId::new();
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO member_import (koperasi_id, id, created_by, created_at, file_name, status, row_count, problem_count, rows_json)
             VALUES ($1, $2, $3, $4, $5, 'preview', $6, $7, $8)")
            .bind(self.koperasi_id.0).bind(id.0).bind(by.0).bind(now()).bind(file_name)
            .bind(row_count as i64).bind(problem_count as i64).bind(rows_json)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn import(&self, id: ImportId) -> StoreResult<ImportRecord> {
        let row: Option<ImportRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, created_by, created_at, file_name, status, row_count, problem_count, rows_json, committed_at
             FROM member_import WHERE koperasi_id = $1 AND id = $2")
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        row.map(ImportRecord::from).ok_or(StoreError::NotFound)
    }

    /// The coop's recent imports, newest first.
    pub async fn imports(&self, limit: u32) -> StoreResult<Vec<ImportRecord>> {
        let rows: Vec<ImportRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, created_by, created_at, file_name, status, row_count, problem_count, '' AS rows_json, committed_at
             FROM member_import WHERE koperasi_id = $1 AND file_name NOT LIKE 'saldo-awal:%' ORDER BY created_at DESC LIMIT $2")
            .bind(self.koperasi_id.0).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(ImportRecord::from).collect())
    }

    /// Registers the import's members, all or nothing, and marks it committed.
    pub async fn commit_import(
        &self,
        actor: &Actor,
        id: ImportId,
        members: &[ValidMember],
    ) -> StoreResult<usize> {
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE member_import SET status = 'committed', committed_at = $3
             WHERE koperasi_id = $1 AND id = $2 AND status = 'preview' AND problem_count = 0")
            .bind(self.koperasi_id.0).bind(id.0).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::Conflict(Msg::new(
                "Impor ini sudah disimpan sebelumnya atau masih punya masalah; tidak ada yang ditulis.",
                "This import was already committed or still has problems; nothing was written.",
            )));
        }
        let count = self
            .create_members_batch_tx(&mut tx, actor, members, true)
            .await?;
        let changes = diff([("members", None, Some(count.to_string()))]);
        audit::record(
            &mut tx,
            self.koperasi_id,
            actor,
            "member_import",
            &id.to_string(),
            Action::Import,
            &changes,
        )
        .await?;
        tx.commit().await?;
        if count >= 1000 {
            // A large import changes the shape of the data the search plans rely on.
            self.db.optimize().await?;
        }
        Ok(count)
    }
}
