//! The driver over real schemes, at small sizes: what each scheme leaves
//! behind, how a stalled reader grows pending memory, that a scenario replays
//! the same operations, and what the sampler costs.

use std::alloc::System;
use std::sync::{Mutex, MutexGuard};

use connbench_impls::schemes::SrcuScheme;
use connbench_impls::{ConnectorPolicy, Scheme};
use connbench_workloads::alloc::{self, CountingAlloc};
use connbench_workloads::measure::{MemoryProbe, MemoryReading};
use connbench_workloads::scenario::{RoleKind, Stall};
use connbench_workloads::{Overrides, RunOptions, RunResult, Scenario};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc(System);

/// One run at a time: runs that share two CPUs with each other measure the
/// scheduler more than the scheme.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The counting allocator's net bytes stand in for jemalloc's statistics.
struct NetBytes;

impl MemoryProbe for NetBytes {
    fn read(&self) -> Option<MemoryReading> {
        let t = alloc::totals();
        Some(MemoryReading {
            allocated: t.bytes_allocated.saturating_sub(t.bytes_freed),
            resident: 0,
        })
    }
}

fn quick(name: &str) -> Scenario {
    let overrides = Overrides {
        quick: true,
        cpus: Some(2),
        ..Overrides::default()
    };
    Scenario::find(name, overrides).unwrap()
}

fn run<S: Scheme>(scenario: &Scenario, sampler: bool) -> RunResult {
    let _serial = serial();
    let options = RunOptions {
        sampler,
        memory: Some(&NetBytes),
        progress: None,
    };
    connbench_workloads::run::<S>(scenario, options)
}

/// Walks 3000 inodes once each: a scheme that keeps connectors until
/// eviction ends with one per inode, one that frees on last detach with none.
fn indexer_scan<S: Scheme>() {
    let mut scenario = quick("indexer-scan");
    scenario.inodes = 3000;
    scenario.cycles = Some(3000);
    let r = run::<S>(&scenario, true);

    assert_eq!(r.ops["add_mark"].count, 3000);
    assert_eq!(r.ops["remove_mark"].count, 3000);
    let c = &r.connectors;
    match S::POLICY {
        ConnectorPolicy::KeepUntilEvict => {
            assert_eq!(c.live_at_end, 3000, "one kept connector per inode watched");
            assert_eq!(c.freed, Some(0));
        }
        ConnectorPolicy::FreeOnLastDetach => {
            assert_eq!(c.live_at_end, 0, "every connector freed");
            assert_eq!(c.freed, Some(3000));
        }
    }
    assert_eq!(c.allocated, Some(3000));
    assert_eq!(c.pending_at_end, Some(0));
    let alloc = r.alloc.expect("the counting allocator is installed");
    assert!(alloc.allocs >= 3000, "a mark per cycle at least: {alloc:?}");
}

macro_rules! indexer_scan_tests {
    ($($name:ident => $ty:ty,)*) => {
        $(#[test]
        fn $name() {
            indexer_scan::<$ty>();
        })*
    };
}

mod indexer_scan_leaves {
    use super::*;
    connbench_impls::for_each_scheme!(indexer_scan_tests);
}

