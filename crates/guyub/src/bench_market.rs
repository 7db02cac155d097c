//! `guyub bench-market`: the marketplace's performance targets (issue #5).
//!
//! 1. A catalogue of `--products` (default 1,000,000) listed products across `--coops`
//!    (default 30,000) coops, written in bulk (`fill_market`), then: searches (store call and
//!    the whole `/pasar?q=…` page through the router, in process) and browsing by category and
//!    by kabupaten/kota; targets p95 < 30 ms (search) and < 20 ms (browse). Anchors in the same
//!    run: the rarest-token lookup sent raw through the driver (SQLite), `pgbench -S`
//!    (PostgreSQL).
//! 2. Checkout with stock reservation: `--buyers` (default 16) concurrent buyers making
//!    `--orders` checkouts of one or two lines from 20 real coops (chart of accounts, sellers,
//!    products made through the store), some on nearly sold-out variants; target ≥ 1,000
//!    orders per second on PostgreSQL. Then every checkout is paid (posting each order to its
//!    coop's books), stock is checked never to go below zero nor to sell more than there was,
//!    and `books verify` runs on every coop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use clap::Args;
use guyub_core::coop::Bylaws;
use guyub_core::market::catalog::{Category, CurationAction, Face, ListingScope};
use guyub_core::percent::BasisPoints;
use guyub_store::market::catalog::{
    BrowseFilter, BrowseSort, MarketSettingsInput, ProductInput, SellerInput, SellerKind,
    VariantInput,
};
use guyub_store::market::order::{
    BuyerInput, CheckoutInput, CheckoutLineInput, CheckoutPay, GroupChoice, ShipChoice, ShipTo,
};
use guyub_store::{Actor, Store, StoreError};
use tower::ServiceExt;

use crate::bench::stats;

use crate::demo::Rng;

#[derive(Args)]
pub struct MarketBenchArgs {
    /// Database to fill (it is emptied first).
    #[arg(long, default_value = "sqlite:///tmp/guyub-bench-market.db?mode=rwc")]
    database_url: String,
    /// Coops in the catalogue.
    #[arg(long, default_value_t = 30_000)]
    coops: usize,
    /// Listed products in the catalogue.
    #[arg(long, default_value_t = 1_000_000)]
    products: usize,
    /// Runs of each query.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// Concurrent buyers in the checkout scenario.
    #[arg(long, default_value_t = 16)]
    buyers: usize,
    /// Checkouts in the checkout scenario.
    #[arg(long, default_value_t = 8_000)]
    orders: usize,
    /// Skip the catalogue scenario (checkout only).
    #[arg(long)]
    no_catalogue: bool,
    /// Keep the database of an earlier run: no reset, and no fill when it already holds at
    /// least `--products` products (a million take 7–18 minutes to write). The checkout
    /// scenario then adds its 20 coops under a new run number.
    #[arg(long)]
    reuse: bool,
}

pub async fn run(a: MarketBenchArgs) -> anyhow::Result<()> {
    let engine = if a.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("# guyub bench market — {engine}");
    if !a.reuse
        && let Some(p) = a
            .database_url
            .strip_prefix("sqlite://")
            .and_then(|r| r.split('?').next())
    {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{p}{s}"));
        }
    }
    let store = Store::connect(&a.database_url, 24).await?;
    if !a.reuse {
        guyub_store::reset_postgres(store.db()).await?;
    }
    store.migrate().await?;
    if !a.no_catalogue {
        catalogue(&store, &a).await?;
    }
    checkout(&store, &a).await?;
    Ok(())
}

