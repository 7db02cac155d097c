//! The demo's marketplace: each demo coop opens its storefront with a few sellers (members'
//! UMKM, the coop's own store unit, the pesantren's business unit) and about a hundred
//! products — kopi, batik, keripik, sarung, madu, beras, sambal… — most of them curated, some
//! waiting for the curators or sent back for changes; the secondary coop runs a Tomiko
//! wholesale catalogue for its member coops.
//!
//! Everything goes through the store's own operations (the same checks as the pages), so the
//! demo data is as valid as what a seller would type.

use guyub_core::ids::KoperasiId;
use guyub_core::market::catalog::{CurationAction, Face, ListingScope};
use guyub_core::percent::BasisPoints;
use std::collections::BTreeSet;

use guyub_core::market::shipping::{CourierRate, Etd, RateTable, Zone, ZoneRates};
use guyub_core::member::MemberStatus;
use guyub_core::money::Rupiah;
use guyub_core::region::RegionCode;
use guyub_store::market::catalog::{
    DocInput, FilePurpose, MarketSettingsInput, NewFile, ProductInput, SellerInput, SellerKind,
    VariantInput,
};
use guyub_store::member::MemberQuery;
use guyub_store::{Actor, Store};
use time::{Date, OffsetDateTime};

use crate::demo::Rng;
use crate::demo_photos::{Pic, Pictures};

/// One kind of product a demo seller makes: its name stem, category, base price, weight, and
/// which permits such a product carries.
struct Kind {
    names: &'static [&'static str],
    category: &'static str,
    price: i64,
    grams: i64,
    variants: &'static [(&'static str, i64)],
    food: bool,
    /// The picture its photo shows.
    pic: Pic,
}

