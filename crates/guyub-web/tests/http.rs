//! In-process HTTP tests of the web layer: sign-in and sessions, the security headers and
//! cross-site refusal, the member form's bad input, who may open what, member imports, the
//! JSON API, and the operational endpoints. Every refused or invalid request is also
//! checked to have written nothing.

mod common;

use axum::http::{HeaderValue, Method, StatusCode, header};
use common::*;
use guyub_core::member::Gender;
use guyub_web::WebConfig;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Helpers

/// The member form, filled in, for coop A.
fn member_form(csrf: &str, nik: &str, name: &str, birth_date: &str) -> Vec<(String, String)> {
    fields(&[
        ("_csrf", csrf),
        ("nik", nik),
        ("name", name),
        ("birth_place", "Kota Batu"),
        ("birth_date", birth_date),
        ("address", "Jl. Kenanga Nomor 17"),
        ("prov", "35"),
        ("kab", "35.73"),
        ("kec", DISTRICT_A),
        ("desa", VILLAGE_A),
        ("phone", "081234567890"),
        ("occupation", "Penjahit"),
        ("joined_on", "2024-02-03"),
    ])
}

/// A NIK and birth date nobody in the seed has.
fn fresh_person() -> (String, String) {
    let birth = date(1993, 9, 21);
    (
        nik(DISTRICT_A, birth, Gender::Female, 901),
        birth.to_string(),
    )
}

fn new_member_path(w: &World) -> String {
    format!("/k/{}/anggota/baru", w.a)
}

fn upload(csrf: &str, file_name: &str, bytes: Vec<u8>) -> Payload {
    Payload::Multipart(vec![
        Part::text("_csrf", csrf),
        Part::file("file", file_name, "application/octet-stream", bytes),
    ])
}

