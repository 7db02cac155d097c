-- Payment requests, statement imports, QRIS settlements and the payment gateway (issue #4,
-- parts 4–6). Kept in lockstep with ../postgres/0005_payment_requests.sql.

-- One payment asked of one payer. `state` holds menunggu | dibayar | dibatalkan; kedaluwarsa
-- is derived (menunggu past expires_at), never stored. `total` = base_amount + unique_code:
-- the exact amount the payer is asked for, distinct among the coop's open requests.
CREATE TABLE payment_request (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    ref_code        TEXT NOT NULL,            -- 8 characters, what the payer writes in a transfer note
    purpose         TEXT NOT NULL,            -- simpanan (orders later)
    member_id       BLOB,                   -- who pays (purpose simpanan)
    description     TEXT NOT NULL,
    base_amount     INTEGER NOT NULL,
    unique_code     INTEGER NOT NULL,          -- 0 when none was free
    total           INTEGER NOT NULL,
    code_product_id BLOB,                   -- the simpanan sukarela product the unique code is credited to
    qris_payload    TEXT,                     -- the dynamic QRIS shown to the payer
    gateway         TEXT,                     -- midtrans, when the QRIS came from a gateway
    gateway_tx_id   TEXT,
    public_token    TEXT NOT NULL,            -- the unguessable part of the payer's link
    state           TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    idem_key        TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    paid_at         TEXT,
    paid_method     TEXT,                     -- tunai | transfer | qris
    paid_reference  TEXT,                     -- from the payer's app, the statement or the gateway
    confirmed_via   TEXT,                     -- kasir | mutasi | gateway
    confirmed_by    TEXT,
    receipt_id      BLOB,
    cancelled_at    TEXT,
    cancel_reason   TEXT,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id),
    FOREIGN KEY (koperasi_id, receipt_id) REFERENCES receipt (koperasi_id, id)
);
CREATE UNIQUE INDEX payment_request_ref_idx ON payment_request (koperasi_id, ref_code);
CREATE UNIQUE INDEX payment_request_token_idx ON payment_request (public_token);
CREATE UNIQUE INDEX payment_request_idem_idx ON payment_request (koperasi_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX payment_request_open_idx ON payment_request (koperasi_id, state, total);
CREATE INDEX payment_request_created_idx ON payment_request (koperasi_id, created_at);
CREATE INDEX payment_request_member_idx ON payment_request (koperasi_id, member_id, created_at);

-- What a request pays for: one line per savings product (the unique code is not a line).
CREATE TABLE payment_request_line (
    koperasi_id     BLOB NOT NULL,
    request_id      BLOB NOT NULL,
    line_no         INTEGER NOT NULL,
    product_id      BLOB NOT NULL,
    amount          INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, request_id, line_no),
    FOREIGN KEY (koperasi_id, request_id) REFERENCES payment_request (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES savings_product (koperasi_id, id)
);

-- An imported settlement report or bank mutation statement. The same file (by its SHA-256) is
-- imported once; a line already seen in another file (same fingerprint) is skipped.
CREATE TABLE payment_statement (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    file_name       TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- qris | bank
    line_count      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);
CREATE UNIQUE INDEX payment_statement_file_idx ON payment_statement (koperasi_id, file_sha256);

-- One incoming payment of a statement and what became of it: cocok (matched and posted),
-- tinjau (several candidates: a person decides), tidak_cocok (no open request), diabaikan (a
-- person set it aside).
CREATE TABLE payment_statement_line (
    koperasi_id     BLOB NOT NULL,
    statement_id    BLOB NOT NULL,
    line_no         INTEGER NOT NULL,
    fingerprint     TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,            -- as the statement says it (local time, no zone)
    amount          INTEGER NOT NULL,
    fee             INTEGER,
    net             INTEGER,
    reference       TEXT NOT NULL,
    payer           TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    request_id      BLOB,
    candidates      TEXT NOT NULL,            -- request ids, comma-separated (status tinjau)
    note            TEXT,                     -- why it needs review, or why it was set aside
    decided_by      TEXT,
    decided_at      TEXT,
    PRIMARY KEY (koperasi_id, statement_id, line_no),
    FOREIGN KEY (koperasi_id, statement_id) REFERENCES payment_statement (koperasi_id, id),
    FOREIGN KEY (koperasi_id, request_id) REFERENCES payment_request (koperasi_id, id)
);
CREATE UNIQUE INDEX payment_statement_line_fp_idx ON payment_statement_line (koperasi_id, fingerprint);
CREATE INDEX payment_statement_line_status_idx ON payment_statement_line (koperasi_id, status);

-- An acquirer's settlement of QRIS payments into the bank: Dr Bank (net), Dr MDR expense,
-- Cr Kliring QRIS (gross).
CREATE TABLE payment_settlement (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    settled_on      TEXT NOT NULL,
    gross           INTEGER NOT NULL,
    mdr             INTEGER NOT NULL,
    net             INTEGER NOT NULL,
    statement_id    BLOB,
    entry_id        BLOB NOT NULL,
    note            TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id),
    FOREIGN KEY (koperasi_id, statement_id) REFERENCES payment_statement (koperasi_id, id),
    FOREIGN KEY (koperasi_id, entry_id) REFERENCES journal_entry (koperasi_id, id)
);
CREATE UNIQUE INDEX payment_settlement_statement_idx ON payment_settlement (koperasi_id, statement_id) WHERE statement_id IS NOT NULL;

-- The payment gateway of a coop (off unless keys are set). The server key is a secret: it is
-- never shown back, only whether one is set and its last four characters.
CREATE TABLE payment_gateway (
    koperasi_id     BLOB NOT NULL,
    provider        TEXT NOT NULL,            -- midtrans
    server_key      TEXT NOT NULL,
    environment     TEXT NOT NULL,            -- sandbox | production
    base_url        TEXT,                     -- only to point at a stand-in server in tests
    acquirer        TEXT NOT NULL,            -- gopay | airpay shopee
    active          INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);

-- Every notification the gateway sent (or status it answered), kept for support and audit,
-- whatever became of it.
CREATE TABLE payment_gateway_event (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    order_id        TEXT NOT NULL,
    status          TEXT NOT NULL,
    outcome         TEXT NOT NULL,            -- dibayar | sudah_dibayar | diabaikan | ditolak
    body            TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id) REFERENCES koperasi (id)
);
CREATE INDEX payment_gateway_event_order_idx ON payment_gateway_event (koperasi_id, order_id);
