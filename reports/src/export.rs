//! Exports for spreadsheets and dashboards: CSV and Bencher Metric Format.
//!
//! # CSV
//!
//! Header `scenario,scheme,figure,unit,better,value`, one row per scenario,
//! scheme and figure ([`crate::figures`]); `better` is `lower`, `higher` or
//! `neither`. Absent figures have no row.
//!
//! # BMF
//!
//! One benchmark `<scenario>/<scheme>` carrying every figure as a measure whose
//! slug is the figure's key in kebab case (`ops-handle-event-p99-ns`), plus
//! the built-in `throughput` measure; and one benchmark
//! `<scenario>/<scheme>/<op>` per operation carrying the built-in `latency`
//! measure: value p50, upper value p99, in nanoseconds.

use serde_json::{json, Map, Value};

use crate::figures::{figures, Better};
use crate::load::RunSet;

/// The run as CSV.
pub fn csv(set: &RunSet) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let rows = set.results.iter().flat_map(|r| {
        figures(r).into_iter().map(move |f| {
            let better = match f.better {
                Better::Lower => "lower",
                Better::Higher => "higher",
                Better::Neither => "neither",
            };
            [
                r.scenario.clone(),
                r.scheme.clone(),
                f.key,
                f.unit.name().to_string(),
                better.to_string(),
                f.value.to_string(),
            ]
        })
    });
    // Writing into a Vec cannot fail on I/O; a failure here would be a bug in
    // the csv crate, so the rows written so far are kept either way.
    let _ = w.write_record(["scenario", "scheme", "figure", "unit", "better", "value"]);
    for row in rows {
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A figure key as a Bencher measure slug.
fn slug(key: &str) -> String {
    key.replace(['.', '_'], "-")
}

/// The run as Bencher Metric Format JSON.
pub fn bmf(set: &RunSet) -> String {
    let mut benchmarks = Map::new();
    for r in &set.results {
        let mut measures = Map::new();
        measures.insert(
            "throughput".into(),
            json!({ "value": r.throughput_ops_per_s }),
        );
        for f in figures(r) {
            measures.insert(slug(&f.key), json!({ "value": f.value }));
        }
        benchmarks.insert(
            format!("{}/{}", r.scenario, r.scheme),
            Value::Object(measures),
        );

        for (op, s) in &r.ops {
            let latency = json!({
                "latency": { "value": s.p50_ns as f64, "upper_value": s.p99_ns as f64 }
            });
            benchmarks.insert(format!("{}/{}/{op}", r.scenario, r.scheme), latency);
        }
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(benchmarks)).unwrap_or_default();
    text.push('\n');
    text
}
