//! Shipping: how one seller's order reaches the buyer, and what that costs.
//!
//! A cart with goods of several sellers is split into one order per seller (see
//! [`super::order`]), and each order ships on its own: the buyer picks it up (`ambil`), the
//! seller brings it (`antar`, a flat fee per zone of kabupaten/kota), or a courier company
//! carries it (`kurir`, priced by a rate table per destination and kilogram).
//!
//! Destinations are always a kabupaten/kota ([`RegionCode`] at [`RegionLevel::Regency`]):
//! that is the granularity of Indonesian courier tariffs and of the zones a small seller
//! delivers to. A buyer's address may be finer (a village); its regency is what is priced.
//!
//! Courier rates come from a CSV file a coop keeps (copied from a courier's price list, or a
//! RajaOngkir-style export). Loading is all-or-nothing: a file with one bad row loads nothing
//! and returns every problem with its line number, so a half-loaded tariff can never price an
//! order.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::lang::{Lang, Msg};
use crate::money::{MoneyError, Rupiah};
use crate::region::{RegionCode, RegionError, RegionLevel};

code_enum! {
    /// How an order gets to the buyer.
    ShippingMethod {
        /// The buyer collects the goods at the seller's (or the coop's) place: no fee, and the
        /// order goes from `diproses` straight to `diterima`.
        Pickup => "ambil", "Ambil sendiri", "Pickup";
        /// The seller brings the goods, at a flat fee for the buyer's zone ([`ZoneRates`]).
        SellerDelivery => "antar", "Diantar penjual", "Seller delivery";
        /// A courier company (JNE, J&T, Pos, …) carries the goods, priced by weight
        /// ([`RateTable`]).
        Courier => "kurir", "Kurir ekspedisi", "Courier";
    }
}

/// The largest fee a zone may charge for seller delivery: Rp 10.000.000. Anything above is a
/// typing mistake (an extra zero or three), not a delivery fee.
pub const MAX_DELIVERY_FEE: Rupiah = Rupiah(10_000_000);

/// The largest courier price per kilogram: Rp 10.000.000 (a real tariff is Rp 5.000 to
/// Rp 150.000). It also keeps `price × kg` far inside an `i64` for any `u32` weight.
pub const MAX_PRICE_PER_KG: Rupiah = Rupiah(10_000_000);

/// The largest minimum weight a rate may state, in kg (cargo services use 10 kg; 1 000 is
/// already absurd but harmless).
pub const MAX_MIN_KG: u32 = 1_000;

/// The most rows one rate file may hold. All of Indonesia has 514 kabupaten/kota, so even ten
/// couriers with ten services each stay well below it.
pub const MAX_RATE_ROWS: usize = 100_000;

/// Once this many row errors are found, reading stops: nobody fixes a file from a list of
/// ten thousand messages, and the first ones show what is wrong.
pub const MAX_ROW_ERRORS: usize = 200;

/// The longest courier or service name kept, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// The longest delivery estimate accepted, in days.
pub const MAX_ETD_DAYS: u8 = 60;

/// Why shipping settings or a rate file were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShippingError {
    /// A zone lists a region that is not a kabupaten/kota.
    ZoneNotRegency(RegionCode),
    /// A kabupaten/kota listed in two zones: its fee would be ambiguous.
    ZoneOverlap(RegionCode),
    /// A zone with no kabupaten/kota in it.
    EmptyZone,
    /// A delivery fee below zero or above [`MAX_DELIVERY_FEE`].
    DeliveryFeeOutOfRange(Rupiah),
    /// The rate file has no header row (it is empty or blank).
    NoHeader,
    /// The header lacks a required column (its Indonesian name).
    MissingColumn(&'static str),
    /// A header names a column this file format does not know.
    UnknownColumn(String),
    /// Two header cells name the same column.
    DuplicateColumn(&'static str),
    /// A header but no rate rows.
    NoRows,
    /// More than [`MAX_RATE_ROWS`] rows.
    TooManyRows,
    /// [`MAX_ROW_ERRORS`] errors found; the rest of the file was not read.
    TooManyErrors,
    /// A quoted cell that never closes.
    UnclosedQuote,
    /// More cells than the header has columns.
    ExtraCells { expected: usize, found: usize },
    /// A required cell is empty (its column's Indonesian name).
    Required(&'static str),
    /// A name longer than [`MAX_NAME_CHARS`].
    NameTooLong(&'static str),
    /// A name with unreadable (control) characters.
    NameUnreadable(&'static str),
    /// The destination is not a known kabupaten/kota.
    Destination(RegionError),
    /// The price per kg is not a valid amount.
    Price(MoneyError),
    /// The price per kg is above [`MAX_PRICE_PER_KG`].
    PriceTooHigh(Rupiah),
    /// The minimum weight is not a whole number of kg between 1 and [`MAX_MIN_KG`].
    MinKg(String),
    /// The delivery estimate is not `2`, `2-3` or `2-3 hari`.
    Etd(String),
    /// The same courier, service and destination as an earlier line.
    Duplicate { first_line: usize },
}

impl ShippingError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            ShippingError::ZoneNotRegency(code) => Msg::new(
                format!(
                    "Zona pengantaran hanya berisi kabupaten/kota; {code} bukan kabupaten/kota"
                ),
                format!("A delivery zone holds regencies/cities only; {code} is not one"),
            ),
            ShippingError::ZoneOverlap(code) => Msg::new(
                format!(
                    "{} ({code}) ada di dua zona; setiap kabupaten/kota hanya boleh di satu zona",
                    code.name()
                ),
                format!(
                    "{} ({code}) is in two zones; each regency/city may be in one zone only",
                    code.name()
                ),
            ),
            ShippingError::EmptyZone => Msg::new(
                "Zona pengantaran harus berisi paling sedikit satu kabupaten/kota",
                "A delivery zone must hold at least one regency/city",
            ),
            ShippingError::DeliveryFeeOutOfRange(fee) => Msg::new(
                format!("Ongkos antar {fee} tidak wajar; isi antara Rp 0 dan {MAX_DELIVERY_FEE}"),
                format!(
                    "The delivery fee {fee} is not plausible; enter Rp 0 to {MAX_DELIVERY_FEE}"
                ),
            ),
            ShippingError::NoHeader => Msg::new(
                "Berkas tarif kosong; baris pertama harus berisi nama kolom: kurir, layanan, tujuan, harga_per_kg",
                "The rate file is empty; its first row must name the columns: courier, service, destination, price_per_kg",
            ),
            ShippingError::MissingColumn(col) => Msg::new(
                format!("Kolom {col} tidak ada di baris judul"),
                format!("The header has no {} column", Column::en_name_of(col)),
            ),
            ShippingError::UnknownColumn(name) => Msg::new(
                format!(
                    "Kolom \"{name}\" tidak dikenal; kolom yang dipakai: kurir, layanan, tujuan, harga_per_kg, min_kg, estimasi"
                ),
                format!(
                    "Unknown column \"{name}\"; the columns are: courier, service, destination, price_per_kg, min_kg, etd"
                ),
            ),
            ShippingError::DuplicateColumn(col) => Msg::new(
                format!("Kolom {col} ditulis dua kali di baris judul"),
                format!(
                    "The {} column appears twice in the header",
                    Column::en_name_of(col)
                ),
            ),
            ShippingError::NoRows => Msg::new(
                "Berkas tarif tidak berisi satu baris tarif pun",
                "The rate file holds no rates",
            ),
            ShippingError::TooManyRows => Msg::new(
                format!(
                    "Berkas tarif paling banyak {MAX_RATE_ROWS} baris; bagi menjadi beberapa berkas"
                ),
                format!(
                    "A rate file may hold at most {MAX_RATE_ROWS} rows; split it into several files"
                ),
            ),
            ShippingError::TooManyErrors => Msg::new(
                format!("Sudah ada {MAX_ROW_ERRORS} kesalahan; sisa berkas tidak diperiksa"),
                format!("{MAX_ROW_ERRORS} errors found; the rest of the file was not checked"),
            ),
            ShippingError::UnclosedQuote => Msg::new(
                "Tanda kutip (\") dibuka tetapi tidak ditutup",
                "A quotation mark (\") is opened but never closed",
            ),
            ShippingError::ExtraCells { expected, found } => Msg::new(
                format!("Baris ini berisi {found} kolom, padahal baris judul hanya {expected}"),
                format!("This row has {found} cells, but the header has only {expected}"),
            ),
            ShippingError::Required(col) => Msg::new(
                format!("Kolom {col} wajib diisi"),
                format!("The {} column is required", Column::en_name_of(col)),
            ),
            ShippingError::NameTooLong(col) => Msg::new(
                format!("Isi kolom {col} paling panjang {MAX_NAME_CHARS} karakter"),
                format!(
                    "The {} may be at most {MAX_NAME_CHARS} characters",
                    Column::en_name_of(col)
                ),
            ),
            ShippingError::NameUnreadable(col) => Msg::new(
                format!("Isi kolom {col} berisi karakter yang tidak terbaca"),
                format!(
                    "The {} contains unreadable characters",
                    Column::en_name_of(col)
                ),
            ),
            ShippingError::Destination(e) => {
                let m = e.msg();
                Msg::new(
                    format!(
                        "Kolom tujuan: {}; isi kode kabupaten/kota, misalnya 35.73 atau 3573",
                        m.id
                    ),
                    format!(
                        "Destination: {}; enter a regency/city code, e.g. 35.73 or 3573",
                        m.en
                    ),
                )
            }
            ShippingError::Price(e) => {
                let m = e.msg();
                Msg::new(
                    format!("Kolom harga_per_kg: {}", m.id),
                    format!("Price per kg: {}", m.en),
                )
            }
            ShippingError::PriceTooHigh(p) => Msg::new(
                format!("Harga per kg {p} tidak wajar; paling tinggi {MAX_PRICE_PER_KG}"),
                format!("The price per kg {p} is not plausible; at most {MAX_PRICE_PER_KG}"),
            ),
            ShippingError::MinKg(raw) => Msg::new(
                format!("Kolom min_kg \"{raw}\" harus bilangan bulat 1 sampai {MAX_MIN_KG}"),
                format!("min_kg \"{raw}\" must be a whole number from 1 to {MAX_MIN_KG}"),
            ),
            ShippingError::Etd(raw) => Msg::new(
                format!(
                    "Kolom estimasi \"{raw}\" tidak dikenali; tulis jumlah hari, misalnya 2 atau 2-3 (paling lama {MAX_ETD_DAYS} hari)"
                ),
                format!(
                    "The estimate \"{raw}\" is not recognised; write days, e.g. 2 or 2-3 (at most {MAX_ETD_DAYS} days)"
                ),
            ),
            ShippingError::Duplicate { first_line } => Msg::new(
                format!("Kurir, layanan dan tujuan yang sama sudah ada di baris {first_line}"),
                format!(
                    "The same courier, service and destination are already on line {first_line}"
                ),
            ),
        }
    }
}

impl fmt::Display for ShippingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// One problem in a rate file, at a 1-based line number (of the line where the row starts;
/// a quoted cell may span lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub error: ShippingError,
}

