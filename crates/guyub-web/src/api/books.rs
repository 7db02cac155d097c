//! API: the books (chart of accounts, journal, trial balance) and members' savings (products,
//! balances, passbooks, counter transactions and their receipts).
//!
//! The same access rules as the pages: the books for the board, supervisors and the platform
//! admin; a member's balances and passbook for whoever may read the register and for the
//! member themselves; posting for the board and cashiers. A savings transaction moves money,
//! so it requires an `Idempotency-Key` header: a replay with the same key and body returns
//! the first receipt (200) and posts nothing; the same key with another body is refused (409).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use guyub_core::ids::{EntryId, MemberId, ProductId, ReceiptId};
use guyub_core::member::parse_date;
use guyub_core::money::Rupiah;
use guyub_core::savings::{PayMethod, TxKind};
use guyub_core::{FieldError, Msg};
use guyub_store::ledger::{Account, Entry};
use guyub_store::savings::{CounterRequest, Movement, Product, Receipt, SavingsTx};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Need, coop_access, member_access};
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::pages::members::today_in;
use crate::state::AppState;

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// "Name <e-mail>" (how the books name who posted) → "Name".
fn person(actor: &str) -> String {
    actor.split(" <").next().unwrap_or_default().to_string()
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// An account of the chart, with its totals.
#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub id: String,
    pub code: String,
    pub name: String,
    /// aset | kewajiban | ekuitas | pendapatan | beban
    pub class: String,
    pub parent_id: Option<String>,
    pub is_header: bool,
    pub active: bool,
    /// The role the software posts to this account by (e.g. kas, simpanan_wajib), if any.
    pub role: Option<String>,
    /// Sum of debits, whole rupiah.
    pub debit: i64,
    /// Sum of credits, whole rupiah.
    pub credit: i64,
    /// The balance on the account's normal side (debit for assets and expenses).
    pub balance: i64,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> Self {
        AccountOut {
            id: a.id.to_string(),
            code: a.code.clone(),
            name: a.name.clone(),
            class: a.class.clone(),
            parent_id: a.parent_id.map(|p| p.to_string()),
            is_header: a.is_header,
            active: a.active,
            role: a.role.clone(),
            debit: a.debit,
            credit: a.credit,
            balance: if a.is_header { 0 } else { a.balance() },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountsOut {
    pub accounts: Vec<AccountOut>,
}

/// The chart of accounts with current balances, ordered by code.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/accounts", tag = "books",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = AccountsOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<AccountsOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let accounts = state.store.tenant(coop.id).accounts().await?;
    Ok(Json(AccountsOut {
        accounts: accounts.iter().map(AccountOut::from).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Journal

#[derive(Serialize, ToSchema)]
pub struct EntryLineOut {
    pub line_no: i64,
    pub account_id: String,
    pub account_code: String,
    pub account_name: String,
    pub debit: i64,
    pub credit: i64,
    pub memo: Option<String>,
}

/// A journal entry with its lines; debits equal credits.
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: String,
    pub entry_no: i64,
    /// YYYY-MM-DD
    pub date: String,
    pub description: String,
    pub reference: Option<String>,
    /// manual | savings | opening | cash_closing | settlement | reversal
    pub source: String,
    pub source_id: Option<String>,
    /// The entry this one reverses.
    pub reverses_id: Option<String>,
    /// The entry that reversed this one.
    pub reversed_by: Option<String>,
    pub total: i64,
    pub created_by: String,
    /// RFC 3339
    pub created_at: String,
    pub lines: Vec<EntryLineOut>,
}

impl From<&Entry> for EntryOut {
    fn from(e: &Entry) -> Self {
        EntryOut {
            id: e.id.to_string(),
            entry_no: e.entry_no,
            date: e.date.to_string(),
            description: e.description.clone(),
            reference: e.reference.clone(),
            source: e.source.clone(),
            source_id: e.source_id.clone(),
            reverses_id: e.reverses_id.map(|x| x.to_string()),
            reversed_by: e.reversed_by.map(|x| x.to_string()),
            total: e.total,
            created_by: person(&e.created_by),
            created_at: ts(e.created_at),
            lines: e
                .lines
                .iter()
                .map(|l| EntryLineOut {
                    line_no: l.line_no,
                    account_id: l.account_id.to_string(),
                    account_code: l.account_code.clone(),
                    account_name: l.account_name.clone(),
                    debit: l.debit,
                    credit: l.credit,
                    memo: l.memo.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct JournalParams {
    /// YYYY-MM-DD (inclusive)
    #[serde(default)]
    from: String,
    /// YYYY-MM-DD (inclusive)
    #[serde(default)]
    until: String,
    /// 1, 2, … (50 entries a page, newest first)
    page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct JournalOut {
    pub entries: Vec<EntryOut>,
    pub page: u32,
    pub has_more: bool,
}

fn date_param(s: &str, name: &str) -> WebResult<Option<time::Date>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_date(s).map(Some).ok_or_else(|| {
        WebError::BadRequest(Msg::new(
            format!("Parameter {name} harus tanggal YYYY-MM-DD."),
            format!("The {name} parameter must be a YYYY-MM-DD date."),
        ))
    })
}

/// The journal, newest first, 50 entries a page.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/journal", tag = "books",
    params(("coop_id" = String, Path, description = "Coop id (UUID)"), JournalParams),
    responses((status = 200, body = JournalOut), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn list_journal(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(p): Query<JournalParams>,
) -> WebResult<Json<JournalOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    const PAGE: u32 = 50;
    let from = date_param(&p.from, "from")?;
    let until = date_param(&p.until, "until")?;
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let mut entries = state
        .store
        .tenant(coop.id)
        .journal(from, until, PAGE, (page - 1) * PAGE)
        .await?;
    let has_more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    Ok(Json(JournalOut {
        entries: entries.iter().map(EntryOut::from).collect(),
        page,
        has_more,
    }))
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/journal/{entry_id}", tag = "books",
    params(("coop_id" = String, Path, description = "Coop id"), ("entry_id" = String, Path, description = "Journal entry id")),
    responses((status = 200, body = EntryOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, eid)): Path<(String, String)>,
) -> WebResult<Json<EntryOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = EntryId::parse(&eid).ok_or(WebError::NotFound)?;
    let e = state.store.tenant(coop.id).entry(id).await?;
    Ok(Json(EntryOut::from(&e)))
}

// ---------------------------------------------------------------------------------------------
// Trial balance

#[derive(Serialize, ToSchema)]
pub struct TrialRowOut {
    pub account_id: String,
    pub code: String,
    pub name: String,
    /// The net balance when on the debit side, else 0.
    pub debit: i64,
    /// The net balance when on the credit side, else 0.
    pub credit: i64,
}

/// The trial balance (neraca saldo): every posting account that has moved, with its net
/// balance on one side; the totals are always equal.
#[derive(Serialize, ToSchema)]
pub struct TrialBalanceOut {
    pub rows: Vec<TrialRowOut>,
    pub total_debit: i64,
    pub total_credit: i64,
    pub balanced: bool,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/trial-balance", tag = "books",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = TrialBalanceOut), (status = 403, body = ApiErrorBody)))]
pub async fn trial_balance(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<TrialBalanceOut>> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let tb = state.store.tenant(coop.id).trial_balance().await?;
    Ok(Json(TrialBalanceOut {
        rows: tb
            .rows
            .iter()
            .map(|a| {
                let net = a.debit - a.credit;
                TrialRowOut {
                    account_id: a.id.to_string(),
                    code: a.code.clone(),
                    name: a.name.clone(),
                    debit: net.max(0),
                    credit: (-net).max(0),
                }
            })
            .collect(),
        total_debit: tb.total_debit,
        total_credit: tb.total_credit,
        balanced: tb.total_debit == tb.total_credit,
    }))
}

// ---------------------------------------------------------------------------------------------
// Savings products, balances and passbooks

/// A savings product of the coop.
#[derive(Serialize, ToSchema)]
pub struct ProductOut {
    pub id: String,
    /// POKOK, WAJIB, SUKARELA, or the coop's own code
    pub code: String,
    pub name: String,
    /// pokok | wajib | sukarela | berjangka | lain
    pub kind: String,
    /// The ledger account the product posts to.
    pub account_id: String,
    pub min_balance: i64,
    pub term_months: Option<i64>,
    pub active: bool,
    /// Whether a member may withdraw while a member (only sukarela).
    pub withdrawable: bool,
}

impl From<&Product> for ProductOut {
    fn from(p: &Product) -> Self {
        ProductOut {
            id: p.id.to_string(),
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind.clone(),
            account_id: p.account_id.to_string(),
            min_balance: p.min_balance,
            term_months: p.term_months,
            active: p.active,
            withdrawable: p.kind().withdrawable_while_member(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductsOut {
    pub products: Vec<ProductOut>,
}

/// The coop's savings products, in passbook order.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/products", tag = "savings",
    params(("coop_id" = String, Path, description = "Coop id (UUID)")),
    responses((status = 200, body = ProductsOut), (status = 403, body = ApiErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Json<ProductsOut>> {
    // Whoever may read the register, and members (to name the products of their passbook).
    let (coop, _) = member_coop(&state, &caller, &kid).await?;
    let products = state.store.tenant(coop.id).products().await?;
    Ok(Json(ProductsOut {
        products: products.iter().map(ProductOut::from).collect(),
    }))
}

/// A coop the caller is a member (anggota) of, else the refusal.
async fn member_coop(
    state: &AppState,
    caller: &Caller,
    kid: &str,
) -> WebResult<(guyub_store::coop::Koperasi, crate::auth::Access)> {
    let id = guyub_core::ids::KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    let coop = state.store.koperasi_recent(id).await?;
    let access = caller.access(&coop).ok_or_else(WebError::other_coop)?;
    if access.allows(Need::ReadMembers) || access.member_id.is_some() {
        Ok((coop, access))
    } else {
        Err(WebError::forbidden())
    }
}

#[derive(Serialize, ToSchema)]
pub struct BalanceOut {
    pub product: ProductOut,
    /// Whole rupiah.
    pub balance: i64,
    /// A time deposit's maturity date (YYYY-MM-DD), from which it may be withdrawn; none for
    /// the other kinds and before the first deposit.
    pub maturity_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BalancesOut {
    pub member_id: String,
    pub balances: Vec<BalanceOut>,
    /// Sum of every product's balance.
    pub total: i64,
}

/// A member's balance in every product (zero where they have none yet).
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/members/{member_id}/savings", tag = "savings",
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id")),
    responses((status = 200, body = BalancesOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn member_balances(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
) -> WebResult<Json<BalancesOut>> {
    let (coop, _, member) = member_access(&state, &caller, &kid, &mid).await?;
    let tenant = state.store.tenant(coop.id);
    // The member must be this coop's.
    tenant.member(member).await?;
    let balances = tenant.balances(member).await?;
    Ok(Json(BalancesOut {
        member_id: member.to_string(),
        total: balances.iter().map(|b| b.balance).sum(),
        balances: balances
            .iter()
            .map(|b| BalanceOut {
                product: ProductOut::from(&b.product),
                balance: b.balance,
                maturity_date: b.maturity_date.map(|d| d.to_string()),
            })
            .collect(),
    }))
}

/// One savings transaction.
#[derive(Serialize, ToSchema)]
pub struct SavingsTxOut {
    pub id: String,
    pub product_id: String,
    pub product_name: String,
    /// YYYY-MM-DD
    pub date: String,
    /// setoran | penarikan | koreksi | saldo_awal | pengembalian
    pub kind: String,
    /// Signed, whole rupiah: positive into the member's savings, negative out of it.
    pub amount: i64,
    pub balance_after: i64,
    /// tunai | transfer | qris (none for opening balances)
    pub method: Option<String>,
    pub entry_id: String,
    pub receipt_id: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    /// RFC 3339
    pub created_at: String,
}

impl From<&SavingsTx> for SavingsTxOut {
    fn from(t: &SavingsTx) -> Self {
        SavingsTxOut {
            id: t.id.to_string(),
            product_id: t.product_id.to_string(),
            product_name: t.product_name.clone(),
            date: t.date.to_string(),
            kind: t.kind.clone(),
            amount: t.amount,
            balance_after: t.balance_after,
            method: t.method.clone(),
            entry_id: t.entry_id.to_string(),
            receipt_id: t.receipt_id.map(|r| r.to_string()),
            note: t.note.clone(),
            created_by: person(&t.created_by),
            created_at: ts(t.created_at),
        }
    }
}

/// A member's passbook (buku simpanan) for one product.
#[derive(Serialize, ToSchema)]
pub struct PassbookOut {
    pub member_id: String,
    pub product: ProductOut,
    /// The balance after the last transaction.
    pub balance: i64,
    /// Oldest first, each with the balance after it.
    pub transactions: Vec<SavingsTxOut>,
}

#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/members/{member_id}/savings/{product_id}/passbook", tag = "savings",
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id"),
        ("product_id" = String, Path, description = "Savings product id")),
    responses((status = 200, body = PassbookOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn passbook(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid, pid)): Path<(String, String, String)>,
) -> WebResult<Json<PassbookOut>> {
    let (coop, _, member) = member_access(&state, &caller, &kid, &mid).await?;
    let pid = ProductId::parse(&pid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    tenant.member(member).await?;
    let product = tenant
        .products()
        .await?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(WebError::NotFound)?;
    let txs = tenant.passbook(member, pid).await?;
    Ok(Json(PassbookOut {
        member_id: member.to_string(),
        product: ProductOut::from(&product),
        balance: txs.last().map(|t| t.balance_after).unwrap_or(0),
        transactions: txs.iter().map(SavingsTxOut::from).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Counter transactions and receipts

/// A receipt: what a member paid in or took out in one go.
#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    pub id: String,
    pub receipt_no: String,
    pub member_id: String,
    /// Net, whole rupiah: positive when money came in, negative when it went out.
    pub total: i64,
    /// tunai | transfer | qris
    pub method: String,
    pub cashier: String,
    /// RFC 3339
    pub created_at: String,
    pub lines: Vec<SavingsTxOut>,
}

impl From<&Receipt> for ReceiptOut {
    fn from(r: &Receipt) -> Self {
        ReceiptOut {
            id: r.id.to_string(),
            receipt_no: r.receipt_no.clone(),
            member_id: r.member_id.to_string(),
            total: r.total,
            method: r.method.clone(),
            cashier: person(&r.cashier),
            created_at: ts(r.created_at),
            lines: r.lines.iter().map(SavingsTxOut::from).collect(),
        }
    }
}

/// One movement of a savings transaction.
#[derive(Deserialize, ToSchema)]
pub struct MovementIn {
    pub product_id: String,
    /// setoran (deposit) | penarikan (withdrawal)
    pub kind: String,
    /// Whole rupiah as a JSON integer, more than 0.
    #[schema(value_type = i64, minimum = 1)]
    pub amount: serde_json::Value,
}

/// Payments in (or out) for one member, posted as one receipt and one journal entry.
#[derive(Deserialize, ToSchema)]
pub struct SavingsTransactionIn {
    /// tunai | transfer | qris
    pub method: String,
    pub movements: Vec<MovementIn>,
    /// Up to 200 characters.
    #[serde(default)]
    pub note: Option<String>,
}

fn idempotency_key(headers: &HeaderMap) -> WebResult<String> {
    let missing = || {
        WebError::BadRequest(Msg::new(
            "Header Idempotency-Key wajib ada pada transaksi simpanan (1–200 karakter, mis. sebuah UUID baru untuk setiap transaksi). Mengirim ulang dengan kunci yang sama tidak mencatat dua kali.",
            "The Idempotency-Key header is required on savings transactions (1–200 characters, e.g. a new UUID for each transaction). Sending again with the same key does not post twice.",
        ))
    };
    let key = headers
        .get("idempotency-key")
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?
        .trim()
        .to_string();
    if key.is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control()) {
        return Err(missing());
    }
    Ok(key)
}

/// Reads and checks the body: field-level problems are all reported at once (422).
fn movements_of(body: &SavingsTransactionIn, products: &[Product]) -> WebResult<Vec<Movement>> {
    let mut errors = vec![];
    if PayMethod::parse(&body.method).is_none() {
        errors.push(FieldError::new(
            "method",
            Msg::new(
                "Cara bayar harus tunai, transfer atau qris.",
                "The method must be tunai, transfer or qris.",
            ),
        ));
    }
    if body.movements.is_empty() {
        errors.push(FieldError::new(
            "movements",
            Msg::new(
                "Isi setidaknya satu transaksi.",
                "Give at least one movement.",
            ),
        ));
    }
    let mut out = vec![];
    for (i, m) in body.movements.iter().enumerate() {
        let field = |f: &str| format!("movements[{i}].{f}");
        let product =
            ProductId::parse(&m.product_id).and_then(|id| products.iter().find(|p| p.id == id));
        if product.is_none() {
            errors.push(FieldError::new(
                field("product_id"),
                Msg::new(
                    "Produk simpanan tidak dikenal di koperasi ini.",
                    "Unknown savings product in this cooperative.",
                ),
            ));
        }
        let kind =
            TxKind::parse(&m.kind).filter(|k| matches!(k, TxKind::Deposit | TxKind::Withdrawal));
        if kind.is_none() {
            errors.push(FieldError::new(
                field("kind"),
                Msg::new(
                    "Jenis harus setoran atau penarikan.",
                    "The kind must be setoran or penarikan.",
                ),
            ));
        }
        let amount = match &m.amount {
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(a) if a > 0 => Some(Rupiah(a)),
                Some(_) => {
                    errors.push(FieldError::new(
                        field("amount"),
                        Msg::new(
                            "Jumlah harus lebih dari 0.",
                            "The amount must be more than 0.",
                        ),
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        field("amount"),
                        Msg::new(
                            "Jumlah harus bilangan bulat rupiah, tanpa sen.",
                            "The amount must be a whole number of rupiah, without cents.",
                        ),
                    ));
                    None
                }
            },
            _ => {
                errors.push(FieldError::new(
                    field("amount"),
                    Msg::new(
                        "Jumlah harus angka JSON (bilangan bulat rupiah), bukan teks.",
                        "The amount must be a JSON number (whole rupiah), not text.",
                    ),
                ));
                None
            }
        };
        if let (Some(p), Some(k), Some(a)) = (product, kind, amount) {
            out.push(Movement {
                product: p.id,
                kind: k.as_str().to_string(),
                amount: a,
            });
        }
    }
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    Ok(out)
}

/// Takes payments (or pays out sukarela) for one member at the counter: one receipt, one
/// journal entry. Requires `Idempotency-Key`: a replay with the same key and body returns the
/// first receipt with 200 and posts nothing; the same key with another body is a 409. The
/// transaction is dated today in the coop's time zone.
#[utoipa::path(post, path = "/api/v1/coops/{coop_id}/members/{member_id}/savings-transactions", tag = "savings",
    request_body = SavingsTransactionIn,
    params(("coop_id" = String, Path, description = "Coop id"), ("member_id" = String, Path, description = "Member id"),
        ("Idempotency-Key" = String, Header, description = "A new unique key per transaction (e.g. a UUID), 1–200 characters")),
    responses((status = 201, body = ReceiptOut, description = "Posted"),
        (status = 200, body = ReceiptOut, description = "A replay: the first receipt, nothing posted"),
        (status = 400, body = ApiErrorBody, description = "No Idempotency-Key, or a body that is not JSON"),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Key reused with another body, balance too low, member not active, closed year"),
        (status = 422, body = ApiErrorBody)))]
pub async fn post_savings_transaction(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<(StatusCode, Json<ReceiptOut>)> {
    // The right first: a refused caller learns nothing from the body's checks.
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let member = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let key = idempotency_key(&headers)?;
    let body: SavingsTransactionIn = serde_json::from_slice(&body).map_err(|e| {
        WebError::BadRequest(Msg::new(
            format!("Isi permintaan bukan JSON yang sesuai: {e}"),
            format!("The request body is not the expected JSON: {e}"),
        ))
    })?;
    let tenant = state.store.tenant(coop.id);
    // Recently read: the desk checks the products and their accounts again as it posts.
    let products = tenant.products_recent().await?;
    let movements = movements_of(&body, &products)?;
    let req = CounterRequest {
        member,
        method: body.method.clone(),
        date: today_in(&coop),
        movements,
        note: body
            .note
            .as_deref()
            .map(|n| n.trim().chars().take(200).collect::<String>())
            .filter(|n| !n.is_empty()),
    };
    // Keys of the API and of the pages' forms live apart.
    let started = OffsetDateTime::now_utc();
    let receipt = tenant
        .counter(&caller.actor(), Some(&format!("api:{key}")), &req)
        .await?;
    // A receipt made before this request started is the first answer to this key: a replay.
    // (The store keeps time in whole microseconds, rounded down.)
    let started = started
        .replace_nanosecond(started.nanosecond() / 1000 * 1000)
        .unwrap_or(started);
    let replay = receipt.created_at < started;
    let status = if replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(ReceiptOut::from(&receipt))))
}

/// A receipt: for the board, supervisors and cashiers, and for the member it belongs to.
#[utoipa::path(get, path = "/api/v1/coops/{coop_id}/receipts/{receipt_id}", tag = "savings",
    params(("coop_id" = String, Path, description = "Coop id"), ("receipt_id" = String, Path, description = "Receipt id")),
    responses((status = 200, body = ReceiptOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_receipt(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
) -> WebResult<Json<ReceiptOut>> {
    let (coop, access) = member_coop(&state, &caller, &kid).await?;
    let rid = ReceiptId::parse(&rid).ok_or(WebError::NotFound)?;
    let r = state.store.tenant(coop.id).receipt(rid).await?;
    if !(access.allows(Need::Cashier)
        || access.allows(Need::ReadBooks)
        || access.member_id == Some(r.member_id))
    {
        return Err(WebError::forbidden());
    }
    Ok(Json(ReceiptOut::from(&r)))
}
