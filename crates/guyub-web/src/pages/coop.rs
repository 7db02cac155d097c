//! A coop's dashboard, its registry data (profile) and its bylaws (AD/ART settings).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::coop::{
    BylawsInput, CoopKind, CoopPattern, CoopTier, CoopTimeZone, ShuAllocation, coop_code,
    validate_bylaws,
};
use guyub_core::identifiers::{Nib, Npwp};
use guyub_core::identity::Email;
use guyub_core::ids::KoperasiId;
use guyub_core::member::{clean_name, clean_text, parse_date};
use guyub_core::phone::Phone;
use guyub_core::region::{RegionCode, RegionLevel};
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::coop::{CoopData, Koperasi};
use guyub_store::member::{MemberCoop, MemberStats};
use serde::Deserialize;

use super::members::{OkQuery, today_in};
use super::region::{RegionFields, RegionSelect};
use super::{Form, Page, opt, render, render_status};
use crate::auth::{Access, Caller, Need, coop_access};
use crate::error::{WebError, WebResult, field_messages};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "coop/dashboard.html")]
struct DashboardPage {
    p: Page,
    kid: String,
    stats: MemberStats,
    month: String,
    can_members: bool,
    can_write: bool,
}

pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = match coop_access(&state, &caller, &kid, Need::SeeCoop).await {
        Ok(x) => x,
        // An anggota's home in the coop is their own page.
        Err(WebError::Forbidden(_)) => {
            if let Some(g) = caller.grants.iter().find(|g| {
                g.koperasi_id.map(|k| k.to_string()) == Some(kid.clone()) && g.member_id.is_some()
            }) {
                if let Some(url) = super::home::grant_home(g) {
                    return Ok(Redirect::to(&url).into_response());
                }
            }
            return Err(WebError::forbidden());
        }
        Err(e) => return Err(e),
    };
    let today = today_in(&coop);
    let month_start = today
        .replace_day(1)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let stats = state
        .store
        .tenant(coop.id)
        .member_stats(month_start)
        .await?;
    let lang = caller.lang;
    Ok(render(&DashboardPage {
        p: Page::new(&caller, "dashboard-title")
            .titled(coop.data.name.clone())
            .in_coop(&coop, &access, "dashboard")
            .at(&format!("/k/{kid}")),
        kid,
        stats,
        month: format!(
            "{} {}",
            fmt_id::month_name(u8::from(today.month()), lang),
            today.year()
        ),
        can_members: access.allows(Need::ReadMembers),
        can_write: access.allows(Need::WriteMembers),
    }))
}

/// Labels of a coop for display.
pub struct CoopLabels {
    pub kind: &'static str,
    pub pattern: &'static str,
    pub tier: &'static str,
    pub timezone: &'static str,
    pub region: String,
    pub legal_date: String,
    pub founded_on: String,
    pub phone: String,
    pub npwp: String,
}

pub fn labels(k: &Koperasi, lang: Lang) -> CoopLabels {
    CoopLabels {
        kind: k.kind().label(lang),
        pattern: CoopPattern::parse(k.data.pattern)
            .map(|x| x.label(lang))
            .unwrap_or(""),
        tier: k.tier().label(lang),
        timezone: k.timezone().label(lang),
        region: RegionCode::parse(&k.data.region_code)
            .map(|r| r.full_name())
            .unwrap_or_default(),
        legal_date: k
            .data
            .legal_date
            .map(|d| fmt_id::tanggal(d, lang))
            .unwrap_or_default(),
        founded_on: k
            .data
            .founded_on
            .map(|d| fmt_id::tanggal(d, lang))
            .unwrap_or_default(),
        phone: k
            .data
            .phone
            .as_deref()
            .map(|p| {
                Phone::parse(p)
                    .map(|x| x.to_string())
                    .unwrap_or_else(|_| p.to_string())
            })
            .unwrap_or_else(|| "-".into()),
        npwp: k
            .data
            .npwp
            .as_deref()
            .map(|p| {
                Npwp::parse(p)
                    .map(|x| x.to_string())
                    .unwrap_or_else(|_| p.to_string())
            })
            .unwrap_or_else(|| "-".into()),
    }
}

/// One row of the SHU allocation table.
pub struct AllocRow {
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
}

