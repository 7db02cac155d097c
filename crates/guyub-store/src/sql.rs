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
