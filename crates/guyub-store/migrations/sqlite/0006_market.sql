-- Pasar: the marketplace (issue #5). Sellers, products and their variants, legality documents,
-- photos, curation, search keys, stock reservations, checkouts and orders, seller payouts,
-- patronage, shipping rates, Tomiko access. Kept in lockstep with ../postgres/0006_market.sql.
--
-- The coop a seller sells through is the merchant of record: every sale row carries that
-- coop's koperasi_id and is posted to its books. Public browsing reads across coops, so the
-- browse indexes start with `listed`, not with koperasi_id.

-- Which storefronts a coop takes part in, and its market settings.
CREATE TABLE market_settings (
    koperasi_id         BLOB PRIMARY KEY REFERENCES koperasi (id),
    opt_in              INTEGER NOT NULL,       -- its listed products show on the public marketplace
    slug                TEXT NOT NULL UNIQUE,   -- its storefront URL: /pasar/k/{slug}
    commission_bp       INTEGER NOT NULL,        -- default consignment commission, basis points
    runs_tomiko         INTEGER NOT NULL,       -- a secondary coop running a wholesale catalogue
    pickup_address      TEXT,
    zone_rates          TEXT,                   -- JSON of core market::shipping::ZoneRates
    updated_at          TEXT NOT NULL
);

-- A seller: a member's UMKM/IKM business, the coop's own store unit, or a pesantren business
-- unit, selling through the coop `koperasi_id`. member_id is set when the owner is a member
-- of that coop (their consignment sales earn patronage).
CREATE TABLE market_seller (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    kind            TEXT NOT NULL,              -- umkm | unit_koperasi | pesantren
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL UNIQUE,       -- /pasar/toko/{slug}
    owner_name      TEXT NOT NULL,
    member_id       BLOB,
    user_id         BLOB REFERENCES app_user (id),   -- the account that manages it
    nib             TEXT,
    address         TEXT NOT NULL,
    region_code     TEXT NOT NULL,              -- dotted, village or regency level
    regency_code    TEXT NOT NULL,              -- kabupaten/kota, for browsing by region
    category        TEXT NOT NULL,              -- core market::catalog::Category
    phone           TEXT,                       -- WhatsApp, 62… digits
    description     TEXT NOT NULL,
    consignment     INTEGER NOT NULL,           -- goods stay the seller's (consignment) or the coop's own
    commission_bp   INTEGER NOT NULL,
    active          INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id)
);
CREATE INDEX market_seller_user_idx ON market_seller (user_id);

-- A communal brand several pesantren (coops) list one product line under.
CREATE TABLE market_brand (
    id              BLOB PRIMARY KEY,
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),   -- the coop that keeps the brand page
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- A product. `status` is core ProductStatus (curation); `listed` says whether the public sees
-- it now (approved, seller and coop active, opted in), kept by the store on every change.
-- min_price, regency_code, is_halal, is_opop are copies for browsing without joins.
CREATE TABLE market_product (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    seller_id       BLOB NOT NULL,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    category        TEXT NOT NULL,
    description     TEXT NOT NULL,
    faces           TEXT NOT NULL,              -- core ListingScope: "umkm,opop,tomiko"
    brand_id        BLOB REFERENCES market_brand (id),
    status          TEXT NOT NULL,
    listed          INTEGER NOT NULL,
    wholesale_only  INTEGER NOT NULL,           -- Tomiko: shown to coops only
    is_halal        INTEGER NOT NULL,
    is_opop         INTEGER NOT NULL,
    min_price       INTEGER NOT NULL,
    regency_code    TEXT NOT NULL,
    cover_photo_id  BLOB,
    sold_count      INTEGER NOT NULL,
    curated_at      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, slug),
    FOREIGN KEY (koperasi_id, seller_id) REFERENCES market_seller (koperasi_id, id)
);
CREATE INDEX market_product_seller_idx ON market_product (koperasi_id, seller_id, status);
CREATE INDEX market_product_browse_cat_idx ON market_product (listed, category, min_price, id);
CREATE INDEX market_product_browse_reg_idx ON market_product (listed, regency_code, min_price, id);
CREATE INDEX market_product_browse_new_idx ON market_product (listed, created_at, id);
CREATE INDEX market_product_status_idx ON market_product (status, updated_at);

