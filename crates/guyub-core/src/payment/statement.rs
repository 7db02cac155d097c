//! Statements: reading the settlement report an acquirer exports (QRIS) or the mutation
//! statement a bank exports, and matching its lines to the coop's open payment requests.
//!
//! Why: a converted static QRIS and a bank transfer give no callback. The coop learns that a
//! payer paid only from the statement, so it uploads the file (CSV or XLSX, already turned into
//! rows of text cells by the web layer) and this module says which open request each incoming
//! line pays, and which lines a person must look at.
//!
//! Three steps, all pure (no I/O, no clock, no randomness):
//! 1. [`StatementLayout::detect`] maps a header row to the columns this module reads
//!    ([`StatementLayout::locate`] first finds that row below a bank's preamble);
//! 2. [`parse_statement`] (or [`parse_lines`]) reads the rows into [`StatementLine`]s, and says
//!    which rows it could not read ([`LineProblem`]);
//! 3. [`match_lines`] matches the lines to [`OpenRequest`]s.
//!
//! # Columns
//!
//! Header cells are compared loosely: case, spaces, punctuation and underscores do not count,
//! `camelCase` is split, and unit words (`Rp`, `IDR`, `WIB`, …) are dropped, so `Tanggal
//! Transaksi (WIB)`, `tanggal_transaksi` and `TanggalTransaksi` are one name. A header with `%`
//! is a rate, never an amount (`MDR (%)` next to `MDR`). Columns not recognised are ignored.
//! A date column and an amount column are required.
//!
//! When several columns fit one role, **the most specific name wins**: every known name has a
//! rank, and the column with the best rank is used. For the amount: a credit-side name
//! (`Kredit`, `Credit`, `CR`) beats a gross name (`Gross Amount`, `Nominal Transaksi`) beats a
//! generic one (`Nominal`, `Jumlah`, `Amount`, `Mutasi`). For the date: a transaction or payment
//! date beats a plain `Tanggal`/`Date`, which beats `Created At`, which beats a settlement,
//! value or posting date (money is matched on when it was paid, not when it was settled). Two
//! columns of the same best rank are an error for a date or a number (the file is ambiguous
//! and guessing could match the wrong money), and are joined (`a | b`) for a text role
//! (Mandiri exports two `Description` columns). A time-only column (`Jam`, `Waktu`, `Time`)
//! completes a date-only column; without any date column it is read as the date itself. A
//! column without a name right after the amount is its D/K column (BCA writes `CR`/`DB` there).
//!
//! # Numbers
//!
//! Amounts are read as exported: `150.123`, `150,123.00`, `150.123,00`, `Rp 150.123`,
//! `IDR 150,123`, `150123.00`, `Rp 150.123,-`, with `CR`/`DB` written after them, negative
//! as `-150.123` or `(150.123)`. When both `.` and `,` appear, the last one starts the decimals.
//! A lone separator followed by exactly three digits (`150.123`, `150,123`) is ambiguous; the
//! file decides: if its other amounts show which sign is the decimal one (`1,250.00`, or
//! `149672.631` as a spreadsheet writes a number), the majority holds for the whole file;
//! otherwise a lone separator before three digits groups thousands. A fee or net larger than
//! the gross is refused, as the likely sign of a decimal read as thousands.
//! [`Rupiah::parse`](crate::money::Rupiah::parse) is not reused: it reads what people type in
//! the Indonesian form only and refuses commas, while exports use both conventions.
//!
//! The gross amount must be whole rupiah (a fraction is a problem, not rounded away: it means
//! the column is not what it seems). Fee and net may carry fractions (an MDR is a percentage);
//! they are rounded half up to whole rupiah like [`mdr_fee`](super::request::mdr_fee), their
//! sign is ignored (reports write a fee as `-450` or `450`), and when fee and net add up
//! exactly to the gross but their rounded values do not (`.5` each), the net is the gross
//! minus the rounded fee, so that the three always conserve.
//!
//! # Dates
//!
//! `2026-11-30`, `2026-11-30 14:03:22`, `2026-11-30T14:03:22Z`, `30/11/2026`,
//! `30/11/2026 14:03`, `30-11-2026`, `30.11.2026 14.03`, `30 Nov 2026`, `30 Nopember 2026`,
//! `Senin, 30 Nov 2026`, `Nov 30, 2026 2:03 PM`, `20261130`, and Excel serial numbers
//! (`46356`, `46356.585`). Numeric dates are day first (Indonesian order): `11/30/2026` is
//! refused, not guessed. A two-digit year is 20xx. A time written with an offset or a zone
//! (`Z`, `+07:00`, `WITA`) is converted to [`StatementLayout::offset`]; every other time is
//! taken as the coop's wall-clock time, the same clock as the requests' times.
//!
//! # Rows
//!
//! Blank rows and summary rows (`Saldo Awal`, `Total`, …, in place of a date) are skipped.
//! Outgoing rows are skipped and counted, not reported as problems: a filled debit column, a
//! debit mark in the D/K column (`D`, `DB`, `Debit`, `Refund`, …), a `DB` after the amount or a
//! negative amount. Every other row must have a readable date and a positive whole amount.
//!
//! # Matching rules
//!
//! For each line, in file order:
//! 1. **By reference.** The line's reference, description and payer text is searched for each
//!    open request's reference code (case-insensitive, anywhere in the text, so `BAYARGY7K3Q9P`
//!    counts; codes shorter than [`MIN_CODE_LEN`] are never searched, they would occur by
//!    chance). A hit whose total equals the line amount matches, expired or not (the payer
//!    named the request); two such hits go to review. A hit with another amount is put up for
//!    review, with the requests of rule 2 as further candidates.
//! 2. **By amount and time.** Otherwise the candidates are the requests whose total equals the
//!    amount and with `created_at - slack <= line time <= expires_at + grace`
//!    ([`MatchWindow`]); a date-only line fits when its day overlaps that window. One
//!    candidate matches; several, or one that has expired, are put up for review; none leaves
//!    the line unmatched.
//! 3. **One line per request.** When several lines match one request, a single line matched
//!    by reference keeps it and the lines matched by amount go to review; otherwise all of
//!    them go to review. No request is ever matched by two lines, and none is chosen silently.
//!
//! The result is deterministic and does not depend on the order of the requests: candidate
//! lists are sorted by id. Requests are indexed by total and by code, so the work grows with
//! the lines and the candidates, not with lines × requests.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, Duration, Month, PrimitiveDateTime, Time, UtcOffset};
use uuid::Uuid;

use crate::lang::Msg;
use crate::money::Rupiah;

/// The shortest reference code searched for in a line's text; shorter codes would be found by
/// chance in account numbers and names. Guyub's own codes have 8 characters.
pub const MIN_CODE_LEN: usize = 6;

/// How many rows from the top [`StatementLayout::locate`] looks at for the header: bank
/// exports put the account number, its holder and the period above it (BCA: six lines).
const HEADER_SCAN: usize = 20;

/// Joins the cells of a text role that several columns fill.
const JOIN: &str = " | ";

// ---------------------------------------------------------------------------------------------
// Columns

/// What a column of a statement holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    Time,
    Amount,
    Debit,
    Direction,
    Fee,
    Net,
    Reference,
    Description,
    Payer,
}

impl Role {
    /// The role's name in messages: Indonesian, English.
    fn label(self) -> (&'static str, &'static str) {
        match self {
            Role::Date => ("tanggal", "date"),
            Role::Time => ("jam", "time"),
            Role::Amount => ("jumlah uang masuk", "incoming amount"),
            Role::Debit => ("debet", "debit"),
            Role::Direction => ("D/K", "debit/credit"),
            Role::Fee => ("biaya (MDR)", "fee (MDR)"),
            Role::Net => ("jumlah bersih", "net amount"),
            Role::Reference => ("referensi", "reference"),
            Role::Description => ("keterangan", "description"),
            Role::Payer => ("pembayar", "payer"),
        }
    }
}

/// Known header names, normalised, by role and rank (0 is the most specific; see the module
/// doc). A name appears once in the whole table.
#[rustfmt::skip]
const NAMES: &[(Role, u8, &[&str])] = &[
    (Role::Date, 0, &[
        "tanggal transaksi", "tgl transaksi", "tanggal trx", "tgl trx", "transaction date",
        "trx date", "transaction datetime", "transaction date time", "tanggal dan waktu",
        "tanggal waktu", "tanggal jam", "date time", "datetime", "tanggal pembayaran",
        "tgl pembayaran", "tanggal bayar", "tgl bayar", "payment date", "paid at", "paid date",
    ]),
    (Role::Date, 1, &["tanggal", "tgl", "date", "tanggal mutasi", "tgl mutasi"]),
    (Role::Date, 2, &["created at", "created date", "creation date", "tanggal dibuat"]),
    (Role::Date, 3, &[
        "settlement date", "tanggal settlement", "tgl settlement", "tanggal penyelesaian",
        "value date", "val date", "tanggal valuta", "tanggal efektif", "effective date",
        "posting date", "tanggal posting", "tanggal pembukuan",
    ]),
    (Role::Time, 0, &[
        "waktu transaksi", "jam transaksi", "transaction time", "trx time", "waktu pembayaran",
        "payment time",
    ]),
    (Role::Time, 1, &["waktu", "time", "jam", "pukul"]),
    (Role::Amount, 0, &[
        "kredit", "credit", "cr", "jumlah kredit", "nominal kredit", "mutasi kredit",
        "credit amount", "masuk", "uang masuk", "dana masuk",
    ]),
    (Role::Amount, 1, &[
        "gross amount", "gross", "jumlah kotor", "nominal kotor", "bruto", "nominal bruto",
        "jumlah bruto", "transaction amount", "trx amount", "jumlah transaksi",
        "nominal transaksi", "nilai transaksi", "amount paid", "paid amount", "payment amount",
        "jumlah bayar", "jumlah pembayaran", "nominal pembayaran",
    ]),
    (Role::Amount, 2, &["nominal", "jumlah", "amount", "mutasi", "nilai", "rp", "idr"]),
    (Role::Debit, 0, &[
        "debit", "debet", "db", "dr", "jumlah debit", "jumlah debet", "mutasi debit",
        "mutasi debet", "debit amount", "keluar", "uang keluar", "dana keluar",
    ]),
    (Role::Direction, 0, &[
        "d k", "dk", "db cr", "cr db", "dr cr", "cr dr", "d c", "debit kredit", "debet kredit",
        "debit credit",
    ]),
    (Role::Direction, 1, &[
        "tipe", "type", "jenis", "tipe transaksi", "jenis transaksi", "transaction type",
        "tipe mutasi", "jenis mutasi",
    ]),
    (Role::Fee, 0, &["mdr", "mdr amount", "nominal mdr", "biaya mdr", "mdr fee", "fee mdr"]),
    (Role::Fee, 1, &[
        "fee", "biaya", "biaya admin", "admin fee", "biaya transaksi", "transaction fee",
        "fee amount", "potongan", "charge", "charges",
    ]),
    (Role::Net, 0, &[
        "net", "nett", "net amount", "nett amount", "bersih", "jumlah bersih", "nominal bersih",
        "net settlement", "settlement amount", "nominal settlement", "jumlah settlement",
        "amount received", "dana diterima",
    ]),
    (Role::Reference, 0, &[
        "referensi", "ref", "no referensi", "nomor referensi", "kode referensi", "no ref",
        "ref no", "reference", "reference no", "reference number", "rrn", "transaction id",
        "trx id", "id transaksi", "no transaksi", "nomor transaksi", "transaction reference",
        "order id", "invoice", "invoice no", "no invoice", "external id", "bill number",
        "nomor tagihan", "kode bayar", "kode pembayaran", "payment code",
    ]),
    (Role::Description, 0, &[
        "keterangan", "keterangan transaksi", "description", "deskripsi", "berita",
        "berita transfer", "remark", "remarks", "uraian", "uraian transaksi", "catatan", "note",
        "notes", "memo", "narrative", "pesan", "message",
    ]),
    (Role::Payer, 0, &[
        "nama", "nama pengirim", "pengirim", "pembayar", "nama pembayar", "payer", "payer name",
        "customer", "customer name", "nama pelanggan", "pelanggan", "sender", "sender name",
        "nama nasabah",
    ]),
    (Role::Payer, 1, &["issuer", "issuer name", "nama issuer", "penerbit", "acquirer"]),
];

/// Words that say a unit, not what a column holds: `Nominal (Rp)` is `Nominal`.
const UNIT_WORDS: &[&str] = &["rp", "idr", "wib", "wita", "wit", "utc"];

/// A header cell as compared with [`NAMES`]: lower case, `camelCase` split, every run of
/// characters that are not letters or digits one space, unit words dropped (unless nothing
/// else is left). Copied in spirit from the web crate's `table_file::normalise_header`, which
/// the core may not depend on, and looser, because exports are written by many programs.
fn normalise_header(h: &str) -> String {
    let mut spaced = String::with_capacity(h.len() + 4);
    let mut prev_lower = false;
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if prev_lower && c.is_uppercase() {
                spaced.push(' ');
            }
            spaced.extend(c.to_lowercase());
            prev_lower = c.is_lowercase();
        } else {
            spaced.push(' ');
            prev_lower = false;
        }
    }
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !UNIT_WORDS.contains(w))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

