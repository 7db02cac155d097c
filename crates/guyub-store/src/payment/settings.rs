//! A coop's payment settings: its static QRIS, the bank accounts for transfers, and the
//! merchant discount rate (MDR) over time.
//!
//! Every change is one transaction with its audit records. The QRIS arrives as a
//! [`Qris`], which only the core's parser makes, so nothing unchecked is stored; it is stored
//! canonical (trimmed, CRC in upper case) with its decoded fields beside it. Bank accounts are
//! never deleted, only deactivated (a payment may name one); at most one active account is the
//! default. MDR rates are kept with their effective dates, so the rate of any day is known.

use guyub_core::Msg;
use guyub_core::ids::BankAccountId;
use guyub_core::payment::qris::Qris;
use guyub_core::payment::settings::{QrisSummary, ValidBankAccount};
use guyub_core::percent::BasisPoints;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::error::unique_as;
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// The coop's static QRIS as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredQris {
    /// The canonical payload (what to render and convert).
    pub payload: String,
    pub merchant_name: String,
    pub nmid: Option<String>,
    pub city: String,
    pub acquirer: Option<String>,
    pub updated_at: OffsetDateTime,
}

/// A bank account for transfers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankAccount {
    pub id: BankAccountId,
    pub bank_name: String,
    pub account_number: String,
    pub holder_name: String,
    pub is_default: bool,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// One MDR rate, in force from `effective_on` until the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MdrRate {
    pub effective_on: Date,
    pub rate: BasisPoints,
}

/// Everything the settings page and the API show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentSettings {
    pub qris: Option<StoredQris>,
    /// Active accounts first (the default first of all), then by when they were added.
    pub accounts: Vec<BankAccount>,
    /// Every rate, newest effective date first.
    pub mdr: Vec<MdrRate>,
}

impl PaymentSettings {
    /// The MDR in force on `day`: the latest rate whose effective date is not after it.
    pub fn mdr_on(&self, day: Date) -> Option<BasisPoints> {
        self.mdr
            .iter()
            .find(|r| r.effective_on <= day)
            .map(|r| r.rate)
    }
}

/// A change to the payment settings, applied in one transaction. Empty parts change nothing.
/// Order: the QRIS, new accounts, the default, deactivations, the MDR.
#[derive(Debug, Clone, Default)]
pub struct PaymentChange {
    pub qris: Option<Qris>,
    /// Added active; the first one becomes the default when the coop has none.
    pub add_accounts: Vec<ValidBankAccount>,
    pub default_account: Option<BankAccountId>,
    pub deactivate: Vec<BankAccountId>,
    /// A rate from a date on (a second rate for the same date corrects it).
    pub mdr: Option<MdrRate>,
}

#[derive(sqlx::FromRow)]
struct QrisRow {
    payload: String,
    merchant_name: String,
    nmid: Option<String>,
    city: String,
    acquirer: Option<String>,
    updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    bank_name: String,
    account_number: String,
    holder_name: String,
    is_default: bool,
    active: bool,
    created_at: OffsetDateTime,
}

impl From<AccountRow> for BankAccount {
    fn from(r: AccountRow) -> BankAccount {
        BankAccount {
            id: BankAccountId(r.id),
            bank_name: r.bank_name,
            account_number: r.account_number,
            holder_name: r.holder_name,
            is_default: r.is_default,
            active: r.active,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MdrRow {
    effective_on: Date,
    rate_bp: i64,
}

fn account_taken(a: &ValidBankAccount) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!(
            "Rekening {} {} sudah terdaftar di koperasi ini.",
            a.bank_name, a.account_number
        ),
        format!(
            "Account {} {} is already registered in this coop.",
            a.bank_name, a.account_number
        ),
    ))
}

fn inactive_default() -> StoreError {
    StoreError::Conflict(Msg::new(
        "Rekening yang sudah nonaktif tidak dapat dijadikan rekening utama.",
        "A deactivated account cannot be made the default.",
    ))
}

const ACCOUNT_COLS: &str =
    "id, bank_name, account_number, holder_name, is_default, active, created_at";

