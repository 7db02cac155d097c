## Passbook export and opening balances import (pages/export.rs, api/books.rs)

export-passbook-xlsx = Unduh Excel
export-sheet-passbook = Buku simpanan
export-coop = Koperasi
export-member = Anggota
export-product = Produk
export-closing = Saldo akhir
export-col-date = Tanggal
export-col-description = Keterangan
export-col-in = Masuk
export-col-out = Keluar
export-col-balance = Saldo

opening-title = Saldo awal simpanan
opening-intro = Pindah ke Guyub di tengah jalan? Unggah saldo simpanan setiap anggota per produk dari Excel (.xlsx) atau CSV. Anda akan melihat pratinjau dengan masalah per baris; semua saldo dicatat sekaligus sebagai satu jurnal saldo awal, atau tidak sama sekali.
opening-template-xlsx = Unduh templat Excel
opening-template-csv = Unduh templat CSV
opening-date = Tanggal saldo awal
opening-date-hint = Satu tanggal untuk seluruh berkas, biasanya hari terakhir sebelum memakai Guyub. Tahun buku tanggal itu harus masih terbuka.
opening-preview-title = Pratinjau saldo awal
opening-has-problems = Berkas ini punya baris bermasalah. Perbaiki di berkas lalu unggah lagi; tidak ada yang disimpan.
opening-ready = Semua baris siap dicatat.
opening-commit-button = Catat semua saldo awal
opening-committed = Saldo awal ini sudah dicatat dalam satu jurnal saldo awal.
opening-member = Anggota
opening-product = Produk
opening-another = Unggah berkas lain
