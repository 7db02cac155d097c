//! Orders: the cart, the checkout split, the order's life, and the money of a sale.
//!
//! One cart may hold goods of many sellers (a Jatim Iso storefront, a Tomiko catalogue of
//! several coops). At checkout it is split into **one order per seller**, each with its own
//! shipping and its own life (one seller ships while another is still packing), but the buyer
//! pays **once**: the payment's amount is the sum of every order's goods and shipping. This is
//! what Open Food Network and CoopCycle learnt the hard way: an order tied to one seller is
//! hard to retrofit into a multi-seller cart, so the split is the model from the start.
//!
//! The life of an order (codes are stored, so they never change):
//!
//! ```text
//! dibuat ──bayar──▶ dibayar ──proses──▶ diproses ──kirim──▶ dikirim ──terima──▶ diterima ──selesai──▶ selesai
//! diproses ──terima──▶ diterima                  (ambil sendiri: a pickup is never dikirim)
//! dibuat | dibayar | diproses ──batal──▶ dibatalkan
//! dikirim | diterima ──retur──▶ dikembalikan
//! ```
//!
//! Who may take each step is in [`next`].
//!
//! Everything here is pure: the store gives ids, the clock and the sequence numbers.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::shipping::{MAX_NAME_CHARS, ShippingMethod};
use crate::codes::code_enum;
use crate::lang::{Lang, Msg};
use crate::money::Rupiah;
use crate::percent::BasisPoints;

/// The most lines one cart may hold at checkout (before lines of one variant are merged).
pub const MAX_CART_LINES: usize = 100;

/// The most units of one variant in one order. More is a wholesale deal, made with the
/// seller, not a cart.
pub const MAX_LINE_QTY: u32 = 999;

/// The longest tracking number (nomor resi) kept, in characters.
pub const MAX_TRACKING_CHARS: usize = 64;

/// The prefix of order numbers ("pesanan").
pub const ORDER_PREFIX: &str = "PSN";

/// Why a cart, an order action or an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// Checkout of a cart with nothing in it.
    EmptyCart,
    /// More than [`MAX_CART_LINES`] lines.
    TooManyLines,
    /// A line with quantity 0 (1-based line number).
    ZeroQty { line: usize },
    /// A line (or the merged lines of one variant) above [`MAX_LINE_QTY`].
    QtyTooLarge { line: usize },
    /// A line with a price of zero or less.
    PriceNotPositive { line: usize },
    /// A variant on two lines with a different seller, coop, price or weight: the cart is
    /// stale (a price changed) and must be refreshed before checkout.
    ConflictingLine { line: usize },
    /// A total beyond what an `i64` of rupiah holds.
    Overflow,
    /// A total weight beyond a `u32` of grams (over 4 tonnes).
    WeightTooLarge,
    /// Not one shipping fee per seller group.
    FeeCount { groups: usize, fees: usize },
    /// A shipping fee, goods amount or refund input below zero.
    NegativeAmount,
    /// The action does not apply to an order in this status, whoever asks.
    Transition {
        from: OrderStatus,
        action: OrderActionKind,
    },
    /// The action applies, but not by this actor.
    Forbidden {
        from: OrderStatus,
        action: OrderActionKind,
        who: OrderActor,
    },
    /// A pickup order is never shipped: it goes from `diproses` to `diterima`.
    PickupNotShipped,
    /// A courier shipment without the courier's name.
    CourierRequired,
    /// A courier shipment without a tracking number.
    TrackingRequired,
    /// A courier name above [`MAX_NAME_CHARS`] or a tracking number above
    /// [`MAX_TRACKING_CHARS`] characters.
    ShipmentTooLong,
    /// Unreadable (control) characters in a courier name or tracking number.
    ShipmentUnreadable,
    /// A refund asked for an order already closed (selesai), cancelled or returned.
    NotRefundable(OrderStatus),
}

impl OrderError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            OrderError::EmptyCart => Msg::new("Keranjang masih kosong", "The cart is empty"),
            OrderError::TooManyLines => Msg::new(
                format!(
                    "Keranjang paling banyak berisi {MAX_CART_LINES} baris; pisahkan menjadi beberapa pesanan"
                ),
                format!(
                    "A cart may hold at most {MAX_CART_LINES} lines; split it into several orders"
                ),
            ),
            OrderError::ZeroQty { line } => Msg::new(
                format!("Jumlah barang di baris {line} harus paling sedikit 1"),
                format!("The quantity on line {line} must be at least 1"),
            ),
            OrderError::QtyTooLarge { line } => Msg::new(
                format!(
                    "Jumlah satu produk paling banyak {MAX_LINE_QTY} (baris {line}); untuk pembelian besar hubungi penjual"
                ),
                format!(
                    "At most {MAX_LINE_QTY} of one product (line {line}); for larger purchases contact the seller"
                ),
            ),
            OrderError::PriceNotPositive { line } => Msg::new(
                format!("Harga barang di baris {line} tidak sah"),
                format!("The price on line {line} is not valid"),
            ),
            OrderError::ConflictingLine { line } => Msg::new(
                format!(
                    "Harga atau data produk di baris {line} sudah berubah; muat ulang keranjang"
                ),
                format!(
                    "The price or details of the product on line {line} changed; reload the cart"
                ),
            ),
            OrderError::Overflow => Msg::new(
                "Total pesanan terlalu besar",
                "The order total is too large",
            ),
            OrderError::WeightTooLarge => Msg::new(
                "Berat pesanan terlalu besar untuk dikirim sebagai paket",
                "The order is too heavy to ship as a parcel",
            ),
            OrderError::FeeCount { groups, fees } => Msg::new(
                format!(
                    "Ada {groups} pesanan tetapi {fees} ongkos kirim; pilih pengiriman untuk setiap penjual"
                ),
                format!(
                    "There are {groups} orders but {fees} shipping fees; choose shipping for each seller"
                ),
            ),
            OrderError::NegativeAmount => Msg::new(
                "Jumlah rupiah tidak boleh negatif",
                "The amount cannot be negative",
            ),
            OrderError::Transition { from, action } => Msg::new(
                format!(
                    "Tindakan \"{}\" tidak berlaku untuk pesanan berstatus {}",
                    action.label(Lang::Id),
                    from.label(Lang::Id)
                ),
                format!(
                    "\"{}\" does not apply to an order that is {}",
                    action.label(Lang::En),
                    from.label(Lang::En).to_lowercase()
                ),
            ),
            OrderError::Forbidden { from, action, who } => {
                let (hint_id, hint_en) = match (who, action) {
                    (OrderActor::Buyer, OrderActionKind::Cancel) => (
                        "; pesanan yang sudah diproses hanya dapat dibatalkan oleh penjual",
                        "; once processing has begun only the seller can cancel",
                    ),
                    _ => ("", ""),
                };
                Msg::new(
                    format!(
                        "{} tidak dapat melakukan \"{}\" pada pesanan berstatus {}{hint_id}",
                        who.label(Lang::Id),
                        action.label(Lang::Id),
                        from.label(Lang::Id)
                    ),
                    format!(
                        "The {} cannot \"{}\" an order that is {}{hint_en}",
                        who.label(Lang::En).to_lowercase(),
                        action.label(Lang::En),
                        from.label(Lang::En).to_lowercase()
                    ),
                )
            }
            OrderError::PickupNotShipped => Msg::new(
                "Pesanan ambil sendiri tidak dikirim; tandai diterima saat pembeli mengambilnya",
                "A pickup order is not shipped; mark it received when the buyer collects it",
            ),
            OrderError::CourierRequired => Msg::new(
                "Nama kurir wajib diisi untuk pengiriman lewat ekspedisi",
                "The courier's name is required for a courier shipment",
            ),
            OrderError::TrackingRequired => Msg::new(
                "Nomor resi wajib diisi untuk pengiriman lewat ekspedisi",
                "The tracking number is required for a courier shipment",
            ),
            OrderError::ShipmentTooLong => Msg::new(
                format!(
                    "Nama kurir paling panjang {MAX_NAME_CHARS} karakter dan nomor resi {MAX_TRACKING_CHARS} karakter"
                ),
                format!(
                    "The courier's name may be at most {MAX_NAME_CHARS} characters and the tracking number {MAX_TRACKING_CHARS}"
                ),
            ),
            OrderError::ShipmentUnreadable => Msg::new(
                "Nama kurir atau nomor resi berisi karakter yang tidak terbaca",
                "The courier's name or tracking number contains unreadable characters",
            ),
            OrderError::NotRefundable(status) => Msg::new(
                format!(
                    "Pesanan berstatus {} tidak dapat dikembalikan dananya",
                    status.label(Lang::Id)
                ),
                format!(
                    "An order that is {} cannot be refunded",
                    status.label(Lang::En).to_lowercase()
                ),
            ),
        }
    }
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

