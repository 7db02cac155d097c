//! A few Prometheus metrics, rendered by hand in the text exposition format (a dependency
//! would bring more than these counters need): requests by status class and a latency
//! histogram.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const BUCKETS_MS: [u64; 10] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Metrics {
    fn observe(&self, status: u16, ms: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b as f64 {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add((ms * 1000.0) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# HELP guyub_http_requests_total HTTP requests by status class.\n# TYPE guyub_http_requests_total counter\n");
        for (i, c) in self.by_class.iter().enumerate() {
            s.push_str(&format!(
                "guyub_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                c.load(Ordering::Relaxed)
            ));
        }
        s.push_str("# HELP guyub_http_request_duration_seconds Time to answer a request.\n# TYPE guyub_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            s.push_str(&format!(
                "guyub_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                *b as f64 / 1000.0,
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        s.push_str(&format!(
            "guyub_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        s.push_str(&format!(
            "guyub_http_request_duration_seconds_sum {}\n",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        ));
        s.push_str(&format!(
            "guyub_http_request_duration_seconds_count {count}\n"
        ));
        if let Some(rss) = rss_bytes() {
            s.push_str(&format!(
                "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n"
            ));
        }
        s
    }
}

/// Resident memory of this process (Linux), for `/metrics` and the idle-memory benchmark.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe(
        res.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0,
    );
    res
}