fn alloc_rows(a: &ShuAllocation, lang: Lang) -> Vec<AllocRow> {
    ShuAllocation::BUCKETS
        .iter()
        .map(|(field, id, en)| AllocRow {
            field,
            label: if lang == Lang::Id { id } else { en },
            value: a.get(field).map(|b| b.to_string()).unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "coop/profile.html")]
struct ProfilePage {
    p: Page,
    k: Koperasi,
    l: CoopLabels,
    year: i32,
    pokok: String,
    wajib: String,
    fiscal_month: String,
    alloc: Vec<AllocRow>,
    quorum: String,
    number_format: String,
    can_write: bool,
    can_see_payment: bool,
}

pub async fn profile(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(oq): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::SeeCoop).await?;
    let lang = caller.lang;
    let year = today_in(&coop).year();
    let (_, b) = state.store.tenant(coop.id).bylaws(year).await?;
    Ok(render(&ProfilePage {
        p: Page::new(&caller, "profile-title")
            .in_coop(&coop, &access, "profile")
            .at(&format!("/k/{kid}/profil"))
            .flash(oq.ok.as_deref()),
        l: labels(&coop, lang),
        k: coop,
        year,
        pokok: b.simpanan_pokok.to_string(),
        wajib: b.simpanan_wajib_monthly.to_string(),
        fiscal_month: fmt_id::month_name(b.fiscal_year_start_month, lang).to_string(),
        alloc: alloc_rows(&b.allocation, lang),
        quorum: b.quorum.describe(lang),
        number_format: b.member_number_format.as_str().to_string(),
        can_write: access.allows(Need::WriteCoop),
        can_see_payment: access.allows(Need::ReadBooks),
    }))
}

/// The coop form as posted (shared by the admin's "new coop" page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CoopFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub legal_number: String,
    #[serde(default)]
    pub legal_date: String,
    #[serde(default)]
    pub nib: String,
    #[serde(default)]
    pub npwp: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub pattern: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub is_pesantren: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(flatten)]
    pub region: RegionFields,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub founded_on: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default, rename = "_refresh")]
    pub refresh: String,
}

impl CoopFields {
    pub fn of(k: &Koperasi) -> CoopFields {
        CoopFields {
            code: k.data.code.clone(),
            name: k.data.name.clone(),
            legal_number: k.data.legal_number.clone().unwrap_or_default(),
            legal_date: k.data.legal_date.map(|d| d.to_string()).unwrap_or_default(),
            nib: k.data.nib.clone().unwrap_or_default(),
            npwp: k.data.npwp.clone().unwrap_or_default(),
            kind: k.data.kind.to_string(),
            pattern: k.data.pattern.to_string(),
            tier: k.data.tier.to_string(),
            is_pesantren: k.data.is_pesantren.then(|| "on".to_string()),
            address: k.data.address.clone(),
            region: RegionFields::from_code(&k.data.region_code),
            phone: k.data.phone.clone().unwrap_or_default(),
            email: k.data.email.clone().unwrap_or_default(),
            founded_on: k.data.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            timezone: k.data.timezone.to_string(),
            ..Default::default()
        }
    }

