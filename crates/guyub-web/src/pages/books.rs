//! The books: chart of accounts, trial balance, an account's general ledger, the journal,
//! and a member's passbook.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::{AccountId, EntryId, ProductId};
use guyub_core::ledger::{AccountCode, LineInput};
use guyub_core::member::{clean_text, parse_date};
use guyub_core::money::Rupiah;
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::StoreError;
use guyub_store::coop::Koperasi;
use guyub_store::ledger::{Account, Entry, LedgerLine, NewEntry, Source};
use guyub_store::savings::{BalanceLine, SavingsTx};
use serde::Deserialize;
use uuid::Uuid;

use super::members::{OkQuery, today_in};
use super::{Form, Page, opt, render, render_status, too_large, url_encode};
use crate::auth::{Access, Caller, Need, coop_access, member_access};
use crate::error::{WebError, WebResult, field_messages};
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

/// The "add an account" form as posted (and re-shown with its errors).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddAccountFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// `ya` for a header (group) account.
    #[serde(default)]
    pub header: String,
}

#[derive(Template)]
#[template(path = "books/accounts.html")]
struct AccountsPage {
    p: Page,
    kid: String,
    accounts: Vec<AccountLine>,
    can_write: bool,
    /// Header accounts a new account may sit under: `(id, "code name")`.
    parents: Vec<(String, String)>,
    f: AddAccountFields,
    errors: BTreeMap<String, String>,
    general: Option<String>,
    /// Open the form at once (after an error).
    open: bool,
}

#[allow(clippy::too_many_arguments)]
fn accounts_page(
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    accounts: Vec<Account>,
    f: AddAccountFields,
    errors: &[FieldError],
    general: Option<&Msg>,
    ok: Option<&str>,
) -> AccountsPage {
    let kid = coop.id.to_string();
    let parents = accounts
        .iter()
        .filter(|a| a.is_header)
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect();
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
    let open = !errors.is_empty() || general.is_some();
    AccountsPage {
        p: Page::new(caller, "books-accounts-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku"))
            .flash(ok),
        kid,
        accounts: lines,
        can_write: access.allows(Need::WriteBooks),
        parents,
        f,
        errors: field_messages(errors, caller.lang),
        general: general.map(|m| m.get(caller.lang).to_string()),
        open,
    }
}

pub async fn accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let accounts = state.store.tenant(coop.id).accounts().await?;
    let f = AddAccountFields {
        header: "tidak".into(),
        ..Default::default()
    };
    Ok(render(&accounts_page(
        &caller,
        &coop,
        &access,
        accounts,
        f,
        &[],
        None,
        q.ok.as_deref(),
    )))
}