const KINDS: &[Kind] = &[
    Kind {
        names: &[
            "Keripik Pisang",
            "Kripik Pisang Agung",
            "Keripik Pisang Cokelat",
        ],
        category: "makanan-minuman",
        price: 15_000,
        grams: 200,
        variants: &[("200 g", 100), ("500 g", 230)],
        food: true,
        pic: Pic::Chips,
    },
    Kind {
        names: &[
            "Keripik Tempe",
            "Kripik Tempe Sagu",
            "Keripik Singkong Balado",
        ],
        category: "makanan-minuman",
        price: 12_000,
        grams: 150,
        variants: &[("150 g", 100), ("400 g", 240)],
        food: true,
        pic: Pic::Chips,
    },
    Kind {
        names: &[
            "Sambal Bawang",
            "Sambel Pecel",
            "Sambal Teri Medan",
            "Sambal Cumi",
        ],
        category: "makanan-minuman",
        price: 25_000,
        grams: 180,
        variants: &[("Botol 180 ml", 100)],
        food: true,
        pic: Pic::Jar,
    },
    Kind {
        names: &[
            "Kopi Robusta Dampit",
            "Kopi Arabika Ijen",
            "Kopi Bubuk Tulungagung",
        ],
        category: "makanan-minuman",
        price: 45_000,
        grams: 250,
        variants: &[
            ("250 g biji", 100),
            ("250 g bubuk", 100),
            ("1 kg biji", 360),
        ],
        food: true,
        pic: Pic::Beans,
    },
    Kind {
        names: &["Madu Hutan", "Madu Randu", "Madu Kelengkeng"],
        category: "kesehatan-herbal",
        price: 85_000,
        grams: 500,
        variants: &[("250 ml", 55), ("500 ml", 100)],
        food: true,
        pic: Pic::Jar,
    },
    Kind {
        names: &["Jamu Kunyit Asam", "Wedang Jahe Merah", "Jamu Beras Kencur"],
        category: "kesehatan-herbal",
        price: 18_000,
        grams: 250,
        variants: &[("Botol 250 ml", 100)],
        food: true,
        pic: Pic::Bottle,
    },
    Kind {
        names: &["Batik Tulis Madura", "Batik Cap Tuban", "Batik Malangan"],
        category: "fashion-batik",
        price: 275_000,
        grams: 300,
        variants: &[("Kain 2 m", 100), ("Kemeja M", 120), ("Kemeja L", 125)],
        food: false,
        pic: Pic::Batik,
    },
    Kind {
        names: &["Sarung Tenun Gresik", "Sarung Santri", "Sarung Goyor"],
        category: "fashion-batik",
        price: 120_000,
        grams: 400,
        variants: &[("Hijau", 100), ("Biru", 100), ("Marun", 100)],
        food: false,
        pic: Pic::Sarung,
    },
    Kind {
        names: &["Beras Organik", "Beras Pandan Wangi", "Beras Merah"],
        category: "sembako",
        price: 68_000,
        grams: 5000,
        variants: &[("5 kg", 100), ("10 kg", 195)],
        food: true,
        pic: Pic::Sack,
    },
    Kind {
        names: &["Gula Aren Cair", "Gula Semut Aren"],
        category: "sembako",
        price: 30_000,
        grams: 500,
        variants: &[("500 g", 100), ("1 kg", 190)],
        food: true,
        pic: Pic::Jar,
    },
    Kind {
        names: &["Tas Anyaman Pandan", "Tas Rotan Bulat", "Keranjang Bambu"],
        category: "kerajinan",
        price: 95_000,
        grams: 450,
        variants: &[("Kecil", 80), ("Besar", 130)],
        food: false,
        pic: Pic::Basket,
    },
    Kind {
        names: &["Sabun Herbal Sereh", "Sabun Kopi Scrub"],
        category: "kecantikan-perawatan",
        price: 20_000,
        grams: 100,
        variants: &[("1 batang", 100), ("Isi 3", 270)],
        food: false,
        pic: Pic::Soap,
    },
    Kind {
        names: &["Kopiah Rajut", "Mukena Katun Jepang", "Tasbih Kayu Kaokah"],
        category: "buku-perlengkapan-ibadah",
        price: 65_000,
        grams: 200,
        variants: &[("Standar", 100)],
        food: false,
        pic: Pic::Peci,
    },
    Kind {
        names: &["Bandeng Presto", "Otak-otak Bandeng", "Ikan Asap Lele"],
        category: "peternakan-perikanan",
        price: 55_000,
        grams: 500,
        variants: &[("Isi 4", 100), ("Isi 8", 190)],
        food: true,
        pic: Pic::Fish,
    },
];

/// Indices into [`KINDS`], by name, for the sellers' lists.
const KERIPIK_PISANG: usize = 0;
const KERIPIK_TEMPE: usize = 1;
const SAMBAL: usize = 2;
const KOPI: usize = 3;
const MADU: usize = 4;
const JAMU: usize = 5;
const BATIK: usize = 6;
const SARUNG: usize = 7;
const BERAS: usize = 8;
const GULA_AREN: usize = 9;
const ANYAMAN: usize = 10;
const SABUN: usize = 11;
const IBADAH: usize = 12;
const BANDENG: usize = 13;

/// A demo seller: name, owner, kind, consignment, its category, and the kinds of product it
/// makes (a batik house sells batik, not keripik).
struct SellerSpec {
    name: &'static str,
    owner: &'static str,
    kind: SellerKind,
    consignment: bool,
    category: &'static str,
    kinds: &'static [usize],
    /// The name its products carry after the product's own ("Keripik Pisang Bu Tini").
    brand: &'static str,
}