/// `srcu` under a reader that leaves its section every 1 ms, every 10 ms or
/// never: its pending connectors grow with the stall, and all are freed once
/// the reader has left.
#[test]
fn stalled_reader_grows_srcu_pending_with_the_stall() {
    let mut peaks = Vec::new();
    for stall in [Stall::Ms(1), Stall::Ms(10), Stall::Never] {
        let mut scenario = quick("stalled-reader");
        scenario.duration_ms = Some(300);
        for role in &mut scenario.roles {
            if role.kind == RoleKind::StalledReader {
                role.stall = stall;
            }
        }
        let r = run::<SrcuScheme>(&scenario, true);
        let c = &r.connectors;
        let peak = c.peak_pending.unwrap();
        eprintln!(
            "stall {stall:?}: peak pending {peak} of {:?} allocated",
            c.allocated
        );
        assert_eq!(
            c.pending_at_end,
            Some(0),
            "stall {stall:?}: pending after the run"
        );
        assert_eq!(c.live_at_end, 0, "stall {stall:?}: live after the run");
        // Normalised by the churn rate, which varies from run to run: how
        // many milliseconds of retirements were pending, at the peak and on
        // average (by Little's law, the latter is the mean reclaim delay).
        let retired_per_ms = c.allocated.unwrap() as f64 / (r.duration_s * 1e3);
        let avg_ms = c.avg_pending.unwrap() / retired_per_ms;
        let peak_ms = peak as f64 / retired_per_ms;
        eprintln!("  = {peak_ms:.1} ms of retirements at the peak, {avg_ms:.1} ms on average");
        peaks.push((peak, peak_ms, avg_ms, c.allocated.unwrap()));
    }
    let [one_ms, ten_ms, (never, never_peak_ms, never_avg_ms, allocated)] = peaks[..] else {
        unreachable!()
    };
    // A reader that never leaves holds back every connector retired during
    // the run: the peak is most of them.
    assert!(
        never * 2 >= allocated,
        "never: {never} pending of {allocated}"
    );
    assert!(
        never_peak_ms > ten_ms.1,
        "peak: never {never_peak_ms:.1} ms vs 10 ms {ten_ms:?}"
    );
    assert!(
        never_avg_ms > ten_ms.2,
        "average: never {never_avg_ms:.1} ms vs 10 ms {ten_ms:?}"
    );
    // Between 1 and 10 ms the peaks are single samples that scheduling
    // noise on two shared CPUs can swap; the time-average is steadier.
    assert!(
        ten_ms.2 > one_ms.2,
        "average: 10 ms {ten_ms:?} vs 1 ms {one_ms:?}"
    );
}

/// The same scenario gives the same operations: with one watcher and no
/// other thread, even the set of inodes it touched is the same.
#[test]
fn a_scenario_replays_the_same_operations() {
    let mut scenario = quick("temp-watch");
    scenario.roles.retain(|r| r.kind == RoleKind::Watcher);
    scenario.duration_ms = None;
    scenario.cycles = Some(2000);
    let kept = |s: &Scenario| run::<connbench_impls::schemes::Keep>(s, false);

    let (a, b) = (kept(&scenario), kept(&scenario));
    assert_eq!(a.connectors.live_at_end, b.connectors.live_at_end);
    assert_eq!(a.ops["handle_event"].count, b.ops["handle_event"].count);
    // Random picks over 4096 inodes revisit some: the count depends on the
    // sequence, so equality above is not a foregone conclusion.
    assert!(a.connectors.live_at_end < 2000);
}

/// Sampling every millisecond must not change what runs, and should not
/// change much how fast: the throughput of both is recorded, and only a
/// collapse is refused, since timing on a shared machine is noisy.
#[test]
fn sampler_on_and_off() {
    let mut scenario = quick("temp-watch");
    scenario.duration_ms = Some(200);
    let on = run::<SrcuScheme>(&scenario, true);
    let off = run::<SrcuScheme>(&scenario, false);

    let timeline = |r: &RunResult| r.memory.as_ref().map_or(0, |m| m.timeline.len());
    assert!(timeline(&on) > 20, "about one sample a millisecond");
    assert_eq!(timeline(&off), 0);
    assert!(on.harness.as_ref().unwrap().sampler);
    assert!(!off.harness.as_ref().unwrap().sampler);

    let (t_on, t_off) = (on.throughput_ops_per_s, off.throughput_ops_per_s);
    eprintln!("throughput with sampler {t_on:.0}/s, without {t_off:.0}/s");
    assert!(t_on > 0.0 && t_off > 0.0);
    assert!(t_on > t_off / 5.0, "the sampler cut throughput fivefold");
}

/// Evictions under churn: every scheme frees connectors (for `keep`, only
/// here), nothing stays pending, and no reference count goes wrong (the
/// model's debug assertions are on in test builds).
fn inode_eviction<S: Scheme>() {
    let mut scenario = quick("inode-eviction");
    scenario.duration_ms = Some(200);
    scenario.inodes = 256;
    // A miscounted reference makes `evict` wait forever: fail, not hang.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run::<S>(&scenario, true));
    });
    let r = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the run ended within 20 s");

    let c = &r.connectors;
    assert!(r.ops["evict"].count > 0);
    assert!(c.freed.unwrap() > 0, "evictions free connectors: {c:?}");
    assert_eq!(c.pending_at_end, Some(0));
    assert!(c.live_at_end <= 256);
}

macro_rules! inode_eviction_tests {
    ($($name:ident => $ty:ty,)*) => {
        $(#[test]
        fn $name() {
            inode_eviction::<$ty>();
        })*
    };
}

mod inode_eviction_frees {
    use super::*;
    connbench_impls::for_each_scheme!(inode_eviction_tests);
}
