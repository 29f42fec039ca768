//! The driver: runs one scenario over one scheme and measures it.
//!
//! # Phases
//!
//! 1. *Setup*: the model, the groups and the long-lived watches; the worker
//!    threads allocate their histograms and wait.
//! 2. *Measured phase*: the base counts are read, the workers start together,
//!    and the calling thread samples memory about every millisecond (unless
//!    the sampler is off) and reports progress, until the run's duration has
//!    passed or every watcher has done its cycles. The workers are joined and
//!    the allocator counts read again.
//! 3. *Settle*: the scheme's barrier frees whatever is still pending, and the
//!    final counts are read.
//!
//! There is one driver, generic over the scheme; the program picks the scheme
//! at run time with `connbench_impls::visit`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use connbench_impls::{Fsnotify, Group, MarkRef, Scheme};

use crate::alloc;
use crate::measure::{self, MemoryProbe, MemoryReading, OpHistograms, Timeline};
use crate::result::{
    AllocStats, ConnectorStats, HarnessCost, MemoryStats, RunResult, Sample, SCHEMA,
};
use crate::scenario::{RoleKind, Scenario};
use crate::worker::{self, EventMix, Outcome, Padded, Seat, Shared};

/// How a run is measured and watched.
pub struct RunOptions<'a> {
    /// Sample memory and connector counts about every millisecond.
    pub sampler: bool,
    /// The allocator's view of memory; `None` leaves `memory` out of the
    /// result.
    pub memory: Option<&'a dyn MemoryProbe>,
    /// Called from the calling thread about every 100 ms with the share of
    /// the run done, from 0 to 1.
    pub progress: Option<&'a mut dyn FnMut(f64)>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            sampler: true,
            memory: None,
            progress: None,
        }
    }
}

