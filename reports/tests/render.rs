//! The report as a reader meets it, rendered from the committed samples
//! (`tests/data/sample-run/`) plus the broken files in `tests/data/broken/`.

use std::fs;
use std::path::{Path, PathBuf};

use connbench_reports::{load_dir, newest_run, render, Format, ReportError, Weights};

fn data(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(sub)
}

/// A temporary run directory holding copies of the files in `subs`.
fn run_dir(subs: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in subs {
        for entry in fs::read_dir(data(sub)).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The schemes of each sample scenario, in report order.
const SAMPLE: [(&str, &[&str]); 3] = [
    ("temp-watch", &["keep", "srcu", "hazard", "epoch", "linux"]),
    (
        "indexer-scan",
        &["keep", "srcu", "hazard", "epoch", "linux"],
    ),
    ("stalled-reader", &["keep", "srcu", "epoch"]),
];

/// Every chart kind each scenario must draw.
const CHARTS: [&str; 10] = [
    "tradeoff-memory",
    "tradeoff-alloc",
    "latency",
    "tail",
    "memory-allocated",
    "memory-live",
    "memory-pending",
    "allocs-per-op",
    "bytes-per-op",
    "throughput",
];

/// The text between `start` (inclusive) and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found"));
    let rest = &text[i..];
    let j = rest.find(end).unwrap_or(rest.len());
    &rest[..j]
}

/// The texts an SVG shows, trimmed, in document order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

fn html_of(dir: &Path, weights: &str) -> (String, Vec<String>) {
    let set = load_dir(dir).unwrap();
    let out = render(&set, Format::Html, &weights.parse().unwrap());
    (out.text, out.warnings)
}

#[test]
fn every_scenario_draws_every_chart_with_every_scheme_in_fixed_order() {
    let dir = run_dir(&["sample-run"]);
    let (html, warnings) = html_of(dir.path(), "latency=1,memory=1,alloc=1");
    assert!(warnings.is_empty(), "{warnings:?}");

    let mut sections = 0;
    for (scenario, schemes) in SAMPLE {
        let section = between(
            &html,
            &format!("data-scenario=\"{scenario}\""),
            "</section>",
        );
        sections += 1;
        let charts: Vec<&str> = section.split("<figure class=\"chart\"").skip(1).collect();
        for kind in CHARTS {
            assert!(
                charts
                    .iter()
                    .any(|c| c.starts_with(&format!(" data-chart=\"{kind}\""))),
                "{scenario}: no `{kind}` chart"
            );
        }
        for chart in &charts {
            assert!(
                chart.contains("<svg"),
                "{scenario}: a chart without SVG: {chart:.200}"
            );
            // Each scheme is in the legend, in report order.
            let texts = svg_texts(chart);
            let mut last = 0;
            for id in schemes {
                let at = texts
                    .iter()
                    .position(|t| *t == *id || *t == format!("{id} (no data)"))
                    .unwrap_or_else(|| panic!("{scenario}: `{id}` missing from {chart:.120}"));
                assert!(
                    at >= last,
                    "{scenario}: `{id}` out of order in {chart:.120}"
                );
                last = at;
            }
        }
    }
    assert_eq!(sections, 3);

    // A result the decision leaves out is flagged where its charts are.
    let index = between(
        &html,
        "data-scenario=\"indexer-scan\"",
        "<div class=\"charts\">",
    );
    assert!(index.contains("Not judged in this scenario"));
    assert!(index.contains("<code>hazard</code> not judged: 600 operations measured"));

    // Only judged models can be on the frontier: the too-short hazard is not ringed.
    let index = between(&html, "data-scenario=\"indexer-scan\"", "</section>");
    let scatter = between(index, "data-chart=\"tradeoff-memory\"", "</figure>");
    let rings = scatter.matches("stroke-width=\"2\"").count();
    assert_eq!(rings, 2, "indexer-scan frontier is keep and srcu only");

    // Schemes without allocator figures say so rather than vanish.
    let temp = between(&html, "data-scenario=\"temp-watch\"", "</section>");
    let allocs = between(temp, "data-chart=\"allocs-per-op\"", "</figure>");
    assert!(svg_texts(allocs).contains(&"linux (no data)".to_string()));
}

#[test]
fn the_page_fetches_nothing_and_runs_no_script() {
    let dir = run_dir(&["sample-run"]);
    let (html, _) = html_of(dir.path(), "latency=1");
    let lower = html.to_lowercase();
    for banned in ["<script", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!lower.contains(banned), "the page contains `{banned}`");
    }
    let outside = lower
        .match_indices("http")
        .filter(|(i, _)| !lower[*i..].starts_with("http://www.w3.org/2000/svg"))
        .count();
    assert_eq!(
        outside, 0,
        "the page refers to an address other than the SVG namespace"
    );
}

