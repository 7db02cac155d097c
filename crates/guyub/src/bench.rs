//! `guyub bench`: the performance targets of the member register, measured, not guessed.
//!
//! Scenarios (issue #2): member list and search with N members in one coop (server time of
//! the full HTTP handler, in process, and of the store call alone), import of 10,000
//! members (preview + commit), the demo with 2,000 members, and idle memory of `guyub serve`.
//! Anchors measured in the same run: the same list query sent raw through sqlx (SQLite), and
//! `pgbench -S` (PostgreSQL) when pgbench is installed.

use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, header};
use clap::Args;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::member::MemberStatus;
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::member::MemberQuery;
use guyub_store::{Actor, Store};
use tower::ServiceExt;

use crate::demo::{self, Rng};

#[derive(Args)]
pub struct BenchArgs {
    /// Database to fill (it is emptied first): a SQLite file URL or a PostgreSQL URL.
    #[arg(
        long,
        env = "GUYUB_BENCH_DATABASE_URL",
        default_value = "sqlite:///tmp/guyub-bench.db?mode=rwc"
    )]
    database_url: String,
    /// Members in the coop for the list/search scenario.
    #[arg(long, default_value_t = 100_000)]
    members: usize,
    /// Repetitions of each query.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// Rows of the import scenario.
    #[arg(long, default_value_t = 10_000)]
    import_rows: usize,
    /// Skip the scenarios that start processes (demo timing, idle RSS).
    #[arg(long)]
    no_process: bool,
}

/// Median and 95th percentile of a sample, in milliseconds.
/// The middle value of `v` (the upper of the two middle ones when their count is even); 0
/// when empty.
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95))
}

async fn fresh(url: &str) -> anyhow::Result<Store> {
    if let Some(p) = url
        .strip_prefix("sqlite://")
        .and_then(|r| r.split('?').next())
    {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{s}"));
        }
    }
    let store = Store::connect(url, 8).await?;
    guyub_store::reset_postgres(store.db()).await?;
    store.migrate().await?;
    Ok(store)
}

pub fn coop_data(code: &str, region: &str) -> anyhow::Result<CoopData> {
    Ok(CoopData {
        code: code.into(),
        name: format!("Koperasi Uji {code}"),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::SimpanPinjam,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. Uji No. 1".into(),
        region: RegionCode::parse(region)?,
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    })
}

