//! The summary table `connbench run` prints at the end.

use connbench_workloads::RunResult;

/// One block per scenario, one row per scheme, with the figures a reader
/// compares first.
pub fn render(results: &[RunResult]) -> String {
    let mut out = String::new();
    let header = format!(
        "{:<10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10}",
        "scheme",
        "Mops/s",
        "ev p50",
        "ev p99",
        "add p99",
        "rm p99",
        "allocs/op",
        "peak MiB",
        "peak live",
        "peak pend",
        "live end",
        "reclaim p99"
    );
    let mut scenario = None;
    for r in results {
        if scenario != Some(&r.scenario) {
            scenario = Some(&r.scenario);
            out.push_str(&format!("\n{}\n{header}\n", r.scenario));
        }
        let p = |op: &str, f: fn(&connbench_workloads::result::OpStats) -> u64| {
            r.ops.get(op).map_or("-".into(), |s| ns(f(s)))
        };
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<10} {:>9.3} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10}\n",
            r.scheme,
            r.throughput_ops_per_s / 1e6,
            p("handle_event", |s| s.p50_ns),
            p("handle_event", |s| s.p99_ns),
            p("add_mark", |s| s.p99_ns),
            p("remove_mark", |s| s.p99_ns),
            opt(r.alloc.as_ref().map(|a| format!("{:.2}", a.allocs_per_op))),
            opt(r
                .memory
                .as_ref()
                .map(|m| format!("{:.1}", mib(m.peak_allocated_bytes)))),
            r.connectors.peak_live,
            opt(r.connectors.peak_pending.map(|v| v.to_string())),
            r.connectors.live_at_end,
            opt(r.connectors.reclaim_delay_ns.as_ref().map(|d| ns(d.p99))),
        ));
    }
    out
}

/// The harness's own cost per timed operation beside the cheapest operation
/// it timed, as one line.
pub fn harness_line(results: &[RunResult]) -> Option<String> {
    let harness: Vec<_> = results.iter().filter_map(|r| r.harness.as_ref()).collect();
    let cost = harness.iter().map(|h| h.per_op_ns).sum::<f64>() / harness.len().max(1) as f64;
    let one_in = harness
        .iter()
        .find_map(|h| h.handle_event_timed_one_in)
        .unwrap_or(1);
    let (cheapest, at) = (results.iter())
        .flat_map(|r| {
            let at = move |op: &str| format!("{op} on {}/{}", r.scenario, r.scheme);
            r.ops.iter().map(move |(op, s)| (s.mean_ns, at(op)))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!(
        "harness: {cost:.1} ns per timed operation (two clock reads and a histogram record); \
         handle_event is timed 1 in {one_in}, so {:.1} ns per event; \
         the cheapest mean is {cheapest:.1} ns ({at})",
        cost / one_in as f64
    ))
}

fn ns(v: u64) -> String {
    match v {
        0..=9_999 => format!("{v}ns"),
        10_000..=9_999_999 => format!("{:.1}us", v as f64 / 1e3),
        _ => format!("{:.1}ms", v as f64 / 1e6),
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
