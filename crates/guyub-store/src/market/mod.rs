//! The marketplace (`market`): sellers, the catalogue and its curation, search and browsing
//! (`catalog`), and checkouts, stock reservations, orders, their books and patronage (`order`).
//! Tables: migrations/*/0006_market.sql.

pub mod catalog;
pub mod dashboard;
pub mod order;
pub mod tomiko;
