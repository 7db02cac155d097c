//! The catalogue's shapes and checks: categories, product names, SKUs and barcodes, prices
//! (member and wholesale), weight, stock, the seller's description with its safe rendering, the
//! curation life cycle and the marketplace faces a product is listed on.
//!
//! Like the rest of the core, every value that exists is valid: a [`ProductName`] is trimmed
//! and of a sensible length, a [`Barcode`] has a correct check digit, a [`WholesaleTiers`] is
//! ordered and cheaper at every step. Rules that tie two fields together (a member price not
//! above the price, tiers below the base price) are functions the store calls when it saves a
//! product, because either field may change alone.

use crate::codes::string_serde;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::code_enum;
use crate::lang::{Lang, Msg};
use crate::money::{MoneyError, Rupiah, format_number};

// ---------------------------------------------------------------------------------------------
// Categories

code_enum! {
    /// The fixed UMKM category tree (one level), in menu order: food first because it is the
    /// largest group of East Java UMKM and of OPOP products, staple groceries next because they
    /// are what Tomiko's coops trade most, services last. The slugs are stored and used in URLs.
    Category {
        MakananMinuman => "makanan-minuman", "Makanan & Minuman", "Food & Drinks";
        /// Rice, sugar, oil, eggs… in bulk or retail packs.
        Sembako => "sembako", "Sembako & Bahan Pokok", "Staple Groceries";
        PertanianPerkebunan => "pertanian-perkebunan", "Pertanian & Perkebunan", "Farm & Plantation Produce";
        PeternakanPerikanan => "peternakan-perikanan", "Peternakan & Perikanan", "Livestock & Fisheries";
        /// Fertiliser, seed and feed: what village coops (KUD) supply to their farmer members.
        SaranaProduksi => "sarana-produksi", "Sarana Produksi (Pupuk, Bibit, Pakan)", "Farm Inputs (Fertiliser, Seed, Feed)";
        FashionBatik => "fashion-batik", "Fashion & Batik", "Fashion & Batik";
        Kerajinan => "kerajinan", "Kerajinan", "Crafts";
        KecantikanPerawatan => "kecantikan-perawatan", "Kecantikan & Perawatan", "Beauty & Personal Care";
        /// Jamu and other herbal products.
        KesehatanHerbal => "kesehatan-herbal", "Kesehatan & Herbal (Jamu)", "Health & Herbal (Jamu)";
        RumahTangga => "rumah-tangga", "Rumah Tangga", "Household";
        /// Kitab, Qur'an, sarung, peci, mukena, sajadah: what pesantren shops sell.
        BukuIbadah => "buku-perlengkapan-ibadah", "Buku & Perlengkapan Ibadah", "Books & Prayer Supplies";
        Jasa => "jasa", "Jasa", "Services";
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a catalogue value or a curation step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    NameEmpty,
    /// Fewer than [`NAME_MIN_CHARS`] characters (the count given).
    NameTooShort(usize),
    /// More than [`NAME_MAX_CHARS`] characters (the count given).
    NameTooLong(usize),
    /// An invisible control character (not a space, tab or line break).
    NameControlCharacter,

    SkuEmpty,
    /// More than [`SKU_MAX_CHARS`] characters.
    SkuTooLong(usize),
    /// A character outside `A-Z a-z 0-9 - _ . /`.
    SkuInvalidCharacter(char),

    BarcodeEmpty,
    BarcodeInvalidCharacter(char),
    /// The number of digits, when it is not 8, 12 or 13.
    BarcodeWrongLength(usize),
    BarcodeBadCheckDigit {
        expected: u8,
        given: u8,
    },

    /// A price typed in a form that is not an amount.
    PriceInvalid(MoneyError),
    PriceNotPositive,
    /// More than [`MAX_PRICE`].
    PriceTooHigh,
    MemberPriceNotPositive,
    MemberPriceAbovePrice {
        member: Rupiah,
        price: Rupiah,
    },

    /// An entry of the tier text without `:` or `=` between quantity and price.
    TierMissingSeparator {
        line: usize,
        text: String,
    },
    /// The quantity of an entry is not a whole number.
    TierBadQuantity {
        line: usize,
        text: String,
    },
    /// The price of an entry is not an amount.
    TierBadPrice {
        line: usize,
        text: String,
        err: MoneyError,
    },
    /// A minimum quantity below 2: one piece is the base price.
    TierQuantityTooSmall {
        line: usize,
        qty: u32,
    },
    /// A tier price of 0 or more than [`MAX_PRICE`].
    TierPriceOutOfRange {
        line: usize,
        price: Rupiah,
    },
    /// Two tiers with the same minimum quantity.
    TierDuplicateQuantity {
        line: usize,
        qty: u32,
    },
    /// A tier for more pieces that is not cheaper than the tier for fewer.
    TierPriceNotDecreasing {
        line: usize,
        qty: u32,
        price: Rupiah,
        prev_qty: u32,
        prev_price: Rupiah,
    },
    /// A tier price not below the base price.
    TierPriceNotBelowBase {
        qty: u32,
        price: Rupiah,
        base: Rupiah,
    },
    /// More than [`MAX_TIERS`] tiers (the count given).
    TooManyTiers(usize),

    WeightEmpty,
    WeightNegative,
    /// Not a number followed by an optional unit.
    WeightInvalid,
    /// A unit other than g and kg (as typed).
    WeightUnknownUnit(String),
    /// A decimal in grams: weights are whole grams.
    WeightNotWholeGrams,
    /// More than three decimals of a kilogram: finer than a gram.
    WeightTooPrecise,
    /// `1.000 kg`: one kilogram or a thousand?
    WeightAmbiguous,
    WeightZero,
    /// More than [`MAX_GRAMS`].
    WeightTooHeavy,

    StockEmpty,
    StockNegative,
    /// A decimal: stock is counted in whole pieces.
    StockNotWhole,
    StockInvalidCharacter(char),
    StockTooLarge,

    /// More than [`DESCRIPTION_MAX_CHARS`] characters (the count given).
    DescriptionTooLong(usize),
    /// An invisible control character other than line breaks and tabs.
    DescriptionControlCharacter,

    /// The curation step is not possible from the product's status.
    TransitionRefused {
        from: ProductStatus,
        action: CurationAction,
    },

    /// A marketplace face code that does not exist.
    UnknownFace(String),
}

/// At most 40 characters of what was typed, for a message that quotes it.
fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    let t = s.trim();
    if t.chars().count() <= MAX {
        t.to_string()
    } else {
        let mut cut: String = t.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

impl CatalogError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        use CatalogError as E;
        match self {
            E::NameEmpty => Msg::new("Nama produk wajib diisi", "The product name is required"),
            E::NameTooShort(n) => Msg::new(
                format!("Nama produk paling sedikit {NAME_MIN_CHARS} huruf; yang diisi {n}"),
                format!(
                    "The product name needs at least {NAME_MIN_CHARS} characters; {n} were given"
                ),
            ),
            E::NameTooLong(n) => Msg::new(
                format!("Nama produk paling banyak {NAME_MAX_CHARS} huruf; yang diisi {n}"),
                format!(
                    "The product name may have at most {NAME_MAX_CHARS} characters; {n} were given"
                ),
            ),
            E::NameControlCharacter => Msg::new(
                "Nama produk berisi karakter tak terlihat; ketik ulang namanya",
                "The product name contains an invisible character; please retype it",
            ),
            E::SkuEmpty => Msg::new("Kode SKU wajib diisi", "The SKU is required"),
            E::SkuTooLong(n) => Msg::new(
                format!("Kode SKU paling banyak {SKU_MAX_CHARS} karakter; yang diisi {n}"),
                format!("An SKU may have at most {SKU_MAX_CHARS} characters; {n} were given"),
            ),
            E::SkuInvalidCharacter(c) => Msg::new(
                format!(
                    "Kode SKU hanya boleh berisi huruf, angka, -, _, . dan /; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "An SKU may only contain letters, digits, -, _, . and /; the character '{c}' is not allowed"
                ),
            ),
            E::BarcodeEmpty => Msg::new("Barcode wajib diisi", "The barcode is required"),
            E::BarcodeInvalidCharacter(c) => Msg::new(
                format!("Barcode hanya berisi angka; karakter '{c}' tidak boleh dipakai"),
                format!("A barcode has only digits; the character '{c}' is not allowed"),
            ),
            E::BarcodeWrongLength(n) => Msg::new(
                format!(
                    "Barcode harus 13 digit (EAN-13), 8 digit (EAN-8) atau 12 digit (UPC-A); yang diisi {n} digit"
                ),
                format!(
                    "A barcode has 13 digits (EAN-13), 8 (EAN-8) or 12 (UPC-A); {n} digits were given"
                ),
            ),
            E::BarcodeBadCheckDigit { expected, given } => Msg::new(
                format!(
                    "Angka terakhir barcode seharusnya {expected}, bukan {given}; periksa kembali angkanya"
                ),
                format!(
                    "The last digit of the barcode should be {expected}, not {given}; please check the digits"
                ),
            ),
            E::PriceInvalid(e) => e.msg(),
            E::PriceNotPositive => Msg::new(
                "Harga harus lebih dari Rp 0",
                "The price must be more than Rp 0",
            ),
            E::PriceTooHigh => Msg::new(
                format!("Harga paling tinggi {MAX_PRICE}"),
                format!("The price may be at most {MAX_PRICE}"),
            ),
            E::MemberPriceNotPositive => Msg::new(
                "Harga anggota harus lebih dari Rp 0; kosongkan bila tidak ada harga anggota",
                "The member price must be more than Rp 0; leave it empty if there is none",
            ),
            E::MemberPriceAbovePrice { member, price } => Msg::new(
                format!("Harga anggota {member} tidak boleh lebih tinggi dari harga biasa {price}"),
                format!("The member price {member} cannot be above the normal price {price}"),
            ),
            E::TierMissingSeparator { line, text } => Msg::new(
                format!(
                    "Baris {line} (\"{text}\"): tulis jumlah minimum dan harga, misalnya 10: 9.000"
                ),
                format!(
                    "Line {line} (\"{text}\"): write the minimum quantity and the price, e.g. 10: 9.000"
                ),
            ),
            E::TierBadQuantity { line, text } => Msg::new(
                format!(
                    "Baris {line} (\"{text}\"): jumlah minimum harus bilangan bulat, misalnya 10: 9.000"
                ),
                format!(
                    "Line {line} (\"{text}\"): the minimum quantity must be a whole number, e.g. 10: 9.000"
                ),
            ),
            E::TierBadPrice { line, text, err } => {
                let m = err.msg();
                Msg::new(
                    format!("Baris {line} (\"{text}\"): {}", m.id),
                    format!("Line {line} (\"{text}\"): {}", m.en),
                )
            }
            E::TierQuantityTooSmall { line, qty } => Msg::new(
                format!(
                    "Baris {line}: jumlah minimum grosir paling sedikit 2, bukan {qty}; harga untuk 1 barang adalah harga biasa"
                ),
                format!(
                    "Line {line}: a wholesale minimum quantity is at least 2, not {qty}; the price of 1 piece is the normal price"
                ),
            ),
            E::TierPriceOutOfRange { line, price } => Msg::new(
                format!(
                    "Baris {line}: harga grosir {price} harus lebih dari Rp 0 dan paling tinggi {MAX_PRICE}"
                ),
                format!(
                    "Line {line}: the wholesale price {price} must be more than Rp 0 and at most {MAX_PRICE}"
                ),
            ),
            E::TierDuplicateQuantity { line, qty } => Msg::new(
                format!("Baris {line}: jumlah minimum {qty} sudah ditulis di baris lain"),
                format!("Line {line}: the minimum quantity {qty} is already on another line"),
            ),
            E::TierPriceNotDecreasing {
                line,
                qty,
                price,
                prev_qty,
                prev_price,
            } => Msg::new(
                format!(
                    "Baris {line}: harga untuk {qty} barang ({price}) harus lebih murah dari harga untuk {prev_qty} barang ({prev_price})"
                ),
                format!(
                    "Line {line}: the price for {qty} pieces ({price}) must be lower than the price for {prev_qty} pieces ({prev_price})"
                ),
            ),
            E::TierPriceNotBelowBase { qty, price, base } => Msg::new(
                format!(
                    "Harga grosir untuk {qty} barang ({price}) harus lebih murah dari harga biasa ({base})"
                ),
                format!(
                    "The wholesale price for {qty} pieces ({price}) must be lower than the normal price ({base})"
                ),
            ),
            E::TooManyTiers(n) => Msg::new(
                format!("Harga grosir paling banyak {MAX_TIERS} tingkat; yang diisi {n}"),
                format!("There may be at most {MAX_TIERS} wholesale tiers; {n} were given"),
            ),
            E::WeightEmpty => Msg::new("Berat wajib diisi", "The weight is required"),
            E::WeightNegative => {
                Msg::new("Berat tidak boleh negatif", "The weight cannot be negative")
            }
            E::WeightInvalid => Msg::new(
                "Berat tidak dikenali; tulis misalnya 250 g atau 1,5 kg",
                "The weight is not recognised; write e.g. 250 g or 1,5 kg",
            ),
            E::WeightUnknownUnit(u) => Msg::new(
                format!("Satuan '{u}' tidak dikenal; pakai g atau kg, misalnya 250 g atau 1,5 kg"),
                format!("The unit '{u}' is unknown; use g or kg, e.g. 250 g or 1,5 kg"),
            ),
            E::WeightNotWholeGrams => Msg::new(
                "Berat dalam gram ditulis tanpa koma, misalnya 250 g; untuk pecahan pakai kg, misalnya 1,5 kg",
                "Grams are whole numbers, e.g. 250 g; for fractions use kg, e.g. 1,5 kg",
            ),
            E::WeightTooPrecise => Msg::new(
                "Berat paling teliti 1 gram: paling banyak tiga angka di belakang koma untuk kg",
                "Weights are precise to the gram: at most three decimals of a kg",
            ),
            E::WeightAmbiguous => Msg::new(
                "Berat ini bisa dibaca dua cara; tulis misalnya 1 kg, 1,5 kg atau 1000 kg",
                "This weight can be read two ways; write e.g. 1 kg, 1,5 kg or 1000 kg",
            ),
            E::WeightZero => Msg::new("Berat harus lebih dari 0", "The weight must be more than 0"),
            E::WeightTooHeavy => Msg::new(
                "Berat paling banyak 1000 kg per barang",
                "The weight may be at most 1000 kg per piece",
            ),
            E::StockEmpty => Msg::new("Stok wajib diisi", "The stock is required"),
            E::StockNegative => {
                Msg::new("Stok tidak boleh negatif", "The stock cannot be negative")
            }
            E::StockNotWhole => Msg::new(
                "Stok dihitung per barang: tulis bilangan bulat tanpa koma, misalnya 25",
                "Stock is counted in whole pieces: write a whole number, e.g. 25",
            ),
            E::StockInvalidCharacter(c) => Msg::new(
                format!("Stok hanya berisi angka, misalnya 25; karakter '{c}' tidak boleh dipakai"),
                format!("Stock is a number, e.g. 25; the character '{c}' is not allowed"),
            ),
            E::StockTooLarge => Msg::new("Stok terlalu besar", "The stock is too large"),
            E::DescriptionTooLong(n) => Msg::new(
                format!("Deskripsi paling banyak {DESCRIPTION_MAX_CHARS} karakter; yang diisi {n}"),
                format!(
                    "The description may have at most {DESCRIPTION_MAX_CHARS} characters; {n} were given"
                ),
            ),
            E::DescriptionControlCharacter => Msg::new(
                "Deskripsi berisi karakter tak terlihat; ketik ulang bagian yang disalin",
                "The description contains an invisible character; please retype the pasted part",
            ),
            E::TransitionRefused { from, action } => Msg::new(
                format!(
                    "Langkah \"{}\" tidak bisa dilakukan pada produk berstatus \"{}\"",
                    action.label(Lang::Id),
                    from.label(Lang::Id)
                ),
                format!(
                    "\"{}\" is not possible for a product that is \"{}\"",
                    action.label(Lang::En),
                    from.label(Lang::En).to_lowercase()
                ),
            ),
            E::UnknownFace(code) => Msg::new(
                format!("Etalase '{code}' tidak dikenal"),
                format!("The marketplace '{code}' is unknown"),
            ),
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

// ---------------------------------------------------------------------------------------------
// Product name

pub const NAME_MIN_CHARS: usize = 3;
pub const NAME_MAX_CHARS: usize = 120;

/// A product's name: trimmed, every run of whitespace (tabs and line breaks included) made one
/// space, 3–120 characters, no invisible control characters.
///
/// Control characters other than whitespace (NUL, escape, …) and the bidirectional overrides
/// (U+202A–U+202E, U+2066–U+2069, which can make a name read differently from what it is) are
/// refused rather than dropped: they come from a bad paste, and silently changing a name is
/// worse than asking. HTML in a name is not refused; templates escape it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductName(String);

/// A control character that is not whitespace, or a bidirectional override.
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl ProductName {
    pub fn parse(s: &str) -> Result<ProductName, CatalogError> {
        if s.chars().any(is_hidden_control) {
            return Err(CatalogError::NameControlCharacter);
        }
        let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = name.chars().count();
        if n == 0 {
            return Err(CatalogError::NameEmpty);
        }
        if n < NAME_MIN_CHARS {
            return Err(CatalogError::NameTooShort(n));
        }
        if n > NAME_MAX_CHARS {
            return Err(CatalogError::NameTooLong(n));
        }
        Ok(ProductName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// SKU

pub const SKU_MAX_CHARS: usize = 40;

/// A seller's stock-keeping code: 1–40 characters of `A-Z a-z 0-9 - _ . /`, surrounding spaces
/// trimmed. Kept as typed (sellers recognise their own spelling) but compared, hashed and
/// ordered ignoring case, so `kopi-250` and `KOPI-250` are one SKU; [`Sku::key`] is the form
/// for a unique index.
#[derive(Debug, Clone)]
pub struct Sku(String);

impl Sku {
    pub fn parse(s: &str) -> Result<Sku, CatalogError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(CatalogError::SkuEmpty);
        }
        if let Some(c) = t
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '-' | '_' | '.' | '/'))
        {
            return Err(CatalogError::SkuInvalidCharacter(c));
        }
        // Only ASCII from here, so bytes are characters.
        if t.len() > SKU_MAX_CHARS {
            return Err(CatalogError::SkuTooLong(t.len()));
        }
        Ok(Sku(t.to_string()))
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Upper-cased: what two SKUs are compared by.
    pub fn key(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

impl PartialEq for Sku {
    fn eq(&self, other: &Sku) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Sku {}

impl Hash for Sku {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_uppercase());
        }
        state.write_u8(0xff);
    }
}

impl PartialOrd for Sku {
    fn partial_cmp(&self, other: &Sku) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sku {
    fn cmp(&self, other: &Sku) -> Ordering {
        let a = self.0.bytes().map(|b| b.to_ascii_uppercase());
        let b = other.0.bytes().map(|b| b.to_ascii_uppercase());
        a.cmp(b)
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Barcode

/// The retail barcode symbologies accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeKind {
    /// 13 digits; Indonesian GS1 numbers start with 899.
    Ean13,
    /// 8 digits, for small packs.
    Ean8,
    /// 12 digits, North American products.
    UpcA,
}

/// An EAN-13, EAN-8 or UPC-A number with a correct GS1 check digit, stored as bare digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Barcode(String);

/// The GS1 check digit of `body` (the digits before it, as numbers 0–9): weights 3 and 1
/// alternate from the rightmost digit, and the check digit brings the sum to a multiple of 10.
fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    // `sum % 10` is below 10, so the result fits a u8.
    ((10 - sum % 10) % 10) as u8
}

impl Barcode {
    /// Reads a barcode's digits as printed under the bars; spaces are ignored.
    pub fn parse(s: &str) -> Result<Barcode, CatalogError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(CatalogError::BarcodeEmpty);
        }
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(CatalogError::BarcodeInvalidCharacter(c));
        }
        if !matches!(digits.len(), 8 | 12 | 13) {
            return Err(CatalogError::BarcodeWrongLength(digits.len()));
        }
        let nums: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        let (body, last) = nums.split_at(nums.len() - 1);
        let expected = gs1_check_digit(body);
        let given = last[0];
        if expected != given {
            return Err(CatalogError::BarcodeBadCheckDigit { expected, given });
        }
        Ok(Barcode(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The symbology, from the length.
    pub fn kind(&self) -> BarcodeKind {
        match self.0.len() {
            8 => BarcodeKind::Ean8,
            12 => BarcodeKind::UpcA,
            _ => BarcodeKind::Ean13,
        }
    }
}

impl fmt::Display for Barcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Prices

/// The highest price one piece may have: Rp 1.000.000.000. Above that it is a typing mistake
/// in a UMKM catalogue (an extra zero or two), not a product.
pub const MAX_PRICE: Rupiah = Rupiah(1_000_000_000);

/// A product's (or a tier's) price: more than Rp 0 and at most [`MAX_PRICE`].
pub fn check_price(p: Rupiah) -> Result<Rupiah, CatalogError> {
    if !p.is_positive() {
        return Err(CatalogError::PriceNotPositive);
    }
    if p > MAX_PRICE {
        return Err(CatalogError::PriceTooHigh);
    }
    Ok(p)
}

/// Reads a price typed in a form (`Rp 25.000`, `25000`) and checks it with [`check_price`].
pub fn parse_price(s: &str) -> Result<Rupiah, CatalogError> {
    let p = Rupiah::parse(s).map_err(CatalogError::PriceInvalid)?;
    check_price(p)
}

/// The optional member price (harga anggota): when there is one, more than Rp 0 and not above
/// the normal `price` (equal is allowed: a seller may keep one price while listing it as the
/// member price).
pub fn check_member_price(
    member: Option<Rupiah>,
    price: Rupiah,
) -> Result<Option<Rupiah>, CatalogError> {
    match member {
        None => Ok(None),
        Some(m) if !m.is_positive() => Err(CatalogError::MemberPriceNotPositive),
        Some(m) if m > price => Err(CatalogError::MemberPriceAbovePrice { member: m, price }),
        Some(m) => Ok(Some(m)),
    }
}

// ---------------------------------------------------------------------------------------------
// Wholesale tiers

/// At most this many wholesale tiers per product: enough for the steps sellers use (a dozen,
/// a box, a carton…) and short enough to show on a phone.
pub const MAX_TIERS: usize = 5;

/// One wholesale step: from `min_qty` pieces, each costs `price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tier {
    pub min_qty: u32,
    pub price: Rupiah,
}

/// A product's wholesale prices (harga grosir).
///
/// Invariant: at most [`MAX_TIERS`] tiers, sorted by `min_qty`, each `min_qty` at least 2 and
/// strictly larger than the one before, each price within [`check_price`] and strictly lower
/// than the one before. That the first price is below the product's base price is checked by
/// [`WholesaleTiers::check_below`] when the product is saved, since the base price may change
/// on its own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<Tier>", into = "Vec<Tier>")]
pub struct WholesaleTiers(Vec<Tier>);

/// Checks tiers given with their line numbers (in the order typed) and sorts them.
fn build_tiers(mut tiers: Vec<(usize, Tier)>) -> Result<WholesaleTiers, CatalogError> {
    for (line, t) in &tiers {
        if t.min_qty < 2 {
            return Err(CatalogError::TierQuantityTooSmall {
                line: *line,
                qty: t.min_qty,
            });
        }
        if check_price(t.price).is_err() {
            return Err(CatalogError::TierPriceOutOfRange {
                line: *line,
                price: t.price,
            });
        }
    }
    // Order does not change what the seller meant, so tiers typed out of order are sorted
    // rather than refused; a stable sort keeps a duplicate's later line second.
    tiers.sort_by_key(|(_, t)| t.min_qty);
    for pair in tiers.windows(2) {
        let (_, prev) = pair[0];
        let (line, t) = pair[1];
        if t.min_qty == prev.min_qty {
            return Err(CatalogError::TierDuplicateQuantity {
                line,
                qty: t.min_qty,
            });
        }
        if t.price >= prev.price {
            return Err(CatalogError::TierPriceNotDecreasing {
                line,
                qty: t.min_qty,
                price: t.price,
                prev_qty: prev.min_qty,
                prev_price: prev.price,
            });
        }
    }
    if tiers.len() > MAX_TIERS {
        return Err(CatalogError::TooManyTiers(tiers.len()));
    }
    Ok(WholesaleTiers(tiers.into_iter().map(|(_, t)| t).collect()))
}

impl WholesaleTiers {
    /// No wholesale prices.
    pub fn empty() -> WholesaleTiers {
        WholesaleTiers(Vec::new())
    }

    /// Checks tiers (e.g. read back from the database or sent through the API), in any order;
    /// errors name a tier by its position, from 1.
    pub fn new(tiers: Vec<Tier>) -> Result<WholesaleTiers, CatalogError> {
        build_tiers(
            tiers
                .into_iter()
                .enumerate()
                .map(|(i, t)| (i + 1, t))
                .collect(),
        )
    }

    /// The tiers, by increasing quantity.
    pub fn tiers(&self) -> &[Tier] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every tier price must be below the product's base price, or the tier is pointless (and
    /// usually a typing mistake).
    pub fn check_below(&self, base: Rupiah) -> Result<(), CatalogError> {
        match self.0.iter().find(|t| t.price >= base) {
            Some(t) => Err(CatalogError::TierPriceNotBelowBase {
                qty: t.min_qty,
                price: t.price,
                base,
            }),
            None => Ok(()),
        }
    }

    /// The price of the highest tier whose minimum is reached by `qty`, if any.
    pub fn price_for(&self, qty: u32) -> Option<Rupiah> {
        self.0
            .iter()
            .rev()
            .find(|t| t.min_qty <= qty)
            .map(|t| t.price)
    }

    /// One tier per line, `10: 9.000`: the form [`parse_tiers`] reads, to fill a text area.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|t| format!("{}: {}", t.min_qty, format_number(t.price.0)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl TryFrom<Vec<Tier>> for WholesaleTiers {
    type Error = CatalogError;

    fn try_from(tiers: Vec<Tier>) -> Result<WholesaleTiers, CatalogError> {
        WholesaleTiers::new(tiers)
    }
}

impl From<WholesaleTiers> for Vec<Tier> {
    fn from(t: WholesaleTiers) -> Vec<Tier> {
        t.0
    }
}

/// `10: 9.000; 20: 8.500`, on one line.
impl fmt::Display for WholesaleTiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text().replace('\n', "; "))
    }
}

