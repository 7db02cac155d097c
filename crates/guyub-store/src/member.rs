//! Members (anggota): the register, numbering, search and status changes.
//!
//! Invariants kept here: a NIK appears at most once per coop (checked with a clear message
//! naming the existing member, and by a unique key as a backstop against races); member
//! numbers are unique per coop and come from a per-coop, per-year counter; the search-token
//! rows always match the member's current name.

use std::collections::HashMap;

use guyub_core::Msg;
use guyub_core::ids::{KoperasiId, MemberId, UserId};
use guyub_core::member::{Gender, MemberKind, MemberStatus, ValidMember};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, diff};
use crate::db::Tx;
use crate::sql::in_list_sql;
use crate::{Actor, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A member as stored. The NIK is the full number: the web layer masks it for anyone who
/// may not see it.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: MemberId,
    pub member_no: String,
    pub kind: MemberKind,
    pub member_koperasi_id: Option<KoperasiId>,
    pub nik: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_place: Option<String>,
    pub birth_date: Option<Date>,
    pub address: String,
    pub region_code: String,
    pub phone: Option<String>,
    pub occupation: String,
    pub joined_on: Date,
    pub status: MemberStatus,
    pub status_on: Option<Date>,
    pub status_reason: Option<String>,
    pub user_id: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: Uuid,
    member_no: String,
    kind: String,
    member_koperasi_id: Option<Uuid>,
    nik: Option<String>,
    name: String,
    gender: Option<String>,
    birth_place: Option<String>,
    birth_date: Option<Date>,
    address: String,
    region_code: String,
    phone: Option<String>,
    occupation: String,
    joined_on: Date,
    status: String,
    status_on: Option<Date>,
    status_reason: Option<String>,
    user_id: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const MEMBER_COLS: &str = "id, member_no, kind, member_koperasi_id, nik, name, gender, birth_place, \
    birth_date, address, region_code, phone, occupation, joined_on, status, status_on, status_reason, \
    user_id, created_at, updated_at";

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;
    fn try_from(r: MemberRow) -> StoreResult<Member> {
        let kind = match r.kind.as_str() {
            "person" => MemberKind::Person,
            "coop" => MemberKind::Coop,
            other => return Err(StoreError::corrupt(format!("member kind {other}"))),
        };
        Ok(Member {
            id: MemberId(r.id),
            member_no: r.member_no,
            kind,
            member_koperasi_id: r.member_koperasi_id.map(KoperasiId),
            nik: r.nik,
            name: r.name,
            gender: r.gender.as_deref().and_then(Gender::parse),
            birth_place: r.birth_place,
            birth_date: r.birth_date,
            address: r.address,
            region_code: r.region_code,
            phone: r.phone,
            occupation: r.occupation,
            joined_on: r.joined_on,
            status: MemberStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(&r.status))?,
            status_on: r.status_on,
            status_reason: r.status_reason,
            user_id: r.user_id.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The lower-cased search key of a name.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// The distinct lower-cased words of a name, the rows of `member_search_token`.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut v: Vec<String> = name
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The smallest string greater than every string that starts with `prefix` (for an index
/// range scan `x >= prefix AND x < upper`). Works in byte order (SQLite BINARY, PG "C").
fn prefix_upper(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}

/// Below this many matches of a search word, a search gathers the matches and sorts them;
/// above it, it walks the name index in order (see `search_members`).
const SPARSE: i64 = 2000;

/// What the member list asks for.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    /// A name (any word prefix), a member number (prefix) or a whole NIK.
    pub q: String,
    pub status: Option<MemberStatus>,
    pub kind: Option<MemberKind>,
    pub limit: u32,
    pub offset: u32,
}

/// One page of members; `has_more` says whether a next page exists.
#[derive(Debug, Clone)]
pub struct MemberPage {
    pub members: Vec<Member>,
    pub has_more: bool,
}

/// Counts for the coop dashboard.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct MemberStats {
    pub active: i64,
    pub stopped: i64,
    pub deceased: i64,
    pub joined_this_month: i64,
}

/// A member coop of a secondary coop, as the web layer validated it.
#[derive(Debug, Clone)]
pub struct MemberCoop {
    pub koperasi_id: KoperasiId,
    pub name: String,
    pub address: String,
    pub region_code: String,
    pub joined_on: Date,
}

/// A row about to be inserted (a person or a coop).
struct NewRow<'a> {
    id: MemberId,
    member_no: String,
    kind: MemberKind,
    member_koperasi_id: Option<KoperasiId>,
    nik: Option<&'a str>,
    name: &'a str,
    gender: Option<Gender>,
    birth_place: Option<&'a str>,
    birth_date: Option<Date>,
    address: &'a str,
    region_code: &'a str,
    phone: Option<&'a str>,
    occupation: &'a str,
    joined_on: Date,
}

fn kind_str(k: MemberKind) -> &'static str {
    match k {
        MemberKind::Person => "person",
        MemberKind::Coop => "coop",
    }
}