/// A person's text field: cleaned by the core's rule, required when `required`.
fn text_field(
    raw: &str,
    field: &str,
    max: usize,
    required: Option<Msg>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match clean_text(raw, field, max) {
        Ok(t) if t.is_empty() => {
            if let Some(m) = required {
                errors.push(FieldError::new(field, m));
            }
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// Adds an account to the chart (under a header account).
pub async fn add_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<AddAccountFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let tenant = state.store.tenant(coop.id);
    let mut errors = vec![];
    let parent = AccountId::parse(&f.parent);
    if parent.is_none() {
        errors.push(FieldError::new(
            "parent",
            Msg::new("Pilih akun induknya.", "Choose the parent account."),
        ));
    }
    let code = match AccountCode::parse(&f.code) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push(FieldError::new("code", e.msg()));
            None
        }
    };
    let name = text_field(
        &f.name,
        "name",
        100,
        Some(Msg::new(
            "Nama akun wajib diisi.",
            "The account name is required.",
        )),
        &mut errors,
    );
    let is_header = match f.header.as_str() {
        "ya" => Some(true),
        "tidak" | "" => Some(false),
        _ => None,
    };
    let (Some(parent), Some(code), Some(name), Some(is_header), true) =
        (parent, code, name, is_header, errors.is_empty())
    else {
        return add_refused(
            &state,
            &caller,
            &coop,
            &access,
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match tenant
        .add_account(&caller.actor(), parent, &code, &name, is_header)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/k/{kid}/buku?ok=account-added")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            add_refused(
                &state,
                &caller,
                &coop,
                &access,
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::NotFound) => {
            let e = FieldError::new(
                "parent",
                Msg::new(
                    "Akun induk tidak ditemukan.",
                    "The parent account was not found.",
                ),
            );
            add_refused(
                &state,
                &caller,
                &coop,
                &access,
                f,
                vec![e],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => {
            add_refused(
                &state,
                &caller,
                &coop,
                &access,
                f,
                vec![FieldError::new("code", m)],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_refused(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: AddAccountFields,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> WebResult<Response> {
    let accounts = state.store.tenant(coop.id).accounts().await?;
    let page = accounts_page(caller, coop, access, accounts, f, &errors, None, None);
    Ok(render_status(status, &page))
}

pub struct TrialLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub debit: String,
    pub credit: String,
}

/// A fiscal year as the trial balance page lists it.
pub struct PeriodLine {
    pub year: i32,
    pub range: String,
    pub closed: bool,
}

/// The "close a fiscal year" form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CloseYearFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub year: String,
    /// `ya` when the box "I understand…" is ticked.
    #[serde(default)]
    pub confirm: String,
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
    can_write: bool,
    periods: Vec<PeriodLine>,
    f: CloseYearFields,
    errors: BTreeMap<String, String>,
}

async fn trial_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    f: CloseYearFields,
    errors: &[FieldError],
    ok: Option<&str>,
) -> WebResult<TrialPage> {
    let kid = coop.id.to_string();
    let tenant = state.store.tenant(coop.id);
    let tb = tenant.trial_balance().await?;
    let periods = tenant
        .fiscal_periods()
        .await?
        .into_iter()
        .map(|(year, start, end, closed)| PeriodLine {
            year,
            range: format!(
                "{} – {}",
                fmt_id::tanggal(start, caller.lang),
                fmt_id::tanggal(end, caller.lang)
            ),
            closed,
        })
        .collect();
    let rows = tb
        .rows
        .iter()
        .map(|a| {
            let net = a.debit - a.credit;
            TrialLine {
                id: a.id.to_string(),
                code: a.code.clone(),
                name: a.name.clone(),
                debit: if net > 0 {
                    guyub_core::money::format_number(net)
                } else {
                    String::new()
                },
                credit: if net < 0 {
                    guyub_core::money::format_number(-net)
                } else {
                    String::new()
                },
            }
        })
        .collect();
    Ok(TrialPage {
        p: Page::new(caller, "books-trial-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku/neraca-saldo"))
            .flash(ok),
        kid,
        rows,
        total_debit: guyub_core::money::format_number(tb.total_debit),
        total_credit: guyub_core::money::format_number(tb.total_credit),
        balanced: tb.total_debit == tb.total_credit,
        can_write: access.allows(Need::WriteBooks),
        periods,
        f,
        errors: field_messages(errors, caller.lang),
    })
}

pub async fn trial_balance(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<OkQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let f = CloseYearFields {
        year: (today_in(&coop).year() - 1).to_string(),
        ..Default::default()
    };
    let page = trial_page(&state, &caller, &coop, &access, f, &[], q.ok.as_deref()).await?;
    Ok(render(&page))
}

/// Closes a fiscal year: nothing can be posted into it afterwards.
pub async fn close_year(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Form(f): Form<CloseYearFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let tenant = state.store.tenant(coop.id);
    let today = today_in(&coop);
    let mut errors = vec![];
    let year = match f.year.trim().parse::<i32>() {
        Ok(y) if (1945..=today.year()).contains(&y) => Some(y),
        Ok(_) => {
            errors.push(FieldError::new(
                "year",
                Msg::new(
                    format!("Tahun buku harus antara 1945 dan {}.", today.year()),
                    format!("The fiscal year must be between 1945 and {}.", today.year()),
                ),
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "year",
                Msg::new(
                    "Tulis tahun bukunya dengan angka, misalnya 2025.",
                    "Write the fiscal year in digits, e.g. 2025.",
                ),
            ));
            None
        }
    };
    if let Some(y) = year {
        let closed = tenant
            .fiscal_periods()
            .await?
            .iter()
            .any(|p| p.0 == y && p.3);
        if closed {
            errors.push(FieldError::new(
                "year",
                Msg::new(
                    format!("Tahun buku {y} sudah ditutup."),
                    format!("Fiscal year {y} is already closed."),
                ),
            ));
        }
    }
    if f.confirm != "ya" {
        errors.push(FieldError::new(
            "confirm",
            Msg::new(
                "Centang kotak ini untuk memastikan: setelah ditutup, tidak ada transaksi yang bisa dicatat pada tahun itu.",
                "Tick this box to confirm: once closed, nothing can be posted in that year.",
            ),
        ));
    }
    match (year, errors.is_empty()) {
        (Some(y), true) => {
            tenant.close_year(&caller.actor(), y).await?;
            Ok(Redirect::to(&format!("/k/{kid}/buku/neraca-saldo?ok=year-closed")).into_response())
        }
        _ => {
            let page = trial_page(&state, &caller, &coop, &access, f, &errors, None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    dari: String,
    #[serde(default)]
    sampai: String,
    ok: Option<String>,
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
    can_write: bool,
    /// The name in the rename form (as typed, after an error).
    name: String,
    errors: BTreeMap<String, String>,
    general: Option<String>,
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

#[allow(clippy::too_many_arguments)]
async fn ledger_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    id: AccountId,
    q: &RangeQuery,
    name: Option<String>,
    errors: &[FieldError],
    general: Option<&Msg>,
) -> WebResult<LedgerPage> {
    let kid = coop.id.to_string();
    let tenant = state.store.tenant(coop.id);
    let account = tenant.account(id).await?;
    let today = today_in(coop);
    let from = parse_date(&q.dari).unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    let until = parse_date(&q.sampai).unwrap_or(today);
    let (opening, lines) = tenant.general_ledger(id, from, until).await?;
    let closing = lines.last().map(|l| l.balance).unwrap_or(opening);
    Ok(LedgerPage {
        p: Page::new(caller, "books-ledger-title")
            .titled(format!("{} {}", account.code, account.name))
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku/akun/{id}"))
            .flash(q.ok.as_deref()),
        kid,
        from: from.to_string(),
        until: until.to_string(),
        opening: rp(opening),
        closing: rp(closing),
        lines: gl_lines(lines, caller.lang),
        can_write: access.allows(Need::WriteBooks),
        name: name.unwrap_or_else(|| account.name.clone()),
        errors: field_messages(errors, caller.lang),
        general: general.map(|m| m.get(caller.lang).to_string()),
        account,
    })
}

pub async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, aid)): Path<(String, String)>,
    Query(q): Query<RangeQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = AccountId::parse(&aid).ok_or(WebError::NotFound)?;
    let page = ledger_page(&state, &caller, &coop, &access, id, &q, None, &[], None).await?;
    Ok(render(&page))
}

/// The rename / deactivate / reactivate form of one account.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateAccountFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    /// `rename`, `deactivate` or `activate`.
    #[serde(default, rename = "do")]
    pub action: String,
}

pub async fn update_account(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, aid)): Path<(String, String)>,
    Form(f): Form<UpdateAccountFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let id = AccountId::parse(&aid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let account = tenant.account(id).await?;
    let mut errors = vec![];
    let (name, active) = match f.action.as_str() {
        "rename" => {
            let name = text_field(
                &f.name,
                "name",
                100,
                Some(Msg::new(
                    "Nama akun wajib diisi.",
                    "The account name is required.",
                )),
                &mut errors,
            );
            (name, account.active)
        }
        "deactivate" => (Some(account.name.clone()), false),
        "activate" => (Some(account.name.clone()), true),
        _ => {
            return Err(WebError::BadRequest(Msg::new(
                "Pilih perubahan yang akan disimpan.",
                "Choose the change to save.",
            )));
        }
    };
    let q = RangeQuery::default();
    let typed = (f.action == "rename").then(|| f.name.clone());
    let Some(name) = name else {
        let page = ledger_page(
            &state, &caller, &coop, &access, id, &q, typed, &errors, None,
        )
        .await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    match tenant
        .update_account(&caller.actor(), id, &name, active)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/k/{kid}/buku/akun/{aid}?ok=account-updated")).into_response(),
        ),
        Err(StoreError::Conflict(m)) => {
            let page = ledger_page(
                &state,
                &caller,
                &coop,
                &access,
                id,
                &q,
                typed,
                &[],
                Some(&m),
            )
            .await?;
            Ok(render_status(StatusCode::CONFLICT, &page))
        }
        Err(StoreError::Invalid(errors)) => {
            let page = ledger_page(
                &state, &caller, &coop, &access, id, &q, typed, &errors, None,
            )
            .await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The journal, manual entries, reversals and attachments

pub struct JournalView {
    pub id: String,
    pub no: i64,
    pub date: String,
    pub description: String,
    pub reference: String,
    pub source: String,
    pub reversed: bool,
    /// A manual entry that has not been reversed: it may still be.
    pub reversible: bool,
    pub lines: Vec<(String, String, String, String)>,
    /// `(id, file name)`.
    pub attachments: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "books/journal.html")]
struct JournalPage {
    p: Page,
    kid: String,
    entries: Vec<JournalView>,
    page: u32,
    has_more: bool,
    can_write: bool,
    today: String,
    general: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<u32>,
    ok: Option<String>,
}

fn source_label(source: &str, lang: Lang) -> String {
    let key = match source {
        "manual" => "books-source-manual",
        "savings" => "books-source-savings",
        "opening" => "books-source-opening",
        "cash_closing" => "books-source-cash-closing",
        "settlement" => "books-source-settlement",
        "reversal" => "books-source-reversal",
        other => return other.to_string(),
    };
    crate::i18n::t(lang, key)
}

fn journal_view(e: Entry, attachments: Vec<(Uuid, String, String)>, lang: Lang) -> JournalView {
    JournalView {
        id: e.id.to_string(),
        no: e.entry_no,
        date: fmt_id::tanggal(e.date, lang),
        description: e.description,
        reference: e.reference.unwrap_or_default(),
        reversible: e.source == Source::Manual.as_str()
            && e.reversed_by.is_none()
            && e.reverses_id.is_none(),
        source: source_label(&e.source, lang),
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
        attachments: attachments
            .into_iter()
            .map(|(id, name, _)| (id.to_string(), name))
            .collect(),
    }
}

async fn journal_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    page: u32,
    ok: Option<&str>,
    general: Option<&Msg>,
) -> WebResult<JournalPage> {
    const PAGE: u32 = 30;
    let kid = coop.id.to_string();
    let page = page.max(1);
    let tenant = state.store.tenant(coop.id);
    let mut entries = tenant
        .journal(None, None, PAGE, (page - 1).saturating_mul(PAGE))
        .await?;
    let has_more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    let mut views = Vec::with_capacity(entries.len());
    for e in entries {
        // Only manual entries carry attachments.
        let att = if e.source == Source::Manual.as_str() {
            tenant.attachments(e.id).await?
        } else {
            vec![]
        };
        views.push(journal_view(e, att, caller.lang));
    }
    Ok(JournalPage {
        p: Page::new(caller, "books-journal-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku/jurnal"))
            .flash(ok),
        kid,
        entries: views,
        page,
        has_more,
        can_write: access.allows(Need::WriteBooks),
        today: today_in(coop).to_string(),
        general: general.map(|m| m.get(caller.lang).to_string()),
    })
}