/// Reads wholesale tiers as a seller types them: one `quantity: price` or `quantity = price`
/// per line, or several separated by commas or semicolons (`10: 9.000, 20 = Rp 8.500`).
/// Prices are Indonesian amounts as [`Rupiah::parse`] reads them. Blank entries are skipped;
/// an empty text is no tiers. Errors name the entry ("line") by its number, from 1, and quote
/// it. The base price is checked separately, see [`WholesaleTiers::check_below`].
///
/// A comma never belongs to an amount (rupiah have no decimals), so `9.000,50` splits into
/// `9.000` and an entry `50`, which is refused as having no price.
pub fn parse_tiers(text: &str) -> Result<WholesaleTiers, CatalogError> {
    let mut tiers = Vec::new();
    let entries = text
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty());
    for (i, entry) in entries.enumerate() {
        let line = i + 1;
        let Some((qty, price)) = entry.split_once([':', '=']) else {
            return Err(CatalogError::TierMissingSeparator {
                line,
                text: snippet(entry),
            });
        };
        let qty = qty.trim();
        if qty.is_empty() || !qty.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CatalogError::TierBadQuantity {
                line,
                text: snippet(entry),
            });
        }
        // All digits: only too many of them fails, and that is no quantity either.
        let min_qty: u32 = qty.parse().map_err(|_| CatalogError::TierBadQuantity {
            line,
            text: snippet(entry),
        })?;
        let price = Rupiah::parse(price).map_err(|err| CatalogError::TierBadPrice {
            line,
            text: snippet(entry),
            err,
        })?;
        tiers.push((line, Tier { min_qty, price }));
    }
    build_tiers(tiers)
}

