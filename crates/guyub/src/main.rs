//! `guyub`: the one binary. Serves the web app, runs migrations, fills the demo, and the
//! operators' tools (admin users, API tokens, backup, member import).

mod bench;
mod bench_books;
mod bench_market;
mod bench_payments;
mod demo;
mod demo_market;
mod demo_orders;
mod demo_photos;
mod demo_tomiko;
mod qris_cli;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use guyub_core::identity::{Email, Role, check_password};
use guyub_store::identity::NewGrant;
use guyub_store::{Actor, Store};
use guyub_web::{WebConfig, import_file, import_service};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "guyub",
    version,
    about = "Guyub: koperasi digital, milik anggota / the digital cooperative platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format: `text` (default) or `json`.
    #[arg(long, global = true, env = "GUYUB_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database: `sqlite://data/guyub.db?mode=rwc` (default) or `postgres://user:pw@host/db`.
    #[arg(
        long,
        env = "GUYUB_DATABASE_URL",
        default_value = "sqlite://data/guyub.db?mode=rwc"
    )]
    database_url: String,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GUYUB_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Mark cookies Secure (when served over HTTPS, directly or behind a proxy).
    #[arg(long, env = "GUYUB_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Trust the first X-Forwarded-For hop (only behind a proxy that overwrites it).
    #[arg(long, env = "GUYUB_TRUST_PROXY")]
    trust_proxy: bool,
    /// Largest upload in MB (member imports).
    #[arg(long, env = "GUYUB_MAX_UPLOAD_MB", default_value_t = 10)]
    max_upload_mb: usize,
    /// The address people and payment gateways reach this server at (e.g.
    /// https://koperasi.example.id): the gateway's notifications are sent to it.
    #[arg(long, env = "GUYUB_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a fresh demo database (East Java scenario), print the sign-ins, and serve it.
    Demo {
        /// Default: a fresh SQLite file at ./data/demo.db. It has its own variable, not
        /// GUYUB_DATABASE_URL: the demo empties its database and must never take the real one.
        #[arg(
            long,
            env = "GUYUB_DEMO_DATABASE_URL",
            default_value = "sqlite://data/demo.db?mode=rwc"
        )]
        database_url: String,
        #[command(flatten)]
        serve: ServeArgs,
        /// Seed of the random generator: the same seed gives the same data.
        #[arg(long, env = "GUYUB_DEMO_SEED", default_value_t = 2019)]
        seed: u64,
        /// Number of members across the three primary coops.
        #[arg(long, env = "GUYUB_DEMO_MEMBERS", default_value_t = 2000)]
        members: usize,
        /// Empty an existing PostgreSQL database first (all its Guyub tables are dropped).
        #[arg(long)]
        reset: bool,
        /// Fill the database and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Operators' user tools.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// Take a consistent copy of an SQLite database while it serves.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The file to write (must not exist).
        file: PathBuf,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// The books: integrity checks for operators and auditors.
    Books {
        #[command(subcommand)]
        cmd: BooksCmd,
    },
    /// Benchmarks of the member register (see docs/BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Benchmarks of the books: deposits through the API, trial balance, passbook.
    BenchBooks(bench_books::BooksBenchArgs),
    /// Benchmark of the statement import: 10,000 lines against 10,000 open requests.
    BenchPayments(bench_payments::PaymentsBenchArgs),
    /// Benchmarks of the marketplace: search and browse over a million products, checkout.
    BenchMarket(bench_market::MarketBenchArgs),
    /// QRIS tools: check, decode, convert to dynamic, render (docs/panduan-qris.md).
    Qris {
        #[command(subcommand)]
        cmd: qris_cli::QrisCmd,
    },
    /// Show, or set, the coop that operates the public /pasar and its fee on goods
    /// (docs/panduan-operator.md). The platform admin's page does the same.
    PasarOperator {
        #[command(flatten)]
        db: DbArgs,
        /// The operator coop: its code (KSPMLG), storefront slug or id. Without it, only show.
        #[arg(long)]
        koperasi: Option<String>,
        /// The fee in basis points on goods, 0 to 2000 (250 = 2,5 %).
        #[arg(long, default_value_t = 0)]
        fee_bp: i64,
    },
}

