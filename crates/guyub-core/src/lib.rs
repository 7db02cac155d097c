//! Guyub's rules: the domain types and pure functions every other crate builds on.
//!
//! Nothing here does I/O, async or SQL. Each module is one idea of the domain; types are
//! newtypes with parsing constructors, so a value that exists is a valid value
//! (a [`nik::Nik`] is always 16 digits with a real region and birth date, a
//! [`money::Rupiah`] is always whole rupiah).

mod codes;
pub mod coop;
pub mod fmt_id;
pub mod identifiers;
pub mod identity;
pub mod ids;
pub mod lang;
pub mod ledger;
pub mod market;
pub mod member;
pub mod money;
pub mod nik;
pub mod payment;
pub mod percent;
pub mod phone;
pub mod region;
pub mod savings;
pub mod terbilang;

pub use lang::{FieldError, Lang, Msg};
