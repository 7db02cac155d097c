//! Imported statements (a QRIS acquirer's settlement report, a bank's mutation statement):
//! stored, matched to open payment requests, and what matched posted to the books.
//!
//! Invariants:
//! - the same file (by SHA-256) is imported once; a line already imported from another file
//!   (same fingerprint) is skipped and counted, never posted twice;
//! - an import is one transaction: the statement, its lines and every payment it posts
//!   commit together or not at all;
//! - a line is posted at most once: accepting or ignoring it moves it out of `tinjau` /
//!   `tidak_cocok` by a conditional update, and a request is confirmed at most once (see
//!   [`super::request`]).

use std::collections::{HashMap, HashSet};

use guyub_core::Msg;
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{KoperasiId, PaymentRequestId, ReceiptId, StatementId};
use guyub_core::money::Rupiah;
use guyub_core::payment::request::{
    ConfirmedVia, LineStatus, MAX_PAID_REFERENCE, StatementKind, mdr_of, settlement,
};
use guyub_core::payment::statement::{
    MatchOutcome, MatchWindow, OpenRequest, StatementLine, match_lines,
};
use serde::Serialize;
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use super::request::{
    Confirmation, LATE_PAYMENT_GRACE, PaymentRequest, ToConfirm, confirm_many, requests_tx,
};
use super::settlement::{self, NewSettlement, Settlement};
use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::sql::{in_list_sql, values_sql};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A statement to import, read and checked by the core.
#[derive(Debug, Clone)]
pub struct NewStatement {
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub kind: StatementKind,
    pub lines: Vec<StatementLine>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub id: Option<StatementId>,
    pub lines: usize,
    pub matched: usize,
    pub review: usize,
    pub unmatched: usize,
    /// Lines already imported from another file, skipped.
    pub already: usize,
    /// What the matched lines brought in.
    pub matched_total: i64,
}

/// A statement as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StatementInfo {
    #[sqlx(try_from = "Uuid")]
    pub id: StatementId,
    pub file_name: String,
    pub kind: String,
    pub line_count: i64,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub matched: i64,
    pub review: i64,
    pub unmatched: i64,
    pub ignored: i64,
    pub settled: bool,
}

/// A request a line may be matched to, as the review shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: PaymentRequestId,
    pub ref_code: String,
    pub member_name: String,
    pub total: i64,
    pub created_at: OffsetDateTime,
}

/// One line as stored.
#[derive(Debug, Clone, Serialize)]
pub struct LineInfo {
    pub line_no: i64,
    pub occurred_at: PrimitiveDateTime,
    pub amount: i64,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub reference: String,
    pub payer: String,
    pub description: String,
    pub status: LineStatus,
    pub request: Option<Candidate>,
    pub candidates: Vec<Candidate>,
    pub note: Option<Msg>,
}

/// A statement with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct StatementDetail {
    pub info: StatementInfo,
    pub lines: Vec<LineInfo>,
}

fn already_imported(at: OffsetDateTime) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!(
            "Berkas yang sama sudah diimpor pada {}; tidak ada yang dicatat dua kali.",
            at.date()
        ),
        format!(
            "The same file was already imported on {}; nothing is posted twice.",
            at.date()
        ),
    ))
}

fn line_decided() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Baris ini sudah diputuskan (dicocokkan atau diabaikan); muat ulang halaman.",
        "This line was already decided (matched or ignored); reload the page.",
    ))
}

/// The moment `t` on the coop's wall clock, the clock statements are written in.
fn local(t: OffsetDateTime, tz: CoopTimeZone) -> PrimitiveDateTime {
    let l = t.to_offset(tz.offset());
    PrimitiveDateTime::new(l.date(), l.time())
}

/// The payer's reference a matched line leaves on the request: the line's reference, else its
/// description, cut to what a request keeps.
fn line_reference(reference: &str, description: &str, line_no: usize) -> String {
    let r = if reference.trim().is_empty() {
        description
    } else {
        reference
    };
    let r = r.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = r.chars().take(MAX_PAID_REFERENCE).collect();
    if cut.is_empty() {
        format!("mutasi baris {line_no}")
    } else {
        cut
    }
}