const SAMPLE_EVERY: Duration = Duration::from_millis(1);
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Runs `scenario` over the scheme `S` and measures it.
pub fn run<S: Scheme>(scenario: &Scenario, mut opts: RunOptions<'_>) -> RunResult {
    let harness_ns = measure::harness_cost_ns();
    let fs = Fsnotify::<S>::new(scenario.inodes, scenario.mounts);
    let groups: Vec<Arc<Group>> = (scenario.groups.iter())
        .map(|g| fs.new_group(g.priority))
        .collect();
    let long_lived = watch_long_lived(&fs, &groups, scenario);

    let events = EventMix::new(scenario);
    let stop = AtomicBool::new(false);
    let watchers: usize = (scenario.roles.iter())
        .filter(|r| r.kind == RoleKind::Watcher)
        .map(|r| r.threads as usize)
        .sum();
    let cycles_done: Vec<Padded> = (0..watchers).map(|_| Padded::default()).collect();
    let watchers_left = AtomicUsize::new(watchers);
    let threads = scenario.threads() as usize;
    let ready = Barrier::new(threads + 1);
    let shared = Shared {
        fs: &fs,
        scenario,
        groups: &groups,
        events: &events,
        stop: &stop,
        cycles_done: &cycles_done,
        watchers_left: &watchers_left,
        ready: &ready,
    };

    // Start from a settled model, with delay tracking on.
    fs.barrier();
    fs.counters().set_tracking(true);
    fs.counters().reset_histograms();
    let expected_ms = scenario.duration_ms.unwrap_or(10_000);
    let mut timeline = Timeline::with_capacity(expected_ms as usize * 11 / 10 + 64);
    let probe = opts.memory;
    // The time of a sample is taken after its readings, which can take a
    // while (jemalloc's epoch advance merges per-arena statistics).
    let sample = |start: Instant| {
        let reading = probe.and_then(MemoryProbe::read);
        let snap = fs.snapshot();
        Sample {
            t_ms: start.elapsed().as_secs_f64() * 1e3,
            allocated_bytes: reading.map(|r| r.allocated),
            resident_bytes: reading.map(|r| r.resident),
            live_connectors: snap.live_connectors(),
            pending_connectors: Some(snap.pending_connectors()),
        }
    };

    let measured = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        let mut watcher = 0;
        for (role_index, role) in scenario.roles.iter().enumerate() {
            for thread in 0..role.threads {
                let seat = Seat {
                    role: role_index,
                    thread,
                    watcher,
                };
                if role.kind == RoleKind::Watcher {
                    watcher += 1;
                }
                let shared = &shared;
                let name = format!("{:?}-{thread}", role.kind).to_lowercase();
                let spawned = std::thread::Builder::new()
                    .name(name)
                    .spawn_scoped(scope, move || worker::work(shared, role, seat));
                handles.push(spawned.expect("spawning a worker thread"));
            }
        }

        // Every worker is ready: read the base counts, then start them.
        ready.wait();
        let base_snapshot = fs.snapshot();
        let base_alloc = alloc::totals();
        let base_memory = probe.and_then(MemoryProbe::read);
        // The clock starts before the workers are released: were this thread
        // preempted right after the barrier, the time would still count.
        let start = Instant::now();
        ready.wait();

        let deadline = scenario.duration_ms.map(Duration::from_millis);
        let total_cycles = scenario.cycles.map(|c| c as f64 * watchers as f64);
        let mut next_progress = Duration::ZERO;
        let elapsed = loop {
            if opts.sampler {
                timeline.push(sample(start));
            }
            let now = start.elapsed();
            let by_time = deadline.is_some_and(|d| now >= d);
            let by_cycles = scenario.cycles.is_some() && watchers_left.load(Ordering::Relaxed) == 0;
            if now >= next_progress || by_time || by_cycles {
                let mut done: f64 = deadline.map_or(0.0, |d| now.as_secs_f64() / d.as_secs_f64());
                if let Some(total) = total_cycles {
                    let cycles: u64 = cycles_done
                        .iter()
                        .map(|c| c.0.load(Ordering::Relaxed))
                        .sum();
                    done = done.max(cycles as f64 / total);
                }
                if let Some(progress) = opts.progress.as_mut() {
                    progress(done.min(1.0));
                }
                next_progress = now + PROGRESS_EVERY;
            }
            if by_time || by_cycles {
                break now;
            }
            std::thread::sleep(if opts.sampler {
                SAMPLE_EVERY
            } else {
                2 * SAMPLE_EVERY
            });
        };
        stop.store(true, Ordering::Relaxed);

        let outcomes: Vec<Outcome> = (handles.into_iter())
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        let alloc_delta = alloc::totals().since(&base_alloc);
        let after_run_memory = probe.and_then(MemoryProbe::read);
        if opts.sampler {
            timeline.push(sample(start));
        }
        Measured {
            elapsed,
            outcomes,
            base_snapshot,
            base_memory,
            after_run_memory,
            alloc_delta,
        }
    });

    // Settle: everything retired is freed; what stays is what the scheme keeps.
    fs.barrier();
    let end = fs.snapshot();
    let final_memory = probe.and_then(MemoryProbe::read);
    fs.counters().set_tracking(false);
    let reclaim_delay = measure::percentiles(&fs.counters().reclaim_delay());
    let batch_free = measure::percentiles(&fs.counters().batch_free());

    let mut hists = OpHistograms::default();
    let (mut exists, mut lost) = (0, 0);
    for outcome in &measured.outcomes {
        hists.merge(&outcome.hists);
        exists += outcome.exists;
        lost += outcome.lost;
    }
    let total_ops = hists.total();
    let duration_s = measured.elapsed.as_secs_f64();
    let ops: BTreeMap<String, _> = hists.stats().map(|(n, s)| (n.to_owned(), s)).collect();

    let mut notes = Vec::new();
    let runtime_note = fs.scheme().runtime_note();
    if !runtime_note.is_empty() {
        notes.push(runtime_note);
    }
    if exists > 0 {
        notes.push(format!(
            "{exists} add_mark calls found the group's mark already there"
        ));
    }
    if lost > 0 {
        notes.push(format!(
            "{lost} remove_mark calls found the mark destroyed by an eviction"
        ));
    }
    if !opts.sampler {
        notes.push("sampler off: peaks are taken from the start and end of the run only".into());
    }

    let a = measured.alloc_delta;
    let per_op = |x: u64| {
        if total_ops == 0 {
            0.0
        } else {
            x as f64 / total_ops as f64
        }
    };
    let alloc = alloc::installed().then(|| AllocStats {
        allocs: a.allocs,
        frees: a.frees,
        bytes_allocated: a.bytes_allocated,
        bytes_freed: a.bytes_freed,
        allocs_per_op: per_op(a.allocs),
        bytes_per_op: per_op(a.bytes_allocated),
    });

    let base = measured.base_snapshot;
    let tl = timeline.stats();
    let ends = [measured.base_memory, final_memory];
    let edge = |f: fn(&MemoryReading) -> u64| ends.iter().flatten().map(f).max().unwrap_or(0);
    let memory = final_memory.map(|last| MemoryStats {
        peak_allocated_bytes: tl.peak_allocated.max(edge(|r| r.allocated)),
        peak_resident_bytes: tl.peak_resident.max(edge(|r| r.resident)),
        final_allocated_bytes: last.allocated,
        after_run_allocated_bytes: measured.after_run_memory.map(|r| r.allocated),
        avg_allocated_bytes: if timeline.is_empty() {
            ends.iter()
                .flatten()
                .map(|r| r.allocated as f64)
                .sum::<f64>()
                / 2.0
        } else {
            tl.avg_allocated
        },
        timeline: Vec::new(),
    });
    let connectors = ConnectorStats {
        allocated: Some(end.connectors_allocated - base.connectors_allocated),
        freed: Some(end.connectors_freed - base.connectors_freed),
        live_at_end: end.live_connectors(),
        peak_live: tl.peak_live.max(base.live_connectors()),
        peak_pending: Some(tl.peak_pending.max(base.pending_connectors())),
        avg_pending: Some(tl.avg_pending),
        reclaim_delay_ns: reclaim_delay,
        batch_free_ns: batch_free,
        pending_at_end: Some(end.pending_connectors()),
    };
    let memory = memory.map(|mut m| {
        m.timeline = timeline.into_points();
        m
    });

    // Put the long-lived watches back before the model goes.
    for mark in long_lived {
        fs.remove_mark(mark);
    }

    RunResult {
        schema: SCHEMA.to_owned(),
        scenario: scenario.name.clone(),
        scheme: S::ID.to_owned(),
        params: serde_json::to_value(scenario).unwrap_or_default(),
        machine: measure::machine(),
        duration_s,
        ops,
        throughput_ops_per_s: if duration_s > 0.0 {
            total_ops as f64 / duration_s
        } else {
            0.0
        },
        alloc,
        memory,
        connectors,
        harness: Some(HarnessCost {
            per_op_ns: harness_ns,
            sampler: opts.sampler,
            handle_event_timed_one_in: Some(measure::EVENT_TIMED_ONE_IN),
        }),
        kernel: None,
        notes,
    }
}

struct Measured {
    elapsed: Duration,
    outcomes: Vec<Outcome>,
    base_snapshot: connbench_impls::CounterSnapshot,
    base_memory: Option<MemoryReading>,
    after_run_memory: Option<MemoryReading>,
    alloc_delta: alloc::AllocTotals,
}

/// Every group watches the first `long_lived` inodes and `long_lived_mounts`
/// mounts for the whole run.
fn watch_long_lived<'f, S: Scheme>(
    fs: &'f Fsnotify<S>,
    groups: &[Arc<Group>],
    scenario: &Scenario,
) -> Vec<MarkRef<'f, S>> {
    let objects = (0..scenario.long_lived)
        .map(|i| fs.inode(i))
        .chain((0..scenario.long_lived_mounts).map(|i| fs.mount(i)));
    let mut marks = Vec::new();
    for id in objects {
        // Nothing else runs yet, so no object is being evicted.
        let Some(obj) = fs.igrab(id) else { continue };
        for group in groups {
            if let Ok(mark) = fs.add_mark(&obj, group, scenario.watch_mask) {
                marks.push(mark);
            }
        }
    }
    marks
}