/// Sellers of each demo coop. The last one is the coop's own store unit; in a pesantren coop
/// it is the pondok's business unit ([`PONDOK_UNIT`]).
const SELLERS: &[SellerSpec] = &[
    SellerSpec {
        name: "UD Berkah Jaya",
        owner: "Siti Rahayu",
        kind: SellerKind::Umkm,
        consignment: true,
        category: "makanan-minuman",
        kinds: &[KOPI, MADU, GULA_AREN, JAMU],
        brand: "Berkah Jaya",
    },
    SellerSpec {
        name: "Dapur Bu Tini",
        owner: "Sri Hartini",
        kind: SellerKind::Umkm,
        consignment: true,
        category: "makanan-minuman",
        kinds: &[KERIPIK_PISANG, KERIPIK_TEMPE, SAMBAL, BANDENG],
        brand: "Bu Tini",
    },
    SellerSpec {
        name: "Griya Batik Sekar",
        owner: "Dewi Lestari",
        kind: SellerKind::Umkm,
        consignment: true,
        category: "fashion-batik",
        kinds: &[BATIK, SARUNG, ANYAMAN],
        brand: "Sekar",
    },
    SellerSpec {
        name: "Toko Koperasi",
        owner: "Pengurus",
        kind: SellerKind::UnitKoperasi,
        consignment: false,
        category: "sembako",
        kinds: &[BERAS, GULA_AREN, SABUN, KOPI],
        brand: "Pilihan Koperasi",
    },
];

/// The pesantren coop's own seller, in place of the store unit: the pondok's business unit,
/// selling what pesantren typically make (OPOP products).
const PONDOK_UNIT: SellerSpec = SellerSpec {
    name: "Unit Usaha Pondok",
    owner: "Pengurus",
    kind: SellerKind::Pesantren,
    consignment: false,
    category: "buku-perlengkapan-ibadah",
    kinds: &[IBADAH, BERAS, SABUN, JAMU, SARUNG],
    brand: "Al-Hikmah",
};

/// Checkouts the demo's year of orders plans (some are cancelled, a few refused as sold out).
const DEMO_CHECKOUTS: usize = 360;

