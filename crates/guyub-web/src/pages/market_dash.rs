//! The seller dashboard (issue #5 part 9): sales of a period with a small day-by-day chart,
//! top products, orders waiting for work (linking to the order desk), low stock, what the coop
//! owes consignment sellers and the last payouts; and the XLSX exports of orders and of sales
//! lines for a date range (local days of the coop, WIB for most).
//!
//! Who sees what (checked here, once):
//! - a seller's user, at `/penjual/dasbor/{kid}/{sid}`: only a seller they run (any other id,
//!   in their coop or another, is 404 and nothing is read);
//! - the coop's board (`Need::ManageMarket`), at `/k/{kid}/pasar/dasbor`: the whole coop, or
//!   one of its sellers with `?penjual=`; a seller of another coop is 404 (the store's handle
//!   is scoped to the coop).
//!
//! A date range that cannot be read, ends before it starts or is longer than a year is
//! refused with a clear message (the page shows it by the form; a download answers 400).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use guyub_core::coop::CoopTimeZone;
use guyub_core::ids::{KoperasiId, SellerId};
use guyub_core::market::dashboard::{DayRange, bar_heights, parse_low_stock};
use guyub_core::market::legality::CertStatus;
use guyub_core::market::order::whatsapp_link;
use guyub_core::market::shipping::ShippingMethod;
use guyub_core::money::Rupiah;
use guyub_core::{FieldError, Lang, Msg, fmt_id};
use guyub_store::market::dashboard::{Dashboard, DocAlert, OrderExportRow, SalesLineRow};
use serde::Deserialize;

use super::{Page, render, render_status};
use crate::auth::{Caller, Need, coop_access};
use crate::error::{WebError, WebResult};
use crate::i18n::t;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The chart's height in SVG units.
const CHART_H: i64 = 60;

fn rp(x: i64) -> String {
    Rupiah(x).to_string()
}

/// The dashboard's and the downloads' query: the period (`from`, `to`), the low-stock line
/// (`stok`) and, for the coop's board, one seller (`penjual`).
#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    stok: String,
    #[serde(default)]
    penjual: String,
}

/// Whose numbers a page shows, and where its links go.
struct Scope {
    coop: KoperasiId,
    coop_name: String,
    coop_code: String,
    tz: CoopTimeZone,
    seller: Option<SellerId>,
    /// The seller's name and slug (for titles and file names).
    seller_name: Option<(String, String)>,
    /// The page's own path (the form posts there, the downloads hang under it).
    base: String,
    /// The order desk: `?status=` is appended.
    desk: String,
    /// A product's edit page: the id is appended.
    product: String,
    /// The coop's sellers, for the board's seller picker (empty for a seller).
    sellers: Vec<(String, String)>,
}

fn range_msgs(errs: &[FieldError], lang: Lang) -> Vec<String> {
    errs.iter()
        .map(|e| match lang {
            Lang::Id => e.msg.id.clone(),
            Lang::En => e.msg.en.clone(),
        })
        .collect()
}

fn first_msg(errs: Vec<FieldError>) -> Msg {
    errs.into_iter()
        .next()
        .map(|e| e.msg)
        .unwrap_or_else(|| Msg::new("Rentang tanggal tidak sah.", "The date range is not valid."))
}

/// The seller `sid` of coop `kid` if this user runs it (active), else 404.
async fn seller_scope(state: &AppState, caller: &Caller, kid: &str, sid: &str) -> WebResult<Scope> {
    let k = KoperasiId::parse(kid).ok_or(WebError::NotFound)?;
    let sid = SellerId::parse(sid).ok_or(WebError::NotFound)?;
    let s = state
        .store
        .sellers_of_user(caller.user_id())
        .await?
        .into_iter()
        .find(|s| s.koperasi_id == k && s.id == sid && s.active)
        .ok_or(WebError::NotFound)?;
    let coop = state.store.koperasi(k).await?;
    Ok(Scope {
        coop: k,
        coop_name: coop.data.name.clone(),
        coop_code: coop.data.code.clone(),
        tz: coop.timezone(),
        seller: Some(s.id),
        seller_name: Some((s.name, s.slug)),
        base: format!("/penjual/dasbor/{k}/{sid}"),
        desk: "/penjual/pesanan".into(),
        product: format!("/k/{k}/pasar/produk/"),
        sellers: vec![],
    })
}

