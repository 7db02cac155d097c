//! API: coops and their bylaws.

use axum::Json;
use axum::extract::{Path, State};
use guyub_core::coop::{BylawsInput, validate_bylaws};
use guyub_core::percent::BasisPoints;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Need, coop_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::pages::coop::CoopFields;
use crate::pages::members::today_in;
use crate::pages::region::RegionFields;
use crate::state::AppState;

/// A coop as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct CoopOut {
    pub id: String,
    pub code: String,
    pub name: String,
    pub legal_number: Option<String>,
    pub legal_date: Option<String>,
    pub nib: Option<String>,
    pub npwp: Option<String>,
    /// simpan_pinjam | konsumen | produsen | pemasaran | jasa | serba_usaha
    pub kind: String,
    /// konvensional | syariah
    pub pattern: String,
    /// primer | sekunder
    pub tier: String,
    pub is_pesantren: bool,
    pub address: String,
    /// Village code (Kemendagri), e.g. 35.73.05.1001
    pub region_code: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub founded_on: Option<String>,
    /// wib | wita | wit
    pub timezone: String,
}

impl From<&guyub_store::coop::Koperasi> for CoopOut {
    fn from(k: &guyub_store::coop::Koperasi) -> Self {
        let d = &k.data;
        CoopOut {
            id: k.id.to_string(),
            code: d.code.clone(),
            name: d.name.clone(),
            legal_number: d.legal_number.clone(),
            legal_date: d.legal_date.map(|x| x.to_string()),
            nib: d.nib.clone(),
            npwp: d.npwp.clone(),
            kind: d.kind.into(),
            pattern: d.pattern.into(),
            tier: d.tier.into(),
            is_pesantren: d.is_pesantren,
            address: d.address.clone(),
            region_code: d.region_code.clone(),
            phone: d.phone.clone(),
            email: d.email.clone(),
            founded_on: d.founded_on.map(|x| x.to_string()),
            timezone: d.timezone.into(),
        }
    }
}

/// A coop's registry data to write (same rules as the profile form).
#[derive(Deserialize, ToSchema)]
pub struct CoopIn {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub legal_number: String,
    #[serde(default)]
    pub legal_date: String,
    #[serde(default)]
    pub nib: String,
    #[serde(default)]
    pub npwp: String,
    pub kind: String,
    pub pattern: String,
    pub tier: String,
    #[serde(default)]
    pub is_pesantren: bool,
    pub address: String,
    pub region_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub founded_on: String,
    pub timezone: String,
}

impl CoopIn {
    fn fields(&self) -> CoopFields {
        CoopFields {
            code: self.code.clone(),
            name: self.name.clone(),
            legal_number: self.legal_number.clone(),
            legal_date: self.legal_date.clone(),
            nib: self.nib.clone(),
            npwp: self.npwp.clone(),
            kind: self.kind.clone(),
            pattern: self.pattern.clone(),
            tier: self.tier.clone(),
            is_pesantren: self.is_pesantren.then(|| "on".into()),
            address: self.address.clone(),
            region: RegionFields::from_code(&self.region_code),
            phone: self.phone.clone(),
            email: self.email.clone(),
            founded_on: self.founded_on.clone(),
            timezone: self.timezone.clone(),
            ..Default::default()
        }
    }
}

/// The coops the caller may see: all (admin), those of their region (dinas), or those they
/// hold a role in.
#[utoipa::path(get, path = "/api/v1/coops", tag = "coops",
    responses((status = 200, body = Vec<CoopOut>), (status = 401, body = ApiErrorBody)))]
pub async fn list_coops(
    State(state): State<AppState>,
    caller: Caller,
) -> WebResult<Json<Vec<CoopOut>>> {
    let mut ids: Vec<guyub_core::ids::KoperasiId> = if caller.is_admin() {
        state
            .store
            .list_koperasi(None)
            .await?
            .into_iter()
            .map(|k| k.id)
            .collect()
    } else {
        let mut v = vec![];
        for r in caller.dinas_regions() {
            v.extend(
                state
                    .store
                    .list_koperasi(Some(&r))
                    .await?
                    .into_iter()
                    .map(|k| k.id),
            );
        }
        v.extend(caller.grants.iter().filter_map(|g| g.koperasi_id));
        v
    };
    ids.sort();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for k in state.store.koperasi_many(&ids).await? {
        out.push(CoopOut::from(&k));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}", tag = "coops",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = CoopOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_coop(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<CoopOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::SeeCoop).await?;
    Ok(Json(CoopOut::from(&coop)))
}

#[utoipa::path(put, path = "/api/v1/coops/{coop_id}", tag = "coops", request_body = CoopIn,
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = CoopOut), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_coop(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: crate::api::members::JsonBody<CoopIn>,
) -> WebResult<Json<CoopOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    let data = body.0.fields().validate().map_err(WebError::Invalid)?;
    state
        .store
        .tenant(coop.id)
        .update_koperasi(&caller.actor(), &data)
        .await?;
    Ok(Json(CoopOut::from(&state.store.koperasi(coop.id).await?)))
}

