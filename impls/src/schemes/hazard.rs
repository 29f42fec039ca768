//! `hazard`: Michael's hazard pointers, built here.
//!
//! # Algorithm
//!
//! The connector lifecycle of `srcu`; retired connectors and marks go on the
//! domain's retire list ([`crate::engine::hazard`]) and are freed by the scan
//! that the retiring thread runs when the list passes its threshold.
//!
//! # Read side
//!
//! Entering a section costs nothing but claiming this thread's next set of
//! [`crate::PROTECT_SLOTS`] slots. Every protected load publishes the loaded
//! value, fences and reloads to validate: one SeqCst fence per link the
//! reader follows (the connector slot and each mark), hand over hand with
//! slots 0, 1 and 2. Leaving clears the slots.
//!
//! NOTE: a thread may nest sections at most
//! [`crate::engine::hazard::MAX_NESTING`] deep (the model never nests; a
//! deeper nesting panics rather than share slots).
//!
//! # Scan
//!
//! When the list reaches twice the slots in use plus 16, the retiring thread
//! takes it, reads every slot and frees what no slot holds.
//!
//! # Memory bound
//!
//! Bounded even while a reader stalls: it can keep at most one node per slot
//! from being freed ([`crate::engine::hazard::HazardDomain::pending_bound`];
//! the `bounds` test holds it to that).
//!
//! # Source
//!
//! M. M. Michael, "Hazard Pointers: Safe Memory Reclamation for Lock-Free
//! Objects", IEEE TPDS 15(6), 2004, figures 2 and 3.

use std::ptr::NonNull;

use crate::engine::hazard::{HazardDomain, HazardGuard};
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme};
use crate::sync::AtomicPtr;

/// The `hazard` scheme.
pub struct Hazard {
    domain: HazardDomain,
}

impl Hazard {
    /// Most connectors and marks that can wait to be freed at once, outside a
    /// barrier, with the threads that have used the scheme so far.
    pub fn pending_bound(&self) -> usize {
        self.domain.pending_bound()
    }
}

// Safety: nodes are freed only by a scan that found no slot holding them
// after a SeqCst fence that follows their retirement (see
// `engine::hazard`), each once, since a node is on one list or in one batch
// at a time; the domain's `Drop` frees what is left.
unsafe impl Scheme for Hazard {
    type Guard<'s> = HazardGuard<'s>;

    const ID: &'static str = "hazard";
    const DESCRIPTION: &'static str =
        "hazard pointers (Michael): readers publish and validate each link, a scan frees what no slot holds";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        Hazard {
            domain: HazardDomain::new(),
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        self.domain.enter()
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: the caller's contract is the domain's.
        unsafe { self.domain.retire(node) }
    }

    fn barrier(&self) {
        self.domain.barrier();
    }

    fn counters(&self) -> &Counters {
        self.domain.counters()
    }
}

impl ReadGuard for HazardGuard<'_> {
    #[inline(always)]
    fn protect<T>(&mut self, slot: usize, link: &AtomicPtr<T>) -> *mut T {
        HazardGuard::protect(self, slot, link)
    }
}
