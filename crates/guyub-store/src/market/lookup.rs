//! Reads the JSON API needs and the pages do not: a coop's products and orders paged by a
//! keyset cursor, a listed product by its id, and a Tomiko PO by its id alone.
//!
//! Invariants kept here:
//! - every read is scoped to the tenant (`koperasi_id`), so another coop's product, order or
//!   PO is `NotFound`, never shown;
//! - a cursor is `<created_at in nanoseconds>_<id>` of the last row of the previous page, and
//!   the next page is the rows strictly after it in the list's order (`created_at DESC, id
//!   DESC`), so rows added meanwhile never shift a page. A cursor that does not read is
//!   `Invalid` on the field `cursor` (nothing is read, nothing written);
//! - on SQLite times are stored and compared as text, in the list's ORDER BY and in the cursor
//!   bound alike, so pages follow each other without gaps or repeats on both engines.

use guyub_core::ids::{KoperasiId, MarketProductId, OrderId, SellerId};
use guyub_core::market::catalog::ProductStatus;
use guyub_core::market::order::OrderStatus;
use guyub_core::{FieldError, Msg};
use time::OffsetDateTime;
use uuid::Uuid;

use super::catalog::{PRODUCT_COLS, PRODUCT_FROM, ProductPage, ProductRow, ProductSummary};
use super::order::Order;
use super::tomiko::Po;
use crate::{Store, StoreError, StoreResult, Tenant, on_db};

/// Rows per page when the caller asks for none (or 0).
pub const DEFAULT_PAGE: i64 = 50;
/// The most rows one page holds.
pub const MAX_LIST_PAGE: i64 = 200;

/// The cursor after a row.
fn cursor_after(created_at: OffsetDateTime, id: Uuid) -> String {
    format!("{}_{}", created_at.unix_timestamp_nanos(), id.simple())
}

