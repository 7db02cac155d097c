//! The cashier (kasir) counter: find a member, see what they owe and hold, take several
//! payments (or a withdrawal) at once, and print the receipt.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guyub_core::ids::{MemberId, ReceiptId};
use guyub_core::member::{MemberKind, MemberStatus};
use guyub_core::money::Rupiah;
use guyub_core::savings::{PayMethod, SavingsKind, check_withdrawable, wajib_arrears};
use guyub_core::terbilang::rupiah_in_words;
use guyub_core::{Lang, Msg, fmt_id};
use guyub_store::member::MemberQuery;
use guyub_store::savings::{CounterRequest, Movement, Receipt};
use serde::Deserialize;

use super::members::{MemberView, today_in};
use super::{Form, Page, render, render_status};
use crate::auth::{self, Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "cashier/find.html")]
struct FindPage {
    p: Page,
    kid: String,
    q: String,
    found: Vec<MemberView>,
}

#[derive(Deserialize, Default)]
pub struct FindQuery {
    #[serde(default)]
    q: String,
}

pub async fn find(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(fq): Query<FindQuery>,
) -> WebResult<Response> {
    let (coop, access) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    let found = if fq.q.trim().is_empty() {
        vec![]
    } else {
        let page = state
            .store
            .tenant(coop.id)
            .search_members(&MemberQuery {
                q: fq.q.clone(),
                status: Some(MemberStatus::Aktif),
                kind: Some(MemberKind::Person),
                limit: 10,
                offset: 0,
            })
            .await?;
        page.members
            .iter()
            .map(|m| MemberView::of(m, &access))
            .collect()
    };
    Ok(render(&FindPage {
        p: Page::new(&caller, "cashier-title")
            .in_coop(&coop, &access, "cashier")
            .at(&format!("/k/{kid}/kasir")),
        kid,
        q: fq.q,
        found,
    }))
}

/// One product line of the counter form.
pub struct CounterLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub balance: String,
    pub hint: String,
    /// A time deposit's maturity date and whether it may be withdrawn yet, in words.
    pub maturity: String,
    pub deposit: String,
    pub withdraw: String,
    pub withdrawable: bool,
    /// False for a simpanan pokok already paid in full (the store refuses more).
    pub depositable: bool,
}

/// What the counter says about a time deposit's maturity: its date and whether it may be
/// withdrawn today, or (before the first deposit) its term. Empty for the other kinds.
fn maturity_note(
    kind: SavingsKind,
    matures_on: Option<time::Date>,
    term_months: Option<i64>,
    today: time::Date,
    lang: Lang,
) -> String {
    if kind != SavingsKind::Berjangka {
        return String::new();
    }
    match (matures_on, term_months) {
        (Some(d), _) => {
            let key = if check_withdrawable(kind, Some(d), today).is_ok() {
                "cashier-matures-ready"
            } else {
                "cashier-matures-later"
            };
            crate::i18n::t_args(lang, key, &[("date", fmt_id::tanggal(d, lang))])
        }
        (None, Some(m)) => crate::i18n::t_args(lang, "cashier-term", &[("months", m.to_string())]),
        (None, None) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "cashier/counter.html")]
struct CounterPage {
    p: Page,
    kid: String,
    member: MemberView,
    lines: Vec<CounterLine>,
    arrears: String,
    methods: Vec<(&'static str, &'static str)>,
    validities: Vec<(&'static str, &'static str)>,
    method: String,
    idem: String,
    error: Option<String>,
}

