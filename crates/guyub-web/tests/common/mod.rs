//! The world the HTTP tests run in: a fresh SQLite file per test, seeded through the store
//! API (two primary coops, their members, one user per role, API tokens), the whole router
//! driven in process with `tower::ServiceExt::oneshot`, and helpers to sign in, post forms
//! and multipart uploads, and prove that nothing was written.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::ids::{GrantId, ImportId, KoperasiId, TokenId, UserId};
use guyub_core::member::{Gender, MemberInput, ValidMember, validate_member};
use guyub_core::nik::nik_for;
use guyub_core::region::RegionCode;
use guyub_store::audit::AuditFilter;
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::member::{Member, MemberQuery};
use guyub_store::{Actor, Store};
use guyub_web::{AppState, WebConfig};
use time::{Date, Month};
use tower::ServiceExt;

/// Every seeded user's password.
pub const PASSWORD: &str = "kata-sandi-uji-2026";

/// The village of coop A (Kota Malang) and of coop B (Kabupaten Kediri).
pub const VILLAGE_A: &str = "35.73.05.1001";
pub const DISTRICT_A: &str = "35.73.05";
pub const VILLAGE_B: &str = "35.06.01.2001";
pub const DISTRICT_B: &str = "35.06.01";

/// One Argon2 hash for every seeded user (hashing is the slow part of seeding).
fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| guyub_web::auth::hash_password(PASSWORD).expect("hash"))
}

/// A unique SQLite file under the system temp dir, removed (with its WAL files) on drop.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    fn new() -> TempDb {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!(
            "guyub-web-test-{}-{}-{}.db",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            nanos
        );
        TempDb {
            path: std::env::temp_dir().join(name),
        }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A seeded user.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub id: UserId,
    pub email: String,
    pub grant: Option<GrantId>,
    /// A live personal API token (`Authorization: Bearer …`).
    pub token: String,
    pub token_id: TokenId,
}

/// A whole response, body read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                self.text().chars().take(500).collect::<String>()
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    /// The value of the session cookie set by this response, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.trim().strip_prefix("guyub_session="))
                .map(str::to_string)
        })
    }
}

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        format!("guyub_session={}", self.cookie)
    }
}

/// Who is calling.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    Nobody,
    Browser(&'a Session),
    Token(&'a str),
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Payload {
    None,
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
    Multipart(Vec<Part>),
    Raw(&'static str, Vec<u8>),
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn text(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            bytes: value.as_bytes().to_vec(),
        }
    }

    pub fn file(name: &str, file_name: &str, content_type: &str, bytes: Vec<u8>) -> Part {
        Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            bytes,
        }
    }
}

pub const BOUNDARY: &str = "----guyub-test-boundary-7MA4YWxkTrZu0gW";

pub fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match &p.file_name {
            Some(f) => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n", p.name).as_bytes(),
            ),
        }
        if let Some(ct) = &p.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Owned form fields from string pairs.
pub fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `<input name="_csrf" value="…">` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")?;
    let rest = &html[i + "name=\"_csrf\" value=\"".len()..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string()).filter(|s| !s.is_empty())
}

/// Every run of exactly 16 ASCII digits in a text (a whole NIK).
pub fn sixteen_digit_runs(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() == 16 {
                out.push(run.clone());
            }
            run.clear();
        }
    }
    out
}

/// Today in Western Indonesia Time (both seeded coops are in East Java).
pub fn today() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(CoopTimeZone::Wib.offset())
        .date()
}

pub fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).expect("month"), d).expect("date")
}

/// A valid NIK of `district` for that birth date.
pub fn nik(district: &str, birth: Date, gender: Gender, serial: u16) -> String {
    let d = RegionCode::parse(district).expect("district");
    nik_for(&d, birth, gender, serial)
        .expect("nik")
        .as_str()
        .to_string()
}

