//! The coop registry (koperasi) and its bylaws (AD/ART settings).

use guyub_core::Msg;
use guyub_core::coop::{
    Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone, QuorumRule, ShuAllocation,
};
use guyub_core::ids::KoperasiId;
use guyub_core::member::MemberNumberFormat;
use guyub_core::money::Rupiah;
use guyub_core::percent::BasisPoints;
use guyub_core::region::RegionCode;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Action, Change, diff};
use crate::error::unique_as;
use crate::{Actor, Db, Store, StoreError, StoreResult, Tenant, now, on_db, on_tx};

/// A coop's registry data, as validated by the web layer from a form or the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoopData {
    pub code: String,
    pub name: String,
    pub legal_number: Option<String>,
    pub legal_date: Option<Date>,
    pub nib: Option<String>,
    pub npwp: Option<String>,
    pub kind: CoopKind,
    pub pattern: CoopPattern,
    pub tier: CoopTier,
    pub is_pesantren: bool,
    pub address: String,
    pub region: RegionCode,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub founded_on: Option<Date>,
    pub timezone: CoopTimeZone,
}

/// A coop as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Koperasi {
    pub id: KoperasiId,
    #[serde(flatten)]
    pub data: CoopDataView,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The serialisable view of [`CoopData`] (codes as strings).
#[derive(Debug, Clone, Serialize)]
pub struct CoopDataView {
    pub code: String,
    pub name: String,
    pub legal_number: Option<String>,
    pub legal_date: Option<Date>,
    pub nib: Option<String>,
    pub npwp: Option<String>,
    pub kind: &'static str,
    pub pattern: &'static str,
    pub tier: &'static str,
    pub is_pesantren: bool,
    pub address: String,
    pub region_code: String,
    pub province_code: String,
    pub regency_code: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub founded_on: Option<Date>,
    pub timezone: &'static str,
}