#[test]
fn decision_names_winners_ranking_weights_tradeoffs_and_what_it_could_not_judge() {
    let dir = run_dir(&["sample-run"]);
    let (html, _) = html_of(dir.path(), "latency=2,alloc=0.5");
    let decision = between(&html, "<section id=\"decision\">", "</section>");

    // One winner row per scenario and axis, each with a runner-up and a ratio.
    let winners = between(decision, "<table id=\"winners\">", "</table>");
    assert_eq!(winners.matches("<tr><td>").count(), 3 * 3);
    assert_eq!(winners.matches("×").count(), 3 * 3);

    // The ranking states its weights, holds the models and never the kernel.
    assert!(decision.contains("Ranking under weights <code>latency=2,memory=1,alloc=0.5</code>"));
    let ranking = between(decision, "<table id=\"ranking\">", "</table>");
    for id in ["keep", "srcu", "epoch", "hazard"] {
        assert!(
            ranking.contains(&format!("</i>{id}</td>")),
            "{id} not ranked"
        );
    }
    assert!(!ranking.contains("</i>linux</td>"));

    // Trade-offs read from the numbers.
    assert!(decision.contains("<code>srcu</code>: pending connectors grew through the whole run"));
    assert!(decision.contains("<code>keep</code> ended with 6,000 connectors still live"));
    assert!(decision.contains("a system call with a path lookup"));

    // The verdict names what the recommendation costs.
    let verdict = between(&html, "id=\"verdict\"", "</section>");
    assert!(verdict.contains("What choosing <b>keep</b> costs, as measured"));
    assert!(verdict.contains("<code>keep</code> ended with 20,000 connectors still live"));

    // What it could not judge.
    let unjudged = between(decision, "id=\"unjudged\"", "</ul>");
    assert!(unjudged.contains("<code>hazard</code> has no result for this scenario"));
    assert!(unjudged.contains("<code>hazard</code> not judged: 600 operations measured"));
}

#[test]
fn weights_steer_the_ranking() {
    let dir = run_dir(&["sample-run"]);
    let set = load_dir(dir.path()).unwrap();
    let first = |w: &str| {
        let d = connbench_reports::decide(&set, &w.parse::<Weights>().unwrap());
        let s = d
            .scenarios
            .iter()
            .find(|s| s.scenario == "temp-watch")
            .unwrap();
        s.ranking[0].0.clone()
    };
    // The samples' temp-watch: keep is fastest, hazard leanest.
    assert_eq!(first("latency=1,memory=0,alloc=0"), "keep");
    assert_eq!(first("latency=0,memory=1,alloc=0"), "hazard");
}

#[test]
fn broken_files_are_skipped_named_and_listed() {
    let dir = run_dir(&["sample-run", "broken"]);
    let set = load_dir(dir.path()).unwrap();
    assert_eq!(set.results.len(), 13);
    assert_eq!(set.skipped.len(), 3);

    let out = render(&set, Format::Html, &Weights::default());
    let skipped = between(&out.text, "<section id=\"skipped\">", "</section>");
    for (file, why) in [
        ("truncated.json", "not JSON"),
        ("old-schema.json", "connbench.result.v0"),
        ("missing-fields.json", "missing field"),
    ] {
        let line = between(skipped, file, "</li>");
        assert!(line.contains(why), "{file}: {line}");
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains(file) && w.contains(why)),
            "{file} not warned about: {:?}",
            out.warnings
        );
    }
    assert!(out.text.contains("3 file(s) were left out as unreadable"));
}

