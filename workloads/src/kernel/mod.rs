//! The real kernel beside the models: the temporary-watch patterns run
//! through inotify against the host kernel.
//!
//! # What runs
//!
//! [`Pattern::TempWatch`] and [`Pattern::IndexerScan`] (see `patterns.rs`)
//! create their files in a temporary directory, add and remove inotify
//! watches on them, and deliver events by writing to the watched files. Each
//! operation is timed through its system call into the same HDR histograms
//! as the models' operations, so a result has the models' format with
//! scheme `linux`.
//!
//! # Not like for like
//!
//! A kernel operation is a system call and, for `inotify_add_watch`, a path
//! lookup; an event is a `write(2)` and a `read(2)`. A model operation is a
//! function call. Compare shapes (how latency moves, whether connectors stay
//! behind), not absolute numbers.
//!
//! # Memory
//!
//! The kernel's own counts of `fsnotify_mark_connector` and
//! `inotify_inode_mark` objects (see `slab.rs`) are read before the watches,
//! with all watches in place, right after they are removed, and until they
//! settle, and the connector count is sampled about every millisecond on
//! the measured phase's time axis. The connector cache is usually merged
//! with the other 24-byte caches; the result says so.
//!
//! # Limits and cleanup
//!
//! [`prepare`] cuts a plan to `max_user_watches` (less the watches this user
//! already holds) before anything runs, and says so in the notes; a late
//! `ENOSPC` stops the walk instead of failing it. Files live in a
//! [`tempfile::TempDir`], removed when [`run`] returns, on success, error or
//! Ctrl-C (the caller sets the stop flag; the run stops at the next step).

mod limits;
mod patterns;
pub mod slab;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::json;

pub use limits::{prepare, Limits, Prepared};

use crate::result::{ConnectorStats, KernelStats, Machine, OpStats, RunResult, SCHEMA};
use patterns::{Outcome, Watcher};
use slab::{Sampler, SlabCache, CONNECTOR_CACHE, MARK_CACHE};

/// The scheme id of a kernel result.
pub const SCHEME: &str = "linux";

/// The operation name of a whole temporary watch (add, events, remove).
pub const WATCH_CYCLE: &str = "watch_cycle";

/// Sampling period of the slab timeline.
const SAMPLE_PERIOD: Duration = Duration::from_millis(1);

/// How long the connector count must stop falling to count as settled.
const SETTLE_QUIET: Duration = Duration::from_millis(300);

/// The longest wait for it to settle.
const SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// A pattern the kernel runner knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Add a watch, deliver a few events, remove it, over many files.
    TempWatch,
    /// Watch every file of a tree, then remove every watch.
    IndexerScan,
}

impl Pattern {
    /// Both patterns, in run order.
    pub const ALL: [Pattern; 2] = [Pattern::TempWatch, Pattern::IndexerScan];

    /// The scenario name, as the models' runs use it.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::TempWatch => "temp-watch",
            Pattern::IndexerScan => "indexer-scan",
        }
    }
}

impl FromStr for Pattern {
    type Err = KernelError;
    fn from_str(s: &str) -> Result<Pattern, KernelError> {
        Pattern::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| KernelError::UnknownPattern(s.to_string()))
    }
}

/// What one kernel run does.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Which pattern.
    pub pattern: Pattern,
    /// Files created (and, for indexer-scan, watched all at once).
    pub files: u64,
    /// Temporary watches, one after another (temp-watch only).
    pub cycles: u64,
    /// Events delivered to each watch.
    pub events_per_watch: u32,
    /// Seed of the file picks.
    pub seed: u64,
    /// Whether this is the `--quick` size.
    pub quick: bool,
    /// Where the temporary directory goes (default: the system's).
    pub parent_dir: Option<PathBuf>,
    /// Where the slab caches are read (default [`slab::SLAB_DIR`]).
    pub slab_dir: PathBuf,
}

