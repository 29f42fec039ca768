//! `connbench report` as a user runs it: exit codes, messages and files.

use std::path::Path;
use std::process::{Command, Output};

fn connbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connbench"))
        .args(args)
        .output()
        .expect("connbench runs")
}

fn samples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/tests/data/sample-run")
        .display()
        .to_string()
}

#[test]
fn an_empty_directory_is_a_clear_error_and_a_failure() {
    let empty = tempfile::tempdir().unwrap();
    let out = connbench(&["report", empty.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no result files to report on"), "{stderr}");
    assert!(stderr.contains(empty.path().to_str().unwrap()), "{stderr}");
}

#[test]
fn writes_the_html_report_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub/report.html");
    let out = connbench(&["report", &samples(), "-o", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("id=\"decision\""));
}

#[test]
fn csv_goes_to_stdout_and_bad_weights_fail() {
    let out = connbench(&["report", &samples(), "--format", "csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("scenario,scheme,figure,unit,better,value\n"));

    let out = connbench(&["report", &samples(), "--weights", "speed=1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown axis `speed`"), "{stderr}");
}