impl RowError {
    /// "Baris 5: …" / "Line 5: …".
    pub fn msg(&self) -> Msg {
        let m = self.error.msg();
        Msg::new(
            format!("Baris {}: {}", self.line, m.id),
            format!("Line {}: {}", self.line, m.en),
        )
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

// ---------------------------------------------------------------------------------------------
// Seller delivery: flat fee per zone
// ---------------------------------------------------------------------------------------------

/// A group of kabupaten/kota the seller delivers to at one flat fee ("Kota Malang Rp 10.000",
/// "Malang Raya Rp 20.000").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub regencies: BTreeSet<RegionCode>,
    pub fee: Rupiah,
}

/// A seller's delivery fees: zones, and optionally one fee for everywhere else.
///
/// Invariants (checked by [`ZoneRates::new`] and on deserializing): every zone holds at least
/// one region and only kabupaten/kota; no kabupaten/kota is in two zones; every fee, the
/// default included, is between Rp 0 (free delivery) and [`MAX_DELIVERY_FEE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ZoneRatesData")]
pub struct ZoneRates {
    zones: Vec<Zone>,
    default: Option<Rupiah>,
}

/// The unchecked shape of [`ZoneRates`], for deserializing.
#[derive(Deserialize)]
struct ZoneRatesData {
    zones: Vec<Zone>,
    default: Option<Rupiah>,
}

impl TryFrom<ZoneRatesData> for ZoneRates {
    type Error = ShippingError;
    fn try_from(d: ZoneRatesData) -> Result<Self, Self::Error> {
        ZoneRates::new(d.zones, d.default)
    }
}

fn check_delivery_fee(fee: Rupiah) -> Result<(), ShippingError> {
    if fee.0 < 0 || fee > MAX_DELIVERY_FEE {
        return Err(ShippingError::DeliveryFeeOutOfRange(fee));
    }
    Ok(())
}

impl ZoneRates {
    /// Checks and builds a seller's delivery fees; see the type's invariants. No zones and no
    /// default is allowed: the seller then delivers nowhere, and [`ZoneRates::quote`] is
    /// always `None`.
    pub fn new(zones: Vec<Zone>, default: Option<Rupiah>) -> Result<ZoneRates, ShippingError> {
        let mut seen = BTreeSet::new();
        for zone in &zones {
            if zone.regencies.is_empty() {
                return Err(ShippingError::EmptyZone);
            }
            check_delivery_fee(zone.fee)?;
            for r in &zone.regencies {
                if r.level() != RegionLevel::Regency {
                    return Err(ShippingError::ZoneNotRegency(r.clone()));
                }
                if !seen.insert(r) {
                    return Err(ShippingError::ZoneOverlap(r.clone()));
                }
            }
        }
        if let Some(d) = default {
            check_delivery_fee(d)?;
        }
        Ok(ZoneRates { zones, default })
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The fee for anywhere not in a zone; `None` when the seller delivers only to its zones.
    pub fn default_fee(&self) -> Option<Rupiah> {
        self.default
    }

    /// The delivery fee to `dest` (any level at or below kabupaten/kota: a village is priced
    /// as its regency): the fee of the zone holding its kabupaten/kota, else the default, else
    /// `None` (the seller does not deliver there). A province is too coarse to price: `None`.
    pub fn quote(&self, dest: &RegionCode) -> Option<Rupiah> {
        let regency = dest.regency()?;
        self.zones
            .iter()
            .find(|z| z.regencies.contains(&regency))
            .map(|z| z.fee)
            .or(self.default)
    }
}

// ---------------------------------------------------------------------------------------------
// Courier rates
// ---------------------------------------------------------------------------------------------

/// A courier's delivery estimate, in whole days: `2-3` (two to three days), `1`, or `0`
/// (same day).
///
/// Invariant: `min_days <= max_days <= MAX_ETD_DAYS`. Serialized as its text (`"2-3"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Etd {
    min_days: u8,
    max_days: u8,
}

impl Etd {
    /// `None` unless `min <= max <= MAX_ETD_DAYS`.
    pub fn new(min_days: u8, max_days: u8) -> Option<Etd> {
        (min_days <= max_days && max_days <= MAX_ETD_DAYS).then_some(Etd { min_days, max_days })
    }

    pub fn min_days(self) -> u8 {
        self.min_days
    }

    pub fn max_days(self) -> u8 {
        self.max_days
    }

    /// Reads `2`, `2-3`, `2 - 3`, `2–3` (en dash), with an optional `hari` / `day(s)` after
    /// it, in any case. Anything else is `None`.
    pub fn parse(s: &str) -> Option<Etd> {
        let t = s.trim().to_lowercase();
        let t = ["hari", "days", "day"]
            .iter()
            .find_map(|suffix| t.strip_suffix(suffix))
            .unwrap_or(&t)
            .trim();
        let (lo, hi) = match t.split_once(['-', '–']) {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (t, t),
        };
        let num = |x: &str| -> Option<u8> {
            if x.is_empty() || x.len() > 3 || !x.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            x.parse().ok()
        };
        Etd::new(num(lo)?, num(hi)?)
    }

    /// `2-3 hari` / `2-3 days`; `1 hari` / `1 day`; `hari ini` / `same day` for zero.
    pub fn label(self, lang: Lang) -> String {
        match (self.max_days, lang) {
            (0, Lang::Id) => "hari ini".to_string(),
            (0, Lang::En) => "same day".to_string(),
            (1, Lang::En) if self.min_days == 1 => "1 day".to_string(),
            (_, Lang::Id) => format!("{self} hari"),
            (_, Lang::En) => format!("{self} days"),
        }
    }
}

/// `2-3`, or `2` when both ends are equal.
impl fmt::Display for Etd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min_days == self.max_days {
            write!(f, "{}", self.min_days)
        } else {
            write!(f, "{}-{}", self.min_days, self.max_days)
        }
    }
}

