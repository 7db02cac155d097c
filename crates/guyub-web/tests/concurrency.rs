//! Many cashiers withdrawing from one savings account at the same instant, through the JSON
//! API, on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set: the balance never
//! goes below zero, no update is lost, and the books still verify.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::member::{Gender, MemberInput, validate_member};
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::region::RegionCode;
use guyub_core::savings::{SavingsKind, TxKind};
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::savings::{CounterRequest, Movement};
use guyub_store::{Actor, Store};
use tower::ServiceExt;

const WITHDRAWALS: usize = 20;

async fn run(store: Store) {
    let actor = Actor::system("test");
    let data = CoopData {
        code: "KONK".into(),
        name: "Koperasi Uji Konkuren".into(),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::SimpanPinjam,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. Uji No. 1".into(),
        region: RegionCode::parse("35.73.05.1001").unwrap(),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    let kid = store
        .create_koperasi(&actor, &data, &Bylaws::default(), 2015)
        .await
        .unwrap();
    let tenant = store.tenant(kid);
    let today = time::OffsetDateTime::now_utc()
        .to_offset(CoopTimeZone::Wib.offset())
        .date();
    let birth = time::Date::from_calendar_date(1980, time::Month::May, 5).unwrap();
    let nik = nik_for(
        &RegionCode::parse("35.73.05").unwrap(),
        birth,
        Gender::Male,
        7,
    )
    .unwrap();
    let input = MemberInput {
        nik: nik.as_str().into(),
        name: "Budi Santoso".into(),
        birth_place: "Malang".into(),
        birth_date: birth.to_string(),
        address: "Jl. Melati 1".into(),
        region_code: "35.73.05.1001".into(),
        phone: String::new(),
        occupation: "Pedagang".into(),
        joined_on: String::new(),
    };
    let member = tenant
        .create_member(&actor, &validate_member(&input, today).unwrap())
        .await
        .unwrap();
    let sukarela = tenant
        .products()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.kind() == SavingsKind::Sukarela)
        .unwrap()
        .id;
    tenant
        .counter(
            &actor,
            None,
            &CounterRequest {
                member: member.id,
                method: "tunai".into(),
                date: today,
                note: None,
                movements: vec![Movement {
                    product: sukarela,
                    kind: TxKind::Deposit.as_str().into(),
                    amount: Rupiah(100_000),
                }],
            },
        )
        .await
        .unwrap();
    let hash = guyub_web::auth::hash_password("kata-sandi-kasir-1").unwrap();
    let mut tokens = vec![];
    for i in 0..2 {
        let user = store
            .create_user(
                &actor,
                &format!("kasir{i}@konk.test"),
                "Kasir",
                &hash,
                false,
            )
            .await
            .unwrap();
        store
            .grant_role(
                &actor,
                user,
                &NewGrant {
                    role: Role::Kasir,
                    koperasi_id: Some(kid),
                    region_code: None,
                    member_id: None,
                },
            )
            .await
            .unwrap();
        let token = format!("guyub_konk_token_{i}");
        store.create_token(&actor, user, "t", &token).await.unwrap();
        tokens.push(token);
    }
    let app = guyub_web::app(guyub_web::new_state(
        store.clone(),
        guyub_web::WebConfig::default(),
    ));
    let mut handles = vec![];
    for i in 0..WITHDRAWALS {
        let app = app.clone();
        let token = tokens[i % 2].clone();
        let body = serde_json::json!({
            "method": "tunai",
            "movements": [{"product_id": sukarela.to_string(), "kind": TxKind::Withdrawal.as_str(), "amount": 10_000}]
        });
        let uri = format!(
            "/api/v1/coops/{kid}/members/{}/savings-transactions",
            member.id
        );
        handles.push(tokio::spawn(async move {
            let req = Request::post(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", format!("tarik-{i}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            let res = app.oneshot(req).await.unwrap();
            res.status()
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for h in handles {
        match h.await.unwrap() {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        (ok, refused),
        (10, 10),
        "exactly the balance is paid out, the rest refused"
    );
    let balances = tenant.balances(member.id).await.unwrap();
    let b = balances.iter().find(|b| b.product.id == sukarela).unwrap();
    assert_eq!(b.balance, 0, "no overdraft and no lost update");
    let passbook = tenant.passbook(member.id, sukarela).await.unwrap();
    assert_eq!(passbook.len(), 11, "one deposit and ten withdrawals");
    assert!(passbook.iter().all(|t| t.balance_after >= 0));
    assert_eq!(passbook.iter().map(|t| t.amount).sum::<i64>(), 0);
    let problems = store.verify_books(Some(kid)).await.unwrap();
    assert!(
        problems.is_empty(),
        "{:?}",
        problems.iter().map(|p| &p.what).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_withdrawals_over_the_api_sqlite() {
    let dir = std::env::temp_dir().join(format!("guyub-konk-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/db.sqlite?mode=rwc", dir.display());
    let store = Store::open(&url, 8).await.unwrap();
    run(store.clone()).await;
    store.db().close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_withdrawals_over_the_api_postgres() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let schema = format!("t_konk_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::open(&url, 8).await.unwrap();
    let outcome = tokio::spawn({
        let store = store.clone();
        async move { run(store).await }
    })
    .await;
    store.db().close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