    /// Validates every field; all problems at once.
    pub fn validate(&self) -> Result<CoopData, Vec<FieldError>> {
        let mut errors = vec![];
        let mut take = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let code = take(coop_code(&self.code));
        let name = take(clean_name(&self.name, "name"));
        let legal_number = take(clean_text(&self.legal_number, "legal_number", 100));
        let address = take(clean_text(&self.address, "address", 200));
        let date = |raw: &str, field: &str, errors: &mut Vec<FieldError>| -> Option<time::Date> {
            if raw.trim().is_empty() {
                return None;
            }
            let d = parse_date(raw);
            if d.is_none() {
                errors.push(FieldError::new(
                    field,
                    Msg::new(
                        "Tanggal tidak dapat dibaca (contoh: 2019-08-07).",
                        "The date cannot be read (example: 2019-08-07).",
                    ),
                ));
            }
            d
        };
        let legal_date = date(&self.legal_date, "legal_date", &mut errors);
        let founded_on = date(&self.founded_on, "founded_on", &mut errors);
        let nib = opt(&self.nib).and_then(|s| {
            Nib::parse(&s)
                .map_err(|e| errors.push(FieldError::new("nib", e.msg())))
                .ok()
        });
        let npwp = opt(&self.npwp).and_then(|s| {
            Npwp::parse(&s)
                .map_err(|e| errors.push(FieldError::new("npwp", e.msg())))
                .ok()
        });
        let phone = opt(&self.phone).and_then(|s| {
            Phone::parse(&s)
                .map_err(|e| errors.push(FieldError::new("phone", e.msg())))
                .ok()
        });
        let email = opt(&self.email).and_then(|s| {
            Email::parse(&s)
                .map_err(|e| errors.push(FieldError::new("email", e.msg())))
                .ok()
        });
        let choose = |ok: bool, field: &str, errors: &mut Vec<FieldError>| {
            if !ok {
                errors.push(FieldError::new(
                    field,
                    Msg::new("Pilih salah satu.", "Choose one."),
                ));
            }
        };
        let kind = CoopKind::parse(&self.kind);
        choose(kind.is_some(), "kind", &mut errors);
        let pattern = CoopPattern::parse(&self.pattern);
        choose(pattern.is_some(), "pattern", &mut errors);
        let tier = CoopTier::parse(&self.tier);
        choose(tier.is_some(), "tier", &mut errors);
        let timezone = CoopTimeZone::parse(&self.timezone);
        choose(timezone.is_some(), "timezone", &mut errors);
        let region = RegionCode::parse_at(&self.region.consistent().desa, RegionLevel::Village)
            .map_err(|_| {
                errors.push(FieldError::new(
                    "region_code",
                    Msg::new(
                        "Pilih alamat sampai desa/kelurahan.",
                        "Choose the address down to the village.",
                    ),
                ))
            })
            .ok();
        match (
            code,
            name,
            legal_number,
            address,
            kind,
            pattern,
            tier,
            timezone,
            region,
        ) {
            (
                Some(code),
                Some(name),
                Some(legal_number),
                Some(address),
                Some(kind),
                Some(pattern),
                Some(tier),
                Some(timezone),
                Some(region),
            ) if errors.is_empty() => Ok(CoopData {
                code,
                name,
                legal_number: opt(&legal_number),
                legal_date,
                nib: nib.map(|x| x.as_str().to_string()),
                npwp: npwp.map(|x| x.as_str().to_string()),
                kind,
                pattern,
                tier,
                is_pesantren: self.is_pesantren.is_some(),
                address,
                region,
                phone: phone.map(|x| x.as_str().to_string()),
                email: email.map(|x| x.as_str().to_string()),
                founded_on,
                timezone,
            }),
            _ => Err(errors),
        }
    }
}

/// Options of the coop form's selects.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct CoopChoices {
    pub kinds: Vec<Choice>,
    pub patterns: Vec<Choice>,
    pub tiers: Vec<Choice>,
    pub timezones: Vec<Choice>,
}

pub fn choices(lang: Lang) -> CoopChoices {
    CoopChoices {
        kinds: CoopKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(lang),
            })
            .collect(),
        patterns: CoopPattern::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(lang),
            })
            .collect(),
        tiers: CoopTier::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(lang),
            })
            .collect(),
        timezones: CoopTimeZone::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(lang),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "coop/form.html")]
pub struct CoopFormPage {
    pub p: Page,
    pub action: String,
    pub f: CoopFields,
    pub c: CoopChoices,
    pub region: RegionSelect,
    pub region_error: Option<String>,
    pub errors: BTreeMap<String, String>,
    pub general: Option<String>,
}