/// The role and rank of one header cell, if it is a known name.
fn classify(raw: &str) -> Option<(Role, u8)> {
    if raw.contains('%') {
        return None;
    }
    let key = normalise_header(raw);
    NAMES
        .iter()
        .find(|(_, _, names)| names.contains(&key.as_str()))
        .map(|(role, rank, _)| (*role, *rank))
}

/// Which column holds what, found from a statement's header row.
///
/// Invariant: `date` and `amount` are columns of the header; every other index too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLayout {
    /// The header's index among the file's rows (0-based); data rows follow it.
    pub header_row: usize,
    /// The header cells as written, trimmed, for messages.
    pub headers: Vec<String>,
    pub date: usize,
    /// A time-only column completing `date`.
    pub time: Option<usize>,
    /// The incoming (credit side, gross) amount.
    pub amount: usize,
    /// A separate debit column: a row with an amount here is outgoing money.
    pub debit: Option<usize>,
    /// A D/K (debit/credit, type) column; a column without a name right after the amount
    /// counts as one (BCA writes `CR`/`DB` there).
    pub direction: Option<usize>,
    pub fee: Option<usize>,
    pub net: Option<usize>,
    pub reference: Vec<usize>,
    pub description: Vec<usize>,
    pub payer: Vec<usize>,
    /// The offset that times written with an explicit offset or zone are converted to: the
    /// coop's time zone (WIB, +07:00, unless the caller sets another).
    pub offset: UtcOffset,
}

/// WIB, the default [`StatementLayout::offset`]: Java, so all of Jawa Timur.
const WIB: UtcOffset = time::macros::offset!(+7);

/// The columns that fit each role, in header order, with their rank.
struct Candidates(Vec<(usize, Role, u8)>);

impl Candidates {
    fn of(header: &[String]) -> Candidates {
        Candidates(
            header
                .iter()
                .enumerate()
                .filter_map(|(i, h)| classify(h).map(|(role, rank)| (i, role, rank)))
                .collect(),
        )
    }

    /// The columns of `role` with its best rank.
    fn best(&self, role: Role) -> Vec<usize> {
        let best = self.0.iter().filter(|c| c.1 == role).map(|c| c.2).min();
        self.0
            .iter()
            .filter(|c| c.1 == role && Some(c.2) == best)
            .map(|c| c.0)
            .collect()
    }

    /// The one column of a date or number role; two of the same best rank are refused.
    fn single(&self, role: Role, header: &[String]) -> Result<Option<usize>, Msg> {
        match self.best(role).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [a, b, ..] => Err(ambiguous_columns(role, &header[*a], &header[*b])),
        }
    }

    /// How many different roles were recognised (to pick the likeliest header row).
    fn roles(&self) -> usize {
        let mut roles: Vec<u8> = self.0.iter().map(|c| c.1 as u8).collect();
        roles.sort_unstable();
        roles.dedup();
        roles.len()
    }
}

impl StatementLayout {
    /// Maps a header row (the file's first row) to the columns this module reads.
    ///
    /// Errors, in both languages: no date or no amount column (the message lists the columns
    /// found and the names expected), or two columns equally fit for one date or number role.
    pub fn detect(header: &[String]) -> Result<StatementLayout, Msg> {
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(Msg::new(
                "Baris judul kosong: baris pertama berkas harus berisi nama kolom (misalnya Tanggal, Keterangan, Jumlah).",
                "The header row is empty: the file's first row must name the columns (for example Date, Description, Amount).",
            ));
        }
        let c = Candidates::of(header);
        let mut date = c.single(Role::Date, header)?;
        let mut time = c.single(Role::Time, header)?;
        if date.is_none() {
            date = time.take();
        }
        let amount = c.single(Role::Amount, header)?;
        let (Some(date), Some(amount)) = (date, amount) else {
            let missing: Vec<Role> = [(Role::Date, date), (Role::Amount, amount)]
                .into_iter()
                .filter(|(_, col)| col.is_none())
                .map(|(role, _)| role)
                .collect();
            return Err(missing_columns(header, &missing));
        };
        Ok(StatementLayout {
            header_row: 0,
            headers: header.iter().map(|h| h.trim().to_string()).collect(),
            date,
            time,
            amount,
            debit: c.single(Role::Debit, header)?,
            direction: c
                .single(Role::Direction, header)?
                .or_else(|| unnamed_after(header, amount)),
            fee: c.single(Role::Fee, header)?,
            net: c.single(Role::Net, header)?,
            reference: c.best(Role::Reference),
            description: c.best(Role::Description),
            payer: c.best(Role::Payer),
            offset: WIB,
        })
    }

    /// Finds the header among the first rows of a file (below a bank's preamble: account,
    /// holder, period) and maps it. The error is the one of the row that looked most like a
    /// header, so that it names the columns the person sees.
    pub fn locate(records: &[Vec<String>]) -> Result<StatementLayout, Msg> {
        let mut best: Option<(usize, Msg)> = None;
        for (i, row) in records.iter().take(HEADER_SCAN).enumerate() {
            if is_blank(row) {
                continue;
            }
            match StatementLayout::detect(row) {
                Ok(mut layout) => {
                    layout.header_row = i;
                    return Ok(layout);
                }
                Err(e) => {
                    let score = Candidates::of(row).roles();
                    if best.as_ref().is_none_or(|(s, _)| score > *s) {
                        best = Some((score, e));
                    }
                }
            }
        }
        Err(best.map(|(_, e)| e).unwrap_or_else(|| {
            Msg::new(
                "Berkas kosong: tidak ada baris judul maupun transaksi.",
                "The file is empty: it has no header row and no transactions.",
            )
        }))
    }

    /// The header of column `col` as written, for messages.
    fn column(&self, col: usize) -> &str {
        self.headers.get(col).map_or("", String::as_str)
    }
}

/// The column right after the amount when it has no name: BCA writes `CR`/`DB` there.
fn unnamed_after(header: &[String], amount: usize) -> Option<usize> {
    let next = amount + 1;
    header
        .get(next)
        .filter(|h| h.trim().is_empty())
        .map(|_| next)
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// The names a person can give each required column, for the "column not found" message.
fn expected_names(role: Role) -> &'static str {
    match role {
        Role::Date => {
            "Tanggal, Tgl, Tanggal Transaksi, Date, Transaction Date, Waktu, Time, Settlement Date"
        }
        _ => "Nominal, Jumlah, Amount, Gross Amount, Kredit, Credit, Mutasi, CR",
    }
}

fn missing_columns(header: &[String], missing: &[Role]) -> Msg {
    let found = header
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let (mut need_id, mut need_en) = (vec![], vec![]);
    for role in missing {
        let (id, en) = role.label();
        need_id.push(format!("{id} (misalnya {})", expected_names(*role)));
        need_en.push(format!("{en} (such as {})", expected_names(*role)));
    }
    Msg::new(
        format!(
            "Kolom {} tidak ditemukan di baris judul. Kolom yang ada: {found}. Unggah laporan settlement QRIS atau mutasi rekening dengan baris judul berisi nama kolom.",
            need_id.join(" dan ")
        ),
        format!(
            "No {} column found in the header row. The columns are: {found}. Upload a QRIS settlement report or a bank statement whose header row names its columns.",
            need_en.join(" and no ")
        ),
    )
}

fn ambiguous_columns(role: Role, a: &str, b: &str) -> Msg {
    let (id, en) = role.label();
    let (a, b) = (a.trim(), b.trim());
    Msg::new(
        format!(
            "Kolom \"{a}\" dan \"{b}\" sama-sama dapat dibaca sebagai {id}. Ganti nama atau hapus salah satunya, lalu unggah lagi."
        ),
        format!(
            "The columns \"{a}\" and \"{b}\" could both be the {en}. Rename or remove one of them, then upload again."
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// Which sign starts the decimals in ambiguous cells (`150.123`), decided per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Unknown,
    DotDecimal,
    CommaDecimal,
}

/// Which way money went, as marked after an amount (`CR`, `DB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    In,
    Out,
}

/// A number read from a cell: millionths (digits beyond the sixth decimal are spreadsheet
/// noise and dropped), signed, with the `CR`/`DB` mark written after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Number {
    micros: i128,
    mark: Option<Flow>,
}

const MICROS: i128 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberError {
    Empty,
    Unreadable,
    TooLarge,
}

/// Reads an amount as exports write it (see the module doc).
fn parse_number(cell: &str, style: Style) -> Result<Number, NumberError> {
    let mut buf = [0u8; 64];
    let mut s = compact(cell, &mut buf)?.trim_start_matches('\'');
    s = s.strip_suffix("IDR").unwrap_or(s);
    let mut mark = None;
    for (suffix, flow) in [("CR", Flow::In), ("DB", Flow::Out), ("DR", Flow::Out)] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest;
            mark = Some(flow);
            break;
        }
    }
    s = s
        .strip_suffix(",-")
        .or_else(|| s.strip_suffix(".-"))
        .unwrap_or(s);
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner;
    }
    loop {
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        } else if let Some(rest) = ["RP.", "RP", "IDR"].iter().find_map(|p| s.strip_prefix(p)) {
            s = rest;
        } else {
            break;
        }
    }
    if let Some(rest) = s.strip_suffix('-') {
        negative = true;
        s = rest;
    }
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let magnitude = decimal_micros(s, style)?;
    Ok(Number {
        micros: if negative { -magnitude } else { magnitude },
        mark,
    })
}

/// The cell in upper case without its spaces (also the no-break spaces spreadsheets write
/// between thousands), in `buf`: a number is short and ASCII, anything else is unreadable.
fn compact<'b>(cell: &str, buf: &'b mut [u8; 64]) -> Result<&'b str, NumberError> {
    let mut n = 0;
    for c in cell.chars().filter(|c| !c.is_whitespace()) {
        if !c.is_ascii() || n == buf.len() {
            return Err(NumberError::Unreadable);
        }
        buf[n] = (c as u8).to_ascii_uppercase();
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).map_err(|_| NumberError::Unreadable)
}

/// The value of digits with `.` and `,` separators, in millionths.
fn decimal_micros(s: &str, style: Style) -> Result<i128, NumberError> {
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return Err(NumberError::Unreadable);
    }
    let (dots, commas) = (s.matches('.').count(), s.matches(',').count());
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (d, c) if d > 0 && c > 0 => s.chars().rev().find(|c| *c == '.' || *c == ','),
        (1, 0) => lone_separator(s, '.', style),
        (0, 1) => lone_separator(s, ',', style),
        _ => None,
    };
    let (int, frac) = match decimal.and_then(|d| s.rsplit_once(d)) {
        Some((int, frac)) => (int, frac),
        None => (s, ""),
    };
    if decimal.is_some() && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return Err(NumberError::Unreadable);
    }
    let whole = grouped_digits(int)?;
    let mut micros = whole.checked_mul(MICROS).ok_or(NumberError::TooLarge)?;
    let mut unit = MICROS / 10;
    for b in frac.bytes().take(6) {
        micros += i128::from(b - b'0') * unit;
        unit /= 10;
    }
    Ok(micros)
}

/// Whether a lone `sep` (the only separator, once) starts the decimals: yes unless it is
/// followed by exactly three digits; then the file's style decides, and without one it groups
/// thousands when what precedes it could be a first group (1–3 digits, no leading zero).
fn lone_separator(s: &str, sep: char, style: Style) -> Option<char> {
    let (before, after) = s.split_once(sep)?;
    if after.len() != 3 {
        return Some(sep);
    }
    match (style, sep) {
        (Style::DotDecimal, '.') | (Style::CommaDecimal, ',') => Some(sep),
        (Style::DotDecimal, _) | (Style::CommaDecimal, _) => None,
        (Style::Unknown, _) => {
            let group = (1..=3).contains(&before.len()) && !before.starts_with('0');
            if group { None } else { Some(sep) }
        }
    }
}

/// The integer part: plain digits, or groups of three after a first group of one to three.
fn grouped_digits(int: &str) -> Result<i128, NumberError> {
    let sep = int.bytes().find(|b| *b == b'.' || *b == b',');
    if let Some(sep) = sep {
        let mut groups = int.split(char::from(sep));
        let first = groups.next().unwrap_or_default();
        let ok = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
        if !ok || int.bytes().any(|b| b != sep && !b.is_ascii_digit()) {
            return Err(NumberError::Unreadable);
        }
    }
    let mut value: i128 = 0;
    let mut digits = 0;
    for b in int.bytes().filter(u8::is_ascii_digit) {
        digits += 1;
        value = value * 10 + i128::from(b - b'0');
        if digits > 30 {
            return Err(NumberError::TooLarge);
        }
    }
    if digits == 0 {
        return Err(NumberError::Unreadable);
    }
    Ok(value)
}

/// What one cell says about the file's decimal sign: a cell with both signs (`1,250.00`) or
/// with a lone sign that cannot group thousands (`150123.00`, `149672.631`, as spreadsheet
/// numbers come). Only separators between two
/// digits count, so `Rp.` and `,-` say nothing.
fn vote(cell: &str) -> Option<Style> {
    let b = cell.as_bytes();
    let (mut dots, mut commas, mut last) = (0, 0, None);
    for i in 1..b.len().saturating_sub(1) {
        if (b[i] == b'.' || b[i] == b',') && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()
        {
            if b[i] == b'.' {
                dots += 1;
            } else {
                commas += 1;
            }
            last = Some((i, b[i]));
        }
    }
    let (at, sep) = last?;
    let decimal = match (dots, commas) {
        (d, c) if d > 0 && c > 0 => sep,
        (1, 0) | (0, 1) => {
            let after = b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let before = b[..at]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count();
            // `149672.631` cannot group thousands (six digits before the sign), `150.123` can.
            if after == 3 && before <= 3 && b[at - before] != b'0' {
                return None;
            }
            sep
        }
        _ => return None,
    };
    Some(if decimal == b'.' {
        Style::DotDecimal
    } else {
        Style::CommaDecimal
    })
}

