//! Identity: users, their roles (grants), cookie sessions and API tokens.
//!
//! Secrets never reach the database in the clear: passwords are Argon2id PHC strings made by
//! the web layer, session cookies and API tokens are stored as SHA-256 hex digests.

use guyub_core::Msg;
use guyub_core::identity::Role;
use guyub_core::ids::{GrantId, KoperasiId, MemberId, TokenId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Action, diff, platform};
use crate::{Actor, Store, StoreError, StoreResult, now, on_db, on_tx};

/// SHA-256 hex of a secret (session id, API token).
pub fn secret_hash(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn email_taken(email: &str) -> StoreError {
    StoreError::Conflict(Msg::new(
        format!("E-mail {email} sudah dipakai pengguna lain."),
        format!("The e-mail {email} is already used by another user."),
    ))
}

/// A user as needed to sign in.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// A live token's user, with when the token was last used.
#[derive(sqlx::FromRow)]
struct TokenUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    last_used_at: Option<OffsetDateTime>,
    grant_id: Option<Uuid>,
    grant_role: Option<String>,
    grant_koperasi_id: Option<Uuid>,
    grant_koperasi_name: Option<String>,
    grant_region_code: Option<String>,
    grant_member_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    password_hash: String,
    must_change_password: bool,
    disabled: bool,
}

impl From<UserRow> for UserAuth {
    fn from(r: UserRow) -> Self {
        UserAuth {
            id: UserId(r.id),
            email: r.email,
            name: r.name,
            password_hash: r.password_hash,
            must_change_password: r.must_change_password,
            disabled: r.disabled,
        }
    }
}

/// A role a user holds. `koperasi_id` is set for coop roles, `region_code` for dinas,
/// `member_id` for anggota (the member record they are).
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub role: Role,
    pub koperasi_id: Option<KoperasiId>,
    pub koperasi_name: Option<String>,
    pub region_code: Option<String>,
    pub member_id: Option<MemberId>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    user_id: Uuid,
    role: String,
    koperasi_id: Option<Uuid>,
    koperasi_name: Option<String>,
    region_code: Option<String>,
    member_id: Option<Uuid>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> StoreResult<Grant> {
        Ok(Grant {
            id: GrantId(r.id),
            user_id: UserId(r.user_id),
            role: Role::parse(&r.role).ok_or_else(|| StoreError::corrupt(&r.role))?,
            koperasi_id: r.koperasi_id.map(KoperasiId),
            koperasi_name: r.koperasi_name,
            region_code: r.region_code,
            member_id: r.member_id.map(MemberId),
        })
    }
}

const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.role, g.koperasi_id, k.name AS koperasi_name, g.region_code, g.member_id
     FROM role_grant g LEFT JOIN koperasi k ON k.id = g.koperasi_id";

/// A user and one of their grants (none when they hold no role), as the admin page's one
/// query returns them.
type UserGrantRow = (
    Uuid,
    String,
    String,
    bool,
    Option<Uuid>,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
);

/// A user with their roles, for the admin page.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    pub grants: Vec<Grant>,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub active_grant: Option<GrantId>,
    pub csrf_token: String,
    pub expires_unix: i64,
}

/// A token as listed (never the secret itself).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    pub prefix: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

/// A new grant.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub role: Role,
    pub koperasi_id: Option<KoperasiId>,
    pub region_code: Option<String>,
    pub member_id: Option<MemberId>,
}