fn duplicate_nik(nik: &str, no: &str, name: &str) -> StoreError {
    let masked = guyub_core::nik::Nik::parse(nik)
        .map(|n| n.masked())
        .unwrap_or_default();
    StoreError::Conflict(Msg::new(
        format!("NIK {masked} sudah terdaftar atas nama {name} (nomor anggota {no})."),
        format!("NIK {masked} is already registered to {name} (member number {no})."),
    ))
}

/// Inserts rows in chunks of multi-row INSERTs (one round trip per chunk), with their search
/// tokens. Used by single registration, import and the demo alike.
async fn insert_rows(tx: &mut Tx<'_>, k: KoperasiId, rows: &[NewRow<'_>]) -> StoreResult<()> {
    const COLS: usize = 20;
    let t = now();
    for chunk in rows.chunks(crate::sql::rows_per_statement(tx.engine(), COLS)) {
        let mut sql = String::from(
            "INSERT INTO member (koperasi_id, id, member_no, kind, member_koperasi_id, nik, name, name_key, gender, \
             birth_place, birth_date, address, region_code, phone, occupation, joined_on, status, created_at, updated_at, user_id) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..COLS {
                if c > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", i * COLS + c + 1));
            }
            sql.push(')');
        }
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for r in chunk {
                q = q.bind(k.0).bind(r.id.0).bind(r.member_no.clone()).bind(kind_str(r.kind))
                    .bind(r.member_koperasi_id.map(|x| x.0)).bind(r.nik.map(str::to_string))
                    .bind(r.name.to_string()).bind(name_key(r.name)).bind(r.gender.map(|g| g.as_str()))
                    .bind(r.birth_place.map(str::to_string)).bind(r.birth_date).bind(r.address.to_string())
                    .bind(r.region_code.to_string()).bind(r.phone.map(str::to_string))
                    .bind(r.occupation.to_string()).bind(r.joined_on).bind("aktif").bind(t).bind(t)
                    .bind(Option::<Uuid>::None);
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
        let tokens: Vec<(MemberId, String, String)> = chunk
            .iter()
            .flat_map(|r| {
                let key = name_key(r.name);
                name_tokens(r.name)
                    .into_iter()
                    .map(move |w| (r.id, w, key.clone()))
            })
            .collect();
        insert_tokens(tx, k, &tokens).await?;
    }
    Ok(())
}