/// The coop's board, for the coop or one of its sellers (`penjual`).
async fn coop_scope(
    state: &AppState,
    caller: &Caller,
    kid: &str,
    penjual: &str,
) -> WebResult<(Scope, Page)> {
    let (coop, access) = coop_access(state, caller, kid, Need::ManageMarket).await?;
    let t = state.store.tenant(coop.id);
    let seller = match penjual.trim() {
        "" => None,
        s => {
            let id = SellerId::parse(s).ok_or(WebError::NotFound)?;
            Some(t.seller(id).await?)
        }
    };
    let sellers = t
        .sellers(true)
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();
    let page = Page::new(caller, "dash-title")
        .in_coop(&coop, &access, "market")
        .at(&format!("/k/{kid}/pasar/dasbor"));
    Ok((
        Scope {
            coop: coop.id,
            coop_name: coop.data.name.clone(),
            coop_code: coop.data.code.clone(),
            tz: coop.timezone(),
            seller: seller.as_ref().map(|s| s.id),
            seller_name: seller.map(|s| (s.name, s.slug)),
            base: format!("/k/{kid}/pasar/dasbor"),
            desk: format!("/k/{kid}/pasar/pesanan"),
            product: format!("/k/{kid}/pasar/produk/"),
            sellers,
        },
        page,
    ))
}

fn today(tz: CoopTimeZone) -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(tz.offset())
        .date()
}

// ---------------------------------------------------------------------------------------------
// The page

/// One bar of the chart, with its day's numbers for the table under it.
pub struct DayView {
    pub x: i64,
    pub h: i64,
    pub label: String,
    pub orders: i64,
    pub gross: String,
    pub refunds: String,
    pub net: String,
    /// The day had a sale or a refund (the table lists only those).
    pub any: bool,
}

#[derive(Template)]
#[template(path = "market_dash/dashboard.html")]
struct DashPage {
    p: Page,
    heading: String,
    action: String,
    from: String,
    to: String,
    stok: String,
    penjual: String,
    sellers: Vec<(String, String)>,
    errors: Vec<String>,
    /// Absent when the range was refused.
    d: Option<DashView>,
    xlsx_query: String,
}

struct DashView {
    period: String,
    gross: String,
    refunds: String,
    net: String,
    orders: i64,
    items: i64,
    chart_w: i64,
    bar_w: i64,
    chart_h: i64,
    days: Vec<DayView>,
    top: Vec<(String, String, i64, String)>,
    /// (status code, label, count, oldest "when · no", desk link)
    work: Vec<(String, String, i64, String, String)>,
    low: Vec<(String, String, String, i64)>,
    line: i64,
    owed: Vec<(String, i64, String)>,
    owed_total: String,
    payouts: Vec<(String, String, String, String, i64)>,
    show_seller: bool,
    docs: Vec<DocView>,
}

/// A document to renew, as the dashboard shows it.
struct DocView {
    /// The product's name, or the seller's own document.
    what: String,
    seller: String,
    kind: String,
    number: String,
    status: String,
    /// `st-…` class: expired or soon.
    class: &'static str,
    /// On the board's dashboard: a ready WhatsApp message to the seller.
    whatsapp: Option<String>,
}

/// The message the board sends a seller about a document to renew.
fn renew_message(a: &DocAlert, coop_name: &str) -> String {
    let what = match &a.product_name {
        Some(p) => format!("produk {p}"),
        None => "usaha Anda".to_string(),
    };
    let when = fmt_id::tanggal(a.expires_on, Lang::Id);
    let verb = if matches!(a.status, CertStatus::Expired { .. }) {
        "sudah berakhir pada"
    } else {
        "akan berakhir pada"
    };
    format!(
        "Yth. {}, {} ({}) untuk {what} {verb} {when}. Mohon kirim dokumen yang baru kepada {coop_name} agar produk tetap tampil dan terkurasi di Pasar.",
        a.seller_name,
        a.kind.label(Lang::Id),
        a.number
    )
}