impl Store {
    /// Creates a user. A taken e-mail is refused with a clear message.
    pub async fn create_user(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        password_hash: &str,
        must_change_password: bool,
    ) -> StoreResult<UserId> {
        let mut tx = self.db.begin_write().await?;
        let id = self
            .create_user_tx(
                &mut tx,
                actor,
                email,
                name,
                password_hash,
                must_change_password,
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`Store::create_user`] inside a caller's transaction.
    pub async fn create_user_tx(
        &self,
        tx: &mut crate::Tx<'_>,
        actor: &Actor,
        email: &str,
        name: &str,
        password_hash: &str,
        must_change_password: bool,
    ) -> StoreResult<UserId> {
        let taken: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar("SELECT id FROM app_user WHERE email = $1")
            .bind(email).fetch_optional(&mut **c).await)?;
        if taken.is_some() {
            return Err(email_taken(email));
        }
        let id = UserId::new();
        let t = now();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO app_user (id, email, name, password_hash, must_change_password, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(id.0).bind(email).bind(name).bind(password_hash).bind(must_change_password).bind(false).bind(t)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| crate::error::unique_as(e.into(), || email_taken(email)))?;
        let changes = diff([
            ("email", None, Some(email.to_string())),
            ("name", None, Some(name.to_string())),
        ]);
        audit::record(
            tx,
            platform(),
            actor,
            "user",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        Ok(id)
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserAuth>> {
        let row: Option<UserRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, email, name, password_hash, must_change_password, disabled FROM app_user WHERE email = $1")
            .bind(email).fetch_optional(p).await)?;
        Ok(row.map(UserAuth::from))
    }

    pub async fn user(&self, id: UserId) -> StoreResult<UserAuth> {
        let row: Option<UserRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, email, name, password_hash, must_change_password, disabled FROM app_user WHERE id = $1")
            .bind(id.0).fetch_optional(p).await)?;
        row.map(UserAuth::from).ok_or(StoreError::NotFound)
    }

    /// Sets a new password hash. Signs the user out everywhere else: a password reset must
    /// lock out whoever knew the old one.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user: UserId,
        hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE app_user SET password_hash = $2, must_change_password = $3, updated_at = $4 WHERE id = $1")
            .bind(user.0).bind(hash).bind(must_change).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let keep = keep_session.map(secret_hash).unwrap_or_default();
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM web_session WHERE user_id = $1 AND id_hash <> $2")
            .bind(user.0).bind(keep).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([(
            "password",
            Some("***".to_string()),
            Some("*** (baru)".to_string()),
        )]);
        audit::record(
            &mut tx,
            platform(),
            actor,
            "user",
            &user.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(())
    }

