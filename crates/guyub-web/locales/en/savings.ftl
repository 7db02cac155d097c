# Savings: coop-defined products, wajib arrears, daily cash closing, leaving settlement.

ok-product-added = Savings product saved, with its own account.
ok-cash-closed = Today's cash is closed.
ok-member-settled = Leaving settlement saved; the member has left.
ok-settlement-paid = The savings refund has been paid.

sav-products-title = Savings products
sav-code = Code
sav-kind = Kind
sav-min-balance = Minimum balance
sav-term = Term (months)
sav-term-months = { $n } months
sav-product-add = Add product
sav-code-hint = Letters A–Z and digits, 2–12 characters, no spaces.
sav-kind-hint = Sukarela: withdrawable at any time (e.g. holiday savings). Berjangka: withdrawn at maturity. Lain: equity-like, returned on leaving.
sav-term-hint = Time deposits only: maturity counts from the day the account opens.

sav-arrears-title = Mandatory savings arrears
sav-arrears-as-of = As of
sav-monthly = Wajib a month
sav-arrears-none = No active member is behind on mandatory savings.
sav-arrears-total = Total arrears
sav-members = members
sav-months = months
sav-owed = Owed
sav-to-counter = Pay at the counter

sav-closing-title = Daily cash closing
sav-closing-link = Close today's cash
sav-receipts = Cash receipts today
sav-cash-in = Cash in
sav-cash-out = Cash out
sav-store-cash = Marketplace cash (store counter, pickup, COD)
sav-expected = Expected in the drawer
sav-counted = Cash counted
sav-closed-at = Cash was closed at
sav-no-difference = No difference.
sav-over = Cash over
sav-short = Cash short
sav-difference-reason = Reason for the difference
sav-difference-hint = Required when the counted cash differs from the expected; the difference is posted to Cash over and short.
sav-close-submit = Close cash

sav-leaving-title = Leaving settlement
sav-leaving-link = Leaving settlement
sav-settled-on = Settled; left on
sav-not-active = This member is not active and was not settled through this page, so they cannot be settled here.
sav-preview = An estimate with today's balances. Nothing is recorded yet.
sav-product = Savings
sav-total-savings = Total savings
sav-owed-to-coop = Less what the member owes the coop
sav-refund = Refunded to the member
sav-entry-no = Entry no.
sav-print = Print statement
sav-pay-now = Pay now
sav-pay-later = Later (recorded as savings refunds payable)
sav-pay-date = Payment date
sav-settle = Settle the member's leaving
sav-leaving-date = Leaving date
sav-refund-how = Savings refund
sav-settle-hint = Every savings balance becomes 0, the savings accounts are closed and the member's status becomes left. This cannot be undone.
sav-settle-submit = Save the leaving settlement
sav-nothing-to-refund = No savings to refund.
sav-paid-now = Paid at the settlement: { $method }.
sav-payable = Not yet paid: { $amount } recorded as savings refunds payable.
sav-payout-done = Paid { $date } ({ $method }), entry no. { $no }.

sav-statement-title = LEAVING MEMBER SETTLEMENT STATEMENT
sav-legal-no = Legal entity
sav-draft = estimate, not yet settled
sav-printed-on = Printed
sav-sign-member = Member
sav-back = Back
sav-sign-board = Board