pub async fn journal(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let page = journal_page(
        &state,
        &caller,
        &coop,
        &access,
        q.page.unwrap_or(1),
        q.ok.as_deref(),
        None,
    )
    .await?;
    Ok(render(&page))
}

/// The reversal form of one entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReverseFields {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub reason: String,
}

/// Reverses a manual entry (a reversing entry linked to it); an entry is reversed once.
pub async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, eid)): Path<(String, String)>,
    Form(f): Form<ReverseFields>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    caller.check_csrf(&f.csrf)?;
    let id = EntryId::parse(&eid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let original = tenant.entry(id).await?;
    let today = today_in(&coop);
    let mut errors = vec![];
    let date = check_date(&f.date, today, &mut errors);
    let reason = text_field(
        &f.reason,
        "reason",
        200,
        Some(Msg::new(
            "Tuliskan alasan pembalikan.",
            "Give the reason for the reversal.",
        )),
        &mut errors,
    );
    let result = match (date, reason, errors.is_empty()) {
        (Some(date), Some(reason), true) => {
            match tenant.reverse(&caller.actor(), id, date, &reason).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/k/{kid}/buku/jurnal?ok=entry-reversed"))
                            .into_response(),
                    );
                }
                Err(StoreError::Conflict(m)) => (StatusCode::CONFLICT, m),
                Err(StoreError::Invalid(errs)) => (StatusCode::UNPROCESSABLE_ENTITY, join(&errs)),
                Err(e) => return Err(e.into()),
            }
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, join(&errors)),
    };
    let (status, m) = result;
    let m = Msg::new(
        format!("Jurnal no. {} tidak dibalik: {}", original.entry_no, m.id),
        format!("Entry no. {} was not reversed: {}", original.entry_no, m.en),
    );
    let page = journal_page(&state, &caller, &coop, &access, 1, None, Some(&m)).await?;
    Ok(render_status(status, &page))
}