#[derive(Subcommand)]
enum BooksCmd {
    /// Recompute every invariant of the books from the raw records; exit 1 naming each thing
    /// that is wrong.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Only this coop (its code, e.g. KSPMLG).
        #[arg(long)]
        koperasi: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create a platform admin; the password is read from standard input.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Admin")]
        name: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new personal API token for a user (shown once).
    Token {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Import members from .xlsx or .csv into a coop: report every problem, or register all.
    Members {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// The coop's code (e.g. KSPMLG).
        #[arg(long)]
        koperasi: String,
        /// Only check the file; register nobody.
        #[arg(long)]
        dry_run: bool,
    },
}

fn init_logs(format: &str) {
    let filter = EnvFilter::try_from_env("GUYUB_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn web_config(s: &ServeArgs) -> WebConfig {
    WebConfig {
        secure_cookies: s.secure_cookies,
        trust_proxy: s.trust_proxy,
        max_upload_bytes: s.max_upload_mb * 1024 * 1024,
        public_url: s.public_url.clone(),
        ..WebConfig::default()
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Serves until SIGINT/SIGTERM, finishing requests in flight.
async fn serve(store: Store, s: &ServeArgs) -> anyhow::Result<()> {
    let state = guyub_web::new_state(store.clone(), web_config(s));
    // Expired sessions are removed hourly.
    let purge = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = purge
                .purge_sessions(time::OffsetDateTime::now_utc().unix_timestamp())
                .await
            {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
    // The payment gateway's status is polled every minute: the fallback for notifications
    // that never arrive (the server was down, the notification URL is not set).
    let polled = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let n = guyub_web::gateway_service::poll_all(&polled).await;
            if n > 0 {
                tracing::info!(changed = n, "gateway poll");
            }
            // Marketplace checkouts whose payment time ran out give their stock back.
            match polled
                .store
                .release_expired_checkouts(time::OffsetDateTime::now_utc())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "expired checkouts released"),
                Err(e) => tracing::warn!(error = %e, "releasing expired checkouts failed"),
            }
        }
    });
    // The certificate run: products whose halal, P-IRT or BPOM document expired lose their
    // curation badge (suspended until the seller uploads a new one). It is idempotent, so it
    // runs at start and then every hour. The day is WIB's (UTC+7): Indonesia's westernmost
    // zone is the last to leave a date, so no document is suspended while its last day still
    // runs somewhere in the country.
    let certs = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
            let today = time::OffsetDateTime::now_utc().to_offset(wib).date();
            match certs.store.expire_certificates(today).await {
                Ok(run) => {
                    if !run.suspended.is_empty() || !run.expiring.is_empty() {
                        tracing::info!(
                            suspended = run.suspended.len(),
                            expiring = run.expiring.len(),
                            "certificate run"
                        )
                    }
                }
                Err(e) => tracing::warn!(error = %e, "certificate run failed"),
            }
        }
    });
    let app = guyub_web::app(state);
    let listener = tokio::net::TcpListener::bind(s.listen)
        .await
        .with_context(|| format!("cannot listen on {}", s.listen))?;
    tracing::info!(listen = %s.listen, "guyub is serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    store.db().close().await;
    Ok(())
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Errors end the process with a message on stderr and exit code 1 (no backtrace: these are
/// messages for operators, e.g. "no coop with code X" or "3 problem(s) in the books").
#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(&cli.log_format);
    match cli.command {
        Command::Serve { db, serve: s } => {
            let store = Store::open(&db.database_url, 16)
                .await
                .context("opening the database")?;
            serve(store, &s).await
        }
        Command::Migrate { db } => {
            let store = Store::connect(&db.database_url, 2).await?;
            store.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo {
            database_url,
            serve: s,
            seed,
            members,
            reset,
            no_serve,
        } => {
            let started = Instant::now();
            if let Some(path) = sqlite_path(&database_url) {
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{}{suffix}", path.display()));
                    if p.exists() {
                        std::fs::remove_file(&p)
                            .with_context(|| format!("removing {}", p.display()))?;
                    }
                }
            }
            let store = Store::connect(&database_url, 8)
                .await
                .context("opening the database")?;
            if store.engine() == guyub_store::Engine::Postgres {
                if reset {
                    guyub_store::reset_postgres(store.db()).await?;
                } else if guyub_store::has_data(store.db()).await? {
                    bail!(
                        "the PostgreSQL database already holds Guyub data; run with --reset to replace it with the demo"
                    );
                }
            }
            store.migrate().await?;
            let hash = guyub_web::auth::hash_password(demo::DEMO_PASSWORD)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let logins = demo::seed(&store, seed, members, &hash).await?;
            let elapsed = started.elapsed();
            println!(
                "Guyub demo ready in {:.1} s ({members} members, seed {seed}).",
                elapsed.as_secs_f64()
            );
            println!(
                "Open http://{} and sign in with password {}:",
                s.listen,
                demo::DEMO_PASSWORD
            );
            for l in &logins {
                println!("  {:<40} {}", l.email, l.role);
            }
            if no_serve {
                return Ok(());
            }
            serve(store, &s).await
        }
        Command::Admin {
            cmd:
                AdminCmd::Create {
                    db,
                    email,
                    name,
                    password_stdin,
                },
        } => {
            if !password_stdin {
                bail!(
                    "give the password on standard input with --password-stdin (it never goes on the command line)"
                );
            }
            let mut pw = String::new();
            std::io::stdin().read_to_string(&mut pw)?;
            let pw = pw.trim_end_matches(['\n', '\r']);
            check_password(pw).map_err(|e| anyhow::anyhow!("{}", e.msg))?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{}", e.msg()))?;
            let store = Store::open(&db.database_url, 2).await?;
            let hash = guyub_web::auth::hash_password(pw).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let actor = Actor::system("cli");
            let id = store
                .create_user(&actor, email.as_str(), &name, &hash, false)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store
                .grant_role(
                    &actor,
                    id,
                    &NewGrant {
                        role: Role::Admin,
                        koperasi_id: None,
                        region_code: None,
                        member_id: None,
                    },
                )
                .await?;
            println!("platform admin {} created", email.as_str());
            Ok(())
        }
        Command::Admin {
            cmd: AdminCmd::Token { db, email, name },
        } => {
            let store = Store::open(&db.database_url, 2).await?;
            let user = store
                .user_by_email(&email.trim().to_lowercase())
                .await?
                .with_context(|| format!("no user with e-mail {email}"))?;
            let secret = format!(
                "guyub_{}",
                guyub_web::auth::random_secret().map_err(|e| anyhow::anyhow!("{e:?}"))?
            );
            store
                .create_token(&Actor::system("cli"), user.id, &name, &secret)
                .await?;
            println!("{secret}");
            Ok(())
        }
        Command::Backup { db, file } => {
            if file.exists() {
                bail!("{} already exists; choose a new file name", file.display());
            }
            let store = Store::connect(&db.database_url, 1).await?;
            let dest = file.to_str().context("the backup path must be UTF-8")?;
            store.db().backup_sqlite(dest).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Import {
            cmd:
                ImportCmd::Members {
                    db,
                    file,
                    koperasi,
                    dry_run,
                },
        } => {
            let store = Store::open(&db.database_url, 2).await?;
            let coop = store
                .koperasi_by_code(&koperasi.to_uppercase())
                .await
                .with_context(|| format!("no coop with code {koperasi}"))?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("berkas");
            let parsed = import_file::parse(name, &bytes).map_err(|m| anyhow::anyhow!("{m}"))?;
            for n in &parsed.notes {
                eprintln!("catatan: {n}");
            }
            let today = time::OffsetDateTime::now_utc()
                .to_offset(coop.timezone().offset())
                .date();
            let tenant = store.tenant(coop.id);
            let system = store.user_by_email("cli@guyub.local").await?;
            let by = match system {
                Some(u) => u.id,
                None => {
                    store
                        .create_user(
                            &Actor::system("cli"),
                            "cli@guyub.local",
                            "Guyub CLI",
                            "!",
                            false,
                        )
                        .await?
                }
            };
            let preview = import_service::preview(&tenant, by, name, parsed, today)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.msg()))?;
            for r in preview.rows.iter().filter(|r| !r.problems.is_empty()) {
                for p in &r.problems {
                    eprintln!("baris {}: {}: {}", r.line, p.field, p.msg);
                }
            }
            if preview.problem_rows > 0 {
                bail!(
                    "{} of {} rows have problems; nothing was registered",
                    preview.problem_rows,
                    preview.rows.len()
                );
            }
            if dry_run {
                println!(
                    "{} rows are ready; nothing registered (--dry-run)",
                    preview.rows.len()
                );
                return Ok(());
            }
            let n = import_service::commit(&tenant, &Actor::system("cli"), preview.id, today)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.msg()))?;
            println!("{n} members registered in {}", coop.data.name);
            Ok(())
        }
        Command::Books {
            cmd: BooksCmd::Verify { db, koperasi },
        } => {
            let store = Store::open(&db.database_url, 2).await?;
            let only = match koperasi {
                Some(code) => Some(
                    store
                        .koperasi_by_code(&code.to_uppercase())
                        .await
                        .with_context(|| format!("no coop with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let problems = store.verify_books(only).await?;
            if problems.is_empty() {
                println!(
                    "books verified: every entry balanced, trial balance zero, running balances and savings consistent"
                );
                return Ok(());
            }
            for p in &problems {
                eprintln!("{}: {}", p.koperasi, p.what);
            }
            bail!("{} problem(s) in the books", problems.len());
        }
        Command::Bench(args) => bench::run(args).await,
        Command::BenchBooks(args) => bench_books::run(args).await,
        Command::BenchPayments(args) => bench_payments::run(args).await,
        Command::BenchMarket(args) => bench_market::run(args).await,
        Command::Qris { cmd } => qris_cli::run(cmd),
        Command::PasarOperator {
            db,
            koperasi,
            fee_bp,
        } => {
            let store = Store::open(&db.database_url, 2).await?;
            if let Some(r) = koperasi {
                let k = store
                    .coop_by_ref(&r)
                    .await
                    .with_context(|| format!("no coop with code, slug or id {r}"))?;
                let actor = guyub_store::Actor::system("guyub pasar-operator (CLI)");
                match store.set_market_operator(&actor, k, fee_bp).await {
                    Ok(_) => {}
                    Err(guyub_store::StoreError::Invalid(fs)) => {
                        for f in fs {
                            eprintln!("{}", f.msg.get(guyub_core::Lang::Id));
                        }
                        bail!("the operator was not set");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            match store.market_operator().await? {
                Some(o) => println!(
                    "/pasar operator: {} ({}), fee {} bp",
                    o.koperasi_name, o.koperasi_id, o.fee_bp
                ),
                None => println!(
                    "/pasar has no operator: the coop of a cart's first item takes the payment, no fee"
                ),
            }
            Ok(())
        }
    }
}