#[test]
fn a_directory_without_results_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let err = load_dir(empty.path()).unwrap_err();
    assert!(
        matches!(err, ReportError::NoResults { skipped: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("no result files"));

    let only_broken = run_dir(&["broken"]);
    let err = load_dir(only_broken.path()).unwrap_err();
    assert!(
        matches!(err, ReportError::NoResults { skipped: 3, .. }),
        "{err}"
    );

    let missing = empty.path().join("nope");
    assert!(matches!(
        load_dir(&missing),
        Err(ReportError::ReadDir { .. })
    ));
}

#[test]
fn csv_has_one_row_per_scenario_scheme_and_figure() {
    let dir = run_dir(&["sample-run"]);
    let set = load_dir(dir.path()).unwrap();
    let text = render(&set, Format::Csv, &Weights::default()).text;
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,scheme,figure,unit,better,value")
    );

    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let expected: usize = set
        .results
        .iter()
        .map(|r| connbench_reports::figures::figures(r).len())
        .sum();
    assert_eq!(rows.len(), expected);
    let mut keys: Vec<(&str, &str, &str)> = Vec::new();
    for row in &rows {
        assert_eq!(row.len(), 6, "{row:?}");
        assert!(row[5].parse::<f64>().is_ok(), "{row:?}");
        assert!(["lower", "higher", "neither"].contains(&row[4]), "{row:?}");
        keys.push((row[0], row[1], row[2]));
    }
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a (scenario, scheme, figure) row repeats");

    let has = |scheme: &str, figure: &str| {
        rows.iter()
            .any(|r| r[0] == "temp-watch" && r[1] == scheme && r[2] == figure)
    };
    assert!(has("srcu", "ops.handle_event.p99_ns"));
    assert!(has("srcu", "alloc.allocs_per_op"));
    assert!(has("linux", "kernel.slab.fsnotify_mark_connector.removed"));
    assert!(
        !has("linux", "alloc.allocs_per_op"),
        "absent figures must not become rows"
    );
}

#[test]
fn bmf_is_bencher_metric_format() {
    let dir = run_dir(&["sample-run"]);
    let set = load_dir(dir.path()).unwrap();
    let text = render(&set, Format::Bmf, &Weights::default()).text;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let benchmarks = json.as_object().unwrap();

    // Every measure of every benchmark is an object with a numeric value.
    for (name, measures) in benchmarks {
        for (measure, metric) in measures.as_object().unwrap() {
            assert!(
                measure.len() <= 64,
                "{name}: measure slug too long: {measure}"
            );
            assert!(metric["value"].is_number(), "{name}/{measure}: {metric}");
        }
    }
    let srcu = set
        .results
        .iter()
        .find(|r| r.scenario == "temp-watch" && r.scheme == "srcu")
        .unwrap();
    let op = &benchmarks["temp-watch/srcu/handle_event"]["latency"];
    assert_eq!(
        op["value"].as_f64(),
        Some(srcu.ops["handle_event"].p50_ns as f64)
    );
    assert_eq!(
        op["upper_value"].as_f64(),
        Some(srcu.ops["handle_event"].p99_ns as f64)
    );
    let whole = &benchmarks["temp-watch/srcu"];
    assert_eq!(
        whole["throughput"]["value"].as_f64(),
        Some(srcu.throughput_ops_per_s)
    );
    assert!(whole["alloc-allocs-per-op"]["value"].is_number());
    assert!(benchmarks["temp-watch/linux"]
        .get("alloc-allocs-per-op")
        .is_none());
}

#[test]
fn the_default_run_is_the_newest_directory_or_results_itself() {
    let root = tempfile::tempdir().unwrap();
    let sample = data("sample-run").join("temp-watch--srcu.json");

    // Results directly in the root: the root is the run.
    fs::copy(&sample, root.path().join("temp-watch--srcu.json")).unwrap();
    assert_eq!(newest_run(root.path()).unwrap(), root.path());

    // Run directories: the newest with results; an empty newer one does not count.
    for (name, mtime) in [("run-1", 1_000), ("run-2", 2_000)] {
        let dir = root.path().join(name);
        fs::create_dir(&dir).unwrap();
        let file = dir.join("temp-watch--srcu.json");
        fs::copy(&sample, &file).unwrap();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
        fs::File::open(&dir).unwrap().set_modified(when).unwrap();
    }
    fs::create_dir(root.path().join("run-3-empty")).unwrap();
    assert_eq!(newest_run(root.path()).unwrap(), root.path().join("run-2"));
}

#[test]
fn report_order_keeps_the_suite_order_of_the_model_schemes() {
    let ids: Vec<&str> = connbench_impls::SCHEMES.iter().map(|s| s.id).collect();
    let mut sorted: Vec<String> = ids.iter().rev().map(|s| s.to_string()).collect();
    connbench_reports::schemes::sort(&mut sorted);
    assert_eq!(
        sorted, ids,
        "the report orders schemes unlike connbench_impls::SCHEMES"
    );
}

#[test]
fn any_single_result_renders_without_a_lost_chart() {
    // One scheme alone (no runner-up, no frontier, the kernel with no
    // allocator figures at all) must still give every chart.
    for entry in fs::read_dir(data("sample-run")).unwrap() {
        let path = entry.unwrap().path();
        let dir = tempfile::tempdir().unwrap();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        let (html, warnings) = html_of(dir.path(), "latency=1");
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        assert_eq!(
            html.matches("<figure class=\"chart\"").count(),
            html.matches("<svg").count()
        );
        assert!(!html.contains("Chart not drawn"), "{}", path.display());
    }
}