/// Gives each coop a storefront, sellers and products. `coops` are the primary demo coops with
/// their storefront slug and regency; `secondary` runs Tomiko for them.
pub async fn seed(
    store: &Store,
    rng: &mut Rng,
    actor: &Actor,
    coops: &[(KoperasiId, &str, &str, bool)],
    secondary: KoperasiId,
    today: Date,
) -> anyhow::Result<usize> {
    let mut made = 0;
    let started = std::time::Instant::now();
    let mut pictures = Pictures::default();
    let mut shops = vec![];
    for (ci, (k, slug, regency, pesantren)) in coops.iter().enumerate() {
        let t = store.tenant(*k);
        t.set_market_settings(
            actor,
            &MarketSettingsInput {
                opt_in: true,
                slug: (*slug).to_string(),
                commission: BasisPoints(1000),
                runs_tomiko: false,
                pickup_address: Some("Kantor koperasi, Senin–Sabtu 08.00–15.00".into()),
            },
        )
        .await?;
        // A few members own the UMKM sellers: their consignment sales earn them patronage.
        let members = t
            .search_members(&MemberQuery {
                q: String::new(),
                status: None,
                kind: None,
                limit: 10,
                offset: 0,
            })
            .await?
            .members;
        t.set_shipping_rates(actor, Some(&zones(regency)?), &courier_rates()?)
            .await?;
        let mut sellers = vec![];
        for (i, spec) in SELLERS.iter().enumerate() {
            let spec = if *pesantren && spec.kind == SellerKind::UnitKoperasi {
                &PONDOK_UNIT
            } else {
                spec
            };
            let (name, owner, kind) = (spec.name, spec.owner, spec.kind);
            let member = members.get(i).filter(|_| kind == SellerKind::Umkm);
            let s = t
                .create_seller(
                    actor,
                    &SellerInput {
                        kind,
                        name: name.to_string(),
                        owner_name: member.map(|m| m.name.clone()).unwrap_or(owner.to_string()),
                        member_id: member.map(|m| m.id),
                        user_id: None,
                        nib: Some(format!("91204{:08}", rng.below(100_000_000))),
                        address: format!("Jl. Pasar Baru No. {}", 1 + rng.below(90)),
                        region_code: (*regency).to_string(),
                        category: spec.category.into(),
                        phone: Some(format!("0812{:08}", rng.below(100_000_000))),
                        description: format!("{name}: produk rumahan dari anggota koperasi."),
                        consignment: spec.consignment,
                        commission: None,
                    },
                )
                .await?;
            sellers.push((s, spec));
        }
        let regency_digits: String = regency.chars().filter(char::is_ascii_digit).collect();
        let mut items = vec![];
        for n in 0..100 {
            let (seller, spec) = &sellers[n % sellers.len()];
            let kind = &KINDS[*rng.pick(spec.kinds)];
            let stem = *rng.pick(kind.names);
            let name = format!("{stem} {}", spec.brand);
            let price = kind.price + 500 * rng.below(20) as i64;
            let variants = kind
                .variants
                .iter()
                .enumerate()
                .map(|(vi, (label, pct))| VariantInput {
                    id: None,
                    label: (*label).to_string(),
                    sku: None,
                    // The coop's own goods carry a barcode, for the store counter.
                    barcode: (!seller.consignment).then(|| demo_barcode(ci, n, vi)),
                    price: price * pct / 100 / 500 * 500,
                    member_price: Some(price * pct / 100 / 500 * 500 * 95 / 100 / 100 * 100),
                    tiers: String::new(),
                    cost: if seller.consignment {
                        0
                    } else {
                        price * pct / 100 * 70 / 100
                    },
                    weight_g: kind.grams * pct / 100,
                    stock: 5 + rng.below(60) as i64,
                    active: true,
                })
                .collect();
            let mut docs = vec![];
            if kind.food {
                let expires = today.replace_year(today.year() + 2).unwrap_or(today);
                docs.push(DocInput {
                    kind: "pirt".into(),
                    number: format!(
                        "2{:02}{regency_digits}{:02}{:04}{:02}",
                        10 + rng.below(80),
                        1 + rng.below(20),
                        1 + rng.below(2000),
                        expires.year() % 100
                    ),
                    expires_on: Some(expires),
                    file_id: None,
                });
                if rng.chance(70) {
                    docs.push(DocInput {
                        kind: "halal".into(),
                        number: format!("ID{regency_digits}{:012}", rng.below(1_000_000_000)),
                        // About one in eleven expires within the month, so the dashboards'
                        // "documents to renew" has something to show (no extra random draw:
                        // the rest of the demo stays the same).
                        expires_on: Some(if (ci + n) % 11 == 3 {
                            today + time::Duration::days(7 + ((ci + n) % 20) as i64)
                        } else {
                            today.replace_year(today.year() + 3).unwrap_or(today)
                        }),
                        file_id: None,
                    });
                }
            }
            let faces = if *pesantren {
                ListingScope::of(&[Face::JatimIso, Face::Opop])
            } else {
                ListingScope::of(&[Face::JatimIso])
            };
            let p = t
                .create_product(
                    actor,
                    seller.id,
                    &ProductInput {
                        name,
                        category: kind.category.into(),
                        description: format!(
                            "{} buatan {}.\n\n- Bahan pilihan\n- Dikemas rapi\n- Dikirim dari {}",
                            stem,
                            seller.name,
                            guyub_core::region::lookup(regency).unwrap_or_default()
                        ),
                        faces,
                        brand: None,
                        wholesale_only: false,
                        variants,
                        docs,
                    },
                )
                .await?;
            let pid = p.summary.id;
            let photo = pictures.get(kind.pic, rng.below(3))?;
            t.add_product_file(actor, seller.id, pid, &new_file(photo))
                .await?;
            // Most are submitted and approved; some wait, a few were sent back.
            if rng.chance(92) {
                t.submit_product(actor, seller.id, pid).await?;
                let roll = rng.below(100);
                if roll < 85 {
                    store
                        .curate_product(actor, *k, pid, CurationAction::Approve, None)
                        .await?;
                    items.push(crate::demo_orders::Item {
                        seller: seller.id,
                        variants: p.variants.iter().map(|v| v.id).collect(),
                    });
                } else if roll < 93 {
                    store
                        .curate_product(
                            actor,
                            *k,
                            pid,
                            CurationAction::RequestChanges,
                            Some("Label kemasan belum mencantumkan nomor P-IRT; mohon foto ulang labelnya."),
                        )
                        .await?;
                }
            }
            made += 1;
        }
        // Members who shop as members: active, with a phone to recognise them by.
        let buyers = t
            .search_members(&MemberQuery {
                q: String::new(),
                status: Some(MemberStatus::Aktif),
                kind: None,
                limit: 200,
                offset: 0,
            })
            .await?
            .members
            .into_iter()
            .filter_map(|m| m.phone.map(|p| (m.name, m.member_no, p)))
            .collect();
        shops.push(crate::demo_orders::Shop {
            id: *k,
            regency: (*regency).to_string(),
            items,
            members: buyers,
            consignment: sellers
                .iter()
                .filter(|(s, _)| s.consignment)
                .map(|(s, _)| s.id)
                .collect(),
        });
    }
    // Tomiko: the secondary coop's wholesale catalogue, for its member coops.
    let t = store.tenant(secondary);
    t.set_market_settings(
        actor,
        &MarketSettingsInput {
            opt_in: true,
            slug: "puskop-jatim".into(),
            commission: BasisPoints(500),
            runs_tomiko: true,
            pickup_address: Some("Gudang Puskop, Jl. Gayung Kebonsari No. 1".into()),
        },
    )
    .await?;
    // The secondary coop also runs the public /pasar (the Jatim Iso storefront) at 2,5 %.
    store.set_market_operator(actor, secondary, 250).await?;
    for (k, ..) in coops {
        t.grant_tomiko_access(actor, *k, 30).await?;
    }
    let unit = t
        .create_seller(
            actor,
            &SellerInput {
                kind: SellerKind::UnitKoperasi,
                name: "Gudang Tomiko Puskop".into(),
                owner_name: "Pusat Koperasi Jawa Timur".into(),
                member_id: None,
                user_id: None,
                nib: None,
                address: "Jl. Gayung Kebonsari No. 1".into(),
                region_code: "35.78".into(),
                category: "sembako".into(),
                phone: None,
                description: "Grosir untuk toko koperasi anggota.".into(),
                consignment: false,
                commission: None,
            },
        )
        .await?;
    for (i, (name, price, grams, pic)) in [
        ("Beras Medium Karung", 310_000_i64, 25_000_i64, Pic::Sack),
        ("Gula Pasir Karton", 720_000, 50_000, Pic::Carton),
        ("Minyak Goreng Dus", 215_000, 12_000, Pic::Carton),
        ("Tepung Terigu Sak", 190_000, 25_000, Pic::Sack),
        ("Mi Instan Dus", 110_000, 3_000, Pic::Carton),
        ("Teh Celup Karton", 240_000, 4_000, Pic::Carton),
    ]
    .into_iter()
    .enumerate()
    {
        let p = t
            .create_product(
                actor,
                unit.id,
                &ProductInput {
                    name: name.into(),
                    category: "sembako".into(),
                    description: "Harga grosir untuk koperasi anggota; tempo 30 hari.".into(),
                    faces: ListingScope::of(&[Face::Tomiko]),
                    brand: None,
                    wholesale_only: true,
                    variants: vec![VariantInput {
                        id: None,
                        label: "Per kemasan".into(),
                        sku: None,
                        barcode: None,
                        price,
                        member_price: None,
                        tiers: format!("10: {}\n50: {}", price * 97 / 100, price * 95 / 100),
                        cost: price * 90 / 100,
                        weight_g: grams,
                        stock: 200,
                        active: true,
                    }],
                    docs: vec![],
                },
            )
            .await?;
        t.add_product_file(
            actor,
            unit.id,
            p.summary.id,
            &new_file(pictures.get(pic, i)?),
        )
        .await?;
        t.submit_product(actor, unit.id, p.summary.id).await?;
        store
            .curate_product(
                actor,
                secondary,
                p.summary.id,
                CurationAction::Approve,
                None,
            )
            .await?;
        made += 1;
    }
    // A year of orders in the primary coops' storefronts.
    let catalogue_s = started.elapsed().as_secs_f64();
    let now = OffsetDateTime::now_utc();
    let start = Date::from_calendar_date(today.year() - 1, today.month(), 1)?;
    let orders = crate::demo_orders::seed(
        store,
        rng,
        actor,
        &shops,
        start,
        now,
        DEMO_CHECKOUTS,
        Some(secondary),
    )
    .await?;
    tracing::info!(
        products = made,
        pictures = pictures.len(),
        checkouts = orders.checkouts,
        refused = orders.refused,
        payouts = orders.payouts,
        settlements = orders.settlements,
        catalogue_s,
        orders_s = started.elapsed().as_secs_f64() - catalogue_s,
        "demo marketplace filled"
    );
    made += crate::demo_tomiko::seed(
        store,
        actor,
        &coops.iter().map(|c| c.0).collect::<Vec<_>>(),
        secondary,
    )
    .await?;
    Ok(made)
}