/// The price of one piece when `qty` pieces are bought: the lowest of the base price, the
/// member price (for members only) and the price of the highest tier `qty` reaches.
///
/// Never above `base`, and never higher for more pieces. A member price of 0 or less is
/// ignored rather than trusted ([`check_member_price`] keeps such a price out of the
/// database; this keeps a bad value out of a checkout too).
pub fn unit_price(
    base: Rupiah,
    member_price: Option<Rupiah>,
    tiers: &WholesaleTiers,
    qty: u32,
    is_member: bool,
) -> Rupiah {
    let mut best = base;
    if is_member
        && let Some(m) = member_price
        && m.is_positive()
    {
        best = best.min(m);
    }
    if let Some(t) = tiers.price_for(qty) {
        best = best.min(t);
    }
    best
}

// ---------------------------------------------------------------------------------------------
// Weight

pub const MIN_GRAMS: u32 = 1;
/// A tonne: the heaviest single piece (a sack of fertiliser, a pallet of rice) a listing needs.
pub const MAX_GRAMS: u32 = 1_000_000;

/// A shipping weight in whole grams, 1 g to 1 000 kg. Serialized as the number of grams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Weight(u32);

/// `s` is a thousands-grouped number: 1–3 digits without a leading zero, then groups of 3
/// after dots (`1.500`, `12.000`).
fn is_dot_grouped(s: &str) -> bool {
    let mut groups = s.split('.');
    let first = groups.next().unwrap_or_default();
    (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Digits as a number, `None` on overflow (or if `s` is not all digits).
fn digits_value(s: &str) -> Option<u64> {
    s.bytes().try_fold(0u64, |acc, b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

impl Weight {
    /// A weight of `grams`, within 1 g – 1 000 kg.
    pub fn from_grams(grams: u32) -> Result<Weight, CatalogError> {
        if grams < MIN_GRAMS {
            return Err(CatalogError::WeightZero);
        }
        if grams > MAX_GRAMS {
            return Err(CatalogError::WeightTooHeavy);
        }
        Ok(Weight(grams))
    }

    /// Reads a weight: `250`, `250 g`, `250gr`, `1.500 g`, `1,5 kg`, `1.5kg`, `2 KG`,
    /// `0.250 kg`.
    ///
    /// Without a unit, or with `g`/`gr`/`gram`, the number is whole grams, with dots allowed
    /// only between thousands (`1.500 g`). With `kg`/`kilo`/`kilogram`, a comma is a decimal
    /// comma, and so is a dot followed by one or two digits (`1.5kg`) or after a zero
    /// (`0.250 kg`); `1.500 kg` is refused as ambiguous (one and a half, or fifteen hundred?).
    /// At most three decimals, since weights are whole grams.
    pub fn parse(s: &str) -> Result<Weight, CatalogError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(CatalogError::WeightEmpty);
        }
        if t.starts_with('-') {
            return Err(CatalogError::WeightNegative);
        }
        let split = t
            .find(|c: char| !c.is_ascii_digit() && c != '.' && c != ',')
            .unwrap_or(t.len());
        let (number, unit) = (&t[..split], t[split..].trim());
        if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(CatalogError::WeightInvalid);
        }
        let grams = match unit.to_lowercase().as_str() {
            "" | "g" | "gr" | "gram" => grams_from_grams(number)?,
            "kg" | "kilo" | "kilogram" => grams_from_kg(number)?,
            _ => return Err(CatalogError::WeightUnknownUnit(unit.to_string())),
        };
        let grams = u32::try_from(grams).map_err(|_| CatalogError::WeightTooHeavy)?;
        Weight::from_grams(grams)
    }

    pub fn grams(self) -> u32 {
        self.0
    }
}

/// A number of grams: digits, or digits grouped by thousands with dots.
fn grams_from_grams(number: &str) -> Result<u64, CatalogError> {
    if number.contains(',') || (number.contains('.') && !is_dot_grouped(number)) {
        return Err(CatalogError::WeightNotWholeGrams);
    }
    digits_value(&number.replace('.', "")).ok_or(CatalogError::WeightTooHeavy)
}

/// A number of kilograms, in grams: see [`Weight::parse`] for which separators are decimal.
fn grams_from_kg(number: &str) -> Result<u64, CatalogError> {
    let seps = number.matches(['.', ',']).count();
    let (whole, frac) = match seps {
        0 => (number, ""),
        1 => {
            let Some(i) = number.find(['.', ',']) else {
                return Err(CatalogError::WeightInvalid);
            };
            let (whole, frac) = (&number[..i], &number[i + 1..]);
            if whole.is_empty() || frac.is_empty() {
                return Err(CatalogError::WeightInvalid);
            }
            if number.as_bytes()[i] == b'.' && frac.len() == 3 && whole != "0" {
                return Err(CatalogError::WeightAmbiguous);
            }
            (whole, frac)
        }
        _ => return Err(CatalogError::WeightInvalid),
    };
    let frac = frac.trim_end_matches('0');
    if frac.len() > 3 {
        return Err(CatalogError::WeightTooPrecise);
    }
    let whole = digits_value(whole).ok_or(CatalogError::WeightTooHeavy)?;
    let frac_grams = format!("{frac:0<3}");
    let frac_grams = digits_value(&frac_grams).ok_or(CatalogError::WeightInvalid)?;
    whole
        .checked_mul(1000)
        .and_then(|g| g.checked_add(frac_grams))
        .ok_or(CatalogError::WeightTooHeavy)
}

impl TryFrom<u32> for Weight {
    type Error = CatalogError;

    fn try_from(grams: u32) -> Result<Weight, CatalogError> {
        Weight::from_grams(grams)
    }
}

impl From<Weight> for u32 {
    fn from(w: Weight) -> u32 {
        w.0
    }
}

/// `250 g` below a kilogram; from there `1 kg`, `1,5 kg`, `1,25 kg`, `1000 kg` (decimal comma,
/// trailing zeros dropped, no thousands dot, so that [`Weight::parse`] reads it back).
impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 1000 {
            return write!(f, "{} g", self.0);
        }
        let (kg, g) = (self.0 / 1000, self.0 % 1000);
        if g == 0 {
            write!(f, "{kg} kg")
        } else {
            let frac = format!("{g:03}");
            write!(f, "{kg},{} kg", frac.trim_end_matches('0'))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stock

/// Pieces in stock: a whole number, never negative (the store decrements with a conditional
/// update that cannot go below zero). Any `u32` is valid, so it serializes as a plain number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Stock(u32);

impl Stock {
    pub const ZERO: Stock = Stock(0);

    pub fn new(pieces: u32) -> Stock {
        Stock(pieces)
    }

    /// Reads a typed stock count: `25`, `1.500` (dots between thousands, as Indonesian writes
    /// them). Refuses a minus sign, decimals (`2,5`, `2.5`), letters and spaces inside.
    pub fn parse(s: &str) -> Result<Stock, CatalogError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(CatalogError::StockEmpty);
        }
        if t.starts_with('-') {
            return Err(CatalogError::StockNegative);
        }
        if let Some(c) = t
            .chars()
            .find(|c| !c.is_ascii_digit() && *c != '.' && *c != ',')
        {
            return Err(CatalogError::StockInvalidCharacter(c));
        }
        if t.contains(',') || (t.contains('.') && !is_dot_grouped(t)) {
            return Err(CatalogError::StockNotWhole);
        }
        let n = digits_value(&t.replace('.', "")).ok_or(CatalogError::StockTooLarge)?;
        u32::try_from(n)
            .map(Stock)
            .map_err(|_| CatalogError::StockTooLarge)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The stock after `qty` pieces leave; `None` if there are not that many.
    pub fn take(self, qty: u32) -> Option<Stock> {
        self.0.checked_sub(qty).map(Stock)
    }
}

impl fmt::Display for Stock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_number(i64::from(self.0)))
    }
}

