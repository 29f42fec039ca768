//! Instruction counts of every scheme's hot operations under Callgrind
//! (gungraun), which do not move from run to run as wall-clock times do.
//!
//! # Groups
//!
//! One group per operation, one benchmark per scheme, generated from
//! [`connbench_impls::for_each_scheme!`] in the fixed order:
//!
//! - `read_side`: one `read_lock` and drop;
//! - `handle_event_1`: one event on an inode with one mark;
//! - `temp_watch_batch`: [`common::TEMP_WATCH_BATCH`] temp-watch cycles and
//!   the barrier that frees what they retired, the unit the criterion bench
//!   times; divide by the batch for a cycle;
//! - `reference`: the reference points of the criterion bench.
//!
//! # What is counted
//!
//! Callgrind counts only what the calling thread executes inside the
//! benchmark function. The scheme's own threads (the reapers of `keep` and
//! `srcu`) are parked as soon as the model exists ([`common::park`]), so the
//! barrier makes the calling thread free everything itself: the count is that
//! of a caller that reclaims synchronously, and it is the same in every run.
//! Without the parking a reaper racing the barrier moved the temp-watch counts
//! by up to 15% between runs. The fixtures are built and warmed (thread
//! registration, first connector, the allocator's caches) in setup functions,
//! outside the count.
//!
//! # Run
//!
//! Needs `gungraun-runner` of the same version as the `gungraun` crate
//! (`scripts/setup` installs it) and Valgrind: `cargo bench --bench
//! instructions`, or `scripts/bench`.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicPtr, AtomicU64};
use std::sync::Mutex;

use gungraun::{library_benchmark, library_benchmark_group, main};

use common::park::park_other_threads;
use common::TempWatch;
use connbench_impls::{Fsnotify, ObjRef, Scheme};

/// The same allocator as the criterion bench, so the counts include the same
/// allocation paths.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Every benchmark runs in a process of its own, so fixtures are leaked: their
/// teardown never runs inside the count.
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// A model with one inode, whose scheme's own threads are parked before it
/// is used, so that the calling thread's history (its allocator caches above
/// all) is the same in every run.
fn model<S: Scheme>() -> &'static Fsnotify<S> {
    let fs = leak(Fsnotify::<S>::new(1, 0));
    park_other_threads();
    fs
}

/// A model whose read side this thread has entered once already.
fn read_side_fixture<S: Scheme>() -> &'static Fsnotify<S> {
    let fs = model::<S>();
    common::read_side(fs);
    fs
}

/// An inode with one mark, which has received one event already.
struct EventFixture<S: Scheme> {
    fs: &'static Fsnotify<S>,
    inode: ObjRef<'static, S>,
}

fn handle_event_fixture<S: Scheme>() -> &'static EventFixture<S> {
    let fs = model::<S>();
    let inode = common::watched_inode(fs, 1);
    assert_eq!(common::handle_event(fs, &inode), 1);
    leak(EventFixture { fs, inode })
}

/// A temp watch that has gone through two batches already.
fn temp_watch_fixture<S: Scheme>() -> &'static TempWatch<'static, S> {
    let fs = model::<S>();
    let watch = leak(TempWatch::new(fs));
    watch.batch();
    watch.batch();
    watch
}

// The temp-watch benchmarks are named `batch_of_64` after the batch.
const _: () = assert!(common::TEMP_WATCH_BATCH == 64);

macro_rules! instruction_benches {
    ($($name:ident => $ty:ty,)*) => {
        mod read_side_benches {
            use super::*;
            $(
                #[library_benchmark]
                #[bench::enter_leave(setup = read_side_fixture::<$ty>)]
                fn $name(fs: &'static Fsnotify<$ty>) {
                    common::read_side(fs);
                }
            )*
            library_benchmark_group!(name = read_side; benchmarks = $($name),*);
        }

        mod handle_event_benches {
            use super::*;
            $(
                #[library_benchmark]
                #[bench::one_mark(setup = handle_event_fixture::<$ty>)]
                fn $name(fixture: &'static EventFixture<$ty>) -> u32 {
                    common::handle_event(fixture.fs, &fixture.inode)
                }
            )*
            library_benchmark_group!(name = handle_event_1; benchmarks = $($name),*);
        }

        mod temp_watch_benches {
            use super::*;
            $(
                #[library_benchmark]
                #[bench::batch_of_64(setup = temp_watch_fixture::<$ty>)]
                fn $name(watch: &'static TempWatch<'static, $ty>) {
                    watch.batch();
                }
            )*
            library_benchmark_group!(name = temp_watch_batch; benchmarks = $($name),*);
        }
    };
}
connbench_impls::for_each_scheme!(instruction_benches);

use handle_event_benches::handle_event_1;
use read_side_benches::read_side;
use temp_watch_benches::temp_watch_batch;

/// The reference points, each on a leaked operand.
mod reference_benches {
    use super::*;

    #[library_benchmark]
    #[bench::once(leak(AtomicPtr::new(std::ptr::null_mut())))]
    fn acquire_load(slot: &'static AtomicPtr<u8>) -> *mut u8 {
        common::reference::acquire_load(slot)
    }

    #[library_benchmark]
    #[bench::once(leak(AtomicU64::new(0)))]
    fn atomic_increment(counter: &'static AtomicU64) -> u64 {
        common::reference::atomic_increment(counter)
    }

    #[library_benchmark]
    #[bench::once(leak(Mutex::new(())))]
    fn mutex_lock_unlock(mutex: &'static Mutex<()>) {
        common::reference::mutex_lock_unlock(mutex);
    }

    /// Warms jemalloc's thread cache first, as every scheme's fixture does.
    fn warm_allocator() {
        common::reference::alloc_free();
    }

    #[library_benchmark]
    #[bench::once(setup = warm_allocator)]
    fn jemalloc_alloc_free_64b(_: ()) {
        common::reference::alloc_free();
        black_box(());
    }

    library_benchmark_group!(
        name = reference;
        benchmarks = acquire_load, atomic_increment, mutex_lock_unlock, jemalloc_alloc_free_64b
    );
}
use reference_benches::reference;

main!(
    library_benchmark_groups = read_side,
    handle_event_1,
    temp_watch_batch,
    reference
);