impl Koperasi {
    pub fn kind(&self) -> CoopKind {
        CoopKind::parse(self.data.kind).unwrap_or(CoopKind::SerbaUsaha)
    }
    pub fn tier(&self) -> CoopTier {
        CoopTier::parse(self.data.tier).unwrap_or(CoopTier::Primary)
    }
    pub fn timezone(&self) -> CoopTimeZone {
        CoopTimeZone::parse(self.data.timezone).unwrap_or(CoopTimeZone::Wib)
    }
    /// The coop's fields in the shape the form and the audit diff use.
    pub fn to_data(&self) -> StoreResult<CoopData> {
        Ok(CoopData {
            code: self.data.code.clone(),
            name: self.data.name.clone(),
            legal_number: self.data.legal_number.clone(),
            legal_date: self.data.legal_date,
            nib: self.data.nib.clone(),
            npwp: self.data.npwp.clone(),
            kind: self.kind(),
            pattern: CoopPattern::parse(self.data.pattern).unwrap_or(CoopPattern::Konvensional),
            tier: self.tier(),
            is_pesantren: self.data.is_pesantren,
            address: self.data.address.clone(),
            region: RegionCode::parse(&self.data.region_code).map_err(StoreError::corrupt)?,
            phone: self.data.phone.clone(),
            email: self.data.email.clone(),
            founded_on: self.data.founded_on,
            timezone: self.timezone(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct KoperasiRow {
    id: Uuid,
    code: String,
    name: String,
    legal_number: Option<String>,
    legal_date: Option<Date>,
    nib: Option<String>,
    npwp: Option<String>,
    kind: String,
    pattern: String,
    tier: String,
    is_pesantren: bool,
    address: String,
    region_code: String,
    province_code: String,
    regency_code: String,
    phone: Option<String>,
    email: Option<String>,
    founded_on: Option<Date>,
    timezone: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const KOPERASI_COLS: &str = "id, code, name, legal_number, legal_date, nib, npwp, kind, pattern, tier, \
     is_pesantren, address, region_code, province_code, regency_code, phone, email, founded_on, \
     timezone, created_at, updated_at";

impl TryFrom<KoperasiRow> for Koperasi {
    type Error = StoreError;
    fn try_from(r: KoperasiRow) -> StoreResult<Koperasi> {
        let kind = CoopKind::parse(&r.kind).ok_or_else(|| StoreError::corrupt(&r.kind))?;
        let pattern =
            CoopPattern::parse(&r.pattern).ok_or_else(|| StoreError::corrupt(&r.pattern))?;
        let tier = CoopTier::parse(&r.tier).ok_or_else(|| StoreError::corrupt(&r.tier))?;
        let tz =
            CoopTimeZone::parse(&r.timezone).ok_or_else(|| StoreError::corrupt(&r.timezone))?;
        Ok(Koperasi {
            id: KoperasiId(r.id),
            data: CoopDataView {
                code: r.code,
                name: r.name,
                legal_number: r.legal_number,
                legal_date: r.legal_date,
                nib: r.nib,
                npwp: r.npwp,
                kind: kind.as_str(),
                pattern: pattern.as_str(),
                tier: tier.as_str(),
                is_pesantren: r.is_pesantren,
                address: r.address,
                region_code: r.region_code,
                province_code: r.province_code,
                regency_code: r.regency_code,
                phone: r.phone,
                email: r.email,
                founded_on: r.founded_on,
                timezone: tz.as_str(),
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn audit_fields(d: &CoopData) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("code", Some(d.code.clone())),
        ("name", Some(d.name.clone())),
        ("legal_number", d.legal_number.clone()),
        ("legal_date", d.legal_date.map(|x| x.to_string())),
        ("nib", d.nib.clone()),
        ("npwp", d.npwp.clone()),
        ("kind", Some(d.kind.as_str().to_string())),
        ("pattern", Some(d.pattern.as_str().to_string())),
        ("tier", Some(d.tier.as_str().to_string())),
        ("is_pesantren", Some(d.is_pesantren.to_string())),
        ("address", Some(d.address.clone())),
        ("region_code", Some(d.region.as_str().to_string())),
        ("phone", d.phone.clone()),
        ("email", d.email.clone()),
        ("founded_on", d.founded_on.map(|x| x.to_string())),
        ("timezone", Some(d.timezone.as_str().to_string())),
    ]
}

fn coop_diff(before: Option<&CoopData>, after: &CoopData) -> Vec<Change> {
    let b = before.map(audit_fields);
    let a = audit_fields(after);
    diff(a.into_iter().enumerate().map(|(i, (f, av))| {
        let bv = b.as_ref().and_then(|b| b[i].1.clone());
        (f, bv, av)
    }))
}

fn code_taken(code: &str) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!("Kode koperasi {code} sudah dipakai koperasi lain."),
        format!("Coop code {code} is already used by another coop."),
    ))
}

/// A short summary row for lists (admin, dinas, coop switcher).
#[derive(Debug, Clone, Serialize)]
pub struct KoperasiSummary {
    pub id: KoperasiId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub tier: String,
    pub is_pesantren: bool,
    pub regency_code: String,
    pub active_members: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    code: String,
    name: String,
    kind: String,
    tier: String,
    is_pesantren: bool,
    regency_code: String,
    active_members: i64,
}

impl Store {
    /// Registers a coop with its first bylaws (applying from `year`). Platform admins only.
    pub async fn create_koperasi(
        &self,
        actor: &Actor,
        d: &CoopData,
        bylaws: &Bylaws,
        year: i32,
    ) -> StoreResult<KoperasiId> {
        let id = KoperasiId::new();
        let mut tx = self.db.begin_write().await?;
        let taken: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM koperasi WHERE code = $1")
            .bind(&d.code).fetch_optional(&mut **c).await)?;
        if taken.is_some() {
            return Err(code_taken(&d.code));
        }
        let t = now();
        let province = d.region.province();
        let regency = d.region.regency().unwrap_or_else(|| province.clone());
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO koperasi (id, code, name, legal_number, legal_date, nib, npwp, kind, pattern, tier,
               is_pesantren, address, region_code, province_code, regency_code, phone, email, founded_on,
               timezone, created_at, updated_at)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20)")
            .bind(id.0).bind(&d.code).bind(&d.name).bind(&d.legal_number).bind(d.legal_date)
            .bind(&d.nib).bind(&d.npwp).bind(d.kind.as_str()).bind(d.pattern.as_str()).bind(d.tier.as_str())
            .bind(d.is_pesantren).bind(&d.address).bind(d.region.as_str()).bind(province.as_str())
            .bind(regency.as_str()).bind(&d.phone).bind(&d.email).bind(d.founded_on)
            .bind(d.timezone.as_str()).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| unique_as(e.into(), || code_taken(&d.code)))?;
        write_bylaws(&mut tx, id, year, bylaws).await?;
        crate::savings::setup_books(&mut tx, id).await?;
        audit::record(
            &mut tx,
            id,
            actor,
            "koperasi",
            &id.to_string(),
            Action::Create,
            &coop_diff(None, d),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// All coops (platform admin), or those whose address lies within `region` (dinas).
    pub async fn list_koperasi(
        &self,
        region: Option<&RegionCode>,
    ) -> StoreResult<Vec<KoperasiSummary>> {
        Ok(self.search_koperasi("", region, u32::MAX, 0).await?.0)
    }

    /// Coops whose name or code contains `q` (case-insensitive), optionally within a region,
    /// by name, one page at a time; the bool says whether a next page exists.
    pub async fn search_koperasi(
        &self,
        q: &str,
        region: Option<&RegionCode>,
        limit: u32,
        offset: u32,
    ) -> StoreResult<(Vec<KoperasiSummary>, bool)> {
        let (prov, reg) = match region {
            None => (None, None),
            Some(r) => (
                Some(r.province().as_str().to_string()),
                r.regency().map(|x| x.as_str().to_string()),
            ),
        };
        let pattern = format!(
            "%{}%",
            q.trim().to_lowercase().replace(['%', '_', '\\'], "")
        );
        let limit = i64::from(limit.min(100_000));
        let rows: Vec<SummaryRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT k.id, k.code, k.name, k.kind, k.tier, k.is_pesantren, k.regency_code,
                    CAST((SELECT COUNT(*) FROM member m WHERE m.koperasi_id = k.id AND m.status = 'aktif') AS BIGINT) AS active_members
             FROM koperasi k
             WHERE ($1 IS NULL OR k.province_code = $1) AND ($2 IS NULL OR k.regency_code = $2)
               AND (LOWER(k.name) LIKE $3 OR LOWER(k.code) LIKE $3)
             ORDER BY k.name, k.id LIMIT $4 OFFSET $5")
            .bind(prov).bind(reg).bind(&pattern).bind(limit + 1).bind(i64::from(offset)).fetch_all(p).await)?;
        let has_more = rows.len() as i64 > limit;
        Ok((
            rows.into_iter()
                .take(limit as usize)
                .map(|r| KoperasiSummary {
                    id: KoperasiId(r.id),
                    code: r.code,
                    name: r.name,
                    kind: r.kind,
                    tier: r.tier,
                    is_pesantren: r.is_pesantren,
                    regency_code: r.regency_code,
                    active_members: r.active_members,
                })
                .collect(),
            has_more,
        ))
    }

    /// Aggregates over the coops within `region` (or all): coops, and active members.
    pub async fn region_totals(&self, region: Option<&RegionCode>) -> StoreResult<(i64, i64)> {
        let (prov, reg) = match region {
            None => (None, None),
            Some(r) => (
                Some(r.province().as_str().to_string()),
                r.regency().map(|x| x.as_str().to_string()),
            ),
        };
        let row: (i64, i64) = on_db!(&self.db, p => sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT),
                    CAST(COALESCE(SUM((SELECT COUNT(*) FROM member m WHERE m.koperasi_id = k.id AND m.status = 'aktif')), 0) AS BIGINT)
             FROM koperasi k
             WHERE ($1 IS NULL OR k.province_code = $1) AND ($2 IS NULL OR k.regency_code = $2)")
            .bind(prov).bind(reg).fetch_one(p).await)?;
        Ok(row)
    }

    /// One coop by id, whoever asks (used to resolve grants and public pages).
    pub async fn koperasi(&self, id: KoperasiId) -> StoreResult<Koperasi> {
        get(&self.db, id).await
    }

    /// One coop as recently read: at most [`crate::recent::FRESH_FOR`] old when another
    /// process changed it, never older than this process's own changes. For the access check
    /// and the time zone on every request; edit forms and audit read [`Store::koperasi`].
    pub async fn koperasi_recent(&self, id: KoperasiId) -> StoreResult<Koperasi> {
        if let Some(k) = self.recent.coop(id) {
            return Ok((*k).clone());
        }
        let read_at = std::time::Instant::now();
        let k = get(&self.db, id).await?;
        self.recent
            .keep_coop(id, read_at, std::sync::Arc::new(k.clone()));
        Ok(k)
    }

    /// Several coops by id, in chunks of one query each (the API's list of a caller's coops).
    pub async fn koperasi_many(&self, ids: &[KoperasiId]) -> StoreResult<Vec<Koperasi>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {KOPERASI_COLS} FROM koperasi WHERE id IN ({})",
                marks.join(",")
            );
            let rows: Vec<KoperasiRow> = on_db!(&self.db, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk { q = q.bind(id.0); }
                q.fetch_all(p).await
            })?;
            for r in rows {
                out.push(r.try_into()?);
            }
        }
        Ok(out)
    }

    /// One coop by its code.
    pub async fn koperasi_by_code(&self, code: &str) -> StoreResult<Koperasi> {
        let sql = format!("SELECT {KOPERASI_COLS} FROM koperasi WHERE code = $1");
        let row: Option<KoperasiRow> = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(code).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }
}

