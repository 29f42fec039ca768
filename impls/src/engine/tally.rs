//! What a scheme has been handed and what it has freed, counted by the scheme
//! itself, so that a barrier can wait for "everything retired before me".
//!
//! The model's [`Counters`] also count nodes that were freed without ever
//! being retired (a lost attach race), so their difference is not the
//! scheme's backlog; a [`Tally`] is.

use std::ptr::NonNull;

use crate::engine::Backoff;
use crate::retired::{Counters, Retired};
use crate::sync::{AtomicU64, Ordering};

/// Nodes retired to and reclaimed by one scheme.
#[derive(Default)]
pub struct Tally {
    retired: AtomicU64,
    reclaimed: AtomicU64,
}

impl Tally {
    /// Counts a node handed to the scheme.
    #[inline]
    pub fn on_retire(&self) {
        self.retired.fetch_add(1, Ordering::Relaxed);
    }

    /// Frees `node` through [`Retired::reclaim`] and counts it.
    ///
    /// # Safety
    ///
    /// As [`Retired::reclaim`].
    #[inline]
    pub unsafe fn reclaim(&self, node: NonNull<Retired>, counters: &Counters) {
        // Safety: the caller's contract.
        unsafe { Retired::reclaim(node, counters) };
        // Release: pairs with the Acquire in `wait_for_backlog`, so a barrier
        // that sees this count comes after the free.
        self.reclaimed.fetch_add(1, Ordering::Release);
    }

    /// Nodes retired and not yet reclaimed.
    pub fn backlog(&self) -> u64 {
        let reclaimed = self.reclaimed.load(Ordering::Acquire);
        self.retired
            .load(Ordering::Relaxed)
            .saturating_sub(reclaimed)
    }

    /// Calls `step` until as many nodes have been reclaimed as had been
    /// retired when this was called.
    ///
    /// Counts, not identities: with schemes that free out of order, a later
    /// node's free can stand in for an earlier one still held by a reader.
    /// The model calls barriers where no reader holds anything, where the two
    /// are the same.
    pub fn wait_for_backlog(&self, mut step: impl FnMut()) {
        let target = self.retired.load(Ordering::Relaxed);
        let mut backoff = Backoff::default();
        // Acquire: pairs with the Release in `reclaim`.
        while self.reclaimed.load(Ordering::Acquire) < target {
            step();
            backoff.wait();
        }
    }
}