pub async fn run(a: BenchArgs) -> anyhow::Result<()> {
    let engine = if a.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "# guyub bench — {engine}, {} members, {} repetitions",
        a.members, a.repeat
    );
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        uname()
    );
    let store = fresh(&a.database_url).await?;
    let actor = Actor::system("bench");
    let today = time::OffsetDateTime::now_utc().date();
    let kid = store
        .create_koperasi(
            &actor,
            &coop_data("BENCH", "35.73.05.1001")?,
            &Bylaws::default(),
            2015,
        )
        .await?;
    let tenant = store.tenant(kid);
    let t = Instant::now();
    let mut rng = Rng::new(42);
    let ms = demo::members_for(&mut rng, &RegionCode::parse("35.73")?, a.members, today)?;
    for chunk in ms.chunks(10_000) {
        tenant.create_members_batch(&actor, chunk, false).await?;
    }
    println!(
        "\nseeded {} members in {:.1} s",
        a.members,
        t.elapsed().as_secs_f64()
    );
    store.optimize().await?;

    // Queries people actually type: common first names and name words, member-number
    // prefixes, a whole NIK, and plain paging.
    let sample_nik = ms[ms.len() / 2].nik.as_str().to_string();
    let year = ms[0].joined_on.year();
    let queries: Vec<(&str, MemberQuery)> = vec![
        (
            "list, page 1",
            MemberQuery {
                limit: 25,
                ..Default::default()
            },
        ),
        (
            "list, page 40",
            MemberQuery {
                limit: 25,
                offset: 975,
                ..Default::default()
            },
        ),
        (
            "list, status aktif",
            MemberQuery {
                limit: 25,
                status: Some(MemberStatus::Aktif),
                ..Default::default()
            },
        ),
        (
            "search 'siti'",
            MemberQuery {
                q: "siti".into(),
                limit: 25,
                ..Default::default()
            },
        ),
        (
            "search 'sri wah'",
            MemberQuery {
                q: "sri wah".into(),
                limit: 25,
                ..Default::default()
            },
        ),
        (
            "search 'a' (1 letter)",
            MemberQuery {
                q: "a".into(),
                limit: 25,
                ..Default::default()
            },
        ),
        (
            "search member no",
            MemberQuery {
                q: format!("BENCH-{year}-001"),
                limit: 25,
                ..Default::default()
            },
        ),
        (
            "search whole NIK",
            MemberQuery {
                q: sample_nik.clone(),
                limit: 25,
                ..Default::default()
            },
        ),
    ];

    // Full HTTP: the member list page rendered for a signed-in pengurus, in process.
    let hash =
        guyub_web::auth::hash_password("bench-password-1").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let user = store
        .create_user(&actor, "bench@guyub.test", "Bench", &hash, false)
        .await?;
    store
        .grant_role(
            &actor,
            user,
            &NewGrant {
                role: Role::Pengurus,
                koperasi_id: Some(kid),
                region_code: None,
                member_id: None,
            },
        )
        .await?;
    let secret = "bench-session-secret";
    store
        .create_session(
            secret,
            user,
            None,
            "csrf",
            time::OffsetDateTime::now_utc().unix_timestamp() + 3600,
        )
        .await?;
    let app = guyub_web::app(guyub_web::new_state(
        store.clone(),
        guyub_web::WebConfig::default(),
    ));

    println!(
        "\n| scenario | store call median ms | store call p95 ms | HTTP page median ms | HTTP page p95 ms | rows |"
    );
    println!("|---|---|---|---|---|---|");
    let mut worst_p95: f64 = 0.0;
    for (label, q) in &queries {
        let mut store_t = vec![];
        let mut rows = 0;
        for _ in 0..a.repeat {
            let t = Instant::now();
            let page = tenant.search_members(q).await?;
            store_t.push(t.elapsed());
            rows = page.members.len();
        }
        let status = q.status.map(|s| s.as_str()).unwrap_or("");
        let uri = format!(
            "/k/{kid}/anggota?q={}&status={status}&page={}",
            guyub_web::pages::url_encode(&q.q),
            q.offset / 25 + 1
        );
        let mut http_t = vec![];
        for _ in 0..a.repeat {
            let req = Request::get(&uri)
                .header(header::COOKIE, format!("guyub_session={secret}"))
                .body(Body::empty())?;
            let t = Instant::now();
            let res = app.clone().oneshot(req).await?;
            let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
            http_t.push(t.elapsed());
        }
        let (sm, sp) = stats(store_t);
        let (hm, hp) = stats(http_t);
        worst_p95 = worst_p95.max(hp);
        println!("| {label} | {sm:.2} | {sp:.2} | {hm:.2} | {hp:.2} | {rows} |");
    }
    println!("\nworst HTTP p95: {worst_p95:.2} ms (target < 20 ms)");

    // Anchor: the first-page query sent raw through the driver, no layers of ours.
    match store.db() {
        guyub_store::Db::Sqlite(_) => {
            let v = guyub_store::benchdata::sqlite_first_page(store.db(), kid, a.repeat).await?;
            let (m, p95) = stats(v);
            println!(
                "anchor (raw SQLite, same first-page query, 2 columns): median {m:.3} ms, p95 {p95:.3} ms"
            );
        }
        guyub_store::Db::Pg(_) => pgbench_anchor(&a.database_url),
    }

    // Import of N members: parse + preview + commit, into a second coop.
    let k2 = store
        .create_koperasi(
            &actor,
            &coop_data("IMPOR", "35.06.01.2001")?,
            &Bylaws::default(),
            2015,
        )
        .await?;
    let rows = demo::members_for(
        &mut Rng::new(7),
        &RegionCode::parse("35.06")?,
        a.import_rows,
        today,
    )?;
    let mut csv = String::from(
        "nik,nama,tempat_lahir,tanggal_lahir,alamat,kode_wilayah,telepon,pekerjaan,tanggal_masuk\n",
    );
    for m in &rows {
        csv.push_str(&format!(
            "{},{},{},{},\"{}\",{},{},{},{}\n",
            m.nik.as_str(),
            m.name,
            m.birth_place,
            m.birth_date,
            m.address,
            m.region.as_str(),
            m.phone.as_ref().map(|p| p.as_str()).unwrap_or(""),
            m.occupation,
            m.joined_on
        ));
    }
    let t2 = store.tenant(k2);
    let t = Instant::now();
    let parsed = guyub_web::import_file::parse("anggota.csv", csv.as_bytes())
        .map_err(|m| anyhow::anyhow!("{m}"))?;
    let preview = guyub_web::import_service::preview(&t2, user, "anggota.csv", parsed, today)
        .await
        .map_err(|e| anyhow::anyhow!("{:?}", e))?;
    let preview_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        preview.problem_rows == 0,
        "generated import rows have problems"
    );
    let t = Instant::now();
    let n = guyub_web::import_service::commit(&t2, &actor, preview.id, today)
        .await
        .map_err(|e| anyhow::anyhow!("{:?}", e))?;
    let commit_s = t.elapsed().as_secs_f64();
    println!(
        "\nimport {n} members: preview {preview_s:.2} s + commit {commit_s:.2} s = {:.2} s (target < 5 s)",
        preview_s + commit_s
    );

    if !a.no_process {
        process_scenarios(&a.database_url)?;
    }
    Ok(())
}