fn dash_view(d: &Dashboard, range: &DayRange, sc: &Scope, lang: Lang) -> DashView {
    let heights = bar_heights(&d.days, CHART_H);
    let n = i64::try_from(d.days.len()).unwrap_or(1).max(1);
    let bar_w = (360 / n).clamp(2, 40);
    let days = d
        .days
        .iter()
        .zip(heights)
        .enumerate()
        .map(|(i, (x, h))| DayView {
            x: i64::try_from(i).unwrap_or(0) * bar_w,
            h,
            label: fmt_id::tanggal(x.day, lang),
            orders: x.orders,
            gross: rp(x.gross),
            refunds: rp(x.refunds),
            net: rp(x.net()),
            any: x.orders > 0 || x.refunds != 0,
        })
        .collect();
    let when = |at: time::OffsetDateTime| fmt_id::waktu(at, sc.tz, lang);
    DashView {
        period: format!(
            "{} – {}",
            fmt_id::tanggal(range.from(), lang),
            fmt_id::tanggal(range.to(), lang)
        ),
        gross: rp(d.summary.gross),
        refunds: rp(d.summary.refunds),
        net: rp(d.summary.net),
        orders: d.summary.orders,
        items: d.summary.items,
        chart_w: bar_w * n,
        bar_w,
        chart_h: CHART_H,
        days,
        top: d
            .top
            .iter()
            .map(|x| (x.name.clone(), x.seller_name.clone(), x.qty, rp(x.amount)))
            .collect(),
        work: d
            .work
            .iter()
            .map(|w| {
                let oldest = match (w.oldest, &w.oldest_no) {
                    (Some(at), Some(no)) => format!("{} · {no}", when(at)),
                    _ => String::new(),
                };
                (
                    w.status.as_str().to_string(),
                    w.status.label(lang).to_string(),
                    w.count,
                    oldest,
                    format!("{}?status={}", sc.desk, w.status.as_str()),
                )
            })
            .collect(),
        low: d
            .low_stock
            .iter()
            .map(|x| {
                let name = if x.label.is_empty() {
                    x.product_name.clone()
                } else {
                    format!("{} · {}", x.product_name, x.label)
                };
                (
                    format!("{}{}", sc.product, x.product_id),
                    name,
                    x.seller_name.clone(),
                    x.stock,
                )
            })
            .collect(),
        line: d.low_stock_line,
        owed_total: rp(d.owed.iter().map(|o| o.amount).sum()),
        owed: d
            .owed
            .iter()
            .map(|o| (o.seller_name.clone(), o.orders, rp(o.amount)))
            .collect(),
        payouts: d
            .last_payouts
            .iter()
            .map(|y| {
                (
                    when(y.created_at),
                    y.seller_name.clone(),
                    y.method.clone(),
                    rp(y.amount),
                    y.orders,
                )
            })
            .collect(),
        show_seller: sc.seller.is_none(),
        docs: d
            .documents
            .iter()
            .map(|a| DocView {
                what: a
                    .product_name
                    .clone()
                    .unwrap_or_else(|| t(lang, "dash-doc-seller")),
                seller: a.seller_name.clone(),
                kind: a.kind.label(lang).to_string(),
                number: a.number.clone(),
                status: a.status.msg().get(lang).to_string(),
                class: if matches!(a.status, CertStatus::Expired { .. }) {
                    "st-dibatalkan"
                } else {
                    "st-menunggu"
                },
                whatsapp: match (&a.seller_phone, sc.seller) {
                    (Some(phone), None) if !phone.trim().is_empty() => {
                        Some(whatsapp_link(phone, &renew_message(a, &sc.coop_name)))
                    }
                    _ => None,
                },
            })
            .collect(),
    }
}