/// A member's data as the form or the API would type it.
pub fn member_input(
    nik: &str,
    name: &str,
    birth: Date,
    village: &str,
    occupation: &str,
) -> MemberInput {
    MemberInput {
        nik: nik.into(),
        name: name.into(),
        birth_place: "Malang".into(),
        birth_date: birth.to_string(),
        address: "Jl. Melati No. 5, RT 01/RW 02".into(),
        region_code: village.into(),
        phone: "0812-3456-7890".into(),
        occupation: occupation.into(),
        joined_on: "2021-03-01".into(),
    }
}

pub fn valid(input: &MemberInput) -> ValidMember {
    validate_member(input, today()).unwrap_or_else(|e| panic!("{input:?}: {e:?}"))
}

fn coop_data(code: &str, name: &str, village: &str) -> CoopData {
    CoopData {
        code: code.into(),
        name: name.into(),
        legal_number: Some("123/BH/XVI.5/2015".into()),
        legal_date: Some(date(2015, 3, 17)),
        nib: None,
        npwp: None,
        kind: CoopKind::SimpanPinjam,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. Soekarno Hatta No. 12".into(),
        region: RegionCode::parse(village).expect("village"),
        phone: None,
        email: None,
        founded_on: Some(date(2014, 11, 2)),
        timezone: CoopTimeZone::Wib,
    }
}

/// The seeded world.
pub struct World {
    pub db: TempDb,
    pub store: Store,
    pub state: AppState,
    pub app: Router,
    pub a: KoperasiId,
    pub b: KoperasiId,
    /// Members of coop A; `members_a[0]` is the one with an anggota sign-in.
    pub members_a: Vec<Member>,
    pub members_b: Vec<Member>,
    /// A previewed (not yet committed) import of coop A, one valid row.
    pub import_a: ImportId,
    pub admin: SeedUser,
    pub pengurus_a: SeedUser,
    pub pengawas_a: SeedUser,
    pub kasir_a: SeedUser,
    pub pengurus_b: SeedUser,
    pub dinas_malang: SeedUser,
    pub anggota_a: SeedUser,
}

static TOKEN_N: AtomicU64 = AtomicU64::new(0);

impl World {
    pub async fn new() -> World {
        World::with_config(WebConfig::default()).await
    }