impl Tenant<'_> {
    /// The coop's payment settings.
    pub async fn payment_settings(&self) -> StoreResult<PaymentSettings> {
        let k = self.koperasi_id.0;
        let qris: Option<QrisRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT payload, merchant_name, nmid, city, acquirer, updated_at
             FROM payment_qris WHERE koperasi_id = $1")
            .bind(k).fetch_optional(p).await)?;
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM bank_account WHERE koperasi_id = $1
             ORDER BY active DESC, is_default DESC, created_at, id"
        );
        let accounts: Vec<AccountRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(k).fetch_all(p).await)?;
        let mdr: Vec<MdrRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT effective_on, rate_bp FROM payment_mdr WHERE koperasi_id = $1
             ORDER BY effective_on DESC")
            .bind(k).fetch_all(p).await)?;
        Ok(PaymentSettings {
            qris: qris.map(|r| StoredQris {
                payload: r.payload,
                merchant_name: r.merchant_name,
                nmid: r.nmid,
                city: r.city,
                acquirer: r.acquirer,
                updated_at: r.updated_at,
            }),
            accounts: accounts.into_iter().map(BankAccount::from).collect(),
            mdr: mdr
                .into_iter()
                .map(|r| {
                    Ok(MdrRate {
                        effective_on: r.effective_on,
                        rate: BasisPoints(u32::try_from(r.rate_bp).map_err(StoreError::corrupt)?),
                    })
                })
                .collect::<StoreResult<_>>()?,
        })
    }

    /// Applies a change to the payment settings in one transaction, each part audited.
    /// Unknown account ids are [`StoreError::NotFound`]; a duplicate account or an inactive
    /// default is a [`StoreError::Conflict`]. On any error nothing is written.
    pub async fn update_payment_settings(
        &self,
        actor: &Actor,
        c: &PaymentChange,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        if let Some(q) = &c.qris {
            self.set_payment_qris(&mut tx, actor, q).await?;
        }
        for a in &c.add_accounts {
            self.add_bank_account(&mut tx, actor, a).await?;
        }
        if let Some(id) = c.default_account {
            self.set_default_account(&mut tx, actor, id).await?;
        }
        for id in &c.deactivate {
            self.deactivate_account(&mut tx, actor, *id).await?;
        }
        if let Some(r) = c.mdr {
            self.set_payment_mdr(&mut tx, actor, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_payment_qris(&self, tx: &mut Tx<'_>, actor: &Actor, q: &Qris) -> StoreResult<()> {
        let k = self.koperasi_id.0;
        let before: Option<QrisRow> = on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT payload, merchant_name, nmid, city, acquirer, updated_at
             FROM payment_qris WHERE koperasi_id = $1")
            .bind(k).fetch_optional(&mut **c).await)?;
        let s = QrisSummary::of(q);
        let t = now();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO payment_qris (koperasi_id, payload, merchant_name, nmid, city, acquirer, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (koperasi_id) DO UPDATE SET payload = excluded.payload,
               merchant_name = excluded.merchant_name, nmid = excluded.nmid, city = excluded.city,
               acquirer = excluded.acquirer, updated_at = excluded.updated_at")
            .bind(k).bind(q.as_str()).bind(&s.merchant_name).bind(&s.nmid).bind(&s.city)
            .bind(&s.acquirer).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let b = before.as_ref();
        let changes = diff([
            (
                "payload",
                b.map(|r| r.payload.clone()),
                Some(q.as_str().to_string()),
            ),
            (
                "merchant_name",
                b.map(|r| r.merchant_name.clone()),
                Some(s.merchant_name.clone()),
            ),
            ("nmid", b.and_then(|r| r.nmid.clone()), s.nmid.clone()),
            ("city", b.map(|r| r.city.clone()), Some(s.city.clone())),
            (
                "acquirer",
                b.and_then(|r| r.acquirer.clone()),
                s.acquirer.clone(),
            ),
        ]);
        let action = if before.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "payment_qris",
            &self.koperasi_id.to_string(),
            action,
            &changes,
        )
        .await
    }

    async fn add_bank_account(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        a: &ValidBankAccount,
    ) -> StoreResult<()> {
        let k = self.koperasi_id.0;
        let taken: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM bank_account WHERE koperasi_id = $1 AND bank_name = $2 AND account_number = $3")
            .bind(k).bind(&a.bank_name).bind(&a.account_number).fetch_optional(&mut **c).await)?;
        if taken.is_some() {
            return Err(account_taken(a));
        }
        let has_default: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM bank_account WHERE koperasi_id = $1 AND is_default")
            .bind(k).fetch_optional(&mut **c).await)?;
        let is_default = has_default.is_none();
        let id = BankAccountId::new();
        let t = now();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO bank_account (koperasi_id, id, bank_name, account_number, holder_name, is_default, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
            .bind(k).bind(id.0).bind(&a.bank_name).bind(&a.account_number).bind(&a.holder_name)
            .bind(is_default).bind(true).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| unique_as(e.into(), || account_taken(a)))?;
        let changes = diff([
            ("bank_name", None, Some(a.bank_name.clone())),
            ("account_number", None, Some(a.account_number.clone())),
            ("holder_name", None, Some(a.holder_name.clone())),
            ("is_default", None, Some(is_default.to_string())),
            ("active", None, Some("true".to_string())),
        ]);
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "bank_account",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await
    }

    async fn bank_account(&self, tx: &mut Tx<'_>, id: BankAccountId) -> StoreResult<BankAccount> {
        let sql =
            format!("SELECT {ACCOUNT_COLS} FROM bank_account WHERE koperasi_id = $1 AND id = $2");
        let row: Option<AccountRow> = on_tx!(&mut *tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(&mut **c).await)?;
        row.map(BankAccount::from).ok_or(StoreError::NotFound)
    }

    async fn set_default_account(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        id: BankAccountId,
    ) -> StoreResult<()> {
        let k = self.koperasi_id.0;
        let acc = self.bank_account(tx, id).await?;
        if !acc.active {
            return Err(inactive_default());
        }
        if acc.is_default {
            return Ok(());
        }
        let old: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM bank_account WHERE koperasi_id = $1 AND is_default")
            .bind(k).fetch_optional(&mut **c).await)?;
        let t = now();
        // Clear the old default first: the partial unique index allows one per coop.
        on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE bank_account SET is_default = $2, updated_at = $3 WHERE koperasi_id = $1 AND is_default")
            .bind(k).bind(false).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE bank_account SET is_default = $3, updated_at = $4 WHERE koperasi_id = $1 AND id = $2")
            .bind(k).bind(id.0).bind(true).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if let Some(old) = old {
            let changes = diff([(
                "is_default",
                Some("true".to_string()),
                Some("false".to_string()),
            )]);
            audit::record(
                tx,
                self.koperasi_id,
                actor,
                "bank_account",
                &old.to_string(),
                Action::Update,
                &changes,
            )
            .await?;
        }
        let changes = diff([(
            "is_default",
            Some("false".to_string()),
            Some("true".to_string()),
        )]);
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "bank_account",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await
    }

    async fn deactivate_account(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        id: BankAccountId,
    ) -> StoreResult<()> {
        let k = self.koperasi_id.0;
        let acc = self.bank_account(tx, id).await?;
        if !acc.active {
            return Ok(());
        }
        let t = now();
        on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE bank_account SET active = $3, is_default = $3, updated_at = $4 WHERE koperasi_id = $1 AND id = $2")
            .bind(k).bind(id.0).bind(false).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let mut changes = vec![(
            "active",
            Some("true".to_string()),
            Some("false".to_string()),
        )];
        if acc.is_default {
            changes.push(("is_default", Some("true".into()), Some("false".into())));
        }
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "bank_account",
            &id.to_string(),
            Action::Update,
            &diff(changes),
        )
        .await?;
        if acc.is_default {
            // The oldest remaining active account becomes the default, if there is one.
            let next: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
                "SELECT id FROM bank_account WHERE koperasi_id = $1 AND active ORDER BY created_at, id LIMIT 1")
                .bind(k).fetch_optional(&mut **c).await)?;
            if let Some(next) = next {
                self.set_default_account(tx, actor, BankAccountId(next))
                    .await?;
            }
        }
        Ok(())
    }

    async fn set_payment_mdr(&self, tx: &mut Tx<'_>, actor: &Actor, r: MdrRate) -> StoreResult<()> {
        let k = self.koperasi_id.0;
        let before: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT rate_bp FROM payment_mdr WHERE koperasi_id = $1 AND effective_on = $2")
            .bind(k).bind(r.effective_on).fetch_optional(&mut **c).await)?;
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO payment_mdr (koperasi_id, effective_on, rate_bp, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (koperasi_id, effective_on) DO UPDATE SET rate_bp = excluded.rate_bp")
            .bind(k).bind(r.effective_on).bind(i64::from(r.rate.0)).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([(
            "rate_bp",
            before.map(|b| b.to_string()),
            Some(r.rate.0.to_string()),
        )]);
        let action = if before.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        audit::record(
            tx,
            self.koperasi_id,
            actor,
            "payment_mdr",
            &r.effective_on.to_string(),
            action,
            &changes,
        )
        .await
    }
}