impl From<Etd> for String {
    fn from(e: Etd) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for Etd {
    type Error = ShippingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Etd::parse(&s).ok_or(ShippingError::Etd(s))
    }
}

/// The weight a courier charges for, in whole kg.
///
/// Rule: the order's total grams rounded **up** to a whole kilogram (1 g → 1 kg, 1 000 g →
/// 1 kg, 1 001 g → 2 kg), and never less than the rate's `min_kg`. This is the common
/// practice of Indonesian couriers (JNE, J&T, Pos, SiCepat price per started kilogram). Some
/// of them tolerate a small excess (e.g. 1,3 kg still charged as 1 kg); that tolerance differs
/// per courier and changes over time, so Guyub uses the plain ceiling, which never quotes less
/// than the courier will charge. An order of 0 g (weights not filled in) is charged `min_kg`.
/// Volumetric weight is not computed: products carry no dimensions.
pub fn chargeable_kg(grams: u32, min_kg: u32) -> u32 {
    grams.div_ceil(1_000).max(min_kg)
}

/// One row of a courier rate table: the price of one courier service to one kabupaten/kota.
///
/// A row inside a [`RateTable`] keeps the table's invariants: names trimmed, 1 to
/// [`MAX_NAME_CHARS`] readable characters; `dest` a kabupaten/kota; `price_per_kg` from Rp 1
/// to [`MAX_PRICE_PER_KG`]; `min_kg` from 1 to [`MAX_MIN_KG`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourierRate {
    /// The courier company as people know it: `JNE`, `J&T`, `Pos Indonesia`.
    pub courier: String,
    /// The service: `REG`, `YES`, `OKE`, `Kilat Khusus`.
    pub service: String,
    /// The destination kabupaten/kota.
    pub dest: RegionCode,
    pub price_per_kg: Rupiah,
    /// The least weight charged, in kg (1 for parcels; cargo services start at 10).
    pub min_kg: u32,
    /// The courier's delivery estimate, when the file gives one.
    pub etd: Option<Etd>,
}

impl CourierRate {
    /// The fee for an order of `grams`: [`chargeable_kg`] × price per kg. Exact: with the
    /// table's bounds the product is below 5·10¹³, far inside an `i64`.
    pub fn fee_for(&self, grams: u32) -> Rupiah {
        let kg = i64::from(chargeable_kg(grams, self.min_kg));
        Rupiah(kg.saturating_mul(self.price_per_kg.0))
    }

    /// The key that must be unique in a table (courier and service without regard to case),
    /// and the table's sort order: destination first, so that one destination's rows are one
    /// contiguous run.
    fn key(&self) -> (RegionCode, String, String) {
        (
            self.dest.clone(),
            self.courier.to_lowercase(),
            self.service.to_lowercase(),
        )
    }
}

/// All the courier rates a coop offers, sorted by destination, then courier and service.
///
/// Invariants: every row keeps [`CourierRate`]'s bounds; no two rows share courier, service
/// (both without regard to case) and destination; at most [`MAX_RATE_ROWS`] rows. Built by
/// [`parse_rate_csv`] or [`RateTable::from_rows`], and checked again on deserializing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "RateTableData")]
pub struct RateTable {
    rows: Vec<CourierRate>,
}

#[derive(Deserialize)]
struct RateTableData {
    rows: Vec<CourierRate>,
}

impl TryFrom<RateTableData> for RateTable {
    type Error = String;
    fn try_from(d: RateTableData) -> Result<Self, Self::Error> {
        RateTable::from_rows(d.rows).map_err(|errs| {
            errs.iter()
                .map(|e| e.msg().en)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

impl RateTable {
    /// Checks rows made in code (or read back from storage) and builds the table. Names are
    /// cleaned as the file reader cleans them (trimmed, single spaces); every other problem
    /// is an error carrying the row's 1-based position as its line.
    pub fn from_rows(rows: Vec<CourierRate>) -> Result<RateTable, Vec<RowError>> {
        if rows.len() > MAX_RATE_ROWS {
            return Err(vec![RowError {
                line: MAX_RATE_ROWS + 1,
                error: ShippingError::TooManyRows,
            }]);
        }
        let mut errors = Vec::new();
        let mut checked = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(RegionCode, String, String), usize> = HashMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            let line = i + 1;
            match checked_rate(row) {
                Ok(row) => {
                    if let Some(first_line) = seen.get(&row.key()) {
                        errors.push(RowError {
                            line,
                            error: ShippingError::Duplicate {
                                first_line: *first_line,
                            },
                        });
                    } else {
                        seen.insert(row.key(), line);
                        checked.push(row);
                    }
                }
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|error| RowError { line, error }))
                }
            }
        }
        if errors.is_empty() {
            Ok(RateTable::sorted(checked))
        } else {
            Err(errors)
        }
    }

    fn sorted(mut rows: Vec<CourierRate>) -> RateTable {
        rows.sort_by_cached_key(CourierRate::key);
        RateTable { rows }
    }

    pub fn rows(&self) -> &[CourierRate] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows for one kabupaten/kota (a contiguous run, found by binary search).
    fn rows_to(&self, regency: &RegionCode) -> &[CourierRate] {
        let start = self.rows.partition_point(|r| r.dest < *regency);
        let len = self.rows[start..].partition_point(|r| r.dest == *regency);
        &self.rows[start..start + len]
    }
}

/// One row with its names cleaned and its bounds checked; or every problem, not only the
/// first.
fn checked_rate(mut r: CourierRate) -> Result<CourierRate, Vec<ShippingError>> {
    let mut out = Vec::new();
    match clean_name(&r.courier, Column::Courier.id_name()) {
        Ok(clean) => r.courier = clean,
        Err(e) => out.push(e),
    }
    match clean_name(&r.service, Column::Service.id_name()) {
        Ok(clean) => r.service = clean,
        Err(e) => out.push(e),
    }
    if r.dest.level() != RegionLevel::Regency {
        out.push(ShippingError::Destination(RegionError::WrongLevel {
            code: r.dest.as_str().to_string(),
            expected: RegionLevel::Regency,
            actual: r.dest.level(),
        }));
    }
    if !r.price_per_kg.is_positive() {
        out.push(ShippingError::Price(MoneyError::NotPositive));
    } else if r.price_per_kg > MAX_PRICE_PER_KG {
        out.push(ShippingError::PriceTooHigh(r.price_per_kg));
    }
    if !(1..=MAX_MIN_KG).contains(&r.min_kg) {
        out.push(ShippingError::MinKg(r.min_kg.to_string()));
    }
    if out.is_empty() { Ok(r) } else { Err(out) }
}

/// A courier or service name as kept: trimmed, inner whitespace as single spaces, readable,
/// 1 to [`MAX_NAME_CHARS`] characters.
fn clean_name(raw: &str, col: &'static str) -> Result<String, ShippingError> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(ShippingError::Required(col));
    }
    if t.chars().any(char::is_control) {
        return Err(ShippingError::NameUnreadable(col));
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(ShippingError::NameTooLong(col));
    }
    Ok(t)
}

/// One courier option for an order: what the buyer chooses from at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourierQuote {
    pub courier: String,
    pub service: String,
    /// The weight charged ([`chargeable_kg`]).
    pub chargeable_kg: u32,
    pub fee: Rupiah,
    pub etd: Option<Etd>,
}

/// Every courier service that reaches `dest` (priced as its kabupaten/kota), with its fee for
/// an order of `grams`.
///
/// Sorted by fee, cheapest first; among equal fees the faster estimate first (a known
/// estimate before an unknown one), then by courier and service name, so the order is the
/// same on every call. Empty when no rate reaches the destination, or `dest` is a province.
pub fn courier_options(table: &RateTable, dest: &RegionCode, grams: u32) -> Vec<CourierQuote> {
    let Some(regency) = dest.regency() else {
        return Vec::new();
    };
    let mut out: Vec<CourierQuote> = table
        .rows_to(&regency)
        .iter()
        .map(|r| CourierQuote {
            courier: r.courier.clone(),
            service: r.service.clone(),
            chargeable_kg: chargeable_kg(grams, r.min_kg),
            fee: r.fee_for(grams),
            etd: r.etd,
        })
        .collect();
    out.sort_by(|a, b| {
        let speed = |q: &CourierQuote| q.etd.map_or((1, 0, 0), |e| (0, e.max_days, e.min_days));
        a.fee
            .cmp(&b.fee)
            .then_with(|| speed(a).cmp(&speed(b)))
            .then_with(|| a.courier.to_lowercase().cmp(&b.courier.to_lowercase()))
            .then_with(|| a.service.to_lowercase().cmp(&b.service.to_lowercase()))
    });
    out
}

