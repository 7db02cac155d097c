//! QRIS settlements: the acquirer pays the coop's QRIS payments into its bank, less the MDR.
//!
//! Posting: Dr Bank (net) + Dr Beban MDR (mdr) − Cr Kliring QRIS (gross). Invariants: the
//! three amounts add up (the core derives the net); the clearing account never goes below
//! zero (a settlement bigger than what QRIS payments brought in is refused: a typing mistake,
//! or payments not yet confirmed); one statement is settled at most once.

use guyub_core::Msg;
use guyub_core::ids::{EntryId, SettlementId, StatementId};
use guyub_core::ledger::{AccountRole, LineInput};
use guyub_core::payment::request::SettlementAmounts;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::error::unique_as;
use crate::ledger::{self, NewEntry, Source};
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A settlement to post.
#[derive(Debug, Clone)]
pub struct NewSettlement {
    pub date: Date,
    pub amounts: SettlementAmounts,
    pub statement: Option<StatementId>,
    pub note: Option<String>,
}

/// A settlement typed by hand: the MDR as the acquirer's report says, or (when `mdr` is
/// `None`) computed from the coop's MDR in force on `date`.
#[derive(Debug, Clone)]
pub struct HandSettlement {
    pub date: Date,
    pub gross: guyub_core::money::Rupiah,
    pub mdr: Option<guyub_core::money::Rupiah>,
    pub note: Option<String>,
}

/// A posted settlement.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Settlement {
    #[sqlx(try_from = "Uuid")]
    pub id: SettlementId,
    pub settled_on: Date,
    pub gross: i64,
    pub mdr: i64,
    pub net: i64,
    #[sqlx(try_from = "Option<Uuid>")]
    pub statement_id: OptStatement,
    #[sqlx(try_from = "Uuid")]
    pub entry_id: EntryId,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// An optional statement id that sqlx can decode (`Option<Uuid>` → this).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct OptStatement(pub Option<StatementId>);

impl From<Option<Uuid>> for OptStatement {
    fn from(u: Option<Uuid>) -> Self {
        OptStatement(u.map(StatementId))
    }
}

fn too_big(gross: i64, clearing: i64) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!(
            "Settlement Rp {} lebih besar dari saldo Kliring QRIS (Rp {}). Periksa angkanya, atau konfirmasi dulu pembayaran QRIS yang belum tercatat.",
            guyub_core::money::format_number(gross),
            guyub_core::money::format_number(clearing)
        ),
        format!(
            "The settlement of Rp {} is more than the QRIS clearing balance (Rp {}). Check the figure, or confirm the QRIS payments not yet recorded first.",
            guyub_core::money::format_number(gross),
            guyub_core::money::format_number(clearing)
        ),
    ))
}

fn already_settled() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Settlement untuk laporan ini sudah dicatat; tidak dicatat dua kali.",
        "The settlement of this report is already posted; it is never posted twice.",
    ))
}