fn note_json(m: &Msg) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

/// The fingerprints among `fps` this coop already has.
async fn known_fingerprints(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    fps: &[&str],
) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in fps.chunks(500) {
        let sql = in_list_sql(
            "SELECT fingerprint FROM payment_statement_line WHERE koperasi_id = $1 AND fingerprint IN (",
            chunk.len(),
        );
        let rows: Vec<String> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for f in chunk { q = q.bind(f.to_string()); }
            q.fetch_all(&mut **c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Open requests as the matcher needs them, on the coop's wall clock.
async fn open_requests(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    tz: CoopTimeZone,
    at: OffsetDateTime,
) -> StoreResult<Vec<OpenRequest>> {
    let rows: Vec<(Uuid, String, i64, OffsetDateTime, OffsetDateTime)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, ref_code, total, created_at, expires_at FROM payment_request
         WHERE koperasi_id = $1 AND state = 'menunggu' AND expires_at > $2")
        .bind(k.0).bind(at - LATE_PAYMENT_GRACE).fetch_all(&mut **c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, reference, total, created, expires)| OpenRequest {
            id,
            reference,
            total: Rupiah(total),
            created_at: local(created, tz),
            expires_at: local(expires, tz),
            expired: expires <= at,
        })
        .collect())
}

/// A line to store.
struct LineWrite<'a> {
    line: &'a StatementLine,
    status: LineStatus,
    request: Option<Uuid>,
    candidates: Vec<Uuid>,
    note: Option<Msg>,
}

