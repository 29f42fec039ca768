//! The kernel runner against the host kernel: what the slab shows, what is
//! timed, the limits, and that every file goes away.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use connbench_workloads::kernel::slab::{self, CONNECTOR_CACHE};
use connbench_workloads::kernel::{
    prepare, run, KernelError, Limits, Pattern, Phase, Plan, Prepared, SCHEME, WATCH_CYCLE,
};
use connbench_workloads::result::RunResult;

/// The tests share the kernel's connector cache: one at a time, so one
/// test's watches are not counted in another's slab figures.
static KERNEL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    KERNEL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn plan_in(pattern: Pattern, parent: &Path) -> Plan {
    let mut plan = Plan::new(pattern, true);
    plan.parent_dir = Some(parent.to_owned());
    plan
}

fn run_quietly(prepared: &Prepared) -> Result<RunResult, KernelError> {
    run(prepared, &AtomicBool::new(false), &mut |_| {})
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .expect("read test dir")
        .next()
        .is_none()
}

#[test]
fn connector_count_rises_with_the_watches_and_falls_after_removal() {
    let objects = Path::new(slab::SLAB_DIR)
        .join(CONNECTOR_CACHE)
        .join("objects");
    if let Err(e) = slab::read_objects(&objects) {
        eprintln!("skipped: cannot read {}: {e}", objects.display());
        return;
    }
    let _serial = serial();
    let parent = tempfile::tempdir().expect("temp dir");
    let mut plan = plan_in(Pattern::IndexerScan, parent.path());
    plan.files = 4_000;
    let n = plan.files;

    let result = run_quietly(&prepare(plan, Limits::read())).expect("indexer-scan runs");
    let kernel = result.kernel.as_ref().expect("kernel figures");
    let counts = &kernel.slab[CONNECTOR_CACHE];
    let (before, watched, settled) = (counts["before"], counts["watched"], counts["settled"]);

    // A merged cache adds noise from other users of the 24-byte cache: at
    // least 80% of the watches must show, and at most a fifth stay behind.
    assert!(
        watched >= before + n * 4 / 5,
        "with {n} watches the connector count went from {before} to only {watched}"
    );
    assert!(
        settled <= before + n / 5,
        "after removing {n} watches the connector count stayed at {settled} (before: {before})"
    );
    assert!(result.connectors.peak_live >= n * 4 / 5);
    assert!(
        !kernel.timeline.is_empty(),
        "the connector count was sampled"
    );
    assert!(is_empty(parent.path()), "every file was removed");
}

#[test]
fn temp_watch_times_every_operation_through_the_system_call() {
    let _serial = serial();
    let parent = tempfile::tempdir().expect("temp dir");
    let mut plan = plan_in(Pattern::TempWatch, parent.path());
    (plan.files, plan.cycles, plan.events_per_watch) = (50, 300, 3);

    let result = run_quietly(&prepare(plan, Limits::read())).expect("temp-watch runs");
    assert_eq!(result.scheme, SCHEME);
    assert_eq!(result.scenario, "temp-watch");
    let count = |op: &str| result.ops.get(op).map(|s| s.count);
    assert_eq!(count("add_mark"), Some(300));
    assert_eq!(count("remove_mark"), Some(300));
    assert_eq!(count("handle_event"), Some(900));
    assert_eq!(count(WATCH_CYCLE), Some(300));
    assert_eq!(count("evict"), None, "the kernel run does not evict");
    for (op, s) in &result.ops {
        assert!(
            0 < s.p50_ns && s.p50_ns <= s.p99_ns && s.p99_ns <= s.max_ns,
            "{op}: {s:?}"
        );
        let at = |p: f64| {
            s.percentiles
                .iter()
                .find(|&&(q, _)| q == p)
                .map(|&(_, ns)| ns)
        };
        let expected = (Some(s.p50_ns), Some(s.p999_ns), Some(s.max_ns));
        assert_eq!((at(50.0), at(99.9), at(100.0)), expected, "{op}");
    }
    // A cycle holds an add, three events and a remove.
    let cycle = &result.ops[WATCH_CYCLE];
    assert!(cycle.p50_ns > result.ops["add_mark"].p50_ns);
    assert!(
        result.alloc.is_none() && result.harness.is_none(),
        "absent, not zero"
    );
    assert!(is_empty(parent.path()), "every file was removed");

    // It is a whole result file of the shared format.
    let out = tempfile::tempdir().expect("out dir");
    let path = result.write_atomic(out.path()).expect("write");
    assert_eq!(RunResult::load(&path).expect("load"), result);
}