async fn insert_tokens(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    tokens: &[(MemberId, String, String)],
) -> StoreResult<()> {
    for chunk in tokens.chunks(crate::sql::rows_per_statement(tx.engine(), 4)) {
        let mut sql = String::from(
            "INSERT INTO member_search_token (koperasi_id, token, name_key, member_id) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${})",
                i * 4 + 1,
                i * 4 + 2,
                i * 4 + 3,
                i * 4 + 4
            ));
        }
        on_tx!(&mut *tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (id, w, key) in chunk {
                q = q.bind(k.0).bind(w.clone()).bind(key.clone()).bind(id.0);
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Reserves `n` consecutive sequence numbers for (coop, key) and returns the first.
async fn reserve_seq(tx: &mut Tx<'_>, k: KoperasiId, key: i32, n: u64) -> StoreResult<u64> {
    let n = i64::try_from(n).map_err(StoreError::corrupt)?;
    let last: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO member_number_seq (koperasi_id, year, last_seq) VALUES ($1, $2, $3)
         ON CONFLICT (koperasi_id, year) DO UPDATE SET last_seq = member_number_seq.last_seq + $3
         RETURNING last_seq")
        .bind(k.0).bind(i64::from(key)).bind(n).fetch_one(&mut **c).await)?;
    u64::try_from(last - n + 1).map_err(StoreError::corrupt)
}

/// Hands out member numbers for members joining on the given dates, in order. Each date uses
/// the member-number format of the bylaws in force in its year (the latest version whose
/// effective year is not after it; the earliest version for earlier years).
async fn number_members(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    joined: &[Date],
) -> StoreResult<Vec<String>> {
    let code: String = on_tx!(&mut *tx, c => sqlx::query_scalar("SELECT code FROM koperasi WHERE id = $1")
        .bind(k.0).fetch_one(&mut **c).await)?;
    let versions: Vec<(i64, String)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT effective_year, member_number_format FROM bylaws WHERE koperasi_id = $1 ORDER BY effective_year")
        .bind(k.0).fetch_all(&mut **c).await)?;
    let versions = versions
        .into_iter()
        .map(|(y, f)| {
            Ok((
                y,
                guyub_core::member::MemberNumberFormat::parse(&f).map_err(StoreError::corrupt)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let Some(first) = versions.first() else {
        return Err(StoreError::corrupt("coop without bylaws"));
    };
    let format_for = |year: i32| {
        versions
            .iter()
            .rev()
            .find(|(y, _)| *y <= i64::from(year))
            .map(|(_, f)| f)
            .unwrap_or(&first.1)
    };
    // A format with the year in it counts per year; one without counts once for the coop.
    let key_of = |d: &Date| {
        if format_for(d.year()).as_str().contains("{yy") {
            d.year()
        } else {
            0
        }
    };
    // Count how many numbers each counter needs, reserve them in one statement per counter.
    let mut need: HashMap<i32, u64> = HashMap::new();
    for d in joined {
        *need.entry(key_of(d)).or_default() += 1;
    }
    let mut next: HashMap<i32, u64> = HashMap::new();
    let mut keys: Vec<i32> = need.keys().copied().collect();
    keys.sort();
    for key in keys {
        let first = reserve_seq(tx, k, key, need[&key]).await?;
        next.insert(key, first);
    }
    Ok(joined
        .iter()
        .map(|d| {
            let seq = next.get_mut(&key_of(d)).map(|s| {
                let v = *s;
                *s += 1;
                v
            });
            format_for(d.year()).render(&code, d.year(), seq.unwrap_or(0))
        })
        .collect())
}

fn person_row<'a>(
    id: MemberId,
    member_no: String,
    m: &'a ValidMember,
    nik: &'a str,
    phone: Option<&'a str>,
) -> NewRow<'a> {
    NewRow {
        id,
        member_no,
        kind: MemberKind::Person,
        member_koperasi_id: None,
        nik: Some(nik),
        name: &m.name,
        gender: Some(m.gender),
        birth_place: Some(&m.birth_place),
        birth_date: Some(m.birth_date),
        address: &m.address,
        region_code: m.region.as_str(),
        phone,
        occupation: &m.occupation,
        joined_on: m.joined_on,
    }
}

fn member_fields(m: &ValidMember) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("nik", Some(m.nik.as_str().to_string())),
        ("name", Some(m.name.clone())),
        ("gender", Some(m.gender.as_str().to_string())),
        ("birth_place", Some(m.birth_place.clone())),
        ("birth_date", Some(m.birth_date.to_string())),
        ("address", Some(m.address.clone())),
        ("region_code", Some(m.region.as_str().to_string())),
        ("phone", m.phone.as_ref().map(|p| p.as_str().to_string())),
        ("occupation", Some(m.occupation.clone())),
        ("joined_on", Some(m.joined_on.to_string())),
    ]
}

fn stored_fields(m: &Member) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("nik", m.nik.clone()),
        ("name", Some(m.name.clone())),
        ("gender", m.gender.map(|g| g.as_str().to_string())),
        ("birth_place", m.birth_place.clone()),
        ("birth_date", m.birth_date.map(|d| d.to_string())),
        ("address", Some(m.address.clone())),
        ("region_code", Some(m.region_code.clone())),
        ("phone", m.phone.clone()),
        ("occupation", Some(m.occupation.clone())),
        ("joined_on", Some(m.joined_on.to_string())),
    ]
}

/// The audit trail masks NIKs: the log is readable by pengawas, who may not see them whole.
fn mask_nik_change(field: &str, v: Option<String>) -> Option<String> {
    if field == "nik" {
        v.map(|n| {
            guyub_core::nik::Nik::parse(&n)
                .map(|x| x.masked())
                .unwrap_or(n)
        })
    } else {
        v
    }
}

