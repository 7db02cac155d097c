-- Payment settings per coop (issue #4, part 3): the static QRIS of the coop's sticker, the bank
-- accounts members may transfer to, and the merchant discount rate (MDR) over time. Kept in
-- lockstep with ../sqlite/0004_payment.sql.

-- One static QRIS per coop. The payload is stored canonical (validated, CRC in upper case);
-- the decoded fields are kept beside it to be shown back without parsing again.
CREATE TABLE payment_qris (
    koperasi_id     UUID NOT NULL,
    payload         TEXT NOT NULL,
    merchant_name   TEXT NOT NULL,
    nmid            TEXT,
    city            TEXT NOT NULL,
    acquirer        TEXT,                     -- the PJSP by name (GoPay, DANA, BCA, …) or its GUI
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (koperasi_id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);

-- Bank accounts for transfers. Never deleted (a payment may name one): deactivated instead.
-- At most one default per coop, and only an active account is the default.
CREATE TABLE bank_account (
    koperasi_id     UUID NOT NULL,
    id              UUID NOT NULL,
    bank_name       TEXT NOT NULL,
    account_number  TEXT NOT NULL,            -- digits only
    holder_name     TEXT NOT NULL,
    is_default      BOOLEAN NOT NULL,
    active          BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);
CREATE UNIQUE INDEX bank_account_default_idx ON bank_account (koperasi_id) WHERE is_default;
CREATE UNIQUE INDEX bank_account_number_idx ON bank_account (koperasi_id, bank_name, account_number);

-- The MDR as the acquirer charges it, in basis points (70 = 0,7 %), from a date on. Rates
-- change (Bank Indonesia sets them by merchant class): every rate is kept; the one in force on
-- a day is the latest whose effective date is not after it.
CREATE TABLE payment_mdr (
    koperasi_id     UUID NOT NULL,
    effective_on    DATE NOT NULL,
    rate_bp         BIGINT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (koperasi_id, effective_on),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);
