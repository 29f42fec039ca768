//! The charts of one scenario, in page order, each with its caption.
//!
//! The trade-off scatters come first, then latency, memory over time, and
//! the per-operation bars. The kernel (`linux`) is drawn wherever it has the
//! figure; an operation only the kernel measures (`watch_cycle`) says so in
//! its caption, so the models do not read as missing it.

use connbench_workloads::result::RunResult;

use crate::charts::{self, TimelineSeries};
use crate::decide::too_short;
use crate::{figures, schemes, tradeoffs, units};

/// A chart's kind (its `data-chart`), caption and SVG or why it is missing.
pub type Chart = (&'static str, String, Result<String, String>);

/// The charts of one scenario, in page order, and the kinds left out because
/// no result of the scenario has their figures (a kernel-only run has no
/// allocator figures): those are named once rather than drawn as empty axes.
pub struct Charts {
    /// The charts drawn (or that failed to draw), in page order.
    pub drawn: Vec<Chart>,
    /// What was left out for want of data, as a few words each.
    pub empty: Vec<&'static str>,
}

impl Charts {
    fn push(&mut self, has_data: bool, what: &'static str, chart: impl FnOnce() -> Chart) {
        if has_data {
            self.drawn.push(chart());
        } else {
            self.empty.push(what);
        }
    }
}

/// The charts of one scenario, in page order.
pub fn charts_of(results: &[&RunResult], ids: &[String]) -> Charts {
    let mut out = Charts {
        drawn: Vec::new(),
        empty: Vec::new(),
    };
    let models: Vec<&RunResult> = results
        .iter()
        .copied()
        .filter(|r| schemes::is_candidate(&r.scheme) && too_short(r).is_none())
        .collect();

    // The trade-off at a glance first.
    if let Some(op) = tradeoffs::hot_op(results) {
        let points = tradeoffs::latency_memory_points(results, &op);
        let front = tradeoffs::pareto(&tradeoffs::latency_memory_points(&models, &op));
        out.push(!points.is_empty(), "latency against peak memory", || (
            "tradeoff-memory",
            format!("Each scheme one point: `{op}` p99 against the allocator's peak. Lower-left is better."),
            charts::scatter(
                &format!("{op} p99 vs peak memory"),
                "peak allocated memory",
                &|v| units::bytes(v),
                &points,
                &front,
                ids,
            ),
        ));
        let points = tradeoffs::latency_alloc_points(results, &op);
        let front = tradeoffs::pareto(&tradeoffs::latency_alloc_points(&models, &op));
        out.push(!points.is_empty(), "latency against allocations", || {
            (
                "tradeoff-alloc",
                format!("`{op}` p99 against allocation calls per operation."),
                charts::scatter(
                    &format!("{op} p99 vs allocations"),
                    "allocations per operation",
                    &|v| units::sig3(v),
                    &points,
                    &front,
                    ids,
                ),
            )
        });
    }

    // Latency per operation, then the tail of each.
    let mut ops: Vec<String> = results.iter().flat_map(|r| r.ops.keys().cloned()).collect();
    ops.sort_by_key(|op| (figures::op_rank(op), op.clone()));
    ops.dedup();
    let kernel_only: Vec<&String> = ops
        .iter()
        .filter(|op| charts::kernel_only_op(results, op))
        .collect();
    let mut caption = "Latency per operation: p50 as the bar, p99 and p99.9 as ticks.".to_string();
    for op in &kernel_only {
        caption.push_str(&format!(
            " `{op}` is measured on `linux` only{}{NOT_A_MODEL_OP}",
            with_meaning(op)
        ));
    }
    out.drawn.push((
        "latency",
        caption,
        charts::latency_bars("latency per operation", results, &ops, ids),
    ));
    for op in &ops {
        let mut caption = format!("The tail of `{op}`: latency against percentile.");
        let meaning = kernel_op_meaning(op);
        if kernel_only.contains(&op) {
            caption.push_str(&format!(" Kernel only{}{NOT_A_MODEL_OP}", with_meaning(op)));
        } else if !meaning.is_empty() {
            caption.push_str(&format!(" `{op}` is {meaning}"));
        }
        out.drawn.push((
            "tail",
            caption,
            charts::tail_curve(&format!("{op} latency tail"), results, op, ids),
        ));
    }

    // Memory against time; the caption speaks of the lines that are there.
    let mut live_caption = String::new();
    if results.iter().any(|r| schemes::is_candidate(&r.scheme)) {
        live_caption.push_str(
            "Connectors allocated and not yet freed, pending ones included: `keep`'s retained \
             connectors pile up here.",
        );
    }
    let kernel_line = results
        .iter()
        .any(|r| r.scheme == schemes::LINUX && TimelineSeries::LiveConnectors.has_data(r));
    if kernel_line {
        live_caption.push_str(
            " The `linux` line is the kernel's `fsnotify_mark_connector` slab objects above \
             their count before the run, sampled on the same clock and on past the last \
             removal while the slab settles; a merged cache also counts other objects of \
             its size.",
        );
    }
    let live_caption = live_caption.trim_start().to_string();
    let series = [
        (
            TimelineSeries::AllocatedBytes,
            "memory-allocated",
            "allocated memory over time",
            "The allocator's allocated bytes over the measured phase.",
        ),
        (
            TimelineSeries::LiveConnectors,
            "memory-live",
            "live connectors over time",
            live_caption.as_str(),
        ),
        (
            TimelineSeries::PendingConnectors,
            "memory-pending",
            "pending connectors over time",
            "Connectors retired and waiting for their grace period: the deferred schemes' cost.",
        ),
    ];
    for (s, kind, title, caption) in series {
        let has_data = results.iter().any(|r| s.has_data(r));
        out.push(has_data, title, || {
            (
                kind,
                caption.to_string(),
                charts::timeline(title, results, s, ids),
            )
        });
    }

    // Allocations, bytes and throughput, one bar each.
    let values = |f: &dyn Fn(&RunResult) -> Option<f64>| -> Vec<(String, f64)> {
        results
            .iter()
            .filter_map(|r| Some((r.scheme.clone(), f(r)?)))
            .collect()
    };
    let allocs = values(&|r| r.alloc.as_ref().map(|a| a.allocs_per_op));
    out.push(!allocs.is_empty(), "allocations per operation", || {
        (
            "allocs-per-op",
            "Allocation calls per measured operation.".into(),
            charts::value_bars(
                "allocations per operation",
                "allocations / op",
                ids,
                &allocs,
                &|v| units::sig3(v),
            ),
        )
    });
    let bytes = values(&|r| r.alloc.as_ref().map(|a| a.bytes_per_op));
    out.push(!bytes.is_empty(), "bytes per operation", || {
        (
            "bytes-per-op",
            "Bytes allocated per measured operation.".into(),
            charts::value_bars(
                "bytes allocated per operation",
                "bytes / op",
                ids,
                &bytes,
                &|v| units::bytes(v),
            ),
        )
    });
    let throughput = values(&|r| Some(r.throughput_ops_per_s));
    out.drawn.push((
        "throughput",
        "All measured operations per second (higher is better).".into(),
        charts::value_bars("throughput", "operations / s", ids, &throughput, &|v| {
            format!("{}/s", units::si(v))
        }),
    ));
    out
}

/// What an operation only the kernel measures is, for captions; empty for
/// the operations the models share.
fn kernel_op_meaning(op: &str) -> &'static str {
    match op {
        "watch_cycle" => {
            "one whole temporary watch through the system calls (`inotify_add_watch`, the \
             events' writes and reads, `inotify_rm_watch`), which the models do not time as \
             one operation."
        }
        _ => "",
    }
}

/// `": <meaning>"` for an operation with one, else `"."`.
fn with_meaning(op: &str) -> String {
    match kernel_op_meaning(op) {
        "" => ".".to_string(),
        meaning => format!(": {meaning}"),
    }
}

/// What the caption adds for an operation no model here measured.
const NOT_A_MODEL_OP: &str = " No model result in this scenario measures it, so the \
    models' absence from its chart is not a gap in their results.";