fn uname() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default()
}

pub(crate) fn pgbench_anchor(url: &str) {
    let run = |args: &[&str]| std::process::Command::new("pgbench").args(args).output();
    match run(&["-i", "-s", "1", "-q", url]) {
        Ok(o) if o.status.success() => {}
        _ => {
            println!("anchor: pgbench not available");
            return;
        }
    }
    if let Ok(o) = run(&["-S", "-M", "prepared", "-c", "1", "-T", "5", url]) {
        let out = String::from_utf8_lossy(&o.stdout);
        let lat = out
            .lines()
            .find(|l| l.starts_with("latency average"))
            .unwrap_or("?");
        let tps = out.lines().find(|l| l.starts_with("tps")).unwrap_or("?");
        println!("anchor (pgbench -S, 1 client, prepared, same server): {lat}; {tps}");
    }
}

/// The demo's start-up time and the idle memory of `guyub serve`, each in its own process.
fn process_scenarios(url: &str) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let demo_url = if url.starts_with("postgres") {
        url.to_string()
    } else {
        "sqlite:///tmp/guyub-bench-demo.db?mode=rwc".into()
    };
    let mut times = vec![];
    for _ in 0..3 {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .args([
                "demo",
                "--no-serve",
                "--reset",
                "--members",
                "2000",
                "--database-url",
                &demo_url,
            ])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        times.push(t.elapsed());
    }
    let (m, _) = stats(times);
    println!(
        "\nguyub demo --members 2000 (fresh database, whole process): median {:.2} s of 3 (target < 10 s)",
        m / 1000.0
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new(&exe)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &demo_url,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut up = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.to_string())
        })
        .context("reading the server's RSS")?;
    let _ = child.kill();
    let _ = child.wait();
    anyhow::ensure!(up, "guyub serve did not start");
    println!(
        "guyub serve idle memory after start-up: {} (target < 40 MB)",
        rss.trim_start_matches("VmRSS:").trim()
    );
    Ok(())
}