/// The file's decimal sign, by majority of the cells that show one; a tie says nothing.
fn number_style(layout: &StatementLayout, data: &[Vec<String>]) -> Style {
    let cols: Vec<usize> = [Some(layout.amount), layout.debit, layout.fee, layout.net]
        .into_iter()
        .flatten()
        .collect();
    let (mut dot, mut comma) = (0usize, 0usize);
    for row in data {
        for &c in &cols {
            match row.get(c).and_then(|cell| vote(cell)) {
                Some(Style::DotDecimal) => dot += 1,
                Some(Style::CommaDecimal) => comma += 1,
                _ => {}
            }
        }
    }
    match dot.cmp(&comma) {
        std::cmp::Ordering::Greater => Style::DotDecimal,
        std::cmp::Ordering::Less => Style::CommaDecimal,
        std::cmp::Ordering::Equal => Style::Unknown,
    }
}

/// Whole rupiah, rounded half up (on the magnitude).
fn round_half_up(micros: i128) -> i128 {
    (micros.abs() + MICROS / 2) / MICROS
}

// ---------------------------------------------------------------------------------------------
// Dates

/// A moment read from a cell: date-only cells are at 00:00 with `has_time` false.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct When {
    at: PrimitiveDateTime,
    has_time: bool,
}

/// Excel's day 0 for serials above 60 (Excel counts a 29 February 1900 that never was).
const EXCEL_EPOCH: Date = date!(1899 - 12 - 30);
/// Serials read as dates: 1 January 1970 to 31 December 2099, so that a year (`2026`) or an
/// amount is never taken for one.
const EXCEL_SERIALS: std::ops::RangeInclusive<i64> = 25_569..=73_050;
/// Years accepted in dates.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2999;

/// Reads a date with an optional time; `local` is the offset explicit offsets convert to.
fn parse_when(cell: &str, local: UtcOffset) -> Option<When> {
    let s = cell.trim().trim_start_matches('\'').trim();
    if let Some(w) = excel_serial(s) {
        return Some(w);
    }
    let (date_part, time_part) = split_date_time(s);
    let date = parse_date(date_part)?;
    if time_part.is_empty() {
        return Some(When {
            at: date.midnight(),
            has_time: false,
        });
    }
    let (time, offset) = parse_clock_tokens(time_part)?;
    Some(When {
        at: to_local(PrimitiveDateTime::new(date, time), offset, local)?,
        has_time: true,
    })
}

/// The wall-clock time in `local` of a time written with `offset` (none: already local).
fn to_local(
    at: PrimitiveDateTime,
    offset: Option<UtcOffset>,
    local: UtcOffset,
) -> Option<PrimitiveDateTime> {
    match offset {
        None => Some(at),
        Some(off) => {
            let moved = at.assume_offset(off).checked_to_offset(local)?;
            Some(PrimitiveDateTime::new(moved.date(), moved.time()))
        }
    }
}

/// An Excel serial date (`46356`, `46356.585`), as calamine writes a date cell as text.
fn excel_serial(s: &str) -> Option<When> {
    let (int, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 6 || !digits(int) || !digits(frac) {
        return None;
    }
    let days: i64 = int.parse().ok()?;
    if !EXCEL_SERIALS.contains(&days) {
        return None;
    }
    let date = EXCEL_EPOCH.checked_add(Duration::days(days))?;
    let seconds = day_seconds(frac)?;
    let at = date.midnight().checked_add(Duration::seconds(seconds))?;
    Some(When {
        at,
        has_time: frac.bytes().any(|b| b != b'0'),
    })
}

/// The seconds in the fraction of a day written after the decimal sign (`585` → 50 544),
/// rounded to the nearest second; the first nine digits count.
fn day_seconds(frac: &str) -> Option<i64> {
    let frac = &frac[..frac.len().min(9)];
    if frac.is_empty() {
        return Some(0);
    }
    let scale = 10_i64.pow(u32::try_from(frac.len()).ok()?);
    let part: i64 = frac.parse().ok()?;
    Some((part * 86_400 + scale / 2) / scale)
}

/// Splits a cell into its date words and its time words (the first word with `:`, or an
/// Indonesian `14.03` after the date, and all that follows; an ISO `T` splits too).
fn split_date_time(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let iso_t = (1..b.len().saturating_sub(1)).find(|&i| {
        (b[i] == b'T' || b[i] == b't') && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()
    });
    if let Some(i) = iso_t {
        return (&s[..i], &s[i + 1..]);
    }
    let time_word = s
        .split_whitespace()
        .skip(1)
        .find(|w| w.contains(':') || is_dotted_clock(w));
    // The word is a slice of `s`, so its distance from the start of `s` is where it begins.
    match time_word.map(|w| w.as_ptr() as usize - s.as_ptr() as usize) {
        Some(at) => (&s[..at], &s[at..]),
        None => (s, ""),
    }
}

/// `14.03` or `14.03.22`: how Indonesian writes a time.
fn is_dotted_clock(w: &str) -> bool {
    let mut parts = w.split('.');
    let hour = parts
        .next()
        .is_some_and(|h| (1..=2).contains(&h.len()) && all_digits(h));
    let rest = parts.clone().count();
    hour && (1..=2).contains(&rest) && parts.all(|p| p.len() == 2 && all_digits(p))
}

fn all_digits(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_digit())
}

/// A date without its time (see the module doc for the forms).
fn parse_date(part: &str) -> Option<Date> {
    let mut words = part
        .split(['/', '-', '.', ' ', ','])
        .filter(|w| !w.is_empty() && !is_weekday(w));
    let first = words.next()?;
    let Some(second) = words.next() else {
        return (first.len() == 8 && all_digits(first))
            .then(|| calendar(&first[..4], &first[4..6], &first[6..]))
            .flatten();
    };
    let third = words.next()?;
    if words.next().is_some() {
        return None;
    }
    three_words(first, second, third)
}

/// A date of three words: day, month and year in one of the usual orders.
fn three_words(a: &str, b: &str, c: &str) -> Option<Date> {
    let words = [a, b, c];
    if let Some(m) = words.iter().position(|w| !all_digits(w)) {
        let month = month_from_name(words[m])?;
        let (x, y) = match m {
            0 => (b, c),
            1 => (a, c),
            _ => (a, b),
        };
        let (day, year) = if x.len() > 2 { (y, x) } else { (x, y) };
        return date_of(year_of(year)?, month, day.parse().ok()?);
    }
    if a.len() == 4 {
        calendar(a, b, c)
    } else {
        calendar(c, b, a)
    }
}

fn calendar(year: &str, month: &str, day: &str) -> Option<Date> {
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    date_of(year_of(year)?, month, day.parse().ok()?)
}

fn date_of(year: i32, month: Month, day: u8) -> Option<Date> {
    if !YEARS.contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, month, day).ok()
}

/// A four-digit year, or two digits meaning 20xx.
fn year_of(w: &str) -> Option<i32> {
    if !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match w.len() {
        4 => w.parse().ok(),
        2 => w.parse::<i32>().ok().map(|y| 2000 + y),
        _ => None,
    }
}

/// Indonesian and English month names and their abbreviations (`Agt`, `Agu`, `Nop`, `Okt`…).
#[rustfmt::skip]
const MONTHS: &[(&str, Month)] = &[
    ("jan", Month::January), ("januari", Month::January), ("january", Month::January),
    ("feb", Month::February), ("peb", Month::February), ("februari", Month::February),
    ("pebruari", Month::February), ("february", Month::February),
    ("mar", Month::March), ("maret", Month::March), ("march", Month::March),
    ("apr", Month::April), ("april", Month::April),
    ("mei", Month::May), ("may", Month::May),
    ("jun", Month::June), ("juni", Month::June), ("june", Month::June),
    ("jul", Month::July), ("juli", Month::July), ("july", Month::July),
    ("agu", Month::August), ("agt", Month::August), ("ags", Month::August),
    ("agus", Month::August), ("agustus", Month::August), ("aug", Month::August),
    ("august", Month::August),
    ("sep", Month::September), ("sept", Month::September), ("september", Month::September),
    ("okt", Month::October), ("oktober", Month::October), ("oct", Month::October),
    ("october", Month::October),
    ("nov", Month::November), ("nop", Month::November), ("november", Month::November),
    ("nopember", Month::November),
    ("des", Month::December), ("desember", Month::December), ("dec", Month::December),
    ("december", Month::December),
];

fn month_from_name(w: &str) -> Option<Month> {
    MONTHS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(w))
        .map(|(_, m)| *m)
}

fn is_weekday(w: &str) -> bool {
    const DAYS: &[&str] = &[
        "senin",
        "selasa",
        "rabu",
        "kamis",
        "jumat",
        "jum'at",
        "sabtu",
        "minggu",
        "ahad",
        "sen",
        "sel",
        "rab",
        "kam",
        "jum",
        "sab",
        "min",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    !all_digits(w) && DAYS.iter().any(|d| d.eq_ignore_ascii_case(w))
}

/// The time words of a cell: a clock (`14:03`, `14:03:22.123`, `14.03`), then perhaps `AM`/`PM`
/// and an offset or zone (`Z`, `+07:00`, `WIB`), attached or apart.
fn parse_clock_tokens(words: &str) -> Option<(Time, Option<UtcOffset>)> {
    let (mut clock, mut pm, mut offset) = (None, None, None);
    for w in words.split_whitespace() {
        let is = |x: &str| w.eq_ignore_ascii_case(x);
        if is("am") || is("a.m.") {
            pm = Some(false);
        } else if is("pm") || is("p.m.") {
            pm = Some(true);
        } else if let Some(z) = zone(w) {
            offset = Some(z);
        } else if clock.is_none() {
            let (c, off) = parse_clock(w)?;
            clock = Some(c);
            offset = off.or(offset);
        } else {
            return None;
        }
    }
    let (h, m, s) = clock?;
    let h = match pm {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(true) => h % 12 + 12,
        Some(false) => h % 12,
    };
    Some((Time::from_hms(h, m, s).ok()?, offset))
}

/// A zone word or a bare offset: `wib`, `wita`, `wit`, `utc`, `gmt`, `z`, `+07:00`, `+0700`.
fn zone(w: &str) -> Option<UtcOffset> {
    let is = |x: &str| w.eq_ignore_ascii_case(x);
    if is("wib") {
        Some(WIB)
    } else if is("wita") {
        UtcOffset::from_hms(8, 0, 0).ok()
    } else if is("wit") {
        UtcOffset::from_hms(9, 0, 0).ok()
    } else if is("utc") || is("gmt") || is("z") {
        Some(UtcOffset::UTC)
    } else if w.starts_with(['+', '-']) {
        offset_of(w)
    } else {
        None
    }
}

/// `+07:00`, `+0700`, `+07`, `-05:30`.
fn offset_of(w: &str) -> Option<UtcOffset> {
    let sign: i8 = if w.starts_with('-') { -1 } else { 1 };
    let digits: String = w[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i8 = digits[..2].parse().ok().filter(|h| *h <= 14)?;
    let m: i8 = digits.get(2..).map_or(Ok(0), str::parse).ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// A clock word with perhaps an offset attached (`14:03:22.000z`, `14:03+07:00`).
fn parse_clock(w: &str) -> Option<((u8, u8, u8), Option<UtcOffset>)> {
    let (clock, offset) = if let Some(c) = w.strip_suffix(['z', 'Z']) {
        (c, Some(UtcOffset::UTC))
    } else if let Some(i) = w.rfind(['+', '-']).filter(|&i| i > 0) {
        (&w[..i], Some(offset_of(&w[i..])?))
    } else {
        (w, None)
    };
    let sep = if clock.contains(':') { ':' } else { '.' };
    let mut parts = clock.split(sep);
    // Hours of one or two digits; minutes and seconds of two, so `0.5` is no clock.
    let number = |p: &str, lens: std::ops::RangeInclusive<usize>| {
        let ok = lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| p.parse::<u8>().ok()).flatten()
    };
    let h = number(parts.next()?, 1..=2)?;
    let m = number(parts.next()?, 2..=2)?;
    // Seconds may carry a fraction (`22.123`), which is dropped.
    let s = match parts.next() {
        None => 0,
        Some(p) => number(p.split('.').next()?, 2..=2)?,
    };
    if parts.next().is_some() || s > 59 {
        return None;
    }
    Some(((h, m, s), offset))
}

/// A separate time cell: a clock, an Excel day fraction (`0.585`), or a whole date-time whose
/// time is taken.
fn parse_time_cell(cell: &str) -> Option<(Time, Option<UtcOffset>)> {
    let s = cell.trim().trim_start_matches('\'').trim();
    if let Some(t) = parse_clock_tokens(s) {
        return Some(t);
    }
    if let Some(frac) = s.strip_prefix("0.").or_else(|| s.strip_prefix("0,"))
        && frac.bytes().all(|b| b.is_ascii_digit())
    {
        let seconds = day_seconds(frac)?;
        let hms = |unit: i64, of: i64| u8::try_from(seconds / unit % of).ok();
        let time = Time::from_hms(hms(3_600, 24)?, hms(60, 60)?, hms(1, 60)?).ok();
        return time.filter(|_| seconds < 86_400).map(|t| (t, None));
    }
    // Excel may give a time cell a date (`1899-12-31 14:03:22`); only the time counts.
    let (_, time) = split_date_time(s);
    (!time.is_empty())
        .then(|| parse_clock_tokens(time))
        .flatten()
}

// ---------------------------------------------------------------------------------------------
// Lines

/// One incoming payment read from a statement.
///
/// Invariants: `amount` is positive whole rupiah; `fee` and `net` are not negative;
/// `fingerprint` is unique within one parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// The line in the file, 1-based, counting the header and any rows above it.
    pub row: usize,
    /// When the money came, in the coop's wall-clock time; 00:00 when the file gives no time.
    pub at: PrimitiveDateTime,
    pub has_time: bool,
    /// The gross amount received (credit side).
    pub amount: Rupiah,
    /// The acquirer's fee (MDR), when the file has one.
    pub fee: Option<Rupiah>,
    /// What reaches the bank, when the file says.
    pub net: Option<Rupiah>,
    pub reference: String,
    pub payer: String,
    pub description: String,
    /// Identifies the line whatever its position, so that a line imported twice (two exports
    /// of overlapping periods) is recognised: the time, the amount and the normalised texts,
    /// then `#n`, the line's occurrence among identical lines of the same file (1, 2, …).
    pub fingerprint: String,
}

/// A row that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    /// The line in the file, 1-based, counting the header and any rows above it.
    pub row: usize,
    pub msg: Msg,
}