    pub async fn with_config(cfg: WebConfig) -> World {
        let db = TempDb::new();
        let store = Store::open(&db.url(), 4).await.expect("open store");
        let actor = Actor::system("test seed");
        let year = today().year();
        let a = store
            .create_koperasi(
                &actor,
                &coop_data("KSPMLG", "KSP Arta Mandiri Malang", VILLAGE_A),
                &Bylaws::default(),
                year - 1,
            )
            .await
            .expect("coop A");
        let b = store
            .create_koperasi(
                &actor,
                &coop_data("KOPKDR", "Koperasi Sejahtera Kediri", VILLAGE_B),
                &Bylaws::default(),
                year - 1,
            )
            .await
            .expect("coop B");

        let mut members_a = vec![];
        for (i, (name, gender, birth)) in [
            ("Siti Rahayu", Gender::Female, date(1985, 3, 12)),
            ("Budi Santoso", Gender::Male, date(1979, 11, 2)),
            ("Dewi Lestari", Gender::Female, date(1992, 7, 23)),
        ]
        .into_iter()
        .enumerate()
        {
            let n = nik(DISTRICT_A, birth, gender, 100 + i as u16);
            let m = store
                .tenant(a)
                .create_member(
                    &actor,
                    &valid(&member_input(&n, name, birth, VILLAGE_A, "Pedagang")),
                )
                .await
                .expect("member A");
            members_a.push(m);
        }
        let mut members_b = vec![];
        for (i, (name, gender, birth)) in [
            ("Agus Salim", Gender::Male, date(1980, 1, 5)),
            ("Rina Wati", Gender::Female, date(1990, 12, 30)),
        ]
        .into_iter()
        .enumerate()
        {
            let n = nik(DISTRICT_B, birth, gender, 200 + i as u16);
            let m = store
                .tenant(b)
                .create_member(
                    &actor,
                    &valid(&member_input(&n, name, birth, VILLAGE_B, "Petani")),
                )
                .await
                .expect("member B");
            members_b.push(m);
        }

        let add = async |email: &str, name: &str, grant: Option<NewGrant>| -> SeedUser {
            let id = store
                .create_user(&actor, email, name, password_hash(), false)
                .await
                .expect("user");
            let grant = match grant {
                Some(g) => Some(store.grant_role(&actor, id, &g).await.expect("grant")),
                None => None,
            };
            let token = format!(
                "guyub_test{}x{}",
                TOKEN_N.fetch_add(1, Ordering::SeqCst),
                guyub_web::auth::random_secret().expect("secret")
            );
            let token_id = store
                .create_token(&actor, id, "tes", &token)
                .await
                .expect("token");
            SeedUser {
                id,
                email: email.into(),
                grant,
                token,
                token_id,
            }
        };
        let coop_grant = |role: Role, k: KoperasiId| NewGrant {
            role,
            koperasi_id: Some(k),
            region_code: None,
            member_id: None,
        };
        let admin = add(
            "admin@guyub.test",
            "Admin Guyub",
            Some(NewGrant {
                role: Role::Admin,
                koperasi_id: None,
                region_code: None,
                member_id: None,
            }),
        )
        .await;
        let pengurus_a = add(
            "pengurus.a@guyub.test",
            "Pengurus A",
            Some(coop_grant(Role::Pengurus, a)),
        )
        .await;
        let pengawas_a = add(
            "pengawas.a@guyub.test",
            "Pengawas A",
            Some(coop_grant(Role::Pengawas, a)),
        )
        .await;
        let kasir_a = add(
            "kasir.a@guyub.test",
            "Kasir A",
            Some(coop_grant(Role::Kasir, a)),
        )
        .await;
        let pengurus_b = add(
            "pengurus.b@guyub.test",
            "Pengurus B",
            Some(coop_grant(Role::Pengurus, b)),
        )
        .await;
        let dinas_malang = add(
            "dinas.malang@guyub.test",
            "Dinas Koperasi Kota Malang",
            Some(NewGrant {
                role: Role::Dinas,
                koperasi_id: None,
                region_code: Some("35.73".into()),
                member_id: None,
            }),
        )
        .await;
        let mut anggota_a = add("anggota.a@guyub.test", "Siti Rahayu", None).await;
        store
            .give_member_login(
                &actor,
                a,
                members_a[0].id,
                &anggota_a.email,
                &members_a[0].name,
                None,
            )
            .await
            .expect("member login");
        anggota_a.grant = store
            .grants_of(anggota_a.id)
            .await
            .expect("grants")
            .first()
            .map(|g| g.id);
        let members_a = {
            let mut v = vec![];
            for m in &members_a {
                v.push(store.tenant(a).member(m.id).await.expect("member"));
            }
            v
        };

        // A previewed import of A with one valid row (committing it would register someone).
        let row = guyub_web::import_file::RawRow {
            line: 2,
            nik: nik(DISTRICT_A, date(1988, 5, 9), Gender::Male, 300),
            name: "Joko Widodo".into(),
            birth_place: "Malang".into(),
            birth_date: "1988-05-09".into(),
            address: "Jl. Mawar No. 1".into(),
            region_code: VILLAGE_A.into(),
            phone: String::new(),
            occupation: "Petani".into(),
            joined_on: "2022-02-02".into(),
        };
        let stored = guyub_web::import_service::Stored {
            notes: vec![],
            rows: vec![row],
        };
        let json = serde_json::to_string(&stored).expect("json");
        let import_a = store
            .tenant(a)
            .save_import(admin.id, "seed.csv", &json, 1, 0)
            .await
            .expect("import");

        let state = guyub_web::new_state(store.clone(), cfg);
        let app = guyub_web::app(state.clone());
        World {
            db,
            store,
            state,
            app,
            a,
            b,
            members_a,
            members_b,
            import_a,
            admin,
            pengurus_a,
            pengawas_a,
            kasir_a,
            pengurus_b,
            dinas_malang,
            anggota_a,
        }
    }

