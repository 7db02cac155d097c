//! The database handle: one SQL text, two native drivers.
//!
//! [`Db`] holds either an SQLite or a PostgreSQL pool; [`on_db!`] and [`on_tx!`] run the same
//! expression (the same SQL, the same binds) against whichever one we hold. Each arm must
//! evaluate to a backend-neutral value (a decoded struct, a scalar, `rows_affected()`).
//!
//! Rules for SQL written here (see DESIGN.md): `$1..$n` placeholders only, columns listed
//! (never `SELECT *`), `CAST(SUM(x) AS BIGINT)`, no `FOR UPDATE` (conditional updates and
//! `rows_affected()` instead), writes through [`Db::begin_write`] (SQLite `BEGIN IMMEDIATE`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// A pool on one of the two supported engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

/// An open write transaction on one of the two engines. Dropped without `commit` = rolled back.
/// `'c` is `'static` for a transaction on a pooled connection ([`Db::begin_write`]) and the
/// borrow of a kept connection otherwise ([`WriterConn::begin`]).
pub enum Tx<'c> {
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    Pg(sqlx::Transaction<'c, sqlx::Postgres>),
    /// No transaction: each statement on this PostgreSQL connection commits by itself, and
    /// `commit`/`rollback` do nothing ([`WriterConn::begin`]). Only for work whose
    /// reads need no lock and whose writes are one self-checking statement (the counter
    /// desk's batches, see `counter.rs`); code that writes more than once must refuse it
    /// ([`Tx::is_autocommit`]).
    PgAutocommit(&'c mut sqlx::PgConnection),
}

/// A connection kept by one writer for as long as it works (the counter's desk).
///
/// Why not a pool of one: sqlx hands a pooled connection back through a spawned task that
/// first pings it (a round trip on PostgreSQL, a hand-off to the connection's thread on
/// SQLite), and the next `begin` waits for that task. Measured with `guyub bench-books`, that
/// was 0.3 ms (SQLite) to 0.65 ms (PostgreSQL) before every batch's `BEGIN`.
pub enum WriterConn {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl WriterConn {
    /// With `autocommit` on PostgreSQL: the connection outside any transaction (see
    /// [`Tx::PgAutocommit`]); otherwise a write transaction (`BEGIN IMMEDIATE` on SQLite, as
    /// [`Db::begin_write`]). SQLite's writes always go in a transaction.
    pub async fn begin(&mut self, autocommit: bool) -> Result<Tx<'_>, sqlx::Error> {
        use sqlx::Connection;
        Ok(match (self, autocommit) {
            (WriterConn::Pg(c), true) => Tx::PgAutocommit(c),
            (WriterConn::Pg(c), false) => Tx::Pg(c.begin().await?),
            (WriterConn::Sqlite(c), _) => Tx::Sqlite(c.begin_with("BEGIN IMMEDIATE").await?),
        })
    }
}

/// Runs `$body` with `$p` bound to the native pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Pg($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the native transaction (use `&mut **$c` as executor).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite($c) => $body,
            $crate::db::Tx::Pg($c) => $body,
            $crate::db::Tx::PgAutocommit($c) => $body,
        }
    };
}

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// How long a PostgreSQL connection may sit idle before it is pinged when taken from the pool.
const PG_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// PostgreSQL pool settings. sqlx pings every connection before handing it out by default:
/// one more round trip before every query (measured: the counter's deposits paid it once per
/// batch, and the web side once per read). A connection in steady use is known to be alive;
/// only one idle for [`PG_PING_AFTER_IDLE`] (the server may have restarted or dropped it
/// meanwhile) is pinged, and a failed ping makes the pool open a fresh one instead.
fn pg_pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PG_PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`), creating the SQLite
    /// file (and its folder) if missing. SQLite runs in WAL mode with a busy timeout, so
    /// readers never block the one writer and writers queue instead of failing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => {
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("cache_size", "-16000")
                    .pragma("wal_autocheckpoint", "8000")
                    .pragma("temp_store", "memory");
                if let Some(parent) = opts.get_filename().parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
                    }
                }
                // No liveness ping before each use: a file does not drop a connection, and the
                // ping is one more hop to the connection's thread.
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .min_connections(1)
                    .test_before_acquire(false)
                    .connect_with(opts)
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            Some(Engine::Postgres) => {
                let pool = pg_pool_options()
                    .max_connections(max_connections.max(1))
                    .connect(url)
                    .await?;
                Ok(Db::Pg(pool))
            }
            None => Err(sqlx::Error::Configuration(
                format!("database URL must start with sqlite: or postgres:// (got {url:?})").into(),
            )),
        }
    }

    /// A new connection with this pool's settings, outside the pool, for a single writer
    /// that keeps it (see [`WriterConn`]); its statement cache is larger, for the batches'
    /// statements (one per batch size of each multi-row statement).
    pub async fn writer_connection(&self) -> Result<WriterConn, sqlx::Error> {
        use sqlx::ConnectOptions;
        Ok(match self {
            Db::Sqlite(p) => WriterConn::Sqlite(
                (*p.connect_options())
                    .clone()
                    .statement_cache_capacity(1024)
                    .connect()
                    .await?,
            ),
            Db::Pg(p) => WriterConn::Pg(
                (*p.connect_options())
                    .clone()
                    .statement_cache_capacity(1024)
                    .connect()
                    .await?,
            ),
        })
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Pg(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations of this engine's folder (`migrations/sqlite` or
    /// `migrations/postgres`; the two are kept in lockstep and a test proves it).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await,
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await,
        }
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred transaction
    /// that later upgrades to a write fails with SQLITE_BUSY and ignores the busy timeout.
    pub async fn begin_write(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// Takes a consistent copy of an SQLite database while it serves (`VACUUM INTO`).
    /// PostgreSQL is backed up with `pg_dump` (see the README).
    pub async fn backup_sqlite(&self, dest: &str) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1").bind(dest).execute(p).await?;
                Ok(())
            }
            Db::Pg(_) => Err(sqlx::Error::Configuration(
                "backup copies SQLite files; use pg_dump for PostgreSQL".into(),
            )),
        }
    }

    /// Refreshes the planner's statistics (see `Store::optimize`).
    pub async fn optimize(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(p) => {
                let mut c = p.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 2000")
                    .execute(&mut *c)
                    .await?;
                sqlx::query("ANALYZE").execute(&mut *c).await?;
            }
            Db::Pg(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

impl Tx<'_> {
    pub fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) => Engine::Sqlite,
            Tx::Pg(_) | Tx::PgAutocommit(_) => Engine::Postgres,
        }
    }

    /// Whether each statement commits by itself ([`Tx::PgAutocommit`]).
    pub fn is_autocommit(&self) -> bool {
        matches!(self, Tx::PgAutocommit(_))
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(c) => c.commit().await,
            Tx::Pg(c) => c.commit().await,
            Tx::PgAutocommit(_) => Ok(()),
        }
    }

    /// Rolls back now. Dropping a transaction also rolls it back, but on a kept connection
    /// ([`WriterConn`]) only with the connection's next statement: until then the database
    /// still holds the transaction's locks.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(c) => c.rollback().await,
            Tx::Pg(c) => c.rollback().await,
            Tx::PgAutocommit(_) => Ok(()),
        }
    }
}