impl Plan {
    /// The full size of `pattern`, or the `--quick` one that runs in
    /// about a second. Indexer-scan asks for the models' million inodes
    /// and is cut to the kernel's watch limit by [`prepare`].
    pub fn new(pattern: Pattern, quick: bool) -> Plan {
        let (files, cycles, events_per_watch) = match (pattern, quick) {
            (Pattern::TempWatch, false) => (10_000, 100_000, 8),
            (Pattern::TempWatch, true) => (1_000, 5_000, 4),
            (Pattern::IndexerScan, false) => (1_000_000, 0, 1),
            (Pattern::IndexerScan, true) => (4_000, 0, 1),
        };
        Plan {
            pattern,
            files,
            cycles,
            events_per_watch,
            seed: 0x5eed_0007,
            quick,
            parent_dir: None,
            slab_dir: PathBuf::from(slab::SLAB_DIR),
        }
    }

    /// Watches in place at the same time.
    pub fn watches_at_once(&self) -> u64 {
        match self.pattern {
            Pattern::TempWatch => 1,
            Pattern::IndexerScan => self.files,
        }
    }
}

/// Which step a run is in, for progress lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Creating the files.
    CreatingFiles,
    /// Temporary-watch cycles.
    Cycles,
    /// Adding the watches.
    Adding,
    /// Delivering events.
    Events,
    /// Removing the watches.
    Removing,
    /// Waiting for the slab counts to settle.
    Settling,
}

impl Phase {
    /// A word for progress lines.
    pub fn name(self) -> &'static str {
        match self {
            Phase::CreatingFiles => "creating files",
            Phase::Cycles => "temporary watches",
            Phase::Adding => "adding watches",
            Phase::Events => "delivering events",
            Phase::Removing => "removing watches",
            Phase::Settling => "waiting for the slab to settle",
        }
    }
}

/// Where a run is: reported at each phase's start, about every tenth of it,
/// and its end.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The step.
    pub phase: Phase,
    /// Units done in it.
    pub done: u64,
    /// Units it has.
    pub total: u64,
}

/// Why a kernel run failed.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    /// A system call on a file failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// The operation.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// No inotify instance could be created.
    #[error("inotify_init1: {source} (max_user_instances: {limit})")]
    Init {
        /// The limit as read, or why it could not be.
        limit: String,
        /// The error.
        source: std::io::Error,
    },
    /// The kernel did something the run did not expect.
    #[error("{0}")]
    Unexpected(String),
    /// The stop flag was set; everything created has been removed.
    #[error("interrupted")]
    Interrupted,
    /// Not a pattern name.
    #[error("unknown pattern `{0}`: expected one of temp-watch, indexer-scan")]
    UnknownPattern(String),
}

impl KernelError {
    fn io(what: &'static str, path: &Path, source: std::io::Error) -> KernelError {
        KernelError::Io {
            what,
            path: path.to_owned(),
            source,
        }
    }
}