/// The shipping chosen for one order, with its fee as it was quoted at checkout (kept on the
/// order, so a later change of rates never changes an order already placed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method")]
pub enum Shipping {
    #[serde(rename = "ambil")]
    Pickup,
    #[serde(rename = "antar")]
    SellerDelivery { fee: Rupiah },
    #[serde(rename = "kurir")]
    Courier {
        courier: String,
        service: String,
        fee: Rupiah,
        etd: Option<Etd>,
    },
}

impl Shipping {
    /// What the buyer pays for shipping: zero for pickup.
    pub fn fee(&self) -> Rupiah {
        match self {
            Shipping::Pickup => Rupiah::ZERO,
            Shipping::SellerDelivery { fee } | Shipping::Courier { fee, .. } => *fee,
        }
    }

    pub fn method(&self) -> ShippingMethod {
        match self {
            Shipping::Pickup => ShippingMethod::Pickup,
            Shipping::SellerDelivery { .. } => ShippingMethod::SellerDelivery,
            Shipping::Courier { .. } => ShippingMethod::Courier,
        }
    }
}

impl From<CourierQuote> for Shipping {
    fn from(q: CourierQuote) -> Shipping {
        Shipping::Courier {
            courier: q.courier,
            service: q.service,
            fee: q.fee,
            etd: q.etd,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The rate file (CSV)
// ---------------------------------------------------------------------------------------------

/// The columns of a rate file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Courier,
    Service,
    Dest,
    Price,
    MinKg,
    Etd,
}

impl Column {
    const ALL: [Column; 6] = [
        Column::Courier,
        Column::Service,
        Column::Dest,
        Column::Price,
        Column::MinKg,
        Column::Etd,
    ];

    /// The Indonesian name, used in messages.
    fn id_name(self) -> &'static str {
        match self {
            Column::Courier => "kurir",
            Column::Service => "layanan",
            Column::Dest => "tujuan",
            Column::Price => "harga_per_kg",
            Column::MinKg => "min_kg",
            Column::Etd => "estimasi",
        }
    }

    /// The English name, used in messages.
    fn en_name(self) -> &'static str {
        match self {
            Column::Courier => "courier",
            Column::Service => "service",
            Column::Dest => "destination",
            Column::Price => "price_per_kg",
            Column::MinKg => "min_kg",
            Column::Etd => "etd",
        }
    }

    /// The English name of the column whose Indonesian name is `id` (messages carry the
    /// Indonesian one).
    fn en_name_of(id: &str) -> &'static str {
        Column::ALL
            .iter()
            .find(|c| c.id_name() == id)
            .map_or("", |c| c.en_name())
    }

    fn required(self) -> bool {
        matches!(
            self,
            Column::Courier | Column::Service | Column::Dest | Column::Price
        )
    }

    /// The column a header cell names: Indonesian or English, any case, spaces or dashes for
    /// underscores.
    fn from_header(cell: &str) -> Option<Column> {
        let h: String = cell
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        let col = match h.as_str() {
            "kurir" | "courier" | "ekspedisi" => Column::Courier,
            "layanan" | "service" => Column::Service,
            "tujuan" | "kode_tujuan" | "destination" | "dest" => Column::Dest,
            "harga_per_kg" | "price_per_kg" | "tarif_per_kg" => Column::Price,
            "min_kg" | "minimum_kg" | "berat_minimum" => Column::MinKg,
            "estimasi" | "etd" | "estimasi_hari" => Column::Etd,
            _ => return None,
        };
        Some(col)
    }
}

/// Reads a courier rate file.
///
/// Format: CSV (RFC 4180 quoting; comma, semicolon or tab separated, detected from the header
/// line, since Excel in Indonesian settings saves with semicolons; a UTF-8 byte-order mark and
/// CRLF line ends are fine; blank lines are skipped). The first non-blank row is the header,
/// naming columns in Indonesian or English in any order:
///
/// | column | also | required | content |
/// |---|---|---|---|
/// | `kurir` | `courier`, `ekspedisi` | yes | `JNE`, `J&T`, … |
/// | `layanan` | `service` | yes | `REG`, `YES`, … |
/// | `tujuan` | `kode_tujuan`, `destination`, `dest` | yes | kabupaten/kota code: `35.73` or `3573` |
/// | `harga_per_kg` | `price_per_kg`, `tarif_per_kg` | yes | Indonesian amount: `9.000`, `Rp 9.000` |
/// | `min_kg` | `minimum_kg`, `berat_minimum` | no (1) | whole kg, 1 to [`MAX_MIN_KG`] |
/// | `estimasi` | `etd`, `estimasi_hari` | no | days: `2-3`, `1`, `2-3 hari` |
///
/// A destination like `35.1` is read as `35.10`: that is what Excel makes of the code when it
/// takes it for a number, and no region code has a one-digit part.
///
/// All or nothing: any problem (a bad header, a bad cell, a duplicate courier + service +
/// destination, more than [`MAX_RATE_ROWS`] rows) returns every problem found, each with its
/// line, and no table. After [`MAX_ROW_ERRORS`] problems the rest is not read.
pub fn parse_rate_csv(text: &str) -> Result<RateTable, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delim = detect_delimiter(text);
    let mut records = Records::new(text, delim).filter(|r| match r {
        Ok((_, cells)) => cells.iter().any(|c| !c.trim().is_empty()),
        Err(_) => true,
    });

    let (header_line, header) = match records.next() {
        None => {
            return Err(vec![RowError {
                line: 1,
                error: ShippingError::NoHeader,
            }]);
        }
        Some(Err(e)) => return Err(vec![e]),
        Some(Ok(h)) => h,
    };
    let columns = read_header(header_line, &header)?;

    let mut errors: Vec<RowError> = Vec::new();
    let mut rows: Vec<CourierRate> = Vec::new();
    let mut seen: HashMap<(RegionCode, String, String), usize> = HashMap::new();
    let mut count = 0usize;
    for rec in records {
        let (line, cells) = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                break;
            }
        };
        count += 1;
        if count > MAX_RATE_ROWS {
            return Err(vec![RowError {
                line,
                error: ShippingError::TooManyRows,
            }]);
        }
        match read_row(&columns, &cells) {
            Ok(rate) => {
                if let Some(first_line) = seen.get(&rate.key()) {
                    errors.push(RowError {
                        line,
                        error: ShippingError::Duplicate {
                            first_line: *first_line,
                        },
                    });
                } else {
                    seen.insert(rate.key(), line);
                    if errors.is_empty() {
                        rows.push(rate);
                    }
                }
            }
            Err(problems) => {
                errors.extend(problems.into_iter().map(|error| RowError { line, error }));
            }
        }
        if errors.len() >= MAX_ROW_ERRORS {
            errors.truncate(MAX_ROW_ERRORS);
            errors.push(RowError {
                line,
                error: ShippingError::TooManyErrors,
            });
            return Err(errors);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if count == 0 {
        return Err(vec![RowError {
            line: header_line,
            error: ShippingError::NoRows,
        }]);
    }
    Ok(RateTable::sorted(rows))
}

