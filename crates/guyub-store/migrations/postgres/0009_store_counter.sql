-- The coop store counter (kasir toko, issue #5 part 8). A counter sale is a marketplace
-- checkout of the coop itself with one order per seller, so stock, books, patronage, refunds,
-- payouts and reports treat it like an online sale; these columns tell the two apart and keep
-- what only a counter sale has (receipt number, cashier, cash tendered and change).

-- 'online' (the marketplace) or 'toko' (sold over the store counter).
ALTER TABLE market_checkout ADD COLUMN channel TEXT NOT NULL DEFAULT 'online';
-- The counter receipt number (core counter_receipt_no: TK-2026-000123), per coop and year.
ALTER TABLE market_checkout ADD COLUMN receipt_no TEXT;
-- The cashier who made the sale, as the receipt shows it.
ALTER TABLE market_checkout ADD COLUMN cashier_name TEXT;
-- Cash handed over and the change given back (cash sales only; whole rupiah).
ALTER TABLE market_checkout ADD COLUMN tendered BIGINT;
ALTER TABLE market_checkout ADD COLUMN change_given BIGINT;
ALTER TABLE market_order ADD COLUMN channel TEXT NOT NULL DEFAULT 'online';

CREATE UNIQUE INDEX market_checkout_receipt_idx ON market_checkout (koperasi_id, receipt_no) WHERE receipt_no IS NOT NULL;
-- Today's counter sales of a coop, newest first.
CREATE INDEX market_checkout_channel_idx ON market_checkout (koperasi_id, channel, created_at);
-- The counter's member lookup by phone.
CREATE INDEX member_phone_idx ON member (koperasi_id, phone);
