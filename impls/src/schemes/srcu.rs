//! `srcu`: the 2017 patch. A connector whose last mark detaches is put on a
//! destroy list at once and freed by a worker after one SRCU grace period.
//!
//! # Algorithm
//!
//! On last detach the model clears the object's slot and mask, drops the inode
//! reference and retires the connector; marks are retired when their last
//! reference goes. Both go on the destroy list of [`crate::engine::reaper`].
//!
//! # Read side
//!
//! [`crate::engine::srcu`]: one per-thread counter increment and a full fence
//! on entry, one counter increment with Release on exit. Protected loads are
//! plain Acquire loads.
//!
//! # Grace period
//!
//! Classic SRCU's two-index flip, waiting on per-thread counters; the worker
//! waits one grace period per batch, however many nodes the batch holds.
//!
//! # Memory bound
//!
//! None while a reader stalls: the grace period cannot end, and every connector
//! retired meanwhile waits.
//!
//! # Source
//!
//! `fs/notify/mark.c` (`fsnotify_put_mark`, `fsnotify_connector_destroy_workfn`)
//! and `kernel/rcu/srcu.c` as of Linux 4.13.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::engine::reaper::Reaper;
use crate::engine::srcu::{FullFence, ReaderFence, Srcu, SrcuReadGuard};
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme};
use crate::sync::{Arc, AtomicPtr, Ordering};

/// What tells the SRCU-based schemes apart.
pub trait SrcuFlavour: Send + Sync + 'static {
    /// See [`Scheme::ID`].
    const ID: &'static str;
    /// See [`Scheme::DESCRIPTION`].
    const DESCRIPTION: &'static str;
    /// See [`Scheme::POLICY`].
    const POLICY: ConnectorPolicy;
    /// Who pays for ordering a reader's entry.
    type Fence: ReaderFence;
}

/// A scheme that frees through an SRCU destroy list.
pub struct SrcuDeferred<V: SrcuFlavour> {
    reaper: Reaper<Srcu<V::Fence>>,
    _flavour: PhantomData<V>,
}

/// The flavour of the 2017 patch.
pub struct Patch;

impl SrcuFlavour for Patch {
    const ID: &'static str = "srcu";
    const DESCRIPTION: &'static str =
        "the 2017 patch: detach the connector on last mark, free it from a worker after synchronize_srcu()";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;
    type Fence = FullFence;
}

/// The `srcu` scheme.
pub type SrcuScheme = SrcuDeferred<Patch>;

// Safety: nodes are freed only by the reaper, after a full SRCU grace period
// that began after they were retired (and so after they were unlinked); every
// read-side section that could have loaded them started before that grace
// period and has ended. The reaper frees each node once, and its `Drop` frees
// what remains after the worker stops.
unsafe impl<V: SrcuFlavour> Scheme for SrcuDeferred<V> {
    type Guard<'s> = SrcuReadGuard<'s>;

    const ID: &'static str = V::ID;
    const DESCRIPTION: &'static str = V::DESCRIPTION;
    const POLICY: ConnectorPolicy = V::POLICY;

    fn new() -> Self {
        SrcuDeferred {
            reaper: Reaper::new(Arc::new(Srcu::new()), V::ID),
            _flavour: PhantomData,
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        self.reaper.grace().read_lock()
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: the caller's contract is the reaper's.
        unsafe { self.reaper.retire(node) }
    }

    fn barrier(&self) {
        self.reaper.barrier();
    }

    fn counters(&self) -> &Counters {
        self.reaper.counters()
    }

    fn runtime_note(&self) -> String {
        <V::Fence as ReaderFence>::note()
    }
}

impl ReadGuard for SrcuReadGuard<'_> {
    #[inline(always)]
    fn protect<T>(&mut self, _slot: usize, link: &AtomicPtr<T>) -> *mut T {
        // Acquire: pairs with the Release that published the node.
        link.load(Ordering::Acquire)
    }
}
