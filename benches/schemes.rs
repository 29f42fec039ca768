//! Per-operation wall-clock comparisons of every reclamation scheme
//! (criterion), with reference points in every group.
//!
//! # Groups
//!
//! Each group puts the schemes side by side, in the fixed order of
//! [`connbench_impls::for_each_scheme!`], under the ids `<group>/<scheme>`,
//! then the four reference points of [`common::reference`]:
//!
//! - `read_side`: `read_lock` and drop;
//! - `handle_event/0`, `/1`, `/8`: an event on an inode with that many marks;
//!   0 is the fast path that never enters the read side;
//! - `temp_watch_cycle`: add and remove the only mark of an object, with the
//!   barrier that frees what it retired amortised over a batch;
//! - `add_mark_existing`: a second group's mark on an object that has one;
//! - `contended`: the temp-watch cycle while another thread delivers events to
//!   the same object.
//!
//! # Reclamation inside the measurement
//!
//! The temp-watch groups time [`common::TEMP_WATCH_BATCH`] cycles followed by
//! `fs.barrier()`, and report the time per cycle. The barrier is amortised
//! over a fixed batch rather than measured alone because its cost depends on
//! what is pending: alone, with nothing retired, it returns at once and
//! measures nothing; after a batch it pays one grace period and the frees,
//! as the kernel's destroy-list worker does. Iteration counts are rounded up
//! to whole batches, so every sample pays the same share of barriers.
//!
//! The schemes' own workers may reclaim on another core meanwhile; that work
//! shows here only where the measured thread waits for it (in the barrier) or
//! contends with it (the destroy list's lock, the allocator).
//!
//! # Run
//!
//! `scripts/bench` (or `cargo bench --bench schemes`); the HTML report is
//! `target/criterion/report/index.html`.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::{ExistingMark, Reader, TempWatch, EXISTING_MARK_OBJECTS, TEMP_WATCH_BATCH};
use connbench_impls::{Fsnotify, Scheme};

/// jemalloc, as the kernel's slab is the connector's allocator there: the
/// reference allocation and every scheme allocate through it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// What one group measures.
#[derive(Clone, Copy)]
enum Op {
    ReadSide,
    HandleEvent(u32),
    TempWatchCycle,
    AddMarkExisting,
    Contended,
}

impl Op {
    /// Every group, in report order.
    const ALL: [Op; 7] = [
        Op::ReadSide,
        Op::HandleEvent(0),
        Op::HandleEvent(1),
        Op::HandleEvent(8),
        Op::TempWatchCycle,
        Op::AddMarkExisting,
        Op::Contended,
    ];

    fn group_name(self) -> String {
        match self {
            Op::ReadSide => "read_side".into(),
            Op::HandleEvent(marks) => format!("handle_event/{marks}"),
            Op::TempWatchCycle => "temp_watch_cycle".into(),
            Op::AddMarkExisting => "add_mark_existing".into(),
            Op::Contended => "contended".into(),
        }
    }
}