async fn counter_page(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    mid: MemberId,
    typed: &HashMap<String, String>,
    error: Option<&Msg>,
) -> WebResult<CounterPage> {
    let (coop, access) = coop_access(state, caller, kid, Need::Cashier).await?;
    let lang = caller.lang;
    let tenant = state.store.tenant(coop.id);
    let m = tenant.member(mid).await?;
    let today = today_in(&coop);
    let (_, bylaws) = tenant.bylaws(today.year()).await?;
    let balances = tenant.balances(mid).await?;
    let mut arrears = String::new();
    let lines = balances
        .iter()
        .filter(|b| b.product.active)
        .map(|b| {
            let kind = b.product.kind();
            let hint = match kind {
                SavingsKind::Pokok if b.balance < bylaws.simpanan_pokok.0 => {
                    let due = Rupiah(bylaws.simpanan_pokok.0 - b.balance);
                    format!("{}: {}", crate::i18n::t(lang, "cashier-due"), due)
                }
                SavingsKind::Pokok => crate::i18n::t(lang, "cashier-pokok-paid"),
                SavingsKind::Wajib => {
                    let a = wajib_arrears(
                        m.joined_on,
                        today,
                        bylaws.simpanan_wajib_monthly,
                        Rupiah(b.balance),
                    );
                    if a.months_owed > 0 {
                        let name =
                            |(y, mo): &(i32, u8)| format!("{} {y}", fmt_id::month_name(*mo, lang));
                        // A long run of months reads better as its first and last.
                        let months: Vec<String> =
                            match (a.owed_months.first(), a.owed_months.last()) {
                                (Some(f), Some(l)) if a.owed_months.len() > 4 => {
                                    vec![format!("{} – {}", name(f), name(l))]
                                }
                                _ => a.owed_months.iter().map(name).collect(),
                            };
                        arrears = crate::i18n::t_args(
                            lang,
                            "cashier-arrears",
                            &[
                                ("months", a.months_owed.to_string()),
                                ("amount", a.rupiah_owed.to_string()),
                                ("list", months.join(", ")),
                            ],
                        );
                        format!(
                            "{}: {} ({})",
                            crate::i18n::t(lang, "cashier-due"),
                            a.rupiah_owed,
                            a.months_owed
                        )
                    } else {
                        crate::i18n::t(lang, "cashier-paid-up")
                    }
                }
                _ => String::new(),
            };
            let id = b.product.id.to_string();
            CounterLine {
                deposit: typed.get(&format!("dep_{id}")).cloned().unwrap_or_default(),
                withdraw: typed.get(&format!("wd_{id}")).cloned().unwrap_or_default(),
                // The core's rule: sukarela always, a time deposit from its maturity date.
                withdrawable: check_withdrawable(kind, b.maturity_date, today).is_ok(),
                depositable: kind != SavingsKind::Pokok || b.balance < bylaws.simpanan_pokok.0,
                maturity: maturity_note(kind, b.maturity_date, b.product.term_months, today, lang),
                name: b.product.name.clone(),
                kind: kind.as_str().to_string(),
                balance: Rupiah(b.balance).to_string(),
                hint,
                id,
            }
        })
        .collect();
    Ok(CounterPage {
        p: Page::new(caller, "cashier-title")
            .titled(m.name.clone())
            .in_coop(&coop, &access, "cashier")
            .at(&format!("/k/{kid}/kasir/{mid}")),
        kid: kid.to_string(),
        member: MemberView::of(&m, &access),
        lines,
        arrears,
        methods: PayMethod::choices(lang),
        validities: guyub_core::payment::request::Validity::choices(lang),
        method: typed
            .get("method")
            .cloned()
            .unwrap_or_else(|| "tunai".into()),
        // A fresh key for each form shown: a double submit of this form posts once.
        idem: typed
            .get("_idem")
            .cloned()
            .unwrap_or(auth::random_secret()?),
        error: error.map(|e| e.get(lang).to_string()),
    })
}

pub async fn counter(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
) -> WebResult<Response> {
    let mid = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    Ok(render(
        &counter_page(&state, &caller, &kid, mid, &HashMap::new(), None).await?,
    ))
}

/// Reads the counter form: `dep_<product>` and `wd_<product>` amounts (empty = none).
fn movements(form: &HashMap<String, String>) -> Result<Vec<Movement>, Msg> {
    let mut out = vec![];
    let mut keys: Vec<&String> = form.keys().collect();
    keys.sort();
    for key in keys {
        let (kind, id) = if let Some(id) = key.strip_prefix("dep_") {
            (guyub_core::savings::TxKind::Deposit.as_str(), id)
        } else if let Some(id) = key.strip_prefix("wd_") {
            (guyub_core::savings::TxKind::Withdrawal.as_str(), id)
        } else {
            continue;
        };
        let raw = form[key].trim();
        if raw.is_empty() {
            continue;
        }
        let product = guyub_core::ids::ProductId::parse(id).ok_or_else(|| {
            Msg::new("Produk simpanan tidak dikenal.", "Unknown savings product.")
        })?;
        let amount = Rupiah::parse_positive(raw).map_err(|e| e.msg())?;
        out.push(Movement {
            product,
            kind: kind.into(),
            amount,
        });
    }
    if out.is_empty() {
        return Err(Msg::new(
            "Isi setidaknya satu jumlah.",
            "Enter at least one amount.",
        ));
    }
    Ok(out)
}