/// What a statement held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedStatement {
    /// The incoming lines, in file order.
    pub lines: Vec<StatementLine>,
    pub problems: Vec<LineProblem>,
    /// Rows of money going out (debits, refunds): read, not payments to the coop.
    pub outgoing: usize,
    /// Blank rows and summary rows (opening and closing balance, totals).
    pub skipped: usize,
}

/// What one row turned out to be.
enum Row {
    Skipped,
    Outgoing,
    Incoming(StatementLine),
    Bad(Vec<Msg>),
}

/// Reads the rows of a statement, `records` being the whole file as read (the header at
/// `layout.header_row` and any preamble above it included), so that row numbers are the lines
/// a person sees in the file.
pub fn parse_statement(layout: &StatementLayout, records: &[Vec<String>]) -> ParsedStatement {
    let first = layout.header_row + 1;
    let data = records.get(first..).unwrap_or_default();
    let style = number_style(layout, data);
    let mut out = ParsedStatement::default();
    for (i, cells) in data.iter().enumerate() {
        let row = first + i + 1;
        match read_row(layout, style, cells, row) {
            Row::Skipped => out.skipped += 1,
            Row::Outgoing => out.outgoing += 1,
            Row::Bad(msgs) => out
                .problems
                .extend(msgs.into_iter().map(|msg| LineProblem { row, msg })),
            Row::Incoming(line) => out.lines.push(line),
        }
    }
    count_twins(&mut out.lines);
    if data.iter().all(|r| is_blank(r)) {
        out.problems.push(LineProblem {
            row: first,
            msg: Msg::new(
                "Berkas hanya berisi baris judul, tanpa satu pun transaksi.",
                "The file has only a header row, without any transaction.",
            ),
        });
    }
    out
}

/// Ends every fingerprint with `#n`, the line's occurrence among identical lines (1, 2, …).
fn count_twins(lines: &mut [StatementLine]) {
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(lines.len());
    let counts: Vec<u32> = lines
        .iter()
        .map(|l| {
            let n = seen.entry(l.fingerprint.as_str()).or_insert(0);
            *n += 1;
            *n
        })
        .collect();
    for (line, n) in lines.iter_mut().zip(counts) {
        line.fingerprint.push('#');
        line.fingerprint.push_str(&n.to_string());
    }
}

/// [`parse_statement`] for callers that need only the lines and the problems.
pub fn parse_lines(
    layout: &StatementLayout,
    records: &[Vec<String>],
) -> (Vec<StatementLine>, Vec<LineProblem>) {
    let parsed = parse_statement(layout, records);
    (parsed.lines, parsed.problems)
}

/// Reads one data row.
fn read_row(layout: &StatementLayout, style: Style, cells: &[String], row: usize) -> Row {
    let cell = |col: usize| cells.get(col).map_or("", |c| c.trim());
    if is_blank(cells) {
        return Row::Skipped;
    }
    match goes_out(layout, style, &cell) {
        Ok(true) => return Row::Outgoing,
        Ok(false) => {}
        Err(msg) => return Row::Bad(vec![msg]),
    }
    let when = read_when(layout, &cell);
    if when.is_err() && is_summary(cells) {
        return Row::Skipped;
    }
    let amount = match read_amount(layout, style, cell(layout.amount)) {
        Ok(Gross::Out) => return Row::Outgoing,
        Ok(Gross::In(a)) => Ok(a),
        Err(e) => Err(e),
    };
    let fee = read_extra(layout, style, layout.fee, &cell);
    let net = read_extra(layout, style, layout.net, &cell);
    match (when, amount, fee, net) {
        (Ok(when), Ok(amount), Ok(fee), Ok(net)) => {
            let (fee, net) = settle(amount, fee, net);
            let too_big = [(layout.fee, fee), (layout.net, net)]
                .into_iter()
                .filter_map(|(col, part)| Some((col?, part?)))
                .find(|(_, part)| *part > amount);
            if let Some((col, _)) = too_big {
                return Row::Bad(vec![beyond_gross(layout, col, cell(col), amount)]);
            }
            Row::Incoming(line(layout, cells, row, when, amount, fee, net))
        }
        (when, amount, fee, net) => Row::Bad(
            [when.err(), amount.err(), fee.err(), net.err()]
                .into_iter()
                .flatten()
                .collect(),
        ),
    }
}

/// The line a row makes once its cells are read: texts with their runs of spaces squeezed,
/// several columns of one text role joined.
fn line(
    layout: &StatementLayout,
    cells: &[String],
    row: usize,
    when: When,
    amount: Rupiah,
    fee: Option<Rupiah>,
    net: Option<Rupiah>,
) -> StatementLine {
    let text = |cols: &[usize]| {
        let mut out = String::new();
        for cell in cols.iter().filter_map(|&c| cells.get(c)) {
            for (i, word) in cell.split_whitespace().enumerate() {
                let sep = if i > 0 {
                    " "
                } else if out.is_empty() {
                    ""
                } else {
                    JOIN
                };
                out.push_str(sep);
                out.push_str(word);
            }
        }
        out
    };
    let reference = text(&layout.reference);
    let payer = text(&layout.payer);
    let description = text(&layout.description);
    let fingerprint = fingerprint_base(when, amount, &reference, &payer, &description);
    StatementLine {
        row,
        at: when.at,
        has_time: when.has_time,
        amount,
        fee,
        net,
        reference,
        payer,
        description,
        fingerprint,
    }
}

/// The fingerprint without its occurrence counter: `2026-11-30T14:03:22|150123|ref|payer|desc`
/// (the date alone when the file gives no time), texts in lower case with `\` and `|` escaped.
fn fingerprint_base(
    when: When,
    amount: Rupiah,
    reference: &str,
    payer: &str,
    description: &str,
) -> String {
    use std::fmt::Write;
    let (d, t) = (when.at.date(), when.at.time());
    let mut out = String::with_capacity(32 + reference.len() + payer.len() + description.len());
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    );
    if when.has_time {
        let _ = write!(out, "T{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    }
    let _ = write!(out, "|{}", amount.0);
    for text in [reference, payer, description] {
        out.push('|');
        for c in text.chars() {
            if c == '|' || c == '\\' {
                out.push('\\');
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Whether the row is money going out, by its D/K column or its debit column.
fn goes_out<'a>(
    layout: &StatementLayout,
    style: Style,
    cell: &impl Fn(usize) -> &'a str,
) -> Result<bool, Msg> {
    if let Some(col) = layout.direction
        && is_out_word(cell(col))
    {
        return Ok(true);
    }
    let Some(col) = layout.debit else {
        return Ok(false);
    };
    let raw = cell(col);
    if raw.is_empty() || raw == "-" {
        return Ok(false);
    }
    match parse_number(raw, style) {
        Ok(n) => Ok(n.micros != 0),
        Err(_) => Err(unreadable_amount(layout.column(col), raw)),
    }
}

/// A D/K cell that says money went out.
fn is_out_word(w: &str) -> bool {
    const OUT: &[&str] = &[
        "d",
        "db",
        "dr",
        "debit",
        "debet",
        "-",
        "keluar",
        "out",
        "outgoing",
        "refund",
        "reversal",
        "void",
        "pengembalian",
        "batal",
    ];
    let w = w.trim().trim_end_matches('.');
    OUT.iter().any(|o| o.eq_ignore_ascii_case(w))
}

/// A row that sums up the others (`Saldo Awal`, `Total`), told by its first filled cell.
fn is_summary(cells: &[String]) -> bool {
    const WORDS: &[&str] = &[
        "saldo",
        "total",
        "subtotal",
        "sub total",
        "grand total",
        "jumlah",
        "mutasi",
        "opening balance",
        "closing balance",
        "beginning balance",
        "ending balance",
        "balance",
    ];
    let first = cells
        .iter()
        .map(|c| c.trim())
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_lowercase();
    WORDS.iter().any(|w| first.starts_with(w))
}

fn read_when<'a>(layout: &StatementLayout, cell: &impl Fn(usize) -> &'a str) -> Result<When, Msg> {
    let raw = cell(layout.date);
    let mut when = parse_when(raw, layout.offset)
        .ok_or_else(|| unreadable_date(layout.column(layout.date), raw))?;
    let Some(col) = layout.time else {
        return Ok(when);
    };
    let raw_time = cell(col);
    if raw_time.is_empty() {
        return Ok(when);
    }
    let (time, offset) =
        parse_time_cell(raw_time).ok_or_else(|| unreadable_time(layout.column(col), raw_time))?;
    let at = PrimitiveDateTime::new(when.at.date(), time);
    when.at = to_local(at, offset, layout.offset)
        .ok_or_else(|| unreadable_time(layout.column(col), raw_time))?;
    when.has_time = true;
    Ok(when)
}

/// The gross amount of a row: money in, or a sign that it went out.
enum Gross {
    In(Rupiah),
    Out,
}

fn read_amount(layout: &StatementLayout, style: Style, raw: &str) -> Result<Gross, Msg> {
    let col = layout.column(layout.amount);
    let n = match parse_number(raw, style) {
        Ok(n) => n,
        Err(NumberError::Empty) => return Err(empty_amount(col)),
        Err(NumberError::TooLarge) => return Err(too_large(col, raw)),
        Err(NumberError::Unreadable) => return Err(unreadable_amount(col, raw)),
    };
    if n.mark == Some(Flow::Out) || n.micros < 0 {
        return Ok(Gross::Out);
    }
    if n.micros % MICROS != 0 {
        return Err(fraction(col, raw));
    }
    if n.micros == 0 {
        return Err(zero_amount(col, raw));
    }
    let whole = i64::try_from(n.micros / MICROS).map_err(|_| too_large(col, raw))?;
    Ok(Gross::In(Rupiah(whole)))
}

/// A fee or net cell, in millionths (magnitude); `None` when the column is absent or empty.
fn read_extra<'a>(
    layout: &StatementLayout,
    style: Style,
    col: Option<usize>,
    cell: &impl Fn(usize) -> &'a str,
) -> Result<Option<i128>, Msg> {
    let Some(col) = col else { return Ok(None) };
    let raw = cell(col);
    if raw.is_empty() || raw == "-" {
        return Ok(None);
    }
    match parse_number(raw, style) {
        Ok(n) if round_half_up(n.micros) <= i128::from(i64::MAX) => Ok(Some(n.micros.abs())),
        Ok(_) | Err(NumberError::TooLarge) => Err(too_large(layout.column(col), raw)),
        Err(_) => Err(unreadable_amount(layout.column(col), raw)),
    }
}

/// Fee and net in whole rupiah, half up, conserving `gross = fee + net` when the file's exact
/// values did (see the module doc).
fn settle(gross: Rupiah, fee: Option<i128>, net: Option<i128>) -> (Option<Rupiah>, Option<Rupiah>) {
    let whole = |m: i128| Rupiah(i64::try_from(round_half_up(m)).unwrap_or(i64::MAX));
    let (fee_r, mut net_r) = (fee.map(whole), net.map(whole));
    if let (Some(f), Some(n), Some(fr), Some(nr)) = (fee, net, fee_r, net_r)
        && f + n == i128::from(gross.0) * MICROS
        && fr.0.checked_add(nr.0) != Some(gross.0)
    {
        net_r = gross.checked_sub(fr);
    }
    (fee_r, net_r)
}

// Messages about cells. The column is named as the file names it, the value as written (its
// first 40 characters: a whole description pasted into an amount column stays readable).

fn shown(raw: &str) -> String {
    const MAX: usize = 40;
    match raw.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_string(),
    }
}

const DATE_EXAMPLES: &str = "30/11/2026, 30/11/2026 14:03, 2026-11-30 14:03:22, 30 Nov 2026";
const AMOUNT_EXAMPLES: &str = "150.123, 150,123.00, 150.123,00, Rp 150.123";

fn unreadable_date(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    if raw.is_empty() {
        return Msg::new(
            format!("Kolom \"{col}\" kosong; tanggal transaksi wajib ada."),
            format!("The \"{col}\" column is empty; the transaction date is required."),
        );
    }
    Msg::new(
        format!(
            "Kolom \"{col}\": \"{shown}\" bukan tanggal yang dapat dibaca. Tanggal ditulis hari dulu, misalnya {DATE_EXAMPLES}."
        ),
        format!(
            "The \"{col}\" column: \"{shown}\" is not a date that can be read. Dates are written day first, e.g. {DATE_EXAMPLES}."
        ),
    )
}

fn unreadable_time(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    Msg::new(
        format!(
            "Kolom \"{col}\": \"{shown}\" bukan jam yang dapat dibaca, misalnya 14:03 atau 14:03:22."
        ),
        format!(
            "The \"{col}\" column: \"{shown}\" is not a time that can be read, e.g. 14:03 or 14:03:22."
        ),
    )
}

/// A fee or net larger than the gross: most likely a decimal sign read as a thousands one.
fn beyond_gross(layout: &StatementLayout, col: usize, raw: &str, gross: Rupiah) -> Msg {
    let (name, shown, amount) = (layout.column(col), shown(raw), layout.column(layout.amount));
    Msg::new(
        format!(
            "Kolom \"{name}\": \"{shown}\" lebih besar dari kolom \"{amount}\" ({gross}). Periksa tanda pemisah ribuan dan desimal di berkas ini."
        ),
        format!(
            "The \"{name}\" column: \"{shown}\" is more than the \"{amount}\" column ({gross}). Check the thousands and decimal signs in this file."
        ),
    )
}

fn empty_amount(col: &str) -> Msg {
    Msg::new(
        format!("Kolom \"{col}\" kosong; jumlah uang masuk wajib ada."),
        format!("The \"{col}\" column is empty; the amount received is required."),
    )
}

fn unreadable_amount(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    Msg::new(
        format!(
            "Kolom \"{col}\": \"{shown}\" bukan jumlah uang yang dapat dibaca, misalnya {AMOUNT_EXAMPLES}."
        ),
        format!(
            "The \"{col}\" column: \"{shown}\" is not an amount that can be read, e.g. {AMOUNT_EXAMPLES}."
        ),
    )
}

fn fraction(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    Msg::new(
        format!(
            "Kolom \"{col}\": \"{shown}\" berisi pecahan rupiah, padahal pembayaran selalu dalam rupiah utuh. Periksa apakah kolom ini memang jumlah dalam rupiah."
        ),
        format!(
            "The \"{col}\" column: \"{shown}\" has a fraction of a rupiah, while payments are always whole rupiah. Check that this column is an amount in rupiah."
        ),
    )
}

fn zero_amount(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    Msg::new(
        format!("Kolom \"{col}\": \"{shown}\"; jumlah uang masuk harus lebih dari 0."),
        format!("The \"{col}\" column: \"{shown}\"; the amount received must be more than 0."),
    )
}

fn too_large(col: &str, raw: &str) -> Msg {
    let shown = shown(raw);
    Msg::new(
        format!("Kolom \"{col}\": \"{shown}\" terlalu besar untuk sebuah jumlah uang."),
        format!("The \"{col}\" column: \"{shown}\" is too large for an amount of money."),
    )
}

// ---------------------------------------------------------------------------------------------
// Matching

/// An open payment request, as the matcher needs it.
///
/// Times are the coop's wall-clock time, the same clock as the statement's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    pub id: Uuid,
    /// The request's short code (`GY7K3Q9P`), which payers write in transfer notes.
    pub reference: String,
    /// The exact amount asked, unique code included.
    pub total: Rupiah,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    /// Past its expiry: still matchable, but only by reference without review.
    pub expired: bool,
}

