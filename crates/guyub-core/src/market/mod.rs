//! The marketplace (`market`): Jatim Iso storefronts, OPOP curation and Tomiko wholesale.
//!
//! Pure rules only: the catalogue's shapes and checks, legality documents, search keys for
//! Indonesian product names, shipping quotes, checkout splitting and the order life cycle.

pub mod catalog;
pub mod counter;
pub mod dashboard;
pub mod legality;
pub mod operator;
pub mod order;
pub mod search;
pub mod shipping;
pub mod tomiko;