impl Tenant<'_> {
    /// Registers a person as a member: refuses a NIK already registered in this coop (naming
    /// that member), hands out the next member number, writes the audit record.
    pub async fn create_member(&self, actor: &Actor, m: &ValidMember) -> StoreResult<Member> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        if let Some((no, name)) = nik_owner(&mut tx, k, m.nik.as_str(), None).await? {
            return Err(duplicate_nik(m.nik.as_str(), &no, &name));
        }
        let id = MemberId::new();
        let no = number_members(&mut tx, k, &[m.joined_on])
            .await?
            .pop()
            .unwrap_or_default();
        let phone = m.phone.as_ref().map(|p| p.as_str());
        let inserted = insert_rows(
            &mut tx,
            k,
            &[person_row(id, no.clone(), m, m.nik.as_str(), phone)],
        )
        .await;
        if let Err(e) = inserted {
            drop(tx);
            return Err(self.race_to_conflict(e, m).await);
        }
        let mut changes = diff(
            member_fields(m)
                .into_iter()
                .map(|(f, a)| (f, None, mask_nik_change(f, a))),
        );
        changes.push(audit::Change {
            field: "member_no".into(),
            before: None,
            after: Some(no),
        });
        audit::record(
            &mut tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        if let Err(e) = tx.commit().await {
            return Err(self.race_to_conflict(e.into(), m).await);
        }
        self.member(id).await
    }

    /// Another request registered the same NIK between our check and our insert (PostgreSQL
    /// lets both transactions run; the unique key stops the second): say who has it now.
    async fn race_to_conflict(&self, e: StoreError, m: &ValidMember) -> StoreError {
        if !e.is_unique_violation() {
            return e;
        }
        let owner: Option<(String, String)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT member_no, name FROM member WHERE koperasi_id = $1 AND nik = $2")
            .bind(self.koperasi_id.0).bind(m.nik.as_str()).fetch_optional(p).await)
        .ok()
        .flatten();
        match owner {
            Some((no, name)) => duplicate_nik(m.nik.as_str(), &no, &name),
            None => duplicate_nik(m.nik.as_str(), "?", &m.name),
        }
    }

    /// Changes a person member's data. The member number never changes.
    pub async fn update_member(
        &self,
        actor: &Actor,
        id: MemberId,
        m: &ValidMember,
    ) -> StoreResult<Member> {
        let k = self.koperasi_id;
        let before = self.member(id).await?;
        let mut tx = self.db.begin_write().await?;
        if let Some((no, name)) = nik_owner(&mut tx, k, m.nik.as_str(), Some(id)).await? {
            return Err(duplicate_nik(m.nik.as_str(), &no, &name));
        }
        let phone = m.phone.as_ref().map(|p| p.as_str().to_string());
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE member SET nik = $3, name = $4, name_key = $5, gender = $6, birth_place = $7, birth_date = $8,
               address = $9, region_code = $10, phone = $11, occupation = $12, joined_on = $13, updated_at = $14
             WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).bind(m.nik.as_str()).bind(&m.name).bind(name_key(&m.name))
            .bind(m.gender.as_str()).bind(&m.birth_place).bind(m.birth_date).bind(&m.address)
            .bind(m.region.as_str()).bind(phone).bind(&m.occupation).bind(m.joined_on).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if before.name != m.name {
            on_tx!(&mut tx, c => sqlx::query("DELETE FROM member_search_token WHERE koperasi_id = $1 AND member_id = $2")
                .bind(k.0).bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            let key = name_key(&m.name);
            let tokens: Vec<(MemberId, String, String)> = name_tokens(&m.name)
                .into_iter()
                .map(|w| (id, w, key.clone()))
                .collect();
            insert_tokens(&mut tx, k, &tokens).await?;
        }
        let b = stored_fields(&before);
        // Compare the real values, then mask: two NIKs can share their masked form.
        let changes: Vec<audit::Change> = diff(
            member_fields(m)
                .into_iter()
                .enumerate()
                .map(|(i, (f, a))| (f, b[i].1.clone(), a)),
        )
        .into_iter()
        .map(|c| {
            let masked = audit::Change {
                before: mask_nik_change(&c.field, c.before.clone()),
                after: mask_nik_change(&c.field, c.after.clone()),
                field: c.field.clone(),
            };
            // A NIK change whose masked forms coincide still says that it changed.
            if c.field == "nik" && masked.before == masked.after {
                audit::Change {
                    after: masked.after.map(|a| format!("{a} (diubah)")),
                    ..masked
                }
            } else {
                masked
            }
        })
        .collect();
        audit::record(
            &mut tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.member(id).await
    }

    /// Records that a member stopped (berhenti, with a reason) or died (meninggal), or
    /// reactivates them (aktif clears date and reason).
    pub async fn set_member_status(
        &self,
        actor: &Actor,
        id: MemberId,
        status: MemberStatus,
        on: Option<Date>,
        reason: Option<String>,
    ) -> StoreResult<Member> {
        let k = self.koperasi_id;
        let before = self.member(id).await?;
        let (on, reason) = if status == MemberStatus::Aktif {
            (None, None)
        } else {
            (on, reason)
        };
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE member SET status = $3, status_on = $4, status_reason = $5, updated_at = $6
             WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).bind(status.as_str()).bind(on).bind(&reason).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([
            (
                "status",
                Some(before.status.as_str().to_string()),
                Some(status.as_str().to_string()),
            ),
            (
                "status_on",
                before.status_on.map(|d| d.to_string()),
                on.map(|d| d.to_string()),
            ),
            (
                "status_reason",
                before.status_reason.clone(),
                reason.clone(),
            ),
        ]);
        audit::record(
            &mut tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.member(id).await
    }

    /// Changes a member's status inside a caller's transaction, only when it is `from` now:
    /// one conditional update, so two requests (two settlements of one leaving member) cannot
    /// both pass. `Ok(false)` when the member is in another status (nothing written);
    /// `NotFound` when there is no such member in this coop. Audited like
    /// [`Tenant::set_member_status`].
    #[allow(clippy::too_many_arguments)]
    pub async fn set_member_status_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        id: MemberId,
        from: MemberStatus,
        status: MemberStatus,
        on: Option<Date>,
        reason: Option<String>,
    ) -> StoreResult<bool> {
        let k = self.koperasi_id;
        let before: Option<(String, Option<Date>, Option<String>)> = on_tx!(&mut *tx, c => sqlx::query_as(
            "SELECT status, status_on, status_reason FROM member WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).fetch_optional(&mut **c).await)?;
        let Some((before_status, before_on, before_reason)) = before else {
            return Err(StoreError::NotFound);
        };
        let (on, reason) = if status == MemberStatus::Aktif {
            (None, None)
        } else {
            (on, reason)
        };
        let n = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE member SET status = $3, status_on = $4, status_reason = $5, updated_at = $6
             WHERE koperasi_id = $1 AND id = $2 AND status = $7")
            .bind(k.0).bind(id.0).bind(status.as_str()).bind(on).bind(&reason).bind(now()).bind(from.as_str())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(false);
        }
        let changes = diff([
            (
                "status",
                Some(before_status),
                Some(status.as_str().to_string()),
            ),
            (
                "status_on",
                before_on.map(|d| d.to_string()),
                on.map(|d| d.to_string()),
            ),
            ("status_reason", before_reason, reason.clone()),
        ]);
        audit::record(
            &mut *tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        Ok(true)
    }

    /// Links a member to the user who signs in as them (role anggota is granted separately).
    pub async fn link_member_user(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        id: MemberId,
        user: UserId,
    ) -> StoreResult<()> {
        let k = self.koperasi_id;
        let n = on_tx!(&mut *tx, c => sqlx::query("UPDATE member SET user_id = $3, updated_at = $4 WHERE koperasi_id = $1 AND id = $2")
            .bind(k.0).bind(id.0).bind(user.0).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let changes = diff([("user_id", None, Some(user.to_string()))]);
        audit::record(
            tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await
    }

    /// Adds a coop as a member of this (secondary) coop.
    pub async fn add_member_coop(&self, actor: &Actor, mc: &MemberCoop) -> StoreResult<Member> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let exists: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT member_no FROM member WHERE koperasi_id = $1 AND member_koperasi_id = $2")
            .bind(k.0).bind(mc.koperasi_id.0).fetch_optional(&mut **c).await)?;
        if let Some(no) = exists {
            return Err(StoreError::Conflict(Msg::new(
                format!("{} sudah menjadi anggota (nomor {no}).", mc.name),
                format!("{} is already a member (number {no}).", mc.name),
            )));
        }
        let id = MemberId::new();
        let no = number_members(&mut tx, k, &[mc.joined_on])
            .await?
            .pop()
            .unwrap_or_default();
        let row = NewRow {
            id,
            member_no: no.clone(),
            kind: MemberKind::Coop,
            member_koperasi_id: Some(mc.koperasi_id),
            nik: None,
            name: &mc.name,
            gender: None,
            birth_place: None,
            birth_date: None,
            address: &mc.address,
            region_code: &mc.region_code,
            phone: None,
            occupation: "Koperasi",
            joined_on: mc.joined_on,
        };
        insert_rows(&mut tx, k, &[row]).await?;
        let changes = diff([
            ("member_koperasi_id", None, Some(mc.koperasi_id.to_string())),
            ("name", None, Some(mc.name.clone())),
            ("member_no", None, Some(no)),
        ]);
        audit::record(
            &mut tx,
            k,
            actor,
            "member",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.member(id).await
    }

    /// Registers many members at once, all or nothing (the import commit and the demo).
    /// Re-checks duplicates inside the transaction, so a member registered between preview
    /// and commit makes the whole commit fail with a message naming them.
    pub async fn create_members_batch(
        &self,
        actor: &Actor,
        ms: &[ValidMember],
        audit_each: bool,
    ) -> StoreResult<usize> {
        let mut tx = self.db.begin_write().await?;
        let n = self
            .create_members_batch_tx(&mut tx, actor, ms, audit_each)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// [`Tenant::create_members_batch`] inside a caller's transaction.
    pub async fn create_members_batch_tx(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        ms: &[ValidMember],
        audit_each: bool,
    ) -> StoreResult<usize> {
        let k = self.koperasi_id;
        let tx = &mut *tx;
        let niks: Vec<String> = ms.iter().map(|m| m.nik.as_str().to_string()).collect();
        let mut seen = std::collections::HashSet::new();
        if let Some(m) = ms.iter().find(|m| !seen.insert(m.nik.as_str())) {
            return Err(StoreError::Conflict(Msg::new(
                format!(
                    "NIK {} muncul dua kali dalam data yang sama.",
                    m.nik.masked()
                ),
                format!("NIK {} appears twice in the same data.", m.nik.masked()),
            )));
        }
        let owners = existing_niks_tx(tx, k, &niks).await?;
        if let Some(m) = ms.iter().find(|m| owners.contains_key(m.nik.as_str())) {
            let (no, name) = &owners[m.nik.as_str()];
            return Err(duplicate_nik(m.nik.as_str(), no, name));
        }
        let joined: Vec<Date> = ms.iter().map(|m| m.joined_on).collect();
        let numbers = number_members(tx, k, &joined).await?;
        let ids: Vec<MemberId> = ms.iter().map(|_| MemberId::new()).collect();
        let rows: Vec<NewRow<'_>> = ms
            .iter()
            .zip(numbers)
            .zip(&ids)
            .map(|((m, no), id)| {
                person_row(
                    *id,
                    no,
                    m,
                    m.nik.as_str(),
                    m.phone.as_ref().map(|p| p.as_str()),
                )
            })
            .collect();
        insert_rows(tx, k, &rows).await?;
        if audit_each {
            let items: Vec<(String, Vec<audit::Change>)> = ms
                .iter()
                .zip(&ids)
                .zip(&rows)
                .map(|((m, id), row)| {
                    let mut changes = diff(
                        member_fields(m)
                            .into_iter()
                            .map(|(f, a)| (f, None, mask_nik_change(f, a))),
                    );
                    changes.push(audit::Change {
                        field: "member_no".into(),
                        before: None,
                        after: Some(row.member_no.clone()),
                    });
                    (id.to_string(), changes)
                })
                .collect();
            audit::record_many(tx, k, actor, "member", Action::Import, &items).await?;
        }
        Ok(ms.len())
    }

    /// One member of this coop.
    pub async fn member(&self, id: MemberId) -> StoreResult<Member> {
        let sql = format!("SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND id = $2");
        let row: Option<MemberRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(id.0).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The member record a user signs in as, in this coop.
    pub async fn member_of_user(&self, user: UserId) -> StoreResult<Option<Member>> {
        let sql =
            format!("SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND user_id = $2");
        let row: Option<MemberRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(user.0).fetch_optional(p).await)?;
        row.map(Member::try_from).transpose()
    }

    /// The rows of these members of this coop, in no particular order.
    async fn members_by_ids(&self, ids: &[Uuid]) -> StoreResult<Vec<MemberRow>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = in_list_sql(
            &format!("SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND id IN ("),
            ids.len(),
        );
        Ok(on_db!(self.db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.koperasi_id.0);
            for id in ids { q = q.bind(*id); }
            q.fetch_all(p).await
        })?)
    }

    /// Which of these NIKs are already registered here: NIK → (member number, name).
    pub async fn existing_niks(
        &self,
        niks: &[String],
    ) -> StoreResult<HashMap<String, (String, String)>> {
        let mut out = HashMap::new();
        for chunk in niks.chunks(500) {
            let sql = in_list_sql(
                "SELECT nik, member_no, name FROM member WHERE koperasi_id = $1 AND nik IN (",
                chunk.len(),
            );
            let rows: Vec<(String, String, String)> = on_db!(self.db, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.koperasi_id.0);
                for n in chunk { q = q.bind(n.clone()); }
                q.fetch_all(p).await
            })?;
            for (n, no, name) in rows {
                out.insert(n, (no, name));
            }
        }
        Ok(out)
    }

    /// Searches and pages the register. A whole 16-digit NIK matches exactly (a partial NIK
    /// matches nothing, so masked NIKs cannot be probed digit by digit); text with a digit
    /// matches member numbers by prefix; other text matches names by word prefixes, every
    /// word required.
    pub async fn search_members(&self, q: &MemberQuery) -> StoreResult<MemberPage> {
        let limit = i64::from(q.limit.clamp(1, 200));
        let offset = i64::from(q.offset);
        let status = q.status.map(|s| s.as_str());
        let kind = q.kind.map(kind_str);
        let text = q.q.trim();
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let k = self.koperasi_id.0;
        let rows: Vec<MemberRow> = if text.is_empty() {
            let sql = format!(
                "SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND ($2 IS NULL OR status = $2)
                 AND ($3 IS NULL OR kind = $3) ORDER BY name_key, id LIMIT $4 OFFSET $5"
            );
            on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(k).bind(status).bind(kind).bind(limit + 1).bind(offset).fetch_all(p).await)?
        } else if digits.len() == 16 && digits.chars().all(|c| c.is_ascii_digit()) {
            let sql = format!(
                "SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND nik = $2
                 AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR kind = $4) LIMIT $5 OFFSET $6"
            );
            on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(k).bind(&digits).bind(status).bind(kind).bind(limit + 1).bind(offset).fetch_all(p).await)?
        } else if text.chars().any(|c| c.is_ascii_digit()) {
            let prefix = text.to_uppercase();
            let sql = format!(
                "SELECT {MEMBER_COLS} FROM member WHERE koperasi_id = $1 AND member_no >= $2 AND member_no < $3
                 AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR kind = $5)
                 ORDER BY member_no LIMIT $6 OFFSET $7"
            );
            on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(k).bind(&prefix).bind(prefix_upper(&prefix)).bind(status).bind(kind)
                .bind(limit + 1).bind(offset).fetch_all(p).await)?
        } else {
            let mut words = name_tokens(text);
            if words.is_empty() {
                return Ok(MemberPage {
                    members: vec![],
                    has_more: false,
                });
            }
            // The longest word narrows most; the others filter the candidates.
            words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            let first = words.remove(0);
            // Two plans, chosen by how many names the first word matches (a capped count, so
            // the probe costs at most SPARSE index entries): few matches → gather them and
            // sort; many → walk the name index in order and stop after one page.
            let hits: i64 = on_db!(self.db, p => sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM member_search_token
                  WHERE koperasi_id = $1 AND token >= $2 AND token < $3 LIMIT $4) h")
                .bind(k).bind(first.clone()).bind(prefix_upper(&first)).bind(SPARSE).fetch_one(p).await)?;
            // The other words, each required: placeholders from `base` on, correlated on `col`.
            let others = |base: usize, col: &str| -> String {
                (0..words.len())
                    .map(|i| {
                        format!(
                            " AND EXISTS (SELECT 1 FROM member_search_token o WHERE o.koperasi_id = $1 AND o.member_id = {col} AND o.token >= ${} AND o.token < ${})",
                            base + 2 * i,
                            base + 1 + 2 * i
                        )
                    })
                    .collect()
            };
            if hits < SPARSE && status.is_none() && kind.is_none() {
                // Few matches: sort them by name on the token index alone (the name key rides
                // in it), then read just one page of members.
                let others = others(6, "t.member_id");
                let sql = format!(
                    "SELECT t.member_id, t.name_key FROM member_search_token t
                     WHERE t.koperasi_id = $1 AND t.token >= $2 AND t.token < $3{others}
                     GROUP BY t.member_id, t.name_key
                     ORDER BY t.name_key, t.member_id LIMIT $4 OFFSET $5"
                );
                let page: Vec<(Uuid, String)> = on_db!(self.db, p => {
                    let mut qq = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(k).bind(first.clone()).bind(prefix_upper(&first)).bind(limit + 1).bind(offset);
                    for w in &words {
                        qq = qq.bind(w.clone()).bind(prefix_upper(w));
                    }
                    qq.fetch_all(p).await
                })?;
                let ids: Vec<Uuid> = page.iter().map(|(id, _)| *id).collect();
                let mut rows = self.members_by_ids(&ids).await?;
                let order: HashMap<Uuid, usize> =
                    ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                rows.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
                rows
            } else {
                let cols = MEMBER_COLS
                    .split(", ")
                    .map(|c| format!("m.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                // Many matches (or a status filter): walk the name index in order and stop
                // after one page.
                let others = others(8, "m.id");
                let sql = format!(
                    "SELECT {cols} FROM member m
                     WHERE m.koperasi_id = $1 AND ($4 IS NULL OR m.status = $4) AND ($5 IS NULL OR m.kind = $5)
                       AND EXISTS (SELECT 1 FROM member_search_token t WHERE t.koperasi_id = $1 AND t.member_id = m.id
                                   AND t.token >= $2 AND t.token < $3){others}
                     ORDER BY m.name_key, m.id LIMIT $6 OFFSET $7"
                );
                on_db!(self.db, p => {
                    let mut qq = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(k).bind(first.clone()).bind(prefix_upper(&first)).bind(status).bind(kind)
                        .bind(limit + 1).bind(offset);
                    for w in &words {
                        qq = qq.bind(w.clone()).bind(prefix_upper(w));
                    }
                    qq.fetch_all(p).await
                })?
            }
        };
        let has_more = rows.len() as i64 > limit;
        let members = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(Member::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(MemberPage { members, has_more })
    }

    /// Counts for the dashboard. `month_start` is the first day of the current month in the
    /// coop's time zone.
    pub async fn member_stats(&self, month_start: Date) -> StoreResult<MemberStats> {
        let rows: Vec<(String, i64)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM member WHERE koperasi_id = $1 GROUP BY status")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        let joined: i64 = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM member WHERE koperasi_id = $1 AND joined_on >= $2")
            .bind(self.koperasi_id.0).bind(month_start).fetch_one(p).await)?;
        let mut s = MemberStats {
            joined_this_month: joined,
            ..Default::default()
        };
        for (status, n) in rows {
            match status.as_str() {
                "aktif" => s.active = n,
                "berhenti" => s.stopped = n,
                "meninggal" => s.deceased = n,
                _ => {}
            }
        }
        Ok(s)
    }
}

