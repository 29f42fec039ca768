//! The result format: one JSON file per (scenario, scheme) pair.
//!
//! Versioned by [`SCHEMA`]; documented field by field in `workloads/README.md`.
//! `connbench run` and `connbench kernel` write it, `connbench report` reads
//! it. A figure that does not apply to a run (a kernel run has no allocator
//! counts) is absent, never zero.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The schema id every result file carries.
pub const SCHEMA: &str = "connbench.result.v1";

/// The operations whose latency is measured, in report order.
pub const OPERATIONS: [&str; 4] = ["add_mark", "remove_mark", "handle_event", "evict"];

/// One (scenario, scheme) run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunResult {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scheme's id (`linux` for the host kernel).
    pub scheme: String,
    /// The scenario as run, after `--quick` and `--threads` were applied.
    pub params: serde_json::Value,
    /// Where it ran.
    pub machine: Machine,
    /// Wall time of the measured phase, in seconds.
    pub duration_s: f64,
    /// Latency per operation, keyed by operation name (see [`OPERATIONS`]).
    pub ops: BTreeMap<String, OpStats>,
    /// All measured operations per second of the measured phase.
    pub throughput_ops_per_s: f64,
    /// Allocator activity during the measured phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alloc: Option<AllocStats>,
    /// Memory over time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryStats>,
    /// Connectors: counts, peaks and reclamation delay.
    pub connectors: ConnectorStats,
    /// What the measurement itself cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness: Option<HarnessCost>,
    /// Kernel slab counts, for `scheme = "linux"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<KernelStats>,
    /// Anything a reader of the result should know (a scenario cut down to a
    /// kernel limit, a figure that could not be read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The machine a result was measured on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// The rustc that built connbench (`rustc -V`), or "unknown".
    pub rustc: String,
}

/// Latency of one operation, from an HDR histogram, in nanoseconds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpStats {
    /// Operations measured.
    pub count: u64,
    /// Mean latency.
    pub mean_ns: f64,
    /// Median latency.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Slowest.
    pub max_ns: u64,
    /// The tail as `[percentile, ns]` pairs, for percentile curves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub percentiles: Vec<(f64, u64)>,
}

/// Allocator counts during the measured phase.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AllocStats {
    /// Allocation calls.
    pub allocs: u64,
    /// Free calls.
    pub frees: u64,
    /// Bytes allocated.
    pub bytes_allocated: u64,
    /// Bytes freed.
    pub bytes_freed: u64,
    /// Allocation calls per measured operation.
    pub allocs_per_op: f64,
    /// Bytes allocated per measured operation.
    pub bytes_per_op: f64,
}

/// Memory as the allocator and the model count it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemoryStats {
    /// Highest allocated bytes sampled.
    pub peak_allocated_bytes: u64,
    /// Highest resident bytes sampled.
    pub peak_resident_bytes: u64,
    /// Allocated bytes after the run and its barrier.
    pub final_allocated_bytes: u64,
    /// Time-average of the allocated bytes sampled.
    pub avg_allocated_bytes: f64,
    /// The samples, about one a millisecond.
    pub timeline: Vec<Sample>,
}

/// One point of the memory timeline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Milliseconds since the measured phase began.
    pub t_ms: f64,
    /// Allocator's allocated bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_bytes: Option<u64>,
    /// Allocator's resident bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_bytes: Option<u64>,
    /// Connectors allocated and not yet freed.
    pub live_connectors: u64,
    /// Connectors retired and not yet freed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_connectors: Option<u64>,
}

/// What happened to connectors.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConnectorStats {
    /// Connectors allocated during the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated: Option<u64>,
    /// Connectors freed during the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freed: Option<u64>,
    /// Connectors live when the run ended, after the barrier.
    pub live_at_end: u64,
    /// Highest live count sampled.
    pub peak_live: u64,
    /// Highest pending count sampled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_pending: Option<u64>,
    /// Time-average of the pending count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_pending: Option<f64>,
    /// Delay from retire to free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reclaim_delay_ns: Option<Percentiles>,
    /// How long each batch free took, for schemes that free in batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_free_ns: Option<Percentiles>,
}

/// Three points of a distribution, in nanoseconds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

/// What timing and recording one operation cost the harness.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HarnessCost {
    /// Two clock reads and one histogram record, per operation, in ns.
    pub per_op_ns: f64,
    /// Whether the memory sampler thread ran.
    pub sampler: bool,
}

/// The host kernel's own counts, for `scheme = "linux"`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KernelStats {
    /// Whether the connector slab cache is merged with others of its size, so
    /// its count includes objects that are not connectors.
    pub connector_cache_merged: bool,
    /// Slab object counts at the named moments (`before`, `watched`,
    /// `removed`, `settled`), keyed by cache name.
    pub slab: BTreeMap<String, BTreeMap<String, u64>>,
    /// The connector cache sampled about every millisecond, on the same
    /// time axis as [`MemoryStats::timeline`]: `live_connectors` is the
    /// slab count minus its count `before`, so it includes the other
    /// objects of a merged cache. Empty when the slab file cannot be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Sample>,
    /// Milliseconds from the last removal until the connector count
    /// settled (stopped falling), when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_ms: Option<f64>,
}

/// Why a result file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not a result of this schema.
    #[error("{path}: not a {SCHEMA} result: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl RunResult {
    /// The file name this result is stored under.
    pub fn file_name(&self) -> String {
        format!("{}--{}.json", self.scenario, self.scheme)
    }

    /// Reads and checks a result file.
    pub fn load(path: &Path) -> Result<RunResult, ResultError> {
        let text = fs::read_to_string(path).map_err(|source| ResultError::Io {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |reason: String| ResultError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => return Err(invalid(format!("schema is `{other}`"))),
            None => return Err(invalid("no `schema` field".into())),
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    /// Writes the result into `dir` under [`RunResult::file_name`], through a
    /// temporary file and a rename, so the directory never holds half a file.
    pub fn write_atomic(&self, dir: &Path) -> std::io::Result<PathBuf> {
        fs::create_dir_all(dir)?;
        let path = dir.join(self.file_name());
        let tmp = dir.join(format!(".{}.tmp", self.file_name()));
        {
            let mut file = fs::File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut file, self)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        Ok(path)
    }
}
