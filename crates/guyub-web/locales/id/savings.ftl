# Simpanan: produk koperasi, tunggakan wajib, tutup kas harian, penyelesaian anggota keluar.

ok-product-added = Produk simpanan tersimpan, dengan akunnya sendiri.
ok-cash-closed = Kas hari ini sudah ditutup.
ok-member-settled = Penyelesaian keluar tersimpan; anggota berstatus berhenti.
ok-settlement-paid = Pengembalian simpanan sudah dibayar.

sav-products-title = Produk simpanan
sav-code = Kode
sav-kind = Jenis
sav-min-balance = Saldo minimum
sav-term = Jangka waktu (bulan)
sav-term-months = { $n } bulan
sav-product-add = Tambah produk
sav-code-hint = Huruf A–Z dan angka, 2–12 karakter, tanpa spasi.
sav-kind-hint = Sukarela: boleh ditarik kapan saja (mis. simpanan hari raya). Berjangka: ditarik pada tanggal jatuh tempo. Lain: bersifat ekuitas, dikembalikan saat keluar.
sav-term-hint = Hanya untuk simpanan berjangka: jatuh tempo dihitung dari tanggal rekening dibuka.

sav-arrears-title = Tunggakan simpanan wajib
sav-arrears-as-of = Per
sav-monthly = Wajib per bulan
sav-arrears-none = Tidak ada anggota aktif yang menunggak simpanan wajib.
sav-arrears-total = Jumlah tunggakan
sav-members = anggota
sav-months = bulan
sav-owed = Tunggakan
sav-to-counter = Bayar di kasir

sav-closing-title = Tutup kas harian
sav-closing-link = Tutup kas hari ini
sav-receipts = Kuitansi tunai hari ini
sav-cash-in = Uang masuk
sav-cash-out = Uang keluar
sav-store-cash = Penjualan tunai pasar (toko, ambil sendiri, COD)
sav-expected = Seharusnya di laci
sav-counted = Uang yang dihitung
sav-closed-at = Kas sudah ditutup pada
sav-no-difference = Tidak ada selisih.
sav-over = Kelebihan kas
sav-short = Kekurangan kas
sav-difference-reason = Alasan selisih
sav-difference-hint = Wajib diisi bila uang yang dihitung berbeda dari yang seharusnya; selisihnya dicatat ke akun Selisih kas.
sav-close-submit = Tutup kas

sav-leaving-title = Penyelesaian keluar
sav-leaving-link = Penyelesaian keluar
sav-settled-on = Sudah diselesaikan; keluar pada
sav-not-active = Anggota ini tidak aktif dan belum diselesaikan lewat halaman ini, jadi tidak dapat diselesaikan di sini.
sav-preview = Perkiraan dengan saldo hari ini. Belum ada yang dicatat.
sav-product = Simpanan
sav-total-savings = Jumlah simpanan
sav-owed-to-coop = Dikurangi kewajiban anggota kepada koperasi
sav-refund = Dikembalikan kepada anggota
sav-entry-no = Jurnal no.
sav-print = Cetak pernyataan
sav-pay-now = Bayar sekarang
sav-pay-later = Nanti (dicatat sebagai utang pengembalian simpanan)
sav-pay-date = Tanggal bayar
sav-settle = Selesaikan keluarnya anggota
sav-leaving-date = Tanggal keluar
sav-refund-how = Pengembalian simpanan
sav-settle-hint = Semua saldo simpanan menjadi 0, rekening simpanan ditutup, dan status anggota menjadi berhenti. Tidak dapat dibatalkan.
sav-settle-submit = Simpan penyelesaian keluar
sav-nothing-to-refund = Tidak ada simpanan yang dikembalikan.
sav-paid-now = Dibayar saat penyelesaian: { $method }.
sav-payable = Belum dibayar: { $amount } dicatat sebagai utang pengembalian simpanan.
sav-payout-done = Dibayar { $date } ({ $method }), jurnal no. { $no }.

sav-statement-title = PERNYATAAN PENYELESAIAN ANGGOTA KELUAR
sav-legal-no = Badan hukum
sav-draft = perkiraan, belum diselesaikan
sav-printed-on = Dicetak
sav-sign-member = Anggota
sav-back = Kembali
sav-sign-board = Pengurus
