-- Search keys carry their product's sort keys (created_at, min_price), so that a common
-- word's first page is read straight from an index in the page's order and the read stops
-- after one page, instead of joining and sorting every product with that word (1.3–2.4 s
-- for a common word in a 1M-product catalogue). created_at never changes; min_price changes
-- only when the product is saved, which rewrites its keys (store refresh_listing).
-- Best-selling order is not kept here (it changes with every sale) and still sorts.
CREATE TABLE market_search_token_new (
    koperasi_id     UUID NOT NULL,
    product_id      UUID NOT NULL,
    token           TEXT COLLATE "C" NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    min_price       BIGINT NOT NULL,
    PRIMARY KEY (koperasi_id, product_id, token),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES market_product (koperasi_id, id)
);
INSERT INTO market_search_token_new (koperasi_id, product_id, token, created_at, min_price)
    SELECT t.koperasi_id, t.product_id, t.token, p.created_at, p.min_price
    FROM market_search_token t
    JOIN market_product p ON p.koperasi_id = t.koperasi_id AND p.id = t.product_id;
DROP TABLE market_search_token;
ALTER TABLE market_search_token_new RENAME TO market_search_token;
CREATE INDEX market_search_token_created_idx ON market_search_token (token, created_at, product_id);
CREATE INDEX market_search_token_price_idx ON market_search_token (token, min_price, product_id);

-- Every search key ever used (never deleted: a stale one only widens a prefix to a word
-- with no product). A typed prefix ("kerip") is expanded to its few words here, and each
-- word's index is read in order.
CREATE TABLE market_search_word (
    token           TEXT COLLATE "C" NOT NULL PRIMARY KEY
);
INSERT INTO market_search_word (token) SELECT DISTINCT token FROM market_search_token;

-- A communal brand's page lists its products across coops.
CREATE INDEX market_product_brand_idx ON market_product (brand_id, listed, created_at) WHERE brand_id IS NOT NULL;
