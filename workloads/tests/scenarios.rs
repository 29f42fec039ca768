//! Scenario files: every shipped one is accepted, every malformed fixture is
//! refused with one line naming the file and the key.

use std::path::{Path, PathBuf};

use connbench_workloads::scenario::{Lifetime, Stall};
use connbench_workloads::{shipped, Overrides, Scenario};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// (fixture, the key the error must name, a fragment of the reason).
const MALFORMED: &[(&str, &str, &str)] = &[
    ("unknown-key.toml", "`objects.colour`", "unknown field"),
    ("wrong-type.toml", "`roles[0].threads`", "invalid type"),
    ("zero-objects.toml", "`objects.inodes`", "at least 1 inode"),
    (
        "watch-outlives-run.toml",
        "`watch.lifetime_us`",
        "outlives the run",
    ),
    (
        "unknown-event.toml",
        "`events.mix.explode`",
        "unknown event",
    ),
    (
        "syntax-error.toml",
        "(syntax)",
        "string values must be quoted",
    ),
    ("no-threads.toml", "`roles`", "at least one thread"),
    (
        "zero-threads.toml",
        "`roles[0].threads`",
        "at least 1 thread",
    ),
    ("bad-stall.toml", "`roles[1].stall`", "\"never\""),
];

#[test]
fn every_malformed_fixture_gives_one_line_naming_file_and_key() {
    for (name, key, reason) in MALFORMED {
        let path = fixture(name);
        let err = Scenario::load(&path, Overrides::default())
            .expect_err(&format!("{name} should be refused"))
            .to_string();
        assert!(!err.contains('\n'), "{name}: not one line: {err}");
        assert!(
            err.starts_with(&path.display().to_string()),
            "{name}: no file: {err}"
        );
        assert!(err.contains(key), "{name}: does not name {key}: {err}");
        assert!(
            err.contains(reason),
            "{name}: does not say {reason:?}: {err}"
        );
    }
}

#[test]
fn the_fixture_without_its_fault_is_accepted() {
    // The fixtures are one valid file with one fault each: this is the file.
    let text = std::fs::read_to_string(fixture("zero-objects.toml")).unwrap();
    let fixed = text.replace("inodes = 0", "inodes = 100");
    let scenario = Scenario::parse(&fixed, "fixed.toml", Overrides::default()).unwrap();
    assert_eq!(scenario.inodes, 100);
    assert_eq!(scenario.lifetime, Lifetime::Events(2));
}

#[test]
fn every_shipped_scenario_is_accepted_full_and_quick() {
    for name in shipped::names() {
        for quick in [false, true] {
            let overrides = Overrides {
                quick,
                cpus: Some(2),
                ..Overrides::default()
            };
            let s = Scenario::find(name, overrides).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(s.name, name);
            assert_eq!(s.quick, quick);
            if quick {
                assert!(
                    s.duration_ms.unwrap_or(0) <= 300,
                    "{name} quick runs too long"
                );
                assert!(
                    s.cycles.unwrap_or(0) <= 50_000,
                    "{name} quick walks too far"
                );
            }
        }
    }
    let full = |name| Scenario::find(name, Overrides::default()).unwrap();
    assert_eq!(full("indexer-scan").inodes, 1_000_000);
    assert_eq!(full("stalled-reader").roles[2].stall, Stall::Ms(10));
}

#[test]
fn threads_override_and_per_cpu_roles() {
    let overrides = Overrides {
        cpus: Some(2),
        ..Overrides::default()
    };
    let s = Scenario::find("oversubscribed", overrides).unwrap();
    assert_eq!(s.threads(), 8, "four threads per CPU on two CPUs");

    let overrides = Overrides {
        threads: Some(3),
        ..overrides
    };
    let s = Scenario::find("stalled-reader", overrides).unwrap();
    let threads: Vec<u32> = s.roles.iter().map(|r| r.threads).collect();
    assert_eq!(threads, [3, 3, 1], "the stalled reader stays alone");
}

#[test]
fn unknown_names_list_the_shipped_ones() {
    let err = Scenario::find("no-such-scenario", Overrides::default()).unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("no-such-scenario") && err.contains("temp-watch"),
        "{err}"
    );
}
