## Passbook export and opening balances import (pages/export.rs, api/books.rs)

export-passbook-xlsx = Download Excel
export-sheet-passbook = Passbook
export-coop = Cooperative
export-member = Member
export-product = Product
export-closing = Closing balance
export-col-date = Date
export-col-description = Description
export-col-in = In
export-col-out = Out
export-col-balance = Balance

opening-title = Opening savings balances
opening-intro = Moving to Guyub midway? Upload every member's savings balance per product from Excel (.xlsx) or CSV. You will see a preview with each row's problems; all balances are posted at once as one opening journal entry, or none at all.
opening-template-xlsx = Download the Excel template
opening-template-csv = Download the CSV template
opening-date = Opening date
opening-date-hint = One date for the whole file, usually the last day before using Guyub. Its fiscal year must still be open.
opening-preview-title = Opening balances preview
opening-has-problems = This file has rows with problems. Fix them in the file and upload it again; nothing was saved.
opening-ready = Every row is ready to post.
opening-commit-button = Post all opening balances
opening-committed = These opening balances were posted as one opening journal entry.
opening-member = Member
opening-product = Product
opening-another = Upload another file