    /// Sends one request through the whole router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    /// A request as a same-origin browser (or a program) would send it.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        payload: Payload,
    ) -> Request<Body> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        match who {
            As::Nobody => {}
            As::Browser(s) => b = b.header(header::COOKIE, s.cookie_header()),
            As::Token(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        if !matches!(who, As::Token(_)) {
            b = b.header("sec-fetch-site", "same-origin");
        }
        let body = match payload {
            Payload::None => Body::empty(),
            Payload::Form(f) => {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form_body(&f))
            }
            Payload::Json(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            Payload::Multipart(parts) => {
                b = b.header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                );
                Body::from(multipart_body(&parts))
            }
            Payload::Raw(ct, bytes) => {
                b = b.header(header::CONTENT_TYPE, ct);
                Body::from(bytes)
            }
        };
        b.body(body).expect("request")
    }

    pub async fn call(&self, method: Method, path: &str, who: As<'_>, payload: Payload) -> Resp {
        self.send(self.request(method, path, who, payload)).await
    }

    pub async fn get(&self, path: &str, who: As<'_>) -> Resp {
        self.call(Method::GET, path, who, Payload::None).await
    }

    pub async fn post_form(&self, path: &str, who: As<'_>, f: Vec<(String, String)>) -> Resp {
        self.call(Method::POST, path, who, Payload::Form(f)).await
    }

    /// Posts the sign-in form.
    pub async fn sign_in_raw(&self, email: &str, password: &str, extra: &[(&str, &str)]) -> Resp {
        let mut req = self.request(
            Method::POST,
            "/masuk",
            As::Nobody,
            Payload::Form(fields(&[
                ("email", email),
                ("password", password),
                ("next", "/"),
            ])),
        );
        for (k, v) in extra {
            req.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        self.send(req).await
    }

    /// Signs in and fetches the session's CSRF token from a page with a form.
    pub async fn sign_in(&self, email: &str) -> Session {
        let r = self.sign_in_raw(email, PASSWORD, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            r.text()
        );
        let cookie = r.session_cookie().expect("session cookie");
        let mut s = Session {
            cookie,
            csrf: String::new(),
        };
        let page = self.get("/akun", As::Browser(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "/akun for {email}");
        s.csrf = csrf_in(&page.text()).expect("csrf token on /akun");
        s
    }

    /// Every member of a coop, all statuses.
    pub async fn members_of(&self, k: KoperasiId) -> Vec<Member> {
        let mut out = vec![];
        loop {
            let page = self
                .store
                .tenant(k)
                .search_members(&MemberQuery {
                    q: String::new(),
                    status: None,
                    kind: None,
                    limit: 200,
                    offset: out.len() as u32,
                })
                .await
                .expect("members");
            out.extend(page.members);
            if !page.has_more {
                return out;
            }
        }
    }

    pub async fn member_count(&self, k: KoperasiId) -> usize {
        self.members_of(k).await.len()
    }

    /// A fingerprint of everything a request could change: coops, bylaws, members, imports,
    /// users with their roles, passwords and tokens, and every audit record (each change made
    /// by a person is audited). Equal before and after = nothing was written.
    pub async fn snapshot(&self) -> String {
        let s = &self.store;
        let mut out = String::new();
        let year = today().year();
        let coops = s.list_koperasi(None).await.expect("coops");
        out.push_str(&format!("{coops:?}\n"));
        let mut scopes: Vec<KoperasiId> = coops.iter().map(|k| k.id).collect();
        scopes.push(guyub_store::audit::platform());
        for k in scopes {
            let t = s.tenant(k);
            if k != guyub_store::audit::platform() {
                out.push_str(&format!("{:?}\n", s.koperasi(k).await.expect("coop")));
                for y in [year - 1, year, year + 1] {
                    out.push_str(&format!("{:?}\n", t.bylaws(y).await.ok()));
                }
                out.push_str(&format!("{:?}\n", self.members_of(k).await));
                out.push_str(&format!("{:?}\n", t.imports(1000).await.expect("imports")));
            }
            let audit = t
                .audit_log(&AuditFilter {
                    limit: 500,
                    ..Default::default()
                })
                .await
                .expect("audit");
            out.push_str(&format!("{} {audit:?}\n", audit.len()));
        }
        for u in s.list_users().await.expect("users") {
            out.push_str(&format!("{u:?}\n"));
            out.push_str(&format!("{:?}\n", s.user(u.id).await.expect("user")));
            // Tokens as issued and revoked (`last_used_at` moves on every use by design).
            for t in s.list_tokens(u.id).await.expect("tokens") {
                out.push_str(&format!(
                    "token {:?} {} {} {} {:?}\n",
                    t.id, t.name, t.prefix, t.created_at, t.revoked_at
                ));
            }
        }
        out
    }
}

/// Asserts that two snapshots are equal, showing the first differing line.
pub fn assert_unchanged(before: &str, after: &str, what: &str) {
    if before != after {
        let diff = before
            .lines()
            .zip(after.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("before: {a}\nafter:  {b}"))
            .unwrap_or_else(|| "(one snapshot has more lines)".into());
        panic!("{what}: something was written\n{diff}");
    }
}

// ---------------------------------------------------------------------------------------------
// Payments (shared by the payment tests)

/// A valid static QRIS (the DANA test vector; merchant "Conweb", Kota Palembang).
pub const QRIS_DANA: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";

/// Gives coop `k` the static QRIS [`QRIS_DANA`].
pub async fn set_static_qris(w: &World, k: KoperasiId) {
    let change = guyub_store::payment::PaymentChange {
        qris: Some(guyub_core::payment::qris::Qris::parse(QRIS_DANA).expect("qris")),
        ..Default::default()
    };
    w.store
        .tenant(k)
        .update_payment_settings(&Actor::system("uji"), &change)
        .await
        .expect("settings");
}

/// The id, as text, of coop `k`'s savings product `code` (POKOK, WAJIB, SUKARELA).
pub async fn product_id_in(w: &World, k: KoperasiId, code: &str) -> String {
    w.store
        .tenant(k)
        .products()
        .await
        .expect("products")
        .into_iter()
        .find(|p| p.code == code)
        .expect("product")
        .id
        .to_string()
}

/// A member's balance in coop `k`'s product `code`.
pub async fn balance_in(w: &World, k: KoperasiId, m: guyub_core::ids::MemberId, code: &str) -> i64 {
    w.store
        .tenant(k)
        .balances(m)
        .await
        .expect("balances")
        .into_iter()
        .find(|b| b.product.code == code)
        .expect("product")
        .balance
}

/// How many payment requests coop `k` has.
pub async fn request_count(w: &World, k: KoperasiId) -> i64 {
    w.store
        .tenant(k)
        .payment_requests(&guyub_store::payment::request::RequestFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("requests")
        .1
}

/// Opts `k` into the marketplace as `slug`: 10 % commission, pickup, and seller delivery in
/// Kota Malang (35.73) for Rp 10.000.
pub async fn market_settings(s: &Store, k: KoperasiId, slug: &str) {
    let zones = guyub_core::market::shipping::ZoneRates::new(
        vec![guyub_core::market::shipping::Zone {
            regencies: std::collections::BTreeSet::from([RegionCode::parse("35.73").unwrap()]),
            fee: guyub_core::money::Rupiah(10_000),
        }],
        None,
    )
    .unwrap();
    guyub_store::on_db!(s.db(), p => sqlx::query(
        "INSERT INTO market_settings (koperasi_id, opt_in, slug, commission_bp, runs_tomiko, pickup_address, zone_rates, updated_at)
         VALUES ($1, $2, $3, 1000, $4, 'Jl. Pasar 1', $5, $6)")
        .bind(k.0).bind(true).bind(slug).bind(false).bind(serde_json::to_string(&zones).unwrap())
        .bind(time::OffsetDateTime::now_utc()).execute(p).await.map(|r| r.rows_affected())).unwrap();
}