/// How far around a request's life a line may fall and still match it by amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchWindow {
    /// Before `created_at`: the bank's clock and ours disagree by a few minutes.
    pub slack: Duration,
    /// After `expires_at`: a payment started before the expiry may be booked after it, and a
    /// bank may book an interbank transfer late.
    pub grace: Duration,
}

impl Default for MatchWindow {
    /// 15 minutes of slack, 24 hours of grace.
    fn default() -> MatchWindow {
        MatchWindow {
            slack: Duration::minutes(15),
            grace: Duration::hours(24),
        }
    }
}

/// How a line was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchBy {
    /// The line's text has the request's code, and the amounts are equal.
    Reference,
    /// The only request with that total whose window holds the line's time.
    AmountAndTime,
}

/// Why a line needs a person's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReviewReason {
    /// A request's code is in the line, but the amount differs from its total.
    AmountDiffers,
    /// Several requests fit equally.
    SeveralCandidates,
    /// The one fitting request had expired.
    Expired,
    /// Another line matched the same request too.
    ClaimedTwice,
}

impl ReviewReason {
    /// What to tell the person reviewing.
    pub fn msg(self) -> Msg {
        match self {
            ReviewReason::AmountDiffers => Msg::new(
                "Kode tagihan ada di baris ini, tetapi jumlahnya berbeda dari total tagihan. Periksa apakah pembayar salah mengetik nominal.",
                "The request's code is in this line, but the amount differs from the request's total. Check whether the payer typed a wrong amount.",
            ),
            ReviewReason::SeveralCandidates => Msg::new(
                "Beberapa tagihan sama cocoknya dengan baris ini (jumlah dan waktu, atau kode yang disebut). Pilih tagihan yang benar.",
                "Several requests fit this line equally (amount and time, or the codes it names). Choose the right one.",
            ),
            ReviewReason::Expired => Msg::new(
                "Jumlah dan waktu cocok dengan tagihan yang sudah kedaluwarsa. Periksa sebelum menerimanya.",
                "The amount and time fit a request that has expired. Check before accepting it.",
            ),
            ReviewReason::ClaimedTwice => Msg::new(
                "Lebih dari satu baris mutasi cocok dengan tagihan yang sama; mungkin pembayaran ganda.",
                "More than one statement line fits the same request; it may be a double payment.",
            ),
        }
    }
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOutcome {
    Matched {
        request: Uuid,
        by: MatchBy,
    },
    /// For a person to decide; `candidates` sorted, without repeats.
    Ambiguous {
        candidates: Vec<Uuid>,
        reason: ReviewReason,
    },
    Unmatched,
}

/// The outcome of `lines[line_index]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMatch {
    pub line_index: usize,
    pub outcome: MatchOutcome,
}

/// Matches statement lines to open requests (rules in the module doc).
///
/// Returns one [`LineMatch`] per line, in line order. No request is matched by two lines, a
/// matched request's total equals its line's amount, and the order of `open` does not change
/// the result.
pub fn match_lines(
    lines: &[StatementLine],
    open: &[OpenRequest],
    window: MatchWindow,
) -> Vec<LineMatch> {
    let index = Index::new(open);
    let mut verdicts: Vec<Verdict> = lines.iter().map(|l| index.judge(l, window)).collect();
    one_line_per_request(&mut verdicts, open.len());
    verdicts
        .into_iter()
        .enumerate()
        .map(|(line_index, v)| LineMatch {
            line_index,
            outcome: v.into_outcome(open),
        })
        .collect()
}

/// A line's outcome with requests as indexes into `open`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Matched(usize, MatchBy),
    Review(Vec<usize>, ReviewReason),
    Unmatched,
}

impl Verdict {
    fn into_outcome(self, open: &[OpenRequest]) -> MatchOutcome {
        match self {
            Verdict::Matched(r, by) => MatchOutcome::Matched {
                request: open[r].id,
                by,
            },
            Verdict::Review(rs, reason) => {
                let mut candidates: Vec<Uuid> = rs.into_iter().map(|r| open[r].id).collect();
                candidates.sort_unstable();
                candidates.dedup();
                MatchOutcome::Ambiguous { candidates, reason }
            }
            Verdict::Unmatched => MatchOutcome::Unmatched,
        }
    }
}

/// Requests of one total, sorted by creation (then id, so that the order of the input does
/// not matter), with the longest life among them to bound the search by time.
struct Bucket {
    requests: Vec<usize>,
    longest: Duration,
}

/// The open requests indexed by code and by total.
struct Index<'a> {
    open: &'a [OpenRequest],
    /// Upper-case code → requests (normally one).
    by_code: HashMap<Vec<u8>, Vec<usize>>,
    /// The distinct code lengths, to slide over a line's text.
    code_lens: Vec<usize>,
    /// The codes' beginnings, to pass over most of a line's text without a lookup.
    prefixes: Prefixes,
    by_total: HashMap<i64, Bucket>,
}

/// A quick "perhaps" for a window of text: one bit per hash of the first four bytes of each
/// code (2¹⁸ bits, so 10,000 codes set about 4 % of them). A clear bit means no code starts
/// there; a set bit sends the window to the real lookup. Codes have at least
/// [`MIN_CODE_LEN`] (≥ 4) bytes.
struct Prefixes(Vec<u64>);

impl Prefixes {
    const BITS: u32 = 18;

    fn new() -> Prefixes {
        Prefixes(vec![0; 1 << (Prefixes::BITS - 6)])
    }

    fn slot(w: &[u8]) -> usize {
        let [a, b, c, d, ..] = *w else { return 0 };
        let key = u32::from_le_bytes([a, b, c, d]).wrapping_mul(0x9E37_79B1);
        (key >> (32 - Prefixes::BITS)) as usize
    }

    fn insert(&mut self, code: &[u8]) {
        let s = Prefixes::slot(code);
        self.0[s / 64] |= 1 << (s % 64);
    }

    fn may_start(&self, w: &[u8]) -> bool {
        let s = Prefixes::slot(w);
        self.0[s / 64] & (1 << (s % 64)) != 0
    }
}

