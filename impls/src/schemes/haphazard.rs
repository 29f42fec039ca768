//! `haphazard`: hazard pointers on the haphazard crate (a port of folly's
//! `hazptr`), a reference for the in-house `hazard`.
//!
//! # Algorithm
//!
//! The connector lifecycle of `srcu`; retired nodes go on the domain's
//! sharded retired list, and a reclamation pass frees what no hazard pointer
//! holds once the list passes folly's thresholds (or on a timer check).
//!
//! # Read side
//!
//! A section acquires [`crate::PROTECT_SLOTS`] hazard pointers from this
//! scheme's own [`Domain`] and gives them back when it ends; every protected
//! load is haphazard's `protect_ptr` (publish, light barrier, validate).
//!
//! # Reclamation
//!
//! haphazard's: a heavy barrier (membarrier where available) against the
//! readers' light ones, then a scan of every hazard pointer.
//! [`Scheme::barrier`] calls `eager_reclaim` until everything retired before
//! it is freed.
//!
//! # Memory bound
//!
//! Bounded, as `hazard`: a stalled reader holds at most its three nodes.
//!
//! # Notes
//!
//! FIXME(cost): folly caches hazard pointers per thread; haphazard 0.1 has no
//! such cache, so each section acquires and releases three from the domain's
//! list (two compare-and-swaps). The read-side figures include that.
//!
//! # Source
//!
//! haphazard 0.1; folly `folly/synchronization/Hazptr.h`; M. M. Michael,
//! "Hazard Pointers", IEEE TPDS 2004.

use std::ops::Deref;
use std::ptr::NonNull;

use haphazard::{Domain, HazardPointer, HazardPointerArray};

use crate::engine::adapter::Shared;
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme, PROTECT_SLOTS};
use crate::sync::AtomicPtr;

/// The family of connbench's domains. Each scheme instance has its own
/// domain; nodes never move between instances, so sharing the family type
/// is safe.
pub struct Family;

/// A retired node as haphazard sees it.
#[repr(transparent)]
struct Node(Retired);

// Safety: a retired node belongs to whichever thread reclaims it; its fields
// are immutable or atomic while it waits.
unsafe impl Send for Node {}

/// Owns a retired node; dropping it frees the node ([`Shared::reclaim_stashed`]).
struct Reclaimer(NonNull<Node>);

impl Deref for Reclaimer {
    type Target = Node;
    fn deref(&self) -> &Node {
        // Safety: alive until this owner drops it.
        unsafe { self.0.as_ref() }
    }
}

// Safety: `from_raw` takes back exactly what `retire` handed over, once.
unsafe impl haphazard::raw::Pointer<Node> for Reclaimer {
    fn into_raw(self) -> *mut Node {
        let ptr = self.0.as_ptr();
        std::mem::forget(self);
        ptr
    }

    unsafe fn from_raw(ptr: *mut Node) -> Self {
        // Safety: haphazard hands back the non-null pointer it was given.
        Reclaimer(unsafe { NonNull::new_unchecked(ptr) })
    }
}

impl Drop for Reclaimer {
    fn drop(&mut self) {
        // Safety: haphazard drops the owner once, when no hazard pointer
        // holds the node; it was stashed by `retire`.
        unsafe { Shared::reclaim_stashed(self.0.cast()) };
    }
}

/// The `haphazard` scheme.
pub struct Haphazard {
    /// Dropped first: the domain's drop frees what is left, counting into
    /// `shared`.
    domain: Domain<Family>,
    shared: Box<Shared>,
}

/// A read-side section: three hazard pointers of the scheme's domain.
pub struct HaphazardGuard<'s>(HazardPointerArray<'s, Family, PROTECT_SLOTS>);

// Safety: nodes are retired to the domain after they were unlinked, and
// haphazard drops a retired owner once, when no hazard pointer of the domain
// protects it; the domain's drop frees the rest.
unsafe impl Scheme for Haphazard {
    type Guard<'s> = HaphazardGuard<'s>;

    const ID: &'static str = "haphazard";
    const DESCRIPTION: &'static str =
        "hazard pointers on the haphazard crate (folly's hazptr): per-section hazard pointers, sharded retire lists";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        Haphazard {
            domain: Domain::new(&Family),
            shared: Box::new(Shared::default()),
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        HaphazardGuard(HazardPointer::many_in_domain(&self.domain))
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: the scheme owns the link; `shared` outlives the domain.
        unsafe { self.shared.stash(node) };
        // Safety: 1. the node was unlinked, so no hazard pointer newly
        // protects it; 2. retired once; 3. valid until reclaimed.
        unsafe {
            self.domain
                .retire_ptr::<Node, Reclaimer>(node.as_ptr().cast());
        }
    }

    fn barrier(&self) {
        self.shared.tally.wait_for_backlog(|| {
            self.domain.eager_reclaim();
        });
    }

    fn counters(&self) -> &Counters {
        &self.shared.counters
    }
}

impl ReadGuard for HaphazardGuard<'_> {
    #[inline]
    fn protect<T>(&mut self, slot: usize, link: &AtomicPtr<T>) -> *mut T {
        let [a, b, c] = self.0.as_refs();
        let hazard = match slot {
            0 => a,
            1 => b,
            _ => c,
        };
        hazard
            .protect_ptr(link)
            .map_or(std::ptr::null_mut(), |(ptr, _)| ptr.as_ptr())
    }
}