// ---------------------------------------------------------------------------------------------
// Cart and checkout
// ---------------------------------------------------------------------------------------------

/// One line of a cart, with the price and weight as the catalogue gave them when the buyer
/// checked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The seller (UMKM, pesantren, member) whose goods these are.
    pub seller_id: Uuid,
    /// The coop that sells them and books the sale (the merchant of record).
    pub coop_id: Uuid,
    pub variant_id: Uuid,
    pub qty: u32,
    /// The price of one unit.
    pub unit_price: Rupiah,
    /// The weight of one unit, in grams (0 when the seller did not fill it in).
    pub weight_g: u32,
}

impl CartLine {
    /// `qty × unit_price`; `None` on overflow.
    pub fn total(&self) -> Option<Rupiah> {
        i64::from(self.qty)
            .checked_mul(self.unit_price.0)
            .map(Rupiah)
    }

    /// `qty × weight_g`; `None` on overflow.
    pub fn total_weight_g(&self) -> Option<u32> {
        self.qty.checked_mul(self.weight_g)
    }
}

/// The lines of one seller in a cart: what becomes one order.
///
/// Invariants (as built by [`split_by_seller`]): every line has this group's seller and coop;
/// no variant appears twice; `subtotal` is the sum of the lines' totals and `weight_g` the
/// sum of their weights, both exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerGroup {
    pub seller_id: Uuid,
    pub coop_id: Uuid,
    pub lines: Vec<CartLine>,
    /// The goods, before shipping.
    pub subtotal: Rupiah,
    /// The total weight of the goods, in grams: what shipping is priced on.
    pub weight_g: u32,
}

