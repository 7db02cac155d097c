//! Builders of SQL text with numbered placeholders, for statements whose length depends on
//! the data (multi-row inserts, `IN` lists). Only the placeholders vary; values are always
//! bound, never written into the text.

/// `head` followed by `$2,$3,…` for `n` values and a closing parenthesis: `head` ends with
/// `IN (` and `$1` is the coop.
pub(crate) fn in_list_sql(head: &str, n: usize) -> String {
    let mut sql = String::with_capacity(head.len() + n * 5);
    sql.push_str(head);
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push('$');
        sql.push_str(&(i + 2).to_string());
    }
    sql.push(')');
    sql
}

/// `head` followed by ` VALUES ($1,…),(…)` for `rows` rows of `cols` placeholders each.
pub(crate) fn values_sql(head: &str, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * cols * 5);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(r * cols + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(in_list_sql("x IN (", 3), "x IN ($2,$3,$4)");
        assert_eq!(
            values_sql("INSERT INTO t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}

/// The most rows one multi-row statement carries when each row binds `cols` values.
///
/// Why it differs by engine: sqlx's SQLite driver asks SQLite for the name of every parameter
/// it binds, and SQLite finds a name by walking the statement's list of names, so binding N
/// parameters costs O(N²). Measured with `guyub bench-payments` (perf): with 500-row inserts of
/// 15 columns (7,500 parameters) 72 % of a statement import went to that lookup. The cost per
/// parameter, fixed hand-off over N plus N times the walk, is least near 200–250 parameters.
/// PostgreSQL sends all parameters in one message and is bound by round trips, so it takes
/// large statements (well under its limit of 65,535 parameters).
pub(crate) fn rows_per_statement(engine: crate::Engine, cols: usize) -> usize {
    let params = match engine {
        crate::Engine::Sqlite => 240,
        crate::Engine::Postgres => 8_000,
    };
    (params / cols.max(1)).max(1)
}

/// `sql` with each placeholder `$n` renumbered to `$(n + offset)`.
fn renumbered(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// The SQLSTATE a self-checking script raises when it wrote other rows than expected
/// (`guyub_expect_rows`, migration 0013).
const SHORT_WRITE: &str = "GY001";

/// One value bound into a [`Script`]: the few types our write statements bind.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Uuid(uuid::Uuid),
    OptUuid(Option<uuid::Uuid>),
    Int(i64),
    Text(String),
    OptText(Option<String>),
    Date(time::Date),
    OptDate(Option<time::Date>),
    Time(time::OffsetDateTime),
}

macro_rules! val_from {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<$t> for Val {
            fn from(x: $t) -> Val {
                Val::$v(x)
            }
        })*
    };
}
val_from!(uuid::Uuid => Uuid, Option<uuid::Uuid> => OptUuid, i64 => Int, String => Text,
    Option<String> => OptText, time::Date => Date, Option<time::Date> => OptDate,
    time::OffsetDateTime => Time);

impl From<&str> for Val {
    fn from(x: &str) -> Val {
        Val::Text(x.to_string())
    }
}

/// Write statements sent to the database in one request, so a batch of postings pays one
/// hand-off (SQLite: to the connection's worker thread) or one round trip (PostgreSQL)
/// instead of one per statement.
///
/// Each statement is pushed with its own placeholders `$1..$n` and the number of rows it must
/// write; the script renumbers them. SQLite gets the statements as one text separated by `;`
/// (sqlx binds `$N` to the N-th value of the whole text and sums the rows changed); PostgreSQL
/// gets one statement whose parts are data-modifying CTEs (`WITH s0 AS (INSERT … RETURNING 1),
/// …`) and counts their rows. [`Script::run`] says whether every statement wrote exactly the
/// rows it was pushed with: a conditional update that found its row moved, or an insert that
/// met a conflict, comes up short and the caller rolls back.
///
/// Rules for the parts: they run in the order pushed on SQLite and as one snapshot on
/// PostgreSQL, so no part may read what another part writes, and no two parts may change the
/// same row (PostgreSQL refuses that). Inserts of parent rows before their children keep
/// SQLite's immediate foreign-key checks happy; PostgreSQL checks them at the statement's end.
#[derive(Debug, Default)]
pub(crate) struct Script {
    parts: Vec<String>,
    vals: Vec<Val>,
    expected: u64,
}

impl Script {
    pub(crate) fn new() -> Script {
        Script::default()
    }

    /// Adds `sql` (placeholders `$1..$n` of its own, no `$` anywhere else) with its values,
    /// and the number of rows it must write.
    pub(crate) fn push(&mut self, sql: &str, vals: Vec<Val>, rows: u64) {
        let offset = self.vals.len();
        self.parts.push(renumbered(sql, offset));
        self.vals.extend(vals);
        self.expected += rows;
    }

    /// The whole text for `engine`. `self_checking` (PostgreSQL): the statement raises
    /// `GY001` when the rows written are not the rows expected, so it undoes itself even
    /// outside a transaction (the function comes with migration 0013).
    fn text(&self, engine: crate::Engine, self_checking: bool) -> String {
        match engine {
            crate::Engine::Sqlite => self.parts.join(";\n"),
            crate::Engine::Postgres => {
                let mut sql = String::from("WITH ");
                for (i, p) in self.parts.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(",\n");
                    }
                    sql.push_str(&format!("s{i} AS ({p} RETURNING 1)"));
                }
                let mut sum = String::new();
                for i in 0..self.parts.len() {
                    if i > 0 {
                        sum.push_str(" + ");
                    }
                    sum.push_str(&format!("(SELECT COUNT(*) FROM s{i})"));
                }
                if self_checking {
                    format!(
                        "{sql}\nSELECT guyub_expect_rows(CAST({sum} AS BIGINT), {})",
                        self.expected
                    )
                } else {
                    format!("{sql}\nSELECT CAST({sum} AS BIGINT)")
                }
            }
        }
    }

    /// Runs the script in `tx`. `Ok(true)` when every statement wrote the rows it was pushed
    /// with; `Ok(false)` when some came up short (the caller must roll back; outside a
    /// transaction, [`crate::db::Tx::PgAutocommit`], the statement has undone itself).
    pub(crate) async fn run(self, tx: &mut crate::db::Tx<'_>) -> crate::StoreResult<bool> {
        if self.parts.is_empty() {
            return Ok(true);
        }
        let self_checking = matches!(tx, crate::db::Tx::PgAutocommit(_));
        let sql = self.text(tx.engine(), self_checking);
        macro_rules! bound {
            ($q:expr) => {{
                let mut q = $q;
                for v in self.vals {
                    q = match v {
                        Val::Uuid(x) => q.bind(x),
                        Val::OptUuid(x) => q.bind(x),
                        Val::Int(x) => q.bind(x),
                        Val::Text(x) => q.bind(x),
                        Val::OptText(x) => q.bind(x),
                        Val::Date(x) => q.bind(x),
                        Val::OptDate(x) => q.bind(x),
                        Val::Time(x) => q.bind(x),
                    };
                }
                q
            }};
        }
        let written: u64 = match tx {
            crate::db::Tx::Sqlite(c) => bound!(sqlx::query(sqlx::AssertSqlSafe(sql)))
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected())?,
            crate::db::Tx::Pg(c) => {
                let n: i64 = bound!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
                    .fetch_one(&mut **c)
                    .await?;
                u64::try_from(n).unwrap_or(0)
            }
            crate::db::Tx::PgAutocommit(c) => {
                let n: Result<i64, sqlx::Error> =
                    bound!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)))
                        .fetch_one(&mut **c)
                        .await;
                match n {
                    Ok(n) => u64::try_from(n).unwrap_or(0),
                    // The statement found rows moved and undid itself.
                    Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(SHORT_WRITE) => {
                        return Ok(false);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        Ok(written == self.expected)
    }
}