/// Several field errors as one message.
fn join(errors: &[FieldError]) -> Msg {
    let id: Vec<&str> = errors.iter().map(|e| e.msg.id.as_str()).collect();
    let en: Vec<&str> = errors.iter().map(|e| e.msg.en.as_str()).collect();
    Msg::new(id.join(" "), en.join(" "))
}

/// A posting date: required, readable, not in the future.
fn check_date(raw: &str, today: time::Date, errors: &mut Vec<FieldError>) -> Option<time::Date> {
    if raw.trim().is_empty() {
        errors.push(FieldError::new(
            "date",
            Msg::new("Tanggal wajib diisi.", "The date is required."),
        ));
        return None;
    }
    match parse_date(raw) {
        None => {
            errors.push(FieldError::new(
                "date",
                Msg::new(
                    "Tanggal tidak dapat dibaca (contoh: 2026-11-27).",
                    "The date cannot be read (example: 2026-11-27).",
                ),
            ));
            None
        }
        Some(d) if d > today => {
            errors.push(FieldError::new(
                "date",
                Msg::new(
                    "Tanggal tidak boleh di masa depan.",
                    "The date cannot be in the future.",
                ),
            ));
            None
        }
        Some(d) => Some(d),
    }
}

/// How many lines the manual entry form offers.
pub const MAX_LINES: usize = 8;
/// The lines shown before "more lines" (the rest fold away until needed).
const SHOWN_LINES: usize = 4;
/// The largest attachment: a phone photo of a receipt fits easily.
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;

