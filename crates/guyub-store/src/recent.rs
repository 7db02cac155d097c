//! Coops and their savings products as recently read, for the reads that every request of a
//! coop makes (the coop for the access check and its time zone; the products for a counter
//! payment) and that change a few times a year.
//!
//! Why: on the counter's hot path these two reads were two of a deposit's three reads on the
//! web side; on SQLite every read is a hand-off to a connection's thread and back, which was
//! most of the web side's cost (docs/BENCHMARKS.md, issue #3).
//!
//! Invariants:
//! - what this process changes (through [`crate::Tenant::update_koperasi`] and the product
//!   writers) is forgotten in the same call, so this process never reads its own old data;
//! - what another process changed is read at most [`FRESH_FOR`] later;
//! - nothing here decides a posting: the counter's writer reads products and the state of
//!   their accounts again inside its transaction. Audit "before" values and edit forms read
//!   the database, never this.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use guyub_core::ids::KoperasiId;

use crate::coop::Koperasi;
use crate::savings::Product;

/// How long a read stays good when nothing in this process changed it.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// Beyond this many coops the whole memory is dropped (a platform with more coops than this
/// active in two seconds reads them again; memory stays bounded).
const MAX_COOPS: usize = 20_000;

/// A read, or the moment it was forgotten (`value: None`).
struct Entry<T> {
    at: Instant,
    value: Option<Arc<T>>,
}

type Map<T> = RwLock<HashMap<KoperasiId, Entry<T>>>;

/// A small map of recent reads per coop. Cheap to share (clones share the memory).
#[derive(Default, Clone)]
pub(crate) struct Recent {
    coops: Arc<Map<Koperasi>>,
    products: Arc<Map<Vec<Product>>>,
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent")
    }
}

fn fresh<T>(map: &Map<T>, k: KoperasiId) -> Option<Arc<T>> {
    // A poisoned lock (a panic while writing) still holds whole entries: use them.
    let map = map.read().unwrap_or_else(|e| e.into_inner());
    let e = map.get(&k)?;
    if e.at.elapsed() < FRESH_FOR {
        e.value.clone()
    } else {
        None
    }
}

/// Keeps what a read that started at `read_at` found, unless something newer is known: a
/// read that started before a change was forgotten must not bring the old data back.
fn keep<T>(map: &Map<T>, k: KoperasiId, read_at: Instant, value: Arc<T>) {
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_COOPS {
        map.clear();
    }
    if map.get(&k).is_none_or(|e| e.at <= read_at) {
        map.insert(
            k,
            Entry {
                at: read_at,
                value: Some(value),
            },
        );
    }
}

fn forget<T>(map: &Map<T>, k: KoperasiId, at: Instant) {
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    map.insert(k, Entry { at, value: None });
}

impl Recent {
    pub(crate) fn coop(&self, k: KoperasiId) -> Option<Arc<Koperasi>> {
        fresh(&self.coops, k)
    }

    pub(crate) fn keep_coop(&self, k: KoperasiId, read_at: Instant, coop: Arc<Koperasi>) {
        keep(&self.coops, k, read_at, coop);
    }

    pub(crate) fn products(&self, k: KoperasiId) -> Option<Arc<Vec<Product>>> {
        fresh(&self.products, k)
    }

    pub(crate) fn keep_products(&self, k: KoperasiId, read_at: Instant, p: Arc<Vec<Product>>) {
        keep(&self.products, k, read_at, p);
    }

    /// Forgets what is known of coop `k`; call after this process changed it (after the
    /// commit). Reads that started before this are not kept when they finish.
    pub(crate) fn forget(&self, k: KoperasiId) {
        let now = Instant::now();
        forget(&self.coops, k, now);
        forget(&self.products, k, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_from_before_a_change_is_not_kept() {
        let m: Map<i64> = RwLock::default();
        let k = KoperasiId::new();
        let before = Instant::now();
        keep(&m, k, before, Arc::new(1));
        assert_eq!(fresh(&m, k).as_deref(), Some(&1));
        forget(&m, k, Instant::now());
        assert_eq!(fresh(&m, k), None);
        // A read that started before the change finishes now: not kept.
        keep(&m, k, before, Arc::new(1));
        assert_eq!(fresh(&m, k), None);
        // A read that started after it: kept.
        keep(&m, k, Instant::now(), Arc::new(2));
        assert_eq!(fresh(&m, k).as_deref(), Some(&2));
    }

    #[test]
    fn a_read_older_than_fresh_for_is_not_used() {
        let m: Map<i64> = RwLock::default();
        let k = KoperasiId::new();
        let Some(old) = Instant::now().checked_sub(FRESH_FOR + Duration::from_millis(1)) else {
            return; // a machine up for less than two seconds
        };
        keep(&m, k, old, Arc::new(1));
        assert_eq!(fresh(&m, k), None);
    }
}
