//! The ledger: chart of accounts, journal lines and fiscal years.
//!
//! Every movement of a coop's money is a balanced double-entry journal entry. This module holds
//! the rules an entry must keep before it is written ([`check_lines`]), the way a mistake is
//! undone ([`reversal`]: entries are never edited or deleted), the standard koperasi chart of
//! accounts each coop starts from ([`standard_chart`]), and the fiscal-year arithmetic that
//! decides which period a posting belongs to.
//!
//! Account codes follow the conventional Indonesian layout: the first digit is the class
//! (1 aset, 2 kewajiban, 3 ekuitas, 4 pendapatan, 5 beban), and a longer code that starts with a
//! shorter one sits under it (`1102` Bank is under `11` Aset lancar, under `1` ASET). The codes
//! are a proposal, not an official list (domain reference §3.4); each coop may extend its copy.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

use crate::ids::AccountId;
use crate::lang::{FieldError, Lang, Msg};
use crate::money::Rupiah;

use crate::codes::code_enum;

// ---------------------------------------------------------------------------------------------
// Account classes and roles

code_enum! {
    /// The five classes of accounts, named by the first digit of an account's code.
    AccountClass {
        /// 1: what the coop owns or is owed (kas, bank, piutang, persediaan, aset tetap).
        Asset => "aset", "Aset", "Assets";
        /// 2: what the coop owes, including simpanan sukarela and berjangka (withdrawable, so
        /// debt and not member capital: domain reference §3.2).
        Liability => "kewajiban", "Kewajiban", "Liabilities";
        /// 3: own capital: simpanan pokok and wajib, cadangan, hibah, SHU not yet divided.
        Equity => "ekuitas", "Ekuitas", "Equity";
        /// 4: income (partisipasi anggota and business with non-members).
        Income => "pendapatan", "Pendapatan", "Income";
        /// 5: expenses.
        Expense => "beban", "Beban", "Expenses";
    }
}

impl AccountClass {
    /// The class named by the first digit of an account code: `'1'` → Asset … `'5'` → Expense.
    pub fn from_code_digit(c: char) -> Option<AccountClass> {
        match c {
            '1' => Some(AccountClass::Asset),
            '2' => Some(AccountClass::Liability),
            '3' => Some(AccountClass::Equity),
            '4' => Some(AccountClass::Income),
            '5' => Some(AccountClass::Expense),
            _ => None,
        }
    }

    /// The digit that starts every code of this class.
    pub fn code_digit(self) -> char {
        match self {
            AccountClass::Asset => '1',
            AccountClass::Liability => '2',
            AccountClass::Equity => '3',
            AccountClass::Income => '4',
            AccountClass::Expense => '5',
        }
    }

    /// Whether the class normally carries a debit balance (assets and expenses); the others
    /// normally carry a credit balance. Contra accounts (akumulasi penyusutan, cadangan
    /// kerugian piutang) keep their class and simply show a negative normal balance.
    pub fn normal_debit(self) -> bool {
        matches!(self, AccountClass::Asset | AccountClass::Expense)
    }
}

code_enum! {
    /// The accounts the software posts to by itself. Each coop's chart marks one account per
    /// role (copied from [`standard_chart`]), so that a savings deposit or a cash closing knows
    /// where to post without asking, whatever the coop renamed or renumbered.
    AccountRole {
        /// Kas: cash on hand at the counter.
        Cash => "kas", "Kas", "Cash";
        /// The coop's bank account(s); bank transfers are posted here.
        Bank => "bank", "Bank", "Bank";
        /// QRIS payments received but not yet settled into the bank by the acquirer.
        QrisClearing => "qris_clearing", "Kliring QRIS", "QRIS clearing";
        /// Simpanan pokok (equity).
        SimpananPokok => "simpanan_pokok", "Simpanan pokok", "Principal savings (pokok)";
        /// Simpanan wajib (equity).
        SimpananWajib => "simpanan_wajib", "Simpanan wajib", "Mandatory savings (wajib)";
        /// Simpanan sukarela (liability: withdrawable at any time).
        SimpananSukarela => "simpanan_sukarela", "Simpanan sukarela", "Voluntary savings (sukarela)";
        /// Simpanan berjangka (liability: withdrawable at maturity).
        SimpananBerjangka => "simpanan_berjangka", "Simpanan berjangka", "Time deposits (berjangka)";
        /// Other savings with the character of pokok and wajib (equity), e.g. simpanan wajib
        /// usaha.
        SimpananLain => "simpanan_lain", "Simpanan lain bersifat ekuitas", "Other equity-like savings";
        /// What the coop owes a leaving member until the refund is paid.
        MemberRefundPayable => "utang_pengembalian_simpanan", "Utang pengembalian simpanan anggota keluar", "Savings refunds payable to former members";
        /// A cashier's daily difference between counted and expected cash. An expense account:
        /// a shortage is a debit, a surplus a credit.
        CashOverShort => "selisih_kas", "Selisih kas", "Cash over and short";
        /// The acquirer's merchant discount rate (MDR) and other payment fees: an expense,
        /// posted when a QRIS settlement reaches the bank net of the fee.
        PaymentFees => "biaya_pembayaran", "Beban MDR dan biaya pembayaran", "MDR and payment fees";
        /// The balancing equity of opening balances, when a coop moves to Guyub mid-life.
        OpeningBalanceEquity => "saldo_awal", "Ekuitas saldo awal", "Opening balance equity";
        /// SHU of the current fiscal year (the result before the RAT divides it).
        CurrentYearSurplus => "shu_tahun_berjalan", "SHU tahun berjalan", "Current year surplus (SHU)";
        /// SHU of past years not yet divided by the RAT.
        RetainedSurplus => "shu_tahun_lalu", "SHU tahun lalu belum dibagi", "Prior years' undivided surplus (SHU)";
        /// Pasar (issue #5): the coop's own goods for sale, at cost.
        Inventory => "persediaan", "Persediaan barang dagangan", "Merchandise inventory";
        /// Pasar: what another coop owes this one for sales it collected (the storefront operator).
        CoopReceivable => "piutang_koperasi", "Piutang non-anggota dan koperasi lain", "Receivables from non-members and other coops";
        /// Pasar: what the coop owes consignment sellers for their goods sold.
        ConsignmentPayable => "utang_konsinyasi", "Utang kepada penjual (konsinyasi)", "Payable to consignment sellers";
        /// Pasar: what a storefront operator owes the merchant coops whose sales it collected.
        CoopPayable => "utang_koperasi", "Utang kepada koperasi penjual (pasar)", "Payable to merchant coops (marketplace)";
        /// Pasar: sales of the coop's own goods to its members (participation income).
        MemberSales => "penjualan_anggota", "Penjualan kepada anggota", "Sales to members";
        /// Pasar: sales to non-members.
        NonMemberSales => "pendapatan_non_anggota", "Pendapatan dari non-anggota", "Income from non-members";
        /// Pasar: the coop's commission on consignment sales.
        CommissionIncome => "pendapatan_komisi", "Pendapatan komisi konsinyasi", "Consignment commission income";
        /// Pasar: shipping fees collected on the coop's own goods.
        ShippingIncome => "pendapatan_ongkir", "Pendapatan ongkos kirim", "Shipping fee income";
        /// Pasar: cost of the coop's own goods sold.
        CostOfGoodsSold => "hpp", "Harga pokok penjualan", "Cost of goods sold";
        /// Pasar: the storefront operator's fee on other coops' goods it sold (its income).
        OperatorFeeIncome => "pendapatan_jasa_operator", "Pendapatan jasa operator pasar", "Marketplace operator fee income";
        /// Pasar: the operator's fee a merchant coop pays on its goods sold through another
        /// coop's storefront (its expense).
        OperatorFeeExpense => "beban_jasa_operator", "Beban jasa operator pasar", "Marketplace operator fee expense";
    }
}