/// One line of the manual entry form, as typed.
#[derive(Debug, Clone, Default)]
pub struct LineFields {
    pub account: String,
    pub debit: String,
    pub credit: String,
    pub memo: String,
}

impl LineFields {
    fn is_blank(&self) -> bool {
        self.account.trim().is_empty()
            && self.debit.trim().is_empty()
            && self.credit.trim().is_empty()
            && self.memo.trim().is_empty()
    }
}

/// The manual entry form, as typed.
#[derive(Debug, Clone, Default)]
pub struct EntryFields {
    pub csrf: String,
    pub idem: String,
    pub date: String,
    pub description: String,
    pub reference: String,
    pub lines: Vec<LineFields>,
}

impl EntryFields {
    fn from_map(m: &HashMap<String, String>) -> EntryFields {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        EntryFields {
            csrf: get("_csrf"),
            idem: get("_idem"),
            date: get("date"),
            description: get("description"),
            reference: get("reference"),
            lines: (0..MAX_LINES)
                .map(|i| LineFields {
                    account: get(&format!("account_{i}")),
                    debit: get(&format!("debit_{i}")),
                    credit: get(&format!("credit_{i}")),
                    memo: get(&format!("memo_{i}")),
                })
                .collect(),
        }
    }
}

/// A line as the form shows it.
pub struct LineView {
    pub i: usize,
    pub n: usize,
    pub f: LineFields,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "books/entry_form.html")]
struct EntryPage {
    p: Page,
    kid: String,
    f: EntryFields,
    /// Active posting accounts a manual entry may use: `(id, "code name")`.
    accounts: Vec<(String, String)>,
    lines: Vec<LineView>,
    /// Lines from this index on fold away under "more lines".
    fold_at: usize,
    more_open: bool,
    today: String,
    errors: BTreeMap<String, String>,
    has_errors: bool,
    limit_mb: usize,
}

/// "Baris 3: akun …" → "Akun …": next to its line, the number is said by the line's legend.
fn without_line_no(s: &str) -> String {
    for prefix in ["Baris ", "Line "] {
        if let Some((n, text)) = s.strip_prefix(prefix).and_then(|r| r.split_once(": "))
            && n.chars().all(|c| c.is_ascii_digit())
        {
            let mut c = text.chars();
            return match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => String::new(),
            };
        }
    }
    s.to_string()
}

