-- Tomiko purchase orders (issue #5 part 7): a coop buys from a secondary coop's wholesale
-- catalogue. The PO belongs to the secondary coop (koperasi_id, the seller, whose stock and
-- invoice it is); the buying coop finds its POs by buyer_koperasi_id. Each side's journal
-- entries are written in its own books and linked here.
CREATE TABLE tomiko_po (
    koperasi_id         UUID NOT NULL REFERENCES koperasi (id),   -- the secondary coop (seller)
    id                  UUID NOT NULL,
    po_no               TEXT NOT NULL,              -- core po_no: PO-2026-000012
    buyer_koperasi_id   UUID NOT NULL REFERENCES koperasi (id),
    buyer_member_id     UUID,                       -- the buyer's member record in the seller coop (patronage)
    status              TEXT NOT NULL,              -- core PoStatus
    terms_days          BIGINT NOT NULL,            -- 0 = tunai, 1..90 = tempo
    total               BIGINT NOT NULL,
    cost_total          BIGINT NOT NULL,            -- at the seller's unit cost, for HPP
    note                TEXT NOT NULL,
    idem_key            TEXT,                       -- the buyer's idempotency key
    invoice_no          TEXT,                       -- core invoice_no, set at shipping
    invoice_date        DATE,
    due_on              DATE,                       -- tempo only
    pay_method          TEXT,                       -- kas | bank (payment, or tunai at shipping)
    seller_entry_id     UUID,                       -- the sale, in the seller's books
    buyer_entry_id      UUID,                       -- the receipt, in the buyer's books
    seller_pay_entry_id UUID,                       -- the tempo payment, seller's books
    buyer_pay_entry_id  UUID,                       -- the tempo payment, buyer's books
    placed_by           TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, po_no),
    UNIQUE (koperasi_id, invoice_no),
    UNIQUE (buyer_koperasi_id, idem_key)
);
CREATE INDEX tomiko_po_buyer_idx ON tomiko_po (buyer_koperasi_id, created_at);
CREATE INDEX tomiko_po_status_idx ON tomiko_po (koperasi_id, status, created_at);

-- The lines of a PO: a variant of the seller's Tomiko catalogue at the price it had.
-- buyer_variant_id is the buyer's own market variant the quantity went into at receipt.
CREATE TABLE tomiko_po_line (
    koperasi_id         UUID NOT NULL,
    po_id               UUID NOT NULL,
    line_no             BIGINT NOT NULL,
    variant_id          UUID NOT NULL,
    name                TEXT NOT NULL,
    category            TEXT NOT NULL,
    qty                 BIGINT NOT NULL CHECK (qty > 0),
    unit_price          BIGINT NOT NULL,
    unit_cost           BIGINT NOT NULL,
    line_total          BIGINT NOT NULL,
    buyer_variant_id    UUID,
    PRIMARY KEY (koperasi_id, po_id, line_no),
    FOREIGN KEY (koperasi_id, po_id) REFERENCES tomiko_po (koperasi_id, id),
    FOREIGN KEY (koperasi_id, variant_id) REFERENCES market_variant (koperasi_id, id)
);