impl AccountRole {
    /// The account of the standard chart that carries this role.
    pub fn standard_account(self) -> Option<&'static AccountTemplate> {
        standard_chart().iter().find(|t| t.role == Some(self))
    }
}

// ---------------------------------------------------------------------------------------------
// Account codes

/// An account code: 1 to 10 ASCII digits, the first 1–5 (its [`AccountClass`]).
///
/// The code is the account's place in the tree: an account is under every account whose code
/// is a proper prefix of its own ([`AccountCode::is_under`]). Kept as text, since `0` after the
/// class digit is significant (`1010` is not `101`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCode(String);

/// Why an account code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountCodeError {
    Empty,
    /// A character that is not an ASCII digit.
    InvalidCharacter(char),
    /// The number of digits given, when over 10.
    TooLong(usize),
    /// The first digit is not 1–5.
    BadClass(char),
}

/// The most digits an account code may have.
pub const MAX_CODE_LEN: usize = 10;

impl AccountCodeError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            AccountCodeError::Empty => {
                Msg::new("Kode akun wajib diisi", "The account code is required")
            }
            AccountCodeError::InvalidCharacter(c) => Msg::new(
                format!(
                    "Kode akun hanya boleh berisi angka, misalnya 1101; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "An account code may only contain digits, e.g. 1101; the character '{c}' is not allowed"
                ),
            ),
            AccountCodeError::TooLong(n) => Msg::new(
                format!("Kode akun paling panjang {MAX_CODE_LEN} angka, sekarang {n}"),
                format!("An account code may have at most {MAX_CODE_LEN} digits, it has {n}"),
            ),
            AccountCodeError::BadClass(c) => Msg::new(
                format!(
                    "Kode akun harus diawali 1 (aset), 2 (kewajiban), 3 (ekuitas), 4 (pendapatan) atau 5 (beban), bukan {c}"
                ),
                format!(
                    "An account code must start with 1 (assets), 2 (liabilities), 3 (equity), 4 (income) or 5 (expenses), not {c}"
                ),
            ),
        }
    }
}

impl fmt::Display for AccountCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl AccountCode {
    /// Reads a code (trimmed). See the type's invariants.
    pub fn parse(s: &str) -> Result<AccountCode, AccountCodeError> {
        let s = s.trim();
        let first = s.chars().next().ok_or(AccountCodeError::Empty)?;
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(AccountCodeError::InvalidCharacter(c));
        }
        if s.len() > MAX_CODE_LEN {
            return Err(AccountCodeError::TooLong(s.len()));
        }
        if AccountClass::from_code_digit(first).is_none() {
            return Err(AccountCodeError::BadClass(first));
        }
        Ok(AccountCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The class named by the first digit.
    pub fn class(&self) -> AccountClass {
        // The first digit was checked by `parse`; Asset is unreachable as a fallback.
        self.0
            .chars()
            .next()
            .and_then(AccountClass::from_code_digit)
            .unwrap_or(AccountClass::Asset)
    }

    /// Whether this account sits under `parent`: `parent`'s code is a proper prefix of this one
    /// (`1102` is under `11` and `1`, not under `1102` itself nor under `110`'s sibling `12`).
    pub fn is_under(&self, parent: &AccountCode) -> bool {
        self.0.len() > parent.0.len() && self.0.starts_with(&parent.0)
    }

    /// The nearest account above this one among `codes`: the longest code that this one is
    /// under. `None` for a class root such as `1`, or when nothing above it is in `codes`.
    pub fn parent_in<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a AccountCode>,
    ) -> Option<&'a AccountCode> {
        codes
            .into_iter()
            .filter(|c| self.is_under(c))
            .max_by_key(|c| c.0.len())
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AccountCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates, like [`AccountCode::parse`].
impl<'de> Deserialize<'de> for AccountCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        AccountCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// The standard chart of accounts

/// One account of the standard chart, copied into each new coop's books.
///
/// A header only groups accounts (for reports and subtotals); postings go to the accounts
/// under it. `role` marks the accounts the software posts to by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountTemplate {
    pub code: &'static str,
    pub name_id: &'static str,
    pub name_en: &'static str,
    pub is_header: bool,
    pub role: Option<AccountRole>,
}

impl AccountTemplate {
    /// The name in `lang`.
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.name_id,
            Lang::En => self.name_en,
        }
    }

    /// The class named by the code's first digit (every code of the standard chart is valid;
    /// this is tested).
    pub fn class(&self) -> Option<AccountClass> {
        self.code
            .chars()
            .next()
            .and_then(AccountClass::from_code_digit)
    }
}

const fn h(code: &'static str, name_id: &'static str, name_en: &'static str) -> AccountTemplate {
    AccountTemplate {
        code,
        name_id,
        name_en,
        is_header: true,
        role: None,
    }
}

const fn a(code: &'static str, name_id: &'static str, name_en: &'static str) -> AccountTemplate {
    AccountTemplate {
        code,
        name_id,
        name_en,
        is_header: false,
        role: None,
    }
}

const fn r(
    code: &'static str,
    name_id: &'static str,
    name_en: &'static str,
    role: AccountRole,
) -> AccountTemplate {
    AccountTemplate {
        code,
        name_id,
        name_en,
        is_header: false,
        role: Some(role),
    }
}

