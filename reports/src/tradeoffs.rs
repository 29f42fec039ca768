//! Trade-offs read from the numbers, as sentences for the decision section.
//!
//! Each check looks for one pattern a reader would otherwise have to find in
//! the charts: pending connectors that grow through the whole run, connectors
//! kept after their last mark went, a latency winner that pays in memory, the
//! schemes no other beats on two axes at once, and what the kernel's numbers
//! mean beside the models'.

use connbench_workloads::result::RunResult;

use crate::decide::{Axis, Win, TIE_RATIO};
use crate::schemes::{self, LINUX};
use crate::units::{self, duration_ns};

/// A timeline needs this many samples before its shape is read.
const MIN_SAMPLES: usize = 8;

/// The operation the trade-off charts put on their latency axis: event
/// delivery where the scenario has it, else the most frequent operation.
pub fn hot_op(results: &[&RunResult]) -> Option<String> {
    let has = |op: &str| results.iter().any(|r| r.ops.contains_key(op));
    if has("handle_event") {
        return Some("handle_event".into());
    }
    let mut best: Option<(String, u64)> = None;
    for r in results {
        for (op, s) in &r.ops {
            if best.as_ref().is_none_or(|(_, c)| s.count > *c) {
                best = Some((op.clone(), s.count));
            }
        }
    }
    best.map(|(op, _)| op)
}

/// The ids of the points no other point beats on both coordinates (lower is
/// better on both); ties do not beat.
pub fn pareto(points: &[(String, f64, f64)]) -> Vec<String> {
    points
        .iter()
        .filter(|(_, x, y)| {
            !points
                .iter()
                .any(|(_, ox, oy)| ox <= x && oy <= y && (ox < x || oy < y))
        })
        .map(|(id, _, _)| id.clone())
        .collect()
}

/// `(id, peak allocated bytes, hot-op p99 ns)` for the results that have both.
pub fn latency_memory_points(results: &[&RunResult], op: &str) -> Vec<(String, f64, f64)> {
    results
        .iter()
        .filter_map(|r| {
            let mem = r.memory.as_ref()?.peak_allocated_bytes as f64;
            let p99 = r.ops.get(op)?.p99_ns as f64;
            Some((r.scheme.clone(), mem, p99))
        })
        .collect()
}

/// `(id, allocations per op, hot-op p99 ns)` for the results that have both.
pub fn latency_alloc_points(results: &[&RunResult], op: &str) -> Vec<(String, f64, f64)> {
    results
        .iter()
        .filter_map(|r| {
            let allocs = r.alloc.as_ref()?.allocs_per_op;
            let p99 = r.ops.get(op)?.p99_ns as f64;
            Some((r.scheme.clone(), allocs, p99))
        })
        .collect()
}

/// Pending connectors that rise through the run and are highest at its end.
fn pending_growth(r: &RunResult) -> Option<String> {
    let timeline = &r.memory.as_ref()?.timeline;
    let pending: Vec<(f64, f64)> = timeline
        .iter()
        .filter_map(|s| Some((s.t_ms, s.pending_connectors? as f64)))
        .collect();
    if pending.len() < MIN_SAMPLES {
        return None;
    }
    let quarter = pending.len() / 4;
    let mean = |xs: &[(f64, f64)]| xs.iter().map(|p| p.1).sum::<f64>() / xs.len() as f64;
    let first = mean(&pending[..quarter]);
    let last = mean(&pending[pending.len() - quarter..]);
    let (peak_t, peak) =
        pending
            .iter()
            .copied()
            .fold((0.0, f64::MIN), |a, p| if p.1 > a.1 { p } else { a });
    let end_t = pending.last().map_or(0.0, |p| p.0);
    let peak_late = peak_t >= 0.75 * end_t;
    if peak >= 16.0 && last > 2.0 * first.max(1.0) && peak_late {
        Some(format!(
            "`{}`: pending connectors grew through the whole run and did not level off \
             (first quarter {} on average, last quarter {}, peak {} at {} of {} ms): \
             nothing in this run bounded it but the run's end.",
            r.scheme,
            units::count(first.round()),
            units::count(last.round()),
            units::count(peak),
            units::sig3(peak_t),
            units::sig3(end_t),
        ))
    } else {
        None
    }
}

/// Connectors still live after the barrier where other schemes have none.
fn retention(r: &RunResult, judged: &[&RunResult]) -> Option<String> {
    let others = judged
        .iter()
        .filter(|o| o.scheme != r.scheme)
        .map(|o| o.connectors.live_at_end)
        .min()?;
    let live = r.connectors.live_at_end;
    if live >= 16 && live > 2 * others {
        let why = if r.scheme == "keep" {
            ": it frees a connector only when its object is evicted, so the memory \
             stays as long as the inode does"
        } else {
            ""
        };
        Some(format!(
            "`{}` ended with {} connectors still live after the barrier, where the \
             best other scheme ended with {}{why}.",
            r.scheme,
            units::count(live as f64),
            units::count(others as f64)
        ))
    } else {
        None
    }
}

