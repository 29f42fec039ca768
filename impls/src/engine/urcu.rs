//! Userspace RCU in the manner of liburcu's memory-barrier flavour
//! (`urcu-memb`): the grace-period engine of the `rcu` scheme.
//!
//! # Read side
//!
//! Every thread has one counter word, written only by that thread: the
//! nesting depth in its low bits and, while the depth is not zero, the phase
//! bit of the grace-period counter it saw on entry. The outermost
//! `read_lock` loads the global counter (its phase, with a depth of one) and
//! stores it into the thread's word, then issues [`membarrier::light`]: a
//! compiler fence when the writer uses membarrier, a SeqCst fence otherwise.
//! Nested entries and exits add or subtract one with a plain store. The
//! outermost exit stores the depth of zero with Release. No atomic
//! read-modify-write anywhere.
//!
//! # Grace period
//!
//! Under a mutex, [`Urcu::synchronize`] issues [`membarrier::heavy`] (the
//! membarrier, or a fence), then twice: flips the phase bit of the global
//! counter, fences, and waits until no thread's word shows a section entered
//! on the *old* phase. It ends with another [`membarrier::heavy`].
//!
//! # Why it is safe
//!
//! Let `H` be the heavy barrier at the start, after the caller's unlink.
//! Read `H` as a SeqCst fence in every thread, at some point of each
//! reader's program (the membarrier guarantee; with the fallback, the reader's
//! own fence stands in for it).
//!
//! 1. A section whose entry store comes after that point loads only after the
//!    fence, so it sees the unlink and cannot reach the retired node.
//! 2. A section whose entry store comes before it is visible to every counter
//!    read of this grace period (store, fence in `H`, later loads). Its word
//!    holds phase `p`, one of the two values. The first pass waits for
//!    sections on the phase that was current at `H` (the flip makes it old);
//!    the second waits for the other phase. Whichever `p` is, one pass sees
//!    the section as old and waits until the word changes: until its
//!    outermost exit. (A later section may show the same phase and be waited
//!    for too; that only delays the grace period.)
//! 3. The exit store is Release and the scan's loads are Acquire, so every
//!    load of a section the scan saw end happens before the frees that follow
//!    the grace period. The closing heavy barrier orders the caller's frees
//!    after the scan for readers the scan saw as never inside.
//!
//! Two passes are needed because a reader may load the global counter, stall,
//! and store a phase that has meanwhile become current again: a single pass
//! would take it for a reader that began after the grace period.

use crate::engine::membarrier;
use crate::engine::registry::PerThread;
use crate::engine::Backoff;
use crate::sync::{fence, lock, AtomicU64, Mutex, Ordering};

/// One section level in a counter word.
const NEST_ONE: u64 = 1;
/// The nesting depth's bits.
const NEST_MASK: u64 = (1 << 32) - 1;
/// The phase bit.
const PHASE: u64 = 1 << 32;

/// A userspace RCU domain.
pub struct Urcu {
    /// The phase bit, with a depth of one so readers copy it as is.
    gp_ctr: AtomicU64,
    readers: PerThread<AtomicU64>,
    gp_lock: Mutex<()>,
}

/// A read-side section. Not `Send`: its exit writes this thread's word.
pub struct UrcuReadGuard<'a> {
    word: &'a AtomicU64,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Urcu {
    /// A domain with no readers.
    pub fn new() -> Self {
        Urcu {
            gp_ctr: AtomicU64::new(NEST_ONE),
            readers: PerThread::new(),
            gp_lock: Mutex::new(()),
        }
    }

    /// `rcu_read_lock`.
    #[inline]
    pub fn read_lock(&self) -> UrcuReadGuard<'_> {
        let word = self.readers.mine();
        // Relaxed: only this thread writes its word.
        let now = word.load(Ordering::Relaxed);
        if now & NEST_MASK == 0 {
            // Relaxed: the phase read matters only through the store below,
            // which the two-pass scan handles whichever phase it carries.
            let snapshot = self.gp_ctr.load(Ordering::Relaxed);
            // Relaxed: ordered before this section's loads by the fence below
            // (or by the writer's membarrier).
            word.store(snapshot, Ordering::Relaxed);
            membarrier::light();
        } else {
            word.store(now + NEST_ONE, Ordering::Relaxed);
        }
        UrcuReadGuard {
            word,
            _not_send: std::marker::PhantomData,
        }
    }

    /// `synchronize_rcu`: returns once every section that began before the
    /// call has ended.
    pub fn synchronize(&self) {
        let _gp = lock(&self.gp_lock);
        membarrier::heavy();
        for _ in 0..2 {
            // Relaxed: only grace periods write the counter, under `gp_lock`.
            let flipped = self.gp_ctr.load(Ordering::Relaxed) ^ PHASE;
            self.gp_ctr.store(flipped, Ordering::Relaxed);
            // SeqCst fence: the flip comes before the scan's reads.
            fence(Ordering::SeqCst);
            self.wait_for_old(flipped & PHASE);
        }
        membarrier::heavy();
    }

    fn wait_for_old(&self, current: u64) {
        let mut backoff = Backoff::default();
        // Acquire: pairs with the Release of a reader's outermost exit.
        let is_old = |w: u64| w & NEST_MASK != 0 && w & PHASE != current;
        while self
            .readers
            .used()
            .any(|word| is_old(word.load(Ordering::Acquire)))
        {
            backoff.wait();
        }
    }
}

impl Default for Urcu {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for UrcuReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // Relaxed: only this thread writes its word.
        let now = self.word.load(Ordering::Relaxed);
        // Release: the section's loads happen before a grace period that sees
        // the depth fall to zero (its loads are Acquire).
        self.word.store(now - NEST_ONE, Ordering::Release);
    }
}

impl crate::engine::reaper::GracePeriod for Urcu {
    fn synchronize(&self) {
        Urcu::synchronize(self)
    }
}