#[test]
fn indexer_scan_is_cut_to_the_watches_the_user_has_left() {
    let limits = Limits {
        max_user_watches: Some(3_000),
        max_user_instances: Some(128),
        watches_in_use: Some(100),
        instances_in_use: Some(1),
        unreadable: Vec::new(),
    };
    let prepared = prepare(Plan::new(Pattern::IndexerScan, false), limits.clone());
    assert_eq!(prepared.plan.files, 3_000 - 100 - 512);
    assert!(
        prepared
            .notes
            .iter()
            .any(|n| n.contains("cut from 1000000") && n.contains("3000")),
        "the cut is said: {:?}",
        prepared.notes
    );

    // One watch at a time always fits.
    let prepared = prepare(Plan::new(Pattern::TempWatch, false), limits);
    assert_eq!(
        prepared.plan.files,
        Plan::new(Pattern::TempWatch, false).files
    );
    assert!(prepared.notes.is_empty(), "{:?}", prepared.notes);
}

#[test]
fn an_interrupted_run_removes_every_file() {
    let _serial = serial();
    let parent = tempfile::tempdir().expect("temp dir");
    let mut plan = plan_in(Pattern::IndexerScan, parent.path());
    plan.files = 2_000;
    let stop = AtomicBool::new(false);
    let mut progress = |p: connbench_workloads::kernel::Progress| {
        if p.phase == Phase::Adding && p.done > 0 {
            // As the Ctrl-C handler does.
            stop.store(true, Ordering::Relaxed);
        }
    };

    let outcome = run(&prepare(plan, Limits::read()), &stop, &mut progress);
    assert!(
        matches!(outcome, Err(KernelError::Interrupted)),
        "{outcome:?}"
    );
    assert!(is_empty(parent.path()), "every file was removed");
}

#[test]
fn without_slab_counts_the_run_completes_and_says_what_is_missing() {
    let _serial = serial();
    let parent = tempfile::tempdir().expect("temp dir");
    let mut plan = plan_in(Pattern::TempWatch, parent.path());
    (plan.files, plan.cycles) = (10, 20);
    plan.slab_dir = parent.path().join("no-slab-here");

    let result = run_quietly(&prepare(plan, Limits::read())).expect("runs without the slab");
    let kernel = result.kernel.as_ref().expect("kernel section");
    assert!(kernel.slab.is_empty() && kernel.timeline.is_empty() && kernel.settle_ms.is_none());
    for cache in [CONNECTOR_CACHE, slab::MARK_CACHE] {
        assert!(
            result
                .notes
                .iter()
                .any(|n| n.starts_with(&format!("{cache} slab counts missing"))),
            "{cache} named as missing: {:?}",
            result.notes
        );
    }
    assert_eq!(result.ops["add_mark"].count, 20);
}

#[test]
fn a_merged_cache_is_recognised_by_its_link_and_counted_by_its_first_number() {
    // A fake /sys/kernel/slab: the connector cache links to a shared cache
    // with another alias; the mark cache is a cache of its own.
    let root = tempfile::tempdir().expect("temp dir");
    let shared = root.path().join(":0000024");
    std::fs::create_dir(&shared).expect("shared cache");
    std::fs::write(shared.join("objects"), "850 N0=850\n").expect("objects");
    for alias in [CONNECTOR_CACHE, "lsm_file_cache"] {
        std::os::unix::fs::symlink(":0000024", root.path().join(alias)).expect("link");
    }
    let own = root.path().join(slab::MARK_CACHE);
    std::fs::create_dir(&own).expect("mark cache");
    std::fs::write(own.join("objects"), "not-a-number\n").expect("objects");

    let connectors = slab::SlabCache::probe(root.path(), CONNECTOR_CACHE);
    assert_eq!(connectors.merged_into.as_deref(), Some(":0000024"));
    assert_eq!(connectors.aliases, vec!["lsm_file_cache".to_string()]);
    assert_eq!(connectors.read(), Some(850));

    let marks = slab::SlabCache::probe(root.path(), slab::MARK_CACHE);
    assert_eq!(marks.merged_into, None);
    assert_eq!(marks.read(), None);
    let why = marks.unreadable.expect("a reason");
    assert!(why.contains("not-a-number"), "{why}");
}