// ---------------------------------------------------------------------------------------------
// Description

pub const DESCRIPTION_MAX_CHARS: usize = 5_000;

/// The seller's description of a product, as typed, with a small safe formatting:
/// - a blank line separates paragraphs; a single line break stays a line break;
/// - a line starting with `- ` or `* ` is a bullet item;
/// - `**bold**` and `_italic_` within a line.
///
/// No links, images or HTML: [`Description::render_html`] escapes everything typed, so text
/// such as `<script>` or `javascript:` is shown, never run.
///
/// Invariant: at most [`DESCRIPTION_MAX_CHARS`] characters, line breaks normalised to `\n`,
/// trimmed, no control characters other than line breaks and tabs. Empty is allowed (whether a
/// product needs a description is the curator's call).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Description(String);

impl Description {
    pub fn parse(s: &str) -> Result<Description, CatalogError> {
        let text = s.replace("\r\n", "\n").replace('\r', "\n");
        let text = text.trim();
        if text
            .chars()
            .any(|c| c != '\n' && c != '\t' && is_hidden_control_or_break(c))
        {
            return Err(CatalogError::DescriptionControlCharacter);
        }
        let n = text.chars().count();
        if n > DESCRIPTION_MAX_CHARS {
            return Err(CatalogError::DescriptionTooLong(n));
        }
        Ok(Description(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The description as HTML, safe to put inside a page as is.
    ///
    /// Emits only `<p>`, `<br>`, `<ul>`, `<li>`, `<strong>` and `<em>`, always balanced; every
    /// `<`, `>`, `&`, `"` and `'` typed by the seller is escaped.
    pub fn render_html(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4 + 16);
        let mut para: Vec<&str> = Vec::new();
        let mut items: Vec<&str> = Vec::new();
        for line in self.0.split('\n') {
            let l = line.trim();
            if l.is_empty() {
                flush_paragraph(&mut out, &mut para);
                flush_list(&mut out, &mut items);
            } else if let Some(item) = l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")) {
                flush_paragraph(&mut out, &mut para);
                items.push(item.trim());
            } else {
                flush_list(&mut out, &mut items);
                para.push(l);
            }
        }
        flush_paragraph(&mut out, &mut para);
        flush_list(&mut out, &mut items);
        out
    }
}

/// A character refused in a description: a control character (line breaks other than `\n`,
/// such as U+0085 or U+2028, included) or a bidirectional override.
fn is_hidden_control_or_break(c: char) -> bool {
    c.is_control() || is_hidden_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Description {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates, like `parse`.
impl<'de> Deserialize<'de> for Description {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Description::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn flush_paragraph(out: &mut String, lines: &mut Vec<&str>) {
    if lines.is_empty() {
        return;
    }
    out.push_str("<p>");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        render_bold(out, line);
    }
    out.push_str("</p>");
    lines.clear();
}

fn flush_list(out: &mut String, items: &mut Vec<&str>) {
    if items.is_empty() {
        return;
    }
    out.push_str("<ul>");
    for item in items.iter() {
        out.push_str("<li>");
        render_bold(out, item);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    items.clear();
}

/// Appends `s` with every HTML-special character escaped.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// The first `**…**` in `s`: an opening `**` followed by a non-space, and the next `**` after
/// at least one character that follows a non-space. Returns (before, inside, after).
fn find_bold(s: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(rel) = s[from..].find("**") {
        let open = from + rel;
        let inner_start = open + 2;
        if s[inner_start..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace())
        {
            // Past the first character inside, which may be several bytes long.
            let first_len = s[inner_start..].chars().next().map_or(1, char::len_utf8);
            let mut search = inner_start + first_len;
            while search <= s.len() {
                let Some(rel_close) = s.get(search..).and_then(|r| r.find("**")) else {
                    break;
                };
                let close = search + rel_close;
                if s[..close]
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_whitespace())
                {
                    return Some((&s[..open], &s[inner_start..close], &s[close + 2..]));
                }
                search = close + 1;
            }
            // A closing `**` that does not fit this opening fits no later one either.
            return None;
        }
        from = open + 1;
    }
    None
}

/// Bold first, then italic inside and between the bold runs.
fn render_bold(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some((before, inner, after)) = find_bold(rest) {
        render_italic(out, before);
        out.push_str("<strong>");
        render_italic(out, inner);
        out.push_str("</strong>");
        rest = after;
    }
    render_italic(out, rest);
}

/// The first `_…_` in `s` whose underscores stand at word edges, so `nama_file_foto` and
/// `snake_case` stay as they are: the opening `_` is at the start or after a non-alphanumeric
/// character and before a non-space; the closing one is after a non-space and at the end or
/// before a non-alphanumeric character. Returns (before, inside, after).
fn find_italic(s: &str) -> Option<(&str, &str, &str)> {
    let opens = s.char_indices().filter(|&(i, c)| {
        c == '_'
            && s[..i]
                .chars()
                .next_back()
                .is_none_or(|p| !p.is_alphanumeric())
            && s[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| !n.is_whitespace() && n != '_')
    });
    for (open, _) in opens {
        let close = s[open + 1..].char_indices().find_map(|(rel, c)| {
            let j = open + 1 + rel;
            let ok = c == '_'
                && j > open + 1
                && s[..j]
                    .chars()
                    .next_back()
                    .is_some_and(|p| !p.is_whitespace())
                && s[j + 1..]
                    .chars()
                    .next()
                    .is_none_or(|n| !n.is_alphanumeric());
            ok.then_some(j)
        });
        if let Some(close) = close {
            return Some((&s[..open], &s[open + 1..close], &s[close + 1..]));
        }
    }
    None
}

fn render_italic(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some((before, inner, after)) = find_italic(rest) {
        escape_into(out, before);
        out.push_str("<em>");
        escape_into(out, inner);
        out.push_str("</em>");
        rest = after;
    }
    escape_into(out, rest);
}

// ---------------------------------------------------------------------------------------------
// Curation

code_enum! {
    /// Where a product stands in curation. Only [`ProductStatus::Approved`] products are shown
    /// to buyers; see [`transition`] for how a product moves.
    ProductStatus {
        /// Being written by the seller; nobody else sees it.
        Draft => "draft", "Draf", "Draft";
        /// Waiting for a curator.
        Submitted => "diajukan", "Diajukan", "Submitted";
        /// The curator asked the seller to fix something.
        ChangesRequested => "perlu_perbaikan", "Perlu perbaikan", "Changes requested";
        /// Curated and listed.
        Approved => "terkurasi", "Terkurasi", "Approved";
        /// Refused by the curator; the seller may fix it and submit again.
        Rejected => "ditolak", "Ditolak", "Rejected";
        /// Taken off the list, e.g. because a certificate expired.
        Suspended => "ditangguhkan", "Ditangguhkan", "Suspended";
        /// Withdrawn by the seller.
        Archived => "diarsipkan", "Diarsipkan", "Archived";
    }
}

code_enum! {
    /// A step in curation, by the seller or the curator (see [`CurationAction::by_curator`]).
    /// The codes are kept in the audit log.
    CurationAction {
        Submit => "ajukan", "Ajukan", "Submit";
        Approve => "setujui", "Setujui", "Approve";
        RequestChanges => "minta_perbaikan", "Minta perbaikan", "Request changes";
        Reject => "tolak", "Tolak", "Reject";
        Suspend => "tangguhkan", "Tangguhkan", "Suspend";
        Reinstate => "pulihkan", "Pulihkan", "Reinstate";
        Archive => "arsipkan", "Arsipkan", "Archive";
        /// A change to what the curator vouched for: the name, the category or a legality
        /// document. Price, stock, weight, photos and description changes are not curation
        /// steps and do not go through [`transition`].
        Edit => "ubah", "Ubah", "Edit";
    }
}

impl CurationAction {
    /// Taken by a curator (approve, request changes, reject, suspend, reinstate); the others
    /// by the seller. Suspending is also done by the system when a required certificate
    /// expires.
    pub fn by_curator(self) -> bool {
        matches!(
            self,
            CurationAction::Approve
                | CurationAction::RequestChanges
                | CurationAction::Reject
                | CurationAction::Suspend
                | CurationAction::Reinstate
        )
    }
}

impl ProductStatus {
    /// Shown to buyers: only curated products.
    pub fn is_listed(self) -> bool {
        self == ProductStatus::Approved
    }
}

/// The status after `action` on a product in status `from`.
///
/// The rules:
/// - **Submit** (seller) from draft, perlu perbaikan, ditolak, ditangguhkan or diarsipkan →
///   diajukan. A rejected product may be fixed and tried again; a suspended one comes back
///   through review once its document is renewed; an archived one is curated afresh, since it
///   may have been off the list for long.
/// - **Approve**, **RequestChanges**, **Reject** (curator) only from diajukan → terkurasi,
///   perlu perbaikan, ditolak.
/// - **Suspend** (curator or system) only from terkurasi → ditangguhkan; **Reinstate**
///   (curator) only from ditangguhkan → terkurasi, for when the cause is resolved without
///   changes to review (e.g. the renewed certificate was checked directly).
/// - **Archive** (seller) from any status but diarsipkan → diarsipkan.
/// - **Edit** (seller, a curated field changed): terkurasi → diajukan, because what the
///   curator approved is no longer what is listed; every other status stays as it is (a draft
///   stays a draft, a product under review stays under review with its new content, and a
///   rejected, changes-requested, suspended or archived product stays there until submitted).
/// - Everything else is refused, including doing the same step twice.
pub fn transition(
    from: ProductStatus,
    action: CurationAction,
) -> Result<ProductStatus, CatalogError> {
    use CurationAction as A;
    use ProductStatus as S;
    let to = match (from, action) {
        (S::Draft | S::ChangesRequested | S::Rejected | S::Suspended | S::Archived, A::Submit) => {
            S::Submitted
        }
        (S::Submitted, A::Approve) => S::Approved,
        (S::Submitted, A::RequestChanges) => S::ChangesRequested,
        (S::Submitted, A::Reject) => S::Rejected,
        (S::Approved, A::Suspend) => S::Suspended,
        (S::Suspended, A::Reinstate) => S::Approved,
        (s, A::Archive) if s != S::Archived => S::Archived,
        (S::Approved, A::Edit) => S::Submitted,
        (s, A::Edit) => s,
        _ => return Err(CatalogError::TransitionRefused { from, action }),
    };
    Ok(to)
}

/// Whether some step takes a product from `from` to a *different* status `to` (for a store's
/// conditional update: `… WHERE status IN (the statuses that can move to 'to')`).
pub fn can_move(from: ProductStatus, to: ProductStatus) -> bool {
    from != to
        && CurationAction::ALL
            .iter()
            .any(|a| transition(from, *a) == Ok(to))
}

/// The steps possible from `status`, in [`CurationAction::ALL`] order: the buttons to show.
pub fn allowed_actions(status: ProductStatus) -> Vec<CurationAction> {
    CurationAction::ALL
        .iter()
        .copied()
        .filter(|a| transition(status, *a).is_ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Marketplace faces

code_enum! {
    /// The three faces of the marketplace a product can be listed on.
    Face {
        /// Jatim Iso: the UMKM storefront, linked to the big marketplaces.
        JatimIso => "umkm", "Jatim Iso (etalase UMKM)", "Jatim Iso (UMKM storefront)";
        /// OPOP: curated products of pesantren and their coops.
        Opop => "opop", "OPOP (produk pesantren)", "OPOP (pesantren products)";
        /// Tomiko: wholesale between coops, run by a secondary coop.
        Tomiko => "tomiko", "Tomiko (grosir antar koperasi)", "Tomiko (coop-to-coop wholesale)";
    }
}

impl Face {
    fn bit(self) -> u8 {
        match self {
            Face::JatimIso => 1,
            Face::Opop => 2,
            Face::Tomiko => 4,
        }
    }
}

/// The set of faces a product is listed on. Stored and serialized as the codes joined by
/// commas in [`Face::ALL`] order (`umkm,tomiko`); empty is an empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListingScope(u8);

impl ListingScope {
    pub const NONE: ListingScope = ListingScope(0);

    pub fn of(faces: &[Face]) -> ListingScope {
        ListingScope(faces.iter().fold(0, |bits, f| bits | f.bit()))
    }

    pub fn contains(self, face: Face) -> bool {
        self.0 & face.bit() != 0
    }

    pub fn with(self, face: Face) -> ListingScope {
        ListingScope(self.0 | face.bit())
    }

    pub fn without(self, face: Face) -> ListingScope {
        ListingScope(self.0 & !face.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The faces, in [`Face::ALL`] order.
    pub fn faces(self) -> Vec<Face> {
        Face::ALL
            .iter()
            .copied()
            .filter(|f| self.contains(*f))
            .collect()
    }

    /// Reads codes separated by commas or spaces (`umkm,opop`, `opop tomiko`); repeats are
    /// harmless, an unknown code is refused.
    pub fn parse(s: &str) -> Result<ListingScope, CatalogError> {
        s.split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .try_fold(ListingScope::NONE, |scope, code| {
                Face::parse(code)
                    .map(|f| scope.with(f))
                    .ok_or_else(|| CatalogError::UnknownFace(snippet(code)))
            })
    }
}

impl fmt::Display for ListingScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.faces().iter().map(|x| x.as_str()).collect();
        f.write_str(&codes.join(","))
    }
}

impl Serialize for ListingScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserializing validates, like `parse`.
impl<'de> Deserialize<'de> for ListingScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ListingScope::parse(&s).map_err(serde::de::Error::custom)
    }
}

string_serde!(ProductName);
string_serde!(Sku);
string_serde!(Barcode);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn rp(n: i64) -> Rupiah {
        Rupiah(n)
    }

    fn tiers(list: &[(u32, i64)]) -> WholesaleTiers {
        WholesaleTiers::new(
            list.iter()
                .map(|&(min_qty, p)| Tier {
                    min_qty,
                    price: rp(p),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn categories() {
        assert_eq!(Category::ALL.len(), 12);
        assert_eq!(Category::ALL[0], Category::MakananMinuman);
        assert_eq!(Category::ALL[Category::ALL.len() - 1], Category::Jasa);
        let slugs: HashSet<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(slugs.len(), Category::ALL.len());
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-')
            );
            assert!(!c.label(Lang::Id).is_empty() && !c.label(Lang::En).is_empty());
        }
        assert_eq!(
            Category::parse("makanan-minuman"),
            Some(Category::MakananMinuman)
        );
        assert_eq!(
            Category::KesehatanHerbal.label(Lang::Id),
            "Kesehatan & Herbal (Jamu)"
        );
        assert_eq!(Category::parse("Makanan"), None);
    }

    #[test]
    fn product_names() {
        assert_eq!(
            ProductName::parse("  Keripik   Tempe\tPedas \n Malang ")
                .unwrap()
                .as_str(),
            "Keripik Tempe Pedas Malang"
        );
        assert_eq!(ProductName::parse("Teh").unwrap().to_string(), "Teh");
        assert_eq!(ProductName::parse(""), Err(CatalogError::NameEmpty));
        assert_eq!(ProductName::parse(" \n\t "), Err(CatalogError::NameEmpty));
        assert_eq!(ProductName::parse("Te"), Err(CatalogError::NameTooShort(2)));
        assert_eq!(ProductName::parse(" a  b ").unwrap().as_str(), "a b");
        let long = "a".repeat(121);
        assert_eq!(
            ProductName::parse(&long),
            Err(CatalogError::NameTooLong(121))
        );
        assert!(ProductName::parse(&"é".repeat(120)).is_ok());
        assert_eq!(
            ProductName::parse("Kopi\u{0}Luwak"),
            Err(CatalogError::NameControlCharacter)
        );
        assert_eq!(
            ProductName::parse("Kopi \u{202E}kawul"),
            Err(CatalogError::NameControlCharacter)
        );
        // HTML is kept as text; the templates escape it.
        assert!(ProductName::parse("<b>Kopi</b>").is_ok());
    }

    #[test]
    fn skus() {
        let a = Sku::parse(" kopi-250g/A_1.b ").unwrap();
        assert_eq!(a.as_str(), "kopi-250g/A_1.b");
        assert_eq!(a.key(), "KOPI-250G/A_1.B");
        let b = Sku::parse("KOPI-250G/a_1.B").unwrap();
        assert_eq!(a, b);
        let set: HashSet<Sku> = [a.clone(), b.clone()].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert!(Sku::parse("a").unwrap() < Sku::parse("B").unwrap());
        assert!(Sku::parse(&"x".repeat(40)).is_ok());
        assert_eq!(Sku::parse("  "), Err(CatalogError::SkuEmpty));
        assert_eq!(
            Sku::parse(&"x".repeat(41)),
            Err(CatalogError::SkuTooLong(41))
        );
        assert_eq!(
            Sku::parse("kopi 250"),
            Err(CatalogError::SkuInvalidCharacter(' '))
        );
        assert_eq!(
            Sku::parse("kopi#1"),
            Err(CatalogError::SkuInvalidCharacter('#'))
        );
        assert_eq!(
            Sku::parse("kopié"),
            Err(CatalogError::SkuInvalidCharacter('é'))
        );
    }

    #[test]
    fn barcodes() {
        let e13 = Barcode::parse("4006381333931").unwrap();
        assert_eq!(e13.kind(), BarcodeKind::Ean13);
        let e8 = Barcode::parse("9638 5074").unwrap();
        assert_eq!(e8.as_str(), "96385074");
        assert_eq!(e8.kind(), BarcodeKind::Ean8);
        let upc = Barcode::parse("036000291452").unwrap();
        assert_eq!(upc.kind(), BarcodeKind::UpcA);
        // An Indonesian (899) number.
        assert_eq!(gs1_check_digit(&[8, 9, 9, 1, 0, 0, 2, 1, 0, 1, 0, 0]), 5);
        assert!(Barcode::parse("899 1002 10100 5").is_ok());
        assert_eq!(Barcode::parse(""), Err(CatalogError::BarcodeEmpty));
        assert_eq!(
            Barcode::parse("4006-381333931"),
            Err(CatalogError::BarcodeInvalidCharacter('-'))
        );
        assert_eq!(
            Barcode::parse("400638133393"),
            Err(CatalogError::BarcodeBadCheckDigit {
                expected: 0,
                given: 3
            })
        );
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(CatalogError::BarcodeBadCheckDigit {
                expected: 1,
                given: 2
            })
        );
        assert_eq!(
            Barcode::parse("1234567"),
            Err(CatalogError::BarcodeWrongLength(7))
        );
        assert_eq!(
            Barcode::parse("12345678901234"),
            Err(CatalogError::BarcodeWrongLength(14))
        );
    }

    #[test]
    fn prices() {
        assert_eq!(check_price(rp(1)), Ok(rp(1)));
        assert_eq!(check_price(MAX_PRICE), Ok(MAX_PRICE));
        assert_eq!(check_price(rp(0)), Err(CatalogError::PriceNotPositive));
        assert_eq!(check_price(rp(-5)), Err(CatalogError::PriceNotPositive));
        assert_eq!(
            check_price(rp(1_000_000_001)),
            Err(CatalogError::PriceTooHigh)
        );
        assert_eq!(parse_price("Rp 25.000"), Ok(rp(25_000)));
        assert_eq!(
            parse_price("25rb"),
            Err(CatalogError::PriceInvalid(MoneyError::InvalidCharacter(
                'r'
            )))
        );
        assert_eq!(parse_price("0"), Err(CatalogError::PriceNotPositive));
        assert_eq!(check_member_price(None, rp(10_000)), Ok(None));
        assert_eq!(
            check_member_price(Some(rp(9_000)), rp(10_000)),
            Ok(Some(rp(9_000)))
        );
        assert_eq!(
            check_member_price(Some(rp(10_000)), rp(10_000)),
            Ok(Some(rp(10_000)))
        );
        assert_eq!(
            check_member_price(Some(rp(0)), rp(10_000)),
            Err(CatalogError::MemberPriceNotPositive)
        );
        assert_eq!(
            check_member_price(Some(rp(10_001)), rp(10_000)),
            Err(CatalogError::MemberPriceAbovePrice {
                member: rp(10_001),
                price: rp(10_000)
            })
        );
    }

    #[test]
    fn tier_text_in_its_forms() {
        let t = parse_tiers("10: 9.000\n20 = Rp 8.500\n\n50:8000").unwrap();
        assert_eq!(t, tiers(&[(10, 9_000), (20, 8_500), (50, 8_000)]));
        assert_eq!(
            parse_tiers("10: 9.000, 20: 8.500; 50 = Rp. 8.000").unwrap(),
            t
        );
        // Typed out of order: sorted.
        assert_eq!(parse_tiers("50: 8.000\n10: 9.000\n20: 8.500").unwrap(), t);
        assert_eq!(parse_tiers("  \n ").unwrap(), WholesaleTiers::empty());
        assert_eq!(t.to_text(), "10: 9.000\n20: 8.500\n50: 8.000");
        assert_eq!(t.to_string(), "10: 9.000; 20: 8.500; 50: 8.000");
        assert_eq!(parse_tiers(&t.to_text()), Ok(t.clone()));
        assert_eq!(t.check_below(rp(10_000)), Ok(()));
        assert_eq!(
            t.check_below(rp(9_000)),
            Err(CatalogError::TierPriceNotBelowBase {
                qty: 10,
                price: rp(9_000),
                base: rp(9_000)
            })
        );
        assert_eq!(t.price_for(1), None);
        assert_eq!(t.price_for(10), Some(rp(9_000)));
        assert_eq!(t.price_for(49), Some(rp(8_500)));
        assert_eq!(t.price_for(1_000), Some(rp(8_000)));
    }

    #[test]
    fn tier_errors_name_the_line() {
        assert_eq!(
            parse_tiers("10: 9.000\n20 8.500"),
            Err(CatalogError::TierMissingSeparator {
                line: 2,
                text: "20 8.500".into()
            })
        );
        assert_eq!(
            parse_tiers("10 pcs: 9.000"),
            Err(CatalogError::TierBadQuantity {
                line: 1,
                text: "10 pcs: 9.000".into()
            })
        );
        assert_eq!(
            parse_tiers(": 9.000"),
            Err(CatalogError::TierBadQuantity {
                line: 1,
                text: ": 9.000".into()
            })
        );
        assert_eq!(
            parse_tiers("99999999999: 9.000"),
            Err(CatalogError::TierBadQuantity {
                line: 1,
                text: "99999999999: 9.000".into()
            })
        );
        assert_eq!(
            parse_tiers("10: 9.000\n20: 8.5OO"),
            Err(CatalogError::TierBadPrice {
                line: 2,
                text: "20: 8.5OO".into(),
                err: MoneyError::InvalidCharacter('O')
            })
        );
        assert_eq!(
            parse_tiers("10: "),
            Err(CatalogError::TierBadPrice {
                line: 1,
                text: "10:".into(),
                err: MoneyError::Empty
            })
        );
        // A decimal comma splits the entry; the rest has no price.
        assert_eq!(
            parse_tiers("10: 9.000,50"),
            Err(CatalogError::TierMissingSeparator {
                line: 2,
                text: "50".into()
            })
        );
        assert_eq!(
            parse_tiers("1: 9.000"),
            Err(CatalogError::TierQuantityTooSmall { line: 1, qty: 1 })
        );
        assert_eq!(
            parse_tiers("10: 9.000\n20: 0"),
            Err(CatalogError::TierPriceOutOfRange {
                line: 2,
                price: rp(0)
            })
        );
        assert_eq!(
            parse_tiers("10: 2.000.000.000"),
            Err(CatalogError::TierPriceOutOfRange {
                line: 1,
                price: rp(2_000_000_000)
            })
        );
        assert_eq!(
            parse_tiers("10: 9.000\n10: 8.000"),
            Err(CatalogError::TierDuplicateQuantity { line: 2, qty: 10 })
        );
        assert_eq!(
            parse_tiers("10: 9.000\n20: 9.000"),
            Err(CatalogError::TierPriceNotDecreasing {
                line: 2,
                qty: 20,
                price: rp(9_000),
                prev_qty: 10,
                prev_price: rp(9_000)
            })
        );
        // Out of order, the line named is still the one typed.
        assert_eq!(
            parse_tiers("20: 9.500\n10: 9.000"),
            Err(CatalogError::TierPriceNotDecreasing {
                line: 1,
                qty: 20,
                price: rp(9_500),
                prev_qty: 10,
                prev_price: rp(9_000)
            })
        );
        assert_eq!(
            parse_tiers("2: 9.000, 3: 8.000, 4: 7.000, 5: 6.000, 6: 5.000, 7: 4.000"),
            Err(CatalogError::TooManyTiers(6))
        );
        assert!(parse_tiers("2: 9.000, 3: 8.000, 4: 7.000, 5: 6.000, 6: 5.000").is_ok());
        let long = format!("10 {}", "x".repeat(100));
        match parse_tiers(&long) {
            Err(CatalogError::TierMissingSeparator { text, .. }) => {
                assert_eq!(text.chars().count(), 41);
                assert!(text.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
        // From the database or the API: positions.
        assert_eq!(
            WholesaleTiers::new(vec![Tier {
                min_qty: 0,
                price: rp(1)
            }]),
            Err(CatalogError::TierQuantityTooSmall { line: 1, qty: 0 })
        );
        assert!(serde_json::from_str::<WholesaleTiers>(r#"[{"min_qty":1,"price":5}]"#).is_err());
        let back: WholesaleTiers =
            serde_json::from_str(r#"[{"min_qty":20,"price":8500},{"min_qty":10,"price":9000}]"#)
                .unwrap();
        assert_eq!(back, tiers(&[(10, 9_000), (20, 8_500)]));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            r#"[{"min_qty":10,"price":9000},{"min_qty":20,"price":8500}]"#
        );
    }

    #[test]
    fn unit_prices() {
        let t = tiers(&[(10, 9_000), (50, 8_000)]);
        let base = rp(10_000);
        assert_eq!(unit_price(base, None, &t, 1, false), base);
        assert_eq!(unit_price(base, Some(rp(9_500)), &t, 1, false), base);
        assert_eq!(unit_price(base, Some(rp(9_500)), &t, 1, true), rp(9_500));
        assert_eq!(unit_price(base, Some(rp(9_500)), &t, 10, true), rp(9_000));
        assert_eq!(unit_price(base, Some(rp(8_500)), &t, 10, true), rp(8_500));
        assert_eq!(unit_price(base, Some(rp(8_500)), &t, 50, true), rp(8_000));
        assert_eq!(unit_price(base, None, &t, 0, true), base);
        assert_eq!(unit_price(base, Some(rp(0)), &t, 1, true), base);
        assert_eq!(
            unit_price(base, None, &WholesaleTiers::empty(), 100, false),
            base
        );
    }

    #[test]
    fn weights() {
        let g = |s: &str| Weight::parse(s).map(Weight::grams);
        assert_eq!(g("250"), Ok(250));
        assert_eq!(g("250 g"), Ok(250));
        assert_eq!(g("250g"), Ok(250));
        assert_eq!(g("250 gr"), Ok(250));
        assert_eq!(g("250 Gram"), Ok(250));
        assert_eq!(g("1.500 g"), Ok(1_500));
        assert_eq!(g("1,5 kg"), Ok(1_500));
        assert_eq!(g("1.5kg"), Ok(1_500));
        assert_eq!(g("1.25 kg"), Ok(1_250));
        assert_eq!(g("2 kg"), Ok(2_000));
        assert_eq!(g("2 KG"), Ok(2_000));
        assert_eq!(g("2 kilo"), Ok(2_000));
        assert_eq!(g("0,25 kg"), Ok(250));
        assert_eq!(g("0.250 kg"), Ok(250));
        assert_eq!(g("1,001 kg"), Ok(1_001));
        assert_eq!(g("1,5000 kg"), Ok(1_500));
        assert_eq!(g("1000 kg"), Ok(1_000_000));
        assert_eq!(g("1"), Ok(1));

        assert_eq!(g(""), Err(CatalogError::WeightEmpty));
        assert_eq!(g("-250 g"), Err(CatalogError::WeightNegative));
        assert_eq!(g("kg"), Err(CatalogError::WeightInvalid));
        assert_eq!(g("berat 2 kg"), Err(CatalogError::WeightInvalid));
        assert_eq!(g(",5 kg"), Err(CatalogError::WeightInvalid));
        assert_eq!(g("1, kg"), Err(CatalogError::WeightInvalid));
        assert_eq!(g("1.000,5 kg"), Err(CatalogError::WeightInvalid));
        assert_eq!(
            g("2 ons"),
            Err(CatalogError::WeightUnknownUnit("ons".into()))
        );
        assert_eq!(g("2 lb"), Err(CatalogError::WeightUnknownUnit("lb".into())));
        assert_eq!(g("1,5 g"), Err(CatalogError::WeightNotWholeGrams));
        assert_eq!(g("1.5"), Err(CatalogError::WeightNotWholeGrams));
        assert_eq!(g("1.50 g"), Err(CatalogError::WeightNotWholeGrams));
        assert_eq!(g("1,2345 kg"), Err(CatalogError::WeightTooPrecise));
        assert_eq!(g("1.000 kg"), Err(CatalogError::WeightAmbiguous));
        assert_eq!(g("1.500kg"), Err(CatalogError::WeightAmbiguous));
        assert_eq!(g("0"), Err(CatalogError::WeightZero));
        assert_eq!(g("0 kg"), Err(CatalogError::WeightZero));
        assert_eq!(g("0,0001 kg"), Err(CatalogError::WeightTooPrecise));
        assert_eq!(g("1001 kg"), Err(CatalogError::WeightTooHeavy));
        assert_eq!(g("1.000.001 g"), Err(CatalogError::WeightTooHeavy));
        assert_eq!(
            g("99999999999999999999999 kg"),
            Err(CatalogError::WeightTooHeavy)
        );
        assert_eq!(
            g("99999999999999999999999"),
            Err(CatalogError::WeightTooHeavy)
        );

        assert_eq!(Weight::from_grams(250).unwrap().to_string(), "250 g");
        assert_eq!(Weight::from_grams(1_000).unwrap().to_string(), "1 kg");
        assert_eq!(Weight::from_grams(1_500).unwrap().to_string(), "1,5 kg");
        assert_eq!(Weight::from_grams(1_250).unwrap().to_string(), "1,25 kg");
        assert_eq!(Weight::from_grams(1_001).unwrap().to_string(), "1,001 kg");
        assert_eq!(
            Weight::from_grams(1_000_000).unwrap().to_string(),
            "1000 kg"
        );
        assert_eq!(Weight::from_grams(0), Err(CatalogError::WeightZero));
        assert_eq!(
            serde_json::to_string(&Weight::from_grams(250).unwrap()).unwrap(),
            "250"
        );
        assert!(serde_json::from_str::<Weight>("0").is_err());
        assert_eq!(
            serde_json::from_str::<Weight>("1500").unwrap().grams(),
            1_500
        );
    }

    #[test]
    fn stock() {
        assert_eq!(Stock::parse("25"), Ok(Stock::new(25)));
        assert_eq!(Stock::parse(" 0 "), Ok(Stock::ZERO));
        assert_eq!(Stock::parse("1.500"), Ok(Stock::new(1_500)));
        assert_eq!(Stock::parse("4294967295"), Ok(Stock::new(u32::MAX)));
        assert_eq!(Stock::parse(""), Err(CatalogError::StockEmpty));
        assert_eq!(Stock::parse("-3"), Err(CatalogError::StockNegative));
        assert_eq!(Stock::parse("2,5"), Err(CatalogError::StockNotWhole));
        assert_eq!(Stock::parse("2.5"), Err(CatalogError::StockNotWhole));
        assert_eq!(
            Stock::parse("25 pcs"),
            Err(CatalogError::StockInvalidCharacter(' '))
        );
        assert_eq!(
            Stock::parse("sepuluh"),
            Err(CatalogError::StockInvalidCharacter('s'))
        );
        assert_eq!(
            Stock::parse("+5"),
            Err(CatalogError::StockInvalidCharacter('+'))
        );
        assert_eq!(Stock::parse("4294967296"), Err(CatalogError::StockTooLarge));
        assert_eq!(
            Stock::parse("99999999999999999999999"),
            Err(CatalogError::StockTooLarge)
        );
        let s = Stock::new(1_500);
        assert_eq!(s.to_string(), "1.500");
        assert_eq!(s.take(500), Some(Stock::new(1_000)));
        assert_eq!(s.take(1_501), None);
        assert!(Stock::ZERO.is_empty());
        assert_eq!(s.get(), 1_500);
    }

    /// Every `<` in `html` opens one of the allowed tags, and they are properly nested.
    fn only_allowed_tags(html: &str) -> bool {
        const TAGS: [&str; 6] = ["p", "br", "ul", "li", "strong", "em"];
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            let after = &rest[i + 1..];
            let Some(end) = after.find('>') else {
                return false;
            };
            let tag = &after[..end];
            match tag.strip_prefix('/') {
                Some(name) if stack.pop() != Some(name) => return false,
                Some(_) => {}
                None if tag == "br" => {}
                None if TAGS.contains(&tag) => stack.push(tag),
                None => return false,
            }
            rest = &after[end + 1..];
        }
        stack.is_empty() && !rest.contains('>')
    }

    fn html(s: &str) -> String {
        Description::parse(s).unwrap().render_html()
    }

    #[test]
    fn description_formatting() {
        assert_eq!(html(""), "");
        assert_eq!(html("Kopi robusta."), "<p>Kopi robusta.</p>");
        assert_eq!(
            html("Baris satu\nbaris dua\n\nParagraf dua"),
            "<p>Baris satu<br>baris dua</p><p>Paragraf dua</p>"
        );
        assert_eq!(
            html("Isi:\n- kopi\n* gula aren\n\nSelesai"),
            "<p>Isi:</p><ul><li>kopi</li><li>gula aren</li></ul><p>Selesai</p>"
        );
        assert_eq!(
            html("**Tanpa pengawet** dan _tanpa pewarna_"),
            "<p><strong>Tanpa pengawet</strong> dan <em>tanpa pewarna</em></p>"
        );
        assert_eq!(
            html("- **250 g** kemasan _standing pouch_"),
            "<ul><li><strong>250 g</strong> kemasan <em>standing pouch</em></li></ul>"
        );
        assert_eq!(
            html("**tebal _miring_ sekali**"),
            "<p><strong>tebal <em>miring</em> sekali</strong></p>"
        );
        // Underscores inside words, lone markers and spaced markers stay as typed.
        assert_eq!(html("foto_produk_1.jpg"), "<p>foto_produk_1.jpg</p>");
        assert_eq!(html("2 * 3 = 6"), "<p>2 * 3 = 6</p>");
        assert_eq!(html("** bukan tebal **"), "<p>** bukan tebal **</p>");
        assert_eq!(html("**belum ditutup"), "<p>**belum ditutup</p>");
        assert_eq!(html("****"), "<p>****</p>");
        assert_eq!(html("_ a _"), "<p>_ a _</p>");
        assert_eq!(html("-tanpa spasi"), "<p>-tanpa spasi</p>");
        assert_eq!(html("a\r\nb"), "<p>a<br>b</p>");
    }

    #[test]
    fn description_html_is_inert() {
        let out = html("<script>alert(1)</script>");
        assert_eq!(out, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
        let out = html("<img src=x onerror=alert(1)>");
        assert_eq!(out, "<p>&lt;img src=x onerror=alert(1)&gt;</p>");
        let out = html("[klik](javascript:alert(1)) <a href=\"javascript:alert('x')\">x</a>");
        assert!(!out.contains("<a"), "{out}");
        assert!(!out.contains("href=\""), "{out}");
        assert!(out.contains("&lt;a href=&quot;javascript:alert(&#39;x&#39;)&quot;&gt;"));
        let out = html("**<b>tebal</b>** & _\"miring\"_");
        assert_eq!(
            out,
            "<p><strong>&lt;b&gt;tebal&lt;/b&gt;</strong> &amp; <em>&quot;miring&quot;</em></p>"
        );
        for s in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "javascript:alert(1)",
            "**<**>**",
            "_<_>_",
        ] {
            assert!(only_allowed_tags(&html(s)), "{s}");
        }
    }

    #[test]
    fn description_limits() {
        assert!(Description::parse(&"a".repeat(5_000)).is_ok());
        assert_eq!(
            Description::parse(&"a".repeat(5_001)),
            Err(CatalogError::DescriptionTooLong(5_001))
        );
        // Surrounding blank space does not count.
        assert!(Description::parse(&format!("  {}  \n", "a".repeat(5_000))).is_ok());
        assert_eq!(
            Description::parse("a\u{0}b"),
            Err(CatalogError::DescriptionControlCharacter)
        );
        assert_eq!(
            Description::parse("a\u{2028}b"),
            Err(CatalogError::DescriptionControlCharacter)
        );
        assert_eq!(
            Description::parse("a\u{202E}b"),
            Err(CatalogError::DescriptionControlCharacter)
        );
        assert!(Description::parse("a\tb").is_ok());
        assert_eq!(Description::parse("  x \r\n").unwrap().as_str(), "x");
        let d: Description = serde_json::from_str("\"**Kopi**\"").unwrap();
        assert_eq!(d.as_str(), "**Kopi**");
        assert!(serde_json::from_str::<Description>("\"a\\u0000\"").is_err());
    }

    #[test]
    fn statuses_and_actions_have_stable_codes() {
        let codes: Vec<&str> = ProductStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            codes,
            [
                "draft",
                "diajukan",
                "perlu_perbaikan",
                "terkurasi",
                "ditolak",
                "ditangguhkan",
                "diarsipkan"
            ]
        );
        for s in ProductStatus::ALL {
            assert_eq!(ProductStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ProductStatus::Approved.label(Lang::Id), "Terkurasi");
        for a in CurationAction::ALL {
            assert_eq!(CurationAction::parse(a.as_str()), Some(*a));
        }
        assert!(ProductStatus::Approved.is_listed());
        assert!(!ProductStatus::Suspended.is_listed());
        assert!(CurationAction::Approve.by_curator());
        assert!(!CurationAction::Submit.by_curator());
        assert!(!CurationAction::Edit.by_curator());
    }

    #[test]
    fn every_transition() {
        use CurationAction as A;
        use ProductStatus as S;
        // Every (status, action) pair that is allowed, with its result; all others refused.
        let allowed: &[(S, A, S)] = &[
            (S::Draft, A::Submit, S::Submitted),
            (S::Draft, A::Archive, S::Archived),
            (S::Draft, A::Edit, S::Draft),
            (S::Submitted, A::Approve, S::Approved),
            (S::Submitted, A::RequestChanges, S::ChangesRequested),
            (S::Submitted, A::Reject, S::Rejected),
            (S::Submitted, A::Archive, S::Archived),
            (S::Submitted, A::Edit, S::Submitted),
            (S::ChangesRequested, A::Submit, S::Submitted),
            (S::ChangesRequested, A::Archive, S::Archived),
            (S::ChangesRequested, A::Edit, S::ChangesRequested),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Approved, A::Archive, S::Archived),
            (S::Approved, A::Edit, S::Submitted),
            (S::Rejected, A::Submit, S::Submitted),
            (S::Rejected, A::Archive, S::Archived),
            (S::Rejected, A::Edit, S::Rejected),
            (S::Suspended, A::Submit, S::Submitted),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Suspended, A::Archive, S::Archived),
            (S::Suspended, A::Edit, S::Suspended),
            (S::Archived, A::Submit, S::Submitted),
            (S::Archived, A::Edit, S::Archived),
        ];
        let mut count = 0;
        for from in S::ALL {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| f == from && a == action)
                    .map(|(_, _, to)| *to);
                let got = transition(*from, *action);
                match expected {
                    Some(to) => {
                        assert_eq!(got, Ok(to), "{from:?} {action:?}");
                        count += 1;
                    }
                    None => assert_eq!(
                        got,
                        Err(CatalogError::TransitionRefused {
                            from: *from,
                            action: *action
                        }),
                        "{from:?} {action:?}"
                    ),
                }
            }
        }
        assert_eq!(count, allowed.len());

        assert!(can_move(S::Draft, S::Submitted));
        assert!(can_move(S::Approved, S::Submitted));
        assert!(can_move(S::Suspended, S::Approved));
        assert!(!can_move(S::Draft, S::Approved));
        assert!(!can_move(S::Rejected, S::Approved));
        assert!(!can_move(S::Archived, S::Approved));
        assert!(!can_move(S::Draft, S::Draft));
        for from in S::ALL {
            for to in S::ALL {
                let by_table = from != to && allowed.iter().any(|(f, _, t)| f == from && t == to);
                assert_eq!(can_move(*from, *to), by_table, "{from:?} → {to:?}");
            }
        }
        assert_eq!(
            allowed_actions(S::Submitted),
            [
                A::Approve,
                A::RequestChanges,
                A::Reject,
                A::Archive,
                A::Edit
            ]
        );
        assert_eq!(allowed_actions(S::Archived), [A::Submit, A::Edit]);
        let m = CatalogError::TransitionRefused {
            from: S::Draft,
            action: A::Approve,
        }
        .msg();
        assert_eq!(
            m.id,
            "Langkah \"Setujui\" tidak bisa dilakukan pada produk berstatus \"Draf\""
        );
        assert_eq!(
            m.en,
            "\"Approve\" is not possible for a product that is \"draft\""
        );
    }

    #[test]
    fn faces_and_scopes() {
        let codes: Vec<&str> = Face::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(codes, ["umkm", "opop", "tomiko"]);
        assert_eq!(Face::parse("opop"), Some(Face::Opop));
        assert_eq!(Face::parse("jatim_iso"), None);
        let s = ListingScope::parse("tomiko, umkm umkm").unwrap();
        assert!(s.contains(Face::JatimIso) && s.contains(Face::Tomiko));
        assert!(!s.contains(Face::Opop));
        assert_eq!(s.to_string(), "umkm,tomiko");
        assert_eq!(s.faces(), [Face::JatimIso, Face::Tomiko]);
        assert_eq!(s.without(Face::Tomiko), ListingScope::of(&[Face::JatimIso]));
        assert_eq!(ListingScope::parse(""), Ok(ListingScope::NONE));
        assert!(ListingScope::NONE.is_empty());
        assert_eq!(
            ListingScope::parse("umkm,shopee"),
            Err(CatalogError::UnknownFace("shopee".into()))
        );
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"umkm,tomiko\"");
        let back: ListingScope = serde_json::from_str("\"opop\"").unwrap();
        assert_eq!(back, ListingScope::of(&[Face::Opop]));
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<ProductName>("\"ab\"").is_err());
        let n: ProductName = serde_json::from_str("\" Kopi  Luwak \"").unwrap();
        assert_eq!(n.as_str(), "Kopi Luwak");
        assert!(serde_json::from_str::<Barcode>("\"4006381333932\"").is_err());
        let s: Sku = serde_json::from_str("\"kopi-1\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"kopi-1\"");
    }

    #[test]
    fn every_error_has_both_texts() {
        let all = [
            CatalogError::NameEmpty,
            CatalogError::NameTooShort(2),
            CatalogError::NameTooLong(121),
            CatalogError::NameControlCharacter,
            CatalogError::SkuEmpty,
            CatalogError::SkuTooLong(41),
            CatalogError::SkuInvalidCharacter('#'),
            CatalogError::BarcodeEmpty,
            CatalogError::BarcodeInvalidCharacter('-'),
            CatalogError::BarcodeWrongLength(7),
            CatalogError::BarcodeBadCheckDigit {
                expected: 1,
                given: 2,
            },
            CatalogError::PriceInvalid(MoneyError::Cents),
            CatalogError::PriceNotPositive,
            CatalogError::PriceTooHigh,
            CatalogError::MemberPriceNotPositive,
            CatalogError::MemberPriceAbovePrice {
                member: rp(2),
                price: rp(1),
            },
            CatalogError::TierMissingSeparator {
                line: 1,
                text: "x".into(),
            },
            CatalogError::TierBadQuantity {
                line: 1,
                text: "x".into(),
            },
            CatalogError::TierBadPrice {
                line: 1,
                text: "x".into(),
                err: MoneyError::Empty,
            },
            CatalogError::TierQuantityTooSmall { line: 1, qty: 1 },
            CatalogError::TierPriceOutOfRange {
                line: 1,
                price: rp(0),
            },
            CatalogError::TierDuplicateQuantity { line: 2, qty: 10 },
            CatalogError::TierPriceNotDecreasing {
                line: 2,
                qty: 20,
                price: rp(2),
                prev_qty: 10,
                prev_price: rp(1),
            },
            CatalogError::TierPriceNotBelowBase {
                qty: 10,
                price: rp(2),
                base: rp(1),
            },
            CatalogError::TooManyTiers(6),
            CatalogError::WeightEmpty,
            CatalogError::WeightNegative,
            CatalogError::WeightInvalid,
            CatalogError::WeightUnknownUnit("lb".into()),
            CatalogError::WeightNotWholeGrams,
            CatalogError::WeightTooPrecise,
            CatalogError::WeightAmbiguous,
            CatalogError::WeightZero,
            CatalogError::WeightTooHeavy,
            CatalogError::StockEmpty,
            CatalogError::StockNegative,
            CatalogError::StockNotWhole,
            CatalogError::StockInvalidCharacter('x'),
            CatalogError::StockTooLarge,
            CatalogError::DescriptionTooLong(5_001),
            CatalogError::DescriptionControlCharacter,
            CatalogError::TransitionRefused {
                from: ProductStatus::Draft,
                action: CurationAction::Approve,
            },
            CatalogError::UnknownFace("x".into()),
        ];
        for e in all {
            let m = e.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty(), "{e:?}");
            assert!(e.to_string().contains(" / "));
        }
        let m = CatalogError::TierBadPrice {
            line: 3,
            text: "20: 8.5OO".into(),
            err: MoneyError::InvalidCharacter('O'),
        }
        .msg();
        assert!(m.id.starts_with("Baris 3 (\"20: 8.5OO\"): "), "{}", m.id);
        assert!(m.en.starts_with("Line 3 "), "{}", m.en);
        assert!(
            CatalogError::PriceTooHigh
                .msg()
                .id
                .contains("Rp 1.000.000.000")
        );
    }