/// The counter form again, with what was typed and why nothing was posted.
pub(crate) async fn refused(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    member: MemberId,
    form: &HashMap<String, String>,
    msg: Msg,
) -> WebResult<Response> {
    let page = counter_page(state, caller, kid, member, form, Some(&msg)).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn take(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, mid)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    let (coop, _) = coop_access(&state, &caller, &kid, Need::Cashier).await?;
    caller.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let member = MemberId::parse(&mid).ok_or(WebError::NotFound)?;
    let moves = match movements(&form) {
        Ok(m) => m,
        Err(msg) => return refused(&state, &caller, &kid, member, &form, msg).await,
    };
    let req = CounterRequest {
        member,
        method: form.get("method").cloned().unwrap_or_default(),
        date: today_in(&coop),
        movements: moves,
        note: form
            .get("note")
            .map(|n| n.trim().chars().take(200).collect::<String>())
            .filter(|n| !n.is_empty()),
    };
    let key = form.get("_idem").map(|k| format!("form:{k}"));
    match state
        .store
        .tenant(coop.id)
        .counter(&caller.actor(), key.as_deref(), &req)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/k/{kid}/kuitansi/{}", r.id)).into_response()),
        Err(guyub_store::StoreError::Conflict(m)) => {
            refused(&state, &caller, &kid, member, &form, m).await
        }
        Err(guyub_store::StoreError::Invalid(f)) => {
            let m = f
                .first()
                .map(|e| e.msg.clone())
                .unwrap_or_else(|| Msg::new("Isian tidak valid.", "Invalid input."));
            refused(&state, &caller, &kid, member, &form, m).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "cashier/receipt.html")]
struct ReceiptPage {
    lang: Lang,
    coop_name: String,
    coop_address: String,
    r: Receipt,
    member_name: String,
    member_no: String,
    time: String,
    total: String,
    words: String,
    method: String,
    lines: Vec<(String, String, String)>,
    size: String,
    back: String,
    cashier: String,
}

impl ReceiptPage {
    fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }
}

#[derive(Deserialize, Default)]
pub struct SizeQuery {
    ukuran: Option<String>,
}

/// The receipt, sized for A6 paper or a 58 mm thermal printer (`?ukuran=58`).
pub async fn receipt(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, rid)): Path<(String, String)>,
    Query(sq): Query<SizeQuery>,
) -> WebResult<Response> {
    let id = guyub_core::ids::KoperasiId::parse(&kid).ok_or(WebError::NotFound)?;
    let coop = state.store.koperasi_recent(id).await?;
    let access = caller.access(&coop).ok_or_else(WebError::other_coop)?;
    let rid = ReceiptId::parse(&rid).ok_or(WebError::NotFound)?;
    let tenant = state.store.tenant(coop.id);
    let r = tenant.receipt(rid).await?;
    if !(access.allows(Need::Cashier)
        || access.allows(Need::ReadBooks)
        || access.member_id == Some(r.member_id))
    {
        return Err(WebError::forbidden());
    }
    let m = tenant.member(r.member_id).await?;
    let lang = caller.lang;
    let kind_label = |k: &str| {
        guyub_core::savings::TxKind::parse(k)
            .map(|k| k.label(lang).to_string())
            .unwrap_or_default()
    };
    Ok(render(&ReceiptPage {
        lang,
        coop_name: coop.data.name.clone(),
        coop_address: coop.data.address.clone(),
        member_name: m.name.clone(),
        member_no: m.member_no.clone(),
        time: fmt_id::waktu(r.created_at, coop.timezone(), lang),
        total: Rupiah(r.total.abs()).to_string(),
        words: rupiah_in_words(Rupiah(r.total.abs()), lang),
        method: PayMethod::parse(&r.method)
            .map(|m| m.label(lang).to_string())
            .unwrap_or_default(),
        lines: r
            .lines
            .iter()
            .map(|l| {
                (
                    l.product_name.clone(),
                    kind_label(&l.kind),
                    Rupiah(l.amount.abs()).to_string(),
                )
            })
            .collect(),
        size: if sq.ukuran.as_deref() == Some("58") {
            "r58".into()
        } else {
            "a6".into()
        },
        back: format!("/k/{kid}/kasir/{}", r.member_id),
        // The actor's name is "Name <e-mail>"; a receipt shows the name.
        cashier: r.cashier.split(" <").next().unwrap_or_default().to_string(),
        r,
    }))
}