/// The koperasi chart of accounts of domain reference §3.4, with the accounts the software
/// needs added (1110 Kliring QRIS, 2111 refunds payable, 3109 opening balance equity, 5901
/// Selisih kas, 5307 MDR and payment fees; for the marketplace 2112 consignment payable, 2113 payable to merchant coops, 4303 commission, 4304 shipping income, 4305 operator fee income and 5309 operator fee expense) and the income and expense groups filled with common accounts.
static STANDARD_CHART: &[AccountTemplate] = &[
    h("1", "ASET", "ASSETS"),
    h("11", "Aset lancar", "Current assets"),
    r("1101", "Kas", "Cash", AccountRole::Cash),
    r("1102", "Bank", "Bank", AccountRole::Bank),
    a(
        "1103",
        "Piutang pinjaman anggota",
        "Loans to members (principal)",
    ),
    a(
        "1104",
        "Piutang jasa pinjaman anggota",
        "Interest receivable on member loans",
    ),
    a(
        "1105",
        "Cadangan kerugian piutang",
        "Allowance for loan losses (contra)",
    ),
    a(
        "1106",
        "Piutang usaha anggota",
        "Trade receivables from members",
    ),
    r(
        "1107",
        "Piutang non-anggota dan koperasi lain",
        "Receivables from non-members and other coops",
        AccountRole::CoopReceivable,
    ),
    r(
        "1108",
        "Persediaan barang dagangan",
        "Merchandise inventory",
        AccountRole::Inventory,
    ),
    a(
        "1109",
        "Biaya dibayar di muka dan uang muka",
        "Prepaid expenses and advances",
    ),
    r(
        "1110",
        "Kliring QRIS",
        "QRIS clearing",
        AccountRole::QrisClearing,
    ),
    h("12", "Investasi jangka panjang", "Long-term investments"),
    a(
        "1201",
        "Penyertaan pada koperasi sekunder",
        "Investment in secondary coops",
    ),
    a(
        "1202",
        "Investasi jangka panjang lain",
        "Other long-term investments",
    ),
    h("13", "Aset tetap", "Fixed assets"),
    a("1301", "Tanah", "Land"),
    a("1302", "Bangunan", "Buildings"),
    a("1303", "Kendaraan", "Vehicles"),
    a(
        "1304",
        "Peralatan dan inventaris",
        "Equipment and furniture",
    ),
    a(
        "1390",
        "Akumulasi penyusutan aset tetap",
        "Accumulated depreciation (contra)",
    ),
    h("14", "Aset lain-lain", "Other assets"),
    a("1401", "Aset lain-lain", "Other assets"),
    h("2", "KEWAJIBAN", "LIABILITIES"),
    h("21", "Kewajiban jangka pendek", "Current liabilities"),
    r(
        "2101",
        "Simpanan sukarela anggota",
        "Members' voluntary savings",
        AccountRole::SimpananSukarela,
    ),
    r(
        "2102",
        "Simpanan berjangka anggota",
        "Members' time deposits",
        AccountRole::SimpananBerjangka,
    ),
    a("2103", "Utang usaha", "Trade payables"),
    a("2104", "Utang pajak", "Taxes payable"),
    a("2105", "Dana pengurus", "Board fund"),
    a("2106", "Dana karyawan", "Staff fund"),
    a("2107", "Dana pendidikan", "Education fund"),
    a("2108", "Dana sosial", "Social fund"),
    a(
        "2109",
        "Dana pembangunan daerah kerja",
        "Regional development fund",
    ),
    a(
        "2110",
        "SHU bagian anggota yang belum dibayar",
        "Members' SHU not yet paid",
    ),
    r(
        "2111",
        "Utang pengembalian simpanan anggota keluar",
        "Savings refunds payable to former members",
        AccountRole::MemberRefundPayable,
    ),
    r(
        "2112",
        "Utang kepada penjual (konsinyasi)",
        "Payable to consignment sellers",
        AccountRole::ConsignmentPayable,
    ),
    r(
        "2113",
        "Utang kepada koperasi penjual (pasar)",
        "Payable to merchant coops (marketplace)",
        AccountRole::CoopPayable,
    ),
    h("22", "Kewajiban jangka panjang", "Long-term liabilities"),
    a("2201", "Utang bank", "Bank loans"),
    a(
        "2202",
        "Pinjaman LPDB dan lembaga lain",
        "Loans from LPDB and other institutions",
    ),
    a(
        "2203",
        "Pinjaman dari koperasi lain",
        "Loans from other coops",
    ),
    h("3", "EKUITAS", "EQUITY"),
    r(
        "3101",
        "Simpanan pokok",
        "Principal savings (pokok)",
        AccountRole::SimpananPokok,
    ),
    r(
        "3102",
        "Simpanan wajib",
        "Mandatory savings (wajib)",
        AccountRole::SimpananWajib,
    ),
    r(
        "3103",
        "Simpanan lain yang bersifat ekuitas",
        "Other equity-like savings",
        AccountRole::SimpananLain,
    ),
    a("3104", "Modal penyertaan", "Participation capital"),
    a("3105", "Hibah", "Grants"),
    a("3106", "Cadangan", "Reserve"),
    r(
        "3107",
        "SHU tahun lalu belum dibagi",
        "Prior years' undivided surplus (SHU)",
        AccountRole::RetainedSurplus,
    ),
    r(
        "3108",
        "SHU tahun berjalan",
        "Current year surplus (SHU)",
        AccountRole::CurrentYearSurplus,
    ),
    r(
        "3109",
        "Ekuitas saldo awal",
        "Opening balance equity",
        AccountRole::OpeningBalanceEquity,
    ),
    h("4", "PENDAPATAN", "INCOME"),
    h("41", "Partisipasi anggota", "Member participation"),
    a("4101", "Jasa pinjaman anggota", "Interest on member loans"),
    r(
        "4102",
        "Penjualan kepada anggota",
        "Sales to members",
        AccountRole::MemberSales,
    ),
    h("42", "Pendapatan non-anggota", "Non-member income"),
    r(
        "4201",
        "Pendapatan dari non-anggota",
        "Income from non-members",
        AccountRole::NonMemberSales,
    ),
    h("43", "Pendapatan lain", "Other income"),
    a("4301", "Bunga bank", "Bank interest"),
    a("4302", "Pendapatan lain-lain", "Miscellaneous income"),
    r(
        "4303",
        "Pendapatan komisi konsinyasi",
        "Consignment commission income",
        AccountRole::CommissionIncome,
    ),
    r(
        "4304",
        "Pendapatan ongkos kirim",
        "Shipping fee income",
        AccountRole::ShippingIncome,
    ),
    r(
        "4305",
        "Pendapatan jasa operator pasar",
        "Marketplace operator fee income",
        AccountRole::OperatorFeeIncome,
    ),
    h("5", "BEBAN", "EXPENSES"),
    h("51", "Harga pokok penjualan", "Cost of goods sold"),
    r(
        "5101",
        "Harga pokok penjualan",
        "Cost of goods sold",
        AccountRole::CostOfGoodsSold,
    ),
    h("52", "Beban bunga dan jasa simpanan", "Interest on savings"),
    a("5201", "Beban jasa simpanan", "Interest paid on savings"),
    h("53", "Beban usaha", "Operating expenses"),
    a("5301", "Beban gaji", "Salaries"),
    a("5302", "Beban sewa", "Rent"),
    a(
        "5303",
        "Beban listrik, air dan telepon",
        "Electricity, water and telephone",
    ),
    a("5304", "Beban penyusutan", "Depreciation"),
    a(
        "5305",
        "Beban administrasi dan umum",
        "General and administrative expenses",
    ),
    a(
        "5306",
        "Beban penyisihan kerugian piutang",
        "Provision for loan losses",
    ),
    r(
        "5307",
        "Beban MDR dan biaya pembayaran",
        "MDR and payment fees",
        AccountRole::PaymentFees,
    ),
    r(
        "5309",
        "Beban jasa operator pasar",
        "Marketplace operator fee expense",
        AccountRole::OperatorFeeExpense,
    ),
    h(
        "54",
        "Beban perkoperasian",
        "Cooperative governance expenses",
    ),
    a(
        "5401",
        "Beban rapat anggota (RAT)",
        "Annual members' meeting (RAT)",
    ),
    a("5402", "Beban pendidikan", "Member education"),
    a(
        "5403",
        "Beban rapat pengurus dan pengawas",
        "Board and supervisors' meetings",
    ),
    h("55", "Beban pajak penghasilan", "Income tax expense"),
    a("5501", "Beban pajak penghasilan", "Income tax expense"),
    h("59", "Beban lain-lain", "Other expenses"),
    r(
        "5901",
        "Selisih kas",
        "Cash over and short",
        AccountRole::CashOverShort,
    ),
];

