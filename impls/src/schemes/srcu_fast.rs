//! `srcu-fast`: the SRCU of `srcu` with readers that skip the memory
//! barrier, as the kernel's later `srcu_read_lock_lite` and
//! `srcu_read_lock_fast` do.
//!
//! # Algorithm
//!
//! The same connector lifecycle and destroy-list worker as `srcu`
//! ([`super::srcu`]); only the ordering of a reader's entry moves.
//!
//! # Read side
//!
//! One per-thread counter store and a compiler fence on entry, one Release
//! store on exit: no fence and no read-modify-write.
//!
//! # Grace period
//!
//! Classic SRCU's two-index flip, where every fence of the grace period is a
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` ([`crate::engine::membarrier`]):
//! it forces a full barrier on every running thread, so a reader's counter
//! store is either visible to the counter scan that follows, or the reader's
//! loads come after the unlink the grace period covers. Grace periods cost a
//! system call (and an IPI per running CPU) several times over; readers
//! save a fence each. When the kernel refuses membarrier, readers fence as in
//! `srcu` and [`crate::Scheme::runtime_note`] says so.
//!
//! # Memory bound
//!
//! None while a reader stalls, as `srcu`; longer grace periods leave more
//! connectors pending between batches.
//!
//! # Source
//!
//! `kernel/rcu/srcutree.c` (`srcu_read_lock_fast`, `srcu_readers_active_idx_check`)
//! as of Linux 6.15; the argument of liburcu's `urcu-memb` flavour.

use super::srcu::{SrcuDeferred, SrcuFlavour};
use crate::engine::srcu::MembarrierFence;
use crate::scheme::ConnectorPolicy;

/// The flavour whose readers skip the fence.
pub struct Fast;

impl SrcuFlavour for Fast {
    const ID: &'static str = "srcu-fast";
    const DESCRIPTION: &'static str =
        "srcu with fence-free readers: the grace period issues membarrier() instead, then the same destroy-list worker";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;
    type Fence = MembarrierFence;
}

/// The `srcu-fast` scheme.
pub type SrcuFast = SrcuDeferred<Fast>;