/// Uploads a file through the page: the upload answers with a redirect to its preview
/// (Post/Redirect/Get), which is then opened.
async fn upload_preview(w: &World, s: &Session, file_name: &str, bytes: Vec<u8>) -> Resp {
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(s),
            upload(&s.csrf, file_name, bytes),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let prefix = format!("/k/{}/impor/", w.a);
    let loc = r.location();
    assert!(
        loc.starts_with(&prefix)
            && guyub_core::ids::ImportId::parse(&loc[prefix.len()..]).is_some(),
        "redirect to the preview: {loc}"
    );
    let page = w.get(&loc, As::Browser(s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page
}

const CSV_HEADER: &str =
    "nik,nama,tempat_lahir,tanggal_lahir,alamat,kode_wilayah,telepon,pekerjaan,tanggal_masuk";

fn csv_row(nik: &str, name: &str, birth: &str) -> String {
    format!(
        "{nik},{name},Malang,{birth},Jl. Flamboyan 8,{VILLAGE_A},081355500011,Petani,2023-05-06"
    )
}

/// The import id in the preview page's commit form, if the form is there.
fn commit_action(html: &str, kid: &str) -> Option<String> {
    let start = format!("action=\"/k/{kid}/impor/");
    let i = html.find(&start)?;
    let rest = &html[i + start.len()..];
    let end = rest.find("/simpan\"")?;
    Some(rest[..end].to_string())
}

// ---------------------------------------------------------------------------------------------
// 2. Sign-in, sessions, headers, cross-site and CSRF

#[tokio::test]
async fn wrong_password_is_refused_in_the_callers_language() {
    let w = World::new().await;
    let r = w
        .sign_in_raw(&w.pengurus_a.email, "bukan-sandinya", &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text().contains("E-mail atau kata sandi salah."),
        "{}",
        r.text()
    );
    assert!(
        r.session_cookie().is_none(),
        "no session for a wrong password"
    );
    // The e-mail stays typed in the form.
    assert!(
        r.text()
            .contains(&format!("value=\"{}\"", w.pengurus_a.email))
    );

    let r = w
        .sign_in_raw(
            &w.pengurus_a.email,
            "bukan-sandinya",
            &[("accept-language", "en-GB,en;q=0.9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text().contains("Wrong e-mail or password."),
        "{}",
        r.text()
    );

    // An unknown e-mail answers exactly the same (no account enumeration).
    let r = w.sign_in_raw("tidak.ada@guyub.test", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("E-mail atau kata sandi salah."));
}

#[tokio::test]
async fn sign_in_is_locked_after_five_failures() {
    let w = World::new().await;
    for i in 0..5 {
        let r = w.sign_in_raw(&w.kasir_a.email, "salah-lagi-123", &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {}", i + 1);
    }
    let r = w.sign_in_raw(&w.kasir_a.email, "salah-lagi-123", &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().contains("Coba lagi"), "{}", r.text());
    // Even the right password is refused while locked, and no session is made.
    let r = w.sign_in_raw(&w.kasir_a.email, PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.session_cookie().is_none());
    let r = w
        .sign_in_raw(&w.kasir_a.email, PASSWORD, &[("accept-language", "en")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().contains("Try again"), "{}", r.text());
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_new_at_every_sign_in() {
    let w = World::new().await;
    let r = w.sign_in_raw(&w.pengurus_a.email, PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/", "back to the `next` given");
    let set = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("guyub_session="))
        .expect("session cookie");
    let attrs: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{set}");
    assert!(attrs.contains(&"SameSite=Lax"), "{set}");
    assert!(attrs.contains(&"Path=/"), "{set}");
    let first = r.session_cookie().expect("cookie");
    assert!(first.len() >= 40, "a long random session id: {first}");

    // Signing in again while holding the first cookie: a new id, and the old one is dead.
    let mut req = w.request(
        Method::POST,
        "/masuk",
        As::Nobody,
        Payload::Form(fields(&[
            ("email", &w.pengurus_a.email),
            ("password", PASSWORD),
            ("next", "/akun"),
        ])),
    );
    req.headers_mut().insert(
        header::COOKIE,
        HeaderValue::from_str(&format!("guyub_session={first}")).unwrap(),
    );
    let r2 = w.send(req).await;
    assert_eq!(r2.status, StatusCode::SEE_OTHER);
    assert_eq!(r2.location(), "/akun");
    let second = r2.session_cookie().expect("cookie");
    assert_ne!(first, second, "a new session id at every sign-in");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        w.store.session(&first, now).await.unwrap().is_none(),
        "old session removed"
    );
    assert!(w.store.session(&second, now).await.unwrap().is_some());
    let old = Session {
        cookie: first,
        csrf: String::new(),
    };
    let r = w.get("/akun", As::Browser(&old)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/masuk"));

    // A third sign-in without a cookie gets yet another id.
    let third = w.sign_in(&w.pengurus_a.email).await;
    assert_ne!(third.cookie, second);
}

#[tokio::test]
async fn secure_cookie_when_configured() {
    let w = World::with_config(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    let r = w.sign_in_raw(&w.pengurus_a.email, PASSWORD, &[]).await;
    let set = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("guyub_session="))
        .expect("cookie");
    assert!(set.split(';').any(|a| a.trim() == "Secure"), "{set}");
}

#[tokio::test]
async fn sign_out_deletes_the_session() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    // Without the form token, sign-out is refused and the session lives on.
    let r = w.post_form("/keluar", As::Browser(&s), vec![]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get("/akun", As::Browser(&s)).await.status, StatusCode::OK);

    let r = w
        .post_form("/keluar", As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/masuk");
    let cleared = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("guyub_session="))
        .expect("cookie cleared");
    assert!(cleared.starts_with("guyub_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(w.store.session(&s.cookie, now).await.unwrap().is_none());
    // The old cookie no longer signs anyone in.
    let r = w.get("/akun", As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/masuk?next=/akun");
}

fn assert_security_headers(r: &Resp, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        r.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert!(
        r.header("referrer-policy").is_some(),
        "{what}: no Referrer-Policy"
    );
    assert!(r.header("x-request-id").is_some(), "{what}: no request id");
}

#[tokio::test]
async fn security_headers_on_pages_and_the_api() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let r = w.get("/masuk", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_security_headers(&r, "sign-in page");
    assert_eq!(r.header("referrer-policy").as_deref(), Some("same-origin"));
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_security_headers(&r, "member list");
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("no-store"),
        "personal data is not cached"
    );
    // A form re-shown with its errors (rendered by the handler).
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(&s.csrf, "123", "Bambang", "1990-01-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_security_headers(&r, "form with errors");
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_security_headers(&r, "API 200");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    // The pages carry no inline script or style for the CSP to forbid.
    let html = w
        .get(&format!("/k/{}/anggota/baru", w.a), As::Browser(&s))
        .await
        .text();
    assert!(!html.contains("<script>"), "inline script on a page");
    assert!(!html.contains(" onclick="), "inline handler on a page");
    assert!(!html.contains(" style=\""), "inline style on a page");
}

/// Error responses (every `WebError`: 401/403/404/409/413 pages and API JSON, the
/// cross-site refusal) need the same headers as the pages.
#[tokio::test]
async fn security_headers_on_error_responses() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_b.email).await;
    let r = w.get("/tidak-ada", As::Nobody).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_security_headers(&r, "404 page");
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_security_headers(&r, "403 page");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = w
        .get(&format!("/api/v1/coops/{}/members", w.a), As::Nobody)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_security_headers(&r, "API 401");
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_b.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_security_headers(&r, "API 403");
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_write_nothing() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let (n, birth) = fresh_person();
    let form = member_form(&s.csrf, &n, "Rahmat Hidayat", &birth);
    let before = w.snapshot().await;

    // A browser says the request came from another site.
    for site in ["cross-site", "same-site"] {
        let mut req = w.request(
            Method::POST,
            &new_member_path(&w),
            As::Browser(&s),
            Payload::Form(form.clone()),
        );
        req.headers_mut()
            .insert("sec-fetch-site", HeaderValue::from_static(site));
        let r = w.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "sec-fetch-site: {site}");
        assert!(r.text().contains("datang dari situs lain"), "{}", r.text());
    }
    // An older browser without Sec-Fetch-Site, with a foreign Origin.
    let mut req = w.request(
        Method::POST,
        &new_member_path(&w),
        As::Browser(&s),
        Payload::Form(form.clone()),
    );
    req.headers_mut().remove("sec-fetch-site");
    req.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "foreign Origin");
    // In English too.
    let mut req = w.request(
        Method::POST,
        &new_member_path(&w),
        As::Browser(&s),
        Payload::Form(form.clone()),
    );
    req.headers_mut()
        .insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("came from another site"), "{}", r.text());
    // A cross-site sign-in (login CSRF) makes no session.
    let mut req = w.request(
        Method::POST,
        "/masuk",
        As::Nobody,
        Payload::Form(fields(&[
            ("email", &w.pengurus_a.email),
            ("password", PASSWORD),
            ("next", "/"),
        ])),
    );
    req.headers_mut()
        .insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.session_cookie().is_none());
    // A cross-site API call with a token is refused the same way.
    let mut req = w.request(
        Method::POST,
        &format!("/api/v1/coops/{}/members", w.a),
        As::Token(&w.pengurus_a.token),
        Payload::Json(json!({
            "nik": n, "name": "Rahmat Hidayat", "birth_place": "Malang", "birth_date": birth,
            "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
        })),
    );
    req.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "forbidden");

    assert_unchanged(&before, &w.snapshot().await, "cross-site posts");

    // The same form from the same origin goes through (so the refusals above were about
    // the origin and nothing else).
    let mut req = w.request(
        Method::POST,
        &new_member_path(&w),
        As::Browser(&s),
        Payload::Form(form),
    );
    req.headers_mut().remove("sec-fetch-site");
    req.headers_mut()
        .insert(header::ORIGIN, HeaderValue::from_static("http://localhost"));
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn posts_without_the_right_form_token_are_refused() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    // Another session of the same person has another token.
    let other = w.sign_in(&w.pengurus_a.email).await;
    assert_ne!(s.csrf, other.csrf, "a token per session");
    let (n, birth) = fresh_person();
    let before = w.snapshot().await;
    let good = member_form(&s.csrf, &n, "Rahmat Hidayat", &birth);
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "missing",
            good.iter().filter(|(k, _)| k != "_csrf").cloned().collect(),
        ),
        ("empty", member_form("", &n, "Rahmat Hidayat", &birth)),
        (
            "wrong",
            member_form("bukan-token-yang-benar", &n, "Rahmat Hidayat", &birth),
        ),
        (
            "another session's",
            member_form(&other.csrf, &n, "Rahmat Hidayat", &birth),
        ),
        (
            "one character short",
            member_form(&s.csrf[..s.csrf.len() - 1], &n, "Rahmat Hidayat", &birth),
        ),
    ];
    for (what, form) in cases {
        let r = w
            .post_form(&new_member_path(&w), As::Browser(&s), form)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what} token");
        assert!(
            r.text().contains("Muat ulang halaman"),
            "{what}: {}",
            r.text()
        );
    }
    // The import upload and its commit check the token too.
    let csv = format!("{CSV_HEADER}\n{}\n", csv_row(&n, "Rahmat Hidayat", &birth));
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(&s),
            upload("salah", "anggota.csv", csv.into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "upload with a wrong token");
    let r = w
        .post_form(
            &format!("/k/{}/impor/{}/simpan", w.a, w.import_a),
            As::Browser(&s),
            fields(&[("_csrf", &other.csrf)]),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "commit with another session's token"
    );
    assert_unchanged(
        &before,
        &w.snapshot().await,
        "posts without the right token",
    );
    // With the right token it works.
    let r = w
        .post_form(&new_member_path(&w), As::Browser(&s), good)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// 3. The member form's bad input

