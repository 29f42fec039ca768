//! `epoch`: epoch-based reclamation on crossbeam-epoch, a reference for the
//! in-house `rcu`.
//!
//! # Algorithm
//!
//! The connector lifecycle of `srcu`; a retired node is deferred on a pinned
//! guard of this scheme's own [`Collector`] and freed once the global epoch
//! has advanced twice past the epoch it was deferred in.
//!
//! # Read side
//!
//! `pin()` on this thread's handle of the collector: a store of the local
//! epoch and a SeqCst fence (crossbeam's `Local::pin`), plus a thread-local
//! lookup of the handle. Protected loads are plain Acquire loads.
//!
//! # Grace period
//!
//! crossbeam's: deferred functions collect in a thread-local bag (64), sealed
//! into a global queue with the epoch, and run by whichever thread's pin or
//! flush finds the epoch advanced. [`Scheme::barrier`] pins and flushes until
//! everything retired before it has run.
//!
//! # Memory bound
//!
//! None while a reader stays pinned: the epoch cannot advance.
//!
//! # Notes
//!
//! NOTE: each scheme has its own `Collector`, not crossbeam's global one; a
//! thread registers once per collector and keeps the handle in a thread-local
//! list until it exits. Bags of a thread that is still alive and has not
//! flushed are out of reach of another thread's barrier: barriers are
//! called where the retiring threads have finished or flushed. Deferred
//! functions hold a reference to the counters, so one that runs after the
//! scheme is gone (from a bag still held by a live thread) stays sound.
//!
//! # Source
//!
//! crossbeam-epoch 0.9 (`src/internal.rs`); K. Fraser, "Practical lock-freedom",
//! 2004.

use std::cell::RefCell;
use std::ptr::NonNull;

use crossbeam_epoch::{Collector, Guard, LocalHandle};

use crate::engine::adapter::Shared;
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme};
use crate::sync::{Arc, AtomicPtr, Ordering};

std::thread_local! {
    /// This thread's handles, one per collector it has used.
    static HANDLES: RefCell<Vec<LocalHandle>> = const { RefCell::new(Vec::new()) };
}

/// The `epoch` scheme.
pub struct Epoch {
    collector: Collector,
    shared: Arc<Shared>,
}

/// A pinned section of an [`Epoch`] scheme.
pub struct EpochGuard<'s> {
    guard: Guard,
    _scheme: std::marker::PhantomData<&'s Epoch>,
}

impl Epoch {
    fn pin(&self) -> Guard {
        HANDLES.with(|handles| {
            let mut handles = handles.borrow_mut();
            // A handle keeps its collector alive, so no other collector can
            // take this one's address while an old handle names it.
            if let Some(handle) = handles.iter().find(|h| h.collector() == &self.collector) {
                return handle.pin();
            }
            let handle = self.collector.register();
            let guard = handle.pin();
            handles.push(handle);
            guard
        })
    }
}

// Safety: nodes are deferred on a pinned guard after they were unlinked, and
// crossbeam runs a deferred function only once every guard pinned before it
// was deferred has been dropped; each node is deferred once.
unsafe impl Scheme for Epoch {
    type Guard<'s> = EpochGuard<'s>;

    const ID: &'static str = "epoch";
    const DESCRIPTION: &'static str =
        "epoch-based reclamation on crossbeam-epoch: pinned readers, deferred frees once the epoch advances twice";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        Epoch {
            collector: Collector::new(),
            shared: Arc::new(Shared::default()),
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        EpochGuard {
            guard: self.pin(),
            _scheme: std::marker::PhantomData,
        }
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: the scheme owns the node's link now; the closure below
        // keeps `shared` alive until it runs.
        unsafe { self.shared.stash(node) };
        let shared = self.shared.clone();
        let guard = self.pin();
        // Safety: crossbeam runs the closure once, after every guard that
        // could have loaded the node (it was unlinked before this pin) is
        // gone; `NonNull` is not `Send`, but the node belongs to whoever runs
        // the closure.
        unsafe {
            guard.defer_unchecked(move || {
                let _keep = shared;
                Shared::reclaim_stashed(node);
            });
        }
    }

    fn barrier(&self) {
        self.shared.tally.wait_for_backlog(|| self.pin().flush());
    }

    fn counters(&self) -> &Counters {
        &self.shared.counters
    }
}

impl Drop for Epoch {
    fn drop(&mut self) {
        // Drop this thread's handle while the collector still holds the
        // global state, so the handle does not free it from inside its own
        // finalisation (which Miri reports against crossbeam-epoch).
        let _ = HANDLES.try_with(|handles| {
            if let Ok(mut handles) = handles.try_borrow_mut() {
                handles.retain(|h| h.collector() != &self.collector);
            }
        });
    }
}

impl ReadGuard for EpochGuard<'_> {
    #[inline(always)]
    fn protect<T>(&mut self, _slot: usize, link: &AtomicPtr<T>) -> *mut T {
        let _ = &self.guard;
        // Acquire: pairs with the Release that published the node.
        link.load(Ordering::Acquire)
    }
}