/// The latency winner's price in memory, when the memory winner differs.
fn latency_versus_memory(wins: &[Win], judged: &[&RunResult], ops: &[String]) -> Option<String> {
    let lat = wins.iter().find(|w| w.axis == Axis::Latency)?;
    let mem = wins.iter().find(|w| w.axis == Axis::Memory)?;
    if lat.winner.0 == mem.winner.0 {
        return None;
    }
    let fast = judged.iter().find(|r| r.scheme == lat.winner.0)?;
    let lean = judged.iter().find(|r| r.scheme == mem.winner.0)?;
    let fast_mem = Axis::Memory.value(fast, ops)?;
    let lean_lat = Axis::Latency.value(lean, ops)?;
    let mem_ratio = Axis::Memory.ratio(fast_mem, mem.winner.1);
    let lat_ratio = Axis::Latency.ratio(lean_lat, lat.winner.1);
    if mem_ratio < TIE_RATIO && lat_ratio < TIE_RATIO {
        return None;
    }
    Some(format!(
        "`{}` has the lowest latency but peaks at {:.2}× the memory of `{}`; \
         `{}` has the lowest memory but {:.2}× the latency.",
        lat.winner.0, mem_ratio, mem.winner.0, mem.winner.0, lat_ratio
    ))
}

/// Why the kernel's numbers are not like for like with the models', said once
/// where the kernel appears.
pub const KERNEL_CAVEAT: &str = "`linux` is the host kernel measured through inotify, shown \
    for reference and never ranked: each of its operations is a system call with a path lookup \
    (inotify_add_watch resolves a path) and its events are file writes, where a model's \
    operation is a function call; its memory is kernel slab objects, not the allocator's bytes. \
    Read its absolute numbers as the cost of the real path, not as a like-for-like scheme.";

/// What the kernel's result shows beside the models'.
fn kernel_note(linux: &RunResult, judged: &[&RunResult], op: Option<&str>) -> Option<String> {
    let lead = "`linux` (the host kernel, a reference):";
    let mut text = String::from(lead);
    if let Some(op) = op {
        let best = judged
            .iter()
            .filter_map(|r| Some((r.scheme.as_str(), r.ops.get(op)?.p99_ns)))
            .min_by_key(|x| x.1);
        if let (Some(k), Some((scheme, p99))) = (linux.ops.get(op), best) {
            text.push_str(&format!(
                " its `{op}` p99 is {} against {} for the fastest model (`{scheme}`): a \
                 system call and a path lookup against a function call.",
                duration_ns(k.p99_ns as f64),
                duration_ns(p99 as f64),
            ));
        }
    }
    if let Some(moments) = linux
        .kernel
        .as_ref()
        .and_then(|k| k.slab.get("fsnotify_mark_connector"))
    {
        let at = |m: &str| moments.get(m).map(|v| units::count(*v as f64));
        if let (Some(before), Some(watched), Some(removed)) =
            (at("before"), at("watched"), at("removed"))
        {
            text.push_str(&format!(
                " Connector slab objects: {before} before the watches, {watched} with \
                 them in place, {removed} after their removal"
            ));
            if let Some(settled) = at("settled") {
                text.push_str(&format!(", {settled} once settled"));
            }
            text.push('.');
            if linux
                .kernel
                .as_ref()
                .is_some_and(|k| k.connector_cache_merged)
            {
                text.push_str(
                    " The connector cache is merged with other caches of its size, so \
                     these counts include objects that are not connectors.",
                );
            }
        }
    }
    (text.len() > lead.len()).then_some(text)
}

/// Every trade-off found in one scenario's results.
pub fn find(
    results: &[&RunResult],
    judged: &[&RunResult],
    wins: &[Win],
    latency_ops: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    for r in judged {
        out.extend(pending_growth(r));
    }
    for r in judged {
        out.extend(retention(r, judged));
    }
    out.extend(latency_versus_memory(wins, judged, latency_ops));

    let op = hot_op(results);
    if let Some(op) = &op {
        let points = latency_memory_points(judged, op);
        if points.len() > 1 {
            let mut front = pareto(&points);
            schemes::sort(&mut front);
            let names: Vec<String> = front.iter().map(|s| format!("`{s}`")).collect();
            out.push(format!(
                "On `{op}` p99 against peak memory, no scheme beats {} on both.",
                names.join(", ")
            ));
        }
    }

    if let Some(linux) = results.iter().find(|r| r.scheme == LINUX) {
        out.extend(kernel_note(linux, judged, op.as_deref()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_keeps_only_the_undominated() {
        let p = |id: &str, x: f64, y: f64| (id.to_string(), x, y);
        let points = [
            p("a", 1.0, 5.0),
            p("b", 2.0, 2.0),
            p("c", 3.0, 3.0),
            p("d", 5.0, 1.0),
        ];
        assert_eq!(pareto(&points), ["a", "b", "d"]);
    }
}
