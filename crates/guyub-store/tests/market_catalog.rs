//! The marketplace catalogue (issue #5): settings, sellers, products, files, curation,
//! listing, search and browse, certificate expiry, Tomiko access, on both engines.

#[macro_use]
mod common;

#[allow(unused_imports)]
use common::market::*;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::KoperasiId;
use guyub_core::market::catalog::{
    Category, CurationAction, Description, Face, ListingScope, ProductStatus,
};
use guyub_core::percent::BasisPoints;
use guyub_core::region::RegionCode;
use guyub_store::coop::CoopData;
use guyub_store::market::catalog::{
    BrowseFilter, BrowseSort, DocInput, FilePurpose, FileSize, MarketProductId,
    MarketSettingsInput, NewFile, ProductInput, QueueFilter, SellerId, SellerInput, SellerKind,
    VariantInput, fill_market,
};
use guyub_store::{Actor, Store, StoreError, Tenant};
use time::{Date, Duration};

fn who() -> Actor {
    Actor::system("Pengurus Uji")
}

fn curator() -> Actor {
    Actor::system("Kurator Uji")
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

async fn new_coop(s: &Store, code: &str, tier: CoopTier, pesantren: bool) -> KoperasiId {
    let data = CoopData {
        code: code.to_string(),
        name: format!("Koperasi {code}"),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::Konsumen,
        pattern: CoopPattern::Konvensional,
        tier,
        is_pesantren: pesantren,
        address: "Jl. MT Haryono 1, Dinoyo".to_string(),
        region: RegionCode::parse("35.73.05.1004").unwrap(),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    s.create_koperasi(&who(), &data, &Bylaws::default(), 2020)
        .await
        .unwrap()
}

async fn opt_in(t: &Tenant<'_>, slug: &str, on: bool, tomiko: bool) {
    t.set_market_settings(
        &who(),
        &MarketSettingsInput {
            opt_in: on,
            slug: slug.to_string(),
            commission: BasisPoints(1000),
            runs_tomiko: tomiko,
            pickup_address: None,
        },
    )
    .await
    .unwrap();
}

fn seller_input(name: &str, region: &str) -> SellerInput {
    SellerInput {
        kind: SellerKind::Umkm,
        name: name.to_string(),
        owner_name: "Bu Sri".to_string(),
        member_id: None,
        user_id: None,
        nib: Some("9120001234567".to_string()),
        address: "Jl. Kawi 3".to_string(),
        region_code: region.to_string(),
        category: "makanan-minuman".to_string(),
        phone: Some("0812-3456-7890".to_string()),
        description: "Camilan khas Malang".to_string(),
        consignment: true,
        commission: None,
    }
}

fn variant(price: i64, stock: i64) -> VariantInput {
    VariantInput {
        id: None,
        label: String::new(),
        sku: None,
        barcode: None,
        price,
        member_price: None,
        tiers: String::new(),
        cost: 0,
        weight_g: 250,
        stock,
        active: true,
    }
}

fn halal(expires: Date) -> DocInput {
    DocInput {
        kind: "halal".to_string(),
        number: "ID35110000123450122".to_string(),
        expires_on: Some(expires),
        file_id: None,
    }
}

fn product_input(name: &str, price: i64) -> ProductInput {
    ProductInput {
        name: name.to_string(),
        category: "makanan-minuman".to_string(),
        description: "Renyah dan gurih".to_string(),
        faces: ListingScope::of(&[Face::JatimIso]),
        brand: None,
        wholesale_only: false,
        variants: vec![variant(price, 10)],
        docs: vec![],
    }
}

/// Creates, submits and approves a product: it is listed when the coop opted in.
async fn listed_product(
    s: &Store,
    t: &Tenant<'_>,
    seller: SellerId,
    input: &ProductInput,
) -> MarketProductId {
    let p = t.create_product(&who(), seller, input).await.unwrap();
    let id = p.summary.id;
    t.submit_product(&who(), seller, id).await.unwrap();
    s.curate_product(&curator(), t.id(), id, CurationAction::Approve, None)
        .await
        .unwrap();
    id
}

async fn count(s: &Store, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    match s.db() {
        guyub_store::Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        guyub_store::Db::Pg(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

async fn counts(s: &Store) -> Vec<i64> {
    let mut out = vec![];
    for t in [
        "market_product",
        "market_variant",
        "market_doc",
        "market_curation",
        "market_search_token",
        "market_file",
        "audit_log",
    ] {
        out.push(count(s, t).await);
    }
    out
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
        e => panic!("expected Invalid, got {e:?}"),
    }
}

fn search(q: &str) -> BrowseFilter {
    BrowseFilter {
        q: Some(q.to_string()),
        ..BrowseFilter::default()
    }
}

store_test!(settings_and_slugs, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let b = new_coop(&s, "KPB", CoopTier::Primary, false).await;
    let (ta, tb) = (s.tenant(a), s.tenant(b));
    assert!(ta.market_settings().await.unwrap().is_none());
    opt_in(&ta, "kopma", true, false).await;
    let got = ta.market_settings().await.unwrap().unwrap();
    assert!(got.opt_in);
    assert_eq!(got.commission_bp, 1000);
    // Taken slug, bad slug, Tomiko on a primary coop.
    let mut input = MarketSettingsInput {
        opt_in: true,
        slug: "kopma".to_string(),
        commission: BasisPoints(500),
        runs_tomiko: false,
        pickup_address: None,
    };
    assert!(matches!(
        tb.set_market_settings(&who(), &input).await,
        Err(StoreError::Conflict(_))
    ));
    input.slug = "Ko".to_string();
    input.runs_tomiko = true;
    let f = fields(tb.set_market_settings(&who(), &input).await.unwrap_err());
    assert_eq!(f, vec!["slug".to_string(), "runs_tomiko".to_string()]);
    assert!(tb.market_settings().await.unwrap().is_none());
    // Seller slugs are unique across coops: -2, -3.
    let s1 = ta
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let s2 = tb
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.07"))
        .await
        .unwrap();
    let s3 = ta
        .create_seller(&who(), &seller_input("Kripik  Bu Sri!", "35.73"))
        .await
        .unwrap();
    assert_eq!(s1.slug, "kripik-bu-sri");
    assert_eq!(s2.slug, "kripik-bu-sri-2");
    assert_eq!(s3.slug, "kripik-bu-sri-3");
    assert_eq!(s1.regency_code, "35.73");
    assert_eq!(s1.commission_bp, 1000);
    assert_eq!(s2.commission_bp, 0);
    assert_eq!(s1.phone.as_deref(), Some("6281234567890"));
    assert_eq!(s.seller_by_slug("kripik-bu-sri-2").await.unwrap().id, s2.id);
    // Bad seller input: every field at once.
    let mut bad = seller_input("K", "99.99");
    bad.nib = Some("12345".to_string());
    bad.category = "mobil".to_string();
    bad.member_id = Some(guyub_core::ids::MemberId::new());
    let f = fields(ta.create_seller(&who(), &bad).await.unwrap_err());
    for want in ["name", "nib", "region_code", "category", "member_id"] {
        assert!(f.iter().any(|x| x == want), "{want} missing in {f:?}");
    }
    // Product slugs are unique per coop.
    let p1 = ta
        .create_product(&who(), s1.id, &product_input("Kopi Dampit", 20000))
        .await
        .unwrap();
    let p2 = ta
        .create_product(&who(), s3.id, &product_input("Kopi Dampit", 21000))
        .await
        .unwrap();
    let p3 = tb
        .create_product(&who(), s2.id, &product_input("Kopi Dampit", 22000))
        .await
        .unwrap();
    assert_eq!(p1.summary.slug, "kopi-dampit");
    assert_eq!(p2.summary.slug, "kopi-dampit-2");
    assert_eq!(p3.summary.slug, "kopi-dampit");
});

store_test!(bad_product_input_changes_nothing, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    opt_in(&t, "kopma", true, false).await;
    let seller = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let before = counts(&s).await;
    let mut input = product_input("Kripik Pisang Agung", 0);
    input.variants[0].member_price = Some(-5);
    input.variants.push(variant(-100, -3));
    input.variants[1].label = "Besar".to_string();
    input.variants.push(variant(15000, 5));
    input.variants[2].label = "Kecil".to_string();
    input.variants[2].tiers = "10=20000".to_string();
    input.variants[2].barcode = Some("8991234567890".to_string());
    input.docs = vec![
        DocInput {
            kind: "halal".into(),
            number: "HALAL-123".into(),
            expires_on: Some(today() + Duration::days(300)),
            file_id: None,
        },
        halal(today() - Duration::days(1)),
    ];
    input.category = "mainan".to_string();
    let f = fields(
        t.create_product(&who(), seller.id, &input)
            .await
            .unwrap_err(),
    );
    for want in [
        "category",
        "variants[0].price",
        "variants[0].label",
        "variants[1].price",
        "variants[1].stock",
        "variants[2].tiers",
        "variants[2].barcode",
        "docs[0].number",
        "docs[1].expires_on",
    ] {
        assert!(f.iter().any(|x| x == want), "{want} missing in {f:?}");
    }
    // No variant at all, and too many.
    let mut none = product_input("Kripik Pisang Agung", 1000);
    none.variants.clear();
    assert_eq!(
        fields(
            t.create_product(&who(), seller.id, &none)
                .await
                .unwrap_err()
        ),
        vec!["variants"]
    );
    let mut many = product_input("Kripik Pisang Agung", 1000);
    many.variants = (0..51)
        .map(|i| VariantInput {
            label: format!("V{i}"),
            ..variant(1000, 1)
        })
        .collect();
    assert!(
        fields(
            t.create_product(&who(), seller.id, &many)
                .await
                .unwrap_err()
        )
        .contains(&"variants".to_string())
    );
    assert_eq!(counts(&s).await, before, "nothing written");

    // Edits are all-or-nothing too.
    let p = t
        .create_product(
            &who(),
            seller.id,
            &product_input("Kripik Pisang Agung", 15000),
        )
        .await
        .unwrap();
    let mid = counts(&s).await;
    let mut edit = product_input("Kripik Pisang Agung Baru", 15000);
    edit.variants[0].id = Some(p.variants[0].id);
    edit.variants[0].price = 0;
    assert_eq!(
        fields(
            t.update_product(&who(), seller.id, p.summary.id, &edit)
                .await
                .unwrap_err()
        ),
        vec!["variants[0].price"]
    );
    assert_eq!(counts(&s).await, mid);
    let again = t.product(p.summary.id).await.unwrap();
    assert_eq!(again.summary.name, "Kripik Pisang Agung");
    assert_eq!(again.variants[0].price, 15000);

    // Negative stock: refused by set_stock and adjust_stock, the stock stays.
    let v = p.variants[0].id;
    assert!(matches!(
        t.set_stock(&who(), seller.id, v, -1).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        t.adjust_stock(&who(), seller.id, v, -11).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(t.adjust_stock(&who(), seller.id, v, -4).await.unwrap(), 6);
    t.set_stock(&who(), seller.id, v, 3).await.unwrap();
    assert_eq!(t.product(p.summary.id).await.unwrap().variants[0].stock, 3);
});

store_test!(html_in_description_is_inert, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    let seller = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let typed = "Enak <script>alert('x')</script> <img src=x onerror=alert(1)> **renyah**";
    let mut input = product_input("Kripik Pisang Agung", 15000);
    input.description = typed.to_string();
    let p = t.create_product(&who(), seller.id, &input).await.unwrap();
    assert_eq!(p.summary.description, typed);
    let html = p.summary.description_html();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("<strong>renyah</strong>"), "{html}");
    assert_eq!(html, Description::parse(typed).unwrap().render_html());
});

store_test!(sellers_cannot_touch_each_others_products, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    opt_in(&t, "kopma", true, false).await;
    let mine = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let other = t
        .create_seller(&who(), &seller_input("Batik Pak Budi", "35.73.05"))
        .await
        .unwrap();
    let p = t
        .create_product(
            &who(),
            mine.id,
            &product_input("Kripik Pisang Agung", 15000),
        )
        .await
        .unwrap();
    let id = p.summary.id;
    let v = p.variants[0].id;
    let b = new_coop(&s, "KPB", CoopTier::Primary, false).await;
    let before = counts(&s).await;
    let edit = product_input("Kripik Curian", 1000);
    assert!(matches!(
        t.update_product(&who(), other.id, id, &edit).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.submit_product(&who(), other.id, id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.archive_product(&who(), other.id, id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.set_stock(&who(), other.id, v, 99).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.adjust_stock(&who(), other.id, v, 5).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.seller_product(other.id, id).await,
        Err(StoreError::NotFound)
    ));
    let photo = NewFile {
        purpose: FilePurpose::Foto,
        content_type: "image/webp".into(),
        width: 10,
        height: 10,
        small: None,
        medium: None,
        large: vec![1, 2, 3],
    };
    assert!(matches!(
        t.add_product_file(&who(), other.id, id, &photo).await,
        Err(StoreError::NotFound)
    ));
    // Another coop's tenant does not see it at all.
    assert!(matches!(
        s.tenant(b).product(id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(counts(&s).await, before, "nothing written");
    let p = t.product(id).await.unwrap();
    assert_eq!(p.summary.name, "Kripik Pisang Agung");
    assert_eq!(p.variants[0].stock, 10);
    assert!(
        s.sellers_of_user(guyub_core::ids::UserId::new())
            .await
            .unwrap()
            .is_empty()
    );
});

store_test!(curation_flow_with_history, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, true).await;
    let t = s.tenant(a);
    opt_in(&t, "kopontren", true, false).await;
    let seller = t
        .create_seller(&who(), &seller_input("Santri Mart", "35.73.05"))
        .await
        .unwrap();
    let mut input = product_input("Kripik Pisang Agung", 15000);
    input.faces = ListingScope::of(&[Face::JatimIso, Face::Opop]);
    input.docs = vec![halal(today() + Duration::days(400))];
    let p = t.create_product(&who(), seller.id, &input).await.unwrap();
    let id = p.summary.id;
    assert_eq!(p.summary.status, ProductStatus::Draft);
    assert!(p.summary.is_opop && p.summary.is_halal && !p.summary.listed);
    // A curator cannot approve a draft; a seller step is not a curator's.
    assert!(matches!(
        s.curate_product(&curator(), a, id, CurationAction::Approve, None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.curate_product(&curator(), a, id, CurationAction::Submit, None)
            .await,
        Err(StoreError::Invalid(_))
    ));
    t.submit_product(&who(), seller.id, id).await.unwrap();
    let q = s
        .curation_queue(&QueueFilter {
            face: Some(Face::Opop),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(q.iter().map(|p| p.id).collect::<Vec<_>>(), vec![id]);
    assert!(
        s.curation_queue(&QueueFilter {
            face: Some(Face::Tomiko),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
    );
    // Notes are required to ask for changes or reject.
    assert!(matches!(
        s.curate_product(
            &curator(),
            a,
            id,
            CurationAction::RequestChanges,
            Some("  ")
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    s.curate_product(
        &curator(),
        a,
        id,
        CurationAction::RequestChanges,
        Some("Foto kurang jelas"),
    )
    .await
    .unwrap();
    t.submit_product(&who(), seller.id, id).await.unwrap();
    s.curate_product(
        &curator(),
        a,
        id,
        CurationAction::Reject,
        Some("Label belum ada"),
    )
    .await
    .unwrap();
    t.submit_product(&who(), seller.id, id).await.unwrap();
    assert_eq!(
        s.curate_product(&curator(), a, id, CurationAction::Approve, None)
            .await
            .unwrap(),
        ProductStatus::Approved
    );
    let p = t.product(id).await.unwrap();
    assert!(p.summary.listed && p.summary.curated_at.is_some());
    // A price edit keeps it approved; a name edit sends it back to review.
    let mut edit = input.clone();
    edit.variants[0].id = Some(p.variants[0].id);
    edit.variants[0].price = 16000;
    let p = t
        .update_product(&who(), seller.id, id, &edit)
        .await
        .unwrap();
    assert_eq!(
        (p.summary.status, p.summary.listed, p.summary.min_price),
        (ProductStatus::Approved, true, 16000)
    );
    edit.name = "Keripik Pisang Agung Super".to_string();
    let p = t
        .update_product(&who(), seller.id, id, &edit)
        .await
        .unwrap();
    assert_eq!(
        (p.summary.status, p.summary.listed),
        (ProductStatus::Submitted, false)
    );
    s.curate_product(&curator(), a, id, CurationAction::Approve, None)
        .await
        .unwrap();
    s.curate_product(&curator(), a, id, CurationAction::Suspend, None)
        .await
        .unwrap();
    assert!(!t.product(id).await.unwrap().summary.listed);
    s.curate_product(&curator(), a, id, CurationAction::Reinstate, None)
        .await
        .unwrap();
    t.archive_product(&who(), seller.id, id).await.unwrap();
    let h: Vec<(CurationAction, ProductStatus)> = t
        .product(id)
        .await
        .unwrap()
        .history
        .iter()
        .map(|h| (h.action, h.to_status))
        .collect();
    use CurationAction as A;
    use ProductStatus as S;
    assert_eq!(
        h,
        vec![
            (A::Submit, S::Submitted),
            (A::RequestChanges, S::ChangesRequested),
            (A::Submit, S::Submitted),
            (A::Reject, S::Rejected),
            (A::Submit, S::Submitted),
            (A::Approve, S::Approved),
            (A::Edit, S::Submitted),
            (A::Approve, S::Approved),
            (A::Suspend, S::Suspended),
            (A::Reinstate, S::Approved),
            (A::Archive, S::Archived),
        ]
    );
    let notes: Vec<Option<String>> = t
        .product(id)
        .await
        .unwrap()
        .history
        .iter()
        .map(|h| h.note.clone())
        .collect();
    assert_eq!(notes[1].as_deref(), Some("Foto kurang jelas"));
});

store_test!(listing_rules, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    let seller = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    // Not opted in (no settings): approved but not listed, not searchable.
    let id = listed_product(
        &s,
        &t,
        seller.id,
        &product_input("Kripik Pisang Agung", 15000),
    )
    .await;
    assert!(!t.product(id).await.unwrap().summary.listed);
    assert!(
        s.search_products(&search("kripik"))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    opt_in(&t, "kopma", true, false).await;
    assert!(t.product(id).await.unwrap().summary.listed);
    assert_eq!(
        s.search_products(&search("kripik"))
            .await
            .unwrap()
            .cards
            .len(),
        1
    );
    // Opting out unlists, in again lists.
    opt_in(&t, "kopma", false, false).await;
    assert!(!t.product(id).await.unwrap().summary.listed);
    assert!(
        s.search_products(&search("kripik"))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    opt_in(&t, "kopma", true, false).await;
    // Deactivating the seller unlists.
    t.deactivate_seller(&who(), seller.id).await.unwrap();
    assert!(!t.product(id).await.unwrap().summary.listed);
    assert!(matches!(
        s.product_page("kopma", "kripik-pisang-agung", None).await,
        Err(StoreError::NotFound)
    ));
    t.set_seller_active(&who(), seller.id, true).await.unwrap();
    assert!(t.product(id).await.unwrap().summary.listed);
    assert!(
        s.product_page("kopma", "kripik-pisang-agung", None)
            .await
            .is_ok()
    );
    // No active variant: unlisted.
    let p = t.product(id).await.unwrap();
    let mut edit = product_input("Kripik Pisang Agung", 15000);
    edit.variants[0].id = Some(p.variants[0].id);
    edit.variants[0].active = false;
    let p = t
        .update_product(&who(), seller.id, id, &edit)
        .await
        .unwrap();
    assert!(!p.summary.listed);
    edit.variants[0].active = true;
    assert!(
        t.update_product(&who(), seller.id, id, &edit)
            .await
            .unwrap()
            .summary
            .listed
    );
    // Product page shows no cost and no history, and the storefront exists.
    let page = s
        .product_page(&a.to_string(), "kripik-pisang-agung", None)
        .await
        .unwrap();
    assert_eq!(page.coop_slug, "kopma");
    assert!(page.product.history.is_empty());
    assert_eq!(s.coop_storefront("kopma").await.unwrap().koperasi_id, a);
    assert!(matches!(
        s.coop_storefront("tidak-ada").await,
        Err(StoreError::NotFound)
    ));
});

store_test!(search_filters_sorts_and_pages, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let b = new_coop(&s, "KPB", CoopTier::Primary, true).await;
    let (ta, tb) = (s.tenant(a), s.tenant(b));
    opt_in(&ta, "kopma", true, false).await;
    opt_in(&tb, "kopontren", true, false).await;
    let sa = ta
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let sb = tb
        .create_seller(&who(), &seller_input("Santri Mart", "35.07"))
        .await
        .unwrap();
    let agung = listed_product(&s, &ta, sa.id, &product_input("Kripik Pisang Agung", 15000)).await;
    let mut halal_in = product_input("Keripik Singkong Pedas", 12000);
    halal_in.docs = vec![halal(today() + Duration::days(400))];
    halal_in.faces = ListingScope::of(&[Face::JatimIso, Face::Opop]);
    let singkong = listed_product(&s, &tb, sb.id, &halal_in).await;
    let mut batik = product_input("Batik Tulis Malangan", 250000);
    batik.category = "fashion-batik".to_string();
    let batik = listed_product(&s, &ta, sa.id, &batik).await;
    // A draft is never found.
    ta.create_product(&who(), sa.id, &product_input("Kripik Pisang Draft", 1000))
        .await
        .unwrap();

    let ids = |p: guyub_store::market::catalog::BrowsePage| {
        p.cards.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    // Spelling tolerance and prefix.
    assert_eq!(
        ids(s.search_products(&search("keripik pisang")).await.unwrap()),
        vec![agung]
    );
    assert!(ids(s.search_products(&search("kerip")).await.unwrap()).contains(&agung));
    // Three: the batik is sold by "Kripik Bu Sri", and the seller's name is a key.
    assert_eq!(
        ids(s.search_products(&search("kerip")).await.unwrap()).len(),
        3
    );
    assert_eq!(
        ids(s.search_products(&search("pisang agu")).await.unwrap()),
        vec![agung]
    );
    assert!(ids(s.search_products(&search("kripik mobil")).await.unwrap()).is_empty());
    // The seller's name is searchable too.
    assert_eq!(
        ids(s.search_products(&search("santri")).await.unwrap()),
        vec![singkong]
    );
    // Filters.
    let s2 = s.clone();
    let f = move |f: BrowseFilter| {
        let s = s2.clone();
        async move {
            s.search_products(&f)
                .await
                .unwrap()
                .cards
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        f(BrowseFilter {
            category: Some(Category::FashionBatik),
            ..Default::default()
        })
        .await,
        vec![batik]
    );
    assert_eq!(
        f(BrowseFilter {
            regency_code: Some("35.07".into()),
            ..Default::default()
        })
        .await,
        vec![singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            halal_only: true,
            ..Default::default()
        })
        .await,
        vec![singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            opop_only: true,
            ..Default::default()
        })
        .await,
        vec![singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            face: Some(Face::Opop),
            ..Default::default()
        })
        .await,
        vec![singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            min_price: Some(13000),
            max_price: Some(20000),
            ..Default::default()
        })
        .await,
        vec![agung]
    );
    assert_eq!(
        f(BrowseFilter {
            koperasi: Some(b),
            ..Default::default()
        })
        .await,
        vec![singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            seller: Some(sa.id),
            sort: BrowseSort::Termurah,
            ..Default::default()
        })
        .await,
        vec![agung, batik]
    );
    // Sorts.
    assert_eq!(
        f(BrowseFilter {
            sort: BrowseSort::Termurah,
            ..Default::default()
        })
        .await,
        vec![singkong, agung, batik]
    );
    assert_eq!(
        f(BrowseFilter {
            sort: BrowseSort::Termahal,
            ..Default::default()
        })
        .await,
        vec![batik, agung, singkong]
    );
    assert_eq!(
        f(BrowseFilter {
            sort: BrowseSort::Terbaru,
            ..Default::default()
        })
        .await,
        vec![batik, singkong, agung]
    );
    assert_eq!(
        f(BrowseFilter {
            sort: BrowseSort::Terlaris,
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    // Cards carry the badges and names.
    let card = s
        .search_products(&search("singkong"))
        .await
        .unwrap()
        .cards
        .remove(0);
    assert!(card.curated && card.is_halal && card.is_opop);
    assert_eq!(
        (card.coop_slug.as_deref(), card.seller_slug.as_str()),
        (Some("kopontren"), "santri-mart")
    );
    assert_eq!(card.regency_code, "35.07");
    assert!(!card.regency_name.is_empty());
    // Pages: by cursor and by offset, for each sort.
    for sort in [
        BrowseSort::Termurah,
        BrowseSort::Termahal,
        BrowseSort::Terbaru,
        BrowseSort::Terlaris,
    ] {
        let all = f(BrowseFilter {
            sort,
            ..Default::default()
        })
        .await;
        let mut seen = vec![];
        let mut cursor = None;
        loop {
            let page = s
                .search_products(&BrowseFilter {
                    sort,
                    limit: 2,
                    cursor: cursor.clone(),
                    ..Default::default()
                })
                .await
                .unwrap();
            seen.extend(page.cards.iter().map(|c| c.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, all, "{sort:?}");
        let second = f(BrowseFilter {
            sort,
            limit: 2,
            offset: 2,
            ..Default::default()
        })
        .await;
        assert_eq!(second, all[2..].to_vec());
    }
    assert!(matches!(
        s.search_products(&BrowseFilter {
            cursor: Some("rusak".into()),
            ..Default::default()
        })
        .await,
        Err(StoreError::Invalid(_))
    ));
});

store_test!(tomiko_is_for_admitted_coops_only, |s| {
    let pusat = new_coop(&s, "PKPRI", CoopTier::Secondary, false).await;
    let member = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let outsider = new_coop(&s, "KPB", CoopTier::Primary, false).await;
    let tp = s.tenant(pusat);
    opt_in(&tp, "pkpri", true, true).await;
    let unit = tp
        .create_seller(
            &who(),
            &SellerInput {
                kind: SellerKind::UnitKoperasi,
                ..seller_input("Gudang Pusat", "35.73")
            },
        )
        .await
        .unwrap();
    let mut grosir = product_input("Beras Premium Karung", 600000);
    grosir.category = "sembako".to_string();
    grosir.faces = ListingScope::of(&[Face::Tomiko]);
    grosir.variants[0].tiers = "10=580000".to_string();
    let id = listed_product(&s, &tp, unit.id, &grosir).await;
    assert!(tp.product(id).await.unwrap().summary.wholesale_only);
    // A primary coop cannot list on Tomiko.
    let tm = s.tenant(member);
    opt_in(&tm, "kopma", true, false).await;
    let sm = tm
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    assert_eq!(
        fields(tm.create_product(&who(), sm.id, &grosir).await.unwrap_err()),
        vec!["faces"]
    );
    // Primary coops cannot grant access.
    assert!(matches!(
        tm.grant_tomiko_access(&who(), outsider, 0).await,
        Err(StoreError::Conflict(_))
    ));
    tp.grant_tomiko_access(&who(), member, 30).await.unwrap();
    assert_eq!(
        tp.tomiko_access_of(member)
            .await
            .unwrap()
            .unwrap()
            .payment_terms_days,
        30
    );
    assert!(tp.tomiko_access_of(outsider).await.unwrap().is_none());
    assert!(s.may_see_tomiko(pusat, member).await.unwrap());
    assert!(!s.may_see_tomiko(pusat, outsider).await.unwrap());
    let tomiko = |buyer: Option<KoperasiId>| BrowseFilter {
        face: Some(Face::Tomiko),
        koperasi: Some(pusat),
        buyer_coop: buyer,
        ..Default::default()
    };
    assert_eq!(
        s.search_products(&tomiko(Some(member)))
            .await
            .unwrap()
            .cards
            .len(),
        1
    );
    assert!(
        s.search_products(&tomiko(Some(outsider)))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    assert!(
        s.search_products(&tomiko(None))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    // Never on the public marketplace, not by search, not by its page.
    assert!(
        s.search_products(&BrowseFilter::default())
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    assert!(
        s.search_products(&search("beras"))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    assert!(matches!(
        s.product_page("pkpri", "beras-premium-karung", None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.product_page("pkpri", "beras-premium-karung", Some(outsider))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        s.product_page("pkpri", "beras-premium-karung", Some(member))
            .await
            .is_ok()
    );
    tp.revoke_tomiko_access(&who(), member).await.unwrap();
    assert!(
        s.search_products(&tomiko(Some(member)))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    assert_eq!(tp.tomiko_buyers().await.unwrap().len(), 0);
});

store_test!(certificate_expiry_suspends, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    opt_in(&t, "kopma", true, false).await;
    let seller = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let mut soon = product_input("Kripik Pisang Agung", 15000);
    soon.docs = vec![halal(today() + Duration::days(10))];
    let soon = listed_product(&s, &t, seller.id, &soon).await;
    let mut later = product_input("Sambal Bawang Mantap", 20000);
    later.docs = vec![halal(today() + Duration::days(200))];
    let later = listed_product(&s, &t, seller.id, &later).await;
    // Today: one expiring soon, nothing suspended.
    let run = s.expire_certificates(today()).await.unwrap();
    assert!(run.suspended.is_empty());
    assert_eq!(run.expiring.len(), 1);
    assert_eq!(
        (
            run.expiring[0].product_id,
            run.expiring[0].days_left,
            run.expiring[0].seller_id
        ),
        (soon, 10, seller.id)
    );
    // Eleven days on it has expired: suspended, unlisted, halal badge gone.
    let day = today() + Duration::days(11);
    let run = s.expire_certificates(day).await.unwrap();
    assert_eq!(run.suspended, vec![(a, soon)]);
    let p = t.product(soon).await.unwrap();
    assert_eq!(
        (p.summary.status, p.summary.listed, p.summary.is_halal),
        (ProductStatus::Suspended, false, false)
    );
    assert_eq!(p.history.last().unwrap().action, CurationAction::Suspend);
    assert!(p.history.last().unwrap().note.is_some());
    assert!(t.product(later).await.unwrap().summary.listed);
    assert!(
        s.search_products(&search("pisang"))
            .await
            .unwrap()
            .cards
            .is_empty()
    );
    assert_eq!(
        s.search_products(&search("sambal"))
            .await
            .unwrap()
            .cards
            .len(),
        1
    );
    // Running again does nothing more.
    assert!(
        s.expire_certificates(day)
            .await
            .unwrap()
            .suspended
            .is_empty()
    );
});

store_test!(files_and_cover, |s| {
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    let seller = t
        .create_seller(&who(), &seller_input("Kripik Bu Sri", "35.73.05"))
        .await
        .unwrap();
    let p = t
        .create_product(
            &who(),
            seller.id,
            &product_input("Kripik Pisang Agung", 15000),
        )
        .await
        .unwrap();
    let id = p.summary.id;
    let photo = |b: u8| NewFile {
        purpose: FilePurpose::Foto,
        content_type: "image/webp".into(),
        width: 1080,
        height: 1080,
        small: Some(vec![b, 1]),
        medium: Some(vec![b, 2]),
        large: vec![b, 3],
    };
    let not_image = NewFile {
        content_type: "text/html".into(),
        ..photo(0)
    };
    assert!(matches!(
        t.add_product_file(&who(), seller.id, id, &not_image).await,
        Err(StoreError::Invalid(_))
    ));
    let first = t
        .add_product_file(&who(), seller.id, id, &photo(1))
        .await
        .unwrap();
    for i in 2..=8 {
        t.add_product_file(&who(), seller.id, id, &photo(i))
            .await
            .unwrap();
    }
    assert!(matches!(
        t.add_product_file(&who(), seller.id, id, &photo(9)).await,
        Err(StoreError::Invalid(_))
    ));
    let p = t.product(id).await.unwrap();
    assert_eq!(p.summary.cover_photo_id, Some(first));
    assert_eq!(p.files.len(), 8);
    let f = s.product_file(a, first, FileSize::Small).await.unwrap();
    assert_eq!(
        (f.bytes, f.content_type.as_str()),
        (vec![1, 1], "image/webp")
    );
    assert_eq!(
        s.product_file(a, first, FileSize::Large)
            .await
            .unwrap()
            .bytes,
        vec![1, 3]
    );
    t.remove_product_file(&who(), seller.id, id, first)
        .await
        .unwrap();
    let p = t.product(id).await.unwrap();
    assert_eq!(p.files.len(), 7);
    assert_eq!(p.summary.cover_photo_id, Some(p.files[0].id));
    assert!(matches!(
        s.product_file(a, first, FileSize::Large).await,
        Err(StoreError::NotFound)
    ));
    // A document scan linked from a legality document.
    let pdf = NewFile {
        purpose: FilePurpose::Dokumen,
        content_type: "application/pdf".into(),
        width: 0,
        height: 0,
        small: None,
        medium: None,
        large: vec![b'%', b'P'],
    };
    let doc = t
        .add_product_file(&who(), seller.id, id, &pdf)
        .await
        .unwrap();
    let mut edit = product_input("Kripik Pisang Agung", 15000);
    edit.variants[0].id = Some(p.variants[0].id);
    edit.docs = vec![DocInput {
        file_id: Some(doc),
        ..halal(today() + Duration::days(500))
    }];
    let p = t
        .update_product(&who(), seller.id, id, &edit)
        .await
        .unwrap();
    assert_eq!(p.docs[0].file_id, Some(doc));
    assert!(p.summary.is_halal);
});

store_test!(bulk_fill_is_searchable, |s| {
    let r = fill_market(s.db(), 3, 40).await.unwrap();
    assert_eq!((r.coops, r.products), (3, 40));
    assert!(r.tokens >= 40 * 3);
    assert_eq!(count(&s, "market_product").await, 40);
    let kopi = s.search_products(&search("kopi")).await.unwrap();
    assert!(!kopi.cards.is_empty());
    assert!(kopi.cards.iter().all(|c| c.name.starts_with("Kopi")));
    let page = s
        .search_products(&BrowseFilter {
            category: Some(Category::FashionBatik),
            sort: BrowseSort::Termurah,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.cards.len(), 4);
    let all = s
        .search_products(&BrowseFilter {
            limit: 60,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.cards.len(), 40);
});

store_test!(search_pages_read_in_every_order, |s| {
    // Searches whose first page is read from a word's index in the page's order (one word, or
    // a prefix expanded to its words) must page exactly like the sorted set they stand for.
    let a = new_coop(&s, "KPA", CoopTier::Primary, false).await;
    let t = s.tenant(a);
    opt_in(&t, "kopma", true, false).await;
    let seller = t
        .create_seller(&who(), &seller_input("Toko Sembako", "35.73.05"))
        .await
        .unwrap();
    // (name, price): ties on price, and one product with two words of the prefix "kop".
    let specs: Vec<(String, i64)> = (0..9)
        .map(|i| (format!("Kopi Robusta {i}"), 10_000 + (i % 3) * 1_000))
        .chain((0..4).map(|i| (format!("Kopra Kelapa {i}"), 20_000 + i * 500)))
        .chain([
            ("Kopi Kopyor Bakar".to_string(), 11_000),
            ("Teh Melati".to_string(), 5_000),
        ])
        .collect();
    let mut made: Vec<(MarketProductId, String, i64)> = vec![];
    for (name, price) in &specs {
        let id = listed_product(&s, &t, seller.id, &product_input(name, *price)).await;
        made.push((id, name.to_lowercase(), *price));
    }
    // Change a price after listing: the word index must follow it.
    let moved = made[0].0;
    let p = t.product(moved).await.unwrap();
    let mut edit = product_input(&specs[0].0, 30_000);
    edit.variants[0].id = Some(p.variants[0].id);
    t.update_product(&who(), seller.id, moved, &edit)
        .await
        .unwrap();
    made[0].2 = 30_000;
    assert!(t.product(moved).await.unwrap().summary.listed);

    let has = |name: &str, q: &str| match q {
        "kopi" => name.split(' ').any(|w| w == "kopi"),
        "kop" => name.split(' ').any(|w| w.starts_with("kop")),
        "kopi robusta" => name.contains("kopi robusta"),
        _ => unreachable!(),
    };
    for q in ["kopi", "kop", "kopi robusta"] {
        for sort in [
            BrowseSort::Terbaru,
            BrowseSort::Termurah,
            BrowseSort::Termahal,
            BrowseSort::Terlaris,
        ] {
            // What the page must be, worked out here: created in order (UUIDv7 ids rise),
            // ties broken by id in the sort's direction.
            let mut want: Vec<(MarketProductId, i64)> = made
                .iter()
                .filter(|(_, n, _)| has(n, q))
                .map(|(id, _, p)| (*id, *p))
                .collect();
            match sort {
                BrowseSort::Terbaru | BrowseSort::Terlaris => want.sort_by(|x, y| y.0.cmp(&x.0)),
                BrowseSort::Termurah => want.sort_by(|x, y| (x.1, x.0).cmp(&(y.1, y.0))),
                BrowseSort::Termahal => want.sort_by(|x, y| (y.1, y.0).cmp(&(x.1, x.0))),
            }
            let want: Vec<MarketProductId> = want.into_iter().map(|w| w.0).collect();
            let filter = |limit: i64, offset: i64, cursor: Option<String>| BrowseFilter {
                q: Some(q.to_string()),
                sort,
                limit,
                offset,
                cursor,
                ..BrowseFilter::default()
            };
            let all: Vec<MarketProductId> = s
                .search_products(&filter(100, 0, None))
                .await
                .unwrap()
                .cards
                .into_iter()
                .map(|c| c.id)
                .collect();
            if sort == BrowseSort::Terlaris {
                // Nothing sold: every order is a tie on sales; the set must still be right.
                let mut got = all.clone();
                got.sort();
                let mut w = want.clone();
                w.sort();
                assert_eq!(got, w, "{q} {sort:?}");
            } else {
                assert_eq!(all, want, "{q} {sort:?}");
            }
            let mut seen = vec![];
            let mut cursor = None;
            loop {
                let page = s.search_products(&filter(3, 0, cursor)).await.unwrap();
                seen.extend(page.cards.iter().map(|c| c.id));
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(seen, all, "cursor pages of {q} {sort:?}");
            let second: Vec<MarketProductId> = s
                .search_products(&filter(3, 3, None))
                .await
                .unwrap()
                .cards
                .into_iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(second, all[3..6].to_vec(), "offset page of {q} {sort:?}");
        }
    }
    // The prefix found each product once, the one with two "kop" words too.
    let kop = s.search_products(&search("kop")).await.unwrap().cards;
    assert_eq!(kop.len(), 14);
});