#[tokio::test]
async fn wrong_niks_are_explained_and_the_form_keeps_what_was_typed() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let birth = date(1988, 2, 14);
    let good = nik(DISTRICT_A, birth, Gender::Male, 432);
    let unknown_district = format!("{}99{}", &good[..4], &good[6..]);
    let cases = [
        (
            "15 digits",
            good[..15].to_string(),
            birth.to_string(),
            "NIK harus 16 digit angka; yang diisi 15 digit",
        ),
        (
            "unknown district",
            unknown_district,
            birth.to_string(),
            "Kode kecamatan 35.73.99 di NIK (digit 5–6) tidak dikenal di Kota Malang",
        ),
        (
            "birth date mismatch",
            good.clone(),
            date(1988, 2, 15).to_string(),
            "Tanggal lahir di NIK 14-02-88 (laki-laki) tidak sama dengan tanggal lahir yang diisi 15-02-1988",
        ),
    ];
    let before = w.snapshot().await;
    for (what, n, b, message) in cases {
        let r = w
            .post_form(
                &new_member_path(&w),
                As::Browser(&s),
                member_form(&s.csrf, &n, "Bambang Sutrisno", &b),
            )
            .await;
        let html = r.text();
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(html.contains(message), "{what}: message missing:\n{html}");
        for kept in [
            format!("value=\"{n}\""),
            "value=\"Bambang Sutrisno\"".to_string(),
            format!("value=\"{b}\""),
            "value=\"Kota Batu\"".to_string(),
            "value=\"Jl. Kenanga Nomor 17\"".to_string(),
            "value=\"081234567890\"".to_string(),
            "value=\"Penjahit\"".to_string(),
            "value=\"2024-02-03\"".to_string(),
        ] {
            assert!(html.contains(&kept), "{what}: {kept} not kept in the form");
        }
        // The village stays chosen.
        assert!(
            html.contains(&format!("value=\"{VILLAGE_A}\" selected")),
            "{what}: village not kept"
        );
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{what}: field not marked"
        );
    }
    // In English.
    let mut req = w.request(
        Method::POST,
        &new_member_path(&w),
        As::Browser(&s),
        Payload::Form(member_form(
            &s.csrf,
            &good[..15],
            "Bambang Sutrisno",
            &birth.to_string(),
        )),
    );
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("The NIK must be 16 digits; 15 digits were given")
    );
    assert_unchanged(&before, &w.snapshot().await, "wrong NIKs");
}

#[tokio::test]
async fn a_duplicate_nik_is_refused_naming_the_member_who_has_it() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let existing = &w.members_a[1];
    let before = w.snapshot().await;
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(
                &s.csrf,
                existing.nik.as_deref().unwrap(),
                "Orang Lain",
                &existing.birth_date.unwrap().to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let html = r.text();
    assert!(
        html.contains(&existing.name),
        "the existing member is named:\n{html}"
    );
    assert!(
        html.contains(&existing.member_no),
        "with their number:\n{html}"
    );
    assert!(html.contains("sudah terdaftar"), "{html}");
    assert!(html.contains("value=\"Orang Lain\""), "typed values kept");
    assert_unchanged(&before, &w.snapshot().await, "duplicate NIK");
}