impl<'a> Index<'a> {
    fn new(open: &'a [OpenRequest]) -> Index<'a> {
        let mut by_code: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        let mut prefixes = Prefixes::new();
        let mut by_total: HashMap<i64, Bucket> = HashMap::new();
        for (i, r) in open.iter().enumerate() {
            let code = r.reference.trim().to_ascii_uppercase().into_bytes();
            if code.len() >= MIN_CODE_LEN {
                prefixes.insert(&code);
                by_code.entry(code).or_default().push(i);
            }
            let bucket = by_total.entry(r.total.0).or_insert_with(|| Bucket {
                requests: vec![],
                longest: Duration::ZERO,
            });
            bucket.requests.push(i);
            bucket.longest = bucket.longest.max(r.expires_at - r.created_at);
        }
        for b in by_total.values_mut() {
            b.requests
                .sort_unstable_by_key(|&i| (open[i].created_at, open[i].id, i));
        }
        let mut code_lens: Vec<usize> = by_code.keys().map(Vec::len).collect();
        code_lens.sort_unstable();
        code_lens.dedup();
        Index {
            open,
            by_code,
            code_lens,
            prefixes,
            by_total,
        }
    }

    /// The verdict on one line, before the one-line-per-request rule.
    fn judge(&self, line: &StatementLine, window: MatchWindow) -> Verdict {
        let hits = self.reference_hits(line);
        if !hits.is_empty() {
            let equal: Vec<usize> = hits
                .iter()
                .copied()
                .filter(|&r| self.open[r].total == line.amount)
                .collect();
            return match equal.as_slice() {
                [one] => Verdict::Matched(*one, MatchBy::Reference),
                [_, _, ..] => Verdict::Review(equal, ReviewReason::SeveralCandidates),
                [] => {
                    let mut all = hits;
                    all.extend(self.in_window(line, window));
                    Verdict::Review(all, ReviewReason::AmountDiffers)
                }
            };
        }
        let fits = self.in_window(line, window);
        match fits.as_slice() {
            [] => Verdict::Unmatched,
            [one] if self.open[*one].expired => Verdict::Review(fits, ReviewReason::Expired),
            [one] => Verdict::Matched(*one, MatchBy::AmountAndTime),
            _ => Verdict::Review(fits, ReviewReason::SeveralCandidates),
        }
    }

    /// The requests whose code occurs in the line's text, sorted, without repeats.
    fn reference_hits(&self, line: &StatementLine) -> Vec<usize> {
        let mut hits = vec![];
        if self.code_lens.is_empty() {
            return hits;
        }
        let parts = [&line.reference, &line.description, &line.payer];
        let mut text = Vec::with_capacity(parts.iter().map(|t| t.len() + 1).sum());
        for t in parts {
            text.extend_from_slice(t.as_bytes());
            text.push(b' ');
        }
        text.make_ascii_uppercase();
        for &len in &self.code_lens {
            for w in text.windows(len) {
                if !self.prefixes.may_start(w) {
                    continue;
                }
                if let Some(rs) = self.by_code.get(w) {
                    hits.extend_from_slice(rs);
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// The requests with the line's amount whose window (`created_at - slack` to
    /// `expires_at + grace`) overlaps the line's time (its whole day when it has no time).
    fn in_window(&self, line: &StatementLine, window: MatchWindow) -> Vec<usize> {
        let Some(bucket) = self.by_total.get(&line.amount.0) else {
            return vec![];
        };
        let (from, to) = if line.has_time {
            (line.at, line.at)
        } else {
            (
                line.at.date().midnight(),
                PrimitiveDateTime::new(line.at.date(), Time::MAX),
            )
        };
        // created_at <= to + slack, and expires_at >= from - grace; since no request lives
        // longer than `longest`, created_at >= from - grace - longest.
        let latest_end = from
            .checked_sub(window.grace)
            .unwrap_or(PrimitiveDateTime::MIN);
        let created_min = latest_end
            .checked_sub(bucket.longest)
            .unwrap_or(PrimitiveDateTime::MIN);
        let created_max = to
            .checked_add(window.slack)
            .unwrap_or(PrimitiveDateTime::MAX);
        let open = self.open;
        let lo = bucket
            .requests
            .partition_point(|&i| open[i].created_at < created_min);
        let hi = bucket
            .requests
            .partition_point(|&i| open[i].created_at <= created_max);
        bucket.requests[lo..hi.max(lo)]
            .iter()
            .copied()
            .filter(|&i| open[i].expires_at >= latest_end)
            .collect()
    }
}

/// Rule 3: a request matched by several lines stays with the single line that matched it by
/// reference, if there is one; every other claimant goes to review.
fn one_line_per_request(verdicts: &mut [Verdict], requests: usize) {
    let mut by_reference: Vec<Vec<usize>> = vec![vec![]; requests];
    let mut by_amount: Vec<Vec<usize>> = vec![vec![]; requests];
    for (li, v) in verdicts.iter().enumerate() {
        match v {
            Verdict::Matched(r, MatchBy::Reference) => by_reference[*r].push(li),
            Verdict::Matched(r, MatchBy::AmountAndTime) => by_amount[*r].push(li),
            _ => {}
        }
    }
    for r in 0..requests {
        let (refs, amounts) = (&by_reference[r], &by_amount[r]);
        let demoted: Vec<usize> = match (refs.len(), amounts.len()) {
            (1, _) => amounts.clone(),
            (n, m) if n + m >= 2 => refs.iter().chain(amounts).copied().collect(),
            _ => vec![],
        };
        for li in demoted {
            verdicts[li] = Verdict::Review(vec![r], ReviewReason::ClaimedTwice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn cells(row: &[&str]) -> Vec<String> {
        row.iter().map(|c| c.to_string()).collect()
    }

    fn file(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| cells(r)).collect()
    }

    fn layout(header: &[&str]) -> StatementLayout {
        StatementLayout::detect(&cells(header)).expect("a known header")
    }

    /// Parses a file whose first row is its header.
    fn parse(rows: &[&[&str]]) -> ParsedStatement {
        let records = file(rows);
        let l = StatementLayout::locate(&records).expect("a known header");
        parse_statement(&l, &records)
    }

    fn when(cell: &str) -> Option<(PrimitiveDateTime, bool)> {
        parse_when(cell, WIB).map(|w| (w.at, w.has_time))
    }

    fn amount(cell: &str) -> Result<i128, NumberError> {
        parse_number(cell, Style::Unknown).map(|n| n.micros / MICROS)
    }

    // --- columns ---------------------------------------------------------------------------

    #[test]
    fn every_known_name_is_normalised_and_listed_once() {
        let mut all: Vec<&str> = NAMES
            .iter()
            .flat_map(|(_, _, names)| names.iter().copied())
            .collect();
        for name in &all {
            assert_eq!(normalise_header(name), *name, "{name}");
        }
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a name is listed twice");
    }

    #[test]
    fn qris_settlement_report() {
        let l = layout(&[
            "No",
            "Tanggal Transaksi",
            "Tanggal Settlement",
            "NMID",
            "Nama Merchant",
            "RRN",
            "Issuer",
            "Nominal",
            "MDR (%)",
            "MDR",
            "Net Amount",
            "Status",
        ]);
        assert_eq!((l.date, l.time, l.amount), (1, None, 7));
        assert_eq!((l.fee, l.net, l.debit), (Some(9), Some(10), None));
        assert_eq!(
            (l.reference.as_slice(), l.payer.as_slice()),
            (&[5][..], &[6][..])
        );
        assert!(l.description.is_empty());
    }

    #[test]
    fn bca_style_mutation() {
        let l = layout(&[
            "Tanggal",
            "Keterangan",
            "Cabang",
            "Jumlah",
            "CR/DB",
            "Saldo",
        ]);
        assert_eq!((l.date, l.amount, l.direction), (0, 3, Some(4)));
        assert_eq!(l.description, vec![1]);
        let l = layout(&["Tgl.", "Keterangan", "CR", "DB", "Saldo"]);
        assert_eq!((l.amount, l.debit, l.direction), (2, Some(3), None));
        // The D/K column BCA leaves without a name.
        let l = layout(&[
            "Tanggal Transaksi",
            "Keterangan",
            "Cabang",
            "Jumlah",
            "",
            "Saldo",
        ]);
        assert_eq!((l.amount, l.direction), (3, Some(4)));
    }

    #[test]
    fn bri_and_mandiri_style_mutations() {
        let l = layout(&[
            "Tanggal Transaksi",
            "Uraian Transaksi",
            "Teller",
            "Debet",
            "Kredit",
            "Saldo",
        ]);
        assert_eq!((l.date, l.debit, l.amount), (0, Some(3), 4));
        assert_eq!(l.description, vec![1]);
        let l = layout(&[
            "Account No",
            "Date",
            "Val. Date",
            "Transaction Code",
            "Description",
            "Description",
            "Reference No.",
            "Debit",
            "Credit",
        ]);
        assert_eq!((l.date, l.debit, l.amount), (1, Some(7), 8));
        assert_eq!((l.description, l.reference), (vec![4, 5], vec![6]));
    }

    #[test]
    fn english_gateway_export() {
        let l = layout(&[
            "Transaction ID",
            "Order ID",
            "Customer Name",
            "Payment Type",
            "Gross Amount",
            "Fee",
            "Net Amount",
            "Transaction Time",
            "Status",
        ]);
        assert_eq!((l.date, l.time, l.amount), (7, None, 4));
        assert_eq!((l.fee, l.net), (Some(5), Some(6)));
        assert_eq!((l.reference, l.payer), (vec![0, 1], vec![2]));
        let l = layout(&[
            "transactionDate",
            "amount",
            "referenceNo",
            "payer_name",
            "FEE_AMOUNT",
        ]);
        assert_eq!((l.date, l.amount, l.fee), (0, 1, Some(4)));
        assert_eq!((l.reference, l.payer), (vec![2], vec![3]));
    }

    #[test]
    fn loose_names_and_separate_time() {
        let l = layout(&["\u{feff} TANGGAL ", "Jam", "Nominal (Rp)", "No. Ref."]);
        assert_eq!(
            (l.date, l.time, l.amount, l.reference.clone()),
            (0, Some(1), 2, vec![3])
        );
        let l = layout(&["Tanggal_Transaksi (WIB)", "IDR"]);
        assert_eq!((l.date, l.amount), (0, 1));
        assert_eq!(l.offset, WIB);
    }

    #[test]
    fn the_most_specific_column_wins() {
        let l = layout(&["Date", "Amount", "Gross Amount"]);
        assert_eq!(l.amount, 2);
        let l = layout(&["Jumlah", "Kredit", "Tanggal"]);
        assert_eq!((l.amount, l.date), (1, 2));
        let l = layout(&[
            "Tanggal Settlement",
            "Created At",
            "Tanggal Transaksi",
            "Nominal",
        ]);
        assert_eq!(l.date, 2);
        let l = layout(&["Waktu", "Nominal"]);
        assert_eq!((l.date, l.time), (0, None));
    }

    #[test]
    fn unknown_columns_are_named_in_the_error() {
        let e = StatementLayout::detect(&cells(&["Nama Barang", "Harga", "Stok"])).unwrap_err();
        assert!(e.id.contains("\"Nama Barang\", \"Harga\", \"Stok\""), "{e}");
        assert!(
            e.id.contains("tanggal") && e.id.contains("jumlah uang masuk"),
            "{e}"
        );
        assert!(
            e.id.contains("Tanggal Transaksi") && e.id.contains("Kredit"),
            "{e}"
        );
        assert!(
            e.en.contains("No date (such as") && e.en.contains("incoming amount"),
            "{e}"
        );
        let e = StatementLayout::detect(&cells(&["Tanggal", "Keterangan"])).unwrap_err();
        assert!(e.id.starts_with("Kolom jumlah uang masuk"), "{e}");
        assert!(!e.en.contains("No date"), "{e}");
    }

    #[test]
    fn equally_fit_columns_are_refused_for_numbers_and_dates() {
        let e = StatementLayout::detect(&cells(&["Tanggal", "Jumlah", "Nominal"])).unwrap_err();
        assert!(e.id.contains("\"Jumlah\" dan \"Nominal\""), "{e}");
        assert!(e.en.contains("incoming amount"), "{e}");
        let e = StatementLayout::detect(&cells(&["Tanggal", "Date", "Jumlah"])).unwrap_err();
        assert!(e.id.contains("tanggal"), "{e}");
    }

    #[test]
    fn empty_header_and_empty_file() {
        assert!(StatementLayout::detect(&[]).is_err());
        assert!(StatementLayout::detect(&cells(&["", " "])).is_err());
        let e = StatementLayout::locate(&[]).unwrap_err();
        assert!(e.id.contains("kosong"), "{e}");
        let e = StatementLayout::locate(&file(&[&[""], &["", ""]])).unwrap_err();
        assert!(e.en.contains("empty"), "{e}");
    }

    #[test]
    fn the_header_is_found_below_a_preamble() {
        let records = file(&[
            &["Informasi Rekening - Mutasi Rekening"],
            &["No. rekening : 0123456789"],
            &["Nama : KOPERASI GUYUB"],
            &["Periode : 01/11/2026 - 30/11/2026"],
            &["Kode Mata Uang : Rp"],
            &[""],
            &[
                "Tanggal Transaksi",
                "Keterangan",
                "Cabang",
                "Jumlah",
                "",
                "Saldo",
            ],
            &[
                "30/11/2026",
                "TRSF E-BANKING CR 3011/FTSCY/WS95031 150123.00 BUDI SANTOSO",
                "0000",
                "150,123.00",
                "CR",
                "1,150,123.00",
            ],
            &[
                "30/11/2026",
                "BIAYA ADM",
                "0000",
                "10,000.00",
                "DB",
                "1,140,123.00",
            ],
            &[""],
            &["Saldo Awal", "", "", "1,000,000.00"],
            &["Mutasi Kredit", "", "", "150,123.00"],
            &["Mutasi Debet", "", "", "10,000.00"],
            &["Saldo Akhir", "", "", "1,140,123.00"],
        ]);
        let l = StatementLayout::locate(&records).expect("found");
        assert_eq!(l.header_row, 6);
        let p = parse_statement(&l, &records);
        assert_eq!(p.problems, vec![]);
        assert_eq!((p.lines.len(), p.outgoing, p.skipped), (1, 1, 5));
        let line = &p.lines[0];
        assert_eq!((line.row, line.amount), (8, Rupiah(150_123)));
        assert!(line.description.ends_with("BUDI SANTOSO"));
        let e = StatementLayout::locate(&file(&[&["No. rekening : 1"], &["Tanggal", "Saldo"]]))
            .unwrap_err();
        assert!(
            e.id.contains("\"Saldo\""),
            "the likeliest header is reported: {e}"
        );
    }

    // --- dates -----------------------------------------------------------------------------

    #[test]
    fn every_date_format() {
        let day = datetime!(2026-11-30 0:00);
        let at = datetime!(2026-11-30 14:03:22);
        let minute = datetime!(2026-11-30 14:03);
        let cases: &[(&str, PrimitiveDateTime, bool)] = &[
            ("2026-11-30", day, false),
            ("2026-11-30 14:03:22", at, true),
            ("2026-11-30T14:03:22", at, true),
            ("2026-11-30T07:03:22Z", at, true),
            ("2026-11-30T07:03:22.000Z", at, true),
            ("2026-11-30T14:03:22+07:00", at, true),
            ("2026-11-30 15:03:22 +0800", at, true),
            ("2026-11-30 15:03:22 WITA", at, true),
            ("2026/11/30 14:03:22", at, true),
            ("30/11/2026", day, false),
            ("30/11/2026 14:03", minute, true),
            ("30/11/2026 14:03:22", at, true),
            ("30/11/26", day, false),
            ("30-11-2026", day, false),
            ("30.11.2026 14.03", minute, true),
            ("30 Nov 2026", day, false),
            ("30 Nopember 2026", day, false),
            ("30 nop 2026 14:03", minute, true),
            ("30-Nov-26", day, false),
            ("Senin, 30 Nov 2026", day, false),
            ("Nov 30, 2026 2:03 PM", minute, true),
            ("20261130", day, false),
            ("'30/11/2026", day, false),
            ("  2026-11-30  ", day, false),
            ("46356", day, false),
            ("46356.0", day, false),
            ("46356.585", datetime!(2026-11-30 14:02:24), true),
            ("46356,5", datetime!(2026-11-30 12:00), true),
        ];
        for (cell, at, has_time) in cases {
            assert_eq!(when(cell), Some((*at, *has_time)), "{cell}");
        }
    }

    #[test]
    fn indonesian_month_names() {
        let cases = [
            ("7 Agt 2026", 8),
            ("7 Agu 2026", 8),
            ("7 Ags 2026", 8),
            ("7 Agustus 2026", 8),
            ("7 Aug 2026", 8),
            ("7 Mei 2026", 5),
            ("7 Okt 2026", 10),
            ("7 Oktober 2026", 10),
            ("7 Des 2026", 12),
            ("7 Desember 2026", 12),
            ("7 Peb 2026", 2),
            ("7 Pebruari 2026", 2),
            ("7 Maret 2026", 3),
            ("7 JUNI 2026", 6),
            ("7 Juli 2026", 7),
            ("7 Sept 2026", 9),
            ("7 Januari 2026", 1),
            ("7 Apr 2026", 4),
            ("7 Nop 2026", 11),
        ];
        for (cell, month) in cases {
            let (at, _) = when(cell).unwrap_or_else(|| panic!("{cell}"));
            assert_eq!((u8::from(at.month()), at.day()), (month, 7), "{cell}");
        }
    }

    #[test]
    fn unreadable_dates_are_refused() {
        for cell in [
            "",
            "31/02/2026",
            "11/30/2026",
            "kemarin",
            "2026",
            "30/11",
            "30/11/2026 25:00",
            "30/11/2026 14:03:99",
            "46356abc",
            "30 Foo 2026",
            "13:00 PM",
            "30/11/1850",
            "2026-11-30T14:03:22+25:00",
        ] {
            assert_eq!(when(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn a_time_column_completes_the_date() {
        let p = parse(&[
            &["Tanggal", "Jam", "Nominal"],
            &["30/11/2026", "14:03:22", "150.123"],
            &["30/11/2026", "0.5", "150.124"],
            &["2026-11-30 00:00:00", "2026-11-30 09:15", "150.125"],
            &["30/11/2026", "1899-12-31 16:20:00", "150.128"],
            &["30/11/2026", "07:03:22Z", "150.129"],
            &["30/11/2026", "", "150.126"],
            &["30/11/2026", "nanti", "150.127"],
        ]);
        let at: Vec<_> = p.lines.iter().map(|l| (l.at, l.has_time)).collect();
        assert_eq!(
            at,
            vec![
                (datetime!(2026-11-30 14:03:22), true),
                (datetime!(2026-11-30 12:00), true),
                (datetime!(2026-11-30 09:15), true),
                (datetime!(2026-11-30 16:20), true),
                (datetime!(2026-11-30 14:03:22), true),
                (datetime!(2026-11-30 0:00), false),
            ]
        );
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].row, 8);
        assert!(p.problems[0].msg.id.contains("\"Jam\": \"nanti\""));
    }

    // --- numbers ---------------------------------------------------------------------------

    #[test]
    fn every_amount_format() {
        for cell in [
            "150.123",
            "150,123.00",
            "150.123,00",
            "Rp 150.123",
            "Rp. 150.123",
            "Rp150.123,-",
            "150123.00",
            "150123",
            "IDR 150,123",
            "idr150,123.00",
            "150 123",
            "'150123",
            "+150.123",
        ] {
            assert_eq!(amount(cell), Ok(150_123), "{cell}");
        }
        assert_eq!(amount("150.123 IDR"), Ok(150_123));
        assert_eq!(amount("1.250.000"), Ok(1_250_000));
        assert_eq!(amount("1,250,000.00"), Ok(1_250_000));
        assert_eq!(amount("1.250.000,00"), Ok(1_250_000));
    }

    #[test]
    fn marks_signs_and_fractions() {
        let n = parse_number("150,123.00 CR", Style::Unknown);
        assert_eq!(
            n.map(|n| (n.micros, n.mark)),
            Ok((150_123 * MICROS, Some(Flow::In)))
        );
        let n = parse_number("50,000.00DB", Style::Unknown);
        assert_eq!(n.map(|n| n.mark), Ok(Some(Flow::Out)));
        assert_eq!(amount("-150.123"), Ok(-150_123));
        assert_eq!(amount("(150.123)"), Ok(-150_123));
        assert_eq!(amount("Rp -150.123"), Ok(-150_123));
        assert_eq!(amount("150.123-"), Ok(-150_123));
        let micros = |c: &str| parse_number(c, Style::Unknown).map(|n| n.micros);
        assert_eq!(micros("150.123,50"), Ok(150_123_500_000));
        assert_eq!(micros("150123.5"), Ok(150_123_500_000));
        assert_eq!(micros("0,500"), Ok(500_000));
        assert_eq!(micros("1234.567"), Ok(1_234_567_000));
        assert_eq!(micros("150123.000000001"), Ok(150_123 * MICROS));
    }

    #[test]
    fn unreadable_amounts() {
        assert_eq!(amount(""), Err(NumberError::Empty));
        assert_eq!(amount("Rp"), Err(NumberError::Empty));
        for cell in [
            "abc",
            "1.23.456",
            "12,34,567",
            "150.",
            ".5",
            "1,5.3",
            "Rp 1O.000",
            "10rb",
        ] {
            assert_eq!(amount(cell), Err(NumberError::Unreadable), "{cell}");
        }
        assert_eq!(amount(&"9".repeat(40)), Err(NumberError::TooLarge));
    }

    #[test]
    fn the_file_decides_ambiguous_separators() {
        let micros = |c: &str, s| parse_number(c, s).map(|n| n.micros);
        assert_eq!(micros("450.369", Style::DotDecimal), Ok(450_369_000));
        assert_eq!(micros("450.369", Style::CommaDecimal), Ok(450_369 * MICROS));
        assert_eq!(micros("150,123", Style::DotDecimal), Ok(150_123 * MICROS));
        assert_eq!(micros("150,123", Style::CommaDecimal), Ok(150_123_000));
        assert_eq!(vote("1,250.00"), Some(Style::DotDecimal));
        assert_eq!(vote("1.250,00"), Some(Style::CommaDecimal));
        assert_eq!(vote("150123.00"), Some(Style::DotDecimal));
        assert_eq!(vote("150.123"), None);
        assert_eq!(vote("149672.631"), Some(Style::DotDecimal));
        assert_eq!(vote("0.631"), Some(Style::DotDecimal));
        assert_eq!(vote("Rp.5.000,-"), None);
        // An English-style report: the fee 450.369 is read as a fraction, not as 450 369.
        let p = parse(&[
            &["Transaction Date", "Gross Amount", "Fee", "Net Amount"],
            &["2026-11-30 14:03", "150,123.00", "450.369", "149,672.631"],
        ]);
        assert_eq!(p.problems, vec![]);
        let l = &p.lines[0];
        assert_eq!(
            (l.amount, l.fee, l.net),
            (Rupiah(150_123), Some(Rupiah(450)), Some(Rupiah(149_673)))
        );
    }

    #[test]
    fn spreadsheet_numbers_and_a_fee_beyond_the_gross() {
        // As calamine writes floats: the net shows that the dot is a decimal sign.
        let p = parse(&[
            &["Tanggal", "Nominal", "MDR", "Net"],
            &["46356.585", "150123", "450.369", "149672.631"],
        ]);
        assert_eq!(p.problems, vec![]);
        assert_eq!(p.lines[0].fee, Some(Rupiah(450)));
        // Nothing tells the fee's dot apart: it is read as thousands, then refused.
        let p = parse(&[
            &["Tanggal", "Nominal", "MDR"],
            &["30/11/2026", "150123", "450.369"],
        ]);
        assert_eq!(p.lines.len(), 0);
        let msg = &p.problems[0].msg;
        assert!(msg.id.contains("\"MDR\": \"450.369\" lebih besar"), "{msg}");
        assert!(msg.en.contains("(Rp 150.123)"), "{msg}");
    }

    #[test]
    fn fee_and_net_are_rounded_and_conserve() {
        let p = parse(&[
            &["Tanggal", "Nominal", "MDR", "Net"],
            &["30/11/2026", "1.001", "500,5", "500,5"],
            &["30/11/2026", "150.123", "-1.050,86", "149.072,14"],
            &["30/11/2026", "10.000", "", "-"],
        ]);
        assert_eq!(p.problems, vec![]);
        let fees: Vec<_> = p.lines.iter().map(|l| (l.fee, l.net)).collect();
        assert_eq!(
            fees,
            vec![
                (Some(Rupiah(501)), Some(Rupiah(500))),
                (Some(Rupiah(1_051)), Some(Rupiah(149_072))),
                (None, None),
            ]
        );
    }

    // --- rows ------------------------------------------------------------------------------

    #[test]
    fn outgoing_rows_are_counted_not_reported() {
        let p = parse(&[
            &[
                "Tanggal Transaksi",
                "Uraian Transaksi",
                "Debet",
                "Kredit",
                "Saldo",
            ],
            &[
                "30/11/2026",
                "TARIK TUNAI",
                "500.000,00",
                "0,00",
                "1.000.000,00",
            ],
            &[
                "30/11/2026",
                "TRF MASUK",
                "0,00",
                "150.123,00",
                "1.150.123,00",
            ],
            &["30/11/2026", "BIAYA", "6.500,00", "", "1.143.623,00"],
        ]);
        assert_eq!((p.lines.len(), p.outgoing, p.problems.len()), (1, 2, 0));
        let p = parse(&[
            &["Tanggal", "Mutasi", "D/K"],
            &["30/11/2026", "150.123", "K"],
            &["30/11/2026", "50.000", "D"],
            &["30/11/2026", "50.000", "DB"],
            &["30/11/2026", "70.000", "Refund"],
            &["30/11/2026", "80.000", ""],
        ]);
        assert_eq!((p.lines.len(), p.outgoing), (2, 3));
        let p = parse(&[
            &["Date", "Amount"],
            &["30/11/2026", "50,000.00 DB"],
            &["30/11/2026", "-50,000.00"],
            &["30/11/2026", "(50,000.00)"],
            &["30/11/2026", "150,123.00 CR"],
        ]);
        assert_eq!((p.lines.len(), p.outgoing), (1, 3));
    }

    #[test]
    fn bad_rows_name_the_column_and_the_value() {
        let p = parse(&[
            &["Tanggal", "Nominal", "Referensi"],
            &["31/02/2026", "150.123", "A"],
            &["30/11/2026", "sepuluh ribu", "B"],
            &["30/11/2026", "150.123,50", "C"],
            &["30/11/2026", "", "D"],
            &["30/11/2026", "0", "E"],
            &["", "150.123", "F"],
            &["kemarin", "lima", "G"],
            &["30/11/2026", "150.123", "OK"],
        ]);
        assert_eq!(p.lines.len(), 1);
        assert_eq!(p.lines[0].row, 9);
        let rows: Vec<usize> = p.problems.iter().map(|p| p.row).collect();
        assert_eq!(rows, vec![2, 3, 4, 5, 6, 7, 8, 8]);
        let msg = |i: usize| &p.problems[i].msg;
        assert!(
            msg(0)
                .id
                .contains("Kolom \"Tanggal\": \"31/02/2026\" bukan tanggal")
        );
        assert!(msg(0).en.contains("\"31/02/2026\" is not a date"));
        assert!(msg(1).id.contains("\"Nominal\": \"sepuluh ribu\""));
        assert!(msg(2).id.contains("pecahan rupiah") && msg(2).en.contains("fraction"));
        assert!(msg(3).id.contains("kosong") && msg(3).en.contains("empty"));
        assert!(msg(4).id.contains("lebih dari 0"));
        assert!(msg(5).id.contains("\"Tanggal\" kosong"));
        assert!(msg(6).id.contains("kemarin") && msg(7).id.contains("lima"));
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "TRSF E-BANKING CR 3011/FTSCY/WS95031 BUDI SANTOSO IURAN NOVEMBER";
        let p = parse(&[&["Tanggal", "Nominal"], &["30/11/2026", long]]);
        let msg = &p.problems[0].msg;
        assert!(
            msg.id
                .contains("\"TRSF E-BANKING CR 3011/FTSCY/WS95031 BUD…\""),
            "{msg}"
        );
    }

    #[test]
    fn a_header_alone_is_a_problem() {
        let p = parse(&[&["Tanggal", "Nominal"]]);
        assert_eq!((p.lines.len(), p.problems.len()), (0, 1));
        assert_eq!(p.problems[0].row, 1);
        assert!(p.problems[0].msg.id.contains("hanya berisi baris judul"));
        let p = parse(&[&["Tanggal", "Nominal"], &["", ""], &[" "]]);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.skipped, 2);
    }

    #[test]
    fn fingerprints_survive_a_second_import_and_tell_twins_apart() {
        let a = parse(&[
            &["Tanggal", "Nominal", "Nama Pengirim", "Berita"],
            &["30/11/2026 14:03", "50.000", "BUDI  SANTOSO", "iuran"],
            &["30/11/2026 14:03", "50.000", "BUDI  SANTOSO", "iuran"],
            &["30/11/2026", "50.000", "Siti", "a|b"],
        ]);
        let b = parse(&[
            &["Berita", "Jumlah", "Tgl", "Pengirim", "Saldo"],
            &["lain", "10.000", "29/11/2026", "X", "0"],
            &[
                "iuran",
                "Rp 50.000",
                "2026-11-30 14:03:00",
                "budi santoso",
                "0",
            ],
        ]);
        let fa: Vec<&str> = a.lines.iter().map(|l| l.fingerprint.as_str()).collect();
        assert_eq!(fa[0], "2026-11-30T14:03:00|50000||budi santoso|iuran#1");
        assert_eq!(fa[1], "2026-11-30T14:03:00|50000||budi santoso|iuran#2");
        assert_eq!(fa[2], "2026-11-30|50000||siti|a\\|b#1");
        assert_eq!(b.lines[1].fingerprint, fa[0]);
        assert_eq!(a.lines[0].payer, "BUDI SANTOSO");
    }

    // --- matching --------------------------------------------------------------------------

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn request(n: u128, code: &str, total: i64, created: PrimitiveDateTime) -> OpenRequest {
        OpenRequest {
            id: id(n),
            reference: code.to_string(),
            total: Rupiah(total),
            created_at: created,
            expires_at: created + Duration::hours(1),
            expired: false,
        }
    }

    fn stmt(at: PrimitiveDateTime, amount: i64, text: &str) -> StatementLine {
        StatementLine {
            row: 2,
            at,
            has_time: true,
            amount: Rupiah(amount),
            fee: None,
            net: None,
            reference: String::new(),
            payer: String::new(),
            description: text.to_string(),
            fingerprint: String::new(),
        }
    }

    fn outcomes(lines: &[StatementLine], open: &[OpenRequest]) -> Vec<MatchOutcome> {
        match_lines(lines, open, MatchWindow::default())
            .into_iter()
            .map(|m| m.outcome)
            .collect()
    }

    fn matched(n: u128, by: MatchBy) -> MatchOutcome {
        MatchOutcome::Matched { request: id(n), by }
    }

    fn review(ns: &[u128], reason: ReviewReason) -> MatchOutcome {
        MatchOutcome::Ambiguous {
            candidates: ns.iter().map(|n| id(*n)).collect(),
            reason,
        }
    }

    const T0: PrimitiveDateTime = datetime!(2026-11-30 10:00);

    #[test]
    fn matches_by_reference() {
        let open = [
            request(1, "GY7K3Q9P", 50_123, T0),
            request(2, "GYAAAA22", 50_123, T0),
        ];
        // Anywhere in the text, any case, glued to other words, even days later.
        let lines = [
            stmt(
                T0 + Duration::days(9),
                50_123,
                "TRSF E-BANKING CR BAYARgy7k3q9pIURAN",
            ),
            stmt(T0, 50_123, "TRSF GYAAAA22"),
        ];
        assert_eq!(
            outcomes(&lines, &open),
            vec![
                matched(1, MatchBy::Reference),
                matched(2, MatchBy::Reference)
            ]
        );
        let mut in_payer = stmt(T0, 50_123, "");
        in_payer.payer = "GY7K3Q9P".into();
        assert_eq!(
            outcomes(&[in_payer], &open),
            vec![matched(1, MatchBy::Reference)]
        );
    }

    #[test]
    fn a_reference_with_another_amount_is_reviewed() {
        let open = [
            request(1, "GY7K3Q9P", 50_123, T0),
            request(2, "GYAAAA22", 50_000, T0),
        ];
        let lines = [stmt(T0, 50_000, "GY7K3Q9P")];
        assert_eq!(
            outcomes(&lines, &open),
            vec![review(&[1, 2], ReviewReason::AmountDiffers)]
        );
    }

    #[test]
    fn matches_by_amount_and_time() {
        let open = [
            request(1, "GY7K3Q9P", 50_123, T0),
            request(2, "GYAAAA22", 50_124, T0),
        ];
        let lines = [
            stmt(T0 + Duration::minutes(5), 50_124, "TRSF BUDI"),
            stmt(T0, 70_000, "TRSF SITI"),
        ];
        assert_eq!(
            outcomes(&lines, &open),
            vec![matched(2, MatchBy::AmountAndTime), MatchOutcome::Unmatched]
        );
    }

    #[test]
    fn equal_amounts_are_reviewed() {
        let open = [
            request(3, "GY7K3Q9P", 50_000, T0 + Duration::minutes(20)),
            request(1, "GYAAAA22", 50_000, T0),
        ];
        let lines = [stmt(T0 + Duration::minutes(30), 50_000, "")];
        assert_eq!(
            outcomes(&lines, &open),
            vec![review(&[1, 3], ReviewReason::SeveralCandidates)]
        );
    }

    #[test]
    fn two_lines_for_one_request_are_both_reviewed() {
        let open = [request(1, "GY7K3Q9P", 50_123, T0)];
        let lines = [
            stmt(T0 + Duration::minutes(1), 50_123, "BUDI"),
            stmt(T0 + Duration::minutes(2), 50_123, "BUDI"),
        ];
        let twice = review(&[1], ReviewReason::ClaimedTwice);
        assert_eq!(outcomes(&lines, &open), vec![twice.clone(), twice.clone()]);
        // Two lines with the code: still both for review.
        let lines = [stmt(T0, 50_123, "GY7K3Q9P"), stmt(T0, 50_123, "GY7K3Q9P")];
        assert_eq!(outcomes(&lines, &open), vec![twice.clone(), twice.clone()]);
        // One line with the code keeps the request; the other is shown as a possible double.
        let lines = [stmt(T0, 50_123, "BUDI"), stmt(T0, 50_123, "GY7K3Q9P")];
        assert_eq!(
            outcomes(&lines, &open),
            vec![twice, matched(1, MatchBy::Reference)]
        );
    }

    #[test]
    fn an_expired_request_needs_review_unless_named() {
        let mut r = request(1, "GY7K3Q9P", 50_123, T0);
        r.expired = true;
        let open = [r];
        let late = T0 + Duration::hours(3);
        assert_eq!(
            outcomes(&[stmt(late, 50_123, "")], &open),
            vec![review(&[1], ReviewReason::Expired)]
        );
        assert_eq!(
            outcomes(&[stmt(late, 50_123, "gy7k3q9p")], &open),
            vec![matched(1, MatchBy::Reference)]
        );
    }

    #[test]
    fn the_window_has_slack_before_and_grace_after() {
        let open = [request(1, "GY7K3Q9P", 50_123, T0)];
        let w = MatchWindow::default();
        let end = T0 + Duration::hours(1) + w.grace;
        let fits = |at| outcomes(&[stmt(at, 50_123, "")], &open)[0].clone();
        let yes = matched(1, MatchBy::AmountAndTime);
        assert_eq!(fits(T0 - w.slack), yes);
        assert_eq!(fits(end), yes);
        assert_eq!(
            fits(T0 - w.slack - Duration::SECOND),
            MatchOutcome::Unmatched
        );
        assert_eq!(fits(end + Duration::SECOND), MatchOutcome::Unmatched);
        let narrow = MatchWindow {
            slack: Duration::ZERO,
            grace: Duration::ZERO,
        };
        let line = [stmt(T0 + Duration::minutes(61), 50_123, "")];
        assert_eq!(
            match_lines(&line, &open, narrow)[0].outcome,
            MatchOutcome::Unmatched
        );
    }

    #[test]
    fn a_date_only_line_matches_on_its_day() {
        let open = [request(1, "GY7K3Q9P", 50_123, datetime!(2026-11-30 23:50))];
        let day = |d: PrimitiveDateTime| {
            let mut l = stmt(d, 50_123, "");
            l.has_time = false;
            outcomes(&[l], &open)[0].clone()
        };
        assert_eq!(
            day(datetime!(2026-11-30 0:00)),
            matched(1, MatchBy::AmountAndTime)
        );
        // Expires 1 December 00:50, plus 24 h of grace: 2 December still overlaps.
        assert_eq!(
            day(datetime!(2026-12-02 0:00)),
            matched(1, MatchBy::AmountAndTime)
        );
        assert_eq!(day(datetime!(2026-12-03 0:00)), MatchOutcome::Unmatched);
        assert_eq!(day(datetime!(2026-11-29 0:00)), MatchOutcome::Unmatched);
    }

    #[test]
    fn short_codes_are_not_searched() {
        let open = [request(1, "AB12", 50_000, T0)];
        assert_eq!(
            outcomes(&[stmt(T0 + Duration::days(5), 50_000, "AB12")], &open),
            vec![MatchOutcome::Unmatched]
        );
    }

    #[test]
    fn parsed_lines_match_end_to_end() {
        let records = file(&[
            &[
                "Tanggal Transaksi",
                "RRN",
                "Issuer",
                "Nominal",
                "MDR",
                "Net Amount",
            ],
            &[
                "30/11/2026 10:05:00",
                "612345678901",
                "GoPay",
                "50.123",
                "351",
                "49.772",
            ],
            &[
                "30/11/2026 10:06:00",
                "612345678902",
                "DANA",
                "75.000",
                "525",
                "74.475",
            ],
        ]);
        let l = StatementLayout::locate(&records).expect("header");
        let (lines, problems) = parse_lines(&l, &records);
        assert!(problems.is_empty());
        let open = [request(7, "GY7K3Q9P", 50_123, T0)];
        let m = match_lines(&lines, &open, MatchWindow::default());
        assert_eq!(m[0].outcome, matched(7, MatchBy::AmountAndTime));
        assert_eq!(
            (m[1].line_index, &m[1].outcome),
            (1, &MatchOutcome::Unmatched)
        );
    }

    #[test]
    fn review_reasons_are_bilingual() {
        for r in [
            ReviewReason::AmountDiffers,
            ReviewReason::SeveralCandidates,
            ReviewReason::Expired,
            ReviewReason::ClaimedTwice,
        ] {
            let m = r.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty() && m.id != m.en);
        }
    }

    // --- properties ------------------------------------------------------------------------

    const CODES: [&str; 5] = ["GY7K3Q9P", "GYAAAA22", "GYBBBB33", "HXZZZZ44", "AB12"];
    const TOTALS: [i64; 3] = [50_001, 50_002, 75_000];

    fn requests() -> impl Strategy<Value = Vec<OpenRequest>> {
        prop::collection::vec(
            (0..5usize, 0..3usize, 0..600i64, 1..300i64, any::<bool>()),
            0..12,
        )
        .prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (code, total, start, life, expired))| {
                    let created_at = T0 + Duration::minutes(start);
                    OpenRequest {
                        id: Uuid::from_u128(i as u128 + 1),
                        reference: CODES[code].to_string(),
                        total: Rupiah(TOTALS[total]),
                        created_at,
                        expires_at: created_at + Duration::minutes(life),
                        expired,
                    }
                })
                .collect()
        })
    }

    fn lines() -> impl Strategy<Value = Vec<StatementLine>> {
        let line = (
            0..4usize,
            -60..2000i64,
            any::<bool>(),
            prop::option::of(0..5usize),
        );
        prop::collection::vec(line, 0..12).prop_map(|specs| {
            specs
                .into_iter()
                .map(|(total, minute, has_time, code)| {
                    let amount = TOTALS.get(total).copied().unwrap_or(12_345);
                    let text = code.map_or("TRSF".to_string(), |c| format!("TRSF x{}", CODES[c]));
                    let mut l = stmt(T0 + Duration::minutes(minute), amount, &text);
                    l.has_time = has_time;
                    l
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_line_gets_one_consistent_outcome(
            (open, shuffled) in requests().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
            lines in lines(),
        ) {
            let result = match_lines(&lines, &open, MatchWindow::default());
            prop_assert_eq!(result.len(), lines.len());
            let mut claimed = std::collections::HashSet::new();
            for (i, m) in result.iter().enumerate() {
                prop_assert_eq!(m.line_index, i);
                match &m.outcome {
                    MatchOutcome::Matched { request, .. } => {
                        prop_assert!(claimed.insert(*request), "request matched twice");
                        let r = open.iter().find(|r| r.id == *request).expect("a known request");
                        prop_assert_eq!(r.total, lines[i].amount);
                    }
                    MatchOutcome::Ambiguous { candidates, .. } => {
                        prop_assert!(!candidates.is_empty());
                        prop_assert!(candidates.windows(2).all(|w| w[0] < w[1]));
                        prop_assert!(candidates.iter().all(|c| open.iter().any(|r| r.id == *c)));
                    }
                    MatchOutcome::Unmatched => {}
                }
            }
            prop_assert_eq!(match_lines(&lines, &shuffled, MatchWindow::default()), result);
        }

        #[test]
        fn parsing_never_panics_and_accounts_for_every_row(
            rows in prop::collection::vec(prop::collection::vec("[0-9a-zA-Z .,:/()+-]{0,14}", 0..5), 0..10),
        ) {
            let mut records = vec![cells(&["Tanggal", "Nominal", "Keterangan", "Debet"])];
            records.extend(rows);
            let l = StatementLayout::locate(&records).expect("header");
            let p = parse_statement(&l, &records);
            let bad_rows: std::collections::HashSet<usize> = p.problems.iter().map(|p| p.row).collect();
            let data = records.len() - 1;
            if data > 0 && records[1..].iter().any(|r| !is_blank(r)) {
                prop_assert_eq!(p.lines.len() + bad_rows.len() + p.outgoing + p.skipped, data);
            }
            prop_assert!(p.lines.iter().all(|l| l.amount.is_positive()));
            let fps: std::collections::HashSet<&str> = p.lines.iter().map(|l| l.fingerprint.as_str()).collect();
            prop_assert_eq!(fps.len(), p.lines.len());
        }
    }
}
