//! The books: chart of accounts, trial balance, an account's general ledger, the journal,
//! and a member's passbook.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use guyub_core::ids::{AccountId, ProductId};
use guyub_core::member::parse_date;
use guyub_core::money::Rupiah;
use guyub_core::{Lang, fmt_id};
use guyub_store::ledger::{Account, Entry, LedgerLine};
use guyub_store::savings::{BalanceLine, SavingsTx};
use serde::Deserialize;

use super::members::today_in;
use super::{Page, render};
use crate::auth::{Caller, Need, coop_access, member_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// Money as the pages show it: `Rp 1.250.000`, or empty for zero where a blank reads better.
pub fn rp(n: i64) -> String {
    Rupiah(n).to_string()
}

fn rp_or_blank(n: i64) -> String {
    if n == 0 { String::new() } else { rp(n) }
}

pub struct AccountLine {
    pub a: Account,
    pub depth: usize,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "books/accounts.html")]
struct AccountsPage {
    p: Page,
    kid: String,
    accounts: Vec<AccountLine>,
}

pub async fn accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let accounts = state.store.tenant(coop.id).accounts().await?;
    let lines = accounts
        .into_iter()
        .map(|a| AccountLine {
            depth: a.code.len().min(4),
            balance: if a.is_header {
                String::new()
            } else {
                rp(a.balance())
            },
            a,
        })
        .collect();
    Ok(render(&AccountsPage {
        p: Page::new(&caller, "books-accounts-title")
            .in_coop(&coop, &access, "books")
            .at(&format!("/k/{kid}/buku")),
        kid,
        accounts: lines,
    }))
}

pub struct TrialLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub debit: String,
    pub credit: String,
}

#[derive(Template)]
#[template(path = "books/trial_balance.html")]
struct TrialPage {
    p: Page,
    kid: String,
    rows: Vec<TrialLine>,
    total_debit: String,
    total_credit: String,
    balanced: bool,
}

pub async fn trial_balance(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let tb = state.store.tenant(coop.id).trial_balance().await?;
    let rows = tb
        .rows
        .iter()
        .map(|a| {
            let net = a.debit - a.credit;
            TrialLine {
                id: a.id.to_string(),
                code: a.code.clone(),
                name: a.name.clone(),
                debit: if net > 0 { rp(net) } else { String::new() },
                credit: if net < 0 { rp(-net) } else { String::new() },
            }
        })
        .collect();
    Ok(render(&TrialPage {
        p: Page::new(&caller, "books-trial-title")
            .in_coop(&coop, &access, "books")
            .at(&format!("/k/{kid}/buku/neraca-saldo")),
        kid,
        rows,
        total_debit: rp(tb.total_debit),
        total_credit: rp(tb.total_credit),
        balanced: tb.total_debit == tb.total_credit,
    }))
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
}

pub struct GlLine {
    pub no: i64,
    pub date: String,
    pub description: String,
    pub debit: String,
    pub credit: String,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "books/ledger.html")]
struct LedgerPage {
    p: Page,
    kid: String,
    account: Account,
    from: String,
    until: String,
    opening: String,
    closing: String,
    lines: Vec<GlLine>,
}

fn gl_lines(lines: Vec<LedgerLine>, lang: Lang) -> Vec<GlLine> {
    lines
        .into_iter()
        .map(|l| GlLine {
            no: l.entry_no,
            date: fmt_id::tanggal(l.date, lang),
            description: l.description,
            debit: rp_or_blank(l.debit),
            credit: rp_or_blank(l.credit),
            balance: rp(l.balance),
        })
        .collect()
}

pub async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, aid)): Path<(String, String)>,
    Query(q): Query<RangeQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = AccountId::parse(&aid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let account = tenant.account(id).await?;
    let today = today_in(&coop);
    let from = parse_date(&q.dari).unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    let until = parse_date(&q.sampai).unwrap_or(today);
    let (opening, lines) = tenant.general_ledger(id, from, until).await?;
    let closing = lines.last().map(|l| l.balance).unwrap_or(opening);
    Ok(render(&LedgerPage {
        p: Page::new(&caller, "books-ledger-title")
            .titled(format!("{} {}", account.code, account.name))
            .in_coop(&coop, &access, "books")
            .at(&format!("/k/{kid}/buku/akun/{aid}")),
        kid,
        from: from.to_string(),
        until: until.to_string(),
        opening: rp(opening),
        closing: rp(closing),
        lines: gl_lines(lines, caller.lang),
        account,
    }))
}

