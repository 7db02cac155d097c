//! Coops and their savings products as recently read, for the reads that every request of a
//! coop makes (the coop for the access check and its time zone; the products for a counter
//! payment) and that change a few times a year.
//!
//! Why: on the counter's hot path these two reads were two of a deposit's three reads on the
//! web side; on SQLite every read is a hand-off to a connection's thread and back, which was
//! most of the web side's cost (docs/BENCHMARKS.md, issue #3).
//!
//! Also API sign-ins (a token's user and roles), which every API request reads: on the
//! counter's API they were the one read left on the web side (docs/BENCHMARKS.md, session 8).
//!
//! Invariants:
//! - what this process changes (through [`crate::Tenant::update_koperasi`] and the product
//!   writers; for sign-ins, revoking a token or a role, granting one, disabling a user or
//!   setting a password) is forgotten in the same call, after the commit, so this process
//!   never reads its own old data: a token revoked here stops working here at once;
//! - what another process changed is read at most [`FRESH_FOR`] later (a deployment of several
//!   processes on one database: a token revoked through one stops working on the others
//!   within that time);
//! - only a sign-in that succeeded is kept: an unknown or revoked token is always looked up;
//! - nothing here decides a posting: the counter's writer reads products and the state of
//!   their accounts again when it posts. Audit "before" values and edit forms read the
//!   database, never this.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use guyub_core::ids::KoperasiId;

use crate::coop::Koperasi;
use crate::identity::{Grant, UserAuth};
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

/// Beyond this many API tokens the sign-ins are all dropped (memory stays bounded).
const MAX_SIGN_INS: usize = 20_000;

/// An API token's user and their roles, as a sign-in read them.
pub(crate) type SignIn = (UserAuth, Vec<Grant>);

/// Sign-ins by the token's hash, and when they were last all forgotten.
#[derive(Default)]
struct SignIns {
    by_hash: HashMap<String, (Instant, Arc<SignIn>)>,
    forgotten_at: Option<Instant>,
}

/// A small map of recent reads per coop. Cheap to share (clones share the memory).
#[derive(Default, Clone)]
pub(crate) struct Recent {
    coops: Arc<Map<Koperasi>>,
    products: Arc<Map<Vec<Product>>>,
    sign_ins: Arc<RwLock<SignIns>>,
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
    /// commit). Reads that started before this are not kept when they finish. Sign-ins go
    /// too: their roles carry the coop's name.
    pub(crate) fn forget(&self, k: KoperasiId) {
        let now = Instant::now();
        forget(&self.coops, k, now);
        forget(&self.products, k, now);
        self.forget_sign_ins();
    }

    /// The sign-in of the token whose hash is `hash`, if read less than [`FRESH_FOR`] ago.
    pub(crate) fn sign_in(&self, hash: &str) -> Option<Arc<SignIn>> {
        let s = self.sign_ins.read().unwrap_or_else(|e| e.into_inner());
        let (at, v) = s.by_hash.get(hash)?;
        (at.elapsed() < FRESH_FOR).then(|| v.clone())
    }

    /// Keeps a sign-in a read that started at `read_at` found, unless sign-ins were forgotten
    /// since (that read may predate the change).
    pub(crate) fn keep_sign_in(&self, hash: String, read_at: Instant, v: Arc<SignIn>) {
        let mut s = self.sign_ins.write().unwrap_or_else(|e| e.into_inner());
        if s.forgotten_at.is_some_and(|f| read_at < f) {
            return;
        }
        if s.by_hash.len() >= MAX_SIGN_INS {
            s.by_hash.clear();
        }
        s.by_hash.insert(hash, (read_at, v));
    }

    /// Forgets every sign-in; call after this process changed a token, a user or a role
    /// (after the commit).
    pub(crate) fn forget_sign_ins(&self) {
        let mut s = self.sign_ins.write().unwrap_or_else(|e| e.into_inner());
        s.by_hash.clear();
        s.forgotten_at = Some(Instant::now());
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

    fn sign_in() -> Arc<SignIn> {
        Arc::new((
            UserAuth {
                id: guyub_core::ids::UserId::new(),
                email: "a@b.test".into(),
                name: "A".into(),
                password_hash: String::new(),
                must_change_password: false,
                disabled: false,
            },
            vec![],
        ))
    }

    #[test]
    fn a_sign_in_read_before_it_was_forgotten_is_not_kept() {
        let r = Recent::default();
        let before = Instant::now();
        r.keep_sign_in("h".into(), before, sign_in());
        assert!(r.sign_in("h").is_some());
        assert!(r.sign_in("other").is_none());
        r.forget_sign_ins();
        assert!(r.sign_in("h").is_none());
        // A read that started before the revocation finishes now: not kept.
        r.keep_sign_in("h".into(), before, sign_in());
        assert!(r.sign_in("h").is_none());
        r.keep_sign_in("h".into(), Instant::now(), sign_in());
        assert!(r.sign_in("h").is_some());
        // A change to a coop forgets sign-ins too (roles carry its name).
        r.forget(KoperasiId::new());
        assert!(r.sign_in("h").is_none());
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