/// The separator that splits the first non-blank line into the most cells (comma when none
/// does): a header never holds a separator inside a cell, so counting is enough.
fn detect_delimiter(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut best = (',', first.matches(',').count());
    for d in [';', '\t'] {
        let n = first.matches(d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// The column of each header cell, checked: every cell known and used once, every required
/// column present.
fn read_header(line: usize, header: &[String]) -> Result<Vec<Column>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut columns = Vec::with_capacity(header.len());
    for cell in header {
        match Column::from_header(cell) {
            Some(c) if columns.contains(&c) => {
                errors.push(ShippingError::DuplicateColumn(c.id_name()));
            }
            Some(c) => columns.push(c),
            None => errors.push(ShippingError::UnknownColumn(cell.trim().to_string())),
        }
    }
    for c in Column::ALL {
        if c.required() && !columns.contains(&c) {
            errors.push(ShippingError::MissingColumn(c.id_name()));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors
            .into_iter()
            .map(|error| RowError { line, error })
            .collect())
    }
}

/// One data row as a rate, or every problem of the row.
fn read_row(columns: &[Column], cells: &[String]) -> Result<CourierRate, Vec<ShippingError>> {
    let mut problems = Vec::new();
    if cells.len() > columns.len() && cells[columns.len()..].iter().any(|c| !c.trim().is_empty()) {
        problems.push(ShippingError::ExtraCells {
            expected: columns.len(),
            found: cells.len(),
        });
    }
    // A missing trailing cell reads as empty: some spreadsheets drop empty trailing cells.
    let cell = |col: Column| -> &str {
        columns
            .iter()
            .position(|c| *c == col)
            .and_then(|i| cells.get(i))
            .map_or("", |s| s.trim())
    };

    let courier = clean_name(cell(Column::Courier), Column::Courier.id_name())
        .map_err(|e| problems.push(e))
        .ok();
    let service = clean_name(cell(Column::Service), Column::Service.id_name())
        .map_err(|e| problems.push(e))
        .ok();
    let dest = match cell(Column::Dest) {
        "" => {
            problems.push(ShippingError::Required(Column::Dest.id_name()));
            None
        }
        raw => RegionCode::parse_at(&repair_excel_code(raw), RegionLevel::Regency)
            .map_err(|e| problems.push(ShippingError::Destination(e)))
            .ok(),
    };
    let price = match Rupiah::parse_positive(cell(Column::Price)) {
        Ok(p) if p > MAX_PRICE_PER_KG => {
            problems.push(ShippingError::PriceTooHigh(p));
            None
        }
        Ok(p) => Some(p),
        Err(MoneyError::Empty) => {
            problems.push(ShippingError::Required(Column::Price.id_name()));
            None
        }
        Err(e) => {
            problems.push(ShippingError::Price(e));
            None
        }
    };
    let min_kg = match cell(Column::MinKg) {
        "" => Some(1),
        raw => {
            let digits = raw
                .strip_suffix("kg")
                .or_else(|| raw.strip_suffix("KG"))
                .or_else(|| raw.strip_suffix("Kg"))
                .unwrap_or(raw)
                .trim();
            match digits.parse::<u32>() {
                Ok(n)
                    if (1..=MAX_MIN_KG).contains(&n)
                        && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(n)
                }
                _ => {
                    problems.push(ShippingError::MinKg(raw.to_string()));
                    None
                }
            }
        }
    };
    let etd = match cell(Column::Etd) {
        "" => Some(None),
        raw => match Etd::parse(raw) {
            Some(e) => Some(Some(e)),
            None => {
                problems.push(ShippingError::Etd(raw.to_string()));
                None
            }
        },
    };
    match (courier, service, dest, price, min_kg, etd) {
        (Some(courier), Some(service), Some(dest), Some(price_per_kg), Some(min_kg), Some(etd))
            if problems.is_empty() =>
        {
            Ok(CourierRate {
                courier,
                service,
                dest,
                price_per_kg,
                min_kg,
                etd,
            })
        }
        _ => Err(problems),
    }
}

/// `35.1` → `35.10`: Excel turns the code 35.10 into the number 35.1. Only the exact shape
/// "two digits, dot, one digit" is touched; it is never a valid code as it stands.
fn repair_excel_code(raw: &str) -> String {
    let b = raw.as_bytes();
    if b.len() == 4 && b[2] == b'.' && [b[0], b[1], b[3]].iter().all(u8::is_ascii_digit) {
        format!("{raw}0")
    } else {
        raw.to_string()
    }
}

/// An RFC 4180 record reader that knows the line each record starts on.
///
/// Quoted cells may hold separators, doubled quotes and line breaks. It is lenient where a
/// strict reader would only annoy: a quote inside an unquoted cell is kept as a character, and
/// text right after a closing quote is appended. The only error is a quote never closed.
struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    delim: char,
    line: usize,
    done: bool,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, delim: char) -> Records<'a> {
        Records {
            chars: text.chars().peekable(),
            delim,
            line: 1,
            done: false,
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<(usize, Vec<String>), RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let start = self.line;
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut in_quotes = false;
        let mut cell_started_quoted = false;
        loop {
            let Some(c) = self.chars.next() else {
                self.done = true;
                if in_quotes {
                    return Some(Err(RowError {
                        line: start,
                        error: ShippingError::UnclosedQuote,
                    }));
                }
                if cells.is_empty() && cell.is_empty() && !cell_started_quoted {
                    return None;
                }
                cells.push(cell);
                return Some(Ok((start, cells)));
            };
            if in_quotes {
                match c {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        cell.push('"');
                    }
                    '"' => in_quotes = false,
                    '\r' if self.chars.peek() == Some(&'\n') => {}
                    '\n' | '\r' => {
                        self.line += 1;
                        cell.push('\n');
                    }
                    _ => cell.push(c),
                }
                continue;
            }
            match c {
                '"' if cell.trim().is_empty() && !cell_started_quoted => {
                    // Spaces before an opening quote are not part of the cell.
                    cell.clear();
                    in_quotes = true;
                    cell_started_quoted = true;
                }
                '\r' if self.chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => {
                    self.line += 1;
                    cells.push(cell);
                    return Some(Ok((start, cells)));
                }
                _ if c == self.delim => {
                    cells.push(std::mem::take(&mut cell));
                    cell_started_quoted = false;
                }
                _ => cell.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("known code")
    }

    fn zone(codes: &[&str], fee: i64) -> Zone {
        Zone {
            regencies: codes.iter().map(|c| code(c)).collect(),
            fee: Rupiah(fee),
        }
    }

    #[test]
    fn methods_have_stable_codes_and_labels() {
        assert_eq!(ShippingMethod::Pickup.as_str(), "ambil");
        assert_eq!(ShippingMethod::SellerDelivery.as_str(), "antar");
        assert_eq!(ShippingMethod::Courier.as_str(), "kurir");
        for m in ShippingMethod::ALL {
            assert_eq!(ShippingMethod::parse(m.as_str()), Some(*m));
            assert!(!m.label(Lang::Id).is_empty() && !m.label(Lang::En).is_empty());
        }
        assert_eq!(
            ShippingMethod::parse(" kurir "),
            Some(ShippingMethod::Courier)
        );
        assert_eq!(ShippingMethod::parse("courier"), None);
        assert_eq!(ShippingMethod::Pickup.label(Lang::Id), "Ambil sendiri");
    }

    #[test]
    fn zone_rates_quote_by_regency_then_default() {
        let rates = ZoneRates::new(
            vec![zone(&["35.73"], 10_000), zone(&["35.07", "35.79"], 20_000)],
            None,
        )
        .unwrap();
        assert_eq!(rates.quote(&code("35.73")), Some(Rupiah(10_000)));
        // A village is priced as its kabupaten/kota.
        assert_eq!(rates.quote(&code("35.73.05.1001")), Some(Rupiah(10_000)));
        assert_eq!(rates.quote(&code("35.73.05")), Some(Rupiah(10_000)));
        assert_eq!(rates.quote(&code("35.79")), Some(Rupiah(20_000)));
        // Not served, no default.
        assert_eq!(rates.quote(&code("35.78")), None);
        // A province is too coarse.
        assert_eq!(rates.quote(&code("35")), None);

        let with_default = ZoneRates::new(vec![zone(&["35.73"], 0)], Some(Rupiah(35_000))).unwrap();
        assert_eq!(with_default.quote(&code("35.73")), Some(Rupiah(0)));
        assert_eq!(with_default.quote(&code("35.78")), Some(Rupiah(35_000)));
        assert_eq!(with_default.quote(&code("35")), None);
        assert_eq!(with_default.default_fee(), Some(Rupiah(35_000)));
        assert_eq!(with_default.zones().len(), 1);

        let nowhere = ZoneRates::new(vec![], None).unwrap();
        assert_eq!(nowhere.quote(&code("35.73")), None);
    }

    #[test]
    fn zone_rates_refuse_ambiguity_and_nonsense() {
        assert_eq!(
            ZoneRates::new(
                vec![zone(&["35.73"], 1), zone(&["35.73", "35.07"], 2)],
                None
            ),
            Err(ShippingError::ZoneOverlap(code("35.73")))
        );
        assert_eq!(
            ZoneRates::new(vec![zone(&["35.73.05"], 1)], None),
            Err(ShippingError::ZoneNotRegency(code("35.73.05")))
        );
        assert_eq!(
            ZoneRates::new(vec![zone(&["35"], 1)], None),
            Err(ShippingError::ZoneNotRegency(code("35")))
        );
        assert_eq!(
            ZoneRates::new(vec![zone(&[], 1)], None),
            Err(ShippingError::EmptyZone)
        );
        assert_eq!(
            ZoneRates::new(vec![zone(&["35.73"], -1)], None),
            Err(ShippingError::DeliveryFeeOutOfRange(Rupiah(-1)))
        );
        assert_eq!(
            ZoneRates::new(vec![], Some(Rupiah(MAX_DELIVERY_FEE.0 + 1))),
            Err(ShippingError::DeliveryFeeOutOfRange(Rupiah(
                MAX_DELIVERY_FEE.0 + 1
            )))
        );
        assert!(ZoneRates::new(vec![], Some(MAX_DELIVERY_FEE)).is_ok());
        let m = ShippingError::ZoneOverlap(code("35.73")).msg();
        assert!(m.id.contains("Kota Malang") && m.en.contains("two zones"));
    }

    #[test]
    fn zone_rates_serde_checks_invariants() {
        let rates = ZoneRates::new(vec![zone(&["35.73"], 10_000)], Some(Rupiah(5))).unwrap();
        let json = serde_json::to_string(&rates).unwrap();
        assert_eq!(
            json,
            r#"{"zones":[{"regencies":["35.73"],"fee":10000}],"default":5}"#
        );
        let back: ZoneRates = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rates);
        let bad = r#"{"zones":[{"regencies":["35.73"],"fee":1},{"regencies":["35.73"],"fee":2}],"default":null}"#;
        assert!(serde_json::from_str::<ZoneRates>(bad).is_err());
    }

    #[test]
    fn chargeable_weight_is_the_ceiling_with_a_minimum() {
        assert_eq!(chargeable_kg(0, 1), 1);
        assert_eq!(chargeable_kg(1, 1), 1);
        assert_eq!(chargeable_kg(999, 1), 1);
        assert_eq!(chargeable_kg(1_000, 1), 1);
        assert_eq!(chargeable_kg(1_001, 1), 2);
        assert_eq!(chargeable_kg(1_300, 1), 2, "no 0,3 kg tolerance");
        assert_eq!(chargeable_kg(2_000, 1), 2);
        assert_eq!(chargeable_kg(2_500, 10), 10);
        assert_eq!(chargeable_kg(10_001, 10), 11);
        assert_eq!(chargeable_kg(u32::MAX, 1), 4_294_968);
    }

    #[test]
    fn etd_reads_the_forms_in_price_lists() {
        assert_eq!(Etd::parse("2-3"), Etd::new(2, 3));
        assert_eq!(Etd::parse(" 2 - 3 "), Etd::new(2, 3));
        assert_eq!(Etd::parse("2–3"), Etd::new(2, 3));
        assert_eq!(Etd::parse("2-3 hari"), Etd::new(2, 3));
        assert_eq!(Etd::parse("2-3 HARI"), Etd::new(2, 3));
        assert_eq!(Etd::parse("1 day"), Etd::new(1, 1));
        assert_eq!(Etd::parse("4 days"), Etd::new(4, 4));
        assert_eq!(Etd::parse("1"), Etd::new(1, 1));
        assert_eq!(Etd::parse("0"), Etd::new(0, 0));
        assert_eq!(Etd::parse("3-2"), None);
        assert_eq!(Etd::parse("61"), None);
        assert_eq!(Etd::parse("satu"), None);
        assert_eq!(Etd::parse(""), None);
        assert_eq!(Etd::parse("-"), None);
        assert_eq!(Etd::parse("1-2-3"), None);
        assert_eq!(Etd::parse("+1"), None);
        assert_eq!(Etd::new(3, 2), None);
        let e = Etd::new(2, 3).unwrap();
        assert_eq!((e.min_days(), e.max_days()), (2, 3));
        assert_eq!(e.to_string(), "2-3");
        assert_eq!(Etd::new(1, 1).unwrap().to_string(), "1");
        assert_eq!(e.label(Lang::Id), "2-3 hari");
        assert_eq!(e.label(Lang::En), "2-3 days");
        assert_eq!(Etd::new(1, 1).unwrap().label(Lang::En), "1 day");
        assert_eq!(Etd::new(0, 0).unwrap().label(Lang::Id), "hari ini");
        assert_eq!(Etd::new(0, 1).unwrap().label(Lang::En), "0-1 days");
        assert_eq!(serde_json::to_string(&e).unwrap(), r#""2-3""#);
        assert_eq!(serde_json::from_str::<Etd>(r#""2-3""#).unwrap(), e);
        assert!(serde_json::from_str::<Etd>(r#""x""#).is_err());
    }

    const GOOD: &str = "kurir,layanan,tujuan,harga_per_kg,min_kg,estimasi\n\
        JNE,REG,35.73,9.000,1,2-3\n\
        JNE,YES,35.73,18.000,,1\n\
        J&T,EZ,3573,\"8.500\",1,2-4 hari\n\
        Pos Indonesia,Kargo,35.78,\"Rp 6.000\",10,\n\
        SiCepat,REG,35.78,8.000,1,1-2\n";

    #[test]
    fn parses_a_good_file() {
        let t = parse_rate_csv(GOOD).unwrap();
        assert_eq!(t.len(), 5);
        assert!(!t.is_empty());
        let jne = t
            .rows()
            .iter()
            .find(|r| r.courier == "JNE" && r.service == "YES")
            .unwrap();
        assert_eq!(jne.dest, code("35.73"));
        assert_eq!(jne.price_per_kg, Rupiah(18_000));
        assert_eq!(jne.min_kg, 1);
        assert_eq!(jne.etd, Etd::new(1, 1));
        let pos = t
            .rows()
            .iter()
            .find(|r| r.courier == "Pos Indonesia")
            .unwrap();
        assert_eq!(pos.min_kg, 10);
        assert_eq!(pos.etd, None);
        assert_eq!(pos.price_per_kg, Rupiah(6_000));
        // Sorted by destination.
        assert!(t.rows().windows(2).all(|w| w[0].dest <= w[1].dest));
    }

    #[test]
    fn english_headers_semicolons_bom_crlf_and_any_column_order() {
        let text = "\u{feff}Price per kg;Destination;Courier;Service\r\n\
            12.000;35.07;JNE;REG\r\n\r\n\
            \"11.000\";35.10;TIKI;\"ONS; kilat\"\r\n";
        let t = parse_rate_csv(text).unwrap();
        assert_eq!(t.len(), 2);
        let tiki = t.rows().iter().find(|r| r.courier == "TIKI").unwrap();
        assert_eq!(tiki.service, "ONS; kilat");
        assert_eq!(tiki.dest, code("35.10"));
        assert_eq!(tiki.min_kg, 1);
        assert_eq!(tiki.etd, None);

        let tabs = "kurir\tlayanan\tkode_tujuan\tharga_per_kg\tetd\nJNE\tREG\t3578\t9000\t2\n";
        let t = parse_rate_csv(tabs).unwrap();
        assert_eq!(t.rows()[0].dest, code("35.78"));
        assert_eq!(t.rows()[0].price_per_kg, Rupiah(9_000));
    }

    #[test]
    fn excel_number_codes_are_repaired() {
        let t = parse_rate_csv("kurir,layanan,tujuan,harga_per_kg\nJNE,REG,35.1,9.000\n").unwrap();
        assert_eq!(t.rows()[0].dest, code("35.10"));
        assert_eq!(repair_excel_code("35.73"), "35.73");
        assert_eq!(repair_excel_code("3.51"), "3.51");
    }

    fn errors_of(text: &str) -> Vec<RowError> {
        parse_rate_csv(text).expect_err("the file should be refused")
    }

    #[test]
    fn every_bad_row_is_reported_and_nothing_loads() {
        let text = "kurir,layanan,tujuan,harga_per_kg,min_kg,estimasi\n\
            JNE,REG,35.73,9.000,1,2-3\n\
            ,REG,35.99,9,000,1,2-3\n\
            JNE,REG,35.73,9.500,1,2-3\n\
            JNE,OKE,Malang,0,0,besok\n\
            POS,REG,35.73.05,Rp 99.999.999,1001,\n\
            \"JNE\",\"REG\",35.78,\"9.000\"\n";
        let errs = errors_of(text);
        let at = |line: usize| -> Vec<ShippingError> {
            errs.iter()
                .filter(|e| e.line == line)
                .map(|e| e.error.clone())
                .collect()
        };
        assert!(at(2).is_empty());
        assert_eq!(
            at(3),
            vec![
                ShippingError::ExtraCells {
                    expected: 6,
                    found: 7
                },
                ShippingError::Required("kurir"),
                ShippingError::Destination(RegionError::Unknown("35.99".into())),
                // "9" then "000" as min_kg: the comma splits the amount.
                ShippingError::MinKg("000".into()),
            ]
        );
        assert_eq!(at(4), vec![ShippingError::Duplicate { first_line: 2 }]);
        assert_eq!(
            at(5),
            vec![
                ShippingError::Destination(RegionError::Malformed("Malang".into())),
                ShippingError::Price(MoneyError::NotPositive),
                ShippingError::MinKg("0".into()),
                ShippingError::Etd("besok".into()),
            ]
        );
        assert_eq!(
            at(6),
            vec![
                ShippingError::Destination(RegionError::WrongLevel {
                    code: "35.73.05".into(),
                    expected: RegionLevel::Regency,
                    actual: RegionLevel::District
                }),
                ShippingError::PriceTooHigh(Rupiah(99_999_999)),
                ShippingError::MinKg("1001".into()),
            ]
        );
        // A short row with every required cell is fine.
        assert!(at(7).is_empty());
        let m = errs[0].msg();
        assert!(m.id.starts_with("Baris 3: "), "{}", m.id);
        assert!(m.en.starts_with("Line 3: "), "{}", m.en);
        assert!(errs.iter().all(|e| !e.msg().id.is_empty()));
    }

    #[test]
    fn header_problems_are_all_reported() {
        let errs = errors_of("kurir,kurir,harga,tujuan\nJNE,JNE,1,35.73\n");
        let kinds: Vec<_> = errs.iter().map(|e| (e.line, e.error.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (1, ShippingError::DuplicateColumn("kurir")),
                (1, ShippingError::UnknownColumn("harga".into())),
                (1, ShippingError::MissingColumn("layanan")),
                (1, ShippingError::MissingColumn("harga_per_kg")),
            ]
        );
        assert!(errs[1].msg().id.contains("\"harga\""));
        assert!(errs[2].msg().en.contains("service"));
        assert_eq!(errors_of("")[0].error, ShippingError::NoHeader);
        assert_eq!(errors_of("\n \n")[0].error, ShippingError::NoHeader);
        let only_header = errors_of("\nkurir,layanan,tujuan,harga_per_kg\n\n");
        assert_eq!(
            only_header,
            vec![RowError {
                line: 2,
                error: ShippingError::NoRows
            }]
        );
    }

    #[test]
    fn quotes_are_read_per_rfc_4180_and_lines_are_counted() {
        let text = "kurir,layanan,tujuan,harga_per_kg\n\
            \"J\"\"T\",\"RE\nG\",35.73,1.000\n\
            JNE,REG,35.99,1.000\n";
        let errs = errors_of(text);
        // The quoted cell spans lines 2–3, so the bad row starts on line 4; and the
        // service's line break is folded into a space.
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 4);
        let ok =
            parse_rate_csv("kurir,layanan,tujuan,harga_per_kg\n\"J\"\"T\",\"RE\nG\",35.73,1.000")
                .unwrap();
        assert_eq!(ok.rows()[0].courier, "J\"T");
        assert_eq!(ok.rows()[0].service, "RE G");

        let unclosed = errors_of("kurir,layanan,tujuan,harga_per_kg\nJNE,\"REG,35.73,1.000\n");
        assert_eq!(
            unclosed,
            vec![RowError {
                line: 2,
                error: ShippingError::UnclosedQuote
            }]
        );
        let unclosed_header = errors_of("\"kurir,layanan");
        assert_eq!(unclosed_header[0].error, ShippingError::UnclosedQuote);
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        let long = "X".repeat(MAX_NAME_CHARS + 1);
        let errs = errors_of(&format!(
            "kurir,layanan,tujuan,harga_per_kg\n{long},REG,35.73,1\nJNE,\"a\u{7}b\",35.73,1\n"
        ));
        assert_eq!(errs[0].error, ShippingError::NameTooLong("kurir"));
        assert_eq!(errs[1].error, ShippingError::NameUnreadable("layanan"));
        let t =
            parse_rate_csv("kurir,layanan,tujuan,harga_per_kg\n  Pos   Indonesia ,REG,35.73,1\n")
                .unwrap();
        assert_eq!(t.rows()[0].courier, "Pos Indonesia");
        // Duplicates ignore case.
        let dup = errors_of("kurir,layanan,tujuan,harga_per_kg\nJNE,REG,35.73,1\njne,reg,3573,2\n");
        assert_eq!(dup[0].error, ShippingError::Duplicate { first_line: 2 });
    }

    #[test]
    fn too_many_rows_and_too_many_errors() {
        let mut text = String::from("kurir,layanan,tujuan,harga_per_kg\n");
        let regencies = crate::region::children(Some(&code("35")));
        let mut n = 0;
        'outer: for s in 0..3_000 {
            for (r, _) in &regencies {
                text.push_str(&format!("K,S{s},{r},1\n"));
                n += 1;
                if n > MAX_RATE_ROWS {
                    break 'outer;
                }
            }
        }
        let errs = errors_of(&text);
        assert_eq!(
            errs,
            vec![RowError {
                line: MAX_RATE_ROWS + 2,
                error: ShippingError::TooManyRows
            }]
        );

        let mut bad = String::from("kurir,layanan,tujuan,harga_per_kg\n");
        for _ in 0..500 {
            bad.push_str("JNE,REG,35.73,x\n");
        }
        let errs = errors_of(&bad);
        assert_eq!(errs.len(), MAX_ROW_ERRORS + 1);
        assert_eq!(errs[MAX_ROW_ERRORS].error, ShippingError::TooManyErrors);
    }

    #[test]
    fn exactly_the_row_limit_loads() {
        let mut text = String::from("kurir,layanan,tujuan,harga_per_kg,min_kg,estimasi\n");
        let regencies = crate::region::children(None)
            .iter()
            .flat_map(|(p, _)| crate::region::children(Some(p)))
            .map(|(c, _)| c)
            .collect::<Vec<_>>();
        let mut n = 0;
        'outer: for s in 0.. {
            for r in &regencies {
                if n == MAX_RATE_ROWS {
                    break 'outer;
                }
                text.push_str(&format!("JNE,S{s},{r},9.000,1,2-3\n"));
                n += 1;
            }
        }
        let start = std::time::Instant::now();
        let t = parse_rate_csv(&text).unwrap();
        eprintln!("parsed {} rates in {:?}", t.len(), start.elapsed());
        assert_eq!(t.len(), MAX_RATE_ROWS);
        let opts = courier_options(&t, &code("35.73"), 1_500);
        assert!(!opts.is_empty());
        assert!(opts.iter().all(|q| q.fee == Rupiah(18_000)));
    }

    #[test]
    fn courier_options_are_priced_and_sorted() {
        let t = parse_rate_csv(GOOD).unwrap();
        let opts = courier_options(&t, &code("35.73.05.1001"), 1_200);
        let summary: Vec<_> = opts
            .iter()
            .map(|q| {
                (
                    q.courier.as_str(),
                    q.service.as_str(),
                    q.chargeable_kg,
                    q.fee.0,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("J&T", "EZ", 2, 17_000),
                ("JNE", "REG", 2, 18_000),
                ("JNE", "YES", 2, 36_000),
            ]
        );
        assert_eq!(opts[0].etd, Etd::new(2, 4));
        // The cargo minimum: 10 kg at Rp 6.000 beats 1 kg at Rp 8.000 only from 8 kg up.
        let sby = courier_options(&t, &code("35.78"), 500);
        assert_eq!(sby[0].courier, "SiCepat");
        assert_eq!(sby[0].fee, Rupiah(8_000));
        assert_eq!(sby[1].fee, Rupiah(60_000));
        assert_eq!(sby[1].chargeable_kg, 10);
        let heavy = courier_options(&t, &code("35.78"), 9_000);
        assert_eq!(heavy[0].courier, "Pos Indonesia");
        assert_eq!(heavy[0].fee, Rupiah(60_000));
        // Nowhere, or a province.
        assert!(courier_options(&t, &code("35.07"), 500).is_empty());
        assert!(courier_options(&t, &code("35"), 500).is_empty());
        assert!(courier_options(&RateTable::default(), &code("35.73"), 500).is_empty());
    }

    #[test]
    fn equal_fees_prefer_the_faster_then_the_name() {
        let t = parse_rate_csv(
            "kurir,layanan,tujuan,harga_per_kg,estimasi\n\
             B,REG,35.73,9.000,\n\
             A,REG,35.73,9.000,3-4\n\
             C,REG,35.73,9.000,1-2\n\
             a,ZZ,35.73,9.000,\n",
        )
        .unwrap();
        let names: Vec<_> = courier_options(&t, &code("35.73"), 1)
            .into_iter()
            .map(|q| format!("{}/{}", q.courier, q.service))
            .collect();
        assert_eq!(names, vec!["C/REG", "A/REG", "a/ZZ", "B/REG"]);
    }

    #[test]
    fn shipping_choice_has_a_fee_and_a_method() {
        assert_eq!(Shipping::Pickup.fee(), Rupiah::ZERO);
        assert_eq!(Shipping::Pickup.method(), ShippingMethod::Pickup);
        let d = Shipping::SellerDelivery {
            fee: Rupiah(10_000),
        };
        assert_eq!(d.fee(), Rupiah(10_000));
        assert_eq!(d.method(), ShippingMethod::SellerDelivery);
        let t = parse_rate_csv(GOOD).unwrap();
        let q = courier_options(&t, &code("35.73"), 1_000).remove(0);
        let s = Shipping::from(q);
        assert_eq!(s.fee(), Rupiah(8_500));
        assert_eq!(s.method(), ShippingMethod::Courier);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"method":"kurir","courier":"J&T","service":"EZ","fee":8500,"etd":"2-4"}"#
        );
        assert_eq!(serde_json::from_str::<Shipping>(&json).unwrap(), s);
        assert_eq!(
            serde_json::to_string(&Shipping::Pickup).unwrap(),
            r#"{"method":"ambil"}"#
        );
    }

    #[test]
    fn from_rows_checks_like_the_file() {
        let good = CourierRate {
            courier: "JNE".into(),
            service: "REG".into(),
            dest: code("35.73"),
            price_per_kg: Rupiah(9_000),
            min_kg: 1,
            etd: None,
        };
        let t = RateTable::from_rows(vec![good.clone()]).unwrap();
        assert_eq!(t.rows(), std::slice::from_ref(&good));
        let mut spaced = good.clone();
        spaced.courier = "  Pos   Indonesia ".into();
        let t2 = RateTable::from_rows(vec![spaced]).unwrap();
        assert_eq!(t2.rows()[0].courier, "Pos Indonesia");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<RateTable>(&json).unwrap(), t);

        let mut bad = good.clone();
        bad.courier = " ".into();
        bad.dest = code("35");
        bad.price_per_kg = Rupiah(0);
        bad.min_kg = 0;
        let errs = RateTable::from_rows(vec![good.clone(), bad, good.clone()]).unwrap_err();
        let kinds: Vec<_> = errs.iter().map(|e| (e.line, e.error.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (2, ShippingError::Required("kurir")),
                (
                    2,
                    ShippingError::Destination(RegionError::WrongLevel {
                        code: "35".into(),
                        expected: RegionLevel::Regency,
                        actual: RegionLevel::Province
                    })
                ),
                (2, ShippingError::Price(MoneyError::NotPositive)),
                (2, ShippingError::MinKg("0".into())),
                (3, ShippingError::Duplicate { first_line: 1 }),
            ]
        );
        let dup = serde_json::to_string(&RateTableData2 {
            rows: vec![good.clone(), good],
        })
        .unwrap();
        assert!(serde_json::from_str::<RateTable>(&dup).is_err());
    }

    #[derive(Serialize)]
    struct RateTableData2 {
        rows: Vec<CourierRate>,
    }

    #[test]
    fn every_error_has_both_languages() {
        let all = [
            ShippingError::ZoneNotRegency(code("35")),
            ShippingError::ZoneOverlap(code("35.73")),
            ShippingError::EmptyZone,
            ShippingError::DeliveryFeeOutOfRange(Rupiah(-1)),
            ShippingError::NoHeader,
            ShippingError::MissingColumn("tujuan"),
            ShippingError::UnknownColumn("x".into()),
            ShippingError::DuplicateColumn("kurir"),
            ShippingError::NoRows,
            ShippingError::TooManyRows,
            ShippingError::TooManyErrors,
            ShippingError::UnclosedQuote,
            ShippingError::ExtraCells {
                expected: 4,
                found: 5,
            },
            ShippingError::Required("layanan"),
            ShippingError::NameTooLong("kurir"),
            ShippingError::NameUnreadable("kurir"),
            ShippingError::Destination(RegionError::Empty),
            ShippingError::Price(MoneyError::Cents),
            ShippingError::PriceTooHigh(Rupiah(1)),
            ShippingError::MinKg("0".into()),
            ShippingError::Etd("x".into()),
            ShippingError::Duplicate { first_line: 2 },
        ];
        for e in all {
            let m = e.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty(), "{e:?}");
            assert_ne!(m.id, m.en, "{e:?}");
            assert!(!m.en.contains("  "), "{e:?}: {}", m.en);
        }
        assert_eq!(
            ShippingError::MissingColumn("tujuan").msg().en,
            "The header has no destination column"
        );
    }

    fn jatim_regency() -> impl Strategy<Value = RegionCode> {
        let all: Vec<RegionCode> = crate::region::children(Some(&RegionCode::known("35")))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        proptest::sample::select(all)
    }

    fn rate() -> impl Strategy<Value = CourierRate> {
        (
            "[A-Za-z&][A-Za-z& ]{0,10}[A-Za-z]",
            "[A-Z]{1,6}",
            jatim_regency(),
            1i64..=MAX_PRICE_PER_KG.0,
            1u32..=MAX_MIN_KG,
            proptest::option::of((0u8..=30, 0u8..=30)),
        )
            .prop_map(|(courier, service, dest, price, min_kg, etd)| CourierRate {
                courier: courier.split_whitespace().collect::<Vec<_>>().join(" "),
                service,
                dest,
                price_per_kg: Rupiah(price),
                min_kg,
                etd: etd.and_then(|(a, b)| Etd::new(a.min(b), a.max(b))),
            })
    }

    proptest! {
        #[test]
        fn chargeable_weight_covers_the_grams_and_no_more(grams in any::<u32>(), min_kg in 1u32..=MAX_MIN_KG) {
            let kg = chargeable_kg(grams, min_kg);
            prop_assert!(kg >= min_kg);
            prop_assert!(u64::from(kg) * 1_000 >= u64::from(grams));
            if kg > min_kg {
                prop_assert!(u64::from(kg - 1) * 1_000 < u64::from(grams));
            }
        }

        #[test]
        fn fees_grow_with_weight(r in rate(), a in any::<u32>(), b in any::<u32>()) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(r.fee_for(lo) <= r.fee_for(hi));
            prop_assert!(r.fee_for(hi).is_positive());
            prop_assert_eq!(
                r.fee_for(hi).0,
                i64::from(chargeable_kg(hi, r.min_kg)) * r.price_per_kg.0
            );
        }

        #[test]
        fn a_written_table_reads_back(rows in proptest::collection::vec(rate(), 1..40), semicolons in any::<bool>()) {
            let Ok(table) = RateTable::from_rows(rows.clone()) else {
                return Ok(()); // duplicates drawn; from_rows refusing them is tested above
            };
            let d = if semicolons { ';' } else { ',' };
            let mut text = format!("courier{d}service{d}destination{d}price_per_kg{d}min_kg{d}etd\n");
            for r in &rows {
                let etd = r.etd.map(|e| e.to_string()).unwrap_or_default();
                text.push_str(&format!(
                    "\"{}\"{d}{}{d}{}{d}{}{d}{}{d}{}\n",
                    r.courier,
                    r.service,
                    r.dest.as_str().replace('.', ""),
                    crate::money::format_number(r.price_per_kg.0),
                    r.min_kg,
                    etd,
                ));
            }
            prop_assert_eq!(parse_rate_csv(&text), Ok(table));
        }

        #[test]
        fn options_are_sorted_by_fee(rows in proptest::collection::vec(rate(), 1..60), grams in 0u32..200_000) {
            let Ok(table) = RateTable::from_rows(rows) else { return Ok(()); };
            for dest in table.rows().iter().map(|r| r.dest.clone()).collect::<BTreeSet<_>>() {
                let opts = courier_options(&table, &dest, grams);
                let expected = table.rows().iter().filter(|r| r.dest == dest).count();
                prop_assert_eq!(opts.len(), expected);
                prop_assert!(opts.windows(2).all(|w| w[0].fee <= w[1].fee));
            }
        }

        #[test]
        fn the_reader_never_panics(text in "[a-z0-9,;\"\\n\\r. -]{0,200}") {
            let _ = parse_rate_csv(&text);
        }
    }
}
