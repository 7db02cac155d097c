//! The audit log: who changed what, when, in which coop, field by field.
//!
//! Every store function that changes data on behalf of a person calls [`record`] inside its
//! own transaction, so a change and its audit record commit or fail together.

use guyub_core::ids::{AuditId, KoperasiId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::{Actor, StoreResult, Tenant, now, on_db, on_tx};

/// One changed field. `None` means the field was empty (or did not exist yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Builds the list of changed fields from (field, before, after) triples; unchanged ones are
/// left out.
pub fn diff<'a>(
    fields: impl IntoIterator<Item = (&'a str, Option<String>, Option<String>)>,
) -> Vec<Change> {
    fields
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(f, b, a)| Change {
            field: f.to_string(),
            before: b,
            after: a,
        })
        .collect()
}

/// What happened to an entity.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Create,
    Update,
    Delete,
    Import,
    SignIn,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Import => "import",
            Action::SignIn => "sign_in",
        }
    }
}

/// The coop id used for platform-level records (users, coops created by an admin).
pub fn platform() -> KoperasiId {
    KoperasiId(Uuid::nil())
}

/// Writes one audit record in `tx`. Nothing is written when an update changed nothing.
pub async fn record(
    tx: &mut Tx<'_>,
    koperasi_id: KoperasiId,
    actor: &Actor,
    entity: &str,
    entity_id: &str,
    action: Action,
    changes: &[Change],
) -> StoreResult<()> {
    if matches!(action, Action::Update) && changes.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(changes).map_err(crate::StoreError::corrupt)?;
    let id = AuditId::new();
    let at = now();
    let user = actor.user_id.map(|u| u.0);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_log (koperasi_id, id, at, user_id, actor, entity, entity_id, action, changes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(koperasi_id.0).bind(id.0).bind(at).bind(user).bind(&actor.name)
        .bind(entity).bind(entity_id).bind(action.as_str()).bind(&json)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes many audit records of one actor in `tx`, in multi-row inserts (an import of
/// thousands of members records each one without a round trip per member).
pub async fn record_many(
    tx: &mut Tx<'_>,
    koperasi_id: KoperasiId,
    actor: &Actor,
    entity: &str,
    action: Action,
    items: &[(String, Vec<Change>)],
) -> StoreResult<()> {
    let rows: Vec<Record<'_>> = items
        .iter()
        .map(|(entity_id, changes)| Record {
            actor,
            entity,
            entity_id: entity_id.clone(),
            action,
            changes: changes.clone(),
        })
        .collect();
    record_rows(tx, koperasi_id, &rows).await
}

/// One audit record to write with [`record_rows`].
pub struct Record<'a> {
    pub actor: &'a Actor,
    pub entity: &'a str,
    pub entity_id: String,
    pub action: Action,
    pub changes: Vec<Change>,
}

/// Writes audit records of possibly different actors in `tx`, 500 to a statement (a batch
/// of counter payments by several cashiers records each one without a round trip each).
pub async fn record_rows(
    tx: &mut Tx<'_>,
    koperasi_id: KoperasiId,
    records: &[Record<'_>],
) -> StoreResult<()> {
    let mut script = crate::sql::Script::new();
    push_records(&mut script, tx.engine(), koperasi_id, records)?;
    script.run(tx).await?;
    Ok(())
}

/// Adds the inserts of [`record_rows`] to `script`.
pub(crate) fn push_records(
    script: &mut crate::sql::Script,
    engine: crate::Engine,
    koperasi_id: KoperasiId,
    records: &[Record<'_>],
) -> StoreResult<()> {
    let at = now();
    for chunk in records.chunks(crate::sql::rows_per_statement(engine, 9)) {
        let sql = crate::sql::values_sql(
            "INSERT INTO audit_log (koperasi_id, id, at, user_id, actor, entity, entity_id, action, changes)",
            chunk.len(),
            9,
        );
        let mut vals: Vec<crate::sql::Val> = Vec::with_capacity(chunk.len() * 9);
        for r in chunk {
            vals.extend([
                koperasi_id.0.into(),
                AuditId::new().0.into(),
                at.into(),
                r.actor.user_id.map(|u| u.0).into(),
                r.actor.name.clone().into(),
                r.entity.into(),
                r.entity_id.clone().into(),
                r.action.as_str().into(),
                serde_json::to_string(&r.changes)
                    .map_err(crate::StoreError::corrupt)?
                    .into(),
            ]);
        }
        script.push(&sql, vals, chunk.len() as u64);
    }
    Ok(())
}

/// One audit record as read back.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: OffsetDateTime,
    pub user_id: Option<UserId>,
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub changes: Vec<Change>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    at: OffsetDateTime,
    user_id: Option<Uuid>,
    actor: String,
    entity: String,
    entity_id: String,
    action: String,
    changes: String,
}

/// Filters for browsing the log. All are optional; dates are inclusive UTC instants.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<UserId>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub limit: u32,
    pub offset: u32,
}

impl Tenant<'_> {
    /// The coop's audit log, newest first. Returns up to `limit + 1` rows so the caller can
    /// tell whether there is a next page.
    pub async fn audit_log(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        list(self.db, self.koperasi_id, f).await
    }
}

/// Bounds are compared in UTC: SQLite keeps timestamps as RFC 3339 text, where only
/// instants written with the same offset compare correctly.
fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
}

/// The audit log of one coop (or of the platform, with [`platform()`]).
pub async fn list(
    db: &crate::Db,
    koperasi_id: KoperasiId,
    f: &AuditFilter,
) -> StoreResult<Vec<AuditEntry>> {
    let limit = i64::from(f.limit.clamp(1, 500)) + 1;
    let rows: Vec<AuditRow> = on_db!(db, p => sqlx::query_as(
        "SELECT id, at, user_id, actor, entity, entity_id, action, changes FROM audit_log
         WHERE koperasi_id = $1
           AND ($2 IS NULL OR user_id = $2)
           AND ($3 IS NULL OR entity = $3)
           AND ($4 IS NULL OR entity_id = $4)
           AND ($5 IS NULL OR at >= $5)
           AND ($6 IS NULL OR at <= $6)
         ORDER BY at DESC, id DESC LIMIT $7 OFFSET $8")
        .bind(koperasi_id.0).bind(f.user_id.map(|u| u.0)).bind(f.entity.as_deref())
        .bind(f.entity_id.as_deref()).bind(f.from.map(utc)).bind(f.until.map(utc)).bind(limit).bind(i64::from(f.offset))
        .fetch_all(p).await)?;
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: AuditId(r.id),
                at: r.at,
                user_id: r.user_id.map(UserId),
                actor: r.actor,
                entity: r.entity,
                entity_id: r.entity_id,
                action: r.action,
                changes: serde_json::from_str(&r.changes).map_err(crate::StoreError::corrupt)?,
            })
        })
        .collect()
}
