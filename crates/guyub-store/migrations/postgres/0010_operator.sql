-- The storefront operator (issue #5 part 6): the coop that runs the public marketplace
-- (/pasar) for the whole instance, its fee on other coops' goods, and the settlements between
-- an operator and its merchant coops.

-- The operator of the public /pasar: one row at most for the instance (singleton = 1), set by
-- the platform admin. Without a row, a /pasar checkout is operated by the coop of the cart's
-- first line (the behaviour before this migration). fee_bp: basis points on goods, 0..2000.
CREATE TABLE market_operator (
    singleton       SMALLINT PRIMARY KEY CHECK (singleton = 1),
    koperasi_id     UUID NOT NULL REFERENCES koperasi (id),
    fee_bp          BIGINT NOT NULL CHECK (fee_bp >= 0 AND fee_bp <= 2000),
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- The operator's fee rate, fixed on the order when it is placed (0 when the operator is the
-- merchant itself), and the fee on the order's goods at that rate.
ALTER TABLE market_order ADD COLUMN operator_fee_bp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE market_order ADD COLUMN operator_fee BIGINT NOT NULL DEFAULT 0;
-- What went back to the buyer (goods, and shipping when refunded) and the part of the fee the
-- operator gave back with it.
ALTER TABLE market_order ADD COLUMN refund_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE market_order ADD COLUMN refund_fee BIGINT NOT NULL DEFAULT 0;
-- The operator's settlement that paid the merchant for this sale, and the one that netted a
-- refund made after it (both in the books of checkout_koperasi_id, the operator).
ALTER TABLE market_order ADD COLUMN settlement_id UUID;
ALTER TABLE market_order ADD COLUMN refund_settlement_id UUID;

-- Refunds posted before this migration: a paid order cancelled got goods and shipping back,
-- a returned order its goods (the booking rules of market/order.rs).
UPDATE market_order SET refund_total = CASE
    WHEN status = 'dibatalkan' AND entry_id IS NOT NULL THEN total
    WHEN status = 'dikembalikan' THEN goods_total
    ELSE 0 END;

-- A settlement batch: the operator (koperasi_id) pays one merchant coop what it owes for the
-- batch's orders. gross = sum of the settled sales' totals, fee = their operator fees,
-- refunds = refunds netted (net of the fee given back), amount = gross - fee - refunds.
CREATE TABLE market_settlement (
    koperasi_id         UUID NOT NULL REFERENCES koperasi (id),
    id                  UUID NOT NULL,
    merchant_koperasi_id UUID NOT NULL REFERENCES koperasi (id),
    period_from         DATE NOT NULL,
    period_to           DATE NOT NULL,
    method              TEXT NOT NULL,              -- bank | kas
    gross               BIGINT NOT NULL,
    fee                 BIGINT NOT NULL,
    refunds             BIGINT NOT NULL,
    amount              BIGINT NOT NULL,
    order_count         BIGINT NOT NULL,
    operator_entry_id   UUID NOT NULL,
    merchant_entry_id   UUID NOT NULL,
    idem_key            TEXT,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, idem_key)
);
CREATE INDEX market_settlement_merchant_idx ON market_settlement (merchant_koperasi_id, created_at);
-- An operator's open orders per merchant coop.
CREATE INDEX market_order_operator_idx ON market_order (checkout_koperasi_id, koperasi_id, settlement_id);