async fn catalogue(store: &Store, a: &MarketBenchArgs) -> anyhow::Result<()> {
    let t = Instant::now();
    let have = guyub_store::benchdata::product_count(store.db()).await?;
    if a.reuse && have >= i64::try_from(a.products)? {
        println!("reusing the catalogue already there: {have} products");
    } else {
        let fill =
            guyub_store::market::catalog::fill_market(store.db(), a.coops, a.products).await?;
        println!(
            "filled {} products of {} coops ({} search keys) in {:.0} s",
            fill.products,
            fill.coops,
            fill.tokens,
            t.elapsed().as_secs_f64()
        );
    }
    store.optimize().await?;
    let app = guyub_web::app(guyub_web::new_state(
        store.clone(),
        guyub_web::WebConfig::default(),
    ));
    println!(
        "\n| scenario | store median ms | store p95 ms | page median ms | page p95 ms | cards |"
    );
    println!("|---|---|---|---|---|---|");
    let search = |q: &str| BrowseFilter {
        q: Some(q.to_string()),
        limit: 24,
        ..Default::default()
    };
    let mut scenarios: Vec<(String, BrowseFilter, String, bool)> = vec![];
    for q in [
        "keripik pisang",
        "kopi",
        "batik tulis",
        "madu hutan",
        "sambal",
        "kerip",
        "beras organik 5",
        "sarung",
    ] {
        scenarios.push((
            format!("search `{q}`"),
            search(q),
            format!("/pasar?q={}", guyub_web::pages::url_encode(q)),
            true,
        ));
    }
    for c in [
        Category::MakananMinuman,
        Category::FashionBatik,
        Category::Kerajinan,
    ] {
        scenarios.push((
            format!("category {}", c.as_str()),
            BrowseFilter {
                category: Some(c),
                limit: 24,
                ..Default::default()
            },
            format!("/pasar?kategori={}", c.as_str()),
            false,
        ));
    }
    scenarios.push((
        "category, cheapest first".into(),
        BrowseFilter {
            category: Some(Category::MakananMinuman),
            sort: BrowseSort::Termurah,
            limit: 24,
            ..Default::default()
        },
        "/pasar?kategori=makanan-minuman&urut=termurah".into(),
        false,
    ));
    for r in ["35.73", "35.07"] {
        scenarios.push((
            format!("region {r}"),
            BrowseFilter {
                regency_code: Some(r.into()),
                limit: 24,
                ..Default::default()
            },
            format!("/pasar?wilayah={r}"),
            false,
        ));
    }
    scenarios.push((
        "all, newest".into(),
        BrowseFilter {
            limit: 24,
            ..Default::default()
        },
        "/pasar".into(),
        false,
    ));
    let (mut worst_search, mut worst_browse) = (0.0_f64, 0.0_f64);
    for (label, f, uri, is_search) in &scenarios {
        let mut store_t = vec![];
        let mut cards = 0;
        for _ in 0..a.repeat {
            let t = Instant::now();
            let page = store.search_products(f).await?;
            store_t.push(t.elapsed());
            cards = page.cards.len();
        }
        let mut page_t = vec![];
        for _ in 0..a.repeat {
            let req = Request::get(uri.as_str()).body(Body::empty())?;
            let t = Instant::now();
            let res = app.clone().oneshot(req).await?;
            anyhow::ensure!(res.status().is_success(), "{uri}: {}", res.status());
            let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
            page_t.push(t.elapsed());
        }
        let (sm, sp) = stats(store_t);
        let (pm, pp) = stats(page_t);
        if *is_search {
            worst_search = worst_search.max(pp);
        } else {
            worst_browse = worst_browse.max(pp);
        }
        println!("| {label} | {sm:.2} | {sp:.2} | {pm:.2} | {pp:.2} | {cards} |");
    }
    println!(
        "\nworst page p95: search {worst_search:.2} ms (target < 30 ms), browse {worst_browse:.2} ms (target < 20 ms)"
    );
    match store.db() {
        guyub_store::Db::Sqlite(_) => {
            let v =
                guyub_store::benchdata::sqlite_token_lookup(store.db(), "kopi", a.repeat).await?;
            let (m, p95) = stats(v);
            println!(
                "anchor (raw SQLite: 24 product ids of one search key, through the driver): median {m:.3} ms, p95 {p95:.3} ms"
            );
        }
        guyub_store::Db::Pg(_) => crate::bench::pgbench_anchor(&a.database_url),
    }
    Ok(())
}

