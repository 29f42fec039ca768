//! The one lifecycle trait every reclamation scheme implements.
//!
//! # What a scheme promises
//!
//! The model ([`crate::Fsnotify`]) is generic over a [`Scheme`] and leaves it
//! three jobs:
//!
//! 1. **The read side.** [`Scheme::read_lock`] starts a read-side section and
//!    returns a guard that ends it when dropped, also during unwinding.
//! 2. **Protected loads.** Every link a reader follows (an object's connector
//!    slot, a connector's first mark, a mark's next mark) is loaded through
//!    [`ReadGuard::protect`]. Section-based schemes (RCU, SRCU, epochs) make it
//!    a plain `Acquire` load; hazard-pointer schemes publish the pointer in the
//!    given slot and validate it, so a reader can walk the list hand over hand.
//! 3. **Deferred frees.** [`Scheme::retire`] takes a node that the model has
//!    already unlinked; the scheme frees it (through [`Retired::reclaim`]) only
//!    once no reader that could have loaded it remains. [`Scheme::barrier`]
//!    waits until everything retired before the call has been freed.
//!
//! Beside those, [`Scheme::POLICY`] says whether a connector is freed when its
//! last mark goes (the 2017 patch) or kept until its object is evicted (the
//! kernel before it), and [`Scheme::counters`] exposes the shared counters.

use std::ptr::NonNull;

use crate::retired::{Counters, Retired};
use crate::sync::AtomicPtr;

/// When a connector whose last mark has gone is detached and freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorPolicy {
    /// Detach the connector when its last mark detaches, free it after a grace
    /// period: `fs/notify/mark.c` since the 2017 patch.
    FreeOnLastDetach,
    /// Leave the empty connector attached until its object is evicted: the
    /// kernel before the patch.
    KeepUntilEvict,
}

/// How many protection slots a reader uses at once: the connector, and two
/// marks for hand-over-hand traversal.
pub const PROTECT_SLOTS: usize = 3;

/// A read-side section. Dropping it ends the section.
pub trait ReadGuard {
    /// Loads `link` so that the pointee stays valid while this guard lives and
    /// `slot` is not protected again.
    ///
    /// The returned value is the link's raw value, tag bits included: the model
    /// checks the tag before it dereferences anything. `slot` is below
    /// [`PROTECT_SLOTS`].
    fn protect<T>(&mut self, slot: usize, link: &AtomicPtr<T>) -> *mut T;
}

/// A memory-reclamation scheme for connectors and marks.
///
/// # Safety
///
/// Implementors guarantee that a node passed to [`Scheme::retire`] is handed
/// to [`Retired::reclaim`] exactly once, and not before every read-side
/// section that could have loaded a pointer to it through
/// [`ReadGuard::protect`] has ended (or, for hazard pointers, has protected
/// something else in that slot). [`Scheme::barrier`] returns only once every
/// node retired before it was called has been reclaimed. Dropping the scheme
/// reclaims whatever is still retired.
pub unsafe trait Scheme: Send + Sync + Sized + 'static {
    /// The guard of a read-side section.
    type Guard<'s>: ReadGuard
    where
        Self: 's;

    /// The id used on the command line and in result files.
    const ID: &'static str;
    /// One line on how this scheme reclaims.
    const DESCRIPTION: &'static str;
    /// When an empty connector is detached.
    const POLICY: ConnectorPolicy;

    /// Builds the scheme, starting whatever background workers it needs.
    fn new() -> Self;

    /// Enters a read-side section.
    fn read_lock(&self) -> Self::Guard<'_>;

    /// Hands over a node the model has unlinked, to be freed once safe.
    ///
    /// # Safety
    ///
    /// `node` heads a live connector or mark that no reader can newly reach:
    /// it has been unlinked from every place a reader loads it from, and it is
    /// retired once.
    unsafe fn retire(&self, node: NonNull<Retired>);

    /// Waits until every node retired before this call has been freed.
    fn barrier(&self);

    /// The counters of allocated, retired and freed nodes.
    fn counters(&self) -> &Counters;

    /// A short note on how this build of the scheme runs (for example, which
    /// barrier mechanism the kernel allowed), or an empty string.
    fn runtime_note(&self) -> String {
        String::new()
    }
}