async fn insert_lines(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    sid: StatementId,
    lines: &[LineWrite<'_>],
) -> StoreResult<()> {
    const COLS: usize = 15;
    let per = crate::sql::rows_per_statement(tx.engine(), COLS);
    for (n, chunk) in lines.chunks(per).enumerate() {
        let sql = values_sql(
            "INSERT INTO payment_statement_line (koperasi_id, statement_id, line_no, fingerprint, occurred_at, amount,
                fee, net, reference, payer, description, status, request_id, candidates, note)",
            chunk.len(),
            COLS,
        );
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (i, w) in chunk.iter().enumerate() {
                let no = i64::try_from(n * per + i + 1).unwrap_or(i64::MAX);
                let cands = w.candidates.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",");
                q = q.bind(k.0).bind(sid.0).bind(no).bind(w.line.fingerprint.clone()).bind(w.line.at)
                    .bind(w.line.amount.0).bind(w.line.fee.map(|f| f.0)).bind(w.line.net.map(|f| f.0))
                    .bind(w.line.reference.clone()).bind(w.line.payer.clone()).bind(w.line.description.clone())
                    .bind(w.status.as_str()).bind(w.request).bind(cands).bind(w.note.as_ref().map(note_json));
            }
            q.execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LineRow {
    line_no: i64,
    occurred_at: PrimitiveDateTime,
    amount: i64,
    fee: Option<i64>,
    net: Option<i64>,
    reference: String,
    payer: String,
    description: String,
    status: String,
    request_id: Option<Uuid>,
    candidates: String,
    note: Option<String>,
}

const INFO_SQL: &str = "SELECT s.id, s.file_name, s.kind, s.line_count, s.created_by, s.created_at,
    CAST(COALESCE(SUM(CASE WHEN l.status = 'cocok' THEN 1 ELSE 0 END), 0) AS BIGINT) AS matched,
    CAST(COALESCE(SUM(CASE WHEN l.status = 'tinjau' THEN 1 ELSE 0 END), 0) AS BIGINT) AS review,
    CAST(COALESCE(SUM(CASE WHEN l.status = 'tidak_cocok' THEN 1 ELSE 0 END), 0) AS BIGINT) AS unmatched,
    CAST(COALESCE(SUM(CASE WHEN l.status = 'diabaikan' THEN 1 ELSE 0 END), 0) AS BIGINT) AS ignored,
    EXISTS (SELECT 1 FROM payment_settlement x WHERE x.koperasi_id = s.koperasi_id AND x.statement_id = s.id) AS settled
    FROM payment_statement s
    LEFT JOIN payment_statement_line l ON l.koperasi_id = s.koperasi_id AND l.statement_id = s.id
    WHERE s.koperasi_id = $1";

const INFO_GROUP: &str =
    "GROUP BY s.koperasi_id, s.id, s.file_name, s.kind, s.line_count, s.created_by, s.created_at";

impl Tenant<'_> {
    /// Imports a statement: skips lines seen before, matches the rest to open requests, posts
    /// what matched (as a counter deposit by QRIS or transfer) and keeps the rest for review.
    /// All in one transaction; the same file twice is a conflict and changes nothing.
    pub async fn import_statement(
        &self,
        actor: &Actor,
        st: &NewStatement,
        tz: CoopTimeZone,
    ) -> StoreResult<ImportSummary> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let before: Option<OffsetDateTime> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT created_at FROM payment_statement WHERE koperasi_id = $1 AND file_sha256 = $2")
            .bind(k.0).bind(st.sha256.clone()).fetch_optional(&mut **c).await)?;
        if let Some(at) = before {
            return Err(already_imported(at));
        }
        let fps: Vec<&str> = st.lines.iter().map(|l| l.fingerprint.as_str()).collect();
        let known = known_fingerprints(&mut tx, k, &fps).await?;
        let fresh: Vec<StatementLine> = st
            .lines
            .iter()
            .filter(|l| !known.contains(&l.fingerprint))
            .cloned()
            .collect();
        let sid = StatementId::new();
        let t = now();
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO payment_statement (koperasi_id, id, file_name, file_sha256, kind, line_count, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(k.0).bind(sid.0).bind(st.file_name.clone()).bind(st.sha256.clone()).bind(st.kind.as_str())
            .bind(i64::try_from(fresh.len()).unwrap_or(i64::MAX)).bind(actor.name.clone()).bind(t)
            .execute(&mut **c).await.map(|_| ()))?;

        let open = open_requests(&mut tx, k, tz, t).await?;
        let clock = std::time::Instant::now();
        let matches = match_lines(&fresh, &open, MatchWindow::default());
        tracing::debug!(target: "guyub::statement", ms = clock.elapsed().as_millis() as u64, "matched");
        let mut writes: Vec<LineWrite<'_>> = fresh
            .iter()
            .map(|line| LineWrite {
                line,
                status: LineStatus::Unmatched,
                request: None,
                candidates: vec![],
                note: None,
            })
            .collect();
        let mut matched_ids = vec![];
        for m in &matches {
            let w = &mut writes[m.line_index];
            match &m.outcome {
                MatchOutcome::Matched { request, .. } => {
                    w.request = Some(*request);
                    matched_ids.push((m.line_index, *request));
                }
                MatchOutcome::Ambiguous { candidates, reason } => {
                    w.status = LineStatus::Review;
                    w.candidates = candidates.clone();
                    w.note = Some(reason.msg());
                }
                MatchOutcome::Unmatched => {}
            }
        }
        // Post what matched, all together.
        let ids: Vec<Uuid> = matched_ids.iter().map(|(_, r)| *r).collect();
        let mut requests: HashMap<Uuid, PaymentRequest> = requests_tx(&mut tx, k, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.0, r))
            .collect();
        let mut items = vec![];
        let mut item_line = vec![];
        for (li, rid) in &matched_ids {
            let Some(request) = requests.remove(rid) else {
                continue;
            };
            let line = &fresh[*li];
            items.push(ToConfirm {
                request,
                c: Confirmation {
                    method: st.kind.pay_method(),
                    reference: line_reference(&line.reference, &line.description, line.row),
                    via: ConfirmedVia::Statement,
                    date: line.at.date(),
                },
            });
            item_line.push(*li);
        }
        tracing::debug!(target: "guyub::statement", ms = clock.elapsed().as_millis() as u64, "requests read");
        let answers = confirm_many(&mut tx, k, actor, &items).await?;
        tracing::debug!(target: "guyub::statement", ms = clock.elapsed().as_millis() as u64, "confirmed");
        let mut summary = ImportSummary {
            id: Some(sid),
            lines: fresh.len(),
            already: st.lines.len() - fresh.len(),
            ..Default::default()
        };
        for (answer, li) in answers.into_iter().zip(item_line) {
            let w = &mut writes[li];
            match answer {
                Ok(_) => {
                    w.status = LineStatus::Matched;
                    summary.matched_total += w.line.amount.0;
                }
                Err(StoreError::Conflict(m)) => {
                    w.status = LineStatus::Review;
                    w.candidates = w.request.take().into_iter().collect();
                    w.note = Some(m);
                }
                Err(StoreError::Invalid(f)) => {
                    w.status = LineStatus::Review;
                    w.candidates = w.request.take().into_iter().collect();
                    w.note = f.into_iter().next().map(|e| e.msg);
                }
                Err(e) => return Err(e),
            }
        }
        for w in &writes {
            match w.status {
                LineStatus::Matched => summary.matched += 1,
                LineStatus::Review => summary.review += 1,
                _ => summary.unmatched += 1,
            }
        }
        insert_lines(&mut tx, k, sid, &writes).await?;
        tracing::debug!(target: "guyub::statement", ms = clock.elapsed().as_millis() as u64, "lines kept");
        audit::record(
            &mut tx,
            k,
            actor,
            "payment_statement",
            &sid.to_string(),
            Action::Import,
            &diff([
                ("file_name", None, Some(st.file_name.clone())),
                ("kind", None, Some(st.kind.as_str().to_string())),
                ("lines", None, Some(summary.lines.to_string())),
                ("matched", None, Some(summary.matched.to_string())),
                ("review", None, Some(summary.review.to_string())),
                ("already_imported", None, Some(summary.already.to_string())),
            ]),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(summary)
    }

    /// The coop's statements, newest first, with what became of their lines.
    pub async fn statements(&self, limit: i64) -> StoreResult<Vec<StatementInfo>> {
        let sql = format!("{INFO_SQL} {INFO_GROUP} ORDER BY s.created_at DESC LIMIT $2");
        let rows: Vec<StatementInfo> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(limit.clamp(1, 500)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One statement with its lines, and for each line the requests it is or may be matched to.
    pub async fn statement(&self, id: StatementId) -> StoreResult<StatementDetail> {
        let k = self.koperasi_id;
        let sql = format!("{INFO_SQL} AND s.id = $2 {INFO_GROUP}");
        let info: Option<StatementInfo> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(k.0).bind(id.0).fetch_optional(p).await)?;
        let info = info.ok_or(StoreError::NotFound)?;
        let rows: Vec<LineRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT line_no, occurred_at, amount, fee, net, reference, payer, description, status, request_id, candidates, note
             FROM payment_statement_line WHERE koperasi_id = $1 AND statement_id = $2 ORDER BY line_no")
            .bind(k.0).bind(id.0).fetch_all(p).await)?;
        let mut want: HashSet<Uuid> = HashSet::new();
        for r in &rows {
            want.extend(r.request_id);
            want.extend(
                r.candidates
                    .split(',')
                    .filter_map(|c| Uuid::parse_str(c).ok()),
            );
        }
        let ids: Vec<Uuid> = want.into_iter().collect();
        let found = self.candidates(&ids).await?;
        let lines = rows
            .into_iter()
            .map(|r| {
                let status = LineStatus::parse(&r.status)
                    .ok_or_else(|| StoreError::corrupt(format!("line status {}", r.status)))?;
                Ok(LineInfo {
                    line_no: r.line_no,
                    occurred_at: r.occurred_at,
                    amount: r.amount,
                    fee: r.fee,
                    net: r.net,
                    reference: r.reference,
                    payer: r.payer,
                    description: r.description,
                    status,
                    request: r.request_id.and_then(|x| found.get(&x).cloned()),
                    candidates: r
                        .candidates
                        .split(',')
                        .filter_map(|c| Uuid::parse_str(c).ok())
                        .filter_map(|x| found.get(&x).cloned())
                        .collect(),
                    note: r.note.and_then(|n| serde_json::from_str(&n).ok()),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(StatementDetail { info, lines })
    }

    async fn candidates(&self, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Candidate>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = in_list_sql(
                "SELECT r.id, r.ref_code, COALESCE(m.name, '') AS member_name, r.total, r.created_at
                 FROM payment_request r LEFT JOIN member m ON m.koperasi_id = r.koperasi_id AND m.id = r.member_id
                 WHERE r.koperasi_id = $1 AND r.id IN (",
                chunk.len(),
            );
            let rows: Vec<(Uuid, String, String, i64, OffsetDateTime)> = on_db!(self.db, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.koperasi_id.0);
                for id in chunk { q = q.bind(*id); }
                q.fetch_all(p).await
            })?;
            for (id, ref_code, member_name, total, created_at) in rows {
                out.insert(
                    id,
                    Candidate {
                        id: PaymentRequestId(id),
                        ref_code,
                        member_name,
                        total,
                        created_at,
                    },
                );
            }
        }
        Ok(out)
    }

    /// A person matches a line under review (or one no request fitted) to a request: the
    /// request is confirmed and posted. The line's amount must equal the request's total; a
    /// payment of another amount is taken at the counter instead, and the line ignored.
    pub async fn accept_statement_line(
        &self,
        actor: &Actor,
        id: StatementId,
        line_no: i64,
        request: PaymentRequestId,
    ) -> StoreResult<ReceiptId> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let row: Option<(String, i64, PrimitiveDateTime, String, String, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT l.status, l.amount, l.occurred_at, l.reference, l.description, s.kind
             FROM payment_statement_line l JOIN payment_statement s ON s.koperasi_id = l.koperasi_id AND s.id = l.statement_id
             WHERE l.koperasi_id = $1 AND l.statement_id = $2 AND l.line_no = $3")
            .bind(k.0).bind(id.0).bind(line_no).fetch_optional(&mut **c).await)?;
        let (status, amount, at, reference, description, kind) = row.ok_or(StoreError::NotFound)?;
        if !matches!(
            LineStatus::parse(&status),
            Some(LineStatus::Review | LineStatus::Unmatched)
        ) {
            return Err(line_decided());
        }
        let kind = StatementKind::parse(&kind)
            .ok_or_else(|| StoreError::corrupt(format!("statement kind {kind}")))?;
        let req = super::request::request_tx(&mut tx, k, request).await?;
        if req.total != amount {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "Jumlah baris ini ({}) berbeda dari total tagihan {} ({}). Terima pembayarannya di loket kasir dengan jumlah yang benar, lalu abaikan baris ini.",
                    Rupiah(amount),
                    req.ref_code,
                    Rupiah(req.total)
                ),
                format!(
                    "This line's amount ({}) differs from the total of request {} ({}). Take the payment at the counter with the right amount, then ignore this line.",
                    Rupiah(amount),
                    req.ref_code,
                    Rupiah(req.total)
                ),
            )));
        }
        let item = ToConfirm {
            request: req,
            c: Confirmation {
                method: kind.pay_method(),
                reference: line_reference(
                    &reference,
                    &description,
                    usize::try_from(line_no).unwrap_or(0),
                ),
                via: ConfirmedVia::Statement,
                date: at.date(),
            },
        };
        let receipt = confirm_many(&mut tx, k, actor, std::slice::from_ref(&item))
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::corrupt("no answer")))?;
        self.decide_line(
            &mut tx,
            actor,
            id,
            line_no,
            LineStatus::Matched,
            Some(request),
            None,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(receipt)
    }

    /// A person sets a line aside (a payment that belongs to no request), with the reason.
    pub async fn ignore_statement_line(
        &self,
        actor: &Actor,
        id: StatementId,
        line_no: i64,
        reason: &str,
    ) -> StoreResult<()> {
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::Invalid(vec![guyub_core::FieldError::new(
                "reason",
                Msg::new(
                    "Tulis mengapa baris ini diabaikan (paling panjang 200 karakter).",
                    "Say why this line is set aside (at most 200 characters).",
                ),
            )]));
        }
        let mut tx = self.db.begin_write().await?;
        let note = Msg::new(reason.clone(), reason);
        self.decide_line(
            &mut tx,
            actor,
            id,
            line_no,
            LineStatus::Ignored,
            None,
            Some(&note),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn decide_line(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        id: StatementId,
        line_no: i64,
        status: LineStatus,
        request: Option<PaymentRequestId>,
        note: Option<&Msg>,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let n = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE payment_statement_line SET status = $4, request_id = COALESCE($5, request_id),
                note = COALESCE($6, note), decided_by = $7, decided_at = $8
             WHERE koperasi_id = $1 AND statement_id = $2 AND line_no = $3 AND status IN ('tinjau', 'tidak_cocok')")
            .bind(k.0).bind(id.0).bind(line_no).bind(status.as_str()).bind(request.map(|r| r.0))
            .bind(note.map(note_json)).bind(actor.name.clone()).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(line_decided());
        }
        audit::record(
            tx,
            k,
            actor,
            "payment_statement_line",
            &format!("{id}#{line_no}"),
            Action::Update,
            &diff([
                ("status", None, Some(status.as_str().to_string())),
                ("request_id", None, request.map(|r| r.to_string())),
            ]),
        )
        .await
    }

    /// What settling a QRIS report would post: the gross of its matched lines, their MDR (as
    /// the report gives it, else the coop's rate on the day of each payment), and the day of
    /// the last payment.
    pub async fn statement_settlement_preview(
        &self,
        id: StatementId,
    ) -> StoreResult<Option<NewSettlement>> {
        let k = self.koperasi_id;
        let kind: Option<String> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT kind FROM payment_statement WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).fetch_optional(p).await)?;
        if kind.ok_or(StoreError::NotFound)? != StatementKind::Qris.as_str() {
            return Ok(None);
        }
        let rows: Vec<(i64, Option<i64>, PrimitiveDateTime)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT amount, fee, occurred_at FROM payment_statement_line
             WHERE koperasi_id = $1 AND statement_id = $2 AND status = 'cocok'")
            .bind(k.0).bind(id.0).fetch_all(p).await)?;
        let Some(last) = rows.iter().map(|r| r.2).max() else {
            return Ok(None);
        };
        let settings = self.payment_settings().await?;
        let (mut gross, mut mdr) = (0i64, 0i64);
        for (amount, fee, at) in &rows {
            gross += amount;
            mdr += mdr_of(Rupiah(*amount), fee.map(Rupiah), settings.mdr_on(at.date())).0;
        }
        let amounts = settlement(Rupiah(gross), Rupiah(mdr)).map_err(StoreError::Conflict)?;
        Ok(Some(NewSettlement {
            date: last.date(),
            amounts,
            statement: Some(id),
            note: None,
        }))
    }

    /// Posts the settlement of a QRIS report's matched lines (see
    /// [`Tenant::statement_settlement_preview`]); at most once per report.
    pub async fn settle_statement(
        &self,
        actor: &Actor,
        id: StatementId,
    ) -> StoreResult<Settlement> {
        let s = self.statement_settlement_preview(id).await?.ok_or_else(|| {
            StoreError::Conflict(Msg::new(
                "Laporan ini bukan laporan QRIS atau belum ada pembayaran yang cocok; tidak ada yang di-settle.",
                "This is not a QRIS report, or none of its payments matched; there is nothing to settle.",
            ))
        })?;
        let mut tx = self.db.begin_write().await?;
        let out = settlement::post_tx(&mut tx, self.koperasi_id, actor, &s).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(out)
    }
}