#[cfg(test)]
mod script_tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_across_parts() {
        let mut s = Script::new();
        s.push(
            "INSERT INTO a (x, y) VALUES ($1,$2)",
            vec![1i64.into(), 2i64.into()],
            1,
        );
        s.push(
            "UPDATE b SET x = $2 WHERE id = $1 AND n = $10",
            vec![3i64.into(); 10],
            1,
        );
        assert_eq!(
            s.text(crate::Engine::Sqlite, false),
            "INSERT INTO a (x, y) VALUES ($1,$2);\nUPDATE b SET x = $4 WHERE id = $3 AND n = $12"
        );
        assert_eq!(
            s.text(crate::Engine::Postgres, false),
            "WITH s0 AS (INSERT INTO a (x, y) VALUES ($1,$2) RETURNING 1),\n\
             s1 AS (UPDATE b SET x = $4 WHERE id = $3 AND n = $12 RETURNING 1)\n\
             SELECT CAST((SELECT COUNT(*) FROM s0) + (SELECT COUNT(*) FROM s1) AS BIGINT)"
        );
        assert_eq!(s.expected, 2);
        assert_eq!(s.vals.len(), 12);
    }

    #[test]
    fn a_self_checking_script_asserts_the_rows_it_wrote() {
        let mut s = Script::new();
        s.push("INSERT INTO a (x) VALUES ($1)", vec![1i64.into()], 1);
        s.push(
            "UPDATE c SET n = $2 WHERE id = $1",
            vec![7i64.into(), 2i64.into()],
            1,
        );
        assert_eq!(
            s.text(crate::Engine::Postgres, true),
            "WITH s0 AS (INSERT INTO a (x) VALUES ($1) RETURNING 1),\n\
             s1 AS (UPDATE c SET n = $3 WHERE id = $2 RETURNING 1)\n\
             SELECT guyub_expect_rows(CAST((SELECT COUNT(*) FROM s0) + (SELECT COUNT(*) FROM s1) AS BIGINT), 2)"
        );
    }
}