async fn entry_page(
    state: &AppState,
    caller: &Caller,
    coop: &Koperasi,
    access: &Access,
    mut f: EntryFields,
    errors: &[FieldError],
) -> WebResult<EntryPage> {
    let kid = coop.id.to_string();
    let lang = caller.lang;
    let accounts = state
        .store
        .tenant(coop.id)
        .manual_accounts()
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect();
    f.lines.resize(MAX_LINES, LineFields::default());
    let messages = field_messages(errors, lang);
    let views: Vec<LineView> = f
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineView {
            i,
            n: i + 1,
            f: l.clone(),
            error: messages
                .get(&format!("lines[{i}]"))
                .map(|m| without_line_no(m)),
        })
        .collect();
    let more_open = views[SHOWN_LINES..]
        .iter()
        .any(|l| !l.f.is_blank() || l.error.is_some());
    if f.idem.is_empty() {
        f.idem = Uuid::now_v7().to_string();
    }
    Ok(EntryPage {
        p: Page::new(caller, "books-entry-title")
            .in_coop(coop, access, "books")
            .at(&format!("/k/{kid}/buku/jurnal/baru")),
        kid,
        f,
        accounts,
        lines: views,
        fold_at: SHOWN_LINES,
        more_open,
        today: today_in(coop).to_string(),
        has_errors: !errors.is_empty(),
        errors: messages,
        limit_mb: MAX_ATTACHMENT / (1024 * 1024),
    })
}

pub async fn new_entry_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let f = EntryFields {
        date: today_in(&coop).to_string(),
        ..Default::default()
    };
    let page = entry_page(&state, &caller, &coop, &access, f, &[]).await?;
    Ok(render(&page))
}

/// An uploaded attachment: the file name as given and the bytes.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
}

/// Reads the manual entry form (multipart: the fields and an optional file).
async fn read_entry_form(
    state: &AppState,
    req: Request,
) -> WebResult<(HashMap<String, String>, Option<Upload>)> {
    let mut mp = Multipart::from_request(req, state).await.map_err(|e| {
        WebError::BadRequest(Msg::new(
            format!("Formulir tidak dapat dibaca: {}", e.body_text()),
            format!("The form could not be read: {}", e.body_text()),
        ))
    })?;
    let mut fields = HashMap::new();
    let mut upload = None;
    let cut = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WebError::BadRequest(Msg::new(
                "Unggahan terputus; coba lagi.",
                "The upload was cut off; try again.",
            ))
        }
    };
    while let Some(field) = mp.next_field().await.map_err(cut)? {
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        if name == "attachment" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(cut)?;
            if !bytes.is_empty() || !file_name.is_empty() {
                upload = Some(Upload {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else if fields.len() < 64 {
            let text = field.text().await.map_err(cut)?;
            fields.insert(name, text);
        }
    }
    Ok((fields, upload))
}

/// What a file really is, by its first bytes: JPEG, PNG or PDF, else nothing.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file name safe to keep and to send back: no folders, no control characters or quotes,
/// at most 100 characters; an empty one is named after its kind.
fn clean_file_name(raw: &str, content_type: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ';'))
        .take(100)
        .collect();
    let name = name.trim().to_string();
    if name.is_empty() || name.starts_with('.') {
        let ext = match content_type {
            "image/jpeg" => "jpg",
            "image/png" => "png",
            _ => "pdf",
        };
        format!("lampiran.{ext}")
    } else {
        name
    }
}