/// The one runner: measures `op` on scheme `S` under the id `S::ID`.
fn run<S: Scheme>(group: &mut BenchmarkGroup<'_, WallTime>, op: Op) {
    match op {
        Op::ReadSide => {
            let fs = Fsnotify::<S>::new(1, 0);
            group.bench_function(S::ID, |b| b.iter(|| common::read_side(&fs)));
        }

        Op::HandleEvent(marks) => {
            let fs = Fsnotify::<S>::new(1, 0);
            let inode = common::watched_inode(&fs, marks);
            assert_eq!(
                common::handle_event(&fs, &inode),
                marks,
                "every mark wants the event"
            );
            group.bench_function(S::ID, |b| b.iter(|| common::handle_event(&fs, &inode)));
        }

        Op::TempWatchCycle => {
            let fs = Fsnotify::<S>::new(1, 0);
            let watch = TempWatch::new(&fs);
            group.bench_function(S::ID, |b| {
                b.iter_custom(|iters| timed_batches(iters, || watch.batch()))
            });
        }

        Op::AddMarkExisting => {
            let fs = Fsnotify::<S>::new(EXISTING_MARK_OBJECTS, 0);
            let mut existing = ExistingMark::new(&fs);
            group.bench_function(S::ID, |b| {
                b.iter_custom(|iters| {
                    // Time the adds only; removing and freeing the marks
                    // between rounds is not what this group compares.
                    let per_round = u64::from(EXISTING_MARK_OBJECTS);
                    let rounds = iters.div_ceil(per_round);
                    let mut timed = Duration::ZERO;
                    for _ in 0..rounds {
                        let start = Instant::now();
                        existing.add_all();
                        timed += start.elapsed();
                        existing.reset();
                    }
                    scale(timed, iters, rounds * per_round)
                })
            });
        }

        Op::Contended => {
            let fs = Fsnotify::<S>::new(1, 1);
            let reader = Reader::new(&fs);
            let watch = TempWatch::new(&fs);
            let stop = AtomicBool::new(false);
            std::thread::scope(|scope| {
                let delivering = scope.spawn(|| reader.run(&stop));
                // Ends the reader also when the benchmark panics, so the scope
                // can join it.
                let stop_guard = StopOnDrop(&stop);
                group.bench_function(S::ID, |b| {
                    b.iter_custom(|iters| timed_batches(iters, || watch.batch()))
                });
                drop(stop_guard);
                black_box(delivering.join().expect("the reader thread panicked"));
            });
        }
    }
}

/// Sets the flag that ends a [`Reader`] when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        // Relaxed: only ends the reader's loop; the join orders the rest.
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Times whole temp-watch batches covering at least `iters` cycles and
/// returns the time of `iters` cycles at the measured rate.
fn timed_batches(iters: u64, mut batch: impl FnMut()) -> Duration {
    let per_batch = TEMP_WATCH_BATCH as u64;
    let batches = iters.div_ceil(per_batch);
    let start = Instant::now();
    for _ in 0..batches {
        batch();
    }
    scale(start.elapsed(), iters, batches * per_batch)
}

/// `elapsed` measured over `done` iterations, scaled to `wanted` iterations.
fn scale(elapsed: Duration, wanted: u64, done: u64) -> Duration {
    let nanos = elapsed.as_nanos() * u128::from(wanted) / u128::from(done.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The four reference points, measured in every group so each scheme's
/// number can be read as a multiple of them there.
fn references(group: &mut BenchmarkGroup<'_, WallTime>) {
    let slot = AtomicPtr::new(std::ptr::null_mut::<u8>());
    group.bench_function(common::reference::ACQUIRE_LOAD, |b| {
        b.iter(|| common::reference::acquire_load(&slot))
    });

    let counter = AtomicU64::new(0);
    group.bench_function(common::reference::ATOMIC_INCREMENT, |b| {
        b.iter(|| common::reference::atomic_increment(&counter))
    });

    let mutex = Mutex::new(());
    group.bench_function(common::reference::MUTEX, |b| {
        b.iter(|| common::reference::mutex_lock_unlock(&mutex))
    });

    group.bench_function(common::reference::ALLOC_FREE, |b| {
        b.iter(common::reference::alloc_free)
    });
}

macro_rules! every_scheme {
    ($($name:ident => $ty:ty,)*) => {
        /// Runs `op` on every scheme, in the fixed order.
        fn run_every_scheme(group: &mut BenchmarkGroup<'_, WallTime>, op: Op) {
            $(run::<$ty>(group, op);)*
        }
    };
}
connbench_impls::for_each_scheme!(every_scheme);

/// One criterion group per operation: every scheme, then the references.
fn all_groups(c: &mut Criterion) {
    for op in Op::ALL {
        let mut group = c.benchmark_group(op.group_name());
        run_every_scheme(&mut group, op);
        references(&mut group);
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Shorter than criterion's defaults (3 s + 5 s), so the 13 benchmarks of
    // each of the 7 groups take about 6 minutes; the command line overrides it.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = all_groups
}
criterion_main!(benches);
