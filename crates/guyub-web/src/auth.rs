//! Who is calling, and what they may do.
//!
//! [`Caller`] is extracted from a session cookie (people) or an `Authorization: Bearer`
//! token (programs). Access to a coop is decided in one place, [`Caller::access`], from the
//! caller's grants: the role they hold in that coop, platform admin, or dinas whose region
//! contains the coop. Handlers then ask [`Access::allows`] for a capability.

use std::net::{IpAddr, SocketAddr};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use guyub_core::identity::Role;
use guyub_core::ids::{GrantId, KoperasiId, MemberId, UserId};
use guyub_core::region::RegionCode;
use guyub_core::{Lang, Msg};
use guyub_store::identity::{Grant, UserAuth};
use guyub_store::{Actor, coop::Koperasi};

use crate::error::WebError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "guyub_session";

/// A random secret, URL-safe base64 of 32 bytes.
pub fn random_secret() -> Result<String, WebError> {
    use base64::Engine;
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Argon2id PHC string of a password.
pub fn hash_password(pw: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(pw.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// Checks a password against a PHC string; any parse problem counts as a mismatch.
pub fn verify_password(pw: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session: the cookie's secret, and the per-session CSRF token that every
    /// state-changing form must echo.
    Session {
        secret: String,
        csrf: String,
        active_grant: Option<GrantId>,
    },
    /// A personal API token (no CSRF: a cross-site page cannot read or send it).
    Token,
}

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserAuth,
    pub grants: Vec<Grant>,
    pub credential: Credential,
    pub lang: Lang,
    pub ip: IpAddr,
}

/// What a caller may do in one coop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    /// For anggota: the member record they are.
    pub member_id: Option<MemberId>,
}

/// The capabilities handlers ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The coop's dashboard and profile (aggregates only).
    SeeCoop,
    /// The member register (names, numbers, masked NIKs).
    ReadMembers,
    /// Register, edit, stop members; import.
    WriteMembers,
    /// Change the coop's profile and bylaws.
    WriteCoop,
    /// Browse the audit log.
    ReadAudit,
    /// Take payments and pay out savings at the counter.
    Cashier,
    /// Read the books: accounts, journal, trial balance, general ledger.
    ReadBooks,
    /// See payment requests, imported statements and settlements (the pengawas too).
    ReadPayments,
    /// Post manual journal entries, edit the chart of accounts, close a year.
    WriteBooks,
    /// Run the coop's marketplace: its settings, sellers, and every seller's products.
    ManageMarket,
}

impl Access {
    /// The one table of who may do what inside a coop.
    pub fn allows(&self, need: Need) -> bool {
        use Role::*;
        match need {
            Need::SeeCoop => matches!(self.role, Admin | Dinas | Pengurus | Pengawas | Kasir),
            Need::ReadMembers => matches!(self.role, Admin | Pengurus | Pengawas | Kasir),
            Need::WriteMembers | Need::WriteCoop => matches!(self.role, Admin | Pengurus),
            Need::ReadAudit => matches!(self.role, Admin | Pengurus | Pengawas),
            Need::Cashier => matches!(self.role, Admin | Pengurus | Kasir),
            Need::ReadBooks => matches!(self.role, Admin | Pengurus | Pengawas),
            Need::ReadPayments => matches!(self.role, Admin | Pengurus | Pengawas | Kasir),
            Need::WriteBooks => matches!(self.role, Admin | Pengurus),
            Need::ManageMarket => matches!(self.role, Admin | Pengurus),
        }
    }

    /// Whether whole NIKs may be shown (everyone else sees them masked).
    pub fn sees_full_nik(&self, member: Option<MemberId>) -> bool {
        matches!(self.role, Role::Admin | Role::Pengurus)
            || (member.is_some() && member == self.member_id)
    }

    /// Whether this caller may open this member's page.
    pub fn may_open_member(&self, member: MemberId) -> bool {
        self.allows(Need::ReadMembers) || self.member_id == Some(member)
    }
}

