//! `guyub bench-payments`: the statement import (issue #4): a 10,000-line QRIS settlement
//! report against 10,000 open payment requests.
//!
//! Measured, on the engine given: reading the CSV (the web layer's reader and the core's
//! parser), matching in the core alone, and the whole import through the store (one
//! transaction: skip lines seen before, match, post every matched payment as a counter deposit
//! with its journal entry, keep every line). The anchor in the same run: `pgbench` TPC-B on
//! PostgreSQL, a raw insert loop on SQLite (as `guyub bench-books`).

use std::time::Instant;

use clap::Args;
use guyub_core::coop::{Bylaws, CoopTimeZone};
use guyub_core::money::Rupiah;
use guyub_core::payment::request::{RefCode, StatementKind};
use guyub_core::payment::statement::{MatchOutcome, MatchWindow, OpenRequest, match_lines};
use guyub_core::region::RegionCode;
use guyub_core::savings::SavingsKind;
use guyub_store::benchdata::{BenchRequest, fill_requests};
use guyub_store::{Actor, Store};
use time::PrimitiveDateTime;

use crate::bench::median;
use crate::demo::{self, Rng};

#[derive(Args)]
pub struct PaymentsBenchArgs {
    /// Database to fill (it is emptied first).
    #[arg(long, default_value = "sqlite:///tmp/guyub-bench-payments.db?mode=rwc")]
    database_url: String,
    /// Open requests, and lines in the statement.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// Times the core's match is repeated (its median is reported).
    #[arg(long, default_value_t = 7)]
    runs: usize,
}

