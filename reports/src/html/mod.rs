//! The HTML page: one self-contained file, pictures before tables.
//!
//! # Order on the page
//!
//! 1. the machine, the run and the weights;
//! 2. the verdict in a few sentences, and the scheme colours;
//! 3. per scenario: its parameters and its charts;
//! 4. the decision: winners per axis, the ranking, trade-offs, what was not
//!    judged, and how the scores are made;
//! 5. every figure of every result, per scenario;
//! 6. the files left out.
//!
//! Charts carry `data-chart` and sections `id`s, so tests (and readers with
//! links) can find them.

mod tables;

use std::fmt::Write;

use connbench_workloads::result::RunResult;

use crate::charts::{self, TimelineSeries};
use crate::decide::{too_short, Decision, ScenarioDecision, TIE_RATIO};
use crate::load::RunSet;
use crate::tradeoffs;
use crate::units;
use crate::{figures, schemes};

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with `code` spans (backticks) turned into `<code>`, escaped.
pub fn prose(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// An anchor id for a scenario.
pub fn anchor(scenario: &str) -> String {
    let clean: String = scenario
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("scenario-{clean}")
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1520px;
padding:0 24px 48px;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7em;margin:24px 0 4px}h2{margin-top:40px;border-bottom:2px solid #ddd;padding-bottom:4px}
code{font-family:ui-monospace,monospace;background:#f3f3f3;padding:0 3px;border-radius:3px}
.meta{color:#555;margin:2px 0}
.verdict{background:#f5f9ff;border-left:5px solid #4e79a7;padding:12px 20px;margin:16px 0}
.verdict p{margin:6px 0}.verdict .lead{font-size:1.15em}
.key{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0}
.key span{white-space:nowrap}.sw{display:inline-block;width:12px;height:12px;margin-right:5px;
vertical-align:-1px;border-radius:2px}
nav a{margin-right:14px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:14px}
figure.chart{margin:0;border:1px solid #e3e3e3;border-radius:6px;padding:6px;background:#fff}
figure.chart svg{width:100%;height:auto;display:block}
figure.chart figcaption{font-size:.85em;color:#555;padding:2px 6px}
.params{font-size:.9em;color:#444}.params code{margin-right:4px}
table{border-collapse:collapse;margin:10px 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f4f4f4;position:sticky;top:0}
td.best{background:#e3f4df;font-weight:600}
td.na{color:#aaa}
#ranking td:nth-child(2){text-align:left}
.warn{background:#fff6e5;border-left:5px solid #f28e2b;padding:8px 16px}
ul.say li{margin:4px 0}
";

/// The whole page.
pub fn page(set: &RunSet, decision: &Decision, warnings: &mut Vec<String>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>connbench report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&set.dir.display().to_string())
    );
    header(&mut out, set, decision);
    verdict(&mut out, set, decision);
    for scenario in set.scenarios() {
        let judged = decision.scenarios.iter().find(|d| d.scenario == scenario);
        scenario_section(&mut out, set, scenario, judged, warnings);
    }
    let has_kernel = set.results.iter().any(|r| r.scheme == schemes::LINUX);
    tables::decision(&mut out, decision, has_kernel);
    tables::every_figure(&mut out, set);
    skipped(&mut out, set);
    out.push_str("</body>\n</html>\n");
    out
}

fn header(out: &mut String, set: &RunSet, decision: &Decision) {
    let _ = write!(
        out,
        "<header>\n<h1>connbench: which reclamation scheme should free the connector?</h1>\n\
         <p class=\"meta\">Run <code>{}</code>: {} results, {} scenarios, {} schemes.</p>\n",
        esc(&set.dir.display().to_string()),
        set.results.len(),
        set.scenarios().len(),
        set.schemes().len()
    );

    let mut machines: Vec<String> = set
        .results
        .iter()
        .map(|r| {
            format!(
                "{} CPUs, kernel {}, {}",
                r.machine.cpus, r.machine.kernel, r.machine.rustc
            )
        })
        .collect();
    machines.sort();
    machines.dedup();
    let _ = writeln!(
        out,
        "<p class=\"meta\">Machine: {}.</p>",
        esc(&machines.join("; "))
    );
    if machines.len() > 1 {
        let _ = writeln!(
            out,
            "<p class=\"warn\">These results come from {} different machines or builds: \
             comparisons across them are not like for like.</p>",
            machines.len()
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">Ranking weights: <code>{}</code> (change with \
         <code>connbench report --weights latency=1,memory=1,alloc=1</code>).</p>\n</header>",
        decision.weights
    );
}

fn verdict(out: &mut String, set: &RunSet, decision: &Decision) {
    out.push_str("<section class=\"verdict\" id=\"verdict\">\n");
    let n = decision.scenarios.len();
    match decision.recommended() {
        Some(best) => {
            let _ = write!(
                out,
                "<p class=\"lead\">Under weights <code>{}</code>, <b>{}</b> ranks first over \
                 the {n} scenario(s), first in {} of them, with a score of {:.2} (1.00 would \
                 be best on every axis in every scenario).",
                decision.weights,
                esc(&best.scheme),
                best.first_in,
                best.score
            );
            if let Some(next) = decision.overall.get(1) {
                let _ = write!(
                    out,
                    " Next: <b>{}</b> at {:.2}.",
                    esc(&next.scheme),
                    next.score
                );
            }
            out.push_str("</p>\n");
        }
        None => out.push_str(
            "<p class=\"lead\">No scheme was ranked in every scenario, so none is \
             recommended overall; see the per-scenario winners below.</p>\n",
        ),
    }

    out.push_str("<ul class=\"say\">\n");
    for d in &decision.scenarios {
        let wins: Vec<String> = d
            .wins
            .iter()
            .map(|w| {
                let ratio = match (w.ratio(), &w.runner_up) {
                    (Some(r), Some((second, _))) if r < TIE_RATIO => {
                        format!(" (a tie with {}: {r:.2}×)", esc(second))
                    }
                    (Some(r), Some((second, _))) => {
                        format!(" ({r:.2}× ahead of {})", esc(second))
                    }
                    _ => " (alone)".to_string(),
                };
                format!("{}: <b>{}</b>{}", w.axis.name(), esc(&w.winner.0), ratio)
            })
            .collect();
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a>: {}.</li>",
            anchor(&d.scenario),
            esc(&d.scenario),
            if wins.is_empty() {
                "nothing could be judged".to_string()
            } else {
                wins.join("; ")
            }
        );
    }
    out.push_str("</ul>\n");
    if let Some(best) = decision.recommended() {
        costs(out, decision, &best.scheme);
    }

    let unjudged: usize = decision.scenarios.iter().map(|d| d.unjudged.len()).sum();
    let mut notes = Vec::new();
    if unjudged > 0 {
        notes.push(format!(
            "{unjudged} result(s) could not be judged: see <a href=\"#not-judged\">Not judged</a>."
        ));
    }
    if !set.skipped.is_empty() {
        notes.push(format!(
            "{} file(s) were left out as unreadable: see <a href=\"#skipped\">Left out</a>.",
            set.skipped.len()
        ));
    }
    if set.results.iter().any(|r| r.scheme == schemes::LINUX) {
        notes.push(
            "<code>linux</code> is the host kernel, drawn beside the models for reference and \
             never ranked: its operations are system calls with a path lookup each, so its \
             absolute numbers are not like for like."
                .to_string(),
        );
    }
    for note in notes {
        let _ = writeln!(out, "<p>{note}</p>");
    }

    out.push_str("<div class=\"key\">");
    for id in set.schemes() {
        let _ = write!(
            out,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>",
            schemes::css_colour(&id),
            esc(&id)
        );
    }
    out.push_str("</div>\n<nav>");
    for s in set.scenarios() {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", anchor(s), esc(s));
    }
    out.push_str("<a href=\"#decision\">decision</a><a href=\"#figures\">every figure</a>");
    out.push_str("</nav>\n</section>\n");
}

/// What the recommended scheme costs, in the numbers' own words: the first
/// trade-off about it in each scenario.
fn costs(out: &mut String, decision: &Decision, scheme: &str) {
    let subject = format!("`{scheme}`");
    let costs: Vec<String> = decision
        .scenarios
        .iter()
        .filter_map(|d| {
            let t = d.tradeoffs.iter().find(|t| t.starts_with(&subject))?;
            Some(format!("<li>{}: {}</li>", esc(&d.scenario), prose(t)))
        })
        .collect();
    if !costs.is_empty() {
        let _ = writeln!(
            out,
            "<p>What choosing <b>{}</b> costs, as measured:</p>\n<ul class=\"say\">\n{}\n</ul>",
            esc(scheme),
            costs.join("\n")
        );
    }
}

/// `params` flattened to `a.b = value` pairs.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn scenario_section(
    out: &mut String,
    set: &RunSet,
    scenario: &str,
    judged: Option<&ScenarioDecision>,
    warnings: &mut Vec<String>,
) {
    let results = set.scenario(scenario);
    let ids: Vec<String> = results.iter().map(|r| r.scheme.clone()).collect();
    let _ = writeln!(
        out,
        "<section class=\"scenario\" id=\"{}\" data-scenario=\"{}\">\n<h2>Scenario <code>{}</code></h2>",
        anchor(scenario),
        esc(scenario),
        esc(scenario)
    );

    // Parameters, as run (the first model's; differences are flagged).
    if let Some(first) = results.iter().find(|r| schemes::is_candidate(&r.scheme)) {
        let mut pairs = Vec::new();
        flatten("", &first.params, &mut pairs);
        let items: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v)))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"params\">Parameters: {}</p>",
            items.join(" ")
        );
        let differ: Vec<&str> = results
            .iter()
            .filter(|r| schemes::is_candidate(&r.scheme) && r.params != first.params)
            .map(|r| r.scheme.as_str())
            .collect();
        if !differ.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"warn\">Parameters differ for {}: their results are not comparable \
                 with the others'.</p>",
                esc(&differ.join(", "))
            );
        }
    }

    notes(out, &results);

    // Charts draw every result; say here which ones the decision leaves out.
    if let Some(d) = judged.filter(|d| !d.unjudged.is_empty()) {
        let items: Vec<String> = d.unjudged.iter().map(|u| prose(u)).collect();
        let _ = writeln!(
            out,
            "<p class=\"warn\">Not judged in this scenario (charts still draw what exists): {}</p>",
            items.join(" ")
        );
    }

    out.push_str("<div class=\"charts\">\n");
    for (kind, caption, svg) in charts_of(&results, &ids) {
        match svg {
            Ok(svg) => {
                let _ = writeln!(
                    out,
                    "<figure class=\"chart\" data-chart=\"{kind}\">{svg}<figcaption>{}</figcaption></figure>",
                    prose(&caption)
                );
            }
            Err(e) => {
                warnings.push(format!("{scenario}: chart `{kind}` not drawn: {e}"));
                let _ = writeln!(
                    out,
                    "<figure class=\"chart\" data-chart=\"{kind}\"><p class=\"warn\">Chart not \
                     drawn: {}</p></figure>",
                    esc(&e)
                );
            }
        }
    }
    out.push_str("</div>\n</section>\n");
}

/// The result files' own notes, each once, with the schemes that carry it.
fn notes(out: &mut String, results: &[&RunResult]) {
    let mut notes: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in results {
        for note in &r.notes {
            match notes.iter_mut().find(|(n, _)| n == note) {
                Some((_, who)) => who.push(&r.scheme),
                None => notes.push((note, vec![&r.scheme])),
            }
        }
    }
    if notes.is_empty() {
        return;
    }
    out.push_str("<p class=\"params\">Notes in the result files:</p>\n<ul class=\"params\">\n");
    for (note, who) in notes {
        let who = if who.len() == results.len() {
            "all".to_string()
        } else {
            who.join(", ")
        };
        let _ = writeln!(out, "<li>{} ({})</li>", esc(note), esc(&who));
    }
    out.push_str("</ul>\n");
}

type Chart = (&'static str, String, Result<String, String>);

/// The charts of one scenario, in page order.
fn charts_of(results: &[&RunResult], ids: &[String]) -> Vec<Chart> {
    let mut out: Vec<Chart> = Vec::new();
    let models: Vec<&RunResult> = results
        .iter()
        .copied()
        .filter(|r| schemes::is_candidate(&r.scheme) && too_short(r).is_none())
        .collect();

    // The trade-off at a glance first.
    if let Some(op) = tradeoffs::hot_op(results) {
        let points = tradeoffs::latency_memory_points(results, &op);
        let front = tradeoffs::pareto(&tradeoffs::latency_memory_points(&models, &op));
        out.push((
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
        out.push((
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
        ));
    }

    // Latency per operation, then the tail of each.
    let mut ops: Vec<String> = results.iter().flat_map(|r| r.ops.keys().cloned()).collect();
    ops.sort_by_key(|op| (figures::op_rank(op), op.clone()));
    ops.dedup();
    out.push((
        "latency",
        "Latency per operation: p50 as the bar, p99 and p99.9 as ticks.".into(),
        charts::latency_bars("latency per operation", results, &ops, ids),
    ));
    for op in &ops {
        out.push((
            "tail",
            format!("The tail of `{op}`: latency against percentile."),
            charts::tail_curve(&format!("{op} latency tail"), results, op, ids),
        ));
    }

    // Memory against time.
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
            "Connectors allocated and not yet freed, pending ones included: `keep`'s retained \
          connectors pile up here.",
        ),
        (
            TimelineSeries::PendingConnectors,
            "memory-pending",
            "pending connectors over time",
            "Connectors retired and waiting for their grace period: the deferred schemes' cost.",
        ),
    ];
    for (s, kind, title, caption) in series {
        out.push((
            kind,
            caption.to_string(),
            charts::timeline(title, results, s, ids),
        ));
    }

    // Allocations, bytes and throughput, one bar each.
    let values = |f: &dyn Fn(&RunResult) -> Option<f64>| -> Vec<(String, f64)> {
        results
            .iter()
            .filter_map(|r| Some((r.scheme.clone(), f(r)?)))
            .collect()
    };
    let allocs = values(&|r| r.alloc.as_ref().map(|a| a.allocs_per_op));
    out.push((
        "allocs-per-op",
        "Allocation calls per measured operation.".into(),
        charts::value_bars(
            "allocations per operation",
            "allocations / op",
            ids,
            &allocs,
            &|v| units::sig3(v),
        ),
    ));
    let bytes = values(&|r| r.alloc.as_ref().map(|a| a.bytes_per_op));
    out.push((
        "bytes-per-op",
        "Bytes allocated per measured operation.".into(),
        charts::value_bars(
            "bytes allocated per operation",
            "bytes / op",
            ids,
            &bytes,
            &|v| units::bytes(v),
        ),
    ));
    let throughput = values(&|r| Some(r.throughput_ops_per_s));
    out.push((
        "throughput",
        "All measured operations per second (higher is better).".into(),
        charts::value_bars("throughput", "operations / s", ids, &throughput, &|v| {
            format!("{}/s", units::si(v))
        }),
    ));
    out
}

fn skipped(out: &mut String, set: &RunSet) {
    out.push_str("<section id=\"skipped\">\n<h2>Left out</h2>\n");
    if set.skipped.is_empty() {
        out.push_str("<p>Every result file in the directory was read.</p>\n");
    } else {
        out.push_str("<p class=\"warn\">These files were not read into the report:</p>\n<ul>\n");
        for s in &set.skipped {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&s.path.display().to_string()),
                prose(&s.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}