pub struct JournalView {
    pub no: i64,
    pub date: String,
    pub description: String,
    pub reference: String,
    pub source: String,
    pub reversed: bool,
    pub lines: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "books/journal.html")]
struct JournalPage {
    p: Page,
    kid: String,
    entries: Vec<JournalView>,
    page: u32,
    has_more: bool,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<u32>,
}

fn journal_view(e: Entry, lang: Lang) -> JournalView {
    JournalView {
        no: e.entry_no,
        date: fmt_id::tanggal(e.date, lang),
        description: e.description,
        reference: e.reference.unwrap_or_default(),
        source: e.source,
        reversed: e.reversed_by.is_some(),
        lines: e
            .lines
            .into_iter()
            .map(|l| {
                (
                    l.account_code,
                    l.account_name,
                    rp_or_blank(l.debit),
                    rp_or_blank(l.credit),
                )
            })
            .collect(),
    }
}

pub async fn journal(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    const PAGE: u32 = 30;
    let page = q.page.unwrap_or(1).max(1);
    let mut entries = state
        .store
        .tenant(coop.id)
        .journal(None, None, PAGE, (page - 1) * PAGE)
        .await?;
    let has_more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    Ok(render(&JournalPage {
        p: Page::new(&caller, "books-journal-title")
            .in_coop(&coop, &access, "books")
            .at(&format!("/k/{kid}/buku/jurnal")),
        kid,
        entries: entries
            .into_iter()
            .map(|e| journal_view(e, caller.lang))
            .collect(),
        page,
        has_more,
    }))
}

pub struct PassbookLine {
    pub date: String,
    pub kind: String,
    pub amount_in: String,
    pub amount_out: String,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "books/passbook.html")]
struct PassbookPage {
    p: Page,
    kid: String,
    mid: String,
    member_name: String,
    member_no: String,
    balances: Vec<(String, String, String, bool)>,
    product_name: String,
    lines: Vec<PassbookLine>,
    can_cashier: bool,
}

#[derive(Deserialize, Default)]
pub struct ProductQuery {
    produk: Option<String>,
}

fn passbook_lines(txs: Vec<SavingsTx>, lang: Lang) -> Vec<PassbookLine> {
    txs.into_iter()
        .map(|t| PassbookLine {
            date: fmt_id::tanggal(t.date, lang),
            kind: guyub_core::savings::TxKind::parse(&t.kind)
                .map(|k| k.label(lang).to_string())
                .unwrap_or(t.kind),
            amount_in: if t.amount > 0 {
                rp(t.amount)
            } else {
                String::new()
            },
            amount_out: if t.amount < 0 {
                rp(-t.amount)
            } else {
                String::new()
            },
            balance: rp(t.balance_after),
        })
        .collect()
}

/// A member's passbook (buku simpanan): balances per product and one product's transactions.
/// The member sees their own; the board, supervisors and cashiers see any member's.
pub async fn passbook(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Query(q): Query<ProductQuery>,
) -> WebResult<Response> {
    let (coop, access, member) = member_access(&state, &caller, &kid, &mid).await?;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(member).await?;
    let balances: Vec<BalanceLine> = tenant.balances(member).await?;
    let chosen = q
        .produk
        .as_deref()
        .and_then(ProductId::parse)
        .or_else(|| {
            balances
                .iter()
                .find(|b| b.balance != 0)
                .map(|b| b.product.id)
        })
        .or_else(|| balances.first().map(|b| b.product.id));
    let (product_name, lines) = match chosen {
        Some(pid) => {
            let name = balances
                .iter()
                .find(|b| b.product.id == pid)
                .map(|b| b.product.name.clone())
                .ok_or(WebError::NotFound)?;
            (
                name,
                passbook_lines(tenant.passbook(member, pid).await?, caller.lang),
            )
        }
        None => (String::new(), vec![]),
    };
    Ok(render(&PassbookPage {
        p: Page::new(&caller, "passbook-title")
            .in_coop(&coop, &access, "members")
            .at(&format!("/k/{kid}/anggota/{mid}/simpanan")),
        balances: balances
            .iter()
            .map(|b| {
                (
                    b.product.id.to_string(),
                    b.product.name.clone(),
                    rp(b.balance),
                    Some(b.product.id) == chosen,
                )
            })
            .collect(),
        kid,
        mid,
        member_name: m.name,
        member_no: m.member_no,
        product_name,
        lines,
        can_cashier: access.allows(Need::Cashier),
    }))
}
