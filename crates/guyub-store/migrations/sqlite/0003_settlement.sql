-- The settlement of members who leave the coop gets its own table (it was kept as
-- "settlement:<member>" and "settlement_paid:<member>" rows of book_seq), and the receipts
-- get the index the daily cash closing reads them by. Kept in lockstep with
-- ../postgres/0003_settlement.sql.

-- One row per settled member, written in the same transaction as the settlement's entry; the
-- primary key makes a second settlement of the same member impossible.
CREATE TABLE member_settlement (
    koperasi_id     BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    state           TEXT NOT NULL,            -- owed | paid | none (nothing to refund)
    settled_on      TEXT NOT NULL,
    refund          INTEGER NOT NULL,         -- the savings returned, whole rupiah
    method          TEXT,                     -- tunai | transfer | qris when paid at the settlement
    entry_id        BLOB,                     -- the settlement's entry (none when refund = 0)
    entry_no        INTEGER,
    paid_on         TEXT,                     -- a refund left owing, paid later: when, how, which entry
    paid_method     TEXT,
    paid_entry_id   BLOB,
    paid_entry_no   INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, member_id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id),
    FOREIGN KEY (koperasi_id, entry_id) REFERENCES journal_entry (koperasi_id, id),
    FOREIGN KEY (koperasi_id, paid_entry_id) REFERENCES journal_entry (koperasi_id, id)
);

-- The old markers: "settlement:<member id>" holds the settlement's entry number (0 for none),
-- "settlement_paid:<member id>" the entry number of the later payment. The refund and how it
-- was paid at once are read from the refund transactions of the member's savings.
INSERT INTO member_settlement (koperasi_id, member_id, state, settled_on, refund, method, entry_id, entry_no,
                               paid_on, paid_method, paid_entry_id, paid_entry_no, created_at, updated_at)
SELECT b.koperasi_id, m.id,
       CASE WHEN COALESCE(r.refund, 0) = 0 THEN 'none'
            WHEN r.method IS NOT NULL OR pe.id IS NOT NULL THEN 'paid'
            ELSE 'owed' END,
       COALESCE(m.status_on, e.entry_date, m.joined_on),
       COALESCE(r.refund, 0),
       r.method,
       e.id, e.entry_no,
       pe.entry_date,
       (SELECT MAX(CASE a.role WHEN 'kas' THEN 'tunai' WHEN 'bank' THEN 'transfer' WHEN 'qris_clearing' THEN 'qris' END)
          FROM journal_line l JOIN account a ON a.koperasi_id = l.koperasi_id AND a.id = l.account_id
         WHERE l.koperasi_id = pe.koperasi_id AND l.entry_id = pe.id AND l.credit > 0),
       pe.id, pe.entry_no,
       COALESCE(e.created_at, m.updated_at),
       COALESCE(pe.created_at, e.created_at, m.updated_at)
FROM book_seq b
JOIN member m ON m.koperasi_id = b.koperasi_id AND m.id = unhex(replace(substr(b.name, 12), '-', ''))
LEFT JOIN journal_entry e ON e.koperasi_id = b.koperasi_id AND e.entry_no = b.last AND b.last > 0
LEFT JOIN (SELECT koperasi_id, member_id, -SUM(amount) AS refund, MAX(method) AS method
             FROM savings_tx WHERE kind = 'pengembalian' GROUP BY koperasi_id, member_id) r
       ON r.koperasi_id = m.koperasi_id AND r.member_id = m.id
LEFT JOIN book_seq p ON p.koperasi_id = b.koperasi_id AND p.name = 'settlement_paid:' || substr(b.name, 12) AND p.last > 0
LEFT JOIN journal_entry pe ON pe.koperasi_id = p.koperasi_id AND pe.entry_no = p.last
WHERE substr(b.name, 1, 11) = 'settlement:';

DELETE FROM book_seq WHERE substr(name, 1, 11) = 'settlement:' OR substr(name, 1, 16) = 'settlement_paid:';

-- The daily cash closing reads a cashier's cash receipts (koperasi, cashier, method), then
-- each one's savings transactions for the day through savings_tx_receipt_idx.
CREATE INDEX receipt_cashier_idx ON receipt (koperasi_id, cashier_id, method);