async fn get(db: &Db, id: KoperasiId) -> StoreResult<Koperasi> {
    let sql = format!("SELECT {KOPERASI_COLS} FROM koperasi WHERE id = $1");
    let row: Option<KoperasiRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id.0).fetch_optional(p).await)?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

async fn write_bylaws(
    tx: &mut crate::Tx<'_>,
    id: KoperasiId,
    year: i32,
    b: &Bylaws,
) -> StoreResult<()> {
    let a = &b.allocation;
    let bp = |x: BasisPoints| i64::from(x.0);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO bylaws (koperasi_id, effective_year, simpanan_pokok, simpanan_wajib_monthly,
           fiscal_year_start_month, alloc_cadangan, alloc_jasa_modal, alloc_jasa_usaha, alloc_pengurus,
           alloc_karyawan, alloc_pendidikan, alloc_sosial, alloc_pembangunan_daerah, quorum_numerator,
           quorum_denominator, quorum_strictly_greater, quorum_counts_proxies, member_number_format, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)
         ON CONFLICT (koperasi_id, effective_year) DO UPDATE SET
           simpanan_pokok = excluded.simpanan_pokok, simpanan_wajib_monthly = excluded.simpanan_wajib_monthly,
           fiscal_year_start_month = excluded.fiscal_year_start_month, alloc_cadangan = excluded.alloc_cadangan,
           alloc_jasa_modal = excluded.alloc_jasa_modal, alloc_jasa_usaha = excluded.alloc_jasa_usaha,
           alloc_pengurus = excluded.alloc_pengurus, alloc_karyawan = excluded.alloc_karyawan,
           alloc_pendidikan = excluded.alloc_pendidikan, alloc_sosial = excluded.alloc_sosial,
           alloc_pembangunan_daerah = excluded.alloc_pembangunan_daerah, quorum_numerator = excluded.quorum_numerator,
           quorum_denominator = excluded.quorum_denominator, quorum_strictly_greater = excluded.quorum_strictly_greater,
           quorum_counts_proxies = excluded.quorum_counts_proxies, member_number_format = excluded.member_number_format,
           updated_at = excluded.updated_at")
        .bind(id.0).bind(i64::from(year)).bind(b.simpanan_pokok.0).bind(b.simpanan_wajib_monthly.0)
        .bind(i64::from(b.fiscal_year_start_month)).bind(bp(a.cadangan)).bind(bp(a.jasa_modal))
        .bind(bp(a.jasa_usaha)).bind(bp(a.pengurus)).bind(bp(a.karyawan)).bind(bp(a.pendidikan))
        .bind(bp(a.sosial)).bind(bp(a.pembangunan_daerah)).bind(i64::from(b.quorum.numerator))
        .bind(i64::from(b.quorum.denominator)).bind(b.quorum.strictly_greater).bind(b.quorum.counts_proxies)
        .bind(b.member_number_format.as_str()).bind(now())
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct BylawsRow {
    effective_year: i64,
    simpanan_pokok: i64,
    simpanan_wajib_monthly: i64,
    fiscal_year_start_month: i64,
    alloc_cadangan: i64,
    alloc_jasa_modal: i64,
    alloc_jasa_usaha: i64,
    alloc_pengurus: i64,
    alloc_karyawan: i64,
    alloc_pendidikan: i64,
    alloc_sosial: i64,
    alloc_pembangunan_daerah: i64,
    quorum_numerator: i64,
    quorum_denominator: i64,
    quorum_strictly_greater: bool,
    quorum_counts_proxies: bool,
    member_number_format: String,
}

fn small(x: i64) -> StoreResult<u32> {
    u32::try_from(x).map_err(StoreError::corrupt)
}

impl BylawsRow {
    fn into_bylaws(self) -> StoreResult<(i32, Bylaws)> {
        let bp = |x: i64| small(x).map(BasisPoints);
        Ok((
            i32::try_from(self.effective_year).map_err(StoreError::corrupt)?,
            Bylaws {
                simpanan_pokok: Rupiah(self.simpanan_pokok),
                simpanan_wajib_monthly: Rupiah(self.simpanan_wajib_monthly),
                fiscal_year_start_month: u8::try_from(self.fiscal_year_start_month)
                    .map_err(StoreError::corrupt)?,
                allocation: ShuAllocation {
                    cadangan: bp(self.alloc_cadangan)?,
                    jasa_modal: bp(self.alloc_jasa_modal)?,
                    jasa_usaha: bp(self.alloc_jasa_usaha)?,
                    pengurus: bp(self.alloc_pengurus)?,
                    karyawan: bp(self.alloc_karyawan)?,
                    pendidikan: bp(self.alloc_pendidikan)?,
                    sosial: bp(self.alloc_sosial)?,
                    pembangunan_daerah: bp(self.alloc_pembangunan_daerah)?,
                },
                quorum: QuorumRule {
                    numerator: small(self.quorum_numerator)?,
                    denominator: small(self.quorum_denominator)?,
                    strictly_greater: self.quorum_strictly_greater,
                    counts_proxies: self.quorum_counts_proxies,
                },
                member_number_format: MemberNumberFormat::parse(&self.member_number_format)
                    .map_err(StoreError::corrupt)?,
            },
        ))
    }
}

fn bylaws_fields(b: &Bylaws) -> Vec<(&'static str, Option<String>)> {
    let a = &b.allocation;
    vec![
        ("simpanan_pokok", Some(b.simpanan_pokok.0.to_string())),
        (
            "simpanan_wajib_monthly",
            Some(b.simpanan_wajib_monthly.0.to_string()),
        ),
        (
            "fiscal_year_start_month",
            Some(b.fiscal_year_start_month.to_string()),
        ),
        ("cadangan", Some(a.cadangan.to_string())),
        ("jasa_modal", Some(a.jasa_modal.to_string())),
        ("jasa_usaha", Some(a.jasa_usaha.to_string())),
        ("pengurus", Some(a.pengurus.to_string())),
        ("karyawan", Some(a.karyawan.to_string())),
        ("pendidikan", Some(a.pendidikan.to_string())),
        ("sosial", Some(a.sosial.to_string())),
        ("pembangunan_daerah", Some(a.pembangunan_daerah.to_string())),
        (
            "quorum",
            Some(format!(
                "{}/{} {} {}",
                b.quorum.numerator,
                b.quorum.denominator,
                b.quorum.strictly_greater,
                b.quorum.counts_proxies
            )),
        ),
        (
            "member_number_format",
            Some(b.member_number_format.as_str().to_string()),
        ),
    ]
}

impl Tenant<'_> {
    /// This coop's registry data.
    pub async fn koperasi(&self) -> StoreResult<Koperasi> {
        get(self.db, self.koperasi_id).await
    }

    /// Changes the registry data; the audit log records each changed field.
    pub async fn update_koperasi(&self, actor: &Actor, d: &CoopData) -> StoreResult<()> {
        let before = self.koperasi().await?.to_data()?;
        let mut tx = self.db.begin_write().await?;
        let taken: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM koperasi WHERE code = $1 AND id <> $2")
            .bind(&d.code).bind(self.koperasi_id.0).fetch_optional(&mut **c).await)?;
        if taken.is_some() {
            return Err(code_taken(&d.code));
        }
        let province = d.region.province();
        let regency = d.region.regency().unwrap_or_else(|| province.clone());
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE koperasi SET code = $2, name = $3, legal_number = $4, legal_date = $5, nib = $6, npwp = $7,
               kind = $8, pattern = $9, tier = $10, is_pesantren = $11, address = $12, region_code = $13,
               province_code = $14, regency_code = $15, phone = $16, email = $17, founded_on = $18,
               timezone = $19, updated_at = $20
             WHERE id = $1")
            .bind(self.koperasi_id.0).bind(&d.code).bind(&d.name).bind(&d.legal_number).bind(d.legal_date)
            .bind(&d.nib).bind(&d.npwp).bind(d.kind.as_str()).bind(d.pattern.as_str()).bind(d.tier.as_str())
            .bind(d.is_pesantren).bind(&d.address).bind(d.region.as_str()).bind(province.as_str())
            .bind(regency.as_str()).bind(&d.phone).bind(&d.email).bind(d.founded_on)
            .bind(d.timezone.as_str()).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = coop_diff(Some(&before), d);
        audit::record(
            &mut tx,
            self.koperasi_id,
            actor,
            "koperasi",
            &self.koperasi_id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.recent.forget(self.koperasi_id);
        Ok(())
    }

    /// The bylaws in force in `year`: the latest version whose effective year is not after it.
    /// Falls back to the earliest version for years before the first one.
    pub async fn bylaws(&self, year: i32) -> StoreResult<(i32, Bylaws)> {
        let row: Option<BylawsRow> = on_db!(self.db, p => sqlx::query_as(
            "SELECT effective_year, simpanan_pokok, simpanan_wajib_monthly, fiscal_year_start_month,
               alloc_cadangan, alloc_jasa_modal, alloc_jasa_usaha, alloc_pengurus, alloc_karyawan,
               alloc_pendidikan, alloc_sosial, alloc_pembangunan_daerah, quorum_numerator,
               quorum_denominator, quorum_strictly_greater, quorum_counts_proxies, member_number_format
             FROM bylaws WHERE koperasi_id = $1
             ORDER BY CASE WHEN effective_year <= $2 THEN 0 ELSE 1 END, 
                      CASE WHEN effective_year <= $2 THEN -effective_year ELSE effective_year END
             LIMIT 1")
            .bind(self.koperasi_id.0).bind(i64::from(year)).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_bylaws()
    }

    /// Sets the bylaws that apply from `year` on (a new version, or a correction of that
    /// year's version). The audit log records each changed setting.
    pub async fn set_bylaws(&self, actor: &Actor, year: i32, b: &Bylaws) -> StoreResult<()> {
        let before = self.bylaws(year).await.ok().map(|(_, b)| b);
        let mut tx = self.db.begin_write().await?;
        write_bylaws(&mut tx, self.koperasi_id, year, b).await?;
        let bf = before.as_ref().map(bylaws_fields);
        let changes = diff(
            bylaws_fields(b)
                .into_iter()
                .enumerate()
                .map(|(i, (f, a))| (f, bf.as_ref().and_then(|x| x[i].1.clone()), a)),
        );
        audit::record(
            &mut tx,
            self.koperasi_id,
            actor,
            "bylaws",
            &year.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