    /// Disables or enables a user; disabling ends their sessions and tokens stop working.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user: UserId,
        disabled: bool,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET disabled = $2, updated_at = $3 WHERE id = $1")
            .bind(user.0).bind(disabled).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            on_tx!(&mut tx, c => sqlx::query("DELETE FROM web_session WHERE user_id = $1")
                .bind(user.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        let changes = diff([(
            "disabled",
            Some((!disabled).to_string()),
            Some(disabled.to_string()),
        )]);
        audit::record(
            &mut tx,
            platform(),
            actor,
            "user",
            &user.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(())
    }

    /// All users with their grants (platform admin).
    pub async fn list_users(&self) -> StoreResult<Vec<UserSummary>> {
        Ok(self.search_users("", u32::MAX, 0).await?.0)
    }

    /// Users whose e-mail or name contains `q` (case-insensitive), by e-mail, one page at a
    /// time, with their grants. The bool says whether a next page exists.
    pub async fn search_users(
        &self,
        q: &str,
        limit: u32,
        offset: u32,
    ) -> StoreResult<(Vec<UserSummary>, bool)> {
        let pattern = format!(
            "%{}%",
            q.trim().to_lowercase().replace(['%', '_', '\\'], "")
        );
        let limit = i64::from(limit.min(10_000));
        // One query for the page: the page of users (one more, to know whether a next page
        // exists) joined to their grants, instead of one grants query per user.
        let rows: Vec<UserGrantRow> = on_db!(&self.db, p => sqlx::query_as(
            "WITH page AS (
                SELECT id, email, name, disabled FROM app_user
                WHERE email LIKE $1 OR LOWER(name) LIKE $1 ORDER BY email LIMIT $2 OFFSET $3)
             SELECT u.id, u.email, u.name, u.disabled, g.id, g.role, g.koperasi_id, k.name, g.region_code, g.member_id
             FROM page u
             LEFT JOIN role_grant g ON g.user_id = u.id
             LEFT JOIN koperasi k ON k.id = g.koperasi_id
             ORDER BY u.email, CASE WHEN k.name IS NULL THEN 0 ELSE 1 END, k.name, g.role, g.id")
            .bind(&pattern).bind(limit + 1).bind(i64::from(offset)).fetch_all(p).await)?;
        let mut out: Vec<UserSummary> = Vec::new();
        for (
            id,
            email,
            name,
            disabled,
            grant_id,
            role,
            koperasi_id,
            koperasi_name,
            region_code,
            member_id,
        ) in rows
        {
            let id = UserId(id);
            if out.last().is_none_or(|u| u.id != id) {
                out.push(UserSummary {
                    id,
                    email,
                    name,
                    disabled,
                    grants: vec![],
                });
            }
            let (Some(grant_id), Some(role)) = (grant_id, role) else {
                continue;
            };
            let grant = Grant::try_from(GrantRow {
                id: grant_id,
                user_id: id.0,
                role,
                koperasi_id,
                koperasi_name,
                region_code,
                member_id,
            })?;
            if let Some(u) = out.last_mut() {
                u.grants.push(grant);
            }
        }
        let has_more = out.len() as i64 > limit;
        out.truncate(limit as usize);
        Ok((out, has_more))
    }

    /// The users holding a role in one coop (for the coop's own people page).
    pub async fn grants_in_koperasi(
        &self,
        k: KoperasiId,
    ) -> StoreResult<Vec<(Grant, String, String)>> {
        // One query: the grants with their users' e-mail and name (no lookup per grant).
        let rows: Vec<(
            Uuid,
            Uuid,
            String,
            Option<Uuid>,
            Option<String>,
            Option<String>,
            Option<Uuid>,
            String,
            String,
        )> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT g.id, g.user_id, g.role, g.koperasi_id, k.name, g.region_code, g.member_id, u.email, u.name
                 FROM role_grant g JOIN app_user u ON u.id = g.user_id LEFT JOIN koperasi k ON k.id = g.koperasi_id
                 WHERE g.koperasi_id = $1 ORDER BY g.role, g.created_at")
                .bind(k.0).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, user_id, role, koperasi_id, koperasi_name, region_code, member_id, email, name) in
            rows
        {
            let g = Grant::try_from(GrantRow {
                id,
                user_id,
                role,
                koperasi_id,
                koperasi_name,
                region_code,
                member_id,
            })?;
            out.push((g, email, name));
        }
        Ok(out)
    }

    /// Gives a user a role. The same role twice in the same place is refused.
    pub async fn grant_role(
        &self,
        actor: &Actor,
        user: UserId,
        g: &NewGrant,
    ) -> StoreResult<GrantId> {
        let mut tx = self.db.begin_write().await?;
        let id = self.grant_role_tx(&mut tx, actor, user, g).await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(id)
    }

    /// [`Store::grant_role`] inside a caller's transaction.
    pub async fn grant_role_tx(
        &self,
        tx: &mut crate::Tx<'_>,
        actor: &Actor,
        user: UserId,
        g: &NewGrant,
    ) -> StoreResult<GrantId> {
        let dup: Option<Uuid> = on_tx!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM role_grant WHERE user_id = $1 AND role = $2
               AND (koperasi_id = $3 OR ($3 IS NULL AND koperasi_id IS NULL))
               AND (region_code = $4 OR ($4 IS NULL AND region_code IS NULL))")
            .bind(user.0).bind(g.role.as_str()).bind(g.koperasi_id.map(|k| k.0)).bind(g.region_code.as_deref())
            .fetch_optional(&mut **c).await)?;
        if dup.is_some() {
            return Err(StoreError::Conflict(Msg::new(
                "Pengguna ini sudah memegang peran tersebut.",
                "This user already holds that role.",
            )));
        }
        let id = GrantId::new();
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO role_grant (id, user_id, role, koperasi_id, region_code, member_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.0).bind(user.0).bind(g.role.as_str()).bind(g.koperasi_id.map(|k| k.0))
            .bind(g.region_code.as_deref()).bind(g.member_id.map(|m| m.0)).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let scope = g
            .koperasi_id
            .map(|k| k.to_string())
            .or_else(|| g.region_code.clone());
        let changes = diff([
            ("role", None, Some(g.role.as_str().to_string())),
            ("scope", None, scope),
        ]);
        let k = g.koperasi_id.unwrap_or_else(platform);
        audit::record(
            tx,
            k,
            actor,
            "role_grant",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        Ok(id)
    }

    /// Takes a role away; the user's sessions that had it active fall back to no role.
    pub async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> StoreResult<()> {
        let g = self.grant(id).await?;
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE web_session SET active_grant = NULL WHERE active_grant = $1")
            .bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM role_grant WHERE id = $1").bind(id.0).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([("role", Some(g.role.as_str().to_string()), None)]);
        let k = g.koperasi_id.unwrap_or_else(platform);
        audit::record(
            &mut tx,
            k,
            actor,
            "role_grant",
            &id.to_string(),
            Action::Delete,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(())
    }

    pub async fn grant(&self, id: GrantId) -> StoreResult<Grant> {
        let sql = format!("{GRANT_SELECT} WHERE g.id = $1");
        let row: Option<GrantRow> = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id.0).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Every role a user holds, coop roles sorted by coop name.
    pub async fn grants_of(&self, user: UserId) -> StoreResult<Vec<Grant>> {
        let sql = format!(
            "{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY CASE WHEN k.name IS NULL THEN 0 ELSE 1 END, k.name, g.role"
        );
        let rows: Vec<GrantRow> = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(user.0).fetch_all(p).await)?;
        rows.into_iter().map(Grant::try_from).collect()
    }

    // --- sessions -------------------------------------------------------------------------

    pub async fn create_session(
        &self,
        secret: &str,
        user: UserId,
        grant: Option<GrantId>,
        csrf: &str,
        expires_unix: i64,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO web_session (id_hash, user_id, active_grant, csrf_token, created_at, expires_unix)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(secret_hash(secret)).bind(user.0).bind(grant.map(|g| g.0)).bind(csrf).bind(now()).bind(expires_unix)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session for a cookie secret, if any (expired ones are not returned).
    pub async fn session(&self, secret: &str, now_unix: i64) -> StoreResult<Option<SessionRecord>> {
        let row: Option<(Uuid, Option<Uuid>, String, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT s.user_id, s.active_grant, s.csrf_token, s.expires_unix FROM web_session s
             JOIN app_user u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_unix > $2 AND u.disabled = $3")
            .bind(secret_hash(secret)).bind(now_unix).bind(false).fetch_optional(p).await)?;
        Ok(row.map(|(u, g, c, e)| SessionRecord {
            user_id: UserId(u),
            active_grant: g.map(GrantId),
            csrf_token: c,
            expires_unix: e,
        }))
    }

    /// Slides the session's expiry forward (inactivity timeout).
    pub async fn touch_session(&self, secret: &str, expires_unix: i64) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE web_session SET expires_unix = $2 WHERE id_hash = $1")
            .bind(secret_hash(secret)).bind(expires_unix).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_session_grant(&self, secret: &str, grant: Option<GrantId>) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE web_session SET active_grant = $2 WHERE id_hash = $1")
            .bind(secret_hash(secret)).bind(grant.map(|g| g.0)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_session(&self, secret: &str) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM web_session WHERE id_hash = $1")
            .bind(secret_hash(secret)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM web_session WHERE expires_unix <= $1")
            .bind(now_unix).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n)
    }

    // --- API tokens -----------------------------------------------------------------------

    /// Stores a new token's hash; the secret is shown to the user once by the caller.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user: UserId,
        name: &str,
        secret: &str,
    ) -> StoreResult<TokenId> {
        let id = TokenId::new();
        let prefix: String = secret.chars().take(12).collect();
        let mut tx = self.db.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.0).bind(user.0).bind(name).bind(secret_hash(secret)).bind(&prefix).bind(now())
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        let changes = diff([
            ("name", None, Some(name.to_string())),
            ("prefix", None, Some(prefix)),
        ]);
        audit::record(
            &mut tx,
            platform(),
            actor,
            "api_token",
            &id.to_string(),
            Action::Create,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The user a live (not revoked, user not disabled) token belongs to, with their grants
    /// (ordered like [`Store::grants_of`]): one statement for every API call's sign-in.
    /// Records when the token was last used, at most once an hour (a write on every API call
    /// would cost more than the call).
    ///
    /// A sign-in read less than [`crate::recent::FRESH_FOR`] ago is used again (see
    /// [`crate::recent`]: changes made through this process apply at once).
    pub async fn token_user(&self, secret: &str) -> StoreResult<Option<(UserAuth, Vec<Grant>)>> {
        let hash = secret_hash(secret);
        if let Some(known) = self.recent.sign_in(&hash) {
            return Ok(Some((*known).clone()));
        }
        let read_at = std::time::Instant::now();
        let rows: Vec<TokenUserRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.password_hash, u.must_change_password, u.disabled, t.last_used_at,
                    g.id AS grant_id, g.role AS grant_role, g.koperasi_id AS grant_koperasi_id,
                    k.name AS grant_koperasi_name, g.region_code AS grant_region_code, g.member_id AS grant_member_id
             FROM api_token t JOIN app_user u ON u.id = t.user_id
             LEFT JOIN role_grant g ON g.user_id = u.id
             LEFT JOIN koperasi k ON k.id = g.koperasi_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = $2
             ORDER BY CASE WHEN k.name IS NULL THEN 0 ELSE 1 END, k.name, g.role")
            .bind(&hash).bind(false).fetch_all(p).await)?;
        let mut grants = Vec::with_capacity(rows.len());
        let mut first: Option<(UserRow, Option<OffsetDateTime>)> = None;
        for r in rows {
            if let (Some(id), Some(role)) = (r.grant_id, r.grant_role) {
                grants.push(Grant::try_from(GrantRow {
                    id,
                    user_id: r.user.id,
                    role,
                    koperasi_id: r.grant_koperasi_id,
                    koperasi_name: r.grant_koperasi_name,
                    region_code: r.grant_region_code,
                    member_id: r.grant_member_id,
                })?);
            }
            if first.is_none() {
                first = Some((r.user, r.last_used_at));
            }
        }
        let Some((user, last)) = first else {
            return Ok(None);
        };
        let t = now();
        if last.is_none_or(|l| t - l > time::Duration::hours(1)) {
            let mut tx = self.db.begin_write().await?;
            on_tx!(&mut tx, c => sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE token_hash = $1")
                .bind(&hash).bind(t).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            tx.commit().await?;
        }
        let known = (UserAuth::from(user), grants);
        self.recent
            .keep_sign_in(hash, read_at, std::sync::Arc::new(known.clone()));
        Ok(Some(known))
    }

    pub async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_token WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user.0).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| TokenInfo {
                id: TokenId(r.id),
                name: r.name,
                prefix: r.prefix,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                revoked_at: r.revoked_at,
            })
            .collect())
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_token(&self, actor: &Actor, user: UserId, id: TokenId) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE api_token SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(id.0).bind(user.0).bind(now()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let changes = diff([(
            "revoked",
            Some("false".to_string()),
            Some("true".to_string()),
        )]);
        audit::record(
            &mut tx,
            platform(),
            actor,
            "api_token",
            &id.to_string(),
            Action::Update,
            &changes,
        )
        .await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(())
    }
}

impl Store {
    /// Gives a member their own sign-in in one transaction: a new user (when `password_hash`
    /// is given; they must change the password at first sign-in) or the existing user with
    /// that e-mail, the anggota role in this coop tied to the member record, and the link
    /// from the member to the user.
    pub async fn give_member_login(
        &self,
        actor: &Actor,
        k: KoperasiId,
        member: MemberId,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
    ) -> StoreResult<UserId> {
        let mut tx = self.db.begin_write().await?;
        let user = match password_hash {
            Some(hash) => {
                self.create_user_tx(&mut tx, actor, email, name, hash, true)
                    .await?
            }
            None => {
                let id: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM app_user WHERE email = $1")
                    .bind(email).fetch_optional(&mut **c).await)?;
                UserId(id.ok_or(StoreError::NotFound)?)
            }
        };
        let grant = NewGrant {
            role: Role::Anggota,
            koperasi_id: Some(k),
            region_code: None,
            member_id: Some(member),
        };
        self.grant_role_tx(&mut tx, actor, user, &grant).await?;
        self.tenant(k)
            .link_member_user(&mut tx, actor, member, user)
            .await?;
        tx.commit().await?;
        self.recent.forget_sign_ins();
        Ok(user)
    }
}