async fn dash_page(state: &AppState, p: Page, sc: Scope, q: &DashQuery) -> WebResult<Response> {
    let lang = p.lang;
    let heading = match &sc.seller_name {
        Some((name, _)) => format!("{} · {name}", p.t("dash-title")),
        None => format!("{} · {}", p.t("dash-title"), sc.coop_name),
    };
    let today = today(sc.tz);
    let range = DayRange::parse(&q.from, &q.to, today);
    let line = parse_low_stock(&q.stok);
    let mut errors = vec![];
    if let Err(e) = &range {
        errors.extend(range_msgs(e, lang));
    }
    if let Err(e) = &line {
        errors.extend(range_msgs(std::slice::from_ref(e), lang));
    }
    let (from, to) = match &range {
        Ok(r) => (r.from().to_string(), r.to().to_string()),
        Err(_) => (q.from.trim().to_string(), q.to.trim().to_string()),
    };
    let penjual = if sc.sellers.is_empty() {
        String::new()
    } else {
        sc.seller.map(|s| s.to_string()).unwrap_or_default()
    };
    let xlsx_query = format!(
        "from={}&to={}{}",
        super::url_encode(&from),
        super::url_encode(&to),
        if penjual.is_empty() {
            String::new()
        } else {
            format!("&penjual={penjual}")
        }
    );
    let mut page = DashPage {
        p,
        heading,
        action: sc.base.clone(),
        from,
        to,
        stok: q.stok.trim().to_string(),
        penjual,
        sellers: sc.sellers.clone(),
        errors,
        d: None,
        xlsx_query,
    };
    match (range, line) {
        (Ok(range), Ok(line)) => {
            let d = state
                .store
                .tenant(sc.coop)
                .dashboard(sc.seller, &range, line)
                .await?;
            page.stok = line.to_string();
            page.d = Some(dash_view(&d, &range, &sc, lang));
            Ok(render(&page))
        }
        _ => Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)),
    }
}

/// `GET /penjual/dasbor/{kid}/{sid}`: a seller's own dashboard.
pub async fn seller_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let sc = seller_scope(&state, &caller, &kid, &sid).await?;
    let p = Page::new(&caller, "dash-title").at(&sc.base);
    dash_page(&state, p, sc, &q).await
}

/// `GET /k/{kid}/pasar/dasbor?penjual=`: the coop's dashboard, or one seller's (board).
pub async fn coop_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (sc, p) = coop_scope(&state, &caller, &kid, &q.penjual).await?;
    dash_page(&state, p, sc, &q).await
}

// ---------------------------------------------------------------------------------------------
// The downloads

/// A file name made of safe characters only (for Content-Disposition).
fn safe_file_part(s: &str) -> String {
    let out: String = s
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.trim_matches('-').to_string()
}

fn file_name(kind: &str, sc: &Scope, range: &DayRange) -> String {
    let who = match &sc.seller_name {
        Some((_, slug)) => safe_file_part(slug),
        None => safe_file_part(&sc.coop_code),
    };
    format!("{kind}-{who}-{}.xlsx", range.file_part())
}

fn xlsx_response(file: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> WebError {
    WebError::Internal(format!("xlsx: {e}"))
}

fn excel_time(
    at: time::OffsetDateTime,
    tz: CoopTimeZone,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    let l = at.to_offset(tz.offset());
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(l.year()).unwrap_or(1900),
        u8::from(l.month()),
        l.day(),
    )?
    .and_hms(u16::from(l.hour()), l.minute(), l.second())
}

/// The first rows of both files: coop, seller (or "all sellers"), period with its time zone.
fn write_head(
    ws: &mut rust_xlsxwriter::Worksheet,
    lang: Lang,
    sc: &Scope,
    range: &DayRange,
    bold: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let seller = sc
        .seller_name
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| t(lang, "dash-all-sellers"));
    let rows = [
        (t(lang, "export-coop"), sc.coop_name.clone()),
        (t(lang, "dash-seller"), seller),
        (
            t(lang, "dash-period"),
            format!(
                "{} – {} ({})",
                range.from(),
                range.to(),
                sc.tz.long_name(lang)
            ),
        ),
    ];
    for (r, (k, v)) in rows.iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(0);
        ws.write_string_with_format(r, 0, k, bold)?;
        ws.write_string(r, 1, v)?;
    }
    Ok(())
}