async fn existing_niks_tx(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    niks: &[String],
) -> StoreResult<HashMap<String, (String, String)>> {
    let mut out = HashMap::new();
    for chunk in niks.chunks(500) {
        let sql = in_list_sql(
            "SELECT nik, member_no, name FROM member WHERE koperasi_id = $1 AND nik IN (",
            chunk.len(),
        );
        let rows: Vec<(String, String, String)> = on_tx!(&mut *tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(k.0);
            for n in chunk { q = q.bind(n.clone()); }
            q.fetch_all(&mut **c).await
        })?;
        for (n, no, name) in rows {
            out.insert(n, (no, name));
        }
    }
    Ok(out)
}

async fn nik_owner(
    tx: &mut Tx<'_>,
    k: KoperasiId,
    nik: &str,
    except: Option<MemberId>,
) -> StoreResult<Option<(String, String)>> {
    let row: Option<(String, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT member_no, name FROM member WHERE koperasi_id = $1 AND nik = $2 AND ($3 IS NULL OR id <> $3)")
        .bind(k.0).bind(nik).bind(except.map(|x| x.0)).fetch_optional(&mut **c).await)?;
    Ok(row)
}

impl Tenant<'_> {
    /// Sets many members' status at once, keyed by NIK, in one transaction (the demo seeder
    /// and bulk corrections). Each change is in the audit log.
    pub async fn set_statuses_by_nik(
        &self,
        actor: &Actor,
        changes: &[(String, MemberStatus, Date, Option<String>)],
    ) -> StoreResult<usize> {
        let k = self.koperasi_id;
        let mut tx = self.db.begin_write().await?;
        let t = now();
        let mut n = 0;
        for (nik, status, on, reason) in changes {
            let before: Option<(Uuid, String, Option<Date>, Option<String>)> = on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT id, status, status_on, status_reason FROM member WHERE koperasi_id = $1 AND nik = $2")
                .bind(k.0).bind(nik).fetch_optional(&mut **c).await)?;
            let Some((id, old_status, old_on, old_reason)) = before else {
                continue;
            };
            let changes = diff([
                (
                    "status",
                    Some(old_status),
                    Some(status.as_str().to_string()),
                ),
                (
                    "status_on",
                    old_on.map(|d| d.to_string()),
                    Some(on.to_string()),
                ),
                ("status_reason", old_reason, reason.clone()),
            ]);
            if changes.is_empty() {
                continue;
            }
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE member SET status = $3, status_on = $4, status_reason = $5, updated_at = $6
                 WHERE koperasi_id = $1 AND id = $2")
                .bind(k.0).bind(id).bind(status.as_str()).bind(*on).bind(reason).bind(t)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            n += 1;
            audit::record(
                &mut tx,
                k,
                actor,
                "member",
                &id.to_string(),
                Action::Update,
                &changes,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

impl Tenant<'_> {
    /// Every member's id, NIK and joining date (for bulk work such as the demo's activity).
    pub async fn member_roster(
        &self,
    ) -> StoreResult<Vec<(MemberId, Option<String>, Date, MemberStatus)>> {
        let rows: Vec<(Uuid, Option<String>, Date, String)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, nik, joined_on, status FROM member WHERE koperasi_id = $1 ORDER BY joined_on, id")
            .bind(self.koperasi_id.0).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(id, nik, joined, status)| {
                Ok((
                    MemberId(id),
                    nik,
                    joined,
                    MemberStatus::parse(&status).ok_or_else(|| StoreError::corrupt(&status))?,
                ))
            })
            .collect()
    }
}