pub async fn run(a: PaymentsBenchArgs) -> anyhow::Result<()> {
    let engine = if a.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "# guyub bench-payments — {engine}, {} open requests, {} statement lines",
        a.requests, a.requests
    );
    if let Some(p) = a
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|r| r.split('?').next())
    {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{s}"));
        }
    }
    let store = Store::connect(&a.database_url, 8).await?;
    guyub_store::reset_postgres(store.db()).await?;
    store.migrate().await?;
    let actor = Actor::system("bench");
    let tz = CoopTimeZone::Wib;
    let now_local = time::OffsetDateTime::now_utc().to_offset(tz.offset());
    let mut data = crate::bench::coop_data("PAYS", "35.73.05.1001")?;
    data.name = "Koperasi Uji Pembayaran".into();
    let kid = store
        .create_koperasi(&actor, &data, &Bylaws::default(), 2015)
        .await?;
    let tenant = store.tenant(kid);
    let ms = demo::members_for(
        &mut Rng::new(5),
        &RegionCode::parse("35.73")?,
        a.requests,
        now_local.date(),
    )?;
    tenant.create_members_batch(&actor, &ms, false).await?;
    let roster = tenant.member_roster().await?;
    let products = tenant.products().await?;
    let find = |k: SavingsKind| products.iter().find(|p| p.kind() == k).map(|p| p.id);
    let wajib = find(SavingsKind::Wajib).ok_or_else(|| anyhow::anyhow!("no wajib"))?;
    let sukarela = find(SavingsKind::Sukarela).ok_or_else(|| anyhow::anyhow!("no sukarela"))?;

    // Requests as a busy month makes them: a dozen usual amounts, each total made distinct
    // by its unique code.
    let bases = [
        10_000, 20_000, 25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 250_000, 300_000,
        500_000, 1_000_000,
    ];
    let mut rng = Rng::new(11);
    let mut per_base = vec![0i64; bases.len()];
    let mut rows = Vec::with_capacity(a.requests);
    for (i, m) in roster.iter().take(a.requests).enumerate() {
        let b = i % bases.len();
        per_base[b] += 1;
        rows.push(BenchRequest {
            member: m.0,
            product: wajib,
            base: bases[b],
            code: per_base[b],
            ref_code: RefCode::from_bits(rng.next_u64()).to_string(),
        });
    }
    // Members who already save (a coop with history, as in real use): one sukarela deposit
    // each, posted in batches.
    let t = Instant::now();
    let opening: Vec<guyub_store::counter::CounterJob> = roster
        .iter()
        .map(|m| guyub_store::counter::CounterJob {
            actor: actor.clone(),
            idem_key: None,
            req: guyub_store::savings::CounterRequest {
                member: m.0,
                method: guyub_core::savings::PayMethod::Cash.as_str().into(),
                date: now_local.date() - time::Duration::days(400),
                note: None,
                movements: vec![guyub_store::savings::Movement {
                    product: sukarela,
                    kind: guyub_core::savings::TxKind::Deposit.as_str().into(),
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
            guyub_store::counter::KeyLookup::First,
        )
        .await?
        {
            r?;
        }
        tx.commit().await?;
    }
    fill_requests(store.db(), kid, sukarela, &rows).await?;
    store.optimize().await?;
    println!(
        "opening deposits of {} members and {} open requests in {:.1} s",
        roster.len(),
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    // Fresh connections, as after the pool's recycling: PostgreSQL keeps the foreign-key check
    // plans a connection made while the tables were empty (sequential scans), which a real
    // server's day-old connections never have.
    store.db().close().await;
    let store = Store::connect(&a.database_url, 8).await?;
    let tenant = store.tenant(kid);

    // The statement: 80 % pay a request exactly, 10 % pay a request's total plus Rp 500 (to
    // review or unmatched), 10 % are payments nobody asked for.
    let at = PrimitiveDateTime::new(now_local.date(), now_local.time());
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut csv = String::from("Tanggal,Nominal,MDR,Net,RRN,Nama Pembayar\n");
    for (n, &i) in order.iter().enumerate() {
        let total = rows[i].base + rows[i].code;
        let amount = match n % 10 {
            0 => 3_000 + (rng.below(997_000) as i64),
            1 => total + 500,
            _ => total,
        };
        let fee = (amount * 3 + 500) / 1000;
        let when = at + time::Duration::seconds((n % 600) as i64);
        csv.push_str(&format!(
            "{} {:02}:{:02}:{:02},{amount},{fee},{},{},PEMBAYAR {n}\n",
            when.date(),
            when.hour(),
            when.minute(),
            when.second(),
            amount - fee,
            610_000_000 + n
        ));
    }

    let t = Instant::now();
    let st =
        guyub_web::statement_file::read("laporan-qris.csv", csv.as_bytes(), StatementKind::Qris)
            .map_err(|e| anyhow::anyhow!("statement: {e:?}"))?;
    println!(
        "read and parsed {} lines in {:.1} ms",
        st.lines.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    let created = at - time::Duration::minutes(5);
    let open: Vec<OpenRequest> = rows
        .iter()
        .map(|r| OpenRequest {
            id: uuid::Uuid::now_v7(),
            reference: r.ref_code.clone(),
            total: Rupiah(r.base + r.code),
            created_at: created,
            expires_at: created + time::Duration::hours(24),
            expired: false,
        })
        .collect();
    let mut times = vec![];
    let mut matched = 0;
    for _ in 0..a.runs.max(1) {
        let t = Instant::now();
        let m = match_lines(&st.lines, &open, MatchWindow::default());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        matched = m
            .iter()
            .filter(|x| matches!(x.outcome, MatchOutcome::Matched { .. }))
            .count();
    }
    println!(
        "core match, {} lines × {} open requests: median {:.1} ms of {} runs ({matched} matched) — target < 1000 ms",
        st.lines.len(),
        open.len(),
        median(times),
        a.runs.max(1)
    );

    let t = Instant::now();
    let sum = tenant.import_statement(&actor, &st, tz).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "store import (match + post {} payments + keep {} lines, one transaction): {:.2} s — {:.0} lines/s; {} to review, {} unmatched",
        sum.matched,
        sum.lines,
        secs,
        sum.lines as f64 / secs,
        sum.review,
        sum.unmatched
    );
    let problems = store.verify_books(Some(kid)).await?;
    println!("books verify: {} problems", problems.len());

    match store.engine() {
        guyub_store::Engine::Postgres => {
            crate::bench_books::pgbench_tpcb(&a.database_url, 8, true);
        }
        guyub_store::Engine::Sqlite => {
            let n = 2_000;
            let s = guyub_store::benchdata::sqlite_insert_loop(store.db(), n).await?;
            println!(
                "anchor (raw SQLite, one row per transaction, same file): {:.0} per second",
                f64::from(n) / s
            );
        }
    }
    store.db().close().await;
    Ok(())
}
