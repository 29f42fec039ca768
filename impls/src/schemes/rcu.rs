//! `rcu`: userspace RCU with `call_rcu`-style deferred frees, built here in
//! the manner of liburcu's memory-barrier flavour.
//!
//! # Algorithm
//!
//! The connector lifecycle of `srcu` (detach on last mark, retire at once);
//! retired connectors and marks go on a callback queue that a background
//! thread drains in batches, one grace period per batch, as liburcu's
//! `call_rcu` worker does ([`crate::engine::reaper`]).
//!
//! # Read side
//!
//! [`crate::engine::urcu`]: each registered thread stores a snapshot of the
//! grace-period counter (phase and depth) into its own word on entry, and a
//! depth of zero with Release on exit; no read-modify-write. Where the kernel
//! allows `membarrier(PRIVATE_EXPEDITED)`, the entry has no fence either;
//! otherwise it issues a SeqCst fence. [`crate::Scheme::runtime_note`] says
//! which. Protected loads are plain Acquire loads.
//!
//! # Grace period
//!
//! Heavy barrier (membarrier or fence), two phase flips each followed by a
//! wait for the readers still on the old phase, heavy barrier. The module
//! [`crate::engine::urcu`] gives the ordering argument step by step.
//!
//! # Memory bound
//!
//! None while a reader stalls: the queue grows until the reader leaves (the
//! `bounds` test shows it).
//!
//! # Source
//!
//! liburcu `src/urcu.c` and `include/urcu/static/urcu-memb.h`
//! (`_urcu_memb_read_lock`, `synchronize_rcu`, `wait_for_readers`), and
//! `src/urcu-call-rcu-impl.h` for the callback worker.

use std::ptr::NonNull;

use crate::engine::membarrier;
use crate::engine::reaper::Reaper;
use crate::engine::urcu::{Urcu, UrcuReadGuard};
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme};
use crate::sync::{Arc, AtomicPtr, Ordering};

/// The `rcu` scheme.
pub struct Rcu {
    reaper: Reaper<Urcu>,
}

// Safety: nodes are freed only by the reaper, after a full grace period of
// `Urcu` that began after they were retired (and so unlinked): every section
// that could have loaded them has ended (see `engine::urcu`). The reaper
// frees each node once and its `Drop` frees what is left.
unsafe impl Scheme for Rcu {
    type Guard<'s> = UrcuReadGuard<'s>;

    const ID: &'static str = "rcu";
    const DESCRIPTION: &'static str =
        "userspace RCU (liburcu memb): counter-only readers, call_rcu queue freed in batches after a grace period";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        Rcu {
            reaper: Reaper::new(Arc::new(Urcu::new()), Self::ID),
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
        membarrier::note()
    }
}

impl ReadGuard for UrcuReadGuard<'_> {
    #[inline(always)]
    fn protect<T>(&mut self, _slot: usize, link: &AtomicPtr<T>) -> *mut T {
        // Acquire: pairs with the Release that published the node.
        link.load(Ordering::Acquire)
    }
}