/// Bylaws (AD/ART settings). Percentages in basis points: 10000 = 100%.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct BylawsBody {
    /// The fiscal year from which these settings apply.
    pub effective_year: i32,
    pub simpanan_pokok: i64,
    pub simpanan_wajib_monthly: i64,
    pub fiscal_year_start_month: u8,
    /// SHU allocation per bucket, in basis points; must sum to exactly 10000.
    pub allocation: std::collections::BTreeMap<String, u32>,
    pub quorum_numerator: u32,
    pub quorum_denominator: u32,
    pub quorum_strictly_greater: bool,
    pub quorum_counts_proxies: bool,
    pub member_number_format: String,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/bylaws", tag = "coops",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = BylawsBody), (status = 403, body = ApiErrorBody)))]
pub async fn get_bylaws(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<BylawsBody>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::SeeCoop).await?;
    let (year, b) = state
        .store
        .tenant(coop.id)
        .bylaws(today_in(&coop).year())
        .await?;
    let a = &b.allocation;
    Ok(Json(BylawsBody {
        effective_year: year,
        simpanan_pokok: b.simpanan_pokok.0,
        simpanan_wajib_monthly: b.simpanan_wajib_monthly.0,
        fiscal_year_start_month: b.fiscal_year_start_month,
        allocation: guyub_core::coop::ShuAllocation::BUCKETS
            .iter()
            .map(|(f, _, _)| (f.to_string(), a.get(f).map(|x| x.0).unwrap_or(0)))
            .collect(),
        quorum_numerator: b.quorum.numerator,
        quorum_denominator: b.quorum.denominator,
        quorum_strictly_greater: b.quorum.strictly_greater,
        quorum_counts_proxies: b.quorum.counts_proxies,
        member_number_format: b.member_number_format.as_str().to_string(),
    }))
}

#[utoipa::path(put, path = "/api/v1/coops/{coop_id}/bylaws", tag = "coops", request_body = BylawsBody,
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = BylawsBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_bylaws(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    body: crate::api::members::JsonBody<BylawsBody>,
) -> WebResult<Json<BylawsBody>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    let b = body.0;
    let pct = |f: &str| {
        b.allocation
            .get(f)
            .map(|x| BasisPoints(*x).to_string())
            .unwrap_or_default()
    };
    let input = BylawsInput {
        simpanan_pokok: b.simpanan_pokok.to_string(),
        simpanan_wajib_monthly: b.simpanan_wajib_monthly.to_string(),
        fiscal_year_start_month: b.fiscal_year_start_month.to_string(),
        cadangan: pct("cadangan"),
        jasa_modal: pct("jasa_modal"),
        jasa_usaha: pct("jasa_usaha"),
        pengurus: pct("pengurus"),
        karyawan: pct("karyawan"),
        pendidikan: pct("pendidikan"),
        sosial: pct("sosial"),
        pembangunan_daerah: pct("pembangunan_daerah"),
        quorum_numerator: b.quorum_numerator.to_string(),
        quorum_denominator: b.quorum_denominator.to_string(),
        quorum_strictly_greater: b.quorum_strictly_greater,
        quorum_counts_proxies: b.quorum_counts_proxies,
        member_number_format: b.member_number_format.clone(),
    };
    let mut errors = match validate_bylaws(&input) {
        Ok(_) => vec![],
        Err(e) => e,
    };
    let this_year = today_in(&coop).year();
    if !(1900..=this_year + 1).contains(&b.effective_year) {
        errors.push(guyub_core::FieldError::new(
            "effective_year",
            guyub_core::Msg::new(
                format!("Tahun berlaku harus antara 1900 dan {}.", this_year + 1),
                format!(
                    "The effective year must be between 1900 and {}.",
                    this_year + 1
                ),
            ),
        ));
    }
    if let Some(unknown) = b.allocation.keys().find(|k| {
        guyub_core::coop::ShuAllocation::BUCKETS
            .iter()
            .all(|(f, _, _)| f != k)
    }) {
        errors.push(guyub_core::FieldError::new(
            "allocation",
            guyub_core::Msg::new(
                format!("Pos SHU tidak dikenal: {unknown}"),
                format!("Unknown SHU bucket: {unknown}"),
            ),
        ));
    }
    let bylaws = if errors.is_empty() {
        validate_bylaws(&input).map_err(WebError::Invalid)?
    } else {
        return Err(WebError::Invalid(errors));
    };
    state
        .store
        .tenant(coop.id)
        .set_bylaws(&caller.actor(), b.effective_year, &bylaws)
        .await?;
    get_bylaws(State(state), caller, Path(kid)).await
}
