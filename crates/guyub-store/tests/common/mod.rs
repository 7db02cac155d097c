//! Test databases for the store tests: a fresh SQLite file per test, and (when
//! `TEST_DATABASE_URL` is set) a fresh PostgreSQL schema per test, reached through a URL that
//! sets `search_path`. Both are removed when the test ends, also when it panics.

#![allow(dead_code)]

pub mod market;

/// One store test run on SQLite and (with `TEST_DATABASE_URL`) on PostgreSQL.
#[allow(unused_macros)]
macro_rules! store_test {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::common::run(guyub_store::Engine::Sqlite, |$s: guyub_store::Store| async move $body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::common::run(guyub_store::Engine::Postgres, |$s: guyub_store::Store| async move $body).await
            }
        }
    };
}

use std::future::Future;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use guyub_store::{Engine, Store};
use sqlx::Connection;

/// The PostgreSQL server to test against, if any.
pub fn pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `t_<unix seconds>_<8 random hex digits>`: unique, and old ones can be recognised.
fn schema_name() -> String {
    // The tail of a UUIDv7 is random (its head is the clock).
    let rand = uuid::Uuid::now_v7().simple().to_string();
    format!("t_{}_{}", unix_secs(), &rand[24..])
}

/// A test schema older than this is garbage from a run that was killed; the next run drops it.
const STALE_SECS: u64 = 3600;

fn stale_schema(name: &str) -> bool {
    let mut parts = name.split('_');
    let (Some("t"), Some(secs), Some(rand), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if secs.len() != 10 || rand.len() != 8 || !rand.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    match secs.parse::<u64>() {
        Ok(t) => unix_secs().saturating_sub(t) > STALE_SECS,
        Err(_) => false,
    }
}

/// `url` with `search_path` set to `schema` on every connection of the pool.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// One test's database; [`TestDb::cleanup`] removes it.
pub struct TestDb {
    pub url: String,
    pub engine: Engine,
    place: Place,
}

enum Place {
    Sqlite(PathBuf),
    Pg { admin_url: String, schema: String },
}

/// A fresh SQLite file path under the temp folder (not created).
pub fn temp_sqlite_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "guyub-store-test-{tag}-{}.db",
        uuid::Uuid::now_v7().simple()
    ))
}

pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Removes an SQLite file and its WAL companions.
pub fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

impl TestDb {
    /// A fresh, empty SQLite database (not migrated).
    pub fn sqlite() -> TestDb {
        let path = temp_sqlite_path("db");
        TestDb {
            url: sqlite_url(&path),
            engine: Engine::Sqlite,
            place: Place::Sqlite(path),
        }
    }

    /// A fresh, empty PostgreSQL schema (not migrated) on the server at `admin_url`.
    pub async fn postgres(admin_url: &str) -> TestDb {
        let mut c = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        // Sweep schemas left behind by killed runs.
        let names: Vec<String> =
            sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'")
                .fetch_all(&mut c)
                .await
                .expect("list schemas");
        for n in names.iter().filter(|n| stale_schema(n)) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{n}\" CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
        let schema = schema_name();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&mut c)
            .await
            .expect("create test schema");
        let _ = c.close().await;
        TestDb {
            url: with_search_path(admin_url, &schema),
            engine: Engine::Postgres,
            place: Place::Pg {
                admin_url: admin_url.to_string(),
                schema,
            },
        }
    }

    /// The PostgreSQL schema this database lives in.
    pub fn schema(&self) -> Option<&str> {
        match &self.place {
            Place::Pg { schema, .. } => Some(schema),
            Place::Sqlite(_) => None,
        }
    }

    /// On PostgreSQL, checks that the store's connections really work in the test schema
    /// (so a test can never touch `public`).
    pub async fn check_schema(&self, store: &Store) -> Result<(), String> {
        if let (Some(schema), guyub_store::Db::Pg(p)) = (self.schema(), store.db()) {
            let current: String = sqlx::query_scalar("SELECT current_schema()::text")
                .fetch_one(p)
                .await
                .map_err(|e| e.to_string())?;
            if current != schema {
                return Err(format!(
                    "search_path did not reach the pool: current_schema() = {current}, wanted {schema}"
                ));
            }
        }
        Ok(())
    }

    /// Drops the schema or deletes the file (best effort).
    pub async fn cleanup(self) {
        match self.place {
            Place::Sqlite(path) => remove_sqlite_files(&path),
            Place::Pg { admin_url, schema } => {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                    )))
                    .execute(&mut c)
                    .await;
                    let _ = c.close().await;
                }
            }
        }
    }
}

/// A fresh database on `engine`, or `None` for PostgreSQL when `TEST_DATABASE_URL` is unset.
pub async fn fresh(engine: Engine) -> Option<TestDb> {
    match engine {
        Engine::Sqlite => Some(TestDb::sqlite()),
        Engine::Postgres => match pg_url() {
            Some(url) => Some(TestDb::postgres(&url).await),
            None => None,
        },
    }
}

/// Runs one test body against a freshly migrated store on `engine`, then removes the
/// database, whether the body passed or panicked. On PostgreSQL without
/// `TEST_DATABASE_URL` the body is skipped (with a note on stderr).
pub async fn run<F, Fut>(engine: Engine, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = fresh(engine).await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set, PostgreSQL not tested");
        return;
    };
    let store = match Store::open(&db.url, 4).await {
        Ok(s) => s,
        Err(e) => {
            let url = db.url.clone();
            db.cleanup().await;
            panic!("open {url}: {e}");
        }
    };
    if let Err(e) = db.check_schema(&store).await {
        store.db().close().await;
        db.cleanup().await;
        panic!("{e}");
    }
    let outcome = tokio::spawn(body(store.clone())).await;
    store.db().close().await;
    drop(store);
    db.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Like [`run`], but hands the body the URL of a fresh, empty (not migrated) database.
pub async fn run_empty<F, Fut>(engine: Engine, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = fresh(engine).await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set, PostgreSQL not tested");
        return;
    };
    let outcome = tokio::spawn(body(db.url.clone())).await;
    db.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}