/// Where the column headers of an export are; data starts on the next row.
pub const EXPORT_HEAD_ROW: u32 = 4;

fn money_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new().set_num_format("\"Rp\" #,##0")
}

fn time_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy hh:mm")
}

/// One export's sheet, ready for its rows: the name, the heading block, the column headers
/// (bold, on [`EXPORT_HEAD_ROW`]), the column widths, and the header row frozen.
fn export_sheet<'w>(
    wb: &'w mut rust_xlsxwriter::Workbook,
    lang: Lang,
    sc: &Scope,
    range: &DayRange,
    name_key: &str,
    cols: &[&str],
    widths: &[u16],
) -> Result<&'w mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, name_key))?;
    write_head(ws, lang, sc, range, &bold)?;
    for (c, key) in cols.iter().enumerate() {
        ws.write_string_with_format(EXPORT_HEAD_ROW, c as u16, t(lang, key), &bold)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(EXPORT_HEAD_ROW + 1, 0)?;
    Ok(ws)
}

/// The orders export: one row per order made in the period (created time, paid time, status,
/// seller, buyer, member, shipping, goods, shipping fee, total, refund), money as numbers in a
/// `Rp #,##0` format and times as Excel date-times in the coop's time zone.
fn orders_workbook(
    lang: Lang,
    sc: &Scope,
    range: &DayRange,
    rows: &[OrderExportRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let (money, dt) = (money_format(), time_format());
    let ws = export_sheet(
        &mut wb,
        lang,
        sc,
        range,
        "dash-sheet-orders",
        &[
            "mo-order-no",
            "dash-col-created",
            "dash-col-paid",
            "mo-status",
            "dash-seller",
            "dash-col-buyer",
            "dash-col-phone",
            "dash-col-member",
            "dash-col-shipping",
            "dash-col-goods",
            "dash-col-fee",
            "mo-total",
            "dash-refunds",
        ],
        &[18, 17, 17, 12, 22, 22, 16, 8, 14, 14, 12, 14, 14],
    )?;
    let yes = t(lang, "dash-yes");
    let no = t(lang, "dash-no");
    for (i, o) in rows.iter().enumerate() {
        let r = EXPORT_HEAD_ROW + 1 + u32::try_from(i).unwrap_or(u32::MAX - EXPORT_HEAD_ROW - 1);
        ws.write_string(r, 0, &o.order_no)?;
        ws.write_datetime_with_format(r, 1, excel_time(o.created_at, sc.tz)?, &dt)?;
        if let Some(p) = o.paid_at {
            ws.write_datetime_with_format(r, 2, excel_time(p, sc.tz)?, &dt)?;
        }
        ws.write_string(r, 3, o.status.label(lang))?;
        ws.write_string(r, 4, &o.seller_name)?;
        ws.write_string(r, 5, &o.buyer_name)?;
        ws.write_string(r, 6, &o.buyer_phone)?;
        ws.write_string(r, 7, if o.member { &yes } else { &no })?;
        let ship = ShippingMethod::parse(&o.shipping_method)
            .map(|m| m.label(lang).to_string())
            .unwrap_or_else(|| o.shipping_method.clone());
        ws.write_string(r, 8, ship)?;
        ws.write_number_with_format(r, 9, o.goods_total as f64, &money)?;
        ws.write_number_with_format(r, 10, o.shipping_fee as f64, &money)?;
        ws.write_number_with_format(r, 11, o.total as f64, &money)?;
        ws.write_number_with_format(r, 12, o.refund as f64, &money)?;
    }
    wb.save_to_buffer()
}

/// The sales-lines export: one row per line of an order paid in the period (paid time, order,
/// status, seller, product as bought, quantity, unit price, amount, member).
fn sales_workbook(
    lang: Lang,
    sc: &Scope,
    range: &DayRange,
    rows: &[SalesLineRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let (money, dt) = (money_format(), time_format());
    let ws = export_sheet(
        &mut wb,
        lang,
        sc,
        range,
        "dash-sheet-sales",
        &[
            "dash-col-paid",
            "mo-order-no",
            "mo-status",
            "dash-seller",
            "dash-col-product",
            "dash-col-qty",
            "dash-col-price",
            "dash-col-amount",
            "dash-col-member",
        ],
        &[17, 18, 12, 22, 30, 8, 14, 14, 8],
    )?;
    let yes = t(lang, "dash-yes");
    let no = t(lang, "dash-no");
    for (i, l) in rows.iter().enumerate() {
        let r = EXPORT_HEAD_ROW + 1 + u32::try_from(i).unwrap_or(u32::MAX - EXPORT_HEAD_ROW - 1);
        ws.write_datetime_with_format(r, 0, excel_time(l.paid_at, sc.tz)?, &dt)?;
        ws.write_string(r, 1, &l.order_no)?;
        ws.write_string(r, 2, l.status.label(lang))?;
        ws.write_string(r, 3, &l.seller_name)?;
        ws.write_string(r, 4, &l.name)?;
        ws.write_number(r, 5, l.qty as f64)?;
        ws.write_number_with_format(r, 6, l.unit_price as f64, &money)?;
        ws.write_number_with_format(r, 7, l.amount as f64, &money)?;
        ws.write_string(r, 8, if l.member { &yes } else { &no })?;
    }
    wb.save_to_buffer()
}

#[derive(Clone, Copy)]
enum Export {
    Orders,
    Sales,
}

async fn export(
    state: &AppState,
    lang: Lang,
    sc: Scope,
    q: &DashQuery,
    kind: Export,
) -> WebResult<Response> {
    let range = DayRange::parse(&q.from, &q.to, today(sc.tz))
        .map_err(|e| WebError::BadRequest(first_msg(e)))?;
    let tenant = state.store.tenant(sc.coop);
    match kind {
        Export::Orders => {
            let rows = tenant.orders_export(sc.seller, &range).await?;
            let bytes = orders_workbook(lang, &sc, &range, &rows).map_err(xlsx_err)?;
            Ok(xlsx_response(file_name("pesanan", &sc, &range), bytes))
        }
        Export::Sales => {
            let rows = tenant.sales_lines_export(sc.seller, &range).await?;
            let bytes = sales_workbook(lang, &sc, &range, &rows).map_err(xlsx_err)?;
            Ok(xlsx_response(file_name("penjualan", &sc, &range), bytes))
        }
    }
}

/// `GET /penjual/dasbor/{kid}/{sid}/pesanan.xlsx?from=&to=`: the seller's orders.
pub async fn seller_orders_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let sc = seller_scope(&state, &caller, &kid, &sid).await?;
    export(&state, caller.lang, sc, &q, Export::Orders).await
}

/// `GET /penjual/dasbor/{kid}/{sid}/penjualan.xlsx?from=&to=`: the seller's sales lines.
pub async fn seller_sales_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path((kid, sid)): Path<(String, String)>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let sc = seller_scope(&state, &caller, &kid, &sid).await?;
    export(&state, caller.lang, sc, &q, Export::Sales).await
}

/// `GET /k/{kid}/pasar/dasbor/pesanan.xlsx?from=&to=&penjual=`: the coop's (or a seller's)
/// orders.
pub async fn coop_orders_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (sc, _) = coop_scope(&state, &caller, &kid, &q.penjual).await?;
    export(&state, caller.lang, sc, &q, Export::Orders).await
}

/// `GET /k/{kid}/pasar/dasbor/penjualan.xlsx?from=&to=&penjual=`: the coop's (or a
/// seller's) sales lines.
pub async fn coop_sales_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (sc, _) = coop_scope(&state, &caller, &kid, &q.penjual).await?;
    export(&state, caller.lang, sc, &q, Export::Sales).await
}
