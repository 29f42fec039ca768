//! Every figure of a result file, flattened: one key, unit and direction each.
//!
//! The table, the CSV and the BMF export all read figures from here, so the
//! three never disagree on what a figure is called or which way is better. A
//! figure that is absent from the result (a kernel run has no allocator
//! counts) is simply not listed, never reported as zero.

use connbench_workloads::result::{Percentiles, RunResult, OPERATIONS};

use crate::units::Unit;

/// Which way a figure is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (latency, memory, allocations).
    Lower,
    /// Larger is better (throughput).
    Higher,
    /// Neither: a description of the run (counts, durations).
    Neither,
}

/// One number of one result.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Dotted path in the result file, e.g. `ops.handle_event.p99_ns`.
    pub key: String,
    /// Where the figure sorts in tables: group first, then key.
    pub order: u32,
    /// The unit.
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
    /// The value.
    pub value: f64,
}

/// Collects the figures of one result, in table order.
struct Collector {
    figures: Vec<Figure>,
}

impl Collector {
    fn push(&mut self, key: impl Into<String>, order: u32, unit: Unit, better: Better, value: f64) {
        self.figures.push(Figure {
            key: key.into(),
            order,
            unit,
            better,
            value,
        });
    }

    fn opt(&mut self, key: &str, order: u32, unit: Unit, better: Better, value: Option<f64>) {
        if let Some(v) = value {
            self.push(key, order, unit, better, v);
        }
    }

    fn percentiles(&mut self, prefix: &str, order: u32, p: &Option<Percentiles>) {
        if let Some(p) = p {
            self.push(
                format!("{prefix}.p50"),
                order,
                Unit::Ns,
                Better::Lower,
                p.p50 as f64,
            );
            self.push(
                format!("{prefix}.p99"),
                order + 1,
                Unit::Ns,
                Better::Lower,
                p.p99 as f64,
            );
            self.push(
                format!("{prefix}.max"),
                order + 2,
                Unit::Ns,
                Better::Lower,
                p.max as f64,
            );
        }
    }
}

/// Where an operation sorts: the known ones in [`OPERATIONS`] order, others after.
pub fn op_rank(op: &str) -> usize {
    OPERATIONS
        .iter()
        .position(|known| *known == op)
        .unwrap_or(OPERATIONS.len())
}

/// Every figure of `r`, sorted for a table.
pub fn figures(r: &RunResult) -> Vec<Figure> {
    use Better::{Higher, Lower, Neither};
    let mut c = Collector {
        figures: Vec::new(),
    };

    c.push("duration_s", 100, Unit::S, Neither, r.duration_s);
    c.push(
        "throughput_ops_per_s",
        110,
        Unit::OpsPerS,
        Higher,
        r.throughput_ops_per_s,
    );

    for (op, s) in &r.ops {
        let base = 1000 + 100 * op_rank(op) as u32;
        let key = |field: &str| format!("ops.{op}.{field}");
        c.push(key("count"), base, Unit::Count, Neither, s.count as f64);
        c.push(key("mean_ns"), base + 1, Unit::Ns, Lower, s.mean_ns);
        c.push(key("p50_ns"), base + 2, Unit::Ns, Lower, s.p50_ns as f64);
        c.push(key("p99_ns"), base + 3, Unit::Ns, Lower, s.p99_ns as f64);
        c.push(key("p999_ns"), base + 4, Unit::Ns, Lower, s.p999_ns as f64);
        c.push(key("max_ns"), base + 5, Unit::Ns, Lower, s.max_ns as f64);
    }

    if let Some(a) = &r.alloc {
        c.push(
            "alloc.allocs_per_op",
            2000,
            Unit::PerOp,
            Lower,
            a.allocs_per_op,
        );
        c.push(
            "alloc.bytes_per_op",
            2001,
            Unit::PerOp,
            Lower,
            a.bytes_per_op,
        );
        c.push("alloc.allocs", 2002, Unit::Count, Lower, a.allocs as f64);
        c.push("alloc.frees", 2003, Unit::Count, Neither, a.frees as f64);
        c.push(
            "alloc.bytes_allocated",
            2004,
            Unit::Bytes,
            Lower,
            a.bytes_allocated as f64,
        );
        c.push(
            "alloc.bytes_freed",
            2005,
            Unit::Bytes,
            Neither,
            a.bytes_freed as f64,
        );
    }

    if let Some(m) = &r.memory {
        let peak = m.peak_allocated_bytes as f64;
        c.push(
            "memory.peak_allocated_bytes",
            3000,
            Unit::Bytes,
            Lower,
            peak,
        );
        c.push(
            "memory.avg_allocated_bytes",
            3001,
            Unit::Bytes,
            Lower,
            m.avg_allocated_bytes,
        );
        let resident = m.peak_resident_bytes as f64;
        c.push(
            "memory.peak_resident_bytes",
            3002,
            Unit::Bytes,
            Lower,
            resident,
        );
        let fin = m.final_allocated_bytes as f64;
        c.push(
            "memory.final_allocated_bytes",
            3003,
            Unit::Bytes,
            Lower,
            fin,
        );
    }

    let k = &r.connectors;
    let f = |v: Option<u64>| v.map(|v| v as f64);
    c.opt(
        "connectors.allocated",
        4000,
        Unit::Count,
        Lower,
        f(k.allocated),
    );
    c.opt("connectors.freed", 4001, Unit::Count, Neither, f(k.freed));
    c.push(
        "connectors.live_at_end",
        4002,
        Unit::Count,
        Lower,
        k.live_at_end as f64,
    );
    c.push(
        "connectors.peak_live",
        4003,
        Unit::Count,
        Lower,
        k.peak_live as f64,
    );
    c.opt(
        "connectors.peak_pending",
        4004,
        Unit::Count,
        Lower,
        f(k.peak_pending),
    );
    c.opt(
        "connectors.avg_pending",
        4005,
        Unit::Count,
        Lower,
        k.avg_pending,
    );
    c.percentiles("connectors.reclaim_delay_ns", 4010, &k.reclaim_delay_ns);
    c.percentiles("connectors.batch_free_ns", 4020, &k.batch_free_ns);

    if let Some(h) = &r.harness {
        c.push("harness.per_op_ns", 5000, Unit::Ns, Neither, h.per_op_ns);
    }

    if let Some(kernel) = &r.kernel {
        for (cache, moments) in &kernel.slab {
            for (moment, objects) in moments {
                let key = format!("kernel.slab.{cache}.{moment}");
                c.push(
                    key,
                    6000 + moment_rank(moment),
                    Unit::Count,
                    Neither,
                    *objects as f64,
                );
            }
        }
    }

    c.figures
        .sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
    c.figures
}

/// The kernel's sampling moments in time order.
fn moment_rank(moment: &str) -> u32 {
    ["before", "watched", "removed", "settled"]
        .iter()
        .position(|m| *m == moment)
        .unwrap_or(9) as u32
}

/// A figure's value by key, if `r` has it.
pub fn value(r: &RunResult, key: &str) -> Option<f64> {
    figures(r)
        .into_iter()
        .find(|f| f.key == key)
        .map(|f| f.value)
}