/// The standard koperasi chart of accounts, in code order, from which each new coop's chart is
/// copied.
///
/// Invariants (tested): codes are valid and unique; every account other than the five class
/// roots `1`–`5` has its nearest parent in the chart, and that parent is a header; headers
/// have at least one account under them and no role; every [`AccountRole`] is carried by
/// exactly one posting account.
pub fn standard_chart() -> &'static [AccountTemplate] {
    STANDARD_CHART
}

// ---------------------------------------------------------------------------------------------
// Journal lines

/// One line of a journal entry as submitted: an account and either a debit or a credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub account: AccountId,
    pub debit: Rupiah,
    pub credit: Rupiah,
    pub memo: Option<String>,
}

/// What [`check_lines`] needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub code: AccountCode,
    pub is_header: bool,
    pub active: bool,
}

fn line_field(i: usize) -> String {
    format!("lines[{i}]")
}

/// Checks the lines of a journal entry before it is written and returns its total (the sum of
/// the debits, equal to the sum of the credits).
///
/// Refused, each with its own message: no lines or a single line (an entry moves money from
/// one account to another); a line with both a debit and a credit, or with neither; a negative
/// amount; an account that `account` does not know (for the store: not in this coop's chart),
/// a header account, an inactive account; debits and credits that do not add up to the same
/// total; totals too large for an `i64`. Every problem is reported, not only the first, under
/// the field `lines[i]` (i counted from 0; the message counts lines from 1, as people do) or
/// `lines` for the entry as a whole.
pub fn check_lines(
    lines: &[LineInput],
    account: impl Fn(AccountId) -> Option<AccountState>,
) -> Result<Rupiah, Vec<FieldError>> {
    let mut errors = Vec::new();
    match lines.len() {
        0 => errors.push(FieldError::new(
            "lines",
            Msg::new(
                "Jurnal tidak boleh kosong; isi paling sedikit satu baris debit dan satu baris kredit",
                "The entry is empty; it needs at least one debit line and one credit line",
            ),
        )),
        1 => errors.push(FieldError::new(
            "lines",
            Msg::new(
                "Jurnal harus berisi paling sedikit dua baris: satu debit dan satu kredit",
                "An entry needs at least two lines: one debit and one credit",
            ),
        )),
        _ => {}
    }

    let mut debit_total = Rupiah::ZERO;
    let mut credit_total = Rupiah::ZERO;
    let mut overflow = false;
    let mut amounts_ok = true;
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if line.debit.0 < 0 || line.credit.0 < 0 {
            amounts_ok = false;
            errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!("Baris {n}: jumlah debit atau kredit tidak boleh negatif"),
                    format!("Line {n}: a debit or credit cannot be negative"),
                ),
            ));
        } else if line.debit.is_positive() && line.credit.is_positive() {
            amounts_ok = false;
            errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!("Baris {n}: isi debit atau kredit saja, tidak keduanya"),
                    format!("Line {n}: fill in either the debit or the credit, not both"),
                ),
            ));
        } else if !line.debit.is_positive() && !line.credit.is_positive() {
            errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!("Baris {n}: isi jumlah debit atau kredit yang lebih dari 0"),
                    format!("Line {n}: fill in a debit or a credit of more than 0"),
                ),
            ));
        }
        match account(line.account) {
            None => errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!("Baris {n}: akun tidak ditemukan di bagan akun koperasi ini"),
                    format!("Line {n}: the account is not in this coop's chart of accounts"),
                ),
            )),
            Some(state) if state.is_header => errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!(
                        "Baris {n}: akun {} adalah akun induk (kelompok); pilih salah satu akun di bawahnya",
                        state.code
                    ),
                    format!(
                        "Line {n}: account {} is a header (a group); choose one of the accounts under it",
                        state.code
                    ),
                ),
            )),
            Some(state) if !state.active => errors.push(FieldError::new(
                line_field(i),
                Msg::new(
                    format!("Baris {n}: akun {} sudah tidak aktif", state.code),
                    format!("Line {n}: account {} is no longer active", state.code),
                ),
            )),
            Some(_) => {}
        }
        if line.debit.0 >= 0 && line.credit.0 >= 0 {
            match (
                debit_total.checked_add(line.debit),
                credit_total.checked_add(line.credit),
            ) {
                (Some(d), Some(c)) => {
                    debit_total = d;
                    credit_total = c;
                }
                _ => overflow = true,
            }
        }
    }

    if overflow {
        errors.push(FieldError::new(
            "lines",
            Msg::new(
                "Jumlah jurnal terlalu besar untuk dicatat",
                "The entry's total is too large to record",
            ),
        ));
    } else if amounts_ok && debit_total != credit_total {
        // Both totals are sums of non-negative amounts, so the difference cannot overflow.
        let difference = Rupiah((debit_total.0 - credit_total.0).abs());
        errors.push(FieldError::new(
            "lines",
            Msg::new(
                format!(
                    "Jurnal tidak seimbang: jumlah debit {debit_total}, jumlah kredit {credit_total} (selisih {difference})"
                ),
                format!(
                    "The entry does not balance: debits total {debit_total}, credits total {credit_total} (difference {difference})"
                ),
            ),
        ));
    }

    if errors.is_empty() {
        Ok(debit_total)
    } else {
        Err(errors)
    }
}

