-- The books: chart of accounts, fiscal periods, journal entries and lines, running balances,
-- savings products, members' savings accounts and transactions, receipts, cash closings and
-- idempotency keys. Kept in lockstep with ../postgres/0002_books.sql.
-- Money is whole rupiah in INTEGER columns; a journal line has exactly one non-zero side.

CREATE TABLE account (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    class           TEXT NOT NULL,            -- aset | kewajiban | ekuitas | pendapatan | beban
    parent_id       BLOB,
    is_header       INTEGER NOT NULL,
    active          INTEGER NOT NULL,
    role            TEXT,                     -- AccountRole::as_str for accounts the software posts to
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, code),
    UNIQUE (koperasi_id, role)
);

-- Debit and credit totals per account, kept in the same transaction as every posting, so the
-- trial balance reads one row per account instead of every journal line.
CREATE TABLE account_balance (
    koperasi_id     BLOB NOT NULL,
    account_id      BLOB NOT NULL,
    debit           INTEGER NOT NULL,
    credit          INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, account_id),
    FOREIGN KEY (koperasi_id, account_id) REFERENCES account (koperasi_id, id)
);

CREATE TABLE fiscal_period (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    year            INTEGER NOT NULL,
    start_date      TEXT NOT NULL,
    end_date        TEXT NOT NULL,
    closed_at       TEXT,
    closed_by       TEXT,
    PRIMARY KEY (koperasi_id, year)
);

CREATE TABLE journal_entry (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    entry_no        INTEGER NOT NULL,
    entry_date      TEXT NOT NULL,
    description     TEXT NOT NULL,
    reference       TEXT,
    source          TEXT NOT NULL,            -- manual | savings | opening | cash_closing | settlement | reversal
    source_id       TEXT,
    reverses_id     BLOB,
    total           INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, entry_no)
);
CREATE INDEX journal_entry_date_idx ON journal_entry (koperasi_id, entry_date, entry_no);
-- An entry is reversed at most once, even by two requests at the same instant.
CREATE UNIQUE INDEX journal_entry_reverses_idx ON journal_entry (koperasi_id, reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE journal_line (
    koperasi_id     BLOB NOT NULL,
    entry_id        BLOB NOT NULL,
    line_no         INTEGER NOT NULL,
    account_id      BLOB NOT NULL,
    debit           INTEGER NOT NULL,
    credit          INTEGER NOT NULL,
    memo            TEXT,
    entry_date      TEXT NOT NULL,            -- copied from the entry, for the general ledger index
    entry_no        INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, entry_id, line_no),
    FOREIGN KEY (koperasi_id, entry_id) REFERENCES journal_entry (koperasi_id, id),
    FOREIGN KEY (koperasi_id, account_id) REFERENCES account (koperasi_id, id)
);
CREATE INDEX journal_line_account_idx ON journal_line (koperasi_id, account_id, entry_date, entry_no, line_no);

-- A picture or scan of a receipt kept with a manual entry.
CREATE TABLE journal_attachment (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    entry_id        BLOB NOT NULL,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, entry_id) REFERENCES journal_entry (koperasi_id, id)
);

-- Per-coop counters: journal entry numbers and receipt numbers.
CREATE TABLE book_seq (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    name            TEXT NOT NULL,            -- entry | receipt:YYYY
    last            INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, name)
);

CREATE TABLE savings_product (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- pokok | wajib | sukarela | berjangka | lain
    account_id      BLOB NOT NULL,
    min_balance     INTEGER NOT NULL,
    term_months     INTEGER,
    active          INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, code),
    FOREIGN KEY (koperasi_id, account_id) REFERENCES account (koperasi_id, id)
);

CREATE TABLE savings_account (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    product_id      BLOB NOT NULL,
    balance         INTEGER NOT NULL,
    opened_on       TEXT NOT NULL,
    maturity_date   TEXT,
    closed_on       TEXT,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, member_id, product_id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id),
    FOREIGN KEY (koperasi_id, product_id) REFERENCES savings_product (koperasi_id, id)
);

CREATE TABLE receipt (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    receipt_no      TEXT NOT NULL,
    member_id       BLOB NOT NULL,
    total           INTEGER NOT NULL,
    method          TEXT NOT NULL,            -- tunai | transfer | qris
    cashier         TEXT NOT NULL,
    cashier_id      BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, receipt_no),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id)
);

CREATE TABLE savings_tx (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    savings_account_id BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    product_id      BLOB NOT NULL,
    tx_date         TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- deposit | withdrawal | correction | opening | refund
    amount          INTEGER NOT NULL,         -- signed: + into the member's savings, - out of it
    balance_after   INTEGER NOT NULL,
    method          TEXT,
    entry_id        BLOB NOT NULL,
    receipt_id      BLOB,
    note            TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    FOREIGN KEY (koperasi_id, savings_account_id) REFERENCES savings_account (koperasi_id, id),
    FOREIGN KEY (koperasi_id, entry_id) REFERENCES journal_entry (koperasi_id, id)
);
CREATE INDEX savings_tx_account_idx ON savings_tx (koperasi_id, savings_account_id, tx_date, created_at);
CREATE INDEX savings_tx_member_idx ON savings_tx (koperasi_id, member_id, tx_date);
CREATE INDEX savings_tx_receipt_idx ON savings_tx (koperasi_id, receipt_id);

-- A cashier's end-of-day count: what the books expect in the drawer vs what was counted.
CREATE TABLE cash_closing (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    cashier_id      BLOB NOT NULL,
    closing_date    TEXT NOT NULL,
    expected        INTEGER NOT NULL,
    counted         INTEGER NOT NULL,
    difference      INTEGER NOT NULL,
    reason          TEXT,
    entry_id        BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, cashier_id, closing_date)
);

-- Requests that move money carry a key; replaying one returns the first answer.
CREATE TABLE idempotency_key (
    koperasi_id     BLOB NOT NULL,
    idem_key        TEXT NOT NULL,
    user_id         BLOB,
    request_hash    TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, idem_key)
);
