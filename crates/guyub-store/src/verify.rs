//! `guyub books verify`: recomputes every invariant of the books from the raw records, for
//! operators and auditors. Nothing here trusts a running total: each check compares the
//! stored figure with what the journal lines and savings transactions add up to.

use guyub_core::ids::KoperasiId;
use guyub_core::savings::TxKind;
use uuid::Uuid;

use crate::{Store, StoreResult, on_db};

/// A settlement as checked: member number, member status, state, refund, method paid at
/// once, the settlement entry's source and total, the later payment's entry id and source,
/// and the sum of the refund transactions.
type SettledRow = (
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<Uuid>,
    Option<String>,
    i64,
);

/// What is wrong with one settlement (empty when it is consistent).
fn settlement_problems(r: &SettledRow) -> Vec<String> {
    let (_, status, state, refund, method, source, total, paid_id, paid_source, refunded) = r;
    let mut out = vec![];
    if status == "aktif" {
        out.push("anggota masih berstatus aktif".to_string());
    }
    if refund != refunded {
        out.push(format!(
            "pengembalian {refund} ≠ jumlah transaksi pengembalian {refunded}"
        ));
    }
    if *refund > 0 && (source.as_deref() != Some("settlement") || *total != Some(*refund)) {
        out.push(format!(
            "jurnal penyelesaian tidak ada atau tidak sebesar pengembalian {refund}"
        ));
    }
    let consistent = match state.as_str() {
        "none" => *refund == 0 && source.is_none() && paid_id.is_none(),
        "owed" => *refund > 0 && method.is_none() && paid_id.is_none(),
        "paid" => {
            *refund > 0
                && (method.is_some() != paid_id.is_some())
                && (paid_id.is_none() || paid_source.as_deref() == Some("settlement"))
        }
        _ => false,
    };
    if !consistent {
        out.push(format!("keadaan \"{state}\" tidak cocok dengan catatannya"));
    }
    out
}

/// One thing that is wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub koperasi: String,
    pub what: String,
}

