//! Guyub's database layer.
//!
//! One module per context (`coop`, `member`, `identity`, `audit`, `import`), each operation one
//! transaction that calls the core's rules. Tenant-owned data is reached only through a
//! [`Tenant`] handle, which the web layer creates after it has checked the caller's role in
//! that coop; a `Tenant` can never read another coop's rows because every statement it runs
//! is filtered by its `koperasi_id`.

pub mod audit;
pub mod benchdata;
pub mod coop;
pub mod counter;
pub mod db;
pub mod error;
pub mod identity;
pub mod import;
pub mod ledger;
pub mod market;
pub mod member;
pub mod opening;
pub mod payment;
mod recent;
pub mod savings;
mod sql;
pub mod verify;

pub use db::{Db, Engine, Tx};
pub use error::{StoreError, StoreResult};

use guyub_core::ids::{KoperasiId, UserId};
use time::OffsetDateTime;

/// Who is making a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
}

impl Actor {
    /// Changes made by the system itself (the demo seeder, a CLI run by an operator).
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: None,
            name: name.to_string(),
        }
    }
}

/// The whole database: platform-level operations (coops, users) live here.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// The writer that posts counter payments in batches (see [`counter`]).
    desk: counter::Desk,
    /// Coops and products as recently read (see [`recent`]).
    recent: recent::Recent,
}

impl Store {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str, max_connections: u32) -> StoreResult<Store> {
        let db = Db::connect(url, max_connections).await?;
        db.migrate()
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        db.optimize().await?;
        Ok(Store {
            db,
            desk: counter::Desk::default(),
            recent: recent::Recent::default(),
        })
    }

    /// Refreshes the query planner's statistics. SQLite has no automatic statistics, and
    /// without them it picks poor plans for the member search once a coop has thousands of
    /// members; call this at start-up and after bulk loads (imports, the demo). With
    /// `analysis_limit` it samples, so it stays cheap on large databases.
    pub async fn optimize(&self) -> StoreResult<()> {
        Ok(self.db.optimize().await?)
    }

    /// Connects without migrating (for `guyub migrate` to report separately).
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Store> {
        Ok(Store {
            db: Db::connect(url, max_connections).await?,
            desk: counter::Desk::default(),
            recent: recent::Recent::default(),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db
            .migrate()
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// A handle on one coop's data. Call only after the caller's right to it was checked.
    pub fn tenant(&self, koperasi_id: KoperasiId) -> Tenant<'_> {
        Tenant {
            db: &self.db,
            desk: &self.desk,
            recent: &self.recent,
            koperasi_id,
        }
    }

    /// What the counter's writer has done since the process started.
    pub fn desk_stats(&self) -> counter::DeskStats {
        self.desk.stats()
    }

    /// A cheap query that proves the database answers (for `/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        on_db!(&self.db, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

/// One coop's data. Every statement it runs is filtered by `koperasi_id`.
#[derive(Clone, Copy, Debug)]
pub struct Tenant<'a> {
    db: &'a Db,
    desk: &'a counter::Desk,
    recent: &'a recent::Recent,
    koperasi_id: KoperasiId,
}

impl Tenant<'_> {
    pub fn id(&self) -> KoperasiId {
        self.koperasi_id
    }
}

/// The current time in UTC, truncated to microseconds so it round-trips through both engines.
///
/// Never a whole second: SQLite keeps timestamps as RFC 3339 text and sqlx drops a zero
/// fraction, so `…:05Z` would sort after `…:05.000001Z`. One microsecond keeps text order equal
/// to time order.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    let micros = (t.nanosecond() / 1000).max(1);
    t.replace_nanosecond(micros * 1000).unwrap_or(t)
}

/// Whether a database already holds Guyub data (any coop or user).
pub async fn has_data(db: &Db) -> StoreResult<bool> {
    let exists: bool = match db {
        Db::Pg(p) => {
            sqlx::query_scalar("SELECT to_regclass('koperasi') IS NOT NULL")
                .fetch_one(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'koperasi'")
                .fetch_one(p)
                .await?
        }
    };
    if !exists {
        return Ok(false);
    }
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM koperasi").fetch_one(p).await)?;
    Ok(n > 0)
}

/// Empties the PostgreSQL schema this connection works in (for `guyub demo --reset`, the
/// benchmark and tests): every table in it is dropped. Does nothing on SQLite.
pub async fn reset_postgres(db: &Db) -> StoreResult<()> {
    if let Db::Pg(p) = db {
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(p)
            .await?;
        let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {quoted} CASCADE")))
            .execute(p)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {quoted}")))
            .execute(p)
            .await?;
    }
    Ok(())
}
