//! The decision: winners per axis, a weighted ranking, and what was not judged.
//!
//! # Axes
//!
//! - *latency*: the p99 of event delivery (`handle_event`) where the scenario
//!   delivers events: `fsnotify()` runs on every access to a watched object,
//!   so the read side is what a system pays for all the time, while marks
//!   come and go far more rarely (their p99s stand in the tables and charts).
//!   A scenario without events uses the geometric mean of the p99s of the
//!   operations every judged scheme measured;
//! - *memory*: the allocator's peak allocated bytes, which sees retained
//!   connectors (`keep`), pending ones (deferred schemes) and any bookkeeping
//!   a scheme allocates alike;
//! - *alloc*: allocation calls per operation.
//!
//! Lower is better on all three. Values are floored (1 ns, 4 KiB, 0.01
//! allocations per op) before ratios are taken, so a zero does not make every
//! other ratio infinite.
//!
//! # Ranking
//!
//! In each scenario a scheme's score is the weighted geometric mean of its
//! value over the best value, axis by axis: 1.00 means best on every axis,
//! 1.50 means 50 % worse on a weighted average. The overall score is the
//! geometric mean of a scheme's scenario scores. Only schemes ranked in every
//! scenario can be recommended; the others are ranked but flagged.
//!
//! # Not judged
//!
//! The host kernel (`linux`) is a reference, never a candidate. A result with
//! fewer than [`MIN_OPS`] operations or shorter than [`MIN_DURATION_S`] is too
//! short to trust; a scheme that ran in some scenario but not in this one is
//! missing. Both are named in the report.

use std::fmt;
use std::str::FromStr;

use connbench_workloads::result::RunResult;

use crate::load::RunSet;
use crate::tradeoffs;
use crate::units::{self, Unit};
use crate::{schemes, ReportError};

/// Fewer operations than this in a result make its tail percentiles noise.
pub const MIN_OPS: u64 = 1000;

/// A measured phase shorter than this is too short to trust.
pub const MIN_DURATION_S: f64 = 0.05;

/// Two values closer than this ratio are called a tie.
pub const TIE_RATIO: f64 = 1.05;

/// The three things a scheme is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// p99 latency.
    Latency,
    /// Peak allocated memory.
    Memory,
    /// Allocations per operation.
    Alloc,
}

impl Axis {
    /// All axes, in report order.
    pub const ALL: [Axis; 3] = [Axis::Latency, Axis::Memory, Axis::Alloc];

    /// The axis's name, as in `--weights`.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Latency => "latency",
            Axis::Memory => "memory",
            Axis::Alloc => "alloc",
        }
    }

    /// The unit of the axis's value.
    pub fn unit(self) -> Unit {
        match self {
            Axis::Latency => Unit::Ns,
            Axis::Memory => Unit::Bytes,
            Axis::Alloc => Unit::PerOp,
        }
    }

    fn floor(self) -> f64 {
        match self {
            Axis::Latency => 1.0,
            Axis::Memory => 4096.0,
            Axis::Alloc => 0.01,
        }
    }

    /// The axis's value for `r`; `ops` are the operations the latency uses.
    pub fn value(self, r: &RunResult, ops: &[String]) -> Option<f64> {
        match self {
            Axis::Latency => {
                if ops.iter().any(|op| op == "handle_event") {
                    return r.ops.get("handle_event").map(|h| h.p99_ns as f64);
                }
                if ops.is_empty() {
                    return None;
                }
                let mut log_sum = 0.0;
                for op in ops {
                    let p99 = r.ops.get(op)?.p99_ns as f64;
                    log_sum += p99.max(1.0).ln();
                }
                Some((log_sum / ops.len() as f64).exp())
            }
            Axis::Memory => r.memory.as_ref().map(|m| m.peak_allocated_bytes as f64),
            Axis::Alloc => r.alloc.as_ref().map(|a| a.allocs_per_op),
        }
    }

    /// `a / b` after flooring both.
    pub fn ratio(self, a: f64, b: f64) -> f64 {
        a.max(self.floor()) / b.max(self.floor())
    }
}

/// How much each axis counts in the ranking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Weight of latency.
    pub latency: f64,
    /// Weight of memory.
    pub memory: f64,
    /// Weight of allocations.
    pub alloc: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            latency: 1.0,
            memory: 1.0,
            alloc: 1.0,
        }
    }
}

impl Weights {
    /// The weight of one axis.
    pub fn of(&self, axis: Axis) -> f64 {
        match axis {
            Axis::Latency => self.latency,
            Axis::Memory => self.memory,
            Axis::Alloc => self.alloc,
        }
    }
}

impl fmt::Display for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={},memory={},alloc={}",
            self.latency, self.memory, self.alloc
        )
    }
}

impl FromStr for Weights {
    type Err = ReportError;

