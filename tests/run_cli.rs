//! `connbench run` as a user runs it: the files `--quick` writes carry every
//! field of the result format, and a malformed scenario is one line of error
//! and a failing exit.

use std::path::Path;
use std::process::Command;

use connbench_workloads::result::{RunResult, OPERATIONS, SCHEMA};
use connbench_workloads::shipped;
use serde_json::Value;

fn connbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_connbench"))
}

/// The fields other tools read, as JSON paths, which every result must have.
const FIELDS: &[&str] = &[
    "schema",
    "scenario",
    "scheme",
    "params",
    "machine.cpus",
    "machine.kernel",
    "machine.rustc",
    "duration_s",
    "throughput_ops_per_s",
    "alloc.allocs",
    "alloc.frees",
    "alloc.bytes_allocated",
    "alloc.bytes_freed",
    "alloc.allocs_per_op",
    "alloc.bytes_per_op",
    "memory.peak_allocated_bytes",
    "memory.peak_resident_bytes",
    "memory.final_allocated_bytes",
    "memory.after_run_allocated_bytes",
    "memory.avg_allocated_bytes",
    "memory.timeline",
    "connectors.allocated",
    "connectors.freed",
    "connectors.live_at_end",
    "connectors.peak_live",
    "connectors.peak_pending",
    "connectors.avg_pending",
    "connectors.pending_at_end",
    "harness.per_op_ns",
];

const OP_FIELDS: &[&str] = &["count", "mean_ns", "p50_ns", "p99_ns", "p999_ns", "max_ns"];

fn get<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn check(path: &Path) {
    let name = path.display();
    let text = std::fs::read_to_string(path).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    for field in FIELDS {
        assert!(get(&json, field).is_some(), "{name}: no `{field}`");
    }
    assert_eq!(json["schema"], SCHEMA);

    // Every operation that ran has every figure; every scenario runs some.
    let ops = json["ops"].as_object().unwrap();
    assert!(!ops.is_empty(), "{name}: no operations");
    for (op, stats) in ops {
        assert!(OPERATIONS.contains(&op.as_str()), "{name}: unknown op {op}");
        for field in OP_FIELDS {
            assert!(stats.get(field).is_some(), "{name}: no `ops.{op}.{field}`");
        }
    }
    // A reclamation delay exists once a connector has been freed.
    if json["connectors"]["freed"].as_u64().unwrap() > 0 {
        for field in ["p50", "p99", "max"] {
            let path = format!("connectors.reclaim_delay_ns.{field}");
            assert!(get(&json, &path).is_some(), "{name}: no `{path}`");
        }
    }
    assert!(!json["memory"]["timeline"].as_array().unwrap().is_empty());

    // And the typed reader accepts it.
    let result = RunResult::load(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        path.file_name().unwrap().to_str(),
        Some(&*result.file_name())
    );
}

#[test]
fn quick_run_writes_every_field_for_every_pair() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("index.html");
    let status = connbench()
        .args(["run", "--quick", "--out"])
        .arg(out.path())
        .arg("--report")
        .arg(&report)
        .status()
        .unwrap();
    assert!(status.success());

    // One run directory, and the report of it.
    let dirs: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "one run directory: {dirs:?}");
    let html = std::fs::read_to_string(&report).expect("the run writes its report");
    for scheme in connbench_impls::SCHEMES {
        assert!(html.contains(scheme.id), "the report names `{}`", scheme.id);
    }

    let mut files: Vec<_> = std::fs::read_dir(&dirs[0])
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let expected = shipped::names().count() * connbench_impls::SCHEMES.len();
    assert_eq!(
        files.len(),
        expected,
        "one whole file per pair, nothing else: {files:?}"
    );
    for file in &files {
        check(file);
    }
}

#[test]
fn a_malformed_scenario_is_one_line_and_a_failing_exit() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads/tests/fixtures/wrong-type.toml");
    let out = tempfile::tempdir().unwrap();
    let output = connbench()
        .args(["run", "--quick", "--out"])
        .arg(out.path())
        .arg("--scenario")
        .arg(&fixture)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("wrong-type.toml") && stderr.contains("roles[0].threads"));
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing ran"
    );
}

#[test]
fn an_unknown_scheme_is_refused_before_anything_runs() {
    let out = tempfile::tempdir().unwrap();
    let output = connbench()
        .args(["run", "--quick", "--scheme", "nope", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown scheme `nope`"), "{stderr}");
}
