//! `hyaline`: Hyaline reference-counted batches on seize, a reference for the
//! in-house `rcu` and `hazard`.
//!
//! # Algorithm
//!
//! The connector lifecycle of `srcu`; retired nodes are collected into
//! batches, and a full batch is handed to every thread active at that moment,
//! each of which drops its reference to the batch when it leaves; the last
//! one frees the batch.
//!
//! # Read side
//!
//! seize's `LocalGuard`: marking the thread active with a light store (seize
//! uses membarrier where it can, as `rcu` does) and leaving with a swap that
//! walks the batches handed to it meanwhile. Protected loads are seize's
//! `protect`, an Acquire load.
//!
//! # Reclamation
//!
//! Batches of `max(32, CPUs)` nodes; a batch is only handed out once it holds
//! at least as many nodes as there are active threads.
//!
//! # Memory bound
//!
//! A stalled reader is active, so every batch retired while it stays is
//! handed to it and waits for it: no bound under a stall (seize's claim of
//! robustness needs readers to refresh their guards, which this model's
//! readers do not do inside one delivery).
//!
//! # Notes
//!
//! NOTE: seize keeps a thread's partial batch in that thread's slot, where no
//! other thread can flush it, so a barrier could wait for ever. This adapter
//! therefore retires through one `OwnedGuard` of the scheme, under a mutex,
//! and refreshes it after each retire so it holds nothing; readers use
//! thread-local guards as seize intends. Retiring costs that mutex.
//!
//! # Source
//!
//! seize 0.5; R. Nikolaev and B. Ravindran, "Snapshot-free, transparent, and
//! robust memory reclamation for lock-free data structures", PLDI 2021.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use seize::{Collector, Guard, LocalGuard, OwnedGuard};

use crate::engine::adapter::Shared;
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme};
use crate::sync::{lock, AtomicPtr, Mutex, Ordering};

/// The `hyaline` scheme.
pub struct Hyaline {
    /// Dropped first, while the collector lives (see `Drop`).
    retirer: ManuallyDrop<Mutex<OwnedGuard<'static>>>,
    /// Leaked from a `Box` so that its address, which `retirer` borrows,
    /// never moves and no move of an owner retags it; freed in `Drop`.
    collector: NonNull<Collector>,
    /// Dropped last: the collector's drop runs the callbacks that count here.
    shared: Box<Shared>,
}

/// A read-side section of a [`Hyaline`] scheme.
pub struct HyalineGuard<'s>(LocalGuard<'s>);

/// seize's callback: frees a node stashed by [`Shared::stash`].
///
/// # Safety
///
/// Called by seize once, when no guard can hold the node.
unsafe fn reclaim(node: *mut Retired, _collector: &Collector) {
    // Safety: seize only retires what `Hyaline::retire` gave it, non-null and
    // stashed; seize calls this once, when no reader can reach it.
    unsafe { Shared::reclaim_stashed(NonNull::new_unchecked(node)) };
}

impl Hyaline {
    fn collector(&self) -> &Collector {
        // Safety: leaked in `new`, freed only in `Drop`.
        unsafe { self.collector.as_ref() }
    }
}

// Safety: the collector is shared by reference only, and seize's
// `Collector` is `Send` and `Sync`.
unsafe impl Send for Hyaline {}
// Safety: as above.
unsafe impl Sync for Hyaline {}

// Safety: nodes are retired to seize after they were unlinked, and seize
// calls `reclaim` once, after every guard active at retirement has left; the
// collector's drop reclaims the rest.
unsafe impl Scheme for Hyaline {
    type Guard<'s> = HyalineGuard<'s>;

    const ID: &'static str = "hyaline";
    const DESCRIPTION: &'static str =
        "Hyaline on seize: retired batches are reference-counted by the readers active when they are retired";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        let collector = NonNull::from(Box::leak(Box::new(Collector::new())));
        // Safety: the collector lives on the heap until `Drop`, which drops
        // the guard before the collector, so the borrow never dangles.
        let collector_ref: &'static Collector = unsafe { collector.as_ref() };
        Hyaline {
            retirer: ManuallyDrop::new(Mutex::new(collector_ref.enter_owned())),
            collector,
            shared: Box::new(Shared::default()),
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        HyalineGuard(self.collector().enter())
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: the scheme owns the link; `shared` outlives the collector.
        unsafe { self.shared.stash(node) };
        let mut retirer = lock(&self.retirer);
        // Safety: unlinked before this call, retired once, and `reclaim`
        // frees it as a stashed node.
        unsafe { retirer.defer_retire(node.as_ptr(), reclaim) };
        // Leave and re-enter, so the retiring guard holds no batch itself.
        retirer.refresh();
    }

    fn barrier(&self) {
        self.shared.tally.wait_for_backlog(|| {
            let mut retirer = lock(&self.retirer);
            retirer.flush();
            retirer.refresh();
        });
    }

    fn counters(&self) -> &Counters {
        &self.shared.counters
    }
}

impl Drop for Hyaline {
    fn drop(&mut self) {
        // Safety: each dropped once, here, the guard before the collector it
        // borrows; the collector's drop frees every node left, counting into
        // `shared`, which is dropped after this.
        unsafe {
            ManuallyDrop::drop(&mut self.retirer);
            drop(Box::from_raw(self.collector.as_ptr()));
        }
    }
}

impl ReadGuard for HyalineGuard<'_> {
    #[inline(always)]
    fn protect<T>(&mut self, _slot: usize, link: &AtomicPtr<T>) -> *mut T {
        // Acquire: pairs with the Release that published the node.
        self.0.protect(link, Ordering::Acquire)
    }
}
