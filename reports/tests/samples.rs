//! The committed sample results under `tests/data/sample-run/`, and how they
//! are made.
//!
//! They are synthetic: shapes like those a run gives (keep's connectors piling
//! up, srcu's pending connectors growing under a stalled reader, a kernel
//! result without allocator figures, a scheme missing from one scenario, a run
//! too short to judge), numbers invented. Each file says so in its `notes`.
//! Regenerate with
//! `cargo test -p connbench-reports --test samples -- --ignored`.

use std::collections::BTreeMap;
use std::path::Path;

use connbench_workloads::result::{
    AllocStats, ConnectorStats, HarnessCost, KernelStats, Machine, MemoryStats, OpStats,
    Percentiles, RunResult, Sample, SCHEMA,
};
use serde_json::json;

/// How one scheme behaves in one sample scenario.
struct Shape {
    scenario: &'static str,
    scheme: &'static str,
    /// (op, p50 ns, count)
    ops: &'static [(&'static str, u64, u64)],
    /// Tail multiplier: p99 = p50 * tail, p99.9 = p50 * tail * 4.
    tail: f64,
    allocs_per_op: Option<f64>,
    bytes_per_op: f64,
    base_bytes: f64,
    /// Connectors live at the start and the end of the run.
    live: (f64, f64),
    /// Pending connectors: peak and whether they grow through the run.
    pending: Option<(f64, bool)>,
    duration_s: f64,
}

const TEMP_OPS_MODEL: &[(&str, u64, u64)] = &[
    ("add_mark", 380, 40_000),
    ("remove_mark", 300, 40_000),
    ("handle_event", 65, 400_000),
];
const INDEX_OPS: &[(&str, u64, u64)] = &[("add_mark", 420, 20_000), ("remove_mark", 350, 20_000)];

#[rustfmt::skip]
fn shapes() -> Vec<Shape> {
    let s = |scenario, scheme, ops, tail, allocs, bytes, base, live, pending, dur| Shape {
        scenario,
        scheme,
        ops,
        tail,
        allocs_per_op: allocs,
        bytes_per_op: bytes,
        base_bytes: base,
        live,
        pending,
        duration_s: dur,
    };
    let mib = 1024.0 * 1024.0;
    vec![
        s("temp-watch", "keep", TEMP_OPS_MODEL, 3.0, Some(0.5), 40.0, 3.0 * mib, (0.0, 4000.0), Some((0.0, false)), 0.5),
        s("temp-watch", "srcu", TEMP_OPS_MODEL, 3.5, Some(1.0), 96.0, 3.0 * mib, (0.0, 300.0), Some((150.0, false)), 0.5),
        s("temp-watch", "epoch", TEMP_OPS_MODEL, 4.0, Some(1.6), 150.0, 3.2 * mib, (0.0, 450.0), Some((400.0, false)), 0.5),
        s("temp-watch", "hazard", TEMP_OPS_MODEL, 3.2, Some(1.0), 96.0, 2.9 * mib, (0.0, 200.0), Some((60.0, false)), 0.5),
        s("temp-watch", "linux", &[("add_mark", 2500, 2000), ("remove_mark", 2000, 2000), ("handle_event", 1800, 20_000)], 3.5, None, 0.0, 0.0, (0.0, 0.0), None, 0.4),
        s("stalled-reader", "keep", TEMP_OPS_MODEL, 3.0, Some(0.5), 40.0, 3.0 * mib, (0.0, 6000.0), Some((0.0, false)), 0.5),
        s("stalled-reader", "srcu", TEMP_OPS_MODEL, 3.5, Some(1.0), 96.0, 3.0 * mib, (0.0, 20_000.0), Some((20_000.0, true)), 0.5),
        s("stalled-reader", "epoch", TEMP_OPS_MODEL, 4.0, Some(1.6), 150.0, 3.2 * mib, (0.0, 26_000.0), Some((26_000.0, true)), 0.5),
        s("indexer-scan", "keep", INDEX_OPS, 2.5, Some(1.0), 64.0, 2.0 * mib, (0.0, 20_000.0), Some((0.0, false)), 0.3),
        s("indexer-scan", "srcu", INDEX_OPS, 3.0, Some(2.0), 160.0, 2.0 * mib, (0.0, 120.0), Some((100.0, false)), 0.3),
        s("indexer-scan", "epoch", INDEX_OPS, 3.5, Some(2.4), 210.0, 2.1 * mib, (0.0, 500.0), Some((480.0, false)), 0.3),
        s("indexer-scan", "hazard", &[("add_mark", 400, 300), ("remove_mark", 600, 300)], 3.0, Some(2.0), 160.0, 2.0 * mib, (0.0, 50.0), Some((30.0, false)), 0.02),
        s("indexer-scan", "linux", &[("add_mark", 2600, 2000), ("remove_mark", 2100, 2000)], 3.0, None, 0.0, 0.0, (0.0, 0.0), None, 0.3),
    ]
}

