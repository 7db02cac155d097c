//! The two migration folders are kept in lockstep: the same file names, and after migrating
//! the same tables with the same columns (and the same nullability and named indexes).
//!
//! The SQLite side always runs. The PostgreSQL side runs against a fresh schema when
//! `TEST_DATABASE_URL` is set; without it, the PostgreSQL migration text is parsed instead, so
//! the lockstep is still checked (less strictly) on a machine without PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use guyub_store::{Db, Store};

/// table → column → nullable
type Columns = BTreeMap<String, BTreeMap<String, bool>>;
/// (table, index name) of the indexes created by name (not those behind constraints)
type Indexes = BTreeSet<(String, String)>;

const IGNORED_TABLES: &[&str] = &["_sqlx_migrations"];

fn migrations_dir(engine: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(engine)
}

fn file_names(engine: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(migrations_dir(engine))
        .unwrap_or_else(|e| panic!("read migrations/{engine}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn both_folders_hold_the_same_file_names() {
    let sqlite = file_names("sqlite");
    let pg = file_names("postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations found");
    assert!(
        sqlite.iter().all(|n| n.ends_with(".sql")),
        "unexpected file in migrations/sqlite: {sqlite:?}"
    );
    assert_eq!(
        sqlite, pg,
        "migrations/sqlite and migrations/postgres differ"
    );
}

async fn sqlite_schema(db: &Db) -> (Columns, Indexes) {
    let Db::Sqlite(p) = db else {
        panic!("not SQLite")
    };
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, c.name, c.\"notnull\", c.pk
         FROM sqlite_master m JOIN pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut cols = Columns::new();
    for (table, col, notnull, pk) in rows {
        if IGNORED_TABLES.contains(&table.as_str()) {
            continue;
        }
        // SQLite lets a non-INTEGER primary key column hold NULL unless NOT NULL is written;
        // the schema never stores one, so a key column counts as NOT NULL like in PostgreSQL.
        cols.entry(table)
            .or_default()
            .insert(col, notnull == 0 && pk == 0);
    }
    let idx: Vec<(String, String)> = sqlx::query_as(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(p)
    .await
    .unwrap();
    (cols, idx.into_iter().collect())
}

async fn pg_schema(db: &Db) -> (Columns, Indexes) {
    let Db::Pg(p) = db else {
        panic!("not PostgreSQL")
    };
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut cols = Columns::new();
    for (table, col, nullable) in rows {
        if IGNORED_TABLES.contains(&table.as_str()) {
            continue;
        }
        cols.entry(table)
            .or_default()
            .insert(col, nullable == "YES");
    }
    let idx: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
    )
    .fetch_all(p)
    .await
    .unwrap();
    (
        cols,
        idx.into_iter()
            .filter(|(t, _)| !IGNORED_TABLES.contains(&t.as_str()))
            .collect(),
    )
}

/// A rough reading of a migration folder's CREATE TABLE / ALTER TABLE … ADD COLUMN / CREATE INDEX
/// statements: enough for the schemas in this project (one column per line, constraints on their
/// own lines).
fn parse_sql_schema(engine: &str) -> (Columns, Indexes) {
    let mut cols = Columns::new();
    let mut idx = Indexes::new();
    for name in file_names(engine) {
        let text = std::fs::read_to_string(migrations_dir(engine).join(&name)).unwrap();
        let mut table: Option<String> = None;
        for raw in text.lines() {
            let line = raw.split("--").next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let upper = line.to_uppercase();
            let words: Vec<&str> = line.split_whitespace().collect();
            if let Some(t) = &table {
                if line.starts_with(')') {
                    table = None;
                    continue;
                }
                let first = words[0].to_uppercase();
                if ["PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK"].contains(&first.as_str())
                {
                    continue;
                }
                let col = words[0].trim_matches('"').to_string();
                let nullable = !upper.contains("NOT NULL") && !upper.contains("PRIMARY KEY");
                cols.entry(t.clone()).or_default().insert(col, nullable);
            } else if upper.starts_with("CREATE TABLE") {
                let t = words[2].trim_end_matches('(').trim_matches('"').to_string();
                cols.entry(t.clone()).or_default();
                table = Some(t);
            } else if upper.starts_with("DROP TABLE") {
                // A rebuilt table: its indexes go with it.
                let t = words[2].trim_end_matches(';').trim_matches('"').to_string();
                cols.remove(&t);
                idx.retain(|(on, _)| *on != t);
            } else if upper.starts_with("ALTER TABLE") && upper.contains(" RENAME TO ") {
                let (from, to) = (words[2], words[5].trim_end_matches(';'));
                if let Some(c) = cols.remove(from) {
                    cols.insert(to.to_string(), c);
                }
                idx = std::mem::take(&mut idx)
                    .into_iter()
                    .map(|(on, name)| (if on == from { to.to_string() } else { on }, name))
                    .collect();
            } else if upper.starts_with("ALTER TABLE")
                && words.len() > 5
                && upper.contains(" ADD COLUMN ")
            {
                // `ALTER TABLE t ADD COLUMN c type …` (one statement per line).
                let t = words[2].trim_matches('"').to_string();
                let col = words[5].trim_matches('"').to_string();
                let nullable = !upper.contains("NOT NULL");
                cols.entry(t).or_default().insert(col, nullable);
            } else if upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX")
            {
                let pos = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("ON"))
                    .unwrap();
                idx.insert((words[pos + 1].to_string(), words[pos - 1].to_string()));
            }
        }
    }
    (cols, idx)
}

fn assert_same(what: &str, a: &(Columns, Indexes), b: &(Columns, Indexes)) {
    let ta: BTreeSet<&String> = a.0.keys().collect();
    let tb: BTreeSet<&String> = b.0.keys().collect();
    assert_eq!(ta, tb, "{what}: the sets of tables differ");
    for (table, ca) in &a.0 {
        let cb = &b.0[table];
        let na: BTreeSet<&String> = ca.keys().collect();
        let nb: BTreeSet<&String> = cb.keys().collect();
        assert_eq!(na, nb, "{what}: the columns of table {table} differ");
        assert_eq!(
            ca, cb,
            "{what}: the nullability of table {table}'s columns differs"
        );
    }
    assert_eq!(a.1, b.1, "{what}: the named indexes differ");
}

#[tokio::test]
async fn migrated_schemas_are_in_lockstep() {
    // SQLite, live.
    let sdb = common::TestDb::sqlite();
    let sqlite_store = Store::open(&sdb.url, 1).await.unwrap();
    let sqlite = sqlite_schema(sqlite_store.db()).await;
    let applied: i64 = match sqlite_store.db() {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Pg(_) => unreachable!(),
    };
    sqlite_store.db().close().await;
    sdb.cleanup().await;

    assert_eq!(applied as usize, file_names("sqlite").len());
    for t in [
        "koperasi",
        "bylaws",
        "app_user",
        "member",
        "member_search_token",
        "member_number_seq",
        "role_grant",
        "web_session",
        "api_token",
        "audit_log",
        "member_import",
    ] {
        assert!(sqlite.0.contains_key(t), "table {t} missing on SQLite");
    }
    // Tenant-owned tables carry koperasi_id (DESIGN: the distribution column).
    for t in [
        "bylaws",
        "member",
        "member_search_token",
        "member_number_seq",
        "audit_log",
        "member_import",
    ] {
        assert_eq!(
            sqlite.0[t].get("koperasi_id"),
            Some(&false),
            "{t}.koperasi_id must exist and be NOT NULL"
        );
    }

    // The text reading agrees with the live SQLite schema (so it can be trusted below).
    assert_same(
        "sqlite text vs sqlite live",
        &parse_sql_schema("sqlite"),
        &sqlite,
    );
    // The PostgreSQL text against SQLite, always.
    assert_same(
        "postgres text vs sqlite live",
        &parse_sql_schema("postgres"),
        &sqlite,
    );

    // PostgreSQL, live, in a fresh schema.
    let Some(url) = common::pg_url() else {
        eprintln!("TEST_DATABASE_URL is not set: live PostgreSQL schema not compared");
        return;
    };
    let pdb = common::TestDb::postgres(&url).await;
    let result = async {
        let pg_store = Store::open(&pdb.url, 1).await.map_err(|e| e.to_string())?;
        pdb.check_schema(&pg_store).await?;
        // Migrating again is a no-op.
        pg_store.migrate().await.map_err(|e| e.to_string())?;
        let pg = pg_schema(pg_store.db()).await;
        let applied: i64 = match pg_store.db() {
            Db::Pg(p) => sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(p)
                .await
                .map_err(|e| e.to_string())?,
            Db::Sqlite(_) => unreachable!(),
        };
        pg_store.db().close().await;
        Ok::<_, String>((pg, applied))
    }
    .await;
    pdb.cleanup().await;
    let (pg, applied) = result.unwrap();
    assert_eq!(applied as usize, file_names("postgres").len());
    assert_same("postgres live vs sqlite live", &pg, &sqlite);
}

#[tokio::test]
async fn migrating_an_sqlite_file_twice_keeps_its_data() {
    let db = common::TestDb::sqlite();
    {
        let s = Store::open(&db.url, 1).await.unwrap();
        let Db::Sqlite(p) = s.db() else {
            unreachable!()
        };
        sqlx::query(
            "INSERT INTO app_user (id, email, name, password_hash, must_change_password, disabled, created_at, updated_at)
             VALUES (X'01', 'a@b.id', 'A', 'h', 0, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .execute(p)
        .await
        .unwrap();
        s.db().close().await;
    }
    let s = Store::open(&db.url, 1).await.unwrap();
    let Db::Sqlite(p) = s.db() else {
        unreachable!()
    };
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(n, 1);
    s.db().close().await;
    db.cleanup().await;
}
