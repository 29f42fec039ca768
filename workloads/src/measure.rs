//! The measurements: latency histograms per operation, the memory sampler,
//! the harness's own cost, and the machine a run is measured on.
//!
//! # Latency
//!
//! Every worker thread owns one HDR histogram per operation ([`OpHistograms`])
//! and records into it without sharing; the driver merges them when the
//! threads are joined. A timed operation costs the harness two clock reads and
//! one histogram record, which [`harness_cost_ns`] measures on its own.
//!
//! # Memory
//!
//! The program passes a [`MemoryProbe`] (jemalloc's `stats.allocated` and
//! `stats.resident` after an epoch advance); the sampler reads it and the
//! model's connector counts about every millisecond ([`Timeline`]).

use std::hint::black_box;
use std::time::Instant;

use hdrhistogram::Histogram;

use crate::result::{Machine, OpStats, Percentiles, Sample, OPERATIONS};

/// An operation whose latency is measured; indexes [`OPERATIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `add_mark`.
    AddMark = 0,
    /// `remove_mark`.
    RemoveMark = 1,
    /// `handle_event`.
    HandleEvent = 2,
    /// `evict`.
    Evict = 3,
}

/// Reads the allocator's view of memory.
pub trait MemoryProbe: Sync {
    /// Allocated and resident bytes now, or `None` when the allocator cannot
    /// tell.
    fn read(&self) -> Option<MemoryReading>;
}

/// One reading of a [`MemoryProbe`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryReading {
    /// Bytes in live allocations.
    pub allocated: u64,
    /// Bytes of physical memory the allocator holds.
    pub resident: u64,
}

/// A latency histogram: 1 ns to 100 s at three significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid static bounds")
}

/// `handle_event` is timed once in this many calls, chosen at random: the
/// cheapest operation costs about as much as two clock reads, so timing every
/// call would make the harness dominate what it measures. Every call is
/// counted; the latency figures come from the timed sample.
pub const EVENT_TIMED_ONE_IN: u64 = 16;

/// One histogram per operation, owned by one thread, and the count of every
/// call, timed or not.
pub struct OpHistograms {
    hists: [Histogram<u64>; 4],
    counts: [u64; 4],
    /// xorshift state that picks which sampled calls are timed; apart from
    /// the scenario's generator so that timing never changes the workload.
    pick: u64,
}

