//! Typed ids. Every id is a UUIDv7 (time-ordered, no sequence hot spot on a distributed
//! PostgreSQL) wrapped in its own type, so a `MemberId` can never be passed where a
//! `KoperasiId` is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
            /// Parses the canonical hyphenated form; anything else is `None`.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s.trim()).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    )*};
}

typed_id!(
    /// A cooperative: the tenant. Every tenant-owned row carries one.
    KoperasiId,
    /// A member of one cooperative (a person, or a coop in a secondary coop).
    MemberId,
    /// A person who can sign in.
    UserId,
    /// A role a user holds (in a coop, a region, or the whole platform).
    GrantId,
    /// A personal API token.
    TokenId,
    /// An entry in the audit log.
    AuditId,
    /// A member import (preview, then commit).
    ImportId,
    /// An account in a coop's chart of accounts.
    AccountId,
    /// A journal entry (its lines are numbered within it).
    EntryId,
    /// A savings product of a coop (simpanan pokok, wajib, sukarela, or one the coop defines).
    ProductId,
    /// One savings transaction (deposit, withdrawal, correction).
    SavingsTxId,
    /// A cashier's receipt (one or more payments taken together).
    ReceiptId,
    /// A bank account a coop receives transfers on (payment settings).
    BankAccountId,
    /// A request for one payment (a member's simpanan bill, later an order).
    PaymentRequestId,
    /// An imported settlement report or bank mutation statement.
    StatementId,
    /// An acquirer's settlement of QRIS payments into the bank, as posted to the books.
    SettlementId,
    /// A marketplace seller: a member's UMKM, a coop's store unit, a pesantren business unit.
    SellerId,
    /// A marketplace product (`market_product`); not the savings `ProductId`.
    MarketProductId,
    /// A variant of a marketplace product (size, colour…), with its own stock.
    VariantId,
    /// A legality document of a marketplace product or seller.
    DocId,
    /// An uploaded marketplace photo or document scan.
    MarketFileId,
    /// A communal brand several sellers list one product line under.
    BrandId,
    /// A marketplace order: the part of a checkout one seller fulfils (owned by the merchant coop).
    OrderId,
    /// A buyer's checkout: one payment for the orders of one cart (owned by the operator coop).
    CheckoutId,
    /// A payout to a consignment seller, settling the payable of its delivered orders.
    PayoutId,
    /// One patronage (jasa anggota) row: a member's transaction volume, the base of the SHU.
    PatronageId,
    /// A settlement between a storefront operator coop and a merchant coop (owned by the
    /// operator): it pays the merchant what the operator collected for its orders.
    MarketSettlementId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_time_ordered() {
        let a = MemberId::new();
        let b = MemberId::new();
        assert!(a < b);
        assert_eq!(MemberId::parse(&a.to_string()), Some(a));
        assert_eq!(MemberId::parse("not-a-uuid"), None);
    }
}
