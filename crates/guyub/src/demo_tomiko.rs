//! The demo's Tomiko purchase orders: the member coops buy from the secondary coop's wholesale
//! catalogue, one PO in each state of the life cycle (paid, received on tempo, shipped,
//! confirmed, submitted, cancelled), so every page of the flow has something to show and both
//! books carry the receivables and payables. Everything goes through the store's own
//! operations, so `guyub books verify` stays clean.

use guyub_core::ids::{KoperasiId, VariantId};
use guyub_core::market::tomiko::{PaymentTerms, PoSide};
use guyub_store::market::tomiko::{PoInput, PoLineInput, PoPay, ReceiveChoice};
use guyub_store::{Actor, Store};
use uuid::Uuid;

/// How far one demo PO goes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Cancelled,
    Submitted,
    Confirmed,
    Shipped,
    Received,
    Paid,
}

/// One demo PO: the buyer's index, the lines, the terms, how far it goes.
type Planned = (usize, Vec<(VariantId, i64)>, PaymentTerms, Stage);

/// Places and moves a few POs from `buyers` (the member coops, admitted by `secondary`) to
/// `secondary`. Returns how many POs were made.
pub async fn seed(
    store: &Store,
    actor: &Actor,
    buyers: &[KoperasiId],
    secondary: KoperasiId,
) -> anyhow::Result<usize> {
    let sec = store.tenant(secondary);
    let Some(first) = buyers.first() else {
        return Ok(0);
    };
    let items = store.tenant(*first).tomiko_catalogue(secondary).await?;
    if items.len() < 3 {
        return Ok(0);
    }
    let v = |i: usize| VariantId(items[i % items.len()].variant_id);
    // (buyer index, lines, terms, stage)
    let plan: Vec<Planned> = vec![
        (
            0,
            vec![(v(0), 12), (v(2), 10)],
            PaymentTerms::Tempo(30),
            Stage::Paid,
        ),
        (
            1,
            vec![(v(1), 5), (v(4), 20)],
            PaymentTerms::Tempo(30),
            Stage::Received,
        ),
        (2, vec![(v(3), 10)], PaymentTerms::Tunai, Stage::Paid),
        (0, vec![(v(5), 15)], PaymentTerms::Tempo(14), Stage::Shipped),
        (
            1,
            vec![(v(0), 50)],
            PaymentTerms::Tempo(30),
            Stage::Confirmed,
        ),
        (
            2,
            vec![(v(2), 8), (v(1), 4)],
            PaymentTerms::Tempo(30),
            Stage::Submitted,
        ),
        (0, vec![(v(4), 6)], PaymentTerms::Tunai, Stage::Cancelled),
    ];
    let mut made = 0;
    for (n, (bi, lines, terms, stage)) in plan.into_iter().enumerate() {
        let Some(buyer) = buyers.get(bi % buyers.len()).copied() else {
            continue;
        };
        let t = store.tenant(buyer);
        let po = t
            .place_tomiko_po(
                actor,
                &PoInput {
                    seller: secondary,
                    lines: lines
                        .iter()
                        .map(|(variant_id, qty)| PoLineInput {
                            variant_id: *variant_id,
                            qty: *qty,
                        })
                        .collect(),
                    terms,
                    note: "Stok toko koperasi bulan ini".into(),
                    idem_key: Some(format!("demo-tomiko-{n}")),
                },
            )
            .await?;
        made += 1;
        if stage == Stage::Cancelled {
            t.cancel_tomiko_po(actor, PoSide::Buyer, secondary, po.id)
                .await?;
            continue;
        }
        if stage >= Stage::Confirmed {
            sec.confirm_tomiko_po(actor, po.id).await?;
        }
        if stage >= Stage::Shipped {
            sec.ship_tomiko_po(actor, po.id).await?;
        }
        if stage >= Stage::Received {
            receive(store, actor, buyer, secondary, po.id, po.lines.len()).await?;
        }
        if stage >= Stage::Paid && terms.is_tempo() {
            sec.pay_tomiko_po(actor, po.id, PoPay::Bank).await?;
        }
    }
    Ok(made)
}

/// Receives into new draft products when the buyer has a store-unit seller, else into its
/// first own variant.
async fn receive(
    store: &Store,
    actor: &Actor,
    buyer: KoperasiId,
    secondary: KoperasiId,
    po: Uuid,
    lines: usize,
) -> anyhow::Result<()> {
    let t = store.tenant(buyer);
    let drafts = vec![ReceiveChoice::NewDraft; lines];
    match t.receive_tomiko_po(actor, secondary, po, &drafts).await {
        Ok(_) => Ok(()),
        Err(guyub_store::StoreError::Invalid(_)) => {
            let own = t.tomiko_own_variants().await?;
            let Some((v, ..)) = own.first() else {
                anyhow::bail!("demo coop has no product to receive Tomiko goods into");
            };
            let choices = vec![ReceiveChoice::Existing(VariantId(*v)); lines];
            t.receive_tomiko_po(actor, secondary, po, &choices).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