-- A variant (size, colour…) with its own SKU/barcode, prices, weight and stock. `stock` is
-- what can still be sold: checkout takes from it with a conditional update (never below 0).
CREATE TABLE market_variant (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    product_id      BLOB NOT NULL,
    position        INTEGER NOT NULL,
    label           TEXT NOT NULL,
    sku             TEXT,
    barcode         TEXT,
    price           INTEGER NOT NULL,
    member_price    INTEGER,
    wholesale_tiers TEXT NOT NULL,              -- core WholesaleTiers::to_text
    cost            INTEGER NOT NULL,            -- unit cost of the coop's own goods (COGS)
    weight_g        INTEGER NOT NULL,
    stock           INTEGER NOT NULL CHECK (stock >= 0),
    active          INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
CREATE INDEX market_variant_product_idx ON market_variant (koperasi_id, product_id, position);
CREATE UNIQUE INDEX market_variant_sku_idx ON market_variant (koperasi_id, sku) WHERE sku IS NOT NULL;
CREATE INDEX market_variant_barcode_idx ON market_variant (koperasi_id, barcode) WHERE barcode IS NOT NULL;

-- A legality document of a product (or of its seller when product_id is null).
CREATE TABLE market_doc (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    seller_id       BLOB NOT NULL,
    product_id      BLOB,
    kind            TEXT NOT NULL,              -- core DocKind
    number          TEXT NOT NULL,              -- normalised
    expires_on      TEXT,
    file_id         BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, seller_id) REFERENCES market_seller (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
CREATE INDEX market_doc_product_idx ON market_doc (koperasi_id, product_id);
CREATE INDEX market_doc_expiry_idx ON market_doc (expires_on);

-- Uploaded files: product photos in their sizes, and legality documents (images or PDF).
CREATE TABLE market_file (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    product_id      BLOB,
    purpose         TEXT NOT NULL,              -- foto | dokumen
    position        INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    small           BLOB,                      -- photos: 160 px
    medium          BLOB,                      -- photos: 480 px
    large           BLOB NOT NULL,             -- photos: 1080 px; documents: as uploaded
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
CREATE INDEX market_file_product_idx ON market_file (koperasi_id, product_id, purpose, position);

-- What happened in curation: submissions, decisions with notes, suspensions.
CREATE TABLE market_curation (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    product_id      BLOB NOT NULL,
    action          TEXT NOT NULL,              -- core CurationAction
    from_status     TEXT NOT NULL,
    to_status       TEXT NOT NULL,
    note            TEXT,
    actor           TEXT NOT NULL,
    user_id         BLOB,
    at              TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
CREATE INDEX market_curation_product_idx ON market_curation (koperasi_id, product_id, at);

-- Search keys of listed products (core market::search::index_keys).
CREATE TABLE market_search_token (
    token           TEXT NOT NULL,
    koperasi_id     BLOB NOT NULL,
    product_id      BLOB NOT NULL,
    PRIMARY KEY (token, koperasi_id, product_id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
CREATE INDEX market_search_token_product_idx ON market_search_token (koperasi_id, product_id);

-- Courier rate table of a coop (core RateTable), loaded from CSV.
CREATE TABLE market_courier_rate (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    courier         TEXT NOT NULL,
    service         TEXT NOT NULL,
    dest_code       TEXT NOT NULL,              -- kabupaten/kota
    price_per_kg    INTEGER NOT NULL,
    min_kg          INTEGER NOT NULL,
    etd             TEXT,
    PRIMARY KEY (koperasi_id, dest_code, courier, service)
);

-- One checkout: a buyer's cart paid with one payment. It belongs to the storefront operator
-- coop that takes the payment (`koperasi_id`); its orders belong to their merchant coops.
CREATE TABLE market_checkout (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    idem_key        TEXT,
    buyer_name      TEXT NOT NULL,
    buyer_phone     TEXT NOT NULL,
    buyer_user_id   BLOB REFERENCES app_user (id),
    buyer_token     TEXT NOT NULL UNIQUE,       -- the buyer's secret link to follow the orders
    pay_method      TEXT NOT NULL,              -- qris | transfer | tunai_ambil | cod
    total           INTEGER NOT NULL,
    payment_request_id BLOB,
    state           TEXT NOT NULL,              -- menunggu | dibayar | kedaluwarsa | dibatalkan
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    paid_at         TEXT,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, payment_request_id) REFERENCES payment_request (koperasi_id, id)
);
CREATE UNIQUE INDEX market_checkout_idem_idx ON market_checkout (koperasi_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX market_checkout_open_idx ON market_checkout (state, expires_at);

-- One order: the part of a checkout one seller fulfils, in its merchant coop's books.
CREATE TABLE market_order (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    order_no        TEXT NOT NULL,              -- core order_no: PSN-2026-000123
    checkout_koperasi_id BLOB NOT NULL,
    checkout_id     BLOB NOT NULL,
    seller_id       BLOB NOT NULL,
    buyer_member_id BLOB,                       -- a member of this coop: member prices, patronage
    buyer_koperasi_id BLOB REFERENCES koperasi (id),   -- Tomiko: the buying coop
    status          TEXT NOT NULL,              -- core OrderStatus
    shipping_method TEXT NOT NULL,              -- core ShippingMethod
    shipping_detail TEXT NOT NULL,              -- JSON of core Shipping
    ship_to_name    TEXT NOT NULL,
    ship_to_address TEXT NOT NULL,
    ship_to_regency TEXT,
    courier         TEXT,
    tracking_no     TEXT,
    goods_total     INTEGER NOT NULL,
    shipping_fee    INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    payment_terms_days INTEGER NOT NULL,         -- Tomiko: 0 = cash, N = due in N days
    due_on          TEXT,
    entry_id        BLOB,                       -- the sale's journal entry, once paid
    payout_id       BLOB,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, order_no),
    FOREIGN KEY (checkout_koperasi_id, checkout_id) REFERENCES market_checkout (koperasi_id, id),
    FOREIGN KEY (koperasi_id, seller_id) REFERENCES market_seller (koperasi_id, id)
);
CREATE INDEX market_order_seller_idx ON market_order (koperasi_id, seller_id, status, created_at);
CREATE INDEX market_order_checkout_idx ON market_order (checkout_koperasi_id, checkout_id);
CREATE INDEX market_order_coop_idx ON market_order (koperasi_id, created_at);

CREATE TABLE market_order_line (
    koperasi_id     BLOB NOT NULL,
    order_id        BLOB NOT NULL,
    line_no         INTEGER NOT NULL,
    product_id      BLOB NOT NULL,
    variant_id      BLOB NOT NULL,
    name            TEXT NOT NULL,              -- product and variant as bought
    qty             INTEGER NOT NULL,
    unit_price      INTEGER NOT NULL,
    unit_cost       INTEGER NOT NULL,
    weight_g        INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, order_id, line_no),
    FOREIGN KEY (koperasi_id, order_id) REFERENCES market_order (koperasi_id, id),
    FOREIGN KEY (koperasi_id, variant_id) REFERENCES market_variant (koperasi_id, id)
);

-- Every status change of an order, with the message sent (in-app and WhatsApp).
CREATE TABLE market_order_event (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    order_id        BLOB NOT NULL,
    from_status     TEXT NOT NULL,
    to_status       TEXT NOT NULL,
    actor           TEXT NOT NULL,              -- core OrderActor
    actor_name      TEXT NOT NULL,
    message         TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, order_id) REFERENCES market_order (koperasi_id, id)
);
CREATE INDEX market_order_event_order_idx ON market_order_event (koperasi_id, order_id, at);

-- Payouts to consignment sellers, in batches; each settles the payable of its orders.
CREATE TABLE market_payout (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    seller_id       BLOB NOT NULL,
    amount          INTEGER NOT NULL,
    method          TEXT NOT NULL,              -- tunai | transfer
    entry_id        BLOB NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, seller_id) REFERENCES market_seller (koperasi_id, id)
);

-- Patronage (jasa anggota): a member's transaction volume with their coop, per fiscal year,
-- one row per sale that earns it (the SHU's base). `source` says what kind.
CREATE TABLE patronage (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    member_id       BLOB,                       -- a person member
    member_koperasi_id BLOB REFERENCES koperasi (id),   -- a member coop (Tomiko purchases)
    fiscal_year     INTEGER NOT NULL,
    tx_date         TEXT NOT NULL,
    source          TEXT NOT NULL,              -- pembelian | konsinyasi | pembelian_koperasi
    source_id       BLOB NOT NULL,              -- the order
    amount          INTEGER NOT NULL,            -- negative when a return reverses it
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id)
);
CREATE INDEX patronage_member_idx ON patronage (koperasi_id, member_id, fiscal_year);
CREATE INDEX patronage_coop_member_idx ON patronage (koperasi_id, member_koperasi_id, fiscal_year);

-- Tomiko: the coops a secondary coop admits to its wholesale catalogue (besides its members).
CREATE TABLE tomiko_access (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),   -- the secondary coop
    buyer_koperasi_id BLOB NOT NULL REFERENCES koperasi (id),
    payment_terms_days INTEGER NOT NULL,
    granted_by      TEXT NOT NULL,
    granted_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, buyer_koperasi_id)
);

