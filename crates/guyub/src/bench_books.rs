//! `guyub bench books`: the books' performance targets (issue #3).
//!
//! 1. Savings deposits through the JSON API (token auth, idempotency key, savings record,
//!    journal entry, audit record) from 8 concurrent clients, in process; anchors in the same
//!    run, in turns with the deposits (`--rounds`, medians compared): `pgbench` TPC-B (8
//!    clients, prepared) on PostgreSQL, or a plain loop inserting one row per transaction into
//!    the same SQLite file.
//! 2. The trial balance with millions of journal lines.
//! 3. A member's passbook with ten years of monthly activity, among all that data.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use clap::Args;
use guyub_core::coop::Bylaws;
use guyub_core::identity::Role;
use guyub_core::ledger::AccountRole;
use guyub_core::money::Rupiah;
use guyub_core::region::RegionCode;
use guyub_core::savings::{PayMethod, SavingsKind, TxKind};
use guyub_store::identity::NewGrant;
use guyub_store::savings::{CounterRequest, Movement};
use guyub_store::{Actor, Store};
use tower::ServiceExt;

use crate::bench::{median, stats};

use crate::demo::{self, Rng};

#[derive(Args)]
pub struct BooksBenchArgs {
    /// Database to fill (it is emptied first).
    #[arg(long, default_value = "sqlite:///tmp/guyub-bench-books.db?mode=rwc")]
    database_url: String,
    /// Members of the coop.
    #[arg(long, default_value_t = 1000)]
    members: usize,
    /// Deposits posted through the API in the throughput scenario.
    #[arg(long, default_value_t = 2000)]
    deposits: usize,
    /// Concurrent API clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Journal lines in the trial-balance scenario.
    #[arg(long, default_value_t = 10_000_000)]
    lines: i64,
    /// Rounds of (deposits via the API, then the anchor): the ratio is the median of the
    /// deposits over the median of the anchor.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// Client `c`'s share of the members when `clients` post at once: every `clients`-th one.
fn share_of(
    ids: &[guyub_core::ids::MemberId],
    c: usize,
    clients: usize,
) -> Vec<guyub_core::ids::MemberId> {
    ids.iter()
        .skip(c)
        .step_by(clients.max(1))
        .copied()
        .collect()
}

/// The desk's batches between two readings: how many, how large, how busy.
fn desk_delta(
    before: guyub_store::counter::DeskStats,
    after: guyub_store::counter::DeskStats,
    secs: f64,
) -> String {
    let batches = after.batches - before.batches;
    let requests = after.requests - before.requests;
    let busy = (after.busy_micros - before.busy_micros) as f64 / 1e6;
    let retried = after.retried - before.retried;
    format!(
        "desk: {batches} batches, {:.1} requests per batch, {:.0} µs per batch, busy {:.0} % of the time (summed over its writers), {retried} posted again",
        requests as f64 / batches.max(1) as f64,
        busy * 1e6 / batches.max(1) as f64,
        100.0 * busy / secs.max(1e-9)
    )
}

pub async fn run(a: BooksBenchArgs) -> anyhow::Result<()> {
    let engine = if a.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("# guyub bench books — {engine}");
    if let Some(p) = a
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|r| r.split('?').next())
    {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{s}"));
        }
    }
    let store = Store::connect(&a.database_url, 16).await?;
    guyub_store::reset_postgres(store.db()).await?;
    store.migrate().await?;
    let actor = Actor::system("bench");
    let today = time::OffsetDateTime::now_utc().date();
    let mut data = crate::bench::coop_data("BOOKS", "35.73.05.1001")?;
    data.name = "Koperasi Uji Buku".into();
    let kid = store
        .create_koperasi(&actor, &data, &Bylaws::default(), 2015)
        .await?;
    let tenant = store.tenant(kid);
    let ms = demo::members_for(
        &mut Rng::new(3),
        &RegionCode::parse("35.73")?,
        a.members,
        today,
    )?;
    tenant.create_members_batch(&actor, &ms, false).await?;
    store.optimize().await?;
    let roster = tenant.member_roster().await?;
    let products = tenant.products().await?;
    let sukarela = products
        .iter()
        .find(|p| p.kind() == SavingsKind::Sukarela)
        .map(|p| p.id)
        .ok_or_else(|| anyhow::anyhow!("no sukarela product"))?;
    let hash =
        guyub_web::auth::hash_password("bench-password-1").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let user = store
        .create_user(&actor, "kasir@bench.test", "Kasir Bench", &hash, false)
        .await?;
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
        .await?;
    let token = "guyub_bench_token_for_books";
    store.create_token(&actor, user, "bench", token).await?;
    let app = guyub_web::app(guyub_web::new_state(
        store.clone(),
        guyub_web::WebConfig::default(),
    ));

    // Every member already saves: one opening sukarela deposit each, posted in batches.
    let t = Instant::now();
    let opening: Vec<guyub_store::counter::CounterJob> = roster
        .iter()
        .map(|m| guyub_store::counter::CounterJob {
            actor: actor.clone(),
            idem_key: None,
            req: CounterRequest {
                member: m.0,
                method: PayMethod::Cash.as_str().into(),
                date: today - time::Duration::days(400),
                note: None,
                movements: vec![Movement {
                    product: sukarela,
                    kind: TxKind::Deposit.as_str().into(),
                    amount: Rupiah(50_000),
                }],
            },
        })
        .collect();
    for chunk in opening.chunks(256) {
        let mut tx = tenant.begin().await?;
        for r in guyub_store::counter::post_counter_batch(
            &mut tx,
            kid,
            chunk,
            guyub_store::counter::KeyLookup::Refused,
        )
        .await?
        {
            r?;
        }
        tx.commit().await?;
    }
    println!(
        "opening deposits of {} members in {:.1} s",
        roster.len(),
        t.elapsed().as_secs_f64()
    );
    // The journal first: deposits land in a coop with history (a journal of `lines` lines,
    // statistics up to date), as in real use, not in an empty database whose plans were
    // made for empty tables.
    let mut tx = tenant.begin().await?;
    let cash = guyub_store::ledger::role_account(&mut tx, kid, AccountRole::Cash).await?;
    drop(tx);
    let income = tenant
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.code == "4302")
        .map(|a| a.id)
        .ok_or_else(|| anyhow::anyhow!("no 4302"))?;
    let t = Instant::now();
    let written =
        guyub_store::benchdata::fill_journal(store.db(), kid, cash, income, a.lines / 2).await?;
    store.optimize().await?;
    println!(
        "\nfilled {written} journal lines in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // 0. The same deposits straight to the store (no HTTP, no token): what the desk alone
    // reaches, to tell the web layer's share from the books'.
    let per_client = a.deposits / a.clients.max(1);
    let ids: Vec<_> = roster.iter().map(|m| m.0).collect();
    let desk0 = store.desk_stats();
    let started = Instant::now();
    let mut handles = vec![];
    for c in 0..a.clients {
        let store = store.clone();
        let actor = guyub_store::Actor::system("bench");
        let members = share_of(&ids, c, a.clients);
        handles.push(tokio::spawn(async move {
            for i in 0..per_client {
                let req = CounterRequest {
                    member: members[i % members.len()],
                    method: PayMethod::Cash.as_str().into(),
                    date: today,
                    note: None,
                    movements: vec![Movement {
                        product: sukarela,
                        kind: TxKind::Deposit.as_str().into(),
                        amount: Rupiah(10_000),
                    }],
                };
                store
                    .tenant(kid)
                    .counter(&actor, Some(&format!("direct-{c}-{i}")), &req)
                    .await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    let d = desk_delta(desk0, store.desk_stats(), secs);
    println!(
        "deposits straight to the store: {} in {secs:.2} s = {:.0} per second; {d}",
        per_client * a.clients,
        (per_client * a.clients) as f64 / secs
    );

    // 1. Deposits through the API, `clients` at a time, each round followed by the anchor.
    // Why rounds: on this shared machine the anchor alone swung by a third within the hour
    // (SQLite 4,300-6,000 per second); measured in turns, both meet the same noise.
    let mut api_rates = vec![];
    let mut anchors = vec![];
    for round in 0..a.rounds.max(1) {
        let desk0 = store.desk_stats();
        let started = Instant::now();
        let mut handles = vec![];
        for c in 0..a.clients {
            let app = app.clone();
            let members = share_of(&ids, c, a.clients);
            handles.push(tokio::spawn(async move {
                let mut lat = vec![];
                for i in 0..per_client {
                    let m = members[i % members.len()];
                    let body = serde_json::json!({
                        "method": "tunai",
                        "movements": [{"product_id": sukarela.to_string(), "kind": TxKind::Deposit.as_str(), "amount": 10_000}]
                    });
                    let req = Request::post(format!("/api/v1/coops/{kid}/members/{m}/savings-transactions"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("idempotency-key", format!("bench-{round}-{c}-{i}"))
                        .body(Body::from(body.to_string()))?;
                    let t = Instant::now();
                    let res = app.clone().oneshot(req).await?;
                    let status = res.status();
                    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
                    anyhow::ensure!(status.is_success(), "deposit failed: {status} {}", String::from_utf8_lossy(&bytes));
                    lat.push(t.elapsed());
                }
                Ok::<Vec<Duration>, anyhow::Error>(lat)
            }));
        }
        let mut lat = vec![];
        for h in handles {
            lat.extend(h.await??);
        }
        let secs = started.elapsed().as_secs_f64();
        let n = lat.len();
        let tps = n as f64 / secs;
        let (m, p95) = stats(lat);
        println!(
            "\nround {}: deposits via API: {n} in {secs:.2} s = {tps:.0} per second ({} clients); latency median {m:.2} ms, p95 {p95:.2} ms",
            round + 1,
            a.clients
        );
        println!("  {}", desk_delta(desk0, store.desk_stats(), secs));
        api_rates.push(tps);
        let anchor = match store.engine() {
            guyub_store::Engine::Postgres => pgbench_tpcb(&a.database_url, a.clients, round == 0),
            guyub_store::Engine::Sqlite => {
                let n = 5000;
                let s = guyub_store::benchdata::sqlite_insert_loop(store.db(), n).await?;
                let t = f64::from(n) / s;
                println!(
                    "anchor (raw SQLite: one row per transaction on one connection, same file and settings, {n} rows): {t:.0} per second"
                );
                Some(t)
            }
        };
        if let Some(t) = anchor {
            println!("  ratio in this round: {:.2}", tps / t);
            anchors.push(t);
        }
    }
    let problems = store.verify_books(Some(kid)).await?;
    println!(
        "books verify after the deposits: {} problem(s)",
        problems.len()
    );
    let rounds = api_rates.len();
    let api = median(api_rates);
    println!("\ndeposits via API, median of {rounds} rounds: {api:.0} per second");
    if !anchors.is_empty() {
        let n = anchors.len();
        let anchor = median(anchors);
        println!(
            "anchor, median of {n} rounds: {anchor:.0} per second\nratio deposits / anchor (medians): {:.2} (target ≥ 0.5)",
            api / anchor
        );
    }

    // 3 (before the mass of lines, so its entries are real postings): a member's ten years.
    let member = roster[0].0;
    let start = today.replace_day(1)? - time::Duration::days(3650);
    let mut d = start;
    for _ in 0..120 {
        let req = CounterRequest {
            member,
            method: PayMethod::Cash.as_str().into(),
            date: d,
            note: None,
            movements: vec![Movement {
                product: sukarela,
                kind: TxKind::Deposit.as_str().into(),
                amount: Rupiah(20_000),
            }],
        };
        tenant.counter(&actor, None, &req).await?;
        d += time::Duration::days(31);
    }

    // 2. The trial balance over all those lines.
    let mut tb = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        let r = tenant.trial_balance().await?;
        tb.push(t.elapsed());
        anyhow::ensure!(
            r.total_debit == r.total_credit,
            "trial balance does not balance"
        );
    }
    let (m, p95) = stats(tb);
    println!("trial balance: median {m:.2} ms, p95 {p95:.2} ms (target < 200 ms)");
    let mut pb = vec![];
    let mut rows = 0;
    for _ in 0..200 {
        let t = Instant::now();
        rows = tenant.passbook(member, sukarela).await?.len();
        pb.push(t.elapsed());
    }
    let (m, p95) = stats(pb);
    println!(
        "passbook of one member, {rows} transactions over 10 years: median {m:.2} ms, p95 {p95:.2} ms (target < 20 ms)"
    );
    Ok(())
}

/// `pgbench` TPC-B for 10 s with `clients` clients (prepared), on the same server, its tables
/// made first when `init`.
pub(crate) fn pgbench_tpcb(url: &str, clients: usize, init: bool) -> Option<f64> {
    let run = |args: &[&str]| {
        std::process::Command::new("pgbench")
            .args(args)
            .output()
            .ok()
    };
    let scale = clients.max(1).to_string();
    if init {
        let made = run(&["-i", "-s", &scale, "-q", url])?;
        if !made.status.success() {
            println!("anchor: pgbench not available");
            return None;
        }
    }
    let c = clients.to_string();
    let out = run(&["-c", &c, "-j", "2", "-M", "prepared", "-T", "10", url])?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps"))?
        .split_whitespace()
        .nth(2)?
        .parse::<f64>()
        .ok()?;
    println!(
        "anchor (pgbench TPC-B, {clients} clients, prepared, 10 s, same server): {tps:.0} per second"
    );
    Some(tps)
}