/// Splits a cart into one group per seller, the groups in the order their sellers first
/// appear in the cart, the lines of a group in the order they first appear.
///
/// A group is one seller **within one coop** (`seller_id` and `coop_id` together): the coop is
/// the merchant of record whose books hold the sale, so one seller's goods sold through two
/// coops are two orders.
///
/// Lines of one variant are merged (quantities added) when they agree on seller, coop, price
/// and weight; when they differ the cart is stale and is refused ([`OrderError::ConflictingLine`]).
///
/// Refused: an empty cart; more than [`MAX_CART_LINES`] lines; a quantity of 0 or, also after
/// merging, above [`MAX_LINE_QTY`]; a price of zero or less; a total that overflows (money or
/// grams). Line numbers in errors are 1-based positions in `lines`.
pub fn split_by_seller(lines: &[CartLine]) -> Result<Vec<SellerGroup>, OrderError> {
    if lines.is_empty() {
        return Err(OrderError::EmptyCart);
    }
    if lines.len() > MAX_CART_LINES {
        return Err(OrderError::TooManyLines);
    }
    let mut merged: Vec<CartLine> = Vec::with_capacity(lines.len());
    let mut by_variant: HashMap<Uuid, usize> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if l.qty == 0 {
            return Err(OrderError::ZeroQty { line });
        }
        if l.qty > MAX_LINE_QTY {
            return Err(OrderError::QtyTooLarge { line });
        }
        if !l.unit_price.is_positive() {
            return Err(OrderError::PriceNotPositive { line });
        }
        match by_variant.get(&l.variant_id) {
            Some(&at) => {
                let m = &mut merged[at];
                if (m.seller_id, m.coop_id, m.unit_price, m.weight_g)
                    != (l.seller_id, l.coop_id, l.unit_price, l.weight_g)
                {
                    return Err(OrderError::ConflictingLine { line });
                }
                m.qty = m.qty.saturating_add(l.qty); // both at most 999
                if m.qty > MAX_LINE_QTY {
                    return Err(OrderError::QtyTooLarge { line });
                }
            }
            None => {
                by_variant.insert(l.variant_id, merged.len());
                merged.push(l.clone());
            }
        }
    }

    let mut groups: Vec<SellerGroup> = Vec::new();
    for l in merged {
        let total = l.total().ok_or(OrderError::Overflow)?;
        let weight = l.total_weight_g().ok_or(OrderError::WeightTooLarge)?;
        let at = match groups
            .iter()
            .position(|g| g.seller_id == l.seller_id && g.coop_id == l.coop_id)
        {
            Some(at) => at,
            None => {
                groups.push(SellerGroup {
                    seller_id: l.seller_id,
                    coop_id: l.coop_id,
                    lines: Vec::new(),
                    subtotal: Rupiah::ZERO,
                    weight_g: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[at];
        g.subtotal = g.subtotal.checked_add(total).ok_or(OrderError::Overflow)?;
        g.weight_g = g
            .weight_g
            .checked_add(weight)
            .ok_or(OrderError::WeightTooLarge)?;
        g.lines.push(l);
    }
    Ok(groups)
}

/// What the buyer pays for one order: goods plus shipping. Refuses negative amounts and
/// overflow.
pub fn order_total(goods: Rupiah, shipping_fee: Rupiah) -> Result<Rupiah, OrderError> {
    if goods.0 < 0 || shipping_fee.0 < 0 {
        return Err(OrderError::NegativeAmount);
    }
    goods.checked_add(shipping_fee).ok_or(OrderError::Overflow)
}

/// The amount of the one payment for a whole cart: `shipping_fees[i]` is the fee of
/// `groups[i]`'s order.
///
/// Invariant: the result is exactly the sum over the orders of [`order_total`] (goods plus
/// shipping), so the payment settles every order to the rupiah and nothing is left to
/// apportion. Refuses a fee count other than one per group, negative fees and overflow.
pub fn checkout_total(
    groups: &[SellerGroup],
    shipping_fees: &[Rupiah],
) -> Result<Rupiah, OrderError> {
    if groups.len() != shipping_fees.len() {
        return Err(OrderError::FeeCount {
            groups: groups.len(),
            fees: shipping_fees.len(),
        });
    }
    groups
        .iter()
        .zip(shipping_fees)
        .try_fold(Rupiah::ZERO, |sum, (g, fee)| {
            sum.checked_add(order_total(g.subtotal, *fee)?)
                .ok_or(OrderError::Overflow)
        })
}

// ---------------------------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------------------------

code_enum! {
    /// Where an order stands. `selesai`, `dibatalkan` and `dikembalikan` are final.
    OrderStatus {
        /// Placed, waiting for the payment.
        Dibuat => "dibuat", "Menunggu pembayaran", "Awaiting payment";
        /// Paid: the seller may start.
        Dibayar => "dibayar", "Dibayar", "Paid";
        /// The seller is packing it (or has it ready for pickup).
        Diproses => "diproses", "Diproses", "Processing";
        /// On its way (by the seller or a courier).
        Dikirim => "dikirim", "Dikirim", "Shipped";
        /// The buyer has it.
        Diterima => "diterima", "Diterima", "Received";
        /// Closed: the complaint window is over, the seller can be paid out.
        Selesai => "selesai", "Selesai", "Completed";
        /// Cancelled before it was shipped.
        Dibatalkan => "dibatalkan", "Dibatalkan", "Cancelled";
        /// Sent back after shipping, settled by the coop's staff.
        Dikembalikan => "dikembalikan", "Dikembalikan", "Returned";
    }
}

impl OrderStatus {
    /// No action applies any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Selesai | OrderStatus::Dibatalkan | OrderStatus::Dikembalikan
        )
    }
}

code_enum! {
    /// An action on an order, without its data (see [`OrderAction`]).
    OrderActionKind {
        Pay => "bayar", "Tandai dibayar", "Mark paid";
        Process => "proses", "Proses", "Process";
        Ship => "kirim", "Kirim", "Ship";
        Receive => "terima", "Tandai diterima", "Mark received";
        Complete => "selesai", "Selesaikan", "Complete";
        Cancel => "batal", "Batalkan", "Cancel";
        Return => "retur", "Retur", "Return";
    }
}

code_enum! {
    /// Who acts on an order.
    OrderActor {
        /// The buyer who placed it.
        Buyer => "pembeli", "Pembeli", "Buyer";
        /// The seller whose goods it holds.
        Seller => "penjual", "Penjual", "Seller";
        /// Staff of the merchant coop (pengurus, kasir): the coop sells the goods, so its
        /// staff may do what the seller does, and a few things more.
        CoopStaff => "staf", "Staf koperasi", "Coop staff";
        /// Guyub itself: a payment notification, a courier's tracking, a timer.
        System => "sistem", "Sistem", "System";
    }
}

/// An action on an order, with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action")]
pub enum OrderAction {
    #[serde(rename = "bayar")]
    Pay,
    #[serde(rename = "proses")]
    Process,
    /// Handed to the courier (or the seller set off). `courier` and `tracking` (nomor resi)
    /// are required for a courier shipment and optional for seller delivery (empty = none).
    #[serde(rename = "kirim")]
    Ship { courier: String, tracking: String },
    #[serde(rename = "terima")]
    Receive,
    #[serde(rename = "selesai")]
    Complete,
    #[serde(rename = "batal")]
    Cancel,
    #[serde(rename = "retur")]
    Return,
}

impl OrderAction {
    /// A shipment with its texts cleaned as they should be stored: trimmed, inner whitespace
    /// as single spaces.
    pub fn ship(courier: &str, tracking: &str) -> OrderAction {
        let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        OrderAction::Ship {
            courier: clean(courier),
            tracking: clean(tracking),
        }
    }

    pub fn kind(&self) -> OrderActionKind {
        match self {
            OrderAction::Pay => OrderActionKind::Pay,
            OrderAction::Process => OrderActionKind::Process,
            OrderAction::Ship { .. } => OrderActionKind::Ship,
            OrderAction::Receive => OrderActionKind::Receive,
            OrderAction::Complete => OrderActionKind::Complete,
            OrderAction::Cancel => OrderActionKind::Cancel,
            OrderAction::Return => OrderActionKind::Return,
        }
    }
}

/// The status an order moves to when `who` takes `action`, or why not.
///
/// The rules (`method` is the order's shipping; "seller side" is the seller or the coop's
/// staff):
///
/// | action | from | to | who |
/// |---|---|---|---|
/// | bayar | dibuat | dibayar | system (a gateway notification, a matched statement) or staff (a cashier confirms cash or a transfer); never the buyer's or seller's word |
/// | proses | dibayar | diproses | seller side |
/// | kirim | diproses | dikirim | seller side; never for pickup; a courier shipment needs courier and tracking number |
/// | terima | dikirim | diterima | buyer, seller side, or system (courier tracking says delivered, or no complaint after N days) |
/// | terima | diproses, pickup only | diterima | buyer or seller side, at the hand-over (the system cannot see it) |
/// | selesai | diterima | selesai | buyer, or system after N days without complaint; not the seller, who would cut the buyer's complaint window short |
/// | batal | dibuat | dibatalkan | anyone (the system when the payment expires) |
/// | batal | dibayar | dibatalkan | buyer or seller side (nothing is packed yet) |
/// | batal | diproses | dibatalkan | seller side only: the goods may be packed, so the buyer asks the seller |
/// | retur | dikirim, diterima | dikembalikan | staff only: a return moves money back and needs a person to judge it |
///
/// Nothing leaves `selesai`, `dibatalkan` or `dikembalikan`. Checks the status first (an
/// action that fits no one is [`OrderError::Transition`]), then the actor
/// ([`OrderError::Forbidden`]), then the shipment's data.
pub fn next(
    status: OrderStatus,
    action: &OrderAction,
    who: OrderActor,
    method: ShippingMethod,
) -> Result<OrderStatus, OrderError> {
    let to = transition(status, action.kind(), who, method)?;
    if let OrderAction::Ship { courier, tracking } = action {
        check_shipment(courier, tracking, method)?;
    }
    Ok(to)
}

/// The actions `who` may take on an order in `status`: the buttons a page shows.
pub fn allowed_actions(
    status: OrderStatus,
    who: OrderActor,
    method: ShippingMethod,
) -> Vec<OrderActionKind> {
    OrderActionKind::ALL
        .iter()
        .copied()
        .filter(|k| transition(status, *k, who, method).is_ok())
        .collect()
}

/// The table of [`next`], without the shipment's data.
fn transition(
    status: OrderStatus,
    kind: OrderActionKind,
    who: OrderActor,
    method: ShippingMethod,
) -> Result<OrderStatus, OrderError> {
    use OrderActionKind as K;
    use OrderActor as A;
    use OrderStatus as S;
    let pickup = method == ShippingMethod::Pickup;
    let to = match (kind, status) {
        (K::Pay, S::Dibuat) => S::Dibayar,
        (K::Process, S::Dibayar) => S::Diproses,
        (K::Ship, S::Diproses) if pickup => return Err(OrderError::PickupNotShipped),
        (K::Ship, S::Diproses) => S::Dikirim,
        (K::Receive, S::Dikirim) => S::Diterima,
        (K::Receive, S::Diproses) if pickup => S::Diterima,
        (K::Complete, S::Diterima) => S::Selesai,
        (K::Cancel, S::Dibuat | S::Dibayar | S::Diproses) => S::Dibatalkan,
        (K::Return, S::Dikirim | S::Diterima) => S::Dikembalikan,
        _ => {
            return Err(OrderError::Transition {
                from: status,
                action: kind,
            });
        }
    };
    let seller_side = matches!(who, A::Seller | A::CoopStaff);
    let allowed = match kind {
        K::Pay => matches!(who, A::System | A::CoopStaff),
        K::Process | K::Ship => seller_side,
        // The system sees a courier's delivery or a timer, never a pickup's hand-over.
        K::Receive => !(who == A::System && status == S::Diproses),
        K::Complete => matches!(who, A::Buyer | A::System),
        K::Cancel => match status {
            S::Dibuat => true,
            S::Dibayar => who != A::System,
            _ => seller_side,
        },
        K::Return => who == A::CoopStaff,
    };
    if allowed {
        Ok(to)
    } else {
        Err(OrderError::Forbidden {
            from: status,
            action: kind,
            who,
        })
    }
}

/// The shipment's data: for a courier both texts are required; for seller delivery both may
/// be empty. Either way, when given, readable and not too long.
fn check_shipment(courier: &str, tracking: &str, method: ShippingMethod) -> Result<(), OrderError> {
    let (courier, tracking) = (courier.trim(), tracking.trim());
    if method == ShippingMethod::Courier {
        if courier.is_empty() {
            return Err(OrderError::CourierRequired);
        }
        if tracking.is_empty() {
            return Err(OrderError::TrackingRequired);
        }
    }
    if courier.chars().count() > MAX_NAME_CHARS || tracking.chars().count() > MAX_TRACKING_CHARS {
        return Err(OrderError::ShipmentTooLong);
    }
    if courier
        .chars()
        .chain(tracking.chars())
        .any(char::is_control)
    {
        return Err(OrderError::ShipmentUnreadable);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// WhatsApp
// ---------------------------------------------------------------------------------------------

/// The WhatsApp message telling the buyer that order `order_no` at `shop` is now `status`:
/// Indonesian, short and friendly, one message per status. `tracking` (nomor resi) is shown
/// only in the `dikirim` message. Line breaks and runs of spaces in `shop` and `tracking` are
/// folded to single spaces, so the message keeps its shape whatever was typed.
pub fn status_message(
    order_no: &str,
    status: OrderStatus,
    shop: &str,
    tracking: Option<&str>,
) -> String {
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (no, shop) = (fold(order_no), fold(shop));
    match status {
        OrderStatus::Dibuat => format!(
            "Halo! Pesanan {no} di {shop} sudah kami catat. Silakan selesaikan pembayaran agar pesanan bisa segera diproses. Terima kasih 🙏"
        ),
        OrderStatus::Dibayar => format!(
            "Halo! Pembayaran pesanan {no} di {shop} sudah kami terima. Pesanan segera disiapkan."
        ),
        OrderStatus::Diproses => format!(
            "Halo! Pesanan {no} sedang disiapkan oleh {shop}. Kami kabari lagi bila sudah dikirim atau siap diambil."
        ),
        OrderStatus::Dikirim => {
            let resi = tracking
                .map(fold)
                .filter(|t| !t.is_empty())
                .map(|t| format!("\nNomor resi: {t}"))
                .unwrap_or_default();
            format!(
                "Halo! Pesanan {no} dari {shop} sudah dikirim.{resi}\nMohon tandai diterima bila paket sudah sampai."
            )
        }
        OrderStatus::Diterima => format!(
            "Halo! Pesanan {no} dari {shop} sudah diterima. Semoga cocok! Bila ada kendala, balas pesan ini."
        ),
        OrderStatus::Selesai => {
            format!("Pesanan {no} selesai. Terima kasih sudah berbelanja di {shop} 🙏")
        }
        OrderStatus::Dibatalkan => format!(
            "Halo, pesanan {no} di {shop} dibatalkan. Bila sudah membayar, dana akan dikembalikan."
        ),
        OrderStatus::Dikembalikan => format!(
            "Halo, retur pesanan {no} di {shop} sudah dicatat. Dana akan dikembalikan sesuai ketentuan."
        ),
    }
}

/// A `https://wa.me/<number>?text=<message>` link that opens WhatsApp with the message ready
/// to send.
///
/// `phone_e164_digits` is the number in international form: `628123456789` or `+628123456789`
/// (a stored [`crate::phone::Phone`] as is). Anything but digits is dropped, and a leading
/// `0` (a national `0812…` number) becomes `62`, because wa.me needs the country code. The
/// text is percent-encoded as UTF-8 (everything but `A–Z a–z 0–9 - . _ ~`, so spaces are
/// `%20`, never `+`); an empty text gives a link without `?text=`.
pub fn whatsapp_link(phone_e164_digits: &str, text: &str) -> String {
    let digits: String = phone_e164_digits
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let number = match digits.strip_prefix('0') {
        Some(rest) => format!("62{rest}"),
        None => digits,
    };
    let mut url = format!("https://wa.me/{number}");
    if !text.is_empty() {
        url.push_str("?text=");
        url.push_str(&percent_encode(text));
    }
    url
}

/// RFC 3986 percent-encoding of a query value: unreserved bytes as they are, every other byte
/// of the UTF-8 text as `%XX` (upper-case hex).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Money of a sale
// ---------------------------------------------------------------------------------------------

/// Splits a consignment sale (the coop sells a member's goods) into what the coop owes the
/// seller and the coop's commission: `(seller_payable, commission)`.
///
/// Rounding: the commission is `gross × rate`, rounded half up to whole rupiah (half away
/// from zero for a negative gross, a reversal, so that reversing a sale reverses its split
/// exactly); the seller gets the rest. So `seller_payable + commission == gross` always, and
/// neither is ever more than the gross. A rate above 100 % is taken as 100 % (the seller is
/// never made to owe on a sale). The commission is on the goods only: shipping is not the
/// seller's income and is not split. Booked as Dr Kas/clearing — Cr Utang kepada penjual
/// (seller_payable) + Cr Pendapatan komisi (commission).
pub fn consignment_split(gross: Rupiah, commission: BasisPoints) -> (Rupiah, Rupiah) {
    let rate = i128::from(commission.0.min(BasisPoints::HUNDRED.0));
    let g = i128::from(gross.0);
    let magnitude = (g.abs() * rate + 5_000) / 10_000;
    let c = if g < 0 { -magnitude } else { magnitude };
    // |c| <= |gross| and c has gross's sign, so both fit an i64; the fallback (everything to
    // the seller) still conserves the total.
    match (i64::try_from(c), i64::try_from(g - c)) {
        (Ok(c), Ok(seller)) => (Rupiah(seller), Rupiah(c)),
        _ => (gross, Rupiah::ZERO),
    }
}

/// What goes back to the buyer when an order is cancelled or returned. `status` is the status
/// the order was in **before** the cancellation or return.
///
/// - `dibuat`: nothing, nothing was paid.
/// - `dibayar`, `diproses`: goods and shipping, whatever `include_shipping` says: nothing was
///   shipped, so the fee was not spent.
/// - `dikirim`, `diterima` (a return): the goods, plus shipping only when `include_shipping`
///   (the coop's staff decide: yes when the seller was at fault, no when the buyer changed
///   their mind and the courier was paid for nothing).
/// - `selesai`, `dibatalkan`, `dikembalikan`: refused; a closed order is not reopened, and a
///   cancelled or returned one was refunded already.
///
/// Never more than goods + shipping. Refuses negative inputs and overflow.
pub fn refund_amount(
    goods: Rupiah,
    shipping: Rupiah,
    status: OrderStatus,
    include_shipping: bool,
) -> Result<Rupiah, OrderError> {
    let full = order_total(goods, shipping)?;
    match status {
        OrderStatus::Dibuat => Ok(Rupiah::ZERO),
        OrderStatus::Dibayar | OrderStatus::Diproses => Ok(full),
        OrderStatus::Dikirim | OrderStatus::Diterima => {
            Ok(if include_shipping { full } else { goods })
        }
        OrderStatus::Selesai | OrderStatus::Dibatalkan | OrderStatus::Dikembalikan => {
            Err(OrderError::NotRefundable(status))
        }
    }
}

/// An order's number as people read it on the phone: `PSN-2026-000123` (the year, then the
/// coop's sequence for that year, at least six digits, more when it grows). Unique within the
/// selling coop; the store passes a sequence from 1 up.
pub fn order_no(year: i32, seq: i64) -> String {
    format!("{ORDER_PREFIX}-{year:04}-{seq:06}")
}

/// Reads an order number as a buyer may type it (`PSN-2026-000123`, `psn-2026-123`, spaces
/// around it): `(year, seq)`. The year has four digits; the sequence at least one.
pub fn parse_order_no(s: &str) -> Option<(i32, i64)> {
    let t = s.trim();
    let mut parts = t.split('-');
    let (prefix, year, seq) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !prefix.eq_ignore_ascii_case(ORDER_PREFIX) {
        return None;
    }
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !digits(year) || !digits(seq) {
        return None;
    }
    Some((year.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const M: ShippingMethod = ShippingMethod::SellerDelivery;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn line(seller: u128, variant: u128, qty: u32, price: i64, grams: u32) -> CartLine {
        CartLine {
            seller_id: id(seller),
            coop_id: id(1_000),
            variant_id: id(variant),
            qty,
            unit_price: Rupiah(price),
            weight_g: grams,
        }
    }

    #[test]
    fn a_cart_splits_per_seller_in_first_seen_order() {
        let cart = vec![
            line(2, 20, 1, 15_000, 250),
            line(1, 10, 2, 10_000, 500),
            line(2, 21, 3, 5_000, 100),
            line(1, 10, 1, 10_000, 500),
            line(3, 30, 1, 7_500, 0),
        ];
        let groups = split_by_seller(&cart).unwrap();
        let summary: Vec<_> = groups
            .iter()
            .map(|g| {
                (
                    g.seller_id,
                    g.lines
                        .iter()
                        .map(|l| (l.variant_id, l.qty))
                        .collect::<Vec<_>>(),
                    g.subtotal.0,
                    g.weight_g,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (id(2), vec![(id(20), 1), (id(21), 3)], 30_000, 550),
                (id(1), vec![(id(10), 3)], 30_000, 1_500),
                (id(3), vec![(id(30), 1)], 7_500, 0),
            ]
        );
        let fees = [Rupiah(10_000), Rupiah(0), Rupiah(9_000)];
        assert_eq!(checkout_total(&groups, &fees), Ok(Rupiah(86_500)));
    }

    #[test]
    fn one_seller_in_two_coops_is_two_orders() {
        let mut a = line(1, 10, 1, 1_000, 1);
        let mut b = line(1, 11, 1, 1_000, 1);
        a.coop_id = id(7);
        b.coop_id = id(8);
        let groups = split_by_seller(&[a, b]).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].coop_id, groups[1].coop_id), (id(7), id(8)));
    }

    #[test]
    fn bad_carts_are_refused() {
        assert_eq!(split_by_seller(&[]), Err(OrderError::EmptyCart));
        let many: Vec<_> = (0..=100).map(|v| line(1, v, 1, 1_000, 1)).collect();
        assert_eq!(split_by_seller(&many), Err(OrderError::TooManyLines));
        assert!(split_by_seller(&many[..100]).is_ok());
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 1, 1), line(1, 2, 0, 1, 1)]),
            Err(OrderError::ZeroQty { line: 2 })
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1_000, 1, 1)]),
            Err(OrderError::QtyTooLarge { line: 1 })
        );
        assert!(split_by_seller(&[line(1, 1, 999, 1, 1)]).is_ok());
        // Merged lines count together.
        assert_eq!(
            split_by_seller(&[line(1, 1, 500, 1, 1), line(1, 1, 500, 1, 1)]),
            Err(OrderError::QtyTooLarge { line: 2 })
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 0, 1)]),
            Err(OrderError::PriceNotPositive { line: 1 })
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, -5, 1)]),
            Err(OrderError::PriceNotPositive { line: 1 })
        );
        // The same variant at another price, seller or weight: a stale cart.
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 1_000, 1), line(1, 1, 1, 1_100, 1)]),
            Err(OrderError::ConflictingLine { line: 2 })
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 1_000, 1), line(2, 1, 1, 1_000, 1)]),
            Err(OrderError::ConflictingLine { line: 2 })
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 1_000, 1), line(1, 1, 1, 1_000, 2)]),
            Err(OrderError::ConflictingLine { line: 2 })
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert_eq!(
            split_by_seller(&[line(1, 1, 2, i64::MAX, 1)]),
            Err(OrderError::Overflow)
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, i64::MAX, 1), line(1, 2, 1, 1, 1)]),
            Err(OrderError::Overflow)
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 999, 1, u32::MAX / 100)]),
            Err(OrderError::WeightTooLarge)
        );
        assert_eq!(
            split_by_seller(&[line(1, 1, 1, 1, u32::MAX), line(1, 2, 1, 1, 1)]),
            Err(OrderError::WeightTooLarge)
        );
        let g = split_by_seller(&[line(1, 1, 1, i64::MAX, 1)]).unwrap();
        assert_eq!(checkout_total(&g, &[Rupiah(1)]), Err(OrderError::Overflow));
        let two = split_by_seller(&[line(1, 1, 1, i64::MAX, 1), line(2, 2, 1, 1, 1)]).unwrap();
        assert_eq!(
            checkout_total(&two, &[Rupiah(0), Rupiah(0)]),
            Err(OrderError::Overflow)
        );
    }

    #[test]
    fn checkout_needs_one_fee_per_order() {
        let g = split_by_seller(&[line(1, 1, 1, 1_000, 1)]).unwrap();
        assert_eq!(
            checkout_total(&g, &[]),
            Err(OrderError::FeeCount { groups: 1, fees: 0 })
        );
        assert_eq!(
            checkout_total(&g, &[Rupiah(-1)]),
            Err(OrderError::NegativeAmount)
        );
        assert_eq!(checkout_total(&g, &[Rupiah(500)]), Ok(Rupiah(1_500)));
        assert_eq!(checkout_total(&[], &[]), Ok(Rupiah::ZERO));
        assert_eq!(
            order_total(Rupiah(-1), Rupiah(0)),
            Err(OrderError::NegativeAmount)
        );
    }

    #[test]
    fn codes_are_stable() {
        let codes: Vec<_> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "dibuat",
                "dibayar",
                "diproses",
                "dikirim",
                "diterima",
                "selesai",
                "dibatalkan",
                "dikembalikan"
            ]
        );
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(*s));
            assert!(!s.label(Lang::Id).is_empty() && !s.label(Lang::En).is_empty());
        }
        assert_eq!(OrderStatus::parse("DIBUAT"), None);
        assert_eq!(OrderStatus::Dikirim.label(Lang::En), "Shipped");
        for k in OrderActionKind::ALL {
            assert_eq!(OrderActionKind::parse(k.as_str()), Some(*k));
        }
        for a in OrderActor::ALL {
            assert_eq!(OrderActor::parse(a.as_str()), Some(*a));
        }
        assert_eq!(
            serde_json::to_string(&OrderStatus::Diproses).unwrap(),
            r#""diproses""#
        );
    }

    fn action_of(kind: OrderActionKind) -> OrderAction {
        match kind {
            OrderActionKind::Pay => OrderAction::Pay,
            OrderActionKind::Process => OrderAction::Process,
            OrderActionKind::Ship => OrderAction::ship("JNE", "JP1234567890"),
            OrderActionKind::Receive => OrderAction::Receive,
            OrderActionKind::Complete => OrderAction::Complete,
            OrderActionKind::Cancel => OrderAction::Cancel,
            OrderActionKind::Return => OrderAction::Return,
        }
    }

    #[test]
    fn actions_serialize_with_their_kind_codes() {
        for k in OrderActionKind::ALL {
            let a = action_of(*k);
            assert_eq!(a.kind(), *k);
            let json = serde_json::to_value(&a).unwrap();
            assert_eq!(json["action"], k.as_str());
            assert_eq!(serde_json::from_value::<OrderAction>(json).unwrap(), a);
        }
        assert_eq!(
            OrderAction::ship("  J&T \n Express ", " JT 123 "),
            OrderAction::Ship {
                courier: "J&T Express".into(),
                tracking: "JT 123".into()
            }
        );
    }

    /// Every (status, action, actor, method) there is: exactly the pairs in this table are
    /// allowed, with these results; every other one is refused.
    #[test]
    fn every_allowed_and_refused_transition() {
        use OrderActionKind as K;
        use OrderActor as A;
        use OrderStatus as S;
        use ShippingMethod as Sm;
        const ALL_METHODS: &[Sm] = &[Sm::Pickup, Sm::SellerDelivery, Sm::Courier];
        const SHIPPED: &[Sm] = &[Sm::SellerDelivery, Sm::Courier];
        const PICKUP: &[Sm] = &[Sm::Pickup];
        /// From, action, who may, for which shipping, to.
        type Rule = (S, K, &'static [A], &'static [Sm], S);
        #[rustfmt::skip]
        let table: Vec<Rule> = vec![
            (S::Dibuat, K::Pay, &[A::System, A::CoopStaff], ALL_METHODS, S::Dibayar),
            (S::Dibayar, K::Process, &[A::Seller, A::CoopStaff], ALL_METHODS, S::Diproses),
            (S::Diproses, K::Ship, &[A::Seller, A::CoopStaff], SHIPPED, S::Dikirim),
            (S::Dikirim, K::Receive, &[A::Buyer, A::Seller, A::CoopStaff, A::System], ALL_METHODS, S::Diterima),
            (S::Diproses, K::Receive, &[A::Buyer, A::Seller, A::CoopStaff], PICKUP, S::Diterima),
            (S::Diterima, K::Complete, &[A::Buyer, A::System], ALL_METHODS, S::Selesai),
            (S::Dibuat, K::Cancel, &[A::Buyer, A::Seller, A::CoopStaff, A::System], ALL_METHODS, S::Dibatalkan),
            (S::Dibayar, K::Cancel, &[A::Buyer, A::Seller, A::CoopStaff], ALL_METHODS, S::Dibatalkan),
            (S::Diproses, K::Cancel, &[A::Seller, A::CoopStaff], ALL_METHODS, S::Dibatalkan),
            (S::Dikirim, K::Return, &[A::CoopStaff], ALL_METHODS, S::Dikembalikan),
            (S::Diterima, K::Return, &[A::CoopStaff], ALL_METHODS, S::Dikembalikan),
        ];
        let expected = |s: S, k: K, a: A, m: Sm| {
            table
                .iter()
                .find(|(ts, tk, ta, tm, _)| {
                    *ts == s && *tk == k && ta.contains(&a) && tm.contains(&m)
                })
                .map(|t| t.4)
        };
        let (mut allowed, mut refused) = (0, 0);
        for s in S::ALL {
            for k in K::ALL {
                for a in A::ALL {
                    for m in ALL_METHODS {
                        let got = next(*s, &action_of(*k), *a, *m);
                        match expected(*s, *k, *a, *m) {
                            Some(to) => {
                                assert_eq!(got, Ok(to), "{s:?} {k:?} {a:?} {m:?}");
                                allowed += 1;
                            }
                            None => {
                                assert!(got.is_err(), "{s:?} {k:?} {a:?} {m:?} gave {got:?}");
                                refused += 1;
                            }
                        }
                        let listed = allowed_actions(*s, *a, *m).contains(k);
                        assert_eq!(listed, got.is_ok(), "{s:?} {k:?} {a:?} {m:?}");
                    }
                }
            }
        }
        assert_eq!(allowed + refused, 8 * 7 * 4 * 3);
        assert_eq!(allowed, 70);
        for s in S::ALL.iter().filter(|s| s.is_final()) {
            for a in A::ALL {
                for m in ALL_METHODS {
                    assert!(allowed_actions(*s, *a, *m).is_empty());
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        use OrderActor as A;
        use OrderStatus as S;
        assert_eq!(
            next(S::Diproses, &OrderAction::Cancel, A::Buyer, M),
            Err(OrderError::Forbidden {
                from: S::Diproses,
                action: OrderActionKind::Cancel,
                who: A::Buyer
            })
        );
        let m = next(S::Diproses, &OrderAction::Cancel, A::Buyer, M)
            .unwrap_err()
            .msg();
        assert_eq!(
            m.id,
            "Pembeli tidak dapat melakukan \"Batalkan\" pada pesanan berstatus Diproses; pesanan yang sudah diproses hanya dapat dibatalkan oleh penjual"
        );
        assert_eq!(
            next(S::Dikirim, &OrderAction::Cancel, A::Seller, M),
            Err(OrderError::Transition {
                from: S::Dikirim,
                action: OrderActionKind::Cancel
            })
        );
        assert_eq!(
            next(S::Dikirim, &OrderAction::Cancel, A::Seller, M)
                .unwrap_err()
                .msg()
                .en,
            "\"Cancel\" does not apply to an order that is shipped"
        );
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::ship("", ""),
                A::Seller,
                ShippingMethod::Pickup
            ),
            Err(OrderError::PickupNotShipped)
        );
        // Pickup's shortcut is only for pickup.
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::Receive,
                A::Buyer,
                ShippingMethod::Courier
            ),
            Err(OrderError::Transition {
                from: S::Diproses,
                action: OrderActionKind::Receive
            })
        );
        assert_eq!(
            next(S::Dibuat, &OrderAction::Pay, A::Buyer, M),
            Err(OrderError::Forbidden {
                from: S::Dibuat,
                action: OrderActionKind::Pay,
                who: A::Buyer
            })
        );
        // The actor is checked before the shipment's data.
        assert!(matches!(
            next(
                S::Diproses,
                &OrderAction::ship("", ""),
                A::Buyer,
                ShippingMethod::Courier
            ),
            Err(OrderError::Forbidden { .. })
        ));
    }

    #[test]
    fn shipments_need_their_data() {
        use OrderStatus as S;
        let seller = OrderActor::Seller;
        let courier = ShippingMethod::Courier;
        assert_eq!(
            next(S::Diproses, &OrderAction::ship("", "JP1"), seller, courier),
            Err(OrderError::CourierRequired)
        );
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::ship("JNE", "  "),
                seller,
                courier
            ),
            Err(OrderError::TrackingRequired)
        );
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::ship("JNE", "JP1"),
                seller,
                courier
            ),
            Ok(S::Dikirim)
        );
        // Seller delivery: nothing required.
        assert_eq!(
            next(S::Diproses, &OrderAction::ship("", ""), seller, M),
            Ok(S::Dikirim)
        );
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::ship("JNE", &"9".repeat(MAX_TRACKING_CHARS + 1)),
                seller,
                courier
            ),
            Err(OrderError::ShipmentTooLong)
        );
        assert_eq!(
            next(
                S::Diproses,
                &OrderAction::ship(&"J".repeat(MAX_NAME_CHARS + 1), "1"),
                seller,
                M
            ),
            Err(OrderError::ShipmentTooLong)
        );
        let raw = OrderAction::Ship {
            courier: "JNE".into(),
            tracking: "JP\u{0}1".into(),
        };
        assert_eq!(
            next(S::Diproses, &raw, seller, courier),
            Err(OrderError::ShipmentUnreadable)
        );
    }

    #[test]
    fn status_messages_are_short_and_say_the_status() {
        for s in OrderStatus::ALL {
            let m = status_message("PSN-2026-000123", *s, "UD Sumber Rejeki", None);
            assert!(m.contains("PSN-2026-000123"), "{m}");
            assert!(m.contains("UD Sumber Rejeki"), "{m}");
            assert!(m.chars().count() < 200, "{m}");
        }
        let shipped = status_message(
            "PSN-2026-000123",
            OrderStatus::Dikirim,
            "Kopwan\nSetia  Budi",
            Some(" JP 1234 "),
        );
        assert_eq!(
            shipped,
            "Halo! Pesanan PSN-2026-000123 dari Kopwan Setia Budi sudah dikirim.\nNomor resi: JP 1234\nMohon tandai diterima bila paket sudah sampai."
        );
        let no_resi = status_message("PSN-1", OrderStatus::Dikirim, "Toko", Some(""));
        assert!(!no_resi.contains("resi"));
        // Tracking only shows when shipped.
        let paid = status_message("PSN-1", OrderStatus::Dibayar, "Toko", Some("JP1"));
        assert!(!paid.contains("JP1"));
        assert!(
            status_message("PSN-1", OrderStatus::Dibatalkan, "Toko", None).contains("dibatalkan")
        );
    }

    /// Decodes what [`percent_encode`] writes (for the tests).
    fn percent_decode(s: &str) -> Option<String> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).ok()
    }

    #[test]
    fn whatsapp_links_are_encoded() {
        assert_eq!(
            whatsapp_link("628123456789", "Halo Bu, pesanan #12 & 13\nsiap 😊"),
            "https://wa.me/628123456789?text=Halo%20Bu%2C%20pesanan%20%2312%20%26%2013%0Asiap%20%F0%9F%98%8A"
        );
        assert_eq!(
            whatsapp_link("+62 812-3456-789", "a+b=c?d/e"),
            "https://wa.me/628123456789?text=a%2Bb%3Dc%3Fd%2Fe"
        );
        assert_eq!(
            whatsapp_link("0812 3456 789", "ok"),
            "https://wa.me/628123456789?text=ok"
        );
        assert_eq!(
            whatsapp_link("628123456789", ""),
            "https://wa.me/628123456789"
        );
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(percent_encode("100%"), "100%25");
        assert_eq!(percent_encode("Rp 1.000"), "Rp%201.000");
        let msg = status_message("PSN-2026-000001", OrderStatus::Selesai, "Toko & Kafe", None);
        let link = whatsapp_link("628123456789", &msg);
        let text = link.split_once("?text=").unwrap().1;
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
        );
        assert_eq!(percent_decode(text).as_deref(), Some(msg.as_str()));
    }

    #[test]
    fn consignment_rounds_half_up_and_conserves() {
        // 10 % of 12.345 = 1.234,5 → 1.235.
        assert_eq!(
            consignment_split(Rupiah(12_345), BasisPoints(1_000)),
            (Rupiah(11_110), Rupiah(1_235))
        );
        // 12,5 % of 10.003 = 1.250,375 → 1.250.
        assert_eq!(
            consignment_split(Rupiah(10_003), BasisPoints(1_250)),
            (Rupiah(8_753), Rupiah(1_250))
        );
        assert_eq!(
            consignment_split(Rupiah(10_000), BasisPoints(0)),
            (Rupiah(10_000), Rupiah(0))
        );
        assert_eq!(
            consignment_split(Rupiah(10_000), BasisPoints::HUNDRED),
            (Rupiah(0), Rupiah(10_000))
        );
        assert_eq!(
            consignment_split(Rupiah(10_000), BasisPoints(15_000)),
            (Rupiah(0), Rupiah(10_000)),
            "capped at 100 %"
        );
        assert_eq!(
            consignment_split(Rupiah(-12_345), BasisPoints(1_000)),
            (Rupiah(-11_110), Rupiah(-1_235))
        );
        assert_eq!(
            consignment_split(Rupiah(i64::MIN), BasisPoints(5_000)),
            (Rupiah(i64::MIN / 2), Rupiah(i64::MIN / 2))
        );
        assert_eq!(
            consignment_split(Rupiah(i64::MAX), BasisPoints(9_999)).0.0
                + consignment_split(Rupiah(i64::MAX), BasisPoints(9_999)).1.0,
            i64::MAX
        );
    }

    #[test]
    fn refunds_follow_the_status() {
        use OrderStatus as S;
        let (g, s) = (Rupiah(50_000), Rupiah(9_000));
        assert_eq!(refund_amount(g, s, S::Dibuat, true), Ok(Rupiah(0)));
        assert_eq!(refund_amount(g, s, S::Dibayar, false), Ok(Rupiah(59_000)));
        assert_eq!(refund_amount(g, s, S::Diproses, false), Ok(Rupiah(59_000)));
        assert_eq!(refund_amount(g, s, S::Dikirim, false), Ok(Rupiah(50_000)));
        assert_eq!(refund_amount(g, s, S::Dikirim, true), Ok(Rupiah(59_000)));
        assert_eq!(refund_amount(g, s, S::Diterima, false), Ok(Rupiah(50_000)));
        assert_eq!(refund_amount(g, s, S::Diterima, true), Ok(Rupiah(59_000)));
        for closed in [S::Selesai, S::Dibatalkan, S::Dikembalikan] {
            assert_eq!(
                refund_amount(g, s, closed, true),
                Err(OrderError::NotRefundable(closed))
            );
        }
        assert_eq!(
            refund_amount(Rupiah(-1), s, S::Dibayar, true),
            Err(OrderError::NegativeAmount)
        );
        assert_eq!(
            refund_amount(Rupiah(i64::MAX), Rupiah(1), S::Dibayar, true),
            Err(OrderError::Overflow)
        );
    }

    #[test]
    fn order_numbers() {
        assert_eq!(order_no(2026, 123), "PSN-2026-000123");
        assert_eq!(order_no(2026, 1), "PSN-2026-000001");
        assert_eq!(order_no(2026, 1_234_567), "PSN-2026-1234567");
        assert_eq!(parse_order_no("PSN-2026-000123"), Some((2026, 123)));
        assert_eq!(parse_order_no(" psn-2026-123 "), Some((2026, 123)));
        assert_eq!(parse_order_no("PSN-26-123"), None);
        assert_eq!(parse_order_no("PSN-2026-"), None);
        assert_eq!(parse_order_no("PSN-2026-12-3"), None);
        assert_eq!(parse_order_no("INV-2026-000123"), None);
        assert_eq!(parse_order_no("PSN-2026-+12"), None);
        assert_eq!(parse_order_no("PSN-2026-99999999999999999999"), None);
    }

    #[test]
    fn every_error_has_both_languages() {
        let all = [
            OrderError::EmptyCart,
            OrderError::TooManyLines,
            OrderError::ZeroQty { line: 1 },
            OrderError::QtyTooLarge { line: 1 },
            OrderError::PriceNotPositive { line: 1 },
            OrderError::ConflictingLine { line: 1 },
            OrderError::Overflow,
            OrderError::WeightTooLarge,
            OrderError::FeeCount { groups: 2, fees: 1 },
            OrderError::NegativeAmount,
            OrderError::Transition {
                from: OrderStatus::Dibuat,
                action: OrderActionKind::Ship,
            },
            OrderError::Forbidden {
                from: OrderStatus::Dibuat,
                action: OrderActionKind::Pay,
                who: OrderActor::Seller,
            },
            OrderError::PickupNotShipped,
            OrderError::CourierRequired,
            OrderError::TrackingRequired,
            OrderError::ShipmentTooLong,
            OrderError::ShipmentUnreadable,
            OrderError::NotRefundable(OrderStatus::Selesai),
        ];
        for e in all {
            let m = e.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty(), "{e:?}");
            assert_ne!(m.id, m.en, "{e:?}");
            assert!(e.to_string().contains(" / "));
        }
    }

    fn cart() -> impl Strategy<Value = Vec<CartLine>> {
        proptest::collection::vec(
            (
                0u128..4,
                0u128..2,
                0u128..12,
                1u32..=40,
                1i64..5_000_000,
                0u32..20_000,
            ),
            1..=MAX_CART_LINES,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(seller, coop, variant, qty, price, grams)| CartLine {
                    seller_id: id(seller),
                    coop_id: id(100 + coop),
                    // One variant belongs to one seller and coop, at one price and weight,
                    // as in a fresh cart.
                    variant_id: id(1_000 + seller * 100 + coop * 50 + variant),
                    qty,
                    unit_price: Rupiah(price - price % 1_000 + (variant as i64) + 1),
                    weight_g: grams - grams % 10 + (variant as u32),
                })
                .collect::<Vec<_>>()
        })
        .prop_map(|mut lines| {
            // Same variant ⇒ same price and weight: take the first occurrence's.
            let mut first: HashMap<Uuid, (Rupiah, u32)> = HashMap::new();
            for l in &mut lines {
                let (p, w) = *first
                    .entry(l.variant_id)
                    .or_insert((l.unit_price, l.weight_g));
                l.unit_price = p;
                l.weight_g = w;
            }
            lines
        })
    }

    proptest! {
        #[test]
        fn the_split_conserves_money_weight_and_units(lines in cart()) {
            let groups = split_by_seller(&lines).unwrap();
            let money: i64 = lines.iter().map(|l| i64::from(l.qty) * l.unit_price.0).sum();
            let grams: u64 = lines.iter().map(|l| u64::from(l.qty) * u64::from(l.weight_g)).sum();
            prop_assert_eq!(groups.iter().map(|g| g.subtotal.0).sum::<i64>(), money);
            prop_assert_eq!(groups.iter().map(|g| u64::from(g.weight_g)).sum::<u64>(), grams);
            for g in &groups {
                prop_assert_eq!(g.subtotal.0, g.lines.iter().map(|l| l.total().unwrap().0).sum::<i64>());
                prop_assert!(g.lines.iter().all(|l| l.seller_id == g.seller_id && l.coop_id == g.coop_id));
            }
            // Units per variant, and each variant on one line only.
            let mut want: HashMap<Uuid, u32> = HashMap::new();
            for l in &lines { *want.entry(l.variant_id).or_default() += l.qty; }
            let got: Vec<(Uuid, u32)> = groups.iter().flat_map(|g| g.lines.iter().map(|l| (l.variant_id, l.qty))).collect();
            prop_assert_eq!(got.len(), want.len());
            for (v, q) in got { prop_assert_eq!(want.get(&v), Some(&q)); }
            // Groups in the order their seller (and coop) first appear.
            let mut order: Vec<(Uuid, Uuid)> = Vec::new();
            for l in &lines {
                if !order.contains(&(l.seller_id, l.coop_id)) { order.push((l.seller_id, l.coop_id)); }
            }
            prop_assert_eq!(groups.iter().map(|g| (g.seller_id, g.coop_id)).collect::<Vec<_>>(), order);
        }

        #[test]
        fn one_payment_is_the_sum_of_the_orders(lines in cart(), fees in proptest::collection::vec(0i64..500_000, 8)) {
            let groups = split_by_seller(&lines).unwrap();
            let fees: Vec<Rupiah> = fees.into_iter().take(groups.len()).map(Rupiah).collect();
            let payment = checkout_total(&groups, &fees).unwrap();
            let orders: i64 = groups.iter().zip(&fees).map(|(g, f)| order_total(g.subtotal, *f).unwrap().0).sum();
            prop_assert_eq!(payment.0, orders);
            let goods: i64 = lines.iter().map(|l| i64::from(l.qty) * l.unit_price.0).sum();
            prop_assert_eq!(payment.0, goods + fees.iter().map(|f| f.0).sum::<i64>());
        }

        #[test]
        fn consignment_conserves_exactly(gross in any::<i64>(), rate in 0u32..=12_000) {
            let (seller, commission) = consignment_split(Rupiah(gross), BasisPoints(rate));
            prop_assert_eq!(i128::from(seller.0) + i128::from(commission.0), i128::from(gross));
            prop_assert!(commission.0.unsigned_abs() <= gross.unsigned_abs());
            prop_assert!(seller.0.unsigned_abs() <= gross.unsigned_abs());
            // Half up: within half a rupiah of the exact commission.
            let exact2 = 2 * i128::from(gross) * i128::from(rate.min(10_000));
            let diff2 = 20_000 * i128::from(commission.0) - exact2;
            prop_assert!(diff2.abs() <= 10_000);
            if gross >= 0 { prop_assert!(diff2 > -10_000); }
            // A reversal reverses the split.
            if gross != i64::MIN {
                let (s2, c2) = consignment_split(Rupiah(-gross), BasisPoints(rate));
                prop_assert_eq!((s2.0, c2.0), (-seller.0, -commission.0));
            }
        }

        #[test]
        fn refunds_never_exceed_what_was_paid(goods in 0i64..1_000_000_000, ship in 0i64..10_000_000, include in any::<bool>(), s in 0usize..8) {
            let status = OrderStatus::ALL[s];
            if let Ok(r) = refund_amount(Rupiah(goods), Rupiah(ship), status, include) {
                prop_assert!(r.0 >= 0 && r.0 <= goods + ship);
                prop_assert!(status == OrderStatus::Dibuat || r.0 >= goods);
            }
        }

        #[test]
        fn order_numbers_read_back(year in 1000i32..=9999, seq in 0i64..=i64::MAX) {
            prop_assert_eq!(parse_order_no(&order_no(year, seq)), Some((year, seq)));
        }

        #[test]
        fn any_text_survives_the_link(text in any::<String>()) {
            let link = whatsapp_link("628123456789", &text);
            match link.split_once("?text=") {
                Some((_, enc)) => prop_assert_eq!(percent_decode(enc), Some(text)),
                None => prop_assert!(text.is_empty()),
            }
        }

        #[test]
        fn final_states_are_final(s in 0usize..8, k in 0usize..7, a in 0usize..4) {
            let status = OrderStatus::ALL[s];
            let r = next(status, &action_of(OrderActionKind::ALL[k]), OrderActor::ALL[a], M);
            if status.is_final() { prop_assert!(r.is_err()); }
            if let Ok(to) = r { prop_assert_ne!(to, status); }
        }
    }
}