/// The demo barcode of variant `vi` of product `n` of the `ci`-th demo coop: an EAN-13
/// `8990 cc nnn vvv` + check digit, so the store counter's guide and browser test can type
/// a known code (the first coop's product 3 is its own goods: 8990000030003).
pub fn demo_barcode(ci: usize, n: usize, vi: usize) -> String {
    let body = format!("8990{:02}{:03}{:03}", ci % 100, n % 1000, vi % 1000);
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|b| guyub_core::market::catalog::Barcode::parse(b).is_ok())
        .unwrap_or(body)
}

/// A drawn picture as a product photo to store.
fn new_file(p: &guyub_web::photo::Photo) -> NewFile {
    NewFile {
        purpose: FilePurpose::Foto,
        content_type: p.content_type.to_string(),
        width: i64::from(p.width),
        height: i64::from(p.height),
        small: Some(p.small.clone()),
        medium: Some(p.medium.clone()),
        large: p.large.clone(),
    }
}

/// A demo coop's own delivery: its kabupaten/kota for Rp 10.000.
fn zones(regency: &str) -> anyhow::Result<ZoneRates> {
    ZoneRates::new(
        vec![Zone {
            regencies: BTreeSet::from([RegionCode::parse(regency)?]),
            fee: Rupiah(10_000),
        }],
        None,
    )
    .map_err(|e| anyhow::anyhow!("demo zones: {e:?}"))
}

/// The courier rates of a demo coop: three services to the demo buyers' destinations.
fn courier_rates() -> anyhow::Result<RateTable> {
    let mut rows = vec![];
    for (n, dest) in crate::demo_orders::DESTINATIONS.iter().enumerate() {
        for (courier, service, base, etd) in [
            ("JNE", "REG", 9_000_i64, (2, 3)),
            ("J&T", "EZ", 8_500, (2, 4)),
            ("Pos Indonesia", "Kilat Khusus", 7_000, (3, 5)),
        ] {
            rows.push(CourierRate {
                courier: courier.into(),
                service: service.into(),
                dest: RegionCode::parse(dest)?,
                price_per_kg: Rupiah(base + 500 * n as i64),
                min_kg: 1,
                etd: Etd::new(etd.0, etd.1),
            });
        }
    }
    RateTable::from_rows(rows).map_err(|e| anyhow::anyhow!("demo courier rates: {e:?}"))
}