/// Reads a cursor made by [`cursor_after`].
pub fn parse_list_cursor(s: &str) -> StoreResult<(OffsetDateTime, Uuid)> {
    let bad = || {
        StoreError::Invalid(vec![FieldError::new(
            "cursor",
            Msg::new(
                "Kursor halaman tidak valid; gunakan next_cursor dari halaman sebelumnya, atau kosongkan untuk halaman pertama.",
                "The page cursor is not valid; use next_cursor from the previous page, or leave it empty for the first page.",
            ),
        )])
    };
    let (nanos, id) = s.trim().split_once('_').ok_or_else(bad)?;
    let nanos: i128 = nanos.parse().map_err(|_| bad())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

fn page_size(limit: i64) -> i64 {
    if limit <= 0 {
        DEFAULT_PAGE
    } else {
        limit.min(MAX_LIST_PAGE)
    }
}

/// Which of a coop's products to list.
#[derive(Debug, Clone, Default)]
pub struct ProductListFilter {
    /// One seller's products only.
    pub seller: Option<SellerId>,
    /// One status only (all when `None`).
    pub status: Option<ProductStatus>,
    /// Rows per page, 1 to [`MAX_LIST_PAGE`] (0 means [`DEFAULT_PAGE`]).
    pub limit: i64,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of a coop's products.
#[derive(Debug, Clone)]
pub struct ProductList {
    pub products: Vec<ProductSummary>,
    /// Set when there is more: pass it back as `cursor`.
    pub next_cursor: Option<String>,
}

/// One page of a coop's orders.
#[derive(Debug, Clone)]
pub struct OrderList {
    pub orders: Vec<Order>,
    /// Set when there is more: pass it back as `cursor`.
    pub next_cursor: Option<String>,
}

impl Tenant<'_> {
    /// This coop's products in any status (drafts, in review, approved, rejected, archived),
    /// newest first, optionally of one seller and one status, by keyset cursor.
    pub async fn products_page(&self, f: &ProductListFilter) -> StoreResult<ProductList> {
        let limit = page_size(f.limit);
        let after = match f.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(parse_list_cursor(c)?),
            None => None,
        };
        let sql = format!(
            "SELECT {PRODUCT_COLS} FROM {PRODUCT_FROM}
             WHERE p.koperasi_id = $1 AND ($2 IS NULL OR p.seller_id = $2) AND ($3 IS NULL OR p.status = $3)
               AND ($4 IS NULL OR p.created_at < $4 OR (p.created_at = $4 AND p.id < $5))
             ORDER BY p.created_at DESC, p.id DESC LIMIT $6"
        );
        let rows: Vec<ProductRow> = on_db!(self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(self.koperasi_id.0).bind(f.seller.map(|s| s.0)).bind(f.status.map(|s| s.as_str()))
            .bind(after.map(|a| a.0)).bind(after.map(|a| a.1).unwrap_or(Uuid::nil())).bind(limit + 1)
            .fetch_all(p).await)?;
        let more = rows.len() as i64 > limit;
        let mut products = rows
            .into_iter()
            .map(ProductRow::into_summary)
            .collect::<StoreResult<Vec<_>>>()?;
        products.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if more {
            products.last().map(|p| cursor_after(p.created_at, p.id.0))
        } else {
            None
        };
        Ok(ProductList {
            products,
            next_cursor,
        })
    }

    /// This coop's orders (as the merchant coop), newest first, optionally in one status, by
    /// keyset cursor; `limit` as for [`Tenant::products_page`].
    pub async fn orders_page(
        &self,
        status: Option<OrderStatus>,
        cursor: Option<&str>,
        limit: i64,
    ) -> StoreResult<OrderList> {
        let limit = page_size(limit);
        let after = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(parse_list_cursor(c)?),
            None => None,
        };
        let rows: Vec<(Uuid, OffsetDateTime)> = on_db!(self.db, p => sqlx::query_as(
            "SELECT id, created_at FROM market_order WHERE koperasi_id = $1 AND ($2 IS NULL OR status = $2)
               AND ($3 IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4))
             ORDER BY created_at DESC, id DESC LIMIT $5")
            .bind(self.koperasi_id.0).bind(status.map(|s| s.as_str()))
            .bind(after.map(|a| a.0)).bind(after.map(|a| a.1).unwrap_or(Uuid::nil())).bind(limit + 1)
            .fetch_all(p).await)?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .collect();
        let next_cursor = if more {
            rows.last().map(|(id, at)| cursor_after(*at, *id))
        } else {
            None
        };
        let mut orders = Vec::with_capacity(rows.len());
        for (id, _) in rows {
            orders.push(self.order(OrderId(id)).await?);
        }
        Ok(OrderList {
            orders,
            next_cursor,
        })
    }

    /// A Tomiko PO by its id alone, when this coop is its seller (the secondary coop) or its
    /// buyer; `NotFound` for any other coop.
    pub async fn tomiko_po_by_id(&self, id: Uuid) -> StoreResult<Po> {
        let seller: Option<Uuid> = on_db!(self.db, p => sqlx::query_scalar(
            "SELECT koperasi_id FROM tomiko_po WHERE id = $1 AND (koperasi_id = $2 OR buyer_koperasi_id = $2)")
            .bind(id).bind(self.koperasi_id.0).fetch_optional(p).await)?;
        let seller = seller.ok_or(StoreError::NotFound)?;
        self.tomiko_po(KoperasiId(seller), id).await
    }
}

impl Store {
    /// The public page of coop `k`'s listed product `id` (what [`Store::product_page`] shows
    /// for its slug): an unlisted, unapproved or wholesale-only product is `NotFound`.
    pub async fn listed_product(
        &self,
        k: KoperasiId,
        id: MarketProductId,
    ) -> StoreResult<ProductPage> {
        let slug: Option<String> = on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT slug FROM market_product WHERE koperasi_id = $1 AND id = $2 AND listed = TRUE")
            .bind(k.0).bind(id.0).fetch_optional(p).await)?;
        let slug = slug.ok_or(StoreError::NotFound)?;
        self.product_page(&k.to_string(), &slug, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_was_made_of() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_790_000_000_123_456_789).unwrap();
        let id = Uuid::now_v7();
        let c = cursor_after(at, id);
        assert_eq!(parse_list_cursor(&c).unwrap(), (at, id));
    }

    #[test]
    fn garbage_cursors_are_invalid_on_the_cursor_field() {
        for bad in [
            "",
            "abc",
            "12_",
            "_0190",
            "x_0190a3b2c3d4e5f60718293a4b5c6d7e",
            "99999999999999999999999999999_0190a3b2c3d4e5f60718293a4b5c6d7e",
            "1_not-a-uuid",
        ] {
            match parse_list_cursor(bad) {
                Err(StoreError::Invalid(f)) => assert_eq!(f[0].field, "cursor", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page_size(0), DEFAULT_PAGE);
        assert_eq!(page_size(-5), DEFAULT_PAGE);
        assert_eq!(page_size(7), 7);
        assert_eq!(page_size(10_000), MAX_LIST_PAGE);
    }
}