    /// Parses `latency=1,memory=2`: axes not named keep weight 1.
    fn from_str(text: &str) -> Result<Self, ReportError> {
        let bad = |reason: String| ReportError::Weights {
            text: text.to_string(),
            reason,
        };
        let mut w = Weights::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("`{part}` is not NAME=WEIGHT")))?;
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{}` is not a number", value.trim())))?;
            if !value.is_finite() || value < 0.0 {
                return Err(bad(format!("`{part}`: a weight is a number >= 0")));
            }
            match name.trim() {
                "latency" => w.latency = value,
                "memory" => w.memory = value,
                "alloc" => w.alloc = value,
                other => {
                    return Err(bad(format!(
                        "unknown axis `{other}`, expected latency, memory or alloc"
                    )))
                }
            }
        }
        if Axis::ALL.iter().all(|a| w.of(*a) == 0.0) {
            return Err(bad("at least one weight must be above zero".into()));
        }
        Ok(w)
    }
}

/// The best scheme on one axis in one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Win {
    /// The axis.
    pub axis: Axis,
    /// The winner and its value.
    pub winner: (String, f64),
    /// The runner-up and its value, if there was one.
    pub runner_up: Option<(String, f64)>,
}

impl Win {
    /// How many times better the winner is than the runner-up.
    pub fn ratio(&self) -> Option<f64> {
        let (_, second) = self.runner_up.as_ref()?;
        Some(self.axis.ratio(*second, self.winner.1))
    }
}

/// The decision for one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioDecision {
    /// The scenario.
    pub scenario: String,
    /// The operations the latency axis uses.
    pub latency_ops: Vec<String>,
    /// Winners per axis (absent where nobody had the figure).
    pub wins: Vec<Win>,
    /// Schemes with all weighted axes, best first, with their score.
    pub ranking: Vec<(String, f64)>,
    /// Trade-offs found in the numbers, one sentence each.
    pub tradeoffs: Vec<String>,
    /// Results not judged and why, one sentence each.
    pub unjudged: Vec<String>,
}

/// One scheme's place over all scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct Overall {
    /// The scheme.
    pub scheme: String,
    /// Geometric mean of its scenario scores.
    pub score: f64,
    /// Scenarios it was ranked in.
    pub ranked_in: usize,
    /// Scenarios it came first in.
    pub first_in: usize,
}

/// The decision over a whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The weights used.
    pub weights: Weights,
    /// Per scenario.
    pub scenarios: Vec<ScenarioDecision>,
    /// Over all scenarios, best first; schemes ranked everywhere come first.
    pub overall: Vec<Overall>,
}

impl Decision {
    /// The recommended scheme: first overall among those ranked everywhere.
    pub fn recommended(&self) -> Option<&Overall> {
        self.overall
            .first()
            .filter(|o| o.ranked_in == self.scenarios.len())
    }
}

/// Why a result cannot be judged, if it cannot.
pub fn too_short(r: &RunResult) -> Option<String> {
    let ops: u64 = r.ops.values().map(|s| s.count).sum();
    if ops < MIN_OPS {
        Some(format!(
            "{} operations measured, fewer than {MIN_OPS}: its tail percentiles are noise",
            ops
        ))
    } else if r.duration_s < MIN_DURATION_S {
        Some(format!(
            "ran {} s, shorter than {MIN_DURATION_S} s",
            units::sig3(r.duration_s)
        ))
    } else {
        None
    }
}

/// The operations every result in `judged` measured, in report order.
pub fn common_ops(judged: &[&RunResult]) -> Vec<String> {
    let Some(first) = judged.first() else {
        return Vec::new();
    };
    let mut ops: Vec<String> = first
        .ops
        .iter()
        .filter(|(_, s)| s.count > 0)
        .map(|(op, _)| op.clone())
        .filter(|op| {
            judged
                .iter()
                .all(|r| r.ops.get(op).is_some_and(|s| s.count > 0))
        })
        .collect();
    ops.sort_by_key(|op| crate::figures::op_rank(op));
    ops
}

/// Judges one scenario.
fn decide_scenario(set: &RunSet, name: &str, weights: &Weights) -> ScenarioDecision {
    let results = set.scenario(name);
    let mut unjudged = Vec::new();

    // Who is judged: candidates with a run long enough to trust.
    let mut judged: Vec<&RunResult> = Vec::new();
    for r in &results {
        if !schemes::is_candidate(&r.scheme) {
            continue;
        }
        match too_short(r) {
            Some(why) => unjudged.push(format!("`{}` not judged: {why}.", r.scheme)),
            None => judged.push(r),
        }
    }
    for scheme in set.schemes() {
        let here = results.iter().any(|r| r.scheme == scheme);
        if !here && schemes::is_candidate(&scheme) {
            unjudged.push(format!(
                "`{scheme}` has no result for this scenario, though it ran in others."
            ));
        }
    }

    // Winners per axis.
    let latency_ops = common_ops(&judged);
    let mut wins = Vec::new();
    for axis in Axis::ALL {
        let mut values: Vec<(String, f64)> = judged
            .iter()
            .filter_map(|r| Some((r.scheme.clone(), axis.value(r, &latency_ops)?)))
            .collect();
        values.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut it = values.into_iter();
        if let Some(winner) = it.next() {
            wins.push(Win {
                axis,
                winner,
                runner_up: it.next(),
            });
        }
    }

    // Weighted ranking over the axes that count.
    let counted: Vec<&Win> = wins.iter().filter(|w| weights.of(w.axis) > 0.0).collect();
    let total_weight: f64 = counted.iter().map(|w| weights.of(w.axis)).sum();
    let mut ranking = Vec::new();
    for r in &judged {
        let mut log_sum = 0.0;
        let mut missing = Vec::new();
        for w in &counted {
            match w.axis.value(r, &latency_ops) {
                Some(v) => log_sum += weights.of(w.axis) * w.axis.ratio(v, w.winner.1).ln(),
                None => missing.push(w.axis.name()),
            }
        }
        if counted.is_empty() {
            continue;
        }
        if missing.is_empty() {
            ranking.push((r.scheme.clone(), (log_sum / total_weight).exp()));
        } else {
            unjudged.push(format!(
                "`{}` not ranked: no {} figures.",
                r.scheme,
                missing.join(" or ")
            ));
        }
    }
    ranking.sort_by(|a, b| a.1.total_cmp(&b.1));

    let tradeoffs = tradeoffs::find(&results, &judged, &wins, &latency_ops);
    ScenarioDecision {
        scenario: name.to_string(),
        latency_ops,
        wins,
        ranking,
        tradeoffs,
        unjudged,
    }
}

/// Judges every scenario of the run and ranks the schemes overall.
pub fn decide(set: &RunSet, weights: &Weights) -> Decision {
    let scenarios: Vec<ScenarioDecision> = set
        .scenarios()
        .into_iter()
        .map(|name| decide_scenario(set, name, weights))
        .collect();

    let mut overall: Vec<Overall> = Vec::new();
    for scheme in set.schemes() {
        let scores: Vec<f64> = scenarios
            .iter()
            .filter_map(|d| d.ranking.iter().find(|(s, _)| *s == scheme).map(|x| x.1))
            .collect();
        if scores.is_empty() {
            continue;
        }
        let first_in = scenarios
            .iter()
            .filter(|d| d.ranking.first().is_some_and(|(s, _)| *s == scheme))
            .count();
        let log_mean = scores.iter().map(|s| s.ln()).sum::<f64>() / scores.len() as f64;
        overall.push(Overall {
            scheme,
            score: log_mean.exp(),
            ranked_in: scores.len(),
            first_in,
        });
    }
    overall.sort_by(|a, b| {
        b.ranked_in
            .cmp(&a.ranked_in)
            .then_with(|| a.score.total_cmp(&b.score))
    });

    Decision {
        weights: *weights,
        scenarios,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_name_default_and_refuse_nonsense() {
        let w: Weights = "latency=2, alloc=0".parse().unwrap();
        assert_eq!(
            w,
            Weights {
                latency: 2.0,
                memory: 1.0,
                alloc: 0.0
            }
        );
        assert_eq!(w.to_string(), "latency=2,memory=1,alloc=0");
        for bad in [
            "speed=1",
            "latency",
            "latency=x",
            "latency=-1",
            "latency=0,memory=0,alloc=0",
        ] {
            assert!(bad.parse::<Weights>().is_err(), "{bad} was accepted");
        }
    }

    fn with_p99s(p99s: &[(&str, u64)]) -> RunResult {
        let ops: serde_json::Map<_, _> = p99s
            .iter()
            .map(|&(op, p99)| {
                let stats = serde_json::json!({"count": 1000, "mean_ns": 1.0, "p50_ns": 1,
                    "p99_ns": p99, "p999_ns": p99, "max_ns": p99});
                (op.to_owned(), stats)
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "schema": connbench_workloads::result::SCHEMA, "scenario": "s", "scheme": "x",
            "params": {}, "machine": {"cpus": 2, "kernel": "k", "rustc": "r"},
            "duration_s": 1.0, "ops": ops, "throughput_ops_per_s": 1.0,
            "connectors": {"live_at_end": 0, "peak_live": 0}
        }))
        .unwrap()
    }

    #[test]
    fn latency_is_event_delivery_where_events_are_delivered() {
        let all: Vec<String> = ["add_mark", "handle_event", "remove_mark"]
            .map(String::from)
            .into();
        let r = with_p99s(&[
            ("add_mark", 800),
            ("handle_event", 30),
            ("remove_mark", 2000),
        ]);
        assert_eq!(Axis::Latency.value(&r, &all), Some(30.0));

        // Without events, the geometric mean of what was measured.
        let writes: Vec<String> = ["add_mark", "remove_mark"].map(String::from).into();
        let r = with_p99s(&[("add_mark", 100), ("remove_mark", 400)]);
        let mean = Axis::Latency.value(&r, &writes).unwrap();
        assert!((mean - 200.0).abs() < 1e-6, "{mean}");
    }

    #[test]
    fn ratio_floors_zero_values() {
        assert_eq!(Axis::Alloc.ratio(0.02, 0.0), 2.0);
        assert_eq!(Axis::Latency.ratio(200.0, 100.0), 2.0);
    }
}