#[tokio::test]
async fn an_over_long_name_is_refused() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let (n, birth) = fresh_person();
    let name = "A".repeat(101);
    let before = w.snapshot().await;
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(&s.csrf, &n, &name, &birth),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Nama terlalu panjang: paling banyak 100 karakter, sekarang 101"),
        "{}",
        r.text()
    );
    assert_unchanged(&before, &w.snapshot().await, "over-long name");
    // 100 is fine.
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(&s.csrf, &n, &"A".repeat(100), &birth),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn markup_in_a_name_is_refused_and_never_echoed_raw() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let (n, birth) = fresh_person();
    let before = w.snapshot().await;
    for (field, value) in [
        ("name", "<script>alert(1)</script>"),
        ("name", "\"><script>alert(1)</script>"),
        ("address", "<script>alert(1)</script>"),
        ("birth_place", "<img src=x onerror=alert(1)>"),
    ] {
        let mut form = member_form(&s.csrf, &n, "Siti Aminah", &birth);
        for (k, v) in form.iter_mut() {
            if k == field {
                *v = value.to_string();
            }
        }
        let r = w
            .post_form(&new_member_path(&w), As::Browser(&s), form)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {value}"
        );
        let html = r.text();
        assert!(
            !html.contains("<script>alert(1)"),
            "{field}: raw script echoed"
        );
        assert!(!html.contains("<img src=x"), "{field}: raw markup echoed");
        assert!(
            html.contains("&lt;") || html.contains("&#60;"),
            "{field}: the typed value is kept, escaped"
        );
        assert!(
            html.contains("tidak boleh dipakai"),
            "{field}: the reason is given"
        );
    }
    assert_unchanged(&before, &w.snapshot().await, "markup in fields");
}