/// Posts a manual journal entry, with an optional receipt attached.
pub async fn create_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    req: Request,
) -> WebResult<Response> {
    // The right first, then the body: a refused caller's upload is never read.
    let (coop, access) = coop_access(&state, &caller, &kid, Need::WriteBooks).await?;
    let (map, upload) = read_entry_form(&state, req).await?;
    let f = EntryFields::from_map(&map);
    caller.check_csrf(&f.csrf)?;
    let today = today_in(&coop);
    let mut errors = vec![];
    let date = check_date(&f.date, today, &mut errors);
    let description = text_field(
        &f.description,
        "description",
        200,
        Some(Msg::new(
            "Keterangan wajib diisi.",
            "The description is required.",
        )),
        &mut errors,
    );
    let reference = text_field(&f.reference, "reference", 50, None, &mut errors);
    // The lines that were filled in, with their place in the form.
    let mut lines: Vec<LineInput> = vec![];
    let mut places: Vec<usize> = vec![];
    for (i, l) in f.lines.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        let field = format!("lines[{i}]");
        let account = AccountId::parse(&l.account);
        if account.is_none() {
            errors.push(FieldError::new(
                &field,
                Msg::new("Pilih akunnya.", "Choose the account."),
            ));
        }
        let mut amount = |raw: &str, label: (&str, &str)| -> Rupiah {
            if raw.trim().is_empty() {
                return Rupiah::ZERO;
            }
            match Rupiah::parse_positive(raw) {
                Ok(r) => r,
                Err(e) => {
                    let m = e.msg();
                    errors.push(FieldError::new(
                        &field,
                        Msg::new(
                            format!("{}: {}.", label.0, m.id.trim_end_matches('.')),
                            format!("{}: {}.", label.1, m.en.trim_end_matches('.')),
                        ),
                    ));
                    Rupiah::ZERO
                }
            }
        };
        let debit = amount(&l.debit, ("Debit", "Debit"));
        let credit = amount(&l.credit, ("Kredit", "Credit"));
        let memo = match clean_text(&l.memo, &field, 200) {
            Ok(m) => opt(&m),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if let Some(account) = account {
            lines.push(LineInput {
                account,
                debit,
                credit,
                memo,
            });
            places.push(i);
        }
    }
    if lines.is_empty() && !errors.iter().any(|e| e.field.starts_with("lines[")) {
        errors.push(FieldError::new(
            "lines",
            Msg::new(
                "Isi paling sedikit dua baris: satu debit dan satu kredit.",
                "Fill in at least two lines: one debit and one credit.",
            ),
        ));
    }
    let attachment = match upload {
        None => None,
        Some(u) if u.bytes.is_empty() => {
            errors.push(FieldError::new(
                "attachment",
                Msg::new("Berkas lampiran kosong.", "The attached file is empty."),
            ));
            None
        }
        Some(u) if u.bytes.len() > MAX_ATTACHMENT => {
            errors.push(FieldError::new(
                "attachment",
                Msg::new(
                    format!(
                        "Lampiran terlalu besar; batasnya {} MB. Kecilkan foto atau pindai ulang dengan resolusi lebih rendah.",
                        MAX_ATTACHMENT / (1024 * 1024)
                    ),
                    format!(
                        "The attachment is too large; the limit is {} MB. Make the photo smaller or scan at a lower resolution.",
                        MAX_ATTACHMENT / (1024 * 1024)
                    ),
                ),
            ));
            None
        }
        Some(u) => match sniff(&u.bytes) {
            Some(ct) => Some((clean_file_name(&u.file_name, ct), ct, u.bytes)),
            None => {
                errors.push(FieldError::new(
                    "attachment",
                    Msg::new(
                        "Lampiran harus foto JPEG atau PNG, atau PDF.",
                        "The attachment must be a JPEG or PNG photo, or a PDF.",
                    ),
                ));
                None
            }
        },
    };
    let (Some(date), Some(description), true) = (date, description, errors.is_empty()) else {
        let page = entry_page(&state, &caller, &coop, &access, f, &errors).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let entry = NewEntry {
        date,
        description,
        reference,
        source: Source::Manual,
        source_id: None,
        reverses: None,
        lines,
    };
    let key = opt(&f.idem).filter(|k| k.len() <= 64);
    let result = state
        .store
        .tenant(coop.id)
        .post_manual_once(
            &caller.actor(),
            key.as_deref(),
            &entry,
            attachment
                .as_ref()
                .map(|(n, ct, b)| (n.as_str(), *ct, b.as_slice())),
        )
        .await;
    let errors = match result {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/k/{kid}/buku/jurnal?ok=entry-posted")).into_response(),
            );
        }
        // A line's number in the store is its place among the filled lines.
        Err(StoreError::Invalid(errs)) => errs
            .into_iter()
            .map(|e| {
                let field = e
                    .field
                    .strip_prefix("lines[")
                    .and_then(|r| r.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .and_then(|j| places.get(j))
                    .map(|i| format!("lines[{i}]"))
                    .unwrap_or(e.field);
                FieldError::new(&field, e.msg)
            })
            .collect::<Vec<_>>(),
        // A closed fiscal year.
        Err(StoreError::Conflict(m)) => vec![FieldError::new("date", m)],
        Err(e) => return Err(e.into()),
    };
    let page = entry_page(&state, &caller, &coop, &access, f, &errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Serves an attachment: images shown in the browser, PDFs downloaded.
pub async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, id)): Path<(String, String)>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::ReadBooks).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let (name, content_type, bytes) = state.store.tenant(coop.id).attachment(id).await?;
    let ct: &'static str = match content_type.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    };
    let disposition = if ct.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cd = format!(
        "{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(&name)
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&cd) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    Ok(res)
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