/// The lines of the entry that undoes `lines`: the same accounts and memos with debits and
/// credits swapped. A journal entry is never edited or deleted; a mistake is corrected by
/// posting its reversal (linked to the original) and then the right entry.
pub fn reversal(lines: &[LineInput]) -> Vec<LineInput> {
    lines
        .iter()
        .map(|l| LineInput {
            account: l.account,
            debit: l.credit,
            credit: l.debit,
            memo: l.memo.clone(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fiscal years

fn fiscal_month(start_month: u8) -> Month {
    Month::try_from(start_month.clamp(1, 12)).unwrap_or(Month::January)
}

/// The fiscal year `date` falls in, for a fiscal year starting on the first day of
/// `start_month` (1 = January, from the bylaws). A fiscal year is named by the calendar year in
/// which it starts: with a July start, 15 March 2025 is in fiscal year 2024 (July 2024 – June
/// 2025). A month outside 1–12 is clamped (0 → January, 13 → December); the bylaws never hold
/// one.
pub fn fiscal_year_of(date: Date, start_month: u8) -> i32 {
    let start = u8::from(fiscal_month(start_month));
    if u8::from(date.month()) >= start {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The first and last day (both inclusive) of fiscal year `year` starting in `start_month`
/// (clamped to 1–12 as in [`fiscal_year_of`]). Years beyond the calendar the `time` crate
/// supports (±9999) are clamped to its first and last day.
pub fn fiscal_year_bounds(year: i32, start_month: u8) -> (Date, Date) {
    let month = fiscal_month(start_month);
    if year < Date::MIN.year() {
        return (Date::MIN, Date::MIN);
    }
    let first = Date::from_calendar_date(year, month, 1).unwrap_or(Date::MAX);
    let last = year
        .checked_add(1)
        .and_then(|next| Date::from_calendar_date(next, month, 1).ok())
        .and_then(Date::previous_day)
        .unwrap_or(Date::MAX);
    (first, last)
}

// ---------------------------------------------------------------------------------------------
// Balances

/// The debit and credit totals of an account over some period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balance {
    pub debit: Rupiah,
    pub credit: Rupiah,
}

impl Balance {
    /// Debits minus credits: positive for a debit balance. Saturates at the ends of `i64`
    /// rather than wrapping (totals that large cannot be posted: [`check_lines`] refuses them).
    pub fn net_debit(&self) -> i64 {
        self.debit.0.saturating_sub(self.credit.0)
    }

    /// Adds one line's amounts; `None` on overflow.
    pub fn checked_add(self, debit: Rupiah, credit: Rupiah) -> Option<Balance> {
        Some(Balance {
            debit: self.debit.checked_add(debit)?,
            credit: self.credit.checked_add(credit)?,
        })
    }
}

/// The balance as a report shows it: positive on the class's normal side (a debit balance for
/// assets and expenses, a credit balance for the others). A contra account (akumulasi
/// penyusutan) or an overdrawn one shows negative.
pub fn balance_in_normal_side(class: AccountClass, b: &Balance) -> i64 {
    let net = b.net_debit();
    if class.normal_debit() {
        net
    } else {
        net.saturating_neg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};
    use time::macros::date;

    fn code(s: &str) -> AccountCode {
        AccountCode::parse(s).unwrap()
    }

    #[test]
    fn classes() {
        assert_eq!(
            AccountClass::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            ["aset", "kewajiban", "ekuitas", "pendapatan", "beban"]
        );
        for c in AccountClass::ALL {
            assert_eq!(AccountClass::parse(c.as_str()), Some(*c));
            assert_eq!(AccountClass::from_code_digit(c.code_digit()), Some(*c));
        }
        assert_eq!(AccountClass::parse(" beban "), Some(AccountClass::Expense));
        assert_eq!(AccountClass::parse("Beban"), None);
        assert_eq!(AccountClass::from_code_digit('0'), None);
        assert_eq!(AccountClass::from_code_digit('6'), None);
        assert_eq!(AccountClass::Liability.label(Lang::Id), "Kewajiban");
        assert_eq!(AccountClass::Liability.label(Lang::En), "Liabilities");
        let debit: Vec<_> = AccountClass::ALL
            .iter()
            .filter(|c| c.normal_debit())
            .collect();
        assert_eq!(debit, [&AccountClass::Asset, &AccountClass::Expense]);
    }

    #[test]
    fn roles_have_stable_codes() {
        for r in AccountRole::ALL {
            assert_eq!(AccountRole::parse(r.as_str()), Some(*r));
            assert!(!r.label(Lang::Id).is_empty() && !r.label(Lang::En).is_empty());
        }
        assert_eq!(AccountRole::Cash.as_str(), "kas");
        assert_eq!(AccountRole::QrisClearing.as_str(), "qris_clearing");
        assert_eq!(
            AccountRole::MemberRefundPayable.as_str(),
            "utang_pengembalian_simpanan"
        );
        assert_eq!(AccountRole::CashOverShort.as_str(), "selisih_kas");
        assert_eq!(AccountRole::OpeningBalanceEquity.as_str(), "saldo_awal");
        assert_eq!(
            AccountRole::CurrentYearSurplus.as_str(),
            "shu_tahun_berjalan"
        );
        assert_eq!(AccountRole::RetainedSurplus.as_str(), "shu_tahun_lalu");
        assert_eq!(AccountRole::parse("KAS"), None);
    }

    #[test]
    fn account_codes() {
        let c = code(" 1102 ");
        assert_eq!(c.as_str(), "1102");
        assert_eq!(c.to_string(), "1102");
        assert_eq!(c.class(), AccountClass::Asset);
        assert_eq!(code("5901").class(), AccountClass::Expense);
        assert_eq!(code("3").class(), AccountClass::Equity);
        assert!(AccountCode::parse("1234567890").is_ok());
        assert_eq!(AccountCode::parse(""), Err(AccountCodeError::Empty));
        assert_eq!(AccountCode::parse("  "), Err(AccountCodeError::Empty));
        assert_eq!(
            AccountCode::parse("12345678901"),
            Err(AccountCodeError::TooLong(11))
        );
        assert_eq!(
            AccountCode::parse("6101"),
            Err(AccountCodeError::BadClass('6'))
        );
        assert_eq!(
            AccountCode::parse("0101"),
            Err(AccountCodeError::BadClass('0'))
        );
        assert_eq!(
            AccountCode::parse("11-01"),
            Err(AccountCodeError::InvalidCharacter('-'))
        );
        assert_eq!(
            AccountCode::parse("11 01"),
            Err(AccountCodeError::InvalidCharacter(' '))
        );
        assert_eq!(
            AccountCode::parse("１１"),
            Err(AccountCodeError::InvalidCharacter('１'))
        );
        assert!(AccountCodeError::BadClass('6').msg().id.contains("bukan 6"));
        assert!(AccountCodeError::TooLong(11).msg().en.contains("it has 11"));
        assert!(
            AccountCodeError::InvalidCharacter('x')
                .to_string()
                .contains("'x'")
        );
    }

    #[test]
    fn account_tree() {
        assert!(code("1102").is_under(&code("11")));
        assert!(code("1102").is_under(&code("1")));
        assert!(!code("1102").is_under(&code("1102")));
        assert!(!code("1102").is_under(&code("12")));
        assert!(!code("11").is_under(&code("1102")));
        assert!(!code("2101").is_under(&code("1")));
        let codes: Vec<AccountCode> = ["1", "11", "1102", "2"].iter().map(|s| code(s)).collect();
        assert_eq!(code("110201").parent_in(&codes), Some(&code("1102")));
        assert_eq!(code("1101").parent_in(&codes), Some(&code("11")));
        assert_eq!(code("1").parent_in(&codes), None);
        assert_eq!(code("3101").parent_in(&codes), None);
    }

    #[test]
    fn account_code_serde_is_a_validated_string() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as DeError, StrDeserializer};
        let de: StrDeserializer<DeError> = "1101".into_deserializer();
        assert_eq!(AccountCode::deserialize(de), Ok(code("1101")));
        let de: StrDeserializer<DeError> = "9101".into_deserializer();
        assert!(AccountCode::deserialize(de).is_err());
    }

    #[test]
    fn standard_chart_is_well_formed() {
        let chart = standard_chart();
        let codes: Vec<AccountCode> = chart
            .iter()
            .map(|t| AccountCode::parse(t.code).unwrap_or_else(|e| panic!("{}: {e}", t.code)))
            .collect();
        // Unique codes, in order.
        let unique: HashSet<&AccountCode> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(sorted, codes, "the chart is listed in code order");
        // The five class roots are headers.
        for c in AccountClass::ALL {
            let root = chart
                .iter()
                .find(|t| t.code == c.code_digit().to_string())
                .unwrap();
            assert!(root.is_header);
        }
        for (t, c) in chart.iter().zip(&codes) {
            assert!(!t.name_id.is_empty() && !t.name_en.is_empty(), "{}", t.code);
            assert_eq!(t.class(), Some(c.class()));
            if t.code.len() > 1 {
                let parent = c
                    .parent_in(&codes)
                    .unwrap_or_else(|| panic!("{} has no parent", t.code));
                let p = chart.iter().find(|x| x.code == parent.as_str()).unwrap();
                assert!(p.is_header, "{} is under {}, not a header", t.code, p.code);
            }
            if t.is_header {
                assert!(t.role.is_none(), "{} is a header with a role", t.code);
                assert!(
                    codes.iter().any(|x| x.is_under(c)),
                    "header {} is empty",
                    t.code
                );
            } else {
                assert!(
                    !codes.iter().any(|x| x.is_under(c)),
                    "posting account {} has accounts under it",
                    t.code
                );
            }
        }
        // Every role exactly once.
        let mut roles: HashMap<AccountRole, usize> = HashMap::new();
        for t in chart {
            if let Some(r) = t.role {
                *roles.entry(r).or_default() += 1;
            }
        }
        for r in AccountRole::ALL {
            assert_eq!(roles.get(r), Some(&1), "{}", r.as_str());
        }
        assert_eq!(roles.len(), AccountRole::ALL.len());
    }

    #[test]
    fn standard_chart_classifies_savings_as_the_reference_says() {
        let at = |r: AccountRole| r.standard_account().unwrap();
        assert_eq!(at(AccountRole::Cash).code, "1101");
        assert_eq!(at(AccountRole::Bank).code, "1102");
        assert_eq!(at(AccountRole::QrisClearing).code, "1110");
        assert_eq!(at(AccountRole::SimpananSukarela).code, "2101");
        assert_eq!(at(AccountRole::SimpananBerjangka).code, "2102");
        assert_eq!(at(AccountRole::MemberRefundPayable).code, "2111");
        assert_eq!(at(AccountRole::SimpananPokok).code, "3101");
        assert_eq!(at(AccountRole::SimpananWajib).code, "3102");
        assert_eq!(at(AccountRole::SimpananLain).code, "3103");
        assert_eq!(at(AccountRole::RetainedSurplus).code, "3107");
        assert_eq!(at(AccountRole::CurrentYearSurplus).code, "3108");
        assert_eq!(at(AccountRole::OpeningBalanceEquity).code, "3109");
        assert_eq!(at(AccountRole::CashOverShort).code, "5901");
        assert_eq!(
            at(AccountRole::SimpananSukarela).class(),
            Some(AccountClass::Liability)
        );
        assert_eq!(
            at(AccountRole::SimpananPokok).class(),
            Some(AccountClass::Equity)
        );
        assert_eq!(at(AccountRole::Cash).name(Lang::Id), "Kas");
        assert_eq!(at(AccountRole::Cash).name(Lang::En), "Cash");
    }

    // --- check_lines -------------------------------------------------------------------------

    /// A small chart: `ok` accounts are active posting accounts.
    #[derive(Debug, Clone)]
    struct Chart {
        states: HashMap<AccountId, AccountState>,
    }

    impl Chart {
        fn new() -> Chart {
            Chart {
                states: HashMap::new(),
            }
        }
        fn add(&mut self, c: &str, is_header: bool, active: bool) -> AccountId {
            let id = AccountId::new();
            self.states.insert(
                id,
                AccountState {
                    code: code(c),
                    is_header,
                    active,
                },
            );
            id
        }
        fn lookup(&self) -> impl Fn(AccountId) -> Option<AccountState> + '_ {
            |id| self.states.get(&id).cloned()
        }
    }

    fn dr(account: AccountId, n: i64) -> LineInput {
        LineInput {
            account,
            debit: Rupiah(n),
            credit: Rupiah::ZERO,
            memo: None,
        }
    }

    fn cr(account: AccountId, n: i64) -> LineInput {
        LineInput {
            account,
            debit: Rupiah::ZERO,
            credit: Rupiah(n),
            memo: None,
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_balanced_entry_passes_and_returns_its_total() {
        let mut chart = Chart::new();
        let kas = chart.add("1101", false, true);
        let pokok = chart.add("3101", false, true);
        let wajib = chart.add("3102", false, true);
        let lines = [dr(kas, 160_000), cr(pokok, 100_000), cr(wajib, 60_000)];
        assert_eq!(check_lines(&lines, chart.lookup()), Ok(Rupiah(160_000)));
    }

    #[test]
    fn empty_and_single_line_entries_are_refused() {
        let mut chart = Chart::new();
        let kas = chart.add("1101", false, true);
        let errs = check_lines(&[], chart.lookup()).unwrap_err();
        assert_eq!(fields(&errs), ["lines"]);
        assert!(errs[0].msg.id.contains("kosong"));
        let errs = check_lines(&[dr(kas, 0)], chart.lookup()).unwrap_err();
        assert_eq!(fields(&errs), ["lines", "lines[0]"]);
        assert!(errs[0].msg.id.contains("dua baris"));
        // One line is refused even when it would "balance" on its own.
        let both = LineInput {
            account: kas,
            debit: Rupiah(5),
            credit: Rupiah(5),
            memo: None,
        };
        let errs = check_lines(&[both], chart.lookup()).unwrap_err();
        assert_eq!(fields(&errs), ["lines", "lines[0]"]);
    }

    #[test]
    fn bad_lines_are_each_named() {
        let mut chart = Chart::new();
        let kas = chart.add("1101", false, true);
        let header = chart.add("11", true, true);
        let old = chart.add("1107", false, false);
        let unknown = AccountId::new();
        let both = LineInput {
            account: kas,
            debit: Rupiah(10),
            credit: Rupiah(10),
            memo: Some("salah".into()),
        };
        let lines = [
            dr(kas, 100),     // 0 fine
            both,             // 1 both sides
            dr(kas, 0),       // 2 neither
            cr(kas, -5),      // 3 negative
            cr(unknown, 100), // 4 unknown account
            cr(header, 100),  // 5 header
            cr(old, 100),     // 6 inactive
        ];
        let errs = check_lines(&lines, chart.lookup()).unwrap_err();
        assert_eq!(
            fields(&errs),
            [
                "lines[1]", "lines[2]", "lines[3]", "lines[4]", "lines[5]", "lines[6]"
            ],
            "no balance error while amounts are malformed"
        );
        assert_eq!(
            errs[0].msg.id,
            "Baris 2: isi debit atau kredit saja, tidak keduanya"
        );
        assert_eq!(
            errs[0].msg.en,
            "Line 2: fill in either the debit or the credit, not both"
        );
        assert!(errs[1].msg.id.starts_with("Baris 3: isi jumlah"));
        assert!(errs[2].msg.id.contains("negatif"));
        assert!(errs[3].msg.id.contains("tidak ditemukan"));
        assert_eq!(
            errs[4].msg.id,
            "Baris 6: akun 11 adalah akun induk (kelompok); pilih salah satu akun di bawahnya"
        );
        assert_eq!(errs[5].msg.id, "Baris 7: akun 1107 sudah tidak aktif");
        assert_eq!(errs[5].msg.en, "Line 7: account 1107 is no longer active");
    }

    #[test]
    fn an_unbalanced_entry_names_both_totals() {
        let mut chart = Chart::new();
        let kas = chart.add("1101", false, true);
        let sukarela = chart.add("2101", false, true);
        let errs = check_lines(
            &[dr(kas, 1_250_000), cr(sukarela, 1_000_000)],
            chart.lookup(),
        )
        .unwrap_err();
        assert_eq!(fields(&errs), ["lines"]);
        assert_eq!(
            errs[0].msg.id,
            "Jurnal tidak seimbang: jumlah debit Rp 1.250.000, jumlah kredit Rp 1.000.000 (selisih Rp 250.000)"
        );
        assert_eq!(
            errs[0].msg.en,
            "The entry does not balance: debits total Rp 1.250.000, credits total Rp 1.000.000 (difference Rp 250.000)"
        );
        // A zero line and an imbalance are both reported.
        let errs = check_lines(
            &[dr(kas, 10), cr(sukarela, 5), cr(sukarela, 0)],
            chart.lookup(),
        )
        .unwrap_err();
        assert_eq!(fields(&errs), ["lines[2]", "lines"]);
    }

    #[test]
    fn overflow_is_refused() {
        let mut chart = Chart::new();
        let kas = chart.add("1101", false, true);
        let sukarela = chart.add("2101", false, true);
        let lines = [
            dr(kas, i64::MAX),
            dr(kas, 1),
            cr(sukarela, i64::MAX),
            cr(sukarela, 1),
        ];
        let errs = check_lines(&lines, chart.lookup()).unwrap_err();
        assert_eq!(fields(&errs), ["lines"]);
        assert!(errs[0].msg.id.contains("terlalu besar"));
        // The largest total that fits is fine.
        assert_eq!(
            check_lines(&[dr(kas, i64::MAX), cr(sukarela, i64::MAX)], chart.lookup()),
            Ok(Rupiah(i64::MAX))
        );
        // An imbalance of nearly the whole range still formats.
        let errs = check_lines(&[dr(kas, i64::MAX), cr(sukarela, 1)], chart.lookup()).unwrap_err();
        assert!(
            errs[0]
                .msg
                .id
                .contains("selisih Rp 9.223.372.036.854.775.806")
        );
    }

    #[test]
    fn reversal_swaps_sides_and_keeps_the_rest() {
        let a = AccountId::new();
        let b = AccountId::new();
        let mut line = dr(a, 100);
        line.memo = Some("setoran".into());
        let rev = reversal(&[line.clone(), cr(b, 100)]);
        assert_eq!(rev[0].account, a);
        assert_eq!(rev[0].debit, Rupiah::ZERO);
        assert_eq!(rev[0].credit, Rupiah(100));
        assert_eq!(rev[0].memo.as_deref(), Some("setoran"));
        assert_eq!(rev[1], dr(b, 100));
        assert_eq!(reversal(&rev), vec![line, cr(b, 100)]);
        assert!(reversal(&[]).is_empty());
    }

    // --- fiscal years ------------------------------------------------------------------------

    #[test]
    fn fiscal_years() {
        assert_eq!(fiscal_year_of(date!(2025 - 01 - 01), 1), 2025);
        assert_eq!(fiscal_year_of(date!(2025 - 12 - 31), 1), 2025);
        assert_eq!(fiscal_year_of(date!(2025 - 03 - 15), 7), 2024);
        assert_eq!(fiscal_year_of(date!(2025 - 06 - 30), 7), 2024);
        assert_eq!(fiscal_year_of(date!(2025 - 07 - 01), 7), 2025);
        assert_eq!(fiscal_year_of(date!(2025 - 12 - 01), 12), 2025);
        assert_eq!(fiscal_year_of(date!(2025 - 11 - 30), 12), 2024);
        // Out-of-range months are clamped.
        assert_eq!(fiscal_year_of(date!(2025 - 01 - 01), 0), 2025);
        assert_eq!(fiscal_year_of(date!(2025 - 11 - 01), 13), 2024);

        assert_eq!(
            fiscal_year_bounds(2025, 1),
            (date!(2025 - 01 - 01), date!(2025 - 12 - 31))
        );
        assert_eq!(
            fiscal_year_bounds(2024, 7),
            (date!(2024 - 07 - 01), date!(2025 - 06 - 30))
        );
        assert_eq!(
            fiscal_year_bounds(2023, 3),
            (date!(2023 - 03 - 01), date!(2024 - 02 - 29))
        );
        assert_eq!(
            fiscal_year_bounds(2024, 12),
            (date!(2024 - 12 - 01), date!(2025 - 11 - 30))
        );
        // The edges of the calendar do not panic.
        assert_eq!(
            fiscal_year_bounds(9999, 1),
            (date!(9999 - 01 - 01), Date::MAX)
        );
        assert_eq!(fiscal_year_bounds(9999, 7).1, Date::MAX);
        assert_eq!(fiscal_year_bounds(i32::MAX, 7), (Date::MAX, Date::MAX));
        assert_eq!(fiscal_year_bounds(i32::MIN, 7), (Date::MIN, Date::MIN));
    }

    // --- balances ----------------------------------------------------------------------------

    #[test]
    fn balances_on_the_normal_side() {
        let b = Balance {
            debit: Rupiah(500),
            credit: Rupiah(200),
        };
        assert_eq!(b.net_debit(), 300);
        assert_eq!(balance_in_normal_side(AccountClass::Asset, &b), 300);
        assert_eq!(balance_in_normal_side(AccountClass::Expense, &b), 300);
        assert_eq!(balance_in_normal_side(AccountClass::Liability, &b), -300);
        assert_eq!(balance_in_normal_side(AccountClass::Equity, &b), -300);
        assert_eq!(balance_in_normal_side(AccountClass::Income, &b), -300);
        let extreme = Balance {
            debit: Rupiah(0),
            credit: Rupiah(i64::MAX),
        };
        assert_eq!(extreme.net_debit(), -i64::MAX);
        assert_eq!(
            balance_in_normal_side(AccountClass::Equity, &extreme),
            i64::MAX
        );
        assert_eq!(
            Balance::default().checked_add(Rupiah(5), Rupiah(3)),
            Some(Balance {
                debit: Rupiah(5),
                credit: Rupiah(3)
            })
        );
        assert_eq!(
            Balance {
                debit: Rupiah(i64::MAX),
                credit: Rupiah(0)
            }
            .checked_add(Rupiah(1), Rupiah(0)),
            None
        );
    }

    // --- properties --------------------------------------------------------------------------

    /// A balanced set of lines over a few active posting accounts: random debits and credits,
    /// plus one line that makes up the difference.
    fn balanced_lines() -> impl Strategy<Value = (Chart, Vec<LineInput>)> {
        (
            prop::collection::vec((0usize..4, 1i64..=1_000_000_000_000), 1..6),
            prop::collection::vec((0usize..4, 1i64..=1_000_000_000_000), 1..6),
            0usize..4,
        )
            .prop_map(|(debits, credits, fix)| {
                let mut chart = Chart::new();
                let ids: Vec<AccountId> = ["1101", "1102", "2101", "3102"]
                    .iter()
                    .map(|c| chart.add(c, false, true))
                    .collect();
                let mut lines: Vec<LineInput> = debits
                    .iter()
                    .map(|(a, n)| dr(ids[*a], *n))
                    .chain(credits.iter().map(|(a, n)| cr(ids[*a], *n)))
                    .collect();
                let d: i64 = debits.iter().map(|x| x.1).sum();
                let c: i64 = credits.iter().map(|x| x.1).sum();
                if d > c {
                    lines.push(cr(ids[fix], d - c));
                } else if c > d {
                    lines.push(dr(ids[fix], c - d));
                }
                (chart, lines)
            })
    }

    proptest! {
        #[test]
        fn balanced_lines_pass_and_so_does_their_reversal((chart, lines) in balanced_lines()) {
            let total = check_lines(&lines, chart.lookup());
            let debits: i64 = lines.iter().map(|l| l.debit.0).sum();
            let credits: i64 = lines.iter().map(|l| l.credit.0).sum();
            prop_assert_eq!(debits, credits);
            prop_assert_eq!(total.clone(), Ok(Rupiah(debits)));
            let rev = reversal(&lines);
            prop_assert_eq!(check_lines(&rev, chart.lookup()), total);
            prop_assert_eq!(rev.len(), lines.len());
            // The entry and its reversal cancel, account by account.
            let mut net: HashMap<AccountId, i64> = HashMap::new();
            for l in lines.iter().chain(&rev) {
                *net.entry(l.account).or_default() += l.debit.0 - l.credit.0;
            }
            prop_assert!(net.values().all(|v| *v == 0));
            prop_assert_eq!(reversal(&rev), lines);
        }

        #[test]
        fn unbalanced_lines_fail(
            (chart, mut lines) in balanced_lines(),
            which in any::<prop::sample::Index>(),
            extra in 1i64..=1_000_000,
        ) {
            let i = which.index(lines.len());
            let line = &mut lines[i];
            if line.debit.is_positive() {
                line.debit = Rupiah(line.debit.0 + extra);
            } else {
                line.credit = Rupiah(line.credit.0 + extra);
            }
            let errs = check_lines(&lines, chart.lookup()).unwrap_err();
            prop_assert_eq!(errs.len(), 1);
            prop_assert_eq!(errs[0].field.as_str(), "lines");
            prop_assert!(errs[0].msg.id.starts_with("Jurnal tidak seimbang"));
            let diff = format!("(selisih {})", Rupiah(extra));
            prop_assert!(errs[0].msg.id.ends_with(&diff));
        }

        #[test]
        fn fiscal_year_bounds_contain_exactly_their_dates(
            days in 0i32..80_000,
            start in 1u8..=12,
        ) {
            let d = date!(1970 - 01 - 01) + time::Duration::days(i64::from(days));
            let fy = fiscal_year_of(d, start);
            let (first, last) = fiscal_year_bounds(fy, start);
            prop_assert!(first <= d && d <= last);
            prop_assert_eq!(first.day(), 1);
            prop_assert_eq!(u8::from(first.month()), start);
            prop_assert_eq!(first.year(), fy);
            prop_assert_eq!(last.next_day().map(|n| fiscal_year_of(n, start)), Some(fy + 1));
            prop_assert_eq!(first.previous_day().map(|p| fiscal_year_of(p, start)), Some(fy - 1));
        }
    }
}