pub fn coop_form_page(
    p: Page,
    action: String,
    f: CoopFields,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> CoopFormPage {
    let lang = p.lang;
    let errors = field_messages(errors, lang);
    CoopFormPage {
        c: choices(lang),
        region: f.region.select(),
        region_error: errors.get("region_code").cloned(),
        errors,
        general: general.map(|m| m.get(lang).to_string()),
        action,
        f,
        p,
    }
}

fn edit_page(
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: CoopFields,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> CoopFormPage {
    let action = format!("/k/{}/profil/ubah", coop.id);
    let p = Page::new(caller, "profile-edit-title")
        .in_coop(coop, access, "profile")
        .at(&action);
    coop_form_page(p, action, f, errors, general)
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    Ok(render(&edit_page(
        &caller,
        &coop,
        &access,
        CoopFields::of(&coop),
        &[],
        None,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<CoopFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    if !f.refresh.is_empty() {
        return Ok(render(&edit_page(&caller, &coop, &access, f, &[], None)));
    }
    let data = match f.validate() {
        Ok(d) => d,
        Err(errors) => {
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page(&caller, &coop, &access, f, &errors, None),
            ));
        }
    };
    match state
        .store
        .tenant(coop.id)
        .update_koperasi(&caller.actor(), &data)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/k/{kid}/profil?ok=coop-updated")).into_response()),
        Err(guyub_store::StoreError::Conflict(m)) => Ok(render_status(
            StatusCode::CONFLICT,
            &edit_page(
                &caller,
                &coop,
                &access,
                f,
                &[FieldError::new("code", m)],
                None,
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The bylaws form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BylawsFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub simpanan_pokok: String,
    #[serde(default)]
    pub simpanan_wajib_monthly: String,
    #[serde(default)]
    pub fiscal_year_start_month: String,
    #[serde(default)]
    pub cadangan: String,
    #[serde(default)]
    pub jasa_modal: String,
    #[serde(default)]
    pub jasa_usaha: String,
    #[serde(default)]
    pub pengurus: String,
    #[serde(default)]
    pub karyawan: String,
    #[serde(default)]
    pub pendidikan: String,
    #[serde(default)]
    pub sosial: String,
    #[serde(default)]
    pub pembangunan_daerah: String,
    #[serde(default)]
    pub quorum_numerator: String,
    #[serde(default)]
    pub quorum_denominator: String,
    #[serde(default)]
    pub quorum_strictly_greater: Option<String>,
    #[serde(default)]
    pub quorum_counts_proxies: Option<String>,
    #[serde(default)]
    pub member_number_format: String,
}

impl BylawsFields {
    pub fn input(&self) -> BylawsInput {
        BylawsInput {
            simpanan_pokok: self.simpanan_pokok.clone(),
            simpanan_wajib_monthly: self.simpanan_wajib_monthly.clone(),
            fiscal_year_start_month: self.fiscal_year_start_month.clone(),
            cadangan: self.cadangan.clone(),
            jasa_modal: self.jasa_modal.clone(),
            jasa_usaha: self.jasa_usaha.clone(),
            pengurus: self.pengurus.clone(),
            karyawan: self.karyawan.clone(),
            pendidikan: self.pendidikan.clone(),
            sosial: self.sosial.clone(),
            pembangunan_daerah: self.pembangunan_daerah.clone(),
            quorum_numerator: self.quorum_numerator.clone(),
            quorum_denominator: self.quorum_denominator.clone(),
            quorum_strictly_greater: self.quorum_strictly_greater.is_some(),
            quorum_counts_proxies: self.quorum_counts_proxies.is_some(),
            member_number_format: self.member_number_format.clone(),
        }
    }

    pub fn of(year: i32, b: &guyub_core::coop::Bylaws) -> BylawsFields {
        let a = &b.allocation;
        let pct =
            |x: guyub_core::percent::BasisPoints| x.to_string().trim_end_matches('%').to_string();
        BylawsFields {
            year: year.to_string(),
            simpanan_pokok: guyub_core::money::format_number(b.simpanan_pokok.0),
            simpanan_wajib_monthly: guyub_core::money::format_number(b.simpanan_wajib_monthly.0),
            fiscal_year_start_month: b.fiscal_year_start_month.to_string(),
            cadangan: pct(a.cadangan),
            jasa_modal: pct(a.jasa_modal),
            jasa_usaha: pct(a.jasa_usaha),
            pengurus: pct(a.pengurus),
            karyawan: pct(a.karyawan),
            pendidikan: pct(a.pendidikan),
            sosial: pct(a.sosial),
            pembangunan_daerah: pct(a.pembangunan_daerah),
            quorum_numerator: b.quorum.numerator.to_string(),
            quorum_denominator: b.quorum.denominator.to_string(),
            quorum_strictly_greater: b.quorum.strictly_greater.then(|| "on".into()),
            quorum_counts_proxies: b.quorum.counts_proxies.then(|| "on".into()),
            member_number_format: b.member_number_format.as_str().to_string(),
            ..Default::default()
        }
    }

    pub fn value(&self, field: &str) -> &str {
        match field {
            "cadangan" => &self.cadangan,
            "jasa_modal" => &self.jasa_modal,
            "jasa_usaha" => &self.jasa_usaha,
            "pengurus" => &self.pengurus,
            "karyawan" => &self.karyawan,
            "pendidikan" => &self.pendidikan,
            "sosial" => &self.sosial,
            "pembangunan_daerah" => &self.pembangunan_daerah,
            _ => "",
        }
    }
}

#[derive(Template)]
#[template(path = "coop/bylaws_form.html")]
struct BylawsFormPage {
    p: Page,
    action: String,
    f: BylawsFields,
    buckets: Vec<(String, &'static str)>,
    months: Vec<(u8, &'static str)>,
    errors: BTreeMap<String, String>,
}

fn bylaws_page(
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: BylawsFields,
    errors: &[FieldError],
) -> BylawsFormPage {
    let lang = caller.lang;
    let action = format!("/k/{}/adart/ubah", coop.id);
    BylawsFormPage {
        p: Page::new(caller, "bylaws-edit-title")
            .in_coop(coop, access, "profile")
            .at(&action),
        action,
        f,
        buckets: ShuAllocation::BUCKETS
            .iter()
            .map(|(f, id, en)| (f.to_string(), if lang == Lang::Id { *id } else { *en }))
            .collect(),
        months: (1..=12).map(|m| (m, fmt_id::month_name(m, lang))).collect(),
        errors: field_messages(errors, lang),
    }
}

pub async fn bylaws_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    let year = today_in(&coop).year();
    let (_, b) = state.store.tenant(coop.id).bylaws(year).await?;
    Ok(render(&bylaws_page(
        &caller,
        &coop,
        &access,
        BylawsFields::of(year, &b),
        &[],
    )))
}

pub async fn bylaws_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<BylawsFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteCoop).await?;
    caller.check_csrf(&f.csrf)?;
    let this_year = today_in(&coop).year();
    let year = match f.year.trim().parse::<i32>() {
        Ok(y) if (1900..=this_year + 1).contains(&y) => Ok(y),
        _ => Err(FieldError::new(
            "year",
            Msg::new(
                format!("Tahun berlaku harus antara 1900 dan {}.", this_year + 1),
                format!(
                    "The effective year must be between 1900 and {}.",
                    this_year + 1
                ),
            ),
        )),
    };
    let bylaws = validate_bylaws(&f.input());
    let (year, bylaws) = match (year, bylaws) {
        (Ok(y), Ok(b)) => (y, b),
        (y, b) => {
            let mut errors = b.err().unwrap_or_default();
            errors.extend(y.err());
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &bylaws_page(&caller, &coop, &access, f, &errors),
            ));
        }
    };
    state
        .store
        .tenant(coop.id)
        .set_bylaws(&caller.actor(), year, &bylaws)
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/profil?ok=bylaws-updated")).into_response())
}

#[derive(Template)]
#[template(path = "coop/add_member_coop.html")]
struct AddMemberCoopPage {
    p: Page,
    kid: String,
    error: Option<String>,
    today: String,
}

/// A secondary coop adds a coop as its member (chosen from the registry).
pub async fn add_member_coop_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    if coop.tier() != CoopTier::Secondary {
        return Err(WebError::BadRequest(Msg::new(
            "Hanya koperasi sekunder yang beranggotakan koperasi.",
            "Only a secondary coop has coops as members.",
        )));
    }
    Ok(render(&AddMemberCoopPage {
        p: Page::new(&caller, "member-coop-add-title")
            .in_coop(&coop, &access, "members")
            .at(&format!("/k/{kid}/anggota-koperasi/tambah")),
        kid,
        error: None,
        today: today_in(&coop).to_string(),
    }))
}

#[derive(Deserialize)]
pub struct AddMemberCoopForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    koperasi: String,
    #[serde(default)]
    joined_on: String,
}

pub async fn add_member_coop(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<AddMemberCoopForm>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::WriteMembers).await?;
    caller.check_csrf(&f.csrf)?;
    if coop.tier() != CoopTier::Secondary {
        return Err(WebError::BadRequest(Msg::new(
            "Hanya koperasi sekunder yang beranggotakan koperasi.",
            "Only a secondary coop has coops as members.",
        )));
    }
    // The member coop is typed by its code (or given by id, from the API or a link).
    let typed = f.koperasi.trim();
    let found = match KoperasiId::parse(typed) {
        Some(id) => state.store.koperasi(id).await,
        None => state.store.koperasi_by_code(&typed.to_uppercase()).await,
    };
    let other = match found {
        Ok(k) if k.id != coop.id => k,
        Ok(_) | Err(guyub_store::StoreError::NotFound) => {
            return Err(WebError::BadRequest(Msg::new(
                format!("Tidak ada koperasi lain dengan kode {typed}."),
                format!("There is no other coop with code {typed}."),
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let joined_on = if f.joined_on.trim().is_empty() {
        Some(today_in(&coop))
    } else {
        parse_date(&f.joined_on)
    }
    .filter(|d| *d <= today_in(&coop))
    .ok_or_else(|| {
        WebError::BadRequest(Msg::new(
            "Tanggal bergabung tidak valid.",
            "Invalid joining date.",
        ))
    })?;
    let m = state
        .store
        .tenant(coop.id)
        .add_member_coop(
            &caller.actor(),
            &MemberCoop {
                koperasi_id: other.id,
                name: other.data.name.clone(),
                address: other.data.address.clone(),
                region_code: other.data.region_code.clone(),
                joined_on,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/k/{kid}/anggota/{}?ok=member-created", m.id)).into_response())
}
