//! What the adapters over public reclamation crates (`epoch`, `hyaline`,
//! `haphazard`) share: the counters their reclaim callbacks update, and a
//! way for a callback that receives only the node to find them.
//!
//! A crate calls back with the retired pointer alone (seize and haphazard
//! take a plain function, not a closure). While a node waits, its header's
//! link belongs to the scheme ([`Retired::next`]), so the adapter parks a
//! pointer to its [`Shared`] there, and the callback reads it back.

use std::ptr::NonNull;

use crate::engine::tally::Tally;
use crate::retired::{Counters, Retired};

/// The counters a scheme's frees update.
#[derive(Default)]
pub struct Shared {
    /// The model's counters.
    pub counters: Counters,
    /// What the scheme was handed and has freed.
    pub tally: Tally,
}

impl Shared {
    /// Counts `node` as retired and parks a pointer to `self` in its link.
    ///
    /// # Safety
    ///
    /// `node` was just handed to the scheme, which owns its link, and `self`
    /// outlives every callback that will free the node.
    pub unsafe fn stash(&self, node: NonNull<Retired>) {
        self.tally.on_retire();
        // Safety: the scheme owns the link while the node waits.
        unsafe { *node.as_ref().next.get() = (self as *const Shared).cast_mut().cast() };
    }

    /// Frees a node parked by [`Shared::stash`], counting it there.
    ///
    /// # Safety
    ///
    /// `node` was stashed, no reader can reach it any more, and it is freed
    /// once.
    pub unsafe fn reclaim_stashed(node: NonNull<Retired>) {
        // Safety: stashed, so the link holds a `Shared` that outlives us.
        let shared = unsafe { &*(*node.as_ref().next.get()).cast::<Shared>() };
        // Safety: the caller's contract.
        unsafe { shared.tally.reclaim(node, &shared.counters) };
    }
}