/// A small deterministic jitter in [0.9, 1.1].
fn jitter(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    0.9 + 0.2 * ((*seed >> 33) as f64 / (1u64 << 31) as f64)
}

fn result(sh: &Shape) -> RunResult {
    let mut seed = sh.scheme.len() as u64 * 7919 + sh.scenario.len() as u64;
    let kernel_run = sh.scheme == "linux";

    // Latency: the shape's p50 scaled per scheme, a tail after it.
    let scale = match sh.scheme {
        "keep" => 0.95,
        "srcu" => 1.0,
        "epoch" => 1.1,
        "hazard" => 1.3,
        _ => 1.0,
    };
    let mut ops = BTreeMap::new();
    let mut total = 0;
    for (op, p50, count) in sh.ops {
        let p50 = (*p50 as f64 * scale * jitter(&mut seed)).round();
        let p99 = (p50 * sh.tail).round();
        let p999 = (p99 * 4.0).round();
        let percentiles = if sh.scenario == "temp-watch" {
            let steps = [
                (50.0, 1.0),
                (75.0, 1.3),
                (90.0, 1.8),
                (99.0, sh.tail),
                (99.9, sh.tail * 4.0),
                (99.99, sh.tail * 12.0),
            ];
            steps
                .iter()
                .map(|(p, m)| (*p, (p50 * m).round() as u64))
                .collect()
        } else {
            Vec::new()
        };
        ops.insert(
            op.to_string(),
            OpStats {
                count: *count,
                mean_ns: (p50 * 1.2).round(),
                p50_ns: p50 as u64,
                p99_ns: p99 as u64,
                p999_ns: p999 as u64,
                max_ns: (p999 * 20.0) as u64,
                percentiles,
            },
        );
        total += count;
    }

    // Timeline: 40 samples over the measured phase.
    let n = 40;
    let mut timeline = Vec::new();
    let (mut peak_pending, mut pending_sum, mut peak_live, mut peak_bytes, mut bytes_sum) =
        (0u64, 0.0, 0u64, 0u64, 0.0);
    for i in 0..n {
        let f = i as f64 / (n - 1) as f64;
        // keep's and the stalled run's connectors pile up; the others level off.
        let ramp = if sh.live.1 >= 1000.0 {
            f
        } else {
            (f / 0.2).min(1.0)
        };
        let live = (sh.live.0 + (sh.live.1 - sh.live.0) * ramp) * jitter(&mut seed);
        let pending = sh.pending.map(|(peak, grows)| {
            let v = if grows {
                peak * f
            } else {
                peak * (0.5 + 0.5 * ((i % 8) as f64 / 7.0))
            };
            (v * jitter(&mut seed)).min(live).round() as u64
        });
        let live = live.round() as u64;
        let bytes = (sh.base_bytes + live as f64 * 192.0) * jitter(&mut seed).sqrt();
        let bytes = bytes.round() as u64;
        if !kernel_run {
            peak_pending = peak_pending.max(pending.unwrap_or(0));
            pending_sum += pending.unwrap_or(0) as f64;
            peak_live = peak_live.max(live);
            peak_bytes = peak_bytes.max(bytes);
            bytes_sum += bytes as f64;
        }
        timeline.push(Sample {
            t_ms: (f * sh.duration_s * 1000.0 * 100.0).round() / 100.0,
            allocated_bytes: Some(bytes),
            resident_bytes: Some(bytes + 2 * 1024 * 1024),
            live_connectors: live,
            pending_connectors: pending,
        });
    }

    let alloc = sh.allocs_per_op.map(|per_op| {
        let allocs = (per_op * total as f64) as u64;
        let bytes = (sh.bytes_per_op * total as f64) as u64;
        AllocStats {
            allocs,
            frees: allocs - allocs / 50,
            bytes_allocated: bytes,
            bytes_freed: bytes - bytes / 50,
            allocs_per_op: per_op,
            bytes_per_op: sh.bytes_per_op,
        }
    });
    let live_at_end = if sh.pending.is_some_and(|p| p.0 == 0.0) {
        sh.live.1 as u64
    } else {
        0
    };
    let memory = (!kernel_run).then(|| MemoryStats {
        peak_allocated_bytes: peak_bytes,
        peak_resident_bytes: peak_bytes + 2 * 1024 * 1024,
        final_allocated_bytes: (sh.base_bytes + live_at_end as f64 * 192.0) as u64,
        avg_allocated_bytes: (bytes_sum / n as f64).round(),
        timeline,
    });
    let deferred = sh.pending.is_some_and(|p| p.0 > 0.0);
    let connectors = if kernel_run {
        ConnectorStats {
            live_at_end: 0,
            peak_live: 2000,
            ..ConnectorStats::default()
        }
    } else {
        let allocated = total / 2;
        ConnectorStats {
            allocated: Some(allocated),
            freed: Some(allocated - live_at_end.min(allocated)),
            live_at_end,
            peak_live,
            peak_pending: Some(peak_pending),
            avg_pending: Some((pending_sum / n as f64).round()),
            reclaim_delay_ns: deferred.then_some(Percentiles {
                p50: 2_000_000,
                p99: 8_000_000,
                max: 20_000_000,
            }),
            batch_free_ns: (deferred && sh.scheme == "srcu").then_some(Percentiles {
                p50: 9_000,
                p99: 60_000,
                max: 200_000,
            }),
        }
    };
    let kernel = kernel_run.then(|| {
        let moments = |before: u64, during: u64| {
            BTreeMap::from([
                ("before".to_string(), before),
                ("watched".to_string(), before + during),
                ("removed".to_string(), before + during / 50),
                ("settled".to_string(), before),
            ])
        };
        KernelStats {
            connector_cache_merged: true,
            slab: BTreeMap::from([
                ("fsnotify_mark_connector".to_string(), moments(5120, 2000)),
                ("inotify_inode_mark".to_string(), moments(310, 2000)),
            ]),
            timeline: Vec::new(),
            settle_ms: None,
        }
    });

    let mut notes = vec!["synthetic sample for the report's tests: not a measurement".to_string()];
    if kernel_run {
        notes.push("fsnotify_mark_connector is merged with other 24-byte caches".to_string());
    }
    let params = json!({
        "inodes": if sh.scenario == "indexer-scan" { 20_000 } else { 1024 },
        "mounts": 0,
        "threads": { "watchers": 2, "events": 2 },
        "watch_lifetime_events": 64,
        "run_ms": (sh.duration_s * 1000.0).round(),
        "seed": 42,
        "quick": true,
    });
    RunResult {
        schema: SCHEMA.to_string(),
        scenario: sh.scenario.to_string(),
        scheme: sh.scheme.to_string(),
        params,
        machine: Machine {
            cpus: 2,
            kernel: "6.1.0-sample".into(),
            rustc: "rustc 1.95.0 (sample)".into(),
        },
        duration_s: sh.duration_s,
        ops,
        throughput_ops_per_s: (total as f64 / sh.duration_s / scale).round(),
        alloc,
        memory,
        connectors,
        harness: (!kernel_run).then_some(HarnessCost {
            per_op_ns: 21.0,
            sampler: true,
        }),
        kernel,
        notes,
    }
}

#[test]
#[ignore = "writes the committed samples; run on purpose"]
fn write_samples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-run");
    for shape in shapes() {
        result(&shape).write_atomic(&dir).unwrap();
    }
}

#[test]
fn committed_samples_are_what_the_generator_makes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-run");
    for shape in shapes() {
        let r = result(&shape);
        let loaded = RunResult::load(&dir.join(r.file_name())).unwrap();
        assert_eq!(
            loaded,
            r,
            "{} is stale: regenerate the samples",
            r.file_name()
        );
    }
}