fn rank(r: Role) -> u8 {
    match r {
        Role::Admin => 0,
        Role::Pengurus => 1,
        Role::Pengawas => 2,
        Role::Kasir => 3,
        Role::Dinas => 4,
        Role::Anggota => 5,
        Role::Curator => 6,
    }
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: format!("{} <{}>", self.user.name, self.user.email),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    /// The dinas regions this caller oversees.
    pub fn dinas_regions(&self) -> Vec<RegionCode> {
        self.grants
            .iter()
            .filter(|g| g.role == Role::Dinas)
            .filter_map(|g| {
                g.region_code
                    .as_deref()
                    .and_then(|c| RegionCode::parse(c).ok())
            })
            .collect()
    }

    /// The caller's strongest standing in `coop`, or `None` if they have none there.
    pub fn access(&self, coop: &Koperasi) -> Option<Access> {
        if self.is_admin() {
            return Some(Access {
                role: Role::Admin,
                member_id: None,
            });
        }
        let mut best: Option<Access> = None;
        for g in &self.grants {
            let a = if g.koperasi_id == Some(coop.id) && g.role.is_coop_role() {
                Some(Access {
                    role: g.role,
                    member_id: g.member_id,
                })
            } else if g.role == Role::Dinas {
                let within = g
                    .region_code
                    .as_deref()
                    .and_then(|c| RegionCode::parse(c).ok())
                    .zip(RegionCode::parse(&coop.data.region_code).ok())
                    .is_some_and(|(region, at)| at.is_within(&region));
                within.then_some(Access {
                    role: Role::Dinas,
                    member_id: None,
                })
            } else {
                None
            };
            if let Some(a) = a {
                if best.is_none_or(|b| rank(a.role) < rank(b.role)) {
                    best = Some(a);
                }
            }
        }
        best
    }

    /// Checks the per-form CSRF token of a session caller (token callers have none to check).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        match &self.credential {
            Credential::Token => Ok(()),
            Credential::Session { csrf, .. } => {
                if constant_time_eq(csrf.as_bytes(), submitted.as_bytes()) {
                    Ok(())
                } else {
                    Err(WebError::bad_csrf())
                }
            }
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::Token => "",
        }
    }

    pub fn session_secret(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { secret, .. } => Some(secret),
            Credential::Token => None,
        }
    }

    /// The grant the session has chosen in the coop switcher, if still held.
    pub fn active_grant(&self) -> Option<&Grant> {
        match &self.credential {
            Credential::Session {
                active_grant: Some(id),
                ..
            } => self.grants.iter().find(|g| g.id == *id),
            _ => None,
        }
    }

    /// The coops this caller holds a role in (for the switcher), strongest role first.
    pub fn coop_grants(&self) -> Vec<&Grant> {
        let mut v: Vec<&Grant> = self
            .grants
            .iter()
            .filter(|g| g.koperasi_id.is_some())
            .collect();
        v.sort_by_key(|g| (g.koperasi_name.clone(), rank(g.role)));
        v
    }

    pub fn user_id(&self) -> UserId {
        self.user.id
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when the
/// operator said a proxy that overwrites it stands in front (`--trust-proxy`).
pub fn client_ip(
    parts_ext: &axum::http::Extensions,
    headers: &HeaderMap,
    trust_proxy: bool,
) -> IpAddr {
    if trust_proxy {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
    }
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let lang = crate::i18n::lang_of(&parts.headers, parts.uri.query());
        let ip = client_ip(&parts.extensions, &parts.headers, state.cfg.trust_proxy);
        let store = &state.store;
        let (user_id, credential, known) = if let Some(token) = bearer(&parts.headers) {
            let (user, grants) = store
                .token_user(token)
                .await?
                .ok_or(WebError::Unauthenticated)?;
            (user.id, Credential::Token, Some((user, grants)))
        } else {
            let secret = crate::i18n::cookie(&parts.headers, SESSION_COOKIE)
                .ok_or(WebError::Unauthenticated)?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let s = store
                .session(&secret, now)
                .await?
                .ok_or(WebError::Unauthenticated)?;
            // Slide the inactivity expiry at most once an hour, not on every request.
            let fresh = now + state.cfg.session_seconds;
            if fresh - s.expires_unix > 3600 {
                store.touch_session(&secret, fresh).await?;
            }
            (
                s.user_id,
                Credential::Session {
                    secret,
                    csrf: s.csrf_token,
                    active_grant: s.active_grant,
                },
                None,
            )
        };
        let (user, grants) = match known {
            Some(known) => known,
            None => (store.user(user_id).await?, store.grants_of(user_id).await?),
        };
        if user.disabled {
            return Err(WebError::Unauthenticated);
        }
        let caller = Caller {
            user,
            grants,
            credential,
            lang,
            ip,
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// Resolves a coop id from a URL and checks the caller's right to `need` there.
pub async fn coop_access(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    need: Need,
) -> Result<(Koperasi, Access), WebError> {
    let id = KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    let coop = state.store.koperasi_recent(id).await?;
    let access = caller.access(&coop).ok_or_else(WebError::other_coop)?;
    if !access.allows(need) {
        return Err(WebError::forbidden());
    }
    Ok((coop, access))
}

/// Like [`coop_access`] for the member pages: anggota may open only their own record.
pub async fn member_access(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    mid: &str,
) -> Result<(Koperasi, Access, MemberId), WebError> {
    let id = KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    let coop = state.store.koperasi_recent(id).await?;
    let access = caller.access(&coop).ok_or_else(WebError::other_coop)?;
    let member = MemberId::parse(mid).ok_or(WebError::NotFound)?;
    if !access.may_open_member(member) {
        return Err(WebError::Forbidden(Msg::new(
            "Anda hanya dapat melihat data Anda sendiri.",
            "You can only see your own data.",
        )));
    }
    Ok((coop, access, member))
}

impl axum::extract::OptionalFromRequestParts<AppState> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Caller as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(c) => Ok(Some(c)),
            Err(WebError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