-- Coops registered before the marketplace: their standard accounts take the roles the market
-- posts to (a coop whose chart already gives a role to another account keeps that one).
UPDATE account SET role = 'piutang_koperasi' WHERE code = '1107' AND role IS NULL
   AND NOT EXISTS (SELECT 1 FROM account b WHERE b.koperasi_id = account.koperasi_id AND b.role = 'piutang_koperasi');
UPDATE account SET role = 'persediaan' WHERE code = '1108' AND role IS NULL
   AND NOT EXISTS (SELECT 1 FROM account b WHERE b.koperasi_id = account.koperasi_id AND b.role = 'persediaan');
UPDATE account SET role = 'penjualan_anggota' WHERE code = '4102' AND role IS NULL
   AND NOT EXISTS (SELECT 1 FROM account b WHERE b.koperasi_id = account.koperasi_id AND b.role = 'penjualan_anggota');
UPDATE account SET role = 'pendapatan_non_anggota' WHERE code = '4201' AND role IS NULL
   AND NOT EXISTS (SELECT 1 FROM account b WHERE b.koperasi_id = account.koperasi_id AND b.role = 'pendapatan_non_anggota');
UPDATE account SET role = 'hpp' WHERE code = '5101' AND role IS NULL
   AND NOT EXISTS (SELECT 1 FROM account b WHERE b.koperasi_id = account.koperasi_id AND b.role = 'hpp');