/// Posts a settlement in `tx`.
pub(crate) async fn post_tx(
    tx: &mut Tx<'_>,
    k: guyub_core::ids::KoperasiId,
    actor: &Actor,
    s: &NewSettlement,
) -> StoreResult<Settlement> {
    let clearing = ledger::role_account(tx, k, AccountRole::QrisClearing).await?;
    let bank = ledger::role_account(tx, k, AccountRole::Bank).await?;
    let fees = ledger::ensure_role_account(tx, k, AccountRole::PaymentFees).await?;
    let balance: Option<(i64, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT debit, credit FROM account_balance WHERE koperasi_id = $1 AND account_id = $2")
        .bind(k.0).bind(clearing.0).fetch_optional(&mut **c).await)?;
    let held = balance.map(|(d, c)| d - c).unwrap_or(0);
    let a = s.amounts;
    if a.gross.0 > held {
        return Err(too_big(a.gross.0, held));
    }
    let mut lines = vec![
        LineInput {
            account: bank,
            debit: a.net,
            credit: guyub_core::money::Rupiah(0),
            memo: None,
        },
        LineInput {
            account: clearing,
            debit: guyub_core::money::Rupiah(0),
            credit: a.gross,
            memo: None,
        },
    ];
    if a.mdr.0 > 0 {
        lines.insert(
            1,
            LineInput {
                account: fees,
                debit: a.mdr,
                credit: guyub_core::money::Rupiah(0),
                memo: None,
            },
        );
    }
    let id = SettlementId::new();
    let entry = NewEntry {
        date: s.date,
        description: "Settlement QRIS dari acquirer".to_string(),
        reference: s.note.clone(),
        source: Source::QrisSettlement,
        source_id: Some(id.to_string()),
        reverses: None,
        lines,
    };
    let (entry_id, _) = ledger::post(tx, k, actor, &entry).await?;
    let t = now();
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO payment_settlement (koperasi_id, id, settled_on, gross, mdr, net, statement_id, entry_id, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(k.0).bind(id.0).bind(s.date).bind(a.gross.0).bind(a.mdr.0).bind(a.net.0)
        .bind(s.statement.map(|x| x.0)).bind(entry_id.0).bind(s.note.clone()).bind(actor.name.clone()).bind(t)
        .execute(&mut **c).await.map(|_| ()))
    .map_err(|e| unique_as(e.into(), already_settled))?;
    audit::record(
        tx,
        k,
        actor,
        "payment_settlement",
        &id.to_string(),
        Action::Create,
        &diff([
            ("gross", None, Some(a.gross.0.to_string())),
            ("mdr", None, Some(a.mdr.0.to_string())),
            ("net", None, Some(a.net.0.to_string())),
        ]),
    )
    .await?;
    Ok(Settlement {
        id,
        settled_on: s.date,
        gross: a.gross.0,
        mdr: a.mdr.0,
        net: a.net.0,
        statement_id: OptStatement(s.statement),
        entry_id,
        note: s.note.clone(),
        created_by: actor.name.clone(),
        created_at: t,
    })
}

impl Tenant<'_> {
    /// Posts an acquirer's settlement (see the module doc). Refused, with nothing written, when
    /// it exceeds the clearing balance, falls in a closed year, or settles a statement twice.
    pub async fn post_qris_settlement(
        &self,
        actor: &Actor,
        s: &NewSettlement,
    ) -> StoreResult<Settlement> {
        let mut tx = self.db.begin_write().await?;
        let out = post_tx(&mut tx, self.koperasi_id, actor, s).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(out)
    }

    /// Posts a settlement typed by hand (see [`HandSettlement`]). Amounts that do not add up
    /// are [`StoreError::Invalid`] on `gross` or `mdr`; otherwise as
    /// [`Tenant::post_qris_settlement`].
    pub async fn post_hand_settlement(
        &self,
        actor: &Actor,
        h: &HandSettlement,
    ) -> StoreResult<Settlement> {
        let rate = self.payment_settings().await?.mdr_on(h.date);
        let mdr = guyub_core::payment::request::mdr_of(h.gross, h.mdr, rate);
        let amounts = guyub_core::payment::request::settlement(h.gross, mdr).map_err(|m| {
            let field = if h.gross.0 <= 0 { "gross" } else { "mdr" };
            StoreError::Invalid(vec![guyub_core::FieldError::new(field, m)])
        })?;
        let note = h
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(200).collect());
        let s = NewSettlement {
            date: h.date,
            amounts,
            statement: None,
            note,
        };
        self.post_qris_settlement(actor, &s).await
    }

    /// The coop's settlements, newest first.
    pub async fn qris_settlements(&self, limit: i64) -> StoreResult<Vec<Settlement>> {
        let rows: Vec<Settlement> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, settled_on, gross, mdr, net, statement_id, entry_id, note, created_by, created_at
             FROM payment_settlement WHERE koperasi_id = $1 ORDER BY settled_on DESC, created_at DESC LIMIT $2")
            .bind(self.koperasi_id.0).bind(limit.clamp(1, 500)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// What the QRIS clearing account holds now: paid by QRIS, not yet settled.
    pub async fn qris_clearing_balance(&self) -> StoreResult<i64> {
        let v: Option<i64> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT b.debit - b.credit FROM account a JOIN account_balance b ON b.koperasi_id = a.koperasi_id AND b.account_id = a.id
             WHERE a.koperasi_id = $1 AND a.role = 'qris_clearing'")
            .bind(self.koperasi_id.0).fetch_optional(p).await)?;
        Ok(v.unwrap_or(0))
    }
}