/// Runs a prepared plan against the host kernel and returns its result.
///
/// `stop` is polled between steps; when set, the run removes its watches
/// and files and returns [`KernelError::Interrupted`].
pub fn run(
    prepared: &Prepared,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> Result<RunResult, KernelError> {
    let plan = &prepared.plan;
    let mut notes = prepared.notes.clone();

    // Declared first so it is dropped last: the watches go before the files.
    let builder = tempfile::Builder::new().prefix("connbench-kernel-").clone();
    let dir = match &plan.parent_dir {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
    .map_err(|source| {
        let parent = plan.parent_dir.clone().unwrap_or_else(std::env::temp_dir);
        KernelError::io("create temporary directory in", &parent, source)
    })?;
    let paths = patterns::create_files(dir.path(), plan.files, stop, progress)?;
    let mut watcher = Watcher::new().map_err(|source| KernelError::Init {
        limit: prepared.limits.instances_text(),
        source,
    })?;

    // The caches, read before anything is watched.
    let connectors = SlabCache::probe(&plan.slab_dir, CONNECTOR_CACHE);
    let marks = SlabCache::probe(&plan.slab_dir, MARK_CACHE);
    notes.extend(cache_notes(&connectors));
    notes.extend(cache_notes(&marks));
    let mut moments: BTreeMap<&'static str, [Option<u64>; 2]> = BTreeMap::new();
    let read_both = || [connectors.read(), marks.read()];
    moments.insert("before", read_both());

    // The measured phase, with the connector count sampled alongside.
    let origin = Instant::now();
    let sampler = Sampler::start(&connectors, origin, SAMPLE_PERIOD);
    let outcome: Outcome = match plan.pattern {
        Pattern::TempWatch => patterns::temp_watch(
            &mut watcher,
            &paths,
            plan.cycles,
            plan.events_per_watch,
            plan.seed,
            stop,
            progress,
        )?,
        Pattern::IndexerScan => {
            let mut at_watched = None;
            let outcome =
                patterns::indexer_scan(&mut watcher, &paths, stop, progress, &mut || {
                    at_watched = Some(read_both())
                })?;
            moments.extend(at_watched.map(|w| ("watched", w)));
            outcome
        }
    };
    moments.insert("removed", read_both());
    if let Some(at) = outcome.enospc_at {
        notes.push(format!(
            "the kernel refused watch {} with ENOSPC (max_user_watches): the walk stopped there",
            at + 1
        ));
    }

    // The kernel frees connectors after an SRCU grace period: wait for it.
    progress(Progress {
        phase: Phase::Settling,
        done: 0,
        total: 1,
    });
    let (settled, waited) = slab::settle(&[&connectors, &marks], SETTLE_QUIET, SETTLE_LIMIT, stop);
    // Relaxed: a Ctrl-C flag. A settle cut short would report a count that
    // had not settled.
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(KernelError::Interrupted);
    }
    moments.insert("settled", [settled[0], settled[1]]);
    // The timeline starts at the `before` count, read just before `origin`.
    let mut samples: Vec<(f64, u64)> = moments["before"][0].map(|n| (0.0, n)).into_iter().collect();
    samples.extend(sampler.map(Sampler::finish).unwrap_or_default());
    progress(Progress {
        phase: Phase::Settling,
        done: 1,
        total: 1,
    });
    drop(watcher);
    dir.close()
        .map_err(|source| KernelError::io("remove temporary directory", Path::new(""), source))?;

    Ok(assemble(
        plan,
        prepared,
        outcome,
        &connectors,
        moments,
        &samples,
        waited,
        notes,
    ))
}

/// Puts the figures into the result format.
#[allow(clippy::too_many_arguments)]
fn assemble(
    plan: &Plan,
    prepared: &Prepared,
    outcome: Outcome,
    connectors: &SlabCache,
    moments: BTreeMap<&'static str, [Option<u64>; 2]>,
    samples: &[(f64, u64)],
    waited: Duration,
    mut notes: Vec<String>,
) -> RunResult {
    let lat = &outcome.latencies;
    let mut ops = BTreeMap::new();
    ops.insert("add_mark".to_string(), op_stats(&lat.add_mark));
    ops.insert("remove_mark".to_string(), op_stats(&lat.remove_mark));
    ops.insert("handle_event".to_string(), op_stats(&lat.handle_event));
    if let Some(h) = &lat.watch_cycle {
        ops.insert(WATCH_CYCLE.to_string(), op_stats(h));
    }
    let duration_s = (outcome.ended - outcome.started).as_secs_f64();

    // Slab counts per cache and moment; the peak comes from the timeline.
    let mut slab_counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (i, cache) in [CONNECTOR_CACHE, MARK_CACHE].into_iter().enumerate() {
        let counts: BTreeMap<String, u64> = moments
            .iter()
            .filter_map(|(moment, both)| both[i].map(|n| (moment.to_string(), n)))
            .collect();
        if !counts.is_empty() {
            slab_counts.insert(cache.to_string(), counts);
        }
    }
    let conn = |moment: &str| moments.get(moment).and_then(|both| both[0]);
    let before = conn("before");
    let timeline = before
        .map(|b| slab::timeline(samples, b))
        .unwrap_or_default();
    let peak_sampled = samples.iter().map(|&(_, n)| n).max();
    let peak = peak_sampled.into_iter().chain(conn("watched")).max();
    if let (Some(p), Some(counts)) = (peak, slab_counts.get_mut(CONNECTOR_CACHE)) {
        counts.insert("peak".to_string(), p);
    }
    if plan.pattern == Pattern::TempWatch {
        notes.push(
            "temp-watch holds one watch at a time, so it has no `watched` moment; `peak` is \
             the highest connector count sampled during the cycles"
                .to_string(),
        );
    }

    // Connectors as the slab counts them: the rise over `before`.
    let delta = |n: Option<u64>| n.zip(before).map(|(n, b)| n.saturating_sub(b));
    let live_at_end = delta(conn("settled"));
    let peak_live = delta(peak);
    if live_at_end.is_none() || peak_live.is_none() {
        notes.push(
            "connectors.live_at_end and connectors.peak_live are not measured (connector slab \
             count unreadable); the v1 format requires them, so they are written as 0"
                .to_string(),
        );
    }
    let settle_ms = conn("settled").map(|_| waited.as_secs_f64() * 1e3);

    RunResult {
        schema: SCHEMA.to_string(),
        scenario: plan.pattern.name().to_string(),
        scheme: SCHEME.to_string(),
        params: params(plan, prepared, &outcome),
        machine: machine(),
        duration_s,
        throughput_ops_per_s: lat.ops() as f64 / duration_s.max(f64::MIN_POSITIVE),
        ops,
        alloc: None,
        memory: None,
        connectors: ConnectorStats {
            live_at_end: live_at_end.unwrap_or(0),
            peak_live: peak_live.unwrap_or(0),
            ..ConnectorStats::default()
        },
        harness: None,
        kernel: Some(KernelStats {
            connector_cache_merged: connectors.merged_into.is_some(),
            slab: slab_counts,
            timeline,
            settle_ms,
        }),
        notes,
    }
}

/// The plan as run, with the limits it was fitted to.
fn params(plan: &Plan, prepared: &Prepared, outcome: &Outcome) -> serde_json::Value {
    let mut p = json!({
        "pattern": plan.pattern.name(),
        "quick": plan.quick,
        "files": plan.files,
        "watches": outcome.watches,
        "events_per_watch": plan.events_per_watch,
        "threads": 1,
        "limits": prepared.limits.to_json(),
    });
    if plan.pattern == Pattern::TempWatch {
        p["cycles"] = json!(plan.cycles);
        p["seed"] = json!(plan.seed);
    }
    p
}

/// What a reader must know about a cache: merged, or unreadable.
fn cache_notes(cache: &SlabCache) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(target) = &cache.merged_into {
        notes.push(format!(
            "{} is merged into the shared slab cache {target} with {} other caches{}, so its \
             count includes objects that are not {}s",
            cache.name,
            cache.aliases.len(),
            match cache.aliases.len() {
                0 => String::new(),
                _ => format!(" ({})", cache.aliases.join(", ")),
            },
            cache.name
        ));
    }
    if let Some(why) = &cache.unreadable {
        notes.push(format!("{} slab counts missing: {why}", cache.name));
    }
    notes
}

/// An HDR histogram in the result format.
fn op_stats(h: &Histogram<u64>) -> OpStats {
    let q = |q: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(q)
        }
    };
    OpStats {
        count: h.len(),
        mean_ns: if h.is_empty() { 0.0 } else { h.mean() },
        p50_ns: q(0.5),
        p99_ns: q(0.99),
        p999_ns: q(0.999),
        max_ns: if h.is_empty() { 0 } else { h.max() },
        // Quantiles as written, so that 99.9 here is exactly `p999_ns`.
        percentiles: [
            (50.0, 0.5),
            (90.0, 0.9),
            (99.0, 0.99),
            (99.9, 0.999),
            (99.99, 0.9999),
        ]
        .into_iter()
        .chain([(100.0, 1.0)])
        .filter(|_| !h.is_empty())
        .map(|(p, q)| (p, h.value_at_quantile(q)))
        .collect(),
    }
}

/// Where this ran. The kernel result cannot name the rustc that built it
/// without a build script, so it says `unknown`.
fn machine() -> Machine {
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string()),
        rustc: "unknown".to_string(),
    }
}