    fn arb_tiers() -> impl Strategy<Value = WholesaleTiers> {
        // Up to 5 distinct quantities ≥ 2 and as many distinct prices, paired in opposite order.
        (
            prop::collection::btree_set(2u32..10_000, 0..=MAX_TIERS),
            prop::collection::btree_set(1i64..1_000_000, MAX_TIERS),
        )
            .prop_map(|(qtys, prices)| {
                let prices: Vec<i64> = prices.into_iter().rev().collect();
                let list: Vec<Tier> = qtys
                    .into_iter()
                    .zip(prices)
                    .map(|(min_qty, p)| Tier {
                        min_qty,
                        price: Rupiah(p),
                    })
                    .collect();
                WholesaleTiers::new(list).unwrap_or_default()
            })
    }

    proptest! {
        #[test]
        fn unit_price_never_above_base_and_falls_with_quantity(
            base in 1i64..2_000_000,
            member in prop::option::of(-10i64..2_000_000),
            t in arb_tiers(),
            is_member in any::<bool>(),
            qty in 0u32..20_000,
        ) {
            let base = Rupiah(base);
            let member = member.map(Rupiah);
            let here = unit_price(base, member, &t, qty, is_member);
            let more = unit_price(base, member, &t, qty + 1, is_member);
            prop_assert!(here <= base);
            prop_assert!(here.is_positive());
            prop_assert!(more <= here);
        }

        #[test]
        fn tiers_round_trip_through_text(t in arb_tiers()) {
            prop_assert_eq!(parse_tiers(&t.to_text()), Ok(t.clone()));
            prop_assert_eq!(parse_tiers(&t.to_string()), Ok(t.clone()));
            let list = t.tiers();
            for pair in list.windows(2) {
                prop_assert!(pair[0].min_qty < pair[1].min_qty);
                prop_assert!(pair[0].price > pair[1].price);
            }
        }

        #[test]
        fn weight_round_trips(grams in MIN_GRAMS..=MAX_GRAMS) {
            let w = Weight::from_grams(grams).unwrap();
            prop_assert_eq!(Weight::parse(&w.to_string()), Ok(w));
            prop_assert_eq!(Weight::parse(&grams.to_string()), Ok(w));
            prop_assert_eq!(Weight::parse(&format!("{grams} g")), Ok(w));
        }

        #[test]
        fn stock_round_trips(n in any::<u32>()) {
            let s = Stock::new(n);
            prop_assert_eq!(Stock::parse(&s.to_string()), Ok(s));
            prop_assert_eq!(Stock::parse(&n.to_string()), Ok(s));
        }

        #[test]
        fn names_round_trip(s in "\\PC{0,130}") {
            if let Ok(n) = ProductName::parse(&s) {
                prop_assert_eq!(ProductName::parse(n.as_str()), Ok(n.clone()));
                prop_assert!(!n.as_str().contains("  "));
            }
        }

        #[test]
        fn skus_round_trip(s in "[A-Za-z0-9._/-]{1,40}") {
            let k = Sku::parse(&s).unwrap();
            prop_assert_eq!(k.as_str(), s.as_str());
            prop_assert_eq!(Sku::parse(&s.to_lowercase()), Ok(k.clone()));
        }

        #[test]
        fn barcodes_with_their_check_digit_parse(
            body in prop::sample::select(vec![7usize, 11, 12])
                .prop_flat_map(|n| prop::collection::vec(0u8..10, n)),
        ) {
            let check = gs1_check_digit(&body);
            let mut digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
            digits.push(char::from(b'0' + check));
            let b = Barcode::parse(&digits).unwrap();
            prop_assert_eq!(Barcode::parse(&b.to_string()), Ok(b.clone()));
            // Any other last digit is refused.
            let wrong = (check + 1) % 10;
            digits.pop();
            digits.push(char::from(b'0' + wrong));
            let refused = matches!(
                Barcode::parse(&digits),
                Err(CatalogError::BarcodeBadCheckDigit { .. })
            );
            prop_assert!(refused);
        }

        #[test]
        fn rendered_html_has_only_allowed_tags(
            s in "([a-z <>&\"'*_\\-\n/=]|\\*\\*|<script>|<img src=x onerror=alert\\(1\\)>|- |\\* |\n\n){0,80}",
        ) {
            let d = Description::parse(&s).unwrap();
            let out = d.render_html();
            prop_assert!(only_allowed_tags(&out), "{:?} → {}", s, out);
            prop_assert!(!out.contains('"') && !out.contains('\''));
        }

        #[test]
        fn rendered_html_of_any_text_has_only_allowed_tags(s in "\\PC{0,200}") {
            if let Ok(d) = Description::parse(&s) {
                let out = d.render_html();
                prop_assert!(only_allowed_tags(&out), "{:?} → {}", s, out);
            }
        }

        #[test]
        fn weights_and_stock_never_panic(s in "[0-9.,a-zA-Z -]{0,30}") {
            let _ = Weight::parse(&s);
            let _ = Stock::parse(&s);
            let _ = parse_tiers(&s);
        }
    }
}
