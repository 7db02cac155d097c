//! QRIS throughput: parse + validate + convert, on one core.
//!
//! Target (issue #4): at least 1,000,000 payloads per second, release build, one core, i.e.
//! at most 1 µs per payload for `Qris::parse` + `Qris::to_dynamic`.
//!
//! Run: `cargo bench -p guyub-core --bench qris`. Two clocks:
//! - `qris/*`: wall time (criterion's default).
//! - `qris_cpu/*`: the CPU time of the benchmark thread (`CLOCK_THREAD_CPUTIME_ID`), which is
//!   what one core spends per payload even when other work shares the machine; on a quiet
//!   machine the two agree.
//!
//! Criterion prints the estimates; the medians are in
//! `target/criterion/<group>/<name>/new/estimates.json`. docs/BENCHMARKS.md records them.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guyub_core::money::Rupiah;
use guyub_core::payment::qris::{Fee, Qris, Tlv, crc16};
use guyub_core::percent::BasisPoints;

/// Real static stickers (four providers) and real dynamic codes (from the test vectors), so
/// the loop sees the usual mix of lengths and templates.
const PAYLOADS: [&str; 6] = [
    "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12",
    "00020101021126530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304455C",
    "00020101021126610014COM.GO-JEK.WWW01189360091434035299640210G4035299640303UMI51440014ID.CO.QRIS.WWW0215ID10253753027970303UMI5204581553033605802ID5924Anjani Falisha Kikanaya,6006MALANG61056513962070703A0163042735",
    "00020101021226580006id.ovo01189360091200006049620215yq38ZDs7MI6oaz50303UKE51450015ID.OR.GPNQR.WWW0215ID10200416988350303UKE52045812530336054065000005802ID5911Tims Donuts6013Jakarta Barat61051161062310507VCcCtqJ0716HgxK16eFVHfvKnGO63048A85",
    "00020101021126630014ID.SPINPAY.WWW011893600816343100062402121314310006240303UMI51440014ID.CO.QRIS.WWW0215ID10200384314890303UMI5204839853033605802ID5904SPIN6013Jakarta Pusat61051034062140103***0703A0163045CDD",
    "0002010102122654000200011893600014300061643802150008850006164380303UKE5204541153033605405495005802ID5913OMBE KOFIE-HO6013JAKARTA UTARA6105142406259010611093205121100131109320708AG20521199170002000107DINAMIS63049414",
];

/// One payload through the whole path: read and check it, convert it (every other one with
/// a 2.5 % fee), and keep the result.
fn parse_validate_convert(i: usize) {
    let q = Qris::parse(black_box(PAYLOADS[i])).expect("valid");
    let fee = if i.is_multiple_of(2) {
        None
    } else {
        Some(Fee::Percent(BasisPoints(250)))
    };
    let d = q
        .to_dynamic(black_box(Rupiah(25_000 + i as i64)), fee)
        .expect("converts");
    black_box(d);
}

fn wall(c: &mut Criterion) {
    let mut g = c.benchmark_group("qris");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("parse_validate_convert", |b| {
        b.iter(|| {
            i = (i + 1) % PAYLOADS.len();
            parse_validate_convert(i);
        })
    });
    g.bench_function("parse_validate", |b| {
        b.iter(|| {
            i = (i + 1) % PAYLOADS.len();
            black_box(Qris::parse(black_box(PAYLOADS[i])).expect("valid"));
        })
    });
    g.bench_function("tlv_parse", |b| {
        b.iter(|| {
            i = (i + 1) % PAYLOADS.len();
            black_box(Tlv::parse(black_box(PAYLOADS[i])).expect("parses"));
        })
    });
    g.bench_function("crc16_200_bytes", |b| {
        let data = &PAYLOADS[3].as_bytes()[..200];
        b.iter(|| black_box(crc16(black_box(data))))
    });
    g.finish();
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    let mut g = c.benchmark_group("qris_cpu");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("parse_validate_convert", |b| {
        b.iter(|| {
            i = (i + 1) % PAYLOADS.len();
            parse_validate_convert(i);
        })
    });
    g.finish();
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
        &NanosFormatter
    }
}

/// Nanoseconds of CPU, shown as ns or µs, and throughput as elements per CPU-second.
struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        if typical < 1_000.0 {
            "ns (CPU)"
        } else {
            for v in values {
                *v /= 1_000.0;
            }
            "µs (CPU)"
        }
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
        "M/s per core"
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
