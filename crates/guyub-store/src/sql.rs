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