impl Default for OpHistograms {
    fn default() -> Self {
        OpHistograms {
            hists: std::array::from_fn(|_| new_histogram()),
            counts: [0; 4],
            pick: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

impl OpHistograms {
    /// Runs `f`, recording how long it took under `op`.
    #[inline]
    pub fn time<T>(&mut self, op: Op, f: impl FnOnce() -> T) -> T {
        self.counts[op as usize] += 1;
        self.record(op, f)
    }

    /// Runs `f`, counting it under `op`, and times one call in
    /// [`EVENT_TIMED_ONE_IN`], picked at random.
    #[inline]
    pub fn time_sampled<T>(&mut self, op: Op, f: impl FnOnce() -> T) -> T {
        self.counts[op as usize] += 1;
        self.pick ^= self.pick << 13;
        self.pick ^= self.pick >> 7;
        self.pick ^= self.pick << 17;
        if self.pick % EVENT_TIMED_ONE_IN == 0 {
            self.record(op, f)
        } else {
            f()
        }
    }

    #[inline]
    fn record<T>(&mut self, op: Op, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let ns = start.elapsed().as_nanos() as u64;
        self.hists[op as usize].saturating_record(ns.max(1));
        out
    }

    /// Adds another thread's histograms and counts into these.
    pub fn merge(&mut self, other: &OpHistograms) {
        for (mine, theirs) in self.hists.iter_mut().zip(&other.hists) {
            // Both come from `new_histogram`, so the bounds always match.
            let _ = mine.add(theirs);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    /// Operations done, all kinds together.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The statistics of every operation that ran, keyed by its name.
    pub fn stats(&self) -> impl Iterator<Item = (&'static str, OpStats)> + '_ {
        (OPERATIONS.iter().zip(&self.hists).zip(self.counts))
            .filter(|((_, h), _)| !h.is_empty())
            .map(|((name, h), count)| {
                let mut stats = op_stats(h);
                stats.count = count;
                (*name, stats)
            })
    }
}

/// The summary of one operation's histogram.
pub fn op_stats(h: &Histogram<u64>) -> OpStats {
    let tail = [50.0, 90.0, 99.0, 99.9, 99.99, 100.0];
    OpStats {
        count: h.len(),
        mean_ns: h.mean(),
        p50_ns: h.value_at_quantile(0.5),
        p99_ns: h.value_at_quantile(0.99),
        p999_ns: h.value_at_quantile(0.999),
        max_ns: h.max(),
        percentiles: tail
            .iter()
            .map(|&p| (p, h.value_at_percentile(p)))
            .collect(),
    }
}

/// p50, p99 and max of a histogram, or `None` when it is empty.
pub fn percentiles(h: &Histogram<u64>) -> Option<Percentiles> {
    (!h.is_empty()).then(|| Percentiles {
        p50: h.value_at_quantile(0.5),
        p99: h.value_at_quantile(0.99),
        max: h.max(),
    })
}

/// What timing one operation costs: two clock reads and a histogram record,
/// averaged over many, in nanoseconds. A first pass warms the histogram's
/// pages and the caches; the second is the one reported.
pub fn harness_cost_ns() -> f64 {
    const ROUNDS: u32 = 200_000;
    let mut h = new_histogram();
    let mut pass = || {
        let start = Instant::now();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let ns = black_box(t.elapsed().as_nanos() as u64);
            h.saturating_record(ns.max(1));
        }
        start.elapsed().as_nanos() as f64 / f64::from(ROUNDS)
    };
    pass();
    pass()
}

/// The memory timeline and what is computed from it.
#[derive(Default)]
pub struct Timeline {
    samples: Vec<Sample>,
}

/// Peaks and time-averages of a [`Timeline`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TimelineStats {
    /// Highest allocated bytes.
    pub peak_allocated: u64,
    /// Highest resident bytes.
    pub peak_resident: u64,
    /// Time-average of allocated bytes.
    pub avg_allocated: f64,
    /// Highest live connector count.
    pub peak_live: u64,
    /// Highest pending connector count.
    pub peak_pending: u64,
    /// Time-average of pending connectors.
    pub avg_pending: f64,
}

/// At most this many samples are kept in a result file; the statistics use
/// every sample.
pub const MAX_TIMELINE_POINTS: usize = 2000;

impl Timeline {
    /// A timeline with room for `capacity` samples, so that sampling does not
    /// allocate during the measured phase.
    pub fn with_capacity(capacity: usize) -> Self {
        Timeline {
            samples: Vec::with_capacity(capacity),
        }
    }

    /// Adds a sample.
    pub fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    /// Whether no sample was taken.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Peaks and time-averages; each sample weighs the time until the next.
    pub fn stats(&self) -> TimelineStats {
        let mut stats = TimelineStats::default();
        let (mut weight, mut alloc_sum, mut pending_sum) = (0.0, 0.0, 0.0);
        for (i, s) in self.samples.iter().enumerate() {
            let allocated = s.allocated_bytes.unwrap_or(0);
            let pending = s.pending_connectors.unwrap_or(0);
            stats.peak_allocated = stats.peak_allocated.max(allocated);
            stats.peak_resident = stats.peak_resident.max(s.resident_bytes.unwrap_or(0));
            stats.peak_live = stats.peak_live.max(s.live_connectors);
            stats.peak_pending = stats.peak_pending.max(pending);
            let dt = match self.samples.get(i + 1) {
                Some(next) => (next.t_ms - s.t_ms).max(0.0),
                None => 0.0,
            };
            weight += dt;
            alloc_sum += allocated as f64 * dt;
            pending_sum += pending as f64 * dt;
        }
        if weight > 0.0 {
            stats.avg_allocated = alloc_sum / weight;
            stats.avg_pending = pending_sum / weight;
        } else if let Some(last) = self.samples.last() {
            stats.avg_allocated = last.allocated_bytes.unwrap_or(0) as f64;
            stats.avg_pending = last.pending_connectors.unwrap_or(0) as f64;
        }
        stats
    }

    /// The samples, thinned evenly to at most [`MAX_TIMELINE_POINTS`].
    pub fn into_points(self) -> Vec<Sample> {
        let step = self.samples.len().div_ceil(MAX_TIMELINE_POINTS).max(1);
        self.samples.into_iter().step_by(step).collect()
    }
}

/// The machine this process runs on.
pub fn machine() -> Machine {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel,
        rustc: env!("CONNBENCH_RUSTC_VERSION").to_owned(),
    }
}
