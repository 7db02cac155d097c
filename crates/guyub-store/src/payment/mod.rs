//! The payment context: the coop's payment settings, payment requests and their confirmation,
//! statement imports and matching, QRIS settlements, and the payment gateway.

pub mod gateway;
pub mod request;
mod settings;
pub mod settlement;
pub mod statement;

pub use settings::*;
