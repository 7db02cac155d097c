//! Sign-in throttling, per client address and per account.
//!
//! After `max_failures` failed sign-ins within `window`, further attempts for that key are
//! refused until the window has passed, with a message that says how long to wait. Kept in
//! memory: a restart forgets it, which only ever loosens the limit, never locks anyone out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SignInLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl SignInLimiter {
    pub fn new(max_failures: u32, window: Duration) -> SignInLimiter {
        SignInLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` if `key` is locked out now.
    pub fn blocked(&self, key: &str) -> Option<Duration> {
        let map = self.failures.lock().ok()?;
        let (n, since) = map.get(key)?;
        let elapsed = since.elapsed();
        (*n >= self.max_failures && elapsed < self.window).then(|| self.window - elapsed)
    }

    pub fn fail(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
            if e.1.elapsed() >= self.window {
                *e = (0, Instant::now());
            }
            e.0 += 1;
            if map.len() > 100_000 {
                let window = self.window;
                map.retain(|_, (_, t)| t.elapsed() < window);
            }
        }
    }

    pub fn succeed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_clears_on_success() {
        let l = SignInLimiter::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            l.fail("a");
        }
        assert!(l.blocked("a").is_none());
        l.fail("a");
        assert!(l.blocked("a").is_some());
        assert!(l.blocked("b").is_none());
        l.succeed("a");
        assert!(l.blocked("a").is_none());
    }
}
