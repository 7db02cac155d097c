-- The cashier's drawer (issue #5 part 8, with issue #3's daily cash closing): who took a
-- checkout's payment. A cash sale at the store counter and a "cash at pickup" or COD order
-- paid at the desk put money in that person's drawer, so the day's closing expects it there
-- along with the savings counter's cash receipts.
ALTER TABLE market_checkout ADD COLUMN paid_by BLOB;
CREATE INDEX market_checkout_paid_by_idx ON market_checkout (koperasi_id, paid_by, paid_at);
