//! The marketplace (`market`): sellers, the catalogue and its curation, search and browsing
//! (`catalog`), and checkouts, stock reservations, orders, their books and patronage (`order`).
//! The store counter (`pos`) sells the same stock through the same orders.
//! The storefront operator and settlements between coops (`operator`).
//! Tables: migrations/*/0006_market.sql (and 0009_store_counter.sql, 0010_operator.sql).

pub mod catalog;
pub mod dashboard;
pub mod operator;
pub mod order;
pub mod pos;
pub mod tomiko;

// The JSON API's reads: cursor-paged lists, a listed product and a PO by id.
pub mod lookup;
