//! Statement import throughput: reading a settlement report and matching it, on one core.
//!
//! Target: 10,000 lines against 10,000 open requests in well under a second, aiming below
//! 50 ms, release build, one core.
//!
//! The data is made to look like a busy month of a big coop: twelve base amounts (simpanan
//! wajib, common prices), each request's total made unique by a code of 1 to 999 rupiah (so
//! totals recur across the month and the time window has to tell them apart), requests valid
//! for 15 minutes to 7 days, one in twenty expired. Each line pays another request: about 60 %
//! by amount and time, 20 % with its code in the transfer note, 10 % date-only, and 10 % pay
//! nothing open. The outcome is about 81 % matched, 9 % for review (expired, or several
//! requests of one total in the window), 10 % unmatched.
//!
//! Run: `cargo bench -p guyub-core --bench statement`. Two clocks, as in `benches/qris.rs`:
//! `statement/*` is wall time, `statement_cpu/*` the CPU time of the benchmark thread.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guyub_core::money::Rupiah;
use guyub_core::payment::statement::{
    MatchWindow, OpenRequest, StatementLayout, StatementLine, match_lines, parse_statement,
};
use time::macros::datetime;
use time::{Duration, PrimitiveDateTime};
use uuid::Uuid;

const N: usize = 10_000;
const T0: PrimitiveDateTime = datetime!(2026-11-01 07:00);
const BASES: [i64; 12] = [
    10_000, 20_000, 25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 250_000, 300_000, 500_000,
    1_000_000,
];
const ALPHABET: &[u8] = b"2346789ABCDEFGHJKMNPQRTUVWXYZ";
const PAYERS: [&str; 8] = [
    "BUDI SANTOSO",
    "SITI AMINAH",
    "AHMAD FAUZI",
    "DEWI LESTARI",
    "SLAMET RIYADI",
    "NUR HIDAYAH",
    "EKO PRASETYO",
    "SRI WAHYUNI",
];
const ISSUERS: [&str; 5] = ["GoPay", "OVO", "DANA", "ShopeePay", "BCA mobile"];

/// A small deterministic generator (64-bit LCG), so every run sees the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn code(rng: &mut Lcg) -> String {
    (0..8)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len() as u64) as usize]))
        .collect()
}

fn requests(rng: &mut Lcg) -> Vec<OpenRequest> {
    let validity = [15, 60, 24 * 60, 3 * 24 * 60, 7 * 24 * 60];
    (0..N)
        .map(|i| {
            let created_at = T0 + Duration::seconds(i as i64 * 259 + rng.below(200) as i64);
            let life = validity[rng.below(validity.len() as u64) as usize];
            OpenRequest {
                id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + i as u128),
                reference: code(rng),
                total: Rupiah(BASES[i % BASES.len()] + 1 + rng.below(999) as i64),
                created_at,
                expires_at: created_at + Duration::minutes(life),
                expired: rng.below(20) == 0,
            }
        })
        .collect()
}

/// The lines of a month's statement.
fn lines(rng: &mut Lcg, open: &[OpenRequest]) -> Vec<StatementLine> {
    (0..N)
        .map(|i| {
            // Each line pays another request (7 919 is prime, so this visits every one).
            let r = &open[i * 7_919 % open.len()];
            let payer = PAYERS[i % PAYERS.len()];
            let kind = rng.below(10);
            let paid_after = Duration::seconds(rng.below(600) as i64);
            let (amount, note) = match kind {
                0..=5 => (r.total, "IURAN".to_string()),
                6 | 7 => (r.total, format!("BAYAR {}", r.reference)),
                8 => (r.total, "SIMPANAN".to_string()),
                _ => (Rupiah(12_345 + rng.below(1_000) as i64), "LAIN".to_string()),
            };
            StatementLine {
                row: i + 2,
                at: r.created_at + paid_after,
                has_time: kind != 8,
                amount,
                fee: None,
                net: None,
                reference: format!("{:012}", 612_300_000_000u64 + i as u64),
                payer: payer.to_string(),
                description: format!(
                    "TRSF E-BANKING CR {:02}11/FTSCY/WS95031 {}.00 {payer} {note}",
                    i % 30 + 1,
                    amount.0
                ),
                fingerprint: String::new(),
            }
        })
        .collect()
}

/// A QRIS settlement report of the lines, as the web layer hands it over (text cells).
fn report(lines: &[StatementLine]) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "No",
            "Tanggal Transaksi",
            "RRN",
            "Issuer",
            "Nama Pengirim",
            "Nominal",
            "MDR (%)",
            "MDR",
            "Net Amount",
            "Keterangan",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, l) in lines.iter().enumerate() {
        let mdr = l.amount.0 * 7; // 0.7 %, in thousandths of a rupiah
        let at = l.at;
        let date = format!("{:02}/{:02}/{}", at.day(), u8::from(at.month()), at.year());
        let time = format!(" {:02}:{:02}:{:02}", at.hour(), at.minute(), at.second());
        rows.push(vec![
            (i + 1).to_string(),
            if l.has_time { date + &time } else { date },
            l.reference.clone(),
            ISSUERS[i % ISSUERS.len()].to_string(),
            l.payer.clone(),
            dotted(l.amount.0),
            "0,7".to_string(),
            format!("{},{:03}", dotted(mdr / 1_000), mdr % 1_000),
            format!(
                "{},{:03}",
                dotted((l.amount.0 * 1_000 - mdr) / 1_000),
                (l.amount.0 * 1_000 - mdr) % 1_000
            ),
            l.description.clone(),
        ]);
    }
    rows
}

/// `1250000` → `1.250.000`.
fn dotted(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

struct Data {
    records: Vec<Vec<String>>,
    layout: StatementLayout,
    lines: Vec<StatementLine>,
    open: Vec<OpenRequest>,
}

fn data() -> Data {
    let mut rng = Lcg(0x5EED);
    let open = requests(&mut rng);
    let records = report(&lines(&mut rng, &open));
    let layout = StatementLayout::locate(&records).expect("a known header");
    let parsed = parse_statement(&layout, &records);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems.first());
    assert_eq!(parsed.lines.len(), N);
    Data {
        records,
        layout,
        lines: parsed.lines,
        open,
    }
}

fn run<M: Measurement>(c: &mut Criterion<M>, group: &str, d: &Data) {
    let mut g = c.benchmark_group(group);
    g.sample_size(30);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("parse_10k_rows", |b| {
        b.iter(|| black_box(parse_statement(black_box(&d.layout), black_box(&d.records))))
    });
    g.bench_function("match_10k_lines_10k_requests", |b| {
        b.iter(|| {
            black_box(match_lines(
                black_box(&d.lines),
                black_box(&d.open),
                MatchWindow::default(),
            ))
        })
    });
    g.finish();
}

fn wall(c: &mut Criterion) {
    run(c, "statement", &data());
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    run(c, "statement_cpu", &data());
}

/// The CPU time of the calling thread, in nanoseconds.
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &MillisFormatter
    }
}

/// Nanoseconds of CPU, shown as ms, and throughput as lines per CPU-second.
struct MillisFormatter;

impl ValueFormatter for MillisFormatter {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        for v in values {
            *v /= 1e6;
        }
        "ms (CPU)"
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per = match *throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => n,
        } as f64;
        for v in values {
            *v = per * 1e9 / *v / 1e6;
        }
        "M lines/s per core"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

criterion_group!(wall_time, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_time, cpu_time);