/// One buyable variant of the checkout scenario.
#[derive(Clone, Copy)]
struct Item {
    coop: guyub_core::ids::KoperasiId,
    seller: uuid::Uuid,
    variant: uuid::Uuid,
}

async fn checkout(store: &Store, a: &MarketBenchArgs) -> anyhow::Result<()> {
    let actor = Actor::system("bench");
    let mut items: Vec<Item> = vec![];
    // Hot items: a few units each, bought by many buyers at once (nothing may be oversold).
    let mut hot: Vec<(uuid::Uuid, i64)> = vec![];
    let mut coops = vec![];
    // A run number keeps the codes and slugs of a reused database's earlier runs apart.
    let earlier = guyub_store::benchdata::coops_with_code_prefix(store.db(), "PSR").await?;
    let run = earlier / 20;
    let tag = if run == 0 {
        String::new()
    } else {
        format!("{run}")
    };
    for c in 0..20 {
        let data = crate::bench::coop_data(&format!("PSR{tag}{c:02}"), "35.73.05.1001")?;
        let k = store
            .create_koperasi(&actor, &data, &Bylaws::default(), 2020)
            .await?;
        coops.push(k);
        let t = store.tenant(k);
        t.set_market_settings(
            &actor,
            &MarketSettingsInput {
                opt_in: true,
                slug: format!("psr{tag}-{c:02}"),
                commission: BasisPoints(1000),
                runs_tomiko: false,
                pickup_address: Some("Kantor".into()),
            },
        )
        .await?;
        for (s, consignment) in [(0, true), (1, false)] {
            let seller = t
                .create_seller(
                    &actor,
                    &SellerInput {
                        kind: if consignment {
                            SellerKind::Umkm
                        } else {
                            SellerKind::UnitKoperasi
                        },
                        name: format!("Penjual {c}-{s}"),
                        owner_name: "Pemilik".into(),
                        member_id: None,
                        user_id: None,
                        nib: None,
                        address: "Jl. Uji".into(),
                        region_code: "35.73".into(),
                        category: "makanan-minuman".into(),
                        phone: None,
                        description: String::new(),
                        consignment,
                        commission: None,
                    },
                )
                .await?;
            for n in 0..10 {
                let is_hot = n == 0;
                let stock = if is_hot { 5 } else { 1_000_000 };
                let p = t
                    .create_product(
                        &actor,
                        seller.id,
                        &ProductInput {
                            name: format!("Keripik Uji {c}-{s}-{n}"),
                            category: "makanan-minuman".into(),
                            description: String::new(),
                            faces: ListingScope::of(&[Face::JatimIso]),
                            brand: None,
                            wholesale_only: false,
                            variants: vec![VariantInput {
                                id: None,
                                label: "200 g".into(),
                                sku: None,
                                barcode: None,
                                price: 15_000 + 500 * n,
                                member_price: None,
                                tiers: String::new(),
                                cost: if consignment { 0 } else { 10_000 },
                                weight_g: 200,
                                stock,
                                active: true,
                            }],
                            docs: vec![],
                        },
                    )
                    .await?;
                t.submit_product(&actor, seller.id, p.summary.id).await?;
                store
                    .curate_product(&actor, k, p.summary.id, CurationAction::Approve, None)
                    .await?;
                let v = p.variants[0].id.0;
                if is_hot {
                    hot.push((v, stock));
                }
                items.push(Item {
                    coop: k,
                    seller: seller.id.0,
                    variant: v,
                });
            }
        }
    }
    store.optimize().await?;
    let items = Arc::new(items);
    let done = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let per_buyer = a.orders / a.buyers.max(1);
    let t = Instant::now();
    let mut tasks = vec![];
    for b in 0..a.buyers {
        let (store, items, done, refused) =
            (store.clone(), items.clone(), done.clone(), refused.clone());
        let mut rng = Rng::new(100 + b as u64);
        tasks.push(tokio::spawn(async move {
            let mut made = vec![];
            let mut lat = vec![];
            for i in 0..per_buyer {
                // One or two lines; one checkout in twenty goes for a hot item.
                let first = if rng.chance(5) {
                    items[rng.below(items.len() / 10) * 10]
                } else {
                    *rng.pick(&items)
                };
                let mut lines = vec![first];
                if rng.chance(40) {
                    let second = *rng.pick(&items);
                    if second.variant != first.variant {
                        lines.push(second);
                    }
                }
                let mut groups: Vec<(guyub_core::ids::KoperasiId, uuid::Uuid)> =
                    lines.iter().map(|l| (l.coop, l.seller)).collect();
                groups.dedup();
                let input = CheckoutInput {
                    operator: first.coop,
                    idem_key: Some(format!("bench-{b}-{i}")),
                    buyer: BuyerInput {
                        name: format!("Pembeli {b}"),
                        phone: "081234567890".into(),
                        user_id: None,
                        member_no: None,
                    },
                    lines: lines
                        .iter()
                        .map(|l| CheckoutLineInput {
                            coop_id: l.coop,
                            variant_id: l.variant.into(),
                            qty: 1,
                        })
                        .collect(),
                    groups: groups
                        .iter()
                        .map(|(k, s)| GroupChoice {
                            coop_id: *k,
                            seller_id: (*s).into(),
                            shipping: ShipChoice::Pickup,
                            ship_to: ShipTo {
                                name: format!("Pembeli {b}"),
                                address: "Ambil di koperasi".into(),
                                region: None,
                            },
                        })
                        .collect(),
                    pay_method: CheckoutPay::CashAtPickup,
                };
                let started = Instant::now();
                match store.checkout(&input).await {
                    Ok(c) => {
                        lat.push(started.elapsed());
                        done.fetch_add(1, Ordering::Relaxed);
                        made.push((input.operator, c.id));
                    }
                    Err(StoreError::Conflict(_)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => return Err(anyhow::anyhow!("checkout failed: {e:?}")),
                }
            }
            Ok::<_, anyhow::Error>((made, lat))
        }));
    }
    let mut made = vec![];
    let mut lat = vec![];
    for task in tasks {
        let (m, l) = task.await??;
        made.extend(m);
        lat.extend(l);
    }
    let secs = t.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    let (m, p95) = stats(lat);
    println!(
        "\ncheckouts: {n} in {secs:.2} s = {:.0} orders per second ({} buyers; {} refused for stock); latency median {m:.2} ms, p95 {p95:.2} ms (target ≥ 1,000/s on PostgreSQL)",
        n as f64 / secs,
        a.buyers,
        refused.load(Ordering::Relaxed)
    );
    // Pay them all (posting each order to its coop's books), then check the invariants.
    let t = Instant::now();
    for (k, id) in &made {
        store
            .mark_checkout_paid(&actor, *k, (*id).into(), "bench")
            .await?;
    }
    println!(
        "paid {} checkouts (each order posted) in {:.2} s",
        made.len(),
        t.elapsed().as_secs_f64()
    );
    let sold = guyub_store::benchdata::variant_stock(store.db(), &hot).await?;
    let mut bad = 0;
    for ((v, start), now) in hot.iter().zip(&sold) {
        if *now < 0 || *now > *start {
            bad += 1;
            println!("variant {v}: stock {now} of {start}");
        }
    }
    println!(
        "hot variants: {} with 5 units each, {} sold out, {bad} with a wrong stock",
        hot.len(),
        sold.iter().filter(|s| **s == 0).count()
    );
    let mut problems = 0;
    for k in &coops {
        problems += store.verify_books(Some(*k)).await?.len();
    }
    println!(
        "books verify on the {} coops: {problems} problem(s)",
        coops.len()
    );
    anyhow::ensure!(bad == 0 && problems == 0, "invariants broken");
    Ok(())
}