impl Store {
    /// Checks the books of one coop (by id) or of all. An empty list means all is well.
    pub async fn verify_books(&self, only: Option<KoperasiId>) -> StoreResult<Vec<Problem>> {
        let coops: Vec<(Uuid, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, code FROM koperasi WHERE ($1 IS NULL OR id = $1) ORDER BY code")
            .bind(only.map(|k| k.0)).fetch_all(p).await)?;
        let mut problems = vec![];
        for (k, code) in coops {
            let mut say = |what: String| {
                problems.push(Problem {
                    koperasi: code.clone(),
                    what,
                })
            };
            // 1. Every entry balanced, with at least two lines, and its total right.
            let bad: Vec<(i64, i64, i64, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT e.entry_no, e.total, CAST(COALESCE(SUM(l.debit), 0) AS BIGINT), CAST(COALESCE(SUM(l.credit), 0) AS BIGINT),
                        CAST(COUNT(l.line_no) AS BIGINT)
                 FROM journal_entry e LEFT JOIN journal_line l ON l.koperasi_id = e.koperasi_id AND l.entry_id = e.id
                 WHERE e.koperasi_id = $1
                 GROUP BY e.id, e.entry_no, e.total
                 HAVING COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0) OR COALESCE(SUM(l.debit), 0) <> e.total OR COUNT(l.line_no) < 2")
                .bind(k).fetch_all(p).await)?;
            for (no, total, d, c, n) in bad {
                say(format!(
                    "jurnal no. {no}: debit {d} / kredit {c} / total {total} / {n} baris (harus seimbang, ≥ 2 baris)"
                ));
            }
            // 2. No line with both sides, neither side, or a negative amount.
            let odd: i64 = on_db!(&self.db, p => sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_line WHERE koperasi_id = $1
                 AND (debit < 0 OR credit < 0 OR (debit = 0 AND credit = 0) OR (debit <> 0 AND credit <> 0))")
                .bind(k).fetch_one(p).await)?;
            if odd > 0 {
                say(format!(
                    "{odd} baris jurnal tidak berisi tepat satu sisi positif"
                ));
            }
            // 3. The trial balance nets to zero.
            let (d, c): (i64, i64) = on_db!(&self.db, p => sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(debit), 0) AS BIGINT), CAST(COALESCE(SUM(credit), 0) AS BIGINT) FROM journal_line WHERE koperasi_id = $1")
                .bind(k).fetch_one(p).await)?;
            if d != c {
                say(format!("neraca saldo tidak nol: debit {d}, kredit {c}"));
            }
            // 4. Running balances equal the sums of the lines.
            let drift: Vec<(String, i64, i64, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT a.code, COALESCE(b.debit, 0), COALESCE(b.credit, 0),
                        CAST(COALESCE((SELECT SUM(l.debit) FROM journal_line l WHERE l.koperasi_id = a.koperasi_id AND l.account_id = a.id), 0) AS BIGINT),
                        CAST(COALESCE((SELECT SUM(l.credit) FROM journal_line l WHERE l.koperasi_id = a.koperasi_id AND l.account_id = a.id), 0) AS BIGINT)
                 FROM account a LEFT JOIN account_balance b ON b.koperasi_id = a.koperasi_id AND b.account_id = a.id
                 WHERE a.koperasi_id = $1")
                .bind(k).fetch_all(p).await)?;
            for (code, bd, bc, ld, lc) in drift {
                if bd != ld || bc != lc {
                    say(format!(
                        "akun {code}: saldo tersimpan {bd}/{bc} ≠ jumlah baris jurnal {ld}/{lc}"
                    ));
                }
            }
            // 5. Every savings balance equals the sum of its transactions.
            let sav: Vec<(String, String, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT m.member_no, pr.code, s.balance,
                        CAST(COALESCE((SELECT SUM(t.amount) FROM savings_tx t WHERE t.koperasi_id = s.koperasi_id AND t.savings_account_id = s.id), 0) AS BIGINT)
                 FROM savings_account s
                 JOIN member m ON m.koperasi_id = s.koperasi_id AND m.id = s.member_id
                 JOIN savings_product pr ON pr.koperasi_id = s.koperasi_id AND pr.id = s.product_id
                 WHERE s.koperasi_id = $1")
                .bind(k).fetch_all(p).await)?;
            for (no, product, balance, sum) in sav {
                if balance != sum {
                    say(format!(
                        "simpanan {product} anggota {no}: saldo {balance} ≠ jumlah transaksi {sum}"
                    ));
                }
                if balance < 0 {
                    say(format!(
                        "simpanan {product} anggota {no}: saldo negatif {balance}"
                    ));
                }
            }
            // 6. Each savings ledger account equals the members' balances of its products.
            let per_account: Vec<(String, String, i64, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT a.code, a.class, COALESCE(b.debit, 0), COALESCE(b.credit, 0),
                        CAST(COALESCE((SELECT SUM(s.balance) FROM savings_account s JOIN savings_product pr
                                 ON pr.koperasi_id = s.koperasi_id AND pr.id = s.product_id
                                 WHERE s.koperasi_id = a.koperasi_id AND pr.account_id = a.id), 0) AS BIGINT)
                 FROM account a LEFT JOIN account_balance b ON b.koperasi_id = a.koperasi_id AND b.account_id = a.id
                 WHERE a.koperasi_id = $1 AND a.id IN (SELECT account_id FROM savings_product WHERE koperasi_id = $1)")
                .bind(k).fetch_all(p).await)?;
            for (code, class, bd, bc, members) in per_account {
                let normal = if class == "aset" || class == "beban" {
                    bd - bc
                } else {
                    bc - bd
                };
                if normal != members {
                    say(format!(
                        "akun simpanan {code}: saldo buku {normal} ≠ jumlah saldo anggota {members}"
                    ));
                }
            }
            // 7. Nothing posted into a fiscal year after it was closed.
            let late: Vec<(i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT e.entry_no, f.year FROM journal_entry e JOIN fiscal_period f
                   ON f.koperasi_id = e.koperasi_id AND e.entry_date >= f.start_date AND e.entry_date <= f.end_date
                 WHERE e.koperasi_id = $1 AND f.closed_at IS NOT NULL AND e.created_at > f.closed_at")
                .bind(k).fetch_all(p).await)?;
            for (no, year) in late {
                say(format!(
                    "jurnal no. {no} dicatat setelah tahun buku {year} ditutup"
                ));
            }
            // 8. Every settlement of a leaving member agrees with its entries, its refund
            //    transactions and the member's status.
            let settled: Vec<SettledRow> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT m.member_no, m.status, s.state, s.refund, s.method, e.source, e.total, s.paid_entry_id, pe.source,
                        CAST(COALESCE((SELECT -SUM(t.amount) FROM savings_tx t
                                       WHERE t.koperasi_id = s.koperasi_id AND t.member_id = s.member_id AND t.kind = $2), 0) AS BIGINT)
                 FROM member_settlement s
                 JOIN member m ON m.koperasi_id = s.koperasi_id AND m.id = s.member_id
                 LEFT JOIN journal_entry e ON e.koperasi_id = s.koperasi_id AND e.id = s.entry_id
                 LEFT JOIN journal_entry pe ON pe.koperasi_id = s.koperasi_id AND pe.id = s.paid_entry_id
                 WHERE s.koperasi_id = $1")
                .bind(k).bind(TxKind::Refund.as_str()).fetch_all(p).await)?;
            for r in settled {
                for what in settlement_problems(&r) {
                    say(format!("penyelesaian keluar anggota {}: {what}", r.0));
                }
            }
        }
        Ok(problems)
    }
}