#[tokio::test]
async fn a_good_registration_redirects_to_the_new_member() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let (n, birth) = fresh_person();
    let count = w.member_count(w.a).await;
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(&s.csrf, &n, "Sri Wahyuni", &birth),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.location();
    let prefix = format!("/k/{}/anggota/", w.a);
    assert!(
        loc.starts_with(&prefix) && loc.ends_with("?ok=member-created"),
        "{loc}"
    );
    let id = &loc[prefix.len()..loc.len() - "?ok=member-created".len()];
    let id = guyub_core::ids::MemberId::parse(id).expect("member id in the redirect");
    let m = w
        .store
        .tenant(w.a)
        .member(id)
        .await
        .expect("the member exists");
    assert_eq!(m.nik.as_deref(), Some(n.as_str()));
    assert_eq!(m.name, "Sri Wahyuni");
    assert_eq!(m.region_code, VILLAGE_A);
    assert_eq!(m.gender, Some(Gender::Female), "gender from the NIK");
    assert_eq!(w.member_count(w.a).await, count + 1);
    assert_eq!(
        w.member_count(w.b).await,
        w.members_b.len(),
        "nothing in coop B"
    );
    // The page after the redirect shows the member and the confirmation.
    let page = w.get(&loc, As::Browser(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Sri Wahyuni"));
    assert!(page.text().contains("Anggota tersimpan."));
    // The change is in the audit log, by this person, with the NIK masked.
    let log = w
        .store
        .tenant(w.a)
        .audit_log(&guyub_store::audit::AuditFilter {
            entity_id: Some(id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].user_id, Some(w.pengurus_a.id));
    assert!(
        !format!("{:?}", log[0].changes).contains(&n),
        "full NIK in the audit log"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Who may open what

#[tokio::test]
async fn a_member_sees_only_their_own_page() {
    let w = World::new().await;
    let s = w.sign_in(&w.anggota_a.email).await;
    let own = &w.members_a[0];
    let other = &w.members_a[1];
    let r = w
        .get(&format!("/k/{}/anggota/{}", w.a, own.id), As::Browser(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&own.name));
    assert!(
        r.text().contains(own.nik.as_deref().unwrap()),
        "a member sees their own NIK"
    );
    let r = w
        .get(&format!("/k/{}/anggota/{}", w.a, other.id), As::Browser(&s))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !r.text().contains(&other.name),
        "nothing of the other member leaks"
    );
    assert!(
        r.text()
            .contains("Anda hanya dapat melihat data Anda sendiri.")
    );
    // Nor the list, nor the API.
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members/{}", w.a, other.id),
            As::Token(&w.anggota_a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members/{}", w.a, own.id),
            As::Token(&w.anggota_a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["name"], own.name.as_str());
    // The coop dashboard sends a member to their own page.
    let r = w.get(&format!("/k/{}", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/k/{}/anggota/{}", w.a, own.id));
}

#[tokio::test]
async fn the_board_of_coop_b_cannot_open_coop_a() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_b.email).await;
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let html = r.text();
    assert!(html.contains("Anda tidak punya akses ke koperasi ini."));
    for m in &w.members_a {
        assert!(!html.contains(&m.name), "a member of A leaks to B");
    }
    // Their own coop is fine.
    let r = w.get(&format!("/k/{}/anggota", w.b), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&w.members_b[0].name));
    // The API lists only the coops one may see.
    let r = w.get("/api/v1/coops", As::Token(&w.pengurus_b.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec![w.b.to_string()]);
}

#[tokio::test]
async fn dinas_sees_aggregates_of_its_region_only() {
    let w = World::new().await;
    let s = w.sign_in(&w.dinas_malang.email).await;
    let r = w.get(&format!("/k/{}", w.a), As::Browser(&s)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "Kota Malang's dinas opens a Kota Malang coop"
    );
    let html = r.text();
    for m in &w.members_a {
        assert!(
            !html.contains(m.nik.as_deref().unwrap()),
            "a NIK on the dinas dashboard"
        );
    }
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "dinas never reads the member register"
    );
    let r = w
        .get(
            &format!("/k/{}/anggota/{}", w.a, w.members_a[0].id),
            As::Browser(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&format!("/k/{}/audit", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for path in [
        format!("/k/{}", w.b),
        format!("/k/{}/profil", w.b),
        format!("/k/{}/anggota", w.b),
    ] {
        let r = w.get(&path, As::Browser(&s)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{path}: Kediri is not Kota Malang"
        );
    }
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.dinas_malang.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .get(
            &format!("/api/v1/coops/{}", w.b),
            As::Token(&w.dinas_malang.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The dinas overview lists A and not B.
    let r = w.get("/dinas", As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("KSP Arta Mandiri Malang"));
    assert!(!r.text().contains("Koperasi Sejahtera Kediri"));
}

#[tokio::test]
async fn pengawas_reads_members_but_cannot_register_one() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengawas_a.email).await;
    let r = w.get(&format!("/k/{}/anggota", w.a), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&w.members_a[1].name));
    assert!(
        !r.text().contains(&format!("/k/{}/anggota/baru", w.a)),
        "no register button"
    );
    let r = w
        .get(
            &format!("/k/{}/anggota/{}", w.a, w.members_a[1].id),
            As::Browser(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (n, birth) = fresh_person();
    let before = w.snapshot().await;
    let r = w
        .post_form(
            &new_member_path(&w),
            As::Browser(&s),
            member_form(&s.csrf, &n, "Rahmat Hidayat", &birth),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&new_member_path(&w), As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengawas_a.token),
            Payload::Json(json!({
                "nik": n, "name": "Rahmat Hidayat", "birth_place": "Malang", "birth_date": birth,
                "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nor a status change, nor an import.
    let r = w
        .post_form(
            &format!("/k/{}/anggota/{}/status", w.a, w.members_a[1].id),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("status", "berhenti"), ("reason", "x")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post_form(
            &format!("/k/{}/impor/{}/simpan", w.a, w.import_a),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_unchanged(&before, &w.snapshot().await, "pengawas writing");
}

#[tokio::test]
async fn the_member_list_masks_niks_except_for_the_board() {
    let w = World::new().await;
    let list = format!("/k/{}/anggota", w.a);
    let niks: Vec<String> = w.members_a.iter().map(|m| m.nik.clone().unwrap()).collect();
    for email in [&w.pengawas_a.email, &w.kasir_a.email] {
        let s = w.sign_in(email).await;
        let html = w.get(&list, As::Browser(&s)).await.text();
        assert_eq!(
            sixteen_digit_runs(&html),
            Vec::<String>::new(),
            "{email}: a whole NIK in the list"
        );
        for n in &niks {
            let masked = format!("{}********{}", &n[..6], &n[14..]);
            assert!(html.contains(&masked), "{email}: masked NIK {masked} shown");
        }
        // The detail page masks too.
        let html = w
            .get(&format!("{list}/{}", w.members_a[1].id), As::Browser(&s))
            .await
            .text();
        assert!(
            sixteen_digit_runs(&html).is_empty(),
            "{email}: a whole NIK on the detail page"
        );
    }
    let api = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengawas_a.token),
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(
        sixteen_digit_runs(&api.text()).is_empty(),
        "a whole NIK in the API for pengawas"
    );

    let s = w.sign_in(&w.pengurus_a.email).await;
    let html = w.get(&list, As::Browser(&s)).await.text();
    for n in &niks {
        assert!(html.contains(n.as_str()), "pengurus sees the whole NIK {n}");
    }
    let api = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    for n in &niks {
        assert!(api.text().contains(n.as_str()), "pengurus API shows {n}");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Member imports through the pages

#[tokio::test]
async fn an_import_with_a_bad_row_is_reported_and_cannot_be_committed() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let b1 = date(1986, 4, 4);
    let good = nik(DISTRICT_A, b1, Gender::Male, 611);
    let csv = format!(
        "{CSV_HEADER}\n{}\n{}\n",
        csv_row(&good, "Hadi Purnomo", &b1.to_string()),
        csv_row("35730504048600", "Lukman Hakim", "1986-04-04"),
    );
    let count = w.member_count(w.a).await;
    let r = upload_preview(&w, &s, "anggota.csv", csv.into_bytes()).await;
    let html = r.text();
    assert!(html.contains("<td>3</td>"), "the bad row's number:\n{html}");
    assert!(
        html.contains("NIK harus 16 digit angka; yang diisi 14 digit"),
        "{html}"
    );
    assert!(html.contains("Lukman Hakim"));
    assert!(html.contains("(1 / 2)"), "one problem row of two");
    assert!(
        commit_action(&html, &w.a.to_string()).is_none(),
        "commit offered:\n{html}"
    );
    assert_eq!(
        w.member_count(w.a).await,
        count,
        "nobody registered by a preview"
    );
    // Committing it anyway is refused.
    let rec = w.store.tenant(w.a).imports(1).await.unwrap().remove(0);
    assert_eq!(rec.problem_count, 1);
    let before = w.snapshot().await;
    let r = w
        .post_form(
            &format!("/k/{}/impor/{}/simpan", w.a, rec.id),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_unchanged(
        &before,
        &w.snapshot().await,
        "commit of a file with problems",
    );
}

#[tokio::test]
async fn a_valid_import_is_committed_once() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let people = [
        ("Eko Prasetyo", date(1975, 1, 30), Gender::Male, 701u16),
        ("Fitri Handayani", date(1995, 10, 1), Gender::Female, 702),
        ("Gunawan Wibisono", date(1969, 8, 17), Gender::Male, 703),
    ];
    let mut csv = format!("{CSV_HEADER}\n");
    let mut niks = vec![];
    for (name, birth, g, serial) in people {
        let n = nik(DISTRICT_A, birth, g, serial);
        csv.push_str(&csv_row(&n, name, &birth.to_string()));
        csv.push('\n');
        niks.push(n);
    }
    let count = w.member_count(w.a).await;
    let r = upload_preview(&w, &s, "anggota.csv", csv.into_bytes()).await;
    let html = r.text();
    assert!(html.contains("Semua baris siap diimpor. (3)"), "{html}");
    let id = commit_action(&html, &w.a.to_string()).expect("commit offered");
    assert_eq!(
        w.member_count(w.a).await,
        count,
        "nobody registered before the commit"
    );

    let commit = format!("/k/{}/impor/{id}/simpan", w.a);
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.location(),
        format!("/k/{}/anggota?ok=import-committed", w.a)
    );
    let members = w.members_of(w.a).await;
    assert_eq!(members.len(), count + 3);
    for n in &niks {
        assert_eq!(
            members
                .iter()
                .filter(|m| m.nik.as_deref() == Some(n.as_str()))
                .count(),
            1,
            "{n} registered once"
        );
    }
    let rec = w
        .store
        .tenant(w.a)
        .import(guyub_core::ids::ImportId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(rec.status, "committed");

    // A second commit (a double click, a replayed form) registers nobody twice.
    let before = w.snapshot().await;
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("sudah disimpan"), "{}", r.text());
    assert_unchanged(&before, &w.snapshot().await, "second commit");
    // The preview page now says it is committed and offers no commit.
    let r = w
        .get(&format!("/k/{}/impor/{id}", w.a), As::Browser(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Impor ini sudah disimpan."));
    assert!(commit_action(&r.text(), &w.a.to_string()).is_none());
}

#[tokio::test]
async fn a_file_named_xlsx_that_is_not_excel_is_refused_clearly() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let before = w.snapshot().await;
    let bytes = format!("{CSV_HEADER}\n").into_bytes();
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(&s),
            upload(&s.csrf, "anggota.xlsx", bytes.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Berkas ini bukan file Excel .xlsx yang sah"),
        "{}",
        r.text()
    );
    // A ZIP that is not a workbook is refused too.
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(&s),
            upload(&s.csrf, "anggota.xlsx", b"PK\x03\x04 bukan excel".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Berkas Excel rusak"), "{}", r.text());
    // And in English.
    let mut req = w.request(
        Method::POST,
        &format!("/k/{}/impor", w.a),
        As::Browser(&s),
        upload(&s.csrf, "anggota.xlsx", bytes),
    );
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("not a valid Excel .xlsx file"),
        "{}",
        r.text()
    );
    assert_unchanged(&before, &w.snapshot().await, "a fake .xlsx");
}

#[tokio::test]
async fn a_windows_1252_csv_is_read_correctly() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let birth = date(1990, 5, 5);
    let n = nik(DISTRICT_A, birth, Gender::Male, 808);
    let mut bytes = format!("{CSV_HEADER}\n").into_bytes();
    // "André Susanto" with é as the single byte 0xE9 (Excel on Windows).
    bytes.extend_from_slice(n.as_bytes());
    bytes.extend_from_slice(b",Andr\xE9 Susanto,Malang,");
    bytes.extend_from_slice(
        format!("{birth},Jl. Flamboyan 8,{VILLAGE_A},,Petani,2023-05-06\n").as_bytes(),
    );
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file is not UTF-8"
    );
    let r = upload_preview(&w, &s, "anggota.csv", bytes).await;
    let html = r.text();
    assert!(
        html.contains("André Susanto"),
        "decoded name in the preview:\n{html}"
    );
    assert!(html.contains("Windows-1252"), "the encoding is said");
    let id = commit_action(&html, &w.a.to_string()).expect("commit offered");
    let r = w
        .post_form(
            &format!("/k/{}/impor/{id}/simpan", w.a),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let m = w
        .members_of(w.a)
        .await
        .into_iter()
        .find(|m| m.nik.as_deref() == Some(n.as_str()))
        .expect("imported");
    assert_eq!(m.name, "André Susanto");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused() {
    let w = World::with_config(WebConfig {
        max_upload_bytes: 1024 * 1024,
        ..WebConfig::default()
    })
    .await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let birth = date(1986, 4, 4);
    let n = nik(DISTRICT_A, birth, Gender::Male, 612);
    let mut csv = format!(
        "{CSV_HEADER}\n{}\n",
        csv_row(&n, "Hadi Purnomo", &birth.to_string())
    );
    while csv.len() < 2 * 1024 * 1024 {
        csv.push_str(",,,,,,,,\n");
    }
    let before = w.snapshot().await;
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(&s),
            upload(&s.csrf, "anggota.csv", csv.clone().into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("Berkas terlalu besar"), "{}", r.text());
    // The API upload is bounded the same way.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/imports?file_name=anggota.csv", w.a),
            As::Token(&w.pengurus_a.token),
            Payload::Raw("text/csv", csv.into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_unchanged(&before, &w.snapshot().await, "an upload over the limit");
}

/// The 413 message should state the limit actually configured, not a fixed 10 MB.
#[tokio::test]
async fn the_too_large_message_states_the_configured_limit() {
    let w = World::with_config(WebConfig {
        max_upload_bytes: 1024 * 1024,
        ..WebConfig::default()
    })
    .await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let r = w
        .call(
            Method::POST,
            &format!("/k/{}/impor", w.a),
            As::Browser(&s),
            upload(&s.csrf, "anggota.csv", vec![b'a'; 2 * 1024 * 1024]),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!r.text().contains("10 MB"), "{}", r.text());
    assert!(r.text().contains("1 MB"), "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// 6. The JSON API

#[tokio::test]
async fn api_lists_members_with_a_token() {
    let w = World::new().await;
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json"),
        "{:?}",
        r.header("content-type")
    );
    let v = r.json();
    let names: Vec<&str> = v["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), w.members_a.len());
    for m in &w.members_a {
        assert!(names.contains(&m.name.as_str()), "{} listed", m.name);
    }
    for m in &w.members_b {
        assert!(
            !names.contains(&m.name.as_str()),
            "B's {} listed in A",
            m.name
        );
    }
    assert_eq!(v["has_more"], false);
    // A token of the right person but a misspelt header is not a sign-in.
    let mut req = w.request(
        Method::GET,
        &format!("/api/v1/coops/{}/members", w.a),
        As::Nobody,
        Payload::None,
    );
    req.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Token {}", w.pengurus_a.token)).unwrap(),
    );
    assert_eq!(w.send(req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_bad_nik_is_a_422_with_field_errors_in_the_callers_language() {
    let w = World::new().await;
    let body = json!({
        "nik": "357305123", "name": "Rahmat Hidayat", "birth_place": "Malang", "birth_date": "1990-01-01",
        "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
    });
    let path = format!("/api/v1/coops/{}/members", w.a);
    let before = w.snapshot().await;
    let r = w
        .call(
            Method::POST,
            &path,
            As::Token(&w.pengurus_a.token),
            Payload::Json(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid");
    assert_eq!(v["error"]["message"], "Ada isian yang perlu diperbaiki.");
    let fields = v["error"]["fields"].as_array().expect("fields");
    let nik_err = fields
        .iter()
        .find(|f| f["field"] == "nik")
        .expect("a nik error");
    assert_eq!(
        nik_err["message"],
        "NIK harus 16 digit angka; yang diisi 9 digit"
    );

    let mut req = w.request(
        Method::POST,
        &path,
        As::Token(&w.pengurus_a.token),
        Payload::Json(body),
    );
    req.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        HeaderValue::from_static("en-US,en;q=0.8"),
    );
    let r = w.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["error"]["message"], "Some fields need fixing.");
    let nik_err = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "nik")
        .cloned()
        .expect("a nik error");
    assert_eq!(
        nik_err["message"],
        "The NIK must be 16 digits; 9 digits were given"
    );
    assert_unchanged(&before, &w.snapshot().await, "API bad NIK");

    // A good one is created (201) and shows up.
    let (n, birth) = fresh_person();
    let r = w
        .call(
            Method::POST,
            &path,
            As::Token(&w.pengurus_a.token),
            Payload::Json(json!({
                "nik": n, "name": "Sri Wahyuni", "birth_place": "Malang", "birth_date": birth,
                "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["nik"], n.as_str());
    // Twice is a conflict naming the member.
    let r = w
        .call(
            Method::POST,
            &path,
            As::Token(&w.pengurus_a.token),
            Payload::Json(json!({
                "nik": n, "name": "Sri Lain", "birth_place": "Malang", "birth_date": birth,
                "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let v = r.json();
    assert_eq!(v["error"]["code"], "conflict");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Sri Wahyuni")
    );
}

#[tokio::test]
async fn api_refuses_a_revoked_token() {
    let w = World::new().await;
    let path = format!("/api/v1/coops/{}/members", w.a);
    assert_eq!(
        w.get(&path, As::Token(&w.pengurus_a.token)).await.status,
        StatusCode::OK
    );
    w.store
        .revoke_token(
            &guyub_store::Actor::system("test"),
            w.pengurus_a.id,
            w.pengurus_a.token_id,
        )
        .await
        .unwrap();
    let r = w.get(&path, As::Token(&w.pengurus_a.token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    // A made-up token too.
    let r = w.get(&path, As::Token("guyub_bukan-token-asli")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // And the token of a disabled user, though it signed in a moment ago (sign-ins are
    // remembered briefly; a change made through this process applies at once).
    assert_eq!(
        w.get(&path, As::Token(&w.kasir_a.token)).await.status,
        StatusCode::OK
    );
    w.store
        .set_user_disabled(&guyub_store::Actor::system("test"), w.kasir_a.id, true)
        .await
        .unwrap();
    let r = w.get(&path, As::Token(&w.kasir_a.token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_applies_a_revoked_role_at_once() {
    let w = World::new().await;
    let path = format!("/api/v1/coops/{}/members", w.a);
    assert_eq!(
        w.get(&path, As::Token(&w.kasir_a.token)).await.status,
        StatusCode::OK
    );
    let grants = w.store.grants_of(w.kasir_a.id).await.unwrap();
    assert!(!grants.is_empty());
    for g in grants {
        w.store
            .revoke_grant(&guyub_store::Actor::system("test"), g.id)
            .await
            .unwrap();
    }
    assert_eq!(
        w.get(&path, As::Token(&w.kasir_a.token)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn api_refuses_the_token_of_another_coops_board() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_b.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let v = r.json();
    assert_eq!(v["error"]["code"], "forbidden");
    assert_eq!(
        v["error"]["message"],
        "Anda tidak punya akses ke koperasi ini."
    );
    let (n, birth) = fresh_person();
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_b.token),
            Payload::Json(json!({
                "nik": n, "name": "Rahmat Hidayat", "birth_place": "Malang", "birth_date": birth,
                "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_unchanged(&before, &w.snapshot().await, "B's token on A");
}

#[tokio::test]
async fn openapi_document_is_3_1_and_describes_the_member_routes() {
    let w = World::new().await;
    let r = w.get("/api/openapi.json", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert!(
        v["openapi"].as_str().unwrap_or_default().starts_with("3.1"),
        "{}",
        v["openapi"]
    );
    let paths = v["paths"].as_object().expect("paths");
    let members = paths
        .get("/api/v1/coops/{coop_id}/members")
        .expect("the members path");
    assert!(members.get("get").is_some() && members.get("post").is_some());
    assert!(paths.contains_key("/api/v1/coops/{coop_id}/members/{member_id}"));
    assert!(v["components"]["securitySchemes"]["token"].is_object());
    assert!(v["components"]["schemas"]["ApiErrorBody"].is_object());
}

// ---------------------------------------------------------------------------------------------
// 7. Operations

#[tokio::test]
async fn healthz_and_metrics() {
    let w = World::new().await;
    let r = w.get("/healthz", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text().trim(), "ok");
    // A few requests, then the counters show them.
    let _ = w.get("/tidak-ada", As::Nobody).await;
    let r = w.get("/metrics", As::Nobody).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains("guyub_http_requests_total"), "{text}");
    assert!(
        text.contains("guyub_http_requests_total{class=\"2xx\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("guyub_http_requests_total{class=\"4xx\"} 1"),
        "{text}"
    );
    assert!(text.contains("guyub_http_request_duration_seconds_count"));
}

// ---------------------------------------------------------------------------------------------
// Defects found while writing these tests (ignored so the suite stays green)

/// A `next` with a control character should fall back to `/`, like any other unsafe target.
#[tokio::test]
async fn a_next_with_a_line_break_falls_back_to_the_start_page() {
    let w = World::new().await;
    let r = w
        .call(
            Method::POST,
            "/masuk",
            As::Nobody,
            Payload::Form(fields(&[
                ("email", &w.pengurus_a.email),
                ("password", PASSWORD),
                ("next", "/akun\r\nX-Injected: 1"),
            ])),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/");
    let r = w.get("/bahasa/en?next=/akun%0A", As::Nobody).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// The API promises JSON errors; a request axum's own extractors reject must still get one.
#[tokio::test]
async fn api_extractor_rejections_are_json() {
    let w = World::with_config(WebConfig {
        max_upload_bytes: 1024 * 1024,
        ..WebConfig::default()
    })
    .await;
    // Missing ?file_name=.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/imports", w.a),
            As::Token(&w.pengurus_a.token),
            Payload::Raw("text/csv", b"nik\n".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    // A bad ?limit=.
    let r = w
        .get(
            &format!("/api/v1/coops/{}/members?limit=banyak", w.a),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    // A body over the limit.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/imports?file_name=a.csv", w.a),
            As::Token(&w.pengurus_a.token),
            Payload::Raw("text/csv", vec![b'a'; 2 * 1024 * 1024]),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");
}

/// The birth place is presented as optional by the API schema and by the import file reader,
/// but the core refuses a member without one, with a message about "the name".
#[tokio::test]
async fn the_birth_place_rule_is_the_same_everywhere() {
    let w = World::new().await;
    let (n, birth) = fresh_person();
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/coops/{}/members", w.a),
            As::Token(&w.pengurus_a.token),
            Payload::Json(json!({
                "nik": n, "name": "Rahmat Hidayat", "birth_date": birth,
                "address": "Jl. Kenanga 17", "region_code": VILLAGE_A
            })),
        )
        .await;
    if r.status != StatusCode::CREATED {
        // Then it is required: the schema must say so and the message must name the field.
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let v = r.json();
        let f = v["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "birth_place")
            .cloned()
            .expect("a birth_place error");
        assert!(
            !f["message"].as_str().unwrap().starts_with("Nama"),
            "the message speaks of a name: {f}"
        );
        let doc = w.get("/api/openapi.json", As::Nobody).await.json();
        let required = doc["components"]["schemas"]["MemberIn"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            required.iter().any(|x| x == "birth_place"),
            "MemberIn.birth_place is refused when missing but not required in the schema: {required:?}"
        );
        // And a file without the column is refused as missing a required column.
        let s = w.sign_in(&w.pengurus_a.email).await;
        let csv = format!(
            "nik,nama,tanggal_lahir,alamat,kode_wilayah\n{n},Rahmat Hidayat,{birth},Jl. Kenanga 17,{VILLAGE_A}\n"
        );
        let r = w
            .call(
                Method::POST,
                &format!("/k/{}/impor", w.a),
                As::Browser(&s),
                upload(&s.csrf, "anggota.csv", csv.into_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("tempat_lahir"), "{}", r.text());
    }
}

/// A second commit of the same import should say it was already saved, not blame a row.
#[tokio::test]
async fn a_second_commit_says_the_import_was_already_saved() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let commit = format!("/k/{}/impor/{}/simpan", w.a, w.import_a);
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("sudah disimpan sebelumnya"),
        "{}",
        r.text()
    );
    assert!(!r.text().contains("unggah ulang"), "{}", r.text());
}

/// A form posted after the session ended sends the person to sign in; signing in must then
/// land on a page, not on a POST-only URL.
#[tokio::test]
async fn signing_in_after_a_refused_post_lands_on_a_page() {
    let w = World::new().await;
    let r = w
        .post_form("/akun/token", As::Nobody, fields(&[("name", "laptop")]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let next = r
        .location()
        .strip_prefix("/masuk?next=")
        .unwrap_or("/")
        .to_string();
    let r = w
        .call(
            Method::POST,
            "/masuk",
            As::Nobody,
            Payload::Form(fields(&[
                ("email", &w.pengurus_a.email),
                ("password", PASSWORD),
                ("next", &next),
            ])),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = Session {
        cookie: r.session_cookie().expect("cookie"),
        csrf: String::new(),
    };
    let landing = w.get(&r.location(), As::Browser(&s)).await;
    assert_ne!(
        landing.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "signed in, then sent to {} which only accepts POST",
        r.location()
    );
}
